"""Tests of astrolearn.explore.embedding and astrolearn.explore.figures."""

from __future__ import annotations

import json
from argparse import Namespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import make_blobs
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from astrolearn.errors import AstrolearnInputError
from astrolearn.explore.embedding import (
    Embedding,
    catalog_features,
    embed,
    embed_command,
    feature_matrix,
    sample_rows,
)
from astrolearn.explore.figures import (
    is_categorical,
    plot_clusters,
    plot_embedding_overlay,
    plot_embedding_pair,
)
from astrolearn.report import Report

CLASSES = np.array(["GALAXY", "QSO", "STAR"])
NAMES = ["u", "g", "r", "i", "z"]


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated 5-D blobs: 600 training rows and 90 new rows from the same blobs."""
    X, y = make_blobs(690, n_features=5, centers=3, cluster_std=1.0, random_state=1)
    frame = pd.DataFrame(X, columns=NAMES)
    return frame.iloc[:600], y[:600], frame.iloc[600:], y[600:]


@pytest.fixture(scope="module")
def tsne(blobs):
    train, _, _, _ = blobs
    return embed(train, method="tsne", random_state=0)


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    from astrolearn.datasets import simulate_catalog

    path = tmp_path_factory.mktemp("embed") / "catalog.parquet"
    simulate_catalog(2000, seed=0).to_parquet(path)
    return path


def _knn_accuracy(coords, y) -> float:
    return float(cross_val_score(KNeighborsClassifier(15), coords, y, cv=5).mean())


def _placed_in_own_blob(embedding: Embedding, train_y, new, new_y) -> float:
    placed = embedding.transform(new)
    nearest = NearestNeighbors(n_neighbors=1).fit(embedding.coords).kneighbors(placed)[1][:, 0]
    return float(np.mean(train_y[nearest] == new_y))


# ------------------------------------------------------------------ t-SNE
def test_tsne_keeps_blobs_apart_and_places_new_points(tsne, blobs):
    _, y, new, new_y = blobs
    assert isinstance(tsne, Embedding)
    assert tsne.coords.shape == (600, 2) and tsne.method == "tsne" and tsne.seconds > 0
    assert tsne.feature_names == NAMES
    assert _knn_accuracy(tsne.coords, y) > 0.95
    assert _placed_in_own_blob(tsne, y, new, new_y) > 0.95
    # the same rows, columns in another order, land in the same places
    reordered = tsne.transform(new[NAMES[::-1]])
    np.testing.assert_allclose(reordered, tsne.transform(new), atol=1e-8)
    assert tsne.transform(new.iloc[:0]).shape == (0, 2)


def test_tsne_is_reproducible(tsne, blobs):
    again = embed(blobs[0], method="tsne", random_state=0)
    np.testing.assert_allclose(again.coords, tsne.coords)


def test_transform_checks_its_input(tsne, blobs):
    new = blobs[2]
    with pytest.raises(AstrolearnInputError, match="column not found"):
        tsne.transform(new.drop(columns="g"))
    bad = new.copy()
    bad.iloc[3, 2] = np.nan
    with pytest.raises(AstrolearnInputError) as err:
        tsne.transform(bad)
    assert err.value.column == "r"
    array_fit = embed(np.random.default_rng(0).normal(size=(40, 3)), perplexity=8)
    with pytest.raises(AstrolearnInputError, match="4 feature columns given, the embedding"):
        array_fit.transform(np.zeros((2, 4)))


def test_embedding_text_dict_report(tsne, blobs):
    assert "t-SNE of 600 rows x 5 features (u, g, r, i, z)" in tsne.text()
    data = json.loads(json.dumps(tsne.to_dict()))
    assert data["n_rows"] == 600 and data["params"]["perplexity"] == 30.0
    html = tsne.add_to(Report("t"), {"blob": CLASSES[blobs[1]]}).to_html()
    assert "data:image/png;base64" in html


@pytest.mark.slow
def test_umap_keeps_blobs_apart_places_new_points_and_is_reproducible(blobs):
    train, y, new, new_y = blobs
    first = embed(train, method="umap", random_state=0)
    assert first.coords.shape == (600, 2) and first.method == "umap"
    assert _knn_accuracy(first.coords, y) > 0.95
    assert _placed_in_own_blob(first, y, new, new_y) > 0.95
    again = embed(train, method="umap", random_state=0)
    np.testing.assert_allclose(again.coords, first.coords)


@pytest.mark.parametrize("kwargs, text", [
    ({"method": "pca"}, "unknown embedding method"),
    ({"n_components": 0}, "n_components"),
    ({"perplexity": -1.0}, "perplexity"),
])
def test_embed_bad_settings(kwargs, text):
    with pytest.raises(AstrolearnInputError, match=text):
        embed(np.zeros((10, 2)), **kwargs)


def test_embed_refuses_nan_and_tiny_tables():
    frame = pd.DataFrame({"u": [20.0, np.nan, 21.0, 19.0, 22.0], "g": [19.0] * 5})
    with pytest.raises(AstrolearnInputError) as err:
        embed(frame)
    assert err.value.column == "u" and "impute=True" in str(err.value)
    with pytest.raises(AstrolearnInputError, match="too few"):
        embed(np.zeros((3, 2)))
    with pytest.raises(AstrolearnInputError, match="2-D"):
        feature_matrix(np.zeros(5))


# ------------------------------------------------------------------ helpers
def test_sample_rows_is_deterministic_and_keeps_order():
    frame = pd.DataFrame({"r": np.arange(100.0)}, index=np.arange(100) * 2)
    first = sample_rows(frame, 10, random_state=4)
    assert len(first) == 10 and first.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(first, sample_rows(frame, 10, random_state=4))
    assert not first.equals(sample_rows(frame, 10, random_state=5))
    assert sample_rows(frame, 100) is frame and sample_rows(frame, None) is frame
    assert sample_rows(np.arange(10), 3).shape == (3,)


def test_catalog_features_default_and_explicit(catalog_file):
    frame = pd.read_parquet(catalog_file)
    args = Namespace(features=None, bands=None, errors=None, colours="adjacent")
    table = catalog_features(frame, args)
    assert list(table.columns) == [*NAMES, "u-g", "g-r", "r-i", "i-z"]
    assert np.isfinite(table.to_numpy()).all()  # sentinels imputed
    args.errors = "{band}_err"
    assert "u_err" in catalog_features(frame, args).columns
    args.features = "r,ebv"
    assert list(catalog_features(frame, args).columns) == ["r", "ebv"]


# ------------------------------------------------------------------ figures
def test_is_categorical():
    assert is_categorical(["STAR", "QSO"]) and is_categorical(np.array([0, 2, -1]))
    assert is_categorical(pd.Series(["a", "b"], dtype="category"))
    assert is_categorical(np.array([1.0, 2.0, np.nan]))
    assert not is_categorical(np.linspace(16, 22, 40))
    assert not is_categorical(np.arange(50))


def test_embedding_pair_panels_colour_bar_and_legend(tmp_path):
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(300, 2))
    mag = rng.uniform(16, 22, 300)
    mag[:5] = np.nan
    classes = CLASSES[rng.integers(0, 3, 300)].astype(object)
    classes[:3] = None
    fig = plot_embedding_pair(xy, {"r": mag, "class": classes}, title="pair")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # two panels and the colour bar of r
    r_ax, class_ax = fig.axes[0], fig.axes[1]
    assert r_ax.get_title() == "r" and class_ax.get_title() == "class"
    legend = [t.get_text() for t in class_ax.get_legend().get_texts()]
    assert legend[:3] == [f"{c} ({int((classes == c).sum())})" for c in CLASSES]
    assert legend[3] == "missing (3)"
    assert [t.get_text() for t in r_ax.get_legend().get_texts()] == ["no value (5)"]
    fig.savefig(tmp_path / "pair.pdf")
    assert (tmp_path / "pair.pdf").read_bytes().startswith(b"%PDF")


def test_large_scatter_is_rasterized():
    xy = np.random.default_rng(0).normal(size=(6000, 2))
    fig = plot_embedding_pair(xy, {"x": xy[:, 0]})
    assert all(c.get_rasterized() for c in fig.axes[0].collections)
    small = plot_embedding_pair(xy[:100], {"x": xy[:100, 0]})
    assert not any(c.get_rasterized() for c in small.axes[0].collections)


def test_embedding_pair_bad_input():
    xy = np.zeros((10, 2))
    with pytest.raises(AstrolearnInputError, match="one value per point"):
        plot_embedding_pair(xy, {"r": np.zeros(9)})
    with pytest.raises(AstrolearnInputError, match="shape"):
        plot_embedding_pair(np.zeros((10, 1)), {"r": np.zeros(10)})
    with pytest.raises(AstrolearnInputError, match="non-empty mapping"):
        plot_embedding_pair(xy, {})


def test_overlay_and_clusters():
    rng = np.random.default_rng(0)
    train, other = rng.normal(size=(200, 2)), rng.normal(size=(50, 2)) + 4
    flagged = np.zeros(50, dtype=bool)
    flagged[:7] = True
    fig = plot_embedding_overlay(train, other, labels=("train", "test"), highlight=flagged)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["train (200)", "test (50)", "test, highlighted (7)"]
    with pytest.raises(AstrolearnInputError, match="highlight"):
        plot_embedding_overlay(train, other, highlight=np.ones(3, dtype=bool))
    labels = np.r_[np.zeros(100, int), np.ones(90, int), -np.ones(10, int)]
    fig = plot_clusters(train, labels, truth=CLASSES[rng.integers(0, 3, 200)])
    assert len(fig.axes) == 2
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["0 (100)", "1 (90)", "noise (10)"]
    assert fig.axes[1].get_legend() is not None


# ------------------------------------------------------------------ command
def _args(data, out, **overrides) -> Namespace:
    values = {"data": data, "hdf5_key": None, "bands": None, "errors": None,
              "colours": "adjacent", "features": None, "color": "r,class", "method": "tsne",
              "n": 700, "seed": 0, "out": out, "quiet": True}
    values.update(overrides)
    return Namespace(**values)


def test_embed_command_end_to_end(catalog_file, tmp_path, capsys):
    out = tmp_path / "figs" / "map.png"
    messages = []
    assert embed_command(_args(catalog_file, out), messages.append) == out
    assert out.read_bytes().startswith(b"\x89PNG")
    printed = capsys.readouterr().out
    assert "t-SNE of 700 rows x 9 features" in printed and str(out) in printed
    assert any("random 700" in m for m in messages)
    assert not list(out.parent.glob(".*.tmp"))  # written atomically, no leftovers


def test_embed_command_errors(catalog_file, tmp_path):
    out = tmp_path / "map.svg"
    with pytest.raises(AstrolearnInputError) as err:
        embed_command(_args(catalog_file, out, color="r,clas"), lambda _m: None)
    assert err.value.column == "clas" and "did you mean class" in str(err.value)
    assert "--color" in str(err.value)
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        embed_command(_args(catalog_file, catalog_file), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="unknown figure format"):
        embed_command(_args(catalog_file, tmp_path / "map.txt"), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="unknown --method"):
        embed_command(_args(catalog_file, out, method="pca"), lambda _m: None)
    with pytest.raises(AstrolearnInputError, match="column not found"):
        embed_command(_args(catalog_file, out, bands="u,g,R"), lambda _m: None)
    assert not out.exists()
