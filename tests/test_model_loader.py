"""Loading interaction models in every layout, and the located problems validation reports."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from assistant.errors import ModelError, Problem
from assistant.model import loader, reading, schema_check
from assistant.model.builtins import BUILTIN_INTENTS, BUILTIN_SLOT_TYPES, VALIDATION_TYPES
from assistant.model.loader import find_model, load_model, model_from_dict

MODELS = Path(__file__).parent / "fixtures" / "models"
PIZZA_FILE = MODELS / "bare" / "pizza.json"
PIZZA: dict[str, Any] = json.loads(PIZZA_FILE.read_text())
LM = "/interactionModel/languageModel"


def pizza(change: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    """A fresh copy of the pizza model, changed in place by ``change``."""
    data = copy.deepcopy(PIZZA)
    if change is not None:
        change(data)
    return data


def lm(data: dict[str, Any]) -> dict[str, Any]:
    return data["interactionModel"]["languageModel"]


def dialog_slot(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return data["interactionModel"]["dialog"]["intents"][0]["slots"][index]


def problems_of(data: object, source: str = "pizza.json") -> list[Problem]:
    with pytest.raises(ModelError) as caught:
        model_from_dict(data, source=source)  # type: ignore[arg-type]
    assert caught.value.problems, "a ModelError must carry its problems"
    return caught.value.problems


# --------------------------------------------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("path", "locale", "model_file", "invocation", "first_intent"),
    [
        (
            "v2-skill",
            "en-US",
            "v2-skill/skill-package/interactionModels/custom/en-US.json",
            "color picker",
            "PickIntent",
        ),
        (
            "v2-skill",
            "de-DE",
            "v2-skill/skill-package/interactionModels/custom/de-DE.json",
            "farbwähler",
            "PickIntent",
        ),
        (
            "v2-skill/skill-package",
            "en-US",
            "v2-skill/skill-package/interactionModels/custom/en-US.json",
            "color picker",
            "PickIntent",
        ),
        ("v1-skill", "en-US", "v1-skill/models/en-US.json", "wise guy", "TellJokeIntent"),
        ("v1-skill", "en-GB", "v1-skill/models/en-GB.json", "wise guy", "TellJokeIntent"),
        ("v1-skill/models", "en-GB", "v1-skill/models/en-GB.json", "wise guy", "TellJokeIntent"),
        ("space-geek", "en-US", "space-geek/speechAssets", "space geek", "GetNewFactIntent"),
        ("space-geek/speechAssets", "en-US", "space-geek/speechAssets", "space geek", "GetNewFactIntent"),
        (
            "space-geek/speechAssets/SampleUtterances.txt",
            "en-US",
            "space-geek/speechAssets",
            "space geek",
            "GetNewFactIntent",
        ),
        (
            "multi-locale-legacy",
            "en-GB",
            "multi-locale-legacy/speechAssets",
            "multi locale legacy",
            "HelloIntent",
        ),
        ("bare/pizza.json", "en-US", "bare/pizza.json", "pizza helper", "AMAZON.StopIntent"),
        ("bare/language-model.json", "en-US", "bare/language-model.json", "tide pooler", "TideIntent"),
    ],
)
def test_every_layout_loads(
    path: str, locale: str, model_file: str, invocation: str, first_intent: str
) -> None:
    assert find_model(MODELS / path, locale) == MODELS / model_file
    model = load_model(MODELS / path, locale)
    assert model.invocation_name == invocation
    assert model.intents[0].name == first_intent
    assert model.locale == locale
    assert model.source == str(MODELS / model_file)


def test_locale_is_picked_and_spelled_canonically() -> None:
    assert load_model(MODELS / "v2-skill", "de-DE").intents[0].samples == (
        "meine lieblingsfarbe ist {color}",
    )
    assert load_model(MODELS / "v1-skill", "en_gb").intents[0].samples == ("tell us a joke",)
    assert load_model(MODELS / "multi-locale-legacy", "en-US").intents[0].samples == ("say hello",)
    assert load_model(MODELS / "multi-locale-legacy", "en-GB").intents[0].samples == ("say hello mate",)


@pytest.mark.parametrize(
    ("path", "folder", "available"),
    [
        ("v2-skill", "v2-skill/skill-package/interactionModels/custom", "de-DE, en-US"),
        ("v1-skill", "v1-skill/models", "en-GB, en-US"),
        ("multi-locale-legacy", "multi-locale-legacy/speechAssets", "en-GB, en-US"),
    ],
)
def test_missing_locale_lists_the_locales_that_exist(path: str, folder: str, available: str) -> None:
    with pytest.raises(ModelError) as caught:
        load_model(MODELS / path, "fr-FR")
    (problem,) = caught.value.problems
    assert problem.file == str(MODELS / folder)
    assert "no fr-FR" in problem.message
    assert problem.message.endswith(f"locales available: {available}")


def test_folder_without_a_model_names_the_layouts_tried(tmp_path: Path) -> None:
    (tmp_path / "lambda").mkdir()
    with pytest.raises(ModelError, match=r"skill-package/interactionModels/custom/<locale>\.json.*models/"):
        find_model(tmp_path)
    with pytest.raises(ModelError, match="no such file or folder"):
        load_model(tmp_path / "missing")
    (tmp_path / "models").mkdir()
    with pytest.raises(ModelError, match="locales available: none"):
        load_model(tmp_path)


@pytest.mark.parametrize("locale", ["", "english", "en-US/../..", "e1-US"])
def test_a_locale_that_is_not_one_is_refused(locale: str) -> None:
    with pytest.raises(ModelError, match="is not a locale"):
        load_model(MODELS / "v2-skill", locale)


def test_ask_cli_v2_wins_over_v1_in_one_folder(tmp_path: Path) -> None:
    shutil.copytree(MODELS / "v2-skill", tmp_path, dirs_exist_ok=True)
    shutil.copytree(MODELS / "v1-skill", tmp_path, dirs_exist_ok=True)
    assert load_model(tmp_path).invocation_name == "color picker"


# --------------------------------------------------------------------------------------------------- contents


def test_pizza_model_converts_to_frozen_types() -> None:
    model = load_model(PIZZA_FILE)
    order = model.intent("OrderIntent")
    assert order is not None and not order.is_builtin
    assert order.samples == (
        "order a {size} pizza",
        "order a pizza for {date}",
        "a {size} pizza with {toppings}",
    )
    size, date, toppings = order.slots
    assert (size.name, size.type, size.samples, size.multiple_values) == (
        "size",
        "SizeType",
        ("{size}", "a {size} one"),
        False,
    )
    assert (date.type, date.samples) == ("AMAZON.DATE", ())
    assert toppings.multiple_values is True
    size_type, topping_type = model.types
    assert size_type.values[0].name == "large" and size_type.values[0].id == "LARGE"
    assert size_type.values[0].synonyms == ("big", "huge")
    assert [v.id for v in topping_type.values] == [None, None]
    assert model.dialog is not None
    assert model.dialog.delegation_strategy == "SKILL_RESPONSE"
    assert model.dialog.strategy("OrderIntent") == "ALWAYS"
    dialog = model.dialog.intent("OrderIntent")
    assert (
        dialog is not None
        and dialog.confirmation_required
        and dialog.confirmation_prompt == "Confirm.Intent.Order"
    )
    d_size, d_date = dialog.slots
    assert d_size.elicitation_required and d_size.elicitation_prompt == "Elicit.Slot.size"
    assert [(v.type, v.prompt, v.values) for v in d_size.validations] == [
        ("hasEntityResolutionMatch", "Val.size", ()),
        ("isInSet", "Val.size", ("large", "small")),
    ]
    assert d_date.type == "AMAZON.DATE", "a dialog slot without a type takes the language model's"
    assert (d_date.validations[0].start, d_date.validations[0].end) == ("P0D", "P30D")
    prompt = model.prompt("Elicit.Slot.size")
    assert prompt is not None and [v.type for v in prompt.variations] == ["PlainText", "SSML"]
    assert model.pronunciations == ()


def test_builtin_intents_get_standard_utterances_plus_the_models_own() -> None:
    model = load_model(PIZZA_FILE)
    yes = model.intent("AMAZON.YesIntent")
    stop = model.intent("AMAZON.StopIntent")
    assert yes is not None and stop is not None
    assert yes.samples == (*BUILTIN_INTENTS["AMAZON.YesIntent"], "do it")
    assert stop.samples == BUILTIN_INTENTS["AMAZON.StopIntent"]
    assert model.intent("AMAZON.HelpIntent") is None, "built-ins the model does not declare are not added"
    fallback = load_model(MODELS / "v2-skill").intent("AMAZON.FallbackIntent")
    assert fallback is not None and fallback.samples == ()


def test_validation_numbers_become_text() -> None:
    def numbers(data: dict[str, Any]) -> None:
        dialog_slot(data, 1)["validations"] = [
            {"type": "isGreaterThan", "prompt": "Val.date", "value": 5.0},
            {"type": "isInSet", "prompt": "Val.date", "values": [1, "2", 2.5]},
        ]

    model = model_from_dict(pizza(numbers))
    assert model.dialog is not None
    dialog = model.dialog.intent("OrderIntent")
    assert dialog is not None
    greater, in_set = dialog.slots[1].validations
    assert greater.value == "5"
    assert in_set.values == ("1", "2", "2.5")


@pytest.mark.parametrize(
    ("written", "loaded"),
    [
        ("Pizza Helper", "pizza helper"),
        ("  space   geek ", "space geek"),
        ("alexa's st. helper", "alexa's st. helper"),
        ("jokes", "jokes"),
        ("Farbwähler", "farbwähler"),
    ],
)
def test_invocation_name_is_lower_cased_and_one_word_names_are_fine(written: str, loaded: str) -> None:
    assert model_from_dict(pizza(lambda d: lm(d).update(invocationName=written))).invocation_name == loaded


def test_legacy_folder_converts_literal_slots_types_and_folder_name() -> None:
    model = load_model(MODELS / "space-geek")
    horoscope = model.intent("GetHoroscope")
    assert horoscope is not None
    assert horoscope.samples[-1] == "get me my horoscope for {Sign}"
    assert [(s.name, s.type) for s in horoscope.slots] == [("Sign", "LIST_OF_SIGNS"), ("Date", "AMAZON.DATE")]
    (signs,) = model.types
    assert [v.name for v in signs.values] == ["Aries", "Taurus", "Gemini"]
    fact = model.intent("GetNewFactIntent")
    assert fact is not None and fact.samples == ("a fact", "tell me a space fact")


def legacy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "space-geek"
    shutil.copytree(MODELS / "space-geek", folder)
    return folder / "speechAssets"


def test_legacy_problems_point_at_the_legacy_files_and_lines(tmp_path: Path) -> None:
    assets = legacy_copy(tmp_path)
    utterances = assets / "SampleUtterances.txt"
    utterances.write_text(utterances.read_text() + "NoSuchIntent hello there\nGetHoroscope when is {Moon}\n")
    schema = json.loads((assets / "IntentSchema.json").read_text())
    schema["intents"][1]["slots"][1]["type"] = "AMAZON.NOT_A_TYPE"
    (assets / "IntentSchema.json").write_text(json.dumps(schema))
    with pytest.raises(ModelError) as caught:
        load_model(assets)
    found = {(p.file, p.pointer, p.subject) for p in caught.value.problems}
    assert found == {
        (str(utterances), "line 8", None),
        (str(utterances), "line 9", "intent GetHoroscope"),
        (str(assets / "IntentSchema.json"), "/intents/1/slots/1/type", "intent GetHoroscope, slot Date"),
    }


def test_legacy_schema_without_intent_names(tmp_path: Path) -> None:
    assets = legacy_copy(tmp_path)
    (assets / "IntentSchema.json").write_text('{"intents": [{"intent": "GetNewFactIntent"}, {"slots": []}]}')
    with pytest.raises(ModelError) as caught:
        load_model(assets)
    pointers = {(p.file, p.pointer) for p in caught.value.problems}
    assert (str(assets / "IntentSchema.json"), "/intents/1") in pointers
    assert any("GetHoroscope is not in the IntentSchema" in p.message for p in caught.value.problems)


# --------------------------------------------------------------------------------------------------- pronunciations


def test_pronunciations_are_read_from_the_skill_root() -> None:
    model = load_model(MODELS / "v2-skill")
    assert model.pronunciations == (("fuchsia", "F Y UW SH AH"), ("fuchsia", "F Y UW SH IY AH"))


def test_pronunciations_beside_the_model_file_and_their_problems(tmp_path: Path) -> None:
    shutil.copy(PIZZA_FILE, tmp_path / "en-US.json")
    (tmp_path / "pronunciations.dict").write_text("Margherita  M AA R G ER IY T AH  # the pizza\n")
    assert load_model(tmp_path / "en-US.json").pronunciations == (("margherita", "M AA R G ER IY T AH"),)
    (tmp_path / "pronunciations.dict").write_text("ok  OW K EY\nbad  B QQ D\nalone\n")
    with pytest.raises(ModelError) as caught:
        load_model(tmp_path)
    assert [(p.file, p.pointer, p.subject) for p in caught.value.problems] == [
        (str(tmp_path / "pronunciations.dict"), "line 2", "word bad"),
        (str(tmp_path / "pronunciations.dict"), "line 3", None),
    ]
    assert "QQ" in caught.value.problems[0].message


# --------------------------------------------------------------------------------------------------- problems

Change = Callable[[dict[str, Any]], object]

SCHEMA_CASES: list[tuple[str, Change, str, str | None, str]] = [
    (
        "invocation name missing",
        lambda d: lm(d).pop("invocationName"),
        LM,
        None,
        "'invocationName' is a required",
    ),
    (
        "intents not a list",
        lambda d: lm(d).update(intents={}),
        f"{LM}/intents",
        None,
        "expected array, found object",
    ),
    (
        "intent name empty",
        lambda d: lm(d)["intents"][3].update(name=" "),
        f"{LM}/intents/3/name",
        None,
        "must not be empty",
    ),
    (
        "sample not a string",
        lambda d: lm(d)["intents"][3]["samples"].append(7),
        f"{LM}/intents/3/samples/3",
        "intent OrderIntent",
        "expected string, found number",
    ),
    (
        "empty sample",
        lambda d: lm(d)["intents"][3]["samples"].__setitem__(2, ""),
        f"{LM}/intents/3/samples/2",
        "intent OrderIntent",
        "must not be empty",
    ),
    (
        "slot without type",
        lambda d: lm(d)["intents"][3]["slots"][1].pop("type"),
        f"{LM}/intents/3/slots/1",
        "intent OrderIntent, slot date",
        "'type' is a required property",
    ),
    (
        "multipleValues not boolean",
        lambda d: lm(d)["intents"][3]["slots"][2].update(multipleValues={"enabled": "y"}),
        f"{LM}/intents/3/slots/2/multipleValues/enabled",
        "intent OrderIntent, slot toppings",
        "expected boolean",
    ),
    (
        "type value without value",
        lambda d: lm(d)["types"][0]["values"][1]["name"].pop("value"),
        f"{LM}/types/0/values/1/name",
        "type SizeType",
        "'value' is a required property",
    ),
    (
        "synonym not a string",
        lambda d: lm(d)["types"][0]["values"][0]["name"]["synonyms"].append(None),
        f"{LM}/types/0/values/0/name/synonyms/2",
        "type SizeType, value large",
        "expected string, found null",
    ),
    (
        "bad delegation strategy",
        lambda d: d["interactionModel"]["dialog"].update(delegationStrategy="SOMETIMES"),
        "/interactionModel/dialog/delegationStrategy",
        None,
        "must be one of ALWAYS, SKILL_RESPONSE, found 'SOMETIMES'",
    ),
    (
        "elicitationRequired not boolean",
        lambda d: dialog_slot(d).update(elicitationRequired="yes"),
        "/interactionModel/dialog/intents/0/slots/0/elicitationRequired",
        "dialog intent OrderIntent, slot size",
        "expected boolean, found string",
    ),
    (
        "validation without prompt",
        lambda d: dialog_slot(d)["validations"][0].pop("prompt"),
        "/interactionModel/dialog/intents/0/slots/0/validations/0",
        "dialog intent OrderIntent, slot size, validation hasEntityResolutionMatch",
        "'prompt' is a required",
    ),
    (
        "variation type unknown",
        lambda d: d["interactionModel"]["prompts"][1]["variations"][0].update(type="Speech"),
        "/interactionModel/prompts/1/variations/0/type",
        "prompt Val.size",
        "must be one of PlainText, SSML",
    ),
    (
        "prompt without variations",
        lambda d: d["interactionModel"]["prompts"][1].update(variations=[]),
        "/interactionModel/prompts/1/variations",
        "prompt Val.size",
        "at least 1 item",
    ),
]


@pytest.mark.parametrize(
    ("change", "pointer", "subject", "message"),
    [c[1:] for c in SCHEMA_CASES],
    ids=[c[0] for c in SCHEMA_CASES],
)
def test_schema_problem_is_located(change: Change, pointer: str, subject: str | None, message: str) -> None:
    problems = problems_of(pizza(change))
    assert [(p.file, p.pointer, p.subject) for p in problems] == [("pizza.json", pointer, subject)], problems
    assert message in problems[0].message


def add_intent(data: dict[str, Any], intent: dict[str, Any]) -> None:
    lm(data)["intents"].append(intent)


REFERENCE_CASES: list[tuple[str, Change, str, str | None, str]] = [
    (
        "unknown slot type",
        lambda d: lm(d)["intents"][3]["slots"][0].update(type="Sizes"),
        f"{LM}/intents/3/slots/0/type",
        "intent OrderIntent, slot size",
        "'Sizes' is neither a custom type",
    ),
    (
        "unknown AMAZON slot type",
        lambda d: lm(d)["intents"][3]["slots"][1].update(type="AMAZON.Dates"),
        f"{LM}/intents/3/slots/1/type",
        "intent OrderIntent, slot date",
        "nor an Amazon built-in type",
    ),
    (
        "undeclared slot in sample",
        lambda d: lm(d)["intents"][3]["samples"].append("pizza for {when}"),
        f"{LM}/intents/3/samples/3",
        "intent OrderIntent",
        "refers to slot {when}, which the intent does not declare (declared: size, date, toppings)",
    ),
    (
        "unbalanced braces",
        lambda d: lm(d)["intents"][3]["samples"].append("a {size pizza"),
        f"{LM}/intents/3/samples/3",
        "intent OrderIntent",
        "unbalanced braces",
    ),
    (
        "stray closing brace",
        lambda d: lm(d)["intents"][3]["samples"].append("a size} pizza"),
        f"{LM}/intents/3/samples/3",
        "intent OrderIntent",
        "unbalanced braces",
    ),
    (
        "nested braces",
        lambda d: lm(d)["intents"][3]["samples"].append("a {{size}} pizza"),
        f"{LM}/intents/3/samples/3",
        "intent OrderIntent",
        "unbalanced braces",
    ),
    (
        "slot sample with undeclared slot",
        lambda d: lm(d)["intents"][3]["slots"][0]["samples"].append("{size} {x}"),
        f"{LM}/intents/3/slots/0/samples/2",
        "intent OrderIntent, slot size",
        "refers to slot {x}",
    ),
    (
        "duplicate intent",
        lambda d: add_intent(d, {"name": "AMAZON.StopIntent"}),
        f"{LM}/intents/4",
        "intent AMAZON.StopIntent",
        "duplicate intent 'AMAZON.StopIntent' (first at index 0)",
    ),
    (
        "duplicate slot",
        lambda d: lm(d)["intents"][3]["slots"].append({"name": "size", "type": "SizeType"}),
        f"{LM}/intents/3/slots/3",
        "slot size",
        "duplicate slot 'size'",
    ),
    (
        "duplicate type",
        lambda d: lm(d)["types"].append({"name": "SizeType"}),
        f"{LM}/types/2",
        "type SizeType",
        "duplicate type 'SizeType'",
    ),
    (
        "duplicate prompt",
        lambda d: d["interactionModel"]["prompts"].append(
            copy.deepcopy(PIZZA["interactionModel"]["prompts"][0])
        ),
        "/interactionModel/prompts/4",
        "prompt Elicit.Slot.size",
        "duplicate prompt 'Elicit.Slot.size'",
    ),
    (
        "dialog intent not declared",
        lambda d: d["interactionModel"]["dialog"]["intents"].append({"name": "PayIntent"}),
        "/interactionModel/dialog/intents/1/name",
        "dialog intent PayIntent",
        "not declared in the language model",
    ),
    (
        "dialog slot not declared",
        lambda d: dialog_slot(d).update(name="crust"),
        "/interactionModel/dialog/intents/0/slots/0/name",
        "dialog intent OrderIntent, slot crust",
        "slot 'crust' is not declared on intent OrderIntent",
    ),
    (
        "missing elicitation prompt id",
        lambda d: dialog_slot(d)["prompts"].update(elicitation="Elicit.Nope"),
        "/interactionModel/dialog/intents/0/slots/0/prompts/elicitation",
        "dialog intent OrderIntent, slot size",
        "prompt 'Elicit.Nope' is not declared",
    ),
    (
        "missing confirmation prompt id",
        lambda d: d["interactionModel"]["dialog"]["intents"][0]["prompts"].update(
            confirmation="Confirm.Nope"
        ),
        "/interactionModel/dialog/intents/0/prompts/confirmation",
        "dialog intent OrderIntent",
        "prompt 'Confirm.Nope' is not declared",
    ),
    (
        "missing validation prompt id",
        lambda d: dialog_slot(d)["validations"][1].update(prompt="Val.nope"),
        "/interactionModel/dialog/intents/0/slots/0/validations/1/prompt",
        "dialog intent OrderIntent, slot size",
        "prompt 'Val.nope' is not declared",
    ),
    (
        "elicitation required without prompt",
        lambda d: dialog_slot(d).update(prompts={}),
        "/interactionModel/dialog/intents/0/slots/0/prompts",
        "dialog intent OrderIntent, slot size",
        "requires elicitation but has no elicitation prompt",
    ),
    (
        "slot confirmation without prompt",
        lambda d: dialog_slot(d).update(confirmationRequired=True),
        "/interactionModel/dialog/intents/0/slots/0/prompts",
        "dialog intent OrderIntent, slot size",
        "requires confirmation but has no confirmation prompt",
    ),
    (
        "intent confirmation without prompt",
        lambda d: d["interactionModel"]["dialog"]["intents"][0].update(prompts={}),
        "/interactionModel/dialog/intents/0/prompts",
        "dialog intent OrderIntent",
        "intent requires confirmation but has no confirmation prompt",
    ),
    (
        "unknown validation type",
        lambda d: dialog_slot(d)["validations"][0].update(type="isHot"),
        "/interactionModel/dialog/intents/0/slots/0/validations/0/type",
        "dialog intent OrderIntent, slot size",
        "unknown validation type 'isHot'",
    ),
    (
        "isInSet without values",
        lambda d: dialog_slot(d)["validations"][1].pop("values"),
        "/interactionModel/dialog/intents/0/slots/0/validations/1",
        "dialog intent OrderIntent, slot size",
        "isInSet needs a non-empty 'values' list",
    ),
    (
        "comparison without value",
        lambda d: dialog_slot(d)["validations"][1].update(type="isLessThan"),
        "/interactionModel/dialog/intents/0/slots/0/validations/1",
        "dialog intent OrderIntent, slot size",
        "isLessThan needs a 'value'",
    ),
    (
        "duration without bounds",
        lambda d: [dialog_slot(d, 1)["validations"][0].pop(k) for k in ("start", "end")],
        "/interactionModel/dialog/intents/0/slots/1/validations/0",
        "dialog intent OrderIntent, slot date",
        "isInDuration needs 'start' and/or 'end'",
    ),
    (
        "duplicate dialog intent",
        lambda d: d["interactionModel"]["dialog"]["intents"].append({"name": "OrderIntent"}),
        "/interactionModel/dialog/intents/1",
        "dialog intent OrderIntent",
        "duplicate dialog intent 'OrderIntent'",
    ),
    (
        "empty invocation name",
        lambda d: lm(d).update(invocationName="   "),
        f"{LM}/invocationName",
        None,
        "invocation name is empty",
    ),
    (
        "digits in invocation name",
        lambda d: lm(d).update(invocationName="pizza 4 you"),
        f"{LM}/invocationName",
        None,
        "may contain only letters, spaces, apostrophes and periods (found '4'; spell numbers out)",
    ),
    (
        "punctuation in invocation name",
        lambda d: lm(d).update(invocationName="pizza-helper!"),
        f"{LM}/invocationName",
        None,
        "(found '!' '-'",
    ),
]


@pytest.mark.parametrize(
    ("change", "pointer", "subject", "message"),
    [c[1:] for c in REFERENCE_CASES],
    ids=[c[0] for c in REFERENCE_CASES],
)
def test_cross_reference_problem_is_located(
    change: Change, pointer: str, subject: str | None, message: str
) -> None:
    problems = problems_of(pizza(change))
    assert [(p.file, p.pointer, p.subject) for p in problems] == [("pizza.json", pointer, subject)], problems
    assert message in problems[0].message


def test_a_slot_sample_without_its_slot_is_a_located_warning_as_alexa_accepts_it() -> None:
    """Alexa's build accepts it (pet match has one): the model loads, and the warning says where."""
    model = model_from_dict(
        pizza(lambda d: lm(d)["intents"][3]["slots"][0]["samples"].append("a big one")), source="pizza.json"
    )
    assert [(w.file, w.pointer, w.subject) for w in model.warnings] == [
        ("pizza.json", f"{LM}/intents/3/slots/0/samples/2", "intent OrderIntent, slot size")
    ]
    assert "slot sample 'a big one' does not contain {size}" in model.warnings[0].message
    assert model_from_dict(pizza(), source="pizza.json").warnings == ()


