"""Open slots by voice: the two-pass decode measured on held-back values, values no list of the model has.

Material (named here, so the figures can be reproduced):
- sauce boss (``../shared/samples/nodejs-sauce-boss``, unchanged): its own carrier phrases with its 11 listed sauces
  (``LISTED``) and with 12 sauces it does not list (``HELD_BACK``), every one in the pronouncing dictionary;
- a SearchQuery model written here (``SEARCH_MODEL``) with free phrases (``QUERIES``);
- out of domain: ``bench/ood_sentences.txt`` decoded with sauce boss's grammar (must be rejected);
- nobody speaking: kitchen noise (``../shared/corpora/noise/kitchen.wav``), 5 s stretches at the gains that give
  20 and 10 dB against a typical utterance of the voice (the corpus rule), decoded with sauce boss's grammar.

Each case is synthesized (``bench.voices``, cached) in each voice, padded with 0.5 s of silence, and decoded
twice by the real recogniser: with ``DecoderConfig.open_slots`` "off" (the constrained grammar alone) and "all"
(``--mode``; the phone loop in the slot's place, then the general language model). Scored:
- listed: the right intent and the slot resolved to the listed value said;
- held back: **exact** when the slot's words are the value said; "right intent" when the intent is;
- search: exact when the query's words are the phrase said;
- out of domain and noise: any intent accepted is a false accept.
Latency: the second pass's own time (``Recognition.open_seconds``) and the whole decode, per utterance.

    python -m bench.openslot [--voices espeak-en-us,festival-kal,festival-slt-hts] [--mode all|search]
                             [--set field=value] [--json F]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.asr.decoder import DecoderConfig, Recognition, Recognizer  # noqa: E402
from assistant.audio.mix import noise_scale  # noqa: E402
from assistant.audio.wav import read_wav  # noqa: E402
from assistant.grammar.compiler import CompiledGrammar, compile_session  # noqa: E402
from assistant.model.loader import load_model, model_from_dict  # noqa: E402
from assistant.nlu.parser import tokens  # noqa: E402
from bench.accuracy import corpora_dir, parse_overrides  # noqa: E402
from bench.voices import synthesize  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples"
SAUCE_BOSS = SAMPLES / "nodejs-sauce-boss"
VOICES = ("espeak-en-us", "festival-kal", "festival-slt-hts")
CARRIERS = ("how can I make {}", "how do I make {}")
"""Two of sauce boss's own RecipeIntent samples."""
LISTED = ("secret", "cranberry", "pizza", "tartar", "pesto", "thousand island", "worcestershire", "caesar", "ranch",
          "barbecue", "honey mustard")
"""Sauce boss's LIST_OF_ITEMS, every value."""
HELD_BACK = ("ketchup", "mayonnaise", "mustard", "salsa", "gravy", "hummus", "guacamole", "teriyaki", "alfredo",
             "chutney", "horseradish", "chocolate")
"""Sauces sauce boss does not list."""
SEARCH_MODEL = {"interactionModel": {"languageModel": {
    "invocationName": "finder",
    "intents": [
        {"name": "SearchIntent", "slots": [{"name": "query", "type": "AMAZON.SearchQuery"}],
         "samples": ["search for {query}", "look up {query}"]},
        {"name": "AMAZON.StopIntent", "samples": []},
        {"name": "AMAZON.HelpIntent", "samples": []},
    ],
}}}
QUERIES = ("the weather in paris", "cheap flights", "a good book", "the nearest pharmacy", "football scores",
           "chocolate cake")
"""Free phrases after "search for"."""
PAD = np.zeros(8000, np.int16)


@dataclass(frozen=True, slots=True)
class Case:
    """One utterance to decode."""

    kind: str
    """``listed``, ``held-back``, ``search``, ``ood``, ``noise-20``, ``noise-10``."""
    voice: str
    """Voice name (bench.voices)."""
    text: str
    """What was said ("" for noise)."""
    value: str
    """The slot's value said ("" when none)."""
    audio: np.ndarray
    """16 kHz int16 samples."""
    grammar: CompiledGrammar
    """What to decode with."""


def cases(voices: Sequence[str]) -> list[Case]:
    sauce = compile_session(load_model(SAUCE_BOSS))
    search = compile_session(model_from_dict(SEARCH_MODEL, "bench/openslot.py"))
    ood = [s.strip() for s in (ROOT / "bench" / "ood_sentences.txt").read_text().splitlines()
           if s.strip() and not s.startswith("#")]
    noise = read_wav(corpora_dir() / "noise" / "kitchen.wav")
    out: list[Case] = []
    for voice in voices:
        def said(text: str, voice: str = voice) -> np.ndarray:
            return np.concatenate([PAD, synthesize(text, voice), PAD])

        for kind, values in (("listed", LISTED), ("held-back", HELD_BACK)):
            for carrier in CARRIERS:
                for value in values:
                    text = carrier.format(value)
                    out.append(Case(kind, voice, text, value, said(text), sauce))
        for query in QUERIES:
            text = f"search for {query}"
            out.append(Case("search", voice, text, query, said(text), search))
        for sentence in ood:
            out.append(Case("ood", voice, sentence, "", said(sentence), sauce))
        typical = synthesize(CARRIERS[0].format(LISTED[0]), voice)
        rng = np.random.default_rng(len(out))
        for snr in (20, 10):
            for _ in range(10):
                start = int(rng.integers(0, noise.size - 5 * 16000))
                stretch = noise[start : start + 5 * 16000]
                gain = noise_scale(typical, stretch, snr)
                audio = np.clip(stretch.astype(np.float64) * gain, -32768, 32767).astype(np.int16)
                out.append(Case(f"noise-{snr}", voice, "", "", audio, sauce))
    return out


