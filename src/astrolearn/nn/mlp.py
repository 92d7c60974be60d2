"""A multilayer-perceptron classifier in PyTorch with the scikit-learn estimator contract.

:class:`TorchMLPClassifier` standardises the features, trains a stack of
Linear → activation → Dropout blocks with the shared loop :func:`astrolearn.nn.fit_module`
(AdamW, early stopping, sample and class weights) and predicts class probabilities. It works
with ``clone``, ``Pipeline`` and ``cross_val_score``, and it is saved without pickle: the
weights as a dict of NumPy arrays (written as safetensors) and the configuration as JSON.

Why not ``sklearn.neural_network.MLPClassifier``: it cannot use a GPU, has no dropout or class
weights, and its weights can only be saved by pickling the whole estimator.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import choose_device, rng_scope
from astrolearn.nn.training import TrainingHistory, fit_module, predict_batches, resolve_seed

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

__all__ = ["TorchMLPClassifier"]

_FORMAT = "astrolearn.nn.TorchMLPClassifier"
_FORMAT_VERSION = 1
_CONFIG_METADATA_KEY = "astrolearn_config"
_NO_Y = object()  # "no y given", as distinct from y=None
_ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "gelu": nn.GELU}


class TorchMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer-perceptron classifier trained with PyTorch, CPU first and GPU when present.

    Parameters
    ----------
    hidden_layers : sequence of int, default (128, 64)
        Width of each hidden layer; ``()`` gives multinomial logistic regression.
    dropout : float, default 0.1
        Dropout probability after each hidden activation.
    epochs : int, default 200
        Maximum number of training epochs.
    batch_size : int, default 512
        Mini-batch size.
    learning_rate : float, default 1e-3
        AdamW learning rate.
    weight_decay : float, default 1e-4
        AdamW (decoupled) weight decay.
    class_weight : None, "balanced" or dict, default None
        Weights per class, multiplied into ``sample_weight``; ``"balanced"`` uses
        ``n_samples / (n_classes * count(class))``.
    validation_fraction : float, default 0.1
        Stratified fraction of the training data held out for early stopping (0 monitors the
        training loss instead).
    patience : int or None, default 15
        Epochs without improvement of the validation loss before stopping; the weights of the
        best epoch are kept. ``None`` trains for all ``epochs``.
    random_state : int, RandomState or None, default 0
        Seeds weight initialisation, validation split, shuffling and dropout. With an int, two
        fits on the same data give identical probabilities on the CPU. The global random
        state of NumPy and PyTorch is not touched.
    device : str, default "auto"
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``, used for fit and predict.
    verbose : bool, default False
        Print the losses of each epoch to stderr.
    activation : {"relu", "gelu"}, default "relu"
        Hidden-layer activation.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted (any type ``numpy.unique`` sorts: ints, strings, ...).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names when ``X`` was a DataFrame with string column names.
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation applied before the network (``scale_`` is 1 for constant features).
    network_ : torch.nn.Module
        The trained network, producing logits.
    history_ : TrainingHistory
        Losses per epoch, best epoch and wall time of the fit.
    n_iter_ : int
        Number of epochs run.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(300, noise=0.1, random_state=0)
    >>> clf = TorchMLPClassifier(hidden_layers=(32, 32), epochs=60, batch_size=64,
    ...                          learning_rate=1e-2, device="cpu").fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clone = TorchMLPClassifier.from_weights(clf.get_config(), clf.get_weights())
    >>> bool(np.array_equal(clone.predict_proba(X), clf.predict_proba(X)))
    True
    """

    def __init__(
        self,
        hidden_layers: Sequence[int] = (128, 64),
        dropout: float = 0.1,
        epochs: int = 200,
        batch_size: int = 512,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-4,
        class_weight: str | Mapping[Any, float] | None = None,
        validation_fraction: float = 0.1,
        patience: int | None = 15,
        random_state: int | np.random.RandomState | None = 0,
        device: str = "auto",
        verbose: bool = False,
        activation: str = "relu",
    ) -> None:
        self.hidden_layers = hidden_layers
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.activation = activation

    # ------------------------------------------------------------------ fitting

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TorchMLPClassifier:
        """Standardise ``X`` and train the network on labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features without NaN or infinity (impute or drop them first).
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, ...); at least two classes.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative per-sample weights.

        Returns
        -------
        TorchMLPClassifier
            The fitted estimator.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]
        >>> y = np.r_[["star"] * 20, ["galaxy"] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=30, device="cpu").fit(X, y)
        >>> clf.classes_.tolist()
        ['galaxy', 'star']
        """
        hidden = _check_hidden_layers(self.hidden_layers)
        activation = _check_activation(self.activation)
        if not (isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0):
            raise AstrolearnInputError(f"dropout must be in [0, 1), got {self.dropout!r}")

        X, y = self._validate(X, y, reset=True)
        _check_finite(X, getattr(self, "feature_names_in_", None))
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        y_index = y_index.reshape(-1)
        if classes.size < 2:
            raise AstrolearnInputError(
                f"y has only one class ({classes[0]!r}); a classifier needs at least two",
                column="y",
                fix="check the labels, or add samples of the other classes",
            )

        weight = _sample_weight(sample_weight, X.shape[0])
        if self.class_weight is not None:
            per_class = compute_class_weight(self.class_weight, classes=classes, y=y)
            class_w = per_class[y_index]
            weight = class_w if weight is None else weight * class_w

        mean = X.mean(axis=0, dtype=np.float64)
        scale = X.std(axis=0, dtype=np.float64)
        scale[~np.isfinite(scale) | (scale <= np.finfo(np.float64).tiny)] = 1.0

        seed = resolve_seed(self.random_state)
        dev = choose_device(self.device)
        with rng_scope(seed, "cpu"):  # initialise on the CPU: same start on every device
            network = _build_network(X.shape[1], hidden, classes.size, self.dropout, activation)
        history = fit_module(
            network,
            _cross_entropy,
            _standardise(X, mean, scale),
            y_index.astype(np.int64),
            sample_weight=weight,
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            random_state=seed,
            device=dev,
            progress=bool(self.verbose),
            stratify=y_index,
        )
        network.eval()

        self.classes_ = classes
        self.mean_ = mean
        self.scale_ = scale
        self.network_ = network
        self.history_ = history
        self.n_iter_ = history.n_epochs
        return self

    # --------------------------------------------------------------- prediction

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Features, finite.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities (float64, rows sum to 1).

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[[0] * 20, [1] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=20, device="cpu").fit(X, y)
        >>> clf.predict_proba(X[:3]).shape
        (3, 2)
        """
        check_is_fitted(self, ("network_", "mean_", "scale_"))
        X = self._validate(X, reset=False)
        _check_finite(X, getattr(self, "feature_names_in_", None))
        logits = predict_batches(
            self.network_,
            _standardise(X, self.mean_, self.scale_),
            device=choose_device(self.device),
        )
        return softmax(logits.astype(np.float64), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Features, finite.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels taken from ``classes_``.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[["a"] * 20, ["b"] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=50, learning_rate=1e-2,
        ...                          device="cpu").fit(X, y)
        >>> clf.predict([[1.0, 1.0]]).tolist()
        ['b']
        """
        proba = self.predict_proba(X)  # first: raises NotFittedError before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]

    # -------------------------------------------------------------- persistence

    def get_weights(self) -> dict[str, np.ndarray]:
        """Return the fitted arrays: network state (``network.*``) and scaler (``scaler.*``).

        Returns
        -------
        dict of str to numpy.ndarray
            Contiguous CPU copies, ready for ``safetensors.numpy.save_file``.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[[0] * 20, [1] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=5, device="cpu").fit(X, y)
        >>> sorted(clf.get_weights())[:3]
        ['network.hidden1.linear.bias', 'network.hidden1.linear.weight', 'network.output.bias']
        """
        check_is_fitted(self, ("network_", "mean_", "scale_"))
        weights = {
            f"network.{name}": np.ascontiguousarray(tensor.detach().cpu().numpy().copy())
            for name, tensor in self.network_.state_dict().items()
        }
        weights["scaler.mean"] = np.ascontiguousarray(self.mean_, dtype=np.float64).copy()
        weights["scaler.scale"] = np.ascontiguousarray(self.scale_, dtype=np.float64).copy()
        return weights

    def get_config(self) -> dict[str, Any]:
        """Return everything but the weights as a JSON-serialisable dict.

        Returns
        -------
        dict
            ``format``, ``format_version``, ``params`` (hyperparameters), ``classes`` (list),
            ``n_features_in``, ``feature_names_in`` (list or None), ``hidden_sizes``,
            ``history`` and the torch version used.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[["a"] * 20, ["b"] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=5, device="cpu").fit(X, y)
        >>> cfg = clf.get_config(); cfg["classes"], cfg["hidden_sizes"]
        (['a', 'b'], [8])
        """
        check_is_fitted(self, ("network_", "mean_", "scale_"))
        names = getattr(self, "feature_names_in_", None)
        return {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "params": _params_to_json(self.get_params(deep=False)),
            "classes": self.classes_.tolist(),
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "hidden_sizes": list(_check_hidden_layers(self.hidden_layers)),
            "history": self.history_.to_dict() if getattr(self, "history_", None) else None,
            "torch_version": torch.__version__,
        }

    @classmethod
    def from_weights(
        cls, config: Mapping[str, Any], weights: Mapping[str, np.ndarray]
    ) -> TorchMLPClassifier:
        """Rebuild a fitted classifier from :meth:`get_config` and :meth:`get_weights` output.

        Parameters
        ----------
        config : dict
            The configuration (e.g. read back from JSON).
        weights : dict of str to numpy.ndarray
            The arrays (e.g. from ``safetensors.numpy.load_file``).

        Returns
        -------
        TorchMLPClassifier
            A fitted estimator whose probabilities equal the original's.

        Raises
        ------
        AstrolearnInputError
            If the config is not an astrolearn MLP config or the weights do not match it.

        Examples
        --------
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[[0] * 20, [1] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=5, device="cpu").fit(X, y)
        >>> again = TorchMLPClassifier.from_weights(clf.get_config(), clf.get_weights())
        >>> bool(np.array_equal(again.predict_proba(X), clf.predict_proba(X)))
        True
        """
        if not isinstance(config, Mapping) or config.get("format") != _FORMAT:
            found = config.get("format") if isinstance(config, Mapping) else type(config)
            raise AstrolearnInputError(
                f"the configuration is not a {_FORMAT} configuration (format: {found!r})",
                fix="pass the dict returned by TorchMLPClassifier.get_config()",
            )
        if int(config.get("format_version", 0)) > _FORMAT_VERSION:
            raise AstrolearnInputError(
                f"the model was saved in format version {config['format_version']}, newer "
                f"than this astrolearn reads ({_FORMAT_VERSION})",
                fix="upgrade astrolearn",
            )
        valid = cls().get_params(deep=False)
        params = {k: v for k, v in _params_from_json(config["params"]).items() if k in valid}
        est = cls(**params)
        hidden = _check_hidden_layers(config["hidden_sizes"])
        classes = np.asarray(config["classes"])
        n_features = int(config["n_features_in"])

        missing = {"scaler.mean", "scaler.scale"} - set(weights)
        if missing:
            raise AstrolearnInputError(
                f"the weights lack {sorted(missing)}",
                fix="pass the dict returned by TorchMLPClassifier.get_weights()",
            )
        mean = np.array(weights["scaler.mean"], dtype=np.float64)
        scale = np.array(weights["scaler.scale"], dtype=np.float64)
        if mean.shape != (n_features,) or scale.shape != (n_features,):
            raise AstrolearnInputError(
                f"the scaler arrays have shapes {mean.shape} and {scale.shape}, but the "
                f"configuration says {n_features} features",
                fix="load the weights saved together with this configuration",
            )
        with rng_scope(0, "cpu"):  # the initial values are overwritten; keep global RNG intact
            network = _build_network(
                n_features, hidden, classes.size, est.dropout, _check_activation(est.activation)
            )
        state = {
            name[len("network.") :]: torch.from_numpy(np.array(array))
            for name, array in weights.items()
            if name.startswith("network.")
        }
        try:
            network.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise AstrolearnInputError(
                f"the weights do not fit the network described by the configuration: {exc}",
                fix="load the weights saved together with this configuration",
            ) from exc
        network.eval()

        est.classes_ = classes
        est.n_features_in_ = n_features
        if config.get("feature_names_in") is not None:
            est.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
        est.mean_ = mean
        est.scale_ = scale
        est.network_ = network
        history = config.get("history")
        known = TrainingHistory.__dataclass_fields__
        est.history_ = TrainingHistory(**{k: v for k, v in (history or {}).items() if k in known})
        est.n_iter_ = est.history_.n_epochs
        return est

    def save_safetensors(self, path: str | os.PathLike) -> Path:
        """Write the weights to a safetensors file, with the configuration in its metadata.

        The file is written atomically (temporary file, then rename). Loading it runs no
        code: safetensors holds only arrays and a JSON header.

        Parameters
        ----------
        path : str or path-like
            Destination file, conventionally ``*.safetensors``.

        Returns
        -------
        pathlib.Path
            The path written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> X = np.r_[np.zeros((20, 2)), np.ones((20, 2))]; y = np.r_[[0] * 20, [1] * 20]
        >>> clf = TorchMLPClassifier(hidden_layers=(8,), epochs=5, device="cpu").fit(X, y)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = clf.save_safetensors(pathlib.Path(tmp) / "mlp.safetensors")
        ...     again = TorchMLPClassifier.load_safetensors(path)
        >>> bool(np.array_equal(again.predict(X), clf.predict(X)))
        True
        """
        from safetensors.numpy import save_file

        path = Path(path)
        config = self.get_config()
        weights = self.get_weights()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            save_file(weights, tmp, metadata={_CONFIG_METADATA_KEY: json.dumps(config)})
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load_safetensors(
        cls, path: str | os.PathLike, config: Mapping[str, Any] | None = None
    ) -> TorchMLPClassifier:
        """Load a classifier written by :meth:`save_safetensors` (never unpickles).

        Parameters
        ----------
        path : str or path-like
            The safetensors file.
        config : dict, optional
            The configuration; by default the copy stored in the file's metadata is used.

        Returns
        -------
        TorchMLPClassifier
            The fitted estimator.

        Examples
        --------
        See :meth:`save_safetensors`.
        """
        from safetensors import SafetensorError, safe_open
        from safetensors.numpy import load_file

        path = Path(path)
        if not path.is_file():
            raise AstrolearnInputError(
                "no such file", file=path, fix="check the path of the saved model"
            )
        try:
            weights = load_file(path)
            if config is None:
                with safe_open(path, framework="numpy") as handle:
                    metadata = handle.metadata() or {}
                if _CONFIG_METADATA_KEY not in metadata:
                    raise AstrolearnInputError(
                        "the file holds no astrolearn configuration",
                        file=path,
                        fix="pass the config saved with get_config() as config=...",
                    )
                config = json.loads(metadata[_CONFIG_METADATA_KEY])
        except (SafetensorError, OSError, ValueError) as exc:
            if isinstance(exc, AstrolearnInputError):
                raise
            raise AstrolearnInputError(
                f"not a readable safetensors file ({exc})",
                file=path,
                fix="pass a file written by TorchMLPClassifier.save_safetensors",
            ) from exc
        try:
            return cls.from_weights(config, weights)
        except AstrolearnInputError as exc:
            raise exc.in_file(path) from exc

    # ---------------------------------------------------------------- internals

    def _validate(self, X: Any, y: Any = _NO_Y, *, reset: bool) -> Any:
        """scikit-learn's input checks (shape, dtype, n_features_in_, feature names).

        NaN and inf pass here and are reported by ``_check_finite`` with an astrolearn error.
        ``y=None`` is passed on, so that scikit-learn says that ``fit`` requires ``y``.
        """
        kwargs: dict[str, Any] = {"dtype": (np.float64, np.float32), "reset": reset}
        if _sk_validate_data is not None:
            kwargs["ensure_all_finite"] = False
            if y is _NO_Y:
                return _sk_validate_data(self, X, **kwargs)
            return _sk_validate_data(self, X, y, **kwargs)
        kwargs["force_all_finite"] = False  # pragma: no cover - scikit-learn < 1.6
        if y is _NO_Y:  # pragma: no cover
            return self._validate_data(X, **kwargs)
        return self._validate_data(X, y, **kwargs)  # pragma: no cover


