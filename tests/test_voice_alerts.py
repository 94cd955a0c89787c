"""A timer set and stopped by voice (issue 15), from one synthesized recording through ``assistant run --input``:
the bundled clock skill (Node, no dependencies, so no setup) sets the timer through the real Timers API; the timer
rings on the recording's own clock, its announcement is said again while it rings, and "alexa, stop" stops it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.audio.wav import write_wav
from assistant.cli.main import main
from assistant.tts.synth import silence, synthesize_samples

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None or shutil.which("sox") is None or shutil.which("node") is None,
        reason="needs espeak-ng and sox (synthesis) and node (the clock skill)",
    ),
]

RATE = 16000
SCRIPT = [("", 1.0), ("alexa, set a timer for five seconds", 20.0), ("alexa,", 1.5), ("stop", 12.0)]
"""(what is said, seconds of silence after it): the timer rings about 5 s after the request, again 8 s later,
then "alexa, … stop"; 12 s of silence after it would hear it ring again, had it not stopped."""


@pytest.fixture(scope="module")
def turns(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("timer")
    parts: list[np.ndarray] = []
    for text, pause in SCRIPT:
        if text:
            parts.append(synthesize_samples(text))
        parts.append(silence(pause))
    wav = folder / "timer.wav"
    write_wav(wav, np.concatenate(parts), RATE)
    transcript = folder / "out.json"
    code = main(["--data-dir", str(folder / "data"), "--seed", "1", "run", "--input", str(wav),
                 "--transcript", str(transcript)])
    assert code == 0
    return list(json.loads(Path(transcript).read_text())["turns"])


def test_the_timer_is_set_by_voice(turns: list[dict[str, Any]]) -> None:
    first = turns[0]
    assert (first["kind"], first["intent"], first["skill"]) == ("speech", "SetTimerIntent", "clock")
    assert first["spoken_text"] == "5 seconds, starting now."


def test_the_timer_rings_on_the_recordings_clock_until_alexa_stop(turns: list[dict[str, Any]]) -> None:
    kinds = [(t["kind"], t["heard"]) for t in turns]
    stop = next(i for i, t in enumerate(turns) if t["kind"] == "speech" and t["heard"] == "stop")
    rings = [t for t in turns[:stop] if t["kind"] == "alert"]
    assert len(rings) >= 2, kinds  # said, then said again while it rang
    assert all(t["spoken_text"] == "Your timer is done." for t in rings)
    set_at = turns[0]["at"]
    assert 4.0 <= rings[0]["at"] - set_at <= 7.0  # five seconds of the recording after the request
    assert any(e.startswith("alert-stopped:clock") for e in turns[stop]["events"])
    assert not [t for t in turns[stop + 1 :] if t["kind"] == "alert"], kinds  # silent after "alexa, stop"
