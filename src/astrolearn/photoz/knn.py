"""k-nearest-neighbour redshift PDFs: a weighted kernel sum of the neighbours' redshifts.

The neighbours are found in standardised feature space (colours and one magnitude by
default). Each neighbour contributes a Gaussian at its redshift, weighted by inverse
distance, of width ``bandwidth * (1 + z)``. The number of neighbours and the bandwidth are
chosen on a held-out fifth of the training rows by the CDE loss, as RAIL's KNN estimator
does; then the search index holds every training row.

Examples
--------
>>> from astrolearn.photoz.pdf import make_grid
>>> rng = np.random.default_rng(0)
>>> x = rng.uniform(0, 1, (500, 2)); z = x[:, 0] + x[:, 1]
>>> knn = KNNDensity().fit(x, z, make_grid(0, 2.5, 126))
>>> knn.predict_pdf(x[:3]).shape
(3, 126)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from astrolearn.photoz.pdf import normalise_pdfs

__all__ = ["KNNDensity"]


class KNNDensity:
    """Conditional redshift density from the nearest training objects.

    Parameters
    ----------
    n_neighbors : sequence of int, default (10, 20, 40)
        Candidate numbers of neighbours (the best on held-out rows is kept).
    bandwidths : sequence of float, default (0.005, 0.01, 0.02, 0.04)
        Candidate kernel widths in units of 1 + z.
    random_state : int, default 0
        Seed of the held-out split used for the choice.
    n_jobs : int, optional
        Threads for the neighbour search.
    """

    name = "knn"

    def __init__(self, n_neighbors=(10, 20, 40), bandwidths=(0.005, 0.01, 0.02, 0.04), *,
                 random_state: int = 0, n_jobs: int | None = None) -> None:
        self.n_neighbors = tuple(int(k) for k in np.atleast_1d(n_neighbors))
        self.bandwidths = tuple(float(b) for b in np.atleast_1d(bandwidths))
        self.random_state = int(random_state)
        self.n_jobs = n_jobs

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-serialisable data."""
        return {"n_neighbors": list(self.n_neighbors), "bandwidths": list(self.bandwidths),
                "random_state": self.random_state}

    def _pdfs(self, index: NearestNeighbors, z_train: np.ndarray, X: np.ndarray, k: int,
              bandwidth: float, exclude_self: bool = False) -> np.ndarray:
        distance, neighbour = index.kneighbors(X, n_neighbors=k + int(exclude_self))
        if exclude_self:
            distance, neighbour = distance[:, 1:], neighbour[:, 1:]
        weight = 1.0 / (distance + 1e-3)
        weight /= weight.sum(axis=1, keepdims=True)
        centres = z_train[neighbour]
        widths = bandwidth * (1.0 + centres)
        pdfs = np.zeros((len(X), self.zgrid_.size))
        for j in range(k):
            u = (self.zgrid_[None, :] - centres[:, j:j + 1]) / widths[:, j:j + 1]
            pdfs += weight[:, j:j + 1] * np.exp(-0.5 * u * u) / widths[:, j:j + 1]
        return normalise_pdfs(pdfs, self.zgrid_)

    def fit(self, X: np.ndarray, z: np.ndarray, zgrid: np.ndarray, **_ignored) -> KNNDensity:
        """Index the training rows and choose k and the bandwidth on held-out rows."""
        from astrolearn.photoz.metrics import cde_loss

        X = np.asarray(X, dtype=np.float64)
        z = np.asarray(z, dtype=np.float64)
        self.zgrid_ = np.asarray(zgrid, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Xs = (X - self.mean_) / self.scale_
        rng = np.random.default_rng(self.random_state)
        held = rng.random(len(z)) < 0.2
        k_max = max(self.n_neighbors)
        if held.sum() >= 20 and (~held).sum() > k_max:
            index = NearestNeighbors(n_jobs=self.n_jobs).fit(Xs[~held])
            scores = {(k, b): cde_loss(self._pdfs(index, z[~held], Xs[held], k, b),
                                       self.zgrid_, z[held])
                      for k in self.n_neighbors for b in self.bandwidths}
            self.k_, self.bandwidth_ = min(scores, key=scores.get)
            self.scores_ = {f"k={k}, bandwidth={b}": float(v) for (k, b), v in scores.items()}
        else:
            self.k_, self.bandwidth_ = min(self.n_neighbors[0], len(z)), self.bandwidths[0]
            self.scores_ = {}
        self.X_, self.z_ = Xs.astype(np.float32), z
        self.index_ = NearestNeighbors(n_jobs=self.n_jobs).fit(self.X_)
        return self

    def predict_pdf(self, X: np.ndarray) -> np.ndarray:
        """PDFs on ``zgrid_``, shape (n, len(zgrid_))."""
        Xs = ((np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_).astype(np.float32)
        return self._pdfs(self.index_, self.z_, Xs, min(self.k_, len(self.z_)),
                          self.bandwidth_)

    # -------------------------------------------------------------- persistence
    def save(self, folder: Path, prefix: str) -> dict[str, str]:
        """Write the training rows and choices as ``.npz`` (no object arrays)."""
        name = f"{prefix}.npz"
        np.savez(Path(folder) / name, X=self.X_, z=self.z_, mean=self.mean_, scale=self.scale_,
                 zgrid=self.zgrid_, k=np.array(self.k_), bandwidth=np.array(self.bandwidth_))
        return {prefix: name}

    @classmethod
    def load(cls, folder: Path, files: dict[str, str], prefix: str,
             config: dict[str, Any]) -> KNNDensity:
        """Read what :meth:`save` wrote."""
        self = cls(**config)
        with np.load(Path(folder) / files[prefix], allow_pickle=False) as data:
            self.X_, self.z_ = data["X"], data["z"]
            self.mean_, self.scale_, self.zgrid_ = data["mean"], data["scale"], data["zgrid"]
            self.k_, self.bandwidth_ = int(data["k"]), float(data["bandwidth"])
        self.index_ = NearestNeighbors(n_jobs=self.n_jobs).fit(self.X_)
        self.scores_ = {}
        return self
