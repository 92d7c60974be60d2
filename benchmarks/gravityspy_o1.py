"""Benchmark: multi-view against single-view CNN on real O1 Gravity Spy glitches (4 views).

Data: ../shared/data/gravityspy/o1_trainingset_subset_4view_128.npz (or
$ASTROLEARN_DATA/gravityspy/): 118 glitches of the Gravity Spy v1 training set (O1; 60 Blip,
50 Whistle, 8 Scratchy) with all four views (0.5, 1, 2, 4 s; normalised energy 0-25.5
stored as uint8 x 10, 128 x 128, highest frequency in row 0).

Protocol: stratified 5-fold cross-validation (seeded), the same folds for both models.
Models: ``GlitchNetwork`` in multi-view mode (one shared CNN branch reads the four windows,
features concatenated: Bahaadini et al. 2018) and in single-view mode on the 1-s window (the
view Gravity Spy volunteers see first), balanced class weights (8 Scratchy against 60 Blip).
Images are block-averaged to ``--size`` pixels (default 64) to keep the run to minutes on
2 cores; ``--size 128`` uses them as stored.

Reported: accuracy and macro-F1 over the pooled out-of-fold predictions, as the mean and
spread over ``--repeats`` repetitions of the cross-validation (new folds and network seeds
each time: with 118 glitches one fold holds ~24, so a single run moves by several hundredths
with the seed), per-class completeness, wall time.

    python benchmarks/gravityspy_o1.py [--seed 0] [--repeats 3] [--size 64] [--epochs 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.class_weight import compute_sample_weight

from astrolearn import metrics
from astrolearn.glitches.network import GlitchNetwork


def block_mean(views: np.ndarray, size: int) -> np.ndarray:
    """Average ``(n, v, H, W)`` images over blocks down to ``(n, v, size, size)``."""
    n, v, height, width = views.shape
    if height % size or width % size:
        raise SystemExit(f"--size must divide {height} and {width}, got {size}")
    fy, fx = height // size, width // size
    return views.reshape(n, v, size, fy, size, fx).mean(axis=(3, 5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    data = np.load(data_path("gravityspy", "o1_trainingset_subset_4view_128.npz"))
    # energy in physical units, rows from low to high frequency as qtransform_views gives
    views = (data["images"].astype(np.float32) / 10.0)[:, :, ::-1, :]
    views = block_mean(np.ascontiguousarray(views), args.size).astype(np.float32)
    labels = data["labels"].astype(str)
    classes, codes = np.unique(labels, return_inverse=True)
    print(f"data: {len(labels)} O1 glitches, 4 views, {args.size} x {args.size}; "
          f"stratified {args.folds}-fold CV, seed {args.seed}; {hardware()}")
    print(markdown(pd.Series(labels).value_counts().rename_axis("class").reset_index()))

    rows, per_class = [], {}
    for name, params in (("multi-view (4 windows)", {"mode": "multiview"}),
                         ("single view (1 s)", {"mode": "single", "window": 1})):
        acc, f1, completeness, epochs = [], [], [], []
        start = time.perf_counter()
        for r in range(args.repeats):
            seed = args.seed + r
            predicted = np.empty(len(labels), dtype=object)
            folds = StratifiedKFold(args.folds, shuffle=True, random_state=seed)
            for k, (train, test) in enumerate(folds.split(views, codes)):
                net = GlitchNetwork(epochs=args.epochs, random_state=100 * seed + k, **params)
                net.fit(views[train], codes[train], n_classes=len(classes),
                        sample_weight=compute_sample_weight("balanced", codes[train]))
                predicted[test] = classes[net.predict_proba(views[test]).argmax(1)]
                epochs.append(net.history_.n_epochs)
            predicted = predicted.astype(str)
            acc.append(metrics.accuracy(labels, predicted))
            f1.append(metrics.macro_f1(labels, predicted, list(classes)))
            completeness.append(metrics.purity_completeness(labels, predicted, list(classes))
                                ["completeness"])
        seconds = time.perf_counter() - start
        rows.append({"model": name, "accuracy": f"{np.mean(acc):.3f} ± {np.std(acc):.3f}",
                     "macro-F1": f"{np.mean(f1):.3f} ± {np.std(f1):.3f}",
                     "macro-F1 per repeat": " ".join(f"{v:.3f}" for v in f1),
                     "epochs run (mean)": f"{np.mean(epochs):.0f}", "wall s": seconds})
        per_class[name] = pd.concat(completeness, axis=1).mean(axis=1)
    print(markdown(pd.DataFrame(rows), "{:.3f}"))
    print("\ncompleteness per class (pooled out-of-fold predictions, mean over repeats)")
    print(markdown(pd.DataFrame(per_class).rename_axis("class").reset_index(), "{:.3f}"))


if __name__ == "__main__":
    main()
