"""Speech synthesis behind a small Protocol: text or SSML in, 16 kHz mono int16 out, one sentence at a time.

``EspeakSpeaker`` speaks plain text through pyttsx3 into a temporary WAV, and SSML through the ``espeak-ng -m``
command line, which understands break, say-as, emphasis and prosody. It never plays anything itself: pyttsx3's
``say()`` shells out to ``aplay``, so playing is left to an AudioSink.

Synthesis never runs in the assistant's own process: pyttsx3 loads libespeak-ng, which segfaults on some very long
texts (10,000 words), so it runs in a helper process (``pyttsx3_helper.py``, kept warm, started again after a
crash); a crash there falls back to the command line, and a sentence that crashes that too is left unspoken with
an error in the log, so the assistant goes on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, runtime_checkable

import numpy as np

from assistant.audio.wav import read_wav
from assistant.errors import AudioError
from assistant.tts.ssml import AudioClip, espeak_segments, split_sentences

log = logging.getLogger(__name__)

CLIP_MAX_BYTES = 64 * 1024 * 1024
"""The largest local file an SSML ``<audio>`` may name, bytes (Alexa allows 240 s of audio per response: 46 MB of
48 kHz 16-bit stereo)."""
PYTTSX3_HELPER = Path(__file__).resolve().parent / "pyttsx3_helper.py"
"""The script that runs pyttsx3 in a process of its own."""

ENGLISH_VOICES: tuple[str, ...] = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
    "en-us+f2",
    "en-us+f3",
    "en-us+f4",
    "en-us+m3",
    "en-us+m7",
    "en-gb+f3",
    "en-gb+m3",
)
"""English espeak-ng voices (language, or language+variant) present in espeak-ng 1.51's data on Debian."""

_ESPEAK_TIMEOUT = 60.0
"""Seconds an ``espeak-ng`` run may take before it is killed."""



class SynthesisError(AudioError):
    """Speech that cannot be synthesized: an unknown voice, or espeak-ng missing or failing."""


class SynthesisCrash(SynthesisError):
    """The synthesizer's process died (a signal, such as a segfault in libespeak-ng) on some text."""


def _died(returncode: int) -> str:
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "unknown signal"
    return f"was killed by signal {-returncode} ({name})"


