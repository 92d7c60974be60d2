"""Tests of the photometric catalog simulator (astrolearn.datasets.catalog_sim)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.datasets import simulate_catalog
from astrolearn.datasets.catalog_sim import (
    DEFAULT_CLASS_FRACTIONS,
    LSST_EXTINCTION,
    SDSS_EXTINCTION,
)
from astrolearn.errors import AstrolearnInputError

BANDS = list("ugriz")


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return simulate_catalog(20_000, seed=0)


def _measured(frame: pd.DataFrame, *bands: str) -> pd.Series:
    """Rows where every named band holds a real measurement (no 99 / -99 sentinel)."""
    ok = pd.Series(True, index=frame.index)
    for b in bands:
        ok &= frame[b].between(0.0, 50.0)
    return ok


def _galactic_latitude(frame: pd.DataFrame) -> np.ndarray:
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    coords = SkyCoord(frame["ra"].to_numpy() * u.deg, frame["dec"].to_numpy() * u.deg)
    return coords.galactic.b.deg


# --- reproducibility, columns, dtypes --------------------------------------------------------


def test_same_seed_same_table_and_different_seeds_differ():
    a = simulate_catalog(3000, seed=7)
    b = simulate_catalog(3000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_catalog(3000, seed=8)
    assert not np.allclose(a["r"].to_numpy(), c["r"].to_numpy())
    assert (a["class"] != c["class"]).any()


def test_columns_and_dtypes(cat):
    expected = ["object_id", "ra", "dec", "ebv", *BANDS, *(f"{b}_err" for b in BANDS)]
    assert list(cat.columns) == [*expected, "class", "redshift"]
    assert cat["object_id"].dtype == np.int64
    np.testing.assert_array_equal(cat["object_id"].to_numpy(), np.arange(len(cat)))
    for col in ["ra", "dec", "ebv", "redshift", *BANDS, *(f"{b}_err" for b in BANDS)]:
        assert cat[col].dtype == np.float64, col
        assert np.isfinite(cat[col]).all(), col
    assert pd.api.types.is_string_dtype(cat["class"])
    assert set(cat["class"].unique()) == {"STAR", "GALAXY", "QSO"}
    assert cat["ra"].between(120.0, 240.0).all()
    assert cat["dec"].between(-5.0, 60.0).all()
    assert (cat["ebv"] > 0).all()
    assert 0.02 < cat["ebv"].median() < 0.04  # SFD-like at high Galactic latitude


def test_single_row_and_band_subsets():
    one = simulate_catalog(1, seed=3)
    assert len(one) == 1
    sub = simulate_catalog(500, seed=3, bands="zig")
    assert [c for c in sub.columns if len(c) == 1] == ["z", "i", "g"]
    assert "u" not in sub.columns and "u_err" not in sub.columns
    listed = simulate_catalog(500, seed=3, bands=["g", "r"])
    assert {"g", "r", "g_err", "r_err"} <= set(listed.columns)
    # the three spellings of a band list are equivalent
    pd.testing.assert_frame_equal(listed, simulate_catalog(500, seed=3, bands="g,r"))
    # a band's values do not depend on which other bands were asked for
    full = simulate_catalog(500, seed=3)
    for col in ["g", "r", "g_err", "r_err", "class", "redshift", "ebv", "ra"]:
        pd.testing.assert_series_equal(listed[col], full[col])


def test_lsst_bands():
    lsst = simulate_catalog(4000, seed=2, bands="ugrizy")
    assert {"y", "y_err"} <= set(lsst.columns)
    ok = _measured(lsst, *"ugrizy")
    assert ok.mean() > 0.95  # LSST 10-year depths: almost everything detected
    # deeper survey: much smaller errors than SDSS at the same magnitudes
    sdss = simulate_catalog(4000, seed=2)
    faint = sdss["r"].between(21.0, 22.0)
    faint_l = lsst["r"].between(21.0, 22.0)
    assert lsst.loc[faint_l, "r_err"].median() < 0.2 * sdss.loc[faint, "r_err"].median()
    assert set(LSST_EXTINCTION) == set("ugrizy")


# --- class mix ---------------------------------------------------------------------------


def test_default_class_fractions(cat):
    frac = cat["class"].value_counts(normalize=True)
    for name, expected in DEFAULT_CLASS_FRACTIONS.items():
        assert abs(frac[name] - expected) < 0.015, name
    assert DEFAULT_CLASS_FRACTIONS == {"GALAXY": 0.59, "STAR": 0.22, "QSO": 0.19}


def test_custom_class_fractions():
    stars = simulate_catalog(500, seed=1, class_fractions={"STAR": 1.0})
    assert (stars["class"] == "STAR").all()
    mix = simulate_catalog(4000, seed=1, class_fractions={"GALAXY": 0.5, "QSO": 0.5})
    assert set(mix["class"].unique()) == {"GALAXY", "QSO"}
    assert abs((mix["class"] == "QSO").mean() - 0.5) < 0.04


# --- physics ------------------------------------------------------------------------------


def test_stars_follow_a_tight_locus(cat):
    s = cat[(cat["class"] == "STAR") & (cat["r"] < 19.0) & _measured(cat, "g", "r", "i")]
    gr = (s["g"] - s["r"]).to_numpy()
    ri = (s["r"] - s["i"]).to_numpy()
    assert np.corrcoef(gr, ri)[0, 1] > 0.8
    # along the main sequence (g-r < 1.3) r-i is a smooth function of g-r with small scatter
    ms = (gr > -0.1) & (gr < 1.3)
    coef = np.polyfit(gr[ms], ri[ms], 3)
    resid = ri[ms] - np.polyval(coef, gr[ms])
    assert np.median(np.abs(resid)) < 0.04
    # M dwarfs: g-r saturates near 1.5 while r-i keeps growing
    m_dwarf = ri > 1.0
    assert m_dwarf.sum() > 50
    assert 1.3 < np.median(gr[m_dwarf]) < 1.7
    # stars have (almost) zero redshift
    assert cat.loc[cat["class"] == "STAR", "redshift"].abs().max() < 0.005


def test_quasar_uv_excess_and_u_dropouts(cat):
    ok = _measured(cat, "u", "g")
    ug = cat["u"] - cat["g"]
    qso_low = (cat["class"] == "QSO") & (cat["redshift"] < 2.0) & ok
    gal = (cat["class"] == "GALAXY") & ok
    # UV excess: quasars at z < 2 are much bluer in u-g than galaxies
    assert ug[qso_low].median() < 0.5
    assert ug[gal].median() - ug[qso_low].median() > 0.6
    # Lyman-alpha forest and Lyman limit: quasars above z ~ 3.2 drop out of u
    hi = (cat["class"] == "QSO") & (cat["redshift"] > 3.2) & _measured(cat, "g")
    assert hi.sum() > 30
    dropout = (cat.loc[hi, "u"] == 99.0) | (ug[hi] > 1.5)
    assert dropout.mean() > 0.7
    low_all = (cat["class"] == "QSO") & (cat["redshift"] < 2.0) & _measured(cat, "g")
    low_drop = (cat.loc[low_all, "u"] == 99.0) | (ug[low_all] > 1.5)
    assert low_drop.mean() < 0.15
    qz = cat.loc[cat["class"] == "QSO", "redshift"]
    assert qz.between(0.3, 4.5).all()
    assert 1.3 < qz.median() < 2.0


def test_galaxy_colours_redden_with_redshift(cat):
    g = cat[(cat["class"] == "GALAXY") & _measured(cat, "g", "r", "i")]
    gr = g["g"] - g["r"]
    bins = [(0.02, 0.12), (0.12, 0.25), (0.25, 0.40)]
    medians = [gr[g["redshift"].between(lo, hi)].median() for lo, hi in bins]
    assert medians[0] < medians[1] < medians[2]
    assert medians[2] - medians[0] > 0.4
    # the 4000 A break moves from g-r into r-i beyond z ~ 0.4
    ri = g["r"] - g["i"]
    red_hi = g["redshift"].between(0.5, 0.7) & (gr > 1.3)
    red_lo = g["redshift"].between(0.05, 0.15) & (gr > 0.7)
    assert ri[red_hi].median() - ri[red_lo].median() > 0.35
    # n(z) like a BOSS-era spectroscopic sample
    z = cat.loc[cat["class"] == "GALAXY", "redshift"]
    assert z.between(0.05, 0.8).mean() > 0.75
    assert 0.25 < z.median() < 0.55
    # brighter galaxies are nearer
    assert np.corrcoef(g["r"], g["redshift"])[0, 1] > 0.5


def test_errors_grow_with_magnitude(cat):
    ok = _measured(cat, "r")
    r, err = cat.loc[ok, "r"], cat.loc[ok, "r_err"]
    assert pd.Series(r).corr(pd.Series(err), method="spearman") > 0.9
    bright = err[r < 17.0]
    assert 0.008 < bright.median() < 0.013  # the 0.01 mag calibration floor
    at_depth = err[r.between(22.0, 22.4)]  # SDSS r depth 22.2: SNR ~ 5, err ~ 0.22
    assert 0.15 < at_depth.median() < 0.3
    # a deeper survey gives smaller errors at the same magnitudes
    deep = simulate_catalog(5000, seed=0, depth={"r": 24.2})
    ok_d = _measured(deep, "r")
    faint_deep = deep.loc[ok_d & deep["r"].between(21.0, 22.0), "r_err"].median()
    assert faint_deep < 0.3 * err[r.between(21.0, 22.0)].median()


def test_non_detections(cat):
    for b in BANDS:
        nd = cat[b] == 99.0
        np.testing.assert_array_equal(cat.loc[nd, f"{b}_err"].to_numpy(), 99.0)
        assert ((cat[f"{b}_err"] == 99.0) == nd).all()
    rate = {b: (cat[b] == 99.0).mean() for b in BANDS}
    assert rate["u"] > 0.05 and rate["u"] > 5 * rate["r"]
    assert rate["z"] > 2 * rate["r"]
    assert rate["r"] < 0.005
    # non-detections are faint objects
    any_nd = (cat[BANDS] == 99.0).any(axis=1)
    ok_r = _measured(cat, "r")
    assert cat.loc[any_nd & ok_r, "r"].median() > 20.5
    assert (any_nd & ok_r & (cat["r"] < 17.0)).mean() < 0.002
    # detected magnitudes stay within a sane range
    for b in BANDS:
        m = cat.loc[_measured(cat, b), b]
        assert m.between(10.0, 30.0).all()


def test_missing_values(cat):
    total = len(cat) * len(BANDS)
    n_missing = int((cat[BANDS] == -99.0).to_numpy().sum())
    assert 0.002 < n_missing / total < 0.004  # missing_fraction = 0.003
    for b in BANDS:
        ms = cat[b] == -99.0
        assert ((cat[f"{b}_err"] == -99.0) == ms).all()
    many = simulate_catalog(4000, seed=1, missing_fraction=0.05)
    frac = (many[BANDS] == -99.0).to_numpy().mean()
    assert abs(frac - 0.05) < 0.006
    none = simulate_catalog(2000, seed=1, missing_fraction=0.0)
    assert not (none[BANDS] == -99.0).to_numpy().any()


def test_custom_sentinels():
    d = simulate_catalog(
        3000, seed=4, nondetection_value=30.0, missing_value=np.nan, missing_fraction=0.02
    )
    assert (d["u"] == 30.0).any() and (d["u_err"] == 30.0).any()
    assert d["u"].isna().any()
    assert (d["u"].isna() == d["u_err"].isna()).all()
    assert not (d[BANDS] == 99.0).to_numpy().any()


def test_extinction_reddens_colours_by_the_sdss_coefficients():
    assert SDSS_EXTINCTION == {"u": 4.239, "g": 3.303, "r": 2.285, "i": 1.698, "z": 1.263}
    # Whole sky: E(B-V) spans ~0.01 to > 0.3. Galaxies are isotropic, so their intrinsic
    # colours do not depend on E(B-V); select them on the dereddened r so that the cut does
    # not depend on E(B-V) either.
    d = simulate_catalog(30_000, seed=11, sky=(0.0, 360.0, -90.0, 90.0))
    assert np.percentile(d["ebv"], 95) > 0.2
    r0 = d["r"] - SDSS_EXTINCTION["r"] * d["ebv"]
    gal = d[(d["class"] == "GALAXY") & _measured(d, "g", "r", "z") & (r0 < 19.5)]
    ebv = gal["ebv"].to_numpy()
    k = SDSS_EXTINCTION["g"] - SDSS_EXTINCTION["z"]
    raw = (gal["g"] - gal["z"]).to_numpy()
    slope_raw = np.polyfit(ebv, raw, 1)[0]
    slope_fixed = np.polyfit(ebv, raw - k * ebv, 1)[0]
    assert abs(slope_raw - k) < 0.4
    assert abs(slope_fixed) < 0.4
    # high- and low-E(B-V) halves have the same dereddened colours on average
    fixed = raw - k * ebv
    hi = ebv > np.median(ebv)
    assert abs(fixed[hi].mean() - fixed[~hi].mean()) < 0.05
    assert raw[hi].mean() - raw[~hi].mean() > 0.5 * k * (ebv[hi].mean() - ebv[~hi].mean())
    # dust is thicker at low Galactic latitude
    b = np.abs(_galactic_latitude(d))
    assert np.median(d["ebv"][b < 20]) > 2 * np.median(d["ebv"][b > 60])


def test_stars_concentrate_towards_the_galactic_plane():
    d = simulate_catalog(20_000, seed=5, sky=(0.0, 360.0, -90.0, 90.0))
    low = np.abs(_galactic_latitude(d)) < 30.0
    star_low = low[(d["class"] == "STAR").to_numpy()].mean()
    gal_low = low[(d["class"] == "GALAXY").to_numpy()].mean()
    assert abs(gal_low - 0.5) < 0.03  # isotropic: sin(30 deg) of the sphere
    assert star_low > gal_low + 0.15


def test_classes_separable_but_not_trivially(cat):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split
    from threadpoolctl import threadpool_limits

    mags = cat[BANDS].to_numpy().copy()
    mags[np.abs(mags) > 50.0] = np.nan  # sentinels -> missing, handled natively by HGB
    x = np.column_stack([mags, mags[:, :-1] - mags[:, 1:]])
    y = cat["class"].to_numpy()
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    # one OpenMP thread: on small shared machines more threads can be far slower
    with threadpool_limits(1):
        clf = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(x_tr, y_tr)
    acc = clf.score(x_te, y_te)
    majority = pd.Series(y_te).value_counts(normalize=True).iloc[0]
    assert acc > majority + 0.2
    assert 0.85 < acc < 0.97  # SDSS ugriz-only classifiers reach ~0.88-0.95


# --- bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": -5},
        {"n": 2.5},
        {"n": True},
        {"class_fractions": {"STAR": 0.5, "GALAXY": 0.3}},
        {"class_fractions": {"STAR": 0.5, "GALAXY": 0.6, "QSO": -0.1}},
        {"class_fractions": {"STARS": 0.5, "GALAXY": 0.5}},
        {"bands": "ugrqz"},
        {"bands": "ggr"},
        {"bands": ""},
        {"depth": {"y": 22.0}},
        {"depth": {"r": float("nan")}},
        {"missing_fraction": 1.0},
        {"missing_fraction": -0.1},
        {"nondetection_value": -99.0, "missing_value": -99.0},
        {"sky": (240.0, 120.0, 0.0, 10.0)},
        {"sky": (0.0, 10.0, -95.0, 10.0)},
        {"sky": (0.0, 10.0)},
    ],
)
def test_bad_arguments_raise(kwargs):
    kwargs = {"n": 10, **kwargs}
    with pytest.raises(AstrolearnInputError) as info:
        simulate_catalog(**kwargs)
    assert "Fix:" in str(info.value)
    assert isinstance(info.value, ValueError)
