"""Clustering of catalog feature space, scored against known classes when there are some.

:func:`cluster_features` standardises the features (median and interquartile range,
scikit-learn's ``RobustScaler(unit_variance=True)``), runs k-means, a Gaussian mixture or
HDBSCAN, and returns a :class:`ClusteringResult`: the labels, cluster sizes and the
silhouette score; and, given known labels (e.g. the spectroscopic class), the adjusted Rand
index, the adjusted mutual information and a per-cluster table of the majority label and
its purity.

Clusters are numbered by size, largest first (``0, 1, ...``); HDBSCAN's noise keeps the
label ``-1``. The silhouette (from -1 to 1: how much closer a row is to its own cluster
than to the next) is computed on the standardised features of at most 5,000 rows drawn
with the seed, leaving noise out. Around 0.7 and above the clusters are well separated;
around 0.25 and below the "clusters" are slices of one continuous distribution -- which is
what photometric catalogs mostly are, so read cluster labels as a map, not as classes.

:func:`cluster_command` is the ``astrolearn cluster`` command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.report import Report, format_table

__all__ = [
    "CLUSTERING_METHODS",
    "SILHOUETTE_ROWS",
    "ClusteringResult",
    "cluster_command",
    "cluster_features",
]

#: Clustering algorithms of :func:`cluster_features`, with their display names.
CLUSTERING_METHODS = {"kmeans": "k-means", "gmm": "Gaussian mixture", "hdbscan": "HDBSCAN"}
#: Largest number of rows the silhouette score is computed on (a seeded random sample).
SILHOUETTE_ROWS = 5000


@dataclass
class ClusteringResult:
    """Cluster labels of every row, with the scores of the clustering.

    Attributes
    ----------
    labels : ndarray of int, shape (n,)
        Cluster of every row, numbered by size (0 the largest); -1 is HDBSCAN noise.
    method : str
        ``"kmeans"``, ``"gmm"`` or ``"hdbscan"``.
    n_clusters : int
        Clusters found (noise not counted).
    sizes : dict of int to int
        Rows per cluster label (including -1 when there is noise).
    silhouette : float
        Mean silhouette on the standardised features (NaN with fewer than 2 clusters).
    silhouette_rows : int
        Rows it was computed on (a seeded sample of at most 5,000, noise left out).
    n_rows : int
        Rows clustered.
    params : dict
        Settings of the algorithm.
    projection : ndarray of shape (n, 2)
        First two principal components of the standardised features (for figures).
    adjusted_rand, adjusted_mutual_info : float or None
        Agreement with the known labels (``None`` without ``truth``): 1 for identical
        partitions, about 0 for a random one. Noise counts as one more cluster.
    per_cluster : DataFrame or None
        Per cluster: ``cluster``, ``n`` (rows with a known label), ``majority`` (the most
        common known label), ``purity`` (its fraction) and ``n_<label>`` for every label.
    truth : ndarray or None
        The known labels (as strings; ``None`` where unknown).
    truth_name : str
        Name of the known labels (the Series name, else ``"truth"``).
    n_truth_rows : int
        Rows with a known label (the scores use only these).
    """

    labels: np.ndarray = field(repr=False)
    method: str
    n_clusters: int
    sizes: dict[int, int]
    silhouette: float
    silhouette_rows: int
    n_rows: int
    params: dict[str, Any]
    projection: np.ndarray = field(repr=False)
    adjusted_rand: float | None = None
    adjusted_mutual_info: float | None = None
    per_cluster: pd.DataFrame | None = field(default=None, repr=False)
    truth: np.ndarray | None = field(default=None, repr=False)
    truth_name: str = "truth"
    n_truth_rows: int = 0

    @property
    def n_noise(self) -> int:
        """Rows labelled noise (-1)."""
        return int(self.sizes.get(-1, 0))

    def _headline(self) -> str:
        sizes = ", ".join(f"{k}: {v:,}" for k, v in self.sizes.items() if k >= 0)
        noise = f"; noise (-1): {self.n_noise:,} rows" if self.n_noise else ""
        return (f"{CLUSTERING_METHODS[self.method]}: {self.n_clusters} clusters in "
                f"{self.n_rows:,} rows (features standardised by median/IQR); sizes {sizes}"
                f"{noise}")

    def text(self) -> str:
        """The scores and the per-cluster table, for the terminal.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.full((20, 2), 10.0)]
        >>> X += np.random.default_rng(0).normal(size=X.shape)
        >>> print(cluster_features(X, n_clusters=2).text().splitlines()[1])
        silhouette 0.884 (on 40 rows)
        """
        lines = [self._headline(),
                 f"silhouette {self.silhouette:.3f} (on {self.silhouette_rows:,} rows"
                 + (", noise left out)" if self.n_noise else ")")]
        if self.per_cluster is not None:
            lines += [f"against {self.truth_name!r} ({self.n_truth_rows:,} rows with a known "
                      f"label): adjusted Rand {self.adjusted_rand:.3f}, adjusted mutual "
                      f"information {self.adjusted_mutual_info:.3f}", "",
                      format_table(self.per_cluster)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable scores (no per-row labels)."""
        def number(value):
            return None if value is None or not np.isfinite(value) else float(value)

        out = {"method": self.method, "n_rows": self.n_rows, "n_clusters": self.n_clusters,
               "sizes": {str(k): int(v) for k, v in self.sizes.items()},
               "n_noise": self.n_noise, "silhouette": number(self.silhouette),
               "silhouette_rows": self.silhouette_rows, "params": dict(self.params),
               "standardisation": "median/IQR"}
        if self.per_cluster is not None:
            out.update({"truth": self.truth_name, "n_truth_rows": self.n_truth_rows,
                        "adjusted_rand": number(self.adjusted_rand),
                        "adjusted_mutual_info": number(self.adjusted_mutual_info),
                        "per_cluster": self.per_cluster.to_dict(orient="records")})
        return out

    def add_to(self, report: Report, title: str = "Clustering") -> Report:
        """Add a section with the scores, the per-cluster table and a figure to ``report``.

        The figure draws the clusters (and the known labels beside them) on the first two
        principal components of the standardised features.

        Examples
        --------
        >>> X = np.random.default_rng(0).normal(size=(30, 2))
        >>> "<h2" in cluster_features(X, n_clusters=2).add_to(Report("R")).to_html()
        True
        """
        from astrolearn.explore.figures import plot_clusters

        report.section(title, self._headline() + ". Clusters are numbered by size; the "
                       "silhouette runs from -1 to 1 (around 0.25 or below: no real "
                       "separation).")
        metrics: dict[str, Any] = {"clusters": self.n_clusters, "rows": self.n_rows,
                                   "silhouette": self.silhouette}
        if self.n_noise:
            metrics["noise rows"] = self.n_noise
        if self.per_cluster is not None:
            metrics.update({f"adjusted Rand vs {self.truth_name}": self.adjusted_rand,
                            f"adjusted mutual information vs {self.truth_name}":
                            self.adjusted_mutual_info})
        report.metrics(metrics)
        if self.per_cluster is not None:
            report.table(self.per_cluster, caption=f"Majority {self.truth_name} and purity "
                         "per cluster")
        report.figure(plot_clusters(self.projection, self.labels, truth=self.truth,
                                    truth_name=self.truth_name,
                                    axis_labels=("principal component 1",
                                                 "principal component 2")),
                      caption="Clusters on the first two principal components of the "
                      "standardised features")
        return report


