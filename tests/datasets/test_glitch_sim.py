"""Tests of the LIGO glitch simulator (astrolearn.datasets.glitch_sim)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.signal import hilbert, welch

from astrolearn.datasets.glitch_sim import (
    GLITCH_CLASSES,
    aligo_psd,
    coloured_noise,
    glitch_waveform,
    inject,
    peak_tile_snr,
    simulate_glitch_views,
    simulate_glitches,
)
from astrolearn.errors import AstrolearnInputError

FS = 4096.0

# Documented frequency band holding >= 90 % of the (unwhitened) waveform power, and the range
# of the time span holding the central 90 % of its energy (s), per class.
BANDS = {
    "Blip": (20.0, 600.0),
    "Koi_Fish": (12.0, 1500.0),
    "Whistle": (200.0, 2000.0),
    "Scattered_Light": (0.0, 120.0),
    "Fast_Scattering": (0.0, 60.0),
    "Tomte": (10.0, 130.0),
    "Power_Line": (55.0, 190.0),
    "Low_Frequency_Burst": (5.0, 50.0),
    "Chirp": (18.0, 360.0),
    "Violin_Mode": (480.0, 1560.0),
}
SPANS = {
    "Blip": (0.0, 0.03),
    "Koi_Fish": (0.01, 0.2),
    "Whistle": (0.05, 0.5),
    "Scattered_Light": (1.2, 6.0),
    "Fast_Scattering": (0.6, 3.0),
    "Tomte": (0.005, 0.2),
    "Power_Line": (0.8, 5.0),
    "Low_Frequency_Burst": (0.2, 2.0),
    "Chirp": (0.3, 3.0),
    "Violin_Mode": (1.0, 6.0),
}


def _snr(x: np.ndarray, fs: float = FS) -> float:
    """Optimal SNR from the whitened data: whiten by 1/ASD, then Parseval."""
    n = x.size
    f = np.fft.rfftfreq(n, 1 / fs)
    white = np.fft.rfft(x) / fs / np.sqrt(aligo_psd(f))
    keep = (f >= 10) & (f < fs / 2)
    return float(np.sqrt(4 * np.sum(np.abs(white[keep]) ** 2) * fs / n))


@pytest.fixture(scope="module")
def sim() -> tuple[np.ndarray, pd.DataFrame]:
    return simulate_glitches(3, duration=8.0, seed=5)


# ---------------------------------------------------------------------------- structure
def test_shapes_dtypes_and_truth(sim):
    x, truth = sim
    assert len(GLITCH_CLASSES) == 11 and len(set(GLITCH_CLASSES)) == 11
    assert x.shape == (33, 8 * 4096) and x.dtype == np.float32
    assert np.all(np.isfinite(x))
    assert list(truth.columns) == ["label", "snr", "optimal_snr", "tile_snr", "peak_time",
                                   "peak_frequency", "duration_s", "seed"]
    # the default snr_kind is Omicron's: the drawn SNR is the loudest tile's
    np.testing.assert_allclose(truth["snr"], truth["tile_snr"], rtol=1e-9)
    assert truth["seed"].dtype == np.int64
    assert list(truth["label"]) == [c for c in GLITCH_CLASSES for _ in range(3)]
    g = truth[truth["label"] != "No_Glitch"]
    assert g["snr"].between(8, 40).all()
    assert (truth.loc[truth["label"] == "Koi_Fish", "snr"] >= np.sqrt(8 * 40) - 1e-9).all()
    assert g["peak_time"].between(0, 8).all() and g["peak_frequency"].between(10, 2048).all()
    for label, (lo, hi) in BANDS.items():
        pf = truth.loc[truth["label"] == label, "peak_frequency"]
        assert pf.between(max(lo, 10), hi).all(), (label, pf.tolist())
    # strain scale: aLIGO noise is ~1e-22..1e-21 rms
    assert 1e-23 < float(np.std(x[-1])) < 1e-20


def test_determinism_and_class_independence(sim):
    x, truth = sim
    x2, truth2 = simulate_glitches(3, duration=8.0, seed=5)
    np.testing.assert_array_equal(x, x2)
    pd.testing.assert_frame_equal(truth, truth2)
    x3, _ = simulate_glitches(3, duration=8.0, seed=6)
    assert not np.array_equal(x, x3)
    # an example depends on (seed, class, index) only
    xs, ts = simulate_glitches(3, classes=["Chirp"], duration=8.0, seed=5)
    rows = np.flatnonzero(truth["label"] == "Chirp")
    np.testing.assert_array_equal(xs, x[rows])
    assert ts["seed"].tolist() == truth["seed"].iloc[rows].tolist()


def test_no_glitch_is_pure_noise_and_seed_regenerates_noise(sim):
    x, truth = sim
    for k in np.flatnonzero(truth["label"] == "No_Glitch"):
        noise = coloured_noise(8.0, 4096, rng=np.random.default_rng(int(truth["seed"][k])))
        np.testing.assert_array_equal(x[k], noise.astype(np.float32))
        assert truth["snr"][k] == 0 and np.isnan(truth["peak_frequency"][k])
    _, h = glitch_waveform("No_Glitch", rng=np.random.default_rng(0))
    assert not h.any()


def test_injected_snr_and_peak_time_recovered(sim):
    x, truth = sim
    for k in np.flatnonzero(truth["label"] != "No_Glitch"):
        noise = coloured_noise(8.0, 4096, rng=np.random.default_rng(int(truth["seed"][k])))
        glitch = x[k].astype(np.float64) - noise.astype(np.float32).astype(np.float64)
        assert _snr(glitch) == pytest.approx(truth["optimal_snr"][k], rel=0.05), truth.iloc[k]
        # (the tiles of an 8-s segment sit a little differently from the truth's: a few %)
        assert peak_tile_snr(glitch) == pytest.approx(truth["snr"][k], rel=0.05)
        if truth["label"][k] in ("Blip", "Tomte", "Koi_Fish"):
            t_peak = np.argmax(np.abs(glitch)) / FS
            assert abs(t_peak - truth["peak_time"][k]) < 0.02


def test_optimal_snr_kind_keeps_the_whole_glitch_snr():
    x, truth = simulate_glitches(2, classes=["Power_Line", "Tomte"], duration=8.0, seed=5,
                                 snr_kind="optimal")
    np.testing.assert_allclose(truth["snr"], truth["optimal_snr"], rtol=1e-9)
    for k in range(len(truth)):
        noise = coloured_noise(8.0, 4096, rng=np.random.default_rng(int(truth["seed"][k])))
        glitch = x[k].astype(np.float64) - noise.astype(np.float32).astype(np.float64)
        assert _snr(glitch) == pytest.approx(truth["snr"][k], rel=0.05)
    # a long line spreads its SNR over many tiles; a short Tomte fills about one
    ratio = truth["tile_snr"] / truth["optimal_snr"]
    assert (ratio[truth["label"] == "Power_Line"] < 0.5).all()
    assert ratio[truth["label"] == "Tomte"].between(0.85, 1.02).all()
    with pytest.raises(AstrolearnInputError, match="snr_kind"):
        simulate_glitches(1, snr_kind="omicron")


def test_peak_tile_snr_matches_gwpy_energies_over_white_noise():
    """Independent check: gwpy's own tiles, the signal's loudest energy over the noise's
    mean energy in the same row, Z, gives SNR sqrt(2 Z) (Chatterjee 2005). The noise is
    white with a flat amplitude spectrum (|FFT| = sqrt(n), random phases: unit variance per
    sample), whose row means are, by Parseval, exactly the expected noise energies."""
    from gwpy.segments import Segment
    from gwpy.signal.qtransform import QTiling
    from gwpy.timeseries import TimeSeries

    n = 8 * 4096
    f = np.fft.rfftfreq(n, 1 / FS)

    def whiten(x):
        spec = np.fft.rfft(x) / np.sqrt(aligo_psd(f) * FS / 2)
        spec[f < 10] = 0
        return np.fft.irfft(spec, n)

    def energies(w):
        fser = TimeSeries(w, t0=0, sample_rate=FS).fft()
        tiling = QTiling(8.0, FS, qrange=(4, 64), frange=(10, np.inf), mismatch=0.2)
        return [[np.asarray(row.value) for row in plane.transform(
            fser, norm=False, epoch=0, search=Segment(0, 8)).energies] for plane in tiling]

    phases = np.exp(2j * np.pi * np.random.default_rng(3).random(f.size))
    flat = np.fft.irfft(np.sqrt(n) * phases, n)
    noise = [[row.mean() for row in plane] for plane in energies(flat)]
    for kind, seed in [("Tomte", 1), ("Power_Line", 2), ("Whistle", 3)]:
        _, h = glitch_waveform(kind, rng=np.random.default_rng(seed))
        x = inject(np.zeros(n), h, n // 2 - h.size // 2, 20.0, aligo_psd, FS)
        z = max(float(row.max()) / m
                for plane, means in zip(energies(whiten(x)), noise, strict=True)
                for row, m in zip(plane, means, strict=True))
        assert peak_tile_snr(x) == pytest.approx(np.sqrt(2 * z), rel=0.01), kind


# ------------------------------------------------------------------------------- noise
def test_noise_psd_matches_aligo_by_welch():
    x = coloured_noise(64.0, 4096, rng=np.random.default_rng(1))
    assert x.shape == (64 * 4096,) and x.dtype == np.float64
    f, p = welch(x, fs=FS, nperseg=4096)
    edges = np.geomspace(20, 1000, 16)
    for lo, hi in itertools.pairwise(edges):
        sel = (f >= lo) & (f < hi)
        ratio = np.mean(p[sel] / aligo_psd(f[sel]))
        assert ratio == pytest.approx(1.0, abs=0.2), (lo, hi, ratio)
    # and the design curve itself: ASD minimum ~1.8e-24 near 200-250 Hz, rising both ways
    grid = np.linspace(10, 2000, 2000)
    asd = np.sqrt(aligo_psd(grid))
    assert 150 < grid[np.argmin(asd)] < 300 and 1.5e-24 < asd.min() < 2.5e-24
    assert asd[0] > 50 * asd.min() and asd[-1] > 5 * asd.min()


def test_inject_scales_to_snr_and_copies():
    rng = np.random.default_rng(2)
    _, h = glitch_waveform("Whistle", rng=rng)
    zeros = np.zeros(4 * 4096)
    out = inject(zeros, h, 5000, 20.0, aligo_psd, 4096)
    assert not zeros.any() and out is not zeros
    # SNR computed back on a different (longer) frequency grid from the whitened data
    assert _snr(out) == pytest.approx(20.0, rel=0.02)
    # psd given as an array on the waveform's rfft grid gives the same result
    arr = aligo_psd(np.fft.rfftfreq(h.size, 1 / FS))
    np.testing.assert_allclose(inject(zeros, h, 5000, 20.0, arr, 4096), out)
    # matched filter on noisy data: mean over realisations ~ the optimal SNR
    f = np.fft.rfftfreq(zeros.size, 1 / FS)
    keep = (f >= 10) & (f < FS / 2)
    s = aligo_psd(f)
    tmpl = np.fft.rfft(out) / FS
    norm = np.sqrt(4 * np.sum(np.abs(tmpl[keep]) ** 2 / s[keep]) * FS / zeros.size)
    vals = []
    for seed in range(12):
        noise = coloured_noise(4.0, 4096, rng=np.random.default_rng(100 + seed))
        d = np.fft.rfft(inject(noise, h, 5000, 20.0, aligo_psd, 4096)) / FS
        inner = 4 * np.real(np.sum(d[keep] * np.conj(tmpl[keep]) / s[keep])) * FS / zeros.size
        vals.append(inner / norm)
    assert np.mean(vals) == pytest.approx(20.0, rel=0.05)
    assert 0.4 < np.std(vals) < 2.0  # unit-variance noise in SNR units
    # float32 noise stays float32
    assert inject(zeros.astype(np.float32), h, 0, 5.0, aligo_psd, 4096).dtype == np.float32


# --------------------------------------------------------------------------- morphology
def _band_fraction(h: np.ndarray, lo: float, hi: float) -> float:
    p = np.abs(np.fft.rfft(h)) ** 2
    f = np.fft.rfftfreq(h.size, 1 / FS)
    return float(p[(f >= lo) & (f <= hi)].sum() / p.sum())


def _span90(t: np.ndarray, h: np.ndarray) -> float:
    e = np.cumsum(h ** 2) / np.sum(h ** 2)
    return float(t[np.searchsorted(e, 0.95)] - t[np.searchsorted(e, 0.05)])


@pytest.mark.parametrize("kind", list(BANDS))
def test_energy_in_documented_band_and_duration(kind):
    for seed in range(4):
        t, h = glitch_waveform(kind, rng=np.random.default_rng(seed))
        assert t.shape == h.shape and np.max(np.abs(h)) == pytest.approx(1.0)
        assert np.all(np.diff(t) > 0) and np.min(np.abs(t)) == 0.0
        lo, hi = BANDS[kind]
        assert _band_fraction(h, lo, hi) >= 0.9, (kind, seed)
        span_lo, span_hi = SPANS[kind]
        assert span_lo <= _span90(t, h) <= span_hi, (kind, seed, _span90(t, h))
    # the classes differ: a blip's band misses the scattered-light and violin bands
    _, blip = glitch_waveform("Blip", rng=np.random.default_rng(0))
    assert _band_fraction(blip, 480, 1560) < 0.2 and _band_fraction(blip, 0, 60) < 0.3


def test_chirp_frequency_increases_with_time():
    for seed in range(3):
        t, h = glitch_waveform("Chirp", rng=np.random.default_rng(seed), duration=2.0)
        live = np.abs(h) > 0
        zc = np.flatnonzero(np.diff(np.signbit(h[live]).astype(np.int8)) != 0)
        tz = t[live][zc]
        freq = 0.5 / np.diff(tz)  # half a cycle between zero crossings
        quarters = [np.median(q) for q in np.array_split(freq, 4)]
        assert all(b > a for a, b in itertools.pairwise(quarters)), quarters
        assert 15 < quarters[0] < 40 and quarters[-1] > 60 and freq[-5:].min() > 140
        # amplitude grows like f^(2/3): late cycles louder than early ones
        n = h.size
        assert np.abs(h[: n // 4]).max() < np.abs(h[3 * n // 4:]).max()


@pytest.mark.parametrize("kind, lags", [("Scattered_Light", (1.5, 3.0)),
                                        ("Fast_Scattering", (0.2, 0.5))])
def test_scattering_arches_are_periodic(kind, lags):
    for seed in range(3):
        _, h = glitch_waveform(kind, rng=np.random.default_rng(seed),
                               duration=4.0 if kind == "Fast_Scattering" else 12.0)
        f = np.fft.rfftfreq(h.size, 1 / FS)
        spec = np.fft.rfft(h)
        spec[f < 15] = 0  # only the arch tops lie above 15 Hz
        env = np.abs(hilbert(np.fft.irfft(spec, h.size)))
        step = int(FS * 0.01)
        env = env[: env.size // step * step].reshape(-1, step).mean(axis=1)  # 10 ms bins
        env = env - env.mean()
        ac = np.correlate(env, env, "full")[env.size - 1:]
        ac = ac / (env.size - np.arange(env.size))  # per overlapping bin (unbiased)
        ac /= ac[0]
        lag_bins = np.arange(ac.size) * 0.01
        window = (lag_bins >= lags[0] * 0.8) & (lag_bins <= lags[1] * 1.2)
        best = np.argmax(np.where(window, ac, -np.inf))
        assert ac[best] > 0.4, (kind, seed, ac[best])
        # and it is a real peak: the envelope is anti-correlated half a period away
        assert ac[best // 2] < ac[best] - 0.3


# ------------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("kwargs", [
    {"classes": ["Blip", "Tomato"]},
    {"classes": ["Blip", "Blip"]},
    {"classes": []},
    {"snr_range": (40, 8)},
    {"snr_range": (0, 8)},
    {"snr_range": (8, float("nan"))},
    {"duration": 0.2},
    {"sample_rate": 10},
    {"seed": -1},
    {"snr_kind": "peak"},
])
def test_bad_simulation_inputs_raise(kwargs):
    with pytest.raises(AstrolearnInputError):
        simulate_glitches(1, **kwargs)


@pytest.mark.parametrize("n", [0, -3, 1.5, True])
def test_bad_counts_raise(n):
    with pytest.raises(AstrolearnInputError, match="n_per_class"):
        simulate_glitches(n)


def test_bad_waveform_and_inject_inputs_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(AstrolearnInputError, match="unknown glitch class"):
        glitch_waveform("Scratchy", rng=rng)
    with pytest.raises(AstrolearnInputError):
        glitch_waveform("Blip", rng=0)
    with pytest.raises(AstrolearnInputError):
        glitch_waveform("Blip", rng=rng, duration=-1.0)
    with pytest.raises(AstrolearnInputError):
        coloured_noise(float("inf"), rng=rng)
    with pytest.raises(AstrolearnInputError):
        aligo_psd([-1.0, 10.0])
    _, h = glitch_waveform("Blip", rng=rng)
    noise = np.zeros(1000)
    for bad in [dict(snr=-1.0), dict(snr=float("nan")), dict(at_index=5000),
                dict(at_index=1.5), dict(psd=np.ones(3)), dict(waveform=np.zeros(0)),
                dict(noise=np.full(10, np.nan))]:
        args = dict(noise=noise, waveform=h, at_index=10, snr=5.0, psd=aligo_psd,
                    sample_rate=4096)
        args.update(bad)
        with pytest.raises(AstrolearnInputError):
            inject(**args)
    with pytest.raises(AstrolearnInputError, match="no power"):
        inject(noise, np.zeros(100), 0, 5.0, aligo_psd, 4096)
    assert not noise.any()


def test_simulate_glitch_views_centres_each_glitch():
    views, truth = simulate_glitch_views(2, classes=("Blip", "Power_Line"), shape=(32, 32),
                                         seed=4)
    again, truth2 = simulate_glitch_views(2, classes=("Blip", "Power_Line"), shape=(32, 32),
                                          seed=4, n_jobs=2)
    np.testing.assert_array_equal(views, again)
    pd.testing.assert_frame_equal(truth, truth2)
    _, direct = simulate_glitches(2, classes=("Blip", "Power_Line"), duration=12.0, seed=4)
    pd.testing.assert_frame_equal(truth, direct)
    assert views.shape == (4, 4, 32, 32) and views.dtype == np.float32
    # a Blip is brightest near the middle of its 0.5-s view; a power line fills all of time
    blip = views[0, 0]
    assert abs(int(np.unravel_index(blip.argmax(), blip.shape)[1]) - 15.5) <= 3
    line = views[2, 3]
    row = int(np.argmax(line.mean(axis=1)))
    assert (line[row] > 2.0).mean() > 0.8
