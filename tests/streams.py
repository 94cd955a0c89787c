"""Test material for the AudioPlayer: tones encoded by PyAV (MP3, AAC/M4A, Ogg/Opus, an HLS playlist), served by a
real local HTTP(S) server started by the test, including an endless "radio" stream like an Icecast server's."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RATE = 44100


def tone(frequency: float, seconds: float, rate: int = RATE) -> np.ndarray:
    """A sine tone, int16 mono."""
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 12000).astype(np.int16)


def encode(samples: np.ndarray, path: Path, codec: str, rate: int = RATE, fmt: str | None = None) -> Path:
    """``samples`` (int16 mono) encoded with ``codec`` into ``path`` (its container from the suffix or ``fmt``).
    An MP3 has no ID3 tag and no Xing header, as a live stream's frames have none: copies of it played one after
    the other are one endless stream (``serve``'s ``/radio``)."""
    import av

    options = {"write_xing": "0", "id3v2_version": "0"} if path.suffix == ".mp3" else {}
    with av.open(str(path), "w", format=fmt, options=options) as out:
        stream = out.add_stream(codec, rate=48000 if codec == "libopus" else rate)
        stream.layout = "mono"
        frame_size = 1152 if codec in ("libmp3lame", "mp3") else 960 if codec == "libopus" else 1024
        resampler = av.AudioResampler(format=stream.format.name if stream.format else "s16", layout="mono",
                                      rate=stream.rate)
        for first in range(0, samples.size, frame_size):
            part = samples[first : first + frame_size].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(part, format="s16", layout="mono")
            frame.rate = rate
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def hls(samples: np.ndarray, folder: Path, segment_seconds: float = 2.0) -> Path:
    """An HLS playlist (``index.m3u8``) of AAC segments in ``folder``."""
    import av

    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "index.m3u8"
    with av.open(str(playlist), "w", format="hls",
                 options={"hls_time": str(segment_seconds), "hls_list_size": "0", "hls_playlist_type": "vod"}) as out:
        stream = out.add_stream("aac", rate=RATE)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=RATE)
        for first in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(samples[first : first + 1024].reshape(1, -1), format="s16", layout="mono")
            frame.rate = RATE
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return playlist


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency of ``samples``, Hertz."""
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)


class _Handler(http.server.SimpleHTTPRequestHandler):
    radio: bytes = b""
    """An MP3 sent in a loop, without end, at ``/radio`` (an Icecast-like live stream)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/radio":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.end_headers()
        try:
            while True:
                self.wfile.write(self.radio)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            return


@contextmanager
def serve(folder: Path, tls: bool = False, radio: bytes = b"") -> Iterator[str]:
    """Serve ``folder`` (and ``/radio``, ``radio`` looped without end) on 127.0.0.1 over HTTP, or HTTPS with a
    self-signed certificate; yields the base URL."""

    class Handler(_Handler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

    Handler.radio = radio
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls:
        if shutil.which("openssl") is None:
            raise RuntimeError("openssl is needed for the TLS test server")
        key, cert = folder / "key.pem", folder / "cert.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
             "-days", "1", "-subj", "/CN=127.0.0.1"],
            check=True, capture_output=True,
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
