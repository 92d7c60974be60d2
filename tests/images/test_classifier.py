"""ImageClassifier: raw cutouts -> prepared images -> CNN, string classes, model folders."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from astrolearn.errors import AstrolearnInputError
from astrolearn.images.classifier import ImageClassifier

NET = {"epochs": 14, "batch_size": 32, "learning_rate": 0.01, "patience": 14, "num_threads": 1}
KINDS = ("disc", "ring", "bar")


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


def cutouts(n_per_class: int, seed: int, size: int = 24, bands: int = 1,
            kinds: tuple[str, ...] = KINDS) -> tuple[np.ndarray, np.ndarray]:
    """Raw sky-level cutouts (counts: sky 100, noise 3) of discs, rings and bars at random
    sizes, brightness, centres and angles; string labels."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.asarray(kinds), n_per_class)
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    images = (100 + 3 * rng.normal(size=(len(y), bands, size, size))).astype(np.float32)
    scale = size / 24
    for i, kind in enumerate(y):
        cy, cx = (size - 1) / 2 + rng.uniform(-1.5, 1.5, 2)
        dy, dx = yy - cy, xx - cx
        amp = 3 * rng.uniform(4.0, 7.0)
        if kind == "disc":
            profile = np.exp(-(dx**2 + dy**2) / (2 * (rng.uniform(2.2, 3.2) * scale) ** 2))
        elif kind == "ring":
            radius = rng.uniform(5.0, 7.0) * scale
            profile = np.exp(-(np.hypot(dx, dy) - radius) ** 2 / 2)
        else:
            angle = rng.uniform(0, np.pi)
            u = dx * np.cos(angle) + dy * np.sin(angle)
            v = -dx * np.sin(angle) + dy * np.cos(angle)
            profile = np.exp(-(u**2) / (2 * (5.5 * scale) ** 2) - v**2 / (2 * 1.1**2))
        images[i] += amp * profile
    return images, y


@pytest.fixture(scope="module")
def data():
    return cutouts(30, seed=11), cutouts(15, seed=12)


@pytest.fixture(scope="module")
def fitted(data):
    (x, y), _ = data
    return ImageClassifier(width=6, network_params=NET).fit(x, y)


