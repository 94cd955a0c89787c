"""The one stand-in engine of the voice-loop tests, and a recording as the loop's audio source.

The loop is what those tests test, so the engine behind it is a fake: one grammar, no sessions, nothing said; it
keeps what it was handed. Tests that need the real engine (sessions, skills) use ``assistant.runtime.engine``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.decoder import Recognizer
from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.grammar.compiler import CompiledGrammar, compile_launcher
from assistant.model.loader import load_model
from assistant.nlu.result import IntentResult
from assistant.runtime.engine import Turn
from assistant.voice.loop import LoopOptions, VoiceLoop, chunks_of

SKILLS = Path(__file__).resolve().parent.parent / "skills"


def _nothing_said(heard: str, result: IntentResult | None = None) -> Turn:
    return Turn(heard, result, None, (), (), None, False, None, None, False, False)


class ListeningEngine:
    """Listens with one grammar, opens no session, says nothing; ``heard`` keeps every transcript it was given."""

    def __init__(self, grammar: CompiledGrammar) -> None:
        self.grammar = grammar
        self.heard: list[str] = []

    def listening_grammar(self, woken: bool = False) -> CompiledGrammar:
        return self.grammar

    def expects_answer(self) -> bool:
        return False

    def handle_recognition(self, result: IntentResult | None, transcript: str, woken: bool = False) -> Turn:
        self.heard.append(transcript)
        return _nothing_said(transcript, result)

    def handle_silence(self) -> Turn:
        return _nothing_said("")


class Recording:
    """A recording fed to the loop in 30 ms chunks, as fast as it can take them."""

    rate, block_ms, realtime = SAMPLE_RATE, 30, False

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio

    def __iter__(self) -> Iterator[AudioChunk]:
        return chunks_of(self.audio, 480)


def launcher_parts() -> Iterator[dict[str, Any]]:
    """A recogniser and the top-level grammar of two bundled skills (space facts, knock-knock), for the wake word
    tests: wrap it in a module-scoped fixture."""
    models = [load_model(SKILLS / name, "en-US") for name in ("space-facts", "knock-knock")]
    with Recognizer() as recognizer:
        yield {"grammar": compile_launcher(models), "recognizer": recognizer}


def run_loop(parts: dict[str, Any], audio: np.ndarray, options: LoopOptions) -> tuple[VoiceLoop, ListeningEngine]:
    """``audio`` through a loop on ``parts`` (``launcher_parts``): the loop and what its engine was handed."""
    engine = ListeningEngine(parts["grammar"])
    loop = VoiceLoop(engine, parts["recognizer"], None, (), options)
    loop.run(Recording(audio))  # type: ignore[arg-type]
    return loop, engine
