"""Noise mixing at a chosen signal-to-noise ratio, exactly as the Picovoice speech-to-intent benchmark does it.

Take a segment of the noise as long as the speech at a seeded random offset; scale it by
``sqrt(E_speech / (E_noise * 10^(SNR/10)))`` where E is the largest energy (sum of squares) over 2048-sample frames
of each signal; add; peak-normalise the sum to 0.5 of full scale. Figures measured this way compare with theirs.
"""

from __future__ import annotations

import logging

import numpy as np

from assistant.audio.wav import to_float, to_int16
from assistant.errors import AudioError

log = logging.getLogger(__name__)

FRAME = 2048
"""Frame length for the energy measure, in samples."""
PEAK = 0.5
"""Peak of the mixed signal, as a fraction of full scale."""


def max_frame_energy(samples: np.ndarray, frame: int = FRAME) -> float:
    """The largest sum of squares over consecutive whole frames (the whole signal when shorter than one frame)."""
    x = to_float(samples)
    count = x.size // frame
    if count == 0:
        return float(np.sum(x**2))
    frames = x[: count * frame].reshape(count, frame)
    return float(np.max(np.sum(frames**2, axis=1)))


def noise_segment(noise: np.ndarray, length: int, seed: int | None) -> np.ndarray:
    """A ``length``-sample slice of the noise at a seeded random offset (the noise is looped if it is shorter)."""
    if noise.size == 0:
        raise AudioError("noise recording is empty")
    if noise.size < length:
        log.debug("noise (%d samples) shorter than speech (%d): looping it", noise.size, length)
        noise = np.resize(noise, length)
    rng = np.random.default_rng(seed)
    start = int(rng.integers(0, max(1, noise.size - length)))
    return noise[start : start + length]


def noise_scale(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> float:
    """The factor that puts ``noise`` at ``snr_db`` decibels below ``speech`` by the max-frame-energy rule."""
    e_noise = max_frame_energy(noise)
    if e_noise == 0.0:
        return 0.0
    return float(np.sqrt(max_frame_energy(speech) / (e_noise * 10.0 ** (snr_db / 10.0))))


def mix_noise(speech: np.ndarray, noise: np.ndarray, snr_db: float, seed: int | None) -> np.ndarray:
    """Speech (int16) with noise (int16) added at ``snr_db`` decibels, peak-normalised to 0.5 of full scale."""
    s = to_float(speech)
    n = to_float(noise_segment(np.asarray(noise), s.size, seed))
    mixed = s + noise_scale(s, n, snr_db) * n
    peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
    if peak == 0.0:
        return np.zeros(s.size, np.int16)
    return to_int16(mixed * (PEAK / peak))
