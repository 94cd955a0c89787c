"""Alexa's slot values for the built-in types that have a grammar: NUMBER, FOUR_DIGIT_NUMBER, Ordinal, DATE, TIME
and DURATION.

The grammars in ``grammars/AMAZON.<type>.jsgf`` say which word sequences a user may speak; ``normalize`` turns
one such sequence into the string Alexa would send the skill. ``grammar.numbers`` goes the other way
(``number_to_words``, ``digits_to_words``), so that text typed with digits ("42", "3:30", "23rd") reaches the same
grammars as speech.

Where the issue's examples and Alexa's documented behaviour disagree, Alexa wins. Alexa's slot type reference
(and the examples developers copy from it: "today" 2015-11-24, "next monday" 2015-11-30, "this week" 2015-W48,
"this weekend" 2015-W48-WE, "this month" 2015-11, "next year" 2016, "this decade" 201X, "next winter" 2017-WI,
"right now" PRESENT_REF) settles these choices:

DATE
  * A date said without a year "defaults to dates on or after the current date": "december fifth" said on
    2026-11-26 is 2026-12-05, "march third" is 2027-03-03 and "november twenty sixth" is today.
  * A bare weekday, "this <weekday>" and "on <weekday>" follow the same rule: the first such day on or after
    today (so "thursday" said on a Thursday is today). "next <weekday>" is the first one strictly after today
    (Alexa's example: "next monday" said on Tuesday 2015-11-24 is 2015-11-30); "last <weekday>" is the most
    recent one strictly before today.
  * A month said alone is the next such month on or after the current one: "december" is 2026-12, "march" is
    2027-03. "this/next/last month" are 2026-11, 2026-12, 2026-10.
  * Weeks use ISO-8601 week numbering: "next week" 2026-W49, "this weekend" 2026-W48-WE.
  * Seasons: "this <season>" is the season of the current year (Alexa: "this summer" said in November 2017 is
    2017-SU), "next" adds a year, "last" takes one away; a season said alone is the next one that has not ended.
    Winter belongs to the year in which it starts (December), so "this winter" said in January is last year's.
  * "now" and "right now" give PRESENT_REF.

TIME
  * Alexa documents "four in the morning" 04:00, "two p m" 14:00 and the part-of-day indicators MO, AF, EV, NI,
    but not which half of the day a bare "three thirty" means. We follow the issue: an hour said without
    "a m"/"p m"/"in the morning"/... is read as the waking-hours time, one to six o'clock in the afternoon and
    seven to eleven in the morning, so "half past three" is 15:30 and "ten past seven" is 07:10. "twelve" is noon.
  * "noon" is 12:00, "midnight" 00:00, "now" PRESENT_REF (as for DATE).

DURATION
  * ISO-8601 as Alexa sends it: "ten minutes" PT10M, "two days" P2D, "a week" P1W. Weeks stay weeks only when
    nothing else is said; "a week and two days" is P9D. A half is carried into the next smaller unit
    ("an hour and a half" PT1H30M, "a day and a half" P1DT12H, "half a minute" PT30S, "half a second" PT0.5S).

Typed digits
  * ``digits_to_words`` spells every integer as a plain cardinal ("2026" -> "two thousand twenty six"), which
    the NUMBER, FOUR_DIGIT_NUMBER and DATE grammars all accept, rather than the year style ("twenty twenty
    six") that only the last two accept.
"""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Callable, Sequence
from fractions import Fraction

from ..grammar.numbers import (
    TEEN_ORDINALS,
    TEENS,
    TENS,
    TENS_ORDINALS,
    UNIT_ORDINALS,
    UNITS,
    numbered,
)

logger = logging.getLogger(__name__)

GRAMMAR_TYPES: frozenset[str] = frozenset(
    {
        "AMAZON.NUMBER",
        "AMAZON.FOUR_DIGIT_NUMBER",
        "AMAZON.Ordinal",
        "AMAZON.DATE",
        "AMAZON.TIME",
        "AMAZON.DURATION",
    }
)
"""The built-in slot types that have a hand-written grammar and a formatted value."""

PRESENT_REF = "PRESENT_REF"
"""Alexa's value for "now" in DATE (and, here, TIME) slots."""

_Parse = tuple[int, int] | None
"""A parsed value and the index of the first word after it, or None when the words do not start with one."""


def _at(words: Sequence[str], i: int) -> str:
    return words[i] if i < len(words) else ""


