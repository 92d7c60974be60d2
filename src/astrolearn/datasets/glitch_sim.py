"""Seeded simulator of LIGO glitch morphologies injected into Advanced-LIGO-coloured noise.

:func:`simulate_glitches` returns strain segments (float32, one row per example) holding one
transient noise artefact ("glitch") of a chosen class, injected at a drawn optimal SNR into
stationary Gaussian noise whose one-sided PSD is an analytic Advanced-LIGO design curve, and a
truth table (label, SNR, peak time, peak frequency, duration, per-example seed). It is the
offline default data of the glitch-classification task (issue #7: demo, tests, benchmark); the
Q-transform views and the CNNs are built elsewhere.

Why it is written by hand
-------------------------
The field's glitch data are the Gravity Spy images of real LIGO glitches (Zevin et al. 2017;
Bahaadini et al. 2018; Glanzer et al. 2023), which are images, not strain, and need network
access; LALSuite/PyCBC/gwpy provide noise curves and CBC waveforms but no glitch models, and
are heavy compiled dependencies. Generic burst families (sine-Gaussians, as in
``pycbc.waveform`` or the "gengli" GAN of Lopez et al. 2022, which needs trained weights) do
not cover the scattered-light arches, lines and chirps. So each class below is a short,
numpy-only parametric model of the time-frequency morphology the literature describes, with
its parameters drawn from the ranges given there.

Noise model
-----------
One-sided PSD: the analytic fit to the Advanced-LIGO zero-detuned high-power design curve of
Ajith (2011, Phys. Rev. D 84, 084037, eq. 4.7; also used in Ajith et al. 2011 and in the
"aLIGO" analytic fits of LALSimulation's noise-PSD module),

    S(f) = 1e-49 [x^-4.14 - 5 x^-2 + 111 (1 - x^2 + x^4 / 2) / (1 + x^2 / 2)]  1/Hz,
    x = f / 215 Hz,

valid above the 10 Hz low-frequency cut-off (the seismic wall is not modelled: below 10 Hz,
and at f = 0, the PSD is held at its 10 Hz value so that the noise stays finite). Its minimum
is ~ 3e-48 /Hz (ASD ~ 1.8e-24 /sqrt(Hz)) near 220 Hz. Noise is made in the frequency domain:
unit white Gaussian noise (one-sided PSD 2 / fs) is Fourier transformed, multiplied by
sqrt(S(f) fs / 2) and transformed back, so its expected PSD is exactly S(f) on the FFT grid
(the segment is circular, which is harmless for stationary noise).

SNR
---
Two definitions, chosen with ``snr_kind``:

* ``"tile"`` (default): the SNR of the glitch's loudest Q-transform tile in the whitened data
  (:func:`peak_tile_snr`), which is what Omicron reports for a trigger and what the Gravity
  Spy papers cut on (SNR > 7.5; Zevin et al. 2017, Robinet et al. 2020). With it, an SNR
  means the same for every class as in the Gravity Spy catalogues.
* ``"optimal"``: the optimal (matched-filter) SNR of the whole glitch,

      rho^2 = 4 sum_k |h(f_k)|^2 / S(f_k) df,   h(f) = dt * FFT(h)[k],   df = fs / N,

  summed over 10 Hz <= f_k < fs / 2 (:func:`inject`).

The two agree for glitches that fit one tile and differ by up to six times for long
narrow-band ones, whose energy is spread over many tiles. Median tile/optimal ratio of 30
draws per class (12-s segments, seed 0): Tomte 0.96, Blip 0.88, Low_Frequency_Burst 0.84,
Koi_Fish 0.65, Chirp 0.60, Whistle 0.54, Scattered_Light 0.48, Fast_Scattering 0.39,
Power_Line 0.25, Violin_Mode 0.17. A violin mode of optimal SNR 12 has a loudest tile at
SNR ~2: no Omicron trigger, and nothing a Q-transform image shows. The truth table keeps
both (``optimal_snr``, ``tile_snr``).

Per-example SNRs are drawn log-uniformly in ``snr_range`` (glitch SNRs follow a steep power
law, Zevin et al. 2017), except ``Koi_Fish``, drawn in the upper half of the range in log
(Koi fish are "louder blips", Zevin et al. 2017).

Classes and their shapes
------------------------
Times are relative to the glitch centre (t = 0: the middle of the glitch, or the end/peak of
``Chirp``); ``d`` is the drawn duration (``duration_s`` in the truth table). "Band pulse" is a
zero-phase band-limited impulse (flat spectrum between ``f1`` and ``f2`` with raised-cosine
edges), which a Q-transform shows as the triangular/teardrop tile pattern of short glitches.

* ``Blip`` - short (~10 ms) symmetric broadband teardrop, ~30-500 Hz (Zevin et al. 2017;
  Cabero et al. 2019, "blip glitches"): band pulse f1 ~ U(25, 45), f2 ~ U(250, 500) Hz under a
  Gaussian envelope sigma = d / 4, d ~ U(8, 30) ms; random sign.
* ``Koi_Fish`` - a louder, broader blip whose low-frequency "head" gives a fish shape (Zevin
  et al. 2017; Bahaadini et al. 2018): band pulse f1 ~ U(20, 35), f2 ~ U(600, 1200) Hz,
  sigma = d / 4, d ~ U(30, 120) ms, plus a sine-Gaussian head at U(20, 40) Hz (tau ~
  U(25, 50) ms) that carries U(25, 45) % of the whitened SNR^2.
* ``Whistle`` - fast V- or U-shaped frequency sweep from ~ kHz down to a few hundred Hz and back
  (radio-frequency beat notes, Nuttall et al. 2015; Zevin et al. 2017):
  f(t) = f_min + (f_max - f_min) |2 t / d|^p, f_min ~ U(250, 600) Hz, f_max ~ U(900, 1800) Hz
  (capped at 0.45 fs), p ~ U(1, 2.5) (V to U), d ~ U(0.1, 0.5) s, Tukey envelope.
* ``Scattered_Light`` - stacked arches below ~ 60 Hz lasting seconds, from light scattered off
  a surface moving with the microseism (Accadia et al. 2010, Class. Quantum Grav. 27, 194011;
  Longo et al. 2020; Soni et al. 2021): h(t) = sin(phi0 + (f_max / f_m) sin(2 pi f_m t)), so
  f(t) = f_max |cos(2 pi f_m t)|, arch period T = 1 / (2 f_m) ~ U(1.5, 3.0) s, f_max ~ U(25, 55) Hz,
  with a second-harmonic arch (2 f_max, amplitude U(0.2, 0.4)) half of the time; d ~ U(2, 6) s.
* ``Fast_Scattering`` - the same fringe model with short arches, T ~ U(0.2, 0.5) s and f_max ~
  U(20, 50) Hz (ground motion at 1-4 Hz; Soni et al. 2021, Mozzon et al. 2022), d ~ U(1, 3) s.
* ``Tomte`` - short, low-frequency triangular glitch, ~ 20-100 Hz (Zevin et al. 2017; Soni et al.
  2021): band pulse f1 ~ U(15, 25), f2 ~ U(60, 110) Hz, sigma = d / 4, d ~ U(80, 200) ms.
* ``Power_Line`` - burst of the 60 Hz mains line and its harmonics (Zevin et al. 2017):
  sum over k = 1..3 of a_k cos(2 pi k 60 (1 + eps) t + phi_k), a = (1, U(0.3, 0.6), U(0.1, 0.3)),
  eps ~ U(-1e-3, 1e-3), Tukey envelope (alpha 0.5), d ~ U(1.5, 5) s.
* ``Low_Frequency_Burst`` - hump-shaped excess below ~ 50 Hz lasting ~ 0.5-2 s (Zevin et al.
  2017): a tone whose frequency rises from f_lo ~ U(10, 15) Hz to f_hi ~ U(25, 45) Hz and back,
  f(t) = f_lo + (f_hi - f_lo) cos(pi t / d), plus band-limited noise 10 Hz-f_hi (0.5 of the
  amplitude), Hann envelope, d ~ U(0.5, 2) s.
* ``Chirp`` - compact-binary-like inspiral (Zevin et al. 2017 "Chirp" class; hardware
  injections): Newtonian chirp f(t) = 20 Hz (d / (t_c - t))^(3/8) from 20 Hz, amplitude
  proportional to f^(2/3) (Peters & Mathews 1963; Maggiore 2008 eq. 4.31), cut at f_cut ~
  U(150, 350) Hz (stands in for the merger; t = 0 there) with a 2-cycle taper; the time to
  coalescence from 20 Hz d ~ U(0.5, 3) s corresponds to chirp masses ~ 14-40 Msun.
* ``Violin_Mode`` - narrow lines of the suspension-fibre violin modes near 500 Hz and their
  harmonics (LIGO O1-O3 detector characterisation, Abbott et al. 2016 CQG 33, 134001; Zevin et
  al. 2017): 2-4 lines within +- 3 Hz of f1 ~ U(490, 515) Hz, harmonics 2 f1 and 3 f1 (amplitudes
  U(0.2, 0.4), U(0.05, 0.15), dropped above 0.45 fs), Tukey envelope, d ~ U(2, 6) s.
* ``No_Glitch`` - noise only (no injection; snr 0, peak_frequency NaN, duration 0).

Placement: the glitch centre lies at the segment centre plus U(-0.5, 0.5) s, moved inwards so
that the whole glitch fits the segment; durations are capped at 80 % of the segment.
``peak_frequency`` is where the whitened spectrum |h(f)|^2 / S(f) of the injected waveform
peaks (above 10 Hz), which is where a Q-transform of whitened data is brightest.

Memory: segments are float32 (strain ~ 1e-21 is well inside its range; its 7 significant
digits are far below the noise): 20 examples x 11 classes x 8 s x 4096 Hz is 29 MB; the
500-per-class benchmark at 8 s is 0.72 GB (use ``duration=4.0`` or several calls to halve it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "GLITCH_CLASSES",
    "SNR_KINDS",
    "aligo_psd",
    "coloured_noise",
    "glitch_waveform",
    "inject",
    "peak_tile_snr",
    "simulate_glitch_views",
    "simulate_glitches",
]

GLITCH_CLASSES: tuple[str, ...] = (
    "Blip",
    "Koi_Fish",
    "Whistle",
    "Scattered_Light",
    "Fast_Scattering",
    "Tomte",
    "Power_Line",
    "Low_Frequency_Burst",
    "Chirp",
    "Violin_Mode",
    "No_Glitch",
)

SNR_KINDS: tuple[str, ...] = ("tile", "optimal")
F_LOW = 10.0  # Hz, low-frequency cut-off of the design curve and of the SNR integral
_F0 = 215.0  # Hz, Ajith (2011) scale frequency
_DURATIONS: dict[str, tuple[float, float]] = {
    "Blip": (0.008, 0.03),
    "Koi_Fish": (0.03, 0.12),
    "Whistle": (0.1, 0.5),
    "Scattered_Light": (2.0, 6.0),
    "Fast_Scattering": (1.0, 3.0),
    "Tomte": (0.08, 0.2),
    "Power_Line": (1.5, 5.0),
    "Low_Frequency_Burst": (0.5, 2.0),
    "Chirp": (0.5, 3.0),
    "Violin_Mode": (2.0, 6.0),
    "No_Glitch": (0.0, 0.0),
}


# ----------------------------------------------------------------------------- noise
def aligo_psd(frequencies: np.ndarray | Sequence[float] | float) -> np.ndarray:
    """One-sided Advanced-LIGO design PSD (Ajith 2011 analytic zero-detuned high-power fit).

    Parameters
    ----------
    frequencies : array_like
        Frequencies in Hz (>= 0).

    Returns
    -------
    numpy.ndarray
        PSD in 1/Hz (float64, same shape); held at its 10 Hz value below 10 Hz.

    Examples
    --------
    >>> f"{float(np.sqrt(aligo_psd(215.0))):.2e}"
    '1.82e-24'
    """
    try:
        f = np.asarray(frequencies, dtype=np.float64)
    except (TypeError, ValueError):
        raise AstrolearnInputError("frequencies must be numbers", column="frequencies",
                                   fix="give frequencies in Hz") from None
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise AstrolearnInputError("frequencies must be finite and >= 0",
                                   column="frequencies", fix="give frequencies in Hz")
    x = np.maximum(f, F_LOW) / _F0
    x2 = x * x
    return 1e-49 * (x ** -4.14 - 5.0 / x2 + 111.0 * (1.0 - x2 + 0.5 * x2 * x2) / (1.0 + 0.5 * x2))


def _check_rate(sample_rate: object) -> float:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | float | np.number) \
            or not math.isfinite(float(sample_rate)) or not 256 <= float(sample_rate) <= 65536:
        raise AstrolearnInputError(f"sample_rate must be a number in [256, 65536] Hz, got "
                                   f"{sample_rate!r}", column="sample_rate",
                                   fix="give e.g. sample_rate=4096")
    return float(sample_rate)


def _check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise AstrolearnInputError(f"rng must be a numpy Generator, got {type(rng).__name__}",
                                   column="rng", fix="give rng=np.random.default_rng(seed)")
    return rng


def coloured_noise(duration: float, sample_rate: float = 4096, *,
                   rng: np.random.Generator) -> np.ndarray:
    """Stationary Gaussian strain noise with the :func:`aligo_psd` spectrum.

    Parameters
    ----------
    duration : float
        Length in seconds (the sample count is ``round(duration * sample_rate)``, >= 16).
    sample_rate : float, default 4096
        Samples per second.
    rng : numpy.random.Generator
        Random generator (the same state gives the same noise).

    Returns
    -------
    numpy.ndarray
        Strain, float64, shape ``(round(duration * sample_rate),)``.

    Examples
    --------
    >>> x = coloured_noise(1.0, rng=np.random.default_rng(0))
    >>> x.shape, bool(1e-23 < x.std() < 1e-20)
    ((4096,), True)
    """
    fs = _check_rate(sample_rate)
    rng = _check_rng(rng)
    if isinstance(duration, bool) or not isinstance(duration, int | float | np.number) \
            or not math.isfinite(float(duration)) or round(float(duration) * fs) < 16:
        raise AstrolearnInputError(f"duration must be a finite number of seconds giving at "
                                   f"least 16 samples, got {duration!r}", column="duration",
                                   fix="give e.g. duration=8.0")
    n = round(float(duration) * fs)
    white = rng.standard_normal(n)
    spec = np.fft.rfft(white)
    spec *= np.sqrt(aligo_psd(np.fft.rfftfreq(n, 1.0 / fs)) * fs / 2.0)
    return np.fft.irfft(spec, n)


# ------------------------------------------------------------------------- waveforms
def _optimal_snr(x: np.ndarray, fs: float, psd: np.ndarray | None = None) -> float:
    """sqrt(4 sum |h(f)|^2 / S(f) df) over 10 Hz <= f < fs/2 (``psd`` on the rfft grid)."""
    n = x.size
    f = np.fft.rfftfreq(n, 1.0 / fs)
    s = aligo_psd(f) if psd is None else psd
    keep = (f >= F_LOW) & (f < fs / 2.0)
    hf = np.fft.rfft(x)[keep] / fs
    return float(np.sqrt(4.0 * np.sum(np.abs(hf) ** 2 / s[keep]) * fs / n))


def peak_tile_snr(waveform: np.ndarray, sample_rate: float = 4096, *,
                  psd: Callable[[np.ndarray], np.ndarray] | None = None,
                  qrange: tuple[float, float] = (4.0, 64.0),
                  frange: tuple[float, float] = (F_LOW, math.inf),
                  mismatch: float = 0.2) -> float:
    """The SNR of the loudest Q-transform tile of a noise-free glitch (Omicron's SNR).

    Omicron (Robinet et al. 2020, SoftwareX 12, 100620), whose triggers Gravity Spy
    classifies, reports the SNR of a glitch's loudest tile in a multi-Q tiling of the whitened
    data, ``rho_tile = sqrt(2 Z)`` with ``Z`` the tile energy in units of its mean in
    Gaussian noise (Chatterjee 2005). For a short glitch that fits one tile this is close
    to the optimal SNR of :func:`inject` (a sine-Gaussian matched by a tile: the ratio is
    1 up to the tiling's mismatch); a long narrow-band glitch (a power line, a violin mode,
    scattered-light arches) spreads its energy over many tiles, so its loudest tile holds
    only a fraction: a 60-Hz line of optimal SNR 12 lasting 4 s has a tile SNR near 3.

    The tiles are gwpy's (:class:`gwpy.signal.qtransform.QTiling` with the same ``qrange``,
    ``frange`` and ``mismatch`` as :func:`astrolearn.glitches.qtransform.qtransform_views`);
    the glitch is whitened by ``psd`` (default :func:`aligo_psd`) and zero-padded by 1 s
    each side. Rows whose whole band holds too little energy to beat the loudest tile found
    so far are skipped (the Cauchy-Schwarz bound), so long glitches cost tens of ms.

    Parameters
    ----------
    waveform : array_like, 1-D
        The glitch in strain (its scale sets the SNR).
    sample_rate : float, default 4096
    psd : callable, optional
        One-sided PSD as a function of frequency (default :func:`aligo_psd`).
    qrange, frange, mismatch
        The tiling.

    Returns
    -------
    float

    Examples
    --------
    >>> t, h = glitch_waveform("Power_Line", rng=np.random.default_rng(0), duration=4.0)
    >>> x = inject(np.zeros(h.size), h, 0, 12.0, aligo_psd, 4096)
    >>> bool(peak_tile_snr(x) < 6)
    True
    """
    fs = _check_rate(sample_rate)
    h = _as_1d(waveform, "waveform")
    psd = aligo_psd if psd is None else psd
    pad = round(fs)
    n = int(math.ceil((h.size + 2 * pad) / fs) * fs)
    x = np.zeros(n)
    x[pad:pad + h.size] = h
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spectrum = np.fft.rfft(x) / np.sqrt(psd(f) * fs / 2.0)  # whitened: noise -> unit white
    spectrum[f < F_LOW] = 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(np.abs(spectrum) ** 2)])
    tiles, lo, hi = _tiling(n, fs, tuple(qrange), tuple(frange), float(mismatch))
    # sum |W|^2 / n over a row's band bounds its Z (Cauchy-Schwarz)
    bounds = np.where(hi > lo, (cumulative[hi] - cumulative[lo]) / n, 0.0)
    best = 0.0
    for k in np.argsort(bounds)[::-1]:
        if bounds[k] <= best:
            break
        tile = tiles[k]
        idx = tile.get_data_indices()
        inside = (idx >= 0) & (idx < spectrum.size)
        window = tile.get_window()
        windowed = np.where(inside, spectrum[np.clip(idx, 0, spectrum.size - 1)], 0) * window
        series = np.fft.ifft(np.fft.ifftshift(np.pad(windowed, tile.padding)))
        noise_energy = n * np.sum(window ** 2) / series.size ** 2
        best = max(best, float(np.max(np.abs(series) ** 2)) / noise_energy)
    return math.sqrt(2.0 * best)


@functools.lru_cache(maxsize=32)
def _tiling(n: int, fs: float, qrange: tuple[float, float], frange: tuple[float, float],
            mismatch: float) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """gwpy's tiles of ``n`` samples, and the rfft bins each row spans (``lo:hi``).

    Glitch segments are whole seconds long, so a simulation reuses a few tilings.
    """
    from gwpy.signal.qtransform import QTiling

    tiles = [tile for plane in QTiling(n / fs, fs, qrange=qrange, frange=frange,
                                       mismatch=mismatch) for tile in plane]
    n_bins = n // 2 + 1
    ends = np.array([(int(t.get_data_indices()[0]), int(t.get_data_indices()[-1]))
                     for t in tiles])
    return tiles, np.maximum(ends[:, 0], 0), np.minimum(ends[:, 1] + 1, n_bins)


def _band_pulse(n: int, centre: int, fs: float, f1: float, f2: float) -> np.ndarray:
    """Zero-phase band-limited impulse centred at sample ``centre``, peak 1."""
    f = np.fft.rfftfreq(n, 1.0 / fs)
    f2 = min(f2, 0.45 * fs)
    lo_w, hi_w = 0.4 * f1, 0.25 * f2
    amp = np.ones_like(f)
    low = f < f1
    amp[low] = 0.5 * (1 + np.cos(np.pi * np.clip((f1 - f[low]) / lo_w, 0, 1)))
    high = f > f2
    amp[high] = 0.5 * (1 + np.cos(np.pi * np.clip((f[high] - f2) / hi_w, 0, 1)))
    pulse = np.roll(np.fft.irfft(amp, n), centre)
    return pulse / np.max(np.abs(pulse))


def _tukey(n: int, alpha: float) -> np.ndarray:
    if n < 2:
        return np.ones(n)
    x = np.linspace(0.0, 1.0, n)
    w = np.ones(n)
    edge = alpha / 2.0
    if edge > 0:
        lo = x < edge
        w[lo] = 0.5 * (1 - np.cos(np.pi * x[lo] / edge))
        hi = x > 1 - edge
        w[hi] = 0.5 * (1 - np.cos(np.pi * (1 - x[hi]) / edge))
    return w


def _support_window(t: np.ndarray, d: float, alpha: float) -> np.ndarray:
    """Tukey window over |t| <= d/2, zero outside."""
    w = np.zeros_like(t)
    inside = np.abs(t) <= d / 2
    w[inside] = _tukey(int(inside.sum()), alpha)
    return w


def _grid(fs: float, left: float, right: float) -> tuple[np.ndarray, int]:
    i0 = math.ceil(left * fs)
    i1 = math.ceil(right * fs)
    idx = np.arange(-i0, i1 + 1)
    return idx / fs, i0


def _arches(t: np.ndarray, rng: np.random.Generator, period: float, f_max: float) -> np.ndarray:
    f_m = 1.0 / (2.0 * period)
    return np.sin(rng.uniform(0, 2 * np.pi) + (f_max / f_m) * np.sin(2 * np.pi * f_m * t))


def _make(kind: str, fs: float, rng: np.random.Generator, d: float) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    u = rng.uniform
    nyq_cap = 0.45 * fs
    if kind in ("Blip", "Koi_Fish", "Tomte"):
        sigma = d / 4.0
        t, c = _grid(fs, 3 * sigma + 0.2, 3 * sigma + 0.2)
        if kind == "Blip":
            f1, f2 = u(25, 45), u(250, 500)
        elif kind == "Koi_Fish":
            f1, f2 = u(20, 35), u(600, 1200)
        else:
            f1, f2 = u(15, 25), u(60, 110)
        h = _band_pulse(t.size, c, fs, f1, f2) * np.exp(-0.5 * (t / sigma) ** 2)
        if kind == "Koi_Fish":
            tau = u(0.025, 0.05)
            head = np.exp(-0.5 * (t / tau) ** 2) * np.cos(2 * np.pi * u(20, 40) * t
                                                             + u(0, 2 * np.pi))
            frac = u(0.25, 0.45)
            # head carries `frac` of the whitened SNR^2 (components nearly orthogonal)
            scale = np.sqrt(frac / (1 - frac)) * _optimal_snr(h, fs) / _optimal_snr(head, fs)
            h = h + scale * head
        h = h * rng.choice((-1.0, 1.0))
    elif kind == "Whistle":
        t, _ = _grid(fs, d / 2 + 0.02, d / 2 + 0.02)
        f_min = u(250, 600)
        f_max = min(u(900, 1800), nyq_cap)
        p = u(1.0, 2.5)
        freq = f_min + (f_max - f_min) * np.minimum(np.abs(2 * t / d), 1.0) ** p
        phase = 2 * np.pi * np.cumsum(freq) / fs + u(0, 2 * np.pi)
        h = _support_window(t, d, 0.3) * np.sin(phase)
    elif kind in ("Scattered_Light", "Fast_Scattering"):
        t, _ = _grid(fs, d / 2 + 0.02, d / 2 + 0.02)
        if kind == "Scattered_Light":
            period, f_max = u(1.5, 3.0), u(25, 55)
        else:
            period, f_max = u(0.2, 0.5), u(20, 50)
        h = _arches(t, rng, period, f_max)
        if kind == "Scattered_Light" and u() < 0.5:
            h = h + u(0.2, 0.4) * _arches(t, rng, period, 2 * f_max)
        h = _support_window(t, d, 0.2) * h
    elif kind == "Power_Line":
        t, _ = _grid(fs, d / 2 + 0.02, d / 2 + 0.02)
        f0 = 60.0 * (1 + u(-1e-3, 1e-3))
        amps = (1.0, u(0.3, 0.6), u(0.1, 0.3))
        h = sum(a * np.cos(2 * np.pi * k * f0 * t + u(0, 2 * np.pi))
                for k, a in enumerate(amps, start=1) if k * f0 < nyq_cap)
        h = _support_window(t, d, 0.5) * h
    elif kind == "Low_Frequency_Burst":
        t, _ = _grid(fs, d / 2 + 0.02, d / 2 + 0.02)
        f_lo, f_hi = u(10, 15), u(25, 45)
        freq = f_lo + (f_hi - f_lo) * np.cos(np.pi * np.clip(t / d, -0.5, 0.5))
        tone = np.sin(2 * np.pi * np.cumsum(freq) / fs + u(0, 2 * np.pi))
        spec = np.fft.rfft(rng.standard_normal(t.size))
        fr = np.fft.rfftfreq(t.size, 1.0 / fs)
        spec[(fr < F_LOW) | (fr > f_hi)] = 0.0
        noise = np.fft.irfft(spec, t.size)
        noise /= max(np.std(noise), 1e-300) * 2.0
        h = _support_window(t, d, 1.0) * (tone + noise)
    elif kind == "Chirp":
        f_start = 20.0
        f_cut = min(u(150, 350), nyq_cap)
        # t_c - t = d (f_start / f)^(8/3); the cut frequency is reached at t = 0
        t_cut = d * (f_start / f_cut) ** (8.0 / 3.0)  # time left to coalescence at the cut
        taper = 2.0 / f_cut
        t, _ = _grid(fs, d - t_cut + 0.02, taper + 0.02)
        tau = np.clip(t_cut - t, 1e-6, None)  # time to coalescence
        freq = np.where(t <= 0, f_start * (d / tau) ** (3.0 / 8.0), f_cut)
        freq = np.minimum(freq, f_cut)
        phase = 2 * np.pi * np.cumsum(freq) / fs + u(0, 2 * np.pi)
        amp = (freq / f_cut) ** (2.0 / 3.0)
        env = np.zeros_like(t)
        start = -(d - t_cut)
        on = (t >= start) & (t <= taper)
        env[on] = 1.0
        ramp_in = on & (t < start + 0.05)
        env[ramp_in] = 0.5 * (1 - np.cos(np.pi * (t[ramp_in] - start) / 0.05))
        ramp_out = on & (t > 0)
        env[ramp_out] = 0.5 * (1 + np.cos(np.pi * t[ramp_out] / taper))
        h = env * amp * np.sin(phase)
    elif kind == "Violin_Mode":
        t, _ = _grid(fs, d / 2 + 0.02, d / 2 + 0.02)
        f1 = u(490, 515)
        h = np.zeros_like(t)
        for _ in range(int(rng.integers(2, 5))):
            f = f1 + u(-3, 3)
            for k, a in ((1, 1.0), (2, u(0.2, 0.4)), (3, u(0.05, 0.15))):
                if k * f < nyq_cap:
                    h += a * u(0.5, 1.0) * np.cos(2 * np.pi * k * f * t + u(0, 2 * np.pi))
        h = _support_window(t, d, 0.4) * h
    else:  # No_Glitch
        t, _ = _grid(fs, 0.05, 0.05)
        h = np.zeros_like(t)
    peak = np.max(np.abs(h))
    return t, (h / peak if peak > 0 else h)


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in GLITCH_CLASSES:
        raise AstrolearnInputError(f"unknown glitch class {kind!r}", column="kind",
                                   fix=f"use one of {list(GLITCH_CLASSES)}")
    return kind


def glitch_waveform(kind: str, sample_rate: float = 4096, *, rng: np.random.Generator,
                    duration: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One noise-free glitch of a class, with parameters drawn as in the module docstring.

    Parameters
    ----------
    kind : str
        One of :data:`GLITCH_CLASSES`.
    sample_rate : float, default 4096
        Samples per second.
    rng : numpy.random.Generator
        Random generator for the shape parameters.
    duration : float, optional
        Duration ``d`` in seconds (default: drawn from the class range; ignored for
        ``No_Glitch``).

    Returns
    -------
    times_relative : numpy.ndarray
        Sample times in seconds relative to the glitch centre (0 is a sample; for ``Chirp``
        it is the end of the inspiral, where the amplitude peaks).
    waveform : numpy.ndarray
        Strain shape with peak |h| = 1 (all zeros for ``No_Glitch``); scale it with
        :func:`inject`.

    Examples
    --------
    >>> t, h = glitch_waveform("Blip", rng=np.random.default_rng(0))
    >>> float(np.max(np.abs(h))), bool(t[np.argmax(np.abs(h))] == 0.0)
    (1.0, True)
    """
    kind = _check_kind(kind)
    fs = _check_rate(sample_rate)
    rng = _check_rng(rng)
    if duration is None:
        lo, hi = _DURATIONS[kind]
        d = float(rng.uniform(lo, hi))
    else:
        if isinstance(duration, bool) or not isinstance(duration, int | float | np.number) \
                or not math.isfinite(float(duration)) or not 0 < float(duration) <= 600:
            raise AstrolearnInputError(f"duration must be in (0, 600] s, got {duration!r}",
                                       column="duration", fix="give e.g. duration=0.5 or None")
        d = float(duration)
    return _make(kind, fs, rng, d)


