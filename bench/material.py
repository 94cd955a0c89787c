"""The voice benchmark's recordings, built from ``bench.conversations`` (what is said) and ``bench.voices`` (who
says it), and the wake corpus. Deterministic: the same cases, in the same order, on every run."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from assistant.audio.wav import read_wav
from bench import conversations as conv
from bench import voices as vo
from bench.voice import RATE, Case, Expect, add_noise, silence

AFTER = 2.5
"""Seconds of silence after the last thing said (endpointing and the reply fit in it)."""
PAUSE = 1.5
"""Seconds between turns of a conversation: the reply (not synthesized here) would sound in it."""
NOISE_SESSION = 20.0
"""Seconds of noise alone after a skill opened: its reprompt (8 s) and the end of the session (8 s more)."""
NOISE_MINUTES = 30.0
"""Noise-only listening in all, over both noise levels."""


def voices(names: Sequence[str] | None) -> list[str]:
    chosen = [vo.voice(n).name for n in names] if names else [v.name for v in vo.available()]
    return chosen


def _say(text: str, voice: str) -> np.ndarray:
    return vo.synthesize(text, voice)


def _level(said: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``said`` scaled to the loudness of ``like`` (largest 2048-sample frame energy): one person says both."""
    from assistant.audio.mix import max_frame_energy

    target, own = max_frame_energy(like), max_frame_energy(said)
    if own <= 0 or target <= 0:
        return said
    return np.clip(said.astype(np.float64) * np.sqrt(target / own), -32768, 32767).astype(np.int16)


def _conversation(parts: Sequence[np.ndarray | float]) -> np.ndarray:
    return np.concatenate([silence(p) if isinstance(p, float) else p for p in parts])


def _tag(voice: str) -> str:
    return voice + (" (held out)" if vo.voice(voice).held_out else "")


def cases(kind: str, corpora: Path, noise: np.ndarray, voice_names: Sequence[str], quick: bool) -> Iterator[Case]:
    build = {
        "real-wake": _wake_then_request, "other-wake": _other_then_request, "request": _requests,
        "answer": _answers, "noise": _noise_sessions, "everyday": _everyday,
        "cut-request": _cut_requests, "cut-answer": _cut_answers,
    }[kind]
    yield from build(corpora, noise, list(voice_names), quick)


def _request_expect(r: conv.Request) -> Expect:
    return Expect(r.intent, r.skill, dict(r.slots))


