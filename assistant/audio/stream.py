"""Streams a skill plays (AudioPlayer), decoded by PyAV (its wheel ships ffmpeg): local files, and http(s) streams
in MP3, AAC/M4A, Ogg/Opus, and HLS playlists; never decoded by hand.

- :func:`probe_stream` opens a stream and tells its length (None for a live stream), or raises
  ``runtime.audioplayer.PlaybackError`` with Alexa's error type, for the silent output of ``chat``.
- :class:`StreamReader` decodes one stream, in a thread it owns (``start``/``stop``), to 16 kHz mono int16 (the
  rate speech goes out at), a few seconds ahead of what was taken. ``read`` blocks until the samples asked for
  are decoded: a live stream cannot be read faster than real time, so it paces a replayed recording.
- :class:`MixOutput` is the player's output for the voice loop: the loop takes the samples for each block of the
  source's timeline (``take``) and mixes them with speech.

URLs come here resolved by ``runtime.audioplayer.resolve_url`` (the skill's network grant, its own folder).
"""

from __future__ import annotations

import errno
import logging
import threading
from collections import deque
from typing import Any

import numpy as np

from assistant.audio.wav import SAMPLE_RATE
from assistant.runtime.audioplayer import NEARLY_FINISHED_SECONDS, OutputEvent, PlaybackError

logger = logging.getLogger(__name__)

RATE = SAMPLE_RATE
"""Sample rate of decoded streams, Hertz (the rate speech goes out at)."""
OPEN_TIMEOUT = 8.0
"""Seconds to open a stream (connect and read its header) before it counts as unreachable."""
READ_TIMEOUT = 10.0
"""Seconds a stream may stall before playback fails."""
AHEAD_SECONDS = 5.0
"""How far the decoder runs ahead of what was taken, seconds."""


def _error(url: str, error: Exception) -> PlaybackError:
    """An ffmpeg error as Alexa's ``PlaybackFailed.error``: the server's fault, the request's (4xx, no such file),
    the service unreachable (refused, timed out, no route, TLS or name failure: ffmpeg's EIO), or unknown."""
    import av

    if isinstance(error, av.error.HTTPServerError):
        kind = "MEDIA_ERROR_INTERNAL_SERVER_ERROR"
    elif isinstance(error, (av.error.HTTPClientError, FileNotFoundError)):
        kind = "MEDIA_ERROR_INVALID_REQUEST"
    elif isinstance(error, (ConnectionError, TimeoutError)) or getattr(error, "errno", None) in _UNREACHABLE:
        kind = "MEDIA_ERROR_SERVICE_UNAVAILABLE"
    else:
        kind = "MEDIA_ERROR_UNKNOWN"
    return PlaybackError(kind, f"{url}: {error}")


_UNREACHABLE = frozenset({errno.EIO, errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNREFUSED})


def open_container(url: str, timeout: float = OPEN_TIMEOUT) -> Any:
    """The PyAV input container of ``url`` (a path or an http(s) URL) with an audio stream; raises PlaybackError."""
    import av

    options = {"reconnect": "0"} if url.startswith(("http:", "https:")) else {}
    try:
        container = av.open(url, mode="r", options=options, timeout=(timeout, READ_TIMEOUT))
    except (av.error.FFmpegError, OSError) as error:
        raise _error(url, error) from None
    if not container.streams.audio:
        container.close()
        raise PlaybackError("MEDIA_ERROR_INVALID_REQUEST", f"{url}: no audio in it")
    return container


def _length(container: Any) -> float | None:
    """Seconds of a stream of known length; None for a live stream."""
    duration = container.duration
    return None if duration is None or duration <= 0 else duration / 1_000_000


def probe_stream(url: str) -> float | None:
    """Open ``url`` to check it plays: its length in seconds, None for a live stream; raises PlaybackError."""
    container = open_container(url)
    try:
        return _length(container)
    finally:
        container.close()


