"""AstroNet: the two-branch 1-D convolutional network of Shallue & Vanderburg (2018).

One branch reads the global view (the whole phase-folded orbit), the other the local view
(a few transit durations around the event); their flattened outputs are joined with the
scalar features (period, depth, SNR, stellar parameters, standardised inside the network)
and go through fully connected layers to class logits. Each convolutional block is two
``Conv1d`` (kernel 5, ReLU) and a max-pool of stride 2, as in the paper (global: 5 blocks
of 16 to 256 channels, pool 5; local: 2 blocks of 16 and 32 channels, pool 7; 4 dense
layers of 512). ``width`` scales every channel count and ``dense`` the dense layers, so
that the same architecture fits a laptop CPU (the defaults here are the paper's halved).

Training augments by time reversal of both views with probability 1/2, which Shallue &
Vanderburg used: a transit is symmetric, so the label cannot depend on the direction of
time, and the network sees twice as many distinct examples. Training runs through the
shared loop :func:`astrolearn.nn.training.fit_module` (early stopping on a held-out part
that the caller can group by star).

Why written here: the authors' code (google-research/exoplanet-ml) is TensorFlow 1 and is
not packaged; the network is ~60 lines of PyTorch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import rng_scope
from astrolearn.nn.training import fit_module, group_holdout, resolve_seed
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["AstroNetwork"]


def _branch(length: int, blocks: int, width: int, pool: int) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    channels = 1
    for block in range(blocks):
        out = width * 2**block
        layers += [nn.Conv1d(channels, out, 5, padding=2), nn.ReLU(),
                   nn.Conv1d(out, out, 5, padding=2), nn.ReLU()]
        channels = out
        if length >= pool:  # pool only while the view is still longer than the window
            layers.append(nn.MaxPool1d(pool, stride=2))
            length = (length - pool) // 2 + 1
    return nn.Sequential(*layers), channels * length


class _AstroNet(nn.Module):
    def __init__(self, global_bins: int, local_bins: int, n_scalar: int, n_classes: int,
                 width: int, dense: int, dense_layers: int, dropout: float,
                 scalar_mean: np.ndarray, scalar_scale: np.ndarray, flip: bool) -> None:
        super().__init__()
        self.register_buffer("scalar_mean", torch.as_tensor(scalar_mean, dtype=torch.float32))
        self.register_buffer("scalar_scale", torch.as_tensor(scalar_scale, dtype=torch.float32))
        self.flip = flip
        self.global_branch, n_global = _branch(global_bins, 5, width, 5)
        self.local_branch, n_local = _branch(local_bins, 2, width, 7)
        head: list[nn.Module] = []
        n_in = n_global + n_local + n_scalar
        for _ in range(dense_layers):
            head += [nn.Linear(n_in, dense), nn.ReLU(), nn.Dropout(dropout)]
            n_in = dense
        head.append(nn.Linear(n_in, n_classes))
        self.head = nn.Sequential(*head)

    def forward(self, global_view: torch.Tensor, local_view: torch.Tensor,
                scalars: torch.Tensor) -> torch.Tensor:
        if self.training and self.flip:
            reverse = torch.rand(global_view.shape[0], device=global_view.device) < 0.5
            global_view = torch.where(reverse[:, None], global_view.flip(1), global_view)
            local_view = torch.where(reverse[:, None], local_view.flip(1), local_view)
        g = self.global_branch(global_view[:, None, :]).flatten(1)
        loc = self.local_branch(local_view[:, None, :]).flatten(1)
        z = torch.nan_to_num((scalars - self.scalar_mean) / self.scalar_scale)
        return self.head(torch.cat([g, loc, z], dim=1))


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target, reduction="none")


class AstroNetwork:
    """Two-branch CNN on global and local views plus scalar features (see module docstring).

    Parameters
    ----------
    width : int, default 8
        Channels of the first convolution (doubling per block; the paper used 16).
    dense : int, default 256
        Units of each dense layer (the paper: 512).
    dense_layers : int, default 3
    dropout : float, default 0.3
    flip : bool, default True
        Augment by time reversal of the views during training.
    epochs : int, default 60
    batch_size : int, default 128
    learning_rate : float, default 1e-3
    patience : int, default 15
        Epochs without improvement of the held-out loss before training stops (small sets
        can sit on a plateau for the first ten epochs or so).
    n_networks : int, default 1
        Networks trained from seeds ``random_state, random_state + 1, ...`` whose
        probabilities are averaged (Shallue & Vanderburg averaged ten): the spread between
        runs of one network is large on small, imbalanced training sets.
    random_state : int, default 0

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = rng.normal(0, 0.1, (60, 41)).astype(np.float32)
    >>> loc = rng.normal(0, 0.1, (60, 21)).astype(np.float32)
    >>> y = np.repeat([0, 1], 30)
    >>> loc[y == 1, 8:13] -= 1.0  # class 1 has a transit in the local view
    >>> none = np.zeros((60, 0))
    >>> net = AstroNetwork(width=4, dense=16, epochs=30, learning_rate=0.01)
    >>> net = net.fit(g, loc, none, y, n_classes=2)
    >>> bool((net.predict_proba(g, loc, none).argmax(1) == y).mean() > 0.9)
    True
    """

    def __init__(self, width: int = 8, dense: int = 256, dense_layers: int = 3,
                 dropout: float = 0.3, flip: bool = True, epochs: int = 60,
                 batch_size: int = 128, learning_rate: float = 1e-3, patience: int = 15,
                 n_networks: int = 1, random_state: int = 0) -> None:
        self.width = width
        self.dense = dense
        self.dense_layers = dense_layers
        self.dropout = dropout
        self.flip = flip
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.n_networks = n_networks
        self.random_state = random_state

    _CONFIG = ("width", "dense", "dense_layers", "dropout", "flip", "epochs", "batch_size",
               "learning_rate", "patience", "n_networks", "random_state")

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON)."""
        return {k: getattr(self, k) for k in self._CONFIG}

    def _build(self, shapes: dict[str, int], mean: np.ndarray, scale: np.ndarray) -> None:
        for name in ("width", "dense", "dense_layers", "epochs", "batch_size", "n_networks"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise AstrolearnInputError(f"AstroNetwork {name} must be a positive integer, "
                                           f"got {value!r}")
        self.shapes_ = dict(shapes)
        self.nets_ = []
        for k in range(int(self.n_networks)):
            with rng_scope(resolve_seed(self.random_state) + k):
                self.nets_.append(_AstroNet(
                    shapes["global_bins"], shapes["local_bins"], shapes["n_scalar"],
                    shapes["n_classes"], self.width, self.dense, self.dense_layers,
                    self.dropout, mean, scale, self.flip))
        self.net_ = self.nets_[0]

    @staticmethod
    def _arrays(global_view, local_view, scalars) -> tuple[np.ndarray, ...]:
        g = np.ascontiguousarray(global_view, dtype=np.float32)
        loc = np.ascontiguousarray(local_view, dtype=np.float32)
        s = np.ascontiguousarray(scalars, dtype=np.float32)
        if s.ndim == 1:
            s = s[:, None]
        if g.ndim != 2 or loc.ndim != 2 or s.ndim != 2 or not len(g) == len(loc) == len(s):
            raise AstrolearnInputError(
                f"views and scalars must be 2-D arrays with one row per signal, got shapes "
                f"{g.shape}, {loc.shape} and {s.shape}",
                fix="stack one global view, one local view and one row of scalars per signal")
        return g, loc, s

    def fit(self, global_view: np.ndarray, local_view: np.ndarray, scalars: np.ndarray,
            y: np.ndarray, *, n_classes: int, sample_weight: np.ndarray | None = None,
            groups: np.ndarray | None = None, progress: bool = False) -> AstroNetwork:
        """Train on views ``(n, bins)``, scalars ``(n, k)`` and integer class codes ``y``.

        ``groups`` (e.g. the star of each signal) keeps every member of a group on the same
        side of the early-stopping split, so that stopping is not tuned on a star already
        seen in training.
        """
        g, loc, s = self._arrays(global_view, local_view, scalars)
        y = np.asarray(y, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(s, axis=0) if len(s) and s.shape[1] else np.zeros(s.shape[1])
            scale = np.nanstd(s, axis=0) if len(s) and s.shape[1] else np.ones(s.shape[1])
        mean = np.nan_to_num(mean)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        self._build({"global_bins": g.shape[1], "local_bins": loc.shape[1],
                     "n_scalar": s.shape[1], "n_classes": int(n_classes)}, mean, scale)
        validation = None
        if groups is not None:
            held = group_holdout(groups, self.random_state)
            validation = ((g[held], loc[held], s[held]), y[held])
            if sample_weight is not None:
                validation = (*validation, sample_weight[held])
            keep = ~held
            g, loc, s, y = g[keep], loc[keep], s[keep], y[keep]
            sample_weight = None if sample_weight is None else sample_weight[keep]
        self.histories_ = []
        for k, net in enumerate(self.nets_):
            self.histories_.append(fit_module(
                net, _cross_entropy, (g, loc, s), y, sample_weight=sample_weight,
                epochs=self.epochs, batch_size=self.batch_size,
                learning_rate=self.learning_rate, weight_decay=1e-4, patience=self.patience,
                grad_clip=5.0, random_state=resolve_seed(self.random_state) + k,
                device="auto", progress=progress, validation_data=validation,
                validation_fraction=0.1, stratify=y if validation is None else None))
            net.to("cpu")
        self.history_ = self.histories_[0]
        return self

    def predict_proba(self, global_view: np.ndarray, local_view: np.ndarray,
                      scalars: np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``."""
        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this AstroNetwork is not fitted yet", fix="call fit()")
        g, loc, s = self._arrays(global_view, local_view, scalars)
        expected = (self.shapes_["global_bins"], self.shapes_["local_bins"],
                    self.shapes_["n_scalar"])
        if (g.shape[1], loc.shape[1], s.shape[1]) != expected:
            raise AstrolearnInputError(
                f"views of {g.shape[1]} and {loc.shape[1]} bins with {s.shape[1]} scalars do "
                f"not match the trained network ({expected[0]}, {expected[1]}, {expected[2]})",
                fix="build the views with the bin counts the model was trained on")
        if not len(g):
            return np.empty((0, self.shapes_["n_classes"]))
        total = np.zeros((len(g), self.shapes_["n_classes"]))
        with torch.no_grad():
            for net in self.nets_:
                net.eval()
                for i in range(0, len(g), 1024):
                    logits = net(torch.as_tensor(g[i:i + 1024]),
                                 torch.as_tensor(loc[i:i + 1024]),
                                 torch.as_tensor(s[i:i + 1024]))
                    total[i:i + 1024] += torch.softmax(logits, dim=1).numpy()
        return total / len(self.nets_)

    # ----------------------------------------------------------- persistence
    def save(self, path: Path) -> None:
        """Write the weights as safetensors, with the input shapes as metadata."""
        write_weights(path, {f"{k}.{name}": value for k, net in enumerate(self.nets_)
                             for name, value in net.state_dict().items()}, self.shapes_)

    @classmethod
    def load(cls, path: Path, config: dict[str, Any]) -> AstroNetwork:
        """Read weights written by :meth:`save` (safetensors: nothing is unpickled)."""
        tensors, shapes = read_weights(path)
        self = cls(**config)
        n = shapes["n_scalar"]
        self._build(shapes, np.zeros(n), np.ones(n))
        for k, net in enumerate(self.nets_):
            prefix = f"{k}."
            net.load_state_dict({name[len(prefix):]: value for name, value in tensors.items()
                                 if name.startswith(prefix)})
            net.eval()
        return self