def _psd_on_grid(psd: object, n: int, fs: float) -> np.ndarray:
    m = n // 2 + 1
    if callable(psd):
        s = np.asarray(psd(np.fft.rfftfreq(n, 1.0 / fs)), dtype=np.float64)
    else:
        try:
            s = np.asarray(psd, dtype=np.float64)
        except (TypeError, ValueError):
            s = np.empty(0)
    if s.shape != (m,) or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise AstrolearnInputError(
            f"psd must be a callable of frequency or {m} finite positive values on "
            f"np.fft.rfftfreq(len(waveform), 1 / sample_rate)", column="psd",
            fix="give psd=aligo_psd")
    return s


def _as_1d(x: object, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"{name} must be numbers", column=name,
                                   fix=f"give {name} as a 1-D float array") from None
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise AstrolearnInputError(f"{name} must be a non-empty finite 1-D array",
                                   column=name, fix=f"give {name} as a 1-D float array")
    return a


def inject(noise: np.ndarray, waveform: np.ndarray, at_index: int, snr: float,
           psd: Callable[[np.ndarray], np.ndarray] | np.ndarray,
           sample_rate: float) -> np.ndarray:
    """Add ``waveform`` to a copy of ``noise``, scaled to an optimal SNR.

    The scale makes ``sqrt(4 sum |h(f)|^2 / S(f) df)`` (10 Hz to Nyquist, computed on the whole
    waveform) equal ``snr``; parts of the waveform falling outside ``noise`` are cut off.

    Parameters
    ----------
    noise : array_like, 1-D
        Strain to inject into (not modified).
    waveform : array_like, 1-D
        Glitch shape (any amplitude).
    at_index : int
        Index of ``noise`` where ``waveform[0]`` goes (may be negative).
    snr : float
        Optimal SNR (>= 0; 0 returns an unchanged copy).
    psd : callable or array_like
        One-sided PSD: a function of frequency such as :func:`aligo_psd`, or its values on
        ``np.fft.rfftfreq(len(waveform), 1 / sample_rate)``.
    sample_rate : float
        Samples per second.

    Returns
    -------
    numpy.ndarray
        The sum, with the dtype of ``noise`` when it is floating point (else float64).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t, h = glitch_waveform("Tomte", rng=rng)
    >>> x = inject(np.zeros(8192), h, 2000, 10.0, aligo_psd, 4096)
    >>> round(_optimal_snr(x, 4096.0), 3)
    10.0
    """
    fs = _check_rate(sample_rate)
    x = _as_1d(noise, "noise")
    h = _as_1d(waveform, "waveform")
    out_dtype = noise.dtype if isinstance(noise, np.ndarray) and \
        np.issubdtype(noise.dtype, np.floating) else np.float64
    if isinstance(at_index, bool) or not isinstance(at_index, int | np.integer):
        raise AstrolearnInputError(f"at_index must be an integer, got {at_index!r}",
                                   column="at_index", fix="give a sample index")
    if isinstance(snr, bool) or not isinstance(snr, int | float | np.number) \
            or not math.isfinite(float(snr)) or snr < 0:
        raise AstrolearnInputError(f"snr must be a finite number >= 0, got {snr!r}",
                                   column="snr", fix="give e.g. snr=20")
    s = _psd_on_grid(psd, h.size, fs)
    result = x.copy()
    if snr == 0:
        return result.astype(out_dtype)
    rho = _optimal_snr(h, fs, s)
    if not rho > 0:
        raise AstrolearnInputError("waveform has no power above 10 Hz, so it cannot be scaled "
                                   "to an SNR", column="waveform",
                                   fix="give a non-zero glitch, or snr=0")
    i0, i1 = int(at_index), int(at_index) + h.size
    a0, a1 = max(i0, 0), min(i1, x.size)
    if a0 >= a1:
        raise AstrolearnInputError(f"waveform placed at {at_index} does not overlap the "
                                   f"{x.size} noise samples", column="at_index",
                                   fix="give an index inside the noise")
    result[a0:a1] += h[a0 - i0:a1 - i0] * (float(snr) / rho)
    return result.astype(out_dtype)


