"""Command-line work for transients: ``fit transients``, and ``evaluate`` and ``predict`` for
a transient model folder.

Light curves come with ``--lightcurves`` (a long table, the PLAsTiCC layout, or SNANA
``.DAT`` files: a folder, glob or file) and per-object metadata with ``--objects``;
``--columns time=mjd,band=filter`` maps other column names. Photometry in magnitudes with
upper limits (ZTF, ATLAS, Pan-STARRS, Swift, ...) is converted with ``--magnitudes`` and
its filters mapped to the model's bands by effective wavelength with ``--survey``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.catalogs.commands import parse_model_params
from astrolearn.errors import AstrolearnInputError

__all__ = [
    "DEFAULT_DAYS",
    "evaluate_transients_command",
    "fit_transients",
    "predict_transients",
    "read_inputs",
]

#: Days after the first detection at which ``evaluate`` scores early classification.
DEFAULT_DAYS = (5.0, 10.0, 20.0, 30.0, 50.0)
_LABEL_GUESSES = ("label", "target", "type", "class")


def _columns(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    pairs = {}
    for item in text.split(","):
        if "=" not in item:
            raise AstrolearnInputError(f"--columns entry {item!r} is not NAME=COLUMN",
                                       fix="write e.g. --columns time=mjd,band=filter")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def read_inputs(args, say: Callable[[str], None]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Light curves and objects named by ``--lightcurves``, ``--objects`` and friends."""
    from astrolearn.transients.lightcurves import read_lightcurves, read_objects, read_snana

    path = getattr(args, "lightcurves", None) or getattr(args, "data", None)
    if path is None:
        raise AstrolearnInputError("no light curves given",
                                   fix="name them with --lightcurves FILE (or a folder of "
                                   "SNANA .DAT files)")
    start = time.perf_counter()
    layout = getattr(args, "layout", None) or "auto"
    objects = None
    text_path = str(path)
    if layout == "snana" or (layout == "auto" and _looks_like_snana(text_path)):
        lightcurves, objects = read_snana(text_path)
    elif getattr(args, "magnitudes", False):
        lightcurves = _from_magnitudes(args, Path(path))
    else:
        lightcurves = read_lightcurves(path, columns=_columns(getattr(args, "columns", None)),
                                       layout=layout)
    if getattr(args, "objects", None) is not None:
        objects = read_objects(args.objects, id_column=getattr(args, "id_column", None)
                               or "object_id")
    say(f"read {len(lightcurves):,} observations of "
        f"{lightcurves['object_id'].nunique():,} objects from {path}"
        f"{'' if objects is None else f' and {len(objects):,} objects'} in "
        f"{time.perf_counter() - start:.1f} s")
    return lightcurves, objects


def _looks_like_snana(path: str) -> bool:
    p = Path(path)
    if p.is_dir():
        return any(p.glob("*.DAT")) or any(p.glob("*.dat"))
    return path.lower().endswith(".dat") or any(c in path for c in "*?[")


def _from_magnitudes(args, path: Path) -> pd.DataFrame:
    from astrolearn.io import read_table
    from astrolearn.transients.passbands import magnitudes_to_flux

    frame = read_table(path)
    columns = _columns(getattr(args, "columns", None)) or {}
    renamed = frame.rename(columns={v: k for k, v in columns.items()})
    if "time" not in renamed.columns and "mjd" in renamed.columns:
        renamed = renamed.rename(columns={"mjd": "time"})
    try:
        converted = magnitudes_to_flux(renamed, survey=getattr(args, "survey", None))
    except AstrolearnInputError as err:
        raise err.in_file(path) from None
    return converted[["object_id", "time", "band", "flux", "flux_err", "detected"]]


def _label_column(args, objects: pd.DataFrame | None, file) -> str:
    if objects is None:
        raise AstrolearnInputError("labels come from the objects table, which is missing",
                                   file=file, fix="give --objects FILE with a label column")
    if getattr(args, "label", None):
        return args.label
    for name in _LABEL_GUESSES:
        if name in objects.columns:
            return name
    raise AstrolearnInputError(
        f"no label column among {', '.join(map(repr, objects.columns[:12]))}", file=file,
        fix="name it with --label")


