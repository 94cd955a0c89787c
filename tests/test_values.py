"""Alexa slot values for the built-in types with grammars, on a fixed clock: Thursday 2026-11-26, ISO week 48."""

from __future__ import annotations

import datetime

import pytest

from assistant.grammar.numbers import digits_to_words, number_to_words
from assistant.nlu.values import GRAMMAR_TYPES, normalize

NOW = datetime.datetime(2026, 11, 26, 10, 30)
"""The tests' clock: a Thursday in ISO week 48."""

VALUES = [
    # NUMBER
    ("AMAZON.NUMBER", "zero", "0"),
    ("AMAZON.NUMBER", "five", "5"),
    ("AMAZON.NUMBER", "forty two", "42"),
    ("AMAZON.NUMBER", "a hundred and five", "105"),
    ("AMAZON.NUMBER", "one hundred five", "105"),
    ("AMAZON.NUMBER", "nine hundred ninety nine", "999"),
    ("AMAZON.NUMBER", "a thousand", "1000"),
    ("AMAZON.NUMBER", "one thousand two hundred", "1200"),
    ("AMAZON.NUMBER", "fifteen hundred", "1500"),
    ("AMAZON.NUMBER", "twenty five hundred and six", "2506"),
    ("AMAZON.NUMBER", "two thousand and five", "2005"),
    ("AMAZON.NUMBER", "two million", "2000000"),
    ("AMAZON.NUMBER", "one million five hundred thousand and six", "1500006"),
    (
        "AMAZON.NUMBER",
        "nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine",
        "999999999",
    ),
    ("AMAZON.NUMBER", "minus five", "-5"),
    ("AMAZON.NUMBER", "negative five", "-5"),
    ("AMAZON.NUMBER", "minus two thousand", "-2000"),
    # FOUR_DIGIT_NUMBER
    ("AMAZON.FOUR_DIGIT_NUMBER", "twenty twenty six", "2026"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "one two three four", "1234"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "six zero four five", "6045"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "six oh four five", "6045"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "oh one two three", "0123"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "six oh forty five", "6045"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "twenty one one two", "2112"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "twenty two two", "2022"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "nineteen oh five", "1905"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "nineteen hundred", "1900"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "oh five hundred", "0500"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "two thousand twenty six", "2026"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "one thousand two hundred thirty four", "1234"),
    # Ordinal
    ("AMAZON.Ordinal", "first", "1"),
    ("AMAZON.Ordinal", "second", "2"),
    ("AMAZON.Ordinal", "twelfth", "12"),
    ("AMAZON.Ordinal", "twentieth", "20"),
    ("AMAZON.Ordinal", "twenty third", "23"),
    ("AMAZON.Ordinal", "ninety ninth", "99"),
    ("AMAZON.Ordinal", "hundredth", "100"),
    ("AMAZON.Ordinal", "one hundredth", "100"),
    ("AMAZON.Ordinal", "a hundred and first", "101"),
    ("AMAZON.Ordinal", "three hundred twenty second", "322"),
    # DATE: days
    ("AMAZON.DATE", "today", "2026-11-26"),
    ("AMAZON.DATE", "tomorrow", "2026-11-27"),
    ("AMAZON.DATE", "yesterday", "2026-11-25"),
    ("AMAZON.DATE", "the day after tomorrow", "2026-11-28"),
    ("AMAZON.DATE", "the day before yesterday", "2026-11-24"),
    ("AMAZON.DATE", "tuesday", "2026-12-01"),
    ("AMAZON.DATE", "on tuesday", "2026-12-01"),
    ("AMAZON.DATE", "this tuesday", "2026-12-01"),
    ("AMAZON.DATE", "next tuesday", "2026-12-01"),
    ("AMAZON.DATE", "last tuesday", "2026-11-24"),
    ("AMAZON.DATE", "friday", "2026-11-27"),
    ("AMAZON.DATE", "thursday", "2026-11-26"),
    ("AMAZON.DATE", "next thursday", "2026-12-03"),
    ("AMAZON.DATE", "last thursday", "2026-11-19"),
    ("AMAZON.DATE", "december fifth", "2026-12-05"),
    ("AMAZON.DATE", "december the fifth", "2026-12-05"),
    ("AMAZON.DATE", "the fifth of december", "2026-12-05"),
    ("AMAZON.DATE", "on the fifth of december", "2026-12-05"),
    ("AMAZON.DATE", "on december fifth", "2026-12-05"),
    ("AMAZON.DATE", "november twenty sixth", "2026-11-26"),
    ("AMAZON.DATE", "november twentieth", "2027-11-20"),
    ("AMAZON.DATE", "march third", "2027-03-03"),
    ("AMAZON.DATE", "february twenty ninth", "2028-02-29"),
    ("AMAZON.DATE", "december thirty first", "2026-12-31"),
    ("AMAZON.DATE", "december fifth twenty twenty seven", "2027-12-05"),
    ("AMAZON.DATE", "december fifth two thousand twenty seven", "2027-12-05"),
    ("AMAZON.DATE", "the fifth of december twenty twenty seven", "2027-12-05"),
    ("AMAZON.DATE", "march third nineteen ninety nine", "1999-03-03"),
    ("AMAZON.DATE", "july fourth two thousand and five", "2005-07-04"),
    # DATE: weeks, months, years, seasons
    ("AMAZON.DATE", "this week", "2026-W48"),
    ("AMAZON.DATE", "next week", "2026-W49"),
    ("AMAZON.DATE", "last week", "2026-W47"),
    ("AMAZON.DATE", "this weekend", "2026-W48-WE"),
    ("AMAZON.DATE", "next weekend", "2026-W49-WE"),
    ("AMAZON.DATE", "last weekend", "2026-W47-WE"),
    ("AMAZON.DATE", "december", "2026-12"),
    ("AMAZON.DATE", "november", "2026-11"),
    ("AMAZON.DATE", "march", "2027-03"),
    ("AMAZON.DATE", "this month", "2026-11"),
    ("AMAZON.DATE", "next month", "2026-12"),
    ("AMAZON.DATE", "last month", "2026-10"),
    ("AMAZON.DATE", "december twenty twenty seven", "2027-12"),
    ("AMAZON.DATE", "this year", "2026"),
    ("AMAZON.DATE", "next year", "2027"),
    ("AMAZON.DATE", "last year", "2025"),
    ("AMAZON.DATE", "twenty twenty seven", "2027"),
    ("AMAZON.DATE", "two thousand twenty seven", "2027"),
    ("AMAZON.DATE", "nineteen eighty four", "1984"),
    ("AMAZON.DATE", "this decade", "202X"),
    ("AMAZON.DATE", "next decade", "203X"),
    ("AMAZON.DATE", "this winter", "2026-WI"),
    ("AMAZON.DATE", "next summer", "2027-SU"),
    ("AMAZON.DATE", "this summer", "2026-SU"),
    ("AMAZON.DATE", "last spring", "2025-SP"),
    ("AMAZON.DATE", "this autumn", "2026-FA"),
    ("AMAZON.DATE", "fall", "2026-FA"),
    ("AMAZON.DATE", "summer", "2027-SU"),
    ("AMAZON.DATE", "winter", "2026-WI"),
    ("AMAZON.DATE", "now", "PRESENT_REF"),
    ("AMAZON.DATE", "right now", "PRESENT_REF"),
    # TIME
    ("AMAZON.TIME", "three o'clock", "15:00"),
    ("AMAZON.TIME", "three thirty", "15:30"),
    ("AMAZON.TIME", "half past three", "15:30"),
    ("AMAZON.TIME", "quarter to four", "15:45"),
    ("AMAZON.TIME", "a quarter past six", "18:15"),
    ("AMAZON.TIME", "ten past seven", "07:10"),
    ("AMAZON.TIME", "twenty five minutes to eight", "07:35"),
    ("AMAZON.TIME", "nine oh five", "09:05"),
    ("AMAZON.TIME", "twelve fifteen", "12:15"),
    ("AMAZON.TIME", "seven thirty p m", "19:30"),
    ("AMAZON.TIME", "seven a m", "07:00"),
    ("AMAZON.TIME", "two p m", "14:00"),
    ("AMAZON.TIME", "twelve a m", "00:00"),
    ("AMAZON.TIME", "twelve thirty p m", "12:30"),
    ("AMAZON.TIME", "four in the morning", "04:00"),
    ("AMAZON.TIME", "three in the afternoon", "15:00"),
    ("AMAZON.TIME", "eight in the evening", "20:00"),
    ("AMAZON.TIME", "ten at night", "22:00"),
    ("AMAZON.TIME", "two at night", "02:00"),
    ("AMAZON.TIME", "quarter to one a m", "00:45"),
    ("AMAZON.TIME", "noon", "12:00"),
    ("AMAZON.TIME", "midnight", "00:00"),
    ("AMAZON.TIME", "morning", "MO"),
    ("AMAZON.TIME", "in the morning", "MO"),
    ("AMAZON.TIME", "afternoon", "AF"),
    ("AMAZON.TIME", "in the evening", "EV"),
    ("AMAZON.TIME", "evening", "EV"),
    ("AMAZON.TIME", "night", "NI"),
    ("AMAZON.TIME", "tonight", "NI"),
    ("AMAZON.TIME", "now", "PRESENT_REF"),
    # DURATION
    ("AMAZON.DURATION", "ten minutes", "PT10M"),
    ("AMAZON.DURATION", "a minute", "PT1M"),
    ("AMAZON.DURATION", "an hour and a half", "PT1H30M"),
    ("AMAZON.DURATION", "half an hour", "PT30M"),
    ("AMAZON.DURATION", "two days", "P2D"),
    ("AMAZON.DURATION", "a week", "P1W"),
    ("AMAZON.DURATION", "three weeks", "P3W"),
    ("AMAZON.DURATION", "thirty seconds", "PT30S"),
    ("AMAZON.DURATION", "one hour ten minutes", "PT1H10M"),
    ("AMAZON.DURATION", "five hours and ten minutes", "PT5H10M"),
    ("AMAZON.DURATION", "two and a half hours", "PT2H30M"),
    ("AMAZON.DURATION", "a year", "P1Y"),
    ("AMAZON.DURATION", "a year and a half", "P1Y6M"),
    ("AMAZON.DURATION", "a day and a half", "P1DT12H"),
    ("AMAZON.DURATION", "a week and two days", "P9D"),
    ("AMAZON.DURATION", "two and a half weeks", "P17DT12H"),
    ("AMAZON.DURATION", "half a minute", "PT30S"),
    ("AMAZON.DURATION", "half a second", "PT0.5S"),
    ("AMAZON.DURATION", "one day two hours and three minutes", "P1DT2H3M"),
    ("AMAZON.DURATION", "a hundred and twenty minutes", "PT120M"),
    ("AMAZON.DURATION", "six months", "P6M"),
    ("AMAZON.DURATION", "an hour and half an hour", "PT1H30M"),
    ("AMAZON.DURATION", "a hundred and a half hours", "PT100H30M"),
]


