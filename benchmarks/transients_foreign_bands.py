"""Benchmark: a model trained on simulated LSST light curves, used on photometry from other
surveys given as magnitudes with upper limits.

No real ZTF / ATLAS / Pan-STARRS / Swift light curves of labelled transients are available
offline, so the test objects are an independent simulated LSST draw re-written as each
survey would deliver it: AB magnitudes with errors for detections, 5-sigma limiting
magnitudes for non-detections, the survey's own filter names, and only the observations
in filters that survey has (nearest in wavelength). The command-line path
(``--magnitudes --survey``) converts them back to flux, maps the filters to the model's
bands by effective wavelength and says which it cannot use; this script runs that same
code and reports what each survey's filter set keeps of the accuracy. The reference row
classifies the simulated fluxes themselves; the difference to the "LSST (all six bands)"
row is the cost of receiving magnitudes and limits instead of forced-photometry fluxes
(a non-detection becomes flux 0 with the limit's error).

    python benchmarks/transients_foreign_bands.py [--per-class 300]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import hardware, markdown
from sklearn.metrics import accuracy_score, f1_score

from astrolearn.datasets import simulate_transients
from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.classifier import TransientClassifier
from astrolearn.transients.commands import map_to_model
from astrolearn.transients.passbands import magnitudes_to_flux

#: Filters of each survey, and the LSST band whose observations stand in for each.
SURVEYS = {
    "LSST (all six bands)": {"lsst_u": "u", "lsst_g": "g", "lsst_r": "r", "lsst_i": "i",
                             "lsst_z": "z", "lsst_y": "y"},
    "Pan-STARRS grizy": {"ps1_g": "g", "ps1_r": "r", "ps1_i": "i", "ps1_z": "z",
                         "ps1_y": "y"},
    "ZTF g, r": {"ztf_g": "g", "ztf_r": "r"},
    "ZTF g, r, i": {"ztf_g": "g", "ztf_r": "r", "ztf_i": "i"},
    "ATLAS c, o": {"atlas_c": "g", "atlas_o": "r"},
    "Swift UVW2, UVM2, UVW1, U": {"swift_uvw2": "u", "swift_uvm2": "u", "swift_uvw1": "u",
                                  "swift_u": "u"},
}


def as_magnitudes(lc: pd.DataFrame, filters: dict[str, str]) -> pd.DataFrame:
    """The light curves as a survey would publish them: mag / mag_err or a 5σ limit."""
    parts = []
    for name, lsst_band in filters.items():
        part = lc[lc["band"] == lsst_band]
        flux, err = part["flux"].to_numpy(), part["flux_err"].to_numpy()
        detected = flux / err >= 5
        parts.append(pd.DataFrame({
            "object_id": part["object_id"].to_numpy(), "time": part["time"].to_numpy(),
            "band": name,
            "mag": np.where(detected, 27.5 - 2.5 * np.log10(np.clip(flux, 1e-9, None)),
                            np.nan),
            "mag_err": np.where(detected, 2.5 / np.log(10) * err / np.clip(flux, 1e-9, None),
                                np.nan),
            "limit": 27.5 - 2.5 * np.log10(5 * err)}))
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start_all = time.perf_counter()
    lc, meta = simulate_transients(args.per_class, survey="lsst", seed=args.seed)
    test_lc, test_meta = simulate_transients(args.per_class // 2, survey="lsst",
                                             seed=args.seed + 1)
    clf = TransientClassifier(survey="lsst", random_state=args.seed).fit(lc, "label",
                                                                        objects=meta)
    y = test_meta["label"].to_numpy()
    rows, notes = [], []
    predicted = clf.predict(test_lc, test_meta)
    rows.append({"input": "LSST fluxes as simulated (reference)",
                 "filters used": "u, g, r, i, z, y", "accuracy": accuracy_score(y, predicted),
                 "macro-F1": f1_score(y, predicted, average="macro")})
    for survey, filters in SURVEYS.items():
        table = as_magnitudes(test_lc, filters)
        converted = magnitudes_to_flux(table)[["object_id", "time", "band", "flux",
                                               "flux_err", "detected"]]
        lines: list[str] = []
        try:
            mapped = map_to_model(converted, clf, None, lines.append)
        except AstrolearnInputError as err:  # no filter close enough to a model band
            notes.append(f"{survey}:\n" + "\n".join(lines) + f"\n  -> {err}")
            rows.append({"input": survey, "filters used": "none", "accuracy": np.nan,
                         "macro-F1": np.nan})
            continue
        notes.append(f"{survey}:\n" + "\n".join(lines))
        proba = clf.predict_proba(mapped, test_meta)
        predicted = clf.classes_[proba.argmax(1)]
        rows.append({"input": survey, "filters used": ", ".join(
            sorted(set(mapped["band"]), key=clf.wavelengths_.get)),
            "accuracy": accuracy_score(y, predicted),
            "macro-F1": f1_score(y, predicted, average="macro")})
    print("\n\n".join(notes))
    print(f"\ndata: simulate_transients(survey='lsst'), train {args.per_class}/class "
          f"(seed {args.seed}), test {args.per_class // 2}/class (seed {args.seed + 1}) "
          "re-written as magnitudes with 5-sigma limits in each survey's filters")
    print(f"model: TransientClassifier(lightgbm) on LSST ugrizy; seed {args.seed}")
    print(f"hardware: {hardware()}")
    print(f"wall time: {time.perf_counter() - start_all:.0f} s in all")
    print(markdown(pd.DataFrame(rows), float_format="{:.4f}"))


if __name__ == "__main__":
    main()
