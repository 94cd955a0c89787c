"""Audio in and out: WAV formats through real sox files, resampling, noise mixing, sources, sinks, devices."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPORA
from scipy.signal import resample_poly

from assistant.audio.chunk import AudioChunk, AudioSink, AudioSource
from assistant.audio.devices import FileSource, MicrophoneSource, SpeakerSink, StdinSource, WavRecorder
from assistant.audio.mix import FRAME, max_frame_energy, mix_noise, noise_segment
from assistant.audio.wav import (
    StreamResampler,
    read_pcm_blocks,
    read_wav,
    read_wav_native,
    to_16k,
    write_wav,
)
from assistant.errors import AudioError, DeviceError

KITCHEN = CORPORA / "noise" / "kitchen.wav"


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


def peak_frequency(samples: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


# --- WAV formats -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "channels", "encoding"),
    [
        (16000, 1, ["-e", "signed-integer", "-b", "16"]),
        (24000, 2, ["-e", "floating-point", "-b", "32"]),
        (44100, 1, ["-e", "floating-point", "-b", "64"]),
        (8000, 1, ["-e", "unsigned-integer", "-b", "8"]),
        (48000, 2, ["-e", "signed-integer", "-b", "24"]),
        (22050, 1, ["-e", "signed-integer", "-b", "32"]),
    ],
)
def test_any_wav_format_reads_as_16k_mono_with_its_frequency(
    tmp_path: Path, rate: int, channels: int, encoding: list[str]
) -> None:
    path = tmp_path / "tone.wav"
    sox(
        "-n",
        "-r",
        str(rate),
        "-c",
        str(channels),
        *encoding,
        str(path),
        "synth",
        "1.0",
        "sine",
        "1000",
        "vol",
        "0.5",
    )
    samples = read_wav(path)
    assert samples.dtype == np.int16
    assert samples.ndim == 1
    assert abs(samples.size - 16000) <= 1
    assert peak_frequency(samples) == pytest.approx(1000, abs=5)
    assert rms(samples) / 32768 == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_stereo_is_downmixed(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    left = np.full(1600, 8000, np.int16)
    write_wav(path, np.stack([left, -left // 2], axis=1))
    assert np.all(read_wav(path) == 2000)


def test_int16_round_trip_is_exact(tmp_path: Path) -> None:
    samples = np.random.default_rng(1).integers(-32768, 32768, 5000).astype(np.int16)
    assert np.array_equal(read_wav(write_wav(tmp_path / "x.wav", samples)), samples)
    assert np.array_equal(read_wav((tmp_path / "x.wav").read_bytes()), samples)


def test_resampling_filters_what_would_alias(tmp_path: Path) -> None:
    path = tmp_path / "high.wav"
    sox("-n", "-r", "48000", "-c", "1", "-b", "16", str(path), "synth", "1.0", "sine", "10000", "vol", "0.5")
    native, rate = read_wav_native(path)
    assert rate == 48000
    naive = native[::3]  # decimation without a filter folds 10 kHz down to 6 kHz at full strength
    assert peak_frequency(naive) == pytest.approx(6000, abs=10)
    assert rms(naive) > 0.3
    filtered = read_wav(path)
    attenuation_db = 20 * np.log10(rms(filtered) / 32768 / rms(naive))
    assert attenuation_db < -40  # measured: -48 dB


def test_to_16k_keeps_length_and_frequency() -> None:
    t = np.arange(22050) / 22050
    out = to_16k(0.25 * np.sin(2 * np.pi * 440 * t), 22050)
    assert out.size == 16000
    assert peak_frequency(out) == pytest.approx(440, abs=5)


def test_streaming_espeak_header_is_read_to_the_end() -> None:
    data = subprocess.run(["espeak-ng", "--stdout", "hello"], check=True, capture_output=True).stdout
    assert int.from_bytes(data[40:44], "little") >= 0x7FFF0000  # espeak-ng cannot seek back to fix the size
    samples, rate = read_wav_native(data)
    assert rate == 22050
    assert samples.size == (len(data) - 44) // 2


def _zero_channels(data: bytes) -> bytes:
    return data[:22] + b"\x00\x00" + data[24:]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: b"this is not audio at all, just text", "not a WAV"),
        (lambda d: d[: len(d) // 2], "truncated WAV: the header promises"),
        (lambda d: d[:30], "truncated WAV fmt chunk"),
        (lambda d: d[:36], "no data chunk"),
        (_zero_channels, "zero channels"),
        (lambda d: d[:20] + b"\x55\x00" + d[22:], "unsupported WAV encoding (format tag 0x0055"),
    ],
)
def test_unreadable_wav_names_the_file_and_the_problem(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    good = write_wav(tmp_path / "good.wav", np.zeros(1000, np.int16)).read_bytes()
    bad = tmp_path / "bad.wav"
    bad.write_bytes(damage(good))
    with pytest.raises(AudioError) as err:
        read_wav(bad)
    assert str(bad) in str(err.value)
    assert message in str(err.value)


def test_missing_file_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="missing.wav: cannot read audio file"):
        read_wav(tmp_path / "missing.wav")


@pytest.mark.parametrize(
    ("rate", "block"), [(44100, 441), (48000, 480), (44100, 1000), (8000, 37), (22050, 512)]
)
def test_stream_resampler_matches_whole_signal_resampling(rate: int, block: int) -> None:
    x = np.random.default_rng(rate).normal(0, 0.1, rate)  # one second of noise
    resampler = StreamResampler(rate, 16000)
    streamed = np.concatenate(
        [resampler.process(x[i : i + block]) for i in range(0, x.size, block)] + [resampler.flush()]
    )
    from fractions import Fraction

    ratio = Fraction(16000, rate)
    whole = resample_poly(x, ratio.numerator, ratio.denominator)
    assert streamed.size == whole.size
    assert np.max(np.abs(streamed - whole)) < 1e-9


# --- noise mixing ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """A 2048-frame-rich signal: a second of tone bursts between long silences."""
    t = np.arange(8000) / 16000
    burst = (8000 * np.sin(2 * np.pi * 300 * t) * np.hanning(t.size)).astype(np.int16)
    gap = np.zeros(24000, np.int16)
    return np.concatenate([gap, burst, gap, burst // 2, gap])


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    if KITCHEN.exists():
        return read_wav(KITCHEN)
    return np.random.default_rng(0).normal(0, 3000, 16000 * 20).astype(np.int16)


@pytest.mark.parametrize("snr_db", [24.0, 12.0, 3.0, 0.0, -5.0])
def test_mix_noise_hits_the_snr_by_the_max_frame_energy_rule(
    speech: np.ndarray, noise: np.ndarray, snr_db: float
) -> None:
    mixed = mix_noise(speech, noise, snr_db, seed=7)
    assert mixed.dtype == np.int16
    assert mixed.size == speech.size
    assert int(np.max(np.abs(mixed.astype(np.int32)))) == 16384  # 0.5 of full scale
    # Recover the two gains from the output, then measure the SNR the way the rule defines it.
    segment = noise_segment(noise, speech.size, seed=7).astype(np.float64)
    basis = np.stack([speech.astype(np.float64), segment], axis=1)
    (g_speech, g_noise), *_ = np.linalg.lstsq(basis, mixed.astype(np.float64), rcond=None)
    measured = 10 * np.log10(
        max_frame_energy(g_speech * speech / 32768) / max_frame_energy(g_noise * segment / 32768)
    )
    assert measured == pytest.approx(snr_db, abs=0.1)
    # The whole-signal energy would have given a very different mix: the rule matters.
    whole = 10 * np.log10(
        np.sum((g_speech * speech.astype(np.float64)) ** 2) / np.sum((g_noise * segment) ** 2)
    )
    assert abs(whole - snr_db) > 1.0


def test_mix_noise_is_seeded(speech: np.ndarray, noise: np.ndarray) -> None:
    assert np.array_equal(mix_noise(speech, noise, 6, seed=1), mix_noise(speech, noise, 6, seed=1))
    assert not np.array_equal(mix_noise(speech, noise, 6, seed=1), mix_noise(speech, noise, 6, seed=2))


def test_short_signals_use_one_frame_and_short_noise_is_looped() -> None:
    short = np.arange(100, dtype=np.int16)
    assert max_frame_energy(short) == pytest.approx(float(np.sum((short / 32768.0) ** 2)))
    assert noise_segment(np.array([1, 2, 3], np.int16), 7, seed=0).size == 7
    assert FRAME == 2048


# --- sources ---------------------------------------------------------------------------------------------------


def test_file_source_yields_fixed_blocks_on_recording_time(tmp_path: Path) -> None:
    path = tmp_path / "in.wav"
    sox("-n", "-r", "24000", "-c", "1", "-b", "16", str(path), "synth", "0.51", "sine", "500")
    source = FileSource(path, block_ms=20, pad_seconds=0.1)
    assert isinstance(source, AudioSource)
    with source:
        chunks = list(source)
    assert all(c.samples.size == 320 and c.rate == 16000 for c in chunks)
    assert len(chunks) == 31  # 0.61 s in 20 ms blocks, the last one padded
    assert [c.start for c in chunks[:3]] == [0.0, 0.02, 0.04]
    assert chunks[-1].end == pytest.approx(0.62)
    assert not np.any(chunks[-1].samples)  # the padding is silence


def test_file_source_must_be_entered(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="must be entered"):
        list(FileSource(tmp_path / "x.wav"))


def test_stdin_source_reads_raw_pcm_from_a_pipe() -> None:
    sox_cmd = ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", "-",
               "synth", "0.5", "sine", "1000"]
    with subprocess.Popen(sox_cmd, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with StdinSource(proc.stdout, block_ms=30) as source:
            chunks = list(source)
    assert proc.returncode == 0
    assert len(chunks) == 17  # 8000 samples in blocks of 480
    assert chunks[5].start == pytest.approx(0.15)
    assert peak_frequency(np.concatenate([c.samples for c in chunks])) == pytest.approx(1000, abs=5)


def test_pcm_blocks_pad_the_last_block_and_drop_an_odd_byte() -> None:
    blocks = list(read_pcm_blocks(io.BytesIO(np.arange(5, dtype="<i2").tobytes() + b"\x01"), 2))
    assert [b.tolist() for b in blocks] == [[0, 1], [2, 3], [4, 0]]


def test_audio_chunk_is_frozen() -> None:
    chunk = AudioChunk(np.zeros(160, np.int16), 16000, 1.0)
    assert chunk.duration == 0.01 and chunk.end == pytest.approx(1.01)
    with pytest.raises(AttributeError):
        chunk.start = 2.0  # type: ignore[misc]


# --- sinks -----------------------------------------------------------------------------------------------------


def test_wav_recorder_places_replies_on_the_timeline(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    tone = np.full(8000, 1000, np.int16)  # 0.5 s
    recorder = WavRecorder(out)
    assert isinstance(recorder, AudioSink)
    with recorder:
        assert recorder.play(tone, 16000, at=1.0) == pytest.approx(1.5)
        assert recorder.play(np.full(4000, 3000, np.int16), 8000, at=3.0) == pytest.approx(3.5)
        recorder.advance(4.0)
        assert recorder.clock == 4.0
    samples = read_wav(out)
    assert samples.size == 64000
    assert not np.any(samples[:16000]) and not np.any(samples[24000:48000])
    assert np.all(samples[16000:24000] == 1000)
    assert np.all(samples[48100:55900] != 0)


def test_wav_recorder_stop_cuts_a_reply_short(tmp_path: Path) -> None:
    recorder = WavRecorder(tmp_path / "out.wav")
    recorder.play(np.full(16000, 500, np.int16), 16000, at=0.5)
    recorder.stop(at=1.0)
    samples = recorder.samples()
    assert samples.size == 16000
    assert np.all(samples[8000:] == 500)


def _run_isolated(code: str, env: dict[str, str]) -> dict[str, str]:
    """Run ``code`` in a fresh interpreter (PortAudio enumerates devices once per process); it prints JSON."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


