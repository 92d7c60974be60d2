"""Ranking metrics of an anomaly search: how soon does a ranking bring the rare objects up?

An anomaly detector gives every object a score (higher = more unusual) and an astronomer
inspects the objects in order of decreasing score, so what matters is the *ranking*:

* :func:`ranking_order` -- the inspection order (most unusual first; ties broken by the
  original position, so that the order, and every metric below, is deterministic).
* :func:`precision_at` -- the fraction of true anomalies among the first ``k`` inspected
  (the "precision in the top 1%" or "in the top 100" of Storey-Fisher et al. 2021 and of
  the Astronomaly papers, Lochner & Bassett 2021).
* :func:`discovery_curve` -- anomalies found against objects inspected (the curve of
  active-learning papers such as Ishida et al. 2021 and Lochner & Bassett 2021).
* :func:`anomaly_metrics` -- all of the above plus ROC-AUC and average precision, with what
  a random ranking would give for reference; :func:`anomaly_metrics_table` for several
  methods side by side.

ROC-AUC and average precision come from scikit-learn (:func:`sklearn.metrics.roc_auc_score`,
:func:`sklearn.metrics.average_precision_score`), the same functions behind
:func:`astrolearn.metrics.binary_scores`; they treat tied scores as one block (AUC counts a
tied positive-negative pair as half ordered), whereas the top-``k`` metrics and the discovery
curve follow the deterministic inspection order of :func:`ranking_order`. Labels must be
bool or 0/1 (1 = a true anomaly / an interesting object): anything else raises
:class:`~astrolearn.errors.AstrolearnInputError` instead of being silently cast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "anomaly_metrics",
    "anomaly_metrics_table",
    "discovery_curve",
    "precision_at",
    "ranking_order",
]


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def _as_scores(scores: Any, name: str = "scores") -> np.ndarray:
    """Scores as a 1-D float64 array without NaN or inf (a copy)."""
    try:
        s = np.array(scores, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as err:
        raise AstrolearnInputError(f"{name} must be numbers ({err})", column=name) from None
    if s.ndim != 1:
        raise AstrolearnInputError(f"{name} must be one-dimensional, got shape {s.shape}",
                                   column=name, fix="pass one score per object")
    bad = ~np.isfinite(s)
    if bad.any():
        kind = "NaN" if np.isnan(s[bad]).any() else "infinite"
        raise AstrolearnInputError(
            f"{name} hold {int(bad.sum())} {kind} value(s) (first at position "
            f"{int(np.flatnonzero(bad)[0])}), which cannot be ranked", column=name,
            fix="score those objects again or drop them before ranking")
    return s


def _as_truth(y_true: Any) -> np.ndarray:
    """Labels as a 1-D bool array; only bool or 0/1 values are accepted."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise AstrolearnInputError(f"y_true must be one-dimensional, got shape {y.shape}",
                                   column="y_true", fix="pass one label per object")
    if y.dtype == bool:
        return y.copy()
    if y.dtype.kind in "iuf":
        ok = np.isin(y, [0, 1])
        if ok.all():
            return y.astype(bool)
        raise AstrolearnInputError(
            f"y_true must be bool or 0/1, but holds {y[~ok][0]!r} (first at position "
            f"{int(np.flatnonzero(~ok)[0])})", column="y_true",
            fix="compare the labels with the positive class first, e.g. kind != 'normal'")
    raise AstrolearnInputError(
        f"y_true must be bool or 0/1, got dtype {y.dtype}", column="y_true",
        fix="compare the labels with the positive class first, e.g. kind != 'normal'")


