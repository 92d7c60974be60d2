"""Bias and variance: learning curves (score against training size) and complexity curves
(score against one hyperparameter), each with a plain-language diagnosis.

Both work with any scikit-learn estimator, including
:class:`astrolearn.catalogs.SourceClassifier` on a catalog DataFrame; the scores come from
:func:`sklearn.model_selection.learning_curve` and
:func:`sklearn.model_selection.validation_curve`.

The diagnosis rule
------------------
Scores are "higher is better" (scikit-learn's convention: errors are negated, e.g.
``neg_log_loss``). Let ``T`` and ``V`` be the mean training and validation scores at the
largest training size.

A score is *bounded* when its best possible value is 1 (accuracy, balanced accuracy,
F1, precision, recall, ROC AUC, average precision, Jaccard, R², explained variance,
Matthews correlation; also the default ``estimator.score``, accuracy or R²); any other
score (``neg_*``, callables) is *unbounded* and its gap and gains are taken relative to
``|V|``.

* the **gap** is ``T - V`` (relative: ``(T - V) / |V|``); it is *large* above
  ``gap_tolerance`` (default 0.05);
* the training score is *low* when ``T < target`` (if a target score is given; the
  **shortfall** is ``target - T``, relative to ``|target|`` for unbounded scores) or, with
  no target and a bounded score, when ``T < 0.9`` (90 % of the best possible score;
  shortfall ``0.9 - T``). With no target this cannot tell model bias from irreducible
  label noise: give ``target`` when a score below 0.9 is the best possible. With an
  unbounded score and no target, bias is not judged.

Then:

1. **high variance (overfitting)** when the gap is large, unless the training score is
   also low with a shortfall larger than the gap: the model fits its training rows much
   better than new ones; more data, a simpler model or stronger regularisation help.
2. **high bias (underfitting)** when the training score is low (and the gap small, or
   smaller than the shortfall): even the training rows are not fitted, so more data or
   regularisation cannot help (with a small gap the validation score can rise by at most
   about the gap); a more flexible model or better features help. A model at chance level
   can show a sizeable gap from sampling noise alone (e.g. a linear model on concentric
   circles), hence the comparison of the two.
3. otherwise **fine**.

Separately, the validation curve is **still rising** when its last step gains more than
``rise_tolerance`` (default 0.01; relative for unbounded scores) per doubling of the
training size, and more than the standard error of the last validation mean (fold-to-fold
noise): then more data would help.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.report import Report, format_table

__all__ = [
    "ComplexityCurve",
    "LearningCurve",
    "complexity_curve",
    "learning_command",
    "learning_curve",
    "plot_complexity_curve",
    "plot_learning_curve",
]

#: Scoring names whose best possible value is 1 (absolute gaps); all others are relative.
_BOUNDED_PREFIXES = ("accuracy", "balanced_accuracy", "top_k_accuracy", "f1", "precision",
                     "recall", "roc_auc", "average_precision", "jaccard", "r2",
                     "explained_variance", "matthews_corrcoef", "d2_")

#: Fraction of the best possible (bounded) score below which training is "low" (rule 2).
LOW_TRAINING_FRACTION = 0.9


# ---------------------------------------------------------------------- helpers
def _scoring_name(estimator, scoring) -> str:
    from sklearn.base import is_classifier

    if scoring is None:
        return "accuracy" if is_classifier(estimator) else "r2"
    if isinstance(scoring, str):
        return scoring
    return getattr(scoring, "__name__", None) or getattr(
        getattr(scoring, "_score_func", None), "__name__", "custom score")


def _is_bounded(name: str) -> bool:
    return any(name.startswith(prefix) for prefix in _BOUNDED_PREFIXES)


def _splitter(estimator, cv, groups, random_state: int):
    """An int ``cv`` becomes shuffled (stratified for classifiers, grouped with ``groups``)."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import (
        GroupKFold,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
    )

    if not isinstance(cv, int | np.integer):
        return cv
    if cv < 2:
        raise AstrolearnInputError(f"cv={cv} folds: cross-validation needs at least 2",
                                   fix="use --cv 3 or more")
    if groups is not None:
        if is_classifier(estimator):
            return StratifiedGroupKFold(int(cv), shuffle=True, random_state=random_state)
        return GroupKFold(int(cv))  # shuffle=True needs scikit-learn >= 1.6
    if is_classifier(estimator):
        return StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    return KFold(int(cv), shuffle=True, random_state=random_state)


