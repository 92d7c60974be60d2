"""Tests of the shared label encoding of the network classifiers."""

from __future__ import annotations

import numpy as np
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.labels import encode_labels


def test_codes_counts_and_balanced_weights():
    enc = encode_labels(np.array(["b", "a", "b", "b"]), groups=[1, 1, 2, 2])
    assert enc.classes.tolist() == ["a", "b"]
    assert enc.codes.tolist() == [1, 0, 1, 1] and enc.codes.dtype == np.int64
    assert enc.counts == {"a": 1, "b": 3}
    # balanced: n / (n_classes * count) = 4 / (2 * 1) for "a", 4 / (2 * 3) for "b"
    np.testing.assert_allclose(enc.weights, [2 / 3, 2.0, 2 / 3, 2 / 3])
    assert enc.groups.tolist() == [1, 1, 2, 2]
    assert encode_labels(np.array(["a", "b"]), class_weight=None).weights is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"labels": np.array(["a", "a"])}, "only one class in the labels \\('a'\\)"),
    ({"labels": np.array(["a", "b"]), "groups": [1, 2, 3], "what": "views"},
     "3 groups for 2 views"),
    ({"labels": np.array(["a", "b"]), "class_weight": "equal"}, "class_weight must be"),
])
def test_bad_labels_are_named(kwargs, message):
    with pytest.raises(AstrolearnInputError, match=message) as err:
        encode_labels(**kwargs, file="train.npz")
    assert "train.npz" in str(err.value) or "class_weight" in message
