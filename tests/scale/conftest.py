"""Small partitioned catalogs for the scale tests."""

from __future__ import annotations

import pytest


def write_dataset(catalog, folder, files: int = 4, row_group: int = 500):
    """Write ``catalog`` as ``files`` Parquet files (part-0.parquet, ...) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(catalog) // files)
    for k in range(files):
        catalog.iloc[k * size:(k + 1) * size].to_parquet(folder / f"part-{k}.parquet",
                                                        row_group_size=row_group)
    return folder


@pytest.fixture
def dataset(tmp_path, catalog):
    """The 4,000-row simulated catalog as 4 files of 2 row groups each."""
    return write_dataset(catalog, tmp_path / "catalog")
