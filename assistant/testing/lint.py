"""``assistant lint``: problems in a skill's interaction model a developer can act on.

Each :class:`Diagnostic` names the file, a JSON pointer into it (``/interactionModel/languageModel/intents/2/
samples/0``), what is wrong and what to do. The checks:

- ``invocation-name`` (error): Alexa's rules for invocation names (``assistant.model.names``, which cites
  them): lower-case letters, spaces, possessive apostrophes and periods of initialisms only; no launch phrases
  ("open", "ask", "launch"…), no wake words ("alexa", "amazon", "echo", "computer"), not "skill" or "app", no
  connecting words ("to", "from", "by", "if", "and", "whether"…). One word is a warning (Alexa allows it for a
  brand name, which lint cannot know).
- ``ambiguous-sample`` (warning): a sample (its slots filled with a value of their type) that another intent
  also accepts; the message says which intent the NLU picks.
- ``shadowed-by-builtin`` (warning): a sample that is one of a built-in intent's standard utterances.
- ``same-but-slot`` (warning): samples of one intent that differ only in which slot they name ("{a} please",
  "{b} please"): the NLU cannot tell which slot is meant.
- ``guessed-pronunciation`` (warning): words not in the recogniser's dictionary whose pronunciation espeak-ng
  guessed; they may be misheard.
- ``similar-values`` (warning): values of one slot type, with as many words, that sound alike: the edit
  distance of their CMU phone strings divided by the longer length (0 = homophones) is at most
  :data:`SIMILAR_AT`. Phrases of different lengths ("milk" / "soy milk") differ by a whole word, which the
  recogniser hears, so they are not compared.
- ``unused-type`` (warning): a custom slot type no slot uses.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.grammar.compiler import CompiledGrammar, compile_session, default_lexicon
from assistant.model.builtins import BUILTIN_INTENTS
from assistant.model.loader import load_model
from assistant.model.names import invocation_problems as name_problems
from assistant.model.types import Intent, InteractionModel
from assistant.nlu.lists import list_values
from assistant.nlu.parser import parse, tokens

logger = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"
SIMILAR_AT = 0.25
"""Largest normalised phone edit distance at which two slot values count as sounding alike."""
SAMPLE_VALUES = {
    "AMAZON.NUMBER": "five",
    "AMAZON.FOUR_DIGIT_NUMBER": "twenty twenty",
    "AMAZON.ORDINAL": "third",
    "AMAZON.DATE": "tomorrow",
    "AMAZON.TIME": "three p.m.",
    "AMAZON.DURATION": "five minutes",
    "AMAZON.PHONENUMBER": "five five five one two one two",
    "AMAZON.SearchQuery": "the weather",
}
"""A value of each grammar-built slot type, to fill sample placeholders with."""
_SLOT = re.compile(r"\{\s*([^{}]+?)\s*\}")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a skill."""

    severity: str
    """``error`` (the skill would be rejected or cannot work) or ``warning``."""
    code: str
    """Which check found it (``ambiguous-sample``, ``invocation-name``…)."""
    message: str
    """What is wrong."""
    file: str
    """The file involved."""
    pointer: str
    """A JSON pointer into ``file`` (or ``line N``)."""
    suggestion: str
    """What to do about it."""
    measure: float | None = None
    """The figure behind the finding, when there is one (``similar-values``: normalised phone distance)."""

    def to_json(self) -> dict[str, Any]:
        """The diagnostic as JSON (``--json``)."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "pointer": self.pointer,
            "suggestion": self.suggestion,
            "measure": self.measure,
        }

    def __str__(self) -> str:
        figure = f" (measure {self.measure:.2f})" if self.measure is not None else ""
        return (
            f"{self.file}:{self.pointer}: {self.severity}: [{self.code}] {self.message}{figure}\n"
            f"    suggestion: {self.suggestion}"
        )


def lint_skill(path: Path, locale: str = "en-US") -> list[Diagnostic]:
    """Every diagnostic for the skill folder or model file at ``path``, errors first."""
    model = load_model(path, locale)
    return lint_model(model)


def lint_model(model: InteractionModel) -> list[Diagnostic]:
    """Every diagnostic for a loaded model, errors first."""
    where = _Locator(model.source)
    grammar = compile_session(model)
    found = [
        *invocation_problems(model, where),
        *sample_problems(model, grammar, where),
        *same_but_slot(model, where),
        *guessed_words(model, grammar, where),
        *similar_values(model, where),
        *unused_types(model, where),
    ]
    return sorted(found, key=lambda d: d.severity != ERROR)


# --- invocation name -----------------------------------------------------------------------------------------


def invocation_problems(model: InteractionModel, where: _Locator | None = None) -> Iterator[Diagnostic]:
    """Alexa's rules for invocation names (``assistant.model.names``); one word is a warning here, since lint
    cannot know whether it is a brand."""
    where = where or _Locator(model.source)
    name = where.raw_invocation() or model.invocation_name  # the loader lower-cases it; Alexa does not
    for problem in name_problems(name, model.locale):
        yield Diagnostic(
            problem.severity,
            "invocation-name",
            problem.message,
            where.file,
            where.invocation(),
            problem.suggestion,
        )


# --- samples -------------------------------------------------------------------------------------------------


def filled(sample: str, intent: Intent, model: InteractionModel) -> str | None:
    """The sample with each ``{slot}`` replaced by a value of its type; None when a type has no usable value."""
    types = {s.name: s.type for s in intent.slots}

    def value(match: re.Match[str]) -> str:
        type_name = types.get(match.group(1))
        if type_name is None:
            raise LookupError(match.group(1))
        custom = model.type(type_name)
        if custom is not None and custom.values:
            return custom.values[0].name
        if type_name in SAMPLE_VALUES:
            return SAMPLE_VALUES[type_name]
        listed = list_values(type_name)
        if listed:
            return listed[0]
        raise LookupError(type_name)

    try:
        return _SLOT.sub(value, sample)
    except (LookupError, AssistantError):
        return None


def sample_problems(
    model: InteractionModel, grammar: CompiledGrammar, where: _Locator | None = None
) -> Iterator[Diagnostic]:
    """Samples that more than one intent accepts, and samples a built-in intent shadows."""
    where = where or _Locator(model.source)
    alone = {i.name: compile_session(replace(model, intents=(i,))) for i in model.intents}
    builtin = {tuple(tokens(p)): name for name, phrases in BUILTIN_INTENTS.items() for p in phrases}
    for intent in model.intents:
        if intent.name.startswith("AMAZON."):
            continue
        for index, sample in enumerate(intent.samples):
            text = filled(sample, intent, model)
            if text is None:
                continue
            pointer = where.sample(intent.name, index)
            shadow = builtin.get(tuple(tokens(text)))
            if shadow is not None:
                yield Diagnostic(
                    WARNING,
                    "shadowed-by-builtin",
                    f"{intent.name} sample {sample!r} is a standard utterance of {shadow}",
                    where.file,
                    pointer,
                    f"remove it; users saying {text!r} expect {shadow}, and the skill receives that too",
                )
                continue
            others = [
                name
                for name, g in alone.items()
                if name != intent.name and (r := parse(text, g)) is not None and r.intent == name
            ]
            if not others:
                continue
            winner = parse(text, grammar)
            picked = winner.intent if winner is not None else "none"
            yield Diagnostic(
                WARNING,
                "ambiguous-sample",
                f"{intent.name} sample {sample!r} (as {text!r}) is also accepted by {', '.join(others)}; "
                f"the NLU picks {picked}",
                where.file,
                pointer,
                "reword one of the samples, or merge the intents and tell them apart by a slot",
            )


def same_but_slot(model: InteractionModel, where: _Locator | None = None) -> Iterator[Diagnostic]:
    """Samples of one intent that differ only by which slot they name."""
    where = where or _Locator(model.source)
    for intent in model.intents:
        seen: dict[tuple[str, ...], tuple[int, str]] = {}
        for index, sample in enumerate(intent.samples):
            shape = tuple("{}" if _SLOT.fullmatch(w) else w.lower() for w in _split(sample))
            if shape in seen and seen[shape][1] != sample:
                first_index, first = seen[shape]
                yield Diagnostic(
                    WARNING,
                    "same-but-slot",
                    f"{intent.name} samples {first!r} and {sample!r} differ only by the slot; the NLU "
                    "cannot tell which slot a value belongs to",
                    where.file,
                    where.sample(intent.name, index),
                    "keep one of them, or add words that tell the slots apart ('from {a}' / 'to {b}')",
                )
            else:
                seen.setdefault(shape, (index, sample))


def _split(sample: str) -> list[str]:
    return re.findall(r"\{[^{}]*\}|[^\s{}]+", sample)


# --- sound ---------------------------------------------------------------------------------------------------


def guessed_words(
    model: InteractionModel, grammar: CompiledGrammar, where: _Locator | None = None
) -> Iterator[Diagnostic]:
    """Words whose pronunciation had to be guessed."""
    where = where or _Locator(model.source)
    for word in grammar.pronunciations.guessed:
        phones = grammar.pronunciations.extra.get(word, "?")
        yield Diagnostic(
            WARNING,
            "guessed-pronunciation",
            f"{word!r} is not in the recogniser's dictionary; its pronunciation was guessed as {phones}",
            where.file,
            where.word(model, word),
            f"check the guess, or add a line '{word} {phones}' (CMU phones) to pronunciations.txt beside the "
            "model",
        )


def phone_distance(a: str, b: str) -> float:
    """Edit distance of two phone strings (stress ignored) divided by the longer one's length."""
    x, y = [p.rstrip("012") for p in a.split()], [p.rstrip("012") for p in b.split()]
    if not x and not y:
        return 0.0
    previous = list(range(len(y) + 1))
    for i, p in enumerate(x, start=1):
        current = [i]
        for j, q in enumerate(y, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (p != q)))
        previous = current
    return previous[-1] / max(len(x), len(y))


