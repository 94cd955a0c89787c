"""Streams decoded by PyAV (issue 14): MP3, AAC/M4A, Ogg/Opus and an HLS playlist served by a real local HTTP server
started by the test; the sound decoded is the tone that was served."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streams import dominant_frequency, encode, hls, serve, tone

from assistant.audio.stream import RATE, MixOutput, StreamReader, probe_stream
from assistant.runtime.audioplayer import PlaybackError


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("served")
    encode(tone(440, 4.0), folder / "a440.mp3", "libmp3lame")
    encode(tone(550, 4.0), folder / "a550.m4a", "aac")
    encode(tone(880, 4.0), folder / "a880.ogg", "libopus")
    hls(tone(660, 7.0), folder / "hls")
    with serve(folder, radio=(folder / "a440.mp3").read_bytes()) as base:
        yield base


@pytest.mark.parametrize(
    ("path", "frequency", "seconds"),
    [("/a440.mp3", 440, 4.0), ("/a550.m4a", 550, 4.0), ("/a880.ogg", 880, None), ("/hls/index.m3u8", 660, 7.0)],
)
def test_what_is_decoded_is_the_tone_served(served: str, path: str, frequency: float, seconds: float | None) -> None:
    reader = StreamReader(served + path).start()
    try:
        samples = reader.read(RATE * 10)
    finally:
        reader.stop()
    if seconds is not None:
        assert reader.length == pytest.approx(seconds, abs=0.1)
        assert samples.size == pytest.approx(seconds * RATE, abs=0.1 * RATE)  # the whole stream, and no more
    assert dominant_frequency(samples[RATE // 4 : -RATE // 4], RATE) == pytest.approx(frequency, abs=3)
    assert np.abs(samples[RATE : 2 * RATE]).max() > 8000  # at the level served


def test_a_live_stream_has_no_length_and_an_offset_in_a_file_is_honoured(served: str) -> None:
    assert probe_stream(served + "/radio") is None
    reader = StreamReader(served + "/radio").start()
    assert reader.live and reader.read(RATE).size == RATE
    reader.stop()
    mp3 = StreamReader(served + "/a440.mp3", offset_ms=3000).start()
    rest = mp3.read(RATE * 4)
    mp3.stop()
    assert rest.size == pytest.approx(RATE, abs=0.1 * RATE)  # one second of four is left


def test_unreachable_and_missing_streams_fail_with_alexas_error_types(served: str) -> None:
    with pytest.raises(PlaybackError) as missing:
        probe_stream(served + "/nothing.mp3")
    assert missing.value.error_type == "MEDIA_ERROR_INVALID_REQUEST"
    with pytest.raises(PlaybackError) as refused:
        probe_stream("http://127.0.0.1:9/radio.mp3")
    assert refused.value.error_type == "MEDIA_ERROR_SERVICE_UNAVAILABLE"
    with pytest.raises(PlaybackError):
        probe_stream(str(Path(__file__)))  # not audio


def test_the_mix_output_counts_what_was_taken_and_tells_the_end(served: str) -> None:
    output = MixOutput()
    output.start(served + "/a440.mp3", 0)
    taken = 0
    events = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        block = output.take(480)
        assert block is not None and block.size == 480
        taken += 480
        event = output.poll()
        if event is not None:
            events.append(event.kind)
            if event.kind == "finished":
                break
    assert "nearly-finished" in events and events[-1] == "finished"
    assert output.offset() == pytest.approx(4000, abs=100)
    assert output.take(480) is None
    output.stop()
