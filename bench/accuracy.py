"""Accuracy and speed on real speech: ../shared/corpora (barista, rhasspy-en), clean and with kitchen noise.

Scoring is the corpus README's rule: correct when the intent matches and every labelled slot is present with the
same spoken value (whitespace-trimmed); extra slots are not penalised; no result counts as an error. Noise is mixed
exactly as the README describes (assistant.audio.mix.mix_noise), seeded per file.

Real-time factor is CPU time of the decoding process per second of audio, per file, on one core: each worker
process is pinned to a single CPU (os.sched_setaffinity), the equivalent of ``taskset -c N``.

    python bench/accuracy.py [--corpus barista] [--snr clean 24 18 12 6] [--limit N] [--jobs 2] [--set k=v]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPORA = ROOT.parent / "shared" / "corpora"


def corpora_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_CORPORA", CORPORA))


def score(result: dict | None, label: dict) -> bool:
    """The benchmark's rule."""
    if result is None or result.get("intent") != label["intent"]:
        return False
    slots = result.get("slots", {})
    return all(k in slots and str(slots[k]["value"]).strip() == str(v).strip() for k, v in label["slots"].items())


_STATE: dict = {}


def _init(corpus: str, snr: str, overrides: dict, cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    from assistant.asr.decoder import DecoderConfig, Recognizer
    from assistant.audio.wav import read_wav
    from assistant.grammar.compiler import compile_session
    from assistant.model.loader import load_model

    model = load_model(corpora_dir() / corpus / "model.json")
    grammar = compile_session(model)
    rec = Recognizer(DecoderConfig(**overrides)).start()
    rec.use(grammar)
    noise = read_wav(corpora_dir() / "noise" / "kitchen.wav") if snr != "clean" else None
    _STATE.update(rec=rec, grammar=grammar, noise=noise, snr=snr, corpus=corpus)


def _decode(name: str) -> tuple[str, dict | None, float, float, float]:
    from assistant.audio.mix import mix_noise
    from assistant.audio.wav import read_wav

    audio = read_wav(corpora_dir() / _STATE["corpus"] / "wav" / name)
    if _STATE["noise"] is not None:
        audio = mix_noise(audio, _STATE["noise"], float(_STATE["snr"]), seed=zlib.crc32(name.encode()))
    t0 = time.process_time()
    rec = _STATE["rec"].decode(audio)
    cpu = time.process_time() - t0
    result = rec.result.to_json() if rec.result else None
    return name, result, cpu, len(audio) / 16000, rec.confidence


def run_condition(corpus: str, snr: str, limit: int | None, jobs: int, overrides: dict, verbose: bool) -> dict:
    labels = json.loads((corpora_dir() / corpus / "labels.json").read_text())
    names = sorted(labels)[:limit] if limit else sorted(labels)
    chunks = [names[i::jobs] for i in range(jobs)]
    results: list[tuple[str, dict | None, float, float, float]] = []
    pools = [ProcessPoolExecutor(1, initializer=_init, initargs=(corpus, snr, overrides, i % (os.cpu_count() or 1)))
             for i in range(jobs)]
    try:
        futures = [pool.submit(_decode, n) for pool, chunk in zip(pools, chunks, strict=True) for n in chunk]
        results = [f.result() for f in futures]
    finally:
        for pool in pools:
            pool.shutdown()
    correct = 0
    for name, result, _cpu, _secs, conf in results:
        ok = score(result, labels[name])
        correct += ok
        if verbose and not ok:
            print(f"    miss {name[:12]} got {result and result['slots']} want {labels[name]['slots']} conf {conf:.2f}")
    rtfs = sorted(cpu / secs for _, _, cpu, secs, _ in results)
    return {
        "corpus": corpus, "condition": snr, "n": len(results), "accuracy": correct / max(len(results), 1),
        "rtf_mean": sum(rtfs) / len(rtfs), "rtf_p95": rtfs[int(0.95 * (len(rtfs) - 1))],
    }


def compile_time(corpus: str) -> float:
    code = (
        "import time,sys; sys.path.insert(0,{!r})\n"
        "from assistant.model.loader import load_model\nfrom assistant.grammar.compiler import compile_session\n"
        "from assistant.asr.decoder import Recognizer\n"
        "m=load_model(__import__('pathlib').Path({!r})); r=Recognizer().start()\n"
        "t=time.perf_counter(); g=compile_session(m); r.use(g); print(time.perf_counter()-t)"
    ).format(str(ROOT), str(corpora_dir() / corpus / "model.json"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def peak_rss_mb(corpus: str) -> float:
    """Peak RSS of `assistant recognize` on the corpus's first file, in MB: that process alone (``wait4``), not the
    largest of every child so far (RUSAGE_CHILDREN also counts the decoding workers started before it)."""
    wav = sorted((corpora_dir() / corpus / "wav").iterdir())[0]
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli.main", "recognize", "--model",
                             str(corpora_dir() / corpus / "model.json"), str(wav)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"assistant recognize failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return usage.ru_maxrss / 1024


def parse_overrides(pairs: list[str]) -> dict[str, object]:
    """``["lw=3", "garbage=false"]`` → DecoderConfig keyword overrides (JSON values, else strings)."""
    overrides: dict[str, object] = {}
    for kv in pairs:
        k, v = kv.split("=", 1)
        try:
            overrides[k] = json.loads(v.lower() if v.lower() in ("true", "false", "null") else v)
        except json.JSONDecodeError:
            overrides[k] = v
    return overrides


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", nargs="+", default=["barista", "rhasspy-en"])
    p.add_argument("--snr", nargs="+", default=["clean", "24", "18", "12", "6"])
    p.add_argument("--limit", type=int)
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--set", action="append", default=[], help="decoder setting override, e.g. --set lw=8")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args()
    if not corpora_dir().is_dir():
        print(f"no corpora at {corpora_dir()} (set ASSISTANT_CORPORA)", file=sys.stderr)
        return 2
    overrides = parse_overrides(args.set)
    rows = []
    print(f"{'corpus':12} {'condition':9} {'n':>4} {'accuracy':>8} {'RTF mean':>8} {'RTF p95':>8}")
    for corpus in args.corpus:
        for snr in args.snr:
            row = run_condition(corpus, snr, args.limit, args.jobs, overrides, args.verbose)
            rows.append(row)
            print(f"{corpus:12} {snr:9} {row['n']:4} {row['accuracy']:8.1%} {row['rtf_mean']:8.3f} {row['rtf_p95']:8.3f}",
                  flush=True)
        noisy = [r["accuracy"] for r in rows if r["corpus"] == corpus and r["condition"] != "clean"]
        if noisy:
            print(f"{corpus:12} {'noise avg':9} {'':4} {sum(noisy) / len(noisy):8.1%}")
    for corpus in args.corpus:
        print(f"{corpus}: compile + load {compile_time(corpus):.3f} s, peak RSS of `assistant recognize` "
              f"{peak_rss_mb(corpus):.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