def similar_values(
    model: InteractionModel, where: _Locator | None = None, threshold: float = SIMILAR_AT
) -> Iterator[Diagnostic]:
    """Values of one slot type (synonyms included) that sound alike."""
    where = where or _Locator(model.source)
    lexicon = default_lexicon()
    grammar = compile_session(model)
    extra = grammar.pronunciations.extra
    for slot_type in model.types:
        phrases: list[tuple[str, int, str, int]] = []  # (spoken phrase, value index, phones, words)
        for index, value in enumerate(slot_type.values):
            for phrase in (value.name, *value.synonyms):
                words = tokens(phrase)
                parts = [lexicon.phones(w) or extra.get(w) for w in words]
                if words and all(parts):
                    phrases.append((phrase, index, " ".join(p for p in parts if p), len(words)))
        reported: set[tuple[int, int]] = set()
        for i, (a, ai, pa, na) in enumerate(phrases):
            for b, bi, pb, nb in phrases[i + 1 :]:
                if ai == bi or na != nb or (ai, bi) in reported:
                    continue
                distance = phone_distance(pa, pb)
                if distance <= threshold:
                    reported.add((ai, bi))
                    yield Diagnostic(
                        WARNING,
                        "similar-values",
                        f"slot type {slot_type.name}: {a!r} ({pa}) and {b!r} ({pb}) sound alike",
                        where.file,
                        where.value(slot_type.name, bi),
                        "rename one, or make one a synonym of the other if they mean the same",
                        round(distance, 3),
                    )


