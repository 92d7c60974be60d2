"""Redshift PDFs on a uniform grid: normalisation, CDFs, point estimates, intervals, PIT.

Every estimator of :mod:`astrolearn.photoz` returns PDFs as an array ``pdfs`` of shape
``(n_objects, n_grid)`` sampled on one uniform grid ``zgrid``. Between grid points a PDF
is linear (the ``interp`` representation of RAIL's ``qp`` package), so each PDF integrates
to one by the trapezoid rule and its CDF is piecewise quadratic; here the CDF is tabulated
on the grid and interpolated linearly, which is exact at the grid points.

Examples
--------
>>> zgrid = make_grid(0.0, 2.0, 201)
>>> pdfs = gaussian_mixture_on_grid(zgrid, [[0.5]], [[0.05]], [[1.0]])
>>> round(float(pdf_median(pdfs, zgrid)[0]), 3)
0.5
"""

from __future__ import annotations

import itertools

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "POINT_ESTIMATES",
    "count_modes",
    "gaussian_mixture_on_grid",
    "make_grid",
    "normalise_pdfs",
    "pdf_best",
    "pdf_cdf",
    "pdf_interval",
    "pdf_mean",
    "pdf_median",
    "pdf_mode",
    "pdf_quantiles",
    "pit_values",
    "point_estimate",
    "stack_pdfs",
]


def make_grid(z_min: float, z_max: float, n: int) -> np.ndarray:
    """A uniform redshift grid of ``n`` points from ``z_min`` to ``z_max`` inclusive.

    Examples
    --------
    >>> make_grid(0, 1, 3).tolist()
    [0.0, 0.5, 1.0]
    """
    if not (np.isfinite(z_min) and np.isfinite(z_max) and z_max > z_min):
        raise AstrolearnInputError(f"redshift grid from {z_min} to {z_max} is empty",
                                   fix="give z_max > z_min")
    if int(n) < 3:
        raise AstrolearnInputError(f"a redshift grid needs at least 3 points, got {n}",
                                   fix="use e.g. 301 grid points")
    return np.linspace(float(z_min), float(z_max), int(n))


