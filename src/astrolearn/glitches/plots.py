"""Figures of glitch classification: an example's Q-transform views and accuracy against SNR.

What each figure is for:

* :func:`plot_glitch_views`: one example's Gravity Spy views (Zevin et al. 2017) side by
  side, as the classifier sees them: time from the trigger on x (each panel spans its own
  window, -W/2 to +W/2), frequency on a log y axis, colour the normalised energy (viridis,
  one colour bar, 0 to 25.5 as in the Gravity Spy images). It is how a reader checks that a
  view is what it should be: a blip is a short broadband spike at t = 0, a whistle a steep
  line, scattered light arches below ~100 Hz, and for GW150914 the chirp rises from ~35 to
  ~300 Hz just before t = 0 (``mark_peak=True`` marks the brightest pixel of each panel).
* :func:`plot_accuracy_vs_snr`: the fraction of examples classified correctly in bins of the
  trigger SNR (Omicron SNR for Gravity Spy), with Wilson (1927) binomial intervals and the
  number of examples per bin. Accuracy rises with SNR because a loud glitch's morphology
  stands out of the noise; a flat or falling curve points to label noise or to a class that
  is only loud (Bahaadini et al. 2018 report accuracy per class; the SNR dependence is what
  decides whether a classifier can be trusted on the faint triggers of a new run).
  :func:`accuracy_by_snr` gives the numbers behind it as a table (also per class with
  ``by``), for benchmarks and reports.

A confusion matrix needs no function of its own: the shared figure takes the shared table,
``plot_confusion_matrix(confusion_matrix(truth, predicted, classes=classes))`` (with
:func:`astrolearn.plots.plot_confusion_matrix` and :func:`astrolearn.metrics.confusion_matrix`;
each cell shows the count and the fraction of its true class).

Accuracy intervals are Wilson score intervals (:func:`astrolearn.metrics.wilson_interval`),
as in the transit injection-recovery curves.

Like :mod:`astrolearn.plots`, every function builds a :class:`matplotlib.figure.Figure`
directly, without ``pyplot``: no global figure registry, no backend, no window, safe in
scripts, tests and on headless machines. :func:`plot_accuracy_vs_snr` takes ``ax`` and draws
into it, so several classifiers can share one axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.qtransform import (
    GRAVITY_SPY_WINDOWS,
    _check_pair,
    frequency_grid,
    peak_time_frequency,
    time_offsets,
)
from astrolearn.metrics import _bin_edges, _bin_index, wilson_interval
from astrolearn.plots import figure_and_axes

__all__ = [
    "accuracy_by_snr",
    "plot_accuracy_vs_snr",
    "plot_glitch_views",
]

DEFAULT_SNR_BINS = 8
"""Number of log-spaced SNR bins spanning the data when ``bins`` is not given."""

_COLUMNS = ["snr_low", "snr_high", "n", "n_correct", "accuracy", "low", "high"]


# ------------------------------------------------------------------------------ views
def _log_edges(centres: np.ndarray) -> np.ndarray:
    """Pixel edges of log-spaced (or any increasing positive) centres, geometric midpoints."""
    logc = np.log(centres)
    mid = 0.5 * (logc[1:] + logc[:-1])
    return np.exp(np.r_[logc[0] - (mid[0] - logc[0]), mid, logc[-1] + (logc[-1] - mid[-1])])


def plot_glitch_views(
    views: Any,
    *,
    windows: Sequence[float] = GRAVITY_SPY_WINDOWS,
    frange: tuple[float, float] = (10.0, 2048.0),
    frequencies: Any = None,
    title: str | None = None,
    vmin: float = 0.0,
    vmax: float = 25.5,
    cmap: str = "viridis",
    mark_peak: bool = False,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw one example's Q-transform views side by side, with one colour bar.

    Parameters
    ----------
    views : array-like of shape (n_windows, n_freq, n_time)
        One example of :func:`~astrolearn.glitches.qtransform.qtransform_views` (``views[i]``),
        rows from low to high frequency.
    windows : sequence of float, default (0.5, 1, 2, 4)
        Duration of each view in seconds; panel ``j`` spans ``-windows[j]/2`` to
        ``+windows[j]/2`` from the trigger, columns at
        :func:`~astrolearn.glitches.qtransform.time_offsets`.
    frange : (fmin, fmax), default (10, 2048)
        Frequency range of the rows (:func:`~astrolearn.glitches.qtransform.frequency_grid`)
        and of the y axis.
    frequencies : array-like of shape (n_freq,), optional
        The row frequencies themselves (e.g. ``read_views(path)["frequencies"]``); they
        replace the grid made from ``frange`` and set the y limits to their ends.
    title : str, optional
        Figure title (e.g. the class and the GPS time).
    vmin, vmax : float, default 0 and 25.5
        Colour range of the normalised energy (Gravity Spy's colour bar is 0 to 25.5; louder
        pixels saturate and the colour bar gets an arrow).
    cmap : str, default "viridis"
        Matplotlib colour map.
    mark_peak : bool, default False
        Mark the brightest pixel of each panel
        (:func:`~astrolearn.glitches.qtransform.peak_time_frequency`) with a red circle and
        write its time and frequency in the panel.
    figsize : (width, height), optional
        Default ``(3.0 * n_windows + 1.2, 3.4)`` inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``n_windows`` image axes (each with one ``QuadMesh``; log frequency axis shared), then
        the colour-bar axes.

    Raises
    ------
    AstrolearnInputError
        When ``views`` is not 3-D, holds NaN/inf, or does not have one image per window; for
        bad windows, frequencies or colour range.

    Examples
    --------
    >>> views = np.ones((4, 16, 32), dtype=np.float32)
    >>> fig = plot_glitch_views(views, title="noise")
    >>> len(fig.axes), [ax.get_title() for ax in fig.axes[:4]]
    (5, ['0.5 s', '1 s', '2 s', '4 s'])
    """
    try:
        img = np.array(views, dtype=float, copy=True)
    except (TypeError, ValueError):
        raise AstrolearnInputError("views must be a numeric array (n_windows, n_freq, n_time)",
                                   fix="pass views[i] from qtransform_views") from None
    try:
        wins = [float(w) for w in np.atleast_1d(np.asarray(windows, dtype=float))]
    except (TypeError, ValueError):
        raise AstrolearnInputError(f"windows must be durations in seconds, got {windows!r}",
                                   fix="pass windows=(0.5, 1, 2, 4)") from None
    if not wins or not all(math.isfinite(w) and w > 0 for w in wins):
        raise AstrolearnInputError(f"windows must be positive durations in seconds, got "
                                   f"{windows!r}", fix="pass windows=(0.5, 1, 2, 4)")
    if img.ndim != 3:
        hint = ("pass one example, views[i], of a 4-D stack" if img.ndim == 4 else
                "pass image[None] for a single 2-D view (with windows=(w,))" if img.ndim == 2
                else "pass views[i] from qtransform_views")
        raise AstrolearnInputError(
            f"views of one example must be 3-D (n_windows, n_freq, n_time), got shape "
            f"{img.shape}", fix=hint)
    if img.shape[0] != len(wins):
        raise AstrolearnInputError(
            f"views hold {img.shape[0]} images but {len(wins)} windows are given ({wins})",
            fix="pass one window duration per image, e.g. windows=(0.5, 1, 2, 4)")
    n_freq, n_time = img.shape[1:]
    if n_freq < 2 or n_time < 2:
        raise AstrolearnInputError(f"each view needs at least 2 x 2 pixels, got {n_freq} x "
                                   f"{n_time}", fix="pass views[i] from qtransform_views")
    bad = ~np.isfinite(img)
    if bad.any():
        raise AstrolearnInputError(f"views hold {int(bad.sum())} NaN/inf pixels",
                                   fix="recompute the views; qtransform_views gives finite ones")
    lo_c, hi_c = _check_pair((vmin, vmax), "(vmin, vmax)", "pass e.g. vmin=0, vmax=25.5",
                               positive=False)
    if frequencies is None:
        fmin, fmax = _check_pair(frange, "frange", "pass frange=(10, 2048) in Hz")
        freqs = frequency_grid(n_freq, fmin, fmax)
    else:
        try:
            freqs = np.array(frequencies, dtype=float, copy=True).ravel()
        except (TypeError, ValueError):
            raise AstrolearnInputError("frequencies must be numbers in Hz",
                                       fix="pass frequency_grid(n_freq, *frange)") from None
        if freqs.shape != (n_freq,) or not (np.all(np.isfinite(freqs)) and freqs[0] > 0
                                            and np.all(np.diff(freqs) > 0)):
            raise AstrolearnInputError(
                f"frequencies must be {n_freq} increasing positive values (one per image row), "
                f"got shape {freqs.shape}",
                fix="pass the views file's frequencies, or leave them out and give frange")
        fmin, fmax = float(freqs[0]), float(freqs[-1])
    f_edges = _log_edges(freqs)

    k = len(wins)
    fig = Figure(figsize=figsize or (3.0 * k + 1.2, 3.4), layout="constrained")
    axes = fig.subplots(1, k, sharey=True, squeeze=False)[0]
    mesh = None
    for j, (ax, w) in enumerate(zip(axes, wins, strict=True)):
        centres = time_offsets(w, n_time)  # pixel centres; edges half a pixel either side
        t_edges = np.r_[centres - 0.5 * w / n_time, centres[-1] + 0.5 * w / n_time]
        mesh = ax.pcolormesh(t_edges, f_edges, img[j], cmap=cmap, vmin=lo_c, vmax=hi_c,
                             shading="flat", rasterized=True)
        ax.set_yscale("log")
        ax.grid(False)
        ax.set_xlim(-w / 2, w / 2)
        ax.set_ylim(fmin, fmax)
        ax.set_title(f"{w:g} s", fontsize=10)
        ax.set_xlabel("time from trigger [s]")
        if mark_peak:
            dt, f = peak_time_frequency(img[j], window=w, frequencies=freqs)
            ax.plot([dt], [f], "o", ms=11, mfc="none", mec="red", mew=1.5)
            ax.text(0.03, 0.97, f"peak {dt:+.3f} s, {f:.0f} Hz\nenergy {img[j].max():.1f}",
                    transform=ax.transAxes, ha="left", va="top", fontsize=7, color="white")
    axes[0].set_ylabel("frequency [Hz]")
    axes[0].yaxis.set_major_formatter(ScalarFormatter())
    axes[0].yaxis.set_minor_formatter(NullFormatter())
    over, under = bool(img.max() > hi_c), bool(img.min() < lo_c)
    extend = {(True, True): "both", (True, False): "max", (False, True): "min"}.get(
        (over, under), "neither")
    cbar = fig.colorbar(mesh, ax=list(axes), extend=extend, pad=0.01)
    cbar.set_label("normalised energy")
    if title:
        fig.suptitle(title)
    return fig


