"""Speech synthesis through the real espeak-ng (library and command line) and sox; SSML rendering."""

from __future__ import annotations

import hashlib
import logging
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.wav import read_wav_native, write_wav
from assistant.tts.speaker import ENGLISH_VOICES, EspeakSpeaker, Speaker, SynthesisCrash, SynthesisError
from assistant.tts.ssml import AudioClip, espeak_segments, split_sentences, ssml_to_text
from assistant.tts.synth import concat_wavs, silence, synthesize_samples, synthesize_wav


def seconds(samples: np.ndarray) -> float:
    return samples.size / 16000


def phonemes(ssml: str) -> str:
    """What espeak-ng would say for an SSML document, as its phoneme mnemonics (no audio)."""
    done = subprocess.run(["espeak-ng", "-v", "en-us", "-m", "-q", "-x", "--stdin"], input=ssml.encode(),
                          capture_output=True, check=True)
    return re.sub(r"_[!:|]|\s", "", done.stdout.decode())  # pauses and intonation breaks are not words


# --- deterministic synthesis ------------------------------------------------------------------------------------


def test_synthesize_wav_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = synthesize_wav("a large latte with oat milk", tmp_path / "a.wav")
    second = synthesize_wav("a large latte with oat milk", tmp_path / "b.wav")
    other = synthesize_wav("a small mocha", tmp_path / "c.wav")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second, other)]
    assert digest[0] == digest[1]
    assert digest[0] != digest[2]
    samples, rate = read_wav_native(first)
    assert rate == 16000
    assert 1.0 < samples.size / rate < 3.0


def test_synthesize_wav_rate_and_pitch_change_the_speech(tmp_path: Path) -> None:
    normal = synthesize_samples("turn on the kitchen lights")
    fast = synthesize_samples("turn on the kitchen lights", rate_wpm=300)
    high = synthesize_samples("turn on the kitchen lights", pitch=90)
    assert seconds(fast) < 0.75 * seconds(normal)
    assert not np.array_equal(high, normal)


def test_synthesize_wav_rejects_unknown_voice(tmp_path: Path) -> None:
    with pytest.raises(SynthesisError, match="espeak-ng failed"):
        synthesize_wav("hello", tmp_path / "x.wav", voice="zz-nonexistent")


@pytest.mark.parametrize("voice", ENGLISH_VOICES)
def test_every_listed_english_voice_exists(voice: str) -> None:
    done = subprocess.run(["espeak-ng", "-v", voice, "-q", "x"], capture_output=True)
    assert done.returncode == 0, done.stderr


def test_voice_variants_sound_different() -> None:
    base = synthesize_samples("hello there", voice="en-us")
    female = synthesize_samples("hello there", voice="en-us+f3")
    british = synthesize_samples("hello there", voice="en-gb")
    assert not np.array_equal(base[:8000], female[:8000])
    assert not np.array_equal(base[:8000], british[:8000])


