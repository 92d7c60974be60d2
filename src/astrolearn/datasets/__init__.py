"""Data sets: simulators (seeded, documented, physically motivated) and, later, readers."""

from astrolearn.datasets.catalog_sim import simulate_catalog

__all__ = ["simulate_catalog"]
