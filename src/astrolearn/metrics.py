"""Field-standard metrics, one function each.

The module is organised by section so that every task adds its metrics in one place:

* **Input checks** -- shared validation; bad input raises
  :class:`~astrolearn.errors.AstrolearnInputError` naming the problem and the fix, never a
  silent ``NaN``.
* **Classification: labels** -- accuracy, macro F1, purity and completeness per class (and
  binned in a quantity such as the r magnitude), confusion matrix.
* **Classification: probabilities** -- multi-class log loss, Brier score, reliability
  curves and the expected calibration error.

Labels may be strings or integers. ``classes`` fixes the order of classes in every output;
by default it is the sorted union of the labels seen. Astronomers say *purity* for what
machine learning calls precision and *completeness* for recall.

Why these are written here rather than imported from scikit-learn (design principle 5): the
counting itself is a few lines of numpy on integer class codes, and scikit-learn is the
reference every metric is tested against where it has the same metric. What scikit-learn
does not give is the astronomer's vocabulary and tables (purity and completeness per class
as a DataFrame, and as a function of magnitude), strict input checks with a fix, explicit
conventions for empty classes instead of warnings, one-vs-rest reliability tables for all
classes at once and the top-label expected calibration error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "accuracy",
    "binary_scores",
    "binned_purity_completeness",
    "brier_score",
    "confusion_matrix",
    "expected_calibration_error",
    "macro_f1",
    "multiclass_log_loss",
    "purity_completeness",
    "reliability_curve",
    "wilson_interval",
]

#: Tolerance on the sum of each row of a probability matrix.
PROBA_SUM_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def _as_labels(y: Any, name: str) -> np.ndarray:
    """Return ``y`` as a 1-D numpy array of labels without missing values."""
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise AstrolearnInputError(
                f"{name} is a table with {y.shape[1]} columns, expected one column of labels",
                fix=f"pass a single column, e.g. {name}=frame['class']",
            )
        y = y.iloc[:, 0]
    array = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y)
    if array.ndim != 1:
        raise AstrolearnInputError(
            f"{name} has shape {array.shape}, expected a 1-D array of class labels",
            fix="pass one label per object (use argmax of probabilities for predictions)",
        )
    if len(array) == 0:
        raise AstrolearnInputError(
            f"{name} is empty", fix="give at least one object to evaluate"
        )
    missing = pd.isna(array)
    if missing.any():
        raise AstrolearnInputError(
            f"{name} has {int(missing.sum())} missing labels (NaN/None)",
            fix="drop the objects without a label before computing metrics",
        )
    return array


def _check_same_length(**arrays: Any) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise AstrolearnInputError(
            f"inputs have different lengths ({detail})",
            fix="pass one entry per object in every argument, in the same order",
        )


def _resolve_classes(classes: Sequence[Any] | None, *labels: np.ndarray) -> pd.Index:
    """Return the class order: ``classes`` as given, or the sorted union of ``labels``."""
    if classes is None:
        union = pd.unique(np.concatenate([np.asarray(lab, dtype=object) for lab in labels]))
        try:
            ordered = sorted(union)
        except TypeError as exc:
            raise AstrolearnInputError(
                "labels mix types that cannot be sorted (e.g. strings and numbers)",
                fix="use one type for all labels, or pass classes=[...] to fix the order",
            ) from exc
        return pd.Index(ordered, dtype=object)
    if isinstance(classes, str):
        raise AstrolearnInputError(
            f"classes is the single string {classes!r}",
            fix="pass a list of class names, e.g. classes=['GALAXY', 'QSO', 'STAR']",
        )
    index = pd.Index(list(classes), dtype=object)
    if len(index) == 0:
        raise AstrolearnInputError("classes is empty", fix="list at least one class")
    if index.has_duplicates:
        dup = sorted(map(str, index[index.duplicated()].unique()))
        raise AstrolearnInputError(
            f"classes lists {', '.join(dup)} more than once",
            fix="give each class once",
        )
    if pd.isna(index).any():
        raise AstrolearnInputError("classes contains a missing value", fix="name every class")
    return index


def _encode(y: np.ndarray, classes: pd.Index, name: str) -> np.ndarray:
    """Return the integer position of each label of ``y`` in ``classes``."""
    codes = classes.get_indexer(pd.Index(y, dtype=object))
    unknown = codes < 0
    if unknown.any():
        bad = pd.unique(np.asarray(y, dtype=object)[unknown])
        shown = ", ".join(repr(b) for b in bad[:5]) + (" ..." if len(bad) > 5 else "")
        raise AstrolearnInputError(
            f"{name} has {int(unknown.sum())} labels not in classes "
            f"{list(classes)}: {shown}",
            fix="add the missing classes to classes=[...], or drop those objects",
        )
    return codes.astype(np.intp)


def _label_codes(
    y_true: Any, y_pred: Any, classes: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    t = _as_labels(y_true, "y_true")
    p = _as_labels(y_pred, "y_pred")
    _check_same_length(y_true=t, y_pred=p)
    index = _resolve_classes(classes, t, p)
    return _encode(t, index, "y_true"), _encode(p, index, "y_pred"), index


def _check_proba(proba: Any, classes: pd.Index, n: int) -> np.ndarray:
    """Return ``proba`` as a float array of shape ``(n, n_classes)``, validated."""
    if isinstance(proba, pd.DataFrame):
        columns = pd.Index(proba.columns, dtype=object)
        if set(columns) != set(classes) or len(columns) != len(classes):
            raise AstrolearnInputError(
                f"proba columns {list(columns)} do not match classes {list(classes)}",
                fix="name the probability columns after the classes",
            )
        proba = proba[list(classes)].to_numpy()
    try:
        array = np.asarray(proba, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "proba is not numeric", fix="pass an array of class probabilities"
        ) from exc
    if array.shape != (n, len(classes)):
        raise AstrolearnInputError(
            f"proba has shape {array.shape}, expected ({n}, {len(classes)}) "
            "(one row per object, one column per class)",
            fix="pass predict_proba output with columns in the order of classes",
        )
    if not np.isfinite(array).all():
        raise AstrolearnInputError(
            f"proba has {int((~np.isfinite(array)).sum())} non-finite values (NaN/inf)",
            fix="drop or repair the objects whose probabilities are not finite",
        )
    if (array < -PROBA_SUM_TOLERANCE).any() or (array > 1 + PROBA_SUM_TOLERANCE).any():
        raise AstrolearnInputError(
            "proba has values outside [0, 1]",
            fix="pass probabilities (e.g. apply softmax to network outputs)",
        )
    sums = array.sum(axis=1)
    bad = np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AstrolearnInputError(
            f"{int(bad.sum())} rows of proba do not sum to 1 "
            f"(row {first} sums to {sums[first]:.6g})",
            fix="pass probabilities of all classes, normalised per object",
        )
    return np.clip(array, 0.0, 1.0)


def _proba_inputs(
    y_true: Any, proba: Any, classes: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    if classes is None:
        raise AstrolearnInputError(
            "classes is required with probabilities",
            fix="pass classes in the order of the proba columns (e.g. model.classes_)",
        )
    t = _as_labels(y_true, "y_true")
    index = _resolve_classes(classes)
    codes = _encode(t, index, "y_true")
    return codes, _check_proba(proba, index, len(t)), index


def _check_n_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise AstrolearnInputError(
            f"n_bins must be a positive integer, got {n_bins!r}", fix="pass e.g. n_bins=10"
        )
    return int(n_bins)


def _unit_bins(p: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Equal-width bins on [0, 1]: return edges and the bin of each value.

    Bins are ``[low, high)`` except the last, which is ``[low, 1]``.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)
    return edges, which


def _counts(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Confusion counts, rows = true class code, columns = predicted class code."""
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


