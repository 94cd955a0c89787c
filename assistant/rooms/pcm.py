"""Wyoming audio events ↔ 16 kHz mono int16 samples."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from assistant.audio.wav import SAMPLE_RATE, StreamResampler, pcm_to_samples, to_int16
from assistant.errors import AudioError

SAMPLES_PER_CHUNK = 1024
"""Samples per ``audio-chunk`` event sent (wyoming-satellite's own default)."""


class Incoming:
    """One stream of ``audio-chunk`` payloads in any rate and channel count, as 16 kHz mono int16."""

    def __init__(self) -> None:
        self._format: tuple[int, int, int] | None = None
        self._resampler: StreamResampler | None = None

    def samples(self, chunk: AudioChunk) -> np.ndarray:
        """The chunk's audio at 16 kHz (a resampled stream lags by a few ms); AudioError for non-16-bit audio."""
        if chunk.width != 2:
            raise AudioError(f"audio-chunk of {chunk.width * 8}-bit samples: only 16-bit PCM is understood")
        form = (chunk.rate, chunk.width, chunk.channels)
        if self._format != form:
            self._format = form
            self._resampler = StreamResampler(chunk.rate) if chunk.rate != SAMPLE_RATE else None
        samples = pcm_to_samples(chunk.audio)
        if chunk.channels > 1:
            frames = samples.size // chunk.channels
            samples = samples[: frames * chunk.channels].reshape(frames, chunk.channels).mean(axis=1)
            samples = samples.astype(np.int16)
        if self._resampler is not None:
            return to_int16(self._resampler.process(samples))
        return samples

    def flush(self) -> np.ndarray:
        """What a resampler still holds, at the end of the stream."""
        if self._resampler is None:
            return np.zeros(0, np.int16)
        return to_int16(self._resampler.flush())


def audio_events(samples: np.ndarray, rate: int = SAMPLE_RATE, *, start: bool = True, stop: bool = True,
                 timestamp: int | None = None) -> Iterator[Event]:
    """``audio-start``, the ``audio-chunk`` events, ``audio-stop`` for int16 mono ``samples``."""
    if start:
        yield AudioStart(rate=rate, width=2, channels=1, timestamp=timestamp).event()
    data = np.asarray(samples, dtype="<i2").tobytes()
    step = SAMPLES_PER_CHUNK * 2
    for first in range(0, len(data), step):
        yield AudioChunk(rate=rate, width=2, channels=1, audio=data[first : first + step]).event()
    if stop:
        yield AudioStop().event()
