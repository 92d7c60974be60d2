"""Evaluation of a transient classifier: the numbers and figures a survey paper reports.

:func:`evaluate_transients` gathers, from true labels and class probabilities alone, the
metrics of :mod:`astrolearn.transients.metrics` (PLAsTiCC log loss, accuracy, macro-F1,
one-vs-rest AUC, the SPCC figure of merit of a class of interest), the per-class purity and
completeness, the confusion matrix, the metrics as a function of days since the first
detection (early classification) and, given redshifts, accuracy, purity and completeness in
redshift bins. The result, :class:`TransientEvaluation`, prints for the terminal
(:meth:`~TransientEvaluation.text`), serialises to JSON (:meth:`~TransientEvaluation.to_dict`)
and adds itself to an HTML :class:`~astrolearn.report.Report`.

The figures of the task live here too: :func:`plot_metrics_by_days`,
:func:`plot_probability_vs_days` and :func:`plot_lightcurve` (one object's light curve, with
the class probabilities of a fitted :class:`~astrolearn.transients.TransientClassifier` and
the Gaussian-process fit of :func:`astrolearn.transients.gp.fit_gp` drawn through the
points). Like :mod:`astrolearn.plots`, they build :class:`matplotlib.figure.Figure` objects
without ``pyplot``, so they need no backend and leave no open figure behind.

No metric is computed here: they all come from :mod:`astrolearn.metrics` and
:mod:`astrolearn.transients.metrics`, reused rather than copied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from astrolearn import metrics, plots
from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import _proba_inputs
from astrolearn.report import Report, format_table
from astrolearn.transients.metrics import metrics_by_days, transient_metrics

__all__ = [
    "TransientEvaluation",
    "evaluate_transients",
    "plot_lightcurve",
    "plot_metrics_by_days",
    "plot_probability_vs_days",
]

#: Summary keys of the class of interest, and how they come out of ``transient_metrics``.
_POSITIVE_KEYS = {"positive_purity": "purity", "positive_completeness": "completeness",
                  "positive_auc": "auc", "positive_fom": "fom"}
_LC_COLUMNS = ("object_id", "time", "band", "flux", "flux_err")


# ---------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """``value`` with numpy scalars as Python ones, NaN/inf as None and dict keys as str."""
    if isinstance(value, Mapping):
        return {str(_jsonable(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if frame is None:
        return None
    return _jsonable(frame.to_dict(orient="records"))


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float | np.floating):
        return "NaN" if np.isnan(value) else f"{float(value):.4f}"
    return str(value)


# ---------------------------------------------------------------------------------------
# The evaluation
# ---------------------------------------------------------------------------------------


@dataclass
class TransientEvaluation:
    """Every metric of one evaluation of a transient classifier, with its tables.

    Attributes
    ----------
    summary : dict
        Scalar metrics: ``n``, ``plasticc_log_loss`` (class-weighted),
        ``log_loss`` (per object), ``accuracy``, ``macro_f1``, ``macro_auc`` (None when no
        class has a defined AUC) and, with a ``positive`` class, ``positive_purity``,
        ``positive_completeness``, ``positive_auc`` and ``positive_fom`` (SPCC figure of
        merit). ``positive_purity`` is NaN when no object is predicted positive.
    per_class : pandas.DataFrame
        Indexed by class: ``purity``, ``completeness``, ``f1``, ``auc`` (one-vs-rest; NaN
        where undefined), ``n_true``, ``n_pred``.
    confusion : pandas.DataFrame
        Counts, rows true class, columns predicted class.
    by_days : pandas.DataFrame or None
        The table of :func:`~astrolearn.transients.metrics.metrics_by_days`.
    by_redshift : pandas.DataFrame or None
        One row per redshift bin: ``z_low``, ``z_high``, ``n``, ``accuracy`` and, with a
        positive class, ``n_positive``, ``purity``, ``completeness``.
    classes : list
        Class names, in the order of the probability columns.
    positive : label or None
        The class of interest.
    """

    summary: dict[str, Any]
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    by_days: pd.DataFrame | None
    by_redshift: pd.DataFrame | None
    classes: list[Any]
    positive: Any = None

    def _named_summary(self) -> dict[str, Any]:
        """Summary with the positive-class keys spelt with the class name (for people)."""
        named: dict[str, Any] = {}
        for key, value in self.summary.items():
            if key in _POSITIVE_KEYS:
                key = f"{self.positive} {_POSITIVE_KEYS[key]}"
            named[key] = value
        return named

    def text(self) -> str:
        """The metrics as plain text, for the terminal.

        Returns
        -------
        str
            The key numbers on one line, then the per-class table, the confusion matrix and,
            when present, the tables by days and by redshift.
        """
        lines = ["  ".join(f"{k}={_fmt(v)}" for k, v in self._named_summary().items()), "",
                 format_table(self.per_class), "",
                 "confusion matrix (rows: true class, columns: predicted class)",
                 format_table(self.confusion, float_format="{:.0f}")]
        if self.by_days is not None:
            lines += ["", "metrics against days since first detection",
                      format_table(self.by_days)]
        if self.by_redshift is not None:
            lines += ["", "metrics in redshift bins", format_table(self.by_redshift)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable metrics (for a model manifest); NaN and inf become ``None``.

        Returns
        -------
        dict
            The summary keys, then ``classes``, ``positive``, ``per_class`` (class ->
            metrics), ``confusion`` (true class -> predicted class -> count), ``by_days``
            and ``by_redshift`` (lists of rows, or None).
        """
        per_class = {k: dict(v) for k, v in self.per_class.to_dict(orient="index").items()}
        confusion = {k: dict(v) for k, v in self.confusion.to_dict(orient="index").items()}
        return _jsonable({
            **self.summary,
            "classes": list(self.classes),
            "positive": self.positive,
            "per_class": per_class,
            "confusion": confusion,
            "by_days": _records(self.by_days),
            "by_redshift": _records(self.by_redshift),
        })

    def add_to(self, report: Report, title: str = "Transient classification") -> Report:
        """Add the tables and standard figures to ``report``.

        Sections: ``title`` (overall metrics, per-class table, confusion matrix), then
        ``"<title>: early classification"`` (figure and table of the metrics against days
        since first detection) and ``"<title>: redshift"`` when those were computed.

        Parameters
        ----------
        report : Report
        title : str

        Returns
        -------
        Report
            ``report`` itself.
        """
        report.section(title)
        report.metrics(self._named_summary(), caption="Overall metrics")
        report.table(self.per_class,
                     caption="Purity (precision), completeness (recall), F1 and one-vs-rest "
                     "AUC per class")
        report.figure(plots.plot_confusion_matrix(self.confusion), caption="Confusion matrix")
        if self.by_days is not None:
            report.section(f"{title}: early classification",
                           "Light curves truncated at a number of days after the first "
                           "detection.")
            report.figure(plot_metrics_by_days(self.by_days),
                          caption="Metrics against days since first detection")
            report.table(self.by_days, caption="Metrics against days since first detection")
        if self.by_redshift is not None:
            report.section(f"{title}: redshift")
            report.table(self.by_redshift, caption="Metrics in redshift bins")
        return report


