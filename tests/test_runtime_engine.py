"""The engine end to end: real fixture skills installed with the real installer, real workers, real ask-sdk-core
(Python 1.19 and Node v2), the 2015 context.succeed style, and real sqlite.

The fixture skills are installed once per test session (in parallel: about 35 s with a warm pip cache); every
test that uses them is marked slow. A small Node skill written here (no dependencies) pins down the session
rules (shouldEndSession true / false / null / absent, Dialog directives) without an install.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.runtime.engine import DIDNT_CATCH, Engine, Turn
from assistant.settings import Settings
from assistant.skills import install
from assistant.skills.layout import detect
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry, installation_ids
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "skills"
NOW = datetime(2015, 11, 24, 12, 30, tzinfo=UTC)
FIXTURE_NAMES = {
    "py-classes-v2": "pet-helper",
    "py-decorators-v1": "fruit-stand",
    "node-sdk-v2": "number-keeper",
    "legacy-succeed": "animal-sounds",
    "faulty": "bad-robot",
}
needs_node = pytest.mark.skipif(
    subprocess.run(["which", "node"], capture_output=True).returncode != 0, reason="node is not installed"
)

MODES_MODEL = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "session modes",
            "intents": [
                {"name": "TrueIntent", "samples": ["end it"]},
                {"name": "FalseIntent", "samples": ["keep it open"]},
                {"name": "NullIntent", "samples": ["say null"]},
                {"name": "AbsentIntent", "samples": ["leave it out"]},
                {
                    "name": "OrderIntent",
                    "slots": [
                        {"name": "size", "type": "SizeType", "samples": ["{size}", "a {size} one"]},
                        {"name": "crust", "type": "AMAZON.NUMBER"},
                    ],
                    "samples": ["order a pizza", "order a {size} pizza"],
                },
                {"name": "AMAZON.StopIntent", "samples": []},
            ],
            "types": [
                {"name": "SizeType", "values": [{"id": "L", "name": {"value": "large", "synonyms": ["big"]}}]}
            ],
        },
        "dialog": {
            "intents": [
                {
                    "name": "OrderIntent",
                    "delegationStrategy": "SKILL_RESPONSE",
                    "confirmationRequired": False,
                    "prompts": {},
                    "slots": [
                        {
                            "name": "size",
                            "type": "SizeType",
                            "elicitationRequired": False,
                            "confirmationRequired": False,
                            "prompts": {},
                        }
                    ],
                }
            ],
            "delegationStrategy": "SKILL_RESPONSE",
        },
    }
}
MODES_CODE = r"""
const say = (text) => ({type: 'PlainText', text});
exports.handler = async (event) => {
  const request = event.request;
  const attributes = Object.assign({}, event.session.attributes, {seen: (event.session.attributes.seen || 0) + 1});
  if (request.type === 'LaunchRequest') {
    return {version: '1.0', sessionAttributes: attributes,
            response: {outputSpeech: say('Ready.'), reprompt: {outputSpeech: say('Say a mode.')}, shouldEndSession: false}};
  }
  if (request.type === 'SessionEndedRequest') return {version: '1.0', response: {}};
  const name = request.intent.name;
  const response = {outputSpeech: say(name)};
  if (name === 'TrueIntent') response.shouldEndSession = true;
  if (name === 'FalseIntent') response.shouldEndSession = false;
  if (name === 'NullIntent') response.shouldEndSession = null;
  if (name === 'OrderIntent') {
    const size = request.intent.slots.size;
    if (!size.value) {
      return {version: '1.0', sessionAttributes: attributes, response: {
        outputSpeech: say('What size?'), directives: [{type: 'Dialog.ElicitSlot', slotToElicit: 'size'}]}};
    }
    response.outputSpeech = say(`${request.dialogState} ${size.value} ${size.resolutions.resolutionsPerAuthority[0].values[0].value.id}`);
    response.shouldEndSession = true;
  }
  return {version: '1.0', sessionAttributes: attributes, response};
};
"""


@pytest.fixture(scope="session")
def modes_skill(tmp_path_factory: pytest.TempPathFactory) -> SkillPackage:
    folder = tmp_path_factory.mktemp("skills") / "session-modes"
    folder.mkdir()
    (folder / "en-US.json").write_text(json.dumps(MODES_MODEL))
    (folder / "index.js").write_text(MODES_CODE)
    return detect(folder)


@pytest.fixture
def bare_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", include_bundled=False, skill_timeout=5
    )


def make_engine(settings: Settings, extra: tuple[SkillPackage, ...] = ()) -> Engine:
    store = AttributeStore(settings.database)
    return Engine(
        settings,
        Registry(settings),
        WorkerPool(settings, store),
        store,
        clock=lambda: NOW,
        extra_skills=extra,
    )


@pytest.fixture
def modes(bare_settings: Settings, modes_skill: SkillPackage) -> Iterator[Engine]:
    with make_engine(bare_settings, (modes_skill,)) as engine:
        yield engine


def said(turn: Turn) -> str:
    return turn.speech or ""


def request_types(turn: Turn) -> list[str]:
    return [r["request"]["type"] for r in turn.requests]


# --- session rules, with the inline Node skill -----------------------------------------------------------------


@needs_node
def test_should_end_session_true_ends_without_a_session_ended_request(modes: Engine) -> None:
    assert modes.handle_text("open session modes").listen
    turn = modes.handle_text("end it")
    assert said(turn) == "TrueIntent"
    assert request_types(turn) == ["IntentRequest"]
    assert not turn.session_open and not turn.listen
    assert "session-ended:session-modes:SHOULD_END_SESSION" in turn.events
    assert modes.session is None and modes.listening_grammar() is modes.top_grammar()


@needs_node
@pytest.mark.parametrize("utterance", ["keep it open", "say null"])
def test_false_or_null_keeps_the_session_and_the_microphone_open(modes: Engine, utterance: str) -> None:
    modes.handle_text("open session modes")
    turn = modes.handle_text(utterance)
    assert turn.session_open and turn.listen and modes.expects_answer()
    assert modes.listening_grammar().kind == "session"


@needs_node
def test_absent_should_end_session_ends_it_on_a_device_without_a_screen(modes: Engine) -> None:
    modes.handle_text("open session modes")
    turn = modes.handle_text("leave it out")
    assert said(turn) == "AbsentIntent"
    assert not turn.session_open
    assert request_types(turn) == ["IntentRequest"]


@needs_node
def test_attributes_go_back_with_new_false(modes: Engine) -> None:
    opened = modes.handle_text("open session modes")
    assert opened.requests[0]["session"]["new"] is True
    assert opened.requests[0]["session"]["attributes"] == {}
    turn = modes.handle_text("keep it open")
    session = turn.requests[0]["session"]
    assert session["new"] is False
    assert session["attributes"] == {"seen": 1}
    assert session["sessionId"] == opened.requests[0]["session"]["sessionId"]
    assert modes.handle_text("keep it open").requests[0]["session"]["attributes"] == {"seen": 2}


@needs_node
def test_without_a_reprompt_the_first_silence_ends_the_session(modes: Engine) -> None:
    modes.handle_text("open session modes")
    modes.handle_text("keep it open")  # shouldEndSession false, no reprompt
    turn = modes.handle_silence()
    assert turn.speech is None
    assert request_types(turn) == ["SessionEndedRequest"]
    assert turn.requests[0]["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"


@needs_node
def test_reprompt_on_silence_then_exceeded_max_reprompts(modes: Engine) -> None:
    modes.handle_text("open session modes")
    first = modes.handle_text("")
    assert said(first) == "Say a mode." and first.listen and first.requests == ()
    second = modes.handle_text("")
    assert second.requests[0]["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"
    assert "error" not in second.requests[0]["request"]
    assert "session-ended:session-modes:EXCEEDED_MAX_REPROMPTS" in second.events
    assert not second.session_open


@needs_node
def test_speaking_between_silences_resets_the_reprompt(modes: Engine) -> None:
    modes.handle_text("open session modes")
    modes.handle_silence()
    modes.handle_text("say null")  # no reprompt in that response
    assert modes.handle_silence().requests[0]["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"


@needs_node
@pytest.mark.parametrize("word", ["exit", "quit"])
def test_exit_ends_the_session_with_user_initiated(modes: Engine, word: str) -> None:
    modes.handle_text("open session modes")
    turn = modes.handle_text(word)
    assert request_types(turn) == ["SessionEndedRequest"]
    assert turn.requests[0]["request"]["reason"] == "USER_INITIATED"
    assert not turn.session_open and turn.speech is None


@needs_node
def test_a_rejected_recognition_without_fallback_is_didnt_catch_that_and_the_reprompt(modes: Engine) -> None:
    modes.handle_text("open session modes")
    turn = modes.handle_recognition(None, "purple monkey dishwasher")
    assert said(turn) == f"{DIDNT_CATCH} Say a mode."
    assert turn.requests == () and turn.session_open and turn.listen


@needs_node
def test_text_no_sample_covers_goes_to_the_closest_intent_without_fallback(modes: Engine) -> None:
    """As on Alexa, a skill without AMAZON.FallbackIntent gets its nearest intent, never an apology for it."""
    modes.handle_text("open session modes")
    turn = modes.handle_text("keep everything open forever")
    assert [r["request"]["intent"] for r in turn.requests] == [
        {"name": "FalseIntent", "confirmationStatus": "NONE", "slots": {}}
    ]
    assert said(turn) == "FalseIntent" and turn.session_open
    nothing_alike = modes.handle_text("purple monkey dishwasher")  # still an intent, never stop
    assert [r["request"]["intent"]["name"] for r in nothing_alike.requests] == ["OrderIntent"]


@needs_node
def test_dialog_directives_keep_the_session_and_the_answer_maps_back(modes: Engine) -> None:
    turn = modes.handle_text("ask session modes to order a pizza")
    request = turn.requests[0]["request"]
    assert request["dialogState"] == "STARTED"
    assert request["intent"]["slots"] == {
        "size": {"name": "size", "confirmationStatus": "NONE"},
        "crust": {"name": "crust", "confirmationStatus": "NONE"},
    }
    assert said(turn) == "What size?" and turn.session_open and turn.listen
    assert "dialog:session-modes:Dialog.ElicitSlot" in turn.events
    assert modes.listening_grammar().kind == "slot"
    answer = modes.handle_text("a big one")
    assert answer.requests[0]["request"]["dialogState"] == "IN_PROGRESS"
    assert said(answer) == "IN_PROGRESS big L"
    assert not answer.session_open


@needs_node
def test_the_envelope_identity_and_clock(
    modes: Engine, bare_settings: Settings, modes_skill: SkillPackage
) -> None:
    turn = modes.handle_text("open session modes")
    event = turn.requests[0]
    user_id, device_id = installation_ids(bare_settings)
    assert event["context"]["System"]["user"]["userId"] == event["session"]["user"]["userId"] == user_id
    assert event["context"]["System"]["device"] == {"deviceId": device_id, "supportedInterfaces": {"AudioPlayer": {}}}
    assert event["session"]["application"]["applicationId"] == modes_skill.application_id
    assert event["request"]["timestamp"] == "2015-11-24T12:30:00Z"
    assert event["request"]["locale"] == "en-US"


def test_top_level_routing_without_a_session(modes: Engine) -> None:
    listed = modes.handle_text("what skills do I have")
    assert "session modes" in said(listed) and listed.events == ("list-skills",)
    unknown = modes.handle_text("open the pod bay doors")
    assert "I can't find a skill called the pod bay doors" in said(unknown)
    assert "session modes" in said(unknown) and not unknown.session_open
    nonsense = modes.handle_text("purple monkey dishwasher")
    assert nonsense.events == ("not-understood",) and "session modes" in said(nonsense)
    assert modes.handle_silence().speech is None


def test_a_bundled_skill_without_its_environment_says_how_to_set_it_up(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", include_bundled=True)
    with make_engine(settings) as engine:
        turn = engine.handle_text("open hello world")
        assert "assistant setup" in said(turn)
        assert turn.events == ("setup-needed:hello-world",)
        assert "assistant setup" in (turn.error or "")
        assert not turn.session_open
        assert engine.handle_text("what skills do I have").events == ("list-skills",)


# --- the real fixture skills -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data folder with every fixture skill installed by the real installer (pip / npm)."""
    data = tmp_path_factory.mktemp("runtime-data")
    settings = Settings(data_dir=data, cache_dir=data / "cache", include_bundled=False, skill_timeout=3)

    def one(item: tuple[str, str]) -> SkillPackage:
        folder, name = item
        invocation = "animal sounds" if folder == "legacy-succeed" else None
        return install.install(FIXTURES / folder, settings, invocation=invocation, name=name)

    try:
        with ThreadPoolExecutor(len(FIXTURE_NAMES)) as pool:
            list(pool.map(one, FIXTURE_NAMES.items()))
    except Exception as error:  # noqa: BLE001 (offline: the registry cannot be reached)
        if any(
            w in str(error).lower() for w in ("network", "resolve", "connection", "unreachable", "eai_again")
        ):
            pytest.skip(f"cannot install the fixture skills offline: {error}")
        raise
    return settings


