"""Compile interaction models into grammars: factored, never expanded.

``compile_session(model)`` gives one skill's in-session grammar, ``compile_launcher(models)`` the top level across
skills, ``compile_dialog(model, intent, slot)`` what the dialog manager listens with while a slot is elicited or a
confirmation is asked.
Each returns a :class:`CompiledGrammar`: the rules as an expression tree (what ``nlu.parse`` walks), the same
rules as JSGF (what pocketsphinx loads), the slot types' value tables, and the pronunciation report.

Samples are factored: each intent's samples become a token trie whose equivalent sub-tries are merged (a minimal
acyclic automaton), so shared prefixes and suffixes are written once; slot types are shared rules.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import GrammarError
from ..model.languages import NAME, builtin_utterances, language
from ..model.types import Intent, InteractionModel, TypeValue
from ..resources import grammars_dir
from . import text as textnorm
from .cache import GrammarCache
from .expr import EMPTY, Alt, Expr, Opt, Ref, Seq, Slot, Tag, Word, alt, grammar_text, parse_jsgf, seq
from .fsa import WordFsa, build_fsa
from .pronounce import Lexicon, Pronunciations

log = logging.getLogger(__name__)

GRAMMAR_TYPES = frozenset(
    {"AMAZON.NUMBER", "AMAZON.FOUR_DIGIT_NUMBER", "AMAZON.Ordinal", "AMAZON.DATE", "AMAZON.TIME", "AMAZON.DURATION"}
)
WILDCARD_TYPES = frozenset({"AMAZON.SearchQuery"})
WILDCARD_RULE = "__wildcard__"
"""A rule name the matcher treats as one or more arbitrary words (AMAZON.SearchQuery)."""
DEVICE_TYPE_PREFIX = "device."
"""Slot types of the assistant's own intents (``device.VolumeLevel``): their listed values only, never an open
slot, as built-in list types."""
OPEN_WORD = "<open>"
"""The word of ``CompiledGrammar.open_fsa`` beside a custom slot's values: any words (the decoder may put a phone
loop there, and a second pass with a general language model hears what was said in it)."""
QUERY_WORD = "<query>"
"""The same for an AMAZON.SearchQuery slot."""
OPEN_WORDS = frozenset({OPEN_WORD, QUERY_WORD})

EXIT_INTENT = "System.Exit"
"""Understood in every session, whatever the skill declares: "exit" ends the session (USER_INITIATED); its
phrases are the locale language's ``exit`` (``assistant.model.languages``)."""


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A slot type as the grammar and the NLU see it."""

    name: str
    """Type name."""
    kind: str
    """``custom`` (model values), ``grammar`` (NUMBER, DATE…), ``list`` (US_CITY…), ``wildcard`` (SearchQuery)."""
    rule: str
    """The rule that matches a value."""
    resolutions: Mapping[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)
    """Spoken value (match keys) → (canonical name, id), for entity resolution."""
    dynamic: Mapping[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)
    """The same for session dynamic entities, which resolve first."""
    by_key: Mapping[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)
    """``resolutions`` keyed by :func:`match_key` of each word, for lookups of heard or typed words."""
    dynamic_by_key: Mapping[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)
    """``dynamic`` keyed the same way."""

    @property
    def resolvable(self) -> bool:
        """True when filled slots of this type carry entity resolutions (custom or extended types)."""
        return self.kind == "custom" or bool(self.resolutions) or bool(self.dynamic)


@dataclass(frozen=True, slots=True)
class CompiledGrammar:
    """A compiled grammar: expression rules for the NLU, JSGF for the decoder, and what both need."""

    name: str
    """A JSGF-safe name, unique per content."""
    kind: str
    """``session``, ``launcher`` or ``slot``."""
    public: str
    """The top rule; its alternatives are :class:`Tag` nodes, one per intent (or launch)."""
    rules: Mapping[str, Expr]
    """Every rule, by name."""
    types: Mapping[str, TypeInfo]
    """Slot types used, by type name."""
    intents: Mapping[str, Intent]
    """Intents reachable, by name (for the launcher: "<skill>/<intent>")."""
    pronunciations: Pronunciations
    """Which words are known, supplied or guessed, and the phones of those the decoder must be given."""
    voice_excluded: tuple[str, ...] = ()
    """Samples that are understood in text but not by voice, with the reason."""
    elicited: tuple[str, str] | None = None
    """(intent, slot) a dialog grammar elicits: a bare answer to it may be any words, as on Alexa."""
    digest: str = ""
    """Content hash of the inputs."""

    jsgf: str = ""
    """The grammar as JSGF text, for reading (alternatives it cannot hear, such as wildcards, left out)."""
    fsa: WordFsa | None = None
    """The same language as a minimal word automaton: what the decoder searches."""
    open_fsa: WordFsa | None = None
    """The automaton with :data:`OPEN_WORD` beside every custom slot's values and :data:`QUERY_WORD` in place of
    every AMAZON.SearchQuery, in sentences with at least one other word (None: the grammar has no such slot). What
    the decoder searches when it hears unlisted values (``DecoderConfig.open_slots``)."""

    @property
    def words(self) -> frozenset[str]:
        """Every word the grammar can hear."""
        return frozenset(w for e in self.rules.values() for w in _words(e))


def _voice_rules(rules: Mapping[str, Expr]) -> dict[str, Expr]:
    """Rules with every path through a wildcard removed (pocketsphinx cannot hear a free phrase)."""
    out: dict[str, Expr] = {}
    memo: dict[str, bool] = {}

    def has_wild(e: Expr) -> bool:
        if isinstance(e, Ref | Slot):
            name = e.rule
            if name == WILDCARD_RULE:
                return True
            if name not in memo:
                memo[name] = False
                memo[name] = has_wild(rules[name])
            return memo[name]
        if isinstance(e, Seq | Alt):
            return any(has_wild(i) for i in e.items)
        if isinstance(e, Opt | Tag):
            return has_wild(e.item)
        return False

    def strip(e: Expr) -> Expr | None:
        if not has_wild(e):
            return e
        if isinstance(e, Alt):
            kept = [s for s in (strip(i) for i in e.items) if s is not None]
            return alt(kept) if kept else None
        if isinstance(e, Opt):
            inner = strip(e.item)
            return Opt(inner) if inner is not None else EMPTY
        if isinstance(e, Tag):
            inner = strip(e.item)
            return Tag(e.intent, inner, e.skill, e.launch) if inner is not None else None
        if isinstance(e, Seq):
            parts = [strip(i) for i in e.items]
            return None if any(p is None for p in parts) else seq([p for p in parts if p is not None])
        return None

    for name, expr in rules.items():
        if name == WILDCARD_RULE:
            continue
        stripped = strip(expr)
        out[name] = stripped if stripped is not None else Ref("VOID")
    return out


def _open_rules(rules: Mapping[str, Expr], open_rules: frozenset[str]) -> dict[str, Expr] | None:
    """Rules with :data:`OPEN_WORD` beside each slot of an open type and for each wildcard; None when there is
    no such slot."""
    found = False

    def opened(e: Expr) -> Expr:
        nonlocal found
        if isinstance(e, Slot) and e.rule == WILDCARD_RULE:
            found = True
            return Word(QUERY_WORD)
        if isinstance(e, Slot) and e.rule in open_rules:
            found = True
            return Alt((e, Word(OPEN_WORD)))
        if isinstance(e, Seq):
            return Seq(tuple(opened(i) for i in e.items))
        if isinstance(e, Alt):
            return Alt(tuple(opened(i) for i in e.items))
        if isinstance(e, Opt):
            return Opt(opened(e.item))
        if isinstance(e, Tag):
            return Tag(e.intent, opened(e.item), e.skill, e.launch)
        return e

    out = {name: opened(expr) for name, expr in rules.items() if name != WILDCARD_RULE}
    return out if found else None


def _words(e: Expr) -> Iterable[str]:
    if isinstance(e, Word):
        yield e.text
    elif isinstance(e, Seq | Alt):
        for i in e.items:
            yield from _words(i)
    elif isinstance(e, Opt | Tag):
        yield from _words(e.item)


def match_key(word: str) -> str:
    """How words compare in the NLU: apostrophes, the letter-period and accents ignored ("what's" = "whats",
    "a." = "a", "cäsar" = "casar")."""
    return textnorm.fold(word).replace("'", "").rstrip(".")


# ---- samples to factored expressions ----------------------------------------------------------------------

_SLOT_RE = re.compile(r"\{\s*([^{}]+?)\s*\}")

Token = tuple[str, str]
"""("w", word) or ("s", slot name)."""


def tokenize_sample(sample: str, known: Lexicon | None) -> list[Token]:
    """A sample utterance as word and slot tokens, words normalised like typed text."""
    out: list[Token] = []
    pos = 0
    contains = known.__contains__ if known is not None else None
    for m in _SLOT_RE.finditer(sample):
        out += [("w", w) for w in textnorm.words(sample[pos : m.start()], contains)]
        out.append(("s", m.group(1)))
        pos = m.end()
    out += [("w", w) for w in textnorm.words(sample[pos:], contains)]
    return out


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[Token, _Node] = {}
        self.terminal = False


class Factorer:
    """Builds factored expressions from token sequences, naming shared sub-expressions as rules."""

    def __init__(self, prefix: str, rules: dict[str, Expr], slot_rule: Mapping[str, Slot]) -> None:
        self.prefix = prefix
        self.rules = rules
        self.slot_rule = slot_rule

    def factor(self, sequences: Iterable[Sequence[Token]]) -> Expr:
        """One expression matching exactly the given sequences."""
        root = _Node()
        for tokens in sequences:
            node = root
            for tok in tokens:
                node = node.children.setdefault(tok, _Node())
            node.terminal = True
        # Merge equivalent sub-tries bottom-up: a minimal acyclic automaton.
        registry: dict[tuple[object, ...], int] = {}
        nodes: dict[int, tuple[bool, tuple[tuple[Token, int], ...]]] = {}
        indegree: dict[int, int] = {}

        def canon(node: _Node) -> int:
            kids = tuple(sorted((tok, canon(child)) for tok, child in node.children.items()))
            key = (node.terminal, kids)
            if key not in registry:
                registry[key] = len(registry)
                nodes[registry[key]] = (node.terminal, kids)
                for _, k in kids:
                    indegree[k] = indegree.get(k, 0) + 1
            return registry[key]

        top = canon(root)
        exprs: dict[int, Expr] = {}

        def build(n: int) -> Expr:
            if n in exprs:
                return exprs[n]
            terminal, kids = nodes[n]
            groups: dict[int, list[Token]] = {}
            for tok, child in kids:
                groups.setdefault(child, []).append(tok)
            branches = [seq([alt([self._token(t) for t in toks]), build(child)]) for child, toks in groups.items()]
            expr = alt(branches) if branches else EMPTY
            if terminal and branches:
                expr = alt([expr, EMPTY])
            if indegree.get(n, 0) > 1 and _size(expr) > 2:
                name = f"{self.prefix}{len(self.rules)}"
                self.rules[name] = expr
                expr = Ref(name)
            exprs[n] = expr
            return expr

        return build(top)

    def _token(self, tok: Token) -> Expr:
        kind, value = tok
        return Word(value) if kind == "w" else self.slot_rule[value]


def _size(e: Expr) -> int:
    if isinstance(e, Seq | Alt):
        return sum(_size(i) for i in e.items) + 1
    if isinstance(e, Opt | Tag):
        return _size(e.item) + 1
    return 1


# ---- slot types -------------------------------------------------------------------------------------------


def rule_name(text: str) -> str:
    """A JSGF-safe rule name."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


