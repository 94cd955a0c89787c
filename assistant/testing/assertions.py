"""How a step's assertions are checked, as Bespoken checks them (lib/test/Assertion.js of skill-testing-ml).

What Bespoken does, and where this runner differs:

- A string is a **partial** match: ``Welcome*`` passes for "Welcome to hello world. Try saying hello." and
  ``Goodbye`` passes for "Goodbye, wise guy." (Bespoken builds an unanchored regex and calls ``test``).
  ``*`` matches anything. Bespoken leaves the other regex characters unescaped except ``+ ^ $ ?``; here every
  character but ``*`` is literal, so ``.`` and ``(`` mean themselves.
- ``/regex/flags``, or the ``=~`` operator, is a regular expression search (Python syntax, which agrees with
  JavaScript's for everyday patterns).
- ``prompt`` and ``reprompt`` are what the user hears: the SSML tags are removed before comparing (a pattern
  is also tried against the raw SSML, so ``/<audio/`` still works). Text comparisons of prompts, reprompts and
  card text also pass when they agree ignoring case and punctuation, as Bespoken's ``lenientMode`` does.
- A list of expected values means any of them (``!=``: none of them).
- ``!=`` passes when the value is absent or does not contain the expected text.
- Numbers and booleans compare exactly (``sessionAttributes.guesses: 0`` does not pass for 10; Bespoken would
  pass it, matching "0" inside "10").
- ``undefined`` (or YAML ``null``) expects the value to be absent.
- ``>``, ``>=``, ``<``, ``<=`` compare numbers.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.nlu.result import IntentResult
from assistant.testing.bespoken import Assertion

TEXT_PATHS = ("prompt", "reprompt", "cardTitle", "cardContent")
"""Shorthands compared leniently (case and punctuation ignored as a second chance)."""
SKILL_ERROR = "skillError"
"""The shorthand for the skill's fault in a step (a sample whose web call fails offline): asserting it makes the
fault expected, so it is checked like any value instead of failing the step."""
SHORTHANDS = (*TEXT_PATHS, "cardImageURL", "intent", SKILL_ERROR)
"""Assertion names that are not JSON paths or slot names."""
ENVELOPE_KEYS = ("response", "sessionAttributes", "version", "userAgent")
"""First parts of a path that make it a JSON path into the response envelope."""
_PUNCTUATION = re.compile(r"[^\w\s*]+")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one step produced, as its assertions see it."""

    speech: str | None
    """What was said (SSML or plain), by the skill or the runtime."""
    reprompt: str | None
    """The reprompt given this turn."""
    card: dict[str, Any] | None
    """The card of the turn."""
    result: IntentResult | None
    """The intent and slots understood (or sent, for an intent step)."""
    response: dict[str, Any] | None
    """The skill's last response envelope of the turn (not the answer to a SessionEndedRequest)."""
    error: str | None = None
    """The skill's fault in this turn (what the log keeps), None when it answered."""


@dataclass(frozen=True, slots=True)
class Checked:
    """One assertion with its verdict."""

    assertion: Assertion
    """What was asserted."""
    passed: bool
    """True when it held."""
    actual: str
    """The actual value as shown to the user (``undefined`` when absent)."""
    diff: str | None = None
    """A word diff of expected against actual text, for a failed text comparison."""


def check(assertion: Assertion, outcome: Outcome) -> Checked:
    """Evaluate one assertion against a step's outcome."""
    candidates = actual_values(assertion.path, outcome)
    lenient = assertion.path in TEXT_PATHS
    passed = matches(assertion.operator, assertion.expected, candidates, lenient)
    shown = "undefined" if not candidates or candidates[0] is None else display(candidates[0])
    diff = None
    if not passed and isinstance(assertion.expected, str) and candidates and isinstance(candidates[0], str):
        diff = word_diff(assertion.expected, candidates[0])
    return Checked(assertion, passed, shown, diff)


