"""Compact storage of redshift PDFs in Parquet, and export to RAIL's ``qp`` format.

A prediction file holds one row per object with a ``pdf`` column: the PDF on the model's
grid, divided by its own maximum and stored as 16-bit integers (2 bytes per grid point
before compression; zstd then squeezes the long runs of zeros). The grid is written in
the file's schema metadata (``astrolearn.zgrid``), so :func:`read_pdfs` rebuilds the PDFs
without the model. The relative precision of each PDF value is 1 / 65535 of its peak.

Examples
--------
>>> zgrid = np.linspace(0, 1, 5)
>>> pdfs = np.array([[0.0, 1.0, 2.0, 1.0, 0.0]])
>>> dequantise_pdfs(np.stack(list(quantise_pdfs(pdfs))), zgrid).round(3).tolist()
[[0.0, 1.0, 2.0, 1.0, 0.0]]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from astrolearn.errors import AstrolearnInputError
from astrolearn.photoz.pdf import make_grid, normalise_pdfs

__all__ = ["dequantise_pdfs", "grid_metadata", "quantise_pdfs", "read_pdfs", "to_qp"]

_METADATA_KEY = b"astrolearn.zgrid"


def quantise_pdfs(pdfs: np.ndarray) -> np.ndarray:
    """Each PDF scaled to its peak and rounded to uint16, shape (n, n_grid)."""
    pdfs = np.atleast_2d(np.asarray(pdfs, dtype=np.float64))
    peak = pdfs.max(axis=1, keepdims=True)
    peak[peak <= 0] = 1.0
    return np.round(np.clip(pdfs / peak, 0, 1) * 65535).astype(np.uint16)


def dequantise_pdfs(codes: np.ndarray, zgrid: np.ndarray) -> np.ndarray:
    """PDFs from :func:`quantise_pdfs` codes, normalised again on ``zgrid``."""
    return normalise_pdfs(np.asarray(codes, dtype=np.float64), zgrid)


def grid_metadata(zgrid: np.ndarray) -> dict[bytes, bytes]:
    """Parquet schema metadata describing the uniform grid of the ``pdf`` column."""
    return {_METADATA_KEY: json.dumps({"min": float(zgrid[0]), "max": float(zgrid[-1]),
                                       "n": len(zgrid)}).encode()}


def read_pdfs(path: str | Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Read a prediction file written by ``astrolearn predict`` for a photo-z model.

    Returns
    -------
    zgrid : ndarray
    pdfs : ndarray, shape (n, n_grid)
    table : DataFrame
        The other columns (id, point estimates, intervals).
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise AstrolearnInputError("no such file", file=path, fix="check the path")
    try:
        parquet = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises several types for a non-Parquet file
        raise AstrolearnInputError(f"not a Parquet file ({err})", file=path,
                                   fix="give the .parquet written by astrolearn predict") from None
    metadata = parquet.schema_arrow.metadata or {}
    if _METADATA_KEY not in metadata or "pdf" not in parquet.schema_arrow.names:
        raise AstrolearnInputError(
            "holds no photo-z PDFs (no 'pdf' column with its grid)", file=path,
            fix="predict with a photoz model to a .parquet file (CSV output has no PDFs)")
    grid = json.loads(metadata[_METADATA_KEY])
    zgrid = make_grid(grid["min"], grid["max"], grid["n"])
    table = parquet.read().to_pandas()
    codes = np.stack(table.pop("pdf").to_numpy()) if len(table) else np.empty((0, len(zgrid)))
    return zgrid, dequantise_pdfs(codes, zgrid) if len(codes) else codes, table


def to_qp(zgrid: np.ndarray, pdfs: np.ndarray, *, ancil: pd.DataFrame | None = None):
    """The PDFs as a ``qp.Ensemble`` of the ``interp`` class, as RAIL stores them.

    Needs the optional ``qp-prob`` package (``pip install qp-prob``); write the result
    with ``ensemble.write_to("pdfs.hdf5")``.
    """
    try:
        import qp
    except ImportError:
        raise AstrolearnInputError("the qp package is not installed",
                                   fix="pip install qp-prob (RAIL's PDF package)") from None
    ensemble = qp.Ensemble(qp.interp, data={"xvals": np.asarray(zgrid),
                                            "yvals": np.asarray(pdfs)})
    if ancil is not None:
        ensemble.set_ancil({c: ancil[c].to_numpy() for c in ancil.columns})
    return ensemble