def _redshift_table(truth: np.ndarray, predicted: np.ndarray, classes: Sequence[Any],
                    positive: Any, redshift: Any, bins: int | Sequence[float]) -> pd.DataFrame:
    """Accuracy (and the positive class's purity and completeness) per redshift bin, counted
    by :func:`astrolearn.metrics.binned_purity_completeness`; an integer ``bins`` gives
    equal-count bins."""
    try:
        z = metrics._bin_quantity(redshift, "redshift")
    except AstrolearnInputError as err:
        raise AstrolearnInputError(err.problem, column="redshift", fix=err.fix) from None
    if z.shape != (len(truth),):
        raise AstrolearnInputError(
            f"redshift has shape {z.shape} for {len(truth)} objects", column="redshift",
            fix="pass one redshift per object, in the order of y_true")
    finite = np.isfinite(z)
    if not finite.any():
        raise AstrolearnInputError("redshift has no finite value", column="redshift",
                                   fix="pass redshift=None when no redshift is known")
    if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
        if bins < 1:
            raise AstrolearnInputError(f"redshift_bins must be >= 1, got {bins}",
                                       fix="pass e.g. redshift_bins=4")
        edges = np.unique(np.quantile(z[finite], np.linspace(0.0, 1.0, int(bins) + 1)))
        bins = edges if len(edges) > 1 else np.r_[edges, edges + 1e-9]
    try:
        table = metrics.binned_purity_completeness(truth, predicted, z, bins, classes)
    except AstrolearnInputError as err:
        raise AstrolearnInputError(err.problem, column="redshift",
                                   fix="pass e.g. redshift_bins=[0, 0.3, 0.6, 1.0]") from None
    rows = []
    for (low, high), part in table.groupby(["bin_low", "bin_high"], sort=False):
        n = int(part["n_true"].sum())
        correct = float(np.nansum(part["completeness"] * part["n_true"]))
        row: dict[str, Any] = {"z_low": float(low), "z_high": float(high), "n": n,
                               "accuracy": correct / n if n else np.nan}
        if positive is not None:
            mine = part.set_index("class").loc[positive]
            row.update(n_positive=int(mine["n_true"]), purity=float(mine["purity"]),
                       completeness=float(mine["completeness"]))
        rows.append(row)
    return pd.DataFrame(rows)


