"""Benchmark: injection and recovery, the completeness of the transit search.

Data: simulated quiet stars from ``astrolearn.datasets.transit_sim`` (the mission's cadence
and gaps, a drawn stellar population with white noise, granulation and spots, a few NaN
cadences and cosmic rays, no signal). Into each, one batman planet is injected with a
period log-uniform in the range and a depth set so that its expected SNR (mean in-transit
depth / white noise x sqrt(points in transit)) is uniform in the range; then the default
pipeline of ``astrolearn transits search`` runs (clean, biweight detrend, BLS, up to two
signals). An injection is recovered when a signal's period is within 1 % of the injected
one (or of half or twice it) and its epoch within half a duration.

Prints the recovered fraction against SNR (Wilson 68 % intervals) and per SNR x period
cell, and writes the completeness-map figure to benchmarks/figures/.

    python benchmarks/transits_injection.py [--mission tess] [--n 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from _common import hardware, markdown

from astrolearn.transits.injection import (
    completeness_curve,
    completeness_map,
    injection_recovery,
)
from astrolearn.transits.plots import plot_completeness_map

SNR_BINS = [3, 5, 7, 9, 11, 13, 15, 20]
PERIOD_BINS = [0.5, 1.0, 2.0, 4.0, 8.0, 20.0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mission", default="tess", choices=["tess", "kepler"])
    parser.add_argument("--n", type=int, default=500, help="injections")
    parser.add_argument("--max-period", type=float, default=None,
                        help="longest injected period (default 10 d for TESS, 20 d Kepler)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    max_period = args.max_period or (10.0 if args.mission == "tess" else 20.0)
    period_bins = [p for p in PERIOD_BINS if p < max_period] + [max_period]

    start = time.perf_counter()
    table = injection_recovery(n_injections=args.n, mission=args.mission,
                               period_range=(0.5, max_period), snr_range=(3.0, 20.0),
                               seed=args.seed)
    seconds = time.perf_counter() - start
    print(f"data: {args.n} injections into simulated {args.mission} stars (default "
          f"baseline), P 0.5-{max_period:g} d, SNR 3-20, seed {args.seed}; {hardware()}; "
          f"{seconds:.0f} s ({seconds / args.n:.2f} s per injection)")
    print(markdown(completeness_curve(table, snr_bins=SNR_BINS), "{:.3f}"))
    cells = completeness_map(table, period_bins=period_bins, snr_bins=SNR_BINS)
    wide = cells.pivot_table(index=["period_lo", "period_hi"], columns="snr_lo",
                             values="fraction").reset_index()
    wide.columns = [c if isinstance(c, str) else f"SNR {c:g}+" for c in wide.columns]
    print()
    print(markdown(pd.DataFrame(wide), "{:.2f}"))
    figure = Path(__file__).parent / "figures" / f"completeness_{args.mission}.png"
    plot_completeness_map(table, period_bins=period_bins, snr_bins=SNR_BINS).savefig(
        figure, dpi=90)
    print(f"\nfigure: {figure}")


if __name__ == "__main__":
    main()
