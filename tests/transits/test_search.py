"""Transit search: grids, BLS recovery of injected transits, multi-planet masking, harmonics."""

from __future__ import annotations

import math
import time as clock

import numpy as np
import pytest
from astropy.timeseries import BoxLeastSquares

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits import search as S
from astrolearn.transits.search import (
    Periodogram,
    TransitSignal,
    duration_grid,
    find_transits,
    period_grid,
    search_periods,
)

SIGMA = 1e-3


def _box(t, period, epoch, duration):
    return np.abs((t - epoch + 0.5 * period) % period - 0.5 * period) < 0.5 * duration


def _light_curve(seed=0, days=60.0, cadence=0.0204, planets=((4.321, 2.345, 0.2, 1.5e-3),)):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, days, cadence)
    f = 1.0 + rng.normal(0.0, SIGMA, t.size)
    for period, epoch, duration, depth in planets:
        f[_box(t, period, epoch, duration)] -= depth
    return t, f


def _epoch_offset(found, period, epoch):
    """Distance of a found epoch from the nearest true transit [days]."""
    return abs((found - epoch + 0.5 * period) % period - 0.5 * period)


# ------------------------------------------------------------------------------- grids
def test_period_grid_follows_the_baseline_rule():
    t = np.arange(0.0, 60.0, 0.02)
    baseline = t[-1] - t[0]
    grid = period_grid(t, min_period=0.5, oversample=3, min_duration=0.04)
    assert grid[0] == pytest.approx(0.5)
    assert grid[-1] == pytest.approx(baseline / 2)  # min_transits = 2
    assert np.all(np.diff(grid) > 0)
    # constant step in log frequency: d ln f = D_min / (oversample * baseline), rounded up
    steps = np.diff(np.log(1 / grid[::-1]))
    assert np.allclose(steps, steps[0])
    target = 0.04 / (3 * baseline)
    assert target * 0.999 <= steps[0] * (1 + 1e-9) and steps[0] <= target * (1 + 1e-9)
    assert grid.size == math.ceil(math.log(grid[-1] / grid[0]) / target) + 1
    # the step is a phase drift of D_min / oversample over the baseline at every frequency
    f = 1 / grid
    drift = baseline * np.diff(f[::-1]) / f[::-1][:-1]
    assert np.allclose(drift, 0.04 / 3, rtol=1e-3)
    # more transits required -> shorter longest period; more oversampling -> denser grid
    assert period_grid(t, min_transits=3)[-1] == pytest.approx(baseline / 3)
    assert period_grid(t, oversample=6).size == pytest.approx(2 * grid.size, rel=0.01)


def test_period_grid_cap_and_errors():
    t = np.arange(0.0, 60.0, 0.02)
    with pytest.warns(UserWarning, match="capped at 1000"):
        grid = period_grid(t, max_periods=1000)
    assert grid.size == 1000
    with pytest.raises(AstrolearnInputError, match="period range is empty"):
        period_grid(t, min_period=40.0)
    with pytest.raises(AstrolearnInputError, match="oversample"):
        period_grid(t, oversample=0)
    with pytest.raises(AstrolearnInputError, match="two finite times"):
        period_grid([1.0, np.nan])


def test_duration_grid_is_log_spaced_and_limited_by_period():
    grid = duration_grid()
    assert grid[0] == pytest.approx(0.04) and grid[-1] == pytest.approx(0.5)
    assert np.allclose(np.diff(np.log(grid)), np.log(grid[1] / grid[0]))
    short = duration_grid(1.0, max_duty=0.2)
    assert short.max() <= 0.2 and short.size < grid.size
    # a period too short for any duration keeps one, shortened to the duty limit
    tiny = duration_grid(0.1, max_duty=0.2)
    assert tiny.tolist() == [pytest.approx(0.02)]


# ---------------------------------------------------------------------------- one search
def test_injected_box_transit_is_recovered_with_analytic_snr():
    period, epoch, duration, depth = 4.321, 2.345, 0.2, 1.5e-3
    t, f = _light_curve(planets=((period, epoch, duration, depth),))
    original = f.copy()
    sig, pg = search_periods(t, f, np.full(t.size, SIGMA), min_period=1.0, max_period=10.0)
    assert np.array_equal(f, original)  # the caller's array is untouched
    assert abs(sig.period / period - 1) < 1e-3
    assert _epoch_offset(sig.epoch, period, epoch) < 0.25 * duration
    assert sig.epoch - t[0] < period  # the first transit with data
    assert sig.duration == pytest.approx(duration, rel=0.3)
    assert sig.depth == pytest.approx(depth, rel=0.15)
    # SNR = depth / depth_err, close to the analytic box value
    n_in = int(_box(t, period, epoch, duration).sum())
    analytic = depth / (SIGMA * math.sqrt(1 / n_in + 1 / (t.size - n_in)))
    assert sig.snr == pytest.approx(sig.depth / sig.depth_err)
    assert sig.snr == pytest.approx(analytic, rel=0.15)
    assert sig.n_transits == math.ceil((t[-1] - epoch) / period)  # every transit has data
    assert sig.odd_even_sigma < 3 and abs(sig.secondary_depth) < 4 * sig.secondary_depth_err
    assert sig.harmonic_delta_log_likelihood < 0  # a box, not a sinusoid
    assert isinstance(pg, Periodogram) and pg.period.shape == pg.power.shape == pg.sde.shape
    assert abs(pg.best_period / period - 1) < 5e-3 and pg.sde[pg.best] > 10
    row = sig.to_dict()
    assert row["period"] == sig.period and row["method"] == "bls"


