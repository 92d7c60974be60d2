"""``astrolearn predict`` for catalog models: one output file, or a partitioned dataset.

An ``--out`` that names a file (``.parquet``, ``.csv``) gets the chunked single-file
engine; an ``--out`` without a table suffix is a folder and gets a partitioned dataset,
written by the local engine or, with ``--engine dask``, by a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from astrolearn.errors import AstrolearnInputError

__all__ = ["engine_options", "is_folder_output", "predict_catalog_command"]

_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".fits", ".fit", ".hdf5", ".h5", ".vot",
                  ".xml", ".gz")


def is_folder_output(out: str | Path) -> bool:
    """Whether ``--out`` names a folder (a partitioned dataset) rather than a file.

    Examples
    --------
    >>> is_folder_output("predictions/"), is_folder_output("predictions.parquet")
    (True, False)
    """
    out = Path(out)
    return out.is_dir() or out.suffix.lower() not in _FILE_SUFFIXES


def engine_options(args) -> dict:
    """The ``--engine``, ``--scheduler``, ``--workers`` and ``--retries`` of ``predict``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> engine_options(SimpleNamespace(engine="dask", workers=2))["workers"]
    2
    """
    return {"engine": getattr(args, "engine", None) or "local",
            "scheduler": getattr(args, "scheduler", None),
            "workers": getattr(args, "workers", None),
            "retries": getattr(args, "retries", 1)}


def predict_catalog_command(model, args, say: Callable[[str], None], *,
                            options: dict, what: str) -> str:
    """Run ``predict`` for a loaded catalog ``model`` as the options in ``args`` ask.

    Returns the line that reports the result. The model folder ``args.model`` is what the
    Dask workers load (once each); ``model`` serves the single-file engine.
    """
    from astrolearn.scale import predict_dataset, predict_table_file

    engine = engine_options(args)["engine"]
    id_column = id_column_to_copy(model, args)
    if not is_folder_output(args.out):
        if engine != "local":
            raise AstrolearnInputError(f"the {engine} engine writes a partitioned dataset",
                                       file=args.out, fix="give --out a folder name such "
                                       "as predictions/")
        run = predict_table_file(model, args.data, args.out, id_column=id_column,
                                 chunk_rows=args.chunk_rows, hdf5_key=args.hdf5_key,
                                 progress=say, predict_options=options)
        return (f"wrote {run.rows:,} {what} to {run.output} in {run.seconds:.1f} s "
                f"({run.rows_per_second:,.0f} rows/s)")
    run = predict_dataset(args.model, args.data, args.out, id_column=id_column,
                          chunk_rows=args.chunk_rows,
                          partition_rows=getattr(args, "partition_rows", 2_000_000),
                          predict_options=options, progress=say, **engine_options(args))
    skipped = (f"; {run.skipped} partition(s) were already done" if run.skipped else "")
    return (f"wrote {run.rows_written:,} {what} in {run.written} partition(s) to "
            f"{run.output} with the {run.engine} engine in {run.seconds:.1f} s "
            f"({run.rows_per_second:,.0f} rows/s){skipped}")


def id_column_to_copy(model, args) -> str | None:
    """``--id``, else the model's id column when the catalog to predict has it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> id_column_to_copy(None, SimpleNamespace(id_column="objid"))
    'objid'
    """
    if args.id_column is not None:
        return args.id_column
    name = model.manifest_.get("id_column")
    if not name:
        return None
    from astrolearn.scale.partitions import hats_columns, is_hats_catalog

    if is_hats_catalog(args.data):
        columns = hats_columns(args.data)
    else:
        from astrolearn.io import table_columns

        columns = table_columns(args.data, hdf5_key=args.hdf5_key)
    return name if name in columns else None