@functools.cache
def _builtin_grammar(type_name: str, grammars: Path) -> tuple[dict[str, Expr], str]:
    path = grammars / f"{type_name}.jsgf"
    if not path.exists():
        raise GrammarError(f"no grammar for built-in type {type_name} (expected {path})")
    rules, public = parse_jsgf(path.read_text(encoding="utf-8"), str(path))
    prefix = "b_" + rule_name(type_name.removeprefix("AMAZON.")) + "_"
    renamed: dict[str, Expr] = {}

    def rename(e: Expr) -> Expr:
        if isinstance(e, Ref):
            return Ref(prefix + e.rule)
        if isinstance(e, Seq):
            return Seq(tuple(rename(i) for i in e.items))
        if isinstance(e, Alt):
            return Alt(tuple(rename(i) for i in e.items))
        if isinstance(e, Opt):
            return Opt(rename(e.item))
        return e

    for name, expr in rules.items():
        renamed[prefix + name] = rename(expr)
    return renamed, prefix + public


def _list_values(type_name: str) -> tuple[str, ...] | None:
    from . import lists

    try:
        return lists.list_values(type_name)
    except KeyError:
        return None


class _Builder:
    """Shared state while compiling one grammar: rules, types, the lexicon."""

    def __init__(self, lexicon: Lexicon, prefix: str = "") -> None:
        self.lexicon = lexicon
        self.rules: dict[str, Expr] = {}
        self.types: dict[str, TypeInfo] = {}
        self.prefix = prefix
        self.excluded: list[str] = []

    def type_rule(
        self, model: InteractionModel, type_name: str, dynamic: Mapping[str, Sequence[TypeValue]] | None = None
    ) -> TypeInfo:
        """The rule for a slot type, built once per grammar."""
        key = self.prefix + type_name
        if key in self.types:
            return self.types[key]
        custom = model.type(type_name)
        dyn_values = (dynamic or {}).get(type_name, ())
        rule = self.prefix + "t_" + rule_name(type_name)
        static_res = _resolution_table(custom.values if custom else (), self.lexicon)
        dynamic_res = _resolution_table(dyn_values, self.lexicon)
        alternatives: list[Expr] = []
        kind = "custom"
        if type_name in WILDCARD_TYPES:
            info = TypeInfo(type_name, "wildcard", WILDCARD_RULE)
            self.types[key] = info
            return info
        if type_name in GRAMMAR_TYPES:
            kind = "grammar"
            brules, public = _builtin_grammar(type_name, grammars_dir())
            self.rules.update(brules)
            alternatives.append(Ref(public))
        elif type_name.startswith(("AMAZON.", DEVICE_TYPE_PREFIX)):
            kind = "list"
            values = _list_values(type_name)
            if values is None and custom is None:
                raise GrammarError(
                    f"built-in slot type {type_name} has no offline value list here; extend it with values in "
                    f"the model's types section (source: {model.source})"
                )
            if values:
                alternatives.append(self._values_expr(rule + "_list", [tuple(textnorm.words(v)) for v in values]))
        phrases = [k for k in static_res] + [k for k in dynamic_res]
        if phrases:
            alternatives.append(self._values_expr(rule + "_v", phrases))
        if not alternatives:
            raise GrammarError(f"slot type {type_name} has no values (source: {model.source})")
        self.rules[rule] = alt(alternatives)
        info = TypeInfo(type_name, kind, rule, static_res, dynamic_res, _by_key(static_res), _by_key(dynamic_res))
        self.types[key] = info
        return info

    def _values_expr(self, prefix: str, phrases: Iterable[tuple[str, ...]]) -> Expr:
        seqs = [[("w", w) for w in p] for p in phrases if p]
        return Factorer(prefix + "_", self.rules, {}).factor(seqs)

    def intent_expr(
        self, model: InteractionModel, intent: Intent, samples: Sequence[str], dynamic: Mapping[str, Sequence[TypeValue]] | None
    ) -> Expr | None:
        """The factored expression of an intent's samples (None when it has none)."""
        slot_rules: dict[str, Slot] = {}
        for s in intent.slots:
            info = self.type_rule(model, s.type, dynamic)
            slot_rules[s.name] = Slot(s.name, s.type, info.rule)
        sequences = []
        for sample in samples:
            tokens = tokenize_sample(sample, self.lexicon)
            unknown = [v for k, v in tokens if k == "s" and v not in slot_rules]
            if unknown:
                raise GrammarError(f"{model.source}: intent {intent.name}: sample {sample!r} uses undeclared slot {unknown[0]}")
            if not tokens:
                continue
            if any(k == "s" and slot_rules[v].rule == WILDCARD_RULE for k, v in tokens):
                self.excluded.append(
                    f"{intent.name}: {sample!r} (AMAZON.SearchQuery: by voice only through the open-slot second pass)"
                )
            sequences.append(tokens)
        if not sequences:
            return None
        prefix = self.prefix + "i_" + rule_name(intent.name) + "_"
        expr = Factorer(prefix, self.rules, slot_rules).factor(sequences)
        name = prefix.rstrip("_")
        self.rules[name] = expr
        return Ref(name)

    def finish(self, kind: str, top: list[Expr], digest: str, intents: Mapping[str, Intent],
               supplied: Mapping[str, str], elicited: tuple[str, str] | None = None) -> CompiledGrammar:
        if not top:
            raise GrammarError(f"the {kind} grammar has no sentences")
        public = "main"
        self.rules[public] = Alt(tuple(top)) if len(top) > 1 else top[0]
        vocabulary = {w for e in self.rules.values() for w in _words(e)}
        prons = self.lexicon.resolve(vocabulary, supplied)
        name = f"g{digest[:12]}"
        voice = _voice_rules(self.rules)
        open_rules = _open_rules(self.rules, frozenset(i.rule for i in self.types.values() if i.kind == "custom"))
        return CompiledGrammar(
            jsgf=grammar_text(name, voice, public),
            fsa=build_fsa(voice, public),
            open_fsa=build_fsa(open_rules, public, OPEN_WORDS) if open_rules is not None else None,
            name=name, kind=kind, public=public, rules=dict(self.rules),
            types=dict(self.types),
            intents=dict(intents), pronunciations=prons, voice_excluded=tuple(self.excluded), digest=digest,
            elicited=elicited,
        )