_TRY_DEVICES = """
    import json
    from assistant.audio.devices import MicrophoneSource, SpeakerSink, list_devices
    result = {"list": list_devices()}
    for name, make in [("mic", MicrophoneSource), ("speaker", SpeakerSink)]:
        try:
            with make():
                result[name] = "opened"
        except Exception as exc:
            result[name] = type(exc).__module__ + "." + type(exc).__name__ + ": " + str(exc)
    print(json.dumps(result))
"""


def test_no_sound_card_gives_an_actionable_device_error() -> None:
    result = _run_isolated(_TRY_DEVICES, {})
    if "PortAudio sees no sound devices" not in result["list"]:
        pytest.skip("this machine has a sound device")
    assert result["mic"].startswith("assistant.errors.DeviceError: no input device found (PortAudio sees 0")
    assert "--input-device" in result["mic"] and "assistant chat" in result["mic"]
    assert result["speaker"].startswith("assistant.errors.DeviceError: no output device found")
    assert "--output FILE.wav" in result["speaker"]


def test_missing_portaudio_gives_an_actionable_device_error(tmp_path: Path) -> None:
    # The one fault not caused for real: a machine without libportaudio, where importing sounddevice raises OSError.
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    pythonpath = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    result = _run_isolated(_TRY_DEVICES, {"PYTHONPATH": pythonpath})
    for name in ("mic", "speaker", "list"):
        assert "PortAudio library is not installed" in result[name]
        assert "apt install libportaudio2" in result[name]
    assert result["mic"].startswith("assistant.errors.DeviceError")


