"""Benchmark: photo-z of SDSS DR17 galaxies and quasars, sky-grouped 5-fold CV.

Data: ../shared/data/sdss/sdss_dr17_100k.parquet (or $ASTROLEARN_DATA/sdss/...): ugriz
model magnitudes (no errors, no extinction in the file), spectroscopic class and redshift.
Each class is fitted and scored on its own (as after a star/galaxy/QSO classification).
Split: 5-fold sky-grouped cross-validation (HEALPix nside 16); every object is scored by
the fold that did not train on its sky cell.

    python benchmarks/sdss_photoz.py [--model ensemble] [--classes GALAXY,QSO] [--sky-features]
        [--point-estimate best|median|mode|mean]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown

from astrolearn.photoz import PhotoZ
from astrolearn.photoz.evaluation import evaluate_photoz
from astrolearn.photoz.metrics import point_metrics
from astrolearn.photoz.pdf import POINT_ESTIMATES, point_estimate
from astrolearn.validation import SkyGroupKFold

COLUMNS = ("n", "sigma_nmad", "outlier_frac", "outlier_frac_rail", "bias_median", "crps",
           "pit_ks", "coverage_68", "coverage_95", "multimodal_frac")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--classes", default="GALAXY,QSO")
    parser.add_argument("--colours", default="adjacent")
    parser.add_argument("--sky-features", action="store_true",
                        help="RA/Dec and Galactic l, b as features (a reddening proxy: "
                        "the file has no E(B-V))")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--point-estimate", default=PhotoZ().point_estimate,
                        choices=POINT_ESTIMATES,
                        help="point estimate taken from each PDF")
    args = parser.parse_args()

    data = data_path("sdss", "sdss_dr17_100k.parquet")
    frame = pd.read_parquet(data)
    rows = []
    start_all = time.perf_counter()
    for name in args.classes.split(","):
        part = frame[frame["class"] == name].reset_index(drop=True)
        z = part["redshift"].to_numpy()
        z_max = float(np.ceil(z.max() * 1.05 * 10) / 10)
        estimator = PhotoZ(("u", "g", "r", "i", "z"), errors=None, colours=args.colours,
                           sky=("alpha", "delta") if args.sky_features else None,
                           model=args.model, z_max=z_max, random_state=args.seed)
        cv = SkyGroupKFold(args.folds, ra="alpha", dec="delta", nside=16,
                           random_state=args.seed)
        pdfs, zgrid, fit_seconds = None, None, []
        for train, test in cv.split(part):
            start = time.perf_counter()
            fold = PhotoZ(**estimator.get_params()).fit(part.iloc[train], z[train])
            fit_seconds.append(time.perf_counter() - start)
            if pdfs is None:
                zgrid = fold.zgrid_
                pdfs = np.zeros((len(part), zgrid.size))
            pdfs[test] = fold.predict_pdf(part.iloc[test])
            print(f"{name}: fold {len(fit_seconds)} fitted in {fit_seconds[-1]:.0f} s "
                  f"(weights {fold.weights_})", flush=True)
        r_mag = part["r"].to_numpy()
        evaluation = evaluate_photoz(z, pdfs, zgrid, magnitude=r_mag, magnitude_name="r",
                                     point_estimate=args.point_estimate)
        rows.append({"class": name, **{k: evaluation.summary[k] for k in COLUMNS},
                     "fit_s_per_fold": float(np.mean(fit_seconds))})
        print(f"\n{name} in r bins")
        print(markdown(evaluation._short(evaluation.by_magnitude), float_format="{:.4f}"))
        print(f"\n{name}: each point estimate of the same PDFs")
        print(markdown(pd.DataFrame([{"point estimate": kind, **point_metrics(
            point_estimate(pdfs, zgrid, kind), z)} for kind in POINT_ESTIMATES]).drop(
                columns=["outlier_threshold_rail"]), float_format="{:.4f}"))
        print(f"\n{name}: z_best of the objects with the lowest z_risk")
        print(markdown(evaluation.by_risk, float_format="{:.4f}"))
    print(f"\ndata: {data} ({len(frame):,} rows)")
    print(f"split: {args.folds}-fold sky-grouped CV (HEALPix nside 16), seed {args.seed}")
    print(f"model: photo-z {args.model}, ugriz + {args.colours} colours"
          f"{' + sky position' if args.sky_features else ''}, point = "
          f"{POINT_ESTIMATES[args.point_estimate]}")
    print(f"hardware: {hardware()}")
    print(f"wall time: {time.perf_counter() - start_all:.0f} s in all")
    print(markdown(pd.DataFrame(rows), float_format="{:.4f}"))


if __name__ == "__main__":
    main()