# ---------------------------------------------------------------------------------------
# Classification: labels
# ---------------------------------------------------------------------------------------


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of objects whose predicted class equals the true class.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels (strings or integers).

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy(["STAR", "QSO", "GALAXY"], ["STAR", "GALAXY", "GALAXY"])
    0.6666666666666666
    """
    t, p, _ = _label_codes(y_true, y_pred, None)
    return float(np.mean(t == p))


def purity_completeness(
    y_true: Any, y_pred: Any, classes: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Purity (precision), completeness (recall) and F1 of every class.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels.
    classes : sequence, optional
        Class order of the rows; default the sorted union of the labels. Every label must
        be in ``classes``.

    Returns
    -------
    pandas.DataFrame
        Indexed by class (index name ``"class"``), with columns ``purity`` (correct /
        predicted as the class; NaN when ``n_pred == 0``), ``completeness`` (correct /
        truly of the class; NaN when ``n_true == 0``), ``f1`` (``2 TP / (2 TP + FP + FN)``;
        0 when the class has truth but no correct prediction, NaN when the class appears
        neither in the truth nor in the predictions), ``n_true`` and ``n_pred``.

    Examples
    --------
    >>> table = purity_completeness(["a", "a", "b"], ["a", "b", "b"])
    >>> table["purity"].tolist(), table["completeness"].tolist()
    ([1.0, 0.5], [0.5, 1.0])
    """
    t, p, index = _label_codes(y_true, y_pred, classes)
    counts = _counts(t, p, len(index))
    tp = np.diag(counts).astype(float)
    n_true = counts.sum(axis=1)
    n_pred = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = np.where(n_pred > 0, tp / n_pred, np.nan)
        completeness = np.where(n_true > 0, tp / n_true, np.nan)
        denominator = n_true + n_pred  # = 2 TP + FP + FN
        f1 = np.where(denominator > 0, 2 * tp / denominator, np.nan)
    return pd.DataFrame(
        {
            "purity": purity,
            "completeness": completeness,
            "f1": f1,
            "n_true": n_true.astype(np.int64),
            "n_pred": n_pred.astype(np.int64),
        },
        index=pd.Index(index, name="class"),
    )


