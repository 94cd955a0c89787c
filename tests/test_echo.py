"""The echo canceller (assistant.audio.echo): speexdsp's adaptive filter, the delay estimate and the residual echo
suppressor, on music fed back with a known delay and the user speaking over it. The live test on a real sound
server is tests/test_live_audio_player.py."""

from __future__ import annotations

import ctypes.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.audio.chunk import AudioChunk
from assistant.audio.devices import FileSource
from assistant.audio.echo import (
    EchoCancelledSource,
    EchoOptions,
    EchoReference,
    ResidualSuppressor,
    cancelled,
    estimate_delay,
)
from assistant.audio.wav import write_wav

RATE = 16000
T0 = 500.0
"""The monotonic instant the music starts leaving for the speaker, seconds."""

pytestmark = pytest.mark.skipif(ctypes.util.find_library("speexdsp") is None, reason="needs libspeexdsp")


def melody(seconds: float, gain: float = 1000.0) -> np.ndarray:
    """Notes of a quarter second, as the live test's radio plays: pure tones, the hardest music to cancel."""
    t = np.arange(RATE // 4) / RATE
    notes = np.concatenate([np.sin(2 * np.pi * f * t) for f in (440, 554, 659, 880, 659, 554, 440, 330)])
    return (np.resize(notes, int(seconds * RATE)) * gain).astype(np.int16)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


class FedBack:
    """A microphone hearing the speaker ``delay`` seconds late, ``echo`` times as loud, with the user's ``speech``
    added; it says when each sample was captured (with the few milliseconds of jitter a real read has)."""

    rate = RATE
    block_ms = 30
    realtime = True

    def __init__(self, played: np.ndarray, delay: float, speech: np.ndarray, echo: float = 0.8) -> None:
        lag = round(delay * RATE)
        heard = np.zeros(played.size)
        heard[lag:] = echo * played[: played.size - lag]
        noise = np.random.default_rng(0).normal(0, 5, played.size)
        self.samples = np.clip(heard + speech + noise, -32768, 32767).astype(np.int16)
        self._jitter = np.random.default_rng(1)

    def __enter__(self) -> FedBack:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __iter__(self) -> Iterator[AudioChunk]:
        for first in range(0, self.samples.size - 479, 480):
            yield AudioChunk(self.samples[first : first + 480], RATE, first / RATE)

    def capture_time(self, at: float) -> float:
        return T0 + at + float(self._jitter.normal(0, 0.002))

    def timeline(self, when: float) -> float:
        return when - T0


def run(played: np.ndarray, delay: float, speech: np.ndarray, **options: Any) -> tuple[np.ndarray, EchoCancelledSource]:
    reference = EchoReference(seconds=30.0)
    for first in range(0, played.size, 256):  # as the speaker's callback hands it over, a buffer at a time
        reference.write(played[first : first + 256], T0 + first / RATE)
    mic = FedBack(played, delay, speech)
    source = EchoCancelledSource(mic, reference, EchoOptions(**options))
    with source:
        out = np.concatenate([chunk.samples for chunk in source])
    return out, source


@pytest.mark.parametrize("delay", [0.0, 0.037, 0.120, 0.430])
def test_the_delay_is_found_to_the_sample(delay: float) -> None:
    played = melody(2.0)
    lag = round(delay * RATE)
    heard = np.concatenate([np.zeros(lag), 0.5 * played])[: played.size]
    lo, hi = -1600, 8000
    start = 8000  # a second of microphone from 0.5 s on, against the reference around it
    reference = np.concatenate([np.zeros(hi), played, np.zeros(-lo)])[start : start + RATE + hi - lo]
    found, sureness = estimate_delay(heard[start : start + RATE], reference, lo, hi)
    assert found == lag and sureness > 40


def test_nothing_in_common_is_no_clear_delay() -> None:
    rng = np.random.default_rng(3)
    _, sureness = estimate_delay(rng.normal(0, 1000, RATE), rng.normal(0, 1000, RATE + 9600), -1600, 8000)
    assert sureness < 40


def test_music_fed_back_is_taken_out_and_the_user_is_kept() -> None:
    played = melody(10.0)
    speech = np.zeros(played.size)
    rng = np.random.default_rng(2)
    speech[7 * RATE : 8 * RATE] = rng.normal(0, 1500, RATE) * np.hanning(RATE)  # the user, over the music
    out, source = run(played, 0.061, speech)
    assert source.delay == pytest.approx(round(0.061 * RATE), abs=100)  # and the first read's jitter
    mic = FedBack(played, 0.061, speech).samples
    for a, b in ((3.0, 7.0), (8.5, 10.0)):  # music alone, after a second or two to learn it
        erle = 20 * np.log10(rms(mic[int(a * RATE) : int(b * RATE)]) / rms(out[int(a * RATE) : int(b * RATE)]))
        assert erle > 20, f"{erle:.1f} dB less echo from {a} s to {b} s"
    user = slice(int(7.3 * RATE), int(7.7 * RATE))
    assert rms(out[user]) == pytest.approx(rms(speech[user]), rel=0.3)  # what the user said comes through
    assert source.stats().erle_db is not None and source.stats().erle_db > 10


def test_without_the_suppressor_the_filter_alone_takes_out_less() -> None:
    played = melody(8.0)
    speech = np.zeros(played.size)
    mic = FedBack(played, 0.05, speech).samples
    alone, _ = run(played, 0.05, speech, suppress=False)
    both, _ = run(played, 0.05, speech)
    window = slice(4 * RATE, 8 * RATE)
    assert rms(mic[window]) / rms(alone[window]) > 3  # the filter alone: some 10 to 20 dB on pure tones
    assert rms(both[window]) < rms(alone[window]) / 3


def test_the_suppressor_keeps_what_the_reference_does_not_hold() -> None:
    suppressor = ResidualSuppressor(EchoOptions())
    t = np.arange(3 * RATE) / RATE
    played = (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16)
    voice = (np.sin(2 * np.pi * 1900 * t) * 800).astype(np.int16)  # another frequency, not in the reference
    heard = (np.roll(played, 400) * 0.1 + voice).astype(np.int16)
    out = suppressor.process(heard, heard, played)[RATE:]
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    freqs = np.fft.rfftfreq(out.size, 1 / RATE)
    near = lambda f: spectrum[np.abs(freqs - f) < 20].max()  # noqa: E731
    original = np.abs(np.fft.rfft(heard[RATE:].astype(np.float64)))
    assert near(1900) == pytest.approx(original[np.abs(freqs - 1900) < 20].max(), rel=0.1)
    assert near(440) < original[np.abs(freqs - 440) < 20].max() / 10


def test_the_reference_joins_buffers_and_is_silent_where_nothing_played() -> None:
    reference = EchoReference(seconds=1.0)
    ones = np.ones(160, np.int16)
    reference.write(ones, 10.0)
    reference.write(2 * ones, 10.0 + 160 / RATE + 0.003)  # 3 ms late by the device's clock: it follows on
    assert list(reference.read(0, 320)) == [1] * 160 + [2] * 160
    reference.write(3 * ones, 10.5)  # after a pause: where its time says, silence before it
    assert reference.read(320, 100).tolist() == [0] * 100
    assert reference.read(reference.index(10.5), 160).tolist() == [3] * 160
    reference.write(4 * ones, 11.5, join=False)
    assert reference.read(0, 320).tolist() == [0] * 320  # more than a second ago: gone


def test_a_recording_is_not_echo_cancelled(tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    write_wav(wav, np.zeros(RATE, np.int16), RATE)
    source = FileSource(wav)
    assert cancelled(source, EchoReference(), EchoOptions()) is source
    assert cancelled(FedBack(melody(1.0), 0.0, np.zeros(RATE)), None, EchoOptions()) is not None
