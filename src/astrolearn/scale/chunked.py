"""Prediction over catalogs of any size, chunk by chunk, with bounded memory.

:func:`predict_table_file` streams a table file (or a folder of Parquet files) through a
fitted catalog model, reading only the columns the model needs plus the id column, and
writes the predictions to Parquet or CSV atomically. Memory is set by ``chunk_rows``,
not by the size of the file. The model only needs ``required_columns()`` and
``predict_frame(frame)``; every catalog model of astrolearn has both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import atomic_path, check_not_input, iter_table_chunks, table_format

__all__ = ["PredictionRun", "predict_table_file"]


@dataclass
class PredictionRun:
    """What a prediction run did.

    Attributes
    ----------
    rows : int
        Rows predicted and written.
    chunks : int
        Chunks processed.
    seconds : float
        Wall time.
    output : Path
        The file written.
    """

    rows: int
    chunks: int
    seconds: float
    output: Path

    @property
    def rows_per_second(self) -> float:
        """Throughput."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def predict_table_file(
    model,
    data: str | Path,
    out: str | Path,
    *,
    id_column: str | None = None,
    chunk_rows: int = 250_000,
    hdf5_key: str | None = None,
    progress: Callable[[str], None] | None = None,
    predict_options: dict | None = None,
) -> PredictionRun:
    """Predict every row of a table file and write the predictions atomically.

    Parameters
    ----------
    model : estimator
        A fitted catalog model (``required_columns()`` and ``predict_frame()``).
    data : str or Path
        Catalog file or Parquet folder (any format of :func:`astrolearn.io.read_table`).
    out : str or Path
        Output ``.parquet`` or ``.csv``; never the input.
    id_column : str, optional
        Column copied from the input to identify each row.
    chunk_rows : int, default 250000
        Rows held in memory at a time.
    progress : callable, optional
        Called with a line of text after each chunk.
    predict_options : dict, optional
        Keyword arguments for ``model.predict_frame`` (e.g. ``{"pdf": False}``). A model
        with ``output_metadata()`` has that metadata written into the Parquet schema.

    Returns
    -------
    PredictionRun

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from astrolearn.datasets import simulate_catalog
    >>> from astrolearn.catalogs import SourceClassifier
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cat = simulate_catalog(2000, seed=3); cat.to_parquet(folder / "cat.parquet")
    >>> clf = SourceClassifier(model_params={"n_estimators": 20}).fit(cat, "class")
    >>> run = predict_table_file(clf, folder / "cat.parquet", folder / "pred.parquet",
    ...                          id_column="object_id", chunk_rows=500)
    >>> run.rows, run.chunks
    (2000, 4)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    data, out = Path(data), Path(out)
    check_not_input(out, data)
    out_format = table_format(out)
    if out_format not in ("parquet", "csv"):
        raise AstrolearnInputError("predictions are written as Parquet or CSV", file=out,
                                   fix="give --out a .parquet or .csv name")
    if chunk_rows < 1:
        raise AstrolearnInputError(f"chunk size must be positive, got {chunk_rows}",
                                   fix="use --chunk-rows 100000 or similar")
    columns = list(dict.fromkeys(([id_column] if id_column else []) + model.required_columns()))
    options = dict(predict_options or {})
    metadata = model.output_metadata() if hasattr(model, "output_metadata") else None
    start = time.perf_counter()
    rows = chunks = 0
    with atomic_path(out) as tmp:
        writer = None
        try:
            for chunk in iter_table_chunks(data, columns, chunk_rows=chunk_rows,
                                           hdf5_key=hdf5_key):
                predicted = model.predict_frame(chunk, file=data, **options)
                if id_column:
                    predicted.insert(0, id_column, chunk[id_column].to_numpy())
                if out_format == "csv":
                    predicted.to_csv(tmp, mode="a" if chunks else "w", header=not chunks,
                                     index=False)
                else:
                    table = pa.Table.from_pandas(predicted, preserve_index=False)
                    if metadata:
                        table = table.replace_schema_metadata(
                            {**(table.schema.metadata or {}), **metadata})
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                    writer.write_table(table)
                rows += len(predicted)
                chunks += 1
                if progress:
                    rate = rows / max(time.perf_counter() - start, 1e-9)
                    progress(f"{rows:,} rows predicted ({rate:,.0f} rows/s)")
            if writer is None and out_format == "parquet":  # empty input: write an empty table
                empty = pa.Table.from_pandas(model.predict_frame(pd.DataFrame(columns=columns),
                                                                 **options),
                                             preserve_index=False)
                if metadata:
                    empty = empty.replace_schema_metadata({**(empty.schema.metadata or {}),
                                                           **metadata})
                pq.write_table(empty, tmp)
        finally:
            if writer is not None:
                writer.close()
    return PredictionRun(rows=rows, chunks=chunks, seconds=time.perf_counter() - start,
                         output=out)
