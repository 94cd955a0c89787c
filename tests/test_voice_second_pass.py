"""The wake word's second pass in a helper process: same answers as decoding in-process, and a helper that dies
costs nothing but time. Real decoders on espeak-ng speech; the fault is a real kill of the helper."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bench_runs import run_bench_case, run_bench_cases
from loop_fakes import ListeningEngine, Recording

from assistant.asr.decoder import Recognizer
from assistant.grammar.compiler import compile_launcher, with_prefix
from assistant.model.loader import load_model
from assistant.tts.synth import silence, synthesize_samples
from assistant.voice.confirm import WakeOptions
from assistant.voice.loop import LoopOptions, VoiceLoop
from assistant.voice.second_pass import SecondPass

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def grammar() -> Any:
    return compile_launcher([load_model(ROOT / "skills" / "space-facts", "en-US")])


def test_helper_answers_as_the_loop_would(grammar: Any) -> None:
    prefixed = with_prefix(grammar, ["alexa"])
    utterances = [synthesize_samples(t, voice=v) for t in ("alexa, open space facts", "alexa, stop")
                  for v in ("en-us", "en-gb")]
    helper = SecondPass().start()
    try:
        for i, audio in enumerate(utterances):
            assert helper.submit(i, prefixed, audio, 1e-35)
        answers = [helper.result(i) for i in reversed(range(len(utterances)))][::-1]  # out of order is fine
    finally:
        helper.close()
    with Recognizer() as recognizer:
        recognizer.use(prefixed, noisy_entry=1e-35)
        expected = [recognizer.decode(a) for a in utterances]
    assert [a.transcript if a else None for a in answers] == [e.transcript for e in expected]
    assert [a.result for a in answers if a] == [e.result for e in expected]
    assert answers[0] is not None and answers[0].transcript == "alexa open space facts"
    assert helper.result(0) is None  # collected once


def test_a_dead_helper_falls_back_to_decoding_here(grammar: Any) -> None:
    prefixed = with_prefix(grammar, ["alexa"])
    helper = SecondPass(timeout=10.0).start()
    try:
        assert helper._process is not None
        helper._process.kill()
        helper._process.wait()
        helper.submit("x", prefixed, synthesize_samples("alexa, stop"), 1e-35)
        assert helper.result("x") is None
        assert not helper.usable
    finally:
        helper.close()


def _run(grammar: Any, audio: np.ndarray, options: LoopOptions, helper: SecondPass | None) -> tuple[VoiceLoop, Any]:
    engine = ListeningEngine(grammar)
    with Recognizer() as recognizer:
        loop = VoiceLoop(engine, recognizer, None, (), options, second_pass=helper)
        loop.run(Recording(audio))  # type: ignore[arg-type]
    return loop, engine


def test_the_loop_decides_the_same_with_or_without_the_helper(grammar: Any) -> None:
    said = ("alexa, open space facts", "alexa, what can you do", "what is the weather like in paris today",
            "alexa, stop", "how much does a gallon of milk cost")
    audio = np.concatenate([silence(1.0)] + [np.concatenate([synthesize_samples(t, voice="en-us+f3"), silence(2.5)])
                                             for t in said])
    helper = SecondPass()
    try:
        loop, engine = _run(grammar, audio, LoopOptions(wake=WakeOptions(engine="keyphrase")), helper)
        assert helper.usable and helper._process is not None  # it did the work
    finally:
        helper.close()
    alone, engine_alone = _run(grammar, audio, LoopOptions(wake=WakeOptions(engine="keyphrase", verify_in_helper=False)), None)
    assert engine.heard == engine_alone.heard
    assert [w.start for w in loop.wakes] == [w.start for w in alone.wakes]
    assert "open space facts" in engine.heard and "what can you do" in engine.heard


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the space-facts skill)")
def test_a_request_in_kitchen_noise_passes_the_second_pass(corpora: Path) -> None:
    """espeak-ng's en-us+f3, whose "alexa" only the keyphrase search hears, at 20 dB of kitchen noise: "alexa,
    launch space facts" is understood by the first pass, and the second pass (the phrase in front, the phone loop
    at ``verify_noisy_entry``) must not reject it. At the old 1e-35 it did. Also checks that the second pass
    decodes with its own priors: the first pass loads the same grammar with others, and a recogniser fixes a
    grammar's priors at its first load (both settings run here, in one process and one helper)."""
    priors = ("1e-45", "1e-35")
    runs = run_bench_case(corpora, "request", ["espeak-en-us+f3"], "20 dB", "alexa, launch space facts",
                          settings=[[f"wake.verify_noisy_entry={p}"] for p in priors])
    outcomes = dict(zip(priors, runs, strict=True))
    assert WakeOptions().verify_noisy_entry == 1e-45
    assert outcomes["1e-45"].ok, outcomes["1e-45"]
    assert not outcomes["1e-35"].ok and not outcomes["1e-35"].acted  # rejected, as it was


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the hello-world skill)")
def test_a_keyphrase_only_request_in_noise_passes_the_second_pass_at_the_recognisers_prior(corpora: Path) -> None:
    """The held-out espeak-ng ``en-us+f2-slow``'s "alexa, start hello world" at 20 dB of kitchen noise (full
    set), woken by the keyphrase search alone: the first pass hears the request, and the second pass, its phone
    loop at 1e-40, heard nothing of the grammar. At the recogniser's own prior (1e-45, the default) it passes."""
    kept, stricter = run_bench_cases(corpora, "request", None, "20 dB", "alexa, start hello world",
                                     voice="espeak-en-us+f2-slow (held out)", quick=False,
                                     settings=[[], ["wake.verify_noisy_entry=1e-40"]])
    assert [o.acted for o in kept] == [["hello world:LaunchRequest"]], kept
    assert [o.acted for o in stricter] == [[]], stricter


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the barista skill)")
def test_a_noisy_second_pass_counts_the_speech_outside_its_words_by_the_vad(corpora: Path) -> None:
    """"alexa, launch barista" (espeak-ng en-us, heard by the keyphrase search alone) at 20 dB of kitchen noise:
    the second pass hears "alexa launch barista", and in noise every frame is loud, so the loudness measure
    found more than ``verify_max_uncovered`` outside the words and rejected it. The VAD's count, which the first
    pass uses, finds none."""
    [outcome] = run_bench_case(corpora, "request", ["espeak-en-us"], "20 dB", "alexa, launch barista")
    assert outcome.ok, outcome


