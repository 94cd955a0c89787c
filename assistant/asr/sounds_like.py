"""Entity resolution by sound: an open value heard by voice that sounds like a listed value is that value.

Alexa's recogniser is biased toward a slot's listed values, so a word said a little unlike the dictionary's form of
a listed value still comes back as that value (ER_SUCCESS_MATCH). Here the second pass's general language model
spells such a word as other words ("worcestershire" said "-shire" is heard "worse to shire"). This module is the
pure part of the remedy: how far apart two phone sequences are, and which listed value (if any) lies near enough
to the heard words. The decoder supplies the phones from its own dictionary and applies the choice
(``DecoderConfig.open_resolve``); typed text never comes here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
"""The vowels of the 39 phones (ER, r-coloured, among them)."""
VOWEL_COST = 0.5
"""Cost of a vowel for another vowel, or a vowel inserted or dropped: vowels are what a voice, an accent or the
dictionary most often disagree on ("W UH S T ER SH ER" against "-shire")."""


def _cost(x: str | None, y: str | None) -> float:
    """Cost of turning phone ``x`` into ``y`` (None: nothing, an insertion or a deletion)."""
    if x == y:
        return 0.0
    if (x is None or x in VOWELS) and (y is None or y in VOWELS):
        return VOWEL_COST
    return 1.0


def phone_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted edit distance between two phone sequences, divided by the longer one's length: 0 (the same) … 1.
    A consonant substituted, inserted or dropped costs 1, a vowel :data:`VOWEL_COST`."""
    if not a and not b:
        return 0.0
    prev = [0.0]
    for y in b:
        prev.append(prev[-1] + _cost(None, y))
    for x in a:
        cur = [prev[0] + _cost(x, None)]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + _cost(x, None), cur[j - 1] + _cost(None, y), prev[j - 1] + _cost(x, y)))
        prev = cur
    return prev[-1] / max(len(a), len(b))


@dataclass(frozen=True, slots=True)
class Listed:
    """A listed value or synonym of a slot type, as the comparison needs it."""

    words: tuple[str, ...]
    """Its words, as the grammar has them."""
    name: str
    """The canonical value it resolves to."""
    pronunciations: tuple[tuple[str, ...], ...]
    """Its phone sequences (each word's dictionary pronunciations, alternates too)."""


@dataclass(frozen=True, slots=True)
class SoundMatch:
    """The listed value (or synonym) an open value sounds like."""

    listed: Listed
    """The listed value or synonym."""
    distance: float
    """:func:`phone_distance` between its phones and the heard words' phones."""


def sounds_like(words: Sequence[str], phones: Sequence[str], listed: Iterable[Listed], within: float) -> SoundMatch | None:
    """The listed value nearest to the heard ``words`` (whose phones are ``phones``), when it lies within
    ``within`` and no other value lies as near; else None. Two synonyms of one value may tie; two values tied
    leave the words open.

    A listed value of which the heard words are a part, whole words ("mustard" of "honey mustard"), is not a
    candidate: the words differ from it by whole words, which the second pass heard as words, not by how a word
    was said."""
    best: SoundMatch | None = None
    tied = False
    heard = tuple(words)
    for item in listed:
        if _part_of(heard, item.words):
            continue
        distance = min((phone_distance(phones, p) for p in item.pronunciations
                        if _length_bound(len(phones), len(p)) <= within), default=1.0)
        if distance > within:
            continue
        if best is None or distance < best.distance:
            best, tied = SoundMatch(item, distance), False
        elif distance == best.distance and item.name != best.listed.name:
            tied = True
    return None if tied else best


def _part_of(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether ``part`` is a shorter run of whole words inside ``whole``."""
    n = len(part)
    return 0 < n < len(whole) and any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def _length_bound(a: int, b: int) -> float:
    """The least :func:`phone_distance` between sequences of ``a`` and ``b`` phones (each phone more costs at least
    :data:`VOWEL_COST`): lets a long list be searched without the edit distance to every value."""
    return VOWEL_COST * abs(a - b) / max(a, b, 1)
