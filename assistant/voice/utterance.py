"""One utterance: decoded while it goes on, and the one place that decides it is over.

Contracts:

- Decoding starts at the utterance's start and catches up from the audio heard lately; after a wake word in the
  same breath, the start may be deferred until the pause after the word has been heard (``Utterance.begin``).
- ``Utterance.ended`` is the only place that decides an utterance is over. It is over when, in this order of
  precedence on each chunk:
  1. a short silence (``early_end``) follows a sentence of the grammar that no word can continue (not after a
     wake word the loop is unsure of, ``unsure``: everyday talk begun with a near-word goes on after the words
     that fitted a request, "Alexei moved here from Moscow" as "alexa, a year four months timer");
  2. the endpointer hears the end of speech and what was heard is understood (or ``hold_on_reject`` is off, or
     the decoder cannot look before the end), and is not a request said with the wake word that may go on
     (``hold_on_going``);
  3. a rejected utterance held open for ``hold_on_reject`` seconds, or a request that may go on held open for
     ``hold_on_going`` seconds, was not continued (speech the neural VAD hears in the hold extends it:
     ``held_speech``);
  4. it reaches ``max_utterance`` seconds;
  and, outside ``ended``, when the input ends (``Utterance.at_input_end``).
- The decision is a value (``Ending``); the loop acts on it.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.asr.decoder import Recognition, Recognizer
from assistant.audio.chunk import AudioChunk, heard_between
from assistant.grammar.compiler import CompiledGrammar
from assistant.voice.endpoint import EndpointConfig, Endpointer, SpeechEvent
from assistant.voice.vad import SpeechDetector
from assistant.voice.wake import WakeDetection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UtteranceOptions:
    """When the user is listened to, and when an utterance ends."""

    answer_timeout: float = 8.0
    """Seconds (source time) to wait for an answer once the skill asked something, before the reprompt."""
    command_timeout: float = 5.0
    """Seconds to wait for a request after a bare wake word (or a push-to-talk press)."""
    min_command: float = 0.25
    """Speech after the wake word shorter than this, seconds, is not a request (the user paused after it)."""
    lead_in: float = 0.15
    """Audio kept before the detected start of speech, seconds."""
    early_end: float = 0.09
    """Seconds of silence after which an utterance ends at once, without waiting for the endpointer, when what was
    heard is a whole sentence of the grammar that no word can continue ("open space facts"); 0: off. A sentence
    that may go on ("set a timer for five" → "… minutes") waits for the endpointer."""
    early_peek: float = 0.06
    """With ``early_end``: seconds of silence after which what was heard is decoded ahead of time; if it is a
    sentence that cannot go on, the utterance still ends only after ``early_end``, with that decode, so the
    decoding is done while the silence is being waited for. Larger than ``early_end``: decode then."""
    early_last_word: float = 0.1
    """With ``early_end``: the last word must have at least this many seconds of sound under it (from its start
    to ``Endpointer.heard_end``). A request cut at a pause ("tell me about … mars") is forced onto a whole
    sentence by squeezing its last word ("earth") into the silence; such a decode must not end it early."""
    hold_on_reject: float = 0.5
    """When the endpointer hears the end of speech but what was heard is not understood, keep the utterance open
    this many more seconds in case the user only paused ("tell me about … mars"); 0: end at once."""
    hold_on_going: float = 0.3
    """When the endpointer hears the end of speech after a request said with the wake word that is understood but
    that the grammar could continue ("alexa, tell wise guy … to tell me a joke", "alexa, ask … space facts" heard
    as "alexa, exit" up to the pause), keep it open this many more seconds in case the user only paused: the
    endpointer ends speech after 0.2 s of silence. Requests that cannot go on end early as before
    (``early_end``), and answers inside a session are not held; 0: off."""
    held_speech: float = 0.09
    """While an utterance is held open (``hold_on_reject``, ``hold_on_going``), this many seconds of speech heard
    by the neural VAD after the end the endpointer heard mean the user goes on: in noise the endpointer's VAD
    loses speech ("alexa, ask … space facts" at 20 dB of kitchen noise ended after "ask" and was heard as
    "alexa, exit", while the neural VAD heard one stretch of speech). The hold then lasts until the neural VAD
    has heard no speech for the hold's length, unless the endpointer hears the speech first; 0: off."""
    room_context: float = 2.0
    """The request after a wake word that openWakeWord heard is judged noisy or not
    (``DecoderConfig.noisy_below_db``) together with this many seconds of the audio heard before it: decoded from
    just before the word, or as continuous talk after a near-word woke the loop, it has too few quiet frames of its
    own to show that the room is quiet, and would get the permissive noisy search; 0: the utterance alone. Not for
    the keyphrase search's wakes, nor for answers inside a session (measured: docs/research.md, 2026-12-03)."""
    max_utterance: float = 10.0
    """Longest utterance, seconds; longer speech is cut and decoded as it is."""
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    """End-of-speech detection."""


