"""Phase-folded global and local views of a transit signal, the inputs of AstroNet.

Shallue & Vanderburg (2018, AJ 155, 94; "AstroNet") showed that a classifier of transit signals
learns best from two fixed-length pictures of the detrended light curve folded at the signal's
period and epoch: a **global view** of the whole orbit and a **local view** zoomed on the transit.
Yu et al. (2019, AJ 158, 25) used the same views (201 and 61 bins) for TESS. The rules here
follow Shallue & Vanderburg:

* **fold** (:func:`phase_fold`): phase in days, ``((t - epoch + P/2) mod P) - P/2``, in
  ``[-P/2, P/2)`` with the transit at 0;
* **global view** (:func:`global_view`): ``bins`` (2001) bins over the whole orbit, bin width
  ``P / bins`` (S&V's ``bin_width_factor = 1/2001``); the fold is periodic, so points near
  ``+-P/2`` also fill the bins at the other edge;
* **local view** (:func:`local_view`): ``bins`` (201) bins over ``durations_wide`` (k = 4)
  transit durations *on each side* of the transit, ``[-k T, k T]`` (capped at ``+-P/2``), each
  bin ``0.16 T`` wide so that neighbouring bins overlap (S&V's ``bin_width_factor = 0.16``);
* every bin holds the **median** of its points (robust to outliers). Bin ``bins // 2`` is
  centred on the transit (phase 0) for odd and even bin counts alike. S&V filled empty bins
  with the median of the whole light curve; here they are filled by **linear interpolation**
  between the nearest filled bins (periodic for the global view, constant beyond the first and
  last filled bins of the local view), which does not paint a flat step into a gap in transit;
* **normalisation**: the view minus its median, divided by the absolute value of its minimum, so
  the median is 0 and the minimum -1 ("median 0 and minimum -1", S&V and Yu et al.; it is the
  convention of the Yu et al. TESS views in ``shared/data/kepler``). For a real transit the
  minimum is at the centre bin. A view with no dip below its median (a constant light curve)
  cannot be scaled so: it raises :class:`~astrolearn.errors.AstrolearnInputError` instead of
  dividing by zero.

:func:`make_views` also returns cheap diagnostics measured on the unbinned fold (odd/even depth
difference, secondary-eclipse depth at phase 0.5), and :func:`views_table` turns a long
light-curve table and a signals table into the signals table with ``global_view`` and
``local_view`` columns of float32 arrays (pyarrow writes them as list columns).

Binning is written here (a vectorised median over possibly overlapping bins) because the
libraries at hand do not do this: ``lightkurve.FoldedLightCurve.bin`` needs lightkurve's
objects, and ``scipy.stats.binned_statistic`` neither overlaps bins nor interpolates the gaps.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = ["global_view", "local_view", "make_views", "phase_fold", "views_table"]

#: Width of a local-view bin, in transit durations (Shallue & Vanderburg 2018).
LOCAL_BIN_WIDTH = 0.16
_DENSE_LIMIT = 4_000_000  # cells of the padded array of the vectorised median


# ------------------------------------------------------------------------------ checks
def _ephemeris(period, epoch, duration=None) -> tuple[float, float, float | None]:
    try:
        p, e = float(period), float(epoch)
        d = None if duration is None else float(duration)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            f"period, epoch and duration must be numbers, got {period!r}, {epoch!r}, "
            f"{duration!r}") from exc
    if not (np.isfinite(p) and p > 0):
        raise AstrolearnInputError(f"period must be a positive number of days, got {period!r}",
                                   column="period", fix="drop signals without a period")
    if not np.isfinite(e):
        raise AstrolearnInputError(f"epoch must be a finite time, got {epoch!r}",
                                   column="epoch", fix="drop signals without an epoch")
    if d is not None and not (np.isfinite(d) and 0 < d < p):
        raise AstrolearnInputError(
            f"duration must be positive and shorter than the period ({p:g} d), got {duration!r}",
            column="duration", fix="give the duration in days (not hours)")
    return p, e, d


def _arrays(time, flux) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float).ravel()
    f = np.asarray(flux, dtype=float).ravel()
    if t.shape != f.shape:
        raise AstrolearnInputError(f"time and flux differ in length ({t.size} vs {f.size})",
                                   column="flux", fix="pass arrays of one light curve")
    good = np.isfinite(t) & np.isfinite(f)
    if good.sum() < 3:
        raise AstrolearnInputError(
            f"only {int(good.sum())} points with finite time and flux: too few to fold",
            column="flux", fix="check the light curve for NaN gaps or quality masking")
    return t[good], f[good]


def _check_bins(bins) -> int:
    if int(bins) != bins or int(bins) < 3:
        raise AstrolearnInputError(f"bins must be an integer of at least 3, got {bins!r}")
    return int(bins)


# ------------------------------------------------------------------------------ folding
def phase_fold(time: np.ndarray, period: float, epoch: float) -> np.ndarray:
    """Phase in days, in ``[-period/2, period/2)``, with the transits at 0.

    Parameters
    ----------
    time : array_like
        Times [days].
    period : float
        Period [days].
    epoch : float
        Mid-time of any transit [same scale as ``time``].

    Returns
    -------
    ndarray
        Time from the nearest transit [days].

    Examples
    --------
    >>> phase_fold(np.array([0.0, 1.0, 2.5, 3.9]), period=2.0, epoch=1.0).tolist()
    [-1.0, 0.0, -0.5, 0.8999999999999999]
    """
    p, e, _ = _ephemeris(period, epoch)
    t = np.asarray(time, dtype=float)
    return np.mod(t - e + 0.5 * p, p) - 0.5 * p


def _binned_median(x: np.ndarray, y: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    """Median of ``y`` in the bins ``[c - width/2, c + width/2)`` (``x`` sorted); NaN if empty."""
    lo = np.searchsorted(x, centres - 0.5 * width, side="left")
    hi = np.searchsorted(x, centres + 0.5 * width, side="left")
    counts = hi - lo
    out = np.full(centres.size, np.nan)
    most = int(counts.max()) if counts.size else 0
    if most == 0:
        return out
    if centres.size * most <= _DENSE_LIMIT:
        cols = np.arange(most)
        idx = np.minimum(lo[:, None] + cols, x.size - 1)
        vals = np.where(cols < counts[:, None], y[idx], np.nan)
        vals.sort(axis=1)  # NaN sort last
        rows = np.flatnonzero(counts)
        c = counts[rows]
        out[rows] = 0.5 * (vals[rows, (c - 1) // 2] + vals[rows, c // 2])
        return out
    for i in np.flatnonzero(counts):  # very dense bins: one median at a time
        out[i] = np.median(y[lo[i]:hi[i]])
    return out


def _fill(values: np.ndarray, centres: np.ndarray, period: float | None) -> np.ndarray:
    empty = ~np.isfinite(values)
    if not empty.any():
        return values
    if empty.all():
        raise AstrolearnInputError("no data points fall in the view's window",
                                   column="flux", fix="check the epoch and the period")
    filled = values.copy()
    filled[empty] = np.interp(centres[empty], centres[~empty], values[~empty], period=period)
    return filled


def _normalise(view: np.ndarray, name: str) -> np.ndarray:
    view = view - np.median(view)
    low = float(view.min())
    if not low < 0 or -low <= 1e-12 * max(1.0, float(np.max(np.abs(view)))):
        raise AstrolearnInputError(
            f"the {name} has no dip below its median (a flat light curve), so it cannot be "
            "normalised to median 0 and minimum -1", column="flux",
            fix="check that the period and epoch point at a transit, or drop this signal")
    return (view / -low).astype(np.float32)


def _view(phase, flux, *, half, bins, width, period):
    order = np.argsort(phase, kind="stable")
    x, y = phase[order], flux[order]
    if period is not None:  # periodic fold: wrap the edges so the outer bins are full
        near_hi = x > 0.5 * period - width
        near_lo = x < -0.5 * period + width
        x = np.concatenate([x[near_hi] - period, x, x[near_lo] + period])
        y = np.concatenate([y[near_hi], y, y[near_lo]])
    spacing = (2.0 * half - width) / (bins - 1)
    centres = (np.arange(bins) - bins // 2) * spacing
    return _fill(_binned_median(x, y, centres, width), centres, period)


# -------------------------------------------------------------------------------- views
def global_view(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    period: float,
    epoch: float,
    duration: float | None = None,
    bins: int = 2001,
    bin_width_factor: float | None = None,
    normalize: bool = True,
) -> np.ndarray:
    """The whole orbit folded and median-binned, transit at bin ``bins // 2``.

    Parameters
    ----------
    time, flux : array_like
        Times [days] and detrended relative flux; non-finite points are ignored.
    period, epoch : float
        Ephemeris [days].
    duration : float, optional
        Transit duration [days]; only checked (the global view does not depend on it).
    bins : int
        Number of bins (2001 in S&V 2018, 201 in Yu et al. 2019).
    bin_width_factor : float, optional
        Bin width as a fraction of the period (default ``1 / bins``).
    normalize : bool
        Median 0 and minimum -1 (default), else the binned flux itself.

    Returns
    -------
    ndarray of float32, shape (bins,)

    Examples
    --------
    >>> t = np.linspace(0.0, 30.0, 3000)
    >>> f = 1 - 0.01 * (np.abs(phase_fold(t, 3.0, 0.5)) < 0.1)
    >>> g = global_view(t, f, period=3.0, epoch=0.5, bins=101)
    >>> g.shape, float(g[50]), float(np.median(g))
    ((101,), -1.0, 0.0)
    """
    p, e, _ = _ephemeris(period, epoch, duration)
    bins = _check_bins(bins)
    factor = 1.0 / bins if bin_width_factor is None else float(bin_width_factor)
    if not 0 < factor <= 1:
        raise AstrolearnInputError(f"bin_width_factor must be in (0, 1], got {bin_width_factor!r}")
    t, f = _arrays(time, flux)
    view = _view(phase_fold(t, p, e), f, half=0.5 * p, bins=bins, width=factor * p, period=p)
    return _normalise(view, "global view") if normalize else view.astype(np.float32)


def local_view(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    period: float,
    epoch: float,
    duration: float,
    bins: int = 201,
    durations_wide: float = 4.0,
    bin_width_factor: float = LOCAL_BIN_WIDTH,
    normalize: bool = True,
) -> np.ndarray:
    """The transit zoomed: ``durations_wide`` durations on each side, transit at bin ``bins // 2``.

    Parameters
    ----------
    time, flux : array_like
        Times [days] and detrended relative flux; non-finite points are ignored.
    period, epoch, duration : float
        Ephemeris and transit duration [days].
    bins : int
        Number of bins (201 in S&V 2018, 61 in Yu et al. 2019).
    durations_wide : float
        Half-width of the window in durations: the view spans ``[-k T, k T]`` (k = 4 in S&V),
        capped at half the period.
    bin_width_factor : float
        Bin width in durations (0.16 in S&V; bins overlap when it exceeds the bin spacing).
    normalize : bool
        Median 0 and minimum -1 (default), else the binned flux itself.

    Returns
    -------
    ndarray of float32, shape (bins,)

    Examples
    --------
    >>> t = np.linspace(0.0, 30.0, 6000)
    >>> f = 1 - 0.01 * (np.abs(phase_fold(t, 3.0, 0.5)) < 0.1)
    >>> v = local_view(t, f, period=3.0, epoch=0.5, duration=0.2, bins=61)
    >>> v.shape, float(v[30]), float(v[0])
    ((61,), -1.0, 0.0)
    """
    p, e, d = _ephemeris(period, epoch, duration)
    bins = _check_bins(bins)
    if not (np.isfinite(durations_wide) and durations_wide > 0):
        raise AstrolearnInputError(f"durations_wide must be positive, got {durations_wide!r}")
    if not (np.isfinite(bin_width_factor) and bin_width_factor > 0):
        raise AstrolearnInputError(
            f"bin_width_factor must be positive, got {bin_width_factor!r}")
    half = min(0.5 * p, float(durations_wide) * d)
    width = min(float(bin_width_factor) * d, 2.0 * half)
    t, f = _arrays(time, flux)
    phase = phase_fold(t, p, e)
    inside = np.abs(phase) <= half + width
    view = _view(phase[inside], f[inside], half=half, bins=bins, width=width, period=None)
    return _normalise(view, "local view") if normalize else view.astype(np.float32)


def _fold_stats(t, f, p, e, d) -> dict[str, float]:
    """Depths measured on the unbinned fold (medians; errors from the out-of-transit scatter)."""
    phase = phase_fold(t, p, e)
    dist = np.abs(phase)
    in_tr = dist < 0.5 * d
    sec = dist > 0.5 * p - 0.5 * d
    out = ~(dist < d) & ~sec
    if out.sum() < 3:
        out = ~in_tr
    base = float(np.median(f[out]))
    sigma = 1.4826 * float(np.median(np.abs(f[out] - base)))

    def depth(mask):
        n = int(mask.sum())
        if n == 0:
            return np.nan, np.nan
        return base - float(np.median(f[mask])), 1.2533 * sigma / np.sqrt(n)

    cycle = np.round((t - e) / p).astype(np.int64)
    dep, _ = depth(in_tr)
    even, even_err = depth(in_tr & (cycle % 2 == 0))
    odd, odd_err = depth(in_tr & (cycle % 2 == 1))
    sdep, serr = depth(sec)
    comb = np.hypot(odd_err, even_err)
    oe = abs(odd - even) / comb if np.isfinite(comb) and comb > 0 else np.nan
    ss = sdep / serr if np.isfinite(serr) and serr > 0 else np.nan
    return {"depth": dep, "depth_odd": odd, "depth_even": even, "odd_even_sigma": float(oe),
            "secondary_depth": sdep, "secondary_sigma": float(ss)}


def make_views(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    period: float,
    epoch: float,
    duration: float,
    global_bins: int = 2001,
    local_bins: int = 201,
    local_durations: float = 4.0,
) -> dict[str, np.ndarray | float]:
    """Global and local views plus depth diagnostics measured on the fold.

    Parameters
    ----------
    time, flux : array_like
        Times [days] and detrended relative flux.
    period, epoch, duration : float
        Ephemeris and duration [days].
    global_bins, local_bins : int
        Bin counts (2001 and 201 in S&V 2018; 201 and 61 in Yu et al. 2019).
    local_durations : float
        Half-width of the local view in durations.

    Returns
    -------
    dict
        ``global_view`` and ``local_view`` (float32 arrays); ``depth``, ``depth_odd``,
        ``depth_even`` (median in-transit depth of all, odd and even transits, relative flux),
        ``odd_even_sigma`` (their difference over its error), ``secondary_depth`` (depth within
        half a duration of phase 0.5) and ``secondary_sigma`` (its significance). Errors are
        1.2533 sigma / sqrt(n), sigma the out-of-transit robust scatter.

    Examples
    --------
    >>> t = np.linspace(0.0, 30.0, 6000)
    >>> f = 1 - 0.01 * (np.abs(phase_fold(t, 3.0, 0.5)) < 0.1)
    >>> v = make_views(t, f, period=3.0, epoch=0.5, duration=0.2, global_bins=201, local_bins=61)
    >>> v["global_view"].shape, v["local_view"].shape, round(v["depth"], 4)
    ((201,), (61,), 0.01)
    """
    p, e, d = _ephemeris(period, epoch, duration)
    t, f = _arrays(time, flux)
    views: dict[str, np.ndarray | float] = {
        "global_view": global_view(t, f, period=p, epoch=e, duration=d, bins=global_bins),
        "local_view": local_view(t, f, period=p, epoch=e, duration=d, bins=local_bins,
                                 durations_wide=local_durations),
    }
    views.update(_fold_stats(t, f, p, e, d))
    return views


def views_table(
    lightcurves: pd.DataFrame,
    signals: pd.DataFrame,
    *,
    object_id: str = "object_id",
    time: str = "time",
    flux: str | None = None,
    period: str = "period",
    epoch: str = "epoch",
    duration: str = "duration",
    global_bins: int = 2001,
    local_bins: int = 201,
    local_durations: float = 4.0,
    extras: bool = False,
    errors: str = "raise",
) -> pd.DataFrame:
    """Add ``global_view`` and ``local_view`` columns to a table of signals.

    Parameters
    ----------
    lightcurves : DataFrame
        Long light-curve table (``object_id, time, flux``; see :mod:`astrolearn.transits`),
        detrended.
    signals : DataFrame
        One row per signal with its object id, period, epoch and duration [days].
    object_id, time, flux, period, epoch, duration : str
        Column names. ``flux`` defaults to ``flux_flat`` (the detrended flux) when the light
        curves have it, else ``flux``.
    global_bins, local_bins, local_durations
        As in :func:`make_views`.
    extras : bool
        Also add the fold diagnostics of :func:`make_views` as ``view_*`` columns.
    errors : {"raise", "drop"}
        A signal whose views cannot be made (no light curve, bad ephemeris, flat fold) raises,
        or is dropped with a warning that names it.

    Returns
    -------
    DataFrame
        A copy of ``signals`` (minus dropped rows) with ``global_view`` and ``local_view``
        holding float32 arrays of ``global_bins`` and ``local_bins`` values.

    Examples
    --------
    >>> t = np.linspace(0.0, 30.0, 3000)
    >>> lc = pd.DataFrame({"object_id": "A", "time": t,
    ...                    "flux": 1 - 0.01 * (np.abs(phase_fold(t, 3.0, 0.5)) < 0.1)})
    >>> sig = pd.DataFrame({"object_id": ["A"], "period": [3.0], "epoch": [0.5],
    ...                     "duration": [0.2]})
    >>> out = views_table(lc, sig, global_bins=201, local_bins=61)
    >>> out["global_view"].iloc[0].shape, out["local_view"].iloc[0].dtype
    ((201,), dtype('float32'))
    """
    if errors not in ("raise", "drop"):
        raise AstrolearnInputError(f"unknown errors={errors!r}", fix="use 'raise' or 'drop'")
    if flux is None:
        flux = "flux_flat" if "flux_flat" in lightcurves.columns else "flux"
    for table, name, cols in ((lightcurves, "lightcurves", (object_id, time, flux)),
                              (signals, "signals", (object_id, period, epoch, duration))):
        for col in cols:
            if col not in table.columns:
                raise AstrolearnInputError(
                    f"the {name} table has no column {col!r}", column=col,
                    fix=f"rename the column or pass its name ({name}: "
                        f"{sorted(map(str, table.columns))[:8]}...)")
    curves = {key: (group[time].to_numpy(dtype=float), group[flux].to_numpy(dtype=float))
              for key, group in lightcurves.groupby(object_id, sort=False)}
    out = signals.copy()
    gviews, lviews, stats, keep, problems = [], [], [], [], []
    for pos, (key, p, e, d) in enumerate(zip(out[object_id], out[period], out[epoch],
                                             out[duration], strict=True)):
        try:
            if key not in curves:
                raise AstrolearnInputError(f"no light curve for object {key!r}",
                                           column=object_id,
                                           fix="give the light curves of every signal's star")
            v = make_views(*curves[key], period=p, epoch=e, duration=d,
                           global_bins=global_bins, local_bins=local_bins,
                           local_durations=local_durations)
        except AstrolearnInputError as err:
            if errors == "raise":
                raise AstrolearnInputError(f"signal {pos} (object {key!r}): {err.problem}",
                                           column=err.column, fix=err.fix) from err
            problems.append(f"{key!r} (row {pos}): {err.problem}")
            continue
        keep.append(pos)
        gviews.append(v.pop("global_view"))
        lviews.append(v.pop("local_view"))
        stats.append(v)
    if problems:
        warnings.warn(f"dropped {len(problems)} signals without views: " + "; ".join(
            problems[:5]) + (" ..." if len(problems) > 5 else ""), stacklevel=2)
    out = out.iloc[keep].copy()
    out["global_view"] = pd.Series(gviews, index=out.index, dtype=object)
    out["local_view"] = pd.Series(lviews, index=out.index, dtype=object)
    if extras:
        extra = pd.DataFrame(stats, index=out.index)
        for col in extra.columns:
            out[f"view_{col}"] = extra[col].astype(float)
    return out
