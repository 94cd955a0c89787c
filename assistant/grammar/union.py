"""Several compiled grammars as one: a sentence of any of them is a sentence of the union.

The runtime listens with a union after the wake word is heard inside an open session: the session's grammar,
stop / cancel / help, and the top-level launcher ("open <another skill>"), so that "alexa, stop", "alexa, open
wise guy" and "alexa, fifty" are all heard (see ``assistant.runtime.engine``).

The union is cheap, linear in the size of its parts; nothing is determinised again:

- **rules**: the first grammar's rules keep their names, every later grammar's rules are renamed with a prefix
  (``u1_``, ``u2_``…), so equal names in two grammars never meet;
- **the top rule** lists the parts' alternatives in order, so a parse that ties between two parts goes to the
  earlier part (``nlu.parse`` ranks ties by order);
- **the automaton**: a new start state carries a copy of every part's first transitions (each part's shares
  scaled by 1/k, so the start's ways out still sum to one), and the parts' final states become one. The result
  is not deterministic on its first word (two parts may begin with the same word), which pocketsphinx's FSG
  search handles; ``WordFsa.accepts`` follows every path.

Slot types and intents keep their keys: launcher grammars key them per skill (``s0_<Type>``, ``<skill>/<intent>``)
and a session's or dialog's grammar by bare name, so the parts' keys do not clash; when they do, the first wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..errors import GrammarError
from ..model.types import Intent
from .compiler import WILDCARD_RULE, CompiledGrammar, TypeInfo
from .expr import Alt, Expr, Opt, Ref, Seq, Slot, Tag, Word
from .fsa import WordFsa
from .pronounce import Pronunciations

UNION_KIND = "union"
"""``CompiledGrammar.kind`` of a union."""


def union(parts: Sequence[CompiledGrammar]) -> CompiledGrammar:
    """One grammar whose sentences are those of every part, with each part's intents, slots and types.

    Pure: the same parts give an equal grammar (its name and digest follow from the parts' digests). Callers
    cache it. Raises GrammarError for fewer than two parts or a part without an automaton.
    """
    if len(parts) < 2:
        raise GrammarError(f"a union needs two grammars or more, got {len(parts)}")
    missing = [p.name for p in parts if p.fsa is None]
    if missing:
        raise GrammarError(f"grammar {missing[0]} has no automaton: it cannot be part of a union")
    digest = hashlib.sha256("\0".join(["union", *(p.digest or p.name for p in parts)]).encode()).hexdigest()
    public = "union_main"
    rules: dict[str, Expr] = {}
    types: dict[str, TypeInfo] = {}
    intents: dict[str, Intent] = {}
    top: list[Expr] = []
    for index, part in enumerate(parts):
        prefix = "" if index == 0 else f"u{index}_"
        names = {name: _renamed(name, prefix) for name in part.rules}
        for name, expr in part.rules.items():
            rules[names[name]] = _rename(expr, names)
        head = rules.pop(names[part.public])
        top.extend(head.items if isinstance(head, Alt) else (head,))
        for key, info in part.types.items():
            types.setdefault(key, replace(info, rule=names.get(info.rule, info.rule)))
        for key, intent in part.intents.items():
            intents.setdefault(key, intent)
    if public in rules:
        raise GrammarError(f"a part of the union already has a rule named {public!r}")
    rules[public] = Alt(tuple(top))
    return CompiledGrammar(
        name=f"g{digest[:12]}",
        kind=UNION_KIND,
        public=public,
        rules=rules,
        types=types,
        intents=intents,
        pronunciations=_pronunciations([p.pronunciations for p in parts]),
        voice_excluded=tuple(dict.fromkeys(x for p in parts for x in p.voice_excluded)),
        elicited=parts[0].elicited,
        digest=digest,
        jsgf="",
        fsa=_union_fsa([p.fsa for p in parts if p.fsa is not None]),
        open_fsa=(
            _union_fsa([p.open_fsa or p.fsa for p in parts if p.fsa is not None])
            if any(p.open_fsa is not None for p in parts)
            else None
        ),
    )


def _renamed(name: str, prefix: str) -> str:
    return name if name == WILDCARD_RULE else prefix + name


def _rename(expr: Expr, names: Mapping[str, str]) -> Expr:
    """``expr`` with every rule it refers to renamed (references to rules not in ``names`` are kept)."""
    if not names or all(k == v for k, v in names.items()):
        return expr
    if isinstance(expr, Ref):
        return Ref(names.get(expr.rule, expr.rule))
    if isinstance(expr, Slot):
        return Slot(expr.name, expr.type, names.get(expr.rule, expr.rule))
    if isinstance(expr, Seq):
        return Seq(tuple(_rename(i, names) for i in expr.items))
    if isinstance(expr, Alt):
        return Alt(tuple(_rename(i, names) for i in expr.items))
    if isinstance(expr, Opt):
        return Opt(_rename(expr.item, names))
    if isinstance(expr, Tag):
        return Tag(expr.intent, _rename(expr.item, names), expr.skill, expr.launch)
    if isinstance(expr, Word):
        return expr
    raise GrammarError(f"unknown expression {expr!r}")


def _union_fsa(parts: Sequence[WordFsa]) -> WordFsa:
    """State 0 starts every part; each part's states follow, shifted; every part's final state is the last."""
    transitions: list[tuple[int, int, float, str | None]] = []
    offsets = []
    offset = 1
    for fsa in parts:
        offsets.append(offset)
        offset += fsa.n_states
    final = offset
    for fsa, shift in zip(parts, offsets, strict=True):

        def state(s: int, fsa: WordFsa = fsa, shift: int = shift) -> int:
            return final if s == fsa.final else s + shift

        for a, b, p, word in fsa.transitions:
            transitions.append((state(a), state(b), p, word))
            if a == fsa.start:
                transitions.append((0, state(b), p / len(parts), word))
    return WordFsa(final + 1, 0, final, tuple(transitions))


def _pronunciations(parts: Sequence[Pronunciations]) -> Pronunciations:
    extra: dict[str, str] = {}
    for p in parts:
        for word, phones in p.extra.items():
            extra.setdefault(word, phones)
    return Pronunciations(
        known=frozenset().union(*(p.known for p in parts)),
        extra=extra,
        guessed=tuple(dict.fromkeys(w for p in parts for w in p.guessed)),
        supplied=tuple(dict.fromkeys(w for p in parts for w in p.supplied)),
    )
