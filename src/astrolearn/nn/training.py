"""The one PyTorch training loop of astrolearn, shared by every neural model.

Classifiers (MLP, light-curve, spectrogram and image CNNs) and regressors (mixture density
networks for photometric redshifts) all train through :func:`fit_module`: AdamW, mini-batches
shuffled by a seeded :class:`torch.Generator`, per-sample weights, a validation split (random,
stratified or given by the caller, e.g. grouped by object to avoid leakage), early stopping on
the validation loss and restoring of the best weights. :func:`predict_batches` runs a trained
module over arrays of any length in evaluation mode.

Why written here rather than taken from a library: PyTorch Lightning, skorch or ignite would
each do the job, but each is a large dependency with its own estimator or trainer contract,
and astrolearn needs only this ~300-line loop, with its own guarantees (bit-identical CPU
results for a fixed seed, the global RNG and thread settings left untouched, weighted losses
as the mean of per-sample losses) behind the scikit-learn estimators of every task.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import choose_device, rng_scope

__all__ = ["TrainingHistory", "fit_module", "group_holdout", "predict_batches", "resolve_seed"]

ArrayLike = np.ndarray | torch.Tensor
ProgressCallback = Callable[[int, float, float | None], None]

# Whole data sets up to this size are copied to an accelerator once, instead of per batch.
_DEVICE_RESIDENT_BYTES = 1 << 30


@dataclass
class TrainingHistory:
    """What happened during :func:`fit_module`.

    Attributes
    ----------
    train_loss : list of float
        Weighted mean training loss of each epoch (averaged over the epoch's batches, in
        training mode, so with dropout active).
    val_loss : list of float
        Weighted mean validation loss after each epoch (evaluation mode); empty when there was
        no validation set.
    best_epoch : int
        Index (0-based, into ``train_loss``) of the epoch whose weights were kept: the lowest
        validation loss, or the lowest training loss when there was no validation set.
    n_epochs : int
        Number of epochs run (``len(train_loss)``).
    wall_time_s : float
        Wall-clock seconds spent in the loop.
    stopped_early : bool
        Whether training stopped before ``epochs`` because of ``patience``.
    device : str
        The device trained on.
    n_train, n_val : int
        Number of training and validation samples.

    Examples
    --------
    >>> h = TrainingHistory(train_loss=[1.0, 0.5], val_loss=[1.1, 0.7], best_epoch=1,
    ...                     n_epochs=2, wall_time_s=0.1)
    >>> h.best_loss
    0.7
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    n_epochs: int = 0
    wall_time_s: float = 0.0
    stopped_early: bool = False
    device: str = "cpu"
    n_train: int = 0
    n_val: int = 0

    @property
    def best_loss(self) -> float:
        """The monitored loss (validation if any, else training) at ``best_epoch``."""
        monitored = self.val_loss if self.val_loss else self.train_loss
        return float(monitored[self.best_epoch]) if monitored else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the history (for model manifests)."""
        return asdict(self)


def resolve_seed(random_state: int | np.random.RandomState | None) -> int:
    """Turn a scikit-learn style ``random_state`` into one integer seed.

    Parameters
    ----------
    random_state : int, numpy.random.RandomState or None
        An int is used as is; ``None`` or a ``RandomState`` draws a seed from that generator
        (``None`` means NumPy's global one, as in scikit-learn).

    Returns
    -------
    int
        A seed in ``[0, 2**31 - 1)``, or ``random_state`` itself when it is an int.

    Examples
    --------
    >>> resolve_seed(7)
    7
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise AstrolearnInputError(
                f"random_state must be non-negative, got {random_state}", fix="use e.g. 0"
            )
        return int(random_state)
    from sklearn.utils import check_random_state

    try:
        rng = check_random_state(random_state)
    except ValueError as exc:
        raise AstrolearnInputError(
            f"random_state must be an int, None or a numpy RandomState, got {random_state!r}",
            fix="use e.g. random_state=0",
        ) from exc
    return int(rng.randint(0, 2**31 - 1))


def group_holdout(groups: Sequence[Any] | np.ndarray, random_state: int | None = 0,
                  fraction: float = 0.1) -> np.ndarray:
    """Choose whole groups for an early-stopping set: a boolean mask of the held-out rows.

    A tenth of the distinct groups (at least one) is drawn with the seed, so that every
    member of a group (the copies of one object, the signals of one star) falls on the same
    side and stopping is never tuned on a group already seen in training.

    Examples
    --------
    >>> group_holdout(np.array(["a", "a", "b", "c"]), 0, fraction=0.3).sum() in (1, 2)
    True
    """
    groups = np.asarray(groups)
    unique = np.unique(groups)
    rng = np.random.default_rng(resolve_seed(random_state))
    n_held = max(1, int(len(unique) * fraction + 1e-9))
    chosen = rng.choice(unique, n_held, replace=False)
    return np.isin(groups, chosen)


def fit_module(
    module: nn.Module,
    loss_fn: Callable[..., torch.Tensor],
    inputs: ArrayLike | Sequence[ArrayLike],
    targets: ArrayLike | tuple[ArrayLike, ...],
    *,
    sample_weight: ArrayLike | None = None,
    epochs: int = 100,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    validation_fraction: float = 0.1,
    patience: int | None = 10,
    min_delta: float = 0.0,
    grad_clip: float | None = None,
    schedule: str = "constant",
    random_state: int | np.random.RandomState | None = 0,
    device: str | torch.device = "auto",
    progress: bool | ProgressCallback = False,
    stratify: ArrayLike | None = None,
    validation_data: tuple | None = None,
    num_threads: int | None = None,
) -> TrainingHistory:
    """Train ``module`` in place with AdamW, mini-batches and early stopping.

    The loop makes no assumption about the task: ``module(*inputs_batch)`` gives outputs (a
    tensor or a tuple of tensors) and ``loss_fn(outputs, targets_batch)`` returns one loss per
    sample (e.g. ``F.cross_entropy(..., reduction="none")`` or a mixture-density negative log
    likelihood). The loop takes the weighted mean of those per-sample losses.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is moved to ``device`` and trained in place. Its weights at return are
        those of ``best_epoch``.
    loss_fn : callable
        ``loss_fn(outputs, targets) -> Tensor`` of shape ``(batch,)`` (extra trailing
        dimensions are averaged). ``targets`` is one tensor, or a tuple when ``targets`` was.
    inputs : array or tensor, or a sequence of them
        Network inputs, all with the same first dimension ``n``; a tuple/list gives several
        positional inputs. float64 is converted to float32, integers to int64.
    targets : array or tensor, or a tuple of them
        Targets with first dimension ``n`` (class indices, regression values, ...).
    sample_weight : array of shape (n,), optional
        Non-negative per-sample weights (default: all ones). They weight the training loss,
        the validation loss and therefore early stopping.
    epochs : int, default 100
        Maximum number of passes over the training set.
    batch_size : int, default 256
        Target mini-batch size. Each epoch is cut into ``ceil(n_train / batch_size)`` batches
        of nearly equal size, so there is never a tiny last batch.
    learning_rate, weight_decay : float
        AdamW settings.
    validation_fraction : float, default 0.1
        Fraction of the samples held out for early stopping (ignored when
        ``validation_data`` is given). With 0, the training loss is monitored instead.
    patience : int or None, default 10
        Stop after this many epochs without improvement of the monitored loss; ``None``
        runs all ``epochs`` (the best weights are still restored).
    min_delta : float, default 0.0
        Smallest decrease of the monitored loss that counts as an improvement.
    grad_clip : float, optional
        Clip the global gradient norm to this value.
    schedule : {"constant", "onecycle"}, default "constant"
        Learning rate over training: constant, or the one-cycle policy (warm up to
        ``learning_rate`` over the first 30% of ``epochs``, then anneal towards zero), which
        often fits sharper densities; use it with ``patience=None`` so that the annealing
        runs to the end (the best epoch's weights are still restored).
    random_state : int, RandomState or None, default 0
        Seeds the validation split, the shuffling and dropout. Two calls with the same int,
        the same data, the same initial weights and the same number of CPU threads give
        bit-identical weights on the CPU. The global RNG state is left unchanged.
    device : str or torch.device, default "auto"
        Where to train, see :func:`~astrolearn.nn.device.choose_device`.
    progress : bool or callable, default False
        ``True`` prints one line per epoch to stderr; a callable is called as
        ``progress(epoch, train_loss, val_loss_or_None)`` after each epoch.
    stratify : array of shape (n,), optional
        Labels to stratify the random validation split on (classifiers).
    validation_data : tuple, optional
        ``(inputs, targets)`` or ``(inputs, targets, sample_weight)`` of a validation set
        chosen by the caller (e.g. split by object or sky region so that nothing leaks).
    num_threads : int, optional
        CPU threads for PyTorch during this call only (restored afterwards; note that the
        setting is process-wide while it lasts). ``None`` (default) leaves it alone. One
        thread is often much faster for small networks on a busy machine.

    Returns
    -------
    TrainingHistory
        Per-epoch losses, best epoch, wall time.

    Raises
    ------
    AstrolearnInputError
        On inconsistent lengths, bad weights or options, a ``loss_fn`` that does not return
        per-sample losses, or a loss that becomes NaN/inf.

    Examples
    --------
    >>> import numpy as np, torch
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)).astype("float32"); y = 3 * x[:, 0] + 1
    >>> net = torch.nn.Linear(1, 1)
    >>> mse = lambda out, t: (out[:, 0] - t) ** 2
    >>> hist = fit_module(net, mse, x, y, epochs=300, batch_size=50, learning_rate=0.05,
    ...                   device="cpu")
    >>> hist.best_loss < 1e-2
    True
    """
    start = time.perf_counter()
    _check_options(
        epochs,
        batch_size,
        learning_rate,
        weight_decay,
        validation_fraction,
        patience,
        min_delta,
        grad_clip,
    )
    if schedule not in ("constant", "onecycle"):
        raise AstrolearnInputError(f"schedule must be 'constant' or 'onecycle', got {schedule!r}")
    dev = choose_device(device)
    seed = resolve_seed(random_state)

    x_all = _as_tensors(inputs, "inputs")
    single_target = not isinstance(targets, tuple)
    y_all = _as_tensors((targets,) if single_target else targets, "targets")
    n = x_all[0].shape[0]
    _check_lengths(x_all + y_all, n, "inputs and targets")
    w_all = _as_weights(sample_weight, n, "sample_weight")

    if validation_data is not None:
        train = (x_all, y_all, w_all)
        val = _unpack_validation(validation_data, single_target, len(x_all))
    else:
        train_idx, val_idx = _split_indices(n, validation_fraction, stratify, seed)
        train = _take(x_all, y_all, w_all, train_idx)
        val = _take(x_all, y_all, w_all, val_idx) if val_idx.size else None
    if val is not None and val[2] is not None and float(val[2].sum()) <= 0:
        val = None  # nothing to measure: monitor the training loss instead
    x_tr, y_tr, w_tr = train
    n_train = x_tr[0].shape[0]
    n_val = 0 if val is None else val[0][0].shape[0]
    if n_train == 0:
        raise AstrolearnInputError("no training samples", fix="pass at least one sample")
    if w_tr is not None and float(w_tr.sum()) <= 0:
        raise AstrolearnInputError(
            "the training samples' weights sum to zero",
            column="sample_weight",
            fix="give some training samples a positive weight",
        )

    # Keep the data on the accelerator when it fits; otherwise move it batch by batch.
    data_device = dev if _nbytes(train, val) <= _DEVICE_RESIDENT_BYTES else torch.device("cpu")
    x_tr = tuple(t.to(data_device) for t in x_tr)
    y_tr = tuple(t.to(data_device) for t in y_tr)
    w_tr_cpu = w_tr
    w_tr = None if w_tr is None else w_tr.to(data_device)
    if val is not None:
        val = tuple(
            None
            if part is None
            else (
                part.to(data_device)
                if isinstance(part, torch.Tensor)
                else tuple(t.to(data_device) for t in part)
            )
            for part in val
        )

    module.to(dev)
    was_training = module.training
    optimizer = torch.optim.AdamW(module.parameters(), lr=learning_rate, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    n_batches = -(-n_train // batch_size)
    scheduler = None
    if schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=learning_rate, total_steps=epochs * n_batches, pct_start=0.3)
    history = TrainingHistory(device=str(dev), n_train=n_train, n_val=n_val)
    best = float("inf")
    best_state = _copy_state(module)

    with rng_scope(seed, dev), _thread_limit(num_threads):
        for epoch in range(epochs):
            module.train()
            order = torch.randperm(n_train, generator=generator)
            loss_sum = torch.zeros((), dtype=_acc_dtype(dev), device=dev)
            weight_sum = 0.0
            for idx in torch.tensor_split(order, n_batches):
                batch_w_sum = float(idx.numel()) if w_tr_cpu is None else float(w_tr_cpu[idx].sum())
                if batch_w_sum <= 0:
                    continue  # a batch of zero-weight samples teaches nothing: no step at all
                idx_d = idx.to(data_device)
                xb = tuple(t[idx_d].to(dev, non_blocking=True) for t in x_tr)
                yb = tuple(t[idx_d].to(dev, non_blocking=True) for t in y_tr)
                wb = None if w_tr is None else w_tr[idx_d].to(dev, non_blocking=True)
                losses = _per_sample(
                    loss_fn(module(*xb), yb[0] if single_target else yb), idx.numel()
                )
                total = losses.sum() if wb is None else (losses * wb).sum()
                optimizer.zero_grad(set_to_none=True)
                (total / batch_w_sum).backward()
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                loss_sum += total.detach().to(loss_sum.dtype)
                weight_sum += batch_w_sum
            train_loss = float(loss_sum) / weight_sum
            history.train_loss.append(train_loss)
            val_loss = None
            if val is not None:
                val_loss = _evaluate(
                    module, loss_fn, val, single_target, dev, max(batch_size, 4096)
                )
                history.val_loss.append(val_loss)
            monitored = train_loss if val_loss is None else val_loss
            if not np.isfinite(monitored):
                module.load_state_dict(best_state)  # leave usable weights behind
                raise AstrolearnInputError(
                    f"the {'training' if val_loss is None else 'validation'} loss became "
                    f"{monitored} at epoch {epoch + 1}",
                    fix="lower learning_rate, set grad_clip, or check the inputs for extreme "
                    "values (standardise features, replace sentinels such as -99)",
                )
            if monitored < best - min_delta:
                best = monitored
                history.best_epoch = epoch
                best_state = _copy_state(module)
            _report(progress, epoch, epochs, train_loss, val_loss)
            if patience is not None and epoch - history.best_epoch >= patience:
                history.stopped_early = epoch + 1 < epochs
                break

    module.load_state_dict(best_state)
    module.train(was_training)
    history.n_epochs = len(history.train_loss)
    history.wall_time_s = time.perf_counter() - start
    return history


def predict_batches(
    module: nn.Module,
    inputs: ArrayLike | Sequence[ArrayLike],
    *,
    batch_size: int = 8192,
    device: str | torch.device | None = None,
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Run ``module`` over ``inputs`` in batches, in evaluation mode, without gradients.

    Parameters
    ----------
    module : torch.nn.Module
        A trained network. Its training/evaluation mode is restored afterwards.
    inputs : array or tensor, or a sequence of them
        As for :func:`fit_module`.
    batch_size : int, default 8192
        Samples per forward pass (bounds memory, not results).
    device : str or torch.device, optional
        Where to compute; ``None`` (default) uses the device the module's parameters are on.
        Otherwise the module is moved there (in place).

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        The outputs, concatenated along the first axis, on the CPU; a tuple when the module
        returns a tuple (e.g. the mixture weights, means and widths of a density network).

    Examples
    --------
    >>> import numpy as np, torch
    >>> net = torch.nn.Linear(3, 2)
    >>> predict_batches(net, np.zeros((10, 3)), batch_size=4).shape
    (10, 2)
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise AstrolearnInputError(f"batch_size must be a positive integer, got {batch_size!r}")
    if device is None:
        first = next(module.parameters(), None)
        dev = torch.device("cpu") if first is None else first.device
    else:
        dev = choose_device(device)
        module.to(dev)
    xs = _as_tensors(inputs, "inputs")
    n = xs[0].shape[0]
    _check_lengths(xs, n, "inputs")
    was_training = module.training
    module.eval()
    chunks: list[tuple[torch.Tensor, ...]] = []
    is_tuple = False
    try:
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                out = module(*(t[start : start + batch_size].to(dev) for t in xs))
                is_tuple = isinstance(out, (tuple, list))
                parts = tuple(out) if is_tuple else (out,)
                chunks.append(tuple(p.detach().cpu() for p in parts))
            if not chunks:  # zero samples: one empty pass gives the output shapes
                out = module(*(t[:0].to(dev) for t in xs))
                is_tuple = isinstance(out, (tuple, list))
                chunks.append(tuple(p.cpu() for p in (tuple(out) if is_tuple else (out,))))
    finally:
        module.train(was_training)
    arrays = tuple(torch.cat([c[i] for c in chunks]).numpy() for i in range(len(chunks[0])))
    return arrays if is_tuple else arrays[0]


# --------------------------------------------------------------------------- helpers


def _check_options(
    epochs,
    batch_size,
    learning_rate,
    weight_decay,
    validation_fraction,
    patience,
    min_delta,
    grad_clip,
) -> None:
    def positive_int(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise AstrolearnInputError(f"{name} must be a positive integer, got {value!r}")

    positive_int("epochs", epochs)
    positive_int("batch_size", batch_size)
    if patience is not None:
        positive_int("patience", patience)
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise AstrolearnInputError(f"learning_rate must be positive, got {learning_rate!r}")
    if not (np.isfinite(weight_decay) and weight_decay >= 0):
        raise AstrolearnInputError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if not (0.0 <= validation_fraction < 1.0):
        raise AstrolearnInputError(
            f"validation_fraction must be in [0, 1), got {validation_fraction!r}",
            fix="use e.g. 0.1, or 0 to train on everything",
        )
    if not min_delta >= 0:
        raise AstrolearnInputError(f"min_delta must be >= 0, got {min_delta!r}")
    if grad_clip is not None and not grad_clip > 0:
        raise AstrolearnInputError(f"grad_clip must be positive or None, got {grad_clip!r}")


def _as_tensor(a: Any, name: str) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        t = a.detach()
    else:
        arr = np.asarray(a)
        if arr.dtype == object or arr.dtype.kind in "USMm":
            raise AstrolearnInputError(
                f"{name} has dtype {arr.dtype}, which cannot become a tensor",
                fix="pass numeric arrays (encode labels as integers first)",
            )
        arr = np.ascontiguousarray(arr)
        # torch.from_numpy shares memory and warns on read-only arrays (memmaps): copy those.
        t = torch.from_numpy(arr) if arr.flags.writeable else torch.from_numpy(arr.copy())
    if t.dtype == torch.float64:
        t = t.float()
    elif t.dtype in (torch.int8, torch.int16, torch.int32, torch.uint8):
        t = t.long()
    return t


def _as_tensors(values: Any, name: str) -> tuple[torch.Tensor, ...]:
    if (
        isinstance(values, (tuple, list))
        and len(values) > 0
        and all(isinstance(v, (np.ndarray, torch.Tensor)) for v in values)
    ):
        tensors = tuple(_as_tensor(v, name) for v in values)
    else:
        tensors = (_as_tensor(values, name),)
    for t in tensors:
        if t.ndim == 0:
            raise AstrolearnInputError(f"{name} must have a first (sample) dimension, got a scalar")
    return tensors


def _as_weights(weight: Any, n: int, name: str) -> torch.Tensor | None:
    if weight is None:
        return None
    w = np.asarray(
        weight.detach().cpu() if isinstance(weight, torch.Tensor) else weight, dtype=np.float64
    )
    if w.shape != (n,):
        raise AstrolearnInputError(
            f"{name} has shape {w.shape} but there are {n} samples",
            column=name,
            fix="pass one weight per sample",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AstrolearnInputError(
            f"{name} contains negative, NaN or infinite values",
            column=name,
            fix="use finite, non-negative weights",
        )
    return torch.from_numpy(w.astype(np.float32))


def _check_lengths(tensors: Sequence[torch.Tensor], n: int, what: str) -> None:
    lengths = [t.shape[0] for t in tensors]
    if any(length != n for length in lengths):
        raise AstrolearnInputError(
            f"{what} have different numbers of samples: {lengths}",
            fix="pass arrays with the same first dimension",
        )


def _split_indices(
    n: int, fraction: float, stratify: Any, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Random (optionally stratified) train/validation indices; every stratum keeps one in train."""
    rng = np.random.default_rng(seed)
    if fraction <= 0 or n < 2:
        return np.arange(n), np.arange(0)
    if stratify is None:
        n_val = min(round(fraction * n), n - 1)
        order = rng.permutation(n)
        return np.sort(order[n_val:]), np.sort(order[:n_val])
    labels = np.asarray(stratify.cpu() if isinstance(stratify, torch.Tensor) else stratify)
    if labels.shape[0] != n:
        raise AstrolearnInputError(
            f"stratify has {labels.shape[0]} entries but there are {n} samples",
            fix="pass one label per sample",
        )
    _, codes = np.unique(labels, return_inverse=True, axis=0 if labels.ndim > 1 else None)
    val_parts = []
    for code in np.unique(codes):
        members = rng.permutation(np.flatnonzero(codes == code))
        n_val = min(round(fraction * members.size), members.size - 1)
        val_parts.append(members[:n_val])
    val_idx = np.sort(np.concatenate(val_parts)) if val_parts else np.arange(0)
    mask = np.ones(n, dtype=bool)
    mask[val_idx] = False
    return np.flatnonzero(mask), val_idx


def _take(xs, ys, w, idx: np.ndarray):
    index = torch.from_numpy(idx.astype(np.int64))
    return (
        tuple(t[index] for t in xs),
        tuple(t[index] for t in ys),
        None if w is None else w[index],
    )


def _unpack_validation(data: tuple, single_target: bool, n_inputs: int):
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise AstrolearnInputError(
            "validation_data must be (inputs, targets) or (inputs, targets, sample_weight)"
        )
    x_val = _as_tensors(data[0], "validation inputs")
    if len(x_val) != n_inputs:
        raise AstrolearnInputError(
            f"validation_data has {len(x_val)} inputs but training has {n_inputs}"
        )
    targets = data[1]
    y_val = _as_tensors((targets,) if single_target else targets, "validation targets")
    n_val = x_val[0].shape[0]
    _check_lengths(x_val + y_val, n_val, "validation inputs and targets")
    w_val = _as_weights(data[2] if len(data) == 3 else None, n_val, "validation sample_weight")
    if n_val == 0:
        return None
    return x_val, y_val, w_val


def _nbytes(*parts: Any) -> int:
    total = 0
    for part in parts:
        if part is None:
            continue
        if isinstance(part, torch.Tensor):
            total += part.numel() * part.element_size()
        else:
            total += _nbytes(*part)
    return total


def _per_sample(losses: Any, batch: int) -> torch.Tensor:
    if not isinstance(losses, torch.Tensor) or losses.ndim == 0 or losses.shape[0] != batch:
        shape = tuple(losses.shape) if isinstance(losses, torch.Tensor) else type(losses)
        raise AstrolearnInputError(
            f"loss_fn must return one loss per sample (shape ({batch},)), got {shape}",
            fix="use reduction='none' in the PyTorch loss; the loop takes the weighted mean",
        )
    if losses.ndim > 1:
        losses = losses.reshape(batch, -1).mean(dim=1)
    return losses


def _evaluate(module, loss_fn, val, single_target, dev, batch_size) -> float:
    x_val, y_val, w_val = val
    n = x_val[0].shape[0]
    module.eval()
    total = torch.zeros((), dtype=_acc_dtype(dev), device=dev)
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            xb = tuple(t[sl].to(dev) for t in x_val)
            yb = tuple(t[sl].to(dev) for t in y_val)
            losses = _per_sample(
                loss_fn(module(*xb), yb[0] if single_target else yb), xb[0].shape[0]
            ).to(total.dtype)
            if w_val is not None:
                losses = losses * w_val[sl].to(dev)
            total += losses.sum()
    weight = float(n) if w_val is None else float(w_val.sum())
    return float(total) / weight if weight > 0 else float("nan")


def _acc_dtype(dev: torch.device) -> torch.dtype:
    """Loss sums in float64, except on MPS, which has no float64."""
    return torch.float32 if dev.type == "mps" else torch.float64


def _copy_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@contextmanager
def _thread_limit(num_threads: int | None) -> Iterator[None]:
    if num_threads is None:
        yield
        return
    if (
        isinstance(num_threads, bool)
        or not isinstance(num_threads, (int, np.integer))
        or num_threads < 1
    ):
        raise AstrolearnInputError(
            f"num_threads must be a positive integer or None, got {num_threads!r}"
        )
    previous = torch.get_num_threads()
    torch.set_num_threads(int(num_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _report(progress, epoch: int, epochs: int, train_loss: float, val_loss: float | None) -> None:
    if progress is True:
        text = f"epoch {epoch + 1}/{epochs}  train loss {train_loss:.5g}"
        if val_loss is not None:
            text += f"  validation loss {val_loss:.5g}"
        print(text, file=sys.stderr, flush=True)
    elif callable(progress):
        progress(epoch, train_loss, val_loss)


def stage_progress(progress: Any, offset: int, total: int, label: str) -> Any:
    """Progress of one training stage (e.g. frozen backbone, then fine-tuning), with epochs
    numbered over all ``total`` epochs; ``False`` when ``progress`` is off."""
    if not progress:
        return False

    def report(epoch: int, train_loss: float, val_loss: float | None) -> None:
        if callable(progress):
            progress(offset + epoch, train_loss, val_loss)
            return
        text = f"epoch {offset + epoch + 1}/{total}{label}  train loss {train_loss:.5g}"
        if val_loss is not None:
            text += f"  validation loss {val_loss:.5g}"
        print(text, file=sys.stderr, flush=True)

    return report


def _join_histories(head: TrainingHistory, tuned: TrainingHistory,
                    keep_head: bool) -> TrainingHistory:
    """One history for the frozen and the fine-tuning stage (epochs numbered throughout)."""
    return TrainingHistory(
        train_loss=head.train_loss + tuned.train_loss, val_loss=head.val_loss + tuned.val_loss,
        best_epoch=head.best_epoch if keep_head else head.n_epochs + tuned.best_epoch,
        n_epochs=head.n_epochs + tuned.n_epochs,
        wall_time_s=head.wall_time_s + tuned.wall_time_s, stopped_early=tuned.stopped_early,
        device=tuned.device, n_train=tuned.n_train, n_val=tuned.n_val)


def fit_classifier(
    module: nn.Module,
    inputs: np.ndarray,
    codes: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    epochs: int = 30,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    patience: int = 6,
    random_state: int | np.random.RandomState | None = 0,
    device: str | torch.device = "auto",
    progress: bool | ProgressCallback = False,
    num_threads: int | None = None,
    freeze_epochs: int = 0,
    freeze: Callable[[bool], None] | None = None,
    frozen_label: str = " (backbone frozen)",
    batchnorm_fix: str = "raise batch_size, or train on more examples",
) -> TrainingHistory:
    """Train a CNN classifier (logits out) with cross-entropy, as the image-like tasks do.

    On top of :func:`fit_module` (AdamW, weight decay 1e-4, gradient clipping at 5, early
    stopping): the held-out set for early stopping is whole ``groups`` when given (so that
    near-duplicates of one source or one observing segment do not sit on both sides), else a
    stratified 10 %; and a pretrained network can be fine-tuned in two stages: with
    ``freeze_epochs`` > 0, ``freeze(True)`` fixes the pretrained body and only the head
    trains for ``freeze_epochs`` epochs, then everything trains for the rest (the frozen
    stage's weights are kept when fine-tuning never beats them). Both stages share the seed,
    split and held-out set, so their losses compare. The module ends on the CPU in eval mode.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a batch of ``inputs`` to logits ``(batch, n_classes)``.
    inputs : ndarray
        Network inputs, first dimension ``n``.
    codes : ndarray of int64, shape (n,)
        Class indices.
    sample_weight, groups : ndarray of shape (n,), optional
    epochs, batch_size, learning_rate, patience, random_state, device, progress, num_threads
        As for :func:`fit_module`.
    freeze_epochs : int, default 0
    freeze : callable, optional
        ``freeze(True)`` / ``freeze(False)``: fix / release the pretrained body (required
        when ``freeze_epochs`` > 0).
    frozen_label : str
        Shown in the progress of the frozen stage.
    batchnorm_fix : str
        The fix offered when a batch of one example reaches BatchNorm.

    Returns
    -------
    TrainingHistory

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 2))
    >>> x = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    >>> history = fit_classifier(net, x, (x[:, 0] > 0).astype(np.int64), epochs=3)
    >>> history.n_epochs
    3
    """
    x, y, w = inputs, codes, sample_weight
    validation = None
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != (len(x),):
            raise AstrolearnInputError(f"groups must have one entry per example ({len(x)}), "
                                       f"got shape {g.shape}")
        held = group_holdout(g, random_state)
        if held.all():
            raise AstrolearnInputError("groups must have at least two distinct values")
        validation = (x[held], y[held]) if w is None else (x[held], y[held], w[held])
        x, y = x[~held], y[~held]
        w = None if w is None else w[~held]

    def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(logits, target, reduction="none")

    def train(n_epochs: int, offset: int, label: str) -> TrainingHistory:
        try:
            return fit_module(
                module, cross_entropy, x, y, sample_weight=w, epochs=n_epochs,
                batch_size=batch_size, learning_rate=learning_rate, weight_decay=1e-4,
                patience=patience, grad_clip=5.0, random_state=resolve_seed(random_state),
                device=device, progress=stage_progress(progress, offset, epochs, label),
                validation_data=validation, validation_fraction=0.1,
                stratify=y if validation is None else None, num_threads=num_threads)
        except ValueError as err:  # BatchNorm on a single value per channel
            if isinstance(err, AstrolearnInputError) or \
                    "more than 1 value per channel" not in str(err):
                raise
            raise AstrolearnInputError(f"a training batch reached BatchNorm with one value per "
                                       f"channel (batch_size {batch_size})",
                                       fix=batchnorm_fix) from None

    try:
        if freeze_epochs == 0:
            return train(epochs, 0, "")
        if freeze is None:
            raise ValueError("freeze_epochs > 0 needs freeze")
        freeze(True)
        try:
            head = train(freeze_epochs, 0, frozen_label)
        finally:
            freeze(False)
        if freeze_epochs >= epochs:
            return head
        head_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        tuned = train(epochs - freeze_epochs, freeze_epochs, "")
        keep_head = head.best_loss < tuned.best_loss
        if keep_head:  # fine-tuning never beat the frozen stage's best: undo it
            module.load_state_dict(head_state)
        return _join_histories(head, tuned, keep_head)
    finally:
        module.to("cpu").eval()
