"""Glitch figures: an example's Q-transform views, accuracy against SNR (and its table)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.glitches.plots import accuracy_by_snr, plot_accuracy_vs_snr, plot_glitch_views
from astrolearn.glitches.qtransform import GRAVITY_SPY_WINDOWS, frequency_grid, time_offsets

N_FREQ, N_TIME = 24, 40


def _views(seed=0, n_windows=4):
    rng = np.random.default_rng(seed)
    return rng.exponential(1.0, size=(n_windows, N_FREQ, N_TIME)).astype(np.float32)


def _meshes(ax):
    return [c for c in ax.collections if isinstance(c, QuadMesh)]


# ------------------------------------------------------------------------------ views
def test_views_panels_axes_and_limits():
    views = _views()
    fig = plot_glitch_views(views, title="Blip H1")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5  # four panels and one shared colour bar
    panels = fig.axes[:4]
    freqs = frequency_grid(N_FREQ, 10, 2048)
    for j, (ax, w) in enumerate(zip(panels, GRAVITY_SPY_WINDOWS, strict=True)):
        meshes = _meshes(ax)
        assert len(meshes) == 1
        assert ax.get_yscale() == "log"
        assert ax.get_ylim() == pytest.approx((10.0, 2048.0))
        assert ax.get_xlim() == pytest.approx((-w / 2, w / 2))
        assert ax.get_title() == f"{w:g} s"
        mesh = meshes[0]
        # rows low -> high frequency: row 0 of the image sits at the lowest frequency
        np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(N_FREQ, N_TIME),
                                      views[j])
        coords = mesh.get_coordinates()  # (n_freq + 1, n_time + 1, 2) pixel corners
        assert coords.shape == (N_FREQ + 1, N_TIME + 1, 2)
        assert coords[0, 0, 0] == pytest.approx(-w / 2) and coords[0, -1, 0] == pytest.approx(
            w / 2)
        t_centres = 0.5 * (coords[0, 1:, 0] + coords[0, :-1, 0])
        np.testing.assert_allclose(t_centres, time_offsets(w, N_TIME), atol=1e-12)
        f_centres = np.sqrt(coords[1:, 0, 1] * coords[:-1, 0, 1])
        np.testing.assert_allclose(f_centres, freqs, rtol=1e-9)
        assert mesh.norm.vmin == 0.0 and mesh.norm.vmax == 25.5
        assert mesh.get_cmap().name == "viridis"
    assert panels[0].get_ylabel() == "frequency [Hz]"
    assert fig.axes[4].get_ylabel() == "normalised energy"
    assert fig.get_suptitle() == "Blip H1"


def test_views_custom_frange_windows_and_saving(tmp_path):
    views = _views(1, n_windows=2)
    views[1, 3, 5] = 40.0  # above vmax: the colour bar gets an arrow
    fig = plot_glitch_views(views, windows=(1.0, 8.0), frange=(20, 1000), vmax=30)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_ylim() == pytest.approx((20.0, 1000.0))
    assert fig.axes[1].get_xlim() == pytest.approx((-4.0, 4.0))
    assert _meshes(fig.axes[1])[0].norm.vmax == 30
    assert fig.axes[2].get_ylabel() == "normalised energy"
    assert _meshes(fig.axes[1])[0].colorbar.extend == "max"
    assert _meshes(plot_glitch_views(_views(1)).axes[3])[0].colorbar.extend == "neither"
    out = tmp_path / "views.png"
    fig.savefig(out, dpi=50)
    assert out.stat().st_size > 1000


def test_views_explicit_frequencies_set_the_axis():
    views = _views(2, n_windows=1)
    freqs = np.geomspace(16, 512, N_FREQ)
    fig = plot_glitch_views(views, windows=(2.0,), frequencies=freqs)
    assert fig.axes[0].get_ylim() == pytest.approx((16.0, 512.0))
    with pytest.raises(AstrolearnInputError, match="increasing positive"):
        plot_glitch_views(views, windows=(2.0,), frequencies=freqs[::-1])
    with pytest.raises(AstrolearnInputError, match="one per image row"):
        plot_glitch_views(views, windows=(2.0,), frequencies=freqs[:-1])


def test_views_mark_peak_at_the_brightest_pixel():
    views = _views(3)
    row, col = 17, 9
    views[2, row, col] = 50.0
    fig = plot_glitch_views(views, mark_peak=True)
    ax = fig.axes[2]
    (marker,) = ax.lines
    assert marker.get_xdata()[0] == pytest.approx(time_offsets(2.0, N_TIME)[col])
    assert marker.get_ydata()[0] == pytest.approx(frequency_grid(N_FREQ, 10, 2048)[row])
    assert "energy 50.0" in ax.texts[0].get_text()
    for other in (fig.axes[0], fig.axes[1], fig.axes[3]):
        assert len(other.lines) == 1  # every panel marks its own peak
    assert all(not a.lines for a in plot_glitch_views(views).axes)  # off by default


def test_views_do_not_modify_input():
    views = _views(4)
    before = views.copy()
    fig = plot_glitch_views(views, mark_peak=True)
    views[:] = 0.0  # the figure keeps its own copy
    assert np.asarray(_meshes(fig.axes[0])[0].get_array()).max() == pytest.approx(
        before[0].max())
    assert views.dtype == np.float32


@pytest.mark.parametrize(
    ("views", "kwargs", "match"),
    [
        (np.ones((3, N_FREQ, N_TIME)), {}, "3 images but 4 windows"),
        (np.ones((1, 4, N_FREQ, N_TIME)), {}, "must be 3-D"),
        (np.ones((N_FREQ, N_TIME)), {}, "must be 3-D"),
        (np.ones((4, 1, N_TIME)), {}, "at least 2 x 2"),
        (np.where(np.arange(N_TIME) == 3, np.nan, np.ones((4, N_FREQ, N_TIME))), {}, "NaN/inf"),
        (np.ones((4, N_FREQ, N_TIME)), {"windows": (0.5, 1, -2, 4)}, "positive durations"),
        (np.ones((4, N_FREQ, N_TIME)), {"frange": (2048, 10)}, "low < high"),
        (np.ones((4, N_FREQ, N_TIME)), {"vmin": 30}, "low < high"),
        ([["a"]], {}, "numeric array"),
    ],
)
def test_views_bad_input(views, kwargs, match):
    with pytest.raises(AstrolearnInputError, match=match):
        plot_glitch_views(views, **kwargs)


def test_views_fix_suggests_one_example():
    with pytest.raises(AstrolearnInputError) as err:
        plot_glitch_views(np.ones((2, 4, N_FREQ, N_TIME)))
    assert "views[i]" in err.value.fix


# ------------------------------------------------------------------------ accuracy table
SNR = [2.0, 3.0, 4.0, 5.0, 6.0, 20.0, 30.0, 40.0, 50.0, 60.0]
OK = [True, True, False, True, False, True, True, True, True, False]


def test_accuracy_by_snr_hand_computed():
    table = accuracy_by_snr(SNR, OK, bins=[1, 10, 100])
    assert list(table.columns) == ["snr_low", "snr_high", "n", "n_correct", "accuracy", "low",
                                   "high"]
    assert table["snr_low"].tolist() == [1.0, 10.0]
    assert table["snr_high"].tolist() == [10.0, 100.0]
    assert table["n"].tolist() == [5, 5] and table["n_correct"].tolist() == [3, 4]
    assert table["accuracy"].tolist() == pytest.approx([0.6, 0.8])
    # Wilson, z = 1, k = 3, n = 5: centre (0.6 + 0.1) / 1.2 = 0.583333,
    # half = sqrt(0.24 / 5 + 1 / 100) / 1.2 = 0.200693
    assert table.loc[0, "low"] == pytest.approx(0.382640, abs=1e-6)
    assert table.loc[0, "high"] == pytest.approx(0.784027, abs=1e-6)
    assert table.attrs["n_outside"] == 0


def test_accuracy_by_snr_wilson_95():
    table = accuracy_by_snr(SNR, OK, bins=[1, 10, 100], z=1.96)
    # k = 4, n = 5, z = 1.96: denom 1.76832, centre 1.18416 / 1.76832 = 0.669652,
    # half = 1.96 / 1.76832 * sqrt(0.032 + 0.038416) = 0.294125
    assert table.loc[1, "low"] == pytest.approx(0.375528, abs=1e-6)
    assert table.loc[1, "high"] == pytest.approx(0.963777, abs=1e-6)


def test_accuracy_by_snr_bin_edges_are_half_open_last_closed():
    table = accuracy_by_snr([10.0, 100.0, 1.0], [True, False, True], bins=[1, 10, 100])
    assert table["n"].tolist() == [1, 2]
    assert table["n_correct"].tolist() == [1, 1]


def test_accuracy_by_snr_default_log_bins():
    snr = np.geomspace(10, 1000, 50)
    table = accuracy_by_snr(snr, np.ones(50, dtype=bool))
    assert len(table) == 8
    assert table["snr_low"].iloc[0] == 10.0 and table["snr_high"].iloc[-1] == 1000.0
    ratios = table["snr_high"] / table["snr_low"]
    assert np.allclose(ratios, 100 ** (1 / 8))
    assert table["n"].sum() == 50 and (table["accuracy"] == 1.0).all()
    assert (table["high"] == 1.0).all()
    assert len(accuracy_by_snr(snr, np.ones(50, dtype=bool), bins=3)) == 3


def test_accuracy_by_snr_empty_bins_are_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = accuracy_by_snr([2.0, 3.0, 20.0], [1, 0, 1], bins=[1, 10, 100, 1000])
    empty = table.iloc[2]
    assert empty["n"] == 0 and empty["n_correct"] == 0
    assert np.isnan(empty["accuracy"]) and np.isnan(empty["low"]) and np.isnan(empty["high"])
    assert table["accuracy"].iloc[:2].tolist() == [0.5, 1.0]


def test_accuracy_by_snr_counts_examples_outside_the_edges():
    table = accuracy_by_snr(SNR, OK, bins=[1, 10, 45])
    assert table["n"].tolist() == [5, 3] and table.attrs["n_outside"] == 2
    with pytest.raises(AstrolearnInputError, match="none of the 10 SNR values"):
        accuracy_by_snr(SNR, OK, bins=[100, 200])


def test_accuracy_by_snr_per_class():
    by = ["Blip", "Whistle"] * 5
    table = accuracy_by_snr(SNR, OK, bins=[1, 10, 100], by=by)
    assert list(table.columns)[:2] == ["class", "snr_low"]
    assert table["class"].tolist() == ["Blip", "Blip", "Whistle", "Whistle"]
    # Blip: snr 2, 4, 6 (T, F, F) and 30, 50 (T, T); Whistle: 3, 5 (T, T), 20, 40, 60 (T, T, F)
    assert table["n"].tolist() == [3, 2, 2, 3]
    assert table["n_correct"].tolist() == [1, 2, 2, 2]
    assert table["accuracy"].tolist() == pytest.approx([1 / 3, 1.0, 1.0, 2 / 3])


def test_accuracy_by_snr_does_not_modify_inputs():
    snr = pd.Series(SNR)
    ok = np.array(OK)
    accuracy_by_snr(snr, ok, bins=[1, 10, 100])
    assert snr.tolist() == SNR and ok.tolist() == OK


@pytest.mark.parametrize(
    ("snr", "correct", "kwargs", "match"),
    [
        (SNR[:-1], OK, {}, "differ in length"),
        ([np.nan, *SNR[1:]], OK, {}, "1 NaN/inf values"),
        ([np.inf, *SNR[1:]], OK, {}, "NaN/inf"),
        ([[1.0, 2.0]], [True], {}, "1-D"),
        ([], [], {}, "non-empty"),
        (["a", *SNR[1:]], OK, {}, "must be numbers"),
        (SNR, [2, *OK[1:]], {}, "True/False"),
        (SNR, ["yes", *OK[1:]], {}, "True/False"),
        (SNR, [None, *OK[1:]], {}, "missing"),
        ([0.0, *SNR[1:]], OK, {}, "positive values"),
        (SNR, OK, {"bins": [10, 1]}, "increasing"),
        (SNR, OK, {"bins": 0}, "at least 1"),
        (SNR, OK, {"z": -1.0}, "positive"),
        (SNR, OK, {"by": ["a"] * 9}, "differ in length"),
        (SNR, OK, {"by": [None] + ["a"] * 9}, "missing"),
    ],
)
def test_accuracy_by_snr_bad_input(snr, correct, kwargs, match):
    with pytest.raises(AstrolearnInputError, match=match):
        accuracy_by_snr(snr, correct, **kwargs)


# ----------------------------------------------------------------------- accuracy figure
def test_accuracy_figure_points_errors_and_counts():
    fig = plot_accuracy_vs_snr(SNR, OK, bins=[1, 10, 100, 1000], label="CNN")
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_ylim() == pytest.approx((-0.03, 1.03))
    (container,) = ax.containers
    x, y = container.lines[0].get_data()
    assert np.asarray(x) == pytest.approx([np.sqrt(10), np.sqrt(1000)])  # empty bin left out
    assert np.asarray(y) == pytest.approx([0.6, 0.8])
    assert [t.get_text() for t in ax.texts] == ["n=5", "n=5"]
    assert "10 examples" in ax.get_title() and "68%" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CNN"]


def test_accuracy_figure_into_given_axes_and_per_class():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_accuracy_vs_snr(SNR, OK, bins=[1, 10, 100], ax=ax, z=1.96) is fig
    assert "95%" in ax.get_title()
    by = ["Blip", "Whistle"] * 5
    fig2 = plot_accuracy_vs_snr(SNR, OK, bins=[1, 10, 100], by=by, label="CNN")
    (ax2,) = fig2.axes
    assert len(ax2.containers) == 2 and len(ax2.collections) >= 2
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["CNN: Blip", "CNN: Whistle"]
    sizes = [c.get_sizes() for c in ax2.collections if isinstance(c, PathCollection)]
    assert len(sizes) == 2  # one scatter per class, marker area grows with n (largest n = 3)
    np.testing.assert_allclose(sizes[0], [8 + 60 * 3 / 3, 8 + 60 * 2 / 3])
    assert not ax2.texts


def test_accuracy_figure_linear_axis_when_an_edge_is_zero():
    fig = plot_accuracy_vs_snr(SNR, OK, bins=[0, 10, 100], annotate=False)
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear" and not ax.texts


def test_accuracy_figure_bad_axes():
    with pytest.raises(AstrolearnInputError, match="matplotlib Axes"):
        plot_accuracy_vs_snr(SNR, OK, ax="not an axes")


# --------------------------------------------------------------------- confusion matrix
def test_confusion_matrix_is_the_shared_one_liner():
    from astrolearn.metrics import confusion_matrix
    from astrolearn.plots import plot_confusion_matrix

    truth = ["Blip", "Blip", "Whistle", "Koi_Fish", "Whistle"]
    predicted = ["Blip", "Koi_Fish", "Whistle", "Koi_Fish", "Blip"]
    classes = ["Blip", "Koi_Fish", "Whistle"]
    fig = plot_confusion_matrix(confusion_matrix(truth, predicted, classes=classes))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == classes
    assert ax.texts[0].get_text() == "1\n0.50"  # Blip -> Blip: 1 of 2


# ---------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_gw150914_chirp_marked_at_the_event_time(real_data_path, tmp_path):
    from astrolearn.glitches.qtransform import qtransform_views, read_strain

    path = real_data_path("gravityspy", "strain", "L-L1_LOSC_4_V2-1126259446-32.hdf5")
    views = qtransform_views(read_strain(path), [1126259462.4])
    fig = plot_glitch_views(views[0], mark_peak=True, title="GW150914 L1")
    for ax, w in zip(fig.axes[:2], (0.5, 1.0), strict=True):
        (marker,) = ax.lines
        dt, f = marker.get_xdata()[0], marker.get_ydata()[0]
        assert -0.1 <= dt <= 0.05, (w, dt)
        assert 35 <= f <= 350, (w, f)
        # gwpy's import turns matplotlib's global axes.grid on; the images stay free of it
        assert not any(line.get_visible() for line in ax.get_xgridlines())
    fig.savefig(tmp_path / "gw150914.png", dpi=60)
    assert (tmp_path / "gw150914.png").stat().st_size > 5000
