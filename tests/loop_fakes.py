"""The one stand-in engine of the voice-loop tests, and a recording as the loop's audio source.

The loop is what those tests test, so the engine behind it is a fake: one grammar, no sessions, nothing said; it
keeps what it was handed. Tests that need the real engine (sessions, skills) use ``assistant.runtime.engine``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.grammar.compiler import CompiledGrammar
from assistant.nlu.result import IntentResult
from assistant.runtime.engine import Turn
from assistant.voice.loop import chunks_of


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
