"""``assistant run``: the voice assistant. Wake word, listening, speaking, reprompts.

From the microphone by default; from a recording with ``--input FILE.wav`` (or ``--input -`` for raw 16 kHz
PCM on stdin), processed on the recording's own clock as fast as the CPU allows. With no usable microphone it
says what is missing and starts the text console (``assistant chat``) instead.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import select
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

from ..asr.acoustic import acoustic_model
from ..asr.decoder import DecoderConfig, Recognizer
from ..audio.chunk import AudioSink, AudioSource
from ..audio.devices import FileSource, MicrophoneSource, SpeakerSink, StdinSource, WavRecorder
from ..audio.echo import EchoOptions, EchoReference, cancelled
from ..audio.stream import MixOutput
from ..errors import DeviceError
from ..runtime.audioplayer import AudioPlayer
from ..runtime.engine import Engine
from ..runtime.events import SESSION_ENDED
from ..settings import Settings
from ..skills.registry import Registry
from ..skills.sanitize import printable
from ..skills.store import AttributeStore
from ..skills.worker import WorkerPool
from ..tts.speaker import EspeakSpeaker
from ..tts.ssml import spoken_text
from ..tts.voices import voice_for
from ..voice.confirm import WakeOptions
from ..voice.endpoint import DEFAULT_WINDOW, EndpointConfig
from ..voice.loop import Feedback, LoopOptions, Trigger, VoiceLoop
from ..voice.reply import ReplyOptions
from ..voice.transcript import transcript_json, write_transcript
from ..voice.utterance import UtteranceOptions
from ..voice.wake import DEFAULT_PHRASE, DEFAULT_THRESHOLD, NEURAL_THRESHOLD, WAKE_ENGINES
from . import chat_cmd
from .common import add_locale_option, add_skill_options, sandbox_notice, terminate_as_exit


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("run", help="the voice assistant: say the wake word, then a request")
    src = p.add_argument_group("audio in")
    src.add_argument(
        "--input",
        metavar="FILE.wav|-",
        help="a recording of a whole conversation (any WAV), or - for raw 16 kHz s16le PCM on stdin",
    )
    src.add_argument("--input-device", metavar="INDEX|NAME", help="microphone (see `assistant devices`)")
    src.add_argument(
        "--satellite",
        action="append",
        default=[],
        metavar="tcp://HOST:PORT",
        help="a Wyoming satellite (wyoming-satellite) to serve, instead of the microphone; repeatable, one loop each",
    )
    out = p.add_argument_group("audio out")
    out.add_argument(
        "--output",
        type=Path,
        metavar="FILE.wav",
        help="record what the assistant says, on the input's timeline",
    )
    out.add_argument("--output-device", metavar="INDEX|NAME", help="speaker (see `assistant devices`)")
    out.add_argument("--transcript", type=Path, metavar="FILE.json", help="write the turns as JSON")
    out.add_argument("--voice", help="espeak-ng voice (default: the locale's, en-us for en-US, de for de-DE)")
    out.add_argument("--rate", type=int, default=175, help="speaking rate, words per minute (default 175)")
    out.add_argument("--volume", type=float, default=1.0, help="loudness, 1.0 normal, up to 2.0")
    listen = p.add_argument_group("listening")
    mode = listen.add_mutually_exclusive_group()
    mode.add_argument("--push-to-talk", action="store_true", help="press Enter, then speak")
    mode.add_argument("--no-wake", action="store_true", help="no wake word: every utterance is a request")
    listen.add_argument(
        "--wake-word", default=DEFAULT_PHRASE, help=f"wake phrase (default {DEFAULT_PHRASE!r})"
    )
    listen.add_argument(
        "--wake-engine",
        choices=WAKE_ENGINES,
        default=None,
        help="dual: openWakeWord (for 'alexa', 'hey jarvis', 'hey mycroft', 'hey rhasspy') and pocketsphinx's "
        "keyphrase search, the latter's detections confirmed more strictly (it hears robotic and noisy voices "
        "openWakeWord misses); neural: openWakeWord alone; keyphrase: pocketsphinx alone, any phrase (default: dual "
        "when the phrase has an openWakeWord model, else keyphrase)",
    )
    listen.add_argument(
        "--wake-threshold",
        type=float,
        default=None,
        help=f"wake sensitivity: neural 0..1 (default {NEURAL_THRESHOLD:g}, lower is eager); keyphrase "
        f"1e-50 (eager) .. 1e-10 (strict) (default {DEFAULT_THRESHOLD:g})",
    )
    listen.add_argument(
        "--answer-timeout",
        type=float,
        default=8.0,
        help="seconds to wait for an answer before the reprompt (default 8)",
    )
    listen.add_argument(
        "--max-utterance", type=float, default=10.0, help="longest utterance, seconds (default 10)"
    )
    listen.add_argument(
        "--endpoint-window",
        type=float,
        default=DEFAULT_WINDOW,
        help=f"silence window that ends an utterance, seconds (default {DEFAULT_WINDOW})",
    )
    listen.add_argument("--barge-in", action="store_true", help="the wake word interrupts the assistant")
    listen.add_argument(
        "--console", action="store_true",
        help="read the player's buttons (/play, /pause, /next, /previous) from stdin even when it is not a "
        "terminal (they are read from a terminal anyway)",
    )
    listen.add_argument(
        "--no-echo-cancel", action="store_true",
        help="hear the microphone as it is: no echo canceller taking the speaker's sound out of it",
    )
    add_skill_options(p)
    add_locale_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.push_to_talk and args.input is None and not sys.stdin.isatty():
        print("assistant: --push-to-talk needs a terminal to press Enter in (stdin is not one); use the wake "
              "word (the default), --no-wake, or --input FILE.wav", file=sys.stderr)
        return 2
    if args.no_bundled:
        settings = settings.with_(include_bundled=False)
    if args.satellite:
        return _run_rooms(args, settings)
    try:
        source = _source(args)
    except DeviceError as err:  # a device the user named that is not there: no fallback, they meant that one
        print(f"assistant: {err}", file=sys.stderr)
        return 2
    if source is None:
        return _text_console(args, settings)
    with terminate_as_exit():
        return _run_loop(args, settings, source)


def _loop_options(args: argparse.Namespace) -> LoopOptions:
    return LoopOptions(
        trigger=Trigger.PUSH_TO_TALK if args.push_to_talk else Trigger.ALWAYS if args.no_wake else Trigger.WAKE_WORD,
        wake=WakeOptions(phrase=args.wake_word, engine=args.wake_engine or "dual", threshold=args.wake_threshold),
        utterance=UtteranceOptions(
            answer_timeout=args.answer_timeout, max_utterance=args.max_utterance,
            endpoint=EndpointConfig(window=args.endpoint_window),
        ),
        reply=ReplyOptions(barge_in=args.barge_in),
        echo=EchoOptions(enabled=not args.no_echo_cancel),
    )


def _run_rooms(args: argparse.Namespace, settings: Settings) -> int:
    """``--satellite``: one loop per Wyoming satellite (``assistant.rooms.satellite``), until Ctrl-C."""
    from ..rooms.address import parse_address
    from ..rooms.satellite import RoomOptions, run_rooms

    if args.input is not None or args.push_to_talk:
        print("assistant: --satellite takes its audio from the satellites; drop --input / --push-to-talk",
              file=sys.stderr)
        return 2
    addresses = [parse_address(uri, "--satellite") for uri in args.satellite]
    notice = sandbox_notice(settings)
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    extra = tuple(chat_cmd.local_package(path, settings) for path in args.skill)
    acoustic_model(settings.locale)
    options = RoomOptions(_loop_options(args), args.voice or voice_for(settings.locale), args.rate, extra)
    printers: dict[str, _Printer] = {}

    def show(room: str, feedback: Feedback) -> None:
        printer = printers.setdefault(room, _Printer(realtime=True, prefix=f"[{room}] "))
        printer.show(feedback)

    print(f"Serving {len(addresses)} satellite(s): {', '.join(a.uri for a in addresses)} (Ctrl-C ends).",
          file=sys.stderr, flush=True)
    with terminate_as_exit(), contextlib.suppress(KeyboardInterrupt):
        run_rooms(addresses, settings, options, show)
    return 0


def _run_loop(args: argparse.Namespace, settings: Settings, source: AudioSource) -> int:
    notice = sandbox_notice(settings)  # the text console says it itself
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    extra = [chat_cmd.local_package(path, settings) for path in args.skill]
    options = _loop_options(args)
    acoustic_model(settings.locale)  # before any device opens: a locale nothing here can hear says what is missing
    speaker = EspeakSpeaker(args.voice or voice_for(settings.locale), args.rate, args.volume)
    store = AttributeStore(settings.database)
    printer = _Printer(realtime=args.input is None, push_to_talk=args.push_to_talk)
    with contextlib.ExitStack() as stack:
        stack.enter_context(store)
        stack.enter_context(speaker)  # stops its synthesis helper process
        music = MixOutput()
        stack.callback(music.stop)
        player = AudioPlayer(music, settings.stream_url_map)
        timeline = _TimelineClock() if args.input is not None else None  # a recording runs on its own clock
        engine = stack.enter_context(
            Engine(settings, Registry(settings), WorkerPool(settings, store), store, extra_skills=extra,
                   player=player, clock=timeline)
        )
        engine.skills()
        for notice in engine.notices:
            print(f"note: {notice}", file=sys.stderr)
        recognizer = stack.enter_context(Recognizer(DecoderConfig(), clock=engine.local_now))
        try:
            sinks = _sinks(args, stack)
        except DeviceError as err:  # the --output-device the user named
            print(f"assistant: {err}", file=sys.stderr)
            return 2
        if args.push_to_talk and args.input is not None:
            print("note: --push-to-talk with --input: the first speech after each Enter is the request",
                  file=sys.stderr)
        if args.push_to_talk or (args.input is None and sys.stdin.isatty()) or args.console:
            console = stack.enter_context(_Console())  # Enter for push-to-talk; /play, /pause… for the player
            options = dataclasses.replace(options, controls=console.control,
                                          push=console.pressed if args.push_to_talk else None)
        reference = EchoReference() if options.echo.enabled and args.input is None else None
        for sink in sinks:
            if isinstance(sink, SpeakerSink):
                sink.bed = music.mixed  # a live speaker mixes the player's sound in as it plays
                sink.reference = reference  # and tells the echo canceller what it played
        if reference is not None and any(isinstance(sink, SpeakerSink) for sink in sinks):
            source = cancelled(source, reference, options.echo)
        loop = VoiceLoop(engine, recognizer, speaker, sinks, options, printer.show, music=music)
        if timeline is not None:
            timeline.follow(lambda: loop.now)
        try:
            stack.enter_context(source)
        except DeviceError as err:
            print(f"assistant: {err}", file=sys.stderr)
            if not sys.stdin.isatty():
                print("assistant: no terminal to continue in the text console; stopping", file=sys.stderr)
                return 1
            return _text_console(args, settings)
        print(_banner(args, engine), file=sys.stderr)
        try:
            loop.run(source)
        except DeviceError as err:  # a device that disappears mid-session
            print(f"\nassistant: {err}", file=sys.stderr)
            if args.input is not None or not sys.stdin.isatty():
                print("assistant: stopping (no terminal to continue in the text console)", file=sys.stderr)
                return 1
            print("assistant: continuing in the text console (assistant chat)", file=sys.stderr)
            stack.close()  # let go of the devices, the skills and the database before the console opens them
            return _text_console(args, settings)
        finally:
            if args.transcript is not None:
                label = args.input if args.input is not None else "microphone"
                phrase = options.wake.phrase if options.trigger is Trigger.WAKE_WORD else None
                write_transcript(args.transcript, transcript_json(loop.records, loop.wakes, label, phrase))
    return 0


class _TimelineClock:
    """The engine's clock for a recording: the time it started plus the recording's time so far, so that a timer
    set in a recording rings after as much recording time, however fast the recording is processed."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC)
        self._seconds: Callable[[], float] = lambda: 0.0

    def follow(self, seconds: Callable[[], float]) -> None:
        """Read the recording's time from ``seconds`` from now on."""
        self._seconds = seconds

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=self._seconds())