def evaluate_transients(
    y_true: Any,
    proba: Any,
    classes: Sequence[Any],
    *,
    proba_by_days: Mapping[float, np.ndarray] | None = None,
    positive: Any = None,
    weights: Mapping[Any, float] | Sequence[float] | None = None,
    redshift: np.ndarray | None = None,
    redshift_bins: int | Sequence[float] = 4,
) -> TransientEvaluation:
    """Compute every transient-classification metric from true labels and probabilities.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    proba : array-like of shape (n, n_classes)
        Class probabilities of the full light curves, columns in the order of ``classes``.
    classes : sequence
        Class names (e.g. ``model.classes_``).
    proba_by_days : mapping float -> array-like of shape (n, n_classes), optional
        Probabilities of the same objects with light curves truncated at that many days after
        the first detection (e.g. ``{d: model.predict_proba(lc, meta, days=d)}``); fills
        ``by_days``.
    positive : label, optional
        Class of interest (e.g. ``"SNIa"``): its purity, completeness, AUC and SPCC figure of
        merit are added everywhere. It must occur in ``y_true`` together with other classes.
    weights : mapping or sequence of float, optional
        Class weights of the PLAsTiCC log loss (default all 1).
    redshift : array-like of shape (n,), optional
        Redshift of every object (NaN when unknown: left out of the redshift table).
    redshift_bins : int or sequence of float, default 4
        Number of equal-count redshift bins, or the bin edges (the last bin includes its
        upper edge; objects outside the edges are left out).

    Returns
    -------
    TransientEvaluation

    Examples
    --------
    Predicted Ia, Ia, II | II, Ia, II: accuracy 4/6; SN Ia efficiency 2/3 and pseudo-purity
    2 / (2 + 3 x 1) = 0.4, so the figure of merit is 0.2667.

    >>> ev = evaluate_transients(["Ia", "Ia", "Ia", "II", "II", "II"],
    ...     [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.1, 0.9]],
    ...     ["Ia", "II"], positive="Ia")
    >>> round(ev.summary["accuracy"], 4), round(ev.summary["positive_fom"], 4)
    (0.6667, 0.2667)
    """
    classes = list(classes)
    result = transient_metrics(y_true, proba, classes, positive=positive, weights=weights)
    t, p, index = _proba_inputs(y_true, proba, classes)
    names = np.asarray(index, dtype=object)
    truth = names[t]
    predicted = names[p.argmax(axis=1)]
    summary: dict[str, Any] = {
        "n": int(result["n"]),
        "plasticc_log_loss": float(result["plasticc_log_loss"]),
        "log_loss": float(result["log_loss"]),
        "accuracy": float(result["accuracy"]),
        "macro_f1": float(result["macro_f1"]),
        "macro_auc": result["auc"]["macro"],
    }
    if positive is not None:
        for key, source in _POSITIVE_KEYS.items():
            summary[key] = float(result["positive"][source])
    per_class = result["per_class"].copy()
    auc = result["auc"]["per_class"]
    per_class.insert(3, "auc", [auc.get(c, np.nan) for c in per_class.index])
    by_days = None
    if proba_by_days is not None:
        by_days = metrics_by_days(y_true, proba_by_days, classes, positive=positive,
                                  weights=weights)
    by_redshift = None
    if redshift is not None:
        by_redshift = _redshift_table(truth, predicted, classes, positive, redshift,
                                      redshift_bins)
    return TransientEvaluation(
        summary=summary,
        per_class=per_class,
        confusion=metrics.confusion_matrix(truth, predicted, classes),
        by_days=by_days,
        by_redshift=by_redshift,
        classes=classes,
        positive=positive,
    )


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def plot_metrics_by_days(by_days: pd.DataFrame) -> Figure:
    """Draw the metrics of early classification against days since the first detection.

    Parameters
    ----------
    by_days : pandas.DataFrame
        Output of :func:`~astrolearn.transients.metrics.metrics_by_days` (or
        :attr:`TransientEvaluation.by_days`).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes sharing the days axis: accuracy, macro-F1 and, when present, the positive
        class's purity, completeness and AUC (top); the PLAsTiCC log loss (bottom).

    Examples
    --------
    >>> table = metrics_by_days(["a", "b"], {3: [[0.6, 0.4], [0.6, 0.4]],
    ...                                      10: [[0.9, 0.1], [0.2, 0.8]]}, ["a", "b"])
    >>> len(plot_metrics_by_days(table).axes)
    2
    """
    plots._require(by_days, ["days", "accuracy", "macro_f1", "plasticc_log_loss"], "by_days")
    table = by_days.sort_values("days")
    days = table["days"].to_numpy(float)
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    styles = [("accuracy", "accuracy", "-o"), ("macro_f1", "macro F1", "-s"),
              ("purity", "purity (positive class)", "--^"),
              ("completeness", "completeness (positive class)", "--v"),
              ("auc", "AUC (positive class)", ":D")]
    for column, label, style in styles:
        if column in table.columns:
            top.plot(days, table[column].to_numpy(float), style, markersize=4, label=label)
    top.set_ylabel("metric")
    top.set_ylim(-0.02, 1.02)
    top.grid(alpha=0.3)
    top.legend(fontsize="small")
    bottom.plot(days, table["plasticc_log_loss"].to_numpy(float), "-o", color="#7f7f7f",
                markersize=4)
    bottom.set_ylabel("PLAsTiCC log loss")
    bottom.set_xlabel("days since first detection")
    bottom.grid(alpha=0.3)
    return fig


