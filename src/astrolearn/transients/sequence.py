"""A recurrent network (GRU) that classifies raw multi-band light curves as they arrive.

Each observation is one step of the sequence: time since the first detection, time since
the previous observation, the band (one-hot and its wavelength), the flux and its error
on an arcsinh scale in units of the object's noise level, and the detection flag. Static
inputs (host redshift and its error, Milky-Way E(B-V), the noise level itself) join the
GRU output at every step. The loss is the cross-entropy at *every* step, so the network
learns to classify a light curve from its first points onwards; prediction reads the
output at the last observation given. This is the early-classification design of
Charnock & Moss (2017) and Möller & de Boissière (2020, SuperNNova), written with the
shared training loop of :mod:`astrolearn.nn.training`.

Nothing here looks into the future of a light curve: the scale of each object is the
median flux error of the points given, not the peak flux.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from astrolearn.nn.device import rng_scope
from astrolearn.nn.training import fit_module, group_holdout, resolve_seed
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["SequenceNetwork", "encode_sequences"]

_DAYS = 100.0  # time unit of the network inputs
_BEFORE = 50.0  # days of history kept before the first detection


def encode_sequences(
    lightcurves: pd.DataFrame,
    ids: np.ndarray,
    *,
    bands: Sequence[str],
    wavelengths: Mapping[str, float],
    static: np.ndarray,
    max_length: int = 256,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn cleaned light curves into padded step arrays for :class:`SequenceNetwork`.

    Parameters
    ----------
    lightcurves : DataFrame
        Cleaned long table, sorted by object and time.
    ids : ndarray
        The objects to encode, in output order (objects without points get one empty step).
    bands : sequence of str
        The model's bands; points in other bands are skipped.
    wavelengths : mapping
        Effective wavelength (Å) per band.
    static : ndarray, shape (len(ids), k)
        Per-object inputs (redshift, ...); the log noise level is appended here.
    max_length : int, default 256
        Longest sequence kept (from 50 days before the first detection onwards).

    Returns
    -------
    steps : ndarray, shape (n, T, n_step_features), float32
    lengths : ndarray, shape (n,), int64 (at least 1)
    static : ndarray, shape (n, k + 1), float32

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": [7, 7, 7], "time": [0.0, 2.0, 5.0],
    ...                    "band": ["g", "r", "g"], "flux": [1.0, 50.0, 30.0],
    ...                    "flux_err": [2.0, 2.0, 2.0], "detected": [False, True, True]})
    >>> steps, lengths, static = encode_sequences(lc, np.array([7]), bands=["g", "r"],
    ...     wavelengths={"g": 4800.0, "r": 6200.0}, static=np.zeros((1, 1)))
    >>> steps.shape, lengths.tolist()
    ((1, 3, 8), [3])
    """
    bands = list(bands)
    n_band = len(bands)
    band_index = {b: i for i, b in enumerate(bands)}
    lam = np.array([float(wavelengths[b]) for b in bands]) / 1e4
    code = lightcurves["band"].astype(str).map(band_index).to_numpy(dtype=float, na_value=-1)
    keep = code >= 0
    frame = lightcurves.loc[keep]
    code = code[keep].astype(int)
    position = pd.Index(ids).get_indexer(frame["object_id"])
    inside = position >= 0
    frame, code, position = frame.loc[inside], code[inside], position[inside]
    time = frame["time"].to_numpy(dtype=float)
    flux = frame["flux"].to_numpy(dtype=float)
    err = frame["flux_err"].to_numpy(dtype=float)
    det = frame["detected"].to_numpy(dtype=bool)
    order = np.lexsort((time, position))
    position, code, time, flux, err, det = (a[order] for a in (position, code, time, flux,
                                                                  err, det))
    n = len(ids)
    first_det = np.full(n, np.inf)
    np.minimum.at(first_det, position[det], time[det])
    first_obs = np.full(n, np.inf)
    np.minimum.at(first_obs, position, time)
    t_ref = np.where(np.isfinite(first_det), first_det, first_obs)
    start = t_ref[position] - _BEFORE
    kept = time >= start
    position, code, time, flux, err, det = (a[kept] for a in (position, code, time, flux,
                                                                 err, det))
    noise = pd.Series(err).groupby(position).median()
    scale = np.ones(n)
    scale[noise.index.to_numpy()] = np.maximum(noise.to_numpy(), 1e-12)
    counts = np.bincount(position, minlength=n)
    rank = np.arange(position.size) - np.repeat(np.cumsum(counts) - counts, counts)
    within = rank < max_length
    position, code, time, flux, err, det, rank = (a[within] for a in (
        position, code, time, flux, err, det, rank))
    lengths = np.minimum(counts, max_length)
    width = max(1, int(lengths.max(initial=0)))
    n_features = 5 + n_band + 1
    steps = np.zeros((n, width, n_features), dtype=np.float32)
    s = scale[position]
    previous = np.r_[np.nan, time[:-1]]
    previous[rank == 0] = np.nan
    gap = np.where(np.isnan(previous), 0.0, time - np.nan_to_num(previous))
    steps[position, rank, 0] = (time - t_ref[position]) / _DAYS
    steps[position, rank, 1] = np.log1p(np.maximum(gap, 0.0))
    steps[position, rank, 2] = np.arcsinh(flux / s)
    steps[position, rank, 3] = np.arcsinh(err / s)
    steps[position, rank, 4] = det
    steps[position, rank, 5 + code] = 1.0
    steps[position, rank, 5 + n_band] = lam[code]
    static = np.column_stack([np.asarray(static, dtype=float), np.log10(scale)])
    return steps, np.maximum(lengths, 1).astype(np.int64), static.astype(np.float32)


