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

**Pretrained backbones (transfer learning).** With ``backbone="cnn"`` (the default) the
branch is the small CNN above, trained from scratch. With ``backbone`` one of
:data:`astrolearn.nn.backbones.BACKBONES` (``"resnet18"``, ``"resnet34"``, ``"resnet50"``, ...)
the branch is that ResNet (He et al. 2016) up to its last feature map, followed by the same
``AdaptiveAvgPool2d((4, 1))`` (four frequency bands) and flattening; each view, one channel
after the transform above, goes through it as through the own CNN, and the multiview head
concatenates the per-view features as before. ``backbone_weights`` names a weights file of
that architecture (e.g. torchvision's ImageNet ``resnet18-f37072fd.pth``, or a
``.safetensors`` file) read once at :meth:`GlitchNetwork.fit`; the first convolution's RGB
filters are summed into one grey channel (:func:`astrolearn.nn.backbones.adapt_input_conv`),
so a view gives the activations ImageNet training gave the same grey image. The per-image
standardisation plays the role of ImageNet's per-channel normalisation (zero mean, unit
variance). The weights are then part of the fitted network: a saved model is loaded without
the weights file. George, Shen & Huerta (2018, Phys. Rev. D 97, 101501) found
ImageNet-pretrained networks a strong start on the Gravity Spy set.

The own CNN can start from another glitch network too: with ``backbone="cnn"``,
``backbone_weights`` is the model folder of a ``GlitchClassifier`` (or its
``network.safetensors``) of the same ``width`` and image size, and its convolutional branch is
copied; the head, whose classes may differ, starts afresh. This is
how a network pretrained on the simulator (:func:`astrolearn.datasets.simulate_glitch_views`),
where every class has hundreds of examples, is fine-tuned on a few hundred real images
(``benchmarks/gravityspy_o3.py``, figures in ``benchmarks/RESULTS.md``).

``freeze_epochs`` gives the usual two-stage fine-tuning schedule: for the first
``freeze_epochs`` epochs only the dense head learns, on top of a *fixed* pretrained backbone
(its parameters take no gradient and its BatchNorm layers stay in evaluation mode, keeping the
pretrained statistics), so that a random head does not send large gradients into the
pretrained filters; then everything is trained for the remaining ``epochs - freeze_epochs``.
``freeze_epochs = epochs`` trains the head only (the backbone as a fixed feature extractor). Each
stage stops early on the held-out loss and keeps its best weights, and the fine-tuned weights
are kept only if they beat the frozen stage's best held-out loss.

Training runs through the shared loop :func:`astrolearn.nn.training.fit_module` (AdamW,
early stopping on a held-out part, which ``groups`` can keep per-GPS-time or per-detector).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.backbones import BACKBONES, build_backbone, check_transfer_options
from astrolearn.nn.device import rng_scope
from astrolearn.nn.training import (
    fit_classifier,
    resolve_seed,
)
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["GlitchNetwork", "time_shift"]

_MODES = ("multiview", "single")
_FREQ_BANDS = 4
#: ``backbone`` values: the own CNN, or a pretrained-able ResNet.
_BACKBONE_CHOICES = ("cnn", *BACKBONES)


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


class _BackboneBranch(nn.Module):
    """A ResNet feature extractor, pooled to ``_FREQ_BANDS`` frequency bands and flattened."""

    def __init__(self, name: str, weights: str | Path | None = None) -> None:
        super().__init__()
        self.backbone, channels = build_backbone(name, weights, in_channels=1)
        self.pool = nn.AdaptiveAvgPool2d((_FREQ_BANDS, 1))
        self.n_features = channels * _FREQ_BANDS

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.backbone(x)), 1)


