"""Rates-independent training weights: every class weighs the same in each redshift bin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.classifier import TransientClassifier
from astrolearn.transients.weighting import redshift_class_weights


def test_weights_by_hand():
    # bins between 0.1 and 1.0 (two log bins split at 0.316); galactic objects apart
    z = [0.1, 0.12, 0.15, 0.9, 1.0, 0.0, np.nan]
    codes = [0, 0, 1, 1, 0, 1, 1]
    w = redshift_class_weights(z, codes, n_bins=2, min_count=1)
    # cells: low bin (class 0: 2, class 1: 1); high bin (class 0: 1, class 1: 1);
    # galactic/unknown (class 1: 2) -> raw weights 1/2, 1/2, 1, 1, 1, 1/2, 1/2
    raw = np.array([0.5, 0.5, 1, 1, 1, 0.5, 0.5])
    np.testing.assert_allclose(w, raw / raw.mean())
    # the floor: with min_count 2 every cell counts as at least two objects
    floored = np.array([0.5] * 7)
    np.testing.assert_allclose(redshift_class_weights(z, codes, n_bins=2, min_count=2),
                               floored / floored.mean())


def test_each_class_weighs_the_same_in_every_populated_bin():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.uniform(0.05, 0.3, 300), rng.uniform(0.3, 1.0, 60)])
    codes = np.concatenate([rng.integers(0, 2, 300), np.ones(50, int), np.zeros(10, int)])
    w = redshift_class_weights(z, codes, n_bins=4, min_count=1)
    edges = np.geomspace(z.min(), z.max(), 5)
    cell = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, 3)
    totals = {(b, c): w[(cell == b) & (codes == c)].sum()
              for b in range(4) for c in (0, 1) if ((cell == b) & (codes == c)).any()}
    np.testing.assert_allclose(list(totals.values()), next(iter(totals.values())))


def test_bad_input_is_named():
    with pytest.raises(AstrolearnInputError, match="3 redshifts for 2 class codes"):
        redshift_class_weights([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(AstrolearnInputError, match="n_bins"):
        redshift_class_weights([0.1], [0], n_bins=0)


def test_classifier_uses_the_spectroscopic_redshift_and_balances_classes(des_pair):
    lc, meta = des_pair
    clf = TransientClassifier(survey="des", augment_redshift="z_spec", redshift_bins=3)
    table = pd.DataFrame({"object_id": [1, 2, 3, 4], "redshift": [0.3, 0.9, 0.3, 0.9],
                          "z_spec": [0.9, np.nan, 0.3, 0.9]})
    w = clf._redshift_weights(table, [1, 2, 3, 4], np.array([0, 0, 1, 1]), file=None)
    # object 1 is moved to its spectroscopic 0.9, object 2 keeps its photo-z: both high
    np.testing.assert_allclose(w, redshift_class_weights([0.9, 0.9, 0.3, 0.9], [0, 0, 1, 1], 3))
    with pytest.raises(AstrolearnInputError, match="redshift_bins needs a redshift"):
        TransientClassifier(redshift=None, redshift_bins=3)._redshift_weights(
            table[["object_id"]], [1], np.array([0]), file="meta.csv")
    fitted = TransientClassifier(survey="des", model_params={"n_estimators": 5},
                                 redshift_bins=4).fit(lc, "label", objects=meta)
    assert fitted.predict_proba(lc, meta).shape == (len(meta), 2)
