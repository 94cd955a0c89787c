"""``assistant test`` end to end: the real CLI, real skill workers in environments built from their requirements,
the real NLU, and in voice mode real espeak-ng speech through the real recogniser.

The skills' environments are built once per test session in a scratch cache (pip / npm; about a minute with a
warm pip cache, skipped offline) and found there by the runner, as a developer's cache would be.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.settings import Settings
from assistant.testing.bespoken import load_suite
from assistant.testing.runner import ConversationRunner, RunOptions
from assistant.testing.skill import skill_for, with_environment

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BUNDLED_FILES = sorted(ROOT.glob("skills/*/test/*.yml"))
FIXTURE_FILES = sorted(FIXTURES.glob("skills/*/test/*.yml"))


def assistant(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data), *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("file", BUNDLED_FILES + FIXTURE_FILES, ids=lambda f: f.parent.parent.name)
def test_the_shipped_yaml_passes_unchanged(
    file: Path, cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = assistant(capsys, tmp_path, "test", str(file))
    assert code == 0, out
    suite = load_suite(file)
    assert f"{len(suite.tests)} passed, 0 failed" in out


def test_no_files_runs_the_skill_folder_here(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "skills" / "knock-knock")
    code, out = assistant(capsys, tmp_path, "test")
    assert code == 0, out
    assert "wise-guy.yml (knock-knock, text)" in out and "3 passed, 0 failed" in out


def test_a_file_kept_elsewhere_tests_the_skill_whose_folder_it_runs_in(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README: ``assistant test FILE`` run inside a skill's folder tests that skill, wherever FILE lives."""
    elsewhere = tmp_path / "notes" / "wise-guy.yml"
    elsewhere.parent.mkdir()
    shutil.copy(ROOT / "skills" / "knock-knock" / "test" / "wise-guy.yml", elsewhere)
    monkeypatch.chdir(ROOT / "skills" / "knock-knock")
    code, out = assistant(capsys, tmp_path / "data", "test", str(elsewhere))
    assert code == 0, out
    assert "wise-guy.yml (knock-knock, text)" in out and "3 passed, 0 failed" in out


