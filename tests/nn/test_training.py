"""The shared training loop (astrolearn.nn.training)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.training import (
    TrainingHistory,
    _split_indices,
    fit_module,
    predict_batches,
)


def _mse(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (out[:, 0] - target) ** 2


def _line(n: int, slope: float, intercept: float, seed: int, noise: float = 0.05):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 1))
    y = slope * x[:, 0] + intercept + noise * rng.normal(size=n)
    return x, y


def _params(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_loss_decreases_on_toy_regression():
    x, y = _line(300, 2.0, -1.0, seed=0)
    torch.manual_seed(0)
    net = nn.Linear(1, 1)
    hist = fit_module(net, _mse, x, y, epochs=60, batch_size=32, learning_rate=0.05, device="cpu")
    assert isinstance(hist, TrainingHistory)
    assert hist.n_epochs == len(hist.train_loss) == len(hist.val_loss)
    assert (hist.n_train, hist.n_val) == (270, 30)
    assert hist.train_loss[-1] < hist.train_loss[0] / 10
    assert hist.best_loss < 0.01
    assert net.weight.item() == pytest.approx(2.0, abs=0.05)
    assert net.bias.item() == pytest.approx(-1.0, abs=0.05)
    assert hist.wall_time_s > 0
    assert hist.device == "cpu"
    assert set(hist.to_dict()) >= {"train_loss", "val_loss", "best_epoch", "wall_time_s"}


def _overfitting_problem():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = rng.normal(size=60).astype(np.float32)  # pure noise: validation loss must rise
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 64), nn.ReLU(), nn.Linear(64, 1))
    return x, y, net


def test_best_weights_are_restored():
    x, y, net = _overfitting_problem()
    snapshots = []
    hist = fit_module(
        net,
        _mse,
        x,
        y,
        epochs=40,
        batch_size=16,
        learning_rate=1e-2,
        validation_fraction=0.3,
        patience=None,
        device="cpu",
        progress=lambda epoch, tr, va: snapshots.append(_params(net)),
    )
    assert hist.n_epochs == 40 and not hist.stopped_early
    assert hist.val_loss[hist.best_epoch] == min(hist.val_loss)
    assert hist.best_epoch < hist.n_epochs - 1  # otherwise this test proves nothing
    assert _same(_params(net), snapshots[hist.best_epoch])
    assert not _same(_params(net), snapshots[-1])


def test_early_stopping_uses_patience():
    x, y, net = _overfitting_problem()
    hist = fit_module(
        net,
        _mse,
        x,
        y,
        epochs=200,
        batch_size=16,
        learning_rate=1e-2,
        validation_fraction=0.3,
        patience=3,
        device="cpu",
    )
    assert hist.stopped_early
    assert hist.n_epochs == hist.best_epoch + 4


def test_without_validation_the_training_loss_is_monitored():
    x, y = _line(50, 1.0, 0.0, seed=2)
    hist = fit_module(nn.Linear(1, 1), _mse, x, y, epochs=5, validation_fraction=0.0, device="cpu")
    assert hist.val_loss == [] and hist.n_val == 0 and hist.n_train == 50
    assert hist.train_loss[hist.best_epoch] == min(hist.train_loss)


def test_zero_weights_equal_training_without_those_samples():
    xa, ya = _line(60, 2.0, 1.0, seed=3)
    xb, yb = _line(40, -3.0, 5.0, seed=4)  # conflicting samples, then switched off
    torch.manual_seed(0)
    start = nn.Linear(1, 1)
    options = dict(
        epochs=40,
        batch_size=1000,
        learning_rate=0.05,
        validation_fraction=0.0,
        patience=None,
        device="cpu",
    )
    only_a = copy.deepcopy(start)
    fit_module(only_a, _mse, xa, ya, **options)
    weighted = copy.deepcopy(start)
    w = np.r_[np.ones(60), np.zeros(40)]
    fit_module(weighted, _mse, np.r_[xa, xb], np.r_[ya, yb], sample_weight=w, **options)
    everything = copy.deepcopy(start)
    fit_module(everything, _mse, np.r_[xa, xb], np.r_[ya, yb], **options)
    for p, q in zip(only_a.parameters(), weighted.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-5)
    assert abs(everything.weight.item() - only_a.weight.item()) > 0.5


def test_zero_weights_with_minibatches_and_validation():
    xa, ya = _line(200, 2.0, 1.0, seed=5)
    xb, yb = _line(200, -3.0, 5.0, seed=6)
    w = np.r_[np.ones(200), np.zeros(200)]
    torch.manual_seed(0)
    net = nn.Linear(1, 1)
    fit_module(
        net,
        _mse,
        np.r_[xa, xb],
        np.r_[ya, yb],
        sample_weight=w,
        epochs=60,
        batch_size=32,
        learning_rate=0.05,
        device="cpu",
    )
    assert net.weight.item() == pytest.approx(2.0, abs=0.1)
    assert net.bias.item() == pytest.approx(1.0, abs=0.1)


def test_same_seed_same_weights_different_seed_different_weights():
    x, y, start = _overfitting_problem()
    start[1] = nn.Sequential(nn.ReLU(), nn.Dropout(0.2))  # dropout must be seeded too

    def fit(seed: int) -> list[torch.Tensor]:
        net = copy.deepcopy(start)
        fit_module(net, _mse, x, y, epochs=5, batch_size=8, random_state=seed, device="cpu")
        return _params(net)

    assert _same(fit(0), fit(0))
    assert not _same(fit(0), fit(1))


def test_global_rng_and_threads_are_left_alone():
    x, y = _line(40, 1.0, 0.0, seed=7)
    net = nn.Linear(1, 1)
    state = torch.get_rng_state()
    threads = torch.get_num_threads()
    fit_module(net, _mse, x, y, epochs=3, device="cpu", num_threads=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_several_inputs_and_explicit_validation_data():
    class Sum(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 1)
            self.b = nn.Linear(3, 1)

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return self.a(a) + self.b(b)

    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(120, 2)), rng.normal(size=(120, 3))
    y = a.sum(axis=1) - b[:, 0]
    torch.manual_seed(0)
    net = Sum()
    hist = fit_module(
        net,
        _mse,
        (a[:100], b[:100]),
        y[:100],
        epochs=30,
        batch_size=20,
        learning_rate=0.05,
        device="cpu",
        validation_data=((a[100:], b[100:]), y[100:]),
    )
    assert (hist.n_train, hist.n_val) == (100, 20)
    assert hist.val_loss[-1] < hist.val_loss[0]
    out = predict_batches(net, (a, b), batch_size=7)
    assert out.shape == (120, 1)


def test_stratified_split_keeps_every_class_in_both_parts():
    labels = np.r_[np.zeros(90), np.ones(10), [2]]
    train, val = _split_indices(101, 0.2, labels, seed=0)
    assert np.intersect1d(train, val).size == 0 and train.size + val.size == 101
    assert np.bincount(labels[val].astype(int), minlength=3).tolist() == [18, 2, 0]
    assert 2 in labels[train]


def test_bad_inputs_are_explained():
    x, y = _line(30, 1.0, 0.0, seed=9)
    net = nn.Linear(1, 1)
    with pytest.raises(AstrolearnInputError, match="one loss per sample"):
        fit_module(net, lambda out, t: ((out[:, 0] - t) ** 2).mean(), x, y, epochs=1, device="cpu")
    with pytest.raises(AstrolearnInputError, match="different numbers of samples"):
        fit_module(net, _mse, x, y[:-1], epochs=1, device="cpu")
    with pytest.raises(AstrolearnInputError, match="non-negative"):
        fit_module(net, _mse, x, y, sample_weight=-np.ones(30), epochs=1, device="cpu")
    with pytest.raises(AstrolearnInputError, match="validation_fraction"):
        fit_module(net, _mse, x, y, validation_fraction=1.0, device="cpu")
    with pytest.raises(AstrolearnInputError, match="became"):
        fit_module(net, _mse, x, y * np.inf, epochs=1, device="cpu")


def test_predict_batches_matches_a_plain_forward_pass():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    net.train()
    x = np.random.default_rng(10).normal(size=(50, 4))
    out = predict_batches(net, x, batch_size=16)
    assert net.training  # mode restored
    net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(x).float()).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    assert predict_batches(net, x[:0]).shape == (0, 3)


def test_predict_batches_returns_tuples_for_tuple_outputs():
    class TwoHeads(nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x.sum(dim=1), x * 2

    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    total, double = predict_batches(TwoHeads(), x, batch_size=4, device="cpu")
    np.testing.assert_array_equal(total, x.sum(axis=1))
    np.testing.assert_array_equal(double, 2 * x)
