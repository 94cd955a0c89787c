"""Speech → words → intent, with pocketsphinx constrained by a compiled grammar.

The decoder is the only place that touches pocketsphinx. Rules learnt the hard way (pocketsphinx 5.1.1):
``Decoder(jsgf=...)`` segfaults, so grammars go in through ``add_jsgf_string``/``activate_search``; bestpath
truncates FSG results, so it is off; a word missing from the dictionary fails the whole grammar without naming
it, so every word is resolved by ``grammar.pronounce`` and added before the grammar is loaded.

Out-of-grammar speech is rejected by competition, not by a threshold on a score: a loop over the 39 phones is
added to the grammar's automaton as an alternative to every sentence, with a small prior. Speech the grammar
covers is explained better by its sentences; speech it does not cover is explained better by the free phone
loop than by the nearest sentence, and the hypothesis then consists of loop phones and is rejected. (The Python
API of pocketsphinx 5 returns scores through ``logmath_exp``, which wraps around, so raw scores are not
available to compare two searches.) Confidence is the share of the utterance's word time the grammar explains.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.wav import SAMPLE_RATE
from ..errors import GrammarError, RecognitionError
from ..grammar.compiler import OPEN_WORD, OPEN_WORDS, QUERY_WORD, CompiledGrammar
from ..grammar.fsa import WordFsa
from ..model.phones import CMU_PHONES
from ..nlu.parser import parse
from ..nlu.result import IntentResult
from ..nlu.values import unlikely_duration
from .plausible import Plausibility, measure, over_silence, plausible, reasons
from .sounds_like import Listed, sounds_like

log = logging.getLogger(__name__)

GARBAGE_PREFIX = "garbage:"
"""Dictionary words of the phone loop that competes with the grammar."""
OPEN_PREFIX = "open:"
"""Dictionary words of the phone loop that stands in an open slot's place in the first pass."""
OPEN_SEARCH = "_open_lm"
"""The general English language model search of the open slots' second pass."""
CLOSED_SUFFIX = "~closed"
"""A grammar with open custom slots is also loaded without them, to check an unlisted value against."""
CHOICE_SEARCH = "_open_choice"
"""The forced choice between the grammar's words and those with an open value (``open_margin``)."""
CHOICE_BEAM = 1e-200
"""The forced choice's beams: wide, since it has two sentences."""
NOISY_SUFFIX = "~noisy"
"""Each grammar is loaded twice: with the normal phone loop, and with the weaker one for noisy utterances."""
WIDE_SUFFIX = "~wide"
"""A search with the wider word-exit beam (``DecoderConfig.wbeam_retry``), noisy or clean, loaded at its first use."""
OUTSIDE_GRAMMAR = "speech outside the grammar"
"""Rejected: the phone loop, which stands for speech outside the grammar, won the utterance."""
NO_MATCH = "no speech matched the grammar"
"""Rejected: no path of the grammar's search reached the end of the utterance."""
FRAME_RATE = 100
"""Decoder frames per second."""


