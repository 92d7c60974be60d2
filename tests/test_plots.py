"""Tests of astrolearn.plots: each figure has the expected axes and lines and saves as PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.metrics import binned_purity_completeness, confusion_matrix, reliability_curve
from astrolearn.plots import (
    class_colours,
    plot_binned_purity_completeness,
    plot_class_probability_histograms,
    plot_colour_colour,
    plot_confusion_matrix,
    plot_reliability,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CLASSES = ["GALAXY", "QSO", "STAR"]


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    n = 300
    truth = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3)) + 2.0 * np.eye(3)[truth]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = np.array(CLASSES, dtype=object)[truth]
    y_pred = np.array(CLASSES, dtype=object)[proba.argmax(axis=1)]
    mags = rng.uniform(16, 22, n)
    return y_true, y_pred, proba, mags


def _saves_png(fig: Figure, tmp_path) -> None:
    path = tmp_path / "figure.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert fig.canvas.manager is None  # not registered with pyplot: no global state


def test_confusion_matrix_figure(problem, tmp_path):
    y_true, y_pred, _, _ = problem
    conf = confusion_matrix(y_true, y_pred)
    fig = plot_confusion_matrix(conf, title="Test")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # matrix + colour bar
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9
    # top-left cell shows the count and the fraction of its row
    count = conf.iloc[0, 0]
    assert texts[0] == f"{count}\n{count / conf.iloc[0].sum():.2f}"
    assert ax.get_title() == "Test"
    _saves_png(fig, tmp_path)


def test_confusion_matrix_figure_normalised_and_empty_row(tmp_path):
    conf = confusion_matrix(["a", "b"], ["a", "a"], classes=["a", "b", "c"], normalize="true")
    fig = plot_confusion_matrix(conf)
    assert "n/a" in [t.get_text() for t in fig.axes[0].texts]
    _saves_png(fig, tmp_path)
    with pytest.raises(AstrolearnInputError):
        plot_confusion_matrix(pd.DataFrame([[1, 2]]))


def test_binned_purity_completeness_figure(problem, tmp_path):
    y_true, y_pred, _, mags = problem
    binned = binned_purity_completeness(y_true, y_pred, mags, bins=[16, 18, 20, np.inf])
    fig = plot_binned_purity_completeness(binned, xlabel="r [mag]")
    assert len(fig.axes) == 1
    lines = fig.axes[0].lines
    assert len(lines) == 2 * len(CLASSES)
    assert [line.get_linestyle() for line in lines] == ["-", "--"] * len(CLASSES)
    # same colour for the purity and completeness of one class
    assert lines[0].get_color() == lines[1].get_color() == class_colours(CLASSES)["GALAXY"]
    # bin centres; the bin with an infinite edge is drawn at its finite edge
    np.testing.assert_allclose(lines[0].get_xdata(), [17, 19, 20])
    assert fig.axes[0].get_xlabel() == "r [mag]"
    _saves_png(fig, tmp_path)
    with pytest.raises(AstrolearnInputError, match="purity"):
        plot_binned_purity_completeness(binned.drop(columns="purity"))


def test_reliability_figure(problem, tmp_path):
    y_true, _, proba, _ = problem
    curve = reliability_curve(y_true, proba, CLASSES)
    fig = plot_reliability(curve)
    assert len(fig.axes) == len(CLASSES)
    for ax, name in zip(fig.axes, CLASSES, strict=True):
        assert ax.get_title() == name
        assert len(ax.lines) == 2  # diagonal + curve
        np.testing.assert_allclose(ax.lines[0].get_xydata(), [[0, 0], [1, 1]])
    _saves_png(fig, tmp_path)


def test_reliability_figure_grid_wraps(tmp_path):
    classes = [f"c{i}" for i in range(5)]
    proba = np.full((5, 5), 0.2)
    fig = plot_reliability(reliability_curve(classes, proba, classes))
    assert len(fig.axes) == 5  # 2 x 4 grid with the 3 unused panels removed
    _saves_png(fig, tmp_path)


def test_colour_colour_figure(tmp_path):
    rng = np.random.default_rng(1)
    n = 500
    cat = pd.DataFrame({
        "g": rng.normal(20, 1, n), "r": rng.normal(19.5, 1, n), "i": rng.normal(19.2, 1, n),
        "class": rng.choice(CLASSES, n),
    })
    cat.loc[:9, "g"] = np.nan  # ten objects without a g magnitude
    fig = plot_colour_colour(cat, max_points=200)
    ax = fig.axes[0]
    assert len(fig.axes) == 1
    assert len(ax.collections) == len(CLASSES)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 200
    assert "200 of 490" in ax.get_title() and "10 without" in ax.get_title()
    assert ax.get_xlabel() == "g - r" and ax.get_ylabel() == "r - i"
    # the subsample is reproducible
    again = plot_colour_colour(cat, max_points=200).axes[0]
    for a, b in zip(ax.collections, again.collections, strict=True):
        np.testing.assert_array_equal(a.get_offsets(), b.get_offsets())
    _saves_png(fig, tmp_path)
    # single columns and no labels
    cat["gr"] = cat["g"] - cat["r"]
    fig = plot_colour_colour(cat, x="gr", label_column=None)
    assert len(fig.axes[0].collections) == 1
    assert fig.axes[0].get_xlabel() == "gr"
    with pytest.raises(AstrolearnInputError, match="'z'"):
        plot_colour_colour(cat, x=("g", "z"))
    with pytest.raises(AstrolearnInputError, match="label column"):
        plot_colour_colour(cat, label_column="type")


def test_class_probability_histograms(problem, tmp_path):
    y_true, _, proba, _ = problem
    fig = plot_class_probability_histograms(proba, CLASSES, y_true)
    assert len(fig.axes) == len(CLASSES)
    for ax in fig.axes:
        assert len(ax.patches) == len(CLASSES)  # one step histogram per true class
    _saves_png(fig, tmp_path)
    with pytest.raises(AstrolearnInputError):
        plot_class_probability_histograms(proba[:, :2], CLASSES, y_true)
