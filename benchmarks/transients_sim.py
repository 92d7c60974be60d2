"""Benchmark: transient classification on the simulated LSST-like survey, complete light
curves and the first days after the first detection.

Data: ``astrolearn.datasets.simulate_transients`` (8 classes: SN Ia, Ibc, II-P, IIn, SLSN,
TDE, AGN, periodic variables; LSST WFD-like cadence with seasonal gaps, per-visit depths,
host photo-z with errors and 5% outliers; see the simulator's literature table). Training
set: one draw (seed 0), test set: an independent draw (seed 1).

Models: LightGBM on light-curve features, the GRU sequence network on the raw
observations, and their average (the mean of the two probability vectors, which is what
``TransientClassifier(model="average")`` computes from the same two fitted models).
Reported: PLAsTiCC weighted log loss (equal class weights), accuracy, macro-F1, SN Ia
purity / completeness / AUC and the SPCC figure of merit, per number of days since the
first detection.

    python benchmarks/transients_sim.py [--per-class 1000] [--test-per-class 500]
        [--models lightgbm,sequence]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch
from _common import hardware, markdown

from astrolearn.datasets import simulate_transients
from astrolearn.transients.classifier import TransientClassifier
from astrolearn.transients.metrics import metrics_by_days

DAYS = (5.0, 10.0, 20.0, 30.0, 50.0)
FULL = 1000.0  # stands for "complete light curve" in the tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--test-per-class", type=int, default=500)
    parser.add_argument("--models", default="lightgbm,sequence")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)

    start_all = time.perf_counter()
    lc, meta = simulate_transients(args.per_class, survey="lsst", seed=args.seed)
    test_lc, test_meta = simulate_transients(args.test_per_class, survey="lsst",
                                             seed=args.seed + 1)
    print(f"simulated {len(meta):,} training and {len(test_meta):,} test objects "
          f"({len(lc):,} + {len(test_lc):,} points) in {time.perf_counter() - start_all:.0f} s",
          flush=True)
    y_test = test_meta["label"].to_numpy()
    probas, rows, timing = {}, [], []
    for name in args.models.split(","):
        start = time.perf_counter()
        clf = TransientClassifier(survey="lsst", model=name, random_state=args.seed,
                                  sequence_params={"epochs": args.epochs})
        clf.fit(lc, "label", objects=meta)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        probas[name] = {d: clf.predict_proba(test_lc, test_meta, days=d) for d in DAYS}
        probas[name][FULL] = clf.predict_proba(test_lc, test_meta)
        predict_s = time.perf_counter() - start
        classes = list(clf.classes_)
        timing.append({"model": name, "fit s": fit_s,
                       "predict s (6 lengths)": predict_s})
        print(f"{name}: fit {fit_s:.0f} s, predict {predict_s:.0f} s", flush=True)
    if len(probas) == 2:
        a, b = probas.values()
        probas["average"] = {d: (a[d] + b[d]) / 2 for d in a}
    for name, by_days in probas.items():
        table = metrics_by_days(y_test, by_days, classes, positive="SNIa")
        table.insert(0, "model", name)
        rows.append(table)
    result = pd.concat(rows, ignore_index=True)
    result["days"] = result["days"].map(lambda d: "full" if d == FULL else f"{d:g}")
    print(f"\ndata: simulate_transients(survey='lsst'), train {args.per_class}/class "
          f"(seed {args.seed}), test {args.test_per_class}/class (seed {args.seed + 1})")
    print("split: independent simulated draws; metrics vs days since first detection")
    print(f"hardware: {hardware()}")
    print(f"wall time: {time.perf_counter() - start_all:.0f} s in all")
    print(markdown(pd.DataFrame(timing), float_format="{:.1f}"))
    print()
    print(markdown(result.drop(columns=["n"]), float_format="{:.4f}"))
    full = result[result["days"] == "full"]
    print("\ncomplete light curves:")
    print(markdown(full.drop(columns=["n", "days"]), float_format="{:.4f}"))


if __name__ == "__main__":
    main()