def _load_cnn_branch(branch: nn.Module, source: str | Path) -> None:
    """Fill the own-CNN ``branch`` from another glitch network: a model folder written by
    :meth:`astrolearn.glitches.classifier.GlitchClassifier.save` or a weights file written
    by :meth:`GlitchNetwork.save` (its ``branch.*`` tensors; the head is not used)."""
    path = Path(source)
    file = path / "network.safetensors" if path.is_dir() else path
    if not file.is_file():
        raise AstrolearnInputError(
            "no glitch network weights here", file=path,
            fix="pass the model folder of a GlitchClassifier (or its network.safetensors) "
                "trained with backbone='cnn'")
    try:
        tensors, _ = read_weights(file)
    except Exception as err:  # safetensors raises its own types for a bad file
        raise AstrolearnInputError(f"cannot read the weights ({type(err).__name__}: {err})",
                                   file=file, fix="pass the network.safetensors of a glitch model "
                                   "(for a torchvision file, set backbone='resnet18' or its "
                                   "architecture)") from None
    own = {k[len("branch."):]: v for k, v in tensors.items() if k.startswith("branch.")}
    expected = branch.state_dict()
    bad = sorted(set(own) ^ set(expected)) or [
        k for k in expected if tuple(own[k].shape) != tuple(expected[k].shape)]
    if not own or bad:
        raise AstrolearnInputError(
            f"the weights do not fit this network's CNN branch (first differences: "
            f"{', '.join(bad[:3]) or 'no branch tensors'})", file=file,
            fix="use the same width and image size as the pretrained network, or "
                "backbone='cnn' without weights")
    branch.load_state_dict(own)


