"""TransientClassifier: fit, early prediction, flags, input order, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.classifier import TransientClassifier

FAST = {"n_estimators": 40}


@pytest.fixture(scope="module")
def fitted(des_pair):
    lc, meta = des_pair
    return TransientClassifier(survey="des", model_params=FAST).fit(lc, "label", objects=meta)


def test_separates_ia_from_ii_p_on_new_objects(fitted, des_pair_test):
    lc, meta = des_pair_test
    proba = fitted.predict_proba(lc, meta)
    assert proba.shape == (len(meta), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    is_ia = (meta["label"] == "SNIa").to_numpy()
    assert roc_auc_score(is_ia, proba[:, list(fitted.classes_).index("SNIa")]) > 0.85


def test_early_prediction_uses_only_the_first_days(fitted, des_pair_test):
    lc, meta = des_pair_test
    early = fitted.predict_proba(lc, meta, days=10)
    # the same as predicting on light curves cut by hand
    from astrolearn.transients.lightcurves import clean_lightcurves, truncate_lightcurves

    cut = truncate_lightcurves(clean_lightcurves(lc)[0], 10)
    np.testing.assert_allclose(fitted.predict_proba(cut, meta), early)
    assert not np.allclose(early, fitted.predict_proba(lc, meta))


def test_unsorted_input_gives_the_same_answer(fitted, des_pair_test):
    lc, meta = des_pair_test
    shuffled = lc.sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(fitted.predict_proba(shuffled, meta),
                               fitted.predict_proba(lc, meta))


def test_output_follows_the_objects_table(fitted, des_pair_test):
    lc, meta = des_pair_test
    reordered = meta.iloc[::-1]
    np.testing.assert_allclose(fitted.predict_proba(lc, reordered),
                               fitted.predict_proba(lc, meta)[::-1])
    # without an objects table: sorted object ids
    ids = np.sort(meta["object_id"].to_numpy())
    frame = fitted.predict_frame(lc)
    assert frame["object_id"].tolist() == ids.tolist()


def test_poor_objects_are_flagged_not_dropped(fitted, des_pair_test):
    lc, meta = des_pair_test
    first = meta["object_id"].iloc[0]
    sparse = pd.concat([lc[lc["object_id"] != first],
                        lc[lc["object_id"] == first].head(2)], ignore_index=True)
    ghost = pd.DataFrame({"object_id": [999_999]})
    objects = pd.concat([meta[["object_id", "redshift", "redshift_err", "mwebv"]], ghost])
    frame = fitted.predict_frame(sparse, objects)
    row = frame.set_index("object_id")
    assert not row.loc[first, "usable"] and "too_few_points" in row.loc[first, "flags"]
    assert not row.loc[999_999, "usable"] and row.loc[999_999, "flags"] == "no_data"
    assert np.isfinite(frame.filter(like="prob_").to_numpy()).all()


def test_inputs_are_not_modified(des_pair):
    lc, meta = des_pair
    lc_copy, meta_copy = lc.copy(), meta.copy()
    TransientClassifier(survey="des", model_params={"n_estimators": 5},
                        early_copies=0).fit(lc, "label", objects=meta)
    pd.testing.assert_frame_equal(lc, lc_copy)
    pd.testing.assert_frame_equal(meta, meta_copy)


def test_labels_as_series_or_array(des_pair):
    lc, meta = des_pair
    series = meta.set_index("object_id")["label"].sample(frac=1.0, random_state=1)
    a = TransientClassifier(survey="des", model_params={"n_estimators": 5}, early_copies=0)
    b = TransientClassifier(survey="des", model_params={"n_estimators": 5}, early_copies=0)
    a.fit(lc, series, objects=meta)
    b.fit(lc, meta["label"].to_numpy(), objects=meta)
    np.testing.assert_allclose(a.predict_proba(lc, meta), b.predict_proba(lc, meta))


def test_save_and_load_give_identical_predictions(fitted, des_pair_test, tmp_path):
    lc, meta = des_pair_test
    fitted.save(tmp_path / "model")
    again = TransientClassifier.load(tmp_path / "model")
    np.testing.assert_allclose(again.predict_proba(lc, meta, days=20),
                               fitted.predict_proba(lc, meta, days=20))
    assert again.bands_ == ["g", "r", "i", "z"]


def test_sequence_and_average_models(des_pair, des_pair_test, tmp_path):
    lc, meta = des_pair
    clf = TransientClassifier(survey="des", model="average", model_params=FAST,
                              sequence_params={"hidden": 16, "epochs": 15})
    clf.fit(lc, "label", objects=meta)
    test_lc, test_meta = des_pair_test
    proba = clf.predict_proba(test_lc, test_meta)
    is_ia = (test_meta["label"] == "SNIa").to_numpy()
    assert roc_auc_score(is_ia, proba[:, list(clf.classes_).index("SNIa")]) > 0.8
    clf.save(tmp_path / "avg")
    again = TransientClassifier.load(tmp_path / "avg")
    np.testing.assert_allclose(again.predict_proba(test_lc, test_meta, days=15),
                               clf.predict_proba(test_lc, test_meta, days=15), atol=1e-6)


def test_redshift_augmentation_adds_fainter_copies(des_pair):
    lc, meta = des_pair
    low_z = meta[meta["redshift"] < 0.4]
    lc_low = lc[lc["object_id"].isin(low_z["object_id"])]
    clf = TransientClassifier(survey="des", model_params={"n_estimators": 5}, early_copies=0)
    clf.fit(lc_low, "label", objects=low_z, augment=2, cadence_pool=lc, pool_objects=meta)
    assert clf.n_training_objects_ == len(low_z)
    assert set(clf.classes_) == {"SNIa", "SNII-P"}
    # the network keeps each original and its copies on one side of its validation split
    net = TransientClassifier(survey="des", model="sequence", early_copies=0,
                              sequence_params={"hidden": 8, "epochs": 2})
    net.fit(lc_low, "label", objects=low_z, augment=1, cadence_pool=lc, pool_objects=meta)
    assert net.predict_proba(lc_low, low_z).shape == (len(low_z), 2)


def test_augmentation_moves_objects_from_their_own_redshift(des_pair):
    lc, meta = des_pair
    clf = TransientClassifier(survey="des", augment_redshift="z_spec")
    table = pd.DataFrame({"object_id": [1, 2, 3], "redshift": [0.30, 0.25, 0.40],
                          "z_spec": [0.21, np.nan, -1.0]})
    source = clf._template_redshifts(table, file=None)
    # the spectroscopic redshift where there is one, the photo-z elsewhere
    np.testing.assert_allclose(source["redshift"], [0.21, 0.25, 0.40])
    np.testing.assert_allclose(table["redshift"], [0.30, 0.25, 0.40])  # input untouched
    assert TransientClassifier(survey="des")._template_redshifts(table, None) is table
    with pytest.raises(AstrolearnInputError, match="augment_redshift column 'zz'"):
        TransientClassifier(augment_redshift="zz")._template_redshifts(table, "objects.csv")
    # end to end: the fit runs with a spectroscopic column beside the photo-z
    low_z = meta[meta["redshift"] < 0.4].assign(z_spec=lambda m: m["redshift"] * 0.9)
    lc_low = lc[lc["object_id"].isin(low_z["object_id"])]
    fitted = TransientClassifier(survey="des", model_params={"n_estimators": 5},
                                 early_copies=0, augment_redshift="z_spec")
    fitted.fit(lc_low, "label", objects=low_z, augment=1, cadence_pool=lc, pool_objects=meta)
    assert fitted.predict_proba(lc_low, low_z).shape == (len(low_z), 2)


def test_bad_options_and_labels(des_pair):
    lc, meta = des_pair
    with pytest.raises(AstrolearnInputError, match="model"):
        TransientClassifier(model="forest").fit(lc, "label", objects=meta)
    with pytest.raises(AstrolearnInputError, match="label column"):
        TransientClassifier(survey="des").fit(lc, "type", objects=meta)
    with pytest.raises(AstrolearnInputError, match="labels for"):
        TransientClassifier(survey="des").fit(lc, ["SNIa"] * 3, objects=meta)
    with pytest.raises(AstrolearnInputError, match="survey"):
        TransientClassifier(survey="nosuchsurvey").fit(lc, "label", objects=meta)


def test_unknown_band_at_prediction_is_named(fitted, des_pair_test):
    lc, meta = des_pair_test
    odd = lc.copy()
    odd.loc[odd.index[:5], "band"] = "Y"
    with pytest.warns(UserWarning, match="not among the model's bands"):
        fitted.predict_proba(odd, meta)


def test_gaussian_process_features_join_the_table(des_pair):
    lc, meta = des_pair
    few = meta.iloc[::6]
    lc_few = lc[lc["object_id"].isin(few["object_id"])]
    clf = TransientClassifier(survey="des", gp_features=True, early_copies=0,
                              model_params={"n_estimators": 5}).fit(lc_few, "label",
                                                                     objects=few)
    gp_columns = [c for c in clf.feature_names_ if c.startswith("gp_")]
    assert "gp_peak_time" not in gp_columns  # an absolute date is no feature
    assert "gp_peak_after_first_detection" in gp_columns
    assert any(c.startswith("gp_color_") for c in gp_columns)
    assert clf.predict_proba(lc_few, few).shape == (len(few), 2)