def macro_f1(y_true: Any, y_pred: Any, classes: Sequence[Any] | None = None) -> float:
    """Unweighted mean of the per-class F1 scores.

    A class with truth but no correct prediction has F1 = 0. A class listed in ``classes``
    that appears neither in ``y_true`` nor in ``y_pred`` has no defined F1 and is
    **excluded** from the mean (as scikit-learn's ``f1_score(average="macro",
    zero_division=np.nan)``).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels.
    classes : sequence, optional
        Classes to average over; default the sorted union of the labels.

    Returns
    -------
    float

    Examples
    --------
    >>> macro_f1(["a", "a", "b"], ["a", "b", "b"])  # F1(a) = F1(b) = 2/3
    0.6666666666666666
    """
    f1 = purity_completeness(y_true, y_pred, classes)["f1"].to_numpy()
    return float(np.mean(f1[np.isfinite(f1)]))


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    classes: Sequence[Any] | None = None,
    normalize: str | None = None,
) -> pd.DataFrame:
    """Confusion matrix as a labelled table: rows are true classes, columns predicted ones.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels.
    classes : sequence, optional
        Order of rows and columns; default the sorted union of the labels.
    normalize : {None, "true", "pred"}
        ``None``: integer counts. ``"true"``: each row divided by its sum (the diagonal is
        the completeness). ``"pred"``: each column divided by its sum (the diagonal is the
        purity). A row (column) with no objects is NaN rather than 0, since the fraction is
        undefined.

    Returns
    -------
    pandas.DataFrame
        Index named ``"true"``, columns named ``"predicted"``.

    Examples
    --------
    >>> confusion_matrix(["a", "a", "b"], ["a", "b", "b"]).to_numpy().tolist()
    [[1, 1], [0, 1]]
    """
    if normalize not in (None, "true", "pred"):
        raise AstrolearnInputError(
            f"normalize must be None, 'true' or 'pred', got {normalize!r}",
            fix="use normalize='true' for row fractions or 'pred' for column fractions",
        )
    t, p, index = _label_codes(y_true, y_pred, classes)
    values: np.ndarray = _counts(t, p, len(index)).astype(np.int64)
    if normalize is not None:
        axis = 1 if normalize == "true" else 0
        totals = values.sum(axis=axis, keepdims=True).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(totals > 0, values / totals, np.nan)
    return pd.DataFrame(
        values,
        index=pd.Index(index, name="true"),
        columns=pd.Index(index, name="predicted"),
    )


