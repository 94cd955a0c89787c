"""The audio data type and the two I/O Protocols: where audio comes from, and where it goes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np


@dataclass(frozen=True, slots=True, eq=False)
class AudioChunk:
    """One block of mono audio from a source, placed on the source's timeline."""

    samples: np.ndarray
    """Mono int16 samples."""
    rate: int
    """Sample rate, Hertz."""
    start: float
    """Time of the first sample, in seconds since the source started (recording time for a file)."""

    @property
    def duration(self) -> float:
        """Length, in seconds."""
        return self.samples.size / self.rate

    @property
    def end(self) -> float:
        """Time just after the last sample, in seconds since the source started."""
        return self.start + self.duration

    def samples_from(self, start: float) -> np.ndarray:
        """The samples at or after ``start`` seconds (all of them when the chunk begins later)."""
        if self.start >= start:
            return self.samples
        return self.samples[int(round((start - self.start) * self.rate)) :]


def heard_between(chunks: Iterable[AudioChunk], start: float, end: float) -> np.ndarray:
    """The samples of ``chunks`` (contiguous, in order) from ``start`` up to ``end`` seconds; empty when none."""
    parts = [c.samples_from(start)[: max(0, round((end - max(start, c.start)) * c.rate))]
             for c in chunks if c.end > start and c.start < end]
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


@runtime_checkable
class AudioSource(Protocol):
    """Where audio comes from: a context manager that, once entered, yields fixed-size AudioChunks."""

    @property
    def rate(self) -> int:
        """Sample rate of the chunks, Hertz."""
        ...

    @property
    def block_ms(self) -> int:
        """Length of each chunk, milliseconds (a last, partial block is zero-padded to it)."""
        ...

    @property
    def realtime(self) -> bool:
        """True when chunks arrive at the pace of speech (a microphone), False when as fast as they can be read."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def __iter__(self) -> Iterator[AudioChunk]: ...


@runtime_checkable
class AudioSink(Protocol):
    """Where audio goes: a context manager that plays (or records) int16 mono audio on a timeline.

    A live sink's clock is wall time since it was entered; a recorder's clock is the recording time the caller
    gives it, so a reply to a recorded input lands where the user would have heard it.
    """

    @property
    def clock(self) -> float:
        """The sink's current time, in seconds on its timeline."""
        ...

    def play(self, samples: np.ndarray, rate: int, at: float | None = None) -> float:
        """Queue samples to play at time ``at`` (seconds; None: after what is queued); returns when they end.

        A live sink cannot play in the past or future and plays as soon as it can; a recorder places them at ``at``.
        """
        ...

    def wait(self) -> None:
        """Block until everything queued has been played."""
        ...

    def stop(self, at: float | None = None) -> None:
        """Cut playback short now (or, for a recorder, at time ``at``): barge-in."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
