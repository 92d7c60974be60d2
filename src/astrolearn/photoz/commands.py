"""Command-line work for photometric redshifts: ``fit photoz``, and ``evaluate`` and
``predict`` for a photo-z model folder.

Settings come from the same options and TOML config as the other catalog tasks
(:mod:`astrolearn.catalogs.commands`), plus ``--target``, ``--z-max``, ``--n-grid``,
``--recalibrate`` and ``--point-estimate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from astrolearn.catalogs.commands import (
    PHOTOZ_MODELS,
    finish_evaluation,
    magnitude_for_bins,
    read_catalog,
    resolve_settings,
    select_rows,
    warn_about_leaks,
)
from astrolearn.errors import AstrolearnInputError

__all__ = ["evaluate_photoz_command", "fit_photoz", "predict_photoz"]


def fit_photoz(args, say: Callable[[str], None]):
    """``astrolearn fit photoz``: train, optionally cross-validate, save the model folder."""
    from astrolearn.io import check_not_input
    from astrolearn.photoz.estimator import PhotoZ, redshifts_from

    settings = resolve_settings(args)
    model_name = settings["model"] or "ensemble"
    if model_name not in PHOTOZ_MODELS:
        raise AstrolearnInputError(f"--model {model_name} is not a photo-z model",
                                   fix=f"use one of {', '.join(PHOTOZ_MODELS)}")
    check_not_input(args.out, args.data)
    frame = select_rows(read_catalog(args.data, args.hdf5_key, say),
                        getattr(args, "select", None), file=args.data)
    target = settings["target"]
    z = redshifts_from(target, frame, file=args.data)
    sky = None
    if settings["sky_features"]:
        if not (settings["ra"] and settings["dec"]):
            raise AstrolearnInputError("--sky-features needs coordinates", file=args.data,
                                       fix="name them with --ra and --dec")
        sky = (settings["ra"], settings["dec"])
    estimator = PhotoZ(
        tuple(settings["bands"]), errors=settings["errors"], colours=settings["colours"],
        ebv=settings["ebv"], extinction=settings["extinction"],
        faint_limit=settings["faint_limit"], sky=sky, extra=tuple(settings["extra"]),
        model=model_name, model_params=settings["params"] or None,
        z_max=None if settings["z_max"] is None else float(settings["z_max"]),
        n_grid=settings["n_grid"], recalibrate=settings["recalibrate"],
        point_estimate=settings["point_estimate"], random_state=settings["seed"])
    warn_about_leaks(frame, target, estimator, say)
    metrics = {}
    if args.cv:
        from sklearn.base import clone

        from astrolearn.photoz.evaluation import evaluate_photoz
        from astrolearn.validation import make_splitter

        split = args.split or ("sky" if settings["ra"] and settings["dec"] else "stratified")
        if split == "stratified":
            split = "random"
        cv = make_splitter(split, args.cv, ra=settings["ra"], dec=settings["dec"],
                           random_state=settings["seed"])
        say(f"{args.cv}-fold {split} cross-validation ...")
        pdfs = None
        for k, (train, test) in enumerate(cv.split(frame)):
            fold = clone(estimator).fit(frame.iloc[train], z[train], file=args.data)
            part = fold.predict_pdf(frame.iloc[test], file=args.data)
            if pdfs is None:
                pdfs, zgrid = np.zeros((len(frame), part.shape[1])), fold.zgrid_
            pdfs[test] = _regrid(part, fold.zgrid_, zgrid)
            say(f"fold {k + 1}/{args.cv} done")
        evaluation = evaluate_photoz(z, pdfs, zgrid, point_estimate=settings["point_estimate"])
        print(f"cross-validation ({args.cv}-fold, {split}):")
        print(evaluation.text())
        metrics = {"cross_validation": {"folds": args.cv, "split": split,
                                        **evaluation.to_dict()}}
    start = time.perf_counter()
    estimator.fit(frame, z, file=args.data, progress=say)
    seconds = time.perf_counter() - start
    for line in estimator.features_.report_.lines():
        say(f"photometry: {line}")
    weights = ", ".join(f"{n} {w:.1f}" for n, w in estimator.weights_.items())
    say(f"fitted photo-z {model_name} ({weights}) on {len(frame):,} rows in {seconds:.1f} s; "
        f"redshift grid {estimator.zgrid_[0]:g} to {estimator.zgrid_[-1]:g} in "
        f"{estimator.zgrid_.size} points")
    estimator.save(args.out, metrics=metrics, extra={
        "target_column": target, "id_column": settings["id"], "training_file": str(args.data),
        "ra_column": settings["ra"], "dec_column": settings["dec"],
        "selection": getattr(args, "select", None), "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return args.out


def _regrid(pdfs: np.ndarray, from_grid: np.ndarray, to_grid: np.ndarray) -> np.ndarray:
    """PDFs moved onto another grid (folds may end at slightly different z_max)."""
    from astrolearn.photoz.pdf import normalise_pdfs

    if from_grid.size == to_grid.size and np.allclose(from_grid, to_grid):
        return pdfs
    moved = np.stack([np.interp(to_grid, from_grid, row, left=0.0, right=0.0) for row in pdfs])
    return normalise_pdfs(moved, to_grid)


def evaluate_photoz_command(args, say: Callable[[str], None]) -> None:
    """``astrolearn evaluate`` for a photo-z model: metrics, duplicates, HTML report."""
    from astrolearn.io import check_not_input
    from astrolearn.photoz.estimator import PhotoZ, redshifts_from
    from astrolearn.photoz.evaluation import evaluate_photoz

    model = PhotoZ.load(args.model)
    if args.report is not None:
        check_not_input(args.report, args.data)
    frame = select_rows(read_catalog(args.data, args.hdf5_key, say),
                        getattr(args, "select", None), file=args.data)
    target = getattr(args, "target", None) or model.manifest_.get("target_column") or "redshift"
    z = redshifts_from(target, frame, file=args.data)
    pdfs = model.predict_pdf(frame, file=args.data)
    magnitude, mag_name = magnitude_for_bins(model, frame, args.magnitude, args.data)
    classes = None
    if args.label and args.label in frame.columns:
        classes = frame[args.label].astype(str).str.strip().to_numpy()
    evaluation = evaluate_photoz(z, pdfs, model.zgrid_, point_estimate=model.point_estimate,
                                 magnitude=magnitude, magnitude_name=mag_name, classes=classes)
    finish_evaluation(args, model, frame, evaluation, say,
                      title=f"astrolearn photo-z evaluation of {args.model.name} on "
                      f"{args.data.name}")


def predict_photoz(args, say: Callable[[str], None]) -> None:
    """``astrolearn predict`` for a photo-z model: point estimates, intervals and PDFs."""
    from astrolearn.io import table_format
    from astrolearn.photoz.estimator import PhotoZ
    from astrolearn.scale.command import is_folder_output, predict_catalog_command

    model = PhotoZ.load(args.model)
    folder = is_folder_output(args.out)
    with_pdf = (folder or table_format(args.out) == "parquet") and not getattr(args, "no_pdf",
                                                                                False)
    if getattr(args, "qp", None) is not None and (folder or not with_pdf):
        raise AstrolearnInputError("--qp needs the PDFs in one .parquet output file",
                                   file=args.out, fix="write --out as .parquet and drop "
                                   "--no-pdf (or convert a partitioned output file by file)")
    print(predict_catalog_command(model, args, say, options={
        "pdf": with_pdf, "coverage": bool(getattr(args, "coverage", False))},
        what=f"photo-z predictions{' with PDFs' if with_pdf else ''}"))
    if getattr(args, "qp", None) is not None:
        from astrolearn.io import atomic_path
        from astrolearn.photoz.storage import read_pdfs, to_qp

        zgrid, pdfs, table = read_pdfs(args.out)
        ensemble = to_qp(zgrid, pdfs, ancil=table)
        with atomic_path(args.qp) as tmp:
            ensemble.write_to(str(tmp.with_suffix(".hdf5")))
            tmp.with_suffix(".hdf5").replace(tmp)
        print(f"wrote the PDFs in qp format to {args.qp}")
