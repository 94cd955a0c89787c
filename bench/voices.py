"""Synthesized speakers for the voice benchmark: espeak-ng variants, festival's diphone and HTS voices, and flite.

``VOICES`` names each voice; ``synthesize(text, voice)`` gives 16 kHz mono int16 samples, the same for the same
(voice, text) on every run, cached on disk under ``$XDG_CACHE_HOME/assistant/bench-voices`` (``~/.cache/...``)
so a rerun of the benchmark synthesizes nothing.

The voices come in two sets. The **dev** voices are the ones to tune against; the **held-out** voices (``held_out``)
judge the result and should not be listened to while tuning. Each engine and each sex is in both sets, and no
held-out voice is a dev voice at another speed: the held-out festival and flite voices are other recorded people
(ked, awb), the held-out espeak-ng voices other variants and accents.

Debian packages: ``espeak-ng`` and ``sox`` (both already needed), ``festival``, ``festvox-kallpc16k``,
``festvox-kdlpc16k``, ``festvox-us-slt-hts`` and ``flite``. A voice whose program or voice files are missing is
reported by ``missing()``; ``available()`` lists the others.

Seconds per sentence (a 10-13 word sentence, cold cache, one process, on the shared 2-core machine): espeak-ng
0.03, flite 0.07, festival's diphone voices kal and ked 0.31, its HTS voice slt 0.42; most of festival's time is
its start-up, paid for every sentence because each one is a fresh process (deterministic output). A cached
sentence is read back in a few milliseconds.

``everyday_sentences()`` reads ``bench/everyday_sentences.txt``; ``everyday_slices(voices, copies)`` gives each
voice its own interleaved slice of them (by default every sentence said by two of the eleven voices: 765
sentences, 1530 utterances, 91 minutes of speech as synthesized, 81 without the engines' leading and trailing
silence; about 50 minutes from the dev voices and 41 from the held-out ones).

    python -m bench.voices                 # list the voices and whether each one works
    python -m bench.voices --time          # seconds per sentence for each voice
    python -m bench.voices --say "open wise guy" --voice festival-kal --out /tmp/x.wav
    python -m bench.voices --everyday      # synthesize (and cache) the everyday slices; minutes per voice
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.audio.wav import SAMPLE_RATE, read_wav, write_wav  # noqa: E402

CACHE_VERSION = "1"
"""Part of every cache key: bump it when the synthesis or the text clean-up changes."""

_TIMEOUT = 120.0
"""Seconds one synthesis may take before it is killed."""


@dataclass(frozen=True, slots=True)
class Voice:
    """One synthesized speaker."""

    name: str
    """Short unique name, used in the benchmark's per-voice table (``espeak-en-us+f3``, ``festival-kal``)."""
    engine: str
    """``espeak`` (espeak-ng), ``festival`` (text2wave) or ``flite``."""
    spec: str
    """The engine's voice: an espeak-ng voice with variant (``en-us+f3``), a festival voice procedure
    (``voice_kal_diphone``), or a flite voice (``awb``)."""
    held_out: bool = False
    """True for a voice that judges the result and is not used while tuning."""
    rate_wpm: int | None = None
    """espeak-ng only: words per minute (its default is 175)."""
    pitch: int | None = None
    """espeak-ng only: 0-99 (its default is 50)."""
    sex: str = "m"
    """``m`` or ``f``, for reports."""
    package: str = "espeak-ng"
    """The Debian package that provides the voice."""
    description: str = ""