def test_devices_in_this_process_raise_device_error_not_portaudio_error() -> None:
    try:
        import sounddevice

        has_input = any(d["max_input_channels"] > 0 for d in sounddevice.query_devices())
    except OSError:
        has_input = False
    if has_input:
        pytest.skip("this machine has a sound card")
    with pytest.raises(DeviceError, match="no input device found"):
        MicrophoneSource().__enter__()
    with pytest.raises(DeviceError, match="no output device found"):
        SpeakerSink().__enter__()


def test_devices_work_through_a_real_portaudio_stream(tmp_path: Path) -> None:
    # ALSA's null plugin is a device that accepts playback and records silence: the real stream code runs.
    (tmp_path / ".asoundrc").write_text('pcm.!default { type plug slave.pcm "null" }\n')
    code = """
        import json, numpy as np
        from assistant.audio.devices import MicrophoneSource, SpeakerSink
        from assistant.errors import DeviceError
        with MicrophoneSource(block_ms=30) as mic:
            chunks = []
            for chunk in mic:
                chunks.append(chunk)
                if len(chunks) == 5:
                    break
        with SpeakerSink() as speaker:
            before = speaker.clock
            end = speaker.play(np.zeros(800, np.int16), 8000)
            after = speaker.play(np.zeros(800, np.int16), 8000)
            speaker.wait()
        try:
            with MicrophoneSource(device="no such microphone"):
                pass
            bad = "opened"
        except DeviceError as exc:
            bad = str(exc)
        print(json.dumps({"sizes": [c.samples.size for c in chunks], "starts": [c.start for c in chunks],
                          "before": before, "end": end, "after": after, "bad": bad}))
    """
    result = _run_isolated(code, {"HOME": str(tmp_path)})
    if "PortAudio sees 0" in str(result.get("bad")):
        pytest.skip("no ALSA null plugin here")
    assert result["sizes"] == [480] * 5
    assert result["starts"] == pytest.approx([0.0, 0.03, 0.06, 0.09, 0.12])
    # Each play ends 0.1 s (800 samples at 8 kHz) after the later of now and the end of what is queued (wall clock:
    # on a loaded machine the clock may move a lot between the calls, so only lower bounds hold).
    assert result["end"] >= result["before"] + 0.1
    assert result["after"] >= result["end"] + 0.1 - 1e-9
    assert "no input device named like 'no such microphone'; choose one of:" in str(result["bad"])


def test_flac_and_ogg_are_read_through_ffmpeg(tmp_path):
    """Recordings come as FLAC too (the wake corpus): any container ffmpeg decodes is read, resampled to 16 kHz."""
    import shutil

    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    t = np.arange(22050) / 22050
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    src = write_wav(tmp_path / "tone.wav", tone, 22050)
    for ext in ("flac", "ogg"):
        out = tmp_path / f"tone.{ext}"
        subprocess.run(["sox", str(src), str(out)], check=True)
        samples = read_wav(out)
        assert abs(samples.size - 16000) < 400, ext
        assert 0.2 < np.abs(samples).max() / 32767 < 0.4, ext
