"""The work done on one partition, the same in every engine, and the check that it is done.

:func:`run_partition` writes the frames a work object gives for a partition into one
Parquet file, atomically. The file carries a run key in its metadata; :func:`partition_done`
accepts it as finished only when the key matches and it holds the expected row count, so a
run that was interrupted, or one whose model or input changed, redoes exactly what it must.
:class:`CatalogWork` is the work of catalog models (``required_columns()`` and
``predict_frame()``), ``chunk_rows`` rows at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import atomic_path
from astrolearn.scale.partitions import Partition

__all__ = ["RUN_KEY_FIELD", "CatalogWork", "PartitionResult", "file_state", "partition_done",
           "run_key", "run_partition", "side_table"]

#: Parquet metadata field that holds the run key of a written partition.
RUN_KEY_FIELD = b"astrolearn.run_key"


@dataclass
class PartitionResult:
    """What one partition's work did, reported back to the engine.

    Attributes
    ----------
    key : str
        The partition's key.
    rows : int
        Rows written.
    seconds : float
        Wall time of the work.
    worker : str
        Host and process id of the process that did it.
    peak_memory_mb : float
        Peak resident memory of that process so far (MiB).
    """

    key: str
    rows: int
    seconds: float
    worker: str
    peak_memory_mb: float


_SIDE_TABLES: dict = {}  # (path, size, mtime) -> table; one held per process


def file_state(path: str | Path) -> list:
    """Size and modification time of a file: what changes when it is rewritten.

    Examples
    --------
    >>> file_state("no-such-file")
    [None, None]
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return [None, None]
    return [stat.st_size, stat.st_mtime_ns]


def side_table(path: str | Path, read: Callable[[str | Path], pd.DataFrame]) -> pd.DataFrame:
    """A side table (per-object metadata) read once per process while the file is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "meta.csv"
    >>> pd.DataFrame({"object_id": [1], "z": [0.1]}).to_csv(f, index=False)
    >>> calls = []
    >>> read = lambda p: calls.append(p) or pd.read_csv(p)
    >>> len(side_table(f, read)), len(side_table(f, read)), len(calls)
    (1, 1, 1)
    """
    key = (str(path), *file_state(path))
    if key not in _SIDE_TABLES:
        _SIDE_TABLES.clear()
        _SIDE_TABLES[key] = read(path)
    return _SIDE_TABLES[key]


def run_key(model_identity: str, work_identity: str, partition: Partition) -> str:
    """The key that a finished partition's file must carry.

    Examples
    --------
    >>> from astrolearn.scale.partitions import Partition
    >>> p = Partition("a", (("a.parquet", (0,)),), 10, "a.parquet", "abc")
    >>> len(run_key("model", "work", p))
    64
    """
    text = "|".join([model_identity, work_identity, partition.key, partition.identity])
    return hashlib.sha256(text.encode()).hexdigest()


def partition_done(path: str | Path, key: str, rows: int | None) -> bool:
    """Whether ``path`` is a complete output of the partition with run key ``key``.

    Examples
    --------
    >>> partition_done("no-such-file.parquet", "key", 10)
    False
    """
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # missing, truncated or not Parquet: not done
        return False
    stored = (meta.metadata or {}).get(RUN_KEY_FIELD)
    return stored == key.encode() and (rows is None or meta.num_rows == rows)


def _process_report() -> tuple[str, float]:
    import socket

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return f"{socket.gethostname()}:{os.getpid()}", peak