def _pair(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    truth, s = _as_truth(y_true), _as_scores(scores)
    if len(truth) != len(s):
        raise AstrolearnInputError(
            f"y_true has {len(truth)} labels but scores has {len(s)} values",
            fix="pass one label and one score per object, in the same order")
    if len(truth) == 0:
        raise AstrolearnInputError("no objects to rank", fix="pass at least one object")
    return truth, s


def _check_k(k: Any, n: int, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise AstrolearnInputError(f"{name} must be an integer from 1 to the {n} objects, "
                                   f"got {k!r}", fix=f"use e.g. {name}=min(100, n)")
    return int(k)


def _check_order(order: Any, n: int) -> np.ndarray:
    o = np.asarray(order)
    if o.shape != (n,) or o.dtype.kind not in "iu" or \
            not np.array_equal(np.sort(o), np.arange(n)):
        raise AstrolearnInputError(
            f"order must be a permutation of 0..{n - 1} (one index per object), got shape "
            f"{o.shape} and dtype {o.dtype}", column="order",
            fix="pass ranking_order(scores)")
    return o


# ---------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------


def ranking_order(scores: Any) -> np.ndarray:
    """Indices of the objects from most to least anomalous.

    Sorted by decreasing score; tied scores keep their original order (ascending index),
    so the result never depends on the sorting algorithm.

    Parameters
    ----------
    scores : array-like of shape (n,)
        Anomaly scores, higher = more unusual. NaN or inf raises
        :class:`~astrolearn.errors.AstrolearnInputError`.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        ``order[0]`` is the index of the most anomalous object.

    Examples
    --------
    >>> ranking_order([0.2, 0.9, 0.2, 0.5]).tolist()
    [1, 3, 0, 2]
    """
    s = _as_scores(scores)
    return np.argsort(-s, kind="stable").astype(np.int64)


def precision_at(y_true: Any, scores: Any, k: int) -> float:
    """Fraction of true anomalies among the ``k`` highest-scored objects.

    Parameters
    ----------
    y_true : array-like of bool or 0/1, shape (n,)
        1 (True) for a true anomaly.
    scores : array-like of shape (n,)
        Anomaly scores, higher = more unusual.
    k : int
        Objects inspected, 1 to n. Ties at the cut are resolved as in :func:`ranking_order`.

    Returns
    -------
    float

    Examples
    --------
    The ranking is objects 0, 1, 2, 4, 3: of the first two, one is an anomaly.

    >>> precision_at([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.2], k=2)
    0.5
    """
    truth, s = _pair(y_true, scores)
    k = _check_k(k, len(truth))
    return float(truth[ranking_order(s)[:k]].sum()) / k


def discovery_curve(y_true: Any, scores: Any = None, *, order: Any = None) -> np.ndarray:
    """Anomalies found after inspecting the first 1, 2, ..., n objects of the ranking.

    Parameters
    ----------
    y_true : array-like of bool or 0/1, shape (n,)
        1 (True) for a true anomaly.
    scores : array-like of shape (n,), optional
        Anomaly scores (higher = more unusual), ranked by :func:`ranking_order`.
    order : array-like of int, shape (n,), optional
        A precomputed inspection order instead of ``scores`` (e.g. the order in which an
        active-learning loop showed the objects): a permutation of ``0..n-1``. Give exactly
        one of ``scores`` and ``order``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        ``curve[i]`` is the number of anomalies among the first ``i + 1`` objects; a random
        ranking gives on average ``(i + 1) * n_positive / n``.

    Examples
    --------
    >>> discovery_curve([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.2]).tolist()
    [1, 1, 2, 2, 2]
    >>> discovery_curve([1, 0, 1, 0, 0], order=[2, 0, 1, 3, 4]).tolist()
    [1, 2, 2, 2, 2]
    """
    if (scores is None) == (order is None):
        raise AstrolearnInputError("give exactly one of scores and order",
                                   fix="pass discovery_curve(y_true, scores) or "
                                       "discovery_curve(y_true, order=order)")
    if scores is not None:
        truth, s = _pair(y_true, scores)
        o = ranking_order(s)
    else:
        truth = _as_truth(y_true)
        o = _check_order(order, len(truth))
    return np.cumsum(truth[o], dtype=np.int64)


def anomaly_metrics(y_true: Any, scores: Any, *, top_fraction: float = 0.01,
                    top_n: int = 100) -> dict[str, Any]:
    """ROC-AUC, average precision and precision at the top of the ranking, with baselines.

    Parameters
    ----------
    y_true : array-like of bool or 0/1, shape (n,)
        1 (True) for a true anomaly; at least one of each class is needed (ROC-AUC is
        undefined otherwise, and an :class:`~astrolearn.errors.AstrolearnInputError` says so).
    scores : array-like of shape (n,)
        Anomaly scores, higher = more unusual.
    top_fraction : float, default 0.01
        Fraction of the set inspected for ``precision_top_fraction``: the top
        ``ceil(top_fraction * n)`` objects (at least one).
    top_n : int, default 100
        Objects inspected for ``precision_top_n`` and ``found_top_n``; ``min(top_n, n)``.

    Returns
    -------
    dict
        ``n``, ``n_positive``; ``roc_auc`` (random ranking: 0.5); ``average_precision``
        (random: about ``base_rate``); ``k_top_fraction`` and ``precision_top_fraction``;
        ``k_top_n``, ``precision_top_n`` and ``found_top_n`` (anomalies among them);
        ``base_rate`` (``n_positive / n``: the expected precision of a random ranking at any
        depth) and ``random_found_top_n`` (``base_rate * k_top_n``).

    Examples
    --------
    Positives at 0.9 and 0.7, negatives at 0.8, 0.2, 0.1: five of the six positive-negative
    pairs are ordered (AUC 5/6); the ranking P N P N N gives AP = (1/1 + 2/3) / 2.

    >>> m = anomaly_metrics([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.2], top_n=2)
    >>> round(m["roc_auc"], 4), round(m["average_precision"], 4), m["precision_top_n"]
    (0.8333, 0.8333, 0.5)
    >>> m["k_top_fraction"], m["precision_top_fraction"], m["base_rate"]
    (1, 1.0, 0.4)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    truth, s = _pair(y_true, scores)
    n = len(truth)
    n_pos = int(truth.sum())
    if n_pos in (0, n):
        raise AstrolearnInputError(
            f"{n_pos} anomalies among {n} objects: ROC-AUC and average precision need both "
            "anomalies and normal objects", column="y_true",
            fix="evaluate on a set that holds both (e.g. a simulated set with "
                "anomaly_fraction > 0)")
    if isinstance(top_fraction, bool) or not isinstance(top_fraction, (int, float)) or \
            not 0.0 < float(top_fraction) <= 1.0:
        raise AstrolearnInputError(f"top_fraction must be in (0, 1], got {top_fraction!r}",
                                   fix="use e.g. top_fraction=0.01 for the top 1%")
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise AstrolearnInputError(f"top_n must be a positive integer, got {top_n!r}",
                                   fix="use e.g. top_n=100")
    # ceil of a product that is exact in decimal (0.01 * 300 = 3.0000000000000004 in binary)
    k_frac = min(n, max(1, math.ceil(round(float(top_fraction) * n, 9))))
    k_n = min(int(top_n), n)
    found = discovery_curve(truth, order=ranking_order(s))
    base_rate = n_pos / n
    return {
        "n": n,
        "n_positive": n_pos,
        "base_rate": base_rate,
        "roc_auc": float(roc_auc_score(truth, s)),
        "average_precision": float(average_precision_score(truth, s)),
        "k_top_fraction": k_frac,
        "precision_top_fraction": float(found[k_frac - 1]) / k_frac,
        "k_top_n": k_n,
        "precision_top_n": float(found[k_n - 1]) / k_n,
        "found_top_n": int(found[k_n - 1]),
        "random_found_top_n": base_rate * k_n,
    }


def anomaly_metrics_table(y_true: Any, scores_by_method: Mapping[str, Any], *,
                          top_fraction: float = 0.01, top_n: int = 100) -> pd.DataFrame:
    """:func:`anomaly_metrics` of several rankings of the same objects, one row per method.

    Parameters
    ----------
    y_true : array-like of bool or 0/1, shape (n,)
    scores_by_method : mapping of str to array-like of shape (n,)
        e.g. ``{"forest": forest_scores, "autoencoder": ae_scores}``; rows keep this order.
    top_fraction, top_n
        As in :func:`anomaly_metrics`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``method``, with the keys of :func:`anomaly_metrics` as columns.

    Examples
    --------
    >>> y = [1, 0, 1, 0, 0]
    >>> table = anomaly_metrics_table(y, {"good": [0.9, 0.8, 0.7, 0.1, 0.2],
    ...                                   "reversed": [0.1, 0.2, 0.3, 0.9, 0.8]}, top_n=2)
    >>> table["precision_top_n"].tolist()
    [0.5, 0.0]
    """
    if not isinstance(scores_by_method, Mapping) or len(scores_by_method) == 0:
        raise AstrolearnInputError("scores_by_method must be a non-empty mapping of method "
                                   "name to scores", fix="pass e.g. {'forest': scores}")
    rows = []
    for method, scores in scores_by_method.items():
        try:
            row = anomaly_metrics(y_true, scores, top_fraction=top_fraction, top_n=top_n)
        except AstrolearnInputError as err:
            raise AstrolearnInputError(f"method {method!r}: {err.problem}", file=err.file,
                                       column=err.column, fix=err.fix) from None
        rows.append({"method": str(method), **row})
    return pd.DataFrame(rows).set_index("method")
