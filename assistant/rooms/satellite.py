"""``assistant run --satellite tcp://HOST:PORT``: the assistant drives Wyoming satellites, as Home Assistant does.

One :class:`Room` per satellite, each in a thread of its own, each with its own voice loop
(``assistant.voice.loop.VoiceLoop``, the same one the microphone uses), its own recogniser, its own engine (so its
own session: two rooms can play two games at once) and its own deviceId (``registry.room_device_id``). The skills'
workers, the attribute store and the userId are shared, so persistent attributes stay per user, as on Alexa.

With a satellite, as Home Assistant does:

1. connect, ``describe`` (→ ``info``, for the log), then ``run-satellite``;
2. the satellite answers ``run-pipeline``: from ``wake`` when it streams always (the assistant listens for its own
   wake word in the stream), from ``asr`` when it heard its own wake word (the loop then listens for the request
   at once: ``Trigger.PUSH_TO_TALK``, pressed by each such ``run-pipeline``);
3. ``audio-chunk`` events stream the room's microphone (any rate; resampled to 16 kHz);
4. back go the state events, ``detection`` (the wake word), ``voice-stopped`` and ``transcript`` (what was heard;
   a satellite with its own wake word stops streaming on it), ``synthesize`` (the answer's text), and the reply
   itself as ``audio-start``, ``audio-chunk``…, ``audio-stop`` for its speaker.

A satellite that drops (its connection closes or fails) ends that room's open session with a SessionEndedRequest
``ERROR`` / ``DEVICE_COMMUNICATION_ERROR``; the other rooms carry on. The room reconnects with back-off (1 s,
doubling to 30 s), with a fresh loop and the same engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import BinaryIO, Self

import numpy as np
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk as WyomingChunk
from wyoming.event import Event, read_event, write_event
from wyoming.info import Describe, Info
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStopped
from wyoming.wake import Detection

from assistant.asr.decoder import DecoderConfig, Recognizer
from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AssistantError
from assistant.rooms.address import Address
from assistant.rooms.pcm import Incoming, audio_events
from assistant.runtime.engine import Engine
from assistant.runtime.envelopes import Device
from assistant.services.hub import Services
from assistant.settings import Settings
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry, room_device_id
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool
from assistant.tts.speaker import EspeakSpeaker
from assistant.tts.ssml import ssml_to_text
from assistant.voice.loop import Feedback, LoopOptions, Trigger, VoiceLoop
from assistant.voice.second_pass import SecondPass

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
"""Seconds a connection attempt may take."""
BACKOFF_FIRST = 1.0
"""Seconds before the first reconnection attempt."""
BACKOFF_MAX = 30.0
"""The longest wait between reconnection attempts."""
BLOCK = 480
"""Samples per chunk given to the loop (30 ms at 16 kHz)."""
MAX_GAP = 30.0
"""Longest silence put on a room's timeline for the time a satellite with its own wake word did not stream."""