def test_every_problem_is_reported_at_once_and_printed_with_its_place(tmp_path: Path) -> None:
    def five_mistakes(data: dict[str, Any]) -> None:
        lm(data)["invocationName"] = "pizza 2"
        lm(data)["intents"][3]["samples"].append("for {when}")
        lm(data)["intents"][3]["slots"][0]["type"] = "Sizes"
        dialog_slot(data)["prompts"]["elicitation"] = "Elicit.Nope"
        data["interactionModel"]["prompts"][0]["variations"][0]["type"] = "Text"

    file = tmp_path / "en-US.json"
    file.write_text(json.dumps(pizza(five_mistakes)))
    with pytest.raises(ModelError) as caught:
        load_model(file)
    assert [p.pointer for p in caught.value.problems] == [
        "/interactionModel/prompts/0/variations/0/type",
        f"{LM}/invocationName",
        f"{LM}/intents/3/slots/0/type",
        f"{LM}/intents/3/samples/3",
        "/interactionModel/dialog/intents/0/slots/0/prompts/elicitation",
    ]
    assert {p.file for p in caught.value.problems} == {str(file)}
    text = str(caught.value)
    assert text.startswith("5 problem(s) in the interaction model:")
    assert f"{file}:{LM}/intents/3/slots/0/type [intent OrderIntent, slot size] slot type 'Sizes'" in text