def _by_key(table: Mapping[tuple[str, ...], tuple[str, str | None]]) -> dict[tuple[str, ...], tuple[str, str | None]]:
    index: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for spoken, hit in table.items():
        index.setdefault(tuple(match_key(w) for w in spoken), hit)
    return index


def _resolution_table(values: Iterable[TypeValue], lexicon: Lexicon) -> dict[tuple[str, ...], tuple[str, str | None]]:
    table: dict[tuple[str, ...], tuple[str, str | None]] = {}
    contains = lexicon.__contains__
    for v in values:
        for spoken in (v.name, *v.synonyms):
            key = tuple(textnorm.words(spoken, contains))
            if key:
                table.setdefault(key, (v.name, v.id))
    return table


def intent_samples(intent: Intent, locale: str = "en-US") -> tuple[str, ...]:
    """The intent's samples, with the standard utterances of a built-in intent in the locale's language added."""
    return tuple(dict.fromkeys((*builtin_utterances(intent.name, locale), *intent.samples)))


def _supplied(model: InteractionModel) -> dict[str, str]:
    """The skill's own pronunciations (the loader parsed and checked them), the first one of each word."""
    supplied: dict[str, str] = {}
    for word, phones in model.pronunciations:
        supplied.setdefault(word, phones)
    return supplied


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()


