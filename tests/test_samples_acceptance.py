"""Acceptance (issue 13, "Done when"): the eight public samples in ``../shared/samples``, installed unchanged,
answer the conversations in ``tests/acceptance`` through ``assistant test``, by text and by voice (espeak-ng's
en-us voice through the real decoder).

The conversations were written from each sample's handler code. A file's name says how it runs:

- ``<sample>.yml``: by text and by voice;
- ``<sample>.text.yml``: by text only (words the grammar cannot hear yet);
- ``<sample>.issue-N.yml``: steps that wait for issue N, skipped with the reason until it lands;
- ``<sample>.open-values.yml``: steps that wait for open custom slot values (issue 13's other part), skipped.

Each sample is installed once per session (``sample_installs`` in conftest.py); a missing sample skips, and
fails with ``ASSISTANT_REQUIRE_SAMPLES=1`` (CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES, SampleInstalls

from assistant.cli.main import main
from assistant.testing.bespoken import load_suite

ACCEPTANCE = Path(__file__).resolve().parent / "acceptance"
FOLDERS = (
    "nodejs-audio-player",
    "nodejs-decision-tree",
    "nodejs-fact",
    "nodejs-highlowgame",
    "nodejs-petmatch",
    "nodejs-premium-hello-world",
    "nodejs-sauce-boss",
    "python-first-skill",
)
"""The samples of ../shared/samples/README.md."""
WAITING = {
    "issue-15": "waits for issue 15 (service APIs: the Settings API's time zone, in-skill products)",
    "open-values": "waits for open custom slot values (issue 13: an unlisted value gets ER_SUCCESS_NO_MATCH)",
}
"""Files whose steps need what another issue adds, by the part of their name that says so."""
NOW = "2026-12-02T12:00:00"
"""A fixed clock for every conversation."""


def _cases() -> list[object]:
    cases: list[object] = []
    for file in sorted(ACCEPTANCE.glob("*.yml")):
        folder, _, kind = file.name.removesuffix(".yml").partition(".")
        modes = ("text",) if kind == "text" else ("text", "voice")
        for mode in modes:
            marks = [pytest.mark.skip(reason=f"{file.name}: {WAITING[kind]}")] if kind in WAITING else []
            cases.append(pytest.param(folder, file, mode, marks=marks, id=f"{file.stem}-{mode}"))
    return cases


def test_every_sample_has_conversations_and_every_file_names_a_sample() -> None:
    named = {f.name.partition(".")[0] for f in ACCEPTANCE.glob("*.yml")}
    assert named == set(FOLDERS)
    kinds = {f.name.removesuffix(".yml").partition(".")[2] for f in ACCEPTANCE.glob("*.yml")}
    assert kinds <= {"", "text", *WAITING}, kinds
    for file in ACCEPTANCE.glob("*.yml"):
        suite = load_suite(file)
        assert suite.tests and suite.configuration.locale, file


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "file", "mode"), _cases())
def test_sample_conversations_pass(
    folder: str, file: Path, mode: str, sample_installs: SampleInstalls, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = sample_installs.install(folder)
    data = sample_installs.settings.data_dir
    command = ["--data-dir", str(data), "test", "--skill", skill, "--now", NOW, "--mode", mode]
    if mode == "voice":
        command += ["--voices", "en-us"]
    code = main([*command, str(file)])
    out = capsys.readouterr().out
    assert code == 0, f"{SAMPLES / folder} failed {file.name} by {mode}:\n{out}"
    assert " 0 failed" in out and "could not run" not in out, out
