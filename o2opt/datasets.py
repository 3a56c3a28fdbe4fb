"""Bundled data: the small Iraq demo scenario.

The hospital locations are real OpenStreetMap points (© OpenStreetMap contributors,
ODbL 1.0); every demand, capacity, cost, producer, station and candidate is illustrative.
See ``data/README.md``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["demo_folder"]


def demo_folder() -> Path:
    """Path of the bundled demo scenario folder (``data/iraq-demo`` in the repository).

    Examples
    --------
    >>> (demo_folder() / "hospitals.csv").is_file()
    True
    """
    packaged = Path(str(resources.files("o2opt"))) / "_data" / "iraq-demo"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[1] / "data" / "iraq-demo"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError("the demo scenario is not installed (expected o2opt/_data/iraq-demo)")
