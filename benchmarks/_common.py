"""Shared bits of the benchmark scripts: data location, hardware line, markdown tables."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def data_path(*parts: str) -> Path:
    """A real data file under $ASTROLEARN_DATA or ../shared/data; exits cleanly if absent."""
    base = Path(os.environ.get("ASTROLEARN_DATA", ROOT.parent / "shared" / "data"))
    path = base.joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"data not found: {path} (set ASTROLEARN_DATA)")
    return path


def hardware() -> str:
    """CPU model, core count and memory of this machine, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        mem = float("nan")
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def markdown(frame: pd.DataFrame, float_format: str = "{:.3f}") -> str:
    """A DataFrame as a GitHub markdown table."""
    cells = [[float_format.format(v) if isinstance(v, float) else str(v) for v in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)
