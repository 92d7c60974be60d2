"""Tests of GlitchClassifier and the views file (simulated glitches, tiny networks)."""

from __future__ import annotations

import numpy as np
import pytest

from astrolearn.datasets.glitch_sim import simulate_glitches
from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.classifier import GlitchClassifier, read_views, write_views
from astrolearn.glitches.qtransform import qtransform_views

TINY = {"width": 4, "dense": 16, "epochs": 5}
CLASSES = ("Blip", "Whistle", "Power_Line")


@pytest.fixture(scope="module")
def simulated():
    strain, truth = simulate_glitches(8, classes=CLASSES, duration=12.0, seed=1)
    views = np.concatenate([qtransform_views(row, [6.0], shape=(32, 32), sample_rate=4096)
                            for row in strain])
    return views, truth["label"].to_numpy().astype(str)


@pytest.fixture(scope="module")
def fitted(simulated):
    views, labels = simulated
    return GlitchClassifier(network_params=TINY).fit(views, labels,
                                                     windows=[0.5, 1.0, 2.0, 4.0])


def test_fit_predict_shapes_and_classes(simulated, fitted):
    views, _labels = simulated
    assert views.shape == (24, 4, 32, 32)
    assert list(fitted.classes_) == sorted(CLASSES)
    assert fitted.class_counts_ == {c: 8 for c in CLASSES}
    proba = fitted.predict_proba(views)
    assert proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert set(fitted.predict(views)) <= set(CLASSES)
    frame = fitted.predict_frame(views, [f"g{i}" for i in range(24)])
    assert list(frame.columns) == ["id", "prob_Blip", "prob_Power_Line", "prob_Whistle",
                                   "predicted_class"]
    assert frame["id"].iloc[3] == "g3"
    assert (frame["predicted_class"].to_numpy() == fitted.predict(views)).all()


def test_does_not_modify_input(simulated):
    views, labels = simulated
    before = views.copy()
    GlitchClassifier(mode="single", window=0, network_params={**TINY, "epochs": 1}).fit(
        views, labels)
    np.testing.assert_array_equal(views, before)


def test_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    views = rng.exponential(1.0, (60, 4, 16, 16)).astype(np.float32)
    y = np.repeat(["A", "B", "C"], 20)
    views[y == "B", :, 3, :] += 20.0
    views[y == "C", :, 12, :] += 20.0
    clf = GlitchClassifier(network_params={"width": 4, "dense": 16, "epochs": 30,
                                           "learning_rate": 0.01}).fit(views, y)
    assert clf.score(views, y) > 0.9


def test_save_load_round_trip(tmp_path, simulated, fitted):
    views, labels = simulated
    folder = fitted.save(tmp_path / "model", metrics={"accuracy": 0.5}, extra={"note": "x"})
    loaded = GlitchClassifier.load(folder)
    np.testing.assert_array_equal(loaded.predict_proba(views), fitted.predict_proba(views))
    assert list(loaded.classes_) == list(fitted.classes_)
    assert loaded.view_shape_ == [4, 32, 32]
    assert loaded.windows_ == [0.5, 1.0, 2.0, 4.0]
    assert loaded.fingerprint_ == fitted.fingerprint_
    assert loaded.manifest_["task"] == "glitches"
    assert loaded.manifest_["training"]["class_counts"] == {c: 8 for c in CLASSES}
    assert loaded.manifest_["metrics"] == {"accuracy": 0.5}
    assert (folder / "network.safetensors").exists()
    assert loaded.get_params()["network_params"] == TINY
    # the fingerprint depends on the data
    other = GlitchClassifier(network_params={**TINY, "epochs": 1}).fit(views[:-1], labels[:-1])
    assert other.fingerprint_ != fitted.fingerprint_


