"""TransitClassifier: vetting of transit signals from their global and local views.

Input is a table with one row per signal (a threshold-crossing event, TCE): two array
columns, the global and the local view (:mod:`astrolearn.transits.views`, or any set made
the same way, such as the TESS views of Yu et al. 2019), and scalar features (period,
duration, depth, SNR, stellar parameters). Three models sit behind one estimator:

* ``"lightgbm"``: gradient boosting on every view bin plus the scalar features;
* ``"astronet"``: the two-branch CNN of :mod:`astrolearn.transits.astronet`;
* ``"average"`` (default): both, their probabilities averaged. The two see the same
  information through different eyes (trees on single bins and exact scalars, the CNN on
  shapes anywhere in the view), so their errors differ and the mean beats either
  (benchmarks/RESULTS.md, TESS).

``positive`` turns the labels into a binary task: ``positive=["PC"]`` is *vetting*
(planet candidate or not), ``positive=["PC", "EB"]`` is *triage* (astrophysical or
junk). Without it the classifier is multi-class.

The same star often gives several signals (its planets, or one signal seen in several
sectors), so ``fit(..., groups=star_ids)`` keeps each star on one side of the network's
early-stopping split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from astrolearn.catalogs.backends import get_backend
from astrolearn.errors import AstrolearnInputError
from astrolearn.persist import (
    data_fingerprint,
    read_estimator_manifest,
    row_hashes,
    write_model_folder,
)

__all__ = ["MODELS", "SCALAR_FEATURES", "TransitClassifier", "view_matrix"]

MODELS = ("lightgbm", "astronet", "average")

#: Scalar columns used by default when present (the names of this package's search and of
#: the Kepler/TESS TCE tables). Identifiers, epochs and sky positions are left out: they
#: describe when and where, not what.
SCALAR_FEATURES = (
    "period", "period_days", "duration", "duration_days", "duration_hours", "depth",
    "depth_ppm", "depth_err", "snr", "n_transits", "is_multi", "odd_even_sigma",
    "secondary_depth", "secondary_depth_err", "secondary_sigma", "sde",
    "harmonic_delta_log_likelihood", "tmag", "kepmag",
    "star_rad_rsun", "radius_rsun", "star_mass_msun", "mass_msun", "teff", "teff_k", "logg",
    "logg_cgs", "qingress",
)
#: Positive, heavy-tailed quantities, given to the models as log10.
_LOG_FEATURES = {"period", "period_days", "duration", "duration_days", "duration_hours",
                 "depth", "depth_ppm", "depth_err", "snr"}
#: Labels that mean "not astrophysical" (instrumental or noise) in vetting catalogues.
_JUNK_LABELS = ("J", "junk", "NTP")
#: Networks averaged by default (Shallue & Vanderburg averaged ten; three keep CPU fits short).
_ASTRONET_DEFAULTS = {"n_networks": 3}
_LIGHTGBM_DEFAULTS = {"n_estimators": 600, "learning_rate": 0.03, "num_leaves": 31,
                      "colsample_bytree": 0.3, "subsample": 0.8, "subsample_freq": 1,
                      "min_child_samples": 20}


def view_matrix(frame: pd.DataFrame, column: str, *, file: str | Path | None = None
                ) -> np.ndarray:
    """Stack an array column of ``frame`` (one view per row) into a float32 matrix.

    Parameters
    ----------
    frame : DataFrame
        Table with one view (list or array of equal length) per row.
    column : str
        The view column.
    file : str or Path, optional
        Named in error messages.

    Returns
    -------
    ndarray of shape (n_rows, n_bins)

    Examples
    --------
    >>> view_matrix(pd.DataFrame({"v": [[0.0, -1.0], [0.1, -0.9]]}), "v").shape
    (2, 2)
    """
    if column not in frame.columns:
        raise AstrolearnInputError("the view column is missing", file=file, column=column,
                                   fix="build views with `astrolearn transits views` or name "
                                       "the column with --global-view/--local-view")
    values = frame[column].to_numpy()
    lengths = {len(v) if hasattr(v, "__len__") else -1 for v in values}
    if len(lengths) > 1 or -1 in lengths:
        raise AstrolearnInputError(f"views of unequal lengths {sorted(lengths)[:5]}",
                                   file=file, column=column,
                                   fix="bin every view with the same number of bins")
    matrix = (np.stack([np.asarray(v, dtype=np.float32) for v in values]) if len(values)
              else np.empty((0, 0), np.float32))
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        raise AstrolearnInputError(f"{int(bad.sum())} views hold NaN or inf (first row "
                                   f"{int(np.flatnonzero(bad)[0])})", file=file, column=column,
                                   fix="interpolate empty bins (views.make_views does)")
    return matrix


class TransitClassifier(ClassifierMixin, BaseEstimator):
    """Classify transit signals (planet candidate, eclipsing binary, junk) from their views.

    Parameters
    ----------
    model : {"average", "lightgbm", "astronet"}, default "average"
    positive : sequence of str, optional
        Labels of the positive class of a binary task (``["PC"]``: vetting;
        ``["PC", "EB"]``: triage). The classes are then ``"other"`` and the positive labels
        joined by ``"+"``.
    features : sequence of str, optional
        Scalar columns (default: those of :data:`SCALAR_FEATURES` present in the table).
    global_view, local_view : str
        The view columns.
    lightgbm_params : dict, optional
        LightGBM settings overriding the defaults.
    astronet_params : dict, optional
        :class:`~astrolearn.transits.astronet.AstroNetwork` settings (default: its own,
        with ``n_networks=3``: three networks from consecutive seeds, averaged).
    random_state : int, default 0
    n_jobs : int, optional
        LightGBM threads.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> views = rng.normal(0, 0.05, (80, 31)); y = np.repeat(["PC", "J"], 40)
    >>> views[y == "PC", 13:18] -= 1.0
    >>> table = pd.DataFrame({"global_view": list(views), "local_view": list(views[:, 5:26]),
    ...                       "snr": rng.uniform(7, 20, 80)})
    >>> clf = TransitClassifier(model="lightgbm", positive=["PC"],
    ...                         lightgbm_params={"n_estimators": 20}).fit(table, y)
    >>> list(clf.classes_), clf.score(table, np.where(y == "PC", "PC", "other")) > 0.9
    (['PC', 'other'], True)
    """

    def __init__(self, model: str = "average", *, positive: Sequence[str] | None = None,
                 features: Sequence[str] | None = None, global_view: str = "global_view",
                 local_view: str = "local_view", lightgbm_params: Mapping | None = None,
                 astronet_params: Mapping | None = None, random_state: int = 0,
                 n_jobs: int | None = None) -> None:
        self.model = model
        self.positive = positive
        self.features = features
        self.global_view = global_view
        self.local_view = local_view
        self.lightgbm_params = lightgbm_params
        self.astronet_params = astronet_params
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ inputs
    def _check_options(self) -> None:
        if self.model not in MODELS:
            raise AstrolearnInputError(f"unknown transit model {self.model!r}",
                                       fix=f"use one of {', '.join(MODELS)}")
        if isinstance(self.positive, str):
            raise AstrolearnInputError("positive must be a list of labels, got a string",
                                       fix=f"use positive=[{self.positive!r}]")

    def _scalar_names(self, table: pd.DataFrame, file) -> list[str]:
        if self.features is None:
            return [c for c in SCALAR_FEATURES if c in table.columns]
        missing = [c for c in self.features if c not in table.columns]
        if missing:
            raise AstrolearnInputError("feature column missing from the table", file=file,
                                       column=missing[0],
                                       fix="name existing columns with --features")
        return list(self.features)

    def _inputs(self, table: pd.DataFrame, file=None) -> tuple[np.ndarray, ...]:
        if not isinstance(table, pd.DataFrame):
            raise AstrolearnInputError("transit signals must be a DataFrame with view columns",
                                       file=file)
        g = view_matrix(table, self.global_view, file=file)
        loc = view_matrix(table, self.local_view, file=file)
        columns = []
        for name in self.feature_names_:
            if name not in table.columns:
                raise AstrolearnInputError("feature column missing", file=file, column=name,
                                           fix="give the columns the model was trained on")
            try:
                values = pd.to_numeric(table[name]).to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise AstrolearnInputError("feature column is not numeric", file=file,
                                           column=name, fix="convert it to numbers (NaN for "
                                           "missing values) or leave it out") from None
            if name in _LOG_FEATURES:
                with np.errstate(invalid="ignore", divide="ignore"):
                    values = np.log10(np.clip(values, 1e-6, None))
            columns.append(values)
        scalars = (np.column_stack(columns) if columns else np.empty((len(table), 0)))
        bins = getattr(self, "view_bins_", None)
        if bins is not None and (g.shape[1], loc.shape[1]) != (bins["global"], bins["local"]):
            raise AstrolearnInputError(
                f"views of {g.shape[1]} (global) and {loc.shape[1]} (local) bins, but the model "
                f"was trained on {bins['global']} and {bins['local']}", file=file,
                fix="build the views with the model's bin counts (--global-bins/--local-bins)")
        return g, loc, scalars.astype(np.float32)

    def _encode(self, y, table: pd.DataFrame, file) -> np.ndarray:
        if isinstance(y, str):
            if y not in table.columns:
                raise AstrolearnInputError("label column missing", file=file, column=y,
                                           fix="name the label column with --label")
            y = table[y]
        series = pd.Series(y).reset_index(drop=True)
        if series.isna().any():
            raise AstrolearnInputError(f"{int(series.isna().sum())} signals have no label",
                                       file=file, column=series.name if isinstance(
                                           series.name, str) else None,
                                       fix="drop the unlabelled rows before fitting")
        labels = np.asarray(series.astype(str))
        if len(labels) != len(table):
            raise AstrolearnInputError(f"{len(labels)} labels for {len(table)} signals",
                                       file=file, fix="give one label per row")
        if self.positive is not None:
            positive = [str(p) for p in self.positive]
            unknown = sorted(set(positive) - set(labels))
            if unknown:
                raise AstrolearnInputError(f"positive label(s) {unknown} do not occur in the "
                                           f"labels {sorted(set(labels))[:10]}", file=file,
                                           fix="check --positive")
            labels = np.where(np.isin(labels, positive), "+".join(positive), "other")
        return labels

    # ------------------------------------------------------------------ fit/predict
    def fit(self, table: pd.DataFrame, y, *, groups=None, sample_weight=None,
            file: str | Path | None = None, progress: bool = False) -> TransitClassifier:
        """Learn from one row per signal.

        Parameters
        ----------
        table : DataFrame
            Views and scalar features, one row per signal.
        y : str or array
            The label column of ``table`` or one label per row.
        groups : str or array, optional
            Star of each signal (a column name or values): early stopping of the network
            holds out whole stars.
        sample_weight : array, optional
            Per-signal weights.
        file : str or Path, optional
            Named in error messages.
        progress : bool, default False
            Print the network's training progress.
        """
        self._check_options()
        if not isinstance(table, pd.DataFrame):
            raise AstrolearnInputError("transit signals must be a DataFrame with view columns",
                                       file=file)
        self.__dict__.pop("view_bins_", None)  # a refit may change the bin counts
        labels = self._encode(y, table, file)
        classes, codes = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise AstrolearnInputError("only one class in the labels", file=file,
                                       fix="train on at least two classes")
        if isinstance(groups, str):
            if groups not in table.columns:
                raise AstrolearnInputError("group column missing", file=file, column=groups,
                                           fix="name the star column (e.g. tic_id)")
            groups = table[groups].to_numpy()
        if groups is not None and len(groups) != len(table):
            raise AstrolearnInputError(f"{len(groups)} groups for {len(table)} signals",
                                       file=file, fix="give one star id per row")
        self.feature_names_ = self._scalar_names(table, file)
        g, loc, scalars = self._inputs(table, file)
        self.view_bins_ = {"global": g.shape[1], "local": loc.shape[1]}
        weights = None if sample_weight is None else np.asarray(sample_weight, float)
        if weights is not None and (weights.shape != (len(table),)
                                    or not np.isfinite(weights).all() or (weights < 0).any()):
            raise AstrolearnInputError(f"sample_weight must hold {len(table)} finite, "
                                       "non-negative numbers", file=file,
                                       fix="give one weight per signal")
        self.classes_ = classes.astype(object)
        self.class_counts_ = {str(c): int(n) for c, n in
                              zip(classes, np.bincount(codes), strict=True)}
        self.fingerprint_ = data_fingerprint(row_hashes(pd.DataFrame(np.c_[g, loc])), labels)
        self.models_ = {}
        if self.model in ("lightgbm", "average"):
            gbm = get_backend("lightgbm").make({**_LIGHTGBM_DEFAULTS,
                                                **dict(self.lightgbm_params or {})},
                                               self.random_state, self.n_jobs)
            gbm.fit(np.hstack([g, loc, scalars]), codes, sample_weight=weights)
            self.models_["lightgbm"] = gbm
        if self.model in ("astronet", "average"):
            from astrolearn.transits.astronet import AstroNetwork

            net = AstroNetwork(**{"random_state": self.random_state, **_ASTRONET_DEFAULTS,
                                  **dict(self.astronet_params or {})})
            self.models_["astronet"] = net.fit(g, loc, scalars, codes, n_classes=len(classes),
                                               sample_weight=weights, groups=groups,
                                               progress=progress)
        self.n_training_signals_ = len(labels)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise AstrolearnInputError("this TransitClassifier is not fitted yet",
                                       fix="call fit() or load a model folder")

    def predict_proba(self, table: pd.DataFrame, *, file: str | Path | None = None
                      ) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        self._check_fitted()
        g, loc, scalars = self._inputs(table, file)
        parts = []
        if "lightgbm" in self.models_:
            parts.append(self.models_["lightgbm"].predict_proba(np.hstack([g, loc, scalars])))
        if "astronet" in self.models_:
            parts.append(self.models_["astronet"].predict_proba(g, loc, scalars))
        return np.mean(parts, axis=0)

    def predict(self, table: pd.DataFrame, *, file: str | Path | None = None) -> np.ndarray:
        """Most probable class of each signal."""
        proba = self.predict_proba(table, file=file)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_frame(self, table: pd.DataFrame, *, keep: Sequence[str] = (),
                      file: str | Path | None = None) -> pd.DataFrame:
        """Predictions as a table: the ``keep`` columns, ``prob_<class>``, and
        ``predicted_class``.

        A multi-class model with a junk class (``"J"`` or ``"junk"``) and other classes also
        gives ``prob_astrophysical``, one minus the junk probability: the triage score.
        """
        proba = self.predict_proba(table, file=file)
        out = table[[c for c in keep if c in table.columns]].reset_index(drop=True)
        classes = [str(c) for c in self.classes_]
        for j, c in enumerate(classes):
            out[f"prob_{c}"] = proba[:, j].astype(np.float32)
        junk = [c for c in classes if c in _JUNK_LABELS]
        if len(junk) == 1 and len(classes) > 2:
            out["prob_astrophysical"] = (1 - proba[:, classes.index(junk[0])]).astype(
                np.float32)
        out["predicted_class"] = pd.Series(self.classes_[np.argmax(proba, axis=1)],
                                           dtype="string")
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write a model folder (manifest, LightGBM text and/or safetensors weights)."""
        self._check_fitted()
        params = self.get_params()
        params["positive"] = None if self.positive is None else list(self.positive)
        params["features"] = list(self.feature_names_)
        manifest = {
            "task": "transits",
            "estimator": "TransitClassifier",
            "model": self.model,
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "feature_names": list(self.feature_names_),
            "view_bins": dict(self.view_bins_),
            "astronet_config": (self.models_["astronet"].get_config()
                                if "astronet" in self.models_ else None),
            "training": {"n_signals": self.n_training_signals_,
                         "fingerprint": self.fingerprint_,
                         "class_counts": self.class_counts_},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            files = {}
            if "lightgbm" in self.models_:
                files.update(get_backend("lightgbm").save(self.models_["lightgbm"], tmp))
            if "astronet" in self.models_:
                self.models_["astronet"].save(tmp / "astronet.safetensors")
                files["astronet"] = "astronet.safetensors"
            return files

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> TransitClassifier:
        """Read a classifier written by :meth:`save` (nothing is unpickled)."""
        folder = Path(folder)
        manifest = read_estimator_manifest(folder, "TransitClassifier", "transits")
        self = cls(**manifest["params"])
        self.classes_ = np.asarray(manifest["classes"], dtype=object)
        self.feature_names_ = list(manifest["feature_names"])
        self.view_bins_ = dict(manifest["view_bins"])
        files = manifest["files"]
        self.models_ = {}
        if "weights" in files:
            self.models_["lightgbm"] = get_backend("lightgbm").load(folder, files, self.n_jobs)
        if "astronet" in files:
            from astrolearn.transits.astronet import AstroNetwork

            self.models_["astronet"] = AstroNetwork.load(folder / files["astronet"],
                                                         manifest["astronet_config"])
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.class_counts_ = training["class_counts"]
        self.n_training_signals_ = training["n_signals"]
        self.manifest_ = manifest
        return self
