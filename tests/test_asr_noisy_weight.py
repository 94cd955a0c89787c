"""The noisy utterances' search has its own language weight (``DecoderConfig.lw_noisy``); clean ones keep ``lw``."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.decoder import DecoderConfig, Recognizer, is_noisy
from assistant.grammar.compiler import compile_session
from assistant.model.loader import model_from_dict
from assistant.tts.synth import synthesize_samples

pytestmark = pytest.mark.slow
PAD = np.zeros(8000, np.int16)


@pytest.fixture(scope="module")
def lights():
    data = {"interactionModel": {"languageModel": {"invocationName": "lights", "intents": [
        {"name": "LightIntent", "slots": [{"name": "room", "type": "Room"}],
         "samples": ["turn on the {room} light", "switch on the {room} light"]},
        {"name": "AMAZON.StopIntent", "samples": []},
    ], "types": [{"name": "Room", "values": [{"name": {"value": "kitchen"}}, {"name": {"value": "bedroom"}}]}]}}}
    return compile_session(model_from_dict(data, source="<test>"))


def with_white_noise(speech: np.ndarray, snr_db: float) -> np.ndarray:
    x = speech.astype(np.float64)
    rms = np.sqrt(np.mean(x[np.abs(x) > 0] ** 2) / 10 ** (snr_db / 10))
    noisy = x + np.random.default_rng(1).standard_normal(len(x)) * rms
    return np.clip(noisy, -32768, 32767).astype(np.int16)


def test_loading_the_noisy_search_leaves_the_decoder_weight_alone(lights) -> None:
    config = DecoderConfig(lw=6.5, lw_noisy=3.0)
    with Recognizer(config) as rec:
        rec.use(lights)
        assert rec._ps.config["lw"] == pytest.approx(6.5)


@pytest.mark.parametrize("lw_noisy", [3.0, None])
def test_noisy_speech_is_decoded_with_either_weight(lights, lw_noisy) -> None:
    audio = with_white_noise(np.concatenate([PAD, synthesize_samples("turn on the bedroom light"), PAD]), 20.0)
    assert is_noisy(audio, DecoderConfig().noisy_below_db)
    with Recognizer(DecoderConfig(lw_noisy=lw_noisy)) as rec:
        result = rec.decode(audio, lights).result
    assert result is not None and result.intent == "LightIntent"
    assert result.slots["room"].value == "bedroom"
