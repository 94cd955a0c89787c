"""Wake word spotting, the first stage: a detector fed every chunk, on the source's timeline.

Two detectors share one interface (``WakeSpotter``):

- ``NeuralWakeDetector``: openWakeWord 0.5.1's pre-trained models ("alexa", "hey jarvis", "hey mycroft",
  "hey rhasspy"), loaded from the installed package (ONNX, one thread). It scores every 80 ms of audio from a
  melspectrogram and a speech embedding, and fires when the score reaches the threshold. It is trained on many
  real voices, which a phonetic spotter is not.
- ``WakeWordDetector``: pocketsphinx's keyphrase search, for any other wake phrase the user picks.

``make_detector`` picks the first for phrases that have a model, the second otherwise. Either way the detection
carries where the phrase ended on the source's timeline, so the loop can decode the rest of the same breath
("alexa, open high low game") from its ring buffer; after a detection (or ``reset``) the search restarts.
"""

from __future__ import annotations

import collections
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np

from assistant.audio.chunk import AudioChunk
from assistant.audio.wav import SAMPLE_RATE
from assistant.errors import AssistantError
from assistant.grammar.pronounce import Lexicon

log = logging.getLogger(__name__)

FRAME_RATE = 100
"""pocketsphinx frames per second."""

DEFAULT_PHRASE = "alexa"
"""The wake word when none is given."""

DEFAULT_THRESHOLD = 1e-50
"""Default keyphrase threshold: lower is more sensitive (more hits, more false wakes); tuned in the tests."""

DEFAULT_MIN_PHONE_SECONDS = 0.0
"""Shortest plausible average phone duration of a spotted phrase, seconds (0: no check). Off: the spotter's own
segmentation is too rough for it to tell false wakes from fast voices' real ones (docs/research.md)."""

_SEARCH = "_wake"

NEURAL_MODELS = {
    "alexa": "alexa_v0.1",
    "hey jarvis": "hey_jarvis_v0.1",
    "hey mycroft": "hey_mycroft_v0.1",
    "hey rhasspy": "hey_rhasspy_v0.1",
}
"""Wake phrases with a pre-trained openWakeWord model in its wheel → the model's file name (without .onnx)."""

NEURAL_THRESHOLD = 0.5
"""Default score threshold of the neural detector (openWakeWord's own default), 0..1: lower fires more readily."""

NEURAL_FRAME = 1280
"""openWakeWord's step: 80 ms of 16 kHz audio."""

_NEURAL_WINDOW_STEPS = 17
"""openWakeWord's classifier looks at the last 16 embeddings (1.28 s); one more step flushes its window."""

NEURAL_PHRASE_SECONDS = 0.7
"""The neural detector does not place the phrase's start; a detection starts this many seconds before its end."""

PEAK_BEFORE = 0.3
"""``NeuralWakeDetector.peak``: seconds before the step that fired that count as the same word."""

PEAK_AFTER = 0.4
"""...and seconds after it."""


class WakeWordError(AssistantError):
    """A wake word that cannot be used: empty, unpronounceable, or a threshold out of range."""


@dataclass(frozen=True, slots=True)
class WakeDetection:
    """The wake word, heard."""

    phrase: str
    """The phrase that was spotted."""
    start: float
    """Where the phrase began, seconds on the source's timeline."""
    end: float
    """Where the phrase ended, seconds on the source's timeline."""
    detected_at: float
    """When the detector fired (end of the block that completed it), seconds on the source's timeline."""
    score: float = 1.0
    """The detector's confidence, 0..1 (1 for the keyphrase spotter, which gives none)."""
    by: str = "neural"
    """The detector that heard it: ``neural`` or ``keyphrase``. With the ``dual`` engine, a detection ``by`` the
    keyphrase spotter alone (openWakeWord did not hear it) is trusted less (``voice.confirm``)."""


def normalise_phrase(phrase: str) -> str:
    """The phrase as dictionary words: lower case, letters, digits and apostrophes, single spaces."""
    words = re.findall(r"[a-z0-9']+", phrase.lower())
    if not words:
        raise WakeWordError(
            f"wake word {phrase!r} has no words; give a phrase such as 'alexa' or 'hey computer'"
        )
    return " ".join(words)


