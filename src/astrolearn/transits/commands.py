"""Command-line work for transits: ``transits search``, ``fit transits``, and ``evaluate`` and
``predict`` for a transit model folder.

``astrolearn transits search`` reads Kepler/K2/TESS light-curve FITS files (or long tables
``object_id, time, flux[, flux_err]``), stitches the quarters or sectors of each star,
cleans, detrends and searches them, and writes one row per signal with its global and local
views. That table is what ``fit``, ``evaluate`` and ``predict`` read with ``--data``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.catalogs.commands import parse_model_params
from astrolearn.errors import AstrolearnInputError

__all__ = [
    "GROUP_GUESSES",
    "evaluate_transits_command",
    "fit_transits",
    "predict_transits",
    "read_lightcurve_files",
    "search_command",
]

#: Columns that name the star of a signal, tried in order when ``--group`` is not given.
GROUP_GUESSES = ("tic_id", "kepid", "object_id", "star_id")
#: Columns copied from the signals table into the predictions.
_KEEP = ("object_id", "tic_id", "kepid", "signal", "period", "period_days", "epoch",
         "epoch_btjd", "duration", "depth", "snr")
_FITS = (".fits", ".fit", ".fts", ".gz")


def read_lightcurve_files(paths: list[Path], *, flux: str = "pdcsap",
                          quality: str = "default") -> pd.DataFrame:
    """Read light-curve files of any mix of stars and missions into one long table.

    FITS files are read one by one with
    :func:`~astrolearn.transits.lightcurves.read_mission_fits` (each quarter or sector is
    normalised to median 1, so reading them apart stitches them as reading them together
    does); other files are tables read with :func:`astrolearn.io.read_table`.

    Examples
    --------
    >>> read_lightcurve_files([])  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    AstrolearnInputError: no light-curve files given
    """
    from astrolearn.io import read_table
    from astrolearn.transits.lightcurves import as_lightcurves, read_mission_fits

    if not paths:
        raise AstrolearnInputError("no light-curve files given",
                                   fix="name FITS files, e.g. astrolearn transits search "
                                       "kplr*.fits --out tces.parquet")
    frames = []
    for path in paths:
        if path.is_dir() or path.name.lower().endswith(_FITS):
            frames.append(read_mission_fits(path, flux=flux, quality=quality))
        else:
            try:
                frames.append(as_lightcurves(read_table(path)))
            except AstrolearnInputError as err:
                raise err.in_file(path) from None
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["object_id", "time"], kind="stable").reset_index(drop=True)


def search_command(args, say: Callable[[str], None]) -> None:
    """``astrolearn transits search``: signals of every star, with views, to ``--out``."""
    from astrolearn.io import check_not_input, write_table
    from astrolearn.transits.pipeline import search_lightcurves

    check_not_input(args.out, *args.files)
    if args.out.suffix.lower() != ".parquet" and not args.no_views:
        raise AstrolearnInputError("views are arrays and need a Parquet file", file=args.out,
                                   fix="write --out signals.parquet, or add --no-views")
    quality = int(args.quality) if str(args.quality).isdigit() else args.quality
    lightcurves = read_lightcurve_files(list(args.files), flux=args.flux, quality=quality)
    n_stars = lightcurves["object_id"].nunique()
    say(f"read {len(lightcurves):,} points of {n_stars} star(s) from {len(args.files)} file(s)")
    start = time.perf_counter()
    result = search_lightcurves(
        lightcurves, method=args.method, min_period=args.min_period,
        max_period=args.max_period, max_duration=args.max_duration,
        max_signals=args.max_signals, min_snr=args.min_snr, window_days=args.window,
        views=not args.no_views, global_bins=args.global_bins, local_bins=args.local_bins,
        progress=say)
    seconds = time.perf_counter() - start
    write_table(result.signals, args.out)
    print(f"wrote {len(result.signals)} signal(s) of {n_stars} star(s) to {args.out} in "
          f"{seconds:.1f} s")
    if args.figures is not None:
        _search_figures(result, args.figures, say)


def _search_figures(result, folder: Path, say: Callable[[str], None]) -> None:
    from astrolearn.transits.plots import plot_search_summary

    folder.mkdir(parents=True, exist_ok=True)
    for star, frame in result.flattened.groupby("object_id", sort=True):
        signals = result.signals[result.signals["object_id"] == star]
        fig = plot_search_summary(frame, signals, result.periodograms.get(star, []))
        path = folder / (str(star).replace(" ", "_").replace("/", "_") + ".png")
        fig.savefig(path, dpi=90)
    say(f"figures written to {folder}")


def _read_signals(path: Path, args) -> pd.DataFrame:
    from astrolearn.io import read_table

    return read_table(path, hdf5_key=getattr(args, "hdf5_key", None))


def _group_column(table: pd.DataFrame, args, path) -> str | None:
    chosen = getattr(args, "group", None)
    if chosen:
        if chosen not in table.columns:
            raise AstrolearnInputError("group column missing", file=path, column=chosen,
                                       fix="name the star column with --group")
        return chosen
    return next((c for c in GROUP_GUESSES if c in table.columns), None)


def _list(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def fit_transits(args, say: Callable[[str], None]) -> Path:
    """``astrolearn fit transits``: train a vetting model on a table of signals with views."""
    from astrolearn.io import check_not_input
    from astrolearn.transits.classifier import TransitClassifier

    check_not_input(args.out, args.data)
    table = _read_signals(args.data, args)
    label = args.label or "label"
    group = _group_column(table, args, args.data)
    seed = 0 if args.seed is None else args.seed
    estimator = TransitClassifier(
        args.model or "average", positive=_list(getattr(args, "positive", None)),
        features=_list(getattr(args, "features", None)),
        lightgbm_params=parse_model_params(args.model_param or [], {}) or None,
        random_state=seed)
    metrics = {}
    if args.cv:
        metrics["cross_validation"] = _cross_validate(estimator, table, label, group, args.cv,
                                                      seed, args.data, say)
    start = time.perf_counter()
    estimator.fit(table, label, groups=group, file=args.data)
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{c} {n:,}" for c, n in estimator.class_counts_.items())
    say(f"fitted transits {estimator.model} on {estimator.n_training_signals_:,} signals "
        f"({counts}) in {seconds:.1f} s; {len(estimator.feature_names_)} scalar features"
        f"{f', early stopping grouped by {group}' if group else ''}")
    estimator.save(args.out, metrics=metrics, extra={
        "label_column": label, "group_column": group, "training_file": str(args.data),
        "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return args.out


def _cross_validate(estimator, table, label, group, folds, seed, path, say) -> dict:
    """k folds stratified by label and grouped by star, so no star is in two folds."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedGroupKFold

    from astrolearn.transits.evaluation import evaluate_transits

    labels = estimator._encode(label, table, path)
    groups = table[group].to_numpy() if group else np.arange(len(table))
    classes = list(np.unique(labels))
    proba = np.zeros((len(table), len(classes)))
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    say(f"{folds}-fold cross-validation, stratified and grouped by {group or 'signal'} ...")
    for k, (train, test) in enumerate(splitter.split(table, labels, groups)):
        fold = clone(estimator).fit(table.iloc[train], label, groups=groups[train])
        proba[test] = fold.predict_proba(table.iloc[test])
        say(f"fold {k + 1}/{folds} done")
    evaluation = evaluate_transits(labels, proba, classes)
    print(f"cross-validation ({folds}-fold, grouped by {group or 'signal'}):")
    print(evaluation.text())
    return {"folds": folds, "group": group, **evaluation.to_dict()}


