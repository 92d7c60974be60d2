"""Image CNNs: architectures, augmentation, learning, TTA, saving, transfer (torch, 1 thread)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from astrolearn.errors import AstrolearnInputError
from astrolearn.images.networks import (
    BackboneNet,
    ImageNetwork,
    ResidualCNN,
    XceptionNet,
    augment_images,
    dihedral,
    symmetries,
    translate_images,
)

SIZE = 24
SMALL = {"width": 6, "epochs": 14, "batch_size": 32, "learning_rate": 0.01, "patience": 14}


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


def shapes(n_per_class: int, seed: int, size: int = SIZE, bands: int = 1,
           kinds: tuple[str, ...] = ("disc", "ring", "bar")) -> tuple[np.ndarray, np.ndarray]:
    """Bright discs, rings and elongated bars at random angles in unit Gaussian noise.

    Sizes, brightness, centres (within 1.5 pixels) and bar angles vary, so that only the
    shape tells the classes apart; every band holds the same shape with its own noise.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(kinds)), n_per_class)
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    images = rng.normal(size=(len(y), bands, size, size)).astype(np.float32)
    scale = size / 24
    for i, label in enumerate(y):
        cy, cx = (size - 1) / 2 + rng.uniform(-1.5, 1.5, 2)
        dy, dx = yy - cy, xx - cx
        amp = rng.uniform(4.0, 7.0)
        kind = kinds[label]
        if kind == "disc":
            sigma = rng.uniform(2.2, 3.2) * scale
            profile = np.exp(-(dx**2 + dy**2) / (2 * sigma**2))
        elif kind == "ring":
            radius = rng.uniform(5.0, 7.0) * scale
            profile = np.exp(-(np.hypot(dx, dy) - radius) ** 2 / (2 * 1.0**2))
        else:
            angle = rng.uniform(0, np.pi)
            u = dx * np.cos(angle) + dy * np.sin(angle)
            v = -dx * np.sin(angle) + dy * np.cos(angle)
            profile = np.exp(-(u**2) / (2 * (5.5 * scale) ** 2) - v**2 / (2 * 1.1**2))
        images[i] += amp * profile
    return images, y


@pytest.fixture(scope="module")
def data():
    return shapes(30, seed=1), shapes(15, seed=2)


@pytest.fixture(scope="module")
def fitted(data):
    (x, y), _ = data
    return ImageNetwork("resnet", **SMALL).fit(x, y, n_classes=3)


# --------------------------------------------------------------------------- architectures


@pytest.mark.parametrize("size", [(16, 16), (23, 23), (32, 20)])
def test_architectures_take_any_size_and_give_pooled_features(size):
    x = torch.zeros(3, 2, *size)
    for net, dim in ((ResidualCNN(2, 5, width=4), 32), (XceptionNet(2, 5, width=0.125), 128),
                     (BackboneNet("resnet18", 2, 5), 512)):
        net.eval()
        assert tuple(net.features(x).shape) == (3, dim)
        assert tuple(net(x).shape) == (3, 5)


def test_xception_width_scales_every_channel_count():
    full = XceptionNet(3, 2, width=1.0)
    convs = [m for m in full.modules() if isinstance(m, torch.nn.Conv2d)]
    outs = sorted({m.out_channels for m in convs})
    assert outs == [32, 64, 128, 256, 512, 728, 1024]  # as in the Keras example
    separable = [m for m in convs if m.groups > 1]
    assert separable and all(m.groups == m.in_channels == m.out_channels for m in separable)
    quarter = XceptionNet(3, 2, width=0.25)
    assert quarter.n_features == 256 and full.n_features == 1024
    assert sum(p.numel() for p in quarter.parameters()) < \
        sum(p.numel() for p in full.parameters()) / 10
    # residual blocks halve the image: 64 -> 32 (entry) -> 16, 8, 4, 2
    feature_map = full.blocks(full.entry(torch.zeros(1, 3, 64, 64)))
    assert tuple(feature_map.shape) == (1, 728, 2, 2)


# --------------------------------------------------------------------------- augmentation


def _key(t: torch.Tensor) -> tuple:
    return tuple(t.flatten().tolist())