def pronunciations(phrase: str, lexicon: Lexicon | None = None) -> dict[str, str]:
    """Every word of the phrase → CMU phones: the decoder's dictionary first, an espeak-ng guess otherwise."""
    words = phrase.split()
    found = (lexicon or Lexicon()).resolve(words)
    out: dict[str, str] = {}
    for word in words:
        phones = found.extra.get(word) or (lexicon or Lexicon()).phones(word)
        if phones is None:
            raise WakeWordError(f"wake word {phrase!r}: no pronunciation for {word!r}")
        out[word] = phones
    return out


class WakeSpotter(Protocol):
    """What the loop needs of a wake word detector."""

    phrase: str
    threshold: float
    implausible: list[WakeDetection]
    timed: bool
    """True when a detection gives the phrase's own start and end; False when only the moment it was heard."""

    def start(self) -> Any: ...
    def stop(self) -> None: ...
    def reset(self, at: float) -> None: ...
    def process(self, chunk: AudioChunk) -> WakeDetection | None: ...
    def peak(self, detection: WakeDetection) -> float: ...


WAKE_ENGINES = ("neural", "keyphrase", "dual")
"""``neural``: openWakeWord, for the phrases it has a model for; ``keyphrase``: pocketsphinx, any phrase;
``dual``: both, openWakeWord first (``DualWakeDetector``)."""


def make_detector(
    phrase: str, threshold: float | None = None, min_phone_seconds: float = 0.0, engine: str = "neural"
) -> WakeSpotter:
    """The detector for ``phrase``: openWakeWord when ``engine`` is ``neural`` and the phrase has a model,
    pocketsphinx's keyphrase search otherwise. ``threshold`` None is the chosen detector's default (the scales
    differ: a score in 0..1, a probability ratio)."""
    if engine not in WAKE_ENGINES:
        raise WakeWordError(f"unknown wake word engine {engine!r}; choose one of {', '.join(WAKE_ENGINES)}")
    normal = normalise_phrase(phrase)
    if engine == "dual" and normal in NEURAL_MODELS:
        return DualWakeDetector(normal, NEURAL_THRESHOLD if threshold is None else threshold)
    if engine in ("neural", "dual") and normal in NEURAL_MODELS:
        return NeuralWakeDetector(normal, NEURAL_THRESHOLD if threshold is None else threshold)
    return WakeWordDetector(normal, DEFAULT_THRESHOLD if threshold is None else threshold, min_phone_seconds)


def neural_model_path(phrase: str) -> Path:
    """The installed openWakeWord model for ``phrase`` (a WakeWordError when the package or file is missing)."""
    try:
        import openwakeword
    except ImportError as exc:
        raise WakeWordError(
            "openWakeWord is not installed (pip install openwakeword==0.5.1); it is needed for the wake word "
            f"{phrase!r}"
        ) from exc
    path = Path(openwakeword.__file__).parent / "resources" / "models" / f"{NEURAL_MODELS[phrase]}.onnx"
    if not path.exists():
        raise WakeWordError(
            f"openWakeWord's model for {phrase!r} is missing ({path}); openwakeword 0.5.1 ships it in its wheel "
            "(later releases download models at run time, which cannot work offline)"
        )
    return path


