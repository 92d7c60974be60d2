"""Pretrained image backbones for transfer learning: torchvision's ResNets in plain PyTorch.

Transfer learning starts from a network trained on a large image set (ImageNet) and
fine-tunes it on a small astronomical one (Gravity Spy glitches, galaxy cutouts). The
weights come as a file the user downloads once, typically torchvision's own
(``resnet18-f37072fd.pth`` from ``https://download.pytorch.org/models/``, a ``state_dict``
saved with ``torch.save``), or a safetensors export of it.

**Why written here rather than imported from torchvision:** torchvision ships compiled
operators tied to one PyTorch build, so a torchvision wheel often cannot be installed beside a
given torch (CPU builds, new releases), while astrolearn depends on torch alone. The ResNets
below are the few dozen lines of ``torchvision.models.resnet`` (He et al. 2016, CVPR,
"Deep residual learning for image recognition"), rewritten with the *same module attribute
names* (``conv1``, ``bn1``, ``relu``, ``maxpool``, ``layer1`` .. ``layer4`` with
``downsample.0`` / ``downsample.1``, ``fc``), the same widths and the same initialisation, so
that their ``state_dict`` keys and shapes are torchvision's and a torchvision file loads
unchanged. As in torchvision (the "ResNet v1.5" layout), a Bottleneck block downsamples in its
3 x 3 convolution (``conv2``), not in the first 1 x 1 one. timm's ``resnet*`` weights use the
same names and load as well. There is deliberately no fallback to other torchvision
architectures (it could not be tested where torchvision is missing); the names are
:data:`BACKBONES`.

**Feature extractor.** :func:`build_backbone` returns the network up to, and without, the
global average pool and the classification layer ``fc``: it maps images ``(n, in_channels,
h, w)`` to the last feature map ``(n, C, ceil(h / 32), ceil(w / 32))``, so that the caller
chooses the pooling (the glitch CNN keeps four frequency bands, for instance). The ``fc``
weights of a file are ignored.

**Input channels.** ImageNet weights expect three (RGB) channels. For ``in_channels=1`` the
first convolution's weights are summed over the RGB axis: a grey image ``x`` then gives
exactly the activations that the original network gives for the colour image ``(x, x, x)``,
the usual adaptation (timm's ``adapt_input_conv`` does the same for one channel). For other
channel counts (e.g. five photometric bands) every input channel gets the RGB sum divided by
``in_channels``, i.e. the mean RGB filter scaled by ``3 / in_channels``, which keeps the same
property: the same image on every channel gives the activations of the grey RGB image. timm
instead repeats the R, G, B filters cyclically (times ``3 / in_channels``), which ties bands
to colours arbitrarily and keeps the property only when ``in_channels`` is a multiple of three.

**Reading weights.** ``.safetensors`` files are read with safetensors (no code runs). Other
files go through ``torch.load(..., weights_only=True)``, PyTorch's restricted unpickler that
accepts tensors and containers only, never arbitrary objects. A checkpoint dictionary with a
``"state_dict"``, ``"model"`` or ``"model_state_dict"`` entry is unwrapped, and the
``"module."`` prefix of ``DataParallel`` saves is removed. Keys or shapes that do not fit
raise :class:`~astrolearn.errors.AstrolearnInputError` naming the file, the first offending
keys and, when the file fits another of :data:`BACKBONES`, that name.
"""

from __future__ import annotations

import functools
import numbers
import os
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from astrolearn.errors import AstrolearnInputError

__all__ = ["BACKBONES", "ResNet", "adapt_input_conv", "build_backbone",
           "check_transfer_options", "read_state_dict", "resnet"]

#: Block type and blocks per stage of each architecture (torchvision's table).
_ARCHITECTURES: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}

#: Names accepted by :func:`build_backbone` and :func:`resnet`.
BACKBONES: tuple[str, ...] = tuple(_ARCHITECTURES)

_DOWNLOAD = "https://download.pytorch.org/models/resnet18-f37072fd.pth"
_SHOW = 5  # offending keys named in an error message


