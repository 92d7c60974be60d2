"""Tests of the WGAN-GP anomaly scorer (astrolearn.anomalies.wgan)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from astrolearn.anomalies.wgan import (
    AUTO_CRITIC_STEPS,
    MIN_IMAGES,
    WGANScorer,
    _resolve_epochs,
    gradient_penalty,
)
from astrolearn.datasets.galaxy_sim import simulate_galaxies
from astrolearn.errors import AstrolearnInputError
from astrolearn.images.preprocess import prepare_images

pytestmark = pytest.mark.usefixtures("torch_one_thread")

TINY = dict(latent=8, width=4, epochs=2, encoder_epochs=2, batch_size=16, refine_steps=2,
            device="cpu")


@pytest.fixture(scope="module")
def galaxies():
    counts, truth = simulate_galaxies(300, size=32, anomaly_fraction=0.1, seed=3)
    return prepare_images(counts), truth["is_anomaly"].to_numpy()


@pytest.fixture(scope="module")
def fitted(galaxies, torch_one_thread):
    images, _ = galaxies
    return WGANScorer(latent=16, width=8, epochs=8, encoder_epochs=4, batch_size=32,
                      refine_steps=2, device="cpu").fit(images)


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(1)
    images = rng.normal(size=(48, 1, 16, 16)).astype(np.float32)
    images[:, 0, 5:11, 5:11] += 2.0
    return images


# ------------------------------------------------------------------- gradient penalty
class _Linear(torch.nn.Module):
    """f(x) = w . x over every value of an image: gradient w everywhere."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(w.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) * self.w.flatten()).sum(dim=1)


@pytest.mark.parametrize("norm", [0.3, 1.0, 2.5])
def test_gradient_penalty_of_a_linear_critic(norm):
    rng = torch.Generator().manual_seed(0)
    w = torch.randn(1, 4, 4, generator=rng)
    w = w / w.norm() * norm
    critic = _Linear(w)
    real, fake = torch.randn(6, 1, 4, 4, generator=rng), torch.randn(6, 1, 4, 4, generator=rng)
    penalty = gradient_penalty(critic, real, fake, generator=rng)
    assert penalty.item() == pytest.approx((norm - 1.0) ** 2, abs=1e-5)
    # the penalty is differentiable in the critic's weights: d/dw (|w| - 1)^2 = 2 (|w| - 1) w/|w|
    penalty.backward()
    expected = 2 * (norm - 1.0) * w / norm
    assert torch.allclose(critic.w.grad, expected, atol=1e-5)


def test_gradient_penalty_interpolates_between_real_and_fake():
    # f(x) = |x|^2 / 2 has gradient x: the norm at x_hat = a real + (1 - a) fake is |x_hat|
    class Half(torch.nn.Module):
        def forward(self, x):
            return 0.5 * x.flatten(1).pow(2).sum(dim=1)

    real = torch.tensor([[3.0, 4.0], [0.0, 2.0]])
    fake = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    alpha = torch.tensor([1.0, 0.5])  # x_hat = (3, 4) and (0, 1): norms 5 and 1
    penalty = gradient_penalty(Half(), real, fake, alpha=alpha)
    assert penalty.item() == pytest.approx(((5 - 1) ** 2 + (1 - 1) ** 2) / 2, abs=1e-5)


def test_gradient_penalty_rejects_mismatched_batches():
    with pytest.raises(AstrolearnInputError, match="shape"):
        gradient_penalty(_Linear(torch.ones(4)), torch.zeros(2, 4), torch.zeros(3, 4))


# ------------------------------------------------------------------- scoring
def test_ranks_simulated_anomalies_above_normal_galaxies(galaxies, fitted):
    images, is_anomaly = galaxies
    scores = fitted.anomaly_score(images)
    assert scores.shape == (len(images),) and np.isfinite(scores).all()
    # 30 anomalies among 300: a random ranking has ROC-AUC 0.5 +- 0.056 (Mann-Whitney), so
    # 0.8 lies more than 5 standard deviations above chance.
    auc = roc_auc_score(is_anomaly, scores)
    assert auc > 0.8, auc
    # both residuals carry the signal on their own
    parts = fitted.score_components(images)
    assert roc_auc_score(is_anomaly, parts["pixel_residual"]) > 0.8
    assert roc_auc_score(is_anomaly, parts["feature_residual"]) > 0.7


