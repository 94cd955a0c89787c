"""End of speech: pocketsphinx's voice activity detector and endpointer, on the source's timeline.

The endpointer looks at a sliding window of 30 ms frames and changes state when ``ratio`` of the window agrees,
so its decision trails the audio by about ``window`` seconds; the VAD itself keeps a short hangover after the last
voiced frame. Both delays count in the latency figures (see bench/latency.py).
"""

from __future__ import annotations

import collections
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AudioError

log = logging.getLogger(__name__)


DEFAULT_WINDOW = 0.2
"""Default endpointer decision window, seconds."""


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """How speech is told from silence."""

    window: float = DEFAULT_WINDOW
    """Length of the decision window, seconds (shorter ends utterances sooner but splits them at pauses)."""
    ratio: float = 0.9
    """Fraction of the window that must agree before speech starts or ends."""
    vad_mode: int = 2
    """Aggressiveness of the voice activity detector, 0 (loose) to 3 (strict)."""
    loud_db: float = 12.0
    """``Endpointer.heard_end``: a frame is sound when its energy is this many dB above the room's floor (the 10th
    percentile of the last ``floor_seconds``)."""
    floor_seconds: float = 3.0
    """See ``loud_db``, seconds."""
    depth_db: float = 35.0
    """...and at most this many dB below the loudest frame of the last ``floor_seconds`` (a fading tail in a
    quiet room is over before it reaches the floor)."""
    settle: float = 0.3
    """``Endpointer.heard_end`` trusts the end of sound over the VAD's last voiced frame when the sound ended at
    most this many seconds before it (the VAD's own hangover); a longer stretch the VAD calls speech while it is
    quiet is soft speech."""


@dataclass(frozen=True, slots=True)
class SpeechEvent:
    """Speech started or ended."""

    kind: str
    """``start`` or ``end``."""
    speech_time: float
    """Where the speech started or ended, as the detector places it, seconds on the source's timeline."""
    at: float
    """When the detector decided (end of the frame that tipped it), seconds on the source's timeline."""


class Endpointer:
    """Feeds fixed 30 ms frames to ``pocketsphinx.Endpointer`` and reports speech start and end events.

    Chunks of any multiple of the frame length are accepted; other sizes are re-framed internally.
    """

    def __init__(self, config: EndpointConfig | None = None, rate: int = SAMPLE_RATE) -> None:
        import pocketsphinx

        self.config = config or EndpointConfig()
        """The detector settings."""
        try:
            self._ep: Any = pocketsphinx.Endpointer(
                window=self.config.window, ratio=self.config.ratio, vad_mode=self.config.vad_mode,
                sample_rate=rate,
            )
        except ValueError as exc:
            raise AudioError(f"endpointer settings {self.config} are not usable: {exc}") from exc
        self._vad: Any = pocketsphinx.Vad(self.config.vad_mode, rate, self._ep.frame_length)
        self.frame_samples = self._ep.frame_bytes // 2
        """Samples per detector frame."""
        self.rate = rate
        """Sample rate, Hertz."""
        self._pending = np.zeros(0, np.int16)
        self._pending_start = 0.0
        self._origin = 0.0
        self._fed = 0
        self._voiced_end = float("-inf")
        self._loud_end = float("-inf")
        self._levels: collections.deque[float] = collections.deque(
            maxlen=max(1, int(self.config.floor_seconds * rate / self.frame_samples))
        )

    @property
    def heard_end(self) -> float:
        """End of the speech just heard, as early as it can be told, seconds on the source's timeline: the end of
        the last frame loud above the room's floor (``EndpointConfig.loud_db``) when the VAD's last voiced frame
        (``voiced_end``) trails it by at most ``settle``: the VAD goes on calling a fading tail speech for a while
        (docs/research.md has the figures). Otherwise the VAD's."""
        loud, voiced = self._loud_end, self._voiced_end
        return loud if voiced - self.config.settle <= loud <= voiced else voiced

    @property
    def voiced_end(self) -> float:
        """End of the last frame the voice activity detector itself (no window, no hangover) called speech,
        seconds on the source's timeline."""
        return self._voiced_end

    @property
    def in_speech(self) -> bool:
        """True between a start event and the following end event."""
        return bool(self._ep.in_speech)

    @property
    def speech_start(self) -> float:
        """Start of the current (or last) speech, seconds on the source's timeline."""
        return self._origin + float(self._ep.speech_start)

    def reset(self, at: float) -> None:
        """Start afresh (after muted audio): the next chunk fed starts at ``at`` seconds."""
        import pocketsphinx

        c = self.config
        self._ep = pocketsphinx.Endpointer(window=c.window, ratio=c.ratio, vad_mode=c.vad_mode,
                                           sample_rate=self.rate)
        self._pending = np.zeros(0, np.int16)
        self._origin = at
        self._fed = 0
        self._voiced_end = float("-inf")
        self._loud_end = float("-inf")
        self._levels.clear()

    def _level(self, frame: np.ndarray, now: float) -> None:
        """Track the room's floor and the end of the last loud frame (``heard_end``)."""
        db = 10.0 * math.log10(float(np.mean(frame.astype(np.float64) ** 2)) + 1.0)
        self._levels.append(db)
        floor = float(np.percentile(self._levels, 10))
        if db > max(floor + self.config.loud_db, max(self._levels) - self.config.depth_db):
            self._loud_end = now

    def process(self, chunk: AudioChunk) -> list[SpeechEvent]:
        """Feed one chunk; the events it caused, in order."""
        expected = self._origin + (self._fed + self._pending.size) / self.rate
        if abs(chunk.start - expected) > 1e-6:
            self.reset(chunk.start)
        samples = np.concatenate([self._pending, np.asarray(chunk.samples, np.int16)])
        events: list[SpeechEvent] = []
        n = self.frame_samples
        usable = samples.size - samples.size % n
        for first in range(0, usable, n):
            was = self._ep.in_speech
            frame = samples[first : first + n].tobytes()
            self._ep.process(frame)
            self._fed += n
            now = self._origin + self._fed / self.rate
            if self._vad.is_speech(frame):
                self._voiced_end = now
            self._level(samples[first : first + n], now)
            if self._ep.in_speech and not was:
                events.append(SpeechEvent("start", self._origin + float(self._ep.speech_start), now))
            elif was and not self._ep.in_speech:
                events.append(SpeechEvent("end", self._origin + float(self._ep.speech_end), now))
        self._pending = samples[usable:]
        return events
