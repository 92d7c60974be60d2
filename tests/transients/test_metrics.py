"""Tests of astrolearn.transients.metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss as sk_log_loss

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.metrics import (
    PLASTICC_CLASS_NAMES,
    PLASTICC_CLASS_WEIGHTS,
    metrics_by_days,
    one_vs_rest_auc,
    plasticc_log_loss,
    spcc_figure_of_merit,
    transient_metrics,
)

# ---------------------------------------------------------------------------------------
# Class tables
# ---------------------------------------------------------------------------------------


def test_plasticc_tables():
    assert sorted(PLASTICC_CLASS_NAMES) == [6, 15, 16, 42, 52, 53, 62, 64, 65, 67, 88, 90,
                                            92, 95, 99]
    assert set(PLASTICC_CLASS_WEIGHTS) == set(PLASTICC_CLASS_NAMES)
    assert {c for c, w in PLASTICC_CLASS_WEIGHTS.items() if w == 2} == {15, 64, 99}
    assert all(w in (1.0, 2.0) for w in PLASTICC_CLASS_WEIGHTS.values())
    assert PLASTICC_CLASS_NAMES[90] == "SNIa"
    assert PLASTICC_CLASS_NAMES[64] == "KN"
    assert PLASTICC_CLASS_NAMES[67] == "SNIa-91bg"


# ---------------------------------------------------------------------------------------
# PLAsTiCC log loss
# ---------------------------------------------------------------------------------------

# Classes 6, 15, 64, 90; four objects.
#   true 90: p = 0.7  -> -ln 0.7 = 0.356675
#   true 90: p = 0.5  -> -ln 0.5 = 0.693147
#   true 64: p = 0.4  -> -ln 0.4 = 0.916291
#   true  6: p = 0.5  -> -ln 0.5 = 0.693147
# per-class means: 90 -> (0.356675 + 0.693147) / 2 = 0.524911, 64 -> 0.916291, 6 -> 0.693147
# class 15 is absent and does not count.
PL_CLASSES = [6, 15, 64, 90]
PL_TRUE = [90, 90, 64, 6]
PL_PROBA = np.array(
    [
        [0.1, 0.1, 0.1, 0.7],
        [0.0, 0.0, 0.5, 0.5],
        [0.2, 0.2, 0.4, 0.2],
        [0.5, 0.25, 0.25, 0.0],
    ]
)


def test_plasticc_log_loss_unweighted_by_hand():
    # (0.524911 + 0.916291 + 0.693147) / 3 = 0.711450
    value = plasticc_log_loss(PL_TRUE, PL_PROBA, PL_CLASSES)
    expected = (-(math.log(0.7) + math.log(0.5)) / 2 - math.log(0.4) - math.log(0.5)) / 3
    assert value == pytest.approx(expected, rel=1e-9)
    assert value == pytest.approx(0.711450, abs=1e-6)


def test_plasticc_log_loss_challenge_weights_by_hand():
    # weights 6 -> 1, 64 -> 2, 90 -> 1 (15 absent, its weight 2 is not in the denominator):
    # (1 x 0.524911 + 2 x 0.916291 + 1 x 0.693147) / (1 + 2 + 1) = 3.050639 / 4 = 0.762660
    value = plasticc_log_loss(PL_TRUE, PL_PROBA, PL_CLASSES, weights=PLASTICC_CLASS_WEIGHTS)
    assert value == pytest.approx(0.762660, abs=1e-6)
    # the same weights as a sequence in the order of classes
    same = plasticc_log_loss(PL_TRUE, PL_PROBA, PL_CLASSES, weights=[1, 2, 2, 1])
    assert same == pytest.approx(value, rel=1e-12)


def test_plasticc_log_loss_equals_plain_log_loss_for_balanced_classes():
    # equal weights and equal class counts: the class average equals the object average
    rng = np.random.default_rng(3)
    truth = np.repeat(np.arange(4), 25)
    proba = rng.dirichlet(np.ones(4), size=100)
    value = plasticc_log_loss(truth, proba, [0, 1, 2, 3])
    assert value == pytest.approx(sk_log_loss(truth, proba, labels=[0, 1, 2, 3]), rel=1e-9)


def test_plasticc_log_loss_matches_reference_implementation():
    # The Kaggle-style reference: clip, renormalise, per-class mean, weighted average.
    rng = np.random.default_rng(7)
    classes = [6, 15, 42, 64, 90, 99]
    truth = rng.choice(classes, size=300, p=[0.3, 0.05, 0.3, 0.05, 0.3, 0.0])
    proba = rng.dirichlet(np.ones(6), size=300)
    p = np.clip(proba, 1e-15, 1 - 1e-15)
    p = p / p.sum(axis=1, keepdims=True)
    num = den = 0.0
    for i, c in enumerate(classes):
        rows = truth == c
        if rows.any():
            w = PLASTICC_CLASS_WEIGHTS[c]
            num += w * np.mean(np.log(p[rows, i]))
            den += w
    value = plasticc_log_loss(truth, proba, classes, weights=PLASTICC_CLASS_WEIGHTS)
    assert value == pytest.approx(-num / den, rel=1e-12)


def test_plasticc_log_loss_clips_zero_probability():
    # true class b gets probability 0 -> clipped to 1e-15: -ln(1e-15) = 34.538776
    value = plasticc_log_loss(["b"], [[1.0, 0.0]], ["a", "b"])
    assert value == pytest.approx(-math.log(1e-15), rel=1e-6)
    assert value == pytest.approx(34.538776, abs=1e-5)


def test_plasticc_log_loss_renormalises_rows():
    # row sums to 1.0005 (within the input tolerance): p_a = 0.6 / 1.0005 = 0.599700,
    # -ln 0.599700 = 0.511326 (not -ln 0.6 = 0.510826)
    value = plasticc_log_loss(["a"], [[0.6, 0.4005]], ["a", "b"])
    assert value == pytest.approx(-math.log(0.6 / 1.0005), rel=1e-12)
    assert value == pytest.approx(0.511326, abs=1e-6)


def test_plasticc_log_loss_accepts_dataframe_columns_in_any_order():
    frame = pd.DataFrame(PL_PROBA, columns=PL_CLASSES)[[90, 6, 64, 15]]
    assert plasticc_log_loss(PL_TRUE, frame, PL_CLASSES) == pytest.approx(0.711450, abs=1e-6)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ({6: 1, 64: 2}, "no entry for classes"),
        ([1, 2], "2 entries for 4 classes"),
        ([1, -1, 1, 1], "non-negative"),
        ([1, 1, 1, float("nan")], "finite"),
        ([0, 1, 0, 0], "weight 0"),
    ],
)
def test_plasticc_log_loss_bad_weights(weights, match):
    with pytest.raises(AstrolearnInputError, match=match):
        plasticc_log_loss(PL_TRUE, PL_PROBA, PL_CLASSES, weights=weights)


def test_plasticc_log_loss_bad_inputs():
    with pytest.raises(AstrolearnInputError, match="do not sum to 1"):
        plasticc_log_loss(["a"], [[0.5, 0.2]], ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="not in classes"):
        plasticc_log_loss(["c"], [[0.5, 0.5]], ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="shape"):
        plasticc_log_loss(["a", "b"], [[0.5, 0.5]], ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="integer PLAsTiCC codes"):
        # class names with the code-keyed challenge weights: the fix says to use codes
        plasticc_log_loss(["SNIa"], [[1.0]], ["SNIa"], weights=PLASTICC_CLASS_WEIGHTS)


# ---------------------------------------------------------------------------------------
# SPCC figure of merit
# ---------------------------------------------------------------------------------------

# truth: Ia Ia Ia Ia II Ibc II II  (N_total = 4 Ia)
# pred:  Ia Ia Ia II Ia Ia II Ibc  -> N_true = 3, N_false = 2
# efficiency = 3/4, pseudo-purity = 3 / (3 + 3 x 2) = 1/3, FoM = 0.25
SN_TRUE = ["Ia", "Ia", "Ia", "Ia", "II", "Ibc", "II", "II"]
SN_PRED = ["Ia", "Ia", "Ia", "II", "Ia", "Ia", "II", "Ibc"]
SN_PROB = np.array([0.9, 0.8, 0.5, 0.49, 0.7, 0.6, 0.1, 0.2])


def test_spcc_fom_labels_by_hand():
    assert spcc_figure_of_merit(SN_TRUE, SN_PRED) == pytest.approx(0.25)
    # W = 1: pseudo-purity = 3 / (3 + 2) = 0.6, FoM = 0.75 x 0.6 = 0.45 (= eff x purity)
    assert spcc_figure_of_merit(SN_TRUE, SN_PRED, false_weight=1.0) == pytest.approx(0.45)
    # W = 0: pseudo-purity 1, FoM = efficiency = 0.75
    assert spcc_figure_of_merit(SN_TRUE, SN_PRED, false_weight=0.0) == pytest.approx(0.75)


def test_spcc_fom_probabilities_by_hand():
    # threshold 0.5 (p >= 0.5 selected): selected rows 0, 1, 2, 4, 5 -> same as SN_PRED
    assert spcc_figure_of_merit(SN_TRUE, SN_PROB) == pytest.approx(0.25)
    # threshold 0.65: selected rows 0, 1 (Ia) and 4 (II): N_true = 2, N_false = 1
    # efficiency 2/4 = 0.5, pseudo-purity 2 / (2 + 3) = 0.4, FoM = 0.2
    assert spcc_figure_of_merit(SN_TRUE, SN_PROB, threshold=0.65) == pytest.approx(0.2)
    assert spcc_figure_of_merit(SN_TRUE, pd.Series(SN_PROB)) == pytest.approx(0.25)


def test_spcc_fom_integer_labels_and_nothing_selected():
    # PLAsTiCC codes: truth 90 90 42, pred 90 42 90 -> N_true 1, N_false 1, N_total 2
    # efficiency 0.5, pseudo-purity 1 / (1 + 3) = 0.25, FoM 0.125
    assert spcc_figure_of_merit([90, 90, 42], [90, 42, 90], positive=90) == pytest.approx(
        0.125
    )
    # nothing classified Ia: efficiency 0 -> FoM 0 (not NaN)
    assert spcc_figure_of_merit(SN_TRUE, ["II"] * 8) == 0.0
    assert spcc_figure_of_merit(SN_TRUE, np.zeros(8)) == 0.0


def test_spcc_fom_bad_inputs():
    with pytest.raises(AstrolearnInputError, match="no object of the positive class"):
        spcc_figure_of_merit(["II", "II"], ["Ia", "II"])
    with pytest.raises(AstrolearnInputError, match="different lengths"):
        spcc_figure_of_merit(SN_TRUE, SN_PRED[:3])
    with pytest.raises(AstrolearnInputError, match="one label or one probability"):
        spcc_figure_of_merit(["Ia", "II"], [[0.7, 0.3], [0.2, 0.8]])
    with pytest.raises(AstrolearnInputError, match=r"\[0, 1\]"):
        spcc_figure_of_merit(["Ia", "II"], [1.5, 0.2])
    with pytest.raises(AstrolearnInputError, match="finite"):
        spcc_figure_of_merit(["Ia", "II"], [np.nan, 0.2])
    with pytest.raises(AstrolearnInputError, match="threshold"):
        spcc_figure_of_merit(["Ia", "II"], [0.5, 0.2], threshold=2.0)
    with pytest.raises(AstrolearnInputError, match="false_weight"):
        spcc_figure_of_merit(["Ia", "II"], ["Ia", "II"], false_weight=-1.0)


# ---------------------------------------------------------------------------------------
# One-vs-rest AUC
# ---------------------------------------------------------------------------------------

# truth a a b c
#   a: positives 0.6, 0.3 vs negatives 0.4, 0.2: pairs 0.6>0.4, 0.6>0.2, 0.3<0.4, 0.3>0.2
#      -> 3/4 = 0.75
#   b: positive 0.4 vs negatives 0.3, 0.5, 0.2 -> 2/3
#   c: positive 0.6 vs negatives 0.1, 0.2, 0.2 -> 1
#   macro = (0.75 + 0.666667 + 1) / 3 = 0.805556
AUC_TRUE = ["a", "a", "b", "c"]
AUC_PROBA = np.array(
    [[0.6, 0.3, 0.1, 0.0], [0.3, 0.5, 0.2, 0.0], [0.4, 0.4, 0.2, 0.0], [0.2, 0.2, 0.6, 0.0]]
)


def test_one_vs_rest_auc_by_hand():
    result = one_vs_rest_auc(AUC_TRUE, AUC_PROBA[:, :3], ["a", "b", "c"])
    assert result["per_class"] == pytest.approx({"a": 0.75, "b": 2 / 3, "c": 1.0})
    assert result["macro"] == pytest.approx(0.805556, abs=1e-6)
    assert result["missing"] == {}


def test_one_vs_rest_auc_reports_undefined_classes_without_nan():
    result = one_vs_rest_auc(AUC_TRUE, AUC_PROBA, ["a", "b", "c", "d"])
    assert set(result["per_class"]) == {"a", "b", "c"}
    assert "no object of class 'd'" in result["missing"]["d"]
    assert result["macro"] == pytest.approx(0.805556, abs=1e-6)
    alone = one_vs_rest_auc(["a", "a"], [[0.9, 0.1], [0.6, 0.4]], ["a", "b"])
    assert alone["per_class"] == {}
    assert alone["macro"] is None
    assert "no negatives" in alone["missing"]["a"]
    assert "no object of class 'b'" in alone["missing"]["b"]


# ---------------------------------------------------------------------------------------
# Metrics by days since first detection, and the report dictionary
# ---------------------------------------------------------------------------------------

# truth a a b b, positive a
# day 2: P(a) = 0.6, 0.4, 0.6, 0.3 -> predicted a b a b
#   accuracy 2/4 = 0.5; purity(a) = 1/2, completeness(a) = 1/2;
#   F1(a) = 2x1/(2+2) = 0.5, F1(b) = 0.5 -> macro-F1 0.5
#   log loss: a -> (-ln 0.6 - ln 0.4)/2 = (0.510826 + 0.916291)/2 = 0.713558
#             b -> (-ln 0.4 - ln 0.7)/2 = (0.916291 + 0.356675)/2 = 0.636483
#             L = (0.713558 + 0.636483)/2 = 0.675021
#   AUC(a): positives 0.6, 0.4 vs negatives 0.6, 0.3: tie 0.5 + 1 + 0 + 1 = 2.5/4 = 0.625
#   FoM(a): N_true 1, N_false 1, N_total 2: 0.5 x 1/(1 + 3) = 0.125
# day 10: P(a) = 0.9, 0.8, 0.1, 0.2 -> all correct: every score 1;
#   L = (-ln 0.9 - ln 0.8)/2 = (0.105361 + 0.223144)/2 = 0.164252 for both classes
DAY_TRUE = ["a", "a", "b", "b"]
DAY2 = np.array([[0.6, 0.4], [0.4, 0.6], [0.6, 0.4], [0.3, 0.7]])
DAY10 = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])


def test_metrics_by_days_by_hand():
    table = metrics_by_days(DAY_TRUE, {10: DAY10, 2: DAY2}, ["a", "b"], positive="a")
    assert list(table.columns) == ["days", "n", "plasticc_log_loss", "accuracy", "macro_f1",
                                   "purity", "completeness", "auc", "fom"]
    assert table["days"].tolist() == [2.0, 10.0]
    assert table["n"].tolist() == [4, 4]
    first, last = table.iloc[0], table.iloc[1]
    assert first["plasticc_log_loss"] == pytest.approx(0.675021, abs=1e-6)
    assert first["accuracy"] == pytest.approx(0.5)
    assert first["macro_f1"] == pytest.approx(0.5)
    assert first["purity"] == pytest.approx(0.5)
    assert first["completeness"] == pytest.approx(0.5)
    assert first["auc"] == pytest.approx(0.625)
    assert first["fom"] == pytest.approx(0.125)
    assert last["plasticc_log_loss"] == pytest.approx(0.164252, abs=1e-6)
    for column in ["accuracy", "macro_f1", "purity", "completeness", "auc", "fom"]:
        assert last[column] == pytest.approx(1.0)


def test_metrics_by_days_without_positive_and_with_weights():
    table = metrics_by_days(DAY_TRUE, {2: DAY2}, ["a", "b"], weights={"a": 3, "b": 1})
    assert list(table.columns) == ["days", "n", "plasticc_log_loss", "accuracy", "macro_f1"]
    # (3 x 0.713558 + 1 x 0.636483) / 4 = 0.694289
    assert table["plasticc_log_loss"].iloc[0] == pytest.approx(0.694289, abs=1e-6)


def test_metrics_by_days_bad_inputs():
    with pytest.raises(AstrolearnInputError, match="non-empty mapping"):
        metrics_by_days(DAY_TRUE, {}, ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="not a number of days"):
        metrics_by_days(DAY_TRUE, {"early": DAY2}, ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="not one of classes"):
        metrics_by_days(DAY_TRUE, {2: DAY2}, ["a", "b"], positive="Ia")
    with pytest.raises(AstrolearnInputError, match="no object of y_true"):
        metrics_by_days(["b", "b"], {2: DAY2[2:]}, ["a", "b"], positive="a")
    with pytest.raises(AstrolearnInputError, match="shape"):
        metrics_by_days(DAY_TRUE, {2: DAY2, 5: DAY2[:3]}, ["a", "b"])


def test_transient_metrics_by_hand():
    report = transient_metrics(DAY_TRUE, DAY2, ["a", "b"], positive="a")
    assert report["n"] == 4
    assert report["plasticc_log_loss"] == pytest.approx(0.675021, abs=1e-6)
    # per object: (0.510826 + 0.916291 + 0.916291 + 0.356675) / 4 = 0.675021
    assert report["log_loss"] == pytest.approx(0.675021, abs=1e-6)
    assert report["accuracy"] == pytest.approx(0.5)
    assert report["macro_f1"] == pytest.approx(0.5)
    # AUC(b): positives 0.4, 0.7 vs negatives 0.4, 0.6: 0.5 + 0 + 1 + 1 = 2.5/4 = 0.625
    assert report["auc"]["per_class"] == pytest.approx({"a": 0.625, "b": 0.625})
    assert report["per_class"].loc["a", "purity"] == pytest.approx(0.5)
    positive = report["positive"]
    assert positive["class"] == "a"
    assert positive["efficiency"] == pytest.approx(0.5)
    assert positive["pseudo_purity"] == pytest.approx(0.25)
    assert positive["fom"] == pytest.approx(0.125)
    assert (positive["n_true_positive"], positive["n_false_positive"]) == (1, 1)
    assert "positive" not in transient_metrics(DAY_TRUE, DAY2, ["a", "b"])
