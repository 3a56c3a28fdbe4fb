"""Marginal values of capacities and demand against finite differences of the objective."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import o2opt

EPS = 1e-3


def _instance(seed: int, *, days: int = 2, candidates: bool = False,
              availability: bool = False, integer: bool = False,
              sharing: str = "cost", strict: bool = False,
              investment: bool = False, options: bool = False,
              storage: bool = False, **extra: object) -> o2opt.Network:
    """A small random instance, tight enough that some capacities bind."""
    rng = np.random.default_rng(seed)

    def points(prefix: str, n: int) -> pd.DataFrame:
        return pd.DataFrame({"id": [f"{prefix}{i}" for i in range(n)],
                             "lat": 33.0 + rng.uniform(0, 1.0, n),
                             "lon": 44.0 + rng.uniform(0, 1.0, n)})

    hospitals = points("H", 6).assign(demand_m3_day=rng.uniform(50, 300, 6),
                                      priority=rng.integers(1, 3, 6).astype(float),
                                      region=["north"] * 3 + ["south"] * 3)
    demand = pd.DataFrame([(h, t, float(rng.uniform(30, 300))) for h in hospitals["id"]
                           for t in range(days)], columns=["hospital", "day", "demand_m3"])
    producers = points("P", 2).assign(capacity_m3_day=rng.uniform(200, 500, 2),
                                      cost_per_m3=rng.uniform(0.1, 1.0, 2))
    stations = points("S", 3).assign(fill_capacity_cyl_day=rng.uniform(20, 80, 3),
                                     fill_cost_per_cyl=rng.uniform(0.5, 2.0, 3))
    if investment:  # a candidate producer and a candidate station
        producers = producers.assign(candidate=[False, True], fixed_cost=[np.nan, 50.0])
        stations = stations.assign(candidate=[False, True, False],
                                   fixed_cost=[np.nan, 30.0, np.nan])
    if storage:  # a producer's liquid-oxygen tank and two hospitals' cylinder stock
        producers = producers.assign(tank_capacity_m3=[150.0, np.nan],
                                     initial_tank_m3=[40.0, np.nan])
        hospitals = hospitals.assign(stock_capacity_m3=[60.0, 0, 0, 30.0, 0, 0],
                                     initial_stock_m3=[10.0, 0, 0, 5.0, 0, 0])
    frames = {"producers": producers, "stations": stations, "demand": demand}
    if candidates:
        frames["candidates"] = points("C", 2).assign(
            capacity_m3_day=rng.uniform(100, 300, 2) * (3.0 if strict else 1.0),
            fixed_cost=rng.uniform(10, 500, 2),
            cost_per_m3=rng.uniform(0.1, 2.0, 2))
    if options:  # an expansion of a station, a producer and an on-site plant at a hospital
        frames["options"] = pd.DataFrame({
            "facility": ["S0", "P1", "H0"], "option": ["a", "a", "a"],
            "extra_capacity": [15.0, 100.0, 40.0], "fixed_cost": [20.0, 30.0, 25.0]})
    if availability:
        frames["availability"] = pd.DataFrame({"facility": ["P0", "S1"], "day": [1, 0],
                                               "capacity_factor": [0.6, 0.7]})
    model = {"horizon_days": days, "unmet_penalty_per_m3": float(rng.uniform(50, 200)),
             "cost_per_cylinder_km": 0.05, "marginal_values": True,
             "integer_cylinders": integer, "shortage_sharing": sharing,
             "allow_unmet": not strict,  # strict: capacity cover rows are built
             **extra}
    return o2opt.from_frames(hospitals, model=model, **frames)


def _bump(net: o2opt.Network, table: str, row: int, column: str, delta: float) -> float:
    frame = getattr(net, table).copy()
    frame.loc[frame.index[row], column] += delta
    return o2opt.optimize(net.replace(**{table: frame})).objective


def _one_sided(f0: float, up: float, down: float) -> tuple[float, float]:
    return (up - f0) / EPS, (f0 - down) / EPS


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


CASES = [dict(seed=s) for s in range(4)] + [
    dict(seed=11, availability=True), dict(seed=12, candidates=True),
    dict(seed=13, candidates=True, availability=True), dict(seed=14, days=1),
    dict(seed=15, sharing="even"), dict(seed=16, sharing="even", candidates=True),
    dict(seed=21, candidates=True, strict=True), dict(seed=23, candidates=True, strict=True),
    dict(seed=31, investment=True), dict(seed=32, investment=True, candidates=True),
    dict(seed=41, options=True), dict(seed=42, options=True, candidates=True, days=1),
    dict(seed=51, storage=True, days=3),
    dict(seed=61, min_service_share=0.1, region_min_service_share=0.43),
    dict(seed=62, sharing="even", min_service_share=0.4), dict(seed=63, single_source=True),
    dict(seed=71, objective="lexicographic"),
    dict(seed=72, objective="lexicographic", sharing="even", days=1),
]


@pytest.mark.parametrize("case", CASES)
def test_capacity_marginals_match_finite_differences(case: dict) -> None:
    net = _instance(**case)
    sol = o2opt.optimize(net)
    assert sol.status == "optimal"
    util = sol.utilization
    assert "marginal_value" in util
    checked = 0
    for table, column, kind in (("producers", "capacity_m3_day", "producer"),
                                ("stations", "fill_capacity_cyl_day", "station"),
                                ("candidates", "capacity_m3_day", "candidate")):
        for row, fid in enumerate(getattr(net, table)["id"]):
            up = _bump(net, table, row, column, EPS)
            down = _bump(net, table, row, column, -EPS)
            rise, fall = _one_sided(sol.objective, up, down)
            if not _agree(rise, fall):
                continue  # a kink: the one-sided rates differ
            mine = util.loc[(util["facility"] == fid) & (util["kind"] == kind),
                            "marginal_value"].sum()  # the capacity counts on every day
            assert mine == pytest.approx(-rise, rel=1e-6, abs=1e-6), (fid, mine, -rise)
            checked += 1
    assert checked >= 3
    assert (util["marginal_value"] >= -1e-9).all()  # more capacity never costs more
    slack = util["used"] < util["capacity"] - 1e-6
    plain = util["kind"] != "candidate"
    if not case.get("availability"):
        assert (util.loc[slack & plain, "marginal_value"].abs() <= 1e-9).all()


@pytest.mark.parametrize("case", CASES)
def test_demand_marginals_match_finite_differences(case: dict) -> None:
    net = _instance(**case)
    sol = o2opt.optimize(net)
    service = sol.service
    checked = 0
    for row in range(len(net.demand)):
        up = _bump(net, "demand", row, "demand_m3", EPS)
        down = _bump(net, "demand", row, "demand_m3", -EPS)
        rise, fall = _one_sided(sol.objective, up, down)
        if not _agree(rise, fall):
            continue
        h, t = net.demand.iloc[row][["hospital", "day"]]
        mine = service.loc[(service["hospital"] == h) & (service["day"] == t),
                           "marginal_cost_m3"].item()
        assert mine == pytest.approx(rise, rel=1e-6, abs=1e-6), (h, t, mine, rise)
        checked += 1
    assert checked >= len(net.demand) // 2
    # one m3 more never costs more than the dearest penalty per m3, nor less than nothing
    top = net.scenario.unmet_penalty_per_m3 * net.hospitals["priority"].max()
    top *= 8.0 if net.scenario.shortage_sharing == "even" else 1.0  # the deepest segment
    sc = net.scenario
    if sc.allow_unmet and sc.min_service_share == 0 and sc.region_min_service_share == 0:
        # (a required share can make one more m3 dearer than leaving it unmet)
        assert service["marginal_cost_m3"].between(0.0, top + 1e-9).all()


def _tiny(**model: object) -> o2opt.Network:
    return o2opt.from_frames(
        pd.DataFrame({"id": ["H1", "H2"], "lat": [33.30, 33.30], "lon": [44.40, 44.50],
                      "demand_m3_day": [68.0, 0.0]}),
        stations=pd.DataFrame({"id": ["S1"], "lat": [33.30], "lon": [44.40],
                               "fill_capacity_cyl_day": [100.0], "fill_cost_per_cyl": [2.0]}),
        producers=pd.DataFrame({"id": ["P1"], "lat": [33.30], "lon": [44.40],
                                "capacity_m3_day": [40.0], "cost_per_m3": [0.5]}),
        model={"unmet_penalty_per_m3": 1000.0, **model})


def test_hand_computed_tiny_case() -> None:
    """Zero distances: one m3 of production saves the penalty 1000 and costs 0.5 to make
    and 2 / 6.8 to fill, so the producer is worth 1000 - 0.5 - 2/6.8 per m3; the station
    is slack (0); one more m3 of H1's demand is unmet (1000); H2 has no demand (empty)."""
    sol = o2opt.optimize(_tiny())
    util = sol.utilization.set_index("facility")["marginal_value"]
    assert util["P1"] == pytest.approx(1000.0 - 0.5 - 2.0 / 6.8, rel=1e-9)
    assert util["S1"] == 0.0
    service = sol.service.set_index("hospital")["marginal_cost_m3"]
    assert service["H1"] == pytest.approx(1000.0)
    assert np.isnan(service["H2"])
    # with ample production, demand is met: one m3 more costs 0.5 + 2 / 6.8
    rich = _tiny()
    rich = rich.replace(producers=rich.producers.assign(capacity_m3_day=1000.0))
    sol = o2opt.optimize(rich)
    assert sol.service.set_index("hospital").loc["H1", "marginal_cost_m3"] == pytest.approx(
        0.5 + 2.0 / 6.8, rel=1e-9)
    assert sol.utilization.set_index("facility").loc["P1", "marginal_value"] == 0.0