class SatelliteLink:
    """One connection to a satellite: Wyoming events in and out (written from any thread)."""

    def __init__(self, address: Address) -> None:
        self.address = address
        """Where the satellite is."""
        self._socket: socket.socket | None = None
        self._reader: BinaryIO | None = None
        self._writer: BinaryIO | None = None
        self._lock = threading.Lock()
        self.closed = False
        """True once the connection is gone (closed here, or by the satellite)."""

    def __enter__(self) -> Self:
        sock = socket.create_connection((self.address.host, self.address.port), timeout=CONNECT_TIMEOUT)
        sock.settimeout(None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket = sock
        self._reader = sock.makefile("rb")
        self._writer = sock.makefile("wb")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def read(self) -> Event | None:
        """The next event, or None when the connection is gone."""
        if self._reader is None or self.closed:
            return None
        try:
            event = read_event(self._reader)
        except (OSError, ValueError) as error:
            log.info("satellite %s: read failed: %s", self.address.uri, error)
            event = None
        if event is None:
            self.closed = True
        return event

    def write(self, *events: Event) -> None:
        """Send events; a failure marks the link closed (the reading side then ends)."""
        with self._lock:
            if self._writer is None or self.closed:
                return
            try:
                for event in events:
                    write_event(event, self._writer)
                self._writer.flush()
            except (OSError, ValueError) as error:
                log.info("satellite %s: write failed: %s", self.address.uri, error)
                self.closed = True
                self._shutdown()

    def close(self) -> None:
        """Close the connection (a blocked ``read`` returns None)."""
        with self._lock:
            self.closed = True
            self._shutdown()
            for stream in (self._reader, self._writer):
                if stream is not None:
                    with contextlib.suppress(OSError, ValueError):
                        stream.close()
            if self._socket is not None:
                self._socket.close()

    def _shutdown(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)


class SatelliteSource:
    """The satellite's microphone as an ``AudioSource``: 30 ms chunks on the timeline of the samples received."""

    rate = SAMPLE_RATE
    block_ms = 30
    realtime = True

    def __init__(self, link: SatelliteLink) -> None:
        self.link = link
        """The connection."""
        self.stage: str | None = None
        """The start stage of the last ``run-pipeline`` (``wake`` or ``asr``), None before the first."""
        self._pressed = False
        self._audio = Incoming()
        self._pending = np.zeros(0, np.int16)
        self._emitted = 0
        self._released_at: float | None = None
        self._gap = 0
        self._press_pending = False
        self._press_at: int | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def first_pipeline(self) -> str | None:
        """Wait for the satellite's first ``run-pipeline`` and return its start stage (None: the link dropped)."""
        while self.stage is None:
            event = self.link.read()
            if event is None:
                return None
            self._take(event)
        return self.stage

    def pressed(self) -> bool:
        """For ``Trigger.PUSH_TO_TALK``: True once after each ``run-pipeline`` from ``asr`` (its wake word)."""
        pressed, self._pressed = self._pressed, False
        return pressed

    def release(self) -> None:
        """Forget a pending press (the request it opened has been heard): a satellite with its own wake word stops
        streaming now, until its next wake word."""
        self._pressed = False
        self._released_at = time.monotonic()

    def __iter__(self) -> Iterator[AudioChunk]:
        while True:
            event = self.link.read()
            if event is None:
                return
            samples = self._take(event)
            if samples is None or not samples.size:
                continue
            if self._gap:  # the time the satellite did not stream, as the silence it was (replies end in it)
                self._pending = np.concatenate([self._pending, np.zeros(self._gap, np.int16)])
                self._gap = 0
            if self._press_pending:  # the press counts from the first sample after the wake word
                self._press_at = self._emitted + self._pending.size
                self._press_pending = False
            self._pending = np.concatenate([self._pending, samples])
            while self._pending.size >= BLOCK:
                if self._press_at is not None and self._emitted + BLOCK > self._press_at:
                    self._pressed, self._press_at = True, None
                block, self._pending = self._pending[:BLOCK], self._pending[BLOCK:]
                yield AudioChunk(block, SAMPLE_RATE, self._emitted / SAMPLE_RATE)
                self._emitted += BLOCK

    def _take(self, event: Event) -> np.ndarray | None:
        if WyomingChunk.is_type(event.type):
            try:
                return self._audio.samples(WyomingChunk.from_event(event))
            except AssistantError as error:
                log.error("satellite %s: %s", self.link.address.uri, error)
                return None
        if RunPipeline.is_type(event.type):
            stage = RunPipeline.from_event(event).start_stage
            self.stage = stage.value if isinstance(stage, PipelineStage) else str(stage)
            if self.stage == PipelineStage.ASR.value:
                self._press_pending = True
                if self._released_at is not None:
                    gap = min(time.monotonic() - self._released_at, MAX_GAP)
                    self._gap, self._released_at = int(gap * SAMPLE_RATE), None
            log.debug("satellite %s: run-pipeline from %s", self.link.address.uri, self.stage)
        elif Info.is_type(event.type):
            satellite = Info.from_event(event).satellite
            if satellite is not None:
                log.info("satellite %s is %r", self.link.address.uri, satellite.name)
        return None


class SatelliteSink:
    """The satellite's speaker as an ``AudioSink``: each reply as ``audio-start``, chunks, ``audio-stop``."""

    def __init__(self, link: SatelliteLink) -> None:
        self.link = link
        """The connection."""
        self._open = False
        self._t0 = time.monotonic()

    def __enter__(self) -> Self:
        self._t0 = time.monotonic()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.wait()

    @property
    def clock(self) -> float:
        return time.monotonic() - self._t0

    def play(self, samples: np.ndarray, rate: int = SAMPLE_RATE, at: float | None = None) -> float:
        self.link.write(*audio_events(samples, rate, start=not self._open, stop=False))
        self._open = True
        return (self.clock if at is None else at) + samples.size / rate

    def wait(self) -> None:
        if self._open:
            self._open = False
            self.link.write(*audio_events(np.zeros(0, np.int16), start=False, stop=True))

    def stop(self, at: float | None = None) -> None:
        self.wait()


class RoomEngine(Engine):
    """An engine whose requests carry the room's own deviceId (the userId stays the installation's)."""

    def __init__(self, *args: object, device_id: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.device_id = device_id
        """This room's ``context.System.device.deviceId``."""

    def device(self) -> Device:
        return dataclasses.replace(super().device(), device_id=self.device_id)


@dataclasses.dataclass
class RoomOptions:
    """What every room shares."""

    loop: LoopOptions
    """How the loops listen (the trigger is set per satellite from its ``run-pipeline``)."""
    voice: str = "en-us"
    """espeak-ng voice."""
    rate: int = 175
    """Speaking rate, words per minute."""
    extra_skills: tuple[SkillPackage, ...] = ()
    """``--skill`` folders."""


class Room:
    """One satellite and its loop, in a thread; reconnects with back-off until ``stop``."""

    def __init__(self, address: Address, settings: Settings, pool: WorkerPool, store: AttributeStore,
                 services: Services, options: RoomOptions,
                 show: Callable[[str, Feedback], None] | None = None) -> None:
        self.address = address
        """The satellite."""
        self.options = options
        """How to listen and speak."""
        self.engine = RoomEngine(
            settings, Registry(settings), pool, store, services=services,
            extra_skills=options.extra_skills, wake_phrase=options.loop.wake.phrase,
            device_id=room_device_id(settings, address.uri),
            # --seed makes each room repeatable, never the same as another (the session ids would be)
            rng=random.Random(f"{settings.seed}:{address.uri}") if settings.seed is not None else None,
        )
        """This room's conversation."""
        self.connections = 0
        """Connections made so far."""
        self.drops: list[str] = []
        """Why each connection ended."""
        self.records: list[object] = []
        """The turns of every connection (``TurnRecord``)."""
        self._show = show or (lambda _room, _f: None)
        self._stop = threading.Event()
        self._link: SatelliteLink | None = None
        self._thread = threading.Thread(target=self._run, name=f"room {address.uri}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Disconnect and end the thread (an open session ends with USER_INITIATED)."""
        self._stop.set()
        link = self._link
        if link is not None:
            link.close()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        backoff = BACKOFF_FIRST
        with contextlib.ExitStack() as stack:
            recognizer = stack.enter_context(Recognizer(DecoderConfig()))
            speaker = stack.enter_context(EspeakSpeaker(self.options.voice, self.options.rate))
            # The wake word's second pass: a helper of this room's own (the program's shared one serves one loop).
            second_pass = SecondPass(recognizer.config)
            stack.callback(second_pass.close)
            # Loaded before the first connection, so the satellite is asked to stream once the room can listen.
            recognizer.use(self.engine.listening_grammar())
            speaker.synthesize("OK.")
            second_pass.start()
            log.info("satellite %s: room device %s", self.address.uri, self.engine.device_id)
            while not self._stop.is_set():
                try:
                    link = SatelliteLink(self.address).__enter__()
                except OSError as error:
                    log.warning("satellite %s: cannot connect (%s); retrying in %.0f s", self.address.uri,
                                error.strerror or error, backoff)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                    continue
                backoff = BACKOFF_FIRST
                self._link = link
                self.connections += 1
                try:
                    self._converse(link, recognizer, speaker, second_pass)
                except Exception:
                    log.exception("satellite %s: the room's loop failed", self.address.uri)
                finally:
                    link.close()
                    self._link = None
                if self._stop.is_set():
                    break
                self.drops.append("disconnected")
                log.warning("satellite %s disconnected; reconnecting", self.address.uri)
                turn = self.engine.end_session("ERROR", "DEVICE_COMMUNICATION_ERROR", "the satellite disconnected")
                if turn is not None:
                    log.warning("satellite %s: session with %s ended (ERROR)", self.address.uri, turn.skill)
                self._stop.wait(backoff)
            self.engine.end_session()

    def _converse(self, link: SatelliteLink, recognizer: Recognizer, speaker: EspeakSpeaker,
                  second_pass: SecondPass) -> None:
        link.write(Describe().event(), RunSatellite().event())
        source = SatelliteSource(link)
        stage = source.first_pipeline()
        if stage is None:
            return
        trigger = Trigger.PUSH_TO_TALK if stage == PipelineStage.ASR.value else self.options.loop.trigger
        options = dataclasses.replace(self.options.loop, trigger=trigger, push=source.pressed)
        log.info("satellite %s streaming (%s)", self.address.uri,
                 "its own wake word" if trigger is Trigger.PUSH_TO_TALK else "always")

        def feedback(f: Feedback) -> None:
            self._show(self.address.uri, f)
            if f.kind == "wake":
                link.write(Detection(name=f.text or None).event())
            elif f.kind == "heard":
                source.release()
                link.write(VoiceStopped().event(), Transcript(text=f.text).event())
            elif f.kind == "speaking" and f.turn is not None:
                text = ssml_to_text(f.text) if f.turn.speech_ssml else f.text
                link.write(Synthesize(text=text.strip()).event())
            elif f.kind == "done" and loop.records:
                record = loop.records[-1]
                if record.kind == "speech" and record.latency_from_speech_end is not None:
                    log.info("satellite %s: %r answered %.3f s after the end of speech (decode %.3f s, skill %.3f s, "
                             "first audio %.3f s after the decision)", self.address.uri, record.turn.heard,
                             record.latency_from_speech_end, record.decode_seconds, record.engine_seconds,
                             record.first_audio_seconds)

        with SatelliteSink(link) as sink:
            loop = VoiceLoop(self.engine, recognizer, speaker, [sink], options, feedback, second_pass)
            self.records += loop.run(source)


def run_rooms(addresses: list[Address], settings: Settings, options: RoomOptions,
              show: Callable[[str, Feedback], None] | None = None,
              until: Callable[[], bool] | None = None) -> list[Room]:
    """Serve every satellite until ``until()`` is true (checked twice a second) or Ctrl-C; returns the rooms."""
    with AttributeStore(settings.database) as store, WorkerPool(settings, store) as pool, \
            Services(settings, store) as services:
        try:  # one API server for every room, started before the rooms' threads ask for it
            pool.api = services.start()
        except AssistantError as error:  # skills still run; their API calls fail as they would offline
            log.error("the local Alexa API server cannot start: %s", error)
        rooms = [Room(a, settings, pool, store, services, options, show) for a in addresses]
        for room in rooms:
            room.start()
        try:
            while until is None or not until():
                time.sleep(0.5)
        finally:
            for room in rooms:
                room.stop()
            for room in rooms:
                room.join(10.0)
    return rooms