@pytest.mark.parametrize(("type_name", "words", "expected"), VALUES)
def test_normalize(type_name: str, words: str, expected: str) -> None:
    assert normalize(type_name, words.split(), NOW) == expected


NOT_VALUES = [
    ("AMAZON.NUMBER", "five five"),
    ("AMAZON.NUMBER", "twenty ten"),
    ("AMAZON.NUMBER", "hundred"),
    ("AMAZON.NUMBER", "minus zero"),
    ("AMAZON.NUMBER", "one hundred and"),
    ("AMAZON.NUMBER", "tuesday"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "one two three"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "one two three four five"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "five hundred"),
    ("AMAZON.Ordinal", "five"),
    ("AMAZON.Ordinal", "first second"),
    ("AMAZON.DATE", "february thirtieth"),
    ("AMAZON.DATE", "february twenty ninth twenty twenty seven"),
    ("AMAZON.DATE", "december fifth banana"),
    ("AMAZON.DATE", "the fifth"),
    ("AMAZON.DATE", "next"),
    ("AMAZON.TIME", "thirteen o'clock"),
    ("AMAZON.TIME", "three sixty"),
    ("AMAZON.TIME", "three five"),
    ("AMAZON.TIME", "thirty past three"),
    ("AMAZON.TIME", "three"),
    ("AMAZON.DURATION", "minutes"),
    ("AMAZON.DURATION", "ten"),
    ("AMAZON.DURATION", "ten minutes and"),
]


