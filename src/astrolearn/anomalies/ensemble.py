"""Rank the cutouts of a set by how unusual they are: one method or an ensemble of ranks.

:func:`score_anomalies` prepares the images (:func:`astrolearn.images.preprocess.prepare_images`),
fits each requested scorer on the whole set (anomaly search is unsupervised and transductive:
the set is both what the scorers learn "normal" from and what they rank) and returns one row
per cutout with the score and rank of every method and of their combination.

Why an ensemble of *ranks*
--------------------------
The scorers measure different things on different scales: an isolation forest's path length
on pixel principal components, an autoencoder's reconstruction error, a WGAN's residual
(Storey-Fisher et al. 2021). Each finds some kinds of oddity and misses others (a satellite
trail is far from every galaxy in pixel space; a merger may be reconstructed well by an
autoencoder that has seen many close pairs). Averaging their normalised ranks (each in
``(0, 1]``, 1 the most unusual) needs no calibration between scales and keeps an object that
any two methods put near the top near the top (a rank-averaging scheme as used for the
anomaly ensembles of Lochner & Bassett 2021, Astronomaly).

Example
-------
>>> from astrolearn.anomalies.ensemble import rank_ensemble
>>> rank_ensemble({"a": [0.1, 0.9, 0.5], "b": [3.0, 2.0, 1.0]}).round(3).tolist()
[0.667, 0.833, 0.5]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from astrolearn.errors import AstrolearnInputError

__all__ = ["METHODS", "make_scorer", "normalised_rank", "rank_ensemble", "rank_positions",
           "score_anomalies"]

#: Scoring methods ``score_anomalies`` knows, and the default members of the ensemble.
METHODS = ("forest", "autoencoder", "wgan")


def normalised_rank(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rank of each score divided by the number of scores: in ``(0, 1]``, 1 the highest.

    Ties share their average rank.

    Examples
    --------
    >>> normalised_rank([0.2, 5.0, 0.2, 1.0]).tolist()
    [0.375, 1.0, 0.375, 0.75]
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim != 1 or not len(values):
        raise AstrolearnInputError(f"scores must be a non-empty 1-D array, got shape "
                                   f"{values.shape}")
    if not np.isfinite(values).all():
        raise AstrolearnInputError(f"{int((~np.isfinite(values)).sum())} scores are NaN or "
                                   "infinite", fix="check the images those rows come from")
    return rankdata(values, method="average") / len(values)


def rank_ensemble(scores: Mapping[str, Sequence[float] | np.ndarray],
                  weights: Mapping[str, float] | None = None) -> np.ndarray:
    """Weighted mean of the normalised ranks of several methods' scores.

    Parameters
    ----------
    scores : mapping of str to array of shape (n,)
        Scores of each method, higher = more unusual.
    weights : mapping of str to float, optional
        Weight of each method (default: equal).

    Returns
    -------
    ndarray of shape (n,)
        In ``(0, 1]``; higher = more unusual.

    Examples
    --------
    >>> rank_ensemble({"a": [1, 2, 3], "b": [3, 2, 1]}, weights={"a": 3, "b": 1}).round(3)
    array([0.5  , 0.667, 0.833])
    """
    if not scores:
        raise AstrolearnInputError("no scores to combine", fix="give at least one method")
    ranks = {name: normalised_rank(values) for name, values in scores.items()}
    lengths = {len(r) for r in ranks.values()}
    if len(lengths) != 1:
        raise AstrolearnInputError(f"the methods scored different numbers of objects "
                                   f"({sorted(lengths)})", fix="score the same images")
    w = {name: 1.0 for name in ranks} if weights is None else dict(weights)
    missing = sorted(set(ranks) - set(w))
    if missing or any(not np.isfinite(w[k]) or w[k] < 0 for k in ranks) \
            or sum(w[k] for k in ranks) <= 0:
        raise AstrolearnInputError("weights must give every method a weight >= 0, not all 0"
                                   + (f" (missing: {missing})" if missing else ""))
    total = sum(w[k] for k in ranks)
    return sum(w[k] * ranks[k] for k in ranks) / total


def make_scorer(method: str, *, random_state: int = 0, **options: Any):
    """A fresh, unfitted scorer for ``method`` (one of :data:`METHODS`).

    ``options`` go to the scorer's constructor (e.g. ``epochs=10`` for the autoencoder).

    Examples
    --------
    >>> type(make_scorer("forest", n_trees=50)).__name__
    'ForestScorer'
    """
    if method == "forest":
        from astrolearn.anomalies.forest import ForestScorer as cls
    elif method == "autoencoder":
        from astrolearn.anomalies.autoencoder import AutoencoderScorer as cls
    elif method == "wgan":
        from astrolearn.anomalies.wgan import WGANScorer as cls
    else:
        raise AstrolearnInputError(f"unknown anomaly method {method!r}",
                                   fix=f"use one of {', '.join(METHODS)} or ensemble")
    try:
        return cls(random_state=random_state, **options)
    except TypeError as err:
        raise AstrolearnInputError(f"bad options for {method}: {err}",
                                   fix=f"see help(astrolearn.anomalies.{method})") from None


def score_anomalies(
    images: np.ndarray,
    ids: Sequence[str] | None = None,
    *,
    method: str = "ensemble",
    members: Sequence[str] = METHODS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    prepare: Mapping[str, Any] | None = None,
    fit_size: int | None = 5000,
    random_state: int = 0,
    say: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Score every cutout of a set by how unusual it is.

    Parameters
    ----------
    images : ndarray of shape (n, bands, height, width)
        The cutouts (raw fluxes or display-stretched values; they are prepared here).
    ids : sequence of str, optional
        One id per cutout (default ``"0"``, ``"1"``, ...).
    method : str, default "ensemble"
        One of :data:`METHODS`, or ``"ensemble"``: every method of ``members`` and the mean of
        their normalised ranks.
    members : sequence of str, default METHODS
        The methods of the ensemble.
    options : mapping, optional
        Constructor options per method, e.g. ``{"autoencoder": {"epochs": 10}}``.
    prepare : mapping, optional
        Options of :func:`~astrolearn.images.preprocess.prepare_images`.
    fit_size : int or None, default 5000
        The scorers learn what is normal from a random (seeded) subset of at most this many
        cutouts, then score every cutout; ``None``: from all. Rare objects are rare in the
        subset too, so this changes little but bounds the training time of the networks on
        large sets (the autoencoder takes ~ 1.5 min per 1,000 cutouts on 2 CPU cores).
    random_state : int, default 0
    say : callable, optional
        Progress messages (e.g. ``print``).

    Returns
    -------
    scores : DataFrame
        ``id``, ``score``, ``rank`` (1 = most unusual), and per method ``score_<method>`` and
        ``rank_<method>``; rows in input order.
    fitted : dict
        ``scorers`` (method -> fitted scorer), ``features`` (an ``(n, d)`` array for maps and
        active learning: the forest's principal components when the forest ran, else the
        first scorer's features) and ``prepared`` (the prepared images).

    Examples
    --------
    >>> from astrolearn.datasets.galaxy_sim import simulate_galaxies
    >>> images, truth = simulate_galaxies(60, size=32, anomaly_fraction=0.1, seed=2)
    >>> table, fitted = score_anomalies(images, method="forest",
    ...                                 options={"forest": {"n_trees": 50, "n_components": 10}})
    >>> list(table.columns)
    ['id', 'score', 'rank', 'score_forest', 'rank_forest']
    >>> fitted["features"].shape
    (60, 10)
    """
    from astrolearn.images.preprocess import prepare_images

    chosen = list(members) if method == "ensemble" else [method]
    if not chosen:
        raise AstrolearnInputError("the ensemble has no members", fix=f"use {list(METHODS)}")
    options = dict(options or {})
    unknown = sorted(set(options) - set(METHODS))
    if unknown:
        raise AstrolearnInputError(f"options for unknown methods {unknown}",
                                   fix=f"use {list(METHODS)} as keys")
    scorers = {m: make_scorer(m, random_state=random_state, **options.get(m, {}))
               for m in chosen}
    prepared = prepare_images(images, **dict(prepare or {}))
    n = len(prepared)
    ids = np.arange(n).astype(str) if ids is None else np.asarray(ids).astype(str)
    if ids.shape != (n,):
        raise AstrolearnInputError(f"{len(ids)} ids for {n} images", fix="give one id each")
    if fit_size is not None and (isinstance(fit_size, bool) or not isinstance(fit_size, int)
                                 or fit_size < 2):
        raise AstrolearnInputError(f"fit_size must be an integer >= 2 or None, got "
                                   f"{fit_size!r}", fix="e.g. fit_size=5000")
    train = prepared
    if fit_size is not None and n > fit_size:
        rows = np.random.default_rng(random_state).choice(n, size=fit_size, replace=False)
        train = prepared[np.sort(rows)]
    table = pd.DataFrame({"id": ids})
    scores: dict[str, np.ndarray] = {}
    for name, scorer in scorers.items():
        if say is not None:
            say(f"anomalies: fitting {name} on {len(train):,} of {n:,} cutouts")
        start = time.perf_counter()
        scores[name] = np.asarray(scorer.fit(train).anomaly_score(prepared), dtype=float)
        if say is not None:
            say(f"anomalies: {name} fitted and scored in {time.perf_counter() - start:.1f} s")
    combined = rank_ensemble(scores) if len(scores) > 1 else scores[chosen[0]]
    table["score"] = combined
    table["rank"] = rank_positions(combined)
    for name, values in scores.items():
        table[f"score_{name}"] = values
        table[f"rank_{name}"] = rank_positions(values)
    first = "forest" if "forest" in scorers else chosen[0]
    features = scorers[first].features(prepared)
    return table, {"scorers": scorers, "features": np.asarray(features), "prepared": prepared}


def rank_positions(scores: np.ndarray) -> np.ndarray:
    """1 for the highest score, n for the lowest; ties broken by input order.

    Examples
    --------
    >>> rank_positions(np.array([0.2, 0.9, 0.2])).tolist()
    [2, 1, 3]
    """
    from astrolearn.anomalies.metrics import ranking_order

    order = ranking_order(scores)
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks
