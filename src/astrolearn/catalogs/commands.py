"""Command-line work for catalog tasks: option/TOML resolution, fit, evaluate, predict.

A TOML config holds the same settings as the options (options win)::

    [columns]
    bands = ["u", "g", "r", "i", "z"]
    errors = "{band}_err"        # or a list, "auto", "none"
    label = "class"
    id = "object_id"
    ra = "ra"
    dec = "dec"
    ebv = "ebv"

    [features]
    colours = "adjacent"         # "all", "none"
    faint_limit = 30.0
    extinction = "sdss"          # or {u = 4.239, ...}
    sky_features = false
    extra = []                   # other numeric feature columns, used as they are

    [model]
    name = "lightgbm"            # random_forest, knn, mlp; photoz: ensemble, mdn, flexcode, knn
    class_weight = "none"        # "balanced"
    seed = 0
    [model.params]
    n_estimators = 400

Photo-z models also read ``[columns] target`` (the redshift column) and ``[model]``
``z_max``, ``n_grid``, ``recalibrate`` and ``point_estimate``.
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Algorithms of each catalog task.
SOURCE_MODELS = ("lightgbm", "random_forest", "knn", "mlp")
PHOTOZ_MODELS = ("ensemble", "mdn", "flexcode", "knn")

__all__ = [
    "PHOTOZ_MODELS",
    "SOURCE_MODELS",
    "evaluate_sources",
    "fit_sources",
    "load_config",
    "magnitude_for_bins",
    "parse_model_params",
    "predict_sources",
    "read_catalog",
    "resolve_settings",
    "select_rows",
    "train_test_leaks",
    "warn_about_leaks",
]

_SECTIONS = {"columns": {"bands", "errors", "label", "target", "id", "ra", "dec", "ebv"},
             "features": {"colours", "faint_limit", "extinction", "sky_features", "extra"},
             "model": {"name", "class_weight", "seed", "params", "z_max", "n_grid",
                       "recalibrate", "point_estimate"}}


def load_config(path: Path | None) -> dict[str, dict[str, Any]]:
    """Read and check a TOML config (an empty config when ``path`` is None)."""
    if path is None:
        return {name: {} for name in _SECTIONS}
    if not Path(path).exists():
        raise AstrolearnInputError("config file not found", file=path, fix="check --config")
    try:
        config = tomllib.loads(Path(path).read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise AstrolearnInputError(f"is not valid TOML ({err})", file=path,
                                   fix="fix the syntax (see the README for an example)") from None
    for section, values in config.items():
        if section not in _SECTIONS or not isinstance(values, dict):
            raise AstrolearnInputError(f"unknown section [{section}]", file=path,
                                       fix=f"use only {', '.join(f'[{s}]' for s in _SECTIONS)}")
        unknown = set(values) - _SECTIONS[section]
        if unknown:
            raise AstrolearnInputError(
                f"unknown key {sorted(unknown)[0]!r} in [{section}]", file=path,
                fix=f"use only {', '.join(sorted(_SECTIONS[section]))}")
    return {name: dict(config.get(name, {})) for name in _SECTIONS}


def _split_list(text: str | list | None) -> list[str] | None:
    if text is None or isinstance(text, list):
        return text
    return [part.strip() for part in text.split(",") if part.strip()]


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_model_params(pairs: list[str], base: dict[str, Any]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings (values as Python literals) over ``base``.

    Examples
    --------
    >>> parse_model_params(["n_estimators=800", "hidden_layers=[64, 32]"], {})
    {'n_estimators': 800, 'hidden_layers': [64, 32]}
    """
    params = dict(base)
    for pair in pairs:
        if "=" not in pair:
            raise AstrolearnInputError(f"--model-param {pair!r} is not KEY=VALUE",
                                       fix="write e.g. --model-param n_estimators=800")
        key, value = pair.split("=", 1)
        params[key.strip()] = _parse_value(value.strip())
    return params