class NeuralWakeDetector:
    """Spots a phrase with openWakeWord (see the module docstring) in a stream of 16 kHz int16 chunks.

    Chunks of any size are re-framed into 80 ms steps. A detection's ``end`` is the end of the step whose score
    reached the threshold (the model fires near the end of the word); its ``start`` is an estimate.
    """

    def __init__(self, phrase: str = DEFAULT_PHRASE, threshold: float = NEURAL_THRESHOLD) -> None:
        if not 0.0 < threshold < 1.0:
            raise WakeWordError(f"wake threshold must lie between 0 and 1 exclusive (e.g. 0.5), got {threshold}")
        self.phrase = normalise_phrase(phrase)
        """The wake phrase."""
        if self.phrase not in NEURAL_MODELS:
            raise WakeWordError(
                f"no openWakeWord model for {self.phrase!r}; models: {', '.join(sorted(NEURAL_MODELS))}"
            )
        self.threshold = threshold
        """Score (0..1) at which the detector fires."""
        self.implausible: list[WakeDetection] = []
        """Always empty (the interface's place for detections dropped as fragments)."""
        self.timed = False
        """Detections give the moment the phrase was heard, not its exact span."""
        self.scores: list[tuple[float, float]] = []
        """With ``keep_scores``: (end of step, score) for every 80 ms step, for benchmarks."""
        self.keep_scores = False
        """Record every step's score in ``scores``."""
        self.recent: collections.deque[tuple[float, float]] = collections.deque(maxlen=150)
        """(end of step, score) for the last 150 steps (12 s)."""
        self._model: Any = None
        self._key = ""
        self._pending = np.zeros(0, np.int16)
        self._pending_start = 0.0
        self._position = 0.0
        self._quiet_until = 0.0

    def start(self) -> Self:
        """Load the models (about 0.2 s): the phrase's classifier, openWakeWord's melspectrogram and embedding."""
        if self._model is not None:
            return self
        path = neural_model_path(self.phrase)
        from openwakeword.model import Model

        try:
            self._model = Model(wakeword_models=[str(path)], inference_framework="onnx")
        except Exception as exc:  # onnxruntime raises its own types
            raise WakeWordError(f"openWakeWord cannot load {path}: {exc}") from exc
        self._key = next(iter(self._model.models))
        self.reset(0.0)
        log.info("wake word %r (openWakeWord %s), threshold %g", self.phrase, path.name, self.threshold)
        return self

    def stop(self) -> None:
        """Release the models (safe to call twice)."""
        self._model = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, at: float) -> None:
        """Forget the audio heard so far; the next chunk fed starts at ``at`` seconds on the timeline."""
        if self._model is None:
            raise WakeWordError("the wake word detector was not started")
        self._model.reset()
        self._model.predict(np.zeros(NEURAL_FRAME * _NEURAL_WINDOW_STEPS, np.int16))  # flush the old audio
        self._model.reset()
        self._pending = np.zeros(0, np.int16)
        self._pending_start = at
        self._position = at
        self._quiet_until = at

    def peak(self, detection: WakeDetection) -> float:
        """The highest score over the word of ``detection`` (from ``PEAK_BEFORE`` seconds before the step that fired
        to ``PEAK_AFTER`` after it, as far as heard): the detector fires on the first step over the threshold, and
        the score often goes on rising for a step or two."""
        return max((score for end, score in self.recent
                    if detection.end - PEAK_BEFORE <= end <= detection.end + PEAK_AFTER), default=detection.score)

    def process(self, chunk: AudioChunk) -> WakeDetection | None:
        """Feed one chunk; a detection when the score reaches the threshold in it."""
        if self._model is None:
            raise WakeWordError("the wake word detector was not started")
        if abs(chunk.start - self._position) > 1e-6:
            self.reset(chunk.start)
        self._pending = np.concatenate([self._pending, np.asarray(chunk.samples, np.int16)])
        self._position = chunk.end
        found: WakeDetection | None = None
        while self._pending.size >= NEURAL_FRAME:
            step, self._pending = self._pending[:NEURAL_FRAME], self._pending[NEURAL_FRAME:]
            self._pending_start += NEURAL_FRAME / SAMPLE_RATE
            end = self._pending_start
            score = float(self._model.predict(step)[self._key])
            self.recent.append((end, score))
            if self.keep_scores:
                self.scores.append((end, score))
            if found is None and score >= self.threshold and end > self._quiet_until:
                found = WakeDetection(self.phrase, max(end - NEURAL_PHRASE_SECONDS, 0.0), end, chunk.end, score)
        if found is not None:
            log.debug("wake word at %.2f s (score %.2f)", found.end, found.score)
            self._quiet_until = found.end + 1.0  # one detection per utterance of the phrase
        return found


