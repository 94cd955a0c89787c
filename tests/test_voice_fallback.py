"""No sound device (this machine has none): ``assistant run`` says what is missing and falls back to text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.audio.devices import list_devices

ROOT = Path(__file__).resolve().parent.parent


def _has_microphone() -> bool:
    try:
        import sounddevice

        return any(d["max_input_channels"] > 0 for d in sounddevice.query_devices())
    except Exception:  # no PortAudio at all also means no microphone
        return False


@pytest.mark.skipif(_has_microphone(), reason="this machine has a microphone, so run would not fall back")
def test_run_without_a_microphone_falls_back_to_the_text_console(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(tmp_path), "run"],
        input=b"open space facts\ntell me about mars\n", capture_output=True, timeout=120, cwd=ROOT,
    )
    err, out = done.stderr.decode(), done.stdout.decode()
    assert done.returncode == 0, err
    assert "Traceback" not in err
    assert "no usable microphone" in err and "--input FILE.wav" in err  # what is missing, how to get going
    assert "starting the text console" in err
    assert "alexa> Welcome to space facts" in out
    assert "Olympus Mons" in out


@pytest.mark.skipif(_has_microphone(), reason="this machine has a microphone")
def test_no_arguments_starts_run_and_falls_back(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(tmp_path)],
        input=b"open space facts\n", capture_output=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr.decode()
    assert "alexa> Welcome to space facts" in done.stdout.decode()


def test_devices_lists_or_explains(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "devices"], capture_output=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0
    assert done.stdout.decode().strip() == list_devices().strip()