def test_marginals_in_result_files(tmp_path) -> None:
    sol = o2opt.optimize(_tiny())
    sol.to_folder(tmp_path / "out")
    util = pd.read_csv(tmp_path / "out" / "utilization.csv")
    service = pd.read_csv(tmp_path / "out" / "service.csv")
    assert util["marginal_value"].notna().all()
    assert service.set_index("hospital")["marginal_cost_m3"].isna().tolist() == [False, True]


def test_integer_model_only_on_request() -> None:
    net = _instance(3, candidates=True)
    assert "marginal_value" in o2opt.optimize(net).utilization
    off = o2opt.optimize(net.with_model(marginal_values=False))
    assert "marginal_value" not in off.utilization
    assert "marginal_cost_m3" not in off.service


def test_same_values_whatever_the_route() -> None:
    """Day by day, in one piece, or through PuLP (duals from one more HiGHS solve)."""
    net = _instance(2)
    base = o2opt.optimize(net)
    for kwargs in ({"decompose": False}, {"backend": "pulp"}):
        other = o2opt.optimize(net, **kwargs)
        for table, column in (("utilization", "marginal_value"),
                              ("service", "marginal_cost_m3")):
            np.testing.assert_allclose(getattr(other, table)[column],
                                       getattr(base, table)[column], rtol=1e-6, atol=1e-6)


