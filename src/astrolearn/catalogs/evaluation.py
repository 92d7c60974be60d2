"""Evaluation of a source classifier: the numbers and figures a survey paper reports.

Accuracy, macro-F1, per-class purity and completeness, the confusion matrix,
purity/completeness in magnitude bins, and calibration (log loss, Brier score, top-label
expected calibration error and reliability curves). :func:`evaluate_classification`
works from labels and probabilities alone, so cross-validation, the command line and the
demo share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from astrolearn import metrics, plots
from astrolearn.errors import AstrolearnInputError
from astrolearn.report import Report, format_table

__all__ = ["ClassificationEvaluation", "check_known_classes", "evaluate_classification"]

#: Default magnitude bins for purity/completeness (mag).
DEFAULT_MAGNITUDE_BINS = (14.0, 16.0, 17.0, 18.0, 19.0, 19.5, 20.0, 20.5, 21.0, 21.5, 22.0,
                          22.5, 23.0, 24.0)


def check_known_classes(labels: np.ndarray, classes: Sequence[str], *, file=None,
                        column: str | None = None) -> None:
    """Raise a clear error if ``labels`` hold a class the model never saw.

    Examples
    --------
    >>> check_known_classes(np.array(["STAR"]), ["STAR", "QSO"])
    """
    unknown = sorted(set(map(str, labels)) - set(map(str, classes)))
    if unknown:
        raise AstrolearnInputError(
            f"labels {', '.join(unknown[:5])} were not among the training classes "
            f"({', '.join(map(str, classes))})",
            file=file, column=column,
            fix="remove those rows, map them to a training class, or retrain with them")


@dataclass
class ClassificationEvaluation:
    """Every metric of one evaluation, with its tables.

    Attributes
    ----------
    summary : dict
        Scalar metrics: n, accuracy, macro_f1, log_loss, brier, ece.
    per_class : DataFrame
        Purity, completeness, F1 and counts per class.
    confusion : DataFrame
        Counts, rows = true class.
    binned : DataFrame or None
        Purity/completeness per magnitude bin and class.
    reliability : DataFrame
        Reliability curve per class.
    magnitude : str or None
        The magnitude column used for ``binned``.
    """

    summary: dict[str, float]
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    binned: pd.DataFrame | None
    reliability: pd.DataFrame
    magnitude: str | None = None

    def text(self) -> str:
        """The metrics as plain-text tables, for the terminal."""
        lines = ["  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.summary.items()), "",
                 format_table(self.per_class.reset_index().rename(columns={"index": "class"})),
                 "", "confusion matrix (rows: true class, columns: predicted class)",
                 format_table(self.confusion.reset_index().rename(
                     columns={"index": "true \\ predicted"}), float_format="{:.0f}")]
        if self.binned is not None:
            lines += ["", f"purity / completeness in {self.magnitude} bins",
                      format_table(self._binned_wide())]
        return "\n".join(lines)

    def _binned_wide(self) -> pd.DataFrame:
        """One row per magnitude bin; per class: true count, purity, completeness."""
        table = self.binned.copy()
        table["bin"] = [f"{lo:.1f}-{hi:.1f}" for lo, hi in zip(table["bin_low"],
                                                               table["bin_high"], strict=True)]
        wide = pd.DataFrame({"bin": list(dict.fromkeys(table["bin"]))})
        for cls, part in table.groupby("class", sort=False):
            part = part.set_index("bin").reindex(wide["bin"])
            wide[f"{cls} n"] = part["n_true"].fillna(0).astype(int).to_numpy()
            wide[f"{cls} purity"] = part["purity"].to_numpy()
            wide[f"{cls} compl."] = part["completeness"].to_numpy()
        return wide

    def to_dict(self) -> dict:
        """JSON-serialisable metrics (for a model manifest)."""
        per_class = self.per_class.replace({np.nan: None}).to_dict(orient="index")
        return {**self.summary, "per_class": per_class}

    def add_to(self, report: Report, title: str = "Source classification") -> Report:
        """Add a section with the tables and standard figures to ``report``."""
        report.section(title)
        report.metrics(self.summary, caption="Overall metrics")
        report.table(self.per_class.reset_index().rename(columns={"index": "class"}),
                     caption="Purity (precision) and completeness (recall) per class")
        report.figure(plots.plot_confusion_matrix(self.confusion), caption="Confusion matrix")
        if self.binned is not None:
            report.figure(plots.plot_binned_purity_completeness(self.binned,
                                                                xlabel=f"{self.magnitude} [mag]"),
                          caption=f"Purity and completeness as a function of {self.magnitude}")
            report.table(self._binned_wide(),
                         caption=f"Purity / completeness per {self.magnitude} bin")
        report.figure(plots.plot_reliability(self.reliability),
                      caption="Reliability of the class probabilities (one-vs-rest)")
        return report


def evaluate_classification(
    y_true,
    proba: np.ndarray,
    classes: Sequence[str],
    *,
    magnitude: np.ndarray | None = None,
    magnitude_name: str | None = None,
    bins: Sequence[float] = DEFAULT_MAGNITUDE_BINS,
    n_calibration_bins: int = 10,
    predicted: np.ndarray | None = None,
) -> ClassificationEvaluation:
    """Compute every classification metric from true labels and class probabilities.

    Parameters
    ----------
    y_true : array-like
        True class names.
    proba : ndarray, shape (n, n_classes)
        Predicted probabilities, columns in the order of ``classes``.
    classes : sequence of str
    magnitude : array-like, optional
        A magnitude per row (NaN for non-detections) for purity/completeness in bins.
    magnitude_name : str, optional
        Its name, for tables and figures.
    bins : sequence of float
        Magnitude bin edges.
    predicted : array-like, optional
        The model's class for each row when it is not the most probable (e.g. an image
        model's tuned decision, :mod:`astrolearn.decision`); default the most probable.

    Examples
    --------
    >>> ev = evaluate_classification(["A", "B"], np.array([[0.9, 0.1], [0.2, 0.8]]), ["A", "B"])
    >>> ev.summary["accuracy"]
    1.0
    """
    classes = [str(c) for c in classes]
    y_true = np.asarray(y_true).astype(str)
    check_known_classes(y_true, classes)
    proba = np.asarray(proba, dtype=float)
    y_pred = (np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)] if predicted is None
              else np.asarray(predicted)).astype(str)
    if y_pred.shape != y_true.shape:
        raise AstrolearnInputError(f"{y_pred.size} predicted classes for {y_true.size} rows",
                                   fix="give one predicted class per row")
    summary = {
        "n": len(y_true),
        "accuracy": metrics.accuracy(y_true, y_pred),
        "macro_f1": metrics.macro_f1(y_true, y_pred, classes),
        "log_loss": metrics.multiclass_log_loss(y_true, proba, classes),
        "brier": metrics.brier_score(y_true, proba, classes),
        "ece": metrics.expected_calibration_error(y_true, proba, classes, n_calibration_bins),
    }
    binned = None
    if magnitude is not None:
        binned = metrics.binned_purity_completeness(y_true, y_pred, np.asarray(magnitude, float),
                                                    list(bins), classes)
        binned = binned[binned["n_true"] + binned["n_pred"] > 0].reset_index(drop=True)
    return ClassificationEvaluation(
        summary=summary,
        per_class=metrics.purity_completeness(y_true, y_pred, classes),
        confusion=metrics.confusion_matrix(y_true, y_pred, classes),
        binned=binned,
        reliability=metrics.reliability_curve(y_true, proba, classes, n_calibration_bins),
        magnitude=magnitude_name,
    )
