"""Estimate an MLLR transform (and optionally a MAP-adapted model) for pocketsphinx's en-US acoustic model.

Uses sphinxtrain's ``bw`` / ``mllr_solve`` / ``map_adapt`` (Debian: ``apt-get install sphinxtrain
sphinxbase-utils pocketsphinx``) on transcribed 16 kHz recordings. The audio is prepared as the recogniser
prepares it (silence trimmed to 0.5 s around speech, a white-noise floor 50 dB below the loudest frame) and its
features computed with the model's own ``feat.params``, pocketsphinx's noise removal off, as the recogniser runs.
Optionally each recording is also mixed with a noise file at the given signal-to-noise ratios (the corpus
README's mixing rule), for a transform that fits speech in that noise.

    python tools/adapt_model.py --data /usr/share/pocketsphinx/test/data/cards/cards.transcription:WAVDIR ...
        --out /tmp/adapted [--noise noise.wav --snr 24 18 12 6] [--map]

An input is ``TRANSCRIPTION:WAV_DIR``: sphinx-style lines ``<s> words </s> (file id)``, with ``WAV_DIR/id.wav``
(or ``id.raw``, 16 kHz int16). The results are ``OUT/mllr_matrix`` (pass ``mllr=`` to pocketsphinx) and, with
``--map``, a full model in ``OUT/map``.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from sendump_to_mixw import dequantise, read_sendump, write_mixw  # noqa: E402

log = logging.getLogger(__name__)

SPHINXTRAIN = Path("/usr/lib/sphinxtrain")
"""Where Debian installs sphinxtrain's programs."""
SAMPLE_RATE = 16000
"""Hertz; the en-US model's rate."""


class AdaptError(RuntimeError):
    """A step of the adaptation failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One transcribed recording."""

    audio: Path
    """The recording (16 kHz mono WAV, or raw int16 with a ``.raw`` suffix)."""
    words: str
    """What was said, in dictionary spelling."""