# ---- the three grammars -----------------------------------------------------------------------------------

_DEFAULT_LEXICON: Lexicon | None = None


def default_lexicon() -> Lexicon:
    """The lexicon over pocketsphinx's shipped dictionary, shared per process."""
    global _DEFAULT_LEXICON
    if _DEFAULT_LEXICON is None:
        _DEFAULT_LEXICON = Lexicon()
    return _DEFAULT_LEXICON


_CACHE: dict[str, CompiledGrammar] = {}


def _cached(
    digest: str, build: object, disk: GrammarCache | None = None, lexicon: Lexicon | None = None
) -> CompiledGrammar:
    """The grammar of ``digest`` from this process's memory, else from ``disk`` (keyed also by the compiler and
    the dictionary of ``lexicon``), else built (and then kept in both)."""
    if digest in _CACHE:
        return _CACHE[digest]
    key = disk.key(digest, (lexicon or default_lexicon()).path) if disk is not None else ""
    grammar = disk.grammar(key, digest, CompiledGrammar) if disk is not None else None
    if grammar is None:
        grammar = build()  # type: ignore[operator]
        if disk is not None:
            disk.store(key, grammar)
    else:
        log.debug("grammar %s read from the cache %s", digest[:12], disk.folder if disk else "")
    if len(_CACHE) > 64:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[digest] = grammar
    return grammar


