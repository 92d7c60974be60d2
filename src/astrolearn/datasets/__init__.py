"""Data sets: simulators (seeded, documented, physically motivated) and example data."""

from astrolearn.datasets.catalog_sim import simulate_catalog
from astrolearn.datasets.examples import example_catalog, shared_data_path

__all__ = ["example_catalog", "shared_data_path", "simulate_catalog"]
