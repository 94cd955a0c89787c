"""The committed example conversation (examples/) replays as committed: ``assistant run --input`` on
examples/conversation.wav gives the turns of examples/conversation.transcript.json.

What must match: every turn's kind, what was heard, the intent and slots, the skill, what was said back, cards,
session state and session events. Times on the recording's timeline must match within a tenth of a second;
wall-clock measures (latencies, and the reply times they shift) are not compared.

The example talks to knock-knock (Python, its environment built by the ``cache`` fixture of
test_testing_runner and linked in as the bundled environment) and to space-facts (Node, no dependencies).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.settings import Settings
from assistant.skills.environments import BUNDLED_ENVS
from assistant.skills.registry import Registry
from assistant.testing.skill import with_environment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None or shutil.which("sox") is None or shutil.which("node") is None,
        reason="needs espeak-ng and sox (the replies) and node (the space-facts skill)",
    ),
]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WAV = EXAMPLES / "conversation.wav"
COMMITTED = EXAMPLES / "conversation.transcript.json"
SEED = 1
"""The ``--seed`` examples/make_conversation.py replays with."""

STABLE = ("kind", "heard", "rejected", "intent", "slots", "skill", "speech", "speech_ssml", "spoken_text",
          "reprompt", "card", "session_open", "listen", "events", "error")
"""Fields of a turn that must be equal."""
TIMELINE = ("at", "speech_start", "speech_end")
"""Fields of a turn in seconds on the recording's timeline, equal within ``TOLERANCE``."""
TOLERANCE = 0.1
"""Seconds."""


@pytest.fixture(scope="module")
def replayed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    request.getfixturevalue("cache")
    folder = tmp_path_factory.mktemp("example")
    settings = Settings(data_dir=folder / "data")
    (knock,) = [p for p in Registry(settings).bundled() if p.name == "knock-knock"]
    env = with_environment(knock, settings, folder / "scratch").env_dir
    assert env is not None
    (settings.data_dir / BUNDLED_ENVS).mkdir(parents=True)
    (settings.data_dir / BUNDLED_ENVS / "knock-knock").symlink_to(env, target_is_directory=True)
    transcript = folder / "transcript.json"
    code = main(["--data-dir", str(settings.data_dir), "--seed", str(SEED), "run", "--input", str(WAV),
                 "--output", str(folder / "replies.wav"), "--transcript", str(transcript)])
    assert code == 0
    return json.loads(transcript.read_text())


def _outline(turns: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(t["kind"], t["heard"], t["intent"], t["events"]) for t in turns]


def test_the_replay_gives_the_committed_turns(replayed: dict[str, Any]) -> None:
    committed = json.loads(COMMITTED.read_text())
    got, want = replayed["turns"], committed["turns"]
    assert _outline(got) == _outline(want)
    for number, (turn, expected) in enumerate(zip(got, want, strict=True), 1):
        for field in STABLE:
            assert turn[field] == expected[field], f"turn {number} ({expected['heard']!r}): {field}"
        for field in TIMELINE:
            assert turn[field] == pytest.approx(expected[field], abs=TOLERANCE), f"turn {number}: {field}"
        assert (turn["wake"] is None) == (expected["wake"] is None), f"turn {number}: wake"


def test_the_wake_words_are_where_they_were(replayed: dict[str, Any]) -> None:
    committed = json.loads(COMMITTED.read_text())
    assert replayed["wake_word"] == committed["wake_word"] == "alexa"
    starts = [w["start"] for w in replayed["wakes"]]
    assert starts == pytest.approx([w["start"] for w in committed["wakes"]], abs=TOLERANCE)


def test_every_reply_ends_before_the_next_request(replayed: dict[str, Any]) -> None:
    """The script's pauses leave room for each answer: a request said over an answer would not be heard."""
    turns = replayed["turns"]
    assert len(turns) >= 4, turns  # wise guy's joke, then space facts
    for turn, following in zip(turns, turns[1:], strict=False):
        assert turn["reply_end"] < following["speech_start"], (turn["heard"], following["heard"])


def test_the_committed_recording_is_small_and_16khz_mono() -> None:
    import wave

    with wave.open(str(WAV)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
    assert WAV.stat().st_size < 2_000_000