def _source(args: argparse.Namespace) -> AudioSource | None:
    """The audio source, or None (with the reason printed) when there is no usable microphone; a DeviceError
    when the microphone named with ``--input-device`` cannot be used (the message lists the devices)."""
    if args.input == "-":
        return StdinSource(block_ms=30)
    if args.input is not None:
        return FileSource(args.input, block_ms=30, pad_seconds=0.5)
    device: int | str | None = args.input_device
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    mic = MicrophoneSource(device, block_ms=30)
    try:  # find out now, before loading anything, whether there is a microphone
        with MicrophoneSource(device, block_ms=30):
            pass
    except DeviceError as err:
        if device is not None:
            raise
        print(f"assistant: no usable microphone: {err}", file=sys.stderr)
        return None
    return mic


def _sinks(args: argparse.Namespace, stack: contextlib.ExitStack) -> list[AudioSink]:
    """Where speech goes: the WAV file and/or the speaker; a recording with --output plays only to the file."""
    sinks: list[AudioSink] = []
    if args.output is not None:
        sinks.append(stack.enter_context(WavRecorder(args.output)))
        if args.input is not None:
            return sinks
    device: int | str | None = args.output_device
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    try:
        sinks.append(stack.enter_context(SpeakerSink(device)))
    except DeviceError as err:
        if device is not None:
            raise
        if args.input is None:
            print(f"assistant: no speaker, replies are shown as text only: {err}", file=sys.stderr)
    return sinks


