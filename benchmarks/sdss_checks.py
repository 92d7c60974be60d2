"""Benchmark: leak checks and train-vs-inference coverage on SDSS DR17 (issue #4).

Data: ../shared/data/sdss/sdss_dr17_100k.parquet (or $ASTROLEARN_DATA/sdss/...).
1. Target leakage for star / galaxy / QSO classification: every numeric column scored
   alone (depth-4 tree, 3-fold stratified CV, macro one-vs-rest ROC AUC) on a seeded
   20,000-row sample; a column at or above 0.95 is a leak.
2. Coverage: a CoverageScore (k = 10, ugriz + adjacent colours, median/IQR scaling) fitted
   on a random 80% (seed 0) of the objects with r < 19, applied to every object; the
   fraction outside coverage (score > 0.99) per r bin, the held-out 20% of r < 19 as the
   control; then adversarial validation (LightGBM, 5-fold) of that training set against
   the whole catalog.

    python benchmarks/sdss_checks.py [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown

from astrolearn.catalogs import PhotometryFeatures
from astrolearn.explore.coverage import CoverageScore, adversarial_validation
from astrolearn.explore.leakage import check_leaks

R_BINS = (10.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 30.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = data_path("sdss", "sdss_dr17_100k.parquet")
    frame = pd.read_parquet(data)

    start = time.perf_counter()
    numeric = [c for c in ("u", "g", "r", "i", "z", "alpha", "delta", "redshift", "MJD")
               if c in frame.columns]
    leaks = check_leaks(frame, label="class", features=["u", "g", "r", "i", "z"],
                        target_columns=numeric, random_state=args.seed)
    leak_seconds = time.perf_counter() - start
    target = leaks.check("target leakage")

    features = PhotometryFeatures(["u", "g", "r", "i", "z"], colours="adjacent",
                                  impute=True).fit(frame)
    table = features.transform(frame)
    table = table[[c for c in table.columns if not c.endswith(("_nondet", "_missing"))]]
    r = features.magnitudes(frame)[:, 2]
    rng = np.random.default_rng(args.seed)
    bright = np.flatnonzero(r < 19)
    rng.shuffle(bright)
    train_rows, control_rows = bright[: int(0.8 * len(bright))], bright[int(0.8 * len(bright)):]
    start = time.perf_counter()
    coverage = CoverageScore(random_state=args.seed).fit(table.iloc[train_rows])
    outside = coverage.outside(table)
    coverage_seconds = time.perf_counter() - start
    rows = [{"r bin": "held-out r < 19 (control)", "n": len(control_rows),
             "outside": float(outside[control_rows].mean())}]
    for lo, hi in itertools.pairwise(R_BINS):
        mask = (r >= lo) & (r < hi)
        rows.append({"r bin": f"{lo:g}-{hi:g}", "n": int(mask.sum()),
                     "outside": float(outside[mask].mean()) if mask.any() else np.nan})
    start = time.perf_counter()
    adversarial = adversarial_validation(table.iloc[train_rows], table, magnitude=r,
                                         magnitude_name="r", random_state=args.seed)
    adversarial_seconds = time.perf_counter() - start

    print(f"data: {data} ({len(frame):,} rows); seed {args.seed}")
    print(f"hardware: {hardware()}")
    print(f"\ntarget leakage ({leak_seconds:.1f} s for all checks): {target.line()}")
    print(markdown(target.details, float_format="{:.3f}"))
    print(f"\ncoverage: trained on {len(train_rows):,} objects with r < 19 "
          f"({coverage_seconds:.1f} s to fit and score {len(frame):,} rows)")
    print(markdown(pd.DataFrame(rows), float_format="{:.4f}"))
    print(f"\nadversarial validation ({adversarial_seconds:.1f} s): {adversarial.verdict()}")


if __name__ == "__main__":
    main()
