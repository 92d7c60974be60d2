"""Tests of astrolearn.explore.clustering: constructed cases that must and must not cluster."""

from __future__ import annotations

import json
from argparse import Namespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from astrolearn.errors import AstrolearnInputError
from astrolearn.explore.clustering import ClusteringResult, cluster_command, cluster_features
from astrolearn.report import Report

CLASSES = np.array(["GALAXY", "QSO", "STAR"])


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated 5-D Gaussian blobs of 300 rows, labelled by class name."""
    X, y = make_blobs(900, n_features=5, centers=3, cluster_std=1.0, random_state=1)
    return X, pd.Series(CLASSES[y], name="class")


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    from astrolearn.datasets import simulate_catalog

    path = tmp_path_factory.mktemp("cluster") / "catalog.parquet"
    simulate_catalog(2000, seed=0).to_parquet(path)
    return path


def _args(data, **overrides) -> Namespace:
    values = {"data": data, "hdf5_key": None, "bands": None, "errors": None,
              "colours": "adjacent", "features": None, "method": "kmeans", "n_clusters": 3,
              "label": "class", "n": 1500, "seed": 0, "out": None, "quiet": True}
    values.update(overrides)
    return Namespace(**values)


# ------------------------------------------------------------------ recovery of known blobs
@pytest.mark.parametrize("method", ["kmeans", "gmm", "hdbscan"])
def test_three_separated_blobs_are_recovered(blobs, method):
    X, truth = blobs
    result = cluster_features(X, method=method, n_clusters=3, truth=truth)
    assert isinstance(result, ClusteringResult)
    assert result.n_clusters == 3
    assert result.adjusted_rand > 0.95
    assert result.adjusted_mutual_info > 0.95
    assert result.per_cluster["purity"].tolist() == [1.0, 1.0, 1.0]
    assert sorted(result.per_cluster["majority"]) == sorted(CLASSES)
    assert sum(result.sizes.values()) == len(X)
    assert result.silhouette > 0.6
    assert result.truth_name == "class"


def test_single_blob_has_low_silhouette():
    X = np.random.default_rng(0).normal(size=(900, 5))
    result = cluster_features(X, method="kmeans", n_clusters=3)
    assert result.silhouette < 0.25
    assert result.adjusted_rand is None and result.per_cluster is None
    # HDBSCAN finds no cluster in one blob: everything is noise, and the silhouette is NaN
    hdb = cluster_features(X, method="hdbscan")
    assert hdb.n_clusters <= 1
    assert hdb.n_noise > 0 or hdb.n_clusters == 1


def test_clusters_numbered_by_size_and_reproducible():
    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(10, 1, (200, 2)), rng.normal(-10, 1, (100, 2))]
    first = cluster_features(X, n_clusters=3, random_state=7)
    assert list(first.sizes.items()) == [(0, 200), (1, 100), (2, 50)]
    again = cluster_features(X, n_clusters=3, random_state=7)
    np.testing.assert_array_equal(first.labels, again.labels)
    assert first.projection.shape == (len(X), 2)


def test_truth_with_a_different_number_of_classes_and_unknowns(blobs):
    X, _ = blobs
    # five labels over three blobs, and some rows without a label
    five = np.array([f"c{k}" for k in np.arange(len(X)) % 5], dtype=object)
    five[:10] = None
    result = cluster_features(X, n_clusters=3, truth=five)
    assert result.n_truth_rows == len(X) - 10
    assert [f"n_c{k}" for k in range(5)] == [c for c in result.per_cluster if c.startswith("n_")]
    assert result.per_cluster["n"].sum() == len(X) - 10
    assert abs(result.adjusted_rand) < 0.05  # labels unrelated to the blobs
    assert result.per_cluster["purity"].max() < 0.5


def test_hdbscan_keeps_and_reports_noise(blobs):
    X, truth = blobs
    far = np.random.default_rng(0).uniform(-60, 60, size=(30, X.shape[1]))
    data = np.r_[X, far]
    labels = pd.Series(np.r_[truth.to_numpy(), ["STAR"] * 30], name="class")
    result = cluster_features(data, method="hdbscan", truth=labels, min_cluster_size=50)
    assert result.n_clusters == 3
    assert result.n_noise >= 20
    assert -1 in result.sizes and result.labels.min() == -1
    assert -1 in result.per_cluster["cluster"].tolist()
    assert result.silhouette_rows == len(data) - result.n_noise
    assert "noise (-1)" in result.text()
    assert result.params["min_cluster_size"] == 50


def test_silhouette_uses_a_seeded_sample_of_at_most_5000_rows():
    X, _ = make_blobs(6000, n_features=2, centers=2, random_state=0)
    result = cluster_features(X, n_clusters=2)
    assert result.silhouette_rows == 5000
    assert result.silhouette == cluster_features(X, n_clusters=2).silhouette


# ------------------------------------------------------------------ outputs
def test_text_dict_and_report(blobs):
    X, truth = blobs
    result = cluster_features(X, n_clusters=3, truth=truth)
    text = result.text()
    assert "k-means: 3 clusters in 900 rows" in text and "adjusted Rand 1.000" in text
    assert "median/IQR" in text
    data = json.loads(json.dumps(result.to_dict()))
    assert data["adjusted_rand"] == pytest.approx(1.0)
    assert data["per_cluster"][0]["purity"] == 1.0
    html = result.add_to(Report("test")).to_html()
    assert "data:image/png;base64" in html and "Majority class" in html


# ------------------------------------------------------------------ bad input
def test_nan_names_the_column_and_the_fix():
    frame = pd.DataFrame({"g": [20.0, 21.0, 19.0], "g-r": [0.3, np.nan, 0.5]})
    with pytest.raises(AstrolearnInputError) as err:
        cluster_features(frame, n_clusters=2)
    assert err.value.column == "g-r"
    assert "PhotometryFeatures" in str(err.value) and "impute=True" in str(err.value)
    with pytest.raises(AstrolearnInputError) as err:
        cluster_features(np.array([[1.0, 2.0], [np.inf, 1.0], [0.0, 0.0]]), n_clusters=2)
    assert err.value.column == "0"


@pytest.mark.parametrize("kwargs, text", [
    ({"method": "dbscan"}, "unknown clustering method"),
    ({"n_clusters": 0}, "n_clusters"),
    ({"n_clusters": 50}, "n_clusters"),
    ({"not_a_parameter": 3}, "does not take"),
    ({"truth": ["a", "b"]}, "truth has shape"),
    ({"truth": [None] * 10}, "no known label"),
])
def test_bad_arguments_are_explained(kwargs, text):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(AstrolearnInputError, match=text):
        cluster_features(X, **{"n_clusters": 2, **kwargs})


def test_non_numeric_feature_is_refused():
    frame = pd.DataFrame({"r": [19.0, 20.0], "class": ["STAR", "QSO"]})
    with pytest.raises(AstrolearnInputError) as err:
        cluster_features(frame, n_clusters=2)
    assert err.value.column == "class"


# ------------------------------------------------------------------ command
def test_cluster_command_end_to_end(catalog_file, tmp_path, capsys):
    out = tmp_path / "clusters.png"
    messages = []
    result = cluster_command(_args(catalog_file, out=out), messages.append)
    assert result.n_rows == 1500 and result.n_clusters == 3
    assert result.truth_name == "class"
    assert 0.0 <= result.adjusted_rand <= 1.0
    printed = capsys.readouterr().out
    assert "adjusted Rand" in printed and "principal components" in printed
    assert out.read_bytes().startswith(b"\x89PNG")
    assert any("random 1,500" in m for m in messages)
    assert any("u-g" in m for m in messages)  # the features are named


def test_cluster_command_hdbscan_without_label(catalog_file, capsys):
    result = cluster_command(_args(catalog_file, method="hdbscan", label=None, n=800,
                                   features="g,r,i"), lambda _m: None)
    assert result.per_cluster is None
    assert "HDBSCAN" in capsys.readouterr().out


def test_cluster_command_bad_column_and_paths(catalog_file, tmp_path):
    with pytest.raises(AstrolearnInputError) as err:
        cluster_command(_args(catalog_file, label="clas"), lambda _m: None)
    assert err.value.column == "clas" and "did you mean class" in str(err.value)
    with pytest.raises(AstrolearnInputError, match="did you mean"):
        cluster_command(_args(catalog_file, features="g,rr"), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        cluster_command(_args(catalog_file, out=catalog_file), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="unknown figure format"):
        cluster_command(_args(catalog_file, out=tmp_path / "c.jpeg"), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="unknown --method"):
        cluster_command(_args(catalog_file, method="spectral"), lambda _m: None)


def test_cluster_command_explicit_features_with_nan(tmp_path):
    path = tmp_path / "cat.csv"
    pd.DataFrame({"g": [20.0, 21.0, 19.5, 20.2], "r": [19.5, np.nan, 19.0, 19.9],
                  "class": ["STAR", "QSO", "STAR", "GALAXY"]}).to_csv(path, index=False)
    with pytest.raises(AstrolearnInputError) as err:
        cluster_command(_args(path, features="g,r", n_clusters=2), lambda _m: None)
    assert err.value.column == "r" and str(path) in str(err.value)
    assert "--features" in str(err.value)


# ------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_sdss_clusters_are_not_classes(real_data_path):
    """k-means on SDSS ugriz + colours finds a galaxy-dominated cluster, not the classes."""
    from astrolearn.explore.embedding import catalog_features, sample_rows

    path = real_data_path("sdss", "sdss_dr17_100k.parquet")
    frame = sample_rows(pd.read_parquet(path, columns=["u", "g", "r", "i", "z", "class"]),
                        5000, random_state=0)
    features = catalog_features(frame, Namespace(features=None, bands=None, errors=None,
                                                 colours="adjacent"))
    result = cluster_features(features, n_clusters=3, truth=frame["class"])
    assert 0.1 < result.adjusted_rand < 0.5  # related to the classes, far from them
    top = result.per_cluster.iloc[0]
    assert top["majority"] == "GALAXY" and top["purity"] > 0.75
    assert 0.2 < result.silhouette < 0.5
