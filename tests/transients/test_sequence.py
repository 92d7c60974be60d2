"""The GRU sequence network: encoding without look-ahead, training, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd

from astrolearn.transients.sequence import SequenceNetwork, encode_sequences

WAVE = {"g": 4730.0, "r": 6420.0}


def _lc():
    t = np.arange(0.0, 40.0, 2.0)
    flux = np.where(t < 10, 1.0, 100.0 * np.exp(-(t - 10) / 15))
    return pd.DataFrame({"object_id": 3, "time": t, "band": ["g", "r"] * 10,
                         "flux": flux, "flux_err": 2.0, "detected": flux / 2.0 >= 5})


def test_encoding_of_a_prefix_is_the_prefix_of_the_encoding():
    """Nothing from later observations leaks into earlier steps (scale = median error)."""
    lc = _lc()
    full, n_full, _ = encode_sequences(lc, np.array([3]), bands=["g", "r"], wavelengths=WAVE,
                                       static=np.zeros((1, 0)))
    part, n_part, _ = encode_sequences(lc.iloc[:12], np.array([3]), bands=["g", "r"],
                                       wavelengths=WAVE, static=np.zeros((1, 0)))
    assert n_full[0] == 20 and n_part[0] == 12
    np.testing.assert_allclose(part[0, :12], full[0, :12])


def test_step_features_by_hand():
    steps, _, static = encode_sequences(_lc(), np.array([3]), bands=["g", "r"],
                                        wavelengths=WAVE, static=np.ones((1, 1)))
    first_detection = 10.0  # flux 100 at t = 10 is the first point with SNR >= 5
    np.testing.assert_allclose(steps[0, 0, 0], (0.0 - first_detection) / 100.0)
    np.testing.assert_allclose(steps[0, 5, 2], np.arcsinh(100.0 / 2.0), rtol=1e-6)
    np.testing.assert_allclose(steps[0, 1, 1], np.log1p(2.0), rtol=1e-6)
    assert steps[0, 0, 5] == 1.0 and steps[0, 1, 6] == 1.0   # one-hot g, then r
    np.testing.assert_allclose(static[0], [1.0, np.log10(2.0)], rtol=1e-6)


def test_objects_without_points_get_one_empty_step():
    steps, lengths, _ = encode_sequences(_lc(), np.array([3, 99]), bands=["g", "r"],
                                         wavelengths=WAVE, static=np.zeros((2, 0)))
    assert lengths.tolist() == [20, 1]
    assert not steps[1].any()


def test_max_length_keeps_the_first_points():
    steps, lengths, _ = encode_sequences(_lc(), np.array([3]), bands=["g", "r"],
                                         wavelengths=WAVE, static=np.zeros((1, 0)),
                                         max_length=5)
    assert lengths[0] == 5 and steps.shape[1] == 5


def test_train_save_load(tmp_path):
    rng = np.random.default_rng(1)
    steps = rng.normal(size=(60, 8, 4)).astype(np.float32)
    y = np.arange(60) % 2
    steps[:, :, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    lengths = np.full(60, 8)
    static = np.zeros((60, 1), np.float32)
    net = SequenceNetwork(hidden=8, epochs=40, random_state=3).fit(
        steps, lengths, static, y, n_classes=2, groups=np.arange(60) // 2)
    proba = net.predict_proba(steps, lengths, static)
    assert (proba.argmax(1) == y).mean() > 0.9
    net.save(tmp_path / "net.safetensors")
    again = SequenceNetwork.load(tmp_path / "net.safetensors", net.get_config())
    np.testing.assert_allclose(again.predict_proba(steps, lengths, static), proba, atol=1e-6)
    # same seed, same data: the same network
    twin = SequenceNetwork(hidden=8, epochs=40, random_state=3).fit(
        steps, lengths, static, y, n_classes=2, groups=np.arange(60) // 2)
    np.testing.assert_allclose(twin.predict_proba(steps, lengths, static), proba, atol=1e-6)
