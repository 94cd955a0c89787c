"""Bad recordings get a clear error from every command that reads audio, and ``--output`` leaves nothing behind.

The issue's cases: a header-only WAV (was an IndexError in the decoder), and a 30 KB file that declares a 1 Hz
sample rate (was 300 s and 5.8 GB of resampling). Real files, real CLI processes.
"""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import wav
from assistant.audio.devices import FileSource
from assistant.audio.wav import MAX_RATE, MIN_RATE, read_wav, write_wav
from assistant.errors import AudioError

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "skills" / "hello-world"


def wav_bytes(rate: int, samples: int, channels: int = 1) -> bytes:
    """A 16-bit PCM WAV that declares ``rate`` Hz, holding ``samples`` frames of quiet noise."""
    data = np.random.default_rng(0).integers(-500, 500, samples * channels).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.fixture
def header_only(tmp_path: Path) -> Path:
    path = tmp_path / "header-only.wav"
    path.write_bytes(wav_bytes(16000, 0))
    assert path.stat().st_size == 44
    return path


@pytest.fixture
def one_hertz(tmp_path: Path) -> Path:
    path = tmp_path / "one-hertz.wav"
    path.write_bytes(wav_bytes(1, 15_000))  # 30 KB of samples, "15,000 seconds" at 1 Hz
    return path


def assistant(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )


def test_a_header_only_wav_is_a_clear_error(header_only: Path) -> None:
    with pytest.raises(
        AudioError, match=r"header-only\.wav: the file holds no audio samples \(only a header\)"
    ):
        read_wav(header_only)
    with pytest.raises(AudioError, match=r"no audio samples"), FileSource(header_only):
        pass


def test_a_1_hz_file_is_refused_at_once(one_hertz: Path) -> None:
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(
        AudioError, match=r"declares a sample rate of 1 Hz; only 8000\.\.192000 Hz is accepted"
    ):
        read_wav(one_hertz)
    assert time.monotonic() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB: nothing big was made


@pytest.mark.parametrize(
    ("rate", "accepted"),
    [(MIN_RATE - 1, False), (MIN_RATE, True), (44_100, True), (MAX_RATE, True), (MAX_RATE + 1, False)],
)
def test_sample_rate_range(tmp_path: Path, rate: int, accepted: bool) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(wav_bytes(rate, rate // 10))
    if accepted:
        assert read_wav(path).size == 1600
    else:
        with pytest.raises(AudioError, match=f"sample rate of {rate} Hz"):
            read_wav(path)


def test_durations_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wav, "MAX_SECONDS", 1.0)
    path = write_wav(tmp_path / "long.wav", np.zeros(32_000, np.int16))
    with pytest.raises(
        AudioError, match=r"long\.wav: the recording lasts more than 0 minutes \(2 s at 16000 Hz\)"
    ):
        read_wav(path)
    assert read_wav(write_wav(tmp_path / "short.wav", np.zeros(16_000, np.int16))).size == 16_000
    if shutil.which("sox") is None:
        return
    flac = tmp_path / "long.flac"
    subprocess.run(["sox", str(path), str(flac)], check=True)
    with pytest.raises(AudioError, match=r"long\.flac: the recording lasts more than"):
        read_wav(flac)


def test_a_flac_that_declares_a_silly_rate_is_refused(tmp_path: Path) -> None:
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    flac = tmp_path / "slow.flac"
    subprocess.run(
        ["sox", "-n", "-r", "1000", "-c", "1", "-b", "16", str(flac), "trim", "0", "1"], check=True
    )
    with pytest.raises(AudioError, match=r"slow\.flac: the file declares a sample rate of 1000 Hz"):
        read_wav(flac)


def test_write_wav_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "out.wav"
    with pytest.raises(AudioError, match=r"out\.wav: cannot write WAV"):
        write_wav(target, np.zeros(100, np.int16))
    out = write_wav(tmp_path / "out.wav", np.ones(100, np.int16))
    assert read_wav(out).size == 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]  # no temporary file left


# --- the commands that read audio ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["header_only", "one_hertz"])
def test_recognize_says_what_is_wrong(tmp_path: Path, case: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(case)
    done = assistant(tmp_path, "recognize", "--model", str(HELLO), str(path))
    assert done.returncode == 1
    assert f"assistant: {path}: the file " in done.stderr
    assert done.stderr.count(str(path)) == 1
    assert "Traceback" not in done.stderr and "IndexError" not in done.stderr


@pytest.mark.parametrize("case", ["header_only", "one_hertz"])
def test_run_with_a_bad_input_leaves_no_output_file(
    tmp_path: Path, case: str, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(case)
    out = tmp_path / "out.wav"
    done = assistant(tmp_path, "run", "--input", str(path), "--output", str(out))
    assert done.returncode != 0
    assert str(path) in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []

    out.write_bytes(b"an earlier result")  # an older file of that name is left as it was
    assistant(tmp_path, "run", "--input", str(path), "--output", str(out))
    assert out.read_bytes() == b"an earlier result"


def test_a_test_step_with_a_bad_recording_says_what_is_wrong(tmp_path: Path, header_only: Path) -> None:
    suite = tmp_path / "hello.yml"
    suite.write_text(
        "---\nconfiguration: {locale: en-US}\n---\n- test: a bad recording\n"
        f"- LaunchRequest: '*'\n- audio: {header_only.name}\n"
    )
    done = assistant(tmp_path, "test", "--skill", "hello world", str(suite))
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "the file holds no audio samples (only a header)" in output, output
    assert "Traceback" not in output and "IndexError" not in output
