"""Injection-recovery tests: how complete is the transit search, against SNR and period?

A transit survey's yield means nothing without its completeness: the fraction of planets of
a given signal-to-noise ratio and period that the pipeline finds. The standard measurement
(Christiansen et al. 2013, 2020 for Kepler; Petigura, Howard & Marcy 2013; Dressing &
Charbonneau 2015) injects model transits into real or realistic light curves, runs the *same*
pipeline as on the survey, and counts what comes out. :func:`injection_recovery` does that:

1. **a quiet star.** By default one fresh simulated star per injection, with the mission's
   cadence and data gaps (:func:`~astrolearn.datasets.transit_sim.observation_times`), the
   stellar population, white-noise-magnitude relation, granulation and spot modulation of
   :mod:`astrolearn.datasets.transit_sim` (:func:`~astrolearn.datasets.transit_sim.
   simulate_noise`), a few NaN cadences and upward cosmic-ray hits, and no signal. With
   ``lightcurves`` the injections go into the given (real) stars instead, cycling through
   them; cadences with a nonzero ``quality`` flag are dropped first.
2. **a planet.** Period log-uniform in ``period_range``, first mid-transit time uniform over
   one period (redrawn, up to 100 times, until ``min_transits`` transits fall on data, since
   a search needing two transits cannot find a planet seen once), impact parameter uniform in
   [0, 1), ``a/R*`` from Kepler's third law for a star drawn from the simulator's FGK
   population (at least 2.5), its limb darkening, circular orbit. The transit is ``batman``
   (:func:`~astrolearn.datasets.transit_sim.transit_model`, supersampled over the exposure)
   and multiplies the flux.
3. **the depth from the SNR.** The requested SNR (uniform in ``snr_range``) is the expected
   matched-filter SNR of :mod:`~astrolearn.datasets.transit_sim`,
   ``snr = depth_mean / sigma * sqrt(n_in_transit)``, with ``n_in_transit`` the finite cadences
   within T14/2 of a mid-transit time, ``depth_mean`` the mean model depth over them and
   ``sigma`` the star's white noise *measured* on its light curve before injection:
   ``1.4826 MAD(diff(flux)) / sqrt(2)``, the point-to-point scatter, which slow stellar
   variability does not inflate. The radius ratio is solved for (a few fixed-point steps of
   ``depth ~ k^2``). An SNR of 0 injects nothing: a control whose "recoveries" measure the
   false-alarm rate of the pipeline at random ephemerides, and whose signals are false alarms.
4. **the pipeline.** :func:`~astrolearn.transits.pipeline.search_lightcurves` (clean, detrend,
   iterative BLS search, ``views=False``), with ``max_signals`` (2) signals per star and the
   period range restricted to a little more than the injected one (0.9 times the shortest to
   1.1 times the longest, at most the baseline), so each search stays short.
5. **the verdict** (:func:`match_injection`). A found signal recovers the injection when its
   period is within ``period_tol`` (1 %) of the injected period (``"match"``), of half of it
   (``"half"``) or of twice it (``"double"``), and its epoch lies within ``epoch_tol`` (half)
   of the injected duration of an injected transit (for ``"half"``, of a multiple of half the
   period, since every other box of the half-period alias falls between transits).

:func:`completeness_map` and :func:`completeness_curve` turn the table into the recovered
fraction per (period, SNR) cell and per SNR bin, with Wilson (1927) binomial intervals
(:func:`astrolearn.metrics.wilson_interval`), which stay inside [0, 1] and behave at 0 and n
recoveries where the normal approximation does not (Brown, Cai & DasGupta 2001). The figures are
:func:`~astrolearn.transits.plots.plot_completeness_map` and
:func:`~astrolearn.transits.plots.plot_completeness_curve`.

Every injection has its own random stream (``numpy.random.SeedSequence([seed, 3, i])`` for
the planet and ``[seed, 2, i]`` for the simulated star), so injection ``i`` is the same
whatever ``n_injections`` and ``n_jobs``, and a seed gives the same table.

Written here because no library does it for this pipeline: injection tools of the missions
(Christiansen et al.) work on pixels, and the injection helpers of ``lightkurve`` or ``TLS``
inject into one light curve without the population, the SNR rule, the matching or the
binomial bookkeeping.
"""

from __future__ import annotations

import math
import time as _time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.datasets.transit_sim import (
    MISSIONS,
    _draw_stars,
    _mission,
    _supersample_for,
    _white_ppm,
    observation_times,
    simulate_noise,
    transit_duration,
    transit_model,
)
from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import _bin_edges, _bin_index, wilson_interval
from astrolearn.transits.lightcurves import iter_stars
from astrolearn.transits.pipeline import search_lightcurves

