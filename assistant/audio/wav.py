"""WAV and raw PCM in and out. Everything inside the assistant is 16 kHz mono int16; this module gets it there.

``read_wav`` parses the RIFF container itself (the standard ``wave`` module knows neither float samples nor
WAVE_FORMAT_EXTENSIBLE in Python 3.11), converts any sample format to float, downmixes to mono and resamples with
a polyphase anti-aliasing filter (``scipy.signal.resample_poly``). Any other container (FLAC, Ogg, MP3, M4A, RF64)
is decoded by ffmpeg's libraries through PyAV, which also reads the frames of a damaged FLAC that libsndfile and
sox give up on.

Input is refused with an AudioError saying what and where, before any large allocation, when it holds no
samples (a header-only WAV), declares a sample rate outside :data:`MIN_RATE`..:data:`MAX_RATE` (a 30 KB file
that declares 1 Hz would otherwise become 300 s and gigabytes of resampled audio), or lasts longer than
:data:`MAX_SECONDS`. Files are written to a temporary name and renamed into place, so a failed write leaves
nothing behind.
"""

from __future__ import annotations

import logging
import os
import struct
import uuid
import wave
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from assistant.errors import AudioError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
"""The assistant's one internal sample rate, in Hertz."""

MIN_RATE = 8_000
"""Lowest sample rate accepted from a file, in Hertz (telephone audio)."""
MAX_RATE = 192_000
"""Highest sample rate accepted from a file, in Hertz (studio audio)."""
MAX_SECONDS = 3600.0
"""Longest recording accepted from a file, in seconds (an hour; a conversation is minutes)."""

_FORMAT_PCM = 0x0001
_FORMAT_FLOAT = 0x0003
_FORMAT_EXTENSIBLE = 0xFFFE
_STREAMED_SIZE = 0x7FFF0000
"""A data chunk size at or above this is a placeholder written by a streaming writer (espeak-ng, sox to a pipe)."""