def test_without_flips_augmentation_gives_the_four_rotations_only():
    torch.manual_seed(0)
    image = torch.arange(25.0).reshape(1, 1, 5, 5)  # no symmetry at all
    batch = image.repeat(400, 1, 1, 1)
    rotations = {_key(dihedral(image, k)) for k in range(4)}
    mirrors = {_key(dihedral(image, k, True)) for k in range(4)}
    assert not rotations & mirrors
    seen = {_key(t) for t in augment_images(batch, flips=False)}
    assert seen == rotations  # never a mirror image (a clockwise spiral stays clockwise)
    seen = {_key(t) for t in augment_images(batch, flips=True)}
    assert seen == rotations | mirrors  # all eight symmetries of the square
    assert {_key(t) for t in augment_images(batch, rotations=False, flips=False)} == \
        {_key(image)}
    assert torch.equal(batch[0], image[0])  # the input is not modified


def test_non_square_images_turn_half_way_only():
    torch.manual_seed(1)
    image = torch.arange(12.0).reshape(1, 1, 3, 4)
    seen = {_key(t) for t in augment_images(image.repeat(100, 1, 1, 1), flips=False)}
    assert seen == {_key(image), _key(dihedral(image, 2))}
    assert symmetries(3, 4) == [(0, False), (2, False), (0, True), (2, True)]


def test_shifts_move_whole_pixels_and_fill_with_zeros():
    x = torch.zeros(2, 2, 6, 6)
    x[:, :, 2, 3] = 1.0
    out = translate_images(x, torch.tensor([1, -2]), torch.tensor([0, 2]))
    assert out[0, :, 3, 3].tolist() == [1.0, 1.0] and out[0].sum() == 2
    assert out[1, :, 0, 5].tolist() == [1.0, 1.0] and out[1].sum() == 2
    torch.manual_seed(2)
    shifted = augment_images(x.repeat(50, 1, 1, 1), rotations=False, flips=False,
                             shift_pixels=1)
    peaks = {tuple(torch.nonzero(t[0]).flatten().tolist()) for t in shifted}
    assert peaks == {(r, c) for r in (1, 2, 3) for c in (2, 3, 4)}


def test_augmentation_only_in_training_mode(monkeypatch):
    from astrolearn.images import networks

    calls = []

    def spy(x, **kw):
        calls.append(kw)
        return x

    monkeypatch.setattr(networks, "augment_images", spy)
    net = ImageNetwork("resnet", width=4, flips=False, shift_pixels=2)
    net._build({"in_channels": 1, "n_classes": 2, "height": 16, "width": 16})
    batch = torch.zeros(4, 1, 16, 16)
    net.net_.eval()
    net.net_(batch)
    assert calls == []
    net.net_.train()
    net.net_(batch)
    assert calls == [{"rotations": True, "flips": False, "shift_pixels": 2}]


# --------------------------------------------------------------------------- learning


