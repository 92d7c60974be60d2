"""Partitions of Parquet datasets and HATS catalogs: row counts, names, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from astrolearn.errors import AstrolearnInputError
from astrolearn.scale.partitions import is_hats_catalog, plan_partitions


def test_folder_is_cut_at_files_and_row_groups(dataset):
    plan = plan_partitions(dataset, partition_rows=600)
    assert plan.layout == "parquet" and plan.rows == 4000
    assert len(plan.partitions) == 8  # 500-row groups never share a 600-row partition
    assert plan.partitions[0].output == "part-0-0000.parquet"
    assert all(p.rows == 500 for p in plan.partitions)
    whole = plan_partitions(dataset, partition_rows=10_000)
    assert [p.output for p in whole.partitions] == [f"part-{k}.parquet" for k in range(4)]
    assert [p.pieces[0][1] for p in whole.partitions] == [(0, 1)] * 4


def test_hidden_and_underscore_files_are_skipped(dataset):
    pd.DataFrame({"x": [1]}).to_parquet(dataset / "_metadata.parquet")
    (dataset / ".tmp").mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(dataset / ".tmp" / "junk.parquet")
    assert len(plan_partitions(dataset).partitions) == 4


def test_identity_changes_when_a_file_changes(dataset, catalog):
    before = plan_partitions(dataset).partitions[1].identity
    catalog.iloc[:10].to_parquet(dataset / "part-1.parquet")
    assert plan_partitions(dataset).partitions[1].identity != before


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nothing", "no such file"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "no Parquet files"),
    (lambda d: (d / "c.csv").write_text("a\n1\n") and d / "c.csv", "Parquet files"),
    (lambda d: (d / "bad.parquet").write_bytes(b"not parquet") and d / "bad.parquet",
     "not a readable Parquet file"),
])
def test_bad_input_is_named(tmp_path, make, message):
    with pytest.raises(AstrolearnInputError, match=message):
        plan_partitions(make(tmp_path))


def test_files_with_other_columns_are_refused(dataset):
    pd.DataFrame({"x": [1.0]}).to_parquet(dataset / "part-9.parquet")
    with pytest.raises(AstrolearnInputError, match=r"part-9\.parquet.*columns differ"):
        plan_partitions(dataset)


def test_hats_catalog_is_cut_at_its_pixels(tmp_path, catalog):
    lsdb = pytest.importorskip("lsdb")
    path = tmp_path / "hats"
    lsdb.from_dataframe(catalog, ra_column="ra", dec_column="dec", catalog_name="sim",
                        partition_rows=800).to_hats(path)
    assert is_hats_catalog(path)
    plan = plan_partitions(path)
    assert plan.layout == "hats" and plan.rows == len(catalog)
    assert len(plan.partitions) > 4
    assert all(p.output.startswith("dataset/Norder=") for p in plan.partitions)
    assert plan.hats["ra_column"] == "ra" and plan.hats["healpix_column"] == "_healpix_29"