def _extinction(value):
    if value is None or isinstance(value, dict):
        return value
    if "=" in value:
        return {k.strip(): float(v) for k, v in (p.split("=", 1) for p in value.split(","))}
    return value


def resolve_settings(args) -> dict[str, Any]:
    """Merge command-line options over the TOML config over the defaults."""
    config = load_config(getattr(args, "config", None))
    cols, feats, model = config["columns"], config["features"], config["model"]

    def pick(option: str, section: dict, key: str, default=None):
        value = getattr(args, option, None)
        return value if value is not None else section.get(key, default)

    errors = pick("errors", cols, "errors", "auto")
    if isinstance(errors, str) and errors.lower() == "none":
        errors = None
    class_weight = pick("class_weight", model, "class_weight", "none")
    colours = pick("colours", feats, "colours", "adjacent")
    return {
        "bands": _split_list(pick("bands", cols, "bands", "u,g,r,i,z")),
        "errors": errors,
        "label": pick("label", cols, "label", "class"),
        "id": pick("id_column", cols, "id"),
        "ra": pick("ra", cols, "ra"),
        "dec": pick("dec", cols, "dec"),
        "ebv": pick("ebv", cols, "ebv"),
        "colours": None if colours == "none" else colours,
        "faint_limit": pick("faint_limit", feats, "faint_limit", 30.0),
        "extinction": _extinction(pick("extinction", feats, "extinction")),
        "sky_features": bool(pick("sky_features", feats, "sky_features", False)),
        "extra": _split_list(pick("extra", feats, "extra", [])),
        "target": pick("target", cols, "target", "redshift"),
        "model": pick("model", model, "name", None),
        "z_max": pick("z_max", model, "z_max"),
        "n_grid": int(pick("n_grid", model, "n_grid", 301)),
        "recalibrate": pick("recalibrate", model, "recalibrate"),
        "point_estimate": pick("point_estimate", model, "point_estimate", "best"),
        "class_weight": None if class_weight == "none" else class_weight,
        "seed": int(pick("seed", model, "seed", 0)),
        "params": parse_model_params(getattr(args, "model_param", []) or [],
                                model.get("params", {})),
    }


def read_catalog(path: Path, hdf5_key: str | None, say: Callable[[str], None]):
    from astrolearn.io import read_table

    frame = read_table(path, hdf5_key=hdf5_key)
    say(f"read {len(frame):,} rows, {frame.shape[1]} columns from {path}")
    return frame


