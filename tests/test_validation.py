"""Sky-grouped folds, cross-validated predictions and duplicate detection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from astrolearn.errors import AstrolearnInputError
from astrolearn.validation import (
    SkyGroupKFold,
    cross_validate_classifier,
    find_duplicates,
    make_splitter,
    sky_cells,
)


def _sky(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"ra": rng.uniform(0, 360, n),
                         "dec": np.degrees(np.arcsin(rng.uniform(-1, 1, n)))}), rng


def test_sky_cells_match_healpix_geometry():
    # nside=1 has 12 base pixels; the north pole lies in 0-3, the south pole in 8-11 (nested)
    assert 0 <= sky_cells([0.0], [89.9], nside=1)[0] <= 3
    assert 8 <= sky_cells([0.0], [-89.9], nside=1)[0] <= 11
    assert len(np.unique(sky_cells(*_sky(20000)[0].to_numpy().T, nside=2))) == 48
    with pytest.raises(AstrolearnInputError, match="RA/Dec"):
        sky_cells([10.0], [np.nan])


def test_no_sky_cell_straddles_folds_and_every_row_is_tested_once():
    frame, rng = _sky()
    y = rng.choice(["GALAXY", "STAR", "QSO"], len(frame), p=[0.6, 0.25, 0.15])
    cv = SkyGroupKFold(5, nside=8)
    seen = np.zeros(len(frame), dtype=int)
    cells = sky_cells(frame.ra, frame.dec, 8)
    for train, test in cv.split(frame, y):
        assert not set(cells[train]) & set(cells[test])
        seen[test] += 1
        # stratified: each class keeps roughly its share in each fold
        assert abs(np.mean(y[test] == "QSO") - 0.15) < 0.05
    assert np.all(seen == 1)


def test_too_few_cells_is_explained():
    frame = pd.DataFrame({"ra": [10.0, 10.1, 10.2], "dec": [0.0, 0.1, 0.0]})
    with pytest.raises(AstrolearnInputError, match="nside"):
        list(SkyGroupKFold(3).split(frame, ["a", "b", "a"]))
    with pytest.raises(AstrolearnInputError, match="--ra"):
        make_splitter("sky", 3)


def test_cross_validation_returns_out_of_fold_probabilities():
    frame, _ = _sky(600)
    y = np.where(frame["dec"] > 0, "N", "S")
    result = cross_validate_classifier(LogisticRegression(), frame[["dec"]], y,
                                       make_splitter("stratified", 3))
    assert np.isfinite(result.proba).all() and set(result.fold) == {0, 1, 2}
    assert np.mean(result.predicted == y) > 0.95
    assert len(result.fit_seconds) == 3


def test_exact_duplicates_between_train_and_test():
    train = pd.DataFrame({"u": [20.0, 21.0, 22.0], "g": [19.0, 20.0, 21.0]})
    test = pd.DataFrame({"u": [21.0, 21.0, 25.0, 20.0], "g": [20.0, 20.5, 21.0, 19.0]})
    report = find_duplicates(train, test, ["u", "g"])
    assert report.test_rows.tolist() == [0, 3]
    assert report.fraction == 0.5
    assert "2 of 4 test rows" in report.message()
    assert find_duplicates(train, test.iloc[[2]]).n_duplicates == 0