def _estimator(method: str, n_clusters: int, n_rows: int, random_state, params: dict):
    from sklearn.cluster import HDBSCAN, KMeans
    from sklearn.mixture import GaussianMixture

    if method == "kmeans":
        return KMeans, {"n_clusters": n_clusters, "random_state": random_state, **params}
    if method == "gmm":
        return GaussianMixture, {"n_components": n_clusters, "random_state": random_state,
                                 **params}
    # copy=True: scikit-learn 1.9 warns that its default changes; we keep our data intact.
    return HDBSCAN, {"min_cluster_size": max(5, n_rows // 100), "copy": True, **params}


def _by_size(raw: np.ndarray) -> np.ndarray:
    """Renumber cluster labels by size, largest first (ties by old label); keep -1."""
    ids, counts = np.unique(raw[raw >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = np.full(int(raw.max()) + 2 if len(raw) else 1, -1)
    mapping[order] = np.arange(len(order))
    return np.where(raw >= 0, mapping[np.maximum(raw, 0)], -1)


def _silhouette(scaled: np.ndarray, labels: np.ndarray, random_state) -> tuple[float, int]:
    from sklearn.metrics import silhouette_score

    rows = np.flatnonzero(labels >= 0)
    if len(rows) > SILHOUETTE_ROWS:
        rows = np.sort(np.random.default_rng(random_state).choice(rows, SILHOUETTE_ROWS,
                                                                  replace=False))
    k = len(np.unique(labels[rows]))
    if k < 2 or k > len(rows) - 1:
        return float("nan"), len(rows)
    return float(silhouette_score(scaled[rows], labels[rows])), len(rows)


def _projection(scaled: np.ndarray, random_state) -> np.ndarray:
    from sklearn.decomposition import PCA

    k = min(2, scaled.shape[1], len(scaled))
    coords = PCA(n_components=k, random_state=random_state).fit_transform(scaled)
    if k < 2:
        coords = np.column_stack([coords, np.zeros((len(scaled), 2 - k))])
    return coords


def _truth(truth: Any, n: int) -> tuple[np.ndarray, str]:
    name = str(truth.name) if isinstance(truth, pd.Series) and truth.name is not None \
        else "truth"
    values = truth.to_numpy() if isinstance(truth, pd.Series | pd.Index) else np.asarray(
        truth, dtype=object)
    if values.ndim != 1 or len(values) != n:
        raise AstrolearnInputError(
            f"truth has shape {values.shape}, the features {n} rows", column=name,
            fix="give one known label per row (None/NaN where unknown)")
    known = ~pd.isna(values)
    if not known.any():
        raise AstrolearnInputError("truth holds no known label", column=name,
                                   fix="give known labels for at least some rows, or no truth")
    out = np.full(n, None, dtype=object)
    out[known] = [str(v) for v in values[known]]
    return out, name


def _per_cluster(labels: np.ndarray, truth: np.ndarray) -> pd.DataFrame:
    known = truth != None  # noqa: E711 - elementwise on an object array
    table = pd.crosstab(labels[known], truth[known])
    classes = sorted(table.columns, key=str)
    table = table[classes]
    counts = table.to_numpy()
    n = counts.sum(axis=1)
    # Majority: the most common label, ties to the first in sorted order.
    majority = [classes[int(np.argmax(row))] for row in counts]
    frame = pd.DataFrame({"cluster": table.index.astype(int), "n": n.astype(int),
                          "majority": majority, "purity": counts.max(axis=1) / n})
    for j, name in enumerate(classes):
        frame[f"n_{name}"] = counts[:, j].astype(int)
    return frame.reset_index(drop=True)


def cluster_features(
    X: Any,
    *,
    method: str = "kmeans",
    n_clusters: int = 8,
    truth: Any = None,
    random_state: int | None = 0,
    **params: Any,
) -> ClusteringResult:
    """Cluster standardised features with k-means, a Gaussian mixture or HDBSCAN.

    Parameters
    ----------
    X : DataFrame or 2-D array of shape (n, k)
        Numeric features without NaN (build them with
        ``PhotometryFeatures(bands, impute=True)``). Standardised inside by median and
        interquartile range (``RobustScaler(unit_variance=True)``).
    method : {"kmeans", "gmm", "hdbscan"}
        ``sklearn.cluster.KMeans``, ``sklearn.mixture.GaussianMixture`` (full covariances;
        each row goes to its most probable component) or ``sklearn.cluster.HDBSCAN``
        (finds the number of clusters itself and labels outliers -1).
    n_clusters : int
        Clusters for k-means, components for the mixture; ignored by HDBSCAN.
    truth : array-like of shape (n,), optional
        Known labels (e.g. the spectroscopic class; None/NaN where unknown), compared as
        strings. Any number of classes is fine.
    random_state : int or None
        Seed of the algorithm, of the silhouette sample and of the projection.
    **params
        Passed to the scikit-learn estimator, e.g. ``min_cluster_size`` for HDBSCAN
        (default here ``max(5, n // 100)``: clusters of at least 1 % of the rows), ``n_init``
        for k-means, ``covariance_type`` for the mixture.

    Returns
    -------
    ClusteringResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))]
    >>> result = cluster_features(X, n_clusters=2, truth=["a"] * 50 + ["b"] * 50)
    >>> result.n_clusters, round(result.adjusted_rand, 3), result.per_cluster["purity"].tolist()
    (2, 1.0, [1.0, 1.0])
    """
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score
    from sklearn.preprocessing import RobustScaler

    from astrolearn.explore.embedding import feature_matrix

    if method not in CLUSTERING_METHODS:
        raise AstrolearnInputError(f"unknown clustering method {method!r}",
                                   fix=f"use one of {', '.join(CLUSTERING_METHODS)}")
    values, _ = feature_matrix(X)
    n = len(values)
    if method != "hdbscan" and (not isinstance(n_clusters, int | np.integer)
                                or not 1 <= n_clusters <= n):
        raise AstrolearnInputError(
            f"n_clusters must be an integer from 1 to the number of rows ({n}), "
            f"got {n_clusters!r}", fix="pass e.g. n_clusters=3")
    truth_values, truth_name = _truth(truth, n) if truth is not None else (None, "truth")
    scaled = RobustScaler(unit_variance=True).fit_transform(values)
    cls, settings = _estimator(method, int(n_clusters), n, random_state, params)
    try:
        estimator = cls(**settings)
    except TypeError as exc:
        raise AstrolearnInputError(
            f"{cls.__name__} does not take the given settings ({exc})",
            fix=f"pass only parameters of sklearn's {cls.__name__}") from exc
    try:
        raw = estimator.fit_predict(scaled)
    except ValueError as exc:
        raise AstrolearnInputError(f"{cls.__name__} failed: {exc}",
                                   fix="check the parameters and the number of rows") from exc
    labels = _by_size(np.asarray(raw, dtype=int))
    ids, counts = np.unique(labels, return_counts=True)
    sizes = {int(k): int(c) for k, c in sorted(zip(ids, counts, strict=True),
                                               key=lambda kc: (kc[0] < 0, kc[0]))}
    silhouette, silhouette_rows = _silhouette(scaled, labels, random_state)
    shown = {k: v for k, v in settings.items() if isinstance(v, int | float | str | bool)
             or v is None}
    result = ClusteringResult(
        labels=labels, method=method, n_clusters=int((ids >= 0).sum()), sizes=sizes,
        silhouette=silhouette, silhouette_rows=silhouette_rows, n_rows=n, params=shown,
        projection=_projection(scaled, random_state))
    if truth_values is not None:
        known = truth_values != None  # noqa: E711 - elementwise on an object array
        t, lab = truth_values[known].astype(str), labels[known]
        result.adjusted_rand = float(adjusted_rand_score(t, lab))
        result.adjusted_mutual_info = float(adjusted_mutual_info_score(t, lab))
        result.per_cluster = _per_cluster(labels, truth_values)
        result.truth, result.truth_name = truth_values, truth_name
        result.n_truth_rows = int(known.sum())
    return result


def cluster_command(args: Any, say: Callable[[str], None]) -> ClusteringResult:
    """``astrolearn cluster``: cluster a catalog's features and score them against a label.

    Parameters
    ----------
    args : argparse.Namespace
        ``data`` (table file), ``hdf5_key``, ``bands``, ``errors``, ``colours``,
        ``features`` (see :func:`astrolearn.explore.embedding.catalog_features`),
        ``method`` (``kmeans``/``gmm``/``hdbscan``), ``n_clusters``, ``label`` (column of
        known classes, optional), ``n`` (largest number of rows, a seeded random sample;
        default 20,000), ``seed``, ``out`` (optional figure, ``.png``/``.pdf``/``.svg``:
        the clusters, and the known classes beside them, on the first two principal
        components of the standardised features -- fast, unlike a t-SNE map), ``quiet``.
    say : callable
        Progress messages.

    Returns
    -------
    ClusteringResult
        Its :meth:`~ClusteringResult.text` is printed.
    """
    from astrolearn.explore.embedding import (
        _check_figure_path,
        _command_fix,
        _read_sample,
        _save_figure,
        catalog_features,
        feature_matrix,
    )
    from astrolearn.explore.figures import plot_clusters
    from astrolearn.io import require_columns

    method = getattr(args, "method", None) or "kmeans"
    if method not in CLUSTERING_METHODS:
        raise AstrolearnInputError(f"unknown --method {method!r}",
                                   fix=f"use one of {', '.join(CLUSTERING_METHODS)}")
    out = getattr(args, "out", None)
    fmt = _check_figure_path(out, args.data) if out else None
    frame, total = _read_sample(args, say)
    label = getattr(args, "label", None)
    if label:
        require_columns(frame, [label], file=args.data, option="--label")
    features = catalog_features(frame, args, file=args.data, say=say)
    feature_matrix(features, file=args.data, fix=_command_fix(args))
    n_clusters = getattr(args, "n_clusters", None) or 8
    seed = getattr(args, "seed", 0) or 0
    say(f"clustering {len(features):,} rows x {features.shape[1]} features "
        f"({', '.join(map(str, features.columns))}) with {CLUSTERING_METHODS[method]} ...")
    truth = frame[label].reset_index(drop=True) if label else None
    result = cluster_features(features, method=method, n_clusters=int(n_clusters), truth=truth,
                              random_state=seed)
    print(result.text())
    if out:
        sampled = f" (random {len(frame):,} of {total:,})" if len(frame) < total else ""
        fig = plot_clusters(
            result.projection, result.labels, truth=result.truth, truth_name=result.truth_name,
            title=f"{CLUSTERING_METHODS[method]} clusters of {len(frame):,} objects{sampled}",
            axis_labels=("principal component 1", "principal component 2"), random_state=seed)
        _save_figure(fig, Path(out), fmt)
        print(f"figure (first two principal components) written to {out}")
    return result
