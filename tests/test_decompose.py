"""Day-by-day solving gives the monolithic model's answer (docs/model.md, decomposition)."""

from __future__ import annotations

import numpy as np
import pytest

import o2opt
from o2opt.decompose import day_blocks
from o2opt.synthetic import synthetic_tables
from o2opt.testing import assert_costs_consistent, assert_solution_feasible


def net_from(seed: int, **kwargs) -> o2opt.Network:
    t = synthetic_tables(60, 4, 2, seed=seed, **kwargs)
    model = t.pop("model")
    return o2opt.from_frames(**t, model=model)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [False, True])
def test_by_day_equals_monolithic(seed, integer):
    net = net_from(seed, horizon_days=4, max_delivery_km=150.0, integer_cylinders=integer)
    lm = o2opt.model.build(net)
    assert day_blocks(lm) is not None
    whole = o2opt.optimize(net, decompose=False)
    split = o2opt.optimize(net, decompose=True)
    assert "by day" in split.result.solver and "by day" not in whole.result.solver
    assert split.status == whole.status == "optimal"
    assert split.objective == pytest.approx(whole.objective, rel=1e-7)
    assert split.summary()["unmet_m3"] == pytest.approx(whole.summary()["unmet_m3"],
                                                        rel=1e-6, abs=1e-6)
    assert_solution_feasible(split)
    assert_costs_consistent(split)


def test_identical_days_are_solved_once():
    net = net_from(3, horizon_days=7, surge=False)  # no demand table: every day the same
    blocks = day_blocks(o2opt.model.build(net))
    assert blocks is not None and len(blocks) == 1 and blocks[0].days == list(range(7))
    sol = o2opt.optimize(net)
    one_day = o2opt.optimize(net.with_model(horizon_days=1), decompose=False)
    assert sol.objective == pytest.approx(7 * one_day.objective, rel=1e-9)
    per_day = sol.service.groupby("day")["delivered_m3"].sum().to_numpy()
    assert np.allclose(per_day, per_day[0])


def test_candidates_link_the_days_so_no_split():
    net = net_from(1, horizon_days=3, n_candidates=3)
    assert day_blocks(o2opt.model.build(net)) is None
    assert "by day" not in o2opt.optimize(net).result.solver


def test_infeasible_day_is_reported():
    net = net_from(2, horizon_days=3, allow_unmet=False, demand_multiplier=5.0)
    split = o2opt.optimize(net, decompose=True)
    whole = o2opt.optimize(net, decompose=False)
    assert split.status == whole.status == "infeasible"


@pytest.mark.parametrize("seed", range(3))
def test_blocks_are_the_models_sub_matrices(seed):
    net = net_from(seed, horizon_days=5, max_delivery_km=150.0)
    lm = o2opt.model.build(net)
    dense = np.zeros((lm.num_row, lm.num_col))
    np.add.at(dense, (lm.a_row, lm.a_col), lm.a_val)
    blocks = day_blocks(lm)
    seen_cols = np.concatenate([c for b in blocks for c in b.cols])
    seen_rows = np.concatenate([r for b in blocks for r in b.rows])
    assert np.array_equal(np.sort(seen_cols), np.arange(lm.num_col))
    assert np.array_equal(np.sort(seen_rows), np.arange(lm.num_row))
    for block in blocks:
        sub = np.zeros((block.num_row, block.num_col))
        for j in range(block.num_col):
            s, e = block.start[j], block.start[j + 1]
            sub[block.index[s:e], j] = block.value[s:e]
        for cols, rows in zip(block.cols, block.rows, strict=True):
            assert np.array_equal(dense[np.ix_(rows, cols)], sub)
            assert np.array_equal(lm.cost[cols], block.cost)
            assert np.array_equal(lm.row_lower[rows], block.row_lower)
        # nothing outside the block's rows touches its columns
        others = np.setdiff1d(np.arange(lm.num_row), np.concatenate(block.rows))
        assert not dense[np.ix_(others, np.concatenate(block.cols))].any()


def test_days_in_parallel_equal_days_in_series():
    net = net_from(4, horizon_days=6, max_delivery_km=150.0)
    serial = o2opt.optimize(net, threads=1)
    parallel = o2opt.optimize(net, threads=3)
    assert "1 at a time" in serial.result.message
    assert "3 at a time" in parallel.result.message
    assert parallel.objective == pytest.approx(serial.objective, rel=1e-9)
    assert np.allclose(parallel.result.x, serial.result.x)


def test_changing_threads_between_solves():
    """HiGHS's scheduler keeps the first solve's thread count; o2opt restarts it."""
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    statuses = [o2opt.optimize(net, threads=t).status for t in (None, 1, 2, None, 1)]
    assert statuses == ["optimal"] * 5