@dataclass(frozen=True)
class CatalogWork:
    """Predict a catalog partition with a catalog model and write one Parquet file.

    Parameters
    ----------
    columns : tuple of str
        Input columns the model reads.
    keep : tuple of str
        Input columns copied to the output, first (the id column; for HATS input also
        RA, Dec and the HEALPix index, so the output is a catalog of its own).
    chunk_rows : int
        Rows predicted at a time.
    options : tuple of (str, object)
        Keyword arguments of ``predict_frame`` (e.g. ``(("coverage", True),)``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from astrolearn.datasets import simulate_catalog
    >>> from astrolearn.catalogs import SourceClassifier
    >>> from astrolearn.scale.partitions import plan_partitions
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cat = simulate_catalog(1000, seed=1); cat.to_parquet(folder / "cat.parquet")
    >>> clf = SourceClassifier(model_params={"n_estimators": 10}).fit(cat, "class")
    >>> work = CatalogWork.for_model(clf, keep=("object_id",))
    >>> part = plan_partitions(folder / "cat.parquet").partitions[0]
    >>> run_partition(work, clf, part, folder / "out", "key").rows
    1000
    """

    columns: tuple[str, ...]
    keep: tuple[str, ...] = ()
    chunk_rows: int = 250_000
    options: tuple[tuple[str, object], ...] = field(default=())

    @classmethod
    def for_model(cls, model, *, keep: tuple[str, ...] = (), chunk_rows: int = 250_000,
                  options: dict | None = None) -> CatalogWork:
        """The work of predicting with ``model``, keeping the ``keep`` columns."""
        if chunk_rows < 1:
            raise AstrolearnInputError(f"chunk size must be positive, got {chunk_rows}",
                                       fix="use --chunk-rows 100000 or similar")
        keep = tuple(dict.fromkeys(c for c in keep if c))
        return cls(columns=tuple(model.required_columns()), keep=keep, chunk_rows=chunk_rows,
                   options=tuple(sorted((options or {}).items())))

    def identity(self) -> str:
        """Everything that changes the output, as text (part of the run key)."""
        return json.dumps([self.columns, self.keep, self.options], default=str)

    def read_columns(self) -> list[str]:
        """Input columns read from each file."""
        return list(dict.fromkeys([*self.keep, *self.columns]))

    def expected_rows(self, partition: Partition) -> int:
        """Rows the partition's output must hold: one per input row."""
        return partition.rows

    def frames(self, model, partition: Partition) -> Iterator[pd.DataFrame]:
        """The partition's predictions, ``chunk_rows`` rows at a time (at least one frame)."""
        import pyarrow.parquet as pq

        options = dict(self.options)
        columns = self.read_columns()
        empty = True
        for file, groups in partition.pieces:
            handle = pq.ParquetFile(file)
            missing = [c for c in columns if c not in handle.schema_arrow.names]
            if missing:
                raise AstrolearnInputError("the model needs columns this file lacks",
                                           file=file, column=missing[0],
                                           fix="give a catalog with the columns the model "
                                           "was fitted on")
            for group in groups:
                table = handle.read_row_group(group, columns=columns)
                for offset in range(0, table.num_rows, self.chunk_rows):
                    empty = False
                    yield self._predict(model, table.slice(offset, self.chunk_rows)
                                        .to_pandas(), file, options)
                del table
        if empty:  # no rows: an empty frame with the prediction columns
            yield self._predict(model, pd.DataFrame(columns=columns), None, options)

    def _predict(self, model, chunk: pd.DataFrame, file, options) -> pd.DataFrame:
        out = model.predict_frame(chunk, file=file, **options)
        kept = pd.DataFrame({c: chunk[c].to_numpy() for c in self.keep})
        return pd.concat([kept, out.reset_index(drop=True)], axis=1)


def run_partition(work, model, partition: Partition, out_root: str | Path,
                  key: str) -> PartitionResult:
    """Do ``work`` on ``partition`` and write its frames to one Parquet file atomically.

    ``work`` gives ``frames(model, partition)`` (at least one DataFrame, all with the same
    columns) and ``expected_rows(partition)`` (``None`` when not known in advance). A
    partition whose output is already complete is not redone (a task run twice).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    target = Path(out_root) / partition.output
    expected = work.expected_rows(partition)
    if partition_done(target, key, expected):
        worker, peak = _process_report()
        return PartitionResult(key=partition.key, rows=pq.ParquetFile(target).metadata.num_rows,
                               seconds=0.0, worker=worker, peak_memory_mb=peak)
    metadata = dict(model.output_metadata()) if hasattr(model, "output_metadata") else {}
    metadata[RUN_KEY_FIELD] = key.encode()
    rows = 0
    with atomic_path(target) as tmp:
        writer = None
        try:
            for frame in work.frames(model, partition):
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
                arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                                       **metadata})
                if writer is None:
                    writer = pq.ParquetWriter(tmp, arrow.schema, compression="zstd")
                writer.write_table(arrow)
                rows += len(frame)
        finally:
            if writer is not None:
                writer.close()
        if expected is not None and rows != expected:
            raise RuntimeError(f"{partition.key}: wrote {rows} rows, expected {expected}")
    worker, peak = _process_report()
    return PartitionResult(key=partition.key, rows=rows, seconds=time.perf_counter() - start,
                           worker=worker, peak_memory_mb=peak)
