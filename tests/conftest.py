"""Shared fixtures. The repository root is put on ``sys.path`` so tests can import the
``benchmarks`` package (instance converters)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``data/reference`` in the repository: published benchmark sets and the OSM extract.

    The data ship with the repository (provenance and licences in its README), so a test that
    needs them never skips: a missing folder is a broken checkout and fails loudly.
    """
    assert REFERENCE.is_dir(), f"reference data missing from the repository: {REFERENCE}"
    return REFERENCE


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Charts drawn without ``ax`` are pyplot figures (shown by Jupyter): close them after
    each test so they do not pile up."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
