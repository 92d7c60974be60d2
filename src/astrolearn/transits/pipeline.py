"""From light curves to a table of transit signals with their views: the search pipeline.

For every star of a long light-curve table (:mod:`astrolearn.transits`):

1. **clean**: drop non-finite rows and clip upward outliers (cosmic rays, flares) only,
   :func:`~astrolearn.transits.lightcurves.clean_transit_lightcurve`;
2. **detrend** each quarter or sector with wotan's robust biweight, window
   ``min_window_factor`` (3) times the longest searched duration,
   :func:`~astrolearn.transits.detrend.detrend_lightcurves`;
3. **search** with box least squares (or TLS), masking each signal found and searching again,
   :func:`~astrolearn.transits.search.find_transits`;
4. **views**: global and local views of every signal at its ephemeris,
   :func:`~astrolearn.transits.views.views_table`, ready for
   :class:`~astrolearn.transits.classifier.TransitClassifier`.

The result is one row per signal (``object_id``, ``signal`` number, period, epoch, duration,
depth, SNR, number of transits, odd/even and secondary statistics, and the views), the
flattened light curves, and the periodogram of every search (for the figures).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.detrend import detrend_lightcurves
from astrolearn.transits.lightcurves import as_lightcurves, clean_transit_lightcurve, iter_stars
from astrolearn.transits.search import DEFAULT_MAX_DURATION, Periodogram, find_transits
from astrolearn.transits.views import views_table

__all__ = ["SearchResult", "search_lightcurves"]


@dataclass
class SearchResult:
    """What :func:`search_lightcurves` found.

    Attributes
    ----------
    signals : DataFrame
        One row per signal: ``object_id``, ``signal`` (1 for the strongest of its star),
        the :class:`~astrolearn.transits.search.TransitSignal` fields, ``search_s`` (seconds
        spent on the star) and, unless ``views=False``, ``global_view`` and ``local_view``.
    flattened : DataFrame
        The cleaned, detrended light curves (``flux_flat``, ``trend`` added).
    periodograms : dict
        ``object_id`` -> list of :class:`~astrolearn.transits.search.Periodogram`, one per
        reported signal, in the order of ``signal``.
    report : dict
        Points dropped in cleaning and detrending, per reason.
    """

    signals: pd.DataFrame
    flattened: pd.DataFrame
    periodograms: dict[Any, list[Periodogram]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


def search_lightcurves(
    lightcurves: Any,
    *,
    method: str = "bls",
    min_period: float = 0.5,
    max_period: float | None = None,
    max_duration: float = DEFAULT_MAX_DURATION,
    max_signals: int = 5,
    min_snr: float = 7.1,
    window_days: float | None = None,
    detrend_method: str = "biweight",
    min_window_factor: float = 3.0,
    sigma_upper: float = 4.0,
    views: bool = True,
    global_bins: int = 2001,
    local_bins: int = 201,
    local_durations: float = 4.0,
    progress: Callable[[str], None] | None = None,
    **search_kw: Any,
) -> SearchResult:
    """Clean, detrend and search every star; return its signals with their views.

    Parameters
    ----------
    lightcurves : DataFrame, lightkurve LightCurve(s) or tuple of arrays
        Long table ``object_id, time, flux[, flux_err, segment, quality]`` (rows with a
        non-zero ``quality`` are left out: the mission's flagged cadences), or anything
        :func:`~astrolearn.transits.lightcurves.as_lightcurves` reads: a lightkurve
        ``LightCurve`` or collection, or ``(time, flux[, flux_err])``.
    method : {"bls", "tls"}, default "bls"
        Box least squares, or Transit Least Squares (``pip install astrolearn[tls]``).
    min_period, max_period : float
        Period range [d]; ``max_period`` defaults to half the baseline (two transits).
    max_duration : float, default 0.5
        Longest trial duration [d]; it also sets the shortest allowed detrending window.
    max_signals : int, default 5
        Signals searched per star (planets found by masking the previous ones).
    min_snr : float, default 7.1
        Signals below this SNR end the search of a star.
    window_days : float, optional
        Detrending window (default ``min_window_factor * max_duration``); a window shorter
        than that is refused because it would erase the longest transits searched.
    detrend_method : str, default "biweight"
        Any of :data:`~astrolearn.transits.detrend.DETREND_METHODS`.
    min_window_factor : float, default 3.0
    sigma_upper : float, default 4.0
        Upward clipping threshold (transits point down and are never clipped).
    views : bool, default True
        Add ``global_view`` and ``local_view`` to every signal.
    global_bins, local_bins, local_durations
        View settings (:func:`~astrolearn.transits.views.make_views`).
    progress : callable, optional
        Called with one line per star.
    **search_kw
        Passed to :func:`~astrolearn.transits.search.find_transits` (e.g. ``oversample``).

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> from astrolearn.datasets.transit_sim import simulate_transits
    >>> lc, truth = simulate_transits(1, classes=["planet"], mission="tess",
    ...                               snr_range=(40, 40), period_range=(2, 3), seed=3)
    >>> found = search_lightcurves(lc, max_signals=1, views=False)
    >>> bool(abs(found.signals["period"].iloc[0] / truth["period"].iloc[0] - 1) < 1e-3)
    True
    """
    if max_signals < 1:
        raise AstrolearnInputError(f"max_signals must be at least 1, got {max_signals}")
    lightcurves = as_lightcurves(lightcurves)
    n_flagged = 0
    if "quality" in lightcurves.columns:  # flagged cadences of a table (FITS readers mask them)
        flagged = pd.to_numeric(lightcurves["quality"], errors="coerce").fillna(1).to_numpy() != 0
        n_flagged = int(flagged.sum())
        lightcurves = lightcurves.loc[~flagged]
    clean, clean_report = clean_transit_lightcurve(lightcurves, sigma_upper=sigma_upper)
    flat = detrend_lightcurves(clean, window_days=window_days, method=detrend_method,
                               transit_duration_days=max_duration,
                               min_window_factor=min_window_factor)
    rows: list[dict[str, Any]] = []
    periodograms: dict[Any, list[Periodogram]] = {}
    for star, frame in iter_stars(flat):
        start = _time.perf_counter()
        err = frame["flux_flat_err"] if "flux_flat_err" in frame else frame["flux_err"]
        signals, grams = find_transits(
            frame["time"].to_numpy(), frame["flux_flat"].to_numpy(), err.to_numpy(),
            method=method, min_period=min_period, max_period=max_period,
            max_signals=max_signals, min_snr=min_snr, **search_kw)
        seconds = _time.perf_counter() - start
        periodograms[star] = grams
        for number, signal in enumerate(signals, start=1):
            rows.append({"object_id": star, "signal": number, **signal.to_dict(),
                         "search_s": seconds})
        if progress is not None:
            found = ", ".join(f"P = {s.period:.5g} d (SNR {s.snr:.1f})" for s in signals)
            progress(f"{star}: {len(frame):,} points, {len(signals)} signal(s) in "
                     f"{seconds:.1f} s{': ' + found if found else ''}")
    signals = pd.DataFrame(rows, columns=None if rows else ["object_id", "signal", "period",
                                                             "epoch", "duration", "depth",
                                                             "snr", "n_transits"])
    if views and len(signals):
        signals = views_table(flat, signals, flux="flux_flat", global_bins=global_bins,
                              local_bins=local_bins, local_durations=local_durations,
                              errors="drop")
    report = {"quality_flagged": n_flagged, "clean": clean_report,
              "detrend": flat.attrs.get("detrend", {})}
    return SearchResult(signals=signals.reset_index(drop=True), flattened=flat,
                        periodograms=periodograms, report=report)


#: Stellar parameters of the simulation's truth table that a star catalogue would give.
_STELLAR_COLUMNS = ("teff", "logg", "radius_rsun", "mass_msun", "tmag", "kepmag")
#: Labels of the simulated vetting set, as in Kepler and TESS catalogues.
SIMULATED_LABELS = {"planet": "PC", "eb": "EB", "junk": "J"}


def label_simulated_signals(signals: pd.DataFrame, truth: pd.DataFrame, *,
                            tolerance: float = 0.01) -> pd.DataFrame:
    """Label the signals found in simulated light curves as a human vetter would.

    A signal of a planet host is ``"PC"`` when its period is within ``tolerance``
    (relative) of the planet's; a signal of an eclipsing binary is ``"EB"`` when its period
    is within ``tolerance`` of the binary's or of half or twice it (an EB with two similar
    eclipses is found at half its period); every other signal (junk stars, and signals of
    planet or EB stars at another period: noise, spots, systematics) is ``"J"``.

    Parameters
    ----------
    signals : DataFrame
        ``object_id`` and ``period`` per signal (e.g. :attr:`SearchResult.signals`).
    truth : DataFrame
        The truth table of :func:`~astrolearn.datasets.transit_sim.simulate_transits`.
    tolerance : float, default 0.01

    Returns
    -------
    DataFrame
        A copy of ``signals`` with ``label``, ``true_class``, ``true_kind`` and
        ``true_period``.

    Examples
    --------
    >>> signals = pd.DataFrame({"object_id": ["a", "b", "c"], "period": [3.0, 1.0, 5.0]})
    >>> truth = pd.DataFrame({"object_id": ["a", "b", "c"], "label": ["planet", "eb", "planet"],
    ...                       "kind": ["planet", "eb_detached", "planet"],
    ...                       "period": [3.001, 2.0, 2.0]})
    >>> list(label_simulated_signals(signals, truth)["label"])
    ['PC', 'EB', 'J']
    """
    missing = sorted(set(signals["object_id"]) - set(truth["object_id"]))
    if missing:
        raise AstrolearnInputError(f"signals of stars not in the truth table: {missing[:3]}",
                                   column="object_id", fix="pass the simulation's truth table")
    true = truth.set_index("object_id").loc[signals["object_id"]]
    true_period = true["period"].to_numpy(float)
    ratio = signals["period"].to_numpy(float) / true_period
    with np.errstate(invalid="ignore"):
        same = np.abs(ratio - 1) < tolerance
        harmonic = (same | (np.abs(ratio - 0.5) < tolerance / 2)
                    | (np.abs(ratio - 2) < 2 * tolerance))
    cls = true["label"].to_numpy(str)
    label = np.where((cls == "planet") & same, "PC",
                     np.where((cls == "eb") & harmonic, "EB", "J"))
    out = signals.copy()
    out["label"] = label
    out["true_class"] = cls
    out["true_kind"] = true["kind"].to_numpy(str)
    out["true_period"] = true_period
    return out


def simulate_signals(n_stars: int, *, mission: str = "tess", seed: int = 0,
                     global_bins: int = 201, local_bins: int = 61,
                     **search_kw: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A labelled vetting set from the simulator: simulate, search, label.

    ``n_stars`` stars (planet hosts, eclipsing binaries and junk in equal shares) are
    simulated with :func:`~astrolearn.datasets.transit_sim.simulate_transits`, searched by
    :func:`search_lightcurves` (strongest signal per star, TESS-like view bins of Yu et al.
    2019 by default) and labelled by :func:`label_simulated_signals`; the stars' catalogue
    parameters (``teff``, ``logg``, ``radius_rsun``, ``mass_msun``, magnitude) are joined.

    Returns
    -------
    signals, lightcurves, truth : DataFrame

    Examples
    --------
    >>> signals, lc, truth = simulate_signals(3, seed=2)
    >>> len(signals) <= 3 and set(signals["label"]) <= {"PC", "EB", "J"}
    True
    """
    from astrolearn.datasets.transit_sim import simulate_transits

    lightcurves, truth = simulate_transits(n_stars, mission=mission, seed=seed)
    search_kw = {"max_signals": 1, **search_kw}
    result = search_lightcurves(lightcurves, global_bins=global_bins, local_bins=local_bins,
                                **search_kw)
    signals = label_simulated_signals(result.signals, truth)
    star = [c for c in _STELLAR_COLUMNS if c in truth.columns]
    signals = signals.merge(truth[["object_id", *star]], on="object_id", how="left")
    return signals, lightcurves, truth
