"""How numbers are said: the number words, and numbers spelled out as the built-in grammars accept them.

Below both the compiler (typed digits are spelled before matching: ``grammar.text``) and the NLU (which reads the
words back into Alexa's values: ``nlu.values``), so that neither imports the other for them.
"""

from __future__ import annotations

import re


def numbered(words: str, first: int, step: int = 1) -> dict[str, int]:
    """``{"one": 1, "two": 2, ...}`` from space-separated words counted from ``first`` by ``step``."""
    return {word: first + k * step for k, word in enumerate(words.split())}


UNITS = numbered("one two three four five six seven eight nine", 1)
TEENS = numbered("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen", 10)
TENS = numbered("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
UNIT_ORDINALS = numbered("first second third fourth fifth sixth seventh eighth ninth", 1)
TEEN_ORDINALS = numbered(
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth", 10
)
TENS_ORDINALS = numbered(
    "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth", 20, 10
)
SMALL_WORDS = {0: "zero"} | {v: k for k, v in (UNITS | TEENS | TENS).items()}
SMALL_ORDINAL_WORDS = {v: k for k, v in (UNIT_ORDINALS | TEEN_ORDINALS | TENS_ORDINALS).items()}


MAX_WORDS = 999_999_999
"""The largest number the NUMBER grammar can say."""


def number_to_words(n: int) -> str:
    """The words the NUMBER grammar accepts for ``n``: 105 -> "one hundred five", -5 -> "minus five"."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n > MAX_WORDS:
        raise ValueError(f"{n} is larger than the largest number the grammar can say ({MAX_WORDS})")
    if n < 100:
        return (
            SMALL_WORDS[n] if n < 20 or n % 10 == 0 else f"{SMALL_WORDS[n - n % 10]} {SMALL_WORDS[n % 10]}"
        )
    if n < 1000:
        rest = n % 100
        return f"{SMALL_WORDS[n // 100]} hundred" + (f" {number_to_words(rest)}" if rest else "")
    for size, name in ((1_000_000, "million"), (1_000, "thousand")):
        if n >= size:
            rest = n % size
            return f"{number_to_words(n // size)} {name}" + (f" {number_to_words(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover


def _ordinal_to_words(n: int) -> str:
    """1 -> "first", 23 -> "twenty third", 100 -> "one hundredth"."""
    if n % 100 == 0:
        return number_to_words(n) + "th"
    rest = n % 100
    head = number_to_words(n - rest) + " " if n > 100 else ""
    if rest in SMALL_ORDINAL_WORDS:
        return head + SMALL_ORDINAL_WORDS[rest]
    return head + f"{SMALL_WORDS[rest - rest % 10]} {SMALL_ORDINAL_WORDS[rest % 10]}"


_INTEGER = re.compile(r"-?\d{1,3}(?:,\d{3})+|-?\d+")
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?|(\d{1,2}):(\d{2})")


def digits_to_words(token: str) -> str | None:
    """Words for a typed token, or None when it is not numeric.

    "42" -> "forty two", "-5" -> "minus five", "1,200" -> "one thousand two hundred", "23rd" -> "twenty third",
    "2026" -> "two thousand twenty six" (a cardinal, which the NUMBER, FOUR_DIGIT_NUMBER and DATE grammars all
    accept), "3:30" -> "three thirty", "15:30" -> "three thirty p m", "7am" -> "seven a m", "9:05" -> "nine oh five".
    """
    token = token.strip().lower()
    if _INTEGER.fullmatch(token):
        value = int(token.replace(",", ""))
        return number_to_words(value) if abs(value) <= MAX_WORDS else None
    match = _ORDINAL.fullmatch(token)
    if match:
        value = int(match.group(1))
        return _ordinal_to_words(value) if 1 <= value <= 999 else None
    match = _CLOCK.fullmatch(token)
    if match:
        hour_text, minute_text = match.group(1) or match.group(4), match.group(2) or match.group(5)
        letter = match.group(3)
        return _clock_words(hour_text, int(minute_text or 0), letter)
    return None


def _clock_words(hour_text: str, minute: int, letter: str | None) -> str | None:
    hour = int(hour_text)
    if minute > 59 or hour > 23 or (letter and not 1 <= hour <= 12):
        return None
    if letter is None and (hour == 0 or hour > 12 or hour_text.startswith("0")):
        # A 24-hour time: say which half of the day it is in.
        letter = "p" if hour >= 12 else "a"
        hour = hour % 12 or 12
    said_hour = SMALL_WORDS[hour]
    if minute == 0:
        said_minute = "o'clock" if letter is None else ""
    elif minute < 10:
        said_minute = f"oh {SMALL_WORDS[minute]}"
    else:
        said_minute = number_to_words(minute)
    meridiem = f"{letter} m" if letter else ""
    return " ".join(part for part in (said_hour, said_minute, meridiem) if part)
