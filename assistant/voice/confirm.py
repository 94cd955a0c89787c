"""Wake confirmation: whether a wake word opens a request, where that request begins, and whether what followed
confirms the wake word.

Contracts:

- A wake word opens a request only at the start of speech that follows silence, never mid-sentence
  (``WakeCheck.opens_utterance``).
- A wake word counts only when the grammar understands what follows it and the words account for the speech
  heard (``confirms``); a short request said in the same breath is decoded again together with the phrase and must
  agree (``WakeCheck.confirm``, the second pass). A wake word that is not confirmed leaves no trace: no turn, no
  "Sorry".
- Recognised words with (almost) no speech under them are noise, whatever the grammar made of them
  (``WakeCheck.spoken``): noise must not answer for the user.

The module-level functions are pure. ``WakeCheck`` holds what stays fixed for one run of the loop (options,
the recogniser, the voice activity detector, the second-pass helper); the loop passes in the times, the audio and
the recognitions, and acts on the answers.
"""

from __future__ import annotations

import collections
import itertools
import logging
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.asr.decoder import Recognition, Recognizer, WordTiming, is_noisy
from assistant.asr.plausible import PlausibilityLimits, plausible, reasons
from assistant.audio.chunk import AudioChunk, heard_between
from assistant.audio.wav import SAMPLE_RATE
from assistant.grammar.compiler import CompiledGrammar, with_prefix
from assistant.nlu.result import IntentResult
from assistant.voice.second_pass import SecondPass
from assistant.voice.vad import SpeechDetector
from assistant.voice.wake import DEFAULT_MIN_PHONE_SECONDS, DEFAULT_PHRASE, WakeDetection, WakeSpotter

log = logging.getLogger(__name__)

FRAME = 0.01
"""Energy frame, seconds."""

_CHECKS = itertools.count()
"""Numbers the WakeChecks of this process: the second pass's helper is shared by every loop (``shared_second_pass``),
and two loops' timelines hold the same times."""


@dataclass(frozen=True, slots=True)
class CutOptions:
    """How the start of a same-breath request is found after a wake word."""

    before: float = 0.0
    """Seconds before the detection's end where the search starts (a neural detector may fire a little before
    the word is over, or after it)."""
    after: float = 0.6
    """Seconds after the detection's end where the search for a pause stops."""
    pause: float = 0.08
    """A pause is at least this many seconds of quiet frames: frames within ``floor_db`` of the room's level
    (the quietest tenth of the last ``history`` seconds), and ``depth_db`` below the word's loudest frame. The
    room decides, not the word: an "s" lies 20 dB below the vowels, far above the floor of a quiet room."""
    floor_db: float = 8.0
    """How close to the room's level a quiet frame is, dB."""
    depth_db: float = 10.0
    """How far below the loudest frame of the second before the detection (the wake word) it is, dB."""
    lookback: float = 0.2
    """A pause that began up to this many seconds before the detection and goes on past it counts."""
    history: float = 3.0
    """Seconds before the detection over which the room's level is taken."""
    fallback: float = 0.3
    """With no pause: the quietest frame within this many seconds after the detection's end."""