def test_silence_and_concat_build_a_conversation(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", np.full(2400, 100, np.int16), rate=24000)  # 0.1 s at 24 kHz
    speech = np.ones(800, np.int16)
    joined = concat_wavs([silence(0.5), speech, path, silence(0.25)])
    assert joined.size == 8000 + 800 + 1600 + 4000
    assert not np.any(joined[:8000]) and np.all(joined[8000:8800] == 1)
    assert np.all(np.abs(joined[8900:10300] - 100) <= 1)


# --- EspeakSpeaker ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speaker() -> EspeakSpeaker:
    return EspeakSpeaker()


def test_plain_text_goes_through_pyttsx3(speaker: EspeakSpeaker, caplog: pytest.LogCaptureFixture) -> None:
    fresh = EspeakSpeaker()
    assert isinstance(fresh, Speaker)
    with caplog.at_level(logging.INFO, logger="assistant.tts.speaker"):
        audio = fresh.synthesize("Welcome to the coffee shop.")
    assert "speaking with pyttsx3 (libespeak-ng)" in caplog.text
    assert audio.dtype == np.int16
    cli = synthesize_samples("Welcome to the coffee shop.", rate_wpm=175)
    assert seconds(audio) == pytest.approx(seconds(cli), rel=0.15)
    assert np.max(np.abs(audio)) > 3000


def test_pyttsx3_failure_falls_back_to_the_command_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # pyttsx3 breaking (a driver error, a stuck run loop) cannot be caused on demand: inject it.
    fresh = EspeakSpeaker()

    def broken(text: str) -> np.ndarray:
        raise RuntimeError("run loop already started")

    monkeypatch.setattr(fresh, "_pyttsx3", broken)
    with caplog.at_level(logging.INFO, logger="assistant.tts.speaker"):
        audio = fresh.synthesize("What would you like?")
    assert "pyttsx3 failed (RuntimeError: run loop already started); falling back" in caplog.text
    assert "speaking with the espeak-ng command line" in caplog.text
    assert 0.8 < seconds(audio) < 2.5


def test_a_segfault_in_libespeak_ng_is_not_the_assistants(caplog: pytest.LogCaptureFixture) -> None:
    """libespeak-ng segfaults on 10,000 words (the crash that took `assistant run` down): it happens in the
    helper process, the command line speaks instead, and the helper is started afresh for the next text."""
    with EspeakSpeaker() as fresh, caplog.at_level(logging.INFO, logger="assistant.tts.speaker"):
        long = fresh.synthesize("word " * 10_000)
        assert "pyttsx3 failed (SynthesisCrash: pyttsx3's process was killed by signal 11 (SIGSEGV)" in caplog.text
        assert "speaking with the espeak-ng command line" in caplog.text
        assert seconds(long) > 600
        caplog.clear()
        assert seconds(fresh.synthesize("Welcome back.")) > 0.3
        assert "speaking with pyttsx3 (libespeak-ng)" in caplog.text


def test_a_sentence_that_crashes_every_synthesizer_is_left_out(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = EspeakSpeaker()

    def crashes(text: str, markup: bool) -> np.ndarray:
        raise SynthesisCrash(f"espeak-ng was killed by signal 11 (SIGSEGV) on {text[:60]!r}")

    monkeypatch.setattr(fresh, "_pyttsx3", lambda text: crashes(text, False))
    monkeypatch.setattr(fresh, "_cli", crashes)
    with caplog.at_level(logging.ERROR, logger="assistant.tts.speaker"):
        assert list(fresh.synthesize_sentences("<speak>First. Second.</speak>", ssml=True)) == []
    assert "a sentence is left unspoken: espeak-ng was killed by signal 11 (SIGSEGV)" in caplog.text


def test_empty_text_is_silent_not_a_hang(speaker: EspeakSpeaker) -> None:
    assert speaker.synthesize("   ").size == 0
    assert list(speaker.synthesize_sentences("")) == []


def test_unknown_voice_is_a_clear_error() -> None:
    with pytest.raises(
        SynthesisError, match="espeak-ng has no voice 'zz-nonexistent'.*English voices: en-us"
    ):
        EspeakSpeaker(voice="zz-nonexistent").synthesize("hello")


def test_volume_scales_the_output() -> None:
    loud = EspeakSpeaker(volume=1.0).synthesize("<speak>hello</speak>", ssml=True)
    quiet = EspeakSpeaker(volume=0.3).synthesize("<speak>hello</speak>", ssml=True)
    assert np.max(np.abs(quiet)) < 0.5 * np.max(np.abs(loud))


def test_ssml_break_is_silence_not_words(speaker: EspeakSpeaker) -> None:
    plain = speaker.synthesize("<speak>hello world</speak>", ssml=True)
    paused = speaker.synthesize("<speak>hello <break time='500ms'/> world</speak>", ssml=True)
    assert seconds(paused) - seconds(plain) == pytest.approx(0.5, abs=0.12)
    # The pause is there as silence: the longest quiet stretch (20 ms frames) is at least 0.4 s.
    frames = np.abs(paused[: paused.size // 320 * 320].reshape(-1, 320)).max(axis=1)
    quiet = max(len(run) for run in "".join("q" if f < 200 else "." for f in frames).split("."))
    assert quiet * 0.02 >= 0.4


@pytest.mark.parametrize(
    "markup",
    [
        "<amazon:effect name='whispered'>hello world</amazon:effect>",
        "<amazon:emotion name='excited' intensity='medium'>hello world</amazon:emotion>",
        "<voice name='Joanna'>hello world</voice>",
        "<lang xml:lang='en-GB'>hello world</lang>",
        "<amazon:domain name='news'>hello <mark name='m1'/>world</amazon:domain>",
        "<emphasis level='strong'>hello</emphasis> <prosody rate='slow'>world</prosody>",
        "hello <phoneme alphabet='ipa' ph='wɝld'>world</phoneme>",
    ],
)
def test_no_tag_names_are_spoken(markup: str) -> None:
    segments = espeak_segments(f"<speak>{markup}</speak>")
    assert len(segments) == 1 and isinstance(segments[0], str)
    assert phonemes(segments[0]) == phonemes("<speak>hello world</speak>")


def test_ssml_say_as_is_spoken_as_meant(speaker: EspeakSpeaker) -> None:
    [segment] = espeak_segments("<speak>Call <say-as interpret-as='telephone'>911</say-as></speak>")
    assert phonemes(segment) == phonemes("<speak>Call 9 1 1</speak>")
    [segment] = espeak_segments("<speak>the <say-as interpret-as='ordinal'>2</say-as> one</speak>")
    assert phonemes(segment) == phonemes("<speak>the second one</speak>")


def test_ssml_sentences_come_one_at_a_time(speaker: EspeakSpeaker, tmp_path: Path) -> None:
    tone = np.full(4800, 2000, np.int16)  # 0.3 s
    write_wav(tmp_path / "ding.wav", tone)
    ssml = (
        "<speak>Your order is ready. <audio src='ding.wav'/> <audio src='https://example.com/x.mp3'/>"
        "<prosody rate='fast'>Enjoy it! Come back soon.</prosody></speak>"
    )
    sentences = EspeakSpeaker(audio_dir=tmp_path).synthesize_sentences(ssml, ssml=True)
    assert not isinstance(sentences, list)  # a generator: the first can play while the rest are synthesized
    parts = list(sentences)
    assert len(parts) == 4
    assert np.array_equal(parts[1], tone)
    assert all(seconds(p) > 0.3 for p in (parts[0], parts[2], parts[3]))


def test_missing_and_remote_audio_are_skipped_with_a_log_line(
    speaker: EspeakSpeaker, caplog: pytest.LogCaptureFixture
) -> None:
    ssml = "<speak>Hi. <audio src='https://x.example/a.mp3'/><audio src='/no/such/file.wav'/></speak>"
    with caplog.at_level(logging.INFO, logger="assistant.tts.speaker"):
        parts = list(speaker.synthesize_sentences(ssml, ssml=True))
    assert len(parts) == 1
    assert "skipping SSML audio https://x.example/a.mp3: only local files" in caplog.text
    assert "skipping SSML audio /no/such/file.wav" in caplog.text


def test_audio_that_would_never_end_is_skipped(speaker: EspeakSpeaker, caplog: pytest.LogCaptureFixture) -> None:
    """A skill naming /dev/zero (or a FIFO) must not make the assistant read forever."""
    ssml = "<speak>Hi. <audio src='/dev/zero'/><audio src='file:///dev/urandom'/></speak>"
    with caplog.at_level(logging.INFO, logger="assistant.tts.speaker"):
        parts = list(speaker.synthesize_sentences(ssml, ssml=True))
    assert len(parts) == 1
    assert "skipping SSML audio /dev/zero: not a regular file" in caplog.text
    assert "skipping SSML audio file:///dev/urandom: not a regular file" in caplog.text


def test_plain_text_sentences(speaker: EspeakSpeaker) -> None:
    parts = list(speaker.synthesize_sentences("Hello there. How can I help?"))
    assert len(parts) == 2 and all(p.size > 4000 for p in parts)


# --- SSML text ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ssml", "text"),
    [
        ("<speak>hello <break time='500ms'/> world</speak>", "hello world"),
        ("<speak>Spell it: <say-as interpret-as='characters'>abc</say-as>.</speak>", "Spell it: a b c."),
        ('<speak><say-as interpret-as="spell-out">NASA</say-as></speak>', "N A S A"),
        ("<speak>Tom &amp; Jerry &lt;3 &quot;hi&quot;</speak>", 'Tom & Jerry <3 "hi"'),
        ("<speak><p>One.</p><p>Two.</p></speak>", "One. Two."),
        ("<speak><s>a</s><s>b</s></speak>", "a b"),
        ("<speak><sub alias='World Wide Web'>WWW</sub></speak>", "World Wide Web"),
        ("<speak><amazon:effect name='whispered'>secret</amazon:effect>!</speak>", "secret!"),
        ("<speak>the <say-as interpret-as='ordinal'>3</say-as> time</speak>", "the 3rd time"),
        ("<speak>ding <audio src='soundbank://x'/> dong</speak>", "ding dong"),
        ("<speak><!-- note -->hi</speak>", "hi"),
        ("plain words", "plain words"),
        ("<speak>unclosed <emphasis>tag", "unclosed tag"),
        ("<speak>stray </prosody> close</speak>", "stray close"),
        ("<speak>cut off <break", "cut off"),
        ("<<<>>>", "<<<>>>"),
        ("<speak>a < b</speak>", "a < b"),
        ("", ""),
    ],
)
def test_ssml_to_text(ssml: str, text: str) -> None:
    assert ssml_to_text(ssml) == text


def test_espeak_segments_split_sentences_keep_open_tags_and_audio() -> None:
    segments = espeak_segments(
        "<speak><break time='1s'/>Hi there. <prosody rate='slow'>How are you? Fine.</prosody>"
        "<audio src='a.wav'/>Bye<break time='2s'/></speak>"
    )
    assert segments == [
        "<speak><break time='1s'/>Hi there. </speak>",
        "<speak><prosody rate='slow'>How are you? </prosody></speak>",
        "<speak><prosody rate='slow'>Fine.</prosody></speak>",
        AudioClip("a.wav"),
        "<speak>Bye<break time='2s'/></speak>",
    ]


def test_split_sentences() -> None:
    assert split_sentences('Hello! Is it "on?" Yes. ok') == ["Hello!", 'Is it "on?"', "Yes.", "ok"]
