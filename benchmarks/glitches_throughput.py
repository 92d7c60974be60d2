"""Benchmark: views plus classification of 1,000 triggers from strain, on this machine's cores.

Data: ``--n`` simulated glitches (11 classes in turn, SNR 8-40) laid end to end as one
strain series (12 s each, 4096 Hz; ``simulate_glitches``), with a trigger at each glitch.
Timed, as ``astrolearn predict --strain --times`` runs them: whitening plus the four Gravity
Spy Q-transform views of every trigger (``qtransform_views``, ``n_jobs`` processes), then
the multi-view CNN's class probabilities (``GlitchClassifier.predict_proba``). The network's
weights do not change its speed, so it is fitted for one epoch on 110 of the views only to
have a model to time. Reference: gwpy's own ``TimeSeries.q_transform`` called once per
window (4 calls per trigger, whitening each time), as the Gravity Spy scripts do, on the
first ``--reference`` triggers, one process.

Reported: triggers per second and images (one per window) per second for each stage.

    python benchmarks/glitches_throughput.py [--n 1000] [--size 64] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from _common import hardware, markdown

from astrolearn.datasets import simulate_glitches
from astrolearn.glitches.classifier import GlitchClassifier
from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS, as_timeseries, qtransform_views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--reference", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    per_class = -(-args.n // 11)
    strain, truth = simulate_glitches(per_class, duration=12.0, seed=args.seed)
    strain, truth = strain[:args.n], truth.iloc[:args.n]
    series = as_timeseries(strain.reshape(-1), sample_rate=4096)
    del strain
    times = 12.0 * np.arange(len(truth)) + truth["peak_time"].to_numpy()
    print(f"data: {len(times):,} simulated triggers in {series.duration.value:,.0f} s of "
          f"strain at 4096 Hz; views {args.size} x {args.size} x 4 windows; {hardware()}")

    rows = []
    start = time.perf_counter()
    views = qtransform_views(series, times, shape=(args.size, args.size), n_jobs=args.n_jobs)
    seconds = time.perf_counter() - start
    rows.append({"stage": f"views (astrolearn, {args.n_jobs} processes)",
                 "triggers": len(times), "seconds": seconds})

    labels = truth["label"].to_numpy()
    fit_rows = np.concatenate([np.flatnonzero(labels == c)[:10] for c in np.unique(labels)])
    model = GlitchClassifier(network_params={"epochs": 1}).fit(views[fit_rows],
                                                               labels[fit_rows])
    start = time.perf_counter()
    model.predict_proba(views)
    seconds = time.perf_counter() - start
    rows.append({"stage": "classification (multi-view CNN)", "triggers": len(times),
                 "seconds": seconds})
    total = rows[0]["seconds"] + rows[1]["seconds"]
    rows.append({"stage": "views + classification", "triggers": len(times), "seconds": total})

    if args.reference:
        ref = times[:args.reference]
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for t in ref:
                for w in GRAVITY_SPY_WINDOWS:
                    series.crop(t - 5, t + 5).q_transform(
                        qrange=(4, 64), frange=(10, 2048), gps=t, search=0.5,
                        tres=w / args.size, fres=args.size, logf=True,
                        outseg=(t - w / 2, t + w / 2), whiten=True)
        rows.append({"stage": "reference: gwpy q_transform per window, 1 process",
                     "triggers": len(ref), "seconds": time.perf_counter() - start})

    table = pd.DataFrame(rows)
    table["triggers/s"] = table["triggers"] / table["seconds"]
    table["images/s"] = 4 * table["triggers/s"]
    print(markdown(table, "{:.1f}"))


if __name__ == "__main__":
    main()