def test_noise_estimate_without_errors_and_nan_gaps():
    period, epoch, duration, depth = 3.1, 0.8, 0.15, 2e-3
    t, f = _light_curve(seed=3, days=40.0, planets=((period, epoch, duration, depth),))
    f[100:300] = np.nan  # a gap is ignored, not read as zero flux
    sig, _ = search_periods(t, f, min_period=1.0, max_period=8.0, objective="likelihood")
    assert abs(sig.period / period - 1) < 1e-3
    assert _epoch_offset(sig.epoch, period, epoch) < 0.25 * duration
    # no errors given: the scatter is the MAD of the flux, so the SNR is close to the truth
    assert 10 < sig.snr < 30


def test_pure_noise_gives_a_low_snr():
    t, f = _light_curve(seed=7, days=40.0, planets=())
    sig, _ = search_periods(t, f, min_period=1.0, max_period=8.0)
    assert sig.snr < 7.1


def test_half_period_alias_is_doubled():
    period, epoch, duration, depth = 5.0, 1.0, 0.2, 2e-3
    t, f = _light_curve(seed=4, days=40.0, planets=((period, epoch, duration, depth),))
    e = np.full(t.size, SIGMA)
    bls = BoxLeastSquares(t, f, dy=e)
    durations = duration_grid()
    step = 0.04 / (3 * 40.0)
    # a signal at half the period: every other box is empty, the odd/even SNRs show it
    half = S._signal(bls, t, period / 2, duration, epoch, 0.0, 0.0, "bls")
    assert half.odd_even_sigma > 5
    fixed = S._doubled(bls, t, half, step, 0.2, "snr", durations, 20.0, [], 40.0)
    assert abs(fixed.period / period - 1) < 1e-3 and fixed.snr > 1.2 * half.snr
    # the true period is left alone
    true = S._signal(bls, t, period, duration, epoch, 0.0, 0.0, "bls")
    assert S._doubled(bls, t, true, step, 0.2, "snr", durations, 20.0, [], 40.0) is true


def test_short_cadence_is_binned_for_the_grid_but_refined_on_all_points(monkeypatch):
    period, epoch, duration, depth = 2.7, 0.9, 0.12, 1e-3
    t, f = _light_curve(seed=5, days=30.0, cadence=2 / 1440,
                        planets=((period, epoch, duration, depth),))
    assert t.size > 20_000
    real_bin, binned = S._bin, []

    def spy(*args):
        out = real_bin(*args)
        binned.append(out[0].size)
        return out

    monkeypatch.setattr(S, "_bin", spy)
    start = clock.perf_counter()
    sig, _ = search_periods(t, f, min_period=1.0, max_period=6.0)
    assert clock.perf_counter() - start < 20
    assert binned and binned[0] == pytest.approx(t.size / 5, rel=0.01)  # 10-min bins
    assert abs(sig.period / period - 1) < 5e-4
    # the epoch is measured on the 2-min points, far better than the 10-min bins
    assert _epoch_offset(sig.epoch, period, epoch) < 0.05 * duration
    assert sig.n_points == t.size


def test_bad_input_is_explained():
    t, f = _light_curve(days=20.0, planets=())
    with pytest.raises(AstrolearnInputError, match="differ in length"):
        search_periods(t, f[:-1])
    with pytest.raises(AstrolearnInputError, match="unknown search method"):
        search_periods(t, f, method="fft")
    with pytest.raises(AstrolearnInputError, match="objective"):
        search_periods(t, f, objective="chi2")
    with pytest.raises(AstrolearnInputError, match="zero or negative"):
        search_periods(t, f, np.zeros(t.size))
    with pytest.raises(AstrolearnInputError, match="only 5 points"):
        search_periods(t[:5], f[:5])
    with pytest.raises(AstrolearnInputError, match="constant"):
        search_periods(t, np.ones(t.size))
    with pytest.raises(AstrolearnInputError, match="unknown search options"):
        find_transits(t, f, periods=3)
    with pytest.raises(AstrolearnInputError, match="max_duty"):
        search_periods(t, f, max_duty=1.5)


