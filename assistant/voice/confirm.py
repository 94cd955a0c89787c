"""Wake confirmation policy: where the request after a wake word begins, and whether what followed confirms it.

Pure functions of audio, recognitions and times (no state); the loop calls them and acts on the answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from assistant.asr.decoder import Recognition
from assistant.asr.plausible import PlausibilityLimits, plausible

log = logging.getLogger(__name__)

FRAME = 0.01
"""Energy frame, seconds."""


@dataclass(frozen=True, slots=True)
class CutOptions:
    """How the start of a same-breath request is found after a wake word."""

    before: float = 0.0
    """Seconds before the detection's end where the search starts (a neural detector may fire a little before
    the word is over, or after it)."""
    after: float = 0.6
    """Seconds after the detection's end where the search for a pause stops."""
    pause: float = 0.08
    """A pause is at least this many seconds of quiet frames: frames within ``floor_db`` of the room's level
    (the quietest tenth of the last ``history`` seconds), and ``depth_db`` below the word's loudest frame. The
    room decides, not the word: an "s" lies 20 dB below the vowels, far above the floor of a quiet room."""
    floor_db: float = 8.0
    """How close to the room's level a quiet frame is, dB."""
    depth_db: float = 10.0
    """How far below the loudest frame of the second before the detection (the wake word) it is, dB."""
    lookback: float = 0.2
    """A pause that began up to this many seconds before the detection and goes on past it counts."""
    history: float = 3.0
    """Seconds before the detection over which the room's level is taken."""
    fallback: float = 0.3
    """With no pause: the quietest frame within this many seconds after the detection's end."""


def request_start(audio: np.ndarray, rate: int, origin: float, heard: float, options: CutOptions) -> float:
    """Where the request begins after a wake word heard (ending) at ``heard`` seconds, in ``audio`` that starts at
    ``origin`` seconds on the same timeline: the middle of the first pause after the word, or, when the words run
    together, the quietest frame shortly after it."""
    step = int(FRAME * rate)
    first = max(0, int((heard - options.before - origin) * rate) // step)
    last = min(audio.size // step, int((heard + options.after - origin) * rate) // step)
    if last <= first:
        return heard
    x = audio[: (audio.size // step) * step].astype(np.float64).reshape(-1, step)
    db = 10.0 * np.log10(np.mean(x**2, axis=1) + 1.0)
    word_from = max(0, first - int(1.0 / FRAME))
    loudest = float(np.max(db[word_from : first + 1]))
    room = db[max(0, first - int(options.history / FRAME)) : first + 1]
    floor = float(np.percentile(room, 10))
    quiet = (db < floor + options.floor_db) & (db < loudest - options.depth_db)
    need = max(1, int(round(options.pause / FRAME)))
    # the pause may have begun before the detection (the detector fires a little after the word ends): runs
    # from ``lookback`` before it count, as long as they reach past it
    i = max(0, first - int(options.lookback / FRAME))
    while i < last:
        if not quiet[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(quiet) and quiet[j + 1] and j + 1 - i < int(0.4 / FRAME):
            j += 1
        if j + 1 - i >= need and j >= first:
            return origin + (i + j + 1) / 2 * FRAME
        i = j + 1
    stop = min(last, first + int((options.before + options.fallback) / FRAME))
    k = first + int(np.argmin(db[first:stop])) if stop > first else first
    return origin + k * FRAME


def confirms(
    recognition: Recognition, limits: PlausibilityLimits | None = None, outside_speech: float | None = None
) -> bool:
    """True when what followed a wake word was understood and its words account for the speech heard: a false
    wake in the middle of a sentence leaves the rest of the sentence outside the words, or stretches a word over
    it. ``outside_speech`` is the voice activity detector's count of speech seconds outside the words; in noise,
    where every frame is loud, it replaces the loudness-based measure."""
    if recognition.result is None:
        return False
    lim = limits or PlausibilityLimits()
    p = recognition.plausibility
    if outside_speech is None:
        return p is None or plausible(p, lim)
    if outside_speech > lim.max_uncovered_seconds:
        log.info("%r leaves %.2f s of speech outside its words", recognition.transcript, outside_speech)
        return False
    return p is None or plausible(p, replace(lim, max_uncovered_seconds=float("inf")))


def agree(first: Recognition, whole: Recognition) -> bool:
    """True when the second pass heard the same intent (of the same skill) as the first: a request heard right
    survives being decoded with the wake word in front ("stop" and "shut up" agree); a false wake often turns into
    another sentence ("list my skills", then "alexa, what can I say")."""
    a, b = first.result, whole.result
    same = a is not None and b is not None and (a.intent, a.skill) == (b.intent, b.skill)
    if not same:
        log.info("the two passes disagree: %r, then %r", first.transcript, whole.transcript)
    return same
