"""Command-line work for images: ``fit images``, and ``evaluate`` and ``predict`` for an
image model folder.

``astrolearn fit images --images cutouts.npz --labels labels.parquet --out model/`` reads
cutouts in any format :func:`astrolearn.images.io.read_images` knows (npz, HDF5, FITS, a
folder of PNG/JPEG files) and their classes: from ``--labels`` (a Parquet/CSV table matched
to the cutouts by id, column ``--label``, default ``label``), or stored with the images (an
npz ``labels`` array, or class subfolders of PNG/JPEG files). ``--group COLUMN`` of the labels
table (e.g. the SDSS field) keeps whole groups together when early stopping holds images out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = ["evaluate_images_command", "fit_images", "labelled_images", "predict_images"]


def labelled_images(args, *, need_labels: bool = True):
    """The image set of ``args.images`` and its labels (``None`` when not needed and absent),
    and the groups of ``args.group`` when given."""
    from astrolearn.images.io import read_images, read_labels

    if getattr(args, "images", None) is None:
        raise AstrolearnInputError(f"{args.command} images needs --images CUTOUTS",
                                   fix="name the cutouts with --images (npz, h5, FITS, or a "
                                       "folder of PNG/JPEG files)")
    images = read_images(args.images)
    labels_path = getattr(args, "labels", None)
    label_column = getattr(args, "label", None) or "label"
    id_column = getattr(args, "id_column", None)
    labels = images.labels
    if labels_path is not None:
        labels = read_labels(labels_path, images.ids, id_column=id_column,
                             label_column=label_column)
    if labels is None and need_labels:
        raise AstrolearnInputError("the images have no labels", file=args.images,
                                   fix="give --labels labels.parquet (an id column and a "
                                       "label column)")
    groups = None
    if getattr(args, "group", None):
        if labels_path is None:
            raise AstrolearnInputError("--group needs --labels (the table holding the column)",
                                       fix="add --labels labels.parquet")
        groups = read_labels(labels_path, images.ids, id_column=id_column,
                             label_column=args.group)
    return images, labels, groups


def _mirror_pairs(text: str | None) -> dict[str, str] | None:
    """``--mirror-pairs spiral_cw:spiral_acw[,A:B]`` as a dict."""
    if not text:
        return None
    pairs = [item.split(":") for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 or not all(p.strip() for p in pair) for pair in pairs):
        raise AstrolearnInputError(f"--mirror-pairs {text!r} is not a list of A:B pairs",
                                   fix="e.g. --mirror-pairs spiral_cw:spiral_acw")
    return {a.strip(): b.strip() for a, b in pairs}


def fit_images(args, say: Callable[[str], None]) -> Path:
    """``astrolearn fit images``: train a CNN classifier of cutouts and save a model folder."""
    from astrolearn.catalogs.commands import parse_model_params
    from astrolearn.images.classifier import ImageClassifier
    from astrolearn.io import check_not_input

    check_not_input(args.out, args.images, getattr(args, "labels", None))
    images, labels, groups = labelled_images(args)
    params = parse_model_params(getattr(args, "model_param", None) or [], {})
    estimator = ImageClassifier(
        architecture=getattr(args, "model", None) or "resnet", width=params.pop("width", None),
        network_params=params or None,
        flips=not getattr(args, "no_flips", False),
        mirror_pairs=_mirror_pairs(getattr(args, "mirror_pairs", None)),
        decision_holdout=getattr(args, "decision_holdout", None) or 0.0,
        class_weight=None if getattr(args, "class_weight", None) == "none" else "balanced",
        random_state=0 if getattr(args, "seed", None) is None else args.seed)
    start = time.perf_counter()
    estimator.fit(images.images, labels, groups=groups, file=args.images,
                  progress=not getattr(args, "quiet", False))
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{c} {n:,}" for c, n in estimator.class_counts_.items())
    say(f"fitted images {estimator.architecture} on {len(images):,} cutouts ({counts}) in "
        f"{seconds:.1f} s")
    if estimator.decision_scores_ is not None:
        held = estimator.decision_scores_
        say(f"decision tuned on {held['n_images']:,} held-out cutouts: macro-F1 "
            f"{held['macro_f1_most_probable']:.3f} (most probable class) -> "
            f"{held['macro_f1_offsets']:.3f} (class offsets)")
    estimator.save(args.out, extra={"training_file": str(args.images),
                                    "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return Path(args.out)


def evaluate_images_command(args, say: Callable[[str], None]):
    """``astrolearn evaluate`` for an image model: accuracy, macro-F1, per-class purity and
    completeness, the confusion matrix; an HTML report with ``--report`` (with the cutouts
    the model got most wrong).

    Returns the :class:`~astrolearn.catalogs.evaluation.ClassificationEvaluation`.
    """
    from astrolearn.catalogs.evaluation import check_known_classes, evaluate_classification
    from astrolearn.images.classifier import ImageClassifier
    from astrolearn.io import check_not_input

    model = ImageClassifier.load(args.model)
    report_path = getattr(args, "report", None)
    if report_path is not None:
        check_not_input(report_path, args.images, getattr(args, "labels", None))
    images, labels, _ = labelled_images(args)
    check_known_classes(labels, list(model.classes_), file=getattr(args, "labels", None)
                        or args.images, column=getattr(args, "label", None) or "label")
    start = time.perf_counter()
    proba = model.predict_proba(images.images)
    say(f"predicted {len(proba):,} cutouts in {time.perf_counter() - start:.1f} s")
    predicted = model.decide(proba)
    evaluation = evaluate_classification(labels, proba, list(model.classes_),
                                         predicted=predicted)
    print(evaluation.text())
    if report_path is None:
        return evaluation
    from astrolearn.report import Report

    report = Report(f"astrolearn image classification evaluation of {Path(args.model).name} "
                    f"on {Path(args.images).name}")
    report.section("Data and model", f"Model folder {args.model} ({model.architecture}, "
                   f"classes {', '.join(map(str, model.classes_))}). Evaluated on "
                   f"{len(proba):,} cutouts of {args.images}.")
    evaluation.add_to(report, title="Image classification")
    _add_mistakes(report, images, labels, proba, predicted, list(model.classes_))
    report.write(report_path)
    print(f"report written to {report_path}")
    return evaluation


def _add_mistakes(report, images, labels: np.ndarray, proba: np.ndarray,
                  predicted: np.ndarray, classes: list, most: int = 24) -> None:
    """The most confident mistakes: the cutouts a person should look at first."""
    from astrolearn.images.plots import plot_cutouts

    predicted = np.asarray(predicted)
    confidence = proba[np.arange(len(proba)), pd.Index(classes).get_indexer(predicted)]
    wrong = np.flatnonzero(predicted != np.asarray(labels))
    if not len(wrong):
        return
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:most]
    titles = [f"{images.ids[i]}\ntrue {labels[i]}\npred {predicted[i]} "
              f"({confidence[i]:.2f})" for i in worst]
    report.figure(plot_cutouts(images.images[worst], titles=titles,
                               stretch="none" if images.stretched else "arcsinh"),
                  caption=f"The {len(worst)} most confident mistakes of {len(wrong):,}")


def predict_images(args, say: Callable[[str], None]) -> Path:
    """``astrolearn predict`` for an image model: class probabilities per cutout."""
    from astrolearn.images.classifier import ImageClassifier
    from astrolearn.images.io import read_images
    from astrolearn.io import check_not_input, write_table

    model = ImageClassifier.load(args.model)
    if getattr(args, "images", None) is None:
        raise AstrolearnInputError("predict for an image model needs --images CUTOUTS",
                                   fix="e.g. astrolearn predict model/ --images cutouts.npz "
                                       "--out predictions.parquet")
    check_not_input(args.out, args.images)
    images = read_images(args.images)
    start = time.perf_counter()
    frame = model.predict_frame(images.images, images.ids)
    seconds = time.perf_counter() - start
    write_table(frame, args.out)
    print(f"wrote {len(frame):,} image predictions to {args.out} in {seconds:.1f} s")
    return Path(args.out)
