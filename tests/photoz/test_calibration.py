"""Tests of astrolearn.photoz.calibration.PITRecalibration on Gaussian PDFs of known width."""

from __future__ import annotations

import json

import numpy as np
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.calibration import PITRecalibration
from astrolearn.photoz.metrics import interval_coverage, pit_statistics
from astrolearn.photoz.pdf import (
    gaussian_mixture_on_grid,
    make_grid,
    pdf_interval,
    pdf_median,
    pit_values,
)

N = 4000
SCATTER = 0.1  # true scatter of the point estimates around the truth
ZGRID = make_grid(0.0, 2.2, 221)
FIT, TEST = slice(0, N // 2), slice(N // 2, N)


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.5, 1.5, N)
    guess = truth + rng.normal(0.0, SCATTER, N)
    return truth, guess


def gaussian_pdfs(guess: np.ndarray, width: float) -> np.ndarray:
    n = guess.size
    return gaussian_mixture_on_grid(ZGRID, guess[:, None], np.full((n, 1), width),
                                    np.ones((n, 1)))


@pytest.fixture(scope="module")
def overconfident(sample):
    truth, guess = sample
    pdfs = gaussian_pdfs(guess, SCATTER / 2)
    cal = PITRecalibration().fit(pit_values(pdfs[FIT], ZGRID, truth[FIT]))
    return pdfs, cal


def width68(pdfs: np.ndarray) -> np.ndarray:
    lo, hi = pdf_interval(pdfs, ZGRID, 0.68)
    return hi - lo


def test_overconfident_pdfs_are_recalibrated(sample, overconfident):
    truth, _ = sample
    pdfs, cal = overconfident
    before = interval_coverage(pdfs[TEST], ZGRID, truth[TEST])["coverage_68"]
    # a 68% interval of half the true width covers P(|N| < 0.4945) = 0.379 of the truths
    assert before < 0.45
    after_pdfs = cal.transform(pdfs[TEST], ZGRID)
    after = interval_coverage(after_pdfs, ZGRID, truth[TEST])
    assert after["coverage_68"] == pytest.approx(0.68, abs=0.05)
    assert after["coverage_95"] == pytest.approx(0.95, abs=0.04)
    # PIT becomes much closer to uniform (KS 0.17 -> ~0.02 on this sample)
    ks_before = pit_statistics(pit_values(pdfs[TEST], ZGRID, truth[TEST]))["ks"]
    ks_after = pit_statistics(pit_values(after_pdfs, ZGRID, truth[TEST]))["ks"]
    assert ks_before > 0.12
    assert ks_after < 0.05
    assert ks_after < ks_before / 3


def test_recalibration_widens_by_the_missing_factor(overconfident):
    pdfs, cal = overconfident
    after = cal.transform(pdfs[TEST], ZGRID)
    # the PDFs were half as wide as they should be: the intervals roughly double
    ratio = width68(after) / width68(pdfs[TEST])
    assert 1.7 < np.median(ratio) < 2.3
    # the PDFs stay centred on the guess (the PIT distribution is symmetric)
    assert np.max(np.abs(pdf_median(after, ZGRID) - pdf_median(pdfs[TEST], ZGRID))) < 0.02


def test_transform_gives_normalised_pdfs(overconfident):
    pdfs, cal = overconfident
    after = cal.transform(pdfs[:50], ZGRID)
    assert after.shape == (50, ZGRID.size)
    assert np.all(after >= 0)
    np.testing.assert_allclose(np.trapezoid(after, ZGRID, axis=1), 1.0, rtol=1e-10)


def test_calibrated_pdfs_stay_nearly_unchanged(sample):
    truth, guess = sample
    pdfs = gaussian_pdfs(guess, SCATTER)
    cal = PITRecalibration().fit(pit_values(pdfs[FIT], ZGRID, truth[FIT]))
    after = cal.transform(pdfs[TEST], ZGRID)
    change = np.abs(width68(after) / width68(pdfs[TEST]) - 1.0)
    assert change.max() < 0.05  # measured: 0.014
    assert np.max(np.abs(pdf_median(after, ZGRID) - pdf_median(pdfs[TEST], ZGRID))) < 0.01
    coverage = interval_coverage(after, ZGRID, truth[TEST])["coverage_68"]
    assert coverage == pytest.approx(0.68, abs=0.04)


def test_identity_map_for_uniform_pit():
    # exactly uniform PIT quantiles: the map G is the identity and PDFs are unchanged
    cal = PITRecalibration().fit(np.linspace(0.0, 1.0, 1001))
    pdfs = gaussian_pdfs(np.array([0.7, 1.3]), 0.08)
    np.testing.assert_allclose(cal.transform(pdfs, ZGRID), pdfs, rtol=1e-4, atol=1e-8)


def test_knot_count_follows_objects_per_knot():
    pit = np.random.default_rng(1).uniform(size=2000)
    # 2000 // 75 = 26 knots -> 27 levels
    assert PITRecalibration().fit(pit).knots_.size == 27
    # clipped to 5 and 50 knots
    assert PITRecalibration(objects_per_knot=1000).fit(pit).knots_.size == 6
    assert PITRecalibration(objects_per_knot=1).fit(pit).knots_.size == 51
    knots = PITRecalibration().fit(pit).knots_
    assert knots[0] == 0.0 and knots[-1] == 1.0 and np.all(np.diff(knots) > 0)


def test_ties_at_the_ends_still_give_a_monotone_map():
    # many true redshifts off the PDFs: PIT values stuck at 0 and 1
    pit = np.concatenate([np.zeros(300), np.ones(300), np.linspace(0, 1, 400)])
    cal = PITRecalibration().fit(pit)
    assert np.all(np.diff(cal.knots_) > 0)
    after = cal.transform(gaussian_pdfs(np.array([1.0]), 0.1), ZGRID)
    assert np.isfinite(after).all() and np.all(after >= 0)


def test_state_round_trip(sample, overconfident):
    pdfs, cal = overconfident
    state = json.loads(json.dumps(cal.get_state()))  # JSON-serialisable
    assert state["objects_per_knot"] == 75
    again = PITRecalibration.from_state(state)
    np.testing.assert_array_equal(again.knots_, cal.knots_)
    np.testing.assert_array_equal(again.levels_, cal.levels_)
    np.testing.assert_array_equal(again.transform(pdfs[TEST][:200], ZGRID),
                                  cal.transform(pdfs[TEST][:200], ZGRID))


@pytest.mark.parametrize("pit", [np.full(49, 0.5), [], np.r_[np.full(99, 0.5), np.nan],
                                 np.r_[np.full(99, 0.5), np.inf]])
def test_too_few_or_invalid_pit_values_raise(pit):
    with pytest.raises(AstrolearnInputError, match="50 finite PIT"):
        PITRecalibration().fit(pit)


def test_fifty_pit_values_suffice():
    cal = PITRecalibration().fit(np.linspace(0.01, 0.99, 50))
    assert cal.knots_.size == 6  # 50 // 75 = 0 -> at least 5 knots