@pytest.mark.parametrize(("type_name", "words"), NOT_VALUES)
def test_words_that_are_not_a_value_are_refused(type_name: str, words: str) -> None:
    with pytest.raises(ValueError, match=type_name):
        normalize(type_name, words.split(), NOW)


def test_unknown_type_and_empty_words_are_refused() -> None:
    with pytest.raises(ValueError, match="AMAZON.US_CITY is not a built-in type with a grammar"):
        normalize("AMAZON.US_CITY", ["seattle"], NOW)
    with pytest.raises(ValueError, match="no words"):
        normalize("AMAZON.NUMBER", [], NOW)


def test_words_are_case_insensitive() -> None:
    assert normalize("AMAZON.DATE", ["December", "FIFTH"], NOW) == "2026-12-05"


def test_grammar_types() -> None:
    assert {
        "AMAZON.NUMBER",
        "AMAZON.FOUR_DIGIT_NUMBER",
        "AMAZON.Ordinal",
        "AMAZON.DATE",
        "AMAZON.TIME",
        "AMAZON.DURATION",
    } == GRAMMAR_TYPES


@pytest.mark.parametrize(
    ("now", "words", "expected"),
    [
        # Week numbers follow ISO-8601 across the turn of the year.
        (datetime.datetime(2026, 12, 31), "next week", "2027-W01"),
        (datetime.datetime(2027, 1, 1), "this week", "2026-W53"),
        (datetime.datetime(2026, 12, 31), "next month", "2027-01"),
        (datetime.datetime(2027, 1, 15), "last month", "2026-12"),
        # Winter belongs to the year it starts in.
        (datetime.datetime(2027, 1, 15), "this winter", "2026-WI"),
        (datetime.datetime(2027, 1, 15), "winter", "2026-WI"),
        (datetime.datetime(2027, 3, 15), "winter", "2027-WI"),
        (datetime.datetime(2027, 1, 15), "january", "2027-01"),
        (datetime.datetime(2027, 1, 15), "january tenth", "2028-01-10"),
    ],
)
def test_dates_depend_on_the_clock(now: datetime.datetime, words: str, expected: str) -> None:
    assert normalize("AMAZON.DATE", words.split(), now) == expected


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (42, "forty two"),
        (90, "ninety"),
        (105, "one hundred five"),
        (1200, "one thousand two hundred"),
        (2026, "two thousand twenty six"),
        (1_000_001, "one million one"),
        (-5, "minus five"),
    ],
)
def test_number_to_words(n: int, words: str) -> None:
    assert number_to_words(n) == words
    assert normalize("AMAZON.NUMBER", words.split(), NOW) == str(n)