@pytest.fixture
def engine(installed: Settings) -> Iterator[Engine]:
    with make_engine(installed) as engine:
        yield engine


@pytest.mark.slow
@pytest.mark.parametrize(
    ("launch", "utterance", "expected"),
    [
        # Python ask-sdk-core, class handlers, non-default entry point skill_main.handler
        ("open pet helper", "i have a puppy", "<speak>You said puppy, which is a dog with id DOG.</speak>"),
        # Python ask-sdk, decorators, ASK CLI v1 layout, StandardSkillBuilder
        ("open fruit stand", "i like apples", "<speak>You like apples. Good choice.</speak>"),
        # Node ask-sdk-core v2, callback
        ("launch number keeper", "how many turns", "<speak>This is turn 2.</speak>"),
        # 2015 style: context.succeed
        ("start animal sounds", "what does a cow say", "A cow says moo."),
    ],
)
def test_the_calling_conventions(engine: Engine, launch: str, utterance: str, expected: str) -> None:
    opened = engine.handle_text(launch)
    assert opened.session_open and opened.listen, opened
    assert request_types(opened) == ["LaunchRequest"]
    turn = engine.handle_text(utterance)
    assert turn.speech == expected, turn
    assert turn.requests[0]["session"]["new"] is False
    stopped = engine.handle_text("stop")
    assert not stopped.session_open


