"""``assistant service install``: the unit files pass ``systemd-analyze verify`` (systemd's own checker)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.cli.main import main

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed "
                                "(Debian: apt-get install systemd; scripts/system-deps.sh installs it)")


def _verify(unit: Path, user: bool) -> None:
    command = ["systemd-analyze", *(["--user"] if user else []), "verify", str(unit)]
    runtime = unit.parent / "runtime"  # the user manager wants a runtime folder, even offline
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    about_ours = [line for line in (done.stdout + done.stderr).splitlines() if unit.name in line or str(unit) in line]
    assert done.returncode == 0 and not about_ours, done.stdout + done.stderr


@pytest.mark.parametrize("system", [False, True])
def test_the_unit_starts_at_boot_restarts_after_a_crash_and_verifies(
    system: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "units"
    args = ["--data-dir", str(tmp_path / "data"), "service", "install", "--unit-dir", str(folder),
            *(["--system", "--run-as", "root"] if system else []), "--", "run", "--satellite", "tcp://127.0.0.1:10700"]
    assert main(args) == 0
    unit = folder / "assistant.service"
    text = unit.read_text()
    assert "Restart=on-failure" in text
    assert ("WantedBy=multi-user.target" if system else "WantedBy=default.target") in text
    assert ("User=root" in text) is system
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith(f"--data-dir {tmp_path / 'data'} run --satellite tcp://127.0.0.1:10700")
    out = capsys.readouterr().out
    assert "enable --now assistant.service" in out
    assert ("enable-linger" in out) is not system
    _verify(unit, user=not system)


def test_a_broken_unit_fails_verification(tmp_path: Path) -> None:
    """The check can fail: a unit whose program does not exist."""
    unit = tmp_path / "assistant.service"
    unit.write_text("[Service]\nExecStart=/nonexistent/assistant run\n[Install]\nWantedBy=default.target\n")
    with pytest.raises(AssertionError):
        _verify(unit, user=False)


def test_the_service_cannot_run_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["service", "install", "--unit-dir", str(tmp_path), "--", "service", "install"]) == 2
    assert "cannot run `assistant service`" in capsys.readouterr().err
