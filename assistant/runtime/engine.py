"""The skill runtime: an utterance (typed, or recognised by the voice loop) in, what to say out.

One :class:`Engine` per conversation. It routes at the top level (``open X``, ``ask X to …``, ``what skills do I
have``), keeps one skill session open at a time, builds the request envelopes (``envelopes``), calls the skill's
worker, and reads the response back into a :class:`Turn`. It never touches audio, so the voice loop and
``assistant chat`` drive the very same code.

Session rules, as Alexa documents them (docs/alexa-behaviour.md section 2, and Amazon's "Manage the skill session"):

- ``shouldEndSession: true`` ends the session; no SessionEndedRequest follows.
- ``false`` or ``null`` keeps it open and reopens the microphone. On silence the skill's reprompt is said and
  the microphone opened once more; on a second silence the session ends with a SessionEndedRequest
  ``EXCEEDED_MAX_REPROMPTS``. Amazon reprompts only "if the skill specified a reprompt", so without one the
  first silence ends the session (the speech is not repeated).
- ``shouldEndSession`` absent: only devices with a screen keep the session (up to 30 s, microphone closed); this
  assistant has no screen, so the session ends, as on an Echo without one. A response that carries Dialog
  directives keeps the session open.
- "exit" or "quit" in a session ends it with a SessionEndedRequest ``USER_INITIATED``.
- A skill fault (raised, crashed, timeout, invalid response) ends it with ``ERROR``: ``error.type`` is
  ``ENDPOINT_TIMEOUT`` for a timeout and ``INVALID_RESPONSE`` otherwise (what came back was no valid response).
  The user hears what an Echo says then, "There was a problem with the requested skill's response"
  (``SKILL_PROBLEM``); the log and ``Turn.error`` keep the exact error. The skill's reply to a
  SessionEndedRequest is ignored, as Alexa ignores it.
- Text a session's grammar does not cover goes to ``AMAZON.FallbackIntent`` when the skill declares it; otherwise,
  as on Alexa, to the skill's closest intent (``assistant.nlu.closest``), never to an apology on the skill's
  behalf. Inside a dialog step the dialog's grammar decides. An utterance the recogniser rejected (by voice the
  constrained grammar already gives the nearest sentence; a rejection is noise or speech addressed elsewhere)
  (``handle_recognition(None, transcript)``) gets "Sorry, I didn't catch that." and the reprompt, and the session
  stays open: only an *understood* "exit" (the intent ``System.Exit``) ends a session, never the words of a
  rejected hypothesis that happen to spell "exit skill".

The wake word at any time (issue 11). On an Echo the wake word works while a skill waits for an answer too, and
so it does here. The wake phrase is the constructor's ``wake_phrase`` ("alexa" by default; users pick others).

- **By voice**, the loop decodes what follows a wake word heard inside an open session with
  ``listening_grammar(woken=True)``: the union (``grammar.union``) of what the session listens with now (the
  dialog's or the skill's grammar), stop / cancel / help whether the skill declares them or not, the device's
  volume, and the top-level launcher ("open / ask / tell <skill>", "what skills do I have"). It is built once per
  session grammar (a few ms) and cached. The loop hands the recognition over with ``handle_recognition(result, transcript,
  woken=True)``; the transcript is what followed the wake word.
- **By text**, ``handle_text`` strips a leading wake phrase ("alexa stop", "Alexa, open wise guy") and does the
  same. At the top level the wake phrase is simply stripped; the wake phrase alone does nothing.
- What a woken utterance does inside a session:

  - "stop" / "cancel" go to the skill as ``AMAZON.StopIntent`` / ``AMAZON.CancelIntent`` (the launcher's own
    stop words, "goodbye", "be quiet", count as stop). Alexa requires every skill to declare both; for one that
    does not (a 2015 skill could), "stop" and "cancel" still work, as on an Echo: the session ends with a
    SessionEndedRequest ``USER_INITIATED``, as "exit" does, rather than sending an intent the skill never
    declared.
  - "help" (or "what can I say") goes to the skill as ``AMAZON.HelpIntent``; a skill without it gets nothing and
    the user hears how to leave it or open another skill, and the session goes on (event ``help:<skill>``).
  - "open <skill>", "ask <skill> to …", "what skills do I have": this session ends (SessionEndedRequest
    ``USER_INITIATED``) and the top level takes the request, as on an Echo, where another request ends the
    skill's session. Opening the same skill again starts a new session.
  - Anything else is an answer, parsed with the session's grammar, exactly as without the wake word: ties
    between the session's grammar and the launcher go to the session.

Multi-turn dialogs are the business of a :class:`~assistant.runtime.session.DialogManager`: the engine asks it
what to listen with, what to send for an understood intent, and what to do after a response. The caller may
inject one; by default it is ``assistant.runtime.dialog.DialogModelManager``.
"""

from __future__ import annotations