# ------------------------------------------------------------------------ simulation
def _sample_seed(seed: int, label: str, i: int) -> int:
    ss = np.random.SeedSequence([int(seed), GLITCH_CLASSES.index(label), int(i)])
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _peak_frequency(h: np.ndarray, fs: float) -> float:
    f = np.fft.rfftfreq(h.size, 1.0 / fs)
    w = np.abs(np.fft.rfft(h)) ** 2 / aligo_psd(f)
    w[f < F_LOW] = 0.0
    return float(f[int(np.argmax(w))])


def simulate_glitches(
    n_per_class: int,
    *,
    classes: Sequence[str] = GLITCH_CLASSES,
    snr_range: tuple[float, float] = (8, 40),
    duration: float = 8.0,
    sample_rate: float = 4096,
    seed: int = 0,
    snr_kind: str = "tile",
) -> tuple[np.ndarray, pd.DataFrame]:
    """Simulate strain segments holding one glitch each, with their truth table.

    Shapes, noise, SNR definition and literature: see the module docstring of
    :mod:`astrolearn.datasets.glitch_sim`. Example ``i`` of class ``c`` depends only on
    ``(seed, c, i)`` (its own seed is in the ``seed`` column), not on the other classes.

    Parameters
    ----------
    n_per_class : int
        Examples per class (>= 1).
    classes : sequence of str, default GLITCH_CLASSES
        Classes to simulate (distinct names among :data:`GLITCH_CLASSES`).
    snr_range : (float, float), default (8, 40)
        Low and high SNR (0 < low <= high); drawn log-uniformly.
    duration : float, default 8.0
        Seconds of strain per example (1-64); long glitches are capped at 80 % of it.
    sample_rate : float, default 4096
        Samples per second.
    seed : int, default 0
        Seed; the same arguments give the same output.
    snr_kind : {"tile", "optimal"}, default "tile"
        What ``snr_range`` means: the SNR of the loudest Q-transform tile, as Omicron and
        Gravity Spy report it, or the optimal SNR of the whole glitch (module docstring).

    Returns
    -------
    strain : numpy.ndarray
        float32, shape ``(n_per_class * len(classes), round(duration * sample_rate))``, rows
        grouped by class in the order of ``classes``.
    truth : pandas.DataFrame
        One row per segment: ``label``, ``snr`` (the drawn SNR, of ``snr_kind``; 0 for
        No_Glitch), ``optimal_snr`` and ``tile_snr`` (both definitions), ``peak_time`` (s from the
        segment start of the glitch centre, t = 0 of :func:`glitch_waveform`),
        ``peak_frequency`` (Hz, peak of the whitened spectrum; NaN for No_Glitch),
        ``duration_s`` (drawn duration ``d``; 0 for No_Glitch), ``seed`` (per example: the
        noise of the example is the first draw of ``np.random.default_rng(seed)``, i.e.
        ``coloured_noise(duration, sample_rate, rng=np.random.default_rng(seed))``).

    Raises
    ------
    astrolearn.errors.AstrolearnInputError
        For unknown or repeated classes, ``n_per_class < 1``, a bad ``snr_range``,
        ``duration``, ``sample_rate`` or ``snr_kind``, or a negative seed.

    Examples
    --------
    >>> x, truth = simulate_glitches(1, classes=["Blip", "No_Glitch"], duration=2.0)
    >>> x.shape, x.dtype.name, list(truth["label"])
    ((2, 8192), 'float32', ['Blip', 'No_Glitch'])
    """
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, int | np.integer) \
            or n_per_class < 1:
        raise AstrolearnInputError(f"n_per_class must be an integer >= 1, got {n_per_class!r}",
                                   column="n_per_class", fix="give e.g. n_per_class=20")
    if isinstance(classes, str):
        classes = [classes]
    try:
        names = list(classes)
    except TypeError:
        raise AstrolearnInputError("classes must be a sequence of class names",
                                   column="classes",
                                   fix=f"use names among {list(GLITCH_CLASSES)}") from None
    if not names:
        raise AstrolearnInputError("no classes given", column="classes",
                                   fix=f"use names among {list(GLITCH_CLASSES)}")
    for name in names:
        _check_kind(name)
    if len(set(names)) != len(names):
        raise AstrolearnInputError(f"class names repeat: {names!r}", column="classes",
                                   fix="give each class once")
    try:
        lo_snr, hi_snr = (float(v) for v in snr_range)
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"snr_range must be two numbers, got {snr_range!r}",
                                   column="snr_range", fix="give e.g. snr_range=(8, 40)") from None
    if not (math.isfinite(lo_snr) and math.isfinite(hi_snr) and 0 < lo_snr <= hi_snr):
        raise AstrolearnInputError(f"snr_range must satisfy 0 < low <= high, got {snr_range!r}",
                                   column="snr_range", fix="give e.g. snr_range=(8, 40)")
    if isinstance(duration, bool) or not isinstance(duration, int | float | np.number) \
            or not 1.0 <= float(duration) <= 64.0:
        raise AstrolearnInputError(f"duration must be in [1, 64] s, got {duration!r}",
                                   column="duration", fix="give e.g. duration=8.0")
    fs = _check_rate(sample_rate)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise AstrolearnInputError(f"seed must be an integer >= 0, got {seed!r}", column="seed",
                                   fix="give e.g. seed=0")
    if snr_kind not in SNR_KINDS:
        raise AstrolearnInputError(f"snr_kind must be one of {SNR_KINDS}, got {snr_kind!r}",
                                   column="snr_kind", fix="use 'tile' (Omicron's SNR)")
    seg = float(duration)
    n_samp = round(seg * fs)
    strain = np.empty((len(names) * int(n_per_class), n_samp), dtype=np.float32)
    rows = []
    log_lo, log_hi = math.log(lo_snr), math.log(hi_snr)
    for ci, label in enumerate(names):
        for i in range(int(n_per_class)):
            s_i = _sample_seed(int(seed), label, i)
            rng = np.random.default_rng(s_i)
            noise = coloured_noise(seg, fs, rng=rng)
            k = ci * int(n_per_class) + i
            jitter = rng.uniform(-0.5, 0.5)
            if label == "No_Glitch":
                strain[k] = noise
                centre_idx = round((seg / 2 + jitter) * fs)
                rows.append((label, 0.0, 0.0, 0.0, centre_idx / fs, float("nan"), 0.0, s_i))
                continue
            lo_d, hi_d = _DURATIONS[label]
            d = min(rng.uniform(lo_d, hi_d), 0.8 * seg)
            t, h = glitch_waveform(label, fs, rng=rng, duration=d)
            lo_log = 0.5 * (log_lo + log_hi) if label == "Koi_Fish" else log_lo
            snr = math.exp(rng.uniform(lo_log, log_hi))
            i_zero = int(np.argmin(np.abs(t)))
            left, right = i_zero, t.size - 1 - i_zero  # samples before / after t = 0
            margin = round(0.01 * fs)
            c_lo, c_hi = left + margin, n_samp - 1 - right - margin
            centre_idx = round((seg / 2 + jitter) * fs)
            if c_lo <= c_hi:
                centre_idx = min(max(centre_idx, c_lo), c_hi)
            # the tile SNR scales with the amplitude: that of the glitch at optimal SNR 1
            unit_tile = peak_tile_snr(h / _optimal_snr(h, fs), fs)
            optimal = snr / unit_tile if snr_kind == "tile" else snr
            strain[k] = inject(noise, h, centre_idx - i_zero, optimal, aligo_psd, fs)
            rows.append((label, snr, optimal, optimal * unit_tile, centre_idx / fs,
                         _peak_frequency(h, fs), d, s_i))
    truth = pd.DataFrame(rows, columns=["label", "snr", "optimal_snr", "tile_snr", "peak_time",
                                        "peak_frequency", "duration_s", "seed"])
    truth["seed"] = truth["seed"].astype(np.int64)
    return strain, truth


