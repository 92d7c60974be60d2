"""The Dask engine on a LocalCluster of 2 worker processes on loopback: identical output to
the local engine, the model loaded once per worker, a killed worker loses and duplicates
nothing, resume, and clear errors."""

from __future__ import annotations

import pandas as pd
import pytest
from scale_faults import FaultyModel

from astrolearn.errors import AstrolearnInputError, AstrolearnRunError
from astrolearn.scale import predict_dataset

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes; a worker may die once per task before the
    task counts as failed (allowed-failures 1), so the tests stay short."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           host="127.0.0.1")
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def frame(folder) -> pd.DataFrame:
    return pd.read_parquet(folder).sort_values("object_id").reset_index(drop=True)


def test_identical_to_the_local_engine_with_one_load_per_worker(tmp_path, dataset, fitted,
                                                                client):
    local = predict_dataset(fitted, dataset, tmp_path / "local", id_column="object_id",
                            partition_rows=500)
    lines = []
    run = predict_dataset(fitted, dataset, tmp_path / "dask", engine="dask", client=client,
                          id_column="object_id", partition_rows=500, progress=lines.append)
    assert (run.rows, run.partitions, run.written) == (local.rows, 8, 8)
    assert run.model_loads == 2  # 8 partitions, 2 workers: one load each
    assert len(run.peak_memory_mb) == 2 and all(m > 0 for m in run.peak_memory_mb.values())
    pd.testing.assert_frame_equal(frame(tmp_path / "dask"), frame(tmp_path / "local"))
    assert sorted(p.name for p in (tmp_path / "dask").glob("*.parquet")) == sorted(
        p.name for p in (tmp_path / "local").glob("*.parquet"))
    assert lines[-1].startswith("8/8 partitions, 4,000/4,000 rows")


def test_killed_worker_loses_and_duplicates_no_row(tmp_path, dataset, fitted, client,
                                                   catalog):
    poison = tmp_path / "poison"
    poison.touch()
    faulty = FaultyModel(fitted, poison, "part-2.parquet", mode="kill", once=True)
    run = predict_dataset(faulty, dataset, tmp_path / "pred", engine="dask", client=client,
                          id_column="object_id", partition_rows=500)
    assert not poison.exists()  # the worker did die
    assert run.rows_written == 4000
    out = frame(tmp_path / "pred")
    assert out["object_id"].tolist() == sorted(catalog["object_id"])
    assert not list((tmp_path / "pred").glob(".*.tmp"))


def test_a_partition_that_keeps_killing_workers_stops_the_job_and_resume_finishes(
        tmp_path, dataset, fitted, client):
    poison = tmp_path / "poison"
    poison.touch()
    faulty = FaultyModel(fitted, poison, "part-3.parquet", mode="kill", once=False)
    out = tmp_path / "pred"
    with pytest.raises(AstrolearnRunError, match=r"part-3 .*died repeatedly.*of 4 partitions "
                       "are written and verified.*run the same command again"):
        predict_dataset(faulty, dataset, out, engine="dask", client=client,
                        id_column="object_id")
    done = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    assert "part-3.parquet" not in done
    poison.unlink()
    client.wait_for_workers(2, timeout=60)
    run = predict_dataset(faulty, dataset, out, engine="dask", client=client,
                          id_column="object_id")
    assert run.written == 4 - len(done) and run.skipped == len(done)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")
            if p.name in done} == done
    assert frame(out)["object_id"].is_unique and len(frame(out)) == 4000


def test_unreachable_scheduler_is_a_clear_error(tmp_path, dataset, fitted):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(
            AstrolearnInputError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        predict_dataset(fitted, dataset, tmp_path / "pred", engine="dask",
                        scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "pred" / "part-0.parquet").exists()


def test_local_cluster_started_by_the_command(tmp_path, dataset, fitted):
    run = predict_dataset(fitted, dataset, tmp_path / "pred", engine="dask", workers=1,
                          id_column="object_id")
    assert run.rows == 4000 and run.model_loads == 1


def _arrow_threads() -> int:
    import pyarrow as pa

    return pa.cpu_count()


def test_workers_decode_parquet_on_their_own_threads(tmp_path, dataset, fitted, client):
    predict_dataset(fitted, dataset, tmp_path / "pred", engine="dask", client=client,
                    id_column="object_id")
    assert set(client.run(_arrow_threads).values()) == {1}  # one thread per worker


def test_hats_catalog_on_dask_equals_the_local_engine(tmp_path, catalog, fitted, client):
    lsdb = pytest.importorskip("lsdb")
    lsdb.from_dataframe(catalog, ra_column="ra", dec_column="dec", catalog_name="sim",
                        partition_rows=800).to_hats(tmp_path / "hats")
    predict_dataset(fitted, tmp_path / "hats", tmp_path / "local", id_column="object_id")
    predict_dataset(fitted, tmp_path / "hats", tmp_path / "dask", engine="dask",
                    client=client, id_column="object_id")
    local = lsdb.open_catalog(tmp_path / "local").compute().sort_values("object_id")
    dask_out = lsdb.open_catalog(tmp_path / "dask").compute().sort_values("object_id")
    pd.testing.assert_frame_equal(dask_out, local)