def fit_sources(args, say: Callable[[str], None]) -> Path:
    """``astrolearn fit sources``: train, optionally cross-validate, save the model folder."""
    from astrolearn.catalogs.classifier import SourceClassifier, labels_from
    from astrolearn.catalogs.evaluation import evaluate_classification
    from astrolearn.io import check_not_input, require_columns
    from astrolearn.validation import cross_validate_classifier, make_splitter

    settings = resolve_settings(args)
    settings["model"] = settings["model"] or "lightgbm"
    if settings["model"] not in SOURCE_MODELS:
        raise AstrolearnInputError(f"--model {settings['model']} is not a sources model",
                                   fix=f"use one of {', '.join(SOURCE_MODELS)}")
    check_not_input(args.out, args.data)
    frame = read_catalog(args.data, args.hdf5_key, say)
    labels = labels_from(settings["label"], frame, file=args.data)
    sky = None
    if settings["ra"] or settings["dec"]:
        require_columns(frame, [settings["ra"], settings["dec"]], file=args.data,
                        option="--ra/--dec")
        if settings["sky_features"]:
            sky = (settings["ra"], settings["dec"])
    elif settings["sky_features"]:
        raise AstrolearnInputError("--sky-features needs coordinates", file=args.data,
                                   fix="name them with --ra and --dec")
    classifier = SourceClassifier(
        tuple(settings["bands"]), errors=settings["errors"], colours=settings["colours"],
        ebv=settings["ebv"], extinction=settings["extinction"],
        faint_limit=settings["faint_limit"], sky=sky, extra=tuple(settings["extra"]),
        model=settings["model"],
        model_params=settings["params"] or None, class_weight=settings["class_weight"],
        random_state=settings["seed"])
    warn_about_leaks(frame, settings["label"], classifier, say)
    metrics = {}
    if args.cv:
        split = args.split or ("sky" if settings["ra"] and settings["dec"] else "stratified")
        cv = make_splitter(split, args.cv, ra=settings["ra"], dec=settings["dec"],
                           random_state=settings["seed"])
        say(f"{args.cv}-fold {split} cross-validation ...")
        result = cross_validate_classifier(classifier, frame, labels, cv, progress=say)
        evaluation = evaluate_classification(labels, result.proba, result.classes)
        print(f"cross-validation ({args.cv}-fold, {split}):")
        print(evaluation.text())
        metrics = {"cross_validation": {"folds": args.cv, "split": split,
                                        **evaluation.to_dict()}}
    start = time.perf_counter()
    classifier.fit(frame, labels, file=args.data)
    seconds = time.perf_counter() - start
    for line in classifier.features_.report_.lines():
        say(f"photometry: {line}")
    say(f"fitted {settings['model']} on {len(frame):,} rows, "
        f"{len(classifier.features_.feature_names_)} features, in {seconds:.1f} s")
    classifier.save(args.out, metrics=metrics, extra={
        "label_column": settings["label"], "id_column": settings["id"],
        "ra_column": settings["ra"], "dec_column": settings["dec"],
        "training_file": str(args.data), "fit_seconds": round(seconds, 3)})
    print(f"model written to {args.out}")
    return args.out


