"""Is a grammar hypothesis a plausible account of the audio? Checks on word timing that need no scores.

A constrained grammar always finds *some* sentence; when the speech was something else, the decoder bends the
nearest sentence over it. Three traces of that are visible in the word segmentation alone:

- **speech outside the words**: loud stretches of the utterance (vowels, within ``loud_db`` of its loudest frame)
  that the hypothesis explains as silence, e.g. "list skills" spotted in a five-second sentence;
- **stretched words**: a word lasting far longer per phone than anyone speaks, e.g. a 1.8 s "to";
- **words over silence**: a word whose frames are mostly quiet, e.g. "tell me about" and a pause heard as "tell
  me about earth", the "earth" put on the release of the "t" and the silence after it.

The recogniser applies them to clean utterances (``DecoderConfig.plausibility``); the voice loop also uses them
to confirm a wake word (what follows it must be a plausible request), in noise too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.audio.wav import SAMPLE_RATE

FRAME_SECONDS = 0.01
"""Analysis frame, seconds."""


class Timed(Protocol):
    """A word with its place on the timeline (``decoder.WordTiming``)."""

    @property
    def word(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Plausibility:
    """How well a hypothesis's words account for the audio they were decoded from."""

    uncovered_seconds: float
    """Seconds of loud audio (within ``loud_db`` of the loudest frame) outside every word, after tolerance."""
    loud_seconds: float
    """Seconds of loud audio in all."""
    slowest_phone_seconds: float
    """The longest average phone duration of any word, seconds per phone."""
    quiet_share: float = 0.0
    """The largest share of quiet frames (``quiet_db`` below the loudest) inside any word of two phones or more;
    1.0 for a word put over silence."""


@dataclass(frozen=True, slots=True)
class PlausibilityLimits:
    """When a hypothesis stops being plausible."""

    loud_db: float = 20.0
    """A frame is loud when its energy lies within this many dB of the loudest frame."""
    tolerance: float = 0.05
    """Seconds around each word still counted as the word's (segment boundaries are approximate)."""
    max_uncovered_seconds: float = 0.35
    """More loud audio than this outside the words, seconds: implausible."""
    max_phone_seconds: float = 0.4
    """A word longer than this many seconds per phone: implausible."""
    quiet_db: float = 30.0
    """A frame this many dB below the loudest frame is quiet."""
    max_quiet_share: float = 0.7
    """A word of two phones or more whose frames are quiet beyond this share was put over silence (mostly);
    correctly recognised words stay below it (docs/research.md)."""



def measure(
    samples: np.ndarray,
    words: Sequence[Timed],
    phones: Callable[[str], int],
    start: float = 0.0,
    limits: PlausibilityLimits | None = None,
) -> Plausibility:
    """Measure ``words`` (times in seconds, on the timeline where ``samples`` begin at ``start``) against the
    int16 16 kHz ``samples``; ``phones(word)`` gives a word's phone count."""
    lim = limits or PlausibilityLimits()
    energy = _frame_energy(samples)
    n = energy.size
    if n == 0:
        return Plausibility(0.0, 0.0, 0.0)
    loud = energy >= energy.max() - lim.loud_db
    covered = np.zeros(n, bool)
    slowest = 0.0
    quiet = 0.0
    for w in words:
        first = max(int((w.start - start - lim.tolerance) / FRAME_SECONDS), 0)
        last = min(int(np.ceil((w.end - start + lim.tolerance) / FRAME_SECONDS)), n)
        covered[first:last] = True
        slowest = max(slowest, (w.end - w.start) / max(phones(w.word), 1))
        if phones(w.word) >= 2:
            quiet = max(quiet, _quiet_share(energy, w, start, lim))
    return Plausibility(
        float(np.sum(loud & ~covered)) * FRAME_SECONDS, float(np.sum(loud)) * FRAME_SECONDS, slowest, quiet
    )


def over_silence(
    samples: np.ndarray,
    words: Sequence[Timed],
    phones: Callable[[str], int],
    start: float = 0.0,
    limits: PlausibilityLimits | None = None,
) -> list[bool]:
    """For each of ``words`` (as in ``measure``): whether it is a word of two phones or more put over silence
    (``max_quiet_share``)."""
    lim = limits or PlausibilityLimits()
    energy = _frame_energy(samples)
    if energy.size == 0:
        return [False] * len(words)
    return [phones(w.word) >= 2 and _quiet_share(energy, w, start, lim) > lim.max_quiet_share for w in words]


def _frame_energy(samples: np.ndarray) -> np.ndarray:
    """The energy of each ``FRAME_SECONDS`` frame of ``samples``, dB."""
    step = int(FRAME_SECONDS * SAMPLE_RATE)
    n = samples.size // step
    frames = samples[: n * step].astype(np.float64).reshape(n, step)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1.0)


def _quiet_share(energy: np.ndarray, word: Timed, start: float, lim: PlausibilityLimits) -> float:
    """The share of ``word``'s frames that are quiet (``quiet_db`` below the loudest frame of ``energy``)."""
    inner = energy[max(int((word.start - start) / FRAME_SECONDS), 0) : int(np.ceil((word.end - start) / FRAME_SECONDS))]
    return float(np.mean(inner < energy.max() - lim.quiet_db)) if inner.size else 0.0


def reasons(p: Plausibility, limits: PlausibilityLimits | None = None) -> list[str]:
    """What makes the hypothesis implausible, in words (empty when it is plausible)."""
    lim = limits or PlausibilityLimits()
    out = []
    if p.uncovered_seconds > lim.max_uncovered_seconds:
        out.append(f"{p.uncovered_seconds:.2f} s of loud speech outside its words")
    if p.slowest_phone_seconds > lim.max_phone_seconds:
        out.append(f"a word stretched to {p.slowest_phone_seconds:.2f} s per phone")
    if p.quiet_share > lim.max_quiet_share:
        out.append(f"a word {p.quiet_share:.0%} over silence")
    return out


def plausible(p: Plausibility, limits: PlausibilityLimits | None = None) -> bool:
    """True when no trace of a bent hypothesis exceeds its limit."""
    return not reasons(p, limits)
