"""Non-detections, missing values, colours, dereddening and errors of the feature builder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.catalogs.photometry import PhotometryFeatures, resolve_error_columns
from astrolearn.errors import AstrolearnInputError

FRAME = pd.DataFrame({
    "u": [20.0, 99.0, -99.0, np.nan, 31.0, np.inf],
    "g": [19.0, 21.0, 20.0, 19.5, 22.0, 20.5],
    "r": [18.5, 20.0, 19.0, 19.0, 21.0, 20.0],
    "u_err": [0.05, 99.0, -99.0, np.nan, 0.5, 0.3],
    "g_err": [0.02, 0.05, 0.03, 0.04, 0.1, 0.06],
    "r_err": [0.01, 0.03, 0.02, 0.02, 0.05, 0.04],
    "ebv": [0.1, 0.0, 0.0, 0.0, 0.0, 0.0],
})


def test_sentinels_become_missing_or_nondetections_never_numbers():
    features = PhotometryFeatures(["u", "g", "r"], errors=None).fit(FRAME)
    table = features.transform(FRAME)
    # rows 1, 4 (>= 30 mag), 5 (+inf) are non-detections; rows 2 (-99) and 3 (NaN) not measured
    assert table["u_nondet"].tolist() == [0, 1, 0, 0, 1, 1]
    assert table["u_missing"].tolist() == [0, 0, 1, 1, 0, 0]
    assert np.isnan(table["u"].to_numpy()[1:]).all()
    assert np.isnan(table["u-g"].to_numpy()[1:]).all()
    assert table["u-g"].iloc[0] == pytest.approx(1.0)
    assert table["g-r"].tolist() == pytest.approx([0.5, 1.0, 1.0, 0.5, 1.0, 0.5])
    assert "g_nondet" not in table.columns  # no indicator for a band that never needs one


def test_report_counts_what_was_done():
    report = PhotometryFeatures(["u", "g", "r"]).inspect(FRAME)
    assert report.nondetections == {"u": 3, "g": 0, "r": 0}
    assert report.missing == {"u": 2, "g": 0, "r": 0}
    assert report.rows_with_nondetection == 3 and report.rows_with_missing == 2
    assert any("u: 3 non-detections, 2 not measured" in line for line in report.lines())


def test_faint_limit_is_configurable():
    report = PhotometryFeatures(["u", "g", "r"], faint_limit=21.5).inspect(FRAME)
    assert report.nondetections["g"] == 1  # g = 22.0 is now a non-detection


def test_imputation_rule_for_models_without_nan():
    train = pd.DataFrame({"u": np.r_[np.linspace(18, 23, 200), 99.0, -99.0],
                          "g": np.linspace(17, 22, 202)})
    features = PhotometryFeatures(["u", "g"], impute=True).fit(train)
    table = features.transform(train)
    measured = train["u"].to_numpy()[:200]
    assert table["u"].iloc[200] == pytest.approx(np.percentile(measured, 99.5), rel=1e-6)
    assert table["u"].iloc[201] == pytest.approx(np.median(measured), rel=1e-6)
    assert np.isfinite(table.to_numpy()).all()
    assert table["u_nondet"].iloc[200] == 1 and table["u_missing"].iloc[201] == 1


def test_errors_are_features_and_their_sentinels_are_missing():
    features = PhotometryFeatures(["u", "g", "r"], errors="auto").fit(FRAME)
    assert features.error_columns_ == ["u_err", "g_err", "r_err"]
    table = features.transform(FRAME)
    assert np.isnan(table["u_err"].to_numpy()[1:4]).all()
    assert table["g_err"].iloc[0] == pytest.approx(0.02)


def test_error_column_resolution():
    cols = ["mag_u", "mag_g", "magerr_u", "magerr_g"]
    assert resolve_error_columns(cols, ["mag_u", "mag_g"], "magerr_u,magerr_g") == [
        "magerr_u", "magerr_g"]
    assert resolve_error_columns(cols, ["mag_u", "mag_g"], "auto") is None
    with pytest.raises(AstrolearnInputError, match="magnitude-error column not found"):
        resolve_error_columns(cols, ["mag_u", "mag_g"], "{band}_err")
    with pytest.raises(AstrolearnInputError, match="2 bands"):
        resolve_error_columns(cols, ["mag_u", "mag_g"], ["magerr_u"])


def test_dereddening_subtracts_coefficient_times_ebv():
    features = PhotometryFeatures(["u", "g", "r"], ebv="ebv").fit(FRAME)
    assert features.coefficients_ == {"u": 4.239, "g": 3.303, "r": 2.285}
    table = features.transform(FRAME)
    assert table["g"].iloc[0] == pytest.approx(19.0 - 0.3303, abs=1e-5)
    assert table["g-r"].iloc[0] == pytest.approx(0.5 - 0.1 * (3.303 - 2.285), abs=1e-5)


def test_extinction_for_survey_style_column_names():
    frame = pd.DataFrame({"mag_g_lsst": [20.0], "mag_r_lsst": [19.0], "ebv": [0.1]})
    features = PhotometryFeatures(["mag_g_lsst", "mag_r_lsst"], ebv="ebv", extinction="lsst")
    assert features.fit(frame).coefficients_ == {"mag_g_lsst": 3.237, "mag_r_lsst": 2.273}
    with pytest.raises(AstrolearnInputError, match="no extinction coefficients"):
        PhotometryFeatures(["F1", "F2"], ebv="ebv").fit(
            pd.DataFrame({"F1": [1.0], "F2": [2.0], "ebv": [0.1]}))


def test_all_colour_pairs():
    features = PhotometryFeatures(["u", "g", "r"], colours="all").fit(FRAME)
    assert {"u-g", "u-r", "g-r"} <= set(features.feature_names_)


def test_bad_input_errors_name_the_column_and_the_fix():
    with pytest.raises(AstrolearnInputError) as info:
        PhotometryFeatures(["u", "g", "z"]).fit(FRAME)
    assert "'z'" in str(info.value) and "--bands" in str(info.value)
    text = FRAME.assign(g=["19.0", "abc", "20", "19", "22", "20"])
    with pytest.raises(AstrolearnInputError, match=r"non-numeric values.*'abc'"):
        PhotometryFeatures(["u", "g"]).fit(text)
    empty_band = FRAME.assign(r=[99.0] * 6)
    with pytest.raises(AstrolearnInputError) as info:
        PhotometryFeatures(["u", "g", "r"]).fit(empty_band)
    assert "'r'" in str(info.value) and "--bands u,g" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="no rows"):
        PhotometryFeatures(["u"]).fit(FRAME.iloc[:0])


def test_numeric_strings_are_accepted():
    text = FRAME.assign(g=["19.0", "21", "20", "19.5", "22", "20.5"])
    table = PhotometryFeatures(["u", "g", "r"]).fit(text).transform(text)
    assert table["g"].iloc[1] == 21.0


def test_state_round_trip_gives_identical_features():
    features = PhotometryFeatures(["u", "g", "r"], errors="auto", ebv="ebv",
                                  impute=True).fit(FRAME)
    again = PhotometryFeatures.from_state(features.get_state())
    pd.testing.assert_frame_equal(features.transform(FRAME), again.transform(FRAME))


def test_galactic_coordinates_as_features():
    frame = FRAME.assign(ra=266.405, dec=-28.936)  # Galactic centre
    table = PhotometryFeatures(["g", "r"], sky=("ra", "dec")).fit(frame).transform(frame)
    assert abs(table["gal_b"].iloc[0]) < 0.1
    bad = frame.assign(dec=[100.0] * 6)
    with pytest.raises(AstrolearnInputError, match="'dec'"):
        PhotometryFeatures(["g", "r"], sky=("ra", "dec")).fit(bad)


def test_extra_columns_are_used_as_given_and_filled_when_imputing():
    frame = FRAME.assign(psf_minus_model=[0.0, 0.5, np.nan, 0.1, 0.2, np.inf])
    plain = PhotometryFeatures(["g", "r"], extra=["psf_minus_model"]).fit(frame)
    table = plain.transform(frame)
    assert table["psf_minus_model"].iloc[1] == 0.5
    assert np.isnan(table["psf_minus_model"].iloc[[2, 5]]).all()
    filled = PhotometryFeatures(["g", "r"], extra=["psf_minus_model"], impute=True).fit(frame)
    # median of the finite values 0, 0.5, 0.1, 0.2
    assert filled.transform(frame)["psf_minus_model"].iloc[2] == pytest.approx(0.15)
    assert filled.feature_units()["psf_minus_model"] == "as given"
    assert filled.feature_units()["g-r"] == "mag"
