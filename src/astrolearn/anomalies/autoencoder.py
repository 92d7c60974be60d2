"""Convolutional autoencoder: anomaly score = how badly an image is reconstructed.

An autoencoder squeezes each image through a narrow bottleneck (``latent`` numbers) and
rebuilds it. Trained on a survey where almost every object is an ordinary galaxy, it learns
to rebuild ordinary galaxies well; a merger's tidal tail, a lensed arc or a satellite trail
is rare in the training set and comes out blurred or missing, so its reconstruction error is
large. This is the autoencoder baseline of Storey-Fisher et al. (2021, MNRAS 508, 2946) and
of Astronomaly (Lochner & Bassett 2021); the bottleneck codes (:meth:`AutoencoderScorer.features`)
are also a learned, compact description of each image, which an isolation forest
(:class:`astrolearn.anomalies.forest.FeatureForest`) or a UMAP map can use.

**Network** (:class:`ConvAutoencoder`). Encoder: three 3 x 3 convolutions of stride 2 with
``width``, ``2 width`` and ``4 width`` channels, each followed by a leaky ReLU (a 64 x 64
cutout is read at 32, 16 and 8 pixels), then a linear layer to the ``latent`` bottleneck.
Decoder, mirroring it: a linear layer back to ``4 width`` maps of 1/8 size, then three steps
of nearest-neighbour upsampling by 2 and a 3 x 3 convolution (``2 width``, ``width`` channels,
then the bands with no activation, since prepared images are signed: noise goes below zero).
Upsampling followed by a convolution avoids the checkerboard artefacts of transposed
convolutions (Odena, Dumoulin & Olah 2016, Distill). No BatchNorm: the reconstruction of an
image must not depend on the rest of its batch, and the network is shallow enough to train
without it. (A variant with an extra full-resolution convolution at each end cost twice the
time and scored the same.)

**Image size.** Three stride-2 steps need sides divisible by 8. Other sizes are padded with
zeros (the background level of prepared images) on all sides up to the next multiple of 8
inside the network, and the reconstruction is cropped back, so the reconstruction, and the
error, cover exactly the pixels given; the padding costs a little capacity, nothing else.
Images must be at least 8 pixels on a side.

**Rotations** (``rotations=True``). A galaxy has no preferred orientation on the sky, so in
training each image is turned by a random multiple of 90 degrees (0 or 180 for non-square
images) before the encoder, and the reconstruction is turned back before the loss, i.e. the
network learns to rebuild every orientation. The augmentation sits inside the module's
``forward`` in training mode (as in :mod:`astrolearn.glitches.network`), because the shared
training loop :func:`astrolearn.nn.training.fit_module` has no augmentation hook; its random
draws come from PyTorch's generator, which ``fit_module`` seeds. Exact 90-degree turns move
pixels without interpolation, so the noise is unchanged. ``anomaly_score(...,
average_rotations=True)`` averages the score over the four orientations (on simulated cutouts
it changed nothing measurable, so it is off by default).

**Loss and score.** Training minimises the per-image mean squared error over all pixels and
bands (:func:`~astrolearn.nn.training.fit_module`: AdamW, early stopping on a held-out tenth,
best weights restored). The anomaly score is the mean square of the *smoothed* residual:
the residual ``image - reconstruction`` is convolved with a Gaussian of ``smoothing`` pixels
(default 1) before squaring (:func:`gaussian_smooth`). The reason: a bottleneck network
cannot (and should not) reproduce pixel noise, so the plain mean squared error of every image
is dominated by its noise (about 1 per pixel after
:func:`~astrolearn.images.preprocess.prepare_images`), and the few hundred pixels of a tidal
tail or an arc are diluted in it. Smoothing divides the variance of white pixel noise by about
``4 pi smoothing^2`` (12.6 at 1 pixel) while a residual wider than a pixel (a tail, an arc, a
dust lane, a trail: anything at or above the PSF scale) keeps its amplitude, a matched filter
for extended residuals. Measured on 2,000 simulated 64 x 64 cutouts with 5% anomalies of six
kinds (:func:`astrolearn.datasets.galaxy_sim.simulate_galaxies`, seed 2, ``prepare_images``,
default settings, one run): ROC-AUC 0.773 and average precision 0.545 with the plain error,
0.997 and 0.957 with ``smoothing=1``; on 4,000 cutouts with 1% anomalies (seed 3): 0.710 and
0.409 plain, 0.996 and 0.942 smoothed. The network does the work: the same score with a
"reconstruction" of zero (the smoothed image's own power, mostly its brightness) gives
0.955 and 0.143 there, 0.946 and 0.517 on the 2,000 cutouts. ``smoothing=0`` gives the
plain error. The score depends on the pixel scale of the input, so scores of differently
prepared images are not comparable.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from torch import nn

from astrolearn.anomalies.forest import check_images
from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import choose_device, rng_scope
from astrolearn.nn.training import (
    TrainingHistory,
    _thread_limit,
    fit_module,
    predict_batches,
    resolve_seed,
)
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["AutoencoderScorer", "ConvAutoencoder", "gaussian_smooth"]

#: Fewest images an autoencoder is trained on.
MIN_IMAGES = 8
#: Smallest image side.
MIN_SIZE = 8
_STRIDE = 8  # three stride-2 steps
_PREDICT_BATCH = 256
_NEGATIVE_SLOPE = 0.1


def _padding(size: int) -> tuple[int, int]:
    """Zeros to add before and after an axis of ``size`` to reach a multiple of 8."""
    extra = -size % _STRIDE
    return extra // 2, extra - extra // 2


def _turns(n: int, square: bool) -> torch.Tensor:
    """Random quarter turns per image (0-3, or 0/2 for non-square images)."""
    return torch.randint(0, 4, (n,)) if square else 2 * torch.randint(0, 2, (n,))


def _rotate(x: torch.Tensor, turns: torch.Tensor, sign: int) -> torch.Tensor:
    """Turn image ``i`` by ``sign * turns[i]`` quarter turns (a new tensor)."""
    out = x.clone()
    for k in (1, 2, 3):
        idx = torch.nonzero(turns == k).flatten().to(x.device)
        if idx.numel():
            out[idx] = torch.rot90(x[idx], sign * k, dims=(-2, -1))
    return out


class ConvAutoencoder(nn.Module):
    """The convolutional autoencoder (see the module docstring).

    Parameters
    ----------
    bands, height, width_px : int
        Image shape (any size of at least 8 pixels; padded inside to a multiple of 8).
    latent : int
        Size of the bottleneck.
    width : int
        Channels of the first convolutions (then ``2 width``, ``4 width``).
    rotations : bool
        Random 90-degree turns in training mode.

    Examples
    --------
    >>> net = ConvAutoencoder(1, 20, 20, latent=4, width=2, rotations=False)
    >>> x = torch.zeros(3, 1, 20, 20)
    >>> net(x).shape, net.encode(x).shape
    (torch.Size([3, 1, 20, 20]), torch.Size([3, 4]))
    """

    def __init__(self, bands: int, height: int, width_px: int, latent: int, width: int,
                 rotations: bool) -> None:
        super().__init__()
        self.shape = (bands, height, width_px)
        self.rotations = rotations
        self.pad_h, self.pad_w = _padding(height), _padding(width_px)
        h8 = (height + sum(self.pad_h)) // _STRIDE
        w8 = (width_px + sum(self.pad_w)) // _STRIDE
        self.code_shape = (4 * width, h8, w8)

        def act() -> nn.Module:
            return nn.LeakyReLU(_NEGATIVE_SLOPE)

        self.encoder = nn.Sequential(
            nn.Conv2d(bands, width, 3, stride=2, padding=1), act(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), act(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), act(),
            nn.Flatten(), nn.Linear(4 * width * h8 * w8, latent))
        self.expand = nn.Sequential(nn.Linear(latent, 4 * width * h8 * w8), act())
        up = partial(nn.Upsample, scale_factor=2, mode="nearest")
        self.decoder = nn.Sequential(
            up(), nn.Conv2d(4 * width, 2 * width, 3, padding=1), act(),
            up(), nn.Conv2d(2 * width, width, 3, padding=1), act(),
            up(), nn.Conv2d(width, bands, 3, padding=1))

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        if not any(self.pad_h + self.pad_w):
            return x
        return F.pad(x, (self.pad_w[0], self.pad_w[1], self.pad_h[0], self.pad_h[1]))

    def _crop(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.shape[1:]
        return x[..., self.pad_h[0]:self.pad_h[0] + h, self.pad_w[0]:self.pad_w[0] + w]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Bottleneck codes ``(n, latent)`` of images ``(n, bands, height, width)``."""
        return self.encoder(self._pad(x))

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Images ``(n, bands, height, width)`` rebuilt from codes."""
        maps = self.expand(code).reshape(len(code), *self.code_shape)
        return self._crop(self.decoder(maps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction; in training mode with ``rotations``, of a randomly turned copy,
        turned back (so it is compared with the image as given)."""
        if self.training and self.rotations:
            turns = _turns(len(x), x.shape[-1] == x.shape[-2])
            return _rotate(self.decode(self.encode(_rotate(x, turns, 1))), turns, -1)
        return self.decode(self.encode(x))


