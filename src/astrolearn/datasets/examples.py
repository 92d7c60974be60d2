"""Example data for tutorials and demos: the real SDSS file when it is at hand, else the
simulator.

The real data sets live outside the project (``$ASTROLEARN_DATA``, or ``shared/data``
next to a source checkout); they are never copied into it. :func:`shared_data_path`
finds one, and :func:`example_catalog` gives a seeded sample of the SDSS DR17 table
(RA/Dec renamed ``ra``/``dec``) or, offline, a simulated catalog with the same columns.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["example_catalog", "shared_data_path"]

_SDSS = ("sdss", "sdss_dr17_100k.parquet")


def shared_data_path(*parts: str) -> Path | None:
    """A file of the shared real data, or None when it is not available.

    Looks in ``$ASTROLEARN_DATA`` when set, otherwise in ``shared/data`` beside the
    checkout this package was installed from (editable installs).

    Examples
    --------
    >>> shared_data_path("no", "such.file") is None
    True
    """
    if os.environ.get("ASTROLEARN_DATA"):
        base = Path(os.environ["ASTROLEARN_DATA"])
    else:
        base = Path(__file__).resolve().parents[3].parent / "shared" / "data"
    path = base.joinpath(*parts)
    return path if path.exists() else None


def example_catalog(n: int, *, seed: int = 0, real: bool = True) -> tuple[pd.DataFrame, str]:
    """``n`` rows of SDSS DR17 (when available and ``real``) or of a simulated catalog.

    Both have ``ra``, ``dec``, ``u`` … ``z``, ``class`` and ``redshift`` columns; the
    second value says which it is.

    Examples
    --------
    >>> frame, source = example_catalog(100, real=False)
    >>> len(frame), source
    (100, 'simulated catalog')
    """
    from astrolearn.datasets.catalog_sim import simulate_catalog

    path = shared_data_path(*_SDSS) if real else None
    if path is None:
        return simulate_catalog(n, seed=seed), "simulated catalog"
    frame = pd.read_parquet(path).rename(columns={"alpha": "ra", "delta": "dec"})
    if n < len(frame):
        frame = frame.iloc[np.sort(np.random.default_rng(seed).choice(len(frame), n,
                                                                      replace=False))]
    return frame.reset_index(drop=True), f"SDSS DR17 ({path})"
