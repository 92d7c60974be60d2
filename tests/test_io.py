"""Reading every table format, streaming in chunks, clear errors, atomic writes."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import (
    as_dataframe,
    atomic_path,
    check_not_input,
    iter_table_chunks,
    read_table,
    table_columns,
    table_format,
    write_table,
)

FRAME = pd.DataFrame({"object_id": np.arange(7), "u": np.linspace(18, 22, 7),
                      "class": ["STAR", "QSO", "GALAXY", "STAR", "QSO", "GALAXY", "STAR"]})


def _write(frame, path):
    fmt = table_format(path)
    if fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "fits":
        Table.from_pandas(frame).write(path)
    elif fmt == "votable":
        Table.from_pandas(frame).write(path, format="votable")
    elif fmt == "hdf5":
        frame.to_hdf(path, key="catalog", format="table")


@pytest.mark.parametrize("name", ["t.parquet", "t.csv", "t.fits", "t.vot", "t.hdf5"])
def test_every_format_reads_back_the_same_table(tmp_path, name):
    _write(FRAME, tmp_path / name)
    back = read_table(tmp_path / name)
    assert back["object_id"].tolist() == FRAME["object_id"].tolist()
    np.testing.assert_allclose(back["u"], FRAME["u"])
    assert back["class"].astype(str).tolist() == FRAME["class"].tolist()


@pytest.mark.parametrize("name", ["t.parquet", "t.csv", "t.fits", "t.vot", "t.hdf5"])
def test_chunks_cover_every_row_once(tmp_path, name):
    _write(FRAME, tmp_path / name)
    chunks = list(iter_table_chunks(tmp_path / name, ["object_id", "u"], chunk_rows=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert pd.concat(chunks)["object_id"].tolist() == list(range(7))


def test_rail_style_hdf5_group_of_datasets(tmp_path):
    path = tmp_path / "rail.hdf5"
    with h5py.File(path, "w") as handle:
        group = handle.create_group("photometry")
        group["mag_u_lsst"] = np.array([24.0, 99.0], dtype=">f4")
        group["redshift"] = np.array([0.5, 1.2])
    frame = read_table(path)
    assert frame["mag_u_lsst"].tolist() == [24.0, 99.0]
    assert frame["mag_u_lsst"].dtype.byteorder in ("=", "<", "|")


def test_fits_big_endian_columns_become_native(tmp_path):
    _write(FRAME, tmp_path / "t.fits")
    frame = read_table(tmp_path / "t.fits")
    assert frame["u"].to_numpy().dtype.isnative


def test_missing_column_names_file_column_and_close_match(tmp_path):
    _write(FRAME, tmp_path / "t.parquet")
    with pytest.raises(AstrolearnInputError) as info:
        read_table(tmp_path / "t.parquet", ["object_id", "uu"])
    message = str(info.value)
    assert "t.parquet" in message and "'uu'" in message and "did you mean u" in message


def test_empty_and_missing_and_unknown_files(tmp_path):
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(AstrolearnInputError, match="empty"):
        read_table(tmp_path / "empty.parquet")
    with pytest.raises(AstrolearnInputError, match="no such file"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(AstrolearnInputError, match="unknown table format"):
        read_table(tmp_path / "catalog.xlsx")
    (tmp_path / "header.csv").write_text("u,g\n")
    with pytest.raises(AstrolearnInputError, match="no rows"):
        read_table(tmp_path / "header.csv")


def test_corrupted_file_gives_a_clear_error(tmp_path):
    _write(FRAME, tmp_path / "t.parquet")
    data = (tmp_path / "t.parquet").read_bytes()
    (tmp_path / "bad.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(AstrolearnInputError) as info:
        read_table(tmp_path / "bad.parquet")
    assert "bad.parquet" in str(info.value) and "Fix:" in str(info.value)
    (tmp_path / "bad.fits").write_bytes(b"SIMPLE  = T" + b" " * 100)
    with pytest.raises(AstrolearnInputError, match=r"bad\.fits"):
        read_table(tmp_path / "bad.fits")


def test_astropy_table_and_structured_array_are_accepted():
    table = Table({"u": [20.0, 21.0], "v": np.zeros((2, 3))})
    assert list(as_dataframe(table).columns) == ["u"]  # multidimensional column dropped
    rec = np.array([(1.0, 2.0)], dtype=[("u", ">f8"), ("g", ">f8")])
    assert as_dataframe(rec)["g"].tolist() == [2.0]
    with pytest.raises(AstrolearnInputError, match="cannot use"):
        as_dataframe([1, 2, 3])


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("crash")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_table_round_trip_and_refuses_input(tmp_path):
    write_table(FRAME, tmp_path / "a.csv")
    assert read_table(tmp_path / "a.csv").shape == FRAME.shape
    with pytest.raises(AstrolearnInputError, match="overwrite the input"):
        check_not_input(tmp_path / "a.csv", tmp_path / "a.csv")


def test_parquet_folder_is_read_file_by_file(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    FRAME.iloc[:4].to_parquet(folder / "part-0.parquet")
    FRAME.iloc[4:].to_parquet(folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    assert read_table(folder)["object_id"].tolist() == list(range(7))
    assert [len(c) for c in iter_table_chunks(folder, ["u"], chunk_rows=3)] == [3, 1, 3]
    assert table_columns(folder) == ["object_id", "u", "class"]
