"""Noise suppression before the decoder: a Wiener filter whose noise spectrum comes from the utterance itself.

Whole utterances only (batch decoding): the noise power spectrum is the mean over the quietest frames of the
same recording, which in a recorded request are the pauses before, between and after the words. Each short-time
spectrum is then scaled by a Wiener gain computed from a decision-directed a-priori SNR (Ephraim and Malah,
1984), which smooths the gain over time and so avoids most "musical noise"; a gain floor keeps some of the
noise, because the acoustic model was trained on speech with a background, not on speech in a vacuum. The
filtered spectra are put back together by overlap-add with a square-root Hann window (exact reconstruction at
unit gain).

Only stationary noise (hum, fans, a running tap) is estimated well this way; clatter is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WienerConfig:
    """Settings of the noise-suppression filter."""

    frame: int = 512
    """Analysis frame, samples (32 ms at 16 kHz)."""
    quiet_share: float = 0.1
    """Share of the frames, the quietest by energy, whose mean power spectrum is the noise estimate (0..1)."""
    floor_db: float = -12.0
    """Lowest gain, dB (how much noise is left in: -inf would remove all of it, and hurt recognition)."""
    smoothing: float = 0.98
    """Weight of the previous frame's clean-speech estimate in the a-priori SNR (decision-directed, 0..1)."""
    oversubtract: float = 1.0
    """Factor on the noise estimate (above 1 removes more noise and more speech)."""


def suppress_noise(pcm: np.ndarray, config: WienerConfig | None = None) -> np.ndarray:
    """The utterance (int16) with its stationary background noise attenuated; same length and dtype."""
    c = config or WienerConfig()
    x = pcm.astype(np.float64)
    hop = c.frame // 2
    if len(x) < 4 * c.frame:
        return pcm
    window = np.sqrt(np.hanning(c.frame + 1)[:-1])
    padded = np.concatenate([np.zeros(hop), x, np.zeros(c.frame)])
    n = (len(padded) - c.frame) // hop + 1
    index = np.arange(c.frame)[None, :] + hop * np.arange(n)[:, None]
    spectra = np.fft.rfft(padded[index] * window, axis=1)
    power = np.abs(spectra) ** 2
    noise = noise_spectrum(power, c.quiet_share) * c.oversubtract
    gains = wiener_gains(power, noise, c.smoothing, 10 ** (c.floor_db / 20))
    frames = np.fft.irfft(spectra * gains, c.frame, axis=1) * window
    out = np.zeros(len(padded))
    np.add.at(out, index, frames)
    y = out[hop : hop + len(x)]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def noise_spectrum(power: np.ndarray, quiet_share: float) -> np.ndarray:
    """Mean power spectrum (per bin) of the quietest ``quiet_share`` of the frames (rows of ``power``)."""
    energy = power.sum(axis=1)
    count = max(1, int(round(quiet_share * len(energy))))
    quiet = np.argsort(energy)[:count]
    return np.maximum(power[quiet].mean(axis=0), 1e-10)


def wiener_gains(power: np.ndarray, noise: np.ndarray, smoothing: float, floor: float) -> np.ndarray:
    """Per frame and bin gains (0..1) from the decision-directed a-priori SNR."""
    gains = np.empty_like(power)
    posterior = power / noise
    previous = np.ones_like(noise)
    for t in range(len(power)):
        prior = smoothing * previous + (1 - smoothing) * np.maximum(posterior[t] - 1, 0.0)
        gain = np.maximum(prior / (1 + prior), floor)
        gains[t] = gain
        previous = gain**2 * posterior[t]
    return gains


__all__ = ["WienerConfig", "noise_spectrum", "suppress_noise", "wiener_gains"]
