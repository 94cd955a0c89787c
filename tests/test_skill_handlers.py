"""Every bundled and fixture skill, called straight through its own handler with hand-built request envelopes.

No assistant code runs here: each skill runs in a real subprocess (Python skills in a session-scoped virtualenv
with the Alexa SDK, Node skills under ``node``), exactly as Lambda would call it. The only stand-in is for Amazon
DynamoDB, which does not exist offline: the driver swaps the SDKs' DynamoDB adapters for an in-memory one before
the skill is imported, the way the runtime injects its local store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPORA

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "skills"
FIXTURES = ROOT / "tests" / "fixtures" / "skills"
CMUDICT = Path(sys.prefix) / "lib" / "python3.11" / "site-packages" / "pocketsphinx" / "model" / "en-us"

SDK_PACKAGES = ["ask-sdk-core==1.19.0", "ask-sdk-dynamodb-persistence-adapter==1.19.0", "ask-sdk==1.19.0"]
"""What the Python skills' requirements.txt files ask for, between them."""

USER_ID = "amzn1.ask.account.LOCALUSER"
APP_ID = "amzn1.ask.skill.local-0001"

PY_DRIVER = r'''
import importlib, json, os, sys

code_dir, handler_name = sys.argv[1], sys.argv[2]
channel = os.fdopen(os.dup(1), "w")   # responses go here; the skill's own prints go to stderr
os.dup2(2, 1)
sys.stdout = sys.stderr
os.chdir(code_dir)
sys.path.insert(0, code_dir)

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

class MemoryAdapter(AbstractPersistenceAdapter):
    """Stand-in for DynamoDbAdapter: same constructor, one dict per process."""
    tables = {}

    def __init__(self, table_name, partition_key_name="id", attribute_name="attributes", create_table=False,
                 partition_keygen=None, dynamodb_resource=None):
        self.table = MemoryAdapter.tables.setdefault(table_name, {})

    def _key(self, envelope):
        return envelope.context.system.user.user_id

    def get_attributes(self, request_envelope):
        return json.loads(json.dumps(self.table.get(self._key(request_envelope), {})))

    def save_attributes(self, request_envelope, attributes):
        self.table[self._key(request_envelope)] = json.loads(json.dumps(attributes))

    def delete_attributes(self, request_envelope):
        self.table.pop(self._key(request_envelope), None)

# Shadow the module rather than patch it: importing the real one calls boto3.resource("dynamodb") in a default
# argument, which fails without an AWS region.
import types
import ask_sdk_dynamodb
stand_in = types.ModuleType("ask_sdk_dynamodb.adapter")
stand_in.DynamoDbAdapter = MemoryAdapter
sys.modules["ask_sdk_dynamodb.adapter"] = ask_sdk_dynamodb.adapter = stand_in

class Context:
    aws_request_id = "local-request"
    function_name = "local-skill"
    def get_remaining_time_in_millis(self):
        return 8000

module_name, function_name = handler_name.rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
for line in sys.stdin:
    event = json.loads(line)
    try:
        reply = {"response": handler(event, Context()), "tables": MemoryAdapter.tables}
    except Exception as exc:
        reply = {"error": type(exc).__name__, "message": str(exc)}
    channel.write(json.dumps(reply) + "\n")
    channel.flush()
'''