def test_number_to_words_refuses_what_the_grammar_cannot_say() -> None:
    with pytest.raises(ValueError, match="larger than the largest"):
        number_to_words(1_000_000_000)


@pytest.mark.parametrize(
    ("token", "words", "type_name", "value"),
    [
        ("42", "forty two", "AMAZON.NUMBER", "42"),
        ("-5", "minus five", "AMAZON.NUMBER", "-5"),
        ("1,200", "one thousand two hundred", "AMAZON.NUMBER", "1200"),
        ("2026", "two thousand twenty six", "AMAZON.FOUR_DIGIT_NUMBER", "2026"),
        ("2026", "two thousand twenty six", "AMAZON.DATE", "2026"),
        ("1999", "one thousand nine hundred ninety nine", "AMAZON.DATE", "1999"),
        ("1st", "first", "AMAZON.Ordinal", "1"),
        ("23rd", "twenty third", "AMAZON.Ordinal", "23"),
        ("100th", "one hundredth", "AMAZON.Ordinal", "100"),
        ("101st", "one hundred first", "AMAZON.Ordinal", "101"),
        ("3:30", "three thirty", "AMAZON.TIME", "15:30"),
        ("9:05", "nine oh five", "AMAZON.TIME", "09:05"),
        ("09:30", "nine thirty a m", "AMAZON.TIME", "09:30"),
        ("15:30", "three thirty p m", "AMAZON.TIME", "15:30"),
        ("0:15", "twelve fifteen a m", "AMAZON.TIME", "00:15"),
        ("12:00", "twelve o'clock", "AMAZON.TIME", "12:00"),
        ("13:00", "one p m", "AMAZON.TIME", "13:00"),
        ("7am", "seven a m", "AMAZON.TIME", "07:00"),
        ("7:45 p.m.", "seven forty five p m", "AMAZON.TIME", "19:45"),
    ],
)
def test_digits_to_words_reach_the_same_value(token: str, words: str, type_name: str, value: str) -> None:
    assert digits_to_words(token) == words
    assert normalize(type_name, words.split(), NOW) == value


@pytest.mark.parametrize("token", ["abc", "3.5", "", "12:75", "25:00", "13pm", "1,20", "0th", "1000th", "x1"])
def test_digits_to_words_gives_none_for_what_is_not_a_number(token: str) -> None:
    assert digits_to_words(token) is None
