"""Class offsets tuned for macro-F1 (astrolearn.decision)."""

from __future__ import annotations

import numpy as np
import pytest

from astrolearn import metrics
from astrolearn.decision import _macro_f1, decide, fit_class_offsets
from astrolearn.errors import AstrolearnInputError


def test_offsets_by_hand():
    # log(p1 / p0) = -1.386, -0.847, -0.405: class 1 for the last two rows needs the class-0
    # offset in (-1.386, -0.847); the first sweep sets it to the grid value nearest 0, -0.9,
    # and then keeps class 1 at 0 (any value in (-0.053, 0.486) is as good)
    proba = np.array([[0.8, 0.2], [0.7, 0.3], [0.6, 0.4]])
    offsets = fit_class_offsets(np.array([0, 1, 1]), proba)
    np.testing.assert_allclose(offsets, [-0.9, 0.0])
    assert decide(proba).tolist() == [0, 0, 0]
    assert decide(proba, offsets).tolist() == [0, 1, 1]


def test_fast_macro_f1_matches_the_metric():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 200)
    predicted = np.where(rng.random(200) < 0.6, truth, rng.integers(0, 5, 200))
    truth[truth == 3] = 2  # class 3 only among predictions; nothing is class 4 in truth
    assert _macro_f1(truth, predicted, 5) == pytest.approx(
        metrics.macro_f1(truth, predicted))


def test_rare_class_recovered_and_absent_class_untouched():
    rng = np.random.default_rng(0)
    truth = np.r_[np.zeros(300, int), np.ones(20, int)]
    # the rare class scores a little higher on its members, but never wins the argmax
    p1 = np.where(truth == 1, rng.uniform(0.25, 0.45, truth.size), rng.uniform(0.0, 0.3,
                                                                               truth.size))
    proba = np.column_stack([1 - p1 - 0.01, p1, np.full(truth.size, 0.01)])
    before = _macro_f1(truth, decide(proba), 3)
    offsets = fit_class_offsets(truth, proba)
    after = _macro_f1(truth, decide(proba, offsets), 3)
    assert before < 0.5 < 0.85 < after
    assert offsets[2] == 0.0  # no held-out example of class 2


def test_bad_input():
    proba = np.array([[0.5, 0.5]])
    with pytest.raises(AstrolearnInputError, match=r"class codes in 0\.\.1"):
        fit_class_offsets(np.array([2]), proba)
    with pytest.raises(AstrolearnInputError, match="no held-out examples"):
        fit_class_offsets(np.array([], int), np.zeros((0, 2)))
    with pytest.raises(AstrolearnInputError, match="finite, non-negative"):
        decide(np.array([[np.nan, 1.0]]))
    with pytest.raises(AstrolearnInputError, match="3 class offsets for 2 classes"):
        decide(proba, np.zeros(3))
