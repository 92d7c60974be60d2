"""Tests of the time-wavelength Gaussian-process light-curve model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.gp import LightCurveGP, fit_gp, fit_gps, gp_features

WL = {"u": 3671.0, "g": 4827.0, "r": 6223.0, "i": 7546.0, "z": 8691.0, "y": 9712.0}


def bazin(t, amp=1000.0, t0=50.0, t_rise=4.0, t_fall=20.0):
    return amp * np.exp(-(t - t0) / t_fall) / (1.0 + np.exp(-(t - t0) / t_rise))


def bazin_peak(t0=50.0, t_rise=4.0, t_fall=20.0):
    return t0 + t_rise * np.log(t_fall / t_rise - 1.0)


def simulate(seed=0, n_per_band=25, bands=("g", "r", "i"), oid=1, noise=10.0):
    rng = np.random.default_rng(seed)
    rows = []
    for b in bands:
        t = np.sort(rng.uniform(0.0, 150.0, n_per_band))
        colour = (WL[b] / 6223.0) ** -1.0
        f = bazin(t) * colour + rng.normal(0.0, noise, t.size)
        rows.append(pd.DataFrame({"object_id": oid, "time": t, "band": b, "flux": f,
                                  "flux_err": noise}))
    return pd.concat(rows, ignore_index=True).sort_values("time", ignore_index=True)


def test_recovers_peak_time_and_width():
    lc = simulate()
    feats = gp_features(lc, wavelengths=WL)
    row = feats.loc[1]
    assert abs(row["peak_time"] - bazin_peak()) < 1.5
    # true half-maximum times of the noiseless r-band curve
    grid = np.linspace(0, 150, 150001)
    f = bazin(grid)
    above = grid[f >= 0.5 * f.max()]
    t_peak = grid[np.argmax(f)]
    assert row["rise_time_50_r"] == pytest.approx(t_peak - above[0], abs=2.0)
    assert row["decline_time_50_r"] == pytest.approx(above[-1] - t_peak, abs=3.0)
    assert row["peak_flux_r"] == pytest.approx(f.max(), rel=0.05)
    # g is brighter than r in this simulation: a negative (blue) colour, somewhat shrunk
    # towards 0 by the smooth 6000 Å wavelength kernel
    assert -2.5 * np.log10(6223.0 / 4827.0) - 0.15 < row["color_g_r"] < -0.05
    assert row["frac_flux_explained"] > 0.95
    assert row["n_points"] == 75
    assert np.all(np.isfinite(feats.to_numpy(dtype=float)))


def test_interpolation_within_three_sigma():
    rng = np.random.default_rng(3)
    lc = simulate(seed=3)
    held = rng.choice(len(lc), 10, replace=False)
    train = lc.drop(index=held)
    gp = fit_gps(train, WL)[1]
    test = lc.loc[held]
    lam = test["band"].map(WL).to_numpy()
    mean, std = gp.predict(test["time"].to_numpy(), lam)
    truth = bazin(test["time"].to_numpy()) * (lam / 6223.0) ** -1.0
    assert np.all(np.abs(mean - truth) < 3 * np.sqrt(std**2 + 1e-12) + 3 * 10.0)
    # the latent curve itself is matched within 3 sigma of the GP at most points
    assert np.mean(np.abs(mean - truth) < 3 * std) >= 0.8


@pytest.mark.parametrize("n", [1, 2, 3])
def test_short_curves_do_not_crash(n):
    gp = fit_gp(np.arange(n) * 3.0, np.linspace(5, 50, n), np.full(n, 2.0),
                np.full(n, 6223.0))
    assert isinstance(gp, LightCurveGP)
    assert not gp.optimized
    assert gp.length_scale_time == 20.0
    mean, std = gp.predict([0.0, 100.0], 6223.0)
    assert np.all(np.isfinite(mean)) and np.all(std > 0)
    lc = pd.DataFrame({"object_id": 5, "time": np.arange(n) * 3.0, "band": "r",
                       "flux": np.linspace(5, 50, n), "flux_err": 2.0})
    feats = gp_features(lc, wavelengths=WL)
    assert np.all(np.isfinite(feats.to_numpy(dtype=float)))


def test_negative_and_huge_dynamic_range():
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0, 100, 40))
    lam = np.full(40, 6223.0)
    neg = fit_gp(t, -np.abs(bazin(t)) - 50.0, np.full(40, 5.0), lam)
    assert np.isfinite(neg.log_likelihood)
    huge = fit_gp(t, 1e12 * bazin(t), np.full(40, 1e12), lam)
    small = fit_gp(t, bazin(t), np.full(40, 1.0), lam)
    assert huge.length_scale_time == pytest.approx(small.length_scale_time, rel=1e-3)
    assert huge.amplitude == pytest.approx(1e12 * small.amplitude, rel=1e-3)
    lc = pd.DataFrame({"object_id": 1, "time": t, "band": "r", "flux": -bazin(t) - 50,
                       "flux_err": 5.0})
    feats = gp_features(lc, wavelengths=WL)
    assert np.all(np.isfinite(feats.to_numpy(dtype=float)))
    assert feats.loc[1, "rise_time_50_r"] == 0.0


def test_sorting_invariance():
    lc = pd.concat([simulate(seed=1, oid=1), simulate(seed=2, oid=2)], ignore_index=True)
    shuffled = lc.sample(frac=1.0, random_state=0)
    a = gp_features(lc, wavelengths=WL)
    b = gp_features(shuffled, wavelengths=WL)
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)
    assert list(a.index) == [1, 2]


def test_wavelength_correlation_predicts_missing_band_at_peak():
    lc = simulate(seed=5, bands=("g", "r", "i"), n_per_band=30, noise=5.0)
    t_peak = bazin_peak()
    gap = (lc["band"] == "r") & (np.abs(lc["time"] - t_peak) < 25)
    gp = fit_gps(lc[~gap], WL)[1]
    mean = gp.predict(t_peak, WL["r"], return_std=False)
    truth = bazin(np.array(t_peak))
    assert abs(mean - truth) < 0.1 * truth
    # without the other bands the gap cannot be bridged
    alone = fit_gps(lc[~gap & (lc["band"] == "r")], WL)[1]
    assert abs(alone.predict(t_peak, WL["r"], return_std=False) - truth) > 0.2 * truth


def test_redshift_features_and_nan_rules():
    lc = pd.concat([simulate(seed=1, oid=1), simulate(seed=2, oid=2),
                    simulate(seed=3, oid=3)], ignore_index=True)
    meta = pd.DataFrame({"object_id": [1, 2, 3], "redshift": [0.2, np.nan, 0.0]})
    feats = gp_features(lc, meta, wavelengths=WL, bands=["g", "r", "i"])
    assert feats.loc[1, "rest_rise_time_50_r"] == pytest.approx(
        feats.loc[1, "rise_time_50_r"] / 1.2)
    assert np.isfinite(feats.loc[1, "log_lum_r"])
    rest = [c for c in feats.columns if c.startswith(("rest_", "log_lum_"))]
    assert feats.loc[[2, 3], rest].isna().all().all()
    others = feats.drop(columns=rest)
    assert np.all(np.isfinite(others.to_numpy(dtype=float)))


def test_gradient_matches_finite_differences():
    from astrolearn.transients import gp as gpmod

    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 50, 20))
    y = np.sin(t / 7)
    var = np.full(20, 0.01)
    dist = np.sqrt(3) * np.abs(t[:, None] - t[None, :])
    wl_kernel = np.ones((20, 20))
    captured = {}
    real_minimize = gpmod.minimize

    def spy(fun, x0, **kwargs):
        captured["fun"] = fun
        return real_minimize(fun, x0, **kwargs)

    gpmod.minimize = spy
    try:
        with gpmod._single_thread_blas():
            gpmod._optimise(y, var, dist, wl_kernel)
    finally:
        gpmod.minimize = real_minimize
    theta = np.array([0.1, np.log(8.0)])
    _, grad = captured["fun"](theta)
    eps = 1e-6
    num = [(captured["fun"](theta + d)[0] - captured["fun"](theta - d)[0]) / (2 * eps)
           for d in (np.array([eps, 0]), np.array([0, eps]))]
    np.testing.assert_allclose(grad, num, rtol=1e-4)


def test_bad_input():
    with pytest.raises(AstrolearnInputError, match="flux_err"):
        fit_gp([0, 1], [1, 2], [1, 0], [6000, 6000])
    with pytest.raises(AstrolearnInputError, match="differ in length"):
        fit_gp([0, 1], [1, 2, 3], [1, 1], [6000, 6000])
    lc = pd.DataFrame({"object_id": 1, "time": [0.0], "band": ["Y"], "flux": [1.0],
                       "flux_err": [1.0]})
    with pytest.raises(AstrolearnInputError, match="wavelength"):
        fit_gps(lc, WL)
    with pytest.raises(AstrolearnInputError, match="lacks"):
        fit_gps(lc.drop(columns="flux_err"), WL)
    with pytest.raises(AstrolearnInputError, match="reference band"):
        gp_features(lc.assign(band="r"), wavelengths=WL, reference_band="g")


def test_wavelength_scale_follows_how_alike_the_bands_are():
    from astrolearn.transients.gp import choose_wavelength_scale

    rng = np.random.default_rng(5)
    wave = {"g": 4800.0, "r": 6200.0, "i": 7500.0, "z": 8700.0}
    t = np.arange(0.0, 80.0, 2.0)

    def table(peaks):
        rows = []
        for oid in range(6):
            for band, peak in zip(wave, peaks, strict=True):
                flux = 100 * np.exp(-0.5 * ((t - peak) / 6) ** 2) + rng.normal(0, 1, t.size)
                rows.append(pd.DataFrame({"object_id": oid, "time": t, "band": band,
                                          "flux": flux, "flux_err": 1.0}))
        return pd.concat(rows, ignore_index=True)

    alike = choose_wavelength_scale(table([30, 30, 30, 30]), wave)
    unlike = choose_wavelength_scale(table([15, 45, 20, 60]), wave)
    assert alike > unlike
