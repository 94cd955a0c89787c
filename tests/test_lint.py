"""``assistant lint`` on a small skill with one of each problem, on clean bundled skills, and each check alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.model.loader import model_from_dict
from assistant.testing.lint import (
    ERROR,
    WARNING,
    Diagnostic,
    invocation_problems,
    lint_skill,
    phone_distance,
    similar_values,
)

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "fixtures" / "testing" / "bad-skill"
BASE = "/interactionModel/languageModel"


@pytest.fixture(scope="module")
def found() -> list[Diagnostic]:
    return lint_skill(BAD)


def by_code(found: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in found if d.code == code]


def test_every_diagnostic_says_where_and_what_to_do(found: list[Diagnostic]) -> None:
    assert found
    for diagnostic in found:
        assert diagnostic.file.endswith("bad-skill/en-US.json")
        assert diagnostic.pointer.startswith(BASE)
        assert diagnostic.suggestion and diagnostic.severity in (ERROR, WARNING)
    assert [d.severity for d in found] == sorted((d.severity for d in found), key=lambda s: s != ERROR)


def test_invocation_name(found: list[Diagnostic]) -> None:
    messages = [d.message for d in by_code(found, "invocation-name")]
    assert all(
        d.severity == ERROR and d.pointer == f"{BASE}/invocationName"
        for d in by_code(found, "invocation-name")
    )
    assert any("characters Alexa does not allow" in m for m in messages)  # upper case, as written in the file
    assert any("launch phrase: launch" in m for m in messages)
    assert any("wake word: alexa" in m for m in messages)
    assert any("does not accept: skill" in m for m in messages)


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("space facts", []),
        ("hello world", []),
        ("barista", ["one word"]),
        ("talk to my app", ["connecting word: to", "does not accept: app"]),
        ("ask the oracle", ["launch phrase: ask"]),
        ("my app", ["does not accept: app"]),
        ("echo chamber", ["wake word: echo"]),
        ("weather by city", ["connecting word: by"]),
    ],
)
def test_invocation_rules(name: str, problems: list[str]) -> None:
    model = model_from_dict(
        {
            "interactionModel": {
                "languageModel": {
                    "invocationName": name,
                    "intents": [{"name": "AMAZON.StopIntent", "samples": []}],
                }
            }
        },
        source="<test>",
    )
    messages = [d.message for d in invocation_problems(model)]
    assert len(messages) == len(problems), messages
    for expected in problems:
        assert any(expected in m for m in messages), (expected, messages)


def test_ambiguous_samples_name_both_intents_and_the_winner(found: list[Diagnostic]) -> None:
    ambiguous = by_code(found, "ambiguous-sample")
    assert {d.pointer for d in ambiguous} == {f"{BASE}/intents/0/samples/3", f"{BASE}/intents/1/samples/0"}
    order = next(d for d in ambiguous if d.pointer.endswith("intents/0/samples/3"))
    assert "also accepted by CoffeeIntent" in order.message and "the NLU picks" in order.message


def test_samples_a_builtin_shadows(found: list[Diagnostic]) -> None:
    (shadowed,) = by_code(found, "shadowed-by-builtin")
    assert shadowed.pointer == f"{BASE}/intents/2/samples/0"
    assert "'stop' is a standard utterance of AMAZON.StopIntent" in shadowed.message


def test_samples_that_differ_only_by_the_slot(found: list[Diagnostic]) -> None:
    (same,) = by_code(found, "same-but-slot")
    assert same.pointer == f"{BASE}/intents/0/samples/2"
    assert "'{drink} please' and '{size} please'" in same.message


def test_guessed_pronunciations(found: list[Diagnostic]) -> None:
    guessed = {d.message.split("'")[1]: d for d in by_code(found, "guessed-pronunciation")}
    assert "zorbleflax" in guessed
    assert guessed["zorbleflax"].pointer == f"{BASE}/types/0/values/2"
    assert "pronunciations.txt" in guessed["zorbleflax"].suggestion


def test_values_that_sound_alike_with_the_measure(found: list[Diagnostic]) -> None:
    (similar,) = by_code(found, "similar-values")
    assert "'cold brew' (K OW L D B R UW) and 'gold brew' (G OW L D B R UW)" in similar.message
    assert similar.measure == pytest.approx(1 / 7, abs=1e-3)
    assert similar.pointer == f"{BASE}/types/0/values/1"


def test_unused_types(found: list[Diagnostic]) -> None:
    (unused,) = by_code(found, "unused-type")
    assert unused.pointer == f"{BASE}/types/2" and "Colour" in unused.message


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("K OW1 L D", "K OW0 L D", 0.0),  # stress is ignored
        ("K OW L D", "G OW L D", 0.25),
        ("S AH M", "S K IH M", 0.5),
        ("AH", "", 1.0),
        ("", "", 0.0),
    ],
)
def test_phone_distance(a: str, b: str, distance: float) -> None:
    assert phone_distance(a, b) == pytest.approx(distance)


def test_similar_values_threshold_and_synonyms_of_one_value() -> None:
    model = model_from_dict(
        {
            "interactionModel": {
                "languageModel": {
                    "invocationName": "tea house",
                    "intents": [
                        {"name": "TeaIntent", "slots": [{"name": "tea", "type": "Tea"}], "samples": ["{tea}"]}
                    ],
                    "types": [
                        {
                            "name": "Tea",
                            "values": [
                                {"name": {"value": "green", "synonyms": ["grain"]}},
                                {"name": {"value": "black"}},
                                {"name": {"value": "block"}},
                            ],
                        }
                    ],
                }
            }
        },
        source="<test>",
    )
    pairs = [d.message for d in similar_values(model)]
    assert len(pairs) == 1 and "'black'" in pairs[0] and "'block'" in pairs[0]  # green/grain: one value
    assert list(similar_values(model, threshold=0.1)) == []


def test_cli_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(BAD)]) == 1
    out = capsys.readouterr().out
    assert "error: [invocation-name]" in out and "suggestion:" in out and "(measure 0.14)" in out
    assert main(["lint", str(BAD), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["errors"] == 4
    assert {d["code"] for d in report["diagnostics"]} == {
        "invocation-name",
        "ambiguous-sample",
        "shadowed-by-builtin",
        "same-but-slot",
        "guessed-pronunciation",
        "similar-values",
        "unused-type",
    }
    assert main(["lint", str(ROOT / "skills" / "hello-world")]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out
    assert main(["lint", str(ROOT / "skills" / "barista")]) == 0  # warnings only
