"""shortage_sharing = "even": the unmet share of each hospital-day in four convex segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.testing import assert_costs_consistent, assert_solution_feasible

PENALTY = 1000.0


def _two_hospitals(**model: object) -> o2opt.Network:
    """One station and one producer of 100 m3 a day; H1 at the station, H2 10 km away,
    each needing 100 m3: the cheapest plan serves H1 and leaves H2 with nothing."""
    return o2opt.from_frames(
        pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.09], "lon": [44.0, 44.0],
                      "demand_m3_day": [100.0, 100.0]}),
        stations=pd.DataFrame({"id": ["S1"], "lat": [33.0], "lon": [44.0],
                               "fill_capacity_cyl_day": [1000.0]}),
        producers=pd.DataFrame({"id": ["P1"], "lat": [33.0], "lon": [44.0],
                                "capacity_m3_day": [100.0]}),
        model={"unmet_penalty_per_m3": PENALTY, "cylinder_m3": 5.0, **model})


def test_cost_policy_is_the_default_and_piles_up() -> None:
    default = o2opt.optimize(_two_hospitals())
    cost = o2opt.optimize(_two_hospitals(shortage_sharing="cost"))
    assert default.objective == cost.objective
    unmet = default.service.set_index("hospital")["unmet_m3"]
    assert unmet.tolist() == pytest.approx([0.0, 100.0])
    assert default.cost["unmet_penalty"] == pytest.approx(100.0 * PENALTY)
    # H1 is at the station: 20 cylinders there cost nothing to carry
    assert default.objective == pytest.approx(100.0 * PENALTY)


def test_even_hand_computed() -> None:
    """Each hospital is 50 m3 short: 25 m3 in segment 1 (x1) and 25 in segment 2 (x2),
    so the penalty is 2 x (25 + 50) x 1000 = 150,000 (against 100 x 1000 x 8/4 ... for 100
    m3 short at one hospital: 25 x (1 + 2 + 4 + 8) x 1000 = 375,000)."""
    sol = o2opt.optimize(_two_hospitals(shortage_sharing="even"))
    unmet = sol.service.set_index("hospital")["unmet_m3"]
    assert unmet.tolist() == pytest.approx([50.0, 50.0])
    assert sol.cost["unmet_penalty"] == pytest.approx(150_000.0)
    km = sol.deliveries.set_index("hospital")["km"]
    transport = 0.05 * km["H2"] * 10.0  # 10 cylinders of 5 m3 to H2
    assert sol.objective == pytest.approx(150_000.0 + transport, rel=1e-9)
    assert sol.summary()["unmet_m3"] == pytest.approx(100.0)


def test_even_with_min_service_share_and_priority() -> None:
    """min_service_share 0.6 caps each hospital's unmet share at 40 %; priorities weigh the
    segments: with H2 at priority 3, H1 takes the deeper shortage."""
    net = _two_hospitals(shortage_sharing="even", min_service_share=0.6)
    net = net.replace(producers=net.producers.assign(capacity_m3_day=130.0))
    sol = o2opt.optimize(net)
    unmet = sol.service.set_index("hospital")["unmet_m3"]
    # 70 m3 short: both hospitals past 25 m3 (segment 1), the rest in segment 2 where a m3
    # costs the same at either; carrying to H2 costs more, so H2 takes its 40 % cap
    assert unmet.tolist() == pytest.approx([30.0, 40.0])
    hospitals = net.hospitals.assign(priority=[1.0, 3.0])
    sol = o2opt.optimize(net.replace(hospitals=hospitals))
    unmet = sol.service.set_index("hospital")["unmet_m3"]
    # H2's first segment (25 m3 at 3000) costs more than H1's second (at 2000): H1 takes
    # 40 m3 (its cap), H2 the remaining 30
    assert unmet.tolist() == pytest.approx([40.0, 30.0])
    assert sol.cost["unmet_penalty"] == pytest.approx(
        PENALTY * (25 + 2 * 15) + 3 * PENALTY * (25 + 2 * 5))


def _two_regions(sharing: str) -> o2opt.Network:
    """Two regions around one source; one region is cheaper to serve than the other."""
    rng = np.random.default_rng(7)
    lat = np.concatenate([33.0 + rng.uniform(0, 0.1, 5), 34.0 + rng.uniform(0, 0.1, 5)])
    hospitals = pd.DataFrame({"id": [f"H{i}" for i in range(10)], "lat": lat,
                              "lon": 44.0 + rng.uniform(0, 0.1, 10),
                              "demand_m3_day": rng.uniform(50, 150, 10),
                              "region": ["north"] * 5 + ["south"] * 5})
    total = hospitals["demand_m3_day"].sum()
    return o2opt.from_frames(
        hospitals,
        stations=pd.DataFrame({"id": ["S1"], "lat": [33.05], "lon": [44.05],
                               "fill_capacity_cyl_day": [10_000.0]}),
        producers=pd.DataFrame({"id": ["P1"], "lat": [33.05], "lon": [44.05],
                                "capacity_m3_day": [0.5 * total]}),
        model={"unmet_penalty_per_m3": PENALTY, "shortage_sharing": sharing,
               "horizon_days": 2})


def _nothing_while_full(sol: o2opt.Solution) -> bool:
    s = sol.service
    for _, day in s.groupby("day"):
        served = day["delivered_m3"] / day["demand_m3"]
        if (served < 1e-9).any() and (served > 1 - 1e-9).any():
            return True
    return False


def test_even_leaves_no_hospital_with_nothing_while_another_is_full() -> None:
    assert _nothing_while_full(o2opt.optimize(_two_regions("cost")))  # the problem
    even = o2opt.optimize(_two_regions("even"))
    assert not _nothing_while_full(even)
    # the penalty priced segment by segment from service.csv is the solver's
    assert even.objective == pytest.approx(even.result.objective, rel=1e-9)
    assert_solution_feasible(even)
    assert_costs_consistent(even)
    served = even.service["delivered_m3"] / even.service["demand_m3"]
    assert served.min() > 0.25 - 1e-9  # half the oxygen: nobody falls below a quarter


def test_even_is_an_input_choice() -> None:
    with pytest.raises(o2opt.InputError, match="shortage_sharing"):
        _two_hospitals(shortage_sharing="fair")


def test_even_with_the_lexicographic_objective() -> None:
    """Stage 1 minimises the weighted unmet m3, the same whatever the policy; stage 2
    spreads that same total."""
    cost = o2opt.optimize(_two_hospitals(objective="lexicographic"))
    even = o2opt.optimize(_two_hospitals(objective="lexicographic", shortage_sharing="even"))
    assert even.stages["weighted_unmet_m3"] == pytest.approx(
        cost.stages["weighted_unmet_m3"], rel=1e-9)
    assert even.service["unmet_m3"].tolist() == pytest.approx([50.0, 50.0])
    assert cost.service["unmet_m3"].tolist() == pytest.approx([0.0, 100.0])
