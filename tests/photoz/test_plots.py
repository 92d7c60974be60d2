"""Tests of astrolearn.photoz.plots: each figure builds with the expected axes and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.metrics import (
    binned_photoz_metrics,
    nz_comparison,
    pit_histogram,
    pit_statistics,
)
from astrolearn.photoz.pdf import gaussian_mixture_on_grid, make_grid, pit_values
from astrolearn.photoz.plots import (
    plot_binned_photoz,
    plot_example_pdfs,
    plot_nz,
    plot_pit_histogram,
    plot_zphot_zspec,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(1)
    n = 200
    z_spec = rng.uniform(0.05, 1.5, n)
    sigma = 0.03 * (1 + z_spec)
    z_phot = z_spec + rng.normal(0, 1, n) * sigma
    z_phot[:10] = rng.uniform(0, 2, 10)  # some outliers
    zgrid = make_grid(0.0, 2.0, 101)
    pdfs = gaussian_mixture_on_grid(zgrid, z_phot[:, None], sigma[:, None], np.ones((n, 1)))
    mag = rng.uniform(18, 24, n)
    return z_spec, z_phot, zgrid, pdfs, mag


def _saves_png(fig: Figure, tmp_path) -> None:
    path = tmp_path / "figure.png"
    fig.savefig(path, dpi=40)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert fig.canvas.manager is None  # not registered with pyplot


def test_zphot_zspec(sample, tmp_path):
    z_spec, z_phot, *_ = sample
    fig = plot_zphot_zspec(z_spec, z_phot, title="test")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # density + colour bar
    ax = fig.axes[0]
    assert ax.get_xlabel() == "spectroscopic redshift"
    assert ax.get_ylabel() == "photometric redshift"
    assert ax.get_title() == "test"
    assert len(ax.lines) == 3  # 1:1 and two outlier cuts
    assert [line.get_linestyle() for line in ax.lines] == [":", "--", "--"]
    text = ax.texts[0].get_text()
    assert "σ_NMAD" in text and "outliers" in text and "N = 200" in text
    _saves_png(fig, tmp_path)


def test_zphot_zspec_max_z_and_checks():
    fig = plot_zphot_zspec([0.1, 0.5, 2.0], [0.1, 0.6, 2.5], max_z=1.0)
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 1.0)
    assert "1 outside the axes" in ax.texts[0].get_text()
    plot_zphot_zspec([0.3], [0.3])  # one object is fine
    with pytest.raises(AstrolearnInputError, match="z_phot has 1 non-finite"):
        plot_zphot_zspec([0.1, 0.2], [0.1, np.nan])
    with pytest.raises(AstrolearnInputError, match="different lengths"):
        plot_zphot_zspec([0.1, 0.2], [0.1])
    with pytest.raises(AstrolearnInputError, match="max_z"):
        plot_zphot_zspec([0.1, 0.2], [0.1, 0.2], max_z=-1.0)


def test_pit_histogram_figure(sample, tmp_path):
    z_spec, _, zgrid, pdfs, _ = sample
    pit = pit_values(pdfs, zgrid, z_spec)
    hist = pit_histogram(pit, n_bins=10)
    fig = plot_pit_histogram(hist, stats=pit_statistics(pit))
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.patches) == 10
    assert ax.get_xlabel() == "PIT"
    assert "KS" in ax.texts[0].get_text() and "CvM" in ax.texts[0].get_text()
    _saves_png(fig, tmp_path)
    # pdf_metrics-style keys work too, and no stats means no text
    assert plot_pit_histogram(hist, stats={"pit_ks": 0.1, "pit_cvm": 0.2}).axes[0].texts
    assert not plot_pit_histogram(hist).axes[0].texts


def test_pit_histogram_figure_checks():
    with pytest.raises(AstrolearnInputError, match="density"):
        plot_pit_histogram(pd.DataFrame({"bin_low": [0.0], "bin_high": [1.0]}))
    with pytest.raises(AstrolearnInputError, match="DataFrame"):
        plot_pit_histogram([0.1, 0.2])
    with pytest.raises(AstrolearnInputError, match="'cvm'"):
        plot_pit_histogram(pit_histogram([0.1, 0.5]), stats={"ks": 0.1})


def test_nz_figure(sample, tmp_path):
    z_spec, _, zgrid, pdfs, _ = sample
    table, _ = nz_comparison(pdfs, zgrid, z_spec)
    fig = plot_nz(table)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    assert ax.get_xlabel() == "redshift" and ax.get_ylabel() == "n(z)"
    _saves_png(fig, tmp_path)
    with pytest.raises(AstrolearnInputError, match="nz_true"):
        plot_nz(table.drop(columns="nz_true"))


def test_example_pdfs(sample, tmp_path):
    z_spec, _, zgrid, pdfs, _ = sample
    fig = plot_example_pdfs(zgrid, pdfs, z_true=z_spec, labels=[f"obj {i}" for i in
                                                                  range(len(z_spec))])
    assert len(fig.axes) == 8  # max_panels
    assert fig.axes[2].get_title() == "obj 2"
    assert len(fig.axes[0].lines) == 2  # PDF + true z
    assert fig.axes[-1].get_xlabel() == "redshift"
    _saves_png(fig, tmp_path)
    fig = plot_example_pdfs(zgrid, pdfs[:5], max_panels=8)
    assert len(fig.axes) == 5
    assert len(fig.axes[0].lines) == 1  # no true z
    # the second-row gap leaves the first-row panels above it labelled
    assert fig.axes[3].get_xlabel() == "redshift"


def test_example_pdfs_checks(sample):
    _, _, zgrid, pdfs, _ = sample
    with pytest.raises(AstrolearnInputError, match="labels"):
        plot_example_pdfs(zgrid, pdfs[:3], labels=["a"])
    with pytest.raises(AstrolearnInputError, match="true redshifts"):
        plot_example_pdfs(zgrid, pdfs[:3], z_true=[0.1])
    with pytest.raises(AstrolearnInputError, match="max_panels"):
        plot_example_pdfs(zgrid, pdfs[:3], max_panels=0)
    with pytest.raises(AstrolearnInputError, match="grid has"):
        plot_example_pdfs(zgrid[:-1], pdfs[:3])


def test_binned_figure(sample, tmp_path):
    z_spec, z_phot, zgrid, pdfs, mag = sample
    binned = binned_photoz_metrics(z_phot, z_spec, mag, bins=[18, 20, 22, 24, np.inf],
                                   pdfs=pdfs, zgrid=zgrid)
    fig = plot_binned_photoz(binned, xlabel="r magnitude")
    assert len(fig.axes) == 3
    assert fig.axes[-1].get_xlabel() == "r magnitude"
    assert fig.axes[0].get_ylabel() == "σ_NMAD"
    # the bin with an infinite edge is drawn at its finite edge
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), [19, 21, 23, 24])
    _saves_png(fig, tmp_path)
    fig = plot_binned_photoz(binned, xlabel="r", metrics=["crps", "coverage_68"])
    assert len(fig.axes) == 2
    with pytest.raises(AstrolearnInputError, match="pit_width"):
        plot_binned_photoz(binned, xlabel="r", metrics=["pit_width"])
    with pytest.raises(AstrolearnInputError, match="metrics is empty"):
        plot_binned_photoz(binned, xlabel="r", metrics=[])