# ------------------------------------------------------------------------ accuracy vs SNR
def _snr_values(snr: Any) -> np.ndarray:
    try:
        s = np.array(snr.to_numpy() if isinstance(snr, pd.Series) else snr, dtype=float)
    except (TypeError, ValueError):
        raise AstrolearnInputError("snr must be numbers", column="snr",
                                   fix="pass one trigger SNR per example") from None
    if s.ndim != 1 or s.size == 0:
        raise AstrolearnInputError(f"snr must be a non-empty 1-D array, got shape {s.shape}",
                                   column="snr", fix="pass one trigger SNR per example")
    bad = ~np.isfinite(s)
    if bad.any():
        raise AstrolearnInputError(
            f"snr holds {int(bad.sum())} NaN/inf values (first at index {int(np.argmax(bad))})",
            column="snr", fix="drop the examples without a measured SNR first")
    return s


def _correct_flags(correct: Any, n: int) -> np.ndarray:
    arr = np.asarray(correct.to_numpy() if isinstance(correct, pd.Series) else correct)
    if arr.ndim != 1:
        raise AstrolearnInputError(f"correct must be 1-D, got shape {arr.shape}",
                                   column="correct",
                                   fix="pass truth == predicted, one flag per example")
    if arr.size != n:
        raise AstrolearnInputError(
            f"snr and correct differ in length ({n} vs {arr.size})", column="correct",
            fix="pass one SNR and one flag per example, in the same order")
    missing = pd.isna(arr)
    if np.any(missing):
        raise AstrolearnInputError(f"correct holds {int(np.sum(missing))} missing values",
                                   column="correct", fix="use True/False for every example")
    if arr.dtype == bool:
        return arr.copy()
    try:
        ok = np.isin(arr, [0, 1]).all()
    except TypeError:
        ok = False
    if not ok:
        raise AstrolearnInputError("correct must hold True/False (or 1/0) flags",
                                   column="correct",
                                   fix="pass np.asarray(truth) == np.asarray(predicted)")
    return arr.astype(bool)