def test_bare_language_model_pointers_match_the_file(tmp_path: Path) -> None:
    data = json.loads((MODELS / "bare" / "language-model.json").read_text())
    data["languageModel"]["intents"][0]["samples"].append("tides at {beach}")
    file = tmp_path / "tides.json"
    file.write_text(json.dumps(data))
    with pytest.raises(ModelError) as caught:
        load_model(file)
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer, problem.subject) == (
        str(file),
        "/languageModel/intents/0/samples/2",
        "intent TideIntent",
    )


def test_pointer_escapes_slashes_and_tildes() -> None:
    data = pizza()
    lm(data)["intents"][3]["slots"][0]["multipleValues"] = {"enabled": 1}
    assert problems_of(data)[0].pointer == f"{LM}/intents/3/slots/0/multipleValues/enabled"
    assert reading.json_pointer("a/b", "c~d", 3) == "/a~1b/c~0d/3"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object at the top, found array"),
        ("model", "expected a JSON object at the top, found string"),
        ({"skill": {}}, '{"interactionModel": {...}} or {"languageModel": {...}}'),
        ({"interactionModel": []}, "expected object, found array"),
        (
            {"interactionModel": {"languageModel": {"invocationName": "x", "intents": [], 1: 2}}},
            "is not a string",
        ),
        (
            {"interactionModel": {"languageModel": {"invocationName": b"x", "intents": []}}},
            "bytes is not a JSON value",
        ),
    ],
)
def test_malformed_structures_give_model_errors(data: object, message: str) -> None:
    problems = problems_of(data)
    assert any(message in p.message for p in problems), problems


