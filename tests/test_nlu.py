"""Text → intent: round trips over real models, typed-text tolerance, slot values, and the choice rules."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.grammar import lists
from assistant.grammar.compiler import compile_session, intent_samples
from assistant.model.loader import load_model, model_from_dict
from assistant.nlu.parser import parse

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 26, 10, 0)

# A spoken example and the value Alexa would send, for each built-in type with a grammar.
BUILTIN_EXAMPLES = {
    "AMAZON.NUMBER": ("a hundred and five", "105"),
    "AMAZON.FOUR_DIGIT_NUMBER": ("twenty twenty six", "2026"),
    "AMAZON.Ordinal": ("twenty third", "23"),
    "AMAZON.DATE": ("december fifth", "2026-12-05"),
    "AMAZON.TIME": ("seven thirty p m", "19:30"),
    "AMAZON.DURATION": ("ten minutes", "PT10M"),
}

MODELS = sorted(
    [p for p in (ROOT / "skills").iterdir() if p.is_dir()]
    + [p for p in (ROOT / "tests" / "fixtures" / "skills").iterdir() if p.is_dir()]
)


def _fill(sample: str, intent, model) -> tuple[str, dict[str, str]]:
    """The sample with each slot replaced by a value of its type, and the values expected back."""
    expected: dict[str, str] = {}

    def value(m: re.Match[str]) -> str:
        slot = intent.slot(m.group(1).strip())
        if slot.type in BUILTIN_EXAMPLES:
            spoken, formatted = BUILTIN_EXAMPLES[slot.type]
        else:
            custom = model.type(slot.type)
            spoken = custom.values[-1].name if custom and custom.values else lists.list_values(slot.type)[0]
            formatted = spoken.lower()  # a custom value comes back as heard; a built-in one in its format (PT10M)
        expected[slot.name] = formatted
        return spoken

    return re.sub(r"\{([^}]+)\}", value, sample), expected


@pytest.mark.parametrize("skill", MODELS, ids=lambda p: p.name)
def test_every_sample_round_trips(skill: Path) -> None:
    model = load_model(skill)
    grammar = compile_session(model)
    failures = []
    for intent in model.intents:
        for sample in intent_samples(intent):
            text, expected = _fill(sample, intent, model)
            result = parse(text, grammar, now=NOW)
            got = None if result is None else (result.intent, {k: v.value for k, v in result.slots.items()})
            if got is None or got[1] != expected or (
                got[0] != intent.name and not _equivalent(model, grammar, text, intent.name)
            ):
                failures.append(f"{intent.name}: {text!r} → {got}")
    assert not failures, "\n".join(failures)


def _equivalent(model, grammar, text: str, wanted: str) -> bool:
    """A sample two intents share is allowed to resolve to either (lint reports it)."""
    others = [i.name for i in model.intents if i.name != wanted]
    return any(text in [s.lower() for s in intent_samples(model.intent(o))] for o in others)


@pytest.fixture(scope="module")
def demo():
    data = {"interactionModel": {"languageModel": {"invocationName": "demo skill", "intents": [
        {"name": "WhatsIntent", "samples": ["what's the time", "what is the weather"]},
        {"name": "CountIntent", "slots": [{"name": "n", "type": "AMAZON.NUMBER"}], "samples": ["count to {n}"]},
        {"name": "Count42Intent", "samples": ["count to forty two"]},
        {"name": "ColorIntent", "slots": [{"name": "c", "type": "Colors"}], "samples": ["paint it {c}"]},
        {"name": "RepeatAnything", "samples": ["repeat"]},
        {"name": "AMAZON.RepeatIntent", "samples": []},
        {"name": "AMAZON.StopIntent", "samples": []},
    ], "types": [{"name": "Colors", "values": [
        {"id": "RED", "name": {"value": "red", "synonyms": ["crimson", "scarlet"]}},
        {"name": {"value": "sky blue"}}]}]}}}
    return compile_session(model_from_dict(data, source="<test>"))


@pytest.mark.parametrize("typed,intent", [
    ("What's the time?", "WhatsIntent"),
    ("whats the time", "WhatsIntent"),
    ("WHAT IS THE WEATHER!!", "WhatsIntent"),
    ("  what   is the weather ", "WhatsIntent"),
])
def test_typed_text_variations(demo, typed: str, intent: str) -> None:
    assert parse(typed, demo).intent == intent


def test_digits_reach_the_number_grammar(demo) -> None:
    result = parse("count to 105", demo)
    assert result.intent == "CountIntent" and result.slots["n"].value == "105"


def test_most_specific_sample_wins(demo) -> None:
    # "count to forty two" matches CountIntent (slot) and Count42Intent (all literal): the literal one wins.
    assert parse("count to forty two", demo).intent == "Count42Intent"
    assert parse("count to 42", demo).intent == "Count42Intent"


def test_skill_intent_beats_builtin(demo) -> None:
    assert parse("repeat", demo).intent == "RepeatAnything"
    assert parse("say that again", demo).intent == "AMAZON.RepeatIntent"


def test_entity_resolution(demo) -> None:
    synonym = parse("paint it crimson", demo).slots["c"]
    assert synonym.value == "crimson" and synonym.resolved == {"name": "red", "id": "RED"}
    no_id = parse("paint it sky blue", demo).slots["c"]
    assert no_id.resolved == {"name": "sky blue", "id": None}


def test_out_of_grammar_text_is_none(demo) -> None:
    assert parse("paint it purple", demo, open_slots=False) is None  # an unlisted value: see test_open_slots.py
    assert parse("dance with purple", demo) is None
    assert parse("", demo) is None
    assert parse("please count to five", demo) is None


def test_result_json_shape(demo) -> None:
    out = parse("paint it scarlet", demo).to_json()
    assert out == {"intent": "ColorIntent", "slots": {"c": {"value": "scarlet", "resolved": {"name": "red", "id": "RED"}}}}