__all__ = [
    "MATCH_KINDS",
    "completeness_curve",
    "completeness_map",
    "injection_recovery",
    "match_injection",
    "white_noise",
]

MATCH_KINDS: tuple[str, ...] = ("match", "half", "double", "none")
"""Values of the ``match`` column: the found period equals the injected one, half or twice it,
or no found signal recovers the injection."""

_AU_RSUN = 215.032
_DAYS_PER_YEAR = 365.25
_MIN_A_RS = 2.5
_MAX_RP_RS = 0.5
_NOMINAL_RP_RS = 0.01  # radius ratio that sets the duration of an empty (SNR 0) injection
_EPOCH_TRIES = 100
_COLUMNS = ["injection", "object_id", "source_id", "period", "epoch", "duration", "depth",
            "depth_mean", "rp_rs", "a_rs", "impact", "snr", "snr_target", "white_ppm",
            "n_transits", "n_in_transit", "recovered", "match", "found_period", "found_epoch",
            "found_duration", "found_depth", "found_snr", "n_signals", "search_s"]


# ------------------------------------------------------------------------------ checks
def _finite(value: Any, name: str, *, positive: bool = False, lo: float | None = None) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    v = float(value) if ok else math.nan
    if not (ok and math.isfinite(v)) or (positive and v <= 0) or (lo is not None and v < lo):
        need = "a positive number" if positive else (f"a number >= {lo}" if lo is not None
                                                     else "a finite number")
        raise AstrolearnInputError(f"{name} must be {need}, got {value!r}", column=name)
    return v


def _range(value: Any, name: str, *, lo: float, open_lo: bool) -> tuple[float, float]:
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray) or len(value) != 2:
        raise AstrolearnInputError(f"{name} must be a (low, high) pair, got {value!r}",
                                   column=name, fix=f"give e.g. {name}=(3, 20)")
    a, b = (_finite(v, name) for v in value)
    if a < lo or (open_lo and a == lo) or a > b:
        rel = ">" if open_lo else ">="
        raise AstrolearnInputError(
            f"{name} must satisfy {lo} {rel.replace('>', '<')} low <= high, got {value!r}",
            column=name, fix=f"give (low, high) with {rel} {lo} and low <= high")
    return a, b


# -------------------------------------------------------------------------------- match
def match_injection(
    period: float,
    epoch: float,
    duration: float,
    found_period: float,
    found_epoch: float,
    *,
    period_tol: float = 0.01,
    epoch_tol: float = 0.5,
) -> str:
    """Whether a found signal is the injected transit: ``"match"``, ``"half"``, ``"double"``
    or ``"none"``.

    The found period must be within ``period_tol`` (relative) of the injected period, of half
    of it or of twice it (checked in that order), and the found epoch within ``epoch_tol``
    injected durations of an injected mid-transit time, i.e. of ``epoch + n * period`` (of
    ``epoch + n * period / 2`` for ``"half"``, whose alias puts every other box between the
    transits).

    Parameters
    ----------
    period, epoch, duration : float
        Injected period [d], mid-transit time [d] and duration T14 [d].
    found_period, found_epoch : float
        The search's period and epoch (NaN: nothing found, ``"none"``).
    period_tol : float, default 0.01
        Relative period tolerance.
    epoch_tol : float, default 0.5
        Epoch tolerance in injected durations.

    Returns
    -------
    str
        One of :data:`MATCH_KINDS`.

    Examples
    --------
    >>> match_injection(3.0, 1.0, 0.1, 3.01, 7.02)
    'match'
    >>> match_injection(3.0, 1.0, 0.1, 1.5, 2.5), match_injection(3.0, 1.0, 0.1, 6.0, 4.0)
    ('half', 'double')
    >>> match_injection(3.0, 1.0, 0.1, 3.0, 1.2)
    'none'
    """
    p = _finite(period, "period", positive=True)
    e = _finite(epoch, "epoch")
    d = _finite(duration, "duration", positive=True)
    ptol = _finite(period_tol, "period_tol", positive=True)
    etol = _finite(epoch_tol, "epoch_tol", positive=True)
    try:
        fp, fe = float(found_period), float(found_epoch)
    except (TypeError, ValueError):
        raise AstrolearnInputError(
            f"found_period and found_epoch must be numbers (NaN for nothing found), got "
            f"{found_period!r}, {found_epoch!r}") from None
    if not (math.isfinite(fp) and fp > 0 and math.isfinite(fe)):
        return "none"
    for kind, factor in (("match", 1.0), ("half", 0.5), ("double", 2.0)):
        if abs(fp / (factor * p) - 1.0) > ptol:
            continue
        modulus = 0.5 * p if kind == "half" else p
        offset = (fe - e + 0.5 * modulus) % modulus - 0.5 * modulus
        if abs(offset) <= etol * d:
            return kind
    return "none"


