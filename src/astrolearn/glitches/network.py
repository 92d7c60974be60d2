"""Single-view and multi-view CNNs for Gravity Spy-style glitch classification.

The input is what :func:`astrolearn.glitches.qtransform.qtransform_views` produces: a float32
array ``(n, n_windows, n_freq, n_time)`` of median-normalised Q-transform energies, one image
per window (0.5, 1, 2, 4 s), rows log-frequency from low to high, columns time.

Two architectures share one convolutional feature extractor (blocks of 3 x 3 ``Conv2d`` -
``BatchNorm2d`` - ReLU - 2 x 2 max-pool, channels ``width, 2 width, 4 width, 4 width``):

* ``mode="single"`` reads one window (``window``, by default the 1-s view, the one Gravity
  Spy volunteers see first) as in the single-view baseline of Zevin et al. (2017).
* ``mode="multiview"`` is the *parallel-view* fusion of Bahaadini et al. (2018, Information
  Sciences 444, 172): the same CNN branch (shared weights) reads each of the windows, the
  per-view feature vectors are concatenated in window order (so the head knows which
  duration each came from) and go through the dense layers. Bahaadini et al. also proposed
  a *merged-view* model (the four images tiled into one); the parallel form is used here
  because it keeps each view at full resolution, works for any number of windows, and with
  shared weights costs no more parameters than the single-view network.

**Pooling keeps frequency.** After the convolutions, features are averaged over all of
time (a glitch can sit anywhere near the trigger) but only down to 4 frequency bands
(``AdaptiveAvgPool2d((4, 1))``), not to a single value: frequency carries the physics
(Power_Line at 60 Hz, Violin_Mode near 500 Hz, Whistles at high frequency look alike in
shape), and full global average pooling would throw away where the energy is.

**Input transform** (inside the network, so prediction applies it too, when
``log_input``): ``log1p`` of the normalised energy, which compresses loud glitches
(energies of hundreds) towards the noise level (~1) so one bright tile does not dominate,
then per-image standardisation (subtract each image's mean, divide by its standard
deviation, floored at 1e-6), which makes images of different SNR and of the different
windows' noise floors comparable. With ``log_input=False`` only the standardisation is done.

**Augmentation respects the physics** and runs only in training mode: each sample is
shifted in time by a random whole number of columns in ``[-shift_pixels, shift_pixels]``
(:func:`time_shift`: no wrap-around; the columns shifted in are zeros, which after the
standardisation is the image's mean level, i.e. featureless background). All windows of a
sample get the same shift, as a real trigger time offset would move all four. Frequency is
never flipped or shifted, and time is not reversed: a chirp sweeps up in frequency, a Koi
Fish decays after its peak, so those operations change the class. Trigger times from
Omicron are uncertain by tens of ms, which is what the shift teaches the network to ignore.

Training runs through the shared loop :func:`astrolearn.nn.training.fit_module` (AdamW,
early stopping on a held-out part, which ``groups`` can keep per-GPS-time or per-detector).
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

__all__ = ["GlitchNetwork", "time_shift"]

_MODES = ("multiview", "single")
_FREQ_BANDS = 4


def time_shift(views: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Shift each sample along time (last axis) by whole columns, filling with zeros.

    Parameters
    ----------
    views : Tensor, shape (n, ..., n_time)
        Images; every window and frequency row of sample ``i`` moves by ``shifts[i]``.
    shifts : Tensor of int, shape (n,)
        Columns to move each sample; positive moves later in time. No wrap-around: columns
        that leave the image are dropped and those that come in are 0. Rows (frequency) are
        never mixed.

    Returns
    -------
    Tensor
        A new tensor of the same shape.

    Examples
    --------
    >>> x = torch.arange(1.0, 5.0).reshape(1, 1, 1, 4)
    >>> time_shift(x, torch.tensor([1])).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    n_time = views.shape[-1]
    shifts = shifts.to(device=views.device, dtype=torch.long)
    source = torch.arange(n_time, device=views.device)[None, :] - shifts[:, None]  # (n, T)
    inside = (source >= 0) & (source < n_time)
    index = source.clamp(0, n_time - 1)
    shape = (views.shape[0],) + (1,) * (views.ndim - 2) + (n_time,)
    index = index.reshape(shape).expand_as(views)
    mask = inside.reshape(shape).to(views.dtype)
    return torch.gather(views, -1, index) * mask


def _branch(n_freq: int, n_time: int, width: int) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    channels = 1
    for out in (width, 2 * width, 4 * width, 4 * width):
        layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out),
                   nn.ReLU()]
        pool = (2 if n_freq >= 2 * _FREQ_BANDS else 1, 2 if n_time >= 2 else 1)
        if pool != (1, 1):
            layers.append(nn.MaxPool2d(pool))
            n_freq, n_time = n_freq // pool[0], n_time // pool[1]
        channels = out
    layers += [nn.AdaptiveAvgPool2d((_FREQ_BANDS, 1)), nn.Flatten()]
    return nn.Sequential(*layers), channels * _FREQ_BANDS


class _GlitchNet(nn.Module):
    def __init__(self, n_windows: int, n_freq: int, n_time: int, n_classes: int, mode: str,
                 window: int, width: int, dense: int, dropout: float, shift_pixels: int,
                 log_input: bool) -> None:
        super().__init__()
        self.mode = mode
        self.window = window
        self.shift_pixels = shift_pixels
        self.log_input = log_input
        self.branch, n_features = _branch(n_freq, n_time, width)
        n_views = n_windows if mode == "multiview" else 1
        self.head = nn.Sequential(nn.Linear(n_views * n_features, dense), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(dense, n_classes))

    def transform(self, views: torch.Tensor) -> torch.Tensor:
        """log1p (optional) and per-image standardisation."""
        x = torch.log1p(views) if self.log_input else views
        mean = x.mean(dim=(-2, -1), keepdim=True)
        std = x.std(dim=(-2, -1), keepdim=True, unbiased=False).clamp_min(1e-6)
        return (x - mean) / std

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """Random time shift, one per sample, only in training mode."""
        if not self.training or self.shift_pixels <= 0:
            return x
        shifts = torch.randint(-self.shift_pixels, self.shift_pixels + 1, (x.shape[0],),
                               device=x.device)
        return time_shift(x, shifts)

    def forward(self, views: torch.Tensor) -> torch.Tensor:
        if self.mode == "single":
            views = views[:, self.window:self.window + 1]
        x = self.augment(self.transform(views))
        n, v, f, t = x.shape
        features = self.branch(x.reshape(n * v, 1, f, t)).reshape(n, -1)
        return self.head(features)


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, target, reduction="none")


class GlitchNetwork:
    """CNN glitch classifier on Q-transform views (see the module docstring).

    Parameters
    ----------
    mode : {"multiview", "single"}, default "multiview"
        Fuse all windows (parallel shared-weight branches) or read one.
    window : int, default 1
        Index of the window read by ``"single"`` (1 is the 1-s view of the Gravity Spy
        windows 0.5, 1, 2, 4 s).
    width : int, default 16
        Channels of the first convolution block (then 2x, 4x, 4x).
    dense : int, default 128
        Units of the dense layer.
    dropout : float, default 0.3
    epochs : int, default 40
    batch_size : int, default 64
    learning_rate : float, default 1e-3
    patience : int, default 8
        Epochs without improvement of the held-out loss before training stops.
    shift_pixels : int, default 8
        Largest random time shift (columns) used in training; 0 turns augmentation off.
    log_input : bool, default True
        Take ``log1p`` of the energies before the per-image standardisation.
    random_state : int, default 0

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> views = rng.exponential(1.0, (40, 4, 16, 16)).astype(np.float32)
    >>> y = np.repeat([0, 1], 20)
    >>> views[y == 1, :, 10, :] += 20.0  # class 1: a line at one frequency
    >>> net = GlitchNetwork(width=4, dense=16, epochs=15, learning_rate=0.01,
    ...                     shift_pixels=2).fit(views, y, n_classes=2)
    >>> net.predict_proba(views).shape
    (40, 2)
    """

    def __init__(self, mode: str = "multiview", window: int = 1, width: int = 16,
                 dense: int = 128, dropout: float = 0.3, epochs: int = 40,
                 batch_size: int = 64, learning_rate: float = 1e-3, patience: int = 8,
                 shift_pixels: int = 8, log_input: bool = True, random_state: int = 0) -> None:
        self.mode = mode
        self.window = window
        self.width = width
        self.dense = dense
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.shift_pixels = shift_pixels
        self.log_input = log_input
        self.random_state = random_state

    _CONFIG = ("mode", "window", "width", "dense", "dropout", "epochs", "batch_size",
               "learning_rate", "patience", "shift_pixels", "log_input", "random_state")

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON)."""
        return {k: getattr(self, k) for k in self._CONFIG}

    def _check_config(self, n_windows: int) -> None:
        if self.mode not in _MODES:
            raise AstrolearnInputError(f"GlitchNetwork mode must be one of {_MODES}, "
                                       f"got {self.mode!r}")
        for name in ("width", "dense", "epochs", "batch_size", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise AstrolearnInputError(f"GlitchNetwork {name} must be a positive integer, "
                                           f"got {value!r}")
        shift = self.shift_pixels
        if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)) or shift < 0:
            raise AstrolearnInputError(f"GlitchNetwork shift_pixels must be an integer >= 0, "
                                       f"got {shift!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise AstrolearnInputError(f"GlitchNetwork dropout must be in [0, 1), "
                                       f"got {self.dropout!r}")
        if self.mode == "single" and (
                isinstance(self.window, bool) or not isinstance(self.window, (int, np.integer))
                or not 0 <= self.window < n_windows):
            raise AstrolearnInputError(
                f"GlitchNetwork window must be an index below the {n_windows} windows of the "
                f"views, got {self.window!r}", fix="pass window=0..n_windows-1")

    def _build(self, shapes: dict[str, int]) -> None:
        self._check_config(shapes["n_windows"])
        self.shapes_ = dict(shapes)
        with rng_scope(resolve_seed(self.random_state)):
            self.net_ = _GlitchNet(
                shapes["n_windows"], shapes["n_freq"], shapes["n_time"], shapes["n_classes"],
                self.mode, int(self.window), int(self.width), int(self.dense),
                float(self.dropout), int(self.shift_pixels), bool(self.log_input))

    def _array(self, views: Any) -> np.ndarray:
        try:
            x = np.array(views, dtype=np.float32, copy=True)  # a copy: never the caller's
        except (TypeError, ValueError) as err:
            raise AstrolearnInputError(f"views must be a numeric array: {err}") from None
        if x.ndim != 4 or min(x.shape[1:], default=0) < 1:
            raise AstrolearnInputError(
                f"views must have shape (n, n_windows, n_freq, n_time), got {x.shape}",
                fix="use the output of astrolearn.glitches.qtransform.qtransform_views")
        if not np.isfinite(x).all():
            raise AstrolearnInputError("views contain NaN or infinite values",
                                       fix="recompute the Q-transform views")
        if self.log_input and (x < 0).any():
            raise AstrolearnInputError(
                f"views contain negative energies (min {x.min():.3g}), which log_input cannot "
                "take", fix="pass normalised energies (>= 0) or set log_input=False")
        return x

    def fit(self, views: np.ndarray, y: np.ndarray, *, n_classes: int,
            sample_weight: np.ndarray | None = None, groups: np.ndarray | None = None,
            progress: bool = False) -> GlitchNetwork:
        """Train on views ``(n, n_windows, n_freq, n_time)`` and integer class codes ``y``.

        ``groups`` (e.g. the GPS second or observing run of each trigger) keeps every member
        of a group on the same side of the early-stopping split; without it a stratified
        tenth is held out.
        """
        x = self._array(views)
        n = len(x)
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
                or n_classes < 2:
            raise AstrolearnInputError(f"n_classes must be an integer >= 2, got {n_classes!r}")
        y_arr = np.asarray(y)
        if y_arr.shape != (n,) or not np.issubdtype(y_arr.dtype, np.integer) or \
                (n and (y_arr.min() < 0 or y_arr.max() >= n_classes)):
            raise AstrolearnInputError(
                f"y must be {n} integer class codes in 0..{n_classes - 1}, got shape "
                f"{y_arr.shape} and dtype {y_arr.dtype}", fix="encode the labels as integers")
        if n < 4:
            raise AstrolearnInputError(f"at least 4 training views are needed, got {n}")
        y_arr = y_arr.astype(np.int64)
        w = None
        if sample_weight is not None:
            w = np.array(sample_weight, dtype=np.float64, copy=True)
            if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
                raise AstrolearnInputError(
                    f"sample_weight must be {n} finite non-negative numbers, got shape {w.shape}")
        self._build({"n_windows": x.shape[1], "n_freq": x.shape[2], "n_time": x.shape[3],
                     "n_classes": int(n_classes)})
        validation = None
        if groups is not None:
            g = np.asarray(groups)
            if g.shape != (n,):
                raise AstrolearnInputError(f"groups must have one entry per view ({n}), got "
                                           f"shape {g.shape}")
            held = group_holdout(g, self.random_state)
            if held.all():
                raise AstrolearnInputError("groups must have at least two distinct values")
            validation = (x[held], y_arr[held]) if w is None else (x[held], y_arr[held], w[held])
            keep = ~held
            x, y_arr = x[keep], y_arr[keep]
            w = None if w is None else w[keep]
        self.history_ = fit_module(
            self.net_, _cross_entropy, x, y_arr, sample_weight=w, epochs=int(self.epochs),
            batch_size=int(self.batch_size), learning_rate=float(self.learning_rate),
            weight_decay=1e-4, patience=int(self.patience), grad_clip=5.0,
            random_state=resolve_seed(self.random_state), device="auto", progress=progress,
            validation_data=validation, validation_fraction=0.1,
            stratify=y_arr if validation is None else None)
        self.net_.to("cpu").eval()
        return self

    def predict_proba(self, views: np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``."""
        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this GlitchNetwork is not fitted yet", fix="call fit()")
        x = self._array(views)
        expected = (self.shapes_["n_windows"], self.shapes_["n_freq"], self.shapes_["n_time"])
        if x.shape[1:] != expected:
            raise AstrolearnInputError(
                f"views of shape {x.shape[1:]} (windows, freq, time) do not match the trained "
                f"network {expected}", fix="build the views with the shape used in training")
        out = np.empty((len(x), self.shapes_["n_classes"]))
        self.net_.eval()
        with torch.no_grad():
            for i in range(0, len(x), 256):
                logits = self.net_(torch.as_tensor(x[i:i + 256]))
                out[i:i + 256] = torch.softmax(logits, dim=1).numpy()
        return out

    # ----------------------------------------------------------- persistence
    def save(self, path: Path) -> None:
        """Write the weights (and BatchNorm statistics) as safetensors, shapes as metadata."""
        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this GlitchNetwork is not fitted yet", fix="call fit()")
        write_weights(path, self.net_.state_dict(), self.shapes_)

    @classmethod
    def load(cls, path: Path, config: dict[str, Any]) -> GlitchNetwork:
        """Read weights written by :meth:`save` (safetensors: nothing is unpickled)."""
        tensors, shapes = read_weights(path)
        self = cls(**config)
        self._build(shapes)
        self.net_.load_state_dict(tensors)
        self.net_.eval()
        return self
