"""CNNs for galaxy cutouts: a small residual CNN, an Xception-like network, pretrained ResNets.

The input is a float32 image array ``(n, bands, height, width)`` (NCHW), normally the output
of :func:`astrolearn.images.preprocess.prepare_images` (background subtracted, divided by the
noise, stretched). Three architectures share one interface (``in_channels``, ``n_classes``,
``dropout``; ``features(x)`` gives the globally pooled embedding ``(n, d)`` and ``forward``
the class logits ``head(dropout(features(x)))``):

* :class:`ResidualCNN` - a small ResNet (He et al. 2016): a 3 x 3 stem convolution at full
  resolution, then four stages of two basic residual blocks (two 3 x 3 convolutions with
  BatchNorm and a shortcut) with ``width, 2 width, 4 width, 8 width`` channels, each stage
  starting with a stride-2 block (so a 64 x 64 cutout is read at 32, 16, 8 and 4 pixels),
  global average pooling, dropout and a linear head. The blocks are those of
  :mod:`astrolearn.nn.backbones` (torchvision's ``BasicBlock``).
* :class:`XceptionNet` - the Xception-like network of depthwise-separable convolutions with
  residual connections (Chollet 2017, CVPR, "Xception: deep learning with depthwise separable
  convolutions") in the small form of the Keras example "Image classification from scratch"
  (F. Chollet, 2020, https://keras.io/examples/vision/image_classification_from_scratch/, as
  first published): an entry block (3 x 3 convolution with stride 2, BatchNorm, ReLU, 3 x 3
  convolution, BatchNorm, ReLU, at 32 and 64 channels), then residual blocks at 128, 256, 512
  and 728 channels, each ``ReLU - SeparableConv 3x3 - BN - ReLU - SeparableConv 3x3 - BN -
  MaxPool 3x3 stride 2`` plus a 1 x 1 stride-2 convolution of the block's input as the
  residual, then a separable convolution to 1024 channels with BatchNorm and ReLU, global
  average pooling, dropout and a linear head. ``width`` multiplies every channel count
  (``width=1`` is the Keras size, 2.8 M parameters for three bands; the default 0.25 is a
  CPU-sized network with 16 times fewer multiply-adds). Differences from Keras: no bias in
  convolutions followed by BatchNorm (the BatchNorm shift plays its role), and PyTorch's
  initialisation.
* :class:`BackboneNet` - one of the torchvision-compatible ResNets of
  :mod:`astrolearn.nn.backbones` (``"resnet18"`` ... ``"resnet152"``), optionally filled from
  a local weights file (its first convolution adapted to the number of bands), with global
  average pooling, dropout and its own linear head: transfer learning from ImageNet.

All three end in global average pooling, so they take any image size (at least 16 x 16 pixels
here; the four stride-2 steps of :class:`ResidualCNN` reach 1 x 1 there), and a network trained
on 64-pixel cutouts can read 96-pixel ones: weights move between image sizes.

**Augmentation respects the physics** and runs only in training mode, on each batch
(:func:`augment_images`): every image is rotated by a random multiple of 90 degrees (a galaxy
has no preferred orientation on the sky; 90-degree rotations move pixels exactly, with no
interpolation, so the noise is unchanged), and, only when ``flips=True``, mirrored with
probability 1/2, which together give the eight symmetries of the square. A mirror image turns
a clockwise spiral into an anticlockwise one: set ``flips=False`` when a label depends on
handedness (Galaxy Zoo 1's clockwise / anticlockwise spirals), and the network then only sees
the four rotations. Optionally each image is also shifted by a random whole number of pixels,
up to ``shift_pixels`` in x and y (:func:`translate_images`; whole pixels, because an
interpolated sub-pixel shift smooths the noise and the network could learn to tell training
from real images by it; the pixels shifted in are 0, the background level of prepared
images). Non-square images are rotated by 0 or 180 degrees only.

**Test-time augmentation** (``predict_proba(..., tta=True)``): the softmax probabilities are
averaged over the same symmetries (the four rotations, times the two mirror states when flips
are allowed), which makes the prediction exactly invariant to them, up to float rounding.
``embed(..., tta=True)`` averages the pooled features the same way.

**Transfer learning.** ``backbone_weights`` is read once at :meth:`ImageNetwork.fit`:

* with a ResNet architecture (``"resnet18"``...), a torchvision ``.pth`` or ``.safetensors``
  file of that architecture (see :func:`astrolearn.nn.backbones.build_backbone`);
* with any architecture, the model folder of another :class:`ImageNetwork` or
  ``ImageClassifier`` (or its ``network.safetensors``) of the same architecture, ``width``
  and number of bands: every tensor but the head's is copied, and the head, whose classes may
  differ, starts afresh. The image size may differ (e.g. pretrain on Galaxy Zoo 1 SDSS cutouts
  of 64 pixels, fine-tune on DECaLS ring cutouts of 96 pixels, as Walmsley et al. 2022, MNRAS
  513, 1581 do with Zoobot).

``freeze_epochs`` gives the usual two-stage schedule (as in
:class:`astrolearn.glitches.network.GlitchNetwork`): first only the head learns on the fixed
pretrained body (no gradients, BatchNorm statistics kept), then everything; the fine-tuned
weights are kept only if they beat the frozen stage's best held-out loss.

Training runs through the shared loop :func:`astrolearn.nn.training.fit_module` (AdamW,
early stopping on a held-out part, which ``groups`` can make whole groups, e.g. SDSS fields),
on the device :func:`astrolearn.nn.device.choose_device` picks (a GPU when present).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.backbones import (
    BACKBONES,
    _BasicBlock,
    build_backbone,
    check_transfer_options,
)
from astrolearn.nn.device import rng_scope
from astrolearn.nn.training import (
    _thread_limit,
    fit_classifier,
    predict_batches,
    resolve_seed,
)
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["ARCHITECTURES", "BackboneNet", "ImageNetwork", "ResidualCNN", "XceptionNet",
           "augment_images", "dihedral", "symmetries", "translate_images"]

#: ``architecture`` values of :class:`ImageNetwork`: the own networks, then the ResNets.
ARCHITECTURES: tuple[str, ...] = ("resnet", "xception", *BACKBONES)
#: Smallest image side the networks take.
MIN_SIZE = 16
_DEFAULT_WIDTH = {"resnet": 16, "xception": 0.25}
_PREDICT_BATCH = 256


# --------------------------------------------------------------------------- augmentation


def dihedral(images: torch.Tensor, k: int, flip: bool = False) -> torch.Tensor:
    """Rotate images by ``k`` x 90 degrees, then mirror them left-right when ``flip``.

    The eight ``(k, flip)`` pairs are the symmetries of the square (the dihedral group D4).

    Parameters
    ----------
    images : Tensor, shape (..., height, width)
    k : int
        Quarter turns (``torch.rot90`` over the last two axes, from the first axis towards the
        second); for non-square images only even ``k`` keep the shape.
    flip : bool, default False
        Reverse the last axis after the rotation.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> dihedral(x, 1).tolist(), dihedral(x, 0, flip=True).tolist()
    ([[2.0, 4.0], [1.0, 3.0]], [[2.0, 1.0], [4.0, 3.0]])
    """
    out = torch.rot90(images, int(k) % 4, dims=(-2, -1)) if int(k) % 4 else images
    return out.flip(-1) if flip else out


def translate_images(images: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Shift each image by whole pixels, filling with zeros (no wrap-around).

    Parameters
    ----------
    images : Tensor, shape (n, channels, height, width)
    dy, dx : Tensor of int, shape (n,)
        Pixels to move image ``i`` down (towards higher row index) and right; every channel
        moves together. Pixels that leave the image are dropped and those that come in are 0.

    Returns
    -------
    Tensor
        A new tensor of the same shape.

    Examples
    --------
    >>> x = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> translate_images(x, torch.tensor([1]), torch.tensor([-1]))[0, 0].tolist()
    [[0.0, 0.0, 0.0], [2.0, 3.0, 0.0], [5.0, 6.0, 0.0]]
    """
    n, _, h, w = images.shape
    dev = images.device
    dy = dy.to(device=dev, dtype=torch.long)
    dx = dx.to(device=dev, dtype=torch.long)
    pad = int(max(dy.abs().max().item() if n else 0, dx.abs().max().item() if n else 0))
    if pad == 0:
        return images.clone()
    padded = F.pad(images, (pad, pad, pad, pad))
    rows = (torch.arange(h, device=dev)[None, :] - dy[:, None] + pad).clamp(0, h + 2 * pad - 1)
    cols = (torch.arange(w, device=dev)[None, :] - dx[:, None] + pad).clamp(0, w + 2 * pad - 1)
    index = torch.arange(n, device=dev)[:, None, None]
    # Advanced indices around a slice: the result is (n, h, w, channels).
    out = padded[index, :, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


def augment_images(images: torch.Tensor, *, rotations: bool = True, flips: bool = True,
                   shift_pixels: int = 0) -> torch.Tensor:
    """Random symmetries of each image: quarter turns, mirror flips, whole-pixel shifts.

    Each image independently gets a random rotation by 0, 90, 180 or 270 degrees (0 or 180
    for non-square images) when ``rotations``, a left-right mirror with probability 1/2 when
    ``flips`` (with rotations this covers all eight symmetries of the square; a mirror turns a
    clockwise spiral into an anticlockwise one, so leave it off when labels depend on
    handedness), and a shift by whole pixels in ``[-shift_pixels, shift_pixels]`` along each
    axis (:func:`translate_images`). The random draws come from PyTorch's global CPU
    generator (seeded by :func:`astrolearn.nn.training.fit_module` during training), so the
    same seed gives the same augmentation on any device.

    Parameters
    ----------
    images : Tensor, shape (n, channels, height, width)
    rotations, flips : bool, default True
    shift_pixels : int, default 0

    Returns
    -------
    Tensor
        A new tensor of the same shape; ``images`` is not modified.

    Examples
    --------
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2).repeat(64, 1, 1, 1)
    >>> out = augment_images(x, flips=False)
    >>> len({tuple(o.flatten().tolist()) for o in out})  # the four rotations only
    4
    """
    if images.ndim != 4:
        raise AstrolearnInputError(f"images must have shape (n, bands, height, width), got "
                                   f"{tuple(images.shape)}")
    n, _, h, w = images.shape
    out = images.clone()
    if n == 0:
        return out
    if rotations:
        turns = torch.randint(0, 4, (n,)) if h == w else 2 * torch.randint(0, 2, (n,))
        for k in (1, 2, 3):
            idx = torch.nonzero(turns == k).flatten().to(images.device)
            if idx.numel():
                out[idx] = dihedral(images[idx], k)
    if flips:
        idx = torch.nonzero(torch.rand(n) < 0.5).flatten().to(images.device)
        if idx.numel():
            out[idx] = out[idx].flip(-1)
    if shift_pixels > 0:
        shifts = torch.randint(-int(shift_pixels), int(shift_pixels) + 1, (2, n))
        out = translate_images(out, shifts[0], shifts[1])
    return out


def symmetries(height: int, width: int, *, rotations: bool = True,
               flips: bool = True) -> list[tuple[int, bool]]:
    """The ``(k, flip)`` pairs of :func:`dihedral` that training can produce (for TTA).

    Examples
    --------
    >>> symmetries(8, 8, flips=False)
    [(0, False), (1, False), (2, False), (3, False)]
    >>> len(symmetries(8, 8)), symmetries(8, 6, flips=False)
    (8, [(0, False), (2, False)])
    """
    turns = ((0, 1, 2, 3) if height == width else (0, 2)) if rotations else (0,)
    mirrors = (False, True) if flips else (False,)
    return [(k, f) for f in mirrors for k in turns]


# --------------------------------------------------------------------------- architectures


class _Classifier(nn.Module):
    """Common tail: ``head(dropout(features(x)))``; subclasses define :meth:`features`."""

    n_features: int

    def _make_head(self, n_features: int, n_classes: int, dropout: float) -> None:
        _check_int("n_classes", n_classes, 1)
        if not 0.0 <= float(dropout) < 1.0:
            raise AstrolearnInputError(f"dropout must be in [0, 1), got {dropout!r}")
        self.n_features = int(n_features)
        self.dropout = nn.Dropout(float(dropout))
        self.head = nn.Linear(self.n_features, int(n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


def _init_weights(module: nn.Module) -> None:
    """torchvision's ResNet initialisation (Kaiming normal, fan out; BatchNorm 1 and 0)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class ResidualCNN(_Classifier):
    """A small residual CNN: stem, four stages of two basic residual blocks, pooling, head.

    Parameters
    ----------
    in_channels : int, default 1
        Bands of the images.
    n_classes : int, default 2
    width : int, default 16
        Channels of the stem and first stage; the stages have ``width, 2 width, 4 width,
        8 width`` channels, and the embedding ``8 width`` features.
    dropout : float, default 0.25
        Dropout before the head.

    Examples
    --------
    >>> net = ResidualCNN(in_channels=3, n_classes=4, width=4)
    >>> tuple(net(torch.zeros(2, 3, 16, 16)).shape), tuple(net.features(
    ...     torch.zeros(2, 3, 40, 24)).shape)
    ((2, 4), (2, 32))
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: int = 16,
                 dropout: float = 0.25) -> None:
        super().__init__()
        _check_int("in_channels", in_channels, 1)
        _check_int("width", width, 1)
        w = int(width)
        self.stem = nn.Sequential(nn.Conv2d(int(in_channels), w, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        stages: list[nn.Module] = []
        channels = w
        for out in (w, 2 * w, 4 * w, 8 * w):
            down = nn.Sequential(nn.Conv2d(channels, out, 1, stride=2, bias=False),
                                 nn.BatchNorm2d(out))
            stages.append(nn.Sequential(_BasicBlock(channels, out, 2, down),
                                        _BasicBlock(out, out)))
            channels = out
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self._make_head(channels, n_classes, dropout)
        _init_weights(self)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Globally pooled embedding, shape ``(n, 8 width)``."""
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)


class _SeparableConv(nn.Sequential):
    """Keras ``SeparableConv2D(kernel 3, padding="same")``: depthwise 3 x 3, pointwise 1 x 1."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False),
            nn.Conv2d(in_channels, out_channels, 1, bias=False))


class _XceptionBlock(nn.Module):
    """ReLU, SepConv, BN, ReLU, SepConv, BN, MaxPool(3, stride 2) + 1 x 1 stride-2 residual."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), _SeparableConv(in_channels, out_channels), nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True), _SeparableConv(out_channels, out_channels),
            nn.BatchNorm2d(out_channels), nn.MaxPool2d(3, stride=2, padding=1))
        self.residual = nn.Conv2d(in_channels, out_channels, 1, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.residual(x)


def _scaled(channels: int, width: float) -> int:
    return max(1, round(channels * float(width)))


class XceptionNet(_Classifier):
    """The Xception-like network of the Keras "image classification from scratch" example.

    Entry block (3 x 3 stride-2 convolution, 3 x 3 convolution; 32 and 64 channels), residual
    blocks of depthwise-separable convolutions at 128, 256, 512 and 728 channels, a separable
    convolution to 1024 channels, global average pooling, dropout, linear head (see the module
    docstring for the source). Every channel count is multiplied by ``width``.

    Parameters
    ----------
    in_channels : int, default 1
    n_classes : int, default 2
    width : float, default 0.25
        Channel multiplier; 1.0 is the full Keras network.
    dropout : float, default 0.25
        Dropout before the head (0.5 in the Keras example).

    Examples
    --------
    >>> net = XceptionNet(in_channels=3, n_classes=5, width=0.125)
    >>> tuple(net(torch.zeros(2, 3, 17, 17)).shape), net.n_features
    ((2, 5), 128)
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: float = 0.25,
                 dropout: float = 0.25) -> None:
        super().__init__()
        _check_int("in_channels", in_channels, 1)
        if isinstance(width, bool) or not isinstance(width, (int, float, np.number)) or \
                not np.isfinite(width) or width <= 0:
            raise AstrolearnInputError(f"XceptionNet width must be a positive number, got "
                                       f"{width!r}", fix="use e.g. width=0.25 (1.0: full size)")
        c32, c64 = _scaled(32, width), _scaled(64, width)
        self.entry = nn.Sequential(
            nn.Conv2d(int(in_channels), c32, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(c32), nn.ReLU(inplace=True),
            nn.Conv2d(c32, c64, 3, padding=1, bias=False), nn.BatchNorm2d(c64),
            nn.ReLU(inplace=True))
        blocks: list[nn.Module] = []
        channels = c64
        for size in (128, 256, 512, 728):
            blocks.append(_XceptionBlock(channels, _scaled(size, width)))
            channels = _scaled(size, width)
        self.blocks = nn.Sequential(*blocks)
        out = _scaled(1024, width)
        self.exit = nn.Sequential(_SeparableConv(channels, out), nn.BatchNorm2d(out),
                                  nn.ReLU(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self._make_head(out, n_classes, dropout)
        _init_weights(self)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Globally pooled embedding, shape ``(n, round(1024 width))``."""
        return torch.flatten(self.pool(self.exit(self.blocks(self.entry(x)))), 1)


class BackboneNet(_Classifier):
    """A ResNet of :mod:`astrolearn.nn.backbones` with global pooling, dropout and a new head.

    Parameters
    ----------
    name : str
        One of :data:`astrolearn.nn.backbones.BACKBONES`.
    in_channels : int, default 3
    n_classes : int, default 2
    dropout : float, default 0.25
    weights : str or Path, optional
        Pretrained weights of that architecture (torchvision ``.pth`` or ``.safetensors``);
        the file's ``fc`` layer is ignored and its first convolution adapted to
        ``in_channels``.

    Examples
    --------
    >>> net = BackboneNet("resnet18", in_channels=1, n_classes=3)
    >>> tuple(net(torch.zeros(2, 1, 16, 16)).shape), net.n_features
    ((2, 3), 512)
    """

    def __init__(self, name: str, in_channels: int = 3, n_classes: int = 2,
                 dropout: float = 0.25, weights: str | Path | None = None) -> None:
        super().__init__()
        self.backbone, channels = build_backbone(name, weights, int(in_channels))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self._make_head(channels, n_classes, dropout)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Globally pooled embedding, shape ``(n, 512)`` (ResNet-18/34) or ``(n, 2048)``."""
        return torch.flatten(self.pool(self.backbone(x)), 1)


class _ImageModel(nn.Module):
    """A network plus the training-time augmentation and the frozen-body switch."""

    def __init__(self, net: _Classifier, rotations: bool, flips: bool,
                 shift_pixels: int, mirror: Sequence[int] | None = None) -> None:
        super().__init__()
        self.net = net
        self.rotations = rotations
        self.flips = flips
        self.shift_pixels = shift_pixels
        # class each class becomes in a mirror image (None: mirrors keep every class)
        self.mirror = None if mirror is None else torch.as_tensor(list(mirror))
        self.frozen = False

    def body(self) -> list[nn.Module]:
        """Every part of the network but the head and its dropout: what transfer fills."""
        return [m for name, m in self.net.named_children() if name not in ("head", "dropout")]

    def freeze_body(self, frozen: bool) -> None:
        """Fix (or release) the body: no gradients, BatchNorm statistics kept."""
        for module in self.body():
            for parameter in module.parameters():
                parameter.requires_grad_(not frozen)
        self.frozen = frozen
        self.train(self.training)

    def train(self, mode: bool = True) -> _ImageModel:
        super().train(mode)
        if self.frozen:
            for module in self.body():
                module.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return self.net(x)
        swap = self.flips and self.mirror is not None
        x = augment_images(x, rotations=self.rotations, flips=self.flips and not swap,
                           shift_pixels=self.shift_pixels)
        if not swap:
            return self.net(x)
        # mirror half the images and read their outputs with the mirrored classes, so
        # that the loss compares them with the original label (a clockwise spiral, mirrored,
        # must score as anticlockwise)
        flipped = (torch.rand(len(x)) < 0.5).to(x.device)
        out = self.net(torch.where(flipped[:, None, None, None], x.flip(-1), x))
        return torch.where(flipped[:, None], out[:, self.mirror.to(out.device)], out)

    def mirrored_proba(self, proba: torch.Tensor) -> torch.Tensor:
        """Probabilities of a mirrored image as those of the original (classes swapped)."""
        return proba if self.mirror is None else proba[:, self.mirror.to(proba.device)]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.features(x)


class _Averaged(nn.Module):
    """Mean softmax (or pooled features) over a set of :func:`dihedral` symmetries."""

    def __init__(self, model: _ImageModel, transforms: list[tuple[int, bool]],
                 features: bool) -> None:
        super().__init__()
        self.model = model
        self.transforms = transforms
        self.use_features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = None
        for k, flip in self.transforms:
            xt = dihedral(x, k, flip)
            if self.use_features:
                out = self.model.features(xt)
            else:
                out = torch.softmax(self.model(xt), dim=1)
                out = self.model.mirrored_proba(out) if flip else out
            total = out if total is None else total + out
        return total / len(self.transforms)


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise AstrolearnInputError(f"{name} must be an integer >= {low}, got {value!r}")


def _is_image_network_file(file: Path) -> bool:
    """Whether a ``.safetensors`` file was written by :meth:`ImageNetwork.save`."""
    from safetensors import safe_open

    try:
        with safe_open(str(file), framework="pt") as handle:
            return any(key.startswith("net.") for key in handle.keys())
    except Exception:  # not safetensors at all: let the ResNet reader explain
        return False


def _load_body(model: _ImageModel, source: str | Path, architecture: str) -> None:
    """Fill everything but the head of ``model`` from another image network's weights."""
    path = Path(source)
    file = path / "network.safetensors" if path.is_dir() else path
    if not file.is_file():
        raise AstrolearnInputError(
            "no image network weights here" if path.exists() else "weights file does not exist",
            file=path, fix="pass the model folder of an ImageClassifier (or its "
                           "network.safetensors) of the same architecture and width")
    try:
        tensors, _ = read_weights(file)
    except Exception as err:  # safetensors raises its own types for a bad file
        raise AstrolearnInputError(
            f"cannot read the weights ({type(err).__name__}: {str(err)[:200]})", file=file,
            fix="pass the network.safetensors of an image model (for a torchvision ResNet "
                "file, set architecture='resnet18' or its architecture)") from None
    own = {k: v for k, v in tensors.items() if not k.startswith("net.head.")}
    expected = {k: v for k, v in model.state_dict().items() if not k.startswith("net.head.")}
    bad = sorted(set(own) ^ set(expected)) or [
        f"{k} {tuple(own[k].shape)} in the file, {tuple(v.shape)} here"
        for k, v in expected.items() if tuple(own[k].shape) != tuple(v.shape)]
    if bad:
        raise AstrolearnInputError(
            f"the weights do not fit this {architecture!r} network (first differences: "
            f"{'; '.join(bad[:3])})", file=file,
            fix="use the same architecture, width and number of bands as the pretrained "
                "network (the image size and the classes may differ)")
    nonfinite = [k for k, v in own.items() if v.is_floating_point() and
                 not torch.isfinite(v).all()]
    if nonfinite:
        raise AstrolearnInputError(f"the weights hold NaN or infinite values (first: "
                                   f"{nonfinite[0]})", file=file,
                                   fix="pretrain again; that run diverged")
    model.load_state_dict({**model.state_dict(), **own})


# --------------------------------------------------------------------------- the estimator


class ImageNetwork:
    """A CNN image classifier with augmentation, early stopping and transfer learning.

    Parameters
    ----------
    architecture : str, default "resnet"
        ``"resnet"`` (:class:`ResidualCNN`), ``"xception"`` (:class:`XceptionNet`), or a
        pretrained-able ResNet of :data:`astrolearn.nn.backbones.BACKBONES` (``"resnet18"``,
        ``"resnet34"``, ``"resnet50"``, ... as :class:`BackboneNet`).
    width : int or float, optional
        Size of the own networks: channels of the first stage of ``"resnet"`` (an integer,
        default 16), or the channel multiplier of ``"xception"`` (default 0.25). Unused by
        the ResNet backbones, which have torchvision's widths.
    dropout : float, default 0.25
        Dropout before the head.
    epochs : int, default 30
    batch_size : int, default 64
    learning_rate : float, default 1e-3
    patience : int, default 6
        Epochs without improvement of the held-out loss before training stops.
    rotations : bool, default True
        Augment by random quarter turns in training (and average over them with ``tta``).
    flips : bool, default True
        Augment by random mirror flips too. When labels depend on handedness (clockwise /
        anticlockwise spirals) a mirror swaps them: either set False, or give
        ``mirror_classes``.
    mirror_classes : sequence of int, optional
        The class code each class becomes in a mirror image (``mirror_classes[c]``; a
        permutation that is its own inverse, e.g. ``[0, 2, 1]`` when classes 1 and 2 are
        clockwise and anticlockwise spirals). With ``flips``, mirrored training images are
        scored against the mirrored class, and test-time averaging reads each mirrored
        prediction with the classes swapped back; embeddings are then averaged over the
        rotations only, since a mirror changes what they encode.
    shift_pixels : int, default 0
        Largest random shift, in whole pixels along each axis, in training; 0 turns it off.
    backbone_weights : str or Path, optional
        Pretrained weights, read at :meth:`fit` only: a torchvision ResNet file (ResNet
        architectures), or the model folder / ``network.safetensors`` of another image
        network of the same architecture, width and bands (any architecture; every tensor
        but the head's is copied). See the module docstring.
    freeze_epochs : int, default 0
        Train only the head, on the fixed pretrained body, for this many of the ``epochs``
        first, then everything (needs ``backbone_weights``).
    random_state : int, default 0
    device : str, default "auto"
        Where to train and predict (:func:`astrolearn.nn.device.choose_device`): a GPU when
        present. The fitted network is kept on the CPU between calls.
    num_threads : int, optional
        CPU threads of PyTorch while fitting and predicting (restored afterwards); ``None``
        leaves the setting alone. One thread is often much faster for small networks on a
        busy machine.

    Attributes
    ----------
    net_ : torch.nn.Module
        The fitted network (augmentation wrapper; the classifier is ``net_.net``).
    shapes_ : dict
        ``in_channels``, ``n_classes`` and the training image size.
    history_ : TrainingHistory

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(size=(40, 1, 16, 16)).astype(np.float32)
    >>> y = np.repeat([0, 1], 20)
    >>> images[y == 1, :, 6:10, 6:10] += 3.0  # class 1: a bright centre
    >>> net = ImageNetwork(width=4, epochs=5, batch_size=8, learning_rate=0.01, num_threads=1)
    >>> net = net.fit(images, y, n_classes=2)
    >>> proba = net.predict_proba(images, tta=True)
    >>> proba.shape, net.embed(images).shape, bool((proba.argmax(1) == y).mean() > 0.9)
    ((40, 2), (40, 32), True)
    """

    def __init__(self, architecture: str = "resnet", width: float | None = None, *,
                 dropout: float = 0.25, epochs: int = 30, batch_size: int = 64,
                 learning_rate: float = 1e-3, patience: int = 6, rotations: bool = True,
                 flips: bool = True, mirror_classes: Sequence[int] | None = None,
                 shift_pixels: int = 0, backbone_weights: str | Path | None = None,
                 freeze_epochs: int = 0,
                 random_state: int = 0, device: str = "auto",
                 num_threads: int | None = None) -> None:
        self.architecture = architecture
        self.width = width
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.rotations = rotations
        self.flips = flips
        self.mirror_classes = mirror_classes
        self.shift_pixels = shift_pixels
        self.backbone_weights = backbone_weights
        self.freeze_epochs = freeze_epochs
        self.random_state = random_state
        self.device = device
        self.num_threads = num_threads

    _CONFIG = ("architecture", "width", "dropout", "epochs", "batch_size", "learning_rate",
               "patience", "rotations", "flips", "mirror_classes", "shift_pixels",
               "backbone_weights",
               "freeze_epochs", "random_state", "device", "num_threads")

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON; a weights path as a string)."""
        config = {k: getattr(self, k) for k in self._CONFIG}
        if isinstance(config["backbone_weights"], os.PathLike):
            config["backbone_weights"] = os.fspath(config["backbone_weights"])
        for key, value in config.items():
            if isinstance(value, np.generic):
                config[key] = value.item()
        if config["mirror_classes"] is not None:
            config["mirror_classes"] = [int(c) for c in config["mirror_classes"]]
        return config

    def _check_mirror(self, n_classes: int) -> None:
        mirror = self.mirror_classes
        if mirror is None:
            return
        codes = np.asarray(list(mirror))
        if codes.shape != (n_classes,) or not np.issubdtype(codes.dtype, np.integer) or \
                sorted(codes.tolist()) != list(range(n_classes)) or \
                (codes[codes] != np.arange(n_classes)).any():
            raise AstrolearnInputError(
                f"mirror_classes must give, for each of the {n_classes} classes, the class "
                f"its mirror image belongs to (a permutation that swaps pairs); got "
                f"{list(mirror)!r}", fix="e.g. [0, 2, 1] when classes 1 and 2 are mirror twins")

    # ------------------------------------------------------------------ checks
    def _resolved_width(self) -> float | int | None:
        if self.architecture not in _DEFAULT_WIDTH:
            return None
        return _DEFAULT_WIDTH[self.architecture] if self.width is None else self.width

    def _check_config(self) -> None:
        if not isinstance(self.architecture, str) or self.architecture not in ARCHITECTURES:
            raise AstrolearnInputError(
                f"unknown architecture {self.architecture!r}",
                fix=f"use one of {', '.join(ARCHITECTURES)}")
        width = self._resolved_width()
        if self.architecture == "resnet":
            if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
                raise AstrolearnInputError(
                    f"width of the 'resnet' architecture is its first stage's channel count, a "
                    f"positive integer; got {width!r}", fix="use e.g. width=16")
        elif self.architecture == "xception":
            if isinstance(width, bool) or not isinstance(width, (int, float, np.number)) or \
                    not np.isfinite(width) or width <= 0:
                raise AstrolearnInputError(
                    f"width of the 'xception' architecture is a channel multiplier, a positive "
                    f"number; got {width!r}", fix="use e.g. width=0.25 (1.0: the full network)")
        for name in ("epochs", "batch_size", "patience"):
            _check_int(f"ImageNetwork {name}", getattr(self, name), 1)
        _check_int("ImageNetwork shift_pixels", self.shift_pixels, 0)
        if self.num_threads is not None:
            _check_int("ImageNetwork num_threads", self.num_threads, 1)
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or \
                not 0.0 <= float(self.dropout) < 1.0:
            raise AstrolearnInputError(f"ImageNetwork dropout must be in [0, 1), "
                                       f"got {self.dropout!r}")
        for name in ("rotations", "flips"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise AstrolearnInputError(f"ImageNetwork {name} must be True or False, got "
                                           f"{getattr(self, name)!r}")
        check_transfer_options("ImageNetwork", self.backbone_weights, self.freeze_epochs,
                               int(self.epochs))

    def _build(self, shapes: dict[str, int], *, pretrained: bool = False) -> None:
        """Build ``net_``; ``pretrained`` reads ``backbone_weights`` (at fit, not at load)."""
        self._check_config()
        self.shapes_ = {k: int(v) for k, v in shapes.items()}
        bands, n_classes = self.shapes_["in_channels"], self.shapes_["n_classes"]
        self._check_mirror(n_classes)
        weights = self.backbone_weights if pretrained else None
        own_file = weights is not None and (
            self.architecture in _DEFAULT_WIDTH or Path(weights).is_dir() or
            (Path(weights).suffix.lower() == ".safetensors" and
             _is_image_network_file(Path(weights))))
        with rng_scope(resolve_seed(self.random_state)):
            if self.architecture == "resnet":
                net: _Classifier = ResidualCNN(bands, n_classes, int(self._resolved_width()),
                                               float(self.dropout))
            elif self.architecture == "xception":
                net = XceptionNet(bands, n_classes, float(self._resolved_width()),
                                  float(self.dropout))
            else:
                net = BackboneNet(self.architecture, bands, n_classes, float(self.dropout),
                                  None if own_file else weights)
            self.net_ = _ImageModel(net, bool(self.rotations), bool(self.flips),
                                    int(self.shift_pixels), self.mirror_classes)
        if own_file:
            _load_body(self.net_, weights, self.architecture)

    def _array(self, images: Any) -> np.ndarray:
        try:
            # No copy when already float32: nothing here writes into the input (augmentation
            # works on a clone), and image sets can be large.
            x = np.asarray(images, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise AstrolearnInputError(f"images must be a numeric array: {err}") from None
        if x.ndim != 4 or x.shape[1] < 1:
            raise AstrolearnInputError(
                f"images must have shape (n, bands, height, width), got {x.shape}",
                fix="add a band axis for one-band images (images[:, None])")
        if min(x.shape[2:]) < MIN_SIZE:
            raise AstrolearnInputError(
                f"images of {x.shape[2]} x {x.shape[3]} pixels are too small: the networks "
                f"need at least {MIN_SIZE} x {MIN_SIZE}", fix="use larger cutouts")
        bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
        if bad.any():
            raise AstrolearnInputError(
                f"{int(bad.sum())} images hold NaN or infinite values (first: image "
                f"{int(np.flatnonzero(bad)[0])})",
                fix="prepare them with astrolearn.images.preprocess.prepare_images, which "
                    "masks bad pixels")
        return x

    # ------------------------------------------------------------------ fit
    def fit(self, images: np.ndarray, y: np.ndarray, *, n_classes: int,
            groups: np.ndarray | None = None, sample_weight: np.ndarray | None = None,
            progress: Any = False) -> ImageNetwork:
        """Train on images ``(n, bands, height, width)`` and integer class codes ``y``.

        Parameters
        ----------
        images : ndarray
            Prepared images (see :func:`astrolearn.images.preprocess.prepare_images`).
        y : ndarray of int
            Class codes in ``0 .. n_classes - 1``.
        n_classes : int
        groups : array-like, optional
            Group of each image (e.g. SDSS field, sky region): early stopping holds out whole
            groups, so that neighbours never straddle the split; without it a stratified
            tenth is held out.
        sample_weight : array-like, optional
            Non-negative weight of each image (e.g. balanced class weights).
        progress : bool or callable, default False
            Print one line per epoch, or call ``progress(epoch, train_loss, val_loss)``.
        """
        self._check_config()
        x = self._array(images)
        n = len(x)
        _check_int("n_classes", n_classes, 2)
        y_arr = np.asarray(y)
        if y_arr.shape != (n,) or not np.issubdtype(y_arr.dtype, np.integer) or \
                (n and (y_arr.min() < 0 or y_arr.max() >= n_classes)):
            raise AstrolearnInputError(
                f"y must be {n} integer class codes in 0..{n_classes - 1}, got shape "
                f"{y_arr.shape} and dtype {y_arr.dtype}", fix="encode the labels as integers")
        if n < 4:
            raise AstrolearnInputError(f"at least 4 training images are needed, got {n}")
        y_arr = y_arr.astype(np.int64)
        w = None
        if sample_weight is not None:
            w = np.array(sample_weight, dtype=np.float64, copy=True)
            if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
                raise AstrolearnInputError(
                    f"sample_weight must be {n} finite non-negative numbers, got shape {w.shape}")
        self._build({"in_channels": x.shape[1], "n_classes": int(n_classes),
                     "height": x.shape[2], "width": x.shape[3]}, pretrained=True)
        self.history_ = fit_classifier(
            self.net_, x, y_arr, sample_weight=w, groups=groups, epochs=int(self.epochs),
            batch_size=int(self.batch_size), learning_rate=float(self.learning_rate),
            patience=int(self.patience), random_state=self.random_state, device=self.device,
            progress=progress, num_threads=self.num_threads,
            freeze_epochs=int(self.freeze_epochs), freeze=self.net_.freeze_body,
            frozen_label=" (body frozen)", batchnorm_fix="raise batch_size, or train on more "
                                                          "images")
        return self

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this ImageNetwork is not fitted yet", fix="call fit()")

    def _run(self, images: np.ndarray, tta: bool, features: bool) -> np.ndarray:
        self._check_fitted()
        x = self._array(images)
        bands = self.shapes_["in_channels"]
        if x.shape[1] != bands:
            raise AstrolearnInputError(
                f"images have {x.shape[1]} bands but the network was trained on {bands}",
                fix="give the bands used in training, in the same order")
        mirror_features = features and self.mirror_classes is not None
        transforms = symmetries(x.shape[2], x.shape[3], rotations=bool(self.rotations),
                                flips=bool(self.flips) and not mirror_features
                                ) if tta else [(0, False)]
        wrapper = _Averaged(self.net_, transforms, features).eval()
        try:
            with _thread_limit(self.num_threads):
                out = predict_batches(wrapper, x, batch_size=_PREDICT_BATCH,
                                      device=self.device)
        finally:
            self.net_.to("cpu").eval()
        return out

    def predict_proba(self, images: np.ndarray, *, tta: bool = False) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``.

        With ``tta``, the mean of the softmax over the symmetries used in training (the
        rotations, and the mirror images when ``flips``), which is invariant to them.
        """
        return self._run(images, bool(tta), features=False).astype(np.float64)

    def embed(self, images: np.ndarray, *, tta: bool = False) -> np.ndarray:
        """Globally pooled features ``(n, d)`` (float32), e.g. for anomaly scores or UMAP.

        With ``tta``, averaged over the training symmetries: a rotated galaxy gets the same
        embedding.
        """
        return self._run(images, bool(tta), features=True)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write the weights (and BatchNorm statistics) as safetensors, shapes as metadata."""
        self._check_fitted()
        write_weights(path, self.net_.state_dict(), self.shapes_)

    @classmethod
    def load(cls, path: str | Path, config: dict[str, Any]) -> ImageNetwork:
        """Read weights written by :meth:`save` (safetensors: nothing is unpickled).

        The network is rebuilt empty and filled from ``path``: the original
        ``backbone_weights`` are not read and need not exist any more.
        """
        tensors, shapes = read_weights(path)
        self = cls(**config)
        self._build(shapes)
        self.net_.load_state_dict(tensors)
        self.net_.eval()
        return self
