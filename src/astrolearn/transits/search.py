"""Transit search: period and duration grids, box least squares, an iterative multi-planet search.

Input is a *detrended* relative light curve (median ~1, stellar variability removed, see the
detrending module): arrays ``time`` [days], ``flux`` and optionally ``flux_err``. Points whose
time, flux or error are not finite are ignored (they are gaps, not zeros).

The search
----------
:func:`search_periods` runs one box-least-squares (BLS, Kovács, Zucker & Mazeh 2002) search with
astropy's :class:`~astropy.timeseries.BoxLeastSquares`, the implementation the field trusts (so it
is not written again here). What this module adds around it is what every transit paper wrote by
hand:

* **grids set from the data.** :func:`period_grid` spans ``min_period`` to ``baseline /
  min_transits`` so that every searched period has room for ``min_transits`` transits. Its step
  follows the phase-drift rule of Kovács et al. (2002) and Ofir (2014): between two neighbouring
  trial frequencies the last transit of the baseline ``B`` may move by at most a fraction
  ``1 / oversample`` of the shortest searched duration ``D_min``, so ``df = q_min / (oversample *
  B)`` with ``q_min = D_min * f`` the smallest duty cycle searched *at that frequency*. Because
  ``q_min`` grows with ``f``, the grid is uniform in ``log f`` (step ``D_min / (oversample * B)``)
  rather than in ``f``: a uniform-in-``f`` grid at the worst-case (longest-period) step would be
  ~40 times larger on a Kepler quarter for no gain. The grid is capped at ``max_periods`` points
  (default 200,000, a few minutes of BLS on a 4-year Kepler light curve); past the cap the step
  is widened and a warning names the effective oversampling.
  :func:`duration_grid` is log-spaced (0.04-0.5 d, 1-12 h, by default) and, for a given period,
  keeps only durations up to ``max_duty`` (20 %) of it, since a box longer than a fifth of the
  orbit is not a planet transit. The BLS is run in chunks of periods that share the same allowed
  durations.
* **a flat periodogram.** BLS power drifts upwards with period (more phase trials, fewer
  transits, gaps), so the raw maximum favours long periods. The power is detrended with a running
  median over the period grid (window 1/50 of the grid, at least 201 points) and divided by its
  robust scatter (1.4826 MAD), which gives a signal detection efficiency (SDE, as in Kovács et al.
  2002 and Hippke & Heller 2019) whose maximum picks the peak.
* **refinement and statistics.** Around the peak, BLS is rerun on a local grid eight times finer
  in period, with finer durations (0.5-2 times the peak duration in steps of 5 %, not below the
  shortest searched duration) and a phase resolution of 1/20 duration, on the *unbinned* data.
  Then
  :meth:`~astropy.timeseries.BoxLeastSquares.compute_stats` gives the depth and its error, odd
  and even depths, the depth at phase 0.5 (secondary eclipse), the number of transits with data
  and the sinusoid-versus-box likelihood difference.
  A peak whose box covers fewer than two transits with data (a gap artefact; one when
  ``min_transits=1``) is skipped for the next-highest one. When the odd or the even transits
  alone give an SNR 20 % above that of all transits, every other box is empty: the peak was half
  the true period (an alias BLS often prefers when only a few transits are seen), so the period
  is doubled and refined again, as long as it stays within the period range.
* **SNR** is defined as ``depth / depth_err`` of that fit: ``depth_err = sqrt(1 / sum_in w + 1 /
  sum_out w)`` with ``w = 1 / flux_err**2``, so for white noise of scatter ``sigma`` and ``n_in``
  points in transit it is ``depth / sigma * sqrt(n_in)`` (to first order), the single-event
  statistic summed over transits, comparable to the Kepler multiple-event statistic threshold of
  7.1 (Jenkins et al. 2002). Without ``flux_err`` the scatter is estimated as 1.4826 times the
  median absolute deviation of the flux, so red noise left by the detrending inflates the SNR:
  give real errors (or a measured scatter) when the noise is not white.
* **binning.** Light curves with more than 20,000 points and cadences shorter than ``bin_width``
  (10 min by default) are averaged into ``bin_width`` bins for the coarse grid only; refinement
  and statistics use every point, so epoch and duration keep the resolution of the raw cadence.

``method="tls"`` uses Transit Least Squares (Hippke & Heller 2019; optional dependency,
``pip install astrolearn[tls]``) for the periodogram, its own limb-darkened template and stellar
period grid; the depth, SNR and the other statistics are then computed by BLS ``compute_stats`` at
the TLS period, epoch and duration, so that both methods report the same quantities.

:func:`find_transits` repeats the search for several planets: it records a signal, masks
``mask_factor`` (2) durations around each of its transits with
:meth:`~astropy.timeseries.BoxLeastSquares.transit_mask`, and searches again, until the SNR
falls below ``min_snr`` (7.1), ``max_signals`` are found, or too few points are left. A later
peak is taken as an earlier signal again (residual in-transit points at the mask edges, an alias)
and skipped for the next peak when its period is within ``max(1e-3, D / B)`` (relative; ``D`` the
earlier duration, ``B`` the baseline) of the earlier period, or of an integer multiple or
fraction (2 to 20) of it with its transits falling on the earlier ones (within a duration).
The secondary eclipse of an eclipsing binary (same period, phase 0.5) is therefore reported as
:attr:`TransitSignal.secondary_depth` of the primary, not as a new signal.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from astropy.timeseries import BoxLeastSquares
from scipy.ndimage import median_filter

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "Periodogram",
    "TransitSignal",
    "duration_grid",
    "find_transits",
    "period_grid",
    "search_periods",
]

#: Default shortest and longest trial durations [days] (about 1 h and 12 h).
DEFAULT_MIN_DURATION = 0.04
DEFAULT_MAX_DURATION = 0.5
_MAX_HARMONIC = 20
_MIN_POINTS = 20
_N_CANDIDATES = 8
_BIN_ABOVE = 20_000


@dataclass
class TransitSignal:
    """One periodic transit-like signal found by :func:`search_periods`.

    Attributes
    ----------
    period, epoch, duration : float
        Period [d], mid-time of the first transit with data [same scale as ``time``] and box
        duration [d].
    depth, depth_err : float
        Box depth (out-of-transit minus in-transit mean flux, relative units) and its error.
    snr : float
        ``depth / depth_err`` (see the module docstring).
    n_transits : int
        Transits with at least one point in the box.
    power, sde : float
        BLS objective at the refined solution (or the TLS power) and the peak height of the
        detrended, normalised periodogram (signal detection efficiency).
    depth_odd, depth_odd_err, depth_even, depth_even_err : float
        Depths of odd and even transits alone.
    odd_even_sigma : float
        ``|depth_odd - depth_even|`` in units of their combined error (large for an eclipsing
        binary found at half its period); NaN when there are no odd or no even transits.
    secondary_depth, secondary_depth_err : float
        Box depth at phase 0.5 (a secondary eclipse), relative to the rest of the orbit.
    harmonic_delta_log_likelihood : float
        Log likelihood of a sinusoid minus that of the box; above 0 the signal looks more
        like stellar variability than a transit.
    n_points : int
        Points searched.
    method : str
        ``"bls"`` or ``"tls"``.
    """

    period: float
    epoch: float
    duration: float
    depth: float
    depth_err: float
    snr: float
    n_transits: int
    power: float
    sde: float
    depth_odd: float = math.nan
    depth_odd_err: float = math.nan
    depth_even: float = math.nan
    depth_even_err: float = math.nan
    odd_even_sigma: float = math.nan
    secondary_depth: float = math.nan
    secondary_depth_err: float = math.nan
    harmonic_delta_log_likelihood: float = math.nan
    n_points: int = 0
    method: str = "bls"

    def to_dict(self) -> dict[str, float | int | str]:
        """The signal as a flat dict of Python scalars (one row of a signals table).

        Examples
        --------
        >>> s = TransitSignal(period=3.0, epoch=1.0, duration=0.1, depth=1e-3, depth_err=1e-4,
        ...                   snr=10.0, n_transits=5, power=10.0, sde=12.0)
        >>> s.to_dict()["period"], s.to_dict()["method"]
        (3.0, 'bls')
        """
        return asdict(self)


@dataclass
class Periodogram:
    """The coarse periodogram of one search (for the periodogram figure).

    Attributes
    ----------
    period : ndarray
        Trial periods [d], ascending.
    power : ndarray
        Raw BLS objective (or TLS power) at each period.
    sde : ndarray
        Power after the running-median detrend, in units of its robust scatter.
    best : int
        Index of the reported peak.
    method, objective : str
        Search method and BLS objective.
    """

    period: np.ndarray
    power: np.ndarray
    sde: np.ndarray
    best: int
    method: str = "bls"
    objective: str = "snr"

    @property
    def best_period(self) -> float:
        """Period of the reported peak (on the coarse grid)."""
        return float(self.period[self.best])


# --------------------------------------------------------------------------------- grids
def period_grid(
    time: np.ndarray,
    *,
    min_period: float = 0.5,
    max_period: float | None = None,
    min_transits: int = 2,
    oversample: float = 3.0,
    min_duration: float = DEFAULT_MIN_DURATION,
    max_periods: int = 200_000,
) -> np.ndarray:
    """Trial periods for a light curve, from its baseline (ascending).

    The grid spans ``min_period`` to ``max_period`` (default ``baseline / min_transits``) with a
    constant step in log frequency, ``d ln f = min_duration / (oversample * baseline)``: the
    phase-drift rule ``df = q_min / (oversample * baseline)`` of Kovács et al. (2002) and Ofir
    (2014) with the duty cycle ``q_min = min_duration * f`` of the shortest box at each
    frequency. The number of periods is capped at ``max_periods`` (a warning says so and gives
    the effective oversampling).

    Parameters
    ----------
    time : array_like
        Observation times [days] (NaN ignored).
    min_period, max_period : float
        Period range [days].
    min_transits : int
        Transits that must fit in the baseline at the longest default period.
    oversample : float
        Trial frequencies per shortest-duration phase drift.
    min_duration : float
        Shortest trial duration [days].
    max_periods : int
        Cap on the grid size.

    Returns
    -------
    ndarray
        Periods [days].

    Examples
    --------
    >>> t = np.arange(0.0, 90.0, 0.0204)
    >>> p = period_grid(t)
    >>> round(float(p[0]), 3), round(float(p[-1]), 2)
    (0.5, 44.99)
    """
    t = np.asarray(time, dtype=float)
    t = t[np.isfinite(t)]
    if t.size < 2:
        raise AstrolearnInputError("need at least two finite times to set a period grid",
                                   column="time", fix="pass the light curve's time array")
    baseline = float(t.max() - t.min())
    _check_positive(min_period=min_period, oversample=oversample, min_duration=min_duration)
    if int(min_transits) < 1:
        raise AstrolearnInputError(f"min_transits must be at least 1, got {min_transits}")
    if max_period is None:
        max_period = baseline / int(min_transits)
    if not max_period > min_period:
        raise AstrolearnInputError(
            f"the period range is empty: min_period {min_period:g} d >= max_period "
            f"{max_period:g} d (baseline {baseline:.3g} d, min_transits {min_transits})",
            fix="lower min_period or min_transits, or give a longer light curve")
    step = min_duration / (oversample * baseline)
    span = math.log(max_period / min_period)
    n = math.ceil(span / step) + 1
    if n > max_periods:
        n = int(max_periods)
        effective = min_duration * (n - 1) / (span * baseline)
        warnings.warn(f"period grid capped at {n} periods (max_periods): effective oversample "
                      f"{effective:.2g} instead of {oversample:g}", stacklevel=2)
    return np.exp(np.linspace(math.log(min_period), math.log(max_period), max(n, 2)))


def duration_grid(
    period: float | None = None,
    *,
    min_duration: float = DEFAULT_MIN_DURATION,
    max_duration: float = DEFAULT_MAX_DURATION,
    n: int = 12,
    max_duty: float = 0.2,
) -> np.ndarray:
    """Trial box durations [days], log-spaced, optionally limited by a period.

    Parameters
    ----------
    period : float, optional
        When given, only durations up to ``max_duty * period`` are kept (at least one: the
        shortest, itself shortened to ``max_duty * period`` if needed).
    min_duration, max_duration : float
        Range [days]; the default 0.04-0.5 d (1-12 h) covers planets from hot Jupiters to
        temperate giants around Sun-like stars.
    n : int
        Number of durations.
    max_duty : float
        Largest duration as a fraction of the period.

    Returns
    -------
    ndarray
        Durations [days], ascending.

    Examples
    --------
    >>> np.round(duration_grid(n=4), 3).tolist()
    [0.04, 0.093, 0.215, 0.5]
    >>> float(duration_grid(1.0).max()) <= 0.2
    True
    """
    _check_positive(min_duration=min_duration, max_duration=max_duration, max_duty=max_duty)
    if max_duration < min_duration or int(n) < 1:
        raise AstrolearnInputError(
            f"empty duration grid: min_duration {min_duration:g}, max_duration "
            f"{max_duration:g}, n {n}", fix="give min_duration <= max_duration and n >= 1")
    grid = np.geomspace(min_duration, max_duration, int(n)) if n > 1 else np.array(
        [float(min_duration)])
    if period is not None:
        limit = max_duty * float(period)
        kept = grid[grid <= limit * (1 + 1e-12)]
        grid = kept if kept.size else np.array([min(min_duration, limit)])
    return grid


# ------------------------------------------------------------------------------ helpers
def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (np.isfinite(value) and value > 0):
            raise AstrolearnInputError(f"{name} must be a positive number, got {value!r}")


def _clean(time, flux, flux_err) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite, time-sorted copies; a robust constant error when none is given."""
    t = np.asarray(time, dtype=float).ravel()
    f = np.asarray(flux, dtype=float).ravel()
    if t.shape != f.shape:
        raise AstrolearnInputError(f"time and flux differ in length ({t.size} vs {f.size})",
                                   column="flux", fix="pass arrays of one light curve")
    if flux_err is None:
        e = None
        good = np.isfinite(t) & np.isfinite(f)
    else:
        e = np.asarray(flux_err, dtype=float).ravel()
        if e.shape != t.shape:
            raise AstrolearnInputError(
                f"flux_err differs in length from time ({e.size} vs {t.size})",
                column="flux_err", fix="pass one error per point or flux_err=None")
        good = np.isfinite(t) & np.isfinite(f) & np.isfinite(e)
        if np.any(e[good] <= 0):
            raise AstrolearnInputError(
                f"{int(np.sum(e[good] <= 0))} flux errors are zero or negative",
                column="flux_err", fix="drop those points or pass flux_err=None to estimate "
                                       "the scatter from the flux")
    if good.sum() < _MIN_POINTS:
        raise AstrolearnInputError(
            f"only {int(good.sum())} points with finite time and flux (at least {_MIN_POINTS} "
            "are needed for a transit search)", column="flux",
            fix="check the light curve for NaN gaps or quality masking")
    order = np.argsort(t[good], kind="stable")
    t, f = t[good][order], f[good][order]
    if e is None:
        sigma = 1.4826 * float(np.median(np.abs(f - np.median(f))))
        if not sigma > 0:
            sigma = float(np.std(f))
        if not sigma > 0:
            raise AstrolearnInputError("the flux is constant: there is nothing to search",
                                       column="flux", fix="pass a light curve with noise "
                                                          "or flux_err")
        e = np.full(t.size, sigma)
    else:
        e = e[good][order]
    if t[-1] - t[0] <= 0:
        raise AstrolearnInputError("all times are equal", column="time")
    return t, f, e


