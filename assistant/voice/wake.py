"""Wake word spotting with pocketsphinx keyphrase search: one continuously fed decoder, its own timeline.

The detector owns a pocketsphinx decoder separate from the grammar recogniser, so spotting never waits for a
grammar switch. Audio is fed block by block; when the keyphrase search fires, the detection carries where the
phrase ended on the source's timeline, so the loop can decode the rest of the same breath ("alexa, open high low
game") from its ring buffer. After a detection (or ``reset``) the search restarts with fresh state.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.errors import AssistantError
from assistant.grammar.pronounce import Lexicon

log = logging.getLogger(__name__)

FRAME_RATE = 100
"""pocketsphinx frames per second."""

DEFAULT_PHRASE = "alexa"
"""The wake word when none is given."""

DEFAULT_THRESHOLD = 1e-50
"""Default keyphrase threshold: lower is more sensitive (more hits, more false wakes); tuned in the tests."""

DEFAULT_MIN_PHONE_SECONDS = 0.0
"""Shortest plausible average phone duration of a spotted phrase, seconds (0: no check). Off: at 0.05 it removed
the false wakes of the tests (0.23-0.25 s "alexa"s) but also fast espeak voices' real ones (0.25-0.26 s)."""

_SEARCH = "_wake"


class WakeWordError(AssistantError):
    """A wake word that cannot be used: empty, unpronounceable, or a threshold out of range."""


@dataclass(frozen=True, slots=True)
class WakeDetection:
    """The wake word, heard."""

    phrase: str
    """The phrase that was spotted."""
    start: float
    """Where the phrase began, seconds on the source's timeline."""
    end: float
    """Where the phrase ended, seconds on the source's timeline."""
    detected_at: float
    """When the detector fired (end of the block that completed it), seconds on the source's timeline."""


def normalise_phrase(phrase: str) -> str:
    """The phrase as dictionary words: lower case, letters, digits and apostrophes, single spaces."""
    words = re.findall(r"[a-z0-9']+", phrase.lower())
    if not words:
        raise WakeWordError(
            f"wake word {phrase!r} has no words; give a phrase such as 'alexa' or 'hey computer'"
        )
    return " ".join(words)


def pronunciations(phrase: str, lexicon: Lexicon | None = None) -> dict[str, str]:
    """Every word of the phrase → CMU phones: the decoder's dictionary first, an espeak-ng guess otherwise."""
    words = phrase.split()
    found = (lexicon or Lexicon()).resolve(words)
    out: dict[str, str] = {}
    for word in words:
        phones = found.extra.get(word) or (lexicon or Lexicon()).phones(word)
        if phones is None:
            raise WakeWordError(f"wake word {phrase!r}: no pronunciation for {word!r}")
        out[word] = phones
    return out


class WakeWordDetector:
    """Spots one phrase in a stream of 16 kHz int16 chunks with pocketsphinx's keyphrase search.

    ``start()``/``stop()`` (or ``with``) own the decoder. ``process(chunk)`` returns a WakeDetection when the
    phrase completes in that chunk. Chunks must be contiguous on the timeline; after a gap (muted audio), call
    ``reset(at)`` with the time of the next chunk.
    """

    def __init__(
        self,
        phrase: str = DEFAULT_PHRASE,
        threshold: float = DEFAULT_THRESHOLD,
        min_phone_seconds: float = DEFAULT_MIN_PHONE_SECONDS,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise WakeWordError(
                f"wake threshold must lie between 0 and 1 exclusive (e.g. 1e-30; lower is more sensitive), "
                f"got {threshold}"
            )
        self.phrase = normalise_phrase(phrase)
        """The wake phrase, normalised to dictionary words."""
        self.threshold = threshold
        """pocketsphinx ``kws_threshold``: detection probability ratio; lower fires more readily."""
        self.min_phone_seconds = min_phone_seconds
        """A detection must last at least this many seconds per phone of the phrase (0: no duration check)."""
        self.min_seconds = 0.0
        """The shortest plausible detection, seconds (set by ``start`` from the phrase's phones)."""
        self.implausible: list[WakeDetection] = []
        """Detections dropped because they were too short to be the whole phrase."""
        self._decoder: Any = None
        self._origin = 0.0
        self._position = 0.0
        self._in_utt = False
        self._seen = 0

    def start(self) -> Self:
        """Load the acoustic model and the keyphrase search (about 0.3 s)."""
        if self._decoder is not None:
            return self
        import pocketsphinx

        decoder = pocketsphinx.Decoder(lm=None, kws_threshold=self.threshold, loglevel="FATAL")
        n_phones = 0
        for word, phones in pronunciations(self.phrase).items():
            n_phones += len(phones.split())
            if decoder.lookup_word(word) is None:
                log.info("wake word %r: adding guessed pronunciation %s", word, phones)
                decoder.add_word(word, phones, False)
        try:
            decoder.add_keyphrase(_SEARCH, self.phrase)
            decoder.activate_search(_SEARCH)
        except RuntimeError as exc:
            raise WakeWordError(f"pocketsphinx cannot spot wake word {self.phrase!r}: {exc}") from exc
        self._decoder = decoder
        self.min_seconds = n_phones * self.min_phone_seconds
        self.reset(0.0)
        log.info("wake word %r, threshold %g", self.phrase, self.threshold)
        return self

    def stop(self) -> None:
        """Release the decoder (safe to call twice)."""
        decoder, self._decoder = self._decoder, None
        if decoder is not None and self._in_utt:
            decoder.end_utt()
        self._in_utt = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, at: float) -> None:
        """Forget partial matches; the next chunk fed starts at ``at`` seconds on the timeline."""
        decoder = self._require()
        if self._in_utt:
            decoder.end_utt()
        decoder.start_utt()
        self._in_utt = True
        self._origin = at
        self._position = at
        self._seen = 0

    def process(self, chunk: AudioChunk) -> WakeDetection | None:
        """Feed one chunk; a detection when the wake phrase completes in it."""
        decoder = self._require()
        if abs(chunk.start - self._position) > 1e-6:
            self.reset(chunk.start)
        decoder.process_raw(np.asarray(chunk.samples, np.int16).tobytes(), False, False)
        self._position = chunk.end
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return None
        segments = [s for s in decoder.seg() if s.word not in ("<s>", "</s>", "<sil>")]
        if segments and len(segments) <= self._seen:
            return None  # only detections already judged implausible
        if segments:
            start = self._origin + segments[-1].start_frame / FRAME_RATE
            end = self._origin + (segments[-1].end_frame + 1) / FRAME_RATE
        else:  # no segmentation: assume the phrase just ended
            start = end = chunk.end
        detection = WakeDetection(self.phrase, start, min(end, chunk.end), chunk.end)
        if segments and detection.end - detection.start < self.min_seconds:
            # A fragment (the end of "Alex" in "selected"): keep searching without a reset, so that the whole
            # phrase, if it is being said, can still complete.
            self._seen = len(segments)
            self.implausible.append(detection)
            log.debug(
                "wake word at %.2f s lasted %.2f s, less than the %.2f s the phrase needs: dropped",
                detection.start, detection.end - detection.start, self.min_seconds,
            )  # fmt: skip
            return None
        log.debug("wake word at %.2f-%.2f s (fired at %.2f s)", detection.start, detection.end, chunk.end)
        self.reset(chunk.end)
        return detection

    def _require(self) -> Any:
        if self._decoder is None:
            raise WakeWordError("the wake word detector was not started")
        return self._decoder
