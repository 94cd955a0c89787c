"""What playing a stream costs: CPU while the AudioPlayer plays, as a share of one core.

A local HTTP server (started here) serves a live MP3 radio (128 kb/s, 44.1 kHz stereo, an endless loop of
music-like notes, as an Icecast server sends it), an AAC/M4A file and an HLS playlist. Each plays through the
player's real output path (``audio.stream.MixOutput``: PyAV decoding and resampling to 16 kHz mono in its
thread, then the 30 ms blocks the voice loop takes and scales) at real-time pace for ``--seconds``; the process's
CPU time over the wall time is the figure. The voice loop's own listening (wake word, VAD) costs what it costs
without music and is not counted here.

Usage: ``nice python -m bench.player [--seconds 30]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.audio.stream import RATE, MixOutput

BLOCK = 480
"""Samples the loop takes per 30 ms block."""


def _music(seconds: float, rate: int = 44100) -> np.ndarray:
    """Stereo notes with harmonics, int16 (channels, samples): busier than a tone for the encoder."""
    t = np.arange(int(seconds * rate)) / rate
    notes = np.array([440, 554, 659, 880, 659, 554, 440, 330])
    f = notes[(t * 4).astype(int) % notes.size]
    left = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) + 0.1 * np.random.default_rng(0).standard_normal(t.size)
    right = np.roll(left, 441)
    return (np.stack([left, right]) * 8000).astype(np.int16)


def _encode(samples: np.ndarray, path: Path, codec: str, fmt: str | None = None, options: dict[str, str] | None = None) -> Path:
    import av

    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        stream = out.add_stream(codec, rate=44100)
        stream.layout = "stereo"
        stream.bit_rate = 128000
        resampler = av.AudioResampler(format=stream.format.name, layout="stereo", rate=44100)
        for first in range(0, samples.shape[1], 1152):
            frame = av.AudioFrame.from_ndarray(samples[:, first : first + 1152].T.reshape(1, -1).copy(), format="s16",
                                               layout="stereo")
            frame.rate = 44100
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def measure(url: str, seconds: float) -> tuple[float, float]:
    """(CPU share of one core, seconds played) for ``url`` played at real-time pace for ``seconds``."""
    output = MixOutput()
    output.start(url, 0)
    output.gain = 0.5
    taken = 0
    wall0, cpu0 = time.monotonic(), time.process_time()
    try:
        while time.monotonic() - wall0 < seconds:
            block = output.mixed(BLOCK)
            if block is None:
                break
            taken += BLOCK
            output.poll()
            ahead = wall0 + taken / RATE - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    finally:
        output.stop()
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return cpu / wall, taken / RATE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each stream plays (default 30)")
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from streams import serve  # the tests' HTTP server: the same one the tests stream from

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        music = _music(8.0)
        radio = _encode(music, folder / "radio.mp3", "libmp3lame", options={"write_xing": "0", "id3v2_version": "0"})
        long = np.tile(music, (1, int(args.seconds // 8) + 2))
        _encode(long, folder / "song.m4a", "aac", options={"movflags": "+faststart"})  # as podcasts are served
        (folder / "hls").mkdir()
        _encode(long, folder / "hls" / "index.m3u8", "aac", fmt="hls",
                options={"hls_time": "4", "hls_list_size": "0", "hls_playlist_type": "vod"})
        with serve(folder, radio=radio.read_bytes()) as base:
            print("| stream (128 kb/s, 44.1 kHz stereo) | CPU, % of one core | played, s |")
            print("|---|---|---|")
            for name, path in (("MP3 live radio", "/radio"), ("AAC/M4A file", "/song.m4a"), ("HLS (AAC)", "/hls/index.m3u8")):
                share, played = measure(base + path, args.seconds)
                print(f"| {name} | {share * 100:.1f} | {played:.0f} |")


if __name__ == "__main__":
    main()
