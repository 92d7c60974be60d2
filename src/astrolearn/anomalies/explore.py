"""A self-contained HTML page for looking through the most unusual cutouts of a set.

:func:`write_explore_page` is what ``astrolearn anomalies explore scores.parquet --out page.html``
writes: one HTML file, readable offline and easy to mail or archive, for an astronomer hunting
for unusual galaxies. It holds

* the top-ranked cutouts as a grid of thumbnails in rank order, each with its rank, id, score,
  the rank every single method gave it (``rank_<method>`` columns) and its label when one is
  known (simulated data, or a catalogue cross-match);
* a map of the whole set: a 2-D UMAP (McInnes et al. 2018) of the scorer's features, or of
  the principal components of the pixels, drawn as a scatter coloured by score percentile
  with the top-ranked objects circled and numbered; below it the same map tiled with the
  thumbnail of one object per cell, so that each region can be read as "what lives here"
  (the image maps of Astronomaly, Lochner & Bassett 2021); with known labels, a panel
  coloured by label shows where the rare kinds fall among the rest;
* the score histogram with the top-``top`` threshold marked, and (with labels) a count of
  each label among the top-ranked and in the whole set;
* active-learning buttons: every thumbnail has *interesting* / *boring* buttons handled by a
  few lines of inline JavaScript (no library) that keep the decisions (also in the
  browser's ``localStorage``, so a reload does not lose them) and offer a
  ``decisions.csv`` download with the columns ``id,label`` (1 = interesting, 0 = boring):
  the file the next ranking reads (``astrolearn anomalies score ... --decisions
  decisions.csv``, coniferest's active anomaly detection).

Cutouts are shown with :func:`astrolearn.images.display.display_images` (a per-image
arcsinh stretch of linear fluxes, colours kept; see that module). Thumbnails smaller than 128
pixels are enlarged by an integer factor with nearest-neighbour sampling (e.g. 64 -> 128: 2x,
32 -> 128: 4x), so every pixel stays visible; larger ones are box-averaged down to at most
128 pixels. They are embedded as PNG ``data:`` URIs (8-bit grey for one band) and the
figures as 256-colour palette PNGs, so the page stays small: 0.68 MB for the top 60 of
20,000 64 x 64 simulated cutouts (thumbnails 0.36 MB, map 0.14 MB, tiled map 0.13 MB,
histogram 0.01 MB).

The page is an :class:`astrolearn.report.Report` (its style sheet, escaping, figure embedding
and atomic writing) with the grid, the buttons and the script added; written by hand because
no library makes such a page without network access (Astronomaly's interface is a web
server, coniferest's a Jupyter widget).

Example
-------
>>> import numpy as np, pandas as pd, tempfile, pathlib
>>> rng = np.random.default_rng(0)
>>> images = rng.normal(size=(20, 1, 16, 16)).astype("float32")
>>> scores = pd.DataFrame({"id": [f"g{i}" for i in range(20)], "score": rng.random(20)})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "page.html"
>>> page = write_explore_page(scores, images, out, top=5, embedding=rng.normal(size=(20, 2)))
>>> page.read_text(encoding="utf-8").count('class="card"')
5
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.images.display import BATCH as _BATCH
from astrolearn.images.display import (
    _check_images,
    _display_float,
    _resolve_stretch,
    display_images,
)
from astrolearn.report import Report, _esc

__all__ = ["explore_embedding", "write_explore_page"]

_THUMB_PX = 128  # displayed side of a thumbnail, in screen pixels (about)
_MAP_CELLS = 12  # thumbnails per side of the tiled map
_PCA_COMPONENTS = 30
_PCA_MAX_SIDE = 32  # images are box-averaged to at most this side before the PCA
_FEATURE_FIX = "give finite features (repair or drop those objects)"

_EXTRA_CSS = """
body { max-width: 76rem; }
.toolbar { position: sticky; top: 0; z-index: 5; background: #fff; display: flex;
           flex-wrap: wrap; gap: 0.4rem 1.2rem; align-items: center; padding: 0.5rem 0;
           border-bottom: 1px solid #ccc; font-size: 0.9rem; }
.toolbar a.download { font-weight: bold; }
.toolbar a.download.empty { color: #999; pointer-events: none; }
.howto { background: #f5f7fa; padding: 0.4rem 1rem; border-radius: 4px; font-size: 0.92rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.6rem, 1fr));
        gap: 0.6rem; margin: 1rem 0; }
.card { border: 2px solid #d0d4da; border-radius: 5px; padding: 0.3rem; background: #fafbfc;
        font-size: 0.76rem; line-height: 1.3; }
.card.yes { border-color: #2ca02c; background: #eaf7ea; }
.card.no { border-color: #d62728; background: #fbeaea; }
.card.no img { opacity: 0.55; }
.card img { display: block; margin: 0 auto 0.2rem; image-rendering: pixelated;
            max-width: 100%; height: auto; }
.card .rank { font-weight: bold; font-size: 0.9rem; }
.card .id { font-family: monospace; word-break: break-all; }
.card .methods { color: #555; }
.card .label { display: inline-block; background: #ffe8a8; border-radius: 3px;
               padding: 0 0.3rem; margin-top: 0.1rem; }
.card .buttons { display: flex; gap: 0.3rem; margin-top: 0.25rem; }
.card button { flex: 1; font-size: 0.74rem; padding: 0.15rem 0; cursor: pointer;
               border: 1px solid #aaa; border-radius: 3px; background: #fff; }
.card.yes button.yes { background: #2ca02c; color: #fff; border-color: #2ca02c; }
.card.no button.no { background: #d62728; color: #fff; border-color: #d62728; }
"""

# The whole script: decisions in an object keyed by id, written to the cards' classes, to
# localStorage and to the href of the download link (a data: URI, so nothing is fetched).
_SCRIPT = """
(function () {
  "use strict";
  var bar = document.getElementById("decisions");
  var key = "astrolearn-decisions:" + bar.getAttribute("data-page-key");
  var link = document.getElementById("download-decisions");
  var counter = document.getElementById("decision-count");
  var preview = document.getElementById("decisions-csv");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card[data-id]"));
  var decisions = {};
  try { decisions = JSON.parse(window.localStorage.getItem(key) || "{}") || {}; }
  catch (e) { decisions = {}; }
  function field(text) {
    return /[",\\r\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function refresh() {
    var lines = ["id,label"], yes = 0, no = 0;
    cards.forEach(function (card) {
      var id = card.getAttribute("data-id"), value = decisions[id];
      card.classList.toggle("yes", value === 1);
      card.classList.toggle("no", value === 0);
      if (value === 1 || value === 0) {
        lines.push(field(id) + "," + value);
        if (value === 1) { yes += 1; } else { no += 1; }
      }
    });
    var csv = lines.join("\\n") + "\\n";
    link.setAttribute("href", "data:text/csv;charset=utf-8," + encodeURIComponent(csv));
    link.classList.toggle("empty", yes + no === 0);
    counter.textContent = yes + " interesting, " + no + " boring";
    preview.value = csv;
    try { window.localStorage.setItem(key, JSON.stringify(decisions)); } catch (e) { }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-label]") : null;
    if (button) {
      var id = button.closest(".card").getAttribute("data-id");
      var value = Number(button.getAttribute("data-label"));
      if (decisions[id] === value) { delete decisions[id]; } else { decisions[id] = value; }
      refresh();
    } else if (event.target.id === "clear-decisions") {
      if (window.confirm("Forget every decision made on this page?")) {
        decisions = {};
        refresh();
      }
    }
  });
  refresh();
})();
"""


def _thumbnail_png(image: np.ndarray) -> tuple[str, int, int]:
    """An 8-bit grey or RGB image as a PNG data URI, resized for the grid; (uri, width, height).

    Pillow ships with matplotlib (one of its dependencies).
    """
    from PIL import Image

    h, w = image.shape[:2]
    side = max(h, w)
    if side < _THUMB_PX:
        zoom = max(1, _THUMB_PX // side)
        image = np.repeat(np.repeat(image, zoom, axis=0), zoom, axis=1)
        picture = Image.fromarray(np.ascontiguousarray(image))
    else:
        picture = Image.fromarray(np.ascontiguousarray(image))
        scale = _THUMB_PX / side
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            picture = picture.resize(size, Image.Resampling.BOX)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return uri, picture.width, picture.height


# ---------------------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------------------


def explore_embedding(
    features: Any,
    *,
    random_state: int | None = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    standardize: bool = False,
) -> np.ndarray:
    """The 2-D UMAP map of the explore page (umap-learn), for reuse by benchmarks and the CLI.

    Parameters
    ----------
    features : array or DataFrame of shape (n, d)
        One row per object: a scorer's ``features(images)``, or principal components of the
        pixels. Numeric, without NaN (the error names the first bad column).
    random_state : int or None
        Seed: the same seed and data give the same map. With a seed umap-learn runs on one
        core; ``None`` lets it use all of them (faster, not reproducible).
    n_neighbors : int
        UMAP neighbourhood size (15, umap-learn's default); lowered to ``n - 1`` for tiny sets.
    min_dist : float
        How tightly UMAP may pack points.
    standardize : bool
        Scale every column by its median and interquartile range first (for features of
        unrelated units). Off by default: a scorer's features and principal components
        carry meaningful relative scales, which standardising would erase.

    Returns
    -------
    numpy.ndarray of shape (n, 2)

    Raises
    ------
    AstrolearnInputError
        Not a 2-D numeric table, NaN/inf values, fewer than 5 rows, bad settings.

    Notes
    -----
    The first UMAP call in a process compiles umap-learn's numba code (17 s on a busy 2-core
    machine); then 20,000 x 30 features took 59 s wall time (37 s of CPU) there.

    Examples
    --------
    >>> explore_embedding(np.zeros((3, 2)))
    Traceback (most recent call last):
    ...
    astrolearn.errors.AstrolearnInputError: 3 rows: too few for a map. Fix: give at least 5 objects
    >>> coords = explore_embedding(np.random.default_rng(0).normal(size=(300, 8)))
    ... # doctest: +SKIP
    """
    from astrolearn.explore.embedding import feature_matrix

    values, _ = feature_matrix(features, min_rows=0, fix=_FEATURE_FIX)
    if len(values) < 5:
        raise AstrolearnInputError(f"{len(values)} rows: too few for a map",
                                   fix="give at least 5 objects")
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, int | np.integer) \
            or n_neighbors < 2 or not min_dist >= 0:
        raise AstrolearnInputError(
            f"bad UMAP settings: n_neighbors={n_neighbors!r}, min_dist={min_dist!r}",
            fix="use an integer n_neighbors >= 2 and min_dist >= 0")
    if standardize:
        from sklearn.preprocessing import RobustScaler

        values = RobustScaler(unit_variance=True).fit_transform(values)
    import umap

    model = umap.UMAP(n_components=2, n_neighbors=int(min(n_neighbors, len(values) - 1)),
                      min_dist=float(min_dist), random_state=random_state,
                      n_jobs=1 if random_state is not None else -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_jobs overridden by random_state"
        coords = model.fit_transform(values)
    return np.asarray(coords, dtype=float)


def _pixel_pca(images: np.ndarray, mode: str, random_state: int | None) -> np.ndarray:
    """Principal components (at most 30) of the displayed pixels, box-averaged to <= 32 px."""
    from sklearn.decomposition import PCA

    n, _, h, w = images.shape
    block = max(1, math.ceil(max(h, w) / _PCA_MAX_SIDE))
    if block > min(h, w):  # a very elongated cutout: keep every pixel
        block = 1
    hh, ww = (h // block) * block, (w // block) * block
    rows = []
    for start in range(0, n, _BATCH):
        shown = _display_float(images[start:start + _BATCH], mode)  # (b, H, W, k)
        if block > 1:
            b, k = len(shown), shown.shape[-1]
            shown = shown[:, :hh, :ww].reshape(b, hh // block, block, ww // block, block,
                                               k).mean(axis=(2, 4))
        rows.append(shown.reshape(len(shown), -1))
    pixels = np.concatenate(rows)
    k = int(min(_PCA_COMPONENTS, len(pixels) - 1, pixels.shape[1]))
    if k < 1 or not np.any(pixels.std(axis=0) > 0):
        return np.zeros((len(pixels), 1))
    return PCA(n_components=k, svd_solver="auto", random_state=random_state).fit_transform(pixels)


# ---------------------------------------------------------------------------------------
# Checking the score table
# ---------------------------------------------------------------------------------------


def _numeric_column(frame: pd.DataFrame, column: str, file: Any) -> np.ndarray:
    values = frame[column]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise AstrolearnInputError(f"is not numeric (dtype {values.dtype})", file=file,
                                   column=column,
                                   fix="give numbers (higher score = more unusual)")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _check_scores(scores: Any, file: Any) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A copy of the table, the ids (str) and the scores (float); clear errors otherwise."""
    if not isinstance(scores, pd.DataFrame):
        raise AstrolearnInputError(
            f"the scores must be a pandas DataFrame, got {type(scores).__name__}", file=file,
            fix="read the table written by `astrolearn anomalies score` with "
            "astrolearn.io.read_table")
    frame = scores.reset_index(drop=True).copy()
    for column in ("id", "score"):
        if column not in frame.columns:
            shown = ", ".join(str(c) for c in list(frame.columns)[:20]) or "none"
            raise AstrolearnInputError(
                f"the scores table has no {column!r} column (it has: {shown})", file=file,
                column=column,
                fix="pass the table written by `astrolearn anomalies score` (columns id, "
                "score, rank, score_<method>, ...) or rename your columns to 'id' and "
                "'score' (higher = more unusual)")
    if not len(frame):
        raise AstrolearnInputError("the scores table is empty", file=file,
                                   fix="score at least one cutout")
    if frame["id"].isna().any():
        raise AstrolearnInputError(f"{int(frame['id'].isna().sum())} rows have no id",
                                   file=file, column="id", fix="give every row an id")
    ids = frame["id"].astype(str).to_numpy()
    duplicated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if duplicated.any():
        repeats = list(dict.fromkeys(ids[duplicated]))
        raise AstrolearnInputError(
            f"{len(repeats)} ids appear more than once (e.g. {', '.join(repeats[:5])})",
            file=file, column="id",
            fix="give every cutout a unique id (decisions are recorded per id)")
    values = _numeric_column(frame, "score", file)
    bad = ~np.isfinite(values)
    if bad.any():
        raise AstrolearnInputError(
            f"{int(bad.sum())} of {len(values)} scores are NaN or infinite (e.g. ids "
            f"{', '.join(ids[bad][:5])})", file=file, column="score",
            fix="score those cutouts again (a NaN score usually comes from a blank or "
            "corrupt image) or drop the rows")
    return frame, ids, values


def _order(frame: pd.DataFrame, scores: np.ndarray, file: Any) -> np.ndarray:
    """Row positions from most to least unusual: by ``rank`` if given, else by score."""
    position = np.arange(len(frame))
    if "rank" in frame.columns:
        rank = _numeric_column(frame, "rank", file)
        if not np.isfinite(rank).all():
            raise AstrolearnInputError(
                f"{int((~np.isfinite(rank)).sum())} ranks are NaN or infinite", file=file,
                column="rank", fix="drop the rank column to rank by score")
        return np.lexsort((position, -scores, rank))
    return np.lexsort((position, -scores))


def _methods(frame: pd.DataFrame) -> list[str]:
    """Methods with a ``score_<method>`` or ``rank_<method>`` column, in column order."""
    names: list[str] = []
    for column in frame.columns:
        text = str(column)
        for prefix in ("score_", "rank_"):
            if text.startswith(prefix) and len(text) > len(prefix):
                name = text[len(prefix):]
                if name not in names:
                    names.append(name)
    return names


def _method_ranks(frame: pd.DataFrame, methods: Sequence[str]) -> dict[str, np.ndarray]:
    """Rank (1 = most unusual) each method gave each row; NaN where unknown."""
    out: dict[str, np.ndarray] = {}
    for name in methods:
        rank_col, score_col = f"rank_{name}", f"score_{name}"
        if rank_col in frame.columns and pd.api.types.is_numeric_dtype(frame[rank_col]):
            out[name] = frame[rank_col].to_numpy(dtype=float, na_value=np.nan)
        elif score_col in frame.columns and pd.api.types.is_numeric_dtype(frame[score_col]):
            values = frame[score_col].to_numpy(dtype=float, na_value=np.nan)
            finite = np.isfinite(values)
            ranks = np.full(len(values), np.nan)
            order = np.lexsort((np.arange(finite.sum()), -values[finite]))
            positions = np.empty(finite.sum())
            positions[order] = np.arange(1, finite.sum() + 1)
            ranks[finite] = positions
            out[name] = ranks
    return out


def _labels(frame: pd.DataFrame, labels: Any, n: int, file: Any) -> np.ndarray | None:
    """Label of each row as str ("" when missing), or None when there are none."""
    if labels is None:
        column = next((c for c in ("label", "kind") if c in frame.columns), None)
        if column is None:
            return None
        values = frame[column]
    elif isinstance(labels, str):
        if labels not in frame.columns:
            raise AstrolearnInputError("no such column for the labels", file=file,
                                       column=labels,
                                       fix="name a column of the scores table, or pass one "
                                       "label per row")
        values = frame[labels]
    else:
        values = pd.Series(np.asarray(labels, dtype=object).ravel())
        if len(values) != n:
            raise AstrolearnInputError(f"{len(values)} labels for {n} scores",
                                       fix="give one label per row of the scores table")
    missing = values.isna().to_numpy()
    text = values.astype(str).to_numpy(dtype=object)
    text[missing] = ""
    return text.astype(str)


def _coordinates(values: Any, n: int, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float) if not isinstance(values, pd.DataFrame) \
        else values.to_numpy(dtype=float)
    if array.ndim != 2 or array.shape != (n, 2):
        raise AstrolearnInputError(f"{what} must have shape ({n}, 2), got {array.shape}",
                                   fix="give one (x, y) row per row of the scores table")
    if not np.isfinite(array).all():
        raise AstrolearnInputError(f"{what} holds NaN or infinite values",
                                   fix="recompute it with explore_embedding")
    return array


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def _label_colours(labels: np.ndarray) -> tuple[str | None, dict[str, str]]:
    """The most common label (drawn grey) and a colour for each of the others (at most 9)."""
    counts = pd.Series(labels[labels != ""]).value_counts()
    if counts.empty:
        return None, {}
    common = str(counts.index[0])
    palette = ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22"]
    others = [str(v) for v in counts.index[1:]]
    return common, {name: palette[i % len(palette)] for i, name in enumerate(others)}


def _map_figure(coords: np.ndarray, order: np.ndarray, top: int, labels: np.ndarray | None,
                axis_name: str):
    """Scatter coloured by score percentile, top circled and numbered (+ a panel by label)."""
    from matplotlib.figure import Figure

    n = len(coords)
    percentile = np.empty(n)
    percentile[order] = 100.0 * (n - 1 - np.arange(n)) / max(n - 1, 1)
    common, colours = _label_colours(labels) if labels is not None else (None, {})
    with_labels = labels is not None and common is not None and 0 < len(colours) <= 9
    panels = 2 if with_labels else 1
    fig = Figure(figsize=(6.2 * panels, 5.4), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    size = float(np.clip(4000.0 / n, 1.0, 14.0))
    draw = order[::-1]  # least unusual first: the interesting points end up on top
    ax = axes[0]
    points = ax.scatter(coords[draw, 0], coords[draw, 1], c=percentile[draw], s=size,
                        cmap="viridis", vmin=0, vmax=100, linewidths=0, rasterized=True)
    fig.colorbar(points, ax=ax, label="score percentile (100 = most unusual)", shrink=0.85)
    best = order[:top]
    ax.scatter(coords[best, 0], coords[best, 1], s=size + 40, facecolors="none",
               edgecolors="#d62728", linewidths=1.0, label=f"top {top}")
    font = 7 if top <= 60 else 5
    for rank, row in enumerate(best, start=1):
        ax.annotate(str(rank), (coords[row, 0], coords[row, 1]), xytext=(3, 3),
                    textcoords="offset points", fontsize=font, color="#a01010")
    ax.legend(loc="best", fontsize=8, markerscale=0.8)
    ax.set_title(f"{axis_name}: coloured by score")
    if with_labels:
        ax2 = axes[1]
        assert labels is not None
        plain = ~np.isin(labels, list(colours))  # the common label (and rows without one)
        ax2.scatter(coords[plain, 0], coords[plain, 1], s=size, color="#c8c8c8", linewidths=0,
                    rasterized=True, label=f"{common} ({int(plain.sum()):,})")
        for name, colour in colours.items():
            mine = labels == name
            ax2.scatter(coords[mine, 0], coords[mine, 1], s=size + 10, color=colour,
                        linewidths=0, rasterized=True, label=f"{name} ({int(mine.sum()):,})")
        ax2.scatter(coords[best, 0], coords[best, 1], s=size + 40, facecolors="none",
                    edgecolors="black", linewidths=0.6, label=f"top {top}")
        ax2.legend(loc="best", fontsize=7, markerscale=1.2)
        ax2.set_title(f"{axis_name}: coloured by label")
    for a in axes:
        a.set_xlabel(f"{axis_name} 1")
        a.set_ylabel(f"{axis_name} 2")
        a.set_xticks([])
        a.set_yticks([])
    return fig


def _tile_representatives(coords: np.ndarray, cells: int) -> tuple[np.ndarray, tuple]:
    """One object per occupied cell of a cells x cells grid: the one nearest the cell centre."""
    low = coords.min(axis=0)
    span = coords.max(axis=0) - low
    span = np.where(span > 0, span, 1.0)
    unit = (coords - low) / span * cells
    cell = np.clip(np.floor(unit), 0, cells - 1).astype(int)
    distance = ((unit - cell - 0.5) ** 2).sum(axis=1)
    flat = cell[:, 0] * cells + cell[:, 1]
    by_cell = np.lexsort((np.arange(len(coords)), distance, flat))
    _, first = np.unique(flat[by_cell], return_index=True)
    return by_cell[first], (low, span)


def _tiled_map_figure(coords: np.ndarray, images: np.ndarray, mode: str, rank_of: np.ndarray,
                      top: int, axis_name: str):
    """The map tiled with thumbnails (one per cell), the top-ranked objects marked."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    cells = _MAP_CELLS
    chosen, (low, span) = _tile_representatives(coords, cells)
    shown = _display_float(images[np.sort(chosen)], mode)
    where = {int(row): shown[i] for i, row in enumerate(np.sort(chosen))}
    fig = Figure(figsize=(6.6, 6.2), layout="constrained")
    ax = fig.add_subplot()
    width, height = span / cells
    ax.scatter(coords[:, 0], coords[:, 1], s=1.0, color="#bbbbbb", linewidths=0,
               rasterized=True, zorder=0)
    for row in chosen:
        cx, cy = np.clip(np.floor((coords[row] - low) / span * cells), 0, cells - 1)
        x0, y0 = low[0] + cx * width, low[1] + cy * height
        pad_x, pad_y = 0.04 * width, 0.04 * height
        picture = where[int(row)]
        ax.imshow(picture[..., 0] if picture.shape[-1] == 1 else picture, cmap="gray",
                  vmin=0, vmax=1, interpolation="nearest", zorder=1,
                  extent=(x0 + pad_x, x0 + width - pad_x, y0 + pad_y, y0 + height - pad_y))
        if rank_of[row] <= top:
            ax.add_patch(Rectangle((x0 + pad_x, y0 + pad_y), width - 2 * pad_x,
                                   height - 2 * pad_y, fill=False, edgecolor="#d62728",
                                   linewidth=1.5, zorder=2))
    best = np.flatnonzero(rank_of <= top)
    ax.scatter(coords[best, 0], coords[best, 1], s=10, color="#d62728", linewidths=0,
               zorder=3, label=f"top {top}")
    ax.set_xlim(low[0], low[0] + span[0])
    ax.set_ylim(low[1], low[1] + span[1])
    ax.set_aspect(width / height)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{axis_name} 1")
    ax.set_ylabel(f"{axis_name} 2")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(f"{axis_name} tiled with one cutout per cell")
    return fig


def _histogram_figure(scores: np.ndarray, threshold: float, top: int,
                      labels: np.ndarray | None):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.4), layout="constrained")
    ax = fig.add_subplot()
    bins = np.histogram_bin_edges(scores, bins=min(60, max(10, len(scores) // 20)))
    common, colours = _label_colours(labels) if labels is not None else (None, {})
    if labels is not None and common is not None and 0 < len(colours) <= 9:
        plain = ~np.isin(labels, list(colours))
        ax.hist(scores[plain], bins=bins, color="#b0b0b0", label=common)
        for name, colour in colours.items():
            ax.hist(scores[labels == name], bins=bins, histtype="step", color=colour,
                    linewidth=1.4, label=name)
    else:
        ax.hist(scores, bins=bins, color="#1f77b4", label="all objects")
    ax.axvline(threshold, color="#d62728", linestyle="--", linewidth=1.2,
               label=f"top {top} (score >= {threshold:.4g})")
    ax.set_yscale("log")
    ax.set_xlabel("anomaly score (higher = more unusual)")
    ax.set_ylabel("objects")
    ax.legend(fontsize=7, loc="upper right")
    return fig


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------


_DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _palette_png(match: re.Match) -> str:
    """Re-encode an embedded figure PNG with a 256-colour palette (about 3x smaller)."""
    from PIL import Image

    picture = Image.open(io.BytesIO(base64.b64decode(match.group(1)))).convert("RGB")
    quantized = picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                 dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG", optimize=True)
    return 'src="data:image/png;base64,' + base64.b64encode(buffer.getvalue()).decode("ascii") \
        + '"'


class _ExplorePage(Report):
    """A :class:`Report` that also takes raw HTML blocks and has the explore page's style.

    Blocks added by the report's own methods (the figures) get palette PNGs: a scatter of
    20,000 coloured points or a tiling of noisy cutouts compresses badly as 32-bit RGBA.
    """

    def _add(self, block: str) -> _ExplorePage:
        super()._add(_DATA_PNG.sub(_palette_png, block))
        return self

    def raw(self, block: str) -> _ExplorePage:
        """Add an HTML block as it is (built here from escaped values only)."""
        super()._add(block)
        return self

    def to_html(self) -> str:
        text = super().to_html()
        return text.replace("</style>", _EXTRA_CSS + "</style>", 1)


def _format_score(value: float) -> str:
    return f"{value:.4g}"


def _card(rank: int, identifier: str, score: float, uri: str, width: int, height: int,
          methods: dict[str, float], label: str | None) -> str:
    method_text = ", ".join(
        f"{_esc(name)} #{int(value)}" if np.isfinite(value) else f"{_esc(name)} n/a"
        for name, value in methods.items())
    alt = _esc(f"rank {rank}: {identifier}")
    parts = [
        f'<div class="card" data-id="{_esc(identifier)}" data-rank="{rank}">',
        f'<img alt="{alt}" width="{width}" height="{height}" src="{uri}">',
        f'<div><span class="rank">#{rank}</span> <span class="id">{_esc(identifier)}</span>'
        "</div>",
        f'<div class="score">score {_esc(_format_score(score))}</div>',
    ]
    if method_text:
        parts.append(f'<div class="methods">ranks: {method_text}</div>')
    if label:
        parts.append(f'<div><span class="label">{_esc(label)}</span></div>')
    parts.append(
        '<div class="buttons">'
        '<button type="button" class="yes" data-label="1" '
        'title="interesting: I want more like this">interesting</button>'
        '<button type="button" class="no" data-label="0" '
        'title="boring: an artefact or an ordinary object">boring</button>'
        "</div></div>")
    return "".join(parts)


def _toolbar(page_key: str) -> str:
    return (
        f'<div class="toolbar" id="decisions" data-page-key="{_esc(page_key)}">'
        '<span id="decision-count">0 interesting, 0 boring</span>'
        '<a id="download-decisions" class="download empty" download="decisions.csv" '
        'href="data:text/csv;charset=utf-8,id%2Clabel%0A">download decisions.csv</a>'
        '<button type="button" id="clear-decisions">clear all</button>'
        "</div>"
        "<noscript><p><strong>JavaScript is off:</strong> the buttons need it. Write "
        "decisions.csv by hand instead (columns id,label; 1 = interesting, 0 = boring)."
        "</p></noscript>")


def _howto(top: int) -> str:
    return (
        '<div class="howto"><p><strong>How to use this page.</strong></p><ol>'
        f"<li>Look through the {top} most unusual cutouts below (rank 1 first); the map and "
        "the histogram further down show where they sit in the whole set.</li>"
        "<li>Mark the ones you have an opinion on: <em>interesting</em> (the kind of object "
        "you are looking for) or <em>boring</em> (an artefact, a star, an ordinary galaxy: "
        "something you want fewer of). Click a button again to undo. Decisions are kept in "
        "this browser if you reload the page.</li>"
        "<li>Click <em>download decisions.csv</em> in the bar at the top (columns "
        "<code>id,label</code>; 1 = interesting, 0 = boring) and rank again with "
        "<code>astrolearn anomalies score ... --decisions decisions.csv</code>: objects like "
        "your interesting ones rise, objects like your boring ones sink.</li>"
        "</ol></div>")


def write_explore_page(
    scores: pd.DataFrame,
    images: np.ndarray,
    out: str | Path,
    *,
    features: Any = None,
    embedding: Any = None,
    top: int = 60,
    title: str = "Anomaly search",
    labels: Any = None,
    stretch: str = "auto",
    random_state: int | None = 0,
    file: str | Path | None = None,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Write the self-contained explore page of an anomaly ranking.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per cutout, in the order of ``images`` (by position; the index is ignored):
        ``id`` and ``score`` (higher = more unusual) are required; optional ``rank``
        (1 = most unusual; used for the order when present, else the score is), per-method
        ``score_<method>`` / ``rank_<method>`` columns (their ranks are shown on each
        thumbnail) and ``label`` or ``kind`` (truth, when known). Not modified.
    images : array of shape (n, bands, height, width)
        The cutouts (float32 NCHW; linear fluxes or values already stretched to [0, 1]).
        Not modified.
    out : str or Path
        The HTML file; written atomically (parent folders are created).
    features : array or DataFrame of shape (n, d), optional
        Features to map with UMAP (e.g. a scorer's ``features(images)``). Default: the
        (at most 30) principal components of the displayed pixels, box-averaged to at most
        32 x 32. Ignored when ``embedding`` is given.
    embedding : array of shape (n, 2), optional
        A precomputed map (e.g. from :func:`explore_embedding`), to skip the UMAP.
    top : int
        Number of top-ranked cutouts shown as thumbnails (at most n).
    title : str
        Title of the page.
    labels : str or array of shape (n,), optional
        A column of ``scores`` or one label per row, shown on the thumbnails, counted, and
        used to colour a second map panel. Default: the ``label`` or else the ``kind``
        column when there is one.
    stretch : {"auto", "arcsinh", "none"}
        Display stretch (see :func:`display_images`).
    random_state : int or None
        Seed of the PCA and the UMAP.
    file : str or Path, optional
        The file the scores came from, named in errors.
    say : callable, optional
        Receives progress lines (e.g. ``print``), such as the UMAP time.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    AstrolearnInputError
        Missing ``id``/``score`` column, NaN scores, duplicate ids, images that do not match
        the rows, bad ``features``/``embedding``/``labels``/``top``/``stretch``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rng = np.random.default_rng(1)
    >>> scores = pd.DataFrame({"id": ["a", "b", "c", "d", "e"], "score": [0.1, 5, 2, 0.3, 1]})
    >>> out = write_explore_page(scores, rng.normal(size=(5, 1, 8, 8)),
    ...                          pathlib.Path(tempfile.mkdtemp()) / "p.html", top=2,
    ...                          embedding=rng.normal(size=(5, 2)))
    >>> text = out.read_text(encoding="utf-8")
    >>> text.index('data-id="b"') < text.index('data-id="c"'), 'data-id="a"' in text
    (True, False)
    """
    frame, ids, values = _check_scores(scores, file)
    n = len(frame)
    array = _check_images(images)
    if len(array) != n:
        raise AstrolearnInputError(
            f"{len(array)} images for {n} rows of scores", file=file,
            fix="pass the same cutouts, in the same order, as were scored (one image per "
            "row of the scores table)")
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise AstrolearnInputError(f"top must be a positive integer, got {top!r}",
                                   fix="use e.g. top=60")
    top = int(min(top, n))
    mode = _resolve_stretch(array, stretch)
    order = _order(frame, values, file)
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(1, n + 1)
    methods = _methods(frame)
    method_ranks = _method_ranks(frame, methods)
    label_values = _labels(frame, labels, n, file)

    # the map
    start = time.perf_counter()
    if embedding is not None:
        coords = _coordinates(embedding, n, "embedding")
        map_source = "a precomputed 2-D embedding"
        axis_name = "embedding"
    else:
        if features is not None:
            feature_values = features if isinstance(features, pd.DataFrame) \
                else np.asarray(features)  # a DataFrame keeps its column names for errors
            if feature_values.ndim != 2 or len(feature_values) != n:
                raise AstrolearnInputError(
                    f"features must have one row per score row ({n}), got shape "
                    f"{feature_values.shape}", fix="pass features of the same cutouts, in "
                    "the same order")
            source_text = f"the {feature_values.shape[1]} given features"
        else:
            if say is not None:
                say(f"explore: principal components of the pixels of {n:,} cutouts")
            feature_values = _pixel_pca(array, mode, random_state)
            source_text = (f"the {feature_values.shape[1]} principal components of the "
                           "displayed pixels")
        if n >= 5:
            if say is not None:
                say(f"explore: UMAP of {n:,} objects x {feature_values.shape[1]} features")
            coords = explore_embedding(feature_values, random_state=random_state)
            axis_name = "UMAP"
            map_source = (f"a UMAP (n_neighbors 15, seed {random_state}) of {source_text}")
        else:  # too few objects for UMAP: the first two components are the map
            from astrolearn.explore.embedding import feature_matrix

            checked, _ = feature_matrix(feature_values, min_rows=0, fix=_FEATURE_FIX)
            coords = np.zeros((n, 2))
            k = min(2, checked.shape[1])
            coords[:, :k] = checked[:, :k]
            axis_name = "feature"
            map_source = f"the first two of {source_text} (too few objects for UMAP)"
    map_seconds = time.perf_counter() - start
    if say is not None and embedding is None:
        say(f"explore: map made in {map_seconds:.1f} s")

    # the page
    top_rows = order[:top]
    key_source = "\n".join([str(title), *ids[top_rows]]).encode("utf-8")
    page_key = hashlib.sha1(key_source).hexdigest()[:16]
    page = _ExplorePage(title)
    methods_text = (f" Methods: {', '.join(methods)}; the score combines their ranks."
                    if len(methods) > 1 else f" Method: {methods[0]}." if methods else "")
    order_text = "the rank column" if "rank" in frame.columns else "score, highest first"
    page.paragraph(
        f"{n:,} cutouts ranked by how unusual they are (order: {order_text}).{methods_text} "
        f"The {top} most unusual are shown first; their decision buttons feed the next "
        "ranking.")
    page.raw(_toolbar(page_key))
    page.raw(_howto(top))

    page.section(f"Top {top} candidates",
                 "Rank, id and score of each cutout"
                 + (", the rank each method gave it" if methods else "")
                 + (", and its known label" if label_values is not None else "")
                 + f". Display: {'arcsinh stretch per image' if mode == 'arcsinh' else 'as given'}"
                 ", row 0 at the top.")
    shown = display_images(array[top_rows], stretch=mode)
    cards = []
    for position, row in enumerate(top_rows):
        uri, width, height = _thumbnail_png(shown[position])
        cards.append(_card(position + 1, ids[row], float(values[row]), uri, width, height,
                           {m: float(method_ranks[m][row]) for m in method_ranks},
                           None if label_values is None else label_values[row] or None))
    page.raw('<div class="grid">' + "\n".join(cards) + "</div>")
    page.raw('<p class="note">The CSV the download link gives (select and copy it if the '
             "link does not work in your browser):</p>"
             '<textarea id="decisions-csv" readonly rows="4" cols="40" '
             'aria-label="decisions.csv">id,label\n</textarea>')

    page.section("Map of the whole set",
                 f"Every object placed by {map_source}. Neighbours on the map look alike; "
                 "distances between separated groups and the sizes of groups carry little "
                 f"meaning. Circled and numbered: the top {top} (numbers are ranks).")
    page.figure(_map_figure(coords, order, top, label_values, axis_name),
                caption=f"Map of the {n:,} objects coloured by score percentile"
                + (" and by label" if label_values is not None else ""), dpi=90)
    page.figure(_tiled_map_figure(coords, array, mode, rank_of, top, axis_name),
                caption=f"The same map cut into {_MAP_CELLS} x {_MAP_CELLS} cells, each "
                "showing the object nearest its centre; red frames: cutouts in the top "
                f"{top}, red dots: positions of the top {top}.", dpi=90)
    if embedding is None:
        page.paragraph(f"Map computed in {map_seconds:.1f} s.")

    page.section("Score distribution")
    threshold = float(values[top_rows[-1]])
    page.figure(_histogram_figure(values, threshold, top, label_values),
                caption=f"Scores of all {n:,} objects; dashed: the score of rank {top}.",
                dpi=90)
    page.metrics({"objects": n, "shown": top, "highest score": float(values[order[0]]),
                  f"score of rank {top}": threshold,
                  "median score": float(np.median(values))}, float_format="{:.4g}")
    if label_values is not None:
        table = pd.DataFrame({"label": label_values, "top": rank_of <= top})
        counts = table.groupby("label", sort=False)["top"].agg(["sum", "size"])
        counts = counts.sort_values(["sum", "size"], ascending=False)
        summary = pd.DataFrame({
            "label": [str(v) if v else "(none)" for v in counts.index],
            f"in top {top}": counts["sum"].astype(int).to_numpy(),
            "in the whole set": counts["size"].astype(int).to_numpy(),
            "fraction in the top": (counts["sum"] / counts["size"]).to_numpy(dtype=float),
        })
        page.table(summary, caption=f"Labels among the top {top} and in the whole set",
                   max_rows=50)
    page.raw(f"<script>{_SCRIPT}</script>")
    return page.write(out)
