"""Experiments for issue #5, target 2: model-level changes that speed up HiGHS on the
OR-Library CFLP instances solved through o2opt's canonical model.

o2opt's own model (:func:`o2opt.model.build` on the scenario folder written by
:func:`benchmarks.instances.orlib_to_folder`) is taken as built, optionally changed by one or
more *variants*, and handed to highspy with exactly the same options as the baseline
(:func:`benchmarks.baseline.strong_cflp`, the hand-built strong formulation with fractions
``x_ij``). Nothing under ``o2opt/`` is changed: the variants act on the LinearModel's arrays.

Variants (combine with ``+``, e.g. ``agg+eq``):

* ``o2opt``  -- the model as o2opt builds it;
* ``agg``    -- the aggregate capacity cut ``sum_c Q_c y_c >= sum_h d_h`` (per day);
* ``card``   -- ``sum_c y_c >= ceil(sum_h d_h / max_c Q_c)`` (a rounding of ``agg``);
* ``eq``     -- demand rows as equalities ``v sum_f n_fh = d_h``;
* ``scale``  -- columns ``n`` rescaled to fractions of demand (``x = v n / d``), demand and
  linking rows divided so that their coefficients are the baseline's (``sum x >= 1``,
  ``x <= y``); the objective is unchanged;
* ``baseline`` -- :func:`benchmarks.baseline.strong_cflp` (it can take ``agg`` too).

Every solve: one thread (``--threads``), ``mip_rel_gap`` 1e-6, HiGHS log written to a file,
from which the time the incumbent first gets within ``--tol`` of the published optimum is read
(:func:`benchmarks.siting.time_to_value`). Wall seconds (``perf_counter``) and CPU seconds
(``process_time``) of ``Highs.run`` are reported, with B&B nodes and the final gap.

Usage::

    # the 37 small instances (or --only ...), several HiGHS random seeds, summed per variant
    python benchmarks/siting_experiments.py small --variants baseline o2opt agg eq agg+eq \
        --seeds 0 1 2
    # capb/capc at 5000, variants interleaved with the baseline, 600 s limit each
    python benchmarks/siting_experiments.py large --only capb-5000 capc-5000 \
        --variants o2opt baseline agg+eq --time-limit 600
    # a HiGHS option for every variant (applies equally to the baseline)
    python benchmarks/siting_experiments.py small --option mip_heuristic_effort=0.3
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.baseline import Model, strong_cflp  # noqa: E402
from benchmarks.instances import (  # noqa: E402
    OrlibInstance,
    orlib_instances,
    orlib_path,
    orlib_to_folder,
    published_optima,
    read_orlib_cflp,
)
from benchmarks.siting import time_to_value  # noqa: E402
from o2opt.model.blocks import Block  # noqa: E402

PARTS = ("o2opt", "baseline", "agg", "card", "eq", "scale", "aggctx")


# --------------------------------------------------------------------------- proposed rows
@dataclass(frozen=True, eq=False)
class AggregateCapacity(Block):
    """The rows of :func:`aggregate_capacity_rows` (over the site binaries)."""

    name: ClassVar[str] = "aggregate_capacity"
    row_names: ClassVar[tuple[str, ...]] = ("aggregate_capacity",)
    couples_days: ClassVar[bool] = True


def aggregate_capacity_rows(ctx) -> None:
    r"""The row proposed for ``o2opt/model/builder.py`` (run here through a patched build).

    Per day :math:`t`: :math:`\sum_c \bar Q_{ct}\,y_c \ge \sum_h d_{ht} - E_t` (m³), with
    :math:`\bar Q_{ct} = \min(Q_c a_{ct},\ v K_c a_{ct},\ v \sum_h \bar n_{cht})` what
    candidate ``c`` can deliver on day ``t`` and :math:`E_t = \min(v \sum_s K_s a_{st},
    \sum_p Q_p a_{pt})` a bound on what the existing stations can deliver. It is the sum of
    the demand rows (no ``u``) and the capacity/linking rows, so it cuts off no solution;
    the MIP solver rounds it (equal capacities: :math:`\sum_c y_c \ge \lceil\cdot\rceil`).
    Only when unmet demand is forbidden and nothing but cylinders serves demand.
    """
    from o2opt.model import storage, tankers
    from o2opt.model.blocks import Cylinders, Sites

    ctx.put(AggregateCapacity())
    sc, net, sites = ctx.sc, ctx.network, ctx.get(Sites)
    y = sites.y
    if (sc.allow_unmet or not len(y) or storage.stock_capacity(net).any()
            or storage.has_tank(net).any() or len(ctx.get(tankers.Tankers).v)):
        return
    n_days, v = ctx.n_days, sc.cylinder_m3
    cands, is_cand = net.candidates, ctx.is_cand
    reach = np.zeros((len(cands), n_days))  # v * sum of the arc bounds, per candidate-day
    np.add.at(reach, (ctx.n_f[is_cand] - ctx.n_stations, ctx.n_day[is_cand]),
              v * ctx.get(Cylinders).n_upper[is_cand])
    own = np.minimum(cands["capacity_m3_day"].to_numpy(float),
                     v * cands["fill_capacity_cyl_day"].to_numpy(float))
    cap = np.minimum(own[:, None] * net.capacity_factor("candidates"), reach)
    stations = v * (net.stations["fill_capacity_cyl_day"].to_numpy(float)[:, None]
                    * net.capacity_factor("stations")).sum(axis=0)
    producers = (net.producers["capacity_m3_day"].to_numpy(float)[:, None]
                 * net.capacity_factor("producers")).sum(axis=0)
    need = ctx.d.sum(axis=0) - np.minimum(stations, producers)
    days = np.flatnonzero(np.isfinite(need) & (need > 0))
    if not len(days):
        return
    y_cand = sites.y_cand
    ctx.rows.add("aggregate_capacity", len(days), need[days], np.inf, [
        (np.repeat(np.arange(len(days)), len(y)), np.tile(y, len(days)),
         cap[y_cand][:, days].T.ravel()),
    ])


# --------------------------------------------------------------------------- models
def o2opt_model(inst: OrlibInstance, work: Path,
                with_rows: bool = False) -> tuple[Model, object]:
    """o2opt's LinearModel of ``inst`` (through a scenario folder) as a baseline.Model;
    ``with_rows``: with :func:`aggregate_capacity_rows` added by a patched build step."""
    import o2opt
    ob = importlib.import_module("o2opt.model.builder")

    folder = orlib_to_folder(inst, work / inst.label)
    original = ob.ROW_STEPS
    if with_rows:  # right after the limit rows, as when it was proposed
        at = original.index(ob._site_limit_rows) + 1
        ob.ROW_STEPS = (*original[:at], aggregate_capacity_rows, *original[at:])
    try:
        lm = ob.build(o2opt.read_network(folder))
    finally:
        ob.ROW_STEPS = original
    matrix = sp.csc_matrix((lm.a_val, (lm.a_row, lm.a_col)), shape=(lm.num_row, lm.num_col))
    model = Model(lm.cost.copy(), lm.lower.copy(), lm.upper.copy(), matrix,
                  lm.row_lower.copy(), lm.row_upper.copy(), lm.integer.copy())
    return model, lm


def append_rows(model: Model, rows: sp.spmatrix, lower: np.ndarray, upper: np.ndarray) -> Model:
    matrix = sp.vstack([model.matrix, sp.csr_matrix(rows)]).tocsc()
    return replace(model, matrix=matrix, row_lower=np.concatenate([model.row_lower, lower]),
                   row_upper=np.concatenate([model.row_upper, upper]))


def one_row(n_col: int, cols: np.ndarray, vals: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix((vals, (np.zeros(len(cols), np.int64), cols)), shape=(1, n_col))


def o2opt_variant(parts: set[str], inst: OrlibInstance, work: Path) -> Model:
    model, lm = o2opt_model(inst, work, with_rows="aggctx" in parts)
    y = np.arange(lm.blocks["y"].start, lm.blocks["y"].stop)
    cands = lm.network.candidates
    cap = cands["capacity_m3_day"].to_numpy(float)[lm.y_candidate]
    total = float(lm.net_demand_m3.sum())  # one day, no stations: nothing else supplies
    dem = lm.row_blocks["demand"]
    if "eq" in parts:
        model.row_upper[dem] = model.row_lower[dem]
    if "scale" in parts:
        # x = v n / d: column n = (d / v) x; demand rows / d; link rows / (d / v)
        nb = lm.blocks["n"]
        v = lm.network.scenario.cylinder_m3
        col_scale = np.ones(lm.num_col)
        n_h = lm.arcs.cylinder["hospital_pos"].to_numpy()[lm.n_arc]
        col_scale[nb] = lm.net_demand_m3[n_h, lm.n_day] / v
        row_scale = np.ones(lm.num_row)
        row_scale[dem] = 1.0 / model.row_lower[dem]
        link = lm.row_blocks["candidate_link"]
        a = model.matrix.tocsr()
        link_rows = np.arange(link.start, link.stop)
        # each link row has one n entry: find its column
        sub = a[link_rows][:, nb.start:nb.stop].tocoo()
        row_scale[link_rows[sub.row]] = 1.0 / col_scale[nb.start + sub.col]
        a = sp.diags(row_scale) @ a @ sp.diags(col_scale)
        lo, hi = model.row_lower * row_scale, model.row_upper * row_scale
        model = replace(model, matrix=a.tocsc(), cost=model.cost * col_scale,
                        upper=model.upper / col_scale, row_lower=lo, row_upper=hi)
    if "agg" in parts:
        model = append_rows(model, one_row(len(model.cost), y, cap), np.array([total]),
                            np.array([np.inf]))
    if "card" in parts:
        k = math.ceil(total / cap.max() - 1e-9)
        model = append_rows(model, one_row(len(model.cost), y, np.ones(len(y))),
                            np.array([float(k)]), np.array([np.inf]))
    return model


def baseline_variant(parts: set[str], inst: OrlibInstance) -> Model:
    model = strong_cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost)
    m = inst.m
    y = np.arange(len(model.cost) - m, len(model.cost))
    total = float(inst.demand.sum())
    if "agg" in parts:
        model = append_rows(model, one_row(len(model.cost), y, inst.capacity),
                            np.array([total]), np.array([np.inf]))
    if "card" in parts:
        k = math.ceil(total / inst.capacity.max() - 1e-9)
        model = append_rows(model, one_row(len(model.cost), y, np.ones(m)),
                            np.array([float(k)]), np.array([np.inf]))
    return model


def make_model(variant: str, inst: OrlibInstance, work: Path) -> Model:
    parts = set(variant.split("+"))
    unknown = parts - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown variant part(s) {sorted(unknown)}")
    if "baseline" in parts:
        return baseline_variant(parts, inst)
    return o2opt_variant(parts, inst, work)


# --------------------------------------------------------------------------- solving
@dataclass
class Result:
    wall: float
    cpu: float
    objective: float | None
    gap: float | None
    nodes: int
    status: str
    t_opt: float | None


def solve(model: Model, log: Path, target: float, tol: float, time_limit: float | None,
          threads: int, seed: int, options: dict[str, object]) -> Result:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("log_file", str(log))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", seed)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    for key, value in options.items():
        h.setOptionValue(key, value)
    a = model.matrix.tocsc()
    a.sort_indices()
    h.passModel(a.shape[1], a.shape[0], a.nnz, 1, 1, 0.0, model.cost, model.lower, model.upper,
                model.row_lower, model.row_upper, a.indptr.astype(np.int32),
                a.indices.astype(np.int32), a.data, model.integer.astype(np.int32))
    w0, c0 = time.perf_counter(), time.process_time()
    h.run()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    info = h.getInfo()
    ok = info.primal_solution_status == 2
    obj = float(info.objective_function_value) if ok else None
    del h  # closes the log file
    t_opt = time_to_value(log, target, tol)
    if t_opt is None and obj is not None and obj <= target + tol * abs(target):
        t_opt = wall  # found without a node line (e.g. solved in presolve or at the root end)
    return Result(wall, cpu, obj, float(info.mip_gap) if ok else None,
                  int(info.mip_node_count), status_text(info, ok), t_opt)


def status_text(info, ok: bool) -> str:
    if not ok:
        return "no solution"
    return "optimal" if info.mip_gap <= 1e-6 else "feasible"


def parse_option(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    if value.lower() in ("true", "false"):
        return key, value.lower() == "true"
    return key, value


def instance_keys(only: list[str] | None, large: bool) -> list[tuple[str, int | None]]:
    keys = orlib_instances(include_large=True)
    if only:
        want = set(only)
        return [k for k in keys if (k[0] if k[1] is None else f"{k[0]}-{k[1]}") in want]
    return [k for k in keys if (k[1] is not None) == large]


def label_of(key: tuple[str, int | None]) -> str:
    return key[0] if key[1] is None else f"{key[0]}-{key[1]}"


HEAD = (f"{'instance':<11}{'variant':<16}{'seed':>5}{'wall s':>9}{'cpu s':>9}{'t_opt s':>9}"
        f"{'nodes':>9}{'objective':>17}{'rel err':>9}{'gap':>9}  status")


def fmt(label: str, variant: str, seed: int, r: Result, opt: float) -> str:
    rel = "-" if r.objective is None else f"{abs(r.objective - opt) / abs(opt):.1e}"
    t = "-" if r.t_opt is None else f"{r.t_opt:.2f}"
    obj = "-" if r.objective is None else f"{r.objective:.3f}"
    gap = "-" if r.gap is None else f"{r.gap:.1e}"
    return (f"{label:<11}{variant:<16}{seed:>5}{r.wall:>9.2f}{r.cpu:>9.2f}{t:>9}"
            f"{r.nodes:>9}{obj:>17}{rel:>9}{gap:>9}  {r.status}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["small", "large"])
    p.add_argument("--only", nargs="*", help="instance labels (cap41, capb-5000, ...)")
    p.add_argument("--variants", nargs="*", default=["baseline", "o2opt", "agg", "eq",
                                                      "agg+eq"])
    p.add_argument("--seeds", nargs="*", type=int, default=[0])
    p.add_argument("--time-limit", type=float, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--option", action="append", default=[], help="HiGHS option key=value")
    p.add_argument("--logs", type=Path, help="keep HiGHS logs here")
    args = p.parse_args(argv)
    options = dict(parse_option(o) for o in args.option)
    optima = published_optima()
    keys = instance_keys(args.only, args.mode == "large")
    limit = args.time_limit if args.time_limit is not None else (
        600.0 if args.mode == "large" else None)
    totals: dict[str, list[float]] = {v: [0.0, 0.0, 0.0, 0] for v in args.variants}
    per_inst: dict[tuple[str, str], list[float]] = {}
    print(f"options {options}, threads {args.threads}, limit {limit}", flush=True)
    print(HEAD, flush=True)
    with tempfile.TemporaryDirectory(prefix="o2opt-siting-exp-") as tmp:
        work = Path(tmp)
        logs = args.logs or work
        logs.mkdir(parents=True, exist_ok=True)
        for key in keys:
            label = label_of(key)
            inst = read_orlib_cflp(orlib_path(key[0]), capacity=key[1])
            opt = optima[key]
            models = {v: make_model(v, inst, work) for v in args.variants}
            for seed in args.seeds:
                for v in args.variants:  # interleaved: each variant once per seed in turn
                    log = logs / f"{label}-{v}-s{seed}.log"
                    log.unlink(missing_ok=True)
                    r = solve(models[v], log, opt, args.tol, limit, args.threads, seed,
                              options)
                    print(fmt(label, v, seed, r, opt), flush=True)
                    t = totals[v]
                    t[0] += r.wall
                    t[1] += r.cpu
                    t[2] += r.t_opt if r.t_opt is not None else (limit or r.wall)
                    t[3] += r.nodes
                    per_inst.setdefault((label, v), []).append(r.wall)
    print()
    ref = args.variants[0]
    print(f"{'variant':<16}{'sum wall':>10}{'sum cpu':>10}{'sum t_opt':>10}{'nodes':>10}"
          f"{'wall/' + ref:>12}{'geomean ratio':>15}{'#faster':>9}")
    for v, (w, c, t, n) in totals.items():
        ratios = [np.mean(per_inst[(lab, v)]) / np.mean(per_inst[(lab, ref)])
                  for lab in {k[0] for k in per_inst}]
        gm = float(np.exp(np.mean(np.log(ratios))))
        faster = sum(r < 1 for r in ratios)
        print(f"{v:<16}{w:>10.2f}{c:>10.2f}{t:>10.2f}{n:>10}{w / totals[ref][0]:>12.2f}"
              f"{gm:>15.2f}{faster:>6}/{len(ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
