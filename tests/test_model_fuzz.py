"""Malformed models of every kind give ModelError, never a traceback.

Random JSON, model-shaped JSON with random parts, the pizza model with random parts replaced, random bytes as a
model file, and random text as legacy utterances and pronunciation files. The whole file runs in a few seconds.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ModelError
from assistant.model.loader import load_model, model_from_dict
from assistant.model.types import InteractionModel

PIZZA_FILE = Path(__file__).parent / "fixtures" / "models" / "bare" / "pizza.json"
PIZZA: dict[str, Any] = json.loads(PIZZA_FILE.read_text())
LEGACY = Path(__file__).parent / "fixtures" / "models" / "space-geek" / "speechAssets"

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = [
    "name",
    "type",
    "samples",
    "slots",
    "values",
    "id",
    "synonyms",
    "value",
    "prompts",
    "variations",
    "validations",
    "intents",
    "types",
    "dialog",
    "languageModel",
    "interactionModel",
    "invocationName",
    "elicitation",
    "confirmation",
    "delegationStrategy",
    "prompt",
    "start",
    "end",
    "multipleValues",
    "enabled",
]
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "{size}",
            "{",
            "}",
            "{{x}}",
            "{}",
            "",
            " ",
            "AMAZON.DATE",
            "SizeType",
            "OrderIntent",
            "ALWAYS",
            "PlainText",
            "isInSet",
            "Elicit.Slot.size",
            "a {size} pizza",
            "size",
            "\x00",
            "é{ü}",
        ]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=25,
)


def either(proper: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the proper shape, sometimes any JSON at all."""
    return st.one_of(proper, proper, proper, JSON)


def objects(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return either(st.fixed_dictionaries({}, optional=fields))  # type: ignore[arg-type]


SLOT = objects(
    name=TEXT, type=TEXT, samples=either(st.lists(TEXT, max_size=3)), multipleValues=objects(enabled=SCALARS)
)
INTENT = objects(
    name=TEXT, slots=either(st.lists(SLOT, max_size=3)), samples=either(st.lists(TEXT, max_size=4))
)
TYPE_VALUE = objects(id=SCALARS, name=objects(value=TEXT, synonyms=either(st.lists(TEXT, max_size=3))))
SLOT_TYPE = objects(name=TEXT, values=either(st.lists(TYPE_VALUE, max_size=3)))
VALIDATION = objects(
    type=TEXT,
    prompt=TEXT,
    values=either(st.lists(SCALARS, max_size=3)),
    value=SCALARS,
    start=SCALARS,
    end=SCALARS,
)
DIALOG_SLOT = objects(
    name=TEXT,
    type=TEXT,
    elicitationRequired=SCALARS,
    confirmationRequired=SCALARS,
    prompts=objects(elicitation=TEXT, confirmation=TEXT),
    validations=either(st.lists(VALIDATION, max_size=2)),
)
DIALOG_INTENT = objects(
    name=TEXT,
    delegationStrategy=TEXT,
    confirmationRequired=SCALARS,
    prompts=objects(confirmation=TEXT),
    slots=either(st.lists(DIALOG_SLOT, max_size=2)),
)
PROMPT = objects(id=TEXT, variations=either(st.lists(objects(type=TEXT, value=TEXT), max_size=2)))
LANGUAGE_MODEL = objects(
    invocationName=either(TEXT),
    intents=either(st.lists(INTENT, max_size=4)),
    types=either(st.lists(SLOT_TYPE, max_size=2)),
)
INTERACTION_MODEL = objects(
    languageModel=LANGUAGE_MODEL,
    dialog=objects(delegationStrategy=TEXT, intents=either(st.lists(DIALOG_INTENT, max_size=2))),
    prompts=either(st.lists(PROMPT, max_size=3)),
)
MODEL_LIKE = st.one_of(
    st.fixed_dictionaries({"interactionModel": INTERACTION_MODEL}), INTERACTION_MODEL, JSON
)


def loads_or_model_error(data: Any) -> None:
    """The only outcomes allowed: a model, or a ModelError that carries its problems."""
    try:
        model = model_from_dict(data, source="fuzz.json")
    except ModelError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        assert str(exc)
    else:
        assert isinstance(model, InteractionModel)


@FUZZ
@given(MODEL_LIKE)
def test_model_shaped_json_gives_a_model_or_model_error(data: Any) -> None:
    loads_or_model_error(data)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


PIZZA_PATHS = paths(PIZZA)[1:]


def replace_at(data: Any, path: tuple[Any, ...], value: Any) -> None:
    """Put ``value`` at ``path`` when an earlier change left that path in place."""
    node = data
    for key in path[:-1]:
        if (
            isinstance(node, dict)
            and key in node
            or isinstance(node, list)
            and isinstance(key, int)
            and key < len(node)
        ):
            node = node[key]
        else:
            return
    if (
        isinstance(node, dict)
        or isinstance(node, list)
        and isinstance(path[-1], int)
        and path[-1] < len(node)
    ):
        node[path[-1]] = value


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PIZZA_PATHS), JSON), min_size=1, max_size=3))
def test_pizza_with_random_parts_replaced_gives_a_model_or_model_error(
    changes: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(PIZZA)
    for path, value in changes:
        replace_at(data, path, value)
    loads_or_model_error(data)


PIZZA_BYTES = PIZZA_FILE.read_bytes()


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=200),
        st.tuples(st.integers(0, len(PIZZA_BYTES) - 1), st.binary(min_size=1, max_size=4)).map(
            lambda cut: PIZZA_BYTES[: cut[0]] + cut[1] + PIZZA_BYTES[cut[0] + len(cut[1]) :]
        ),
    )
)
def test_random_bytes_as_a_model_file_give_a_model_or_model_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "en-US.json"
        file.write_bytes(content)
        try:
            load_model(file)
        except ModelError as exc:
            assert exc.problems


@settings(max_examples=60, deadline=None)
@given(
    utterances=st.binary(max_size=120),
    pronunciations=st.binary(max_size=80),
    slot_type=st.binary(max_size=40),
)
def test_random_legacy_and_pronunciation_files_give_a_model_or_model_error(
    utterances: bytes, pronunciations: bytes, slot_type: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assets = Path(folder) / "speechAssets"
        (assets / "customSlotTypes").mkdir(parents=True)
        (assets / "IntentSchema.json").write_bytes((LEGACY / "IntentSchema.json").read_bytes())
        (assets / "SampleUtterances.txt").write_bytes(utterances)
        (assets / "customSlotTypes" / "LIST_OF_SIGNS").write_bytes(slot_type)
        (Path(folder) / "pronunciations.txt").write_bytes(pronunciations)
        try:
            load_model(assets)
        except ModelError as exc:
            assert exc.problems