@dataclass(frozen=True, slots=True)
class DecoderConfig:
    """Decoder settings; the defaults are the ones the benchmark chose (docs/research.md)."""

    beam: float = 1e-48
    """Main pruning beam (probability ratio)."""
    wbeam: float = 7e-29
    """Word-exit beam."""
    pbeam: float = 1e-48
    """Phone-transition beam."""
    lw: float = 6.5
    """Language weight."""
    wip: float = 0.65
    """Word insertion penalty."""
    maxhmmpf: int = 30000
    """Most HMMs evaluated per frame (caps the search on long or noisy input)."""
    topn: int = 4
    """Gaussians scored per mixture."""
    silprob: float = 0.005
    """Probability of silence between words."""
    fillprob: float = 1e-8
    """Probability of a filler (breath, noise) between words."""
    noise_floor_db: float | None = 50.0
    """Add deterministic white noise this many dB below the loudest 2048-sample frame (None: off)."""
    trim_silence: bool = True
    """Decode only from 0.3 s before the first loud frame to 0.3 s after the last (whole utterances)."""
    cmn: str = "batch"
    """Cepstral mean normalisation: ``batch`` for whole utterances, ``live`` for streaming."""
    dither: bool = True
    """Add ±1 LSB noise so digital silence has a finite log energy (deterministic seed)."""
    fsgusefiller: bool = True
    """Let silence and fillers occur between grammar words."""
    garbage: bool = True
    """Let a phone loop compete with the grammar, so speech the grammar does not cover is rejected."""
    garbage_entry: float = 1e-30
    """Prior probability of taking the phone loop instead of the grammar (lower: reject less)."""
    garbage_phone: float = 0.1
    """Probability of each further unit in the loop (lower: the loop is costlier per unit)."""
    garbage_entry_noisy: float = 1e-45
    """The loop's prior for noisy utterances: noise makes the free loop fit better, so it is weakened there."""
    lw_noisy: float | None = 3.0
    """Language weight of the noisy utterances' search (None: ``lw``). Lower weighs the grammar, the word
    penalty and the loop prior less against the acoustics, which helps in noise; on clean speech it rejects less
    out-of-domain speech, so clean keeps ``lw`` (docs/research.md)."""
    beam_noisy: float | None = None
    """Main and phone beams of the noisy utterances' search (None: ``beam`` and ``pbeam``)."""
    wbeam_noisy: float | None = None
    """Word-exit beam of the noisy utterances' search (None: ``wbeam``). A wider one (1e-40) hears long requests
    in noise that the clean search's beam prunes whole ("tell barista to make me a large latte"), but in the loop
    it pays only with a weaker noisy phone loop, which acted on everyday talk (docs/research.md, 2026-12-04); the
    retry (``wbeam_retry``) uses it only where the normal search rejected the utterance."""
    wbeam_retry: float | None = 1e-40
    """A noisy utterance the phone loop won (rejected as speech outside the grammar) is decoded again with this
    word-exit beam, the loop's prior unchanged; what that search understands is the hypothesis. In noise the
    normal beam prunes every path to the end of a long sentence ("tell barista to make me a large latte" in
    espeak-ng voices at 20 dB), so only the loop reaches the end; a wider beam for every noisy utterance lets the
    loop win others it had lost (docs/research.md, 2026-12-04), a retry only looks again where it had already won.
    None: no retry."""
    retry_no_match: bool = True
    """A clean utterance that no path of the search reached the end of (``NO_MATCH``: no hypothesis at all, not
    even the phone loop's) is decoded again with the ``wbeam_retry`` word-exit beam, the clean loop's prior
    unchanged. The word-exit beam can prune the last word's exit into the silence after it: a clean "yes" 0.78 s
    long was heard whole with 0.72 s of it and not at all with the rest of the silence. The voice loop asks for it
    for answers in a session, not after a wake word, where what nothing matched is the word's tail or a breath and
    the loop listens on for the request (retried, a real "alexa"'s tail was "alexa, shut up"; docs/research.md,
    2026-12-04, stop 29). False: clean utterances are never retried."""
    noisy_below_db: float = 47.0
    """An utterance is noisy when its loud frames (95th percentile) are less than this many dB above its quiet
    ones (10th percentile); the threshold lies between clean recordings and kitchen noise (docs/research.md)."""
    plausibility: bool = True
    """Reject hypotheses of clean (not noisy) utterances that leave loud speech outside their words or stretch a
    word implausibly (``plausible.PlausibilityLimits``); in noise, loud noise outside the words is normal.
    What it gains is measured by ``bench/rejection.py`` (docs/research.md)."""
    open_slots: str = "all"
    """Which slots are heard open by two passes: a phone loop in the slot's place (``CompiledGrammar.open_fsa``)
    finds where the value lies in time, then pocketsphinx's general English language model hears it. ``all`` (the
    default): AMAZON.SearchQuery and values no custom type lists, the latter checked against the grammar alone
    (``open_listed_check``); ``search``: AMAZON.SearchQuery only; ``off``: neither (docs/research.md, "Open slots
    by voice")."""
    open_entry: float = 1e-25
    """Prior of the phone loop at a slot's place, against its listed values (lower: listed values win more)."""
    open_phone: float = 0.1
    """Probability of each further phone in that loop."""
    open_pad: float = 0.05
    """Seconds of audio on either side of the loop's stretch that the second pass also decodes (``open_context``
    off), or by which a word's middle may lie outside the stretch and still be the slot's (on)."""
    open_context: bool = True
    """The second pass first decodes the whole utterance, so that the carrier phrase gives the language model its
    context, and keeps the words between the carrier's words when it heard those as the grammar did; otherwise
    (and with this off, which is faster) it decodes the stretch alone. See docs/research.md."""
    open_lw: float = 6.5
    """Language weight of the second pass's language model."""
    open_beam: float = 1e-40
    """Main and phone beams of the second pass (narrower than the grammar's: the language model's search is
    far larger)."""
    open_wbeam: float = 1e-25
    """Word-exit beam of the second pass."""
    open_fwdflat: bool = False
    """Run pocketsphinx's flat-lexicon rescoring in the second pass."""
    open_bestpath: bool = True
    """Rescore the second pass's lattice for its hypothesis."""
    open_carrier_min: float = 0.6
    """The second pass must hear the grammar's words around an open slot too: the phones of the words the
    general language model heard outside the slot's stretch must agree at least this much (1 − normalised edit
    distance) with those of the grammar's words, else the second pass hears nothing: the grammar alone decides
    (``open_listed_check``), or the utterance is rejected. Out-of-domain speech bent into "i want a <anything>"
    fails it (bench/openslot.py, docs/research.md)."""
    open_listed_check: bool = True
    """When the second pass gives a custom slot a value no list has, or fails, the grammar without open slots
    decodes the utterance too, and its listed value is kept when the second pass failed or when it explains the
    audio about as well as the open value (``open_margin``). Real speech with a listed value said unusually takes
    the loop, and without this loses it (docs/research.md)."""
    open_margin: float = 1e-60
    """Prior of the open value's words against the grammar's words in that check (lower: listed values win
    more)."""
    open_resolve: float | None = 0.35
    """Entity resolution by sound: an unlisted custom value heard by voice (after ``open_listed_check``) whose
    dictionary phones lie within this distance of a listed value's or synonym's phones is that listed value
    (ER_SUCCESS_MATCH), as Alexa's recogniser, biased toward listed values, would hear it. The distance is a
    weighted phone edit distance over the longer sequence's length, a vowel for a vowel costing half
    (``sounds_like.phone_distance``); a value whose heard words are part of a listed one ("mustard", "honey
    mustard") stays open. None: off. Typed text resolves exact values and synonyms only (docs/research.md)."""
    open_in_noise: bool = False
    """Whether noisy utterances (``noisy_below_db``) are decoded with open custom slots too. Off: the grammar
    alone hears them. In kitchen noise the loop is taken often, and the second pass and its check cost many times
    the decode (barista at 6 dB: real-time factor 0.024 → 0.41) for the same accuracy (docs/research.md)."""
    model_remove_noise: bool | None = False
    """Whether pocketsphinx's own spectral noise subtraction runs; None: as the acoustic model's feat.params says
    (en-US: on). pocketsphinx 5.1.1 lets feat.params override the ``remove_noise`` argument, so this is applied
    through a copy of feat.params. Off: the en-US model does better in noise without it (docs/research.md)."""


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One recognised word and where it was heard."""

    word: str
    """The word."""
    start: float
    """Start, seconds from the beginning of the audio."""
    end: float
    """End, seconds from the beginning of the audio."""


@dataclass(frozen=True, slots=True)
class Recognition:
    """What the recogniser made of one utterance."""

    transcript: str
    """The words the grammar matched ("" when nothing)."""
    result: IntentResult | None
    """The intent and slots, or None when rejected."""
    confidence: float
    """0..1: how much better the grammar explains the audio than it would explain arbitrary speech."""
    words: tuple[WordTiming, ...] = ()
    """Word timings."""
    audio_seconds: float = 0.0
    """Length of the audio, seconds."""
    decode_seconds: float = 0.0
    """Processing time, seconds."""
    rejected: str | None = None
    """Why the hypothesis was rejected, when it was."""
    plausibility: Plausibility | None = None
    """How well the words account for the loud parts of the audio (None: nothing to measure)."""
    noisy: bool = False
    """The utterance was judged noisy (``DecoderConfig.noisy_below_db``)."""
    open_seconds: float = 0.0
    """Time the open slots' second pass took, seconds (0: the first pass heard no open slot)."""
    pending: bool = False
    """A peek whose first pass went through an open slot's loop: not understood yet, since the second pass runs
    only when the utterance is finished."""

    def to_json(self, file: str | None = None) -> dict[str, object]:
        """The stable JSON shape of ``assistant recognize --json``."""
        out: dict[str, object] = {"file": file, "transcript": self.transcript}
        if self.result is not None:
            out.update(self.result.to_json())
        else:
            out.update({"intent": None, "slots": {}})
        out.update({
            "confidence": round(self.confidence, 3),
            "audio_seconds": round(self.audio_seconds, 3),
            "decode_seconds": round(self.decode_seconds, 3),
        })
        if self.rejected:
            out["rejected"] = self.rejected
        return out