def test_residual_cnn_learns_three_shapes(fitted, data):
    _, (x_test, y_test) = data
    proba = fitted.predict_proba(x_test)
    assert proba.shape == (45, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (proba.argmax(1) == y_test).mean() >= 0.85  # chance: 1/3
    assert (fitted.predict_proba(x_test, tta=True).argmax(1) == y_test).mean() >= 0.85
    assert fitted.history_.n_epochs >= 1 and fitted.history_.n_val > 0


def test_xception_learns_three_shapes(data):
    (x, y), (x_test, y_test) = data
    net = ImageNetwork("xception", **{**SMALL, "width": 0.125, "epochs": 12})
    net.fit(x, y, n_classes=3)
    assert (net.predict_proba(x_test, tta=True).argmax(1) == y_test).mean() >= 0.8


def test_tta_is_invariant_to_the_training_symmetries(fitted, data):
    _, (x_test, _) = data
    x = x_test[::3]
    base = fitted.predict_proba(x, tta=True)
    for k in (1, 2, 3):
        turned = np.rot90(x, k, axes=(2, 3))
        np.testing.assert_allclose(fitted.predict_proba(turned, tta=True), base, atol=1e-5)
    mirrored = x[..., ::-1]
    np.testing.assert_allclose(fitted.predict_proba(mirrored, tta=True), base, atol=1e-5)
    # without TTA a rotation changes the probabilities a little (a CNN is not invariant)
    assert not np.allclose(fitted.predict_proba(np.rot90(x, 1, axes=(2, 3))),
                           fitted.predict_proba(x), atol=1e-5)
    emb = fitted.embed(x, tta=True)
    assert emb.shape == (len(x), 8 * SMALL["width"]) and emb.dtype == np.float32
    np.testing.assert_allclose(fitted.embed(np.rot90(x, 1, axes=(2, 3)), tta=True), emb,
                               atol=1e-4)


def test_tta_without_flips_averages_rotations_only(data):
    (x, y), (x_test, _) = data
    net = ImageNetwork("resnet", **{**SMALL, "epochs": 2}, flips=False).fit(x, y, n_classes=3)
    sample = x_test[:6]
    by_hand = np.mean([net.predict_proba(np.rot90(sample, k, axes=(2, 3)).copy())
                       for k in range(4)], axis=0)
    np.testing.assert_allclose(net.predict_proba(sample, tta=True), by_hand, atol=1e-6)


def test_same_seed_same_network_and_inputs_untouched(data):
    (x, y), (x_test, _) = data
    x_copy = x.copy()
    a = ImageNetwork("resnet", **{**SMALL, "epochs": 2}, shift_pixels=1).fit(x, y, n_classes=3)
    b = ImageNetwork("resnet", **{**SMALL, "epochs": 2}, shift_pixels=1).fit(x, y, n_classes=3)
    test_copy = x_test.copy()
    np.testing.assert_array_equal(a.predict_proba(x_test), b.predict_proba(x_test))
    a.predict_proba(x_test, tta=True)
    a.embed(x_test, tta=True)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(x_test, test_copy)


def test_groups_hold_out_whole_groups_and_weights_are_used(data):
    (x, y), _ = data
    groups = np.arange(len(x)) % 10
    net = ImageNetwork("resnet", **{**SMALL, "epochs": 1}).fit(
        x, y, n_classes=3, groups=groups, sample_weight=np.ones(len(x)))
    assert net.history_.n_val == 9  # one group of ten held out (90 images / 10 groups)


def test_save_load_round_trip(fitted, data, tmp_path):
    _, (x_test, _) = data
    path = tmp_path / "network.safetensors"
    fitted.save(path)
    loaded = ImageNetwork.load(path, fitted.get_config())
    for tta in (False, True):
        np.testing.assert_array_equal(loaded.predict_proba(x_test, tta=tta),
                                      fitted.predict_proba(x_test, tta=tta))
    np.testing.assert_array_equal(loaded.embed(x_test), fitted.embed(x_test))
    assert loaded.get_config() == fitted.get_config()


# --------------------------------------------------------------------------- transfer


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    """A ResNet-18 weights file in torchvision's layout (random weights, non-trivial BatchNorm
    statistics), standing in for a download."""
    from astrolearn.nn.backbones import resnet

    with torch.random.fork_rng():
        torch.manual_seed(5)
        model = resnet("resnet18")
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    path = tmp_path_factory.mktemp("weights") / "resnet18.pth"
    torch.save(model.state_dict(), path)
    return path, {k: v.clone() for k, v in model.state_dict().items()}


def test_transfer_from_a_torchvision_resnet18_file(resnet18_file, data, tmp_path):
    path, state = resnet18_file
    (x, y), (x_test, _) = data
    x2 = np.repeat(x[:24:2], 2, axis=1)  # two bands: conv1 adapted from RGB
    net = ImageNetwork("resnet18", backbone_weights=path, freeze_epochs=2, epochs=2,
                       batch_size=12, learning_rate=0.01).fit(x2, y[:24:2] % 2, n_classes=2)
    backbone = net.net_.net.backbone.state_dict()
    torch.testing.assert_close(backbone["conv1.weight"],
                               state["conv1.weight"].sum(dim=1, keepdim=True).repeat(1, 2, 1, 1)
                               / 2)
    for key, value in backbone.items():  # frozen all along: the file's weights and statistics
        if key != "conv1.weight":
            torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    assert all(p.requires_grad for p in net.net_.parameters())  # released after fit
    saved = tmp_path / "r18.safetensors"
    net.save(saved)
    loaded = ImageNetwork.load(saved, net.get_config())
    x2_test = np.repeat(x_test[:5], 2, axis=1)
    np.testing.assert_array_equal(loaded.predict_proba(x2_test), net.predict_proba(x2_test))
    assert net.embed(x2_test).shape == (5, 512)
    # a fitted ResNet-18 image network is itself a starting point (its body, not its head)
    again = ImageNetwork("resnet18", backbone_weights=saved, freeze_epochs=1, epochs=1,
                         batch_size=12).fit(x2, y[:24:2], n_classes=3)
    for key, value in again.net_.net.backbone.state_dict().items():
        torch.testing.assert_close(value, backbone[key], rtol=0, atol=0)
    assert again.net_.net.head.out_features == 3


def test_two_stage_schedule_freezes_the_body_first(fitted, data, tmp_path):
    (x, y), _ = data
    fitted.save(tmp_path / "w.safetensors")
    seen = []

    def watch(epoch, train_loss, val_loss):
        stem = net.net_.net.stem
        seen.append((epoch, stem[0].weight.requires_grad,
                     torch.equal(stem[1].running_mean, pretrained)))

    pretrained = fitted.net_.net.stem[1].running_mean.clone()

    net = ImageNetwork("resnet", **{**SMALL, "epochs": 3}, backbone_weights=tmp_path /
                       "w.safetensors", freeze_epochs=2)
    net.fit(x, y % 2, n_classes=2, progress=watch)
    # epochs 0, 1: no gradient and the pretrained BatchNorm statistics; then everything trains
    assert seen == [(0, False, True), (1, False, True), (2, True, False)]
    assert net.history_.n_epochs == 3 and len(net.history_.val_loss) == 3


def test_transfer_from_another_image_network_with_other_size_and_classes(fitted, data,
                                                                         tmp_path):
    """Pretrained on 24-pixel discs / rings / bars, fine-tuned on 32-pixel rings vs discs: the
    body is copied, the head is new, and a frozen body stays the pretrained one."""
    folder = tmp_path / "pretrained"
    folder.mkdir()
    fitted.save(folder / "network.safetensors")
    x, y = shapes(12, seed=3, size=32, kinds=("ring", "disc"))
    x_test, y_test = shapes(12, seed=4, size=32, kinds=("ring", "disc"))
    net = ImageNetwork("resnet", **{**SMALL, "epochs": 10, "batch_size": 8},
                       backbone_weights=folder, freeze_epochs=10).fit(x, y, n_classes=2)
    pretrained = fitted.net_.state_dict()
    for key, value in net.net_.state_dict().items():
        if key.startswith("net.head."):
            assert value.shape[0] == 2
        else:
            torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0)
    # the pretrained features already separate rings from discs at the new size
    assert (net.predict_proba(x_test, tta=True).argmax(1) == y_test).mean() >= 0.85
    tuned = ImageNetwork("resnet", **{**SMALL, "epochs": 2},
                         backbone_weights=folder / "network.safetensors").fit(x, y, n_classes=2)
    assert not torch.equal(tuned.net_.net.stem[0].weight, pretrained["net.stem.0.weight"])


