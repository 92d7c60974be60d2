"""Tests of the Kepler / TESS transit light-curve simulator (astrolearn.datasets.transit_sim)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from astrolearn.datasets.transit_sim import (
    TRANSIT_CLASSES,
    TRANSIT_KINDS,
    inject_planet,
    observation_times,
    simulate_noise,
    simulate_transits,
    transit_duration,
    transit_model,
)
from astrolearn.errors import AstrolearnInputError


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_transits(30, seed=3, truth=True)


def _local_depths(lc: pd.DataFrame, object_id: str, period: float, epoch: float, dur: float):
    """Per-event arrays of in-window depths below a local linear baseline (good cadences)."""
    d = lc[lc["object_id"] == object_id]
    ok = (d["quality"] == 0).to_numpy() & np.isfinite(d["flux"].to_numpy())
    t, f = d["time"].to_numpy()[ok], d["flux"].to_numpy()[ok]
    ph = (t - epoch + 0.5 * period) % period - 0.5 * period
    n = np.rint((t - epoch) / period)
    out: dict[int, np.ndarray] = {}
    for k in np.unique(n[np.abs(ph) < dur / 2]):
        near = (n == k) & (np.abs(ph) < 2.0 * dur)
        base = near & (np.abs(ph) > 0.75 * dur)
        inn = near & (np.abs(ph) < dur / 2)
        if base.sum() < 6:
            continue
        c = np.polyfit(ph[base], f[base], 1)
        out[int(k)] = np.polyval(c, ph[inn]) - f[inn]
    return out


# ------------------------------------------------------------------------------ structure
def test_same_seed_same_tables_and_other_seed_differs():
    a = simulate_transits(6, baseline_days=20.0, seed=7)
    b = simulate_transits(6, baseline_days=20.0, seed=7)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    c = simulate_transits(6, baseline_days=20.0, seed=8)
    assert not a[0]["flux"].equals(c[0]["flux"])
    assert not np.allclose(a[1]["snr"], c[1]["snr"])


def test_columns_dtypes_and_truth_consistency(sim):
    lc, truth = sim
    assert list(lc.columns) == ["object_id", "time", "flux", "flux_err", "quality", "flux_true"]
    assert pd.api.types.is_string_dtype(lc["object_id"])
    assert lc["time"].dtype == np.float64 and lc["flux"].dtype == np.float64
    assert lc["flux_err"].dtype == np.float64 and lc["quality"].dtype == np.int32
    assert all(re.fullmatch(r"SIM \d{6}", s) for s in truth["object_id"])
    key = lc[["object_id", "time"]]
    assert key.equals(key.sort_values(["object_id", "time"]))
    assert not lc.duplicated(["object_id", "time"]).any()
    assert truth["object_id"].is_unique and set(truth["object_id"]) == set(lc["object_id"])
    medians = lc.groupby("object_id")["flux"].median()
    assert medians.between(0.99, 1.01).all()
    finite = np.isfinite(lc["flux"])
    assert (np.isfinite(lc["flux_err"]) == finite).all() and (lc["flux_err"][finite] > 0).all()
    # labels, kinds and counts
    assert truth["label"].value_counts().to_dict() == dict.fromkeys(TRANSIT_CLASSES, 10)
    for label, kind in zip(truth["label"], truth["kind"], strict=True):
        assert kind in TRANSIT_KINDS[label]
    for col in ("period", "epoch", "duration", "depth", "secondary_depth", "rp_rs", "a_rs",
                "inc_deg", "snr", "n_transits", "teff", "logg", "radius_rsun", "mass_msun",
                "kepmag"):
        assert col in truth.columns
    # the SNR is controlled and reproducible from the table
    assert truth["snr"].between(7.0, 40.0).all()
    snr = truth["depth_mean"] / (truth["white_ppm"] * 1e-6) * np.sqrt(truth["n_in_transit"])
    np.testing.assert_allclose(snr, truth["snr"], rtol=1e-6)
    # planets: realistic radius ratios; not-applicable values are NaN
    pl = truth[truth["label"] == "planet"]
    assert pl["rp_rs"].between(0.01, 0.15).all() and (pl["dilution"] == 1.0).all()
    assert (pl["impact"] < 1.0).all() and (pl["n_transits"] >= 1).all()
    junk = truth[truth["label"] == "junk"]
    assert junk["rp_rs"].isna().all() and junk["secondary_depth"].isna().all()
    single = truth[truth["kind"] == "junk_single_event"]
    assert single["period"].isna().all() and (single["n_transits"] == 1).all()
    assert truth["logg"].between(3.3, 4.8).all() and truth["teff"].between(3800, 7200).all()
    eb = truth[truth["label"] == "eb"]
    assert eb["rp_rs"].between(0.2, 0.98).all() and eb["dilution"].between(0, 1).all()


def test_class_fractions_and_single_class():
    _, truth = simulate_transits(10, fractions={"planet": 0.7, "eb": 0.3}, baseline_days=15.0,
                                 seed=1)
    assert truth["label"].value_counts().to_dict() == {"planet": 7, "eb": 3}
    _, t2 = simulate_transits(4, classes=("junk",), baseline_days=15.0, seed=2)
    assert set(t2["label"]) == {"junk"}


# ------------------------------------------------------------------------------ batman model
def test_transit_model_depth_and_timing():
    t = np.arange(0.0, 20.0, 0.001)
    k, period, epoch = 0.1, 3.0, 1.3
    flat = transit_model(t, period=period, epoch=epoch, rp_rs=k, a_rs=12.0, inc_deg=90.0,
                         limb_darkening=(0.0, 0.0))
    assert 1.0 - flat.min() == pytest.approx(k**2, rel=1e-3)  # no limb darkening: exactly k^2
    u1, u2 = 0.4, 0.25
    f = transit_model(t, period=period, epoch=epoch, rp_rs=k, a_rs=12.0, inc_deg=90.0,
                      limb_darkening=(u1, u2))
    depth = 1.0 - f.min()
    # limb darkening deepens a central transit by up to 1 / (1 - u1/3 - u2/6)
    assert k**2 < depth < k**2 / (1.0 - u1 / 3.0 - u2 / 6.0)
    t14 = transit_duration(period, k, 12.0, 90.0)
    inside = t[f < 1.0]
    phase = (inside - epoch + 0.5 * period) % period - 0.5 * period
    assert np.abs(phase).max() <= 0.5 * t14 + 0.001
    assert set(np.rint((inside - epoch) / period).astype(int)) == set(range(-0, 7))
    # the measured first-to-last contact span equals T14
    one = inside[np.abs(inside - epoch) < period / 2]
    assert one.max() - one.min() == pytest.approx(t14, abs=0.0025)
    assert (f[np.abs((t - epoch + 1.5) % 3.0 - 1.5) > 0.6 * t14] == 1.0).all()


def test_supersampling_smears_but_keeps_the_area():
    t = np.arange(-0.5, 0.5, 0.001)  # finely sampled: a 29.4-min box convolution
    kw = {"period": 5.0, "epoch": 0.0, "rp_rs": 0.1, "a_rs": 30.0, "inc_deg": 90.0}
    sharp = transit_model(t, **kw)
    smooth = transit_model(t, **kw, supersample=15, exposure_days=0.0204)
    assert smooth.min() > sharp.min()
    assert (1 - smooth).sum() == pytest.approx((1 - sharp).sum(), rel=0.01)


def test_transit_duration_matches_hand_computed_values():
    period, k, a, inc = 5.0, 0.1, 12.0, 89.0
    b = a * math.cos(math.radians(inc))
    hand = period / math.pi * math.asin(math.sqrt((1 + k) ** 2 - b**2)
                                        / (a * math.sin(math.radians(inc))))
    assert transit_duration(period, k, a, inc) == pytest.approx(hand, rel=1e-12)
    central = 3.0 / math.pi * math.asin(1.1 / 10.0)
    assert transit_duration(3.0, 0.1, 10.0, 90.0) == pytest.approx(central, rel=1e-12)
    assert transit_duration(3.0, 0.1, 10.0, 80.0) == 0.0  # b = 1.74 > 1 + k
    # eccentric: Winn (2010) eq. 16 factor sqrt(1 - e^2) / (1 + e sin w) at fixed b
    ecc, w = 0.3, 90.0
    inc_e = math.degrees(math.acos(b / a * (1 + ecc) / (1 - ecc**2)))
    fac = math.sqrt(1 - ecc**2) / (1 + ecc)
    ecc_t14 = transit_duration(period, k, a, inc_e, ecc=ecc, w_deg=w)
    assert ecc_t14 == pytest.approx(hand * fac, rel=2e-3)


# ------------------------------------------------------------------------------ signals
def test_measured_snr_of_planets_matches_truth():
    lc, truth = simulate_transits(12, classes=("planet",), snr_range=(25.0, 35.0), seed=5)
    ratios = []
    for row in truth.itertuples():
        depths = _local_depths(lc, row.object_id, row.period, row.epoch, row.duration)
        dd = np.concatenate(list(depths.values()))
        if dd.size < 0.9 * row.n_in_transit:  # transits against gaps lack a local baseline
            continue
        sigma = lc.loc[lc["object_id"] == row.object_id, "flux_err"].median()
        ratios.append(dd.mean() / sigma * math.sqrt(dd.size) / row.snr)
        assert dd.mean() < row.depth  # mean in-transit depth is below the central depth
    ratios = np.array(ratios)
    assert ratios.size >= 8
    assert 0.9 < np.median(ratios) < 1.1
    assert (np.abs(ratios - 1) < 0.25).mean() >= 0.8


def test_eb_secondary_at_phase_half_and_odd_even_depths():
    lc, truth = simulate_transits(16, classes=("eb",), snr_range=(150.0, 200.0), seed=4)
    checked_sec = checked_oe = 0
    for row in truth.itertuples():
        sigma = lc.loc[lc["object_id"] == row.object_id, "flux_err"].median()
        if row.kind == "eb_odd_even":
            ev = _local_depths(lc, row.object_id, row.period, row.epoch, row.duration)
            odd = np.concatenate([v for k, v in ev.items() if k % 2 == 0])
            even = np.concatenate([v for k, v in ev.items() if k % 2 == 1])
            err = sigma * math.sqrt(1 / odd.size + 1 / even.size)
            assert odd.mean() - even.mean() > 5 * err  # the epoch is the deeper eclipse
            expect = row.secondary_depth / row.depth
            assert even.mean() / odd.mean() == pytest.approx(expect, abs=0.25)
            assert row.orbital_period == pytest.approx(2 * row.period)
            checked_oe += 1
        elif row.ecc == 0.0 and row.secondary_depth > 0.15 * row.depth:
            half = _local_depths(lc, row.object_id, row.period, row.epoch + 0.5 * row.period,
                                 row.duration)
            quarter = _local_depths(lc, row.object_id, row.period,
                                    row.epoch + 0.25 * row.period, row.duration)
            h = np.concatenate(list(half.values()))
            q = np.concatenate(list(quarter.values()))
            assert h.mean() > 5 * sigma / math.sqrt(h.size)
            assert abs(q.mean()) < max(4 * sigma / math.sqrt(q.size), 0.1 * h.mean())
            assert h.mean() < row.secondary_depth * 1.1
            checked_sec += 1
    assert checked_oe >= 2 and checked_sec >= 2


def test_grazing_ebs_are_v_shaped_and_detached_flat():
    t = np.arange(-0.3, 0.3, 0.0005)
    # total eclipse of a small companion: flat bottom; grazing (b > 1 - k): a V, no flat part
    flat = transit_model(t, period=3.0, epoch=0.0, rp_rs=0.3, a_rs=8.0, inc_deg=90.0,
                         limb_darkening=(0.0, 0.0))
    b = 1.0
    vee = transit_model(t, period=3.0, epoch=0.0, rp_rs=0.3, a_rs=8.0,
                        inc_deg=math.degrees(math.acos(b / 8.0)), limb_darkening=(0.0, 0.0))
    assert (flat <= flat.min() + 1e-9).sum() > 50
    assert (vee <= vee.min() + 1e-6).sum() < 5
    _, truth = simulate_transits(12, classes=("eb",), baseline_days=30.0, seed=9)
    g = truth[truth["kind"] == "eb_grazing"]
    assert len(g) and (g["impact"] > 1.0 - g["rp_rs"]).all()
    d = truth[truth["kind"] == "eb_detached"]
    assert len(d) and (d["impact"] < 1.0 - d["rp_rs"]).all()


def test_inject_planet_changes_one_star_only(sim):
    lc, truth = sim
    target = truth["object_id"].iloc[0]
    before = lc.copy()
    kw = {"period": 4.0, "epoch": 133.0, "rp_rs": 0.1, "a_rs": 12.0, "inc_deg": 90.0}
    out = inject_planet(lc, object_id=target, **kw)
    pd.testing.assert_frame_equal(lc, before)  # input untouched
    other = out["object_id"] != target
    np.testing.assert_array_equal(out.loc[other, "flux"], lc.loc[other, "flux"])
    rows = ~other & np.isfinite(lc["flux"])
    model = transit_model(lc.loc[rows, "time"].to_numpy(), **kw, supersample=10,
                          exposure_days=29.4244 / 1440)
    np.testing.assert_allclose(out.loc[rows, "flux"], lc.loc[rows, "flux"] * model, rtol=1e-12)
    assert model.min() < 0.992
    with pytest.raises(AstrolearnInputError, match="not in the table"):
        inject_planet(lc, object_id="SIM 999999", **kw)


# ------------------------------------------------------------------------------ noise, cadence
def test_simulate_noise_levels():
    t = np.arange(0.0, 60.0, 0.0204)
    white = simulate_noise(t, rng=1, white_ppm=200.0)
    assert np.std(white) * 1e6 == pytest.approx(200.0, rel=0.05)
    assert np.array_equal(white, simulate_noise(t, rng=1, white_ppm=200.0))
    spots = simulate_noise(t, rng=2, white_ppm=0.0, rotation_period=6.0, rotation_amp=3000.0)
    x = spots - spots.mean()
    lag = round(6.0 / 0.0204)
    acf = np.dot(x[:-lag], x[lag:]) / np.dot(x, x)
    half = np.dot(x[: -lag // 2], x[lag // 2:]) / np.dot(x, x)
    assert acf > 0.3 and half < acf  # quasi-periodic at the rotation period
    assert 1000e-6 < np.std(spots) < 6000e-6
    red = simulate_noise(t, rng=3, white_ppm=0.0, red_ppm=50.0, red_timescale_days=0.5)
    r = red - red.mean()
    assert np.std(r) * 1e6 == pytest.approx(50.0, rel=0.4)
    assert np.corrcoef(r[:-1], r[1:])[0, 1] > 0.9  # correlated from cadence to cadence


def test_kepler_gaps_and_tess_mid_sector_gap():
    t = observation_times("kepler", rng=0)
    step = np.diff(t)
    assert np.median(step) * 1440 == pytest.approx(29.4244, rel=1e-6)
    assert 88.0 < t[-1] - t[0] < 90.0
    big = t[:-1][step > 0.7] - t[0]
    assert big.size == 2 and np.allclose(big, [30.5, 61.5], atol=1.0)  # monthly downlinks
    assert (step > 1.5 * np.median(step)).sum() > big.size  # plus small random gaps
    tt = observation_times("tess", cadence_minutes=2.0, rng=1)
    assert np.median(np.diff(tt)) * 1440 == pytest.approx(2.0, rel=1e-6)
    gap_at = tt[:-1][np.diff(tt) > 0.7] - tt[0]
    assert gap_at.size == 1 and 12.0 < gap_at[0] < 14.0  # the mid-sector downlink
    long = observation_times("kepler", baseline_days=200.0, rng=2)
    assert (np.diff(long) > 0.7).sum() == 6  # 31, 62, 93 (roll), 124, 155, 186


def test_tess_simulation():
    lc, truth = simulate_transits(3, mission="tess", seed=2)
    assert "tmag" in truth.columns and "kepmag" not in truth.columns
    assert 1325.0 < lc["time"].min() < 1326.0
    assert truth["tmag"].between(5.0, 20.0).all()


def test_flagged_cadences_nans_and_cosmic_rays(sim):
    lc, _ = sim
    flagged = lc["quality"] != 0
    assert 0 < flagged.mean() < 0.02
    assert ((lc["quality"] & 32) != 0).any()  # momentum dumps
    assert lc["flux"].isna().any() and lc["flux"].isna().mean() < 0.01
    sigma = lc["flux_err"]
    resid = (lc["flux"] - lc["flux_true"]) / sigma
    good = ~flagged & np.isfinite(resid)
    bad = flagged & np.isfinite(resid)
    assert np.abs(resid[bad]).median() > 3 * np.abs(resid[good]).median()  # corrupted
    mad = np.median(np.abs(resid[good] - np.median(resid[good])))
    assert 1.4826 * mad == pytest.approx(1.0, abs=0.05)  # flux_err is the white noise
    assert (resid[good] > 5).sum() >= 10  # cosmic rays (upward, unflagged)
    assert (resid[good] < -6).sum() == 0


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_stars": 0}, "n_stars"),
        ({"n_stars": 2.5}, "n_stars"),
        ({"classes": ("planet", "comet")}, "unknown class"),
        ({"classes": "planet"}, "sequence"),
        ({"classes": ("planet", "planet")}, "repeat"),
        ({"fractions": (0.5, 0.6, 0.1)}, "sum"),
        ({"fractions": (0.5, 0.5)}, "fractions for 3 classes"),
        ({"fractions": (1.2, -0.1, -0.1)}, "fractions"),
        ({"fractions": {"moon": 1.0}}, "not simulated"),
        ({"snr_range": (40.0, 7.0)}, "wrong order"),
        ({"snr_range": (0.0, 7.0)}, "snr_range"),
        ({"period_range": (5.0, 1.0)}, "wrong order"),
        ({"period_range": (200.0, 300.0)}, "baseline"),
        ({"mission": "k2"}, "unknown mission"),
        ({"baseline_days": -5.0}, "baseline_days"),
        ({"cadence_minutes": 0.0}, "cadence_minutes"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_simulation_input(kwargs, match):
    args = {"n_stars": 3, **kwargs}
    with pytest.raises(AstrolearnInputError, match=match):
        simulate_transits(**args)


def test_bad_model_input():
    t = np.linspace(0, 1, 10)
    base = {"period": 3.0, "epoch": 0.0, "rp_rs": 0.1, "a_rs": 10.0, "inc_deg": 90.0}
    with pytest.raises(AstrolearnInputError, match="a_rs"):
        transit_model(t, **{**base, "a_rs": 0.5})
    with pytest.raises(AstrolearnInputError, match="period"):
        transit_model(t, **{**base, "period": -1.0})
    with pytest.raises(AstrolearnInputError, match="limb"):
        transit_model(t, **base, limb_darkening=(0.9, 0.5))
    with pytest.raises(AstrolearnInputError, match="NaN"):
        transit_model(np.array([0.0, np.nan]), **base)
    with pytest.raises(AstrolearnInputError, match="rng"):
        observation_times("kepler", rng="x")
    with pytest.raises(AstrolearnInputError, match="white_ppm"):
        simulate_noise(t, rng=0, white_ppm=-1.0)
