"""Read Bespoken ``bst test`` YAML files into test suites (docs/alexa-behaviour.md section 6).

A file is one or more YAML documents. A document that is a mapping with ``configuration`` sets the suite's
locale, handler, interactionModel, applicationId, userId and deviceId. Every other document is a list: an item
``test: name`` starts a test, and each further item is a step::

    - LaunchRequest: Welcome*                 # shorthand: the expected prompt
    - OrderIntent size=large:                 # an intent sent directly, with slot values
      - prompt: [A large pizza, right?]       # a list of assertions; a list of values means "any of"
      - response.shouldEndSession: false
    - "order a large pizza":                  # an utterance: through the NLU (or the recogniser in voice mode)
      - intent: OrderIntent
      - size: large
    - audio: recordings/order.wav             # a recording, decoded like a voice step
      prompt: Okay*
    - ""                                      # silence: the reprompt, then the session ends
    - "find my pet":                          # a step where the skill is expected to fail (offline web call):
      - skillError: /getaddrinfo/             #   the fault is checked instead of failing the step
    - SessionEndedRequest

Whether a step's text names an intent or is an utterance is decided when the skill's model is known
(:func:`split_intent_step`). Assertions may also be written as expressions, ``- response.card.title == "Menu"``,
with the operators ``==``, ``=~``, ``!=``, ``>``, ``>=``, ``<``, ``<=``. The YAML is read with YAML 1.2 booleans,
so ``- no: Okay`` is the utterance "no", not ``false``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConversationTestError

OPERATORS = ("==", "=~", "!=", ">=", "<=", ">", "<")
"""Operators of assertion expressions; ``:`` (the mapping form) means ``==``, or ``=~`` for a ``/regex/``."""
LAUNCH = "LaunchRequest"
SESSION_ENDED = "SessionEndedRequest"
PLAYER_STEPS = ("AudioPlayer.", "PlaybackController.")
"""Steps that are the player's requests (``AudioPlayer.PlaybackNearlyFinished``, ``PlaybackController.PlayCommandIssued``)."""
CONFIG_KEYS = ("locale", "handler", "interactionModel", "applicationId", "userId", "deviceId", "description")
"""Configuration keys this runner uses (others, such as Bespoken's ``dynamo``, are accepted and ignored)."""