def test_bad_input(simulated, fitted, tmp_path):
    views, labels = simulated
    with pytest.raises(AstrolearnInputError, match="shape"):
        GlitchClassifier().fit(views[:, 0], labels)
    with pytest.raises(AstrolearnInputError, match="labels for"):
        GlitchClassifier().fit(views, labels[:-1])
    with pytest.raises(AstrolearnInputError, match="one class"):
        GlitchClassifier().fit(views, np.full(len(views), "Blip"))
    with pytest.raises(AstrolearnInputError, match="unknown glitch model"):
        GlitchClassifier(mode="merged").fit(views, labels)
    with pytest.raises(AstrolearnInputError, match="must not set"):
        GlitchClassifier(network_params={"mode": "single"}).fit(views, labels)
    with pytest.raises(AstrolearnInputError, match="bad network_params"):
        GlitchClassifier(network_params={"widht": 4}).fit(views, labels)
    bad = views.copy()
    bad[2, 1, 0, 0] = np.nan
    with pytest.raises(AstrolearnInputError, match="NaN"):
        GlitchClassifier().fit(bad, labels)
    with pytest.raises(AstrolearnInputError, match="trained on"):
        fitted.predict_proba(views[:, :, :16])
    with pytest.raises(AstrolearnInputError, match="not fitted"):
        GlitchClassifier().predict(views)
    with pytest.raises(AstrolearnInputError, match="ids"):
        fitted.predict_frame(views, ["a"])
    with pytest.raises(AstrolearnInputError):
        GlitchClassifier.load(tmp_path / "missing")


def test_views_file_round_trip(tmp_path, simulated):
    views, labels = simulated
    ids = [f"t{i}" for i in range(len(views))]
    path = write_views(tmp_path / "v.npz", views, ids, labels)
    data = read_views(path)
    np.testing.assert_array_equal(data["views"], views)
    assert data["views"].dtype == np.float32
    assert data["ids"].tolist() == ids and data["labels"].tolist() == labels.tolist()
    assert data["windows"].tolist() == [0.5, 1.0, 2.0, 4.0]
    assert data["frequencies"].shape == (32,) and data["frequencies"][0] == pytest.approx(10)
    unlabelled = read_views(write_views(tmp_path / "u.npz", views[:2], ["a", "b"]))
    assert "labels" not in unlabelled


def test_views_file_errors(tmp_path, simulated):
    views, _labels = simulated
    with pytest.raises(AstrolearnInputError, match="does not exist"):
        read_views(tmp_path / "none.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(AstrolearnInputError, match="cannot read"):
        read_views(junk)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.ones(3))
    with pytest.raises(AstrolearnInputError, match="not a views file"):
        read_views(other)
    with pytest.raises(AstrolearnInputError, match="not unique"):
        write_views(tmp_path / "d.npz", views[:2], ["a", "a"])
    with pytest.raises(AstrolearnInputError, match=r"\.npz"):
        write_views(tmp_path / "d.parquet", views[:2], ["a", "b"])
    with pytest.raises(AstrolearnInputError, match="windows"):
        write_views(tmp_path / "w.npz", views[:2], ["a", "b"], windows=[1.0])
    assert not (tmp_path / "w.npz").exists()


@pytest.mark.realdata
def test_reads_staged_gravity_spy(real_data_path):
    path = real_data_path("gravityspy", "o1_trainingset_subset_4view_128.npz")
    data = read_views(path)
    assert data["views"].shape == (118, 4, 128, 128)
    assert data["windows"].tolist() == [0.5, 1.0, 2.0, 4.0]
    assert set(data["labels"]) == {"Blip", "Whistle", "Scratchy"}
    assert 0 <= data["views"].min() and data["views"].max() <= 25.5


def test_balanced_class_weights_reach_the_network(monkeypatch):
    from astrolearn.glitches import network

    seen = {}
    original = network.GlitchNetwork.fit

    def spy(self, views, y, **kw):
        seen["weights"] = kw.get("sample_weight")
        return original(self, views, y, **kw)

    monkeypatch.setattr(network.GlitchNetwork, "fit", spy)
    rng = np.random.default_rng(1)
    views = rng.exponential(1.0, (30, 1, 8, 8)).astype(np.float32)
    y = np.array(["Koi_Fish"] * 24 + ["Fast_Scattering"] * 6)
    params = {"width": 4, "dense": 8, "epochs": 1}
    GlitchClassifier("single", 0, network_params=params).fit(views, y)
    weights = seen["weights"]
    # balanced: each class carries the same total weight (n / k per class)
    assert np.isclose(weights[y == "Koi_Fish"].sum(), weights[y == "Fast_Scattering"].sum())
    assert np.isclose(weights[y == "Fast_Scattering"][0], 30 / (2 * 6))
    GlitchClassifier("single", 0, network_params=params, class_weight=None).fit(views, y)
    assert seen["weights"] is None
    with pytest.raises(AstrolearnInputError, match="class_weight"):
        GlitchClassifier("single", 0, network_params=params, class_weight="equal").fit(views, y)