def actual_values(path: str, outcome: Outcome) -> list[Any]:
    """The value at ``path`` (first), with alternatives that also count (raw SSML, a slot's resolved name);
    ``[None]`` when absent."""
    if path in ("prompt", "reprompt"):
        raw = outcome.speech if path == "prompt" else outcome.reprompt
        return [None] if raw is None else [speech_text(raw), raw]
    card = outcome.card or {}
    if path == "cardTitle":
        return [card.get("title")]
    if path == "cardContent":
        return [card.get("content", card.get("text"))]
    if path == "cardImageURL":
        image = card.get("image") or {}
        return [image.get("largeImageUrl", image.get("smallImageUrl"))] if isinstance(image, dict) else [None]
    if path == SKILL_ERROR:
        return [outcome.error]
    if path == "intent":
        return [outcome.result.intent if outcome.result is not None else None]
    if is_json_path(path):
        return [json_path(outcome.response, path)]
    slot = outcome.result.slots.get(path) if outcome.result is not None else None
    if slot is None:
        return [None]
    resolved = slot.resolved
    return [slot.value] + ([resolved["name"]] if resolved and resolved.get("name") else [])


def is_json_path(path: str) -> bool:
    """True for a path into the response envelope, False for a shorthand or a slot name."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return path not in SHORTHANDS and (head in ENVELOPE_KEYS or "." in path or "[" in path)


def json_path(document: Any, path: str) -> Any:
    """The value at a dotted path with optional ``[index]`` parts (``response.directives[0].type``), a leading
    ``$.`` allowed; None when any part is missing."""
    node = document
    text = path[2:] if path.startswith("$.") else path
    for part in re.findall(r"[^.\[\]]+|\[\d+\]|\[['\"][^'\"]*['\"]\]", text):
        if part.startswith("[") and part[1:-1].isdigit():
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
            continue
        key = part[2:-2] if part.startswith("[") else part
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def matches(operator: str, expected: Any, candidates: Sequence[Any], lenient: bool = False) -> bool:
    """The verdict of one assertion; ``candidates[0]`` is the value, the rest alternatives that also count."""
    actual = candidates[0] if candidates else None
    if operator == "!=":
        if expected is None:
            return actual is not None
        if actual is None:
            return True
        options = expected if isinstance(expected, list) else [expected]
        return not any(_equal(":", o, c, lenient) for o in options for c in candidates if c is not None)
    if operator in (">", ">=", "<", "<="):
        return _compare(operator, expected, actual)
    if expected is None:
        return actual is None
    if actual is None:
        return False
    options = expected if isinstance(expected, list) else [expected]
    return any(_equal(operator, o, c, lenient) for o in options for c in candidates if c is not None)


def _equal(operator: str, expected: Any, actual: Any, lenient: bool) -> bool:
    if not isinstance(expected, str):
        return display(actual) == display(expected)
    text = actual if isinstance(actual, str) else display(actual)
    pattern = regex_of(expected) if operator == "=~" or _is_regex(expected) else None
    if pattern is not None:
        return pattern.search(text) is not None
    if wildcard(expected).search(text):
        return True
    return lenient and wildcard(_loose(expected)).search(_loose(text)) is not None


def _compare(operator: str, expected: Any, actual: Any) -> bool:
    try:
        a, e = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {">": a > e, ">=": a >= e, "<": a < e, "<=": a <= e}[operator]


def _is_regex(value: str) -> bool:
    return len(value) >= 2 and value.startswith("/") and "/" in value[1:]


def regex_of(value: str) -> re.Pattern[str]:
    """``/pattern/flags`` (flags i, m, s) or a bare pattern as a compiled regex."""
    flags = 0
    body = value
    if _is_regex(value):
        end = value.rindex("/")
        body = value[1:end]
        for letter in value[end + 1 :]:
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}.get(letter, 0)
    try:
        return re.compile(body.replace("\\/", "/"), flags)
    except re.error:
        return re.compile(re.escape(body), flags)


def wildcard(value: str) -> re.Pattern[str]:
    """A partial-match pattern: ``*`` matches anything, everything else is literal."""
    return re.compile(".*".join(re.escape(part) for part in value.strip().split("*")), re.DOTALL)


def speech_text(speech: str) -> str:
    """What a listener hears: SSML tags removed, entities unescaped, spaces tidied."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", speech))
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([.,!?;:])", r"\1", text)


def _loose(text: str) -> str:
    """Lower case, punctuation (but ``*``) removed, spaces collapsed: Bespoken's lenient comparison."""
    return re.sub(r"\s+", " ", _PUNCTUATION.sub(" ", text.replace("'", "").lower())).strip()


def display(value: Any) -> str:
    """A value as the report shows it (JSON for numbers, booleans and objects)."""
    if value is None:
        return "undefined"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def word_diff(expected: str, actual: str) -> str:
    """``[-removed-]{+added+}`` word diff from expected to actual (``*`` wildcards shown as they are)."""
    a, b = expected.split(), actual.split()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)
