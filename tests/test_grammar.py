"""The grammar compiler: factoring, golden JSGF, the decoder's automaton, pronunciations, the three grammars."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant.errors import GrammarError
from assistant.grammar.compiler import compile_dialog, compile_launcher, compile_session
from assistant.grammar.expr import Alt, Seq, Word, parse_jsgf, to_jsgf
from assistant.grammar.fsa import build_fsa, log_size
from assistant.model.loader import model_from_dict
from assistant.nlu.parser import parse

GOLDEN = Path(__file__).parent / "golden"


def model(intents, types=(), invocation="test skill", dialog=None, prompts=()):
    lm = {"invocationName": invocation, "intents": list(intents), "types": list(types)}
    data = {"interactionModel": {"languageModel": lm}}
    if dialog:
        data["interactionModel"]["dialog"] = dialog
        data["interactionModel"]["prompts"] = list(prompts)
    return model_from_dict(data, source="<test>")


PIZZA = model(
    [
        {"name": "OrderIntent", "slots": [{"name": "size", "type": "SizeType", "samples": ["{size}", "a {size} one"]},
                                          {"name": "count", "type": "AMAZON.NUMBER"}],
         "samples": ["order a {size} pizza", "order {count} {size} pizzas", "i want a {size} pizza",
                     "i want {count} {size} pizzas", "get me a {size} pizza please"]},
        {"name": "AMAZON.StopIntent", "samples": []},
        {"name": "AMAZON.HelpIntent", "samples": []},
    ],
    [{"name": "SizeType", "values": [{"id": "L", "name": {"value": "large", "synonyms": ["big", "huge"]}},
                                     {"id": "S", "name": {"value": "small", "synonyms": ["little"]}}]}],
    invocation="pizza helper",
)

GREETER = model(
    [{"name": "HelloIntent", "samples": ["say hello", "say hi", "hello", "hello there", "say hello there"]},
     {"name": "AMAZON.CancelIntent", "samples": []}],
    invocation="greeter",
)


@pytest.mark.parametrize("name,m", [("pizza", PIZZA), ("greeter", GREETER)])
def test_golden_jsgf(name: str, m, update_golden: bool) -> None:
    grammar = compile_session(m)
    text = grammar.jsgf.replace(grammar.name, "NAME")
    path = GOLDEN / f"{name}.jsgf"
    if update_golden or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"grammar changed; rerun with --update-golden if intended ({path})"


def test_samples_are_factored_not_expanded() -> None:
    grammar = compile_session(GREETER)
    rule = grammar.rules[next(n for n in grammar.rules if n.startswith("i_HelloIntent") and not n[-1].isdigit())]
    text = to_jsgf(rule)
    # Five samples; "say" is a shared prefix, "hello [there]" a shared suffix (small enough to inline).
    assert text == "hello [ there ] | say ( hello [ there ] | hi )"


def test_automaton_accepts_exactly_the_samples() -> None:
    grammar = compile_session(GREETER)
    fsa = grammar.fsa
    for sentence in ("say hello", "say hi", "hello there", "say hello there", "cancel", "never mind", "exit"):
        assert fsa.accepts(sentence.split()), sentence
    for sentence in ("say", "hi there", "hello hello", "say hi there"):
        assert not fsa.accepts(sentence.split()), sentence


def test_automaton_is_minimal_and_counts_sentences() -> None:
    words = [Word(w) for w in ("a", "b", "c")]
    rules = {"main": Seq((Alt(tuple(words)), Alt(tuple(words)), Alt(tuple(words))))}
    fsa = build_fsa(rules, "main")
    assert fsa.n_states == 5  # 4 positions + the final state
    assert round(10 ** log_size(fsa)) == 27
    for sentence in itertools.product("abc", repeat=3):
        assert fsa.accepts(sentence)


def test_custom_type_with_many_values_compiles() -> None:
    values = [{"name": {"value": f"item {n}"}} for n in range(2000)]
    m = model([{"name": "PickIntent", "slots": [{"name": "x", "type": "Items"}], "samples": ["pick {x}"]}],
              [{"name": "Items", "values": values}])
    grammar = compile_session(m)
    result = parse("pick item 1234", grammar)
    assert result is not None and result.slots["x"].value == "item one thousand two hundred thirty four"


def test_guessed_and_supplied_pronunciations() -> None:
    m = model([{"name": "OrderIntent", "samples": ["order a frappuccino", "order a zorblax"]}])
    grammar = compile_session(m)
    assert set(grammar.pronunciations.guessed) == {"frappuccino", "zorblax"}
    assert grammar.pronunciations.extra["frappuccino"].startswith("F R")
    supplied = model_from_dict(
        {"interactionModel": {"languageModel": {"invocationName": "x y", "intents": [
            {"name": "OrderIntent", "samples": ["order a zorblax"]}]}}}, source="<test>")
    supplied = type(supplied)(**{**{f: getattr(supplied, f) for f in supplied.__dataclass_fields__},
                                 "pronunciations": (("zorblax", "Z AO R B L AE K S"),)})
    g2 = compile_session(supplied)
    assert g2.pronunciations.supplied == ("zorblax",)
    assert g2.pronunciations.extra["zorblax"] == "Z AO R B L AE K S"


def test_launcher_grammar_routes_to_skills() -> None:
    grammar = compile_launcher([PIZZA, GREETER])
    launch = parse("open pizza helper", grammar)
    assert launch and launch.launch and launch.skill == "pizza helper" and launch.intent == "LaunchRequest"
    oneshot = parse("ask pizza helper to order a big pizza", grammar)
    assert oneshot and oneshot.skill == "pizza helper" and oneshot.intent == "OrderIntent"
    assert oneshot.slots["size"].resolved == {"name": "large", "id": "L"}
    greet = parse("tell greeter to say hello", grammar)
    assert greet and greet.skill == "greeter" and greet.intent == "HelloIntent"
    assert parse("what skills do i have", grammar).intent == "System.ListSkills"
    assert parse("open unknown thing", grammar) is None


def test_slot_grammar_hears_values_samples_whole_intent_and_builtins() -> None:
    grammar = compile_dialog(PIZZA, "OrderIntent", "size")
    assert parse("big", grammar).slots["size"].value == "big"
    assert parse("a little one", grammar).slots["size"].resolved == {"name": "small", "id": "S"}
    assert parse("order three large pizzas", grammar).slots["count"].value == "3"
    assert parse("stop", grammar).intent == "AMAZON.StopIntent"
    assert parse("help", grammar).intent == "AMAZON.HelpIntent"


def test_yes_no_grammar() -> None:
    grammar = compile_dialog(PIZZA, "OrderIntent", None)
    assert parse("yes please", grammar).intent == "AMAZON.YesIntent"
    assert parse("no thanks", grammar).intent == "AMAZON.NoIntent"
    assert parse("cancel", grammar).intent == "AMAZON.CancelIntent"
    assert parse("order a big pizza", grammar).intent == "OrderIntent"  # the whole request again


def test_dynamic_entities_extend_a_type() -> None:
    from assistant.model.types import TypeValue

    grammar = compile_session(PIZZA, dynamic={"SizeType": [TypeValue("family size", "FAM", ("massive",))]})
    result = parse("order a massive pizza", grammar)
    assert result is not None
    first, second = result.slots["size"].resolutions
    assert first.dynamic and first.matched and first.id == "FAM"
    assert not second.dynamic and not second.matched


def test_search_query_is_outside_the_automaton_except_as_an_open_slot_and_reported() -> None:
    m = model([{"name": "SearchIntent", "slots": [{"name": "q", "type": "AMAZON.SearchQuery"}],
                "samples": ["search for {q}"]},
               {"name": "HelloIntent", "samples": ["hello"]}])
    grammar = compile_session(m)
    assert parse("search for red shoes", grammar).slots["q"].value == "red shoes"
    assert any("SearchQuery" in note for note in grammar.voice_excluded)
    assert "search" not in grammar.jsgf and grammar.fsa.accepts(["hello"])
    assert grammar.open_fsa is not None and grammar.open_fsa.accepts(["search", "for", "<query>"])
    assert not grammar.open_fsa.accepts(["<query>"])  # an open slot needs a carrier phrase


def test_jsgf_subset_parser() -> None:
    rules, public = parse_jsgf("#JSGF V1.0;\ngrammar g;\npublic <main> = (a | b) [c] <x>;\n<x> = d;\n")
    assert public == "main" and set(rules) == {"main", "x"}
    with pytest.raises(GrammarError, match="undefined <y>"):
        parse_jsgf("#JSGF V1.0; grammar g; public <main> = <y>;")
    with pytest.raises(GrammarError, match="missing"):
        parse_jsgf("#JSGF V1.0; grammar g; public <main> = ( a | b ;")


def test_compile_is_cached_by_content() -> None:
    assert compile_session(PIZZA) is compile_session(PIZZA)
    other = model([{"name": "HelloIntent", "samples": ["say hello"]}], invocation="greeter")
    assert compile_session(other).name != compile_session(GREETER).name