def _group_labels(by: Any, n: int) -> tuple[np.ndarray, list[Any]]:
    from astrolearn.metrics import _as_labels, _resolve_classes

    labels = _as_labels(by, "by")
    if labels.size != n:
        raise AstrolearnInputError(f"snr and by differ in length ({n} vs {labels.size})",
                                   column="by", fix="pass one class label per example")
    return labels, list(_resolve_classes(None, labels))


def accuracy_by_snr(
    snr: Any,
    correct: Any,
    bins: int | Sequence[float] | None = None,
    *,
    by: Any = None,
    z: float = 1.0,
) -> pd.DataFrame:
    """Fraction of examples classified correctly in bins of SNR, with Wilson intervals.

    Parameters
    ----------
    snr : array-like of shape (n,)
        Trigger SNR of each example (finite; positive for log-spaced default bins).
    correct : array-like of bool of shape (n,)
        Whether each example was classified correctly (``truth == predicted``; 1/0 accepted).
    bins : int or sequence of float, optional
        Bin edges (increasing), or a number of log-spaced bins spanning ``snr`` from its
        minimum to its maximum; default :data:`DEFAULT_SNR_BINS` (8) log-spaced bins.
        Bins are ``[low, high)``, the last one closed.
    by : array-like of shape (n,), optional
        A class label per example (usually the true class): one set of bins per class, in
        sorted class order, all on the same edges (those of the whole sample).
    z : float, default 1.0
        Half-width of the Wilson (1927) score interval in standard deviations: 1 gives the
        68.3 % interval, 1.96 the 95 % one
        (:func:`astrolearn.metrics.wilson_interval`).

    Returns
    -------
    pandas.DataFrame
        One row per bin (per class and bin with ``by``, classes slowest): ``class`` (only with
        ``by``), ``snr_low``, ``snr_high``, ``n``, ``n_correct``, ``accuracy``, ``low``,
        ``high``. An **empty bin** has ``n = 0`` and NaN ``accuracy``, ``low`` and ``high``
        (the fraction is undefined), without a warning. Examples outside explicit edges are
        in no bin; ``attrs["n_outside"]`` counts them (0 with a number of bins).

    Raises
    ------
    AstrolearnInputError
        For NaN/inf SNR, flags that are not True/False, inputs of different lengths, bad
        bins, a non-positive SNR with log-spaced bins, or no example inside the edges.

    Examples
    --------
    >>> table = accuracy_by_snr([8, 9, 12, 30, 40, 60], [0, 1, 1, 1, 1, 1], bins=[5, 20, 100])
    >>> table["n"].tolist(), table["n_correct"].tolist(), table["accuracy"].round(3).tolist()
    ([3, 3], [2, 3], [0.667, 1.0])
    """
    s = _snr_values(snr)
    ok = _correct_flags(correct, s.size)
    edges = _bin_edges(DEFAULT_SNR_BINS if bins is None else bins, s, log=True)
    idx = _bin_index(s, edges)
    inside = idx >= 0
    if not inside.any():
        raise AstrolearnInputError(
            f"none of the {s.size} SNR values ({s.min():.4g} to {s.max():.4g}) lies inside the "
            f"bin edges ({edges[0]:.4g} to {edges[-1]:.4g})", column="snr",
            fix="give edges that cover the SNRs, or leave bins out")
    n_bins = edges.size - 1
    if by is None:
        groups: list[tuple[Any, np.ndarray]] = [(None, np.ones(s.size, dtype=bool))]
    else:
        labels, classes = _group_labels(by, s.size)
        groups = [(c, labels == c) for c in classes]
    frames = []
    for name, member in groups:
        sel = inside & member
        n = np.bincount(idx[sel], minlength=n_bins).astype(np.int64)
        k = np.bincount(idx[sel], weights=ok[sel].astype(float),
                        minlength=n_bins).round().astype(np.int64)
        low, high = wilson_interval(k, n, z)
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = np.where(n > 0, k / np.maximum(n, 1), np.nan)
        part = pd.DataFrame({"snr_low": edges[:-1], "snr_high": edges[1:], "n": n,
                             "n_correct": k, "accuracy": acc, "low": low, "high": high},
                            columns=_COLUMNS)
        if by is not None:
            part.insert(0, "class", pd.Series([name] * n_bins, dtype=object))
        frames.append(part)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs["n_outside"] = int((~inside).sum())
    out.attrs["z"] = float(z)
    return out


