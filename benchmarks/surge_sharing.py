"""A 1.8× surge solved with each shortage policy (issue 13, "Fair shortages").

The bundled demo (``o2opt.datasets.demo_folder()``, 73 hospitals) and the bundled Iraq
planning scenario (``o2opt.datasets.load_iraq()``, 274 hospitals in 18 governorates), each
with ``demand_multiplier = 1.8``, solved with ``shortage_sharing = "cost"`` and ``"even"``.
Printed as a Markdown table (docs/model.md, "Extension: shortage sharing"), per run:

* hospitals with net demand, and how many got nothing over the horizon (service share 0),
  of which how many have no filling point in reach that exists or was opened (a candidate
  site left closed is no source);
* hospitals fully served, and the lowest service share of a hospital with a source in reach;
* regions with nothing, and the lowest regional service share;
* total unmet m³, the objective, and the money spent (the objective without the unmet
  penalty);
* the kinds of shortage warnings the plan carries (``Solution.warnings``).

Usage::

    python benchmarks/surge_sharing.py [--multiplier 1.8]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import o2opt
from o2opt.fairness import service_shares

DATASETS: dict[str, Callable[..., o2opt.Network]] = {
    "demo": lambda **model: o2opt.read_network(o2opt.datasets.demo_folder()).with_model(**model),
    "iraq": o2opt.datasets.load_iraq,
}


def measure(solution: o2opt.Solution) -> dict[str, object]:
    """The figures of one run (see the module)."""
    hospitals, regions, _ = service_shares(solution.network, solution.service)
    util = solution.utilization
    built = set(util.loc[util["capacity"] > 0, "facility"].astype(str))  # existing or opened
    arcs = solution.model.arcs.cylinder
    routed = set(arcs.loc[arcs["source"].astype(str).isin(built), "hospital"].astype(str))
    share = hospitals["service_share"]
    nothing = share <= 1e-6
    with_route = hospitals.index.isin(list(routed))
    cost = solution.cost
    return {
        "hospitals": len(hospitals),
        "with nothing": int(nothing.sum()),
        "of which no open source in reach": int((nothing & ~with_route).sum()),
        "fully served": int((share >= 1 - 1e-9).sum()),
        "lowest share (source in reach)": f"{100 * share[with_route].min():.1f} %",
        "regions with nothing": int((regions["service_share"] <= 1e-6).sum()),
        "lowest region": f"{100 * regions['service_share'].min():.1f} %",
        "unmet m³": f"{solution.service['unmet_m3'].sum():,.1f}",
        "objective": f"{solution.objective:,.0f}",
        "spent": f"{sum(v for k, v in cost.items() if k != 'unmet_penalty'):,.0f}",
        "warnings": ", ".join(w["kind"] for w in solution.warnings) or "none",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiplier", type=float, default=1.8)
    args = parser.parse_args(argv)
    rows = []
    for name, load in DATASETS.items():
        for policy in ("cost", "even"):
            net = load(demand_multiplier=args.multiplier, shortage_sharing=policy)
            solution = o2opt.optimize(net, progress=False)
            assert solution.has_solution, (name, policy, solution.status)
            rows.append({"scenario": name, "shortage_sharing": f'`"{policy}"`',
                         "status": solution.status, **measure(solution)})
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in header) + " |")


if __name__ == "__main__":
    main()
