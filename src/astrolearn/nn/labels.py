"""Class labels of a training set for the network classifiers (images, glitches).

:func:`encode_labels` checks what the estimators share before a network trains: at least
two classes, one group per example, the ``class_weight`` option; and turns the labels into
integer codes with balanced sample weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = ["EncodedLabels", "encode_labels", "fit_network"]


@dataclass(frozen=True)
class EncodedLabels:
    """Labels of a training set as a network sees them.

    Attributes
    ----------
    classes : ndarray of object
        Sorted class names.
    codes : ndarray of int64
        Index into ``classes`` of each example.
    weights : ndarray or None
        Balanced sample weights (``class_weight="balanced"``), else None.
    groups : ndarray or None
        Group of each example, for the held-out set of early stopping.
    """

    classes: np.ndarray
    codes: np.ndarray
    weights: np.ndarray | None
    groups: np.ndarray | None

    def subset(self, mask: np.ndarray) -> EncodedLabels:
        """The examples selected by ``mask`` (same classes; weights and groups follow)."""
        return EncodedLabels(self.classes, self.codes[mask],
                             None if self.weights is None else self.weights[mask],
                             None if self.groups is None else self.groups[mask])

    @property
    def counts(self) -> dict[str, int]:
        """Training examples per class."""
        return {str(c): int(k) for c, k in
                zip(self.classes, np.bincount(self.codes, minlength=len(self.classes)),
                    strict=True)}


def encode_labels(labels: np.ndarray, *, groups: Any = None, class_weight: str | None =
                  "balanced", what: str = "examples",
                  file: str | Path | None = None) -> EncodedLabels:
    """Codes, weights and checked groups for one class name per example.

    Parameters
    ----------
    labels : ndarray of str
        Class of each example (already checked for missing values).
    groups : array-like, optional
        One group per example.
    class_weight : {"balanced", None}, default "balanced"
        Balanced weights make every class count the same in the loss.
    what : str, default "examples"
        What the examples are (``"images"``, ``"views"``), for the messages.
    file : str or Path, optional
        Named in error messages.

    Returns
    -------
    EncodedLabels

    Examples
    --------
    >>> enc = encode_labels(np.array(["Blip", "Whistle", "Blip"]))
    >>> enc.classes.tolist(), enc.codes.tolist(), enc.counts
    (['Blip', 'Whistle'], [0, 1, 0], {'Blip': 2, 'Whistle': 1})
    >>> enc.weights.round(2).tolist()
    [0.75, 1.5, 0.75]
    """
    if class_weight not in ("balanced", None):
        raise AstrolearnInputError(f"class_weight must be 'balanced' or None, got "
                                   f"{class_weight!r}", fix="use 'balanced' or None")
    labels = np.asarray(labels)
    n = len(labels)
    classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise AstrolearnInputError(f"only one class in the labels ({str(classes[0])!r})"
                                   if len(classes) else "no labels", file=file,
                                   fix="train on at least two classes")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise AstrolearnInputError(f"{groups.size} groups for {n} {what}", file=file,
                                       fix=f"give one group per {what.rstrip('s')}")
    weights = None
    if class_weight == "balanced":
        from sklearn.utils.class_weight import compute_sample_weight

        weights = compute_sample_weight("balanced", codes)
    return EncodedLabels(classes.astype(object), codes.astype(np.int64), weights, groups)


def fit_network(net: Any, inputs: np.ndarray, encoded: EncodedLabels, progress: Any = False,
                file: str | Path | None = None) -> Any:
    """Train ``net`` (an image or glitch network) on ``inputs`` with ``encoded`` labels.

    Errors of the network name ``file``. Returns the trained network.

    Examples
    --------
    >>> from astrolearn.glitches.network import GlitchNetwork
    >>> views = np.random.default_rng(0).exponential(size=(40, 1, 8, 8)).astype(np.float32)
    >>> enc = encode_labels(np.repeat(["a", "b"], 20))
    >>> net = fit_network(GlitchNetwork(mode="single", window=0, width=2, epochs=1), views,
    ...                   enc)
    >>> net.predict_proba(views).shape
    (40, 2)
    """
    try:
        net.fit(inputs, encoded.codes, n_classes=len(encoded.classes), groups=encoded.groups,
                sample_weight=encoded.weights, progress=progress)
    except AstrolearnInputError as err:
        raise err.in_file(file) from None
    return net
