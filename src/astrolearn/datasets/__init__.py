"""Data sets: simulators (seeded, documented, physically motivated) and example data."""

from astrolearn.datasets.catalog_sim import simulate_catalog
from astrolearn.datasets.examples import example_catalog, shared_data_path
from astrolearn.datasets.glitch_sim import simulate_glitch_views, simulate_glitches
from astrolearn.datasets.transient_sim import simulate_transients
from astrolearn.datasets.transit_sim import simulate_transits

__all__ = ["example_catalog", "shared_data_path", "simulate_catalog", "simulate_galaxies",
           "simulate_glitch_views", "simulate_glitches", "simulate_morphology",
           "simulate_transients", "simulate_transits"]


def __getattr__(name: str):
    # GalSim is imported only when a galaxy simulator is asked for (it costs ~0.6 s).
    if name in ("simulate_galaxies", "simulate_morphology"):
        from astrolearn.datasets import galaxy_sim

        return getattr(galaxy_sim, name)
    raise AttributeError(f"module 'astrolearn.datasets' has no attribute {name!r}")
