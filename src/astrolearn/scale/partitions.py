"""Cut a Parquet dataset or a HATS catalog into partitions: the units of survey-scale work.

A partition is a list of (file, row groups) pieces whose row count is known from the
Parquet footers before any data are read, so that a finished partition can be verified
(its output holds exactly that many rows) and an interrupted run resumed. A HATS catalog
is cut at its HEALPix pixels, one partition per pixel, so the output keeps the input's
sky partitioning; a plain Parquet dataset is cut at file and row-group boundaries into
partitions of at most ``partition_rows`` rows (a single row group larger than that is one
partition on its own).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from astrolearn.errors import AstrolearnInputError

__all__ = ["HATS_PROPERTY_FILES", "DatasetPlan", "Partition", "hats_columns",
           "is_hats_catalog", "plan_file_groups", "plan_partitions"]

#: Files that mark a folder as a HATS catalog or collection.
HATS_PROPERTY_FILES = ("hats.properties", "properties", "collection.properties")


@dataclass(frozen=True)
class Partition:
    """One unit of work: pieces of Parquet files and the output file they become.

    Attributes
    ----------
    key : str
        Stable name, unique within the plan (the output path without its suffix).
    pieces : tuple of (str, tuple of int)
        Input files with the row groups to read from each.
    rows : int
        Rows the partition holds (from the Parquet footers).
    output : str
        Output path relative to the output folder.
    identity : str
        Fingerprint of the input pieces (path, size, modification time, row groups): a
        partition written from a file that has since changed is not taken as done.
    """

    key: str
    pieces: tuple[tuple[str, tuple[int, ...]], ...]
    rows: int
    output: str
    identity: str


@dataclass
class DatasetPlan:
    """Partitions of an input dataset and what is known about its layout.

    Attributes
    ----------
    root : Path
        The input as given.
    layout : {"parquet", "hats", "files"}
        A plain Parquet file or folder, a HATS catalog, or whole files of another kind.
    partitions : list of Partition
    columns : list of str
        Column names of the input schema.
    hats : dict
        For HATS input: ``catalog_name``, ``ra_column``, ``dec_column``,
        ``healpix_column`` and ``catalog_dir`` (the catalog inside a collection).
    """

    root: Path
    layout: str
    partitions: list[Partition]
    columns: list[str]
    hats: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Rows in the whole input."""
        return sum(p.rows for p in self.partitions)


def is_hats_catalog(path: str | Path) -> bool:
    """Whether ``path`` is a HATS catalog or collection folder.

    Examples
    --------
    >>> is_hats_catalog("catalog.parquet")
    False
    """
    path = Path(path)
    return path.is_dir() and any((path / name).is_file() for name in HATS_PROPERTY_FILES)


def hats_columns(path: str | Path) -> list[str]:
    """Column names of a HATS catalog, from its metadata alone (no pixel file is read).

    Examples
    --------
    >>> hats_columns("no-such-catalog")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    AstrolearnInputError: no-such-catalog: cannot open the HATS catalog: ...
    """
    catalog = _open_hats(Path(path))
    return list(catalog.schema.names) if catalog.schema is not None else []


def _open_hats(data: Path):
    import hats

    try:
        catalog = hats.read_hats(data)
    except Exception as err:  # hats raises many types for a damaged catalog
        raise AstrolearnInputError(f"cannot open the HATS catalog: {err}", file=data,
                                   fix="check the folder with lsdb.open_catalog") from err
    return getattr(catalog, "main_catalog", catalog)


