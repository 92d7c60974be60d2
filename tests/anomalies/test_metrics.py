"""Ranking metrics of anomaly searches, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from astrolearn.anomalies.metrics import (
    anomaly_metrics,
    anomaly_metrics_table,
    discovery_curve,
    precision_at,
    ranking_order,
)
from astrolearn.errors import AstrolearnInputError

# Ranking by score: 0 (P, .9), 1 (N, .8), 2 (P, .7), 4 (N, .2), 3 (N, .1).
Y = [1, 0, 1, 0, 0]
S = [0.9, 0.8, 0.7, 0.1, 0.2]


def test_hand_computed_example():
    assert ranking_order(S).tolist() == [0, 1, 2, 4, 3]
    # 6 positive-negative pairs; only (0.7 vs 0.8) is misordered.
    m = anomaly_metrics(Y, S, top_n=2)
    assert m["roc_auc"] == pytest.approx(5 / 6)
    # precision at the two positives' ranks: 1/1 and 2/3.
    assert m["average_precision"] == pytest.approx((1 + 2 / 3) / 2)
    assert precision_at(Y, S, 1) == 1.0
    assert precision_at(Y, S, 2) == 0.5
    assert precision_at(Y, S, 3) == pytest.approx(2 / 3)
    assert precision_at(Y, S, 5) == pytest.approx(0.4)
    assert discovery_curve(Y, S).tolist() == [1, 1, 2, 2, 2]
    assert m["n"] == 5 and m["n_positive"] == 2 and m["base_rate"] == pytest.approx(0.4)
    assert m["k_top_n"] == 2 and m["precision_top_n"] == 0.5 and m["found_top_n"] == 1
    assert m["random_found_top_n"] == pytest.approx(0.8)
    # ceil(0.01 * 5) = 1 object: the top one is a positive.
    assert m["k_top_fraction"] == 1 and m["precision_top_fraction"] == 1.0


def test_ties_are_broken_by_position():
    assert ranking_order([0.5, 0.9, 0.5, 0.9]).tolist() == [1, 3, 0, 2]
    # tied at the cut: the earlier object (a negative) is inspected first
    assert precision_at([0, 1], [0.5, 0.5], 1) == 0.0
    assert precision_at([1, 0], [0.5, 0.5], 1) == 1.0
    assert discovery_curve([0, 1, 1], [1.0, 1.0, 1.0]).tolist() == [0, 1, 2]
    # ROC-AUC counts a tied positive-negative pair as half ordered
    assert anomaly_metrics([0, 1], [0.5, 0.5])["roc_auc"] == 0.5


def test_order_argument():
    assert discovery_curve(Y, order=[2, 0, 1, 3, 4]).tolist() == [1, 2, 2, 2, 2]
    assert discovery_curve(Y, order=np.array(ranking_order(S))).tolist() == [1, 1, 2, 2, 2]
    for bad in ([0, 1, 2, 3], [0, 0, 1, 2, 3], [0.0, 1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4, 5]):
        with pytest.raises(AstrolearnInputError, match="permutation"):
            discovery_curve(Y, order=bad)
    with pytest.raises(AstrolearnInputError, match="exactly one"):
        discovery_curve(Y)
    with pytest.raises(AstrolearnInputError, match="exactly one"):
        discovery_curve(Y, S, order=[0, 1, 2, 3, 4])


def test_perfect_reversed_and_random_rankings():
    y = np.r_[np.ones(3, bool), np.zeros(297, bool)]
    perfect = np.r_[np.full(3, 10.0), np.linspace(0, 1, 297)]
    m = anomaly_metrics(y, perfect)
    assert m["roc_auc"] == 1.0 and m["average_precision"] == 1.0
    assert m["k_top_fraction"] == 3  # ceil(0.01 * 300), not 4 from 3.0000000000000004
    assert m["precision_top_fraction"] == 1.0
    assert m["k_top_n"] == 100 and m["found_top_n"] == 3 and m["precision_top_n"] == 0.03
    assert m["random_found_top_n"] == pytest.approx(1.0)
    reversed_ = anomaly_metrics(y, -perfect)
    assert reversed_["roc_auc"] == 0.0 and reversed_["found_top_n"] == 0
    assert discovery_curve(y, -perfect)[-4:].tolist() == [0, 1, 2, 3]
    # top_n larger than the set: the whole set
    assert anomaly_metrics(Y, S, top_n=1000)["k_top_n"] == 5
    assert anomaly_metrics(Y, S, top_fraction=1.0)["precision_top_fraction"] == 0.4


def test_matches_scikit_learn_on_random_scores():
    rng = np.random.default_rng(3)
    y = rng.random(500) < 0.05
    s = rng.normal(size=500) + 1.5 * y
    m = anomaly_metrics(y, s, top_fraction=0.1, top_n=20)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert m["average_precision"] == pytest.approx(average_precision_score(y, s))
    top = np.argsort(-s)[:50]
    assert m["precision_top_fraction"] == pytest.approx(y[top].mean())
    curve = discovery_curve(y, s)
    assert curve[-1] == y.sum() and np.all(np.diff(curve) >= 0)
    assert curve[19] == m["found_top_n"]


def test_label_types():
    as_bool = anomaly_metrics(np.array(Y, bool), S)
    for labels in (np.array(Y, float), pd.Series(Y), np.array(Y, np.uint8)):
        assert anomaly_metrics(labels, S) == as_bool
    for bad in ([2, 0, 1, 0, 0], [0.5, 0, 1, 0, 0], ["a", "b", "a", "b", "b"],
                [1, 0, np.nan, 0, 0], [[1, 0], [1, 0]]):
        with pytest.raises(AstrolearnInputError, match="y_true"):
            anomaly_metrics(bad, S[: len(bad)] if len(bad) == 5 else [0.1, 0.2])


def test_errors():
    with pytest.raises(AstrolearnInputError, match="4 values"):
        anomaly_metrics(Y, S[:4])
    with pytest.raises(AstrolearnInputError, match="4 values"):
        precision_at(Y, S[:4], 1)
    with pytest.raises(AstrolearnInputError, match="0 anomalies"):
        anomaly_metrics([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(AstrolearnInputError, match="3 anomalies among 3"):
        anomaly_metrics([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(AstrolearnInputError, match="NaN"):
        ranking_order([0.1, np.nan])
    with pytest.raises(AstrolearnInputError, match="NaN"):
        anomaly_metrics(Y, [0.9, 0.8, np.nan, 0.1, 0.2])
    with pytest.raises(AstrolearnInputError, match="infinite"):
        precision_at(Y, [0.9, 0.8, np.inf, 0.1, 0.2], 1)
    with pytest.raises(AstrolearnInputError, match="one-dimensional"):
        ranking_order([[0.1, 0.2]])
    with pytest.raises(AstrolearnInputError, match="numbers"):
        ranking_order(["high", "low"])
    with pytest.raises(AstrolearnInputError, match="no objects"):
        precision_at([], [], 1)
    for k in (0, 6, 2.0, True):
        with pytest.raises(AstrolearnInputError, match="k must be"):
            precision_at(Y, S, k)
    for fraction in (0, -0.1, 1.5, True, "1%"):
        with pytest.raises(AstrolearnInputError, match="top_fraction"):
            anomaly_metrics(Y, S, top_fraction=fraction)
    for top_n in (0, 2.5, False):
        with pytest.raises(AstrolearnInputError, match="top_n"):
            anomaly_metrics(Y, S, top_n=top_n)


def test_inputs_are_not_modified():
    y = np.array(Y)
    s = np.array(S)
    anomaly_metrics(y, s)
    discovery_curve(y, s)
    assert y.tolist() == Y and s.tolist() == S


def test_table():
    table = anomaly_metrics_table(Y, {"good": S, "reversed": -np.array(S)}, top_n=2)
    assert list(table.index) == ["good", "reversed"] and table.index.name == "method"
    assert table.loc["good", "roc_auc"] == pytest.approx(5 / 6)
    assert table.loc["reversed", "roc_auc"] == pytest.approx(1 / 6)
    assert table.loc["good"].to_dict() == pytest.approx(anomaly_metrics(Y, S, top_n=2))
    with pytest.raises(AstrolearnInputError, match=r"method 'bad'.*NaN"):
        anomaly_metrics_table(Y, {"good": S, "bad": [np.nan] * 5})
    with pytest.raises(AstrolearnInputError, match="non-empty mapping"):
        anomaly_metrics_table(Y, {})
