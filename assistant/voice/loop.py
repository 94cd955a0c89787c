"""The voice loop: audio in, wake word, one utterance at a time through the engine, speech out.

One audio path for a microphone and a recording alike. Every decision is taken on the source's timeline: a
recording is processed as fast as the CPU allows, and its silences and the reprompt timeouts are measured in
recording time.

Follow one utterance, per 30 ms chunk (``VoiceLoop._step``):

1. ``IDLE``: the wake word detector (``voice.wake``) hears the phrase; ``voice.confirm.WakeCheck`` says whether it
   opens a request (a pause before it) and where the request begins. The push-to-talk key or, with no wake word,
   any speech does the same.
2. ``WAITING``: after a bare wake word, or when the skill asked something, the loop listens for speech to start
   until a deadline; silence until then is ``engine.handle_silence()``.
3. ``UTTERANCE``: ``voice.utterance.Utterance`` decodes the speech while it goes on and is the one place that
   decides it is over. The loop then takes the recognition, drops what noise made (``WakeCheck.spoken``), confirms
   the wake word (``WakeCheck.confirm``), and hands the request to the engine.
4. ``SPEAKING``: ``voice.reply.Reply`` says the engine's turn on the source's timeline. The input until the reply
   ends is the assistant's own voice: dropped, except for the wake word, which interrupts (barge-in). Then
   ``WAITING`` for the answer if the skill asked something, else ``IDLE``.

The wake word works at any time: while ``WAITING`` or in an ``UTTERANCE`` (the neural detector), what follows it
is handed to the engine as said after the wake word ("alexa, stop" inside a session).

The AudioPlayer plays beside all this (``voice.playalong.PlayAlong``, each chunk); the music ducks
(``LoopOptions.duck``) from the wake word until the reply has been spoken. What the player makes the engine send
meanwhile is a turn of kind ``player``, said while IDLE.

``ALERTING``: a timer rings. While IDLE (or ALERTING) the loop says the reminders and timers due
(``voice.alerts.AlertClock``); while a timer rings its announcement is said again, and the wake word is heard as in
IDLE, so "alexa, stop" stops it (the engine stops an alert before anything else: ``voice.sounding.STOP_ORDER``).
``PLAYING`` is not entered: the player plays whatever the loop's state.

The transitions, all in the "transitions" section of ``VoiceLoop``:

====================  ============================================================================
``_enter_idle``       → IDLE: no request came, a wake word was not confirmed, or after a reply
``_begin_waiting``    → WAITING: after a bare wake word (or a key press), or for the skill's answer
``_keep_waiting``     → WAITING again until the same deadline: what was heard was nothing
``_begin_utterance``  → UTTERANCE: speech started, or a wake word was heard in the same breath
``_begin_speaking``   → SPEAKING, then WAITING or IDLE, announced now for when the reply ends
``_end_speaking``     SPEAKING → that next state, once the input is past the reply
====================  ============================================================================
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from assistant.asr.decoder import Recognition, Recognizer
from assistant.audio.chunk import AudioChunk, AudioSink, AudioSource
from assistant.audio.stream import MixOutput
from assistant.audio.wav import SAMPLE_RATE
from assistant.grammar.compiler import CompiledGrammar, with_prefix
from assistant.nlu.result import IntentResult
from assistant.runtime.engine import Turn
from assistant.tts.speaker import Speaker
from assistant.voice.alerts import AlertClock, AlertSource
from assistant.voice.confirm import SpeechCheckOptions, WakeCheck, WakeOptions, request_words
from assistant.voice.endpoint import Endpointer, SpeechEvent
from assistant.voice.options import LoopOptions, Trigger, with_settings
from assistant.voice.playalong import PlayAlong
from assistant.voice.reply import Feedback, Reply, ReplyOptions, TurnRecord
from assistant.voice.second_pass import SecondPass, shared_second_pass
from assistant.voice.utterance import Ending, Utterance, UtteranceOptions
from assistant.voice.vad import SpeechDetector
from assistant.voice.wake import PEAK_AFTER, WakeDetection, WakeSpotter, make_detector

__all__ = [
    "Feedback", "LoopOptions", "LoopState", "ReplyOptions", "SpeechCheckOptions", "Trigger", "TurnRecord",
    "UtteranceOptions", "VoiceEngine", "VoiceLoop", "WakeOptions", "chunks_of", "with_settings",
]

log = logging.getLogger(__name__)


class VoiceEngine(Protocol):
    """What the loop needs of the runtime engine (``assistant.runtime.engine.Engine``)."""

    def listening_grammar(self, woken: bool = False) -> CompiledGrammar: ...
    def expects_answer(self) -> bool: ...
    def handle_recognition(self, result: IntentResult | None, transcript: str, woken: bool = False) -> Turn: ...
    def handle_silence(self) -> Turn: ...


class LoopState(enum.Enum):
    """What the loop is doing (see the module's docstring for the transitions)."""

    IDLE = "idle"
    """Waiting for the wake word (or the push-to-talk key, or, with no wake word, for any speech)."""
    WAITING = "waiting"
    """Listening for speech to start, until a deadline."""
    UTTERANCE = "utterance"
    """Hearing and decoding an utterance, until it is over."""
    SPEAKING = "speaking"
    """The assistant's turn, from the decision to the end of its reply: the input is its own voice."""
    ALERTING = "alerting"
    """A timer rings: its announcement is said again and again until "alexa, stop"; the wake word is heard."""
    PLAYING = "playing"
    """A skill's audio plays (not entered yet: no player)."""


class VoiceLoop:
    """Runs a conversation from an AudioSource through the engine, speaking through AudioSinks.

    The recogniser must be started by its owner; the loop owns its wake word detector, voice activity detector
    and endpointer for the duration of ``run``. ``run`` returns when the source ends.
    """

    def __init__(
        self,
        engine: VoiceEngine,
        recognizer: Recognizer,
        speaker: Speaker | None,
        sinks: Sequence[AudioSink] = (),
        options: LoopOptions | None = None,
        feedback: Callable[[Feedback], None] | None = None,
        second_pass: SecondPass | None = None,
        music: MixOutput | None = None,
    ) -> None:
        self.engine = engine
        """The runtime engine: grammars, turns, sessions."""
        self.recognizer = recognizer
        """A started recogniser."""
        self.options = options or LoopOptions()
        """How to listen."""
        self.records: list[TurnRecord] = []
        """Every turn so far."""
        self.wakes: list[WakeDetection] = []
        """Every wake word the loop acted on (with ``WakeOptions.confirm``: those followed by an understood
        request, or by nothing until the deadline)."""
        self.ignored_wakes: list[WakeDetection] = []
        """Wake phrases spotted inside speech (not at its start), which were ignored."""
        self.short_wakes: list[WakeDetection] = []
        """Detections too short to be the whole wake phrase, which were ignored (``WakeOptions.min_phone_seconds``)."""
        self.shown_wakes: list[WakeDetection] = []
        """Wake words the user was shown (``Feedback("wake")``): the assistant listened for a request after them,
        or understood the request said in the same breath."""
        self.unconfirmed_wakes: list[WakeDetection] = []
        """Wake words followed by speech the grammar rejected: dropped silently (``WakeOptions.confirm``)."""
        self._feedback = feedback or (lambda _f: None)
        self.reply = Reply(speaker, sinks, self.options.reply, self._feedback)
        """What the assistant says."""
        alerts: AlertSource | None = engine if hasattr(engine, "poll_alerts") else None  # type: ignore[assignment]
        self.alerts = AlertClock(alerts) if alerts is not None else None
        """The engine's reminders and timers, when it has them."""
        self._second_pass = second_pass
        self.player = PlayAlong(engine, self.reply, music, self.options.duck, self.options.controls)
        """The AudioPlayer beside the conversation, and the device volume."""
        # for one run (``run`` sets them)
        self._ring: collections.deque[AudioChunk] = collections.deque()
        self._spotter: WakeSpotter | None = None
        self._vad: SpeechDetector | None = None
        self._endpointer: Endpointer | None = None
        self._check: WakeCheck | None = None
        self._utt: Utterance | None = None
        # the state
        self._state = LoopState.IDLE
        self._after_speaking = LoopState.IDLE
        self._listen_from = 0.0
        self._deadline = 0.0
        self._answering = False
        self._woken = False
        self._pending_wake: WakeDetection | None = None
        self._placed: WakeDetection | None = None  # the pending wake word whose phrase a same-breath decode placed
        self._now = 0.0
        self._last_speech_end = float("-inf")

    @property
    def state(self) -> LoopState:
        """What the loop is doing now."""
        return self._state

    @property
    def now(self) -> float:
        """Seconds of the source's timeline handled so far (a clock for an engine that follows a recording)."""
        return self._now

    # -- running --------------------------------------------------------------------------------------------
    def run(self, source: AudioSource) -> list[TurnRecord]:
        """Listen to ``source`` (entered by the caller) until it ends; the turns, in order."""
        opts = self.options
        self._endpointer = Endpointer(opts.utterance.endpoint, source.rate)
        w = opts.wake
        spotter = (
            make_detector(w.phrase, w.threshold, w.min_phone_seconds, w.engine)
            if opts.trigger is Trigger.WAKE_WORD
            else None
        )
        helper = None
        if spotter is not None and w.confirm and w.verify and w.verify_in_helper:
            helper = (self._second_pass or shared_second_pass(self.recognizer.config)).start()
        self._vad = SpeechDetector(keep=opts.ring_seconds) if opts.speech.enabled else None
        self.reply.start(source.realtime, getattr(source, "timeline", None))
        self.player.realtime = source.realtime
        progressive = getattr(getattr(self.engine, "services", None), "progressive", None)
        if progressive is not None:  # a progressive response is said as it comes, while the skill works
            progressive.speak = lambda _skill, text: self.reply.progressive(text, text.lstrip().startswith("<speak"))
        try:
            if spotter is not None:
                self._spotter = spotter.start()
            if self._vad is not None:
                self._vad.start()
            self._check = WakeCheck(w, opts.speech, self.recognizer, self._spotter, self._vad, helper, self._ring,
                                    opts.utterance.command_timeout)
            check = self._check
            self._utt = Utterance(opts.utterance, self.recognizer, self._endpointer, self._ring,
                                  check.request_cut, lambda: self._pending_wake is not None
                                  and check.unsure(self._pending_wake), self._vad)
            self.warm_up()
            if self.engine.expects_answer():  # a session already waits for an answer
                self._begin_waiting(0.0, opts.utterance.answer_timeout, answering=True)
            else:
                self._enter_idle(0.0)
            for chunk in source:
                self._step(chunk)
            if self._state is LoopState.UTTERANCE:
                self._end_utterance(self._utt.at_input_end(self._now))
        finally:
            if progressive is not None:
                progressive.speak = None
            if spotter is not None:
                self.short_wakes += spotter.implausible
                spotter.stop()
            if self._vad is not None:
                self._vad.stop()
            self._spotter = None
        return self.records

    def warm_up(self) -> None:
        """Load the first grammar and the synthesiser now, so the first reply is as quick as the others."""
        self.recognizer.use(self.engine.listening_grammar())
        if self.reply.speaker is not None:
            self.reply.speaker.synthesize("OK.")

    # -- one chunk ------------------------------------------------------------------------------------------
    def _step(self, chunk: AudioChunk) -> None:
        """One chunk of input, handled by the state it arrives in."""
        assert self._endpointer is not None
        self._now = chunk.end
        self._play_along(chunk)
        if self._state in (LoopState.IDLE, LoopState.ALERTING) and self._alert(chunk.end):
            return
        if self._state is LoopState.SPEAKING:
            if self.reply.sounding(chunk.end):
                self._while_speaking(chunk)
                return
            self._end_speaking()
        if chunk.start < self.reply.until:  # the reply ends inside this chunk: keep the part after it
            cut = int(round((self.reply.until - chunk.start) * chunk.rate))
            samples = chunk.samples.copy()
            samples[:cut] = 0
            chunk = AudioChunk(samples, chunk.rate, chunk.start)
        events = self._endpointer.process(chunk)
        if self._vad is not None:
            self._vad.process(chunk)
        asleep = self._state in (LoopState.IDLE, LoopState.ALERTING)  # only the wake word opens a request
        if not asleep:
            self._last_speech_end = float("-inf")  # listening: whatever came before was not speech to us
        self._ring.append(chunk)
        while self._ring and self._ring[0].end < chunk.end - self.options.ring_seconds:
            self._ring.popleft()
        if not asleep and self._spotter is not None and not self._spotter.timed:
            detection = self._spotter.process(chunk)  # the wake word works at any time (the neural detector)
            if detection is not None and self._wake_at_any_time(detection, chunk):
                return
        if self._state in (LoopState.IDLE, LoopState.ALERTING):
            self._idle(chunk, events)
        elif self._state is LoopState.WAITING:
            self._waiting(chunk, events)
        elif self._state is LoopState.UTTERANCE:
            self._utterance(chunk, events)
        for event in events:
            if event.kind == "end":
                self._last_speech_end = event.speech_time

    def _idle(self, chunk: AudioChunk, events: list[SpeechEvent]) -> None:
        """IDLE: the wake word (or the key, or any speech) opens a request."""
        opts = self.options
        if opts.trigger is Trigger.ALWAYS:
            for event in events:
                if event.kind == "start":
                    self._begin_utterance(event.speech_time, None)
                    return
            return
        if opts.trigger is Trigger.PUSH_TO_TALK:
            if opts.push is not None and opts.push():
                self._begin_waiting(chunk.end, opts.utterance.command_timeout, answering=False)
            return
        assert self._spotter is not None and self._endpointer is not None and self._check is not None
        detection = self._spotter.process(chunk)
        if detection is None:
            return
        if not self._check.opens_utterance(detection, self._endpointer.speech_start, self._last_speech_end):
            self.ignored_wakes.append(detection)
            log.info("wake phrase at %.2f s is inside speech, not at its start: ignored", detection.start)
            return
        self._woken = False
        self._accept_wake(detection)
        self._after_wake(detection, chunk)

    def _waiting(self, chunk: AudioChunk, events: list[SpeechEvent]) -> None:
        """WAITING: speech that starts begins an utterance; the deadline passing is silence."""
        opts = self.options.utterance
        pending = self._pending_wake
        if (pending is not None and not self._answering and not self._shown(pending) and self._check is not None
                and chunk.end >= pending.end + PEAK_AFTER):  # the detector's score over the word is known now
            if self._check.weak(pending):  # a request after a pause would not count: back to sleep
                self._forget_wake(pending, chunk.end)
                return
            self._show_wake(pending)
            self._feedback(Feedback("listening", chunk.end))
        for event in events:
            if event.kind == "start" and self._within_wake_word(pending, event):
                # openWakeWord fired before the endpointer called the speech around it speech, or in a pause too
                # short to be one: the request is in the same breath, and the decoder places the end of the word
                assert pending is not None and self._check is not None
                start = self._check.phrase_start(pending)
                log.info("wake word heard at %.2f s, in speech that began at %.2f s: decoding from %.2f s with it "
                         "in front", pending.end, event.speech_time, start)
                self._begin_utterance(start, pending, prefixed=True)
                self._utterance(chunk, [e for e in events if e.at > event.at or e.kind == "end"], fed=True)
                return
            if event.kind == "start" and event.speech_time + opts.min_command > self._listen_from:
                self._begin_utterance(max(event.speech_time - opts.lead_in, self._listen_from), None)
                self._utterance(chunk, [e for e in events if e.at > event.at or e.kind == "end"], fed=True)
                return
        if chunk.end >= self._deadline:
            self._silence(chunk.end)

    def _within_wake_word(self, pending: WakeDetection | None, event: SpeechEvent) -> bool:
        """Speech that starts (``event``) began before the pending wake word was heard, or less than a pause
        (``WakeOptions.pause``) after: the word and the request are one breath."""
        if pending is None or self._check is None or self._answering:
            return False
        w = self.options.wake
        return (self._check.neural and w.prefix and not self._check.doubtful(pending)
                and event.speech_time < pending.end + w.pause)

    def _utterance(self, chunk: AudioChunk, events: list[SpeechEvent], fed: bool = False) -> None:
        """UTTERANCE: decode the chunk (unless the catch-up from the ring already did: ``fed``), start the wake
        word's second pass ahead of time at a pause, and end the utterance when ``Utterance.ended`` says so."""
        assert self._utt is not None and self._check is not None and self._endpointer is not None
        utt = self._utt
        utt.feed(chunk, events, fed)
        if utt.deferred is None and utt.grammar is not None:
            self._check.check_ahead(self._pending_wake, utt.wake, utt.grammar, self._endpointer.voiced_end,
                                    chunk.end, self.reply.until)
        ending = utt.ended(chunk, events)
        if ending is not None:
            self._end_utterance(ending)

    def _while_speaking(self, chunk: AudioChunk) -> None:
        """SPEAKING: input heard while the assistant speaks is dropped, except for the wake word, which always
        interrupts (a reply that says the wake word itself cannot be interrupted: it would wake itself). The
        keyphrase spotter, which is eager and relies on the grammar to confirm it, listens while speaking only
        with barge-in on."""
        spotter = self._spotter
        if spotter is None or (spotter.timed and not self.options.reply.barge_in):
            return
        detection = spotter.process(chunk)
        if detection is None or (self._check is not None and self._check.doubtful(detection)):
            return
        if self.reply.says(spotter.phrase):
            log.info("wake word at %.2f s while saying it ourselves: ignored", detection.end)
            return
        log.info("barge-in: wake word at %.2f s stops the reply", detection.end)
        self.reply.stop(detection.detected_at)
        assert self._endpointer is not None
        self._endpointer.reset(chunk.end)
        self._ring.clear()
        self._woken = self.engine.expects_answer()
        self._accept_wake(detection)
        self._begin_waiting(chunk.end, self.options.utterance.command_timeout, answering=False)

    # -- the player ------------------------------------------------------------------------------------------
    def _play_along(self, chunk: AudioChunk) -> None:
        """The player beside the conversation: what it makes the engine send (said while IDLE), and its sound for
        this chunk's stretch of the timeline, ducked while the assistant listens or speaks."""
        turn = self.player.turn(chunk)
        if turn is not None:
            record = TurnRecord(turn, "player", chunk.start)
            if turn.speech and self._state is LoopState.IDLE:
                self._respond(record, time.perf_counter())
            else:
                self.records.append(record)
        ducked = self._state is not LoopState.IDLE or self.reply.sounding(chunk.start)
        if self.options.duck_on_speech and self._endpointer is not None and self._endpointer.in_speech:
            ducked = True  # perhaps the wake word and a request in the same breath
        self.player.play(chunk, ducked)

    # -- the wake word ----------------------------------------------------------------------------------------
    def _wake_at_any_time(self, detection: WakeDetection, chunk: AudioChunk) -> bool:
        """The wake word while listening for an answer or hearing an utterance: what follows it is decoded with the
        session's grammar, stop/cancel/help and the top level ("alexa, open another skill"), and handed to the
        engine as said after the wake word. False when the detection is ignored."""
        assert self._endpointer is not None and self._check is not None and self._utt is not None
        pending = self._pending_wake
        if self._check.doubtful(detection):  # the keyphrase search alone: only while asleep
            if (pending is not None and self._check.doubtful(pending) and self._state is LoopState.UTTERANCE
                    and self._check.opens_utterance(detection, self._endpointer.speech_start,
                                                    self._last_speech_end)):
                self._check.heard_again(pending, detection)  # where the second pass may find the phrase
            return False
        if pending is not None and not self._check.doubtful(pending):
            return False  # already awake: a request after the wake word is being heard
        if not self._check.opens_utterance(detection, self._endpointer.speech_start, self._last_speech_end):
            return False
        if pending is not None:  # openWakeWord heard what the keyphrase search woke on, later: it takes over
            log.info("wake word at %.2f s, heard by openWakeWord too: it replaces the keyphrase's", detection.end)
            if pending in self.wakes:
                self.wakes.remove(pending)
            self._pending_wake = None
        if self._state is LoopState.UTTERANCE:
            self._utt.discard()
        log.info("wake word at %.2f s while listening: what follows goes to the engine as after the wake word",
                 detection.end)
        self._woken = self.engine.expects_answer()
        self._accept_wake(detection)
        self._after_wake(detection, chunk)
        return True

    def _after_wake(self, detection: WakeDetection, chunk: AudioChunk) -> None:
        """Decode the request in the same breath as the wake word, or wait for it."""
        assert self._endpointer is not None and self._check is not None
        w = self.options.wake
        if self._check.neural and w.prefix and self._endpointer.in_speech:
            start = self._check.phrase_start(detection)  # the decoder places the end of the word itself
            log.info("wake word heard at %.2f s: decoding from %.2f s with it in front", detection.end, start)
            self._begin_utterance(start, detection, prefixed=True)
        elif self._endpointer.in_speech:  # "alexa, open high low game" in one breath
            start = detection.end - w.cut.before if self._check.neural else detection.end
            self._begin_utterance(start, detection, search=w.cut_search > 0)
        elif self._check.doubtful(detection):  # the keyphrase search alone, and no request in the same breath
            self._forget_wake(detection, chunk.end)
        else:
            self._begin_waiting(chunk.end, self.options.utterance.command_timeout, answering=False)

    def _forget_wake(self, wake: WakeDetection, at: float) -> None:
        """Back to sleep, the wake word unconfirmed, without a trace."""
        self._pending_wake = None
        if wake in self.wakes:
            self.wakes.remove(wake)
        self.unconfirmed_wakes.append(wake)
        self._enter_idle(at)

    def _accept_wake(self, detection: WakeDetection) -> None:
        """The wake word counts, pending what follows; it is shown (``_show_wake``) once the assistant listens
        for a request after it, or once the request in the same breath is understood."""
        self.wakes.append(detection)
        self._pending_wake = detection
        if self._check is not None:
            self._check.noisy_room(detection)  # judged now, while the audio before the word is at hand

    def _shown(self, detection: WakeDetection) -> bool:
        return bool(self.shown_wakes) and self.shown_wakes[-1] is detection

    def _show_wake(self, detection: WakeDetection | None) -> None:
        """Tell the user the assistant woke (once per wake word): a wake word in the middle of a sentence that
        the grammar then rejects is never shown."""
        if detection is None or (self.shown_wakes and self.shown_wakes[-1] is detection):
            return
        self.shown_wakes.append(detection)
        self._feedback(Feedback("wake", detection.end, detection.phrase))

    def _drop_wake(self, wake: WakeDetection, failed: Recognition, at: float, prefixed: bool) -> None:
        """What followed the wake word did not confirm it: keep listening for the request, or back to sleep with
        the wake word unconfirmed (``WakeCheck.rejected``)."""
        assert self._check is not None
        rejection = self._check.rejected(wake, failed, at, prefixed)
        if rejection.listen_until is not None:
            self._pending_wake = wake
            self._begin_waiting(at, rejection.listen_until - at, answering=False)
            return
        self._forget_wake(wake, at)

    # -- the end of an utterance --------------------------------------------------------------------------------
    def _end_utterance(self, ending: Ending) -> None:
        """The utterance is over: take its recognition, drop what noise made, confirm a wake word, and hand the
        request to the engine."""
        assert self._utt is not None and self._check is not None and self._endpointer is not None
        utt, check = self._utt, self._check
        speech_end, at = ending.speech_end, ending.at
        recognition, t0 = utt.recognition(ending)
        phrase_end = None
        if utt.prefixed:
            recognition, phrase_end = check.without_phrase(recognition, utt.decode_from)
        recognition = check.spoken(recognition, utt.decode_from)
        wake = utt.wake
        decoded = time.perf_counter()
        words = request_words(recognition)
        heard_until = utt.decode_from + words[-1].end if words else speech_end
        log.info("utterance %.2f-%.2f s decoded as %r (prefixed %s; wake word ended %s)", utt.decode_from, speech_end,
                  " ".join(w.word for w in words), utt.prefixed, f"{wake.end:.2f} s" if wake else "-")
        pending = self._pending_wake
        if (wake is not None and pending is not None and heard_until - wake.end < self.options.utterance.min_command
                and speech_end - heard_until > self.options.wake.reject_speech):
            # words that end at the wake word, then a sentence they leave out ("Alexis is starting at the new
            # school" as "alexa exit"): another sentence, not the word misheard
            going_on = dataclasses.replace(recognition, result=None, rejected="speech goes on after its words")
            self._drop_wake(pending, going_on, at, utt.prefixed)
            return
        if wake is not None and min(speech_end, heard_until) - wake.end < self.options.utterance.min_command:
            # the words end about where the detector heard the wake word: they are the word itself, misheard
            # ("alexa" as "alexa help"), and the request, if any, is still to come
            if utt.prefixed and self._endpointer.in_speech and heard_until < at:
                log.info("nothing after the wake word yet; what comes next is the request")
                self._placed = self._pending_wake if phrase_end is not None else None
                self._begin_utterance(heard_until, None)
                return
            pending = self._pending_wake
            if pending is not None and (check.doubtful(pending) or check.weak(pending)):
                self._forget_wake(pending, at)  # a request after a pause would not count
                return
            log.info("nothing after the wake word yet; waiting for the request")
            self._begin_waiting(at, self.options.utterance.command_timeout, answering=False)
            return
        pending, self._pending_wake = self._pending_wake, None
        placed = (utt.prefixed and phrase_end is not None) or (pending is not None and self._placed is pending)
        self._placed = None
        if pending is not None and self.options.wake.confirm and not self.engine.expects_answer():
            outside = check.outside_speech(recognition, utt.decode_from, phrase_end, speech_end)
            failed = check.confirm(pending, recognition, outside, wake, utt.grammar or self._grammar(),
                                   self._endpointer.voiced_end, speech_end, self.reply.until, placed)
            if failed is not None:
                self._drop_wake(pending, failed, at, utt.prefixed)
                return
        if not recognition.transcript and wake is None:  # noise, a cough: not an utterance
            log.info("speech at %.2f-%.2f s matched nothing (%s)", utt.start, speech_end, recognition.rejected)
            if self._answering or self.options.trigger is Trigger.PUSH_TO_TALK:
                self._keep_waiting()
            else:
                self._enter_idle(at)
            return
        self._show_wake(pending or wake)
        self._feedback(Feedback("heard", at, recognition.transcript))
        self._feedback(Feedback("thinking", at))
        self.reply.expect(at, t0)
        if self._woken:
            turn = self.engine.handle_recognition(recognition.result, recognition.transcript, woken=True)
        else:
            turn = self.engine.handle_recognition(recognition.result, recognition.transcript)
        self._woken = False
        handled = time.perf_counter()
        record = TurnRecord(
            turn, "speech", at, wake, utt.start if wake is None else wake.start, speech_end, recognition,
            decode_seconds=decoded - t0, engine_seconds=handled - decoded,
        )
        self._respond(record, t0)

    def _silence(self, at: float) -> None:
        """Nothing said until the deadline: the reprompt if a skill asked something, else back to sleep."""
        pending, self._pending_wake = self._pending_wake, None
        if pending is not None and pending in self.wakes:  # nothing understood followed it
            self.wakes.remove(pending)
            self.unconfirmed_wakes.append(pending)
        if not self._answering:
            log.info("no request heard after %.1f s", self.options.utterance.command_timeout)
            self._enter_idle(at)
            return
        self._feedback(Feedback("silence", at))
        t0 = time.perf_counter()
        self.reply.expect(at, t0)
        turn = self.engine.handle_silence()
        record = TurnRecord(turn, "silence", at, engine_seconds=time.perf_counter() - t0)
        self._respond(record, t0)

    def _alert(self, at: float) -> bool:
        """Say the reminders and timers due now, or a ringing timer's announcement again; True when speaking."""
        if self.alerts is None or not self.alerts.time_to_look(at):
            return False
        self.reply.expect(at, time.perf_counter())
        turn, ringing = self.alerts.due(at)
        if turn is None:
            if not ringing and self._state is LoopState.ALERTING:
                self._enter_idle(at)
            return False
        t0 = time.perf_counter()
        record, resume = self.reply.respond(TurnRecord(turn, "alert", at), t0)
        self.records.append(record)
        self._feedback(Feedback("done", resume, "", record.turn))
        self._enter_idle(resume)
        if ringing:
            self._state = LoopState.ALERTING
        self._after_speaking = self._state
        self._state = LoopState.SPEAKING
        if self._spotter is not None and self._spotter.timed:
            self._spotter.reset(resume)
        return True

    def _respond(self, record: TurnRecord, t0: float) -> None:
        """Say the turn's speech on the timeline and show its card, then the assistant's turn until it ends."""
        record, resume = self.reply.respond(record, t0)
        self.records.append(record)
        self._feedback(Feedback("done", resume, "", record.turn))
        self._begin_speaking(resume, answer=self.engine.expects_answer())
        if self._spotter is not None and self._spotter.timed:  # it did not listen while we spoke
            self._spotter.reset(resume)

    def _grammar(self, prefixed: bool = False) -> CompiledGrammar:
        """The grammar to decode with: after the wake word inside a session, the engine's woken grammar; with
        ``prefixed`` (right after a neural wake), with the wake phrase as an optional first word."""
        grammar = self.engine.listening_grammar(woken=True) if self._woken else self.engine.listening_grammar()
        if prefixed and self._spotter is not None:
            grammar = with_prefix(grammar, self._spotter.phrase.split())
            entry = self._check.prefix_entry if self._check is not None else None
            self.recognizer.use(grammar, entry=entry)  # loaded with its own prior
        return grammar

    # -- transitions ----------------------------------------------------------------------------------------
    def _enter_idle(self, at: float) -> None:
        """→ IDLE at ``at`` seconds."""
        self._state = LoopState.IDLE
        self._woken = False
        if self.options.trigger is not Trigger.ALWAYS:
            self._feedback(Feedback("idle", at, self.options.wake.phrase))
        else:
            self._feedback(Feedback("listening", at))

    def _begin_waiting(self, at: float, timeout: float, answering: bool) -> None:
        """→ WAITING from ``at`` for ``timeout`` seconds, for an answer to the skill or for a request."""
        pending = self._pending_wake
        # after openWakeWord, shown once its score over the word is known (``_waiting``): a weak one is not
        defer = (not answering and pending is not None and self._check is not None and self._check.neural
                 and at < pending.end + PEAK_AFTER)
        if not answering and not defer:
            self._show_wake(pending)
        self._state = LoopState.WAITING
        self._listen_from = at
        self._deadline = at + timeout
        self._answering = answering
        if not defer:
            self._feedback(Feedback("listening", at))

    def _keep_waiting(self) -> None:
        """→ WAITING again, until the deadline already set (what was heard was nothing)."""
        self._state = LoopState.WAITING

    def _begin_utterance(
        self, start: float, wake: WakeDetection | None, prefixed: bool = False, search: bool = False
    ) -> None:
        """→ UTTERANCE from ``start`` seconds (with ``search``: from where the request after the same-breath
        wake word ``wake`` begins)."""
        assert self._utt is not None and self._check is not None
        self._state = LoopState.UTTERANCE
        window = self._check.cut_window() if search else None
        woken = self._pending_wake  # the request after a wake word openWakeWord heard: judged with the room
        room = woken is not None and self._check.neural and not self._check.doubtful(woken)
        # A noisy request after the wake word, rejected, is decoded again with a wider word beam: the wake word's
        # checks still judge what that hears. An answer in a session has no such check: noise must not answer.
        retry = wake is not None or woken is not None
        self._utt.begin(start, wake, self._grammar(prefixed), prefixed, window, room, retry)

    def _begin_speaking(self, until: float, answer: bool) -> None:
        """→ SPEAKING until ``until`` seconds, then WAITING for the answer the skill asked for (``answer``), else
        IDLE; that next state is announced now, for ``until``."""
        if answer:
            self._begin_waiting(until, self.options.utterance.answer_timeout, answering=True)
        else:
            self._enter_idle(until)
        self._after_speaking = self._state
        self._state = LoopState.SPEAKING

    def _end_speaking(self) -> None:
        """SPEAKING → the state announced when the reply was decided (``_begin_speaking``)."""
        self._state = self._after_speaking


def chunks_of(samples: np.ndarray, block: int = 480, rate: int = SAMPLE_RATE) -> Iterator[AudioChunk]:
    """Fixed-size chunks of an int16 array (the last zero-padded), for feeding the loop from memory."""
    for first in range(0, samples.size, block):
        part = samples[first : first + block]
        if part.size < block:
            part = np.concatenate([part, np.zeros(block - part.size, np.int16)])
        yield AudioChunk(part, rate, first / rate)