class Recognizer:
    """A pocketsphinx decoder that hears only what a compiled grammar allows.

    Create it, then ``start()`` (or use it as a context manager); ``decode()`` whole utterances or stream with
    ``begin()``/``feed()``/``finish()``.
    """


    def __init__(self, config: DecoderConfig | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config or DecoderConfig()
        """Decoder settings."""
        self.clock = clock
        """The local time that relative slot values ("tomorrow") resolve against: the engine's clock
        (``Engine.local_now``), so ``--now`` reaches speech too; None: the wall clock."""
        self._decoder: Any = None
        self._loaded: dict[str, CompiledGrammar] = {}
        self._active: CompiledGrammar | None = None
        self._added_words: dict[str, str] = {}
        self._stream: list[np.ndarray] | None = None
        self._open_lm = False
        self._open_seconds = 0.0
        self._peeking = False
        self._peek_retry = False
        self._retry = True
        self._retry_no_match = True
        self._open_rejected: str | None = None
        self._sounds: dict[tuple[str, str], tuple[Listed, ...]] = {}
        self._room: np.ndarray | None = None
        self._sources: dict[str, tuple[WordFsa, float | None, float | None]] = {}
        self._wide_loaded: set[str] = set()

    # -- lifecycle --
    def start(self) -> Recognizer:
        """Load the acoustic model (about 0.3 s)."""
        if self._decoder is None:
            import pocketsphinx

            c = self.config
            with tempfile.TemporaryDirectory(prefix="assistant-asr-") as tmp:
                extra: dict[str, Any] = {}
                if c.model_remove_noise is not None:
                    extra["featparams"] = str(_feat_params(Path(tmp), c.model_remove_noise))
                self._decoder = pocketsphinx.Decoder(
                    lm=None, bestpath=False, beam=c.beam, wbeam=c.wbeam, pbeam=c.pbeam, lw=c.lw, wip=c.wip, maxhmmpf=c.maxhmmpf, topn=c.topn, silprob=c.silprob, fillprob=c.fillprob,
                    cmn=c.cmn, dither=False, fsgusefiller=c.fsgusefiller,
                    loglevel="FATAL", **extra,
                )
            if c.garbage:
                for unit, phones in self._garbage_units():
                    self._decoder.add_word(GARBAGE_PREFIX + unit, phones, False)
            if c.open_slots in ("search", "all"):
                for unit, phones in self._garbage_units():
                    self._decoder.add_word(OPEN_PREFIX + unit, phones, False)
            self._open_lm = False
        return self

    def stop(self) -> None:
        """Release the decoder."""
        self._decoder = None
        self._loaded.clear()
        self._sounds.clear()
        self._active = None

    def __enter__(self) -> Recognizer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def _ps(self) -> Any:
        if self._decoder is None:
            raise RecognitionError("the recogniser was not started")
        return self._decoder

    # -- grammars --
    def use(self, grammar: CompiledGrammar, noisy_entry: float | None = None, entry: float | None = None) -> None:
        """Listen with this grammar from the next utterance on (loads it the first time). ``noisy_entry`` and
        ``entry``: the phone loop's priors for this grammar's noisy and clean utterances instead of
        ``garbage_entry_noisy`` and ``garbage_entry``; they are fixed when the grammar is first loaded."""
        ps = self._ps
        if grammar.name not in self._loaded:
            for word, phones in grammar.pronunciations.extra.items():
                if self._added_words.get(word) != phones:
                    ps.add_word(word, phones, False)
                    self._added_words[word] = phones
            missing = [w for w in grammar.words if ps.lookup_word(w) is None]
            if missing:
                raise GrammarError(f"words without a pronunciation in grammar {grammar.name}: {', '.join(missing[:10])}")
            try:
                fsa = grammar.fsa
                opened = grammar.open_fsa
                if opened is not None and self._open_kinds() & {w for *_, w in opened.transitions}:
                    fsa = opened  # else the grammar's own automaton: nothing changes
                if fsa is None:
                    raise GrammarError(f"grammar {grammar.name} has no automaton")
                self._add_searches(grammar.name, fsa, entry, noisy_entry)
                if fsa is opened and self._checks_listed(grammar) and grammar.fsa is not None:
                    self._add_searches(grammar.name + CLOSED_SUFFIX, grammar.fsa, entry, noisy_entry)
            except RuntimeError as err:
                raise GrammarError(f"pocketsphinx could not load grammar {grammar.name} ({grammar.kind}): {err}") from err
            self._loaded[grammar.name] = grammar
            if fsa is not None and fsa is grammar.open_fsa:
                self._load_language_model()  # now rather than at the first open slot heard
        if self._active is not grammar:
            ps.activate_search(grammar.name)
            self._active = grammar

    def _add_searches(self, name: str, fsa: WordFsa, entry: float | None, noisy_entry: float | None,
                      wide: bool = False) -> None:
        """Load ``fsa`` as the search ``name`` (open slots as phone loops), with the rejection loop at ``entry``, and
        as ``name`` + NOISY_SUFFIX with the loop at ``noisy_entry`` (None: the config's priors); ``wide``: only the
        noisy and the clean search with the retry's word beam, as ``name`` + NOISY_SUFFIX + WIDE_SUFFIX and ``name`` +
        WIDE_SUFFIX."""
        ps = self._ps
        arcs, n_states = self._open_arcs(fsa)
        if not self.config.garbage:
            ps.add_fsg(name, ps.create_fsg(name, fsa.start, fsa.final, arcs))
            return
        self._sources[name] = (fsa, entry, noisy_entry)
        clean = self.config.garbage_entry if entry is None else entry
        noisy = self.config.garbage_entry_noisy if noisy_entry is None else noisy_entry
        searches = (
            ((name + NOISY_SUFFIX + WIDE_SUFFIX, noisy), (name + WIDE_SUFFIX, clean)) if wide
            else ((name, clean), (name + NOISY_SUFFIX, noisy))
        )
        for search, prior in searches:
            loop = self._garbage_arcs(fsa.start, fsa.final, n_states, prior)
            noisy = NOISY_SUFFIX in search
            c = self.config
            settings = {
                "lw": c.lw_noisy if noisy and c.lw_noisy is not None else c.lw,
                "beam": c.beam_noisy if noisy and c.beam_noisy is not None else c.beam,
                "pbeam": c.beam_noisy if noisy and c.beam_noisy is not None else c.pbeam,
                "wbeam": c.wbeam_retry if wide and c.wbeam_retry is not None
                else c.wbeam_noisy if noisy and c.wbeam_noisy is not None else c.wbeam,
            }
            for key, value in settings.items():
                ps.config[key] = value
            try:
                ps.add_fsg(search, ps.create_fsg(search, fsa.start, fsa.final, arcs + loop))
            finally:
                for key in settings:
                    ps.config[key] = getattr(c, key)

    def _checks_listed(self, grammar: CompiledGrammar) -> bool:
        """Whether an unlisted value the second pass hears in ``grammar`` is checked against the grammar alone
        (``DecoderConfig.open_listed_check``): custom slots are heard open in it."""
        opened = grammar.open_fsa
        return (self.config.open_listed_check and OPEN_WORD in self._open_kinds() and opened is not None
                and any(w == OPEN_WORD for *_, w in opened.transitions))

    def _open_arcs(self, fsa: WordFsa) -> tuple[list[tuple[Any, ...]], int]:
        """The automaton's arcs for pocketsphinx, each open-slot word replaced by a phone loop of its own; and the
        number of states then."""
        c = self.config
        units = [OPEN_PREFIX + u for u, _ in self._garbage_units()]
        arcs: list[tuple[Any, ...]] = []
        n = fsa.n_states
        kinds = self._open_kinds()
        for a, b, p, word in fsa.transitions:
            if word in OPEN_WORDS and word not in kinds:
                continue  # that kind of open slot is not heard: its path ends here
            if word not in OPEN_WORDS:
                arcs.append((a, b, p, word) if word else (a, b, p))
                continue
            loop = n
            n += 1
            for unit in units:
                arcs.append((a, loop, p * c.open_entry / len(units), unit))
                arcs.append((loop, loop, c.open_phone / len(units), unit))
            arcs.append((loop, b, 1.0 - c.open_phone))
        return arcs, n

    def _open_kinds(self) -> frozenset[str | None]:
        """The open-slot words of ``open_fsa`` that get a phone loop (``DecoderConfig.open_slots``)."""
        mode = self.config.open_slots
        if mode not in ("off", "search", "all"):
            raise RecognitionError(f"DecoderConfig.open_slots must be off, search or all, not {mode!r}")
        return frozenset({QUERY_WORD, OPEN_WORD} if mode == "all" else {QUERY_WORD} if mode == "search" else ())

    def unload(self, grammar: CompiledGrammar) -> None:
        """Forget a grammar (dynamic entities replace grammars during a session)."""
        if grammar.name in self._loaded:
            if self._active is grammar:
                self._active = None
            names = [grammar.name]
            if self._checks_listed(grammar) and grammar.fsa is not None:
                names.append(grammar.name + CLOSED_SUFFIX)
            for name in names:
                self._ps.remove_search(name)
                if self.config.garbage:
                    self._ps.remove_search(name + NOISY_SUFFIX)
                if name in self._wide_loaded:
                    self._wide_loaded.discard(name)
                    self._ps.remove_search(name + NOISY_SUFFIX + WIDE_SUFFIX)
                    self._ps.remove_search(name + WIDE_SUFFIX)
                self._sources.pop(name, None)
            del self._loaded[grammar.name]
            self._sounds = {k: v for k, v in self._sounds.items() if k[0] != grammar.name}

    # -- decoding --
    def decode(
        self, samples: np.ndarray, grammar: CompiledGrammar | None = None, room: np.ndarray | None = None,
        retry: bool = True,
    ) -> Recognition:
        """Recognise one utterance (int16, 16 kHz, mono); ``room`` and ``retry`` as in ``begin``."""
        self.begin(grammar, room, retry)
        self.feed(samples)
        return self.finish()

    def begin(self, grammar: CompiledGrammar | None = None, room: np.ndarray | None = None,
              retry: bool = True, retry_no_match: bool = True) -> None:
        """Start an utterance. ``room``: audio heard just before it, which counts in judging whether the
        utterance is noisy (``noisy_below_db``) and is not decoded: continuous talk has too few quiet frames of
        its own to show a quiet room. ``retry``: False, no retry of a noisy rejected utterance with the wider word
        beam (``wbeam_retry``); ``retry_no_match``: False, none of a clean one no path reached the end of
        (``DecoderConfig.retry_no_match``)."""
        if grammar is not None:
            self.use(grammar)
        if self._active is None:
            raise RecognitionError("no grammar is active")
        self._room = room
        self._retry = retry
        self._retry_no_match = retry_no_match
        self._stream = []
        if self.config.cmn != "batch":  # streaming decodes as audio arrives; batch starts in finish()
            self._ps.start_utt()

    def feed(self, samples: np.ndarray) -> None:
        """Decode more audio of the current utterance as it arrives."""
        if self._stream is None:
            raise RecognitionError("feed() before begin()")
        pcm = self._prepare(samples)
        self._stream.append(pcm)
        if self.config.cmn != "batch":
            self._ps.process_raw(pcm.tobytes(), False, False)

    def peek(self, retry: bool = False) -> Recognition | None:
        """What the utterance so far gives if it ends now, leaving it open (batch CMN; None when streaming).
        ``retry``: with the retry of ``DecoderConfig.wbeam_retry`` (a peek whose answer may stand as the
        utterance's), which other peeks skip."""
        if self._stream is None or self.config.cmn != "batch":
            return None
        stream = self._stream
        self._peeking = True
        self._peek_retry = retry
        try:
            recognition = self.finish()
        finally:
            self._peeking = self._peek_retry = False
        self._stream = stream
        return recognition

    def discard(self) -> None:
        """Drop the current utterance without decoding it."""
        if self._stream is not None and self.config.cmn != "batch":
            self._ps.end_utt()
        self._stream = None

    def finish(self) -> Recognition:
        """End the utterance and return what was heard."""
        if self._stream is None or self._active is None:
            raise RecognitionError("finish() before begin()")
        t0 = time.perf_counter()
        ps = self._ps
        audio = np.concatenate(self._stream) if self._stream else np.zeros(0, np.int16)
        self._stream = None
        offset = 0
        decoded = audio
        if self.config.cmn == "batch" and self.config.trim_silence:
            offset, end = speech_span(decoded)
            decoded = decoded[offset:end]
        if self.config.noise_floor_db is not None:
            decoded = add_noise_floor(decoded, self.config.noise_floor_db)
        judged = audio if self._room is None or not audio.size else np.concatenate([self._room, audio])
        noisy = is_noisy(judged, self.config.noisy_below_db) if audio.size else False
        grammar = self._active
        name = grammar.name
        if self.config.cmn == "batch":
            closed = noisy and not self.config.open_in_noise and self._checks_listed(grammar)
            name += CLOSED_SUFFIX if closed else ""
            self._run(self._search(name, noisy), decoded)
        else:
            ps.end_utt()
        concluded, opened = self._recognition(grammar, audio, decoded, offset, noisy, t0, second_pass=True)
        if self._retries(concluded) and self._wide_search(name):
            self._run(self._search(name, noisy) + WIDE_SUFFIX, decoded)
            retried, reopened = self._recognition(grammar, audio, decoded, offset, noisy, t0, second_pass=True)
            self._ps.activate_search(self._search(grammar.name, noisy))
            if retried.result is not None:
                log.debug("heard with the wider word beam: %r", retried.transcript)
                concluded, opened = retried, reopened
            else:
                concluded = replace(concluded, decode_seconds=retried.decode_seconds)
        if opened and not self._peeking and self._checks_listed(grammar):
            concluded = self._prefer_listed(grammar, concluded, audio, decoded, offset, noisy)
        if opened and not self._peeking and concluded.result is not None and self.config.open_resolve is not None:
            t1 = time.perf_counter()
            concluded = self._resolve_by_sound(grammar, concluded, self.config.open_resolve)
            spent = time.perf_counter() - t1
            concluded = replace(concluded, decode_seconds=concluded.decode_seconds + spent,
                                open_seconds=concluded.open_seconds + spent)
        return concluded

    def _retries(self, rec: Recognition) -> bool:
        """Whether ``rec`` is decoded again with the wider word beam (``DecoderConfig.wbeam_retry``): a noisy
        whole utterance the phone loop won, or that no path reached the end of (after a wake word: ``begin``'s
        ``retry``); a clean one that no path reached the end of (``retry_no_match``)."""
        c = self.config
        if (c.wbeam_retry is None or not c.garbage or c.cmn != "batch" or rec.result is not None
                or (self._peeking and not self._peek_retry)):
            return False
        if rec.noisy:
            return self._retry and rec.rejected in (OUTSIDE_GRAMMAR, NO_MATCH)
        return c.retry_no_match and self._retry_no_match and rec.rejected == NO_MATCH

    def _wide_search(self, name: str) -> bool:
        """Load the retry's search for the search ``name`` at its first use; False if it cannot be."""
        if name in self._wide_loaded:
            return True
        source = self._sources.get(name)
        if source is None:
            return False
        fsa, entry, noisy_entry = source
        try:
            self._add_searches(name, fsa, entry, noisy_entry, wide=True)
        except RuntimeError as err:
            log.warning("the wider search for %s could not be loaded: %s", name, err)
            return False
        self._wide_loaded.add(name)
        return True

    def _search(self, name: str, noisy: bool) -> str:
        return name + (NOISY_SUFFIX if noisy and self.config.garbage else "")

    def _run(self, search: str, decoded: np.ndarray) -> None:
        """Decode a whole utterance with one search."""
        ps = self._ps
        ps.activate_search(search)
        ps.start_utt()
        ps.process_raw(decoded.tobytes(), False, True)
        ps.end_utt()

    def _recognition(self, grammar: CompiledGrammar, audio: np.ndarray, decoded: np.ndarray, offset: int,
                     noisy: bool, t0: float, second_pass: bool) -> tuple[Recognition, bool]:
        """What the search just run heard, concluded; and whether its best path went through an open slot's loop
        (then the second pass has run when ``second_pass`` and this is not a peek)."""
        ps = self._ps
        hyp = ps.hyp()
        transcript = hyp.hypstr if hyp is not None else ""
        words = tuple(
            WordTiming(seg.word, offset / SAMPLE_RATE + seg.start_frame / FRAME_RATE,
                       offset / SAMPLE_RATE + (seg.end_frame + 1) / FRAME_RATE)
            for seg in (ps.seg() or ())
            if not seg.word.startswith(("<", "[", "+", "(")) and seg.word != "<sil>"
        )
        speech = [w for w in words if not w.word.startswith(GARBAGE_PREFIX)]
        garbage = [w for w in words if w.word.startswith(GARBAGE_PREFIX)]
        opened = not garbage and any(w.word.startswith(OPEN_PREFIX) for w in speech)
        if opened:  # a peek (is the sentence over?) does not wait for the second pass: not understood yet
            transcript = "" if self._peeking or not second_pass else self._second_pass(speech, decoded, offset, noisy)
        covered = sum(w.end - w.start for w in speech)
        junk = sum(w.end - w.start for w in garbage)
        confidence = covered / (covered + junk) if covered + junk > 0 else 0.0
        if garbage:
            transcript = ""
        plausibility = measure(audio, speech, self.phone_count) if speech and not garbage else None
        elapsed = time.perf_counter() - t0
        audio_seconds = len(audio) / SAMPLE_RATE
        rec = Recognition("", None, confidence, words, audio_seconds, elapsed, None, plausibility, noisy,
                          open_seconds=self._open_seconds if opened and not self._peeking else 0.0,
                          pending=opened and self._peeking)
        concluded = self._conclude(grammar, transcript, rec)
        if concluded.result is None and plausibility is not None and not opened and transcript:
            concluded = self._without_last_words(grammar, concluded, audio, speech) or concluded
        if opened and not transcript and self._open_rejected:
            concluded = replace(concluded, rejected=self._open_rejected)
        return concluded, opened

    def _without_last_words(self, grammar: CompiledGrammar, rec: Recognition, audio: np.ndarray,
                            speech: list[WordTiming]) -> Recognition | None:
        """A hypothesis whose last words lie over silence ("stop" heard as "stop that", the "that" put on the
        release of the "p" and the pause after it), understood without them when the rest is a sentence of the
        grammar that accounts for the audio; None otherwise."""
        if not self.config.plausibility or rec.noisy:
            return None
        quiet = over_silence(audio, speech, self.phone_count)
        keep = len(speech)
        while keep > 0 and quiet[keep - 1]:
            keep -= 1
        if keep in (0, len(speech)):
            return None
        kept = speech[:keep]
        p = measure(audio, kept, self.phone_count)
        shorter = self._conclude(grammar, " ".join(w.word for w in kept), replace(rec, plausibility=p, rejected=None))
        if shorter.result is None:
            return None
        dropped = " ".join(w.word.split("(")[0] for w in speech[keep:])
        log.debug("%r: %r lies over silence; understood without it", rec.transcript, dropped)
        return replace(shorter, words=tuple(w for w in rec.words if w not in speech[keep:]))

    def _prefer_listed(self, grammar: CompiledGrammar, heard: Recognition, audio: np.ndarray,
                       decoded: np.ndarray, offset: int, noisy: bool) -> Recognition:
        """The check of an open custom slot (``DecoderConfig.open_listed_check``). When the second pass gave an
        unlisted value, or nothing, the grammar alone decodes the utterance too. Its hypothesis (with a listed
        value) is kept when the second pass failed, and when a forced choice between the two word sequences over
        the same audio, the heard words weighed by ``open_margin``, picks it."""
        result = heard.result
        if result is not None and not _unlisted(result):
            return heard  # a listed value or a search query after all
        if result is not None and (loose := _loose_value(result)):
            result = None  # the language model filled a fragment or a pause: as if the second pass failed
            heard = replace(heard, result=None, rejected=f"the open value {loose!r} begins or ends with a function word")
        t0 = time.perf_counter()
        active = self._active
        try:
            self._run(self._search(grammar.name + CLOSED_SUFFIX, noisy), decoded)
            closed, _ = self._recognition(grammar, audio, decoded, offset, noisy, t0, second_pass=False)
            if closed.result is None:
                chosen = heard  # no listed value fits either: the open value, or the second pass's rejection
            elif result is None or self._listed_wins(closed.transcript, heard.transcript, decoded):
                chosen = closed
            else:
                chosen = heard
        finally:
            if active is not None:
                self._ps.activate_search(self._search(active.name, noisy))
        spent = time.perf_counter() - t0
        return replace(chosen, decode_seconds=heard.decode_seconds + spent,
                       open_seconds=heard.open_seconds + spent)

    def _listed_wins(self, listed: str, heard: str, decoded: np.ndarray) -> bool:
        """A forced choice over ``decoded`` between two word sequences, the grammar's (``listed``) and the one
        with the open value (``heard``, prior ``open_margin``): True when the grammar's wins."""
        ps = self._ps
        arcs: list[tuple[Any, ...]] = []
        final = 1
        n = 2
        for words, prior in ((listed.split(), 1.0), (heard.split(), self.config.open_margin)):
            state = 0
            for i, word in enumerate(words):
                target = final if i == len(words) - 1 else n
                arcs.append((state, target, prior if i == 0 else 1.0, word))
                if target != final:
                    state = target
                    n += 1
        wide = {"beam": CHOICE_BEAM, "pbeam": CHOICE_BEAM, "wbeam": CHOICE_BEAM}
        first = {key: ps.config[key] for key in wide}
        for key, value in wide.items():  # two sentences: no pruning, so the prior alone weighs against the sound
            ps.config[key] = value
        try:
            ps.add_fsg(CHOICE_SEARCH, ps.create_fsg(CHOICE_SEARCH, 0, final, arcs))
        except RuntimeError as err:
            log.warning("the open slot's check could not weigh %r against %r: %s", listed, heard, err)
            return False
        finally:
            for key, value in first.items():
                ps.config[key] = value
        self._run(CHOICE_SEARCH, decoded)
        hyp = ps.hyp()
        return hyp is not None and [w.split("(")[0] for w in hyp.hypstr.split()] == listed.split()

    def _resolve_by_sound(self, grammar: CompiledGrammar, heard: Recognition, within: float) -> Recognition:
        """``heard`` with each unlisted custom value that sounds like a listed value or synonym (``open_resolve``)
        replaced by that value's words, when the transcript so changed parses with the value resolved."""
        if heard.result is None:
            return heard
        for slot_name in list(heard.result.slots):
            slot = heard.result.slots[slot_name]
            info = grammar.types.get(slot.type)
            if not slot.resolutions or slot.resolved is not None or info is None:
                continue
            spoken = slot.spoken.split()
            match = sounds_like(spoken, self._phones(spoken), self._listed(grammar, slot.type), within)
            words = heard.transcript.split()
            at = [i for i in range(len(words) - len(spoken) + 1) if words[i : i + len(spoken)] == spoken]
            if match is None or len(at) != 1:
                continue
            transcript = [*words[: at[0]], *match.listed.words, *words[at[0] + len(spoken):]]
            resolved = self._conclude(grammar, " ".join(transcript), replace(heard, result=None, rejected=None))
            value = resolved.result.slots.get(slot_name) if resolved.result is not None else None
            if value is None or (value.resolved or {}).get("name") != match.listed.name:
                continue
            log.debug("open value %r sounds like the listed %r (%.2f)", slot.spoken, " ".join(match.listed.words),
                      match.distance)
            heard = resolved
        return heard

    def _listed(self, grammar: CompiledGrammar, type_name: str) -> tuple[Listed, ...]:
        """The listed values and synonyms of a slot type of ``grammar`` (dynamic entities first) with their
        pronunciations in the decoder's dictionary; computed once per grammar and type."""
        key = (grammar.name, type_name)
        if key not in self._sounds:
            info = grammar.types[type_name]
            items = []
            for table in (info.dynamic, info.resolutions):
                for words, (name, _id) in table.items():
                    pronunciations = self._pronunciations(list(words))
                    if pronunciations:
                        items.append(Listed(tuple(words), name, pronunciations))
            self._sounds[key] = tuple(items)
        return self._sounds[key]

    def _pronunciations(self, words: list[str], most: int = 8) -> tuple[tuple[str, ...], ...]:
        """The phone sequences of ``words``, each word in its dictionary forms ("to", "to(2)"…), at most ``most``
        combinations; () when a word has none."""
        out: list[tuple[str, ...]] = [()]
        for word in words:
            forms = []
            for variant in [word, *(f"{word}({i})" for i in range(2, 10))]:
                phones = self._ps.lookup_word(variant)
                if phones is None:
                    break
                forms.append(tuple(phones.split()))
            if not forms:
                return ()
            out = [head + form for head in out for form in forms][:most]
        return tuple(out)

    def _load_language_model(self) -> None:
        """Load the second pass's general English language model (once; about 0.5 s)."""
        if self._open_lm:
            return
        import pocketsphinx

        ps = self._ps
        c = self.config
        second = {"lw": c.open_lw, "beam": c.open_beam, "pbeam": c.open_beam, "wbeam": c.open_wbeam,
                  "fwdflat": c.open_fwdflat, "bestpath": c.open_bestpath}
        first = {key: ps.config[key] for key in second}
        for key, value in second.items():
            ps.config[key] = value
        try:
            ps.add_lm_file(OPEN_SEARCH, pocketsphinx.get_model_path("en-us/en-us.lm.bin"))
        finally:
            for key, value in first.items():
                ps.config[key] = value
        self._open_lm = True

    def _lm_words(self, audio: np.ndarray, at: float) -> list[tuple[str, float]]:
        """The words the general language model hears in ``audio`` (which starts ``at`` seconds into the
        utterance), each with the time of its middle."""
        ps = self._ps
        ps.activate_search(OPEN_SEARCH)
        ps.start_utt()
        ps.process_raw(audio.tobytes(), False, True)
        ps.end_utt()
        return [
            (seg.word.split("(")[0], at + (seg.start_frame + seg.end_frame + 1) / (2 * FRAME_RATE))
            for seg in (ps.seg() or ())
            if not seg.word.startswith(("<", "[", "+", "("))
        ]

    def _phones(self, words: list[str]) -> list[str]:
        return [p for w in words for p in (self._ps.lookup_word(w) or "").split()]

    def _second_pass(self, speech: list[WordTiming], decoded: np.ndarray, offset: int, noisy: bool) -> str:
        """The hypothesis with each run of open-slot phones replaced by what the general language model hears in
        that stretch of ``decoded`` (which starts ``offset`` samples into the utterance); "" when a stretch
        gives no word."""
        t0 = time.perf_counter()
        ps = self._ps
        self._load_language_model()
        out: list[str] = []
        run: list[WordTiming] = []
        pad = self.config.open_pad
        active = self._active
        self._open_rejected = None
        try:
            whole = self._lm_words(decoded, offset / SAMPLE_RATE)
            runs = _open_runs(speech)
            carrier = [w.word.split("(")[0] for w in speech if not w.word.startswith(OPEN_PREFIX)]
            around = [word for word, middle in whole
                      if not any(a.start - pad <= middle <= b.end + pad for a, b in runs)]
            agreement = phone_similarity(self._phones(carrier), self._phones(around))
            if agreement < self.config.open_carrier_min:
                self._open_rejected = (
                    f"the open-vocabulary pass heard {' '.join(around)!r} where the grammar heard "
                    f"{' '.join(carrier)!r} ({agreement:.2f})"
                )
                return ""
            for w in [*speech, None]:
                if w is not None and w.word.startswith(OPEN_PREFIX):
                    run.append(w)
                    continue
                if run:
                    start, stop = run[0].start, run[-1].end
                    heard = _between(whole, out, _carrier_after(speech, w)) if self.config.open_context else []
                    if not heard:
                        begin = max(0, int((start - pad) * SAMPLE_RATE) - offset)
                        end = min(len(decoded), int((stop + pad) * SAMPLE_RATE) - offset)
                        heard = [word for word, _ in self._lm_words(decoded[begin:end], 0.0)]
                    if not heard:
                        self._open_rejected = "the open-vocabulary pass heard no word in an open slot"
                        return ""
                    out += heard
                    run = []
                if w is not None:
                    out.append(w.word)
        finally:
            if active is not None:
                ps.activate_search(active.name + (NOISY_SUFFIX if noisy and self.config.garbage else ""))
            self._open_seconds = time.perf_counter() - t0
        return " ".join(out)

    def phone_count(self, word: str) -> int:
        """How many phones the decoder's dictionary gives ``word`` (alternates like "to(2)" included); 1 if none."""
        phones = self._ps.lookup_word(word)
        return len(phones.split()) if phones else 1

    def _conclude(self, grammar: CompiledGrammar, transcript: str, rec: Recognition) -> Recognition:
        clean = [w.split("(")[0] for w in transcript.split()]
        rec = replace(rec, transcript=" ".join(clean))
        confidence, words = rec.confidence, rec.words
        if not clean:
            why = OUTSIDE_GRAMMAR if confidence < 1.0 and words else NO_MATCH
            return replace(rec, rejected=why)
        result = parse(clean, grammar, now=self.clock() if self.clock is not None else None)
        if result is None:
            return replace(rec, rejected=f"hypothesis {' '.join(clean)!r} does not parse")
        odd = _unlikely_amount(result)
        if odd is not None:
            return replace(rec, rejected=f"{' '.join(clean)!r}: nobody says that amount ({odd})")
        p = rec.plausibility
        if self.config.plausibility and not rec.noisy and p is not None and not plausible(p):
            why = "; ".join(reasons(p))
            return replace(rec, rejected=f"{' '.join(clean)!r} does not account for the audio ({why})")
        return replace(rec, result=result)

    def _garbage_units(self) -> list[tuple[str, str]]:
        """(name, phones) of the loop's units: the 39 phones."""
        return [(p.lower(), p) for p in CMU_PHONES]

    def _garbage_arcs(self, start: int, final: int, n_states: int, entry: float) -> list[tuple]:
        """A phone loop from start to final, as an alternative to the whole grammar."""
        c = self.config
        loop = n_states
        arcs: list[tuple] = []
        units = [u for u, _ in self._garbage_units()]
        each = c.garbage_phone / len(units)
        for unit in units:
            arcs.append((start, loop, entry / len(units), GARBAGE_PREFIX + unit))
            arcs.append((loop, loop, each, GARBAGE_PREFIX + unit))
        arcs.append((loop, final, 1.0 - c.garbage_phone))
        return arcs

    def _prepare(self, samples: np.ndarray) -> np.ndarray:
        pcm = np.asarray(samples)
        if pcm.dtype != np.int16:
            raise RecognitionError(f"audio must be int16 at {SAMPLE_RATE} Hz, got {pcm.dtype}")
        if self.config.dither:
            rng = np.random.default_rng(len(pcm))
            pcm = np.clip(pcm.astype(np.int32) + rng.integers(-1, 2, len(pcm)), -32768, 32767).astype(np.int16)
        return pcm


def _unlikely_amount(result: IntentResult) -> str | None:
    """Why a duration slot of ``result`` holds an amount nobody says (``values.unlikely_duration``), or None."""
    for v in result.slots.values():
        if v.type == "AMAZON.DURATION":
            why = unlikely_duration(v.spoken.split())
            if why is not None:
                return f"{v.spoken!r}: {why}"
    return None


def _unlisted(result: IntentResult) -> bool:
    """Whether a custom slot of ``result`` holds a value that no list has (entity resolution no match)."""
    return any(v.resolutions and v.resolved is None for v in result.slots.values())


def _loose_value(result: IntentResult) -> str | None:
    """An unlisted custom value of ``result`` that begins or ends with a function word, or None. The general
    language model fills a pause, a disfluency or a fragment between the grammar's words with short function
    words ("get me a out", "i want a to but", "with you are and a bit of milk"); a value said in a slot's place
    begins and ends with a content word (the carrier holds the articles and prepositions)."""
    for v in result.slots.values():
        words = v.spoken.split()
        if v.resolutions and v.resolved is None and words and (words[0] in FUNCTION_WORDS or words[-1] in FUNCTION_WORDS):
            return v.spoken
    return None


def _open_runs(speech: list[WordTiming]) -> list[tuple[WordTiming, WordTiming]]:
    """(first, last) phone of each run of open-slot phones."""
    runs: list[tuple[WordTiming, WordTiming]] = []
    first: WordTiming | None = None
    last: WordTiming | None = None
    for w in [*speech, None]:
        if w is not None and w.word.startswith(OPEN_PREFIX):
            first = first or w
            last = w
            continue
        if first is not None and last is not None:
            runs.append((first, last))
        first = last = None
    return runs


def _carrier_after(speech: list[WordTiming], after: WordTiming | None) -> list[str]:
    """The grammar's words from ``after`` up to the next open-slot phone (what follows an open run)."""
    if after is None:
        return []
    words = [w.word for w in speech[speech.index(after):]]
    for i, word in enumerate(words):
        if word.startswith(OPEN_PREFIX):
            return words[:i]
    return words


def _between(heard: list[tuple[str, float]], before: list[str], after: list[str]) -> list[str]:
    """The language model's words that stand for an open slot, when it heard the grammar's words around the slot
    too: its sentence begins with ``before`` (the words up to the slot) and ends with ``after`` (the grammar's
    words after it); else [] (the carrier was heard otherwise, so the words cannot be placed)."""
    words = [w for w, _ in heard]
    lead = [w.split("(")[0] for w in before]
    tail = [w.split("(")[0] for w in after]
    if lead and lead[-1] in ARTICLES and words[: len(lead)] != lead:
        lead = lead[:-1]  # the grammar took the value's first sound for "a" ("… make a chocolate")
    if len(words) > len(lead) + len(tail) and words[: len(lead)] == lead and words[len(words) - len(tail):] == tail:
        return words[len(lead): len(words) - len(tail)]
    return []


ARTICLES = frozenset({"a", "an", "the"})
FUNCTION_WORDS = ARTICLES | frozenset({
    "of", "in", "on", "at", "to", "for", "with", "by", "from", "up", "out", "off", "over", "into", "onto",
    "about", "as", "and", "or", "but", "so", "if", "than", "that", "when", "which", "while", "because", "i",
    "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his", "its",
    "our", "their", "this", "these", "those", "who", "what", "is", "are", "was", "were", "be", "been", "am",
    "do", "does", "did", "have", "has", "had", "will", "would", "can", "could", "shall", "should", "may",
    "might", "must", "not", "no", "uh", "um", "ah", "oh"
})
"""English closed-class words (articles, prepositions, conjunctions, pronouns, auxiliaries) and hesitations."""


def _feat_params(folder: Path, remove_noise: bool) -> Path:
    """A copy of the acoustic model's feat.params with ``-remove_noise`` set, written into ``folder``."""
    import pocketsphinx

    source = Path(pocketsphinx.get_model_path("en-us/en-us")) / "feat.params"
    lines = [ln for ln in source.read_text().splitlines() if not ln.startswith("-remove_noise")]
    target = folder / "feat.params"
    target.write_text("\n".join([*lines, f"-remove_noise {'yes' if remove_noise else 'no'}"]) + "\n")
    return target


def is_noisy(pcm: np.ndarray, below_db: float) -> bool:
    """True when the utterance's loud 10 ms frames stand less than ``below_db`` above its quiet ones."""
    hop = SAMPLE_RATE // FRAME_RATE
    n = len(pcm) // hop
    if n < 10:
        return False
    energy = 10 * np.log10(np.sum(pcm[: n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1) + 1.0)
    return float(np.percentile(energy, 95) - np.percentile(energy, 10)) < below_db


def speech_span(pcm: np.ndarray, margin: float = 0.5, below_db: float = 45.0) -> tuple[int, int]:
    """(start, end) samples from ``margin`` s before the first to ``margin`` s after the last 10 ms frame within
    ``below_db`` of the loudest one: long leading and trailing silence is not decoded."""
    hop = SAMPLE_RATE // FRAME_RATE
    n = len(pcm) // hop
    if n < 3:
        return 0, len(pcm)
    frames = pcm[: n * hop].astype(np.float64).reshape(n, hop)
    energy = 10 * np.log10(np.sum(frames**2, axis=1) + 1.0)
    loud = np.flatnonzero(energy > energy.max() - below_db)
    pad = int(margin * SAMPLE_RATE)
    return max(0, int(loud[0]) * hop - pad), min(len(pcm), (int(loud[-1]) + 1) * hop + pad)


def add_noise_floor(pcm: np.ndarray, below_db: float, seed: int = 0) -> np.ndarray:
    """Mix in white noise ``below_db`` under the loudest frame, so near-silent stretches look like a room."""
    x = pcm.astype(np.float64)
    if len(x) == 0:
        return pcm
    frame = 2048
    n = max(1, len(x) // frame)
    peak = max(float(np.sum(x[i * frame:(i + 1) * frame] ** 2)) for i in range(n)) / min(frame, len(x))
    if peak <= 0:
        return pcm
    rms = math.sqrt(peak / (10 ** (below_db / 10)))
    noise = np.random.default_rng(seed).standard_normal(len(x)) * rms
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


def phone_similarity(expected: list[str], heard: list[str]) -> float:
    """1 − normalised edit distance between two phone sequences (1.0 when both are empty)."""
    if not expected and not heard:
        return 1.0
    prev = list(range(len(heard) + 1))
    for i, x in enumerate(expected, 1):
        cur = [i] + [0] * len(heard)
        for j, y in enumerate(heard, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return 1.0 - prev[-1] / max(len(expected), len(heard))