def read_transcription(spec: str) -> list[Utterance]:
    """Utterances from ``TRANSCRIPTION:WAV_DIR`` (sphinx transcription lines ``<s> words </s> (id)``)."""
    listing, _, folder = spec.partition(":")
    base = Path(folder) if folder else Path(listing).parent
    out = []
    for number, line in enumerate(Path(listing).read_text().splitlines(), 1):
        m = re.fullmatch(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\((\S+)\)\s*", line)
        if not m:
            if line.strip():
                raise AdaptError(f"{listing}:{number}: not '<s> words </s> (id)': {line!r}")
            continue
        words, uid = m.group(1).split(), m.group(2)
        found = [p for p in (base / f"{uid}.wav", base / f"{uid}.raw", base / uid) if p.is_file()]
        if not found:
            raise AdaptError(f"{listing}:{number}: no recording {base / uid}.wav")
        out.append(Utterance(found[0], " ".join(words)))
    return out


def load_audio(path: Path) -> np.ndarray:
    """int16 samples at 16 kHz."""
    from assistant.audio.wav import read_wav

    if path.suffix == ".raw":
        return np.fromfile(path, dtype="<i2")
    return read_wav(path)


def prepare(pcm: np.ndarray) -> np.ndarray:
    """As the recogniser prepares a whole utterance: trim long silence, add the noise floor."""
    from assistant.asr.decoder import DecoderConfig, add_noise_floor, speech_span

    config = DecoderConfig()
    start, end = speech_span(pcm)
    pcm = pcm[start:end]
    if config.noise_floor_db is not None:
        pcm = add_noise_floor(pcm, config.noise_floor_db)
    return pcm


def model_dir() -> Path:
    """The installed pocketsphinx en-US acoustic model."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path("en-us/en-us"))


def _run(args: list[str], log_file: Path) -> None:
    with log_file.open("w") as out:
        done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_file.read_text().splitlines()[-5:]
        raise AdaptError(
            f"{Path(args[0]).name} failed ({done.returncode}), see {log_file}: " + " | ".join(tail)
        )


def build_training_model(work: Path) -> Path:
    """A copy of the en-US model that sphinxtrain can read: text mdef, float mixture_weights."""
    source = model_dir()
    target = work / "model"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("means", "variances", "transition_matrices", "noisedict", "feat.params"):
        shutil.copy(source / name, target / name)
    _run(
        ["pocketsphinx_mdef_convert", "-text", str(source / "mdef"), str(target / "mdef.txt")],
        work / "mdef.log",
    )
    write_mixw(target / "mixture_weights", dequantise(read_sendump(source / "sendump")))
    return target


def fe_params(model: Path, work: Path) -> Path:
    """feat.params for sphinx_fe: the model's, with noise removal and silence removal off."""
    keep = [
        ln
        for ln in (model / "feat.params").read_text().splitlines()
        if ln.split()[:1] and ln.split()[0] not in ("-remove_noise", "-remove_silence")
    ]
    path = work / "fe.params"
    path.write_text("\n".join([*keep, "-remove_noise no", "-remove_silence no", "-dither no"]) + "\n")
    return path


def write_corpus(
    utterances: list[Utterance], work: Path, noise: np.ndarray | None, snrs: list[float]
) -> tuple[Path, Path]:
    """Prepared WAVs plus fileids and transcription files; each utterance clean and at every SNR."""
    from assistant.audio.mix import mix_noise
    from assistant.audio.wav import write_wav

    wav_dir = work / "wav"
    wav_dir.mkdir(parents=True, exist_ok=True)
    ids, lines = [], []
    for n, utt in enumerate(utterances):
        pcm = load_audio(utt.audio)
        versions = [("clean", pcm)]
        if noise is not None:
            for snr in snrs:
                seed = zlib.crc32(f"{utt.audio.name}:{snr}".encode())
                versions.append((f"snr{snr:g}", mix_noise(pcm, noise, snr, seed=seed)))
        for tag, audio in versions:
            uid = f"u{n:03d}_{tag}"
            write_wav(wav_dir / f"{uid}.wav", prepare(audio))
            ids.append(uid)
            lines.append(f"<s> {utt.words} </s> ({uid})")
    fileids, transcription = work / "adapt.fileids", work / "adapt.transcription"
    fileids.write_text("\n".join(ids) + "\n")
    transcription.write_text("\n".join(lines) + "\n")
    return fileids, transcription


def adapt(
    utterances: list[Utterance],
    out: Path,
    noise: np.ndarray | None = None,
    snrs: list[float] | None = None,
    use_map: bool = False,
    clean: bool = True,
) -> Path:
    """Run feature extraction, ``bw`` and ``mllr_solve`` (and ``map_adapt``); return the MLLR matrix file."""
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    work.mkdir(exist_ok=True)
    model = build_training_model(work)
    fileids, transcription = write_corpus(utterances, work, noise, snrs or [])
    if not clean and noise is not None:
        keep = [ln for ln in fileids.read_text().split() if not ln.endswith("_clean")]
        fileids.write_text("\n".join(keep) + "\n")
        transcription.write_text(
            "\n".join(ln for ln in transcription.read_text().splitlines() if not ln.endswith("_clean)"))
            + "\n"
        )
    _run(
        [
            "sphinx_fe",
            "-argfile",
            str(fe_params(model, work)),
            "-samprate",
            str(SAMPLE_RATE),
            "-c",
            str(fileids),
            "-di",
            str(work / "wav"),
            "-do",
            str(work / "mfc"),
            "-ei",
            "wav",
            "-eo",
            "mfc",
            "-mswav",
            "yes",
        ],
        work / "fe.log",
    )
    params = dict(ln.split(None, 1) for ln in (model / "feat.params").read_text().splitlines() if ln.strip())
    accum = work / "accum"
    accum.mkdir(exist_ok=True)
    _run(
        [
            str(SPHINXTRAIN / "bw"),
            "-hmmdir",
            str(model),
            "-moddeffn",
            str(model / "mdef.txt"),
            "-ts2cbfn",
            ".ptm.",
            "-feat",
            params["-feat"],
            "-svspec",
            params["-svspec"],
            "-cmn",
            "current",
            "-agc",
            "none",
            "-dictfn",
            str(model_dir().parent / "cmudict-en-us.dict"),
            "-fdictfn",
            str(model / "noisedict"),
            "-ctlfn",
            str(fileids),
            "-lsnfn",
            str(transcription),
            "-cepdir",
            str(work / "mfc"),
            "-accumdir",
            str(accum),
        ],
        work / "bw.log",
    )
    matrix = out / "mllr_matrix"
    _run(
        [
            str(SPHINXTRAIN / "mllr_solve"),
            "-meanfn",
            str(model / "means"),
            "-varfn",
            str(model / "variances"),
            "-outmllrfn",
            str(matrix),
            "-accumdir",
            str(accum),
        ],
        work / "mllr_solve.log",
    )
    if use_map:
        map_dir = out / "map"
        map_dir.mkdir(exist_ok=True)
        for name in ("mdef", "feat.params", "noisedict"):
            shutil.copy(model_dir() / name, map_dir / name)
        _run(
            [
                str(SPHINXTRAIN / "map_adapt"),
                "-moddeffn",
                str(model / "mdef.txt"),
                "-ts2cbfn",
                ".ptm.",
                "-meanfn",
                str(model / "means"),
                "-varfn",
                str(model / "variances"),
                "-mixwfn",
                str(model / "mixture_weights"),
                "-tmatfn",
                str(model / "transition_matrices"),
                "-accumdir",
                str(accum),
                "-mapmeanfn",
                str(map_dir / "means"),
                "-mapvarfn",
                str(map_dir / "variances"),
                "-mapmixwfn",
                str(map_dir / "mixture_weights"),
                "-maptmatfn",
                str(map_dir / "transition_matrices"),
            ],
            work / "map_adapt.log",
        )
    return matrix


def bw_likelihood(out: Path) -> float | None:
    """Average log likelihood per frame that ``bw`` reported (a sanity check of the features)."""
    text = (out / "work" / "bw.log").read_text()
    found = re.findall(r"avg.*?([-\d.e+]+)\s*$", text, flags=re.M)
    return float(found[-1]) if found else None


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", nargs="+", required=True, help="TRANSCRIPTION:WAV_DIR, one or more")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--noise", type=Path, help="noise WAV to mix in (16 kHz)")
    parser.add_argument("--snr", type=float, nargs="+", default=[24, 18, 12, 6])
    parser.add_argument(
        "--no-clean", action="store_true", help="with --noise, adapt on the noisy copies only"
    )
    parser.add_argument("--map", action="store_true", help="also write a MAP-adapted model to OUT/map")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        utterances = [u for spec in args.data for u in read_transcription(spec)]
        noise = load_audio(args.noise) if args.noise else None
        matrix = adapt(utterances, args.out, noise, args.snr, args.map, clean=not args.no_clean)
    except (AdaptError, OSError) as exc:
        print(f"adapt_model: {exc}", file=sys.stderr)
        return 1
    print(f"{matrix} from {len(utterances)} recordings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
