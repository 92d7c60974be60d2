"""Star / galaxy / quasar classification from photometric catalogs.

:class:`SourceClassifier` is a scikit-learn classifier that takes a catalog as astronomers
hold it (a DataFrame or astropy Table with magnitude, error and optional E(B-V) and
RA/Dec columns, under any names) and learns class probabilities from magnitudes, colours,
errors and explicit non-detection indicators (see :mod:`astrolearn.catalogs.photometry`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight

from astrolearn.catalogs.backends import get_backend
from astrolearn.catalogs.model_coverage import (
    add_coverage_columns,
    fit_model_coverage,
    load_training_reference,
    save_training_reference,
)
from astrolearn.catalogs.photometry import PhotometryFeatures
from astrolearn.errors import AstrolearnInputError
from astrolearn.io import as_dataframe
from astrolearn.persist import (
    data_fingerprint,
    read_estimator_manifest,
    row_hashes,
    write_model_folder,
)

__all__ = ["SourceClassifier", "labels_from"]


def labels_from(y, frame: pd.DataFrame | None = None, *, file=None) -> np.ndarray:
    """Return class labels as an array of strings, checking that every row has one.

    ``y`` may be an array-like of labels or the name of a column of ``frame``.

    Examples
    --------
    >>> labels_from(["STAR", "QSO"]).tolist()
    ['STAR', 'QSO']
    """
    column = None
    if isinstance(y, str):
        if frame is None or y not in frame.columns:
            from astrolearn.io import require_columns

            require_columns(frame if frame is not None else pd.DataFrame(), [y], file=file,
                            option="--label")
        column, y = y, frame[y]
    values = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y)
    absent = values.isna().to_numpy()
    if absent.any():
        raise AstrolearnInputError(
            f"{int(absent.sum())} rows have no label (first at row {int(np.argmax(absent))})",
            file=file, column=column, fix="drop unlabelled rows before fitting or evaluating")
    out = values.map(lambda v: v.decode() if isinstance(v, bytes) else str(v)).str.strip()
    return out.to_numpy(dtype=object)


class SourceClassifier(ClassifierMixin, BaseEstimator):
    """Classify catalog sources (e.g. STAR / GALAXY / QSO) from their photometry.

    Parameters
    ----------
    bands : sequence of str, default ("u", "g", "r", "i", "z")
        Magnitude columns, blue to red.
    errors : None, "auto", str or sequence of str, default "auto"
        Magnitude-error columns: a pattern such as ``"{band}_err"``, one name per band,
        ``"auto"`` (use them when a common naming is found) or ``None``.
    colours : {"adjacent", "all", None}, default "adjacent"
        Which colours to add as features.
    ebv : str, optional
        Column of Milky-Way E(B-V); magnitudes are dereddened when given.
    extinction : mapping or {"sdss", "lsst"}, optional
        A_band / E(B-V) per band (default: SDSS or LSST values, by band name).
    faint_limit : float or mapping, default 30.0
        Magnitudes at or fainter than this are non-detections.
    sky : tuple of two str, optional
        RA and Dec columns (deg); adds Galactic longitude and latitude, and RA and Dec
        themselves, as features (star counts and survey targeting depend on position).
    extra : sequence of str, default ()
        Other numeric columns to use as features as they are.
    model : {"lightgbm", "random_forest", "knn", "mlp"}, default "lightgbm"
        The learning algorithm.
    model_params : dict, optional
        Keyword arguments for the algorithm, overriding astrolearn's defaults.
    class_weight : {"balanced", None}, default None
        ``"balanced"`` weights rare classes up so that they are not ignored (not used by
        ``knn``): it raises their completeness at some cost in purity. Off by default
        because on SDSS DR17 it lowered both accuracy and macro-F1 (benchmarks/RESULTS.md).
    coverage : bool, default True
        Also keep a coverage reference of the training photometry, so that
        ``predict_frame(..., coverage=True)`` flags objects unlike the training set
        (see :mod:`astrolearn.catalogs.model_coverage`).
    random_state : int, default 0
        Seed; the same seed and data give the same model.
    n_jobs : int, optional
        Threads (default: all cores).

    Attributes
    ----------
    classes_ : ndarray of str
        Class names, in the column order of :meth:`predict_proba`.
    features_ : PhotometryFeatures
        The fitted feature builder; ``features_.report_`` says what was missing.
    model_ : object
        The fitted algorithm.
    fingerprint_ : str
        SHA-256 of the training rows and labels.

    Examples
    --------
    >>> from astrolearn.datasets import simulate_catalog
    >>> catalog = simulate_catalog(3000, seed=1)
    >>> clf = SourceClassifier(model_params={"n_estimators": 50}).fit(catalog, catalog["class"])
    >>> clf.predict_proba(catalog.iloc[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
        bands: Sequence[str] = ("u", "g", "r", "i", "z"),
        *,
        errors: str | Sequence[str] | None = "auto",
        colours: str | None = "adjacent",
        ebv: str | None = None,
        extinction: Mapping[str, float] | str | None = None,
        faint_limit: float | Mapping[str, float] = 30.0,
        sky: tuple[str, str] | None = None,
        extra: Sequence[str] = (),
        model: str = "lightgbm",
        model_params: dict[str, Any] | None = None,
        class_weight: str | None = None,
        coverage: bool = True,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.bands = bands
        self.errors = errors
        self.colours = colours
        self.ebv = ebv
        self.extinction = extinction
        self.faint_limit = faint_limit
        self.sky = sky
        self.extra = extra
        self.model = model
        self.model_params = model_params
        self.class_weight = class_weight
        self.coverage = coverage
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ training
    def _feature_builder(self) -> PhotometryFeatures:
        backend = get_backend(self.model)
        return PhotometryFeatures(
            list(self.bands), errors=self.errors, colours=self.colours, ebv=self.ebv,
            extinction=self.extinction, faint_limit=self.faint_limit,
            impute=not backend.handles_missing, sky=tuple(self.sky) if self.sky else None,
            extra=list(self.extra))

    def fit(self, X, y, sample_weight=None, *, file: str | Path | None = None):
        """Learn class probabilities from a catalog.

        Parameters
        ----------
        X : DataFrame, astropy Table or structured array
            The catalog.
        y : array-like or str
            Class labels, or the name of the label column of ``X``.
        sample_weight : array-like, optional
            Per-row weights, multiplied with the class weights.
        file : str or Path, optional
            Where ``X`` came from, named in error messages.

        Returns
        -------
        self
        """
        frame = as_dataframe(X, file=file)
        labels = labels_from(y, frame, file=file)
        if len(labels) != len(frame):
            raise AstrolearnInputError(
                f"{len(labels)} labels for {len(frame)} rows", file=file,
                fix="give one label per catalog row")
        backend = get_backend(self.model)
        classes, codes = np.unique(labels.astype(str), return_inverse=True)
        if len(classes) < 2:
            raise AstrolearnInputError(
                f"only one class ({classes[0] if len(classes) else 'none'}) in the labels",
                file=file, fix="train on a table with at least two classes")
        self.features_ = self._feature_builder().fit(frame, file=file)
        features = self.features_.transform(frame, file=file).to_numpy()
        weights = None
        if self.class_weight is not None:
            weights = compute_sample_weight(self.class_weight, codes)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            weights = sample_weight if weights is None else weights * sample_weight
        model = backend.make(self.model_params, self.random_state, self.n_jobs)
        if self.model == "knn" or weights is None:
            model.fit(features, codes)
        else:
            model.fit(features, codes, sample_weight=weights)
        self.model_ = model
        self.coverage_ = (fit_model_coverage(self.features_, frame, file=file,
                                             random_state=self.random_state)
                          if self.coverage else None)
        self.classes_ = classes.astype(object)
        hashes = row_hashes(frame, self.features_.required_columns())
        self.training_row_hashes_ = np.unique(hashes)
        self.fingerprint_ = data_fingerprint(hashes, labels)
        self.class_counts_ = {str(c): int(n) for c, n in zip(classes, np.bincount(codes),
                                                              strict=True)}
        self.n_training_rows_ = len(frame)
        return self

    # ------------------------------------------------------------------ prediction
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("SourceClassifier is not fitted yet; call fit first")

    def predict_proba(self, X, *, file: str | Path | None = None) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        self._check_fitted()
        frame = as_dataframe(X, file=file)
        if len(frame) == 0:
            return np.empty((0, len(self.classes_)))
        features = self.features_.transform(frame, file=file).to_numpy()
        return np.asarray(self.model_.predict_proba(features), dtype=np.float64)

    def predict(self, X, *, file: str | Path | None = None) -> np.ndarray:
        """The most probable class of each row, as a class name."""
        return self.classes_[np.argmax(self.predict_proba(X, file=file), axis=1)]

    def required_columns(self) -> list[str]:
        """The catalog columns that prediction reads."""
        self._check_fitted()
        return self.features_.required_columns()

    def predict_frame(self, X, *, file: str | Path | None = None,
                      coverage: bool = False) -> pd.DataFrame:
        """Probabilities (``prob_<class>``) and ``predicted_class`` as a DataFrame.

        With ``coverage=True`` also ``coverage_score`` and ``outside_coverage`` (see
        :mod:`astrolearn.catalogs.model_coverage`).

        Examples
        --------
        >>> from astrolearn.datasets import simulate_catalog
        >>> cat = simulate_catalog(2000, seed=2)
        >>> clf = SourceClassifier(model_params={"n_estimators": 20}).fit(cat, "class")
        >>> list(clf.predict_frame(cat.iloc[:3]).columns)
        ['prob_GALAXY', 'prob_QSO', 'prob_STAR', 'predicted_class']
        """
        proba = self.predict_proba(X, file=file)
        out = pd.DataFrame({f"prob_{c}": proba[:, j].astype(np.float32)
                            for j, c in enumerate(self.classes_)})
        out["predicted_class"] = pd.Series(
            self.classes_[np.argmax(proba, axis=1)] if len(proba) else [], dtype="string")
        if coverage:
            out = add_coverage_columns(self, out, X, file=file)
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted classifier to a model folder (manifest + safe weights).

        Parameters
        ----------
        folder : str or Path
            Destination folder (replaced if it is an older model folder).
        metrics : mapping, optional
            Validation metrics to record in the manifest.
        extra : mapping, optional
            More manifest entries (e.g. the label and id column names).
        """
        self._check_fitted()
        backend = get_backend(self.model)
        params = self.get_params()
        params["bands"] = list(params["bands"])
        params["extra"] = list(params["extra"])
        manifest = {
            "task": "sources",
            "estimator": "SourceClassifier",
            "model": self.model,
            "description": backend.description,
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "feature_names": self.features_.feature_names_,
            "feature_units": self.features_.feature_units(),
            "columns": {"bands": list(self.bands),
                        "errors": self.features_.error_columns_,
                        "ebv": self.ebv, "sky": list(self.sky) if self.sky else None},
            "features": self.features_.get_state(),
            "training": {"n_rows": self.n_training_rows_, "fingerprint": self.fingerprint_,
                         "class_counts": self.class_counts_,
                         "photometry": self.features_.report_.to_dict()},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            files = backend.save(self.model_, tmp)
            files.update(save_training_reference(self, tmp))
            return files

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> SourceClassifier:
        """Read a classifier written by :meth:`save` (nothing is unpickled)."""
        manifest = read_estimator_manifest(folder, "SourceClassifier", "sources")
        return cls._from_folder(Path(folder), manifest)

    @classmethod
    def _from_folder(cls, folder: Path, manifest: dict[str, Any]) -> SourceClassifier:
        params = dict(manifest["params"])
        params["bands"] = tuple(params["bands"])
        params["extra"] = tuple(params.get("extra", ()))
        if params.get("sky"):
            params["sky"] = tuple(params["sky"])
        self = cls(**params)
        self.features_ = PhotometryFeatures.from_state(manifest["features"])
        files = manifest["files"]
        self.model_ = get_backend(self.model).load(folder, files, self.n_jobs)
        self.classes_ = np.asarray(manifest["classes"], dtype=object)
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.class_counts_ = training["class_counts"]
        self.n_training_rows_ = training["n_rows"]
        load_training_reference(self, folder, files)
        self.manifest_ = manifest
        return self