def magnitude_for_bins(model, frame, name: str | None, file) -> tuple[np.ndarray, str]:
    from astrolearn.io import require_columns

    bands = list(model.features_.bands)
    if name is None:
        name = "r" if "r" in bands else bands[len(bands) // 2]
    require_columns(frame, [name], file=file, option="--magnitude")
    if name in bands:
        return model.features_.magnitudes(frame, file=file)[:, bands.index(name)], name
    return frame[name].to_numpy(dtype=float), name


def evaluate_sources(args, say: Callable[[str], None]) -> None:
    """``astrolearn evaluate``: metrics, duplicate check against training, HTML report."""
    from astrolearn.catalogs.classifier import SourceClassifier, labels_from
    from astrolearn.catalogs.evaluation import check_known_classes, evaluate_classification

    model = SourceClassifier.load(args.model)
    if args.report is not None:
        from astrolearn.io import check_not_input

        check_not_input(args.report, args.data)
    frame = select_rows(read_catalog(args.data, args.hdf5_key, say),
                        getattr(args, "select", None), file=args.data)
    label = args.label or model.manifest_.get("label_column") or "class"
    labels = labels_from(label, frame, file=args.data)
    check_known_classes(labels, model.classes_, file=args.data, column=label)
    proba = model.predict_proba(frame, file=args.data)
    magnitude, mag_name = magnitude_for_bins(model, frame, args.magnitude, args.data)
    evaluation = evaluate_classification(labels, proba, model.classes_, magnitude=magnitude,
                                         magnitude_name=mag_name)
    for line in model.features_.inspect(frame, file=args.data).lines():
        say(f"photometry: {line}")
    finish_evaluation(args, model, frame, evaluation, say,
                      title=f"astrolearn evaluation of {args.model.name} on {args.data.name}")


def finish_evaluation(args, model, frame, evaluation, say: Callable[[str], None], *,
                      title: str) -> None:
    """The end of every ``evaluate``: print the metrics, check the test rows against the
    training set (stored row hashes; leak checks when the training file is readable) and
    write the HTML report when ``--report`` was given."""
    from astrolearn.report import Report
    from astrolearn.validation import find_duplicates

    duplicates = find_duplicates(None, frame, model.required_columns(),
                                 train_hashes=model.training_row_hashes_)
    print(evaluation.text())
    print(duplicates.message())
    leaks = train_test_leaks(model, frame, say=say)
    if leaks is not None:
        print(leaks.text())
    if args.report is None:
        return
    report = Report(title)
    report.section("Data and model", f"Model folder {args.model} "
                   f"({model.manifest_.get('description', model.model)}), trained on "
                   f"{model.n_training_rows_:,} rows. Evaluated on {len(frame):,} rows "
                   f"of {args.data}. {duplicates.message()}.")
    evaluation.add_to(report)
    if leaks is not None:
        leaks.add_to(report)
    report.write(args.report)
    print(f"report written to {args.report}")


def predict_sources(args, say: Callable[[str], None]) -> None:
    """``astrolearn predict``: stream the catalog through the model, write predictions."""
    from astrolearn.catalogs.classifier import SourceClassifier
    from astrolearn.scale.command import predict_catalog_command

    model = SourceClassifier.load(args.model)
    print(predict_catalog_command(model, args, say, what="predictions", options={
        "coverage": bool(getattr(args, "coverage", False))}))


def select_rows(frame, spec: str | None, *, file=None):
    """Keep the rows whose column holds one of the listed values (``COLUMN=V1,V2``).

    Examples
    --------
    >>> import pandas as pd
    >>> select_rows(pd.DataFrame({"class": ["STAR", "QSO"]}), "class=QSO")["class"].tolist()
    ['QSO']
    """
    if not spec:
        return frame
    from astrolearn.io import require_columns

    if "=" not in spec:
        raise AstrolearnInputError(f"--select {spec!r} is not COLUMN=VALUE[,VALUE]",
                                   fix="write e.g. --select class=GALAXY")
    column, values = spec.split("=", 1)
    column = column.strip()
    require_columns(frame, [column], file=file, option="--select")
    wanted = [v.strip() for v in values.split(",") if v.strip()]
    keep = frame[column].astype(str).str.strip().isin(wanted).to_numpy()
    if not keep.any():
        present = ", ".join(map(str, frame[column].astype(str).unique()[:8]))
        raise AstrolearnInputError(f"no row has {column} in {wanted}", file=file, column=column,
                                   fix=f"values present include: {present}")
    return frame[keep]


def _feature_columns(estimator) -> list[str]:
    """Catalog columns a model would read as features (before it is fitted)."""
    columns = list(estimator.bands) + list(estimator.extra)
    sky = getattr(estimator, "sky", None)
    return columns + (list(sky) if sky else [])


def warn_about_leaks(frame, label: str, estimator, say: Callable[[str], None]):
    """Before a fit: duplicates inside the training set and single-column target leaks.

    Prints one warning per failed check; returns the report.
    """
    from astrolearn.explore.leakage import check_leaks

    columns = [c for c in _feature_columns(estimator) if c in frame.columns]
    report = check_leaks(frame, label=label, features=columns, target_columns=columns,
                         random_state=getattr(estimator, "random_state", 0))
    for line in report.warnings():
        say(f"warning: {line}")
    return report


def train_test_leaks(model, frame, *, say: Callable[[str], None]):
    """Train/test leak checks for ``evaluate``, when the training file is still readable.

    Returns the report, or None when the training file named in the model folder is gone
    (the duplicate check against the stored training-row hashes still runs).
    """
    from astrolearn.explore.leakage import check_leaks

    manifest = model.manifest_
    training = manifest.get("training_file")
    if not training or not Path(training).exists():
        say("leak checks against the training set skipped: its file "
            f"{training or '(not recorded)'} is not readable")
        return None
    train = read_catalog(Path(training), None, say)
    if manifest.get("selection"):
        train = select_rows(train, manifest["selection"], file=training)
    sky = [manifest.get("ra_column"), manifest.get("dec_column")]
    columns = [c for c in model.required_columns() if c in frame.columns]
    id_column = manifest.get("id_column")
    return check_leaks(train, frame, label=None, features=columns,
                       id_column=id_column if id_column in frame.columns else None,
                       ra=sky[0], dec=sky[1], random_state=0)
