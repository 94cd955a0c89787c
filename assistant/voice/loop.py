"""The voice loop: audio in, wake word, one utterance at a time through the engine, speech out.

One audio path for a microphone and a recording alike. Every decision is taken on the source's timeline: a
recording is processed as fast as the CPU allows, and its silences and the reprompt timeouts are measured in
recording time. What the assistant says is placed on the same timeline (``AudioSink.play(at=...)``): after the
processing time actually spent for a microphone, after a fixed time for a recording (so that a replay is
reproducible, ``LoopOptions.replay_response``). The input heard while it speaks is dropped, as a microphone next
to the speaker would have heard it, unless barge-in is on.

States, per 30 ms chunk:

- ``idle``: waiting for the wake word (or the push-to-talk key, or, with no wake word, for any speech);
- ``waiting``: listening for speech to start, until a deadline (after a bare wake word, or when the skill asked
  something; silence until the deadline is ``engine.handle_silence()``);
- ``utterance``: speech is being decoded while it goes on, until the endpointer says it ended (or the length cap).
"""

from __future__ import annotations

import collections
import enum
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from assistant.asr.decoder import Recognition, Recognizer, WordTiming
from assistant.asr.plausible import PlausibilityLimits, reasons
from assistant.audio.chunk import AudioChunk, AudioSink, AudioSource
from assistant.grammar.compiler import CompiledGrammar, with_prefix
from assistant.nlu.result import IntentResult
from assistant.runtime.engine import Turn
from assistant.tts.speaker import Speaker
from assistant.voice.confirm import CutOptions, agree, confirms, request_start
from assistant.voice.endpoint import EndpointConfig, Endpointer, SpeechEvent
from assistant.voice.second_pass import SecondPass, shared_second_pass
from assistant.voice.vad import SpeechDetector
from assistant.voice.wake import (
    DEFAULT_MIN_PHONE_SECONDS,
    DEFAULT_PHRASE,
    WakeDetection,
    WakeSpotter,
    make_detector,
)

log = logging.getLogger(__name__)


class VoiceEngine(Protocol):
    """What the loop needs of the runtime engine (``assistant.runtime.engine.Engine``)."""

    def listening_grammar(self, woken: bool = False) -> CompiledGrammar: ...
    def expects_answer(self) -> bool: ...
    def handle_recognition(self, result: IntentResult | None, transcript: str, woken: bool = False) -> Turn: ...
    def handle_silence(self) -> Turn: ...


class Trigger(enum.Enum):
    """What opens the microphone when no skill is waiting for an answer."""

    WAKE_WORD = "wake-word"
    """The wake word, spotted continuously."""
    PUSH_TO_TALK = "push-to-talk"
    """A key press (``LoopOptions.push`` is polled)."""
    ALWAYS = "always"
    """Any speech is a request (``--no-wake``)."""