# --------------------------------------------------------------------------- statistics
def _check_table(table: Any, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise AstrolearnInputError(
            f"the injection table must be a pandas DataFrame, got {type(table).__name__}",
            fix="pass the table returned by injection_recovery")
    for col in columns:
        if col not in table.columns:
            raise AstrolearnInputError(
                "column missing from the injection table", column=col,
                fix=f"pass the table of injection_recovery or name the column "
                    f"(have {list(map(str, table.columns))[:12]})")
    if len(table) == 0:
        raise AstrolearnInputError("the injection table has no rows",
                                   fix="run injection_recovery with n_injections >= 1")
    return table


def _recovered(table: pd.DataFrame, column: str) -> np.ndarray:
    values = table[column]
    if values.isna().any():
        raise AstrolearnInputError("recovered flags hold missing values", column=column,
                                   fix="use True/False for every injection")
    arr = values.to_numpy()
    if arr.dtype != bool:
        if not np.isin(arr, [0, 1, True, False]).all():
            raise AstrolearnInputError("recovered flags must be True/False (or 1/0)",
                                       column=column)
        arr = arr.astype(bool)
    return arr


def _numeric(table: pd.DataFrame, column: str) -> np.ndarray:
    try:
        values = table[column].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise AstrolearnInputError("values must be numbers", column=column) from None
    if not np.isfinite(values).all():
        raise AstrolearnInputError("values hold NaN or infinities", column=column,
                                   fix="drop those injections first")
    return values


def completeness_map(
    table: pd.DataFrame,
    *,
    period_bins: int | Sequence[float] = 5,
    snr_bins: int | Sequence[float] = 6,
    period: str = "period",
    snr: str = "snr",
    recovered: str = "recovered",
    z: float = 1.0,
) -> pd.DataFrame:
    """Recovered fraction and counts per (period, SNR) cell of an injection table.

    Parameters
    ----------
    table : DataFrame
        One row per injection (:func:`injection_recovery`).
    period_bins : int or sequence of float, default 5
        Number of log-spaced bins spanning the injected periods, or the bin edges [d].
    snr_bins : int or sequence of float, default 6
        Number of linear bins spanning the SNRs, or the edges.
    period, snr, recovered : str
        Column names.
    z : float, default 1.0
        Width of the Wilson interval (:func:`astrolearn.metrics.wilson_interval`).

    Returns
    -------
    DataFrame
        One row per cell (periods slowest): ``period_lo``, ``period_hi``, ``snr_lo``,
        ``snr_hi``, ``n``, ``n_recovered``, ``fraction`` (NaN in an empty cell), ``lower``,
        ``upper``. Bins are ``[lo, hi)``, the last one closed. ``attrs["n_outside"]`` counts
        the rows outside the given edges (0 with bin counts).

    Examples
    --------
    >>> tab = pd.DataFrame({"period": [1.0, 2.0, 8.0, 9.0], "snr": [5.0, 15.0, 5.0, 15.0],
    ...                     "recovered": [False, True, True, True]})
    >>> cm = completeness_map(tab, period_bins=[1, 4, 10], snr_bins=[0, 10, 20])
    >>> cm[["n", "n_recovered"]].to_numpy().tolist()
    [[1, 0], [1, 1], [1, 1], [1, 1]]
    """
    tab = _check_table(table, [period, snr, recovered])
    p = _numeric(tab, period)
    s = _numeric(tab, snr)
    rec = _recovered(tab, recovered)
    pe = _bin_edges(period_bins, p, log=True, name="period_bins")
    se = _bin_edges(snr_bins, s, log=False, name="snr_bins")
    ip, is_ = _bin_index(p, pe), _bin_index(s, se)
    inside = (ip >= 0) & (is_ >= 0)
    n_p, n_s = pe.size - 1, se.size - 1
    cell = ip[inside] * n_s + is_[inside]
    n = np.bincount(cell, minlength=n_p * n_s)
    k = np.bincount(cell, weights=rec[inside].astype(float), minlength=n_p * n_s).astype(int)
    lower, upper = wilson_interval(k, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    rows_p, rows_s = np.divmod(np.arange(n_p * n_s), n_s)
    out = pd.DataFrame({
        "period_lo": pe[rows_p], "period_hi": pe[rows_p + 1],
        "snr_lo": se[rows_s], "snr_hi": se[rows_s + 1],
        "n": n.astype(np.int64), "n_recovered": k.astype(np.int64),
        "fraction": frac, "lower": lower, "upper": upper,
    })
    out.attrs["n_outside"] = int((~inside).sum())
    return out


def completeness_curve(
    table: pd.DataFrame,
    snr_bins: int | Sequence[float] = 8,
    *,
    snr: str = "snr",
    recovered: str = "recovered",
    z: float = 1.0,
) -> pd.DataFrame:
    """Recovered fraction against SNR, with Wilson binomial intervals.

    Parameters
    ----------
    table : DataFrame
        One row per injection (:func:`injection_recovery`).
    snr_bins : int or sequence of float, default 8
        Number of linear bins spanning the SNRs, or the edges.
    snr, recovered : str
        Column names.
    z : float, default 1.0
        Width of the interval (1: 68.3 %).

    Returns
    -------
    DataFrame
        One row per bin: ``snr_lo``, ``snr_hi``, ``snr_mid``, ``n``, ``n_recovered``,
        ``fraction`` (NaN when empty), ``lower``, ``upper``; ``attrs["n_outside"]`` as in
        :func:`completeness_map`.

    Examples
    --------
    >>> tab = pd.DataFrame({"snr": [2.0, 4.0, 12.0, 14.0, 16.0],
    ...                     "recovered": [False, False, True, True, False]})
    >>> completeness_curve(tab, [0, 10, 20])["fraction"].round(3).tolist()
    [0.0, 0.667]
    """
    tab = _check_table(table, [snr, recovered])
    s = _numeric(tab, snr)
    rec = _recovered(tab, recovered)
    se = _bin_edges(snr_bins, s, log=False, name="snr_bins")
    idx = _bin_index(s, se)
    inside = idx >= 0
    n = np.bincount(idx[inside], minlength=se.size - 1)
    k = np.bincount(idx[inside], weights=rec[inside].astype(float),
                    minlength=se.size - 1).astype(int)
    lower, upper = wilson_interval(k, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    out = pd.DataFrame({"snr_lo": se[:-1], "snr_hi": se[1:], "snr_mid": 0.5 * (se[:-1] + se[1:]),
                        "n": n.astype(np.int64), "n_recovered": k.astype(np.int64),
                        "fraction": frac, "lower": lower, "upper": upper})
    out.attrs["n_outside"] = int((~inside).sum())
    return out


# ---------------------------------------------------------------------------- injection
def white_noise(flux: np.ndarray) -> float:
    """Point-to-point white noise of a relative light curve: ``1.4826 MAD(diff) / sqrt(2)``
    of the finite fluxes divided by their median (insensitive to slow variability).

    Examples
    --------
    >>> flux = 1 + np.random.default_rng(0).normal(0, 1e-3, 5000)
    >>> round(white_noise(flux + 0.01 * np.linspace(0, 1, 5000)) * 1e3, 1)
    1.0
    """
    f = np.asarray(flux, dtype=float)
    f = f[np.isfinite(f)]
    if f.size < 3:
        return math.nan
    d = np.diff(f / np.median(f))
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2.0))


def _a_rs(period: float, mass: float, radius: float) -> float:
    a_au = (mass * (period / _DAYS_PER_YEAR) ** 2) ** (1.0 / 3.0)
    return max(_MIN_A_RS, a_au * _AU_RSUN / radius)


def _phase(t: np.ndarray, period: float, epoch: float) -> np.ndarray:
    return (t - epoch + 0.5 * period) % period - 0.5 * period


def _choose_epoch(rng, t_good, t_first, period, half, min_transits) -> tuple[float, int]:
    """Uniform first mid-transit time, redrawn until ``min_transits`` transits have data."""
    best, best_n = t_first, -1
    for _ in range(_EPOCH_TRIES if min_transits > 0 else 1):
        epoch = t_first + float(rng.uniform(0.0, period))
        inwin = np.abs(_phase(t_good, period, epoch)) < half
        n_tr = int(np.unique(np.rint((t_good[inwin] - epoch) / period)).size)
        if n_tr > best_n:
            best, best_n = epoch, n_tr
        if n_tr >= min_transits:
            break
    return best, best_n


class _Star:
    """One light curve to inject into: times, flux, error and its white noise."""

    def __init__(self, source_id, time, flux, flux_err, sigma):
        self.source_id = source_id
        self.time = time
        self.flux = flux
        self.flux_err = flux_err
        self.sigma = sigma


def _simulated_star(index: int, seed: int, times: np.ndarray, m, cadence_min: float,
                    baseline: float) -> tuple[_Star, dict[str, float]]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2, index]))
    star = {k: float(v[0]) for k, v in _draw_stars(rng, 1, m).items()}
    sigma = float(_white_ppm(np.array([star["mag"]]), m, cadence_min)[0]) * 1e-6
    prot = star["rotation_period"]
    var = simulate_noise(times, rng=rng, white_ppm=0.0, red_ppm=star["red_ppm"],
                         red_timescale_days=star["red_tau"],
                         rotation_period=prot if math.isfinite(prot) else None,
                         rotation_amp=star["rotation_amp_ppm"] if math.isfinite(prot) else 0.0,
                         spot_lifetime_days=star["spot_lifetime"] if math.isfinite(prot)
                         else None, harmonic_ratio=star["harmonic"])
    flux = var + sigma * rng.standard_normal(times.size)
    n = times.size
    cr = rng.integers(0, n, rng.poisson(3.0 * baseline / 90.0))  # cosmic rays, upward
    flux[cr] += rng.uniform(5.0, 30.0, cr.size) * sigma
    flux[rng.integers(0, n, rng.poisson(1.5 * baseline / 90.0))] = np.nan
    err = np.where(np.isfinite(flux), sigma, np.nan)
    return _Star(f"SIM {index + 1:06d}", times, flux, err, white_noise(flux)), star