@dataclass(frozen=True, slots=True)
class WakeOptions:
    """How the wake word is spotted, where its request begins, and how it is confirmed."""

    phrase: str = DEFAULT_PHRASE
    """The wake word or phrase."""
    engine: str = "dual"
    """``dual`` (openWakeWord and pocketsphinx's keyphrase search on the same stream, the latter's detections
    confirmed more strictly: it hears robotic and noisy voices openWakeWord scores near 0), ``neural``
    (openWakeWord alone) or ``keyphrase`` (pocketsphinx alone, any phrase). A phrase with no openWakeWord model
    falls back to the keyphrase search; see ``voice.wake``."""
    threshold: float | None = None
    """The detector's threshold (lower is more sensitive); None: the detector's default (``make_detector``)."""
    min_phone_seconds: float = DEFAULT_MIN_PHONE_SECONDS
    """A wake phrase shorter than this many seconds per phone is a fragment of another word: ignored."""
    lead: float = 0.3
    """The wake phrase must begin within this many seconds of the start of speech (it opens an utterance)."""
    quiet_before: float = 0.5
    """...and that speech must follow at least this many seconds of silence (not a pause inside a sentence)."""
    pause: float = 0.25
    """Neural detector: the wake word counts only after a pause of this many seconds (by the VAD) in the
    ``pause_window`` seconds before the last ``pause_skip`` seconds before the detection (the word itself);
    people pause before they call the assistant, and in continuous talk a near-word does not wake it. 0: no such
    check."""
    pause_window: float = 1.5
    """See ``pause``, seconds."""
    pause_skip: float = 0.45
    """See ``pause``, seconds."""
    cut_search: float = 0.25
    """After a wake phrase in the same breath as the request, decoding starts at the quietest 10 ms in this many
    seconds after the spotted end (the spotter often ends the phrase before its last phone is over, and a phone
    left over at the start makes the grammar reject the request); 0: right at the spotted end."""
    cut: CutOptions = field(default_factory=CutOptions)
    """For a detector that only says when it heard the phrase: how the start of a same-breath request is found
    (the first pause after the word)."""
    prefix: bool = True
    """After a neural wake (which says when the phrase was heard, not where it began or ended) in the same breath
    as the request: decode from just before the phrase, with the phrase in front of every sentence of the grammar
    (``grammar.with_prefix``), so the decoder places the boundary between the word and the request itself. The
    phrase begins where the pause before it (``pause``) ends. False: cut at the first pause after the word
    (``cut``), which clips the request's first phone when the detector fires late."""
    prefix_margin: float = 0.1
    """Seconds of the pause kept before the phrase when decoding with it in front."""
    woken_max_phone_seconds: float = 0.2
    """After a neural wake (in the same breath, or the request after a pause), a request of six phones or more
    that lasts longer than this many seconds per phone on average is not a request: people say requests faster,
    while a sentence begun with a near-word and forced into a short request stretches it ("Alexis is starting at
    the new school" as "alexa, start barista"; after "let's see" woke it, "you know what, I think you're right
    about that" as "what is the time")."""
    strong_score: float = 0.9
    """In a noisy room (the ``weak_room`` seconds before the word judged as ``DecoderConfig.noisy_below_db``
    judges an utterance), an openWakeWord detection whose score over the word (``NeuralWakeDetector.peak``) stays
    below this is weak: it opens a request only when the request follows in the same breath, decoded with the
    phrase in front and the decoder placing the phrase there; never a request after a pause, and a rejected one
    sends the loop back to sleep. Real people's "alexa" scores 0.9 or more in 95 of the 113 development
    recordings at 10 dB (107 clean); other people's other wake phrases never reach 0.3 clean, but in kitchen noise
    at 10 dB 36 of 250 scored 0.5 to 0.9 (docs/research.md, 2026-12-03). In any room, the request after a
    detection below this is not ended early (``WakeCheck.unsure``). 0: every detection is strong."""
    weak_room: float = 3.0
    """See ``strong_score``, seconds."""
    reject_speech: float = 1.0
    """After a neural wake, a same-breath utterance that the grammar rejects with more than this many seconds of
    speech after the phrase was another sentence ("Alexei moved here from Moscow"): back to sleep. Shorter (a
    breath, a click, the tail of the word): keep listening for the request."""
    confirm: bool = True
    """A wake word counts only if the grammar understands what follows it (in the same breath or before the
    deadline); otherwise it was most likely a false wake, and the loop goes back to sleep silently: no "Sorry",
    no turn sent to the engine (``VoiceLoop.unconfirmed_wakes``)."""
    verify: bool = True
    """With ``confirm``: decode the wake word and its request again as one utterance, with the wake phrase in
    front of every sentence of the grammar and the phone loop competing with the whole; a false wake ("what is
    the weather" spotted as "alexa, what can i say") fails there."""
    verify_noisy_entry: float = 1e-45
    """The phone loop's prior in that second pass for noisy utterances, after openWakeWord's engines (the keyphrase
    engine alone: ``keyphrase_noisy_entry``), the recogniser's own (1e-45). At 1e-35, requests at 20 dB the first
    pass understood were rejected as "speech outside the grammar"; with the checks added since (openWakeWord's
    veto, the human rate, amounts nobody says), 1e-45 here acted on nothing in 55 min of everyday speech and 250
    other wake phrases at 10 dB. 1e-40 lost none of 1e-45's gains on the quick request set, but on the full set
    at 20 dB it rejected six requests more, all espeak-ng voices woken by the keyphrase search alone
    (docs/research.md, 2026-12-03 (night) and 2026-12-04 (stop 28))."""
    keyphrase_noisy_entry: float = 1e-35
    """``verify_noisy_entry`` for the keyphrase engine alone, which fires on fragments of many words and has no
    openWakeWord veto: at 1e-40 two sentences of the wake tests' talk at 10 dB passed the second pass. Its noisy
    second pass also keeps the loudness-based count of speech outside the words, not the VAD's."""
    prefix_entry: float = 1e-45
    """The phone loop's prior (``DecoderConfig.garbage_entry``) for clean utterances decoded with the wake phrase
    in front of the grammar (the request said with the wake word, and the second pass), with the ``neural`` and
    ``dual`` engines: after a wake word, a request is what most likely follows, so the loop that rejects speech
    outside the grammar competes less (the keyphrase engine alone keeps the recogniser's prior: it fires on
    fragments of many words). At the recogniser's 1e-30, 13 of 24 clean requests of the quick benchmark's voices
    that woke it were rejected as "speech outside the grammar" (docs/research.md, 2026-12-03 (evening))."""
    verify_room: float = 2.0
    """The second pass is judged noisy or not (``DecoderConfig.noisy_below_db``, which picks the loop's prior:
    ``verify_noisy_entry`` or ``prefix_entry``) together with this many seconds heard before its audio: the wake
    phrase and its request leave too few quiet frames of their own to show a quiet room, and clean speech judged
    noisy got the strict noisy prior (clean requests after espeak-ng's "alexa" rejected as "speech outside the
    grammar" that the first pass understood; docs/research.md, 2026-12-03 (night)). 0: the audio alone."""
    verify_below_phones: int = 20
    """Only requests shorter than this many phones get the second pass (see ``WakeCheck.needs_second_pass``)."""
    verify_margin: float = 0.3
    """Audio kept before the spotted wake phrase for the second pass, seconds."""
    verify_tail: float = 0.03
    """...and after the last voiced frame of the request, seconds. The second pass starts, in a helper process
    on the other core, as soon as this much silence follows the request, before the loop knows whether the
    pause ends it; if the user goes on, the answer is not used."""
    verify_max_uncovered: float = 0.2
    """In the second pass, which covers the wake phrase and the request, at most this many seconds of loud speech
    may lie outside the words (other utterances allow more, ``PlausibilityLimits``): a false wake fits the
    grammar except for a stretch of speech; requests heard right leave none."""
    verify_min_phone_seconds: float = 0.05
    """In the second pass the wake phrase must last at least this many seconds per phone. Its alignment there is
    precise, unlike the spotter's; a false wake squeezes the phrase into the first syllables of another
    sentence."""
    verify_place_slack: float = 0.15
    """A detection of the keyphrase search: the second pass must place the wake phrase where the search heard it,
    give or take this many seconds. Placed elsewhere, it is another stretch of sound taken for the phrase: at
    10 dB of kitchen noise the search fired on the noise before someone's "view glass", and the second pass heard
    that as "alexa louder", with "alexa" 0.27 s after the word the search had heard."""
    keyphrase_start_slack: float = 0.1
    """``dual`` engine, a detection of the keyphrase search alone: the pause before the word (``pause``) must end
    by this many seconds after the start the search gave the word (its segmentation is rough)."""
    keyphrase_min_score: float = 0.001
    """``dual`` engine: a detection of the keyphrase search alone counts only if openWakeWord scored the word at
    least this much (0: always): a veto for words openWakeWord is sure are not the phrase (docs/research.md,
    2026-12-02 night)."""
    keyphrase_verify: bool = True
    """``dual`` engine, a detection of the keyphrase search alone: the request said in the same breath gets the
    second pass (``verify``) whatever its length."""
    verify_in_helper: bool = True
    """Run the second pass in a helper process (``voice.second_pass``), beside the first pass; False: after it,
    in this process (same answers, later)."""