NODE_DRIVER = r"""
const fs = require('fs');
const path = require('path');
const Module = require('module');
const readline = require('readline');

const [codeDir, handlerName] = process.argv.slice(2);
const channel = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);  // console.log goes to stderr
process.chdir(codeDir);

const tables = {};
class MemoryPersistenceAdapter {
  constructor(config) { this.table = tables[config.tableName] = tables[config.tableName] || {}; }
  key(envelope) { return envelope.context.System.user.userId; }
  async getAttributes(envelope) { return JSON.parse(JSON.stringify(this.table[this.key(envelope)] || {})); }
  async saveAttributes(envelope, attributes) { this.table[this.key(envelope)] = JSON.parse(JSON.stringify(attributes)); }
  async deleteAttributes(envelope) { delete this.table[this.key(envelope)]; }
}
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'ask-sdk-dynamodb-persistence-adapter') {
    return { DynamoDbPersistenceAdapter: MemoryPersistenceAdapter };
  }
  return load.apply(this, arguments);
};

const dot = handlerName.lastIndexOf('.');
const handler = require(path.resolve(codeDir, handlerName.slice(0, dot)))[handlerName.slice(dot + 1)];

function invoke(event) {
  return new Promise((resolve) => {
    const done = (err, result) => resolve(err ? { error: String(err) } : { response: result, tables });
    const context = {
      awsRequestId: 'local-request', functionName: 'local-skill', functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:local:0:function:local-skill', memoryLimitInMB: '128',
      logGroupName: 'local', logStreamName: 'local', callbackWaitsForEmptyEventLoop: true,
      succeed: (result) => done(null, result), fail: (err) => done(err || 'failed'), done,
      getRemainingTimeInMillis: () => 8000,
    };
    const returned = handler(event, context, done);
    if (returned && typeof returned.then === 'function') returned.then((r) => done(null, r), done);
  });
}

(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    channel(JSON.stringify(await invoke(JSON.parse(line))) + '\n');
  }
})();
"""


# --- request envelopes ------------------------------------------------------------------------------------


class Model:
    """An interaction model, enough of it to fill every declared slot the way Alexa does."""

    def __init__(self, path: Path) -> None:
        language = json.loads(path.read_text())["interactionModel"]["languageModel"]
        self.invocation: str = language["invocationName"]
        self.intents = {intent["name"]: intent.get("slots", []) for intent in language["intents"]}
        self.types = {slot_type["name"]: slot_type["values"] for slot_type in language.get("types", [])}

    def slots(self, intent: str, filled: dict[str, str]) -> dict[str, Any]:
        unknown = set(filled) - {slot["name"] for slot in self.intents[intent]}
        if unknown:
            raise KeyError(f"{intent} declares no slot {sorted(unknown)}")
        slots: dict[str, Any] = {}
        for slot in self.intents[intent]:
            entry: dict[str, Any] = {"name": slot["name"], "confirmationStatus": "NONE"}
            if slot["name"] in filled:
                entry["value"] = filled[slot["name"]]
                if slot["type"] in self.types:
                    entry["resolutions"] = self._resolve(slot["type"], entry["value"])
            slots[slot["name"]] = entry
        return slots

    def _resolve(self, type_name: str, spoken: str) -> dict[str, Any]:
        authority = f"amzn1.er-authority.echo-sdk.{APP_ID}.{type_name}"
        for value in self.types[type_name]:
            name = value["name"]
            if spoken.lower() in [name["value"], *name.get("synonyms", [])]:
                resolved = {"value": {"name": name["value"], "id": value.get("id")}}
                status = {
                    "authority": authority,
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [resolved],
                }
                return {"resolutionsPerAuthority": [status]}
        return {
            "resolutionsPerAuthority": [{"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}]
        }


def launch() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def intent(
    name: str, slots: dict[str, Any] | None = None, *, state: str | None = None, confirmation: str = "NONE"
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {"name": name, "confirmationStatus": confirmation, "slots": slots or {}},
    }
    if state is not None:
        request["dialogState"] = state
    return request


def session_ended(reason: str = "USER_INITIATED") -> dict[str, Any]:
    return {"type": "SessionEndedRequest", "reason": reason}


class Conversation:
    """One skill process; each ``send`` wraps a request in a full envelope and carries the session over."""

    def __init__(self, process: subprocess.Popen[str], log: Path) -> None:
        self.process = process
        self.log = log
        self.attributes: dict[str, Any] | None = None
        self.count = 0

    def send(
        self, request: dict[str, Any], *, new_session: bool = False, timeout: float = 20
    ) -> dict[str, Any]:
        reply = self.send_raw(request, new_session=new_session, timeout=timeout)
        assert "error" not in reply, f"the skill failed: {reply}\n{self.output()[-2000:]}"
        response: dict[str, Any] = reply["response"]
        self.attributes = response.get("sessionAttributes", {})
        if response.get("response", {}).get("shouldEndSession"):
            self.attributes = None
        self.tables = reply.get("tables", {})
        return response

    def send_raw(
        self, request: dict[str, Any], *, new_session: bool = False, timeout: float = 20
    ) -> dict[str, Any]:
        self.count += 1
        if new_session or self.attributes is None:
            session = {"new": True, "sessionId": f"amzn1.echo-api.session.{self.count:04d}", "attributes": {}}
            self.session_id = session["sessionId"]
        else:
            session = {"new": False, "sessionId": self.session_id, "attributes": self.attributes}
        system = {
            "application": {"applicationId": APP_ID},
            "user": {"userId": USER_ID},
            "device": {"deviceId": "amzn1.ask.device.LOCALDEV", "supportedInterfaces": {}},
            "apiEndpoint": "https://api.amazonalexa.com",
            "apiAccessToken": "local-token",
        }
        request = {
            "requestId": f"amzn1.echo-api.request.{self.count}",
            "timestamp": "2024-05-01T12:00:00Z",
            "locale": "en-US",
            **request,
        }
        envelope = {
            "version": "1.0",
            "session": {**session, "application": {"applicationId": APP_ID}, "user": {"userId": USER_ID}},
            "context": {"System": system},
            "request": request,
        }
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(envelope) + "\n")
        self.process.stdin.flush()
        line = _readline(self.process, timeout)
        if not line:
            raise EOFError(f"the skill process exited with {self.process.wait(5)}:\n{self.output()[-2000:]}")
        if request["type"] == "SessionEndedRequest":
            self.attributes = None
        return json.loads(line)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _readline(process: subprocess.Popen[str], timeout: float) -> str:
    import selectors

    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"no answer from the skill within {timeout} s")
    return process.stdout.readline()


