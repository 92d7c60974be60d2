"""The search pipeline: arrays, tables with flagged cadences, several stars, views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.datasets.transit_sim import simulate_transits, transit_model
from astrolearn.errors import AstrolearnInputError
from astrolearn.transits.pipeline import search_lightcurves


def _planet_arrays(seed=0, period=3.3, epoch=1.2):
    t = np.arange(0.0, 27.0, 0.02)
    rng = np.random.default_rng(seed)
    flux = transit_model(t, period=period, epoch=epoch, rp_rs=0.05, a_rs=10.0, inc_deg=89.0)
    return t, flux * (1 + rng.normal(0, 5e-4, t.size))


def test_plain_arrays_are_searched_as_one_star():
    t, flux = _planet_arrays()
    found = search_lightcurves((t, flux), max_signals=1, global_bins=101, local_bins=31)
    row = found.signals.iloc[0]
    assert row["object_id"] == "star" and abs(row["period"] / 3.3 - 1) < 1e-3
    assert len(row["global_view"]) == 101 and len(row["local_view"]) == 31
    assert set(found.periodograms) == {"star"}


def test_flagged_cadences_are_left_out_and_counted():
    t, flux = _planet_arrays(seed=1)
    table = pd.DataFrame({"object_id": "s", "time": t, "flux": flux,
                          "flux_err": np.full(t.size, 5e-4), "quality": 0})
    bad = np.arange(0, t.size, 97)
    table.loc[bad, "flux"] = 0.9  # corrupted, as flagged cadences often are
    table.loc[bad, "quality"] = 128
    found = search_lightcurves(table, max_signals=1, views=False)
    assert found.report["quality_flagged"] == bad.size
    assert abs(found.signals["period"].iloc[0] / 3.3 - 1) < 1e-3
    assert len(found.flattened) == t.size - bad.size
    assert (table.loc[bad, "quality"] == 128).all()  # the input is untouched


@pytest.mark.filterwarnings("ignore:dropped .* light-curve rows")
def test_every_star_is_searched_and_numbered():
    lc, truth = simulate_transits(3, classes=["planet"], mission="tess", snr_range=(35, 40),
                                  period_range=(1, 4), seed=11)
    found = search_lightcurves(lc, max_signals=2, views=False)
    first = found.signals[found.signals["signal"] == 1].set_index("object_id")
    assert sorted(first.index) == sorted(truth["object_id"])
    # 27 days hold about seven transits: the period is good to a few 1e-3
    assert np.allclose(first["period"], truth.set_index("object_id").loc[first.index, "period"],
                       rtol=3e-3)
    assert (found.signals.groupby("object_id")["signal"].min() == 1).all()


def test_bad_options_are_refused():
    t, flux = _planet_arrays()
    with pytest.raises(AstrolearnInputError, match="max_signals"):
        search_lightcurves((t, flux), max_signals=0)
    with pytest.raises(AstrolearnInputError, match="window"):
        search_lightcurves((t, flux), window_days=0.3)  # shorter than 3 x 0.5 d