@dataclass(frozen=True, slots=True)
class SpeechCheckOptions:
    """How the neural voice activity detector (``voice.vad``) checks that words were said, not made of noise."""

    enabled: bool = True
    """Drop an utterance when the detector hears too little speech under its words: noise must not answer for
    the user."""
    min_speech: float = 0.15
    """Seconds of speech needed under the recognised words."""
    min_words_seconds: float = 0.15
    """The recognised words must span at least this many seconds: the shortest whole answer said ("no", "hi")
    lasts longer, a clatter that the grammar calls "eight" does not."""
    probability: float = 0.5
    """A 30 ms frame is speech at or above this Silero probability."""
    margin: float = 0.15
    """Seconds before the words (twice that after them) where speech outside them is not counted: word
    boundaries are approximate, and the VAD trails the end of speech."""


def request_start(audio: np.ndarray, rate: int, origin: float, heard: float, options: CutOptions) -> float:
    """Where the request begins after a wake word heard (ending) at ``heard`` seconds, in ``audio`` that starts at
    ``origin`` seconds on the same timeline: the middle of the first pause after the word, or, when the words run
    together, the quietest frame shortly after it."""
    step = int(FRAME * rate)
    first = max(0, int((heard - options.before - origin) * rate) // step)
    last = min(audio.size // step, int((heard + options.after - origin) * rate) // step)
    if last <= first:
        return heard
    x = audio[: (audio.size // step) * step].astype(np.float64).reshape(-1, step)
    db = 10.0 * np.log10(np.mean(x**2, axis=1) + 1.0)
    word_from = max(0, first - int(1.0 / FRAME))
    loudest = float(np.max(db[word_from : first + 1]))
    room = db[max(0, first - int(options.history / FRAME)) : first + 1]
    floor = float(np.percentile(room, 10))
    quiet = (db < floor + options.floor_db) & (db < loudest - options.depth_db)
    need = max(1, int(round(options.pause / FRAME)))
    # the pause may have begun before the detection (the detector fires a little after the word ends): runs
    # from ``lookback`` before it count, as long as they reach past it
    i = max(0, first - int(options.lookback / FRAME))
    while i < last:
        if not quiet[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(quiet) and quiet[j + 1] and j + 1 - i < int(0.4 / FRAME):
            j += 1
        if j + 1 - i >= need and j >= first:
            return origin + (i + j + 1) / 2 * FRAME
        i = j + 1
    stop = min(last, first + int((options.before + options.fallback) / FRAME))
    k = first + int(np.argmin(db[first:stop])) if stop > first else first
    return origin + k * FRAME


def confirms(
    recognition: Recognition, limits: PlausibilityLimits | None = None, outside_speech: float | None = None
) -> bool:
    """True when what followed a wake word was understood and its words account for the speech heard: a false
    wake in the middle of a sentence leaves the rest of the sentence outside the words, or stretches a word over
    it. ``outside_speech`` is the voice activity detector's count of speech seconds outside the words; in noise,
    where every frame is loud, it replaces the loudness-based measure."""
    if recognition.result is None:
        return False
    lim = limits or PlausibilityLimits()
    p = recognition.plausibility
    if outside_speech is None:
        return p is None or plausible(p, lim)
    if outside_speech > lim.max_uncovered_seconds:
        log.info("%r leaves %.2f s of speech outside its words", recognition.transcript, outside_speech)
        return False
    return p is None or plausible(p, replace(lim, max_uncovered_seconds=float("inf")))


def agree(first: Recognition, whole: Recognition) -> bool:
    """True when the second pass heard the same intent (of the same skill) with the same slot values as the
    first: a request heard right survives being decoded with the wake word in front ("stop" and "shut up"
    agree); a false wake often turns into another sentence ("list my skills", then "alexa, what can I say"), or
    into other values (everyday talk at 10 dB of kitchen noise as "alarm at seven oh two", then "alexa, alarm at
    seven a m")."""
    a, b = first.result, whole.result
    same = (a is not None and b is not None and (a.intent, a.skill) == (b.intent, b.skill)
            and _values(a) == _values(b))
    if not same:
        log.info("the two passes disagree: %r, then %r", first.transcript, whole.transcript)
    return same


def _values(result: IntentResult) -> dict[str, str]:
    return {name: slot.value for name, slot in result.slots.items()}


@dataclass(frozen=True, slots=True)
class Rejection:
    """What to do after a wake word followed by speech the grammar rejected."""

    why: str
    """Why what followed did not confirm the wake word, for the log."""
    listen_until: float | None
    """Keep listening for the request until this time, seconds on the source's timeline; None: back to sleep,
    the wake word unconfirmed."""


class WakeCheck:
    """The loop's wake-word decisions for one run.

    Holds what stays fixed during the run; everything that changes (times, the utterance's grammar and start, the
    recognitions) is passed in. It reads the audio heard lately (``ring``, the loop's) and never changes it. The
    only things it remembers are which pause it last sent to the second-pass helper ahead of time, whether
    the room was noisy around the last wake word judged (``weak``), and the keyphrase search's detections heard
    again after a keyphrase-only wake word (``heard_again``).
    """

    def __init__(
        self,
        options: WakeOptions,
        speech: SpeechCheckOptions,
        recognizer: Recognizer,
        spotter: WakeSpotter | None,
        vad: SpeechDetector | None,
        helper: SecondPass | None,
        ring: collections.deque[AudioChunk],
        command_timeout: float,
    ) -> None:
        self.options = options
        """How to confirm."""
        self.speech = speech
        """How speech is told from noise."""
        self.recognizer = recognizer
        """The started recogniser: phone counts, and the second pass when no helper does it."""
        self.spotter = spotter
        """The wake word detector (None: no wake word)."""
        self.vad = vad
        """The neural voice activity detector, fed by the loop (None: off)."""
        self.helper = helper
        """The second-pass helper process (None: decode the second pass here)."""
        self.verify = spotter is not None and options.confirm and options.verify
        """The second pass is on."""
        self.command_timeout = command_timeout
        """Seconds to wait for a request after a bare wake word."""
        self._ring = ring
        self._number = next(_CHECKS)
        self._checked_at = float("-inf")
        self._room_judged: tuple[WakeDetection | None, bool] = (None, False)
        self._again: tuple[WakeDetection | None, list[WakeDetection]] = (None, [])

    @property
    def neural(self) -> bool:
        """The detector says when it heard the phrase, not where the phrase began and ended."""
        return self.spotter is not None and not self.spotter.timed

    @property
    def noisy_entry(self) -> float:
        """The second pass's phone-loop prior for noisy utterances (``verify_noisy_entry``; the keyphrase engine
        alone: ``keyphrase_noisy_entry``)."""
        return self.options.verify_noisy_entry if self.neural else self.options.keyphrase_noisy_entry

    @property
    def prefix_entry(self) -> float | None:
        """The phone loop's prior for the grammar with the phrase in front (``prefix_entry``): after openWakeWord
        (``neural`` and ``dual``); the keyphrase engine alone, which fires on fragments of many words, keeps the
        recogniser's."""
        return self.options.prefix_entry if self.neural else None

    def doubtful(self, detection: WakeDetection) -> bool:
        """A detection of the keyphrase search alone beside openWakeWord (the ``dual`` engine), which did not hear
        it: it opens a request only while asleep, only with the request in the same breath, and only when that
        request passes the second pass too (``keyphrase_verify``); it is never shown before."""
        return self.neural and detection.by == "keyphrase"

    def unsure(self, detection: WakeDetection) -> bool:
        """A detection of the keyphrase search alone (``doubtful``), or an openWakeWord detection that scored below
        ``strong_score`` over the word, in any room: its request is not ended early
        (``UtteranceOptions.early_end``), so talk that goes on after it is heard."""
        return self.doubtful(detection) or self._scored_low(detection)

    def weak(self, detection: WakeDetection) -> bool:
        """An openWakeWord detection that scored below ``strong_score`` over the word, in a noisy room (see
        ``WakeOptions.strong_score``)."""
        if self.doubtful(detection) or not self._scored_low(detection) or not self.noisy_room(detection):
            return False
        log.debug("wake word at %.2f s scored under %.2f, in a noisy room: weak", detection.end,
                  self.options.strong_score)
        return True

    def _scored_low(self, detection: WakeDetection) -> bool:
        """openWakeWord scored ``detection`` below ``strong_score`` over the word."""
        return (self.spotter is not None and self.neural
                and self.spotter.peak(detection) < self.options.strong_score)

    def noisy_room(self, detection: WakeDetection) -> bool:
        """The ``weak_room`` seconds up to the wake word are noisy (judged once per wake word, while the loop's ring
        still holds them: call it when the word is heard)."""
        if detection is not self._room_judged[0]:
            audio = heard_between(self._ring, detection.end - self.options.weak_room, detection.end)
            self._room_judged = (detection, is_noisy(audio, self.recognizer.config.noisy_below_db))
        return self._room_judged[1]

    def _word_end(self, detection: WakeDetection) -> float:
        """Where the wake word's own sound ends, about: the pause before it lies before this."""
        if self.doubtful(detection):
            return detection.start + self.options.keyphrase_start_slack
        return detection.end - self.options.pause_skip

    # -- does this wake word open a request? --------------------------------------------------------------------
    def opens_utterance(self, detection: WakeDetection, speech_start: float, last_speech_end: float) -> bool:
        """True when the phrase begins near the start of speech (``speech_start``) that follows silence (since
        ``last_speech_end``), not mid-sentence. For the neural detector, which does not place the phrase's start:
        the voice activity detector heard a pause (``pause``) in the ``pause_window`` seconds before the last
        ``pause_skip`` seconds."""
        opts = self.options
        if self.doubtful(detection) and detection.score < opts.keyphrase_min_score:
            log.info("keyphrase-only wake word at %.2f s: openWakeWord scored it %.4f: ignored", detection.end,
                     detection.score)
            return False
        if self.doubtful(detection):
            log.debug("keyphrase-only wake word at %.2f s: openWakeWord scored it %.4f", detection.end, detection.score)
        if self.neural:
            if self.vad is None or opts.pause <= 0:
                return True
            end = self._word_end(detection)
            quiet = self.vad.longest_quiet(end - opts.pause_window, end, self.speech.probability)
            if quiet < opts.pause:
                log.info("wake word at %.2f s without a pause before it (%.2f s): ignored", detection.end, quiet)
                return False
            return True
        near_start = speech_start <= detection.start + 0.05 and detection.start - speech_start <= opts.lead
        return near_start and speech_start - last_speech_end >= opts.quiet_before

    # -- where does the request begin? ---------------------------------------------------------------------------
    def phrase_start(self, detection: WakeDetection) -> float:
        """Where to decode from with the phrase in front: just before the pause before it ends (the one that
        ``opens_utterance`` found), else a second before the detection."""
        opts = self.options
        end = self._word_end(detection)
        start = None
        if self.vad is not None:
            start = self.vad.last_pause_end(end - opts.pause_window, end, max(opts.pause, 0.1),
                                            self.speech.probability)
        start = detection.end - 1.0 if start is None else start - opts.prefix_margin
        return max(start, self._ring[0].start)

    def cut_window(self) -> float:
        """Seconds after a deferred start during which the request's start is searched for."""
        if self.neural:
            return self.options.cut.before + self.options.cut.after
        return self.options.cut_search

    def request_cut(self, start: float, upto: float, wake: WakeDetection | None) -> float:
        """Where the request after the wake word ``wake`` begins, searched from ``start`` in what has been heard
        up to ``upto`` seconds."""
        if not self.neural or wake is None:
            return quietest(self._ring, start, upto)
        origin = self._ring[0].start
        audio = np.concatenate([c.samples for c in self._ring])
        audio = audio[: int(round((upto - origin) * SAMPLE_RATE))]
        cut = request_start(audio, SAMPLE_RATE, origin, wake.end, self.options.cut)
        log.debug("wake word heard at %.2f s: the request starts at %.2f s", wake.end, cut)
        return cut

    # -- what was heard --------------------------------------------------------------------------------------
    def without_phrase(self, recognition: Recognition, decode_from: float) -> tuple[Recognition, float | None]:
        """A recognition decoded with the wake phrase in front, without the phrase: the request's words, and where
        the phrase ended (None when the decoder did not put the phrase first)."""
        assert self.spotter is not None
        phrase = self.spotter.phrase.split()
        words = request_words(recognition)
        heard = [w.word.split("(")[0] for w in words[: len(phrase)]]
        if heard != phrase:
            return recognition, None
        phrase_end = decode_from + words[len(phrase) - 1].end
        transcript = recognition.transcript.split()
        if transcript[: len(phrase)] == phrase:
            transcript = transcript[len(phrase) :]
        rest = tuple(w for w in recognition.words if w.start >= words[len(phrase) - 1].end)
        return replace(recognition, transcript=" ".join(transcript), words=rest), phrase_end

    def spoken(self, recognition: Recognition, decode_from: float) -> Recognition:
        """The recognition, or nothing when the voice activity detector heard (almost) no speech under its words:
        a clatter, a click or a breath that the grammar was forced to call "no" or "stop"."""
        if self.vad is None or not recognition.words or recognition.result is None:
            return recognition
        words = request_words(recognition)
        if not words:
            return recognition
        opts = self.speech
        start, end = decode_from + words[0].start, decode_from + words[-1].end
        if end - start < opts.min_words_seconds:
            log.info("%r at %.2f-%.2f s: too short for what was said: noise, ignored", recognition.transcript,
                     start, end)
            return replace(recognition, transcript="", result=None, rejected="words too short to be said")
        speech = self.vad.speech_seconds(start, end, opts.probability)
        log.debug("%r at %.2f-%.2f s: %.2f s of speech", recognition.transcript, start, end, speech)
        if speech >= opts.min_speech:
            return recognition
        log.info("%r at %.2f-%.2f s: %.2f s of speech under the words (VAD peak %.2f): noise, ignored",
                 recognition.transcript, start, end, speech, self.vad.peak(start, end))
        return replace(recognition, transcript="", result=None, rejected="no speech under the words")

    def outside_speech(
        self, recognition: Recognition, decode_from: float, phrase_end: float | None, speech_end: float
    ) -> float | None:
        """Seconds of speech (by the VAD) in the decoded audio (from ``decode_from``, or from the end of the wake
        phrase decoded in front) but outside the recognised words; None without the VAD or words."""
        words = request_words(recognition)
        if self.vad is None or not words:
            return None
        start, end = decode_from + words[0].start, decode_from + words[-1].end
        origin = decode_from if phrase_end is None else phrase_end
        p, margin = self.speech.probability, self.speech.margin
        before = self.vad.speech_seconds(origin, start - margin, p)
        after = self.vad.speech_seconds(end + 2 * margin, speech_end, p)  # the VAD trails the end of speech
        log.debug("speech outside %r: %.2f s before %.2f, %.2f s after %.2f", recognition.transcript, before, start,
                  after, end)
        return before + after

    # -- is the wake word confirmed? ----------------------------------------------------------------------------
    def confirm(
        self,
        wake: WakeDetection,
        recognition: Recognition,
        outside: float | None,
        same_breath: WakeDetection | None,
        grammar: CompiledGrammar,
        voiced_end: float,
        speech_end: float,
        muted_until: float,
        phrase_placed: bool = False,
    ) -> Recognition | None:
        """None when what followed the wake word ``wake`` confirms it; else the recognition that did not (the
        first pass's, or the second pass's). ``outside`` is ``outside_speech``; ``same_breath`` the wake word
        said in the same breath as this utterance; ``grammar``
        the utterance's grammar (the second pass, for a spotter that places the phrase, puts the phrase in
        front of it); ``phrase_placed``: the decoder put the phrase itself before the request, in the same
        breath (a weak wake needs it: ``strong_score``)."""
        if not confirms(recognition, None, outside):
            return recognition
        if not phrase_placed and self.weak(wake):
            log.info("weak wake word at %.2f s, and its request not said with it in one breath: not a request",
                     wake.end)
            return replace(recognition, result=None, rejected="a weak wake word, not heard with its request")
        if self.neural and self._too_slow(request_words(recognition)):
            return replace(recognition, result=None, rejected="said too slowly")
        if not self.needs_second_pass(wake, recognition, same_breath, muted_until):
            return None
        whole = self._second_pass(wake, grammar, voiced_end, speech_end)
        log.debug("second pass: %r (first: %r)", whole.transcript, recognition.transcript)
        strict = PlausibilityLimits(max_uncovered_seconds=self.options.verify_max_uncovered)
        # In noise every frame is loud: the strict limit applies to the VAD's count of speech outside the words, as
        # in the first pass, and the loudness-based count must still pass the recogniser's own limits (talk that a
        # short request fits, "alexa cancel" with 0.65 s of loud sound outside it, does not).
        noisy = whole.noisy and self.neural
        around = self.outside_speech(whole, self._verify_start(wake), None, speech_end) if noisy else None
        if (not confirms(whole, strict, around) or (noisy and not confirms(whole))
                or not self._phrase_whole(wake, whole) or not self._phrase_in_place(wake, whole)
                or not agree(recognition, whole)):
            return whole
        return None

    def rejected(self, wake: WakeDetection, recognition: Recognition, at: float, prefixed: bool) -> Rejection:
        """A wake word followed by speech the grammar rejected: with a spotter that cannot tell the phrase from
        a fragment of another word, a false wake, most likely: back to sleep. After the neural detector, a
        rejected same-breath utterance (decoded with the phrase in front: ``prefixed``) with much speech
        (``reject_speech``) was another sentence that began with a near-word ("Alexei moved here…"): back to
        sleep too. Otherwise it was a breath, a noise or the tail of the word: keep listening for the request
        until the wake's deadline."""
        p = recognition.plausibility
        why = recognition.rejected or (
            f"{recognition.transcript!r}: {'; '.join(reasons(p))}" if p is not None else "no intent"
        )
        deadline = wake.end + self.command_timeout
        said = self.vad.speech_seconds(wake.end, at, self.speech.probability) if self.vad else 0.0
        if self.doubtful(wake) or self.weak(wake):
            log.info("after the %s wake word at %.2f s: %s", "keyphrase-only" if self.doubtful(wake) else "weak",
                     wake.end, why)
        elif prefixed and said > self.options.reject_speech:
            log.info("after the wake word at %.2f s: %.2f s of speech the grammar rejects (%s): another sentence",
                     wake.end, said, why)
        elif self.neural and at < deadline:
            log.info("after the wake word at %.2f s: %s; still listening for the request", wake.end, why)
            return Rejection(why, deadline)
        log.info("wake word at %.2f s not confirmed: what followed was rejected (%s); back to sleep", wake.start, why)
        return Rejection(why, None)

    def _too_slow(self, words: list[WordTiming]) -> bool:
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

    # -- the second pass ---------------------------------------------------------------------------------------
    def verifiable(self, wake: WakeDetection, same_breath: WakeDetection | None, muted_until: float) -> bool:
        """The second pass is possible: on, for a wake word in the same breath as the request, and heard whole
        (not begun while the assistant's own reply, which ended at ``muted_until``, was muting the input)."""
        if not self.verify or self.spotter is None:
            return False
        if self.doubtful(wake):  # its request follows it in one breath, perhaps after a comma's pause
            if not self.options.keyphrase_verify:
                return False
        elif same_breath is not wake or not self.spotter.timed:
            return False
        muted = muted_until > 0.0 and wake.start - self.options.verify_margin < muted_until
        return not muted  # the margin before the phrase may be cut by the start of the input, not by a reply

    def needs_second_pass(
        self, wake: WakeDetection, recognition: Recognition, same_breath: WakeDetection | None, muted_until: float
    ) -> bool:
        """Short requests said in the same breath as the wake word are checked again together with it. Not checked:
        long requests, which carry their own evidence (a 20-phone sentence of the grammar does not fit unrelated
        speech by chance); a request after a pause, which was decoded as an utterance of its own; and a wake word
        begun while the assistant was still speaking, which was partly muted and cannot be checked whole."""
        if not self.verifiable(wake, same_breath, muted_until):
            return False
        if self.doubtful(wake):
            return True
        phones = sum(self.recognizer.phone_count(w) for w in recognition.transcript.split())
        return phones < self.options.verify_below_phones

    def check_ahead(
        self,
        wake: WakeDetection | None,
        same_breath: WakeDetection | None,
        grammar: CompiledGrammar,
        voiced_end: float,
        now: float,
        muted_until: float,
    ) -> None:
        """When the user pauses after "alexa, <request>" in one breath, start the wake word's second pass in the
        helper now, so that its answer is ready about when the loop decides the request is over."""
        if self.helper is None or wake is None:
            return
        if voiced_end <= wake.end or voiced_end == self._checked_at:
            return
        if now - voiced_end < self.options.verify_tail or not self.verifiable(wake, same_breath, muted_until):
            return
        self._checked_at = voiced_end
        prefixed, audio, room = self._second_pass_input(wake, grammar, voiced_end)
        self.helper.submit(self.job_key(wake, voiced_end), prefixed, audio, self.noisy_entry, early=True,
                           entry=self.prefix_entry, room=room)

    def _second_pass(
        self, wake: WakeDetection, grammar: CompiledGrammar, voiced_end: float, speech_end: float
    ) -> Recognition:
        """The wake phrase and the request after it, decoded again as one utterance: the helper's answer when it
        started early on the same audio, else decoded now (in the helper, or here)."""
        end = voiced_end if voiced_end > wake.end else speech_end
        key = self.job_key(wake, end)
        noisy = self.noisy_entry
        prefixed, audio, room = self._second_pass_input(wake, grammar, end)
        if self.helper is not None and self.helper.usable:
            self.helper.submit(key, prefixed, audio, noisy, entry=self.prefix_entry, room=room)  # unless sent early
            answer = self.helper.result(key)
            if answer is not None:
                return answer
        self.recognizer.use(prefixed, noisy_entry=noisy, entry=self.prefix_entry)
        return self.recognizer.decode(audio, room=room)

    def job_key(self, wake: WakeDetection, end: float) -> tuple[int, float, float]:
        """The second-pass job of ``wake`` and the request heard until ``end``: unique to this check, for the helper
        is shared by every loop of the process and their timelines hold the same times. Without the check's own
        number, a loop replaying one recording after another was answered for a request of an earlier recording
        that began and ended at the same times (an early job never collected)."""
        return (self._number, wake.start, end)

    def _second_pass_input(
        self, wake: WakeDetection, grammar: CompiledGrammar, end: float
    ) -> tuple[CompiledGrammar, np.ndarray, np.ndarray | None]:
        """The grammar with the wake phrase in front, the audio from just before the phrase to just after ``end``
        (as much of it as has been heard), and the room heard before that (``verify_room``; None: none).

        The grammar is named after the second pass's priors: a recogniser fixes a grammar's priors when it first
        loads it, and the first pass loads the same grammar with its own (the second pass decoded here used them,
        not ``verify_noisy_entry``)."""
        already = grammar.public.endswith("_prefixed")  # the utterance's own grammar, after a same-breath wake
        prefixed = grammar if already else with_prefix(grammar, wake.phrase.split())  # cached by content
        priors = f"{self.noisy_entry:.0e}_{self.prefix_entry or 0:.0e}".replace("-", "m")
        prefixed = replace(prefixed, name=f"{prefixed.name}_verify_{priors}".replace("+", "p"))
        start = self._verify_start(wake)
        audio = np.concatenate([c.samples_from(start) for c in self._ring if c.end > start])
        audio = audio[: int(round((end + self.options.verify_tail - start) * SAMPLE_RATE))]
        room = None
        if self.options.verify_room > 0:
            heard = heard_between(self._ring, start - self.options.verify_room, start)
            room = heard if heard.size else None
        return prefixed, audio, room

    def _verify_start(self, wake: WakeDetection) -> float:
        """Where the second pass's audio begins: ``verify_margin`` before the phrase, as far as the ring goes."""
        return max(wake.start - self.options.verify_margin, self._ring[0].start)

    def _phrase_whole(self, wake: WakeDetection, whole: Recognition) -> bool:
        """True when the second pass gives the wake phrase a human length (``verify_min_phone_seconds``)."""
        timed = _phrase_words(wake, whole)
        if timed is None:
            return False
        seconds = timed[-1].end - timed[0].start
        shortest = sum(self.recognizer.phone_count(w) for w in wake.phrase.split()) * self.options.verify_min_phone_seconds
        if seconds < shortest:
            log.info("wake phrase at %.2f s lasts %.2f s in the second pass (< %.2f s): not the phrase", wake.start,
                     seconds, shortest)
            return False
        return True

    def heard_again(self, wake: WakeDetection, detection: WakeDetection) -> None:
        """The keyphrase search heard the phrase again (``detection``, at the start of speech) while the request
        after the keyphrase-only wake word ``wake`` was being heard: the second pass may place the phrase there
        (``_phrase_in_place``). In noise the search fires on a clatter just before the word itself."""
        if self._again[0] is not wake:
            self._again = (wake, [])
        self._again[1].append(detection)
        log.info("the keyphrase search heard the wake phrase again at %.2f-%.2f s", detection.start, detection.end)

    def _phrase_in_place(self, wake: WakeDetection, whole: Recognition) -> bool:
        """True when the second pass puts the wake phrase where the keyphrase search heard it, or heard it again
        (``heard_again``), give or take ``verify_place_slack`` (openWakeWord does not place the word)."""
        timed = _phrase_words(wake, whole)
        if wake.by != "keyphrase" or timed is None:
            return True
        origin, slack = self._verify_start(wake), self.options.verify_place_slack
        start, end = origin + timed[0].start, origin + timed[-1].end
        heard = [wake, *(self._again[1] if self._again[0] is wake else [])]
        if all(start > h.end + slack or end < h.start - slack for h in heard):
            log.info("wake phrase at %.2f-%.2f s in the second pass, the search's at %s: not the phrase", start, end,
                     ", ".join(f"{h.start:.2f}-{h.end:.2f} s" for h in heard))
            return False
        return True


def _phrase_words(wake: WakeDetection, whole: Recognition) -> list[WordTiming] | None:
    """The wake phrase's words as the second pass ``whole`` timed them (None: it did not hear them all)."""
    words = wake.phrase.split()
    timed = [w for w in whole.words if w.word.split("(")[0] in words][: len(words)]
    return timed if len(timed) == len(words) else None


def request_words(recognition: Recognition) -> list[WordTiming]:
    """The recognised words of the request: no fillers."""
    return [w for w in recognition.words if not w.word.startswith(("<", "["))]


def quietest(ring: collections.abc.Iterable[AudioChunk], start: float, end: float, frame: float = 0.01) -> float:
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
