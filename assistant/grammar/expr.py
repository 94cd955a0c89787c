"""The grammar's expression tree, its JSGF text form, and a parser for the hand-written JSGF in ``grammars/``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import GrammarError


@dataclass(frozen=True, slots=True)
class Word:
    """One word, spelled as in the dictionary."""

    text: str
    """The word."""

    def __reduce__(self) -> tuple[type[Word], tuple[str]]:  # pickles (the grammar cache) fast: no setstate
        return (Word, (self.text,))


@dataclass(frozen=True, slots=True)
class Seq:
    """Items in order."""

    items: tuple[Expr, ...]
    """The items."""

    def __reduce__(self) -> tuple[type[Seq], tuple[tuple[Expr, ...]]]:
        return (Seq, (self.items,))


@dataclass(frozen=True, slots=True)
class Alt:
    """Exactly one of the items."""

    items: tuple[Expr, ...]
    """The alternatives."""

    def __reduce__(self) -> tuple[type[Alt], tuple[tuple[Expr, ...]]]:
        return (Alt, (self.items,))


@dataclass(frozen=True, slots=True)
class Opt:
    """The item, or nothing."""

    item: Expr
    """The optional item."""

    def __reduce__(self) -> tuple[type[Opt], tuple[Expr]]:
        return (Opt, (self.item,))


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a named rule."""

    rule: str
    """The rule's name."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot: the words its type's rule matches are captured as the slot's value."""

    name: str
    """The slot's name."""
    type: str
    """The slot's type."""
    rule: str
    """The rule that matches a value of the type."""


@dataclass(frozen=True, slots=True)
class Tag:
    """Marks the intent an alternative of the top rule stands for."""

    intent: str
    """Intent name."""
    item: Expr
    """What is said for it."""
    skill: str | None = None
    """Invocation name, in the launcher grammar."""
    launch: bool = False
    """True for "open <skill>"."""


Expr = Word | Seq | Alt | Opt | Ref | Slot | Tag

EMPTY = Seq(())


def seq(items: list[Expr] | tuple[Expr, ...]) -> Expr:
    """A sequence, flattened; a single item stands alone."""
    flat: list[Expr] = []
    for it in items:
        flat.extend(it.items if isinstance(it, Seq) else (it,))
    return flat[0] if len(flat) == 1 else Seq(tuple(flat))


def alt(items: list[Expr] | tuple[Expr, ...]) -> Expr:
    """An alternative, flattened and de-duplicated; an empty alternative becomes optional."""
    flat: dict[Expr, None] = {}  # an ordered set: membership costs one hash, not a scan
    optional = False
    for it in items:
        for x in it.items if isinstance(it, Alt) else (it,):
            if x == EMPTY:
                optional = True
            elif isinstance(x, Opt):
                optional = True
                flat.setdefault(x.item)
            else:
                flat.setdefault(x)
    if not flat:
        return EMPTY
    core = next(iter(flat)) if len(flat) == 1 else Alt(tuple(flat))
    return Opt(core) if optional else core


def to_jsgf(expr: Expr) -> str:
    """JSGF text of an expression (tags and slots become their plain expansions)."""
    if isinstance(expr, Word):
        return expr.text
    if isinstance(expr, Ref):
        return f"<{expr.rule}>"
    if isinstance(expr, Slot):
        return f"<{expr.rule}>"
    if isinstance(expr, Tag):
        return to_jsgf(expr.item)
    if isinstance(expr, Opt):
        return f"[ {to_jsgf(expr.item)} ]"
    if isinstance(expr, Seq):
        if not expr.items:
            return "<NULL>"
        return " ".join(f"( {to_jsgf(i)} )" if isinstance(i, Alt) else to_jsgf(i) for i in expr.items)
    return " | ".join(to_jsgf(i) for i in expr.items)


def grammar_text(name: str, rules: dict[str, Expr], public: str) -> str:
    """A whole JSGF grammar: the public rule first, then the others in a stable order."""
    lines = ["#JSGF V1.0;", f"grammar {name};", f"public <{public}> = {to_jsgf(rules[public])} ;"]
    lines += [f"<{n}> = {to_jsgf(e)} ;" for n, e in rules.items() if n != public]
    return "\n".join(lines) + "\n"


# ---- parsing the hand-written subset ----------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\s*(<[A-Za-z0-9_.]+>|[()\[\]|;=]|[a-z'][a-z'.]*|\S)")


def parse_jsgf(text: str, source: str = "<jsgf>") -> tuple[dict[str, Expr], str]:
    """Parse the project's JSGF subset into rules; returns (rules, name of the public rule)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    rules: dict[str, Expr] = {}
    public: str | None = None
    for raw in text.split(";"):
        stmt = raw.strip()
        if not stmt or stmt.startswith("#JSGF") or stmt.startswith("grammar "):
            continue
        m = re.match(r"(public\s+)?<([A-Za-z0-9_]+)>\s*=(.*)$", stmt, re.S)
        if not m:
            raise GrammarError(f"{source}: cannot read rule {stmt[:60]!r}")
        name = m.group(2)
        if name in rules:
            raise GrammarError(f"{source}: rule <{name}> is defined twice")
        rules[name] = _Parser(m.group(3), source, name).parse()
        if m.group(1):
            if public is not None:
                raise GrammarError(f"{source}: more than one public rule (<{public}>, <{name}>)")
            public = name
    if public is None:
        raise GrammarError(f"{source}: no public rule")
    for name, expr in rules.items():
        for ref in _refs(expr):
            if ref not in rules and ref not in ("NULL", "VOID"):
                raise GrammarError(f"{source}: rule <{name}> refers to undefined <{ref}>")
    return rules, public


def _refs(expr: Expr) -> list[str]:
    if isinstance(expr, Ref):
        return [expr.rule]
    if isinstance(expr, Seq | Alt):
        return [r for i in expr.items for r in _refs(i)]
    if isinstance(expr, Opt | Tag):
        return _refs(expr.item)
    return []


class _Parser:
    def __init__(self, text: str, source: str, rule: str) -> None:
        self.tokens = [t for t in _TOKEN_RE.findall(text) if t.strip()]
        self.pos = 0
        self.where = f"{source}: rule <{rule}>"

    def parse(self) -> Expr:
        expr = self._alt()
        if self.pos != len(self.tokens):
            raise GrammarError(f"{self.where}: unexpected {self.tokens[self.pos]!r}")
        return expr

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _alt(self) -> Expr:
        items = [self._seq()]
        while self._peek() == "|":
            self.pos += 1
            items.append(self._seq())
        return items[0] if len(items) == 1 else Alt(tuple(items))

    def _seq(self) -> Expr:
        items: list[Expr] = []
        while (tok := self._peek()) is not None and tok not in ("|", ")", "]"):
            self.pos += 1
            if tok == "(":
                items.append(self._group(")"))
            elif tok == "[":
                items.append(Opt(self._group("]")))
            elif tok.startswith("<"):
                name = tok[1:-1]
                items.append(EMPTY if name == "NULL" else Ref(name))
            elif re.fullmatch(r"[a-z'][a-z'.]*", tok):
                items.append(Word(tok))
            else:
                raise GrammarError(f"{self.where}: unexpected {tok!r}")
        if not items:
            raise GrammarError(f"{self.where}: empty alternative")
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def _group(self, close: str) -> Expr:
        expr = self._alt()
        if self._peek() != close:
            raise GrammarError(f"{self.where}: missing {close!r}")
        self.pos += 1
        return expr