def _text_console(args: argparse.Namespace, settings: Settings) -> int:
    print("assistant: starting the text console instead (`assistant chat`); type what you would say",
          file=sys.stderr)
    chat_args = argparse.Namespace(utterance=None, json=False, skill=args.skill, no_bundled=args.no_bundled,
                                   wake_word=args.wake_word)
    return chat_cmd.run(chat_args, settings)


def _banner(args: argparse.Namespace, engine: Engine) -> str:
    names = ", ".join(sorted(engine.skills())) or "none"
    how = ("press Enter, then speak" if args.push_to_talk else "just speak" if args.no_wake
           else f"say {args.wake_word!r}, then a request")
    where = f"from {args.input}" if args.input is not None else "listening on the microphone; Ctrl-C ends"
    return f"Skills: {names}. {how.capitalize()} ({where})."


class _Printer:
    """Terminal feedback: listening, heard "…", thinking, speaking, cards."""

    def __init__(self, realtime: bool, push_to_talk: bool = False, prefix: str = "") -> None:
        self.prefix = prefix
        """Put before each line (the room, with satellites)."""
        self.realtime = realtime
        """Live input: no timestamps (they are on the recording's clock otherwise)."""
        self.push_to_talk = push_to_talk
        """Idle means waiting for Enter, not for the wake word."""

    def show(self, f: Feedback) -> None:
        stamp = "" if self.realtime else f"[{f.at:7.2f}s] "
        if f.kind == "idle":
            line = "(press Enter, then speak)" if self.push_to_talk else f"(waiting for {f.text!r})"
        elif f.kind == "wake":
            line = f"* {f.text}"
        elif f.kind == "listening":
            line = "listening..."
        elif f.kind == "heard":
            line = f'heard "{f.text}"'
        elif f.kind == "thinking":
            line = "thinking..."
        elif f.kind == "speaking" and f.turn is not None:
            line = f"alexa> {spoken_text(f.text, f.turn.speech_ssml)}"
        elif f.kind == "progressive":
            line = f"alexa> {spoken_text(f.text, f.text.lstrip().startswith('<speak'))}"
        elif f.kind == "card":
            line = f"  card: {f.text}"
        elif f.kind == "silence":
            line = "(silence)"
        elif f.kind == "done" and f.turn is not None:
            ended = [e for e in f.turn.events if e.kind == SESSION_ENDED]
            if not ended:
                return
            line = f"  [{ended[0].skill}: session ended, {ended[0].detail}]"
        else:
            line = f"{f.kind} {f.text}"
        print(self.prefix + stamp + printable(line), flush=True)  # a skill's words may carry escape sequences


class _Console:
    """What is typed while the assistant listens, read by a thread: Enter (push-to-talk; ``pressed()`` is True
    once per press) and the player's buttons (``chat_cmd.CONSOLE_CONTROLS``: ``/play``, ``/pause``, ``/next``,
    ``/previous``; ``control()`` gives each one's command once)."""

    def __init__(self) -> None:
        self._presses = 0
        self._controls: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="console", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)

    def pressed(self) -> bool:
        with self._lock:
            if self._presses:
                self._presses -= 1
                return True
            return False

    def control(self) -> str | None:
        with self._lock:
            return self._controls.pop(0) if self._controls else None

    def _watch(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([sys.stdin], [], [], 0.2)
            if not ready:
                continue
            line = sys.stdin.readline()
            if not line:
                return  # end of input: nothing more is typed
            command = chat_cmd.CONSOLE_CONTROLS.get(line.strip().lower())
            with self._lock:
                if command is not None:
                    self._controls.append(command)
                elif line.strip():
                    print(f"(type {', '.join(chat_cmd.CONSOLE_CONTROLS)} for the player, or Ctrl-C to end)",
                          flush=True)
                else:
                    self._presses += 1