def test_a_noisy_utterance_the_phone_loop_won_is_decoded_again_with_a_wider_word_beam(corpora: Path) -> None:
    """``DecoderConfig.wbeam_retry``: espeak-ng's "tell barista to make me a large latte" at 20 dB of kitchen noise,
    cut exactly: at the recogniser's own word beam every path to the end of the long sentence is pruned, and only
    the phone loop reaches it; decoded again with the wider beam, the sentence is heard. The wider beam for every
    noisy utterance (``wbeam_noisy``) hears it too. The retry's search is loaded at its first use, and a clean
    utterance is never retried."""
    import contextlib
    import dataclasses

    from assistant.audio.wav import read_wav
    from bench import material
    from bench import voice as bench_voice

    noise = read_wav(corpora / "noise" / "kitchen.wav")
    cases = [c for c in material.cases("cut-request", corpora, noise, ["espeak-en-us"], True)
             if c.text.startswith("tell barista") and c.condition in ("clean", "20 dB")]
    clean, noisy = sorted(cases, key=lambda c: c.condition != "clean")
    with contextlib.ExitStack() as stack:
        engine, recognizer = bench_voice._engine(stack, {})
        grammar = engine.listening_grammar()
        config = recognizer.config
        once = stack.enter_context(Recognizer(dataclasses.replace(config, wbeam_retry=None)))
        wide = stack.enter_context(Recognizer(dataclasses.replace(config, wbeam_retry=None, wbeam_noisy=1e-40)))
        retry = stack.enter_context(Recognizer(config))
        assert retry.decode(clean.audio, grammar).transcript == "tell barista to make me a large latte"
        assert not retry._wide_loaded  # clean: no retry, none loaded
        narrow, widened, retried = (r.decode(noisy.audio, grammar) for r in (once, wide, retry))
        assert retry._wide_loaded
        retry.unload(grammar)  # a grammar replaced (dynamic entities): its wide search goes with it, and comes back
        assert not retry._wide_loaded
        assert retry.decode(noisy.audio, grammar).transcript == "tell barista to make me a large latte"
    assert narrow.noisy and narrow.transcript == "" and narrow.rejected
    assert widened.transcript == "tell barista to make me a large latte"
    assert retried.transcript == "tell barista to make me a large latte" and retried.result is not None
    assert retried.decode_seconds > 0


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the barista skill)")
def test_a_request_held_at_its_end_is_heard_with_the_retry(corpora: Path) -> None:
    """The same request through the loop ("alexa, tell barista to make me a large latte", espeak-ng en-us, 20 dB):
    the endpointer's peek, which stands as the utterance when nothing follows it, is retried too. Without the
    retry the request is dropped."""

    text = "alexa, tell barista to make me a large latte"
    [[retried]] = run_bench_cases(corpora, "request", ["espeak-en-us"], "20 dB", text)
    [[once]] = run_bench_cases(corpora, "request", ["espeak-en-us"], "20 dB", text, decoder={"wbeam_retry": None})
    assert retried.ok, retried
    assert not once.ok and not once.acted, once