# ------------------------------------------------------------------- helpers


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target, reduction="none")


def _build_network(
    n_in: int, hidden: tuple[int, ...], n_out: int, dropout: float, activation: type[nn.Module]
) -> nn.Sequential:
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    width = n_in
    for i, size in enumerate(hidden, start=1):
        layers[f"hidden{i}"] = nn.Sequential(
            OrderedDict(
                [
                    ("linear", nn.Linear(width, size)),
                    ("activation", activation()),
                    ("dropout", nn.Dropout(dropout)),
                ]
            )
        )
        width = size
    layers["output"] = nn.Linear(width, n_out)
    return nn.Sequential(layers)


def _standardise(X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return ((np.asarray(X, dtype=np.float64) - mean) / scale).astype(np.float32)


def _check_hidden_layers(hidden: Any) -> tuple[int, ...]:
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        sizes = tuple(int(h) for h in hidden)
        ok = all(int(h) == h and h >= 1 for h in hidden)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise AstrolearnInputError(
            f"hidden_layers must be a sequence of positive integers, got {hidden!r}",
            fix="use e.g. hidden_layers=(128, 64)",
        )
    return sizes


def _check_activation(name: Any) -> type[nn.Module]:
    if not isinstance(name, str) or name.lower() not in _ACTIVATIONS:
        raise AstrolearnInputError(
            f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}"
        )
    return _ACTIVATIONS[name.lower()]