def map_to_model(lightcurves: pd.DataFrame, model, survey: str | None,
                 say: Callable[[str], None]) -> pd.DataFrame:
    """Rename the bands of another survey to the model's bands (nearest effective
    wavelength), dropping those it cannot use, with one line saying which."""
    from astrolearn.transients.passbands import map_bands

    bands = sorted(lightcurves["band"].astype(str).unique())
    if survey is None and set(bands) <= set(model.bands_):
        return lightcurves
    mapping = map_bands(bands, model.wavelengths_, survey=survey)
    say(mapping.describe())
    keep = lightcurves["band"].astype(str).isin(list(mapping.mapping))
    if not keep.any():
        raise AstrolearnInputError(
            f"none of the bands {', '.join(bands)} can be used by this model "
            f"(bands {', '.join(model.bands_)})", column="band",
            fix="name the survey of bare filter names with --survey; filters far from every "
            "model band need a model trained on bands that cover them")
    out = lightcurves.loc[keep].copy()
    out["band"] = out["band"].astype(str).map(mapping.mapping)
    return out


def _make_model(args, seed: int):
    from astrolearn.transients.classifier import TransientClassifier

    bands = [b.strip() for b in args.bands.split(",")] if getattr(args, "bands", None) else None
    return TransientClassifier(
        bands, survey=getattr(args, "survey", None), model=args.model or "lightgbm",
        early_copies=1 if args.early_copies is None else args.early_copies,
        gp_features=bool(getattr(args, "gp_features", False)),
        augment_wavelength_scale=getattr(args, "augment_wavelength_scale", None) or "auto",
        augment_redshift=getattr(args, "augment_redshift", None),
        redshift_bins=getattr(args, "redshift_bins", 0) or 0,
        model_params=parse_model_params(args.model_param or [], {}) or None,
        class_weight=None if getattr(args, "class_weight", None) == "none" else "balanced",
        random_state=seed)


