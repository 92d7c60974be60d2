"""Training weights that make a transient classifier independent of redshift rates.

A spectroscopically selected training set is not only brighter and closer than the
photometric sample: its class mix changes with redshift (at high redshift only the
brightest classes were confirmed), and a classifier learns that mix as if it were
physics — "faint and far means type Ia". Avocado (Boone 2019, AJ 158, 257, §5.3) removes
it with *rates-independent* weights: the redshift range is cut into logarithmic bins and
every class gets the same total weight in every bin, so that the training set says
nothing about how common each class is at a given redshift. Combined with redshift
augmentation, which fills the high-redshift bins, this is the classifier avocado trained
for surveys whose rates are unknown.
"""

from __future__ import annotations

import numpy as np

from astrolearn.errors import AstrolearnInputError

__all__ = ["redshift_class_weights"]

#: Objects a (redshift bin, class) cell is weighted as if it held at least (avocado floors
#: the counts so that a few objects in a sparse bin do not get absurd weights).
MIN_BIN_COUNT = 5


def redshift_class_weights(redshift, codes, n_bins: int = 10, *,
                           min_count: int = MIN_BIN_COUNT) -> np.ndarray:
    """Weights giving every class the same total weight in every redshift bin.

    Parameters
    ----------
    redshift : array of float
        Redshift of each object; NaN or ``<= 0`` (galactic, unknown) share one extra bin.
    codes : array of int
        Class code of each object.
    n_bins : int, default 10
        Logarithmically spaced bins between the lowest and highest positive redshift.
    min_count : int, default 5
        Each (bin, class) cell is weighted as if it held at least this many objects.

    Returns
    -------
    ndarray
        One weight per object, ``1 / max(count of its cell, min_count)``, scaled to mean 1.

    Examples
    --------
    >>> w = redshift_class_weights([0.1, 0.1, 0.1, 1.0], [0, 0, 1, 1], n_bins=2, min_count=1)
    >>> [round(float(v), 3) for v in w]
    [0.667, 0.667, 1.333, 1.333]
    """
    z = np.asarray(redshift, dtype=float)
    codes = np.asarray(codes, dtype=int)
    if z.shape != codes.shape:
        raise AstrolearnInputError(f"{z.size} redshifts for {codes.size} class codes",
                                   fix="give one redshift per object")
    if int(n_bins) < 1 or int(min_count) < 1:
        raise AstrolearnInputError(f"n_bins {n_bins!r} / min_count {min_count!r}",
                                   fix="give at least one bin and a count of at least 1")
    extragalactic = np.isfinite(z) & (z > 0)
    cell_bin = np.zeros(z.size, dtype=int)  # bin 0: galactic or unknown redshift
    if extragalactic.any():
        low, high = z[extragalactic].min(), z[extragalactic].max()
        edges = np.geomspace(low, max(high, low * (1 + 1e-9)), int(n_bins) + 1)
        inner = np.searchsorted(edges, z[extragalactic], side="right") - 1
        cell_bin[extragalactic] = 1 + np.clip(inner, 0, int(n_bins) - 1)
    counts = np.zeros((int(n_bins) + 1, codes.max() + 1 if codes.size else 1))
    np.add.at(counts, (cell_bin, codes), 1.0)
    weights = 1.0 / np.maximum(counts, min_count)[cell_bin, codes]
    return weights / weights.mean() if weights.size else weights
