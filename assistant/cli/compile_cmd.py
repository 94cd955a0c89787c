"""``assistant compile``: write a skill's grammars and pronunciation report for inspection."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..grammar.compiler import compile_launcher, compile_session
from ..grammar.fsa import log_size
from ..settings import Settings
from .common import add_model_args, load_models


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("compile", help="compile a skill's grammar; print guessed words; write JSGF and FSG")
    add_model_args(p)
    p.add_argument("-o", "--output", type=Path, help="folder to write <name>.jsgf, <name>.fsg, pronunciations.txt")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    models = load_models(args, settings)
    t0 = time.perf_counter()
    grammar = compile_launcher(models) if args.launcher else compile_session(models[0])
    elapsed = time.perf_counter() - t0
    fsa = grammar.fsa
    assert fsa is not None
    prons = grammar.pronunciations
    print(f"{grammar.kind} grammar for {', '.join(m.invocation_name for m in models)}: compiled in {elapsed:.3f} s")
    print(f"  {len(grammar.words)} words, about 10^{log_size(fsa):.1f} sentences, "
          f"automaton of {fsa.n_states} states and {fsa.n_transitions} transitions")
    if prons.supplied:
        print(f"  pronunciations supplied by the skill: {', '.join(prons.supplied)}")
    if prons.guessed:
        print(f"  pronunciations guessed with espeak-ng ({len(prons.guessed)}):")
        for word in prons.guessed:
            print(f"    {word:20} {prons.extra[word]}")
    else:
        print("  every word is in the dictionary")
    for note in grammar.voice_excluded:
        print(f"  not in the grammar's own automaton: {note}")
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / f"{grammar.name}.jsgf").write_text(grammar.jsgf, encoding="utf-8")
        (args.output / f"{grammar.name}.fsg").write_text(fsa.to_fsg_text(grammar.name), encoding="utf-8")
        lines = [f"{w} {p}  # {'guessed' if w in prons.guessed else 'supplied'}" for w, p in sorted(prons.extra.items())]
        (args.output / "pronunciations.txt").write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
        print(f"  wrote {args.output}/{grammar.name}.jsgf, .fsg and pronunciations.txt")
    return 0
