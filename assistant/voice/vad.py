"""Is anyone speaking? Silero's neural voice activity detector, run on every 30 ms of audio.

pocketsphinx's endpointer finds where sound starts and stops; it cannot tell a voice from a clattering pan, a
click or a breath, and the grammar, forced to choose, hears "no", "stop" or "yep" in them. Silero's VAD (the
ONNX model that openWakeWord 0.5.1 ships in its wheel) tells speech from noise: the loop keeps its per-frame
speech probabilities on the source's timeline and asks how much speech lies under the words it recognised.
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AudioError

log = logging.getLogger(__name__)

FRAME = 480
"""Samples per VAD frame (30 ms at 16 kHz)."""
FRAME_SECONDS = FRAME / SAMPLE_RATE
"""Seconds per VAD frame."""


def model_path() -> Path:
    """Silero's model as openWakeWord installs it (an AudioError when missing)."""
    try:
        import openwakeword
    except ImportError as exc:
        raise AudioError("openWakeWord 0.5.1 is not installed; its Silero VAD model is needed") from exc
    path = Path(openwakeword.__file__).parent / "resources" / "models" / "silero_vad.onnx"
    if not path.exists():
        raise AudioError(f"Silero VAD model missing: {path} (openwakeword 0.5.1 ships it in its wheel)")
    return path


class SpeechDetector:
    """Speech probability for every 30 ms frame fed, remembered for ``keep`` seconds."""

    def __init__(self, keep: float = 15.0) -> None:
        self.keep = keep
        """Seconds of history kept."""
        self._session: Any = None
        self._state: tuple[np.ndarray, np.ndarray] | None = None
        self._pending = np.zeros(0, np.int16)
        self._pending_start = 0.0
        self._position = 0.0
        self._frames: collections.deque[tuple[float, float]] = collections.deque()

    def start(self) -> Self:
        """Load the model (one thread)."""
        if self._session is not None:
            return self
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_path()), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self.reset(0.0)
        return self

    def stop(self) -> None:
        """Release the model (safe to call twice)."""
        self._session = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, at: float) -> None:
        """Forget the model's state (after a gap in the audio); the next chunk starts at ``at`` seconds."""
        self._state = (np.zeros((2, 1, 64), np.float32), np.zeros((2, 1, 64), np.float32))
        self._pending = np.zeros(0, np.int16)
        self._pending_start = at
        self._position = at

    def process(self, chunk: AudioChunk) -> None:
        """Feed one chunk (any length; re-framed into 30 ms)."""
        if self._session is None or self._state is None:
            raise AudioError("the speech detector was not started")
        if abs(chunk.start - self._position) > 1e-6:
            self.reset(chunk.start)
        self._pending = np.concatenate([self._pending, np.asarray(chunk.samples, np.int16)])
        self._position = chunk.end
        rate = np.array(SAMPLE_RATE, np.int64)
        while self._pending.size >= FRAME:
            frame, self._pending = self._pending[:FRAME], self._pending[FRAME:]
            h, c = self._state
            x = (frame.astype(np.float32) / 32767.0)[None, :]
            out, h, c = self._session.run(None, {"input": x, "h": h, "c": c, "sr": rate})
            self._state = (h, c)
            self._pending_start += FRAME_SECONDS
            self._frames.append((self._pending_start, float(out[0][0])))
        while self._frames and self._frames[0][0] < self._position - self.keep:
            self._frames.popleft()

    def speech_seconds(self, start: float, end: float, threshold: float = 0.5) -> float:
        """Seconds of speech (frames at or above ``threshold``) between ``start`` and ``end`` on the timeline."""
        n = sum(1 for t, p in self._frames if start < t <= end + FRAME_SECONDS and p >= threshold)
        return n * FRAME_SECONDS

    def longest_quiet(self, start: float, end: float, threshold: float = 0.5) -> float:
        """The longest run of frames below ``threshold`` between ``start`` and ``end``, seconds (time before the
        first frame heard counts as quiet: nothing was said there)."""
        best = run = 0
        heard = [(t, p) for t, p in self._frames if start < t <= end + FRAME_SECONDS]
        if not heard:
            return max(end - start, 0.0)
        lead = max(heard[0][0] - FRAME_SECONDS - start, 0.0)
        for _, p in heard:
            run = run + 1 if p < threshold else 0
            best = max(best, run)
        return max(best * FRAME_SECONDS, lead)

    def last_pause_end(self, start: float, end: float, pause: float, threshold: float = 0.5) -> float | None:
        """Where the last pause of at least ``pause`` seconds (frames below ``threshold``) between ``start`` and
        ``end`` ends, on the timeline: the start of what was said next. None when there is none (time before the
        first frame heard counts as quiet)."""
        heard = [(t, p) for t, p in self._frames if start < t <= end + FRAME_SECONDS]
        need = max(1, int(round(pause / FRAME_SECONDS)))
        run, found = 0, None
        if heard:
            run = int(max(heard[0][0] - FRAME_SECONDS - start, 0.0) / FRAME_SECONDS)
        for t, p in heard:
            if p < threshold:
                run += 1
                continue
            if run >= need:
                found = t - FRAME_SECONDS
            run = 0
        if run >= need:  # quiet up to the end: nothing said after it yet
            found = heard[-1][0] if heard else end
        return found

    def last_speech(self, start: float, end: float, threshold: float = 0.5) -> float | None:
        """The end of the last frame at or above ``threshold`` between ``start`` and ``end`` on the timeline
        (None: no speech there)."""
        return max((t for t, p in self._frames if start < t <= end + FRAME_SECONDS and p >= threshold), default=None)

    def peak(self, start: float, end: float) -> float:
        """The highest speech probability between ``start`` and ``end`` (0 when no frame lies there)."""
        return max((p for t, p in self._frames if start < t <= end + FRAME_SECONDS), default=0.0)
