"""Command-line work for ``astrolearn anomalies score`` and ``astrolearn anomalies explore``.

``score`` ranks every cutout of a set (:func:`astrolearn.anomalies.ensemble.score_anomalies`)
and writes a Parquet table: ``id``, ``score``, ``rank`` (1 = most unusual), each method's
``score_<method>`` and ``rank_<method>``, the known class when ``--labels`` are given (for
reference only; scoring never sees it), and ``feature_<k>`` columns: the features the map of
the explore page and the active learning use. The file's Parquet metadata names the cutouts
file, so that ``explore`` finds the images again.

With ``--decisions decisions.csv`` (``id,label``; 1 interesting, 0 boring: what the explore
page's buttons download) the ranking learns from the user. By default (:data:`ACTIVE_METHOD`
``"neighbours"``, :class:`astrolearn.anomalies.active.ActiveRanker`) the unsupervised
``score`` stays the prior and every object moves by the decisions made near it in the space
of rotation-invariant ring features of the cutouts
(:func:`astrolearn.anomalies.active.azimuthal_features`): neighbours of boring objects sink,
neighbours of interesting ones rise, objects far from every decision keep their place (the
NeighbourScore idea of Astronomaly, Lochner & Bassett 2021). With ``ACTIVE_METHOD = "aad"``
it is coniferest's active anomaly detection forest (AAD, Das et al. 2017) fitted on
:func:`active_features` instead; on the simulated benchmark
(``benchmarks/galaxy_anomalies_sim.py``) AAD lost the ensemble's ranking and found no merger
in 60 decisions, hence the default. The learnt score becomes ``score``; the unsupervised
ranking stays in ``score_unsupervised``. Decided objects keep their decision in the
``decision`` column (1, 0, or missing).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = ["ACTIVE_METHOD", "active_features", "explore_command", "read_scores",
           "score_command"]

#: Parquet metadata key naming the cutouts file of a scores table.
IMAGES_KEY = b"astrolearn.images"
#: Feature columns kept in a scores table (the leading principal components).
N_FEATURES = 20
#: How ``--decisions`` re-rank: ``"neighbours"`` (the unsupervised score modulated by the
#: decided neighbours, on :func:`~astrolearn.anomalies.active.azimuthal_features`) or
#: ``"aad"`` (coniferest's AAD forest on :func:`active_features`).
ACTIVE_METHOD = "neighbours"


def _method_options(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """``["autoencoder.epochs=10", ...]`` -> ``{"autoencoder": {"epochs": 10}}``."""
    from astrolearn.catalogs.commands import parse_model_params

    options: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        method, dot, rest = pair.partition(".")
        if not dot or "=" not in rest:
            raise AstrolearnInputError(f"--method-param {pair!r} is not METHOD.KEY=VALUE",
                                       fix="e.g. --method-param autoencoder.epochs=10")
        options.setdefault(method, {}).update(parse_model_params([rest], {}))
    return options


def active_features(features: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """What the AAD forest splits on (``ACTIVE_METHOD = "aad"``): the leading principal
    components of the pixels and every method's normalised rank, so that the user's decisions
    can select both a region of image space and the kind of oddity each method sees."""
    ranks = [table[c].to_numpy(dtype=float) / len(table) for c in table.columns
             if c.startswith("rank_")]
    return np.column_stack([np.asarray(features, dtype=float)[:, :N_FEATURES], *ranks])


def score_command(args, say: Callable[[str], None]) -> Path:
    """``astrolearn anomalies score``: rank the cutouts of ``--images``, write ``--out``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from astrolearn.anomalies.ensemble import score_anomalies
    from astrolearn.images.io import read_images, read_labels
    from astrolearn.io import atomic_path, check_not_input

    out = Path(args.out)
    if out.suffix.lower() != ".parquet":
        raise AstrolearnInputError("scores are written to a .parquet file", file=out,
                                   fix="write --out scores.parquet")
    check_not_input(out, args.images, getattr(args, "labels", None),
                    getattr(args, "decisions", None))
    images = read_images(args.images)
    labels = images.labels
    if getattr(args, "labels", None) is not None:
        labels = read_labels(args.labels, images.ids, id_column=getattr(args, "id_column", None),
                             label_column=getattr(args, "label", None) or "label")
    start = time.perf_counter()
    table, fitted = score_anomalies(images.images, images.ids, method=args.method,
                                    options=_method_options(args.method_param),
                                    random_state=args.seed, say=say)
    features = np.asarray(fitted["features"], dtype=float)
    if getattr(args, "decisions", None) is not None:
        table = _learn_from_decisions(table, features, args.decisions, args.seed, say,
                                      prepared=fitted["prepared"])
    if labels is not None:
        table.insert(1, "label", labels)
    for k in range(min(N_FEATURES, features.shape[1])):
        table[f"feature_{k}"] = features[:, k].astype(np.float32)
    say(f"scored {len(table):,} cutouts ({args.method}) in {time.perf_counter() - start:.1f} s")
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[IMAGES_KEY] = json.dumps(str(Path(args.images).resolve())).encode()
    with atomic_path(out) as tmp:
        pq.write_table(arrow.replace_schema_metadata(meta), tmp)
    top = table.nsmallest(5, "rank")["id"].tolist()
    print(f"wrote anomaly scores of {len(table):,} cutouts to {out}; most unusual: "
          f"{', '.join(top)}")
    return out


