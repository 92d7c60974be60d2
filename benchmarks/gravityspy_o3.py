"""Benchmark: real O3 LIGO-Livingston glitches, trained on O3a and tested on O3b.

Data: ../shared/data/gravityspy/o3_L1_scatter_koi_4s_128.npz (or $ASTROLEARN_DATA/gravityspy/):
949 Gravity Spy images (4-s window only, normalised energy 0-25.5 stored as uint8 x 10,
128 x 128, highest frequency in row 0) of Fast_Scattering, Scattered_Light and Koi_Fish.
Split by time, not at random: O3a (GPS < 1253977218) trains, O3b tests. The class mix
shifts strongly between the two halves of the run (O3a is mostly Koi_Fish), which is the
point of a time split. Model: ``GlitchNetwork`` in single-view mode on the one window
there is, balanced class weights, seed as given; early stopping on 10 % of the O3a images
(stratified).

Reported: accuracy and macro-F1 on O3b, per-class purity and completeness, wall time.
A simple CNN reached accuracy 0.995 on a random split when the data were staged; the
issue's aim is macro-F1 >= 0.98 on the time split.

    python benchmarks/gravityspy_o3.py [--seed 0] [--epochs 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown
from sklearn.utils.class_weight import compute_sample_weight

from astrolearn import metrics
from astrolearn.glitches.network import GlitchNetwork

SPLIT_GPS = 1253977218


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()

    data = np.load(data_path("gravityspy", "o3_L1_scatter_koi_4s_128.npz"))
    # energy in physical units, rows from low to high frequency as qtransform_views gives
    views = (data["images"].astype(np.float32) / 10.0)[:, None, ::-1, :].copy()
    labels = data["labels"].astype(str)
    train = data["gps"] < SPLIT_GPS
    classes, codes = np.unique(labels, return_inverse=True)
    counts = pd.crosstab(labels, np.where(train, "O3a (train)", "O3b (test)"))
    print(f"data: {len(labels)} O3 L1 images, 4-s window, 128 x 128; split at GPS {SPLIT_GPS}; "
          f"seed {args.seed}; {hardware()}")
    print(markdown(counts.reset_index().rename(columns={"row_0": "class"}), "{:.0f}"))

    start = time.perf_counter()
    net = GlitchNetwork(mode="single", window=0, epochs=args.epochs, random_state=args.seed)
    # balanced class weights: O3a holds 9 Fast_Scattering images against 231 Koi_Fish
    weights = compute_sample_weight("balanced", codes[train])
    net.fit(views[train], codes[train], n_classes=len(classes), sample_weight=weights)
    fit_s = time.perf_counter() - start
    proba = net.predict_proba(views[~train])
    predicted = classes[proba.argmax(1)]
    truth = labels[~train]
    summary = pd.DataFrame([{"model": "GlitchNetwork single view", "n train": int(train.sum()),
                             "n test": int((~train).sum()),
                             "accuracy": metrics.accuracy(truth, predicted),
                             "macro-F1": metrics.macro_f1(truth, predicted, list(classes)),
                             "epochs run": net.history_.n_epochs, "fit s": fit_s}])
    print(markdown(summary, "{:.4f}"))
    per_class = metrics.purity_completeness(truth, predicted, list(classes))
    print(markdown(per_class.reset_index().rename(columns={"index": "class"}), "{:.4f}"))


if __name__ == "__main__":
    main()
