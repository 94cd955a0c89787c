"""The wake word through the real voice loop: not triggered by minutes of speech without it, triggered by "alexa, …".

Speech is synthesized with espeak-ng in several voices; the negatives are also mixed with the kitchen noise of
the shared corpora (skipped, with the reason, when it is absent). The engine behind the loop is a stand-in that
listens with the real launcher grammar and says nothing: what is measured is the loop's wake word decision.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CORPORA
from loop_fakes import ListeningEngine, Recording

from assistant.asr.decoder import Recognizer
from assistant.audio.chunk import AudioChunk
from assistant.audio.mix import mix_noise
from assistant.audio.wav import read_wav
from assistant.grammar.compiler import compile_launcher
from assistant.model.loader import load_model
from assistant.tts.synth import silence, synthesize_samples
from assistant.voice.confirm import WakeOptions, quietest
from assistant.voice.loop import LoopOptions, VoiceLoop, chunks_of
from assistant.voice.wake import WakeWordDetector, WakeWordError

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="needs espeak-ng and sox"
)

ROOT = Path(__file__).resolve().parent.parent
NOISE = CORPORA / "noise" / "kitchen.wav"
RATE = 16000
KEYPHRASE = LoopOptions(wake=WakeOptions(engine="keyphrase"))
"""These tests are about the keyphrase spotter (any wake phrase); openWakeWord's "alexa": test_voice_neural_wake."""
VOICES = ("en-us", "en-gb", "en-us+f3", "en-us+m3", "en-gb-scotland", "en-029")
REQUESTS = (
    "alexa, open space facts",
    "alexa, open high low game",
    "alexa, ask space facts to tell me a fact",
    "alexa, stop",
    "alexa, tell me about mars",
    "alexa, what can you do",
)
SPEECH = (
    "The weather this morning was cold and grey, so we stayed inside and read the newspaper together.",
    "Please remember to buy milk, eggs, bread and some fresh vegetables on the way home tonight.",
    "The train to the city leaves at half past seven from platform number four, and it is usually on time.",
    "My neighbour has a small garden where she grows tomatoes, beans, lettuce and a few kinds of herbs.",
    "In the evening the children played football in the park until it was too dark to see the ball.",
    "Turn on the lights in the kitchen and set the temperature to twenty one degrees.",
    "The meeting has been moved to Thursday afternoon because several people are travelling this week.",
    "Could you tell me how long it takes to drive from here to the airport when the roads are busy?",
    "A cup of coffee with a little milk and no sugar is how I start every single day.",
    "Her brother Alex selected a lexicon of excellent examples from Texas.",
    "open the door, play some music, what is the weather, set a timer for ten minutes",
)
"""Speech without the wake word, including near misses (Alex, selected, lexicon, Texas)."""
OOD_SENTENCES = ROOT / "bench" / "ood_sentences.txt"
"""Questions and commands from other domains ("what is the weather like in paris today"): requests a user makes of
some other assistant, which the spotter mistakes for "alexa, what can i say" unless the whole is checked."""
OOD_VOICES = ("en-us+f3", "en-gb-scotland")


@pytest.fixture(scope="module")
def loop_parts() -> Iterator[dict[str, Any]]:
    grammar = compile_launcher([load_model(ROOT / "skills" / "space-facts", "en-US")])
    recognizer = Recognizer().start()
    yield {"grammar": grammar, "recognizer": recognizer}
    recognizer.stop()


def _run(parts: dict[str, Any], audio: np.ndarray) -> tuple[VoiceLoop, ListeningEngine]:
    engine = ListeningEngine(parts["grammar"])
    loop = VoiceLoop(engine, parts["recognizer"], None, (), KEYPHRASE)
    loop.run(Recording(audio))  # type: ignore[arg-type]
    return loop, engine


@pytest.fixture(scope="module")
def negatives() -> np.ndarray:
    parts = [
        np.concatenate([synthesize_samples(t, voice=v), silence(0.7)]) for v in VOICES[:4] for t in SPEECH
    ]
    requests = [s.strip() for s in OOD_SENTENCES.read_text().splitlines() if s.strip() and not s.startswith("#")]
    parts += [np.concatenate([synthesize_samples(t, voice=v), silence(0.7)]) for v in OOD_VOICES for t in requests]
    audio = np.concatenate(parts)
    assert audio.size / RATE > 420  # several minutes
    return audio


@pytest.fixture(scope="module")
def positives() -> tuple[np.ndarray, list[tuple[float, float]]]:
    parts, spans, cursor = [silence(1.0)], [], RATE
    for voice in VOICES:
        for text in REQUESTS:
            speech = synthesize_samples(text, voice=voice)
            spans.append((cursor / RATE, (cursor + speech.size) / RATE))
            parts += [speech, silence(3.0)]
            cursor += speech.size + 3 * RATE
    return np.concatenate(parts), spans


def _hits(starts: list[float], spans: list[tuple[float, float]]) -> int:
    return sum(1 for a, b in spans if any(a - 0.2 <= s <= b for s in starts))


def test_no_false_wakes_in_minutes_of_speech(loop_parts: dict[str, Any], negatives: np.ndarray) -> None:
    loop, engine = _run(loop_parts, negatives)
    hours = negatives.size / RATE / 3600
    print(f"\nclean speech: {len(loop.wakes)} false wakes in {hours * 60:.1f} min ({len(loop.wakes) / hours:.0f}/h); "
          f"{len(loop.unconfirmed_wakes)} spotted and dropped (what followed was rejected)")
    # Measured: none acted on in 8 minutes; the spotter (eager, 1e-50) fires about 30 times, and every time either
    # the rest of the sentence is rejected by the grammar, leaves loud speech outside its words, or fails the second
    # pass that decodes "alexa" and the request as one utterance (without them, 1e-40: "how old is the president of
    # france" became "alexa, list skills").
    assert len(loop.wakes) == 0
    assert all(engine.heard)  # only understood requests reached the engine


