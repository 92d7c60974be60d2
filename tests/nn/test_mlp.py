"""TorchMLPClassifier: learning, the scikit-learn contract and pickle-free persistence."""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_moons
from sklearn.impute import SimpleImputer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn import TorchMLPClassifier

FAST = dict(
    hidden_layers=(32, 32), epochs=60, batch_size=64, learning_rate=1e-2, dropout=0.0, device="cpu"
)


@pytest.fixture(scope="module")
def moons():
    return make_moons(400, noise=0.15, random_state=0)


@pytest.fixture(scope="module")
def stars_galaxies_qsos():
    X, y = make_blobs(300, n_features=4, centers=3, cluster_std=1.5, random_state=1)
    return X, np.array(["star", "galaxy", "qso"])[y]


@pytest.fixture(scope="module")
def fitted(stars_galaxies_qsos):
    X, y = stars_galaxies_qsos
    return TorchMLPClassifier(hidden_layers=(16,), epochs=20, device="cpu").fit(X, y)


def test_learns_a_non_linear_problem(moons):
    X, y = moons
    clf = TorchMLPClassifier(**FAST).fit(X[:300], y[:300])
    assert clf.score(X[300:], y[300:]) > 0.9
    assert clf.n_features_in_ == 2 and clf.classes_.tolist() == [0, 1]
    assert clf.mean_.shape == clf.scale_.shape == (2,)
    assert clf.n_iter_ == clf.history_.n_epochs <= 60


def test_string_labels_round_trip(stars_galaxies_qsos):
    X, y = stars_galaxies_qsos
    clf = TorchMLPClassifier(hidden_layers=(16,), epochs=40, learning_rate=1e-2, device="cpu").fit(
        X, y
    )
    assert clf.classes_.tolist() == ["galaxy", "qso", "star"]
    pred = clf.predict(X)
    assert set(pred) <= {"galaxy", "qso", "star"}
    assert np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])


def test_same_seed_same_probabilities_other_seed_different(moons):
    X, y = moons
    params = dict(FAST, epochs=5, dropout=0.2)
    a = TorchMLPClassifier(**params, random_state=3).fit(X, y).predict_proba(X)
    b = TorchMLPClassifier(**params, random_state=3).fit(X, y).predict_proba(X)
    c = TorchMLPClassifier(**params, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fit_leaves_the_global_random_state_alone(moons):
    X, y = moons
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    TorchMLPClassifier(hidden_layers=(4,), epochs=2, device="cpu").fit(X, y)
    assert torch.equal(torch.rand(3), expected)


def test_clone_pipeline_and_cross_val_score(moons):
    X, y = moons
    clf = TorchMLPClassifier(**dict(FAST, epochs=30))
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "classes_")
    pipe = make_pipeline(SimpleImputer(), clf)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85
    pipe.set_params(torchmlpclassifier__hidden_layers=(8,))
    assert pipe.fit(X, y).predict(X[:5]).shape == (5,)


def test_sample_and_class_weights(moons):
    X, y = moons
    keep = (y == 1) | (np.arange(y.size) % 8 == 0)  # about 8 times more 1s than 0s
    Xi, yi = X[keep], y[keep]
    params = dict(FAST, epochs=30, hidden_layers=(8,))
    plain = TorchMLPClassifier(**params).fit(Xi, yi)
    balanced = TorchMLPClassifier(**params, class_weight="balanced").fit(Xi, yi)
    manual = TorchMLPClassifier(**params).fit(Xi, yi, sample_weight=np.where(yi == 0, 8.0, 1.0))
    share_plain = plain.predict(X).mean()
    assert balanced.predict(X).mean() < share_plain
    assert manual.predict(X).mean() < share_plain


def test_weights_and_config_round_trip(fitted, stars_galaxies_qsos):
    X, _ = stars_galaxies_qsos
    config = json.loads(json.dumps(fitted.get_config()))  # must survive JSON
    weights = fitted.get_weights()
    assert all(isinstance(v, np.ndarray) for v in weights.values())
    assert {"scaler.mean", "scaler.scale", "network.output.weight"} <= set(weights)
    assert config["classes"] == ["galaxy", "qso", "star"]
    assert config["n_features_in"] == 4 and config["hidden_sizes"] == [16]
    again = TorchMLPClassifier.from_weights(config, weights)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    assert again.get_params() == fitted.get_params()
    assert again.n_iter_ == fitted.n_iter_


