"""The AudioPlayer interface (issue 14): the player's queue and directives alone, then Amazon's audio player
sample, unchanged, by text, its internet stream mapped to a local TLS server started by the test."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streams import encode, serve, tone

from assistant.runtime.audioplayer import CANNOT_PLAY, Activity, AudioPlayer, ClockOutput, resolve_url
from assistant.runtime.audioplayer import PlaybackError as PlayError
from assistant.runtime.engine import Engine, Turn
from assistant.settings import Settings
from assistant.skills import install
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
AUDIO_SAMPLE = SAMPLES / "nodejs-audio-player"
SAMPLE_URL = "https://audio1.maxi80.com"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def package(tmp_path: Path, network: bool = True) -> SkillPackage:
    return SkillPackage("radio", tmp_path, "plain", tmp_path / "m.json", tmp_path, "python", "x.h", "app",
                        allow_network=network)


def play(token: str, behavior: str = "REPLACE_ALL", offset: int = 0, previous: str | None = None) -> dict[str, Any]:
    stream: dict[str, Any] = {"token": token, "url": f"https://example.org/{token}.mp3", "offsetInMilliseconds": offset}
    if previous is not None:
        stream["expectedPreviousToken"] = previous
    return {"type": "AudioPlayer.Play", "playBehavior": behavior, "audioItem": {"stream": stream}}


def kinds(notices: list[Any]) -> list[tuple[str, str, int]]:
    return [(n.request["type"].split(".")[1], n.request.get("token"), n.request.get("offsetInMilliseconds")) for n in notices]


# --- the player alone ------------------------------------------------------------------------------------------


def test_play_stop_and_the_offsets_follow_the_clock(tmp_path: Path) -> None:
    clock = Clock()
    player = AudioPlayer(ClockOutput(clock, lambda url: 60.0))
    skill = package(tmp_path)
    assert player.context(skill) == {"playerActivity": "IDLE"}
    assert kinds(player.apply(skill, [play("a", offset=1500)])) == [("PlaybackStarted", "a", 1500)]
    clock.now += 2.25
    assert player.context(skill) == {"token": "a", "offsetInMilliseconds": 3750, "playerActivity": "PLAYING"}
    other = SkillPackage("other", tmp_path, "plain", tmp_path, tmp_path, "python", "x.h", "app2")
    assert player.context(other) == {"playerActivity": "IDLE"}  # the token is the owner's business
    assert kinds(player.apply(skill, [{"type": "AudioPlayer.Stop"}])) == [("PlaybackStopped", "a", 3750)]
    clock.now += 5
    assert player.context(skill)["offsetInMilliseconds"] == 3750 and player.activity is Activity.STOPPED


def test_enqueue_replace_enqueued_clear_queue_and_the_end_of_a_stream(tmp_path: Path) -> None:
    clock = Clock()
    player = AudioPlayer(ClockOutput(clock, lambda url: 30.0))
    skill = package(tmp_path)
    player.apply(skill, [play("a")])
    assert player.check([play("b", "ENQUEUE", previous="zzz")]) is not None  # not the last stream's token
    assert player.check([play("b", "ENQUEUE", previous="a"), play("c", "ENQUEUE", previous="b")]) is None
    assert player.apply(skill, [play("b", "ENQUEUE", previous="a"), play("c", "ENQUEUE", previous="b")]) == []
    assert [i.token for i in player.queue] == ["b", "c"]
    player.apply(skill, [play("d", "REPLACE_ENQUEUED")])
    assert [i.token for i in player.queue] == ["d"] and player.current is not None and player.current.token == "a"
    clock.now += 21
    assert kinds(player.poll()) == [("PlaybackNearlyFinished", "a", 21000)]
    assert player.poll() == []  # once per stream
    clock.now += 9
    assert kinds(player.poll()) == [("PlaybackFinished", "a", 30000), ("PlaybackStarted", "d", 0)]
    player.apply(skill, [play("e", "ENQUEUE", previous="d")])
    player.apply(skill, [{"type": "AudioPlayer.ClearQueue", "clearBehavior": "CLEAR_ENQUEUED"}])
    assert player.queue == [] and player.playing
    assert kinds(player.apply(skill, [{"type": "AudioPlayer.ClearQueue", "clearBehavior": "CLEAR_ALL"}])) == [
        ("PlaybackStopped", "d", 0)
    ]


def test_replace_all_stops_what_plays_first(tmp_path: Path) -> None:
    clock = Clock()
    player = AudioPlayer(ClockOutput(clock, lambda url: None))
    skill = package(tmp_path)
    player.apply(skill, [play("a")])
    clock.now += 4
    assert kinds(player.apply(skill, [play("b")])) == [("PlaybackStopped", "a", 4000), ("PlaybackStarted", "b", 0)]


def test_what_a_skill_may_answer_to_each_request(tmp_path: Path) -> None:
    player = AudioPlayer(ClockOutput(Clock()))
    assert player.check([play("a")], "AudioPlayer.PlaybackNearlyFinished") is None
    assert "not allowed" in str(player.check([play("a")], "AudioPlayer.PlaybackStarted"))
    assert "not allowed" in str(player.check([{"type": "AudioPlayer.Stop"}], "AudioPlayer.PlaybackStopped"))
    assert "clearBehavior" in str(player.check([{"type": "AudioPlayer.ClearQueue"}]))
    bad = play("a")
    bad["audioItem"]["stream"]["url"] = "ftp://example.org/a.mp3"
    assert "https, http or file" in str(player.check([bad]))


def test_stream_urls_need_the_network_grant_and_files_stay_in_the_skill_folder(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "a.mp3").write_bytes(b"x")
    (tmp_path.parent / "secret.mp3").write_bytes(b"x")
    granted, denied = package(tmp_path), package(tmp_path, network=False)
    assert resolve_url("https://example.org/a.mp3", granted) == "https://example.org/a.mp3"
    assert resolve_url(SAMPLE_URL, granted, {SAMPLE_URL: "https://127.0.0.1:1/radio"}) == "https://127.0.0.1:1/radio"
    with pytest.raises(PlayError, match="no network grant"):
        resolve_url("https://example.org/a.mp3", denied)
    assert resolve_url("file:audio/a.mp3", denied) == str(tmp_path / "audio" / "a.mp3")
    with pytest.raises(PlayError, match="outside"):
        resolve_url(f"file://{tmp_path.parent / 'secret.mp3'}", granted)
    with pytest.raises(PlayError, match="outside"):
        resolve_url("file:../secret.mp3", granted)


def test_a_stream_that_cannot_be_opened_fails_with_what_the_user_hears(tmp_path: Path) -> None:
    def unreachable(url: str) -> float | None:
        raise PlayError("MEDIA_ERROR_SERVICE_UNAVAILABLE", f"{url}: connection refused")

    player = AudioPlayer(ClockOutput(Clock(), unreachable))
    (notice,) = player.apply(package(tmp_path), [play("a")])
    assert notice.request["type"] == "AudioPlayer.PlaybackFailed" and notice.say == CANNOT_PLAY
    assert notice.request["error"]["type"] == "MEDIA_ERROR_SERVICE_UNAVAILABLE"
    assert notice.request["currentPlaybackState"]["token"] == "a"


# --- the public sample, unchanged ----------------------------------------------------------------------------


def sample(folder: Path) -> Path:
    if not folder.is_dir():
        reason = f"the public Alexa sample {folder.name} is not in {SAMPLES}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="module")
def radio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An endless MP3 'radio' of a 440 Hz tone over HTTPS; the URL to map the sample's stream to."""
    folder = tmp_path_factory.mktemp("radio")
    mp3 = encode(tone(440, 2.0), folder / "tone.mp3", "libmp3lame").read_bytes()
    with serve(folder, tls=True, radio=mp3) as base:
        yield f"{base}/radio"