def test_score_components_combine_with_feature_weight(galaxies, fitted):
    images, _ = galaxies
    parts = fitted.score_components(images[:40])
    assert list(parts.columns) == ["pixel_residual", "feature_residual", "score"]
    assert (parts[["pixel_residual", "feature_residual"]] >= 0).all().all()
    lam = fitted.feature_weight
    expected = (1 - lam) * parts["pixel_residual"] + lam * parts["feature_residual"]
    np.testing.assert_allclose(parts["score"], expected, rtol=1e-12)
    np.testing.assert_allclose(fitted.anomaly_score(images[:40]), parts["score"], rtol=1e-12)
    np.testing.assert_allclose(fitted.score_samples(images[:40]), -parts["score"], rtol=1e-12)


def test_pixel_residual_is_that_of_the_reconstruction(galaxies, fitted):
    images, _ = galaxies
    recon = fitted.reconstruct(images[:20])
    assert recon.shape == images[:20].shape and recon.dtype == np.float32
    residual = np.abs(images[:20] - recon).reshape(20, -1).sum(axis=1)
    np.testing.assert_allclose(fitted.score_components(images[:20])["pixel_residual"],
                               residual, rtol=1e-4)


def test_refinement_never_worsens_the_encoder_start(galaxies, fitted):
    images, _ = galaxies
    start = clone(fitted).set_params(refine_steps=0)
    for name in ("generator_", "critic_", "encoder_", "image_shape_", "history_"):
        setattr(start, name, getattr(fitted, name))
    before = start.anomaly_score(images[:60])
    after = fitted.anomaly_score(images[:60])
    assert (after <= before * (1 + 1e-5)).all()
    assert (after < before).mean() > 0.5  # and the steps do improve most reconstructions


def test_scores_do_not_depend_on_the_batch(galaxies, fitted):
    images, _ = galaxies
    whole = fitted.anomaly_score(images[:50])
    alone = np.array([fitted.anomaly_score(images[i:i + 1])[0] for i in (0, 17, 49)])
    np.testing.assert_allclose(alone, whole[[0, 17, 49]], rtol=1e-4)


def test_features_samples_and_history(galaxies, fitted):
    images, _ = galaxies
    z = fitted.features(images[:30])
    assert z.shape == (30, 16) and np.isfinite(z).all()
    draws = fitted.sample(5)
    assert draws.shape == (5, 1, 32, 32) and np.isfinite(draws).all()
    np.testing.assert_array_equal(draws, fitted.sample(5))
    assert not np.array_equal(draws, fitted.sample(5, random_state=1))
    h = fitted.history_
    assert fitted.n_epochs_ == 8 and fitted.n_encoder_epochs_ == 4
    for key in ("critic_loss", "generator_loss", "wasserstein", "gradient_penalty",
                "epoch_time_s"):
        assert len(h[key]) == 8 and np.isfinite(h[key]).all(), key
    assert 1 <= len(h["encoder_loss"]) <= 4 and h["n_images"] == 300
    assert h["wasserstein"][-1] > 0  # the critic tells real from generated images


def test_inputs_are_not_modified(small):
    copy = small.copy()
    scorer = WGANScorer(**TINY).fit(small)
    scorer.anomaly_score(small)
    scorer.reconstruct(small)
    np.testing.assert_array_equal(small, copy)


# ------------------------------------------------------------------- reproducibility
def test_same_seed_same_scores_other_seed_other_scores(small):
    a = WGANScorer(**TINY, random_state=5).fit(small)
    b = WGANScorer(**TINY, random_state=5).fit(small)
    c = WGANScorer(**TINY, random_state=6).fit(small)
    for key, value in a.generator_.state_dict().items():
        assert torch.equal(value, b.generator_.state_dict()[key])
    np.testing.assert_array_equal(a.anomaly_score(small), b.anomaly_score(small))
    assert a.history_["critic_loss"] == b.history_["critic_loss"]
    assert not np.array_equal(a.anomaly_score(small), c.anomaly_score(small))


def test_fit_leaves_the_global_random_state_alone(small):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    WGANScorer(**TINY).fit(small)
    assert torch.equal(torch.rand(3), expected)