def test_transfer_errors(fitted, resnet18_file, data, tmp_path):
    path, _ = resnet18_file
    (x, y), _ = data
    fitted.save(tmp_path / "w.safetensors")
    with pytest.raises(AstrolearnInputError, match="do not fit") as info:
        ImageNetwork("resnet", **{**SMALL, "width": 8, "epochs": 1},
                     backbone_weights=tmp_path / "w.safetensors").fit(x, y, n_classes=3)
    assert "w.safetensors" in str(info.value) and "same architecture, width" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="do not fit"):
        ImageNetwork("xception", epochs=1,
                     backbone_weights=tmp_path / "w.safetensors").fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="do not fit"):  # other number of bands
        ImageNetwork("resnet", **{**SMALL, "epochs": 1},
                     backbone_weights=tmp_path / "w.safetensors").fit(
            np.repeat(x, 2, axis=1), y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="cannot read the weights"):
        ImageNetwork("resnet", epochs=1, backbone_weights=path).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="no image network weights"):
        ImageNetwork("resnet", epochs=1, backbone_weights=tmp_path).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="does not exist"):
        ImageNetwork("resnet18", epochs=1, backbone_weights=tmp_path / "gone.pth").fit(
            x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="resnet18 file, not a resnet34"):
        ImageNetwork("resnet34", epochs=1, backbone_weights=path).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="no backbone_weights"):
        ImageNetwork("resnet18", freeze_epochs=1, epochs=2).fit(x, y, n_classes=3)


# --------------------------------------------------------------------------- errors


