"""The compiled LightGBM kernel gives LightGBM's own probabilities, or declines."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest

from astrolearn.catalogs import backends
from astrolearn.catalogs.tree_kernel import TreeKernel


def _data(n=3000, seed=0, missing=0.1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.5).astype(int) + (x[:, 2] > 1).astype(int)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return x, y


def _train(x, y, rounds=30, **params):
    params = {"verbose": -1, "num_leaves": 31, "min_data_in_leaf": 5, **params}
    return lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=rounds)


def _hard_rows(seed=1):
    """NaNs everywhere, LightGBM's zero threshold, exact zeros, huge values."""
    x, _ = _data(2000, seed, missing=0.3)
    x[:50] = 1e-40
    x[50:100] = 0.0
    x[100:120] = 1e30
    return x


def test_multiclass_with_missing_values_matches_lightgbm():
    x, y = _data()
    booster = _train(x, y, objective="multiclass", num_class=3)
    kernel = TreeKernel.from_booster(booster)
    assert kernel is not None and kernel.n_outputs == 3 and kernel.link == "softmax"
    test = _hard_rows()
    np.testing.assert_allclose(kernel.predict_proba(test), booster.predict(test),
                               rtol=0, atol=1e-13)
    np.testing.assert_allclose(kernel.raw_scores(test), booster.predict(test, raw_score=True),
                               rtol=0, atol=1e-12)
    # single- and two-threaded runs agree; float32 input is read as LightGBM reads it
    np.testing.assert_array_equal(kernel.predict_proba(test, n_jobs=1),
                                  kernel.predict_proba(test, n_jobs=2))
    x32 = test.astype(np.float32)
    np.testing.assert_allclose(kernel.predict_proba(x32), booster.predict(x32), atol=1e-13)


def test_binary_and_nan_free_training_match_lightgbm():
    x, y = _data(missing=0)  # no NaN in training: NaN at prediction is read as 0
    booster = _train(x, (y > 0).astype(int), objective="binary", sigmoid=0.7)
    kernel = TreeKernel.from_booster(booster)
    assert kernel.link == "sigmoid" and kernel.sigmoid == pytest.approx(0.7)
    test = _hard_rows()
    proba = kernel.predict_proba(test)
    np.testing.assert_allclose(proba[:, 1], booster.predict(test), rtol=0, atol=1e-13)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_one_leaf_trees_and_early_stopped_models(tmp_path):
    x, y = _data()
    # min_data_in_leaf above the sample size: every tree is a single leaf
    flat = _train(x, y, rounds=3, objective="multiclass", num_class=3,
                  min_data_in_leaf=10_000)
    np.testing.assert_allclose(TreeKernel.from_booster(flat).predict_proba(x[:5]),
                               flat.predict(x[:5]), atol=1e-15)
    valid = lightgbm.Dataset(x[:500], y[:500])
    stopped = lightgbm.train({"objective": "multiclass", "num_class": 3, "verbose": -1},
                             lightgbm.Dataset(x[500:], y[500:]), num_boost_round=400,
                             valid_sets=[valid],
                             callbacks=[lightgbm.early_stopping(5, verbose=False)])
    stopped.save_model(str(tmp_path / "m.txt"))
    loaded = lightgbm.Booster(model_file=str(tmp_path / "m.txt"))
    np.testing.assert_allclose(TreeKernel.from_booster(loaded).predict_proba(x),
                               loaded.predict(x), atol=1e-13)


@pytest.mark.parametrize("params", [
    {"objective": "regression"},
    {"objective": "multiclassova", "num_class": 3},
    {"objective": "multiclass", "num_class": 3, "zero_as_missing": True},
    {"objective": "multiclass", "num_class": 3, "linear_tree": True},
    {"objective": "binary", "boosting": "rf", "bagging_freq": 1, "bagging_fraction": 0.5},
])
def test_models_it_cannot_reproduce_are_declined(params):
    x, y = _data(missing=0)
    if params["objective"] == "binary":
        y = (y > 0).astype(int)
    assert TreeKernel.from_booster(_train(x, y, rounds=5, **params)) is None


def test_categorical_splits_are_declined():
    x, y = _data(missing=0)
    x[:, 3] = np.random.default_rng(2).integers(0, 6, len(x))
    y = (x[:, 3] % 2).astype(int)
    booster = lightgbm.train({"objective": "binary", "verbose": -1},
                             lightgbm.Dataset(x, y, categorical_feature=[3]),
                             num_boost_round=5)
    assert TreeKernel.from_booster(booster) is None


def test_loaded_models_use_the_kernel_for_large_batches(monkeypatch):
    x, y = _data()
    booster = _train(x, y, objective="multiclass", num_class=3)
    model = backends._LightGBMBooster(booster, n_jobs=1)
    small = model.predict_proba(x[:10])
    assert model._kernel is None  # below the threshold: LightGBM, nothing compiled
    monkeypatch.setattr(backends, "KERNEL_MIN_ROWS", 5)
    np.testing.assert_allclose(model.predict_proba(x[:10]), small, atol=1e-13)
    assert isinstance(model._kernel, TreeKernel)
