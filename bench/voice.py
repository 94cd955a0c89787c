"""The voice benchmark: whole spoken conversations through the real voice loop, engine and bundled skills.

Every case is one recording fed to ``VoiceLoop`` exactly as ``assistant run --input`` feeds it (the same loop,
recogniser, engine and skill processes; replies are not synthesized, so a case's timeline holds only what the
user says). Reported per kind of case, per voice and per noise condition:

- ``corpus``: real recordings of "alexa" (``../shared/corpora/wake/alexa``) spotted by the first stage alone,
  clean and with kitchen noise at 10 dB. Every file counts; one that will not decode is a miss.
- ``real-wake``: each real "alexa", then 0.25 s, then a request in a synthesized voice: the request acted on.
- ``other-wake``: other people's other wake phrases (``wake/other``) followed by the same requests: nothing may be
  acted on (and how often the first stage fired is reported).
- ``request``: "alexa, <request>" in one breath, in every voice: the right skill and intent reached.
- ``answer``: a request opening a skill, the pause of its reply, then an answer inside the session ("yes", "no",
  "stop", a number, "who's there", …): the answer reaches the skill as the right intent.
- ``noise``: a skill's session left open with only kitchen noise: no intent may reach the skill (the reprompt
  and the end of the session are what nobody speaking gives).
- ``cut-request`` and ``cut-answer`` (the ceiling): the same requests and answers without the wake word, cut
  exactly and decoded alone by the recogniser with the grammar the loop would use. No loop can do better than
  the acoustic model and grammar do here; a gate above this figure is out of this acoustic model's reach.
- ``everyday``: continuous everyday speech (``bench/everyday_sentences.txt``, several voices, ≥ 1 hour): wakes
  spotted, and requests acted on (must be 0).

Noise is the corpus rule (``../shared/corpora/README.md``): the gain that puts the noise ``snr`` dB below a
typical utterance of the case's voice (by the largest 2048-sample frame energy), kept running through the whole
recording, silences included, then the sum peak-normalised to 0.5 of full scale.

    python -m bench.voice [--only corpus,real-wake,...] [--quick] [--voices NAME,...] [--set field=value]
                          [--decoder field=value]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.asr.decoder import DecoderConfig, Recognizer  # noqa: E402
from assistant.audio.chunk import AudioChunk  # noqa: E402
from assistant.audio.mix import PEAK, noise_scale  # noqa: E402
from assistant.audio.wav import read_wav, to_float, to_int16  # noqa: E402
from assistant.runtime.engine import Engine, Turn  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.skills.registry import Registry  # noqa: E402
from assistant.skills.store import AttributeStore  # noqa: E402
from assistant.skills.worker import WorkerPool  # noqa: E402
from assistant.voice.loop import LoopOptions, TurnRecord, VoiceLoop, chunks_of, with_settings  # noqa: E402
from assistant.voice.wake import make_detector  # noqa: E402
from bench.accuracy import corpora_dir, parse_overrides  # noqa: E402

RATE = 16000
KINDS = ("corpus", "real-wake", "other-wake", "request", "answer", "noise", "everyday", "cut-request", "cut-answer")


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)), np.int16)


# --- material ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """What a case should reach: a skill's intent (None: nothing may be acted on)."""

    intent: str | None
    skill: str | None = None
    slots: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    """One recording and what should come of it."""

    kind: str
    condition: str
    voice: str
    text: str
    audio: np.ndarray
    expect: Expect
    setup: tuple[str, ...] = ()
    """Typed turns before the recording (none for the whole-conversation kinds)."""
    checks: str = "first"
    """``first``: the first speech turn after the wake must match; ``answer``: the turn after the opening one;
    ``none``: no turn may carry an intent to a skill."""


