"""Tests of the GalSim galaxy-cutout simulator (astrolearn.datasets.galaxy_sim)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from astrolearn.datasets.galaxy_sim import (
    ANOMALY_KINDS,
    MAG_RANGE,
    half_light_radius,
    simulate_galaxies,
    sky_noise,
)
from astrolearn.errors import AstrolearnInputError

COLUMNS = {"id", "kind", "is_anomaly", "magnitude", "half_light_radius", "ellipticity",
           "bulge_fraction", "position_angle", "x_offset", "y_offset", "companion_magnitude",
           "sky_sigma", "psf_fwhm", "seed"}


@pytest.fixture(scope="module")
def normal():
    return simulate_galaxies(120, anomaly_fraction=0.0, seed=7)


def test_shapes_dtypes_and_columns():
    images, truth = simulate_galaxies(6, size=48, bands=3, anomaly_fraction=0.5, seed=2)
    assert images.shape == (6, 3, 48, 48) and images.dtype == np.float32
    assert np.all(np.isfinite(images))
    assert COLUMNS <= set(truth.columns) and len(truth) == 6
    assert list(truth["id"]) == list(range(6))
    assert truth["is_anomaly"].dtype == bool and truth["seed"].dtype == np.int64


def test_determinism_and_prefix_stability():
    a, ta = simulate_galaxies(5, size=32, anomaly_fraction=0.0, seed=3)
    b, tb = simulate_galaxies(5, size=32, anomaly_fraction=0.0, seed=3)
    np.testing.assert_array_equal(a, b)
    assert ta.equals(tb)
    c, tc = simulate_galaxies(8, size=32, anomaly_fraction=0.0, seed=3)
    np.testing.assert_array_equal(a, c[:5])
    assert list(ta["seed"]) == list(tc["seed"][:5])
    d, _ = simulate_galaxies(5, size=32, anomaly_fraction=0.0, seed=4)
    assert not np.array_equal(a, d)


def test_anomaly_count_and_spread():
    _, truth = simulate_galaxies(120, size=16, anomaly_fraction=0.1, seed=1, noise=False)
    assert truth["is_anomaly"].sum() == 12
    counts = truth.loc[truth["is_anomaly"], "kind"].value_counts()
    assert set(counts.index) == set(ANOMALY_KINDS) and set(counts) == {2}
    assert (truth["kind"] == "normal").sum() == 108
    assert (truth["kind"] != "normal").equals(truth["is_anomaly"])
    # positions are random, not all at the start
    assert truth.index[truth["is_anomaly"]].max() > 12
    _, t2 = simulate_galaxies(50, size=16, anomaly_fraction=0.1, kinds=("merger", "clumpy"),
                              seed=1, noise=False)
    assert sorted(t2.loc[t2["is_anomaly"], "kind"].value_counts()) == [2, 3]


def test_truth_value_ranges(normal):
    _, truth = normal
    lo, hi = MAG_RANGE
    assert truth["magnitude"].between(lo, hi).all()
    assert truth["half_light_radius"].between(0.05, 3.0).all()
    assert truth["ellipticity"].between(0.0, 0.95).all()
    assert truth["bulge_fraction"].between(0.0, 1.0).all()
    assert truth["position_angle"].between(0.0, 180.0).all()
    assert truth[["x_offset", "y_offset"]].abs().le(0.5).all().all()
    assert truth["companion_magnitude"].isna().all()
    # fainter galaxies are smaller (size-magnitude relation)
    assert np.corrcoef(truth["magnitude"], np.log(truth["half_light_radius"]))[0, 1] < -0.2
    # counts rise towards faint magnitudes
    assert (truth["magnitude"] > 21.5).mean() > 0.5


def test_half_light_radius_of_sum():
    r = float(half_light_radius(1.0, 0.4, 0.5))
    assert 0.4 < r < 1.0
    with pytest.raises(AstrolearnInputError):
        half_light_radius(1.0, 0.4, 1.5)


def test_sky_noise_in_empty_corners(normal):
    images, truth = normal
    faint = truth["magnitude"].to_numpy() > 21.0
    corners = np.concatenate([images[faint, 0, :10, :10].ravel(),
                              images[faint, 0, -10:, -10:].ravel()])
    assert abs(corners.std() / sky_noise(0.2) - 1.0) < 0.10
    assert abs(corners.mean()) < 0.1 * sky_noise(0.2)
    assert np.allclose(truth["sky_sigma"], sky_noise(0.2))


def test_bright_galaxy_centroid_near_centre(normal):
    images, truth = normal
    i = int(truth["magnitude"].idxmin())
    assert truth.loc[i, "magnitude"] < 20.5
    img = images[i, 0].astype(np.float64)
    w = np.where(img > 3 * sky_noise(0.2), img, 0.0)
    yy, xx = np.mgrid[0:64, 0:64]
    cx, cy = (w * xx).sum() / w.sum(), (w * yy).sum() / w.sum()
    assert abs(cx - (31.5 + truth.loc[i, "x_offset"])) < 1.0
    assert abs(cy - (31.5 + truth.loc[i, "y_offset"])) < 1.0
    # flux ~ magnitude (total counts in the stamp, zero point 30)
    assert img.sum() == pytest.approx(10 ** (0.4 * (30 - truth.loc[i, "magnitude"])), rel=0.15)


def test_satellite_trail_adds_a_line():
    base, _ = simulate_galaxies(4, anomaly_fraction=0.0, seed=5, noise=False)
    trail, truth = simulate_galaxies(4, anomaly_fraction=0.99, kinds=["satellite_trail"],
                                     seed=5, noise=False)
    assert (truth["kind"] == "satellite_trail").all()
    for k in range(4):
        diff = (trail[k, 0] - base[k, 0]).astype(np.float64)
        assert diff.min() > -1e-3 and diff.max() > 5 * sky_noise(0.2)
        ys, xs = np.nonzero(diff > 0.5 * diff.max())
        cov = np.cov(np.vstack([xs, ys]))
        ev = np.linalg.eigvalsh(cov)
        assert ev[0] < 2.0 and ev[1] > 50.0  # long and thin: a straight line


def test_bad_column_is_one_line():
    base, _ = simulate_galaxies(4, anomaly_fraction=0.0, seed=6, noise=False)
    bad, _ = simulate_galaxies(4, anomaly_fraction=0.99, kinds=["bad_column"], seed=6,
                               noise=False)
    for k in range(4):
        rows, cols = np.nonzero(np.abs(bad[k, 0] - base[k, 0]) > 1e-3)
        assert rows.size >= 4
        assert np.unique(rows).size == 1 or np.unique(cols).size == 1


@pytest.mark.parametrize("noise", [False, True])
def test_edge_on_dust_lane_deficit(noise):
    images, truth = simulate_galaxies(6, anomaly_fraction=0.99, kinds=["edge_on_dust"],
                                      seed=8, noise=noise)
    for k in range(6):
        row = truth.iloc[k]
        pa = np.radians(row["position_angle"])
        u, v = np.array([np.cos(pa), np.sin(pa)]), np.array([-np.sin(pa), np.cos(pa)])
        c = np.array([31.5 + row["x_offset"], 31.5 + row["y_offset"]])
        t = np.linspace(-5.0, 5.0, 21)[:, None] * u  # along the major axis, +-1 arcsec
        on = c + t
        off = np.vstack([c + t + 3.0 * v, c + t - 3.0 * v])  # 0.6 arcsec either side
        img = images[k, 0]
        mean_on = map_coordinates(img, [on[:, 1], on[:, 0]], order=1).mean()
        mean_off = map_coordinates(img, [off[:, 1], off[:, 0]], order=1).mean()
        assert mean_on < 0.97 * mean_off


def test_every_kind_renders_with_bands():
    images, truth = simulate_galaxies(12, size=48, bands=2, anomaly_fraction=0.5, seed=9)
    assert set(truth.loc[truth["is_anomaly"], "kind"]) == set(ANOMALY_KINDS)
    assert np.all(np.isfinite(images))
    both = truth["kind"].isin(["merger", "lensed_arc"]).to_numpy()
    assert truth.loc[both, "companion_magnitude"].notna().all()


@pytest.mark.parametrize("kwargs", [
    {"n": 0}, {"n": 2.5}, {"n": 5, "anomaly_fraction": 1.0},
    {"n": 5, "anomaly_fraction": -0.1}, {"n": 5, "kinds": ["ufo"]}, {"n": 5, "kinds": []},
    {"n": 5, "kinds": "merger"}, {"n": 5, "size": 8}, {"n": 5, "size": 64.0},
    {"n": 5, "bands": 0}, {"n": 5, "pixel_scale": -1.0}, {"n": 5, "seed": -1},
])
def test_bad_input(kwargs):
    n = kwargs.pop("n")
    with pytest.raises(AstrolearnInputError):
        simulate_galaxies(n, **kwargs)


def test_morphology_classes_balanced_and_labelled():
    from astrolearn.datasets.galaxy_sim import MORPHOLOGY_CLASSES, simulate_morphology

    images, truth = simulate_morphology(24, size=32, seed=5)
    assert images.shape == (24, 1, 32, 32) and np.isfinite(images).all()
    assert truth["label"].value_counts().to_dict() == {c: 4 for c in MORPHOLOGY_CLASSES}
    ell = truth[truth["label"] == "elliptical"]
    disc = truth[truth["label"] == "disc"]
    assert (ell["bulge_fraction"] >= 0.6).all() and (disc["bulge_fraction"] <= 0.2).all()
    assert truth.loc[truth["label"].isin(["elliptical", "disc"]), "magnitude"].between(
        18.0, 21.5).all()
    again, _ = simulate_morphology(24, size=32, seed=5)
    np.testing.assert_array_equal(images, again)


def test_morphology_subset_and_bad_classes():
    from astrolearn.datasets.galaxy_sim import simulate_morphology

    _, truth = simulate_morphology(4, size=16, classes=["merger", "disc"], seed=0)
    assert truth["label"].tolist() == ["merger", "disc", "merger", "disc"]
    for classes in (["spiral"], [], ["disc", "disc"], "disc"):
        with pytest.raises(AstrolearnInputError, match="class"):
            simulate_morphology(4, size=16, classes=classes)
