"""Tests of astrolearn.transients.evaluation against hand-computed values."""

from __future__ import annotations

import json
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.report import Report
from astrolearn.transients.evaluation import (
    TransientEvaluation,
    evaluate_transients,
    plot_lightcurve,
    plot_metrics_by_days,
    plot_probability_vs_days,
)

matplotlib.use("Agg")

CLASSES = ["SNIa", "SNII"]
Y_TRUE = ["SNIa", "SNIa", "SNIa", "SNII", "SNII", "SNII"]
# P(SNIa) = 0.9 0.8 0.4 | 0.3 0.6 0.1 -> predicted Ia Ia II | II Ia II.
P_IA = np.array([0.9, 0.8, 0.4, 0.3, 0.6, 0.1])
PROBA = np.column_stack([P_IA, 1.0 - P_IA])
# Day 5: all 0.5 -> every object predicted SNIa (first class on ties).
EARLY = np.full((6, 2), 0.5)
# z bins [0, 0.4) holds objects 1, 2, 4; [0.4, 0.8] holds 3, 5, 6.
REDSHIFT = np.array([0.1, 0.2, 0.5, 0.3, 0.6, 0.7])


@pytest.fixture(scope="module")
def evaluation() -> TransientEvaluation:
    return evaluate_transients(Y_TRUE, PROBA, CLASSES, proba_by_days={20: PROBA, 5: EARLY},
                               positive="SNIa", redshift=REDSHIFT,
                               redshift_bins=[0.0, 0.4, 0.8])


def test_summary_matches_hand_values(evaluation):
    s = evaluation.summary
    assert s["n"] == 6
    assert s["accuracy"] == pytest.approx(4 / 6)
    # Each class: TP 2, FP 1, FN 1 -> F1 2/3.
    assert s["macro_f1"] == pytest.approx(2 / 3)
    # -ln p_true averaged over the six objects.
    p_true = [0.9, 0.8, 0.4, 0.7, 0.4, 0.9]
    assert s["log_loss"] == pytest.approx(-np.mean(np.log(p_true)))
    # Equal class sizes and weights: the PLAsTiCC loss equals the per-object one.
    assert s["plasticc_log_loss"] == pytest.approx(s["log_loss"])
    # SNIa scores 0.9 0.8 0.4 vs 0.3 0.6 0.1: 8 of 9 pairs ordered; SNII symmetric.
    assert s["macro_auc"] == pytest.approx(8 / 9)
    assert s["positive_purity"] == pytest.approx(2 / 3)
    assert s["positive_completeness"] == pytest.approx(2 / 3)
    assert s["positive_auc"] == pytest.approx(8 / 9)
    # Efficiency 2/3, pseudo-purity 2 / (2 + 3 x 1) = 0.4.
    assert s["positive_fom"] == pytest.approx(2 / 3 * 0.4)


def test_weights_reach_the_plasticc_loss():
    ev = evaluate_transients(Y_TRUE, PROBA, CLASSES, weights={"SNIa": 1.0, "SNII": 2.0})
    loss_ia = -np.mean(np.log([0.9, 0.8, 0.4]))
    loss_ii = -np.mean(np.log([0.7, 0.4, 0.9]))
    assert ev.summary["plasticc_log_loss"] == pytest.approx((loss_ia + 2 * loss_ii) / 3)
    assert "positive_fom" not in ev.summary
    assert ev.by_days is None and ev.by_redshift is None


def test_per_class_and_confusion(evaluation):
    table = evaluation.per_class
    assert list(table.index) == CLASSES
    assert {"purity", "completeness", "f1", "auc"} <= set(table.columns)
    np.testing.assert_allclose(table["purity"], [2 / 3, 2 / 3])
    np.testing.assert_allclose(table["auc"], [8 / 9, 8 / 9])
    assert evaluation.confusion.to_numpy().tolist() == [[2, 1], [1, 2]]


def test_by_days_table(evaluation):
    table = evaluation.by_days
    assert table["days"].tolist() == [5.0, 20.0]
    assert table["accuracy"].tolist() == pytest.approx([0.5, 4 / 6])
    assert table["purity"].tolist() == pytest.approx([0.5, 2 / 3])
    assert table["completeness"].tolist() == pytest.approx([1.0, 2 / 3])


def test_by_redshift_table(evaluation):
    table = evaluation.by_redshift
    assert table["n"].tolist() == [3, 3]
    # Low z: truth Ia Ia II, predicted Ia Ia II. High z: truth Ia II II, predicted II Ia II.
    assert table["accuracy"].tolist() == pytest.approx([1.0, 1 / 3])
    assert table["purity"].tolist() == pytest.approx([1.0, 0.0])
    assert table["completeness"].tolist() == pytest.approx([1.0, 0.0])
    assert table["n_positive"].tolist() == [2, 1]


