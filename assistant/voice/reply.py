"""The reply: what the assistant says, placed on the source's timeline, and what the user is shown.

Contracts:

- A reply is synthesized sentence by sentence and placed on the source's timeline (``AudioSink.play(at=...)``):
  after the processing time actually spent for a live source, after a fixed ``replay_response`` for a recording,
  so that replaying a recording gives the same conversation on any machine under any load.
- Until the reply ends (``Reply.until``) the input is the assistant's own voice: the loop drops it, except for the
  wake word, which stops the reply (``Reply.stop``), unless the reply itself says the wake word
  (``Reply.says``): the assistant must not wake itself.
- The reply is one of the things that sound (``voice.sounding``): the last that "alexa, stop" stops.
- A progressive response (``VoicePlayer.Speak`` sent to the local API server while the skill works) is said as it
  comes (``Reply.progressive``, from the server's thread): placed at the turn's decision time plus the wall time
  elapsed since its processing began (``Reply.expect``), on a recording's clock too; the skill's answer then
  follows it, placed by the wall time taken and never before the progressive speech ends.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.asr.decoder import Recognition
from assistant.audio.chunk import AudioSink
from assistant.audio.wav import SAMPLE_RATE
from assistant.runtime.engine import Turn
from assistant.runtime.envelopes import card_text
from assistant.tts.speaker import Speaker
from assistant.voice.wake import WakeDetection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplyOptions:
    """How the assistant speaks."""

    replay_response: float | None = 0.15
    """For a recording (a source that is not real time): seconds on the recording's timeline from the decision that
    an utterance is over to the first sample of the reply, and to listening again when nothing is said. Fixed, so
    that replaying a recording gives the same conversation on any machine under any load (``assistant test`` on
    recorded audio must not flake); the wall times actually taken are in each ``TurnRecord``. None: place replies
    by the wall time taken, as with a live microphone (always the case for a real-time source)."""
    barge_in: bool = False
    """Listen for the wake word while speaking with the keyphrase spotter too (the neural detector always does),
    and stop speaking when it is heard."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """Something the user should see: the CLI prints these; the library only logs them."""

    kind: str
    """``idle``, ``wake``, ``listening``, ``heard``, ``thinking``, ``progressive`` (said while the skill works;
    ``text`` is its text or SSML), ``speaking``, ``card``, ``silence``, ``done``."""
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
    """``speech`` (the user said something), ``silence`` (nothing until the deadline), or ``player`` (the
    AudioPlayer's requests as time passed: the next stream, the end of one, a failure)."""
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
        placed on a replayed recording's timeline by ``ReplyOptions.replay_response``)."""
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


class Reply:
    """Says the engine's turns through the sinks, on the source's timeline; a ``Sounding`` until it ends.

    ``start`` it for each run of the loop, with what the source tells about time.
    """

    def __init__(
        self,
        speaker: Speaker | None,
        sinks: Sequence[AudioSink],
        options: ReplyOptions,
        feedback: Callable[[Feedback], None],
    ) -> None:
        self.speaker = speaker
        """Speech synthesis (None: say nothing, e.g. for benchmarks of recognition alone)."""
        self.sinks = tuple(sinks)
        """Where speech goes: a speaker, a WAV recorder, both, or neither."""
        self.options = options
        """How to speak."""
        self.until = 0.0
        """The end of the assistant's turn on the source's timeline: the input before it is its own voice (or
        came before it listened again)."""
        self.saying = ""
        """The text of the last reply."""
        self.gain = 1.0
        """The device volume, 0..1 (set by the loop)."""
        self._feedback = feedback
        self._replay: float | None = None
        self._timeline: Callable[[float], float] | None = None
        # progressive responses: said by a thread of their own, in order, while the engine works
        self._turn_at = 0.0
        self._turn_began = time.perf_counter()
        self._progress_end: float | None = None
        self._progress: queue.Queue[tuple[str, bool, float]] = queue.Queue()
        self._progress_thread: threading.Thread | None = None
        self._progress_lock = threading.Lock()

    def start(self, realtime: bool, timeline: Callable[[float], float] | None) -> None:
        """For a run on a source that is live (``realtime``) or a recording; ``timeline`` maps a monotonic clock
        reading to the source's timeline (a live microphone only)."""
        self._replay = None if realtime else self.options.replay_response
        self._timeline = timeline if realtime else None

    def sounding(self, at: float) -> bool:
        """True while the reply is still sounding at ``at`` seconds."""
        return at <= self.until

    def stop(self, at: float) -> None:
        """Stop speaking from ``at`` seconds (barge-in)."""
        for sink in self.sinks:
            sink.stop(at=at)
        self.until = at

    def says(self, phrase: str) -> bool:
        """True when the current reply says ``phrase`` (then hearing it is hearing ourselves)."""
        return f" {phrase} " in _words(self.saying)

    def expect(self, at: float, began: float) -> None:
        """The engine is working on a turn decided at ``at`` seconds since the wall time ``began``
        (``time.perf_counter()``): a progressive response that comes meanwhile is placed from there."""
        with self._progress_lock:
            self._turn_at, self._turn_began = at, began

    def progressive(self, text: str, ssml: bool) -> None:
        """Say a progressive response as soon as possible (from any thread; it returns at once)."""
        came = time.perf_counter()
        with self._progress_lock:
            if self._progress_thread is None or not self._progress_thread.is_alive():
                self._progress_thread = threading.Thread(target=self._say_progress, name="progressive", daemon=True)
                self._progress_thread.start()
        self._progress.put((text, ssml, came))

    def _say_progress(self) -> None:
        while True:
            text, ssml, came = self._progress.get()
            try:
                self._place_progress(text, ssml, came)
            except Exception:  # noqa: BLE001 (a synthesis failure must not stop the next ones, nor the loop)
                log.exception("cannot say the progressive response %r", text)
            finally:
                self._progress.task_done()

    def _place_progress(self, text: str, ssml: bool, came: float) -> None:
        if self.speaker is None:
            return
        with self._progress_lock:
            at = self._turn_at + (came - self._turn_began)
            cursor = at if self._progress_end is None else max(at, self._progress_end)
        self._feedback(Feedback("progressive", cursor, text))
        for samples in self.speaker.synthesize_sentences(text, ssml):
            if self.gain != 1.0:
                samples = (samples.astype(np.float32) * self.gain).astype(np.int16)
            for sink in self.sinks:
                sink.play(samples, SAMPLE_RATE, at=cursor)
            cursor += samples.size / SAMPLE_RATE
            with self._progress_lock:
                self._progress_end = cursor

    def respond(self, record: TurnRecord, began: float) -> tuple[TurnRecord, float]:
        """Show the turn's card and say its speech, placed after ``record.at``; ``began`` is the wall time the
        turn's processing began. The record with the reply's times, and when the assistant listens again."""
        self._progress.join()  # what the skill said while it worked is placed first
        with self._progress_lock:
            after, self._progress_end = self._progress_end, None
        turn = record.turn
        if turn.card:
            self._feedback(Feedback("card", record.at, card_text(turn.card), turn))
        start = end = left = None
        first_audio = 0.0
        if turn.speech and self.speaker is not None:
            start, end, first_audio, left = self._speak(turn, record.at, began, after)
        record = replace(record, reply_start=start, reply_end=end, first_audio_seconds=first_audio, reply_left=left)
        if end is not None:
            resume = end
        else:
            resume = record.at + (self._replay if self._replay is not None else time.perf_counter() - began)
            if after is not None:
                resume = max(resume, after)
        self.until = max(self.until, resume)
        return record, resume

    def _speak(
        self, turn: Turn, at: float, began: float, after: float | None = None
    ) -> tuple[float, float, float, float | None]:
        """Synthesize sentence by sentence, placing each on the timeline; (start, end, first-sentence wall s,
        when the first sample left a loudspeaker on the source's timeline or None). ``after``: the end of the
        progressive speech said during the turn, if any; the reply is then placed by the wall time taken (as the
        progressive speech was), and not before it."""
        assert self.speaker is not None and turn.speech is not None
        self.saying = turn.speech
        start = cursor = 0.0
        first_audio = 0.0
        first: Any = None
        for index, samples in enumerate(self.speaker.synthesize_sentences(turn.speech, turn.speech_ssml)):
            if index == 0:
                first_audio = time.perf_counter() - began
                start = cursor = at + (self._replay if self._replay is not None and after is None else first_audio)
                if after is not None:
                    start = cursor = max(start, after)
                self._feedback(Feedback("speaking", start, turn.speech, turn))
            if self.gain != 1.0:
                samples = (samples.astype(np.float32) * self.gain).astype(np.int16)
            for sink in self.sinks:
                sink.play(samples, SAMPLE_RATE, at=cursor)
                if index == 0 and first is None:
                    first = getattr(sink, "last_playback", None)
            cursor += samples.size / SAMPLE_RATE
        for sink in self.sinks:
            sink.wait()
        left = None
        started = getattr(first, "started_at", None)
        if started is not None and self._timeline is not None:
            left = float(self._timeline(started))
        return start, cursor, first_audio, left


def _words(text: str) -> str:
    """Lower-case words of ``text`` (tags removed), space-separated with spaces around, for phrase look-ups."""
    return " " + " ".join(re.findall(r"[a-z0-9']+", re.sub(r"<[^>]*>", " ", text.lower()))) + " "
