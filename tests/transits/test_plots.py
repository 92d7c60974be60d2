"""Transit figures: periodogram, folded light curve, views, search summary, completeness."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.injection import completeness_map
from astrolearn.transits.plots import (
    plot_completeness_curve,
    plot_completeness_map,
    plot_folded,
    plot_periodogram,
    plot_search_summary,
    plot_views,
)
from astrolearn.transits.search import Periodogram, TransitSignal

PERIOD, EPOCH, DURATION, DEPTH = 3.0, 0.7, 0.15, 4e-3


def _signal(**over):
    kw = {"period": PERIOD, "epoch": EPOCH, "duration": DURATION, "depth": DEPTH,
          "depth_err": 2e-4, "snr": 20.0, "n_transits": 10, "power": 1.0, "sde": 15.0}
    kw.update(over)
    return TransitSignal(**kw)


def _periodogram(peak=PERIOD):
    p = np.geomspace(0.5, 12.0, 3000)
    sde = np.random.default_rng(0).normal(0, 1, p.size) + 15 * np.exp(-(np.log(p / peak) /
                                                                       0.002) ** 2)
    return Periodogram(period=p, power=sde + 5, sde=sde, best=int(np.argmax(sde)))


def _curve(seed=0, days=30.0, noise=5e-4, secondary=0.0):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, days, 0.01)
    f = 1.0 + rng.normal(0, noise, t.size)
    phase = (t - EPOCH + 0.5 * PERIOD) % PERIOD - 0.5 * PERIOD
    f[np.abs(phase) < 0.5 * DURATION] -= DEPTH
    f[np.abs(np.abs(phase) - 0.5 * PERIOD) < 0.5 * DURATION] -= secondary
    return t, f


def _vlines(ax):
    """x of the vertical lines (axvline: two equal x in data units)."""
    out = []
    for line in ax.lines:
        x = np.asarray(line.get_xdata(), dtype=float)
        if x.size == 2 and x[0] == x[1]:
            out.append(float(x[0]))
    return sorted(out)


def _saves(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 2000


# --------------------------------------------------------------------------- periodogram
def test_periodogram_marks_period_and_aliases(tmp_path):
    sig = _signal(period=3.01)
    fig = plot_periodogram(_periodogram(), sig)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert np.allclose(_vlines(ax), [1.505, 3.01, 6.02])
    assert ax.get_xlabel() == "period [d]" and "SDE" in ax.get_ylabel()
    assert len(ax.lines[0].get_xdata()) == 3000  # the SDE curve itself
    assert ax.get_xlim() == pytest.approx((0.5, 12.0))
    _saves(fig, tmp_path, "periodogram")


def test_periodogram_default_is_peak_and_skips_aliases_outside_range():
    fig = plot_periodogram(_periodogram(peak=8.0))
    lines = _vlines(fig.axes[0])
    # 2P = 16 d is outside the 0.5-12 d grid: only P and P/2
    assert len(lines) == 2
    assert lines[1] == pytest.approx(8.0, rel=1e-3) and lines[0] == pytest.approx(4.0, rel=1e-3)


def test_periodogram_into_given_axes_and_bad_input():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_periodogram(_periodogram(), ax=ax) is fig
    with pytest.raises(AstrolearnInputError, match="Periodogram"):
        plot_periodogram({"period": [1, 2]})
    with pytest.raises(AstrolearnInputError, match="at least two"):
        plot_periodogram(Periodogram(period=np.array([1.0]), power=np.ones(1), sde=np.ones(1),
                                     best=0))


# ------------------------------------------------------------------------------- folded
def test_folded_one_panel_with_box_model_and_binned_medians(tmp_path):
    t, f = _curve()
    fig = plot_folded(t, f, _signal())
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xlabel() == "hours from mid-transit" and ax.get_ylabel() == "relative flux"
    # window: 3 durations each side, in hours
    assert ax.get_xlim() == pytest.approx((-3 * DURATION * 24, 3 * DURATION * 24))
    labels = [line.get_label() for line in ax.lines]
    box = ax.lines[labels.index(next(lab for lab in labels if lab.startswith("box")))]
    assert np.min(box.get_ydata()) == pytest.approx(1 - DEPTH)
    assert np.ptp(box.get_xdata()[1:5]) == pytest.approx(DURATION * 24)
    med = ax.lines[labels.index("binned median")]
    x, y = np.asarray(med.get_xdata()), np.asarray(med.get_ydata())
    assert abs(np.median(y[np.abs(x) < 1.0]) - (1 - DEPTH)) < 5e-4  # in transit
    assert abs(np.median(y[np.abs(x) > 3.0]) - 1.0) < 3e-4  # out of transit
    _saves(fig, tmp_path, "folded")


def test_folded_secondary_panel_and_no_model():
    t, f = _curve(secondary=2e-3)
    eph = {"period": PERIOD, "epoch": EPOCH, "duration": DURATION, "depth": DEPTH,
           "secondary_depth": 2e-3}
    fig = plot_folded(t, f, eph)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_xlabel() == "hours from phase 0.5"
    sec_box = next(ln for ln in fig.axes[1].lines if ln.get_label().startswith("box"))
    assert np.min(sec_box.get_ydata()) == pytest.approx(1 - 2e-3)
    med = next(ln for ln in fig.axes[1].lines if ln.get_label() == "binned median")
    x, y = np.asarray(med.get_xdata()), np.asarray(med.get_ydata())
    assert abs(np.median(y[np.abs(x) < 1.0]) - (1 - 2e-3)) < 5e-4
    # no model: no box line; a NaN secondary (pandas row) gives one panel
    fig = plot_folded(t, f, pd.Series({**eph, "secondary_depth": np.nan}), model=None)
    assert len(fig.axes) == 1
    assert not any(ln.get_label().startswith("box") for ln in fig.axes[0].lines)


def test_folded_bad_input():
    t, f = _curve()
    with pytest.raises(AstrolearnInputError, match="duration"):
        plot_folded(t, f, {"period": 3.0, "epoch": 0.7, "duration": 3.6})  # hours, not days
    with pytest.raises(AstrolearnInputError, match="no epoch"):
        plot_folded(t, f, {"period": 3.0, "duration": 0.1})
    with pytest.raises(AstrolearnInputError, match="model"):
        plot_folded(t, f, _signal(), model="batman")
    with pytest.raises(AstrolearnInputError, match="window_durations"):
        plot_folded(t, f, _signal(), window_durations=0)
    with pytest.raises(AstrolearnInputError, match="differ in length"):
        plot_folded(t, f[:-1], _signal())
    with pytest.raises(AstrolearnInputError, match="TransitSignal"):
        plot_folded(t, f, [3.0, 0.7, 0.1])


# -------------------------------------------------------------------------------- views
def test_views_side_by_side(tmp_path):
    g = -np.exp(-0.5 * ((np.arange(201) - 100) / 2.0) ** 2)
    loc = -np.exp(-0.5 * ((np.arange(61) - 30) / 8.0) ** 2)
    fig = plot_views(g, loc, title="SIM 1")
    assert len(fig.axes) == 2
    xg = fig.axes[0].lines[0].get_xdata()
    xl = fig.axes[1].lines[0].get_xdata()
    assert len(xg) == 201 and len(xl) == 61
    assert xg[100] == 0.0 and xl[30] == 0.0 and xl[-1] == pytest.approx(4.0)
    assert "durations" in fig.axes[1].get_xlabel() and fig.axes[0].get_xlabel() == "orbital phase"
    assert fig.get_suptitle() == "SIM 1"
    _saves(fig, tmp_path, "views")
    with pytest.raises(AstrolearnInputError, match="local_view"):
        plot_views(g, np.array([0.0, np.nan, 1.0]))


# ----------------------------------------------------------------------------- summary
def test_search_summary_layout_from_the_pipeline(tmp_path):
    from astrolearn.transits.pipeline import search_lightcurves

    t, f = _curve(seed=3, days=20.0, noise=1e-3)
    f = f * (1 + 2e-3 * np.sin(2 * np.pi * t / 7.0))  # a trend to remove
    lc = pd.DataFrame({"object_id": "A", "time": t, "flux": f, "flux_err": 1e-3})
    res = search_lightcurves(lc, views=False, max_signals=2, min_period=1.0, max_period=6.0)
    assert len(res.signals) >= 1
    assert res.signals["period"].iloc[0] == pytest.approx(PERIOD, rel=2e-3)
    grams = res.periodograms["A"]
    fig = plot_search_summary(res.flattened, res.signals, grams)
    n_sig = len(res.signals)
    assert len(fig.axes) == 2 + len(grams) + n_sig
    assert fig.get_suptitle() == "A"
    raw, flat = fig.axes[0], fig.axes[1]
    assert [ln.get_label() for ln in raw.lines] == ["flux", "trend"]
    marks = next(ln for ln in flat.lines if ln.get_label().startswith("signal 1"))
    # one marker per transit of the signal within the baseline, on the ephemeris
    mids = np.asarray(marks.get_xdata())
    assert mids.size == 7
    assert np.allclose(np.diff(mids), res.signals["period"].iloc[0])
    assert np.allclose(_vlines(fig.axes[2])[1], res.signals["period"].iloc[0])
    assert fig.axes[2 + len(grams)].get_xlabel() == "hours from mid-transit"
    _saves(fig, tmp_path, "summary")


def test_search_summary_bad_input():
    t = np.arange(0.0, 5.0, 0.02)
    two = pd.DataFrame({"object_id": np.repeat(["A", "B"], t.size), "time": np.tile(t, 2),
                        "flux": 1.0, "trend": 1.0, "flux_flat": 1.0})
    with pytest.raises(AstrolearnInputError, match="2 stars"):
        plot_search_summary(two, None, None)
    with pytest.raises(AstrolearnInputError, match="column"):
        plot_search_summary(two.drop(columns="trend"), None, None)
    with pytest.raises(AstrolearnInputError, match="Periodogram"):
        plot_search_summary(two[two.object_id == "A"], None, ["not a periodogram"])


# ------------------------------------------------------------------------- completeness
def _injections(n=200, seed=0):
    rng = np.random.default_rng(seed)
    period = np.exp(rng.uniform(np.log(0.5), np.log(20), n))
    snr = rng.uniform(3, 20, n)
    recovered = rng.random(n) < np.clip((snr - 5) / 6, 0, 1)
    return pd.DataFrame({"period": period, "snr": snr, "recovered": recovered})


def test_completeness_map_figure_cells_and_annotations(tmp_path):
    tab = _injections()
    pbins, sbins = [0.5, 2.0, 8.0, 20.0], [3, 6, 9, 12, 20]
    fig = plot_completeness_map(tab, period_bins=pbins, snr_bins=sbins)
    assert len(fig.axes) == 2  # map and colour bar
    ax = fig.axes[0]
    assert ax.get_xlabel() == "expected SNR" and ax.get_ylabel() == "period [d]"
    assert ax.get_yscale() == "log"
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    cm = completeness_map(tab, period_bins=pbins, snr_bins=sbins)
    assert np.allclose(np.ma.filled(mesh.get_array(), np.nan).ravel(),
                       cm["fraction"].to_numpy(), equal_nan=True)
    assert len(ax.texts) == 3 * 4
    texts = {t.get_text() for t in ax.texts}
    for _, cell in cm.iterrows():
        assert f"{cell['fraction']:.2f}\n{int(cell['n_recovered'])}/{int(cell['n'])}" in texts
    assert "200 injections" in ax.get_title()
    _saves(fig, tmp_path, "completeness_map")
    # the same figure from the map itself
    again = plot_completeness_map(cm, annotate=False)
    assert len(again.axes[0].texts) == 0


def test_completeness_map_empty_cell_and_bad_input():
    tab = pd.DataFrame({"period": [1.0, 1.5, 9.0], "snr": [5.0, 6.0, 15.0],
                        "recovered": [False, True, True]})
    fig = plot_completeness_map(tab, period_bins=[1, 4, 10], snr_bins=[0, 10, 20])
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0.50\n1/2", "1.00\n1/1", "n = 0", "n = 0"]
    with pytest.raises(AstrolearnInputError, match="neither"):
        plot_completeness_map(tab.drop(columns="recovered"))
    with pytest.raises(AstrolearnInputError, match="DataFrame"):
        plot_completeness_map(tab.to_numpy())


def test_completeness_curve_figure(tmp_path):
    tab = _injections(100)
    fig = plot_completeness_curve(tab, snr_bins=[3, 7, 11, 20], label="BLS")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "recovered fraction" and ax.get_xlabel() == "expected SNR"
    points = ax.lines[0]
    assert np.allclose(points.get_xdata(), [5.0, 9.0, 15.5])
    assert ax.get_legend() is not None
    _saves(fig, tmp_path, "completeness_curve")
