"""Figures of embeddings and clusters of catalog feature space.

* :func:`plot_embedding_pair` -- the same 2-D embedding drawn once per colouring, side by side
  (the classic pair: coloured by a magnitude and by the spectroscopic class);
* :func:`plot_embedding_overlay` -- where a second set of points (e.g. inference rows placed
  with :meth:`astrolearn.explore.embedding.Embedding.transform`) falls on the first;
* :func:`plot_clusters` -- cluster labels on a 2-D projection, noise (label -1) in grey.

Like :mod:`astrolearn.plots`, every function builds a :class:`matplotlib.figure.Figure`
without ``pyplot``. Points are small and translucent and, above
:data:`RASTERIZE_ABOVE` points, rasterized, so a PDF or SVG of 10^5 points stays small.
Points are drawn in a seeded random order, so no class or cluster is hidden under another
just because it was drawn last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from astrolearn.errors import AstrolearnInputError
from astrolearn.plots import class_colours

__all__ = [
    "MAX_CATEGORIES",
    "RASTERIZE_ABOVE",
    "is_categorical",
    "plot_clusters",
    "plot_embedding_overlay",
    "plot_embedding_pair",
]

#: Numeric values with at most this many distinct whole numbers are drawn as categories.
MAX_CATEGORIES = 12
#: Scatter plots with more points than this are rasterized inside vector files.
RASTERIZE_ABOVE = 5000
_MISSING_COLOUR = "#b0b0b0"


def _coords(coords: Any, what: str = "coords") -> np.ndarray:
    try:
        array = np.asarray(coords, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(f"{what} must be numeric", fix="pass an (n, 2) array") from exc
    if array.ndim != 2 or array.shape[1] < 2 or len(array) == 0:
        raise AstrolearnInputError(
            f"{what} must have shape (n, 2), got {array.shape}",
            fix="pass the .coords of an Embedding (or any (n, 2) array)",
        )
    return array[:, :2]


def _values(values: Any, n: int, name: str) -> np.ndarray:
    array = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if array.ndim != 1 or len(array) != n:
        raise AstrolearnInputError(
            f"the values to colour by have shape {array.shape}, the points number {n}",
            column=str(name),
            fix="give one value per point (the same rows as the embedding)",
        )
    return array


def is_categorical(values: Any) -> bool:
    """Whether ``values`` are drawn as categories (legend) rather than a colour map.

    Strings, objects, booleans and pandas categoricals are categories; so are numbers when
    every finite value is a whole number and there are at most :data:`MAX_CATEGORIES` of
    them (cluster labels, integer class codes). Anything else is continuous.

    Examples
    --------
    >>> is_categorical(["STAR", "QSO"]), is_categorical([0, 1, 1, -1]), is_categorical([19.2, 20.1])
    (True, True, False)
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return True
    array = np.asarray(values)
    if array.dtype.kind in "OUSb":
        return True
    if array.dtype.kind not in "iuf":
        return True
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    if len(finite) == 0:
        return False
    distinct = np.unique(finite)
    return bool(len(distinct) <= MAX_CATEGORIES and np.all(distinct == np.round(distinct)))


def _missing(array: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(array), dtype=bool)


def _sorted_categories(values: np.ndarray) -> list[Any]:
    unique = list(pd.unique(values))
    try:
        return sorted(unique)
    except TypeError:
        return sorted(unique, key=str)


def _point_style(n: int) -> dict[str, Any]:
    return {"s": 2 if n > 20000 else 4 if n > 2000 else 10, "linewidths": 0,
            "rasterized": n > RASTERIZE_ABOVE}


def _legend_scale(style: dict[str, Any]) -> float:
    """Legend markers of scatter points large enough to see the colour."""
    return max(1.0, 6.0 / float(np.sqrt(style["s"])))


def _order(n: int, random_state: int) -> np.ndarray:
    return np.random.default_rng(random_state).permutation(n)


def _draw_categorical(ax, xy: np.ndarray, values: np.ndarray, order: np.ndarray,
                      alpha: float, *, grey: Any = None, legend_max: int = 20) -> None:
    """One scatter for all points (random order), colours per category, legend by proxies."""
    missing = _missing(values) if values.dtype.kind in "Of" else np.zeros(len(values), bool)
    if grey is not None:
        missing |= values == grey
    categories = _sorted_categories(values[~missing])
    colours = class_colours(categories)
    rgba = np.empty((len(values), 4))
    rgba[:] = to_rgba(_MISSING_COLOUR)
    for name in categories:
        rgba[(values == name) & ~missing] = to_rgba(colours[name])
    rgba[:, 3] = alpha
    ax.scatter(xy[order, 0], xy[order, 1], c=rgba[order], **_point_style(len(xy)))
    handles = [Line2D([], [], ls="", marker="o", color=colours[name],
                      label=f"{name} ({int(((values == name) & ~missing).sum())})")
               for name in categories]
    if missing.any():
        label = "noise" if grey is not None else "missing"
        handles.append(Line2D([], [], ls="", marker="o", color=_MISSING_COLOUR,
                              label=f"{label} ({int(missing.sum())})"))
    if 0 < len(handles) <= legend_max:
        ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.8,
                  handletextpad=0.2, borderpad=0.3, labelspacing=0.3)


