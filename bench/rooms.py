"""Many rooms: real ``wyoming-satellite`` processes talking to one ``assistant run --satellite …``.

Each satellite's microphone is a WAV file played at the pace of real time (``bench/rooms_mic.py``), its speaker a
raw recording with the wall time of each reply's first byte (``bench/rooms_snd.py``): no sound card. The
satellites run from their own virtualenv (``wyoming-satellite`` 1.0.0 pins ``wyoming==1.4.1``), made once in the
cache (``~/.cache/assistant/wyoming-satellite-1.0.0``, from PyPI) by :func:`satellite_python`.

The benchmark: N satellites at once, each asking "alexa, ask space facts to tell me about <planet>" every few
seconds; latency is the end of the user's speech (from the microphone player's clock) to the first byte of the
reply at the satellite's speaker, per request. Then the CPU used by ``assistant run`` (its whole process tree)
while the N satellites stream silence. ``tests/test_rooms.py`` uses the same pieces.

Usage: ``nice python -m bench.rooms [--satellites 1,2,3,4] [--requests 6] [--idle-seconds 30]``
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.audio.wav import write_wav  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.tts.synth import silence, synthesize_samples  # noqa: E402

SATELLITE_VERSION = "1.0.0"
"""The wyoming-satellite release the rooms are tested with."""
MIC = Path(__file__).resolve().parent / "rooms_mic.py"
SND = Path(__file__).resolve().parent / "rooms_snd.py"
WAKE = Path(__file__).resolve().parent / "rooms_wake.py"
RATE = 16000
LOUD = 200


class RoomsError(Exception):
    """A satellite or the assistant could not be set up."""


def satellite_python(cache_dir: Path | None = None) -> Path:
    """The interpreter of a virtualenv with wyoming-satellite 1.0.0 (and its wyoming 1.4.1), made once in the
    cache from PyPI; RoomsError when it cannot be made (offline)."""
    cache_dir = cache_dir or Settings().cache_dir
    env = cache_dir / f"wyoming-satellite-{SATELLITE_VERSION}"
    python = env / "bin" / "python"
    if (env / ".ready").is_file():
        return python
    staging = env.with_name(f".{env.name}-{uuid.uuid4().hex}")
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        for command in (
            [sys.executable, "-m", "venv", str(staging)],
            [str(staging / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             f"wyoming-satellite=={SATELLITE_VERSION}"],
        ):
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
            if done.returncode != 0:
                raise RoomsError(f"{' '.join(command)} failed: {done.stderr.strip()[-1500:]}")
        (staging / ".ready").write_text(SATELLITE_VERSION + "\n")
        with contextlib.suppress(OSError):  # another process may have made it meanwhile: theirs is as good
            os.rename(staging, env)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not (env / ".ready").is_file():
        raise RoomsError(f"{env}: the satellite's environment was not made")
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def conversation(lines: list[tuple[str, float]], path: Path, voice: str = "en-us") -> list[tuple[float, float]]:
    """Write a WAV of ``(words, seconds of silence after)``; the (start, end) seconds of each spoken line."""
    parts, spans, cursor = [], [], 0
    for text, pause in lines:
        if text:
            speech = synthesize_samples(text, voice)
            loud = np.nonzero(np.abs(speech.astype(np.int32)) > LOUD)[0]
            spans.append(((cursor + loud[0]) / RATE, (cursor + loud[-1] + 1) / RATE))
            parts.append(speech)
            cursor += speech.size
        parts.append(silence(pause))
        cursor += round(pause * RATE)
    write_wav(path, np.concatenate(parts), RATE)
    return spans


@dataclass
class Reply:
    """One reply as the satellite's speaker received it."""

    at: float
    """Wall time of its first byte."""
    samples: np.ndarray
    """Its audio, 16 kHz int16."""