@pytest.mark.slow
def test_a_real_sdk_skill_reads_resolutions_and_round_trips_attributes(engine: Engine) -> None:
    opened = engine.handle_text("open pet helper")
    assert opened.card == {"type": "Simple", "title": "Pet Helper", "content": "Tell me about your pet."}
    assert opened.responses[0]["sessionAttributes"] == {"turn": 1}
    pet = engine.handle_text("i have a puppy")
    assert pet.requests[0]["session"]["attributes"] == {"turn": 1}
    assert pet.responses[0]["sessionAttributes"] == {"turn": 2, "pet": "DOG"}
    dated = engine.handle_text("the date is today")  # the injected clock's today
    assert dated.speech == "<speak>The date is 2015-11-24.</speak>"
    assert dated.requests[0]["request"]["intent"]["slots"]["date"]["value"] == "2015-11-24"


@pytest.mark.slow
def test_one_shot_opens_a_session_with_an_intent(engine: Engine) -> None:
    turn = engine.handle_text("ask pet helper to pick five")
    assert request_types(turn) == ["IntentRequest"]
    assert turn.requests[0]["session"]["new"] is True
    assert turn.speech == "<speak>The number is 5.</speak>"
    assert turn.session_open and turn.events[0] == "session-started:pet-helper"
    assert engine.handle_text("exit").requests[0]["request"]["reason"] == "USER_INITIATED"