def _bin(t, f, e, width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse-variance weighted means in consecutive time bins of ``width`` days."""
    idx = np.floor((t - t[0]) / width).astype(np.int64)
    _, start = np.unique(idx, return_index=True)
    w = 1.0 / e**2
    sw = np.add.reduceat(w, start)
    tb = np.add.reduceat(w * t, start) / sw
    fb = np.add.reduceat(w * f, start) / sw
    return tb, fb, 1.0 / np.sqrt(sw)


def _detrend_power(power: np.ndarray) -> np.ndarray:
    """Running-median-subtracted power in units of its robust scatter (an SDE)."""
    p = np.where(np.isfinite(power), power, np.nanmin(power[np.isfinite(power)])
                 if np.isfinite(power).any() else 0.0)
    window = max(201, p.size // 50) | 1
    if window >= p.size:
        trend = np.full(p.size, np.median(p))
    else:
        trend = median_filter(p, size=window, mode="nearest")
    resid = p - trend
    scale = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
    if not scale > 0:
        scale = float(np.std(resid)) or 1.0
    return resid / scale


def _tolerance(old: TransitSignal, baseline: float) -> float:
    return max(1e-3, old.duration / baseline)


def _same_period(period: float, previous: list[TransitSignal], baseline: float) -> bool:
    return any(abs(period / old.period - 1.0) < _tolerance(old, baseline) for old in previous)


def _repeats(signal: TransitSignal, previous: list[TransitSignal], baseline: float) -> bool:
    """Whether ``signal`` is an earlier signal again: the same period, or an integer multiple
    or fraction of it (up to 20) whose transits fall on the earlier signal's transits."""
    for old in previous:
        tol = _tolerance(old, baseline)
        width = max(old.duration, signal.duration)
        ratio = signal.period / old.period
        if abs(ratio - 1.0) < tol:
            return True
        if ratio > 1:
            k = round(ratio)
            aligned = abs(_phase(signal.epoch, old.period, old.epoch)) < width
            if 2 <= k <= _MAX_HARMONIC and abs(ratio / k - 1.0) < tol and aligned:
                return True
        else:
            k = round(1.0 / ratio)
            aligned = abs(_phase(old.epoch, signal.period, signal.epoch)) < width
            if 2 <= k <= _MAX_HARMONIC and abs(ratio * k - 1.0) < tol and aligned:
                return True
    return False


def _phase(time: float, period: float, epoch: float) -> float:
    return (time - epoch + 0.5 * period) % period - 0.5 * period


def _bls_power(bls, periods, durations, max_duty, objective, oversample):
    """BLS power over ``periods``, in chunks that share the durations allowed by ``max_duty``."""
    allowed = np.searchsorted(durations, max_duty * periods, side="right")
    allowed = np.clip(allowed, 1, durations.size)
    # astropy needs every duration shorter than every period of a call
    allowed = np.minimum(allowed, np.searchsorted(durations, periods, side="left"))
    power = np.full(periods.size, -np.inf)
    duration = np.full(periods.size, np.nan)
    phase = np.full(periods.size, np.nan)
    for k in np.unique(allowed):
        sel = allowed == k
        if k < 1:
            continue
        res = bls.power(periods[sel], durations[:k], objective=objective,
                        oversample=int(oversample))
        power[sel] = np.asarray(res.power, dtype=float)
        duration[sel] = np.asarray(res.duration, dtype=float)
        phase[sel] = np.asarray(res.transit_time, dtype=float)
    return power, duration, phase


def _refine(bls, period, duration, step, max_duty, objective, durations):
    """Best (period, duration, transit time, power) on a fine local grid around a peak
    (over all ``durations`` when the peak's duration is unknown)."""
    periods = period * np.exp(np.arange(-20, 21) * step / 8.0)
    if np.isfinite(duration):
        durs = duration * np.geomspace(0.5, 2.0, 29)
        # stay within the searched durations (a shorter box would fit single noisy points)
        durs = durs[(durs >= durations[0] * (1 - 1e-9)) & (durs <= durations[-1] * 1.25)]
    else:
        durs = np.geomspace(durations[0], durations[-1], max(15, 2 * durations.size))
        duration = float(durations[0])
    durs = durs[durs <= max_duty * periods.min()]
    if durs.size == 0:
        durs = np.array([min(duration, 0.5 * max_duty * periods.min())])
    res = bls.power(periods, durs, objective=objective, oversample=20)
    i = int(np.nanargmax(res.power))
    return (float(res.period[i]), float(res.duration[i]), float(res.transit_time[i]),
            float(res.power[i]))


def _signal(bls, t, period, duration, t0, power, sde, method) -> TransitSignal:
    stats = bls.compute_stats(period, duration, t0)
    counts = np.asarray(stats["per_transit_count"])
    times = np.asarray(stats["transit_times"], dtype=float)
    with_data = times[counts > 0]
    epoch = float(with_data[0]) if with_data.size else float(t0)
    depth, depth_err = (float(v) for v in stats["depth"])
    odd, odd_err = (float(v) for v in stats["depth_odd"])
    even, even_err = (float(v) for v in stats["depth_even"])
    sec, sec_err = (float(v) for v in stats["depth_phased"])
    comb = math.hypot(odd_err, even_err)
    oe = abs(odd - even) / comb if np.isfinite(comb) and comb > 0 else math.nan
    snr = depth / depth_err if np.isfinite(depth_err) and depth_err > 0 else math.nan
    return TransitSignal(
        period=float(period), epoch=epoch, duration=float(duration), depth=depth,
        depth_err=depth_err, snr=float(snr), n_transits=int(np.sum(counts > 0)),
        power=float(power), sde=float(sde), depth_odd=odd,
        depth_odd_err=odd_err if np.isfinite(odd_err) else math.nan, depth_even=even,
        depth_even_err=even_err if np.isfinite(even_err) else math.nan, odd_even_sigma=oe,
        secondary_depth=sec, secondary_depth_err=sec_err if np.isfinite(sec_err) else math.nan,
        harmonic_delta_log_likelihood=float(stats["harmonic_delta_log_likelihood"]),
        n_points=int(t.size), method=method)


def _doubled(bls, t, signal, step, max_duty, objective, durations, max_period, previous,
             baseline) -> TransitSignal:
    """Twice the period while the even or odd transits alone beat the signal's SNR by 20 %
    (the search found half the true period: every other box is empty)."""
    while 2 * signal.period <= max_period * (1 + 1e-9):
        snr_even = signal.depth_even / signal.depth_even_err
        snr_odd = signal.depth_odd / signal.depth_odd_err
        best = np.nanmax([snr_even, snr_odd])
        if not best > 1.2 * signal.snr:
            break
        # the fine grid at twice the period finds the phase of the better half by itself
        period, duration, t0, pw = _refine(bls, 2 * signal.period, signal.duration, step,
                                           max_duty, objective, durations)
        doubled = _signal(bls, t, period, duration, t0, pw, signal.sde, signal.method)
        if (doubled.n_transits < 2 or not doubled.snr > signal.snr
                or _repeats(doubled, previous, baseline)):
            break
        signal = doubled
    return signal


def _tls_periodogram(t, f, e, min_period, max_period, oversample, min_transits):
    try:
        from transitleastsquares import transitleastsquares
    except ImportError as exc:
        raise AstrolearnInputError(
            "method='tls' needs the optional transitleastsquares package",
            fix="pip install astrolearn[tls], or use method='bls'") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = transitleastsquares(t, f, e, verbose=False).power(
            period_min=float(min_period), period_max=float(max_period),
            oversampling_factor=float(oversample), n_transits_min=int(min_transits),
            use_threads=1, show_progress_bar=False, verbose=False)
    periods = np.asarray(res.periods, dtype=float)
    order = np.argsort(periods)
    return (periods[order], np.asarray(res.power_raw, dtype=float)[order],
            np.asarray(res.power, dtype=float)[order], res)


def _search(t, f, e, *, method, min_period, max_period, min_transits, durations, oversample,
            objective, max_duty, bin_width, max_periods, previous, baseline):
    """One search on clean arrays; ``None`` when every candidate peak is excluded."""
    if not 0 < max_duty < 1:
        raise AstrolearnInputError(f"max_duty must be between 0 and 1, got {max_duty!r}",
                                   fix="use a fraction of the period such as 0.2")
    if max_period is None:
        max_period = baseline / int(min_transits)
    if durations is None:
        durations = duration_grid(max_period, max_duty=max_duty)
    durations = np.unique(np.asarray(durations, dtype=float))
    if durations.size == 0 or not np.all(durations > 0):
        raise AstrolearnInputError("durations must be positive numbers",
                                   fix="pass e.g. durations=np.geomspace(0.04, 0.5, 12)")
    grid = period_grid(t, min_period=min_period, max_period=max_period,
                       min_transits=min_transits, oversample=oversample,
                       min_duration=float(durations[0]), max_periods=max_periods)
    step = math.log(grid[-1] / grid[0]) / max(grid.size - 1, 1)
    bls_full = BoxLeastSquares(t, f, dy=e)

    cadence = float(np.median(np.diff(t)))
    bls_coarse = bls_full
    if bin_width is not None and t.size > _BIN_ABOVE and cadence < bin_width:
        tb, fb, eb = _bin(t, f, e, bin_width)
        bls_coarse = BoxLeastSquares(tb, fb, dy=eb)

    tls_res = None
    if method == "tls":
        periods, power, sde, tls_res = _tls_periodogram(t, f, e, min_period, max_period,
                                                        oversample, min_transits)
        peak_duration = np.full(periods.size, np.nan)
        step = math.log(periods[-1] / periods[0]) / max(periods.size - 1, 1)
    else:
        periods = grid
        power, peak_duration, _ = _bls_power(bls_coarse, periods, durations, max_duty,
                                             objective, oversample=3)
        sde = _detrend_power(power)

    order = np.argsort(np.where(np.isfinite(sde), sde, -np.inf))[::-1]
    tried: list[float] = []
    for i in order:
        if len(tried) >= _N_CANDIDATES or not np.isfinite(sde[i]):
            break
        p0 = float(periods[i])
        if any(abs(math.log(p0 / q)) < 50 * step for q in tried):
            continue  # same peak as a candidate already tried
        tried.append(p0)
        if _same_period(p0, previous, baseline):
            continue
        if tls_res is not None and len(tried) == 1:
            period, duration, t0 = float(tls_res.period), float(tls_res.duration), float(
                tls_res.T0)
            pw = float(power[i])
        else:
            period, duration, t0, pw = _refine(bls_full, p0, float(peak_duration[i]), step,
                                               max_duty, objective, durations)
        signal = _signal(bls_full, t, period, duration, t0, pw, sde[i], method)
        signal = _doubled(bls_full, t, signal, step, max_duty, objective, durations,
                          max_period, previous, baseline)
        if (signal.n_transits < min(int(min_transits), 2) or not signal.depth > 0
                or _repeats(signal, previous, baseline)):
            continue
        return signal, Periodogram(period=periods, power=power, sde=sde, best=int(i),
                                   method=method, objective=objective)
    return None, Periodogram(period=periods, power=power, sde=sde, best=int(order[0]),
                             method=method, objective=objective)


# ----------------------------------------------------------------------------- public
def search_periods(
    time: np.ndarray,
    flux: np.ndarray,
    flux_err: np.ndarray | None = None,
    *,
    method: str = "bls",
    min_period: float = 0.5,
    max_period: float | None = None,
    min_transits: int = 2,
    durations: np.ndarray | None = None,
    oversample: float = 3.0,
    objective: str = "snr",
    max_duty: float = 0.2,
    bin_width: float | None = 10.0 / 1440.0,
    max_periods: int = 200_000,
) -> tuple[TransitSignal, Periodogram]:
    """Search a detrended light curve for the strongest periodic transit (BLS or TLS).

    Parameters
    ----------
    time, flux : array_like
        Times [days] and detrended relative flux (median ~1). Non-finite points are ignored.
    flux_err : array_like, optional
        1-sigma errors; by default a constant 1.4826 * MAD of the flux.
    method : {"bls", "tls"}
        Box least squares (astropy) or Transit Least Squares (optional package).
    min_period, max_period : float
        Period range [days]; ``max_period`` defaults to ``baseline / min_transits``.
    min_transits : int
        Transits needed in the baseline (sets the default ``max_period``; a peak with fewer
        than ``min(min_transits, 2)`` transits with data is skipped).
    durations : array_like, optional
        Trial durations [days]; default :func:`duration_grid`.
    oversample : float
        Period-grid oversampling (see :func:`period_grid`; TLS's ``oversampling_factor``).
    objective : {"snr", "likelihood"}
        BLS objective maximised at each period.
    max_duty : float
        Longest duration searched at a period, as a fraction of it.
    bin_width : float or None
        Bin width [days] for the coarse grid of light curves with more than 20,000 points
        and a shorter cadence (default 10 min; ``None``: never bin).
    max_periods : int
        Cap on the period grid size.

    Returns
    -------
    signal : TransitSignal
        The refined strongest signal (whatever its SNR: compare ``signal.snr`` to a threshold).
    periodogram : Periodogram
        The coarse periodogram.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = np.arange(0.0, 20.0, 0.02)
    >>> f = 1 + rng.normal(0, 1e-3, t.size)
    >>> f[np.abs((t - 1.3 + 1.6) % 3.2 - 1.6) < 0.06] -= 4e-3
    >>> sig, pg = search_periods(t, f, min_period=1.0, max_period=6.0)
    >>> round(sig.period, 2), sig.snr > 7.1
    (3.2, True)
    """
    if method not in ("bls", "tls"):
        raise AstrolearnInputError(f"unknown search method {method!r}",
                                   fix="use method='bls' or method='tls'")
    if objective not in ("snr", "likelihood"):
        raise AstrolearnInputError(f"unknown BLS objective {objective!r}",
                                   fix="use objective='snr' or objective='likelihood'")
    _check_positive(max_duty=max_duty)
    if bin_width is not None:
        _check_positive(bin_width=bin_width)
    t, f, e = _clean(time, flux, flux_err)
    baseline = float(t[-1] - t[0])
    signal, pg = _search(t, f, e, method=method, min_period=min_period, max_period=max_period,
                         min_transits=min_transits, durations=durations, oversample=oversample,
                         objective=objective, max_duty=max_duty, bin_width=bin_width,
                         max_periods=max_periods, previous=[], baseline=baseline)
    if signal is None:
        raise AstrolearnInputError(
            "no transit-like dip with at least two transits was found in the period range",
            column="flux", fix="widen the period range or check the detrending")
    return signal, pg


def find_transits(
    time: np.ndarray,
    flux: np.ndarray,
    flux_err: np.ndarray | None = None,
    *,
    max_signals: int = 5,
    min_snr: float = 7.1,
    mask_factor: float = 2.0,
    **search_kw,
) -> tuple[list[TransitSignal], list[Periodogram]]:
    """Iterative multi-planet search: find, mask, search again.

    Parameters
    ----------
    time, flux, flux_err : array_like
        As in :func:`search_periods`.
    max_signals : int
        Most signals to report.
    min_snr : float
        Stop when the best remaining signal has a lower SNR (7.1, the Kepler threshold).
    mask_factor : float
        Width of the mask around each transit, in durations.
    **search_kw
        Passed to :func:`search_periods` (``method``, ``min_period``, ``max_period``, ...). The
        period range is set once, from the full light curve.

    Returns
    -------
    signals : list of TransitSignal
        In order of discovery (highest periodogram peak first).
    periodograms : list of Periodogram
        The periodogram of each reported signal's search.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> t = np.arange(0.0, 20.0, 0.02)
    >>> f = 1 + rng.normal(0, 1e-3, t.size)
    >>> f[np.abs((t - 0.7 + 1.35) % 2.7 - 1.35) < 0.06] -= 5e-3
    >>> signals, _ = find_transits(t, f, min_period=1.0, max_period=6.0)
    >>> [round(s.period, 1) for s in signals]
    [2.7]
    """
    if int(max_signals) < 1:
        raise AstrolearnInputError(f"max_signals must be at least 1, got {max_signals}")
    _check_positive(mask_factor=mask_factor)
    method = search_kw.pop("method", "bls")
    objective = search_kw.pop("objective", "snr")
    if method not in ("bls", "tls"):
        raise AstrolearnInputError(f"unknown search method {method!r}",
                                   fix="use method='bls' or method='tls'")
    if objective not in ("snr", "likelihood"):
        raise AstrolearnInputError(f"unknown BLS objective {objective!r}",
                                   fix="use objective='snr' or objective='likelihood'")
    unknown = set(search_kw) - {"min_period", "max_period", "min_transits", "durations",
                                "oversample", "max_duty", "bin_width", "max_periods"}
    if unknown:
        raise AstrolearnInputError(f"unknown search options {sorted(unknown)}",
                                   fix="see search_periods for the accepted keywords")
    kw = {"min_period": 0.5, "max_period": None, "min_transits": 2, "durations": None,
          "oversample": 3.0, "max_duty": 0.2, "bin_width": 10.0 / 1440.0,
          "max_periods": 200_000, **search_kw}
    _check_positive(max_duty=kw["max_duty"])
    t, f, e = _clean(time, flux, flux_err)
    baseline = float(t[-1] - t[0])
    if kw["max_period"] is None:
        kw["max_period"] = baseline / int(kw["min_transits"])
    keep = np.ones(t.size, dtype=bool)
    bls_all = BoxLeastSquares(t, f, dy=e)
    signals: list[TransitSignal] = []
    periodograms: list[Periodogram] = []
    previous: list[TransitSignal] = []
    while len(signals) < int(max_signals):
        if keep.sum() < _MIN_POINTS:
            break
        tk = t[keep]
        if tk[-1] - tk[0] < kw["min_period"] * 1.0001:
            break
        signal, pg = _search(tk, f[keep], e[keep], method=method, objective=objective,
                             previous=previous, baseline=baseline, **kw)
        if signal is None or not signal.snr >= min_snr:
            break
        signals.append(signal)
        periodograms.append(pg)
        previous.append(signal)
        keep &= ~bls_all.transit_mask(t, signal.period, mask_factor * signal.duration,
                                      signal.epoch)
    return signals, periodograms