def _dynamic_key(dynamic: Mapping[str, Sequence[TypeValue]] | None) -> object:
    return tuple(sorted((k, tuple(v)) for k, v in (dynamic or {}).items()))


def compile_session(
    model: InteractionModel,
    dynamic: Mapping[str, Sequence[TypeValue]] | None = None,
    lexicon: Lexicon | None = None,
    disk: GrammarCache | None = None,
) -> CompiledGrammar:
    """One skill's grammar while its session is open: its intents and the built-ins it declares.

    ``disk`` keeps the grammar between runs (not with ``dynamic`` entities, which change per session)."""
    lexicon = lexicon or default_lexicon()
    digest = _digest("session", model, _dynamic_key(dynamic), lexicon.path)

    def build() -> CompiledGrammar:
        b = _Builder(lexicon)
        top: list[Expr] = []
        for intent in model.intents:
            expr = b.intent_expr(model, intent, intent_samples(intent, model.locale), dynamic)
            if expr is not None:
                top.append(Tag(intent.name, expr))
        intents = {i.name: i for i in model.intents}
        _add_session_system(top, intents, model.locale)
        return b.finish("session", top, digest, intents, _supplied(model))

    return _cached(digest, build, None if dynamic else disk, lexicon)


def _add_session_system(top: list[Expr], intents: dict[str, Intent], locale: str) -> None:
    phrases = language(locale).exit
    top.append(Tag(EXIT_INTENT, alt([seq([Word(w) for w in textnorm.words(s)]) for s in phrases])))
    intents[EXIT_INTENT] = Intent(EXIT_INTENT)


