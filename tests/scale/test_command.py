"""``astrolearn predict`` into partitioned datasets, with both engines."""

from __future__ import annotations

import pandas as pd
import pytest

from astrolearn.cli import main


@pytest.fixture
def model_folder(tmp_path, fitted):
    return fitted.save(tmp_path / "model", extra={"id_column": "object_id"})


def test_folder_output_with_the_local_engine(tmp_path, dataset, model_folder, catalog,
                                             capsys):
    assert main(["predict", str(model_folder), "--data", str(dataset), "--out",
                 str(tmp_path / "pred"), "--partition-rows", "500", "--quiet"]) == 0
    assert "in 8 partition(s)" in capsys.readouterr().out
    out = pd.read_parquet(tmp_path / "pred")
    assert sorted(out["object_id"]) == sorted(catalog["object_id"])  # id kept by default
    assert main(["predict", str(model_folder), "--data", str(dataset), "--out",
                 str(tmp_path / "pred"), "--partition-rows", "500", "--quiet"]) == 0
    assert "wrote 0 predictions in 0 partition(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_dask_engine_from_the_command_line(tmp_path, dataset, model_folder, capsys):
    pytest.importorskip("distributed")
    assert main(["predict", str(model_folder), "--data", str(dataset), "--out",
                 str(tmp_path / "pred"), "--engine", "dask", "--workers", "2",
                 "--quiet"]) == 0
    assert "with the dask engine" in capsys.readouterr().out
    assert len(pd.read_parquet(tmp_path / "pred")) == 4000


def test_dask_engine_wants_a_folder(tmp_path, dataset, model_folder, capsys):
    assert main(["predict", str(model_folder), "--data", str(dataset), "--out",
                 str(tmp_path / "pred.parquet"), "--engine", "dask"]) == 2
    assert "give --out a folder" in capsys.readouterr().err


def test_unreachable_scheduler_exits_with_a_message(tmp_path, dataset, model_folder, capsys):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["predict", str(model_folder), "--data", str(dataset), "--out",
                     str(tmp_path / "pred"), "--engine", "dask", "--scheduler",
                     "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