import functools
import html
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from assistant.errors import AssistantError, SkillError, SkillFault
from assistant.grammar.cache import GrammarCache
from assistant.grammar.compiler import (
    DIALOG_BUILTINS,
    CompiledGrammar,
    compile_launcher,
    compile_session,
    exit_phrases,
    match_key,
)
from assistant.grammar.union import union
from assistant.model.diskcache import DiskCache
from assistant.model.languages import NAME, language
from assistant.model.loader import load_model
from assistant.model.types import Intent, InteractionModel, Slot, SlotType, TypeValue
from assistant.nlu.closest import closest_intent
from assistant.nlu.parser import parse, tokens
from assistant.nlu.result import IntentResult
from assistant.runtime import alerting, envelopes, purchase
from assistant.runtime.audioplayer import PLAYER_INTENTS, AudioPlayer, ClockOutput, Notice
from assistant.runtime.dialog import DialogModelManager
from assistant.runtime.envelopes import Device, Reply, SessionIds, Speech
from assistant.runtime.events import TurnEvent
from assistant.runtime.session import DialogManager, DialogStep, Session
from assistant.services.hub import Services
from assistant.settings import Settings
from assistant.skills.environments import needs_environment
from assistant.skills.layout import invocation_name
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry, installation_ids
from assistant.skills.store import AttributeStore
from assistant.skills.worker import SkillWorker, WorkerPool

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "AMAZON.FallbackIntent"
SKILL_PROBLEM = "There was a problem with the requested skill's response"
"""What an Echo says when a skill fails to answer (raised, crashed, timed out, invalid response)."""
DIDNT_CATCH = "Sorry, I didn't catch that."
"""Said in a session when the utterance is not understood and the skill has no FallbackIntent."""
MAX_DIALOG_STEPS = 10
"""Requests one user turn may cause through dialog delegation, a guard against a loop."""
ERROR_TYPE_OF_FAULT = {
    "timeout": "ENDPOINT_TIMEOUT",
    "invalid-response": "INVALID_RESPONSE",
    "raised": "INVALID_RESPONSE",
    "crashed": "INVALID_RESPONSE",
    "unreachable": "INVALID_RESPONSE",
}
"""``SessionEndedRequest.error.type`` for each kind of SkillFault."""
SETUP_COMMAND = "assistant setup"
"""The command that builds the bundled skills' environments (``make run`` runs it too)."""
DEFAULT_WAKE_PHRASE = "alexa"
"""The wake phrase unless the user picks another (``Engine(wake_phrase=…)``, ``--wake-word``)."""
STOP_INTENT = "AMAZON.StopIntent"
CANCEL_INTENT = "AMAZON.CancelIntent"
NAME_FREE = frozenset({"clock"})
"""Bundled skills whose requests are heard without their name, as an Echo's own: timers, alarms, the time."""
RING_STOPS = frozenset({"System.Stop", STOP_INTENT, CANCEL_INTENT})
"""What stops a ringing alert ("alexa, stop", "cancel")."""
HELP_INTENT = "AMAZON.HelpIntent"
WOKEN_ALIASES = {"System.Stop": STOP_INTENT, "System.Help": HELP_INTENT}
"""The launcher's own intents as a session's skill receives them after the wake word ("alexa, goodbye")."""
MAX_WOKEN_GRAMMARS = 8
VOLUME_INTENTS = (
    Intent("System.VolumeUp", samples=("louder", "volume up", "turn it up", "turn the volume up", "increase the volume")),
    Intent("System.VolumeDown", samples=("quieter", "volume down", "turn it down", "turn the volume down",
                                          "lower the volume", "decrease the volume", "softer")),
    Intent("System.SetVolume", (Slot("level", "device.VolumeLevel"),),
           ("volume {level}", "set the volume to {level}", "set volume to {level}", "volume to {level}",
            "change the volume to {level}")),
    Intent("System.Mute", samples=("mute", "mute the sound", "mute yourself")),
    Intent("System.Unmute", samples=("unmute", "unmute the sound", "unmute yourself")),
)
"""The device's own volume, as an Echo has it without any skill: 0 to 10 (``Engine.volume``)."""
VOLUME_LEVELS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
VOLUME_MODEL = InteractionModel(
    "device", VOLUME_INTENTS,
    (SlotType("device.VolumeLevel", tuple(TypeValue(w, str(i)) for i, w in enumerate(VOLUME_LEVELS))),),
)
"""The levels are a list of their own, not AMAZON.NUMBER: a number grammar fitted everyday talk ("volume three
thousand and a hundred ninety")."""
VOLUME_NAMES = frozenset(i.name for i in VOLUME_INTENTS)
MAX_VOLUME = 10
MAX_PLAYER_REQUESTS = 16
"""AudioPlayer requests one turn may cause (a skill answering each with another Play), a guard against a loop."""
"""Woken grammars kept per engine (one per session grammar: the dialog's steps and dynamic entities make more)."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange: what was heard, what was sent to the skill and what came back, and what to say."""

    heard: str
    """The user's words as typed or recognised; "" for silence."""
    result: IntentResult | None
    """What the NLU understood, or None (silence, or not understood)."""
    skill: str | None
    """The name of the skill this turn went to, if any."""
    requests: tuple[dict[str, Any], ...]
    """Every request envelope sent this turn, in order (for ``--json`` and transcripts)."""
    responses: tuple[dict[str, Any], ...]
    """Every response envelope received this turn, in order."""
    speech: str | None
    """What to say: plain text, or SSML kept as the skill gave it (see ``speech_ssml``); None for nothing."""
    speech_ssml: bool
    """True when ``speech`` is SSML (``<speak>…</speak>``)."""
    reprompt: str | None
    """The reprompt the skill gave, said if the user stays silent (SSML or plain, like the speech)."""
    card: dict[str, Any] | None
    """The card of the skill's response, as sent (``type``, ``title``, ``content`` or ``text``…)."""
    session_open: bool
    """True while a skill session is open after this turn."""
    listen: bool
    """True when the microphone reopens without the wake word (the skill asked something)."""
    events: tuple[TurnEvent, ...] = ()
    """What happened, in order (``assistant.runtime.events`` lists the kinds): each a typed
    :class:`~assistant.runtime.events.TurnEvent` that is also its text, ``session-ended:<skill>:<REASON>``."""
    error: str | None = None
    """The exact error behind a failed turn (a skill fault, a missing environment), for logs and ``--json``."""

    @property
    def reprompt_ssml(self) -> bool:
        """True when ``reprompt`` is SSML."""
        return self.reprompt is not None and self.reprompt.lstrip().startswith("<speak")


# --- the engine ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Skill:
    """An active skill with its model, as the engine routes to it."""

    package: SkillPackage
    """The skill."""
    model: InteractionModel
    """Its model, with the invocation name the registry gives it."""


@functools.lru_cache(maxsize=8)
def _oneshot_words(locale: str) -> tuple[str, str]:
    """Regular expressions of the words that name a skill, as the launcher's grammar says them in the locale's
    language ("open|ask|talk to", "öffne|frag"), and of the words that join its name to a one-shot request
    ("ask hello world *to* say hello")."""
    phrases = language(locale)
    leads = {" ".join(tokens(p.partition(NAME)[0])) for p in (*phrases.launch, *phrases.ask) if p.endswith(NAME)}
    verbs = "|".join(re.escape(lead) for lead in sorted(leads - {""}, key=len, reverse=True)) or "(?!)"
    return verbs, "|".join(re.escape(j) for j in phrases.joiners) or "(?!)"


@dataclass(slots=True)
class _TurnBuilder:
    """What one turn collects before it becomes a :class:`Turn`."""

    heard: str
    result: IntentResult | None = None
    skill: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    speech: list[Speech] = field(default_factory=list)
    reprompt: Speech | None = None
    card: dict[str, Any] | None = None
    events: list[TurnEvent] = field(default_factory=list)
    error: str | None = None

    def say(self, text: str | Speech | None) -> None:
        if text is None:
            return
        self.speech.append(text if isinstance(text, Speech) else Speech(text, False))


