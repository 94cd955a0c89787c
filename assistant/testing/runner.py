"""Run Bespoken test suites against a skill through the real runtime engine and the skill's real worker.

Each suite run (one per voice in voice mode) gets a fresh engine over a scratch data folder: a fresh
persistent-attribute store, the configuration's userId and deviceId (fixed ones otherwise), the seeded id
generator, and the fixed clock when ``--now`` is given. Each test starts a fresh session: a session left open
by the previous test is ended first (SessionEndedRequest ``USER_INITIATED``). Within a test, a
``LaunchRequest`` while a session is open ends that session first, as a new "open" would.

Steps go to the engine as follows:

- ``LaunchRequest``: the launch a user's "open <invocation>" would cause.
- an intent name with slots: that intent, sent directly (custom slot values are resolved against the model,
  as Alexa resolves them), into the open session or as a one-shot request;
- an utterance: through the NLU in text mode, or synthesized with espeak-ng and decoded by the real
  recogniser in voice mode. Without an open session it is understood with the skill's own grammar (a one-shot
  request, as Bespoken's virtual Alexa does), falling back to the top-level grammar ("open ...", "ask ...").
  Inside a session, an utterance that begins with the wake word ("alexa, help") is heard as the voice loop
  hears one: the wake word in front of what the engine listens for after it, sent as said after the wake word.
- ``audio: file.wav``: the recording through the recogniser, like a voice step;
- ``""``: silence; ``SessionEndedRequest``: the user ends the session.
- ``AudioPlayer.PlaybackNearlyFinished`` (any AudioPlayer request) or ``PlaybackController.PlayCommandIssued``:
  that request to the skill that owns the player, with its token and offset; assertions read the skill's answer
  to it. The player is silent and its clock stands still: streams are never fetched (every URL plays, whatever
  the skill's network grant), and offsets stay where the skill started them.

A test stops at its first failing step; the remaining steps are reported as not run.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.acoustic import acoustic_model
from assistant.errors import AssistantError, ConversationTestError
from assistant.grammar.compiler import CompiledGrammar, compile_session, match_key, with_prefix
from assistant.model.loader import load_model
from assistant.model.types import InteractionModel
from assistant.nlu.parser import parse, tokens
from assistant.nlu.result import IntentResult, Resolution, SlotValue
from assistant.runtime.audioplayer import ALLOWED_DIRECTIVES, PLAYBACK_COMMANDS, AudioPlayer, ClockOutput
from assistant.runtime.engine import Engine, Turn
from assistant.services.monetization import Catalog, Product
from assistant.settings import Settings
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool
from assistant.testing.assertions import SKILL_ERROR, Checked, Outcome, check, speech_text
from assistant.testing.bespoken import Step, TestCase, TestSuite, split_intent_step
from assistant.tts.voices import voice_for

logger = logging.getLogger(__name__)

TEXT = "text"
VOICE = "voice"
PAD_SECONDS = 0.5
"""Silence around synthesized speech, seconds (the recogniser expects leading and trailing silence)."""
TEST_USER = "amzn1.ask.account.assistant-test-user"
"""userId of test requests when the configuration gives none."""
TEST_DEVICE = "amzn1.ask.device.assistant-test-device"
"""deviceId of test requests when the configuration gives none."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run the suites."""

    mode: str = TEXT
    """``text`` (utterances through the NLU) or ``voice`` (synthesized and recognised)."""
    voices: tuple[str, ...] = ()
    """espeak-ng voices for voice mode; the suite runs once per voice. Empty: the voice of the suite's locale
    (``assistant.tts.voices``)."""
    noise: Path | None = None
    """A noise recording mixed into voice and audio steps."""
    snr_db: float = 10.0
    """Signal-to-noise ratio of the mixed noise, decibels."""
    now: datetime | None = None
    """A fixed clock for every request (timestamps, relative dates); None: the real clock."""
    seed: int = 0
    """Seed of request ids and noise offsets."""


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step did."""

    step: Step
    """The step."""
    checks: tuple[Checked, ...] = ()
    """Its assertions with their verdicts."""
    heard: str | None = None
    """What the recogniser heard (voice and audio steps), else None."""
    intent: str | None = None
    """The intent understood or sent."""
    slots: dict[str, str] = field(default_factory=dict)
    """The slot values understood or sent."""
    speech: str | None = None
    """What the user heard, as text."""
    error: str | None = None
    """Why the step could not be run, or the skill's fault."""

    @property
    def passed(self) -> bool:
        """True when the step ran and every assertion held."""
        return self.error is None and all(c.passed for c in self.checks)


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test's run."""

    name: str
    """The test's name."""
    line: int
    """Its line in the file."""
    steps: tuple[StepResult, ...]
    """The steps that ran, in order."""
    skipped: int = 0
    """Steps not run after a failure."""
    seconds: float = 0.0
    """Wall time, seconds."""

    @property
    def passed(self) -> bool:
        """True when every step passed."""
        return all(s.passed for s in self.steps)


