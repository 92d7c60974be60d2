"""Benchmark: survey-scale prediction, rows per second and peak memory per worker.

Writes simulated catalogs of 10^7 and 10^8 rows as Parquet datasets (files of 10^6 rows),
fits a source classifier on 60,000 other simulated rows, and scores each dataset with:

- ``naive``: a plain pandas + scikit-learn loop (read a file whole, ``predict_proba``,
  write), the reference;
- ``local``: ``astrolearn predict model --data DIR --out OUT/`` (the local engine);
- ``dask1`` / ``dask2``: the same command with ``--engine dask --workers 1`` / ``2``
  (a local cluster of single-threaded worker processes started by the command).

Each run is a fresh process, so start-up, cluster start and model loading are included.
Peak memory is the maximum resident memory of the process that predicts (for Dask, the
largest over the workers, reported by each worker; the client process is listed apart).

The 10^8-row dataset is ten independent 10^6-row simulations (seeds 1-10), each written
ten times with new ids: prediction speed depends on the rows' distribution, not on their
being distinct, and simulating 10^8 rows would take longer than scoring them.

    python benchmarks/scale_throughput.py [--rows 10000000 100000000] [--model mlp]
        [--engines naive local dask1 dask2] [--partition-rows 2000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _common import hardware, markdown

from astrolearn.catalogs import SourceClassifier
from astrolearn.datasets import simulate_catalog

PIECE = 1_000_000
DISTINCT_PIECES = 10

NAIVE = """
import resource, sys, time, pathlib, pandas as pd
from astrolearn.catalogs import SourceClassifier
model = SourceClassifier.load(sys.argv[1])
out = pathlib.Path(sys.argv[3]); out.mkdir()
for file in sorted(pathlib.Path(sys.argv[2]).glob("*.parquet")):
    frame = pd.read_parquet(file)
    proba = model.predict_proba(frame)
    result = pd.DataFrame(proba, columns=[f"prob_{c}" for c in model.classes_])
    result.insert(0, "object_id", frame["object_id"].to_numpy())
    result.to_parquet(out / file.name)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

LOCAL = """
import resource, sys
from astrolearn.cli import main
code = main(["predict", sys.argv[1], "--data", sys.argv[2], "--out", sys.argv[3], "--quiet",
             "--partition-rows", sys.argv[4]])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
sys.exit(code)
"""

DASK = """
import json, resource, sys
from astrolearn.scale import predict_dataset
run = predict_dataset(sys.argv[1], sys.argv[2], sys.argv[3], engine="dask",
                      workers=int(sys.argv[5]), id_column="object_id",
                      partition_rows=int(sys.argv[4]))
print(json.dumps({"workers": run.peak_memory_mb, "loads": run.model_loads,
                  "client": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_piece(path: Path, seed: int) -> None:
    """One 10^6-row simulated catalog without labels."""
    piece = simulate_catalog(PIECE, seed=seed).drop(columns=["class", "redshift"])
    pq.write_table(pa.Table.from_pandas(piece, preserve_index=False), path,
                   row_group_size=250_000, compression="zstd")


def write_dataset(folder: Path, rows: int, pieces: list[Path]) -> None:
    """``rows`` rows as files of 10^6 rows, cycling through the distinct pieces."""
    if folder.exists() and len(list(folder.glob("*.parquet"))) == rows // PIECE:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(rows // PIECE):
        table = pq.read_table(pieces[k % len(pieces)])
        ids = pa.array(table["object_id"].to_numpy() + k * PIECE)
        table = table.set_column(table.schema.get_field_index("object_id"), "object_id", ids)
        pq.write_table(table, folder / f"part-{k:05d}.parquet", row_group_size=250_000,
                       compression="zstd")


def run(engine: str, model: Path, data: Path, out: Path, partition_rows: int) -> dict:
    """One fresh process; returns wall time and peak memory."""
    if out.exists():
        shutil.rmtree(out)
    code, extra = {"naive": (NAIVE, []), "local": (LOCAL, [str(partition_rows)]),
                   "dask1": (DASK, [str(partition_rows), "1"]),
                   "dask2": (DASK, [str(partition_rows), "2"])}[engine]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(model), str(data), str(out),
                           *extra], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    last = done.stdout.strip().splitlines()[-1]
    if engine.startswith("dask"):
        report = json.loads(last)
        peak, client = max(report["workers"].values()), report["client"]
    else:
        peak, client = float(last), None
    shutil.rmtree(out)
    return {"seconds": seconds, "peak": peak, "client": client}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--model", nargs="+", default=["mlp"],
                        help="source classifier model(s): lightgbm (the default model), mlp")
    parser.add_argument("--engines", nargs="+", default=["naive", "local", "dask1", "dask2"])
    parser.add_argument("--partition-rows", type=int, default=2_000_000,
                        help="rows per partition (2000000, the default of predict; each "
                        "10^6-row file is one partition)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="astrolearn-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    pieces = []
    for seed in range(1, DISTINCT_PIECES + 1):
        path = work / f"piece-{seed}.parquet"
        if not path.exists():
            write_piece(path, seed)
        pieces.append(path)
    train = simulate_catalog(60_000, seed=12345)
    results = []
    for model_name in args.model:
        model_dir = work / f"model_{model_name}"
        if not (model_dir / "manifest.json").exists():
            SourceClassifier(errors="{band}_err", ebv="ebv", model=model_name).fit(
                train, train["class"]).save(model_dir, extra={"id_column": "object_id"})
        for rows in args.rows:
            data = work / f"catalog_{rows}"
            write_dataset(data, rows, pieces)
            for engine in args.engines:
                r = run(engine, model_dir, data, work / "out", args.partition_rows)
                results.append({"model": model_name, "rows": f"{rows:,}", "engine": engine,
                                "wall_s": f"{r['seconds']:.1f}",
                                "rows_per_s": f"{rows / r['seconds']:,.0f}",
                                "peak_MiB_per_worker": round(r["peak"]),
                                "client_MiB": "" if r["client"] is None
                                else round(r["client"])})
                print(results[-1], flush=True)
    print(f"\npartition rows: {args.partition_rows:,}")
    print(f"data: simulate_catalog, files of {PIECE:,} rows (row groups of 250,000); "
          f"{DISTINCT_PIECES} distinct pieces (seeds 1-{DISTINCT_PIECES}) repeated with new "
          "ids; model fitted on 60,000 rows (seed 12345)")
    print(f"hardware: {hardware()}")
    print("each run is a fresh process (start-up, cluster start and model load included); "
          "dask workers are single-threaded processes\n")
    print(markdown(pd.DataFrame(results)))


if __name__ == "__main__":
    main()