class _GlitchNet(nn.Module):
    def __init__(self, n_windows: int, n_freq: int, n_time: int, n_classes: int, mode: str,
                 window: int, width: int, dense: int, dropout: float, shift_pixels: int,
                 log_input: bool, backbone: str = "cnn",
                 backbone_weights: str | Path | None = None) -> None:
        super().__init__()
        self.mode = mode
        self.window = window
        self.shift_pixels = shift_pixels
        self.log_input = log_input
        self.frozen = False
        if backbone == "cnn":
            self.branch, n_features = _branch(n_freq, n_time, width)
            if backbone_weights is not None:
                _load_cnn_branch(self.branch, backbone_weights)
        else:
            self.branch = _BackboneBranch(backbone, backbone_weights)
            n_features = self.branch.n_features
        n_views = n_windows if mode == "multiview" else 1
        self.head = nn.Sequential(nn.Linear(n_views * n_features, dense), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(dense, n_classes))

    @property
    def pretrained(self) -> nn.Module:
        """The part that pretrained weights fill: the ResNet, or the whole own-CNN branch."""
        return getattr(self.branch, "backbone", self.branch)

    def freeze_backbone(self, frozen: bool) -> None:
        """Fix (or release) the pretrained backbone: no gradients, BatchNorm in eval mode."""
        backbone = self.pretrained
        for parameter in backbone.parameters():
            parameter.requires_grad_(not frozen)
        self.frozen = frozen
        self.train(self.training)

    def train(self, mode: bool = True) -> _GlitchNet:
        super().train(mode)
        if self.frozen:  # a frozen backbone keeps its pretrained BatchNorm statistics
            self.pretrained.eval()
        return self

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
    backbone : str, default "cnn"
        ``"cnn"``: the own small CNN (``width``); or one of
        :data:`astrolearn.nn.backbones.BACKBONES` (``"resnet18"``, ``"resnet34"``,
        ``"resnet50"``, ...), a torchvision-compatible ResNet (``width`` is then unused).
    backbone_weights : str or Path, optional
        Pretrained weights, read at :meth:`fit` only (the fitted network holds them, and
        loading a saved model does not need the file): for a ResNet, a file of that
        architecture (torchvision ``.pth`` or ``.safetensors``); for ``"cnn"``, the model
        folder (or ``network.safetensors``) of a glitch network of the same ``width`` and
        image size, e.g. one trained on simulated glitches, whose CNN branch is copied (the
        head starts afresh). Without it the branch starts from random weights.
    freeze_epochs : int, default 0
        Train only the dense head, on the fixed pretrained backbone, for this many of the
        ``epochs`` first, then everything (needs ``backbone_weights``; see the module
        docstring). Equal to ``epochs``: the backbone is never trained.
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

    Fine-tuning a ResNet-18 from a torchvision weights file (its ``fc`` layer is ignored):

    >>> import tempfile
    >>> from astrolearn.nn.backbones import resnet
    >>> weights = Path(tempfile.mkdtemp()) / "resnet18.pth"
    >>> torch.save(resnet("resnet18").state_dict(), weights)  # stands in for a download
    >>> net = GlitchNetwork(backbone="resnet18", backbone_weights=weights, freeze_epochs=1,
    ...                     dense=16, epochs=2).fit(views, y, n_classes=2)
    >>> net.history_.n_epochs
    2
    """

    def __init__(self, mode: str = "multiview", window: int = 1, width: int = 16,
                 dense: int = 128, dropout: float = 0.3, epochs: int = 40,
                 batch_size: int = 64, learning_rate: float = 1e-3, patience: int = 8,
                 shift_pixels: int = 8, log_input: bool = True, backbone: str = "cnn",
                 backbone_weights: str | Path | None = None, freeze_epochs: int = 0,
                 random_state: int = 0) -> None:
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
        self.backbone = backbone
        self.backbone_weights = backbone_weights
        self.freeze_epochs = freeze_epochs
        self.random_state = random_state

    _CONFIG = ("mode", "window", "width", "dense", "dropout", "epochs", "batch_size",
               "learning_rate", "patience", "shift_pixels", "log_input", "backbone",
               "backbone_weights", "freeze_epochs", "random_state")

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON; a weights path as a string)."""
        config = {k: getattr(self, k) for k in self._CONFIG}
        if isinstance(config["backbone_weights"], os.PathLike):
            config["backbone_weights"] = os.fspath(config["backbone_weights"])
        return config

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
        if not isinstance(self.backbone, str) or self.backbone not in _BACKBONE_CHOICES:
            raise AstrolearnInputError(
                f"GlitchNetwork backbone must be one of {', '.join(_BACKBONE_CHOICES)}, got "
                f"{self.backbone!r}", fix="pass e.g. backbone='resnet18', or 'cnn' for the own "
                "small CNN")
        check_transfer_options("GlitchNetwork", self.backbone_weights, self.freeze_epochs,
                               int(self.epochs))

    def _build(self, shapes: dict[str, int], *, pretrained: bool = False) -> None:
        """Build ``net_``; ``pretrained`` reads ``backbone_weights`` (at fit, not at load)."""
        self._check_config(shapes["n_windows"])
        self.shapes_ = dict(shapes)
        with rng_scope(resolve_seed(self.random_state)):
            self.net_ = _GlitchNet(
                shapes["n_windows"], shapes["n_freq"], shapes["n_time"], shapes["n_classes"],
                self.mode, int(self.window), int(self.width), int(self.dense),
                float(self.dropout), int(self.shift_pixels), bool(self.log_input),
                self.backbone, self.backbone_weights if pretrained else None)

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
                     "n_classes": int(n_classes)}, pretrained=True)
        self.history_ = fit_classifier(
            self.net_, x, y_arr, sample_weight=w, groups=groups, epochs=int(self.epochs),
            batch_size=int(self.batch_size), learning_rate=float(self.learning_rate),
            patience=int(self.patience), random_state=self.random_state, progress=progress,
            freeze_epochs=int(self.freeze_epochs), freeze=self.net_.freeze_backbone,
            batchnorm_fix=f"raise batch_size, or use larger views (now {x.shape[2]} x "
                          f"{x.shape[3]})")
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
        """Read weights written by :meth:`save` (safetensors: nothing is unpickled).

        A pretrained backbone is rebuilt empty and filled from ``path``: the original
        ``backbone_weights`` file is not read and need not exist any more.
        """
        tensors, shapes = read_weights(path)
        self = cls(**config)
        self._build(shapes)
        self.net_.load_state_dict(tensors)
        self.net_.eval()
        return self
