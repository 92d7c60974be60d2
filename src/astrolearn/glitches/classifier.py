"""GlitchClassifier: Gravity Spy-style glitch classes from Q-transform views, and views files.

:class:`GlitchClassifier` wraps the CNN of :mod:`astrolearn.glitches.network` as a
scikit-learn estimator with string class names, ``predict_frame`` tables and a model folder
(:mod:`astrolearn.persist`: JSON manifest plus safetensors weights, nothing pickled). The
input is what :func:`astrolearn.glitches.qtransform.qtransform_views` makes: float32 views
``(n, n_windows, n_freq, n_time)`` of normalised Q-transform energy.

Views travel between commands in a *views file*: an ``.npz`` archive (no pickle) holding

* ``views``: float32 ``(n, n_windows, n_freq, n_time)``;
* ``ids``: one string per view;
* ``labels`` (optional): one class name per view;
* ``windows``: the window durations in seconds; ``frequencies``: the ``n_freq`` row
  frequencies in Hz (low to high).

:func:`read_views` also reads the staged Gravity Spy sets (``images`` uint8, rows from high
to low frequency, energy times 10; see ``/work/shared/data/gravityspy/README.md``): rows are
flipped to low-to-high and values divided by 10, which gives the same convention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from astrolearn.errors import AstrolearnInputError
from astrolearn.persist import (
    data_fingerprint,
    read_estimator_manifest,
    row_hashes,
    write_model_folder,
)

__all__ = ["GlitchClassifier", "read_views", "write_views"]

_MODES = ("multiview", "single")
#: Network settings the estimator owns (set through its own parameters).
_OWN = ("mode", "window", "random_state")


def _check_views(views: Any, *, file: str | Path | None = None) -> np.ndarray:
    """A float32 copy of ``views`` after shape and value checks."""
    try:
        x = np.array(views, dtype=np.float32, copy=True)
    except (TypeError, ValueError) as err:
        raise AstrolearnInputError(f"views must be a numeric array ({err})", file=file,
                                   fix="use the output of qtransform_views") from None
    if x.ndim != 4 or min(x.shape[1:], default=0) < 1:
        raise AstrolearnInputError(
            f"views must have shape (n, n_windows, n_freq, n_time), got {x.shape}", file=file,
            fix="use the output of astrolearn.glitches.qtransform.qtransform_views")
    bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
    if bad.any():
        raise AstrolearnInputError(f"{int(bad.sum())} views hold NaN or inf (first: view "
                                   f"{int(np.flatnonzero(bad)[0])})", file=file,
                                   fix="recompute those Q-transform views or drop them")
    return x


def _strings(values: Any, n: int, what: str, file) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise AstrolearnInputError(f"{what} must hold one entry per view ({n}), got shape "
                                   f"{arr.shape}", file=file, fix=f"give one {what[:-1]} per view")
    if arr.dtype == object and pd.isna(pd.Series(arr)).any():
        raise AstrolearnInputError(f"{int(pd.isna(pd.Series(arr)).sum())} {what} are missing",
                                   file=file, fix=f"drop the views without {what}")
    return arr.astype(str)


def write_views(path: str | Path, views: np.ndarray, ids: Sequence[str], labels=None, *,
                windows: Sequence[float] | None = None,
                frequencies: Sequence[float] | None = None) -> Path:
    """Write a views file (``.npz``, no pickle), atomically.

    Parameters
    ----------
    path : str or Path
        Output file (``.npz``).
    views : ndarray, shape (n, n_windows, n_freq, n_time)
    ids : sequence of str
        One identifier per view.
    labels : sequence of str, optional
        One class name per view.
    windows : sequence of float, optional
        Window durations (s), one per view window; default the Gravity Spy windows when
        there are four, else ``NaN``.
    frequencies : sequence of float, optional
        Row frequencies (Hz); default :func:`~astrolearn.glitches.qtransform.frequency_grid`.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "views.npz"
    >>> _ = write_views(path, np.ones((2, 4, 8, 8)), ["a", "b"], ["Blip", "Whistle"])
    >>> data = read_views(path)
    >>> data["views"].shape, data["labels"].tolist(), data["windows"].tolist()
    ((2, 4, 8, 8), ['Blip', 'Whistle'], [0.5, 1.0, 2.0, 4.0])
    """
    from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS, frequency_grid
    from astrolearn.io import atomic_path

    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise AstrolearnInputError("a views file must end in .npz", file=path,
                                   fix="write --out views.npz")
    x = _check_views(views)
    n, n_windows, n_freq, _ = x.shape
    arrays = {"views": x, "ids": _strings(ids, n, "ids", None)}
    if len(set(arrays["ids"])) != n:
        raise AstrolearnInputError("ids are not unique", fix="give each view its own id")
    if labels is not None:
        arrays["labels"] = _strings(labels, n, "labels", None)
    if windows is None:
        windows = GRAVITY_SPY_WINDOWS if n_windows == len(GRAVITY_SPY_WINDOWS) else \
            [np.nan] * n_windows
    if frequencies is None:
        frequencies = frequency_grid(n_freq)
    for name, values, size in (("windows", windows, n_windows),
                               ("frequencies", frequencies, n_freq)):
        arr = np.asarray(values, dtype=np.float64)
        if arr.shape != (size,):
            raise AstrolearnInputError(f"{name} must hold {size} values, got shape {arr.shape}",
                                       fix=f"give one value per view {name[:-1]}")
        arrays[name] = arr
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    return path


def read_views(path: str | Path) -> dict[str, np.ndarray]:
    """Read a views file written by :func:`write_views` (or a staged Gravity Spy ``.npz``).

    Returns
    -------
    dict
        ``views`` float32 (n, n_windows, n_freq, n_time), ``ids`` str, ``windows``,
        ``frequencies``, and ``labels`` (str) when the file has them.

    Examples
    --------
    >>> read_views("no-such-views.npz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    astrolearn.errors.AstrolearnInputError: no-such-views.npz: file does not exist...
    """
    from astrolearn.glitches.qtransform import frequency_grid

    path = Path(path)
    if not path.is_file():
        raise AstrolearnInputError("file does not exist" if not path.exists() else
                                   "not a file", file=path,
                                   fix="make a views file with `astrolearn glitches views`")
    try:
        with np.load(path, allow_pickle=False) as archive:
            data = {k: archive[k] for k in archive.files}
    except Exception as exc:  # zipfile/numpy raise many types for a bad file
        raise AstrolearnInputError(f"cannot read a views .npz ({type(exc).__name__}: {exc})",
                                   file=path, fix="make it with `astrolearn glitches views`"
                                   ) from None
    if "views" not in data and "images" in data:  # staged Gravity Spy set
        images = data.pop("images")
        if images.ndim == 3:  # one window (the O3 set: 4-s view only)
            images = images[:, None]
        if images.ndim == 4:
            data["views"] = images[:, :, ::-1, :].astype(np.float32) / 10.0
        data["ids"] = data.pop("gravityspy_id", None)
        if data["ids"] is None:
            data["ids"] = (np.char.add(path.stem + "_", np.arange(len(images)).astype(str))
                           if "gps" not in data else data["gps"].astype(str))
        if "durations" in data:
            data["windows"] = np.atleast_1d(data.pop("durations"))
        elif images.ndim == 4 and images.shape[1] == 1:
            data["windows"] = np.array([4.0])
    if "views" not in data or "ids" not in data:
        raise AstrolearnInputError("not a views file (needs the arrays 'views' and 'ids'; "
                                   f"has {sorted(data)})", file=path,
                                   fix="make it with `astrolearn glitches views`")
    views = _check_views(data["views"], file=path)
    n, n_windows, n_freq, _ = views.shape
    out = {"views": views, "ids": _strings(data["ids"], n, "ids", path)}
    if "labels" in data:
        out["labels"] = _strings(data["labels"], n, "labels", path)
    windows = np.asarray(data.get("windows", [np.nan] * n_windows), dtype=np.float64)
    freqs = np.asarray(data.get("frequencies", frequency_grid(n_freq)), dtype=np.float64)
    if windows.shape != (n_windows,) or freqs.shape != (n_freq,):
        raise AstrolearnInputError(
            f"'windows' ({windows.shape}) or 'frequencies' ({freqs.shape}) do not match views "
            f"of {n_windows} windows and {n_freq} frequencies", file=path,
            fix="rewrite the file with write_views")
    out["windows"], out["frequencies"] = windows, freqs
    return out


class GlitchClassifier(ClassifierMixin, BaseEstimator):
    """Classify detector glitches from their Q-transform views with a CNN.

    Parameters
    ----------
    mode : {"multiview", "single"}, default "multiview"
        Fuse all windows (Bahaadini et al. 2018) or read one (``window``).
    window : int, default 1
        Window read by ``"single"`` (1: the 1-s view of the Gravity Spy windows).
    network_params : dict, optional
        Other :class:`~astrolearn.glitches.network.GlitchNetwork` settings (``width``,
        ``dense``, ``epochs``, ``learning_rate``, ``shift_pixels``, ...).
    class_weight : {"balanced", None}, default "balanced"
        Weight classes equally in the loss. Glitch classes are very unequal and change
        between observing runs (O3a is 83 % Koi_Fish, O3b is mostly scattering); without
        it a network learns the training run's mix of classes.
    random_state : int, default 0

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> views = rng.exponential(1.0, (40, 2, 16, 16)).astype(np.float32)
    >>> y = np.repeat(["Blip", "Power_Line"], 20)
    >>> views[y == "Power_Line", :, 10, :] += 20.0
    >>> clf = GlitchClassifier(network_params={"width": 4, "dense": 16, "epochs": 15,
    ...                                        "learning_rate": 0.01}).fit(views, y)
    >>> list(clf.classes_), clf.predict_proba(views).shape
    (['Blip', 'Power_Line'], (40, 2))
    """

    def __init__(self, mode: str = "multiview", window: int = 1, *,
                 network_params: Mapping[str, Any] | None = None,
                 class_weight: str | None = "balanced", random_state: int = 0) -> None:
        self.mode = mode
        self.window = window
        self.network_params = network_params
        self.class_weight = class_weight
        self.random_state = random_state

    # ------------------------------------------------------------------ inputs
    def _network(self):
        from astrolearn.glitches.network import GlitchNetwork

        if self.mode not in _MODES:
            raise AstrolearnInputError(f"unknown glitch model {self.mode!r}",
                                       fix=f"use one of {', '.join(_MODES)}")
        params = dict(self.network_params or {})
        clash = sorted(set(params) & set(_OWN))
        if clash:
            raise AstrolearnInputError(f"network_params must not set {clash}",
                                       fix="pass them as GlitchClassifier parameters")
        try:
            return GlitchNetwork(mode=self.mode, window=self.window,
                                 random_state=self.random_state, **params)
        except TypeError as err:
            raise AstrolearnInputError(f"bad network_params: {err}",
                                       fix="use GlitchNetwork's settings (width, dense, "
                                           "epochs, ...)") from None

    def _views(self, views, file) -> np.ndarray:
        x = _check_views(views, file=file)
        shape = getattr(self, "view_shape_", None)
        if shape is not None and tuple(x.shape[1:]) != tuple(shape):
            raise AstrolearnInputError(
                f"views of shape {tuple(x.shape[1:])} (windows, freq, time), but the model was "
                f"trained on {tuple(shape)}", file=file,
                fix="build the views with the windows and image shape used in training")
        return x

    @staticmethod
    def summary_hashes(views: np.ndarray) -> np.ndarray:
        """Row hashes of a small summary of each view (mean energy per window and frequency
        row, over time), for training-data fingerprints and overlap checks."""
        x = np.asarray(views, dtype=np.float32)
        summary = x.mean(axis=3).reshape(len(x), -1).round(4)
        return row_hashes(pd.DataFrame(summary))

    # ------------------------------------------------------------------ fit/predict
    def fit(self, views: np.ndarray, y, *, groups=None, windows: Sequence[float] | None = None,
            file: str | Path | None = None, progress: bool = False) -> GlitchClassifier:
        """Learn from views ``(n, n_windows, n_freq, n_time)`` and one class name per view.

        Parameters
        ----------
        views : ndarray
        y : array-like of str
            Class of each view.
        groups : array-like, optional
            Group of each view (e.g. GPS second, detector, observing run): early stopping
            holds out whole groups.
        windows : sequence of float, optional
            Window durations (s), stored in the model folder.
        file : str or Path, optional
            Named in error messages.
        progress : bool, default False
            Print the network's training progress.
        """
        from astrolearn.nn.labels import encode_labels, fit_network

        net = self._network()
        self.__dict__.pop("view_shape_", None)
        x = self._views(views, file)
        n = len(x)
        series = pd.Series(np.asarray(y, dtype=object) if np.ndim(y) == 1 else [y])
        if len(series) != n:
            raise AstrolearnInputError(f"{len(series)} labels for {n} views", file=file,
                                       fix="give one label per view")
        if series.isna().any():
            raise AstrolearnInputError(f"{int(series.isna().sum())} views have no label",
                                       file=file, fix="drop the unlabelled views")
        labels = series.astype(str).to_numpy()
        encoded = encode_labels(labels, groups=groups, class_weight=self.class_weight,
                                what="views", file=file)
        if windows is not None and len(windows) != x.shape[1]:
            raise AstrolearnInputError(f"{len(windows)} window durations for views of "
                                       f"{x.shape[1]} windows", file=file)
        self.network_ = fit_network(net, x, encoded, progress, file)
        self.classes_ = encoded.classes
        self.class_counts_ = encoded.counts
        self.view_shape_ = [int(s) for s in x.shape[1:]]
        self.windows_ = None if windows is None else [float(w) for w in windows]
        self.fingerprint_ = data_fingerprint(self.summary_hashes(x), labels)
        self.n_training_views_ = n
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise AstrolearnInputError("this GlitchClassifier is not fitted yet",
                                       fix="call fit() or load a model folder")

    def predict_proba(self, views: np.ndarray, *, file: str | Path | None = None
                      ) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        self._check_fitted()
        x = self._views(views, file)
        try:
            return self.network_.predict_proba(x)
        except AstrolearnInputError as err:
            raise err.in_file(file) from None

    def predict(self, views: np.ndarray, *, file: str | Path | None = None) -> np.ndarray:
        """Most probable class of each view."""
        proba = self.predict_proba(views, file=file)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_frame(self, views: np.ndarray, ids: Sequence[str] | None = None, *,
                      file: str | Path | None = None) -> pd.DataFrame:
        """Predictions as a table: ``id``, ``prob_<class>`` and ``predicted_class``."""
        proba = self.predict_proba(views, file=file)
        n = len(proba)
        ids = np.arange(n).astype(str) if ids is None else _strings(ids, n, "ids", file)
        out = pd.DataFrame({"id": pd.Series(ids, dtype="string")})
        for j, c in enumerate(self.classes_):
            out[f"prob_{c}"] = proba[:, j].astype(np.float32)
        out["predicted_class"] = pd.Series(self.classes_[np.argmax(proba, axis=1)],
                                           dtype="string")
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write a model folder (manifest and safetensors weights)."""
        self._check_fitted()
        params = self.get_params()
        params["network_params"] = dict(self.network_params or {})
        manifest = {
            "task": "glitches",
            "estimator": "GlitchClassifier",
            "model": self.mode,
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "view_shape": list(self.view_shape_),
            "windows": self.windows_,
            "network_config": self.network_.get_config(),
            "training": {"n_views": self.n_training_views_,
                         "fingerprint": self.fingerprint_,
                         "class_counts": self.class_counts_},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            self.network_.save(tmp / "network.safetensors")
            return {"network": "network.safetensors"}

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> GlitchClassifier:
        """Read a classifier written by :meth:`save` (nothing is unpickled)."""
        from astrolearn.glitches.network import GlitchNetwork

        folder = Path(folder)
        manifest = read_estimator_manifest(folder, "GlitchClassifier", "glitches")
        self = cls(**manifest["params"])
        self.classes_ = np.asarray(manifest["classes"], dtype=object)
        self.view_shape_ = list(manifest["view_shape"])
        self.windows_ = manifest.get("windows")
        self.network_ = GlitchNetwork.load(folder / manifest["files"]["network"],
                                           manifest["network_config"])
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.class_counts_ = training["class_counts"]
        self.n_training_views_ = training["n_views"]
        self.manifest_ = manifest
        return self