class _GRUClassifier(nn.Module):
    def __init__(self, n_step: int, n_static: int, n_classes: int, hidden: int, layers: int,
                 dropout: float, static_mean: np.ndarray, static_scale: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("static_mean", torch.as_tensor(static_mean, dtype=torch.float32))
        self.register_buffer("static_scale", torch.as_tensor(static_scale, dtype=torch.float32))
        self.gru = nn.GRU(n_step, hidden, num_layers=layers, batch_first=True,
                          dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Linear(hidden + n_static, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, steps: torch.Tensor, lengths: torch.Tensor, static: torch.Tensor):
        width = int(lengths.max())
        steps = steps[:, :width]
        packed = pack_padded_sequence(steps, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=width)
        z = (static - self.static_mean) / self.static_scale
        z = z.unsqueeze(1).expand(-1, width, -1)
        logits = self.head(torch.cat([out, z], dim=-1))
        mask = torch.arange(width, device=steps.device)[None, :] < lengths[:, None]
        return logits, mask


def _every_step_loss(outputs, target: torch.Tensor) -> torch.Tensor:
    logits, mask = outputs
    per_step = F.cross_entropy(logits.transpose(1, 2),
                               target[:, None].expand(-1, logits.shape[1]), reduction="none")
    per_step = per_step * mask
    return per_step.sum(1) / mask.sum(1).clamp(min=1)


class SequenceNetwork:
    """GRU classifier of encoded light curves (see :func:`encode_sequences`).

    Parameters
    ----------
    hidden : int, default 64
    layers : int, default 2
    dropout : float, default 0.1
    epochs : int, default 40
    batch_size : int, default 128
    learning_rate : float, default 2e-3
    random_state : int, default 0

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> steps = rng.normal(size=(40, 6, 3)).astype(np.float32)
    >>> steps[:20, :, 2] += 2.0  # class 1 is brighter
    >>> y = np.r_[np.ones(20), np.zeros(20)].astype(int)
    >>> net = SequenceNetwork(hidden=8, epochs=30).fit(
    ...     steps, np.full(40, 6), np.zeros((40, 1), np.float32), y, n_classes=2)
    >>> proba = net.predict_proba(steps, np.full(40, 6), np.zeros((40, 1), np.float32))
    >>> bool((proba.argmax(1) == y).mean() > 0.9)
    True
    """

    def __init__(self, hidden: int = 64, layers: int = 2, dropout: float = 0.1,
                 epochs: int = 40, batch_size: int = 128, learning_rate: float = 2e-3,
                 random_state: int = 0) -> None:
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON)."""
        return {k: getattr(self, k) for k in ("hidden", "layers", "dropout", "epochs",
                                              "batch_size", "learning_rate", "random_state")}

    def _build(self, n_step: int, n_static: int, n_classes: int, mean, scale) -> None:
        with rng_scope(resolve_seed(self.random_state)):
            self.net_ = _GRUClassifier(n_step, n_static, n_classes, self.hidden, self.layers,
                                       self.dropout, mean, scale)

    def fit(self, steps: np.ndarray, lengths: np.ndarray, static: np.ndarray, y: np.ndarray,
            *, n_classes: int, sample_weight: np.ndarray | None = None,
            groups: np.ndarray | None = None, progress: bool = False) -> SequenceNetwork:
        """Train on encoded sequences and integer class codes ``y``.

        ``groups`` (e.g. the original object of augmented copies) keeps every member of a
        group on the same side of the early-stopping split.
        """
        static = np.nan_to_num(static.astype(np.float32))
        mean = static.mean(0)
        scale = static.std(0)
        scale[scale == 0] = 1.0
        self._build(steps.shape[2], static.shape[1], n_classes, mean, scale)
        validation = None
        if groups is not None:
            held = group_holdout(groups, self.random_state)
            validation = ((steps[held], lengths[held], static[held]), y[held])
            if sample_weight is not None:
                validation = (*validation, sample_weight[held])
            keep = ~held
            steps, lengths, static, y = steps[keep], lengths[keep], static[keep], y[keep]
            sample_weight = None if sample_weight is None else sample_weight[keep]
        self.history_ = fit_module(
            self.net_, _every_step_loss, (steps, lengths, static), y.astype(np.int64),
            sample_weight=sample_weight, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, weight_decay=1e-4, patience=8, grad_clip=5.0,
            random_state=self.random_state, device="cpu", progress=progress,
            validation_data=validation, validation_fraction=0.1)
        return self

    def predict_proba(self, steps: np.ndarray, lengths: np.ndarray,
                      static: np.ndarray) -> np.ndarray:
        """Class probabilities read at each sequence's last step."""
        static = np.nan_to_num(static.astype(np.float32))
        self.net_.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(steps), 512):
                logits, _ = self.net_(torch.as_tensor(steps[i:i + 512]),
                                      torch.as_tensor(lengths[i:i + 512]),
                                      torch.as_tensor(static[i:i + 512]))
                last = torch.as_tensor(lengths[i:i + 512]) - 1
                picked = logits[torch.arange(len(last)), last]
                out.append(torch.softmax(picked, dim=1).numpy())
        if not out:
            return np.empty((0, self.net_.head[-1].out_features))
        return np.concatenate(out).astype(np.float64)

    # ----------------------------------------------------------- persistence
    def save(self, path: Path) -> None:
        """Write the weights as safetensors (the configuration goes into the manifest)."""
        shapes = {"n_step": self.net_.gru.input_size,
                  "n_static": int(self.net_.static_mean.shape[0]),
                  "n_classes": self.net_.head[-1].out_features}
        write_weights(path, self.net_.state_dict(), shapes)

    @classmethod
    def load(cls, path: Path, config: dict[str, Any]) -> SequenceNetwork:
        """Read weights written by :meth:`save` (safetensors: nothing is unpickled)."""
        state, shapes = read_weights(path)
        self = cls(**config)
        self._build(shapes["n_step"], shapes["n_static"], shapes["n_classes"],
                    np.zeros(shapes["n_static"]), np.ones(shapes["n_static"]))
        self.net_.load_state_dict(state)
        self.net_.eval()
        return self
