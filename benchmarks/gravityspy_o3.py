"""Benchmark: real O3 LIGO-Livingston glitches, trained on O3a and tested on O3b, from scratch
and with transfer from a network pretrained on simulated glitches.

Data: ../shared/data/gravityspy/o3_L1_scatter_koi_4s_128.npz (or $ASTROLEARN_DATA/gravityspy/):
949 Gravity Spy images (4-s window only, normalised energy 0-25.5 stored as uint8 x 10,
128 x 128, highest frequency in row 0) of Fast_Scattering, Scattered_Light and Koi_Fish.
Split by time, not at random: O3a (GPS < 1253977218) trains, O3b tests. The class mix
shifts strongly between the two halves of the run (O3a has 9 Fast_Scattering images against
231 Koi_Fish; O3b is mostly scattering), which is the point of a time split.

Two models, ``GlitchNetwork`` in single-view mode on the one window there is, balanced class
weights, early stopping on 10 % of the O3a images (stratified), for each of ``--seeds``:

* **from scratch**: trained on the 277 O3a images only;
* **pretrained on simulated glitches**: the same network first trained on
  ``--pretrain-per-class`` simulated glitches of each of the three classes
  (``simulate_glitch_views``: Advanced-LIGO-coloured noise, SNR 8-40; the 4-s view at
  128 x 128, clipped at 25.5 like the Gravity Spy colour bar), then fine-tuned on the same
  O3a images with its CNN branch as the starting point (``backbone_weights``; new head).
  The pretraining never sees a real image; the simulated set is made and the network
  trained once, with seed 0.

Reported: accuracy and macro-F1 on O3b per seed and their mean, per-class completeness of
the first seed, wall times. A simple CNN reached accuracy 0.995 on a random split when the
data were staged; the issue's aim is macro-F1 >= 0.98 on the time split.

    python benchmarks/gravityspy_o3.py [--seeds 0 1 2] [--epochs 40] [--pretrain-per-class 150]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown
from sklearn.utils.class_weight import compute_sample_weight

from astrolearn import metrics
from astrolearn.datasets import simulate_glitch_views
from astrolearn.glitches.network import GlitchNetwork

SPLIT_GPS = 1253977218
GRAVITY_SPY_TOP = 25.5  # the top of the Gravity Spy colour bar: brighter pixels saturate


def pretrained_weights(classes: np.ndarray, per_class: int, epochs: int, folder: Path
                       ) -> tuple[Path, float, float]:
    """Train the single-view network on simulated 4-s views; return its weights file, the
    seconds spent on views and on training."""
    start = time.perf_counter()
    views, truth = simulate_glitch_views(per_class, classes=list(classes), shape=(128, 128),
                                         seed=0, n_jobs=2)
    views = np.clip(views[:, 3:4], 0.0, GRAVITY_SPY_TOP)  # the 4-s window, as staged
    view_seconds = time.perf_counter() - start
    codes = np.searchsorted(classes, truth["label"].to_numpy())
    start = time.perf_counter()
    net = GlitchNetwork(mode="single", window=0, epochs=epochs, random_state=0)
    net.fit(views, codes, n_classes=len(classes))
    path = folder / "simulated.safetensors"
    net.save(path)
    return path, view_seconds, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--pretrain-per-class", type=int, default=150)
    args = parser.parse_args()

    data = np.load(data_path("gravityspy", "o3_L1_scatter_koi_4s_128.npz"))
    # energy in physical units, rows from low to high frequency as qtransform_views gives
    views = (data["images"].astype(np.float32) / 10.0)[:, None, ::-1, :].copy()
    labels = data["labels"].astype(str)
    train = data["gps"] < SPLIT_GPS
    classes, codes = np.unique(labels, return_inverse=True)
    counts = pd.crosstab(labels, np.where(train, "O3a (train)", "O3b (test)"))
    print(f"data: {len(labels)} O3 L1 images, 4-s window, 128 x 128; split at GPS {SPLIT_GPS}; "
          f"seeds {args.seeds}; {hardware()}")
    print(markdown(counts.reset_index().rename(columns={"row_0": "class"}), "{:.0f}"))
    weights = compute_sample_weight("balanced", codes[train])
    truth = labels[~train]

    with tempfile.TemporaryDirectory() as tmp:
        source, view_s, pre_s = pretrained_weights(classes, args.pretrain_per_class,
                                                   args.epochs, Path(tmp))
        print(f"pretraining: {args.pretrain_per_class * len(classes)} simulated glitches, "
              f"views {view_s:.0f} s, training {pre_s:.0f} s")
        rows, completeness = [], {}
        for name, extra in (("from scratch", {}),
                            ("pretrained on simulated glitches", {"backbone_weights": source})):
            for seed in args.seeds:
                start = time.perf_counter()
                net = GlitchNetwork(mode="single", window=0, epochs=args.epochs,
                                    random_state=seed, **extra)
                net.fit(views[train], codes[train], n_classes=len(classes),
                        sample_weight=weights)
                seconds = time.perf_counter() - start
                predicted = classes[net.predict_proba(views[~train]).argmax(1)]
                rows.append({"model": name, "seed": seed,
                             "accuracy": metrics.accuracy(truth, predicted),
                             "macro-F1": metrics.macro_f1(truth, predicted, list(classes)),
                             "epochs run": net.history_.n_epochs, "fit s": seconds})
                if seed == args.seeds[0]:
                    completeness[name] = metrics.purity_completeness(
                        truth, predicted, list(classes))["completeness"]
    table = pd.DataFrame(rows)
    print(markdown(table, "{:.4f}"))
    print("\nmean over seeds")
    print(markdown(table.groupby("model", sort=False)[["accuracy", "macro-F1"]].mean()
                   .reset_index(), "{:.4f}"))
    print(f"\ncompleteness per class on O3b (seed {args.seeds[0]})")
    print(markdown(pd.DataFrame(completeness).rename_axis("class").reset_index(), "{:.4f}"))


if __name__ == "__main__":
    main()