def _draw_continuous(fig, ax, xy: np.ndarray, values: np.ndarray, order: np.ndarray,
                     alpha: float, name: str) -> None:
    """Colour map clipped to the 1st-99th percentiles; NaN/inf in grey underneath."""
    values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    finite = np.isfinite(values)
    style = _point_style(len(xy))
    if (~finite).any():
        ax.scatter(xy[~finite, 0], xy[~finite, 1], color=_MISSING_COLOUR, alpha=alpha,
                   label=f"no value ({int((~finite).sum())})", **style)
        ax.legend(fontsize="small", loc="best", framealpha=0.8, markerscale=_legend_scale(style))
    if not finite.any():
        return
    vmin, vmax = np.percentile(values[finite], [1.0, 99.0])
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    keep = order[finite[order]]
    image = ax.scatter(xy[keep, 0], xy[keep, 1], c=values[keep], cmap="viridis", vmin=vmin,
                       vmax=vmax, alpha=alpha, **style)
    extend = ("both" if (values[finite] < vmin).any() and (values[finite] > vmax).any() else
              "min" if (values[finite] < vmin).any() else
              "max" if (values[finite] > vmax).any() else "neither")
    bar = fig.colorbar(image, ax=ax, shrink=0.85, extend=extend, pad=0.01)
    bar.solids.set(alpha=1)
    bar.set_label(name)


def _finish_axes(ax, axis_labels: Sequence[str]) -> None:
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.tick_params(labelsize="small")


def plot_embedding_pair(
    coords: Any,
    colours: Mapping[str, Any],
    *,
    title: str | None = None,
    axis_labels: Sequence[str] = ("embedding 1", "embedding 2"),
    alpha: float = 0.6,
    random_state: int = 0,
) -> Figure:
    """Draw one 2-D embedding once per colouring, the panels side by side.

    Parameters
    ----------
    coords : array-like of shape (n, 2)
        The embedding (e.g. :attr:`Embedding.coords`).
    colours : mapping of str to array-like of shape (n,)
        Panel title -> the value of every point. Continuous values use the ``viridis`` colour
        map with a colour bar, limited to their 1st-99th percentiles (the bar shows an arrow
        when values lie beyond); NaN/inf are drawn grey. Categorical values (see
        :func:`is_categorical`) use :func:`astrolearn.plots.class_colours` and a legend with
        the count of each category; missing values are drawn grey.
    title : str, optional
        Figure title.
    axis_labels : pair of str
        Axis labels (t-SNE and UMAP axes have no physical meaning).
    alpha : float
        Opacity of the points.
    random_state : int
        Seed of the drawing order.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per entry of ``colours``, plus one colour-bar axes per continuous entry.

    Examples
    --------
    >>> xy = np.random.default_rng(0).normal(size=(50, 2))
    >>> fig = plot_embedding_pair(xy, {"r": np.linspace(17, 21, 50), "class": ["STAR"] * 50})
    >>> len(fig.axes)
    3
    """
    xy = _coords(coords)
    if not isinstance(colours, Mapping) or len(colours) == 0:
        raise AstrolearnInputError(
            "colours must be a non-empty mapping of panel names to values",
            fix="pass e.g. {'r': frame['r'], 'class': frame['class']}",
        )
    order = _order(len(xy), random_state)
    k = len(colours)
    fig = Figure(figsize=(4.6 * k + 0.8, 4.6), layout="constrained")
    axes = fig.subplots(1, k, squeeze=False, sharex=True, sharey=True)[0]
    for ax, (name, values) in zip(axes, colours.items(), strict=True):
        array = _values(values, len(xy), name)
        if is_categorical(values):
            _draw_categorical(ax, xy, array, order, alpha)
        else:
            _draw_continuous(fig, ax, xy, array, order, alpha, str(name))
        ax.set_title(str(name))
        _finish_axes(ax, axis_labels)
    if title:
        fig.suptitle(title)
    return fig