def _below_100(words: Sequence[str], i: int) -> _Parse:
    """1..99: "seven", "twelve", "forty", "forty two"."""
    w = _at(words, i)
    if w in UNITS:
        return UNITS[w], i + 1
    if w in TEENS:
        return TEENS[w], i + 1
    if w in TENS:
        if _at(words, i + 1) in UNITS:
            return TENS[w] + UNITS[words[i + 1]], i + 2
        return TENS[w], i + 1
    return None


def _hundreds_rest(words: Sequence[str], value: int, i: int) -> _Parse:
    """After "<n> hundred": an optional "[and] <1..99>"; an "and" followed by anything else is left unread."""
    if _at(words, i) == "and":
        rest = _below_100(words, i + 1)
        return (value, i) if rest is None else (value + rest[0], rest[1])
    rest = _below_100(words, i)
    return (value, i) if rest is None else (value + rest[0], rest[1])


def _below_1000(words: Sequence[str], i: int) -> _Parse:
    """1..999: "five", "a hundred and five", "nine hundred ninety nine"."""
    if _at(words, i) == "a" and _at(words, i + 1) == "hundred":
        return _hundreds_rest(words, 100, i + 2)
    head = _below_100(words, i)
    if head is None:
        return None
    if head[0] < 10 and _at(words, head[1]) == "hundred":
        return _hundreds_rest(words, head[0] * 100, head[1] + 1)
    return head


def _group(words: Sequence[str], i: int, scale: str) -> _Parse:
    """``(a | <1..999>) <scale>`` for scale "thousand" or "million"."""
    if _at(words, i) == "a" and _at(words, i + 1) == scale:
        return 1, i + 2
    count = _below_1000(words, i)
    if count is None or _at(words, count[1]) != scale:
        return None
    return count[0], count[1] + 1


def _cardinal(words: Sequence[str], i: int) -> _Parse:
    """0..999,999,999 as the NUMBER grammar says it, without a sign."""
    if _at(words, i) == "zero":
        return 0, i + 1
    # "fifteen hundred", "twenty five hundred and six": hundreds counted past ten.
    head = _below_100(words, i)
    if (
        head is not None
        and head[0] >= 10
        and (head[0] < 20 or head[0] % 10)
        and _at(words, head[1]) == "hundred"
    ):
        return _hundreds_rest(words, head[0] * 100, head[1] + 1)
    total, j, groups = 0, i, 0
    for scale, factor in (("million", 1_000_000), ("thousand", 1_000)):
        k = j + 1 if groups and _at(words, j) == "and" else j
        group = _group(words, k, scale)
        if group is not None:
            total += group[0] * factor
            j, groups = group[1], groups + 1
    k = j + 1 if groups and _at(words, j) == "and" else j
    last = _below_1000(words, k)
    if last is not None:
        return total + last[0], last[1]
    return (total, j) if groups else None


def _whole(parse: _Parse, words: Sequence[str]) -> int | None:
    """The value of a parse that used every word, else None."""
    if parse is None or parse[1] != len(words):
        return None
    return parse[0]


def _number(words: Sequence[str]) -> int | None:
    negative = _at(words, 0) in ("minus", "negative")
    value = _whole(_cardinal(words, 1 if negative else 0), words)
    if value is None or (negative and value == 0 and words[1] == "zero"):
        return None
    return -value if negative else value


def _ordinal_at(words: Sequence[str], i: int) -> _Parse:
    """1st..999th: "first", "twenty third", "one hundredth", "a hundred and first"."""
    w = _at(words, i)
    for table in (UNIT_ORDINALS, TEEN_ORDINALS, TENS_ORDINALS):
        if w in table:
            return table[w], i + 1
    if w in TENS and _at(words, i + 1) in UNIT_ORDINALS:
        return TENS[w] + UNIT_ORDINALS[words[i + 1]], i + 2
    if w == "hundredth":
        return 100, i + 1
    if (w == "a" or w in UNITS) and _at(words, i + 1) in ("hundred", "hundredth"):
        hundreds = 100 * UNITS.get(w, 1)
        if words[i + 1] == "hundredth":
            return hundreds, i + 2
        j = i + 3 if _at(words, i + 2) == "and" else i + 2
        rest = _ordinal_at(words, j)
        if rest is None or rest[0] >= 100:
            return None
        return hundreds + rest[0], rest[1]
    return None


# --- four digits and years -------------------------------------------------------------------------------------