@pytest.mark.parametrize("seed", range(4))
def test_by_day_equals_the_pulp_path(seed):
    """The fast path (bulk arrays to highspy, days in threads) against the plain PuLP one."""
    net = net_from(10 + seed, horizon_days=3, max_delivery_km=150.0)
    fast = o2opt.optimize(net)
    plain = o2opt.optimize(net, backend="pulp")
    assert "by day" in fast.result.solver and "PuLP" in plain.result.solver
    assert fast.status == plain.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective, rel=1e-7)
    for table in ("service", "utilization"):
        a, b = getattr(fast, table), getattr(plain, table)
        assert list(a.columns) == list(b.columns) and len(a) == len(b)


def test_concurrent_solves_with_the_same_threads():
    """Solves side by side in Python threads (each solving its days in threads too)."""
    from concurrent.futures import ThreadPoolExecutor

    net = net_from(5, horizon_days=4, max_delivery_km=150.0)
    alone = o2opt.optimize(net)
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda _: o2opt.optimize(net), range(6)))
    assert [r.status for r in runs] == ["optimal"] * 6
    for run in runs:
        assert run.objective == pytest.approx(alone.objective, rel=1e-9)


def test_a_spent_time_limit_leaves_no_half_plan():
    net = net_from(6, horizon_days=4, max_delivery_km=150.0)
    sol = o2opt.optimize(net, time_limit_s=1e-9)
    assert sol.status == "no_solution" and not sol.has_solution
    assert "time limit" in sol.result.message


def test_lp_days_without_presolve_mip_days_with_it(monkeypatch):
    import o2opt.solve as solve_module

    seen = []
    real = solve_module._run_highspy

    def spy(lm, time_limit_s, mip_gap, threads, verbose, options):
        seen.append((lm.is_mip, dict(options or {})))
        return real(lm, time_limit_s, mip_gap, threads, verbose, options)

    monkeypatch.setattr(solve_module, "_run_highspy", spy)
    o2opt.optimize(net_from(7, horizon_days=3, max_delivery_km=150.0))
    assert seen and all(opts == {"presolve": "off"} for is_mip, opts in seen if not is_mip)
    seen.clear()  # integer cylinders: MIP days (then the LP relaxation's days)
    o2opt.optimize(net_from(7, horizon_days=3, max_delivery_km=150.0, integer_cylinders=True))
    assert [opts for is_mip, opts in seen if is_mip] == [{}, {}, {}]


def test_each_solved_day_is_logged(caplog):
    net = net_from(8, horizon_days=3, max_delivery_km=150.0)
    with caplog.at_level("INFO", logger="o2opt.solve"):
        o2opt.optimize(net, threads=1)
    lines = [r.getMessage() for r in caplog.records if "solved so far" in r.getMessage()]
    assert [line.split(": ")[1].split(",")[0] for line in lines] == [
        "1 distinct day solved so far", "2 distinct days solved so far",
        "3 distinct days solved so far"]


def test_matrix_coordinates_are_32_bit():
    lm = o2opt.model.build(net_from(9, horizon_days=2, max_delivery_km=150.0))
    assert lm.a_row.dtype == lm.a_col.dtype == np.int32


def test_the_first_day_solves_while_the_next_are_cut(monkeypatch):
    import threading

    from o2opt import solve as solve_module
    from o2opt.decompose import DaySplit

    first_solve = threading.Event()
    waited = []
    real_block, real_solve = DaySplit.block, solve_module._solve_highspy

    def block(self, t):
        if t == self.n_days - 1:  # cutting the last day waits for a solve to have started
            waited.append(first_solve.wait(timeout=20))
        return real_block(self, t)

    def solve_day(*args, **kwargs):
        first_solve.set()
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(DaySplit, "block", block)
    monkeypatch.setattr(solve_module, "_solve_highspy", solve_day)
    sol = o2opt.optimize(net_from(11, horizon_days=4, max_delivery_km=150.0), threads=1)
    assert waited == [True] and sol.status == "optimal"


def test_no_day_is_solved_after_one_without_a_plan(monkeypatch):
    import time

    from o2opt import solve as solve_module

    calls = []

    def solve_day(block, *args, **kwargs):
        calls.append(block.days[0])
        if block.days[0] == 0:
            return solve_module.SolveResult("infeasible", None, None, None, "fake", 0.0, "no")
        time.sleep(0.2)  # long enough for the first result to cancel the days not begun
        return solve_module.SolveResult("infeasible", None, None, None, "fake", 0.0, "no")

    monkeypatch.setattr(solve_module, "_solve_highspy", solve_day)
    lm = o2opt.model.build(net_from(12, horizon_days=6, max_delivery_km=150.0))
    result = solve_module.solve(lm, threads=1)
    assert result.status == "infeasible" and result.message.startswith("day 0:")
    assert len(calls) <= 2  # day 0, and at most the day the worker had already taken
