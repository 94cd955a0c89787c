"""Acoustic echo cancellation: what the speaker plays, taken back out of what the microphone hears.

The assistant knows what it plays: its speech and the AudioPlayer's music, mixed in ``SpeakerSink``'s callback.
That is the reference. Follow it:

1. ``EchoReference`` keeps the last seconds of it, each sample at the ``time.monotonic()`` instant it leaves for
   the device (``SpeakerSink`` hands it every buffer as it goes out).
2. ``EchoCancelledSource`` wraps the microphone. For each chunk it maps the chunk's samples to the monotonic
   clock (``MicrophoneSource.capture_time``), takes the reference of the same instants, ``delay`` earlier, and
   passes both through the canceller; the loop hears only what is left.
3. ``estimate_delay`` finds the delay: the sound server's buffers and the room put the echo some tens of
   milliseconds after the instant the reference left. A generalised cross-correlation (GCC-PHAT) of the last
   second of reference and microphone, every half second while the reference is audible, gives it to the
   sample; a new delay is taken when two estimates in a row agree.
4. ``SpeexCanceller`` is speexdsp's echo canceller (libspeexdsp, from Xiph, packaged by every distribution): a
   multidelay block frequency-domain adaptive filter (MDF) over ``EchoOptions.tail`` seconds of echo path.
   It is loaded with ctypes; nothing is compiled here. (Its own residual echo suppressor, part of its
   preprocessor, is not used: it works only with the noise suppressor on, which would change the user's
   speech, and it took out no more than 0.5 dB of the music fed back in the live test.)
5. ``ResidualSuppressor`` turns down, frequency by frequency, what the filter left.

The delay moves: an output buffer that ran dry, or a microphone read late, shifts one stream against the other
by some milliseconds. The reference is then read that much earlier or later, so the echo stays where the
filter learnt it; until the new delay is found, the suppressor, which works on magnitudes, keeps the echo
down. Measurements: docs/research.md (2026-12-02, echo cancellation).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np

from assistant.audio.chunk import AudioChunk, AudioSource
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AudioError

log = logging.getLogger(__name__)

LIBRARY_HINT = "install speexdsp (Debian/Ubuntu: `apt install libspeexdsp1`, Fedora: `dnf install speexdsp`)"
"""How to get the library, for the error that says it is missing."""


@dataclass(frozen=True, slots=True)
class EchoOptions:
    """The echo canceller on the live microphone (``assistant run`` with a speaker)."""

    enabled: bool = True
    """Take the speaker's sound out of the microphone's (off: ``--no-echo-cancel``)."""
    tail: float = 0.1
    """Length of the echo path the adaptive filter models, seconds: the reverberation of a small room that
    matters (longer converges more slowly on music)."""
    frame: int = 160
    """Samples per step of the filter (10 ms at 16 kHz)."""
    margin: float = 0.02
    """The reference is fed this much earlier than the delay found, seconds, so that the echo's onset lies
    inside the filter even when the delay moves a little."""
    suppress: bool = True
    """Turn down what the filter left of the echo (``ResidualSuppressor``)."""
    suppress_floor_db: float = -40.0
    """The most a frequency is turned down, dB."""
    over: float = 6.0
    """How many times the residual echo estimate is taken off."""
    suppress_span: float = 0.1
    """Reference looked back over for the loudest of each frequency, seconds: with ``suppress_lead``, it covers a
    delay that moved by up to 40 ms either way (a loaded machine whose buffers run dry) until the estimate
    follows."""
    suppress_lead: float = 0.04
    """The suppressor's reference is read this much earlier than the delay found, seconds."""
    rise_db_per_second: float = 3.0
    """How fast the estimate of the echo left may grow, dB per second."""
    max_delay: float = 0.5
    """Largest delay looked for between a reference sample leaving and its echo being captured, seconds."""
    min_delay: float = -0.1
    """Smallest delay looked for, seconds (negative: the clocks' estimates are off the other way)."""
    max_shift: float = 0.04
    """Once a delay is known, a new one is looked for this close to it, seconds: the delay moves by a few
    milliseconds (a buffer that ran dry), and the melody's own repetitions elsewhere are no echo."""
    estimate_every: float = 0.5
    """Seconds between delay estimates while the reference is audible."""
    window: float = 1.0
    """Audio compared for one delay estimate, seconds."""