def plan_partitions(data: str | Path, *, partition_rows: int = 2_000_000,
                    split_files: bool = True) -> DatasetPlan:
    """Cut a Parquet file, a folder of Parquet files or a HATS catalog into partitions.

    Parameters
    ----------
    data : str or Path
        ``.parquet`` file, folder of Parquet files (searched recursively; names starting
        with ``.`` or ``_`` are skipped, as Parquet readers do), or a HATS catalog.
    partition_rows : int, default 2000000
        Most rows per partition of a plain Parquet dataset (ignored for HATS, whose
        partitions are its HEALPix pixels).
    split_files : bool, default True
        Whether a file may be cut at row groups; ``False`` keeps each file whole (a long
        table of light curves partitioned by object must not be cut inside an object).

    Returns
    -------
    DatasetPlan

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"x": range(10)}).to_parquet(folder / "a.parquet", row_group_size=4)
    >>> plan = plan_partitions(folder / "a.parquet", partition_rows=5)
    >>> [(p.output, p.rows) for p in plan.partitions]
    [('a-0000.parquet', 4), ('a-0001.parquet', 4), ('a-0002.parquet', 2)]
    """
    if partition_rows < 1:
        raise AstrolearnInputError(f"partition size must be positive, got {partition_rows}",
                                   fix="use --partition-rows 2000000 or similar")
    data = Path(data)
    if not data.exists():
        raise AstrolearnInputError("no such file or folder", file=data, fix="check the path")
    if is_hats_catalog(data):
        return _plan_hats(data)
    if data.is_dir():
        files = sorted(p for p in data.rglob("*.parquet") if p.is_file()
                       and not any(part.startswith((".", "_"))
                                   for part in p.relative_to(data).parts))
        if not files:
            raise AstrolearnInputError("the folder holds no Parquet files", file=data,
                                       fix="give a folder of .parquet files, a .parquet "
                                       "file or a HATS catalog")
        base = data
    elif data.suffix.lower() == ".parquet":
        files, base = [data], data.parent
    else:
        raise AstrolearnInputError(
            "partitioned prediction reads Parquet files, folders of them, or HATS catalogs",
            file=data, fix="convert the catalog to Parquet, or write a single output file "
            "(--out predictions.parquet) with the local engine")
    partitions: list[Partition] = []
    columns: list[str] | None = None
    for file in files:
        handle = _open(file)
        columns = _same_schema(columns, handle, file, files[0])
        groups = (_group_row_groups(handle, partition_rows) if split_files
                  else [list(range(handle.num_row_groups))])
        relative = file.relative_to(base)
        for k, group in enumerate(groups):
            name = relative if len(groups) == 1 else relative.with_name(
                f"{relative.stem}-{k:04d}.parquet")
            rows = sum(handle.metadata.row_group(g).num_rows for g in group)
            partitions.append(Partition(key=str(name.with_suffix("")), pieces=((str(file),
                                        tuple(group)),), rows=rows, output=str(name),
                                        identity=_identity(file, group)))
    _check_unique(partitions, data)
    return DatasetPlan(root=data, layout="parquet", partitions=partitions,
                       columns=list(columns or []))


def plan_file_groups(root: str | Path, groups: dict[Path, str], *,
                     files_per_partition: int = 50) -> DatasetPlan:
    """Partitions of whole files, keeping the files of one group (one star) together.

    For inputs that are not row tables, such as light-curve FITS files: a partition holds
    about ``files_per_partition`` files, and its ``rows`` are its number of files.

    Parameters
    ----------
    root : str or Path
        The input as given (recorded in the plan).
    groups : dict
        File -> group name (e.g. from :func:`astrolearn.transits.lightcurves.fits_star_names`).
    files_per_partition : int, default 50

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> files = [d / f"{k}.fits" for k in range(5)]
    >>> for f in files: _ = f.write_bytes(b"x")
    >>> plan = plan_file_groups(d, dict(zip(files, "AABBC")), files_per_partition=2)
    >>> [p.rows for p in plan.partitions]
    [2, 2, 1]
    """
    if files_per_partition < 1:
        raise AstrolearnInputError(f"files per partition must be positive, got "
                                   f"{files_per_partition}", fix="use 50 or similar")
    by_group: dict[str, list[Path]] = {}
    for file, name in sorted(groups.items(), key=lambda item: (item[1], str(item[0]))):
        by_group.setdefault(name, []).append(Path(file))
    batches: list[list[Path]] = [[]]
    for files in by_group.values():
        if batches[-1] and len(batches[-1]) + len(files) > files_per_partition:
            batches.append([])
        batches[-1].extend(files)
    partitions = []
    for k, batch in enumerate(b for b in batches if b):
        identity = hashlib.sha256("|".join(_identity(f, ()) for f in batch).encode())
        partitions.append(Partition(key=f"files-{k:05d}", pieces=tuple((str(f), ())
                                                                     for f in batch),
                                    rows=len(batch), output=f"files-{k:05d}.parquet",
                                    identity=identity.hexdigest()))
    if not partitions:
        raise AstrolearnInputError("no input files", file=root, fix="check the path")
    return DatasetPlan(root=Path(root), layout="files", partitions=partitions, columns=[])