def _check_finite(X: np.ndarray, names: Any) -> None:
    finite = np.isfinite(X)
    if finite.all():
        return
    bad_cols = np.flatnonzero(~finite.all(axis=0))
    n_bad = int((~finite).any(axis=1).sum())
    labels = [str(names[i]) if names is not None else str(i) for i in bad_cols[:5]]
    more = f" and {bad_cols.size - 5} more" if bad_cols.size > 5 else ""
    raise AstrolearnInputError(
        f"X contains NaN or infinite values in {n_bad} row(s)",
        column=", ".join(labels) + more,
        fix="impute missing values first (e.g. sklearn.impute.SimpleImputer in a Pipeline), "
        "or drop those rows; replace survey sentinels such as -99 explicitly",
    )


def _sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise AstrolearnInputError(
            f"sample_weight has shape {w.shape} but X has {n} samples",
            column="sample_weight",
            fix="pass one weight per sample",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AstrolearnInputError(
            "sample_weight contains negative, NaN or infinite values",
            column="sample_weight",
            fix="use finite, non-negative weights",
        )
    return w


def _params_to_json(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, tuple):
            value = [int(v) for v in value] if key == "hidden_layers" else list(value)
        elif isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, torch.device):
            value = str(value)
        elif isinstance(value, np.random.RandomState):
            value = None  # a generator's state is not a hyperparameter worth persisting
        elif key == "class_weight" and isinstance(value, Mapping):
            value = {"pairs": [[_plain(k), float(v)] for k, v in value.items()]}
        out[key] = value
    json.dumps(out)  # fail here, not in the caller's json.dump
    return out


def _params_from_json(params: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if isinstance(out.get("hidden_layers"), list):
        out["hidden_layers"] = tuple(out["hidden_layers"])
    class_weight = out.get("class_weight")
    if isinstance(class_weight, Mapping) and "pairs" in class_weight:
        out["class_weight"] = {k: v for k, v in class_weight["pairs"]}
    return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
