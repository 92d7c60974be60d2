"""Tests of astrolearn.photoz.metrics against values computed by hand (arithmetic in comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.metrics import (
    binned_photoz_metrics,
    cde_loss,
    crps,
    delta_z,
    interval_coverage,
    nz_comparison,
    pdf_metrics,
    pit_histogram,
    pit_statistics,
    point_metrics,
)
from astrolearn.photoz.pdf import make_grid

# Five objects whose dz = (z_phot - z_spec) / (1 + z_spec) is easy by hand:
#   z_spec 0.0, z_phot 0.00 -> dz = 0.00 / 1 = 0.00
#   z_spec 1.0, z_phot 1.02 -> dz = 0.02 / 2 = 0.01
#   z_spec 0.5, z_phot 0.47 -> dz = -0.03 / 1.5 = -0.02
#   z_spec 3.0, z_phot 3.40 -> dz = 0.40 / 4 = 0.10
#   z_spec 1.0, z_phot 0.40 -> dz = -0.60 / 2 = -0.30
Z_SPEC = [0.0, 1.0, 0.5, 3.0, 1.0]
Z_PHOT = [0.0, 1.02, 0.47, 3.4, 0.4]
DZ = [0.0, 0.01, -0.02, 0.1, -0.3]

# The PDF [0, 1, 0] on the grid [0, 1, 2] is a triangle; its CDF at the grid points is
# F = [0, 0.5, 1] and F is linear in between.
TRI_GRID = np.array([0.0, 1.0, 2.0])
TRI = np.array([[0.0, 1.0, 0.0]])

UNIT_GRID = make_grid(0.0, 1.0, 101)


def uniform(n: int) -> np.ndarray:
    """n uniform PDFs on [0, 1] (CDF F(z) = z)."""
    return np.ones((n, UNIT_GRID.size))


# ---------------------------------------------------------------------------------------
# delta_z and point metrics
# ---------------------------------------------------------------------------------------


def test_delta_z_by_hand():
    np.testing.assert_allclose(delta_z(Z_PHOT, Z_SPEC), DZ, atol=1e-12)
    # pandas input works the same
    np.testing.assert_allclose(delta_z(pd.Series(Z_PHOT), pd.Series(Z_SPEC)), DZ, atol=1e-12)


def test_point_metrics_by_hand():
    m = point_metrics(Z_PHOT, Z_SPEC)
    assert list(m) == ["n", "bias_median", "bias_mean", "sigma_nmad", "sigma_iqr",
                       "outlier_frac", "outlier_frac_rail", "outlier_threshold_rail"]
    assert m["n"] == 5 and isinstance(m["n"], int)
    assert all(isinstance(m[k], float) for k in m if k != "n")
    # sorted dz: -0.3, -0.02, 0, 0.01, 0.1 -> median 0
    assert m["bias_median"] == pytest.approx(0.0, abs=1e-12)
    # mean: (0 + 0.01 - 0.02 + 0.1 - 0.3) / 5 = -0.21 / 5 = -0.042
    assert m["bias_mean"] == pytest.approx(-0.042)
    # |dz - 0| sorted: 0, 0.01, 0.02, 0.1, 0.3 -> median 0.02; 1.4826 * 0.02 = 0.029652
    assert m["sigma_nmad"] == pytest.approx(0.029652)
    # linear percentiles of 5 sorted values: q25 at position 1 -> -0.02, q75 at position 3
    # -> 0.01; IQR = 0.03; 0.03 / 1.349 = 0.0222387...
    assert m["sigma_iqr"] == pytest.approx(0.03 / 1.349)
    # |dz| > 0.15: only 0.3 -> 1 / 5
    assert m["outlier_frac"] == pytest.approx(0.2)
    # RAIL threshold max(0.06, 3 * 0.0222387) = 0.0667161; |dz| above: 0.1, 0.3 -> 2 / 5
    assert m["outlier_threshold_rail"] == pytest.approx(3 * 0.03 / 1.349)
    assert m["outlier_frac_rail"] == pytest.approx(0.4)


def test_point_metrics_rail_threshold_floor_and_perfect_predictions():
    # all dz = 0: sigma_iqr = 0, so the RAIL threshold is its floor 0.06 and nothing is out
    m = point_metrics([0.1, 0.2, 0.3], [0.1, 0.2, 0.3])
    assert m["sigma_nmad"] == 0.0 and m["sigma_iqr"] == 0.0
    assert m["outlier_threshold_rail"] == 0.06
    assert m["outlier_frac"] == m["outlier_frac_rail"] == 0.0
    # one object: dz = (0.15 - 0) / 1 = 0.15 (the same float as the cut), exactly on the cut,
    # which is not an outlier (with z_spec = 1, (1.3 - 1) / 2 rounds to 0.15000000000000002)
    one = point_metrics([0.15], [0.0])
    assert one["n"] == 1 and one["bias_median"] == pytest.approx(0.15)
    assert one["outlier_frac"] == 0.0  # |dz| > 0.15 is strict
    assert one["outlier_frac_rail"] == 1.0  # 0.15 > 0.06


@pytest.mark.parametrize(
    ("z_phot", "z_spec", "match"),
    [
        ([0.1, np.nan], [0.1, 0.2], "z_phot has 1 non-finite"),
        ([0.1, 0.2], [0.1, np.inf], "z_spec has 1 non-finite"),
        ([0.1, 0.2, 0.3], [0.1, 0.2], "different lengths"),
        ([], [], "z_phot is empty"),
        ([[0.1, 0.2]], [[0.1, 0.2]], "1-D"),
        ([0.1, 0.2], [0.1, -1.0], "z_spec has 1 values <= -1"),
        (["a", "b"], [0.1, 0.2], "z_phot is not numeric"),
        (pd.DataFrame({"a": [0.1], "b": [0.2]}), [0.1], "2 columns"),
    ],
)
def test_point_inputs_are_checked(z_phot, z_spec, match):
    with pytest.raises(AstrolearnInputError, match=match) as info:
        point_metrics(z_phot, z_spec)
    assert "Fix:" in str(info.value)


# ---------------------------------------------------------------------------------------
# PIT
# ---------------------------------------------------------------------------------------


def test_pit_statistics_by_hand():
    # PIT = [0.25, 0.75]: ECDF 0.5 at 0.25 and 1 at 0.75.
    # KS D = max over i of max(i/n - x_i, x_i - (i-1)/n) = max(0.25, 0.25, 0.25, 0.25) = 0.25,
    # the smallest D possible for n = 2 (1 / 2n), so the p-value is 1.
    # CvM T = 1/(12 n) + sum ((2i-1)/(2n) - x_i)^2 = 1/24 + 0 + 0 = 1/24, also its minimum.
    s = pit_statistics([0.25, 0.75])
    assert s["ks"] == pytest.approx(0.25)
    assert s["ks_pvalue"] == pytest.approx(1.0)
    assert s["cvm"] == pytest.approx(1 / 24)
    assert s["cvm_pvalue"] == pytest.approx(1.0)
    assert s["pit_outlier_frac"] == 0.0
    # PIT = [0.1, 0.2]: D = max(0.5 - 0.1, 1 - 0.2, 0.1 - 0, 0.2 - 0.5) = 0.8;
    # T = 1/24 + (0.25 - 0.1)^2 + (0.75 - 0.2)^2 = 0.0416667 + 0.0225 + 0.3025 = 0.3666667
    s = pit_statistics([0.1, 0.2])
    assert s["ks"] == pytest.approx(0.8)
    assert s["cvm"] == pytest.approx(1 / 24 + 0.0225 + 0.3025)
    # the p-values are scipy's
    assert s["ks_pvalue"] == pytest.approx(stats.kstest([0.1, 0.2], "uniform").pvalue)
    assert s["cvm_pvalue"] == pytest.approx(stats.cramervonmises([0.1, 0.2], "uniform").pvalue)


def test_pit_outlier_fraction_by_hand():
    # below 1e-4: 0 and 5e-5; above 1 - 1e-4: 1.0; 1e-4 itself and 0.5 are not outliers
    s = pit_statistics([0.0, 5e-5, 1e-4, 0.5, 1.0])
    assert s["pit_outlier_frac"] == pytest.approx(3 / 5)


def test_pit_histogram_by_hand():
    # bins [0, 0.5) and [0.5, 1]: counts 2 (0.1, 0.2) and 2 (0.6, 1.0, the last bin holds 1)
    # density = count / (n * width) = 2 / (4 * 0.5) = 1
    h = pit_histogram([0.1, 0.2, 0.6, 1.0], n_bins=2)
    assert list(h.columns) == ["bin_low", "bin_high", "count", "density"]
    assert h["bin_low"].tolist() == [0.0, 0.5] and h["bin_high"].tolist() == [0.5, 1.0]
    assert h["count"].tolist() == [2, 2]
    assert h["density"].tolist() == [1.0, 1.0]
    # four bins of width 0.25, PIT [0.1, 0.1, 0.3]: counts 2, 1, 0, 0;
    # densities 2 / (3 * 0.25) = 8/3, 1 / 0.75 = 4/3, 0, 0 (mean density is 1)
    h = pit_histogram([0.1, 0.1, 0.3], n_bins=4)
    np.testing.assert_allclose(h["density"], [8 / 3, 4 / 3, 0, 0])


@pytest.mark.parametrize(
    ("pit", "match"),
    [([0.5, 1.2], "outside \\[0, 1\\]"), ([0.5, np.nan], "non-finite"), ([0.5], "at least 2")],
)
def test_pit_statistics_checks(pit, match):
    with pytest.raises(AstrolearnInputError, match=match):
        pit_statistics(pit)


def test_pit_histogram_checks():
    with pytest.raises(AstrolearnInputError, match="n_bins"):
        pit_histogram([0.5], n_bins=0)
    with pytest.raises(AstrolearnInputError, match="outside"):
        pit_histogram([-0.1, 0.5])


# ---------------------------------------------------------------------------------------
# CRPS
# ---------------------------------------------------------------------------------------


def test_crps_uniform_by_hand():
    # F(z) = z on [0, 1]: CRPS(t) = int_0^t z^2 dz + int_t^1 (1 - z)^2 dz = (t^3 + (1-t)^3) / 3
    # t = 0.5: (1/8 + 1/8) / 3 = 1/12; t = 0.25: (1/64 + 27/64) / 3 = 7/48;
    # t = 0.123 (between grid points): (0.123^3 + 0.877^3) / 3
    values = crps(uniform(3), UNIT_GRID, [0.5, 0.25, 0.123])
    np.testing.assert_allclose(values, [1 / 12, 7 / 48, (0.123**3 + 0.877**3) / 3], rtol=1e-12)


def test_crps_triangle_by_hand():
    # F = [0, 0.5, 1] on [0, 1, 2], linear between.  Square of a linear g from a to b over
    # width w integrates to w (a^2 + a b + b^2) / 3.
    # z_true = 1 (a grid point): int_0^1 F^2 = (0 + 0 + 0.25)/3 = 1/12; int_1^2 (1-F)^2 = 1/12
    #   -> 1/6
    # z_true = 0.5 (splits [0, 1], F(0.5) = 0.25): int_0^.5 F^2 = 0.5 (0.0625)/3 = 1/96;
    #   int_.5^1 (1-F)^2 = 0.5 (0.5625 + 0.375 + 0.25)/3 = 19/96; int_1^2 (1-F)^2 = 8/96
    #   -> 28/96 = 7/24
    # z_true = 2.5 (above the grid): int_0^2 F^2 = 1/12 + (0.25 + 0.5 + 1)/3 = 2/3, plus
    #   int_2^2.5 (1 - 0)^2 = 0.5 (F = 1 above the grid, H = 0) -> 7/6
    # z_true = -0.5 (below): int_0^2 (1-F)^2 = (1 + 0.5 + 0.25)/3 + 0.25/3 = 2/3, plus
    #   int_-.5^0 (0 - 1)^2 = 0.5 -> 7/6
    values = crps(np.repeat(TRI, 4, axis=0), TRI_GRID, [1.0, 0.5, 2.5, -0.5])
    np.testing.assert_allclose(values, [1 / 6, 7 / 24, 7 / 6, 7 / 6], rtol=1e-12)


def test_crps_narrow_pdf_is_the_distance():
    # a one-grid-point spike at z0 = 0.7 (width 2 steps = 0.002): CRPS ~ |z0 - z_true|
    zgrid = make_grid(0.0, 2.0, 2001)
    pdfs = np.zeros((3, zgrid.size))
    pdfs[:, 700] = 1.0
    values = crps(pdfs, zgrid, [0.2, 0.7, 1.9])
    np.testing.assert_allclose(values, [0.5, 0.0, 1.2], atol=1e-3)


def test_crps_gaussian_closed_form():
    # Gneiting & Raftery (2007): CRPS(N(mu, s), y) = s (u (2 Phi(u) - 1) + 2 phi(u) - 1/sqrt(pi))
    zgrid = make_grid(0.0, 3.0, 1501)
    mu, sigma = 1.0, 0.1
    z_true = np.array([1.0, 1.15, 0.7, 1.02])
    pdfs = np.repeat(stats.norm.pdf(zgrid, mu, sigma)[None, :], len(z_true), axis=0)
    u = (z_true - mu) / sigma
    exact = sigma * (u * (2 * stats.norm.cdf(u) - 1) + 2 * stats.norm.pdf(u) - 1 / math.sqrt(
        math.pi))
    np.testing.assert_allclose(crps(pdfs, zgrid, z_true), exact, atol=1e-3)


def test_crps_normalises_the_pdfs():
    # a PDF scaled by 7 is the same distribution
    np.testing.assert_allclose(crps(7 * TRI, TRI_GRID, [0.5]), [7 / 24])


# ---------------------------------------------------------------------------------------
# CDE loss, coverage, n(z)
# ---------------------------------------------------------------------------------------


def test_cde_loss_by_hand():
    # uniform on [0, 1]: int p^2 = 1, p(z_true) = 1 -> 1 - 2 = -1
    assert cde_loss(uniform(2), UNIT_GRID, [0.3, 0.777]) == pytest.approx(-1.0)
    # triangle: int p^2 = 2 * (1 (0 + 0 + 1)/3) = 2/3 (exact for the piecewise-linear PDF).
    # z_true = 0.5: p = 0.5 -> 2/3 - 1 = -1/3; z_true = 5 (off the grid): p = 0 -> 2/3;
    # mean (-1/3 + 2/3) / 2 = 1/6
    assert cde_loss(np.repeat(TRI, 2, axis=0), TRI_GRID, [0.5, 5.0]) == pytest.approx(1 / 6)


def test_interval_coverage_by_hand():
    # uniform on [0, 1]: 68% interval [0.16, 0.84], 95% [0.025, 0.975]
    # z_true 0.5 (in both), 0.1 (only 95), 0.9 (only 95), 0.99 (neither) -> 1/4, 3/4
    cov = interval_coverage(uniform(4), UNIT_GRID, [0.5, 0.1, 0.9, 0.99])
    assert cov == {"coverage_68": pytest.approx(0.25), "coverage_95": pytest.approx(0.75)}
    # other levels get their own key: 50% interval [0.25, 0.75] holds 0.5 only
    cov = interval_coverage(uniform(4), UNIT_GRID, [0.5, 0.1, 0.9, 0.99], levels=[0.5, 0.683])
    assert cov == {"coverage_50": pytest.approx(0.25), "coverage_68.3": pytest.approx(0.25)}


def test_interval_coverage_checks():
    with pytest.raises(AstrolearnInputError, match="level"):
        interval_coverage(uniform(1), UNIT_GRID, [0.5], levels=[1.5])
    with pytest.raises(AstrolearnInputError, match="repeat"):
        interval_coverage(uniform(1), UNIT_GRID, [0.5], levels=[0.68, 0.68])
    with pytest.raises(AstrolearnInputError, match="levels is empty"):
        interval_coverage(uniform(1), UNIT_GRID, [0.5], levels=[])


def test_nz_comparison_by_hand():
    # grid 0, 0.25, 0.5, 0.75, 1; histogram edges -0.125, 0.125, ..., 1.125.
    # z_true 0.25 -> bin 1; 0.75 and 0.8 -> bin 3; 2.0 -> outside.
    # nz_true = count / (3 inside * 0.25 width) = [0, 4/3, 0, 8/3, 0] (integral 1)
    zgrid = make_grid(0.0, 1.0, 5)
    table, summary = nz_comparison(np.ones((4, 5)), zgrid, [0.25, 0.75, 0.8, 2.0])
    assert list(table.columns) == ["z", "nz_stacked", "nz_true"]
    np.testing.assert_allclose(table["z"], zgrid)
    np.testing.assert_allclose(table["nz_stacked"], 1.0)
    np.testing.assert_allclose(table["nz_true"], [0, 4 / 3, 0, 8 / 3, 0])
    assert table.attrs["n_outside_grid"] == 1
    # stacked CDF at the grid: 0, .25, .5, .75, 1; ECDF of z_true (n = 4): 0, .25, .25, .5,
    # .75; largest difference 0.25
    assert summary["nz_ks"] == pytest.approx(0.25)
    # means: stacked 0.5; true (0.25 + 0.75 + 0.8 + 2.0) / 4 = 0.95; difference -0.45
    assert summary["mean_z_stacked"] == pytest.approx(0.5)
    assert summary["mean_z_true"] == pytest.approx(0.95)
    assert summary["delta_mean_z"] == pytest.approx(-0.45)


def test_nz_comparison_counts_each_object_once():
    # [2, 2, 2] normalises to [0.5, 0.5, 0.5], the triangle is [0, 1, 0]; their mean is
    # [0.25, 0.75, 0.25] (integral (0.25 + 0.75)/2 + (0.75 + 0.25)/2 = 1), mean z = 1
    table, summary = nz_comparison([[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]], TRI_GRID, [1.0, 1.0])
    np.testing.assert_allclose(table["nz_stacked"], [0.25, 0.75, 0.25])
    assert summary["delta_mean_z"] == pytest.approx(0.0, abs=1e-12)


def test_pdf_metrics_by_hand():
    # two uniform PDFs on [0, 1], z_true 0.25 and 0.75
    m = pdf_metrics(uniform(2), UNIT_GRID, [0.25, 0.75])
    assert set(m) == {"crps", "cde_loss", "pit_ks", "pit_ks_pvalue", "pit_cvm",
                      "pit_cvm_pvalue", "pit_outlier_frac", "coverage_68", "coverage_95",
                      "nz_ks", "delta_mean_z"}
    # CRPS (t^3 + (1-t)^3)/3 = 7/48 for both t = 0.25 and t = 0.75
    assert m["crps"] == pytest.approx(7 / 48)
    assert m["cde_loss"] == pytest.approx(-1.0)
    # PIT = z_true = [0.25, 0.75]: KS 0.25, CvM 1/24 (see test_pit_statistics_by_hand)
    assert m["pit_ks"] == pytest.approx(0.25)
    assert m["pit_cvm"] == pytest.approx(1 / 24)
    assert m["pit_outlier_frac"] == 0.0
    # both inside [0.16, 0.84]
    assert m["coverage_68"] == 1.0 and m["coverage_95"] == 1.0
    # CDF z against ECDF (0, .5, 1 with jumps at .25, .75): 0.25 at z = 0.25 and 0.75
    assert m["nz_ks"] == pytest.approx(0.25)
    assert m["delta_mean_z"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("pdfs", "zgrid", "z_true", "match"),
    [
        (np.ones((2, 4)), UNIT_GRID, [0.1, 0.2], "pdfs has shape"),
        (np.ones((2, 101)), UNIT_GRID, [0.1], "1 true redshifts for 2 PDFs"),
        (np.ones((1, 3)), [0.0, 0.1, 0.5], [0.1], "not uniform"),
        (np.ones((1, 3)), [0.0, 0.5, 0.2], [0.1], "not strictly increasing"),
        (np.ones((1, 2)), [0.0, 0.5], [0.1], "at least 3 points"),
        (np.array([[1.0, np.nan, 1.0]]), TRI_GRID, [0.1], "non-finite"),
        (np.array([[1.0, -1.0, 1.0]]), TRI_GRID, [0.1], "negative"),
        (np.zeros((1, 3)), TRI_GRID, [0.1], "zero on the whole grid"),
        (TRI, TRI_GRID, [np.nan], "z_true has 1 non-finite"),
        (np.ones((0, 3)), TRI_GRID, [], "pdfs is empty"),
    ],
)
def test_pdf_inputs_are_checked(pdfs, zgrid, z_true, match):
    for function in (crps, cde_loss, interval_coverage, nz_comparison):
        with pytest.raises(AstrolearnInputError, match=match):
            function(pdfs, zgrid, z_true)


# ---------------------------------------------------------------------------------------
# Binned metrics
# ---------------------------------------------------------------------------------------


def test_binned_photoz_metrics_by_hand():
    # quantity (a magnitude) puts objects 1-3 in [17, 19), object 4 in [19, 21), [21, 23]
    # gets nothing and object 5 (NaN) is skipped.
    quantity = [17.0, 18.0, 18.5, 20.0, np.nan]
    table = binned_photoz_metrics(Z_PHOT, Z_SPEC, quantity, bins=[17, 19, 21, 23])
    assert list(table.columns) == ["bin_low", "bin_high", "n", "bias_median", "bias_mean",
                                   "sigma_nmad", "sigma_iqr", "outlier_frac",
                                   "outlier_frac_rail", "outlier_threshold_rail"]
    assert table["n"].tolist() == [3, 1, 0]
    assert table["bin_low"].tolist() == [17.0, 19.0, 21.0]
    # bin 1: dz 0, 0.01, -0.02 -> median 0, mean -0.01/3; |dz| median 0.01 -> NMAD 0.014826
    assert table.loc[0, "bias_median"] == pytest.approx(0.0, abs=1e-12)
    assert table.loc[0, "bias_mean"] == pytest.approx(-0.01 / 3)
    assert table.loc[0, "sigma_nmad"] == pytest.approx(0.014826)
    # bin 2: dz 0.1 -> median and mean 0.1, NMAD 0; not a 0.15 outlier but a RAIL one (0.06)
    assert table.loc[1, "bias_median"] == pytest.approx(0.1)
    assert table.loc[1, "outlier_frac"] == 0.0 and table.loc[1, "outlier_frac_rail"] == 1.0
    # empty bin: NaN metrics
    assert table.loc[2, ["bias_median", "sigma_nmad"]].isna().all()
    assert table.attrs == {"n_missing_values": 1, "n_out_of_range": 0}


def test_binned_photoz_metrics_with_pdfs_by_hand():
    # uniform PDFs on [0, 1]; z_spec 0.5, 0.25 in bin [0, 1), 0.99 in [1, 2]; quantity 5 is
    # out of range
    z_spec = [0.5, 0.25, 0.99, 0.5]
    table = binned_photoz_metrics([0.5, 0.3, 0.9, 0.5], z_spec, [0.0, 0.5, 1.5, 5.0],
                                  bins=[0, 1, 2], pdfs=uniform(4), zgrid=UNIT_GRID)
    assert table["n"].tolist() == [2, 1]
    # CRPS (t^3 + (1-t)^3)/3: t = 0.5 -> 1/12, t = 0.25 -> 7/48; mean (4/48 + 7/48)/2 = 11/96
    assert table.loc[0, "crps"] == pytest.approx(11 / 96)
    # PIT = t: [0.5, 0.25] -> KS D = max(0.5 - 0.25, 1 - 0.5, 0.25, 0.5 - 0.5) = 0.5
    assert table.loc[0, "pit_ks"] == pytest.approx(0.5)
    # 68% interval [0.16, 0.84]: 0.5 and 0.25 inside, 0.99 outside
    assert table["coverage_68"].tolist() == pytest.approx([1.0, 0.0])
    # t = 0.99: CRPS (0.99^3 + 0.01^3)/3
    assert table.loc[1, "crps"] == pytest.approx((0.99**3 + 0.01**3) / 3)
    assert table.attrs["n_out_of_range"] == 1


def test_binned_photoz_metrics_integer_bins_and_checks():
    table = binned_photoz_metrics(Z_PHOT, Z_SPEC, Z_SPEC, bins=3)  # edges 0, 1, 2, 3
    assert table["n"].tolist() == [2, 2, 1]  # z_spec 0, 0.5 | 1, 1 | 3 (last bin closed)
    with pytest.raises(AstrolearnInputError, match="together"):
        binned_photoz_metrics(Z_PHOT, Z_SPEC, Z_SPEC, bins=3, pdfs=uniform(5))
    with pytest.raises(AstrolearnInputError, match="different lengths"):
        binned_photoz_metrics(Z_PHOT, Z_SPEC, [1.0, 2.0], bins=3)
    with pytest.raises(AstrolearnInputError, match="strictly increasing"):
        binned_photoz_metrics(Z_PHOT, Z_SPEC, Z_SPEC, bins=[1, 1, 2])
    with pytest.raises(AstrolearnInputError, match="not numeric"):
        binned_photoz_metrics(Z_PHOT, Z_SPEC, ["a"] * 5, bins=3)