class Engine:
    """Text in (or a recognition result), response out; one session at a time, every skill in its worker.

    Nothing is loaded in the constructor: skills and grammars are read on first use. ``close()`` ends an open
    session and stops the workers; the engine is also a context manager.
    """

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        pool: WorkerPool,
        store: AttributeStore,
        *,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        dialog: DialogManager | None = None,
        extra_skills: Sequence[SkillPackage] = (),
        wake_phrase: str = DEFAULT_WAKE_PHRASE,
        player: AudioPlayer | None = None,
        services: Services | None = None,
    ) -> None:
        self.settings = settings
        """Locale and timeouts."""
        self.registry = registry
        """Which skills are active."""
        self.pool = pool
        """The skills' workers (stopped by ``close``)."""
        self.store = store
        """The persistent-attribute store the workers write to."""
        self.extra_skills = tuple(extra_skills)
        """Skill folders added for this run only (``chat --skill``); they shadow active ones of the same name."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self.services = services if services is not None else Services(settings, store, clock=self._clock)
        """Alexa's service APIs (settings, reminders, purchases…), started with the first skill request."""
        self._services_failed = False
        rng = rng if rng is not None else random.Random(settings.seed)
        self._ids = SessionIds(rng)
        if dialog is None:
            dialog = DialogModelManager(rng, today=lambda: self.local_now().date())
        self.dialog: DialogManager = dialog
        """Runs dialog models (see :class:`DialogManager`; by default ``dialog.DialogModelManager``)."""
        self._device: Device | None = None
        self._skills: dict[str, _Skill] | None = None
        self._grammars = GrammarCache(settings.cache_dir / "grammars")
        self._models = DiskCache(settings.cache_dir / "models")
        self._notices: list[str] = []
        self.wake_phrase = wake_phrase
        """The wake word or phrase: stripped from the front of typed text, which is then handled as woken."""
        self._wake_words: tuple[str, ...] | None = None
        self._launcher: CompiledGrammar | None = None
        self._woken: dict[tuple[str, str], CompiledGrammar] = {}
        self._session: Session | None = None
        self._purchase: purchase.PurchaseFlow | None = None
        self._ringing: dict[str, tuple[str, float]] = {}  # alert id -> skill, when it stops by itself (monotonic)
        self._yes_no_grammar: CompiledGrammar | None = None
        self.player = player or AudioPlayer(ClockOutput(time.monotonic), settings.stream_url_map)
        """The device's AudioPlayer (``runtime.audioplayer``): its output is silent unless the caller gives one."""
        self._player_grammars: dict[tuple[str, str], CompiledGrammar] = {}
        self.volume = MAX_VOLUME
        """The device volume, 0 (muted) to 10, of speech and playback alike (``volume:<n>`` events)."""
        self._unmuted = MAX_VOLUME

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what the voice loop asks ------------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The open session, or None."""
        return self._session

    def listening_grammar(self, woken: bool = False) -> CompiledGrammar:
        """What to listen with now: the top level (``top_grammar``) without a session, else the dialog's or the
        skill's grammar.

        ``woken``: for what follows a wake word heard while a session is open, that grammar together with stop /
        cancel / help and the launcher (see the module's docstring); the same object for the same session
        grammar. Without a session it is the top level either way.
        """
        session = self._session
        if self._purchase is not None:  # the purchase flow asks yes or no
            return self._yes_no()
        if session is None:
            return self.top_grammar()
        current = self.dialog.grammar(session) or session.grammar
        if not woken:
            return current
        launcher = self.launcher()
        key = (current.name, launcher.name)
        grammar = self._woken.get(key)
        if grammar is None:
            missing = tuple(Intent(name) for name in DIALOG_BUILTINS if name not in current.intents)
            # the device's volume works in a session too ("alexa, louder" while a game waits for an answer)
            parts = [current, compile_session(VOLUME_MODEL)]
            if missing:  # stop / cancel / help are heard whether the skill declares them or not
                parts.append(
                    compile_session(
                        InteractionModel(session.model.invocation_name, missing, locale=session.model.locale)
                    )
                )
            grammar = union([*parts, launcher])
            if len(self._woken) >= MAX_WOKEN_GRAMMARS:
                self._woken.pop(next(iter(self._woken)))
            self._woken[key] = grammar
        return grammar

    def top_grammar(self) -> CompiledGrammar:
        """The launcher with the device's volume ("louder", "volume five", "mute"), and the player's intents
        ("pause", "resume", "next" …) while a skill owns the player."""
        launcher = self.launcher()
        owner = self._player_skill()
        key = (owner.package.name if owner is not None else "", launcher.name)
        grammar = self._player_grammars.get(key)
        if grammar is None:
            parts = [launcher, compile_session(VOLUME_MODEL)]
            if owner is not None:
                intents = tuple(owner.model.intent(n) or Intent(n) for n in PLAYER_INTENTS)
                parts.append(compile_session(InteractionModel(owner.model.invocation_name, intents)))
            grammar = self._player_grammars[key] = union(parts)
        return grammar

    def _player_skill(self) -> _Skill | None:
        """The active skill that owns the player, if any."""
        owner = self.player.owner
        if owner is None:
            return None
        return next((s for s in self.skills().values() if s.package.name == owner.name), None)

    def expects_answer(self) -> bool:
        """True when a session is open and the skill asked something (or a purchase flow asks): the microphone
        reopens."""
        return self._purchase is not None or (self._session is not None and self._session.listening)

    def launcher(self) -> CompiledGrammar:
        """The top-level grammar over every active skill."""
        if self._launcher is None:
            skills = self.skills().values()
            free = [s.model.invocation_name for s in skills if s.package.bundled and s.package.name in NAME_FREE]
            self._launcher = compile_launcher(
                [s.model for s in skills], disk=self._grammars, locale=self.settings.locale, name_free=free
            )
        return self._launcher

    def skills(self) -> dict[str, _Skill]:
        """The active skills by invocation name (loaded on first use; unusable ones are left out with a notice)."""
        if self._skills is None:
            skills: dict[str, _Skill] = {}
            for package in (*self.extra_skills, *self.registry.active()):
                try:
                    if package in self.extra_skills:
                        spoken = invocation_name(package, self.settings.locale)
                    else:
                        spoken = self.registry.invocation(package)
                    model = load_model(package.model_path, self.settings.locale, self._models)
                except AssistantError as error:
                    logger.error("skill %s is left out: %s", package.name, error)
                    self._notices.append(f"skill {package.name!r} is left out: {error}")
                    continue
                if spoken in skills:
                    logger.info(
                        "skill %s is shadowed by %s (%r)", package.name, skills[spoken].package.name, spoken
                    )
                    continue
                skills[spoken] = _Skill(package, replace(model, invocation_name=spoken))
            self._skills = skills
        return self._skills

    @property
    def notices(self) -> list[str]:
        """Lines for the user about skills that could not be loaded, after ``skills()``."""
        return [*self.registry.notices, *self._notices]

    # --- turns -------------------------------------------------------------------------------------------

    def handle_text(self, text: str) -> Turn:
        """Typed text through the same NLU as speech; "" (or only spaces) stands for silence.

        Text that begins with the wake phrase ("alexa stop", "Alexa, open wise guy") is handled as said after
        the wake word (``woken``); the wake phrase alone does nothing.
        """
        if not text.strip():
            return self.handle_silence()
        words = tokens(text)
        wake = self.wake_words()
        woken = bool(wake) and tuple(words[: len(wake)]) == wake
        if woken:
            words = words[len(wake) :]
            if not words:  # "alexa" and nothing else: an Echo waits for the request; typed, nothing comes
                skill = self._session.skill if self._session is not None else None
                return self._finish(_TurnBuilder(heard=text, skill=skill))
        if self._session is not None and tuple(map(match_key, words)) in exit_phrases(self.settings.locale):
            # "exit" works in every session, even while a dialog step listens with a grammar without it
            return self.handle_recognition(IntentResult("System.Exit", text=" ".join(words)), text, woken)
        result = parse(words, self.listening_grammar(woken), now=self.local_now()) if words else None
        session = self._session
        if (
            result is None
            and words
            and not woken
            and session is not None
            and session.dialog is None
            and session.model.intent(FALLBACK_INTENT) is None
        ):
            result = closest_intent(words, session.model)  # as Alexa does (assistant.nlu.closest)
            if result is not None:
                logger.info("%r fits no sample of %s: its closest intent is %s", text, session.skill, result.intent)
        return self.handle_recognition(result, text, woken)

    def handle_recognition(self, result: IntentResult | None, transcript: str, woken: bool = False) -> Turn:
        """An utterance as the recogniser understood it (None: heard but not understood, or rejected).

        ``woken``: the utterance followed the wake word (and was decoded with ``listening_grammar(woken=True)``);
        inside a session it may then stop, cancel or ask for help whatever the skill declares, or leave the
        skill for the top level (see the module's docstring). Without a session it changes nothing.
        """
        turn = _TurnBuilder(heard=transcript, result=result)
        if self._ringing and result is not None and result.intent in RING_STOPS:
            self.stop_alerts(turn)  # "alexa, stop" stops a ringing alert first (voice.sounding.STOP_ORDER)
        elif self._stops_player(result, woken):
            self._notify(turn, self.player.stop())  # then the audio playing, before the open session
        elif self._purchase is not None:
            self._purchase_answer(turn, self._purchase, result)
        elif self._session is None:
            self._top_level(turn, result)
        elif woken:
            self._woken_in_session(turn, self._session, result)
        else:
            self._in_session(turn, self._session, result)
        return self._finish(turn)

    def _stops_player(self, result: IntentResult | None, woken: bool) -> bool:
        """True for "alexa, stop" inside another skill's session while the player plays: the audio stops first,
        and the session stays as it was (``voice.sounding.STOP_ORDER``). Without a session, or in the session of
        the skill that plays, the stop goes to that skill as its intent (``_player_intent``, the skill's own)."""
        session, owner = self._session, self.player.owner
        return (
            woken and result is not None and result.intent in ("System.Stop", STOP_INTENT)
            and session is not None and self.player.playing and owner is not None and owner.name != session.skill
        )

    def handle_silence(self) -> Turn:
        """The user said nothing: the reprompt once, then SessionEndedRequest EXCEEDED_MAX_REPROMPTS."""
        turn = _TurnBuilder(heard="")
        session = self._session
        if self._purchase is not None:
            self._purchase_answer(turn, self._purchase, None)
        elif session is not None:
            turn.skill = session.skill
            if session.reprompt is not None and not session.reprompted:
                session.reprompted = True
                session.listening = True
                turn.say(session.reprompt)
                turn.reprompt = session.reprompt
                turn.events.append(TurnEvent("reprompt", session.skill))
            else:
                self._end_session(turn, session, "EXCEEDED_MAX_REPROMPTS")
        return self._finish(turn)

    def end_session(
        self, reason: str = "USER_INITIATED", error_type: str | None = None, message: str | None = None
    ) -> Turn | None:
        """End the open session with a SessionEndedRequest (``reason``, and for ``ERROR`` the ``error_type`` and
        ``message``), e.g. ``ERROR`` / ``DEVICE_COMMUNICATION_ERROR`` when a satellite drops; None without one."""
        session = self._session
        if session is None:
            return None
        turn = _TurnBuilder(heard="", skill=session.skill)
        self._end_session(turn, session, reason, error_type, message)
        return self._finish(turn)

    def close(self) -> None:
        """End an open session (SessionEndedRequest USER_INITIATED) and stop every worker."""
        try:
            if self._session is not None:
                turn = _TurnBuilder(heard="")
                self._end_session(turn, self._session, "USER_INITIATED")
        finally:
            try:
                self.pool.close()
            finally:
                self.services.stop()

    # --- top level -----------------------------------------------------------------------------------------

    def _top_level(self, turn: _TurnBuilder, result: IntentResult | None) -> None:
        if result is None:
            self._not_understood_top(turn)
            return
        if result.intent == "System.ListSkills":
            turn.events.append(TurnEvent("list-skills"))
            turn.say(self._skill_list_sentence())
            return
        if result.intent == "System.Help":
            turn.say(
                "You can say, open, followed by a skill's name, or ask a skill something directly. "
                + self._skill_list_sentence()
            )
            return
        if result.intent in VOLUME_NAMES:
            self._set_volume(turn, result)
            return
        if result.intent == "System.Stop" and self.player.playing and self._player_skill() is not None:
            self._player_intent(turn, IntentResult("AMAZON.StopIntent", text=result.text))
            return
        if result.intent == "System.Stop":
            return  # nothing is playing and no session is open: stopping is silently done
        if result.intent in PLAYER_INTENTS and result.skill is None and self._player_skill() is not None:
            self._player_intent(turn, result)
            return
        skill = self.skills().get(result.skill or "")
        if skill is None:
            turn.events.append(TurnEvent("unknown-skill", str(result.skill)))
            turn.say(f"I can't find a skill called {result.skill}. {self._skill_list_sentence()}")
            return
        problem = self._setup_problem(skill.package)
        if problem is not None:
            turn.skill = skill.package.name
            turn.events.append(TurnEvent("setup-needed", skill.package.name))
            turn.error = problem
            if skill.package.bundled:
                turn.say(
                    f"{skill.model.invocation_name} isn't set up yet. Run {SETUP_COMMAND}, or make run, "
                    "to set it up."
                )
            else:
                turn.say(
                    f"{skill.model.invocation_name} isn't installed yet. Run assistant skill install, "
                    "and the skill's folder."
                )
            logger.error("%s", problem)
            return
        session = self._open(turn, skill)
        if result.launch:
            now = self._clock()
            request = envelopes.launch_request(self._ids.request_id(), now, self._locale())
            reply = self._exchange(turn, session, request)
            if reply is None:
                return
            chained = _chained_intent(reply)
            if chained is None:
                self._act_on(turn, session, reply)
            else:  # the launch reply starts a dialog for another intent (Dialog.* with updatedIntent)
                self._follow(turn, session, chained, reply)
        else:
            self._send_intent(turn, session, result)

    def _not_understood_top(self, turn: _TurnBuilder) -> None:
        words = tokens(turn.heard)
        text = " ".join(words)
        verbs, joiners = _oneshot_words(self.settings.locale)
        match = re.match(rf"^(?:{verbs}) (.+)$", text)
        if match:
            name, *rest = re.split(rf" (?:{joiners}) ", match.group(1), maxsplit=1)
            skill = self.skills().get(name)
            if skill is not None:
                # A skill's name with a request none of its samples covers ("ask hello world to fly a kite"):
                # Alexa opens the skill with that request, which goes to its FallbackIntent, or else to its
                # closest intent (assistant.nlu.closest); a skill with neither is simply launched.
                request = rest[0].split() if rest else []
                found: IntentResult | None = None
                if skill.model.intent(FALLBACK_INTENT) is not None:
                    found = IntentResult(FALLBACK_INTENT, text=" ".join(request))
                elif request:
                    found = closest_intent(request, skill.model)
                opened = (
                    replace(found, skill=name)
                    if found is not None
                    else IntentResult("LaunchRequest", skill=name, launch=True)
                )
                turn.events.append(TurnEvent("one-shot-unmatched", name))
                self._top_level(turn, opened)
                return
            turn.events.append(TurnEvent("unknown-skill", name))
            turn.say(f"I can't find a skill called {name}. {self._skill_list_sentence()}")
            return
        turn.events.append(TurnEvent("not-understood"))
        turn.say(f"Sorry, I don't know that one. {self._skill_list_sentence()}")

    def _skill_list_sentence(self) -> str:
        names = sorted(self.skills())
        if not names:
            return (
                "You have no skills installed yet; install one with: assistant skill install, and a folder."
            )
        if len(names) == 1:
            return f"You have one skill: {names[0]}. Say, open {names[0]}."
        listed = ", ".join(names[:-1]) + f", and {names[-1]}"
        return f"Your skills are: {listed}. Say, open, and a skill's name."

    def _setup_problem(self, package: SkillPackage) -> str | None:
        if package.env_dir is None and needs_environment(package):
            if package.bundled:
                return (
                    f"bundled skill {package.name!r} has no environment in "
                    f"{self.settings.data_dir / 'bundled-envs' / package.name}: run `{SETUP_COMMAND}` "
                    "(or `make run`) once to set it up"
                )
            if package.runtime == "python":
                return (
                    f"skill {package.name!r} ({package.root}) has no Python environment: install it with "
                    "`assistant skill install`, or give it a .venv with its requirements"
                )
            # Node: its package.json names dependencies (ask-sdk-core…) and no node_modules holds them. Nothing
            # is fetched from the network at run time; the installer does that once.
            return (
                f"skill {package.name!r} ({package.root}) is not installed: the dependencies its package.json "
                f"names are in no node_modules folder; run `assistant skill install {package.root}` once"
            )
        return None

    def _open(self, turn: _TurnBuilder, skill: _Skill) -> Session:
        session = Session(
            package=skill.package,
            model=skill.model,
            grammar=compile_session(skill.model, disk=self._grammars),
            session_id=self._ids.session_id(),
        )
        self._session = session
        turn.skill = session.skill
        turn.events.append(TurnEvent("session-started", session.skill))
        logger.info("session %s with skill %s started", session.session_id, session.skill)
        return session

    # --- in a session --------------------------------------------------------------------------------------

    def _woken_in_session(self, turn: _TurnBuilder, session: Session, result: IntentResult | None) -> None:
        """What follows the wake word inside a session: the top level's requests leave the skill, stop / cancel /
        help always work, anything else is an answer to the skill."""
        if result is not None and (result.skill is not None or result.intent == "System.ListSkills"):
            turn.skill = session.skill
            self._end_session(turn, session, "USER_INITIATED")
            self._top_level(turn, result)
            return
        if result is not None and result.intent in VOLUME_NAMES and session.model.intent(result.intent) is None:
            # the device's own: the volume changes and the skill goes on waiting, its reprompt untouched
            turn.skill = session.skill
            self._set_volume(turn, result)
            return
        if result is not None and result.intent in WOKEN_ALIASES:
            result = replace(result, intent=WOKEN_ALIASES[result.intent])
            turn.result = result
        if result is not None and session.model.intent(result.intent) is None:
            if result.intent in (STOP_INTENT, CANCEL_INTENT):
                turn.skill = session.skill
                self._end_session(turn, session, "USER_INITIATED")
                return
            if result.intent == HELP_INTENT:
                turn.skill = session.skill
                session.reprompted = False
                turn.events.append(TurnEvent("help", session.skill))
                turn.say(
                    f"You're in {session.model.invocation_name}. To leave it, say exit; to use another skill, "
                    "say open, and its name."
                )
                if session.reprompt is not None:
                    turn.say(session.reprompt)
                    turn.reprompt = session.reprompt
                session.listening = True
                return
        self._in_session(turn, session, result)

    def _in_session(self, turn: _TurnBuilder, session: Session, result: IntentResult | None) -> None:
        turn.skill = session.skill
        session.reprompted = False
        if result is not None and result.intent == "System.Exit":  # understood; never a rejected transcript
            self._end_session(turn, session, "USER_INITIATED")
            return
        if result is None:
            if session.model.intent(FALLBACK_INTENT) is not None:
                turn.events.append(TurnEvent("fallback", session.skill))
                self._send_intent(turn, session, IntentResult(FALLBACK_INTENT, text=turn.heard))
                return
            turn.events.append(TurnEvent("not-understood"))
            turn.say(DIDNT_CATCH)
            if session.reprompt is not None:
                turn.say(session.reprompt)
                turn.reprompt = session.reprompt
            session.listening = True
            return
        self._send_intent(turn, session, result)

    def _send_intent(self, turn: _TurnBuilder, session: Session, result: IntentResult) -> None:
        intent = envelopes.intent_object(session.model, result, session.package.application_id)
        step: DialogStep | None = self.dialog.before_intent(session, intent, result)
        self._run_steps(turn, session, step)

    def _follow(self, turn: _TurnBuilder, session: Session, sent: dict[str, Any], reply: Reply) -> None:
        """Act on a reply to ``sent``, following its Dialog directives."""
        self._run_steps(turn, session, self._after(turn, session, sent, reply))

    def _after(self, turn: _TurnBuilder, session: Session, sent: dict[str, Any], reply: Reply) -> DialogStep | None:
        """Act on a reply to ``sent``: the dialog step its Dialog directives lead to, or None when the turn is done."""
        try:
            follow = self.dialog.after_response(session, sent, reply)
        except SkillFault as fault:  # a Dialog directive Alexa would reject (INVALID_RESPONSE)
            self._fault(turn, session, fault)
            return None
        if follow is None:
            self._act_on(turn, session, reply)
            return None
        self._apply_directives(turn, session, reply)
        turn.say(reply.speech)
        return follow

    def _run_steps(self, turn: _TurnBuilder, session: Session, step: DialogStep | None) -> None:
        """Run dialog steps until one needs the user (or the skill answers without a Dialog directive)."""
        for _ in range(MAX_DIALOG_STEPS):
            if step is None:
                return
            if step.intent is None:
                turn.say(step.say)
                turn.reprompt = session.reprompt
                session.listening = step.listen
                return
            request = envelopes.intent_request(
                self._ids.request_id(), self._clock(), self._locale(), step.intent, step.dialog_state
            )
            reply = self._exchange(turn, session, request)
            if reply is None:
                return
            step = self._after(turn, session, step.intent, reply)
        logger.error(
            "skill %s: more than %d dialog steps in one turn; ending", session.skill, MAX_DIALOG_STEPS
        )
        self._end_session(
            turn, session, "ERROR", "INTERNAL_SERVICE_ERROR", "too many dialog steps in one turn"
        )

    def _session_envelope(self, session: Session, request: dict[str, Any]) -> dict[str, Any]:
        """The whole envelope of ``request`` in ``session`` (``session.new`` is true for its first request only)."""
        return envelopes.envelope(
            request,
            self.device(),
            session.package.application_id,
            session.session_id,
            new=session.take_new(),
            attributes=session.attributes,
            audio_player=self.player.context(session.package),
        )

    def _exchange(self, turn: _TurnBuilder, session: Session, request: dict[str, Any]) -> Reply | None:
        """Send one request of the session; None when the skill faulted (the session is then over). The caller acts
        on the reply (``_act_on``, or the dialog manager's next step)."""
        event = self._session_envelope(session, request)
        turn.requests.append(event)
        try:
            response = self._worker(session.package).invoke(event)
        except SkillFault as fault:
            self._fault(turn, session, fault)
            return None
        except SkillError as error:
            logger.error("skill %s cannot be run: %s", session.skill, error)
            turn.error = str(error)
            turn.events.append(TurnEvent("fault", session.skill, "unavailable"))
            turn.say(f"Sorry, {session.model.invocation_name} can't be started.")
            self._drop(turn, session, "ERROR")
            return None
        for text in self.services.progressive.take(session.package.name):  # progressive responses, if not said yet
            turn.say(Speech(text, text.lstrip().startswith("<speak")))
        turn.responses.append(response)
        reply = envelopes.read_response(response)
        session.attributes = reply.session_attributes
        return reply

    def _act_on(self, turn: _TurnBuilder, session: Session, reply: Reply) -> None:
        self._apply_directives(turn, session, reply)
        turn.say(reply.speech)
        turn.reprompt = reply.reprompt
        if reply.card is not None:
            turn.card = reply.card
        session.reprompt = reply.reprompt
        if reply.ends_session:
            self._drop(turn, session, "SHOULD_END_SESSION")
        else:
            session.listening = True
        if reply.audio_directives:  # the speech is said first, then the audio plays, as on an Echo
            self._play(turn, session.package, reply, None, turn.requests[-1]["request"]["requestId"])
        send = purchase.send_request(reply.directives)
        if send is not None:
            self._begin_purchase(turn, session, send)

    # --- reminders and timers (services.alerts, runtime.alerting) ---------------------------------------

    def poll_alerts(self) -> Turn | None:
        """What to say for the reminders and timers due now (None: nothing); call it often (the voice loop, chat).
        Reminders that fell due while the assistant was off are said late, or dropped when a day late."""
        now = time.monotonic()
        for alert_id, (_, until) in list(self._ringing.items()):
            if now > until:
                logger.info("alert %s stopped ringing by itself after %.0f s", alert_id, alerting.RING_SECONDS)
                del self._ringing[alert_id]
        try:
            due = self.services.alerts.due()
        except AssistantError as error:
            logger.error("cannot read the reminders and timers: %s", error)
            return None
        if not due:
            return None
        turn = _TurnBuilder(heard="")
        zone = self.services.user.get("time-zone") or "UTC"
        for alert in due:
            said = alerting.announce(alert, self.services.alerts.now(), zone)
            if said.say is None:
                turn.events.append(TurnEvent("alert-dropped", alert.skill, alert.kind))
                continue
            turn.say(said.say)
            turn.skill = alert.skill
            turn.events.append(TurnEvent("alert", alert.skill, alert.kind))
            if said.rings:
                self._ringing[alert.id] = (alert.skill, now + alerting.RING_SECONDS)
                turn.events.append(TurnEvent("alert-ringing", alert.skill, alert.kind))
        return self._finish(turn) if turn.speech or turn.events else None

    def alert_ringing(self) -> bool:
        """True while a timer rings (until "alexa, stop")."""
        return bool(self._ringing)

    def stop_alerts(self, turn: _TurnBuilder | None = None) -> None:
        """Stop every ringing alert."""
        for alert_id, (skill, _) in self._ringing.items():
            logger.info("alert %s stopped", alert_id)
            if turn is not None:
                turn.events.append(TurnEvent("alert-stopped", skill))
        self._ringing.clear()

    # --- in-skill purchasing (assistant.runtime.purchase) ------------------------------------------------

    def _yes_no(self) -> CompiledGrammar:
        """Yes, no, stop and cancel: what a purchase question listens for."""
        if self._yes_no_grammar is None:
            names = ("AMAZON.YesIntent", "AMAZON.NoIntent", STOP_INTENT, CANCEL_INTENT)
            model = InteractionModel("purchase", tuple(Intent(n) for n in names))
            self._yes_no_grammar = compile_session(model, disk=self._grammars)
        return self._yes_no_grammar

    def _begin_purchase(self, turn: _TurnBuilder, session: Session, directive: dict[str, Any]) -> None:
        """A skill's Buy / Upsell / Cancel: its session ends, and the assistant asks the user itself."""
        if self._session is session:
            self._drop(turn, session, "SHOULD_END_SESSION")
        turn.events.append(TurnEvent("purchase", session.skill, str(directive.get("name"))))
        flow, say, outcome = purchase.begin(directive, self.services.catalog, session.package.name)
        flow.owner = _Skill(session.package, session.model)
        turn.say(say)
        if outcome is not None:
            self._end_purchase(turn, flow, outcome)
        else:
            self._purchase = flow

    def _purchase_answer(self, turn: _TurnBuilder, flow: purchase.PurchaseFlow, result: IntentResult | None) -> None:
        turn.skill = flow.skill
        name = result.intent if result is not None else None
        yes = True if name == "AMAZON.YesIntent" else False if name in (
            "AMAZON.NoIntent", STOP_INTENT, CANCEL_INTENT, "System.Stop"
        ) else None
        say, outcome = purchase.answer(flow, yes, self.services.catalog)
        turn.say(say)
        if outcome is not None:
            self._end_purchase(turn, flow, outcome)

    def _end_purchase(self, turn: _TurnBuilder, flow: purchase.PurchaseFlow, outcome: purchase.Outcome) -> None:
        """Say how it went, then give the skill its ``Connections.Response`` in a new session."""
        self._purchase = None
        turn.say(outcome.say)
        turn.events.append(TurnEvent("purchase-result", flow.skill, str(outcome.result)))
        session = self._open(turn, flow.owner)
        request = purchase.connections_response(
            flow, outcome, self._ids.request_id(), self._clock(), self._locale()
        )
        reply = self._exchange(turn, session, request)
        if reply is not None:
            self._act_on(turn, session, reply)

    def _apply_directives(self, turn: _TurnBuilder, session: Session, reply: Reply) -> None:
        """Note the reply's Dialog directives as events and apply its dynamic entities."""
        for directive in reply.dialog_directives:
            turn.events.append(TurnEvent("dialog", session.skill, str(directive.get('type'))))
            if directive.get("type") == "Dialog.UpdateDynamicEntities":
                self._update_dynamic(session, directive)

    # --- the AudioPlayer ----------------------------------------------------------------------------------

    def poll_player(self) -> Turn | None:
        """Requests the player's progress causes (``PlaybackNearlyFinished``, ``PlaybackFinished``, the next
        stream's ``PlaybackStarted``, ``PlaybackFailed``), sent now; None when there were none. The voice loop
        and ``chat`` call it as time passes."""
        notices = self.player.poll()
        if not notices:
            return None
        turn = _TurnBuilder(heard="", skill=notices[0].package.name)
        self._notify(turn, notices)
        return self._finish(turn)

    def playback_control(self, command: str) -> Turn:
        """A console button: ``PlaybackController.<command>`` (PlayCommandIssued, PauseCommandIssued,
        NextCommandIssued, PreviousCommandIssued) to the skill that owns the player; nothing without one."""
        turn = _TurnBuilder(heard=f"[{command}]")
        notice = self.player.controller(command)
        if notice is not None:
            turn.skill = notice.package.name
            self._notify(turn, [notice])
        return self._finish(turn)

    def audio_event(self, kind: str) -> Turn:
        """An AudioPlayer request as a test step (``AudioPlayer.PlaybackNearlyFinished`` …), sent to the skill that
        owns the player with the current token and offset; ``PlaybackStopped`` stops the player, and
        ``PlaybackFinished`` ends the current stream (the next one queued starts)."""
        turn = _TurnBuilder(heard=f"[{kind}]")
        notices = self.player.simulate(kind)
        if notices:
            turn.skill = notices[0].package.name
            self._notify(turn, notices)
        return self._finish(turn)

    def _play(
        self, turn: _TurnBuilder, package: SkillPackage, reply: Reply, answering: str | None, request_id: str
    ) -> None:
        """Carry out a reply's AudioPlayer directives (checked first: an invalid one gets the skill
        System.ExceptionEncountered instead), then send the requests they cause."""
        directives = list(reply.audio_directives)
        problem = self.player.check(directives, answering)
        if problem is not None:
            self._exception(turn, package, request_id, problem)
            return
        for directive in directives:
            turn.events.append(TurnEvent("audio", package.name, str(directive.get('type'))))
        self._notify(turn, self.player.apply(package, directives))

    def _notify(self, turn: _TurnBuilder, notices: list[Notice]) -> None:
        """Send the player's requests, in order, and act on what each skill answers."""
        pending = list(notices)
        for _ in range(MAX_PLAYER_REQUESTS):
            if not pending:
                return
            notice = pending.pop(0)
            turn.say(notice.say)
            kind = str(notice.request["type"])
            turn.events.append(TurnEvent(kind, notice.package.name, str(notice.request.get('token', ''))))
            request = envelopes.event_request(self._ids.request_id(), self._clock(), self._locale(), notice.request)
            response = self._send_event(turn, notice.package, request)
            if response is None:
                continue
            reply = envelopes.read_response(response)
            body = response.get("response") if isinstance(response.get("response"), dict) else {}
            spoken = [k for k in ("outputSpeech", "card", "reprompt") if body and body.get(k)]
            problem = (
                f"/response/{spoken[0]}: not allowed in a response to {kind}" if spoken
                else self.player.check(list(reply.directives), kind)
            )
            if problem is not None:
                self._exception(turn, notice.package, request["requestId"], problem)
                continue
            pending += self.player.apply(notice.package, list(reply.audio_directives))
        if pending:
            logger.error("player: more than %d requests in one turn; the rest are dropped", MAX_PLAYER_REQUESTS)

    def _send_event(self, turn: _TurnBuilder, package: SkillPackage, request: dict[str, Any]) -> dict[str, Any] | None:
        """Send an out-of-session request; its response, or None when the skill failed (the skill then receives
        System.ExceptionEncountered, unless that is what failed)."""
        event = envelopes.out_of_session_envelope(
            request, self.device(), package.application_id, self.player.context(package)
        )
        turn.requests.append(event)
        try:
            response = self.pool.get(package).invoke(event)
        except SkillError as error:
            logger.error("skill %s failed on %s: %s", package.name, request["type"], error)
            turn.events.append(TurnEvent("fault", package.name, str(getattr(error, 'kind', 'unavailable'))))
            if request["type"] != "System.ExceptionEncountered":
                self._exception(turn, package, request["requestId"], str(error))
            return None
        turn.responses.append(response or {})  # paired with its request, even when the skill answered nothing
        return response or None

    def _exception(self, turn: _TurnBuilder, package: SkillPackage, cause: str, message: str) -> None:
        """System.ExceptionEncountered to ``package``: its response to request ``cause`` was invalid."""
        logger.error("skill %s: invalid response to %s: %s", package.name, cause, message)
        turn.events.append(TurnEvent("System.ExceptionEncountered", package.name))
        fields = {
            "type": "System.ExceptionEncountered",
            "error": {"type": "INVALID_RESPONSE", "message": message},
            "cause": {"requestId": cause},
        }
        request = envelopes.event_request(self._ids.request_id(), self._clock(), self._locale(), fields)
        self._send_event(turn, package, request)

    def _set_volume(self, turn: _TurnBuilder, result: IntentResult) -> None:
        """The device's volume: up or down one step, to a level (0 to 10), mute, unmute (event ``volume:<n>``)."""
        volume = self.volume
        if result.intent == "System.VolumeUp":
            volume = min(MAX_VOLUME, max(volume, 0) + 1)
        elif result.intent == "System.VolumeDown":
            volume = max(1, volume - 1) if volume > 0 else 0
        elif result.intent == "System.SetVolume":
            level = result.slots.get("level")
            try:
                said = (level.resolved or {}).get("id", level.value) if level is not None else None
                volume = max(0, min(MAX_VOLUME, int(said))) if said is not None else volume
            except ValueError:
                turn.say(f"The volume goes from zero to {MAX_VOLUME}.")
                return
        elif result.intent == "System.Mute":
            self._unmuted = volume or self._unmuted
            volume = 0
        elif result.intent == "System.Unmute":
            volume = volume or self._unmuted
        if volume > 0:
            self._unmuted = volume
        self.volume = volume
        turn.events.append(TurnEvent("volume", None, str(volume)))
        logger.info("volume %d of %d", volume, MAX_VOLUME)

    def _player_intent(self, turn: _TurnBuilder, result: IntentResult) -> None:
        """A built-in intent said while a skill owns the player ("pause", "resume", "alexa, stop" while it plays):
        to that skill without its invocation name, in a new session, as on an Echo. A stop the skill's answer did
        not carry out is carried out by the device (the player always stops on "stop")."""
        skill = self._player_skill()
        assert skill is not None
        session = self._open(turn, skill)
        self._send_intent(turn, session, result)
        if result.intent == STOP_INTENT and self.player.playing:
            self._notify(turn, self.player.stop())

    def _update_dynamic(self, session: Session, directive: dict[str, Any]) -> None:
        """REPLACE sets the session's whole set of dynamic entities (types left out have none); CLEAR empties it."""
        session.dynamic = {}
        if directive.get("updateBehavior") != "CLEAR":
            for entry in directive.get("types") or []:
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    continue
                values = []
                for item in entry.get("values") or []:
                    name = (item.get("name") or {}) if isinstance(item, dict) else {}
                    if isinstance(name.get("value"), str):
                        synonyms = tuple(s for s in name.get("synonyms") or [] if isinstance(s, str))
                        values.append(TypeValue(name["value"], item.get("id"), synonyms))
                session.dynamic[entry["name"]] = tuple(values)
        try:
            session.grammar = compile_session(session.model, session.dynamic or None)
        except AssistantError as error:
            logger.error("skill %s: its dynamic entities cannot be used: %s", session.skill, error)

    def _fault(self, turn: _TurnBuilder, session: Session, fault: SkillFault) -> None:
        logger.error("skill %s failed (%s): %s", fault.skill, fault.kind, fault.detail)
        turn.events.append(TurnEvent("fault", session.skill, str(fault.kind)))
        turn.error = str(fault)
        turn.say(SKILL_PROBLEM)
        error_type = ERROR_TYPE_OF_FAULT.get(fault.kind, "INVALID_RESPONSE")
        self._end_session(turn, session, "ERROR", error_type, f"{fault.kind}: {fault.detail}")

    def _end_session(
        self,
        turn: _TurnBuilder,
        session: Session,
        reason: str,
        error_type: str | None = None,
        message: str | None = None,
    ) -> None:
        """Send SessionEndedRequest; whatever the skill answers (or however it fails) is ignored."""
        self._drop(turn, session, reason)
        request = envelopes.session_ended_request(
            self._ids.request_id(), self._clock(), self._locale(), reason, error_type, message
        )
        event = self._session_envelope(session, request)
        turn.requests.append(event)
        try:
            response = self._worker(session.package).invoke(event)
            if response:  # a skill may answer nothing at all (the 2015 AlexaSkill.js does)
                turn.responses.append(response)
        except SkillError as error:  # the reply to a SessionEndedRequest is ignored, and so is its failure
            logger.info("skill %s: its answer to SessionEndedRequest is ignored: %s", session.skill, error)

    def _drop(self, turn: _TurnBuilder, session: Session, reason: str) -> None:
        if self._session is session:
            self._session = None
        session.listening = False
        turn.events.append(TurnEvent("session-ended", session.skill, reason))
        logger.info("session %s with skill %s ended: %s", session.session_id, session.skill, reason)

    # --- helpers -------------------------------------------------------------------------------------------

    def _worker(self, package: SkillPackage) -> SkillWorker:
        """The skill's worker, with the API server started for it (its requests then carry a token)."""
        if self.pool.api is None and not self._services_failed:
            self.services.trusted = {s.package.name for s in self.skills().values() if s.package.bundled}
            try:
                self.pool.api = self.services.start()
            except AssistantError as error:  # skills still run; their API calls fail as they would offline
                self._services_failed = True
                logger.error("the local Alexa API server cannot start: %s", error)
        return self.pool.get(package)

    def device(self) -> Device:
        """The installation's user and device ids (read on first use)."""
        if self._device is None:
            user_id, device_id = installation_ids(self.settings)
            self._device = Device(user_id, device_id, self._locale())
        return self._device

    def wake_words(self) -> tuple[str, ...]:
        """The wake phrase as words, normalised as typed text is (read on first use)."""
        if self._wake_words is None:
            self._wake_words = tuple(tokens(self.wake_phrase))
        return self._wake_words

    def _locale(self) -> str:
        return self.settings.locale

    def local_now(self) -> datetime:
        """The clock's time on the local wall clock, for relative dates ("today", "next monday")."""
        return self._clock().astimezone()

    def _finish(self, turn: _TurnBuilder) -> Turn:
        speech, ssml = join_speech(turn.speech)
        session = self._session
        return Turn(
            heard=turn.heard,
            result=turn.result,
            skill=turn.skill,
            requests=tuple(turn.requests),
            responses=tuple(turn.responses),
            speech=speech,
            speech_ssml=ssml,
            reprompt=turn.reprompt.text if turn.reprompt is not None else None,
            card=turn.card,
            session_open=session is not None,
            listen=self._purchase is not None or (session is not None and session.listening),
            events=tuple(turn.events),
            error=turn.error,
        )


_SPEAK = re.compile(r"^\s*<speak(?:\s[^>]*)?>(.*)</speak>\s*$", re.DOTALL)


def join_speech(parts: Sequence[Speech]) -> tuple[str | None, bool]:
    """Several things to say as one: plain text when all are plain, else one ``<speak>`` with each part's
    content (plain parts escaped)."""
    if not parts:
        return None, False
    if len(parts) == 1:
        return parts[0].text, parts[0].ssml
    if not any(p.ssml for p in parts):
        return " ".join(p.text.strip() for p in parts), False
    inner = []
    for part in parts:
        if part.ssml:
            match = _SPEAK.match(part.text)
            inner.append((match.group(1) if match else part.text).strip())
        else:
            inner.append(html.escape(part.text.strip(), quote=False))
    return "<speak>" + " ".join(inner) + "</speak>", True


def _chained_intent(reply: Reply) -> dict[str, Any] | None:
    """The ``updatedIntent`` of a Dialog directive in a reply to a LaunchRequest: the intent it starts."""
    for directive in reply.dialog_directives:
        updated = directive.get("updatedIntent")
        if isinstance(updated, dict) and isinstance(updated.get("name"), str):
            return updated
    return None