def fit_transients(args, say: Callable[[str], None]) -> Path:
    """``astrolearn fit transients``: train, optionally cross-validate, save the folder."""
    from astrolearn.io import check_not_input

    path = args.lightcurves or args.data
    check_not_input(args.out, *(p for p in (path, args.objects) if p is not None))
    lightcurves, objects = read_inputs(args, say)
    label = _label_column(args, objects, args.objects or path)
    seed = 0 if args.seed is None else args.seed
    estimator = _make_model(args, seed)
    column = estimator.augment_redshift
    if args.augment and column and (objects is None or column not in objects.columns):
        raise AstrolearnInputError(
            f"--augment-redshift column {column!r} is not in the objects table",
            file=args.objects or path, column=column,
            fix="name a column of --objects (e.g. the spectroscopic redshift), or drop it")
    pool = pool_objects = None
    if getattr(args, "cadence_pool", None) is not None:
        from astrolearn.transients.lightcurves import read_lightcurves

        pool = read_lightcurves(args.cadence_pool)
        if getattr(args, "pool_objects", None) is not None:
            from astrolearn.transients.lightcurves import read_objects

            pool_objects = read_objects(args.pool_objects)
    metrics = {}
    if args.cv:
        metrics["cross_validation"] = _cross_validate(estimator, lightcurves, objects, label,
                                                      args, seed, say)
    start = time.perf_counter()
    estimator.fit(lightcurves, label, objects=objects, augment=args.augment or 0,
                  cadence_pool=pool, pool_objects=pool_objects, file=path)
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{c} {n:,}" for c, n in estimator.class_counts_.items())
    say(f"fitted transients {estimator.model} on {estimator.n_training_objects_:,} objects "
        f"({counts}) in {seconds:.1f} s; bands {', '.join(estimator.bands_)}")
    estimator.save(args.out, metrics=metrics, extra={
        "label_column": label, "training_file": str(path),
        "objects_file": None if args.objects is None else str(args.objects),
        "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return args.out


def _cross_validate(estimator, lightcurves, objects, label, args, seed, say) -> dict:
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from astrolearn.transients.evaluation import evaluate_transients

    labels = objects[label].astype(str).to_numpy()
    proba = np.zeros((len(objects), len(np.unique(labels))))
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=seed)
    say(f"{args.cv}-fold stratified cross-validation by object ...")
    for k, (train, test) in enumerate(folds.split(objects, labels)):
        train_ids = objects["object_id"].iloc[train]
        fold = clone(estimator).fit(
            lightcurves[lightcurves["object_id"].isin(train_ids)], label,
            objects=objects.iloc[train], augment=args.augment or 0)
        proba[test] = fold.predict_proba(lightcurves, objects.iloc[test])
        say(f"fold {k + 1}/{args.cv} done")
    classes = list(np.unique(labels))
    evaluation = evaluate_transients(labels, proba, classes,
                                     positive=_positive(classes, args))
    print(f"cross-validation ({args.cv}-fold, stratified by object):")
    print(evaluation.text())
    return {"folds": args.cv, "split": "stratified", **evaluation.to_dict()}


def _positive(classes: Sequence[str], args) -> str | None:
    chosen = getattr(args, "positive", None)
    if chosen:
        if chosen not in classes:
            raise AstrolearnInputError(f"--positive {chosen} is not a class of the model",
                                       fix=f"choose one of {', '.join(classes)}")
        return chosen
    for guess in ("SNIa", "Ia", "SN Ia", "90"):
        if guess in classes:
            return guess
    return None


def _days(args) -> list[float]:
    text = getattr(args, "days_list", None)
    if not text:
        return list(DEFAULT_DAYS)
    try:
        return [float(d) for d in text.split(",")]
    except ValueError:
        raise AstrolearnInputError(f"--days-list {text!r} is not a list of numbers",
                                   fix="write e.g. --days-list 5,10,30") from None


def evaluate_transients_command(args, say: Callable[[str], None]) -> None:
    """``astrolearn evaluate`` for a transient model: metrics at full length and after N
    days, per class and per redshift bin, and the HTML report with figures."""
    from astrolearn.io import check_not_input
    from astrolearn.report import Report
    from astrolearn.transients.classifier import TransientClassifier
    from astrolearn.transients.evaluation import evaluate_transients, plot_lightcurve

    model = TransientClassifier.load(args.model)
    path = args.lightcurves or args.data
    if args.report is not None:
        check_not_input(args.report, path)
    lightcurves, objects = read_inputs(args, say)
    lightcurves = map_to_model(lightcurves, model, getattr(args, "survey", None), say)
    label = args.label or model.manifest_.get("label_column") or "label"
    if objects is None or label not in objects.columns:
        raise AstrolearnInputError("the objects table has no label column",
                                   file=args.objects or path, column=label,
                                   fix="give --objects with labels, or name them with --label")
    from astrolearn.catalogs.evaluation import check_known_classes

    labels = objects[label].astype(str).to_numpy()
    check_known_classes(labels, list(model.classes_), file=args.objects)
    start = time.perf_counter()
    proba = model.predict_proba(lightcurves, objects, file=path)
    by_days = {d: model.predict_proba(lightcurves, objects, days=d, file=path)
               for d in _days(args)}
    say(f"predicted {len(objects):,} objects at {len(by_days) + 1} light-curve lengths in "
        f"{time.perf_counter() - start:.1f} s")
    redshift = None
    if model.redshift and model.redshift in objects.columns:
        redshift = pd.to_numeric(objects[model.redshift], errors="coerce").to_numpy(float)
    classes = [str(c) for c in model.classes_]
    evaluation = evaluate_transients(labels, proba, classes, proba_by_days=by_days,
                                     positive=_positive(classes, args), redshift=redshift)
    print(evaluation.text())
    if args.report is None:
        return
    report = Report(f"astrolearn transient evaluation of {args.model.name} on {path.name}")
    report.section("Data and model", f"Model folder {args.model} ({model.model}, bands "
                   f"{', '.join(model.bands_)}), trained on {model.n_training_objects_:,} "
                   f"objects. Evaluated on {len(objects):,} objects of {path}.")
    evaluation.add_to(report)
    report.section("Example light curves", "One object of each class, with the Gaussian-"
                   "process fit and the model's probabilities.")
    for cls in classes:
        members = objects["object_id"][labels == cls]
        if len(members):
            fig = plot_lightcurve(lightcurves, members.iloc[0], model=model, objects=objects,
                                  title=f"true class {cls}: object {members.iloc[0]}")
            report.figure(fig)
    report.write(args.report)
    print(f"report written to {args.report}")


def predict_transients(args, say: Callable[[str], None]) -> None:
    """``astrolearn predict`` for a transient model: probabilities per object, optionally
    from the first ``--days`` days of each light curve."""
    from astrolearn.io import check_not_input, write_table
    from astrolearn.transients.classifier import TransientClassifier

    model = TransientClassifier.load(args.model)
    path = args.lightcurves or args.data
    check_not_input(args.out, *(p for p in (path, args.objects) if p is not None))
    from astrolearn.scale.command import is_folder_output

    if is_folder_output(args.out):
        _predict_partitioned(args, path, say)
        return
    lightcurves, objects = read_inputs(args, say)
    lightcurves = map_to_model(lightcurves, model, getattr(args, "survey", None), say)
    start = time.perf_counter()
    frame = model.predict_frame(lightcurves, objects, days=getattr(args, "days", None),
                                file=path)
    seconds = time.perf_counter() - start
    write_table(frame, args.out)
    flagged = int((~frame["usable"]).sum())
    print(f"wrote {len(frame):,} transient classifications to {args.out} in {seconds:.1f} s "
          f"({len(frame) / max(seconds, 1e-9):,.0f} objects/s)"
          f"{f'; {flagged:,} flagged as not usable (see the flags column)' if flagged else ''}")


def _predict_partitioned(args, path, say: Callable[[str], None]) -> None:
    """``predict --out FOLDER``: one output file per light-curve file, on either engine."""
    from astrolearn.scale.command import engine_options
    from astrolearn.scale.dataset import run_partitioned
    from astrolearn.scale.engines import ModelSource
    from astrolearn.scale.partitions import plan_partitions
    from astrolearn.transients.partitioned import TransientWork, check_one_file_per_object

    if path is None:
        raise AstrolearnInputError("no light curves given", fix="name a Parquet long table "
                                   "or a folder of them with --lightcurves")
    if getattr(args, "magnitudes", False) or (getattr(args, "layout", None) == "snana"):
        raise AstrolearnInputError("partitioned prediction reads light curves in flux as "
                                   "Parquet long tables", file=path, fix="convert them, or "
                                   "write --out predictions.parquet")
    work = TransientWork(columns=tuple(sorted((_columns(getattr(args, "columns", None))
                                               or {}).items())),
                         layout=getattr(args, "layout", None) or "auto",
                         survey=getattr(args, "survey", None), days=getattr(args, "days", None),
                         objects=None if args.objects is None else str(args.objects),
                         objects_id=getattr(args, "id_column", None) or "object_id")
    plan = plan_partitions(path, split_files=False)
    run = run_partitioned(work, plan, ModelSource.of(args.model), args.out, progress=say,
                          **engine_options(args))
    check_one_file_per_object(args.out, path)
    skipped = f"; {run.skipped} file(s) were already done" if run.skipped else ""
    print(f"wrote {run.rows_written:,} transient classifications from {run.written} "
          f"light-curve file(s) ({plan.rows:,} observations in all) to {run.output} with the "
          f"{run.engine} engine in {run.seconds:.1f} s{skipped}")