@pytest.mark.slow
def test_a_one_shot_no_sample_covers_opens_the_skill_with_its_fallback(engine: Engine) -> None:
    """On Alexa "ask fruit stand to fly a kite" opens the skill with the request, never "no such skill"."""
    turn = engine.handle_text("ask fruit stand to fly a kite")
    assert [r["request"]["type"] for r in turn.requests] == ["IntentRequest"]
    assert turn.requests[0]["session"]["new"] is True
    assert turn.requests[0]["request"]["intent"]["name"] == "AMAZON.FallbackIntent"
    assert turn.speech == "<speak>I only know about fruit.</speak>" and turn.session_open
    assert not any(e.startswith("unknown-skill") for e in turn.events)


@needs_node
def test_a_one_shot_no_sample_covers_goes_to_the_closest_intent_without_fallback(modes: Engine) -> None:
    turn = modes.handle_text("ask session modes to keep everything open forever")
    assert [r["request"]["intent"]["name"] for r in turn.requests if r["request"]["type"] == "IntentRequest"] == [
        "FalseIntent"
    ]
    assert said(turn) == "FalseIntent" and turn.session_open


@pytest.mark.slow
def test_fallback_goes_to_the_skill_that_declares_it(engine: Engine) -> None:
    engine.handle_text("open fruit stand")
    turn = engine.handle_text("purple monkey dishwasher")
    assert turn.requests[0]["request"]["intent"] == {
        "name": "AMAZON.FallbackIntent",
        "confirmationStatus": "NONE",
        "slots": {},
    }
    assert turn.speech == "<speak>I only know about fruit.</speak>" and turn.session_open
    engine.handle_text("exit")
    assert engine.handle_text("open animal sounds").session_open
    turn = engine.handle_recognition(None, "purple monkey dishwasher")
    assert turn.requests == () and turn.speech == f"{DIDNT_CATCH} Name an animal."


