"""``assistant chat`` and ``assistant skill``, with the 2015-style Node fixture skill (no dependencies to install)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
ANIMALS = ROOT / "tests" / "fixtures" / "skills" / "legacy-succeed"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def chat(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(data), "chat", "--no-bundled"]
    return subprocess.run(
        [*command, "--skill", str(ANIMALS), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_piped_lines_are_a_conversation_and_an_empty_line_is_silence(tmp_path: Path) -> None:
    done = chat(tmp_path, stdin="open legacy succeed\nwhat does a duck say\n\n\nwhat skills do i have\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "alexa> Welcome to animal sounds. Name an animal.",
        "  reprompt: Name an animal.",
        "  card: Animal Sounds: Welcome to animal sounds. Name an animal.",
        "  [legacy-succeed: session open, listening]",
        "alexa> A duck says quack.",
        "  reprompt: Name another animal.",
        "  card: Animal Sounds: A duck says quack.",
        "  [legacy-succeed: session open, listening]",
        "alexa> Name another animal.",
        "  reprompt: Name another animal.",
        "  [legacy-succeed: session open, listening]",
        "  [legacy-succeed: session ended]",
        "alexa> You have one skill: legacy succeed. Say, open legacy succeed.",
    ]


def test_one_shot_runs_one_utterance_and_ends_the_session(tmp_path: Path) -> None:
    done = chat(tmp_path, "ask legacy succeed what does a cow say", "--json")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    turn = json.loads(line)
    assert turn["result"] == {
        "intent": "AnimalSoundIntent",
        "slots": {"Animal": {"value": "cow", "resolved": {"name": "cow", "id": None}}},
        "skill": "legacy succeed",
        "launch": False,
    }
    (request,) = turn["requests"]
    assert request["session"]["new"] is True
    slot = request["request"]["intent"]["slots"]["Animal"]
    assert slot["value"] == "cow"
    assert slot["resolutions"]["resolutionsPerAuthority"][0]["status"] == {"code": "ER_SUCCESS_MATCH"}
    (response,) = turn["responses"]
    assert response["sessionAttributes"] == {"asked": 1}
    assert turn["text"] == "A cow says moo." and turn["session_open"] is True
    log = (tmp_path / "logs" / "legacy-succeed.log").read_text()
    assert log.count("event.session.application.applicationId=") == 2  # the intent, then SessionEndedRequest


def test_chat_renders_ssml_as_text() -> None:
    from assistant.tts.ssml import spoken_text

    assert spoken_text('<speak>Hi <break time="1s"/> there.</speak>', True) == "Hi there."
    assert spoken_text(" plain ", False) == "plain"


def test_skill_install_list_info_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert (
        main([*data, "skill", "install", str(ANIMALS), "--invocation", "animal sounds", "--name", "animals"])
        == 0
    )
    assert 'installed animals: say "open animal sounds"' in capsys.readouterr().out
    assert main([*data, "skill", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    mine = next(s for s in listed["skills"] if s["name"] == "animals")
    assert mine == {
        "name": "animals",
        "invocation": "animal sounds",
        "bundled": False,
        "runtime": "node",
        "active": True,
        "ready": True,
        "network": False,
    }
    assert main([*data, "skill", "info", "animal sounds", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["name"], info["layout"], info["handler"]) == ("animals", "legacy", "index.handler")
    assert info["network"] == "none"
    assert main([*data, "skill", "install", str(ANIMALS), "--invocation", "animal sounds"]) == 2
    assert "already used by installed skill 'animals'" in capsys.readouterr().err
    assert main([*data, "chat", "--no-bundled", "open animal sounds"]) == 0
    assert "Welcome to animal sounds" in capsys.readouterr().out
    assert main([*data, "skill", "remove", "animals"]) == 0
    # No terminal to confirm on: the skill goes, its data stays, and the user is told how to delete it (issue 15).
    assert capsys.readouterr().out == (
        "note: the data of animals (attributes, reminders, lists, purchases) is kept; --forget deletes it\n"
        "removed animals\n"
    )
    assert main([*data, "skill", "remove", "animals"]) == 2
    assert "no installed skill 'animals'" in capsys.readouterr().err


def test_list_shows_bundled_skills_and_what_they_need(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "skill", "list"]) == 0
    out = capsys.readouterr().out
    assert "'hello world'" in out and "bundled" in out
    assert "needs `assistant setup`" in out


def test_a_node_skill_never_installed_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its package.json names ask-sdk-core and no node_modules holds it: the user is told to install the skill,
    rather than hearing the worker fail with "Cannot find module 'ask-sdk-core'"; nothing is fetched."""
    folder = tmp_path / "number-keeper"
    shutil.copytree(ROOT / "tests" / "fixtures" / "skills" / "node-sdk-v2", folder)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "chat", "--no-bundled", "--skill", str(folder), "--json", "open number keeper"]) == 0
    turn = json.loads(capsys.readouterr().out)
    assert turn["text"] == "number keeper isn't installed yet. Run assistant skill install, and the skill's folder."
    assert f"run `assistant skill install {folder}` once" in turn["error"]
    assert "Cannot find module" not in turn["error"] and turn["session_open"] is False
    assert not (folder / "lambda" / "node_modules").exists()
