"""Benchmark: 11 simulated glitch classes, multi-view CNN, accuracy and macro-F1 against SNR.

Data: ``simulate_glitch_views`` (astrolearn.datasets.glitch_sim): ``--per-class`` glitches of
each of the 11 classes (Blip, Koi_Fish, Whistle, Scattered_Light, Fast_Scattering, Tomte,
Power_Line, Low_Frequency_Burst, Chirp, Violin_Mode, No_Glitch) injected at SNR 8-40
(log-uniform; ``--snr-kind tile``, the default: the SNR of the loudest Q-transform tile, as
Omicron reports it for Gravity Spy; ``optimal``: the matched-filter SNR of the whole glitch)
into Advanced-LIGO-coloured Gaussian noise, 12 s at 4096 Hz each, and
turned into the four Gravity Spy views (0.5, 1, 2, 4 s) at ``--size`` x ``--size`` pixels.
Split: stratified, ``--test-fraction`` of each class held out (seeded).
Model: ``GlitchClassifier`` multi-view (shared CNN branch over the four windows,
Bahaadini et al. 2018), balanced class weights, early stopping on 10 % of the training set.

Reported: accuracy and macro-F1 on the test part, overall and in SNR bins (8-12, 12-20,
20-40, and SNR >= 12, the issue's target: macro-F1 >= 0.97 there); per-class completeness;
the spread of macro-F1 over ``--repeats`` networks trained with other seeds on the same split;
the time to make the views and to train. Figures (confusion matrix, accuracy against SNR,
four views of an example per class) go to ``--figures``; ``--model-out`` keeps the fitted
model folder (used by ``benchmarks/gw150914.py``); ``--cache`` keeps the views for reruns.

    python benchmarks/glitches_sim.py [--per-class 500] [--size 64] [--seed 0] [--n-jobs 2]
        [--snr-kind tile|optimal]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import ROOT, hardware, markdown
from sklearn.model_selection import train_test_split

from astrolearn import metrics
from astrolearn.datasets import simulate_glitch_views
from astrolearn.datasets.glitch_sim import SNR_KINDS
from astrolearn.glitches.classifier import GlitchClassifier
from astrolearn.glitches.plots import accuracy_by_snr, plot_accuracy_vs_snr, plot_glitch_views
from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS
from astrolearn.plots import plot_confusion_matrix

SNR_BINS = [8.0, 12.0, 20.0, 40.0]


def views_and_truth(args) -> tuple[np.ndarray, pd.DataFrame, float]:
    """Simulated views (from ``--cache`` when it holds this configuration)."""
    key = f"{args.per_class}-{args.size}-{args.seed}-{args.snr_kind}"
    if args.cache and Path(args.cache).exists():
        cached = np.load(args.cache, allow_pickle=False)
        if str(cached["key"]) == key:
            truth = pd.DataFrame({"label": cached["label"], "snr": cached["snr"]})
            return cached["views"], truth, float(cached["seconds"])
    start = time.perf_counter()
    views, truth = simulate_glitch_views(args.per_class, shape=(args.size, args.size),
                                         seed=args.seed, n_jobs=args.n_jobs,
                                         snr_kind=args.snr_kind)
    seconds = time.perf_counter() - start
    if args.cache:
        np.savez(args.cache, views=views, label=truth["label"].to_numpy().astype(str),
                 snr=truth["snr"].to_numpy(), key=key, seconds=seconds)
    return views, truth, seconds


def scores(truth: np.ndarray, predicted: np.ndarray, classes: list[str]) -> dict[str, float]:
    return {"n": len(truth), "accuracy": metrics.accuracy(truth, predicted),
            "macro-F1": metrics.macro_f1(truth, predicted, classes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=500)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--snr-kind", choices=SNR_KINDS, default=SNR_KINDS[0],
                        help="what the SNR of a glitch means (see simulate_glitches)")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--test-fraction", type=float, default=0.5)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--model-out", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3,
                        help="networks trained with seeds seed, seed+1, ... on the same split")
    parser.add_argument("--figures", type=Path, default=ROOT / "benchmarks" / "figures")
    parser.add_argument("--no-figures", dest="figures", action="store_const", const=None)
    args = parser.parse_args()

    views, truth, view_seconds = views_and_truth(args)
    labels = truth["label"].to_numpy().astype(str)
    snr = truth["snr"].to_numpy()
    print(f"data: simulated glitches, 11 classes x {args.per_class}, {args.snr_kind} SNR "
          f"8-40, 4 views of "
          f"{args.size} x {args.size}; stratified split, {args.test_fraction:.0%} test, seed "
          f"{args.seed}; {hardware()}")
    print(f"views: {len(views):,} triggers in {view_seconds:.0f} s "
          f"({len(views) / view_seconds:.1f} triggers/s with {args.n_jobs} processes)")

    index = np.arange(len(labels))
    train, test = train_test_split(index, test_size=args.test_fraction, stratify=labels,
                                   random_state=args.seed)
    model = GlitchClassifier(network_params={"epochs": args.epochs, "width": args.width},
                             random_state=args.seed)
    start = time.perf_counter()
    model.fit(views[train], labels[train], windows=list(GRAVITY_SPY_WINDOWS))
    fit_seconds = time.perf_counter() - start
    classes = [str(c) for c in model.classes_]
    predicted = model.predict(views[test])
    truth_test, snr_test = labels[test], snr[test]
    print(f"fit: {len(train):,} views, {model.network_.history_.n_epochs} epochs, "
          f"{fit_seconds:.0f} s")

    # No_Glitch has SNR 0: it enters the overall score and every SNR bin (it is the noise
    # every glitch must be told apart from), not an SNR bin of its own.
    noise = truth_test == "No_Glitch"
    rows = [{"SNR": "all", **scores(truth_test, predicted, classes)}]
    for lo, hi in [*itertools.pairwise(SNR_BINS), (12.0, 40.0)]:
        keep = noise | ((snr_test >= lo) & (snr_test <= hi))
        rows.append({"SNR": f"{lo:g}-{hi:g}" + (" (target)" if (lo, hi) == (12.0, 40.0) else ""),
                     **scores(truth_test[keep], predicted[keep], classes)})
    print(markdown(pd.DataFrame(rows), "{:.4f}"))
    per_class = metrics.purity_completeness(truth_test, predicted, classes)
    print("\nper class (test part)")
    print(markdown(per_class.reset_index().rename(columns={"index": "class"}), "{:.3f}"))

    glitch = ~noise
    correct = predicted[glitch] == truth_test[glitch]
    print("\naccuracy of the glitch classes against SNR (Wilson 68 % intervals)")
    print(markdown(accuracy_by_snr(snr_test[glitch], correct, bins=SNR_BINS), "{:.3f}"))

    if args.repeats > 1:
        spread = []
        for seed in range(args.seed, args.seed + args.repeats):
            if seed == args.seed:
                other = predicted
            else:
                other = GlitchClassifier(network_params={"epochs": args.epochs,
                                                         "width": args.width},
                                         random_state=seed).fit(
                    views[train], labels[train]).predict(views[test])
            keep = noise | (snr_test >= 12.0)
            spread.append({"network seed": seed,
                           "macro-F1 (all)": metrics.macro_f1(truth_test, other, classes),
                           "macro-F1 (SNR >= 12)": metrics.macro_f1(truth_test[keep],
                                                                     other[keep], classes)})
        spread = pd.DataFrame(spread)
        print(f"\nspread over {args.repeats} network seeds (same split; figures and model from "
              f"seed {args.seed})")
        print(markdown(spread, "{:.4f}"))
        print(f"mean: macro-F1 {spread['macro-F1 (all)'].mean():.4f} (all), "
              f"{spread['macro-F1 (SNR >= 12)'].mean():.4f} (SNR >= 12)")

    if args.figures:
        args.figures.mkdir(parents=True, exist_ok=True)
        plot_confusion_matrix(metrics.confusion_matrix(truth_test, predicted, classes)).savefig(
            args.figures / "glitches_sim_confusion.png", dpi=90, bbox_inches="tight")
        plot_accuracy_vs_snr(snr_test[glitch], correct, bins=[8, 10, 12, 15, 20, 27, 40],
                             title="Simulated glitches: accuracy against SNR").savefig(
            args.figures / "glitches_sim_accuracy_snr.png", dpi=90, bbox_inches="tight")
        example = int(np.flatnonzero(labels == "Koi_Fish")[0])
        plot_glitch_views(views[example], title=f"Simulated Koi_Fish, SNR "
                          f"{snr[example]:.1f}").savefig(
            args.figures / "glitches_sim_views.png", dpi=90, bbox_inches="tight")
        print(f"\nfigures written to {args.figures}")
    if args.model_out:
        model.save(args.model_out, metrics={"simulated_test": rows[0]},
                   extra={"benchmark": "benchmarks/glitches_sim.py", "seed": args.seed})
        print(f"model written to {args.model_out}")


if __name__ == "__main__":
    main()