def plot_probability_vs_days(
    proba_by_days: Mapping[float, Any],
    classes: Sequence[Any],
    y_true: Any,
    positive: Any = None,
) -> Figure:
    """Draw the median probability of the true class against days, one line per true class.

    Parameters
    ----------
    proba_by_days : mapping float -> array-like of shape (n, n_classes)
        Probabilities of the light curves truncated at that many days after first detection.
    classes : sequence
        Class names in the order of the probability columns.
    y_true : array-like of shape (n,)
        True labels.
    positive : label, optional
        A class drawn with a thicker line.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the shaded band of each class is the interquartile range.

    Examples
    --------
    >>> fig = plot_probability_vs_days({3: [[0.6, 0.4], [0.5, 0.5]],
    ...                                 10: [[0.9, 0.1], [0.2, 0.8]]}, ["a", "b"], ["a", "b"])
    >>> len(fig.axes), len(fig.axes[0].lines)
    (1, 2)
    """
    if not isinstance(proba_by_days, Mapping) or len(proba_by_days) == 0:
        raise AstrolearnInputError(
            "proba_by_days must be a non-empty mapping days -> probabilities",
            fix="pass e.g. {5: model.predict_proba(lc, days=5), 20: ...}")
    days = sorted(proba_by_days, key=float)
    rows = []
    codes = None
    for d in days:
        t, p, index = _proba_inputs(y_true, proba_by_days[d], classes)
        codes = t
        rows.append(p[np.arange(len(t)), t])
    true_proba = np.vstack(rows)  # (n_days, n_objects)
    names = list(index)
    colours = plots.class_colours(names)
    x = np.asarray(days, dtype=float)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for c, name in enumerate(names):
        members = codes == c
        if not members.any():
            continue
        values = true_proba[:, members]
        q25, median, q75 = np.quantile(values, [0.25, 0.5, 0.75], axis=1)
        width = 2.5 if positive is not None and name == positive else 1.3
        ax.plot(x, median, "-o", color=colours[name], linewidth=width, markersize=3,
                label=f"{name} (n={int(members.sum())})")
        ax.fill_between(x, q25, q75, color=colours[name], alpha=0.15, linewidth=0)
    ax.set_xlabel("days since first detection")
    ax.set_ylabel("median probability of the true class")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", title="true class")
    return fig