def binned_purity_completeness(
    y_true: Any,
    y_pred: Any,
    values: Any,
    bins: int | Sequence[float],
    classes: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Purity and completeness of every class in bins of a quantity (e.g. r magnitude).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True and predicted labels.
    values : array-like of shape (n,)
        The quantity to bin in, one value per object.
    bins : int or sequence of float
        Bin edges (strictly increasing, infinite outer edges allowed), or a number of
        equal-width bins spanning the finite values. Bins are ``[low, high)`` except the
        last, which includes its upper edge.
    classes : sequence, optional
        Class order; default the sorted union of all labels (also those of excluded rows),
        so that every bin lists the same classes.

    Returns
    -------
    pandas.DataFrame
        One row per (bin, class), bins in order: ``bin_low``, ``bin_high``, ``class``,
        ``n_true``, ``n_pred``, ``purity`` (NaN when ``n_pred == 0``) and
        ``completeness`` (NaN when ``n_true == 0``). Objects that fall in no bin are
        counted, never dropped silently: ``result.attrs["n_missing_values"]`` is the number
        with NaN ``values`` and ``result.attrs["n_out_of_range"]`` the number outside the
        edges (including infinite values beyond finite edges).

    Examples
    --------
    >>> table = binned_purity_completeness(
    ...     ["a", "a", "b", "b"], ["a", "b", "b", "b"], [17.0, 19.0, 17.5, float("nan")],
    ...     bins=[16, 18, 20])
    >>> table[["bin_low", "class", "purity", "completeness"]].to_numpy().tolist()[:2]
    [[16.0, 'a', 1.0, 1.0], [16.0, 'b', 1.0, 1.0]]
    >>> table.attrs["n_missing_values"]
    1
    """
    t, p, index = _label_codes(y_true, y_pred, classes)
    x = _bin_quantity(values, "values")
    _check_same_length(y_true=t, values=x)
    missing = np.isnan(x)
    edges = _bin_edges(bins, x[~missing])
    n_bins = len(edges) - 1
    which = np.searchsorted(edges, x, side="right") - 1
    which[(x == edges[-1]) & ~missing] = n_bins - 1  # last bin includes its upper edge
    inside = ~missing & (which >= 0) & (which < n_bins)
    k = len(index)
    rows = []
    for b in range(n_bins):
        in_bin = inside & (which == b)
        counts = _counts(t[in_bin], p[in_bin], k)
        tp = np.diag(counts).astype(float)
        n_true = counts.sum(axis=1)
        n_pred = counts.sum(axis=0)
        for c in range(k):
            rows.append(
                {
                    "bin_low": float(edges[b]),
                    "bin_high": float(edges[b + 1]),
                    "class": index[c],
                    "n_true": int(n_true[c]),
                    "n_pred": int(n_pred[c]),
                    "purity": tp[c] / n_pred[c] if n_pred[c] else np.nan,
                    "completeness": tp[c] / n_true[c] if n_true[c] else np.nan,
                }
            )
    result = pd.DataFrame(
        rows,
        columns=["bin_low", "bin_high", "class", "n_true", "n_pred", "purity", "completeness"],
    )
    result.attrs["n_missing_values"] = int(missing.sum())
    result.attrs["n_out_of_range"] = int((~missing & ~inside).sum())
    return result


def _bin_quantity(values: Any, name: str) -> np.ndarray:
    """The quantity to bin in (e.g. a magnitude) as a 1-D float array; NaN allowed."""
    try:
        x = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values,
                       dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            f"{name} is not numeric", fix="pass the numeric quantity to bin in (e.g. r mag)"
        ) from exc
    if x.ndim != 1:
        raise AstrolearnInputError(
            f"{name} has shape {x.shape}, expected one value per object",
            fix="pass a 1-D array or a column",
        )
    return x


def _bin_edges(bins: Any, values: np.ndarray, *, log: bool = False,
               name: str = "bins") -> np.ndarray:
    """Edges from a number of bins spanning the finite ``values`` (log-spaced when ``log``)
    or from given edges, checked."""
    if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
        if bins < 1:
            raise AstrolearnInputError(
                f"{name} must be at least 1, got {bins}", column=name,
                fix=f"pass e.g. {name}=10 or edges"
            )
        finite = values[np.isfinite(values)]
        if len(finite) == 0:
            raise AstrolearnInputError(
                "values has no finite entry to set bins from",
                fix="pass explicit bin edges, or check the values column",
            )
        low, high = float(finite.min()), float(finite.max())
        if log:
            if low <= 0:
                raise AstrolearnInputError(f"log-spaced {name} need positive values",
                                           column=name, fix="give the bin edges explicitly")
            if low == high:
                low, high = low / 1.01, high * 1.01
            return np.geomspace(low, high, int(bins) + 1)
        if low == high:
            low, high = low - 0.5, high + 0.5
        return np.linspace(low, high, int(bins) + 1)
    try:
        edges = np.asarray(bins, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            f"{name} is neither an integer nor a list of numeric edges", column=name,
            fix=f"pass e.g. {name}=[16, 18, 20, 22]",
        ) from exc
    if edges.ndim != 1 or len(edges) < 2:
        raise AstrolearnInputError(
            f"{name} must hold at least two edges", column=name,
            fix=f"pass e.g. {name}=[16, 18, 20, 22]"
        )
    if np.isnan(edges).any() or not (np.diff(edges) > 0).all():
        raise AstrolearnInputError(
            f"{name}: bin edges must be strictly increasing numbers without NaN", column=name,
            fix="sort the edges and remove duplicates",
        )
    return edges


def _bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each (finite) value: ``[lo, hi)``, the last bin closed; -1 outside."""
    idx = np.searchsorted(edges, values, side="right") - 1
    idx[values == edges[-1]] = edges.size - 2
    idx[(values < edges[0]) | (values > edges[-1])] = -1
    return idx


# ---------------------------------------------------------------------------------------
# Binomial fractions
# ---------------------------------------------------------------------------------------


def wilson_interval(
    k: int | np.ndarray, n: int | np.ndarray, z: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of a binomial fraction ``k / n``.

    ``(p + z^2 / 2n -+ z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)`` with ``p = k / n``;
    ``z = 1`` (default) gives the 68.3 % (1-sigma) interval, ``z = 1.96`` the 95 % one. NaN
    where ``n == 0``.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials (``0 <= k <= n``).
    z : float, default 1.0
        Half-width in standard normal deviates.

    Returns
    -------
    lower, upper : ndarray of float

    Examples
    --------
    >>> lo, hi = wilson_interval(8, 10, z=1.96)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    """
    ok = isinstance(z, int | float | np.integer | np.floating) and not isinstance(z, bool)
    if not (ok and np.isfinite(z) and z > 0):
        raise AstrolearnInputError(f"z must be a positive number, got {z!r}", column="z")
    zz = float(z)
    kk = np.asarray(k, dtype=float)
    nn = np.asarray(n, dtype=float)
    if kk.shape != nn.shape and kk.size != 1 and nn.size != 1:
        raise AstrolearnInputError(f"k and n differ in shape ({kk.shape} vs {nn.shape})")
    if not (np.all(np.isfinite(kk)) and np.all(np.isfinite(nn)) and np.all(kk >= 0)
            and np.all(kk <= nn) and np.all(kk == np.round(kk)) and np.all(nn == np.round(nn))):
        raise AstrolearnInputError("k and n must be whole numbers with 0 <= k <= n",
                                   fix="pass counts of successes and of trials")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = kk / nn
        denom = 1.0 + zz**2 / nn
        centre = (p + zz**2 / (2.0 * nn)) / denom
        half = zz / denom * np.sqrt(p * (1.0 - p) / nn + zz**2 / (4.0 * nn**2))
        # exact ends at k = 0 and k = n (the formula gives them up to rounding)
        lower = np.where(nn > 0, np.where(kk == 0, 0.0, np.clip(centre - half, 0.0, 1.0)),
                         np.nan)
        upper = np.where(nn > 0, np.where(kk == nn, 1.0, np.clip(centre + half, 0.0, 1.0)),
                         np.nan)
    return lower, upper



# ---------------------------------------------------------------------------------------
# Classification: probabilities
# ---------------------------------------------------------------------------------------


def multiclass_log_loss(
    y_true: Any, proba: Any, classes: Sequence[Any], eps: float = 1e-15
) -> float:
    """Mean negative log probability given to the true class (cross-entropy, natural log).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes`` (a DataFrame whose columns
        are the class names is reordered). Rows must sum to 1.
    classes : sequence
        Class names in the order of the ``proba`` columns.
    eps : float
        Probabilities are clipped to ``[eps, 1]`` before the log, so that a confident wrong
        prediction costs ``-log(eps)`` (34.5 for the default) instead of infinity.

    Returns
    -------
    float

    Examples
    --------
    >>> round(multiclass_log_loss(["a", "b"], [[0.5, 0.5], [0.2, 0.8]], ["a", "b"]), 4)
    0.4581
    """
    if not (0.0 < eps < 1.0):
        raise AstrolearnInputError(f"eps must be in (0, 1), got {eps}", fix="use eps=1e-15")
    t, proba_arr, _ = _proba_inputs(y_true, proba, classes)
    p_true = proba_arr[np.arange(len(t)), t]
    return float(-np.mean(np.log(np.clip(p_true, eps, 1.0))))


def brier_score(y_true: Any, proba: Any, classes: Sequence[Any]) -> float:
    """Multi-class Brier score: mean over objects of ``sum_k (p_k - onehot_k)^2``.

    Ranges from 0 (perfect) to 2 (all probability on a wrong class); this is Brier's
    original definition and scikit-learn's multi-class ``brier_score_loss``.

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
    float

    Examples
    --------
    >>> round(brier_score(["a", "b"], [[0.5, 0.5], [0.2, 0.8]], ["a", "b"]), 4)
    0.29
    """
    t, proba_arr, index = _proba_inputs(y_true, proba, classes)
    onehot = np.eye(len(index))[t]
    return float(np.mean(np.sum((proba_arr - onehot) ** 2, axis=1)))


def reliability_curve(
    y_true: Any, proba: Any, classes: Sequence[Any], n_bins: int = 10
) -> pd.DataFrame:
    """One-vs-rest reliability (calibration) curve of every class.

    For class *c*, objects are binned by ``P(c)`` in ``n_bins`` equal-width bins on
    ``[0, 1]`` (``[low, high)``, the last bin includes 1); in each bin the mean predicted
    probability is compared with the observed fraction of objects truly of class *c*.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names in the order of the ``proba`` columns.
    n_bins : int
        Number of bins.

    Returns
    -------
    pandas.DataFrame
        One row per (class, non-empty bin): ``class``, ``bin_low``, ``bin_high``,
        ``mean_predicted``, ``observed_fraction``, ``count``. Empty bins are omitted.

    Examples
    --------
    >>> curve = reliability_curve(["a", "b"], [[0.9, 0.1], [0.3, 0.7]], ["a", "b"], n_bins=2)
    >>> curve[["class", "bin_low", "observed_fraction", "count"]].to_numpy().tolist()
    [['a', 0.0, 0.0, 1], ['a', 0.5, 1.0, 1], ['b', 0.0, 0.0, 1], ['b', 0.5, 1.0, 1]]
    """
    n_bins = _check_n_bins(n_bins)
    t, proba_arr, index = _proba_inputs(y_true, proba, classes)
    rows = []
    for c, name in enumerate(index):
        p = proba_arr[:, c]
        observed = (t == c).astype(float)
        edges, which = _unit_bins(p, n_bins)
        count = np.bincount(which, minlength=n_bins)
        sum_p = np.bincount(which, weights=p, minlength=n_bins)
        sum_o = np.bincount(which, weights=observed, minlength=n_bins)
        for b in np.flatnonzero(count):
            rows.append(
                {
                    "class": name,
                    "bin_low": float(edges[b]),
                    "bin_high": float(edges[b + 1]),
                    "mean_predicted": float(sum_p[b] / count[b]),
                    "observed_fraction": float(sum_o[b] / count[b]),
                    "count": int(count[b]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=["class", "bin_low", "bin_high", "mean_predicted", "observed_fraction", "count"],
    )


def expected_calibration_error(
    y_true: Any, proba: Any, classes: Sequence[Any], n_bins: int = 10
) -> float:
    """Top-label expected calibration error (ECE; Guo et al. 2017).

    The confidence of an object is its largest class probability and it is correct when
    that class (the first one in ``classes`` order on ties) is the true class. Objects are
    binned by confidence in ``n_bins`` equal-width bins on ``[0, 1]`` and the ECE is
    ``sum_b (n_b / n) |accuracy_b - mean_confidence_b|``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names in the order of the ``proba`` columns.
    n_bins : int
        Number of bins.

    Returns
    -------
    float
        Between 0 (calibrated) and 1.

    Examples
    --------
    >>> round(expected_calibration_error(["a", "b"], [[0.9, 0.1], [0.6, 0.4]], ["a", "b"]), 4)
    0.35
    """
    n_bins = _check_n_bins(n_bins)
    t, proba_arr, _ = _proba_inputs(y_true, proba, classes)
    confidence = proba_arr.max(axis=1)
    correct = (proba_arr.argmax(axis=1) == t).astype(float)
    _, which = _unit_bins(confidence, n_bins)
    sum_conf = np.bincount(which, weights=confidence, minlength=n_bins)
    sum_correct = np.bincount(which, weights=correct, minlength=n_bins)
    # sum_b (n_b / n) |acc_b - conf_b| = sum_b |sum_correct_b - sum_conf_b| / n
    return float(np.sum(np.abs(sum_correct - sum_conf)) / len(t))


def binary_scores(y_true: Any, score: Any, threshold: float = 0.5) -> dict[str, float]:
    """Ranking and threshold metrics of a binary detection task (e.g. transit vetting).

    ``roc_auc`` and ``average_precision`` (the area under the precision-recall curve as a
    step sum, :func:`sklearn.metrics.average_precision_score`) judge the ranking by
    ``score``; ``accuracy``, ``precision`` (purity) and ``recall`` (completeness) judge the
    decision ``score > threshold``. Precision with no positive decision is 0 by convention.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels as bool or 0/1 (1: the positive class).
    score : array-like of shape (n,)
        Score or probability of the positive class.
    threshold : float, default 0.5
        Decision threshold for the threshold metrics.

    Returns
    -------
    dict
        ``roc_auc``, ``average_precision``, ``accuracy``, ``precision``, ``recall``.

    Examples
    --------
    Positives score 0.9 and 0.4, negatives 0.6 and 0.1: three of the four positive-negative
    pairs are ordered (AUC 0.75); the ranking is P, N, P, N, so AP = (1/1 + 2/3) / 2; at 0.5
    the decisions are P, N, P, N against truth P, P, N, N.

    >>> s = binary_scores([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1])
    >>> s["roc_auc"], round(s["average_precision"], 4), s["accuracy"], s["precision"]
    (0.75, 0.8333, 0.5, 0.5)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    truth = np.asarray(y_true)
    if truth.dtype != bool:
        if not np.isin(truth, [0, 1]).all():
            raise AstrolearnInputError("binary labels must be bool or 0/1", column="y_true",
                                       fix="compare the labels to the positive class first")
        truth = truth.astype(bool)
    s = np.asarray(score, dtype=float)
    _check_same_length(y_true=truth, score=s)
    if not np.isfinite(s).all():
        raise AstrolearnInputError("scores hold NaN or inf", column="score")
    n_pos = int(truth.sum())
    if n_pos in (0, len(truth)):
        raise AstrolearnInputError(f"{n_pos} positives among {len(truth)} rows: ranking "
                                   "metrics need both classes", fix="evaluate on a set with "
                                   "positives and negatives")
    decided = s > threshold
    hits = int((decided & truth).sum())
    return {"roc_auc": float(roc_auc_score(truth, s)),
            "average_precision": float(average_precision_score(truth, s)),
            "accuracy": float((decided == truth).mean()),
            "precision": hits / int(decided.sum()) if decided.any() else 0.0,
            "recall": hits / n_pos}
