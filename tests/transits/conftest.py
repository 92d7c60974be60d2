"""Transit tests run PyTorch on one thread (tiny networks run fastest so)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield
