"""Evaluation of photometric redshifts: the numbers and figures a photo-z paper reports.

Point metrics of the chosen estimate (bias, sigma_NMAD, sigma_IQR, outlier fractions),
PDF metrics (CRPS, CDE loss, PIT with KS and CvM, 68/95% coverage, n(z)), all overall,
in bins of magnitude and of true redshift, and per class (galaxies and quasars apart),
with the fraction of multimodal PDFs. :func:`evaluate_photoz` works from PDFs and true
redshifts alone, so the command line, the demo and the benchmarks share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from astrolearn.photoz import metrics, plots
from astrolearn.photoz.pdf import POINT_ESTIMATES, count_modes, pdf_best, pit_values
from astrolearn.photoz.pdf import point_estimate as pdf_point_estimate
from astrolearn.report import Report, format_table

__all__ = ["PhotoZEvaluation", "evaluate_photoz", "risk_table"]

#: Headline metrics, in the order they are printed.
HEADLINE = ("n", "sigma_nmad", "outlier_frac", "outlier_frac_rail", "bias_median", "bias_mean",
            "sigma_iqr", "crps", "cde_loss", "pit_ks", "pit_cvm", "pit_outlier_frac",
            "coverage_68", "coverage_95", "nz_ks", "delta_mean_z", "multimodal_frac")


@dataclass
class PhotoZEvaluation:
    """Every metric of one photo-z evaluation, with its tables.

    Attributes
    ----------
    summary : dict
        Scalar metrics of the whole set (see :data:`HEADLINE`).
    by_magnitude, by_redshift : DataFrame or None
        Metrics in bins of magnitude and of true redshift.
    by_class : DataFrame or None
        One row of headline metrics per class.
    pit_histogram, nz : DataFrame
    point_estimate : str
        A key of :data:`~astrolearn.photoz.pdf.POINT_ESTIMATES`.
    by_risk : DataFrame or None
        Point metrics of ``z_best`` for the objects with the lowest ``z_risk`` (the
        expected loss of :func:`~astrolearn.photoz.pdf.pdf_best`): how many outliers a cut
        on ``z_risk`` removes, and how many objects it costs (see :func:`risk_table`).
    """

    summary: dict[str, float]
    by_magnitude: pd.DataFrame | None
    by_redshift: pd.DataFrame
    by_class: pd.DataFrame | None
    pit_histogram: pd.DataFrame
    nz: pd.DataFrame
    point_estimate: str
    magnitude: str | None = None
    by_risk: pd.DataFrame | None = None
    figures_data: dict = field(default_factory=dict, repr=False)

    def text(self) -> str:
        """The metrics as plain-text tables, for the terminal."""
        lines = ["  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.summary.items())]
        if self.by_class is not None:
            lines += ["", "per class", format_table(self.by_class, float_format="{:.4f}")]
        if self.by_magnitude is not None:
            lines += ["", f"in {self.magnitude} bins",
                      format_table(self._short(self.by_magnitude), float_format="{:.4f}")]
        lines += ["", "in true-redshift bins",
                  format_table(self._short(self.by_redshift), float_format="{:.4f}")]
        if self.by_risk is not None:
            lines += ["", "z_best of the objects with the lowest z_risk",
                      format_table(self.by_risk, float_format="{:.4f}")]
        return "\n".join(lines)

    @staticmethod
    def _short(binned: pd.DataFrame) -> pd.DataFrame:
        keep = [c for c in ("bin_low", "bin_high", "n", "bias_median", "sigma_nmad",
                            "outlier_frac", "crps", "pit_ks", "coverage_68")
                if c in binned.columns]
        return binned.loc[binned["n"] > 0, keep].reset_index(drop=True)

    def to_dict(self) -> dict:
        """JSON-serialisable metrics (for a model manifest)."""
        out: dict = dict(self.summary)
        if self.by_class is not None:
            out["per_class"] = self.by_class.set_index("class").replace({np.nan: None}).to_dict(
                orient="index")
        return out

    def add_to(self, report: Report, title: str = "Photometric redshifts") -> Report:
        """Add a section with the tables and standard figures to ``report``."""
        data = self.figures_data
        report.section(title, f"Point estimate: {POINT_ESTIMATES[self.point_estimate]}. "
                       "dz = (z_phot - z_spec) / (1 + z_spec); outliers |dz| > 0.15 "
                       "(outlier_frac) and |dz| > max(0.06, 3 sigma_IQR) (outlier_frac_rail, "
                       "the LSST Science Book definition used by RAIL).")
        report.metrics(self.summary, caption="Overall metrics")
        if self.by_class is not None:
            report.table(self.by_class, caption="Metrics per class", float_format="{:.4f}")
        report.figure(plots.plot_zphot_zspec(data["z_true"], data["z_point"]),
                      caption="Photometric against spectroscopic redshift (log density); "
                      "dashed: |dz| = 0.15")
        report.figure(plots.plot_pit_histogram(self.pit_histogram, stats=self.summary),
                      caption="PIT histogram: flat when the PDFs are calibrated")
        report.figure(plots.plot_nz(self.nz), caption="Stacked PDFs against the true n(z)")
        if self.by_magnitude is not None:
            report.figure(plots.plot_binned_photoz(self.by_magnitude,
                                                   xlabel=f"{self.magnitude} [mag]"),
                          caption=f"Metrics as a function of {self.magnitude}")
            report.table(self._short(self.by_magnitude), caption=f"In {self.magnitude} bins",
                         float_format="{:.4f}")
        report.figure(plots.plot_binned_photoz(self.by_redshift, xlabel="true redshift"),
                      caption="Metrics as a function of true redshift")
        report.table(self._short(self.by_redshift), caption="In true-redshift bins",
                     float_format="{:.4f}")
        if self.by_risk is not None:
            report.table(self.by_risk, float_format="{:.4f}", caption=(
                "z_best of the objects with the lowest z_risk (the expected outlier loss of "
                "each PDF): a cut on z_risk trades objects for fewer outliers"))
        examples = data.get("examples")
        if examples is not None and len(examples["rows"]):
            report.figure(plots.plot_example_pdfs(data["zgrid"], examples["pdfs"],
                                                  examples["z_true"], examples["labels"]),
                          caption=examples["caption"])
        return report


def risk_table(z_true, pdfs: np.ndarray, zgrid: np.ndarray,
               fractions: Sequence[float] = (0.5, 0.8, 0.9, 0.95, 1.0)) -> pd.DataFrame:
    """Point metrics of ``z_best`` for the fraction of objects with the lowest ``z_risk``.

    Examples
    --------
    >>> from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid
    >>> grid = make_grid(0, 2, 201)
    >>> z = np.full(4, 0.5)  # two sharp right PDFs, two broad ones far off
    >>> p = gaussian_mixture_on_grid(grid, [[0.5], [0.5], [1.2], [1.3]],
    ...                              [[0.01], [0.01], [0.3], [0.3]], np.ones((4, 1)))
    >>> table = risk_table(z, p, grid, fractions=(0.5, 1.0))
    >>> table["outlier_frac"].tolist()
    [0.0, 0.5]
    """
    z_true = np.asarray(z_true, dtype=np.float64)
    return _risk_rows(z_true, *pdf_best(pdfs, zgrid), fractions)


def _risk_rows(z_true: np.ndarray, z_best: np.ndarray, z_risk: np.ndarray,
               fractions: Sequence[float] = (0.5, 0.8, 0.9, 0.95, 1.0)) -> pd.DataFrame:
    rows = []
    for fraction in fractions:
        keep = z_risk <= np.quantile(z_risk, fraction)
        point = metrics.point_metrics(z_best[keep], z_true[keep])
        rows.append({"kept": float(fraction), "z_risk_cut": float(z_risk[keep].max()),
                     **{k: point[k] for k in ("n", "sigma_nmad", "outlier_frac",
                                              "outlier_frac_rail", "bias_median")}})
    return pd.DataFrame(rows)


def _headline(z_true, pdfs, zgrid, z_point, n_modes) -> dict[str, float]:
    summary = metrics.point_metrics(z_point, z_true)
    summary.pop("outlier_threshold_rail", None)
    summary.update({k: v for k, v in metrics.pdf_metrics(pdfs, zgrid, z_true).items()
                    if not k.endswith("_pvalue")})
    summary["multimodal_frac"] = float(np.mean(n_modes > 1))
    return {k: summary[k] for k in HEADLINE if k in summary}


def _examples(z_true, pdfs, zgrid, classes, n_modes, max_panels: int = 8) -> dict:
    """Objects to show: multimodal ones first (quasars if any), then ordinary ones."""
    order = np.argsort(-(n_modes > 1).astype(int) * 10 - (classes == "QSO").astype(int),
                       kind="stable")
    rows = order[:max_panels]
    labels = [f"{classes[i]} z={z_true[i]:.2f}" if classes[i] else f"z={z_true[i]:.2f}"
              for i in rows]
    multimodal = int(np.sum(n_modes[rows] > 1))
    caption = (f"Example PDFs ({multimodal} of {len(rows)} shown are multimodal); "
               "vertical line: true redshift")
    return {"rows": rows, "pdfs": pdfs[rows], "z_true": z_true[rows], "labels": labels,
            "caption": caption}


def evaluate_photoz(
    z_true,
    pdfs: np.ndarray,
    zgrid: np.ndarray,
    *,
    z_point: np.ndarray | None = None,
    point_estimate: str = "best",
    magnitude: np.ndarray | None = None,
    magnitude_name: str | None = None,
    magnitude_bins: Sequence[float] | int = 8,
    redshift_bins: Sequence[float] | int = 10,
    classes: Sequence[str] | None = None,
) -> PhotoZEvaluation:
    """Compute every photo-z metric from true redshifts and PDFs.

    Parameters
    ----------
    z_true : array-like
        Spectroscopic (or true) redshifts.
    pdfs : ndarray, shape (n, n_grid)
    zgrid : ndarray
    z_point : array-like, optional
        Point estimates (default: the PDF's ``point_estimate``, see
        :func:`~astrolearn.photoz.pdf.point_estimate`).
    magnitude : array-like, optional
        A magnitude per object for binned metrics (NaN rows skipped).
    magnitude_bins, redshift_bins : int or sequence of float
        Bin edges, or a number of equal-count bins.
    classes : array-like of str, optional
        A class per object (e.g. GALAXY / QSO): metrics per class too.

    Examples
    --------
    >>> from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid
    >>> z = np.linspace(0.1, 1.0, 200); grid = make_grid(0, 2, 201)
    >>> p = gaussian_mixture_on_grid(grid, z[:, None], np.full((200, 1), 0.05),
    ...                              np.ones((200, 1)))
    >>> ev = evaluate_photoz(z, p, grid)
    >>> ev.summary["outlier_frac"]
    0.0
    """
    z_true = np.asarray(z_true, dtype=np.float64)
    pdfs = np.asarray(pdfs, dtype=np.float64)
    z_best, z_risk = pdf_best(pdfs, zgrid)  # for the z_risk table, and the default point
    if z_point is None:
        z_point = z_best if point_estimate == "best" else pdf_point_estimate(
            pdfs, zgrid, point_estimate)
    z_point = np.asarray(z_point, dtype=np.float64)
    n_modes = count_modes(pdfs, zgrid)
    summary = _headline(z_true, pdfs, zgrid, z_point, n_modes)
    by_magnitude = None
    if magnitude is not None:
        by_magnitude = metrics.binned_photoz_metrics(
            z_point, z_true, np.asarray(magnitude, dtype=np.float64),
            _equal_count_edges(magnitude, magnitude_bins), pdfs=pdfs, zgrid=zgrid)
    by_redshift = metrics.binned_photoz_metrics(
        z_point, z_true, z_true, _equal_count_edges(z_true, redshift_bins), pdfs=pdfs,
        zgrid=zgrid)
    labels = np.asarray(classes if classes is not None else [""] * len(z_true), dtype=object)
    labels = np.array([str(c) if c is not None else "" for c in labels], dtype=object)
    by_class = None
    if classes is not None:
        rows = []
        for name in sorted(set(labels)):
            mask = labels == name
            if mask.sum() >= 2:
                rows.append({"class": name, **_headline(z_true[mask], pdfs[mask], zgrid,
                                                        z_point[mask], n_modes[mask])})
        by_class = pd.DataFrame(rows)
    pit = metrics.pit_histogram(np.clip(pit_values(pdfs, zgrid, z_true), 0, 1))
    nz, _ = metrics.nz_comparison(pdfs, zgrid, z_true)
    return PhotoZEvaluation(
        summary=summary, by_magnitude=by_magnitude, by_redshift=by_redshift,
        by_class=by_class, pit_histogram=pit, nz=nz, point_estimate=point_estimate,
        by_risk=_risk_rows(z_true, z_best, z_risk),
        magnitude=magnitude_name,
        figures_data={"z_true": z_true, "z_point": z_point, "zgrid": np.asarray(zgrid),
                      "examples": _examples(z_true, pdfs, zgrid, labels, n_modes)})


def _equal_count_edges(values, bins: Sequence[float] | int) -> list[float]:
    """Bin edges: given ones, or ``bins`` equal-count bins over the finite values."""
    if not isinstance(bins, (int, np.integer)):
        return list(bins)
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    edges = np.round(np.quantile(finite, np.linspace(0, 1, int(bins) + 1)), 3)
    edges[0] = np.floor(finite.min() * 1000) / 1000
    edges[-1] = np.ceil(finite.max() * 1000) / 1000 + 1e-6
    edges = np.unique(edges)
    return edges.tolist() if len(edges) > 1 else [float(finite.min()), float(finite.max()) + 1]
