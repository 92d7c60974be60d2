"""The learning algorithms behind the catalog estimators, each with safe save and load.

Every backend trains on integer class codes ``0..k-1`` (the estimator keeps the names)
and exposes ``predict_proba``. Saving writes only formats that run no code on load:
LightGBM's text model, safetensors for the PyTorch network, skops with an explicit
allow-list for the random forest, and a plain ``.npz`` (``allow_pickle=False``) for
k-nearest neighbours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = ["BACKENDS", "Backend", "get_backend"]

#: Types a saved random forest may contain; anything else in a .skops file is refused.
_SKOPS_TRUSTED = [
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "builtins.slice",
    "collections.OrderedDict",
]


@dataclass(frozen=True)
class Backend:
    """One learning algorithm: how to build, save and load it."""

    name: str
    handles_missing: bool
    defaults: dict[str, Any]
    description: str

    def make(self, params: dict[str, Any] | None, random_state: int, n_jobs: int | None):
        """Return an unfitted model with the backend defaults overridden by ``params``."""
        options = {**self.defaults, **(params or {})}
        return _MAKERS[self.name](options, random_state, n_jobs)

    def save(self, model, folder: Path) -> dict[str, str]:
        """Write ``model`` into ``folder``; return ``{role: file name}``."""
        return _SAVERS[self.name](model, folder)

    def load(self, folder: Path, files: dict[str, str], n_jobs: int | None = None):
        """Read a model written by :meth:`save`."""
        return _LOADERS[self.name](folder, files, n_jobs)


# ---------------------------------------------------------------- LightGBM
def _make_lightgbm(options, random_state, n_jobs):
    from lightgbm import LGBMClassifier

    return LGBMClassifier(random_state=random_state, n_jobs=n_jobs if n_jobs else -1,
                          verbose=-1, **options)


def _save_lightgbm(model, folder):
    model.booster_.save_model(str(folder / "model_lightgbm.txt"))
    return {"weights": "model_lightgbm.txt"}


#: Rows from which a loaded LightGBM model predicts with the compiled kernel
#: (:mod:`astrolearn.catalogs.tree_kernel`, same probabilities, about twice as fast); below,
#: reading the trees into it and starting numba (about a second for the default model)
#: would not pay off.
KERNEL_MIN_ROWS = 50_000


class _LightGBMBooster:
    """A loaded LightGBM text model with the ``predict_proba`` of the sklearn wrapper."""

    def __init__(self, booster, n_jobs):
        self.booster = booster
        self.n_jobs = n_jobs
        self._kernel = None  # built on the first large batch; False: not reproducible

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        if len(features) >= KERNEL_MIN_ROWS:
            if self._kernel is None:
                from astrolearn.catalogs.tree_kernel import TreeKernel

                self._kernel = TreeKernel.from_booster(self.booster) or False
            if self._kernel:
                return self._kernel.predict_proba(features, self.n_jobs)
        proba = self.booster.predict(features, num_threads=self.n_jobs or 0)
        if proba.ndim == 1:  # binary objective: P(class 1)
            proba = np.column_stack([1.0 - proba, proba])
        return proba


def _load_lightgbm(folder, files, n_jobs):
    import lightgbm

    return _LightGBMBooster(lightgbm.Booster(model_file=str(folder / files["weights"])), n_jobs)


# ---------------------------------------------------------------- random forest
def _make_forest(options, random_state, n_jobs):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(random_state=random_state, n_jobs=n_jobs, **options)


def _save_forest(model, folder):
    import skops.io

    skops.io.dump(model, folder / "model_forest.skops")
    return {"weights": "model_forest.skops"}


def _load_forest(folder, files, n_jobs):
    import skops.io

    path = folder / files["weights"]
    untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in _SKOPS_TRUSTED]
    if untrusted:
        raise AstrolearnInputError(
            f"the saved forest holds types that are not allowed: {', '.join(untrusted)}",
            file=path, fix="refit the model with astrolearn; do not load files of unknown origin")
    model = skops.io.load(path, trusted=_SKOPS_TRUSTED)
    model.n_jobs = n_jobs
    return model


# ---------------------------------------------------------------- k nearest neighbours
def _make_knn(options, random_state, n_jobs):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_jobs=n_jobs, **options))


def _save_knn(model, folder):
    scaler, knn = model[0], model[-1]
    np.savez(folder / "model_knn.npz", mean=scaler.mean_, scale=scaler.scale_,
             train=knn._fit_X, codes=knn._y, classes=knn.classes_)
    (folder / "model_knn.json").write_text(json.dumps(
        {"n_neighbors": knn.n_neighbors, "weights": knn.weights, "p": knn.p,
         "metric": knn.metric, "algorithm": knn.algorithm}))
    return {"weights": "model_knn.npz", "config": "model_knn.json"}


def _load_knn(folder, files, n_jobs):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with np.load(folder / files["weights"], allow_pickle=False) as arrays:
        data = {key: arrays[key] for key in arrays.files}
    config = json.loads((folder / files["config"]).read_text())
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = data["mean"], data["scale"]
    scaler.var_ = data["scale"] ** 2
    scaler.n_features_in_ = len(data["mean"])
    scaler.n_samples_seen_ = len(data["train"])
    knn = KNeighborsClassifier(n_jobs=n_jobs, **config)
    knn.fit(data["train"], data["classes"][data["codes"]])
    return make_pipeline(scaler, knn)


# ---------------------------------------------------------------- PyTorch MLP
def _make_mlp(options, random_state, n_jobs):
    from astrolearn.nn.mlp import TorchMLPClassifier

    return TorchMLPClassifier(random_state=random_state, **options)


def _save_mlp(model, folder):
    (folder / "model_mlp.json").write_text(json.dumps(model.get_config()))
    model.save_safetensors(folder / "model_mlp.safetensors")
    return {"weights": "model_mlp.safetensors", "config": "model_mlp.json"}


def _load_mlp(folder, files, n_jobs):
    from astrolearn.nn.mlp import TorchMLPClassifier

    config = json.loads((folder / files["config"]).read_text())
    return TorchMLPClassifier.load_safetensors(folder / files["weights"], config)


_MAKERS = {"lightgbm": _make_lightgbm, "random_forest": _make_forest, "knn": _make_knn,
           "mlp": _make_mlp}
_SAVERS = {"lightgbm": _save_lightgbm, "random_forest": _save_forest, "knn": _save_knn,
           "mlp": _save_mlp}
_LOADERS = {"lightgbm": _load_lightgbm, "random_forest": _load_forest, "knn": _load_knn,
            "mlp": _load_mlp}

BACKENDS: dict[str, Backend] = {
    "lightgbm": Backend(
        "lightgbm", True,
        # Chosen by 5-fold sky-grouped cross-validation on SDSS DR17 (benchmarks/RESULTS.md).
        {"n_estimators": 500, "learning_rate": 0.03, "num_leaves": 127,
         "min_child_samples": 50, "subsample": 0.8, "subsample_freq": 1,
         "colsample_bytree": 0.6, "reg_lambda": 1.0, "deterministic": True,
         "force_row_wise": True},
        "gradient-boosted trees (LightGBM); takes missing values natively"),
    "random_forest": Backend(
        "random_forest", False, {"n_estimators": 300, "min_samples_leaf": 2},
        "random forest (scikit-learn)"),
    "knn": Backend(
        "knn", False, {"n_neighbors": 15, "weights": "distance"},
        "k nearest neighbours on standardised features (scikit-learn)"),
    "mlp": Backend(
        "mlp", False, {"hidden_layers": [128, 64], "epochs": 100},
        "multilayer perceptron (PyTorch)"),
}


def get_backend(name: str) -> Backend:
    """Return the backend called ``name`` (a clear error lists the known ones).

    Examples
    --------
    >>> get_backend("lightgbm").handles_missing
    True
    """
    if name not in BACKENDS:
        raise AstrolearnInputError(f"unknown model {name!r}",
                                   fix=f"choose one of {', '.join(BACKENDS)} (--model)")
    return BACKENDS[name]
