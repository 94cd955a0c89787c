"""Entity resolution by sound, the pure part (``assistant.asr.sounds_like``): the weighted phone distance and the
choice of a listed value. The decoder's use of it is tested with real speech in tests/test_open_slots_voice.py."""

from __future__ import annotations

import pytest

from assistant.asr.sounds_like import VOWELS, Listed, phone_distance, sounds_like
from assistant.model.phones import CMU_PHONES


def ph(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("", "", 0.0),
    ("S IY K R AH T", "S IY K R AH T", 0.0),
    ("S IY K R AH T", "S IH K R AH T", 0.5 / 6),  # a vowel for a vowel costs half
    ("S IY K R AH T", "S IY K L AH T", 1 / 6),  # a consonant for a consonant costs 1
    ("S IY K R AH T", "S IY K R AH", 1 / 6),  # a consonant dropped costs 1
    ("P IY T S AH", "P IY T S", 0.5 / 5),  # a vowel dropped costs half
    ("W ER S T UW SH AY R", "W UH S T ER SH ER", 2.5 / 8),  # "worse to shire" against "worcestershire"
    ("M AH S T ER D", "", 5 / 6),  # all dropped: 4 consonants and 2 vowels
])
def test_phone_distance(a: str, b: str, distance: float) -> None:
    assert phone_distance(ph(a), ph(b)) == pytest.approx(distance)
    assert phone_distance(ph(b), ph(a)) == pytest.approx(distance)


SAUCES = (
    Listed(("worcestershire",), "worcestershire", (ph("W UH S T ER SH ER"),)),
    Listed(("honey", "mustard"), "honey mustard", (ph("HH AH N IY M AH S T ER D"),)),
    Listed(("secret",), "secret", (ph("S IY K R AH T"),)),
    Listed(("secrete",), "secret", (ph("S IH K R IY T"),)),  # a synonym of the same value
    Listed(("cigarette",), "cigarette", (ph("S IH G ER EH T"),)),
)


@pytest.mark.parametrize(("words", "phones", "within", "expected"), [
    ("worse to shire", "W ER S T UW SH AY R", 0.35, "worcestershire"),
    ("worse to shire", "W ER S T UW SH AY R", 0.3, None),  # beyond the threshold
    ("chocolate", "CH AA K L AH T", 0.35, None),  # 0.42 from "secret"
    ("mustard", "M AH S T ER D", 0.35, None),  # 0.3 from "honey mustard", but a whole word of it
    ("secret", "S IY K R AH T", 0.35, "secret"),
])
def test_sounds_like(words: str, phones: str, within: float, expected: str | None) -> None:
    match = sounds_like(words.split(), ph(phones), SAUCES, within)
    assert (match.listed.name if match else None) == expected


def test_two_values_equally_near_leave_the_words_open() -> None:
    tied = (Listed(("pat",), "pat", (ph("P AE T"),)), Listed(("pit",), "pit", (ph("P IH T"),)))
    assert sounds_like(["pet"], ph("P EH T"), tied, 0.35) is None
    assert sounds_like(["pet"], ph("P EH T"), tied[:1], 0.35) is not None


def test_the_vowels_are_phones_of_the_acoustic_model() -> None:
    assert VOWELS <= CMU_PHONES and len(VOWELS) == 15