def _pair(words: Sequence[str], i: int) -> list[tuple[str, int]]:
    """Every way the words at i say two digits: "twenty six", "twenty", "nineteen", "oh five"."""
    w = _at(words, i)
    found: list[tuple[str, int]] = []
    if w in TEENS:
        found.append((f"{TEENS[w]}", i + 1))
    if w in TENS:
        found.append((f"{TENS[w]}", i + 1))
        if _at(words, i + 1) in UNITS:
            found.append((f"{TENS[w] + UNITS[words[i + 1]]}", i + 2))
    if w in ("oh", "zero") and _at(words, i + 1) in UNITS:
        found.append((f"0{UNITS[words[i + 1]]}", i + 2))
    return found


def _digit(words: Sequence[str], i: int) -> str | None:
    w = _at(words, i)
    if w in ("oh", "zero"):
        return "0"
    return str(UNITS[w]) if w in UNITS else None


def _four_digits(words: Sequence[str]) -> str | None:
    """The four digits the FOUR_DIGIT_NUMBER grammar's word sequences stand for."""
    if "thousand" in words:
        value = _whole(_cardinal(words, 0), words)
        return str(value) if value is not None and 1000 <= value <= 9999 and words[0] in UNITS else None

    def chunks(i: int, digits: str) -> str | None:
        """Depth-first over one-digit words and two-digit word groups; the first way that ends in four digits."""
        if i == len(words):
            return digits if len(digits) == 4 else None
        if len(digits) >= 4:
            return None
        if words[i] == "hundred":
            # "nineteen hundred", "oh five hundred": only after the first two digits.
            return chunks(i + 1, digits + "00") if len(digits) == 2 else None
        options = [(d, i + 1) for d in [_digit(words, i)] if d is not None] + _pair(words, i)
        for part, j in sorted(options, key=lambda o: -o[1]):
            found = chunks(j, digits + part)
            if found is not None:
                return found
        return None

    return chunks(0, "")


def _year(words: Sequence[str]) -> int | None:
    """1000..2999 as the DATE grammar says a year: "twenty twenty seven", "two thousand and five"."""
    if not words:
        return None
    if "thousand" in words:
        value = _whole(_cardinal(words, 0), words)
        return value if value is not None and 1000 <= value <= 2999 else None
    if words[0] not in ("nineteen", "twenty"):
        return None
    century = TEENS.get(words[0]) or TENS[words[0]]
    rest = words[1:]
    if list(rest) == ["hundred"]:
        return century * 100
    if len(rest) == 2 and rest[0] == "oh" and rest[1] in UNITS:
        return century * 100 + UNITS[rest[1]]
    tail = _whole(_below_100(rest, 0), rest)
    return None if tail is None or tail < 10 else century * 100 + tail


# --- dates -----------------------------------------------------------------------------------------------------

_WEEKDAYS = numbered("monday tuesday wednesday thursday friday saturday sunday", 0)
_MONTHS = numbered(
    "january february march april may june july august september october november december", 1
)
_SEASONS = {
    "spring": ("SP", 3),
    "summer": ("SU", 6),
    "fall": ("FA", 9),
    "autumn": ("FA", 9),
    "winter": ("WI", 12),
}
"""Season word -> (Alexa's code, the month it starts in)."""


def _iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _day_of_month(words: Sequence[str]) -> tuple[int, int] | None:
    """An ordinal day 1..31 at the start of ``words`` and how many words it took."""
    parse = _ordinal_at(words, 0)
    if parse is None or parse[0] > 31 or words[0] in ("a", "hundredth") or words[0] in UNITS:
        return None
    return parse


def _month_day(month: int, day: int, year: int | None, today: datetime.date) -> str | None:
    if year is not None:
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            return None
    # On or after today; February 29th may be up to eight years away.
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = datetime.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate.isoformat()
    return None


def _season_end(start_month: int, year: int) -> datetime.date:
    """The last day of the three-month season that starts in ``start_month`` of ``year``."""
    first_after = start_month + 3
    return datetime.date(year + (first_after - 1) // 12, (first_after - 1) % 12 + 1, 1) - datetime.timedelta(
        days=1
    )


