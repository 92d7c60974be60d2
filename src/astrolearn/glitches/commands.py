"""Command-line work for glitches: ``glitches views``, ``fit glitches``, and ``evaluate`` and
``predict`` for a glitch model folder.

``astrolearn glitches views STRAIN.hdf5 --times times.csv --out views.npz`` reads GWOSC
strain and a table of trigger times (column ``time`` in GPS seconds, optional ``id`` and
``label``), and writes the four Gravity Spy Q-transform views of each trigger to a views
file (:func:`astrolearn.glitches.classifier.write_views`). That file is what ``fit``,
``evaluate`` and ``predict`` read with ``--data``; ``predict`` can also start from strain
(``--strain`` with ``--times``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "evaluate_glitches_command",
    "fit_glitches",
    "predict_glitches",
    "read_times",
    "views_command",
    "views_from_strain",
]


def read_times(path: Path) -> pd.DataFrame:
    """Read a trigger table: ``time`` (GPS s, finite), optional ``id`` (unique), ``label``.

    Returns a new table with ``time`` (float), ``id`` (str; default the time with 4
    decimals) and, if given, ``label`` (str).
    """
    from astrolearn.io import read_table

    table = read_table(path)
    if "time" not in table.columns:
        raise AstrolearnInputError("the trigger table has no time column", file=path,
                                   column="time", fix="add a column 'time' (GPS seconds)")
    if not len(table):
        raise AstrolearnInputError("the trigger table is empty", file=path,
                                   fix="give at least one trigger time")
    times = pd.to_numeric(table["time"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(times).all():
        raise AstrolearnInputError(f"{int((~np.isfinite(times)).sum())} times are missing or "
                                   "not numbers", file=path, column="time",
                                   fix="give GPS seconds in every row")
    out = pd.DataFrame({"time": times})
    if "id" in table.columns:
        if table["id"].isna().any():
            raise AstrolearnInputError("some ids are missing", file=path, column="id",
                                       fix="give every trigger an id or drop the column")
        out["id"] = table["id"].astype(str).to_numpy()
    else:
        out["id"] = [f"{t:.4f}" for t in times]
    if out["id"].duplicated().any():
        raise AstrolearnInputError(f"id {out['id'][out['id'].duplicated()].iloc[0]!r} occurs "
                                   "more than once", file=path, column="id",
                                   fix="give each trigger its own id")
    if "label" in table.columns:
        if table["label"].isna().any():
            raise AstrolearnInputError(f"{int(table['label'].isna().sum())} triggers have no "
                                       "label", file=path, column="label",
                                       fix="label every trigger or drop the column")
        out["label"] = table["label"].astype(str).to_numpy()
    return out


def views_from_strain(args, say: Callable[[str], None]) -> tuple[np.ndarray, pd.DataFrame,
                                                                  np.ndarray]:
    """Q-transform views of the triggers of ``args.times`` in ``args.strain``.

    Reads ``args.strain``, ``args.times`` and optionally ``args.channel``, ``args.size``
    (square image side, default 128), ``args.qscan_duration`` (default 8 s) and ``args.jobs``
    (processes for the Q scans, default 1).
    Returns the views, the trigger table and the frequencies.
    """
    from astrolearn.glitches.qtransform import (
        GRAVITY_SPY_WINDOWS,
        frequency_grid,
        qtransform_views,
        read_strain,
    )

    triggers = read_times(args.times)
    strain = read_strain(args.strain, channel=getattr(args, "channel", None))
    size = getattr(args, "size", None) or 128
    qscan = getattr(args, "qscan_duration", None) or 8.0
    say(f"read {float(strain.duration.value):.0f} s of strain from {args.strain}; "
        f"{len(triggers)} trigger(s)")
    start = time.perf_counter()
    try:
        views = qtransform_views(strain, triggers["time"].to_numpy(), shape=(size, size),
                                 qscan_duration=qscan, n_jobs=getattr(args, "jobs", None) or 1)
    except AstrolearnInputError as err:
        raise err.in_file(args.strain) from None
    say(f"made {len(views)} x {len(GRAVITY_SPY_WINDOWS)} views of {size} x {size} in "
        f"{time.perf_counter() - start:.1f} s")
    return views, triggers, frequency_grid(size)


def views_command(args, say: Callable[[str], None]) -> Path:
    """``astrolearn glitches views``: Q-transform views of trigger times to ``--out`` (npz)."""
    from astrolearn.glitches.classifier import write_views
    from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS
    from astrolearn.io import check_not_input

    check_not_input(args.out, args.strain, args.times)
    if Path(args.out).suffix.lower() != ".npz":
        raise AstrolearnInputError("views are written to an .npz file", file=args.out,
                                   fix="write --out views.npz")
    views, triggers, freqs = views_from_strain(args, say)
    labels = triggers["label"].to_numpy() if "label" in triggers else None
    write_views(args.out, views, triggers["id"].to_numpy(), labels,
                windows=GRAVITY_SPY_WINDOWS, frequencies=freqs)
    print(f"wrote {len(views)} views to {args.out}")
    return Path(args.out)


def _labelled(data: dict, path: Path) -> np.ndarray:
    if "labels" not in data:
        raise AstrolearnInputError("the views file has no labels", file=path,
                                   fix="make it from a times table with a 'label' column")
    return data["labels"]


def fit_glitches(args, say: Callable[[str], None]) -> Path:
    """``astrolearn fit glitches``: train a glitch classifier on a labelled views file."""
    from astrolearn.catalogs.commands import parse_model_params
    from astrolearn.glitches.classifier import GlitchClassifier, read_views
    from astrolearn.io import check_not_input

    check_not_input(args.out, args.data)
    data = read_views(args.data)
    labels = _labelled(data, args.data)
    window = getattr(args, "window", None)
    estimator = GlitchClassifier(
        getattr(args, "model", None) or "multiview", 1 if window is None else window,
        network_params=parse_model_params(getattr(args, "model_param", None) or [], {}) or None,
        class_weight=None if getattr(args, "class_weight", None) == "none" else "balanced",
        random_state=0 if getattr(args, "seed", None) is None else args.seed)
    start = time.perf_counter()
    estimator.fit(data["views"], labels, windows=data["windows"].tolist(), file=args.data)
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{c} {n:,}" for c, n in estimator.class_counts_.items())
    say(f"fitted glitches {estimator.mode} on {estimator.n_training_views_:,} views ({counts}) "
        f"in {seconds:.1f} s")
    estimator.save(args.out, extra={"training_file": str(args.data),
                                    "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return Path(args.out)


def evaluate_glitches_command(args, say: Callable[[str], None]):
    """``astrolearn evaluate`` for a glitch model: accuracy, macro-F1, per-class purity and
    completeness, the confusion matrix; an HTML report with ``--report``.

    Returns the :class:`~astrolearn.catalogs.evaluation.ClassificationEvaluation`.
    """
    from astrolearn.catalogs.evaluation import check_known_classes, evaluate_classification
    from astrolearn.glitches.classifier import GlitchClassifier, read_views
    from astrolearn.io import check_not_input

    model = GlitchClassifier.load(args.model)
    report_path = getattr(args, "report", None)
    if report_path is not None:
        check_not_input(report_path, args.data)
    data = read_views(args.data)
    labels = _labelled(data, args.data)
    check_known_classes(labels, list(model.classes_), file=args.data, column="labels")
    start = time.perf_counter()
    proba = model.predict_proba(data["views"], file=args.data)
    say(f"predicted {len(proba):,} views in {time.perf_counter() - start:.1f} s")
    evaluation = evaluate_classification(labels, proba, list(model.classes_))
    print(evaluation.text())
    if report_path is None:
        return evaluation
    from astrolearn.report import Report

    report = Report(f"astrolearn glitch classification evaluation of {Path(args.model).name} "
                    f"on {Path(args.data).name}")
    report.section("Data and model", f"Model folder {args.model} ({model.mode}, classes "
                   f"{', '.join(map(str, model.classes_))}), trained on "
                   f"{model.n_training_views_:,} views. Evaluated on {len(proba):,} views "
                   f"of {args.data}.")
    evaluation.add_to(report, title="Glitch classification")
    _add_example_views(report, data, labels, proba, list(model.classes_))
    report.write(report_path)
    print(f"report written to {report_path}")
    return evaluation


def _add_example_views(report, data: dict, labels: np.ndarray, proba: np.ndarray,
                       classes: list, most: int = 6) -> None:
    """The views of one glitch per true class (the first one misclassified, if any)."""
    from astrolearn.glitches.plots import plot_glitch_views

    windows = data["windows"]
    if not np.isfinite(windows).all():
        return  # durations unknown: the time axes cannot be drawn
    predicted = np.asarray(classes)[proba.argmax(1)]
    shown = 0
    for cls in classes:
        rows = np.flatnonzero(labels == cls)
        if not len(rows) or shown == most:
            continue
        wrong = rows[predicted[rows] != cls]
        row = int(wrong[0] if len(wrong) else rows[0])
        report.figure(plot_glitch_views(data["views"][row], windows=windows,
                                        frequencies=data["frequencies"],
                                        title=f"{data['ids'][row]}: true {cls}, predicted "
                                              f"{predicted[row]} (p = "
                                              f"{proba[row].max():.2f})"),
                      caption=f"Views of a {cls} glitch" + (" the model got wrong"
                                                              if len(wrong) else ""))
        shown += 1


def predict_glitches(args, say: Callable[[str], None]) -> Path:
    """``astrolearn predict`` for a glitch model: class probabilities per view, from a views
    file (``--data``) or from strain and trigger times (``--strain`` and ``--times``)."""
    from astrolearn.glitches.classifier import GlitchClassifier, read_views
    from astrolearn.io import check_not_input, write_table

    model = GlitchClassifier.load(args.model)
    data_path = getattr(args, "data", None)
    strain_path = getattr(args, "strain", None)
    if (data_path is None) == (strain_path is None):
        raise AstrolearnInputError("give either --data views.npz or --strain with --times",
                                   fix="e.g. astrolearn predict --model m --data views.npz "
                                       "--out predictions.parquet")
    if data_path is not None:
        check_not_input(args.out, data_path)
        data = read_views(data_path)
        views, ids, source = data["views"], data["ids"], data_path
    else:
        if getattr(args, "times", None) is None:
            raise AstrolearnInputError("--strain needs --times (a table with a 'time' column)",
                                       fix="add --times triggers.csv")
        check_not_input(args.out, strain_path, args.times)
        if model.view_shape_[1] != model.view_shape_[2] or model.view_shape_[0] != 4:
            raise AstrolearnInputError(
                f"the model was trained on views of shape {tuple(model.view_shape_)}, which "
                "cannot be made from strain here (4 windows of square images only)",
                fix="make the views yourself and pass --data")
        args.size = model.view_shape_[1]
        views, triggers, _ = views_from_strain(args, say)
        ids, source = triggers["id"].to_numpy(), strain_path
    start = time.perf_counter()
    frame = model.predict_frame(views, ids, file=source)
    seconds = time.perf_counter() - start
    write_table(frame, args.out)
    print(f"wrote {len(frame):,} glitch predictions to {args.out} in {seconds:.1f} s")
    return Path(args.out)
