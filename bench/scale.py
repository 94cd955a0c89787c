"""Scale: ``assistant lint`` on a slot type with many values, and ``chat`` start with a 100,000-value type installed.

    python bench/scale.py lint [2000 5000 10000]    # seconds of lint_skill per type size, and pairs found
    python bench/scale.py chat [100000]             # seconds to a first answer of `assistant chat`, cold and warm
    python bench/scale.py chat --numbered 100000    # values "item number N" instead of dictionary words
    python bench/scale.py --root OTHER_CHECKOUT lint 2000    # the same with another version of the code

Each figure is measured in a fresh process. The slot values are made of real dictionary words (deterministic:
seeded), one to three words each, with sound-alike pairs planted (:func:`planted_pairs`), so the check has real
work to do and a known answer.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLANTED = [
    ("cold brew", "gold brew"),
    ("pale ale", "bale ale"),
    ("green tea", "green key"),
    ("hot chocolate", "hot chocolates"),
    ("vanilla latte", "vanilla lattes"),
    ("blue cheese", "glue cheese"),
    ("mint", "lint"),
    ("bread", "thread"),
]
"""Values that sound alike (one phone apart), planted among the generated ones."""


def dictionary_words(count: int, seed: int = 7) -> list[str]:
    """``count`` plain words of the recogniser's dictionary (letters only, 3 to 9 of them), seeded."""
    from assistant.grammar.compiler import default_lexicon

    words = sorted(w for w in default_lexicon().entries if w.isalpha() and w.isascii() and 3 <= len(w) <= 9)
    return random.Random(seed).sample(words, count)


def slot_values(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct values of one to three dictionary words, the planted pairs among them."""
    rng = random.Random(seed)
    pool = dictionary_words(min(60_000, max(3000, count * 2)), seed)
    planted = [v for pair in PLANTED for v in pair]
    values: list[str] = []
    seen = set(planted)
    while len(values) < count - len(planted):
        value = " ".join(rng.sample(pool, rng.choice((1, 2, 2, 3))))
        if value not in seen:
            seen.add(value)
            values.append(value)
    for index, value in enumerate(planted):
        values.insert((index * 7919) % (len(values) + 1), value)
    return values


def model_json(values: list[str], invocation: str = "big list") -> dict[str, object]:
    """An interaction model with one intent whose slot has a custom type of ``values``."""
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": invocation,
                "intents": [
                    {
                        "name": "PickIntent",
                        "slots": [{"name": "item", "type": "Items"}],
                        "samples": ["pick {item}", "i want {item}", "choose {item} please"],
                    },
                    {"name": "AMAZON.StopIntent", "samples": []},
                ],
                "types": [{"name": "Items", "values": [{"name": {"value": v}} for v in values]}],
            }
        }
    }


def write_skill(folder: Path, values: list[str], invocation: str = "big list") -> Path:
    """A plain Node skill folder with that model (the handler answers every request)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "en-US.json").write_text(json.dumps(model_json(values, invocation)))
    (folder / "index.js").write_text(
        "exports.handler = (event, context, callback) => callback(null, {version: '1.0', response: "
        "{outputSpeech: {type: 'PlainText', text: 'picked'}, shouldEndSession: true}});\n"
    )
    return folder


LINT_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from assistant.testing.lint import lint_skill
t0 = time.perf_counter()
found = lint_skill(Path({path!r}))
elapsed = time.perf_counter() - t0
pairs = sorted(d.message for d in found if d.code == "similar-values")
print(json.dumps({{"seconds": elapsed, "similar_values": len(pairs), "diagnostics": len(found)}}))
"""


def bench_lint(sizes: list[int], root: Path = ROOT) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            folder = write_skill(Path(scratch) / f"lint-{size}", slot_values(size))
            code = LINT_CHILD.format(root=str(root), path=str(folder / "en-US.json"))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            row = {"values": size, **json.loads(out.stdout.strip().splitlines()[-1])}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def bench_chat(size: int, root: Path = ROOT, numbered: bool = False) -> list[dict[str, object]]:
    """Seconds from starting `assistant chat "open big list"` to its answer, with the type installed: the first
    run (cold cache) and three more (warm). ``numbered``: values "item number N" (as bench/compile.py) instead
    of dictionary words."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
               "PYTHONPATH": str(root)}
        values = [f"item number {n}" for n in range(size)] if numbered else slot_values(size, seed=11)
        skill = write_skill(home / "big-list", values)
        subprocess.run(
            [sys.executable, "-m", "assistant.cli.main", "skill", "install", str(skill)],
            env=env, check=True, capture_output=True, cwd=home,
        )
        for run in range(4):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "assistant.cli.main", "chat", "--no-bundled", "open big list"],
                env=env, capture_output=True, text=True, cwd=home,
            )
            row = {"values": size, "style": "numbered" if numbered else "words", "run": "cold" if run == 0 else "warm",
                   "seconds": time.perf_counter() - t0, "ok": done.returncode == 0}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main(argv: list[str]) -> int:
    root = ROOT
    if argv[:1] == ["--root"]:
        root, argv = Path(argv[1]).resolve(), argv[2:]
    numbered = "--numbered" in argv
    argv = [a for a in argv if a != "--numbered"]
    what = argv[0] if argv else "lint"
    sizes = [int(a) for a in argv[1:]]
    if what == "lint":
        bench_lint(sizes or [2000, 5000, 10000], root)
    elif what == "chat":
        for size in sizes or [100_000]:
            bench_chat(size, root, numbered)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
