"""The noise-suppression front end on synthetic signals: it removes stationary noise, keeps a tone, and is an
exact identity when its gain cannot drop; plus one pass through the real decoder with it switched on."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.frontend import WienerConfig, suppress_noise

RATE = 16000


def tone(seconds: float, hz: float = 440.0, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * hz * t)


def white(seconds: float, rms: float, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * rms


def as_pcm(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def energy_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-12))


def utterance(noise_rms: float) -> tuple[np.ndarray, np.ndarray, slice]:
    """1 s of pause, 1 s of tone, 1 s of pause, over white noise: (mixture, the tone alone, where the tone is)."""
    signal = np.concatenate([np.zeros(RATE), tone(1.0), np.zeros(RATE)])
    return as_pcm(signal + white(3.0, noise_rms)), signal, slice(RATE, 2 * RATE)


def test_stationary_noise_is_reduced_by_at_least_10_db():
    mixed, _, _ = utterance(noise_rms=1000.0)
    out = suppress_noise(mixed)
    pause = slice(int(0.1 * RATE), int(0.9 * RATE))
    assert energy_db(mixed[pause]) - energy_db(out[pause]) >= 10.0


def test_a_tone_in_noise_survives_and_its_snr_improves():
    mixed, clean, where = utterance(noise_rms=1000.0)
    out = suppress_noise(mixed).astype(np.float64)
    before = energy_db(clean[where]) - energy_db(mixed[where] - clean[where])
    after = energy_db(clean[where]) - energy_db(out[where] - clean[where])
    assert after >= before + 6.0
    assert abs(energy_db(out[where]) - energy_db(clean[where])) < 1.0


def test_a_clean_tone_is_left_mostly_intact():
    mixed, clean, where = utterance(noise_rms=3.0)
    out = suppress_noise(mixed).astype(np.float64)
    residual = energy_db(out[where] - clean[where])
    assert energy_db(clean[where]) - residual >= 30.0


def test_unit_gain_reconstructs_the_input_exactly():
    x = as_pcm(tone(1.3, hz=1234.0) + white(1.3, 500.0))
    out = suppress_noise(x, WienerConfig(floor_db=0.0))
    assert out.dtype == np.int16 and len(out) == len(x)
    assert np.max(np.abs(out.astype(np.int32) - x)) <= 1


def test_too_short_input_is_returned_unchanged():
    x = as_pcm(white(0.05, 1000.0))
    assert suppress_noise(x) is x


@pytest.mark.slow
def test_the_decoder_still_recognises_speech_with_the_filter_on():
    from assistant.asr.decoder import DecoderConfig, Recognizer
    from assistant.grammar.compiler import compile_session
    from assistant.model.loader import model_from_dict
    from assistant.tts.synth import synthesize_samples

    data = {"interactionModel": {"languageModel": {"invocationName": "lights", "intents": [
        {"name": "TurnOn", "slots": [], "samples": ["turn on the kitchen light"]},
        {"name": "TurnOff", "slots": [], "samples": ["turn off the bedroom fan"]},
    ]}}}
    grammar = compile_session(model_from_dict(data))
    speech = synthesize_samples("turn off the bedroom fan").astype(np.float64)
    pad = np.zeros(RATE // 2)
    audio = np.concatenate([pad, speech, pad])
    noisy = as_pcm(audio + white(len(audio) / RATE, 0.05 * np.sqrt(np.mean(speech**2))))
    with Recognizer(DecoderConfig(denoise=True)) as rec:
        got = rec.decode(noisy, grammar)
    assert got.result is not None and got.result.intent == "TurnOff"


@pytest.mark.parametrize("setting, applied", [(None, True), (False, False), (True, True)])
def test_pocketsphinx_noise_removal_follows_the_setting(setting, applied):
    """pocketsphinx 5.1.1 ignores its ``remove_noise`` argument when feat.params sets it (en-US: yes)."""
    from assistant.asr.decoder import DecoderConfig, Recognizer

    with Recognizer(DecoderConfig(model_remove_noise=setting)) as rec:
        assert rec._ps.config["remove_noise"] is applied