def unused_types(model: InteractionModel, where: _Locator | None = None) -> Iterator[Diagnostic]:
    """Custom slot types no slot uses."""
    where = where or _Locator(model.source)
    used = {s.type for i in model.intents for s in i.slots}
    for slot_type in model.types:
        if slot_type.name not in used:
            yield Diagnostic(
                WARNING,
                "unused-type",
                f"slot type {slot_type.name} is not used by any slot",
                where.file,
                where.type(slot_type.name),
                "remove it, or give a slot this type",
            )


# --- where things are ------------------------------------------------------------------------------------------


class _Locator:
    """JSON pointers into the model file as written (a legacy speechAssets model gets descriptive paths)."""

    BASE = "/interactionModel/languageModel"

    def __init__(self, source: str) -> None:
        self.file = source
        self._data: dict[str, Any] = {}
        path = Path(source)
        if path.suffix == ".json" and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._data = data["interactionModel"]["languageModel"]
            except (OSError, ValueError, KeyError, TypeError):
                self._data = {}

    def _index(self, key: str, name: str) -> int | str:
        for index, item in enumerate(self._data.get(key) or []):
            if isinstance(item, dict) and item.get("name") == name:
                return index
        return name

    def invocation(self) -> str:
        return f"{self.BASE}/invocationName"

    def raw_invocation(self) -> str | None:
        value = self._data.get("invocationName")
        return value if isinstance(value, str) else None

    def sample(self, intent: str, index: int) -> str:
        return f"{self.BASE}/intents/{self._index('intents', intent)}/samples/{index}"

    def type(self, name: str) -> str:
        return f"{self.BASE}/types/{self._index('types', name)}"

    def value(self, type_name: str, index: int) -> str:
        return f"{self.type(type_name)}/values/{index}"

    def word(self, model: InteractionModel, word: str) -> str:
        for intent in model.intents:
            for index, sample in enumerate(intent.samples):
                if word in tokens(_SLOT.sub(" ", sample)):
                    return self.sample(intent.name, index)
        for slot_type in model.types:
            for index, value in enumerate(slot_type.values):
                if any(word in tokens(p) for p in (value.name, *value.synonyms)):
                    return self.value(slot_type.name, index)
        return self.BASE
