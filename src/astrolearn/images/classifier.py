"""ImageClassifier: galaxy morphology (or any class) from cutouts with a CNN, as an estimator.

:class:`ImageClassifier` joins the two halves of image classification: the deterministic,
astronomy-aware preparation of :func:`astrolearn.images.preprocess.prepare_images` (bad-pixel
masking, background and noise normalisation, stretch, optional recentring and cropping; no
fitted state, so training and prediction see the same transform) and the CNNs of
:mod:`astrolearn.images.networks` (a small residual CNN, the Xception-like network, or a
pretrained ResNet), trained with rotation (and, when allowed, mirror) augmentation and
predicted with test-time averaging over the same symmetries. It follows the scikit-learn
contract (string class names, ``predict_proba`` columns in the order of ``classes_``, works
with ``clone``) and writes a model folder (:mod:`astrolearn.persist`: a JSON manifest plus
safetensors weights; loading unpickles nothing).

Input: raw cutouts ``(n, bands, height, width)`` as read by :mod:`astrolearn.images.io`
(linear fluxes, or display-stretched values in [0, 1]). Pixels that are NaN or infinite are
masked by the preparation; an image with a band that holds no finite pixel at all is refused.
Prediction needs the same number of bands, in the same order, as training; the image size may
differ (every network ends in global average pooling), as long as it is at least 16 x 16
pixels after preparation, but the network reads features at the scale it learned them, so
cutouts of the same pixel scale (or a ``preprocess`` ``size`` crop) are what it is made for.

Mirror flips: a mirror image turns a clockwise spiral into an anticlockwise one. Keep
``flips=True`` (the default: all eight symmetries of the square) when the classes do not
depend on handedness. When they do (Galaxy Zoo 1's clockwise and anticlockwise spirals),
either name the pairs a mirror swaps, ``mirror_pairs={"spiral_cw": "spiral_acw"}``, so that
a mirrored clockwise spiral is learnt as an anticlockwise one (twice the spirals of each
handedness to learn from, and test-time averaging reads the mirrored predictions with the
pair swapped back), or set ``flips=False``: training then only rotates, and test-time
averaging only over rotations.
"""

from __future__ import annotations

import warnings
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

__all__ = ["ImageClassifier"]

#: Network settings the estimator owns (set through its own parameters).
_OWN = ("architecture", "width", "flips", "mirror_classes", "random_state")
_CHUNK = 512  # images per block in summary hashes