@dataclass(frozen=True, slots=True)
class SuiteResult:
    """One file's run (per voice in voice mode)."""

    file: Path
    """The YAML or replay file."""
    skill: str
    """The skill's name ("" when it could not be found)."""
    mode: str
    """``text`` or ``voice``."""
    voice: str | None
    """The espeak-ng voice (voice mode)."""
    tests: tuple[TestResult, ...] = ()
    """Its tests."""
    error: str | None = None
    """Why the suite could not run at all (no skill, no environment, bad file)."""
    transcript: tuple[str, ...] = ()
    """For a replay file, the conversation as printed."""

    @property
    def passed(self) -> bool:
        """True when the suite ran and every test passed."""
        return self.error is None and all(t.passed for t in self.tests)

    @property
    def label(self) -> str:
        """``file`` or ``file [voice]``."""
        return f"{self.file} [{self.voice}]" if self.voice else str(self.file)


Progress = Callable[[int, str], None]
"""Called after each step with the number of steps done (in this run) and a label."""


def _products(settings: Settings, skill: str) -> list[Product]:
    """The in-skill products ``skill`` was installed with (``skill install --isps``), from the user's database."""
    if not settings.database.is_file():
        return []
    with AttributeStore(settings.database) as store:
        return Catalog(store).products(skill)


