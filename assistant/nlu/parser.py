"""Text → intent: walk a compiled grammar's expression tree over the words, as the decoder's grammar would.

``parse(text, grammar)`` has no hidden state. The matcher is a generator over (position, captures), so it
backtracks without shared mutable state; the first-word sets of sub-expressions prune alternatives early.

When several parses cover the whole utterance, the choice is deterministic: the parse with the most words
matched literally (outside slots) wins, i.e. the most specific sample; then the skill's own intents beat
built-ins; then the earlier intent in the model.

Custom slot values are examples, not an enumeration, as on Alexa: when no sample fits with the listed values
(and synonyms), a second walk lets a custom slot take any words (``open`` captures, at most
:data:`OPEN_MAX_WORDS`); the slot then gets the words as typed and entity resolution ``ER_SUCCESS_NO_MATCH``.
Listed values always win: the open walk runs only when the closed one found nothing. So that open captures do not
make every sentence some intent, an open parse needs at least one word outside its open captures (the carrier
phrase of the sample, or a listed value of another slot), except the bare answer to the slot a dialog elicits
(``CompiledGrammar.elicited``), which on Alexa may be anything. Among open parses the most literal words win,
then the fewest words captured open.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..grammar import text as textnorm
from ..grammar.compiler import WILDCARD_RULE, CompiledGrammar, TypeInfo, default_lexicon, match_key
from ..grammar.expr import Alt, Expr, Opt, Ref, Seq, Slot, Tag, Word
from . import values
from .result import IntentResult, Resolution, SlotValue

log = logging.getLogger(__name__)

Capture = tuple[str, str, int, int, bool]
"""(slot name, slot type, start, end, open) of a slot's words; ``open``: taken as any words (no listed value)."""

MAX_PARSES = 200
"""Complete parses examined per utterance, at most (guards against pathological ambiguity)."""

OPEN_MAX_WORDS = 6
"""Most words a custom slot takes when no listed value fits (AMAZON.SearchQuery takes any number)."""


@dataclass(frozen=True, slots=True)
class _Settings:
    """Read-only per-call settings of the matcher."""

    grammar: CompiledGrammar
    keys: tuple[str, ...]
    first: dict[int, frozenset[str] | None]
    open_rules: frozenset[str] = frozenset()
    """Rules of the slot types that may take unlisted words in this walk (empty: listed values only)."""


def _first(expr: Expr, s: _Settings, stack: frozenset[int] = frozenset()) -> frozenset[str] | None:
    """Words an expression can start with; None when it can be empty or start with anything."""
    key = id(expr)
    if key in s.first:
        return s.first[key]
    result: frozenset[str] | None
    if isinstance(expr, Word):
        result = frozenset({match_key(expr.text)})
    elif isinstance(expr, Slot) and expr.rule in s.open_rules:
        result = None  # any word may begin an open capture
    elif isinstance(expr, Ref | Slot):
        rule = expr.rule
        target = s.grammar.rules.get(rule)
        result = None if target is None or key in stack else _first(target, s, stack | {key})
    elif isinstance(expr, Tag):
        result = _first(expr.item, s, stack)
    elif isinstance(expr, Opt):
        result = None
    elif isinstance(expr, Alt):
        sets = [_first(i, s, stack) for i in expr.items]
        result = None if any(x is None for x in sets) else frozenset().union(*[x for x in sets if x is not None])
    else:  # Seq
        result = None if not expr.items else _first(expr.items[0], s, stack)
        if expr.items and result is not None and _nullable(expr.items[0], s):
            result = None
    s.first[key] = result
    return result


def _nullable(expr: Expr, s: _Settings) -> bool:
    if isinstance(expr, Opt):
        return True
    if isinstance(expr, Seq):
        return all(_nullable(i, s) for i in expr.items)
    if isinstance(expr, Alt):
        return any(_nullable(i, s) for i in expr.items)
    return False


