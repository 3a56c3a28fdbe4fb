"""Formulation and HiGHS-option variants of a siting MILP, each solved in its own child.

``python benchmarks/siting_variants.py FOLDER VARIANT...`` builds o2opt's model of the
scenario FOLDER in a fresh child process per variant and solves it whole with highspy (one
thread, relative gap 1e-6), printing wall and CPU seconds (``os.wait4``), status, objective,
nodes and the HiGHS log's presolve time. Variants (combine with ``+``): ``o2opt`` (the model
as built), ``nocover`` (no capacity cover row), ``nolink`` (no strong linking rows),
``nofj`` (no feasibility jump), ``norins``/``norens`` (no RINS/RENS sub-MIPs), ``heur0``
(``mip_heuristic_effort`` 0), ``heur3`` (0.3), ``nosym`` (no symmetry detection),
``norestart``, ``nopresolve``. Used for ``docs/model.md``, "What o2opt builds".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OPTIONS = {
    "nofj": {"mip_heuristic_run_feasibility_jump": False},
    "norins": {"mip_heuristic_run_rins": False},
    "norens": {"mip_heuristic_run_rens": False},
    "heur0": {"mip_heuristic_effort": 0.0},
    "heur3": {"mip_heuristic_effort": 0.3},
    "nosym": {"mip_detect_symmetry": False},
    "norestart": {"mip_allow_restart": False},
    "nopresolve": {"presolve": "off"},
}


def child(folder: str, variant: str, result: str) -> int:
    import importlib

    import o2opt
    from o2opt.solve import _solve_highspy

    build = importlib.import_module("o2opt.model.build")
    parts = variant.split("+")
    options: dict = {}
    for p in parts:
        options.update(OPTIONS.get(p, {}))
    if "nocover" in parts:
        build._capacity_cover_rows = lambda ctx: None
    if "nolink" in parts:
        add = build.Rows.add

        def skip_link(self, name, *a, **k):
            if name != "candidate_link":
                add(self, name, *a, **k)
        build.Rows.add = skip_link
    unknown = set(parts) - set(OPTIONS) - {"o2opt", "nocover", "nolink"}
    if unknown:
        raise SystemExit(f"unknown variant part(s) {sorted(unknown)}")
    net = o2opt.read_network(folder)
    lm = build.build(net)
    t = time.perf_counter()
    r = _solve_highspy(lm, None, 1e-6, 1, True, options)
    Path(result).write_text(json.dumps({
        "status": r.status, "objective": r.objective, "gap": r.mip_gap,
        "solve": time.perf_counter() - t, "rows": lm.num_row, "cols": lm.num_col}))
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return child(*argv[1:])
    folder, variants = argv[0], argv[1:]
    print(f"{'variant':<24}{'wall s':>9}{'cpu s':>9}{'solve s':>9}{'nodes':>8}"
          f"{'objective':>22}  status  (load)")
    for v in variants:
        res = Path(folder).parent / f"variant-{v}.json"
        log = Path(folder).parent / f"variant-{v}.log"
        with open(log, "wb") as sink:
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, __file__, "--child", folder, v, str(res)],
                                    stdout=sink, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            print(v, "failed:", log.read_text()[-2000:])
            continue
        r = json.loads(res.read_text())
        nodes = next((ln.split()[1] for ln in log.read_text().splitlines()
                      if ln.split()[:1] == ["Nodes"] and len(ln.split()) == 2), "-")
        print(f"{v:<24}{wall:>9.2f}{usage.ru_utime + usage.ru_stime:>9.2f}"
              f"{r['solve']:>9.2f}{nodes:>8}{r['objective']:>22.6f}  {r['status']}"
              f"  ({os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
