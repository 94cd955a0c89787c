"""Concrete audio sources and sinks: WAV files, stdin, the microphone, the speaker, and a WAV recorder.

PortAudio (through ``sounddevice``) is imported only when a device is opened, because importing ``sounddevice``
raises OSError when libportaudio is missing. Every PortAudio failure surfaces as a DeviceError that says what is
missing and how to get going anyway; nothing here needs a sound card unless a device is actually opened.
"""

from __future__ import annotations

import collections
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, BinaryIO, Literal, Self

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import (
    SAMPLE_RATE,
    StreamResampler,
    read_pcm_blocks,
    read_wav,
    resample,
    to_int16,
    write_wav,
)
from assistant.errors import AudioError, DeviceError

log = logging.getLogger(__name__)

_INPUT_HINT = (
    "plug in a microphone, pick one with --input-device (list them with `assistant devices`), "
    "give a recording with --input FILE.wav, or use `assistant chat`"
)
_OUTPUT_HINT = (
    "connect speakers or headphones, pick a device with --output-device (list them with `assistant devices`), "
    "write the replies to a file with --output FILE.wav, or use `assistant chat`"
)


def _block_samples(block_ms: int, rate: int) -> int:
    if block_ms <= 0:
        raise AudioError(f"block length must be positive, got {block_ms} ms")
    return rate * block_ms // 1000


def _chunks(samples: np.ndarray, block: int, rate: int) -> Iterator[AudioChunk]:
    """Fixed-size chunks of ``samples``; the last one is zero-padded."""
    for first in range(0, samples.size, block):
        part = samples[first : first + block]
        if part.size < block:
            part = np.concatenate([part, np.zeros(block - part.size, np.int16)])
        yield AudioChunk(part, rate, first / rate)


class FileSource:
    """A WAV recording as an AudioSource: any WAV format, yielded as fast as it can be read, on recording time."""

    def __init__(self, path: str | Path, block_ms: int = 20, pad_seconds: float = 0.0) -> None:
        self.path = Path(path)
        """The recording."""
        self.block_ms = block_ms
        """Chunk length, milliseconds."""
        self.pad_seconds = pad_seconds
        """Silence appended after the recording, seconds, so an endpointer sees speech end at the very end."""
        self.rate = SAMPLE_RATE
        """Chunk sample rate, Hertz."""
        self.realtime = False
        """Chunks come as fast as the CPU allows; time is recording time."""
        self._samples: np.ndarray | None = None

    def __enter__(self) -> Self:
        samples = read_wav(self.path)
        pad = np.zeros(round(self.pad_seconds * self.rate), np.int16)
        self._samples = np.concatenate([samples, pad])
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._samples = None

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._samples is None:
            raise AudioError(
                f"{self.path}: FileSource must be entered (`with FileSource(...) as source`) first"
            )
        return _chunks(self._samples, _block_samples(self.block_ms, self.rate), self.rate)


class StdinSource:
    """Raw 16 kHz signed 16-bit little-endian mono PCM on stdin (``--input -``), e.g. from ``arecord`` or ``sox``."""

    def __init__(self, stream: BinaryIO | None = None, block_ms: int = 20) -> None:
        self.block_ms = block_ms
        """Chunk length, milliseconds."""
        self.rate = SAMPLE_RATE
        """Chunk sample rate, Hertz (the input must already be at this rate)."""
        self.realtime = False
        """Chunks come as fast as they arrive; time is counted in samples read."""
        self._given = stream
        self._stream: BinaryIO | None = None

    def __enter__(self) -> Self:
        self._stream = self._given if self._given is not None else sys.stdin.buffer
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stream = None

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            raise AudioError("StdinSource must be entered (`with StdinSource() as source`) first")
        block = _block_samples(self.block_ms, self.rate)
        for index, samples in enumerate(read_pcm_blocks(self._stream, block)):
            yield AudioChunk(samples, self.rate, index * block / self.rate)


def _sounddevice() -> ModuleType:
    """The sounddevice module, or a DeviceError saying how to get PortAudio."""
    try:
        import sounddevice
    except OSError as exc:  # raised by sounddevice when libportaudio cannot be loaded
        raise DeviceError(
            f"the PortAudio library is not installed ({exc}); install it (Debian/Ubuntu: `sudo apt install "
            "libportaudio2`, Fedora: `sudo dnf install portaudio`, macOS: `brew install portaudio`), "
            "or run without a sound device: `assistant chat`, or --input FILE.wav / --output FILE.wav"
        ) from exc
    except ImportError as exc:
        raise DeviceError(f"the sounddevice package is missing ({exc}); `pip install sounddevice`") from exc
    return sounddevice


