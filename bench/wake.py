"""Wake word: false wakes in long synthesized speech without it, and detections of "alexa, ..." requests.

Negatives: the 40 out-of-domain requests of ``bench/ood_sentences.txt`` (questions and commands for some other
assistant, the hardest case for a spotter whose confirmation listens for commands) in 6 espeak-ng voices, 0.7 s
apart, about 11.6 minutes, clean and with the corpora's kitchen noise at 20 and 10 dB SNR. Positives: the
"alexa, ..." requests of tests/test_voice_wake.py in the same 6 voices, clean and at the same noise levels. The
loop listens with the launcher grammar of the space-facts skill, through the real VoiceLoop (nothing is said
back).

    python -m bench.wake [--set verify_below_phones=100 ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.accuracy import corpora_dir, parse_overrides  # noqa: E402


def main() -> int:
    import test_voice_wake as t

    from assistant.asr.decoder import Recognizer
    from assistant.audio.mix import mix_noise
    from assistant.audio.wav import read_wav
    from assistant.grammar.compiler import compile_launcher
    from assistant.model.loader import load_model
    from assistant.tts.synth import silence, synthesize_samples
    from assistant.voice.loop import LoopOptions, VoiceLoop, chunks_of, with_settings

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", action="append", default=[], help="LoopOptions field by dotted name, e.g. --set wake.threshold=1e-40")
    args = p.parse_args()
    options = parse_overrides(args.set)
    grammar = compile_launcher([load_model(ROOT / "skills" / "space-facts", "en-US")])
    noise_file = corpora_dir() / "noise" / "kitchen.wav"
    noise = read_wav(noise_file) if noise_file.exists() else None

    sentences = [s.strip() for s in (ROOT / "bench" / "ood_sentences.txt").read_text().splitlines()
                 if s.strip() and not s.startswith("#")]
    negative = np.concatenate([np.concatenate([synthesize_samples(s, voice=v), silence(0.7)])
                               for v in t.VOICES for s in sentences])
    parts, spans, cursor = [silence(1.0)], [], 16000
    for voice in t.VOICES:
        for text in t.REQUESTS:
            speech = synthesize_samples(text, voice=voice)
            spans.append((cursor / 16000, (cursor + speech.size) / 16000))
            parts += [speech, silence(3.0)]
            cursor += speech.size + 3 * 16000
    positive = np.concatenate(parts)

    with Recognizer() as recognizer:
        def run(audio: np.ndarray) -> VoiceLoop:
            loop = VoiceLoop(t.ListeningOnly(grammar), recognizer, None, (), with_settings(LoopOptions(), options))

            class Source:
                rate, block_ms, realtime = 16000, 30, False

                def __iter__(self):  # type: ignore[no-untyped-def]
                    return chunks_of(audio, 480)

            loop.run(Source())  # type: ignore[arg-type]
            return loop

        minutes = negative.size / 16000 / 60
        print(f"options: {options or 'defaults'}")
        conditions = [("clean", negative, positive)]
        if noise is not None:
            conditions += [(f"kitchen noise at {snr:.0f} dB", mix_noise(negative, noise, snr_db=snr, seed=11),
                            mix_noise(positive, noise, snr_db=snr, seed=3)) for snr in (20.0, 10.0)]
        for name, neg, pos in conditions:
            loop = run(neg)
            false = len(loop.wakes)
            loop = run(pos)
            spotted = t._hits([w.start for w in loop.wakes + loop.unconfirmed_wakes], spans)
            understood = t._hits([w.start for w in loop.wakes], spans)
            print(f"{name}: {false} false wakes in {minutes:.1f} min; requests spotted {spotted}/{len(spans)}, "
                  f"acted on {understood}/{len(spans)} ({len(spans) // 3 * 2} in the grammar)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