class Pyttsx3Process:
    """pyttsx3 in a helper process, started on first use, kept warm, and started again after it died.

    ``synthesize`` runs one text at a time; ``close`` stops the process (also at end of input, when the
    assistant is gone).
    """

    def __init__(self, timeout: float = _ESPEAK_TIMEOUT) -> None:
        self.timeout = timeout
        """Seconds one synthesis may take before the helper is killed."""
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def synthesize(self, text: str, voice: str, rate_wpm: int, volume: float) -> np.ndarray:
        """``text`` as 16 kHz mono int16 samples; SynthesisCrash when the helper dies on it."""
        with self._lock, tempfile.TemporaryDirectory(prefix="assistant-tts-") as tmp:
            path = Path(tmp) / "speech.wav"
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            request = {"text": text, "voice": voice, "rate": rate_wpm, "volume": volume, "path": str(path)}
            try:
                process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
                process.stdin.flush()
                answer = self._answer(process.stdout)
            except (BrokenPipeError, _Gone):
                returncode = self._reap()
                raise SynthesisCrash(f"pyttsx3's process {_died(returncode)} on {text[:60]!r}") from None
            except TimeoutError:
                self._reap(kill=True)
                raise SynthesisError(f"pyttsx3 took over {self.timeout:.0f} s on {text[:60]!r}") from None
            if answer != "ok":
                raise SynthesisError(f"pyttsx3 failed on {text[:60]!r}: {answer.removeprefix('error: ')}")
            return read_wav(path)

    def close(self) -> None:
        """Stop the helper process; closing a closed one does nothing."""
        with self._lock:
            if self._process is not None:
                self._reap(kill=False)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            if self._process is not None:
                self._reap()
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(PYTTSX3_HELPER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._process

    def _answer(self, stream: IO[bytes]) -> str:
        """The helper's one-line answer; _Gone at end of output, TimeoutError past the timeout."""
        deadline = time.monotonic() + self.timeout
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:
                    raise _Gone
                line += chunk
        return line.decode("utf-8", "replace").strip()

    def _reap(self, kill: bool = True) -> int:
        """Close the helper's pipes and wait for it (killing it if asked, or if it does not exit); its status."""
        process, self._process = self._process, None
        if process is None:
            return 0
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        if kill:
            process.kill()
        try:
            return process.wait(2.0)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


class _Gone(Exception):
    """The helper process closed its output (it died)."""


@runtime_checkable
class Speaker(Protocol):
    """Turns a reply into audio."""

    def synthesize(self, text: str, ssml: bool = False) -> np.ndarray:
        """The whole reply as 16 kHz mono int16 samples."""
        ...

    def synthesize_sentences(self, text: str, ssml: bool = False) -> Iterator[np.ndarray]:
        """The reply one sentence (or SSML audio clip) at a time, so playing can start before the rest is done."""
        ...


def espeak_binary() -> str:
    """The espeak-ng executable, or a SynthesisError saying how to install it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SynthesisError(
            "espeak-ng is not installed; install it (Debian/Ubuntu: `sudo apt install espeak-ng`, "
            "Fedora: `sudo dnf install espeak-ng`, macOS: `brew install espeak-ng`)"
        )
    return path


class EspeakSpeaker:
    """A Speaker using espeak-ng: pyttsx3 for plain text (the command line if that fails), ``espeak-ng -m`` for SSML."""

    def __init__(
        self, voice: str = "en-us", rate_wpm: int = 175, volume: float = 1.0, audio_dir: Path | None = None
    ) -> None:
        self.voice = voice
        """espeak-ng voice: a language (``en-us``) optionally with a variant (``en-us+f3``)."""
        self.rate_wpm = rate_wpm
        """Speaking rate, words per minute."""
        self.volume = volume
        """Loudness, 1.0 = espeak-ng's normal amplitude (up to 2.0)."""
        self.audio_dir = audio_dir
        """Folder against which relative ``<audio src>`` paths are resolved (None: the working directory)."""
        self._voice_checked = False
        self._backend = ""
        self._pyttsx3_process = Pyttsx3Process()

    def __enter__(self) -> EspeakSpeaker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pyttsx3 helper process (it is started again if the speaker is used later)."""
        self._pyttsx3_process.close()

    def synthesize(self, text: str, ssml: bool = False) -> np.ndarray:
        """The whole reply as 16 kHz mono int16 samples."""
        if not ssml:
            return self._plain(text)
        parts = list(self.synthesize_sentences(text, ssml=True))
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)

    def synthesize_sentences(self, text: str, ssml: bool = False) -> Iterator[np.ndarray]:
        """One array per sentence (and per SSML ``<audio>`` clip), each synthesized only when asked for."""
        if not ssml:
            for sentence in split_sentences(text):
                yield from self._unless_crashed(self._plain, sentence)
            return
        for segment in espeak_segments(text):
            if isinstance(segment, AudioClip):
                clip = self._clip(segment.src)
                if clip.size:
                    yield clip
            else:
                yield from self._unless_crashed(self._cli, segment, True)

    @staticmethod
    def _unless_crashed(synthesize: Callable[..., np.ndarray], *args: object) -> Iterator[np.ndarray]:
        """The sentence's audio, or nothing when synthesis crashed on it (said in the log): the reply goes on."""
        try:
            yield synthesize(*args)
        except SynthesisCrash as crash:
            log.error("a sentence is left unspoken: %s", crash)

    def _check_voice(self) -> None:
        """Fail early on a voice espeak-ng does not have (pyttsx3 would silently keep the previous one)."""
        if self._voice_checked:
            return
        done = subprocess.run(
            [espeak_binary(), "-v", self.voice, "-q", "x"], capture_output=True, timeout=_ESPEAK_TIMEOUT
        )
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            raise SynthesisError(
                f"espeak-ng has no voice {self.voice!r} ({detail}); English voices: {', '.join(ENGLISH_VOICES)}"
            )
        self._voice_checked = True

    def _use(self, backend: str) -> None:
        if backend != self._backend:
            log.info("speaking with %s", backend)
            self._backend = backend

    def _plain(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, np.int16)  # pyttsx3's loop never ends on empty text
        self._check_voice()
        try:
            samples = self._pyttsx3(text)
        except (
            Exception
        ) as exc:  # pyttsx3 and libespeak-ng fail in many ways; the command line is the fallback
            log.warning(
                "pyttsx3 failed (%s: %s); falling back to the espeak-ng command line", type(exc).__name__, exc
            )
            return self._cli(text, markup=False)
        self._use("pyttsx3 (libespeak-ng)")
        return samples

    def _pyttsx3(self, text: str) -> np.ndarray:
        return self._pyttsx3_process.synthesize(text, self.voice, self.rate_wpm, self.volume)

    def _cli(self, text: str, markup: bool) -> np.ndarray:
        if not markup:
            self._check_voice()
        cmd = [
            espeak_binary(),
            "-v",
            self.voice,
            "-s",
            str(self.rate_wpm),
            "-a",
            str(round(self.volume * 100)),
        ]
        cmd += ["-m"] if markup else []
        cmd += ["--stdout", "--stdin"]
        try:
            done = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=_ESPEAK_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise SynthesisError(f"espeak-ng took over {_ESPEAK_TIMEOUT:.0f} s on {text[:60]!r}") from exc
        if done.returncode < 0:
            raise SynthesisCrash(f"espeak-ng {_died(done.returncode)} on {text[:60]!r}")
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            raise SynthesisError(f"espeak-ng failed (exit {done.returncode}) on {text[:60]!r}: {detail}")
        self._use("the espeak-ng command line" + (" (SSML)" if markup else ""))
        return read_wav(done.stdout, name="espeak-ng output")

    def _clip(self, src: str) -> np.ndarray:
        """An ``<audio>`` clip from a local file, or nothing (with a log line) for URLs and unreadable files."""
        if "://" in src and not src.startswith("file://"):
            log.info("skipping SSML audio %s: only local files are played offline", src)
            return np.zeros(0, np.int16)
        path = Path(src.removeprefix("file://"))
        if not path.is_absolute():
            path = (self.audio_dir or Path.cwd()) / path
        try:
            info = path.stat()
        except OSError as exc:
            log.warning("skipping SSML audio %s: %s", src, exc.strerror or exc)
            return np.zeros(0, np.int16)
        if not stat.S_ISREG(info.st_mode) or info.st_size > CLIP_MAX_BYTES:
            # A skill names the file: /dev/zero or a FIFO would never end, a huge file would fill the memory.
            what = "not a regular file" if not stat.S_ISREG(info.st_mode) else f"over {CLIP_MAX_BYTES:,} bytes"
            log.warning("skipping SSML audio %s: %s", src, what)
            return np.zeros(0, np.int16)
        try:
            return read_wav(path)
        except AudioError as exc:
            log.warning("skipping SSML audio %s: %s", src, exc)
            return np.zeros(0, np.int16)