def _plan_hats(data: Path) -> DatasetPlan:
    import hats

    catalog = _open_hats(data)
    info = catalog.catalog_info
    base = Path(catalog.catalog_base_dir)
    partitions: list[Partition] = []
    columns: list[str] | None = None
    first = None
    for pixel in catalog.get_healpix_pixels():
        path = Path(hats.io.pixel_catalog_file(base, pixel))
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        pieces, rows, ids = [], 0, []
        for file in files:
            handle = _open(file)
            first = first or file
            columns = _same_schema(columns, handle, file, first)
            groups = tuple(range(handle.num_row_groups))
            pieces.append((str(file), groups))
            rows += handle.metadata.num_rows
            ids.append(_identity(file, groups))
        output = path.relative_to(base)
        output = output if output.suffix == ".parquet" else output.with_suffix(".parquet")
        partitions.append(Partition(key=str(output.with_suffix("")), pieces=tuple(pieces),
                                    rows=rows, output=str(output),
                                    identity=hashlib.sha256("|".join(ids).encode()).hexdigest()))
    if not partitions:
        raise AstrolearnInputError("the HATS catalog has no partitions", file=data)
    hats_info = {"catalog_name": info.catalog_name, "ra_column": info.ra_column,
                 "dec_column": info.dec_column,
                 "healpix_column": getattr(info, "healpix_column", None) or "_healpix_29",
                 "catalog_dir": str(base)}
    return DatasetPlan(root=data, layout="hats", partitions=partitions,
                       columns=list(columns or []), hats=hats_info)


def _open(file: Path):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file)
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
        raise AstrolearnInputError(f"not a readable Parquet file ({err})", file=file,
                                   fix="rewrite or remove the damaged file") from err


def _same_schema(columns: list[str] | None, handle, file: Path, first: Path) -> list[str]:
    names = list(handle.schema_arrow.names)
    if columns is not None and set(names) != set(columns):
        missing = sorted(set(columns) - set(names)) or sorted(set(names) - set(columns))
        raise AstrolearnInputError(f"its columns differ from those of {first} "
                                   f"(e.g. {missing[:3]})", file=file,
                                   fix="give a dataset whose files share one schema")
    return names if columns is None else columns


def _group_row_groups(handle, partition_rows: int) -> list[list[int]]:
    groups: list[list[int]] = [[]]
    rows = 0
    for g in range(handle.num_row_groups):
        n = handle.metadata.row_group(g).num_rows
        if groups[-1] and rows + n > partition_rows:
            groups.append([])
            rows = 0
        groups[-1].append(g)
        rows += n
    return groups


def _identity(file: Path, groups) -> str:
    stat = file.stat()
    text = f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{list(groups)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _check_unique(partitions: list[Partition], data: Path) -> None:
    seen: set[str] = set()
    for p in partitions:
        if p.output in seen:
            raise AstrolearnInputError(f"two partitions would both be written to {p.output}",
                                       file=data, fix="rename the input file whose name ends "
                                       "in -NNNN.parquet")
        seen.add(p.output)
