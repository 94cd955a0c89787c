"""The voice benchmark's speech material: bench/voices.py, bench/everyday_sentences.txt, bench/conversations.py."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bench import conversations as conv
from bench import voices as bv

NEAR = re.compile(
    r"\b(alex\w*|alec|lexi\w*|lexus|elect\w*|alas|alaska\w*|excellent|relax\w*|legs?|dyslexia|ask her)\b", re.I
)


def test_voices_are_named_once_and_split_into_dev_and_held_out() -> None:
    assert len(bv.VOICES) >= 8
    assert len({v.name for v in bv.VOICES}) == len(bv.VOICES)
    for group in (bv.dev_voices(), bv.held_out_voices()):
        assert {v.engine for v in group} >= {"espeak", "festival", "flite"}
        assert {v.sex for v in group} == {"m", "f"}
    assert {v.spec for v in bv.VOICES} >= {"voice_kal_diphone", "voice_cmu_us_slt_arctic_hts"}


def test_text_is_cleaned_for_the_engines() -> None:
    assert bv.clean_text("I\u2019ll ask her at 5") == "I'll ask her at five"
    assert bv.clean_text('"Who\'s there?" she said') == "Who's there? she said"
    assert bv.clean_text("the kids' toys & 73 cars") == "the kids toys and seventy three cars"
    assert bv.number_words(100) == "one hundred" and bv.number_words(41) == "forty one"


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")), reason="needs espeak-ng and sox")
def test_synthesis_is_cached_and_the_same_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = bv.synthesize("open wise guy", "espeak-en-us")
    (cached,) = (tmp_path / "assistant" / "bench-voices" / "espeak-en-us").glob("*.wav")
    assert first.dtype == np.int16 and 0.8 < first.size / 16000 < 2.5
    assert np.array_equal(bv.synthesize("open wise guy", "espeak-en-us"), first)
    assert np.array_equal(bv.synthesize("open wise guy", "espeak-en-us", cache=False), first)
    assert cached.exists()


@pytest.mark.skipif(not shutil.which("text2wave"), reason="needs festival")
def test_a_festival_voice_speaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    try:
        samples = bv.synthesize("who's there", "festival-kal")
    except bv.VoiceUnavailable as exc:
        pytest.skip(str(exc))
    assert 0.5 < samples.size / 16000 < 2.5 and np.abs(samples).max() > 3000


def test_the_everyday_sentences_never_say_the_wake_word() -> None:
    sentences = bv.everyday_sentences()
    assert len(sentences) >= 600
    assert len(set(sentences)) == len(sentences)
    assert not [s for s in sentences if re.search(r"\balexa\b", s, re.I)]
    assert all(6 <= len(s.split()) <= 20 for s in sentences), [s for s in sentences if not 6 <= len(s.split()) <= 20]
    near = sum(bool(NEAR.search(s)) for s in sentences) / len(sentences)
    assert 0.15 <= near <= 0.25


def test_each_everyday_sentence_is_said_by_two_voices_each_with_its_own_slice() -> None:
    pairs = bv.everyday_slices(copies=2)
    sentences = bv.everyday_sentences()
    assert len(pairs) == 2 * len(sentences)
    by_sentence: dict[str, set[str]] = {}
    for v, text in pairs:
        by_sentence.setdefault(text, set()).add(v.name)
    assert all(len(names) == 2 for names in by_sentence.values())
    counts = Counter(v.name for v, _ in pairs)
    assert set(counts) == {v.name for v in bv.VOICES} and max(counts.values()) - min(counts.values()) <= 2


def test_every_skill_and_answer_kind_has_dev_and_held_out_cases() -> None:
    for cases in (conv.REQUESTS, conv.ANSWERS):
        assert conv.dev(cases) and conv.held_out(cases)
    for skill in conv.INVOCATION:
        assert {r.held_out for r in conv.REQUESTS if r.skill == skill} == {False, True}, skill
    kinds = {a.kind for a in conv.ANSWERS}
    assert kinds >= {"yes", "no", "stop", "help", "number", "whos-there", "one-word", "cancel"}
    for kind in kinds:
        assert {a.held_out for a in conv.ANSWERS if a.kind == kind} == {False, True}, kind
    texts = [c.text for c in conv.REQUESTS] + [a.text for a in conv.ANSWERS] + [w.text for w in conv.WAKE_IN_SESSION]
    assert not [t for t in texts if "alexa" in t]


@pytest.mark.slow
def test_every_conversation_case_is_right_by_text(cache: Path) -> None:
    assert conv.check_by_text() == []