class WakeWordDetector:
    """Spots one phrase in a stream of 16 kHz int16 chunks with pocketsphinx's keyphrase search.

    ``start()``/``stop()`` (or ``with``) own the decoder. ``process(chunk)`` returns a WakeDetection when the
    phrase completes in that chunk. Chunks must be contiguous on the timeline; after a gap (muted audio), call
    ``reset(at)`` with the time of the next chunk.
    """

    def __init__(
        self,
        phrase: str = DEFAULT_PHRASE,
        threshold: float = DEFAULT_THRESHOLD,
        min_phone_seconds: float = DEFAULT_MIN_PHONE_SECONDS,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise WakeWordError(
                f"wake threshold must lie between 0 and 1 exclusive (e.g. 1e-30; lower is more sensitive), "
                f"got {threshold}"
            )
        self.phrase = normalise_phrase(phrase)
        """The wake phrase, normalised to dictionary words."""
        self.threshold: float = threshold
        """pocketsphinx ``kws_threshold``: detection probability ratio; lower fires more readily."""
        self.min_phone_seconds = min_phone_seconds
        """A detection must last at least this many seconds per phone of the phrase (0: no duration check)."""
        self.min_seconds = 0.0
        """The shortest plausible detection, seconds (set by ``start`` from the phrase's phones)."""
        self.implausible: list[WakeDetection] = []
        """Detections dropped because they were too short to be the whole phrase."""
        self.timed = True
        """Detections carry the phrase's span as the search aligned it."""
        self._decoder: Any = None
        self._origin = 0.0
        self._position = 0.0
        self._in_utt = False
        self._seen = 0

    def start(self) -> Self:
        """Load the acoustic model and the keyphrase search (about 0.3 s)."""
        if self._decoder is not None:
            return self
        import pocketsphinx

        decoder = pocketsphinx.Decoder(lm=None, kws_threshold=self.threshold, loglevel="FATAL")
        n_phones = 0
        for word, phones in pronunciations(self.phrase).items():
            n_phones += len(phones.split())
            if decoder.lookup_word(word) is None:
                log.info("wake word %r: adding guessed pronunciation %s", word, phones)
                decoder.add_word(word, phones, False)
        try:
            decoder.add_keyphrase(_SEARCH, self.phrase)
            decoder.activate_search(_SEARCH)
        except RuntimeError as exc:
            raise WakeWordError(f"pocketsphinx cannot spot wake word {self.phrase!r}: {exc}") from exc
        self._decoder = decoder
        self.min_seconds = n_phones * self.min_phone_seconds
        self.reset(0.0)
        log.info("wake word %r, threshold %g", self.phrase, self.threshold)
        return self

    def stop(self) -> None:
        """Release the decoder (safe to call twice)."""
        decoder, self._decoder = self._decoder, None
        if decoder is not None and self._in_utt:
            decoder.end_utt()
        self._in_utt = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, at: float) -> None:
        """Forget partial matches; the next chunk fed starts at ``at`` seconds on the timeline."""
        decoder = self._require()
        if self._in_utt:
            decoder.end_utt()
        decoder.start_utt()
        self._in_utt = True
        self._origin = at
        self._position = at
        self._seen = 0

    def peak(self, detection: WakeDetection) -> float:
        """The search gives no score: the detection's own (1)."""
        return detection.score

    def process(self, chunk: AudioChunk) -> WakeDetection | None:
        """Feed one chunk; a detection when the wake phrase completes in it."""
        decoder = self._require()
        if abs(chunk.start - self._position) > 1e-6:
            self.reset(chunk.start)
        decoder.process_raw(np.asarray(chunk.samples, np.int16).tobytes(), False, False)
        self._position = chunk.end
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return None
        segments = [s for s in decoder.seg() if s.word not in ("<s>", "</s>", "<sil>")]
        if segments and len(segments) <= self._seen:
            return None  # only detections already judged implausible
        if segments:
            start = self._origin + segments[-1].start_frame / FRAME_RATE
            end = self._origin + (segments[-1].end_frame + 1) / FRAME_RATE
        else:  # no segmentation: assume the phrase just ended
            start = end = chunk.end
        detection = WakeDetection(self.phrase, start, min(end, chunk.end), chunk.end, by="keyphrase")
        if segments and detection.end - detection.start < self.min_seconds:
            # A fragment (the end of "Alex" in "selected"): keep searching without a reset, so that the whole
            # phrase, if it is being said, can still complete.
            self._seen = len(segments)
            self.implausible.append(detection)
            log.debug(
                "wake word at %.2f s lasted %.2f s, less than the %.2f s the phrase needs: dropped",
                detection.start, detection.end - detection.start, self.min_seconds,
            )
            return None
        log.debug("wake word at %.2f-%.2f s (fired at %.2f s)", detection.start, detection.end, chunk.end)
        self.reset(chunk.end)
        return detection

    def _require(self) -> Any:
        if self._decoder is None:
            raise WakeWordError("the wake word detector was not started")
        return self._decoder


