"""Benchmark: feature extraction and classification of simulated light curves, objects/s.

A LightGBM TransientClassifier is fitted on a small simulated set (200 objects per class),
then classifies ``--n`` independent simulated objects (LSST-like cadence, about 140
points each) in chunks of ``--chunk`` objects, as ``astrolearn predict`` does: cleaning,
features (light-curve package fits, periodogram, colours, redshift terms) and LightGBM.

    python benchmarks/transients_throughput.py [--n 100000] [--chunk 10000] [--gp]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
from _common import hardware, markdown

from astrolearn.datasets import simulate_transients
from astrolearn.datasets.transient_sim import TRANSIENT_CLASSES
from astrolearn.transients.classifier import TransientClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--gp", action="store_true", help="add the Gaussian-process features")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start_all = time.perf_counter()
    lc, meta = simulate_transients(200, survey="lsst", seed=args.seed)
    clf = TransientClassifier(survey="lsst", gp_features=args.gp, random_state=args.seed)
    clf.fit(lc, "label", objects=meta)
    per_class = args.chunk // len(TRANSIENT_CLASSES)
    n_done, n_points, seconds, simulate_s = 0, 0, 0.0, 0.0
    chunk = 0
    while n_done < args.n:
        start = time.perf_counter()
        part_lc, part_meta = simulate_transients(per_class, survey="lsst",
                                                 seed=args.seed + 100 + chunk)
        simulate_s += time.perf_counter() - start
        start = time.perf_counter()
        frame = clf.predict_frame(part_lc, part_meta)
        seconds += time.perf_counter() - start
        assert np.isfinite(frame.filter(like="prob_").to_numpy()).all()
        n_done += len(frame)
        n_points += len(part_lc)
        chunk += 1
        print(f"{n_done:,} objects: {n_done / seconds:,.0f} objects/s", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ndata: simulate_transients(survey='lsst'), {n_done:,} objects, {n_points:,} points "
          f"(simulation {simulate_s:.0f} s, not counted)")
    print(f"model: TransientClassifier(lightgbm{', GP features' if args.gp else ''}) fitted "
          f"on {len(meta):,} objects; chunks of {len(frame):,} objects; seed {args.seed}")
    print(f"hardware: {hardware()}")
    print(f"wall time: {time.perf_counter() - start_all:.0f} s in all")
    print(markdown(pd.DataFrame([{"objects": n_done, "points": n_points,
                                  "classify s": seconds, "objects/s": n_done / seconds,
                                  "points/s": n_points / seconds,
                                  "peak RSS MiB": peak}]), float_format="{:,.1f}"))


if __name__ == "__main__":
    main()