def add_noise(
    audio: np.ndarray, typical: np.ndarray, noise: np.ndarray, snr: float, seed: int, noise_from: int = 0
) -> np.ndarray:
    """The corpus rule over a whole recording: the noise gain is set against ``typical`` (an utterance), the noise
    runs under everything (from sample ``noise_from`` on), and the sum is peak-normalised to 0.5 of full scale."""
    rng = np.random.default_rng(seed)
    reps = int(np.ceil(audio.size / noise.size)) + 1
    looped = np.tile(noise, reps)
    start = int(rng.integers(0, noise.size))
    segment = to_float(looped[start : start + audio.size])
    gain = noise_scale(typical, to_int16(segment[: max(typical.size, 2048)]), snr)
    segment[:noise_from] = 0.0
    mixed = to_float(audio) + gain * segment
    peak = float(np.max(np.abs(mixed))) or 1.0
    return to_int16(mixed * (PEAK / peak))


# --- running -------------------------------------------------------------------------------------------------
class _Memory:
    rate, block_ms, realtime = RATE, 30, False

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples

    def __iter__(self) -> Iterator[AudioChunk]:
        return chunks_of(self.samples, 480)


@dataclass
class Outcome:
    case: Case
    ok: bool
    acted: list[str]
    spotted: int
    detail: str
    ignored: int = 0
    """Detections the loop ignored (no pause before them)."""
    shown: int = 0
    """Wake words the user was shown (the assistant woke visibly: ``VoiceLoop.shown_wakes``)."""
    forced_ok: bool | None = None
    """For ``cut-*``: the grammar's best path, with no rejection, was right."""


def _acted(records: Sequence[TurnRecord]) -> list[TurnRecord]:
    """Speech turns whose intent went to a skill or to the assistant (not the silences)."""
    return [r for r in records if r.kind == "speech" and r.turn.result is not None]


def _label(r: TurnRecord) -> str:
    res = r.turn.result
    assert res is not None
    slots = {k: v.value for k, v in res.slots.items()} if res.slots else {}
    return f"{res.skill or '-'}:{res.intent}{slots if slots else ''}"


def _matches(r: TurnRecord | Turn, expect: Expect) -> bool:
    turn = r.turn if isinstance(r, TurnRecord) else r
    res = turn.result
    if res is None or res.intent != expect.intent:
        return False
    if expect.skill is not None and turn.skill != expect.skill:
        return False
    for name, value in expect.slots.items():
        got = res.slots.get(name) if res.slots else None
        if got is None or str(got.value).strip().lower() != value.strip().lower():
            return False
    return True


class Bench:
    def __init__(self, engine: Engine, recognizer: Recognizer, options: LoopOptions) -> None:
        self.engine = engine
        self.recognizer = recognizer
        self.options = options
        self._forced: Recognizer | None = None
        self._stack = contextlib.ExitStack()

    def close(self) -> None:
        self._stack.close()

    def run(self, case: Case) -> Outcome:
        for text in case.setup:
            self.engine.handle_text(text)
        if case.checks == "cut":
            return self._decode_alone(case)
        loop = VoiceLoop(self.engine, self.recognizer, None, (), self.options)
        records = loop.run(_Memory(case.audio))  # type: ignore[arg-type]
        spotted = len(loop.wakes) + len(loop.unconfirmed_wakes)
        acted = _acted(records)
        labels = [_label(r) for r in acted]
        if case.checks == "none":
            ok = not acted
        elif case.checks.startswith("turn:"):
            n = int(case.checks.split(":")[1])
            ok = len(acted) == n and _matches(acted[-1], case.expect)
        else:
            ok = bool(acted) and _matches(acted[0], case.expect)
        heard = "; ".join(f"{r.recognition.transcript!r}" for r in records if r.recognition is not None)
        if self.engine.session is not None:
            self.engine.handle_text("exit")
        return Outcome(case, ok, labels, spotted, heard, len(loop.ignored_wakes), len(loop.shown_wakes))


    def _decode_alone(self, case: Case) -> Outcome:
        """``cut-*`` cases: the recogniser alone, as configured, and in forced choice (no phone loop, no
        plausibility check: the grammar's best path, whatever it is, which no rejection can improve on)."""
        grammar = self.engine.listening_grammar()
        recognition = self.recognizer.decode(case.audio, grammar)
        forced = self._forced_recognizer().decode(case.audio, grammar)
        turn = self.engine.handle_recognition(recognition.result, recognition.transcript)
        ok = _matches(turn, case.expect)
        acted = [f"{turn.skill or '-'}:{turn.result.intent}"] if turn.result is not None else []
        if self.engine.session is not None:
            self.engine.handle_text("exit")
        for text in case.setup:  # the same state again, for the forced-choice reading
            self.engine.handle_text(text)
        forced_turn = self.engine.handle_recognition(forced.result, forced.transcript)
        forced_ok = _matches(forced_turn, case.expect)
        if self.engine.session is not None:
            self.engine.handle_text("exit")
        detail = f"{recognition.transcript!r} (forced: {forced.transcript!r})"
        return Outcome(case, ok, acted, 0, detail, forced_ok=forced_ok)

    def _forced_recognizer(self) -> Recognizer:
        if self._forced is None:
            config = dataclasses.replace(self.recognizer.config, garbage=False, plausibility=False)
            self._forced = self._stack.enter_context(Recognizer(config))
        return self._forced


