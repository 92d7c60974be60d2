"""Tests of astrolearn.photoz.evaluation: the point estimate it scores, and the z_risk table."""

from __future__ import annotations

import numpy as np
import pytest

from astrolearn.photoz.evaluation import evaluate_photoz, risk_table
from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid, pdf_best, pdf_mean
from astrolearn.report import Report

GRID = make_grid(0.0, 2.0, 201)


def sharp_and_broad():
    """Four objects at z = 0.5: two sharp PDFs on the truth, two broad ones far off."""
    z = np.full(4, 0.5)
    pdfs = gaussian_mixture_on_grid(GRID, [[0.5], [0.5], [1.2], [1.3]],
                                    [[0.01], [0.01], [0.3], [0.3]], np.ones((4, 1)))
    return z, pdfs


def test_risk_table_by_hand():
    z, pdfs = sharp_and_broad()
    z_best, z_risk = pdf_best(pdfs, GRID)
    # the sharp PDFs have near-zero risk and z_best at the truth; the broad ones are the
    # outliers: dz = (z_best - 0.5) / 1.5 > 0.15 for z_best near 1.2 and 1.3
    assert z_risk[:2].max() < 0.01 < z_risk[2:].min()
    np.testing.assert_allclose(z_best[:2], 0.5, atol=0.005)
    assert np.all(z_best[2:] > 0.5 + 0.15 * 1.5)
    table = risk_table(z, pdfs, GRID, fractions=(0.5, 1.0))
    assert table["kept"].tolist() == [0.5, 1.0]
    assert table["n"].tolist() == [2, 4]
    assert table["outlier_frac"].tolist() == [0.0, 0.5]
    assert table["z_risk_cut"].iloc[0] == pytest.approx(z_risk[:2].max())
    assert table["z_risk_cut"].iloc[1] == pytest.approx(z_risk.max())


def test_evaluation_scores_the_point_estimate_it_names():
    z, pdfs = sharp_and_broad()
    mean = evaluate_photoz(z, pdfs, GRID, point_estimate="mean")
    np.testing.assert_allclose(mean.figures_data["z_point"], pdf_mean(pdfs, GRID))
    best = evaluate_photoz(z, pdfs, GRID)
    assert best.point_estimate == "best"
    np.testing.assert_allclose(best.figures_data["z_point"], pdf_best(pdfs, GRID)[0])


def test_evaluation_reports_the_risk_table():
    z, pdfs = sharp_and_broad()
    evaluation = evaluate_photoz(z, pdfs, GRID)
    assert evaluation.by_risk is not None and len(evaluation.by_risk) == 5
    assert evaluation.by_risk["outlier_frac"].iloc[-1] == evaluation.summary["outlier_frac"]
    assert "lowest z_risk" in evaluation.text()
    html = evaluation.add_to(Report("photo-z")).to_html()
    assert "a cut on z_risk trades objects for fewer outliers" in html