def test_a_clean_answer_no_path_reached_is_decoded_again_with_the_wider_word_beam(corpora: Path) -> None:
    """``DecoderConfig.retry_no_match``: espeak-ng ``en-us-nyc+f1``'s "yes" in a high low game session, clean. The
    endpointer's peek at the end of speech found no path at all to the end of the utterance (not even the phone
    loop's): the word-exit beam pruned the exit of "yes" into the silence after it (decoded with 0.06 s less of
    that silence, it is heard). Decoded again with the wider word beam, the answer is heard; without the retry the
    game's question goes unanswered."""

    text = "alexa, open high low game / yes"
    [[retried]] = run_bench_cases(corpora, "answer", ["espeak-en-us-nyc+f1"], "clean", text)
    [[once]] = run_bench_cases(corpora, "answer", ["espeak-en-us-nyc+f1"], "clean", text,
                               decoder={"retry_no_match": False})
    assert retried.ok and retried.acted[-1] == "-:AMAZON.YesIntent", retried
    assert not once.ok and once.acted == ["high low game:LaunchRequest"], once


def test_what_nothing_matched_after_a_real_wake_word_is_not_retried(corpora: Path) -> None:
    """A real person's "alexa", then "open high low game" (espeak-ng en-us), clean: the word's tail, decoded with
    the phrase in front, matches nothing, and the loop listens on for the request. Retried with the wider word beam
    (``retry_no_match``), that tail was "alexa, shut up", and the assistant acted on a stop nobody said."""

    outcomes = run_bench_cases(corpora, "real-wake", ["espeak-en-us"], "clean", "open high low game")[0]
    assert outcomes
    for outcome in outcomes:
        assert all(label.endswith("LaunchRequest") for label in outcome.acted), outcome
    assert any(outcome.ok for outcome in outcomes)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (the space-facts skill)")
def test_an_answer_in_a_session_is_not_retried(corpora: Path) -> None:
    """The retry weakens the rejection; a request after the wake word still has the wake word's checks, an answer
    in a session has none, and noise must not answer for the user. espeak-ng ``en-us+f3``'s "stop" in a
    space-facts session at 20 dB of kitchen noise, rejected by the grammar's search, was "help" when retried: it
    must stay unanswered (the reprompt follows)."""

    [[outcome]] = run_bench_cases(corpora, "answer", None, "20 dB", "alexa, open space facts / stop",
                                  voice="espeak-en-us+f3")
    assert outcome.acted == ["space facts:LaunchRequest"], outcome
