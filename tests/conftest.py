"""Shared fixtures. The repository root is put on ``sys.path`` so tests can import the
``benchmarks`` package (instance converters)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests that need it skip without it."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path}")
    return path
