"""Concrete audio sources and sinks: WAV files, stdin, the microphone, the speaker, and a WAV recorder.

PortAudio (through ``sounddevice``) is imported only when a device is opened, because importing ``sounddevice``
raises OSError when libportaudio is missing. Every PortAudio failure surfaces as a DeviceError that says what is
missing and how to get going anyway; nothing here needs a sound card unless a device is actually opened.
"""

from __future__ import annotations

import atexit
import collections
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, BinaryIO, Literal, Self

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.echo import EchoReference
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
    _quiet_alsa()
    return sounddevice


# ALSA prints its own complaints ("ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred") straight to stderr,
# hundreds of them on a loaded machine. They go to this module's log at debug level instead, counted.
_ALSA_HANDLER: Any = None
_alsa_messages: collections.Counter[str] = collections.Counter()


def _quiet_alsa() -> None:
    """Route ALSA's library messages to the log (once per process; nothing to do without ALSA)."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None or not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if name is None:
        _ALSA_HANDLER = False
        return
    try:
        alsa = ctypes.CDLL(name)
    except OSError:
        _ALSA_HANDLER = False
        return
    # void handler(const char *file, int line, const char *function, int err, const char *fmt, ...): the
    # variadic part is not read, so ``fmt`` is logged as it is ("underrun occurred" has no arguments).
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                    ctypes.c_char_p)

    def handler(file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None) -> None:
        text = (fmt or b"").decode(errors="replace")
        _alsa_messages[text] += 1
        log.debug("ALSA %s:%d (%s) %s [%d so far]", (file or b"?").decode(errors="replace"), line,
                  (function or b"?").decode(errors="replace"), text, _alsa_messages[text])

    _ALSA_HANDLER = handler_type(handler)  # kept alive for as long as ALSA may call it
    alsa.snd_lib_error_set_handler(_ALSA_HANDLER)


def alsa_messages() -> dict[str, int]:
    """How many times ALSA reported each message in this process (e.g. ``{"underrun occurred": 3}``)."""
    return dict(_alsa_messages)


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
                 exc, native)
        return native


CLOSE_TIMEOUT = 3.0
"""Seconds to wait for PortAudio to stop a stream before giving up on it (a sound server that died)."""


def _close_stream(stream: Any, name: str, timeout: float = CLOSE_TIMEOUT) -> None:
    """Abort and close a PortAudio stream, giving up after ``timeout`` seconds.

    PortAudio's ALSA code can block for good in ``abort()`` when the sound server behind the device died; the
    call runs in a thread of its own, so the caller (and Ctrl-C) is never stuck behind it. A stream given up on
    is left to the process's exit.
    """
    failure: list[BaseException] = []

    def close() -> None:
        try:
            try:
                stream.abort()
            finally:
                stream.close()
        except Exception as exc:  # noqa: BLE001 - reported below, in the caller's thread
            failure.append(exc)

    closer = threading.Thread(target=close, name=f"close {name}", daemon=True)
    closer.start()
    closer.join(timeout)
    if closer.is_alive():
        log.warning("device %r did not stop within %.0f s (did the sound server die?); left behind", name, timeout)
        # sounddevice stops its last stream and terminates PortAudio at exit, which would block on this same
        # stream: the process would never end. PortAudio goes with the process instead.
        handler = getattr(sys.modules.get("sounddevice"), "_exit_handler", None)
        if handler is not None:
            atexit.unregister(handler)
    elif failure:
        log.warning("device %r did not close cleanly: %s", name, failure[0])


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
        self._anchor = (0.0, 0.0)

    def __enter__(self) -> Self:
        sd = _sounddevice()
        info = _pick_device(sd, self.device, "input")
        rate = _stream_rate(sd, info, "input")
        self._resampler = StreamResampler(rate, SAMPLE_RATE) if rate != SAMPLE_RATE else None
        self._name = info["name"]
        try:
            stream = sd.InputStream(device=info["index"], samplerate=rate, channels=1, dtype="int16",
                                    blocksize=_block_samples(self.block_ms, rate))
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(f"cannot open input device {self._name!r}: {exc}; {_INPUT_HINT}") from exc
        self._sd, self._stream = sd, stream
        self._anchor = (time.monotonic(), 0.0)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def timeline(self, when: float) -> float:
        """The time on the chunks' timeline (seconds) of the instant ``when`` (a ``time.monotonic()`` value).

        Chunks are placed by the samples read, and a consumer that falls behind reads them late; this maps a wall
        time, such as ``SpeakerSink``'s ``Playback.started_at``, onto the same timeline, from how much audio the
        device had captured at the latest read (what was read plus what waited in its buffer). The device's own
        input latency, a few milliseconds, is not counted.
        """
        read_at, captured = self._anchor
        return captured + (when - read_at)

    def capture_time(self, at: float) -> float:
        """The ``time.monotonic()`` instant the sample at ``at`` seconds of the chunks' timeline was captured (the
        inverse of ``timeline``), for an echo canceller that lines the microphone up with what the speaker
        played."""
        read_at, captured = self._anchor
        return read_at + (at - captured)

    def close(self) -> None:
        """Stop and close the input stream (safe to call twice; gives up after ``CLOSE_TIMEOUT`` seconds)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            _close_stream(stream, self._name)

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._stream is None or self._sd is None:
            raise AudioError("MicrophoneSource must be entered (`with MicrophoneSource() as mic`) first")
        block = _block_samples(self.block_ms, SAMPLE_RATE)
        read_size = _block_samples(self.block_ms, int(self._stream.samplerate))
        device_rate = float(self._stream.samplerate)
        pending = np.zeros(0, np.int16)
        emitted = 0
        read = 0
        while self._stream is not None:
            try:
                data, overflowed = self._stream.read(read_size)
                read += len(data)
                self._anchor = (time.monotonic(), (read + self._stream.read_available) / device_rate)
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


