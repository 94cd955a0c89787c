"""``assistant serve --wyoming``, driven with the ``wyoming`` client library as Home Assistant drives a Wyoming
service: describe, then synthesize (tts), transcribe that audio (asr, constrained by the skills' grammars) and
handle the transcript, against the real bundled space facts skill (Node, no dependencies) in a real process.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.handle import Handled
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from assistant.skills.sandbox import probe

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(tmp_path / "data"), "--seed", "1",
            "serve", *args]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "config")}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    if subprocess.run(["which", "node"], capture_output=True).returncode != 0:
        pytest.skip("node is not installed (the space facts skill is a Node skill)")
    port = _free_port()
    extra = [] if probe().available else ["--no-sandbox"]
    process = subprocess.Popen(
        _command(tmp_path, "--wyoming", f"tcp://127.0.0.1:{port}", *extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"serving Wyoming asr, handle and tts at tcp://127.0.0.1:{port}"), (
            line, process.poll(), process.stderr.read() if process.poll() is not None and process.stderr else "")
        yield port
    finally:
        process.terminate()
        assert process.wait(15) == 143


async def _exchange(port: int, events: list[Event], until: tuple[str, ...]) -> list[Event]:
    """Send ``events`` on a fresh connection (Home Assistant opens one per call) and read until one of ``until``."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        for event in events:
            await client.write_event(event)
        seen = []
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=30)
            assert event is not None, "the server closed the connection"
            seen.append(event)
            if event.type in until:
                return seen


def _samples(events: list[Event]) -> tuple[np.ndarray, int]:
    start = next(AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type))
    data = b"".join(AudioChunk.from_event(e).audio for e in events if AudioChunk.is_type(e.type))
    return np.frombuffer(data, "<i2"), start.rate


async def _conversation(port: int) -> None:
    info = Info.from_event((await _exchange(port, [Describe().event()], ("info",)))[-1])
    assert [p.name for p in info.asr] == ["assistant-asr"] and info.asr[0].models[0].languages == ["en-US"]
    assert [p.name for p in info.handle] == ["assistant-skills"] and "space facts" in info.handle[0].description
    assert info.tts[0].name == "espeak-ng" and "en-us" in [v.name for v in info.tts[0].voices]

    handled = Handled.from_event((await _exchange(port, [Transcript(text="open space facts").event()],
                                                  ("handled", "not-handled")))[-1])
    assert handled.text == "Welcome to space facts. Ask me for a fact, or name a planet."
    assert handled.context is not None and handled.context["session_open"] is True

    spoken = await _exchange(port, [Synthesize(text="tell me about jupiter", voice=SynthesizeVoice("en-us")).event()],
                             ("audio-stop",))
    samples, rate = _samples(spoken)
    assert rate == 16000 and samples.size > rate and np.abs(samples).max() > 1000

    # As Home Assistant sends it: 22.05 kHz stereo would be resampled; here the satellite's usual 16 kHz mono.
    audio = [AudioStart(rate=16000, width=2, channels=1).event()]
    data = samples.astype("<i2").tobytes()
    audio += [AudioChunk(rate=16000, width=2, channels=1, audio=data[i : i + 2048]).event()
              for i in range(0, len(data), 2048)]
    audio.append(AudioStop().event())
    transcript = Transcript.from_event(
        (await _exchange(port, [Transcribe(language="en-US").event(), *audio], ("transcript",)))[-1]
    )
    assert transcript.text == "tell me about jupiter"
    assert transcript.context is not None
    assert transcript.context["intent"] == "GetPlanetFactIntent"
    assert transcript.context["slots"]["Planet"]["value"] == "jupiter"

    handled = Handled.from_event((await _exchange(port, [transcript.event()], ("handled", "not-handled")))[-1])
    assert handled.text.startswith("Jupiter is so large")
    assert handled.context is not None and handled.context["session_open"] is False


def test_home_assistant_can_describe_transcribe_handle_and_synthesize(server: int) -> None:
    asyncio.run(_conversation(server))


def test_a_remote_address_needs_allow_remote(tmp_path: Path) -> None:
    done = subprocess.run(_command(tmp_path, "--wyoming", "tcp://0.0.0.0:10700"), capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60)
    assert done.returncode == 2
    assert "Wyoming has no authentication" in done.stderr and "--allow-remote" in done.stderr