def speech(response: dict[str, Any]) -> str:
    output = response["response"].get("outputSpeech", {})
    return output.get("ssml") or output.get("text") or ""


def reprompt(response: dict[str, Any]) -> str:
    output = response["response"].get("reprompt", {}).get("outputSpeech", {})
    return output.get("ssml") or output.get("text") or ""


# --- skill processes --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sdk_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with the Alexa SDK: $ASSISTANT_TEST_SKILL_PYTHON, or a fresh virtualenv installed from PyPI."""
    given = os.environ.get("ASSISTANT_TEST_SKILL_PYTHON")
    if given:
        return Path(given)
    env_dir = tmp_path_factory.mktemp("skillenv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--timeout",
            "20",
            *SDK_PACKAGES,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        pytest.skip(f"cannot install the Alexa SDK from PyPI (offline?): {install.stderr.strip()[-400:]}")
    return python


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: Node skills cannot run")
    return found


@pytest.fixture(scope="session")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("drivers")
    (folder / "driver.py").write_text(textwrap.dedent(PY_DRIVER))
    (folder / "driver.js").write_text(NODE_DRIVER)
    return {"python": folder / "driver.py", "node": folder / "driver.js"}


@pytest.fixture
def start(request: pytest.FixtureRequest, drivers: dict[str, Path], tmp_path: Path) -> Iterator[Any]:
    """``start(runtime, code_dir, handler)`` runs a skill process; every one is stopped after the test."""
    processes: list[subprocess.Popen[str]] = []

    def run(runtime: str, code_dir: Path, handler: str) -> Conversation:
        program = (
            str(request.getfixturevalue("sdk_python"))
            if runtime == "python"
            else request.getfixturevalue("node")
        )
        log = tmp_path / f"skill-{len(processes)}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [program, str(drivers[runtime]), str(code_dir), handler],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        processes.append(process)
        return Conversation(process, log)

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


# --- bundled skills ---------------------------------------------------------------------------------------


def test_hello_world_greets_with_a_card_and_ends(start: Any) -> None:
    skill = start("python", BUNDLED / "hello-world" / "lambda", "hello_world.handler")
    opened = skill.send(launch())
    assert "Welcome to hello world" in speech(opened)
    assert "Try saying hello" in reprompt(opened)
    assert opened["response"]["card"] == {
        "type": "Simple",
        "title": "Hello World",
        "content": speech(opened)[7:-8],
    }
    hello = skill.send(intent("HelloWorldIntent"))
    assert speech(hello) == "<speak>Hello world! It is nice to meet you.</speak>"
    assert hello["response"]["shouldEndSession"] is True
    assert "only know how to say hello" in speech(
        skill.send(intent("AMAZON.FallbackIntent"), new_session=True)
    )
    assert speech(skill.send(intent("AMAZON.StopIntent"))) == "<speak>Goodbye!</speak>"
    assert skill.send(session_ended())["response"] == {}


def test_wise_guy_tells_a_joke_over_three_turns(start: Any) -> None:
    model = Model(BUNDLED / "knock-knock" / "models" / "en-US.json")
    assert model.invocation == "wise guy"
    skill = start("python", BUNDLED / "knock-knock" / "lambda" / "py", "lambda_function.lambda_handler")
    assert speech(skill.send(launch())).endswith("Knock knock.</speak>")
    assert speech(skill.send(intent("WhosThereIntent"))) == "<speak>Pasta.</speak>"
    wrong = skill.send(intent("SetupWhoIntent", model.slots("SetupWhoIntent", {"setup": "tuna"})))
    assert "It is Pasta" in speech(wrong)
    punchline = skill.send(intent("SetupWhoIntent", model.slots("SetupWhoIntent", {"setup": "pasta"})))
    assert '<emphasis level="strong">really</emphasis>' in speech(punchline)
    assert '<break time="1s"/> Do you want to hear another one?' in speech(punchline)
    assert punchline["response"]["card"]["title"] == "Wise Guy"
    assert skill.attributes["state"] == "WAITING_ANOTHER"
    assert speech(skill.send(intent("AMAZON.YesIntent"))).endswith("Knock knock.</speak>")
    assert speech(skill.send(intent("WhosThereIntent"))) == "<speak>Window.</speak>"
    # a synonym resolves to the same setup word: "catch up" is ketchup
    skill.send(intent("SetupWhoIntent", model.slots("SetupWhoIntent", {"setup": "window"})))
    skill.send(intent("AMAZON.YesIntent"))
    skill.send(intent("WhosThereIntent"))
    ketchup = skill.send(intent("SetupWhoIntent", model.slots("SetupWhoIntent", {"setup": "catch up"})))
    assert "Ketchup with me" in speech(ketchup)
    goodbye = skill.send(intent("AMAZON.NoIntent"))
    assert goodbye["response"]["shouldEndSession"] is True


def test_wise_guy_puts_an_early_punchline_back_on_track(start: Any) -> None:
    skill = start("python", BUNDLED / "knock-knock" / "lambda" / "py", "lambda_function.lambda_handler")
    skill.send(launch())
    early = skill.send(intent("SetupWhoIntent", {"setup": {"name": "setup", "value": "pasta"}}))
    assert "have not told you" in speech(early)
    assert "Knock knock. You say, who's there?" in speech(skill.send(intent("AMAZON.FallbackIntent")))


def _play_high_low(skill: Conversation, model: Model) -> int:
    """Binary-search the number through the skill's own hints; returns the number of guesses."""
    low, high = 1, 100
    for guesses in range(1, 8):
        guess = (low + high) // 2
        said = speech(
            skill.send(intent("NumberGuessIntent", model.slots("NumberGuessIntent", {"number": str(guess)})))
        )
        if "too low" in said:
            low = guess + 1
        elif "too high" in said:
            high = guess - 1
        else:
            assert f"{guess} is correct! You got it in {guesses} guess" in said
            return guesses
    raise AssertionError("a binary search of 1..100 needs at most 7 guesses")


def test_high_low_plays_and_keeps_statistics_across_sessions(start: Any) -> None:
    model = Model(BUNDLED / "high-low" / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    skill = start("python", BUNDLED / "high-low" / "lambda", "lambda_function.lambda_handler")
    assert "Welcome to the high low game. Would you like to play?" in speech(skill.send(launch()))
    assert "Sorry, I did not get that. Say yes" in speech(skill.send(intent("NumberGuessIntent")))
    assert "thinking of a number between 1 and 100" in speech(skill.send(intent("AMAZON.YesIntent")))
    assert "did not catch a number" in speech(
        skill.send(intent("NumberGuessIntent", model.slots("NumberGuessIntent", {"number": "?"})))
    )
    guesses = _play_high_low(skill, model)
    assert skill.tables["high-low"][USER_ID] == {"games_played": 1, "best_score": guesses}
    assert skill.attributes["state"] == "ASKED_TO_PLAY"
    assert speech(skill.send(intent("AMAZON.NoIntent"))) == "<speak>Okay, see you next time!</speak>"

    assert "Welcome back. You have played once." in speech(skill.send(launch(), new_session=True))
    stats = speech(skill.send(intent("StatsIntent")))
    assert f"You have played 1 game. Your best score is {guesses} guesses." in stats


def test_barista_serves_a_confirmed_order_and_remembers_the_usual(start: Any) -> None:
    model = Model(BUNDLED / "barista" / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    skill = start("python", BUNDLED / "barista" / "lambda", "lambda_function.lambda_handler")
    assert speech(skill.send(launch())) == "<speak>Welcome to the coffee bar. What can I get you?</speak>"
    started = skill.send(
        intent("OrderDrinkIntent", model.slots("OrderDrinkIntent", {"drink": "latte"}), state="STARTED")
    )
    assert started["response"]["directives"] == [{"type": "Dialog.Delegate"}]
    assert "outputSpeech" not in started["response"]
    order = {"drink": "latte", "size": "big", "roast": "dark", "milk": "some soy milk", "sugar": "sugar"}
    served = skill.send(
        intent(
            "OrderDrinkIntent",
            model.slots("OrderDrinkIntent", order),
            state="COMPLETED",
            confirmation="CONFIRMED",
        )
    )
    # synonyms come back as their canonical values: big is large, dark is dark roast
    assert "Here is a large dark roast latte with some soy milk and sugar. Enjoy!" in speech(served)
    assert (
        served["response"]["card"]["content"]
        == "Your order: a large dark roast latte with some soy milk and sugar"
    )
    assert skill.tables["barista"][USER_ID]["usual"]["size"] == "large"

    welcome = speech(skill.send(launch(), new_session=True))
    assert "Would you like your usual, a large dark roast latte with some soy milk and sugar" in welcome
    assert "Here is a large dark roast latte" in speech(skill.send(intent("UsualOrderIntent")))


def test_barista_starts_over_when_the_order_is_denied(start: Any) -> None:
    model = Model(BUNDLED / "barista" / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    skill = start("python", BUNDLED / "barista" / "lambda", "lambda_function.lambda_handler")
    skill.send(launch())
    slots = model.slots("OrderDrinkIntent", {"drink": "espresso", "size": "small"})
    denied = skill.send(intent("OrderDrinkIntent", slots, state="COMPLETED", confirmation="DENIED"))
    assert "let's start over" in speech(denied)
    assert denied["response"]["shouldEndSession"] is False
    assert "We have americano, cappuccino" in speech(skill.send(intent("MenuIntent")))
    assert skill.tables["barista"] == {}, "a denied order must not become the usual"


def test_barista_slot_types_are_the_corpus_types_with_ids() -> None:
    """The bundled model owns its slot types; their values are exactly those of the barista corpus model."""
    model = Model(BUNDLED / "barista" / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    expected = {
        "coffeeDrinkType",
        "sizeType",
        "milkAmountType",
        "numberOfShotsType",
        "roastType",
        "sugarAmountType",
    }
    assert set(model.types) == expected
    for values in model.types.values():
        assert all(value["id"] for value in values)
    assert "iced mocha" in [value["name"]["value"] for value in model.types["coffeeDrinkType"]]
    corpus = CORPORA / "barista" / "model.json"
    if corpus.exists():
        theirs = json.loads(corpus.read_text())["interactionModel"]["languageModel"]["types"]
        for slot_type in theirs:
            ours = [value["name"]["value"] for value in model.types[slot_type["name"]]]
            assert ours == [value["name"]["value"] for value in slot_type["values"]]


def _legacy_slot(name: str, value: str) -> dict[str, Any]:
    """A 2015-style slot: custom types in the legacy layout have no entity resolution."""
    return {name: {"name": name, "value": value}}


def test_space_facts_answers_through_context_succeed(start: Any) -> None:
    planets = (
        (BUNDLED / "space-facts" / "speechAssets" / "customSlotTypes" / "LIST_OF_PLANETS").read_text().split()
    )
    assert len(planets) == 8
    skill = start("node", BUNDLED / "space-facts" / "src", "index.handler")
    opened = skill.send(launch())
    assert opened["response"]["outputSpeech"] == {
        "type": "PlainText",
        "text": "Welcome to space facts. Ask me for a fact, or name a planet.",
    }
    assert opened["response"]["shouldEndSession"] is False
    assert skill.attributes == {"factsHeard": 0}
    for planet in planets:
        fact = skill.send(intent("GetPlanetFactIntent", _legacy_slot("Planet", planet)), new_session=True)
        assert fact["response"]["card"]["title"] == f"Space Facts: {planet.capitalize()}"
        assert fact["response"]["shouldEndSession"] is True
    skill.send(launch(), new_session=True)
    unknown = skill.send(intent("GetPlanetFactIntent", _legacy_slot("Planet", "vulcan")))
    assert unknown["response"]["outputSpeech"]["type"] == "SSML"
    assert '<break time="300ms"/>' in unknown["response"]["outputSpeech"]["ssml"]
    general = skill.send(intent("GetFactIntent"))
    assert "Here is your fact: Light from the sun" in speech(general)
    assert skill.send_raw(session_ended()) == {"tables": {}}, "a SessionEndedRequest gets an empty succeed()"
    failed = skill.send_raw(intent("NoSuchIntent"), new_session=True)
    assert failed == {"error": "Unsupported intent = NoSuchIntent"}


# --- fixture skills ---------------------------------------------------------------------------------------


def test_py_classes_v2_echoes_slots_counts_turns_and_persists(start: Any) -> None:
    root = FIXTURES / "py-classes-v2"
    model = Model(root / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    skill = start("python", root / "lambda", "skill_main.handler")
    opened = skill.send(launch())
    assert '<break time="200ms"/>' in speech(opened)
    assert opened["response"]["card"] == {
        "type": "Simple",
        "title": "Pet Helper",
        "content": "Tell me about your pet.",
    }
    assert skill.attributes == {"turn": 1}
    pet = skill.send(intent("PetIntent", model.slots("PetIntent", {"pet": "puppy"})))
    assert speech(pet) == "<speak>You said puppy, which is a dog with id DOG.</speak>"
    assert skill.attributes == {"turn": 2, "pet": "DOG"}
    unknown = skill.send(intent("PetIntent", model.slots("PetIntent", {"pet": "horse"})))
    assert "I do not know the pet horse." in speech(unknown)
    assert "The number is 42." in speech(
        skill.send(intent("NumberIntent", model.slots("NumberIntent", {"number": "42"})))
    )
    date = skill.send(intent("DateIntent", model.slots("DateIntent", {"date": "2015-W48-WE"})))
    assert "The date is 2015-W48-WE." in speech(date)
    card = skill.send(intent("CardIntent"))["response"]["card"]
    assert card["type"] == "Standard" and card["title"] == "A Good Dog"
    assert card["image"]["largeImageUrl"] == "https://example.com/pets/dog-large.png"
    assert skill.attributes["turn"] == 6
    assert "do not know your favourite colour" in speech(skill.send(intent("RecallColorIntent")))
    skill.send(intent("RememberColorIntent", model.slots("RememberColorIntent", {"color": "blue"})))
    assert skill.tables["pet-helper"][USER_ID] == {"color": "blue"}
    assert skill.send(intent("AMAZON.StopIntent"))["response"]["shouldEndSession"] is True
    skill.send(launch(), new_session=True)
    assert skill.attributes == {"turn": 1}
    assert "Your favourite colour is blue." in speech(skill.send(intent("RecallColorIntent")))


def test_py_decorators_v1_persists_through_standard_skill_builder(start: Any) -> None:
    root = FIXTURES / "py-decorators-v1"
    assert (
        json.loads((root / ".ask" / "config").read_text())["deploy_settings"]["default"]["resources"][
            "lambda"
        ][0]["codeUri"]
        == "lambda/py"
    )
    model = Model(root / "models" / "en-US.json")
    skill = start("python", root / "lambda" / "py", "lambda_function.lambda_handler")
    assert "Welcome to the fruit stand." in speech(skill.send(launch()))
    liked = skill.send(intent("LikeFruitIntent", model.slots("LikeFruitIntent", {"fruit": "apples"})))
    assert "You like apples. Good choice." in speech(liked)
    assert speech(skill.send(intent("WhatDoILikeIntent"))) == "<speak>You like apples.</speak>"
    assert "This is visit number 2." in speech(skill.send(launch(), new_session=True))
    assert skill.tables["fruit-stand"][USER_ID] == {"visits": 2}
    assert "You have not told me yet." in speech(skill.send(intent("WhatDoILikeIntent")))


@pytest.fixture(scope="session")
def node_sdk_v2_code(tmp_path_factory: pytest.TempPathFactory, node: str) -> Path:
    """A scratch copy of the Node fixture's code with its npm dependencies installed."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the Node SDK skill cannot get its dependencies")
    code = tmp_path_factory.mktemp("node-sdk-v2") / "lambda"
    shutil.copytree(FIXTURES / "node-sdk-v2" / "lambda", code, ignore=shutil.ignore_patterns("node_modules"))
    install = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        pytest.skip(f"npm install failed (offline?): {install.stderr.strip()[-400:]}")
    return code


@pytest.mark.slow
def test_node_sdk_v2_keeps_session_and_persistent_attributes(start: Any, node_sdk_v2_code: Path) -> None:
    model = Model(FIXTURES / "node-sdk-v2" / "skill-package" / "interactionModels" / "custom" / "en-US.json")
    skill = start("node", node_sdk_v2_code, "index.handler")
    opened = skill.send(launch())
    assert speech(opened) == "<speak>Welcome to number keeper. Tell me a number to remember.</speak>"
    assert opened["response"]["card"]["title"] == "Number Keeper"
    kept = skill.send(intent("RememberNumberIntent", model.slots("RememberNumberIntent", {"number": "42"})))
    assert '<say-as interpret-as="cardinal">42</say-as>' in speech(kept)
    assert skill.tables["number-keeper"][USER_ID] == {"number": "42"}
    assert speech(skill.send(intent("TurnIntent"))) == "<speak>This is turn 3.</speak>"
    assert skill.send(intent("AMAZON.StopIntent"))["response"]["shouldEndSession"] is True
    skill.send(launch(), new_session=True)
    assert speech(skill.send(intent("RecallNumberIntent"))) == "<speak>Your number is 42.</speak>"
    assert skill.attributes == {"turn": 2}
    assert "launch for amzn1.ask.account.LOCALUSER" in skill.output()


def test_legacy_succeed_answers_and_fails_through_the_context(start: Any) -> None:
    root = FIXTURES / "legacy-succeed"
    skill = start("node", root / "src", "index.handler")
    assert speech(skill.send(launch())) == "Welcome to animal sounds. Name an animal."
    cow = skill.send(intent("AnimalSoundIntent", _legacy_slot("Animal", "cow")))
    assert speech(cow) == "A cow says moo."
    assert cow["sessionAttributes"] == {"asked": 1}
    assert skill.send(intent("AMAZON.StopIntent"))["response"]["shouldEndSession"] is True
    assert skill.send_raw(intent("PizzaIntent"), new_session=True) == {
        "error": "Exception: Invalid intent: PizzaIntent"
    }
    assert "event.session.application.applicationId=amzn1.ask.skill.local-0001" in skill.output()


FAULTY = FIXTURES / "faulty" / "lambda"


def test_faulty_raise_fails_the_call_and_the_process_lives_on(start: Any) -> None:
    skill = start("python", FAULTY, "lambda_function.lambda_handler")
    skill.send(launch())
    assert skill.send_raw(intent("RaiseIntent")) == {
        "error": "RuntimeError",
        "message": "RaiseIntent failed on purpose",
    }
    assert "I misbehave on request" in speech(skill.send(intent("AMAZON.HelpIntent")))


def test_faulty_nonsense_returns_what_no_envelope_allows(start: Any) -> None:
    skill = start("python", FAULTY, "lambda_function.lambda_handler")
    assert skill.send_raw(intent("NonsenseIntent"))["response"] == {"foo": 1}
    strange = skill.send_raw(intent("StrangeSpeechIntent"))["response"]
    assert strange["response"]["outputSpeech"]["type"] == "Hologram"


def test_faulty_print_floods_both_streams_then_answers(start: Any) -> None:
    skill = start("python", FAULTY, "lambda_function.lambda_handler")
    printed = skill.send(intent("PrintIntent"))
    assert speech(printed) == "<speak>I printed a lot.</speak>"
    output = skill.output()  # the driver sends the skill's stdout to stderr, as a worker keeps it as the log
    assert output.count("stdout line") == 2000 and output.count("stderr line") == 2000


def test_faulty_crash_exits_with_status_3(start: Any) -> None:
    skill = start("python", FAULTY, "lambda_function.lambda_handler")
    with pytest.raises(EOFError, match="exited with 3"):
        skill.send_raw(intent("CrashIntent"))


def test_faulty_hang_outlasts_a_timeout(start: Any) -> None:
    skill = start("python", FAULTY, "lambda_function.lambda_handler")
    skill.send(launch())  # the process is up and answering before the hang starts
    with pytest.raises(TimeoutError):
        skill.send_raw(intent("HangIntent"), timeout=1.5)
    assert skill.process.poll() is None, "a hanging skill is still running until its owner kills it"


# --- every skill folder -----------------------------------------------------------------------------------

ALL_SKILLS = sorted(
    [path for path in BUNDLED.iterdir() if path.is_dir()]
    + [path for path in FIXTURES.iterdir() if path.is_dir()]
)


def _model_words(root: Path) -> set[str]:
    """Every word a user may say to the skill: samples, slot samples and custom slot values."""
    phrases: list[str] = []
    schema = root / "speechAssets"
    if schema.is_dir():
        phrases += [
            line.split(" ", 1)[1]
            for line in (schema / "SampleUtterances.txt").read_text().splitlines()
            if line
        ]
        for values in (schema / "customSlotTypes").iterdir():
            phrases += values.read_text().splitlines()
    else:
        [path] = [
            *root.glob("skill-package/interactionModels/custom/en-US.json"),
            *root.glob("models/en-US.json"),
        ]
        language = json.loads(path.read_text())["interactionModel"]["languageModel"]
        phrases.append(language["invocationName"])
        for declared in language["intents"]:
            phrases += declared.get("samples", [])
            phrases += [sample for slot in declared.get("slots", []) for sample in slot.get("samples", [])]
        for slot_type in language.get("types", []):
            for value in slot_type["values"]:
                phrases += [value["name"]["value"], *value["name"].get("synonyms", [])]
    words = set()
    for phrase in phrases:
        for word in phrase.lower().split():
            if not (word.startswith("{") and word.endswith("}")):
                words.add(word)
    return words


@pytest.mark.parametrize("root", ALL_SKILLS, ids=lambda path: path.name)
def test_every_word_of_the_model_has_a_pronunciation(root: Path) -> None:
    dictionary = CMUDICT / "cmudict-en-us.dict"
    if not dictionary.exists():
        pytest.skip(f"no pocketsphinx dictionary at {dictionary}")
    known = {line.split(" ", 1)[0] for line in dictionary.read_text().splitlines()}
    own = root / "pronunciations.txt"  # a skill may ship pronunciations for its own words
    if own.exists():
        known |= {line.split()[0].lower() for line in own.read_text().splitlines() if line.strip()}
    missing = sorted(_model_words(root) - known)
    assert not missing, f"{root.name}: words not in the pocketsphinx dictionary: {missing}"


@pytest.mark.parametrize("root", ALL_SKILLS, ids=lambda path: path.name)
def test_every_skill_has_conversation_tests(root: Path) -> None:
    import yaml

    files = sorted((root / "test").glob("*.yml"))
    assert files, f"{root.name} has no test/*.yml"
    for file in files:
        configuration, *tests = list(yaml.safe_load_all(file.read_text()))
        assert configuration["configuration"]["locale"] == "en-US"
        handler_file = configuration["configuration"]["handler"].rsplit(".", 1)[0]
        assert any((root / f"{handler_file}{suffix}").exists() for suffix in (".py", ".js")), handler_file
        assert (root / configuration["configuration"]["interactionModel"]).exists()
        for test in tests:
            assert "test" in test[0], f"{file.name}: a test document starts with '- test: <name>'"
