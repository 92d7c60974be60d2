"""Learning and complexity curves: each diagnosis triggered by a constructed case, and the
``astrolearn explore learning-curve`` command end to end."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_circles, make_classification, make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from astrolearn.errors import AstrolearnInputError
from astrolearn.explore.learning import (
    ComplexityCurve,
    LearningCurve,
    _diagnose_learning,
    complexity_curve,
    learning_command,
    learning_curve,
    plot_complexity_curve,
    plot_learning_curve,
)
from astrolearn.report import Report


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny fits run fastest, and steadiest on a busy machine, on one BLAS/OpenMP thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _xor(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


# ---------------------------------------------------------------------- learning curves
def test_deep_tree_on_noisy_labels_is_high_variance():
    X, y = make_classification(600, n_features=10, n_informative=4, flip_y=0.3,
                               random_state=0)
    curve = learning_curve(DecisionTreeClassifier(random_state=0), X, y, cv=3)
    assert curve.verdict == "high variance"
    assert curve.diagnosis.startswith("high variance (overfitting): gap T - V = 1.000 - ")
    assert curve.train_mean[-1] == 1.0 and curve.gap > 0.25
    assert curve.train_sizes.tolist() == [40, 100, 200, 300, 400]


@pytest.mark.parametrize("make", [_xor, lambda: make_circles(600, noise=0.05, factor=0.5,
                                                              random_state=0)],
                         ids=["xor", "circles"])
def test_linear_model_on_a_nonlinear_problem_is_high_bias(make):
    X, y = make()
    curve = learning_curve(LogisticRegression(), X, y, cv=3)
    assert curve.verdict == "high bias"
    assert curve.diagnosis.startswith("high bias (underfitting): training score 0.5")
    assert curve.train_mean[-1] < 0.6


def test_good_model_on_easy_data_is_fine_unless_the_target_is_higher():
    X, y = make_blobs(600, centers=2, cluster_std=1.0, random_state=0)
    curve = learning_curve(LogisticRegression(), X, y, cv=3)
    assert curve.verdict == "fine" and curve.diagnosis.startswith("fine: training 0.967")
    assert curve.scoring == "accuracy" and curve.bounded
    strict = learning_curve(LogisticRegression(), X, y, cv=3, target=0.99)
    assert strict.verdict == "high bias" and "below the target 0.990" in strict.diagnosis


def test_unbounded_score_uses_the_relative_gap():
    X, y = make_regression(400, n_features=5, noise=30.0, random_state=0)
    curve = learning_curve(DecisionTreeRegressor(random_state=0), X, y, cv=3,
                           scoring="neg_mean_squared_error")
    assert not curve.bounded and curve.verdict == "high variance"
    assert "(relative)" in curve.diagnosis
    # training MSE is 0, so the relative gap is exactly 1
    assert curve.gap == pytest.approx(1.0)


def test_still_rising_needs_a_gain_above_the_tolerance_and_the_noise():
    sizes = np.array([100, 200, 400])
    train = np.array([0.99, 0.99, 0.99])
    kwargs = {"bounded": True, "target": None, "gap_tolerance": 0.05, "rise_tolerance": 0.01}
    _, gain, rising, verdict, text = _diagnose_learning(
        sizes, train, np.array([0.80, 0.88, 0.96]), np.array([0.01] * 3), 5, **kwargs)
    assert rising and gain == pytest.approx(0.08) and verdict == "fine"
    assert "more data would help" in text
    _, _, rising, _, _ = _diagnose_learning(
        sizes, train, np.array([0.80, 0.95, 0.955]), np.array([0.01] * 3), 5, **kwargs)
    assert not rising  # +0.005 per doubling
    _, _, rising, _, _ = _diagnose_learning(
        sizes, train, np.array([0.80, 0.90, 0.92]), np.array([0.2] * 3), 4, **kwargs)
    assert not rising  # +0.02 is within the fold-to-fold noise (0.2 / 2)


def test_grouped_folds_keep_groups_apart():
    X, y = make_blobs(300, centers=2, random_state=0)
    groups = np.arange(300) // 10
    curve = learning_curve(LogisticRegression(), X, y, cv=3, groups=groups)
    assert curve.n_folds == 3 and curve.verdict == "fine"


# ---------------------------------------------------------------------- complexity curves
def test_complexity_curve_over_max_depth_finds_the_right_region():
    X, y = make_classification(1000, n_features=8, n_informative=4, flip_y=0.1,
                               random_state=0)
    curve = complexity_curve(DecisionTreeClassifier(random_state=0), X, y,
                             param_name="max_depth", param_range=[1, 2, 3, 4, 6, 8, 12, 20],
                             cv=3)
    assert 4 <= curve.best_value <= 8
    assert curve.complex_end == "high"
    assert curve.verdicts[0] == "high bias" and curve.verdicts[-1] == "high variance"
    assert curve.diagnosis.startswith(f"best max_depth = {curve.best_value}")
    assert "max_depth = 1 underfits" in curve.diagnosis
    assert "max_depth = 20 overfits" in curve.diagnosis


def test_complexity_direction_follows_the_training_score():
    X, y = make_classification(600, n_features=8, n_informative=4, flip_y=0.2,
                               random_state=1)
    curve = complexity_curve(DecisionTreeClassifier(random_state=0), X, y,
                             param_name="min_samples_leaf", param_range=[1, 5, 20, 150],
                             cv=3)
    assert curve.complex_end == "low" and curve.verdicts[0] == "high variance"
    # distance-weighted kNN fits every training row at any k: no direction, no verdict
    knn = complexity_curve(KNeighborsClassifier(weights="distance"), X, y,
                           param_name="n_neighbors", param_range=[1, 15, 200], cv=3)
    assert knn.complex_end == "unknown" and set(knn.verdicts) <= {"best", "fine"}
    told = complexity_curve(KNeighborsClassifier(weights="distance"), X, y,
                            param_name="n_neighbors", param_range=[1, 15, 200], cv=3,
                            complex_end="low")
    assert told.complex_end == "low"


def test_outputs_text_dict_report_and_figures():
    X, y = make_blobs(200, centers=2, random_state=0)
    lc = learning_curve(LogisticRegression(), X, y, cv=3, target=0.9)
    cc = complexity_curve(DecisionTreeClassifier(random_state=0), X, y,
                          param_name="max_depth", param_range=[1, 3, None], cv=3)
    assert isinstance(lc, LearningCurve) and isinstance(cc, ComplexityCurve)
    assert "diagnosis: fine" in lc.text() and "verdict" in cc.text()
    for result in (lc, cc):
        assert json.loads(json.dumps(result.to_dict()))["diagnosis"] == result.diagnosis
    assert cc.to_dict()["param_range"] == [1, 3, None]
    fig = plot_learning_curve(lc)
    assert len(fig.axes[0].collections) == 2  # two ±1 std bands
    assert len(plot_complexity_curve(cc).axes[0].collections) == 2
    page = cc.add_to(lc.add_to(Report("t"))).to_html()
    assert page.count("<img") == 2 and "Complexity curve: max_depth" in page
    with pytest.raises(AstrolearnInputError, match="LearningCurve"):
        plot_learning_curve(cc)


def test_bad_input_is_explained():
    X, y = make_blobs(60, centers=2, random_state=0)
    with pytest.raises(AstrolearnInputError, match="at least 2"):
        learning_curve(LogisticRegression(), X, y, cv=1)
    with pytest.raises(AstrolearnInputError, match="59 labels for 60 rows"):
        learning_curve(LogisticRegression(), X, y[:-1])
    with pytest.raises(AstrolearnInputError, match="no parameter 'depth'"):
        complexity_curve(DecisionTreeClassifier(), X, y, param_name="depth",
                         param_range=[1, 2])
    with pytest.raises(AstrolearnInputError, match="complex_end"):
        complexity_curve(DecisionTreeClassifier(), X, y, param_name="max_depth",
                         param_range=[1, 2], complex_end="up")


# ---------------------------------------------------------------------- command line
@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    from astrolearn.datasets import simulate_catalog

    path = tmp_path_factory.mktemp("learning") / "catalog.parquet"
    simulate_catalog(3000, seed=0).to_parquet(path)
    return path


def _args(path, out, **changes):
    values = {"data": path, "hdf5_key": None, "label": "class", "bands": None,
              "errors": "{band}_err", "colours": "adjacent", "features": None,
              "model": "knn", "model_param": [], "param": None, "values": None, "cv": 3,
              "n": 1500, "seed": 0, "out": out, "quiet": True, "n_jobs": 1}
    values.update(changes)
    return argparse.Namespace(**values)


def test_learning_command_writes_a_report(catalog_file, tmp_path, capsys):
    out = tmp_path / "lc.html"
    curve = learning_command(_args(catalog_file, out, model="random_forest",
                                   model_param=["n_estimators=10"]), lambda _t: None)
    assert isinstance(curve, LearningCurve)
    assert curve.train_sizes[-1] == 1000  # 1500 sampled rows, 3 folds
    printed = capsys.readouterr().out
    assert "diagnosis: " in printed and f"report written to {out}" in printed
    html = out.read_text()
    assert "Learning curve" in html and "<img" in html and "1,500 rows" in html


def test_learning_command_complexity_over_a_model_param(catalog_file, tmp_path):
    out = tmp_path / "cc.html"
    curve = learning_command(_args(catalog_file, out, model="lightgbm",
                                   model_param=["n_estimators=20"], param="num_leaves",
                                   values="2,15"), lambda _t: None)
    assert isinstance(curve, ComplexityCurve)
    assert curve.param_name == "model_params.num_leaves" and curve.param_range == [2, 15]
    assert curve.valid_mean[1] > curve.valid_mean[0]  # 2 leaves underfit
    assert "model_params.num_leaves" in out.read_text()


def test_learning_command_through_the_cli(catalog_file, tmp_path, capsys):
    from astrolearn.cli import main

    out = tmp_path / "cli.html"
    code = main(["explore", "learning-curve", "--data", str(catalog_file), "--label", "class",
                 "--model", "knn", "--cv", "3", "--n", "600", "--out", str(out), "--quiet"])
    assert code == 0 and out.exists()
    assert "learning curve (accuracy, 3-fold)" in capsys.readouterr().out
    code = main(["explore", "learning-curve", "--data", str(catalog_file), "--label", "class",
                 "--param", "num_leaves", "--out", str(out), "--quiet"])
    assert code == 2
    assert "--param and --values go together" in capsys.readouterr().err
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        learning_command(_args(catalog_file, catalog_file), lambda _t: None)


def test_complexity_curve_recommends_the_simplest_value_within_one_standard_error():
    from astrolearn.explore.learning import ComplexityCurve

    curve = ComplexityCurve(
        param_name="depth", param_range=[1, 2, 4, 8], train_mean=np.array([0.7, 0.85, 0.9, 1.0]),
        train_std=np.zeros(4), valid_mean=np.array([0.70, 0.850, 0.851, 0.853]),
        valid_std=np.array([0.01, 0.01, 0.01, 0.01]), scoring="accuracy", n_folds=4,
        bounded=True, best_index=3, complex_end="high", verdicts=["high bias", "fine", "fine",
                                                                  "best"], diagnosis="")
    # standard error 0.01 / 2 = 0.005: 0.850 and 0.851 are within it, 0.70 is not
    assert curve.recommended_value == 2
    curve.complex_end = "unknown"
    assert curve.recommended_value == 8
