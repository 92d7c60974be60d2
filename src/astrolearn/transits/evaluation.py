"""Evaluation of a transit vetting model: the numbers Shallue & Vanderburg and Yu et al. report.

:func:`evaluate_transits` takes true labels and class probabilities and gives

* the ranking metrics of every class against the rest: ROC-AUC and average precision (the
  area under the precision-recall curve, the headline number of Yu et al. 2019, because
  planet candidates are a few per cent of signals), with precision and recall at P > 0.5;
* the classification metrics shared with the other tasks
  (:func:`astrolearn.catalogs.evaluation.evaluate_classification`: accuracy, macro-F1, log
  loss, calibration, per-class purity and completeness, confusion matrix), with purity and
  completeness in bins of the signal's SNR when it is given.

The figures are the confusion matrix, ROC and precision-recall curves
(:func:`plot_roc_pr`) and the reliability curves. No metric is computed here: they come
from :mod:`astrolearn.metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astrolearn.catalogs.evaluation import ClassificationEvaluation, evaluate_classification
from astrolearn.metrics import binary_scores
from astrolearn.report import Report, format_table

__all__ = ["SNR_BINS", "TransitEvaluation", "evaluate_transits", "plot_roc_pr"]

#: SNR bin edges for purity and completeness against signal strength.
SNR_BINS = (0.0, 10.0, 15.0, 25.0, 50.0, 1e6)


@dataclass
class TransitEvaluation:
    """Metrics of one evaluation of a transit classifier.

    Attributes
    ----------
    ranking : DataFrame
        Indexed by class: ``n_positive``, ``roc_auc``, ``average_precision``, ``accuracy``,
        ``precision`` and ``recall`` of that class against the rest (threshold 0.5). A binary
        model reports its positive class only.
    classification : ClassificationEvaluation
        Accuracy, macro-F1, log loss, calibration, per-class table, confusion matrix and,
        given SNRs, purity and completeness in SNR bins.
    scores : dict
        Class -> ``(truth, score)`` arrays behind ``ranking`` (for :func:`plot_roc_pr`).
    """

    ranking: pd.DataFrame
    classification: ClassificationEvaluation
    scores: dict[str, tuple[np.ndarray, np.ndarray]]

    def text(self) -> str:
        """The metrics as plain text, for the terminal."""
        return "\n".join([format_table(self.ranking.reset_index(), "{:.4f}"), "",
                          self.classification.text()])

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metrics (for a model manifest)."""
        ranking = self.ranking.replace({np.nan: None}).to_dict(orient="index")
        return {"ranking": ranking, **self.classification.to_dict()}

    def add_to(self, report: Report, title: str = "Transit vetting") -> Report:
        """Add the ranking table, ROC and precision-recall curves and the classification
        section to ``report``."""
        report.section(title, "Each class against the rest: ROC-AUC and average precision "
                       "judge the ranking by probability, accuracy, precision and recall the "
                       "decision P > 0.5.")
        report.table(self.ranking.reset_index(), caption="Ranking metrics per class")
        report.figure(plot_roc_pr(self.scores), caption="ROC and precision-recall curves")
        self.classification.add_to(report, title=f"{title}: classes")
        return report


def evaluate_transits(y_true: Any, proba: Any, classes: Sequence[Any], *,
                      snr: np.ndarray | None = None) -> TransitEvaluation:
    """Compute the vetting metrics from true labels and class probabilities.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels (for a binary model: its class names, e.g. ``"PC"`` and ``"other"``).
    proba : array-like of shape (n, n_classes)
        Probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names (``model.classes_``).
    snr : array-like of shape (n,), optional
        SNR of every signal, for purity and completeness in :data:`SNR_BINS`.

    Returns
    -------
    TransitEvaluation

    Examples
    --------
    >>> ev = evaluate_transits(["PC", "PC", "other", "other"],
    ...                        [[0.9, 0.1], [0.4, 0.6], [0.6, 0.4], [0.1, 0.9]],
    ...                        ["PC", "other"])
    >>> float(ev.ranking.loc["PC", "roc_auc"]), ev.classification.summary["accuracy"]
    (0.75, 0.5)
    """
    classes = [str(c) for c in classes]
    truth = np.asarray(y_true).astype(str)
    p = np.asarray(proba, dtype=float)
    classification = evaluate_classification(
        truth, p, classes, magnitude=None if snr is None else np.asarray(snr, float),
        magnitude_name="SNR", bins=SNR_BINS)
    ranked = [c for c in classes if c != "other"] if len(classes) == 2 else classes
    rows, scores = [], {}
    for c in ranked:
        is_c = truth == c
        if is_c.all() or not is_c.any():
            continue  # no ranking without both positives and negatives
        score = p[:, classes.index(c)]
        scores[c] = (is_c, score)
        rows.append({"class": c, "n_positive": int(is_c.sum()), **binary_scores(is_c, score)})
    ranking = pd.DataFrame(rows, columns=["class", "n_positive", "roc_auc",
                                          "average_precision", "accuracy", "precision",
                                          "recall"]).set_index("class")
    return TransitEvaluation(ranking=ranking, classification=classification, scores=scores)


def plot_roc_pr(scores: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """ROC (left) and precision-recall (right) curves, one line per class.

    Parameters
    ----------
    scores : dict
        Class -> ``(truth, score)``: boolean truth of "is this class" and its probability.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_roc_pr({"PC": (np.array([True, False, True]), np.array([0.9, 0.2, 0.6]))})
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['false positive rate', 'recall (completeness)']
    """
    from sklearn.metrics import precision_recall_curve, roc_curve

    fig = Figure(figsize=(10, 4.2))
    roc_ax, pr_ax = fig.subplots(1, 2)
    for name, (truth, score) in scores.items():
        fpr, tpr, _ = roc_curve(truth, score)
        precision, recall, _ = precision_recall_curve(truth, score)
        roc_ax.plot(fpr, tpr, label=name)
        pr_ax.step(recall, precision, where="post", label=name)
        pr_ax.axhline(float(np.mean(truth)), ls=":", lw=0.8,
                      color=pr_ax.lines[-1].get_color())
    roc_ax.plot([0, 1], [0, 1], ls="--", color="0.6", lw=0.8)
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    pr_ax.set(xlabel="recall (completeness)", ylabel="precision (purity)",
              title="precision-recall (dotted: chance)", ylim=(0, 1.02))
    for ax in (roc_ax, pr_ax):
        ax.legend(loc="lower right" if ax is roc_ax else "lower left", fontsize=8)
    fig.tight_layout()
    return fig