def test_deep_nesting_and_huge_files_give_model_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    (problem,) = problems_of(
        {"interactionModel": {"languageModel": {"invocationName": "x", "intents": deep}}}
    )
    assert "nested more than 100 levels" in problem.message
    file = tmp_path / "deep.json"
    file.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="nested"):
        load_model(file)
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    shutil.copy(PIZZA_FILE, tmp_path / "big.json")
    with pytest.raises(ModelError, match=r"more than the 1000 byte limit"):
        load_model(tmp_path / "big.json")


def test_bad_json_and_bad_utf8_are_located(tmp_path: Path) -> None:
    file = tmp_path / "en-US.json"
    file.write_text('{"interactionModel": {\n  "languageModel": {,}\n}}')
    with pytest.raises(ModelError) as caught:
        load_model(file)
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer) == (str(file), "line 2 column 21")
    assert problem.message.startswith("not valid JSON")
    file.write_bytes(b'{"interactionModel": "caf\xe9"}')
    with pytest.raises(ModelError) as caught:
        load_model(file)
    (problem,) = caught.value.problems
    assert (problem.pointer, problem.message) == ("byte 25", "not UTF-8 text: invalid continuation byte")
    file.write_bytes(b"\xef\xbb\xbf" + PIZZA_FILE.read_bytes())
    assert load_model(file).invocation_name == "pizza helper", "a UTF-8 byte order mark is accepted"


