"""Deterministic synthetic speech for tests and benchmarks: the same text always gives the same bytes.

``espeak-ng -w`` renders the text in a fresh process (no state carried over from earlier sentences), and
``sox -R`` converts it to 16 kHz mono 16-bit without random dither.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assistant.audio.wav import SAMPLE_RATE, read_wav
from assistant.tts.speaker import SynthesisError, espeak_binary

_TIMEOUT = 60.0
"""Seconds either tool may take before it is killed."""


def _run(cmd: list[str], text: str | None = None) -> None:
    try:
        done = subprocess.run(
            cmd, input=None if text is None else text.encode(), capture_output=True, timeout=_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise SynthesisError(f"{cmd[0]} took over {_TIMEOUT:.0f} s") from exc
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise SynthesisError(f"{Path(cmd[0]).name} failed (exit {done.returncode}): {detail}")


def synthesize_wav(
    text: str, path: str | Path, voice: str = "en-us", rate_wpm: int | None = None, pitch: int | None = None
) -> Path:
    """Speak ``text`` into a 16 kHz mono 16-bit WAV at ``path``, byte-identical on every run; returns the path.

    ``rate_wpm`` is words per minute (espeak-ng's default 175), ``pitch`` 0-99 (default 50).
    """
    sox = shutil.which("sox")
    if sox is None:
        raise SynthesisError("sox is not installed; install it (Debian/Ubuntu: `sudo apt install sox`)")
    cmd = [espeak_binary(), "-v", voice]
    cmd += ["-s", str(rate_wpm)] if rate_wpm is not None else []
    cmd += ["-p", str(pitch)] if pitch is not None else []
    out = Path(path)
    with tempfile.TemporaryDirectory(prefix="assistant-synth-") as tmp:
        raw = Path(tmp) / "espeak.wav"
        _run([*cmd, "-w", str(raw), "--stdin"], text)
        _run([sox, str(raw), "-R", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)])
    return out


def synthesize_samples(
    text: str, voice: str = "en-us", rate_wpm: int | None = None, pitch: int | None = None
) -> np.ndarray:
    """``synthesize_wav`` straight to 16 kHz mono int16 samples."""
    with tempfile.TemporaryDirectory(prefix="assistant-synth-") as tmp:
        return read_wav(synthesize_wav(text, Path(tmp) / "speech.wav", voice, rate_wpm, pitch))


def silence(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    """``seconds`` of digital silence as int16 samples at ``rate`` Hertz."""
    return np.zeros(round(seconds * rate), np.int16)


def concat_wavs(parts: Iterable[np.ndarray | str | Path]) -> np.ndarray:
    """One 16 kHz int16 recording from parts: arrays (already 16 kHz int16) and WAV paths (any format)."""
    arrays = [read_wav(p) if isinstance(p, str | Path) else np.asarray(p, np.int16) for p in parts]
    return np.concatenate(arrays) if arrays else np.zeros(0, np.int16)
