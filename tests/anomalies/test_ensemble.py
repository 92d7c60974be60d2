"""Tests of the rank ensemble and score_anomalies."""

from __future__ import annotations

import numpy as np
import pytest

from astrolearn.anomalies.ensemble import (
    make_scorer,
    normalised_rank,
    rank_ensemble,
    rank_positions,
    score_anomalies,
)
from astrolearn.anomalies.metrics import anomaly_metrics
from astrolearn.errors import AstrolearnInputError


def test_normalised_rank_and_ensemble_by_hand():
    assert normalised_rank([3.0, 1.0, 2.0]).tolist() == [1.0, 1 / 3, 2 / 3]
    # a: ranks 1/3, 2/3, 1; b: 1, 2/3, 1/3 -> mean 2/3 each
    np.testing.assert_allclose(rank_ensemble({"a": [1, 2, 3], "b": [9, 5, 1]}), [2 / 3] * 3)
    np.testing.assert_allclose(rank_ensemble({"a": [1, 2, 3], "b": [9, 5, 1]},
                                             weights={"a": 1.0, "b": 0.0}), [1 / 3, 2 / 3, 1])
    assert rank_positions(np.array([0.1, 0.5, 0.5, 0.9])).tolist() == [4, 2, 3, 1]


@pytest.mark.parametrize("call, match", [
    (lambda: rank_ensemble({}), "no scores"),
    (lambda: rank_ensemble({"a": [1, 2], "b": [1, 2, 3]}), "different numbers"),
    (lambda: rank_ensemble({"a": [1, 2]}, weights={"b": 1}), "missing"),
    (lambda: normalised_rank([1.0, np.nan]), "NaN"),
    (lambda: make_scorer("svm"), "unknown anomaly method"),
    (lambda: make_scorer("forest", depth=3), "bad options for forest"),
])
def test_errors(call, match):
    with pytest.raises(AstrolearnInputError, match=match):
        call()


def test_score_anomalies_finds_rare_objects_and_keeps_input():
    from astrolearn.datasets.galaxy_sim import simulate_galaxies

    images, truth = simulate_galaxies(300, size=32, anomaly_fraction=0.1, seed=4)
    before = images.copy()
    table, fitted = score_anomalies(
        images, [f"g{i}" for i in range(300)], method="ensemble", members=("forest", "autoencoder"),
        options={"forest": {"n_trees": 100, "n_components": 20},
                 "autoencoder": {"epochs": 4, "width": 4, "latent": 8, "num_threads": 1}},
        fit_size=200, random_state=1)
    np.testing.assert_array_equal(images, before)
    assert list(table.columns) == ["id", "score", "rank", "score_forest", "rank_forest",
                                   "score_autoencoder", "rank_autoencoder"]
    assert sorted(table["rank"]) == list(range(1, 301))
    assert table.loc[table["rank"] == 1, "score"].iloc[0] == table["score"].max()
    assert fitted["features"].shape == (300, 20) and set(fitted["scorers"]) == {
        "forest", "autoencoder"}
    metrics = anomaly_metrics(truth["is_anomaly"], table["score"])
    assert metrics["roc_auc"] > 0.85 and metrics["average_precision"] > 0.5
    with pytest.raises(AstrolearnInputError, match="fit_size"):
        score_anomalies(images[:10], method="forest", fit_size=1)
    with pytest.raises(AstrolearnInputError, match="ids"):
        score_anomalies(images[:10], ["a"], method="forest")


def test_saved_scorers_load_through_the_model_registry(tmp_path):
    from astrolearn.datasets.galaxy_sim import simulate_galaxies
    from astrolearn.images.preprocess import prepare_images
    from astrolearn.persist import load_model

    images = prepare_images(simulate_galaxies(40, size=32, anomaly_fraction=0.1, seed=6)[0])
    scorer = make_scorer("autoencoder", epochs=1, width=4, latent=4, num_threads=1)
    scorer.fit(images).save(tmp_path / "ae")
    loaded = load_model(tmp_path / "ae")
    assert type(loaded).__name__ == "AutoencoderScorer"
    np.testing.assert_allclose(loaded.anomaly_score(images), scorer.anomaly_score(images),
                               rtol=1e-5)