def exit_phrases(locale: str) -> frozenset[tuple[str, ...]]:
    """What ends any session in the locale's language, as word tuples ("exit", "quit skill", "beenden")."""
    return frozenset(tuple(match_key(w) for w in textnorm.words(p)) for p in language(locale).exit)


def _patterns(patterns: Sequence[str], name: Expr) -> Expr:
    """Launch or ask patterns ("open {name}", "{name} を 開いて") with the invocation name's expression in their
    place, factored: the words before the name are one alternative per distinct ending."""
    groups: dict[tuple[str, ...], list[Expr]] = {}
    for pattern in patterns:
        before, _, after = pattern.partition(NAME)
        lead = seq([Word(w) for w in textnorm.words(before)])
        groups.setdefault(tuple(textnorm.words(after)), []).append(lead)
    return alt([seq([alt(leads), name, *(Word(w) for w in tail)]) for tail, leads in groups.items()])


def compile_launcher(
    models: Sequence[InteractionModel],
    lexicon: Lexicon | None = None,
    disk: GrammarCache | None = None,
    locale: str | None = None,
    name_free: Sequence[str] = (),
) -> CompiledGrammar:
    """The top-level grammar: open/launch a skill, one-shot "ask <skill> to …", and the assistant's own intents,
    in the words of ``locale``'s language (default: the first model's locale, else en-US); ``disk`` keeps it
    between runs. The custom intents of the skills invoked as ``name_free`` are also heard without their name
    ("set a timer for ten minutes", as an Echo hears its own clock)."""
    lexicon = lexicon or default_lexicon()
    locale = locale or (models[0].locale if models else "en-US")
    words = language(locale)
    digest = _digest("launcher", tuple(models), lexicon.path, locale, tuple(sorted(name_free)))

    def build() -> CompiledGrammar:
        b = _Builder(lexicon)
        top: list[Expr] = []
        intents: dict[str, Intent] = {}
        supplied: dict[str, str] = {}
        joiner = Opt(alt([Word(w) for w in words.joiners])) if words.joiners else EMPTY
        for n, model in enumerate(models):
            name_words = textnorm.words(model.invocation_name, lexicon.__contains__)
            if not name_words:
                raise GrammarError(f"{model.source}: invocation name {model.invocation_name!r} has no words")
            inv = seq([Word(w) for w in name_words])
            skill = model.invocation_name
            launch = _patterns(words.launch, inv)
            ask = _patterns(words.ask, inv)
            top.append(Tag("LaunchRequest", alt([launch, ask]), skill=skill, launch=True))
            b.prefix = f"s{n}_"
            for intent in model.intents:
                if intent.name == "AMAZON.FallbackIntent":
                    continue
                expr = b.intent_expr(model, intent, intent_samples(intent, model.locale), None)
                if expr is not None:
                    top.append(Tag(intent.name, seq([ask, joiner, expr]), skill=skill))
                if skill in name_free and not intent.name.startswith("AMAZON."):
                    b.prefix = f"f{n}_"
                    free = b.intent_expr(model, intent, intent_samples(intent, model.locale), None)
                    if free is not None:
                        top.append(Tag(intent.name, free, skill=skill))
                    b.prefix = f"s{n}_"
                intents[f"{skill}/{intent.name}"] = intent
            supplied.update(_supplied(model))
        b.prefix = ""
        for name, samples in words.system.items():
            expr = alt([seq([Word(w) for w in textnorm.words(s)]) for s in samples])
            top.append(Tag(name, expr))
            intents[name] = Intent(name)
        return b.finish("launcher", top, digest, intents, supplied)

    return _cached(digest, build, disk, lexicon)