# --------------------------------------------------------------------------------------------------- catalogues


def test_schema_file_is_a_valid_schema_that_accepts_the_fixtures() -> None:
    schema_file = Path(loader.__file__).parent / "schema" / "interaction-model.schema.json"
    Draft202012Validator.check_schema(json.loads(schema_file.read_text()))
    Draft202012Validator.check_schema(schema_check.validator().schema)
    checked = 0
    for file in MODELS.rglob("*.json"):
        if file.name == "skill.json" or "speechAssets" in file.parts:
            continue
        data = json.loads(file.read_text())
        data = data if "interactionModel" in data else {"interactionModel": data}
        assert list(schema_check.validator().iter_errors(data)) == [], file
        checked += 1
    assert checked >= 5, f"only {checked} model fixtures under {MODELS}"


def test_builtin_intent_utterances_are_speakable_and_unambiguous() -> None:
    import pocketsphinx

    dictionary = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    words = {line.split(maxsplit=1)[0] for line in dictionary.read_text().splitlines() if line.strip()}
    seen: dict[str, str] = {}
    for intent, utterances in BUILTIN_INTENTS.items():
        assert intent.startswith("AMAZON.") and intent.endswith("Intent")
        if intent == "AMAZON.FallbackIntent":
            assert utterances == ()
            continue
        assert 3 <= len(utterances) <= 10, intent
        for utterance in utterances:
            assert utterance == utterance.lower().strip()
            assert [w for w in utterance.split() if w not in words] == [], (intent, utterance)
            assert seen.setdefault(utterance, intent) == intent, (
                f"{utterance!r} in {intent} and {seen[utterance]}"
            )
    assert {"stop", "off", "shut up"} <= set(BUILTIN_INTENTS["AMAZON.StopIntent"])
    assert {"yes", "yeah", "sure", "okay"} <= set(BUILTIN_INTENTS["AMAZON.YesIntent"])
    for name in (
        "Cancel",
        "Help",
        "Stop",
        "Yes",
        "No",
        "Repeat",
        "StartOver",
        "Next",
        "Previous",
        "Pause",
        "Resume",
        "NavigateHome",
        "More",
        "LoopOn",
        "LoopOff",
        "ShuffleOn",
        "ShuffleOff",
        "PageUp",
        "PageDown",
        "ScrollUp",
        "ScrollDown",
        "ScrollLeft",
        "ScrollRight",
        "Fallback",
    ):
        assert f"AMAZON.{name}Intent" in BUILTIN_INTENTS


