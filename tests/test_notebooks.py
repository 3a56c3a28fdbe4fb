"""Every notebook in ``notebooks/`` runs top to bottom in a Jupyter kernel, as a reader's would.

Outputs are stripped in git; this executes each notebook with nbclient (an IPython kernel with
Jupyter's default inline backend, no ``%matplotlib`` magic) and checks that it raises nothing
and that every cell drawing a chart shows it as an image, not as ``<Figure size …>`` text.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DRAWS = re.compile(r"\bplot_\w+\(|plt\.subplots\(")


def _execute(path: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # the kernel imports this checkout's o2opt, and picks Jupyter's own default backend
    # (CI exports MPLBACKEND=Agg, which a reader's Jupyter does not)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_shows_its_figures(path, tmp_path, monkeypatch):
    raw = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(raw["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} cell {i}: outputs must be stripped"
    nb = _execute(path, tmp_path, monkeypatch)
    drawn = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.output_type == "error"], f"{path.name} cell {i}"
        as_text = [o for o in outputs if "<Figure size" in o.get("text", "")
                   or ("<Figure size" in o.get("data", {}).get("text/plain", "")
                       and "image/png" not in o.get("data", {}))]
        assert not as_text, f"{path.name} cell {i}: a figure shown as text"
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        if DRAWS.search(cell.source):
            drawn += 1
            assert len(images) == 1, (
                f"{path.name} cell {i}: {len(images)} images for a chart cell\n{cell.source}")
    assert drawn, f"{path.name}: no chart cell found"
