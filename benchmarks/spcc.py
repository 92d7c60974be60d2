"""Benchmark: the Supernova Photometric Classification Challenge (SPCC, Kessler et al. 2010).

Data: ../shared/data/supernovae/ (or $ASTROLEARN_DATA/supernovae/): 21,319 simulated DES
griz light curves with true types and host photo-z ("+HOSTZ"), and the flag of the
1,103-object spectroscopic training subset (brighter, lower redshift than the rest).
Labels: the 3 classes Ia / II / Ibc. Two protocols:

(a) challenge: train on the spectroscopic subset, test on all the rest; without and with
    the redshift augmentation of Boone (2019), which moves each training object from its
    spectroscopic redshift and whose copies take the cadence, noise and host-redshift
    distribution of the (unlabelled) test light curves;
(b) representative: a random stratified 50/50 split.

Reported: Ia-vs-rest ROC AUC, the SPCC Ia figure of merit (W = 3, P(Ia) > 0.5), 3-class
accuracy and macro-F1, wall time.

    python benchmarks/spcc.py [--protocols a,b] [--augment 10] [--wavelength-scale auto]
        [--augment-redshift redshift_spec|none] [--model lightgbm] [--gp-features] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import data_path, hardware, markdown
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

from astrolearn.transients.classifier import TransientClassifier
from astrolearn.transients.metrics import spcc_figure_of_merit


def _score(name: str, clf, lc, objects, labels, seconds_fit: float) -> dict:
    start = time.perf_counter()
    proba = clf.predict_proba(lc, objects)
    seconds_predict = time.perf_counter() - start
    classes = list(clf.classes_)
    p_ia = proba[:, classes.index("Ia")]
    predicted = np.asarray(classes)[proba.argmax(1)]
    return {"setting": name, "n_train": clf.n_training_objects_, "n_test": len(objects),
            "Ia AUC": roc_auc_score(labels == "Ia", p_ia),
            "Ia FoM": spcc_figure_of_merit(labels, p_ia, positive="Ia"),
            "accuracy": accuracy_score(labels, predicted),
            "macro-F1": f1_score(labels, predicted, average="macro"),
            "fit s": seconds_fit, "predict s": seconds_predict}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocols", default="a,b")
    parser.add_argument("--augment", type=int, default=10,
                        help="redshifted copies per training object in protocol (a)")
    parser.add_argument("--wavelength-scale", default="auto",
                        help="wavelength length scale (Å) of the augmentation's GPs, or auto")
    parser.add_argument("--augment-redshift", default="redshift_spec",
                        help="redshift the copies are moved from: the spectroscopic one of "
                        "the training objects (as Boone 2019), or 'none' for the host photo-z")
    parser.add_argument("--redshift-bins", type=int, default=0,
                        help="rates-independent weights in this many redshift bins (0: off)")
    parser.add_argument("--model", default="lightgbm")
    parser.add_argument("--early-copies", type=int, default=1)
    parser.add_argument("--gp-features", action="store_true",
                        help="add the Gaussian-process features (avocado-like; slower)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start_all = time.perf_counter()
    lc_path = data_path("supernovae", "spcc_des_lightcurves.parquet")
    lc = pd.read_parquet(lc_path).rename(columns={"mjd": "time"})
    objects = pd.read_parquet(data_path("supernovae", "spcc_des_objects.parquet"))
    # host photo-z is the redshift the challenge's +HOSTZ variant gives every object
    objects = objects.rename(columns={"hostgal_photoz": "redshift",
                                      "hostgal_photoz_err": "redshift_err"})
    # redshift_spec: known for the spectroscopic training objects only (NaN for the others);
    # used only to move training objects in the augmentation, never as a feature
    objects = objects[["object_id", "label_3class", "spec_train", "redshift", "redshift_err",
                       "mwebv", "redshift_spec"]]
    labels = objects["label_3class"].to_numpy().astype(str)

    def make() -> TransientClassifier:
        return TransientClassifier(survey="des", model=args.model,
                                   early_copies=args.early_copies, random_state=args.seed,
                                   redshift_bins=args.redshift_bins,
                                   gp_features=args.gp_features,
                                   augment_redshift=(None if args.augment_redshift == "none"
                                                     else args.augment_redshift),
                                   augment_wavelength_scale=(
                                       args.wavelength_scale if args.wavelength_scale == "auto"
                                       else float(args.wavelength_scale)))

    rows = []
    if "a" in args.protocols:
        spec = objects["spec_train"].to_numpy(bool)
        train, test = objects[spec], objects[~spec]
        lc_train = lc[lc["object_id"].isin(train["object_id"])]
        lc_test = lc[lc["object_id"].isin(test["object_id"])]
        for copies in (0, args.augment):
            start = time.perf_counter()
            clf = make().fit(lc_train, "label_3class", objects=train, augment=copies,
                             cadence_pool=lc_test if copies else None,
                             pool_objects=test if copies else None)
            seconds = time.perf_counter() - start
            name = (f"(a) spec. subset, augmented x{copies}" if copies
                    else "(a) spec. subset, no augmentation")
            if copies:
                name += f", GP wavelength scale {clf.augment_wavelength_scale_:g} Å"
            rows.append(_score(name, clf, lc_test, test, labels[~spec], seconds))
            print(markdown(pd.DataFrame(rows[-1:]), float_format="{:.4f}"), flush=True)
    if "b" in args.protocols:
        train, test = train_test_split(objects, test_size=0.5, stratify=labels,
                                       random_state=args.seed)
        start = time.perf_counter()
        clf = make().fit(lc[lc["object_id"].isin(train["object_id"])], "label_3class",
                         objects=train)
        seconds = time.perf_counter() - start
        rows.append(_score("(b) random 50/50", clf, lc[lc["object_id"].isin(test["object_id"])],
                           test, test["label_3class"].to_numpy().astype(str), seconds))
        print(markdown(pd.DataFrame(rows[-1:]), float_format="{:.4f}"), flush=True)

    print(f"\ndata: {lc_path.parent} ({objects.shape[0]:,} objects, {len(lc):,} points)")
    print(f"labels: Ia / II / Ibc; features use host photo-z, MW E(B-V); seed {args.seed}")
    print(f"model: TransientClassifier({args.model}), early copies {args.early_copies}, "
          f"GP features {'on' if args.gp_features else 'off'}, "
          f"augmentation GP wavelength scale {args.wavelength_scale}, objects moved from "
          f"{args.augment_redshift if args.augment_redshift != 'none' else 'host photo-z'}")
    print(f"hardware: {hardware()}")
    print(f"wall time: {time.perf_counter() - start_all:.0f} s in all")
    print(markdown(pd.DataFrame(rows), float_format="{:.4f}"))


if __name__ == "__main__":
    main()
