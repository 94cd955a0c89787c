"""The AudioPlayer on a real sound server (issue 14): Amazon's audio player sample, unchanged, plays its stream
(mapped to a local TLS server) through ``assistant run``'s speaker, and the speaker is fed back into the microphone
(``module-loopback``, as in tests/test_live_sound.py). The music the microphone hears is never taken for speech,
and "alexa, pause" said over it is understood: the echo canceller (``assistant.audio.echo``) takes what the
speaker played back out of the microphone (without it, "pause" was heard as "unmute", "volume two" or "shut up").

Without a sound server the test skips with the reason, except in CI (``ASSISTANT_REQUIRE_SOUND_SERVER=1``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streams import encode, serve, tone

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.live import RATE, AssistantProcess, LiveRun, Say, SoundServer, SoundServerError, converse  # noqa: E402

REQUIRED = os.environ.get("ASSISTANT_REQUIRE_SOUND_SERVER", "") not in ("", "0")
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "nodejs-audio-player"
SAMPLE_URL = "https://audio1.maxi80.com"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("espeak-ng") is None or shutil.which("sox") is None or shutil.which("node") is None,
        reason="needs espeak-ng and sox (synthesis) and node (the sample)",
    ),
]


MUSIC_GAIN = 0.125
"""The melody's level: peaks at -27 dBFS, a few dB under the user's speech at the microphone."""


def melody() -> np.ndarray:
    """Two seconds of notes, looped by the radio server: music, not a steady tone."""
    notes = np.concatenate([tone(f, 0.25) for f in (440, 554, 659, 880, 659, 554, 440, 330)])
    return (notes * MUSIC_GAIN).astype(np.int16)


@pytest.fixture(scope="module")
def radio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("live-radio")
    mp3 = encode(melody(), folder / "melody.mp3", "libmp3lame").read_bytes()
    with serve(folder, tls=True, radio=mp3) as base:
        yield f"{base}/radio"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assistant.settings import Settings
    from assistant.skills import install

    if not SAMPLE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the public Alexa sample {SAMPLE.name} is missing")
        pytest.skip(f"the public Alexa sample {SAMPLE.name} is missing")
    folder = tmp_path_factory.mktemp("live-audio-data")
    settings = Settings(data_dir=folder, cache_dir=folder / "cache", include_bundled=False)
    try:
        install.install(SAMPLE, settings, name="audio-player", allow_network=True)
    except Exception as error:  # noqa: BLE001 (offline: the npm registry cannot be reached)
        pytest.skip(f"cannot install the audio player sample here: {error}")
    return folder


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SoundServer]:
    started = SoundServer(tmp_path / "pulse")
    try:
        started.__enter__()
    except SoundServerError as exc:
        if REQUIRED:
            pytest.fail(f"ASSISTANT_REQUIRE_SOUND_SERVER is set, but no PulseAudio server could be started: {exc}")
        pytest.skip(f"no PulseAudio server could be started: {exc}")
    try:
        yield started
    finally:
        started.__exit__(None, None, None)


def _converse(server: SoundServer, data_dir: Path, radio: str, tmp_path: Path, script: tuple[Say, ...]) -> LiveRun:
    loopback = server.loopback()  # the microphone hears the speaker: the music, and the assistant's voice
    env = {"ASSISTANT_STREAM_URL_MAP": json.dumps({SAMPLE_URL: radio})}
    args = ["-v", "--data-dir", str(data_dir), "--seed", "1", "run", "--no-bundled"]
    try:
        run = converse(server, tmp_path, script, args, env=env, stop_signal=signal.SIGTERM)
    finally:
        server.unload(loopback)
    assert run.status == 128 + signal.SIGTERM, run.stderr
    return run


def _rms(run: LiveRun, a: float, b: float) -> float:
    part = run.tracks.speaker[int(a * RATE) : int(b * RATE)].astype(np.float64)
    return float(np.sqrt(np.mean(part**2))) if part.size else 0.0


def test_music_fed_back_into_the_microphone_is_not_taken_for_speech(
    server: SoundServer, data_dir: Path, radio: str, tmp_path: Path
) -> None:
    script = (Say("alexa, ask audio player sample to play audio", answered=False, pause=15.0),)
    run = _converse(server, data_dir, radio, tmp_path, script)
    turns = [(t["kind"], t["heard"], t["intent"]) for t in run.transcript["turns"]]
    assert turns == [("speech", "ask audio player sample to play audio", "PlayAudioIntent")], (
        f"turns {turns}\n{run.stderr[-3000:]}"
    )  # fifteen seconds of music heard back: no turn of its own, no wake word
    assert [a["type"] for a in run.transcript["turns"][0]["audio"]] == ["AudioPlayer.PlaybackStarted"]
    (_, _, end) = run.said[0]
    assert _rms(run, end + 5.0, end + 14.0) > 1000 * MUSIC_GAIN, "no music from the speaker"


def _pause_over_the_music(
    server: SoundServer, data_dir: Path, radio: str, tmp_path: Path, request: tuple[Say, ...]
) -> None:
    """Two tries at most: on a loaded machine (load 6 of 2 cores) one conversation in five or six still mishears
    "pause" (the sound server's buffers run dry around the wake word and the echo's delay jumps); without the
    canceller none of eight was heard (docs/research.md)."""
    script = (Say("alexa, ask audio player sample to play audio", answered=False, pause=8.0), *request)
    expected = [("ask audio player sample to play audio", "PlayAudioIntent"), ("pause", "AMAZON.PauseIntent")]
    tries, logs = [], []
    for attempt in range(2):
        folder = tmp_path / f"try-{attempt}"
        folder.mkdir()
        run = _converse(server, data_dir, radio, folder, script)
        turns = [t for t in run.transcript["turns"] if t["kind"] == "speech"]
        tries.append([(t["heard"], t["intent"]) for t in turns])
        logs += [line for line in run.stderr.splitlines() if "assistant.voice" in line or "echo delay" in line]
        if tries[-1] == expected:
            break
    assert tries[-1] == expected, f"heard {tries}\n" + "\n".join(logs)
    (stopped,) = turns[1]["audio"]
    assert stopped["type"] == "AudioPlayer.PlaybackStopped" and stopped["offset_ms"] > 5000
    (_, _, pause_end) = run.said[-1]
    assert _rms(run, pause_end + 2.0, pause_end + 3.5) < 200, "the music went on after 'alexa, pause'"
    erle = [line for line in run.stderr.splitlines() if "echo canceller:" in line]
    assert erle, f"the echo canceller did not report\n{run.stderr[-3000:]}"


def test_alexa_pause_works_over_the_music_fed_back(
    server: SoundServer, data_dir: Path, radio: str, tmp_path: Path
) -> None:
    request = (
        Say("alexa,", answered=False, pause=1.5),  # the music ducks, then the request is heard over it
        Say("pause", answered=False, pause=4.0),
    )
    _pause_over_the_music(server, data_dir, radio, tmp_path, request)


def test_the_console_buttons_pause_and_play_the_music(
    server: SoundServer, data_dir: Path, radio: str, tmp_path: Path
) -> None:
    """``/pause`` and ``/play`` typed at ``assistant run``'s console are PlaybackController requests to the skill
    that owns the player (the sample answers them with AudioPlayer.Stop and Play)."""

    def press(assistant: AssistantProcess, recording: object) -> None:
        assistant.type("/pause")
        time.sleep(3.0)
        assistant.type("/play")
        time.sleep(4.0)

    script = (Say("alexa, ask audio player sample to play audio", answered=False, pause=5.0),)
    env = {"ASSISTANT_STREAM_URL_MAP": json.dumps({SAMPLE_URL: radio})}
    args = ["-v", "--data-dir", str(data_dir), "--seed", "1", "run", "--no-bundled", "--console"]
    run = converse(server, tmp_path, script, args, env=env, stop_signal=signal.SIGTERM, after=press, console=True)
    assert run.status == 128 + signal.SIGTERM, run.stderr
    player = [t for t in run.transcript["turns"] if t["kind"] == "player"]
    requests = [[a["type"] for a in t["audio"]] for t in player]
    assert requests == [
        ["PlaybackController.PauseCommandIssued", "AudioPlayer.PlaybackStopped"],
        ["PlaybackController.PlayCommandIssued", "AudioPlayer.PlaybackStarted"],
    ], f"{requests}\n{run.stderr[-3000:]}"
    paused, played = player
    assert played["audio"][1]["offset_ms"] == paused["audio"][1]["offset_ms"]  # on from where it paused
    (_, _, end) = run.said[0]
    assert _rms(run, end + 1.0, end + 4.5) > 1000 * MUSIC_GAIN, "no music before /pause"