def _conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class _BasicBlock(nn.Module):
    """Two 3 x 3 convolutions and a shortcut (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class _Bottleneck(nn.Module):
    """1 x 1 reduce, 3 x 3 (with the stride: ResNet v1.5), 1 x 1 expand, and a shortcut."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = _conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A ResNet with torchvision's module names, widths and initialisation.

    Parameters
    ----------
    block : {"basic", "bottleneck"}
        Residual block: two 3 x 3 convolutions (ResNet-18/34) or the 1-3-1 bottleneck
        (ResNet-50 and deeper).
    layers : sequence of 4 int
        Blocks in each of the four stages (64, 128, 256, 512 base channels).
    num_classes : int or None, default 1000
        Size of the classification layer ``fc`` after global average pooling; ``None`` builds
        the feature extractor only (no ``avgpool``, no ``fc``): ``forward`` then returns the
        last feature map.
    in_channels : int, default 3
        Channels of the input images (of ``conv1``).

    Attributes
    ----------
    out_channels : int
        Channels of the last feature map (512 for basic blocks, 2048 for bottlenecks).

    Examples
    --------
    >>> net = ResNet("basic", (2, 2, 2, 2), num_classes=None, in_channels=1)
    >>> net(torch.zeros(2, 1, 64, 48)).shape
    torch.Size([2, 512, 2, 2])
    """

    def __init__(self, block: str, layers: tuple[int, ...] | list[int], *,
                 num_classes: int | None = 1000, in_channels: int = 3) -> None:
        super().__init__()
        if block not in ("basic", "bottleneck"):
            raise AstrolearnInputError(f"ResNet block must be 'basic' or 'bottleneck', "
                                       f"got {block!r}")
        if len(layers) != 4 or any(int(k) < 1 for k in layers):
            raise AstrolearnInputError(f"ResNet layers must be 4 positive block counts, "
                                       f"got {layers!r}")
        _positive_int("in_channels", in_channels)
        kind = _BasicBlock if block == "basic" else _Bottleneck
        self.inplanes = 64
        self.conv1 = nn.Conv2d(int(in_channels), 64, kernel_size=7, stride=2, padding=3,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(kind, 64, int(layers[0]))
        self.layer2 = self._make_layer(kind, 128, int(layers[1]), stride=2)
        self.layer3 = self._make_layer(kind, 256, int(layers[2]), stride=2)
        self.layer4 = self._make_layer(kind, 512, int(layers[3]), stride=2)
        self.out_channels = 512 * kind.expansion
        self.include_top = num_classes is not None
        if num_classes is not None:
            _positive_int("num_classes", num_classes)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(self.out_channels, int(num_classes))
        for m in self.modules():  # torchvision's initialisation (zero_init_residual=False)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, kind: type[nn.Module], planes: int, blocks: int,
                    stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * kind.expansion:
            downsample = nn.Sequential(_conv1x1(self.inplanes, planes * kind.expansion, stride),
                                       nn.BatchNorm2d(planes * kind.expansion))
        layers = [kind(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * kind.expansion
        layers += [kind(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        if not self.include_top:
            return x
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet(name: str, *, num_classes: int | None = 1000, in_channels: int = 3) -> ResNet:
    """Build one of :data:`BACKBONES` with random (torchvision-style) initial weights.

    Parameters
    ----------
    name : str
        ``"resnet18"``, ``"resnet34"``, ``"resnet50"``, ``"resnet101"`` or ``"resnet152"``.
    num_classes : int or None, default 1000
        Classes of the ``fc`` layer; ``None`` for the feature extractor alone.
    in_channels : int, default 3

    Returns
    -------
    ResNet

    Examples
    --------
    >>> sum(p.numel() for p in resnet("resnet18").parameters())  # as torchvision's
    11689512
    """
    block, layers = _ARCHITECTURES[_check_name(name)]
    return ResNet(block, layers, num_classes=num_classes, in_channels=in_channels)


def adapt_input_conv(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """First-layer weights ``(out, 3, k, k)`` for ``in_channels`` input channels.

    Three channels are returned unchanged. Otherwise each new channel gets the sum over RGB
    divided by ``in_channels`` (for one channel: the sum), so that an image repeated on every
    input channel gives the activations the original gives for its grey RGB version (see the
    module docstring). A new tensor is returned; ``weight`` is not modified.

    Examples
    --------
    >>> w = torch.ones(2, 3, 1, 1)
    >>> adapt_input_conv(w, 1)[:, :, 0, 0].tolist(), adapt_input_conv(w, 2).shape
    ([[3.0], [3.0]], torch.Size([2, 2, 1, 1]))
    """
    _positive_int("in_channels", in_channels)
    if weight.ndim != 4 or weight.shape[1] != 3:
        raise AstrolearnInputError(f"input-layer weights must have shape (out, 3, k, k) to be "
                                   f"adapted, got {tuple(weight.shape)}")
    if in_channels == 3:
        return weight.clone()
    total = weight.float().sum(dim=1, keepdim=True) / int(in_channels)
    return total.repeat(1, int(in_channels), 1, 1).to(weight.dtype)


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a weights file into a flat ``{name: tensor}`` dictionary (on the CPU).

    ``.safetensors`` files are read with safetensors; any other file with
    ``torch.load(path, map_location="cpu", weights_only=True)``. A checkpoint with a
    ``"state_dict"``, ``"model"`` or ``"model_state_dict"`` entry is unwrapped, and a
    ``"module."`` prefix on every key (``DataParallel``) is removed.

    Raises
    ------
    AstrolearnInputError
        The file is missing, cannot be read, or does not hold a dictionary of tensors.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "w.pth"
    >>> torch.save({"epoch": 3, "state_dict": {"module.fc.bias": torch.zeros(2)}}, path)
    >>> list(read_state_dict(path))
    ['fc.bias']
    """
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise AstrolearnInputError(f"weights must be a file path, got {type(path).__name__}",
                                   fix="pass the path of a .pth or .safetensors file")
    path = Path(path)
    fix_download = (f"download the weights (torchvision's are at e.g. {_DOWNLOAD}) and pass "
                    "the path of the .pth or .safetensors file")
    if not path.exists():
        raise AstrolearnInputError("weights file does not exist", file=path, fix=fix_download)
    if not path.is_file():
        raise AstrolearnInputError("weights path is not a file", file=path, fix=fix_download)
    if path.suffix.lower() == ".safetensors":
        try:
            from safetensors.torch import load_file

            obj: Any = load_file(str(path), device="cpu")
        except Exception as exc:  # safetensors raises its own error types for bad headers
            raise AstrolearnInputError(
                f"cannot read the file as safetensors ({type(exc).__name__}: "
                f"{_first_line(exc)})", file=path,
                fix="pass an intact .safetensors file, or a .pth file saved with torch.save"
            ) from None
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # pickle and zip errors of many types
            if isinstance(exc, pickle.UnpicklingError) and "weights only" in str(exc).lower():
                why = ("it holds pickled Python objects besides tensors (such as a whole "
                       "model saved with torch.save(model)), which weights-only loading "
                       "refuses")
            else:
                why = f"{type(exc).__name__}: {_first_line(exc)}"
            raise AstrolearnInputError(
                f"cannot read the file as PyTorch weights ({why})", file=path,
                fix="pass a state_dict saved with torch.save(model.state_dict(), path) (a "
                    "whole pickled model is refused, as loading it could run code), or a "
                    ".safetensors file") from None
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model", "model_state_dict"):
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj:
        what = "an empty dictionary" if isinstance(obj, Mapping) else \
            f"a {type(obj).__name__}"
        raise AstrolearnInputError(f"the file holds {what}, not a state dict of tensors",
                                   file=path,
                                   fix="save the weights with torch.save(model.state_dict(), "
                                       "path)")
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not torch.is_tensor(v)]
    if bad:
        raise AstrolearnInputError(
            f"not a state dict: {len(bad)} entries are not named tensors (first: "
            f"{', '.join(map(repr, bad[:_SHOW]))})", file=path,
            fix="save the weights with torch.save(model.state_dict(), path)")
    state = dict(obj)
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def build_backbone(name: str, weights: str | Path | None = None, in_channels: int = 1
                   ) -> tuple[nn.Module, int]:
    """A convolutional feature extractor, optionally with pretrained weights from a file.

    Parameters
    ----------
    name : str
        One of :data:`BACKBONES`.
    weights : str or Path, optional
        A weights file of that architecture (torchvision ``.pth``, or ``.safetensors``); its
        ``fc`` entries are ignored and its three-channel ``conv1`` is adapted to
        ``in_channels`` (see :func:`adapt_input_conv`). ``None`` keeps the random
        initialisation.
    in_channels : int, default 1
        Channels of the input images.

    Returns
    -------
    module : torch.nn.Module
        Maps ``(n, in_channels, h, w)`` to the last feature map ``(n, C, h', w')``, before any
        pooling; in training mode, as built.
    channels : int
        ``C``: 512 for ResNet-18/34, 2048 for ResNet-50 and deeper.

    Raises
    ------
    AstrolearnInputError
        Unknown name, or a weights file that is missing, unreadable or of another
        architecture (the message names the file, the first offending keys and the fix).

    Examples
    --------
    >>> net, channels = build_backbone("resnet18", in_channels=1)
    >>> channels, tuple(net(torch.zeros(2, 1, 32, 32)).shape)
    (512, (2, 512, 1, 1))
    """
    name = _check_name(name)
    _positive_int("in_channels", in_channels)
    module = resnet(name, num_classes=None, in_channels=int(in_channels))
    if weights is not None:
        _load_pretrained(module, read_state_dict(weights), name, Path(weights))
    return module, module.out_channels


