"""Predict a whole Parquet dataset or HATS catalog into a partitioned Parquet dataset.

:func:`predict_dataset` is what ``astrolearn predict --out FOLDER/`` runs, with either
engine. It cuts the input into partitions (:mod:`astrolearn.scale.partitions`), skips
those already written and verified by an earlier run of the same model on the same input,
runs the rest with the chosen engine, and finishes the output folder: for HATS input, the
HATS metadata (``properties``, ``partition_info.csv``, ``_metadata``) so that the
predictions open with ``lsdb.open_catalog``; always, ``_astrolearn_run.json``, the record
of the run.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from astrolearn.errors import AstrolearnInputError
from astrolearn.io import atomic_path, check_not_input
from astrolearn.scale.engines import ENGINES, ModelSource, Progress, run_local
from astrolearn.scale.partitions import DatasetPlan, plan_partitions
from astrolearn.scale.work import CatalogWork, PartitionResult, partition_done, run_key

__all__ = ["RUN_RECORD", "DatasetRun", "predict_dataset", "run_partitioned"]

#: The file in an output folder that records the run (and marks the folder as ours).
RUN_RECORD = "_astrolearn_run.json"


@dataclass
class DatasetRun:
    """What a partitioned prediction run did.

    Attributes
    ----------
    output : Path
        The output folder.
    engine : str
        ``local`` or ``dask``.
    rows : int
        Rows in the whole output (written now or before).
    partitions : int
        Partitions in the whole output.
    written, skipped : int
        Partitions written by this run, and found done by an earlier one.
    seconds : float
        Wall time of this run.
    rows_written : int
        Rows written by this run.
    peak_memory_mb : dict
        Peak resident memory (MiB) of each process that did work, by ``host:pid``.
    model_loads : int
        How many times the model was loaded (once per process that did work).
    """

    output: Path
    engine: str
    rows: int
    partitions: int
    written: int
    skipped: int
    seconds: float
    rows_written: int
    peak_memory_mb: dict = field(default_factory=dict)
    model_loads: int = 0

    @property
    def rows_per_second(self) -> float:
        """Throughput of this run (rows written per second)."""
        return self.rows_written / self.seconds if self.seconds > 0 else float("inf")


def predict_dataset(
    model,
    data: str | Path,
    out: str | Path,
    *,
    engine: str = "local",
    id_column: str | None = None,
    chunk_rows: int = 250_000,
    partition_rows: int = 2_000_000,
    predict_options: dict | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client=None,
    retries: int = 1,
    progress: Callable[[str], None] | None = None,
) -> DatasetRun:
    """Predict every row of a Parquet dataset or HATS catalog into a Parquet dataset.

    Parameters
    ----------
    model : str, Path or estimator
        A model folder (loaded once per process) or a fitted catalog model
        (``required_columns()`` and ``predict_frame()``).
    data : str or Path
        ``.parquet`` file, folder of Parquet files, or HATS catalog.
    out : str or Path
        Output folder. An interrupted run resumes when given the same folder.
    engine : {"local", "dask"}
        This process, chunk by chunk, or a Dask cluster.
    id_column : str, optional
        Input column copied to the output to identify each row.
    chunk_rows : int, default 250000
        Rows predicted at a time within a partition.
    partition_rows : int, default 2000000
        Most rows per partition of a plain Parquet dataset (HATS: one per pixel).
    predict_options : dict, optional
        Keyword arguments of ``model.predict_frame`` (e.g. ``{"coverage": True}``).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); by default the Dask
        engine starts a local cluster of ``workers`` processes.
    workers : int, optional
        Processes of the local Dask cluster (default: one per core).
    client : distributed.Client, optional
        An existing client to use instead (left open).
    retries : int, default 1
        Further tries of a partition that fails.
    progress : callable, optional
        Called with a line of text as partitions finish.

    Returns
    -------
    DatasetRun

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from astrolearn.datasets import simulate_catalog
    >>> from astrolearn.catalogs import SourceClassifier
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cat = simulate_catalog(3000, seed=3)
    >>> cat.to_parquet(folder / "cat.parquet", row_group_size=1000)
    >>> clf = SourceClassifier(model_params={"n_estimators": 10}).fit(cat, "class")
    >>> run = predict_dataset(clf, folder / "cat.parquet", folder / "pred",
    ...                       id_column="object_id", partition_rows=1000)
    >>> run.rows, run.partitions, run.written
    (3000, 3, 3)
    >>> predict_dataset(clf, folder / "cat.parquet", folder / "pred",
    ...                 id_column="object_id", partition_rows=1000).skipped
    3
    """
    if engine not in ENGINES:
        raise AstrolearnInputError(f"unknown engine {engine!r}",
                                   fix=f"use one of {', '.join(ENGINES)}")
    source = ModelSource.of(model)
    loaded = source.load() if source.folder is not None else model
    plan = plan_partitions(data, partition_rows=partition_rows)
    keep = [id_column] if id_column else []
    if plan.layout == "hats":
        keep += [c for c in (plan.hats["ra_column"], plan.hats["dec_column"],
                             plan.hats["healpix_column"]) if c and c in plan.columns]
    work = CatalogWork.for_model(loaded, keep=tuple(keep), chunk_rows=chunk_rows,
                                 options=predict_options)
    missing = [c for c in work.read_columns() if c not in plan.columns]
    if missing:
        raise AstrolearnInputError("the catalog lacks a column the model needs",
                                   file=data, column=missing[0],
                                   fix="give a catalog with the columns the model was "
                                   "fitted on (or a different --id)")
    run = run_partitioned(work, plan, source, out, engine=engine, scheduler=scheduler,
                          workers=workers, client=client, retries=retries,
                          progress=progress, loaded=loaded)
    if plan.layout == "hats":
        write_hats_metadata(Path(out), plan, run.rows)
    return run


def run_partitioned(work, plan: DatasetPlan, source: ModelSource, out: str | Path, *,
                    engine: str = "local", scheduler: str | None = None,
                    workers: int | None = None, client=None, retries: int = 1,
                    progress: Callable[[str], None] | None = None,
                    loaded=None) -> DatasetRun:
    """Run ``work`` over a plan's partitions with resume, and record the run.

    ``loaded`` is the model itself when the caller has loaded it (the local engine then
    uses it rather than loading it again).

    The building block of :func:`predict_dataset`, for any work object with
    ``identity()``, ``expected_rows(partition)`` and ``frames(model, partition)`` (see
    :func:`astrolearn.scale.work.run_partition`).
    """
    out = Path(out)
    check_not_input(out, plan.root)
    if out.suffix.lower() in (".parquet", ".csv", ".fits", ".hdf5", ".h5"):
        raise AstrolearnInputError("partitioned output is a folder, not a file", file=out,
                                   fix="give --out a folder name such as predictions/")
    if out.exists() and not out.is_dir():
        raise AstrolearnInputError("the output exists and is not a folder", file=out,
                                   fix="give --out a new folder")
    model_id, work_id = source.identity(), work.identity()
    keys = {p.key: run_key(model_id, work_id, p) for p in plan.partitions}
    plan_id = hashlib.sha256("|".join([model_id, work_id, str(Path(plan.root).resolve())])
                             .encode()).hexdigest()
    _claim(out, plan_id, [p.output for p in plan.partitions])
    start = time.perf_counter()
    todo = [p for p in plan.partitions
            if not partition_done(out / p.output, keys[p.key], work.expected_rows(p))]
    say = progress
    if say and len(todo) < len(plan.partitions):
        say(f"resuming: {len(plan.partitions) - len(todo)} of {len(plan.partitions)} "
            f"partitions are already written and verified in {out}")
    meter = Progress(sum(p.rows for p in todo), len(todo), say)
    results: list[PartitionResult] = []
    loads = 0
    if todo and engine == "local":
        results = run_local(work, todo, source, out, keys, meter, retries=retries,
                            loaded=loaded)
        loads = 1
    elif todo:
        from astrolearn.scale import dask_engine

        own = client is None
        client = dask_engine.connect(scheduler, workers) if own else client
        try:
            results, loads = dask_engine.run_dask(work, todo, source, out, keys, meter,
                                                  client, retries=retries)
        finally:
            if own:
                dask_engine.close(client)
    seconds = time.perf_counter() - start
    peaks: dict[str, float] = {}
    for r in results:
        peaks[r.worker] = max(peaks.get(r.worker, 0.0), r.peak_memory_mb)
    run = DatasetRun(output=out, engine=engine, rows=plan.rows,
                     partitions=len(plan.partitions), written=len(todo),
                     skipped=len(plan.partitions) - len(todo), seconds=seconds,
                     rows_written=sum(r.rows for r in results), peak_memory_mb=peaks,
                     model_loads=loads)
    _remove_leftovers(out, plan)
    _record(out, plan_id, plan, run)
    return run


def _remove_leftovers(out: Path, plan: DatasetPlan) -> None:
    """Delete temporary files that processes killed mid-write left beside the outputs."""
    for partition in plan.partitions:
        target = out / partition.output
        for leftover in target.parent.glob(f".{target.name}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _claim(out: Path, plan_id: str, files: list[str]) -> None:
    """Make ``out`` ours for this model, settings and input, or refuse a folder that holds
    something else. Files an earlier run of the same plan wrote for partitions the input
    no longer has (a file removed, other partition sizes) are deleted."""
    record = out / RUN_RECORD
    if record.is_file():
        try:
            previous = json.loads(record.read_text())
        except (OSError, ValueError):
            previous = {}
        if previous.get("plan_id") != plan_id:
            raise AstrolearnInputError(
                "the output folder holds predictions of another model, input or settings",
                file=out, fix="give --out a new folder, or delete this one to start again")
        for stale in set(previous.get("files", [])) - set(files):
            (out / stale).unlink(missing_ok=True)
    elif out.exists() and any(not p.name.startswith(".") for p in out.iterdir()):
        raise AstrolearnInputError("the output folder exists and is not an astrolearn "
                                   "prediction folder", file=out,
                                   fix="give --out a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    _write_json(record, {"plan_id": plan_id, "status": "running", "files": files})


def _record(out: Path, plan_id: str, plan: DatasetPlan, run: DatasetRun) -> None:
    _write_json(out / RUN_RECORD, {
        "plan_id": plan_id, "status": "complete", "input": str(plan.root),
        "layout": plan.layout, "rows": run.rows, "partitions": run.partitions,
        "files": [p.output for p in plan.partitions], "engine": run.engine,
        "last_run": {"written": run.written, "skipped": run.skipped,
                     "seconds": round(run.seconds, 3), "rows_written": run.rows_written}})


def _write_json(path: Path, content: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(content, indent=1) + "\n")


def write_hats_metadata(out: Path, plan: DatasetPlan, rows: int) -> None:
    """Make ``out`` a HATS catalog: properties, partition info and Parquet metadata.

    The pixel files keep the input's RA, Dec and HEALPix-index columns, so the predictions
    are a catalog that LSDB can open, search and cross-match back to the input.
    """
    import hats
    from hats.catalog import PartitionInfo, TableProperties

    info = plan.hats
    pixels = hats.read_hats(plan.root)
    pixels = getattr(pixels, "main_catalog", pixels).get_healpix_pixels()
    name = f"{info['catalog_name']}_predictions"
    properties = TableProperties(
        catalog_name=name, catalog_type="object", total_rows=rows,
        ra_column=info["ra_column"], dec_column=info["dec_column"],
        healpix_column=info["healpix_column"], healpix_order=29)
    PartitionInfo.from_healpix(pixels).write_to_file(out / "partition_info.csv")
    hats.io.write_parquet_metadata(out)
    properties.to_properties_file(out)
