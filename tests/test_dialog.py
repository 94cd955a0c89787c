"""The dialog manager on its own: validation rules, prompt rendering, the dialog grammar, a bare value answering
an elicitation, and recompiling a session grammar with dynamic entities. No skill runs here (the skills are in
test_dialog_skills.py); the model is the pizza-dialog fixture's."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import pytest

from assistant.grammar.compiler import compile_dialog, compile_session
from assistant.model.loader import load_model
from assistant.model.types import InteractionModel, TypeValue, Validation
from assistant.nlu.parser import parse
from assistant.runtime.dialog import DialogModelManager, DialogProgress
from assistant.runtime.envelopes import intent_object
from assistant.runtime.session import Session
from assistant.skills.package import SkillPackage

ROOT = Path(__file__).resolve().parent.parent
PIZZA = ROOT / "tests" / "fixtures" / "skills" / "pizza-dialog"
APP = "amzn1.ask.skill.pizza"
TODAY = date(2015, 11, 24)


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return load_model(PIZZA / "skill-package" / "interactionModels" / "custom" / "en-US.json", "en-US")


def session_of(model: InteractionModel) -> Session:
    package = SkillPackage(
        name="pizza-dialog",
        root=PIZZA,
        layout="ask-cli-v2",
        model_path=PIZZA / "skill-package" / "interactionModels" / "custom" / "en-US.json",
        code_dir=PIZZA / "lambda",
        runtime="python",
        handler="lambda_function.lambda_handler",
        application_id=APP,
    )
    return Session(package=package, model=model, grammar=compile_session(model), session_id="s")


def filled(value: str, resolved: str | None = None) -> dict[str, object]:
    slot: dict[str, object] = {"name": "x", "value": value, "confirmationStatus": "NONE"}
    if resolved is not None:
        match = {"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"name": resolved, "id": "X"}}]}
        slot["resolutions"] = {"resolutionsPerAuthority": [match]}
    return slot


@pytest.mark.parametrize(
    ("rule", "slot", "valid"),
    [
        (Validation("hasEntityResolutionMatch", "p"), filled("big", "large"), True),
        (Validation("hasEntityResolutionMatch", "p"), filled("gigantic"), False),
        (Validation("isInSet", "p", values=("large", "small")), filled("big", "large"), True),
        (Validation("isInSet", "p", values=("large", "small")), filled("medium", "medium"), False),
        (Validation("isNotInSet", "p", values=("large",)), filled("large"), False),
        (Validation("isNotInSet", "p", values=("large",)), filled("small"), True),
        (Validation("isGreaterThan", "p", value="0"), filled("0"), False),
        (Validation("isGreaterThan", "p", value="0"), filled("1"), True),
        (Validation("isGreaterThanOrEqualTo", "p", value="2"), filled("2"), True),
        (Validation("isLessThan", "p", value="10"), filled("10"), False),
        (Validation("isLessThanOrEqualTo", "p", value="10"), filled("10"), True),
        (Validation("isLessThanOrEqualTo", "p", value="10"), filled("?"), False),
        (Validation("isInDuration", "p", start="P1D", end="P7D"), filled("2015-11-25"), True),
        (Validation("isInDuration", "p", start="P1D", end="P7D"), filled("2015-11-24"), False),
        (Validation("isInDuration", "p", start="P1D", end="P7D"), filled("2015-12-02"), False),
        (Validation("isInDuration", "p", start="-P1M", end="P0D"), filled("2015-10-24"), True),
        (Validation("isInDuration", "p", start="P0D", end="P1Y"), filled("2016-W02"), True),
        (Validation("isNotInDuration", "p", start="P0D", end="P1W"), filled("2015-12"), False),
        (Validation("isNotInDuration", "p", start="P0D", end="P1W"), filled("2016"), True),
    ],
)
def test_validation_rules(rule: Validation, slot: dict[str, object], valid: bool) -> None:
    manager = DialogModelManager(random.Random(0), today=lambda: TODAY)
    assert manager.valid(rule, slot) is valid


def test_prompts_substitute_slots_and_escape_them_in_ssml(model: InteractionModel) -> None:
    manager = DialogModelManager(random.Random(0))
    intent = {"name": "OrderPizzaIntent", "slots": {"size": {"name": "size", "value": "<large> & co"}}}
    speech = manager.render(model, "Elicit.Slot.crust", intent)
    assert speech.ssml
    assert (
        speech.text
        == "<speak>Which crust for your &lt;large&gt; &amp; co pizza: thin, thick or stuffed?</speak>"
    )
    plain = manager.render(
        model, "Val.size", {"name": "x", "slots": {"size": {"name": "size", "value": "huge"}}}
    )
    assert (plain.text, plain.ssml) == ("Sorry, huge is not a size we make. Small, medium or large?", False)


def test_prompt_variation_is_random_and_seeded(model: InteractionModel) -> None:
    intent = {"name": "OrderPizzaIntent", "slots": {}}

    def picks(seed: int) -> list[str]:
        manager = DialogModelManager(random.Random(seed))
        return [manager.render(model, "Elicit.Slot.size", intent).text for _ in range(30)]

    assert picks(11) == picks(11)
    assert len(set(picks(11))) == 3  # every variation comes up, the SSML one included
    assert picks(11) != picks(12)


def test_the_dialog_grammar_hears_the_answer_the_whole_intent_and_other_intents(
    model: InteractionModel,
) -> None:
    grammar = compile_dialog(model, "OrderPizzaIntent", "crust")
    answer = parse("thick crust", grammar)
    assert answer is not None and answer.intent == "OrderPizzaIntent"
    assert answer.slots["crust"].value == "thick"
    several = parse("order two large thin crust pizzas", grammar)
    assert several is not None and {n: s.value for n, s in several.slots.items()} == {
        "count": "2",
        "size": "large",
        "crust": "thin",
    }
    switch = parse("what are the specials", grammar)
    assert switch is not None and switch.intent == "SpecialsIntent"
    stop = parse("stop", grammar)
    assert stop is not None and stop.intent == "AMAZON.StopIntent"
    confirm = compile_dialog(model, "OrderPizzaIntent", None)
    yes = parse("yes please", confirm)
    assert yes is not None and yes.intent == "AMAZON.YesIntent"
    size = compile_dialog(model, "OrderPizzaIntent", "size")
    assert parse("thick crust", size, open_slots=False) is None
    answer = parse("thick crust", size)  # any words answer the elicited slot, unresolved (as on Alexa)
    assert answer is not None and answer.slots["size"].value == "thick crust" and answer.slots["size"].resolved is None


def test_a_bare_value_fills_the_elicited_slot(model: InteractionModel) -> None:
    """ "mushrooms" answering "second topping?" also fits the intent's bare "{topping}" sample (as the session
    grammar reads it): it fills second_topping, and the first topping stays."""
    session = session_of(model)
    manager = DialogModelManager(random.Random(0))
    first = parse("a pizza with ham", session.grammar)
    assert first is not None
    session.dialog = DialogProgress(
        intent=intent_object(model, first, APP),
        directive="Dialog.ElicitSlot",
        slot="second_topping",
        strategy="SKILL_RESPONSE",
        by_skill=True,
    )
    answer = parse("mushrooms", session.grammar)
    assert answer is not None and list(answer.slots) == ["topping"]  # the reading the manager must correct
    step = manager.before_intent(session, intent_object(model, answer, APP), answer)
    assert step.dialog_state == "IN_PROGRESS" and step.intent is not None
    slots = step.intent["slots"]
    assert (slots["topping"]["value"], slots["second_topping"]["value"]) == ("ham", "mushrooms")
    assert slots["second_topping"]["resolutions"]["resolutionsPerAuthority"][0]["values"] == [
        {"value": {"name": "mushrooms", "id": "MUSHROOMS"}}
    ]


def test_recompiling_with_100_dynamic_values_is_fast_and_resolves_them_first(model: InteractionModel) -> None:
    compile_session(model)  # the lexicon and the static model, as in a running session
    words = ["red", "green", "blue", "black", "white", "pink", "gold", "silver", "brown", "grey"]
    shapes = ["moon", "star", "sun", "cloud", "river", "mountain", "forest", "ocean", "desert", "island"]
    values = [
        TypeValue(f"{w} {s}", f"ID{i}") for i, (w, s) in enumerate((w, s) for w in words for s in shapes)
    ]
    values.append(TypeValue("margherita", "DYN_MARGHERITA", ("the queen",)))
    started = time.perf_counter()
    grammar = compile_session(model, {"SpecialType": values})
    seconds = time.perf_counter() - started
    assert seconds < 0.2, f"recompiling with {len(values)} dynamic values took {seconds * 1000:.0f} ms"
    heard = parse("order the silver island", grammar)
    assert heard is not None and heard.slots["special"].resolved == {"name": "silver island", "id": "ID79"}
    both = parse("order the margherita", grammar)
    assert both is not None
    resolutions = both.slots["special"].resolutions
    assert [(r.dynamic, r.matched, r.id) for r in resolutions] == [
        (True, True, "DYN_MARGHERITA"),
        (False, True, "MARGHERITA"),
    ]
    assert parse("order the silver island", compile_session(model), open_slots=False) is None