def _pick_device(
    sd: ModuleType, device: int | str | None, kind: Literal["input", "output"]
) -> dict[str, Any]:
    """The PortAudio device info for ``device`` (index, name substring, or None for the default)."""
    hint = _INPUT_HINT if kind == "input" else _OUTPUT_HINT
    try:
        devices = list(sd.query_devices())
    except sd.PortAudioError as exc:
        raise DeviceError(f"PortAudio cannot list sound devices ({exc}); {hint}") from exc
    usable = [d for d in devices if d[f"max_{kind}_channels"] > 0]
    if not usable:
        thing = "microphone" if kind == "input" else "speaker"
        raise DeviceError(
            f"no {kind} device found (PortAudio sees {len(devices)} device(s), none with {kind} channels: "
            f"no {thing}); {hint}"
        )
    names = ", ".join(f"{d['index']}: {d['name']}" for d in usable)
    if device is None:
        default = sd.default.device[0 if kind == "input" else 1]
        chosen = next((d for d in usable if d["index"] == default), usable[0])
    elif isinstance(device, int):
        chosen = next((d for d in usable if d["index"] == device), None)
        if chosen is None:
            raise DeviceError(
                f"{kind} device {device} does not exist or has no {kind} channels; choose one of: {names}"
            )
    else:
        matches = [d for d in usable if device.lower() in d["name"].lower()]
        if not matches:
            raise DeviceError(f"no {kind} device named like {device!r}; choose one of: {names}")
        chosen = next((d for d in matches if d["name"].lower() == device.lower()), matches[0])
    log.info("%s device %d: %s", kind, chosen["index"], chosen["name"])
    return dict(chosen)


def _stream_rate(sd: ModuleType, info: dict[str, Any], kind: Literal["input", "output"]) -> int:
    """16 kHz if the device takes it, else the device's native rate (the caller resamples)."""
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=info["index"], samplerate=SAMPLE_RATE, channels=1, dtype="int16")
        return SAMPLE_RATE
    except sd.PortAudioError as exc:
        native = int(info["default_samplerate"])
        log.info("%s device %r refuses %d Hz (%s); using %d Hz and resampling", kind, info["name"], SAMPLE_RATE,
                 exc, native)  # fmt: skip
        return native


class MicrophoneSource:
    """The microphone as an AudioSource: 16 kHz mono chunks in real time (resampled if the device needs it)."""

    def __init__(self, device: int | str | None = None, block_ms: int = 30) -> None:
        self.device = device
        """PortAudio device index, a substring of its name, or None for the default input."""
        self.block_ms = block_ms
        """Chunk length, milliseconds."""
        self.rate = SAMPLE_RATE
        """Chunk sample rate, Hertz."""
        self.realtime = True
        """Chunks arrive at the pace of speech."""
        self._sd: ModuleType | None = None
        self._stream: Any = None
        self._name = ""
        self._resampler: StreamResampler | None = None

    def __enter__(self) -> Self:
        sd = _sounddevice()
        info = _pick_device(sd, self.device, "input")
        rate = _stream_rate(sd, info, "input")
        self._resampler = StreamResampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
        self._name = info["name"]
        try:
            stream = sd.InputStream(device=info["index"], samplerate=rate, channels=1, dtype="int16",
                                    blocksize=_block_samples(self.block_ms, rate))  # fmt: skip
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(f"cannot open input device {self._name!r}: {exc}; {_INPUT_HINT}") from exc
        self._sd, self._stream = sd, stream
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop and close the input stream (safe to call twice)."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
        finally:
            stream.close()

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._stream is None or self._sd is None:
            raise AudioError("MicrophoneSource must be entered (`with MicrophoneSource() as mic`) first")
        block = _block_samples(self.block_ms, SAMPLE_RATE)
        read_size = _block_samples(self.block_ms, int(self._stream.samplerate))
        pending = np.zeros(0, np.int16)
        emitted = 0
        while self._stream is not None:
            try:
                data, overflowed = self._stream.read(read_size)
            except self._sd.PortAudioError as exc:
                raise DeviceError(
                    f"input device {self._name!r} stopped working ({exc}); check it is still plugged in"
                ) from exc
            if overflowed:
                log.warning("input overflow on %r: audio was lost (the consumer is too slow)", self._name)
            samples = data[:, 0]
            if self._resampler is not None:
                samples = to_int16(self._resampler.process(samples))
            pending = np.concatenate([pending, samples])
            while pending.size >= block:
                yield AudioChunk(pending[:block].copy(), SAMPLE_RATE, emitted / SAMPLE_RATE)
                pending = pending[block:]
                emitted += block


