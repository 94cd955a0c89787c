"""The grammar as a minimal word automaton: what the decoder searches.

pocketsphinx can load the JSGF text directly, but its JSGF-to-FSG conversion copies every rule reference and adds
the transitive closure of its null transitions: the barista model became 28,405 states and 164,305 null
transitions, and decoding ran at 0.64× real time whatever the beams. Here the same language is determinised and
minimised (the grammar is acyclic, so minimisation is a bottom-up merge of states with equal futures): a few
thousand states, no null transitions but those into the single final state, and every path a grammar sentence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import GrammarError
from .expr import Alt, Expr, Opt, Ref, Seq, Slot, Tag, Word

MAX_NFA_STATES = 2_000_000
"""Refuse grammars whose expansion would exceed this many automaton states."""


@dataclass(frozen=True, slots=True)
class WordFsa:
    """A deterministic, minimal word automaton with one start and one final state."""

    n_states: int
    """Number of states."""
    start: int
    """Start state."""
    final: int
    """The single final state (reached by null transitions from accepting states)."""
    transitions: tuple[tuple[int, int, float, str | None], ...]
    """(from, to, probability, word or None for a null transition)."""

    @property
    def n_transitions(self) -> int:
        """Number of transitions."""
        return len(self.transitions)

    def to_fsg_text(self, name: str) -> str:
        """The automaton in pocketsphinx's FSG file format."""
        lines = [f"FSG_BEGIN {name}", f"NUM_STATES {self.n_states}", f"START_STATE {self.start}",
                 f"FINAL_STATE {self.final}"]
        for a, b, p, w in self.transitions:
            lines.append(f"TRANSITION {a} {b} {p:.6f}" + (f" {w}" if w else ""))
        lines.append("FSG_END")
        return "\n".join(lines) + "\n"

    def accepts(self, words: Iterable[str]) -> bool:
        """True when the word sequence is a sentence of the grammar."""
        table = self._table()
        states = self._after(words, table)
        return any(self.final in table.get((s, None), ()) or s == self.final for s in states)

    def can_continue(self, words: Iterable[str]) -> bool:
        """True when some word may follow the sequence (it begins a longer sentence)."""
        table = self._table()
        states = self._after(words, table)
        return any(a in states and w is not None for a, _, _, w in self.transitions)

    def _table(self) -> dict[tuple[int, str | None], list[int]]:
        table: dict[tuple[int, str | None], list[int]] = {}
        for a, b, _, w in self.transitions:
            table.setdefault((a, w), []).append(b)
        return table

    def _after(self, words: Iterable[str], table: dict[tuple[int, str | None], list[int]]) -> set[int]:
        states = {self.start}
        for word in words:
            states = {b for s in states for b in table.get((s, word), ())}
            if not states:
                break
        return states


class _Nfa:
    def __init__(self) -> None:
        self.eps: list[list[int]] = []
        self.arcs: list[list[tuple[str, int]]] = []

    def state(self) -> int:
        if len(self.eps) >= MAX_NFA_STATES:
            raise GrammarError(f"grammar too large: more than {MAX_NFA_STATES} automaton states")
        self.eps.append([])
        self.arcs.append([])
        return len(self.eps) - 1


def _build(expr: Expr, rules: Mapping[str, Expr], nfa: _Nfa, start: int, depth: int = 0) -> int:
    """Add ``expr`` to the automaton from ``start``; return its end state."""
    if depth > 200:
        raise GrammarError("grammar rules nest too deeply (recursive rule?)")
    if isinstance(expr, Word):
        end = nfa.state()
        nfa.arcs[start].append((expr.text, end))
        return end
    if isinstance(expr, Seq):
        cur = start
        for item in expr.items:
            cur = _build(item, rules, nfa, cur, depth + 1)
        return cur
    if isinstance(expr, Alt):
        end = nfa.state()
        for item in expr.items:
            nfa.eps[_build(item, rules, nfa, start, depth + 1)].append(end)
        return end
    if isinstance(expr, Opt):
        end = _build(expr.item, rules, nfa, start, depth + 1)
        nfa.eps[start].append(end)
        return end
    if isinstance(expr, Ref | Slot):
        target = rules.get(expr.rule)
        if target is None:
            if expr.rule == "VOID":
                return nfa.state()  # a dead end: no path continues
            raise GrammarError(f"undefined rule <{expr.rule}>")
        return _build(target, rules, nfa, start, depth + 1)
    if isinstance(expr, Tag):
        return _build(expr.item, rules, nfa, start, depth + 1)
    raise GrammarError(f"unknown grammar node {expr!r}")


