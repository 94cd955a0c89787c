"""The live run: ``assistant run`` on the default devices of a real PulseAudio server with virtual devices.

A private PulseAudio server (Debian's ``pulseaudio``, no root needed, nothing of the machine's own sound touched)
gets three null sinks:

- ``mic``: the microphone. Its monitor is the default source, so ``assistant run`` hears what is played into it;
  the user's speech is played into it with ``paplay``.
- ``speaker``: the default sink. The assistant speaks into it; its monitor is recorded with ``parec``. That
  recording is where the sound leaves: latency is measured there, not where the reply was queued.
- ``both``: a combine sink over the two, used to play a click into both at once, so the two recordings are put on
  one timeline to the sample.

``--loopback`` (and the live test) also feeds the speaker back into the microphone (``module-loopback``), as a
speaker beside a microphone would: the assistant must not take its own voice for the user.

Reported, as a markdown table: end of the user's speech (last loud sample played into the microphone) → first
sample of the reply in the speaker recording, p50 and p95; the same from the endpoint event where the transcript
has one; and the CPU that ``assistant run`` (with its helper and skill processes) uses while idle listening for the
wake word, from ``/proc/PID/stat`` (utime + stime), as a share of one core.

Usage: ``python -m bench.live [--rounds 6] [--idle-seconds 60] [--keep DIR]``

The same pieces drive ``tests/test_live_sound.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.audio.wav import write_wav  # noqa: E402
from assistant.tts.synth import synthesize_wav  # noqa: E402

RATE = 16000
"""Sample rate of the recordings and of the speech played into the microphone, Hertz."""
LOUD = 200
"""A sample louder than this (int16) is sound, not silence: the speech here is synthesized, the devices virtual."""
CLICK = 12000
"""The alignment click's amplitude (int16), louder than any speech played."""
PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins"
"""The Debian packages the live run needs (libasound2-plugins: ALSA's default device goes to PulseAudio)."""


class SoundServerError(Exception):
    """The sound server cannot be started or driven here; the message says why."""


