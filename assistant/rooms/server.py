"""``assistant serve --wyoming URI``: the assistant as Wyoming services, for Home Assistant and any Wyoming client.

Three programs, described by ``describe`` → ``info``:

- ``asr``: ``transcribe`` (optional), ``audio-start``, ``audio-chunk``…, ``audio-stop`` → ``transcript``. The audio is
  decoded with the grammar the assistant listens with now (the launcher over the installed skills, or the open
  session's grammar), so only what a skill understands is heard. ``transcript.context`` carries the intent and
  slots in the shape of ``assistant recognize --json`` (``intent``, ``slots``, ``skill``, ``confidence``).
- ``handle``: ``transcript`` → ``handled`` with the skill's spoken answer as plain text (``not-handled`` when there
  is nothing to say). It keeps one conversation, as one Echo does: "open wise guy", then "who's there" goes to
  the open session (the next ``asr`` call decodes with the session's grammar, too).
- ``tts``: ``synthesize`` → ``audio-start``, ``audio-chunk``…, ``audio-stop`` with espeak-ng (16 kHz mono).

Wyoming has no authentication: whoever reaches the port can run the skills. So the server binds to loopback only
unless the user passes ``--allow-remote``.

Every request is served in a worker thread, one at a time (one engine, one recogniser), so that a slow skill
holds up only the requests behind it, never the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    Describe,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize

from assistant import __version__ as VERSION  # noqa: N812
from assistant.asr.decoder import Recognizer
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AssistantError
from assistant.rooms.address import Address, AddressError
from assistant.rooms.pcm import Incoming, audio_events
from assistant.runtime.engine import Engine
from assistant.tts.speaker import EspeakSpeaker
from assistant.tts.ssml import spoken_text

log = logging.getLogger(__name__)

ATTRIBUTION = Attribution(name="assistant", url="https://github.com/")
"""Who made the programs (shown by Home Assistant)."""
VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3", "en-029")
"""espeak-ng voices offered by ``tts`` (any other espeak-ng voice name works too)."""
MAX_AUDIO_SECONDS = 30.0
"""Longest ``asr`` audio kept; the rest is dropped (a stream that never stops)."""

T = TypeVar("T")


def check_bind(address: Address, allow_remote: bool) -> None:
    """AddressError unless ``address`` is loopback or ``allow_remote`` says otherwise."""
    if not address.loopback and not allow_remote:
        raise AddressError(
            f"--wyoming {address.uri}: Wyoming has no authentication, so whoever reaches that address could use "
            "your skills; serve on 127.0.0.1 (the default), or pass --allow-remote if your network is trusted"
        )


class Backend:
    """The engine, the recogniser and the voice behind the Wyoming programs; one request at a time."""

    def __init__(self, engine: Engine, recognizer: Recognizer, voice: str = "en-us", rate: int = 175) -> None:
        self.engine = engine
        """One conversation for every client."""
        self.recognizer = recognizer
        """A started recogniser."""
        self.voice = voice
        """The default espeak-ng voice of ``tts``."""
        self.rate = rate
        """Speaking rate, words per minute."""
        self._speakers: dict[str, EspeakSpeaker] = {}
        self._lock = threading.Lock()

    def info(self) -> Info:
        """What ``describe`` answers."""
        locale = self.engine.settings.locale
        skills = sorted(self.engine.skills())
        return Info(
            asr=[AsrProgram(
                name="assistant-asr", attribution=ATTRIBUTION, installed=True, version=VERSION,
                description="Speech recognition constrained by the installed Alexa skills' grammars",
                models=[AsrModel(name="skills-grammar", attribution=ATTRIBUTION, installed=True, version=VERSION,
                                 description="open / ask <skill> …, or the open session's grammar",
                                 languages=[locale])],
            )],
            handle=[HandleProgram(
                name="assistant-skills", attribution=ATTRIBUTION, installed=True, version=VERSION,
                description="Alexa skills: " + (", ".join(skills) or "none"),
                models=[HandleModel(name="alexa-skills", attribution=ATTRIBUTION, installed=True, version=VERSION,
                                    description="a transcript in, the skill's spoken answer out",
                                    languages=[locale])],
            )],
            tts=[TtsProgram(
                name="espeak-ng", attribution=Attribution(name="espeak-ng", url="https://github.com/espeak-ng"),
                installed=True, version=VERSION, description="espeak-ng speech synthesis",
                voices=[TtsVoice(name=v, attribution=ATTRIBUTION, installed=True, version=VERSION, description=v,
                                 languages=[locale]) for v in VOICES],
            )],
        )

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Decode one utterance with the grammar the assistant listens with now."""
        with self._lock:
            recognition = self.recognizer.decode(samples, self.engine.listening_grammar())
        context: dict[str, Any] = recognition.to_json()
        context.pop("file", None)
        log.info("asr: %r (%s) in %.3f s", recognition.transcript, context.get("intent"), recognition.decode_seconds)
        return Transcript(text=recognition.transcript, context=context, language=self.engine.settings.locale)

    def handle(self, text: str) -> Event:
        """The skill's answer to ``text``."""
        with self._lock:
            turn = self.engine.handle_text(text)
        context = {"skill": turn.skill, "session_open": turn.session_open, "listen": turn.listen,
                   "events": list(turn.events)}
        if turn.error:
            context["error"] = turn.error
        if turn.speech is None:
            return NotHandled(text="", context=context).event()
        speech = spoken_text(turn.speech, turn.speech_ssml)
        log.info("handle: %r -> %r", text, speech)
        return Handled(text=speech, context=context).event()

    def synthesize(self, text: str, voice: str | None) -> np.ndarray:
        """``text`` spoken by espeak-ng (SSML when it begins with ``<speak``)."""
        name = voice or self.voice
        with self._lock:
            speaker = self._speakers.get(name)
            if speaker is None:
                speaker = self._speakers[name] = EspeakSpeaker(name, self.rate)
            return speaker.synthesize(text, ssml=text.lstrip().startswith("<speak"))

    def close(self) -> None:
        """Stop the synthesis helpers."""
        for speaker in self._speakers.values():
            speaker.close()
        self._speakers.clear()


