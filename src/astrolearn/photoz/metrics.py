"""Photometric-redshift metrics: point estimates, PDFs, calibration and n(z).

Conventions
-----------
* **Scaled residual.** Every point metric is computed on
  ``dz = (z_phot - z_spec) / (1 + z_spec)``, the residual scaled by the expansion factor
  (:func:`delta_z`).
* **Point metrics** follow RAIL's ``PointStatsEz`` family (:func:`point_metrics`):
  ``sigma_nmad = 1.4826 * median(|dz - median(dz)|)`` (``PointSigmaMAD``),
  ``sigma_iqr = (q75 - q25) / 1.349`` of ``dz`` with numpy's linear percentiles
  (``PointSigmaIQR``), the classic outlier fraction ``|dz| > 0.15`` and RAIL's outlier
  fraction ``|dz| > max(0.06, 3 sigma_iqr)`` (``PointOutlierRate``). A *bias* is
  photometric minus spectroscopic (positive: photo-z too high).
* **PDFs** are arrays ``pdfs`` of shape ``(n_objects, n_grid)`` on one uniform, increasing
  grid ``zgrid``, linear between grid points, as everywhere in :mod:`astrolearn.photoz`
  (:mod:`astrolearn.photoz.pdf`). They need not be normalised: each is scaled to unit
  integral on the grid first. The CDF is the one of :func:`~astrolearn.photoz.pdf.pdf_cdf`,
  tabulated at the grid points and linear in between; the PIT, quantiles, intervals and
  stacked n(z) come from :mod:`astrolearn.photoz.pdf`. A PDF puts no probability outside
  the grid.
* **PDF metrics.** The CRPS (:func:`crps`, per object, lower is better) is integrated
  exactly for that piecewise-linear CDF, including the step at the true redshift and the
  part of the real line outside the grid. The CDE loss (:func:`cde_loss`, lower is better)
  is the loss of Izbicki & Lee (2017) used by RAIL. PIT statistics compare the PIT values
  with a uniform distribution using :func:`scipy.stats.kstest` and
  :func:`scipy.stats.cramervonmises`.
* **Bad input** (NaN, wrong shapes, lengths that differ, ``z_spec <= -1``, PDFs that are
  negative or integrate to zero) raises :class:`~astrolearn.errors.AstrolearnInputError`
  naming the argument and the fix; no metric returns a silent ``NaN``. The one exception is
  :func:`binned_photoz_metrics`, whose empty bins are rows with ``n = 0`` and ``NaN``
  metrics.

Examples
--------
>>> stats = point_metrics([0.11, 0.52, 1.1], [0.1, 0.5, 1.0])
>>> stats["n"], round(stats["bias_median"], 4)
(3, 0.0133)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import _bin_edges, _bin_quantity, _check_same_length, _unit_bins
from astrolearn.photoz.pdf import (
    normalise_pdfs,
    pdf_cdf,
    pdf_interval,
    pdf_mean,
    pit_values,
    stack_pdfs,
)

__all__ = [
    "OUTLIER_DZ",
    "binned_photoz_metrics",
    "cde_loss",
    "crps",
    "delta_z",
    "interval_coverage",
    "nz_comparison",
    "pdf_metrics",
    "pit_histogram",
    "pit_statistics",
    "point_metrics",
]

#: The classic catastrophic-outlier cut on ``|dz|``.
OUTLIER_DZ = 0.15
#: Normal-consistency factor of the median absolute deviation.
NMAD_FACTOR = 1.4826
#: Interquartile range of a unit normal distribution.
IQR_TO_SIGMA = 1.349
#: Floor of RAIL's outlier threshold ``max(0.06, 3 sigma_iqr)``.
RAIL_OUTLIER_FLOOR = 0.06
#: A PIT value below this or above ``1 -`` this is a PIT outlier (as RAIL).
PIT_OUTLIER_EPS = 1e-4
#: Relative tolerance on the spacing of a uniform redshift grid.
GRID_TOLERANCE = 1e-6

POINT_KEYS = (
    "n",
    "bias_median",
    "bias_mean",
    "sigma_nmad",
    "sigma_iqr",
    "outlier_frac",
    "outlier_frac_rail",
    "outlier_threshold_rail",
)


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def _as_values(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a finite, non-empty 1-D float array."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise AstrolearnInputError(
                f"{name} is a table with {x.shape[1]} columns, expected one column",
                fix=f"pass a single column, e.g. {name}=frame['z']",
            )
        x = x.iloc[:, 0]
    try:
        array = np.asarray(x.to_numpy() if isinstance(x, pd.Series) else x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            f"{name} is not numeric", fix=f"pass {name} as an array of numbers"
        ) from exc
    if array.ndim != 1:
        raise AstrolearnInputError(
            f"{name} has shape {array.shape}, expected a 1-D array (one value per object)",
            fix="pass one value per object, e.g. a column of the catalog",
        )
    if array.size == 0:
        raise AstrolearnInputError(f"{name} is empty", fix="give at least one object")
    bad = ~np.isfinite(array)
    if bad.any():
        raise AstrolearnInputError(
            f"{name} has {int(bad.sum())} non-finite values (NaN/inf), the first at "
            f"position {int(np.flatnonzero(bad)[0])}",
            fix=f"drop the objects without a finite {name} before computing metrics",
        )
    return array


def _check_grid(zgrid: Any) -> np.ndarray:
    """Return ``zgrid`` as a finite, strictly increasing, uniform 1-D float array."""
    try:
        grid = np.asarray(zgrid, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "zgrid is not numeric", fix="build the grid with astrolearn.photoz.pdf.make_grid"
        ) from exc
    if grid.ndim != 1 or grid.size < 3:
        raise AstrolearnInputError(
            f"zgrid has shape {grid.shape}, expected a 1-D grid of at least 3 points",
            fix="build the grid with astrolearn.photoz.pdf.make_grid",
        )
    if not np.isfinite(grid).all():
        raise AstrolearnInputError(
            "zgrid has non-finite values", fix="build the grid with make_grid"
        )
    step = np.diff(grid)
    if not (step > 0).all():
        raise AstrolearnInputError(
            "zgrid is not strictly increasing", fix="build the grid with make_grid"
        )
    if np.abs(step - step.mean()).max() > GRID_TOLERANCE * step.mean():
        raise AstrolearnInputError(
            "zgrid is not uniform (its spacing varies); photo-z PDFs live on a uniform grid",
            fix="resample the PDFs onto make_grid(z_min, z_max, n)",
        )
    return grid


def _check_pdfs(pdfs: Any, zgrid: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate PDFs and grid; return the PDFs normalised to unit integral and the grid."""
    grid = _check_grid(zgrid)
    try:
        array = np.asarray(pdfs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "pdfs is not numeric", fix="pass an array of shape (n_objects, n_grid)"
        ) from exc
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != grid.size:
        raise AstrolearnInputError(
            f"pdfs has shape {array.shape} but the grid has {grid.size} points",
            fix="pass PDFs of shape (n_objects, len(zgrid)) with the grid they were "
            "computed on",
        )
    if array.shape[0] == 0:
        raise AstrolearnInputError("pdfs is empty", fix="give at least one object")
    bad_rows = ~np.isfinite(array).all(axis=1)
    if bad_rows.any():
        raise AstrolearnInputError(
            f"{int(bad_rows.sum())} PDFs have non-finite values (NaN/inf), the first is "
            f"row {int(np.flatnonzero(bad_rows)[0])}",
            fix="drop those objects, or repair the estimator that produced them",
        )
    negative = (array < 0).any(axis=1)
    if negative.any():
        raise AstrolearnInputError(
            f"{int(negative.sum())} PDFs have negative values, the first is row "
            f"{int(np.flatnonzero(negative)[0])}",
            fix="clip and renormalise with astrolearn.photoz.pdf.normalise_pdfs",
        )
    empty = ~(array.max(axis=1) > 0)
    if empty.any():
        raise AstrolearnInputError(
            f"{int(empty.sum())} PDFs are zero on the whole grid, the first is row "
            f"{int(np.flatnonzero(empty)[0])}",
            fix="drop those objects or widen the redshift grid",
        )
    return normalise_pdfs(array, grid), grid