# -- the server -------------------------------------------------------------------------------------------------
class SoundServer:
    """A private PulseAudio server with a ``mic``, a ``speaker`` and a ``both`` sink, started and stopped here.

    ``env`` is the environment for its clients: PulseAudio's tools, and ``assistant run`` (through the ALSA
    ``pulse`` plugin, which is ALSA's default device while a server runs).
    """

    def __init__(self, folder: Path, start_timeout: float = 30.0) -> None:
        self.folder = Path(folder)
        """Where the server's socket, state and log live."""
        self.start_timeout = start_timeout
        """Seconds to wait for the server to answer."""
        self.env: dict[str, str] = {}
        """Environment variables for the server's clients."""
        self._process: subprocess.Popen[bytes] | None = None
        self._log = self.folder / "pulseaudio.log"
        self._modules: list[str] = []

    def __enter__(self) -> SoundServer:
        missing = [tool for tool in ("pulseaudio", "pactl", "paplay", "parec") if shutil.which(tool) is None]
        if missing:
            raise SoundServerError(f"{', '.join(missing)} not found; install: apt-get install {PACKAGES}")
        runtime, state = self.folder / "runtime", self.folder / "state"
        for path in (runtime, state):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        socket = runtime / "native"
        client_conf = self.folder / "client.conf"
        client_conf.write_text("autospawn = no\n")
        self.env = {
            **os.environ,
            "PULSE_SERVER": f"unix:{socket}",
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_STATE_PATH": str(state),
            "PULSE_CLIENTCONFIG": str(client_conf),
        }
        for name in ("PULSE_SINK", "PULSE_SOURCE"):
            self.env.pop(name, None)
        command = [
            "pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
            "--enable-memfd=no", "--log-target=stderr", "--log-level=warning",
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
            "--load=module-null-sink sink_name=mic sink_properties=device.description=Microphone",
            "--load=module-null-sink sink_name=speaker sink_properties=device.description=Speaker",
            "--load=module-combine-sink sink_name=both slaves=mic,speaker",
        ]
        log = self._log.open("wb")
        try:
            self._process = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._process.poll() is not None:
                raise SoundServerError(f"pulseaudio exited with status {self._process.returncode}: {self.log_tail()}")
            if self._pactl_ok("info"):
                break
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise SoundServerError(f"pulseaudio did not answer in {self.start_timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.2)
        self.pactl("set-default-sink", "speaker")
        self.pactl("set-default-source", "mic.monitor")
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return None if self._process is None else self._process.pid

    def kill(self) -> None:
        """Kill the server outright (a sound server that dies)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def log_tail(self, lines: int = 8) -> str:
        """The end of the server's log, on one line."""
        try:
            text = self._log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"

    def _pactl_ok(self, *args: str) -> bool:
        done = subprocess.run(["pactl", *args], env=self.env, capture_output=True, timeout=30, check=False)
        return done.returncode == 0

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` on this server; its output (a SoundServerError with pactl's message on failure)."""
        done = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=30,
                              check=False)
        if done.returncode != 0:
            raise SoundServerError(f"pactl {' '.join(args)}: {done.stderr.strip() or done.returncode}")
        return done.stdout.strip()

    def loopback(self) -> str:
        """Feed the speaker back into the microphone; the module id (``unload`` takes it)."""
        return self.pactl("load-module", "module-loopback", "source=speaker.monitor", "sink=mic",
                          "latency_msec=60", "source_dont_move=true", "sink_dont_move=true")

    def unload(self, module: str) -> None:
        """Unload a module loaded by ``loopback``."""
        self.pactl("unload-module", module)

    def play(self, wav: Path, device: str = "mic", timeout: float = 60.0) -> None:
        """Play a WAV into a sink with ``paplay`` and wait until it has been played."""
        done = subprocess.run(["paplay", f"--device={device}", str(wav)], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise SoundServerError(f"paplay {wav.name} into {device}: {done.stderr.strip() or done.returncode}")


# -- recording --------------------------------------------------------------------------------------------------
class _Capture:
    """``parec`` of one source into memory, readable while it runs."""

    def __init__(self, server: SoundServer, source: str) -> None:
        self.source = source
        self._process = subprocess.Popen(
            ["parec", f"--device={source}", "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=20"],
            env=server.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name=f"parec {source}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        while data := os.read(stream.fileno(), 8192):
            with self._lock:
                self._chunks.append(data)

    def samples(self) -> np.ndarray:
        """Everything recorded so far, int16."""
        with self._lock:
            data = b"".join(self._chunks)
        return np.frombuffer(data[: len(data) // 2 * 2], np.int16)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._thread.join(10)


@dataclass(frozen=True, slots=True)
class Tracks:
    """The microphone and the speaker on one timeline (0 = the first alignment click), int16 at ``RATE``."""

    mic: np.ndarray
    """What was played into the microphone."""
    speaker: np.ndarray
    """What the assistant played."""


class Recording:
    """Records the microphone's and the speaker's monitors at once; ``tracks()`` puts them on one timeline."""

    def __init__(self, server: SoundServer, folder: Path) -> None:
        self.server = server
        self._click = _click_wav(Path(folder) / "click.wav")
        self._mic: _Capture | None = None
        self._speaker: _Capture | None = None

    def __enter__(self) -> Recording:
        self._mic = _Capture(self.server, "mic.monitor")
        self._speaker = _Capture(self.server, "speaker.monitor")
        time.sleep(0.5)
        self.server.play(self._click, "both")
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        for capture in (self._mic, self._speaker):
            if capture is not None:
                capture.stop()

    def speaker_now(self) -> np.ndarray:
        """The speaker recording so far (its own timeline; for waiting on the assistant)."""
        assert self._speaker is not None
        return self._speaker.samples()

    def tracks(self) -> Tracks:
        """Both recordings so far, aligned on the click played into both sinks at the start."""
        assert self._mic is not None and self._speaker is not None
        mic, speaker = self._mic.samples(), self._speaker.samples()
        starts = []
        for name, track in (("microphone", mic), ("speaker", speaker)):
            loud = np.nonzero(np.abs(track.astype(np.int32)) > CLICK // 2)[0]
            if loud.size == 0:
                raise SoundServerError(f"the alignment click is missing from the {name} recording")
            starts.append(int(loud[0]))
        return Tracks(mic[starts[0] :], speaker[starts[1] :])


def _click_wav(path: Path) -> Path:
    t = np.arange(int(0.02 * RATE)) / RATE
    click = (CLICK * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    samples = np.concatenate([click, np.zeros(int(0.2 * RATE), np.int16)])
    from assistant.audio.wav import write_wav

    write_wav(path, samples, RATE)
    return path


def sound_spans(samples: np.ndarray, gap: float = 0.6, start: float = 0.1) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches with sound, split at silences longer than ``gap`` seconds; the
    first ``start`` seconds (the alignment click) are left out."""
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > LOUD)[0]
    loud = loud[loud >= int(start * RATE)]
    if loud.size == 0:
        return []
    breaks = np.nonzero(np.diff(loud) > gap * RATE)[0]
    firsts = [loud[0], *loud[breaks + 1]]
    lasts = [*loud[breaks], loud[-1]]
    return [(a / RATE, (b + 1) / RATE) for a, b in zip(firsts, lasts, strict=True)]


def first_sound(samples: np.ndarray, after: float, before: float | None = None) -> float | None:
    """Seconds of the first loud sample in ``[after, before)``, or None."""
    first = int(after * RATE)
    last = samples.size if before is None else min(samples.size, int(before * RATE))
    loud = np.nonzero(np.abs(samples[first:last].astype(np.int32)) > LOUD)[0]
    return None if loud.size == 0 else (first + int(loud[0])) / RATE


# -- the assistant ----------------------------------------------------------------------------------------------
class AssistantProcess:
    """``assistant run`` as a subprocess, in its own process group (as from a terminal); stdout lines are kept
    with the time each arrived, stderr goes to a file."""

    def __init__(self, args: Sequence[str], env: dict[str, str], folder: Path, console: bool = False) -> None:
        self.args = list(args)
        """The arguments after ``assistant``."""
        self.console = console
        """Its stdin is a pipe that ``type`` writes lines into (else it reads nothing)."""
        self.env = env
        """Its environment (the sound server's)."""
        self.stderr_path = Path(folder) / "assistant.stderr"
        """Where its stderr goes."""
        self.lines: list[tuple[float, str]] = []
        """Its stdout so far: (time.monotonic() on arrival, line)."""
        self.process: subprocess.Popen[str] | None = None
        self._new = queue.Queue[None]()
        self._reader: threading.Thread | None = None

    def __enter__(self) -> AssistantProcess:
        with self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli.main", *self.args], cwd=ROOT,
                env={**self.env, "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps its threads' stacks (``stuck``)
                stdin=subprocess.PIPE if self.console else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                text=True, start_new_session=True, preexec_fn=_as_in_a_terminal,
            )
        self._reader = threading.Thread(target=self._read, name="assistant stdout", daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if self._reader is not None:
            self._reader.join(10)

    def type(self, line: str) -> None:
        """Type ``line`` and Enter at its console (``console`` only)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))
            self._new.put(None)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, since: int = 0) -> int:
        """Index of the first stdout line from ``since`` on that satisfies ``predicate``; an AssertionError with
        the output so far after ``timeout`` seconds or if the process ends first."""
        deadline = time.monotonic() + timeout
        while True:
            for index in range(since, len(self.lines)):
                if predicate(self.lines[index][1]):
                    return index
            assert self.process is not None
            if self.process.poll() is not None and self._reader is not None and not self._reader.is_alive():
                raise AssertionError(f"assistant run ended (status {self.process.returncode}) first:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing matching came in {timeout:.0f} s:\n{self.output()}")
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=0.2)

    def signal(self, signum: int, group: bool = False) -> None:
        """Send ``signum`` to the assistant (``group``: to its whole process group, as a terminal's Ctrl-C)."""
        assert self.process is not None
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)

    def finish(self, timeout: float = 30.0) -> int:
        """Wait for the exit status."""
        assert self.process is not None
        return self.process.wait(timeout)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output(self, since: float | None = None, tail: int = 30) -> str:
        """stdout and stderr so far, for failure messages (with ``since``, a monotonic time: each stdout line
        with its arrival in seconds from then)."""
        if since is None:
            out = "\n".join(line for _, line in self.lines[-40:])
        else:
            out = "\n".join(f"{at - since:+7.2f} s  {line}" for at, line in self.lines[-40:])
        err = "\n".join(self.stderr().splitlines()[-tail:])
        return f"--- stdout (end)\n{out}\n--- stderr (end)\n{err}"

    def stuck(self, signalled: float) -> str:
        """What a run that ignored its stop signal (sent at ``signalled``) was doing: its threads' stacks, dumped
        by the fault handler on SIGABRT (it runs with ``PYTHONFAULTHANDLER``), and its output, timed from the
        signal."""
        assert self.process is not None
        masks = signal_masks(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        return f"{self.output(signalled, tail=120)}\n--- signal masks (hex; SIGINT is bit 1, 0x2)\n{masks}"


def _as_in_a_terminal() -> None:
    """In the child, before ``assistant run`` starts: Ctrl-C and Ctrl-\\ acted on, as in a terminal's foreground
    job. A shell without job control starts background jobs with SIGINT and SIGQUIT ignored, and a benchmark or
    test suite started that way (``.ci/run &``) would pass that on: the run would ignore its stop signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def signal_masks(pid: int) -> str:
    """The pending, blocked, ignored and caught signal masks of ``pid`` and of each of its threads (from /proc):
    a stop signal that nothing acts on is pending behind a mask, ignored, or caught by a handler that is not
    Python's."""
    lines = []
    for status in [Path(f"/proc/{pid}/status"), *sorted(Path(f"/proc/{pid}/task").glob("*/status"))]:
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            keys = ("Name", "ShdPnd", "SigPnd", "SigBlk", "SigIgn", "SigCgt")
            lines.append(f"{status.parent.name}: " + " ".join(f"{k}={fields.get(k, '?').strip()}" for k in keys))
    return "\n".join(lines)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and every process descended from it."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])  # field 4, ppid
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # fields 14 and 15: utime, stime
    tree, total = {pid}, 0.0
    for candidate in sorted(parents):  # children have larger ids, except after wrap-around: walk up instead
        walk = candidate
        for _ in range(64):
            if walk in tree:
                tree.add(candidate)
                break
            walk = parents.get(walk, 0)
            if walk <= 1:
                break
    for member in tree:
        total += times.get(member, 0.0)
    return total


# -- a conversation ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Say:
    """One thing the user says, and whether the assistant answers it aloud."""

    text: str
    """The words (synthesized in ``USER_VOICE``)."""
    answered: bool = True
    """False when no spoken reply is expected (the driver then only waits ``pause`` seconds)."""
    pause: float = 1.0
    """Seconds of silence after the reply before the next thing is said."""


@dataclass
class LiveRun:
    """What one live conversation produced."""

    tracks: Tracks
    """Both recordings on one timeline."""
    said: list[tuple[str, float, float]]
    """(text, start, end) of each utterance played into the microphone, seconds on the tracks' timeline."""
    transcript: dict[str, Any]
    """``--transcript`` as written by ``assistant run``."""
    status: int
    """The exit status of ``assistant run``."""
    stdout: list[str] = field(default_factory=list)
    """Its console output."""
    stderr: str = ""
    """Its error output."""

    def latencies(self) -> list[float | None]:
        """For each answered utterance: end of its speech → first sound from the speaker, seconds (None: none
        before the next utterance)."""
        out: list[float | None] = []
        for index, (_, _, end) in enumerate(self.said):
            before = self.said[index + 1][1] if index + 1 < len(self.said) else None
            onset = first_sound(self.tracks.speaker, end, before)
            out.append(None if onset is None else onset - end)
        return out


USER_VOICE = "festival-slt-hts"
"""The user's voice: a natural one (festival's HTS voice, see bench/voices.py). openWakeWord, trained on people,
does not hear some espeak-ng voices say "alexa" at all."""


def user_speech(text: str, path: Path) -> Path:
    """``text`` said in ``USER_VOICE`` into a WAV file (espeak-ng when festival is not installed)."""
    from bench import voices

    try:
        samples = voices.synthesize(text, USER_VOICE)
    except Exception as exc:  # noqa: BLE001 - festival missing: say so, and use espeak-ng
        print(f"(user voice {USER_VOICE} unavailable: {exc}; using espeak-ng)", file=sys.stderr)
        return synthesize_wav(text, path)
    write_wav(path, samples, RATE)
    return path


def converse(
    server: SoundServer,
    folder: Path,
    script: Sequence[Say],
    run_args: Sequence[str],
    env: dict[str, str] | None = None,
    reply_timeout: float = 45.0,
    start_timeout: float = 120.0,
    stop_signal: int = signal.SIGINT,
    after: Callable[[AssistantProcess, Recording], None] | None = None,
    require_replies: bool = True,
    console: bool = False,
) -> LiveRun:
    """Start ``assistant run`` on the server's default devices, say ``script`` into the microphone (each line
    once the reply to the one before has been heard out), stop it with ``stop_signal`` and collect everything.

    ``run_args`` go after ``assistant``; ``--transcript`` is added. ``after`` runs once the script is said
    (with ``console``, it may type at the assistant's console: ``AssistantProcess.type``).
    A line not answered aloud within ``reply_timeout`` seconds is an AssertionError, unless not
    ``require_replies`` (the benchmark: it is counted, and the script goes on).
    """
    folder = Path(folder)
    wavs = []
    for index, say in enumerate(script):
        wavs.append(user_speech(say.text, folder / f"say-{index}.wav"))
    transcript_path = folder / "transcript.json"
    args = [*run_args, "--transcript", str(transcript_path)]
    said: list[tuple[str, float, float]] = []
    with Recording(server, folder) as recording, AssistantProcess(args, {**server.env, **(env or {})}, folder,
                                                                 console) as assistant:
        assistant.wait_for(lambda line: line.startswith("(waiting for") or "listening" in line, start_timeout)
        time.sleep(1.0)
        for say, wav in zip(script, wavs, strict=True):
            before = recording.tracks()
            server.play(wav)
            spans = sound_spans(recording.tracks().mic[before.mic.size :])
            if not spans:
                raise SoundServerError(f"{say.text!r} played into the microphone was not recorded")
            said.append((say.text, before.mic.size / RATE + spans[0][0], before.mic.size / RATE + spans[-1][1]))
            if say.answered and not _wait_for_reply(recording, said[-1][2], reply_timeout) and require_replies:
                raise AssertionError(f"no spoken reply to {say.text!r} within {reply_timeout:.0f} s:\n"
                                     f"{assistant.output()}")
            time.sleep(say.pause)
        if after is not None:
            after(assistant, recording)
        signalled = time.monotonic()
        assistant.signal(stop_signal, group=stop_signal == signal.SIGINT)  # Ctrl-C reaches the whole group
        try:
            status = assistant.finish(60)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"assistant run did not stop within 60 s of signal {stop_signal}:\n"
                                 f"{assistant.stuck(signalled)}") from exc
        time.sleep(0.2)
        tracks = recording.tracks()
    try:
        transcript = json.loads(transcript_path.read_text())
    except (OSError, ValueError) as exc:
        raise AssertionError(f"no transcript from assistant run ({exc}):\n{assistant.output()}") from exc
    return LiveRun(tracks, said, transcript, status, [line for _, line in assistant.lines], assistant.stderr())


def _wait_for_reply(recording: Recording, end: float, timeout: float) -> bool:
    """Wait until the speaker has said something after ``end`` (tracks' time) and been quiet for 1.2 s since;
    False if it said nothing within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        speaker = recording.tracks().speaker
        onset = first_sound(speaker, end)
        if onset is None:
            continue
        spans = sound_spans(speaker[int(onset * RATE) :], gap=0.6, start=0.0)
        if spans and speaker.size / RATE - (onset + spans[-1][1]) >= 1.2:
            return True
    return False


# -- the benchmark ----------------------------------------------------------------------------------------------
ROUND = (
    Say("alexa, open wise guy"),
    Say("who's there"),
    Say("pasta who"),
    Say("no"),
)
"""One round of the benchmark: a whole knock-knock joke, four replies."""


def setup_skills(data_dir: Path) -> None:
    """``assistant --data-dir DIR setup``: the bundled skills' environments (pip, once per folder)."""
    done = subprocess.run([sys.executable, "-m", "assistant.cli.main", "--data-dir", str(data_dir), "setup"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise SoundServerError(f"assistant setup failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def idle_cpu(server: SoundServer, folder: Path, seconds: float, run_args: Sequence[str]) -> float:
    """Share of one core used by ``assistant run`` (its whole process tree) while idle for ``seconds``."""
    with AssistantProcess(list(run_args), server.env, folder) as assistant:
        assistant.wait_for(lambda line: line.startswith("(waiting for"), 120)
        time.sleep(5.0)  # the helper and the skills finish starting
        cpu0, t0 = process_tree_cpu(assistant.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = process_tree_cpu(assistant.pid), time.monotonic()
        assistant.signal(signal.SIGINT, group=True)
        assistant.finish(60)
    return (cpu1 - cpu0) / (t1 - t0)


def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="knock-knock jokes (4 replies each); default 5")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="idle CPU window, seconds")
    parser.add_argument("--loopback", action="store_true", help="feed the speaker back into the microphone")
    parser.add_argument("--keep", type=Path, help="keep the recordings and transcripts in this folder")
    parser.add_argument("--run-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for `assistant run` (repeat), e.g. --run-arg=--wake-engine "
                             "--run-arg=dual")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    run_args = ["--data-dir", str(folder / "data"), "--seed", "1", "run", *args.run_arg]
    setup_skills(folder / "data")
    from_end: list[float] = []
    from_endpoint: list[float] = []
    reported: list[float] = []
    missing = 0
    with SoundServer(folder / "pulse") as server:
        if args.loopback:
            server.loopback()
        script = [say for _ in range(args.rounds) for say in ROUND]
        run = converse(server, folder, script, run_args, require_replies=False, reply_timeout=20.0)
        (folder / "live.json").write_text(json.dumps({"said": run.said, "latencies": run.latencies()}, indent=1))
        from assistant.audio.wav import write_wav

        write_wav(folder / "mic.wav", run.tracks.mic, RATE)
        write_wav(folder / "speaker.wav", run.tracks.speaker, RATE)
        turns = [t for t in run.transcript["turns"] if t["kind"] == "speech" and t["speech_end"] is not None]
        # The input's timeline is the recording's, shifted: matched on the first request (always answered).
        shift = run.said[0][2] - turns[0]["speech_end"] if turns else 0.0
        for (_, _, end), latency in zip(run.said, run.latencies(), strict=True):
            if latency is None:
                missing += 1
                continue
            from_end.append(latency)
            near = [t for t in turns if abs(t["speech_end"] + shift - end) < 0.5]
            if near:
                turn = near[0]
                if turn["at"] is not None:
                    # the endpoint event came (at - speech_end) after the detected end of speech
                    from_endpoint.append(latency - (turn["at"] - turn["speech_end"]))
                if turn["latency"]["from_speech_end"] is not None:
                    reported.append(turn["latency"]["from_speech_end"])
        cpu = idle_cpu(server, folder, args.idle_seconds, run_args)
    rows = [
        ("end of speech → first reply sample (speaker recording)", from_end),
        ("endpoint event → first reply sample (speaker recording)", from_endpoint),
        ("end of speech → reply, as the transcript reports it", reported),
    ]
    print(f"Live run: {len(run.said)} requests through PulseAudio ({run.status=}), {missing} unanswered.\n")
    print("| measure | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for name, values in rows:
        if values:
            print(f"| {name} | {len(values)} | {_pct(values, 50) * 1000:.0f} | {_pct(values, 95) * 1000:.0f} "
                  f"| {max(values) * 1000:.0f} |")
        else:
            print(f"| {name} | 0 | - | - | - |")
    print(f"| CPU while idle listening ({args.idle_seconds:.0f} s, whole process tree) | | {cpu * 100:.1f}% of one core | | |")
    underruns = sum("underrun" in line.lower() for line in run.stderr.splitlines())
    print(f"\nunderrun lines on stderr: {underruns}; transcript p50 {run.transcript['summary']}")
    print(f"recordings and transcripts: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
