"""Tests of the multi-band transient light-curve simulator (astrolearn.datasets.transient_sim)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.datasets import simulate_transients
from astrolearn.datasets.transient_sim import GALACTIC_CLASSES, TRANSIENT_CLASSES
from astrolearn.errors import AstrolearnInputError

EXPLOSIVE = ["SNIa", "SNIbc", "SNII-P", "SNIIn", "SLSN", "TDE"]
DES_R_G = 3.186  # Abbott et al. (2018), A_g / E(B-V) for DES


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_transients(40, seed=3, truth=True)


def _distmod(z: np.ndarray) -> np.ndarray:
    from astropy.cosmology import FlatLambdaCDM

    return FlatLambdaCDM(H0=70.0, Om0=0.3).distmod(z).value


# ------------------------------------------------------------------------------ structure
def test_columns_dtypes_and_sorting(sim):
    lc, meta = sim
    assert list(lc.columns[:6]) == ["object_id", "time", "band", "flux", "flux_err", "detected"]
    assert lc["object_id"].dtype == np.int64
    assert lc["time"].dtype == np.float64
    assert lc["flux"].dtype == np.float64 and lc["flux_err"].dtype == np.float64
    assert lc["detected"].dtype == bool
    assert set(lc["band"]) == set("ugrizy")
    assert all(isinstance(b, str) for b in lc["band"].iloc[:50])
    assert (lc["flux_err"] > 0).all() and np.isfinite(lc["flux"]).all()
    key = lc[["object_id", "time"]].to_numpy()
    order = np.lexsort((key[:, 1], key[:, 0]))
    assert (order == np.arange(len(lc))).all()
    assert not lc.duplicated(["object_id", "time"]).any()
    expected = ["object_id", "label", "redshift", "redshift_err", "true_redshift", "mwebv",
                "peak_time", "ra", "dec"]
    assert list(meta.columns[:9]) == expected
    assert meta["object_id"].is_monotonic_increasing and meta["object_id"].is_unique
    assert set(meta["object_id"]) == set(lc["object_id"])
    assert meta["dec"].between(-66, 6).all() and meta["ra"].between(0, 360).all()
    # no truth leaks into the default output
    lc0, meta0 = simulate_transients(3, classes=["SNIa"], seed=0)
    assert "flux_true" not in lc0 and "peak_absmag" not in meta0


def test_class_counts_and_mapping(sim):
    _, meta = sim
    assert meta["label"].value_counts().to_dict() == dict.fromkeys(TRANSIENT_CLASSES, 40)
    _, m2 = simulate_transients({"SNIa": 7, "periodic": 3}, seed=1)
    assert m2["label"].value_counts().to_dict() == {"SNIa": 7, "periodic": 3}
    # object ids do not encode the class
    ids = m2.sort_values("label")["object_id"].to_numpy()
    assert not (np.diff(ids) > 0).all()


def test_determinism_and_seed_dependence():
    a = simulate_transients(6, classes=["SNIa", "AGN", "periodic"], seed=11)
    b = simulate_transients(6, classes=["SNIa", "AGN", "periodic"], seed=11)
    c = simulate_transients(6, classes=["SNIa", "AGN", "periodic"], seed=12)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not np.array_equal(a[1]["true_redshift"], c[1]["true_redshift"])
    assert len(a[0]) != len(c[0]) or not np.allclose(a[0]["flux"], c[0]["flux"])


# ------------------------------------------------------------------------------ physics
def test_galactic_redshift_zero_and_extragalactic_photoz(sim):
    _, meta = sim
    gal = meta["label"].isin(GALACTIC_CLASSES)
    assert (meta.loc[gal, ["redshift", "redshift_err", "true_redshift"]] == 0).all().all()
    ex = meta[~gal]
    assert ex[["redshift", "redshift_err", "true_redshift", "mwebv"]].notna().all().all()
    assert (ex["redshift"] > 0).all() and (ex["redshift_err"] > 0).all()
    dz = (ex["redshift"] - ex["true_redshift"]).abs() / (1 + ex["true_redshift"])
    assert 0.01 < dz.median() < 0.08  # realistic photo-z scatter
    assert (dz > 0.3).mean() < 0.2  # some catastrophic outliers, not many
    assert meta["peak_time"][meta["label"].isin(EXPLOSIVE)].notna().all()
    assert meta["peak_time"][meta["label"].isin(["AGN", "periodic"])].isna().all()
    assert 0.01 < meta["mwebv"].median() < 0.05


def test_negative_fluxes_and_detection_flag(sim):
    lc, _ = sim
    snr = lc["flux"] / lc["flux_err"]
    assert (lc["detected"] == (snr >= 5)).all()
    assert (lc["flux"] < 0).mean() > 0.1  # difference fluxes of non-detections go negative
    assert (lc.groupby("object_id")["detected"].sum() >= 2).all()
    # noise is consistent with the stated errors
    pull = (lc["flux"] - lc["flux_true"]) / lc["flux_err"]
    assert abs(pull.std() - 1.0) < 0.05 and abs(pull.mean()) < 0.05


def test_seasonal_gaps_and_cadence(sim):
    lc, _ = sim
    t = lc.groupby("object_id")["time"]
    max_gap = lc.groupby("object_id")["time"].apply(lambda s: np.diff(s.to_numpy()).max())
    assert (max_gap > 100).mean() > 0.95
    span = t.max() - t.min()
    assert (span > 700).all() and (span < 3 * 365.25 + 1).all()
    n_obs = t.size()
    assert 90 < n_obs.median() < 200  # PLAsTiCC-like number of points over 3 years
    frac = lc["band"].value_counts(normalize=True)
    assert frac["r"] > frac["g"] > frac["u"]


def test_peak_r_magnitudes_span_realistic_range(sim):
    lc, meta = sim
    labels = meta.set_index("object_id")["label"]
    r = lc[(lc["band"] == "r") & lc["detected"]]
    peak = 27.5 - 2.5 * np.log10(r.groupby("object_id")["flux"].max())
    tr = peak[labels.reindex(peak.index).isin(EXPLOSIVE).to_numpy()]
    assert len(tr) > 150
    assert tr.min() > 15.0 and tr.max() < 25.5
    assert np.percentile(tr, 5) < 21.5 and np.percentile(tr, 95) > 23.3
    assert 22.0 < tr.median() < 24.0  # most transients are faint, near the detection limit


def test_ia_peak_absolute_magnitude_matches_literature():
    lc, meta = simulate_transients(120, classes=["SNIa"], survey="des", cadence_days=1,
                                   z_max=0.14, seed=5, truth=True)
    g = lc[lc["band"] == "g"]
    m = meta.set_index("object_id")
    # objects observed around peak (not in a seasonal gap)
    near = g.merge(m[["peak_time"]], left_on="object_id", right_index=True)
    near = near[(near["time"] - near["peak_time"]).abs() < 2.0]
    ids = near["object_id"].unique()
    assert len(ids) > 40
    peak_flux = g[g["object_id"].isin(ids)].groupby("object_id")["flux_true"].max()
    z = m.loc[peak_flux.index, "true_redshift"].to_numpy()
    ebv = m.loc[peak_flux.index, "mwebv"].to_numpy()
    absmag = (27.5 - 2.5 * np.log10(peak_flux.to_numpy()) - _distmod(z)
              + 2.5 * np.log10(1 + z) - DES_R_G * ebv)
    # Tripp-standardisable SNe Ia: M_B = -19.3 with a raw scatter of a few tenths
    assert -19.55 < np.median(absmag) < -19.05
    assert 0.15 < np.std(absmag) < 0.55
    assert np.median(np.abs(absmag - m.loc[peak_flux.index, "peak_absmag"])) < 0.15


def test_time_dilation_broadens_high_redshift_ia():
    lc, meta = simulate_transients(200, classes=["SNIa"], survey="des", cadence_days=1,
                                   z_max=0.8, seed=6, truth=True)
    lam = {"g": 4730.0, "r": 6420.0, "i": 7840.0, "z": 9260.0}
    m = meta.set_index("object_id")
    widths, zs = [], []
    for oid, obj in lc.groupby("object_id"):
        z = m.at[oid, "true_redshift"]
        band = min(lam, key=lambda b: abs(np.log(lam[b] / (1 + z) / 4400.0)))
        f = obj[obj["band"] == band]
        t, y = f["time"].to_numpy(), f["flux_true"].to_numpy()
        if y.size < 10:
            continue
        above = np.flatnonzero(y >= 0.5 * y.max())
        lo, hi = above[0], above[-1]
        # the half-maximum crossings must both be sampled (no seasonal gap)
        if lo == 0 or hi == y.size - 1 or np.diff(t[lo - 1:hi + 2]).max() > 6.0:
            continue
        widths.append(t[hi] - t[lo])
        zs.append(z)
    widths, zs = np.array(widths), np.array(zs)
    assert len(widths) > 30
    low, high = zs < np.median(zs), zs >= np.median(zs)
    assert np.median(widths[high]) > 1.15 * np.median(widths[low])
    rest = widths / (1 + zs)
    assert np.median(rest[high]) == pytest.approx(np.median(rest[low]), rel=0.2)
    assert 15 < np.median(rest) < 35  # rest-frame B FWHM of a SN Ia (~ 20-30 d)


def test_des_survey_and_total_flux():
    lc, meta = simulate_transients(8, classes=["AGN", "periodic", "SNII-P"], survey="des",
                                   flux_kind="total", seed=2)
    assert set(lc["band"]) == set("griz")
    assert meta["dec"].between(-46, 2).all()
    labels = meta.set_index("object_id")["label"]
    var = lc[labels.reindex(lc["object_id"]).isin(["AGN", "periodic"]).to_numpy()]
    assert (var["flux"] > 0).mean() > 0.9  # total fluxes of AGN and stars stay positive
    # every DES night observes g, r, i and z
    nights = lc.assign(night=np.floor(lc["time"])).groupby(["object_id", "night"])["band"]
    assert (nights.nunique() == 4).all()


def test_agn_bluer_is_more_variable():
    lc, _ = simulate_transients(60, classes=["AGN"], flux_kind="total", z_max=1.0, seed=4)
    good = lc[lc["flux"] > 20 * lc["flux_err"]]
    mag = -2.5 * np.log10(good["flux"])
    sd = mag.groupby([good["object_id"], good["band"]]).std().unstack()
    both = sd[["g", "i"]].dropna()
    assert len(both) > 10
    assert (both["g"] > both["i"]).mean() > 0.6


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"n_per_class": 0}, "n_per_class"),
        ({"n_per_class": -3}, "n_per_class"),
        ({"n_per_class": 2.5}, "n_per_class"),
        ({"n_per_class": {"SNIa": 2}, "classes": ["SNIa"]}, "classes"),
        ({"classes": ["SNIa", "Kilonova"]}, "classes"),
        ({"classes": "SNIa"}, "classes"),
        ({"classes": []}, "classes"),
        ({"n_per_class": {"snia": 2}}, "n_per_class"),
        ({"survey": "ztf"}, "survey"),
        ({"seed": -1}, "seed"),
        ({"z_max": 0.0}, "z_max"),
        ({"years": 20}, "years"),
        ({"cadence_days": 0.1}, "cadence_days"),
        ({"min_detections": -1}, "min_detections"),
        ({"flux_kind": "raw"}, "flux_kind"),
    ],
)
def test_invalid_arguments(kwargs, column):
    with pytest.raises(AstrolearnInputError) as info:
        simulate_transients(**{"n_per_class": 2, **kwargs})
    assert info.value.column == column
    assert info.value.fix