@dataclass(frozen=True, slots=True)
class Ending:
    """The decision that an utterance is over."""

    speech_end: float
    """End of the user's speech, seconds on the source's timeline."""
    at: float
    """When the decision was taken, seconds on the source's timeline."""
    why: str
    """``early`` (a sentence that cannot go on), ``endpoint``, ``held`` (held open on a rejection, not
    continued), ``cap`` (``max_utterance``) or ``input`` (the source ended)."""
    early: Recognition | None = None
    """The recognition already decoded when the decision was taken (None: decode it now)."""
    began: float = 0.0
    """With ``early``: the wall time (``time.perf_counter``) its decoding began."""


@dataclass(slots=True)
class _Held:
    speech_end: float
    recognition: Recognition | None
    until: float
    length: float
    followed: bool = False  # extended by the neural VAD (``held_speech``)


class Utterance:
    """The utterance being heard: its start, its grammar, its decoding, and when it is over.

    One per loop, begun afresh for each utterance. It reads the endpointer's voiced end and the audio heard lately
    (``ring``, the loop's), and never changes them. ``cut`` finds where a request begins after a wake word heard
    in the same breath: ``cut(search_from, heard_up_to, wake)`` → seconds; ``unsure()`` is True while the wake word
    the utterance follows is one the loop is unsure of (no early end then).
    """

    def __init__(
        self,
        options: UtteranceOptions,
        recognizer: Recognizer,
        endpointer: Endpointer,
        ring: collections.deque[AudioChunk],
        cut: Callable[[float, float, WakeDetection | None], float],
        unsure: Callable[[], bool] | None = None,
        speech: SpeechDetector | None = None,
    ) -> None:
        self.options = options
        """When it ends."""
        self.recognizer = recognizer
        """The started recogniser that decodes it."""
        self.start = 0.0
        """Where it begins, seconds on the source's timeline (before a deferred cut)."""
        self.wake: WakeDetection | None = None
        """The wake word said in the same breath, if any."""
        self._retry = False
        self.grammar: CompiledGrammar | None = None
        """The grammar it is decoded with."""
        self.prefixed = False
        """Decoded with the wake phrase in front (``WakeOptions.prefix``)."""
        self.decode_from = 0.0
        """Where decoding began, seconds: the recognition's word times count from here."""
        self.deferred: float | None = None
        """While the start is still to be found after a same-breath wake word: where the search begins."""
        self._window = 0.0
        self._endpointer = endpointer
        self._ring = ring
        self._cut = cut
        self._unsure = unsure
        self._speech = speech
        self._held: _Held | None = None
        self._peeked_at = float("-inf")  # once per pause of the input, across utterances
        self._peeked_late = float("-inf")
        self._ahead: tuple[float, Recognition, float] | None = None  # (voiced end, recognition, began): see early_peek
        self._room = False

    def begin(
        self,
        start: float,
        wake: WakeDetection | None,
        grammar: CompiledGrammar,
        prefixed: bool = False,
        search: float | None = None,
        room: bool = False,
        retry: bool = False,
    ) -> None:
        """Start decoding from ``start`` seconds with ``grammar``, catching up from the ring; with ``search``, from
        where the request begins in the ``search`` seconds after ``start``, once they are heard. ``room``: judge
        it noisy together with the audio before it (``room_context``). ``retry``: a noisy utterance the grammar
        rejects may be decoded again with a wider word beam (``DecoderConfig.wbeam_retry``), after a wake word;
        without it, a clean one no path reached the end of is (``DecoderConfig.retry_no_match``)."""
        self.start = start
        self._room = room
        self._retry = retry
        self.wake = wake
        self.grammar = grammar
        self.prefixed = prefixed
        self.deferred = start if search is not None else None
        self._window = search or 0.0
        if self.deferred is None:
            self._start_decoding(start)

    def feed(self, chunk: AudioChunk, events: list[SpeechEvent], fed: bool = False) -> None:
        """Decode one more chunk (unless ``fed``: the ring already held it); a deferred start is placed once its
        search window has been heard, or speech ended."""
        if self.deferred is not None:
            cut_by = self.deferred + self._window
            if chunk.end >= cut_by or any(e.kind == "end" for e in events):
                self._start_decoding(self._cut(self.deferred, min(cut_by, chunk.end), self.wake))
        elif not fed:
            self.recognizer.feed(chunk.samples)

    def ended(self, chunk: AudioChunk, events: list[SpeechEvent]) -> Ending | None:
        """The one place that decides the utterance is over (see the module's contract); None: it goes on."""
        early = self._ended_early(chunk)
        if early is not None:
            return early
        for event in events:
            if event.kind == "start" and self._held is not None:
                log.debug("speech resumed: the utterance goes on")
                self._held = None
            if event.kind == "end":
                return self._speech_ended(event.speech_time, event.at)
        if self._held is not None:
            self._follow_speech(chunk.end)
        if self._held is not None and chunk.end >= self._held.until:
            held, self._held = self._held, None
            return Ending(held.speech_end, chunk.end, "held", held.recognition, time.perf_counter())
        if chunk.end - self.start >= self.options.max_utterance:
            log.info("utterance cut at %.1f s (the cap)", self.options.max_utterance)
            return Ending(chunk.end, chunk.end, "cap")
        return None

    def at_input_end(self, now: float) -> Ending:
        """The source ended at ``now`` seconds: so does the utterance."""
        return Ending(now, now, "input")

    def recognition(self, ending: Ending) -> tuple[Recognition, float]:
        """What was said, and the wall time its decoding began: decoded now unless ``ending`` carries it."""
        self._held = None
        if ending.early is not None:
            self.recognizer.discard()
            return ending.early, ending.began
        if self.deferred is not None:
            self._start_decoding(self._cut(self.deferred, ending.speech_end, self.wake))
        t0 = time.perf_counter()
        return self.recognizer.finish(), t0

    def discard(self) -> None:
        """Drop the utterance undecided (a wake word heard in its middle starts another)."""
        self.recognizer.discard()
        self._held = None
        self.deferred = None

    def _speech_ended(self, speech_end: float, at: float) -> Ending | None:
        """The endpointer heard the end of speech: the utterance is over, unless what was heard so far is not
        understood (the user may only have paused: "tell me about … mars"): then it is held open a little."""
        hold = self.options.hold_on_reject
        if hold <= 0:
            return Ending(speech_end, at, "endpoint")
        if self.deferred is not None:
            self._start_decoding(self._cut(self.deferred, speech_end, self.wake))
        t0 = time.perf_counter()
        recognition = self.recognizer.peek(retry=True)  # what is held stands as the utterance if nothing follows
        if recognition is None:  # streaming decoder: no look before the end
            return Ending(speech_end, at, "endpoint")
        if recognition.result is not None:
            if not self._may_go_on(recognition):
                return Ending(speech_end, at, "endpoint", recognition, t0)
            going = self.options.hold_on_going
            log.debug("%r may go on at %.2f s: holding %.2f s for more", recognition.transcript, at, going)
            self._held = _Held(speech_end, recognition, at + going, going)
            return None
        log.debug("%r not understood at %.2f s: holding %.2f s for more", recognition.transcript, at, hold)
        # A peek that went through an open slot is not understood yet: if nothing follows, decode it whole then.
        self._held = _Held(speech_end, None if recognition.pending else recognition, at + hold, hold)
        return None

    def _follow_speech(self, now: float) -> None:
        """While held: speech the neural VAD hears after the held end keeps the utterance open (``held_speech``),
        and it is decoded whole when it ends."""
        held, need = self._held, self.options.held_speech
        if held is None or self._speech is None or need <= 0:
            return
        if self._speech.speech_seconds(held.speech_end, now) < need:
            return
        last = self._speech.last_speech(held.speech_end, now)
        if last is None:
            return
        if not held.followed:
            log.debug("the neural VAD hears speech after %.2f s: the utterance goes on", held.speech_end)
        self._held = _Held(last, None, last + held.length, held.length, followed=True)

    def _may_go_on(self, recognition: Recognition) -> bool:
        """``recognition``, understood, is a request said with the wake word that a word could continue
        (``hold_on_going``)."""
        fsa = self.grammar.fsa if self.grammar is not None else None
        if self.wake is None or self.options.hold_on_going <= 0 or fsa is None:
            return False
        return fsa.can_continue(recognition.transcript.split())

    def _ended_early(self, chunk: AudioChunk) -> Ending | None:
        """Over now if a short silence follows a sentence the grammar cannot continue (looked at once per pause,
        decoded ahead of the decision: ``early_peek``)."""
        voiced_end = self._endpointer.heard_end
        wait = self.options.early_end
        if wait <= 0 or self.deferred is not None or voiced_end <= self.start:
            return None
        if self._unsure is not None and self._unsure():  # talk begun with a near-word may go on (the contract)
            return None
        silent = chunk.end - voiced_end
        ahead = min(self.options.early_peek, wait)
        if self._peeked_at != voiced_end and silent >= ahead:
            self._peeked_at = voiced_end
            self._peek(voiced_end)
        if silent < wait:
            return None
        if self._ahead is None and ahead < wait and self._peeked_late != voiced_end:
            self._peeked_late = voiced_end  # decoded early as not over: look again, with the whole pause heard
            self._peek(voiced_end)
        if self._ahead is None or self._ahead[0] != voiced_end:
            return None
        _, recognition, t0 = self._ahead
        self._ahead = None
        log.debug("%r cannot go on: utterance ended after %.2f s of silence", recognition.transcript, wait)
        return Ending(voiced_end, chunk.end, "early", recognition, t0)

    def _peek(self, voiced_end: float) -> None:
        """Decode what was heard so far; keep it (``_ahead``) if it is a sentence that cannot go on."""
        self._ahead = None
        t0 = time.perf_counter()
        recognition = self.recognizer.peek()
        if recognition is not None and self._cannot_go_on(recognition):
            self._ahead = (voiced_end, recognition, t0)

    def _cannot_go_on(self, recognition: Recognition | None) -> bool:
        """``recognition`` is a whole sentence of the grammar that no word can continue, heard in quiet."""
        fsa = self.grammar.fsa if self.grammar is not None else None
        if recognition is None or recognition.result is None or fsa is None:
            return False
        if recognition.noisy:  # in noise the VAD finds short "silences" inside speech: the endpointer decides
            return False
        words = [w for w in recognition.words if w.word.split("(")[0] in recognition.transcript.split()]
        if words and self._endpointer.heard_end - (self.decode_from + words[-1].start) < self.options.early_last_word:
            return False
        return not fsa.can_continue(recognition.transcript.split())

    def _start_decoding(self, start: float) -> None:
        self.deferred = None
        self.decode_from = start
        assert self.grammar is not None
        # After a wake word, a noisy rejected request is retried; elsewhere (an answer in a session) a clean
        # utterance nothing matched is: after the word it is the word's tail or a breath, and the loop listens on.
        self.recognizer.begin(self.grammar, self._room_before(start) if self._room else None, self._retry,
                              retry_no_match=not self._retry)
        backlog = [c.samples_from(start) for c in self._ring if c.end > start]
        if backlog:
            self.recognizer.feed(np.concatenate(backlog))

    def _room_before(self, start: float) -> np.ndarray | None:
        """The audio heard in the ``room_context`` seconds before ``start`` (None: none, or off)."""
        if self.options.room_context <= 0:
            return None
        heard = heard_between(self._ring, start - self.options.room_context, start)
        return heard if heard.size else None