def with_prefix(grammar: CompiledGrammar, phrase: Sequence[str], lexicon: Lexicon | None = None) -> CompiledGrammar:
    """The same grammar with every sentence preceded by ``phrase`` (e.g. the wake word): "alexa open space facts".

    Used to check a wake word and its request as one utterance; parsing gives the same intent and slots, with the
    phrase matched literally.
    """
    lexicon = lexicon or default_lexicon()
    words = tuple(phrase)
    digest = _digest("prefix", grammar.digest, words, lexicon.path)

    def build() -> CompiledGrammar:
        if not words or grammar.fsa is None:
            raise GrammarError(f"cannot put {' '.join(words)!r} in front of grammar {grammar.name}")
        top = grammar.rules[grammar.public]
        lead = [Word(w) for w in words]
        tags = [Tag(t.intent, Seq((*lead, t.item)), t.skill, t.launch) if isinstance(t, Tag) else Seq((*lead, t))
                for t in (top.items if isinstance(top, Alt) else (top,))]
        public = grammar.public + "_prefixed"
        rules = {**grammar.rules, public: Alt(tuple(tags))}
        fsa = grammar.fsa
        n = fsa.n_states
        arcs = [(n + i, n + i + 1, 1.0, w) for i, w in enumerate(words[:-1])]
        arcs.append((n + len(words) - 1, fsa.start, 1.0, words[-1]))
        prefixed = WordFsa(n + len(words), n, fsa.final, (*fsa.transitions, *arcs))
        found = lexicon.resolve(set(words))
        prons = replace(grammar.pronunciations, known=grammar.pronunciations.known | found.known,
                        extra={**grammar.pronunciations.extra, **found.extra})
        return replace(grammar, name=f"g{digest[:12]}", public=public, rules=rules, fsa=prefixed, open_fsa=None,
                       pronunciations=prons, digest=digest, jsgf="")

    return _cached(digest, build)


DIALOG_BUILTINS = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.HelpIntent")
"""Built-ins a user may say at any time during a dialog."""


def compile_dialog(
    model: InteractionModel,
    intent_name: str,
    slot_name: str | None,
    dynamic: Mapping[str, Sequence[TypeValue]] | None = None,
    lexicon: Lexicon | None = None,
) -> CompiledGrammar:
    """What to listen for while a dialog waits for an answer: for ``slot_name``, its samples, its type alone and
    the intent's full samples (with ``slot_name`` None, yes and no); then stop / cancel / help, then every other
    intent of the skill, so that a user who says something else mid-dialog switches intent, as on Alexa.

    The answer's alternatives come first: a parse that ties with another intent goes to the dialog."""
    lexicon = lexicon or default_lexicon()
    digest = _digest("dialog", model, intent_name, slot_name, _dynamic_key(dynamic), lexicon.path)

    def build() -> CompiledGrammar:
        intent = model.intent(intent_name)
        if intent is None:
            raise GrammarError(f"{model.source}: no intent {intent_name!r}")
        b = _Builder(lexicon)
        top: list[Expr] = []
        intents: dict[str, Intent] = {}
        if slot_name is not None:
            slot = intent.slot(slot_name)
            if slot is None:
                raise GrammarError(f"{model.source}: no slot {slot_name!r} on intent {intent_name!r}")
            answers = (*slot.samples, "{" + slot_name + "}", *intent.samples)
            first: tuple[tuple[Intent, Sequence[str]], ...] = ((intent, answers),)
        else:
            yes_no = [model.intent(n) or Intent(n) for n in ("AMAZON.YesIntent", "AMAZON.NoIntent")]
            first = tuple((i, intent_samples(i, model.locale)) for i in yes_no)
        builtins = [model.intent(n) or Intent(n) for n in DIALOG_BUILTINS]
        others = model.intents  # with the dialog's own intent: the whole request again also answers
        for item, samples in (*first, *((i, intent_samples(i, model.locale)) for i in (*builtins, *others))):
            if item.name in intents:
                continue
            expr = b.intent_expr(model, item, samples, dynamic)
            if expr is not None:
                top.append(Tag(item.name, expr))
                intents[item.name] = item
        _add_session_system(top, intents, model.locale)
        elicited = (intent.name, slot_name) if slot_name is not None else None
        return b.finish("slot", top, digest, intents, _supplied(model), elicited)

    return _cached(digest, build)
