"""The primal start of multi-day siting models (o2opt.warmstart): a feasible plan, a valid
lower bound, the same optimum as HiGHS alone, and only where it applies."""

from __future__ import annotations

import numpy as np
import pytest

import o2opt
from o2opt import warmstart
from o2opt.solve import solve
from o2opt.synthetic import synthetic_tables
from o2opt.testing import assert_solution_feasible


def network(seed: int, days: int = 3, **model) -> o2opt.Network:
    t = synthetic_tables(60, 3, 2, n_candidates=8, horizon_days=days, seed=seed,
                         max_delivery_km=400.0, supply_ratio=0.5, **model)
    return o2opt.from_frames(**{k: v for k, v in t.items() if k != "model"}, model=t["model"])


def feasible(lm: o2opt.model.LinearModel, x: np.ndarray) -> bool:
    activity = np.bincount(lm.a_row, lm.a_val * x[lm.a_col], minlength=lm.num_row)
    tol = 1e-6 * np.maximum(1.0, np.abs(activity))
    return bool(np.all(x >= lm.lower - 1e-7) and np.all(x <= lm.upper + 1e-7)
                and np.all(activity >= lm.row_lower - tol)
                and np.all(activity <= lm.row_upper + tol)
                and np.allclose(x[lm.integer], np.round(x[lm.integer])))


@pytest.fixture
def plain_optimum(monkeypatch):
    """The optimum of HiGHS alone (no primal start)."""
    def optimum(lm: o2opt.model.LinearModel) -> float:
        monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
        spy = proven_by_cuts(monkeypatch)
        r = solve(lm, decompose=False)
        assert spy == []  # decompose=False: HiGHS alone
        monkeypatch.undo()
        assert r.status == "optimal"
        return r.objective
    return optimum


def test_applies_only_to_multi_day_siting_models():
    many = o2opt.model.build(network(0))
    assert warmstart.applies(many, 0)
    assert not warmstart.applies(many)  # below MIN_COLUMNS: HiGHS alone
    assert not warmstart.applies(o2opt.model.build(network(0, days=1)), 0)
    assert not warmstart.applies(o2opt.model.build(network(0, integer_cylinders=True)), 0)


def proven_by_cuts(monkeypatch) -> list[bool]:
    """Record, for each solve, whether the primal start proved the plan optimal."""
    seen: list[bool] = []
    real = warmstart.primal_start

    def spy(*args, **kwargs):
        start = real(*args, **kwargs)
        seen.append(start is not None and start.proven)
        return start
    monkeypatch.setattr(warmstart, "primal_start", spy)
    return seen


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limits", [{}, {"budget": 60_000.0}, {"max_new_sites": 2}])
@pytest.mark.parametrize("rounds", [None, 0])
def test_same_optimum_as_highs_alone(seed, limits, rounds, monkeypatch, plain_optimum):
    """Proven by the cuts (default rounds) or handed to HiGHS with the rounded LP's plan
    and reduced-cost fixing (no Benders round)."""
    net = network(seed, **limits)
    lm = o2opt.model.build(net)
    expected = plain_optimum(lm)
    monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
    if rounds is not None:
        monkeypatch.setattr(warmstart, "ROUNDS", rounds)
    proven = proven_by_cuts(monkeypatch)
    started = solve(lm)
    assert proven == [True] if rounds is None else len(proven) == 1
    assert started.status == "optimal"
    assert started.objective == pytest.approx(expected, rel=1e-6)
    assert feasible(lm, started.x)
    solution = o2opt.optimize(net)
    assert solution.objective == pytest.approx(expected, rel=1e-6)
    assert_solution_feasible(solution)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rounds", [0, 1])
def test_start_is_feasible_and_bound_valid(seed, rounds, plain_optimum):
    lm = o2opt.model.build(network(seed, budget=60_000.0))
    best = plain_optimum(lm)
    start = warmstart.primal_start(lm, rounds=rounds)
    assert start is not None
    assert feasible(lm, start.x)
    cost = float(lm.cost @ start.x)
    assert cost >= best * (1 - 1e-9)
    assert start.bound <= best * (1 + 1e-9)
    # reduced-cost fixing leaves the optimum in the model handed to the solver
    assert feasible(start.model, start.x)
    assert plain_optimum(start.model) == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("seed", range(12))
