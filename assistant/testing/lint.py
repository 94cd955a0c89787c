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
  guessed; they may be misheard. English locales only: no other is heard by voice here.
- ``similar-values`` (warning): values of one slot type, with as many words, that sound alike: the edit
  distance of their CMU phone strings divided by the longer length (0 = homophones) is at most
  :data:`SIMILAR_AT`. Phrases of different lengths ("milk" / "soy milk") differ by a whole word, which the
  recogniser hears, so they are not compared.
- ``unused-type`` (warning): a custom slot type no slot uses.
- ``accepted-by-alexa`` (warning): what the model loader lets through because Alexa's build accepts it and the
  skill runs with it (``InteractionModel.warnings``), such as a slot sample that does not name its slot.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.asr.acoustic import acoustic_model
from assistant.errors import AssistantError
from assistant.grammar.compiler import CompiledGrammar, compile_session, default_lexicon
from assistant.grammar.lists import list_values
from assistant.model.languages import language
from assistant.model.loader import load_model
from assistant.model.names import invocation_problems as name_problems
from assistant.model.types import Intent, InteractionModel
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
        *(guessed_words(model, grammar, where) if _heard_by_voice(model.locale) else ()),
        *similar_values(model, where),
        *unused_types(model, where),
        *loader_warnings(model),
    ]
    return sorted(found, key=lambda d: d.severity != ERROR)


def _heard_by_voice(locale: str) -> bool:
    """Whether an acoustic model hears the locale; a German model's words are never looked up in the English
    dictionary, so guessing their English pronunciation would only be noise."""
    try:
        acoustic_model(locale)
    except AssistantError:
        return False
    return True


def loader_warnings(model: InteractionModel) -> Iterator[Diagnostic]:
    """The loader's warnings: accepted by Alexa's build, worth fixing."""
    for problem in model.warnings:
        message = f"[{problem.subject}] {problem.message}" if problem.subject else problem.message
        yield Diagnostic(
            WARNING,
            "accepted-by-alexa",
            message,
            problem.file or model.source,
            problem.pointer or "",
            "Alexa accepts this and so does the assistant; fix it if it is not what you meant",
        )


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
    phrases_of = language(model.locale).intents
    builtin = {tuple(tokens(p)): name for name, phrases in phrases_of.items() for p in phrases}
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
                if name != intent.name and (r := parse(text, g, open_slots=False)) is not None and r.intent == name
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
    """Values of one slot type (synonyms included) that sound alike.

    Every pair of phrases with as many words is in question, but only the pairs :func:`sound_alike_pairs` finds
    are measured (the same pairs as comparing all of them, in near-linear time). They are reported in the order
    of the phrases, first pair of two values only."""
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
        keys = [(ai, na) for _, ai, _, na in phrases]
        found = sound_alike_pairs([pa for _, _, pa, _ in phrases], threshold, keys)
        reported: set[tuple[int, int]] = set()
        for i, j, distance in found:
            (a, ai, pa, _), (b, bi, pb, _) = phrases[i], phrases[j]
            if (ai, bi) in reported:
                continue
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


