"""Open slots by voice (issue 13): real speech (synthesized, and the barista corpus's recordings) through the real
decoder, two passes. The first pass puts a phone loop in the slot's place (``CompiledGrammar.open_fsa``), the
second decodes the utterance with pocketsphinx's general English language model. With ``open_slots`` "off", the
same audio gives a listed value or nothing. By default ("all") AMAZON.SearchQuery and unlisted custom values are
both heard; an unlisted value is checked against the grammar alone (``open_listed_check``), so real speech with
listed values said unusually keeps them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.decoder import DecoderConfig, Recognizer
from assistant.audio.wav import read_wav
from assistant.grammar.compiler import compile_session
from assistant.model.loader import load_model, model_from_dict

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SAUCE_BOSS = SAMPLES / "nodejs-sauce-boss"
PAD = np.zeros(8000, np.int16)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("text2wave"), reason="needs festival (Debian: festival festvox-kallpc16k)"),
]


def said(text: str, voice: str = "festival-kal") -> np.ndarray:
    from bench.voices import synthesize

    return np.concatenate([PAD, synthesize(text, voice), PAD])


@pytest.fixture(scope="module")
def sauce_boss():  # type: ignore[no-untyped-def]
    if not SAUCE_BOSS.is_dir():
        reason = f"the public Alexa sample nodejs-sauce-boss is not in {SAMPLES}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return compile_session(load_model(SAUCE_BOSS))


@pytest.fixture(scope="module")
def recognizers():  # type: ignore[no-untyped-def]
    with Recognizer(DecoderConfig(open_slots="all")) as opened, Recognizer(DecoderConfig(open_slots="off")) as closed:
        yield opened, closed


def test_an_unlisted_sauce_is_heard_in_two_passes(sauce_boss, recognizers) -> None:  # type: ignore[no-untyped-def]
    opened, closed = recognizers
    audio = said("how can I make ketchup")
    rec = opened.decode(audio, sauce_boss)
    assert rec.result is not None and rec.result.intent == "RecipeIntent", rec
    item = rec.result.slots["Item"]
    assert item.value == "ketchup" and item.resolved is None
    assert rec.open_seconds > 0 and rec.transcript == "how can i make ketchup"
    before = closed.decode(audio, sauce_boss)  # the constrained grammar alone: a listed sauce, or nothing
    assert before.result is None or before.result.slots["Item"].value != "ketchup"


def test_a_listed_sauce_still_resolves_without_a_second_pass(sauce_boss, recognizers) -> None:  # type: ignore[no-untyped-def]
    opened, _ = recognizers
    rec = opened.decode(said("how can I make ranch"), sauce_boss)
    assert rec.result is not None and rec.result.slots["Item"].resolved == {"name": "ranch", "id": "RAN"}
    assert rec.open_seconds == 0.0


def test_search_query_is_heard_by_voice_by_default(recognizers) -> None:  # type: ignore[no-untyped-def]
    _, closed = recognizers
    grammar = compile_session(model_from_dict({"interactionModel": {"languageModel": {
        "invocationName": "finder",
        "intents": [{"name": "SearchIntent", "slots": [{"name": "query", "type": "AMAZON.SearchQuery"}],
                     "samples": ["search for {query}"]},
                    {"name": "AMAZON.StopIntent", "samples": []}],
    }}}, "inline"))
    audio = said("search for cheap flights")
    with Recognizer(DecoderConfig()) as default:
        rec = default.decode(audio, grammar)
    assert rec.result is not None and rec.result.intent == "SearchIntent"
    assert rec.result.slots["query"].value == "cheap flights"
    before = closed.decode(audio, grammar).result
    assert before is None or before.intent != "SearchIntent"


def test_by_default_an_unlisted_sauce_is_heard(sauce_boss) -> None:  # type: ignore[no-untyped-def]
    """Custom slots are open by default: an unlisted sauce gets its words, a listed one resolves as before."""
    with Recognizer(DecoderConfig()) as default:
        rec = default.decode(said("how do I make alfredo"), sauce_boss)
        assert rec.result is not None and rec.result.intent == "RecipeIntent", rec
        item = rec.result.slots["Item"]
        assert item.value == "alfredo" and item.resolved is None, item
        listed = default.decode(said("how can I make ranch"), sauce_boss)
    assert listed.open_seconds == 0.0 and listed.result is not None
    assert listed.result.slots["Item"].resolved == {"name": "ranch", "id": "RAN"}


BARISTA_KEPT = {
    # The phone loop explains a disfluent stretch better than the listed words, and the second pass hears an
    # unlisted value ("can i have a y'all light roast americano"); the grammar alone hears the labelled order,
    # and the forced choice keeps it.
    "400b19f7-7e22-4762-83e5-7502c1b32964.wav": "unlisted",
    # "... cappuccino with you are and a bit of whole milk": an unlisted value that begins with a function word
    # ("you are") is a fragment the language model filled in, not a value; the grammar alone decides.
    "6850a6f3-a413-4d1d-95e5-df0ea7df6621.wav": "unlisted",
    # The second pass does not hear the grammar's words around the slot ("brutal showed the op roast ...",
    # "eminem mako with a bit of sugar"): the order used to be rejected; now the grammar alone decides, as with
    # open slots off.
    "6d362a1d-64fe-4cb7-b12e-289dabf84713.wav": "rejected",
    "75f7e24e-7a38-4aaa-b60c-53125d454f9c.wav": "rejected",
}


@pytest.mark.parametrize("name", sorted(BARISTA_KEPT))
def test_real_orders_keep_their_listed_values(corpora: Path, name: str) -> None:
    """Real people's coffee orders that take the open slot's loop: by default they are heard as labelled; without
    the check against the grammar alone they lose a listed value or are rejected."""
    import json

    from bench.accuracy import score

    grammar = compile_session(load_model(corpora / "barista" / "model.json"))
    label = json.loads((corpora / "barista" / "labels.json").read_text())[name]
    audio = read_wav(corpora / "barista" / "wav" / name)
    with Recognizer(DecoderConfig()) as default, Recognizer(DecoderConfig(open_listed_check=False)) as unchecked:
        rec = default.decode(audio, grammar)
        assert score(rec.result.to_json() if rec.result else None, label), (rec.transcript, rec.rejected)
        assert rec.open_seconds > 0  # the loop was taken: the check ran
        lost = unchecked.decode(audio, grammar)
    assert not score(lost.result.to_json() if lost.result else None, label)
    if BARISTA_KEPT[name] == "rejected":
        assert lost.result is None and lost.rejected is not None and "open-vocabulary" in lost.rejected
    else:
        assert lost.result is not None and any(s.resolutions and s.resolved is None for s in lost.result.slots.values())


def test_out_of_domain_speech_is_not_taken_as_an_open_value(sauce_boss, recognizers) -> None:  # type: ignore[no-untyped-def]
    """Sentences of other domains: the open slot accepts none of them (whatever the grammar alone does)."""
    opened, closed = recognizers
    for sentence in ("what time does the pharmacy close tonight", "remind me to water the plants",
                     "turn off the lights in the kitchen"):
        rec = opened.decode(said(sentence), sauce_boss)
        before = closed.decode(said(sentence), sauce_boss)
        assert rec.result is None or rec.open_seconds == 0, (sentence, rec.transcript)
        if before.result is None:
            assert rec.result is None, (sentence, rec.transcript)


def test_noisy_orders_are_heard_by_the_grammar_alone(corpora: Path) -> None:
    """In kitchen noise the loop is taken often and the second pass costs seconds for nothing: a noisy utterance
    is decoded without open slots by default (``open_in_noise``)."""
    import zlib

    from assistant.audio.mix import mix_noise

    name = "02b77977-ada7-4f37-a1b3-8cb433c8c8da.wav"
    grammar = compile_session(load_model(corpora / "barista" / "model.json"))
    audio = mix_noise(read_wav(corpora / "barista" / "wav" / name), read_wav(corpora / "noise" / "kitchen.wav"),
                      snr_db=6.0, seed=zlib.crc32(name.encode()))
    with Recognizer(DecoderConfig()) as default, Recognizer(DecoderConfig(open_in_noise=True)) as opened:
        rec = default.decode(audio, grammar)
        assert rec.noisy and rec.open_seconds == 0.0 and rec.result is not None
        assert opened.decode(audio, grammar).open_seconds > 0  # the loop is taken when noise is not excluded


@pytest.mark.parametrize("voice", ["festival-kal", "festival-slt-hts"])
def test_a_listed_value_said_unlike_the_dictionary_resolves_by_sound(sauce_boss, voice: str) -> None:  # type: ignore[no-untyped-def]
    """Both festival voices end "worcestershire" in "-shire", unlike the dictionary's W UH S T ER SH ER, so the
    second pass hears other words ("worse to shire", "wurster sharp") and the check against the grammar alone keeps
    them. Their phones lie near the listed value's, so the value resolves to it (``open_resolve``), as on Alexa,
    whose recogniser is biased toward listed values; without the resolution it is an unlisted value."""
    audio = said("how can I make worcestershire", voice)
    with Recognizer(DecoderConfig()) as default, Recognizer(DecoderConfig(open_resolve=None)) as literal:
        rec = default.decode(audio, sauce_boss)
        assert rec.result is not None and rec.result.intent == "RecipeIntent", rec
        item = rec.result.slots["Item"]
        assert item.resolved is not None and item.resolved["name"] == "worcestershire", item
        assert item.value == "worcestershire" and rec.open_seconds > 0
        before = literal.decode(audio, sauce_boss)
    assert before.result is not None and before.result.slots["Item"].resolved is None, before


def test_an_unlisted_word_of_a_listed_value_stays_open(sauce_boss) -> None:  # type: ignore[no-untyped-def]
    """"mustard" is 0.3 from "honey mustard" by phones, but it is a whole word of it: another value, heard as a
    word, not the listed one said otherwise. It stays unlisted (festival's HTS voice hears it exactly)."""
    with Recognizer(DecoderConfig()) as default:
        rec = default.decode(said("how can I make mustard", "festival-slt-hts"), sauce_boss)
    assert rec.result is not None and rec.result.intent == "RecipeIntent", rec
    item = rec.result.slots["Item"]
    assert item.value == "mustard" and item.resolved is None, item


def test_typed_words_that_sound_like_a_listed_value_do_not_resolve(sauce_boss) -> None:  # type: ignore[no-untyped-def]
    """By text only exact values and synonyms resolve (as Alexa's simulator's typed text): the resolution by sound
    belongs to the recogniser."""
    from assistant.nlu.parser import parse, tokens

    result = parse(tokens("how can I make worse to shire"), sauce_boss)
    assert result is not None and result.intent == "RecipeIntent"
    assert result.slots["Item"].value == "worse to shire" and result.slots["Item"].resolved is None