# --------------------------------------------------------------------------- helpers


def _load_pretrained(module: ResNet, state: dict[str, torch.Tensor], name: str,
                     path: Path) -> None:
    """Check ``state`` against ``module`` (keys, then shapes) and copy it in."""
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    expected = module.state_dict()
    unexpected = [k for k in state if k not in expected]
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    if unexpected or missing:
        parts = []
        if missing:
            parts.append(f"{len(missing)} keys missing (first: {', '.join(missing[:_SHOW])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys (first: "
                         f"{', '.join(unexpected[:_SHOW])})")
        raise AstrolearnInputError(
            f"the weights do not fit a {name}: {'; '.join(parts)}", file=path,
            fix=_fix_name(state, name))
    conv = state.get("conv1.weight")
    target = expected["conv1.weight"]
    if conv is not None and conv.ndim == 4 and conv.shape[1] == 3 and target.shape[1] != 3 \
            and conv.shape[0] == target.shape[0] and conv.shape[2:] == target.shape[2:]:
        state["conv1.weight"] = adapt_input_conv(conv, target.shape[1])
    wrong = [f"{k} {tuple(v.shape)} in the file, {tuple(expected[k].shape)} in the network"
             for k, v in state.items() if v.shape != expected[k].shape]
    if wrong:
        raise AstrolearnInputError(
            f"the weights do not fit a {name}: {len(wrong)} tensors have other shapes "
            f"(first: {'; '.join(wrong[:3])})", file=path, fix=_fix_name(state, name))
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise AstrolearnInputError(
            f"the weights hold NaN or infinite values ({len(bad)} tensors, first: "
            f"{', '.join(bad[:_SHOW])})", file=path,
            fix="download the file again, or pass weights from a run that did not diverge")
    # strict=False only because files saved before PyTorch 0.4.1 (torchvision's first
    # downloads) have no BatchNorm num_batches_tracked; every other key was checked above.
    module.load_state_dict(state, strict=False)