def _match(expr: Expr, i: int, caps: tuple[Capture, ...], s: _Settings) -> Iterator[tuple[int, tuple[Capture, ...]]]:
    keys = s.keys
    if isinstance(expr, Word):
        if i < len(keys) and keys[i] == match_key(expr.text):
            yield i + 1, caps
        return
    if isinstance(expr, Seq):
        yield from _match_seq(expr.items, 0, i, caps, s)
        return
    if isinstance(expr, Alt):
        for item in expr.items:
            first = _first(item, s)
            if first is not None and (i >= len(keys) or keys[i] not in first):
                continue
            yield from _match(item, i, caps, s)
        return
    if isinstance(expr, Opt):
        yield from _match(expr.item, i, caps, s)
        yield i, caps
        return
    if isinstance(expr, Slot):
        if expr.rule == WILDCARD_RULE:
            for j in range(len(keys), i, -1):
                yield j, (*caps, (expr.name, expr.type, i, j, False))
            return
        listed = set()
        for j, inner in _match(Ref(expr.rule), i, caps, s):
            if j > i:
                listed.add(j)
                yield j, (*inner, (expr.name, expr.type, i, j, False))
        if expr.rule in s.open_rules:
            for j in range(min(len(keys), i + OPEN_MAX_WORDS), i, -1):
                if j not in listed:
                    yield j, (*caps, (expr.name, expr.type, i, j, True))
        return
    if isinstance(expr, Ref):
        target = s.grammar.rules.get(expr.rule)
        if target is not None:
            yield from _match(target, i, caps, s)
        return
    if isinstance(expr, Tag):
        yield from _match(expr.item, i, caps, s)


def _match_seq(items: tuple[Expr, ...], k: int, i: int, caps: tuple[Capture, ...], s: _Settings) -> Iterator[tuple[int, tuple[Capture, ...]]]:
    if k == len(items):
        yield i, caps
        return
    for j, c in _match(items[k], i, caps, s):
        yield from _match_seq(items, k + 1, j, c, s)


def tokens(text: str) -> list[str]:
    """The words of typed or recognised text, normalised as samples are but with their accents (a slot's value
    is what the user said: "cäsar"); :func:`match_key` folds them for comparison."""
    return textnorm.words(text, default_lexicon().__contains__, keep_accents=True)


def parse(
    text: str | list[str],
    grammar: CompiledGrammar,
    now: dt.datetime | None = None,
    skill_order: Callable[[str], int] | None = None,
    open_slots: bool = True,
) -> IntentResult | None:
    """The intent and slots of an utterance, or None when the grammar does not cover it.

    ``open_slots``: when no sample fits with listed values, let custom slots take unlisted words (see the
    module's docstring); False: listed values only."""
    words = tokens(text) if isinstance(text, str) else list(text)
    if not words:
        return None
    now = now or dt.datetime.now()
    keys = tuple(match_key(w) for w in words)
    found = _walk(_Settings(grammar, keys, {}), words, now)
    if found is None and open_slots:
        open_rules = open_slot_rules(grammar)
        if open_rules:
            found = _walk(_Settings(grammar, keys, {}, open_rules), words, now)
    return found


def open_slot_rules(grammar: CompiledGrammar) -> frozenset[str]:
    """The rules of the grammar's custom slot types: where a slot may take words no listed value has."""
    return frozenset(info.rule for info in grammar.types.values() if info.kind == "custom")


def _walk(s: _Settings, words: list[str], now: dt.datetime) -> IntentResult | None:
    grammar = s.grammar
    top = grammar.rules[grammar.public]
    alternatives = top.items if isinstance(top, Alt) else (top,)
    best: tuple[tuple[int, ...], IntentResult] | None = None
    seen = 0
    for order, tag in enumerate(alternatives):
        if not isinstance(tag, Tag):
            continue
        first = _first(tag, s)
        if first is not None and s.keys[0] not in first:
            continue
        for end, caps in _match(tag.item, 0, (), s):
            if end != len(words):
                continue
            opened = sum(e - b for _, _, b, e, o in caps if o)
            if opened and opened == len(words) and not _bare_answer(tag, caps, grammar):
                continue  # any words at all: no carrier phrase says this intent is meant
            seen += 1
            result = _result(tag, caps, words, grammar, now)
            if result is not None:
                literal = len(words) - sum(e - b for _, _, b, e, _ in caps)
                builtin = 1 if tag.intent.startswith(("AMAZON.", "System.")) else 0
                rank = (literal, -opened, -builtin, -order)
                if best is None or rank > best[0]:
                    best = (rank, result)
            if seen >= MAX_PARSES:
                break
        if seen >= MAX_PARSES:
            log.debug("parse of %r stopped after %d parses", " ".join(words), seen)
            break
    return best[1] if best else None


