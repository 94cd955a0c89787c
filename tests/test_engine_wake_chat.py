"""``assistant chat`` with the wake word inside a session: typed "alexa, …" lines, and ``--wake-word`` for another
phrase, with the bundled space-facts skill (Node, no dependencies) in its real worker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def chat(data: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(data), "chat", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_alexa_inside_a_session_by_typing(tmp_path: Path) -> None:
    done = chat(tmp_path, stdin="alexa, open space facts\nalexa, help\nAlexa stop\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "alexa> Welcome to space facts. Ask me for a fact, or name a planet.",
        "  reprompt: You can say, tell me a fact, or, tell me about Mars.",
        "  [space-facts: session open, listening]",
        "alexa> You can say, tell me a fact, or ask about a planet, like, tell me about Saturn. What would you like?",
        "  reprompt: What would you like?",
        "  [space-facts: session open, listening]",
        "alexa> Goodbye",
        "  [space-facts: session ended]",
    ]
    assert "invalid-response" not in done.stderr


def test_another_wake_word(tmp_path: Path) -> None:
    done = chat(
        tmp_path, "--wake-word", "hey computer", stdin="hey computer, open space facts\nhey computer stop\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["alexa> Goodbye", "  [space-facts: session ended]"]