def test_builtin_slot_types_cover_grammar_list_and_long_tail_types() -> None:
    expected = {
        "AMAZON.NUMBER",
        "AMAZON.FOUR_DIGIT_NUMBER",
        "AMAZON.Ordinal",
        "AMAZON.DATE",
        "AMAZON.TIME",
        "AMAZON.DURATION",
        "AMAZON.SearchQuery",
        "AMAZON.US_STATE",
        "AMAZON.US_CITY",
        "AMAZON.FirstName",
        "AMAZON.US_FIRST_NAME",
        "AMAZON.Color",
        "AMAZON.Month",
        "AMAZON.DayOfWeek",
        "AMAZON.Country",
        "AMAZON.Animal",
        "AMAZON.Language",
        "AMAZON.Room",
        "AMAZON.Actor",
        "AMAZON.Airline",
        "AMAZON.Airport",
        "AMAZON.Athlete",
        "AMAZON.Author",
        "AMAZON.Book",
    }
    assert expected <= BUILTIN_SLOT_TYPES
    assert len(BUILTIN_SLOT_TYPES) > 90
    assert all(t.startswith("AMAZON.") for t in BUILTIN_SLOT_TYPES)
    assert "isInSet" in VALIDATION_TYPES and "hasEntityResolutionMatch" in VALIDATION_TYPES


