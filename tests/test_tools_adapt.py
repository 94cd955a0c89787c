"""tools/sendump_to_mixw.py: the en-US model's sendump rebuilt as float mixture weights, checked against the real
model (exact re-quantisation, identical decoding) and against sphinxtrain's own converter when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import sendump_to_mixw as conv  # noqa: E402

pocketsphinx = pytest.importorskip("pocketsphinx")
MODEL = Path(pocketsphinx.get_model_path("en-us/en-us"))
MK_S2SENDUMP = Path("/usr/lib/sphinxtrain/mk_s2sendump")


@pytest.fixture(scope="module")
def dump() -> conv.Sendump:
    return conv.read_sendump(MODEL / "sendump")


@pytest.fixture(scope="module")
def mixw_file(dump: conv.Sendump, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mixw") / "mixture_weights"
    conv.write_mixw(path, conv.dequantise(dump))
    return path


def test_sendump_shape_is_the_models(dump: conv.Sendump) -> None:
    # 5126 tied states, 3 feature streams (svspec 0-12/13-25/26-38), 128 densities per phone codebook
    assert dump.shape == (5126, 3, 128)
    assert dump.weights.dtype == np.uint8


def test_dequantised_weights_are_distributions(dump: conv.Sendump) -> None:
    mixw = conv.dequantise(dump)
    assert mixw.shape == dump.shape
    assert np.all(mixw > 0)
    np.testing.assert_allclose(mixw.sum(axis=2), 1.0, atol=1e-5)


def test_requantising_gives_back_every_byte(dump: conv.Sendump) -> None:
    again = conv.quantise(conv.dequantise(dump))
    assert np.array_equal(again.weights, dump.weights)


def test_quantise_follows_pocketsphinx_logmath() -> None:
    # q = -(trunc(ln p / ln 1.0001) >> 10): 0.99999 -> 0; 1e-5 -> trunc(-115135.6) >> 10 = -113 -> 113
    mixw = np.array([[[1 - 1e-5, 1e-5]]])
    assert conv.quantise(mixw).weights[0, :, 0].tolist() == [0, 113]


def test_mixture_weights_file_round_trips_with_its_checksum(dump: conv.Sendump, mixw_file: Path) -> None:
    back = conv.read_mixw(mixw_file)
    np.testing.assert_array_equal(back, conv.dequantise(dump))
    data = bytearray(mixw_file.read_bytes())
    data[-100] ^= 0x01
    broken = mixw_file.with_name("broken")
    broken.write_bytes(bytes(data))
    with pytest.raises(conv.ConversionError, match="checksum"):
        conv.read_mixw(broken)


def test_not_a_sendump_is_reported_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "sendump"
    bad.write_bytes(b"\xff\xff\xff\x7f" + b"\0" * 16)
    with pytest.raises(conv.ConversionError, match=str(bad)):
        conv.read_sendump(bad)


def test_pocketsphinx_decodes_identically_from_the_rebuilt_weights(mixw_file: Path, tmp_path: Path) -> None:
    from assistant.tts.synth import synthesize_samples

    model = tmp_path / "en-us"
    model.mkdir()
    for name in ("mdef", "means", "variances", "transition_matrices", "noisedict", "feat.params"):
        shutil.copy(MODEL / name, model / name)
    shutil.copy(mixw_file, model / "mixture_weights")
    audio = synthesize_samples("go forward ten meters").tobytes()

    def decode(hmm: Path) -> tuple[str, list[tuple[str, int, int]]]:
        d = pocketsphinx.Decoder(hmm=str(hmm), lm=None, loglevel="FATAL")
        d.add_jsgf_string(
            "g",
            "#JSGF V1.0; grammar g; public <s> = (go | stop) (forward | back) (ten | seven | three) meters;",
        )
        d.activate_search("g")
        d.start_utt()
        d.process_raw(audio, False, True)
        d.end_utt()
        return d.hyp().hypstr, [(s.word, s.start_frame, s.ascore) for s in d.seg()]

    original, rebuilt = decode(MODEL), decode(model)
    assert original[0] == "go forward ten meters"
    assert rebuilt == original


@pytest.mark.skipif(
    not MK_S2SENDUMP.exists() or shutil.which("pocketsphinx_mdef_convert") is None,
    reason="sphinxtrain / pocketsphinx_mdef_convert not installed",
)
def test_sphinxtrain_writes_back_the_original_sendump(mixw_file: Path, tmp_path: Path) -> None:
    mdef = tmp_path / "mdef.txt"
    subprocess.run(
        ["pocketsphinx_mdef_convert", "-text", str(MODEL / "mdef"), str(mdef)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "sendump"
    subprocess.run(
        [
            str(MK_S2SENDUMP),
            "-pocketsphinx",
            "yes",
            "-mwfloor",
            "1e-8",
            "-moddeffn",
            str(mdef),
            "-mixwfn",
            str(mixw_file),
            "-sendumpfn",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (MODEL / "sendump").read_bytes()