def install_sample(source: Path, settings: Settings, name: str, network: bool = False) -> None:
    """Install a public sample, unchanged; skips when the npm registry cannot be reached."""
    try:
        install.install(sample(source), settings, name=name, allow_network=network)
    except Exception as error:  # noqa: BLE001 (offline: the npm registry cannot be reached)
        if any(w in str(error).lower() for w in ("network", "resolve", "connection", "unreachable", "enotfound")):
            pytest.skip(f"cannot install {source.name} offline: {error}")
        raise


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("audio-sample")
    settings = Settings(data_dir=data, cache_dir=data / "cache", include_bundled=False, skill_timeout=10)
    install_sample(AUDIO_SAMPLE, settings, "audio-player", network=True)
    return settings


def engine_for(settings: Settings, clock: Clock, url: str) -> Engine:
    from assistant.audio.stream import probe_stream

    settings = settings.with_(stream_url_map={SAMPLE_URL: url})
    store = AttributeStore(settings.database)
    player = AudioPlayer(ClockOutput(clock, probe_stream), settings.stream_url_map)
    return Engine(settings, Registry(settings), WorkerPool(settings, store), store, clock=lambda: NOW,
                  rng=random.Random(1), player=player)


def requests(turn: Turn) -> list[tuple[str, Any, Any]]:
    out = []
    for event in turn.requests:
        r = event["request"]
        name = r["intent"]["name"] if r["type"] == "IntentRequest" else r["type"]
        out.append((name, r.get("token"), r.get("offsetInMilliseconds")))
    return out


