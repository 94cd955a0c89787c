"""Reading Bespoken YAML: every bundled and fixture test file, the step and assertion forms, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConversationTestError
from assistant.testing.bespoken import Assertion, load_suite, parse_suite, split_intent_step
from assistant.testing.replay import load_replay

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*ROOT.glob("skills/*/test/*.yml"), *ROOT.glob("tests/fixtures/skills/*/test/*.yml")])


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.parent.parent.name)
def test_every_shipped_test_file_reads(file: Path) -> None:
    suite = load_suite(file)
    assert suite.configuration.locale == "en-US"
    assert suite.configuration.handler and suite.configuration.interaction_model
    assert suite.tests and all(t.steps for t in suite.tests)
    assert all(t.steps[0].kind == "launch" for t in suite.tests)


def test_steps_assertions_and_lines() -> None:
    text = """---
configuration: {locale: en-GB, handler: index.handler, interactionModel: models/en-GB.json,
                userId: user-1, deviceId: device-1, applicationId: amzn1.ask.skill.x, dynamo: mock}
---
- test: order flow
- LaunchRequest: Welcome*
- OrderIntent size=large drink="iced latte":
  - prompt: ["A large pizza, right?"]
  - response.shouldEndSession: false
- "order a large pizza":
  - intent: OrderIntent
  - size: large
- no: Okay
- yes
- ""
- Help:
  - response.card.title == "Menu"
  - cardContent != undefined
  - What can I get you?
  - Or this?
- audio: rec/hello.wav
  prompt: Hi*
- AMAZON.StopIntent: Bye
- SessionEndedRequest
"""
    suite = parse_suite(text, Path("/skill/test/x.yml"))
    config = suite.configuration
    assert (config.locale, config.user_id, config.device_id, config.application_id) == (
        "en-GB",
        "user-1",
        "device-1",
        "amzn1.ask.skill.x",
    )
    (test,) = suite.tests
    assert test.name == "order flow" and test.line == 5
    kinds = [s.kind for s in test.steps]
    assert kinds == [
        "launch",
        "text",
        "text",
        "text",
        "text",
        "silence",
        "text",
        "audio",
        "text",
        "session-ended",
    ]
    launch, order, utterance, no, yes, silence, help_, audio, stop, _ = test.steps
    assert launch.assertions == (Assertion("prompt", ":", "Welcome*", 6),)
    assert order.line == 7 and order.assertions == (
        Assertion("prompt", ":", ["A large pizza, right?"], 8),
        Assertion("response.shouldEndSession", ":", False, 9),
    )
    assert [a.path for a in utterance.assertions] == ["intent", "size"]
    assert no.text == "no" and yes.text == "yes"  # YAML 1.2 booleans: "no" and "yes" stay words
    assert help_.assertions == (
        Assertion("prompt", ":", ["What can I get you?", "Or this?"], 19),
        Assertion("response.card.title", "==", "Menu", 17),
        Assertion("cardContent", "!=", None, 18),
    )
    assert audio.audio == Path("/skill/test/rec/hello.wav") and audio.assertions[0].path == "prompt"
    assert stop.assertions[0].expected == "Bye"


def test_split_intent_step() -> None:
    intents = frozenset({"OrderIntent"})
    step = split_intent_step('OrderIntent size=large drink="iced latte"', intents, "x.yml:3")
    assert step is not None and step.intent == "OrderIntent"
    assert step.slots == {"size": "large", "drink": "iced latte"}
    amazon = split_intent_step("AMAZON.YesIntent", intents, "x.yml:3")
    assert amazon is not None and amazon.slots == {}
    assert split_intent_step("order a large pizza", intents, "x.yml:3") is None
    with pytest.raises(ConversationTestError, match=r"x.yml:3: 'large' in .* is not slot=value"):
        split_intent_step("OrderIntent large", intents, "x.yml:3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- test: a\n- LaunchRequest\n---\n- test: a\n- LaunchRequest\n", "two tests are named 'a'"),
        ("---\nlocale: en-US\n", r"x.yml:2: a mapping document must be the configuration block"),
        ("- test: a\n- LaunchRequest: x\n  prompt: y\n", r"x.yml:2: a step has one key"),
        ("- test: [unclosed\n", "not valid YAML"),
        ("---\nconfiguration: [a]\n", r"x.yml:2: configuration must be a mapping"),
    ],
)
def test_malformed_files_say_where(text: str, message: str) -> None:
    with pytest.raises(ConversationTestError, match=message):
        parse_suite(text, Path("x.yml"))


def test_replay_files(tmp_path: Path) -> None:
    replay = load_replay(ROOT / "tests/fixtures/testing/hello.replay.json")
    assert replay.locale == "en-US" and replay.inputs[0] == "open hello world"
    assert replay.configuration.application_id == replay.skill_id
    bad = tmp_path / "bad.json"
    for content, message in [
        ("{", "not JSON"),
        ('{"userInput": "open"}', "needs a userInput list"),
        ('{"userInput": [1]}', r"userInput\[0\] is not a string"),
        ('{"type": "voice", "userInput": []}', 'only type "text"'),
    ]:
        bad.write_text(content)
        with pytest.raises(ConversationTestError, match=message):
            load_replay(bad)
