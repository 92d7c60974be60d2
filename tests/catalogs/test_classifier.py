"""SourceClassifier: the scikit-learn contract, every backend, persistence, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from astrolearn.catalogs import SourceClassifier
from astrolearn.catalogs.classifier import labels_from
from astrolearn.errors import AstrolearnInputError
from astrolearn.persist import load_model

FAST = {"lightgbm": {"n_estimators": 40}, "random_forest": {"n_estimators": 30},
        "knn": {}, "mlp": {"epochs": 40, "hidden_layers": [64]}}


def test_learns_the_simulated_catalog(catalog, fitted):
    test = catalog.iloc[3000:]
    accuracy = np.mean(fitted.predict(test) == test["class"].to_numpy())
    majority = test["class"].value_counts(normalize=True).max()
    assert accuracy > majority + 0.2
    proba = fitted.predict_proba(test)
    assert proba.shape == (len(test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert list(fitted.classes_) == ["GALAXY", "QSO", "STAR"]


@pytest.mark.parametrize("model", sorted(FAST))
def test_every_backend_fits_predicts_and_round_trips(tmp_path, catalog, model):
    train, test = catalog.iloc[:2500], catalog.iloc[2500:3000]
    clf = SourceClassifier(errors="{band}_err", model=model, model_params=FAST[model])
    clf.fit(train, train["class"])
    accuracy = np.mean(clf.predict(test) == test["class"].to_numpy())
    assert accuracy > 0.7, model
    clf.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    np.testing.assert_allclose(again.predict_proba(test), clf.predict_proba(test), atol=1e-6)
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["task"] == "sources" and manifest["model"] == model
    assert manifest["classes"] == ["GALAXY", "QSO", "STAR"]
    assert "u-g" in manifest["feature_names"] and manifest["feature_units"]["u-g"] == "mag"
    assert manifest["training"]["n_rows"] == 2500
    assert "numpy" in manifest["versions"]
    for name in manifest["files"].values():
        assert not name.endswith((".pkl", ".pickle", ".joblib"))


def test_same_seed_same_model_different_seed_different(catalog):
    train, test = catalog.iloc[:2000], catalog.iloc[2000:2500]
    a = SourceClassifier(model_params={"n_estimators": 30}, random_state=1).fit(train, "class")
    b = SourceClassifier(model_params={"n_estimators": 30}, random_state=1).fit(train, "class")
    c = SourceClassifier(model_params={"n_estimators": 30}, random_state=2).fit(train, "class")
    np.testing.assert_array_equal(a.predict_proba(test), b.predict_proba(test))
    assert not np.array_equal(a.predict_proba(test), c.predict_proba(test))


def test_sklearn_contract_clone_pipeline_cross_val_score(catalog):
    clf = SourceClassifier(model_params={"n_estimators": 20}, class_weight=None)
    params = clf.get_params()
    assert clone(clf).get_params() == params
    frame = catalog.iloc[:1500]
    scores = cross_val_score(clf, frame, frame["class"], cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)
    pipe = Pipeline([("classify", clf)]).fit(frame, frame["class"])
    assert pipe.predict(frame.iloc[:5]).shape == (5,)


def test_astropy_table_input_gives_the_same_answer(catalog, fitted):
    part = catalog.iloc[:50]
    np.testing.assert_allclose(fitted.predict_proba(Table.from_pandas(part)),
                               fitted.predict_proba(part))


def test_class_weights_raise_rare_class_completeness(catalog):
    rare = catalog[(catalog["class"] != "QSO") | (np.arange(len(catalog)) % 6 == 0)]
    train, test = rare.iloc[:2200], rare.iloc[2200:]
    recall = {}
    for weight in (None, "balanced"):
        clf = SourceClassifier(model_params={"n_estimators": 40}, class_weight=weight)
        predicted = clf.fit(train, train["class"]).predict(test)
        is_qso = test["class"].to_numpy() == "QSO"
        recall[weight] = np.mean(predicted[is_qso] == "QSO")
    assert recall["balanced"] >= recall[None]


def test_sentinel_rows_are_predicted_not_rejected(fitted, catalog):
    odd = catalog.iloc[:3].copy()
    odd["u"] = [99.0, -99.0, np.nan]
    proba = fitted.predict_proba(odd)
    assert np.isfinite(proba).all()


def test_predict_frame_columns(fitted, catalog):
    out = fitted.predict_frame(catalog.iloc[:4])
    assert list(out.columns) == ["prob_GALAXY", "prob_QSO", "prob_STAR", "predicted_class"]
    assert set(out["predicted_class"]) <= {"GALAXY", "QSO", "STAR"}


def test_bad_input_is_explained(catalog):
    clf = SourceClassifier(model_params={"n_estimators": 5})
    with pytest.raises(AstrolearnInputError, match="only one class"):
        clf.fit(catalog.iloc[:100], ["STAR"] * 100)
    with pytest.raises(AstrolearnInputError, match="no label"):
        clf.fit(catalog.iloc[:3], ["STAR", None, "QSO"])
    with pytest.raises(AstrolearnInputError, match="labels for"):
        clf.fit(catalog.iloc[:3], ["STAR", "QSO"])
    with pytest.raises(AstrolearnInputError, match=r"'klass'.*--label"):
        clf.fit(catalog.iloc[:30], "klass")
    with pytest.raises(AstrolearnInputError, match="unknown model"):
        SourceClassifier(model="xgboost").fit(catalog.iloc[:30], "class")
    fitted = clf.fit(catalog.iloc[:300], "class")
    with pytest.raises(AstrolearnInputError, match="'z'"):
        fitted.predict(catalog.iloc[:5].drop(columns="z"))


def test_loading_refuses_tampered_or_future_folders(tmp_path, fitted):
    fitted.save(tmp_path / "m")
    weights = tmp_path / "m" / json.loads((tmp_path / "m" / "manifest.json").read_text())[
        "files"]["weights"]
    weights.write_text(weights.read_text() + "\n")
    with pytest.raises(AstrolearnInputError, match="checksum"):
        SourceClassifier.load(tmp_path / "m")
    fitted.save(tmp_path / "m")  # replaces the old model folder
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["format_version"] = 99
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(AstrolearnInputError, match=r"format 99.*refit"):
        SourceClassifier.load(tmp_path / "m")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(AstrolearnInputError, match="not a model folder"):
        fitted.save(tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_labels_from_bytes_and_columns():
    assert labels_from([b"STAR ", "QSO"]).tolist() == ["STAR", "QSO"]
    frame = pd.DataFrame({"class": ["A", "B"]})
    assert labels_from("class", frame).tolist() == ["A", "B"]