# --- report --------------------------------------------------------------------------------------------------
def table(outcomes: Sequence[Outcome], by: str) -> str:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(getattr(o.case, by), o.case.condition)].append(o)
    conditions = sorted({o.case.condition for o in outcomes}, key=_condition_order)
    names = sorted({k[0] for k in groups})
    lines = [f"| {by} | " + " | ".join(conditions) + " |", "|---|" + "---|" * len(conditions)]
    for name in names:
        cells = []
        for c in conditions:
            g = groups.get((name, c), [])
            cells.append(f"{sum(o.ok for o in g)}/{len(g)}" if g else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = []
    for c in conditions:
        g = [o for o in outcomes if o.case.condition == c]
        totals.append(f"**{100 * sum(o.ok for o in g) / len(g):.1f}%** ({sum(o.ok for o in g)}/{len(g)})")
    lines.append("| all | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def _condition_order(c: str) -> tuple[int, float]:
    """clean first, then by falling signal-to-noise ratio ("20 dB" before "10 dB")."""
    return (0, 0.0) if c == "clean" else (1, -float(c.split()[0]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(KINDS), help="comma-separated kinds")
    p.add_argument("--quick", action="store_true", help="a fraction of each kind")
    p.add_argument("--voices", default="", help="comma-separated voice names (default: all)")
    p.add_argument("--set", action="append", default=[], help="LoopOptions field by dotted name, e.g. --set wake.threshold=0.5")
    p.add_argument("--decoder", action="append", default=[], help="DecoderConfig field, e.g. --decoder topn=8")
    p.add_argument("--json", type=Path, help="write every outcome here")
    p.add_argument("--verbose", action="store_true", help="print every failure")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    kinds = [k for k in args.only.split(",") if k]
    options = loop_options(args.set)
    corpora = corpora_dir()
    noise = read_wav(corpora / "noise" / "kitchen.wav")
    from bench import material

    voices = material.voices(args.voices.split(",") if args.voices else None)
    print(f"options: {args.set or 'defaults'}; decoder: {args.decoder or 'defaults'}; voices: {', '.join(v for v in voices)}", flush=True)
    results: list[Outcome] = []
    if "corpus" in kinds:
        corpus_stage(corpora, noise, options, args.quick)
    with contextlib.ExitStack() as stack:
        engine, recognizer = _engine(stack, parse_overrides(args.decoder))
        bench = Bench(engine, recognizer, options)
        stack.callback(bench.close)
        for kind in kinds:
            if kind == "corpus":
                continue
            cases = list(material.cases(kind, corpora, noise, voices, args.quick))
            t0 = time.perf_counter()
            outcomes = [bench.run(c) for c in cases]
            results += outcomes
            seconds = sum(c.audio.size for c in cases) / RATE
            print(f"\n## {kind}: {len(cases)} cases, {seconds / 60:.1f} min of audio, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
            report(kind, outcomes, args.verbose)
    if args.json:
        args.json.write_text(json.dumps([
            {"kind": o.case.kind, "condition": o.case.condition, "voice": o.case.voice, "text": o.case.text,
             "ok": o.ok, "acted": o.acted, "spotted": o.spotted, "ignored": o.ignored, "shown": o.shown,
             "heard": o.detail}
            for o in results
        ], indent=1))
    return 0


def loop_options(pairs: list[str]) -> LoopOptions:
    """``["wake.engine=neural", "wake.cut.before=0.3"]`` → LoopOptions (dotted names: ``loop.with_settings``)."""
    return with_settings(LoopOptions(), parse_overrides(pairs))


def report(kind: str, outcomes: Sequence[Outcome], verbose: bool) -> None:
    if kind in ("other-wake", "everyday", "noise"):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            groups[o.case.condition].append(o)
        for cond, g in sorted(groups.items(), key=lambda kv: _condition_order(kv[0])):
            minutes = sum(o.case.audio.size for o in g) / RATE / 60
            acted = len([a for o in g for a in o.acted])
            spotted = sum(o.spotted for o in g)
            ignored = sum(o.ignored for o in g)
            shown = sum(o.shown for o in g)
            if kind == "noise":
                print(f"- {cond}: {len(g)} open sessions, {minutes:.1f} min of noise alone under them: intents sent "
                      f"{acted}")
                continue
            print(f"- {cond}: {minutes:.1f} min, {len(g)} recordings: detector fired {spotted + ignored} "
                  f"({ignored} ignored: no pause before), woke visibly {shown}, intents acted on {acted}")
    else:
        print(table(outcomes, "voice"))
    if kind == "answer":
        reached = [o for o in outcomes if _reached(o)]
        print("\nthe answer alone, in the conversations that reached it (the opening turns went through):")
        print(table(reached, "voice"))
    if kind.startswith("cut-"):
        print("\nforced choice (the grammar's best path, no rejection):")
        print(table([dataclasses.replace(o, ok=bool(o.forced_ok)) for o in outcomes], "voice"))
    failures = [o for o in outcomes if not o.ok]
    if verbose:
        for o in failures:
            print(f"  FAIL {o.case.condition} {o.case.voice} {o.case.text!r}: acted {o.acted} heard {o.detail}")


def _reached(o: Outcome) -> bool:
    """For an ``answer`` case: the turns before the answer were acted on (so the answer was heard in a session)."""
    turns = int(o.case.checks.split(":")[1]) if o.case.checks.startswith("turn:") else 1
    return len(o.acted) >= turns - 1


def corpus_stage(corpora: Path, noise: np.ndarray, options: LoopOptions, quick: bool) -> None:
    """The first stage alone on every real "alexa" recording, clean and at 10 dB."""
    files = sorted((corpora / "wake" / "alexa").iterdir())
    if quick:
        files = files[::4]
    print(f"\n## corpus: {len(files)} real 'alexa' recordings, first stage alone", flush=True)
    for cond, snr in (("clean", None), ("10 dB", 10.0)):
        hits = 0
        for i, path in enumerate(files):
            try:
                speech = read_wav(path)
            except Exception as exc:  # every file counts: one that will not decode is a miss
                print(f"  {path.name}: {exc}")
                continue
            audio = np.concatenate([silence(1.0), speech, silence(1.0)])
            if snr is not None:
                audio = add_noise(audio, speech, noise, snr, seed=i)
            detector = make_detector(options.wake.phrase, options.wake.threshold, engine=options.wake.engine)
            detector.start()
            try:
                hit = any(detector.process(c) is not None for c in chunks_of(audio, 480))
            finally:
                detector.stop()
            hits += hit
        print(f"- {cond}: **{100 * hits / len(files):.1f}%** ({hits}/{len(files)})", flush=True)


def _engine(stack: contextlib.ExitStack, decoder: dict[str, object] | None = None) -> tuple[Engine, Recognizer]:
    """The real engine on the bundled skills, in a temporary data folder that borrows the bundled skills'
    environments built by ``assistant setup``."""
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-bench-voice-")))
    real = Settings()
    envs = real.data_dir / "bundled-envs"
    if envs.exists():
        os.symlink(envs, tmp / "bundled-envs")
    settings = Settings(data_dir=tmp, seed=1)
    store = stack.enter_context(AttributeStore(settings.database))
    engine = stack.enter_context(Engine(settings, Registry(settings), WorkerPool(settings, store), store))
    recognizer = stack.enter_context(Recognizer(DecoderConfig(**(decoder or {}))))  # type: ignore[arg-type]
    return engine, recognizer


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
