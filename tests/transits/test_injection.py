"""Injection-recovery: matching rules, Wilson intervals, completeness tables, the injection run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import wilson_interval
from astrolearn.transits.injection import (
    MATCH_KINDS,
    completeness_curve,
    completeness_map,
    injection_recovery,
    match_injection,
    white_noise,
)

# Cheap runs: one 27.4-day TESS sector at 30-min cadence (~1,250 points), periods 1-4 d, so the
# search spans 0.9-4.4 d and takes well under a second per injection.
FAST = {"mission": "tess", "period_range": (1.0, 4.0)}
TIMING = ["search_s"]


@pytest.fixture(scope="module")
def high():
    return injection_recovery(n_injections=8, snr_range=(12.0, 20.0), seed=5, **FAST)


@pytest.fixture(scope="module")
def low():
    return injection_recovery(n_injections=8, snr_range=(2.0, 5.0), seed=6, **FAST)


# ------------------------------------------------------------------------------ matching
@pytest.mark.parametrize(("found_period", "found_epoch", "expected"), [
    (3.0, 1.0, "match"),
    (3.02, 1.0 + 5 * 3.0 + 0.04, "match"),  # 0.7 % off, a later transit, 0.4 durations
    (3.0, 1.0 - 0.049, "match"),
    (3.0, 1.06, "none"),  # epoch 0.6 durations off
    (3.0, 2.5, "none"),  # phase 0.5: a secondary eclipse, not this transit
    (3.04, 1.0, "none"),  # period 1.3 % off
    (1.5, 1.0, "half"),
    (1.5, 2.5, "half"),  # the half-period alias has a box at phase 0.5 too
    (1.51, 1.0 + 0.75, "none"),  # half period but a quarter-period epoch
    (6.0, 4.0, "double"),
    (6.05, 1.0 + 3.0 * 7, "double"),
    (6.0, 5.5, "none"),  # double period, but half-way between transits
    (4.5, 1.0, "none"),  # 3/2: not an accepted alias
    (math.nan, 1.0, "none"),
    (3.0, math.nan, "none"),
])
def test_match_injection_hand_cases(found_period, found_epoch, expected):
    assert match_injection(3.0, 1.0, 0.1, found_period, found_epoch) == expected
    assert expected in MATCH_KINDS


def test_match_injection_tolerances_and_bad_input():
    assert match_injection(3.0, 1.0, 0.1, 3.04, 1.0, period_tol=0.02) == "match"
    assert match_injection(3.0, 1.0, 0.1, 3.0, 1.08, epoch_tol=1.0) == "match"
    with pytest.raises(AstrolearnInputError, match="period"):
        match_injection(-3.0, 1.0, 0.1, 3.0, 1.0)
    with pytest.raises(AstrolearnInputError, match="duration"):
        match_injection(3.0, 1.0, 0.0, 3.0, 1.0)
    with pytest.raises(AstrolearnInputError, match="period_tol"):
        match_injection(3.0, 1.0, 0.1, 3.0, 1.0, period_tol=0)
    with pytest.raises(AstrolearnInputError, match="numbers"):
        match_injection(3.0, 1.0, 0.1, "3 d", 1.0)


# ------------------------------------------------------------------------- completeness
def _table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    snr = rng.uniform(0, 20, n)
    return pd.DataFrame({"period": np.exp(rng.uniform(np.log(0.5), np.log(20), n)),
                         "snr": snr, "recovered": rng.random(n) < snr / 20})


def test_completeness_map_counts_add_up():
    tab = _table()
    cm = completeness_map(tab, period_bins=4, snr_bins=5)
    assert len(cm) == 20
    assert cm["n"].sum() == len(tab) and cm.attrs["n_outside"] == 0
    assert cm["n_recovered"].sum() == int(tab["recovered"].sum())
    # every cell against a direct count
    for _, c in cm.iterrows():
        last_p = c["period_hi"] == cm["period_hi"].max()
        last_s = c["snr_hi"] == cm["snr_hi"].max()
        sel = ((tab["period"] >= c["period_lo"])
               & ((tab["period"] <= c["period_hi"]) if last_p else (tab["period"] <
                                                                    c["period_hi"]))
               & (tab["snr"] >= c["snr_lo"])
               & ((tab["snr"] <= c["snr_hi"]) if last_s else (tab["snr"] < c["snr_hi"])))
        assert c["n"] == sel.sum() and c["n_recovered"] == tab.loc[sel, "recovered"].sum()
        assert c["fraction"] == pytest.approx(c["n_recovered"] / c["n"])
        assert c["lower"] <= c["fraction"] <= c["upper"]
    # log-spaced period edges spanning the data
    edges = np.unique(np.r_[cm["period_lo"], cm["period_hi"]])
    assert np.allclose(np.diff(np.log(edges)), np.log(edges[1] / edges[0]))
    assert edges[0] == tab["period"].min() and edges[-1] == tab["period"].max()


def test_completeness_map_explicit_edges_and_empty_cells():
    tab = pd.DataFrame({"period": [1.0, 1.5, 9.0, 30.0], "snr": [5.0, 6.0, 20.0, 8.0],
                        "recovered": [False, True, True, True]})
    cm = completeness_map(tab, period_bins=[1, 4, 10], snr_bins=[0, 10, 20])
    assert cm[["n", "n_recovered"]].to_numpy().tolist() == [[2, 1], [0, 0], [0, 0], [1, 1]]
    assert np.isnan(cm["fraction"].iloc[1]) and np.isnan(cm["lower"].iloc[1])
    assert cm.attrs["n_outside"] == 1  # P = 30 d is beyond the edges
    assert cm["fraction"].iloc[0] == 0.5


def test_completeness_curve_with_wilson_intervals():
    tab = pd.DataFrame({"snr": [1.0, 2.0, 3.0, 4.0, 11.0, 12.0, 13.0, 14.0, 15.0, 20.0],
                        "recovered": [0, 0, 0, 1, 1, 1, 1, 1, 1, 0]})
    curve = completeness_curve(tab, [0, 10, 20])
    assert curve["n"].tolist() == [4, 6] and curve["n_recovered"].tolist() == [1, 5]
    assert curve["snr_mid"].tolist() == [5.0, 15.0]
    lo, hi = wilson_interval(5, 6)
    assert curve["lower"].iloc[1] == pytest.approx(float(lo))
    assert curve["upper"].iloc[1] == pytest.approx(float(hi))


def test_completeness_bad_input():
    tab = _table(20)
    with pytest.raises(AstrolearnInputError, match="recovered"):
        completeness_map(tab.drop(columns="recovered"))
    with pytest.raises(AstrolearnInputError, match="missing values"):
        completeness_curve(tab.assign(recovered=[None] * 20))
    with pytest.raises(AstrolearnInputError, match="NaN"):
        completeness_map(tab.assign(snr=np.nan))
    with pytest.raises(AstrolearnInputError, match="increasing"):
        completeness_map(tab, snr_bins=[10, 5, 20])
    with pytest.raises(AstrolearnInputError, match="no rows"):
        completeness_curve(tab.iloc[:0])
    with pytest.raises(AstrolearnInputError, match="DataFrame"):
        completeness_curve(tab.to_dict())


def test_white_noise_ignores_slow_variability():
    rng = np.random.default_rng(1)
    t = np.arange(0, 27, 1 / 48)
    flux = 1 + 0.01 * np.sin(2 * np.pi * t / 5) + rng.normal(0, 8e-4, t.size)
    flux[::50] = np.nan
    assert white_noise(flux) == pytest.approx(8e-4, rel=0.05)


# ---------------------------------------------------------------------------- injection
def test_recovered_fraction_rises_with_snr(high, low):
    assert len(high) == 8 and set(high["match"]) <= set(MATCH_KINDS)
    assert high["snr"].between(12.0, 20.0).all() and low["snr"].between(2.0, 5.0).all()
    assert high["recovered"].mean() >= 0.8
    assert low["recovered"].mean() <= 0.5
    assert low["recovered"].mean() < high["recovered"].mean()
    rec = high[high["recovered"]]
    # a recovery has its period and epoch
    for _, r in rec.iterrows():
        assert match_injection(r["period"], r["epoch"], r["duration"], r["found_period"],
                               r["found_epoch"]) == r["match"]
    assert (rec["found_snr"] >= 7.1).all()


def test_injection_table_physics(high):
    # the depth was solved for the requested SNR: snr = depth_mean / sigma * sqrt(n_in)
    assert np.allclose(high["snr"], high["snr_target"], rtol=1e-3)
    assert np.allclose(high["snr"], high["depth_mean"] / (high["white_ppm"] * 1e-6)
                       * np.sqrt(high["n_in_transit"]))
    assert (high["depth"] > high["depth_mean"]).all()  # the central depth beats the box mean
    assert (high["rp_rs"] ** 2 < 2 * high["depth"]).all()
    assert high["impact"].between(0, 1).all() and (high["a_rs"] >= 2.5).all()
    assert (high["n_transits"] >= 2).all()
    # epochs are the first mid-transit time: within one period of the light curve's start
    assert ((high["epoch"] - 1325.29) < high["period"] + 0.1).all()
    # durations of planets around FGK stars at 1-4 d: 1-8 hours
    assert high["duration"].between(1 / 24, 8 / 24).all()
    assert high.attrs["injection"]["search"]["min_period"] == pytest.approx(0.9)
    assert high.attrs["injection"]["search"]["max_period"] == pytest.approx(4.4)


def test_seeded_determinism_and_independence_of_n(high):
    again = injection_recovery(n_injections=3, snr_range=(12.0, 20.0), seed=5, **FAST)
    pd.testing.assert_frame_equal(again.drop(columns=TIMING),
                                  high.iloc[:3].drop(columns=TIMING))
    other = injection_recovery(n_injections=1, snr_range=(12.0, 20.0), seed=7, **FAST)
    assert other["period"].iloc[0] != high["period"].iloc[0]


def test_parallel_run_gives_the_same_table(high):
    lines = []
    par = injection_recovery(n_injections=2, snr_range=(12.0, 20.0), seed=5, n_jobs=2,
                             progress=lines.append, **FAST)
    pd.testing.assert_frame_equal(par.drop(columns=TIMING), high.iloc[:2].drop(columns=TIMING))
    assert len(lines) == 2


def test_snr_zero_control_measures_false_alarms():
    lines = []
    ctrl = injection_recovery(n_injections=4, snr_range=(0.0, 0.0), seed=2, progress=lines.append,
                              **FAST)
    assert (ctrl["snr"] == 0).all() and (ctrl["depth"] == 0).all() and (ctrl["rp_rs"] == 0).all()
    assert (ctrl["duration"] > 0).all()  # a nominal duration for the matching
    assert ctrl["recovered"].sum() <= 1
    false = ctrl[ctrl["n_signals"] > 0]
    assert (false["found_snr"] >= 7.1).all()
    assert ctrl.loc[ctrl["n_signals"] == 0, "found_period"].isna().all()
    assert len(lines) == 4 and lines[0].startswith("injection 1:")


def test_injection_into_given_light_curves():
    rng = np.random.default_rng(4)
    t = np.arange(0.0, 27.0, 1 / 48)
    sigmas = {"A": 1e-3, "B": 4e-4}
    frames = [pd.DataFrame({"object_id": k, "time": t, "flux": 1 + rng.normal(0, s, t.size),
                            "flux_err": s, "quality": 0}) for k, s in sigmas.items()]
    lc = pd.concat(frames, ignore_index=True)
    lc.loc[10, ["flux", "quality"]] = [0.5, 32]  # a flagged, corrupted cadence is dropped
    before = lc.copy()
    tab = injection_recovery(n_injections=3, lightcurves=lc, snr_range=(25.0, 25.0), seed=1,
                             period_range=(2.0, 3.0), mission="tess")
    pd.testing.assert_frame_equal(lc, before)  # the caller's table is untouched
    assert tab["source_id"].tolist() == ["A", "B", "A"]
    assert tab["object_id"].tolist() == ["INJ 000001", "INJ 000002", "INJ 000003"]
    assert tab["white_ppm"].to_numpy() == pytest.approx([1000.0, 400.0, 1000.0], rel=0.06)
    assert tab["recovered"].all() and (tab["match"] == "match").all()
    # the same SNR needs a ~2.5 times shallower transit in the quieter star (depth scales as
    # the measured noise over the square root of the points in transit)
    depth_ratio = tab["depth_mean"].iloc[1] / tab["depth_mean"].iloc[0]
    noise_ratio = tab["white_ppm"].iloc[1] / tab["white_ppm"].iloc[0]
    n_ratio = tab["n_in_transit"].iloc[1] / tab["n_in_transit"].iloc[0]
    assert depth_ratio == pytest.approx(noise_ratio / math.sqrt(n_ratio), rel=1e-3)
    assert 0.3 < depth_ratio < 0.55


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_injections": 0}, "n_injections"),
    ({"period_range": (4.0, 1.0)}, "period_range"),
    ({"period_range": (0.0, 1.0)}, "period_range"),
    ({"period_range": (30.0, 40.0)}, "baseline"),
    ({"snr_range": (-1.0, 5.0)}, "snr_range"),
    ({"snr_range": 10}, "pair"),
    ({"mission": "plato"}, "mission"),
    ({"seed": -1}, "seed"),
    ({"max_signals": 0}, "max_signals"),
    ({"n_jobs": 0}, "n_jobs"),
    ({"views": True}, "views"),
    ({"lightcurves": pd.DataFrame({"object_id": ["A"], "time": [1.0]})}, "flux"),
    ({"lightcurves": np.ones((3, 3))}, "DataFrame"),
])
def test_injection_bad_input(kwargs, message):
    args = {"n_injections": 1, **FAST, **kwargs}
    with pytest.raises(AstrolearnInputError, match=message):
        injection_recovery(**args)