class StreamReader:
    """Decodes one stream to 16 kHz mono int16 in its own thread, a few seconds ahead of ``read``."""

    def __init__(self, url: str, offset_ms: int = 0) -> None:
        self.url = url
        """The stream (a path or an http(s) URL)."""
        self.offset_ms = offset_ms
        """Where decoding starts, milliseconds (a live stream starts where it is)."""
        self.length: float | None = None
        """Seconds of the stream (known once started), None for a live stream."""
        self.error: PlaybackError | None = None
        """Why decoding stopped early, if it did."""
        self.live = False
        """True for a stream of unknown length (radio)."""
        self._blocks: deque[np.ndarray] = deque()
        self._buffered = 0
        self._done = False
        self._stopping = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._container: Any = None

    def start(self) -> StreamReader:
        """Open the stream (raises PlaybackError when it cannot be) and start decoding."""
        self._container = open_container(self.url)
        self.length = _length(self._container)
        self.live = self.length is None
        if self.offset_ms > 0 and not self.live:
            try:
                self._container.seek(self.offset_ms * 1000, any_frame=False)
            except Exception as error:  # noqa: BLE001 (a stream that cannot seek plays from its start)
                logger.info("%s: cannot seek to %d ms (%s)", self.url, self.offset_ms, error)
        self._thread = threading.Thread(target=self._decode, name="stream-reader", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop decoding and close the stream."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=READ_TIMEOUT + 2)
            self._thread = None

    @property
    def finished(self) -> bool:
        """True once everything decoded has been read and the stream has ended."""
        with self._cond:
            return self._done and self._buffered == 0

    @property
    def decoded_all(self) -> bool:
        """True once the whole stream is decoded (the output is ready for the next)."""
        with self._cond:
            return self._done

    def read(self, n: int, wait: bool = True) -> np.ndarray:
        """The next ``n`` samples (fewer only at the end of the stream, or without ``wait`` when fewer are decoded);
        with ``wait``, blocks until they are decoded."""
        out = np.zeros(n, np.int16)
        filled = 0
        with self._cond:
            while filled < n:
                if wait:
                    self._cond.wait_for(lambda: self._buffered > 0 or self._done or self._stopping)
                if self._buffered == 0:
                    break
                block = self._blocks[0]
                take = min(block.size, n - filled)
                out[filled : filled + take] = block[:take]
                if take == block.size:
                    self._blocks.popleft()
                else:
                    self._blocks[0] = block[take:]
                filled += take
                self._buffered -= take
                self._cond.notify_all()
        return out[:filled]

    def _decode(self) -> None:
        import av

        container = self._container
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        skip = 0
        try:
            stream = container.streams.audio[0]
            first = True
            for frame in container.decode(stream):
                if first and self.offset_ms > 0 and not self.live and frame.time is not None:
                    skip = max(0, int((self.offset_ms / 1000 - frame.time) * RATE))  # seek lands before it
                first = False
                for out in resampler.resample(frame):
                    if not self._put(out.to_ndarray().reshape(-1).astype(np.int16), skip):
                        return
                    skip = 0
            for out in resampler.resample(None):
                self._put(out.to_ndarray().reshape(-1).astype(np.int16), 0)
        except (av.error.FFmpegError, OSError) as error:
            self.error = _error(self.url, error)
            logger.error("stream %s: %s", self.url, error)
        finally:
            container.close()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _put(self, samples: np.ndarray, skip: int) -> bool:
        """Queue decoded samples (after dropping ``skip``), waiting while far enough ahead; False when stopping."""
        samples = samples[skip:]
        with self._cond:
            self._cond.wait_for(lambda: self._buffered < AHEAD_SECONDS * RATE or self._stopping)
            if self._stopping:
                return False
            if samples.size:
                self._blocks.append(samples)
                self._buffered += samples.size
                self._cond.notify_all()
            return True


class MixOutput:
    """The player's output for the voice loop: the stream's samples are taken block by block on the source's
    timeline (``take``) and mixed into what goes out; the offset is what was taken."""

    def __init__(self) -> None:
        self.reader: StreamReader | None = None
        """The stream playing, if any."""
        self.gain = 1.0
        """Volume of ``mixed``: the device volume, ducked while the assistant listens or speaks (set by the loop)."""
        self._from_ms = 0
        self._taken = 0
        self._ended = False

    def start(self, url: str, offset_ms: int) -> None:
        self.stop()
        self.reader = StreamReader(url, offset_ms).start()
        self._from_ms = offset_ms  # a live stream cannot seek: its offset goes on from where the skill said
        self._taken = 0
        self._ended = False

    def stop(self) -> int:
        offset = self.offset()
        if self.reader is not None:
            self.reader.stop()
            self.reader = None
        return offset

    def offset(self) -> int:
        return self._from_ms + self._taken * 1000 // RATE

    def take(self, n: int, wait: bool = True) -> np.ndarray | None:
        """The next ``n`` samples of the stream (zero-padded at its end), None when nothing plays."""
        reader = self.reader
        if reader is None or self._ended:
            return None
        samples = reader.read(n, wait)
        self._taken += samples.size
        if samples.size < n:
            samples = np.concatenate([samples, np.zeros(n - samples.size, np.int16)])
        return samples

    def mixed(self, n: int, wait: bool = True) -> np.ndarray | None:
        """``take`` at ``gain``."""
        samples = self.take(n, wait)
        if samples is None or self.gain == 1.0:
            return samples
        return (samples.astype(np.float32) * self.gain).astype(np.int16)

    def poll(self) -> OutputEvent | None:
        reader = self.reader
        if reader is None or self._ended:
            return None
        if reader.finished:
            self._ended = True
            if reader.error is not None and self._taken == 0:
                return OutputEvent("failed", self.offset(), reader.error)
            return OutputEvent("finished", self.offset())
        length = reader.length
        if reader.decoded_all or (length is not None and self.offset() >= (length - NEARLY_FINISHED_SECONDS) * 1000):
            return OutputEvent("nearly-finished", self.offset())
        return None