@dataclass(slots=True)
class Playback:
    """One ``SpeakerSink.play`` call, and when its sound left for the device. Times are ``time.monotonic()``
    seconds, so they compare with other clocks (``MicrophoneSource.timeline`` maps them onto the input's).

    ``started_at`` and ``ended_at`` are PortAudio's estimate of when the first and the last sample reach the
    device's output (the callback's ``outputBufferDacTime``, which counts the sound server's buffer too), set as
    the stream takes them; both are known once ``SpeakerSink.wait`` returns.
    """

    queued_at: float
    """When ``play`` was called, seconds."""
    samples: int
    """Length, in samples at the device's rate."""
    started_at: float | None = None
    """When the first sample left, seconds (None until it has been taken; it stays None if the queue was
    dropped first)."""
    ended_at: float | None = None
    """Just after the last sample left, seconds."""

    @property
    def delay(self) -> float | None:
        """Seconds from ``play`` to the first sample leaving: what to add to a reply's queued start."""
        return None if self.started_at is None else self.started_at - self.queued_at


class SpeakerSink:
    """The speaker as an AudioSink: a PortAudio output stream fed from a queue; the clock is wall time.

    The stream runs only while there is something to play: ``play`` starts it with its buffer primed from the
    queue, so the first sample leaves at once instead of behind a buffer of silence, and it stops itself once the
    queue is empty (no audio callbacks, so no CPU, while the assistant listens). Its buffer (``latency``, 0.2 s)
    is deep enough for the callback to survive the interpreter being busy for 150 ms (a decode holding the GIL):
    with PortAudio's default ("low", 9 ms through PulseAudio's ALSA plugin) such a pause underran the device,
    and PulseAudio's recovery from an underrun put the next reply about 2 s late.

    Each ``play`` is a :class:`Playback` (``last_playback``) that records when its sound actually left.
    """

    STALL_TIMEOUT = 3.0
    """Seconds without progress, with audio queued, after which ``wait`` gives up on the device."""

    def __init__(self, device: int | str | None = None, latency: float = 0.2) -> None:
        self.device = device
        """PortAudio device index, a substring of its name, or None for the default output."""
        self.latency = latency
        """Output buffer, seconds (PortAudio's suggested latency)."""
        self.last_playback: Playback | None = None
        """The latest ``play`` call."""
        self.underruns = 0
        """Buffers the device ran dry on (PortAudio's output underflow flag) so far."""
        self.bed: Callable[[int, bool], np.ndarray | None] | None = None
        """Sound mixed under the speech (the AudioPlayer's): called from the audio thread with a count of 16 kHz
        samples and ``wait=False`` (it must not block); None when it has nothing to play. While it plays, the
        stream keeps running (``play_bed`` starts it)."""
        self.reference: EchoReference | None = None
        """Where every buffer played goes too, at 16 kHz and the instant it leaves: an echo canceller's
        reference (``audio.echo``)."""
        self._sd: ModuleType | None = None
        self._stream: Any = None
        self._rate = SAMPLE_RATE
        self._name = ""
        self._queue: collections.deque[tuple[Playback, np.ndarray, int]] = collections.deque()
        self._lock = threading.Lock()
        self._drained = threading.Event()
        self._drained.set()
        self._t0 = 0.0
        self._busy_until = 0.0
        self._sounding_until = 0.0
        self._stopping = False
        self._progress = 0.0

    def __enter__(self) -> Self:
        sd = _sounddevice()
        info = _pick_device(sd, self.device, "output")
        self._rate = _stream_rate(sd, info, "output")
        self._name = info["name"]
        try:
            stream = sd.OutputStream(device=info["index"], samplerate=self._rate, channels=1, dtype="int16",
                                     latency=self.latency, callback=self._callback,
                                     prime_output_buffers_using_stream_callback=True)
        except sd.PortAudioError as exc:
            raise DeviceError(f"cannot open output device {self._name!r}: {exc}; {_OUTPUT_HINT}") from exc
        self._sd, self._stream = sd, stream
        self._t0 = time.monotonic()
        log.info("output %r: %d Hz, %.0f ms buffer", self._name, self._rate, stream.latency * 1000)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Drop what is queued, stop and close the stream (safe to call twice; gives up after
        ``CLOSE_TIMEOUT`` seconds)."""
        self.stop()
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if self.underruns:
            log.info("output %r ran dry %d time(s)", self._name, self.underruns)
        _close_stream(stream, self._name)

    @property
    def clock(self) -> float:
        """Seconds since the sink was entered."""
        return time.monotonic() - self._t0

    def _callback(self, outdata: np.ndarray, frames: int, when: Any, status: Any) -> None:
        """PortAudio's thread: copy queued audio out, silence when there is none; stop after a while of none."""
        now = time.monotonic()
        # When this buffer's first frame reaches the output; PortAudio's estimate, which
        # on some devices is missing (0) or nonsense: then "now".
        ahead = when.outputBufferDacTime - when.currentTime
        leaves = now + (ahead if 0.0 <= ahead < 5.0 else 0.0)
        if status.output_underflow:
            self.underruns += 1
            log.debug("output underrun on %r (%d so far)", self._name, self.underruns)
        filled = 0
        with self._lock:
            self._progress = now
            while filled < frames and self._queue:
                playback, head, offset = self._queue[0]
                take = min(frames - filled, head.size - offset)
                outdata[filled : filled + take, 0] = head[offset : offset + take]
                if offset == 0:
                    playback.started_at = leaves + filled / self._rate
                filled += take
                if offset + take == head.size:
                    playback.ended_at = leaves + filled / self._rate
                    self._sounding_until = max(self._sounding_until, playback.ended_at)
                    self._queue.popleft()
                else:
                    self._queue[0] = (playback, head, offset + take)
            outdata[filled:, 0] = 0
            bed = self._mix_bed(outdata, frames)
            if self.reference is not None:
                played = outdata[:, 0]
                if self._rate != SAMPLE_RATE:
                    played = to_int16(resample(played, self._rate, SAMPLE_RATE))
                self.reference.write(played, leaves, join=not status.output_underflow)
            if self._queue:
                return
            self._drained.set()
            if bed:  # the player's sound goes on
                return
            # Nothing more to play: this buffer is the last. Running on, the stream would fill the device's buffer
            # with silence, and the next reply would wait behind it.
            self._stopping = True
            assert self._sd is not None
            raise self._sd.CallbackStop

    def _mix_bed(self, outdata: np.ndarray, frames: int) -> bool:
        """Add the bed's sound to this buffer; False when it has none (the caller holds the lock)."""
        bed = self.bed
        if bed is None:
            return False
        music = bed(int(round(frames * SAMPLE_RATE / self._rate)), False)
        if music is None:
            return False
        if self._rate != SAMPLE_RATE:
            music = to_int16(resample(music, SAMPLE_RATE, self._rate))
        music = music[:frames]
        mixed = outdata[: music.size, 0].astype(np.int32) + music
        outdata[: music.size, 0] = np.clip(mixed, -32768, 32767).astype(np.int16)
        return True

    def play_bed(self) -> None:
        """Start the stream for the bed when it stopped itself (it runs on while the bed has sound)."""
        if self.bed is not None and self._stream is not None:
            self._ensure_running()

    def _ensure_running(self) -> None:
        """Start the stream if it is not running (it stops itself when idle); the caller holds no lock."""
        stream, sd = self._stream, self._sd
        assert stream is not None and sd is not None
        with self._lock:
            running = stream.active and not self._stopping
            if running:
                return
        try:
            if not stream.stopped:
                stream.stop()  # a stream that stopped itself (or died) must be stopped before it starts again
            with self._lock:
                self._stopping = False
                self._progress = time.monotonic()
            stream.start()
        except sd.PortAudioError as exc:
            raise DeviceError(
                f"output device {self._name!r} cannot play ({exc}); check it is still connected"
            ) from exc

    def play(self, samples: np.ndarray, rate: int = SAMPLE_RATE, at: float | None = None) -> float:
        """Queue samples behind whatever is playing (``at`` is ignored: a speaker plays now); returns their end.

        ``last_playback`` then tells when they actually leave (see :class:`Playback`).
        """
        if self._stream is None:
            raise AudioError("SpeakerSink must be entered (`with SpeakerSink() as speaker`) first")
        out = (
            to_int16(resample(samples, rate, self._rate))
            if rate != self._rate
            else np.asarray(samples, np.int16)
        )
        with self._lock:
            playback = Playback(time.monotonic(), int(out.size))
            self.last_playback = playback
            if out.size:
                self._queue.append((playback, out, 0))
                self._drained.clear()
            self._busy_until = max(self._busy_until, self.clock) + out.size / self._rate
            end = self._busy_until
        if out.size:
            self._ensure_running()
        return end

    def wait(self) -> None:
        """Block until everything queued has left for the device (a DeviceError if the device stops taking
        audio for ``STALL_TIMEOUT`` seconds meanwhile)."""
        while not self._drained.wait(0.1):
            with self._lock:
                stalled = time.monotonic() - self._progress > self.STALL_TIMEOUT
            if self._stream is None or stalled:
                raise DeviceError(
                    f"output device {self._name!r} stopped taking audio for {self.STALL_TIMEOUT:.0f} s while "
                    "playing; check it is still connected (or the sound server still runs)"
                )
        with self._lock:
            left = self._sounding_until - time.monotonic()
        if left > 0:  # the last samples are in the device's buffer: wait until they have been heard
            time.sleep(min(left, self.latency + 0.5))

    def stop(self, at: float | None = None) -> None:
        """Drop everything queued; playback stops within one device buffer (``latency``)."""
        with self._lock:
            self._queue.clear()
            self._drained.set()
            self._busy_until = self.clock
            self._sounding_until = min(self._sounding_until, time.monotonic() + self.latency)


class WavRecorder:
    """An AudioSink that writes what would be played into a WAV at the right times (``--output FILE.wav``).

    The caller places each utterance on the recording's timeline with ``play(samples, rate, at=seconds)``; the
    gaps are silence, overlapping audio is mixed. The file is written when the recorder is closed, unless the
    ``with`` block ended with an error (an unreadable input, say): then nothing is written, so no empty or
    partial file is left where the user expects a result. Ctrl-C still writes what was recorded.
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
        if isinstance(exc, Exception):
            log.info("not writing %s: the recording ended with an error (%s)", self.path, exc)
            return
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
        )
    return f"PortAudio {sd.get_portaudio_version()[1]}\n{devices}"