@dataclass(frozen=True, slots=True)
class LoopOptions:
    """How the loop listens."""

    trigger: Trigger = Trigger.WAKE_WORD
    """What opens the microphone when no skill asked anything."""
    wake_phrase: str = DEFAULT_PHRASE
    """The wake word or phrase."""
    wake_engine: str = "keyphrase"
    """``neural`` (openWakeWord, for "alexa" and its other models) or ``keyphrase`` (pocketsphinx, any phrase);
    see ``voice.wake``."""
    wake_threshold: float | None = None
    """The detector's threshold (lower is more sensitive); None: the detector's default (``make_detector``)."""
    wake_lead: float = 0.3
    """The wake phrase must begin within this many seconds of the start of speech (it opens an utterance)."""
    wake_quiet_before: float = 0.5
    """...and that speech must follow at least this many seconds of silence (not a pause inside a sentence)."""
    answer_timeout: float = 8.0
    """Seconds (source time) to wait for an answer once the skill asked something, before the reprompt."""
    command_timeout: float = 5.0
    """Seconds to wait for a request after a bare wake word (or a push-to-talk press)."""
    wake_cut_search: float = 0.25
    """After a wake phrase in the same breath as the request, decoding starts at the quietest 10 ms in this many
    seconds after the spotted end (the spotter often ends the phrase before its last phone is over, and a phone
    left over at the start makes the grammar reject the request); 0: right at the spotted end."""
    wake_cut: CutOptions = field(default_factory=CutOptions)
    """For a detector that only says when it heard the phrase: how the start of a same-breath request is found
    (the first pause after the word)."""
    wake_pause: float = 0.25
    """Neural detector: the wake word counts only after a pause of this many seconds (by the VAD) in the
    ``wake_pause_window`` seconds before the last ``wake_pause_skip`` seconds before the detection (the word
    itself); people pause before they call the assistant, and in continuous talk a near-word does not wake it.
    0: no such check."""
    wake_pause_window: float = 1.5
    """See ``wake_pause``."""
    wake_pause_skip: float = 0.45
    """See ``wake_pause``."""
    wake_prefix: bool = True
    """After a neural wake (which says when the phrase was heard, not where it began or ended) in the same breath
    as the request: decode from just before the phrase, with the phrase in front of every sentence of the grammar
    (``grammar.with_prefix``), so the decoder places the boundary between the word and the request itself. The
    phrase begins where the pause before it (``wake_pause``) ends. False: cut at the first pause after the word
    (``wake_cut``), which clips the request's first phone when the detector fires late."""
    wake_prefix_margin: float = 0.1
    """Seconds of the pause kept before the phrase when decoding with it in front."""
    wake_reject_speech: float = 1.0
    """After a neural wake, a same-breath utterance that the grammar rejects with more than this many seconds of
    speech after the phrase was another sentence ("Alexei moved here from Moscow"): back to sleep. Shorter (a
    breath, a click, the tail of the word): keep listening for the request."""
    wake_min_phone_seconds: float = DEFAULT_MIN_PHONE_SECONDS
    """A wake phrase shorter than this many seconds per phone is a fragment of another word: ignored."""
    confirm_wake: bool = True
    """A wake word counts only if the grammar understands what follows it (in the same breath or before the
    deadline); otherwise it was most likely a false wake, and the loop goes back to sleep silently: no "Sorry",
    no turn sent to the engine (``VoiceLoop.unconfirmed_wakes``)."""
    verify_wake: bool = True
    """With ``confirm_wake``: decode the wake word and its request again as one utterance, with the wake phrase in
    front of every sentence of the grammar and the phone loop competing with the whole; a false wake ("what is
    the weather" spotted as "alexa, what can i say") fails there."""
    verify_noisy_entry: float = 1e-35
    """The phone loop's prior in that second pass for noisy utterances (the recogniser's default, 1e-45, lets
    too many false wakes through in noise)."""
    verify_below_phones: int = 20
    """Only requests shorter than this many phones get the second pass (see ``_needs_second_pass``)."""
    verify_margin: float = 0.3
    """Audio kept before the spotted wake phrase for the second pass, seconds."""
    verify_tail: float = 0.03
    """...and after the last voiced frame of the request, seconds. The second pass starts, in a helper process
    on the other core, as soon as this much silence follows the request, before the loop knows whether the
    pause ends it; if the user goes on, the answer is not used."""
    verify_max_uncovered: float = 0.2
    """In the second pass, which covers the wake phrase and the request, at most this many seconds of loud speech
    may lie outside the words (0.35 s for other utterances, ``PlausibilityLimits``): "alexa, what can I say" fits
    "how much does a gallon of gas cost" in noise except for 0.25 s; requests heard right leave none."""
    verify_min_phone_seconds: float = 0.05
    """In the second pass the wake phrase must last at least this many seconds per phone ("alexa": 0.3 s). Its
    alignment there is precise (synthesized "alexa": 0.48-0.59 s, clean or in noise), unlike the spotter's; a
    false wake squeezes the phrase into the first syllables of another sentence ("how tall is…": 0.26 s)."""
    verify_in_helper: bool = True
    """Run the second pass in a helper process (``voice.second_pass``), beside the first pass; False: after it,
    in this process (same answers, later)."""
    early_end: float = 0.09
    """Seconds of silence after which an utterance ends at once, without waiting for the endpointer, when what was
    heard is a whole sentence of the grammar that no word can continue ("open space facts"); 0: off. A sentence
    that may go on ("set a timer for five" → "… minutes") waits for the endpointer as before."""
    woken_max_phone_seconds: float = 0.2
    """After a neural wake in the same breath, a request of six phones or more that lasts longer than this many
    seconds per phone on average is not a request: people say them at 0.06-0.16 s per phone (synthesized
    voices, slow ones included), while a sentence begun with a near-word and forced into a short request
    stretches it ("Alexis is starting at the new school" as "alexa, start barista": 0.22)."""
    woken_entry: float | None = None
    """The phone loop's prior when decoding a same-breath request with the wake phrase in front, clean audio
    (None: the recogniser's ``garbage_entry``); fixed when that grammar is first loaded."""
    woken_noisy_entry: float | None = None
    """The same for noisy audio (None: the recogniser's ``garbage_entry_noisy``)."""
    hold_on_reject: float = 0.5
    """When the endpointer hears the end of speech but what was heard is not understood, keep the utterance open
    this many more seconds in case the user only paused ("tell me about … mars"); 0: end at once."""
    speech_check: bool = True
    """Drop an utterance when the neural voice activity detector (``voice.vad``) hears too little speech under
    its words: noise must not answer for the user."""
    min_speech: float = 0.15
    """Seconds of speech needed under the recognised words."""
    min_words_seconds: float = 0.15
    """The recognised words must span at least this many seconds: the shortest whole answer said ("no", "hi")
    lasts longer, a clatter that the grammar calls "eight" does not."""
    speech_probability: float = 0.5
    """A 30 ms frame is speech at or above this Silero probability."""
    speech_margin: float = 0.15
    """Seconds before the words (twice that after them) where speech outside them is not counted: word
    boundaries are approximate, and the VAD trails the end of speech."""
    min_command: float = 0.25
    """Speech after the wake word shorter than this, seconds, is not a request (the user paused after it)."""
    max_utterance: float = 10.0
    """Longest utterance, seconds; longer speech is cut and decoded as it is."""
    lead_in: float = 0.15
    """Audio kept before the detected start of speech, seconds."""
    ring_seconds: float = 12.0
    """Audio remembered for decoding from just after the wake word, seconds."""
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    """End-of-speech detection."""
    replay_response: float | None = 0.15
    """For a recording (a source that is not real time): seconds on the recording's timeline from the decision that
    an utterance is over to the first sample of the reply, and to listening again when nothing is said. Fixed, so
    that replaying a recording gives the same conversation on any machine under any load (``assistant test`` on
    recorded audio must not flake); the wall times actually taken are in each ``TurnRecord``. None: place replies
    by the wall time taken, as with a live microphone (always the case for a real-time source)."""
    barge_in: bool = False
    """Listen for the wake word while speaking, and stop speaking when it is heard."""
    push: Callable[[], bool] | None = None
    """For push-to-talk: returns True once per key press."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """Something the user should see: the CLI prints these; the library only logs them."""

    kind: str
    """``idle``, ``wake``, ``listening``, ``heard``, ``thinking``, ``speaking``, ``card``, ``silence``, ``done``."""
    at: float
    """When, seconds on the source's timeline."""
    text: str = ""
    """What was heard or said, the card's text."""
    turn: Turn | None = None
    """The engine's turn, for ``heard``, ``speaking`` and ``card``."""


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One turn of a spoken conversation, placed on the source's timeline (all times in seconds)."""

    turn: Turn
    """The engine's turn."""
    kind: str
    """``speech`` (the user said something) or ``silence`` (nothing until the deadline)."""
    at: float
    """When the turn was decided: the endpoint event, or the silence deadline."""
    wake: WakeDetection | None = None
    """The wake word that opened this utterance, if one did."""
    speech_start: float | None = None
    """Start of the user's speech, as the detector placed it."""
    speech_end: float | None = None
    """End of the user's speech, as the detector placed it."""
    recognition: Recognition | None = None
    """The recogniser's view: transcript, confidence, rejection."""
    reply_start: float | None = None
    """First sample of the reply on the timeline (None when nothing was said)."""
    reply_end: float | None = None
    """Just after the last sample of the reply."""
    decode_seconds: float = 0.0
    """Wall time from the endpoint to the recognition result."""
    engine_seconds: float = 0.0
    """Wall time the engine (and the skill) took."""
    first_audio_seconds: float = 0.0
    """Wall time to synthesize the first sentence of the reply."""
    reply_left: float | None = None
    """When the reply's first sample actually left for the loudspeaker, on the source's timeline (a live
    microphone and speaker only: ``SpeakerSink.last_playback`` mapped by ``MicrophoneSource.timeline``)."""

    @property
    def latency_from_endpoint(self) -> float | None:
        """Endpoint event → first sample of the reply, seconds, by the wall time taken (also when the reply was
        placed on a replayed recording's timeline by ``LoopOptions.replay_response``)."""
        return None if self.reply_start is None else self.first_audio_seconds

    @property
    def latency_from_speech_end(self) -> float | None:
        """End of speech (as detected) → first sample of the reply, seconds: the audio heard after the end of
        speech before the decision, plus the wall time taken from there."""
        if self.reply_start is None or self.speech_end is None:
            return None
        if self.reply_left is not None:  # measured where the sound leaves
            return self.reply_left - self.speech_end
        return self.at - self.speech_end + self.first_audio_seconds