def _date(words: Sequence[str], now: datetime.datetime) -> str | None:
    today = now.date()
    n = len(words)
    phrase = " ".join(words)
    fixed = {
        "now": PRESENT_REF,
        "right now": PRESENT_REF,
        "today": today.isoformat(),
        "tomorrow": (today + datetime.timedelta(days=1)).isoformat(),
        "yesterday": (today - datetime.timedelta(days=1)).isoformat(),
        "the day after tomorrow": (today + datetime.timedelta(days=2)).isoformat(),
        "the day before yesterday": (today - datetime.timedelta(days=2)).isoformat(),
    }
    if phrase in fixed:
        return fixed[phrase]
    if words[0] == "on" and n > 1 and (words[1] != "the" or "of" in words):
        return _date_on(words[1:], today)
    relative = {"this": 0, "next": 1, "last": -1}
    if n == 2 and words[0] in relative:
        step, what = relative[words[0]], words[1]
        if what in ("week", "weekend"):
            week = _iso_week(today + datetime.timedelta(weeks=step))
            return week + "-WE" if what == "weekend" else week
        if what == "month":
            index = today.year * 12 + today.month - 1 + step
            return f"{index // 12}-{index % 12 + 1:02d}"
        if what == "year":
            return str(today.year + step)
        if what == "decade":
            return f"{(today.year // 10 + step)}X"
        if what in _SEASONS:
            code, start_month = _SEASONS[what]
            year = today.year - 1 if code == "WI" and today.month <= 2 else today.year
            return f"{year + step}-{code}"
    if n == 1 and words[0] in _SEASONS:
        code, start_month = _SEASONS[words[0]]
        for year in (today.year - 1, today.year, today.year + 1):
            if _season_end(start_month, year) >= today:
                return f"{year}-{code}"
    if words[-1] in _WEEKDAYS and n <= 2:
        return _weekday(words, today)
    if words[0] in _MONTHS:
        month = _MONTHS[words[0]]
        if n == 1:
            year = today.year if month >= today.month else today.year + 1
            return f"{year}-{month:02d}"
        said_year = _year(words[1:])
        if said_year is not None:
            return f"{said_year}-{month:02d}"
        return _date_on(words, today)
    if words[0] == "the" and "of" in words:
        return _date_on(words, today)
    said_year = _year(words)
    return None if said_year is None else str(said_year)


def _date_on(words: Sequence[str], today: datetime.date) -> str | None:
    """A weekday or a day of a month, optionally with a year: "tuesday", "december the fifth twenty twenty"."""
    if words[-1] in _WEEKDAYS and len(words) <= 2:
        return _weekday(words, today)
    if words[0] in _MONTHS:
        month, rest = _MONTHS[words[0]], list(words[1:])
        if rest[:1] == ["the"]:
            rest = rest[1:]
        day = _day_of_month(rest)
        if day is None:
            return None
        year_words = rest[day[1] :]
    elif words[0] == "the":
        day = _day_of_month(words[1:])
        if day is None or _at(words, day[1] + 1) != "of" or _at(words, day[1] + 2) not in _MONTHS:
            return None
        month = _MONTHS[words[day[1] + 2]]
        year_words = list(words[day[1] + 3 :])
    else:
        return None
    year = _year(year_words) if year_words else None
    if year_words and year is None:
        return None
    return _month_day(month, day[0], year, today)


def _weekday(words: Sequence[str], today: datetime.date) -> str | None:
    target = _WEEKDAYS[words[-1]]
    which = words[0] if len(words) == 2 else "this"
    ahead = (target - today.weekday()) % 7
    if which == "this":
        return (today + datetime.timedelta(days=ahead)).isoformat()
    if which == "next":
        return (today + datetime.timedelta(days=ahead or 7)).isoformat()
    if which == "last":
        behind = (today.weekday() - target) % 7
        return (today - datetime.timedelta(days=behind or 7)).isoformat()
    return None


# --- times -----------------------------------------------------------------------------------------------------

_HOURS = UNITS | {"ten": 10, "eleven": 11, "twelve": 12}
_PARTS_OF_DAY = {
    "morning": "MO",
    "in the morning": "MO",
    "afternoon": "AF",
    "in the afternoon": "AF",
    "evening": "EV",
    "in the evening": "EV",
    "night": "NI",
    "at night": "NI",
    "tonight": "NI",
}
_MERIDIEMS = {
    ("a", "m"): "am",
    ("p", "m"): "pm",
    ("in", "the", "morning"): "am",
    ("in", "the", "afternoon"): "pm",
    ("in", "the", "evening"): "pm",
    ("at", "night"): "night",
}


def _hour_of_day(hour: int, meridiem: str | None) -> int:
    """The 0..23 hour for a clock hour 1..12 and what was said after it."""
    if meridiem == "am":
        return hour % 12
    if meridiem == "pm":
        return hour % 12 + 12
    if meridiem == "night":
        return hour % 12 if hour == 12 or hour <= 4 else hour + 12
    # Said without a half of the day: waking hours, see the module docstring.
    return hour + 12 if hour <= 6 else hour


