"""The first validation pass: the project's JSON Schema (``schema/interaction-model.schema.json``), after a shape
check that bounds nesting and size without recursion, with messages that name the intent, slot or type."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .reading import MAX_DEPTH, MAX_NODES, Report, json_pointer, kind_of, shortened, usable_name


@functools.cache
def validator() -> Draft202012Validator:
    """The validator for the project's interaction model schema, built once."""
    file = resources.files("assistant.model.schema").joinpath("interaction-model.schema.json")
    schema = json.loads(file.read_text("utf-8"))
    return Draft202012Validator(_inline_refs(schema, schema["$defs"]))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local ``{"$ref": "#/$defs/x"}`` replaced by its definition (the schema has no
    cycles); otherwise jsonschema spends a third of its time resolving references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def shape_ok(data: Any, report: Report) -> bool:
    """Reject, without recursion, nesting deeper than MAX_DEPTH, more than MAX_NODES values, non-string keys and
    values that JSON has no type for."""
    stack: list[tuple[Any, int, tuple[object, ...]]] = [(data, 0, ())]
    nodes = 0
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            report.add(f"more than {MAX_NODES} JSON values; not a model this runtime can load")
            return False
        if depth > MAX_DEPTH:
            report.add(f"nested more than {MAX_DEPTH} levels deep", json_pointer(*path[:MAX_DEPTH]))
            return False
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    report.add(f"object key {key!r} is not a string", json_pointer(*path))
                    return False
                stack.append((item, depth + 1, (*path, key) if depth < MAX_DEPTH else path))
        elif isinstance(value, list):
            stack.extend(
                (item, depth + 1, (*path, i) if depth < MAX_DEPTH else path) for i, item in enumerate(value)
            )
        elif not isinstance(value, str | int | float | bool) and value is not None:
            report.add(f"{type(value).__name__} is not a JSON value", json_pointer(*path))
            return False
    return True


def schema_message(error: ValidationError) -> str:
    """A short message for a schema error, quoting at most a little of the offending value."""
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(map(str, kinds))}, found {kind_of(value)}"
    if keyword == "pattern":
        return "must not be empty or blank"
    if keyword == "minItems":
        return f"must have at least {expected} item(s)"
    if keyword == "enum":
        shown = shortened(value) if isinstance(value, str) else kind_of(value)
        choices = ", ".join(str(e) for e in expected)  # type: ignore[union-attr]
        return f"must be one of {choices}, found {shown}"
    if keyword == "required":
        return error.message
    return error.message[:200]


_LABELS = {
    "intents": "intent",
    "slots": "slot",
    "types": "type",
    "prompts": "prompt",
    "validations": "validation",
}


def subject_at(data: Any, path: list[Any]) -> str | None:
    """``intent X, slot y`` for a path into the normalised model, naming each array item it passes through."""
    parts: list[str] = []
    node = data
    for parent, key in zip([None, *path], path, strict=False):
        in_object = isinstance(node, dict) and isinstance(key, str) and key in node
        in_array = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_object or in_array):
            break
        node = node[key]
        if isinstance(key, int) and isinstance(node, dict) and parent in _LABELS:
            name = (
                node.get("id")
                if parent == "prompts"
                else node.get("type" if parent == "validations" else "name")
            )
            if usable_name(name):
                parts.append(f"{_LABELS[parent]} {name}")
        elif parent == "values" and isinstance(node, dict):
            value = node.get("name", {}).get("value") if isinstance(node.get("name"), dict) else None
            if usable_name(value):
                parts.append(f"value {value}")
    if parts and path[:2] == ["interactionModel", "dialog"]:
        parts[0] = "dialog " + parts[0]
    return ", ".join(parts) or None