class SpeakerSink:
    """The speaker as an AudioSink: a PortAudio output stream fed from a queue; the clock is wall time."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        """PortAudio device index, a substring of its name, or None for the default output."""
        self._sd: ModuleType | None = None
        self._stream: Any = None
        self._rate = SAMPLE_RATE
        self._name = ""
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._lock = threading.Lock()
        self._drained = threading.Event()
        self._drained.set()
        self._t0 = 0.0
        self._busy_until = 0.0

    def __enter__(self) -> Self:
        sd = _sounddevice()
        info = _pick_device(sd, self.device, "output")
        self._rate = _stream_rate(sd, info, "output")
        self._name = info["name"]
        try:
            stream = sd.OutputStream(device=info["index"], samplerate=self._rate, channels=1, dtype="int16",
                                     callback=self._callback)  # fmt: skip
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(f"cannot open output device {self._name!r}: {exc}; {_OUTPUT_HINT}") from exc
        self._sd, self._stream = sd, stream
        self._t0 = time.monotonic()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop what is queued, stop and close the stream (safe to call twice)."""
        self.stop()
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
        finally:
            stream.close()

    @property
    def clock(self) -> float:
        """Seconds since the sink was entered."""
        return time.monotonic() - self._t0

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        """PortAudio's thread: copy queued audio out, silence when there is none."""
        if status:
            log.debug("output status on %r: %s", self._name, status)
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                head = self._queue[0]
                take = min(frames - filled, head.size)
                outdata[filled : filled + take, 0] = head[:take]
                filled += take
                if take == head.size:
                    self._queue.popleft()
                else:
                    self._queue[0] = head[take:]
            if not self._queue:
                self._drained.set()
        outdata[filled:, 0] = 0

    def play(self, samples: np.ndarray, rate: int = SAMPLE_RATE, at: float | None = None) -> float:
        """Queue samples behind whatever is playing (``at`` is ignored: a speaker plays now); returns their end."""
        if self._stream is None:
            raise AudioError("SpeakerSink must be entered (`with SpeakerSink() as speaker`) first")
        out = (
            to_int16(resample(samples, rate, self._rate))
            if rate != self._rate
            else np.asarray(samples, np.int16)
        )
        with self._lock:
            self._queue.append(out)
            self._drained.clear()
            self._busy_until = max(self._busy_until, self.clock) + out.size / self._rate
            return self._busy_until

    def wait(self) -> None:
        """Block until the queue has been played out (a DeviceError if the device stops meanwhile)."""
        while not self._drained.wait(0.1):
            if self._stream is None or not self._stream.active:
                raise DeviceError(
                    f"output device {self._name!r} stopped while playing; check it is still connected"
                )

    def stop(self, at: float | None = None) -> None:
        """Drop everything queued; playback stops within one device buffer."""
        with self._lock:
            self._queue.clear()
            self._drained.set()
            self._busy_until = self.clock


class WavRecorder:
    """An AudioSink that writes what would be played into a WAV at the right times (``--output FILE.wav``).

    The caller places each utterance on the recording's timeline with ``play(samples, rate, at=seconds)``; the
    gaps are silence, overlapping audio is mixed. The file is written when the recorder is closed.
    """

    def __init__(self, path: str | Path, rate: int = SAMPLE_RATE) -> None:
        self.path = Path(path)
        """The WAV to write."""
        self.rate = rate
        """Sample rate of the file, Hertz."""
        self._parts: list[tuple[int, np.ndarray]] = []
        self._now = 0.0
        self._length = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def clock(self) -> float:
        """The latest recording time the caller has given (``at`` or ``advance``), seconds."""
        return self._now

    def advance(self, at: float) -> None:
        """Move the clock to ``at`` seconds; the recording lasts at least until then."""
        self._now = max(self._now, at)
        self._length = max(self._length, round(at * self.rate))

    def play(self, samples: np.ndarray, rate: int = SAMPLE_RATE, at: float | None = None) -> float:
        """Place samples at ``at`` seconds (None: at the end so far); returns the time they end, in seconds."""
        out = (
            to_int16(resample(samples, rate, self.rate))
            if rate != self.rate
            else np.asarray(samples, np.int16)
        )
        start = self._length if at is None else round(at * self.rate)
        if at is not None:
            self._now = max(self._now, at)
        self._parts.append((start, out))
        self._length = max(self._length, start + out.size)
        return (start + out.size) / self.rate

    def wait(self) -> None:
        """Nothing to wait for: a recording is not played in real time."""

    def stop(self, at: float | None = None) -> None:
        """Cut everything placed after ``at`` seconds (default: the clock), as a barge-in would."""
        cut = round((self._now if at is None else at) * self.rate)
        self._parts = [(s, a[: max(0, cut - s)]) for s, a in self._parts if s < cut]
        self._length = max([cut] + [s + a.size for s, a in self._parts]) if self._parts else cut

    def samples(self) -> np.ndarray:
        """The timeline so far as int16 samples at ``rate``."""
        mix = np.zeros(self._length, np.int32)
        for start, part in self._parts:
            mix[start : start + part.size] += part
        return np.clip(mix, -32768, 32767).astype(np.int16)

    def close(self) -> None:
        """Write the WAV."""
        write_wav(self.path, self.samples(), self.rate)
        log.info("wrote %s (%.2f s)", self.path, self._length / self.rate)


def list_devices() -> str:
    """A human-readable list of PortAudio devices and the defaults, or why there are none."""
    try:
        sd = _sounddevice()
        devices = sd.query_devices()
    except DeviceError as exc:
        return str(exc)
    except Exception as exc:  # PortAudioError: this is a diagnostic, so report rather than raise
        return f"PortAudio cannot list devices: {exc}"
    if len(devices) == 0:
        return (
            "PortAudio sees no sound devices (no sound card, or no access to one). For input: " + _INPUT_HINT
            + ". For output: " + _OUTPUT_HINT + "."
        )  # fmt: skip
    return f"PortAudio {sd.get_portaudio_version()[1]}\n{devices}"
