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


# ------------------------------------------------------------------ pretrained backbones

RESNET = {"backbone": "resnet18", "dense": 16, "batch_size": 16, "learning_rate": 0.01,
          "patience": 5, "shift_pixels": 2}


def tiny_views(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two windows of 32 x 32: class 1 has a loud line at frequency row 20."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n_per_class)
    views = rng.exponential(1.0, (len(y), 2, 32, 32)).astype(np.float32)
    views[y == 1, :, 20, :] += 15.0
    return views, y


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    """A torchvision-layout resnet18 state dict (3-channel conv1, 1000-way fc) as a download
    would give, with non-trivial BatchNorm statistics."""
    from astrolearn.nn.backbones import resnet

    torch.manual_seed(5)
    model = resnet("resnet18")
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    path = tmp_path_factory.mktemp("weights") / "resnet18.pth"
    torch.save(model.state_dict(), path)
    return path, {k: v.clone() for k, v in model.state_dict().items()}


def test_resnet_backbone_fits_saves_and_loads_without_the_weights_file(resnet18_file, tmp_path):
    source, _ = resnet18_file
    weights = tmp_path / "copy.pth"
    weights.write_bytes(source.read_bytes())
    x, y = tiny_views(12, seed=3)
    x_test, _ = tiny_views(5, seed=4)
    net = GlitchNetwork(mode="multiview", backbone_weights=str(weights), freeze_epochs=1,
                        epochs=3, **RESNET).fit(x, y, n_classes=2)
    proba = net.predict_proba(x_test)
    assert proba.shape == (10, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert net.history_.n_epochs == 3 and len(net.history_.val_loss) == 3
    assert all(p.requires_grad for p in net.net_.parameters())  # unfrozen after fit
    path = tmp_path / "glitch.safetensors"
    net.save(path)
    weights.unlink()  # the fitted network holds the weights: the file is not needed any more
    config = net.get_config()
    assert config["backbone"] == "resnet18" and config["backbone_weights"] == str(weights)
    loaded = GlitchNetwork.load(path, config)
    np.testing.assert_array_equal(loaded.predict_proba(x_test), proba)
    assert loaded.get_config() == config


def test_pretrained_weights_arrive_and_stay_fixed_while_frozen(resnet18_file):
    path, state = resnet18_file
    x, y = tiny_views(10, seed=5)
    grey_conv1 = state["conv1.weight"].sum(dim=1, keepdim=True)  # RGB filters summed
    seen = []

    def watch(epoch, train_loss, val_loss):
        backbone = net.net_.branch.backbone
        seen.append({
            "epoch": epoch,
            "frozen": not any(p.requires_grad for p in backbone.parameters()),
            "conv1_is_file": torch.equal(backbone.conv1.weight.detach().cpu(), grey_conv1),
            "bn_is_file": torch.equal(backbone.layer3[1].bn2.running_mean.cpu(),
                                      state["layer3.1.bn2.running_mean"]),
            "head_moved": not torch.equal(net.net_.head[0].weight.detach().cpu(), head0),
        })

    net = GlitchNetwork(mode="single", window=0, backbone_weights=path, freeze_epochs=2,
                        epochs=3, **{**RESNET, "patience": 10})
    net._build({"n_windows": 2, "n_freq": 32, "n_time": 32, "n_classes": 2})
    head0 = net.net_.head[0].weight.detach().clone()  # same seed: the head fit starts from
    net.fit(x, y, n_classes=2, progress=watch)
    assert [s["epoch"] for s in seen] == [0, 1, 2]
    for s in seen[:2]:  # frozen stage: the file's weights and BatchNorm statistics, unchanged
        assert s["frozen"] and s["conv1_is_file"] and s["bn_is_file"] and s["head_moved"]
    # fine-tuning stage: everything trains, BatchNorm statistics adapt
    assert not seen[2]["frozen"] and not seen[2]["conv1_is_file"] and not seen[2]["bn_is_file"]


def test_head_only_training_keeps_the_backbone(resnet18_file):
    path, state = resnet18_file
    x, y = tiny_views(10, seed=6)
    net = GlitchNetwork(mode="single", backbone_weights=path, freeze_epochs=2, epochs=2,
                        **RESNET).fit(x, y, n_classes=2)
    backbone = net.net_.branch.backbone.state_dict()
    torch.testing.assert_close(backbone["conv1.weight"],
                               state["conv1.weight"].sum(dim=1, keepdim=True))
    for key, value in backbone.items():
        if key != "conv1.weight":
            torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    assert net.history_.n_epochs == 2


def test_models_saved_before_backbones_still_load(data, fitted_multi, tmp_path):
    _, (x_test, _) = data
    path = tmp_path / "old.safetensors"
    fitted_multi.save(path)
    old_config = {k: v for k, v in fitted_multi.get_config().items()
                  if k not in ("backbone", "backbone_weights", "freeze_epochs")}
    loaded = GlitchNetwork.load(path, old_config)
    assert loaded.backbone == "cnn"
    np.testing.assert_array_equal(loaded.predict_proba(x_test), fitted_multi.predict_proba(x_test))


def test_bad_backbone_settings_raise(resnet18_file, tmp_path):
    path, _ = resnet18_file
    x, y = tiny_views(4, seed=7)
    with pytest.raises(AstrolearnInputError, match="backbone must be one of cnn, resnet18"):
        GlitchNetwork(backbone="vgg16", epochs=1).fit(x, y, n_classes=2)
    with pytest.raises(AstrolearnInputError, match="backbone='resnet18' or its architecture"):
        GlitchNetwork(backbone_weights=path, epochs=1).fit(x, y, n_classes=2)
    with pytest.raises(AstrolearnInputError, match="no backbone_weights"):
        GlitchNetwork(backbone="resnet18", freeze_epochs=1, epochs=2).fit(x, y, n_classes=2)
    with pytest.raises(AstrolearnInputError, match="freeze_epochs must be"):
        GlitchNetwork(backbone="resnet18", backbone_weights=path, freeze_epochs=3,
                      epochs=2).fit(x, y, n_classes=2)
    with pytest.raises(AstrolearnInputError, match="does not exist") as info:
        GlitchNetwork(backbone="resnet18", backbone_weights=tmp_path / "gone.pth",
                      epochs=1).fit(x, y, n_classes=2)
    assert "gone.pth" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="resnet18 file, not a resnet34"):
        GlitchNetwork(backbone="resnet34", backbone_weights=path, epochs=1).fit(x, y,
                                                                               n_classes=2)


def test_cnn_starts_from_a_pretrained_glitch_network(data, fitted_multi, tmp_path):
    """Transfer from another glitch network: the branch is copied, the head is new (here
    with 2 classes instead of 3), and a frozen branch stays exactly the pretrained one."""
    (x, y), (x_test, y_test) = data
    folder = tmp_path / "pretrained"
    folder.mkdir()
    fitted_multi.save(folder / "network.safetensors")
    keep = y < 2
    seen = []
    net = GlitchNetwork(mode="multiview", backbone_weights=folder,
                        **{**SMALL, "epochs": 3, "patience": 3}, freeze_epochs=3)
    net.fit(x[keep], y[keep], n_classes=2,
            progress=lambda *_: seen.append(net.net_.branch[0].weight.clone()))
    pretrained = fitted_multi.net_.branch.state_dict()
    for key, value in net.net_.branch.state_dict().items():
        torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0)
    assert len(seen) == 3
    # the pretrained features already separate the two classes: the new head learns fast
    keep_test = y_test < 2
    accuracy = (net.predict_proba(x_test[keep_test]).argmax(1) == y_test[keep_test]).mean()
    assert accuracy > 0.9
    # then fine-tuning everything moves the branch away from the pretrained weights
    tuned = GlitchNetwork(mode="multiview", backbone_weights=folder / "network.safetensors",
                          **{**SMALL, "epochs": 2}).fit(x[keep], y[keep], n_classes=2)
    assert not torch.equal(tuned.net_.branch[0].weight, pretrained["0.weight"])


def test_cnn_pretrained_weights_must_fit(data, fitted_multi, tmp_path):
    (x, y), _ = data
    fitted_multi.save(tmp_path / "w.safetensors")
    with pytest.raises(AstrolearnInputError, match="do not fit") as info:
        GlitchNetwork(backbone_weights=tmp_path / "w.safetensors",
                      **{**SMALL, "width": 8, "epochs": 1}).fit(x, y, n_classes=3)
    assert "w.safetensors" in str(info.value) and "same width" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="no glitch network weights"):
        GlitchNetwork(backbone_weights=tmp_path, **{**SMALL, "epochs": 1}).fit(x, y,
                                                                             n_classes=3)
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    with pytest.raises(AstrolearnInputError, match="cannot read the weights"):
        GlitchNetwork(backbone_weights=tmp_path / "bad.safetensors",
                      **{**SMALL, "epochs": 1}).fit(x, y, n_classes=3)
