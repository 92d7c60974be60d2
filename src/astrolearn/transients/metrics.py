"""Metrics of transient classification: PLAsTiCC log loss, SPCC figure of merit, AUC, early epochs.

* :func:`plasticc_log_loss` -- the class-weighted cross-entropy of the Photometric LSST
  Astronomical Time-series Classification Challenge (Malz et al. 2019, AJ 158, 171; Hložek
  et al. 2023, ApJS 267, 25), with the challenge's class weights :data:`PLASTICC_CLASS_WEIGHTS`
  and class names :data:`PLASTICC_CLASS_NAMES`.
* :func:`spcc_figure_of_merit` -- the SN Ia figure of merit of the Supernova Photometric
  Classification Challenge (Kessler et al. 2010, PASP 122, 1415): efficiency times
  pseudo-purity, where every false positive counts ``false_weight`` (3) times.
* :func:`one_vs_rest_auc` -- the ROC AUC of every class against the rest, computed with
  :func:`sklearn.metrics.roc_auc_score`; classes whose AUC is undefined are reported with a
  note instead of ``NaN``.
* :func:`metrics_by_days` -- the metrics above as a function of the number of days since the
  first detection (early classification, as in PLAsTiCC and Muthukrishna et al. 2019).
* :func:`transient_metrics` -- everything for one evaluation, as a dictionary for reports.

Input checks and the general metrics (accuracy, macro F1, purity and completeness) are those
of :mod:`astrolearn.metrics`, reused rather than copied. The two challenge metrics are written
here because no maintained library ships them (design principle 5): they are a few lines of
numpy once the inputs are checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import (
    _as_labels,
    _check_same_length,
    _proba_inputs,
    accuracy,
    macro_f1,
    multiclass_log_loss,
    purity_completeness,
)

__all__ = [
    "PLASTICC_CLASS_NAMES",
    "PLASTICC_CLASS_WEIGHTS",
    "metrics_by_days",
    "one_vs_rest_auc",
    "plasticc_log_loss",
    "spcc_figure_of_merit",
    "transient_metrics",
]

#: Probabilities are clipped to ``[PLASTICC_EPS, 1 - PLASTICC_EPS]`` (as in the challenge).
PLASTICC_EPS = 1e-15

#: PLAsTiCC class code -> name (Kessler et al. 2019, PASP 131, 094501; code 99 gathers the
#: classes absent from the training set).
PLASTICC_CLASS_NAMES: Mapping[int, str] = MappingProxyType(
    {
        6: "μLens-Single",
        15: "TDE",
        16: "EBE",
        42: "SNII",
        52: "SNIax",
        53: "Mira",
        62: "SNIbc",
        64: "KN",
        65: "M-dwarf",
        67: "SNIa-91bg",
        88: "AGN",
        90: "SNIa",
        92: "RRL",
        95: "SLSN-I",
        99: "unknown",
    }
)

#: PLAsTiCC class weights of the Kaggle leaderboard: 2 for the rare classes the organisers
#: wanted found (15 TDE, 64 kilonova) and for 99 (unknown), 1 for the others.
PLASTICC_CLASS_WEIGHTS: Mapping[int, float] = MappingProxyType(
    {code: (2.0 if code in (15, 64, 99) else 1.0) for code in PLASTICC_CLASS_NAMES}
)


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _class_weights(weights: Any, classes: pd.Index) -> np.ndarray:
    """Weights as a float array aligned with ``classes`` (all 1 when ``weights`` is None)."""
    if weights is None:
        return np.ones(len(classes))
    if isinstance(weights, Mapping):
        absent = [c for c in classes if c not in weights]
        if absent:
            raise AstrolearnInputError(
                f"weights has no entry for classes {absent}",
                fix="give a weight to every class (for PLASTICC_CLASS_WEIGHTS the classes "
                "must be the integer PLAsTiCC codes, e.g. 90 rather than 'SNIa')",
            )
        values = [weights[c] for c in classes]
    else:
        values = list(weights)
        if len(values) != len(classes):
            raise AstrolearnInputError(
                f"weights has {len(values)} entries for {len(classes)} classes",
                fix="pass one weight per class, in the order of classes, or a mapping",
            )
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "weights are not numbers", fix="pass numeric class weights, e.g. {90: 1, 64: 2}"
        ) from exc
    if not np.isfinite(array).all() or (array < 0).any():
        raise AstrolearnInputError(
            "weights must be finite and non-negative", fix="pass e.g. weights={90: 1, 64: 2}"
        )
    return array


def _predicted_labels(proba: np.ndarray, classes: pd.Index) -> np.ndarray:
    """Class of largest probability of every row (the first in ``classes`` on ties)."""
    return np.asarray(classes, dtype=object)[proba.argmax(axis=1)]


def _check_positive(positive: Any, classes: pd.Index, t: np.ndarray) -> int:
    """Position of ``positive`` in ``classes``; it must be present and not alone in truth."""
    if positive not in set(classes):
        raise AstrolearnInputError(
            f"positive class {positive!r} is not one of classes {list(classes)}",
            fix="pass positive= one of the class names",
        )
    code = int(classes.get_loc(positive))
    n_pos = int((t == code).sum())
    if n_pos == 0 or n_pos == len(t):
        what = "no object" if n_pos == 0 else "every object"
        raise AstrolearnInputError(
            f"{what} of y_true is of the positive class {positive!r}, so its completeness, "
            "AUC and figure of merit are undefined",
            fix="evaluate on a sample holding both the positive class and other classes",
        )
    return code


def _spcc_parts(
    is_true_positive: np.ndarray, selected: np.ndarray, false_weight: float
) -> dict[str, float]:
    """Efficiency, pseudo-purity and FoM from truth and selection masks (both boolean)."""
    n_total = int(is_true_positive.sum())
    n_true = int((selected & is_true_positive).sum())
    n_false = int((selected & ~is_true_positive).sum())
    efficiency = n_true / n_total
    denominator = n_true + false_weight * n_false
    # Nothing selected (or only weightless false positives): no Ia found, FoM = 0.
    pseudo_purity = n_true / denominator if denominator > 0 else 0.0
    return {
        "efficiency": efficiency,
        "pseudo_purity": pseudo_purity,
        "fom": efficiency * pseudo_purity,
        "n_true_positive": n_true,
        "n_false_positive": n_false,
        "n_positive": n_total,
    }


# ---------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------


def plasticc_log_loss(
    y_true: Any,
    proba: Any,
    classes: Sequence[Any],
    weights: Mapping[Any, float] | Sequence[float] | None = None,
) -> float:
    """PLAsTiCC weighted multi-class log loss (Malz et al. 2019, AJ 158, 171).

    .. math::

        L = -\\frac{\\sum_i w_i \\frac{1}{N_i} \\sum_{j \\in i} \\ln p_{ij}}{\\sum_i w_i}

    where :math:`N_i` is the number of objects truly of class *i* and :math:`p_{ij}` the
    probability that object *j* is of class *i*. Every class counts by its weight whatever
    its number of objects; classes absent from ``y_true`` do not count (neither in the sum
    nor in the normalisation). As in the challenge, probabilities are clipped to
    ``[1e-15, 1 - 1e-15]`` and each row is renormalised to sum to 1 before the log.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes`` (a DataFrame with the class
        names as columns is reordered). Rows must sum to 1.
    classes : sequence
        Class names (or PLAsTiCC integer codes) in the order of the ``proba`` columns.
    weights : mapping or sequence of float, optional
        Class weights: a mapping class -> weight (e.g. :data:`PLASTICC_CLASS_WEIGHTS` when the
        classes are the PLAsTiCC codes) or one weight per class in the order of ``classes``.
        Default: all 1 (then ``L`` is the mean over present classes of their mean log loss).

    Returns
    -------
    float

    Examples
    --------
    Class 90 (weight 1): -ln 0.8 = 0.2231; class 64 (weight 2): -ln 0.5 = 0.6931;
    L = (1 x 0.2231 + 2 x 0.6931) / 3 = 0.5365. Class 15 is absent and does not count.

    >>> round(plasticc_log_loss([90, 64], [[0.8, 0.2, 0.0], [0.5, 0.5, 0.0]], [90, 64, 15],
    ...                         weights=PLASTICC_CLASS_WEIGHTS), 4)
    0.5365
    """
    t, p, index = _proba_inputs(y_true, proba, classes)
    w = _class_weights(weights, index)
    p = np.clip(p, PLASTICC_EPS, 1.0 - PLASTICC_EPS)
    p = p / p.sum(axis=1, keepdims=True)
    log_p_true = np.log(p[np.arange(len(t)), t])
    k = len(index)
    n_per_class = np.bincount(t, minlength=k)
    sum_per_class = np.bincount(t, weights=log_p_true, minlength=k)
    present = n_per_class > 0
    total_weight = w[present].sum()
    if total_weight <= 0:
        raise AstrolearnInputError(
            "the classes present in y_true all have weight 0, so the loss is undefined",
            fix="give a positive weight to at least one class present in y_true",
        )
    mean_per_class = sum_per_class[present] / n_per_class[present]
    return float(-np.sum(w[present] * mean_per_class) / total_weight)


def spcc_figure_of_merit(
    y_true: Any,
    y_pred_or_proba: Any,
    positive: Any = "Ia",
    threshold: float = 0.5,
    false_weight: float = 3.0,
) -> float:
    """SN Ia figure of merit of the Supernova Photometric Classification Challenge.

    Kessler et al. 2010 (PASP 122, 1415): ``FoM = efficiency x pseudo-purity`` with
    ``efficiency = N_true / N_total`` and ``pseudo-purity = N_true / (N_true + W N_false)``,
    where ``N_total`` is the number of true objects of the ``positive`` class, ``N_true`` the
    number of them classified positive, ``N_false`` the number of other objects classified
    positive and ``W = false_weight`` (3 in the challenge) the penalty on false positives.
    When nothing is classified positive the figure of merit is 0.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    y_pred_or_proba : array-like of shape (n,)
        Either predicted labels, or (when its dtype is floating point) the probability of
        the ``positive`` class; an object is then classified positive when its probability
        is ``>= threshold``.
    positive : label
        The class of interest (default ``"Ia"``); it must be present in ``y_true``.
    threshold : float
        Probability threshold in ``[0, 1]``, used with probabilities only.
    false_weight : float
        Weight ``W >= 0`` of a false positive in the pseudo-purity.

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    Truth Ia Ia Ia II, selected Ia Ia II Ia: efficiency 2/3, pseudo-purity 2/(2 + 3x1) = 0.4,
    FoM = 0.2667.

    >>> round(spcc_figure_of_merit(["Ia", "Ia", "Ia", "II"], ["Ia", "Ia", "II", "Ia"]), 4)
    0.2667
    >>> round(spcc_figure_of_merit(["Ia", "Ia", "Ia", "II"], [0.9, 0.6, 0.2, 0.7]), 4)
    0.2667
    """
    return _spcc_figure_of_merit_parts(
        y_true, y_pred_or_proba, positive, threshold, false_weight
    )["fom"]


def _spcc_figure_of_merit_parts(
    y_true: Any, y_pred_or_proba: Any, positive: Any, threshold: float, false_weight: float
) -> dict[str, float]:
    if not (isinstance(false_weight, int | float) and np.isfinite(false_weight)
            and false_weight >= 0):
        raise AstrolearnInputError(
            f"false_weight must be a finite number >= 0, got {false_weight!r}",
            fix="use false_weight=3.0 (the SPCC value)",
        )
    t = _as_labels(y_true, "y_true")
    raw = y_pred_or_proba.to_numpy() if isinstance(y_pred_or_proba, pd.Series) else (
        y_pred_or_proba
    )
    values = np.asarray(raw)
    if values.ndim != 1:
        raise AstrolearnInputError(
            f"y_pred_or_proba has shape {values.shape}, expected one label or one "
            "probability of the positive class per object",
            fix="pass proba[:, list(classes).index(positive)] or the predicted labels",
        )
    _check_same_length(y_true=t, y_pred_or_proba=values)
    is_pos = np.asarray(np.asarray(t, dtype=object) == positive, dtype=bool)
    if not is_pos.any():
        raise AstrolearnInputError(
            f"y_true has no object of the positive class {positive!r}, so the efficiency "
            "is undefined",
            fix="check positive= (labels are compared exactly, e.g. 'Ia' vs 'SNIa' or 90)",
        )
    if np.issubdtype(values.dtype, np.floating):
        if not (0.0 <= threshold <= 1.0):
            raise AstrolearnInputError(
                f"threshold must be in [0, 1], got {threshold!r}", fix="use threshold=0.5"
            )
        if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
            raise AstrolearnInputError(
                "probabilities of the positive class must be finite and in [0, 1]",
                fix="pass probabilities, or predicted labels as strings or integers",
            )
        selected = values >= threshold
    else:
        labels = _as_labels(values, "y_pred_or_proba")
        selected = np.asarray(np.asarray(labels, dtype=object) == positive, dtype=bool)
    return _spcc_parts(is_pos, selected, float(false_weight))


def one_vs_rest_auc(y_true: Any, proba: Any, classes: Sequence[Any]) -> dict[str, Any]:
    """ROC AUC of every class against all others, and their unweighted (macro) mean.

    The AUC of class *c* uses ``y_true == c`` as truth and ``P(c)`` as score
    (:func:`sklearn.metrics.roc_auc_score`). It is undefined when ``y_true`` holds no
    object of *c* or only objects of *c*; such a class gets no number (never ``NaN``) but a
    note in ``"missing"`` and is left out of the macro mean.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names in the order of the ``proba`` columns.

    Returns
    -------
    dict
        ``"per_class"``: class -> AUC for the classes where it is defined;
        ``"macro"``: their mean, or ``None`` when no class has a defined AUC;
        ``"missing"``: class -> reason for the others.

    Examples
    --------
    Class a: scores of a-objects 0.7, 0.6 vs others 0.2, 0.1 -> every pair ordered, AUC 1.
    Class b: score 0.8 of the b-object vs 0.2, 0.3, 0.1 of the rest -> AUC 1. Class c has
    no object.

    >>> result = one_vs_rest_auc(["a", "a", "b", "b"],
    ...     [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]],
    ...     ["a", "b", "c"])
    >>> result["per_class"], result["macro"]
    ({'a': 1.0, 'b': 1.0}, 1.0)
    >>> result["missing"]["c"]
    "no object of class 'c' in y_true: AUC undefined"
    """
    t, p, index = _proba_inputs(y_true, proba, classes)
    per_class: dict[Any, float] = {}
    missing: dict[Any, str] = {}
    for c, name in enumerate(index):
        truth = t == c
        n_pos = int(truth.sum())
        if n_pos == 0:
            missing[name] = f"no object of class {name!r} in y_true: AUC undefined"
        elif n_pos == len(t):
            missing[name] = (
                f"every object of y_true is of class {name!r} (no negatives): AUC undefined"
            )
        else:
            per_class[name] = float(roc_auc_score(truth, p[:, c]))
    macro = float(np.mean(list(per_class.values()))) if per_class else None
    return {"per_class": per_class, "macro": macro, "missing": missing}


def metrics_by_days(
    y_true: Any,
    proba_by_days: Mapping[float, Any],
    classes: Sequence[Any],
    positive: Any = None,
    weights: Mapping[Any, float] | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Classification metrics as a function of the number of days since first detection.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels, the same objects in the same order for every number of days.
    proba_by_days : mapping float -> array-like of shape (n, n_classes)
        Class probabilities of the light curves truncated at that many days after the first
        detection, columns in the order of ``classes``.
    classes : sequence
        Class names in the order of the probability columns.
    positive : label, optional
        A class of interest (e.g. ``"SNIa"``); adds its purity, completeness, one-vs-rest
        AUC and SPCC figure of merit (``false_weight`` 3). It must be present in ``y_true``
        together with other classes.
    weights : mapping or sequence of float, optional
        Class weights of :func:`plasticc_log_loss` (default all 1).

    Returns
    -------
    pandas.DataFrame
        One row per number of days, ascending: ``days``, ``n``, ``plasticc_log_loss``,
        ``accuracy``, ``macro_f1`` and, with ``positive``, ``purity``, ``completeness``,
        ``auc`` and ``fom``. Predicted labels are the classes of largest probability (the
        first in ``classes`` on ties). ``purity`` is NaN when no object is predicted
        ``positive`` (as in :func:`astrolearn.metrics.purity_completeness`).

    Examples
    --------
    Day 3: log losses -ln 0.6 = 0.5108 (a) and -ln 0.4 = 0.9163 (b), L = 0.7136; predicted
    a, a -> accuracy 0.5. Day 10: predicted a, b -> accuracy 1.

    >>> table = metrics_by_days(["a", "b"], {10: [[0.9, 0.1], [0.2, 0.8]],
    ...                                      3: [[0.6, 0.4], [0.6, 0.4]]}, ["a", "b"])
    >>> table[["days", "accuracy"]].to_numpy().tolist()
    [[3.0, 0.5], [10.0, 1.0]]
    >>> round(float(table["plasticc_log_loss"].iloc[0]), 4)
    0.7136
    """
    if not isinstance(proba_by_days, Mapping) or len(proba_by_days) == 0:
        raise AstrolearnInputError(
            "proba_by_days must be a non-empty mapping days -> probabilities",
            fix="pass e.g. {5: model.predict_proba(lc_5d), 10: model.predict_proba(lc_10d)}",
        )
    days_list = []
    for days in proba_by_days:
        try:
            value = float(days)
        except (TypeError, ValueError) as exc:
            raise AstrolearnInputError(
                f"proba_by_days has a key {days!r} that is not a number of days",
                fix="key the probabilities by days since first detection (numbers)",
            ) from exc
        if not np.isfinite(value):
            raise AstrolearnInputError(
                f"proba_by_days has a non-finite key {days!r}", fix="use finite numbers of days"
            )
        days_list.append((value, days))
    rows = []
    for value, key in sorted(days_list, key=lambda pair: pair[0]):
        row = _one_evaluation(y_true, proba_by_days[key], classes, positive, weights)
        rows.append({"days": value, **row})
    columns = ["days", "n", "plasticc_log_loss", "accuracy", "macro_f1"]
    if positive is not None:
        columns += ["purity", "completeness", "auc", "fom"]
    return pd.DataFrame(rows, columns=columns)


