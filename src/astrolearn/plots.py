"""Field-standard figures: confusion matrices, purity/completeness curves, reliability
diagrams, colour-colour diagrams and class-probability histograms.

Every function builds a :class:`matplotlib.figure.Figure` directly, without ``pyplot``: no
global figure registry, no backend switch, no window, so the functions are safe in
scripts, tests, threads and on headless machines. Save with ``fig.savefig("out.png")`` or
embed in an HTML report with :meth:`astrolearn.report.Report.figure`. The inputs are the
tables returned by :mod:`astrolearn.metrics`, so a figure can always be redrawn from the
numbers it shows.

Each class keeps one colour across all figures (the order of ``classes``, cycling through
matplotlib's ``tab10``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "class_colours",
    "plot_binned_purity_completeness",
    "plot_class_probability_histograms",
    "plot_colour_colour",
    "plot_confusion_matrix",
    "plot_reliability",
]

_TAB10 = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]


def class_colours(classes: Sequence[Any]) -> dict[Any, str]:
    """Map each class to a colour, in order, cycling through matplotlib's ``tab10``.

    Examples
    --------
    >>> class_colours(["GALAXY", "QSO"])
    {'GALAXY': '#1f77b4', 'QSO': '#ff7f0e'}
    """
    return {c: _TAB10[i % len(_TAB10)] for i, c in enumerate(classes)}


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AstrolearnInputError(
            f"{what} must be a pandas DataFrame, got {type(frame).__name__}",
            fix="pass the table returned by the matching astrolearn.metrics function",
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AstrolearnInputError(
            f"{what} lacks the columns {missing}",
            column=missing[0],
            fix="pass the table returned by the matching astrolearn.metrics function",
        )


def figure_and_axes(ax: Any, figsize: tuple[float, float] | None) -> tuple[Figure, Any]:
    """A new figure with one axes (``ax`` None), or ``ax`` and its figure, checked.

    For figure functions that draw into a caller's axes when given one.
    """
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
        raise AstrolearnInputError(f"ax must be a matplotlib Axes, got {type(ax).__name__}",
                                   fix="pass fig.add_subplot() or leave ax out")
    return ax.figure, ax


def _grid(n: int, max_cols: int = 4) -> tuple[int, int]:
    ncols = min(n, max_cols)
    return int(np.ceil(n / ncols)), ncols


# ---------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------


def plot_confusion_matrix(conf: pd.DataFrame, title: str | None = None) -> Figure:
    """Draw a confusion matrix, coloured by the row-normalised fraction.

    Parameters
    ----------
    conf : pandas.DataFrame
        Output of :func:`astrolearn.metrics.confusion_matrix`: rows true classes, columns
        predicted classes. With counts, every cell shows the count and the fraction of its
        row (the completeness on the diagonal); an already normalised matrix shows its
        values.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        One matrix axes and one colour-bar axes.

    Examples
    --------
    >>> from astrolearn.metrics import confusion_matrix
    >>> fig = plot_confusion_matrix(confusion_matrix(["a", "b", "b"], ["a", "b", "a"]))
    >>> len(fig.axes)
    2
    """
    if not isinstance(conf, pd.DataFrame) or conf.shape[0] != conf.shape[1] or conf.empty:
        raise AstrolearnInputError(
            "conf must be a square, non-empty DataFrame (rows true, columns predicted)",
            fix="pass the output of astrolearn.metrics.confusion_matrix",
        )
    values = conf.to_numpy(dtype=float)
    # Counts: an integer table, or whole non-negative numbers above 1 (fractions never are).
    is_counts = all(pd.api.types.is_integer_dtype(d) for d in conf.dtypes) or bool(
        np.isfinite(values).all()
        and (values == np.round(values)).all()
        and (values >= 0).all()
        and values.max() > 1
    )
    if is_counts:
        totals = values.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            fractions = np.where(totals > 0, values / totals, np.nan)
    else:
        fractions = values
    k = values.shape[0]
    size = max(3.5, 0.9 * k + 2.0)
    fig = Figure(figsize=(size + 1.0, size), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(fractions), cmap="Blues", vmin=0.0, vmax=1.0)
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("fraction of true class" if is_counts else "value")
    for i in range(k):
        for j in range(k):
            frac = fractions[i, j]
            if is_counts:
                text = f"{int(values[i, j])}"
                if np.isfinite(frac):
                    text += f"\n{frac:.2f}"
            else:
                text = "n/a" if not np.isfinite(values[i, j]) else f"{values[i, j]:.2f}"
            dark = np.isfinite(frac) and frac > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.set_xticks(range(k), [str(c) for c in conf.columns], rotation=45, ha="right")
    ax.set_yticks(range(k), [str(c) for c in conf.index])
    ax.set_xlabel(str(conf.columns.name or "predicted"))
    ax.set_ylabel(str(conf.index.name or "true"))
    if title:
        ax.set_title(title)
    return fig


def _bin_centres(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Bin centres; a bin with one infinite edge is drawn at its finite edge."""
    with np.errstate(invalid="ignore"):
        centre = 0.5 * (low + high)
    centre = np.where(np.isinf(low) & np.isfinite(high), high, centre)
    return np.where(np.isinf(high) & np.isfinite(low), low, centre)


