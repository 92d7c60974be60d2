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

* **grids set from the data and from transit physics.** :func:`period_grid` spans
  ``min_period`` to ``baseline / min_transits`` so that every searched period has room for
  ``min_transits`` transits. Its step follows the phase-drift rule of Kovács et al. (2002) and
  Ofir (2014): between two neighbouring trial frequencies the last transit of the baseline ``B``
  may move by at most a fraction ``1 / oversample`` of the shortest duration searched *at that
  period*, ``D_min(P)``, so ``d ln f = D_min(P) / (oversample * B)``.
  :func:`shortest_duration` sets ``D_min(P)`` from Kepler's third law, as TLS (Hippke & Heller
  2019) and Ofir (2014) do: a planet crosses the centre of a star of mean density ``rho`` in
  ``T0 = P / pi * R / a = (3 P / (pi**2 G rho))**(1/3)``, about ``0.0243 d * (P / 1 d)**(1/3)``
  for ``rho = 30`` solar densities; a chord at impact parameter ``b`` is ``sqrt(1 - b**2)``
  shorter. ``D_min(P)`` is that of the densest star searched, ``density_max`` (30 solar: late M
  dwarfs, TRAPPIST-1 is ~50) at ``max_impact`` (0.9, a factor 0.44), floored at the shortest
  trial duration (0.04 d, two Kepler long cadences). Below the period where the two meet (54 d
  for the defaults) the grid is uniform in ``ln f``; above it, uniform in ``f**(1/3)`` (Ofir's
  grid), with fewer periods. Shorter transits (grazing ones, ``b > 0.9`` around the densest
  stars) are still found, by a box somewhat too long. **Lowering ``density_max`` speeds up
  searches of FGK stars**: a Sun-like star has ``rho`` ~1 and F-K dwarfs 0.3-3, so
  ``density_max=3`` keeps every FGK transit and needs 21 % fewer periods, with coarser phase
  bins at long periods, on the 278-d Kepler-90 light curve (``density_max=1``: 35 % fewer;
  one search about 1.5 and 2 times faster).
  ``oversample`` is 2 by default: the true period is then at most a quarter of ``D_min`` of
  drift over the baseline from a trial period, so with the epoch fitted the end transits are
  misplaced by at most ``D_min / 8`` (at most 12 % of their in-transit points, a few per cent of
  the SNR on average); 3 halves that loss for 1.5 times the cost.
  The grid is capped at ``max_periods`` points (default 200,000, which a 4-year Kepler light
  curve reaches: one search of 67,500 points then takes about 3 minutes on one core); past the
  cap the step is widened and a warning names the effective oversampling.
  :func:`duration_grid` is log-spaced (0.04-0.5 d, 1-12 h, by default) and, for a given
  period, keeps only durations up to ``max_duty`` (20 %) of it, since a box longer than a
  fifth of the orbit is not a planet transit.
* **the cost of BLS, and what is done about it.** For each trial period astropy's BLS folds
  every point into phase bins (``O(N)``) and then tries every phase bin and duration
  (``O(n_bins * n_durations)``), with bins of ``min(durations) / oversample`` of the call, so
  ``n_bins = P / bin``: long periods dominate. Three things keep that down, with results that
  match the plain search (same recovered planets and SNR on 40 simulated Kepler quarters):

  - *durations in tiers*. The trial durations are split into tiers spanning a factor 2.5
    (0.04-0.08, 0.1-0.2 and 0.25-0.5 d by default). Each tier is searched on its own period
    grid, whose step follows the tier's own shortest duration (2.5 and 6 times fewer periods
    for the longer tiers), with phase bins set by that duration. The power at a period of the
    fine grid (that of the shortest tier) is the best over tiers, each taken at its nearest
    trial period, together with its duration and epoch.
  - *physical shortest durations*. Within a tier, periods are run in chunks whose durations
    start at the chunk's ``D_min(P)`` (rounded down to a step of 5 %), so phase bins widen
    with period; durations that astropy would round to the same number of phase bins are tried
    once. The phase bin is half the shortest duration in the shortest tier (0.02 d by default,
    about one Kepler long cadence, so finer bins would gain little there; a box is misplaced by
    at most a quarter of its duration) and a quarter of it in the longer tiers, where the
    transits of most planets of FGK stars lie (2-6 h) and where bins are cheap (few periods).
    The refinement below removes the binning loss for the reported signal.
  - *threads*. astropy's C loop releases the GIL, so the chunks (at most 2,048 periods each)
    run on ``n_jobs`` threads (default: every core the process may use). The chunks do not
    depend on ``n_jobs``, so neither does the result.

  Timings (Kepler-90, 3 quarters, 9,628 points, 278-d baseline; a 2-core virtual machine,
  otherwise idle): one search took 33 s with the plain grid (one duration set, phase bins of
  0.04 d / 3, oversample 3, one thread) and takes 4.8 s now (9.4 s while another job holds
  both cores); :func:`find_transits` with five signals 166 s before, 24 s now (47 s). The
  speed-up on one core is about 3.5; the threads double it when the cores are free.
