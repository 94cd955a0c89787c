"""Assertion semantics as Bespoken defines them: partial matches, wildcards, regexes, operators, any-of lists."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu.result import IntentResult, Resolution, SlotValue
from assistant.testing.assertions import (
    Outcome,
    check,
    is_json_path,
    json_path,
    matches,
    speech_text,
    word_diff,
)
from assistant.testing.bespoken import Assertion


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "passes"),
    [
        # partial match: the expected text anywhere in the actual
        (":", "Goodbye", "Goodbye, wise guy.", True),
        (":", "wise guy", "Goodbye, wise guy.", True),
        (":", "Hello there", "Goodbye, wise guy.", False),
        # wildcard
        (":", "Welcome*", "Welcome to hello world.", True),
        (":", "Welcome*world", "Welcome to hello world.", True),
        (":", "*nice to meet you*", "Hello world! It is nice to meet you.", True),
        (":", "Welcome*planet", "Welcome to hello world.", False),
        (":", "*", "", True),
        # everything but * is literal
        (":", "a.c", "abc", False),
        (":", "costs $5 (plus tax)?", "It costs $5 (plus tax)? Yes.", True),
        # regex
        (":", "/^73 is (too low|too high|correct)/", "73 is too low. Go higher.", True),
        (":", "/^73 is (too low|too high)/", "I heard 73 is too low.", False),
        (":", "/HELLO/i", "hello", True),
        ("=~", "Here's your fact: *", "Here's your fact: Mars is red.", True),
        ("=~", "^Here", "So, Here", False),
        ("==", "Space Facts", "Space Facts", True),
        # != is "does not contain"
        ("!=", "Goodbye", "Welcome back", True),
        ("!=", "Goodbye", "Goodbye, wise guy.", False),
        ("!=", None, "anything", True),
        ("!=", None, None, False),
        ("!=", "Goodbye", None, True),
        # absent values
        (":", None, None, True),
        (":", None, "there", False),
        (":", "*", None, False),
        # numbers and booleans compare exactly
        (":", 0, 0, True),
        (":", 0, 10, False),
        (":", False, False, True),
        (":", False, None, False),
        (":", True, False, False),
        (":", "1", 1, True),
        # numeric operators
        (">", "2", 3, True),
        (">=", 3, 3, True),
        ("<", 3, 3, False),
        ("<=", "4", "3", True),
        (">", 1, "many", False),
    ],
)
def test_operator_table(operator: str, expected: Any, actual: Any, passes: bool) -> None:
    assert matches(operator, expected, [actual]) is passes


@pytest.mark.parametrize(
    ("expected", "passes"),
    [
        (["What size would you like?", "What size latte would you like?"], True),
        (["Something else", "What size latte*"], True),
        (["Something else", "Another thing"], False),
    ],
)
def test_a_list_means_any_of(expected: list[str], passes: bool) -> None:
    assert matches(":", expected, ["What size latte would you like?"]) is passes


def test_not_equal_with_a_list_means_none_of() -> None:
    assert matches("!=", ["Bye", "Ciao"], ["Hello there"])
    assert not matches("!=", ["Bye", "Hello"], ["Hello there"])


def outcome(speech: str | None = None, **kw: Any) -> Outcome:
    values: dict[str, Any] = {"reprompt": None, "card": None, "result": None, "response": None}
    values.update(kw)
    return Outcome(speech=speech, **values)


@pytest.mark.parametrize(
    ("expected", "passes"),
    [
        ("Pasta salt, please.*Do you want to hear another one?", True),
        ("pasta salt please", True),  # case and punctuation ignored, as Bespoken's lenient mode does
        ("PASTA SALT, PLEASE! I really*", True),
        ('/<emphasis level="strong">really<\\/emphasis>/', True),  # a regex also sees the raw SSML
        ("Pasta salt, please. I really am.", False),
    ],
)
def test_prompt_ignores_ssml_tags_case_and_punctuation(expected: str, passes: bool) -> None:
    ssml = (
        '<speak>Pasta salt, please. <break time="300ms"/> I <emphasis level="strong">really</emphasis> '
        "do. Do you want to hear another one?</speak>"
    )
    checked = check(Assertion("prompt", ":", expected, 1), outcome(ssml))
    assert checked.passed is passes
    assert checked.actual.startswith("Pasta salt, please. I really do.")


def test_lenient_comparison_is_for_text_shorthands_only() -> None:
    response = {"response": {"card": {"title": "Space Facts"}}}
    assert not check(
        Assertion("response.card.title", ":", "space facts", 1), outcome(response=response)
    ).passed
    assert check(Assertion("cardTitle", ":", "space facts", 1), outcome(card={"title": "Space Facts"})).passed


def test_card_shorthands() -> None:
    card = {
        "type": "Standard",
        "title": "A Good Dog",
        "text": "Here is a dog.",
        "image": {"largeImageUrl": "https://example.com/l.png", "smallImageUrl": "https://example.com/s.png"},
    }
    seen = outcome(card=card)
    assert check(Assertion("cardContent", ":", "Here is a dog.", 1), seen).passed
    assert check(Assertion("cardImageURL", ":", "https://example.com/l.png", 1), seen).passed
    assert not check(Assertion("cardImageURL", ":", "https://example.com/s.png", 1), seen).passed
    assert check(Assertion("cardTitle", ":", None, 1), outcome()).passed


def test_intent_and_slot_assertions_read_the_understood_result() -> None:
    pet = SlotValue("pet", "PetType", "puppy", "puppy", (Resolution("PetType", True, "dog", "DOG"),))
    result = IntentResult("PetIntent", {"pet": pet})
    seen = outcome(result=result)
    assert check(Assertion("intent", ":", "PetIntent", 1), seen).passed
    assert check(Assertion("pet", ":", "puppy", 1), seen).passed
    assert check(Assertion("pet", ":", "dog", 1), seen).passed  # the resolved name counts too
    failed = check(Assertion("pet", ":", "kitten", 1), seen)
    assert not failed.passed and failed.actual == "puppy"
    assert check(Assertion("colour", ":", None, 1), seen).passed
    assert not check(Assertion("intent", ":", "PetIntent", 1), outcome()).passed


def test_json_paths() -> None:
    envelope = {
        "version": "1.0",
        "sessionAttributes": {"state": "PLAYING", "guesses": 0},
        "response": {"shouldEndSession": False, "directives": [{"type": "Dialog.Delegate"}]},
    }
    assert json_path(envelope, "response.shouldEndSession") is False
    assert json_path(envelope, "$.sessionAttributes.state") == "PLAYING"
    assert json_path(envelope, "response.directives[0].type") == "Dialog.Delegate"
    assert json_path(envelope, "response.directives[1].type") is None
    assert json_path(envelope, "response.card.title") is None
    assert json_path(None, "response") is None
    assert is_json_path("sessionAttributes") and is_json_path("response.card") and is_json_path("a.b")
    assert not is_json_path("prompt") and not is_json_path("size") and not is_json_path("intent")
    seen = outcome(response=envelope)
    assert check(Assertion("sessionAttributes.guesses", ":", 0, 1), seen).passed
    assert check(Assertion("response.shouldEndSession", ":", False, 1), seen).passed
    assert not check(Assertion("response.shouldEndSession", ":", True, 1), seen).passed


def test_speech_text_and_word_diff() -> None:
    assert speech_text("<speak>Fish &amp; chips , please .</speak>") == "Fish & chips, please."
    assert word_diff("Hello world, friend", "Hello big world, friend") == "Hello {+big+} world, friend"
    assert word_diff("Good morning world", "Hello world") == "[-Good morning-] {+Hello+} world"
