"""Tests of the display stretch (astrolearn.images.display) and the cutout grid figure."""

from __future__ import annotations

import numpy as np

from astrolearn.images.display import display_images
from astrolearn.images.plots import plot_cutouts


def test_display_images_arcsinh_and_band_mappings():
    rng = np.random.default_rng(0)
    cutouts = rng.normal(0.0, 3.0, size=(4, 1, 24, 24)).astype("float32")
    cutouts[:, 0, 10:14, 10:14] += 3000.0  # a bright source in the middle
    cutouts[1] = 100.0 * cutouts[0]  # another flux scale: the stretch is per image
    cutouts[2, 0, 0, 0] = np.nan  # masked pixel
    before = cutouts.copy()
    shown = display_images(cutouts)
    assert np.array_equal(cutouts[~np.isnan(cutouts)], before[~np.isnan(before)])
    assert shown.shape == (4, 24, 24) and shown.dtype == np.uint8
    assert (shown[:, 11, 11] == 255).all() and np.median(shown[:, :4, :4]) < 40
    # the stretch is per image: a 100 times brighter copy looks the same
    assert np.abs(shown[0].astype(int) - shown[1]).max() <= 1
    for bands in (2, 3, 5):
        colour = display_images(rng.normal(size=(2, bands, 8, 8)) * 10)
        assert colour.shape == (2, 8, 8, 3)
    unit = rng.random((2, 1, 8, 8))
    assert np.array_equal(display_images(unit), np.round(unit[:, 0] * 255).astype(np.uint8))
    assert display_images(unit, stretch="arcsinh").shape == (2, 8, 8)
    blank = display_images(rng.normal(0, 1, size=(1, 1, 16, 16)))
    assert blank.max() < 128  # noise alone is not stretched to white
    assert display_images(np.full((1, 1, 6, 6), np.nan)).max() == 0


def test_plot_cutouts_grid_and_titles():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    fig = plot_cutouts(rng.normal(size=(5, 3, 12, 12)), titles=list("abcde"), ncols=3)
    try:
        shown = [ax for ax in fig.axes if ax.get_images()]
        assert len(shown) == 5 and [ax.get_title() for ax in shown] == list("abcde")
        assert shown[0].get_images()[0].get_array().shape == (12, 12, 3)
    finally:
        plt.close(fig)
