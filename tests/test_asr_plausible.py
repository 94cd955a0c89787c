"""Plausibility of a hypothesis: loud speech left outside its words, and stretched words, on real decoder output."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.decoder import DecoderConfig, Recognizer
from assistant.asr.plausible import PlausibilityLimits, measure, plausible
from assistant.grammar.compiler import compile_launcher, with_prefix
from assistant.model.loader import load_model
from assistant.nlu.parser import parse
from assistant.tts.synth import silence, synthesize_samples

ROOT = Path(__file__).resolve().parent.parent
RATE = 16000
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@dataclass(frozen=True)
class W:
    word: str
    start: float
    end: float


def _tone(seconds: float) -> np.ndarray:
    return (np.sin(np.arange(int(seconds * RATE)) / 3.0) * 8000).astype(np.int16)


def test_loud_audio_outside_the_words_is_measured() -> None:
    audio = np.concatenate([silence(0.5), _tone(0.5), silence(0.3), _tone(1.0), silence(0.5)])
    words = [W("open", 0.5, 1.0)]  # the second loud stretch (1.3-2.3 s) is nobody's
    p = measure(audio, words, lambda w: 3)
    assert p.uncovered_seconds == pytest.approx(1.0, abs=0.03)
    assert p.loud_seconds == pytest.approx(1.5, abs=0.03)
    assert not plausible(p)
    both = measure(audio, [W("open", 0.5, 1.0), W("facts", 1.3, 2.3)], lambda w: 4)
    assert both.uncovered_seconds == 0.0 and plausible(both)


def test_a_word_stretched_over_seconds_is_implausible() -> None:
    audio = np.concatenate([silence(0.2), _tone(2.0), silence(0.2)])
    stretched = measure(audio, [W("to", 0.2, 2.2)], lambda w: 2)  # 1 s per phone
    assert stretched.slowest_phone_seconds == pytest.approx(1.0)
    assert stretched.uncovered_seconds == 0.0
    assert not plausible(stretched)
    assert plausible(stretched, PlausibilityLimits(max_phone_seconds=1.5))


@needs_espeak
def test_the_decoder_rejects_a_command_bent_over_a_longer_sentence() -> None:
    grammar = compile_launcher([load_model(ROOT / "skills" / "space-facts", "en-US")])
    said = np.concatenate([silence(0.5), synthesize_samples("open space facts", voice="en-us"), silence(0.5)])
    bent = np.concatenate([
        silence(0.5), synthesize_samples("open space facts", voice="en-us"),
        synthesize_samples("and then remember to buy milk eggs bread and some fresh vegetables", voice="en-us"),
        silence(0.5),
    ])
    with Recognizer(DecoderConfig(garbage=False, plausibility=True)) as rec:
        good = rec.decode(said, grammar)
        assert good.result is not None and good.result.skill == "space facts"
        assert good.plausibility is not None and plausible(good.plausibility)
        heard = rec.decode(bent, grammar)
    # Without the phone loop the grammar must explain everything: some command is bent over the whole sentence.
    assert heard.plausibility is not None and not plausible(heard.plausibility), heard
    assert heard.result is None and heard.rejected and "does not account for the audio" in heard.rejected


def test_a_prefixed_grammar_hears_the_phrase_then_any_sentence() -> None:
    grammar = compile_launcher([load_model(ROOT / "skills" / "space-facts", "en-US")])
    woken = with_prefix(grammar, ["alexa"])
    assert woken.fsa is not None and woken.fsa.accepts(["alexa", "open", "space", "facts"])
    assert not woken.fsa.accepts(["open", "space", "facts"])
    result = parse("alexa ask space facts to tell me a fact", woken)
    assert result is not None and result.intent == parse("ask space facts to tell me a fact", grammar).intent
    assert parse("open space facts", woken) is None
    assert with_prefix(grammar, ["alexa"]) is woken  # cached by content
    assert "alexa" in woken.pronunciations.known | set(woken.pronunciations.extra)


def test_a_word_put_over_silence_is_implausible() -> None:
    audio = np.concatenate([silence(0.2), _tone(0.5), silence(0.5)])
    p = measure(audio, [W("tell", 0.2, 0.7), W("earth", 0.8, 0.95)], lambda w: 2)
    assert p.quiet_share == 1.0 and p.uncovered_seconds == 0.0 and not plausible(p)
    assert measure(audio, [W("tell", 0.2, 0.7)], lambda w: 2).quiet_share == 0.0
    mostly = measure(audio, [W("tell", 0.2, 0.6), W("earth", 0.6, 0.9)], lambda w: 2)  # 0.1 s loud, 0.2 s quiet
    assert mostly.quiet_share == pytest.approx(2 / 3, abs=0.05) and plausible(mostly)
    assert not plausible(measure(audio, [W("tell", 0.2, 0.65), W("earth", 0.65, 1.0)], lambda w: 2))