# --------------------------------------------------------------------------- multi-planet
def test_two_planets_are_both_found_with_the_first_masked():
    planets = ((3.7, 1.234, 0.15, 2.5e-3), (1.31, 0.5, 0.08, 1.5e-3))
    t, f = _light_curve(seed=1, days=40.0, planets=planets)
    signals, periodograms = find_transits(t, f, min_period=0.8, max_period=10.0)
    assert len(signals) == len(periodograms) == 2  # the noise left has SNR < 7.1
    for period, epoch, duration, _ in planets:  # either may come first (highest SDE first)
        sig = min(signals, key=lambda s, p=period: abs(s.period / p - 1))
        assert abs(sig.period / period - 1) < 1e-3
        assert _epoch_offset(sig.epoch, period, epoch) < 0.25 * duration
        assert sig.snr > 7.1
    # the second search ran without the first signal's transits: no peak left at its period
    second = periodograms[1]
    near = np.abs(second.period / signals[0].period - 1) < 2e-3
    assert second.sde[near].max() < 0.5 * second.sde[second.best]


def test_a_harmonic_is_not_reported_as_a_second_planet():
    period, epoch, duration = 3.1, 0.9, 0.16
    t, f = _light_curve(seed=5, days=40.0, cadence=0.02,
                        planets=((period, epoch, duration, 8e-3),))
    # a narrow mask leaves ingress/egress points: without the guard the same period (and its
    # multiples) would be found again with SNR > 7.1
    signals, _ = find_transits(t, f, min_period=0.8, mask_factor=0.5, max_signals=3)
    assert abs(signals[0].period / period - 1) < 1e-3
    for later in signals[1:]:
        ratio = later.period / period
        assert min(abs(ratio - round(ratio)), abs(1 / ratio - round(1 / ratio))) > 0.01


def test_repeats_rule():
    old = TransitSignal(period=3.0, epoch=1.0, duration=0.1, depth=1e-3, depth_err=1e-4,
                        snr=10.0, n_transits=10, power=10.0, sde=10.0)

    def new(period, epoch):
        return TransitSignal(period=period, epoch=epoch, duration=0.1, depth=1e-3,
                             depth_err=1e-4, snr=10.0, n_transits=10, power=10.0, sde=10.0)

    assert S._repeats(new(3.0005, 2.5), [old], 30.0)  # same period, any phase
    assert S._repeats(new(6.001, 4.0), [old], 30.0)  # 2P on the old transits
    assert S._repeats(new(1.5, 2.5), [old], 30.0)  # P/2 through the old transits
    assert S._repeats(new(12.0, 7.0), [old], 30.0)  # 4P
    assert not S._repeats(new(6.0, 2.5), [old], 30.0)  # 2P, between the old transits
    assert not S._repeats(new(4.5, 1.0), [old], 30.0)  # 3:2 is another planet
    assert not S._repeats(new(6.2, 4.0), [old], 30.0)  # near, not at, 2:1


# ----------------------------------------------------------------------------------- TLS
def test_tls_search_small():
    pytest.importorskip("transitleastsquares")
    period, epoch, duration, depth = 2.2, 0.7, 0.1, 2e-3
    t, f = _light_curve(seed=3, days=20.0, cadence=0.01,
                        planets=((period, epoch, duration, depth),))
    sig, pg = search_periods(t, f, method="tls", min_period=1.0, max_period=6.0)
    assert sig.method == "tls" and pg.method == "tls"
    assert abs(sig.period / period - 1) < 1e-3
    assert _epoch_offset(sig.epoch, period, epoch) < 0.25 * duration
    assert sig.snr > 15


def test_tls_missing_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "transitleastsquares", None)  # import fails
    t, f = _light_curve(days=20.0, planets=((2.2, 0.7, 0.1, 2e-3),))
    with pytest.raises(AstrolearnInputError, match=r"pip install astrolearn\[tls\]"):
        search_periods(t, f, method="tls", min_period=1.0, max_period=6.0)


# ------------------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_hat_p_7b_period_from_kepler_short_cadence(real_data_path):
    from astropy.io import fits
    from scipy.ndimage import median_filter

    path = real_data_path("kepler", "fits", "kplr010666592-2009131110544_slc.fits")
    with fits.open(path) as hdul:
        data = hdul[1].data
        t = np.asarray(data["TIME"], dtype=float)
        flux = np.asarray(data["PDCSAP_FLUX"], dtype=float)
        good = (np.asarray(data["SAP_QUALITY"]) == 0) & np.isfinite(t) & np.isfinite(flux)
    t, flux = t[good], flux[good]
    window = int(1.0 / np.median(np.diff(t))) | 1  # 1-day running median
    flat = flux / median_filter(flux, size=window, mode="nearest")
    signals, _ = find_transits(t, flat, max_signals=1)
    hat = signals[0]
    assert abs(hat.period / 2.2047354 - 1) < 1e-3
    # published mid-transit time 2454954.357462 BJD = 121.357462 BKJD (Pal et al. 2008)
    assert _epoch_offset(hat.epoch, 2.2047354, 121.357462) < 0.01
    assert hat.depth == pytest.approx(6.0e-3, rel=0.15)
