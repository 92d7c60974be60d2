"""WGAN-GP anomaly scores for galaxy cutouts (Storey-Fisher et al. 2021).

A Wasserstein GAN with gradient penalty (WGAN-GP, Gulrajani et al. 2017, NeurIPS) learns to
draw images like the training cutouts; an image the generator cannot reproduce well, or whose
reproduction the critic (the WGAN's discriminator) describes differently from the image
itself, is unusual. This is the method of Storey-Fisher et al. (2021, MNRAS 508, 2946,
"Anomaly detection in Hyper Suprime-Cam galaxy images with generative adversarial networks"),
itself the AnoGAN score of Schlegl et al. (2017, IPMI, LNCS 10265, 146).

Score
-----
For an image ``x`` and its best reconstruction ``G(z*)`` (below)::

    pixel_residual   = sum |x - G(z*)|                      (over bands and pixels)
    feature_residual = sum |f(x) - f(G(z*))|                (over the critic's features)
    score            = (1 - lam) * pixel_residual + lam * feature_residual

``f`` is the critic's last convolutional feature map (before its final linear layer), as in
AnoGAN's "discrimination loss" and the ``feature_match`` signature of Storey-Fisher et al.
Both residuals are L1 sums, as in both papers, so ``lam`` (``feature_weight``) weighs them as
there. Schlegl et al. (2017) used ``lam = 0.1``. Storey-Fisher et al. compute the generator
(pixel) score, the discriminator (feature) score and their combination, which their released
code (github.com/kstoreyf/anomalies-GAN-HSC, ``anomaly_detection_rgb.py``) forms with
``lam = 0.3``; they found the discriminator score the more attuned to physically interesting
anomalies (mergers, tidal features, star-forming clumps) and built their high-anomaly sample
from it. The default here is theirs, ``feature_weight = 0.3``. In two trainings on the
benchmark below (40 GAN and 3 encoder epochs; the defaults), the mix beat either residual
alone, and 0.3 was the more robust weight: ROC-AUC 0.990 and 0.988 (average precision 0.61
and 0.73) against 0.991 and 0.970 (0.64 and 0.71) with 0.1; the feature residual alone gave
0.984 and 0.987 (0.50 and 0.62), the pixel residual alone 0.988 and 0.948 (0.65 and 0.69).
:meth:`WGANScorer.score_components` returns both residuals, so either can be used alone or
re-weighted without refitting. How much ``lam`` gives the features depends on the sizes of
the image and of the feature map (sums, not means): the map has ``8 width (H/16) (W/16)``
values, a quarter of the pixels of a 64 x 64 single-band cutout at ``width = 8``, and its
residual came out about a tenth of the pixel residual.

The pixel residual is measured in the units of the prepared image. With
:func:`astrolearn.images.preprocess.prepare_images` (``3 asinh(x / 3 sigma)``) it works
well; a harder stretch (``asinh(x / sigma)``) compresses the noise of bright pixels so much
that a well-reconstructed bright galaxy has a *smaller* residual than a faint one, and the
pixel residual then ranked simulated anomalies below normal galaxies (ROC-AUC 0.18 in one
trial) while the feature residual still worked (0.96).

**Benchmark** (defaults, one run): 4,000 simulated 64 x 64 single-band cutouts with 1 %
anomalies of six kinds (:func:`astrolearn.datasets.galaxy_sim.simulate_galaxies`, seed 0:
40 anomalies), prepared with ``prepare_images`` defaults, trained and scored on all of them
(unsupervised), one CPU thread of a shared 2-core machine: ROC-AUC 0.989, average precision
0.724, 27 of the 40 anomalies in the top 1 % and 33 in the top 100; per kind ROC-AUC 0.97
(clumpy, edge-on with dust lane) to 1.00 (satellite trail). Fit 262 s (41 GAN epochs, 5.2 s
each; 14 encoder epochs, 40 s), scoring 9 s. Total brightness alone gives ROC-AUC 0.943 and
average precision 0.152 there.

Best reconstruction
-------------------
Storey-Fisher et al. optimise the latent vector ``z`` of each image by gradient descent on the
score itself, starting from an encoder's guess (Adam, learning rate 0.1, betas (0.4, 0.9), 10
steps in their code). Optimising from a random start, as AnoGAN did (hundreds of steps), is
unaffordable on a CPU for tens of thousands of images, so after the GAN is trained an encoder
``E`` is trained with the GAN fixed, as the "izi_f" encoder of f-AnoGAN (Schlegl et al. 2019,
Medical Image Analysis 54, 30) - minimising ``mean (x - G(E(x)))^2 + kappa mean (f(x) -
f(G(E(x))))^2`` with ``kappa = 1`` - through the shared loop
:func:`astrolearn.nn.training.fit_module`. ``E(x)`` then starts a short refinement of ``z``:
``refine_steps`` Adam steps (learning rate 0.1, betas (0.4, 0.9), as Storey-Fisher et al.) on
the score, per batch; the loss is a sum of per-image terms and Adam's update is element-wise,
so each image's ``z`` evolves as if optimised alone. The best ``z`` met is kept per image, so
refinement never makes a reconstruction worse than the encoder's. The trade-off:
``refine_steps = 0`` (the pure f-AnoGAN score) costs one encoder, one generator and two critic
passes per image; each refinement step adds a generator and a critic pass forward and
backward, and buys a tighter reconstruction, so that the residual that remains is more
specific to what the GAN cannot draw. Measured on the 4,000 cutouts of the benchmark above
(one thread, ``lam = 0.1``): scoring took 2.3 s with ``refine_steps = 0`` and 8.8 s with 3,
and average precision rose from 0.57 to 0.64 in one training and from 0.70 to 0.71 in the
other; hence the default of 3. Storey-Fisher et al. used 10. :meth:`WGANScorer.features`
returns the encoder's latent vectors ``E(x)`` (a compact description of each cutout, e.g.
for UMAP maps or an isolation forest).

Networks
--------
DCGAN-style (Radford et al. 2016) networks for inputs whose height and width are multiples
of 16 (32, 64, 96, ...) and any number of bands:

* generator: ``Linear(latent -> 8 width x H/16 x W/16)``, ReLU, then four
  ``ConvTranspose2d(4, stride 2)`` layers halving the channels (``8w -> 4w -> 2w -> w ->
  bands``) with ReLU between, plus learned pixel noise in training (below). The output is
  **linear** (no tanh or sigmoid): prepared images
  (:func:`astrolearn.images.preprocess.prepare_images`: background subtracted, in units of the
  noise, stretched) are unbounded, and a linear output covers any range without a rescaling
  to remember. No batch normalisation, as in Storey-Fisher et al.'s code, so that a
  reconstruction never depends on the other images of its batch.
* critic: four ``Conv2d(4, stride 2)`` layers (``bands -> w -> 2w -> 4w -> 8w``) with
  LeakyReLU(0.2), no normalisation (batch normalisation would make the gradient penalty,
  which is per sample, ill-defined; Gulrajani et al. recommend none or layer normalisation),
  then ``Linear(-> 1)``.
* encoder: the critic's convolutional layers (own weights) with layer normalisation
  (``GroupNorm(1, C)``, per image) after each, and ``Linear(-> latent)``; linear output,
  since the prior of ``z`` is a standard normal. (Without the normalisation the first
  guesses of ``z`` came out far outside the prior, where the generator's first ReLU is dead
  and no gradient reaches the encoder.)

Training
--------
WGAN-GP as in Gulrajani et al. (2017), algorithm 1: the critic minimises
``E[C(G(z))] - E[C(x)] + gp_weight E[(|grad C(x_hat)| - 1)^2]`` on points ``x_hat`` drawn
uniformly on lines between real and generated images (``gp_weight = 10``); the generator
minimises ``-E[C(G(z))]`` once every ``n_critic = 5`` critic steps; Adam with betas (0.5, 0.9)
for both (Storey-Fisher et al.'s settings; Gulrajani et al. used (0, 0.9) or (0.5, 0.9)). An
epoch is one pass of the *critic* over the training images: ``n // batch_size`` critic steps
and a fifth as many generator steps. This loop cannot use
:func:`~astrolearn.nn.training.fit_module` (two networks, two optimisers, alternating steps, a
penalty that needs second derivatives), so it is written here, compactly: every random draw
(order, ``z``, pixel noise, interpolation weights) comes from one seeded ``torch.Generator``
on the CPU, so a fixed ``random_state`` gives bit-identical networks on the CPU for a fixed
number of threads (and the same draws on a GPU); the global random state and
``torch.set_num_threads`` are left alone.

**Pixel noise.** Prepared cutouts are mostly sky noise of unit variance, which a
deterministic convolutional generator cannot draw early in training: the critic then tells
real from generated images by the noise alone and the generator learns no galaxies (in trials
the critic's Wasserstein estimate climbed above 100 and stayed there). So the generator adds
Gaussian pixel noise to its output, ``G(z) + s eps`` with one learned amplitude ``s`` per
band (``softplus``, starting at 1, the noise of prepared images); Storey-Fisher et al.'s
generator likewise injects Gaussian noise (in a hidden layer). Reconstructions, and the
residuals, use the noiseless ``G(z)``: the pixel residual of a normal galaxy is then its
noise, and the rest is what the GAN cannot draw.

**CPU budget** (the reason for ``width = 8`` and ``learning_rate = 5e-4``). The cost of a
step grows as ``width^2``. On 64 x 64 single-band cutouts in batches of 64, one epoch over
4,000 images took 5 s at ``width = 8``, 11 s at 16 and 35 s at 32 on one CPU thread (3 s at
``width = 8`` with two threads on an otherwise idle 2-core machine); at 32, one epoch over
20,000 cutouts is three minutes. What the GAN learns depends on its number of steps: at the
usual 1e-4 it had barely started after 2,500 critic steps (500 generator steps; Wasserstein
estimate still ~30, samples nearly blank), at 5e-4 it drew galaxies (the estimate fell to
5-7) and its scores were good. So ``epochs=None``
trains for about 2,500 critic steps (:data:`AUTO_CRITIC_STEPS`) whatever the number of
images: ~3.5 minutes at 64 x 64 on one core, plus ~40 s for the encoder
(:data:`AUTO_ENCODER_STEPS`) - a few minutes for 20,000 cutouts (9 epochs). On a machine
shared with other work, ``torch.set_num_threads(1)`` was ten times faster than two threads
for these small networks. Storey-Fisher et al. trained ``width = 64`` networks for 10,000
generator steps on a GPU; with a GPU (``device="auto"`` picks it) raise ``width`` and
``epochs``.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import choose_device, rng_scope
from astrolearn.nn.training import fit_module, resolve_seed
from astrolearn.nn.weights import read_weights, write_weights

__all__ = ["AUTO_CRITIC_STEPS", "AUTO_ENCODER_STEPS", "MIN_IMAGES", "WGANScorer",
           "gradient_penalty"]

#: Fewest training images :meth:`WGANScorer.fit` accepts.
MIN_IMAGES = 32
#: Critic steps of the GAN training when ``epochs`` is None.
AUTO_CRITIC_STEPS = 2500
#: Encoder steps (at least 3 epochs) when ``encoder_epochs`` is None.
AUTO_ENCODER_STEPS = 750
_STRIDES = 4  # four stride-2 layers: sizes must be multiples of 2**4 = 16
_ADAM_BETAS = (0.5, 0.9)  # Storey-Fisher et al.'s released code; Gulrajani et al. 2017
_ENCODER_KAPPA = 1.0  # f-AnoGAN izi_f feature weight (Schlegl et al. 2019)
_ENCODER_LR = 1e-3
_ENCODER_PATIENCE = 5
_REFINE_LR = 0.1  # Storey-Fisher et al.: Adam(0.1, betas (0.4, 0.9)) on z
_REFINE_BETAS = (0.4, 0.9)
_SCORE_BATCH = 256
_SOFTPLUS_ONE = 0.5413248546129181  # log(e - 1)


# ---------------------------------------------------------------------------------- networks
class _Generator(nn.Module):
    def __init__(self, latent: int, width: int, bands: int, base_h: int, base_w: int) -> None:
        super().__init__()
        self.shape = (8 * width, base_h, base_w)
        self.fc = nn.Linear(latent, 8 * width * base_h * base_w)
        layers: list[nn.Module] = []
        channels = 8 * width
        for out in (4 * width, 2 * width, width):
            layers += [nn.ConvTranspose2d(channels, out, 4, stride=2, padding=1), nn.ReLU()]
            channels = out
        layers.append(nn.ConvTranspose2d(channels, bands, 4, stride=2, padding=1))
        self.up = nn.Sequential(*layers)
        # per-band noise amplitude, softplus(0.5413) = 1: prepared images have unit noise
        self.noise_scale = nn.Parameter(torch.full((1, bands, 1, 1), _SOFTPLUS_ONE))

    def forward(self, z: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        mean = self.up(torch.relu(self.fc(z)).reshape(-1, *self.shape))
        if noise is None:
            return mean
        return mean + nn.functional.softplus(self.noise_scale) * noise


def _conv_body(bands: int, width: int, *, norm: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = bands
    for out in (width, 2 * width, 4 * width, 8 * width):
        layers.append(nn.Conv2d(channels, out, 4, stride=2, padding=1))
        if norm:  # layer normalisation (per sample, over channels and pixels)
            layers.append(nn.GroupNorm(1, out))
        layers.append(nn.LeakyReLU(0.2))
        channels = out
    layers.append(nn.Flatten())
    return nn.Sequential(*layers)


class _Critic(nn.Module):
    def __init__(self, width: int, bands: int, base_h: int, base_w: int) -> None:
        super().__init__()
        self.body = _conv_body(bands, width)
        self.head = nn.Linear(8 * width * base_h * base_w, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last convolutional feature map, flattened: ``(n, 8 width H/16 W/16)``."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))[:, 0]


class _Encoder(nn.Module):
    def __init__(self, latent: int, width: int, bands: int, base_h: int, base_w: int) -> None:
        super().__init__()
        self.body = _conv_body(bands, width, norm=True)
        self.head = nn.Linear(8 * width * base_h * base_w, latent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class _EncoderObjective(nn.Module):
    """Encoder plus the fixed generator and critic, for :func:`fit_module` (izi_f)."""

    def __init__(self, encoder: _Encoder, generator: _Generator, critic: _Critic) -> None:
        super().__init__()
        self.encoder = encoder
        self.generator = generator
        self.critic = critic

    def train(self, mode: bool = True) -> _EncoderObjective:
        super().train(mode)
        self.generator.eval()
        self.critic.eval()
        return self

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        recon = self.generator(self.encoder(x))
        return recon, self.critic.features(recon), self.critic.features(x)


def _izif_loss(outputs: tuple[torch.Tensor, ...], x: torch.Tensor) -> torch.Tensor:
    recon, f_recon, f_x = outputs
    pixel = (x - recon).pow(2).flatten(1).mean(dim=1)
    feature = (f_x - f_recon).pow(2).mean(dim=1)
    return pixel + _ENCODER_KAPPA * feature


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, *,
                     alpha: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """The WGAN-GP gradient penalty ``mean((|grad critic(x_hat)|_2 - 1)^2)``.

    ``x_hat = alpha real + (1 - alpha) fake`` with one ``alpha ~ U(0, 1)`` per sample
    (Gulrajani et al. 2017, algorithm 1); the gradient norm is taken over all of a sample's
    values (every band and pixel). The graph is kept (``create_graph``), so the penalty can be
    back-propagated into the critic's weights.

    Parameters
    ----------
    critic : torch.nn.Module
        Maps a batch ``(n, ...)`` to one value per sample, shape ``(n,)`` (or ``(n, 1)``).
    real, fake : Tensor
        Batches of the same shape.
    alpha : Tensor, optional
        Interpolation weights, shape ``(n,)`` or broadcastable to ``real``; drawn uniformly
        (from ``generator``) when not given.
    generator : torch.Generator, optional
        CPU generator for ``alpha``.

    Returns
    -------
    Tensor
        A scalar.

    Examples
    --------
    A linear critic ``f(x) = w . x`` has gradient ``w`` everywhere, so the penalty is
    ``(|w| - 1)^2`` (here ``|w| = 5``):

    >>> critic = torch.nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = critic.weight.copy_(torch.tensor([[3.0, 4.0]]))
    >>> real, fake = torch.randn(8, 2), torch.randn(8, 2)
    >>> round(gradient_penalty(critic, real, fake).item(), 4)
    16.0
    """
    if real.shape != fake.shape:
        raise AstrolearnInputError(f"real and fake batches differ in shape: {tuple(real.shape)} "
                                   f"and {tuple(fake.shape)}")
    n = real.shape[0]
    if alpha is None:
        alpha = torch.rand(n, generator=generator).to(real.device)
    alpha = alpha.to(device=real.device, dtype=real.dtype)
    if alpha.ndim == 1:
        alpha = alpha.reshape((n,) + (1,) * (real.ndim - 1))
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.reshape(n, -1).pow(2).sum(dim=1) + 1e-12)
    return (norm - 1).pow(2).mean()


# ---------------------------------------------------------------------------------- helpers
def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise AstrolearnInputError(f"WGANScorer {name} must be an integer >= {minimum}, got "
                                   f"{value!r}", column=name)
    return int(value)


def _number(value: Any, name: str, lo: float, hi: float | None = None, *,
            open_lo: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.number)) \
        and np.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v > lo if open_lo else v >= lo) and (hi is None or v <= hi)
    if not ok:
        bound = f"{'>' if open_lo else '>='} {lo}" + ("" if hi is None else f" and <= {hi}")
        raise AstrolearnInputError(f"WGANScorer {name} must be a number {bound}, got {value!r}",
                                   column=name)
    return float(value)


class WGANScorer(BaseEstimator):
    """Anomaly scores from a WGAN-GP: generator reconstruction + critic feature residual.

    See the module docstring for the method (Storey-Fisher et al. 2021; Schlegl et al. 2017,
    2019; Gulrajani et al. 2017). Higher scores are more unusual.

    Parameters
    ----------
    latent : int, default 64
        Dimension of the generator's latent vector ``z`` (standard normal prior).
    width : int, default 8
        Channels of the critic's first convolution (then 2x, 4x, 8x; the generator mirrors it).
        The cost grows as ``width^2``: 32 was seven times slower on a CPU (see the module
        docstring); raise it on a GPU.
    epochs : int, optional
        Passes of the critic over the training images (each pass: ``n // batch_size`` critic
        steps and a fifth as many generator steps). ``None`` (default): enough passes for
        about :data:`AUTO_CRITIC_STEPS` (2,500) critic steps, ``ceil(2500 batch_size / n)``:
        9 for 20,000 images, 41 for 4,000; what a GAN learns depends on its number of steps,
        not of passes.
    encoder_epochs : int, optional
        Most epochs of the encoder training (early stopping on a held-out tenth). ``None``
        (default): about :data:`AUTO_ENCODER_STEPS` (750) steps, at least 3 epochs.
    batch_size : int, default 64
    n_critic : int, default 5
        Critic steps per generator step.
    gp_weight : float, default 10.0
        Gradient-penalty weight (lambda of Gulrajani et al.).
    feature_weight : float, default 0.3
        ``lam`` of the score ``(1 - lam) pixel_residual + lam feature_residual``, in [0, 1].
    refine_steps : int, default 3
        Adam steps on ``z`` per image when scoring, from the encoder's guess; 0 uses the
        encoder's guess as is (about four times faster scoring). Storey-Fisher et al. used 10.
    learning_rate : float, default 5e-4
        Adam learning rate of the generator and the critic (see the module docstring for
        why not the 1e-4 of Gulrajani et al.).
    random_state : int, default 0
        Seeds the initial weights, the order of the images, the latent and pixel-noise draws,
        the penalty's interpolation points and the encoder's training split.
    device : str, default "auto"
        Where to train and score (see :func:`astrolearn.nn.device.choose_device`).

    Attributes
    ----------
    n_epochs_, n_encoder_epochs_ : int
        Epochs of the GAN and (at most) of the encoder, as resolved at :meth:`fit`.
    history_ : dict
        Per-epoch ``critic_loss``, ``generator_loss``, ``wasserstein`` (the critic's estimate
        ``E[C(x)] - E[C(G(z))]``), ``gradient_penalty`` and ``epoch_time_s`` of the GAN;
        ``encoder_loss`` and ``encoder_val_loss`` per encoder epoch; ``gan_time_s``,
        ``encoder_time_s``; ``n_images``; ``device``.
    image_shape_ : tuple of int
        ``(bands, height, width)`` of the training images.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(size=(40, 1, 16, 16)).astype(np.float32)
    >>> images[:, 0, 6:10, 6:10] += 3.0  # a square "galaxy" in every cutout
    >>> images[0, 0, :, 2] += 6.0  # one cutout with a bad column
    >>> scorer = WGANScorer(latent=8, width=4, epochs=2, encoder_epochs=2,
    ...                     batch_size=16, device="cpu").fit(images)
    >>> scores = scorer.anomaly_score(images)
    >>> scores.shape, int(np.argmax(scores))
    ((40,), 0)
    """

    def __init__(self, latent: int = 64, width: int = 8, epochs: int | None = None,
                 encoder_epochs: int | None = None, batch_size: int = 64, n_critic: int = 5,
                 gp_weight: float = 10.0, feature_weight: float = 0.3, refine_steps: int = 3,
                 learning_rate: float = 5e-4, random_state: int = 0,
                 device: str = "auto") -> None:
        self.latent = latent
        self.width = width
        self.epochs = epochs
        self.encoder_epochs = encoder_epochs
        self.batch_size = batch_size
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.feature_weight = feature_weight
        self.refine_steps = refine_steps
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.device = device

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        _positive_int(self.latent, "latent")
        _positive_int(self.width, "width")
        if self.epochs is not None:
            _positive_int(self.epochs, "epochs")
        if self.encoder_epochs is not None:
            _positive_int(self.encoder_epochs, "encoder_epochs")
        _positive_int(self.batch_size, "batch_size", 2)
        _positive_int(self.n_critic, "n_critic")
        _positive_int(self.refine_steps, "refine_steps", 0)
        _number(self.gp_weight, "gp_weight", 0.0)
        _number(self.feature_weight, "feature_weight", 0.0, 1.0)
        _number(self.learning_rate, "learning_rate", 0.0, open_lo=True)
        resolve_seed(self.random_state)
        if not isinstance(self.random_state, (int, np.integer)):
            raise AstrolearnInputError(
                f"WGANScorer random_state must be a non-negative integer, got "
                f"{self.random_state!r}", column="random_state", fix="pass e.g. random_state=0")

    def _images(self, images: Any) -> np.ndarray:
        try:
            x = np.array(images, dtype=np.float32, copy=True)  # a copy: never the caller's
        except (TypeError, ValueError) as err:
            raise AstrolearnInputError(f"images must be a numeric array: {err}") from None
        if x.ndim != 4:
            raise AstrolearnInputError(
                f"images must have shape (n, bands, height, width), got {x.shape}",
                fix="add the band axis, e.g. images[:, None] for single-band cutouts")
        n, bands, height, width = x.shape
        if bands < 1 or height < 1 or width < 1:
            raise AstrolearnInputError(f"images have an empty axis: shape {x.shape}")
        step = 2 ** _STRIDES
        if height % step or width % step:
            raise AstrolearnInputError(
                f"the WGAN needs cutouts whose height and width are multiples of {step} (32, 64, "
                f"96, ...), got {height} x {width}",
                fix=f"crop or pad to a multiple of {step}, e.g. prepare_images(images, "
                    f"size={max(step, step * round(min(height, width) / step))})")
        bad = ~np.isfinite(x)
        if bad.any():
            which = np.flatnonzero(bad.reshape(n, -1).any(axis=1))
            raise AstrolearnInputError(
                f"{len(which)} image(s) contain NaN or infinite pixels (first at index "
                f"{which[0]})", fix="pass the output of astrolearn.images.preprocess."
                                    "prepare_images, which masks bad pixels")
        return x

    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise AstrolearnInputError("this WGANScorer is not fitted yet", fix="call fit()")

    def _predict_images(self, images: Any) -> np.ndarray:
        self._check_fitted()
        x = self._images(images)
        if tuple(x.shape[1:]) != tuple(self.image_shape_):
            raise AstrolearnInputError(
                f"images of shape {tuple(x.shape[1:])} (bands, height, width) do not match the "
                f"training images {tuple(self.image_shape_)}",
                fix="prepare the cutouts exactly as for training (same bands and size)")
        return x

    # ------------------------------------------------------------------ networks
    def _build(self, shape: tuple[int, int, int]) -> None:
        self._check_params()
        bands, height, width = (int(s) for s in shape)
        base_h, base_w = height // 2 ** _STRIDES, width // 2 ** _STRIDES
        latent, w = int(self.latent), int(self.width)
        with rng_scope(resolve_seed(self.random_state)):
            self.generator_ = _Generator(latent, w, bands, base_h, base_w)
            self.critic_ = _Critic(w, bands, base_h, base_w)
            self.encoder_ = _Encoder(latent, w, bands, base_h, base_w)
        self.image_shape_ = (bands, height, width)

    def _modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "critic": self.critic_, "encoder": self.encoder_}

    def _freeze(self) -> None:
        for module in self._modules().values():
            module.to("cpu").eval()
            for parameter in module.parameters():
                parameter.requires_grad_(False)

    # ------------------------------------------------------------------ training
    def fit(self, images: np.ndarray, y: Any = None, *, progress: bool = False) -> WGANScorer:
        """Train the WGAN-GP, then the encoder, on prepared images ``(n, bands, H, W)``.

        ``y`` is ignored (unsupervised). ``progress=True`` prints one line per epoch to stderr.
        """
        x = self._images(images)
        if len(x) < MIN_IMAGES:
            raise AstrolearnInputError(
                f"a GAN needs at least {MIN_IMAGES} training images, got {len(x)}",
                fix="pass more cutouts (thousands for a useful generator)")
        self._check_params()
        self._build(x.shape[1:])
        self.n_epochs_, self.n_encoder_epochs_ = _resolve_epochs(
            self.epochs, self.encoder_epochs, len(x), int(self.batch_size))
        dev = choose_device(self.device)
        seed = resolve_seed(self.random_state)
        history: dict[str, Any] = {k: [] for k in (
            "critic_loss", "generator_loss", "wasserstein", "gradient_penalty", "epoch_time_s")}
        start = time.perf_counter()
        try:
            self._train_gan(torch.from_numpy(x), dev, seed, history, progress)
        finally:
            self.generator_.to("cpu")
            self.critic_.to("cpu")
        history["gan_time_s"] = time.perf_counter() - start
        start = time.perf_counter()
        self._train_encoder(x, dev, seed, history, progress)
        history["encoder_time_s"] = time.perf_counter() - start
        history["n_images"] = len(x)
        history["device"] = str(dev)
        self.history_ = history
        self._freeze()
        return self

    def _train_gan(self, x: torch.Tensor, dev: torch.device, seed: int,
                   history: dict[str, Any], progress: bool) -> None:
        gen, critic = self.generator_.to(dev).train(), self.critic_.to(dev).train()
        lr = float(self.learning_rate)
        opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=_ADAM_BETAS)
        opt_c = torch.optim.Adam(critic.parameters(), lr=lr, betas=_ADAM_BETAS)
        rng = torch.Generator().manual_seed(seed)
        n = len(x)
        batch = min(int(self.batch_size), n)
        n_batches = n // batch  # equal batches; the few images left over wait for next epoch
        latent, n_critic, gp_weight = int(self.latent), int(self.n_critic), float(self.gp_weight)
        step = 0
        for epoch in range(self.n_epochs_):
            t0 = time.perf_counter()
            sums = {"critic_loss": 0.0, "wasserstein": 0.0, "gradient_penalty": 0.0}
            g_sum, g_count = 0.0, 0
            order = torch.randperm(n, generator=rng)
            for b in range(n_batches):
                real = x[order[b * batch:(b + 1) * batch]].to(dev)
                z = torch.randn(batch, latent, generator=rng).to(dev)
                noise = torch.randn(real.shape, generator=rng).to(dev)
                alpha = torch.rand(batch, generator=rng).to(dev)
                with torch.no_grad():
                    fake = gen(z, noise)
                scores = critic(torch.cat([real, fake]))
                distance = scores[:batch].mean() - scores[batch:].mean()
                penalty = gradient_penalty(critic, real, fake, alpha=alpha)
                loss = -distance + gp_weight * penalty
                opt_c.zero_grad(set_to_none=True)
                loss.backward()
                opt_c.step()
                sums["critic_loss"] += float(loss.detach())
                sums["wasserstein"] += float(distance.detach())
                sums["gradient_penalty"] += float(penalty.detach())
                step += 1
                if step % n_critic == 0:
                    z = torch.randn(batch, latent, generator=rng).to(dev)
                    noise = torch.randn(real.shape, generator=rng).to(dev)
                    critic.requires_grad_(False)
                    g_loss = -critic(gen(z, noise)).mean()
                    opt_g.zero_grad(set_to_none=True)
                    g_loss.backward()
                    opt_g.step()
                    critic.requires_grad_(True)
                    g_sum += float(g_loss.detach())
                    g_count += 1
            for key, value in sums.items():
                history[key].append(value / n_batches)
            history["generator_loss"].append(g_sum / g_count if g_count else float("nan"))
            history["epoch_time_s"].append(time.perf_counter() - t0)
            if not np.isfinite(history["critic_loss"][-1]):
                raise AstrolearnInputError(
                    f"the critic loss became {history['critic_loss'][-1]} at epoch {epoch + 1}",
                    fix="lower learning_rate, or check that the images are prepared (stretched, "
                        "in units of the noise) rather than raw counts")
            if progress:
                print(f"WGAN epoch {epoch + 1}/{self.n_epochs_}  critic loss "
                      f"{history['critic_loss'][-1]:.4g}  W distance "
                      f"{history['wasserstein'][-1]:.4g}  generator loss "
                      f"{history['generator_loss'][-1]:.4g}", file=sys.stderr, flush=True)

    def _train_encoder(self, x: np.ndarray, dev: torch.device, seed: int,
                       history: dict[str, Any], progress: bool) -> None:
        for module in (self.generator_, self.critic_):
            module.eval().requires_grad_(False)
        objective = _EncoderObjective(self.encoder_, self.generator_, self.critic_)
        result = fit_module(
            objective, _izif_loss, x, x, epochs=self.n_encoder_epochs_,
            batch_size=int(self.batch_size), learning_rate=_ENCODER_LR,
            validation_fraction=0.1, patience=_ENCODER_PATIENCE, random_state=seed,
            device=dev, progress=progress)
        history["encoder_loss"] = list(result.train_loss)
        history["encoder_val_loss"] = list(result.val_loss)
        objective.to("cpu")

    # ------------------------------------------------------------------ scoring
    def _residuals(self, x: torch.Tensor, z: torch.Tensor, f_x: torch.Tensor,
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        recon = self.generator_(z)
        pixel = (x - recon).abs().flatten(1).sum(dim=1)
        feature = (f_x - self.critic_.features(recon)).abs().sum(dim=1)
        return recon, pixel, feature

    def _score_batches(self, x: np.ndarray, *, keep_recon: bool = False,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        dev = choose_device(self.device)
        for module in self._modules().values():
            module.to(dev).eval()
        lam = float(self.feature_weight)
        pixels, features, recons = [], [], []
        try:
            for start in range(0, len(x), _SCORE_BATCH):
                xb = torch.from_numpy(x[start:start + _SCORE_BATCH]).to(dev)
                with torch.no_grad():
                    f_x = self.critic_.features(xb)
                    best_z = self.encoder_(xb)
                    _, pixel, feature = self._residuals(xb, best_z, f_x)
                best = (1 - lam) * pixel + lam * feature
                if self.refine_steps > 0:
                    z = best_z.clone().requires_grad_(True)
                    opt = torch.optim.Adam([z], lr=_REFINE_LR, betas=_REFINE_BETAS)
                    for _ in range(int(self.refine_steps)):
                        with torch.enable_grad():
                            opt.zero_grad(set_to_none=True)
                            _, pixel, feature = self._residuals(xb, z, f_x)
                            score = (1 - lam) * pixel + lam * feature
                            score.sum().backward()
                        with torch.no_grad():
                            better = score.detach() < best
                            best = torch.where(better, score.detach(), best)
                            best_z = torch.where(better[:, None], z.detach(), best_z)
                        opt.step()
                    with torch.no_grad():  # the point after the last step
                        _, pixel, feature = self._residuals(xb, z.detach(), f_x)
                        score = (1 - lam) * pixel + lam * feature
                        better = score < best
                        best_z = torch.where(better[:, None], z.detach(), best_z)
                with torch.no_grad():
                    recon, pixel, feature = self._residuals(xb, best_z, f_x)
                pixels.append(pixel.cpu().numpy())
                features.append(feature.cpu().numpy())
                if keep_recon:
                    recons.append(recon.cpu().numpy())
        finally:
            for module in self._modules().values():
                module.to("cpu")
        pixel_all = np.concatenate(pixels).astype(np.float64)
        feature_all = np.concatenate(features).astype(np.float64)
        return pixel_all, feature_all, (np.concatenate(recons) if keep_recon else None)

    def score_components(self, images: np.ndarray) -> pd.DataFrame:
        """The two residuals and the combined score of each image.

        Returns
        -------
        pandas.DataFrame
            Columns ``pixel_residual`` (``sum |x - G(z*)|``), ``feature_residual``
            (``sum |f(x) - f(G(z*))|``) and ``score`` (their ``feature_weight`` mix), one
            row per image in input order.
        """
        x = self._predict_images(images)
        pixel, feature, _ = self._score_batches(x)
        lam = float(self.feature_weight)
        return pd.DataFrame({"pixel_residual": pixel, "feature_residual": feature,
                             "score": (1 - lam) * pixel + lam * feature})

    def anomaly_score(self, images: np.ndarray) -> np.ndarray:
        """Anomaly score of each image, shape ``(n,)``; higher is more unusual."""
        return self.score_components(images)["score"].to_numpy()

    def score_samples(self, images: np.ndarray) -> np.ndarray:
        """Negated :meth:`anomaly_score` (the scikit-learn convention: lower is more abnormal)."""
        return -self.anomaly_score(images)

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """The generator's best reconstruction ``G(z*)`` of each image, float32 NCHW."""
        x = self._predict_images(images)
        _, _, recon = self._score_batches(x, keep_recon=True)
        assert recon is not None
        return recon.astype(np.float32)

    def features(self, images: np.ndarray) -> np.ndarray:
        """The encoder's latent vector ``E(x)`` of each image, shape ``(n, latent)``."""
        x = self._predict_images(images)
        dev = choose_device(self.device)
        self.encoder_.to(dev).eval()
        out = []
        try:
            with torch.no_grad():
                for start in range(0, len(x), _SCORE_BATCH):
                    xb = torch.from_numpy(x[start:start + _SCORE_BATCH]).to(dev)
                    out.append(self.encoder_(xb).cpu().numpy())
        finally:
            self.encoder_.to("cpu")
        return np.concatenate(out).astype(np.float32)

    def sample(self, n: int, *, noise: bool = False,
               random_state: int | None = None) -> np.ndarray:
        """``n`` images drawn from the generator (``z`` standard normal), float32 NCHW.

        ``noise=False`` gives the generator's noiseless images ``G(z)`` (what reconstructions
        are made of); ``noise=True`` adds its learned pixel noise, as the critic saw them in
        training. ``random_state`` seeds the draws (default: the estimator's ``random_state``).
        """
        self._check_fitted()
        n = _positive_int(n, "sample size n")
        seed = resolve_seed(self.random_state if random_state is None else random_state)
        rng = torch.Generator().manual_seed(seed)
        z = torch.randn(n, int(self.latent), generator=rng)
        eps = torch.randn((n, *self.image_shape_), generator=rng) if noise else None
        with torch.no_grad():
            out = [self.generator_(z[i:i + _SCORE_BATCH],
                                   None if eps is None else eps[i:i + _SCORE_BATCH]).numpy()
                   for i in range(0, n, _SCORE_BATCH)]
        return np.concatenate(out).astype(np.float32)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write a model folder: ``manifest.json`` (parameters, image shape, epochs, training
        history) and ``wgan.safetensors`` (generator, critic and encoder weights).

        The folder is written atomically (a temporary sibling renamed into place; an existing
        model folder is replaced) and loading it runs no code (:meth:`load`).
        """
        from astrolearn.persist import package_versions, write_model_folder

        self._check_fitted()
        bands, height, width = (int(v) for v in self.image_shape_)
        manifest = {
            "task": "anomalies", "estimator": "WGANScorer", "params": self.get_params(),
            "image_shape": [bands, height, width],
            "epochs_run": {"gan": self.n_epochs_, "encoder_max": self.n_encoder_epochs_},
            "history": _json_safe(getattr(self, "history_", {})),
            "versions": package_versions("torch", "safetensors"),
        }
        tensors = {f"{name}.{key}": value for name, module in self._modules().items()
                   for key, value in module.state_dict().items()}

        def write(tmp: Path) -> dict[str, str]:
            write_weights(tmp / "wgan.safetensors", tensors,
                          {"bands": bands, "height": height, "width": width})
            return {"weights": "wgan.safetensors"}

        return write_model_folder(path, manifest, write)

    @classmethod
    def load(cls, path: str | Path) -> WGANScorer:
        """Read a scorer written by :meth:`save` (safetensors and JSON: nothing is unpickled)."""
        from astrolearn.persist import read_estimator_manifest

        manifest = read_estimator_manifest(path, "WGANScorer", "anomalies")
        return cls._from_folder(Path(path), manifest)

    @classmethod
    def _from_folder(cls, folder: Path, manifest: dict[str, Any]) -> WGANScorer:
        """Rebuild from a checked manifest (the hook of :func:`astrolearn.persist.load_model`)."""
        file = folder / manifest["files"]["weights"]
        try:
            self = cls(**manifest["params"])
            tensors, shapes = read_weights(file)
            self._build((shapes["bands"], shapes["height"], shapes["width"]))
            for name, module in self._modules().items():
                prefix = f"{name}."
                module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items()
                                        if k.startswith(prefix)})
            self.n_epochs_ = int(manifest["epochs_run"]["gan"])
            self.n_encoder_epochs_ = int(manifest["epochs_run"]["encoder_max"])
        except (KeyError, TypeError, RuntimeError) as err:
            raise AstrolearnInputError(
                f"the weights do not fit the networks the manifest describes "
                f"({type(err).__name__}: {str(err).splitlines()[0]})", file=file,
                fix="refit and save the model again") from None
        history = manifest.get("history") or {}
        self.history_ = {k: ([_nan(v) for v in value] if isinstance(value, list) else value)
                         for k, value in history.items()}
        self.manifest_ = manifest
        self._freeze()
        return self


def _resolve_epochs(epochs: int | None, encoder_epochs: int | None, n: int,
                    batch_size: int) -> tuple[int, int]:
    """GAN and encoder epochs, ``None`` meaning about ``AUTO_CRITIC_STEPS`` critic steps and
    ``AUTO_ENCODER_STEPS`` encoder steps (at least 3 epochs; on the 90 % of the images that
    :func:`~astrolearn.nn.training.fit_module` keeps for training)."""
    batch = min(batch_size, n)
    gan = int(epochs) if epochs is not None else \
        max(1, math.ceil(AUTO_CRITIC_STEPS / (n // batch)))
    n_train = n - min(round(0.1 * n), n - 1)
    encoder = int(encoder_epochs) if encoder_epochs is not None else \
        max(3, math.ceil(AUTO_ENCODER_STEPS / math.ceil(n_train / batch)))
    return gan, encoder


def _json_safe(history: dict[str, Any]) -> dict[str, Any]:
    """NaN (e.g. an epoch without a generator step) as ``None`` for strict JSON."""
    def fix(value: Any) -> Any:
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return {k: ([fix(v) for v in value] if isinstance(value, list) else fix(value))
            for k, value in history.items()}


def _nan(value: Any) -> Any:
    return float("nan") if value is None else value