@pytest.mark.slow
def test_the_sample_plays_pauses_resumes_and_stops_by_text(sample_data: Settings, radio: str) -> None:
    clock = Clock()
    with engine_for(sample_data, clock, radio) as engine:
        engine.handle_text("open audio player sample")
        turn = engine.handle_text("play audio")
        assert turn.speech is not None and "Playing the audio stream" in turn.speech
        assert requests(turn)[-1] == ("AudioPlayer.PlaybackStarted", "sample-audio-token", 0)
        assert turn.responses[0]["response"]["directives"][0]["type"] == "AudioPlayer.Play"
        assert engine.player.playing and not turn.session_open

        clock.now += 12.5  # twelve and a half seconds of radio
        turn = engine.handle_text("pause")  # no session, no invocation name: to the skill that plays
        assert requests(turn) == [
            ("AMAZON.PauseIntent", None, None),
            ("AudioPlayer.PlaybackStopped", "sample-audio-token", 12500),
        ]
        assert turn.requests[0]["session"]["new"] is True
        assert turn.requests[0]["context"]["AudioPlayer"] == {
            "token": "sample-audio-token", "offsetInMilliseconds": 12500, "playerActivity": "PLAYING"}
        assert not engine.player.playing

        clock.now += 60  # paused: the offset stays
        turn = engine.handle_text("resume")  # the sample plays from the offset PlaybackStopped gave it
        assert turn.requests[0]["context"]["AudioPlayer"]["playerActivity"] == "STOPPED"
        play = turn.responses[0]["response"]["directives"][0]
        assert play["audioItem"]["stream"]["offsetInMilliseconds"] == 12500
        assert requests(turn)[-1] == ("AudioPlayer.PlaybackStarted", "sample-audio-token", 12500)

        clock.now += 3
        turn = engine.handle_text("alexa stop")
        assert [r[0] for r in requests(turn)] == ["AMAZON.StopIntent", "AudioPlayer.PlaybackStopped"]
        assert requests(turn)[-1][2] == 15500 and not engine.player.playing

        turn = engine.playback_control("PlayCommandIssued")  # a console button
        assert [r[0] for r in requests(turn)] == ["PlaybackController.PlayCommandIssued", "AudioPlayer.PlaybackStarted"]
        assert "context" in turn.requests[0] and "session" not in turn.requests[0]

        for said, intent in (("next", "AMAZON.NextIntent"), ("shuffle", "AMAZON.ShuffleOnIntent"),
                             ("start over", "AMAZON.StartOverIntent"), ("loop off", "AMAZON.LoopOffIntent")):
            turn = engine.handle_text(said)  # the player's other intents reach the skill too; it declines them
            assert requests(turn) == [(intent, None, None)] and "Sorry, I can't support that yet." in str(turn.speech), said
        assert engine.player.playing