class ConversationRunner:
    """Runs suites for one command invocation; owns the recogniser in voice mode (``close`` stops it)."""

    def __init__(self, settings: Settings, options: RunOptions, progress: Progress | None = None) -> None:
        self.settings = settings
        """Where caches live; locale and timeouts."""
        self.options = options
        """Mode, voices, noise, clock and seed."""
        self.progress = progress
        """Told after each step."""
        self._recognizer: Any = None
        self._noise: np.ndarray | None = None
        self._done = 0

    def __enter__(self) -> ConversationRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the recogniser if one was started."""
        if self._recognizer is not None:
            self._recognizer.stop()
            self._recognizer = None

    def run(self, suite: TestSuite, package: SkillPackage) -> list[SuiteResult]:
        """Run a suite against a skill (with its environment): one result per voice in voice mode."""
        if self.options.mode != VOICE:
            return [self._run_voice(suite, package, None)]
        locale = suite.configuration.locale or self.settings.locale
        try:
            acoustic_model(locale)
        except AssistantError as error:  # German by voice: no acoustic model; said once, naming what is missing
            return [SuiteResult(suite.file, package.name, VOICE, None, error=str(error))]
        return [self._run_voice(suite, package, voice) for voice in self.options.voices or (voice_for(locale),)]

    # --- one suite run ------------------------------------------------------------------------------------

    def _run_voice(self, suite: TestSuite, package: SkillPackage, voice: str | None) -> SuiteResult:
        mode = self.options.mode
        try:
            locale = suite.configuration.locale or self.settings.locale
            model = load_model(package.model_path, locale)
        except AssistantError as error:
            return SuiteResult(suite.file, package.name, mode, voice, error=str(error))
        tests = []
        with self.engine(
            package, locale, suite.configuration.user_id, suite.configuration.device_id
        ) as engine:
            context = _Context(engine, model, compile_session(model), suite, voice, self.options.now)
            for test in suite.tests:
                tests.append(self._run_test(context, test))
        return SuiteResult(suite.file, package.name, mode, voice, tuple(tests))

    @contextmanager
    def engine(
        self, package: SkillPackage, locale: str, user_id: str | None = None, device_id: str | None = None
    ) -> Iterator[Engine]:
        """An engine with only ``package``, over a scratch data folder removed afterwards."""
        with ExitStack() as stack:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-test-")))
            settings = self.settings.with_(
                data_dir=scratch / "data", include_bundled=False, locale=locale, seed=self.options.seed
            )
            settings.data_dir.mkdir(parents=True)
            identity = {
                "user_id": user_id or TEST_USER,
                "device_id": device_id or TEST_DEVICE,
                "installation_id": "6f1c1c0e-0000-4000-8000-000000000000",
            }
            (settings.data_dir / "identity.json").write_text(json.dumps(identity), encoding="utf-8")
            store = stack.enter_context(AttributeStore(settings.database))
            products = _products(self.settings, package.name)
            if products:  # the skill's in-skill products, as installed; purchases start afresh
                Catalog(store).restore(package.name, products)
            now = self.options.now
            engine = Engine(
                settings,
                Registry(settings),
                WorkerPool(settings, store),
                store,
                clock=(lambda: now) if now is not None else None,
                rng=random.Random(self.options.seed),
                extra_skills=(package,),
                player=AudioPlayer(ClockOutput(lambda: 0.0), fetch=False),
            )
            stack.enter_context(engine)
            yield engine

    def _run_test(self, context: _Context, test: TestCase) -> TestResult:
        started = time.perf_counter()
        engine = context.engine
        if engine.session is not None:
            engine.handle_text("exit")
        results: list[StepResult] = []
        for index, step in enumerate(test.steps):
            result = self._run_step(context, step)
            results.append(result)
            self._done += 1
            if self.progress is not None:
                self.progress(self._done, f"{context.suite.file.name}: {test.name}")
            if not result.passed:
                skipped = len(test.steps) - index - 1
                if self.progress is not None and skipped:
                    self._done += skipped
                    self.progress(self._done, f"{context.suite.file.name}: {test.name}")
                return TestResult(
                    test.name, test.line, tuple(results), skipped, time.perf_counter() - started
                )
        return TestResult(test.name, test.line, tuple(results), 0, time.perf_counter() - started)

    def _run_step(self, context: _Context, step: Step) -> StepResult:
        where = f"{context.suite.file}:{step.line}"
        heard: str | None = None
        try:
            turn: Turn | None
            if step.kind == "launch":
                turn = context.launch()
            elif step.kind == "session-ended":
                turn = context.engine.handle_text("exit") if context.engine.session is not None else None
            elif step.kind == "silence":
                turn = context.engine.handle_silence()
            elif step.kind == "player":
                turn = self._player_step(context, step.text, where)
            elif step.kind == "audio":
                if step.audio is None or not step.audio.is_file():
                    raise ConversationTestError(f"{where}: the recording {step.text} is missing")
                from assistant.audio.wav import read_wav

                turn, heard = self._by_voice(context, read_wav(step.audio))
            else:
                intent = split_intent_step(step.text, context.intent_names, where)
                if intent is not None:
                    turn = context.send(_intent_result(context, intent.intent, intent.slots, where))
                elif self.options.mode == VOICE and context.voice is not None:
                    woken = _after_wake_word(context.engine, step.text)
                    turn, heard = self._by_voice(context, self._speech(step.text, context.voice), woken)
                else:
                    turn = context.say(step.text)
        except AssistantError as error:
            return StepResult(step, heard=heard, error=str(error))
        outcome = _outcome(turn, step.kind)
        expects_fault = any(a.path == SKILL_ERROR for a in step.assertions)
        checks = tuple(check(a, outcome) for a in step.assertions)
        result = outcome.result
        return StepResult(
            step,
            checks,
            heard=heard,
            intent=result.intent if result is not None else None,  # as sent (FallbackIntent for unmatched words)
            slots={n: s.value for n, s in result.slots.items()} if result is not None else {},
            speech=speech_text(outcome.speech) if outcome.speech else None,
            error=turn.error if turn is not None and not expects_fault else None,
        )

    def _player_step(self, context: _Context, text: str, where: str) -> Turn:
        """``AudioPlayer.<Request>`` or ``PlaybackController.<Command>`` sent to the skill that owns the player."""
        engine = context.engine
        if engine.player.owner is None:
            raise ConversationTestError(f"{where}: {text}: no skill has played anything yet")
        if text.startswith("PlaybackController."):
            command = text.split(".", 1)[1]
            if command not in PLAYBACK_COMMANDS:
                raise ConversationTestError(f"{where}: {text}: not one of {', '.join(PLAYBACK_COMMANDS)}")
            return engine.playback_control(command)
        if text not in ALLOWED_DIRECTIVES or not text.startswith("AudioPlayer."):
            known = ", ".join(k for k in ALLOWED_DIRECTIVES if k.startswith("AudioPlayer."))
            raise ConversationTestError(f"{where}: {text}: not one of {known}")
        return engine.audio_event(text)

    # --- voice ----------------------------------------------------------------------------------------------

    def _speech(self, text: str, voice: str) -> np.ndarray:
        from assistant.tts.synth import silence, synthesize_samples

        pad = silence(PAD_SECONDS)
        return np.concatenate([pad, synthesize_samples(text, voice=voice), pad])

    def _by_voice(self, context: _Context, samples: np.ndarray, woken: bool = False) -> tuple[Turn, str]:
        """Decode and send speech; ``woken``: it begins with the wake word inside a session ("alexa, help"), so
        it is decoded as the voice loop's second pass does, the wake word in front of what the engine listens
        for after it, and sent as said after the wake word."""
        from assistant.asr.decoder import Recognizer

        if self.options.noise is not None:
            from assistant.audio.mix import mix_noise
            from assistant.audio.wav import read_wav

            if self._noise is None:
                self._noise = read_wav(self.options.noise)
            seed = (self.options.seed + zlib.crc32(samples.tobytes())) & 0xFFFFFFFF
            samples = mix_noise(samples, self._noise, self.options.snr_db, seed)
        if self._recognizer is None:
            self._recognizer = Recognizer().start()
        engine = context.engine
        self._recognizer.clock = engine.local_now  # --now reaches speech as it reaches text
        if engine.session is not None and woken:
            wake = engine.wake_words()
            grammar = with_prefix(engine.listening_grammar(woken=True), wake)
            recognition = self._recognizer.decode(samples, grammar)
            request = recognition.transcript.split()[len(wake) :]
            result = recognition.result
            if result is not None:
                result = replace(result, text=" ".join(request))
            return engine.handle_recognition(result, " ".join(request), woken=True), recognition.transcript
        if engine.session is not None:
            recognition = self._recognizer.decode(samples, engine.listening_grammar())
            return engine.handle_recognition(
                recognition.result, recognition.transcript
            ), recognition.transcript
        recognition = self._recognizer.decode(samples, context.grammar)
        if recognition.result is not None:
            one_shot = replace(recognition.result, skill=context.invocation())
            return engine.handle_recognition(one_shot, recognition.transcript), recognition.transcript
        recognition = self._recognizer.decode(samples, engine.listening_grammar())
        return engine.handle_recognition(recognition.result, recognition.transcript), recognition.transcript


def _after_wake_word(engine: Engine, text: str) -> bool:
    """True for an utterance that begins with the wake phrase and more, said inside a session."""
    wake = engine.wake_words()
    words = tokens(text)
    return engine.session is not None and bool(wake) and len(words) > len(wake) and tuple(words[: len(wake)]) == wake


@dataclass(slots=True)
class _Context:
    """One suite run: the engine, the skill's model and grammar."""

    engine: Engine
    model: InteractionModel
    grammar: CompiledGrammar
    suite: TestSuite
    voice: str | None
    now: datetime | None

    @property
    def intent_names(self) -> frozenset[str]:
        return frozenset(i.name for i in self.model.intents)

    def invocation(self) -> str:
        skills = self.engine.skills()
        if not skills:
            raise ConversationTestError(
                f"{self.suite.file}: the skill could not be loaded: {'; '.join(self.engine.notices)}"
            )
        return next(iter(skills))

    def launch(self) -> Turn:
        if self.engine.session is not None:
            self.engine.handle_text("exit")
        invocation = self.invocation()
        result = IntentResult("LaunchRequest", text=f"open {invocation}", skill=invocation, launch=True)
        return self.engine.handle_recognition(result, f"open {invocation}")

    def send(self, result: IntentResult) -> Turn:
        if self.engine.session is None:
            result = replace(result, skill=self.invocation())
        return self.engine.handle_recognition(result, result.text)

    def say(self, text: str) -> Turn:
        if self.engine.session is not None:
            return self.engine.handle_text(text)
        now = self.now.astimezone() if self.now is not None else None
        result = parse(text, self.grammar, now=now)
        if result is not None:
            return self.engine.handle_recognition(replace(result, skill=self.invocation()), text)
        return self.engine.handle_text(text)


