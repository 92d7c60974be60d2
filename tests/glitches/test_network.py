"""GlitchNetwork: single- and multi-view CNNs on synthetic Q-transform views (torch, 1 thread)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.network import GlitchNetwork, _GlitchNet, time_shift

N_WINDOWS, N_FREQ, N_TIME = 4, 32, 32
SMALL = {"width": 4, "dense": 16, "epochs": 25, "batch_size": 32, "learning_rate": 0.01,
         "patience": 25, "shift_pixels": 3}


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


def synthetic_views(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three morphologies in exponential (normalised-energy-like) noise, 4 x 32 x 32.

    0: a horizontal line near frequency row 8 (a power-line-like tone), all times;
    1: a short vertical broadband blob near the centre (a blip), narrower in longer windows;
    2: a diagonal chirp rising in frequency up to the centre time.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    views = rng.exponential(1.0, (len(y), N_WINDOWS, N_FREQ, N_TIME)).astype(np.float32)
    for i, label in enumerate(y):
        amp = rng.uniform(6.0, 12.0)
        dt = int(rng.integers(-4, 5))
        df = int(rng.integers(-2, 3))
        for w in range(N_WINDOWS):
            centre = N_TIME // 2 + dt
            if label == 0:
                views[i, w, 8 + df, :] += amp
            elif label == 1:
                half = max(1, 3 - w)  # the blip lasts fewer columns in longer windows
                views[i, w, 4 + df:28 + df, centre - half:centre + half] += amp
            else:
                for k in range(12):
                    col = centre - 12 + k
                    views[i, w, 6 + 2 * k + df, col:col + 2] += amp
    return views, y


@pytest.fixture(scope="module")
def data():
    train = synthetic_views(30, seed=1)
    test = synthetic_views(20, seed=2)
    return train, test


@pytest.fixture(scope="module")
def fitted_multi(data):
    (x, y), _ = data
    return GlitchNetwork(mode="multiview", **SMALL).fit(x, y, n_classes=3)


@pytest.mark.parametrize("mode", ["multiview", "single"])
def test_learns_three_morphologies(data, fitted_multi, mode):
    (x, y), (x_test, y_test) = data
    net = fitted_multi if mode == "multiview" else \
        GlitchNetwork(mode="single", **SMALL).fit(x, y, n_classes=3)
    proba = net.predict_proba(x_test)
    assert proba.shape == (len(y_test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = (proba.argmax(axis=1) == y_test).mean()
    assert accuracy >= 0.85, accuracy  # chance is 1/3
    assert net.history_.n_epochs >= 1


def test_time_shift_moves_time_only():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.exponential(1.0, (3, 4, 6, 10)).astype(np.float32))
    shifted = time_shift(x, torch.tensor([2, -3, 0]))
    # whole columns move, zeros come in, nothing wraps around, every window alike
    torch.testing.assert_close(shifted[0, :, :, 2:], x[0, :, :, :-2])
    assert (shifted[0, :, :, :2] == 0).all()
    torch.testing.assert_close(shifted[1, :, :, :-3], x[1, :, :, 3:])
    assert (shifted[1, :, :, -3:] == 0).all()
    torch.testing.assert_close(shifted[2], x[2])
    # energy never crosses frequency rows: a row's values are a subset of the same row's
    for i in range(3):
        for w in range(4):
            for f in range(6):
                kept = shifted[i, w, f][shifted[i, w, f] != 0]
                assert set(kept.tolist()) <= set(x[i, w, f].tolist())


def test_augmentation_only_in_training_mode():
    net = _GlitchNet(4, 16, 16, 3, "multiview", 1, 2, 8, 0.0, 4, True)
    rng = np.random.default_rng(0)
    x = torch.zeros((8, 4, 16, 16))
    x[:, :, 5, 6:10] = torch.as_tensor(rng.uniform(1, 2, (8, 4, 4)), dtype=torch.float32)
    z = net.transform(x)
    net.eval()
    torch.testing.assert_close(net.augment(z), z)
    net.train()
    torch.manual_seed(0)
    a = net.augment(z)
    assert not torch.equal(a, z)
    # only along time, same shift for the four windows of a sample; rows never mix
    for i in range(len(z)):
        moved = [int(torch.argmax(a[i, w, 5]) - torch.argmax(z[i, w, 5])) for w in range(4)]
        assert len(set(moved)) == 1 and abs(moved[0]) <= 4
        other_rows = np.delete(np.arange(16), 5)
        assert (a[i][:, other_rows].abs() <= z[i][:, other_rows].abs().max() + 1e-6).all()
    off = _GlitchNet(4, 16, 16, 3, "multiview", 1, 2, 8, 0.0, 0, True).train()
    torch.testing.assert_close(off.augment(z), z)


def test_same_seed_same_probabilities(data):
    (x, y), (x_test, _) = data
    config = {**SMALL, "epochs": 3}
    a = GlitchNetwork(mode="single", **config).fit(x, y, n_classes=3).predict_proba(x_test)
    b = GlitchNetwork(mode="single", **config).fit(x, y, n_classes=3).predict_proba(x_test)
    np.testing.assert_array_equal(a, b)


def test_save_load_round_trip(data, fitted_multi, tmp_path):
    _, (x_test, _) = data
    path = tmp_path / "glitch.safetensors"
    fitted_multi.save(path)
    loaded = GlitchNetwork.load(path, fitted_multi.get_config())
    np.testing.assert_array_equal(loaded.predict_proba(x_test), fitted_multi.predict_proba(x_test))
    assert loaded.get_config() == fitted_multi.get_config()


def test_groups_and_weights(data):
    (x, y), (x_test, _) = data
    groups = np.arange(len(y)) // 3
    net = GlitchNetwork(mode="single", **{**SMALL, "epochs": 2}).fit(
        x, y, n_classes=3, groups=groups, sample_weight=np.ones(len(y)))
    assert net.history_.n_val > 0
    assert net.predict_proba(x_test).shape == (len(x_test), 3)


def test_inputs_not_modified(data, fitted_multi):
    (x, y), (x_test, _) = data
    x_copy, y_copy, test_copy = x.copy(), y.copy(), x_test.copy()
    GlitchNetwork(mode="single", **{**SMALL, "epochs": 1}).fit(x, y, n_classes=3)
    fitted_multi.predict_proba(x_test)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(x_test, test_copy)


def test_bad_input_raises(data, fitted_multi):
    (x, y), _ = data
    with pytest.raises(AstrolearnInputError, match="not fitted"):
        GlitchNetwork().predict_proba(x)
    with pytest.raises(AstrolearnInputError, match="shape"):
        GlitchNetwork(**SMALL).fit(x[:, 0], y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="do not match"):
        fitted_multi.predict_proba(x[:, :, :16])
    with pytest.raises(AstrolearnInputError, match="y must be"):
        GlitchNetwork(**SMALL).fit(x, y[:-1], n_classes=3)
    with pytest.raises(AstrolearnInputError, match="y must be"):
        GlitchNetwork(**SMALL).fit(x, y, n_classes=2)
    bad = x[:8].copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(AstrolearnInputError, match="NaN"):
        fitted_multi.predict_proba(bad)
    with pytest.raises(AstrolearnInputError, match="negative"):
        fitted_multi.predict_proba(x[:8] - 5.0)
    with pytest.raises(AstrolearnInputError, match="window"):
        GlitchNetwork(mode="single", window=4, **SMALL).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="mode"):
        GlitchNetwork(mode="merged", **SMALL).fit(x, y, n_classes=3)
