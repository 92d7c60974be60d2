"""Partitioned prediction with the local engine: same answers as in memory, resume,
refusals, HATS in and out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scale_faults import FaultyModel

from astrolearn.errors import AstrolearnInputError, AstrolearnRunError
from astrolearn.scale import predict_dataset
from astrolearn.scale.dataset import RUN_RECORD

PROBS = ["prob_GALAXY", "prob_QSO", "prob_STAR"]


def read_output(folder) -> pd.DataFrame:
    return pd.read_parquet(folder).sort_values("object_id").reset_index(drop=True)


def test_predictions_equal_in_memory_predictions(tmp_path, dataset, catalog, fitted):
    run = predict_dataset(fitted, dataset, tmp_path / "pred", id_column="object_id",
                          chunk_rows=300, partition_rows=600)
    assert (run.rows, run.partitions, run.written, run.skipped) == (4000, 8, 8, 0)
    assert run.rows_written == 4000 and run.model_loads == 1
    out = read_output(tmp_path / "pred")
    assert out["object_id"].tolist() == sorted(catalog["object_id"])
    expected = fitted.predict_proba(catalog.sort_values("object_id"))
    np.testing.assert_allclose(out[PROBS], expected, atol=1e-6)
    record = json.loads((tmp_path / "pred" / RUN_RECORD).read_text())
    assert record["status"] == "complete" and record["rows"] == 4000


def test_model_folder_is_read_once(tmp_path, dataset, fitted):
    fitted.save(tmp_path / "model")
    run = predict_dataset(tmp_path / "model", dataset, tmp_path / "pred",
                          id_column="object_id")
    assert run.model_loads == 1 and run.rows == 4000


def test_resume_writes_only_the_missing_and_damaged_partitions(tmp_path, dataset, fitted):
    out = tmp_path / "pred"
    predict_dataset(fitted, dataset, out, id_column="object_id")
    (out / "part-1.parquet").unlink()
    damaged = out / "part-2.parquet"
    damaged.write_bytes(damaged.read_bytes()[:200])
    untouched = (out / "part-0.parquet").stat().st_mtime_ns
    lines = []
    run = predict_dataset(fitted, dataset, out, id_column="object_id", progress=lines.append)
    assert (run.written, run.skipped, run.rows_written) == (2, 2, 2000)
    assert any("resuming: 2 of 4" in line for line in lines)
    assert (out / "part-0.parquet").stat().st_mtime_ns == untouched
    assert len(read_output(out)) == 4000


def test_a_changed_input_file_is_redone_and_other_partition_sizes_replace_old_files(
        tmp_path, dataset, fitted, catalog):
    out = tmp_path / "pred"
    predict_dataset(fitted, dataset, out, id_column="object_id")
    catalog.iloc[1000:1500].to_parquet(dataset / "part-1.parquet")  # rewritten, shorter
    run = predict_dataset(fitted, dataset, out, id_column="object_id")
    assert (run.written, run.skipped, run.rows) == (1, 3, 3500)
    assert len(read_output(out)) == 3500
    run = predict_dataset(fitted, dataset, out, id_column="object_id", partition_rows=500)
    # part-1 (one row group of 500) keeps its name and is not redone; the others split
    assert (run.written, run.skipped) == (6, 1)
    assert sorted(p.name for p in out.glob("*.parquet")) == [
        "part-0-0000.parquet", "part-0-0001.parquet", "part-1.parquet",
        "part-2-0000.parquet", "part-2-0001.parquet", "part-3-0000.parquet",
        "part-3-0001.parquet"]
    assert read_output(out)["object_id"].is_unique and len(read_output(out)) == 3500


def test_a_failing_partition_stops_with_a_report_and_the_rerun_resumes(tmp_path, dataset,
                                                                        fitted):
    poison = tmp_path / "poison"
    poison.touch()
    faulty = FaultyModel(fitted, poison, "part-2.parquet", mode="raise", once=False)
    out = tmp_path / "pred"
    with pytest.raises(AstrolearnRunError, match=r"part-2 .*failed 2 time.*injected failure.*"
                       r"2 of 4 partitions are written"):
        predict_dataset(faulty, dataset, out, id_column="object_id", retries=1)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part-0.parquet",
                                                            "part-1.parquet"]
    poison.unlink()
    run = predict_dataset(faulty, dataset, out, id_column="object_id")
    assert (run.written, run.skipped) == (2, 2)
    assert read_output(out)["object_id"].is_unique and len(read_output(out)) == 4000


def test_a_folder_of_another_run_or_other_files_is_refused(tmp_path, dataset, fitted,
                                                           catalog):
    out = tmp_path / "pred"
    predict_dataset(fitted, dataset, out, id_column="object_id")
    with pytest.raises(AstrolearnInputError, match="another model, input or settings"):
        predict_dataset(fitted, dataset, out)  # no id column: other settings
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(AstrolearnInputError, match="not an astrolearn prediction folder"):
        predict_dataset(fitted, dataset, other)
    assert (other / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("out, message", [("pred.parquet", "a folder, not a file"),
                                          ("catalog/pred", "inside the input")])
def test_bad_output_paths(tmp_path, dataset, fitted, out, message):
    with pytest.raises(AstrolearnInputError, match=message):
        predict_dataset(fitted, dataset, tmp_path / out)


def test_missing_model_column_is_named_before_work_starts(tmp_path, dataset, fitted):
    with pytest.raises(AstrolearnInputError, match="column 'nope'"):
        predict_dataset(fitted, dataset, tmp_path / "pred", id_column="nope")
    assert not (tmp_path / "pred").exists()


def test_inputs_are_never_modified(tmp_path, dataset, fitted):
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in dataset.iterdir()}
    predict_dataset(fitted, dataset, tmp_path / "pred", id_column="object_id")
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in dataset.iterdir()} == before


def test_photoz_pdfs_through_partitions(tmp_path):
    from astrolearn.datasets import simulate_catalog
    from astrolearn.photoz import PhotoZ

    train = simulate_catalog(3000, seed=1)
    model = PhotoZ(errors="{band}_err", model="knn").fit(train, "redshift")
    test = simulate_catalog(900, seed=2)
    test.to_parquet(tmp_path / "cat.parquet", row_group_size=300)
    predict_dataset(model, tmp_path / "cat.parquet", tmp_path / "pz", id_column="object_id",
                    partition_rows=300, predict_options={"pdf": True})
    out = read_output(tmp_path / "pz")
    assert len(out) == 900 and len(list((tmp_path / "pz").glob("*.parquet"))) == 3
    np.testing.assert_allclose(out["z_best"], model.predict(
        test.sort_values("object_id")), atol=1e-5)
    assert len(out["pdf"].iloc[0]) == len(model.zgrid_)


def test_hats_in_hats_out(tmp_path, catalog, fitted):
    lsdb = pytest.importorskip("lsdb")
    path = tmp_path / "hats"
    lsdb.from_dataframe(catalog, ra_column="ra", dec_column="dec", catalog_name="sim",
                        partition_rows=800).to_hats(path)
    run = predict_dataset(fitted, path, tmp_path / "pred", id_column="object_id")
    assert run.rows == len(catalog)
    result = lsdb.open_catalog(tmp_path / "pred")
    assert result.hc_structure.catalog_info.total_rows == len(catalog)
    frame = result.compute().sort_values("object_id")
    assert frame["object_id"].tolist() == sorted(catalog["object_id"])
    np.testing.assert_allclose(frame[PROBS].to_numpy(dtype=float), fitted.predict_proba(
        catalog.sort_values("object_id")), atol=1e-6)
    assert {"ra", "dec"} <= set(frame.columns)
    cone = result.cone_search(ra=float(catalog.ra.iloc[0]), dec=float(catalog.dec.iloc[0]),
                              radius_arcsec=1.0).compute()
    assert catalog.object_id.iloc[0] in cone["object_id"].tolist()


@pytest.mark.realdata
def test_real_sdss_through_a_hats_catalog_matches_in_memory_prediction(tmp_path,
                                                                      real_data_path):
    lsdb = pytest.importorskip("lsdb")
    from astrolearn.catalogs import SourceClassifier

    frame = pd.read_parquet(real_data_path("sdss", "sdss_dr17_100k.parquet"))
    train, rest = frame.iloc[:20_000], frame.iloc[20_000:40_000]
    clf = SourceClassifier(model_params={"n_estimators": 40}).fit(train, train["class"])
    lsdb.from_dataframe(rest, ra_column="alpha", dec_column="delta", catalog_name="sdss",
                        partition_rows=3000).to_hats(tmp_path / "hats")
    run = predict_dataset(clf, tmp_path / "hats", tmp_path / "pred", id_column="kaggle_row")
    out = lsdb.open_catalog(tmp_path / "pred").compute().sort_values("kaggle_row")
    assert run.rows == len(out) == 20_000 and run.partitions > 4
    expected = clf.predict_frame(rest.sort_values("kaggle_row"))
    assert (out["predicted_class"].astype(str).to_numpy()
            == expected["predicted_class"].astype(str).to_numpy()).all()
    np.testing.assert_allclose(out["alpha"].to_numpy(dtype=float),
                               rest.sort_values("kaggle_row")["alpha"].to_numpy())