def gaussian_smooth(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Smooth each band of each image with a Gaussian of ``sigma`` pixels (zeros outside).

    The kernel is truncated at ``ceil(3 sigma)`` pixels and normalised to sum 1; ``sigma``
    0 returns the images unchanged.

    Examples
    --------
    >>> x = torch.zeros(1, 1, 9, 9); x[0, 0, 4, 4] = 1.0
    >>> out = gaussian_smooth(x, 1.0)
    >>> round(float(out.sum()), 4), round(float(out[0, 0, 4, 4]), 4)
    (1.0, 0.1592)
    """
    if sigma <= 0:
        return images
    radius = max(1, math.ceil(3.0 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-0.5 * (t / sigma) ** 2)
    kernel = kernel / kernel.sum()
    n, bands, h, w = images.shape
    flat = images.reshape(n * bands, 1, h, w)
    flat = F.conv2d(flat, kernel.view(1, 1, 1, -1), padding=(0, radius))
    flat = F.conv2d(flat, kernel.view(1, 1, -1, 1), padding=(radius, 0))
    return flat.reshape(n, bands, h, w)


class _Errors(nn.Module):
    """Per-image mean square of the smoothed residual, optionally averaged over quarter turns."""

    def __init__(self, net: ConvAutoencoder, smoothing: float, average_rotations: bool) -> None:
        super().__init__()
        self.net = net
        self.smoothing = smoothing
        self.average_rotations = average_rotations

    def _error(self, x: torch.Tensor) -> torch.Tensor:
        residual = gaussian_smooth(x - self.net(x), self.smoothing)
        return residual.square().flatten(1).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.average_rotations:
            return self._error(x)
        ks = (0, 1, 2, 3) if x.shape[-1] == x.shape[-2] else (0, 2)
        errors = [self._error(torch.rot90(x, k, dims=(-2, -1))) for k in ks]
        return torch.stack(errors).mean(dim=0)


class _Codes(nn.Module):
    def __init__(self, net: ConvAutoencoder) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.encode(x)


def _mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each image, over bands and pixels: shape ``(n,)``."""
    return (output - target).square().flatten(1).mean(dim=1)


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise AstrolearnInputError(f"AutoencoderScorer {name} must be an integer >= {low}, "
                                   f"got {value!r}")
    return int(value)


class AutoencoderScorer(BaseEstimator):
    """Anomaly scores from the reconstruction error of a convolutional autoencoder.

    Parameters
    ----------
    latent : int, default 32
        Size of the bottleneck (the :meth:`features`).
    width : int, default 16
        Channels of the first convolutions (then 2x, 4x).
    epochs : int, default 30
        Largest number of passes over the images.
    batch_size : int, default 128
    learning_rate : float, default 1e-3
        AdamW learning rate.
    patience : int, default 5
        Epochs without improvement of the held-out loss before training stops.
    rotations : bool, default True
        Train on random 90-degree turns of the images (see the module docstring).
    smoothing : float, default 1.0
        Sigma (pixels) of the Gaussian that smooths the residual before it is squared into
        the anomaly score (see the module docstring); 0 scores the plain mean squared error.
    random_state : int, default 0
        Seed of the initial weights, the held-out split, the shuffling and the turns; with the
        same seed, data and number of CPU threads the fitted weights are bit-identical on the
        CPU.
    device : str, default "auto"
        Where to train and score (:func:`astrolearn.nn.device.choose_device`: a GPU when
        present); the fitted network is kept on the CPU.
    num_threads : int, optional
        CPU threads of PyTorch while fitting and scoring (restored afterwards); ``None``
        leaves the setting alone. One thread is often much faster for small networks on a
        busy machine.

    Attributes
    ----------
    net_ : ConvAutoencoder
    shapes_ : dict
        ``bands``, ``height``, ``width`` of the training images.
    history_ : astrolearn.nn.training.TrainingHistory
        Losses per epoch, wall time, device (also restored by :meth:`load`).
    n_training_images_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> yy, xx = np.mgrid[:16, :16]
    >>> blob = np.exp(-((yy - 7.5) ** 2 + (xx - 7.5) ** 2) / 8.0)
    >>> images = (blob * rng.uniform(2, 4, (64, 1, 1, 1))).astype(np.float32)
    >>> images[0, 0, :, 3] += 3.0  # one image with a bright column
    >>> scorer = AutoencoderScorer(latent=4, width=4, epochs=10, learning_rate=0.01,
    ...                            batch_size=16, num_threads=1).fit(images)
    >>> int(np.argmax(scorer.anomaly_score(images)))
    0
    """

    def __init__(self, latent: int = 32, width: int = 16, epochs: int = 30,
                 batch_size: int = 128, learning_rate: float = 1e-3, patience: int = 5,
                 rotations: bool = True, smoothing: float = 1.0,
                 random_state: int | None = 0, device: str = "auto",
                 num_threads: int | None = None) -> None:
        self.latent = latent
        self.width = width
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.rotations = rotations
        self.smoothing = smoothing
        self.random_state = random_state
        self.device = device
        self.num_threads = num_threads

    # ----------------------------------------------------------------- building
    def _build(self, shapes: dict[str, int]) -> None:
        latent = _check_int("latent", self.latent, 1)
        width = _check_int("width", self.width, 1)
        self.shapes_ = {k: int(shapes[k]) for k in ("bands", "height", "width")}
        with rng_scope(resolve_seed(self.random_state)):
            self.net_ = ConvAutoencoder(self.shapes_["bands"], self.shapes_["height"],
                                        self.shapes_["width"], latent, width,
                                        bool(self.rotations))

    def _images(self, images: Any, *, training: bool = False) -> np.ndarray:
        x = check_images(images, min_images=MIN_IMAGES if training else 1)
        if training:
            if min(x.shape[2:]) < MIN_SIZE:
                raise AstrolearnInputError(
                    f"images of {x.shape[2]} x {x.shape[3]} pixels are too small for the "
                    f"autoencoder (at least {MIN_SIZE} x {MIN_SIZE})",
                    fix="use larger cutouts")
            return x
        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this AutoencoderScorer is not fitted yet",
                                       fix="call fit()")
        expected = (self.shapes_["bands"], self.shapes_["height"], self.shapes_["width"])
        if tuple(x.shape[1:]) != expected:
            raise AstrolearnInputError(
                f"images of shape {tuple(x.shape[1:])} (bands, height, width) do not match the "
                f"training images {expected}",
                fix="prepare them with the same bands and size as for fit()")
        return x

    # ----------------------------------------------------------------- fitting
    def fit(self, images: Any, y: Any = None, *, progress: Any = False) -> AutoencoderScorer:
        """Train on prepared images ``(n, bands, height, width)``; ``y`` is ignored.

        ``progress=True`` prints one line per epoch to stderr (or give a callable, see
        :func:`~astrolearn.nn.training.fit_module`).
        """
        x = self._images(images, training=True)
        for name in ("epochs", "batch_size", "patience"):
            _check_int(name, getattr(self, name), 1)
        self._smoothing()
        self._build({"bands": x.shape[1], "height": x.shape[2], "width": x.shape[3]})
        self.history_ = fit_module(
            self.net_, _mse, x, x, epochs=int(self.epochs), batch_size=int(self.batch_size),
            learning_rate=float(self.learning_rate), weight_decay=0.0,
            patience=int(self.patience), grad_clip=5.0,
            random_state=resolve_seed(self.random_state), device=self.device,
            progress=progress, validation_fraction=0.1, num_threads=self.num_threads)
        self.net_.to("cpu").eval()
        self.n_training_images_ = len(x)
        return self

    # ----------------------------------------------------------------- outputs
    def _run(self, module: nn.Module, x: np.ndarray) -> np.ndarray:
        try:
            with _thread_limit(self.num_threads):
                return predict_batches(module, x, batch_size=_PREDICT_BATCH,
                                       device=choose_device(self.device))
        finally:
            self.net_.to("cpu")

    def anomaly_score(self, images: Any, *, average_rotations: bool = False) -> np.ndarray:
        """Mean square of the smoothed reconstruction residual of each image, shape ``(n,)``;
        higher = more unusual. ``average_rotations`` averages it over the four 90-degree
        orientations (two for non-square images), which makes it invariant to them."""
        x = self._images(images)
        errors = self._run(_Errors(self.net_, self._smoothing(), bool(average_rotations)), x)
        return errors.astype(np.float64)

    def _smoothing(self) -> float:
        sigma = self.smoothing
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)) or \
                not (np.isfinite(sigma) and sigma >= 0):
            raise AstrolearnInputError(f"AutoencoderScorer smoothing must be a number >= 0 "
                                       f"(pixels), got {sigma!r}", fix="use e.g. smoothing=1.0")
        return float(sigma)

    def features(self, images: Any) -> np.ndarray:
        """Bottleneck codes ``(n, latent)``, e.g. for
        :class:`~astrolearn.anomalies.forest.FeatureForest` or a UMAP map."""
        return self._run(_Codes(self.net_), self._images(images))

    def reconstruct(self, images: Any) -> np.ndarray:
        """The reconstructions, float32, same shape as ``images``."""
        return self._run(self.net_, self._images(images))

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path) -> Path:
        """Write a model folder: ``manifest.json`` (parameters, image shape, training history)
        and ``network.safetensors`` (weights; loading runs no code). Atomic: a crash leaves
        no half-written folder, and an existing model folder is replaced."""
        from astrolearn.persist import package_versions, write_model_folder

        if not hasattr(self, "net_"):
            raise AstrolearnInputError("this AutoencoderScorer is not fitted yet",
                                       fix="call fit()")
        history = getattr(self, "history_", None)
        manifest = {
            "task": "anomalies",
            "estimator": "AutoencoderScorer",
            "params": self.get_params(),
            "image_shape": dict(self.shapes_),
            "training": {"n_images": getattr(self, "n_training_images_", None),
                         "history": None if history is None else history.to_dict()},
            "versions": package_versions("torch"),
        }

        def write(tmp: Path) -> dict[str, str]:
            write_weights(tmp / "network.safetensors", self.net_.state_dict(), self.shapes_)
            return {"network": "network.safetensors"}

        return write_model_folder(folder, manifest, write)

    @classmethod
    def load(cls, folder: str | Path) -> AutoencoderScorer:
        """Read a scorer written by :meth:`save` (safetensors and JSON: nothing unpickled)."""
        from astrolearn.persist import read_estimator_manifest

        manifest = read_estimator_manifest(folder, "AutoencoderScorer", "anomalies")
        return cls._from_folder(Path(folder), manifest)

    @classmethod
    def _from_folder(cls, folder: Path, manifest: dict[str, Any]) -> AutoencoderScorer:
        """Rebuild from a checked manifest (the hook of :func:`astrolearn.persist.load_model`)."""
        file = folder / manifest["files"]["network"]
        try:
            self = cls(**manifest["params"])
            tensors, _ = read_weights(file)
            self._build(manifest["image_shape"])
            self.net_.load_state_dict(tensors)
        except (KeyError, TypeError, RuntimeError) as err:
            raise AstrolearnInputError(
                f"the weights do not fit the network the manifest describes "
                f"({type(err).__name__}: {str(err).splitlines()[0]})", file=file,
                fix="refit and save the model again") from None
        self.net_.eval()
        training = manifest.get("training") or {}
        self.n_training_images_ = training.get("n_images")
        if training.get("history"):
            self.history_ = TrainingHistory(**training["history"])
        self.manifest_ = manifest
        return self