@pytest.mark.parametrize("snr_db", [20.0, 10.0])
def test_no_false_wakes_with_kitchen_noise(loop_parts: dict[str, Any], negatives: np.ndarray, snr_db: float) -> None:
    if not NOISE.exists():
        pytest.skip(f"the kitchen noise recording is not at {NOISE} (shared corpora absent)")
    noisy = mix_noise(negatives, read_wav(NOISE), snr_db=snr_db, seed=7)
    loop, engine = _run(loop_parts, noisy)
    hours = noisy.size / RATE / 3600
    print(f"\nspeech + kitchen noise at {snr_db:.0f} dB SNR: {len(loop.wakes)} false wakes in {hours * 60:.1f} min "
          f"({len(loop.wakes) / hours:.0f}/h); {len(loop.unconfirmed_wakes)} spotted and dropped")
    # Measured: none at 20 and 10 dB, about 20 spotted and dropped. Before the second pass's own checks (the wake
    # phrase's length, a tighter fit, both passes agreeing), 2 at 10 dB: "how tall is the eiffel tower" and "how
    # much does a gallon of gas cost" heard as "alexa, what can i say".
    assert len(loop.wakes) == 0
    assert all(engine.heard)


def test_alexa_requests_wake_it(loop_parts: dict[str, Any], positives: Any) -> None:
    audio, spans = positives
    loop, engine = _run(loop_parts, audio)
    spotted = _hits([w.start for w in loop.wakes + loop.unconfirmed_wakes], spans)
    understood = _hits([w.start for w in loop.wakes], spans)
    print(f"\nwake word spotted: {spotted}/{len(spans)} ({spotted / len(spans):.0%}) over {len(VOICES)} voices; "
          f"request understood after it: {understood}")
    assert spotted / len(spans) >= 0.85  # measured 33/36 (25/36 at the old threshold, 1e-40)
    # Two of the six requests are outside the test's grammar (high low game is not installed; "tell me about
    # mars" needs "ask space facts to"): those wakes are dropped silently, as false ones are.
    assert understood / len(spans) >= 0.33  # measured 13/36 (8/36 when decoding started right at the wake)
    assert len(loop.wakes) + len(loop.unconfirmed_wakes) <= len(spans)  # never twice for one request
    assert "open space facts" in engine.heard  # the request after the wake word, in the same breath, decoded
    assert all(engine.heard)  # nothing rejected reached the engine


def test_alexa_requests_in_noise(loop_parts: dict[str, Any], positives: Any) -> None:
    if not NOISE.exists():
        pytest.skip(f"the kitchen noise recording is not at {NOISE} (shared corpora absent)")
    audio, spans = positives
    loop, _ = _run(loop_parts, mix_noise(audio, read_wav(NOISE), snr_db=20.0, seed=3))
    spotted = _hits([w.start for w in loop.wakes + loop.unconfirmed_wakes], spans)
    understood = _hits([w.start for w in loop.wakes], spans)
    print(f"\nwake word spotted, kitchen noise at 20 dB SNR: {spotted}/{len(spans)} ({spotted / len(spans):.0%}); "
          f"request understood after it: {understood}")
    assert spotted / len(spans) >= 0.5  # measured 22/36
    assert understood / len(spans) >= 0.3  # measured 14/36


def test_any_pronounceable_phrase_can_be_the_wake_word() -> None:
    with WakeWordDetector("hey zorblax") as detector:  # "zorblax" is guessed with espeak-ng
        assert detector.phrase == "hey zorblax"
    with pytest.raises(WakeWordError, match="has no words"):
        WakeWordDetector("!!")
    with pytest.raises(WakeWordError, match="between 0 and 1"):
        WakeWordDetector("alexa", threshold=2.0)


def test_request_decoding_starts_in_the_pause_after_the_wake_word() -> None:
    loud = (np.sin(np.arange(RATE) / 3.0) * 8000).astype(np.int16)
    audio = np.concatenate([loud[:4000], np.zeros(800, np.int16), loud[:4000]])  # a 50 ms pause at 0.25 s
    ring = list(chunks_of(audio, 480))
    cut = quietest(ring, 0.2, 0.45)
    assert 0.25 <= cut <= 0.29
    assert quietest(ring, 0.0, 0.1) < 0.1  # no pause: somewhere in the window
    assert quietest([AudioChunk(audio[:480], RATE, 5.0)], 0.2, 0.45) == 0.2  # nothing heard there: the start


def test_a_request_through_an_open_slot_is_decoded_whole_after_the_hold(loop_parts: dict[str, Any]) -> None:
    """The peek at the end of speech does not run the open slots' second pass, so an utterance whose first pass
    went through a slot's loop (space facts' planet slot, here) is held as not understood; when nothing follows,
    it is decoded whole, not dropped with the peek's empty hypothesis (issue 13)."""
    parts = [silence(1.0)]
    for text in ("alexa, open high low game", "alexa, ask space facts to tell me a fact"):
        parts += [synthesize_samples(text, voice="en-us+f3"), silence(3.0)]
    loop, engine = _run(loop_parts, np.concatenate(parts))
    assert engine.heard == ["ask space facts that tell me a fact"], engine.heard
    assert len(loop.wakes) == 1
