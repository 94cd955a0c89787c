"""The echo canceller on a real sound server: music fed back into the microphone, and requests said over it.

A private PulseAudio server (``bench.live``) with the speaker fed back into the microphone (``module-loopback``),
Amazon's audio player sample playing a looped melody of pure tones (the hardest music for an adaptive filter)
from a local TLS radio, and ``assistant run`` with and without the echo canceller (``--no-echo-cancel``). Each
round says "alexa, ask audio player sample to play audio", lets the music play, then "alexa," and the request
("pause" or "stop") in the voice of ``bench.live``. Reported per mode: how often the request was heard and acted
on (the right intent), and the echo return loss enhancement the canceller logged (the median over the chunks
where something played, music alone mostly). Also: the canceller's CPU on 30 s of music fed back, offline.

Needs ``../shared/samples/nodejs-audio-player`` and its npm packages (installed on first use).

Usage: ``nice python -m bench.echo [--rounds 3] [--gain 0.125]``
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from streams import encode, serve, tone  # noqa: E402

from assistant.audio.chunk import AudioChunk  # noqa: E402
from assistant.audio.echo import EchoCancelledSource, EchoOptions, EchoReference  # noqa: E402
from bench.live import Say, SoundServer, converse  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "samples" / "nodejs-audio-player"
SAMPLE_URL = "https://audio1.maxi80.com"
REQUESTS = {"pause": "AMAZON.PauseIntent", "stop": "System.Stop"}
"""What is said over the music, and the intent it is heard as (a stop without a session goes to the player)."""


def melody(gain: float) -> np.ndarray:
    """The live test's radio: two seconds of quarter-second notes."""
    notes = np.concatenate([tone(f, 0.25) for f in (440, 554, 659, 880, 659, 554, 440, 330)])
    return (notes * gain).astype(np.int16)


def offline_cpu(seconds: float = 30.0) -> float:
    """Share of one core the canceller takes on ``seconds`` of music fed back (60 ms late), computed offline."""
    t = np.arange(int(seconds * 16000)) / 16000
    played = (np.sin(2 * np.pi * 440 * t) * 1000).astype(np.int16)
    heard = np.concatenate([np.zeros(960), played[:-960]]).astype(np.int16)
    reference = EchoReference(seconds + 1)
    reference.write(played, 100.0)

    class Mic:
        rate, block_ms, realtime = 16000, 30, True

        def __enter__(self) -> Mic:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def __iter__(self):  # type: ignore[no-untyped-def]
            for first in range(0, heard.size - 479, 480):
                yield AudioChunk(heard[first : first + 480], 16000, first / 16000)

        def capture_time(self, at: float) -> float:
            return 100.0 + at

        def timeline(self, when: float) -> float:
            return when - 100.0

    source = EchoCancelledSource(Mic(), reference, EchoOptions())
    start = time.process_time()
    with source:
        for _ in source:
            pass
    return (time.process_time() - start) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per request and mode")
    parser.add_argument("--gain", type=float, default=0.125, help="the music's level (the live test's: 0.125)")
    parser.add_argument("--requests", default="pause,stop", help="what is said over the music, comma-separated")
    parser.add_argument("--breath", choices=("two", "one", "both"), default="two",
                        help='"alexa," then the request 1.5 s later (two), or "alexa, pause" in one breath (one)')
    parser.add_argument("--modes", default="echo,none", help="echo (the canceller), none (--no-echo-cancel)")
    parser.add_argument("--logs", type=Path, help="keep each round's stderr in this folder")
    args = parser.parse_args()
    from assistant.settings import Settings
    from assistant.skills import install

    with tempfile.TemporaryDirectory(prefix="bench-echo-") as tmp:
        folder = Path(tmp)
        data = folder / "data"
        settings = Settings(data_dir=data, cache_dir=data / "cache", include_bundled=False)
        install.install(SAMPLE, settings, name="audio-player", allow_network=True)
        mp3 = encode(melody(args.gain), folder / "melody.mp3", "libmp3lame").read_bytes()
        rows = []
        with serve(folder, tls=True, radio=mp3) as base:
            env = {"ASSISTANT_STREAM_URL_MAP": json.dumps({SAMPLE_URL: f"{base}/radio"})}
            modes = {"echo": ("echo canceller", []), "none": ("none", ["--no-echo-cancel"])}
            breaths = ("two", "one") if args.breath == "both" else (args.breath,)
            cases = [(modes[m], said, b) for m in args.modes.split(",") for said in args.requests.split(",")
                     for b in breaths]
            for (mode, extra), said, breath in cases:
                intent = REQUESTS[said]
                heard, erles = 0, []
                for index in range(args.rounds):
                    work = folder / f"{mode[:4]}-{said}-{breath}-{index}"
                    work.mkdir()
                    play = Say("alexa, ask audio player sample to play audio", answered=False, pause=8.0)
                    if breath == "one":
                        script = (play, Say(f"alexa, {said}", answered=False, pause=4.0))
                    else:
                        script = (play, Say("alexa,", answered=False, pause=1.5),
                                  Say(said, answered=False, pause=4.0))
                    with SoundServer(work / "pulse") as server:
                        server.loopback()
                        run = converse(server, work, script,
                                       ["-v", "--data-dir", str(data), "run", "--no-bundled", *extra],
                                       env=env, stop_signal=signal.SIGTERM)
                    turns = [(t["heard"], t["intent"]) for t in run.transcript["turns"] if t["kind"] == "speech"]
                    heard += turns[1:] == [(said, intent)]
                    found = re.search(r"echo canceller: (-?[\d.]+) dB", run.stderr)
                    if found:
                        erles.append(float(found.group(1)))
                    if args.logs:
                        args.logs.mkdir(parents=True, exist_ok=True)
                        (args.logs / f"{work.name}.log").write_text(run.stderr)
                    print(f"{mode}, {said!r} ({breath} breath) round {index + 1}: heard {turns[1:]}",
                          file=sys.stderr)
                erle = f"{np.median(erles):.1f} dB" if erles else "-"
                form = f"alexa, {said}" if breath == "one" else f"alexa, ... {said}"
                rows.append(f"| {mode} | {form} | {heard}/{args.rounds} | {erle} |")
    print(f"Music at gain {args.gain} (peaks {20 * np.log10(12000 * args.gain / 32768):.0f} dBFS), fed back:\n")
    print("| canceller | said over the music | heard and acted on | ERLE (median) |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nCanceller CPU, offline: {100 * offline_cpu():.1f}% of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