def evaluate_transits_command(args, say: Callable[[str], None]) -> None:
    """``astrolearn evaluate`` for a transit model: ranking and classification metrics, and
    an HTML report with the curves, the confusion matrix and example views."""
    from astrolearn.io import check_not_input
    from astrolearn.report import Report
    from astrolearn.transits.classifier import TransitClassifier
    from astrolearn.transits.evaluation import evaluate_transits

    model = TransitClassifier.load(args.model)
    if args.report is not None:
        check_not_input(args.report, args.data)
    table = _read_signals(args.data, args)
    label = args.label or model.manifest_.get("label_column") or "label"
    labels = model._encode(label, table, args.data)
    from astrolearn.catalogs.evaluation import check_known_classes

    check_known_classes(labels, list(model.classes_), file=args.data, column=label)
    start = time.perf_counter()
    proba = model.predict_proba(table, file=args.data)
    say(f"predicted {len(table):,} signals in {time.perf_counter() - start:.1f} s")
    snr = pd.to_numeric(table["snr"], errors="coerce").to_numpy() if "snr" in table else None
    evaluation = evaluate_transits(labels, proba, list(model.classes_), snr=snr)
    print(evaluation.text())
    if args.report is None:
        return
    from astrolearn.transits.plots import plot_views

    report = Report(f"astrolearn transit vetting evaluation of {args.model.name} on "
                    f"{args.data.name}")
    report.section("Data and model", f"Model folder {args.model} ({model.model}, classes "
                   f"{', '.join(map(str, model.classes_))}), trained on "
                   f"{model.n_training_signals_:,} signals. Evaluated on {len(table):,} "
                   f"signals of {args.data}.")
    evaluation.add_to(report)
    report.section("Example views", "The most confident signal of each true class, and the "
                   "most confident mistake.")
    predicted = np.asarray(model.classes_)[proba.argmax(1)]
    confidence = proba.max(1)
    for cls in model.classes_:
        members = np.flatnonzero(labels == cls)
        for kind, rows in (("correct", members[predicted[members] == cls]),
                           ("mistaken", members[predicted[members] != cls])):
            if len(rows):
                i = rows[np.argmax(confidence[rows])]
                report.figure(plot_views(table[model.global_view].iloc[i],
                                         table[model.local_view].iloc[i],
                                         title=f"true {cls}, predicted {predicted[i]} "
                                               f"(P = {confidence[i]:.2f}; {kind})"))
    report.write(args.report)
    print(f"report written to {args.report}")


