"""Latency of the voice loop: end of the user's speech → first sample of the reply, on a synthesized recording.

Drives one recording through the real loop, engine and bundled space-facts skill (Node, no install): a number of
"alexa, open space facts" / "tell me about <planet>" exchanges, with pauses long enough for every reply. The
first exchange warms everything up and is left out. Reported, p50 and p95 in milliseconds:

- from the end of speech: the last loud sample of each request in the recording → the reply's first sample;
- from the endpoint event: when the endpointer decided the request was over → the reply's first sample;
- the endpointer's own delay (the difference), decoding, the engine (and skill), and the first sentence's synthesis.

The recording is fed in real time, chunk by chunk, as a microphone would (``--fast``: as fast as possible, which
hides work done on the other core between chunks, e.g. the wake word's second pass).

Usage: ``python -m bench.latency [--rounds 10] [--window 0.2] [--fast] [--set field=value] [--data-dir DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from assistant.asr.decoder import DecoderConfig, Recognizer
from assistant.audio.chunk import AudioChunk
from assistant.runtime.engine import Engine
from assistant.settings import Settings
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool
from assistant.tts.speaker import EspeakSpeaker
from assistant.tts.synth import silence, synthesize_samples
from assistant.voice.endpoint import EndpointConfig
from assistant.voice.loop import LoopOptions, TurnRecord, VoiceLoop, chunks_of, with_settings
from bench.accuracy import parse_overrides

RATE = 16000
PLANETS = ("mars", "jupiter", "saturn", "venus", "neptune", "mercury", "uranus", "earth")


class _Memory:
    """An in-memory recording as an AudioSource; with ``paced``, each chunk arrives when its audio would have been
    spoken, as from a microphone (the loop then works as it does live, helper process included)."""

    rate, block_ms = RATE, 30

    def __init__(self, samples: np.ndarray, paced: bool) -> None:
        self.samples = samples
        self.realtime = paced

    def __enter__(self) -> _Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self) -> Iterator[AudioChunk]:
        began = time.perf_counter()
        for chunk in chunks_of(self.samples, 480):
            if self.realtime:
                time.sleep(max(0.0, began + chunk.end - time.perf_counter()))
            yield chunk


def recording(rounds: int) -> tuple[np.ndarray, list[float]]:
    """The conversation and the true end of each request (seconds)."""
    parts, ends, cursor = [silence(1.0)], [], RATE
    for i in range(rounds):
        for text, pause in (
            ("alexa, open space facts", 7.0),
            (f"tell me about {PLANETS[i % len(PLANETS)]}", 12.0),
        ):
            speech = synthesize_samples(text)
            loud = np.nonzero(np.abs(speech.astype(np.int32)) > 200)[0]
            ends.append((cursor + loud[-1] + 1) / RATE)
            parts += [speech, silence(pause)]
            cursor += speech.size + round(pause * RATE)
    return np.concatenate(parts), ends


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _reply(record: TurnRecord) -> float:
    """When the first sample of the reply was ready: the decision, plus the wall time taken from there (the loop
    places replies on a replayed recording's timeline by a fixed delay, ``ReplyOptions.replay_response``)."""
    return record.at + record.first_audio_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="open/ask exchanges (default 10)")
    parser.add_argument("--window", type=float, default=EndpointConfig().window, help="endpointer window, s")
    parser.add_argument(
        "--cmn", default="batch", choices=("batch", "live"), help="decoder CMN (live streams)"
    )
    parser.add_argument("--fast", action="store_true",
                        help="feed the recording as fast as possible instead of in real time")
    parser.add_argument("--set", action="append", default=[],
                        help="LoopOptions field by dotted name, e.g. --set wake.verify_in_helper=false")
    parser.add_argument("--data-dir", type=Path, help="data dir (default: a temporary one)")
    args = parser.parse_args(argv)
    audio, ends = recording(args.rounds)
    with tempfile.TemporaryDirectory(prefix="assistant-latency-") as tmp:
        settings = Settings(data_dir=args.data_dir or Path(tmp))
        store = AttributeStore(settings.database)
        with (
            store,
            Engine(settings, Registry(settings), WorkerPool(settings, store), store) as engine,
            Recognizer(DecoderConfig(cmn=args.cmn)) as recognizer,
        ):
            settings_set = {"utterance.endpoint": EndpointConfig(window=args.window), **parse_overrides(args.set)}
            options = with_settings(LoopOptions(), settings_set)
            loop = VoiceLoop(engine, recognizer, EspeakSpeaker(), (), options)
            records = loop.run(_Memory(audio, paced=not args.fast))  # type: ignore[arg-type]
    spoken = [r for r in records if r.kind == "speech" and r.reply_start is not None]
    matched = []
    for record in spoken:
        end = max((e for e in ends if e <= record.at), default=None)
        if end is not None:
            matched.append((record, end))
    warm = matched[2:]  # the first exchange loads the skill's worker and the synthesiser
    if len(warm) < 2:
        print(f"only {len(matched)} replies were heard; nothing to report")
        return 1
    rows = {
        "end of speech -> reply": [_reply(r) - end for r, end in warm],
        "  after the wake word": [_reply(r) - end for r, end in warm if r.wake is not None],
        "  in a session": [_reply(r) - end for r, end in warm if r.wake is None],
        "endpoint event -> reply": [r.first_audio_seconds for r, _ in warm],
        "end of speech -> endpoint": [r.at - end for r, end in warm],
        "  decode": [r.decode_seconds for r, _ in warm],
        "  engine + skill": [r.engine_seconds for r, _ in warm],
        "  first sentence synthesized": [
            r.first_audio_seconds - r.decode_seconds - r.engine_seconds for r, _ in warm
        ],
    }
    print(f"{len(warm)} warm replies (of {len(spoken)} turns; {len(ends)} requests), endpointer window "
          f"{args.window} s, CMN {args.cmn}")
    for name, values in rows.items():
        ms = [v * 1000 for v in values]
        print(f"{name:32s} p50 {pct(ms, 50):6.0f} ms   p95 {pct(ms, 95):6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
