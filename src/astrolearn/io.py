"""Reading and writing tables: Parquet, FITS binary tables, CSV, HDF5 and VOTable.

Every reader turns the file into a :class:`pandas.DataFrame` (or an iterator of them, for
files too large for memory) and every failure into an :class:`AstrolearnInputError`
naming the file, the column and the fix. Writers are atomic: the output appears
complete under its final name or not at all, and an input is never overwritten.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError

__all__ = [
    "TABLE_FORMATS",
    "as_dataframe",
    "atomic_path",
    "check_not_input",
    "default_permissions",
    "iter_objects",
    "iter_table_chunks",
    "read_table",
    "require_columns",
    "table_columns",
    "table_format",
    "write_table",
]

TABLE_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".fits": "fits",
    ".fit": "fits",
    ".fits.gz": "fits",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".txt": "csv",
    ".hdf5": "hdf5",
    ".h5": "hdf5",
    ".hdf": "hdf5",
    ".vot": "votable",
    ".votable": "votable",
    ".xml": "votable",
}

_FORMAT_LIST = (
    "Parquet (.parquet/.pq), FITS (.fits), CSV (.csv), HDF5 (.hdf5/.h5), VOTable (.vot/.xml)"
)


def table_format(path: str | Path) -> str:
    """Return the table format of ``path`` from its extension (a folder is a Parquet dataset).

    Examples
    --------
    >>> table_format("catalog.fits.gz")
    'fits'
    """
    path = Path(path)
    if path.is_dir():
        return "parquet"
    name = path.name.lower()
    for suffix in sorted(TABLE_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return TABLE_FORMATS[suffix]
    raise AstrolearnInputError(
        f"unknown table format {path.suffix or '(no extension)'!r}",
        file=path,
        fix=f"give a file in one of {_FORMAT_LIST}",
    )


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise AstrolearnInputError("no such file", file=path, fix="check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise AstrolearnInputError("the file is empty (0 bytes)", file=path,
                                   fix="give a file that holds a table")


def as_dataframe(data, *, file: str | Path | None = None) -> pd.DataFrame:
    """Return ``data`` (DataFrame, astropy Table, dict of arrays, structured array) as a DataFrame.

    Multidimensional astropy columns are dropped (they cannot be catalog features); byte
    strings are decoded.

    Examples
    --------
    >>> as_dataframe({"u": [20.1, 21.3]}).shape
    (2, 1)
    """
    if isinstance(data, pd.DataFrame):
        return data
    try:
        from astropy.table import Table
    except ImportError:  # pragma: no cover - astropy is a dependency
        Table = ()
    if isinstance(data, Table):
        names = [n for n in data.colnames if len(data[n].shape) <= 1]
        frame = data[names].to_pandas()
    elif isinstance(data, np.ndarray) and data.dtype.names:
        frame = pd.DataFrame({n: _native(data[n]) for n in data.dtype.names if data[n].ndim == 1})
    elif isinstance(data, dict):
        frame = pd.DataFrame(data)
    else:
        raise AstrolearnInputError(
            f"cannot use an object of type {type(data).__name__} as a catalog",
            file=file,
            fix="pass a pandas DataFrame, an astropy Table or a path to a table file",
        )
    for name in frame.columns:
        if frame[name].dtype == object and len(frame) and isinstance(frame[name].iloc[0], bytes):
            frame[name] = frame[name].str.decode("utf-8").str.strip()
    return frame


def _native(array: np.ndarray) -> np.ndarray:
    """Return ``array`` in native byte order (FITS is big-endian; pandas wants native)."""
    if array.dtype.byteorder not in ("=", "|") and array.dtype.byteorder != (
        "<" if np.little_endian else ">"
    ):
        return array.astype(array.dtype.newbyteorder("="))
    return array


def require_columns(
    frame: pd.DataFrame, columns: Sequence[str], *, file: str | Path | None = None,
    option: str | None = None,
) -> None:
    """Raise a clear error if any of ``columns`` is missing from ``frame``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"u": [1.0]}), ["u"])
    """
    available = [str(c) for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, available, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            shown = ", ".join(available[:20]) + (" ..." if len(available) > 20 else "")
            how = f" with {option}" if option else ""
            raise AstrolearnInputError(
                "column not found",
                file=file,
                column=column,
                fix=f"{hint}name the right column{how} (the table has: {shown})",
            )


def read_table(
    path: str | Path, columns: Sequence[str] | None = None, *, hdf5_key: str | None = None
) -> pd.DataFrame:
    """Read a whole table file into a DataFrame.

    Parameters
    ----------
    path : str or Path
        Parquet file or folder, FITS binary table, CSV, HDF5 or VOTable.
    columns : sequence of str, optional
        Read only these columns (an error names any that are missing).
    hdf5_key : str, optional
        Group or table inside an HDF5 file (by default the only one there).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("u,g\\n20.1,19.5\\n")
    >>> read_table(p)["g"].tolist()
    [19.5]
    """
    chunks = list(iter_table_chunks(path, columns=columns, chunk_rows=None, hdf5_key=hdf5_key))
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    if len(frame) == 0:
        raise AstrolearnInputError("the table has no rows", file=path,
                                   fix="give a file with at least one row")
    return frame


def iter_table_chunks(
    path: str | Path,
    columns: Sequence[str] | None = None,
    *,
    chunk_rows: int | None = 500_000,
    hdf5_key: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield a table file as DataFrames of at most ``chunk_rows`` rows, holding one at a time.

    Parquet, CSV, FITS (memory-mapped) and HDF5 are streamed, so memory does not grow with
    the file; a VOTable is XML and is parsed whole, then sliced. ``chunk_rows=None`` yields
    the whole table at once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("u\\n1\\n2\\n3\\n")
    >>> [len(c) for c in iter_table_chunks(p, chunk_rows=2)]
    [2, 1]
    """
    path = Path(path)
    fmt = table_format(path)
    _check_exists(path)
    reader = {
        "parquet": _iter_parquet,
        "csv": _iter_csv,
        "fits": _iter_fits,
        "hdf5": _iter_hdf5,
        "votable": _iter_votable,
    }[fmt]
    try:
        yield from reader(path, list(columns) if columns is not None else None, chunk_rows,
                          hdf5_key)
    except AstrolearnInputError as err:
        raise err.in_file(path) from None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
        raise AstrolearnInputError(
            f"cannot be read as {fmt} ({type(err).__name__}: {err})",
            file=path,
            fix=f"check that the file is a complete, uncorrupted {fmt} table "
            "(re-download or re-export it)",
        ) from err