@functools.cache
def _architecture_keys(name: str) -> frozenset[str]:
    """State-dict keys of a feature extractor, without num_batches_tracked (built on 'meta')."""
    with torch.device("meta"):
        net = resnet(name, num_classes=None)
    return frozenset(k for k in net.state_dict() if not k.endswith("num_batches_tracked"))


def _fix_name(state: Mapping[str, torch.Tensor], name: str) -> str:
    keys = {k for k in state if not k.endswith("num_batches_tracked")}
    for other in BACKBONES:
        if other != name and keys == _architecture_keys(other):
            return (f"this is a {other} file, not a {name} one: pass the matching name "
                    f"({other!r})")
    return (f"pass the weights of a torchvision {name}, or the name of the architecture the "
            f"file was saved from (one of {', '.join(BACKBONES)})")


def check_transfer_options(owner: str, backbone_weights: Any, freeze_epochs: Any,
                           epochs: int) -> None:
    """Check the transfer-learning settings a network estimator shares with the others.

    ``backbone_weights`` must be a file path or None; ``freeze_epochs`` an integer in
    0..``epochs``, and above 0 only with pretrained weights to keep fixed. ``owner`` (the
    estimator's name) starts every message.

    Examples
    --------
    >>> check_transfer_options("ImageNetwork", "resnet18.pth", 3, epochs=20)
    >>> check_transfer_options("ImageNetwork", None, 3, epochs=20)
    Traceback (most recent call last):
    ...
    astrolearn.errors.AstrolearnInputError: ImageNetwork freeze_epochs keeps pretrained \
weights fixed, but no backbone_weights were given. Fix: pass backbone_weights=PATH, or \
freeze_epochs=0
    """
    if backbone_weights is not None and (isinstance(backbone_weights, bool) or not isinstance(
            backbone_weights, (str, os.PathLike))):
        raise AstrolearnInputError(f"{owner} backbone_weights must be a file path, got "
                                   f"{backbone_weights!r}", fix="pass the path of a weights file")
    if isinstance(freeze_epochs, bool) or not isinstance(freeze_epochs, numbers.Integral) \
            or not 0 <= freeze_epochs <= epochs:
        raise AstrolearnInputError(f"{owner} freeze_epochs must be an integer in 0..epochs "
                                   f"({epochs}), got {freeze_epochs!r}")
    if freeze_epochs > 0 and backbone_weights is None:
        raise AstrolearnInputError(
            f"{owner} freeze_epochs keeps pretrained weights fixed, but no backbone_weights "
            "were given", fix="pass backbone_weights=PATH, or freeze_epochs=0")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or name not in _ARCHITECTURES:
        raise AstrolearnInputError(f"unknown backbone {name!r}",
                                   fix=f"use one of {', '.join(BACKBONES)}")
    return name


def _positive_int(what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise AstrolearnInputError(f"{what} must be a positive integer, got {value!r}")


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()  # no ANSI colours
    return text[0][:200] if text else "no message"
