"""Benchmark: star / galaxy / QSO classification of 99,999 SDSS DR17 objects.

Data: ../shared/data/sdss/sdss_dr17_100k.parquet (or $ASTROLEARN_DATA/sdss/...).
Features: ugriz photometry (+ Galactic l, b from RA/Dec with --sky-features); never
`redshift` or `MJD`, which come from the spectra and leak the class.
Split: 5-fold sky-grouped cross-validation (HEALPix nside 16 cells, stratified by class).

    python benchmarks/sdss_sources.py [--model lightgbm] [--sky-features] [--class-weight balanced]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown

from astrolearn.catalogs import PhotometryFeatures, SourceClassifier
from astrolearn.catalogs.commands import parse_model_params
from astrolearn.catalogs.evaluation import evaluate_classification
from astrolearn.validation import SkyGroupKFold, cross_validate_classifier

R_BINS = (14.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 25.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lightgbm")
    parser.add_argument("--sky-features", action="store_true")
    parser.add_argument("--class-weight", default=None)
    parser.add_argument("--colours", default="adjacent")
    parser.add_argument("--model-param", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = data_path("sdss", "sdss_dr17_100k.parquet")
    frame = pd.read_parquet(data)
    labels = frame["class"].to_numpy()
    classifier = SourceClassifier(
        ("u", "g", "r", "i", "z"), errors=None, colours=args.colours,
        sky=("alpha", "delta") if args.sky_features else None, model=args.model,
        class_weight=args.class_weight, random_state=args.seed,
        model_params=parse_model_params(args.model_param, {}) or None)
    cv = SkyGroupKFold(args.folds, ra="alpha", dec="delta", nside=16, random_state=args.seed)
    start = time.perf_counter()
    result = cross_validate_classifier(classifier, frame, labels, cv)
    wall = time.perf_counter() - start
    r_mag = PhotometryFeatures(["r"]).magnitudes(frame)[:, 0]
    evaluation = evaluate_classification(labels, result.proba, result.classes, magnitude=r_mag,
                                         magnitude_name="r", bins=R_BINS)

    print(f"data: {data} ({len(frame):,} rows)")
    print(f"split: {args.folds}-fold sky-grouped CV (HEALPix nside 16), seed {args.seed}")
    print(f"model: {args.model} {args.model_param or ''}, colours {args.colours}, "
          f"sky features {args.sky_features}, class weight {args.class_weight}")
    print(f"hardware: {hardware()}")
    print(f"wall time: {wall:.0f} s in all; per fold fit {np.mean(result.fit_seconds):.1f} s, "
          f"predict {np.mean(result.predict_seconds):.2f} s "
          f"({len(frame) / args.folds / np.mean(result.predict_seconds):,.0f} rows/s)\n")
    summary = pd.DataFrame([{k: v for k, v in evaluation.summary.items()}])
    print(markdown(summary, "{:.4f}"), "\n")
    per_class = evaluation.per_class.reset_index().rename(columns={"index": "class"})
    print(markdown(per_class), "\n")
    qso = evaluation.binned[evaluation.binned["class"] == "QSO"]
    print("QSO purity / completeness in r-magnitude bins")
    print(markdown(qso[["bin_low", "bin_high", "n_true", "n_pred", "purity", "completeness"]]))


if __name__ == "__main__":
    main()
