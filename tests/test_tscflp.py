"""Two-stage CFLP benchmark pieces (``benchmarks/tscflp.py``) on small generated instances.

No published data here: the instances are drawn at random and written in the file format of
Fernandes et al. (2014). Three solutions must agree: o2opt on the converted scenario folder,
the hand MILP of the benchmark (highspy, built from the file alone), and a brute force that
enumerates every set of open plants and depots and solves each transport problem with
:func:`scipy.optimize.linprog` (sharing no code with either).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import o2opt
from benchmarks.baseline import solve_highs
from benchmarks.tscflp import TwoStage, hand_model, read_reference, read_tscflp, to_folder
from o2opt.testing import assert_solution_feasible


def _write(path, rng: np.random.Generator, n_i: int, n_j: int, n_k: int) -> None:
    """A random instance in the published file layout."""
    demand = rng.integers(5, 20, n_k)
    total = demand.sum()
    lines = [f"{n_i} {n_j} {n_k}", *map(str, demand)]
    lines += [f"{rng.integers(total // 3, total)} {rng.integers(50, 400)}" for _ in range(n_i)]
    lines += [" ".join(map(str, rng.integers(1, 9, n_j))) for _ in range(n_i)]
    lines += [f"{rng.integers(total // 4, total // 2)} {rng.integers(20, 200)}"
              for _ in range(n_j)]
    lines += [" ".join(map(str, rng.integers(1, 15, n_k))) for _ in range(n_j)]
    path.write_text("\n".join(lines) + "\n")


def brute_force(inst: TwoStage) -> float:
    """Cheapest fixed plus transport cost over every set of open plants and depots."""
    n_i, n_j, n_k = len(inst.plant_capacity), len(inst.depot_capacity), len(inst.demand)
    best = np.inf
    for plants in itertools.product((0, 1), repeat=n_i):
        for depots in itertools.product((0, 1), repeat=n_j):
            y, z = np.array(plants), np.array(depots)
            fixed = inst.plant_fixed @ y + inst.depot_fixed @ z
            if fixed >= best or inst.plant_capacity @ y < inst.demand.sum():
                continue
            # variables x (i, j) then w (j, k)
            nx = n_i * n_j
            a_eq, b_eq, a_ub, b_ub = [], [], [], []
            for k in range(n_k):
                a = np.zeros(nx + n_j * n_k)
                a[nx + np.arange(n_j) * n_k + k] = 1
                a_eq.append(a)
                b_eq.append(inst.demand[k])
            for j in range(n_j):
                a = np.zeros(nx + n_j * n_k)
                a[np.arange(n_i) * n_j + j] = -1
                a[nx + j * n_k:nx + (j + 1) * n_k] = 1
                a_ub.append(a)  # ship out of a depot no more than came in
                b_ub.append(0.0)
                a = np.zeros(nx + n_j * n_k)
                a[nx + j * n_k:nx + (j + 1) * n_k] = 1
                a_ub.append(a)
                b_ub.append(inst.depot_capacity[j] * z[j])
            for i in range(n_i):
                a = np.zeros(nx + n_j * n_k)
                a[i * n_j:(i + 1) * n_j] = 1
                a_ub.append(a)
                b_ub.append(inst.plant_capacity[i] * y[i])
            cost = np.concatenate([inst.plant_depot_cost.ravel(),
                                   inst.depot_customer_cost.ravel()])
            res = linprog(cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq,
                          bounds=(0, None), method="highs")
            if res.status == 0:
                best = min(best, fixed + res.fun)
    return float(best)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_o2opt_hand_milp_and_brute_force_agree(tmp_path, seed):
    rng = np.random.default_rng(seed)
    _write(tmp_path / "inst.txt", rng, 3, 4, 6)
    inst = read_tscflp(tmp_path / "inst.txt")
    expected = brute_force(inst)
    assert np.isfinite(expected)

    hand = solve_highs(hand_model(inst), mip_gap=1e-9)
    assert hand["objective"] == pytest.approx(expected, rel=1e-7)

    net = o2opt.read_network(to_folder(inst, tmp_path / "scenario"))
    sol = o2opt.optimize(net, mip_gap=1e-9)
    assert sol.status == "optimal"
    assert_solution_feasible(sol)
    assert sol.objective == pytest.approx(expected, rel=1e-7)


def test_reader_rejects_a_file_with_more_than_one_cost_matrix(tmp_path):
    rng = np.random.default_rng(5)
    _write(tmp_path / "inst.txt", rng, 2, 2, 3)
    lines = (tmp_path / "inst.txt").read_text().splitlines()
    lines[1 + 3 + 2:1 + 3 + 2] = lines[1 + 3 + 2:1 + 3 + 4]  # a second plant->depot matrix
    (tmp_path / "bad.txt").write_text("\n".join(lines))
    with pytest.raises(ValueError, match="one cost matrix per stage"):
        read_tscflp(tmp_path / "bad.txt")


def test_shrink_and_reference_files(tmp_path):
    rng = np.random.default_rng(3)
    _write(tmp_path / "inst.txt", rng, 3, 4, 6)
    inst = read_tscflp(tmp_path / "inst.txt")
    small = inst.shrink(2, 3, 4)
    assert small.plant_depot_cost.shape == (2, 3)
    assert small.depot_customer_cost.shape == (3, 4)
    np.testing.assert_array_equal(small.depot_customer_cost, inst.depot_customer_cost[:3, :4])
    (tmp_path / "bks-50.txt").write_text("2 4 1000\n3 1 2000.5 *\n")
    (tmp_path / "lb-50.txt").write_text("C2-4-50 990.5\n")
    ref = read_reference(tmp_path, 50)
    assert ref["PSC4-C2-50"] == {"bks": 1000.0, "star": False, "lb": 990.5}
    assert ref["PSC1-C3-50"] == {"bks": 2000.5, "star": True}