class WyomingHandler(AsyncEventHandler):
    """One client connection."""

    def __init__(self, backend: Backend, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backend = backend
        self._audio: Incoming | None = None
        self._samples: list[np.ndarray] = []
        self._kept = 0

    async def handle_event(self, event: Event) -> bool:
        try:
            return await self._handle(event)
        except AssistantError as error:
            log.error("wyoming %s: %s", event.type, error)
            from wyoming.error import Error

            await self.write_event(Error(text=str(error), code=type(error).__name__).event())
            return True

    async def _handle(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.backend.info().event())
        elif Transcribe.is_type(event.type):
            self._audio, self._samples, self._kept = None, [], 0
        elif AudioStart.is_type(event.type):
            self._audio, self._samples, self._kept = Incoming(), [], 0
        elif AudioChunk.is_type(event.type):
            if self._audio is None:
                self._audio = Incoming()
            samples = self._audio.samples(AudioChunk.from_event(event))
            if self._kept < MAX_AUDIO_SECONDS * SAMPLE_RATE:
                self._samples.append(samples)
                self._kept += samples.size
        elif AudioStop.is_type(event.type):
            if self._audio is None:
                return True
            self._samples.append(self._audio.flush())
            audio = np.concatenate(self._samples) if self._samples else np.zeros(0, np.int16)
            self._audio, self._samples = None, []
            transcript = await self._off_loop(self.backend.transcribe, audio)
            await self.write_event(transcript.event())
        elif Transcript.is_type(event.type):
            text = Transcript.from_event(event).text
            await self.write_event(await self._off_loop(self.backend.handle, text))
        elif Synthesize.is_type(event.type):
            synthesize = Synthesize.from_event(event)
            voice = synthesize.voice.name if synthesize.voice is not None else None
            began = time.perf_counter()
            samples = await self._off_loop(self.backend.synthesize, synthesize.text, voice)
            log.info("tts: %d samples in %.3f s", samples.size, time.perf_counter() - began)
            for audio_event in audio_events(samples):
                await self.write_event(audio_event)
        else:
            log.debug("wyoming: ignoring %s", event.type)
        return True

    @staticmethod
    async def _off_loop(call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, call, *args)


async def serve(address: Address, backend: Backend, ready: Callable[[], None] | None = None) -> None:
    """Serve ``backend`` at ``address`` until cancelled (or SIGTERM/SIGINT, which the server handles)."""
    server = AsyncServer.from_uri(address.uri)

    def factory(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> AsyncEventHandler:
        return WyomingHandler(backend, reader, writer)

    await server.start(factory)
    if ready is not None:
        ready()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
