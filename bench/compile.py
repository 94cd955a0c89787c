"""Grammar compile speed and memory: the barista model (1,440 samples, ~1.2e8 sentences) and a custom type with
10,000 values, compiled and loaded into pocketsphinx in a fresh process each.

    python bench/compile.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.accuracy import corpora_dir  # noqa: E402

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from assistant.asr.decoder import Recognizer
from assistant.grammar.compiler import compile_session
from assistant.grammar.fsa import log_size
from assistant.model.loader import load_model, model_from_dict

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

which = {which!r}
if which == "barista":
    model = load_model(Path({barista!r}))
else:
    values = [{{"name": {{"value": f"item number {{n}}"}}}} for n in range(10000)]
    model = model_from_dict({{"interactionModel": {{"languageModel": {{"invocationName": "big list",
        "intents": [{{"name": "PickIntent", "slots": [{{"name": "x", "type": "Items"}}],
                     "samples": ["pick {{x}}", "i want {{x}}", "choose {{x}} please"]}}],
        "types": [{{"name": "Items", "values": values}}]}}}}}})
rec = Recognizer().start()
before = rss()
t0 = time.perf_counter()
grammar = compile_session(model)
t1 = time.perf_counter()
rec.use(grammar)
t2 = time.perf_counter()
print(json.dumps({{"compile_s": t1 - t0, "load_s": t2 - t1, "extra_mb": rss() - before,
                  "states": grammar.fsa.n_states, "transitions": grammar.fsa.n_transitions,
                  "log10_sentences": log_size(grammar.fsa)}}))
"""


def measure(which: str) -> dict:
    code = CHILD.format(root=str(ROOT), which=which, barista=str(corpora_dir() / "barista" / "model.json"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    cases = ["10k-values"] + (["barista"] if (corpora_dir() / "barista").is_dir() else [])
    print(f"{'model':12} {'compile s':>9} {'load s':>7} {'extra MB':>8} {'states':>7} {'transitions':>11} {'sentences':>10}")
    for case in cases:
        r = measure(case)
        print(f"{case:12} {r['compile_s']:9.3f} {r['load_s']:7.3f} {r['extra_mb']:8.1f} {r['states']:7} "
              f"{r['transitions']:11} {'1e{:.1f}'.format(r['log10_sentences']):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