def test_learns_shapes_from_raw_cutouts(fitted, data):
    _, (x_test, y_test) = data
    assert list(fitted.classes_) == ["bar", "disc", "ring"]
    assert fitted.class_counts_ == {"bar": 30, "disc": 30, "ring": 30}
    assert fitted.image_shape_ == [1, 24, 24] and fitted.n_training_images_ == 90
    proba = fitted.predict_proba(x_test)
    assert proba.shape == (45, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (fitted.predict(x_test) == y_test).mean() >= 0.85  # chance: 1/3
    assert fitted.score(x_test, y_test) == (fitted.predict(x_test) == y_test).mean()


def test_predict_frame(fitted, data):
    _, (x_test, _) = data
    ids = [f"gal{i}" for i in range(len(x_test))]
    frame = fitted.predict_frame(x_test, ids)
    assert list(frame.columns) == ["id", "prob_bar", "prob_disc", "prob_ring",
                                   "predicted_class", "max_probability"]
    assert frame["id"].tolist() == ids
    proba = fitted.predict_proba(x_test)
    np.testing.assert_allclose(frame[["prob_bar", "prob_disc", "prob_ring"]].to_numpy(), proba,
                               rtol=1e-6)
    assert frame["predicted_class"].tolist() == fitted.predict(x_test).tolist()
    np.testing.assert_allclose(frame["max_probability"], proba.max(axis=1), rtol=1e-6)
    assert fitted.predict_frame(x_test[:2])["id"].tolist() == ["0", "1"]
    with pytest.raises(AstrolearnInputError, match="ids"):
        fitted.predict_frame(x_test, ids[:3])


def test_predictions_are_invariant_to_rotations_and_mirrors(fitted, data):
    """TTA over the training symmetries, and a preparation that treats a rotated cutout the
    same (the border statistics do not depend on orientation)."""
    _, (x_test, _) = data
    x = x_test[::4]
    base = fitted.predict_proba(x)
    np.testing.assert_allclose(fitted.predict_proba(np.rot90(x, 1, axes=(2, 3))), base,
                               atol=1e-5)
    np.testing.assert_allclose(fitted.predict_proba(x[..., ::-1]), base, atol=1e-5)
    emb = fitted.embed(x)
    assert emb.shape == (len(x), 48)
    np.testing.assert_allclose(fitted.embed(np.rot90(x, 2, axes=(2, 3))), emb, atol=1e-4)


def test_flips_off_reaches_the_network(data):
    (x, y), (x_test, _) = data
    clf = ImageClassifier(width=4, flips=False,
                          network_params={**NET, "epochs": 2}).fit(x, y)
    assert clf.network_.flips is False and clf.network_.rotations is True
    sample = x_test[::5]
    base = clf.predict_proba(sample)
    np.testing.assert_allclose(clf.predict_proba(np.rot90(sample, 1, axes=(2, 3))), base,
                               atol=1e-5)
    # averaging over rotations only: a mirror image is a different input
    assert not np.allclose(clf.predict_proba(sample[..., ::-1]), base, atol=1e-5)


def test_inputs_are_not_modified_and_uint8_is_display_stretched(fitted, data):
    (x, y), (x_test, _) = data
    before, before_train, labels = x_test.copy(), x.copy(), y.copy()
    ImageClassifier(width=4, network_params={**NET, "epochs": 1}).fit(x, y)
    fitted.predict_proba(x_test)
    fitted.embed(x_test)
    np.testing.assert_array_equal(x_test, before)
    np.testing.assert_array_equal(x, before_train)
    np.testing.assert_array_equal(y, labels)
    u8 = np.clip(x_test[:6] - 80, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(fitted.predict_proba(u8),
                                  fitted.predict_proba(u8.astype(np.float32) / 255))


def test_isolated_nan_pixels_are_masked_and_empty_images_refused(fitted, data):
    (x, y), (x_test, _) = data
    holes = x_test[:5].copy()
    holes[:, 0, 3, 4] = np.nan
    holes[1, 0, 0, :] = np.inf
    assert np.isfinite(fitted.predict_proba(holes)).all()
    empty = x.copy()
    empty[[2, 9, 40], 0] = np.nan
    with pytest.raises(AstrolearnInputError, match="3 images have a band with no finite pixel"):
        ImageClassifier(network_params=NET).fit(empty, y)
    with pytest.raises(AstrolearnInputError, match="1 images have a band") as info:
        fitted.predict_proba(empty[8:10], file="cutouts.npz")
    assert "cutouts.npz" in str(info.value) and "image 1" in str(info.value)


def test_save_load_round_trip(fitted, data, tmp_path, monkeypatch):
    from astrolearn import persist

    _, (x_test, _) = data
    folder = fitted.save(tmp_path / "model", metrics={"accuracy": 0.9},
                         extra={"training_file": "train.npz"})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["task"] == "images" and manifest["estimator"] == "ImageClassifier"
    assert manifest["classes"] == ["bar", "disc", "ring"]
    assert manifest["image_shape"] == [1, 24, 24]
    assert manifest["training"]["fingerprint"] == fitted.fingerprint_
    assert manifest["training"]["history"]["n_epochs"] >= 1
    assert manifest["metrics"] == {"accuracy": 0.9} and manifest["training_file"] == "train.npz"
    loaded = ImageClassifier.load(folder)
    np.testing.assert_array_equal(loaded.predict_proba(x_test), fitted.predict_proba(x_test))
    np.testing.assert_array_equal(loaded.embed(x_test), fitted.embed(x_test))
    assert loaded.get_params()["width"] == 6 and loaded.tta is True
    pd.testing.assert_frame_equal(loaded.predict_frame(x_test), fitted.predict_frame(x_test))
    # the generic loader finds the estimator once persist registers it
    monkeypatch.setitem(persist.ESTIMATORS, "ImageClassifier",
                        "astrolearn.images.classifier:ImageClassifier")
    generic = persist.load_model(folder)
    np.testing.assert_array_equal(generic.predict_proba(x_test[:4]),
                                  fitted.predict_proba(x_test[:4]))
    with pytest.raises(AstrolearnInputError):
        ImageClassifier.load(tmp_path / "missing")


def test_fingerprint_follows_the_training_data(fitted, data):
    (x, y), _ = data
    hashes = ImageClassifier.summary_hashes(x)
    assert hashes.shape == (len(x),) and len(set(hashes.tolist())) == len(x)
    np.testing.assert_array_equal(ImageClassifier.summary_hashes(x[::-1]), hashes[::-1])
    from astrolearn.persist import data_fingerprint

    assert data_fingerprint(hashes, y) == fitted.fingerprint_
    assert data_fingerprint(hashes, y[::-1]) != fitted.fingerprint_


def test_transfer_from_another_classifier_with_other_size_and_classes(fitted, tmp_path):
    """Pretrained on 24-pixel discs / rings / bars, fine-tuned on 32-pixel rings vs discs."""
    folder = fitted.save(tmp_path / "pretrained")
    x, y = cutouts(12, seed=13, size=32, kinds=("ring", "disc"))
    x_test, y_test = cutouts(12, seed=14, size=32, kinds=("ring", "disc"))
    clf = ImageClassifier(width=6, network_params={
        **NET, "epochs": 10, "batch_size": 8, "backbone_weights": folder,
        "freeze_epochs": 10}).fit(x, y)
    pretrained = fitted.network_.net_.state_dict()
    for key, value in clf.network_.net_.state_dict().items():
        if not key.startswith("net.head."):
            torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0)
    assert list(clf.classes_) == ["disc", "ring"] and clf.image_shape_ == [1, 32, 32]
    assert clf.score(x_test, y_test) >= 0.85
    with pytest.raises(AstrolearnInputError, match="do not fit"):
        ImageClassifier(width=8, network_params={**NET, "epochs": 1,
                                                 "backbone_weights": folder}).fit(x, y)


def test_sklearn_contract_and_balanced_weights(monkeypatch, data):
    from astrolearn.images import networks

    (x, y), _ = data
    clf = ImageClassifier("xception", 0.125, preprocess={"stretch": "log"},
                          network_params={"epochs": 1}, tta=False)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    seen = {}
    original = networks.ImageNetwork.fit

    def spy(self, images, codes, **kw):
        seen.update(kw, images=images)
        return original(self, images, codes, **kw)

    monkeypatch.setattr(networks.ImageNetwork, "fit", spy)
    keep = np.r_[0:30, 30:36]  # 30 bars, 6 discs
    groups = np.arange(len(keep)) % 6
    ImageClassifier(width=4, network_params={**NET, "epochs": 1}).fit(x[keep], y[keep],
                                                                       groups=groups)
    weights = seen["sample_weight"]
    assert np.isclose(weights[:30].sum(), weights[30:].sum())  # each class the same total
    assert np.isclose(weights[-1], 36 / (2 * 6))
    np.testing.assert_array_equal(seen["groups"], groups)
    prepared = seen["images"]  # prepare_images ran: sky near 0 and unit noise
    assert abs(float(np.median(prepared[:, :, :3, :3]))) < 0.5
    ImageClassifier(width=4, network_params={**NET, "epochs": 1},
                    class_weight=None).fit(x[keep], y[keep])
    assert seen["sample_weight"] is None


def test_bad_input_raises(fitted, data):
    (x, y), (x_test, _) = data
    with pytest.raises(AstrolearnInputError, match="unknown architecture 'vgg16'"):
        ImageClassifier("vgg16").fit(x, y)
    with pytest.raises(AstrolearnInputError, match="shape"):
        ImageClassifier().fit(x[:, 0], y)
    with pytest.raises(AstrolearnInputError, match="labels for"):
        ImageClassifier().fit(x, y[:-1])
    missing = y.astype(object)
    missing[4] = None
    with pytest.raises(AstrolearnInputError, match="1 labels are missing"):
        ImageClassifier().fit(x, missing)
    with pytest.raises(AstrolearnInputError, match="only one class"):
        ImageClassifier().fit(x, np.full(len(x), "disc"))
    with pytest.raises(AstrolearnInputError, match="must not set"):
        ImageClassifier(network_params={"flips": False}).fit(x, y)
    with pytest.raises(AstrolearnInputError, match="bad network_params"):
        ImageClassifier(network_params={"epoch": 3}).fit(x, y)
    with pytest.raises(AstrolearnInputError, match="bad preprocess"):
        ImageClassifier(preprocess={"strech": "log"}, network_params={"epochs": 1}).fit(x, y)
    with pytest.raises(AstrolearnInputError, match="unknown stretch"):
        ImageClassifier(preprocess={"stretch": "sqrt"}, network_params={"epochs": 1}).fit(x, y)
    with pytest.raises(AstrolearnInputError, match="class_weight"):
        ImageClassifier(class_weight="equal").fit(x, y)
    with pytest.raises(AstrolearnInputError, match="too small"):
        ImageClassifier(network_params={"epochs": 1}).fit(x[:, :, :12, :12], y)
    with pytest.raises(AstrolearnInputError, match="numeric"):
        ImageClassifier().fit(x.astype(str), y)
    with pytest.raises(AstrolearnInputError, match="3 bands, but the model was trained on 1"):
        fitted.predict_proba(np.repeat(x_test, 3, axis=1))
    with pytest.raises(AstrolearnInputError, match="not fitted"):
        ImageClassifier().predict(x_test)


def test_mirror_pairs_become_class_codes_and_survive_saving(data, tmp_path):
    (x, y), (x_test, _) = data
    labels = np.asarray(y).astype(str)
    classes = sorted(set(labels))
    pair = {classes[2]: classes[1]}
    clf = ImageClassifier(width=4, mirror_pairs=pair,
                          network_params={**NET, "epochs": 1}).fit(x, labels)
    assert clf.network_.mirror_classes == [0, 2, 1]
    clf.save(tmp_path / "m")
    again = ImageClassifier.load(tmp_path / "m")
    assert again.network_.mirror_classes == [0, 2, 1] and again.mirror_pairs == pair
    np.testing.assert_allclose(again.predict_proba(x_test[:5]), clf.predict_proba(x_test[:5]),
                               atol=1e-6)
    with pytest.raises(AstrolearnInputError, match="mirror_pairs names class 'spiral'"):
        ImageClassifier(width=4, mirror_pairs={"spiral": classes[0]},
                        network_params={**NET, "epochs": 1}).fit(x, labels)
    with pytest.raises(AstrolearnInputError, match="distinct classes"):
        ImageClassifier(width=4, mirror_pairs={classes[0]: classes[0]},
                        network_params={**NET, "epochs": 1}).fit(x, labels)


def test_decision_holdout_tunes_offsets_on_held_out_groups(data, tmp_path, monkeypatch):
    import astrolearn.nn.labels as labels_module

    (x, y), (x_test, _) = data
    groups = np.arange(len(y)) % 9
    seen = {}
    real_fit = labels_module.fit_network

    def spy(net, inputs, encoded, *args):
        seen["n"], seen["groups"] = len(inputs), set(encoded.groups.tolist())
        return real_fit(net, inputs, encoded, *args)

    monkeypatch.setattr(labels_module, "fit_network", spy)
    clf = ImageClassifier(width=4, decision_holdout=0.34,
                          network_params={**NET, "epochs": 2}).fit(x, y, groups=groups)
    held = clf.decision_scores_["n_images"]
    assert held == 30 and seen["n"] == len(y) - held and len(seen["groups"]) == 6
    assert clf.decision_offsets_.shape == (3,)
    assert clf.decision_scores_["macro_f1_offsets"] >= clf.decision_scores_[
        "macro_f1_most_probable"]
    # predictions follow the offsets, not the most probable class
    clf.decision_offsets_ = np.array([0.0, 50.0, 0.0])
    assert set(clf.predict(x_test)) == {clf.classes_[1]}
    frame = clf.predict_frame(x_test)
    assert set(frame["predicted_class"]) == {clf.classes_[1]}
    np.testing.assert_allclose(frame["max_probability"],
                               clf.predict_proba(x_test)[:, 1], atol=1e-6)
    again = ImageClassifier.load(clf.save(tmp_path / "m"))
    np.testing.assert_allclose(again.decision_offsets_, [0.0, 50.0, 0.0])
    assert again.decision_scores_ == clf.decision_scores_
    assert again.predict(x_test).tolist() == clf.predict(x_test).tolist()


def test_decision_holdout_without_groups_is_stratified_and_checked(data):
    (x, y), _ = data
    clf = ImageClassifier(width=4, decision_holdout=0.2,
                          network_params={**NET, "epochs": 1}).fit(x, y)
    assert clf.decision_scores_["n_images"] == 18  # 6 of each class
    assert ImageClassifier(width=4, network_params={**NET, "epochs": 1}).fit(
        x, y).decision_offsets_ is None
    with pytest.raises(AstrolearnInputError, match="decision_holdout must be a fraction"):
        ImageClassifier(decision_holdout=1.5).fit(x, y)
    with pytest.raises(AstrolearnInputError, match="leaves 0 of 90 images"):
        ImageClassifier(decision_holdout=0.9).fit(x, y, groups=np.zeros(len(y)))
    with pytest.warns(UserWarning, match="no held-out image of class"):
        only_two = np.where(np.asarray(y) == "bar", 1, np.arange(len(y)) % 8 + 2)
        ImageClassifier(width=4, decision_holdout=0.12,
                        network_params={**NET, "epochs": 1}).fit(x, y, groups=only_two)