def score(case: Case, rec: Recognition) -> dict[str, object]:
    result = rec.result
    slot = None
    if result is not None and result.slots:
        slot = next(iter(result.slots.values()))
    heard = slot.value if slot is not None else ""
    value_words = " ".join(tokens(case.value))
    out: dict[str, object] = {
        "kind": case.kind, "voice": case.voice, "text": case.text, "transcript": rec.transcript,
        "intent": result.intent if result else None, "value": heard,
        "resolved": (slot.resolved or {}).get("name") if slot is not None else None,
        "decode_s": round(rec.decode_seconds, 4), "open_s": round(rec.open_seconds, 4), "rejected": rec.rejected,
    }
    if case.kind == "listed":
        out["ok"] = result is not None and result.intent == "RecipeIntent" and out["resolved"] == case.value
    elif case.kind in ("held-back", "search"):
        out["intent_ok"] = result is not None and result.intent in ("RecipeIntent", "SearchIntent")
        out["ok"] = bool(out["intent_ok"]) and heard == value_words
    else:
        out["ok"] = result is None  # rejected
    return out


def run(all_cases: Sequence[Case], config: DecoderConfig) -> list[dict[str, object]]:
    rows = []
    with Recognizer(config) as recognizer:
        for case in all_cases:
            rows.append(score(case, recognizer.decode(case.audio, case.grammar)))
    return rows


def summary(rows: Sequence[dict[str, object]], voices: Sequence[str]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    kinds = ("listed", "held-back", "search", "ood", "noise-20", "noise-10")
    for kind in kinds:
        table[kind] = {}
        for voice in (*voices, "all"):
            group = [r for r in rows if r["kind"] == kind and (voice == "all" or r["voice"] == voice)]
            if not group:
                continue
            ok = sum(bool(r["ok"]) for r in group)
            cell = f"{ok}/{len(group)}"
            if kind in ("held-back", "search"):
                cell += f" (intent {sum(bool(r['intent_ok']) for r in group)})"
            table[kind][voice] = cell
    return table


def latency(rows: Sequence[dict[str, object]]) -> dict[str, float]:
    second = sorted(float(r["open_s"]) for r in rows if float(r["open_s"]) > 0)  # type: ignore[arg-type]
    decode = sorted(float(r["decode_s"]) for r in rows if r["kind"] in ("listed", "held-back", "search"))  # type: ignore[arg-type]
    if not second:
        return {"second_pass_n": 0, "decode_p50": statistics.median(decode) if decode else 0.0}
    return {
        "second_pass_n": len(second),
        "second_pass_p50": statistics.median(second),
        "second_pass_p95": second[min(len(second) - 1, int(0.95 * len(second)))],
        "decode_p50": statistics.median(decode),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--voices", default=",".join(VOICES))
    p.add_argument("--set", action="append", default=[], help="DecoderConfig field for the open rows, e.g. open_entry=1e-25")
    p.add_argument("--only-open", action="store_true", help="skip the rows with open slots off")
    p.add_argument("--mode", default="all", help="DecoderConfig.open_slots of the open rows (all, search)")
    p.add_argument("--kinds", default="", help="comma-separated kinds to run (default: all)")
    p.add_argument("--json", type=Path, help="write every row here")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if not SAUCE_BOSS.is_dir():
        print(f"the sauce boss sample is not in {SAMPLES}", file=sys.stderr)
        return 2
    voices = [v for v in args.voices.split(",") if v]
    material = cases(voices)
    if args.kinds:
        wanted = set(args.kinds.split(","))
        material = [c for c in material if c.kind in wanted]
    opened = replace(DecoderConfig(), **parse_overrides(args.set))  # type: ignore[arg-type]
    settings = {"open": replace(opened, open_slots=args.mode)}
    if not args.only_open:
        settings = {"closed": replace(opened, open_slots="off"), **settings}
    results: dict[str, list[dict[str, object]]] = {}
    for name, config in settings.items():
        rows = run(material, config)
        results[name] = rows
        print(f"== open slots {name}" + (f" ({', '.join(args.set)})" if args.set and name == "open" else ""))
        for kind, cells in summary(rows, voices).items():
            print(f"  {kind:10} " + "  ".join(f"{v}: {c}" for v, c in cells.items()))
        print("  latency " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in latency(rows).items()))
        if args.verbose:
            for r in rows:
                if not r["ok"]:
                    print(f"    miss {r['kind']:9} {r['voice']:17} {r['text']!r} -> {r['transcript']!r} "
                          f"{r['intent']} {r['value']!r} {r['rejected'] or ''}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
