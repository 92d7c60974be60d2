"""Device choice and seeding (astrolearn.nn.device)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.device import choose_device, rng_scope, seed_everything


def _fake_machine(monkeypatch, *, cuda: int = 0, mps: bool = False) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


def test_cpu_is_always_available():
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device(torch.device("cpu")) == torch.device("cpu")
    assert choose_device(" CPU ") == torch.device("cpu")


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(0, False, "cpu"), (0, True, "mps"), (1, True, "cuda:0"), (2, False, "cuda:0")],
)
def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    _fake_machine(monkeypatch, cuda=cuda, mps=mps)
    assert choose_device("auto") == torch.device(expected)


def test_auto_on_this_machine_is_usable():
    dev = choose_device()
    assert dev.type in {"cpu", "cuda", "mps"}
    torch.zeros(2, device=dev)


def test_missing_cuda_is_a_clear_error(monkeypatch):
    _fake_machine(monkeypatch, cuda=0)
    with pytest.raises(AstrolearnInputError, match="no CUDA GPU") as info:
        choose_device("cuda")
    assert "auto" in info.value.fix


def test_cuda_index_out_of_range(monkeypatch):
    _fake_machine(monkeypatch, cuda=2)
    assert choose_device("cuda:1") == torch.device("cuda", 1)
    assert choose_device("cuda") == torch.device("cuda", 0)
    with pytest.raises(AstrolearnInputError, match="only 2 CUDA"):
        choose_device("cuda:2")


def test_missing_mps_is_a_clear_error(monkeypatch):
    _fake_machine(monkeypatch, mps=False)
    with pytest.raises(AstrolearnInputError, match="MPS"):
        choose_device("mps")


@pytest.mark.parametrize("bad", ["gpu", "xla", "", 3, None])
def test_unknown_devices_are_rejected(bad):
    with pytest.raises(AstrolearnInputError):
        choose_device(bad)


def test_seed_everything_repeats_torch_numpy_and_generator():
    rng = seed_everything(123)
    first = (torch.rand(3), np.random.rand(3), rng.normal(size=3))  # noqa: NPY002
    rng = seed_everything(123)
    second = (torch.rand(3), np.random.rand(3), rng.normal(size=3))  # noqa: NPY002
    assert isinstance(rng, np.random.Generator)
    assert torch.equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])
    with pytest.raises(AstrolearnInputError):
        seed_everything(-1)


def test_rng_scope_is_reproducible_and_leaves_global_state_alone():
    torch.manual_seed(5)
    expected_outside = torch.rand(4)
    torch.manual_seed(5)
    with rng_scope(0):
        a = torch.rand(4)
    assert torch.equal(torch.rand(4), expected_outside)
    with rng_scope(0):
        b = torch.rand(4)
    with rng_scope(1):
        c = torch.rand(4)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
