"""Out-of-domain rejection: how much speech outside a skill's grammar is refused, and what in-domain accuracy costs.

Out-of-domain sets (named and committed, as the figures must be reproducible):
- ``bench/ood_sentences.txt``: sentences from other domains, synthesized with espeak-ng in three voices;
- barista recordings with their slot words cut: each recording is first decoded (without the phone loop) to find
  where its slot values were said, those stretches are removed, and what is left ("can I get a ... with ...") is an
  incomplete order the grammar must not accept.
In-domain: the barista and rhasspy-en recordings, scored by the corpus rule, and synthesized in-domain speech:
``IN_DOMAIN_SYNTH`` below (bundled skills' sample utterances, 3 voices), counted as accepted with the right intent.

    python bench/rejection.py [--setting entry,phone ...] [--set k=v ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.accuracy import corpora_dir, parse_overrides, score  # noqa: E402

VOICES = ("en-us", "en-gb", "en-us+m3")
IN_DOMAIN_SYNTH = {
    "hello-world": ("say hello", "hello", "say hi", "help", "stop", "cancel"),
    "high-low": ("is it fifty", "seventy three", "yes", "no", "my guess is ninety", "what is my score"),
    "space-facts": ("tell me about mars", "tell me a fact", "what do you know about neptune", "help"),
}


def main() -> int:
    from assistant.asr.decoder import DecoderConfig, Recognizer
    from assistant.audio.wav import read_wav
    from assistant.grammar.compiler import compile_session
    from assistant.model.loader import load_model
    from assistant.tts.synth import synthesize_samples

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--setting", nargs="+", default=["off", "1e-15,0.1", "1e-20,0.1", "1e-30,0.1"])
    p.add_argument("--limit", type=int)
    p.add_argument("--set", action="append", default=[], help="decoder setting for every row, e.g. --set lw=3")
    args = p.parse_args()
    common = parse_overrides(args.set)
    if not corpora_dir().is_dir():
        print(f"no corpora at {corpora_dir()}", file=sys.stderr)
        return 2
    sentences = [s.strip() for s in (ROOT / "bench" / "ood_sentences.txt").read_text().splitlines()
                 if s.strip() and not s.startswith("#")]
    pad = np.zeros(8000, np.int16)
    synthesized = [np.concatenate([pad, synthesize_samples(s, voice=v), pad]) for s in sentences for v in VOICES]
    data = {}
    for corpus in ("barista", "rhasspy-en"):
        grammar = compile_session(load_model(corpora_dir() / corpus / "model.json"))
        labels = json.loads((corpora_dir() / corpus / "labels.json").read_text())
        names = sorted(labels)[: args.limit] if args.limit else sorted(labels)
        data[corpus] = (grammar, [(read_wav(corpora_dir() / corpus / "wav" / n), labels[n]) for n in names])

    synth_in: list[tuple[object, np.ndarray, str]] = []
    for skill, texts in IN_DOMAIN_SYNTH.items():
        grammar = compile_session(load_model(ROOT / "skills" / skill))
        for text in texts:
            for voice in VOICES:
                from assistant.nlu.parser import parse

                expected = parse(text, grammar)
                synth_in.append((grammar, np.concatenate([pad, synthesize_samples(text, voice=voice), pad]),
                                 expected.intent if expected else ""))

    # Cut the slot words out of the barista recordings.
    barista_grammar, barista_items = data["barista"]
    cut: list[np.ndarray] = []
    with Recognizer(DecoderConfig(garbage=False)) as plain:
        plain.use(barista_grammar)
        for audio, label in barista_items:
            rec = plain.decode(audio)
            if rec.result is None:
                continue
            slot_words = {w for s in label["slots"].values() for w in s.split()}
            keep = np.ones(len(audio), bool)
            for w in rec.words:
                if w.word in slot_words and w.word not in ("a", "of", "with", "and"):
                    keep[int(w.start * 16000): int(w.end * 16000)] = False
            cut.append(audio[keep])

    print(f"{'setting':24} {'barista acc':>11} {'rhasspy acc':>11} {'OOD synth rejected':>18} {'barista cut rejected':>20} {'synth in-domain ok':>18}")
    for setting in args.setting:
        # "off", or "<loop prior>,<loop phone prob>" (the phone-recogniser verification of docs/research.md is
        # gone from the decoder)
        parts = setting.split(",")
        options = dict(common)
        if parts[0] == "off":
            config = DecoderConfig(garbage=False, **options)
        else:
            config = DecoderConfig(garbage_entry=float(parts[0]), garbage_phone=float(parts[1]), **options)
        with Recognizer(config) as rec:
            accs = {}
            for corpus, (grammar, items) in data.items():
                rec.use(grammar)
                ok = sum(score(r.result.to_json() if (r := rec.decode(a)).result else None, lab) for a, lab in items)
                accs[corpus] = ok / len(items)
            rejected_synth = {}
            for corpus, (grammar, _) in data.items():
                rec.use(grammar)
                rejected_synth[corpus] = sum(rec.decode(a).result is None for a in synthesized) / len(synthesized)
            rec.use(barista_grammar)
            rejected_cut = sum(rec.decode(a).result is None for a in cut) / max(len(cut), 1)
            accepted_synth = 0
            for grammar, audio, intent in synth_in:
                result = rec.decode(audio, grammar).result  # type: ignore[arg-type]
                accepted_synth += bool(result and result.intent == intent)
        synth = (rejected_synth["barista"] + rejected_synth["rhasspy-en"]) / 2
        print(f"{setting:24} {accs['barista']:11.1%} {accs['rhasspy-en']:11.1%} {synth:18.1%} {rejected_cut:20.1%} {accepted_synth / len(synth_in):18.1%}",
              flush=True)
    print(f"({len(synthesized)} synthesized OOD utterances per grammar, {len(cut)} barista recordings with slots cut)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
