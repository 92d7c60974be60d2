"""Benchmark: photo-z PDFs on the DC2 split shipped by RAIL (LSST ugrizy, 10-year errors).

Data: ../shared/data/dc2/test_dc2_training_9816.pq (10,225 galaxies) to fit,
test_dc2_validation_9816.pq (20,449 galaxies) to score (or $ASTROLEARN_DATA/dc2/...).
Split: RAIL's own training / validation files (disjoint galaxies of one HEALPix pixel).
Also runs RAIL's KNN and FlexZBoost on the same split when pz-rail-sklearn and
pz-rail-flexzboost are installed (skipped otherwise), scored by the same metric code.

    python benchmarks/dc2_photoz.py [--model ensemble] [--seed 0] [--no-rail]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown

from astrolearn.photoz import PhotoZ
from astrolearn.photoz.evaluation import evaluate_photoz
from astrolearn.photoz.pdf import POINT_ESTIMATES, normalise_pdfs

BANDS = tuple(f"mag_{b}_lsst" for b in "ugrizy")
COLUMNS = ("sigma_nmad", "outlier_frac", "outlier_frac_rail", "bias_median", "crps",
           "cde_loss", "pit_ks", "pit_cvm", "coverage_68", "coverage_95", "nz_ks")


def run_astrolearn(train, test, model: str, seed: int) -> tuple[dict, float, float]:
    start = time.perf_counter()
    estimator = PhotoZ(BANDS, model=model, random_state=seed).fit(train, "redshift")
    fit_seconds = time.perf_counter() - start
    pdfs = estimator.predict_pdf(test)
    z_point = estimator.point_estimates(pdfs)
    total = time.perf_counter() - start
    evaluation = evaluate_photoz(test["redshift"], pdfs, estimator.zgrid_, z_point=z_point,
                                 point_estimate=estimator.point_estimate)
    print(f"astrolearn {model}: weights {estimator.weights_}, "
          f"member fit seconds { {k: round(v, 1) for k, v in estimator.fit_seconds_.items()} }")
    return evaluation.summary, fit_seconds, total


def run_rail(train, test, name: str) -> tuple[dict, float, float] | None:
    """RAIL 2.0 estimator with its defaults (zmax 3, 301 grid points); mode as point."""
    try:
        if name == "flexzboost":
            from rail.estimation.algos.flexzboost import (
                FlexZBoostEstimator as Estimator,
            )
            from rail.estimation.algos.flexzboost import (
                FlexZBoostInformer as Informer,
            )
        else:
            from rail.estimation.algos.k_nearneigh import (
                KNearNeighEstimator as Estimator,
            )
            from rail.estimation.algos.k_nearneigh import (
                KNearNeighInformer as Informer,
            )
    except ImportError:
        print(f"RAIL {name}: not installed, skipped")
        return None
    train_handle = {c: train[c].to_numpy().copy() for c in train.columns}
    test_handle = {c: test[c].to_numpy().copy() for c in test.columns}
    start = time.perf_counter()
    inform = Informer.make_stage(name=f"inform_{name}", model=f"/tmp/rail_{name}.pkl",
                                 hdf5_groupname="")
    inform.inform(train_handle)
    fit_seconds = time.perf_counter() - start
    estimate = Estimator.make_stage(name=f"estimate_{name}", model=inform.get_handle("model"),
                                    hdf5_groupname="", output=f"/tmp/rail_{name}_out.hdf5")
    ensemble = estimate.estimate(test_handle).data
    total = time.perf_counter() - start
    zgrid = np.linspace(0.0, 3.0, 301)
    pdfs = normalise_pdfs(ensemble.pdf(zgrid), zgrid)  # qp may give tiny negative values
    ancil = ensemble.ancil or {}
    z_point = np.asarray(ancil["zmode"]).ravel() if "zmode" in ancil else None
    z_true = test["redshift"].to_numpy()
    inside = z_true <= zgrid[-1]
    evaluation = evaluate_photoz(z_true[inside], pdfs[inside], zgrid,
                                 z_point=None if z_point is None else z_point[inside],
                                 point_estimate="mode")
    return evaluation.summary, fit_seconds, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-rail", action="store_true")
    args = parser.parse_args()

    train_file = data_path("dc2", "test_dc2_training_9816.pq")
    test_file = data_path("dc2", "test_dc2_validation_9816.pq")
    train, test = pd.read_parquet(train_file), pd.read_parquet(test_file)
    rows = []
    summary, fit_s, total_s = run_astrolearn(train, test, args.model, args.seed)
    rows.append({"estimator": f"astrolearn {args.model}", **{k: summary[k] for k in COLUMNS},
                 "fit_s": fit_s, "fit+estimate_s": total_s})
    if not args.no_rail:
        for name in ("flexzboost", "knn"):
            result = run_rail(train, test, name)
            if result is not None:
                summary, fit_s, total_s = result
                rows.append({"estimator": f"RAIL {name} (defaults)",
                             **{k: summary[k] for k in COLUMNS}, "fit_s": fit_s,
                             "fit+estimate_s": total_s})
    table = pd.DataFrame(rows)
    print(f"data: train {train_file} ({len(train):,} rows), test {test_file} "
          f"({len(test):,} rows)")
    print("split: RAIL's DC2 training / validation files; seed", args.seed)
    print(f"hardware: {hardware()}")
    print(f"point estimate: {POINT_ESTIMATES[PhotoZ().point_estimate]} (astrolearn), PDF "
          "mode (RAIL); outlier_frac: "
          "|dz| > 0.15; outlier_frac_rail: |dz| > max(0.06, 3 sigma_IQR)")
    print("RAIL rows: objects with z > 3 (outside RAIL's default grid) are left out")
    print(markdown(table, float_format="{:.4f}"))


if __name__ == "__main__":
    main()