def read_wav(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """Read any PCM or float WAV (path or the file's bytes) as 16 kHz mono int16."""
    samples, rate = read_wav_native(source, name)
    return to_16k(samples, rate)


def read_wav_native(source: str | Path | bytes, name: str | None = None) -> tuple[np.ndarray, int]:
    """Read a WAV as mono float64 in [-1, 1] at its own sample rate: ``(samples, rate in Hertz)``."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        label = name or "<WAV bytes>"
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise AudioError(f"{label}: cannot read audio file: {exc.strerror or exc}") from exc
    return _decode(data, label)


def _decode(data: bytes, label: str) -> tuple[np.ndarray, int]:
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        return _decode_other(data, label)
    if data[:4] == b"RIFX":
        raise AudioError(
            f"{label}: big-endian (RIFX) WAVs are not supported; convert with `sox in.wav -L out.wav`"
        )
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body : body + size], label)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError(f"{label}: WAV data chunk comes before its fmt chunk")
            available = len(data) - body
            if size > available:
                if size < _STREAMED_SIZE:
                    raise AudioError(
                        f"{label}: truncated WAV: the header promises {size} bytes of audio, the file holds {available}"
                    )
                size = available  # a streaming writer's placeholder: the audio runs to the end of the file
            _check_length(size // (fmt[1] * (fmt[3] // 8)), fmt[2], label)
            return _samples(data[body : body + size], fmt, label)
        pos = body + size + (size & 1)
    missing = "fmt" if fmt is None else "data"
    raise AudioError(f"{label}: truncated or malformed WAV: no {missing} chunk")


def _decode_other(data: bytes, label: str) -> tuple[np.ndarray, int]:
    """Any container ffmpeg knows (FLAC, Ogg, MP3, M4A, RF64…) as mono float64 at its own rate, through PyAV."""
    import io

    try:
        import av
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise AudioError(f"{label}: not a WAV file, and PyAV (package 'av') is not installed to decode it") from exc
    parts: list[np.ndarray] = []
    rate = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError(f"{label}: no audio stream in this file")
            stream = container.streams.audio[0]
            rate = stream.rate or stream.codec_context.sample_rate
            _check_rate(rate, label)
            resampler = av.AudioResampler(format="dbl", layout="mono", rate=rate)
            decoded = 0
            try:
                for frame in container.decode(stream):
                    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
                    decoded += frame.samples
                    if decoded > MAX_SECONDS * rate:
                        _check_length(decoded, rate, label)
            except av.error.FFmpegError as exc:  # keep what decoded before the damage
                if not parts:
                    raise
                log.warning("%s: decoding stopped early (%s); using the %d frames before it", label, exc,
                            sum(p.size for p in parts))
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise AudioError(f"{label}: not a WAV file, and not audio that ffmpeg can decode ({exc})") from exc
    if not parts or rate <= 0:
        raise AudioError(f"{label}: no audio samples in this file")
    x = np.concatenate(parts).astype(np.float64)
    _check_length(x.size, rate, label)
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{label}: the audio holds NaN or infinite samples")
    return np.clip(x, -1.0, 1.0), int(rate)


def _parse_fmt(body: bytes, label: str) -> tuple[int, int, int, int]:
    """``(format tag, channels, rate, bits per sample)`` from a fmt chunk."""
    if len(body) < 16:
        raise AudioError(f"{label}: truncated WAV fmt chunk ({len(body)} bytes, need 16)")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise AudioError(f"{label}: truncated WAVE_FORMAT_EXTENSIBLE fmt chunk")
        (tag,) = struct.unpack_from("<H", body, 24)  # the first two bytes of the sub-format GUID
    if channels == 0:
        raise AudioError(f"{label}: WAV declares zero channels")
    _check_rate(rate, label)
    if (tag, bits) not in {(_FORMAT_PCM, 8), (_FORMAT_PCM, 16), (_FORMAT_PCM, 24), (_FORMAT_PCM, 32),
                           (_FORMAT_FLOAT, 32), (_FORMAT_FLOAT, 64)}:
        kind = {_FORMAT_PCM: "integer PCM", _FORMAT_FLOAT: "float"}.get(tag, f"format tag 0x{tag:04x}")
        raise AudioError(
            f"{label}: unsupported WAV encoding ({kind}, {bits}-bit); supported: 8/16/24/32-bit integer PCM, "
            "32/64-bit float; convert with `sox in.wav -b 16 out.wav`"
        )
    return tag, channels, rate, bits


def _check_rate(rate: int, label: str) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(
            f"{label}: the file declares a sample rate of {rate} Hz; only {MIN_RATE}..{MAX_RATE} Hz is accepted "
            "(a damaged or mislabelled header?)"
        )


def _check_length(frames: int, rate: int, label: str) -> None:
    """No samples at all, or more than MAX_SECONDS of them, is an AudioError."""
    if frames <= 0:
        raise AudioError(f"{label}: the file holds no audio samples (only a header)")
    if frames > MAX_SECONDS * rate:
        raise AudioError(
            f"{label}: the recording lasts more than {MAX_SECONDS / 60:.0f} minutes ({frames / rate:.0f} s at "
            f"{rate} Hz); split it, or trim it with `sox in.wav out.wav trim 0 30:00`"
        )


def _samples(raw: bytes, fmt: tuple[int, int, int, int], label: str) -> tuple[np.ndarray, int]:
    tag, channels, rate, bits = fmt
    width = bits // 8
    frames = len(raw) // (width * channels)
    raw = raw[: frames * width * channels]
    if tag == _FORMAT_FLOAT:
        x = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        x = ints.astype(np.float64) / float(1 << 23)
    else:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{label}: WAV holds NaN or infinite float samples")
    x = x.reshape(frames, channels).mean(axis=1) if channels > 1 else x
    log.debug("%s: %d frames, %d channel(s), %d Hz, %d-bit", label, frames, channels, rate, bits)
    return x, rate


def _resample_poly(*args: object, **kwargs: object) -> np.ndarray:
    """scipy's polyphase resampler, imported on first use (scipy.signal costs ~75 MB of memory)."""
    from scipy.signal import resample_poly

    return resample_poly(*args, **kwargs)  # type: ignore[arg-type,unused-ignore]


def to_float(samples: np.ndarray) -> np.ndarray:
    """Samples as float64 in [-1, 1]: int16 is divided by 32768, float is taken as it is."""
    a = np.asarray(samples)
    if a.dtype == np.int16:
        return a.astype(np.float64) / 32768.0
    if np.issubdtype(a.dtype, np.floating):
        return a.astype(np.float64)
    raise AudioError(f"expected int16 or float samples, got {a.dtype}")


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as int16 (rounded, clipped); int16 passes through unchanged."""
    a = np.asarray(samples)
    if a.dtype == np.int16:
        return a
    return np.clip(np.rint(to_float(a) * 32768.0), -32768, 32767).astype(np.int16)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Resample float or int16 samples from ``rate`` to ``target`` Hertz (polyphase, anti-aliased); float out."""
    x = to_float(samples)
    if rate == target or x.size == 0:
        return x
    ratio = Fraction(target, rate)
    return _resample_poly(x, ratio.numerator, ratio.denominator)


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono samples (int16, or float in [-1, 1]) at ``rate`` Hertz as 16 kHz int16."""
    if rate <= 0:
        raise AudioError(f"invalid sample rate {rate} Hz")
    return to_int16(resample(samples, rate, SAMPLE_RATE))


def write_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Write int16 (or float in [-1, 1]) samples as a 16-bit PCM WAV; 2-D input is ``(frames, channels)``."""
    a = to_int16(np.asarray(samples))
    channels = 1 if a.ndim == 1 else a.shape[1]
    out = Path(path)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "wb") as file, wave.open(file, "wb") as w:  # a failed open makes no Wave_write
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(a.astype("<i2").tobytes())
        os.replace(temporary, out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise AudioError(f"{out}: cannot write WAV: {exc.strerror or exc}") from exc
    return out


def pcm_to_samples(data: bytes) -> np.ndarray:
    """Raw 16-bit little-endian PCM bytes as int16 samples (a trailing odd byte is dropped)."""
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)


