"""Preprocessing of cutouts: hand-computed values, astropy agreement, NaN handling, real GZ1."""

from __future__ import annotations

import json

import numpy as np
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.images.preprocess import (
    ARCSINH_SOFTENING,
    DISPLAY_SCALE,
    DYNAMIC_RANGE,
    PREPARE_DEFAULTS,
    _clipped_stats,
    background_and_noise,
    center_crop,
    is_display_stretched,
    mask_bad_pixels,
    prepare_images,
    recenter,
    resize_images,
    stretch_images,
)


def blob(size: int = 64, *, cy: float | None = None, cx: float | None = None,
         amplitude: float = 500.0, width: float = 3.0) -> np.ndarray:
    """A round Gaussian 'galaxy' of the given peak centred at (cy, cx) (default the centre)."""
    c = (size - 1) / 2
    cy, cx = (c if cy is None else cy), (c if cx is None else cx)
    y, x = np.mgrid[:size, :size]
    return amplitude * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * width**2))


def noisy(n: int, size: int = 64, *, sky: float = 100.0, sigma: float = 5.0,
          seed: int = 0, bands: int = 1, **blob_kw) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (sky + sigma * rng.standard_normal((n, bands, size, size))
            + blob(size, **blob_kw)).astype(np.float32)


# ----------------------------------------------------------------- background and noise
def test_background_and_noise_recovers_sky_and_sigma_with_a_galaxy():
    images = noisy(6, sky=100.0, sigma=5.0, bands=2)
    images[:, 1] = images[:, 1] * 0.5 - 20  # band 1: sky 30, sigma 2.5
    before = images.copy()
    bg, noise = background_and_noise(images)
    assert bg.shape == noise.shape == (6, 2)
    np.testing.assert_allclose(bg[:, 0], 100.0, rtol=0.01)
    np.testing.assert_allclose(bg[:, 1], 30.0, rtol=0.02)
    np.testing.assert_allclose(noise[:, 0], 5.0, rtol=0.06)
    np.testing.assert_allclose(noise[:, 1], 2.5, rtol=0.06)
    assert abs(noise[:, 0].mean() / 5.0 - 1) < 0.03
    np.testing.assert_array_equal(images, before)  # input untouched


def test_background_and_noise_hand_computed_border():
    image = np.full((1, 1, 4, 4), 1000.0)  # interior pixels must be ignored
    border = np.arange(1.0, 13.0)  # 12 border pixels of a 4 x 4 image with border=1
    mask = np.ones((4, 4), bool)
    mask[1:3, 1:3] = False
    image[0, 0][mask] = border
    bg, noise = background_and_noise(image, border=1)
    # median 6.5; |x - 6.5| = 0.5, 0.5, 1.5, 1.5, ... 5.5, 5.5 -> MAD (2.5 + 3.5) / 2 = 3
    assert bg[0, 0] == pytest.approx(6.5)
    assert noise[0, 0] == pytest.approx(1.482602218505602 * 3.0)


def test_background_ignores_nan_and_clips_outliers():
    images = noisy(3, sky=10.0, sigma=1.0, amplitude=0.0)
    images[:, :, :3, :] = np.nan  # a masked strip
    images[:, :, 60, ::3] = 500.0  # hot pixels / a trail in the border
    bg, noise = background_and_noise(images)
    np.testing.assert_allclose(bg, 10.0, atol=0.1)
    np.testing.assert_allclose(noise, 1.0, rtol=0.08)
    empty = np.full((1, 2, 16, 16), np.nan)
    empty[0, 1, 8, 8] = 3.0  # no finite border pixel: falls back to the whole image-band
    bg, noise = background_and_noise(empty)
    assert np.isnan(bg[0, 0]) and np.isnan(noise[0, 0])
    assert bg[0, 1] == 3.0 and noise[0, 1] == 0.0