def _band_wavelengths(bands: list[str], wavelengths: Mapping[str, float] | None,
                      model: Any) -> dict[str, float]:
    """Known effective wavelengths (Å) of ``bands``: given, from the model, or by name."""
    if wavelengths is None and model is not None:
        wavelengths = getattr(model, "wavelengths_", None)
    if wavelengths is not None:
        table = {str(k): float(v) for k, v in wavelengths.items()}
        return {b: table[b] for b in bands if b in table}
    from astrolearn.transients.passbands import effective_wavelength

    found = {}
    for b in bands:
        try:
            found[b] = float(effective_wavelength(b)[0])
        except AstrolearnInputError:  # unknown or ambiguous name: order it last
            pass
    return found


def _band_colours(bands: list[str]) -> dict[str, Any]:
    """Blue-to-red colours in the order of ``bands`` (already sorted by wavelength)."""
    from matplotlib import colormaps

    cmap = colormaps["rainbow"]
    if len(bands) == 1:
        return {bands[0]: cmap(0.15)}
    return {b: cmap(0.05 + 0.9 * i / (len(bands) - 1)) for i, b in enumerate(bands)}


def plot_lightcurve(
    lightcurves: pd.DataFrame,
    object_id: Any,
    *,
    model: Any = None,
    objects: pd.DataFrame | None = None,
    wavelengths: Mapping[str, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw one object's multi-band light curve, optionally with a fitted model.

    Parameters
    ----------
    lightcurves : pandas.DataFrame
        Long light-curve table (``object_id, time, band, flux, flux_err`` and optionally
        ``detected``; see :mod:`astrolearn.transients`). Rows with non-finite values or
        ``flux_err <= 0`` are not drawn.
    object_id : int or str
        The object to draw.
    model : TransientClassifier, optional
        A fitted classifier. Its class probabilities for the object appear in a text box,
        and the Gaussian process of :func:`astrolearn.transients.gp.fit_gp` fitted to the
        object is drawn through the points (mean and 1-sigma band in every band with a
        known wavelength).
    objects : pandas.DataFrame, optional
        Objects table (redshift, ``mwebv``) passed to the model; its ``redshift`` goes in the
        default title.
    wavelengths : mapping, optional
        Effective wavelength (Å) per band, to order the band colours blue to red and to fit
        the process; default ``model.wavelengths_``, else the wavelengths of the band names.
    title : str, optional
        Axes title (default ``"object <id>"`` with its redshift when known).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: error bars per band, detections filled, non-detections open.

    Raises
    ------
    AstrolearnInputError
        When the table lacks a column, or ``object_id`` is not in it.

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": 7, "time": [0.0, 1.0, 2.0, 0.5],
    ...                    "band": ["lsstg", "lsstg", "lsstg", "lsstr"],
    ...                    "flux": [1.0, 50.0, 20.0, 30.0], "flux_err": 2.0,
    ...                    "detected": [False, True, True, True]})
    >>> fig = plot_lightcurve(lc, 7)
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, 'object 7')
    """
    if not isinstance(lightcurves, pd.DataFrame):
        raise AstrolearnInputError(
            f"lightcurves must be a pandas DataFrame, got {type(lightcurves).__name__}",
            fix="read them with astrolearn.transients.lightcurves.read_lightcurves")
    missing = [c for c in _LC_COLUMNS if c not in lightcurves.columns]
    if missing:
        raise AstrolearnInputError(
            f"lightcurves lack the columns {missing}", column=missing[0],
            fix="rename the columns to object_id, time, band, flux, flux_err (or read them "
            "with astrolearn.transients.lightcurves.read_lightcurves)")
    rows = lightcurves.loc[lightcurves["object_id"] == object_id]
    if rows.empty:
        examples = ", ".join(repr(v) for v in pd.unique(lightcurves["object_id"])[:3])
        raise AstrolearnInputError(
            f"object {object_id!r} is not in the light curves", column="object_id",
            fix=f"pass one of the object_id values (e.g. {examples}) with the same type")
    time = pd.to_numeric(rows["time"], errors="coerce").to_numpy(float)
    flux = pd.to_numeric(rows["flux"], errors="coerce").to_numpy(float)
    err = pd.to_numeric(rows["flux_err"], errors="coerce").to_numpy(float)
    good = np.isfinite(time) & np.isfinite(flux) & np.isfinite(err) & (err > 0)
    if "detected" in rows.columns:
        detected = rows["detected"].fillna(False).to_numpy(bool)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            detected = flux / err >= 5.0
    band = rows["band"].astype(str).to_numpy()
    time, flux, err, detected, band = (a[good] for a in (time, flux, err, detected, band))
    present = sorted(set(band))
    known = _band_wavelengths(present, wavelengths, model)
    bands = sorted(present, key=lambda b: (b not in known, known.get(b, 0.0), b))
    colours = _band_colours(bands)

    fig = Figure(figsize=(7.0, 4.4), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color="#bbbbbb", linewidth=0.8, zorder=0)
    gp = None
    if model is not None and len(time) > 0:
        from astrolearn.transients.gp import fit_gp

        with_wl = np.array([b in known for b in band])
        if with_wl.any():
            gp = fit_gp(time[with_wl], flux[with_wl], err[with_wl],
                        np.array([known[b] for b in band[with_wl]]))
            span = max(float(np.ptp(time)), 1.0)
            grid = np.linspace(time.min() - 0.05 * span, time.max() + 0.05 * span, 300)
    for b in bands:
        colour = colours[b]
        mask = band == b
        label = f"{b} ({known[b]:.0f} Å)" if b in known else b
        for is_det, marker_face in ((True, colour), (False, "white")):
            sub = mask & (detected == is_det)
            if sub.any():
                ax.errorbar(time[sub], flux[sub], yerr=err[sub], fmt="o", markersize=4,
                            color=colour, markerfacecolor=marker_face, elinewidth=0.8,
                            capsize=0, label=label if is_det or not (mask & detected).any()
                            else None)
        if gp is not None and b in known:
            mean, std = gp.predict(grid, known[b])
            ax.plot(grid, mean, "-", color=colour, linewidth=1.2)
            ax.fill_between(grid, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)
    meta = None
    if objects is not None and "object_id" in objects.columns:
        meta = objects.loc[objects["object_id"] == object_id]
        if meta.empty:
            meta = None
    if model is not None:
        proba = np.asarray(model.predict_proba(rows, meta), dtype=float)[0]
        order = np.argsort(-proba)
        lines = [f"P({model.classes_[j]}) = {proba[j]:.2f}" for j in order]
        if gp is not None:
            lines.append(f"GP: ℓ_t = {gp.length_scale_time:.1f} d")
        ax.text(0.98, 0.97, "\n".join(lines), transform=ax.transAxes, ha="right", va="top",
                fontsize=9, bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85,
                                  "edgecolor": "#999999"})
    if title is None:
        title = f"object {object_id}"
        if meta is not None and "redshift" in meta.columns:
            z = pd.to_numeric(meta["redshift"], errors="coerce").iloc[0]
            if np.isfinite(z):
                title += f" (z = {z:.3f})"
    ax.set_title(title)
    ax.set_xlabel("time [MJD]")
    ax.set_ylabel("flux")
    ax.grid(alpha=0.3)
    if bands:
        ax.legend(fontsize="small", loc="upper left", title="band (open: not detected)",
                  title_fontsize="small")
    return fig