* **a flat periodogram.** BLS power drifts upwards with period (more phase trials, fewer
  transits, gaps), so the raw maximum favours long periods. The power is detrended with a running
  median over the period grid (window 1/50 of the grid, at least 201 points) and divided by its
  robust scatter (1.4826 MAD), which gives a signal detection efficiency (SDE, as in Kovács et al.
  2002 and Hippke & Heller 2019) whose maximum picks the peak.
* **refinement and statistics.** Around the peak, BLS is rerun on a local grid eight times finer
  in period, with finer durations (0.5-2 times the peak duration in steps of 5 %, not below the
  shortest searched duration) and a phase resolution of 1/20 duration, on the *unbinned* data.
  A peak of a longer tier (searched on a coarser grid) is first refined on a grid as much wider
  and coarser as its duration is longer than ``D_min``, then once more on the fine one. Then
  :meth:`~astropy.timeseries.BoxLeastSquares.compute_stats` gives the depth and its error, odd
  and even depths, the depth at phase 0.5 (secondary eclipse), the number of transits with data
  and the sinusoid-versus-box likelihood difference.
  A peak whose box covers fewer than two transits with data (a gap artefact, or a single deep
  event: one transit of a long-period planet such as Kepler-90 g or h makes a peak at almost
  every period; one transit is enough when ``min_transits=1``) is skipped for the next-highest
  one: on the coarse box before refinement (up to 200 such peaks, cheaply), then on the refined
  one (up to eight candidates). When the odd or the even transits alone give an SNR 20 % above
  that of all transits, every other box is empty: the peak was half the true period (an alias
  BLS often prefers when only a few transits are seen), so the period is doubled and refined
  again, as long as it stays within the period range.
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
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
from astropy import constants
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
    "shortest_duration",
]

