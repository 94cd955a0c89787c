"""Text → intent: walk a compiled grammar's expression tree over the words, as the decoder's grammar would.

``parse(text, grammar)`` has no hidden state. The matcher is a generator over (position, captures), so it
backtracks without shared mutable state; the first-word sets of sub-expressions prune alternatives early.

When several parses cover the whole utterance, the choice is deterministic: the parse with the most words
matched literally (outside slots) wins, i.e. the most specific sample; then the skill's own intents beat
built-ins; then the earlier intent in the model.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..grammar import text as textnorm
from ..grammar.compiler import WILDCARD_RULE, CompiledGrammar, TypeInfo, default_lexicon, match_key
from ..grammar.expr import Alt, Expr, Opt, Ref, Seq, Slot, Tag, Word
from . import values
from .result import IntentResult, Resolution, SlotValue

log = logging.getLogger(__name__)

Capture = tuple[str, str, int, int]
"""(slot name, slot type, start, end) of a slot's words."""

MAX_PARSES = 200
"""Complete parses examined per utterance, at most (guards against pathological ambiguity)."""


@dataclass(frozen=True, slots=True)
class _Settings:
    """Read-only per-call settings of the matcher."""

    grammar: CompiledGrammar
    keys: tuple[str, ...]
    first: dict[int, frozenset[str] | None]


def _first(expr: Expr, s: _Settings, stack: frozenset[int] = frozenset()) -> frozenset[str] | None:
    """Words an expression can start with; None when it can be empty or start with anything."""
    key = id(expr)
    if key in s.first:
        return s.first[key]
    result: frozenset[str] | None
    if isinstance(expr, Word):
        result = frozenset({match_key(expr.text)})
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
                yield j, (*caps, (expr.name, expr.type, i, j))
            return
        for j, inner in _match(Ref(expr.rule), i, caps, s):
            if j > i:
                yield j, (*inner, (expr.name, expr.type, i, j))
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
    """The words of typed or recognised text, normalised as samples are."""
    return textnorm.words(text, default_lexicon().__contains__)


def parse(
    text: str | list[str],
    grammar: CompiledGrammar,
    now: dt.datetime | None = None,
    skill_order: Callable[[str], int] | None = None,
) -> IntentResult | None:
    """The intent and slots of an utterance, or None when the grammar does not cover it."""
    words = tokens(text) if isinstance(text, str) else list(text)
    if not words:
        return None
    now = now or dt.datetime.now()
    s = _Settings(grammar, tuple(match_key(w) for w in words), {})
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
            seen += 1
            result = _result(tag, caps, words, grammar, now)
            if result is not None:
                literal = len(words) - sum(e - b for _, _, b, e in caps)
                builtin = 1 if tag.intent.startswith(("AMAZON.", "System.")) else 0
                rank = (literal, -builtin, -order)
                if best is None or rank > best[0]:
                    best = (rank, result)
            if seen >= MAX_PARSES:
                break
        if seen >= MAX_PARSES:
            log.debug("parse of %r stopped after %d parses", " ".join(words), seen)
            break
    return best[1] if best else None


def _result(tag: Tag, caps: tuple[Capture, ...], words: list[str], grammar: CompiledGrammar, now: dt.datetime) -> IntentResult | None:
    slots: dict[str, SlotValue] = {}
    type_prefix = ""
    if tag.skill is not None:  # launcher grammars name their types per skill
        type_prefix = _skill_prefix(tag, grammar)
    for name, type_name, b, e in caps:
        spoken = words[b:e]
        info = grammar.types.get(type_prefix + type_name) or grammar.types.get(type_name)
        try:
            slots[name] = _slot_value(name, type_name, spoken, info, now)
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


def _slot_value(name: str, type_name: str, spoken: list[str], info: TypeInfo | None, now: dt.datetime) -> SlotValue:
    text = " ".join(spoken)
    if type_name in values.GRAMMAR_TYPES:
        value = values.normalize(type_name, spoken, now)
        return SlotValue(name, type_name, value, text)
    resolutions: tuple[Resolution, ...] = ()
    if info is not None and info.resolvable:
        key = tuple(match_key(w) for w in spoken)
        res: list[Resolution] = []
        if info.dynamic:
            hit = info.dynamic_by_key.get(key)
            res.append(Resolution(type_name, hit is not None, hit and hit[0], hit and hit[1], dynamic=True))
        hit = info.by_key.get(key)
        res.append(Resolution(type_name, hit is not None, hit and hit[0], hit and hit[1]))
        resolutions = tuple(res)
    return SlotValue(name, type_name, text, text, resolutions)
