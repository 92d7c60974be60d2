"""Device choice and seeding for every PyTorch model of astrolearn.

CPU first, GPU when present: ``choose_device("auto")`` picks CUDA, then Apple MPS, then the CPU,
and an explicit request for a device that is not there is an :class:`AstrolearnInputError`
rather than a deep PyTorch traceback. ``rng_scope`` seeds PyTorch inside a ``with`` block and
puts the global random state back afterwards, so that fitting an estimator never changes the
random numbers a user's own code sees (the scikit-learn habit).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from astrolearn.errors import AstrolearnInputError

__all__ = ["choose_device", "rng_scope", "seed_everything"]

_KNOWN_TYPES = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(device: str | torch.device = "auto") -> torch.device:
    """Return the :class:`torch.device` to compute on.

    Parameters
    ----------
    device : str or torch.device, default "auto"
        ``"auto"`` picks ``cuda`` when a CUDA GPU is visible, else ``mps`` (Apple silicon) when
        available, else ``cpu``. Anything else (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``
        or a ``torch.device``) is checked to exist on this machine.

    Returns
    -------
    torch.device
        The device; ``cuda`` without an index is given the current CUDA device's index.

    Raises
    ------
    AstrolearnInputError
        If the device string is not understood or the device is not available here.

    Examples
    --------
    >>> choose_device("cpu")
    device(type='cpu')
    >>> choose_device("auto").type in {"cpu", "cuda", "mps"}
    True
    """
    if isinstance(device, str) and device.strip().lower() == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    if not isinstance(device, (str, torch.device)):
        raise AstrolearnInputError(
            f"device must be a string or torch.device, got {type(device).__name__}",
            fix='use device="auto", "cpu", "cuda", "cuda:0" or "mps"',
        )
    try:
        dev = torch.device(device.strip().lower() if isinstance(device, str) else device)
    except (RuntimeError, ValueError) as exc:
        raise AstrolearnInputError(
            f"device {device!r} is not a device name PyTorch understands",
            fix='use device="auto", "cpu", "cuda", "cuda:0" or "mps"',
        ) from exc

    if dev.type not in _KNOWN_TYPES:
        raise AstrolearnInputError(
            f"device {str(dev)!r} is not supported (astrolearn runs on cpu, cuda or mps)",
            fix='use device="auto" to pick the best available device',
        )
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise AstrolearnInputError(
                "device 'cuda' was requested but no CUDA GPU is visible to PyTorch "
                f"(torch {torch.__version__})",
                fix='use device="auto" or "cpu", or install a CUDA build of PyTorch',
            )
        count = torch.cuda.device_count()
        index = torch.cuda.current_device() if dev.index is None else dev.index
        if index >= count:
            raise AstrolearnInputError(
                f"device 'cuda:{index}' was requested but only {count} CUDA device(s) exist",
                fix=f'use an index from 0 to {count - 1}, or device="auto"',
            )
        return torch.device("cuda", index)
    if dev.type == "mps":
        if not _mps_available():
            raise AstrolearnInputError(
                "device 'mps' was requested but Apple MPS is not available on this machine",
                fix='use device="auto" or "cpu"',
            )
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's, NumPy's and PyTorch's global random generators.

    Meant for scripts, notebooks and benchmarks; estimators of astrolearn do *not* call it
    (they seed a private scope with :func:`rng_scope` instead). On the CPU, PyTorch results
    are then bit-for-bit repeatable for a fixed number of threads; on a GPU they are repeatable
    up to the nondeterminism of some CUDA kernels.

    Parameters
    ----------
    seed : int
        Non-negative seed.

    Returns
    -------
    numpy.random.Generator
        A fresh NumPy generator seeded with ``seed``, for the caller's own draws.

    Examples
    --------
    >>> rng = seed_everything(42)
    >>> a = torch.rand(2); b = rng.normal()
    >>> rng = seed_everything(42)
    >>> bool(torch.equal(a, torch.rand(2))) and b == rng.normal()
    True
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (legacy global state, on purpose)
    torch.manual_seed(seed)  # also seeds every CUDA / MPS device
    return np.random.default_rng(seed)


@contextmanager
def rng_scope(seed: int, device: str | torch.device = "cpu") -> Iterator[None]:
    """Seed PyTorch inside a ``with`` block and restore its global random state afterwards.

    The CPU generator and, for an accelerator ``device``, that device's generator are forked:
    weight initialisation and dropout inside the block are reproducible, and code outside it
    sees the random stream it would have seen without the block.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    device : str or torch.device, default "cpu"
        Device whose generator (besides the CPU's) is seeded and restored.

    Examples
    --------
    >>> with rng_scope(0):
    ...     a = torch.nn.Linear(3, 2).weight.detach().clone()
    >>> with rng_scope(0):
    ...     b = torch.nn.Linear(3, 2).weight.detach().clone()
    >>> bool(torch.equal(a, b))
    True
    """
    seed = _check_seed(seed)
    dev = torch.device(device)
    if dev.type == "cuda":
        index = torch.cuda.current_device() if dev.index is None else dev.index
        with torch.random.fork_rng(devices=[index], device_type="cuda"):
            torch.default_generator.manual_seed(seed)
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
            yield
    elif dev.type == "mps":
        with torch.random.fork_rng(device_type="mps"):
            torch.default_generator.manual_seed(seed)
            torch.mps.manual_seed(seed)
            yield
    else:
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(seed)
            yield


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AstrolearnInputError(
            f"seed must be a non-negative integer, got {seed!r}", fix="pass e.g. seed=0"
        )
    return int(seed)