def test_every_builtin_slot_type_loads() -> None:
    def all_types(data: dict[str, Any]) -> None:
        lm(data)["intents"].append(
            {
                "name": "EveryTypeIntent",
                "slots": [{"name": f"s{i}", "type": t} for i, t in enumerate(sorted(BUILTIN_SLOT_TYPES))],
                "samples": ["say {s0}"],
            }
        )

    intent = model_from_dict(pizza(all_types)).intent("EveryTypeIntent")
    assert intent is not None and len(intent.slots) == len(BUILTIN_SLOT_TYPES)


def test_legacy_invocation_name_comes_from_skill_json_when_published(tmp_path: Path) -> None:
    assets = legacy_copy(tmp_path)
    assert load_model(assets).invocation_name == "space geek"
    manifest = {"manifest": {"publishingInformation": {"locales": {"en-US": {"name": "Space Geek Deluxe"}}}}}
    (assets.parent / "skill.json").write_text(json.dumps(manifest))
    assert load_model(assets).invocation_name == "space geek deluxe"
    (assets.parent / "skill.json").write_text(json.dumps(manifest).replace("Deluxe", "2"))
    with pytest.raises(ModelError) as caught:
        load_model(assets)
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer) == (str(assets.parent / "skill.json"), None)
    assert "'space geek 2' may contain only letters" in problem.message


def test_unreadable_legacy_files_are_reported_together(tmp_path: Path) -> None:
    assets = legacy_copy(tmp_path)
    (assets / "SampleUtterances.txt").write_bytes(b"GetNewFactIntent a fact\n\xff\n")
    (assets / "customSlotTypes" / "LIST_OF_SIGNS").write_bytes(b"\xfe")
    with pytest.raises(ModelError) as caught:
        load_model(assets)
    assert [(p.file, p.pointer) for p in caught.value.problems] == [
        (str(assets / "SampleUtterances.txt"), "byte 24"),
        (str(assets / "customSlotTypes" / "LIST_OF_SIGNS"), "byte 0"),
    ]