def plot_embedding_overlay(
    train_coords: Any,
    other_coords: Any,
    *,
    labels: Sequence[str] = ("training", "inference"),
    highlight: Any = None,
    title: str | None = None,
    axis_labels: Sequence[str] = ("embedding 1", "embedding 2"),
) -> Figure:
    """Show where a second set of points falls on an embedding of the first.

    The first set (e.g. the training rows the embedding was fitted on) is drawn in light
    grey; the second (e.g. inference rows placed with ``Embedding.transform``) on top in
    colour. Regions holding only the second colour are feature space the training set does
    not cover.

    Parameters
    ----------
    train_coords, other_coords : array-like of shape (n, 2) and (m, 2)
        The two sets, in the same embedding.
    labels : pair of str
        Legend names of the two sets.
    highlight : array-like of bool of shape (m,), or of int indices, optional
        Points of the second set to emphasise (e.g. flagged as outside the training
        coverage): drawn larger, in red, and counted in the legend.
    title : str, optional
        Axes title.
    axis_labels : pair of str
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_embedding_overlay(rng.normal(size=(80, 2)), rng.normal(size=(20, 2)) + 3,
    ...                              highlight=[0, 1])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['training (80)', 'inference (20)', 'inference, highlighted (2)']
    """
    train = _coords(train_coords, "train_coords")
    other = _coords(other_coords, "other_coords")
    if len(labels) != 2:
        raise AstrolearnInputError(f"labels must be two names, got {list(labels)}",
                                   fix="pass e.g. labels=('training', 'inference')")
    mask = np.zeros(len(other), dtype=bool)
    if highlight is not None:
        chosen = np.asarray(highlight)
        if chosen.dtype == bool:
            if chosen.shape != (len(other),):
                raise AstrolearnInputError(
                    f"highlight has {chosen.shape} values for {len(other)} points",
                    fix="give one boolean per point of other_coords, or a list of indices")
            mask = chosen
        elif chosen.size:
            if chosen.dtype.kind not in "iu" or chosen.min() < -len(other) or \
                    chosen.max() >= len(other):
                raise AstrolearnInputError(
                    "highlight indices must be integers within other_coords",
                    fix="give one boolean per point of other_coords, or a list of indices")
            mask[chosen] = True
    fig = Figure(figsize=(5.8, 5.2), layout="constrained")
    ax = fig.add_subplot()
    style = _point_style(len(train) + len(other))
    ax.scatter(train[:, 0], train[:, 1], color="#9a9a9a", alpha=0.35,
               label=f"{labels[0]} ({len(train)})", **style)
    ax.scatter(other[:, 0], other[:, 1], color="#1f77b4", alpha=0.7,
               label=f"{labels[1]} ({len(other)})", **style)
    if mask.any():
        ax.scatter(other[mask, 0], other[mask, 1], color="#d62728", alpha=0.9,
                   label=f"{labels[1]}, highlighted ({int(mask.sum())})",
                   **{**style, "s": 3 * style["s"]})
    ax.legend(fontsize="small", markerscale=_legend_scale(style), loc="best", framealpha=0.8)
    if title:
        ax.set_title(title)
    _finish_axes(ax, axis_labels)
    return fig


def plot_clusters(
    coords: Any,
    labels: Any,
    *,
    truth: Any = None,
    truth_name: str = "truth",
    title: str | None = None,
    axis_labels: Sequence[str] = ("embedding 1", "embedding 2"),
    random_state: int = 0,
) -> Figure:
    """Draw cluster labels on a 2-D projection; noise (label -1) in grey.

    Each cluster is numbered at its median position, so clusters stay identifiable when
    there are more than the ten colours of ``tab10`` (colours then repeat) or more than 20
    clusters (no legend is drawn).

    Parameters
    ----------
    coords : array-like of shape (n, 2)
        Projection (an embedding, or principal components).
    labels : array-like of shape (n,)
        Cluster of every point, -1 for noise (HDBSCAN).
    truth : array-like of shape (n,), optional
        Known labels (e.g. the spectroscopic class), drawn in a second panel beside the
        clusters; missing values in grey.
    truth_name : str
        Title of that panel.
    title : str, optional
        Figure title.
    axis_labels : pair of str
        Axis labels.
    random_state : int
        Seed of the drawing order.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, two with ``truth``.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [9.0, 0.0]])
    >>> fig = plot_clusters(xy, [0, 0, 1, -1])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['0 (2)', '1 (1)', 'noise (1)']
    >>> len(plot_clusters(xy, [0, 0, 1, -1], truth=["a", "a", "b", None]).axes)
    2
    """
    xy = _coords(coords)
    values = _values(labels, len(xy), "labels")
    panels = 1 if truth is None else 2
    fig = Figure(figsize=(5.4 * panels + 0.4, 5.2), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False, sharex=True, sharey=True)[0]
    order = _order(len(xy), random_state)
    ax = axes[0]
    grey = -1 if values.dtype.kind in "iuf" else None
    _draw_categorical(ax, xy, values, order, 0.6, grey=grey)
    for name in _sorted_categories(values):
        if (grey is not None and name == grey) or pd.isna(name):
            continue
        x, y = np.median(xy[values == name], axis=0)
        ax.text(x, y, str(name), ha="center", va="center", fontsize=9, weight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0})
    if truth is not None:
        ax.set_title("cluster")
        known = _values(truth, len(xy), truth_name)
        _draw_categorical(axes[1], xy, np.asarray(known, dtype=object), order, 0.6)
        axes[1].set_title(str(truth_name))
    for ax in axes:
        _finish_axes(ax, axis_labels)
    if title:
        fig.suptitle(title)
    return fig
