"""Text normalisation shared by sample utterances, slot values and typed input.

Both sides of a match go through ``words()``, so "What's 42?" typed by a user and "what's {number}" written in a
model meet as the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                      "nine": "ninth", "twelve": "twelfth"}


def number_to_words(n: int) -> str:
    """Cardinal words: 105 → "one hundred five", -5 → "minus five"."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            high, rest = divmod(n, size)
            return number_to_words(high) + " " + name + ("" if rest == 0 else " " + number_to_words(rest))
    raise AssertionError("unreachable")


def ordinal_to_words(n: int) -> str:
    """Ordinal words: 1 → "first", 23 → "twenty third", 100 → "one hundredth"."""
    words = number_to_words(n).split()
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year_to_words(n: int) -> str:
    """How a four-digit year is said: 2026 → "twenty twenty six", 1905 → "nineteen oh five", 2000 → "two thousand"."""
    high, low = divmod(n, 100)
    if low == 0:
        return number_to_words(n) if high % 10 == 0 else number_to_words(high) + " hundred"
    if 2000 <= n < 2010:
        return number_to_words(n)
    return number_to_words(high) + " " + ("oh " + _ONES[low] if low < 10 else number_to_words(low))


_ORDINAL_RE = re.compile(r"^(\d+)(st|nd|rd|th)$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def digits_to_words(token: str) -> str | None:
    """Words for a typed numeric token ("42", "-5", "1st", "3:30", "2,000"), or None when it is not numeric."""
    token = token.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", token) else token
    if re.fullmatch(r"-?\d+", token):
        n = int(token)
        if len(token) > 12:
            return " ".join(_ONES[int(d)] for d in token.lstrip("-"))
        return number_to_words(n)
    if m := _ORDINAL_RE.match(token):
        return ordinal_to_words(int(m.group(1)))
    if m := _TIME_RE.match(token):
        hour, minute = int(m.group(1)), int(m.group(2))
        if minute == 0:
            return number_to_words(hour) + " o'clock"
        return number_to_words(hour) + " " + ("oh " + _ONES[minute] if minute < 10 else number_to_words(minute))
    if re.fullmatch(r"\d+\.\d+", token):
        whole, frac = token.split(".")
        return number_to_words(int(whole)) + " point " + " ".join(_ONES[int(d)] for d in frac)
    return None


_SPLIT_RE = re.compile(r"[^\w'.:,&%+-]+")
_ACRONYM_RE = re.compile(r"^(?:[A-Za-z]\.){2,}$|^[A-Z]{2,4}s?$")


def words(text: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """Lower-case word tokens: punctuation dropped, digits spelled out, acronyms split, contractions unified.

    ``known`` says whether the dictionary has a word; with it, "whats" becomes "what's" and unknown
    all-capital acronyms ("TV" when "tv" is missing) are spelled as letters.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("&", " and ").replace("%", " percent ")
    out: list[str] = []
    for raw in _SPLIT_RE.split(text):
        raw = raw.strip(".,:'-+")
        if not raw:
            continue
        if (spoken := digits_to_words(raw)) is not None:
            out.extend(spoken.split())
            continue
        if _ACRONYM_RE.match(raw) and (known is None or not known(raw.lower().rstrip("s"))):
            letters = [c.lower() for c in raw if c.isalpha()]
            if raw.endswith("s") and raw[:-1].isupper():
                letters = letters[:-1] + ["s"] if len(letters) > 2 else letters
            out.extend(f"{c}." if c == "a" else c for c in letters)
            continue
        for part in re.split(r"[.:,+]|(?<=\D)-|-(?=\D)", raw):
            part = part.strip("'").lower()
            if not part:
                continue
            if (spoken := digits_to_words(part)) is not None:
                out.extend(spoken.split())
            elif known is not None and "'" not in part and not known(part):
                out.append(_contraction(part, known))
            else:
                out.append(part)
    return out


_CONTRACTION_ENDINGS = ("s", "t", "re", "ve", "ll", "d", "m")


def _contraction(word: str, known: Callable[[str], bool]) -> str:
    """"whats" → "what's", "dont" → "don't", when only the apostrophe form is in the dictionary."""
    for ending in _CONTRACTION_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            candidate = word[: -len(ending)] + "'" + ending
            if known(candidate):
                return candidate
    return word