VOICES: tuple[Voice, ...] = (
    # --- dev ---------------------------------------------------------------------------------------------------
    Voice("espeak-en-us", "espeak", "en-us", description="espeak-ng's American English, default"),
    Voice("espeak-en-us+f3", "espeak", "en-us+f3", sex="f", description="female variant f3; worst wake rate so far"),
    Voice("espeak-en-gb+m3", "espeak", "en-gb+m3", rate_wpm=160, description="British, male variant m3, slower"),
    Voice("festival-kal", "festival", "voice_kal_diphone", package="festvox-kallpc16k",
          description="festival's American male diphone voice (kal)"),
    Voice("festival-slt-hts", "festival", "voice_cmu_us_slt_arctic_hts", sex="f", package="festvox-us-slt-hts",
          description="festival's HTS voice of the CMU ARCTIC speaker slt (American female)"),
    Voice("flite-rms", "flite", "rms", package="flite", description="flite's clustergen voice of rms (American male)"),
    # --- held out ----------------------------------------------------------------------------------------------
    Voice("espeak-en-us+f2-slow", "espeak", "en-us+f2", held_out=True, rate_wpm=145, pitch=62, sex="f",
          description="female variant f2, slow and high"),
    Voice("espeak-en-029+m5-fast", "espeak", "en-029+m5", held_out=True, rate_wpm=195, pitch=40,
          description="Caribbean English, male variant m5, fast and low"),
    Voice("espeak-en-us-nyc+f1", "espeak", "en-us-nyc+f1", held_out=True, sex="f",
          description="New York City English, female variant f1"),
    Voice("festival-ked", "festival", "voice_ked_diphone", held_out=True, package="festvox-kdlpc16k",
          description="festival's second American male diphone voice (ked)"),
    Voice("flite-awb", "flite", "awb", held_out=True, package="flite",
          description="flite's clustergen voice of awb (Scottish male)"),
)
"""Every voice, dev first. At least two engines, both sexes, in each set."""

BY_NAME: dict[str, Voice] = {v.name: v for v in VOICES}


def dev_voices() -> tuple[Voice, ...]:
    return tuple(v for v in VOICES if not v.held_out)


def held_out_voices() -> tuple[Voice, ...]:
    return tuple(v for v in VOICES if v.held_out)


def voice(name: str | Voice) -> Voice:
    """The voice of that name (a ``Voice`` is returned as it is)."""
    if isinstance(name, Voice):
        return name
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown voice {name!r}; voices: {', '.join(BY_NAME)}") from None


# --- text ------------------------------------------------------------------------------------------------------

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0-999999 in words, American style ("one hundred twenty three")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    if n < 1_000_000:
        return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    return " ".join(_ONES[int(d)] for d in str(n))


def clean_text(text: str) -> str:
    """The text every engine is given: digits as words, straight apostrophes kept only inside words, no quotes,
    brackets or symbols the engines spell out, single spaces. Festival's tokenizer reads "'" next to a space and
    odd punctuation as words of their own, and espeak-ng and festival say digits differently; this makes them
    agree, and makes the cache key the words that are said."""
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", " ").replace("\u201d", " ")
    t = re.sub(r"(\d+)%", lambda m: m.group(1) + " percent", t)
    t = t.replace("&", " and ")
    t = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", t)
    t = re.sub(r"(?<![A-Za-z])'|'(?![A-Za-z])", " ", t)  # quote marks, not apostrophes
    t = re.sub(r"[^A-Za-z' .,?!;:-]", " ", t)
    t = re.sub(r"\s+([.,?!;:])", r"\1", t)
    return re.sub(r"\s+", " ", t).strip()


# --- synthesis -------------------------------------------------------------------------------------------------