def test_clipped_stats_equal_astropy_sigma_clip():
    from astropy.stats import mad_std, sigma_clip

    rng = np.random.default_rng(3)
    for trial in range(40):
        m = int(rng.integers(1, 80))
        x = rng.normal(size=(6, m)) * rng.uniform(0.5, 3)
        x[rng.random(x.shape) < 0.1] += rng.uniform(5, 50)
        x[rng.random(x.shape) < 0.1] = np.nan
        if trial % 4 == 0:
            x = np.round(x)  # ties
        med, std = _clipped_stats(x)
        with pytest.warns(Warning) if np.isnan(x).any() else _nothing():
            clipped = sigma_clip(x, sigma=3, maxiters=5, cenfunc="median", stdfunc="mad_std",
                                 axis=1, masked=True)
        for i in range(6):
            kept = clipped[i].compressed()
            if kept.size == 0:
                assert np.isnan(med[i])
                continue
            assert med[i] == pytest.approx(np.median(kept))
            assert std[i] == pytest.approx(mad_std(kept))


class _nothing:  # a no-op context manager
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ----------------------------------------------------------------------------- masking
def test_mask_bad_pixels_fills_with_the_background():
    x = np.full((2, 2, 8, 8), 5.0)
    x[1, 1] = 7.0
    x[0, 0, 4, 4] = np.nan
    x[0, 1, 3, 3] = np.inf
    x[1, 0, 2, 5] = -np.inf
    x[1, 1, 4, 4] = 100.0  # saturated in band 1 only
    x[1, 0, 4, 4] = 100.0  # band 0 saturates at 1000
    before = x.copy()
    filled, mask = mask_bad_pixels(x, saturation=[1000.0, 50.0])
    assert filled.dtype == np.float32 and mask.dtype == bool
    assert mask.sum() == 4
    assert mask[0, 0, 4, 4] and mask[0, 1, 3, 3] and mask[1, 0, 2, 5] and mask[1, 1, 4, 4]
    assert filled[0, 0, 4, 4] == 5.0 and filled[1, 1, 4, 4] == 7.0
    assert filled[1, 0, 4, 4] == 100.0  # below band 0's saturation: kept
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(x, before)
    all_bad = np.full((1, 1, 8, 8), np.nan)
    filled, mask = mask_bad_pixels(all_bad)
    assert mask.all() and (filled == 0).all()


def test_mask_bad_pixels_uses_the_border_not_the_galaxy():
    x = noisy(1, sky=20.0, sigma=1.0, amplitude=300.0, width=8.0)
    x[0, 0, 32, 32] = np.nan
    filled, _ = mask_bad_pixels(x)
    assert filled[0, 0, 32, 32] == pytest.approx(20.0, abs=0.3)


def test_mask_bad_pixels_errors():
    with pytest.raises(AstrolearnInputError, match="one number per band"):
        mask_bad_pixels(np.zeros((1, 2, 4, 4)), saturation=[1.0, 2.0, 3.0])
    with pytest.raises(AstrolearnInputError, match="finite"):
        mask_bad_pixels(np.zeros((1, 1, 4, 4)), saturation=np.nan)


