"""A progressive response said by voice while the skill keeps working (issue 15), through ``assistant run --input``
with a synthesized recording and ``--output``: the fixture skill (Python ask-sdk-core, in its real worker) sends
"Let me think." to the real local API server, works 1.5 s more, then answers "Forty two.". In out.wav the
progressive speech starts at once, and the answer follows it after a silence, about 1.5 s later: not both at the end.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import numpy as np
import pytest

from assistant.audio.wav import read_wav, write_wav
from assistant.cli.main import main
from assistant.tts.synth import silence, synthesize_samples
from tests.test_services_skills import FIXTURE, installed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None or shutil.which("sox") is None,
        reason="needs espeak-ng and sox (synthesis)",
    ),
]

RATE = 16000


def sound_spans(samples: np.ndarray, gap: float = 0.3) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches with sound, split by at least ``gap`` seconds of silence."""
    frame = RATE // 100
    starts = range(0, samples.size - frame, frame)
    loud = [bool(np.abs(samples[i : i + frame].astype(np.int32)).max() > 300) for i in starts]
    spans: list[tuple[float, float]] = []
    for index, on in enumerate(loud):
        if not on:
            continue
        at = index / 100
        if spans and at - spans[-1][1] < gap:
            spans[-1] = (spans[-1][0], at + 0.01)
        else:
            spans.append((at, at + 0.01))
    return spans


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], np.ndarray]:
    folder = tmp_path_factory.mktemp("progressive")
    settings = installed(FIXTURE, folder / "data", "tester")
    wav = folder / "in.wav"
    said = ["alexa,", "ask service tester to think hard"]
    parts = [silence(1.0), synthesize_samples(said[0]), silence(1.0), synthesize_samples(said[1]), silence(6.0)]
    write_wav(wav, np.concatenate(parts), RATE)
    out, transcript = folder / "out.wav", folder / "out.json"
    code = main(["--data-dir", str(settings.data_dir), "--seed", "1", "run", "--input", str(wav),
                 "--output", str(out), "--transcript", str(transcript)])
    assert code == 0
    turns = json.loads(transcript.read_text())["turns"]
    recorded = read_wav(out)
    assert not np.abs(recorded[: round(turns[0]["at"] * RATE)]).max(initial=0) > 300  # only what was said after
    return turns[0], recorded


def test_the_progressive_response_is_said_while_the_skill_works(run: tuple[dict[str, Any], np.ndarray]) -> None:
    turn, recorded = run
    spans = sound_spans(recorded)
    assert len(spans) == 2, spans  # "Let me think." then, after a silence, "Forty two."
    (progress_start, progress_end), (answer_start, _) = spans
    assert progress_start > turn["at"]
    assert answer_start - progress_start >= 1.3  # the answer came after the skill's work
    assert answer_start - progress_end >= 0.3
    assert abs(answer_start - turn["reply_start"]) < 0.05
    assert (turn["intent"], turn["spoken_text"]) == ("ThinkIntent", "Forty two.")  # said apart, not in the answer