#: Default shortest and longest trial durations [days] (about 1 h and 12 h).
DEFAULT_MIN_DURATION = 0.04
DEFAULT_MAX_DURATION = 0.5
#: Default period-grid oversampling of the BLS search (TLS keeps its own default, 3).
DEFAULT_OVERSAMPLE = 2.0
#: Default highest stellar density searched [solar units]: late M dwarfs (TRAPPIST-1 is ~50).
DEFAULT_DENSITY_MAX = 30.0
#: Default largest impact parameter matched by the shortest box at each period.
DEFAULT_MAX_IMPACT = 0.9
#: Mean solar density [g cm^-3] and G [cgs], for the central-transit duration.
_RHO_SUN = float((constants.M_sun / (4.0 / 3.0 * math.pi * constants.R_sun**3)).cgs.value)
_G_CGS = float(constants.G.cgs.value)
_DAY = 86_400.0
_MAX_HARMONIC = 20
_MIN_POINTS = 20
_N_CANDIDATES = 8
#: Most periodogram peaks skipped because their box holds a single transit with data.
_MAX_SKIPPED = 200
_TLS_OVERSAMPLE = 3.0
_BIN_ABOVE = 20_000
#: Shortest durations of the BLS chunks are powers of _LEVEL times the shortest searched one;
#: a searched duration within a factor _MERGE above a chunk's shortest is left out.
_LEVEL = 1.05
_MERGE = 1.1
#: Most periods in one astropy BLS call (a unit of work for the threads).
_CHUNK = 2048
#: Durations are searched in tiers spanning this factor, each on its own period grid.
_TIER = 2.5
#: Phase bins per shortest duration of the coarse grid (astropy's ``oversample``), for the
#: shortest tier of durations and for the longer ones.
_PHASE_OVERSAMPLE = (2, 4)


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
def shortest_duration(
    period: float | np.ndarray,
    *,
    density_max: float | None = DEFAULT_DENSITY_MAX,
    max_impact: float = DEFAULT_MAX_IMPACT,
    min_duration: float = DEFAULT_MIN_DURATION,
) -> np.ndarray:
    """Shortest box duration [days] worth searching at each period.

    A planet on a circular orbit of period ``P`` crosses the centre of a star of mean density
    ``rho`` in ``T0 = P / pi * R / a = (3 P / (pi**2 G rho))**(1/3)`` (Kepler's third law,
    planet mass and radius neglected), about ``0.0243 d * (P / 1 d)**(1/3)`` for ``rho = 30``
    solar densities. A transit at impact parameter ``b`` lasts ``T0 * sqrt(1 - b**2)``; the
    densest star searched gives the shortest transits, so the shortest box is
    ``sqrt(1 - max_impact**2) * T0(P, density_max)``, floored at ``min_duration`` (the
    cadence limit). This is the physical duration limit of Ofir (2014) and TLS (Hippke &
    Heller 2019).

    Parameters
    ----------
    period : float or array_like
        Periods [days].
    density_max : float or None
        Highest mean stellar density searched [solar units]. ``None``: no physical limit, the
        shortest duration is ``min_duration`` at every period.
    max_impact : float
        Largest impact parameter (0 <= b < 1) whose transits the shortest box still matches.
    min_duration : float
        Floor [days].

    Returns
    -------
    ndarray
        Durations [days], the shape of ``period``.

    Examples
    --------
    >>> np.round(shortest_duration([1.0, 100.0, 300.0]), 4).tolist()
    [0.04, 0.0493, 0.071]
    >>> round(float(shortest_duration(365.25, density_max=1.0, max_impact=0.0)) * 24, 1)
    13.0
    """
    p = np.asarray(period, dtype=float)
    _check_positive(min_duration=min_duration)
    if density_max is None:
        return np.full(p.shape, float(min_duration))
    _check_positive(density_max=density_max)
    if not 0 <= max_impact < 1:
        raise AstrolearnInputError(f"max_impact must be in [0, 1), got {max_impact!r}",
                                   fix="use e.g. max_impact=0.9")
    return np.maximum(float(min_duration), _central_factor(density_max, max_impact)
                      * np.cbrt(np.abs(p)))


def _central_factor(density_max: float, max_impact: float) -> float:
    """``c`` of the shortest transit ``c * P**(1/3)`` [days, P in days]."""
    t0_one_day = (3.0 * _DAY / (math.pi**2 * _G_CGS * density_max * _RHO_SUN)) ** (1 / 3) / _DAY
    return math.sqrt(1.0 - max_impact**2) * t0_one_day