class VoiceUnavailable(RuntimeError):
    """The program or the voice files of a voice are not installed."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "bench-voices"


def _key(v: Voice, text: str) -> str:
    ident = "\0".join([CACHE_VERSION, v.engine, v.spec, str(v.rate_wpm), str(v.pitch), text])
    return hashlib.sha256(ident.encode()).hexdigest()


def _run(cmd: list[str], stdin: str | None = None) -> None:
    try:
        done = subprocess.run(cmd, input=None if stdin is None else stdin.encode(), capture_output=True,
                              timeout=_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{cmd[0]} took over {_TIMEOUT:.0f} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()[-500:]}")


def _need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise VoiceUnavailable(f"{program} is not installed (Debian: apt install {package})")
    return path


def _to_16k(raw: Path, out: Path) -> np.ndarray:
    """Any WAV to 16 kHz mono 16-bit with sox, without random dither (as assistant/tts/synth.py does)."""
    sox = _need("sox", "sox")
    _run([sox, str(raw), "-R", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)])
    return read_wav(out)


@functools.cache
def _flite_voices(flite: str) -> frozenset[str]:
    done = subprocess.run([flite, "-lv"], capture_output=True, text=True, timeout=_TIMEOUT)
    return frozenset(done.stdout.split(":", 1)[-1].split())


def _render(v: Voice, text: str, tmp: Path) -> np.ndarray:
    raw = tmp / "raw.wav"
    if v.engine == "espeak":
        from assistant.tts.synth import synthesize_samples

        return synthesize_samples(text, voice=v.spec, rate_wpm=v.rate_wpm, pitch=v.pitch)
    if v.engine == "festival":
        text2wave = _need("text2wave", "festival")
        src = tmp / "text.txt"
        src.write_text(text + "\n")
        _run([text2wave, "-eval", f"({v.spec})", "-o", str(raw), str(src)])
        if not raw.exists():  # an unknown voice: festival says "unbound variable" and exits 0
            raise VoiceUnavailable(f"festival voice {v.spec} is not installed (Debian: apt install {v.package})")
    elif v.engine == "flite":
        flite = _need("flite", "flite")
        if v.spec not in _flite_voices(flite):  # flite falls back to its default voice without a word
            raise VoiceUnavailable(f"flite has no voice {v.spec!r}")
        _run([flite, "-voice", v.spec, "-t", text, "-o", str(raw)])
    else:
        raise ValueError(f"unknown engine {v.engine!r}")
    return _to_16k(raw, tmp / "speech.wav")


def synthesize(text: str, voice_: str | Voice, *, cache: bool = True) -> np.ndarray:
    """``text`` spoken by the voice, as 16 kHz mono int16 samples; cached on disk by (voice, cleaned text).

    Leading and trailing silence is left as the engine makes it. Raises ``VoiceUnavailable`` when the voice is
    not installed."""
    v = voice(voice_)
    said = clean_text(text)
    if not said:
        return np.zeros(0, np.int16)
    path = cache_dir() / v.name / f"{_key(v, said)}.wav"
    if cache and path.exists():
        try:
            return read_wav(path)
        except Exception:  # noqa: BLE001 (a truncated file from a killed run: make it again)
            pass
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as tmp:
        samples = _render(v, said, Path(tmp))
    samples = np.asarray(samples, np.int16)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        write_wav(part, samples)
        os.replace(part, path)
    return samples


def missing() -> dict[str, str]:
    """Voice name → why it cannot speak, for each voice that cannot (tries one short word, uncached)."""
    problems: dict[str, str] = {}
    for v in VOICES:
        try:
            if synthesize("hello", v, cache=False).size < SAMPLE_RATE // 10:
                problems[v.name] = "no audio"
        except Exception as exc:  # noqa: BLE001
            problems[v.name] = str(exc)
    return problems


def available() -> tuple[Voice, ...]:
    """The voices that work on this machine."""
    bad = missing()
    return tuple(v for v in VOICES if v.name not in bad)


EVERYDAY = ROOT / "bench" / "everyday_sentences.txt"


def everyday_sentences(path: Path = EVERYDAY) -> list[str]:
    """The committed everyday sentences (no wake word), in file order, comments and blank lines left out."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def everyday_slices(voices: Sequence[Voice | str] | None = None, copies: int = 2,
                    sentences: Sequence[str] | None = None) -> list[tuple[Voice, str]]:
    """(voice, sentence) pairs: each sentence said by ``copies`` different voices, each voice a different,
    interleaved slice (sentence i by voice i, i + n/copies, ... modulo n), so every voice gets every kind of
    talk and its share of near-words. In sentence order, the copies of one sentence one after the other."""
    vs = [voice(v) for v in (VOICES if voices is None else voices)]
    texts = everyday_sentences() if sentences is None else list(sentences)
    n = len(vs)
    if not 1 <= copies <= n:
        raise ValueError(f"copies must be 1..{n}")
    step = n // copies
    return [(vs[(i + k * step) % n], text) for i, text in enumerate(texts) for k in range(copies)]