def predict_transits(args, say: Callable[[str], None]) -> None:
    """``astrolearn predict`` for a transit model: class probabilities per signal."""
    from astrolearn.io import check_not_input, write_table
    from astrolearn.transits.classifier import TransitClassifier

    if getattr(args, "lightcurves", None) is not None:
        _search_and_vet(args, say)
        return
    model = TransitClassifier.load(args.model)
    check_not_input(args.out, args.data)
    table = _read_signals(args.data, args)
    keep = [args.id_column] if getattr(args, "id_column", None) else []
    keep += [c for c in _KEEP if c not in keep]
    start = time.perf_counter()
    frame = model.predict_frame(table, keep=keep, file=args.data)
    seconds = time.perf_counter() - start
    write_table(frame, args.out)
    print(f"wrote {len(frame):,} transit vetting predictions to {args.out} in {seconds:.1f} s")


def _search_and_vet(args, say: Callable[[str], None]) -> None:
    """``predict vetter/ --lightcurves DIR --out FOLDER/``: search every star, vet every
    signal, partition by partition, with the local or the Dask engine."""
    from astrolearn.scale.command import engine_options, is_folder_output
    from astrolearn.scale.dataset import run_partitioned
    from astrolearn.scale.engines import ModelSource
    from astrolearn.transits.partitioned import TransitWork, plan_transit_partitions

    if not is_folder_output(args.out):
        raise AstrolearnInputError("searching light curves writes a partitioned dataset",
                                   file=args.out, fix="give --out a folder name such as "
                                   "verdicts/")
    plan = plan_transit_partitions(args.lightcurves)
    say(f"{len(plan.partitions)} partition(s) of light curves to search and vet")
    stars = getattr(args, "objects", None)
    work = TransitWork(stars=None if stars is None else str(stars))
    run = run_partitioned(work, plan, ModelSource.of(args.model), args.out, progress=say,
                          **engine_options(args))
    skipped = f"; {run.skipped} partition(s) were already done" if run.skipped else ""
    print(f"wrote {run.rows_written:,} vetted signal(s) from {run.written} partition(s) to "
          f"{run.output} with the {run.engine} engine in {run.seconds:.1f} s{skipped}")