DUAL_WAIT = 0.4
"""Seconds the dual detector holds a keyphrase detection for openWakeWord to hear the same word (it fires near
the end of the word, up to a few 80 ms steps after the keyphrase search)."""


class DualWakeDetector:
    """openWakeWord and pocketsphinx's keyphrase search on the same stream (``make_detector(engine="dual")``).

    openWakeWord hears real people (97% of the wake corpus) but scores some synthesized voices near 0; the
    keyphrase search hears those, but fires on near-words in everyday talk. A detection of openWakeWord is
    returned as it is. A keyphrase detection is held ``DUAL_WAIT`` seconds: if openWakeWord hears the word
    meanwhile (or heard it just before), its detection wins; otherwise the keyphrase detection is returned, with
    its span (``by="keyphrase"``) and openWakeWord's highest score over it (``score``), for the loop to confirm
    more strictly (``voice.confirm``).

    ``timed`` is False: the loop treats the pair like openWakeWord (the wake word at any time, barge-in), and
    uses keyphrase detections only while asleep.
    """

    def __init__(self, phrase: str = DEFAULT_PHRASE, threshold: float = NEURAL_THRESHOLD,
                 keyphrase_threshold: float = DEFAULT_THRESHOLD) -> None:
        self.neural = NeuralWakeDetector(phrase, threshold)
        """openWakeWord, the first say."""
        self.keyphrase = WakeWordDetector(phrase, keyphrase_threshold)
        """pocketsphinx's keyphrase search, the fallback."""
        self.phrase = self.neural.phrase
        self.threshold = threshold
        self.implausible = self.keyphrase.implausible
        self.timed = False
        self._held: WakeDetection | None = None
        self._last_neural = float("-inf")

    def start(self) -> Self:
        """Load both detectors."""
        self.neural.start()
        self.keyphrase.start()
        return self

    def stop(self) -> None:
        """Release both (safe to call twice)."""
        self.neural.stop()
        self.keyphrase.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, at: float) -> None:
        """Forget the audio heard so far, in both."""
        self.neural.reset(at)
        self.keyphrase.reset(at)
        self._held = None

    def peak(self, detection: WakeDetection) -> float:
        """openWakeWord's highest score over the word (``NeuralWakeDetector.peak``); a keyphrase detection's own."""
        return detection.score if detection.by == "keyphrase" else self.neural.peak(detection)

    def process(self, chunk: AudioChunk) -> WakeDetection | None:
        """Feed one chunk to both; openWakeWord's detection, or a keyphrase detection it did not confirm in time."""
        neural = self.neural.process(chunk)
        spotted = self.keyphrase.process(chunk)
        if neural is not None:
            self._last_neural = neural.end
            self._held = None
            return neural
        if spotted is not None and self._held is None and spotted.end - self._last_neural > DUAL_WAIT:
            self._held = spotted
        held = self._held
        if held is not None and chunk.end >= held.detected_at + DUAL_WAIT:
            self._held = None
            peak = max((score for end, score in self.neural.recent if end >= held.start - 0.3), default=0.0)
            return replace(held, detected_at=chunk.end, score=peak)
        return None