def debian_packages() -> list[str]:
    """The Debian packages the voices need, besides the assistant's own (sox)."""
    return sorted({v.package for v in VOICES} | {"festival"})


# --- command line ----------------------------------------------------------------------------------------------

_TIMING_SENTENCES = (
    "I don't think we'll have time to stop at the store before dinner.",
    "The kids were playing in the garden when it started to rain.",
    "Could you pass me the salt and the pepper, please?",
    "Open wise guy.",
    "My grandmother used to grow tomatoes on the balcony every summer.",
)


def _everyday_report(copies: int) -> int:
    pairs = everyday_slices(copies=copies)
    speech: dict[str, float] = {}
    count: dict[str, int] = {}
    spent: dict[str, float] = {}
    for v, text in pairs:
        start = time.perf_counter()
        samples = synthesize(text, v)
        spent[v.name] = spent.get(v.name, 0.0) + time.perf_counter() - start
        speech[v.name] = speech.get(v.name, 0.0) + samples.size / SAMPLE_RATE
        count[v.name] = count.get(v.name, 0) + 1
    print(f"{len(everyday_sentences())} sentences x {copies} voices")
    print(f"{'voice':28} {'set':9} {'sentences':>9} {'speech min':>10} {'s/sentence':>10}")
    for v in VOICES:
        if v.name in count:
            print(f"{v.name:28} {'held-out' if v.held_out else 'dev':9} {count[v.name]:9d} "
                  f"{speech[v.name] / 60:10.1f} {spent[v.name] / count[v.name]:10.2f}")
    held = sum(speech[v.name] for v in held_out_voices() if v.name in speech)
    print(f"total {sum(speech.values()) / 60:.1f} min of speech (dev {(sum(speech.values()) - held) / 60:.1f}, "
          f"held-out {held / 60:.1f}); s/sentence is the cache read on a rerun")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time", action="store_true", help="seconds per sentence for each voice (uncached)")
    p.add_argument("--say", help="synthesize this text")
    p.add_argument("--voice", default="espeak-en-us")
    p.add_argument("--out", type=Path, help="WAV to write with --say")
    p.add_argument("--everyday", action="store_true",
                   help="synthesize (and cache) the everyday sentences' slices; seconds of speech per voice")
    p.add_argument("--copies", type=int, default=2, help="voices per everyday sentence (default 2)")
    args = p.parse_args(argv)
    if args.everyday:
        return _everyday_report(args.copies)
    if args.say:
        samples = synthesize(args.say, args.voice)
        if args.out:
            write_wav(args.out, samples)
        print(f"{args.voice}: {samples.size / SAMPLE_RATE:.2f} s")
        return 0
    if args.time:
        print(f"{'voice':28} {'set':9} {'s/sentence':>10} {'audio s':>8} {'x realtime':>10}")
        for v in VOICES:
            try:
                start = time.perf_counter()
                audio = sum(synthesize(s, v, cache=False).size for s in _TIMING_SENTENCES) / SAMPLE_RATE
                spent = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001
                print(f"{v.name:28} unavailable: {exc}")
                continue
            print(f"{v.name:28} {'held-out' if v.held_out else 'dev':9} {spent / len(_TIMING_SENTENCES):10.2f} "
                  f"{audio:8.1f} {audio / spent:10.1f}")
        return 0
    bad = missing()
    for v in VOICES:
        state = f"MISSING: {bad[v.name]}" if v.name in bad else "ok"
        print(f"{v.name:28} {'held-out' if v.held_out else 'dev':9} {v.package:20} {state}")
    print("Debian packages:", " ".join(debian_packages()))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