@pytest.mark.slow
def test_listing_names_every_installed_skill(engine: Engine) -> None:
    turn = engine.handle_text("what skills do I have")
    for name in ("pet helper", "fruit stand", "number keeper", "animal sounds", "bad robot"):
        assert name in said(turn)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("utterance", "kind", "error_type", "detail"),
    [
        ("raise an error", "raised", "INVALID_RESPONSE", "RuntimeError: RaiseIntent failed on purpose"),
        ("crash", "crashed", "INVALID_RESPONSE", "exit code 3"),
        ("hang", "timeout", "ENDPOINT_TIMEOUT", "no response within 3 s"),
        ("talk nonsense", "invalid-response", "INVALID_RESPONSE", "'version' is a required property"),
        ("speak strangely", "invalid-response", "INVALID_RESPONSE", "outputSpeech"),
    ],
)
def test_faults_apologise_end_with_error_and_the_engine_goes_on(
    engine: Engine, utterance: str, kind: str, error_type: str, detail: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine.handle_text("open bad robot")
    turn = engine.handle_text(utterance)
    assert turn.speech == "There was a problem with the requested skill's response"
    assert f"fault:bad-robot:{kind}" in turn.events
    assert "session-ended:bad-robot:ERROR" in turn.events
    assert not turn.session_open and not turn.listen
    ended = turn.requests[-1]["request"]
    assert (ended["type"], ended["reason"], ended["error"]["type"]) == (
        "SessionEndedRequest",
        "ERROR",
        error_type,
    )
    assert detail in ended["error"]["message"] and detail in (turn.error or "")
    assert any("bad-robot" in r.getMessage() and detail in r.getMessage() for r in caplog.records)
    again = engine.handle_text("open bad robot")
    assert again.speech is not None and "Bad robot here" in again.speech and again.session_open
    assert "I misbehave" in said(engine.handle_text("help"))


@pytest.mark.slow
def test_persistent_attributes_outlive_the_engine(installed: Settings) -> None:
    with make_engine(installed) as first:
        first.handle_text("open pet helper")
        assert "blue" in said(first.handle_text("remember my favourite colour is blue"))
        first.handle_text("exit")
        assert "17" in said(first.handle_text("ask number keeper to remember seventeen"))
    with make_engine(installed) as second:
        assert said(second.handle_text("ask pet helper what is my favourite colour")) == (
            "<speak>Your favourite colour is blue.</speak>"
        )
        second.handle_text("exit")
        assert (
            said(second.handle_text("ask number keeper what is my number"))
            == "<speak>Your number is 17.</speak>"
        )


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(p) for p in text]
    return out