def _check(pdfs: np.ndarray, zgrid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pdfs = np.atleast_2d(np.asarray(pdfs, dtype=np.float64))
    zgrid = np.asarray(zgrid, dtype=np.float64)
    if zgrid.ndim != 1 or pdfs.shape[1] != len(zgrid):
        raise AstrolearnInputError(
            f"PDFs have {pdfs.shape[1]} grid values but the grid has {zgrid.size} points",
            fix="pass the grid the PDFs were computed on")
    step = np.diff(zgrid)
    if zgrid.size < 3 or not np.all(step > 0) or not np.allclose(step, step[0], rtol=1e-6):
        raise AstrolearnInputError("the redshift grid is not uniform and increasing",
                                   fix="build it with make_grid(z_min, z_max, n)")
    if not np.isfinite(pdfs).all():
        raise AstrolearnInputError(
            f"{int((~np.isfinite(pdfs)).any(axis=1).sum())} PDFs hold NaN or infinite values",
            fix="check the estimator that produced them")
    return pdfs, zgrid


def _trapezoid_weights(zgrid: np.ndarray) -> np.ndarray:
    """Weights w such that ``pdfs @ w`` is the trapezoid integral on ``zgrid``."""
    dz = np.diff(zgrid)
    w = np.zeros_like(zgrid)
    w[:-1] += dz / 2
    w[1:] += dz / 2
    return w


def normalise_pdfs(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """Clip negative values and scale each PDF to unit integral on ``zgrid``.

    A PDF that is zero everywhere (an estimator that put all its mass off the grid)
    becomes uniform rather than NaN.

    Examples
    --------
    >>> normalise_pdfs(np.array([[0.0, 2.0, 0.0]]), np.array([0.0, 1.0, 2.0])).tolist()
    [[0.0, 1.0, 0.0]]
    """
    pdfs, zgrid = _check(pdfs, zgrid)
    pdfs = np.clip(pdfs, 0.0, None)
    area = pdfs @ _trapezoid_weights(zgrid)
    empty = area <= 0
    if empty.any():
        pdfs[empty] = 1.0
        area[empty] = zgrid[-1] - zgrid[0]
    return pdfs / area[:, None]


def pdf_cdf(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """The CDF of each PDF at the grid points (0 at the first point, 1 at the last).

    Examples
    --------
    >>> pdf_cdf(np.array([[0.0, 1.0, 0.0]]), np.array([0.0, 1.0, 2.0])).tolist()
    [[0.0, 0.5, 1.0]]
    """
    pdfs, zgrid = _check(pdfs, zgrid)
    steps = (pdfs[:, 1:] + pdfs[:, :-1]) * (np.diff(zgrid) / 2)
    cdf = np.zeros_like(pdfs)
    np.cumsum(steps, axis=1, out=cdf[:, 1:])
    total = cdf[:, -1:]
    total[total <= 0] = 1.0
    return cdf / total


def pdf_quantiles(pdfs: np.ndarray, zgrid: np.ndarray, q) -> np.ndarray:
    """Quantiles of each PDF, shape ``(n_objects, len(q))``.

    Examples
    --------
    >>> z = np.linspace(0, 1, 101)
    >>> pdf_quantiles(np.ones((1, 101)), z, [0.25, 0.5]).round(3).tolist()
    [[0.25, 0.5]]
    """
    cdf = pdf_cdf(pdfs, zgrid)
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    if np.any((q < 0) | (q > 1)):
        raise AstrolearnInputError(f"quantiles must lie in [0, 1], got {q.tolist()}",
                                   fix="give probabilities such as 0.16, 0.5, 0.84")
    zgrid = np.asarray(zgrid, dtype=np.float64)
    out = np.empty((cdf.shape[0], q.size))
    for j, level in enumerate(q):
        # first grid index where the CDF reaches the level, then interpolate within the step
        hi = np.clip(np.argmax(cdf >= level - 1e-12, axis=1), 1, len(zgrid) - 1)
        rows = np.arange(cdf.shape[0])
        c_lo, c_hi = cdf[rows, hi - 1], cdf[rows, hi]
        span = np.where(c_hi > c_lo, c_hi - c_lo, 1.0)
        frac = np.clip((level - c_lo) / span, 0.0, 1.0)
        out[:, j] = zgrid[hi - 1] + frac * (zgrid[hi] - zgrid[hi - 1])
    return out


def pdf_median(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """The median redshift of each PDF."""
    return pdf_quantiles(pdfs, zgrid, [0.5])[:, 0]


def pdf_mode(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """The redshift of the highest PDF value, refined by a parabola through its neighbours.

    Examples
    --------
    >>> round(float(pdf_mode(np.array([[0.0, 1.0, 1.0, 0.0]]), np.arange(4.0))[0]), 3)
    1.5
    """
    pdfs, zgrid = _check(pdfs, zgrid)
    k = np.clip(np.argmax(pdfs, axis=1), 1, len(zgrid) - 2)
    rows = np.arange(len(pdfs))
    left, centre, right = pdfs[rows, k - 1], pdfs[rows, k], pdfs[rows, k + 1]
    curvature = left - 2 * centre + right
    shift = np.where(curvature < 0, 0.5 * (left - right) / np.where(curvature < 0, curvature,
                                                                     -1.0), 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    peak = np.argmax(pdfs, axis=1)
    at_edge = (peak == 0) | (peak == len(zgrid) - 1)
    step = zgrid[1] - zgrid[0]
    return np.where(at_edge, zgrid[peak], zgrid[k] + shift * step)


def pdf_mean(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """The mean redshift of each PDF."""
    pdfs, zgrid = _check(pdfs, zgrid)
    w = _trapezoid_weights(zgrid)
    return (pdfs * zgrid) @ w / np.maximum(pdfs @ w, 1e-300)


def pdf_best(pdfs: np.ndarray, zgrid: np.ndarray, *, gamma: float = 0.15,
             chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The risk-minimising point redshift of each PDF and its risk (HSC's z_best, z_risk).

    Tanaka et al. (2018, PASJ 70, S9) define the loss of a point estimate ``zp`` of a
    galaxy at true redshift ``z`` as ``L = 1 - 1 / (1 + (dz / gamma)**2)`` with
    ``dz = (zp - z) / (1 + z)`` and ``gamma = 0.15``, the outlier threshold; ``z_best``
    minimises the expected loss ``R(zp) = integral of P(z) L(zp, z) dz`` and ``z_risk =
    R(z_best)`` (0 for a sharp PDF, close to 1 for one spread over many outlier widths)
    flags unreliable estimates. For a narrow PDF ``z_best`` is close to its median and mode
    (a little lower, as ``dz`` is divided by ``1 + z``); for a bimodal one it picks the peak
    with more probability within about ``gamma (1 + z)``, where the median can fall between
    the peaks. HSC recommends ``z_best`` as the point estimate of its releases.

    Parameters
    ----------
    pdfs : ndarray, shape (n, n_grid)
    zgrid : ndarray
    gamma : float, default 0.15
        Width of the loss in ``dz``; the conventional outlier threshold.
    chunk : int
        Rows per block (bounds the memory of the ``n_grid x n_grid`` loss product).

    Returns
    -------
    z_best, z_risk : ndarray
        Refined by a parabola through the risks at the best grid point's neighbours.

    Examples
    --------
    >>> zgrid = make_grid(0.0, 2.0, 201)
    >>> p = gaussian_mixture_on_grid(zgrid, [[0.4, 1.2]], [[0.03, 0.03]], [[0.45, 0.55]])
    >>> z_best, z_risk = pdf_best(p, zgrid)
    >>> round(float(z_best[0]), 2), round(float(z_risk[0]), 2)
    (1.19, 0.43)
    >>> round(float(pdf_mean(p, zgrid)[0]), 2)  # between the peaks, where P(z) is nil
    0.84
    """
    pdfs, zgrid = _check(pdfs, zgrid)
    if not np.isfinite(gamma) or gamma <= 0:
        raise AstrolearnInputError(f"gamma must be a positive number, got {gamma}",
                                   fix="use 0.15, the conventional outlier threshold")
    dz = (zgrid[:, None] - zgrid[None, :]) / (1.0 + zgrid[None, :])  # [candidate, true z]
    loss = 1.0 - 1.0 / (1.0 + (dz / gamma) ** 2)
    weights = _trapezoid_weights(zgrid)
    z_best = np.empty(len(pdfs))
    z_risk = np.empty(len(pdfs))
    step = zgrid[1] - zgrid[0]
    for start in range(0, len(pdfs), chunk):
        block = pdfs[start:start + chunk] * weights
        risk = (block @ loss.T) / np.maximum(block.sum(axis=1, keepdims=True), 1e-300)
        best = np.argmin(risk, axis=1)
        k = np.clip(best, 1, len(zgrid) - 2)
        rows = np.arange(len(block))
        left, centre, right = risk[rows, k - 1], risk[rows, k], risk[rows, k + 1]
        curvature = left - 2 * centre + right
        shift = np.where(curvature > 0, 0.5 * (left - right)
                         / np.where(curvature > 0, curvature, 1.0), 0.0)
        shift = np.clip(shift, -0.5, 0.5)
        at_edge = (best == 0) | (best == len(zgrid) - 1)
        z_best[start:start + chunk] = np.where(at_edge, zgrid[best], zgrid[k] + shift * step)
        z_risk[start:start + chunk] = np.clip(
            np.where(at_edge, risk[rows, best], centre - 0.25 * (left - right) * shift), 0, 1)
    return z_best, z_risk


POINT_ESTIMATES: dict[str, str] = {
    "best": "the risk-minimising redshift z_best (Tanaka et al. 2018)",
    "median": "the PDF median",
    "mode": "the PDF mode",
    "mean": "the PDF mean",
}


def point_estimate(pdfs: np.ndarray, zgrid: np.ndarray, kind: str = "best") -> np.ndarray:
    """One point redshift per PDF: ``"best"`` (:func:`pdf_best`), ``"median"``, ``"mode"``
    or ``"mean"`` (the keys of :data:`POINT_ESTIMATES`).

    Examples
    --------
    >>> zgrid = make_grid(0.0, 2.0, 201)
    >>> p = gaussian_mixture_on_grid(zgrid, [[0.5]], [[0.05]], [[1.0]])
    >>> [round(float(point_estimate(p, zgrid, k)[0]), 2) for k in POINT_ESTIMATES]
    [0.5, 0.5, 0.5, 0.5]
    """
    if kind == "best":
        return pdf_best(pdfs, zgrid)[0]
    functions = {"median": pdf_median, "mode": pdf_mode, "mean": pdf_mean}
    if kind not in functions:
        raise AstrolearnInputError(f"point estimate must be one of {tuple(POINT_ESTIMATES)}"
                                   f", got {kind!r}", fix="use 'best' or 'median'")
    return functions[kind](pdfs, zgrid)


def pdf_interval(pdfs: np.ndarray, zgrid: np.ndarray, level: float = 0.68
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The central interval holding ``level`` of the probability: (low, high) arrays."""
    if not 0 < level < 1:
        raise AstrolearnInputError(f"interval level must be in (0, 1), got {level}",
                                   fix="use e.g. 0.68 or 0.95")
    q = pdf_quantiles(pdfs, zgrid, [(1 - level) / 2, (1 + level) / 2])
    return q[:, 0], q[:, 1]


def pit_values(pdfs: np.ndarray, zgrid: np.ndarray, z_true) -> np.ndarray:
    """The probability integral transform: each PDF's CDF at the true redshift.

    A calibrated estimator gives PIT values uniform on [0, 1].

    Examples
    --------
    >>> pit_values(np.ones((1, 11)), np.linspace(0, 1, 11), [0.3]).round(3).tolist()
    [0.3]
    """
    cdf = pdf_cdf(pdfs, zgrid)
    z_true = np.asarray(z_true, dtype=np.float64).ravel()
    if z_true.size != cdf.shape[0]:
        raise AstrolearnInputError(f"{z_true.size} true redshifts for {cdf.shape[0]} PDFs",
                                   fix="give one true redshift per PDF")
    zgrid = np.asarray(zgrid, dtype=np.float64)
    pos = np.clip((z_true - zgrid[0]) / (zgrid[1] - zgrid[0]), 0, len(zgrid) - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, len(zgrid) - 2)
    frac = pos - lo
    rows = np.arange(cdf.shape[0])
    return cdf[rows, lo] * (1 - frac) + cdf[rows, lo + 1] * frac


def stack_pdfs(pdfs: np.ndarray, zgrid: np.ndarray, weights=None) -> np.ndarray:
    """The stacked redshift distribution n(z): the (weighted) mean of the PDFs."""
    pdfs = normalise_pdfs(pdfs, zgrid)
    stacked = np.average(pdfs, axis=0, weights=weights)
    return normalise_pdfs(stacked[None, :], zgrid)[0]


def gaussian_mixture_on_grid(zgrid: np.ndarray, means, sigmas, weights, *,
                             normalise: bool = True) -> np.ndarray:
    """Evaluate Gaussian mixtures (one per row) on ``zgrid``, normalised on the grid.

    A component narrower than the grid spacing is widened by half a step (in
    quadrature), so that its mass is not lost between grid points.

    Parameters
    ----------
    zgrid : ndarray, shape (n_grid,)
        Increasing points (uniform when ``normalise``).
    means, sigmas, weights : array-like, shape (n_objects, n_components)
    normalise : bool, default True
        Scale each row to unit integral on the grid; ``False`` returns the mixture
        density as it is (e.g. on a grid of ln(1 + z) that is not uniform).
    """
    zgrid = np.asarray(zgrid, dtype=np.float64)
    means = np.atleast_2d(np.asarray(means, dtype=np.float64))
    sigmas = np.atleast_2d(np.asarray(sigmas, dtype=np.float64))
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    step = float(np.max(np.diff(zgrid)))
    sigmas = np.sqrt(sigmas**2 + (0.5 * step) ** 2)
    pdfs = np.zeros((means.shape[0], zgrid.size))
    for k in range(means.shape[1]):
        u = (zgrid[None, :] - means[:, k:k + 1]) / sigmas[:, k:k + 1]
        pdfs += weights[:, k:k + 1] * np.exp(-0.5 * u * u) / sigmas[:, k:k + 1]
    if not normalise:
        return pdfs / np.sqrt(2 * np.pi)
    return normalise_pdfs(pdfs, zgrid)


def count_modes(pdfs: np.ndarray, zgrid: np.ndarray, *, min_prominence: float = 0.2,
                min_mass: float = 0.1, smooth: float = 0.01) -> np.ndarray:
    """Number of distinct peaks of each PDF.

    Each PDF is first smoothed by a Gaussian of ``smooth`` times the grid length (so
    that small wiggles of a kernel or basis estimate are not counted), then split at the
    lowest point between neighbouring peaks that rise ``min_prominence`` times the
    maximum above their surroundings; a part counts as a mode when it holds at least
    ``min_mass`` of the probability. Quasar photo-z from broad bands is often bimodal;
    this counts it.

    Examples
    --------
    >>> z = make_grid(0, 4, 401)
    >>> two = gaussian_mixture_on_grid(z, [[1.0, 3.0]], [[0.1, 0.1]], [[0.5, 0.5]])
    >>> count_modes(two, z).tolist()
    [2]
    """
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    pdfs, zgrid = _check(pdfs, zgrid)
    cdf = pdf_cdf(pdfs, zgrid)
    smoothed = gaussian_filter1d(pdfs, sigma=max(smooth * len(zgrid), 1e-3), axis=1,
                                 mode="constant")
    counts = np.ones(len(pdfs), dtype=np.int64)
    for i, row in enumerate(smoothed):
        peaks, _ = find_peaks(np.concatenate([[0.0], row, [0.0]]),
                              prominence=min_prominence * row.max())
        peaks = np.clip(peaks - 1, 0, len(zgrid) - 1)
        if len(peaks) < 2:
            continue
        valleys = [a + int(np.argmin(row[a:b + 1])) for a, b in itertools.pairwise(peaks)]
        edges = np.concatenate([[0], valleys, [len(zgrid) - 1]])
        mass = np.diff(cdf[i, edges])
        counts[i] = max(1, int(np.sum(mass >= min_mass)))
    return counts