def test_bad_settings_and_inputs_raise(fitted, data):
    (x, y), (x_test, _) = data
    with pytest.raises(AstrolearnInputError, match="unknown architecture 'vgg16'") as info:
        ImageNetwork("vgg16").fit(x, y, n_classes=3)
    assert "resnet18" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="positive integer"):
        ImageNetwork("resnet", width=0.5).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="channel multiplier"):
        ImageNetwork("xception", width=-1.0).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="dropout"):
        ImageNetwork(dropout=1.0).fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="flips must be True or False"):
        ImageNetwork(flips="no").fit(x, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="too small"):
        ImageNetwork().fit(x[:, :, :12, :12], y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="shape"):
        ImageNetwork().fit(x[:, 0], y, n_classes=3)
    bad = x.copy()
    bad[[3, 7], 0, 5, 5] = np.nan
    with pytest.raises(AstrolearnInputError, match="2 images hold NaN"):
        ImageNetwork().fit(bad, y, n_classes=3)
    with pytest.raises(AstrolearnInputError, match="integer class codes"):
        ImageNetwork().fit(x, y.astype(str), n_classes=3)
    with pytest.raises(AstrolearnInputError, match="n_classes"):
        ImageNetwork().fit(x, y, n_classes=1)
    with pytest.raises(AstrolearnInputError, match="2 bands but the network was trained on 1"):
        fitted.predict_proba(np.repeat(x_test, 2, axis=1))
    with pytest.raises(AstrolearnInputError, match="not fitted"):
        ImageNetwork().predict_proba(x_test)


def chiral_shapes(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: an "L" (bar plus a foot to one side), class 1: its mirror image, class 2:
    a plain bar; random quarter turns, so only the handedness separates 0 from 1."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n_per_class)
    images = rng.normal(size=(len(y), 1, SIZE, SIZE)).astype(np.float32) * 0.5
    for i, label in enumerate(y):
        img = np.zeros((SIZE, SIZE), np.float32)
        img[5:19, 10:13] = 5.0                     # the bar
        if label < 2:
            img[16:19, 13:19] = 5.0                # the foot, to the right
        if label == 1:
            img = img[:, ::-1]                     # the mirror twin
        images[i, 0] += np.rot90(img, rng.integers(4))
    return images, y


def test_mirror_classes_learn_handedness_and_make_tta_equivariant():
    x, y = chiral_shapes(40, seed=5)
    x_test, y_test = chiral_shapes(15, seed=6)
    net = ImageNetwork("resnet", **{**SMALL, "epochs": 10}, mirror_classes=[1, 0, 2])
    net.fit(x, y, n_classes=3)
    proba = net.predict_proba(x_test, tta=True)
    assert (proba.argmax(1) == y_test).mean() >= 0.9
    # a mirrored cutout gets the probabilities of the original, twins swapped
    mirrored = net.predict_proba(np.ascontiguousarray(x_test[..., ::-1]), tta=True)
    np.testing.assert_allclose(mirrored[:, [1, 0, 2]], proba, atol=1e-5)
    # embeddings average over rotations only (a mirror changes what they encode)
    emb = net.embed(x_test[:4], tta=True)
    by_hand = np.mean([net.embed(np.rot90(x_test[:4], k, axes=(2, 3)).copy())
                       for k in range(4)], axis=0)
    np.testing.assert_allclose(emb, by_hand, atol=1e-4)
    assert net.get_config()["mirror_classes"] == [1, 0, 2]


def test_mirrored_training_images_are_scored_against_the_twin_class():
    from astrolearn.images.networks import _ImageModel

    torch.manual_seed(3)
    model = _ImageModel(ResidualCNN(1, 3, 4, 0.0), rotations=False, flips=True,
                        shift_pixels=0, mirror=[1, 0, 2]).train()
    model.net.eval()  # BatchNorm on fixed statistics: the network is a fixed function
    x = torch.randn(16, 1, SIZE, SIZE)
    with torch.no_grad():
        torch.manual_seed(11)
        out = model(x)  # training mode: random mirrors, outputs read as the twin class
        torch.manual_seed(11)
        flipped = torch.rand(16) < 0.5
        plain, mirrored = model.net(x), model.net(x.flip(-1))[:, [1, 0, 2]]
    assert flipped.any() and (~flipped).any()
    torch.testing.assert_close(out, torch.where(flipped[:, None], mirrored, plain))


@pytest.mark.parametrize("mirror", [[0, 1], [1, 2, 0], [0, 0, 2], [1.0, 0.0, 2.0]])
def test_bad_mirror_classes_are_refused(data, mirror):
    (x, y), _ = data
    with pytest.raises(AstrolearnInputError, match="mirror_classes"):
        ImageNetwork("resnet", **{**SMALL, "epochs": 1}, mirror_classes=mirror).fit(
            x, y, n_classes=3)
