"""Cases of ``bench.voice`` through the real loop, for tests that pin a failure the benchmark found.

The engine, the skills, the recogniser and the loop's options are the benchmark's own, so a case fails or passes
here as it does in ``python -m bench.voice``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_bench_cases(corpora: Path, kind: str, voices: Sequence[str] | None, condition: str, text: str,
                    voice: str | None = None, settings: Sequence[Sequence[str]] = ((),),
                    quick: bool = True, decoder: dict[str, Any] | None = None) -> list[list[Any]]:
    """The outcomes of every ``kind`` case said ``text`` in ``condition`` (by ``voice`` if given), per list of
    ``--set`` settings. ``voices`` is the list the cases are drawn from (the seed of a case's noise depends on it;
    None is the benchmark's full list); ``quick``: from the benchmark's quick sets; ``decoder``: ``--decoder``
    settings."""
    from assistant.audio.wav import read_wav
    from bench import material
    from bench import voice as bench_voice

    noise = read_wav(corpora / "noise" / "kitchen.wav")
    names = material.voices(None) if voices is None else list(voices)
    chosen = [c for c in material.cases(kind, corpora, noise, names, quick)
              if c.condition == condition and c.text == text and (voice is None or c.voice == voice)]
    assert chosen, f"no {kind} case {text!r} in {condition} by {voice or 'any voice'}"
    outcomes = []
    with contextlib.ExitStack() as stack:
        engine, recognizer = bench_voice._engine(stack, decoder or {})
        for each in settings:
            bench = bench_voice.Bench(engine, recognizer, bench_voice.loop_options(list(each)))
            try:
                outcomes.append([bench.run(case) for case in chosen])
            finally:
                bench.close()
    return outcomes


def run_bench_case(corpora: Path, kind: str, voices: Sequence[str] | None, condition: str, text: str,
                   voice: str | None = None, settings: Sequence[Sequence[str]] = ((),)) -> list[Any]:
    """The outcome of the first such case of the quick sets (``run_bench_cases``), once per list of settings."""
    chosen = run_bench_cases(corpora, kind, voices, condition, text, voice, settings)
    return [runs[0] for runs in chosen]
