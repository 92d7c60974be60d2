"""``predict --out FOLDER`` for transient models: a long table partitioned by object,
classified file by file with the local engine or on Dask, as in memory."""

from __future__ import annotations

import pandas as pd
import pytest

from astrolearn.cli import main
from astrolearn.errors import AstrolearnInputError
from astrolearn.transients.classifier import TransientClassifier


@pytest.fixture(scope="module")
def setup(tmp_path_factory, des_pair, des_pair_test):
    folder = tmp_path_factory.mktemp("transients_scale")
    lc, meta = des_pair
    model = TransientClassifier(survey="des", model_params={"n_estimators": 30})
    model.fit(lc, "label", objects=meta).save(folder / "model")
    test_lc, test_meta = des_pair_test
    (folder / "lc").mkdir()
    ids = test_lc["object_id"].unique()
    for k in range(3):  # partitioned by object: every row of an object in one file
        part = test_lc[test_lc["object_id"].isin(ids[k::3])]
        part.rename(columns={"time": "mjd"}).to_parquet(folder / "lc" / f"lc-{k}.parquet")
    test_meta.to_parquet(folder / "objects.parquet")
    expected = TransientClassifier.load(folder / "model").predict_frame(
        test_lc, test_meta).sort_values("object_id").reset_index(drop=True)
    return folder, expected


def _predict(folder, out, *extra):
    return main(["predict", str(folder / "model"), "--lightcurves", str(folder / "lc"),
                 "--objects", str(folder / "objects.parquet"), "--columns", "time=mjd",
                 "--out", str(out), "--quiet", *extra])


def _read(out):
    return pd.read_parquet(out).sort_values("object_id").reset_index(drop=True)


def test_local_engine_equals_in_memory_prediction_and_resumes(setup, tmp_path, capsys):
    folder, expected = setup
    assert _predict(folder, tmp_path / "pred") == 0
    assert "from 3 light-curve file(s)" in capsys.readouterr().out
    out = _read(tmp_path / "pred")
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    (tmp_path / "pred" / "lc-1.parquet").unlink()
    assert _predict(folder, tmp_path / "pred") == 0
    assert "from 1 light-curve file(s)" in capsys.readouterr().out
    pd.testing.assert_frame_equal(_read(tmp_path / "pred"), expected, check_dtype=False)


@pytest.mark.slow
def test_dask_engine_gives_the_same_classifications(setup, tmp_path):
    pytest.importorskip("distributed")
    folder, expected = setup
    assert _predict(folder, tmp_path / "pred", "--engine", "dask", "--workers", "2") == 0
    pd.testing.assert_frame_equal(_read(tmp_path / "pred"), expected, check_dtype=False)


def test_an_object_split_over_files_is_refused(setup, tmp_path, capsys, des_pair_test):
    folder, _ = setup
    lc = des_pair_test[0].rename(columns={"time": "mjd"})
    (tmp_path / "lc").mkdir()
    lc.iloc[: len(lc) // 2].to_parquet(tmp_path / "lc" / "a.parquet")
    lc.iloc[len(lc) // 2:].to_parquet(tmp_path / "lc" / "b.parquet")
    code = main(["predict", str(folder / "model"), "--lightcurves", str(tmp_path / "lc"),
                 "--columns", "time=mjd", "--out", str(tmp_path / "pred"), "--quiet"])
    assert code == 2
    assert "more than one file" in capsys.readouterr().err


def test_partitioned_prediction_wants_parquet_flux_tables(setup, tmp_path):
    from types import SimpleNamespace

    from astrolearn.transients.commands import _predict_partitioned

    args = SimpleNamespace(magnitudes=True, layout=None, objects=None)
    with pytest.raises(AstrolearnInputError, match="Parquet long tables"):
        _predict_partitioned(args, setup[0] / "lc", print)