def _time(words: Sequence[str]) -> str | None:
    phrase = " ".join(words)
    if phrase in ("now", "right now"):
        return PRESENT_REF
    if phrase in ("noon", "midday"):
        return "12:00"
    if phrase == "midnight":
        return "00:00"
    if phrase in _PARTS_OF_DAY:
        return _PARTS_OF_DAY[phrase]
    meridiem = None
    for tail, kind in _MERIDIEMS.items():
        if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
            meridiem, words = kind, words[: -len(tail)]
            break
    if not words:
        return None
    # "half past three", "a quarter to four", "ten minutes past seven".
    if len(words) >= 3 and words[-1] in _HOURS and words[-2] in ("past", "after", "to", "till"):
        return _relative_time(words, meridiem)
    if words[0] in _HOURS:
        hour, rest = _HOURS[words[0]], list(words[1:])
        if rest == ["o'clock"] or (not rest and meridiem):
            minute = 0
        elif len(rest) == 2 and rest[0] == "oh" and rest[1] in UNITS:
            minute = UNITS[rest[1]]
        else:
            said = _whole(_below_100(rest, 0), rest)
            if said is None or not 10 <= said <= 59:
                return None
            minute = said
        return f"{_hour_of_day(hour, meridiem):02d}:{minute:02d}"
    return None