def _library() -> ctypes.CDLL:
    """libspeexdsp, or an AudioError saying how to install it."""
    name = ctypes.util.find_library("speexdsp")
    if name is None:
        raise AudioError(f"the speexdsp library (the echo canceller) is not installed; {LIBRARY_HINT}, or run "
                         "with --no-echo-cancel")
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise AudioError(f"the speexdsp library cannot be loaded ({exc}); {LIBRARY_HINT}") from exc
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_echo_state_reset.argtypes = [ctypes.c_void_p]
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    return lib


_ECHO_SET_SAMPLING_RATE = 24
"""``speex_echo_ctl``'s request for the sample rate (speex_echo.h)."""


class SpeexCanceller:
    """speexdsp's echo canceller over 16 kHz int16 frames; ``start``/``stop`` own the C state."""

    def __init__(self, options: EchoOptions, rate: int = SAMPLE_RATE) -> None:
        self.options = options
        """Filter length and frame."""
        self.rate = rate
        """Sample rate, Hertz."""
        self._lib: ctypes.CDLL | None = None
        self._echo: int | None = None

    def start(self) -> Self:
        """Create the C state (an AudioError when libspeexdsp is missing)."""
        lib = _library()
        frame, tail = self.options.frame, max(self.options.frame, round(self.options.tail * self.rate))
        echo = lib.speex_echo_state_init(frame, tail)
        rate = ctypes.c_int(self.rate)
        lib.speex_echo_ctl(echo, _ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        self._lib, self._echo = lib, echo
        return self

    @property
    def started(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._echo is not None

    def stop(self) -> None:
        """Free the C state (safe to call twice)."""
        lib, echo = self._lib, self._echo
        self._echo = None
        if lib is not None and echo is not None:
            lib.speex_echo_state_destroy(echo)

    def reset(self) -> None:
        """Forget the echo path learnt (the delay changed)."""
        if self._lib is not None and self._echo is not None:
            self._lib.speex_echo_state_reset(self._echo)

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """``mic`` without the echo of ``reference`` (same length, a multiple of ``frame``; int16)."""
        lib, echo = self._lib, self._echo
        if lib is None or echo is None:
            raise AudioError("SpeexCanceller must be started first")
        frame = self.options.frame
        if mic.size != reference.size or mic.size % frame:
            raise AudioError(f"echo canceller: {mic.size} microphone and {reference.size} reference samples; "
                             f"both must be the same multiple of {frame}")
        rec = np.ascontiguousarray(mic, np.int16)
        play = np.ascontiguousarray(reference, np.int16)
        out = np.empty_like(rec)
        for first in range(0, rec.size, frame):
            part = slice(first, first + frame)
            lib.speex_echo_cancellation(echo, rec[part].ctypes.data, play[part].ctypes.data, out[part].ctypes.data)
        return out


class ResidualSuppressor:
    """What the adaptive filter left of the echo, turned down frequency by frequency (a residual echo suppressor).

    The filter's cancellation of music made of pure tones is deep only while the delay holds to the sample; a
    few milliseconds off (a buffer that ran dry) and the tones come back until it has learnt again. This stage
    works on magnitudes, so a shift that small changes nothing: per 10 ms hop, a 20 ms frame of the filter's
    output is taken apart (short-time Fourier transform, square-root Hann windows, half overlap), and each
    frequency is scaled by ``1 - over * echo / power``, no lower than ``floor``. ``echo`` is the echo the
    microphone heard there, whatever the filter made of it: the loudest reference power of that frequency over
    the last ``span`` frames (its delay anywhere in them) times the coupling, the lowest ratio of microphone to
    reference power seen lately where the reference held steady over the span, rising slowly (``rise``) so that
    the user's speech over the music does not count as echo. A frequency keeps what is louder than the echo heard there: the user's speech where the
    music is not, or where the speech is the louder.
    """

    def __init__(self, options: EchoOptions) -> None:
        self.hop = options.frame
        """Samples per step (10 ms)."""
        self.floor = 10 ** (options.suppress_floor_db / 20)
        """Lowest gain of a frequency."""
        self.over = options.over
        """Over-subtraction: the echo estimate is taken this many times."""
        self.span = max(1, round(options.suppress_span * SAMPLE_RATE / self.hop))
        """Frames of reference whose loudest counts (the delay may be anywhere in them)."""
        self.rise = 10 ** (options.rise_db_per_second * self.hop / SAMPLE_RATE / 10)
        """How fast the coupling may grow, per frame."""
        self.smooth = 0.2
        """Weight of a new frame in the powers the coupling is taken from (about 50 ms of memory): one frame's
        ratio varies too much to take its lowest."""
        size = 2 * self.hop
        self._window = np.sqrt(np.hanning(size + 1)[:size])
        bins = self.hop + 1
        self._coupling = np.ones(bins)
        self._heard = np.zeros(bins)
        self._loudest = np.ones(bins)
        self._reference = np.zeros((self.span, bins))
        self._last_out = np.zeros(self.hop)
        self._last_in = np.zeros(self.hop)
        self._last_mic = np.zeros(self.hop)
        self._last_ref = np.zeros(self.hop)

    def process(self, signal: np.ndarray, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """``signal`` (the filter's output for ``mic``) with the residual echo of ``reference`` turned down,
        ``hop`` samples later (the overlap); all int16, a multiple of ``hop`` long."""
        hop = self.hop
        x, m, r = (a.astype(np.float64) for a in (signal, mic, reference))
        out = np.empty_like(x)
        for first in range(0, x.size, hop):
            part = slice(first, first + hop)
            frame = np.concatenate([self._last_in, x[part]])
            heard = np.concatenate([self._last_mic, m[part]])
            ref = np.concatenate([self._last_ref, r[part]])
            self._last_in, self._last_mic, self._last_ref = frame[hop:], heard[hop:], ref[hop:]
            spectrum = np.fft.rfft(frame * self._window)
            heard_spectrum = np.fft.rfft(heard * self._window)
            heard_power = np.abs(heard_spectrum) ** 2
            power = np.abs(spectrum) ** 2
            worse = power > heard_power  # the filter went astray there (it learnt the user's speech): undo it
            spectrum = np.where(worse, heard_spectrum, spectrum)
            power = np.where(worse, heard_power, power) + 1.0
            self._reference = np.roll(self._reference, 1, axis=0)
            self._reference[0] = np.abs(np.fft.rfft(ref * self._window)) ** 2
            loudest = self._reference.max(axis=0) + 1.0
            self._heard += self.smooth * (heard_power - self._heard)
            self._loudest += self.smooth * (loudest - self._loudest)
            steady = self._reference.min(axis=0) > 0.5 * loudest  # the same over the span: the delay does not matter
            self._coupling = np.where(steady, np.minimum(self._coupling * self.rise, self._heard / self._loudest),
                                      self._coupling)
            echo = self._coupling * loudest  # the echo the microphone heard, whatever the filter left of it
            gain = np.maximum(self.floor, 1.0 - self.over * echo / power)
            frame_out = np.fft.irfft(spectrum * gain, 2 * hop) * self._window
            out[part] = self._last_out + frame_out[:hop]
            self._last_out = frame_out[hop:]
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)


class EchoReference:
    """What the speaker played, at 16 kHz, each sample at the monotonic instant it left; the last ``seconds``.

    ``write`` is called from the speaker's audio thread, ``read`` from the loop's; a lock keeps them apart. A
    buffer that follows the previous one within ``JOIN`` seconds of where it was expected is laid right after it
    (the device's time estimates jitter by a few milliseconds; a gap or an overlap there would be a click in the
    reference); otherwise it is laid where its time says, and what lies between is silence.
    """

    JOIN = 0.02
    """Seconds of disagreement within which a buffer continues the previous one."""

    def __init__(self, seconds: float = 10.0, rate: int = SAMPLE_RATE) -> None:
        self.rate = rate
        """Sample rate, Hertz."""
        self._size = int(seconds * rate)
        self._ring = np.zeros(self._size, np.int16)
        self._origin: float | None = None
        self._end = 0  # absolute index just after the last sample written
        self._lock = threading.Lock()

    def index(self, when: float) -> int:
        """The absolute sample index of the monotonic instant ``when``."""
        if self._origin is None:
            self._origin = when
        return round((when - self._origin) * self.rate)

    def write(self, samples: np.ndarray, at: float, join: bool = True) -> None:
        """``samples`` (int16, 16 kHz) left for the device from the monotonic instant ``at`` on; ``join=False``
        after the device ran dry (it played silence in between: the samples go where their time says)."""
        if samples.size == 0:
            return
        with self._lock:
            first = self.index(at)
            if join and abs(first - self._end) <= self.JOIN * self.rate:
                first = self._end
            if first > self._end:  # nothing was played in between
                self._clear(self._end, first)
            self._put(first, np.asarray(samples, np.int16)[-self._size :])
            self._end = max(self._end, first + min(samples.size, self._size))

    def _clear(self, start: int, stop: int) -> None:
        start = max(start, stop - self._size)
        self._put(start, np.zeros(stop - start, np.int16))

    def _put(self, first: int, samples: np.ndarray) -> None:
        at = first % self._size
        head = min(samples.size, self._size - at)
        self._ring[at : at + head] = samples[:head]
        self._ring[: samples.size - head] = samples[head:]

    def read(self, first: int, count: int) -> np.ndarray:
        """``count`` samples from absolute index ``first``; silence where nothing was written (or was
        overwritten since)."""
        out = np.zeros(count, np.int16)
        with self._lock:
            lo, hi = max(first, self._end - self._size, 0), min(first + count, self._end)
            if self._origin is None or hi <= lo:
                return out
            at = lo % self._size
            head = min(hi - lo, self._size - at)
            out[lo - first : lo - first + head] = self._ring[at : at + head]
            out[lo - first + head : hi - first] = self._ring[: hi - lo - head]
        return out


def estimate_delay(mic: np.ndarray, reference: np.ndarray, lo: int, hi: int) -> tuple[int, float]:
    """The delay, in samples (``lo`` to ``hi``), at which ``mic`` best matches ``reference`` by GCC-PHAT, and how
    sure (the peak over the mean of the correlation's magnitude; a clear echo gives well over 10).

    ``reference`` holds ``mic.size + hi - lo`` samples: from ``hi`` samples before the microphone's first to ``lo``
    samples before its last, so that ``mic[t]`` is compared with ``reference[t + hi - d]`` for each delay ``d``.
    """
    n = mic.size
    if reference.size != n + hi - lo or hi < lo:
        raise AudioError(f"delay estimate: {reference.size} reference samples for {n} microphone samples and "
                         f"delays {lo}..{hi}")
    size = 1 << int(np.ceil(np.log2(reference.size + n)))
    m = np.fft.rfft(mic.astype(np.float64) * np.hanning(n), size)  # tapered: its edges make no false peak
    r = np.fft.rfft(reference.astype(np.float64), size)
    cross = r * np.conj(m)
    magnitude = np.abs(cross)
    cross /= magnitude + 1e-9 * (magnitude.max() + 1e-12)  # PHAT: every frequency counts alike
    corr = np.fft.irfft(cross, size)[: hi - lo + 1]  # corr[k]: mic[t] against reference[t + k]
    k = int(np.argmax(corr))
    spread = float(np.mean(np.abs(corr))) + 1e-12
    return hi - k, float(corr[k]) / spread


class TimedSource(Protocol):
    """A live source that can say when each of its samples was captured (``MicrophoneSource``)."""

    rate: int
    block_ms: int
    realtime: bool

    def __enter__(self) -> Any: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...
    def __iter__(self) -> Iterator[AudioChunk]: ...
    def capture_time(self, at: float) -> float: ...
    def timeline(self, when: float) -> float: ...


@dataclass(frozen=True, slots=True)
class EchoStats:
    """How much echo the canceller took out, over the chunks where the reference was loud."""

    chunks: int
    """Chunks with a loud reference."""
    erle_db: float | None
    """Echo return loss enhancement, dB: the median over those chunks of how much quieter the canceller made
    them (a median, so that the chunks where the user spoke over the music, and the filter's first second,
    count little); None without such chunks."""
    delay: float | None
    """The delay in use, seconds (None until one was found)."""


class EchoCancelledSource:
    """A live microphone with the speaker's sound taken out (an AudioSource; see the module's docstring)."""

    LOUD = 100.0
    """A reference chunk whose RMS is above this (int16) counts as playing."""
    AUDIBLE = 30.0
    """A reference whose RMS is above this (int16) over a delay estimate's window is worth looking for."""
    SAME = 0.0002
    """Two delay estimates this close (seconds, 3 samples) agree: music of pure tones is cancelled no more once
    its echo is 1 ms off where the filter learnt it."""
    SURE = 40.0
    """A delay estimate counts when its correlation peak stands this many times over the mean (music fed back
    gives 80 to 300; music under the user's speech, or nothing played, under 25)."""

    def __init__(self, mic: TimedSource, reference: EchoReference, options: EchoOptions | None = None) -> None:
        self.mic = mic
        """The microphone."""
        self.reference = reference
        """What the speaker played."""
        self.options = options or EchoOptions()
        """How to cancel."""
        self.rate = mic.rate
        """Chunk sample rate, Hertz."""
        self.block_ms = mic.block_ms
        """Chunk length, milliseconds."""
        self.realtime = mic.realtime
        """As the microphone: chunks arrive at the pace of speech."""
        self.delay: int | None = None
        """The delay in use, samples."""
        self._canceller = SpeexCanceller(self.options, mic.rate)
        self._suppressor = ResidualSuppressor(self.options) if self.options.suppress else None
        self._history: list[tuple[int, np.ndarray]] = []  # (reference index of the chunk's first sample, mic)
        self._next_estimate = 0
        self._candidate: int | None = None
        self._candidate_at = 0.0
        self._erle = np.zeros(121, np.int64)  # chunks by ERLE, 1 dB bins from -20 dB

    def __enter__(self) -> Self:
        try:
            self._canceller.start()
        except AudioError as exc:  # the microphone still works, with the speaker's sound in it
            log.warning("no echo cancellation: %s", exc)
            self._canceller.stop()
        try:
            self.mic.__enter__()
        except BaseException:
            self._canceller.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.mic.__exit__(exc_type, exc, tb)
        finally:
            self._canceller.stop()
            stats = self.stats()
            if stats.erle_db is not None:
                log.info("echo canceller: %.1f dB less echo (median over %d chunks with sound played; delay %.0f ms)",
                         stats.erle_db, stats.chunks, 1000 * (stats.delay or 0.0))

    def timeline(self, when: float) -> float:
        """As ``MicrophoneSource.timeline``."""
        return self.mic.timeline(when)

    def stats(self) -> EchoStats:
        """The echo taken out so far."""
        delay = None if self.delay is None else self.delay / self.rate
        chunks = int(self._erle.sum())
        if not chunks:
            return EchoStats(0, None, delay)
        median = int(np.searchsorted(np.cumsum(self._erle), (chunks + 1) / 2))
        return EchoStats(chunks, median - 20 + 0.5, delay)

    def __iter__(self) -> Iterator[AudioChunk]:
        frame = self.options.frame
        expected: int | None = None
        for chunk in self.mic:
            first = self.reference.index(self.mic.capture_time(chunk.start))
            if expected is not None and abs(first - expected) <= EchoReference.JOIN * self.rate:
                first = expected  # the chunks follow each other: so do their references (no click)
            expected = first + chunk.samples.size
            mic = chunk.samples
            self._remember(first, mic, chunk.start)
            if self.delay is None or mic.size % frame or not self._canceller.started:
                yield chunk
                continue
            start = first - self.delay + round(self.options.margin * self.rate)
            reference = self.reference.read(start, mic.size)
            out = self._canceller.process(mic, reference)
            if self._suppressor is not None:
                lead = self.reference.read(first - self.delay + round(self.options.suppress_lead * self.rate), mic.size)
                out = self._suppressor.process(out, mic, lead)
            if np.sqrt(np.mean(reference.astype(np.float64) ** 2)) > self.LOUD:
                heard = float(np.mean(mic.astype(np.float64) ** 2))
                left = max(float(np.mean(out.astype(np.float64) ** 2)), 1e-3)
                erle = 10 * math.log10(max(heard / left, 1e-12))
                self._erle[min(max(math.floor(erle) + 20, 0), 120)] += 1
            yield AudioChunk(out, chunk.rate, chunk.start)

    def _remember(self, first: int, mic: np.ndarray, at: float) -> None:
        """Keep the last ``window`` seconds of microphone, and estimate the delay when it is time."""
        opts = self.options
        self._history.append((first, mic))
        keep = round(opts.window * self.rate)
        while sum(m.size for _, m in self._history) - self._history[0][1].size >= keep:
            self._history.pop(0)
        if first < self._next_estimate:
            return
        start = self._history[0][0]
        samples = np.concatenate([m for _, m in self._history])
        if samples.size < keep:
            return
        lo, hi = round(opts.min_delay * self.rate), round(opts.max_delay * self.rate)
        if self.delay is not None:  # it moves by milliseconds (a buffer run dry), never by a great deal at once
            drift = round(opts.max_shift * self.rate)
            lo, hi = max(lo, self.delay - drift), min(hi, self.delay + drift)
        reference = self.reference.read(start - hi, samples.size + hi - lo)
        if np.sqrt(np.mean(reference.astype(np.float64) ** 2)) < self.AUDIBLE:
            return  # nothing played: nothing to find
        self._next_estimate = first + round(opts.estimate_every * self.rate)
        delay, sureness = estimate_delay(samples, reference, lo, hi)
        if sureness < self.SURE or delay in (lo, hi):  # a peak at the edge of the range is no echo found
            log.debug("echo delay: no clear peak (%.0f ms, %.1f)", 1000 * delay / self.rate, sureness)
            return
        same = round(self.SAME * self.rate)
        if self.delay is not None and abs(delay - self.delay) <= same:
            self._candidate = None
            return
        if self._candidate is None or abs(delay - self._candidate) > same:
            self._candidate, self._candidate_at = delay, at  # a second estimate must agree
            return
        log.info("echo delay %.1f ms (was %s; peak %.0f; first seen at %.2f s, taken at %.2f s)",
                 1000 * delay / self.rate, "none" if self.delay is None else f"{1000 * self.delay / self.rate:.1f} ms",
                 sureness, self._candidate_at, at)
        # the reference moves with the echo: what the filter learnt still fits, nothing to start over
        self.delay, self._candidate = delay, None


def cancelled(source: AudioSource, reference: EchoReference | None, options: EchoOptions) -> AudioSource:
    """``source`` with the echo cancelled when it is a live microphone and there is a reference; else as it is."""
    if reference is None or not options.enabled or not hasattr(source, "capture_time"):
        return source
    return EchoCancelledSource(source, reference, options)  # type: ignore[arg-type]
