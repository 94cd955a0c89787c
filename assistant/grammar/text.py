"""Text normalisation shared by sample utterances, slot values and typed input.

Both sides of a match go through ``words()``, so "What's 42?" typed by a user and "what's {number}" written in a
model meet as the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Number words are the built-in grammars' business: typed digits are spelled exactly as the NUMBER, DATE and TIME
# grammars in grammars/ say them (nlu.values holds both the spelling and the reading back; it imports nothing
# from the project, so this import makes no cycle).
from .numbers import digits_to_words

_SPLIT_RE = re.compile(r"[^\w'.:,&%+-]+")
_ACRONYM_RE = re.compile(r"^(?:[A-Za-z]\.){2,}$|^[A-Z]{2,4}s?$")


def words(text: str, known: Callable[[str], bool] | None = None, keep_accents: bool = False) -> list[str]:
    """Lower-case word tokens: punctuation dropped, digits spelled out, acronyms split, contractions unified.

    ``known`` says whether the dictionary has a word; with it, "whats" becomes "what's" and unknown
    all-capital acronyms ("TV" when "tv" is missing) are spelled as letters. Accents are folded ("cäsar" →
    "casar"), as grammar words are spelled, unless ``keep_accents``: typed text keeps them, so that a slot's
    value is the words as the user wrote them; the NLU compares words by :func:`fold` either way.
    """
    text = unicodedata.normalize("NFC", text) if keep_accents else fold(text)
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


def fold(text: str) -> str:
    """``text`` without accents and other combining marks ("öffne" → "offne"); compatibility forms unified."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_CONTRACTION_ENDINGS = ("s", "t", "re", "ve", "ll", "d", "m")


def _contraction(word: str, known: Callable[[str], bool]) -> str:
    """"whats" → "what's", "dont" → "don't", when only the apostrophe form is in the dictionary."""
    for ending in _CONTRACTION_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            candidate = word[: -len(ending)] + "'" + ending
            if known(candidate):
                return candidate
    return word