def _pdf_inputs(pdfs: Any, zgrid: Any, z_true: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p, grid = _check_pdfs(pdfs, zgrid)
    z = _as_values(z_true, "z_true")
    if z.size != p.shape[0]:
        raise AstrolearnInputError(
            f"{z.size} true redshifts for {p.shape[0]} PDFs",
            fix="give one true redshift per PDF, in the same order",
        )
    return p, grid, z


def _check_pit(pit: Any) -> np.ndarray:
    values = _as_values(pit, "pit")
    if (values < 0).any() or (values > 1).any():
        raise AstrolearnInputError(
            f"pit has {int(((values < 0) | (values > 1)).sum())} values outside [0, 1]",
            fix="pass PIT values (CDF of each PDF at its true redshift), e.g. from "
            "astrolearn.photoz.pdf.pit_values",
        )
    return values


# ---------------------------------------------------------------------------------------
# Point estimates
# ---------------------------------------------------------------------------------------


def delta_z(z_phot: Any, z_spec: Any) -> np.ndarray:
    """Scaled redshift residual ``(z_phot - z_spec) / (1 + z_spec)`` of every object.

    Parameters
    ----------
    z_phot : array-like of shape (n,)
        Photometric (point) redshifts.
    z_spec : array-like of shape (n,)
        Spectroscopic (true) redshifts, all above -1.

    Returns
    -------
    numpy.ndarray of shape (n,)

    Examples
    --------
    >>> delta_z([1.1, 0.5], [1.0, 0.5]).round(3).tolist()
    [0.05, 0.0]
    """
    zp = _as_values(z_phot, "z_phot")
    zs = _as_values(z_spec, "z_spec")
    _check_same_length(z_phot=zp, z_spec=zs)
    if (zs <= -1).any():
        raise AstrolearnInputError(
            f"z_spec has {int((zs <= -1).sum())} values <= -1, where 1 + z_spec is not "
            "positive",
            fix="check that z_spec holds redshifts (and z_phot and z_spec are not swapped)",
        )
    return (zp - zs) / (1.0 + zs)


def _point_from_dz(dz: np.ndarray) -> dict[str, Any]:
    median = float(np.median(dz))
    q75, q25 = np.percentile(dz, [75.0, 25.0])
    sigma_iqr = float((q75 - q25) / IQR_TO_SIGMA)
    threshold = max(RAIL_OUTLIER_FLOOR, 3.0 * sigma_iqr)
    abs_dz = np.abs(dz)
    return {
        "n": len(dz),
        "bias_median": median,
        "bias_mean": float(np.mean(dz)),
        "sigma_nmad": float(NMAD_FACTOR * np.median(np.abs(dz - median))),
        "sigma_iqr": sigma_iqr,
        "outlier_frac": float(np.mean(abs_dz > OUTLIER_DZ)),
        "outlier_frac_rail": float(np.mean(abs_dz > threshold)),
        "outlier_threshold_rail": float(threshold),
    }


def point_metrics(z_phot: Any, z_spec: Any) -> dict[str, Any]:
    """Bias, scatter and outlier fractions of point photo-z, from ``dz`` of :func:`delta_z`.

    Parameters
    ----------
    z_phot, z_spec : array-like of shape (n,)
        Photometric and spectroscopic redshifts.

    Returns
    -------
    dict
        ``n`` (int); floats ``bias_median`` (median ``dz``), ``bias_mean`` (mean ``dz``),
        ``sigma_nmad`` (``1.4826 * median(|dz - median(dz)|)``, RAIL's
        ``PointSigmaMAD``), ``sigma_iqr`` (``(q75 - q25) / 1.349`` of ``dz``, RAIL's
        ``PointSigmaIQR``), ``outlier_frac`` (fraction with ``|dz| > 0.15``),
        ``outlier_frac_rail`` (fraction with ``|dz| > max(0.06, 3 sigma_iqr)``, RAIL's
        ``PointOutlierRate``) and ``outlier_threshold_rail`` (that threshold).

    Examples
    --------
    >>> m = point_metrics([0.0, 1.02, 0.47, 3.4, 0.4], [0.0, 1.0, 0.5, 3.0, 1.0])
    >>> round(m["sigma_nmad"], 6), m["outlier_frac"], m["outlier_frac_rail"]
    (0.029652, 0.2, 0.4)
    """
    return _point_from_dz(delta_z(z_phot, z_spec))


# ---------------------------------------------------------------------------------------
# PIT
# ---------------------------------------------------------------------------------------


def pit_statistics(pit: Any) -> dict[str, float]:
    """Tests of the uniformity of PIT values: Kolmogorov-Smirnov, Cramér-von Mises, outliers.

    Parameters
    ----------
    pit : array-like of shape (n,)
        PIT values in [0, 1] (:func:`astrolearn.photoz.pdf.pit_values`); at least two.

    Returns
    -------
    dict
        ``ks`` and ``ks_pvalue`` (:func:`scipy.stats.kstest` against the uniform
        distribution on [0, 1]), ``cvm`` and ``cvm_pvalue``
        (:func:`scipy.stats.cramervonmises` against the same), and ``pit_outlier_frac``,
        the fraction of PIT values below ``1e-4`` or above ``1 - 1e-4`` (true redshifts in
        the far tails of their PDF, as RAIL). Small statistics, large p-values and few
        outliers mean calibrated PDFs.

    Examples
    --------
    >>> s = pit_statistics([0.25, 0.75])
    >>> s["ks"], round(s["cvm"], 6), s["pit_outlier_frac"]
    (0.25, 0.041667, 0.0)
    """
    values = _check_pit(pit)
    if values.size < 2:
        raise AstrolearnInputError(
            "PIT statistics need at least 2 PIT values, got 1",
            fix="evaluate more objects",
        )
    ks = sps.kstest(values, "uniform")
    cvm = sps.cramervonmises(values, "uniform")
    outliers = (values < PIT_OUTLIER_EPS) | (values > 1.0 - PIT_OUTLIER_EPS)
    return {
        "ks": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "cvm": float(cvm.statistic),
        "cvm_pvalue": float(cvm.pvalue),
        "pit_outlier_frac": float(np.mean(outliers)),
    }


def pit_histogram(pit: Any, n_bins: int = 20) -> pd.DataFrame:
    """Histogram of PIT values in ``n_bins`` equal bins on [0, 1].

    Parameters
    ----------
    pit : array-like of shape (n,)
        PIT values in [0, 1].
    n_bins : int
        Number of bins; bins are ``[low, high)`` except the last, which includes 1.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin_low``, ``bin_high``, ``count`` and ``density``
        (``count / (n * width)``: 1 everywhere for perfectly uniform PIT values, a U shape
        for over-confident PDFs, a hump for under-confident ones).

    Examples
    --------
    >>> pit_histogram([0.1, 0.2, 0.6, 1.0], n_bins=2)["density"].tolist()
    [1.0, 1.0]
    """
    values = _check_pit(pit)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise AstrolearnInputError(
            f"n_bins must be a positive integer, got {n_bins!r}", fix="pass e.g. n_bins=20"
        )
    edges, which = _unit_bins(values, int(n_bins))
    counts = np.bincount(which, minlength=int(n_bins))
    width = np.diff(edges)
    return pd.DataFrame(
        {
            "bin_low": edges[:-1],
            "bin_high": edges[1:],
            "count": counts.astype(np.int64),
            "density": counts / (values.size * width),
        }
    )


# ---------------------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------------------


def _sq_integral(a: np.ndarray, b: np.ndarray, width: Any) -> np.ndarray:
    """Exact integral of ``g(z)**2`` over an interval where ``g`` is linear from a to b."""
    return width * (a * a + a * b + b * b) / 3.0


def crps(pdfs: Any, zgrid: Any, z_true: Any) -> np.ndarray:
    """Continuous ranked probability score of every PDF (lower is better).

    ``CRPS = integral over all z of (F(z) - H(z - z_true))**2 dz``, with ``F`` the CDF of
    the PDF and ``H`` the unit step. ``F`` is linear between grid points
    (:func:`~astrolearn.photoz.pdf.pdf_cdf`), 0 below and 1 above the grid, so the
    integral is exact: on each grid interval ``(F - H)**2`` is the square of a linear
    function, the interval holding ``z_true`` is split at ``z_true``, and a true redshift
    outside the grid adds ``z_true - z_max`` (above the grid, where ``F = 1 != H = 0``)
    or ``z_min - z_true`` (below, where ``F = 0 != H = 1``). The CRPS has the units of
    redshift: a point mass at ``z0`` scores ``|z0 - z_true|``.

    Parameters
    ----------
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid`` (normalised here).
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    z_true : array-like of shape (n,)
        True (spectroscopic) redshifts.

    Returns
    -------
    numpy.ndarray of shape (n,)

    Examples
    --------
    >>> crps(np.ones((1, 11)), np.linspace(0, 1, 11), [0.5]).round(6).tolist()  # 1/12
    [0.083333]
    """
    p, grid, z = _pdf_inputs(pdfs, zgrid, z_true)
    cdf = pdf_cdf(p, grid)
    a, b = cdf[:, :-1], cdf[:, 1:]
    lo, hi = grid[None, :-1], grid[None, 1:]
    zt = z[:, None]
    below = hi <= zt  # whole interval below z_true: H = 0
    above = lo >= zt  # whole interval above z_true: H = 1
    split = ~(below | above)
    width = hi - lo
    parts = np.where(below, _sq_integral(a, b, width), 0.0)
    parts += np.where(above, _sq_integral(1.0 - a, 1.0 - b, width), 0.0)
    # the interval holding z_true: F(z_true) by linear interpolation, then two pieces
    frac = np.clip((zt - lo) / width, 0.0, 1.0)
    f_t = a + frac * (b - a)
    left = _sq_integral(a, f_t, zt - lo)
    right = _sq_integral(1.0 - f_t, 1.0 - b, hi - zt)
    parts += np.where(split, left + right, 0.0)
    outside = np.clip(z - grid[-1], 0.0, None) + np.clip(grid[0] - z, 0.0, None)
    return parts.sum(axis=1) + outside


def cde_loss(pdfs: Any, zgrid: Any, z_true: Any) -> float:
    """Conditional density estimation loss of Izbicki & Lee (2017), as in RAIL (lower is better).

    ``L = mean over objects of [ integral p(z|x)**2 dz - 2 p(z_true|x) ]``. It estimates,
    up to a constant independent of the estimator, the integrated squared error between
    the estimated and the true conditional density. ``p(z_true|x)`` is the PDF
    interpolated linearly at ``z_true`` (0 outside the grid) and ``integral p**2`` is exact
    for the PDF linear between grid points. RAIL's ``CDELoss`` uses the trapezoid rule for
    ``p**2`` and the nearest grid point for ``p(z_true)``; both converge to these values as
    the grid gets finer.

    Parameters
    ----------
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid`` (normalised here).
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    z_true : array-like of shape (n,)
        True redshifts.

    Returns
    -------
    float

    Examples
    --------
    >>> cde_loss(np.ones((1, 11)), np.linspace(0, 1, 11), [0.3])  # 1 - 2 * 1
    -1.0
    """
    p, grid, z = _pdf_inputs(pdfs, zgrid, z_true)
    term1 = _sq_integral(p[:, :-1], p[:, 1:], np.diff(grid)[None, :]).sum(axis=1)
    lo = np.clip(np.searchsorted(grid, z, side="right") - 1, 0, grid.size - 2)
    frac = (z - grid[lo]) / (grid[lo + 1] - grid[lo])
    rows = np.arange(p.shape[0])
    at_true = p[rows, lo] * (1.0 - frac) + p[rows, lo + 1] * frac
    at_true[(z < grid[0]) | (z > grid[-1])] = 0.0
    return float(np.mean(term1 - 2.0 * at_true))


def _coverage_key(level: float) -> str:
    return f"coverage_{level * 100:g}"


def interval_coverage(
    pdfs: Any, zgrid: Any, z_true: Any, levels: Sequence[float] = (0.68, 0.95)
) -> dict[str, float]:
    """Fraction of true redshifts inside the central credible interval of their PDF.

    Parameters
    ----------
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid``.
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    z_true : array-like of shape (n,)
        True redshifts.
    levels : sequence of float
        Probabilities in (0, 1) held by the central intervals
        (:func:`~astrolearn.photoz.pdf.pdf_interval`). Calibrated PDFs have coverage equal
        to the level; lower coverage means over-confident PDFs.

    Returns
    -------
    dict
        ``coverage_<100 level>`` for each level, e.g. ``coverage_68`` and
        ``coverage_95``; an interval includes its ends.

    Examples
    --------
    >>> z = np.linspace(0, 1, 101)
    >>> interval_coverage(np.ones((2, 101)), z, [0.5, 0.9])
    {'coverage_68': 0.5, 'coverage_95': 1.0}
    """
    p, grid, z = _pdf_inputs(pdfs, zgrid, z_true)
    try:
        levels = [float(level) for level in np.atleast_1d(np.asarray(levels, dtype=float))]
    except (TypeError, ValueError) as exc:
        raise AstrolearnInputError(
            "levels is not a list of numbers", fix="pass e.g. levels=(0.68, 0.95)"
        ) from exc
    if not levels:
        raise AstrolearnInputError("levels is empty", fix="pass e.g. levels=(0.68, 0.95)")
    keys = [_coverage_key(level) for level in levels]
    if len(set(keys)) != len(keys):
        raise AstrolearnInputError(
            f"levels {levels} repeat a level", fix="give each level once"
        )
    out = {}
    for key, level in zip(keys, levels, strict=True):
        low, high = pdf_interval(p, grid, level)
        out[key] = float(np.mean((z >= low) & (z <= high)))
    return out


# ---------------------------------------------------------------------------------------
# Redshift distributions
# ---------------------------------------------------------------------------------------


def nz_comparison(pdfs: Any, zgrid: Any, z_true: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    """Compare the stacked PDF, n(z), with the distribution of the true redshifts.

    Parameters
    ----------
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid``; each is normalised before stacking, so every object counts once.
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    z_true : array-like of shape (n,)
        True redshifts.

    Returns
    -------
    table : pandas.DataFrame
        One row per grid point: ``z``, ``nz_stacked`` (the mean PDF,
        :func:`~astrolearn.photoz.pdf.stack_pdfs`) and ``nz_true``, the histogram density
        of ``z_true`` in bins of one grid step centred on the grid points (edges halfway
        between grid points, outer edges half a step beyond the grid), with unit integral.
        ``table.attrs["n_outside_grid"]`` counts the true redshifts outside those bins
        (not in the histogram).
    summary : dict
        ``nz_ks``: the largest absolute difference between the CDF of the stacked n(z)
        and the empirical CDF of ``z_true`` (fraction ``<= z``, of all objects), at the
        grid points; ``mean_z_stacked``, ``mean_z_true`` and ``delta_mean_z``
        (stacked minus true).

    Examples
    --------
    >>> z = np.linspace(0, 1, 5)  # 0, 0.25, 0.5, 0.75, 1
    >>> table, summary = nz_comparison(np.ones((2, 5)), z, [0.25, 0.75])
    >>> round(summary["mean_z_stacked"], 6), summary["mean_z_true"], summary["nz_ks"]
    (0.5, 0.5, 0.25)
    """
    p, grid, z = _pdf_inputs(pdfs, zgrid, z_true)
    stacked = stack_pdfs(p, grid)
    step = grid[1] - grid[0]
    edges = np.concatenate([[grid[0] - step / 2], (grid[:-1] + grid[1:]) / 2,
                            [grid[-1] + step / 2]])
    counts, _ = np.histogram(z, bins=edges)
    inside = int(counts.sum())
    nz_true = counts / (inside * np.diff(edges)) if inside else np.zeros(grid.size)
    table = pd.DataFrame({"z": grid, "nz_stacked": stacked, "nz_true": nz_true})
    table.attrs["n_outside_grid"] = int(z.size - inside)
    cdf_stacked = pdf_cdf(stacked[None, :], grid)[0]
    ecdf = np.searchsorted(np.sort(z), grid, side="right") / z.size
    mean_stacked = float(pdf_mean(stacked[None, :], grid)[0])
    mean_true = float(np.mean(z))
    summary = {
        "nz_ks": float(np.max(np.abs(cdf_stacked - ecdf))),
        "mean_z_stacked": mean_stacked,
        "mean_z_true": mean_true,
        "delta_mean_z": mean_stacked - mean_true,
    }
    return table, summary


# ---------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------


def pdf_metrics(pdfs: Any, zgrid: Any, z_true: Any) -> dict[str, float]:
    """All PDF metrics of a sample in one dictionary.

    Parameters
    ----------
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid``; at least two objects.
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    z_true : array-like of shape (n,)
        True redshifts.

    Returns
    -------
    dict
        ``crps`` (mean of :func:`crps`), ``cde_loss``, ``pit_ks``, ``pit_ks_pvalue``,
        ``pit_cvm``, ``pit_cvm_pvalue``, ``pit_outlier_frac`` (:func:`pit_statistics` of
        the PIT values), ``coverage_68``, ``coverage_95`` (:func:`interval_coverage`),
        ``nz_ks`` and ``delta_mean_z`` (:func:`nz_comparison`).

    Examples
    --------
    >>> z = np.linspace(0, 1, 101)
    >>> m = pdf_metrics(np.ones((2, 101)), z, [0.25, 0.75])
    >>> round(m["cde_loss"], 6), m["coverage_68"], round(m["pit_ks"], 6)
    (-1.0, 1.0, 0.25)
    """
    p, grid, z = _pdf_inputs(pdfs, zgrid, z_true)
    pit = pit_statistics(np.clip(pit_values(p, grid, z), 0.0, 1.0))
    _, nz = nz_comparison(p, grid, z)
    return {
        "crps": float(np.mean(crps(p, grid, z))),
        "cde_loss": cde_loss(p, grid, z),
        "pit_ks": pit["ks"],
        "pit_ks_pvalue": pit["ks_pvalue"],
        "pit_cvm": pit["cvm"],
        "pit_cvm_pvalue": pit["cvm_pvalue"],
        "pit_outlier_frac": pit["pit_outlier_frac"],
        **interval_coverage(p, grid, z, levels=(0.68, 0.95)),
        "nz_ks": nz["nz_ks"],
        "delta_mean_z": nz["delta_mean_z"],
    }


def binned_photoz_metrics(
    z_phot: Any,
    z_spec: Any,
    quantity: Any,
    bins: int | Sequence[float],
    *,
    pdfs: Any = None,
    zgrid: Any = None,
) -> pd.DataFrame:
    """Point (and optionally PDF) metrics in bins of a quantity such as a magnitude or z_spec.

    Parameters
    ----------
    z_phot, z_spec : array-like of shape (n,)
        Photometric and spectroscopic redshifts.
    quantity : array-like of shape (n,)
        The quantity to bin in. Objects with a NaN quantity, or outside the edges, are in no
        bin (counted in ``result.attrs``).
    bins : int or sequence of float
        Bin edges (strictly increasing, infinite outer edges allowed), or a number of
        equal-width bins spanning the finite values. Bins are ``[low, high)`` except the
        last, which includes its upper edge.
    pdfs : array-like of shape (n, n_grid), optional
        PDFs of the same objects; with ``zgrid``, adds PDF metrics per bin.
    zgrid : array-like of shape (n_grid,), optional
        Grid of ``pdfs``.

    Returns
    -------
    pandas.DataFrame
        One row per bin, in order: ``bin_low``, ``bin_high``, ``n``, then the
        :func:`point_metrics` keys (NaN in a bin with ``n = 0``). With PDFs also ``crps``
        (mean), ``pit_ks`` (KS statistic of the bin's PIT values against uniform) and
        ``coverage_68``. ``result.attrs["n_missing_values"]`` counts objects with a NaN
        quantity and ``result.attrs["n_out_of_range"]`` those outside the edges.

    Examples
    --------
    >>> table = binned_photoz_metrics([0.1, 0.5, 1.2], [0.1, 0.5, 1.0], [18, 19, 21],
    ...                               bins=[17, 20, 22])
    >>> table[["bin_low", "n", "bias_median"]].to_numpy().round(3).tolist()
    [[17.0, 2.0, 0.0], [20.0, 1.0, 0.1]]
    """
    dz = delta_z(z_phot, z_spec)
    x = _bin_quantity(quantity, "quantity")
    _check_same_length(z_phot=dz, quantity=x)
    if (pdfs is None) != (zgrid is None):
        raise AstrolearnInputError(
            "pdfs and zgrid must be given together", fix="pass both pdfs= and zgrid=, or neither"
        )
    with_pdfs = pdfs is not None
    if with_pdfs:
        p, grid, zs = _pdf_inputs(pdfs, zgrid, z_spec)
        crps_all = crps(p, grid, zs)
        pit_all = np.clip(pit_values(p, grid, zs), 0.0, 1.0)
        low68, high68 = pdf_interval(p, grid, 0.68)
        inside68 = (zs >= low68) & (zs <= high68)
    missing = np.isnan(x)
    edges = _bin_edges(bins, x[~missing])
    n_bins = len(edges) - 1
    which = np.searchsorted(edges, x, side="right") - 1
    which[(x == edges[-1]) & ~missing] = n_bins - 1  # last bin includes its upper edge
    inside = ~missing & (which >= 0) & (which < n_bins)
    rows = []
    for b in range(n_bins):
        sel = inside & (which == b)
        row: dict[str, Any] = {"bin_low": float(edges[b]), "bin_high": float(edges[b + 1])}
        if sel.any():
            row.update(_point_from_dz(dz[sel]))
        else:
            row.update({key: np.nan for key in POINT_KEYS})
            row["n"] = 0
        if with_pdfs:
            if sel.any():
                row["crps"] = float(np.mean(crps_all[sel]))
                row["pit_ks"] = float(sps.kstest(pit_all[sel], "uniform").statistic)
                row["coverage_68"] = float(np.mean(inside68[sel]))
            else:
                row.update(crps=np.nan, pit_ks=np.nan, coverage_68=np.nan)
        rows.append(row)
    columns = ["bin_low", "bin_high", *POINT_KEYS]
    if with_pdfs:
        columns += ["crps", "pit_ks", "coverage_68"]
    result = pd.DataFrame(rows, columns=columns)
    result["n"] = result["n"].astype(np.int64)
    result.attrs["n_missing_values"] = int(missing.sum())
    result.attrs["n_out_of_range"] = int((~missing & ~inside).sum())
    return result