def simulate_glitch_views(
    n_per_class: int,
    *,
    classes: Sequence[str] = GLITCH_CLASSES,
    snr_range: tuple[float, float] = (8, 40),
    shape: tuple[int, int] = (64, 64),
    seed: int = 0,
    n_jobs: int = 1,
    snr_kind: str = "tile",
) -> tuple[np.ndarray, pd.DataFrame]:
    """Simulated glitches as Gravity Spy views: strain from :func:`simulate_glitches`, then
    :func:`astrolearn.glitches.qtransform.qtransform_views` around each glitch's peak.

    Each example is a 12-s segment; the segments of a class are laid end to end as one
    series (the noise of each is stationary with the same PSD), whitened once, and scanned
    with the four Gravity Spy windows (0.5, 1, 2, 4 s; 8 s of data per scan) at the true peak
    time, as an Omicron trigger would give it. Classes are simulated one at a time, so memory
    stays at one class of strain. The result does not depend on ``n_jobs``, and the strain of
    each example is the one ``simulate_glitches(..., duration=12.0, seed=seed)`` gives.

    Parameters
    ----------
    n_per_class, classes, snr_range, seed, snr_kind
        As for :func:`simulate_glitches`.
    shape : (n_freq, n_time), default (64, 64)
        Image size of each view.
    n_jobs : int, default 1
        Worker processes for the Q scans (-1: all cores).

    Returns
    -------
    views : numpy.ndarray
        float32, shape ``(n_per_class * len(classes), 4, n_freq, n_time)``.
    truth : pandas.DataFrame
        The truth table of :func:`simulate_glitches`, one row per view.

    Examples
    --------
    >>> views, truth = simulate_glitch_views(1, classes=["Blip"], shape=(16, 16))
    >>> views.shape, list(truth["label"])
    ((1, 4, 16, 16), ['Blip'])
    """
    from astrolearn.glitches.qtransform import qtransform_views

    if isinstance(classes, str):
        classes = [classes]
    duration, rate = 12.0, 4096
    views, truths = [], []
    for label in classes:
        strain, truth = simulate_glitches(n_per_class, classes=[label], snr_range=snr_range,
                                          duration=duration, sample_rate=rate, seed=seed,
                                          snr_kind=snr_kind)
        times = duration * np.arange(len(truth)) + truth["peak_time"].to_numpy()
        views.append(qtransform_views(strain.reshape(-1), times, shape=shape,
                                      sample_rate=rate, n_jobs=n_jobs))
        truths.append(truth)
    return np.concatenate(views), pd.concat(truths, ignore_index=True)
