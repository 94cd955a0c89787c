"""Every bundled skill's YAML conversation tests pass by voice: ``assistant test --mode voice --voices en-us``
synthesizes each utterance with espeak-ng and sends it through the real recogniser (text mode is
test_testing_runner's ``test_the_shipped_yaml_passes_unchanged``).

A phrasing that espeak-ng's audio cannot carry would go in a separate voice-friendly file beside the skill's own
(``skills/<name>/test/voice.yml``); none is needed today. Some words are heard differently but still give the
right intent: "no" is heard as "nope", "stop" as "stop that" or "stop it".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.testing.bespoken import load_suite

pytestmark = [
    pytest.mark.slow,
    pytest.mark.usefixtures("cache"),
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None or shutil.which("sox") is None,
        reason="needs espeak-ng and sox (synthesis)",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_FILES = sorted(ROOT.glob("skills/*/test/*.yml"))
VOICE = "en-us"


def _utterance(step: dict[str, Any]) -> bool:
    """A step that says something (the YAML files write utterances in lower case, intent steps by name)."""
    return step["kind"] == "text" and step["text"][:1].islower()


def _heard(report: dict[str, Any]) -> str:
    """Each spoken step of a report: where, what was said, what was heard, and whether it passed."""
    lines = []
    for suite in report["suites"]:
        for test in suite["tests"]:
            for step in test["steps"]:
                if _utterance(step) or not step["passed"]:
                    mark = "ok" if step["passed"] else "FAIL"
                    lines.append(f"{mark} line {step['line']}: said {step.get('text')!r}, heard {step['heard']!r} "
                                 f"-> {step['intent']} {step.get('error') or ''}")
    return "\n".join(lines)


@pytest.mark.parametrize("file", BUNDLED_FILES, ids=lambda f: f"{f.parent.parent.name}/{f.name}")
def test_the_bundled_yaml_passes_by_voice(
    file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--data-dir", str(tmp_path), "test", str(file), "--mode", "voice", "--voices", VOICE, "--json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0, _heard(report) or json.dumps(report, indent=1)
    (suite,) = report["suites"]
    assert (suite["mode"], suite["voice"]) == ("voice", VOICE)
    tests = load_suite(file).tests
    assert report["summary"] == {"tests": len(tests), "passed": len(tests), "failed": 0, "errors": 0}
    spoken = [s for t in suite["tests"] for s in t["steps"] if _utterance(s)]
    assert spoken and all(s["heard"] for s in spoken), _heard(report)  # decoded, not typed


def test_every_bundled_skill_has_yaml_run_by_voice() -> None:
    """A bundled skill without a test file would silently drop out of the voice runs."""
    skills = {p.name for p in (ROOT / "skills").iterdir() if p.is_dir()}
    assert skills == {f.parent.parent.name for f in BUNDLED_FILES}