def test_safetensors_file_is_not_a_pickle(fitted, stars_galaxies_qsos, tmp_path):
    X, _ = stars_galaxies_qsos
    path = fitted.save_safetensors(tmp_path / "model" / "mlp.safetensors")
    raw = path.read_bytes()
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + header_len])  # safetensors: u64 length + JSON header
    assert raw[:1] != b"\x80" and not raw.startswith(b"PK")  # neither pickle nor torch zip
    assert "network.output.weight" in header
    assert json.loads(header["__metadata__"]["astrolearn_config"])["classes"][0] == "galaxy"
    assert list(tmp_path.joinpath("model").iterdir()) == [path]  # no temporary file left
    from_file = TorchMLPClassifier.load_safetensors(path)
    with_config = TorchMLPClassifier.load_safetensors(path, fitted.get_config())
    for clf in (from_file, with_config):
        np.testing.assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))
    (tmp_path / "bad.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(AstrolearnInputError, match="safetensors") as info:
        TorchMLPClassifier.load_safetensors(tmp_path / "bad.safetensors")
    assert info.value.file.endswith("bad.safetensors")


def test_mismatched_weights_are_refused(fitted):
    config, weights = fitted.get_config(), fitted.get_weights()
    with pytest.raises(AstrolearnInputError, match="do not fit"):
        TorchMLPClassifier.from_weights(dict(config, hidden_sizes=[17]), weights)
    with pytest.raises(AstrolearnInputError, match="configuration"):
        TorchMLPClassifier.from_weights({"format": "something else"}, weights)


def test_dataframe_feature_names_survive(stars_galaxies_qsos):
    X, y = stars_galaxies_qsos
    df = pd.DataFrame(X, columns=["u_g", "g_r", "r_i", "i_z"])
    clf = TorchMLPClassifier(hidden_layers=(4,), epochs=2, device="cpu", activation="gelu")
    clf.fit(df, y)
    again = TorchMLPClassifier.from_weights(clf.get_config(), clf.get_weights())
    assert again.feature_names_in_.tolist() == ["u_g", "g_r", "r_i", "i_z"]
    assert isinstance(again.network_.hidden1.activation, torch.nn.GELU)
    np.testing.assert_array_equal(again.predict_proba(df), clf.predict_proba(df))
    bad = df.copy()
    bad.loc[3, "g_r"] = np.nan
    with pytest.raises(AstrolearnInputError) as info:
        again.predict(bad)
    assert info.value.column == "g_r"


def test_nan_and_inf_input_are_refused_with_a_fix(moons):
    X, y = moons
    X = X.copy()
    X[5, 1] = np.nan
    with pytest.raises(AstrolearnInputError, match="NaN") as info:
        TorchMLPClassifier(device="cpu").fit(X, y)
    assert "impute" in info.value.fix
    X[5, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        TorchMLPClassifier(device="cpu").fit(X, y)


def test_other_bad_input():
    X = np.zeros((10, 2))
    with pytest.raises(AstrolearnInputError, match="one class"):
        TorchMLPClassifier(device="cpu").fit(X, np.ones(10))
    with pytest.raises(AstrolearnInputError, match="hidden_layers"):
        TorchMLPClassifier(hidden_layers=(8, 0), device="cpu").fit(X, np.arange(10) % 2)
    with pytest.raises(AstrolearnInputError, match="device"):
        TorchMLPClassifier(device="gpu").fit(X, np.arange(10) % 2)


def test_scikit_learn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    reason = "stochastic training: weight 2 and a duplicated row are shuffled differently"
    expected = {"check_sample_weight_equivalence_on_dense_data": reason}
    clf = TorchMLPClassifier(
        hidden_layers=(8,), epochs=15, learning_rate=3e-2, batch_size=64, device="cpu"
    )
    results = check_estimator(clf, expected_failed_checks=expected, on_fail=None, on_skip=None)
    failed = {
        r["check_name"]: str(r["exception"])[:300] for r in results if r["status"] == "failed"
    }
    assert failed == {}


def test_is_a_pipeline_step_with_names():
    X, y = make_blobs(60, centers=2, random_state=0)
    pipe = Pipeline([("mlp", TorchMLPClassifier(hidden_layers=(4,), epochs=3, device="cpu"))])
    assert pipe.fit(X, y).predict_proba(X).shape == (60, 2)