def test_save_load_round_trip(tmp_path, galaxies, fitted):
    images, _ = galaxies
    folder = fitted.save(tmp_path / "wgan")
    assert (folder / "manifest.json").exists() and (folder / "wgan.safetensors").exists()
    loaded = WGANScorer.load(folder)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.image_shape_ == fitted.image_shape_
    np.testing.assert_array_equal(loaded.anomaly_score(images[:40]),
                                  fitted.anomaly_score(images[:40]))
    np.testing.assert_array_equal(loaded.features(images[:10]), fitted.features(images[:10]))
    np.testing.assert_array_equal(loaded.sample(3), fitted.sample(3))
    assert loaded.history_["critic_loss"] == fitted.history_["critic_loss"]


def test_load_refuses_other_folders(tmp_path, fitted):
    with pytest.raises(AstrolearnInputError, match="manifest"):
        WGANScorer.load(tmp_path)
    folder = fitted.save(tmp_path / "wgan")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["params"]["width"] = 4  # the weights no longer fit the networks
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(AstrolearnInputError, match="do not fit"):
        WGANScorer.load(folder)


def test_automatic_epochs_give_a_fixed_number_of_steps():
    # 20,000 images in batches of 64: 312 critic steps per epoch, 9 epochs >= 2,500 steps
    assert _resolve_epochs(None, None, 20_000, 64) == (9, 3)
    assert _resolve_epochs(None, None, 4_000, 64) == (41, 14)
    gan, _ = _resolve_epochs(None, None, 300, 32)
    assert gan * (300 // 32) >= AUTO_CRITIC_STEPS > (gan - 1) * (300 // 32)
    assert _resolve_epochs(5, 2, 4_000, 64) == (5, 2)
    assert _resolve_epochs(None, None, 40, 64) == (AUTO_CRITIC_STEPS, 750)  # one batch of 40


def test_clone_and_params():
    scorer = WGANScorer(width=8, feature_weight=0.3)
    twin = clone(scorer)
    assert twin.get_params() == scorer.get_params() and not hasattr(twin, "generator_")


def test_several_bands_and_rectangular_cutouts():
    rng = np.random.default_rng(2)
    images = rng.normal(size=(40, 3, 16, 32)).astype(np.float32)
    scorer = WGANScorer(**{**TINY, "epochs": 1, "encoder_epochs": 1}).fit(images)
    assert scorer.reconstruct(images[:4]).shape == (4, 3, 16, 32)
    assert scorer.sample(2).shape == (2, 3, 16, 32)
    assert scorer.anomaly_score(images).shape == (40,)


# ------------------------------------------------------------------- errors
def test_size_must_be_a_multiple_of_16():
    images = np.zeros((40, 1, 30, 30), np.float32)
    with pytest.raises(AstrolearnInputError, match="multiples of 16"):
        WGANScorer(**TINY).fit(images)


def test_nan_pixels_are_refused(small):
    bad = small.copy()
    bad[3, 0, 2, 2] = np.nan
    with pytest.raises(AstrolearnInputError, match="NaN"):
        WGANScorer(**TINY).fit(bad)
    with pytest.raises(AstrolearnInputError, match="index 3"):
        WGANScorer(**TINY).fit(bad)


def test_too_few_images():
    images = np.zeros((MIN_IMAGES - 1, 1, 16, 16), np.float32)
    with pytest.raises(AstrolearnInputError, match="at least"):
        WGANScorer(**TINY).fit(images)


def test_shape_errors(small):
    with pytest.raises(AstrolearnInputError, match="band axis"):
        WGANScorer(**TINY).fit(small[:, 0])
    with pytest.raises(AstrolearnInputError, match="numeric"):
        WGANScorer(**TINY).fit([["a", "b"]])
    with pytest.raises(AstrolearnInputError, match="not fitted"):
        WGANScorer(**TINY).anomaly_score(small)
    scorer = WGANScorer(**{**TINY, "epochs": 1, "encoder_epochs": 1}).fit(small)
    with pytest.raises(AstrolearnInputError, match="do not match"):
        scorer.anomaly_score(np.zeros((2, 1, 32, 32), np.float32))
    with pytest.raises(AstrolearnInputError, match="do not match"):
        scorer.features(np.zeros((2, 2, 16, 16), np.float32))


@pytest.mark.parametrize("params", [
    {"feature_weight": 1.5}, {"refine_steps": -1}, {"width": 0}, {"batch_size": 1},
    {"learning_rate": 0.0}, {"gp_weight": float("nan")}, {"epochs": 2.5},
    {"random_state": None}, {"device": "tpu"},
])
def test_bad_parameters(small, params):
    with pytest.raises(AstrolearnInputError):
        WGANScorer(**{**TINY, **params}).fit(small)