def _check_xy(X, y):
    if isinstance(y, str):
        if not isinstance(X, pd.DataFrame) or y not in X.columns:
            raise AstrolearnInputError("label column not found", column=y,
                                       fix="pass the labels, or a column of the DataFrame X")
        y = X[y]
    y = np.asarray(y)
    if len(y) != len(X):
        raise AstrolearnInputError(f"{len(y)} labels for {len(X)} rows",
                                   fix="give one label per row")
    return y


def _gap(train: float, valid: float, bounded: bool) -> float:
    """``T - V``, relative to ``|V|`` for unbounded scores."""
    diff = train - valid
    if bounded:
        return float(diff)
    return float(diff / abs(valid)) if valid != 0 else float(diff)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) >= 1000 or (value != 0 and abs(value) < 0.01) \
        else f"{value:.3f}"


def _band(ax, x, mean, std, colour, label, marker="o") -> None:
    ax.plot(x, mean, marker=marker, color=colour, label=label)
    ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)


# ---------------------------------------------------------------------- learning curve
@dataclass
class LearningCurve:
    """Training and validation scores against the number of training rows.

    Attributes
    ----------
    train_sizes : ndarray of int
        Absolute numbers of training rows.
    train_mean, train_std, valid_mean, valid_std : ndarray
        Mean and standard deviation over the folds at each size.
    scoring : str
        Name of the score (higher is better).
    n_folds : int
    bounded : bool
        Whether the best possible score is 1 (absolute gaps) or not (relative gaps).
    gap : float
        ``T - V`` at the largest size (relative to ``|V|`` for unbounded scores).
    gain_per_doubling : float
        Validation gain of the last step per doubling of the training size (relative
        for unbounded scores).
    still_rising : bool
        Whether more data would still raise the validation score (module docstring).
    verdict : {"high variance", "high bias", "fine"}
    diagnosis : str
        One line for people: the verdict, its numbers and the advice.
    target : float or None
    gap_tolerance : float
    """

    train_sizes: np.ndarray
    train_mean: np.ndarray
    train_std: np.ndarray
    valid_mean: np.ndarray
    valid_std: np.ndarray
    scoring: str
    n_folds: int
    bounded: bool
    gap: float
    gain_per_doubling: float
    still_rising: bool
    verdict: str
    diagnosis: str
    target: float | None = None
    gap_tolerance: float = 0.05

    def table(self) -> pd.DataFrame:
        """One row per training size: mean and std of the training and validation scores."""
        return pd.DataFrame({"n_train": self.train_sizes.astype(int),
                             "train_mean": self.train_mean, "train_std": self.train_std,
                             "valid_mean": self.valid_mean, "valid_std": self.valid_std})

    def text(self) -> str:
        """The curve as a plain-text table and the diagnosis, for the terminal."""
        return "\n".join([f"learning curve ({self.scoring}, {self.n_folds}-fold)",
                          format_table(self.table()), f"diagnosis: {self.diagnosis}"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary."""
        return {"kind": "learning_curve", "scoring": self.scoring, "n_folds": self.n_folds,
                "train_sizes": [int(n) for n in self.train_sizes],
                "train_mean": self.train_mean.tolist(), "train_std": self.train_std.tolist(),
                "valid_mean": self.valid_mean.tolist(), "valid_std": self.valid_std.tolist(),
                "bounded": self.bounded, "gap": self.gap,
                "gain_per_doubling": self.gain_per_doubling, "still_rising": self.still_rising,
                "verdict": self.verdict, "diagnosis": self.diagnosis, "target": self.target,
                "gap_tolerance": self.gap_tolerance}

    def add_to(self, report: Report, title: str = "Learning curve") -> Report:
        """Add a section with the diagnosis, the figure and the table to ``report``."""
        report.section(title, f"Diagnosis: {self.diagnosis}")
        report.figure(plot_learning_curve(self),
                      caption=f"{self.scoring} against training size ({self.n_folds}-fold "
                      "cross-validation; bands: ±1 standard deviation over the folds)")
        report.table(self.table(), caption="Scores per training size")
        return report


def _diagnose_learning(sizes, train_mean, valid_mean, valid_std, n_folds, *, bounded,
                       target, gap_tolerance, rise_tolerance):
    T, V = float(train_mean[-1]), float(valid_mean[-1])
    gap = _gap(T, V, bounded)
    gain = np.nan
    still_rising = False
    if len(sizes) >= 2 and sizes[-1] > sizes[-2]:
        step = float(valid_mean[-1] - valid_mean[-2])
        doublings = float(np.log2(sizes[-1] / sizes[-2]))
        rel = step if bounded else (step / abs(valid_mean[-2]) if valid_mean[-2] else step)
        gain = rel / doublings
        noise = float(valid_std[-1]) / np.sqrt(max(n_folds, 1))
        still_rising = bool(gain > rise_tolerance and step > noise)
    unit = "" if bounded else " (relative)"
    rising = (f"; validation score still rising ({gain:+.3f} per doubling of the data): "
              "more data would help") if still_rising else ""
    low, shortfall = None, 0.0
    if target is not None and T < target:
        low = f"below the target {_fmt(target)}"
        shortfall = _gap(target, T, bounded) if bounded else (target - T) / (abs(target) or 1)
    elif target is None and bounded and T < LOW_TRAINING_FRACTION:
        low = f"below {LOW_TRAINING_FRACTION} of the best possible 1"
        shortfall = LOW_TRAINING_FRACTION - T
    high_gap = gap > gap_tolerance
    if high_gap and not (low and shortfall > gap):
        also = (f"; the training score {_fmt(T)} is also low ({low})" if low else "")
        return gap, gain, still_rising, "high variance", (
            f"high variance (overfitting): gap T - V = {_fmt(T)} - {_fmt(V)} = "
            f"{_fmt(gap)}{unit} > {gap_tolerance}; more data or a simpler model / stronger "
            f"regularisation{also}{rising}")
    if low:
        also = (f"; the gap T - V = {_fmt(gap)}{unit} also exceeds {gap_tolerance}, but the "
                "model does not fit its training rows either" if high_gap else
                f" and close to the validation score {_fmt(V)}")
        return gap, gain, still_rising, "high bias", (
            f"high bias (underfitting): training score {_fmt(T)} is low ({low}){also}; a "
            f"more flexible model or better features{rising}")
    note = "" if bounded or target is not None else " (bias not judged: give a target score)"
    return gap, gain, still_rising, "fine", (
        f"fine: training {_fmt(T)}, validation {_fmt(V)}, gap {_fmt(gap)}{unit} <= "
        f"{gap_tolerance}{note}{rising}")


def learning_curve(
    estimator,
    X,
    y,
    *,
    cv=5,
    train_sizes: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 1.0),
    scoring: str | Callable | None = None,
    groups=None,
    random_state: int = 0,
    n_jobs: int | None = None,
    target: float | None = None,
    gap_tolerance: float = 0.05,
    rise_tolerance: float = 0.01,
) -> LearningCurve:
    """Cross-validated training and validation scores against training size, diagnosed.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Any estimator (e.g. :class:`~astrolearn.catalogs.SourceClassifier`, which takes
        the catalog DataFrame as ``X``); cloned for every fit.
    X : array-like or DataFrame
    y : array-like
        Labels or targets (or the name of a column of the DataFrame ``X``).
    cv : int or splitter, default 5
        Folds: an int gives shuffled stratified folds for classifiers, shuffled k-fold
        for regressors (grouped folds when ``groups`` are given); or any scikit-learn
        splitter, e.g. :class:`astrolearn.validation.SkyGroupKFold`.
    train_sizes : sequence, default (0.1, 0.25, 0.5, 0.75, 1.0)
        Fractions of the training folds (or absolute row counts).
    scoring : str or callable, optional
        scikit-learn scoring (higher is better); default ``estimator.score``.
    groups : array-like, optional
        Group of each row, for grouped folds.
    random_state : int, default 0
        Seed of the folds and of the subsets.
    n_jobs : int, optional
        Parallel fits (joblib).
    target : float, optional
        The score you need; a training score below it means high bias.
    gap_tolerance : float, default 0.05
        Largest acceptable ``T - V`` (relative to ``|V|`` for unbounded scores).
    rise_tolerance : float, default 0.01
        Validation gain per doubling of the data above which the curve is still rising.

    Returns
    -------
    LearningCurve
        With the diagnosis of the module docstring.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = make_blobs(300, centers=2, cluster_std=0.5, random_state=0)
    >>> curve = learning_curve(GaussianNB(), X, y, cv=3)
    >>> curve.verdict, curve.train_sizes.tolist()
    ('fine', [20, 50, 100, 150, 200])
    """
    from sklearn.model_selection import learning_curve as sk_learning_curve

    y = _check_xy(X, y)
    splitter = _splitter(estimator, cv, groups, random_state)
    sizes, train_scores, valid_scores = sk_learning_curve(
        estimator, X, y, groups=groups, train_sizes=np.asarray(train_sizes), cv=splitter,
        scoring=scoring, n_jobs=n_jobs, shuffle=True, random_state=random_state,
        error_score="raise")
    name = _scoring_name(estimator, scoring)
    bounded = _is_bounded(name)
    n_folds = train_scores.shape[1]
    train_mean, valid_mean = train_scores.mean(axis=1), valid_scores.mean(axis=1)
    valid_std = valid_scores.std(axis=1)
    gap, gain, rising, verdict, diagnosis = _diagnose_learning(
        sizes, train_mean, valid_mean, valid_std, n_folds, bounded=bounded, target=target,
        gap_tolerance=gap_tolerance, rise_tolerance=rise_tolerance)
    return LearningCurve(
        train_sizes=np.asarray(sizes, dtype=int), train_mean=train_mean,
        train_std=train_scores.std(axis=1), valid_mean=valid_mean, valid_std=valid_std,
        scoring=name, n_folds=n_folds, bounded=bounded, gap=gap,
        gain_per_doubling=float(gain), still_rising=rising, verdict=verdict,
        diagnosis=diagnosis, target=target, gap_tolerance=gap_tolerance)


# ---------------------------------------------------------------------- complexity curve
@dataclass
class ComplexityCurve:
    """Training and validation scores against the values of one hyperparameter.

    Attributes
    ----------
    param_name : str
    param_range : list
        The values tried, in the order given.
    train_mean, train_std, valid_mean, valid_std : ndarray
        Mean and standard deviation over the folds at each value.
    scoring : str
    n_folds : int
    bounded : bool
    best_index : int
        Position of the highest mean validation score.
    complex_end : {"high", "low", "unknown"}
        Which end of the range gives the more complex models (by default the one that fits
        the training rows better; "unknown" when both fit them equally).
    verdicts : list of str
        Per value: "high bias", "high variance", "best" or "fine".
    diagnosis : str
        One line: the best value, and what the simple and complex ends show.
    gap_tolerance : float
    """

    param_name: str
    param_range: list
    train_mean: np.ndarray
    train_std: np.ndarray
    valid_mean: np.ndarray
    valid_std: np.ndarray
    scoring: str
    n_folds: int
    bounded: bool
    best_index: int
    complex_end: str
    verdicts: list[str]
    diagnosis: str
    gap_tolerance: float = 0.05

    @property
    def best_value(self) -> Any:
        """The value with the highest mean validation score."""
        return self.param_range[self.best_index]

    @property
    def best_score(self) -> float:
        """Its mean validation score."""
        return float(self.valid_mean[self.best_index])

    @property
    def recommended_index(self) -> int:
        """The simplest value whose validation score is within one standard error of the
        best (the one-standard-error rule); the best itself when the complex end is
        unknown. On a plateau this avoids picking a needlessly complex model."""
        if self.complex_end == "unknown":
            return self.best_index
        error = self.valid_std[self.best_index] / np.sqrt(max(self.n_folds, 1))
        close = np.flatnonzero(self.valid_mean >= self.best_score - error)
        return int(close.min() if self.complex_end == "high" else close.max())

    @property
    def recommended_value(self) -> Any:
        """The value at :attr:`recommended_index`."""
        return self.param_range[self.recommended_index]

    def table(self) -> pd.DataFrame:
        """One row per value: mean and std of the scores, and its verdict."""
        return pd.DataFrame({self.param_name: [str(v) for v in self.param_range],
                             "train_mean": self.train_mean, "train_std": self.train_std,
                             "valid_mean": self.valid_mean, "valid_std": self.valid_std,
                             "verdict": self.verdicts})

    def text(self) -> str:
        """The curve as a plain-text table and the diagnosis, for the terminal."""
        return "\n".join([f"complexity curve over {self.param_name} ({self.scoring}, "
                          f"{self.n_folds}-fold)", format_table(self.table()),
                          f"diagnosis: {self.diagnosis}"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (values that JSON cannot hold become strings)."""
        def plain(v):
            if isinstance(v, np.generic):
                return v.item()
            return v if v is None or isinstance(v, bool | int | float | str) else str(v)

        return {"kind": "complexity_curve", "param_name": self.param_name,
                "param_range": [plain(v) for v in self.param_range], "scoring": self.scoring,
                "n_folds": self.n_folds, "train_mean": self.train_mean.tolist(),
                "train_std": self.train_std.tolist(), "valid_mean": self.valid_mean.tolist(),
                "valid_std": self.valid_std.tolist(), "bounded": self.bounded,
                "best_value": plain(self.best_value), "best_score": self.best_score,
                "recommended_value": plain(self.recommended_value),
                "complex_end": self.complex_end, "verdicts": list(self.verdicts),
                "diagnosis": self.diagnosis, "gap_tolerance": self.gap_tolerance}

    def add_to(self, report: Report, title: str | None = None) -> Report:
        """Add a section with the diagnosis, the figure and the table to ``report``."""
        report.section(title or f"Complexity curve: {self.param_name}",
                       f"Diagnosis: {self.diagnosis}")
        report.figure(plot_complexity_curve(self),
                      caption=f"{self.scoring} against {self.param_name} ({self.n_folds}-fold "
                      "cross-validation; bands: ±1 standard deviation over the folds)")
        report.table(self.table(), caption=f"Scores per value of {self.param_name}")
        return report


def _diagnose_complexity(param_name, values, train_mean, valid_mean, *, bounded,
                         gap_tolerance, complex_end):
    best = int(np.argmax(valid_mean))
    n = len(values)
    parts = [f"best {param_name} = {values[best]} (validation {_fmt(valid_mean[best])})"]
    if complex_end == "auto":
        spread = _gap(float(train_mean[-1]), float(train_mean[0]), bounded)
        if abs(spread) < 1e-3:
            complex_end = "unknown"
            parts.append("the training score is the same at both ends, so which end is the "
                         "more complex is unknown: no bias / variance verdict (pass "
                         "complex_end)")
        else:
            complex_end = "high" if spread > 0 else "low"
    verdicts = []
    for k in range(n):
        gap = _gap(float(train_mean[k]), float(valid_mean[k]), bounded)
        loss = _gap(float(valid_mean[best]), float(valid_mean[k]), bounded)
        side = 0 if complex_end == "unknown" else (k - best) * (1 if complex_end == "high"
                                                                else -1)
        if k == best:
            verdicts.append("best")
        elif side > 0 and gap > gap_tolerance:
            verdicts.append("high variance")
        elif side < 0 and loss > gap_tolerance:
            verdicts.append("high bias")
        else:
            verdicts.append("fine")
    if complex_end != "unknown":
        s, c = (0, n - 1) if complex_end == "high" else (n - 1, 0)
        if verdicts[s] == "high bias":
            parts.append(f"{param_name} = {values[s]} underfits (high bias: validation "
                         f"{_fmt(valid_mean[s])}, training {_fmt(train_mean[s])})")
        if verdicts[c] == "high variance":
            parts.append(f"{param_name} = {values[c]} overfits (high variance: gap "
                         f"{_fmt(_gap(train_mean[c], valid_mean[c], bounded))} > "
                         f"{gap_tolerance})")
    if n > 2 and best in (0, n - 1):
        parts.append("the best value is at the end of the range: extend it")
    return best, complex_end, verdicts, "; ".join(parts)


def _dict_param_scores(estimator, X, y, *, dict_name, key, values, cv, scoring, groups,
                       n_jobs):
    """Vary one key of a dict-valued parameter: one ``cross_validate`` per value."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    base = estimator.get_params(deep=False).get(dict_name)
    if base is not None and not isinstance(base, dict):
        raise AstrolearnInputError(f"parameter {dict_name!r} is not a dict",
                                   fix=f"use {dict_name} itself as param_name")
    train, valid = [], []
    for value in values:
        model = clone(estimator).set_params(**{dict_name: {**(base or {}), key: value}})
        scores = cross_validate(model, X, y, groups=groups, cv=cv, scoring=scoring,
                                n_jobs=n_jobs, return_train_score=True, error_score="raise")
        train.append(scores["train_score"])
        valid.append(scores["test_score"])
    return np.asarray(train), np.asarray(valid)


def complexity_curve(
    estimator,
    X,
    y,
    *,
    param_name: str,
    param_range: Sequence,
    cv=5,
    scoring: str | Callable | None = None,
    groups=None,
    n_jobs: int | None = None,
    random_state: int = 0,
    gap_tolerance: float = 0.05,
    complex_end: str = "auto",
) -> ComplexityCurve:
    """Cross-validated training and validation scores over one hyperparameter, diagnosed.

    The end of the range where the training score is higher is taken as the complex end
    (``complex_end="auto"``; when both ends fit the training rows equally, e.g. a
    distance-weighted k-nearest-neighbour model, no verdict is given unless
    ``complex_end`` says which end is more complex). A value on the complex side of the
    best one whose gap ``T - V`` exceeds ``gap_tolerance`` is *high variance*; a value on
    the simple side whose validation score is more than ``gap_tolerance`` below the best
    is *high bias* (both relative to ``|V|`` for unbounded scores, as in
    :func:`learning_curve`).

    Parameters
    ----------
    estimator : scikit-learn estimator
    X, y : as in :func:`learning_curve`
    param_name : str
        A parameter of ``estimator`` as :meth:`set_params` takes it (``step__param`` in a
        pipeline), scored with :func:`sklearn.model_selection.validation_curve`; or
        ``"dict_param.key"`` to vary one key of a dict-valued parameter, e.g.
        ``"model_params.num_leaves"`` of a SourceClassifier (validation_curve cannot set
        keys inside a dict, so each value is then scored by a loop over
        :func:`sklearn.model_selection.cross_validate`).
    param_range : sequence
        The values, ordered from one end of the range to the other.
    cv, scoring, groups, n_jobs, random_state : as in :func:`learning_curve`
    gap_tolerance : float, default 0.05
    complex_end : {"auto", "high", "low"}, default "auto"
        Which end of ``param_range`` gives the more complex models ("high" for max_depth
        or num_leaves, "low" for min_samples_leaf, alpha or n_neighbors).

    Returns
    -------
    ComplexityCurve

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(300, n_features=5, flip_y=0.2, random_state=0)
    >>> curve = complexity_curve(DecisionTreeClassifier(random_state=0), X, y,
    ...                          param_name="max_depth", param_range=[1, 3, 20], cv=3)
    >>> curve.verdicts[-1]
    'high variance'
    """
    from sklearn.model_selection import validation_curve

    if complex_end not in ("auto", "high", "low"):
        raise AstrolearnInputError(f"complex_end={complex_end!r}",
                                   fix="use 'auto', 'high' or 'low'")
    y = _check_xy(X, y)
    values = list(param_range)
    if not values:
        raise AstrolearnInputError("no parameter values to try",
                                   fix="give at least two values (e.g. --values 7,31,127)")
    splitter = _splitter(estimator, cv, groups, random_state)
    if "." in param_name:
        dict_name, key = param_name.split(".", 1)
        if dict_name not in estimator.get_params(deep=False):
            raise AstrolearnInputError(
                f"{type(estimator).__name__} has no parameter {dict_name!r}",
                fix="name a parameter of the estimator")
        train_scores, valid_scores = _dict_param_scores(
            estimator, X, y, dict_name=dict_name, key=key, values=values, cv=splitter,
            scoring=scoring, groups=groups, n_jobs=n_jobs)
    else:
        if param_name not in estimator.get_params(deep=True):
            raise AstrolearnInputError(
                f"{type(estimator).__name__} has no parameter {param_name!r}",
                fix="name a parameter of the estimator (see estimator.get_params())")
        train_scores, valid_scores = validation_curve(
            estimator, X, y, param_name=param_name, param_range=values, groups=groups,
            cv=splitter, scoring=scoring, n_jobs=n_jobs, error_score="raise")
    name = _scoring_name(estimator, scoring)
    bounded = _is_bounded(name)
    train_mean, valid_mean = train_scores.mean(axis=1), valid_scores.mean(axis=1)
    best, complex_end, verdicts, diagnosis = _diagnose_complexity(
        param_name, values, train_mean, valid_mean, bounded=bounded,
        gap_tolerance=gap_tolerance, complex_end=complex_end)
    curve = ComplexityCurve(
        param_name=param_name, param_range=values, train_mean=train_mean,
        train_std=train_scores.std(axis=1), valid_mean=valid_mean,
        valid_std=valid_scores.std(axis=1), scoring=name, n_folds=train_scores.shape[1],
        bounded=bounded, best_index=best, complex_end=complex_end, verdicts=verdicts,
        diagnosis=diagnosis, gap_tolerance=gap_tolerance)
    if curve.recommended_index != best:
        curve.diagnosis += (f"; simplest value within one standard error of the best: "
                            f"{param_name} = {curve.recommended_value}")
    return curve


# ---------------------------------------------------------------------- figures
def plot_learning_curve(curve: LearningCurve) -> Figure:
    """Training and validation score against training size, with ±1 std bands.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.naive_bayes import GaussianNB
    >>> X, y = make_blobs(120, centers=2, random_state=0)
    >>> fig = plot_learning_curve(learning_curve(GaussianNB(), X, y, cv=3))
    >>> len(fig.axes[0].lines) >= 2
    True
    """
    if not isinstance(curve, LearningCurve):
        raise AstrolearnInputError(f"expected a LearningCurve, got {type(curve).__name__}",
                                   fix="pass the result of learning_curve")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    _band(ax, curve.train_sizes, curve.train_mean, curve.train_std, "#1f77b4", "training")
    _band(ax, curve.train_sizes, curve.valid_mean, curve.valid_std, "#ff7f0e", "validation")
    if curve.target is not None:
        ax.axhline(curve.target, color="#7f7f7f", linestyle="--", label="target")
    if curve.train_sizes.max() >= 20 * max(curve.train_sizes.min(), 1):
        ax.set_xscale("log")
    ax.set_xlabel("training rows")
    ax.set_ylabel(curve.scoring)
    ax.set_title(curve.verdict, fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_complexity_curve(curve: ComplexityCurve) -> Figure:
    """Training and validation score against a hyperparameter, with ±1 std bands.

    Numeric values are plotted on their own axis (logarithmic when they span two decades
    or more); other values (strings, None) at equal spacing. The best value is marked.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_blobs(120, centers=2, random_state=0)
    >>> curve = complexity_curve(DecisionTreeClassifier(), X, y, param_name="max_depth",
    ...                          param_range=[1, 2, None], cv=3)
    >>> len(plot_complexity_curve(curve).axes)
    1
    """
    if not isinstance(curve, ComplexityCurve):
        raise AstrolearnInputError(f"expected a ComplexityCurve, got {type(curve).__name__}",
                                   fix="pass the result of complexity_curve")
    values = curve.param_range
    numeric = all(isinstance(v, int | float | np.integer | np.floating)
                  and not isinstance(v, bool) for v in values)
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    _band(ax, x, curve.train_mean, curve.train_std, "#1f77b4", "training")
    _band(ax, x, curve.valid_mean, curve.valid_std, "#ff7f0e", "validation")
    ax.axvline(x[curve.best_index], color="#2ca02c", linestyle=":",
               label=f"best: {curve.best_value}")
    if numeric and x.min() > 0 and x.max() >= 100 * x.min():
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(x, [str(v) for v in values])
    ax.set_xlabel(curve.param_name)
    ax.set_ylabel(curve.scoring)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


# ---------------------------------------------------------------------- command line
def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in str(text).split(",") if part.strip()]


#: Attributes of ``args`` that :func:`learning_command` reads (absent ones count as None).
_LEARNING_OPTIONS = ("data", "hdf5_key", "label", "bands", "errors", "colours", "features",
                     "model", "model_param", "param", "values", "cv", "n", "seed", "out",
                     "n_jobs")


def learning_command(args, say: Callable[[str], None]):
    """``astrolearn explore learning-curve``: a learning (or complexity) curve of a
    SourceClassifier on a catalog, printed and written to an HTML report.

    ``args`` attributes: ``data``, ``hdf5_key``, ``label`` (default ``class``), ``bands``
    (comma list, default u,g,r,i,z), ``errors``, ``colours``, ``features`` (extra numeric
    columns used as they are, next to the photometry), ``model`` (a SourceClassifier
    model, default lightgbm), ``model_param`` (optional ``KEY=VALUE`` list), ``param`` and
    ``values`` (then a complexity curve over ``model_params[param]`` instead of the
    learning curve), ``cv`` (5), ``n`` (rows sampled, 20000), ``seed``, ``out`` (HTML
    report), ``quiet`` and, optionally, ``n_jobs`` (threads of each fit).

    Returns
    -------
    LearningCurve or ComplexityCurve
    """
    from astrolearn.catalogs.classifier import SourceClassifier, labels_from
    from astrolearn.catalogs.commands import SOURCE_MODELS, parse_model_params, read_catalog
    from astrolearn.io import check_not_input

    opt = {name: getattr(args, name, None) for name in _LEARNING_OPTIONS}
    model = opt["model"] or "lightgbm"
    if model not in SOURCE_MODELS:
        raise AstrolearnInputError(f"--model {model} is not a sources model",
                                   fix=f"use one of {', '.join(SOURCE_MODELS)}")
    if (opt["param"] is None) != (opt["values"] is None):
        raise AstrolearnInputError("--param and --values go together",
                                   fix="give both, e.g. --param num_leaves --values 7,31,127")
    cv = 5 if opt["cv"] is None else int(opt["cv"])
    n_max = 20_000 if opt["n"] is None else int(opt["n"])
    seed = int(opt["seed"] or 0)
    if n_max < 2 * cv:
        raise AstrolearnInputError(f"--n {n_max} is too few rows for {cv} folds",
                                   fix="sample more rows with --n")
    if opt["out"] is not None:
        check_not_input(opt["out"], opt["data"])
    values = None
    if opt["param"] is not None:
        values = [parse_model_params([f"{opt['param']}={v}"], {})[opt["param"]]
                  for v in _split(opt["values"]) or []]
        if len(values) < 2:
            raise AstrolearnInputError("--values needs at least two values",
                                       fix="write e.g. --values 7,31,127")
    frame = read_catalog(opt["data"], opt["hdf5_key"], say)
    if len(frame) > n_max:
        frame = frame.sample(n_max, random_state=seed).reset_index(drop=True)
        say(f"sampled {n_max:,} rows (--n)")
    label = opt["label"] or "class"
    labels = labels_from(label, frame, file=opt["data"])
    errors = opt["errors"] if opt["errors"] is not None else "auto"
    if isinstance(errors, str) and errors.lower() == "none":
        errors = None
    colours = opt["colours"] or "adjacent"
    params = parse_model_params(list(opt["model_param"] or []), {})
    classifier = SourceClassifier(
        tuple(_split(opt["bands"]) or ["u", "g", "r", "i", "z"]), errors=errors,
        colours=None if colours == "none" else colours,
        extra=tuple(_split(opt["features"]) or ()), model=model,
        model_params=params or None, random_state=seed, n_jobs=opt["n_jobs"])
    if values is None:
        say(f"learning curve of {model}: {cv}-fold cross-validation at 5 training sizes ...")
        curve = learning_curve(classifier, frame, labels, cv=cv, random_state=seed)
        what = "learning curve"
    else:
        say(f"complexity curve of {model} over {opt['param']} = "
            f"{', '.join(map(str, values))}: {cv}-fold cross-validation ...")
        curve = complexity_curve(classifier, frame, labels,
                                 param_name=f"model_params.{opt['param']}",
                                 param_range=values, cv=cv, random_state=seed)
        what = f"complexity curve over {opt['param']}"
    print(curve.text())
    if opt["out"] is not None:
        report = Report(f"astrolearn {what} of {model} on {opt['data'].name}")
        report.section("Data and model", f"{len(frame):,} rows of {opt['data']} (label "
                       f"{label!r}), SourceClassifier({model}) on bands "
                       f"{', '.join(classifier.bands)}, {cv}-fold stratified cross-validation "
                       f"(seed {seed}).")
        curve.add_to(report)
        report.write(opt["out"])
        print(f"report written to {opt['out']}")
    return curve
