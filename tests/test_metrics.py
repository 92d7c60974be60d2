"""Tests of astrolearn.metrics: hand-computed values, agreement with scikit-learn, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import (
    accuracy,
    binned_purity_completeness,
    brier_score,
    confusion_matrix,
    expected_calibration_error,
    macro_f1,
    multiclass_log_loss,
    purity_completeness,
    reliability_curve,
    wilson_interval,
)

# Eight objects, classes in sorted order GALAXY, QSO, STAR.
#   true:  G G G Q Q S S S
#   pred:  G G Q Q S S S Q
# Confusion (rows true, columns predicted):
#   GALAXY [2, 1, 0]
#   QSO    [0, 1, 1]
#   STAR   [0, 1, 2]
# n_true = [3, 2, 3], n_pred = [2, 3, 3], TP = [2, 1, 2]
Y_TRUE = ["GALAXY", "GALAXY", "GALAXY", "QSO", "QSO", "STAR", "STAR", "STAR"]
Y_PRED = ["GALAXY", "GALAXY", "QSO", "QSO", "STAR", "STAR", "STAR", "QSO"]
CLASSES = ["GALAXY", "QSO", "STAR"]

# Four objects with probabilities over a, b, c.
P_TRUE = ["a", "b", "c", "a"]
PROBA = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3]])
P_CLASSES = ["a", "b", "c"]


def _random_problem(n: int = 500, k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    classes = [f"class{i}" for i in range(k)]
    truth = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[truth]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = np.array(classes, dtype=object)[truth]
    y_pred = np.array(classes, dtype=object)[proba.argmax(axis=1)]
    return y_true, y_pred, proba, classes


# ---------------------------------------------------------------------------------------
# Hand-computed values
# ---------------------------------------------------------------------------------------


def test_accuracy_by_hand():
    # correct: objects 0, 1, 3, 5, 6 -> 5 of 8
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 8)
    assert accuracy([1, 2, 3], [1, 2, 3]) == 1.0


def test_purity_completeness_by_hand():
    table = purity_completeness(Y_TRUE, Y_PRED)
    assert list(table.index) == CLASSES
    assert table.index.name == "class"
    assert list(table.columns) == ["purity", "completeness", "f1", "n_true", "n_pred"]
    # purity = TP / n_pred = [2/2, 1/3, 2/3]
    np.testing.assert_allclose(table["purity"], [1.0, 1 / 3, 2 / 3])
    # completeness = TP / n_true = [2/3, 1/2, 2/3]
    np.testing.assert_allclose(table["completeness"], [2 / 3, 1 / 2, 2 / 3])
    # F1 = 2 TP / (n_true + n_pred) = [4/5, 2/5, 4/6]
    np.testing.assert_allclose(table["f1"], [0.8, 0.4, 2 / 3])
    assert table["n_true"].tolist() == [3, 2, 3]
    assert table["n_pred"].tolist() == [2, 3, 3]


def test_purity_completeness_empty_classes_are_nan():
    # 'b' has truth but no predictions: purity NaN (0/0), completeness 0, F1 0.
    # 'z' (listed in classes) appears nowhere: everything NaN, counts 0.
    table = purity_completeness(["a", "a", "b"], ["a", "a", "a"], classes=["a", "b", "z"])
    assert math.isnan(table.loc["b", "purity"])
    assert table.loc["b", "completeness"] == 0.0
    assert table.loc["b", "f1"] == 0.0
    assert table.loc["z"][["purity", "completeness", "f1"]].isna().all()
    assert table.loc["z", "n_true"] == 0 and table.loc["z", "n_pred"] == 0
    # a: TP 2, n_pred 3, n_true 2 -> purity 2/3, completeness 1, F1 4/5
    assert table.loc["a", "purity"] == pytest.approx(2 / 3)
    assert table.loc["a", "f1"] == pytest.approx(0.8)


def test_macro_f1_by_hand():
    # (4/5 + 2/5 + 2/3) / 3 = 0.6222...
    assert macro_f1(Y_TRUE, Y_PRED) == pytest.approx((0.8 + 0.4 + 2 / 3) / 3)
    # A listed class absent from truth and predictions is excluded from the mean.
    assert macro_f1(Y_TRUE, Y_PRED, classes=[*CLASSES, "WD"]) == pytest.approx(
        (0.8 + 0.4 + 2 / 3) / 3
    )
    # A class with truth but no predictions counts as F1 = 0: (0.8 + 0) / 2
    assert macro_f1(["a", "a", "b"], ["a", "a", "a"]) == pytest.approx(0.4)


def test_confusion_matrix_by_hand():
    conf = confusion_matrix(Y_TRUE, Y_PRED)
    assert conf.to_numpy().tolist() == [[2, 1, 0], [0, 1, 1], [0, 1, 2]]
    assert list(conf.index) == CLASSES and list(conf.columns) == CLASSES
    assert conf.index.name == "true" and conf.columns.name == "predicted"
    # rows divided by n_true = [3, 2, 3]
    np.testing.assert_allclose(
        confusion_matrix(Y_TRUE, Y_PRED, normalize="true"),
        [[2 / 3, 1 / 3, 0], [0, 1 / 2, 1 / 2], [0, 1 / 3, 2 / 3]],
    )
    # columns divided by n_pred = [2, 3, 3]
    np.testing.assert_allclose(
        confusion_matrix(Y_TRUE, Y_PRED, normalize="pred"),
        [[1, 1 / 3, 0], [0, 1 / 3, 1 / 3], [0, 1 / 3, 2 / 3]],
    )


def test_confusion_matrix_class_order_and_empty_row():
    conf = confusion_matrix(["b", "a"], ["b", "b"], classes=["b", "a", "c"], normalize="true")
    # row b: [1, 0, 0]; row a: predicted b -> [1, 0, 0]; row c has no objects -> NaN
    np.testing.assert_allclose(conf.loc["b"], [1, 0, 0])
    np.testing.assert_allclose(conf.loc["a"], [1, 0, 0])
    assert conf.loc["c"].isna().all()


def test_binned_purity_completeness_by_hand():
    # object:  0     1     2     3     4     5     6     7
    # true:    G     G     G     Q     Q     S     S     S
    # pred:    G     G     Q     Q     S     S     S     Q
    # r:       17    18.5  19    21    NaN   17.5  20.5  25
    # bins [16,18) [18,20) [20,22]; object 4 NaN (missing), object 7 out of range.
    values = [17, 18.5, 19, 21, np.nan, 17.5, 20.5, 25]
    table = binned_purity_completeness(Y_TRUE, Y_PRED, values, bins=[16, 18, 20, 22])
    assert list(table.columns) == [
        "bin_low", "bin_high", "class", "n_true", "n_pred", "purity", "completeness",
    ]
    assert len(table) == 3 * 3
    rows = table.set_index(["bin_low", "class"])
    # bin [16, 18): (G->G), (S->S)
    assert rows.loc[(16.0, "GALAXY"), ["n_true", "n_pred", "purity", "completeness"]].tolist() \
        == [1, 1, 1.0, 1.0]
    assert rows.loc[(16.0, "QSO"), ["n_true", "n_pred"]].tolist() == [0, 0]
    assert rows.loc[(16.0, "QSO")][["purity", "completeness"]].isna().all()
    assert rows.loc[(16.0, "STAR"), ["purity", "completeness"]].tolist() == [1.0, 1.0]
    # bin [18, 20): (G->G), (G->Q): GALAXY purity 1/1, completeness 1/2; QSO purity 0/1
    assert rows.loc[(18.0, "GALAXY"), ["n_true", "n_pred", "purity", "completeness"]].tolist() \
        == [2, 1, 1.0, 0.5]
    assert rows.loc[(18.0, "QSO"), "purity"] == 0.0
    assert math.isnan(rows.loc[(18.0, "QSO"), "completeness"])
    # bin [20, 22]: (Q->Q), (S->S)
    assert rows.loc[(20.0, "QSO"), ["purity", "completeness"]].tolist() == [1.0, 1.0]
    assert rows.loc[(20.0, "STAR"), ["purity", "completeness"]].tolist() == [1.0, 1.0]
    assert table.attrs == {"n_missing_values": 1, "n_out_of_range": 1}
    # every object is accounted for: in a bin, missing, or out of range
    assert table["n_true"].sum() + 1 + 1 == len(Y_TRUE)


def test_binned_edges_and_integer_bins():
    # 20 goes to [20, 22] (left-closed), 22 is in the last bin (closed on the right)
    table = binned_purity_completeness(["a", "a"], ["a", "a"], [20.0, 22.0], bins=[18, 20, 22])
    assert table["n_true"].tolist() == [0, 2]
    # integer bins: 2 equal-width bins over [0, 4] -> [0, 2), [2, 4]
    table = binned_purity_completeness(["a"] * 3, ["a"] * 3, [0.0, 1.0, 4.0], bins=2)
    assert table["bin_low"].tolist() == [0.0, 2.0]
    assert table["n_true"].tolist() == [2, 1]
    # infinite outer edges catch everything finite
    table = binned_purity_completeness(["a"] * 2, ["a"] * 2, [10.0, 30.0],
                                       bins=[-np.inf, 20, np.inf])
    assert table["n_true"].tolist() == [1, 1]
    assert table.attrs["n_out_of_range"] == 0


def test_log_loss_by_hand():
    # -(ln 0.7 + ln 0.8 + ln 0.4 + ln 0.2) / 4
    expected = -(math.log(0.7) + math.log(0.8) + math.log(0.4) + math.log(0.2)) / 4
    assert multiclass_log_loss(P_TRUE, PROBA, P_CLASSES) == pytest.approx(expected)
    assert expected == pytest.approx(0.776387, abs=1e-6)
    # a zero probability on the true class is clipped to eps: -ln(1e-15) = 34.54
    loss = multiclass_log_loss(["a"], [[0.0, 1.0]], ["a", "b"])
    assert loss == pytest.approx(-math.log(1e-15))


def test_brier_by_hand():
    # row 0: (0.7-1)^2 + 0.2^2 + 0.1^2 = 0.14
    # row 1: 0.1^2 + (0.8-1)^2 + 0.1^2 = 0.06
    # row 2: 0.3^2 + 0.3^2 + (0.4-1)^2 = 0.54
    # row 3: (0.2-1)^2 + 0.5^2 + 0.3^2 = 0.98
    # mean = 1.72 / 4 = 0.43
    assert brier_score(P_TRUE, PROBA, P_CLASSES) == pytest.approx(0.43)


def test_reliability_curve_by_hand():
    curve = reliability_curve(P_TRUE, PROBA, P_CLASSES, n_bins=2)
    assert list(curve.columns) == [
        "class", "bin_low", "bin_high", "mean_predicted", "observed_fraction", "count",
    ]
    # class a: P(a) = [.7, .1, .3, .2], is a = [1, 0, 0, 1]
    #   [0, .5): .1 .3 .2 -> mean .2, observed 1/3, count 3;  [.5, 1]: .7 -> .7, 1, 1
    # class b: P(b) = [.2, .8, .3, .5], is b = [0, 1, 0, 0]
    #   [0, .5): .2 .3 -> .25, 0, 2;  [.5, 1]: .8 .5 -> .65, 1/2, 2
    # class c: P(c) = [.1, .1, .4, .3], is c = [0, 0, 1, 0]
    #   [0, .5): all -> .225, 1/4, 4;  [.5, 1] empty -> omitted
    expected = [
        ("a", 0.0, 0.5, 0.2, 1 / 3, 3),
        ("a", 0.5, 1.0, 0.7, 1.0, 1),
        ("b", 0.0, 0.5, 0.25, 0.0, 2),
        ("b", 0.5, 1.0, 0.65, 0.5, 2),
        ("c", 0.0, 0.5, 0.225, 0.25, 4),
    ]
    assert len(curve) == len(expected)
    for row, exp in zip(curve.itertuples(index=False), expected, strict=True):
        assert row[0] == exp[0]
        np.testing.assert_allclose(row[1:5], exp[1:5])
        assert row[5] == exp[5]


def test_expected_calibration_error_by_hand():
    # confidence = [.7, .8, .4, .5]; argmax = [a, b, c, b]; correct = [1, 1, 1, 0]
    # 2 bins: [0, .5): {.4} acc 1 conf .4 -> 1/4 * .6 = .15
    #         [.5, 1]: {.7, .8, .5} acc 2/3, conf 2/3 -> 0          ECE = 0.15
    assert expected_calibration_error(P_TRUE, PROBA, P_CLASSES, n_bins=2) == pytest.approx(0.15)
    # 10 bins: every object alone: (|1-.7| + |1-.8| + |1-.4| + |0-.5|) / 4 = 1.6 / 4 = 0.4
    assert expected_calibration_error(P_TRUE, PROBA, P_CLASSES) == pytest.approx(0.4)
    # ties go to the first class: predicted a, truth b -> wrong at confidence .5
    assert expected_calibration_error(["b"], [[0.5, 0.5]], ["a", "b"]) == pytest.approx(0.5)


def test_proba_dataframe_columns_are_reordered():
    frame = pd.DataFrame(PROBA, columns=P_CLASSES)[["c", "a", "b"]]
    assert brier_score(P_TRUE, frame, P_CLASSES) == pytest.approx(0.43)


# ---------------------------------------------------------------------------------------
# Agreement with scikit-learn
# ---------------------------------------------------------------------------------------


def test_label_metrics_agree_with_sklearn():
    y_true, y_pred, _, classes = _random_problem()
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert macro_f1(y_true, y_pred) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro")
    )
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=classes
    )
    table = purity_completeness(y_true, y_pred, classes)
    np.testing.assert_allclose(table["purity"], precision)
    np.testing.assert_allclose(table["completeness"], recall)
    np.testing.assert_allclose(table["f1"], f1)
    np.testing.assert_array_equal(table["n_true"], support)
    for normalize in (None, "true", "pred"):
        np.testing.assert_allclose(
            confusion_matrix(y_true, y_pred, classes, normalize=normalize),
            skm.confusion_matrix(y_true, y_pred, labels=classes, normalize=normalize),
        )


def test_macro_f1_empty_class_convention_matches_sklearn_nan():
    y_true, y_pred = ["a", "a", "b", "c"], ["a", "b", "b", "a"]
    labels = ["a", "b", "c", "d"]  # 'd' nowhere; 'c' has truth but no predictions
    expected = skm.f1_score(y_true, y_pred, labels=labels, average="macro",
                            zero_division=np.nan)
    assert macro_f1(y_true, y_pred, classes=labels) == pytest.approx(expected)


def test_probability_metrics_agree_with_sklearn():
    y_true, _, proba, classes = _random_problem()
    assert multiclass_log_loss(y_true, proba, classes) == pytest.approx(
        skm.log_loss(y_true, proba, labels=classes)
    )
    assert brier_score(y_true, proba, classes) == pytest.approx(
        skm.brier_score_loss(y_true, proba, labels=classes)
    )
    curve = reliability_curve(y_true, proba, classes, n_bins=5)
    for c, name in enumerate(classes):
        observed, predicted = calibration_curve(
            y_true == name, proba[:, c], n_bins=5, strategy="uniform"
        )
        rows = curve[curve["class"] == name]
        np.testing.assert_allclose(rows["observed_fraction"], observed)
        np.testing.assert_allclose(rows["mean_predicted"], predicted)


def test_binned_matches_per_bin_sklearn():
    y_true, y_pred, _, classes = _random_problem(n=300)
    rng = np.random.default_rng(3)
    mags = rng.uniform(16.0, 22.0, len(y_true))
    table = binned_purity_completeness(y_true, y_pred, mags, bins=[16, 18, 20, 22], classes=classes)
    for low in (16.0, 18.0, 20.0):
        sel = (mags >= low) & (mags < low + 2)
        precision, recall, _, _ = skm.precision_recall_fscore_support(
            y_true[sel], y_pred[sel], labels=classes, zero_division=np.nan
        )
        rows = table[table["bin_low"] == low]
        np.testing.assert_allclose(rows["purity"], precision)
        np.testing.assert_allclose(rows["completeness"], recall)


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: accuracy(["a", "b"], ["a"]), "different lengths"),
        (lambda: accuracy([], []), "empty"),
        (lambda: accuracy(["a", None], ["a", "b"]), "missing labels"),
        (lambda: accuracy(np.zeros((2, 2)), np.zeros((2, 2))), "1-D"),
        (lambda: accuracy(np.array([1, 2]), np.array(["1", "2"])), "cannot be sorted"),
        (lambda: macro_f1(["a", "x"], ["a", "a"], classes=["a", "b"]), "y_true has 1 labels"),
        (lambda: purity_completeness(["a"], ["x"], classes=["a"]), "y_pred has 1 labels"),
        (lambda: purity_completeness(["a"], ["a"], classes=["a", "a"]), "more than once"),
        (lambda: purity_completeness(["a"], ["a"], classes="a"), "single string"),
        (lambda: confusion_matrix(["a"], ["a"], normalize="all"), "normalize"),
        (lambda: binned_purity_completeness(["a"], ["a"], [1.0, 2.0], bins=2), "lengths"),
        (lambda: binned_purity_completeness(["a"], ["a"], [1.0], bins=[2, 1]), "increasing"),
        (lambda: binned_purity_completeness(["a"], ["a"], [1.0], bins=[1]), "two edges"),
        (lambda: binned_purity_completeness(["a"], ["a"], ["x"], bins=2), "not numeric"),
        (lambda: binned_purity_completeness(["a"], ["a"], [np.nan], bins=2), "no finite"),
        (lambda: brier_score(["a"], [[1.0, 0.0]], None), "classes is required"),
        (lambda: brier_score(["a"], [[1.0, 0.0, 0.0]], ["a", "b"]), "shape"),
        (lambda: brier_score(["a", "b"], [[1.0, 0.0]], ["a", "b"]), "shape"),
        (lambda: brier_score(["a"], [[np.nan, 1.0]], ["a", "b"]), "non-finite"),
        (lambda: brier_score(["a"], [[0.6, 0.6]], ["a", "b"]), "sum to 1"),
        (lambda: brier_score(["a"], [[1.5, -0.5]], ["a", "b"]), "outside [0, 1]"),
        (lambda: brier_score(["c"], [[1.0, 0.0]], ["a", "b"]), "not in classes"),
        (lambda: multiclass_log_loss(["a"], [[1.0, 0.0]], ["a", "b"], eps=0), "eps"),
        (lambda: reliability_curve(["a"], [[1.0, 0.0]], ["a", "b"], n_bins=0), "n_bins"),
        (lambda: expected_calibration_error(["a"], [[1.0, 0.0]], ["a", "b"], n_bins=2.5),
         "n_bins"),
        (lambda: brier_score(["a"], pd.DataFrame({"a": [1.0], "x": [0.0]}), ["a", "b"]),
         "columns"),
    ],
)
def test_bad_input_raises_with_fix(call, message):
    with pytest.raises(AstrolearnInputError, match="Fix:") as info:
        call()
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_float_rounding_in_probabilities_is_accepted():
    proba = np.array([[0.3333333, 0.3333333, 0.3333333]], dtype=np.float32)
    assert brier_score(["a"], proba, ["a", "b", "c"]) == pytest.approx(
        (2 / 3) ** 2 + 2 * (1 / 3) ** 2, rel=1e-5
    )


def test_binary_scores_hand_computed_ties_agreement_and_bad_input():
    from astrolearn.metrics import binary_scores

    # Positives score 0.9, 0.7, 0.2; negatives 0.8, 0.3, 0.6, 0.1.
    # AUC: 0.9 beats all 4 negatives, 0.7 beats 0.3, 0.6, 0.1 (3), 0.2 beats 0.1 (1):
    #   8 of 12 pairs ordered -> 2/3.
    # Ranking: 0.9 P, 0.8 N, 0.7 P, 0.6 N, 0.3 N, 0.2 P, 0.1 N; precision at each positive:
    #   1/1, 2/3, 3/6 -> AP = (1 + 2/3 + 1/2) / 3 = 13/18.
    # Decisions at 0.5: 0.9, 0.7, 0.8, 0.6 positive; truth P P N P N N N vs decided
    #   P P P N N P N -> 4 of 7 right; precision 2/4; recall 2/3.
    y = [1, 1, 0, 1, 0, 0, 0]
    s = [0.9, 0.7, 0.8, 0.2, 0.3, 0.6, 0.1]
    out = binary_scores(y, s)
    assert set(out) == {"roc_auc", "average_precision", "accuracy", "precision", "recall"}
    assert out["roc_auc"] == pytest.approx(2 / 3)
    assert out["average_precision"] == pytest.approx(13 / 18)
    assert out["accuracy"] == pytest.approx(4 / 7)
    assert out["precision"] == pytest.approx(0.5)
    assert out["recall"] == pytest.approx(2 / 3)
    assert all(isinstance(v, float) for v in out.values())
    # at 0.65 only 0.9, 0.7, 0.8 are positive: 5 of 7 right, precision 2/3, recall 2/3;
    # the ranking metrics do not depend on the threshold
    high = binary_scores(np.array(y, dtype=bool), s, threshold=0.65)
    assert (high["accuracy"], high["precision"], high["recall"]) == pytest.approx(
        (5 / 7, 2 / 3, 2 / 3))
    assert high["roc_auc"] == out["roc_auc"]
    # no positive decision: precision 0 by convention, recall 0
    none = binary_scores(y, s, threshold=1.0)
    assert none["precision"] == 0.0 and none["recall"] == 0.0
    assert none["accuracy"] == pytest.approx(4 / 7)

    # Ties. Positives 0.5, 0.9; negatives 0.5, 0.1. AUC: 0.9 beats both (2), 0.5 beats 0.1
    # (1) and ties 0.5 (1/2) -> 3.5/4. AP, one step per distinct score: at 0.9 recall 1/2
    # precision 1; at 0.5 recall 1 precision 2/3 -> 1/2 * 1 + 1/2 * 2/3 = 5/6.
    # The decision is score > 0.5, so the tied 0.5s are negative: right 3 of 4,
    # precision 1/1, recall 1/2.
    tied = binary_scores([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])
    assert tied == pytest.approx({"roc_auc": 0.875, "average_precision": 5 / 6,
                                  "accuracy": 0.75, "precision": 1.0, "recall": 0.5})

    # agreement with scikit-learn on random data with ties and a skewed class balance
    rng = np.random.default_rng(3)
    truth = rng.random(500) < 0.2
    score = np.round(np.clip(rng.normal(0.35 + 0.3 * truth, 0.2), 0, 1), 2)
    got = binary_scores(truth.astype(int), score, threshold=0.45)
    decided = score > 0.45
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, score))
    assert got["average_precision"] == pytest.approx(skm.average_precision_score(truth, score))
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(truth, decided))
    assert got["precision"] == pytest.approx(skm.precision_score(truth, decided))
    assert got["recall"] == pytest.approx(skm.recall_score(truth, decided))
    assert 0.7 < got["roc_auc"] < 0.95  # a realistic, imperfect ranking

    # bad input: one message each, never a bare numpy or scikit-learn error
    for bad_y, bad_s, message in [
        ([1, 1, 1], [0.2, 0.5, 0.9], "3 positives among 3 rows"),
        ([0, 0], [0.2, 0.5], "0 positives among 2 rows"),
        ([0, 2, 1], [0.2, 0.5, 0.9], "bool or 0/1"),
        (["PC", "other"], [0.2, 0.5], "bool or 0/1"),
        ([0.0, np.nan, 1.0], [0.2, 0.5, 0.9], "bool or 0/1"),
        ([0, 1, 1], [0.2, np.nan, 0.9], "NaN or inf"),
        ([0, 1, 1], [0.2, np.inf, 0.9], "NaN or inf"),
        ([0, 1, 1], [0.2, 0.5], "different lengths"),
    ]:
        with pytest.raises(AstrolearnInputError, match=message):
            binary_scores(bad_y, bad_s)


# ------------------------------------------------------------------------------- Wilson
def test_wilson_interval_against_hand_values():
    # 8 of 10, z = 1.96: p = 0.8, z^2/n = 0.38416, centre = (0.8 + 0.19208) / 1.38416 = 0.71680,
    # half = 1.96 / 1.38416 * sqrt(0.016 + 0.009604) = 0.22658
    lo, hi = wilson_interval(8, 10, z=1.96)
    assert float(lo) == pytest.approx(0.49016, abs=1e-4)
    assert float(hi) == pytest.approx(0.94330, abs=1e-4)
    # 0 of 4, z = 1: centre = 0.125 / 1.25 = 0.1 = half -> [0, 0.2]
    lo, hi = wilson_interval(0, 4)
    assert float(lo) == pytest.approx(0.0, abs=1e-12) and float(hi) == pytest.approx(0.2)
    lo, hi = wilson_interval(np.array([4, 0]), np.array([4, 0]))
    assert lo[0] == pytest.approx(0.8) and hi[0] == 1.0 and np.isnan(lo[1]) and np.isnan(hi[1])


def test_wilson_interval_bad_input():
    with pytest.raises(AstrolearnInputError, match="0 <= k <= n"):
        wilson_interval(5, 4)
    with pytest.raises(AstrolearnInputError, match="whole numbers"):
        wilson_interval(1.5, 4)
    with pytest.raises(AstrolearnInputError, match="z"):
        wilson_interval(1, 4, z=0.0)
