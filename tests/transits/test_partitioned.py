"""``predict vetter/ --lightcurves DIR --out FOLDER/``: search and vet partition by
partition (FITS files grouped by star, or Parquet long tables), as in one process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astrolearn.cli import main
from astrolearn.transits.classifier import TransitClassifier
from astrolearn.transits.partitioned import plan_transit_partitions
from astrolearn.transits.pipeline import search_lightcurves

from .test_lightcurves import quarter, write_lc


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("transits_scale")
    assert main(["simulate", "transits", "--n", "30", "--seed", "4", "--out",
                 str(folder / "sim"), "--quiet"]) == 0
    assert main(["fit", "transits", "--data", str(folder / "sim" / "signals.parquet"),
                 "--model", "lightgbm", "--model-param", "n_estimators=30",
                 "--out", str(folder / "model"), "--quiet"]) == 0
    lightcurves = pd.read_parquet(folder / "sim" / "lightcurves.parquet")
    truth = pd.read_parquet(folder / "sim" / "truth.parquet")
    star_table = truth[["object_id", "tmag", "teff", "logg", "radius_rsun", "mass_msun"]]
    star_table = star_table.astype({"object_id": str})
    star_table.to_parquet(folder / "stars.parquet")
    stars = lightcurves["object_id"].unique()[:6]
    (folder / "lc").mkdir()
    for k in range(3):
        part = lightcurves[lightcurves["object_id"].isin(stars[k::3])]
        part.to_parquet(folder / "lc" / f"stars-{k}.parquet")
    model = TransitClassifier.load(folder / "model")
    signals = search_lightcurves(lightcurves[lightcurves["object_id"].isin(stars)],
                                 global_bins=model.view_bins_["global"],
                                 local_bins=model.view_bins_["local"]).signals
    signals = signals.astype({"object_id": str}).merge(star_table, on="object_id")
    expected = model.predict_frame(signals, keep=["object_id", "signal", "period"])
    return folder, expected.sort_values(["object_id", "signal"]).reset_index(drop=True)


def _read(out):
    frame = pd.read_parquet(out).sort_values(["object_id", "signal"])
    return frame.reset_index(drop=True)


def test_parquet_long_tables_give_the_verdicts_of_one_process(workspace, tmp_path, capsys):
    folder, expected = workspace
    assert main(["predict", str(folder / "model"), "--lightcurves", str(folder / "lc"),
                 "--objects", str(folder / "stars.parquet"), "--out",
                 str(tmp_path / "verdicts"), "--quiet"]) == 0
    assert "from 3 partition(s)" in capsys.readouterr().out
    out = _read(tmp_path / "verdicts")
    assert len(out) == len(expected) > 0
    assert out["object_id"].tolist() == expected["object_id"].tolist()
    np.testing.assert_allclose(out["period"], expected["period"])
    probs = [c for c in expected.columns if c.startswith("prob_")]
    np.testing.assert_allclose(out[probs], expected[probs], atol=1e-6)


@pytest.mark.slow
def test_dask_engine_gives_the_same_verdicts(workspace, tmp_path):
    pytest.importorskip("distributed")
    folder, expected = workspace
    assert main(["predict", str(folder / "model"), "--lightcurves", str(folder / "lc"),
                 "--objects", str(folder / "stars.parquet"), "--out",
                 str(tmp_path / "verdicts"), "--engine", "dask", "--workers", "2",
                 "--quiet"]) == 0
    out = _read(tmp_path / "verdicts")
    probs = [c for c in expected.columns if c.startswith("prob_")]
    np.testing.assert_allclose(out[probs], expected[probs], atol=1e-6)


def test_fits_files_of_one_star_stay_in_one_partition(tmp_path):
    rng = np.random.default_rng(0)
    for star in (1, 2, 3):
        for q in (1, 2):
            time, flux = quarter(rng, 100.0 * q, 50, 1000.0)
            write_lc(tmp_path / f"kplr{star}-q{q}.fits", time, flux, star=star, segment=q)
    plan = plan_transit_partitions(tmp_path, stars_per_partition=2)
    assert [p.rows for p in plan.partitions] == [4, 2]
    first = {p.split("/")[-1] for p, _ in plan.partitions[0].pieces}
    assert first == {"kplr1-q1.fits", "kplr1-q2.fits", "kplr2-q1.fits", "kplr2-q2.fits"}


def test_a_file_output_is_refused(workspace, tmp_path, capsys):
    folder, _ = workspace
    assert main(["predict", str(folder / "model"), "--lightcurves", str(folder / "lc"),
                 "--out", str(tmp_path / "verdicts.parquet")]) == 2
    assert "give --out a folder" in capsys.readouterr().err


@pytest.mark.realdata
def test_real_kepler_quarters_of_one_star_share_a_partition(real_data_path):
    plan = plan_transit_partitions(real_data_path("kepler", "fits"), stars_per_partition=1)
    groups = [sorted(p.split("/")[-1] for p, _ in part.pieces) for part in plan.partitions]
    kepler90 = [g for g in groups if any(name.startswith("kplr011442793") for name in g)]
    assert len(kepler90) == 1 and len(kepler90[0]) == 3  # its three quarters together
    assert sum(len(g) for g in groups) == 5
