"""Mixture density network: a PyTorch network that outputs a Gaussian mixture in ln(1+z).

The network maps standardised features to the weights, means and widths of
``n_components`` Gaussians in u = ln(1 + z) (Bishop 1994; D'Isanto & Polsterer 2018), and
is trained by maximum likelihood. Working in ln(1 + z) makes a constant width a constant
fractional error in 1 + z, as photo-z errors are. Multimodal PDFs (a quasar whose Lyman-
alpha break could sit in one of two bands) come out as separate components.

Photometric noise is used, when magnitude errors are given, by augmentation: at every
training step each measured magnitude is redrawn within its error inside the network's
input layer, and the features computed from it (colours) move with it, so the network
learns what the data can and cannot tell apart at each depth.

Examples
--------
>>> from astrolearn.photoz.pdf import make_grid
>>> rng = np.random.default_rng(0)
>>> x = rng.uniform(0, 1, (600, 1)); z = 2 * x[:, 0] + rng.normal(0, 0.05, 600)
>>> mdn = MDNDensity(n_components=2, epochs=30, hidden=(16,)).fit(x, z, make_grid(0, 3, 61))
>>> mdn.predict_pdf(x[:2]).shape
(2, 61)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import rng_scope
from astrolearn.nn.training import fit_module, predict_batches
from astrolearn.photoz.pdf import gaussian_mixture_on_grid, normalise_pdfs

__all__ = ["MDNDensity"]

_MIN_LOG_SIGMA, _MAX_LOG_SIGMA = -7.0, 1.0


class _MixtureNet(nn.Module):
    """Standardise, optionally add photometric noise, then an MLP to mixture parameters."""

    def __init__(self, n_features: int, hidden: tuple[int, ...], n_components: int,
                 mean: np.ndarray, scale: np.ndarray, noise_map: np.ndarray | None) -> None:
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        n_bands = 0 if noise_map is None else noise_map.shape[0]
        self.register_buffer("noise_map", torch.as_tensor(
            np.zeros((0, n_features)) if noise_map is None else noise_map, dtype=torch.float32))
        self.n_bands = n_bands
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.GELU()]
            width = size
        layers.append(nn.Linear(width, 3 * n_components))
        self.body = nn.Sequential(*layers)
        self.k = n_components

    def forward(self, x: torch.Tensor, band_errors: torch.Tensor | None = None):
        if self.training and band_errors is not None and self.n_bands:
            x = x + (torch.randn_like(band_errors) * band_errors) @ self.noise_map
        out = self.body((x - self.mean) / self.scale)
        log_w = torch.log_softmax(out[:, :self.k], dim=1)
        log_sigma = out[:, 2 * self.k:].clamp(_MIN_LOG_SIGMA, _MAX_LOG_SIGMA)
        return log_w, out[:, self.k:2 * self.k], log_sigma


def _mixture_nll(outputs, u: torch.Tensor) -> torch.Tensor:
    log_w, mu, log_sigma = outputs
    z = (u[:, None] - mu) / log_sigma.exp()
    log_p = log_w - log_sigma - 0.5 * z * z - 0.5 * np.log(2 * np.pi)
    return -torch.logsumexp(log_p, dim=1)


class MDNDensity:
    """Conditional redshift density from a Gaussian-mixture network in ln(1 + z).

    Parameters
    ----------
    n_components : int, default 6
        Gaussians per object.
    hidden : tuple of int, default (128, 128, 128)
        Hidden-layer widths.
    epochs, batch_size, learning_rate, weight_decay
        Training settings (AdamW, one-cycle learning rate).
    validation_fraction : float, default 0.1
        Rows held out to pick the best epoch (0: train on all, keep the last epoch).
    random_state : int, default 0
    device : str, default "cpu"
    num_threads : int, optional
        PyTorch CPU threads while training.
    n_networks : int, default 2
        Networks trained from different seeds (``random_state``, ``random_state + 1``, ...)
        whose PDFs are averaged: a small deep ensemble, steadier than one network (see
        benchmarks/RESULTS.md for one- and two-network runs of the same benchmarks).
    """

    name = "mdn"

    def __init__(self, n_components: int = 6, hidden: tuple[int, ...] = (128, 128, 128), *,
                 epochs: int = 150, batch_size: int = 256, learning_rate: float = 3e-3,
                 weight_decay: float = 1e-4, validation_fraction: float = 0.1,
                 random_state: int = 0, device: str = "cpu",
                 num_threads: int | None = None, n_networks: int = 2) -> None:
        self.n_networks = int(n_networks)
        self.n_components = int(n_components)
        self.hidden = tuple(int(h) for h in hidden)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.validation_fraction = float(validation_fraction)
        self.random_state = int(random_state)
        self.device = device
        self.num_threads = num_threads

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-serialisable data."""
        return {"n_components": self.n_components, "hidden": list(self.hidden),
                "epochs": self.epochs, "batch_size": self.batch_size,
                "learning_rate": self.learning_rate, "weight_decay": self.weight_decay,
                "validation_fraction": self.validation_fraction,
                "random_state": self.random_state, "n_networks": self.n_networks}

    def fit(self, X: np.ndarray, z: np.ndarray, zgrid: np.ndarray, *,
            band_errors: np.ndarray | None = None,
            noise_map: np.ndarray | None = None) -> MDNDensity:
        """Train on features ``X`` (n, f) and redshifts ``z``.

        ``band_errors`` (n, b) and ``noise_map`` (b, f) turn on noise augmentation: a
        magnitude change d (one per band) changes the features by ``d @ noise_map``.
        """
        X = np.asarray(X, dtype=np.float32)
        z = np.asarray(z, dtype=np.float64)
        if np.any(z <= -1):
            raise AstrolearnInputError("redshifts must be greater than -1", column="redshift",
                                       fix="drop rows with invalid redshifts")
        self.zgrid_ = np.asarray(zgrid, dtype=np.float64)
        scale = X.std(axis=0)
        inputs = (X,) if band_errors is None else (X, np.asarray(band_errors, np.float32))
        self.nets_, self.history_ = [], []
        for k in range(max(1, self.n_networks)):
            seed = self.random_state + k
            with rng_scope(seed):  # same seed, same initial weights
                net = _MixtureNet(X.shape[1], self.hidden, self.n_components,
                                  X.mean(axis=0), np.where(scale > 0, scale, 1.0),
                                  noise_map if band_errors is not None else None)
            self.history_.append(fit_module(
                net, _mixture_nll, inputs, np.log1p(z).astype(np.float32),
                epochs=self.epochs, batch_size=self.batch_size,
                learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                validation_fraction=self.validation_fraction, patience=None,
                schedule="onecycle", grad_clip=10.0, random_state=seed, device=self.device,
                num_threads=self.num_threads))
            self.nets_.append(net)
        return self

    def mixture(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights, means and widths (in ln(1 + z)) of each object's Gaussians (those of
        all networks, each network's weights divided by their number)."""
        parts = [predict_batches(net, np.asarray(X, dtype=np.float32), device="cpu")
                 for net in self.nets_]
        weights = np.concatenate([np.exp(p[0]) for p in parts], axis=1) / len(parts)
        return (weights, np.concatenate([p[1] for p in parts], axis=1),
                np.concatenate([np.exp(p[2]) for p in parts], axis=1))

    def predict_pdf(self, X: np.ndarray) -> np.ndarray:
        """PDFs on ``zgrid_``, shape (n, len(zgrid_))."""
        weights, mu, sigma = self.mixture(X)
        u = np.log1p(self.zgrid_)
        # p(z) = p(u) / (1 + z); evaluate the mixture at u(z) on the z grid
        pdfs = gaussian_mixture_on_grid(u, mu, sigma, weights, normalise=False) / (
            1.0 + self.zgrid_)
        return normalise_pdfs(pdfs, self.zgrid_)

    # -------------------------------------------------------------- persistence
    def get_arrays(self) -> dict[str, np.ndarray]:
        """The networks' weights and buffers as numpy arrays (for safetensors)."""
        arrays = {f"net{k}.{name}": value.detach().cpu().numpy().copy()
                  for k, net in enumerate(self.nets_)
                  for name, value in net.state_dict().items()}
        arrays["zgrid"] = self.zgrid_
        return arrays

    @classmethod
    def from_parts(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> MDNDensity:
        """Rebuild fitted networks from :meth:`get_config` and :meth:`get_arrays`."""
        self = cls(**config)
        self.nets_ = []
        for k in range(self.n_networks):
            state = {name.split(".", 1)[1]: value for name, value in arrays.items()
                     if name.startswith(f"net{k}.")}
            noise_map = state["noise_map"]
            with rng_scope(0):  # initial weights are overwritten; leave the global state
                net = _MixtureNet(state["mean"].shape[0], self.hidden, self.n_components,
                                  state["mean"], state["scale"],
                                  noise_map if noise_map.shape[0] else None)
            net.load_state_dict({name: torch.as_tensor(v) for name, v in state.items()})
            net.eval()
            self.nets_.append(net)
        self.zgrid_ = arrays["zgrid"]
        return self

    def save(self, folder: Path, prefix: str) -> dict[str, str]:
        """Write the weights as safetensors; return the manifest's file entries."""
        from safetensors.numpy import save_file

        name = f"{prefix}.safetensors"
        save_file({k: np.ascontiguousarray(v) for k, v in self.get_arrays().items()},
                  str(Path(folder) / name))
        return {prefix: name}

    @classmethod
    def load(cls, folder: Path, files: dict[str, str], prefix: str,
             config: dict[str, Any]) -> MDNDensity:
        """Read what :meth:`save` wrote."""
        from safetensors.numpy import load_file

        return cls.from_parts(config, load_file(str(Path(folder) / files[prefix])))