def _select(frame: pd.DataFrame, columns: list[str] | None, path: Path) -> pd.DataFrame:
    if columns is None:
        return frame
    require_columns(frame, columns, file=path)
    return frame[columns]


def _parquet_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".parquet", ".pq")
                       and not p.name.startswith((".", "_")))
        if not files:
            raise AstrolearnInputError("the folder holds no .parquet files", file=path,
                                       fix="give a Parquet file or a folder of them")
        return files
    return [path]


def _iter_parquet(path, columns, chunk_rows, _key):
    import pyarrow.parquet as pq

    files = _parquet_files(path)
    for k, file in enumerate(files):
        handle = pq.ParquetFile(file)
        if columns is not None:
            require_columns(pd.DataFrame(columns=handle.schema_arrow.names), columns, file=file)
        if chunk_rows is None:
            yield handle.read(columns=columns).to_pandas()
            continue
        # One row group is decoded at a time and sliced into chunks, so memory is set by
        # the row-group size and chunk_rows, never by the file size. (pyarrow's
        # iter_batches kept growing across row groups here: ~80 MB per million rows.)
        empty = True
        for group in range(handle.num_row_groups):
            table = handle.read_row_group(group, columns=columns)
            for start in range(0, table.num_rows, chunk_rows):
                empty = False
                yield table.slice(start, chunk_rows).to_pandas()
            del table
        if empty and k == len(files) - 1:
            yield handle.schema_arrow.empty_table().select(
                columns or handle.schema_arrow.names).to_pandas()


def _iter_csv(path, columns, chunk_rows, _key):
    try:
        header = pd.read_csv(path, nrows=0, comment="#")
    except pd.errors.EmptyDataError:
        raise AstrolearnInputError("the CSV file has no header line", file=path,
                                   fix="give a CSV whose first line names the columns") from None
    if columns is not None:
        require_columns(header, columns, file=path)
    if chunk_rows is None:
        yield pd.read_csv(path, usecols=columns, comment="#")
        return
    yield from pd.read_csv(path, usecols=columns, chunksize=chunk_rows, comment="#")


def _fits_table_hdu(hdul, path):
    from astropy.io import fits

    for hdu in hdul:
        if isinstance(hdu, fits.BinTableHDU | fits.TableHDU):
            return hdu
    raise AstrolearnInputError("the FITS file has no table extension", file=path,
                               fix="give a FITS file with a binary table (BINTABLE) HDU")