def _one_evaluation(
    y_true: Any, proba: Any, classes: Sequence[Any], positive: Any, weights: Any
) -> dict[str, Any]:
    """Scalar metrics of one evaluation (one row of :func:`metrics_by_days`)."""
    t, p, index = _proba_inputs(y_true, proba, classes)
    truth = np.asarray(index, dtype=object)[t]
    predicted = _predicted_labels(p, index)
    row: dict[str, Any] = {
        "n": len(t),
        "plasticc_log_loss": plasticc_log_loss(truth, p, index, weights),
        "accuracy": accuracy(truth, predicted),
        "macro_f1": macro_f1(truth, predicted, index),
    }
    if positive is not None:
        code = _check_positive(positive, index, t)
        table = purity_completeness(truth, predicted, index)
        is_pos = t == code
        row["purity"] = float(table["purity"].iloc[code])
        row["completeness"] = float(table["completeness"].iloc[code])
        row["auc"] = float(roc_auc_score(is_pos, p[:, code]))
        row["fom"] = _spcc_parts(is_pos, predicted == index[code], 3.0)["fom"]
    return row


def transient_metrics(
    y_true: Any,
    proba: Any,
    classes: Sequence[Any],
    positive: Any = None,
    weights: Mapping[Any, float] | Sequence[float] | None = None,
) -> dict[str, Any]:
    """All transient-classification metrics of one evaluation, as a dictionary for reports.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names in the order of the ``proba`` columns.
    positive : label, optional
        A class of interest; adds its purity, completeness, AUC and SPCC figure of merit
        (efficiency, pseudo-purity with ``false_weight`` 3) computed on the predicted labels.
    weights : mapping or sequence of float, optional
        Class weights of :func:`plasticc_log_loss` (default all 1).

    Returns
    -------
    dict
        ``n``, ``plasticc_log_loss``, ``log_loss`` (unweighted, per object:
        :func:`astrolearn.metrics.multiclass_log_loss`), ``accuracy``, ``macro_f1``,
        ``auc`` (the result of :func:`one_vs_rest_auc`), ``per_class`` (the
        :func:`astrolearn.metrics.purity_completeness` table) and, with ``positive``, a
        ``positive`` entry: class, purity, completeness, auc, fom, efficiency,
        pseudo_purity, n_true_positive, n_false_positive, n_positive.

    Examples
    --------
    >>> report = transient_metrics(["Ia", "II", "Ia"],
    ...     [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]], ["Ia", "II"], positive="Ia")
    >>> report["accuracy"], report["positive"]["fom"]
    (0.6666666666666666, 0.5)
    """
    row = _one_evaluation(y_true, proba, classes, positive, weights)
    t, p, index = _proba_inputs(y_true, proba, classes)
    truth = np.asarray(index, dtype=object)[t]
    predicted = _predicted_labels(p, index)
    result: dict[str, Any] = {
        "n": row["n"],
        "plasticc_log_loss": row["plasticc_log_loss"],
        "log_loss": multiclass_log_loss(truth, p, index),
        "accuracy": row["accuracy"],
        "macro_f1": row["macro_f1"],
        "auc": one_vs_rest_auc(truth, p, index),
        "per_class": purity_completeness(truth, predicted, index),
    }
    if positive is not None:
        code = int(index.get_loc(positive))
        parts = _spcc_parts(t == code, predicted == index[code], 3.0)
        result["positive"] = {
            "class": positive,
            "purity": row["purity"],
            "completeness": row["completeness"],
            "auc": row["auc"],
            **parts,
        }
    return result
