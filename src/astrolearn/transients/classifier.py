"""TransientClassifier: class probabilities of multi-band light curves, complete or partial.

Three models behind one estimator:

* ``"lightgbm"`` (default): gradient boosting on the features of
  :mod:`astrolearn.transients.features`;
* ``"sequence"``: the recurrent network of :mod:`astrolearn.transients.sequence` on the raw
  observations, trained to classify from the first points onwards;
* ``"average"``: both, with their probabilities averaged.

Brokers classify alerts before a light curve is complete, so training adds, by default,
``early_copies`` truncated copies of every training object (cut at a random number of days
after its first detection) and :meth:`TransientClassifier.predict_proba` takes ``days=`` to
classify the first N days only. The optional redshift augmentation of Boone (2019; see
:mod:`astrolearn.transients.augment`) corrects the bias of spectroscopic training sets.

Inputs follow the conventions of :mod:`astrolearn.transients`: a long table of light curves
and an optional objects table (redshift, its error and Milky-Way E(B-V)); outputs are in the
order of the objects table, or of sorted ``object_id`` when none is given.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight

from astrolearn.catalogs.backends import get_backend
from astrolearn.errors import AstrolearnInputError
from astrolearn.persist import (
    data_fingerprint,
    read_estimator_manifest,
    row_hashes,
    write_model_folder,
)
from astrolearn.transients.features import extract_features, object_column
from astrolearn.transients.lightcurves import (
    clean_lightcurves,
    first_detection_time,
    truncate_lightcurves,
)
from astrolearn.transients.passbands import effective_wavelength
from astrolearn.transients.sequence import SequenceNetwork, encode_sequences

__all__ = ["MODELS", "TransientClassifier"]

MODELS = ("lightgbm", "sequence", "average")
_LIGHTGBM_DEFAULTS = {"n_estimators": 500, "learning_rate": 0.05, "num_leaves": 31,
                      "colsample_bytree": 0.5, "min_child_samples": 10}
_STATIC = ("redshift", "redshift_err", "mwebv")


class TransientClassifier(ClassifierMixin, BaseEstimator):
    """Classify transients and variables from multi-band light curves.

    Parameters
    ----------
    bands : sequence of str, optional
        Bands the model uses, in wavelength order (default: those of the training data).
    survey : str, optional
        Survey of the band names (``"lsst"``, ``"des"``, ``"ztf"``, ...; see
        :mod:`astrolearn.transients.passbands`) for their effective wavelengths.
    wavelengths : mapping, optional
        Effective wavelength (Å) per band, overriding ``survey``.
    model : {"lightgbm", "sequence", "average"}, default "lightgbm"
    redshift, redshift_err, mwebv : str or None
        Columns of the objects table (``None`` to ignore).
    class_weight : {"balanced", None}, default "balanced"
        Weight classes equally (the PLAsTiCC metric does) or by their frequency.
    early_copies : int, default 1
        Truncated copies of each training object added for early classification.
    early_days : (float, float), default (5, 60)
        Range of days after the first detection at which those copies are cut.
    gp_features : bool, default False
        Add the Gaussian-process features (slower; see :mod:`astrolearn.transients.gp`).
    augment_wavelength_scale : float or "auto", default "auto"
        Wavelength length scale (Å) of the Gaussian processes that make the redshifted
        copies of ``fit(..., augment=N)``. ``"auto"`` takes the scale the training light
        curves prefer (highest GP marginal likelihood, see
        :func:`astrolearn.transients.gp.choose_wavelength_scale`); avocado fixed 6000 Å,
        which smooths away part of each object's colour (benchmarks/RESULTS.md, SPCC).
    augment_redshift : str, optional
        Column of the objects table with the redshift each training object is moved *from*
        by the augmentation, e.g. the spectroscopic redshift of a spectroscopically
        confirmed training set (Boone 2019 moves each object from its true redshift). A
        photo-z there would misplace the object in distance, time and wavelength, and
        smear the luminosities the copies inherit. Default (and where the column is
        missing or not positive): the ``redshift`` column, which the features always use.
    redshift_bins : int, default 0
        With N > 0, weight the training objects so that every class has the same weight
        in each of N logarithmic redshift bins (avocado's rates-independent weighting,
        :mod:`astrolearn.transients.weighting`): a spectroscopic training set's class mix
        changes with redshift, and without it the classifier learns that mix. Redshifts
        are those of ``augment_redshift`` where given, else ``redshift``; a copy made by
        the augmentation counts at its new redshift. 0 (default): class weights only.
    model_params : dict, optional
        LightGBM settings overriding the defaults.
    sequence_params : dict, optional
        :class:`~astrolearn.transients.sequence.SequenceNetwork` settings.
    min_points : int, default 3
        Objects with fewer points are flagged ``usable = False`` in :meth:`predict_frame`.
    random_state : int, default 0
    n_jobs : int, optional
        Threads (LightGBM and feature extraction).

    Examples
    --------
    >>> from astrolearn.datasets import simulate_transients
    >>> lc, meta = simulate_transients(40, classes=["SNIa", "SNII-P"], survey="des", seed=1)
    >>> clf = TransientClassifier(survey="des", model_params={"n_estimators": 30})
    >>> clf = clf.fit(lc, "label", objects=meta)
    >>> clf.predict_proba(lc, meta, days=20).shape
    (80, 2)
    """

    def __init__(
        self,
        bands: Sequence[str] | None = None,
        *,
        survey: str | None = None,
        wavelengths: Mapping[str, float] | None = None,
        model: str = "lightgbm",
        redshift: str | None = "redshift",
        redshift_err: str | None = "redshift_err",
        mwebv: str | None = "mwebv",
        class_weight: str | None = "balanced",
        early_copies: int = 1,
        early_days: tuple[float, float] = (5.0, 60.0),
        gp_features: bool = False,
        augment_wavelength_scale: float | str = "auto",
        augment_redshift: str | None = None,
        redshift_bins: int = 0,
        model_params: Mapping[str, Any] | None = None,
        sequence_params: Mapping[str, Any] | None = None,
        min_points: int = 3,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.bands = bands
        self.survey = survey
        self.wavelengths = wavelengths
        self.model = model
        self.redshift = redshift
        self.redshift_err = redshift_err
        self.mwebv = mwebv
        self.class_weight = class_weight
        self.early_copies = early_copies
        self.early_days = early_days
        self.gp_features = gp_features
        self.augment_wavelength_scale = augment_wavelength_scale
        self.augment_redshift = augment_redshift
        self.redshift_bins = redshift_bins
        self.model_params = model_params
        self.sequence_params = sequence_params
        self.min_points = min_points
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ inputs
    def _check_options(self) -> None:
        if self.model not in MODELS:
            raise AstrolearnInputError(f"unknown model {self.model!r}",
                                       fix=f"choose one of {', '.join(MODELS)}")
        if self.class_weight not in ("balanced", None):
            raise AstrolearnInputError(f"class_weight {self.class_weight!r} is not supported",
                                       fix="use 'balanced' or None")
        low, high = self.early_days
        if not (0 <= low <= high) or int(self.early_copies) < 0:
            raise AstrolearnInputError(
                f"early_days {self.early_days!r} / early_copies {self.early_copies!r}",
                fix="give 0 <= low <= high days and a non-negative number of copies")

    def _resolve_bands(self, lightcurves: pd.DataFrame, file) -> tuple[list[str], dict]:
        present = sorted(lightcurves["band"].astype(str).unique())
        bands = [str(b) for b in self.bands] if self.bands is not None else present
        if self.wavelengths is not None:
            table = {str(k): float(v) for k, v in self.wavelengths.items()}
            missing = [b for b in bands if b not in table]
            if missing:
                raise AstrolearnInputError(
                    f"no wavelength given for band(s) {', '.join(missing)}", file=file,
                    column="band", fix="add them to wavelengths= or choose bands=")
        else:
            try:
                table = dict(zip(bands, effective_wavelength(bands, self.survey).tolist(),
                                 strict=True))
            except AstrolearnInputError as err:
                raise err.in_file(file) from None
        bands = sorted(bands, key=table.get)
        return bands, {b: table[b] for b in bands}

    @staticmethod
    def _object_ids(lightcurves: pd.DataFrame, objects: pd.DataFrame | None) -> np.ndarray:
        if objects is not None:
            return objects["object_id"].to_numpy()
        return np.unique(lightcurves["object_id"].to_numpy())

    def _clean(self, lightcurves, file=None) -> tuple[pd.DataFrame, pd.DataFrame]:
        return clean_lightcurves(lightcurves, min_points=self.min_points, file=file)

    @staticmethod
    def _labels(y, ids: np.ndarray, objects: pd.DataFrame | None, file) -> np.ndarray:
        if isinstance(y, str):
            if objects is None or y not in objects.columns:
                raise AstrolearnInputError(
                    "label column not found in the objects table", file=file, column=y,
                    fix="pass objects= with that column, or the labels themselves")
            labels = objects[y].to_numpy()
        elif isinstance(y, pd.Series) and not isinstance(y.index, pd.RangeIndex):
            labels = y.reindex(ids).to_numpy()
        else:
            labels = np.asarray(y)
        if len(labels) != len(ids):
            raise AstrolearnInputError(
                f"{len(labels)} labels for {len(ids)} objects", file=file,
                fix="give one label per object (a Series indexed by object_id works)")
        missing = pd.isna(labels)
        if missing.any():
            raise AstrolearnInputError(
                f"{int(missing.sum())} objects have no label (e.g. object "
                f"{ids[np.flatnonzero(missing)[0]]!r})", file=file,
                fix="drop unlabelled objects from the objects table")
        return labels.astype(str)

    def _static(self, objects: pd.DataFrame | None, ids: np.ndarray) -> np.ndarray:
        static = np.column_stack([object_column(objects, ids, name, np.nan)
                                  for name in (self.redshift, self.redshift_err, self.mwebv)])
        return np.column_stack([np.nan_to_num(static, nan=-1.0), np.isnan(static[:, :1])])

    def _features(self, lightcurves, objects, ids) -> pd.DataFrame:
        """Feature table in the order of ``ids`` (objects without points: all NaN)."""
        table = extract_features(
            lightcurves, objects, bands=self.bands_, wavelengths=self.wavelengths_,
            redshift=self.redshift, redshift_err=self.redshift_err, mwebv=self.mwebv,
            gp=self.gp_features, n_jobs=self.n_jobs or 1)
        return table.reindex(ids)

    # ------------------------------------------------------------------ training
    def _with_early_copies(self, lightcurves, objects, ids, labels, weights, origin):
        """Add truncated copies; objects get integer keys ``k * n + position``.

        ``origin`` names the original object of each row (redshifted copies share it), so
        that a copy and its original never straddle the early-stopping split."""
        n = len(ids)
        position = pd.Index(ids).get_indexer(lightcurves["object_id"])
        base = lightcurves.loc[position >= 0].copy()
        base["object_id"] = position[position >= 0]
        meta = pd.DataFrame({"object_id": np.arange(n)})
        if objects is not None:
            extra = objects.set_index("object_id").reindex(ids).reset_index(drop=True)
            for name in (self.redshift, self.redshift_err, self.mwebv):
                if name is not None and name in extra.columns:
                    meta[name] = extra[name].to_numpy()
        parts, metas = [base], [meta]
        rng = np.random.default_rng(self.random_state)
        low, high = self.early_days
        first = first_detection_time(base)
        for k in range(1, int(self.early_copies) + 1):
            cut_time = first + rng.uniform(low, high, len(first))
            cut = truncate_lightcurves(base, 0.0, reference=cut_time)
            cut["object_id"] = cut["object_id"] + k * n
            parts.append(cut)
            copy = meta.copy()
            copy["object_id"] += k * n
            metas.append(copy)
        copies = int(self.early_copies) + 1
        return (pd.concat(parts, ignore_index=True), pd.concat(metas, ignore_index=True),
                np.arange(copies * n), np.tile(labels, copies), np.tile(weights, copies),
                np.tile(pd.factorize(origin)[0], copies))

    def fit(self, lightcurves: pd.DataFrame, y, objects: pd.DataFrame | None = None, *,
            sample_weight=None, augment: int = 0, cadence_pool: pd.DataFrame | None = None,
            pool_objects: pd.DataFrame | None = None, file: str | Path | None = None,
            progress: bool = False) -> TransientClassifier:
        """Learn class probabilities from labelled light curves.

        Parameters
        ----------
        lightcurves : DataFrame
            Long table (``object_id, time, band, flux, flux_err[, detected]``).
        y : str, Series or array
            Label column of ``objects``, a Series indexed by ``object_id``, or one label
            per object in output order.
        objects : DataFrame, optional
            Per-object metadata (``object_id`` plus redshift, error, E(B-V), labels).
        sample_weight : array, optional
            Per-object weights, multiplied with the class weights.
        augment : int, default 0
            Redshifted copies per object (Boone 2019); needs a redshift in ``objects``.
        cadence_pool, pool_objects : DataFrame, optional
            Unlabelled light curves (and their objects) whose cadence, noise and redshift
            distribution the augmented copies take, e.g. the photometric sample.
        file : str or Path, optional
            Named in error messages.
        progress : bool, default False
            Print the sequence network's training progress.
        """
        self._check_options()
        ids = self._object_ids(lightcurves, objects)
        labels = self._labels(y, ids, objects, file)
        clean, quality = self._clean(lightcurves, file)
        self.bands_, self.wavelengths_ = self._resolve_bands(clean, file)
        classes, codes = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise AstrolearnInputError("only one class in the labels", file=file,
                                       fix="train on at least two classes")
        weights = np.ones(len(ids)) if sample_weight is None else np.asarray(sample_weight,
                                                                             float)
        if weights.shape != (len(ids),):
            raise AstrolearnInputError(f"{weights.size} sample weights for {len(ids)} objects",
                                       file=file, fix="give one weight per object")
        self.fingerprint_ = data_fingerprint(row_hashes(clean[["time", "flux", "flux_err"]]))
        self.class_counts_ = {str(c): int(n) for c, n in
                              zip(classes, np.bincount(codes, minlength=len(classes)),
                                  strict=True)}
        train_objects, origin = objects, ids
        if augment:
            clean, train_objects, ids, codes, weights, origin = self._augment(
                clean, objects, ids, codes, weights, int(augment), cadence_pool, pool_objects,
                file)
        if self.redshift_bins:
            weights = weights * self._redshift_weights(train_objects, ids, codes, file)
        lc, meta, keys, codes, weights, groups = self._with_early_copies(
            clean, train_objects, ids, codes, weights, origin)
        if self.class_weight == "balanced" and self.redshift_bins:
            # equal total weight per class (counts would undo the redshift weights)
            totals = np.bincount(codes, weights=weights, minlength=len(classes))
            weights = weights * (weights.sum() / (len(classes) * totals[codes]))
        elif self.class_weight == "balanced":
            weights = weights * compute_sample_weight("balanced", codes)
        self.classes_ = classes.astype(object)
        self.models_ = {}
        if self.model in ("lightgbm", "average"):
            features = self._features(lc, meta, keys)
            self.feature_names_ = list(features.columns)
            model = get_backend("lightgbm").make({**_LIGHTGBM_DEFAULTS,
                                                  **dict(self.model_params or {})},
                                                 self.random_state, self.n_jobs)
            model.fit(features.to_numpy(), codes, sample_weight=weights)
            self.models_["lightgbm"] = model
        if self.model in ("sequence", "average"):
            steps, lengths, static = encode_sequences(
                lc, keys, bands=self.bands_, wavelengths=self.wavelengths_,
                static=self._static(meta, keys))
            net = SequenceNetwork(**{"random_state": self.random_state,
                                     **dict(self.sequence_params or {})})
            self.models_["sequence"] = net.fit(steps, lengths, static, codes,
                                               n_classes=len(classes), sample_weight=weights,
                                               groups=groups, progress=progress)
        self.n_training_objects_ = len(labels)
        self.n_unusable_training_objects_ = int((~quality["usable"]).sum())
        return self

    def _redshift_weights(self, objects, ids, codes, file) -> np.ndarray:
        """Rates-independent weights (``redshift_bins``) of the training objects."""
        from astrolearn.transients.weighting import redshift_class_weights

        known = {self.redshift, self.augment_redshift} - {None}
        if objects is None or not known & set(objects.columns):
            raise AstrolearnInputError(
                "redshift_bins needs a redshift per training object", file=file,
                column=self.redshift, fix="pass objects= with redshifts, or redshift_bins=0")
        table = objects.set_index("object_id").reindex(ids)
        photo_z = (pd.to_numeric(table[self.redshift], errors="coerce")
                   if self.redshift in table.columns else pd.Series(np.nan, table.index))
        z = self._own_redshift(table, photo_z)
        return redshift_class_weights(z.to_numpy(float), codes, int(self.redshift_bins))

    def _own_redshift(self, table: pd.DataFrame, photo_z: pd.Series) -> pd.Series:
        """Each object's own redshift: ``augment_redshift`` where positive, else ``photo_z``."""
        column = self.augment_redshift
        if not column or column == self.redshift or column not in table.columns:
            return photo_z
        own = pd.to_numeric(table[column], errors="coerce")
        return own.where(own > 0, photo_z)

    def _template_redshifts(self, meta: pd.DataFrame, file) -> pd.DataFrame:
        """``meta`` with the redshift each object is moved from (``augment_redshift``)."""
        column = self.augment_redshift
        if not column or column == self.redshift:
            return meta
        if column not in meta.columns:
            raise AstrolearnInputError(
                f"augment_redshift column {column!r} is not in the objects table", file=file,
                column=column, fix="name a column of --objects, or leave augment_redshift unset")
        source = meta.copy()
        source["redshift"] = self._own_redshift(meta, meta["redshift"])
        return source

    def _augment(self, clean, objects, ids, codes, weights, n_copies, pool, pool_objects,
                 file):
        from astrolearn.transients.augment import augment_lightcurves

        if objects is None or self.redshift not in objects.columns:
            raise AstrolearnInputError(
                "redshift augmentation needs a redshift per object", file=file,
                column=self.redshift, fix="pass objects= with host redshifts, or augment=0")
        meta = objects.set_index("object_id").reindex(ids).reset_index()
        meta = meta.rename(columns={self.redshift: "redshift"} if self.redshift != "redshift"
                           else {})
        meta["_code"], meta["_weight"] = codes, weights
        target = None
        if pool_objects is not None and self.redshift in pool_objects.columns:
            target = pd.to_numeric(pool_objects[self.redshift], errors="coerce").to_numpy()
        pool_clean = None if pool is None else self._clean(pool)[0]
        scale = self.augment_wavelength_scale
        if scale == "auto":
            from astrolearn.transients.gp import choose_wavelength_scale

            scale = choose_wavelength_scale(clean, self.wavelengths_, seed=self.random_state)
        self.augment_wavelength_scale_ = float(scale)
        aug_lc, aug_meta = augment_lightcurves(
            clean, self._template_redshifts(meta, file), self.wavelengths_,
            n_copies=n_copies, target_redshifts=target, cadence_pool=pool_clean,
            pool_metadata=pool_objects, seed=self.random_state,
            length_scale_wavelength=self.augment_wavelength_scale_, mwebv=self.mwebv)
        if self.augment_redshift and self.augment_redshift != self.redshift:
            # a copy's own (e.g. spectroscopic) redshift is the one it was moved to
            aug_meta[self.augment_redshift] = aug_meta["redshift_true"]
        origin = np.concatenate([meta["object_id"].to_numpy(),
                                 aug_meta["original_id"].to_numpy()])
        aug_meta = aug_meta.drop(columns=["redshift_true", "original_id"], errors="ignore")
        if self.redshift != "redshift":
            aug_meta = aug_meta.rename(columns={"redshift": self.redshift})
            meta = meta.rename(columns={"redshift": self.redshift})
        lc = pd.concat([clean, aug_lc[clean.columns]], ignore_index=True)
        lc = lc.sort_values(["object_id", "time"], kind="stable", ignore_index=True)
        all_meta = pd.concat([meta, aug_meta], ignore_index=True)
        return (lc, all_meta, all_meta["object_id"].to_numpy(),
                all_meta["_code"].to_numpy(int), all_meta["_weight"].to_numpy(float), origin)

    # ------------------------------------------------------------------ prediction
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("TransientClassifier is not fitted yet; call fit first")

    def _prepare(self, lightcurves, objects, days, file):
        self._check_fitted()
        ids = self._object_ids(lightcurves, objects)
        clean, quality = self._clean(lightcurves, file)
        unknown = sorted(set(clean["band"].astype(str).unique()) - set(self.bands_))
        if unknown:
            warnings.warn(f"{file or 'light curves'}: band(s) {', '.join(unknown)} are not "
                          f"among the model's bands {', '.join(self.bands_)} and are ignored "
                          "(map them with astrolearn.transients.passbands.map_bands)",
                          stacklevel=3)
        if days is not None:
            clean = truncate_lightcurves(clean, float(days))
        return ids, clean, quality

    def predict_proba(self, lightcurves: pd.DataFrame, objects: pd.DataFrame | None = None, *,
                      days: float | None = None, file: str | Path | None = None) -> np.ndarray:
        """Class probabilities, one row per object, one column per entry of ``classes_``.

        Parameters
        ----------
        lightcurves : DataFrame
        objects : DataFrame, optional
            Per-object metadata; also fixes the output order.
        days : float, optional
            Use only observations up to this many days after each object's first detection.
        """
        ids, clean, _ = self._prepare(lightcurves, objects, days, file)
        return self._proba(clean, objects, ids)

    def _proba(self, clean, objects, ids) -> np.ndarray:
        parts = []
        if "lightgbm" in self.models_:
            features = self._features(clean, objects, ids)
            features = features[self.feature_names_]
            parts.append(np.asarray(self.models_["lightgbm"].predict_proba(features.to_numpy()),
                                    dtype=float))
        if "sequence" in self.models_:
            steps, lengths, static = encode_sequences(
                clean, ids, bands=self.bands_, wavelengths=self.wavelengths_,
                static=self._static(objects, ids))
            parts.append(self.models_["sequence"].predict_proba(steps, lengths, static))
        return np.mean(parts, axis=0)

    def predict(self, lightcurves: pd.DataFrame, objects: pd.DataFrame | None = None, *,
                days: float | None = None, file: str | Path | None = None) -> np.ndarray:
        """The most probable class of each object."""
        return self.classes_[np.argmax(self.predict_proba(lightcurves, objects, days=days,
                                                          file=file), axis=1)]

    def predict_frame(self, lightcurves: pd.DataFrame, objects: pd.DataFrame | None = None, *,
                      days: float | None = None,
                      file: str | Path | None = None) -> pd.DataFrame:
        """Predictions as a table: ``object_id``, ``prob_<class>``, ``predicted_class``,
        ``n_points``, ``usable`` and ``flags``.

        Objects with too few points or no detection are still classified (from what there
        is) but marked ``usable = False`` with the reason in ``flags``.
        """
        ids, clean, quality = self._prepare(lightcurves, objects, days, file)
        proba = self._proba(clean, objects, ids)
        out = pd.DataFrame({"object_id": ids})
        for j, c in enumerate(self.classes_):
            out[f"prob_{c}"] = proba[:, j].astype(np.float32)
        out["predicted_class"] = pd.Series(self.classes_[np.argmax(proba, axis=1)],
                                           dtype="string")
        q = quality.set_index("object_id").reindex(ids)
        out["n_points"] = q["n_points"].fillna(0).to_numpy(dtype=np.int64)
        out["usable"] = q["usable"].fillna(False).to_numpy(dtype=bool)
        out["flags"] = q["flags"].fillna("no_data").astype(str).to_numpy()
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write a model folder (manifest, LightGBM text and/or safetensors weights)."""
        self._check_fitted()
        params = self.get_params()
        params["bands"] = list(self.bands_)
        params["early_days"] = list(self.early_days)
        params["wavelengths"] = dict(self.wavelengths_)
        manifest = {
            "task": "transients",
            "estimator": "TransientClassifier",
            "model": self.model,
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "bands": list(self.bands_),
            "wavelengths_aa": dict(self.wavelengths_),
            "feature_names": list(getattr(self, "feature_names_", [])),
            "sequence_config": (self.models_["sequence"].get_config()
                                if "sequence" in self.models_ else None),
            "training": {"n_objects": self.n_training_objects_,
                         "n_unusable_objects": self.n_unusable_training_objects_,
                         "fingerprint": self.fingerprint_,
                         "class_counts": self.class_counts_},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            files = {}
            if "lightgbm" in self.models_:
                files.update(get_backend("lightgbm").save(self.models_["lightgbm"], tmp))
            if "sequence" in self.models_:
                self.models_["sequence"].save(tmp / "sequence.safetensors")
                files["sequence"] = "sequence.safetensors"
            return files

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> TransientClassifier:
        """Read a classifier written by :meth:`save` (nothing is unpickled)."""
        folder = Path(folder)
        manifest = read_estimator_manifest(folder, "TransientClassifier", "transients")
        params = dict(manifest["params"])
        params["early_days"] = tuple(params["early_days"])
        self = cls(**params)
        self.bands_ = list(manifest["bands"])
        self.wavelengths_ = {k: float(v) for k, v in manifest["wavelengths_aa"].items()}
        self.classes_ = np.asarray(manifest["classes"], dtype=object)
        files = manifest["files"]
        self.models_ = {}
        if "weights" in files:
            self.feature_names_ = list(manifest["feature_names"])
            self.models_["lightgbm"] = get_backend("lightgbm").load(folder, files, self.n_jobs)
        if "sequence" in files:
            self.models_["sequence"] = SequenceNetwork.load(folder / files["sequence"],
                                                            manifest["sequence_config"])
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.class_counts_ = training["class_counts"]
        self.n_training_objects_ = training["n_objects"]
        self.n_unusable_training_objects_ = training["n_unusable_objects"]
        self.manifest_ = manifest
        return self
