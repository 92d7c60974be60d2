"""Train-vs-inference coverage for catalog models: fitted with the model, saved in its
folder, and added by ``predict --coverage`` as two columns.

A model's predictions are only as good as its training set is like the object predicted.
Every catalog model (source classifier, photo-z) keeps a
:class:`~astrolearn.explore.coverage.CoverageScore` of its training photometry
(magnitudes, colours and errors as the model sees them, with non-detections filled; sky
position and indicator flags left out), so that any catalog it predicts gets, per
object, ``coverage_score`` (about uniform on [0, 1] for objects like the training set;
near 1 far outside it) and ``outside_coverage`` (score above 0.99).

Examples
--------
>>> from astrolearn.catalogs import PhotometryFeatures
>>> from astrolearn.datasets import simulate_catalog
>>> cat = simulate_catalog(1500, seed=0)
>>> features = PhotometryFeatures(["u", "g", "r", "i", "z"]).fit(cat)
>>> coverage = fit_model_coverage(features, cat)
>>> list(coverage_columns(coverage, features, cat.iloc[:2]).columns)
['coverage_score', 'outside_coverage']
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.catalogs.photometry import PhotometryFeatures
from astrolearn.explore.coverage import CoverageScore

__all__ = ["COVERAGE_LEVEL", "add_coverage_columns", "coverage_columns", "coverage_features",
           "fit_model_coverage",
           "load_training_reference", "save_training_reference"]

#: Coverage score above which an object is flagged as outside the training coverage.
COVERAGE_LEVEL = 0.99
_SKY = ("gal_l", "gal_b")


def coverage_features(features: PhotometryFeatures, frame, file=None) -> pd.DataFrame:
    """The features compared for coverage: the model's features with non-detections
    filled (a copy of ``features`` with ``impute=True``); sky position and the 0/1
    non-detection indicators left out (a rare indicator would dominate the distances,
    and the filled magnitude already says the band was faint)."""
    filled = copy.copy(features)
    filled.impute = True
    table = filled.transform(frame, file=file)
    drop = [c for c in table.columns
            if c in _SKY or (features.sky and c in features.sky)
            or c.endswith(("_nondet", "_missing"))]
    return table.drop(columns=drop)


def fit_model_coverage(features: PhotometryFeatures, frame, *, file=None,
                       random_state: int = 0, max_reference: int = 20_000) -> CoverageScore:
    """A coverage score of the training rows of a model (a seeded subsample if large)."""
    return CoverageScore(max_reference=max_reference, random_state=random_state).fit(
        coverage_features(features, frame, file))


def coverage_columns(coverage: CoverageScore, features: PhotometryFeatures, frame, *,
                     file=None, level: float = COVERAGE_LEVEL) -> pd.DataFrame:
    """``coverage_score`` (float32) and ``outside_coverage`` (bool) for each row."""
    if len(frame) == 0:
        return pd.DataFrame({"coverage_score": np.empty(0, np.float32),
                             "outside_coverage": np.empty(0, bool)})
    score = coverage.score_samples(coverage_features(features, frame, file))
    return pd.DataFrame({"coverage_score": score.astype(np.float32),
                         "outside_coverage": score > level}, index=frame.index)


def save_training_reference(model, folder: Path) -> dict[str, str]:
    """Write what a catalog model keeps of its training set into the folder being
    written: the training-row hashes (duplicate checks) and the coverage reference."""
    folder = Path(folder)
    np.save(folder / "training_row_hashes.npy", model.training_row_hashes_)
    files = {"training_row_hashes": "training_row_hashes.npy"}
    if getattr(model, "coverage_", None) is not None:
        model.coverage_.save(folder / "coverage.npz")
        files["coverage"] = "coverage.npz"
    return files


def load_training_reference(model, folder: Path, files: dict[str, str]) -> None:
    """Read what :func:`save_training_reference` wrote into ``model`` (a folder from
    before coverage references has none: ``coverage_`` is then None)."""
    folder = Path(folder)
    model.training_row_hashes_ = np.load(folder / files["training_row_hashes"],
                                         allow_pickle=False)
    model.coverage_ = (CoverageScore.load(folder / files["coverage"])
                       if "coverage" in files else None)


def add_coverage_columns(model, out: pd.DataFrame, X, *, file=None) -> pd.DataFrame:
    """Append a fitted model's coverage columns for the catalog ``X`` to ``out``."""
    from astrolearn.errors import AstrolearnInputError
    from astrolearn.io import as_dataframe

    if getattr(model, "coverage_", None) is None:
        raise AstrolearnInputError(
            "this model keeps no coverage reference of its training set",
            fix="refit it with coverage=True (the default) to get coverage columns")
    frame = as_dataframe(X, file=file)
    columns = coverage_columns(model.coverage_, model.features_, frame, file=file)
    for name in columns.columns:
        out[name] = columns[name].to_numpy()
    return out
