"""Tests of astrolearn.photoz.pdf against hand-computed and analytic values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.pdf import (
    gaussian_mixture_on_grid,
    make_grid,
    normalise_pdfs,
    pdf_best,
    pdf_cdf,
    pdf_interval,
    pdf_mean,
    pdf_median,
    pdf_mode,
    pdf_quantiles,
    pit_values,
    point_estimate,
    stack_pdfs,
)

# A fine grid (step 0.001) on which a Gaussian of sigma 0.1 is sampled essentially exactly;
# gaussian_mixture_on_grid widens sigma by half a step in quadrature:
#   sqrt(0.1^2 + 0.0005^2) = 0.10000125, a change far below the 1e-3 tolerances below.
FINE = make_grid(0.0, 2.0, 2001)
MU, SIGMA = 1.0, 0.1
TRI_GRID = np.array([0.0, 1.0, 2.0])


def gaussian(mu=MU, sigma=SIGMA, zgrid=FINE) -> np.ndarray:
    return gaussian_mixture_on_grid(zgrid, [[mu]], [[sigma]], [[1.0]])


def trapezoid(pdfs: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    return np.trapezoid(pdfs, zgrid, axis=-1)


# ---------------------------------------------------------------------------------------
# make_grid
# ---------------------------------------------------------------------------------------


def test_make_grid_values():
    assert make_grid(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    grid = make_grid(0.0, 3.0, 301)
    assert grid.size == 301 and grid[0] == 0.0 and grid[-1] == 3.0
    np.testing.assert_allclose(np.diff(grid), 0.01, rtol=1e-9)


@pytest.mark.parametrize("args", [(1.0, 1.0, 10), (2.0, 1.0, 10), (0.0, np.inf, 10),
                                  (np.nan, 1.0, 10), (0.0, 1.0, 2)])
def test_make_grid_rejects_bad_ranges(args):
    with pytest.raises(AstrolearnInputError):
        make_grid(*args)


# ---------------------------------------------------------------------------------------
# normalise_pdfs and pdf_cdf
# ---------------------------------------------------------------------------------------


def test_normalise_by_hand():
    # [0, 2, 0] on [0, 1, 2]: trapezoid area = 2 -> [0, 1, 0]
    np.testing.assert_allclose(normalise_pdfs(np.array([[0.0, 2.0, 0.0]]), TRI_GRID),
                               [[0.0, 1.0, 0.0]])


def test_normalise_unit_integral():
    rng = np.random.default_rng(0)
    grid = make_grid(0.0, 3.0, 61)
    raw = rng.uniform(0, 5, (20, 61))
    out = normalise_pdfs(raw, grid)
    np.testing.assert_allclose(trapezoid(out, grid), 1.0, rtol=1e-12)
    # the shape is kept: each row is a positive multiple of the input row
    ratio = out / raw
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones((1, 61)), rtol=1e-12)


def test_normalise_zero_row_becomes_uniform():
    out = normalise_pdfs(np.array([[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]), TRI_GRID)
    # uniform on [0, 2] has density 1/2
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.5], [0.0, 1.0, 0.0]])
    assert np.isfinite(out).all()


def test_normalise_clips_negatives():
    # [-1, 2, 0] -> [0, 2, 0] -> [0, 1, 0]
    out = normalise_pdfs(np.array([[-1.0, 2.0, 0.0]]), TRI_GRID)
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.0]])
    # all-negative row: nothing left, so uniform
    np.testing.assert_allclose(normalise_pdfs(np.array([[-1.0, -2.0, -3.0]]), TRI_GRID),
                               [[0.5, 0.5, 0.5]])


def test_normalise_does_not_modify_input():
    raw = np.array([[-1.0, 2.0, 0.0]])
    normalise_pdfs(raw, TRI_GRID)
    assert raw.tolist() == [[-1.0, 2.0, 0.0]]


def test_normalise_nan_raises():
    with pytest.raises(AstrolearnInputError, match="NaN"):
        normalise_pdfs(np.array([[0.0, np.nan, 1.0], [0.0, 1.0, 0.0]]), TRI_GRID)


def test_normalise_1d_input_is_one_row():
    assert normalise_pdfs(np.array([0.0, 2.0, 0.0]), TRI_GRID).shape == (1, 3)


def test_cdf_by_hand():
    # triangle [0, 1, 0] on [0, 1, 2]: F = [0, 0.5, 1]
    np.testing.assert_allclose(pdf_cdf(np.array([[0.0, 1.0, 0.0]]), TRI_GRID),
                               [[0.0, 0.5, 1.0]])
    # ramp [0, 1, 2] on [0, 1, 2]: steps 0.5 and 1.5, total 2 -> F = [0, 0.25, 1]
    np.testing.assert_allclose(pdf_cdf(np.array([[0.0, 1.0, 2.0]]), TRI_GRID),
                               [[0.0, 0.25, 1.0]])


def test_cdf_of_gaussian_matches_scipy():
    cdf = pdf_cdf(gaussian(), FINE)[0]
    assert cdf[0] == 0.0 and cdf[-1] == pytest.approx(1.0)
    assert np.all(np.diff(cdf) >= 0)
    # the Gaussian is truncated at 0 and 2 (10 sigma): no visible effect
    np.testing.assert_allclose(cdf, stats.norm.cdf(FINE, MU, SIGMA), atol=1e-5)


# ---------------------------------------------------------------------------------------
# quantiles, median, interval
# ---------------------------------------------------------------------------------------


def test_quantiles_of_uniform():
    grid = make_grid(0.0, 1.0, 101)
    q = pdf_quantiles(np.ones((2, 101)), grid, [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(q, [[0.0, 0.1, 0.25, 0.5, 0.9, 1.0]] * 2, atol=1e-9)


def test_quantiles_of_gaussian_match_analytic():
    levels = [0.025, 0.16, 0.5, 0.84, 0.975]
    q = pdf_quantiles(gaussian(), FINE, levels)[0]
    np.testing.assert_allclose(q, stats.norm.ppf(levels, MU, SIGMA), atol=1e-3)


def test_quantiles_of_triangle_by_hand():
    # CDF of the triangle [0, 1, 0] on [0, 1, 2] is tabulated [0, 0.5, 1] and interpolated
    # linearly, so quantile q is 2q
    q = pdf_quantiles(np.array([[0.0, 1.0, 0.0]]), TRI_GRID, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(q, [[0.5, 1.0, 1.5]])


def test_quantiles_reject_bad_levels():
    with pytest.raises(AstrolearnInputError):
        pdf_quantiles(gaussian(), FINE, [0.5, 1.2])
    with pytest.raises(AstrolearnInputError):
        pdf_quantiles(gaussian(), FINE, [-0.1])


def test_median_of_gaussians():
    pdfs = np.vstack([gaussian(0.5), gaussian(1.0), gaussian(1.37, 0.05)])
    np.testing.assert_allclose(pdf_median(pdfs, FINE), [0.5, 1.0, 1.37], atol=1e-3)


def test_interval_of_gaussian():
    # central 68%: quantiles 0.16 and 0.84 -> mu -/+ 0.99446 sigma
    lo, hi = pdf_interval(gaussian(), FINE, 0.68)
    half = stats.norm.ppf(0.84)
    assert half == pytest.approx(0.9945, abs=1e-4)
    assert lo[0] == pytest.approx(MU - half * SIGMA, abs=1e-3)
    assert hi[0] == pytest.approx(MU + half * SIGMA, abs=1e-3)
    # 95%: mu -/+ 1.95996 sigma
    lo, hi = pdf_interval(gaussian(), FINE, 0.95)
    assert lo[0] == pytest.approx(MU - 1.959964 * SIGMA, abs=1e-3)
    assert hi[0] == pytest.approx(MU + 1.959964 * SIGMA, abs=1e-3)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.2])
def test_interval_rejects_bad_level(level):
    with pytest.raises(AstrolearnInputError):
        pdf_interval(gaussian(), FINE, level)


# ---------------------------------------------------------------------------------------
# mode and mean
# ---------------------------------------------------------------------------------------


def test_mode_by_hand():
    # flat top [0, 1, 1, 0] on [0, 1, 2, 3]: argmax at z = 1; parabola through
    # (0, 0), (1, 1), (2, 1): curvature 0 - 2 + 1 = -1, shift 0.5 * (0 - 1) / -1 = 0.5
    assert pdf_mode(np.array([[0.0, 1.0, 1.0, 0.0]]), np.arange(4.0))[0] == pytest.approx(1.5)
    # symmetric peak on a grid point
    assert pdf_mode(np.array([[0.0, 1.0, 3.0, 1.0, 0.0]]), np.arange(5.0))[0] == 2.0


def test_mode_of_gaussian_off_grid():
    # coarse grid (step 0.01), mean between grid points: parabola refines it
    grid = make_grid(0.0, 2.0, 201)
    pdfs = gaussian_mixture_on_grid(grid, [[0.8234], [1.2051]], [[0.05], [0.1]],
                                    [[1.0], [1.0]])
    np.testing.assert_allclose(pdf_mode(pdfs, grid), [0.8234, 1.2051], atol=1e-3)


def test_mode_of_bimodal_mixture_higher_peak_wins():
    # weight 0.6 at 1.5 vs 0.4 at 0.5, same width: the peak at 1.5 is higher
    pdfs = gaussian_mixture_on_grid(FINE, [[0.5, 1.5]], [[0.1, 0.1]], [[0.4, 0.6]])
    assert pdf_mode(pdfs, FINE)[0] == pytest.approx(1.5, abs=1e-3)
    # the narrow component holds less mass (0.3) but its peak is higher
    # (0.3 / 0.02 = 15 against 0.7 / 0.1 = 7): the mode is the narrow peak
    pdfs = gaussian_mixture_on_grid(FINE, [[0.5, 1.5]], [[0.02, 0.1]], [[0.3, 0.7]])
    assert pdf_mode(pdfs, FINE)[0] == pytest.approx(0.5, abs=1e-3)
    # ... while the median lies in the heavier component
    assert pdf_median(pdfs, FINE)[0] > 1.0


def test_mode_at_grid_edge():
    assert pdf_mode(np.array([[3.0, 1.0, 0.5, 0.0]]), np.arange(4.0))[0] == 0.0
    assert pdf_mode(np.array([[0.0, 0.5, 1.0, 3.0]]), np.arange(4.0))[0] == 3.0


def test_mean():
    np.testing.assert_allclose(pdf_mean(np.vstack([gaussian(0.7), gaussian(1.3, 0.05)]), FINE),
                               [0.7, 1.3], atol=1e-6)
    # triangle [0, 1, 0] on [0, 1, 2] is symmetric about 1
    assert pdf_mean(np.array([[0.0, 1.0, 0.0]]), TRI_GRID)[0] == pytest.approx(1.0)
    # uniform on [0, 2]: mean 1
    assert pdf_mean(np.ones((1, 3)), TRI_GRID)[0] == pytest.approx(1.0)
    # ramp p(z) = 2z on [0, 1]: mean 2/3 (fine grid)
    grid = make_grid(0.0, 1.0, 1001)
    assert pdf_mean(2 * grid[None, :], grid)[0] == pytest.approx(2 / 3, abs=1e-6)
    # a mixture: 0.25 * 0.5 + 0.75 * 1.5 = 1.25
    pdfs = gaussian_mixture_on_grid(FINE, [[0.5, 1.5]], [[0.1, 0.1]], [[0.25, 0.75]])
    assert pdf_mean(pdfs, FINE)[0] == pytest.approx(1.25, abs=1e-6)


def hsc_loss(z_point, z_true, gamma=0.15):
    """Tanaka et al. (2018) eq. 3, written out independently of the module."""
    dz = (z_point - z_true) / (1 + z_true)
    return 1 - 1 / (1 + (dz / gamma) ** 2)


def test_best_of_two_spikes_by_hand():
    # triangles one grid step wide at z = 0.5 (mass 0.7) and z = 1.0 (mass 0.3), grid step
    # 0.05: the risk of a candidate on the grid is the mass-weighted loss at the two spikes.
    # At zp = 0.5: 0.3 * L(dz = -0.5 / 2 = -0.25) = 0.3 * (1 - 1 / (1 + 2.7778)) = 0.22059
    # At zp = 1.0: 0.7 * L(dz = 0.5 / 1.5 = 0.3333) = 0.7 * (1 - 1 / (1 + 4.9383)) = 0.58212
    grid = make_grid(0.0, 2.0, 41)
    p = np.zeros((1, 41))
    p[0, 10], p[0, 20] = 0.7 / 0.05, 0.3 / 0.05
    z_best, z_risk = pdf_best(p, grid)
    assert 0.3 * hsc_loss(0.5, 1.0) == pytest.approx(0.22059, abs=1e-5)
    assert 0.7 * hsc_loss(1.0, 0.5) == pytest.approx(0.58212, abs=1e-5)
    # the parabola refines the grid minimum at 0.5 by less than half a step
    assert abs(z_best[0] - 0.5) <= 0.025
    assert z_risk[0] <= 0.22059 + 1e-9
    exact = 0.7 * hsc_loss(z_best[0], 0.5) + 0.3 * hsc_loss(z_best[0], 1.0)
    assert z_risk[0] == pytest.approx(exact, abs=2e-3)


def test_best_matches_brute_force_minimisation():
    # bimodal and skewed PDFs on a coarse grid; brute force on 4001 candidates
    grid = make_grid(0.0, 2.0, 201)
    pdfs = gaussian_mixture_on_grid(grid, [[0.4, 1.2], [0.3, 0.45], [1.0, 1.0]],
                                    [[0.05, 0.08], [0.03, 0.15], [0.2, 0.2]],
                                    [[0.45, 0.55], [0.6, 0.4], [0.5, 0.5]])
    z_best, z_risk = pdf_best(pdfs, grid)
    candidates = np.linspace(0, 2, 4001)
    for row, pdf in enumerate(pdfs):
        risk = np.trapezoid(pdf[None, :] * hsc_loss(candidates[:, None], grid[None, :]),
                            grid, axis=1) / np.trapezoid(pdf, grid)
        assert z_best[row] == pytest.approx(candidates[np.argmin(risk)], abs=5e-3)
        assert z_risk[row] == pytest.approx(risk.min(), abs=1e-4)


def test_best_picks_a_peak_where_the_mean_falls_between():
    # masses 0.45 at 0.4 and 0.55 at 1.2, sigma 0.03: risk(1.2) = 0.45 L(0.8 / 1.4) = 0.420,
    # risk(0.4) = 0.55 L(-0.8 / 2.2) = 0.470 (hsc_loss values 0.936 and 0.855)
    pdfs = gaussian_mixture_on_grid(FINE, [[0.4, 1.2]], [[0.03, 0.03]], [[0.45, 0.55]])
    assert 0.45 * hsc_loss(1.2, 0.4) == pytest.approx(0.420, abs=1e-3)
    assert 0.55 * hsc_loss(0.4, 1.2) == pytest.approx(0.470, abs=1e-3)
    z_best, z_risk = pdf_best(pdfs, FINE)
    assert z_best[0] == pytest.approx(1.2, abs=0.01)
    assert z_risk[0] == pytest.approx(0.420, abs=0.01)
    assert pdf_mean(pdfs, FINE)[0] == pytest.approx(0.84, abs=1e-3)


def test_best_risk_grows_with_width():
    pdfs = np.vstack([gaussian(1.0, 0.01), gaussian(1.0, 0.1), gaussian(1.0, 0.5)])
    z_best, z_risk = pdf_best(pdfs, FINE)
    np.testing.assert_allclose(z_best, 1.0, atol=0.05)
    assert 0 <= z_risk[0] < 0.01 < z_risk[1] < z_risk[2] < 1


def test_best_rejects_bad_gamma():
    with pytest.raises(AstrolearnInputError, match="gamma"):
        pdf_best(gaussian(), FINE, gamma=0.0)


def test_point_estimate_dispatch():
    pdfs = gaussian_mixture_on_grid(FINE, [[0.5, 1.5]], [[0.02, 0.1]], [[0.3, 0.7]])
    assert point_estimate(pdfs, FINE, "mode") == pytest.approx(pdf_mode(pdfs, FINE))
    assert point_estimate(pdfs, FINE, "mean") == pytest.approx(pdf_mean(pdfs, FINE))
    assert point_estimate(pdfs, FINE, "best") == pytest.approx(pdf_best(pdfs, FINE)[0])
    assert point_estimate(pdfs, FINE, "median") == pytest.approx(pdf_median(pdfs, FINE))
    assert point_estimate(pdfs, FINE) == pytest.approx(pdf_best(pdfs, FINE)[0])
    with pytest.raises(AstrolearnInputError, match="point estimate must be one of"):
        point_estimate(pdfs, FINE, "peak")


# ---------------------------------------------------------------------------------------
# PIT
# ---------------------------------------------------------------------------------------


def test_pit_of_uniform_is_z():
    grid = make_grid(0.0, 1.0, 101)
    z = np.array([0.0, 0.123, 0.3, 0.5, 0.999, 1.0])
    np.testing.assert_allclose(pit_values(np.ones((z.size, 101)), grid, z), z, atol=1e-12)


def test_pit_beyond_grid_is_zero_or_one():
    grid = make_grid(0.0, 1.0, 11)
    pit = pit_values(np.ones((4, 11)), grid, [-0.5, -1e-3, 1.001, 7.0])
    np.testing.assert_allclose(pit, [0.0, 0.0, 1.0, 1.0])


def test_pit_of_gaussian_matches_scipy():
    z = np.array([0.8, 0.95, 1.0, 1.1, 1.25])
    pdfs = np.repeat(gaussian(), z.size, axis=0)
    np.testing.assert_allclose(pit_values(pdfs, FINE, z), stats.norm.cdf(z, MU, SIGMA),
                               atol=1e-5)


def test_pit_wrong_length_raises():
    with pytest.raises(AstrolearnInputError):
        pit_values(np.ones((3, 11)), make_grid(0, 1, 11), [0.1, 0.2])


# ---------------------------------------------------------------------------------------
# stacking
# ---------------------------------------------------------------------------------------


def test_stack_normalises_each_pdf_first():
    # [2, 2, 2] -> [0.5, 0.5, 0.5] (area 4 -> 1) and [0, 1, 0] has area 1;
    # mean: [0.25, 0.75, 0.25], already of unit area
    stacked = stack_pdfs(np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]]), TRI_GRID)
    np.testing.assert_allclose(stacked, [0.25, 0.75, 0.25])


def test_stack_with_weights():
    # (3 * [0.5, 0.5, 0.5] + 1 * [0, 1, 0]) / 4 = [0.375, 0.625, 0.375]
    stacked = stack_pdfs(np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]]), TRI_GRID,
                         weights=[3.0, 1.0])
    np.testing.assert_allclose(stacked, [0.375, 0.625, 0.375])


def test_stack_of_gaussians_is_the_mixture():
    pdfs = np.vstack([gaussian(0.5), gaussian(1.5), gaussian(1.5)])
    expected = gaussian_mixture_on_grid(FINE, [[0.5, 1.5]], [[0.1, 0.1]], [[1 / 3, 2 / 3]])[0]
    np.testing.assert_allclose(stack_pdfs(pdfs, FINE), expected, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------
# Gaussian mixtures
# ---------------------------------------------------------------------------------------


def test_mixture_integral_and_weights():
    pdfs = gaussian_mixture_on_grid(FINE, [[0.5, 1.5], [1.0, 1.0]], [[0.1, 0.1], [0.1, 0.2]],
                                    [[0.25, 0.75], [0.5, 0.5]])
    assert pdfs.shape == (2, FINE.size)
    np.testing.assert_allclose(trapezoid(pdfs, FINE), 1.0, rtol=1e-12)
    # the mass of each well-separated component equals its weight
    cdf = pdf_cdf(pdfs, FINE)
    assert cdf[0, np.searchsorted(FINE, 1.0)] == pytest.approx(0.25, abs=1e-6)


def test_mixture_raw_density_matches_scipy():
    grid = make_grid(0.0, 2.0, 401)
    step = grid[1] - grid[0]
    raw = gaussian_mixture_on_grid(grid, [[0.5, 1.2]], [[0.1, 0.3]], [[0.3, 0.7]],
                                   normalise=False)[0]
    # each width is widened by half a grid step in quadrature
    s1, s2 = np.hypot(0.1, step / 2), np.hypot(0.3, step / 2)
    expected = 0.3 * stats.norm.pdf(grid, 0.5, s1) + 0.7 * stats.norm.pdf(grid, 1.2, s2)
    np.testing.assert_allclose(raw, expected, rtol=1e-12)
    # the widening is tiny here: the nominal widths agree to 1e-3 relative near the peaks
    nominal = 0.3 * stats.norm.pdf(grid, 0.5, 0.1) + 0.7 * stats.norm.pdf(grid, 1.2, 0.3)
    near = np.abs(grid - 1.2) < 0.3
    np.testing.assert_allclose(raw[near], nominal[near], rtol=1e-3)


def test_mixture_raw_density_on_non_uniform_grid():
    # ln(1 + z) grid, as the MDN uses: allowed with normalise=False
    u = np.log1p(make_grid(0.0, 3.0, 301))
    step = np.max(np.diff(u))
    raw = gaussian_mixture_on_grid(u, [[0.5]], [[0.05]], [[1.0]], normalise=False)[0]
    np.testing.assert_allclose(raw, stats.norm.pdf(u, 0.5, np.hypot(0.05, step / 2)),
                               rtol=1e-12)


def test_mixture_narrower_than_grid_keeps_its_mass():
    grid = make_grid(0.0, 1.0, 11)  # step 0.1
    pdfs = gaussian_mixture_on_grid(grid, [[0.53]], [[1e-6]], [[1.0]])
    assert np.isfinite(pdfs).all()
    assert trapezoid(pdfs, grid)[0] == pytest.approx(1.0)
    # the mass sits around 0.53, not lost: the median is between the neighbouring points
    assert 0.5 <= pdf_median(pdfs, grid)[0] <= 0.6


# ---------------------------------------------------------------------------------------
# grid checks
# ---------------------------------------------------------------------------------------


NON_UNIFORM = np.array([0.0, 0.1, 0.3, 0.6, 1.0])


@pytest.mark.parametrize("function", [
    lambda p, g: normalise_pdfs(p, g),
    lambda p, g: pdf_cdf(p, g),
    lambda p, g: pdf_median(p, g),
    lambda p, g: pdf_mode(p, g),
    lambda p, g: pdf_mean(p, g),
    lambda p, g: pdf_interval(p, g),
    lambda p, g: pit_values(p, g, [0.5]),
    lambda p, g: stack_pdfs(p, g),
    lambda p, g: gaussian_mixture_on_grid(g, [[0.5]], [[0.1]], [[1.0]]),
])
def test_non_uniform_grid_raises(function):
    with pytest.raises(AstrolearnInputError, match="uniform"):
        function(np.ones((1, NON_UNIFORM.size)), NON_UNIFORM)


def test_decreasing_grid_raises():
    with pytest.raises(AstrolearnInputError):
        pdf_cdf(np.ones((1, 3)), np.array([2.0, 1.0, 0.0]))


def test_grid_length_mismatch_raises():
    with pytest.raises(AstrolearnInputError, match="grid"):
        pdf_cdf(np.ones((2, 4)), TRI_GRID)


def test_count_modes_ignores_wiggles_and_small_bumps():
    from astrolearn.photoz.pdf import count_modes, gaussian_mixture_on_grid, make_grid

    z = make_grid(0.0, 3.0, 301)
    two = gaussian_mixture_on_grid(z, [[0.8, 2.2]], [[0.05, 0.05]], [[0.6, 0.4]])
    tiny = gaussian_mixture_on_grid(z, [[0.8, 2.2]], [[0.05, 0.05]], [[0.96, 0.04]])
    one = gaussian_mixture_on_grid(z, [[1.0]], [[0.1]], [[1.0]])
    wiggly = one * (1 + 0.3 * np.sin(z * 2 * np.pi / 0.03))  # ripples 3 grid steps apart
    assert count_modes(np.vstack([two, tiny, one, wiggly]), z).tolist() == [2, 1, 1, 1]