class _State(enum.Enum):
    IDLE = "idle"
    WAITING = "waiting"
    UTTERANCE = "utterance"


class VoiceLoop:
    """Runs a conversation from an AudioSource through the engine, speaking through AudioSinks.

    The recogniser must be started by its owner; the loop owns its wake word detector and endpointer for the
    duration of ``run``. ``run`` returns when the source ends.
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
    ) -> None:
        self.engine = engine
        """The runtime engine: grammars, turns, sessions."""
        self.recognizer = recognizer
        """A started recogniser."""
        self.speaker = speaker
        """Speech synthesis (None: say nothing, e.g. for benchmarks of recognition alone)."""
        self.sinks = tuple(sinks)
        """Where speech goes: a speaker, a WAV recorder, both, or neither."""
        self.options = options or LoopOptions()
        """How to listen."""
        self.records: list[TurnRecord] = []
        """Every turn so far."""
        self.wakes: list[WakeDetection] = []
        """Every wake word the loop acted on (with ``confirm_wake``: those followed by an understood request, or by
        nothing until the deadline)."""
        self.ignored_wakes: list[WakeDetection] = []
        """Wake phrases spotted inside speech (not at its start), which were ignored."""
        self.short_wakes: list[WakeDetection] = []
        """Detections too short to be the whole wake phrase, which were ignored (``wake_min_phone_seconds``)."""
        self.shown_wakes: list[WakeDetection] = []
        """Wake words the user was shown (``Feedback("wake")``): the assistant listened for a request after them,
        or understood the request said in the same breath."""
        self.unconfirmed_wakes: list[WakeDetection] = []
        """Wake words followed by speech the grammar rejected: dropped silently (``LoopOptions.confirm_wake``)."""
        self._feedback = feedback or (lambda _f: None)
        self._wake: WakeSpotter | None = None
        self._verify = False
        self._endpointer: Endpointer | None = None
        self._ring: collections.deque[AudioChunk] = collections.deque()
        self._state = _State.IDLE
        self._deadline = 0.0
        self._listen_from = 0.0
        self._answering = False
        self._utt_start = 0.0
        self._utt_wake: WakeDetection | None = None
        self._pending_wake: WakeDetection | None = None
        self._deferred: float | None = None
        self._mute_until = 0.0
        self._now = 0.0
        self._last_speech_end = float("-inf")
        self._peeked_at = float("-inf")
        self._held: tuple[float, Recognition, float] | None = None
        self._replay: float | None = None
        self._second_pass = second_pass
        self._helper: SecondPass | None = None
        self._checked_at = float("-inf")
        self._decode_from = 0.0
        self._woken = False
        self._timeline: Callable[[float], float] | None = None
        self._prefix = False
        self._prefix_used = False
        self._phrase_end: float | None = None
        self._saying = ""
        self._vad: SpeechDetector | None = None

    # -- running --------------------------------------------------------------------------------------------
    def run(self, source: AudioSource) -> list[TurnRecord]:
        """Listen to ``source`` (entered by the caller) until it ends; the turns, in order."""
        opts = self.options
        self._endpointer = Endpointer(opts.endpoint, source.rate)
        wake = (
            make_detector(opts.wake_phrase, opts.wake_threshold, opts.wake_min_phone_seconds, opts.wake_engine)
            if opts.trigger is Trigger.WAKE_WORD
            else None
        )
        self._verify = wake is not None and opts.confirm_wake and opts.verify_wake
        self._replay = None if source.realtime else opts.replay_response
        self._helper = None
        if self._verify and opts.verify_in_helper:
            self._helper = (self._second_pass or shared_second_pass(self.recognizer.config)).start()
        self._vad = SpeechDetector(keep=opts.ring_seconds) if opts.speech_check else None
        self._timeline = getattr(source, "timeline", None) if source.realtime else None
        try:
            if wake is not None:
                self._wake = wake.start()
            if self._vad is not None:
                self._vad.start()
            self.warm_up()
            if self.engine.expects_answer():  # a session already waits for an answer
                self._begin_waiting(0.0, self.options.answer_timeout, answering=True)
            else:
                self._enter_idle(0.0)
            for chunk in source:
                self._step(chunk)
            self._input_ended()
        finally:
            if wake is not None:
                self.short_wakes += wake.implausible
                wake.stop()
            if self._vad is not None:
                self._vad.stop()
            self._wake = None
        return self.records

    def warm_up(self) -> None:
        """Load the first grammar and the synthesiser now, so the first reply is as quick as the others."""
        self.recognizer.use(self.engine.listening_grammar())
        if self.speaker is not None:
            self.speaker.synthesize("OK.")

    # -- one chunk ------------------------------------------------------------------------------------------
    def _step(self, chunk: AudioChunk) -> None:
        self._now = chunk.end
        if chunk.end <= self._mute_until:
            self._while_speaking(chunk)
            return
        if chunk.start < self._mute_until:  # the reply ends inside this chunk: keep the part after it
            cut = int(round((self._mute_until - chunk.start) * chunk.rate))
            samples = chunk.samples.copy()
            samples[:cut] = 0
            chunk = AudioChunk(samples, chunk.rate, chunk.start)
        assert self._endpointer is not None
        events = self._endpointer.process(chunk)
        if self._vad is not None:
            self._vad.process(chunk)
        if self._state is not _State.IDLE:
            self._last_speech_end = float("-inf")  # listening: whatever came before was not speech to us
        self._ring.append(chunk)
        while self._ring and self._ring[0].end < chunk.end - self.options.ring_seconds:
            self._ring.popleft()
        if self._state is not _State.IDLE and self._wake is not None and not self._wake.timed:
            detection = self._wake.process(chunk)  # the wake word works at any time (the neural detector)
            if detection is not None and self._wake_at_any_time(detection, chunk):
                return
        if self._state is _State.IDLE:
            self._idle(chunk, events)
        elif self._state is _State.WAITING:
            self._waiting(chunk, events)
        else:
            self._utterance(chunk, events)
        for event in events:
            if event.kind == "end":
                self._last_speech_end = event.speech_time

    def _while_speaking(self, chunk: AudioChunk) -> None:
        """Input heard while the assistant speaks: dropped, except for the wake word, which always interrupts (a
        reply that says the wake word itself cannot be interrupted: it would wake itself). The keyphrase spotter,
        which is eager and relies on the grammar to confirm it, listens while speaking only with barge-in on."""
        if self._wake is None or (self._wake.timed and not self.options.barge_in):
            return
        detection = self._wake.process(chunk)
        if detection is None:
            return
        if f" {self._wake.phrase} " in _words(self._saying):
            log.info("wake word at %.2f s while saying it ourselves: ignored", detection.end)
            return
        log.info("barge-in: wake word at %.2f s stops the reply", detection.end)
        for sink in self.sinks:
            sink.stop(at=detection.detected_at)
        self._mute_until = detection.detected_at
        assert self._endpointer is not None
        self._endpointer.reset(chunk.end)
        self._ring.clear()
        self._woken = self.engine.expects_answer()
        self._accept_wake(detection)
        self._begin_waiting(chunk.end, self.options.command_timeout, answering=False)

    def _wake_at_any_time(self, detection: WakeDetection, chunk: AudioChunk) -> bool:
        """The wake word while listening for an answer or hearing an utterance: what follows it is decoded with the
        session's grammar, stop/cancel/help and the top level ("alexa, open another skill"), and handed to the
        engine as said after the wake word. False when the detection is ignored."""
        assert self._endpointer is not None and self._wake is not None
        if self._pending_wake is not None:  # already awake: a request after the wake word is being heard
            return False
        if not self._opens_utterance(detection):
            return False
        if self._state is _State.UTTERANCE:
            self.recognizer.discard()
            self._held = None
            self._deferred = None
        log.info("wake word at %.2f s while listening: what follows goes to the engine as after the wake word",
                 detection.end)  # fmt: skip
        self._woken = self.engine.expects_answer()
        self._accept_wake(detection)
        self._after_wake(detection, chunk)
        return True

    def _after_wake(self, detection: WakeDetection, chunk: AudioChunk) -> None:
        """Decode the request in the same breath as the wake word, or wait for it."""
        assert self._endpointer is not None and self._wake is not None
        opts = self.options
        if not self._wake.timed and opts.wake_prefix and self._endpointer.in_speech:
            self._prefix = True  # the decoder places the end of the word itself
            start = self._phrase_start(detection)
            log.debug("wake word heard at %.2f s: decoding from %.2f s with it in front", detection.end, start)
            self._begin_utterance(start, detection)
        elif self._endpointer.in_speech:  # "alexa, open high low game" in one breath
            start = detection.end if self._wake.timed else detection.end - opts.wake_cut.before
            self._begin_utterance(start, detection, defer=opts.wake_cut_search)
        else:
            self._begin_waiting(chunk.end, opts.command_timeout, answering=False)

    def _phrase_start(self, detection: WakeDetection) -> float:
        """Where to decode from with the phrase in front: just before the pause before it ends (the one that
        ``_opens_utterance`` found), else a second before the detection."""
        opts = self.options
        end = detection.end - opts.wake_pause_skip
        start = None
        if self._vad is not None:
            start = self._vad.last_pause_end(end - opts.wake_pause_window, end, max(opts.wake_pause, 0.1),
                                             opts.speech_probability)  # fmt: skip
        start = detection.end - 1.0 if start is None else start - opts.wake_prefix_margin
        return max(start, self._ring[0].start)

    def _idle(self, chunk: AudioChunk, events: list[SpeechEvent]) -> None:
        opts = self.options
        if opts.trigger is Trigger.ALWAYS:
            for event in events:
                if event.kind == "start":
                    self._begin_utterance(event.speech_time, None)
                    return
            return
        if opts.trigger is Trigger.PUSH_TO_TALK:
            if opts.push is not None and opts.push():
                self._begin_waiting(chunk.end, opts.command_timeout, answering=False)
            return
        assert self._wake is not None and self._endpointer is not None
        detection = self._wake.process(chunk)
        if detection is None:
            return
        if not self._opens_utterance(detection):
            self.ignored_wakes.append(detection)
            log.info("wake phrase at %.2f s is inside speech, not at its start: ignored", detection.start)
            return
        self._woken = False
        self._accept_wake(detection)
        self._after_wake(detection, chunk)

    def _opens_utterance(self, detection: WakeDetection) -> bool:
        """True when the phrase begins near the start of speech that follows silence (not mid-sentence). For the
        neural detector, which does not place the phrase's start: the voice activity detector heard a pause
        (``wake_pause``) in the ``wake_pause_window`` seconds before the last ``wake_pause_skip`` seconds."""
        assert self._endpointer is not None
        if self._wake is not None and not self._wake.timed:
            if self._vad is None or self.options.wake_pause <= 0:
                return True
            end = detection.end - self.options.wake_pause_skip
            quiet = self._vad.longest_quiet(end - self.options.wake_pause_window, end, self.options.speech_probability)
            if quiet < self.options.wake_pause:
                log.info("wake word at %.2f s without a pause before it (%.2f s): ignored", detection.end, quiet)
                return False
            return True
        start = self._endpointer.speech_start
        opts = self.options
        near_start = start <= detection.start + 0.05 and detection.start - start <= opts.wake_lead
        return near_start and start - self._last_speech_end >= opts.wake_quiet_before

    def _accept_wake(self, detection: WakeDetection) -> None:
        """The wake word counts, pending what follows; it is shown (``_show_wake``) once the assistant listens
        for a request after it, or once the request in the same breath is understood."""
        self.wakes.append(detection)
        self._pending_wake = detection

    def _show_wake(self, detection: WakeDetection | None) -> None:
        """Tell the user the assistant woke (once per wake word): a wake word in the middle of a sentence that
        the grammar then rejects is never shown."""
        if detection is None or (self.shown_wakes and self.shown_wakes[-1] is detection):
            return
        self.shown_wakes.append(detection)
        self._feedback(Feedback("wake", detection.end, detection.phrase))

    def _waiting(self, chunk: AudioChunk, events: list[SpeechEvent]) -> None:
        for event in events:
            if event.kind == "start" and event.speech_time + self.options.min_command > self._listen_from:
                self._begin_utterance(max(event.speech_time - self.options.lead_in, self._listen_from), None)
                self._utterance(chunk, [e for e in events if e.at > event.at or e.kind == "end"], fed=True)
                return
        if chunk.end >= self._deadline:
            self._silence(chunk.end)

    def _utterance(self, chunk: AudioChunk, events: list[SpeechEvent], fed: bool = False) -> None:
        if self._deferred is not None:
            cut_by = self._deferred + self._cut_window()
            if chunk.end >= cut_by or any(e.kind == "end" for e in events):
                self._start_decoding(self._cut(min(cut_by, chunk.end)))
        elif not fed:
            self.recognizer.feed(chunk.samples)
        self._check_ahead(chunk)
        if self._ended_early(chunk):
            return
        for event in events:
            if event.kind == "start" and self._held is not None:
                log.debug("speech resumed: the utterance goes on")
                self._held = None
            if event.kind == "end":
                self._speech_ended(event.speech_time, event.at)
                return
        if self._held is not None and chunk.end >= self._held[2]:
            speech_end, recognition, _ = self._held
            self._held = None
            self._end_utterance(speech_end, chunk.end, (recognition, time.perf_counter()))
            return
        if chunk.end - self._utt_start >= self.options.max_utterance:
            log.info("utterance cut at %.1f s (the cap)", self.options.max_utterance)
            self._end_utterance(chunk.end, chunk.end)

    def _speech_ended(self, speech_end: float, at: float) -> None:
        """The endpointer heard the end of speech: end the utterance, or hold it open a little longer when what
        was heard so far is not understood (the user may only have paused: "tell me about … mars")."""
        hold = self.options.hold_on_reject
        if hold <= 0:
            self._end_utterance(speech_end, at)
            return
        if self._deferred is not None:
            self._start_decoding(self._cut(speech_end))
        t0 = time.perf_counter()
        recognition = self.recognizer.peek()
        if recognition is None:  # streaming decoder: no look before the end
            self._end_utterance(speech_end, at)
        elif recognition.result is not None:
            self._end_utterance(speech_end, at, (recognition, t0))
        else:
            log.debug("%r not understood at %.2f s: holding %.2f s for more", recognition.transcript, at, hold)
            self._held = (speech_end, recognition, at + hold)

    def _ended_early(self, chunk: AudioChunk) -> bool:
        """End the utterance now if a short silence follows a sentence the grammar cannot continue."""
        assert self._endpointer is not None
        voiced_end = self._endpointer.voiced_end
        wait = self.options.early_end
        if wait <= 0 or self._deferred is not None or voiced_end <= self._utt_start:
            return False
        if chunk.end - voiced_end < wait or self._peeked_at == voiced_end:
            return False
        self._peeked_at = voiced_end  # once per pause
        t0 = time.perf_counter()
        recognition = self.recognizer.peek()
        fsa = self._grammar().fsa
        if recognition is None or recognition.result is None or fsa is None:
            return False
        if recognition.noisy:  # in noise the VAD finds short "silences" inside speech: the endpointer decides
            return False
        if fsa.can_continue(recognition.transcript.split()):
            return False
        log.debug("%r cannot go on: utterance ended after %.2f s of silence", recognition.transcript, wait)
        self._end_utterance(voiced_end, chunk.end, (recognition, t0))
        return True

    def _input_ended(self) -> None:
        if self._state is _State.UTTERANCE:
            self._end_utterance(self._now, self._now)

    # -- transitions ----------------------------------------------------------------------------------------
    def _enter_idle(self, at: float) -> None:
        self._state = _State.IDLE
        self._woken = False
        if self.options.trigger is not Trigger.ALWAYS:
            self._feedback(Feedback("idle", at, self.options.wake_phrase))
        else:
            self._feedback(Feedback("listening", at))

    def _begin_waiting(self, at: float, timeout: float, answering: bool) -> None:
        if not answering:
            self._show_wake(self._pending_wake)
        self._state = _State.WAITING
        self._listen_from = at
        self._deadline = at + timeout
        self._answering = answering
        self._feedback(Feedback("listening", at))

    def _begin_utterance(self, start: float, wake: WakeDetection | None, defer: float = 0.0) -> None:
        """Start decoding from ``start`` (seconds) with the engine's current grammar, catching up from the ring;
        with ``defer``, from the quietest moment in the ``defer`` seconds after ``start``, once they are heard."""
        self._state = _State.UTTERANCE
        self._utt_start = start
        self._utt_wake = wake
        self._deferred = start if defer > 0 else None
        if self._deferred is None:
            self._start_decoding(start)

    def _grammar(self) -> CompiledGrammar:
        """The grammar to decode with: after the wake word inside a session, the engine's woken grammar; right
        after a neural wake, with the end of the wake phrase as an optional first word."""
        grammar = self.engine.listening_grammar(woken=True) if self._woken else self.engine.listening_grammar()
        if self._prefix and self._wake is not None:
            return with_prefix(grammar, self._wake.phrase.split())
        return grammar

    def _cut_window(self) -> float:
        """Seconds after the deferred start during which the request's start is searched for."""
        if self._wake is not None and not self._wake.timed:
            return self.options.wake_cut.before + self.options.wake_cut.after
        return self.options.wake_cut_search

    def _cut(self, upto: float) -> float:
        """Where the request after the wake word begins, from what has been heard up to ``upto`` seconds."""
        assert self._deferred is not None
        if self._wake is None or self._wake.timed or self._utt_wake is None:
            return _quietest(self._ring, self._deferred, upto)
        origin = self._ring[0].start
        audio = np.concatenate([c.samples for c in self._ring])
        audio = audio[: int(round((upto - origin) * 16000))]
        cut = request_start(audio, 16000, origin, self._utt_wake.end, self.options.wake_cut)
        log.debug("wake word heard at %.2f s: the request starts at %.2f s", self._utt_wake.end, cut)
        return cut

    def _start_decoding(self, start: float) -> None:
        self._deferred = None
        self._decode_from = start
        grammar = self._grammar()
        if self._prefix:  # a same-breath wake: the phone loop competes harder (``woken_entry``)
            self.recognizer.use(grammar, self.options.woken_noisy_entry, self.options.woken_entry)
        self.recognizer.begin(grammar)
        backlog = [_from(c, start) for c in self._ring if c.end > start]
        if backlog:
            self.recognizer.feed(np.concatenate(backlog))

    def _end_utterance(
        self, speech_end: float, at: float, decoded_early: tuple[Recognition, float] | None = None
    ) -> None:
        """The utterance is over: decode it (unless ``decoded_early`` gives its recognition and the wall time its
        decoding began), confirm a wake word, and hand it to the engine."""
        self._held = None
        if decoded_early is not None:
            recognition, t0 = decoded_early
            self.recognizer.discard()
        else:
            if self._deferred is not None:
                self._start_decoding(self._cut(speech_end))
            t0 = time.perf_counter()
            recognition = self.recognizer.finish()
        self._phrase_end = None
        self._prefix_used = self._prefix
        if self._prefix:
            recognition = self._without_phrase(recognition)
        self._prefix = False
        recognition = self._spoken(recognition)
        wake = self._utt_wake
        decoded = time.perf_counter()
        words = _request_words(recognition)
        heard_until = self._decode_from + words[-1].end if words else speech_end
        if wake is not None and min(speech_end, heard_until) - wake.end < self.options.min_command:
            # the words end about where the detector heard the wake word: they are the word itself, misheard
            # ("alexa" as "alexa help"), and the request, if any, is still to come
            assert self._endpointer is not None
            if self._prefix_used and self._endpointer.in_speech and heard_until < at:
                log.info("nothing after the wake word yet; what comes next is the request")
                self._utt_wake = None
                self._begin_utterance(heard_until, None)
                return
            log.info("nothing after the wake word yet; waiting for the request")
            self._begin_waiting(at, self.options.command_timeout, answering=False)
            return
        pending, self._pending_wake = self._pending_wake, None
        confirm = self.options.confirm_wake and not self.engine.expects_answer()
        if pending is not None and confirm and not confirms(recognition, None, self._outside_speech(recognition, speech_end)):
            self._drop_wake(pending, recognition, at)
            return
        if pending is not None and confirm and self._prefix_used and self._too_slow(words):
            self._drop_wake(pending, replace(recognition, result=None, rejected="said too slowly"), at)
            return
        if pending is not None and confirm and self._needs_second_pass(pending, recognition):
            whole = self._verify_wake(pending, speech_end)
            log.debug("second pass: %r (first: %r)", whole.transcript, recognition.transcript)
            strict = PlausibilityLimits(max_uncovered_seconds=self.options.verify_max_uncovered)
            if not confirms(whole, strict) or not self._phrase_whole(pending, whole) or not agree(recognition, whole):
                self._drop_wake(pending, whole, at)
                return
        if not recognition.transcript and wake is None:  # noise, a cough: not an utterance
            log.info(
                "speech at %.2f-%.2f s matched nothing (%s)",
                self._utt_start,
                speech_end,
                recognition.rejected,
            )
            if self._answering or self.options.trigger is Trigger.PUSH_TO_TALK:
                self._state = _State.WAITING  # keep listening until the deadline already set
            else:
                self._enter_idle(at)
            return
        self._show_wake(pending or wake)
        self._feedback(Feedback("heard", at, recognition.transcript))
        self._feedback(Feedback("thinking", at))
        if self._woken:
            turn = self.engine.handle_recognition(recognition.result, recognition.transcript, woken=True)
        else:
            turn = self.engine.handle_recognition(recognition.result, recognition.transcript)
        self._woken = False
        handled = time.perf_counter()
        record = TurnRecord(
            turn, "speech", at, wake, self._utt_start if wake is None else wake.start, speech_end, recognition,
            decode_seconds=decoded - t0, engine_seconds=handled - decoded,
        )  # fmt: skip
        self._respond(record, t0)

    def _outside_speech(self, recognition: Recognition, speech_end: float) -> float | None:
        """Seconds of speech (by the VAD) in the decoded audio but outside the recognised words; None without the
        VAD or words."""
        words = _request_words(recognition)
        if self._vad is None or not words:
            return None
        start, end = self._decode_from + words[0].start, self._decode_from + words[-1].end
        origin = self._decode_from if self._phrase_end is None else self._phrase_end
        p, margin = self.options.speech_probability, self.options.speech_margin
        before = self._vad.speech_seconds(origin, start - margin, p)
        after = self._vad.speech_seconds(end + 2 * margin, speech_end, p)  # the VAD trails speech by ~0.2 s
        log.debug("speech outside %r: %.2f s before %.2f, %.2f s after %.2f", recognition.transcript, before, start,
                  after, end)  # fmt: skip
        return before + after

    def _too_slow(self, words: Sequence[WordTiming]) -> bool:
        """True when a request of several words lasts longer than anyone says it (``woken_max_phone_seconds``):
        a sentence that began with a near-word, fitted to a short request by stretching it."""
        phones = sum(self.recognizer.phone_count(w.word) for w in words)
        if phones < 6:
            return False
        rate = (words[-1].end - words[0].start) / phones
        if rate <= self.options.woken_max_phone_seconds:
            return False
        log.info("%s: %.2f s per phone, slower than anyone speaks", " ".join(w.word for w in words), rate)
        return True

    def _without_phrase(self, recognition: Recognition) -> Recognition:
        """A recognition decoded with the wake phrase in front, without the phrase: the request's words, and where
        the phrase ended (``_phrase_end``)."""
        assert self._wake is not None
        phrase = self._wake.phrase.split()
        words = [w for w in recognition.words if not w.word.startswith(("<", "["))]
        heard = [w.word.split("(")[0] for w in words[: len(phrase)]]
        if heard != phrase:
            self._phrase_end = None
            return recognition
        self._phrase_end = self._decode_from + words[len(phrase) - 1].end
        transcript = recognition.transcript.split()
        if transcript[: len(phrase)] == phrase:
            transcript = transcript[len(phrase) :]
        rest = tuple(w for w in recognition.words if w.start >= words[len(phrase) - 1].end)
        return replace(recognition, transcript=" ".join(transcript), words=rest)

    def _spoken(self, recognition: Recognition) -> Recognition:
        """The recognition, or nothing when the voice activity detector heard (almost) no speech under its words:
        a clatter, a click or a breath that the grammar was forced to call "no" or "stop"."""
        if self._vad is None or not recognition.words or recognition.result is None:
            return recognition
        words = _request_words(recognition)
        if not words:
            return recognition
        start, end = self._decode_from + words[0].start, self._decode_from + words[-1].end
        if end - start < self.options.min_words_seconds:
            log.info("%r at %.2f-%.2f s: too short for what was said: noise, ignored", recognition.transcript,
                     start, end)  # fmt: skip
            return replace(recognition, transcript="", result=None, rejected="words too short to be said")
        speech = self._vad.speech_seconds(start, end, self.options.speech_probability)
        log.debug("%r at %.2f-%.2f s: %.2f s of speech", recognition.transcript, start, end, speech)
        if speech >= self.options.min_speech:
            return recognition
        log.info("%r at %.2f-%.2f s: %.2f s of speech under the words (VAD peak %.2f): noise, ignored",
                 recognition.transcript, start, end, speech, self._vad.peak(start, end))  # fmt: skip
        return replace(recognition, transcript="", result=None, rejected="no speech under the words")

    def _check_ahead(self, chunk: AudioChunk) -> None:
        """When the user pauses after "alexa, <request>" in one breath, start the wake word's second pass in the
        helper now, so that its answer is ready about when the loop decides the request is over."""
        assert self._endpointer is not None
        wake, voiced_end = self._pending_wake, self._endpointer.voiced_end
        if self._helper is None or wake is None or self._deferred is not None:
            return
        if voiced_end <= wake.end or voiced_end == self._checked_at:
            return
        if chunk.end - voiced_end < self.options.verify_tail or not self._verifiable(wake):
            return
        self._checked_at = voiced_end
        grammar, audio = self._second_pass_input(wake, voiced_end)
        self._helper.submit((wake.start, voiced_end), grammar, audio, self.options.verify_noisy_entry, early=True)

    def _verifiable(self, wake: WakeDetection) -> bool:
        """The second pass is possible: on, for a wake word in the same breath as the request, and heard whole."""
        if not self._verify or self._utt_wake is not wake or self._wake is None or not self._wake.timed:
            return False
        muted = self._mute_until > 0.0 and wake.start - self.options.verify_margin < self._mute_until
        return not muted  # the margin before the phrase may be cut by the start of the input, not by a reply

    def _needs_second_pass(self, wake: WakeDetection, recognition: Recognition) -> bool:
        """Short requests said in the same breath as the wake word are checked again together with it. Not checked:
        long requests, which carry their own evidence (a 20-phone sentence of the grammar does not fit unrelated
        speech by chance); a request after a pause, which was decoded as an utterance of its own; and a wake word
        begun while the assistant was still speaking, which was partly muted and cannot be checked whole."""
        if not self._verifiable(wake):
            return False
        phones = sum(self.recognizer.phone_count(w) for w in recognition.transcript.split())
        return phones < self.options.verify_below_phones

    def _verify_wake(self, wake: WakeDetection, speech_end: float) -> Recognition:
        """The wake phrase and the request after it, decoded again as one utterance (second pass): the helper's
        answer when it started early on the same audio, else decoded now (in the helper, or here)."""
        assert self._endpointer is not None
        voiced_end = self._endpointer.voiced_end
        end = voiced_end if voiced_end > wake.end else speech_end
        key = (wake.start, end)
        entry = self.options.verify_noisy_entry
        grammar, audio = self._second_pass_input(wake, end)
        if self._helper is not None and self._helper.usable:
            self._helper.submit(key, grammar, audio, entry)  # unless it was submitted early
            answer = self._helper.result(key)
            if answer is not None:
                return answer
        self.recognizer.use(grammar, noisy_entry=entry)
        return self.recognizer.decode(audio)

    def _phrase_whole(self, wake: WakeDetection, whole: Recognition) -> bool:
        """True when the second pass gives the wake phrase a human length (``verify_min_phone_seconds``)."""
        words = wake.phrase.split()
        timed = [w for w in whole.words if w.word.split("(")[0] in words][: len(words)]
        if len(timed) < len(words):
            return False
        seconds = timed[-1].end - timed[0].start
        shortest = sum(self.recognizer.phone_count(w) for w in words) * self.options.verify_min_phone_seconds
        if seconds < shortest:
            log.info("wake phrase at %.2f s lasts %.2f s in the second pass (< %.2f s): not the phrase", wake.start,
                     seconds, shortest)  # fmt: skip
            return False
        return True

    def _second_pass_input(self, wake: WakeDetection, end: float) -> tuple[CompiledGrammar, np.ndarray]:
        """The grammar with the wake phrase in front, and the audio from just before the phrase to just after
        ``end`` (as much of it as has been heard)."""
        prefixed = with_prefix(self._grammar(), wake.phrase.split())  # cached by content
        start = max(wake.start - self.options.verify_margin, self._ring[0].start)
        audio = np.concatenate([_from(c, start) for c in self._ring if c.end > start])
        return prefixed, audio[: int(round((end + self.options.verify_tail - start) * 16000))]

    def _drop_wake(self, wake: WakeDetection, recognition: Recognition, at: float) -> None:
        """A wake word followed by speech the grammar rejected: with a spotter that cannot tell the phrase from
        a fragment of another word, a false wake, most likely: back to sleep. After the neural detector, a
        rejected same-breath utterance with much speech (``wake_reject_speech``) was another sentence that began
        with a near-word ("Alexei moved here…"): back to sleep too. Otherwise it was a breath, a noise or the
        tail of the word: keep listening for the request until the wake's deadline."""
        p = recognition.plausibility
        why = recognition.rejected or (
            f"{recognition.transcript!r}: {'; '.join(reasons(p))}" if p is not None else "no intent"
        )
        deadline = wake.end + self.options.command_timeout
        said = self._vad.speech_seconds(wake.end, at, self.options.speech_probability) if self._vad else 0.0
        if self._prefix_used and said > self.options.wake_reject_speech:
            log.info("after the wake word at %.2f s: %.2f s of speech the grammar rejects (%s): another sentence",
                     wake.end, said, why)  # fmt: skip
        elif self._wake is not None and not self._wake.timed and at < deadline:
            log.info("after the wake word at %.2f s: %s; still listening for the request", wake.end, why)
            self._pending_wake = wake
            self._utt_wake = None
            self._begin_waiting(at, deadline - at, answering=False)
            return
        log.info("wake word at %.2f s not confirmed: what followed was rejected (%s); back to sleep", wake.start, why)
        if wake in self.wakes:
            self.wakes.remove(wake)
        self.unconfirmed_wakes.append(wake)
        self._enter_idle(at)

    def _silence(self, at: float) -> None:
        pending, self._pending_wake = self._pending_wake, None
        if pending is not None and pending in self.wakes:  # nothing understood followed it
            self.wakes.remove(pending)
            self.unconfirmed_wakes.append(pending)
        if not self._answering:
            log.info("no request heard after %.1f s", self.options.command_timeout)
            self._enter_idle(at)
            return
        self._feedback(Feedback("silence", at))
        t0 = time.perf_counter()
        turn = self.engine.handle_silence()
        record = TurnRecord(turn, "silence", at, engine_seconds=time.perf_counter() - t0)
        self._respond(record, t0)

    def _respond(self, record: TurnRecord, t0: float) -> None:
        """Say the turn's speech on the timeline, show its card, then listen again or go idle."""
        turn = record.turn
        if turn.card:
            title = turn.card.get("title") or turn.card.get("type", "card")
            self._feedback(
                Feedback(
                    "card",
                    record.at,
                    f"{title}: {turn.card.get('content') or turn.card.get('text') or ''}",
                    turn,
                )
            )
        start = end = left = None
        first_audio = 0.0
        if turn.speech and self.speaker is not None:
            start, end, first_audio, left = self._speak(turn, record.at, t0)
        record = replace(record, reply_start=start, reply_end=end, first_audio_seconds=first_audio, reply_left=left)
        self.records.append(record)
        if end is not None:
            resume = end
        else:
            resume = record.at + (self._replay if self._replay is not None else time.perf_counter() - t0)
        self._feedback(Feedback("done", resume, "", turn))
        self._mute_until = max(self._mute_until, resume)
        if self.engine.expects_answer():
            self._begin_waiting(resume, self.options.answer_timeout, answering=True)
        else:
            self._enter_idle(resume)
        if self._wake is not None and self._wake.timed:  # it did not listen while we spoke
            self._wake.reset(resume)

    def _speak(self, turn: Turn, at: float, t0: float) -> tuple[float, float, float, float | None]:
        """Synthesize sentence by sentence, placing each on the timeline; (start, end, first-sentence wall s,
        when the first sample left a loudspeaker on the source's timeline or None)."""
        assert self.speaker is not None and turn.speech is not None
        self._saying = turn.speech
        start = cursor = 0.0
        first_audio = 0.0
        first: Any = None
        for index, samples in enumerate(self.speaker.synthesize_sentences(turn.speech, turn.speech_ssml)):
            if index == 0:
                first_audio = time.perf_counter() - t0
                start = cursor = at + (self._replay if self._replay is not None else first_audio)
                self._feedback(Feedback("speaking", start, turn.speech, turn))
            for sink in self.sinks:
                sink.play(samples, 16000, at=cursor)
                if index == 0 and first is None:
                    first = getattr(sink, "last_playback", None)
            cursor += samples.size / 16000
        for sink in self.sinks:
            sink.wait()
        left = None
        started = getattr(first, "started_at", None)
        if started is not None and self._timeline is not None:
            left = float(self._timeline(started))
        return start, cursor, first_audio, left