def period_grid(
    time: np.ndarray,
    *,
    min_period: float = 0.5,
    max_period: float | None = None,
    min_transits: int = 2,
    oversample: float = DEFAULT_OVERSAMPLE,
    min_duration: float = DEFAULT_MIN_DURATION,
    max_periods: int = 200_000,
    density_max: float | None = DEFAULT_DENSITY_MAX,
    max_impact: float = DEFAULT_MAX_IMPACT,
) -> np.ndarray:
    """Trial periods for a light curve, from its baseline (ascending).

    The grid spans ``min_period`` to ``max_period`` (default ``baseline / min_transits``) with
    the phase-drift step ``d ln f = D_min(P) / (oversample * baseline)`` of Kovács et al.
    (2002) and Ofir (2014): between neighbouring trial frequencies the last transit of the
    baseline moves by ``1 / oversample`` of the shortest duration searched at that period,
    ``D_min(P)`` (:func:`shortest_duration`). Where ``D_min`` is the constant
    ``min_duration`` the grid is uniform in ``ln f``; where it is the physical limit
    ``c * P**(1/3)`` (long periods) it is uniform in ``f**(1/3)`` (Ofir 2014), with fewer
    periods. The number of periods is capped at ``max_periods`` (a warning says so and gives
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
        Trial frequencies per shortest-duration phase drift (default 2, see the module
        docstring).
    min_duration : float
        Shortest trial duration [days] at any period.
    max_periods : int
        Cap on the grid size.
    density_max, max_impact : float
        Highest stellar density [solar units] and impact parameter of the physical shortest
        duration (:func:`shortest_duration`); ``density_max=None``: ``min_duration`` at every
        period (a grid uniform in ``ln f``).

    Returns
    -------
    ndarray
        Periods [days].

    Examples
    --------
    >>> t = np.arange(0.0, 90.0, 0.0204)
    >>> p = period_grid(t)
    >>> round(float(p[0]), 3), round(float(p[-1]), 2), p.size
    (0.5, 44.99, 20246)
    >>> period_grid(t, density_max=1.0).size  # Sun-like stars: longer transits, fewer periods
    14623
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
    shortest_duration(min_period, density_max=density_max, max_impact=max_impact,
                      min_duration=min_duration)  # checks the options
    # the period where the physical limit c * P**(1/3) overtakes the floor min_duration
    if density_max is None:
        p_cross = math.inf
    else:
        c = _central_factor(density_max, max_impact)
        p_cross = (min_duration / c) ** 3
    p_cross = min(max(p_cross, min_period), max_period)
    scale = oversample * baseline
    # ln-uniform below p_cross: ln(p_cross / min_period) / (min_duration / scale) steps;
    # f**(1/3)-uniform above: d(f**(1/3)) = c / (3 * scale)
    n_log = math.log(p_cross / min_period) * scale / min_duration
    n_cbrt = 0.0
    if p_cross < max_period:
        n_cbrt = 3 * scale * (p_cross ** (-1 / 3) - max_period ** (-1 / 3)) / c
    n_ideal = n_log + n_cbrt
    n_seg = [math.ceil(n_log) if n_log > 0 else 0, math.ceil(n_cbrt) if n_cbrt > 0 else 0]
    if sum(n_seg) + 1 > max_periods:
        steps = max(int(max_periods) - 1, 1)
        n0 = min(max(round(steps * n_log / n_ideal), 1 if n_log > 0 else 0),
                 steps - (1 if n_cbrt > 0 else 0))
        n_seg = [n0, steps - n0]
        warnings.warn(f"period grid capped at {sum(n_seg) + 1} periods (max_periods): "
                      f"effective oversample {oversample * sum(n_seg) / n_ideal:.2g} instead "
                      f"of {oversample:g}", stacklevel=2)
    parts = []
    if n_seg[0]:
        parts.append(np.exp(np.linspace(math.log(min_period), math.log(p_cross),
                                        n_seg[0] + 1)))
    if n_seg[1]:
        u = np.linspace(p_cross ** (-1 / 3), max_period ** (-1 / 3), n_seg[1] + 1)
        parts.append(u ** -3.0)
    grid = np.concatenate([parts[0]] + [q[1:] for q in parts[1:]])
    grid[0], grid[-1] = min_period, max_period
    return grid


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


def _bls_jobs(periods, durations, shortest, max_duty, oversample):
    """Chunks ``(indices, durations)`` of one astropy call each, deterministic (independent of
    the number of threads, so that results do not depend on it).

    A chunk's durations start at its shortest physical duration, rounded down to a power of
    ``_LEVEL`` times ``durations[0]`` (so that few distinct sets exist), then go on with the
    searched durations above it, up to ``max_duty`` of the chunk's shortest period. astropy
    bins the phase at ``min(durations) / oversample``, so a longer shortest duration means
    fewer phase bins.
    """
    ratio = np.maximum(shortest / durations[0], 1.0)
    level = np.floor(np.log(ratio) / math.log(_LEVEL) + 1e-9).astype(np.int64)
    jobs = []
    for lv in np.unique(level):
        idx = np.flatnonzero(level == lv)
        if lv == 0:
            ds = durations
        else:
            lo = min(float(durations[0]) * _LEVEL ** int(lv), float(durations[-1]))
            ds = np.concatenate([[lo], durations[durations > lo * _MERGE]])
        # astropy rounds every duration to whole phase bins of ds[0] / oversample: one of each
        n_bins = np.floor(ds / (ds[0] / oversample) + 0.5)
        ds = ds[np.unique(n_bins, return_index=True)[1]]
        p = periods[idx]
        count = np.clip(np.searchsorted(ds, max_duty * p, side="right"), 1, ds.size)
        # astropy needs every duration shorter than every period of a call
        count = np.minimum(count, np.searchsorted(ds, p, side="left"))
        for k in np.unique(count):
            if k < 1:
                continue
            sel = idx[count == k]
            for first in range(0, sel.size, _CHUNK):
                jobs.append((sel[first:first + _CHUNK], ds[:k]))
    return jobs


def _phase_oversample(tier: int) -> int:
    """Phase bins per shortest duration of a tier."""
    return _PHASE_OVERSAMPLE[min(tier, len(_PHASE_OVERSAMPLE) - 1)]


def _tiers(durations: np.ndarray) -> list[np.ndarray]:
    """Ascending durations split into tiers spanning a factor ``_TIER`` each."""
    k = np.floor(np.log(durations / durations[0]) / math.log(_TIER) + 1e-9).astype(np.int64)
    return [durations[k == j] for j in np.unique(k)]


def _bls_periodogram(bls, t, durations, *, grid_kw, density_max, max_impact, max_duty,
                     objective, n_jobs):
    """Coarse BLS periodogram on the fine grid: ``(periods, power, duration, transit time)``
    (the duration and mid-transit time of the best box at each period).

    Each tier of durations (:func:`_tiers`) is searched on its own period grid, whose step
    follows the tier's shortest duration (a tier of durations ``>= 2.5 D_min`` needs 2.5
    times fewer periods), with phase bins of that duration over :func:`_phase_oversample`;
    the power at a period of the fine grid (the grid of the shortest durations) is the best
    over tiers, each taken at its nearest trial period.
    """
    tiers = _tiers(durations)
    fine = period_grid(t, min_duration=float(durations[0]), density_max=density_max,
                       max_impact=max_impact, **grid_kw)
    plans = []
    for k, dk in enumerate(tiers):
        if k == 0:
            grid = fine
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a capped grid was reported for the fine one
                grid = period_grid(t, min_duration=float(dk[0]), density_max=density_max,
                                   max_impact=max_impact, **grid_kw)
        short = shortest_duration(grid, density_max=density_max, max_impact=max_impact,
                                  min_duration=float(dk[0]))
        use = np.ones(grid.size, dtype=bool)
        if k > 0:  # a longer tier where its shortest box fits the duty cycle
            use &= dk[0] <= max_duty * grid * (1 + 1e-12)
        if k + 1 < len(tiers):  # and where the physical limit leaves it some durations
            use &= short < tiers[k + 1][0]
        plans.append((grid[use], short[use], dk, np.flatnonzero(use)))
    jobs = [(k, sel, ds) for k, (grid, short, dk, _) in enumerate(plans)
            for sel, ds in _bls_jobs(grid, dk, short, max_duty, _phase_oversample(k))]

    def run(job):
        k, sel, ds = job
        res = bls.power(plans[k][0][sel], ds, objective=objective,
                        oversample=_phase_oversample(k))
        return (k, sel, np.asarray(res.power, dtype=float),
                np.asarray(res.duration, dtype=float), np.asarray(res.transit_time, dtype=float))

    if n_jobs > 1 and len(jobs) > 1:
        # the longest periods cost most: start them first for a balanced finish
        order = sorted(range(len(jobs)), key=lambda j: -plans[jobs[j][0]][0][jobs[j][1][-1]]
                       * jobs[j][1].size * jobs[j][2].size / jobs[j][2][0])
        with ThreadPoolExecutor(max_workers=min(n_jobs, len(jobs))) as pool:
            results = list(pool.map(run, [jobs[j] for j in order]))
    else:
        results = [run(job) for job in jobs]
    tier_power = [np.full(plan[0].size, -np.inf) for plan in plans]
    tier_duration = [np.full(plan[0].size, np.nan) for plan in plans]
    tier_phase = [np.full(plan[0].size, np.nan) for plan in plans]
    for k, sel, pw, du, ph in results:
        tier_power[k][sel], tier_duration[k][sel], tier_phase[k][sel] = pw, du, ph

    power = np.full(fine.size, -np.inf)
    duration = np.full(fine.size, np.nan)
    phase = np.full(fine.size, np.nan)
    used = plans[0][3]  # the shortest tier runs on the fine grid itself
    power[used], duration[used], phase[used] = tier_power[0], tier_duration[0], tier_phase[0]
    log_fine = np.log(fine)
    for (grid, _, _, _), pw, du, ph in zip(plans[1:], tier_power[1:], tier_duration[1:],
                                           tier_phase[1:], strict=True):
        if grid.size == 0:
            continue
        inside = np.flatnonzero((fine >= grid[0]) & (fine <= grid[-1]))
        log_grid = np.log(grid)
        right = np.clip(np.searchsorted(log_grid, log_fine[inside]), 0, grid.size - 1)
        left = np.maximum(right - 1, 0)
        near = np.where(log_fine[inside] - log_grid[left] < log_grid[right] - log_fine[inside],
                        left, right)
        better = pw[near] > power[inside]
        power[inside[better]] = pw[near][better]
        duration[inside[better]] = du[near][better]
        phase[inside[better]] = ph[near][better]
    return fine, power, duration, phase


def _n_jobs(n_jobs) -> int:
    """Threads to use: ``None`` or -1 means every core this process may run on."""
    if n_jobs is None or (not isinstance(n_jobs, bool) and n_jobs == -1):
        try:
            return max(len(os.sched_getaffinity(0)), 1)
        except AttributeError:  # not on Linux
            return max(os.cpu_count() or 1, 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1:
        raise AstrolearnInputError(f"n_jobs must be a positive integer, -1 or None, got "
                                   f"{n_jobs!r}", fix="use n_jobs=None for every core")
    return int(n_jobs)


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


def _transits_in_box(t, period, duration, t0) -> int:
    """Transits of the box ``(period, duration, t0)`` that hold at least one point."""
    if not (np.isfinite(duration) and duration > 0):
        return 2**31
    cycle = np.round((t - t0) / period)
    inside = np.abs(t - t0 - cycle * period) < 0.5 * duration
    return int(np.unique(cycle[inside]).size)


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
            objective, max_duty, bin_width, max_periods, density_max, max_impact, n_jobs,
            previous, baseline):
    """One search on clean arrays; ``None`` when every candidate peak is excluded."""
    if not 0 < max_duty < 1:
        raise AstrolearnInputError(f"max_duty must be between 0 and 1, got {max_duty!r}",
                                   fix="use a fraction of the period such as 0.2")
    if max_period is None:
        max_period = baseline / int(min_transits)
    if oversample is None:
        oversample = _TLS_OVERSAMPLE if method == "tls" else DEFAULT_OVERSAMPLE
    _check_positive(oversample=oversample)
    if durations is None:
        durations = duration_grid(max_period, max_duty=max_duty)
    durations = np.unique(np.asarray(durations, dtype=float))
    if durations.size == 0 or not np.all(durations > 0):
        raise AstrolearnInputError("durations must be positive numbers",
                                   fix="pass e.g. durations=np.geomspace(0.04, 0.5, 12)")
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
        peak_time = np.full(periods.size, np.nan)
    else:
        grid_kw = {"min_period": min_period, "max_period": max_period,
                   "min_transits": min_transits, "oversample": oversample,
                   "max_periods": max_periods}
        periods, power, peak_duration, peak_time = _bls_periodogram(
            bls_coarse, t, durations, grid_kw=grid_kw, density_max=density_max,
            max_impact=max_impact, max_duty=max_duty, objective=objective, n_jobs=n_jobs)
        sde = _detrend_power(power)
    # local grid step in ln P (the grid is not uniform in ln P at long periods), widened for a
    # peak of a longer-duration tier (searched on a grid coarser by duration / shortest)
    steps = np.diff(np.log(periods)) if periods.size > 1 else np.array([1e-4])
    shortest = shortest_duration(periods, density_max=density_max, max_impact=max_impact,
                                 min_duration=float(durations[0]))

    order = np.argsort(np.where(np.isfinite(sde), sde, -np.inf))[::-1]
    log_periods = np.log(periods)
    covered = np.zeros(periods.size, dtype=bool)  # near a peak already looked at
    need = min(int(min_transits), 2)
    tried = skipped = 0
    for i in order:
        if tried >= _N_CANDIDATES or skipped >= _MAX_SKIPPED or not np.isfinite(sde[i]):
            break
        if covered[i]:
            continue  # same peak as a candidate already tried
        p0 = float(periods[i])
        step = float(steps[min(i, steps.size - 1)])
        covered[np.searchsorted(log_periods, log_periods[i] - 50 * step):
                np.searchsorted(log_periods, log_periods[i] + 50 * step, side="right")] = True
        if (np.isfinite(peak_time[i])
                and _transits_in_box(t, p0, float(peak_duration[i]), float(peak_time[i])) < need):
            skipped += 1  # one deep event in the box (any period has such a peak): not periodic
            continue
        tried += 1
        if _same_period(p0, previous, baseline):
            continue
        if tls_res is not None and tried == 1:
            period, duration, t0 = float(tls_res.period), float(tls_res.duration), float(
                tls_res.T0)
            pw = float(power[i])
        else:
            wide = step * max(1.0, float(peak_duration[i] / shortest[i]))
            period, duration, t0, pw = _refine(bls_full, p0, float(peak_duration[i]), wide,
                                               max_duty, objective, durations)
            if wide > 1.5 * step:  # a longer tier's peak: once more at the fine resolution
                period, duration, t0, pw = _refine(bls_full, period, duration, step, max_duty,
                                                   objective, durations)
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
    oversample: float | None = None,
    objective: str = "snr",
    max_duty: float = 0.2,
    bin_width: float | None = 10.0 / 1440.0,
    max_periods: int = 200_000,
    density_max: float | None = DEFAULT_DENSITY_MAX,
    max_impact: float = DEFAULT_MAX_IMPACT,
    n_jobs: int | None = None,
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
    oversample : float, optional
        Period-grid oversampling (see :func:`period_grid`; TLS's ``oversampling_factor``);
        default 2 for BLS, 3 (TLS's own default) for TLS.
    objective : {"snr", "likelihood"}
        BLS objective maximised at each period.
    max_duty : float
        Longest duration searched at a period, as a fraction of it.
    bin_width : float or None
        Bin width [days] for the coarse grid of light curves with more than 20,000 points
        and a shorter cadence (default 10 min; ``None``: never bin).
    max_periods : int
        Cap on the period grid size.
    density_max : float or None
        Highest mean stellar density searched [solar units] (default 30, late M dwarfs): sets
        the shortest duration searched at each period (:func:`shortest_duration`) and with it
        the period step and the phase resolution. Lower it for FGK stars (e.g. 3) for a
        faster search; ``None`` searches ``durations[0]`` at every period.
    max_impact : float
        Largest impact parameter matched by the shortest duration (default 0.9).
    n_jobs : int or None
        Threads for the BLS periodogram (``None`` or -1: every core). The result does not
        depend on it.

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
    jobs = _n_jobs(n_jobs)
    t, f, e = _clean(time, flux, flux_err)
    baseline = float(t[-1] - t[0])
    signal, pg = _search(t, f, e, method=method, min_period=min_period, max_period=max_period,
                         min_transits=min_transits, durations=durations, oversample=oversample,
                         objective=objective, max_duty=max_duty, bin_width=bin_width,
                         max_periods=max_periods, density_max=density_max,
                         max_impact=max_impact, n_jobs=jobs, previous=[], baseline=baseline)
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
        Passed to :func:`search_periods` (``method``, ``min_period``, ``max_period``,
        ``density_max``, ``n_jobs``, ...). The period range is set once, from the full light
        curve.

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
                                "oversample", "max_duty", "bin_width", "max_periods",
                                "density_max", "max_impact", "n_jobs"}
    if unknown:
        raise AstrolearnInputError(f"unknown search options {sorted(unknown)}",
                                   fix="see search_periods for the accepted keywords")
    kw = {"min_period": 0.5, "max_period": None, "min_transits": 2, "durations": None,
          "oversample": None, "max_duty": 0.2, "bin_width": 10.0 / 1440.0,
          "max_periods": 200_000, "density_max": DEFAULT_DENSITY_MAX,
          "max_impact": DEFAULT_MAX_IMPACT, "n_jobs": None, **search_kw}
    _check_positive(max_duty=kw["max_duty"])
    kw["n_jobs"] = _n_jobs(kw["n_jobs"])
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