def _wake_then_request(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    """Each real "alexa", 0.25 s, then a request by a synthesized voice (voices and requests in rotation)."""
    files = sorted((corpora / "wake" / "alexa").iterdir())[:: 4 if quick else 1]
    requests = conv.dev(conv.REQUESTS)
    for cond, snr in (("clean", None), ("10 dB", 10.0)):
        for i, path in enumerate(files):
            r, voice = requests[i % len(requests)], voice_names[i % len(voice_names)]
            try:
                wake = read_wav(path)
            except Exception:  # counted as a miss: the case hears silence where the wake word was
                wake = silence(0.8)
            said = _level(_say(r.text, voice), wake)
            audio = _conversation([1.0, wake, 0.25, said, AFTER])
            if snr is not None:
                audio = add_noise(audio, said, noise, snr, seed=i)
            yield Case("real-wake", cond, path.name.split("-")[0], r.text, audio, _request_expect(r))


def _other_then_request(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    files = sorted((corpora / "wake" / "other").iterdir())[:: 4 if quick else 1]
    requests = conv.dev(conv.REQUESTS)
    for cond, snr in (("clean", None), ("10 dB", 10.0)):
        for i, path in enumerate(files):
            r, voice = requests[i % len(requests)], voice_names[i % len(voice_names)]
            wake = read_wav(path)
            said = _level(_say(r.text, voice), wake)
            audio = _conversation([1.0, wake, 0.25, said, AFTER])
            if snr is not None:
                audio = add_noise(audio, said, noise, snr, seed=i)
            phrase = path.name.rsplit("-", 5)[0]
            yield Case("other-wake", cond, phrase, r.text, audio, Expect(None), checks="none")


def _requests(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    requests = conv.REQUESTS[::3] if quick else conv.REQUESTS
    for cond, snr in (("clean", None), ("20 dB", 20.0), ("10 dB", 10.0)):
        for v, voice in enumerate(voice_names):
            for i, r in enumerate(requests):
                said = _say(r.spoken, voice)
                audio = _conversation([1.0, said, AFTER])
                if snr is not None:
                    audio = add_noise(audio, said, noise, snr, seed=100 * v + i)
                yield Case("request", cond, _tag(voice), r.spoken, audio, _request_expect(r))


def _answers(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    answers = conv.ANSWERS[::3] if quick else conv.ANSWERS
    for cond, snr in (("clean", None), ("20 dB", 20.0)):
        for v, voice in enumerate(voice_names):
            for i, a in enumerate(answers):
                turns = [f"{conv.WAKE_WORD}, {a.setup[0]}", *a.setup[1:], a.text]
                spoken = [_say(t, voice) for t in turns]
                parts: list[np.ndarray | float] = [1.0]
                for s in spoken:
                    parts += [s, PAUSE]
                parts[-1] = AFTER
                audio = _conversation(parts)
                if snr is not None:
                    audio = add_noise(audio, spoken[-1], noise, snr, seed=1000 + 100 * v + i)
                expect = Expect(a.intent, a.skill, dict(a.slots))
                yield Case("answer", cond, _tag(voice), " / ".join(turns), audio, expect, checks=f"turn:{len(turns)}")


def _noise_sessions(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    """A skill's session opened (typed), then kitchen noise alone, running from the first sample to the end of the
    session: nothing may reach the skill. The noise's gain is set against the voice's own request, as if that
    voice had opened the skill in the same room."""
    openers = [r for r in conv.dev(conv.REQUESTS) if r.intent == "LaunchRequest"]
    per_level = int(NOISE_MINUTES * 60 / 2 / NOISE_SESSION)
    if quick:
        per_level //= 4
    for cond, snr in (("20 dB", 20.0), ("10 dB", 10.0)):
        for i in range(per_level):
            r, voice = openers[i % len(openers)], voice_names[i % len(voice_names)]
            said = _say(r.text, voice)
            # mixed as if the request had been said in the noise, then the request taken out: the noise's level is
            # the one it would have next to that voice
            mixed = add_noise(np.concatenate([said, silence(NOISE_SESSION)]), said, noise, snr, seed=5000 + i)
            audio = mixed[said.size :]
            yield Case("noise", cond, _tag(voice), r.text, audio, _request_expect(r), setup=(r.text,), checks="none")


CUT_PAD = 0.3
"""Seconds of silence either side of an utterance in a ``cut-*`` case."""


def _cut_requests(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    """The requests of ``request`` without the wake word, cut exactly, decoded alone with the top-level grammar:
    the most this acoustic model and grammar can give the loop (no wake word, no endpointing to get wrong)."""
    requests = conv.REQUESTS[::3] if quick else conv.REQUESTS
    for cond, snr in (("clean", None), ("20 dB", 20.0), ("10 dB", 10.0)):
        for v, voice in enumerate(voice_names):
            for i, r in enumerate(requests):
                said = _say(r.text, voice)
                audio = _conversation([CUT_PAD, said, CUT_PAD])
                if snr is not None:
                    audio = add_noise(audio, said, noise, snr, seed=100 * v + i)
                yield Case("cut-request", cond, _tag(voice), r.text, audio, _request_expect(r), checks="cut")


def _cut_answers(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    """The answers of ``answer``, cut exactly, decoded alone with the open session's grammar (the setup typed)."""
    answers = conv.ANSWERS[::3] if quick else conv.ANSWERS
    for cond, snr in (("clean", None), ("20 dB", 20.0)):
        for v, voice in enumerate(voice_names):
            for i, a in enumerate(answers):
                said = _say(a.text, voice)
                audio = _conversation([CUT_PAD, said, CUT_PAD])
                if snr is not None:
                    audio = add_noise(audio, said, noise, snr, seed=1000 + 100 * v + i)
                expect = Expect(a.intent, a.skill, dict(a.slots))
                yield Case("cut-answer", cond, _tag(voice), a.text, audio, expect, setup=a.setup, checks="cut")


EVERYDAY_CHUNK = 300.0
"""Seconds per everyday-speech recording."""


def _everyday(corpora: Path, noise: np.ndarray, voice_names: list[str], quick: bool) -> Iterator[Case]:
    """Each voice reads its own slice of the everyday sentences, with natural gaps, in 5-minute recordings."""
    path = Path(__file__).with_name("everyday_sentences.txt")
    sentences = [s.strip() for s in path.read_text().splitlines() if s.strip() and not s.startswith("#")]
    rng = random.Random(7)
    n = len(voice_names)
    for v, voice in enumerate(voice_names):
        mine = sentences[v::n]
        if quick:
            mine = mine[:: 4]
        parts: list[np.ndarray] = []
        length = 0
        chunk = 0
        for s in mine:
            said = _say(s, voice)
            gap = silence(rng.uniform(0.3, 1.2))
            parts += [said, gap]
            length += said.size + gap.size
            if length >= EVERYDAY_CHUNK * RATE:
                yield from _everyday_case(parts, voice, chunk, noise)
                parts, length, chunk = [], 0, chunk + 1
        if parts:
            yield from _everyday_case(parts, voice, chunk, noise)


def _everyday_case(parts: list[np.ndarray], voice: str, chunk: int, noise: np.ndarray) -> Iterator[Case]:
    audio = _conversation([1.0, *parts, 1.0])
    typical = max(parts[::2], key=lambda p: p.size)
    yield Case("everyday", "clean", _tag(voice), f"chunk {chunk}", audio, Expect(None), checks="none")
    noisy = add_noise(audio, typical, noise, 10.0, seed=9000 + chunk)
    yield Case("everyday", "10 dB", _tag(voice), f"chunk {chunk}", noisy, Expect(None), checks="none")
