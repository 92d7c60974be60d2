"""GW150914 through the glitch pipeline: Q-transform views of the real strain, and the verdict
of a glitch classifier trained on simulated glitches.

Data: ../shared/data/gravityspy/strain/{H-H1,L-L1}_LOSC_4_V2-1126259446-32.hdf5 (or
$ASTROLEARN_DATA/gravityspy/strain/): 32 s of GWOSC strain at 4096 Hz around GW150914.
Event time: GPS 1126259462.4 (the GWTC-1 merger time, 1126259462.391, rounded as GWOSC's
tutorials do).

For each detector: the four Gravity Spy views (0.5, 1, 2, 4 s) at the event time, the peak
time and frequency of the brightest pixel of the 0.5-s view (the chirp ends at the merger,
~150 Hz in the whitened data), a figure of the views, and the class probabilities of a
``GlitchClassifier``: the model folder given by ``--model`` (e.g. the one
``benchmarks/glitches_sim.py --model-out`` writes), or, without it, one trained here on
``--per-class`` simulated glitches of the 11 classes (including Chirp, the compact-binary
inspiral class). A signal is not a glitch, but the closest glitch morphology of a binary
merger is Chirp, and Gravity Spy volunteers label such events Chirp.

    python benchmarks/gw150914.py [--model MODEL] [--per-class 150] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import ROOT, data_path, hardware, markdown

from astrolearn.datasets import simulate_glitch_views
from astrolearn.glitches.classifier import GlitchClassifier
from astrolearn.glitches.plots import plot_glitch_views
from astrolearn.glitches.qtransform import (
    GRAVITY_SPY_WINDOWS,
    frequency_grid,
    peak_time_frequency,
    qtransform_views,
    read_strain,
)

EVENT = 1126259462.4
FILES = {"H1": "H-H1_LOSC_4_V2-1126259446-32.hdf5", "L1": "L-L1_LOSC_4_V2-1126259446-32.hdf5"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--per-class", type=int, default=150)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figures", type=Path, default=ROOT / "benchmarks" / "figures")
    args = parser.parse_args()
    print(f"data: GWOSC GW150914 strain (H1, L1), 32 s at 4096 Hz, event GPS {EVENT}; "
          f"{hardware()}")

    if args.model is not None:
        model = GlitchClassifier.load(args.model)
        print(f"model: {args.model} ({model.n_training_views_:,} training views)")
    else:
        start = time.perf_counter()
        views, truth = simulate_glitch_views(args.per_class, shape=(args.size, args.size),
                                             seed=args.seed, n_jobs=2)
        model = GlitchClassifier(network_params={"epochs": 30}, random_state=args.seed)
        model.fit(views, truth["label"], windows=list(GRAVITY_SPY_WINDOWS))
        print(f"model: trained here on {len(views):,} simulated glitches (11 classes x "
              f"{args.per_class}, seed {args.seed}) in {time.perf_counter() - start:.0f} s")
    size = model.view_shape_[1]

    rows = []
    for ifo, name in FILES.items():
        strain = read_strain(data_path("gravityspy", "strain", name))
        views = qtransform_views(strain, [EVENT], shape=(size, size))
        dt, f = peak_time_frequency(views[0, 0], window=GRAVITY_SPY_WINDOWS[0],
                                    frequencies=frequency_grid(size))
        proba = model.predict_proba(views)[0]
        order = np.argsort(proba)[::-1]
        rows.append({"detector": ifo, "peak time from event [s]": f"{dt:+.3f}",
                     "peak frequency [Hz]": f"{f:.0f}",
                     "peak energy (0.5 s)": f"{views[0, 0].max():.1f}",
                     "verdict": str(model.classes_[order[0]]),
                     "p(verdict)": f"{proba[order[0]]:.3f}",
                     "runner-up": f"{model.classes_[order[1]]} ({proba[order[1]]:.3f})"})
        if args.figures:
            args.figures.mkdir(parents=True, exist_ok=True)
            full = qtransform_views(strain, [EVENT])  # 128 x 128 for the figure
            plot_glitch_views(full[0], mark_peak=True,
                              title=f"GW150914, {ifo}: GPS {EVENT}").savefig(
                args.figures / f"gw150914_{ifo}.png", dpi=90, bbox_inches="tight")
    print(markdown(pd.DataFrame(rows)))
    if args.figures:
        print(f"figures written to {args.figures}")


if __name__ == "__main__":
    main()