def _intent_result(context: _Context, name: str, values: dict[str, str], where: str) -> IntentResult:
    """An intent step as the NLU would have understood it: custom values resolved against the model."""
    declared = context.model.intent(name)
    slots: dict[str, SlotValue] = {}
    for slot_name, value in values.items():
        slot = next((s for s in declared.slots if s.name == slot_name), None) if declared else None
        if slot is None:
            known = ", ".join(s.name for s in declared.slots) if declared and declared.slots else "none"
            raise ConversationTestError(
                f"{where}: intent {name} has no slot {slot_name!r} (its slots: {known})"
            )
        info = context.grammar.types.get(slot.type)
        resolutions: tuple[Resolution, ...] = ()
        if info is not None and info.resolvable:
            key = tuple(match_key(w) for w in tokens(value))
            hit = next(
                (h for spoken, h in info.resolutions.items() if tuple(match_key(w) for w in spoken) == key),
                None,
            )
            resolutions = (Resolution(slot.type, hit is not None, *(hit or (None, None))),)
        slots[slot_name] = SlotValue(slot_name, slot.type, value, value, resolutions)
    text = " ".join([name, *(f"{k}={v}" for k, v in values.items())])
    return IntentResult(name, slots, text=text)


def _outcome(turn: Turn | None, kind: str) -> Outcome:
    if turn is None:
        return Outcome(None, None, None, None, None)
    result = turn.result
    if result is None:  # words no sample covers went to the skill's FallbackIntent: that is the step's intent
        sent = [r["request"]["intent"]["name"] for r in turn.requests if r["request"]["type"] == "IntentRequest"]
        result = IntentResult(sent[-1], text=turn.heard) if sent else None
    return Outcome(turn.speech, turn.reprompt, turn.card, result, _skill_response(turn, kind), turn.error)


def _skill_response(turn: Turn, kind: str) -> dict[str, Any] | None:
    """The skill's response to the step: for a player step, the answer to its request; else the last response
    of the turn, leaving out the answer to a SessionEndedRequest (unless the step was one) and the answers to the
    player's requests that followed (PlaybackStarted …). None when the turn had a fault (requests and responses
    no longer pair up)."""
    if len(turn.requests) != len(turn.responses):
        return None
    pairs = list(zip(turn.requests, turn.responses, strict=True))
    if kind == "player":
        return pairs[0][1] if pairs else None
    for request, response in reversed(pairs):
        request_type = str(request.get("request", {}).get("type", ""))
        if request_type.startswith(("AudioPlayer.", "PlaybackController.", "System.")):
            continue
        if kind == "session-ended" or request_type != "SessionEndedRequest":
            return response
    return None