def _relative_time(words: Sequence[str], meridiem: str | None) -> str | None:
    """Minutes before or after an hour: "half past three", "a quarter to four", "ten minutes past seven"."""
    amount = list(words[:-2])
    if amount == ["half"]:
        minutes = 30
    elif amount in (["quarter"], ["a", "quarter"]):
        minutes = 15
    else:
        if amount[-1] in ("minute", "minutes"):
            amount = amount[:-1]
        said = _whole(_below_100(amount, 0), amount)
        if said is None or said >= 30:
            return None
        minutes = said
    if words[-2] in ("to", "till"):
        minutes = -minutes
    total = (_hour_of_day(_HOURS[words[-1]], meridiem) * 60 + minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


# --- durations -------------------------------------------------------------------------------------------------

_DURATION_UNITS = {
    "year": "Y",
    "month": "MO",
    "week": "W",
    "day": "D",
    "hour": "H",
    "minute": "MIN",
    "second": "S",
}
_HALF_OF: dict[str, tuple[str, Fraction | int]] = {
    "Y": ("MO", 6),
    "MO": ("D", 15),
    "W": ("D", Fraction(7, 2)),
    "D": ("H", 12),
    "H": ("MIN", 30),
    "MIN": ("S", 30),
}
"""Half of a unit, in the next smaller unit Alexa writes it in."""


def _duration_unit(word: str) -> str | None:
    return _DURATION_UNITS.get(word) or _DURATION_UNITS.get(word[:-1] if word.endswith("s") else "")


def _duration_parts(words: Sequence[str]) -> list[tuple[str, Fraction]] | None:
    """(unit, amount) of each part of a spoken duration, in the order said; None when ``words`` are not one."""
    parts: list[tuple[str, Fraction]] = []
    i = 0
    while i < len(words):
        if parts and words[i] == "and":
            i += 1
        if _at(words, i) == "half" and _at(words, i + 1) in ("a", "an"):
            count, i = Fraction(1, 2), i + 2
        else:
            if _at(words, i) in ("a", "an") and _at(words, i + 1) != "hundred":
                count, i = Fraction(1), i + 1
            else:
                parse = _below_1000(words, i)
                if parse is None:
                    return None
                count, i = Fraction(parse[0]), parse[1]
                if words[i : i + 3] == ["and", "a", "half"]:
                    count, i = count + Fraction(1, 2), i + 3
        unit = _duration_unit(_at(words, i))
        if unit is None:
            return None
        i += 1
        if words[i : i + 3] == ["and", "a", "half"] and count.denominator == 1:
            count, i = count + Fraction(1, 2), i + 3
        parts.append((unit, count))
    return parts or None


def _duration(words: Sequence[str]) -> str | None:
    parts = _duration_parts(words)
    if parts is None:
        return None
    amounts: dict[str, Fraction] = {}
    for unit, count in parts:  # "an hour and half an hour": amounts of the same unit add up
        amounts[unit] = amounts.get(unit, Fraction(0)) + count
    return _iso_duration(amounts)


_UNITS_IN_ORDER = ("Y", "MO", "W", "D", "H", "MIN", "S")
_UNIT_WORD = {unit: word for word, unit in _DURATION_UNITS.items()}
_UNIT_SIZE = {"MO": 12, "W": 5, "D": 7, "H": 24, "MIN": 60, "S": 60}
"""How many of a unit make the next larger one (a month holds about four weeks and a bit)."""


def unlikely_duration(words: Sequence[str]) -> str | None:
    """Why nobody would say ``words`` as a duration, or None. People say "an hour and a half", "two hours and
    ten minutes", "a day and ten minutes"; after a larger unit they never say as much of a smaller one as makes
    the larger ("eight hours one hundred and eleven minutes"), nor a unit more than two steps smaller ("eight
    years fourteen hours"), and "and a half" ends what they say. A recogniser that fits a long stretch
    of other talk into the number grammar builds exactly such amounts."""
    parts = _duration_parts(words)
    if parts is None or len(parts) < 2:
        return None
    order = _UNITS_IN_ORDER
    for (larger, _), (unit, _) in itertools.pairwise(parts):
        if order.index(unit) - order.index(larger) > 2:
            return f"{_UNIT_WORD[unit]}s right after {_UNIT_WORD[larger]}s"
    for unit, count in parts[1:]:
        if count >= _UNIT_SIZE.get(unit, 1 << 30):
            return f"{float(count):g} {unit.lower()} after a larger unit"
    if any(count.denominator != 1 for _, count in parts[:-1]):
        return "a half before another unit"
    return None


def _iso_duration(amounts: dict[str, Fraction]) -> str:
    amounts = dict(amounts)
    for unit in ("Y", "MO", "W", "D", "H", "MIN"):
        half = amounts.get(unit, Fraction(0)) % 1
        if half:
            smaller, size = _HALF_OF[unit]
            amounts[unit] -= half
            amounts[smaller] = amounts.get(smaller, Fraction(0)) + half * 2 * size
    if "W" in amounts and len([u for u, v in amounts.items() if v]) > 1:
        # ISO-8601 writes weeks alone; anything else beside them turns them into days.
        days = amounts.pop("W") * 7
        amounts["D"] = amounts.get("D", Fraction(0)) + days

    def part(unit: str, letter: str) -> str:
        value = amounts.get(unit, Fraction(0))
        if not value:
            return ""
        text = str(value.numerator // value.denominator) if value.denominator == 1 else f"{float(value):g}"
        return text + letter

    date_part = part("Y", "Y") + part("MO", "M") + part("W", "W") + part("D", "D")
    time_part = part("H", "H") + part("MIN", "M") + part("S", "S")
    return "P" + date_part + ("T" + time_part if time_part else "")


# --- the public API --------------------------------------------------------------------------------------------


def normalize(type_name: str, words: Sequence[str], now: datetime.datetime) -> str:
    """Alexa's slot value for ``words`` spoken as a ``type_name`` slot, with dates relative to ``now``.

    Raises ValueError when the type has no grammar here or the words are not a value of that type.
    """
    if type_name not in GRAMMAR_TYPES:
        raise ValueError(
            f"{type_name} is not a built-in type with a grammar (known: {', '.join(sorted(GRAMMAR_TYPES))})"
        )
    words = [w.lower() for w in words]
    if not words:
        raise ValueError(f"no words to read as an {type_name} value")
    value = _NORMALIZERS[type_name](words, now)
    if value is None:
        raise ValueError(f"{' '.join(words)!r} is not an {type_name} value")
    logger.debug("%s %r -> %s", type_name, " ".join(words), value)
    return value


def _number_value(words: Sequence[str], now: datetime.datetime) -> str | None:
    value = _number(words)
    return None if value is None else str(value)


def _ordinal_value(words: Sequence[str], now: datetime.datetime) -> str | None:
    value = _whole(_ordinal_at(words, 0), words)
    return None if value is None else str(value)


_NORMALIZERS: dict[str, Callable[[Sequence[str], datetime.datetime], str | None]] = {
    "AMAZON.NUMBER": _number_value,
    "AMAZON.FOUR_DIGIT_NUMBER": lambda words, now: _four_digits(words),
    "AMAZON.Ordinal": _ordinal_value,
    "AMAZON.DATE": _date,
    "AMAZON.TIME": lambda words, now: _time(words),
    "AMAZON.DURATION": lambda words, now: _duration(words),
}
