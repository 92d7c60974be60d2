"""Tests of astrolearn.transits.detrend: the window guard, gaps, NaN bookkeeping, tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from wotan import flatten

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.detrend import (
    DEFAULT_WINDOW_DAYS,
    DetrendResult,
    choose_window,
    detrend,
    detrend_lightcurves,
)

DEPTH = 1e-3
DURATION = 0.3


def transit_on_slow_trend(seed=0, noise=1e-4):
    """27 d at 30-min cadence: a slow sinusoid times five 0.3-d box transits of depth 1e-3."""
    rng = np.random.default_rng(seed)
    time = np.arange(0.0, 27.0, 1.0 / 48)
    in_transit = np.zeros(time.size, dtype=bool)
    for centre in np.arange(2.0, 27.0, 5.3):
        in_transit |= np.abs(time - centre) < DURATION / 2
    trend = 1.0 + 1e-3 * np.sin(2 * np.pi * time / 20.0)
    flux = trend * (1 - DEPTH * in_transit) + noise * rng.standard_normal(time.size)
    return time, flux, in_transit


def kept_depth(flat, in_transit):
    return float((np.nanmedian(flat[~in_transit]) - np.nanmedian(flat[in_transit])) / DEPTH)


def test_default_window_keeps_the_transit_depth():
    time, flux, in_transit = transit_on_slow_trend()
    res = detrend(time, flux, transit_duration_days=DURATION)
    assert isinstance(res, DetrendResult)
    assert res.window_days == pytest.approx(3 * DURATION)
    assert res.method == "biweight" and res.n_undefined == 0 and res.valid.all()
    assert kept_depth(res.flat, in_transit) > 0.8
    # and the trend itself is gone: out of transit the flat flux is white noise
    assert np.std(res.flat[~in_transit]) < 1.3e-4
    np.testing.assert_allclose(res.flat, flux / res.trend)


def test_window_shorter_than_three_durations_is_refused():
    time, flux, in_transit = transit_on_slow_trend()
    # what such a window does: wotan itself, with a window as long as the transit,
    # follows the transit and erases most of its depth ...
    erased = flatten(time, flux, window_length=DURATION, method="biweight")
    assert kept_depth(erased, in_transit) < 0.3
    # ... so detrend refuses it, and says what would do
    for short in (DURATION, 0.89):
        with pytest.raises(AstrolearnInputError, match="erase") as info:
            detrend(time, flux, window_days=short, transit_duration_days=DURATION)
        assert "window_days >= 0.9" in str(info.value)
    assert detrend(time, flux, window_days=0.9, transit_duration_days=DURATION
                   ).window_days == 0.9
    # the factor is the caller's to change, knowingly
    loose = detrend(time, flux, window_days=0.6, transit_duration_days=DURATION,
                    min_window_factor=2.0)
    assert kept_depth(loose.flat, in_transit) < kept_depth(
        detrend(time, flux, transit_duration_days=DURATION).flat, in_transit)


def test_window_rule():
    assert choose_window(0.3) == 0.9
    assert choose_window(0.1) == 0.5            # never below 0.5 d
    assert choose_window(0.25, min_window_factor=4) == 1.0
    assert choose_window() == DEFAULT_WINDOW_DAYS == 1.0
    assert choose_window(window_days=0.2) == 0.2  # no duration, no guard
    assert detrend(np.arange(0, 5, 0.02), np.ones(250)).window_days == 1.0
    for bad in (0, -1.0, np.nan, "1"):
        with pytest.raises(AstrolearnInputError):
            choose_window(bad)
        with pytest.raises(AstrolearnInputError):
            choose_window(0.2, window_days=bad)


def step_across_gap(step, gap, seed=0, noise=1e-4):
    rng = np.random.default_rng(seed)
    time = np.r_[np.arange(0.0, 5.0, 0.02), np.arange(5.0 + gap, 10.0 + gap, 0.02)]
    flux = np.where(time < 5.0, 1.0, 1.0 + step) + noise * rng.standard_normal(time.size)
    before = (time > 4.7) & (time < 5.0)
    after = (time > 5.0 + gap) & (time < 5.3 + gap)
    return time, flux, before, after


def residual_step(res, before, after):
    return float(np.mean(res.flat[after]) - np.mean(res.flat[before]))


def test_flux_step_across_a_gap_leaves_no_step():
    # a 1 % jump across a 1-d gap (a new quarter, another aperture)
    time, flux, before, after = step_across_gap(0.01, 1.0)
    res = detrend(time, flux, window_days=1.0)              # break_tolerance 0.5 d
    assert abs(residual_step(res, before, after)) < 5e-5    # was 1e-2
    assert abs(np.mean(res.flat[before]) - 1) < 5e-5
    # a 5-sigma step seen through a 3-d window across a 0.6-d gap: detrended as one
    # piece, the window straddles the gap and a third of the step leaks into flat
    time, flux, before, after = step_across_gap(5e-4, 0.6)
    split = detrend(time, flux, window_days=3.0)
    joined = detrend(time, flux, window_days=3.0, break_tolerance_days=np.inf)
    assert abs(residual_step(split, before, after)) < 0.1 * 5e-4
    assert abs(residual_step(joined, before, after)) > 0.2 * 5e-4
    assert split.break_tolerance_days == 0.5


def test_inputs_untouched_and_output_aligned_with_unsorted_input():
    time, flux, _ = transit_on_slow_trend(seed=2)
    order = np.random.default_rng(3).permutation(time.size)
    t_shuffled, f_shuffled = time[order], flux[order]
    t_shuffled.setflags(write=False)
    copies = t_shuffled.copy(), f_shuffled.copy()
    res = detrend(t_shuffled, f_shuffled, transit_duration_days=DURATION)
    np.testing.assert_array_equal(t_shuffled, copies[0])
    np.testing.assert_array_equal(f_shuffled, copies[1])
    ordered = detrend(time, flux, transit_duration_days=DURATION)
    np.testing.assert_allclose(res.trend, ordered.trend[order])
    listed = detrend(list(time), list(flux), transit_duration_days=DURATION)
    np.testing.assert_allclose(listed.flat, ordered.flat)


def test_undefined_trend_is_counted_not_silent():
    time = np.arange(0.0, 4.0, 0.02)
    flux = 1.0 + 1e-3 * np.sin(time)
    flux[[10, 11]] = np.nan
    res = detrend(time, flux, window_days=1.0)
    assert res.n_undefined == 2 and not res.valid[[10, 11]].any()
    assert np.isnan(res.flat[[10, 11]]).all() and np.isfinite(res.flat[res.valid]).all()
    with pytest.warns(UserWarning, match="undefined at"):
        cut = detrend(time, flux, window_days=1.0, edge_cutoff_days=0.2)
    edges = (time < 0.2) | (time > time.max() - 0.2)
    assert not cut.valid[edges].any()
    assert cut.n_undefined >= edges.sum()
    assert cut.n_undefined == int((~cut.valid).sum())


@pytest.mark.parametrize("method", ["median", "hspline", "rspline"])
def test_other_robust_methods_keep_the_transit(method):
    time, flux, in_transit = transit_on_slow_trend(seed=4)
    res = detrend(time, flux, method=method, transit_duration_days=DURATION)
    assert res.method == method and res.valid.all()
    assert kept_depth(res.flat, in_transit) > 0.75


def test_bad_inputs_are_refused():
    t = np.arange(10.0)
    with pytest.raises(AstrolearnInputError, match="unknown detrending method"):
        detrend(t, np.ones(10), method="savgol")
    with pytest.raises(AstrolearnInputError, match="equal length"):
        detrend(t, np.ones(9))
    with pytest.raises(AstrolearnInputError, match="no point"):
        detrend(t, np.full(10, np.nan))
    with pytest.raises(AstrolearnInputError, match="median flux"):
        detrend(t, -np.ones(10))
    with pytest.raises(AstrolearnInputError, match="not numbers"):
        detrend(t, ["a"] * 10)
    with pytest.raises(AstrolearnInputError, match="break_tolerance_days"):
        detrend(t, np.ones(10), break_tolerance_days=0)


def test_detrend_lightcurves_per_star_and_segment():
    rng = np.random.default_rng(6)
    time = np.arange(0.0, 8.0, 0.02)
    n = time.size
    # star "a": two segments back to back (no gap) with a 2 % level change between them
    level_a = np.where(time < 4.0, 1.0, 1.02)
    lc = pd.DataFrame({
        "object_id": np.repeat(["a", "b"], n),
        "time": np.tile(time, 2),
        "flux": np.r_[level_a, 2.0 + 0.01 * np.sin(time)] + 1e-4 * rng.standard_normal(2 * n),
        "flux_err": 1e-4,
        "segment": np.r_[np.where(time < 4.0, 1, 2), np.zeros(n, dtype=int)],
    })
    lc.loc[7, "flux"] = np.nan
    lc.attrs["mission"] = "TESS"
    before = lc.copy()
    with pytest.warns(UserWarning, match="dropped 1 of 800"):
        out = detrend_lightcurves(lc, window_days=1.0)
    pd.testing.assert_frame_equal(lc, before)
    assert "trend" not in lc.columns
    assert {"trend", "flux_flat", "flux_flat_err"} <= set(out.columns)
    assert len(out) == 2 * n - 1 and np.isfinite(out["flux_flat"]).all()
    assert out.attrs["mission"] == "TESS"
    assert out.attrs["detrend"]["n_dropped"] == 1
    assert out.attrs["detrend"]["window_days"] == 1.0
    a = out[out["object_id"] == "a"]
    join = (a["time"] > 3.8) & (a["time"] < 4.2)   # detrended per segment: no step left
    assert np.abs(a.loc[join, "flux_flat"] - 1).max() < 6e-4
    b = out[out["object_id"] == "b"]
    assert b["trend"].median() == pytest.approx(2.0, rel=0.01)
    np.testing.assert_allclose(b["flux_flat"], b["flux"] / b["trend"])
    np.testing.assert_allclose(out["flux_flat_err"], out["flux_err"] / out["trend"])
    # options are checked and a refusal names the star
    with pytest.raises(AstrolearnInputError, match="unknown detrend options"):
        detrend_lightcurves(lc, window=1.0)
    with pytest.raises(AstrolearnInputError, match="star 'a'"):
        detrend_lightcurves(lc, window_days=0.2, transit_duration_days=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = detrend_lightcurves(lc.drop(columns=["object_id", "segment"]).iloc[n:],
                                     window_days=1.0)
    assert len(single) == n


@pytest.mark.realdata
def test_real_hatp7_transit_survives_detrending(real_data_path):
    from astrolearn.transits.lightcurves import read_mission_fits

    lc = read_mission_fits(real_data_path("kepler", "fits",
                                          "kplr010666592-2009131110544_slc.fits"))
    time, flux = lc["time"].to_numpy(), lc["flux"].to_numpy()
    period, t0 = 2.204737, 121.3585          # HAT-P-7 b, BKJD; T14 about 4 h
    phase = (time - t0 + period / 2) % period - period / 2
    in_transit = np.abs(phase) < 0.03
    out = np.abs(phase) > 0.15
    raw_depth = np.median(flux[out]) - np.median(flux[in_transit])
    assert 0.006 < raw_depth < 0.0075
    res = detrend(time, flux, transit_duration_days=0.17)      # window 0.51 d
    depth = np.median(res.flat[out]) - np.median(res.flat[in_transit])
    assert depth > 0.95 * raw_depth
    assert np.std(res.flat[out]) < 3e-4
    # a window as long as the transit would have removed it
    erased = flatten(time, flux, window_length=0.17, method="biweight")
    assert np.median(erased[out]) - np.median(erased[in_transit]) < 0.1 * raw_depth