def _iter_fits(path, columns, chunk_rows, _key):
    from astropy.io import fits

    with fits.open(path, memmap=True) as hdul:
        hdu = _fits_table_hdu(hdul, path)
        data = hdu.data
        names = [c.name for c in hdu.columns if c.format.format == "A" or c.format.repeat == 1]
        if columns is not None:
            require_columns(pd.DataFrame(columns=[c.name for c in hdu.columns]), columns, file=path)
            names = columns
        n = 0 if data is None else len(data)
        step = n if chunk_rows is None else chunk_rows
        if n == 0:
            yield pd.DataFrame(columns=names)
            return
        for start in range(0, n, max(step, 1)):
            part = data[start : start + step]
            frame = pd.DataFrame({name: _native(np.asarray(part[name])) for name in names})
            yield as_dataframe(frame, file=path)


def _iter_votable(path, columns, chunk_rows, _key):
    from astropy.table import Table

    frame = as_dataframe(Table.read(path, format="votable"), file=path)
    frame = _select(frame, columns, path)
    step = len(frame) if chunk_rows is None else chunk_rows
    if len(frame) == 0:
        yield frame
        return
    for start in range(0, len(frame), max(step, 1)):
        yield frame.iloc[start : start + step].reset_index(drop=True)


def _iter_hdf5(path, columns, chunk_rows, key):
    import h5py

    with h5py.File(path, "r") as handle:
        is_pandas = any("pandas_type" in obj.attrs for obj in handle.values())
    if is_pandas:
        yield from _iter_pandas_hdf(path, columns, chunk_rows, key)
        return
    with h5py.File(path, "r") as handle:
        group, datasets = _hdf5_columns(handle, key, path)
        if columns is not None:
            require_columns(pd.DataFrame(columns=list(datasets)), columns, file=path)
            datasets = {name: datasets[name] for name in columns}
        if isinstance(group, h5py.Dataset):  # one compound dataset (astropy's HDF5 layout)
            n = group.shape[0]
            step = n if chunk_rows is None else chunk_rows
            for start in range(0, max(n, 1), max(step, 1)):
                part = group[start : start + step]
                yield as_dataframe({name: _native(part[name]) for name in datasets}, file=path)
            return
        n = len(next(iter(datasets.values()))) if datasets else 0
        step = n if chunk_rows is None else chunk_rows
        for start in range(0, max(n, 1), max(step, 1)):
            yield as_dataframe(
                {name: _native(ds[start : start + step]) for name, ds in datasets.items()},
                file=path,
            )


def _hdf5_columns(handle, key, path):
    """Find the table in an HDF5 file: a group of equal-length 1-D datasets, or a compound one."""
    import h5py

    candidates = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.names and obj.ndim == 1:
            candidates.append((name, obj, {n: None for n in obj.dtype.names}))
        elif isinstance(obj, h5py.Group):
            members = {k: v for k, v in obj.items() if isinstance(v, h5py.Dataset) and v.ndim == 1}
            lengths = {len(v) for v in members.values()}
            if members and len(lengths) == 1:
                candidates.append((name, obj, members))

    visit("/", handle)
    handle.visititems(visit)
    if key is not None:
        candidates = [c for c in candidates if c[0].strip("/") == key.strip("/")]
    if not candidates:
        raise AstrolearnInputError(
            "no table found in the HDF5 file" + (f" under key {key!r}" if key else ""),
            file=path,
            fix="store the table as a group of equal-length 1-D datasets, a compound dataset, "
            "or a pandas HDFStore table, and name it with hdf5_key",
        )
    if len(candidates) > 1 and key is None:
        names = ", ".join(c[0] for c in candidates)
        raise AstrolearnInputError(
            f"the HDF5 file holds several tables ({names})",
            file=path,
            fix="choose one with hdf5_key (--hdf5-key on the command line)",
        )
    _, obj, members = candidates[0]
    return obj, members


def _iter_pandas_hdf(path, columns, chunk_rows, key):
    with pd.HDFStore(path, mode="r") as store:
        keys = store.keys()
        if key is None:
            if len(keys) != 1:
                raise AstrolearnInputError(
                    f"the HDF5 file holds {len(keys)} tables ({', '.join(keys)})",
                    file=path, fix="choose one with hdf5_key (--hdf5-key on the command line)")
            key = keys[0]
        storer = store.get_storer(key)
        if chunk_rows is None or not storer.is_table:
            frame = store.select(key)
            frame = _select(frame.reset_index(drop=True), columns, path)
            step = len(frame) if chunk_rows is None else chunk_rows
            for start in range(0, max(len(frame), 1), max(step, 1)):
                yield frame.iloc[start : start + step].reset_index(drop=True)
            return
        for chunk in store.select(key, chunksize=chunk_rows):
            yield _select(chunk.reset_index(drop=True), columns, path)