def build_fsa(rules: Mapping[str, Expr], public: str, anchor: frozenset[str] = frozenset()) -> WordFsa:
    """Determinise and minimise the language of ``rules[public]``.

    ``anchor``: words that may not make a sentence alone: only sentences with at least one other word are kept
    (the open-slot markers, so that an open slot always comes with a carrier phrase)."""
    nfa = _Nfa()
    start = nfa.state()
    accept = _build(rules[public], rules, nfa, start)

    closure_cache: dict[int, frozenset[int]] = {}

    def closure(s: int) -> frozenset[int]:
        if s in closure_cache:
            return closure_cache[s]
        seen = {s}
        stack = [s]
        while stack:
            for t in nfa.eps[stack.pop()]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        result = frozenset(seen)
        closure_cache[s] = result
        return result

    # Subset construction; with an anchor, each subset also says whether a word other than it was seen.
    first = (closure(start), not anchor)
    ids: dict[tuple[frozenset[int], bool], int] = {first: 0}
    dfa_arcs: list[dict[str, int]] = []
    finals: list[bool] = []
    queue = [first]
    while queue:
        subset, seen = queue.pop()
        moves: dict[str, set[int]] = {}
        for s in subset:
            for word, t in nfa.arcs[s]:
                moves.setdefault(word, set()).update(closure(t))
        arcs: dict[str, int] = {}
        for word, targets in moves.items():
            key = (frozenset(targets), seen or word not in anchor)
            if key not in ids:
                ids[key] = len(ids)
                queue.append(key)
            arcs[word] = ids[key]
        index = ids[(subset, seen)]
        while len(dfa_arcs) <= index:
            dfa_arcs.append({})
            finals.append(False)
        dfa_arcs[index] = arcs
        finals[index] = accept in subset and seen
    while len(dfa_arcs) < len(ids):
        dfa_arcs.append({})
        finals.append(False)

    # Minimise: the automaton is acyclic, so merge states with equal (final, arcs) bottom-up.
    order = _topological(dfa_arcs)
    klass: dict[int, int] = {}
    signatures: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
    useful: dict[int, bool] = {}
    for s in reversed(order):
        kept = tuple(sorted((w, klass[t]) for w, t in dfa_arcs[s].items() if useful[t]))
        useful[s] = finals[s] or bool(kept)
        klass[s] = signatures.setdefault((finals[s], kept), len(signatures))
    if not useful[0]:
        raise GrammarError("the grammar accepts no sentence")
    # Renumber classes from the start state so state 0 is the start; each state's way out (a word, or ending
    # the sentence) is equally likely.
    by_class = {number: sig for sig, number in signatures.items()}
    renum: dict[int, int] = {klass[0]: 0}
    transitions: list[tuple[int, int, float, str | None]] = []
    endings: list[tuple[int, float]] = []
    stack = [klass[0]]
    while stack:
        c = stack.pop()
        is_final, out = by_class[c]
        share = 1.0 / (len(out) + (1 if is_final else 0))
        for word, target in out:
            if target not in renum:
                renum[target] = len(renum)
                stack.append(target)
            transitions.append((renum[c], renum[target], share, word))
        if is_final:
            endings.append((renum[c], share))
    final = len(renum)
    transitions += [(state, final, share, None) for state, share in endings]
    return WordFsa(final + 1, 0, final, tuple(transitions))


def _topological(arcs: list[dict[str, int]]) -> list[int]:
    order: list[int] = []
    state = [0] * len(arcs)  # 0 new, 1 open, 2 done
    for root in range(len(arcs)):
        if state[root]:
            continue
        stack: list[tuple[int, Iterable[int]]] = [(root, iter(arcs[root].values()))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if state[nxt] == 0:
                    state[nxt] = 1
                    stack.append((nxt, iter(arcs[nxt].values())))
                    break
                if state[nxt] == 1:
                    raise GrammarError("the grammar has a cycle; only finite grammars are supported")
            else:
                stack.pop()
                state[node] = 2
                order.append(node)
    order.reverse()
    return order


def log_size(fsa: WordFsa) -> float:
    """log10 of the number of sentences (for reports)."""
    counts: dict[int, float] = {}
    out: dict[int, list[int]] = {}
    for a, b, _, _w in fsa.transitions:
        out.setdefault(a, []).append(b)

    def count(s: int) -> float:
        if s == fsa.final:
            return 1.0
        if s not in counts:
            counts[s] = sum(count(t) for t in out.get(s, ()))
        return counts[s]

    import sys

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    total = count(fsa.start)
    return math.log10(total) if total > 0 else float("-inf")