def _learn_from_decisions(table: pd.DataFrame, features: np.ndarray, path: Path, seed: int,
                          say: Callable[[str], None], *, prepared: np.ndarray | None = None,
                          method: str | None = None) -> pd.DataFrame:
    """The scores table re-ranked with the decisions of ``path`` (see the module docstring).

    ``prepared``: the prepared cutouts, in table order (needed by ``"neighbours"``);
    ``method``: default :data:`ACTIVE_METHOD`."""
    from astrolearn.anomalies.active import ActiveRanker, azimuthal_features, read_decisions
    from astrolearn.anomalies.ensemble import rank_positions

    method = ACTIVE_METHOD if method is None else method
    decisions = read_decisions(path)
    n_yes = int(decisions.sum())
    say(f"learning from {len(decisions):,} decisions of {path} ({n_yes} interesting, "
        f"{len(decisions) - n_yes} boring; method {method})")
    ids = table["id"].to_numpy()
    if method == "neighbours":
        if prepared is None:
            raise AstrolearnInputError("method 'neighbours' needs the prepared cutouts")
        ranker = ActiveRanker("neighbours", random_state=seed).fit(
            azimuthal_features(prepared), ids, prior_scores=table["score"].to_numpy())
    else:
        ranker = ActiveRanker(method, random_state=seed).fit(active_features(features, table),
                                                             ids)
    try:
        scores = ranker.scores(decisions)
        if method == "neighbours":
            say(f"neighbours: kernel width {ranker.bandwidth_for(decisions):.3g} x the typical "
                f"distance {ranker.distance_scale_:.3g}")
    except AstrolearnInputError as err:
        raise err.in_file(path) from None
    out = table.copy()
    out.insert(3, "score_unsupervised", out["score"])
    out["score"] = scores
    out["rank"] = rank_positions(scores)
    out["decision"] = out["id"].map(decisions.astype("Int64")).astype("Int64")
    return out


def read_scores(path: str | Path) -> tuple[pd.DataFrame, Path | None]:
    """A scores table written by ``anomalies score`` and the cutouts file it names."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise AstrolearnInputError("no such scores file", file=path,
                                   fix="write it with astrolearn anomalies score")
    try:
        arrow = pq.read_table(path)
    except Exception as err:  # not Parquet at all
        raise AstrolearnInputError(f"not a Parquet scores table ({err})", file=path,
                                   fix="give the .parquet file of astrolearn anomalies score"
                                   ) from None
    meta = arrow.schema.metadata or {}
    images = Path(json.loads(meta[IMAGES_KEY])) if IMAGES_KEY in meta else None
    return arrow.to_pandas(), images


def explore_command(args, say: Callable[[str], None]) -> Path:
    """``astrolearn anomalies explore``: the HTML page of a scores table."""
    from astrolearn.anomalies.explore import explore_embedding, write_explore_page
    from astrolearn.images.io import read_images
    from astrolearn.io import check_not_input

    table, images_path = read_scores(args.scores)
    images_path = getattr(args, "images", None) or images_path
    if images_path is None or not Path(images_path).exists():
        raise AstrolearnInputError(f"the cutouts of these scores are not found "
                                   f"({images_path})", file=args.scores,
                                   fix="name them with --images")
    check_not_input(args.out, args.scores, images_path)
    images = read_images(images_path)
    position = pd.Series(np.arange(len(images)), index=images.ids)
    missing = ~table["id"].astype(str).isin(position.index)
    if missing.any():
        raise AstrolearnInputError(f"{int(missing.sum())} ids of the scores are not in "
                                   f"{images_path} (first: {table['id'][missing].iloc[0]!r})",
                                   file=args.scores, column="id",
                                   fix="give the cutouts that were scored with --images")
    rows = position[table["id"].astype(str)].to_numpy()
    feature_columns = [c for c in table.columns if c.startswith("feature_")]
    embedding = None
    if feature_columns:
        start = time.perf_counter()
        embedding = explore_embedding(table[feature_columns].to_numpy(dtype=float),
                                      random_state=args.seed)
        say(f"UMAP map of {len(table):,} cutouts in {time.perf_counter() - start:.1f} s")
    shown = table.drop(columns=feature_columns)
    if "decision" in shown:  # decided objects were inspected already: show the others first
        shown = shown[shown["decision"].isna()].reset_index(drop=True)
        keep = table["decision"].isna().to_numpy()
        rows, embedding = rows[keep], None if embedding is None else embedding[keep]
    page = write_explore_page(shown, images.images[rows], args.out, embedding=embedding,
                              top=args.top, title=f"Anomaly search: {Path(args.scores).name}",
                              random_state=args.seed, file=args.scores, say=say)
    print(f"explore page written to {page}")
    return page