def test_a_failing_test_shows_a_diff_and_exits_1(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "out" / "junit.xml"
    file = FIXTURES / "testing" / "hello-fails.yml"
    code, out = assistant(
        capsys, tmp_path, "test", str(file), "--skill", "hello-world", "--junit", str(junit)
    )
    assert code == 1
    assert "PASS this one passes" in out and "FAIL this one expects the wrong greeting" in out
    assert "x  hello-fails.yml:13 HelloWorldIntent" in out
    assert "line 14: prompt: Good morning world*" in out
    assert "actual:   Hello world! It is nice to meet you." in out
    assert "diff:     [-Good morning-] {+Hello+} world*" in out or "[-Good morning" in out
    assert "line 15: response.shouldEndSession: false" in out and "actual:   true" in out
    assert "(1 later step(s) not run)" in out
    assert "1 passed, 1 failed" in out

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    (suite,) = root
    cases = {c.get("name"): c for c in suite}
    assert cases["this one passes"].find("failure") is None
    failure = cases["this one expects the wrong greeting"].find("failure")
    assert failure is not None and failure.get("message", "").startswith(
        "line 13: prompt: Good morning world*"
    )
    assert "actual:   Hello world! It is nice to meet you." in (failure.text or "")


def test_json_output(cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = FIXTURES / "testing" / "hello-fails.yml"
    code, out = assistant(capsys, tmp_path, "test", str(file), "--skill", "hello-world", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["format"] == 1 and report["summary"] == {"tests": 2, "passed": 1, "failed": 1, "errors": 0}
    (suite,) = report["suites"]
    assert suite["skill"] == "hello-world" and suite["mode"] == "text" and suite["voice"] is None
    failing = suite["tests"][1]
    assert failing["passed"] is False and failing["skipped_steps"] == 1
    launch, hello = failing["steps"]
    assert launch["passed"] and launch["kind"] == "launch"
    assert hello["intent"] == "HelloWorldIntent" and hello["speech"] == "Hello world! It is nice to meet you."
    assert [(a["path"], a["passed"], a["actual"]) for a in hello["assertions"]] == [
        ("prompt", False, "Hello world! It is nice to meet you."),
        ("response.shouldEndSession", False, "true"),
    ]


def test_a_file_that_cannot_run_is_an_error(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("- test: a\n- LaunchRequest\n- HelloWorldIntent large\n")
    code, out = assistant(capsys, tmp_path, "test", str(broken), "--skill", "hello-world")
    assert code == 1
    assert "broken.yml:3: 'large' in 'HelloWorldIntent large' is not slot=value" in out
    orphan = tmp_path / "elsewhere" / "orphan.yml"
    orphan.parent.mkdir()
    orphan.write_text("- test: a\n- LaunchRequest\n")
    code, out = assistant(capsys, tmp_path, "test", str(orphan))
    assert code == 1 and "ERROR" in out and "no folder above it is a skill folder" in out


def test_replay_prints_the_conversation(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = FIXTURES / "testing" / "hello.replay.json"
    code, out = assistant(capsys, tmp_path, "test", str(file), "--skill", "hello-world")
    assert code == 0, out
    lines = out.splitlines()
    conversation = [line.strip() for line in lines if line.strip().startswith(("you>", "alexa>"))]
    assert conversation[0] == "you> open hello world"
    assert conversation[1].startswith("alexa> Welcome to hello world")
    assert conversation[2] == "you> help" and conversation[3].startswith("alexa> You can say hello to me")
    assert conversation[4].startswith("you> .record   (skipped")
    assert conversation[5:7] == ["you> say hello", "alexa> Hello world! It is nice to meet you."]
    assert conversation[7] == "you> .quit" and "never sent" not in out


def test_replay_fails_on_a_skill_fault(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = tmp_path / "bad-robot"
    shutil.copytree(FIXTURES / "skills" / "faulty", skill)
    replay = skill / "test" / "faults.json"
    replay.write_text(
        json.dumps({"locale": "en-US", "type": "text", "userInput": ["open bad robot", "raise an error"]})
    )
    code, out = assistant(capsys, tmp_path, "test", str(replay))
    assert code == 1
    assert "alexa> Bad robot here." in out
    assert "error: skill" in out and "RaiseIntent failed on purpose" in out


def test_a_step_may_expect_the_skills_fault_with_skill_error(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sample whose web call fails offline fails as a Lambda would: ``skillError`` checks that fault (and the
    Echo's words) instead of failing the step; a step without it still fails, and so does a wrong pattern."""
    skill = tmp_path / "bad-robot"
    shutil.copytree(FIXTURES / "skills" / "faulty", skill)
    file = skill / "test" / "faults.yml"
    expected = """---
configuration: {locale: en-US}
---
- test: the fault is expected
- LaunchRequest
- "raise an error":
  - skillError: /RaiseIntent failed on purpose/
  - prompt: There was a problem with the requested skill's response
"""
    file.write_text(expected)
    code, out = assistant(capsys, tmp_path, "test", str(file))
    assert code == 0, out
    file.write_text(expected.replace("/RaiseIntent failed on purpose/", "/some other fault/"))
    code, out = assistant(capsys, tmp_path, "test", str(file))
    assert code == 1 and "skillError" in out, out
    file.write_text(expected.replace("  - skillError: /RaiseIntent failed on purpose/\n", ""))
    code, out = assistant(capsys, tmp_path, "test", str(file))
    assert code == 1 and "RaiseIntent failed on purpose" in out, out


def test_fixed_clock_ids_and_identity(cache: Path, tmp_path: Path) -> None:
    file = FIXTURES / "skills" / "py-classes-v2" / "test" / "pet-helper.yml"
    settings = Settings(data_dir=tmp_path, cache_dir=cache / "assistant")
    package = with_environment(skill_for(file, load_suite(file).configuration, settings), settings, tmp_path)
    now = datetime.fromisoformat("2026-11-26T10:00:00+00:00")
    sent = []
    for _ in range(2):
        runner = ConversationRunner(settings, RunOptions(now=now, seed=7))
        with runner.engine(package, "en-US", "amzn1.ask.account.me", "amzn1.ask.device.mine") as engine:
            turn = engine.handle_text("open pet helper")
        sent.append(turn.requests[0])
    first, second = sent
    assert first["request"]["timestamp"] == "2026-11-26T10:00:00Z"
    assert first["context"]["System"]["user"]["userId"] == "amzn1.ask.account.me"
    assert first["context"]["System"]["device"]["deviceId"] == "amzn1.ask.device.mine"
    assert first["request"]["requestId"] == second["request"]["requestId"]  # seeded
    assert first["session"]["sessionId"] == second["session"]["sessionId"]


def test_voice_mode_with_two_voices(cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = FIXTURES / "testing" / "high-low-voice.yml"
    code, out = assistant(
        capsys,
        tmp_path,
        "test",
        str(file),
        "--skill",
        "high-low",
        "--mode",
        "voice",
        "--voices",
        "en-us,en-gb",
        "--json",
    )
    report = json.loads(out)
    assert code == 0, json.dumps(report, indent=1)
    assert [(s["mode"], s["voice"]) for s in report["suites"]] == [("voice", "en-us"), ("voice", "en-gb")]
    for suite in report["suites"]:
        steps = suite["tests"][0]["steps"]
        assert steps[0]["heard"] is None and steps[1]["heard"] is None  # launch and intent steps are sent
        assert steps[2]["heard"] == "is it fifty" and steps[2]["slots"] == {"number": "50"}
        assert steps[3]["heard"] == "what is my score"
    code, text = assistant(capsys, tmp_path, "test", str(file), "--skill", "high-low", "--mode", "voice")
    assert code == 0 and "heard: is it fifty -> NumberGuessIntent number=50" in text


def test_a_spoken_tomorrow_resolves_against_now(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recogniser parses spoken requests with the engine's clock: ``--now`` reaches speech as it reaches text."""
    skill = tmp_path / "pet-helper"
    shutil.copytree(FIXTURES / "skills" / "py-classes-v2", skill)
    file = skill / "test" / "tomorrow.yml"
    file.write_text(
        "---\nconfiguration: {locale: en-US}\n---\n- test: tomorrow by voice\n- LaunchRequest\n"
        '- "the date is tomorrow":\n  - intent: DateIntent\n  - date: "2030-01-02"\n'
    )
    code, out = assistant(
        capsys, tmp_path, "test", str(file), "--mode", "voice", "--now", "2030-01-01T10:00:00", "--json"
    )
    report = json.loads(out)
    assert code == 0, json.dumps(report, indent=1)
    step = report["suites"][0]["tests"][0]["steps"][1]
    assert step["heard"] == "the date is tomorrow" and step["slots"] == {"date": "2030-01-02"}


def test_recorded_audio_steps_and_noise(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    from assistant.audio.wav import write_wav
    from assistant.tts.synth import silence, synthesize_samples

    speech = np.concatenate([silence(0.5), synthesize_samples("what is my score"), silence(0.5)])
    write_wav(tmp_path / "score.wav", speech)
    rng = np.random.default_rng(0)
    write_wav(tmp_path / "noise.wav", (rng.standard_normal(16000 * 3) * 3000).astype(np.int16))
    test = tmp_path / "recorded.yml"
    test.write_text(
        "- test: recorded\n- LaunchRequest\n- audio: score.wav\n  intent: StatsIntent\n  prompt: '*'\n"
    )
    code, out = assistant(capsys, tmp_path, "test", str(test), "--skill", "high-low")
    assert code == 0, out
    assert "ok recorded.yml:3 score.wav" in out and "heard: what is my score -> StatsIntent" in out
    code, out = assistant(
        capsys,
        tmp_path,
        "test",
        str(test),
        "--skill",
        "high-low",
        "--noise",
        str(tmp_path / "noise.wav"),
        "--snr",
        "-20",
        "--json",
    )
    step = json.loads(out)["suites"][0]["tests"][0]["steps"][1]
    assert code == 1 and step["heard"] != "what is my score"  # drowned at -20 dB