def sound_alike_pairs(
    phone_strings: list[str], threshold: float, keys: list[tuple[int, int]]
) -> list[tuple[int, int, float]]:
    """Every ``(i, j, distance)`` with ``i < j``, ``phone_distance <= threshold``, the same word count
    (``keys[k][1]``) and different values (``keys[k][0]``), sorted by ``(i, j)``.

    The pigeonhole filter of PassJoin (Li et al., VLDB 2011) finds them without comparing every pair: two
    phone strings within ``t`` edits, the longer one of length ``n`` cut into ``t + 1`` pieces, share at least
    one piece unedited, found in the other string at most ``t`` positions from where it lies in the longer one.
    Each string is indexed by its pieces; each string looks up its own substrings near each piece's position in
    the strings as long or longer; only those candidates are measured. With ``t = floor(threshold * n)`` no
    pair within the threshold is missed (a test compares this with measuring every pair).
    """
    sequences = [tuple(p.rstrip("012") for p in s.split()) for s in phone_strings]
    by_length: dict[int, list[int]] = {}
    for index, sequence in enumerate(sequences):
        by_length.setdefault(len(sequence), []).append(index)
    index_of: dict[tuple[int, int, tuple[str, ...]], list[int]] = {}
    pieces_of: dict[int, list[tuple[int, int]]] = {}
    for length, members in by_length.items():
        pieces_of[length] = pieces = _pieces(length, _allowed(length, threshold))
        for member in members:
            sequence = sequences[member]
            for number, (start, size) in enumerate(pieces):
                index_of.setdefault((length, number, sequence[start : start + size]), []).append(member)
    found: dict[tuple[int, int], float] = {}
    lengths = sorted(by_length)
    for query, sequence in enumerate(sequences):
        short = len(sequence)
        for length in lengths:
            allowed = _allowed(length, threshold)
            if length < short or length - short > allowed:
                continue
            # A piece moved by `shift` costs at least |shift| edits before it and |gap + shift| after it.
            gap = length - short
            lowest, highest = -((allowed + gap) // 2), (allowed - gap) // 2
            for number, (start, size) in enumerate(pieces_of[length]):
                for at in range(max(0, start + lowest), min(short - size, start + highest) + 1):
                    for other in index_of.get((length, number, sequence[at : at + size]), ()):
                        if (
                            other == query
                            or keys[other][0] == keys[query][0]
                            or keys[other][1] != keys[query][1]
                        ):
                            continue
                        pair = (min(query, other), max(query, other))
                        if pair in found:
                            continue
                        distance = _edit_distance(sequences[pair[0]], sequences[pair[1]], allowed)
                        if distance <= allowed:
                            found[pair] = distance / max(length, 1)
    return sorted((i, j, d) for (i, j), d in found.items() if d <= threshold)


def _allowed(length: int, threshold: float) -> int:
    """Most edits a string of ``length`` phones may be from a no longer one and still be within ``threshold``."""
    return int(threshold * length + 1e-9)


def _pieces(length: int, allowed: int) -> list[tuple[int, int]]:
    """``(start, size)`` of the ``allowed + 1`` near-equal pieces a string of ``length`` is cut into."""
    count = allowed + 1
    small, extra = divmod(length, count)
    pieces, start = [], 0
    for number in range(count):
        size = small + (1 if number >= count - extra else 0)
        pieces.append((start, size))
        start += size
    return pieces


def _edit_distance(x: tuple[str, ...], y: tuple[str, ...], bound: int) -> int:
    """Levenshtein distance of two phone sequences, or ``bound + 1`` as soon as it must exceed ``bound``.

    Only the diagonal band ``|i - j| <= bound`` of the table is filled: a path outside it costs more."""
    n, m = len(x), len(y)
    if abs(n - m) > bound:
        return bound + 1
    over = bound + 1
    previous = [j if j <= bound else over for j in range(m + 1)]
    for i in range(1, n + 1):
        low, high = max(1, i - bound), min(m, i + bound)
        current = [over] * (m + 1)
        current[0] = i if i <= bound else over
        best = current[0]
        p = x[i - 1]
        for j in range(low, high + 1):
            value = previous[j - 1] + (p != y[j - 1])
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if current[j - 1] + 1 < value:
                value = current[j - 1] + 1
            current[j] = value if value < over else over
            if value < best:
                best = value
        if best > bound:
            return over
        previous = current
    return previous[m]


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
        self._words: dict[str, str] | None = None
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
        """Where ``word`` is first used: a sample, else a slot value (the model is indexed once)."""
        if self._words is None:
            self._words = {}
            for intent in model.intents:
                for index, sample in enumerate(intent.samples):
                    for w in tokens(_SLOT.sub(" ", sample)):
                        self._words.setdefault(w, self.sample(intent.name, index))
            for slot_type in model.types:
                where = self.type(slot_type.name)
                for index, value in enumerate(slot_type.values):
                    for w in (w for p in (value.name, *value.synonyms) for w in tokens(p)):
                        self._words.setdefault(w, f"{where}/values/{index}")
        return self._words.get(word, self.BASE)