# ----------------------------------------------------------------------------- stretch
def test_stretch_images_hand_values():
    x = np.array([0.0, 2.0, -2.0, 18.0], dtype=np.float32).reshape(1, 1, 2, 2)
    np.testing.assert_allclose(stretch_images(x, "arcsinh", scale=2.0).ravel(),
                               [0.0, np.arcsinh(1.0), -np.arcsinh(1.0), np.arcsinh(9.0)],
                               rtol=1e-6)
    np.testing.assert_allclose(stretch_images(x, "log", scale=2.0).ravel(),
                               [0.0, np.log10(2.0), 0.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(stretch_images(x, "none"), x)
    assert stretch_images(x, "none") is not x
    per_image = stretch_images(np.ones((2, 1, 2, 2)), "arcsinh",
                               scale=np.array([1.0, 2.0])[:, None, None, None])
    np.testing.assert_allclose(per_image[:, 0, 0, 0], [np.arcsinh(1.0), np.arcsinh(0.5)],
                               rtol=1e-6)


def test_stretch_images_errors():
    x = np.ones((1, 1, 2, 2))
    with pytest.raises(AstrolearnInputError, match="unknown stretch"):
        stretch_images(x, "sqrt")
    with pytest.raises(AstrolearnInputError, match="positive"):
        stretch_images(x, scale=0.0)
    with pytest.raises(AstrolearnInputError, match="does not fit"):
        stretch_images(x, scale=np.ones(3))
    with pytest.raises(AstrolearnInputError, match=r"\(n, bands, height, width\)"):
        stretch_images(np.ones((2, 2)))


# ------------------------------------------------------------------------------ geometry
def test_recenter_moves_the_light_to_the_centre_without_wrap_around():
    images = noisy(3, sky=50.0, sigma=2.0, amplitude=400.0, cy=37.5, cx=26.5, bands=2)
    images[:, :, 0, 0] = 9999.0  # a hot corner pixel must not reappear elsewhere
    before = images.copy()
    out = recenter(images)
    assert out.shape == images.shape and out.dtype == np.float32
    np.testing.assert_array_equal(images, before)
    y, x = np.mgrid[:64, :64]
    light = np.clip(out[:, 0] - 50.0, 0, None)
    light[light < 10] = 0
    cy = (light * y).sum(axis=(1, 2)) / light.sum(axis=(1, 2))
    cx = (light * x).sum(axis=(1, 2)) / light.sum(axis=(1, 2))
    np.testing.assert_allclose(cy, 31.5, atol=1.0)
    np.testing.assert_allclose(cx, 31.5, atol=1.0)
    # shifted up by 6 and right by 5: the pixels shifted in are the sky, not wrapped data
    assert (out == 9999.0).sum() == 0
    bg, _ = background_and_noise(images)
    np.testing.assert_allclose(out[:, :, -3:, :], np.broadcast_to(
        bg[:, :, None, None], (3, 2, 3, 64)), rtol=1e-6)
    np.testing.assert_allclose(bg, 50.0, atol=0.3)


def test_recenter_hand_cases():
    x = np.zeros((2, 1, 9, 9), dtype=np.float32)
    x[0, 0, 6, 3] = 2.0  # one bright pixel at (6, 3): shift (-2, +1)
    moved = recenter(x)
    assert np.argwhere(moved[0, 0] == 2.0).tolist() == [[4, 4]]
    np.testing.assert_array_equal(moved[1], x[1])  # an empty image is not moved
    far = np.zeros((1, 1, 33, 33), dtype=np.float32)
    far[0, 0, 16, 24] = 1.0  # 8 px off, beyond radius 3: no light in the window
    np.testing.assert_array_equal(recenter(far, radius=3), far)
    with pytest.raises(AstrolearnInputError, match="radius"):
        recenter(x, radius=-1)


def test_center_crop_and_errors():
    x = np.arange(2 * 36, dtype=np.float32).reshape(2, 1, 6, 6)
    crop = center_crop(x, 2)
    np.testing.assert_array_equal(crop[0, 0], [[14, 15], [20, 21]])
    assert center_crop(x, (4, 2)).shape == (2, 1, 4, 2)
    assert center_crop(np.zeros((1, 1, 5, 5)), 2).shape == (1, 1, 2, 2)
    with pytest.raises(AstrolearnInputError, match="larger"):
        center_crop(x, 8)
    with pytest.raises(AstrolearnInputError, match="positive integer"):
        center_crop(x, 0)


def test_resize_images_block_mean_and_interpolation():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(resize_images(x, 2)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(resize_images(x, 4), x)
    flat = np.full((2, 3, 10, 10), 7.0)
    small = resize_images(flat, 4)  # not a whole factor: antialiased bilinear
    assert small.shape == (2, 3, 4, 4) and small.dtype == np.float32
    np.testing.assert_allclose(small, 7.0, rtol=1e-6)
    g = blob(30, amplitude=1.0, width=4.0)[None, None]
    shrunk = resize_images(g, 12)  # mean surface brightness kept by area averaging
    assert shrunk.mean() == pytest.approx(g.mean(), rel=0.03)
    assert resize_images(x, (8, 6)).shape == (1, 1, 8, 6)


# ------------------------------------------------------------------------------ prepare
def test_prepare_images_linear_sky_has_unit_noise_and_cores_are_compressed():
    images = noisy(8, sky=1000.0, sigma=10.0, amplitude=1e5, width=2.0)
    before = images.copy()
    out = prepare_images(images)
    np.testing.assert_array_equal(images, before)
    assert out.dtype == np.float32 and out.shape == images.shape
    sky = out[:, :, :8, :]
    assert abs(float(np.median(sky))) < 0.05
    assert float(sky.std()) == pytest.approx(1.0, rel=0.08)
    k = ARCSINH_SOFTENING
    # the 1e5 peak (1e4 sigma) -> k asinh(1e4 / k) = 26.6, not 1e4
    assert float(out.max()) == pytest.approx(k * np.arcsinh(1e4 / k), rel=0.02)
    linear = prepare_images(images, stretch="none")
    assert float(linear.max()) == pytest.approx(1e4, rel=0.05)
    logged = prepare_images(images, stretch="log")
    assert logged.min() >= 0 and float(logged.max()) == pytest.approx(np.log10(1 + 1e4),
                                                                      rel=0.02)


def test_prepare_images_masks_nan_and_saturation():
    images = noisy(2, sky=100.0, sigma=3.0, amplitude=1000.0)
    images[0, 0, 10:12, :] = np.nan
    images[1, 0, 5, 5] = np.inf
    images[1, 0, 30:34, 30:34] = 60000.0  # a saturated core
    out = prepare_images(images, saturation=50000.0)
    assert np.isfinite(out).all()
    assert (out[0, 0, 10:12] == 0).all() and out[1, 0, 5, 5] == 0
    assert (out[1, 0, 30:34, 30:34] == 0).all()
    unmasked = prepare_images(images[1:])
    assert unmasked[0, 0, 30:34, 30:34].min() > 10


def test_prepare_images_display_stretched_hand_values():
    x = np.full((1, 3, 16, 16), 0.1, dtype=np.float32)
    x[0, :, 8, 8] = [0.6, 0.35, 0.1]
    out = prepare_images(x)
    expected = np.zeros_like(x)
    expected[0, :, 8, 8] = np.array([0.5, 0.25, 0.0]) / DISPLAY_SCALE  # 8, 4, 0
    np.testing.assert_allclose(out, expected, atol=1e-5)
    as_uint8 = np.full((1, 1, 8, 8), 51, dtype=np.uint8)  # 0.2
    as_uint8[0, 0, 4, 4] = 255
    np.testing.assert_allclose(prepare_images(as_uint8)[0, 0, 4, 4], 0.8 * 16, rtol=1e-5)
    assert is_display_stretched(as_uint8).tolist() == [True]
    # arcsinh forces the linear treatment: noise-scaled and stretched
    forced = prepare_images(noisy(1, sky=0.3, sigma=0.01, amplitude=0.5) / 2, stretch="arcsinh")
    assert float(forced.max()) == pytest.approx(
        ARCSINH_SOFTENING * np.arcsinh(0.25 / 0.005 / ARCSINH_SOFTENING), rel=0.1)


def test_prepare_images_is_per_image_whatever_the_batch():
    linear = noisy(2, sky=0.0, sigma=1.0, amplitude=50.0, seed=4)
    display = np.clip(noisy(2, sky=0.2, sigma=0.02, amplitude=0.6, seed=5), 0, 1)
    assert is_display_stretched(np.concatenate([linear, display])).tolist() == \
        [False, False, True, True]
    mixed = prepare_images(np.concatenate([linear, display]))
    np.testing.assert_allclose(mixed[:2], prepare_images(linear), atol=1e-6)
    np.testing.assert_allclose(mixed[2:], prepare_images(display), atol=1e-6)
    np.testing.assert_allclose(mixed[:1], prepare_images(linear[:1]), atol=1e-6)


def test_prepare_images_size_recenter_and_options():
    images = noisy(3, 40, sky=10.0, sigma=1.0, amplitude=200.0, cy=25.0, cx=14.0)
    out = prepare_images(images, size=24, recenter=True)
    assert out.shape == (3, 1, 24, 24)
    peak = np.unravel_index(out[0, 0].argmax(), (24, 24))
    assert abs(peak[0] - 11.5) <= 1.5 and abs(peak[1] - 11.5) <= 1.5
    off = prepare_images(images, size=24)  # no recentring: the galaxy stays off-centre
    assert np.unravel_index(off[0, 0].argmax(), (24, 24))[1] == 14 - 8
    assert prepare_images(images, size=20, resample=True).shape == (3, 1, 20, 20)
    assert prepare_images(images, size=64, resample=True).shape == (3, 1, 64, 64)
    json.dumps(PREPARE_DEFAULTS)
    np.testing.assert_array_equal(prepare_images(images, **PREPARE_DEFAULTS),
                                  prepare_images(images))


def test_prepare_images_noiseless_and_constant_images_stay_finite():
    clean = blob(32, amplitude=100.0)[None, None].astype(np.float32)
    out = prepare_images(clean)
    k = ARCSINH_SOFTENING
    assert np.isfinite(out).all()
    # zero noise: the peak is scaled to DYNAMIC_RANGE noise units
    assert float(out.max()) == pytest.approx(k * np.arcsinh(DYNAMIC_RANGE / k), rel=1e-3)
    np.testing.assert_array_equal(prepare_images(np.full((1, 2, 8, 8), 3.0)), 0.0)
    np.testing.assert_array_equal(prepare_images(np.full((1, 1, 8, 8), np.nan)), 0.0)


def test_prepare_images_errors():
    x = np.zeros((2, 1, 16, 16))
    with pytest.raises(AstrolearnInputError, match="unknown stretch"):
        prepare_images(x, stretch="sqrt")
    with pytest.raises(AstrolearnInputError, match="cannot crop"):
        prepare_images(x, size=20)
    with pytest.raises(AstrolearnInputError, match=r"images\[:, None\]"):
        prepare_images(np.zeros((2, 16, 16)))
    with pytest.raises(AstrolearnInputError, match="numeric"):
        prepare_images(np.array([["a"]]))


def test_prepare_images_on_simulated_galaxies():
    from astrolearn.datasets.galaxy_sim import simulate_galaxies

    images, truth = simulate_galaxies(6, size=32, bands=2, anomaly_fraction=0.0, seed=3)
    _, noise = background_and_noise(images)
    expected = np.broadcast_to(truth["sky_sigma"].to_numpy()[:, None], noise.shape)
    np.testing.assert_allclose(noise, expected, rtol=0.15)
    out = prepare_images(images)
    assert np.isfinite(out).all() and out.shape == (6, 2, 32, 32)
    centre = out[:, 0, 14:18, 14:18].mean(axis=(1, 2))
    sky = out[:, 0, :4, :].mean(axis=1).mean(axis=1)
    assert (centre > sky + 0.5).all()  # every galaxy stands out of the sky (noise 1)
    assert np.median(centre) > 2.0


@pytest.mark.realdata
def test_prepare_real_gz1_cutouts(real_data_path):
    from astrolearn.images.io import read_images

    cutouts = read_images(real_data_path("galaxies", "gz1_sdss_64.npz")).subset(slice(0, 200))
    assert cutouts.stretched
    out = prepare_images(cutouts.images, size=48)
    assert out.shape == (200, 3, 48, 48) and np.isfinite(out).all()
    full = prepare_images(cutouts.images)
    sky = full[:, :, :6, :]
    assert abs(float(np.median(sky))) < 0.1  # background subtracted
    centre = full[:, :, 28:36, 28:36].mean(axis=(2, 3))
    assert float(np.median(centre[:, 0])) > 3.0  # galaxies fill the centre (r band)
    assert float(full.max()) <= 1.0 / DISPLAY_SCALE