def test_cost_scale_multiplied_back() -> None:
    """Costs beyond the solver's range are divided by a power of two: duals come back in
    the input's currency."""
    big = _tiny(unmet_penalty_per_m3=1e9)
    sol = o2opt.optimize(big)
    assert sol.service.set_index("hospital").loc["H1", "marginal_cost_m3"] == pytest.approx(
        1e9, rel=1e-9)
    assert sol.utilization.set_index("facility").loc["P1", "marginal_value"] == pytest.approx(
        1e9 - 0.5 - 2.0 / 6.8, rel=1e-9)


def test_tanker_producer_left_empty(caplog) -> None:
    """The tanker extension's producer rows are not counted: a producer that loads tankers
    gets no value (never a wrong one), and a warning says so."""
    hospitals = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0],
                              "demand_m3_day": [68.0], "lox_tank_m3": [500.0]})
    producers = pd.DataFrame({"id": ["P1", "P2"], "lat": [34.0, 33.5], "lon": [44.0, 44.0],
                              "capacity_m3_day": [10.0, 20.0], "tankers": [1.0, 0.0],
                              "tanker_capacity_m3": [100.0, np.nan]})
    stations = pd.DataFrame({"id": ["S1"], "lat": [33.5], "lon": [44.0],
                             "fill_capacity_cyl_day": [100.0]})
    sol = o2opt.optimize(o2opt.from_frames(hospitals, producers=producers, stations=stations))
    util = sol.utilization.set_index("facility")["marginal_value"]
    assert np.isnan(util["P1"])
    assert util["P2"] > 0  # binding, counted
    assert "no marginal value for 1 producers" in caplog.text


def test_integer_cylinders_fixed() -> None:
    """With integral cylinders fixed, the cylinder bounds no longer move: one more m3 of
    demand is met by the unmet column or nothing, and the values are those of that LP."""
    net = _tiny(integer_cylinders=True, marginal_values=True)
    sol = o2opt.optimize(net)
    assert sol.model.is_mip
    service = sol.service.set_index("hospital")["marginal_cost_m3"]
    assert service["H1"] == pytest.approx(1000.0)  # still short: the penalty
    util = sol.utilization.set_index("facility")["marginal_value"]
    # 40 m3 of production fill 5 whole cylinders (34 m3): the producer is slack once the
    # cylinder counts are fixed
    assert util["P1"] == 0.0
    assert "marginal_value" not in o2opt.optimize(_tiny(integer_cylinders=True)).utilization