def _request_words(recognition: Recognition) -> list[WordTiming]:
    """The recognised words of the request: no fillers."""
    return [w for w in recognition.words if not w.word.startswith(("<", "["))]


def _words(text: str) -> str:
    """Lower-case words of ``text`` (tags removed), space-separated with spaces around, for phrase look-ups."""
    import re

    return " " + " ".join(re.findall(r"[a-z0-9']+", re.sub(r"<[^>]*>", " ", text.lower()))) + " "


def _from(chunk: AudioChunk, start: float) -> np.ndarray:
    """The part of a chunk at or after ``start`` seconds."""
    if chunk.start >= start:
        return chunk.samples
    skip = int(round((start - chunk.start) * chunk.rate))
    return chunk.samples[skip:]


def _quietest(ring: Iterable[AudioChunk], start: float, end: float, frame: float = 0.01) -> float:
    """The start of the quietest ``frame``-second stretch between ``start`` and ``end`` seconds in the ring."""
    chunks = [c for c in ring if c.end > start and c.start < end]
    if not chunks:
        return start
    rate = chunks[0].rate
    audio = np.concatenate([c.samples for c in chunks]).astype(np.float64)
    first = int(round((start - chunks[0].start) * rate))
    last = int(round((end - chunks[0].start) * rate))
    step = int(frame * rate)
    offsets = range(max(first, 0), max(last - step, first) + 1, step)
    energies = [(float(np.mean(audio[i : i + step] ** 2)), i) for i in offsets]
    if not energies:
        return start
    return chunks[0].start + min(energies)[1] / rate


def chunks_of(samples: np.ndarray, block: int = 480, rate: int = 16000) -> Iterator[AudioChunk]:
    """Fixed-size chunks of an int16 array (the last zero-padded), for feeding the loop from memory."""
    for first in range(0, samples.size, block):
        part = samples[first : first + block]
        if part.size < block:
            part = np.concatenate([part, np.zeros(block - part.size, np.int16)])
        yield AudioChunk(part, rate, first / rate)


def speech_bounds(
    samples: np.ndarray, threshold: int = 200, rate: int = 16000
) -> Iterable[tuple[float, float]]:
    """(start, end) seconds of the non-silent stretches of a clean synthesized signal (for tests and benches)."""
    loud = np.abs(samples.astype(np.int32)) > threshold
    idx = np.nonzero(loud)[0]
    if idx.size == 0:
        return []
    gaps = np.nonzero(np.diff(idx) > rate // 2)[0]
    starts = [idx[0], *idx[gaps + 1]]
    ends = [*idx[gaps], idx[-1]]
    return [(s / rate, (e + 1) / rate) for s, e in zip(starts, ends, strict=True)]