def plot_accuracy_vs_snr(
    snr: Any,
    correct: Any,
    *,
    bins: int | Sequence[float] | None = None,
    by: Any = None,
    z: float = 1.0,
    ax: Any = None,
    label: str | None = None,
    annotate: bool = True,
    title: str | None = None,
) -> Figure:
    """Draw accuracy against SNR with Wilson intervals and the number of examples per bin.

    Parameters
    ----------
    snr, correct, bins, by, z
        As in :func:`accuracy_by_snr` (which computes the points).
    ax : matplotlib Axes, optional
        Draw into this axes (e.g. to compare two classifiers on one figure).
    label : str, optional
        Legend label of the curve (with ``by``, a prefix of each class's label).
    annotate : bool, default True
        Without ``by``: write ``n`` of every non-empty bin along the bottom of the axes.
        With ``by`` the counts are shown by the marker areas instead.
    title : str, optional
        Axes title (default: the number of examples and the interval's confidence).

    Returns
    -------
    matplotlib.figure.Figure
        Points at the bin centres (geometric on the log x axis) with vertical Wilson error
        bars; without ``by`` the horizontal bars span the bin. Empty bins are left out. The x
        axis is logarithmic when every edge is positive, else linear.

    Examples
    --------
    >>> fig = plot_accuracy_vs_snr([8, 9, 12, 30, 40, 60], [0, 1, 1, 1, 1, 1], bins=[5, 20, 100])
    >>> ax = fig.axes[0]
    >>> ax.get_xscale(), ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('log', 'accuracy', ['n=3', 'n=3'])
    """
    from astrolearn.plots import class_colours

    table = accuracy_by_snr(snr, correct, bins, by=by, z=z)
    fig, ax = figure_and_axes(ax, (6.0, 3.8))
    lo_all = table["snr_low"].to_numpy(float)
    log_x = bool(np.all(lo_all > 0))
    if log_x:
        ax.set_xscale("log")
    groups = [(None, table)] if by is None else [
        (c, table[table["class"] == c]) for c in pd.unique(table["class"])]
    colours = class_colours([g for g, _ in groups])
    n_groups = len(groups)
    n_max = max(int(table["n"].max()), 1)
    for i, (name, rows) in enumerate(groups):
        rows = rows[rows["n"] > 0]
        lo = rows["snr_low"].to_numpy(float)
        hi = rows["snr_high"].to_numpy(float)
        x = np.sqrt(lo * hi) if log_x else 0.5 * (lo + hi)
        acc = rows["accuracy"].to_numpy(float)
        yerr = np.vstack([acc - rows["low"].to_numpy(float), rows["high"].to_numpy(float) - acc])
        if name is None:
            ax.errorbar(x, acc, yerr=yerr, xerr=np.vstack([x - lo, hi - x]), fmt="o", ms=4,
                        capsize=2, label=label)
            if annotate:
                for xi, ni in zip(x, rows["n"].to_numpy(int), strict=True):
                    ax.text(xi, 0.02, f"n={ni}", transform=ax.get_xaxis_transform(),
                            ha="center", va="bottom", fontsize=7, color="0.35")
            continue
        # dodge the classes sideways within the bin so their error bars do not overlap
        shift = 0.12 * (i - (n_groups - 1) / 2) / max(n_groups - 1, 1)
        xd = x * (hi / lo) ** shift if log_x else x + shift * (hi - lo)
        colour = colours[name]
        ax.errorbar(xd, acc, yerr=yerr, fmt="-", lw=1, capsize=2, color=colour,
                    label=f"{label}: {name}" if label else str(name))
        ax.scatter(xd, acc, s=8 + 60 * rows["n"].to_numpy(float) / n_max, color=colour,
                   zorder=3)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("SNR")
    ax.set_ylabel("accuracy")
    confidence = 100 * math.erf(float(z) / math.sqrt(2))
    total = int(table["n"].sum())
    ax.set_title(title if title is not None else
                 f"accuracy against SNR ({total} examples, Wilson {confidence:.0f}% intervals)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    if label or by is not None:
        ax.legend(loc="best", fontsize=8)
    return fig
