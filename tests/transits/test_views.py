"""Global and local views: folding, binning, normalisation, gaps, diagnostics, the table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.views import (
    global_view,
    local_view,
    make_views,
    phase_fold,
    views_table,
)

PERIOD, EPOCH, DURATION, DEPTH = 3.0, 0.7, 0.2, 5e-3


def _transit_curve(seed=0, days=60.0, cadence=0.0102, noise=5e-4, period=PERIOD, epoch=EPOCH,
                   secondary=0.0, odd_depth=None):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, days, cadence)
    f = 1.0 + rng.normal(0.0, noise, t.size)
    phase = (t - epoch + 0.5 * period) % period - 0.5 * period
    cycle = np.round((t - epoch) / period).astype(int)
    depth = np.where(cycle % 2 == 1, DEPTH if odd_depth is None else odd_depth, DEPTH)
    inside = np.abs(phase) < 0.5 * DURATION
    f[inside] -= depth[inside]
    f[np.abs(np.abs(phase) - 0.5 * period) < 0.5 * DURATION] -= secondary
    return t, f


# --------------------------------------------------------------------------------- fold
def test_phase_fold_against_hand_values():
    t = np.array([0.0, 1.0, 2.0, 2.5, 3.9, -0.5, 101.2])
    # period 2, epoch 1: t - 1 = -1, 0, 1, 1.5, 2.9, -1.5, 100.2 -> wrapped into [-1, 1)
    expected = [-1.0, 0.0, -1.0, -0.5, 0.9, 0.5, 0.2]
    assert np.allclose(phase_fold(t, 2.0, 1.0), expected)
    x = phase_fold(np.linspace(-50, 50, 10_001), 3.3, 7.1)
    assert x.min() >= -1.65 and x.max() < 1.65


def test_phase_fold_rejects_bad_ephemeris():
    with pytest.raises(AstrolearnInputError, match="period"):
        phase_fold(np.arange(3.0), 0.0, 1.0)
    with pytest.raises(AstrolearnInputError, match="epoch"):
        phase_fold(np.arange(3.0), 1.0, np.nan)


# -------------------------------------------------------------------------------- views
@pytest.mark.parametrize("bins", [2001, 201, 200])
def test_global_view_is_centred_normalised_float32(bins):
    t, f = _transit_curve()
    g = global_view(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, bins=bins)
    assert g.shape == (bins,) and g.dtype == np.float32 and np.all(np.isfinite(g))
    assert np.median(g) == pytest.approx(0.0, abs=1e-6)
    assert g.min() == pytest.approx(-1.0)
    centre = bins // 2
    assert g[centre] < -0.85  # the transit sits at the centre bin
    # the transit spans DURATION / PERIOD of the bins, centred
    low = np.flatnonzero(g < -0.5)
    assert abs(low.mean() - centre) <= 1
    assert low.size == pytest.approx(bins * DURATION / PERIOD, abs=2)
    assert np.abs(g[:centre - low.size]).max() < 0.3  # flat elsewhere


@pytest.mark.parametrize("bins", [201, 61])
def test_local_view_spans_four_durations_each_side(bins):
    t, f = _transit_curve()
    v = local_view(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, bins=bins)
    assert v.shape == (bins,) and v.dtype == np.float32
    assert np.median(v) == pytest.approx(0.0, abs=1e-6) and v.min() == pytest.approx(-1.0)
    centre = bins // 2
    assert v[centre] < -0.9
    # the window is [-4T, 4T]: the transit covers the central quarter (minus the 0.16 T bins)
    low = np.flatnonzero(v < -0.5)
    assert abs(low.mean() - centre) <= 1
    assert low.size == pytest.approx(bins / 8, abs=0.1 * bins / 8 + 1.5)
    assert abs(v[0]) < 0.3 and abs(v[-1]) < 0.3
    # a wider window makes the transit narrower in bins
    wide = local_view(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, bins=bins,
                      durations_wide=6.0)
    assert np.sum(wide < -0.5) < low.size


def test_an_off_centre_epoch_moves_the_dip():
    t, f = _transit_curve()
    shift = 0.3  # days, 1.5 durations
    g = global_view(t, f, period=PERIOD, epoch=EPOCH + shift, bins=301)
    low = np.flatnonzero(g < -0.5)
    assert low.mean() == pytest.approx(150 - shift / PERIOD * 301, abs=1)
    assert g[150] > -0.3


def test_sparse_data_leave_no_empty_bins():
    rng = np.random.default_rng(2)
    t = np.sort(rng.uniform(0.0, 60.0, 300))  # 300 points for 2001 bins
    f = 1.0 + rng.normal(0.0, 2e-4, t.size)
    phase = phase_fold(t, PERIOD, EPOCH)
    f[np.abs(phase) < 0.5 * DURATION] -= DEPTH
    g = global_view(t, f, period=PERIOD, epoch=EPOCH, bins=2001)
    raw = global_view(t, f, period=PERIOD, epoch=EPOCH, bins=2001, normalize=False)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(raw))
    # empty bins are linear interpolations of their filled neighbours: every bin value lies
    # within the range of the binned points, and the transit still reaches -1 at the centre
    assert raw.min() >= f.min() - 1e-6 and raw.max() <= f.max() + 1e-6
    assert g[1000] < -0.8
    v = local_view(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, bins=201)
    assert np.all(np.isfinite(v)) and v[100] < -0.8


@pytest.mark.parametrize("bins", [10, 11])
def test_bin_centres_by_hand(bins):
    # period = bins days, so the global bins are 1 day wide and centred on whole-day phases,
    # bin bins // 2 on phase 0: one point at each centre gives the points back in phase order
    phases = np.arange(bins) - bins // 2
    t = 100.0 + phases + bins * np.array([3] * bins)  # three cycles later, same phases
    flux = 1.0 + 0.01 * np.arange(bins)
    raw = global_view(t, flux, period=bins, epoch=100.0, bins=bins, normalize=False)
    assert np.allclose(raw, flux)
    local = local_view(t, flux, period=bins, epoch=100.0, duration=1.0, bins=5,
                       durations_wide=2.5, bin_width_factor=1.0, normalize=False)
    assert np.allclose(local, flux[bins // 2 - 2:bins // 2 + 3])


def test_interpolation_between_two_filled_bins():
    # points only at phases -0.6 (flux 0) and +0.6 (flux 1): bins between are on the line
    t = np.array([-0.6, 0.6, 2.4, 3.6])  # period 3, epoch 0: phases -0.6, 0.6, -0.6, 0.6
    f = np.array([0.0, 1.0, 0.0, 1.0])
    raw = global_view(t, f, period=3.0, epoch=0.0, bins=31, normalize=False)
    assert raw[15] == pytest.approx(0.5, abs=1e-6)  # phase 0, half way
    assert raw[12] == pytest.approx(0.25, abs=0.05)
    # periodic: beyond +0.6 the values fall back towards the -0.6 bin through +-1.5
    assert raw[0] == pytest.approx(0.5, abs=0.06) and raw[30] == pytest.approx(0.5, abs=0.06)


def test_flat_light_curve_is_an_error_not_a_division_by_zero():
    t = np.linspace(0.0, 30.0, 3000)
    with pytest.raises(AstrolearnInputError, match="no dip"):
        global_view(t, np.ones(t.size), period=PERIOD, epoch=EPOCH)
    with pytest.raises(AstrolearnInputError, match="no dip"):
        local_view(t, np.ones(t.size), period=PERIOD, epoch=EPOCH, duration=DURATION)


def test_bad_arguments():
    t, f = _transit_curve(days=10.0)
    with pytest.raises(AstrolearnInputError, match="shorter than the period"):
        local_view(t, f, period=PERIOD, epoch=EPOCH, duration=4.0)
    with pytest.raises(AstrolearnInputError, match="bins"):
        global_view(t, f, period=PERIOD, epoch=EPOCH, bins=2)
    with pytest.raises(AstrolearnInputError, match="differ in length"):
        global_view(t, f[:-1], period=PERIOD, epoch=EPOCH)
    with pytest.raises(AstrolearnInputError, match="too few"):
        global_view(t[:2], f[:2], period=PERIOD, epoch=EPOCH)


# ------------------------------------------------------------------ diagnostics, mistakes
def test_a_wrong_period_shows_in_the_views():
    t, f = _transit_curve()
    right = make_views(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, global_bins=201,
                       local_bins=61)
    # twice the true period: a second, equal dip at phase 0.5 (the edges of the global view)
    double = global_view(t, f, period=2 * PERIOD, epoch=EPOCH, bins=201)
    assert double[100] < -0.85 and min(double[0], double[-1]) < -0.85
    assert max(right["global_view"][0], right["global_view"][-1]) > -0.3
    # half the true period: every other transit is missing, the odd/even test sees it
    half = make_views(t, f, period=PERIOD / 2, epoch=EPOCH, duration=DURATION,
                      global_bins=201, local_bins=61)
    assert right["odd_even_sigma"] < 3 < half["odd_even_sigma"]
    assert abs(half["depth_odd"] - half["depth_even"]) == pytest.approx(DEPTH, rel=0.1)
    assert right["depth"] == pytest.approx(DEPTH, rel=0.05)


def test_secondary_eclipse_and_odd_even_depths_are_measured():
    t, f = _transit_curve(secondary=1.5e-3, odd_depth=3e-3)
    v = make_views(t, f, period=PERIOD, epoch=EPOCH, duration=DURATION, global_bins=201,
                   local_bins=61)
    assert v["secondary_depth"] == pytest.approx(1.5e-3, rel=0.15)
    assert v["secondary_sigma"] > 10
    assert v["depth_even"] == pytest.approx(DEPTH, rel=0.1)
    assert v["depth_odd"] == pytest.approx(3e-3, rel=0.1)
    assert v["odd_even_sigma"] > 10
    # the secondary shows at the edges of the global view, at its depth ratio
    g = v["global_view"]
    assert min(g[0], g[-1]) == pytest.approx(-1.5e-3 / v["depth"], abs=0.12)


# -------------------------------------------------------------------------------- table
def _tables():
    t1, f1 = _transit_curve(seed=1, days=30.0)
    t2, f2 = _transit_curve(seed=2, days=30.0, period=4.1, epoch=1.3)
    lc = pd.concat([pd.DataFrame({"object_id": "A", "time": t1, "flux": f1}),
                    pd.DataFrame({"object_id": "B", "time": t2, "flux": f2})],
                   ignore_index=True)
    signals = pd.DataFrame({"object_id": ["A", "B", "A"], "period": [PERIOD, 4.1, 2 * PERIOD],
                            "epoch": [EPOCH, 1.3, EPOCH], "duration": [DURATION] * 3,
                            "snr": [20.0, 18.0, 14.0]}, index=[10, 11, 12])
    return lc, signals


def test_views_table_adds_array_columns_and_writes_parquet(tmp_path):
    lc, signals = _tables()
    before_lc, before_sig = lc.copy(), signals.copy()
    out = views_table(lc, signals, global_bins=201, local_bins=61, extras=True)
    pd.testing.assert_frame_equal(lc, before_lc)
    pd.testing.assert_frame_equal(signals, before_sig)
    assert list(out.index) == [10, 11, 12] and out["snr"].tolist() == [20.0, 18.0, 14.0]
    for g, loc in zip(out["global_view"], out["local_view"], strict=True):
        assert g.shape == (201,) and loc.shape == (61,) and g.dtype == np.float32
        assert g[100] < -0.8 and loc[30] < -0.8
    assert "view_odd_even_sigma" in out.columns
    assert out["view_odd_even_sigma"].iloc[0] < 3
    # each row matches make_views on its own light curve
    a = lc[lc.object_id == "B"]
    direct = make_views(a.time, a.flux, period=4.1, epoch=1.3, duration=DURATION,
                        global_bins=201, local_bins=61)
    assert np.array_equal(out.loc[11, "global_view"], direct["global_view"])
    path = tmp_path / "views.parquet"
    out.to_parquet(path)
    back = pd.read_parquet(path)
    assert np.allclose(np.stack(back["global_view"].to_numpy()), np.stack(out["global_view"]))
    import pyarrow.parquet as pq

    kind = pq.read_schema(path).field("local_view").type
    assert "list" in str(kind) and "float" in str(kind)


def test_views_table_prefers_flat_flux_and_reports_failures():
    lc, signals = _tables()
    lc["flux_flat"] = lc["flux"]
    lc["flux"] = 1.0  # a raw flux that would give flat views
    out = views_table(lc, signals.iloc[:2], global_bins=101, local_bins=31)
    assert out["global_view"].iloc[0][50] < -0.8
    bad = pd.concat([signals, pd.DataFrame({"object_id": ["C"], "period": [2.0],
                                            "epoch": [0.0], "duration": [0.1],
                                            "snr": [9.0]}, index=[13])])
    with pytest.raises(AstrolearnInputError, match="object 'C'"):
        views_table(lc, bad, global_bins=101, local_bins=31)
    with pytest.warns(UserWarning, match="dropped 1 signals"):
        kept = views_table(lc, bad, global_bins=101, local_bins=31, errors="drop")
    assert list(kept.index) == [10, 11, 12]
    with pytest.raises(AstrolearnInputError, match="no column 'period_days'"):
        views_table(lc, signals, period="period_days")


# ---------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_hat_p_7b_views(real_data_path):
    from astropy.io import fits
    from scipy.ndimage import median_filter

    path = real_data_path("kepler", "fits", "kplr010666592-2009131110544_slc.fits")
    with fits.open(path) as hdul:
        data = hdul[1].data
        t = np.asarray(data["TIME"], dtype=float)
        flux = np.asarray(data["PDCSAP_FLUX"], dtype=float)
        good = (np.asarray(data["SAP_QUALITY"]) == 0) & np.isfinite(t) & np.isfinite(flux)
    t, flux = t[good], flux[good]
    flat = flux / median_filter(flux, size=int(1.0 / np.median(np.diff(t))) | 1, mode="nearest")
    # published ephemeris: P = 2.2047354 d, T0 = 121.357462 BKJD, duration about 4 h
    v = make_views(t, flat, period=2.2047354, epoch=121.357462, duration=0.165,
                   global_bins=201, local_bins=61)
    assert abs(int(np.argmin(v["global_view"])) - 100) <= 1
    assert abs(int(np.argmin(v["local_view"])) - 30) <= 2
    assert v["depth"] == pytest.approx(6.5e-3, rel=0.2)