def _real_stars(lightcurves: pd.DataFrame) -> list[_Star]:
    if not isinstance(lightcurves, pd.DataFrame):
        raise AstrolearnInputError(
            f"lightcurves must be a pandas DataFrame, got {type(lightcurves).__name__}",
            fix="pass a long light-curve table (object_id, time, flux[, flux_err])")
    for col in ("object_id", "time", "flux"):
        if col not in lightcurves.columns:
            raise AstrolearnInputError("column missing from the light-curve table", column=col,
                                       fix="convert the table with as_lightcurves")
    frame = lightcurves
    if "quality" in frame.columns:
        frame = frame.loc[frame["quality"].fillna(0).to_numpy() == 0]
    stars = []
    for star, rows in iter_stars(frame):
        try:
            t = rows["time"].to_numpy(dtype=float)
            f = rows["flux"].to_numpy(dtype=float)
            e = (rows["flux_err"].to_numpy(dtype=float) if "flux_err" in rows.columns
                 else None)
        except (TypeError, ValueError):
            raise AstrolearnInputError(f"star {star!r}: time, flux and flux_err must be "
                                       "numbers", column="flux") from None
        good = np.isfinite(t)
        t, f = t[good], f[good]
        e = e[good] if e is not None else None
        order = np.argsort(t, kind="stable")
        t, f = t[order], f[order]
        ok = np.isfinite(f)
        if ok.sum() < 50:
            raise AstrolearnInputError(f"star {star!r} has only {int(ok.sum())} finite fluxes",
                                       column="flux", fix="drop stars with fewer than 50 points")
        med = float(np.median(f[ok]))
        if not med > 0:
            raise AstrolearnInputError(f"star {star!r} has a median flux of {med:g}; relative "
                                       "flux (median 1) is needed", column="flux",
                                       fix="normalise the flux with as_lightcurves")
        sigma = white_noise(f)
        e = np.full(t.size, sigma * med) if e is None else e[order]
        if not (np.isfinite(sigma) and sigma > 0):
            raise AstrolearnInputError(f"star {star!r} has no measurable white noise",
                                       column="flux", fix="check for a constant flux")
        stars.append(_Star(star, t, f, e, sigma))
    if not stars:
        raise AstrolearnInputError("the light-curve table has no rows",
                                   fix="give at least one star")
    return stars


