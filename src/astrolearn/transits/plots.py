"""Figures of the transit search: periodograms, folded light curves, views, a per-star summary
and the injection-recovery completeness.

What each figure is for:

* :func:`plot_periodogram`: the signal detection efficiency (SDE, the detrended BLS power of
  :class:`~astrolearn.transits.search.Periodogram`) against period on a log axis, with the
  chosen period and its aliases ``P/2`` and ``2P`` marked, so that a reader sees whether the
  peak stands alone or is one of a harmonic comb (an eclipsing binary at half its period, a
  rotating star);
* :func:`plot_folded`: the detrended light curve folded on the signal's ephemeris, in hours
  from mid-transit, with binned medians and the box model the search fitted (depth, duration),
  plus a second panel around phase 0.5 when a secondary eclipse depth is known (the
  eclipsing-binary test of the Kepler Robovetter, Thompson et al. 2018);
* :func:`plot_views`: the global and local views of AstroNet (Shallue & Vanderburg 2018)
  side by side, as the classifier sees them;
* :func:`plot_search_summary`: one figure per star from a
  :class:`~astrolearn.transits.pipeline.SearchResult`, a compact version of the Kepler DV
  one-page summary (Twicken et al. 2018): raw flux with the detrending trend, the flattened
  flux with every signal's transits marked, the periodogram of every search and the folded
  transit of every signal;
* :func:`plot_completeness_map` and :func:`plot_completeness_curve`: the recovered fraction of
  :func:`~astrolearn.transits.injection.injection_recovery` per (SNR, period) cell, annotated
  with the fraction and the counts, and against SNR with Wilson intervals (the completeness
  figures of Christiansen et al. 2013, 2020).

Like :mod:`astrolearn.plots`, every function builds a :class:`matplotlib.figure.Figure`
directly, without ``pyplot``: no global figure registry, no backend, no window, safe in
scripts, tests and on headless machines. Functions that take ``ax`` draw into that axes and
return its figure, so they compose into bigger figures (as :func:`plot_search_summary` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.plots import figure_and_axes
from astrolearn.transits.injection import completeness_curve, completeness_map
from astrolearn.transits.search import Periodogram, TransitSignal
from astrolearn.transits.views import phase_fold

__all__ = [
    "plot_completeness_curve",
    "plot_completeness_map",
    "plot_folded",
    "plot_periodogram",
    "plot_search_summary",
    "plot_views",
]

_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
_MAP_COLUMNS = ("period_lo", "period_hi", "snr_lo", "snr_hi", "n", "n_recovered", "fraction")
_CURVE_COLUMNS = ("snr_lo", "snr_hi", "n", "n_recovered", "fraction", "lower", "upper")


# ------------------------------------------------------------------------------ helpers
def _ephemeris(obj: Any) -> dict[str, float]:
    """period, epoch, duration and (NaN when absent) depth and secondary depth of a signal."""
    if isinstance(obj, TransitSignal):
        values: Mapping[str, Any] = obj.to_dict()
    elif isinstance(obj, Mapping | pd.Series):
        values = obj
    else:
        raise AstrolearnInputError(
            f"signal must be a TransitSignal, a dict or a table row, got {type(obj).__name__}",
            fix="pass a TransitSignal or {'period': ..., 'epoch': ..., 'duration': ...}")
    out = {}
    for key in ("period", "epoch", "duration", "depth", "secondary_depth"):
        required = key in ("period", "epoch", "duration")
        if key not in values:
            if required:
                raise AstrolearnInputError("the signal has no " + key, column=key,
                                           fix="give period, epoch and duration [days]")
            out[key] = math.nan
            continue
        try:
            out[key] = float(values[key])
        except (TypeError, ValueError):
            raise AstrolearnInputError(f"{key} must be a number, got {values[key]!r}",
                                       column=key) from None
    p, d = out["period"], out["duration"]
    if not (math.isfinite(p) and p > 0 and math.isfinite(out["epoch"])):
        raise AstrolearnInputError(f"period and epoch must be finite (period > 0), got {p!r}, "
                                   f"{out['epoch']!r}", column="period")
    if not (math.isfinite(d) and 0 < d < p):
        raise AstrolearnInputError(f"duration must be positive and shorter than the period, "
                                   f"got {d!r} d", column="duration",
                                   fix="give the duration in days (not hours)")
    return out


def _arrays(time, flux) -> tuple[np.ndarray, np.ndarray]:
    try:
        t = np.asarray(time, dtype=float).ravel()
        f = np.asarray(flux, dtype=float).ravel()
    except (TypeError, ValueError):
        raise AstrolearnInputError("time and flux must be numbers", column="flux") from None
    if t.shape != f.shape:
        raise AstrolearnInputError(f"time and flux differ in length ({t.size} vs {f.size})",
                                   column="flux", fix="pass arrays of one light curve")
    good = np.isfinite(t) & np.isfinite(f)
    if good.sum() < 3:
        raise AstrolearnInputError("fewer than 3 points with finite time and flux",
                                   column="flux", fix="check the light curve for NaN gaps")
    return t[good], f[good]


def _binned(x: np.ndarray, y: np.ndarray, lo: float, hi: float, width: float):
    edges = np.arange(lo, hi + 0.5 * width, width)
    if edges.size < 2:
        return np.zeros(0), np.zeros(0)
    idx = np.digitize(x, edges) - 1
    centres, medians = [], []
    for i in range(edges.size - 1):
        sel = idx == i
        if sel.any():
            centres.append(0.5 * (edges[i] + edges[i + 1]))
            medians.append(float(np.median(y[sel])))
    return np.asarray(centres), np.asarray(medians)


def _fold_panel(ax, x_hours, flux, half_hours, duration_hours, depth, model, label_x, colour):
    inside = np.abs(x_hours) <= half_hours
    xs, ys = x_hours[inside], flux[inside]
    ax.plot(xs, ys, ".", ms=2, color="0.6", alpha=0.6, label="data", rasterized=True)
    bx, by = _binned(xs, ys, -half_hours, half_hours, max(duration_hours / 6.0, 1e-3))
    if bx.size:
        ax.plot(bx, by, "o", ms=3.5, color="black", label="binned median")
    if model == "box" and math.isfinite(depth):
        d2 = 0.5 * duration_hours
        ax.plot([-half_hours, -d2, -d2, d2, d2, half_hours],
                [1.0, 1.0, 1.0 - depth, 1.0 - depth, 1.0, 1.0], "-", lw=1.5, color=colour,
                label=f"box model ({depth * 1e6:.0f} ppm, {duration_hours:.2f} h)")
    ax.set_xlim(-half_hours, half_hours)
    ax.set_xlabel(label_x)
    ax.set_ylabel("relative flux")


# ------------------------------------------------------------------------------ figures
def plot_periodogram(
    periodogram: Periodogram,
    signal: TransitSignal | Mapping[str, Any] | None = None,
    *,
    ax: Any = None,
) -> Figure:
    """Draw a search's SDE against period (log axis) with the chosen period and its aliases.

    Parameters
    ----------
    periodogram : Periodogram
        From :func:`~astrolearn.transits.search.search_periods` or
        :func:`~astrolearn.transits.search.find_transits`.
    signal : TransitSignal or mapping, optional
        The signal found by that search: its (refined) period is marked. By default the
        periodogram's peak (``periodogram.best_period``).
    ax : matplotlib Axes, optional
        Draw into this axes (its figure is returned).

    Returns
    -------
    matplotlib.figure.Figure
        The SDE curve, a solid vertical line at the period ``P`` and dashed ones at ``P/2``
        and ``2P`` where they fall inside the searched range.

    Examples
    --------
    >>> p = np.geomspace(0.5, 10, 500)
    >>> pg = Periodogram(period=p, power=np.exp(-((p - 3) / 0.01) ** 2),
    ...                  sde=10 * np.exp(-((p - 3) / 0.01) ** 2), best=int(np.argmin(abs(p - 3))))
    >>> fig = plot_periodogram(pg)
    >>> len(fig.axes), fig.axes[0].get_xscale()
    (1, 'log')
    """
    if not isinstance(periodogram, Periodogram):
        raise AstrolearnInputError(
            f"periodogram must be a Periodogram, got {type(periodogram).__name__}",
            fix="pass one of the periodograms returned by find_transits")
    period = np.asarray(periodogram.period, dtype=float)
    sde = np.asarray(periodogram.sde, dtype=float)
    if period.size < 2 or period.shape != sde.shape or not np.all(period > 0):
        raise AstrolearnInputError("the periodogram needs at least two positive periods and "
                                   "one SDE value per period", column="period")
    if signal is None:
        best = periodogram.best_period
    elif isinstance(signal, TransitSignal | Mapping | pd.Series):
        best = _ephemeris(signal)["period"]
    else:
        raise AstrolearnInputError(f"signal must be a TransitSignal or a mapping, got "
                                   f"{type(signal).__name__}")
    fig, ax = figure_and_axes(ax, (7.0, 3.4))
    ax.plot(period, sde, "-", lw=0.7, color="#1f77b4", label=f"{periodogram.method.upper()}")
    ax.set_xscale("log")
    ax.axvline(best, color="#d62728", lw=1.2, alpha=0.8, label=f"P = {best:.5g} d")
    lo, hi = float(period.min()), float(period.max())
    for factor, name in ((0.5, "P/2"), (2.0, "2P")):
        if lo <= factor * best <= hi:
            ax.axvline(factor * best, color="#d62728", lw=0.9, ls="--", alpha=0.6, label=name)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("period [d]")
    ax.set_ylabel("SDE (detrended power)")
    ax.set_title(f"{periodogram.method.upper()} periodogram, peak at {best:.5g} d")
    ax.legend(loc="upper right", fontsize=7)
    return fig


def plot_folded(
    time: np.ndarray,
    flux: np.ndarray,
    signal_or_ephemeris: TransitSignal | Mapping[str, Any],
    *,
    model: str | None = "box",
    window_durations: float = 3.0,
    ax: Any = None,
) -> Figure:
    """Draw a light curve folded on a signal, in hours from mid-transit, with its box model.

    Parameters
    ----------
    time, flux : array_like
        Times [d] and detrended relative flux (non-finite points are ignored).
    signal_or_ephemeris : TransitSignal or mapping
        ``period``, ``epoch``, ``duration`` [d]; optionally ``depth`` (the box model) and
        ``secondary_depth`` (a second panel around phase 0.5 when finite).
    model : {"box", None}, default "box"
        Overlay the box of the signal's depth and duration.
    window_durations : float, default 3
        Half-width of the window in durations (at most half the period).
    ax : matplotlib Axes, optional
        Draw the primary-transit panel into this axes (no secondary panel).

    Returns
    -------
    matplotlib.figure.Figure
        One axes (primary transit) or two (and phase 0.5): data points, binned medians
        (bins of a sixth of the duration) and the box model.

    Examples
    --------
    >>> t = np.arange(0.0, 20.0, 0.01)
    >>> f = 1 - 0.01 * (np.abs(phase_fold(t, 2.0, 0.5)) < 0.05)
    >>> fig = plot_folded(t, f, {"period": 2.0, "epoch": 0.5, "duration": 0.1, "depth": 0.01})
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, 'hours from mid-transit')
    """
    if model not in ("box", None):
        raise AstrolearnInputError(f"unknown model {model!r}", fix="use model='box' or None")
    if isinstance(window_durations, bool) or not (
            isinstance(window_durations, int | float | np.integer | np.floating)
            and math.isfinite(window_durations) and window_durations > 0.5):
        raise AstrolearnInputError(f"window_durations must be a number above 0.5, got "
                                   f"{window_durations!r}")
    eph = _ephemeris(signal_or_ephemeris)
    t, f = _arrays(time, flux)
    p, e, d = eph["period"], eph["epoch"], eph["duration"]
    half = min(float(window_durations) * d, 0.5 * p)
    secondary = ax is None and math.isfinite(eph["secondary_depth"])
    if ax is None:
        fig = Figure(figsize=(9.0 if secondary else 5.5, 3.6), layout="constrained")
        axes = fig.subplots(1, 2 if secondary else 1, squeeze=False).ravel()
    else:
        fig, ax = figure_and_axes(ax, None)
        axes = [ax]
    x = phase_fold(t, p, e) * 24.0
    _fold_panel(axes[0], x, f, half * 24.0, d * 24.0, eph["depth"], model,
                "hours from mid-transit", "#d62728")
    depth_txt = f", depth {eph['depth'] * 1e6:.0f} ppm" if math.isfinite(eph["depth"]) else ""
    axes[0].set_title(f"P = {p:.5g} d{depth_txt}", fontsize=9)
    if secondary:
        x2 = phase_fold(t, p, e + 0.5 * p) * 24.0
        _fold_panel(axes[1], x2, f, half * 24.0, d * 24.0, eph["secondary_depth"], model,
                    "hours from phase 0.5", "#9467bd")
        axes[1].set_title(f"secondary eclipse: {eph['secondary_depth'] * 1e6:.0f} ppm",
                          fontsize=9)
        axes[1].set_ylim(axes[0].get_ylim())
    axes[0].legend(loc="lower left", fontsize=7)
    return fig


def plot_views(
    global_view: np.ndarray,
    local_view: np.ndarray,
    *,
    title: str | None = None,
    local_durations: float = 4.0,
) -> Figure:
    """Draw the global and local views of a signal side by side.

    Parameters
    ----------
    global_view, local_view : array_like
        From :func:`~astrolearn.transits.views.make_views` (transit at bin ``n // 2``).
    title : str, optional
        Figure title (e.g. the star and period).
    local_durations : float, default 4
        Half-width of the local view in durations (as in ``make_views``), for its x axis.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the global view against orbital phase, the local view against time from
        mid-transit in transit durations.

    Examples
    --------
    >>> g = -np.exp(-0.5 * ((np.arange(201) - 100) / 2.0) ** 2)
    >>> l = -np.exp(-0.5 * ((np.arange(61) - 30) / 8.0) ** 2)
    >>> fig = plot_views(g, l, title="SIM 000001")
    >>> len(fig.axes), [len(ax.lines[0].get_xdata()) for ax in fig.axes]
    (2, [201, 61])
    """
    views = []
    for name, view in (("global_view", global_view), ("local_view", local_view)):
        try:
            v = np.asarray(view, dtype=float)
        except (TypeError, ValueError):
            raise AstrolearnInputError(f"{name} must be numbers", column=name) from None
        if v.ndim != 1 or v.size < 3 or not np.isfinite(v).all():
            raise AstrolearnInputError(f"{name} must be a 1-D array of at least 3 finite "
                                       f"values, got shape {v.shape}", column=name,
                                       fix="pass the views of make_views or views_table")
        views.append(v)
    if not (math.isfinite(local_durations) and local_durations > 0):
        raise AstrolearnInputError(f"local_durations must be positive, got {local_durations!r}")
    g, loc = views
    fig = Figure(figsize=(9.0, 3.2), layout="constrained")
    ax_g, ax_l = fig.subplots(1, 2)
    xg = (np.arange(g.size) - g.size // 2) / g.size
    xl = (np.arange(loc.size) - loc.size // 2) * (2.0 * local_durations / (loc.size - 1))
    ax_g.plot(xg, g, ".-", ms=2, lw=0.6, color="#1f77b4")
    ax_g.set_xlabel("orbital phase")
    ax_g.set_ylabel("normalised flux")
    ax_g.set_title(f"global view ({g.size} bins)", fontsize=9)
    ax_l.plot(xl, loc, ".-", ms=3, lw=0.8, color="#1f77b4")
    ax_l.set_xlabel("time from mid-transit [transit durations]")
    ax_l.set_ylabel("normalised flux")
    ax_l.set_title(f"local view ({loc.size} bins)", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def _signal_list(signals: Any) -> list[dict[str, float]]:
    if signals is None:
        return []
    if isinstance(signals, pd.DataFrame):
        rows = [row for _, row in signals.iterrows()]
    elif isinstance(signals, TransitSignal | Mapping | pd.Series):
        rows = [signals]
    elif isinstance(signals, Sequence):
        rows = list(signals)
    else:
        raise AstrolearnInputError(f"signals must be a DataFrame or a list of TransitSignal, "
                                   f"got {type(signals).__name__}",
                                   fix="pass SearchResult.signals for one star")
    return [_ephemeris(row) for row in rows]


def plot_search_summary(
    flattened_star_frame: pd.DataFrame,
    signals_of_star: pd.DataFrame | Sequence[TransitSignal] | None,
    periodograms_of_star: Sequence[Periodogram] | None,
    *,
    title: str | None = None,
) -> Figure:
    """One star's search on one page: raw and flattened light curves, periodograms, folds.

    Parameters
    ----------
    flattened_star_frame : DataFrame
        The star's rows of :attr:`~astrolearn.transits.pipeline.SearchResult.flattened`
        (``time``, ``flux``, ``trend``, ``flux_flat``; one ``object_id``).
    signals_of_star : DataFrame or list of TransitSignal, optional
        Its rows of ``SearchResult.signals`` (in discovery order), or the signals.
    periodograms_of_star : list of Periodogram, optional
        ``SearchResult.periodograms[object_id]``: periodogram ``i`` is that of signal
        ``i`` (a last one without a signal is drawn unmarked).
    title : str, optional
        Figure title; by default the star's ``object_id``.

    Returns
    -------
    matplotlib.figure.Figure
        Axes, in order: raw flux with the trend, flattened flux with the transits of each
        signal marked, one periodogram per search, one fold per signal.

    Examples
    --------
    >>> t = np.arange(0.0, 10.0, 0.02)
    >>> frame = pd.DataFrame({"object_id": "A", "time": t, "flux": 1.0 + 0.001 * t,
    ...                       "trend": 1.0 + 0.001 * t, "flux_flat": 1.0})
    >>> len(plot_search_summary(frame, None, None).axes)
    2
    """
    if not isinstance(flattened_star_frame, pd.DataFrame):
        raise AstrolearnInputError(
            f"flattened_star_frame must be a DataFrame, got "
            f"{type(flattened_star_frame).__name__}",
            fix="pass result.flattened[result.flattened.object_id == star]")
    frame = flattened_star_frame
    for col in ("time", "flux", "trend", "flux_flat"):
        if col not in frame.columns:
            raise AstrolearnInputError("column missing from the flattened light curve",
                                       column=col,
                                       fix="pass the rows of SearchResult.flattened")
    stars = frame["object_id"].unique() if "object_id" in frame.columns else []
    if len(stars) > 1:
        raise AstrolearnInputError(f"the table holds {len(stars)} stars; the summary is of one",
                                   column="object_id",
                                   fix="select one star's rows of SearchResult.flattened")
    t, raw = _arrays(frame["time"], frame["flux"])
    t_tr, trend = _arrays(frame["time"], frame["trend"])
    t_fl, flat = _arrays(frame["time"], frame["flux_flat"])
    sigs = _signal_list(signals_of_star)
    grams = list(periodograms_of_star or [])
    for g in grams:
        if not isinstance(g, Periodogram):
            raise AstrolearnInputError(f"periodograms must be Periodogram objects, got "
                                       f"{type(g).__name__}",
                                       fix="pass SearchResult.periodograms[object_id]")
    ncols = max(1, len(grams), len(sigs))
    nrows = 2 + (1 if grams else 0) + (1 if sigs else 0)
    fig = Figure(figsize=(max(9.0, 3.6 * ncols), 2.5 * nrows + 0.4), layout="constrained")
    grid = fig.add_gridspec(nrows, ncols)
    ax_raw = fig.add_subplot(grid[0, :])
    ax_raw.plot(t, raw, ".", ms=1.5, color="0.5", label="flux", rasterized=True)
    order = np.argsort(t_tr)
    ax_raw.plot(t_tr[order], trend[order], "-", lw=1.0, color="#ff7f0e", label="trend")
    ax_raw.set_ylabel("relative flux")
    ax_raw.set_xlabel("time [d]")
    ax_raw.legend(loc="upper right", fontsize=7)
    ax_raw.set_title("light curve and detrending trend", fontsize=9)
    ax_flat = fig.add_subplot(grid[1, :], sharex=ax_raw)
    ax_flat.plot(t_fl, flat, ".", ms=1.5, color="0.3", rasterized=True)
    low = float(np.min(flat))
    span = float(np.ptp(flat)) or 1e-3
    for k, s in enumerate(sigs):
        n0 = math.ceil((t_fl.min() - s["epoch"]) / s["period"])
        n1 = math.floor((t_fl.max() - s["epoch"]) / s["period"])
        mids = s["epoch"] + s["period"] * np.arange(n0, n1 + 1)
        ax_flat.plot(mids, np.full(mids.size, low - (0.08 + 0.06 * k) * span), "^", ms=5,
                     color=_TAB10[(k + 3) % 10],
                     label=f"signal {k + 1}: P = {s['period']:.5g} d")
    if sigs:
        ax_flat.legend(loc="upper right", fontsize=7)
    ax_flat.set_ylabel("flattened flux")
    ax_flat.set_xlabel("time [d]")
    ax_flat.set_title("detrended light curve, transits marked", fontsize=9)
    row = 2
    if grams:
        for k, g in enumerate(grams):
            ax = fig.add_subplot(grid[row, k])
            plot_periodogram(g, sigs[k] if k < len(sigs) else None, ax=ax)
            ax.set_title(f"search {k + 1}" + ("" if k < len(sigs) else " (nothing above "
                                                                        "threshold)"),
                         fontsize=9)
        row += 1
    for k, s in enumerate(sigs):
        ax = fig.add_subplot(grid[row, k])
        plot_folded(t_fl, flat, s, ax=ax)
        ax.set_title(f"signal {k + 1}: P = {s['period']:.5g} d", fontsize=9)
    name = title if title is not None else (str(stars[0]) if len(stars) else None)
    if name:
        fig.suptitle(name)
    return fig


def _as_map(table_or_map: Any, period_bins, snr_bins) -> pd.DataFrame:
    if not isinstance(table_or_map, pd.DataFrame):
        raise AstrolearnInputError(
            f"expected an injection table or a completeness map (DataFrame), got "
            f"{type(table_or_map).__name__}",
            fix="pass the output of injection_recovery or completeness_map")
    if all(c in table_or_map.columns for c in _MAP_COLUMNS):
        return table_or_map
    if "recovered" in table_or_map.columns:
        return completeness_map(table_or_map, period_bins=period_bins, snr_bins=snr_bins)
    raise AstrolearnInputError(
        "the table is neither an injection table (no 'recovered' column) nor a completeness "
        f"map (columns {list(_MAP_COLUMNS)})", column="recovered",
        fix="pass the output of injection_recovery or completeness_map")


def plot_completeness_map(
    table_or_map: pd.DataFrame,
    *,
    period_bins: int | Sequence[float] = 5,
    snr_bins: int | Sequence[float] = 6,
    annotate: bool = True,
    ax: Any = None,
    title: str | None = None,
) -> Figure:
    """Draw the recovered fraction per (SNR, period) cell, each cell annotated.

    Parameters
    ----------
    table_or_map : DataFrame
        An injection table (:func:`~astrolearn.transits.injection.injection_recovery`), binned
        with ``period_bins`` and ``snr_bins``, or a completeness map
        (:func:`~astrolearn.transits.injection.completeness_map`).
    period_bins, snr_bins : int or sequence of float
        Binning of an injection table (as in ``completeness_map``).
    annotate : bool, default True
        Write the fraction and ``recovered/injected`` in every cell (``n = 0`` in empty ones).
    ax : matplotlib Axes, optional
        Draw into this axes (with its colour bar).
    title : str, optional
        Axes title (default: the number of injections).

    Returns
    -------
    matplotlib.figure.Figure
        The map (SNR on x, period on a log y axis, colours 0-1) and a colour-bar axes.

    Examples
    --------
    >>> tab = pd.DataFrame({"period": [1.0, 2.0, 8.0, 9.0], "snr": [5.0, 15.0, 5.0, 15.0],
    ...                     "recovered": [False, True, True, True]})
    >>> fig = plot_completeness_map(tab, period_bins=[1, 4, 10], snr_bins=[0, 10, 20])
    >>> len(fig.axes), len(fig.axes[0].texts)
    (2, 4)
    """
    cmap_table = _as_map(table_or_map, period_bins, snr_bins)
    pe = np.unique(np.r_[cmap_table["period_lo"].to_numpy(float),
                         cmap_table["period_hi"].to_numpy(float)])
    se = np.unique(np.r_[cmap_table["snr_lo"].to_numpy(float),
                         cmap_table["snr_hi"].to_numpy(float)])
    if pe.size < 2 or se.size < 2 or not np.all(pe > 0):
        raise AstrolearnInputError("the completeness map has no cells with positive periods",
                                   column="period_lo")
    frac = np.full((pe.size - 1, se.size - 1), np.nan)
    counts = np.zeros((pe.size - 1, se.size - 1), dtype=int)
    recov = np.zeros_like(counts)
    for _, r in cmap_table.iterrows():
        i = int(np.searchsorted(pe, r["period_lo"]))
        j = int(np.searchsorted(se, r["snr_lo"]))
        if i >= pe.size - 1 or j >= se.size - 1:
            continue
        frac[i, j] = r["fraction"]
        counts[i, j] = int(r["n"])
        recov[i, j] = int(r["n_recovered"])
    fig, ax = figure_and_axes(ax, (6.4, 4.6))
    mesh = ax.pcolormesh(se, pe, np.ma.masked_invalid(frac), cmap="viridis", vmin=0.0,
                         vmax=1.0, shading="flat")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label("recovered fraction")
    ax.set_yscale("log")
    ax.set_yticks(pe, [f"{v:.3g}" for v in pe])
    ax.set_yticks([], minor=True)
    ax.set_xticks(se, [f"{v:.3g}" for v in se])
    if annotate:
        for i in range(pe.size - 1):
            for j in range(se.size - 1):
                xc = 0.5 * (se[j] + se[j + 1])
                yc = math.sqrt(pe[i] * pe[i + 1])
                if counts[i, j] == 0:
                    text, colour = "n = 0", "0.4"
                else:
                    text = f"{frac[i, j]:.2f}\n{recov[i, j]}/{counts[i, j]}"
                    colour = "black" if frac[i, j] > 0.6 else "white"
                ax.text(xc, yc, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_xlabel("expected SNR")
    ax.set_ylabel("period [d]")
    total = int(counts.sum())
    ax.set_title(title if title is not None else f"injection-recovery completeness "
                                                 f"({total} injections)", fontsize=10)
    return fig


def plot_completeness_curve(
    table_or_curve: pd.DataFrame,
    *,
    snr_bins: int | Sequence[float] = 8,
    ax: Any = None,
    label: str | None = None,
) -> Figure:
    """Draw the recovered fraction against SNR with its Wilson intervals.

    Parameters
    ----------
    table_or_curve : DataFrame
        An injection table (binned with ``snr_bins``) or the output of
        :func:`~astrolearn.transits.injection.completeness_curve`.
    snr_bins : int or sequence of float
        Binning of an injection table.
    ax : matplotlib Axes, optional
        Draw into this axes (e.g. to compare two pipelines on one figure).
    label : str, optional
        Legend label of the curve.

    Returns
    -------
    matplotlib.figure.Figure
        Points with error bars (bin width horizontally, interval vertically); empty bins are
        left out.

    Examples
    --------
    >>> tab = pd.DataFrame({"snr": [2.0, 4.0, 12.0, 14.0], "recovered": [0, 0, 1, 1]})
    >>> fig = plot_completeness_curve(tab, snr_bins=[0, 10, 20])
    >>> fig.axes[0].get_ylabel()
    'recovered fraction'
    """
    if not isinstance(table_or_curve, pd.DataFrame):
        raise AstrolearnInputError(
            f"expected an injection table or a completeness curve, got "
            f"{type(table_or_curve).__name__}",
            fix="pass the output of injection_recovery or completeness_curve")
    if all(c in table_or_curve.columns for c in _CURVE_COLUMNS):
        curve = table_or_curve
    else:
        curve = completeness_curve(table_or_curve, snr_bins)
    curve = curve[curve["n"] > 0]
    fig, ax = figure_and_axes(ax, (6.0, 3.8))
    mid = 0.5 * (curve["snr_lo"].to_numpy(float) + curve["snr_hi"].to_numpy(float))
    frac = curve["fraction"].to_numpy(float)
    yerr = np.vstack([frac - curve["lower"].to_numpy(float),
                      curve["upper"].to_numpy(float) - frac])
    xerr = 0.5 * (curve["snr_hi"].to_numpy(float) - curve["snr_lo"].to_numpy(float))
    ax.errorbar(mid, frac, yerr=yerr, xerr=xerr, fmt="o", ms=4, capsize=2, label=label)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("expected SNR")
    ax.set_ylabel("recovered fraction")
    ax.set_title(f"completeness against SNR ({int(curve['n'].sum())} injections)", fontsize=10)
    if label:
        ax.legend(loc="lower right", fontsize=8)
    return fig
