"""Tests of astrolearn.photoz.PhotoZ on simulated galaxies (one small ensemble fitted once)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import rng_scope
from astrolearn.photoz import PhotoZ
from astrolearn.photoz.calibration import PITRecalibration
from astrolearn.photoz.estimator import MEMBERS, redshifts_from
from astrolearn.photoz.metrics import interval_coverage, point_metrics
from astrolearn.photoz.pdf import make_grid, pdf_best, pdf_mean, pdf_median, pdf_mode

SMALL = {"mdn": {"epochs": 15, "hidden": [32, 32]},
         "flexcode": {"n_basis": 10, "n_estimators": 60},
         "knn": {}}
COMMON = {"errors": "{band}_err", "ebv": "ebv", "n_jobs": 1}
# the ensemble fixture takes ~5 s (simulation + three members): its users are marked slow
SLOW = pytest.mark.slow
FRAME_COLUMNS = ["z_median", "z_mode", "z_mean", "z_best", "z_risk", "z_lo68", "z_hi68",
                 "z_lo95", "z_hi95", "z_err68"]


@pytest.fixture(scope="module")
def galaxies():
    from astrolearn.datasets import simulate_catalog

    cat = simulate_catalog(6000, seed=0)
    gal = cat[cat["class"] == "GALAXY"].reset_index(drop=True)  # ~3500 rows
    cut = int(0.8 * len(gal))
    return gal.iloc[:cut].reset_index(drop=True), gal.iloc[cut:].reset_index(drop=True)


@pytest.fixture(scope="module")
def pz(galaxies):
    train, _ = galaxies
    # the MDN's initial weights come from torch's global RNG: seed it for a repeatable test
    with rng_scope(0):
        return PhotoZ(model_params=SMALL, **COMMON).fit(train, "redshift")


@pytest.fixture(scope="module")
def small(galaxies):
    """300 training galaxies for the quick error checks."""
    return galaxies[0].iloc[:300].copy()


# ---------------------------------------------------------------------------------------
# fitted ensemble
# ---------------------------------------------------------------------------------------


@SLOW
def test_grid(pz, galaxies):
    train, _ = galaxies
    # default top: 5% above the highest redshift, rounded up to 0.1
    top = np.ceil(train["redshift"].max() * 1.05 * 10) / 10
    np.testing.assert_allclose(pz.zgrid_, make_grid(0.0, top, 301))


@SLOW
def test_predict_pdf_shape_and_normalisation(pz, galaxies):
    _, test = galaxies
    pdfs = pz.predict_pdf(test.iloc[:200])
    assert pdfs.shape == (200, 301)
    assert np.isfinite(pdfs).all() and np.all(pdfs >= 0)
    np.testing.assert_allclose(np.trapezoid(pdfs, pz.zgrid_, axis=1), 1.0, rtol=1e-9)
    assert pz.predict_pdf(test.iloc[:0]).shape == (0, 301)


@SLOW
def test_predict_is_z_best(pz, galaxies):
    _, test = galaxies
    part = test.iloc[:100]
    z = pz.predict(part)
    assert z.shape == (100,)
    pdfs = pz.predict_pdf(part)
    np.testing.assert_allclose(z, pdf_best(pdfs, pz.zgrid_)[0])
    assert np.all((z >= pz.zgrid_[0]) & (z <= pz.zgrid_[-1]))
    # for these mostly narrow PDFs z_best and the median are close
    assert np.median(np.abs(z - pdf_median(pdfs, pz.zgrid_))) < 0.01


@SLOW
@pytest.mark.parametrize("kind, function", [("mode", pdf_mode), ("mean", pdf_mean),
                                            ("median", pdf_median)])
def test_other_point_estimates(pz, galaxies, kind, function):
    _, test = galaxies
    part = test.iloc[:50]
    other = copy.copy(pz)
    other.point_estimate = kind
    np.testing.assert_allclose(other.predict(part), function(pz.predict_pdf(part), pz.zgrid_))


@SLOW
def test_predict_frame(pz, galaxies):
    _, test = galaxies
    part = test.iloc[:150]
    frame = pz.predict_frame(part)
    assert list(frame.columns) == [*FRAME_COLUMNS, "pdf"]
    assert len(frame) == 150
    assert all(frame[c].dtype == np.float32 for c in FRAME_COLUMNS)
    tol = 1e-6
    assert np.all(frame["z_lo95"] <= frame["z_lo68"] + tol)
    assert np.all(frame["z_lo68"] <= frame["z_median"] + tol)
    assert np.all(frame["z_median"] <= frame["z_hi68"] + tol)
    assert np.all(frame["z_hi68"] <= frame["z_hi95"] + tol)
    np.testing.assert_allclose(frame["z_err68"], (frame["z_hi68"] - frame["z_lo68"]) / 2,
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(frame["z_best"], pz.predict(part), rtol=1e-6, atol=1e-6)
    assert np.all((frame["z_risk"] >= 0) & (frame["z_risk"] <= 1))
    codes = np.stack(frame["pdf"].to_numpy())
    assert codes.dtype == np.uint16 and codes.shape == (150, 301)
    assert np.all(codes.max(axis=1) == 65535)  # scaled to each PDF's peak
    assert list(pz.predict_frame(part, pdf=False).columns) == FRAME_COLUMNS


@SLOW
def test_ensemble_weights_and_calibration(pz, galaxies):
    train, _ = galaxies
    assert set(pz.weights_) == {"mdn", "flexcode", "knn"}
    assert sum(pz.weights_.values()) == pytest.approx(1.0)
    assert all(0.0 <= w <= 1.0 for w in pz.weights_.values())
    # weights are searched in steps of 0.1
    assert all(abs(w * 10 - round(w * 10)) < 1e-9 for w in pz.weights_.values())
    assert isinstance(pz.calibration_, PITRecalibration)
    assert set(pz.members_) == {"mdn", "flexcode", "knn"}
    assert all(isinstance(pz.members_[n], MEMBERS[n]) for n in MEMBERS)
    # about 15% of the rows are held out for the weights and the recalibration
    assert pz.n_training_rows_ == len(train)
    assert pz.n_calibration_rows_ / len(train) == pytest.approx(0.15, abs=0.03)
    assert {"crps_mdn", "crps_flexcode", "crps_knn", "crps_ensemble"} <= set(
        pz.calibration_scores_)
    # the chosen mixture is at least as good as each member alone (weight 1 is a candidate)
    best_member = min(pz.calibration_scores_[f"crps_{n}"] for n in MEMBERS)
    assert pz.calibration_scores_["crps_ensemble"] <= best_member + 1e-12
    # member settings reach the members
    assert pz.members_["mdn"].hidden == (32, 32) and pz.members_["mdn"].epochs == 15
    assert pz.members_["flexcode"].n_basis == 10


@SLOW
def test_accuracy_on_held_out_galaxies(pz, galaxies):
    _, test = galaxies
    pdfs = pz.predict_pdf(test)
    m = point_metrics(pdf_median(pdfs, pz.zgrid_), test["redshift"])
    assert m["sigma_nmad"] < 0.04  # measured 0.025
    assert abs(m["bias_median"]) < 0.01
    assert m["outlier_frac"] < 0.08  # measured 0.033
    # recalibrated PDFs: 68% intervals cover roughly 68% (measured 0.74)
    assert 0.58 < interval_coverage(pdfs, pz.zgrid_, test["redshift"])["coverage_68"] < 0.82


def test_knn_alone_has_no_calibration(galaxies):
    train, test = galaxies
    knn = PhotoZ(model="knn", **COMMON).fit(train, "redshift")
    assert knn.calibration_ is None and knn.weights_ == {"knn": 1.0}
    assert knn.n_calibration_rows_ == 0
    m = point_metrics(knn.predict(test), test["redshift"])
    assert m["sigma_nmad"] < 0.04  # measured 0.025
    recal = PhotoZ(model="knn", recalibrate=True, **COMMON).fit(train, "redshift")
    assert isinstance(recal.calibration_, PITRecalibration)
    assert recal.n_calibration_rows_ > 0


@SLOW
def test_clone_and_get_params(pz):
    params = pz.get_params()
    assert params["model_params"] == SMALL and params["errors"] == "{band}_err"
    assert params["model"] == "ensemble" and params["n_grid"] == 301
    twin = clone(pz)
    assert twin is not pz and not hasattr(twin, "members_")
    assert twin.get_params() == params
    with pytest.raises(NotFittedError):
        twin.predict_pdf(pd.DataFrame({"u": [20.0]}))
    twin.set_params(n_grid=101, model="knn")
    assert twin.get_params()["n_grid"] == 101 and pz.n_grid == 301


@SLOW
def test_required_columns(pz):
    columns = pz.required_columns()
    assert {"u", "g", "r", "i", "z", "u_err", "r_err", "ebv"} <= set(columns)
    assert "redshift" not in columns


# ---------------------------------------------------------------------------------------
# persistence
# ---------------------------------------------------------------------------------------


@SLOW
def test_save_load_round_trip(pz, galaxies, tmp_path):
    from astrolearn.persist import load_model

    _, test = galaxies
    part = test.iloc[:200]
    folder = pz.save(tmp_path / "model")
    assert (folder / "manifest.json").is_file()
    again = PhotoZ.load(folder)
    np.testing.assert_allclose(again.predict_pdf(part), pz.predict_pdf(part),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(again.zgrid_, pz.zgrid_)
    assert again.weights_ == pz.weights_
    np.testing.assert_array_equal(again.calibration_.knots_, pz.calibration_.knots_)
    assert again.get_params() == pz.get_params()
    # every member is restored, also one the weights leave out
    X, _ = pz._design(part)
    for name in MEMBERS:
        inputs = pz._member_inputs(name, X)
        np.testing.assert_allclose(again.members_[name].predict_pdf(inputs),
                                   pz.members_[name].predict_pdf(inputs), rtol=1e-6, atol=1e-8)
    loaded = load_model(folder)
    assert isinstance(loaded, PhotoZ)
    np.testing.assert_allclose(loaded.predict(part), pz.predict(part), rtol=1e-6, atol=1e-8)


def test_load_rejects_other_folders(tmp_path):
    from astrolearn.catalogs import SourceClassifier
    from astrolearn.datasets import simulate_catalog

    cat = simulate_catalog(400, seed=5)
    clf = SourceClassifier(model_params={"n_estimators": 5}, n_jobs=1).fit(cat, "class")
    folder = clf.save(tmp_path / "classifier")
    with pytest.raises(AstrolearnInputError, match="not a PhotoZ"):
        PhotoZ.load(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AstrolearnInputError, match="manifest"):
        PhotoZ.load(empty)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "manifest.json").write_text("{not json")
    with pytest.raises(AstrolearnInputError, match="JSON"):
        PhotoZ.load(garbage)
    with pytest.raises(AstrolearnInputError):
        PhotoZ.load(tmp_path / "no-such-folder")


# ---------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------


def test_nan_redshift(small):
    bad = small.copy()
    bad.loc[bad.index[7], "redshift"] = np.nan
    with pytest.raises(AstrolearnInputError, match="no valid redshift") as err:
        PhotoZ(model="knn", **COMMON).fit(bad, "redshift")
    assert err.value.column == "redshift" and "first at row 7" in str(err.value)


def test_missing_redshift_column(small):
    with pytest.raises(AstrolearnInputError, match="column not found") as err:
        PhotoZ(model="knn", **COMMON).fit(small, "zspec")
    assert err.value.column == "zspec"


def test_unknown_model(small):
    with pytest.raises(AstrolearnInputError, match="unknown photo-z model"):
        PhotoZ(model="bpz", **COMMON).fit(small, "redshift")
    with pytest.raises(AstrolearnInputError, match="unknown ensemble member 'bpz'"):
        PhotoZ(members=("knn", "bpz"), **COMMON).fit(small, "redshift")
    with pytest.raises(AstrolearnInputError, match="unknown ensemble member"):
        PhotoZ(members=(), **COMMON).fit(small, "redshift")


def test_ensemble_params_not_keyed_by_member(small):
    with pytest.raises(AstrolearnInputError, match="keyed by member, got 'epochs'"):
        PhotoZ(model_params={"epochs": 10}, **COMMON).fit(small, "redshift")


def test_z_max_below_highest_redshift(small):
    top = small["redshift"].max()
    with pytest.raises(AstrolearnInputError, match="below the highest training redshift"):
        PhotoZ(model="knn", z_max=top / 2, **COMMON).fit(small, "redshift")
    with pytest.raises(AstrolearnInputError, match="below the highest training redshift"):
        PhotoZ(model="knn", z_max=top, **COMMON).fit(small, "redshift")


def test_z_max_sets_the_grid(small):
    knn = PhotoZ(model="knn", z_max=3.0, n_grid=61, **COMMON).fit(small, "redshift")
    np.testing.assert_allclose(knn.zgrid_, make_grid(0.0, 3.0, 61))
    assert knn.predict_pdf(small.iloc[:5]).shape == (5, 61)


def test_too_few_rows(small):
    with pytest.raises(AstrolearnInputError, match="only 99 training rows"):
        PhotoZ(model="knn", **COMMON).fit(small.iloc[:99], "redshift")


def test_too_few_calibration_rows(small):
    # 120 rows, 15% held out -> fewer than the 50 the calibration needs
    with pytest.raises(AstrolearnInputError, match="held out for calibration"):
        PhotoZ(model="knn", recalibrate=True, **COMMON).fit(small.iloc[:120], "redshift")


def test_calibration_rows_are_capped(galaxies):
    train, _ = galaxies
    # ~2,800 rows: 15% is ~420 rows; a cap of 100 holds out exactly 100 of those
    full = PhotoZ(model="knn", recalibrate=True, max_calibration_rows=None, **COMMON)
    capped = PhotoZ(model="knn", recalibrate=True, max_calibration_rows=100, **COMMON)
    held_full = full._calibration_rows(len(train))
    held_capped = capped._calibration_rows(len(train))
    assert held_full.sum() == pytest.approx(0.15 * len(train), rel=0.15)
    assert held_capped.sum() == 100
    assert np.all(held_full[held_capped])  # a subset of the same seeded draw
    fitted = capped.fit(train, "redshift")
    assert fitted.n_calibration_rows_ == 100
    # below the cap nothing changes: the default cap (2,500) leaves this set alone
    default = PhotoZ(model="knn", recalibrate=True, **COMMON)
    np.testing.assert_array_equal(default._calibration_rows(len(train)), held_full)
    with pytest.raises(AstrolearnInputError, match="max_calibration_rows=10"):
        PhotoZ(model="knn", recalibrate=True, max_calibration_rows=10,
               **COMMON).fit(train, "redshift")


def test_unknown_point_estimate(small):
    with pytest.raises(AstrolearnInputError, match="point_estimate"):
        PhotoZ(model="knn", point_estimate="max", **COMMON).fit(small, "redshift")


def test_redshift_count_mismatch(small):
    with pytest.raises(AstrolearnInputError, match="redshifts for"):
        PhotoZ(model="knn", **COMMON).fit(small, small["redshift"].to_numpy()[:-1])


def test_redshifts_from():
    frame = pd.DataFrame({"zspec": [0.1, 0.5, 2.0], "name": ["a", "b", "c"]})
    z = redshifts_from("zspec", frame)
    assert z.dtype == np.float64 and z.tolist() == [0.1, 0.5, 2.0]
    assert redshifts_from(frame["zspec"]).tolist() == [0.1, 0.5, 2.0]
    assert redshifts_from([[0.1], [0.2]]).tolist() == [0.1, 0.2]
    with pytest.raises(AstrolearnInputError, match="column not found") as err:
        redshifts_from("z_spec", frame, file="cat.csv")
    assert err.value.column == "z_spec" and err.value.file == "cat.csv"
    assert "zspec" in str(err.value)  # the close match is suggested
    with pytest.raises(AstrolearnInputError, match="not numbers") as err:
        redshifts_from("name", frame)
    assert err.value.column == "name"
    with pytest.raises(AstrolearnInputError, match="first at row 1"):
        redshifts_from([0.1, -1.0, 0.3])
    with pytest.raises(AstrolearnInputError, match="2 rows"):
        redshifts_from([0.1, np.inf, np.nan])
    with pytest.raises(AstrolearnInputError):
        redshifts_from("zspec")  # a column name without a frame
