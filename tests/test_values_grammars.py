"""The built-in slot grammars: they load in pocketsphinx, every word has a pronunciation, they agree with the
normaliser in both directions, and they recognise real (synthesized) speech."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pocketsphinx
import pytest
from test_values import NOW, VALUES  # one table checks both the grammars and the normaliser

from assistant.nlu.values import GRAMMAR_TYPES, normalize, unlikely_duration
from assistant.resources import grammars_dir

# --- a small reader for the JSGF subset the grammars use -------------------------------------------------------

Node = tuple  # ("word", w) | ("ref", name) | ("seq", [nodes]) | ("alt", [nodes]) | ("opt", node)


@dataclass(frozen=True, slots=True)
class Jsgf:
    """One parsed grammar file."""

    name: str
    """The ``grammar <name>;`` line."""
    rules: dict[str, Node]
    """Rule name -> expansion; ``main`` is the public rule."""
    public: tuple[str, ...]
    """The names of the public rules."""


_TOKEN = re.compile(r"<[A-Za-z0-9_]+>|[()\[\]|;=]|[a-z']+|public|\S")


def read_jsgf(text: str) -> Jsgf:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    header, _, body = text.partition(";")
    assert header.strip() == "#JSGF V1.0", header
    name_decl, _, body = body.partition(";")
    name = re.fullmatch(r"\s*grammar\s+([A-Za-z0-9_.]+)\s*", name_decl)
    assert name, name_decl
    rules: dict[str, Node] = {}
    public: list[str] = []
    for statement in body.split(";"):
        if not statement.strip():
            continue
        lhs, eq, rhs = statement.partition("=")
        assert eq, f"not a rule: {statement!r}"
        lhs_words = lhs.split()
        rule = re.fullmatch(r"<([A-Za-z0-9_]+)>", lhs_words[-1])
        assert rule and lhs_words[:-1] in ([], ["public"]), f"bad rule head: {lhs!r}"
        if lhs_words[0] == "public":
            public.append(rule.group(1))
        tokens = _TOKEN.findall(rhs)
        node, end = _alternatives(tokens, 0)
        assert end == len(tokens), f"unparsed {tokens[end:]} in rule {rule.group(1)}"
        rules[rule.group(1)] = node
    return Jsgf(name.group(1), rules, tuple(public))


def _alternatives(tokens: list[str], i: int) -> tuple[Node, int]:
    options = []
    while True:
        seq, i = _sequence(tokens, i)
        options.append(seq)
        if i < len(tokens) and tokens[i] == "|":
            i += 1
            continue
        return (("alt", options) if len(options) > 1 else options[0]), i


def _sequence(tokens: list[str], i: int) -> tuple[Node, int]:
    items: list[Node] = []
    while i < len(tokens) and tokens[i] not in ("|", ")", "]"):
        token = tokens[i]
        if token in ("(", "["):
            inner, i = _alternatives(tokens, i + 1)
            closing = ")" if token == "(" else "]"
            assert tokens[i] == closing, f"expected {closing}, got {tokens[i]}"
            items.append(inner if token == "(" else ("opt", inner))
            i += 1
        elif token.startswith("<"):
            items.append(("ref", token[1:-1]))
            i += 1
        else:
            assert re.fullmatch(r"[a-z']+", token), f"not a lowercase word: {token!r}"
            items.append(("word", token))
            i += 1
    assert items, "empty expansion"
    return ("seq", items), i


def sample(grammar: Jsgf, node: Node, rng: random.Random) -> list[str]:
    """One random path through ``node``; every alternative and optional part equally likely."""
    kind = node[0]
    if kind == "word":
        return [node[1]]
    if kind == "ref":
        return sample(grammar, grammar.rules[node[1]], rng)
    if kind == "seq":
        return [w for item in node[1] for w in sample(grammar, item, rng)]
    if kind == "alt":
        return sample(grammar, rng.choice(node[1]), rng)
    return sample(grammar, node[1], rng) if rng.random() < 0.5 else []


def to_regex(grammar: Jsgf, node: Node) -> str:
    """A regular expression over words (each followed by one space) that matches what ``node`` says."""
    kind = node[0]
    if kind == "word":
        return re.escape(node[1] + " ")
    if kind == "ref":
        return to_regex(grammar, grammar.rules[node[1]])
    if kind == "seq":
        return "".join(to_regex(grammar, item) for item in node[1])
    if kind == "alt":
        return "(?:" + "|".join(to_regex(grammar, item) for item in node[1]) + ")"
    return "(?:" + to_regex(grammar, node[1]) + ")?"


def words_of(node: Node) -> set[str]:
    kind = node[0]
    if kind == "word":
        return {node[1]}
    if kind == "ref":
        return set()
    if kind in ("seq", "alt"):
        return set().union(*(words_of(item) for item in node[1]))
    return words_of(node[1])


def grammar_text(type_name: str) -> str:
    return (grammars_dir() / f"{type_name}.jsgf").read_text(encoding="utf-8")


TYPES = sorted(GRAMMAR_TYPES)
GRAMMARS = {t: read_jsgf(grammar_text(t)) for t in TYPES}
MATCHERS = {t: re.compile(to_regex(g, g.rules["main"])) for t, g in GRAMMARS.items()}


def in_grammar(type_name: str, words: str) -> bool:
    return MATCHERS[type_name].fullmatch(words + " ") is not None


# --- the tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", TYPES)
def test_grammar_uses_the_compiler_subset(type_name: str) -> None:
    grammar = GRAMMARS[type_name]
    assert grammar.public == ("main",)
    referenced = {m for node in grammar.rules.values() for m in re.findall(r"'ref', '(\w+)'", repr(node))}
    assert referenced <= set(grammar.rules), f"undefined rules: {referenced - set(grammar.rules)}"
    assert set(grammar.rules) - {"main"} <= referenced, "unused private rules"


@pytest.mark.parametrize("type_name", TYPES)
def test_every_word_has_a_pronunciation(type_name: str) -> None:
    dictionary = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    known = {line.split(" ", 1)[0] for line in dictionary.read_text(encoding="utf-8").splitlines()}
    words = set().union(*(words_of(node) for node in GRAMMARS[type_name].rules.values()))
    assert not words - known, f"words missing from {dictionary.name}: {sorted(words - known)}"


@pytest.fixture(scope="module")
def decoder() -> pocketsphinx.Decoder:
    """A grammar-only decoder; the tests add the grammars to it."""
    return pocketsphinx.Decoder(lm=None, bestpath=False, loglevel="FATAL")


@pytest.fixture(scope="module")
def loaded_decoder() -> pocketsphinx.Decoder:
    """A grammar-only decoder with every built-in grammar added as a search named like ``AMAZON_NUMBER``."""
    decoder = pocketsphinx.Decoder(lm=None, bestpath=False, loglevel="FATAL")
    for type_name in TYPES:
        decoder.add_jsgf_string(type_name.replace(".", "_"), grammar_text(type_name))
    return decoder


@pytest.mark.parametrize("type_name", TYPES)
def test_grammar_loads_in_pocketsphinx(type_name: str, decoder: pocketsphinx.Decoder) -> None:
    """The JSGF text is valid for pocketsphinx too (the decoder itself is given the compiled automaton, whose
    size and compile time ``bench/compile.py`` measures)."""
    decoder.add_jsgf_string(type_name.replace(".", "_"), grammar_text(type_name))
    decoder.activate_search(type_name.replace(".", "_"))


@pytest.mark.parametrize("type_name", TYPES)
def test_random_paths_through_the_grammar_normalise(type_name: str) -> None:
    grammar, rng = GRAMMARS[type_name], random.Random(type_name)
    failures = []
    for _ in range(400):
        words = sample(grammar, grammar.rules["main"], rng)
        try:
            normalize(type_name, words, NOW)
        except ValueError as error:
            said = " ".join(words)
            if "february" in said and "twenty ninth" in said:
                continue  # February 29th in a year that is not a leap year: the grammar cannot tell.
            failures.append(str(error))
    assert not failures, f"{len(failures)} of 400 paths do not normalise, e.g. {sorted(set(failures))[:5]}"


TYPED_ONLY = {"an hour and half an hour"}
"""Understood when typed, not by voice: the grammar takes each unit once, larger units first, since a free
sequence of amounts fitted too much other speech."""


@pytest.mark.parametrize(("type_name", "words", "expected"), [v for v in VALUES if v[1] not in TYPED_ONLY])
def test_every_table_phrase_is_in_its_grammar(type_name: str, words: str, expected: str) -> None:
    assert in_grammar(type_name, words), f"{words!r} is not in grammars/{type_name}.jsgf"


@pytest.mark.parametrize("words", ["nine hours and an hour", "ten minutes two hours", "a day a week", *TYPED_ONLY])
def test_a_duration_takes_each_unit_once_larger_first(words: str) -> None:
    assert not in_grammar("AMAZON.DURATION", words)


@pytest.mark.parametrize(
    ("type_name", "words"),
    [
        ("AMAZON.NUMBER", "five five"),
        ("AMAZON.NUMBER", "fifty hundred"),
        ("AMAZON.DURATION", "a hour"),
        ("AMAZON.DURATION", "two day"),
        ("AMAZON.TIME", "three"),
        ("AMAZON.DATE", "the fifth"),
    ],
)
def test_grammar_refuses_non_values(type_name: str, words: str) -> None:
    assert not in_grammar(type_name, words)


# --- real audio ------------------------------------------------------------------------------------------------

SPOKEN = [
    ("AMAZON.NUMBER", "a hundred and five", "105"),
    ("AMAZON.NUMBER", "negative five", "-5"),
    ("AMAZON.NUMBER", "fifteen hundred", "1500"),
    ("AMAZON.NUMBER", "one thousand two hundred", "1200"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "six oh four five", "6045"),
    ("AMAZON.FOUR_DIGIT_NUMBER", "one two three four", "1234"),
    ("AMAZON.Ordinal", "twenty third", "23"),
    ("AMAZON.DATE", "december fifth", "2026-12-05"),
    ("AMAZON.DATE", "the fifth of december", "2026-12-05"),
    ("AMAZON.DATE", "next tuesday", "2026-12-01"),
    ("AMAZON.DATE", "this weekend", "2026-W48-WE"),
    ("AMAZON.TIME", "half past three", "15:30"),
    ("AMAZON.TIME", "quarter to four", "15:45"),
    ("AMAZON.TIME", "seven thirty p m", "19:30"),
    ("AMAZON.DURATION", "two days", "P2D"),
    ("AMAZON.DURATION", "a week", "P1W"),
]
"""Phrases espeak-ng says clearly enough for the US English model; see the report for the ones it does not."""


def synthesize(text: str, folder: Path) -> bytes:
    """16 kHz mono 16-bit PCM of espeak-ng saying ``text``."""
    raw, converted = folder / "espeak.wav", folder / "16k.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True, timeout=30)
    subprocess.run(
        ["sox", str(raw), "-R", "-r", "16000", "-c", "1", "-b", "16", str(converted)], check=True, timeout=30
    )
    with wave.open(str(converted), "rb") as audio:
        return audio.readframes(audio.getnframes())


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")), reason="needs espeak-ng and sox")
@pytest.mark.parametrize(("type_name", "text", "expected"), SPOKEN)
def test_grammar_recognises_synthesized_speech(
    type_name: str, text: str, expected: str, tmp_path: Path, loaded_decoder: pocketsphinx.Decoder
) -> None:
    decoder = loaded_decoder
    decoder.activate_search(type_name.replace(".", "_"))
    decoder.start_utt()
    decoder.process_raw(synthesize(text, tmp_path), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    assert hypothesis is not None, f"no hypothesis for {text!r}"
    assert hypothesis.hypstr == text
    assert normalize(type_name, hypothesis.hypstr.split(), NOW) == expected


@pytest.mark.parametrize(
    ("words", "unlikely"),
    [
        ("two hours and ten minutes", False),
        ("an hour and a half", False),
        ("ninety minutes", False),
        ("one day and twenty three hours", False),
        ("one hour ninety minutes", True),
        ("eight hours one hundred and eleven and a half minutes one and a half seconds", True),
        ("one and a half hours and ten minutes", True),
        ("two days and thirty hours", True),
        ("a day and ten minutes", False),
        ("an hour and ten seconds", False),
        ("eight years fourteen hours and thirty seven minutes", True),
        ("a month and five minutes", True),
    ],
)
def test_a_duration_nobody_says(words: str, unlikely: bool) -> None:
    assert (unlikely_duration(words.split()) is not None) is unlikely