@pytest.mark.slow
def test_every_acknowledged_write_survives_killing_the_worker_and_the_engine(installed: Settings) -> None:
    """The chat runs in its own process; after each acknowledged answer the worker and then the engine are
    SIGKILLed, and sqlite must hold every write the skill was told had succeeded."""
    command = [
        sys.executable,
        "-m",
        "assistant.cli.main",
        "--data-dir",
        str(installed.data_dir),
        "chat",
        "--no-bundled",
    ]
    chat = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    assert chat.stdin is not None and chat.stdout is not None
    try:
        acknowledged = []
        for line, answer in (
            (
                "ask pet helper to remember my favourite colour is green",
                "I will remember that you like green",
            ),
            ("exit", None),
            ("ask number keeper to remember twenty three", "I will keep 23 for you"),
            ("exit", None),
            ("open number keeper", "Welcome to number keeper"),
            ("remember ninety nine", "I will keep 99 for you"),
        ):
            chat.stdin.write(line + "\n")
            chat.stdin.flush()
            if answer is None:
                continue
            deadline = time.monotonic() + 30
            while answer not in chat.stdout.readline():
                assert time.monotonic() < deadline, f"no answer to {line!r}"
            acknowledged.append(answer)
        workers = _children(chat.pid)
        assert workers, "the chat has no worker process"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        os.kill(chat.pid, signal.SIGKILL)
    finally:
        chat.kill()
        chat.wait(10)
    user_id, _ = installation_ids(installed)
    with sqlite3.connect(installed.database) as db:
        rows = dict(db.execute("SELECT skill, value FROM attributes WHERE key = ?", (user_id,)).fetchall())
    assert len(acknowledged) == 4
    assert json.loads(rows["pet-helper"])["color"] == "green"
    assert json.loads(rows["number-keeper"])["number"] == "99"


# --- a LaunchRequest reply that starts a dialog (Dialog.* with updatedIntent) ----------------------------------

CHAIN_CODE = r"""
const say = (text) => ({type: 'PlainText', text});
exports.handler = async (event) => {
  const request = event.request;
  if (request.type === 'SessionEndedRequest') return {version: '1.0', response: {}};
  const delegate = event.session.application.applicationId.length > 0 && __dirname.endsWith('chain-delegate');
  if (request.type === 'LaunchRequest') {
    if (delegate) {
      return {version: '1.0', response: {directives: [{type: 'Dialog.Delegate', updatedIntent: {
        name: 'OrderIntent', confirmationStatus: 'NONE',
        slots: {size: {name: 'size', value: 'big', confirmationStatus: 'NONE'}}}}]}};
    }
    return {version: '1.0', response: {outputSpeech: say('Welcome. What size pizza?'),
      reprompt: {outputSpeech: say('What size?')}, shouldEndSession: false,
      directives: [{type: 'Dialog.ElicitSlot', slotToElicit: 'size',
                    updatedIntent: {name: 'OrderIntent', confirmationStatus: 'NONE', slots: {}}}]}};
  }
  const size = request.intent.slots.size;
  const id = size.resolutions.resolutionsPerAuthority[0].values[0].value.id;
  return {version: '1.0', response: {
    outputSpeech: say(`${request.intent.name} ${request.dialogState} ${size.value} ${id}`), shouldEndSession: true}};
};
"""


def _chain_skill(root: Path, name: str) -> SkillPackage:
    folder = root / name
    folder.mkdir()
    model = json.loads(json.dumps(MODES_MODEL))
    model["interactionModel"]["languageModel"]["invocationName"] = name.replace("-", " ")
    (folder / "en-US.json").write_text(json.dumps(model))
    (folder / "index.js").write_text(CHAIN_CODE)
    return detect(folder)


@needs_node
def test_launch_reply_with_elicit_slot_starts_the_dialog(bare_settings: Settings, tmp_path: Path) -> None:
    with make_engine(bare_settings, (_chain_skill(tmp_path, "chain-elicit"),)) as engine:
        turn = engine.handle_text("open chain elicit")
        assert said(turn) == "Welcome. What size pizza?" and turn.listen
        assert engine.listening_grammar().kind == "slot"  # listening for the elicited slot
        answer = engine.handle_text("big")
        assert said(answer) == "OrderIntent IN_PROGRESS big L"
        assert answer.requests[0]["request"]["intent"]["name"] == "OrderIntent"


@needs_node
def test_launch_reply_with_delegate_runs_the_dialog(bare_settings: Settings, tmp_path: Path) -> None:
    with make_engine(bare_settings, (_chain_skill(tmp_path, "chain-delegate"),)) as engine:
        turn = engine.handle_text("open chain delegate")
        assert request_types(turn) == ["LaunchRequest", "IntentRequest"]
        assert said(turn) == "OrderIntent COMPLETED big L"
        assert turn.requests[1]["request"]["dialogState"] == "COMPLETED"