def _bare_answer(tag: Tag, caps: tuple[Capture, ...], grammar: CompiledGrammar) -> bool:
    """True when the parse is the elicited slot alone: a dialog's answer, which may be any words."""
    return (
        grammar.elicited is not None
        and len(caps) == 1
        and (tag.intent, caps[0][0]) == grammar.elicited
    )


def _result(tag: Tag, caps: tuple[Capture, ...], words: list[str], grammar: CompiledGrammar, now: dt.datetime) -> IntentResult | None:
    slots: dict[str, SlotValue] = {}
    type_prefix = ""
    if tag.skill is not None:  # launcher grammars name their types per skill
        type_prefix = _skill_prefix(tag, grammar)
    for name, type_name, b, e, opened in caps:
        spoken = words[b:e]
        info = grammar.types.get(type_prefix + type_name) or grammar.types.get(type_name)
        try:
            slots[name] = _slot_value(name, type_name, spoken, info, now, opened)
        except ValueError as err:
            log.debug("slot %s: %s", name, err)
            return None
    return IntentResult(
        intent=tag.intent, slots=slots, text=" ".join(words), skill=tag.skill, launch=tag.launch,
    )


def _skill_prefix(tag: Tag, grammar: CompiledGrammar) -> str:
    """The rule prefix of the skill a launcher alternative belongs to (``s<n>_``, in compile order)."""
    skills = list(dict.fromkeys(k.split("/", 1)[0] for k in grammar.intents if "/" in k))
    return f"s{skills.index(tag.skill)}_" if tag.skill in skills else ""


def _slot_value(
    name: str, type_name: str, spoken: list[str], info: TypeInfo | None, now: dt.datetime, opened: bool = False
) -> SlotValue:
    text = " ".join(spoken)
    if type_name in values.GRAMMAR_TYPES:
        value = values.normalize(type_name, spoken, now)
        return SlotValue(name, type_name, value, text)
    resolutions: tuple[Resolution, ...] = ()
    if info is not None and info.resolvable:
        key = tuple(match_key(w) for w in spoken)
        res: list[Resolution] = []
        if info.dynamic:
            hit = info.dynamic_by_key.get(key) or (_contained(key, info.dynamic_by_key) if opened else None)
            res.append(Resolution(type_name, hit is not None, hit and hit[0], hit and hit[1], dynamic=True))
        hit = info.by_key.get(key) or (_contained(key, info.by_key) if opened else None)
        res.append(Resolution(type_name, hit is not None, hit and hit[0], hit and hit[1]))
        resolutions = tuple(res)
    return SlotValue(name, type_name, text, text, resolutions)


NEAR_EXTRA_WORDS = 2
"""Most words an open value may have around a listed value or synonym and still resolve to it."""


def _contained(
    key: tuple[str, ...], table: Mapping[tuple[str, ...], tuple[str, str | None]]
) -> tuple[str, str | None] | None:
    """The listed value an open capture names with a few words around it ("i don't care about money" holds the
    synonym "don't care about money"), or None.

    Alexa's entity resolution is statistical and tolerates such wording; the only tolerance here is the longest
    listed value or synonym said whole inside at most :data:`NEAR_EXTRA_WORDS` other words, and only when no
    other listed value of the same length is in it too."""
    best: list[tuple[str, str | None]] = []
    best_len = 0
    for size in range(len(key) - 1, max(0, len(key) - NEAR_EXTRA_WORDS - 1), -1):
        for start in range(len(key) - size + 1):
            hit = table.get(key[start : start + size])
            if hit is not None and hit not in best:
                best.append(hit)
        if best:
            best_len = size
            break
    return best[0] if best_len and len(best) == 1 else None
