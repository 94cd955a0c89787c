"""Speech synthesis behind a small Protocol: text or SSML in, 16 kHz mono int16 out, one sentence at a time.

``EspeakSpeaker`` speaks plain text through pyttsx3 (which loads libespeak-ng in-process) into a temporary WAV,
and SSML through the ``espeak-ng -m`` command line, which understands break, say-as, emphasis and prosody. It never
plays anything itself: pyttsx3's ``say()`` shells out to ``aplay``, so playing is left to an AudioSink.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.audio.wav import read_wav
from assistant.errors import AudioError
from assistant.tts.ssml import AudioClip, espeak_segments, split_sentences

log = logging.getLogger(__name__)

_SAVE_WAIT = 0.5
"""Seconds to wait for pyttsx3's callback thread to write its WAV after ``runAndWait`` returned."""

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

_PYTTSX3_LOCK = threading.Lock()
"""pyttsx3's espeak driver is one libespeak-ng instance per process; one synthesis at a time."""


class SynthesisError(AudioError):
    """Speech that cannot be synthesized: an unknown voice, or espeak-ng missing or failing."""


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
                yield self._plain(sentence)
            return
        for segment in espeak_segments(text):
            if isinstance(segment, AudioClip):
                clip = self._clip(segment.src)
                if clip.size:
                    yield clip
            else:
                yield self._cli(segment, markup=True)

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
        import pyttsx3

        with _PYTTSX3_LOCK, tempfile.TemporaryDirectory(prefix="assistant-tts-") as tmp:
            path = Path(tmp) / "speech.wav"
            engine = pyttsx3.init("espeak")
            engine.setProperty("voice", self.voice)
            engine.setProperty("rate", self.rate_wpm)
            engine.setProperty("volume", self.volume)
            engine.save_to_file(text, str(path))
            chatter = io.StringIO()
            with contextlib.redirect_stdout(chatter):  # pyttsx3 prints "Audio saved to ..." on stdout
                engine.runAndWait()
                if not path.exists():  # pyttsx3 2.99 sometimes returns before espeak's callback wrote the file
                    deadline = time.monotonic() + _SAVE_WAIT
                    while "saved" not in chatter.getvalue() and time.monotonic() < deadline:
                        time.sleep(0.005)  # it prints "Audio saved to ..." once the file is complete
            if chatter.getvalue().strip():
                log.debug("pyttsx3: %s", chatter.getvalue().strip())
            if not path.exists():
                raise SynthesisError("pyttsx3 finished without writing its WAV")
            return read_wav(path)

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
            return read_wav(path)
        except AudioError as exc:
            log.warning("skipping SSML audio %s: %s", src, exc)
            return np.zeros(0, np.int16)
