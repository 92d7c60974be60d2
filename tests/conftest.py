"""Shared fixtures: small simulated catalogs and the path of the real data (if present)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("ASTROLEARN_DATA", Path(__file__).parents[2] / "shared" / "data"))


def real_data(*parts: str) -> Path:
    """Path of a real data file, skipping the test when it is absent."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} (set ASTROLEARN_DATA)")
    return path


@pytest.fixture
def real_data_path():
    """The :func:`real_data` helper as a fixture."""
    return real_data


@pytest.fixture(scope="session")
def catalog():
    """A 4,000-row simulated catalog (seed 0); never modify it in a test."""
    from astrolearn.datasets import simulate_catalog

    return simulate_catalog(4000, seed=0)


@pytest.fixture(scope="session")
def fitted(catalog):
    """A small LightGBM SourceClassifier fitted on the simulated catalog."""
    from astrolearn.catalogs import SourceClassifier

    clf = SourceClassifier(errors="{band}_err", ebv="ebv", model_params={"n_estimators": 60})
    return clf.fit(catalog, catalog["class"])


@pytest.fixture(scope="module")
def torch_one_thread():
    """PyTorch on one thread for the module (tiny networks run fastest so, above all on a
    busy machine); the setting is restored afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