def read_pcm_blocks(stream: BinaryIO, block_samples: int) -> Iterator[np.ndarray]:
    """Blocks of ``block_samples`` int16 samples from a raw s16le stream; the last block is zero-padded."""
    need = block_samples * 2
    pending = b""
    while True:
        data = stream.read(need - len(pending))
        if not data:
            break
        pending += data
        if len(pending) == need:
            yield pcm_to_samples(pending)
            pending = b""
    if len(pending) >= 2:
        block = pcm_to_samples(pending)
        yield np.concatenate([block, np.zeros(block_samples - block.size, np.int16)])


class StreamResampler:
    """Resamples a stream block by block and gives the same samples as resampling it whole.

    Keeps one block of look-behind and one of look-ahead around each block, so output lags input by one block.
    """

    def __init__(self, rate: int, target: int = SAMPLE_RATE) -> None:
        ratio = Fraction(target, rate)
        self.rate = rate
        """Input rate, Hertz."""
        self.target = target
        """Output rate, Hertz."""
        self._up, self._down = ratio.numerator, ratio.denominator
        # resample_poly's filter reaches 10 * max(up, down) upsampled samples each side; the step is whole
        # input periods of `down` so every step maps to a whole number of output samples.
        reach = -(-10 * max(self._up, self._down) // self._up) + 1
        self._step = self._down * max(1, -(-reach // self._down))
        self._buffer = np.zeros(self._step, np.float64)  # look-behind: silence before the stream starts
        self._emitted_input = 0

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Feed input samples; returns the float output that is now final (may be empty)."""
        self._buffer = np.concatenate([self._buffer, to_float(samples)])
        out: list[np.ndarray] = []
        while self._buffer.size >= 3 * self._step:
            window = self._buffer[: 3 * self._step]
            y = _resample_poly(window, self._up, self._down)
            per_step = self._step * self._up // self._down
            out.append(y[per_step : 2 * per_step])
            self._buffer = self._buffer[self._step :]
        return np.concatenate(out) if out else np.zeros(0, np.float64)

    def flush(self) -> np.ndarray:
        """The output still held back, as if the stream ended with silence."""
        pending = self._buffer.size - self._step
        if pending <= 0:
            return np.zeros(0, np.float64)
        tail = self.process(np.zeros(2 * self._step, np.float64))
        return tail[: -(-pending * self._up // self._down)]
