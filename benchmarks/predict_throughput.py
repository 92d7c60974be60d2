"""Benchmark: `astrolearn predict` throughput and peak memory on large simulated catalogs.

Writes simulated catalogs of 1 and 10 million rows as Parquet (in 1-million-row pieces,
so writing them needs little memory), fits a source classifier on 60,000 other simulated
rows, then runs `astrolearn predict` on each catalog in a fresh process and reads that
process's peak resident memory.

    python benchmarks/predict_throughput.py [--rows 1000000 10000000] [--model lightgbm mlp]
"""

from __future__ import annotations

import argparse
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


def write_catalog(path: Path, rows: int, seed: int) -> None:
    """Write ``rows`` simulated sources (no labels) to one Parquet file, piece by piece."""
    writer = None
    for k, start in enumerate(range(0, rows, PIECE)):
        piece = simulate_catalog(min(PIECE, rows - start), seed=seed + k)
        piece["object_id"] += start
        table = pa.Table.from_pandas(piece.drop(columns=["class", "redshift"]),
                                     preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
    writer.close()


def run_predict(model: Path, data: Path, out: Path, chunk_rows: int) -> tuple[float, float]:
    """Run `astrolearn predict` in a fresh process; return (seconds, its peak RSS in MiB)."""
    argv = ["predict", str(model), "--data", str(data), "--out", str(out), "--chunk-rows",
            str(chunk_rows), "--quiet"]
    code = (f"import resource, sys; from astrolearn.cli import main; code = main({argv!r}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--model", nargs="+", default=["lightgbm", "mlp"])
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="astrolearn-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    train = simulate_catalog(60_000, seed=12345)
    results = []
    for model_name in args.model:
        model_dir = work / f"model_{model_name}"
        SourceClassifier(errors="{band}_err", ebv="ebv", model=model_name).fit(
            train, train["class"]).save(model_dir, extra={"id_column": "object_id"})
        for rows in args.rows:
            data = work / f"catalog_{rows}.parquet"
            if not data.exists():
                write_catalog(data, rows, seed=1)
            seconds, peak = run_predict(model_dir, data, work / f"pred_{model_name}_{rows}.parquet",
                                        args.chunk_rows)
            results.append({"model": model_name, "rows": f"{rows:,}", "wall_s": round(seconds, 1),
                            "rows_per_s": f"{rows / seconds:,.0f}", "peak_MiB": round(peak)})
            print(results[-1], flush=True)
    print("\ndata: simulate_catalog (training seed 12345, 60,000 rows; catalogs seeds 1..)")
    print(f"chunk rows: {args.chunk_rows:,}; hardware: {hardware()}")
    print("each run is a fresh `astrolearn predict` process (start-up and model load included);"
          " peak_MiB is its maximum resident memory\n")
    print(markdown(pd.DataFrame(results)))


if __name__ == "__main__":
    main()