def _planet(rng, star: _Star, index, *, period_range, snr_range, min_transits, mission_m,
            host=None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draw one planet, scale it to the target SNR and inject it (a one-star table). The host's
    mass, radius and limb darkening are ``host`` (a simulated star) or drawn (a real one)."""
    t, flux = star.time, star.flux
    good = np.isfinite(flux)
    tg = t[good]
    drawn = {k: float(v[0]) for k, v in _draw_stars(rng, 1, mission_m).items()}
    host = drawn if host is None else host
    period = float(math.exp(rng.uniform(*np.log(period_range)))) \
        if period_range[1] > period_range[0] else period_range[0]
    snr_target = float(rng.uniform(*snr_range)) if snr_range[1] > snr_range[0] \
        else snr_range[0]
    impact = float(rng.uniform(0.0, 1.0))
    a_rs = _a_rs(period, host["mass_msun"], host["radius_rsun"])
    inc = math.degrees(math.acos(impact / a_rs))
    u = (host["u1"], host["u2"])
    nominal = transit_duration(period, _NOMINAL_RP_RS, a_rs, inc)
    epoch, _ = _choose_epoch(rng, tg, float(t[0]), period, 0.5 * nominal, min_transits)
    exposure = float(np.median(np.diff(t))) if t.size > 1 else 0.02
    ss = _supersample_for(exposure)
    sigma = star.sigma

    def box(k: float) -> tuple[float, int, float, np.ndarray]:
        dur = transit_duration(period, k, a_rs, inc)
        inwin = np.abs(_phase(tg, period, epoch)) < 0.5 * dur
        if not inwin.any():
            return dur, 0, 0.0, inwin
        model = transit_model(tg[inwin], period=period, epoch=epoch, rp_rs=k, a_rs=a_rs,
                              inc_deg=inc, limb_darkening=u, supersample=ss,
                              exposure_days=exposure)
        return dur, int(inwin.sum()), float(np.mean(1.0 - model)), inwin

    k = 0.0
    if snr_target > 0:
        k = 0.05
        for _ in range(8):  # depth ~ k^2: fixed-point steps towards the target SNR
            _, n_in, d_mean, _ = box(k)
            if n_in == 0 or d_mean <= 0:
                break
            target = snr_target * sigma / math.sqrt(n_in)
            k_new = float(np.clip(k * math.sqrt(target / d_mean), 1e-4, _MAX_RP_RS))
            done = abs(k_new - k) < 1e-5 * k
            k = k_new
            if done:
                break
    if k > 0:
        duration, n_in, d_mean, inwin = box(k)
        model = np.ones(t.size)
        model[good] = transit_model(tg, period=period, epoch=epoch, rp_rs=k, a_rs=a_rs,
                                    inc_deg=inc, limb_darkening=u, supersample=ss,
                                    exposure_days=exposure)
        fine = epoch + np.linspace(-0.5, 0.5, 201) * duration
        depth = float(1.0 - transit_model(fine, period=period, epoch=epoch, rp_rs=k,
                                          a_rs=a_rs, inc_deg=inc, limb_darkening=u).min())
        flux = flux * model
    else:
        duration = nominal
        inwin = np.abs(_phase(tg, period, epoch)) < 0.5 * duration
        n_in, d_mean, depth = int(inwin.sum()), 0.0, 0.0
    n_tr = int(np.unique(np.rint((tg[inwin] - epoch) / period)).size) if n_in else 0
    snr = d_mean / sigma * math.sqrt(n_in) if n_in else 0.0
    name = f"INJ {index + 1:06d}"
    frame = pd.DataFrame({"object_id": name, "time": t, "flux": flux,
                          "flux_err": star.flux_err})
    row = {"injection": index, "object_id": name, "source_id": star.source_id,
           "period": period, "epoch": epoch, "duration": float(duration), "depth": depth,
           "depth_mean": d_mean, "rp_rs": k, "a_rs": a_rs, "impact": impact, "snr": snr,
           "snr_target": snr_target, "white_ppm": sigma * 1e6, "n_transits": n_tr,
           "n_in_transit": n_in}
    return frame, row


def _verdict(row: dict[str, Any], signals: pd.DataFrame, period_tol, epoch_tol) -> dict:
    out = {"recovered": False, "match": "none", "found_period": math.nan,
           "found_epoch": math.nan, "found_duration": math.nan, "found_depth": math.nan,
           "found_snr": math.nan, "n_signals": len(signals)}
    chosen = None
    for _, sig in signals.iterrows():
        kind = match_injection(row["period"], row["epoch"], row["duration"], sig["period"],
                               sig["epoch"], period_tol=period_tol, epoch_tol=epoch_tol)
        if kind != "none":
            chosen = sig
            out["recovered"], out["match"] = True, kind
            break
    if chosen is None and len(signals):
        chosen = signals.iloc[0]  # the strongest (false) signal
    if chosen is not None:
        for col in ("period", "epoch", "duration", "depth", "snr"):
            out[f"found_{col}"] = float(chosen[col])
    return out


def _search_has_threads() -> bool:
    """Whether the BLS search takes an ``n_jobs`` (threads) option."""
    import inspect

    from astrolearn.transits.search import search_periods

    return "n_jobs" in inspect.signature(search_periods).parameters


def _run(indices, *, seed, stars, times, m, cadence_min, baseline, period_range, snr_range,
         min_transits, period_tol, epoch_tol, search, progress=None) -> list[dict]:
    rows = []
    for i in indices:
        host = None
        if stars is None:
            star, host = _simulated_star(i, seed, times, m, cadence_min, baseline)
        else:
            star = stars[i % len(stars)]
        rng = np.random.default_rng(np.random.SeedSequence([seed, 3, i]))
        frame, row = _planet(rng, star, i, period_range=period_range, snr_range=snr_range,
                             min_transits=min_transits, mission_m=m, host=host)
        start = _time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # edge points dropped by the detrending
            found = search_lightcurves(frame, views=False, **search)
        row.update(_verdict(row, found.signals, period_tol, epoch_tol))
        row["search_s"] = _time.perf_counter() - start
        rows.append(row)
        if progress is not None:
            progress(f"injection {i + 1}: P = {row['period']:.4g} d, SNR {row['snr']:.1f} -> "
                     f"{row['match']}"
                     + (f" (found P = {row['found_period']:.5g} d)" if row["n_signals"] else ""))
    return rows


def injection_recovery(
    *,
    n_injections: int = 200,
    period_range: tuple[float, float] = (0.5, 20.0),
    snr_range: tuple[float, float] = (3.0, 20.0),
    mission: str = "kepler",
    baseline_days: float | None = None,
    lightcurves: pd.DataFrame | None = None,
    seed: int = 0,
    min_transits: int = 2,
    max_signals: int = 2,
    period_tol: float = 0.01,
    epoch_tol: float = 0.5,
    n_jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    **search_kw: Any,
) -> pd.DataFrame:
    """Inject ``batman`` planets into quiet stars, run the search pipeline, and record what
    it recovers (see the module docstring for every rule).

    Parameters
    ----------
    n_injections : int, default 200
        Number of injections (one light curve each).
    period_range : (float, float), default (0.5, 20)
        Injected periods [d], log-uniform.
    snr_range : (float, float), default (3, 20)
        Expected SNR, uniform (0 injects nothing: a false-alarm control).
    mission : {"kepler", "tess"}, default "kepler"
        Cadence, gaps, noise and limb darkening of the simulated stars (and limb darkening
        of the planets injected into given light curves).
    baseline_days : float, optional
        Length of the simulated light curves (default: a 90-day Kepler quarter or a 27.4-day
        TESS sector).
    lightcurves : DataFrame, optional
        Real stars (long table ``object_id, time, flux[, flux_err, quality]``, relative flux)
        to inject into instead, used in turn.
    seed : int, default 0
        Seed of every draw.
    min_transits : int, default 2
        Epochs are redrawn (up to 100 times) until this many transits fall on data; 0 keeps
        the first draw.
    max_signals : int, default 2
        Signals searched per light curve.
    period_tol, epoch_tol : float
        Matching tolerances (:func:`match_injection`).
    n_jobs : int, default 1
        Worker processes (started with ``spawn``; the result does not depend on it). With
        more than one, each search runs on one thread.
    progress : callable, optional
        Called with one line per injection (with ``n_jobs > 1``, one line per finished
        chunk).
    **search_kw
        Passed to :func:`~astrolearn.transits.pipeline.search_lightcurves` (``min_period``
        and ``max_period`` default to 0.9 times the shortest and 1.1 times the longest
        injected period, at most the baseline; ``min_snr``, ``oversample``, ``method`` ...).

    Returns
    -------
    DataFrame
        One row per injection: ``injection``, ``object_id`` (of the injected light curve),
        ``source_id`` (the star injected into), the injected ``period``, ``epoch`` (first
        mid-transit time), ``duration`` (T14), ``depth`` (central), ``depth_mean`` (box
        depth), ``rp_rs``, ``a_rs``, ``impact``, ``snr`` (expected, as realised),
        ``snr_target``, ``white_ppm`` (measured), ``n_transits`` and ``n_in_transit`` (with
        data); the verdict ``recovered``, ``match`` (:data:`MATCH_KINDS`); the matching
        signal's (or else the strongest false signal's) ``found_period``, ``found_epoch``,
        ``found_duration``, ``found_depth``, ``found_snr`` (NaN when nothing was found);
        ``n_signals`` and ``search_s`` (seconds of the pipeline). ``attrs`` hold the
        settings.

    Examples
    --------
    >>> tab = injection_recovery(n_injections=1, mission="tess", period_range=(2, 3),
    ...                          snr_range=(30, 30), seed=1)
    >>> tab["match"].tolist(), round(float(tab["snr"].iloc[0]), 1)
    (['match'], 30.0)
    """
    if isinstance(n_injections, bool) or not isinstance(n_injections, int | np.integer) \
            or n_injections < 1:
        raise AstrolearnInputError(f"n_injections must be an integer >= 1, got "
                                   f"{n_injections!r}", column="n_injections")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise AstrolearnInputError(f"seed must be an integer >= 0, got {seed!r}", column="seed")
    for name, value, lo in (("min_transits", min_transits, 0), ("max_signals", max_signals, 1),
                            ("n_jobs", n_jobs, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lo:
            raise AstrolearnInputError(f"{name} must be an integer >= {lo}, got {value!r}",
                                       column=name)
    p_range = _range(period_range, "period_range", lo=0.0, open_lo=True)
    s_range = _range(snr_range, "snr_range", lo=0.0, open_lo=False)
    _finite(period_tol, "period_tol", positive=True)
    _finite(epoch_tol, "epoch_tol", positive=True)
    if not isinstance(mission, str) or mission.lower() not in MISSIONS:
        raise AstrolearnInputError(f"unknown mission {mission!r}", column="mission",
                                   fix=f"use one of {list(MISSIONS)}")
    m = _mission(mission)
    if "views" in search_kw:
        raise AstrolearnInputError("views cannot be set: injection runs search without views")
    seed = int(seed)
    if lightcurves is None:
        times = observation_times(m.name, baseline_days=baseline_days,
                                  rng=np.random.default_rng(np.random.SeedSequence([seed, 1])))
        stars = None
        cadence_min = m.cadence_min
        baseline = float(times[-1] - times[0])
    else:
        if baseline_days is not None:
            raise AstrolearnInputError("baseline_days is for simulated stars only",
                                       column="baseline_days",
                                       fix="leave it out when passing lightcurves")
        stars = _real_stars(lightcurves)
        times, cadence_min = None, m.cadence_min
        baseline = min(float(s.time[-1] - s.time[0]) for s in stars)
    if p_range[0] >= baseline:
        raise AstrolearnInputError(
            f"period_range starts at {p_range[0]:g} d, beyond the {baseline:.3g} d baseline",
            column="period_range", fix="lower the periods or lengthen baseline_days")
    search = {"max_signals": int(max_signals),
              "min_period": 0.9 * p_range[0],
              "max_period": min(1.1 * p_range[1], baseline), **search_kw}
    if int(n_jobs) > 1 and _search_has_threads():
        search["n_jobs"] = 1  # one BLS thread per worker process: no oversubscription
    kw = {"seed": seed, "stars": stars, "times": times, "m": m, "cadence_min": cadence_min,
          "baseline": baseline, "period_range": p_range, "snr_range": s_range,
          "min_transits": int(min_transits), "period_tol": period_tol,
          "epoch_tol": epoch_tol, "search": search}
    indices = list(range(int(n_injections)))
    start = _time.perf_counter()
    if int(n_jobs) == 1 or len(indices) == 1:
        rows = _run(indices, progress=progress, **kw)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        n_chunks = min(len(indices), 4 * int(n_jobs))
        chunks = [indices[j::n_chunks] for j in range(n_chunks)]
        rows = []
        # spawn, not fork: batman's OpenMP runtime aborts a forked child
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=int(n_jobs), mp_context=context) as pool:
            futures = [pool.submit(_run, chunk, **kw) for chunk in chunks]
            for done, future in enumerate(futures, start=1):
                rows.extend(future.result())
                if progress is not None:
                    progress(f"chunk {done}/{n_chunks}: {len(rows)} of {len(indices)} "
                             "injections done")
        rows.sort(key=lambda r: r["injection"])
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["recovered"] = table["recovered"].astype(bool)
    for col in ("injection", "n_transits", "n_in_transit", "n_signals"):
        table[col] = table[col].astype(np.int64)
    table.attrs["injection"] = {
        "n_injections": int(n_injections), "period_range": p_range, "snr_range": s_range,
        "mission": m.name, "baseline_days": baseline, "seed": seed,
        "simulated": lightcurves is None, "min_transits": int(min_transits),
        "period_tol": float(period_tol), "epoch_tol": float(epoch_tol),
        "search": {k: v for k, v in search.items() if np.isscalar(v)},
        "wall_s": _time.perf_counter() - start,
    }
    return table