_EXPRESSION = re.compile(r"^\s*([A-Za-z_$][\w.$\[\]'\"-]*)\s*(==|=~|!=|>=|<=|>|<)\s*(.*?)\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Assertion:
    """One check of a step's outcome."""

    path: str
    """``prompt``, ``reprompt``, ``cardTitle``, ``cardContent``, ``cardImageURL``, ``intent``, a slot name, or a
    JSON path into the response envelope (``response.shouldEndSession``, ``sessionAttributes.state``)."""
    operator: str
    """One of :data:`OPERATORS`, or ``:`` for the mapping form."""
    expected: Any
    """A string (``*`` wildcards, or ``/regex/flags``), a number, a boolean, None (absent), or a list (any of)."""
    line: int
    """Line of the assertion in the file, 1-based."""

    def describe(self) -> str:
        """The assertion as it would be written in the file."""
        op = ":" if self.operator == ":" else f" {self.operator}"
        return f"{self.path}{op} {_show(self.expected)}"


@dataclass(frozen=True, slots=True)
class Step:
    """One thing the user does, with the checks of what comes back."""

    kind: str
    """``launch``, ``session-ended``, ``text`` (an intent name with slots, or an utterance), ``silence``,
    ``audio``, or ``player`` (an AudioPlayer or PlaybackController request to the skill that owns the player)."""
    text: str
    """The step as written (``OrderIntent size=large``, ``order a large pizza``); for ``audio`` the file."""
    line: int
    """Line of the step in the file, 1-based."""
    assertions: tuple[Assertion, ...] = ()
    """What to check afterwards, in order."""
    audio: Path | None = None
    """The recording of an ``audio`` step, resolved against the YAML file's folder."""


@dataclass(frozen=True, slots=True)
class TestCase:
    """One ``test:``: a fresh session, then the steps in order."""

    name: str
    """The test's name as written."""
    line: int
    """Line of the ``test:`` item (or of the first step), 1-based."""
    steps: tuple[Step, ...]
    """The steps."""


@dataclass(frozen=True, slots=True)
class Configuration:
    """A suite's ``configuration`` block; every field None when not given."""

    locale: str | None = None
    """Locale of the requests and of the interaction model."""
    handler: str | None = None
    """``path/to/module.function``, relative to the skill's project folder."""
    interaction_model: str | None = None
    """The interaction model file (or legacy ``speechAssets`` folder), relative to the project folder."""
    application_id: str | None = None
    """``context.System.application.applicationId`` to send."""
    user_id: str | None = None
    """``context.System.user.userId`` to send."""
    device_id: str | None = None
    """``context.System.device.deviceId`` to send."""


@dataclass(frozen=True, slots=True)
class TestSuite:
    """One YAML file."""

    file: Path
    """The file."""
    configuration: Configuration
    """Its configuration block."""
    tests: tuple[TestCase, ...]
    """Its tests, in order."""


@dataclass(frozen=True, slots=True)
class IntentStep:
    """A step's text read as an intent with slot values."""

    intent: str
    """The intent's name."""
    slots: dict[str, str] = field(default_factory=dict)
    """Slot name → value, as written."""


def load_suite(path: Path) -> TestSuite:
    """Read a Bespoken YAML file; ConversationTestError with file and line for anything malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConversationTestError(
            f"{path}: cannot read the test file ({error.strerror or error})"
        ) from error
    return parse_suite(text, path)


def parse_suite(text: str, path: Path) -> TestSuite:
    """Parse the text of a Bespoken YAML file (``path`` names it in messages and anchors ``audio`` paths)."""
    try:
        documents = [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as error:
        raise ConversationTestError(f"{path}: not valid YAML: {error}") from error
    configuration = Configuration()
    tests: list[TestCase] = []
    for document in documents:
        if isinstance(document, yaml.MappingNode):
            data = _value(document)
            if "configuration" not in data:
                raise ConversationTestError(
                    f"{path}:{_line(document)}: a mapping document must be the configuration block "
                    "(configuration: {locale: en-US, ...}); tests are lists (- test: name)"
                )
            configuration = _configuration(data["configuration"], path, _line(document))
            continue
        if not isinstance(document, yaml.SequenceNode):
            raise ConversationTestError(f"{path}:{_line(document)}: expected a list of test steps")
        tests.extend(_tests(document, path))
    names = [t.name for t in tests]
    for name in names:
        if names.count(name) > 1:
            raise ConversationTestError(f"{path}: two tests are named {name!r}; give each a unique name")
    return TestSuite(path, configuration, tuple(tests))


def split_intent_step(text: str, intent_names: set[str] | frozenset[str], where: str) -> IntentStep | None:
    """``OrderIntent size=large drink="iced latte"`` as an intent step when its first word is one of
    ``intent_names`` or an ``AMAZON.`` intent; None for an utterance. ``where`` (file:line) names bad slots."""
    head, _, rest = text.strip().partition(" ")
    if head not in intent_names and not re.fullmatch(r"AMAZON\.\w+", head):
        return None
    slots: dict[str, str] = {}
    try:
        parts = shlex.split(rest)
    except ValueError as error:
        raise ConversationTestError(f"{where}: cannot read the slot values of {text!r}: {error}") from error
    for part in parts:
        name, sep, value = part.partition("=")
        if not sep or not name:
            raise ConversationTestError(
                f'{where}: {part!r} in {text!r} is not slot=value (quote values with spaces: slot="two words")'
            )
        slots[name] = value
    return IntentStep(head, slots)


# --- reading ---------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so the utterances "yes", "no", "on" and "off" stay strings."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _value(node: yaml.Node) -> Any:
    """A node as plain Python data (tags were resolved by the loader while composing)."""
    return yaml.constructor.SafeConstructor().construct_document(node)


def _configuration(data: Any, path: Path, line: int) -> Configuration:
    if not isinstance(data, dict):
        raise ConversationTestError(f"{path}:{line}: configuration must be a mapping")
    values = {}
    for key in ("locale", "handler", "interactionModel", "applicationId", "userId", "deviceId"):
        value = data.get(key)
        if value is not None and not isinstance(value, str | int):
            raise ConversationTestError(f"{path}:{line}: configuration {key} must be a string")
        values[key] = str(value) if value is not None else None
    return Configuration(
        locale=values["locale"],
        handler=values["handler"],
        interaction_model=values["interactionModel"],
        application_id=values["applicationId"],
        user_id=values["userId"],
        device_id=values["deviceId"],
    )


def _tests(document: yaml.SequenceNode, path: Path) -> list[TestCase]:
    tests: list[TestCase] = []
    name: str | None = None
    line = _line(document)
    steps: list[Step] = []

    def close() -> None:
        if name is not None or steps:
            tests.append(TestCase(name or f"test at line {line}", line, tuple(steps)))

    for item in document.value:
        title = _test_title(item)
        if title is not None:
            close()
            name, line, steps = title, _line(item), []
            continue
        steps.append(_step(item, path))
    close()
    return tests


def _test_title(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key = node.value[0][0]
        if isinstance(key, yaml.ScalarNode) and key.value.lower() == "test":
            return str(_value(node.value[0][1]) or "")
    return None


def _step(node: yaml.Node, path: Path) -> Step:
    where = f"{path}:{_line(node)}"
    if isinstance(node, yaml.ScalarNode):
        return _make_step(_text(node), _line(node), (), path)
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ConversationTestError(f"{where}: a step is a request or utterance, optionally with assertions")
    keys = [_text(k) for k, _ in node.value]
    if "audio" in keys:
        audio_node = node.value[keys.index("audio")][1]
        assertions = tuple(_mapping_assertion(_text(k), v) for k, v in node.value if _text(k) != "audio")
        return _make_step(f"audio:{_text(audio_node)}", _line(node), assertions, path)
    if len(node.value) != 1:
        raise ConversationTestError(
            f"{where}: a step has one key (the request or utterance), found {', '.join(map(repr, keys))}; "
            "indent its assertions as a list under it"
        )
    key, value = node.value[0]
    return _make_step(_text(key), _line(key), _assertions(value, path), path)


def _make_step(text: str, line: int, assertions: tuple[Assertion, ...], path: Path) -> Step:
    stripped = text.strip()
    if stripped.startswith("audio:"):
        file = stripped[len("audio:") :].strip()
        return Step("audio", file, line, assertions, (path.parent / file).resolve())
    if stripped == LAUNCH:
        return Step("launch", stripped, line, assertions)
    if stripped == SESSION_ENDED:
        return Step("session-ended", stripped, line, assertions)
    if not stripped:
        return Step("silence", "", line, assertions)
    if stripped.startswith(PLAYER_STEPS):
        return Step("player", stripped, line, assertions)
    return Step("text", stripped, line, assertions)


def _assertions(node: yaml.Node, path: Path) -> tuple[Assertion, ...]:
    line = _line(node)
    if isinstance(node, yaml.ScalarNode):
        value = _value(node)
        if value is None:
            return ()
        return (_string_assertion(value, line),)
    if isinstance(node, yaml.SequenceNode):
        out: list[Assertion] = []
        prompts: list[Any] = []
        prompt_line = line
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                out.extend(_mapping_assertion(_text(k), v) for k, v in item.value)
            elif isinstance(item, yaml.ScalarNode):
                value = _value(item)
                expression = _EXPRESSION.match(value) if isinstance(value, str) else None
                if expression:
                    out.append(_expression(expression, _line(item)))
                else:
                    prompt_line = prompt_line if prompts else _line(item)
                    prompts.append(value)
            else:
                raise ConversationTestError(
                    f"{path}:{_line(item)}: an assertion is `path: value` or a string"
                )
        if prompts:
            out.insert(0, Assertion("prompt", ":", prompts if len(prompts) > 1 else prompts[0], prompt_line))
        return tuple(out)
    if isinstance(node, yaml.MappingNode):
        return tuple(_mapping_assertion(_text(k), v) for k, v in node.value)
    raise ConversationTestError(f"{path}:{line}: cannot read these assertions")


def _string_assertion(value: Any, line: int) -> Assertion:
    expression = _EXPRESSION.match(value) if isinstance(value, str) else None
    if expression and not value.lstrip().startswith("/"):
        return _expression(expression, line)
    return Assertion("prompt", ":", value, line)


def _expression(match: re.Match[str], line: int) -> Assertion:
    path, operator, raw = match.groups()
    expected: Any = raw
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        expected = raw[1:-1]
    elif raw == "undefined":
        expected = None
    return Assertion(path, operator, expected, line)


def _mapping_assertion(path: str, node: yaml.Node) -> Assertion:
    value = _value(node)
    if isinstance(value, str) and value.strip() == "undefined":
        value = None
    return Assertion(path.strip(), ":", value, _line(node))


def _text(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ConversationTestError(f"line {_line(node)}: expected text here")
    return str(node.value)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
