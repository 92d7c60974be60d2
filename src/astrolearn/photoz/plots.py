"""Photometric-redshift figures: z_phot against z_spec, PIT histograms, n(z), PDFs, trends.

As in :mod:`astrolearn.plots`, every function builds a :class:`matplotlib.figure.Figure`
directly, without ``pyplot`` (no global state, safe on headless machines and in threads).
The inputs are the arrays or tables of :mod:`astrolearn.photoz.metrics`, so a figure can
always be redrawn from the numbers it shows. Save with ``fig.savefig("out.png")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.metrics import OUTLIER_DZ, _check_pdfs, point_metrics
from astrolearn.plots import _bin_centres, _grid, _require

__all__ = [
    "plot_binned_photoz",
    "plot_example_pdfs",
    "plot_nz",
    "plot_pit_histogram",
    "plot_zphot_zspec",
]

#: Axis labels of the metrics of :func:`astrolearn.photoz.metrics.binned_photoz_metrics`.
METRIC_LABELS = {
    "n": "objects",
    "bias_median": "median Δz",
    "bias_mean": "mean Δz",
    "sigma_nmad": "σ_NMAD",
    "sigma_iqr": "σ_IQR",
    "outlier_frac": f"outliers (|Δz| > {OUTLIER_DZ})",
    "outlier_frac_rail": "outliers (RAIL)",
    "outlier_threshold_rail": "RAIL outlier cut",
    "crps": "mean CRPS",
    "pit_ks": "PIT KS statistic",
    "coverage_68": "68% coverage",
}


def plot_zphot_zspec(
    z_spec: Any, z_phot: Any, *, title: str | None = None, max_z: float | None = None
) -> Figure:
    """Density of photometric against spectroscopic redshift, with the outlier cuts.

    Parameters
    ----------
    z_spec, z_phot : array-like of shape (n,)
        Spectroscopic and photometric redshifts.
    title : str, optional
        Axes title.
    max_z : float, optional
        Upper limit of both axes; default a little above the largest redshift. Objects
        beyond it are not drawn (the text box says how many) but count in the metrics.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with the logarithmic count density (a colour bar, the second axes), the
        1:1 line (dotted), the outlier cuts ``z_phot = z_spec ± 0.15 (1 + z_spec)``
        (dashed) and a text box with N, σ_NMAD, the outlier fraction and the median bias
        of :func:`~astrolearn.photoz.metrics.point_metrics` over all objects.

    Examples
    --------
    >>> fig = plot_zphot_zspec([0.1, 0.5, 1.0], [0.12, 0.45, 1.3])
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (2, 'spectroscopic redshift')
    """
    stats = point_metrics(z_phot, z_spec)  # validates both arrays
    zs = np.asarray(z_spec, dtype=float).ravel()
    zp = np.asarray(z_phot, dtype=float).ravel()
    low = min(0.0, float(zs.min()), float(zp.min()))
    if max_z is None:
        high = max(float(zs.max()), float(zp.max()))
        high = high + 0.02 * (high - low) if high > low else low + 1.0
    else:
        high = float(max_z)
        if not np.isfinite(high) or high <= low:
            raise AstrolearnInputError(
                f"max_z = {max_z} is not above the lowest redshift {low:.3g}",
                fix="pass a larger max_z, or leave it out",
            )
    edges = np.linspace(low, high, 101)
    counts, _, _ = np.histogram2d(zs, zp, bins=[edges, edges])
    shown = int(counts.sum())
    fig = Figure(figsize=(5.8, 5.0), layout="constrained")
    ax = fig.add_subplot()
    masked = np.ma.masked_less(counts.T, 1)
    vmax = max(float(counts.max()), 2.0)
    mesh = ax.pcolormesh(edges, edges, masked, norm=LogNorm(vmin=1.0, vmax=vmax),
                         cmap="viridis", rasterized=True)
    fig.colorbar(mesh, ax=ax, label="objects per pixel")
    line = np.array([low, high])
    ax.plot(line, line, ":", color="black", lw=1, label="z_phot = z_spec")
    for sign in (1, -1):
        ax.plot(line, line + sign * OUTLIER_DZ * (1 + line), "--", color="grey", lw=1,
                label=f"|Δz| = {OUTLIER_DZ}" if sign == 1 else None)
    text = (
        f"N = {stats['n']}\n"
        f"σ_NMAD = {stats['sigma_nmad']:.4f}\n"
        f"outliers = {100 * stats['outlier_frac']:.2f}%\n"
        f"median Δz = {stats['bias_median']:+.4f}"
    )
    if shown < stats["n"]:
        text += f"\n{stats['n'] - shown} outside the axes"
    ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontsize="small",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel("spectroscopic redshift")
    ax.set_ylabel("photometric redshift")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_pit_histogram(hist: pd.DataFrame, *, stats: dict[str, Any] | None = None) -> Figure:
    """Bars of the PIT density, with the uniform density 1 of calibrated PDFs.

    Parameters
    ----------
    hist : pandas.DataFrame
        Output of :func:`astrolearn.photoz.metrics.pit_histogram`.
    stats : dict, optional
        Output of :func:`~astrolearn.photoz.metrics.pit_statistics` (keys ``ks`` and
        ``cvm``) or of :func:`~astrolearn.photoz.metrics.pdf_metrics` (``pit_ks`` and
        ``pit_cvm``); when given, the statistics are written on the axes.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Examples
    --------
    >>> from astrolearn.photoz.metrics import pit_histogram, pit_statistics
    >>> pit = [0.1, 0.4, 0.5, 0.9]
    >>> fig = plot_pit_histogram(pit_histogram(pit, 4), stats=pit_statistics(pit))
    >>> len(fig.axes[0].patches), fig.axes[0].get_xlabel()
    (4, 'PIT')
    """
    _require(hist, ["bin_low", "bin_high", "density"], "hist")
    if hist.empty:
        raise AstrolearnInputError("hist has no rows", fix="pass the output of pit_histogram")
    shown = {}
    if stats is not None:
        for name in ("ks", "cvm"):
            for key in (name, f"pit_{name}"):
                if key in stats:
                    shown[name] = float(stats[key])
                    break
            else:
                raise AstrolearnInputError(
                    f"stats has no {name!r} (or 'pit_{name}') entry",
                    fix="pass the output of pit_statistics or pdf_metrics",
                )
    low = hist["bin_low"].to_numpy(float)
    high = hist["bin_high"].to_numpy(float)
    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(low, hist["density"].to_numpy(float), width=high - low, align="edge",
           color="#1f77b4", alpha=0.7, edgecolor="white", linewidth=0.5)
    ax.axhline(1.0, color="black", ls="--", lw=1, label="uniform (calibrated)")
    if shown:
        ax.text(0.03, 0.97, f"KS = {shown['ks']:.3f}\nCvM = {shown['cvm']:.3f}",
                transform=ax.transAxes, va="top", ha="left", fontsize="small",
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
    ax.set_xlim(float(low.min()), float(high.max()))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("PIT")
    ax.set_ylabel("density (1 = uniform)")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def plot_nz(nz: pd.DataFrame) -> Figure:
    """The stacked n(z) of the PDFs (line) against the histogram of true redshifts (steps).

    Parameters
    ----------
    nz : pandas.DataFrame
        The table of :func:`astrolearn.photoz.metrics.nz_comparison`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with two lines.

    Examples
    --------
    >>> from astrolearn.photoz.metrics import nz_comparison
    >>> table, _ = nz_comparison(np.ones((2, 11)), np.linspace(0, 1, 11), [0.3, 0.6])
    >>> len(plot_nz(table).axes[0].lines)
    2
    """
    _require(nz, ["z", "nz_stacked", "nz_true"], "nz")
    if nz.empty:
        raise AstrolearnInputError("nz has no rows", fix="pass the table of nz_comparison")
    z = nz["z"].to_numpy(float)
    fig = Figure(figsize=(6.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.step(z, nz["nz_true"].to_numpy(float), where="mid", color="grey", label="true z")
    ax.plot(z, nz["nz_stacked"].to_numpy(float), "-", color="#d62728", label="stacked PDFs")
    ax.set_xlim(float(z.min()), float(z.max()))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("redshift")
    ax.set_ylabel("n(z)")
    ax.legend(fontsize="small")
    return fig


def plot_example_pdfs(
    zgrid: Any,
    pdfs: Any,
    z_true: Any = None,
    labels: Sequence[Any] | None = None,
    max_panels: int = 8,
) -> Figure:
    """Small multiples of the first PDFs, each with its true redshift.

    Parameters
    ----------
    zgrid : array-like of shape (n_grid,)
        Uniform, increasing redshift grid.
    pdfs : array-like of shape (n, n_grid)
        PDFs on ``zgrid`` (drawn normalised).
    z_true : array-like of shape (n,), optional
        True redshifts, drawn as vertical dashed lines (none for a NaN).
    labels : sequence of length n, optional
        Panel titles (e.g. object ids).
    max_panels : int
        At most this many PDFs (the first ones) are drawn.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per drawn PDF, up to four per row.

    Examples
    --------
    >>> z = np.linspace(0, 1, 11)
    >>> fig = plot_example_pdfs(z, np.ones((3, 11)), z_true=[0.2, 0.5, 0.7],
    ...                         labels=["a", "b", "c"])
    >>> len(fig.axes), fig.axes[1].get_title()
    (3, 'b')
    """
    if isinstance(max_panels, bool) or not isinstance(max_panels, int | np.integer) or (
        max_panels < 1
    ):
        raise AstrolearnInputError(
            f"max_panels must be a positive integer, got {max_panels!r}",
            fix="pass e.g. max_panels=8",
        )
    p, grid = _check_pdfs(pdfs, zgrid)
    n = p.shape[0]
    truth = None
    if z_true is not None:
        truth = np.asarray(z_true, dtype=float).ravel()
        if truth.size != n:
            raise AstrolearnInputError(
                f"{truth.size} true redshifts for {n} PDFs", fix="give one per PDF"
            )
    if labels is not None:
        labels = list(labels)
        if len(labels) != n:
            raise AstrolearnInputError(
                f"{len(labels)} labels for {n} PDFs", fix="give one label per PDF"
            )
    k = min(n, int(max_panels))
    nrows, ncols = _grid(k)
    fig = Figure(figsize=(2.8 * ncols, 2.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax in axes[k:]:
        fig.delaxes(ax)
    for i, ax in enumerate(axes[:k]):
        ax.plot(grid, p[i], "-", color="#1f77b4")
        if truth is not None and np.isfinite(truth[i]):
            ax.axvline(truth[i], color="black", ls="--", lw=1)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize="small")
        ax.set_ylim(bottom=0)
        if ax.get_subplotspec().is_last_row() or i + ncols >= k:
            ax.set_xlabel("redshift")
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("p(z)")
    return fig


def plot_binned_photoz(
    binned: pd.DataFrame,
    *,
    xlabel: str,
    metrics: Sequence[str] = ("sigma_nmad", "outlier_frac", "bias_median"),
) -> Figure:
    """Photo-z metrics against the binned quantity, one panel per metric.

    Parameters
    ----------
    binned : pandas.DataFrame
        Output of :func:`astrolearn.photoz.metrics.binned_photoz_metrics`.
    xlabel : str
        Label of the binned quantity (e.g. ``"r magnitude"``).
    metrics : sequence of str
        Columns of ``binned`` to draw, one panel each, sharing the x axis.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per metric. Empty bins leave gaps; a bin with an infinite edge is drawn at
        its finite edge; ``bias_*`` panels have a line at zero.

    Examples
    --------
    >>> from astrolearn.photoz.metrics import binned_photoz_metrics
    >>> table = binned_photoz_metrics([0.1, 0.5, 1.2], [0.1, 0.5, 1.0], [18, 19, 21],
    ...                               bins=[17, 20, 22])
    >>> fig = plot_binned_photoz(table, xlabel="r magnitude")
    >>> len(fig.axes), fig.axes[-1].get_xlabel()
    (3, 'r magnitude')
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    if not metrics:
        raise AstrolearnInputError("metrics is empty", fix="name at least one column to draw")
    _require(binned, ["bin_low", "bin_high", *metrics], "binned")
    if binned.empty:
        raise AstrolearnInputError(
            "binned has no rows", fix="pass the output of binned_photoz_metrics"
        )
    rows = binned.sort_values("bin_low")
    x = _bin_centres(rows["bin_low"].to_numpy(float), rows["bin_high"].to_numpy(float))
    fig = Figure(figsize=(5.5, 1.9 * len(metrics) + 0.6), layout="constrained")
    axes = fig.subplots(len(metrics), 1, squeeze=False, sharex=True)[:, 0]
    for ax, name in zip(axes, metrics, strict=True):
        ax.plot(x, pd.to_numeric(rows[name], errors="coerce").to_numpy(float), "-o",
                markersize=3, color="#1f77b4")
        if name.startswith("bias"):
            ax.axhline(0.0, color="grey", lw=1, ls=":")
        ax.set_ylabel(METRIC_LABELS.get(name, name))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(xlabel)
    return fig