def plot_binned_purity_completeness(
    binned: pd.DataFrame, xlabel: str = "r magnitude"
) -> Figure:
    """Draw purity (solid) and completeness (dashed) of every class against the bin centre.

    Parameters
    ----------
    binned : pandas.DataFrame
        Output of :func:`astrolearn.metrics.binned_purity_completeness`.
    xlabel : str
        Label of the binned quantity.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with two lines per class. Bins without objects leave gaps; a bin with an
        infinite edge is drawn at its finite edge.

    Examples
    --------
    >>> from astrolearn.metrics import binned_purity_completeness
    >>> table = binned_purity_completeness(["a", "b"], ["a", "a"], [17, 19], bins=[16, 18, 20])
    >>> len(plot_binned_purity_completeness(table).axes[0].lines)
    4
    """
    _require(binned, ["bin_low", "bin_high", "class", "purity", "completeness"], "binned")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    classes = sorted(pd.unique(binned["class"]), key=str)  # same colours as other figures
    colours = class_colours(classes)
    for name in classes:
        rows = binned[binned["class"] == name].sort_values("bin_low")
        x = _bin_centres(rows["bin_low"].to_numpy(float), rows["bin_high"].to_numpy(float))
        colour = colours[name]
        ax.plot(x, rows["purity"].to_numpy(float), "-o", color=colour, markersize=3,
                label=f"{name} purity")
        ax.plot(x, rows["completeness"].to_numpy(float), "--s", color=colour, markersize=3,
                label=f"{name} completeness")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("purity (solid) / completeness (dashed)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncols=max(1, len(classes) // 3 + (len(classes) % 3 > 0)))
    return fig


def plot_reliability(curve: pd.DataFrame) -> Figure:
    """Draw a reliability diagram per class (observed fraction against mean prediction).

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`astrolearn.metrics.reliability_curve`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per class, each with the diagonal (perfect calibration, grey dotted) and the
        curve; marker areas grow with the number of objects in the bin.

    Examples
    --------
    >>> from astrolearn.metrics import reliability_curve
    >>> curve = reliability_curve(["a", "b"], [[0.8, 0.2], [0.3, 0.7]], ["a", "b"])
    >>> [len(ax.lines) for ax in plot_reliability(curve).axes]
    [2, 2]
    """
    _require(curve, ["class", "mean_predicted", "observed_fraction", "count"], "curve")
    classes = sorted(pd.unique(curve["class"]), key=str)
    if not classes:
        raise AstrolearnInputError("curve is empty", fix="compute it from at least one object")
    colours = class_colours(classes)
    nrows, ncols = _grid(len(classes))
    fig = Figure(figsize=(3.2 * ncols, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax in axes[len(classes):]:
        fig.delaxes(ax)
    for ax, name in zip(axes, classes, strict=False):
        rows = curve[curve["class"] == name].sort_values("mean_predicted")
        ax.plot([0, 1], [0, 1], ":", color="grey", label="calibrated")
        ax.plot(rows["mean_predicted"], rows["observed_fraction"], "-", color=colours[name])
        count = rows["count"].to_numpy(float)
        ax.scatter(rows["mean_predicted"], rows["observed_fraction"], color=colours[name],
                   s=10 + 60 * count / max(count.max(), 1), zorder=3)
        ax.set_title(str(name))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    for ax in axes[: len(classes)]:
        if ax.get_subplotspec().is_last_row():
            ax.set_xlabel("mean predicted probability")
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("observed fraction")
    return fig


def plot_class_probability_histograms(
    proba: Any, classes: Sequence[Any], y_true: Any, bins: int = 20
) -> Figure:
    """Histogram of each class probability, split by true class.

    Panel *c* shows the distribution of ``P(c)`` for the objects of every true class, on a
    logarithmic count axis: a good classifier piles its own class near 1 and the others
    near 0.

    Parameters
    ----------
    proba : array-like of shape (n, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : sequence
        Class names.
    y_true : array-like of shape (n,)
        True labels.
    bins : int
        Number of equal-width bins on [0, 1].

    Returns
    -------
    matplotlib.figure.Figure
        One axes per class.

    Examples
    --------
    >>> fig = plot_class_probability_histograms([[0.9, 0.1], [0.2, 0.8]], ["a", "b"], ["a", "b"])
    >>> len(fig.axes)
    2
    """
    from astrolearn.metrics import _proba_inputs

    codes, p, index = _proba_inputs(y_true, proba, classes)
    colours = class_colours(list(index))
    nrows, ncols = _grid(len(index))
    fig = Figure(figsize=(3.4 * ncols, 2.8 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax in axes[len(index):]:
        fig.delaxes(ax)
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    for c, (ax, name) in enumerate(zip(axes, index, strict=False)):
        for t, true_name in enumerate(index):
            values = p[codes == t, c]
            if len(values):
                ax.hist(values, bins=edges, histtype="step", color=colours[true_name],
                        label=f"true {true_name}")
        ax.set_yscale("log")
        ax.set_xlabel(f"P({name})")
        ax.set_xlim(0, 1)
    axes[0].set_ylabel("objects")
    axes[0].legend(fontsize="small")
    return fig


# ---------------------------------------------------------------------------------------
# Catalogs
# ---------------------------------------------------------------------------------------


def _colour(frame: pd.DataFrame, spec: str | Sequence[str]) -> tuple[np.ndarray, str]:
    if isinstance(spec, str):
        names = [spec]
    else:
        names = list(spec)
        if len(names) != 2:
            raise AstrolearnInputError(
                f"a colour is two bands, got {names}", fix="pass e.g. x=('g', 'r')"
            )
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise AstrolearnInputError(
            f"the table has no column {missing[0]!r}",
            column=missing[0],
            fix=f"name magnitude columns present in the table: {list(map(str, frame.columns))}",
        )
    try:
        columns = [pd.to_numeric(frame[n], errors="raise").to_numpy(float) for n in names]
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "a magnitude column is not numeric", column=str(names[0]),
            fix="pass numeric magnitude columns",
        ) from exc
    if len(columns) == 1:
        return columns[0], names[0]
    return columns[0] - columns[1], f"{names[0]} - {names[1]}"


def plot_colour_colour(
    frame: pd.DataFrame,
    x: str | Sequence[str] = ("g", "r"),
    y: str | Sequence[str] = ("r", "i"),
    label_column: str | None = "class",
    max_points: int = 20000,
    random_state: int = 0,
) -> Figure:
    """Colour-colour diagram, one colour of points per class.

    Parameters
    ----------
    frame : pandas.DataFrame
        Catalog with magnitude columns.
    x, y : pair of str, or str
        Colours as ``(band1, band2)`` for ``band1 - band2``, or a single column plotted as
        is (e.g. a pre-computed colour).
    label_column : str or None
        Column holding the class of each object; ``None`` draws all objects in one colour.
    max_points : int
        At most this many objects are drawn, a uniform random subsample chosen with
        ``random_state`` (the same figure every time). The title says when objects were
        subsampled or lacked a finite colour (missing magnitudes are not drawn).
    random_state : int
        Seed of the subsample.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one scatter collection per class.

    Examples
    --------
    >>> cat = pd.DataFrame({"g": [20.0, 21.0], "r": [19.5, 20.0], "i": [19.2, 19.3],
    ...                     "class": ["STAR", "QSO"]})
    >>> len(plot_colour_colour(cat).axes[0].collections)
    2
    """
    if not isinstance(frame, pd.DataFrame):
        raise AstrolearnInputError(
            f"frame must be a pandas DataFrame, got {type(frame).__name__}",
            fix="read the catalog with astrolearn.io.read_table",
        )
    if max_points < 1:
        raise AstrolearnInputError(f"max_points must be positive, got {max_points}",
                                   fix="pass e.g. max_points=20000")
    xv, xlabel = _colour(frame, x)
    yv, ylabel = _colour(frame, y)
    if label_column is not None:
        if label_column not in frame.columns:
            raise AstrolearnInputError(
                f"the table has no label column {label_column!r}", column=label_column,
                fix="pass label_column=<name of the class column>, or None",
            )
        labels = frame[label_column].to_numpy()
    else:
        labels = np.full(len(frame), "all", dtype=object)
    good = np.isfinite(xv) & np.isfinite(yv) & ~pd.isna(labels)
    n_bad = int((~good).sum())
    keep = np.flatnonzero(good)
    subsampled = len(keep) > max_points
    if subsampled:
        rng = np.random.default_rng(random_state)
        keep = np.sort(rng.choice(keep, size=max_points, replace=False))
    fig = Figure(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.add_subplot()
    try:
        classes = sorted(pd.unique(labels[good]))
    except TypeError:
        classes = list(pd.unique(labels[good]))
    colours = class_colours(classes)
    size = 4 if len(keep) > 2000 else 10
    for name in classes:
        sel = keep[labels[keep] == name]
        ax.scatter(xv[sel], yv[sel], s=size, alpha=0.5, color=colours[name], linewidths=0,
                   label=f"{name} ({len(sel)})", rasterized=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    notes = []
    if subsampled:
        notes.append(f"{max_points} of {int(good.sum())} objects shown (random subsample)")
    if n_bad:
        notes.append(f"{n_bad} without finite colours or label not shown")
    if notes:
        ax.set_title("; ".join(notes), fontsize="small")
    if label_column is not None and classes:
        ax.legend(fontsize="small", markerscale=2)
    ax.grid(alpha=0.3)
    return fig