class Satellite:
    """A wyoming-satellite process (always streaming, or after its own wake word) with a WAV for a microphone and a
    file for a speaker."""

    def __init__(self, name: str, folder: Path, wav: Path, port: int | None = None,
                 python: Path | None = None, own_wake: bool = False) -> None:
        self.name = name
        self.folder = folder
        self.wav = wav
        self.port = port or free_port()
        self.python = python or satellite_python()
        self.own_wake = own_wake
        """Stream only after its own wake word (``bench/rooms_wake.py``), instead of always."""
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        f = self.folder
        py = str(self.python)
        command = [
            py, "-m", "wyoming_satellite", "--uri", self.uri, "--name", self.name,
            "--mic-command", shlex.join([py, str(MIC), "--wav", str(self.wav), "--go", str(f / "go"),
                                         "--log", str(f / "mic.log"), "--lines", "2" if self.own_wake else "1"]),
            "--snd-command", shlex.join([py, "-I", "-S", str(SND), "--out", str(f / "out.raw"),
                                         "--log", str(f / "snd.log")]),
            "--snd-command-rate", str(RATE), "--no-zeroconf",
            "--detect-command" if self.own_wake else "--streaming-start-command",
            shlex.join(["sh", "-c", f"echo go >> {shlex.quote(str(f / 'go'))}"]),
        ]
        if self.own_wake:
            command += ["--wake-command", shlex.join([py, "-I", "-S", str(WAKE)]), "--wake-word-name", "alexa"]
        self._log = open(f / "satellite.log", "ab")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RoomsError(f"satellite {self.name} exited: {(f / 'satellite.log').read_text()[-1500:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.1)
        raise RoomsError(f"satellite {self.name} does not listen on {self.uri}")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.kill()

    def kill(self) -> None:
        """Stop the satellite and its microphone and speaker processes."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def quiet_for(self, seconds: float) -> bool:
        """True when its speaker has received nothing for ``seconds``: the last reply has arrived whole (a reply
        counts in ``replies`` from its first byte)."""
        out = self.folder / "out.raw"
        return not out.is_file() or time.time() - out.stat().st_mtime >= seconds

    def started(self) -> float | None:
        """Wall time of the microphone WAV's first sample, once it is playing."""
        log = self.folder / "mic.log"
        return float(log.read_text().split()[0]) if log.is_file() and log.read_text().strip() else None

    def replies(self) -> list[Reply]:
        """What its speaker received, reply by reply."""
        log, out = self.folder / "snd.log", self.folder / "out.raw"
        if not log.is_file() or not out.is_file():
            return []
        data = out.read_bytes()
        marks = [(float(a), int(b)) for a, b in (line.split() for line in log.read_text().splitlines() if line)]
        replies = []
        for index, (at, offset) in enumerate(marks):
            end = marks[index + 1][1] if index + 1 < len(marks) else len(data)
            replies.append(Reply(at, np.frombuffer(data[offset:end][: (end - offset) // 2 * 2], "<i2")))
        return replies


def said(stdout: str, uri: str) -> list[str]:
    """What ``assistant run --satellite`` printed that it said in the room at ``uri``."""
    return re.findall(rf"^\[{re.escape(uri)}\] alexa> (.*)$", stdout, re.MULTILINE)


def whose(replies: dict[str, list[str]], recordings: dict[str, list[np.ndarray]], folder: Path) -> dict[str, list[str | None]]:
    """Decode each recorded reply with a grammar of every room's replies (``replies``: room → sentences said there):
    for each room's recordings, the room whose sentence was heard in each (None: rejected, no sentence fits)."""
    from assistant.asr.decoder import Recognizer
    from assistant.grammar.compiler import compile_session
    from assistant.model.loader import load_model

    def words(text: str) -> str:
        return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower().replace("-", " ")).split())

    intents = [{"name": f"Room{chr(ord('A') + i)}", "samples": sorted({words(t) for t in texts if words(t)})}
               for i, texts in enumerate(replies.values())]
    names = {intent["name"]: room for intent, room in zip(intents, replies, strict=True)}
    model = {"interactionModel": {"languageModel": {"invocationName": "reply check", "intents": intents}}}
    path = folder / "replies.json"
    path.write_text(json.dumps(model))
    grammar = compile_session(load_model(path, "en-US"))
    found: dict[str, list[str | None]] = {}
    with Recognizer() as recognizer:
        for room, recorded in recordings.items():
            found[room] = []
            for samples in recorded:
                result = recognizer.decode(np.asarray(samples, np.int16), grammar).result
                found[room].append(names.get(result.intent) if result is not None and result.intent else None)
    return found


class Assistant:
    """``assistant run --satellite …`` in a process of its own (``-v``: its log on stderr, in a file)."""

    def __init__(self, folder: Path, data_dir: Path, uris: list[str], extra: list[str] | None = None) -> None:
        self.folder = folder
        self.command = [sys.executable, "-m", "assistant.cli.main", "-v", "--data-dir", str(data_dir), "--seed", "1",
                        "run", *(a for uri in uris for a in ("--satellite", uri)), *(extra or [])]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._out = open(self.folder / "assistant.out", "wb")  # noqa: SIM115
        self._err = open(self.folder / "assistant.err", "wb")  # noqa: SIM115
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(self.command, stdout=self._out, stderr=self._err, env=env, cwd=ROOT,
                                        start_new_session=True)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()
        self._err.close()
        return self.process.returncode

    @property
    def stdout(self) -> str:
        return (self.folder / "assistant.out").read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return (self.folder / "assistant.err").read_text(errors="replace")


def wait_until(condition: object, timeout: float, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return False


PLANETS = ("mars", "jupiter", "saturn", "venus")
"""Planets whose answers are short (at most about 6 s)."""
GAP = 12.0
"""Seconds from one request to the next in a room: the request, the answer, a pause."""


@dataclass
class RoundResult:
    satellites: int
    latencies: list[float]
    missed: int
    idle_cpu: float
    own: list[float]
    """The assistant's own figure per request: end of speech (on the satellite's audio) to the reply sent."""


def run_round(count: int, requests: int, idle_seconds: float, folder: Path, data_dir: Path) -> RoundResult:
    """``count`` satellites at once, each asking ``requests`` questions, staggered evenly; then idle CPU."""
    python = satellite_python()
    folder.mkdir(parents=True, exist_ok=True)
    spans, sats = [], []
    for i in range(count):
        lines = [("", 2.0 + i * GAP / count)]
        lines += [(f"alexa, ask space facts to tell me about {PLANETS[(i + k) % len(PLANETS)]}", GAP - 3.0)
                  for k in range(requests)]
        wav = folder / f"room{i}.wav"
        spans.append(conversation(lines, wav))
        sats.append(Satellite(f"room {i}", folder / f"room{i}", wav, python=python))
    with contextlib.ExitStack() as stack:
        for sat in sats:
            stack.enter_context(sat)
        # espeak-ng plays the users: the keyphrase engine hears it (openWakeWord scores it near 0)
        extra = ["--wake-engine", "keyphrase", *([] if _sandbox() else ["--no-sandbox"])]
        assistant = stack.enter_context(Assistant(folder / "assistant", data_dir, [s.uri for s in sats], extra))
        length = 2.0 + GAP + requests * GAP + 15
        wait_until(lambda: all(len(s.replies()) >= requests for s in sats), length)
        wait_until(lambda: all(s.quiet_for(1.5) for s in sats), 30)
        time.sleep(3.0)  # the last replies end; from here on every room streams silence
        assert assistant.process is not None
        from bench.live import process_tree_cpu

        cpu0, t0 = process_tree_cpu(assistant.process.pid), time.monotonic()
        time.sleep(idle_seconds)
        cpu1, t1 = process_tree_cpu(assistant.process.pid), time.monotonic()
    own = [float(x) for x in re.findall(r"answered ([0-9.]+) s after the end of speech", assistant.stderr)]
    latencies, missed = [], 0
    for sat, room_spans in zip(sats, spans, strict=True):
        start = sat.started()
        replies = sat.replies()
        for index, (_, end) in enumerate(room_spans):
            said_at = (start or 0.0) + end
            until = (start or 0.0) + room_spans[index + 1][0] if index + 1 < len(room_spans) else float("inf")
            reply = next((r for r in replies if said_at < r.at < until), None)
            if start is None or reply is None:
                missed += 1
            else:
                latencies.append(reply.at - said_at)
    return RoundResult(count, latencies, missed, (cpu1 - cpu0) / (t1 - t0), own)


def _sandbox() -> bool:
    from assistant.skills.sandbox import probe

    return probe().available


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--satellites", default="1,2,3,4", help="satellite counts to run (default 1,2,3,4)")
    parser.add_argument("--requests", type=int, default=6, help="requests per satellite (default 6)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="idle CPU window (default 30)")
    parser.add_argument("--data-dir", type=Path, help="a data folder with the bundled skills set up (else made)")
    parser.add_argument("--keep", type=Path, help="keep the recordings and logs in this folder")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="assistant-rooms-"))
    data_dir = args.data_dir or folder / "data"
    print("| satellites at once | requests | p50 latency | p95 | worst | missed | assistant's own p50 | idle CPU "
          "(share of one core) | per satellite | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for count in (int(c) for c in args.satellites.split(",")):
        result = run_round(count, args.requests, args.idle_seconds, folder / f"n{count}", data_dir)
        lat = np.asarray(result.latencies) * 1000
        p50, p95, worst = ((float(np.percentile(lat, q)) for q in (50, 95, 100)) if lat.size else (0.0, 0.0, 0.0))
        own = float(np.percentile(np.asarray(result.own) * 1000, 50)) if result.own else 0.0
        print(f"| {count} | {lat.size} | {p50:.0f} ms | {p95:.0f} ms | {worst:.0f} ms | {result.missed} | {own:.0f} ms | "
              f"{result.idle_cpu:.1%} | {result.idle_cpu / count:.1%} | {os.getloadavg()[0]:.1f} |", flush=True)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