def test_redshift_quantile_bins_and_nan():
    z = REDSHIFT.copy()
    z[0] = np.nan
    ev = evaluate_transients(Y_TRUE, PROBA, CLASSES, positive="SNIa", redshift=z,
                             redshift_bins=2)
    table = ev.by_redshift
    assert table["n"].sum() == 5  # the object without redshift is left out
    assert table["z_low"].iloc[0] == pytest.approx(0.2)
    assert table["z_high"].iloc[-1] == pytest.approx(0.7)
    # Median 0.5 splits 0.2, 0.3 | 0.5, 0.6, 0.7 (a bin holds its lower edge).
    assert table["n"].tolist() == [2, 3]


def test_bad_redshift_raises():
    with pytest.raises(AstrolearnInputError, match="redshift"):
        evaluate_transients(Y_TRUE, PROBA, CLASSES, redshift=np.ones(4))


def test_to_dict_is_strict_json(evaluation):
    data = evaluation.to_dict()
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert back["accuracy"] == pytest.approx(4 / 6)
    assert back["classes"] == CLASSES and back["positive"] == "SNIa"
    assert back["per_class"]["SNIa"]["purity"] == pytest.approx(2 / 3)
    assert back["confusion"]["SNIa"]["SNII"] == 1
    assert [row["days"] for row in back["by_days"]] == [5.0, 20.0]


def test_to_dict_turns_nan_into_none():
    # Nothing predicted SNIa -> purity NaN; integer class codes as keys.
    proba = np.tile([0.2, 0.8], (4, 1))
    ev = evaluate_transients([90, 90, 42, 42], proba, [90, 42], positive=90)
    assert math.isnan(ev.summary["positive_purity"])
    data = ev.to_dict()
    assert data["positive_purity"] is None
    json.dumps(data, allow_nan=False)


def test_text_has_key_numbers_and_tables(evaluation):
    text = evaluation.text()
    assert "accuracy=0.6667" in text
    assert "SNIa fom=0.2667" in text
    assert "completeness" in text and "days since first detection" in text
    assert "redshift" in text


def test_add_to_report(evaluation):
    report = evaluation.add_to(Report("test"), title="Transients")
    html = report.to_html()
    for heading in ("Transients", "Transients: early classification", "Transients: redshift"):
        assert f">{heading}</h2>" in html
    assert html.count("data:image/png;base64,") == 2
    assert "Confusion matrix" in html and "Overall metrics" in html


def test_plot_metrics_by_days(evaluation):
    fig = plot_metrics_by_days(evaluation.by_days)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 5  # accuracy, macro F1, purity, completeness, AUC
    fig.clear()


def test_plot_metrics_by_days_rejects_other_tables():
    with pytest.raises(AstrolearnInputError, match="plasticc_log_loss"):
        plot_metrics_by_days(pd.DataFrame({"days": [1.0], "accuracy": [1.0],
                                           "macro_f1": [1.0]}))


def test_plot_probability_vs_days():
    fig = plot_probability_vs_days({20: PROBA, 5: EARLY}, CLASSES, Y_TRUE, "SNIa")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    lines = fig.axes[0].lines
    assert len(lines) == 2
    # SNIa true-class probabilities: day 5 all 0.5, day 20 median of 0.9 0.8 0.4 = 0.8.
    np.testing.assert_allclose(lines[0].get_ydata(), [0.5, 0.8])
    np.testing.assert_allclose(lines[0].get_xdata(), [5.0, 20.0])
    fig.clear()


@pytest.fixture(scope="module")
def tiny_model():
    from astrolearn.datasets import simulate_transients
    from astrolearn.transients.classifier import TransientClassifier

    lc, meta = simulate_transients(15, classes=["SNIa", "SNII-P"], survey="des", seed=1)
    model = TransientClassifier(survey="des", model_params={"n_estimators": 20},
                                early_copies=0, n_jobs=1).fit(lc, "label", objects=meta)
    return lc, meta, model


def test_plot_lightcurve_without_model(tiny_model):
    lc, _, _ = tiny_model
    fig = plot_lightcurve(lc, 0, wavelengths={"g": 4800, "r": 6400, "i": 7800, "z": 9200})
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [label.split()[0] for label in labels] == ["g", "r", "i", "z"]  # blue to red
    assert ax.get_title() == "object 0"
    fig.clear()


def test_plot_lightcurve_with_model(tiny_model):
    lc, meta, model = tiny_model
    fig = plot_lightcurve(lc, 1, model=model, objects=meta)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "P(SNIa)" in texts and "P(SNII-P)" in texts
    # Gaussian-process mean: one line per band with a known wavelength.
    assert len([line for line in ax.lines if len(line.get_xdata()) == 300]) == len(
        model.bands_)
    assert len(ax.collections) >= len(model.bands_)  # the 1-sigma bands
    assert "z = " in ax.get_title()
    fig.clear()


def test_plot_lightcurve_unknown_object(tiny_model):
    lc, _, _ = tiny_model
    with pytest.raises(AstrolearnInputError, match="object_id") as info:
        plot_lightcurve(lc, 12345)
    assert info.value.column == "object_id"


def test_plot_lightcurve_missing_column():
    with pytest.raises(AstrolearnInputError) as info:
        plot_lightcurve(pd.DataFrame({"object_id": [1], "time": [0.0]}), 1)
    assert info.value.column == "band"
