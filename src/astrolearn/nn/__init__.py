"""Shared PyTorch machinery: device choice, seeding, the training loop, and an MLP classifier.

Every neural model of astrolearn (light-curve, spectrogram and image CNNs, mixture density
networks for photometric redshifts) trains through :func:`fit_module` and predicts through
:func:`predict_batches`, on the device :func:`choose_device` picks.

Examples
--------
>>> from astrolearn.nn import TorchMLPClassifier, choose_device
>>> choose_device("cpu")
device(type='cpu')
"""

from astrolearn.nn.device import choose_device, rng_scope, seed_everything
from astrolearn.nn.mlp import TorchMLPClassifier
from astrolearn.nn.training import TrainingHistory, fit_module, predict_batches, resolve_seed

__all__ = [
    "TorchMLPClassifier",
    "TrainingHistory",
    "choose_device",
    "fit_module",
    "predict_batches",
    "resolve_seed",
    "rng_scope",
    "seed_everything",
]
