"""FlexCode conditional densities with LightGBM: a cosine-basis expansion of p(z | x).

FlexCode (Izbicki & Lee 2017; FlexZBoost in RAIL, Schmidt et al. 2020) writes the density
on [z_min, z_max] as p(z | x) = sum_j beta_j(x) phi_j(z) with an orthonormal cosine basis.
Since beta_j(x) = E[phi_j(z) | x], each coefficient is an ordinary regression, here one
LightGBM model per coefficient (early-stopped on held-out rows). The expansion is then
cut to the number of terms, and sharpened by the power, that give the lowest CDE loss on
those held-out rows; negative wiggles are removed by lowering the curve until it
integrates to one.

Examples
--------
>>> from astrolearn.photoz.pdf import make_grid
>>> rng = np.random.default_rng(0)
>>> x = rng.uniform(0, 1, (800, 2)); z = x[:, 0] + 0.05 * rng.normal(size=800) + 0.2
>>> fc = FlexCodeDensity(n_basis=10, n_estimators=50).fit(x, z, make_grid(0, 1.5, 76))
>>> fc.predict_pdf(x[:2]).shape
(2, 76)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from astrolearn.photoz.pdf import normalise_pdfs

__all__ = ["FlexCodeDensity", "cosine_basis"]


def cosine_basis(t: np.ndarray, n_basis: int) -> np.ndarray:
    """The orthonormal cosine basis on [0, 1]: 1, sqrt(2) cos(pi j t), shape (len(t), n).

    Examples
    --------
    >>> cosine_basis(np.array([0.0, 1.0]), 3).round(3).tolist()
    [[1.0, 1.414, 1.414], [1.0, -1.414, 1.414]]
    """
    j = np.arange(n_basis)
    basis = np.sqrt(2.0) * np.cos(np.pi * np.asarray(t, dtype=np.float64)[:, None] * j)
    basis[:, 0] = 1.0
    return basis


def _remove_negative(density: np.ndarray, zgrid: np.ndarray, iterations: int = 40
                     ) -> np.ndarray:
    """Replace f by max(f - delta, 0) with delta per row so that it integrates to one."""
    step = np.gradient(zgrid)
    lo = np.full(len(density), density.min(axis=1).clip(max=0) - 1.0)
    hi = density.max(axis=1)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        area = (np.clip(density - mid[:, None], 0, None) * step).sum(axis=1)
        too_much = area > 1.0
        lo = np.where(too_much, mid, lo)
        hi = np.where(too_much, hi, mid)
    return np.clip(density - lo[:, None], 0, None)


class FlexCodeDensity:
    """Conditional redshift density from boosted regressions of cosine-basis coefficients.

    Parameters
    ----------
    n_basis : int, default 35
        Basis functions fitted (the number used is chosen on held-out rows).
    sharpen : sequence of float, default (1.0, 1.2, 1.4, 1.6, 1.8, 2.0)
        Candidate powers applied to the density before renormalising.
    n_estimators, learning_rate, num_leaves, min_child_samples
        LightGBM settings per coefficient (early stopping after 50 rounds without gain).
    holdout_fraction : float, default 0.2
        Training rows kept aside for early stopping and for the choices above.
    random_state : int, default 0
    n_jobs : int, optional
        LightGBM threads.
    """

    name = "flexcode"

    def __init__(self, n_basis: int = 35, sharpen=(1.0, 1.2, 1.4, 1.6, 1.8, 2.0), *,
                 n_estimators: int = 1000, learning_rate: float = 0.05, num_leaves: int = 31,
                 min_child_samples: int = 20, holdout_fraction: float = 0.2,
                 random_state: int = 0, n_jobs: int | None = None) -> None:
        self.n_basis = int(n_basis)
        self.sharpen = tuple(float(a) for a in np.atleast_1d(sharpen))
        self.n_estimators = int(n_estimators)
        self.learning_rate = float(learning_rate)
        self.num_leaves = int(num_leaves)
        self.min_child_samples = int(min_child_samples)
        self.holdout_fraction = float(holdout_fraction)
        self.random_state = int(random_state)
        self.n_jobs = n_jobs

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-serialisable data."""
        return {"n_basis": self.n_basis, "sharpen": list(self.sharpen),
                "n_estimators": self.n_estimators, "learning_rate": self.learning_rate,
                "num_leaves": self.num_leaves, "min_child_samples": self.min_child_samples,
                "holdout_fraction": self.holdout_fraction, "random_state": self.random_state}

    def _t(self, z: np.ndarray) -> np.ndarray:
        return np.clip((z - self.zgrid_[0]) / (self.zgrid_[-1] - self.zgrid_[0]), 0.0, 1.0)

    def _coefficients(self, X: np.ndarray, n_terms: int) -> np.ndarray:
        beta = np.ones((len(X), n_terms))
        for j in range(1, n_terms):
            beta[:, j] = self.boosters_[j - 1].predict(X, num_threads=self.n_jobs or 0)
        return beta

    def _density(self, beta: np.ndarray, n_terms: int, alpha: float) -> np.ndarray:
        basis = cosine_basis(self._t(self.zgrid_), n_terms)
        density = beta[:, :n_terms] @ basis.T / (self.zgrid_[-1] - self.zgrid_[0])
        density = _remove_negative(density, self.zgrid_)
        if alpha != 1.0:
            density = density ** alpha
        return normalise_pdfs(density, self.zgrid_)

    def fit(self, X: np.ndarray, z: np.ndarray, zgrid: np.ndarray, **_ignored
            ) -> FlexCodeDensity:
        """Fit one booster per coefficient, then choose the cut and sharpening."""
        import lightgbm as lgb

        from astrolearn.photoz.metrics import cde_loss

        X = np.asarray(X, dtype=np.float32)
        z = np.asarray(z, dtype=np.float64)
        self.zgrid_ = np.asarray(zgrid, dtype=np.float64)
        rng = np.random.default_rng(self.random_state)
        held = rng.random(len(z)) < self.holdout_fraction
        if held.sum() < 20:
            held = np.zeros(len(z), dtype=bool)
        basis = cosine_basis(self._t(z), self.n_basis)
        params = {"objective": "regression", "learning_rate": self.learning_rate,
                  "num_leaves": self.num_leaves, "min_child_samples": self.min_child_samples,
                  "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
                  "seed": self.random_state, "verbose": -1,
                  "num_threads": self.n_jobs or 0, "deterministic": True}
        train_set = lgb.Dataset(X[~held], free_raw_data=False, params={"verbose": -1})
        train_set.construct()
        self.boosters_ = []
        for j in range(1, self.n_basis):
            data = lgb.Dataset(X[~held], label=basis[~held, j], reference=train_set)
            callbacks, valid = [], []
            if held.any():
                valid = [lgb.Dataset(X[held], label=basis[held, j], reference=train_set)]
                callbacks = [lgb.early_stopping(50, verbose=False)]
            booster = lgb.train(params, data, num_boost_round=self.n_estimators,
                                valid_sets=valid, callbacks=callbacks)
            self.boosters_.append(booster)
        self.n_terms_, self.alpha_ = self.n_basis, 1.0
        self.scores_ = {}
        if held.any():
            beta = self._coefficients(X[held], self.n_basis)
            for n_terms in range(5, self.n_basis + 1, 5):
                for alpha in self.sharpen:
                    pdfs = self._density(beta, n_terms, alpha)
                    self.scores_[(n_terms, alpha)] = cde_loss(pdfs, self.zgrid_, z[held])
            self.n_terms_, self.alpha_ = min(self.scores_, key=self.scores_.get)
            self.scores_ = {f"terms={n}, sharpen={a}": float(v)
                            for (n, a), v in self.scores_.items()}
        return self

    def predict_pdf(self, X: np.ndarray) -> np.ndarray:
        """PDFs on ``zgrid_``, shape (n, len(zgrid_))."""
        X = np.asarray(X, dtype=np.float32)
        return self._density(self._coefficients(X, self.n_terms_), self.n_terms_, self.alpha_)

    # -------------------------------------------------------------- persistence
    def save(self, folder: Path, prefix: str) -> dict[str, str]:
        """Write each booster as LightGBM text and the choices as ``.npz``."""
        files = {}
        for j, booster in enumerate(self.boosters_[: self.n_terms_ - 1], start=1):
            name = f"{prefix}_coefficient_{j:02d}.txt"
            booster.save_model(str(Path(folder) / name))
            files[f"{prefix}_coefficient_{j:02d}"] = name
        np.savez(Path(folder) / f"{prefix}.npz", zgrid=self.zgrid_,
                 n_terms=np.array(self.n_terms_), alpha=np.array(self.alpha_))
        files[prefix] = f"{prefix}.npz"
        return files

    @classmethod
    def load(cls, folder: Path, files: dict[str, str], prefix: str,
             config: dict[str, Any]) -> FlexCodeDensity:
        """Read what :meth:`save` wrote."""
        import lightgbm as lgb

        self = cls(**config)
        with np.load(Path(folder) / files[prefix], allow_pickle=False) as data:
            self.zgrid_ = data["zgrid"]
            self.n_terms_, self.alpha_ = int(data["n_terms"]), float(data["alpha"])
        self.boosters_ = [lgb.Booster(model_file=str(Path(folder) / files[
            f"{prefix}_coefficient_{j:02d}"])) for j in range(1, self.n_terms_)]
        self.scores_ = {}
        return self