def table_columns(path: str | Path, *, hdf5_key: str | None = None) -> list[str]:
    """Column names of a table file, reading as little of it as the format allows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("u,g\\n1,2\\n")
    >>> table_columns(p)
    ['u', 'g']
    """
    path = Path(path)
    if table_format(path) == "parquet":
        _check_exists(path)
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(_parquet_files(path)[0]).schema_arrow.names)
        except (OSError, ValueError) as err:
            raise AstrolearnInputError(f"cannot be read as parquet ({err})", file=path,
                                       fix="check that the file is a complete Parquet table"
                                       ) from err
    first = next(iter_table_chunks(path, chunk_rows=1, hdf5_key=hdf5_key))
    return [str(c) for c in first.columns]


def check_not_input(output: str | Path, *inputs: str | Path | None) -> None:
    """Refuse to write ``output`` where it would overwrite one of ``inputs`` (``None``: an
    optional input that was not given).

    Examples
    --------
    >>> check_not_input("predictions.parquet", "catalog.parquet")
    """
    out = Path(output).resolve()
    for item in inputs:
        if item is None:
            continue
        src = Path(item).resolve()
        if out == src or (out.exists() and src.exists() and os.path.samefile(out, src)):
            raise AstrolearnInputError(
                "the output would overwrite the input",
                file=output,
                fix="write the output to a different path (--out)",
            )
        if src.is_dir() and src in out.parents:
            raise AstrolearnInputError("the output would be written inside the input dataset",
                                       file=output, fix="write the output outside the input folder")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a temporary path next to ``path``; move it onto ``path`` only if the block succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        default_permissions(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def default_permissions(path: str | Path, *, directory: bool = False) -> None:
    """Give a file made by ``mkstemp``/``mkdtemp`` (mode 0600/0700) the usual umask mode."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if directory else 0o666) & ~umask)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` atomically as Parquet, CSV or FITS, chosen by the extension of ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> _ = write_table(pd.DataFrame({"u": [1.0]}), p)
    >>> read_table(p)["u"].tolist()
    [1.0]
    """
    path = Path(path)
    fmt = table_format(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        elif fmt == "csv":
            frame.to_csv(tmp, index=False)
        elif fmt == "fits":
            from astropy.table import Table

            Table.from_pandas(frame).write(tmp, format="fits", overwrite=True)
        elif fmt == "hdf5":
            frame.to_hdf(tmp, key="table", format="table", mode="w")
        else:
            from astropy.table import Table

            Table.from_pandas(frame).write(tmp, format="votable", overwrite=True)
    return path


def iter_objects(frame: pd.DataFrame, column: str = "object_id"
                 ) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Yield ``(id, rows)`` for each object of a long table, in id order.

    The table is split at the boundaries of its id runs (found with numpy on the sorted
    ids), which is far faster than a Python-level ``groupby``. An unsorted table is first
    sorted stably by id (a copy; ``frame`` is not modified). Rows keep their order within
    an object.

    Parameters
    ----------
    frame : pandas.DataFrame
        A long table (light curves: one row per observation).
    column : str, default "object_id"
        The id column.

    Yields
    ------
    id : object
        The identifier (a Python scalar).
    rows : pandas.DataFrame
        The object's rows (a slice, index as in the sorted table).

    Examples
    --------
    >>> lc = pd.DataFrame({"object_id": [5, 5, 3], "time": [1.0, 2.0, 1.0]})
    >>> [(oid, len(rows)) for oid, rows in iter_objects(lc)]
    [(3, 1), (5, 2)]
    """
    require_columns(frame, [column])
    if len(frame) == 0:
        return
    if not frame[column].is_monotonic_increasing:
        frame = frame.sort_values(column, kind="mergesort")
    codes, _ = pd.factorize(frame[column], use_na_sentinel=False)
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate([[0], change]).tolist()
    stops = np.concatenate([change, [len(frame)]]).tolist()
    values = frame[column].to_numpy()
    for start, stop in zip(starts, stops, strict=True):
        oid = values[start]
        yield (oid.item() if isinstance(oid, np.generic) else oid), frame.iloc[start:stop]