def _check_images(images: Any, *, file: str | Path | None = None) -> np.ndarray:
    """``images`` as float32 (uint8 divided by 255, the display-stretched convention of
    :mod:`astrolearn.images.preprocess`) after shape checks, refusing images with an empty
    band. Not a copy when already float32: callers must not write into it."""
    try:
        arr = np.asarray(images)
        if arr.dtype == np.uint8:
            x = arr.astype(np.float32) / np.float32(255.0)
        elif arr.dtype.kind not in "biuf":
            raise TypeError(f"dtype {arr.dtype}")
        else:
            x = np.asarray(arr, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise AstrolearnInputError(f"images must be a numeric array ({err})", file=file,
                                   fix="read them with astrolearn.images.io.read_images"
                                   ) from None
    if x.ndim != 4 or min(x.shape[1:], default=0) < 1 or len(x) == 0:
        raise AstrolearnInputError(
            f"images must have shape (n, bands, height, width) with n >= 1, got {x.shape}",
            file=file, fix="add a band axis for one-band images (images[:, None]); channels "
                           "go before height and width (NCHW)")
    empty = ~np.isfinite(x).any(axis=(2, 3)).all(axis=1)
    if empty.any():
        raise AstrolearnInputError(
            f"{int(empty.sum())} images have a band with no finite pixel (all NaN or inf; "
            f"first: image {int(np.flatnonzero(empty)[0])})", file=file,
            fix="drop those cutouts (isolated NaN pixels are fine: they are masked)")
    return x


def _strings(values: Any, n: int, what: str, file) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.shape != (n,):
        raise AstrolearnInputError(f"{what} must hold one entry per image ({n}), got shape "
                                   f"{arr.shape}", file=file, fix=f"give one {what[:-1]} per image")
    missing = pd.isna(pd.Series(arr))
    if missing.any():
        raise AstrolearnInputError(f"{int(missing.sum())} {what} are missing", file=file,
                                   fix=f"drop the images without {what}")
    return arr.astype(str)


class ImageClassifier(ClassifierMixin, BaseEstimator):
    """Classify image cutouts (e.g. galaxy morphology) with a CNN.

    Parameters
    ----------
    architecture : str, default "resnet"
        ``"resnet"`` (small residual CNN), ``"xception"`` (the Xception-like network), or a
        ResNet backbone name (``"resnet18"``, ``"resnet34"``, ``"resnet50"``, ...; with
        ``network_params={"backbone_weights": PATH}`` for transfer learning). See
        :mod:`astrolearn.images.networks`.
    width : int or float, optional
        Network size: first-stage channels of ``"resnet"`` (default 16), channel multiplier
        of ``"xception"`` (default 0.25); unused by the ResNet backbones.
    preprocess : dict, optional
        Keyword arguments of :func:`astrolearn.images.preprocess.prepare_images`
        (``stretch``, ``size``, ``recenter``, ``saturation``); ``None``: its defaults. The
        same preparation is applied at fit and predict.
    network_params : dict, optional
        Other :class:`~astrolearn.images.networks.ImageNetwork` settings (``epochs``,
        ``batch_size``, ``learning_rate``, ``dropout``, ``patience``, ``rotations``,
        ``shift_pixels``, ``backbone_weights``, ``freeze_epochs``, ``device``,
        ``num_threads``).
        ``backbone_weights`` may be the model folder of another ImageClassifier of the same
        architecture, width and bands (transfer learning; the classes and the image size may
        differ).
    flips : bool, default True
        Mirror flips in augmentation and test-time averaging. When the classes depend on
        handedness (clockwise / anticlockwise spirals), give ``mirror_pairs`` or set False.
    mirror_pairs : dict, optional
        Classes a mirror image swaps, e.g. ``{"spiral_cw": "spiral_acw"}``: mirrored training
        images are learnt with the swapped label and test-time averaging swaps the pair back
        (both classes must be among the labels; ignored when ``flips`` is False).
    class_weight : {"balanced", None}, default "balanced"
        Weight classes equally in the loss (morphology sets are very unequal: 70 % of the
        Galaxy Zoo 1 sample is elliptical).
    tta : bool, default True
        Average the probabilities (and embeddings) over the training symmetries at predict
        time; the prediction is then invariant to them.
    decision_holdout : float, default 0
        With f > 0, hold out a fraction f of the groups given to :meth:`fit` (of the images,
        stratified by class, without groups) from training, and tune one offset per class
        on them so that :meth:`predict` maximises macro-F1 (:mod:`astrolearn.decision`):
        the fix for rare classes, which the most probable class over- or under-predicts.
        The probabilities are unchanged. 0: the most probable class.
    random_state : int, default 0

    Attributes
    ----------
    classes_ : ndarray of str
    network_ : ImageNetwork
    image_shape_ : list of int
        ``[bands, height, width]`` of the training images (before preparation).
    class_counts_ : dict
    decision_offsets_ : ndarray or None
        Per-class log-probability offsets of :meth:`predict` (``decision_holdout``).
    decision_scores_ : dict or None
        Held-out macro-F1 with and without the offsets, and the number of held-out images.
    fingerprint_ : str
        Training-data fingerprint (:meth:`summary_hashes` and labels).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(10.0, 1.0, (40, 1, 16, 16)).astype(np.float32)
    >>> y = np.repeat(["compact", "extended"], 20)
    >>> images[:20, :, 6:10, 6:10] += 30.0
    >>> images[20:, :, 3:13, 3:13] += 8.0
    >>> clf = ImageClassifier(width=4, network_params={
    ...     "epochs": 5, "batch_size": 8, "learning_rate": 0.01, "num_threads": 1})
    >>> clf = clf.fit(images, y)
    >>> list(clf.classes_), clf.predict_proba(images).shape, bool(clf.score(images, y) > 0.9)
    (['compact', 'extended'], (40, 2), True)
    """

    def __init__(self, architecture: str = "resnet", width: float | None = None, *,
                 preprocess: Mapping[str, Any] | None = None,
                 network_params: Mapping[str, Any] | None = None, flips: bool = True,
                 mirror_pairs: Mapping[str, str] | None = None,
                 class_weight: str | None = "balanced", tta: bool = True,
                 decision_holdout: float = 0.0, random_state: int = 0) -> None:
        self.architecture = architecture
        self.width = width
        self.preprocess = preprocess
        self.network_params = network_params
        self.flips = flips
        self.mirror_pairs = mirror_pairs
        self.class_weight = class_weight
        self.tta = tta
        self.decision_holdout = decision_holdout
        self.random_state = random_state

    # ------------------------------------------------------------------ inputs
    def _network(self):
        from astrolearn.images.networks import ImageNetwork

        params = dict(self.network_params or {})
        clash = sorted(set(params) & set(_OWN))
        if clash:
            raise AstrolearnInputError(f"network_params must not set {clash}",
                                       fix="pass them as ImageClassifier parameters")
        try:
            net = ImageNetwork(architecture=self.architecture, width=self.width,
                               flips=self.flips, random_state=self.random_state, **params)
        except TypeError as err:
            raise AstrolearnInputError(f"bad network_params: {err}",
                                       fix="use ImageNetwork's settings (epochs, batch_size, "
                                           "learning_rate, dropout, ...)") from None
        net._check_config()
        return net

    def _prepare(self, x: np.ndarray, file) -> np.ndarray:
        from astrolearn.images.preprocess import prepare_images

        settings = self.preprocess or {}
        if not isinstance(settings, Mapping):
            raise AstrolearnInputError(f"preprocess must be a dict of prepare_images "
                                       f"settings or None, got {settings!r}")
        try:
            prepared = prepare_images(x, **dict(settings))
        except AstrolearnInputError as err:
            raise err.in_file(file) from None
        except TypeError as err:
            raise AstrolearnInputError(f"bad preprocess settings: {err}", file=file,
                                       fix="use prepare_images' settings (stretch, size, "
                                           "recenter, saturation)") from None
        prepared = np.asarray(prepared, dtype=np.float32)
        bad = ~np.isfinite(prepared.reshape(len(prepared), -1)).all(axis=1)
        if bad.any():
            raise AstrolearnInputError(
                f"{int(bad.sum())} images still hold NaN or inf after preparation (first: "
                f"image {int(np.flatnonzero(bad)[0])})", file=file,
                fix="drop those cutouts, or change the preprocess settings")
        return prepared

    def _images(self, images, file) -> np.ndarray:
        """Checked copy of raw ``images``, same bands as in training, prepared."""
        x = _check_images(images, file=file)
        shape = getattr(self, "image_shape_", None)
        if shape is not None and x.shape[1] != shape[0]:
            raise AstrolearnInputError(
                f"images have {x.shape[1]} bands, but the model was trained on {shape[0]}",
                file=file, fix="give the bands used in training, in the same order")
        return self._prepare(x, file)

    @staticmethod
    def summary_hashes(images: np.ndarray) -> np.ndarray:
        """Row hashes of a small summary of each image (the mean of every row and every
        column of each band, over finite pixels), for training-data fingerprints and
        overlap checks."""
        x = np.asarray(images)
        if x.ndim != 4:
            raise AstrolearnInputError(f"images must have shape (n, bands, height, width), "
                                       f"got {x.shape}")
        parts = []
        for start in range(0, len(x), _CHUNK):
            block = x[start:start + _CHUNK].astype(np.float64)
            finite = np.isfinite(block)
            values = np.where(finite, block, 0.0)
            rows = values.sum(axis=3) / np.maximum(finite.sum(axis=3), 1)
            cols = values.sum(axis=2) / np.maximum(finite.sum(axis=2), 1)
            parts.append(np.concatenate([rows.reshape(len(block), -1),
                                         cols.reshape(len(block), -1)], axis=1).round(4))
        summary = np.concatenate(parts) if parts else np.zeros((0, 0))
        return row_hashes(pd.DataFrame(summary))

    # ------------------------------------------------------------------ fit/predict
    def fit(self, images: np.ndarray, y, *, groups=None, file: str | Path | None = None,
            progress: Any = False) -> ImageClassifier:
        """Learn from cutouts ``(n, bands, height, width)`` and one class name per image.

        Parameters
        ----------
        images : ndarray
            Raw cutouts (prepared here with ``preprocess``).
        y : array-like of str
            Class of each image (at least two classes).
        groups : array-like, optional
            Group of each image (e.g. the SDSS field, a sky region, the copies of one
            galaxy): early stopping holds out whole groups.
        file : str or Path, optional
            Named in error messages.
        progress : bool or callable, default False
            Print the network's training progress (one line per epoch).
        """
        from astrolearn.nn.labels import encode_labels, fit_network

        net = self._network()
        if not isinstance(self.tta, (bool, np.bool_)):
            raise AstrolearnInputError(f"tta must be True or False, got {self.tta!r}")
        self.__dict__.pop("image_shape_", None)
        raw = _check_images(images, file=file)
        n = len(raw)
        if np.ndim(y) != 1 or len(y) != n:
            raise AstrolearnInputError(f"{len(y) if np.ndim(y) == 1 else 1} labels for {n} "
                                       f"images", file=file, fix="give one label per image")
        labels = _strings(y, n, "labels", file)
        encoded = encode_labels(labels, groups=groups, class_weight=self.class_weight,
                                what="images", file=file)
        net.mirror_classes = self._mirror_classes(encoded.classes, file)
        x = self._prepare(raw, file)
        held = self._decision_rows(encoded, file)
        train = encoded if held is None else encoded.subset(~held)
        self.network_ = fit_network(net, x if held is None else x[~held], train, progress,
                                    file)
        self.decision_offsets_, self.decision_scores_ = None, None
        if held is not None:
            self._tune_decision(x[held], encoded.codes[held], encoded.classes)
        self.classes_ = encoded.classes
        self.class_counts_ = encoded.counts
        self.image_shape_ = [int(s) for s in raw.shape[1:]]
        self.fingerprint_ = data_fingerprint(self.summary_hashes(raw), labels)
        self.n_training_images_ = n
        return self

    def _decision_rows(self, encoded, file) -> np.ndarray | None:
        """Mask of the images held out to tune the decision (``decision_holdout``)."""
        from astrolearn.nn.training import _split_indices, group_holdout

        fraction = self.decision_holdout
        if not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
            raise AstrolearnInputError(f"decision_holdout must be a fraction in [0, 1), got "
                                       f"{fraction!r}", fix="e.g. 0.2, or 0 to switch it off")
        if not fraction:
            return None
        n = len(encoded.codes)
        if encoded.groups is not None:
            held = group_holdout(encoded.groups, self.random_state, fraction=fraction)
        else:
            held = np.zeros(n, dtype=bool)
            held[_split_indices(n, fraction, encoded.codes, int(self.random_state))[1]] = True
        if held.all() or not held.any() or len(np.unique(encoded.codes[~held])) < 2:
            raise AstrolearnInputError(
                f"decision_holdout={fraction} leaves {int((~held).sum())} of {n} images, of "
                f"{len(np.unique(encoded.codes[~held]))} classes, to train on", file=file,
                fix="use a smaller decision_holdout, or more images (and groups)")
        missing = [str(c) for i, c in enumerate(encoded.classes)
                   if not (encoded.codes[held] == i).any()]
        if missing:
            warnings.warn(f"no held-out image of class {', '.join(missing)}: its decision "
                          f"offset stays 0 (raise decision_holdout to tune it)", stacklevel=3)
        return held

    def _tune_decision(self, x_held: np.ndarray, codes: np.ndarray, classes) -> None:
        """Fit the class offsets on held-out prepared images and record their effect."""
        from astrolearn.decision import decide, fit_class_offsets
        from astrolearn.metrics import macro_f1

        proba = self.network_.predict_proba(x_held, tta=bool(self.tta))
        offsets = fit_class_offsets(codes, proba)
        names = np.asarray(classes).astype(str)
        self.decision_offsets_ = offsets
        self.decision_scores_ = {
            "n_images": len(codes),
            "macro_f1_most_probable": macro_f1(names[codes], names[decide(proba)]),
            "macro_f1_offsets": macro_f1(names[codes], names[decide(proba, offsets)])}

    def _mirror_classes(self, classes: np.ndarray, file) -> list[int] | None:
        """``mirror_pairs`` as the class code each class becomes in a mirror image."""
        if not self.mirror_pairs:
            return None
        if not isinstance(self.mirror_pairs, Mapping):
            raise AstrolearnInputError(
                f"mirror_pairs must map a class to its mirror twin, got {self.mirror_pairs!r}",
                fix='e.g. {"spiral_cw": "spiral_acw"}')
        code = {str(c): i for i, c in enumerate(classes)}
        mirror = list(range(len(classes)))
        for a, b in self.mirror_pairs.items():
            for name in (a, b):
                if str(name) not in code:
                    raise AstrolearnInputError(
                        f"mirror_pairs names class {name!r}, which is not among the labels "
                        f"({', '.join(code)})", file=file, fix="name two classes of the labels")
            i, j = code[str(a)], code[str(b)]
            if i == j or mirror[i] != i or mirror[j] != j:
                raise AstrolearnInputError(
                    f"mirror_pairs must pair distinct classes, each at most once; got "
                    f"{dict(self.mirror_pairs)!r}", file=file,
                    fix='e.g. {"spiral_cw": "spiral_acw"}')
            mirror[i], mirror[j] = j, i
        return mirror

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise AstrolearnInputError("this ImageClassifier is not fitted yet",
                                       fix="call fit() or load a model folder")

    def predict_proba(self, images: np.ndarray, *, file: str | Path | None = None
                      ) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_`` (averaged over the
        training symmetries when ``tta``)."""
        self._check_fitted()
        x = self._images(images, file)
        try:
            return self.network_.predict_proba(x, tta=bool(self.tta))
        except AstrolearnInputError as err:
            raise err.in_file(file) from None

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class of each row of :meth:`predict_proba`'s output: the most probable, or with the
        offsets of ``decision_holdout`` when they were tuned."""
        return self.classes_[self._decision_codes(proba)]

    def _decision_codes(self, proba: np.ndarray) -> np.ndarray:
        from astrolearn.decision import decide

        self._check_fitted()
        return decide(proba, self.decision_offsets_)

    def predict(self, images: np.ndarray, *, file: str | Path | None = None) -> np.ndarray:
        """Class of each image (:meth:`decide`)."""
        return self.decide(self.predict_proba(images, file=file))

    def predict_frame(self, images: np.ndarray, ids: Sequence[str] | None = None, *,
                      file: str | Path | None = None) -> pd.DataFrame:
        """Predictions as a table: ``id``, ``prob_<class>``, ``predicted_class`` (as
        :meth:`predict`) and ``max_probability`` (the predicted class's probability)."""
        proba = self.predict_proba(images, file=file)
        n = len(proba)
        ids = np.arange(n).astype(str) if ids is None else _strings(ids, n, "ids", file)
        out = pd.DataFrame({"id": pd.Series(ids, dtype="string")})
        for j, c in enumerate(self.classes_):
            out[f"prob_{c}"] = proba[:, j].astype(np.float32)
        chosen = self._decision_codes(proba)
        out["predicted_class"] = pd.Series(self.classes_[chosen], dtype="string")
        out["max_probability"] = proba[np.arange(n), chosen].astype(np.float32)
        return out

    def embed(self, images: np.ndarray, *, file: str | Path | None = None) -> np.ndarray:
        """The network's pooled features ``(n, d)`` (float32) of the prepared images, averaged
        over the training symmetries when ``tta``: an embedding for anomaly scores, nearest
        neighbours or UMAP maps."""
        self._check_fitted()
        x = self._images(images, file)
        try:
            return self.network_.embed(x, tta=bool(self.tta))
        except AstrolearnInputError as err:
            raise err.in_file(file) from None

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path, *, metrics: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Path:
        """Write a model folder (manifest and safetensors weights)."""
        self._check_fitted()
        params = self.get_params()
        params["network_params"] = dict(self.network_params or {})
        params["preprocess"] = None if self.preprocess is None else dict(self.preprocess)
        history = getattr(self.network_, "history_", None)
        manifest = {
            "task": "images",
            "estimator": "ImageClassifier",
            "model": self.architecture,
            "params": params,
            "classes": [str(c) for c in self.classes_],
            "image_shape": list(self.image_shape_),
            "network_config": self.network_.get_config(),
            "training": {"n_images": self.n_training_images_,
                         "fingerprint": self.fingerprint_,
                         "class_counts": self.class_counts_,
                         "history": None if history is None else history.to_dict()},
            "decision": None if self.decision_offsets_ is None else {
                "offsets": [float(v) for v in self.decision_offsets_],
                "held_out": self.decision_scores_},
            "metrics": dict(metrics or {}),
            **dict(extra or {}),
        }

        def write(tmp: Path) -> dict[str, str]:
            self.network_.save(tmp / "network.safetensors")
            return {"network": "network.safetensors"}

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> ImageClassifier:
        """Read a classifier written by :meth:`save` (nothing is unpickled)."""
        manifest = read_estimator_manifest(folder, "ImageClassifier", "images")
        return cls._from_folder(Path(folder), manifest)

    @classmethod
    def _from_folder(cls, folder: Path, manifest: dict[str, Any]) -> ImageClassifier:
        from astrolearn.images.networks import ImageNetwork

        self = cls(**manifest["params"])
        self.classes_ = np.asarray(manifest["classes"], dtype=object)
        self.image_shape_ = [int(s) for s in manifest["image_shape"]]
        self.network_ = ImageNetwork.load(folder / manifest["files"]["network"],
                                          manifest["network_config"])
        training = manifest["training"]
        self.fingerprint_ = training["fingerprint"]
        self.class_counts_ = training["class_counts"]
        self.n_training_images_ = training["n_images"]
        decision = manifest.get("decision")
        self.decision_offsets_ = None if decision is None else np.asarray(decision["offsets"])
        self.decision_scores_ = None if decision is None else decision["held_out"]
        self.manifest_ = manifest
        return self
