"""Acceptance (issue 13, "Done when"): the eight public samples in ``../shared/samples``, installed unchanged,
answer the conversations in ``tests/acceptance`` through ``assistant test``, by text and by voice (espeak-ng's
en-us voice through the real decoder).

The conversations were written from each sample's handler code. A file's name says how it runs:

- ``<sample>.yml``: by text and by voice;
- ``<sample>.text.yml``: by text only (open slot values, which this acoustic model rarely hears right);
- ``<sample>.issue-N.yml``: steps that wait for issue N, skipped with the reason until it lands;
- ``<sample>.<locale>.yml`` (``de-DE``): the sample's model for that locale, by text with ``--locale``; by voice
  the run must say that no acoustic model hears the locale.

Each sample is installed once per session (``sample_installs`` in conftest.py); a missing sample skips, and
fails with ``ASSISTANT_REQUIRE_SAMPLES=1`` (CI).
"""

from __future__ import annotations

import json
import re
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
WAITING: dict[str, str] = {}
"""Files whose steps need what another issue adds, by the part of their name that says so."""
NOW = "2026-12-02T12:00:00"
"""A fixed clock for every conversation."""


LOCALE = re.compile(r"[a-z]{2}-[A-Z]{2}")


def _cases() -> list[object]:
    cases: list[object] = []
    for file in sorted(ACCEPTANCE.glob("*.yml")):
        folder, _, kind = file.name.removesuffix(".yml").partition(".")
        modes = ("text",) if kind == "text" or LOCALE.fullmatch(kind) else ("text", "voice")
        for mode in modes:
            marks = [pytest.mark.skip(reason=f"{file.name}: {WAITING[kind]}")] if kind in WAITING else []
            cases.append(pytest.param(folder, file, mode, marks=marks, id=f"{file.stem}-{mode}"))
    return cases


def test_every_sample_has_conversations_and_every_file_names_a_sample() -> None:
    named = {f.name.partition(".")[0] for f in ACCEPTANCE.glob("*.yml")}
    assert named == set(FOLDERS)
    kinds = {f.name.removesuffix(".yml").partition(".")[2] for f in ACCEPTANCE.glob("*.yml")}
    assert all(k in {"", "text", *WAITING} or LOCALE.fullmatch(k) for k in kinds), kinds
    for file in ACCEPTANCE.glob("*.yml"):
        suite = load_suite(file)
        kind = file.name.removesuffix(".yml").partition(".")[2]
        # English files name their locale; a locale file leaves it to the command's --locale
        assert suite.tests and (suite.configuration.locale is None) == bool(LOCALE.fullmatch(kind)), file


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "file", "mode"), _cases())
def test_sample_conversations_pass(
    folder: str, file: Path, mode: str, sample_installs: SampleInstalls, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = sample_installs.install(folder)
    data = sample_installs.settings.data_dir
    command = ["--data-dir", str(data), "test", "--skill", skill, "--now", NOW, "--mode", mode]
    kind = file.name.removesuffix(".yml").partition(".")[2]
    if LOCALE.fullmatch(kind):
        command += ["--locale", kind]
    elif mode == "voice":
        command += ["--voices", "en-us"]
    code = main([*command, str(file)])
    out = capsys.readouterr().out
    assert code == 0, f"{SAMPLES / folder} failed {file.name} by {mode}:\n{out}"
    assert " 0 failed" in out and "could not run" not in out, out


# --- other locales -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_by_voice_a_locale_without_an_acoustic_model_says_what_is_missing(
    sample_installs: SampleInstalls, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    skill = sample_installs.install("nodejs-sauce-boss")
    data = ["--data-dir", str(sample_installs.settings.data_dir)]
    german = ACCEPTANCE / "nodejs-sauce-boss.de-DE.yml"
    code = main([*data, "test", "--skill", skill, "--locale", "de-DE", "--mode", "voice", str(german)])
    out = capsys.readouterr().out
    assert code == 1 and "no acoustic model for de-DE" in out and "en-us" in out, out

    from assistant.audio.wav import write_wav
    from assistant.tts.synth import silence

    wav = tmp_path / "silence.wav"
    write_wav(wav, silence(0.5))
    assert main([*data, "run", "--locale", "de-DE", "--no-wake", "--input", str(wav)]) == 2
    assert "no acoustic model for de-DE" in capsys.readouterr().err


@pytest.mark.slow
def test_chat_in_german_opens_the_skill_by_its_german_name_and_leaves_out_skills_without_german(
    sample_installs: SampleInstalls, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """An installed skill keeps every locale's model: in de-DE, sauce boss is "saucen meister" and answers in
    German; cake time ships only en-US, so it is left out with one line, not an error per skill."""
    sample_installs.install("nodejs-sauce-boss")
    sample_installs.install("python-first-skill")
    data = ["--data-dir", str(sample_installs.settings.data_dir)]
    assert main([*data, "chat", "--locale", "de-DE", "--json", "öffne saucen meister"]) == 0
    captured = capsys.readouterr()
    turn = json.loads(captured.out)
    assert turn["text"].startswith("Willkommen bei Saucen Boss"), turn["text"]
    assert turn["requests"][0]["request"]["locale"] == "de-DE"
    assert main([*data, "--locale", "de-DE", "skill", "list"]) == 0
    listed = capsys.readouterr()
    err = listed.out + listed.err
    left_out = [line for line in err.splitlines() if "no de-DE model, left out: " in line]
    assert any("cake-time" in line for line in left_out) and not any("sauce-boss" in line for line in left_out)
    assert any(line.endswith("(bundled)") for line in left_out), err
    assert "unusable" not in err and not [r for r in caplog.records if r.levelname == "ERROR"]

    assert main([*data, "chat", "--locale", "de-DE", "open cake time"]) == 0
    assert "Cake Time" not in capsys.readouterr().out  # not published in German
    assert main([*data, "chat", "open sauce boss"]) == 0  # the English name stays in en-US
    assert "Welcome to Sauce Boss" in capsys.readouterr().out