def test_investment_instances_match_brute_force(seed, monkeypatch):
    """Candidate producers and stations, options, capital budgets, forced decisions: the
    start (forced on whatever the size) keeps the brute-force optimum, or infeasibility."""
    import math

    from test_investment import _random_instance, brute_force

    h, p, s, c, o, routes, model = _random_instance(seed)
    model = {**model, "horizon_days": 2 + seed % 2}
    expected = brute_force(h, p, s, c, o, routes, model)
    monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
    used = proven_by_cuts(monkeypatch)
    net = o2opt.from_frames(h, producers=p, stations=s, candidates=c, options=o,
                            routes=routes, model={"routes_only": True, **model})
    sol = o2opt.optimize(net)
    if math.isinf(expected):
        assert sol.status == "infeasible"
        return
    assert len(used) == 1
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    assert_solution_feasible(sol)


@pytest.mark.parametrize("seed", range(4))
def test_unmet_forbidden_same_optimum(seed, monkeypatch, plain_optimum):
    """Without unmet demand a plan may leave demand uncovered (its day LPs infeasible): the
    start stops there, and the optimum (or infeasibility) is still HiGHS's."""
    t = synthetic_tables(60, 3, 2, n_candidates=8, horizon_days=2, seed=seed,
                         max_delivery_km=2000.0, supply_ratio=0.8, allow_unmet=False)
    net = o2opt.from_frames(**{k: v for k, v in t.items() if k != "model"}, model=t["model"])
    lm = o2opt.model.build(net)
    monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
    assert warmstart.applies(lm, 0)
    started = solve(lm)
    monkeypatch.undo()
    if started.status == "infeasible":
        assert solve(lm, decompose=False).status == "infeasible"
        return
    assert started.status == "optimal"
    assert started.objective == pytest.approx(plain_optimum(lm), rel=1e-6)
    assert feasible(lm, started.x)


@pytest.mark.parametrize("seed", range(2))
def test_highs_stopped_early_keeps_the_start_bound(seed, monkeypatch, plain_optimum):
    """HiGHS stopped by the time limit before its root bound (gap inf), or with no plan of
    its own: the result carries the gap the start's Benders bound proves, and the start's
    plan when HiGHS returned none."""
    from o2opt import solve as solve_module

    lm = o2opt.model.build(network(seed, budget=60_000.0))
    best = plain_optimum(lm)
    monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
    monkeypatch.setattr(warmstart, "ROUNDS", 0)  # no Benders round: HiGHS gets the start
    start = warmstart.primal_start(lm)
    assert start is not None and start.bound <= best * (1 + 1e-9)

    real = solve_module._solve_highspy  # the start's own LPs and master MILPs still run

    def stopped(model, time_limit_s, mip_gap, threads, verbose, options=None, start=None):
        if start is None:
            return real(model, time_limit_s, mip_gap, threads, verbose, options)
        cost = float(model.cost @ start)
        return solve_module.SolveResult("feasible", start, cost, float("inf"), "highs", 0.0,
                                        "Time limit reached")

    monkeypatch.setattr(solve_module, "_solve_highspy", stopped)
    r = solve(lm)
    cost = float(lm.cost @ r.x)
    assert r.mip_gap == pytest.approx(max(0.0, cost - start.bound) / cost, rel=1e-9, abs=1e-12)
    assert r.mip_gap < float("inf") and "Benders bound" in r.message

    def nothing(model, time_limit_s, mip_gap, threads, verbose, options=None, start=None):
        if start is None:
            return real(model, time_limit_s, mip_gap, threads, verbose, options)
        return solve_module.SolveResult("no_solution", None, None, None, "highs", 0.0, "")

    monkeypatch.setattr(solve_module, "_solve_highspy", nothing)
    r = solve(lm)
    assert r.x is not None and feasible(lm, r.x)
    assert r.mip_gap == pytest.approx(start.gap, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(2))
def test_master_stopped_by_its_time_cap_keeps_a_valid_bound(seed, monkeypatch, plain_optimum):
    """A master MILP stopped by ``MASTER_TIME_S`` (a capital budget over many binaries can
    make its proof slow) still gives plans and a bound no higher than the optimum."""
    lm = o2opt.model.build(network(seed, budget=60_000.0))
    best = plain_optimum(lm)
    monkeypatch.setattr(warmstart, "MASTER_TIME_S", 1e-4)
    start = warmstart.primal_start(lm)
    assert start is not None and feasible(lm, start.x)
    assert start.bound <= best * (1 + 1e-9)
    assert float(lm.cost @ start.x) >= best * (1 - 1e-9)
    monkeypatch.setattr(warmstart, "MIN_COLUMNS", 0)
    assert solve(lm).objective == pytest.approx(best, rel=1e-6)