@pytest.mark.slow
def test_the_sample_stream_unreachable_is_playback_failed_and_echos_words(sample_data: Settings) -> None:
    with engine_for(sample_data, Clock(), "https://127.0.0.1:9/radio") as engine:
        turn = engine.handle_text("ask audio player sample to play audio")
        failed = turn.requests[-1]["request"]
        assert failed["type"] == "AudioPlayer.PlaybackFailed"
        assert failed["error"]["type"] == "MEDIA_ERROR_SERVICE_UNAVAILABLE"
        assert turn.speech is not None and CANNOT_PLAY in turn.speech


@pytest.mark.slow
def test_chat_shows_the_player_and_sends_its_requests(sample_data: Settings, radio: str) -> None:
    env = {**os.environ, "ASSISTANT_STREAM_URL_MAP": json.dumps({SAMPLE_URL: radio})}
    lines = "open audio player sample\nplay audio\npause\n/play\n"
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(sample_data.data_dir), "chat", "--no-bundled"],
        input=lines, capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[audio: PlaybackStarted sample-audio-token at " in out  # from the offset the sample saved
    assert "[audio: PlaybackStopped sample-audio-token at" in out
    assert "[audio: PlayCommandIssued]" in out


# --- by voice: a recording through assistant run ----------------------------------------------------------------

SCRIPT: list[tuple[str, float]] = [
    ("", 1.0),
    ("alexa, ask audio player sample to play audio", 8.0),
    ("alexa, pause", 4.0),
    ("alexa, continue", 6.0),
    ("alexa,", 1.0),
    ("stop", 3.0),
]
"""(what is said, seconds of silence after it): play, pause, resume and stop, by voice. ("alexa, resume": the
neural wake word detector fires again on "resume" itself (score 0.71), a barge-in the player has nothing to do
with; "alexa, stop" in one breath: the detector fires late, into "stop".)"""


def level(samples: Any, start: float, end: float, frequency: float = 440.0, rate: int = 16000) -> float:
    """The amplitude of ``frequency`` in ``samples[start:end]`` (seconds): the median over 0.1 s windows (the
    looped radio's phase jumps where one copy follows the other)."""
    import numpy as np

    levels = []
    step = int(0.1 * rate)
    t = np.arange(step) / rate
    probe = np.exp(-2j * np.pi * frequency * t)
    for first in range(int(start * rate), int(end * rate) - step + 1, step):
        part = samples[first : first + step].astype(np.float64)
        part = np.pad(part, (0, step - part.size))  # past the end of the recording: silence
        levels.append(2 * abs(np.sum(part * probe)) / step)
    return float(np.median(levels)) if levels else 0.0


def converse_by_voice(settings: Settings, radio: str, folder: Path, script: list[tuple[str, float]]) -> dict[str, Any]:
    """``script`` synthesized into a recording and run through ``assistant run --input``: the spans said, out.wav
    and the transcript's turns."""
    import shutil

    import numpy as np

    from assistant.audio.wav import read_wav, write_wav
    from assistant.cli.main import main
    from assistant.tts.synth import silence, synthesize_samples

    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng to synthesize the recording")
    parts, spans, cursor = [], {}, 0
    for text, pause in script:
        if text:
            speech = synthesize_samples(text)
            spans[text] = (cursor / 16000, (cursor + speech.size) / 16000)
            parts.append(speech)
            cursor += speech.size
        parts.append(silence(pause))
        cursor += round(pause * 16000)
    wav, out, transcript = folder / "conv.wav", folder / "out.wav", folder / "out.json"
    write_wav(wav, np.concatenate(parts), 16000)
    before = os.environ.get("ASSISTANT_STREAM_URL_MAP")
    os.environ["ASSISTANT_STREAM_URL_MAP"] = json.dumps({SAMPLE_URL: radio})
    try:
        code = main(["--data-dir", str(settings.data_dir), "--seed", "1", "run", "--no-bundled", "--input", str(wav),
                     "--output", str(out), "--transcript", str(transcript)])
    finally:
        if before is None:
            del os.environ["ASSISTANT_STREAM_URL_MAP"]
        else:
            os.environ["ASSISTANT_STREAM_URL_MAP"] = before
    assert code == 0
    return {"spans": spans, "out": read_wav(out), "turns": json.loads(transcript.read_text())["turns"]}


@pytest.fixture(scope="module")
def spoken(sample_data: Settings, radio: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return converse_by_voice(sample_data, radio, tmp_path_factory.mktemp("spoken"), SCRIPT)


@pytest.mark.slow
def test_by_voice_play_pause_resume_stop_with_the_right_offsets(spoken: dict[str, Any]) -> None:
    turns = spoken["turns"]
    assert [(t["kind"], t["heard"]) for t in turns] == [
        ("speech", "ask audio player sample to play audio"), ("speech", "pause"), ("speech", "continue"),
        ("speech", "stop"),
    ]
    play, pause, resume, stop = turns
    ((started),) = play["audio"]  # from the offset the sample keeps (earlier tests played too)
    assert started["type"] == "AudioPlayer.PlaybackStarted" and started["token"] == "sample-audio-token"
    ((stopped),) = pause["audio"]
    assert stopped["type"] == "AudioPlayer.PlaybackStopped" and pause["intent"] == "AMAZON.PauseIntent"
    assert stopped["offset_ms"] == pytest.approx(  # on the recording's clock
        started["offset_ms"] + (pause["at"] - play["at"]) * 1000, abs=100
    )
    assert resume["intent"] == "AMAZON.ResumeIntent"
    assert resume["audio"][0]["offset_ms"] == stopped["offset_ms"]  # the sample resumes from the offset
    assert stop["intent"] == "System.Stop" and stop["spoken_text"] == "Goodbye!"
    assert stop["audio"][0]["offset_ms"] == pytest.approx(
        stopped["offset_ms"] + (stop["at"] - resume["at"]) * 1000, abs=100
    )


@pytest.mark.slow
def test_out_wav_holds_the_stream_ducked_under_speech(spoken: dict[str, Any]) -> None:
    out = spoken["out"]
    play, pause, resume, stop = spoken["turns"]
    full = level(out, play["reply_end"] + 0.5, pause["at"] - 2.5)  # playing, nobody speaks
    assert full > 6000
    assert level(out, play["reply_start"] + 0.1, play["reply_end"] - 0.1) < 0.3 * full  # under the reply
    wake_start = spoken["spans"]["alexa, pause"][0]
    assert level(out, wake_start + 0.6, pause["at"]) < 0.3 * full  # from the wake word on
    assert level(out, pause["at"] + 0.3, resume["at"] - 0.5) < 100  # paused
    assert level(out, resume["reply_end"] + 0.3, stop["at"] - 2.0) > 0.8 * full  # resumed
    assert level(out, stop["at"] + 1.5, stop["at"] + 2.5) < 100  # stopped


@pytest.mark.slow
def test_the_stream_ducks_under_any_speech_and_comes_back(sample_data: Settings, radio: str, tmp_path: Path) -> None:
    """Speech ducks the music before any wake word (``LoopOptions.duck_on_speech``): "alexa, pause" said in one
    breath is then heard over ducked music. Speech that is no request lets it come back."""
    said = "the weather is lovely today"
    script = [("", 1.0), ("alexa, ask audio player sample to play audio", 7.0), (said, 4.0)]
    run = converse_by_voice(sample_data, radio, tmp_path, script)
    assert [t["heard"] for t in run["turns"] if t["kind"] == "speech"] == ["ask audio player sample to play audio"]
    start, end = run["spans"][said]
    full = level(run["out"], start - 2.5, start - 0.5)  # playing, nobody speaks
    assert full > 6000
    assert level(run["out"], start + 0.3, end - 0.1) < 0.3 * full  # ducked under the speech
    assert level(run["out"], end + 1.5, end + 3.5) > 0.8 * full  # back once it ended


# --- the device's volume -----------------------------------------------------------------------------------------


def test_volume_by_voice_without_any_skill(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache", include_bundled=False)
    store = AttributeStore(settings.database)
    with store, Engine(settings, Registry(settings), WorkerPool(settings, store), store) as engine:
        steps = [("alexa, volume five", 5), ("louder", 6), ("alexa, quieter", 5), ("turn it down", 4),
                 ("mute", 0), ("louder", 1), ("mute", 0), ("unmute", 1), ("set the volume to ten", 10)]
        for text, expected in steps:
            turn = engine.handle_text(text)
            assert [e for e in turn.events if e.kind == "volume"] == [f"volume:{expected}"], text
            assert engine.volume == expected and turn.speech is None
        # the levels are zero to ten, a list of their own: a number grammar fitted everyday talk by voice
        turn = engine.handle_text("volume three thousand one hundred and ninety")
        assert not [e for e in turn.events if e.kind == "volume"] and engine.volume == 10


@pytest.mark.slow
def test_volume_by_voice_sets_the_playback_level(sample_data: Settings, radio: str, tmp_path: Path) -> None:
    script = [("", 1.0), ("alexa, ask audio player sample to play audio", 7.0), ("alexa, volume five", 6.0)]
    run = converse_by_voice(sample_data, radio, tmp_path, script)
    play, volume = [t for t in run["turns"] if t["kind"] == "speech"]
    assert volume["heard"] == "volume five" and volume["events"] == ["volume:5"]
    before = level(run["out"], play["reply_end"] + 0.5, run["spans"]["alexa, volume five"][0] - 0.3)
    after = level(run["out"], volume["at"] + 0.5, volume["at"] + 4.5)
    assert after == pytest.approx(before / 2, rel=0.1)


# --- "alexa, stop" while the music plays and another skill's session is open -------------------------------------


@pytest.fixture(scope="module")
def with_a_game(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The audio player sample and Amazon's high-low game sample, both unchanged, in one data folder."""
    data = tmp_path_factory.mktemp("audio-and-game")
    settings = Settings(data_dir=data, cache_dir=data / "cache", include_bundled=False, skill_timeout=10)
    install_sample(AUDIO_SAMPLE, settings, "audio-player", network=True)
    install_sample(SAMPLES / "nodejs-highlowgame", settings, "high-low")
    return settings


@pytest.mark.slow
def test_alexa_stop_stops_the_music_before_the_open_session_by_text(with_a_game: Settings, radio: str) -> None:
    clock = Clock()
    with engine_for(with_a_game, clock, radio) as engine:
        engine.handle_text("ask audio player sample to play audio")
        clock.now += 4
        turn = engine.handle_text("open high low game")  # the music plays on under the game's question
        assert requests(turn) == [("LaunchRequest", None, None)] and turn.session_open and engine.player.playing
        clock.now += 3
        turn = engine.handle_text("alexa stop")  # what sounds first: the music
        assert requests(turn) == [("AudioPlayer.PlaybackStopped", "sample-audio-token", 7000)]
        assert turn.session_open and turn.speech is None and not engine.player.playing
        turn = engine.handle_text("alexa stop")  # nothing sounds now: the open session
        assert requests(turn) == [("AMAZON.StopIntent", None, None)] and not turn.session_open
        assert "Thanks for playing" in str(turn.speech)


@pytest.mark.slow
def test_alexa_stop_stops_the_music_before_the_open_session_by_voice(
    with_a_game: Settings, radio: str, tmp_path: Path
) -> None:
    script = [("", 1.0), ("alexa, ask audio player sample to play audio", 6.0), ("alexa, open high low game", 5.0),
              ("alexa,", 1.0), ("stop", 3.0)]
    run = converse_by_voice(with_a_game, radio, tmp_path, script)
    turns = [t for t in run["turns"] if t["kind"] == "speech"]
    assert [t["intent"] for t in turns] == ["PlayAudioIntent", "LaunchRequest", "AMAZON.StopIntent"], [
        (t["heard"], t["intent"]) for t in turns]
    play, game, stop = turns
    assert [a["type"] for a in stop["audio"]] == ["AudioPlayer.PlaybackStopped"]
    assert not stop["spoken_text"] and "session-ended" not in " ".join(stop["events"])  # the game goes on
    assert level(run["out"], play["reply_end"] + 0.5, game["at"] - 1.0) > 6000
    assert level(run["out"], stop["at"] + 0.5, stop["at"] + 2.5) < 100  # the music stopped
