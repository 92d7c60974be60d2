"""Small simulated light-curve sets shared by the transient tests (torch on one thread)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


@pytest.fixture(scope="session")
def des_pair():
    """60 SN Ia and 60 SN II-P on the DES cadence (seed 1); never modify."""
    from astrolearn.datasets import simulate_transients

    return simulate_transients(60, classes=["SNIa", "SNII-P"], survey="des", seed=1)


@pytest.fixture(scope="session")
def des_pair_test():
    """An independent draw of the same two classes (seed 2)."""
    from astrolearn.datasets import simulate_transients

    return simulate_transients(60, classes=["SNIa", "SNII-P"], survey="des", seed=2)
