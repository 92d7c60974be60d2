"""Fixtures of the photo-z tests (the mixture density network runs on PyTorch)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield
