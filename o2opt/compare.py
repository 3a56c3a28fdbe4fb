"""As-is against plan: what an investment buys.

:func:`compare_investment` solves a scenario twice — with nothing new built (every
candidate closed, no option chosen) and with the investment (the optimiser's plan, or a
plan someone proposes, forced) — and reports the unmet demand avoided, the hospitals
reached, the capital and horizon cost per m³ avoided, and per built site or option its
delivered m³ and the unmet demand that returns when that one alone is removed (re-solved
with every other decision of the plan fixed). When unmet demand is forbidden, the as-is and
removal cases are solved with it allowed, so that their shortfall can be shown.

Examples
--------
>>> import o2opt
>>> net = o2opt.read_network(o2opt.datasets.demo_folder())
>>> c = compare_investment(net, removals=False)
>>> c.summary()["unmet_avoided_m3"] >= 0
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from o2opt.costs import DAYS_PER_YEAR
from o2opt.fairness import not_logged
from o2opt.network import Network
from o2opt.pipeline import optimize
from o2opt.solution import Solution

__all__ = ["InvestmentComparison", "as_is", "compare_investment", "fix_plan"]

log = logging.getLogger(__name__)

_SITE_TABLES = ("candidates", "producers", "stations")


@dataclass(frozen=True)
class InvestmentComparison:
    """The as-is and plan solutions and what the plan buys.

    Attributes
    ----------
    as_is, plan : Solution
        Nothing new built; the investment.
    sites : pandas.DataFrame
        One row per site opened or option chosen by the plan: ``candidate`` (id or
        ``FACILITY/OPTION``), ``kind``, ``capex``, ``fixed_cost`` (over the horizon),
        ``delivered_m3`` (cylinders delivered from a plant or station, bulk sent by a
        producer, on-site gas used at a hospital; for an option, its facility's), and
        ``unmet_returned_m3`` (the unmet demand that returns when it alone is removed;
        missing when removals were not solved).
    """

    as_is: Solution
    plan: Solution
    sites: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """The comparison in figures: unmet m³ as is, with the plan and avoided; hospitals
        short as is, short with the plan and reached (short as is, fully served with the
        plan); the plan's capex, fixed cost over the horizon and per year, and what one m³
        avoided costs (``fixed_cost_per_m3_avoided``: fixed cost over the horizon per m³
        avoided over the horizon; ``capex_per_m3_day_avoided``: capex per m³/day of
        shortfall removed). Ratios are ``None`` when nothing is avoided.
        ``as_is_unmet_allowed`` is true when the scenario forbids unmet demand and the
        as-is case was solved with it allowed."""
        sc = self.plan.network.scenario
        days = sc.horizon_days
        unmet_as_is = _total_unmet(self.as_is)
        unmet_plan = _total_unmet(self.plan)
        short_as_is = _short(self.as_is)
        short_plan = _short(self.plan)
        avoided = (unmet_as_is - unmet_plan
                   if unmet_as_is is not None and unmet_plan is not None else None)
        capex = float(self.sites["capex"].fillna(0.0).sum())
        fixed = float(self.sites["fixed_cost"].sum())
        out: dict[str, Any] = {
            "status_as_is": self.as_is.status,
            "status_plan": self.plan.status,
            "objective_as_is": self.as_is.objective,
            "objective_plan": self.plan.objective,
            "unmet_as_is_m3": unmet_as_is,
            "unmet_plan_m3": unmet_plan,
            "unmet_avoided_m3": avoided,
            "hospitals_short_as_is": None if short_as_is is None else len(short_as_is),
            "hospitals_short_plan": None if short_plan is None else len(short_plan),
            "hospitals_reached": (None if short_as_is is None or short_plan is None
                                  else len(short_as_is - short_plan)),
            "built": self.sites["candidate"].tolist(),
            "capex": capex,
            "fixed_cost": fixed,
            "annualised_cost": fixed * DAYS_PER_YEAR / days,
            "horizon_days": days,
            "fixed_cost_per_m3_avoided": fixed / avoided if avoided else None,
            "capex_per_m3_day_avoided": capex / (avoided / days) if avoided else None,
            "as_is_unmet_allowed": not sc.allow_unmet,
        }
        if sc.currency is not None:
            out["currency"] = sc.currency
        return out


def _total_unmet(solution: Solution) -> float | None:
    return float(solution.service["unmet_m3"].sum()) if solution.has_solution else None


def _short(solution: Solution) -> set[str] | None:
    if not solution.has_solution:
        return None
    s = solution.service
    return set(s.loc[s["unmet_m3"] > 0, "hospital"])


def fix_plan(network: Network, built: Iterable[str]) -> Network:
    """``network`` with every decision fixed: the candidates (of every table) and options
    (``FACILITY/OPTION``) in ``built`` forced open or chosen, every other one closed.

    Raises
    ------
    ValueError
        When ``built`` names something that is neither a candidate nor an option.

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> first = net.candidates["id"].iloc[0]
    >>> fixed = fix_plan(net, [first])
    >>> fixed.candidates["decision"].value_counts().to_dict() == {
    ...     "closed": len(net.candidates) - 1, "open": 1}
    True
    """
    built = set(built)
    changes: dict[str, pd.DataFrame] = {}
    known: set[str] = set()
    for table in _SITE_TABLES:
        frame = getattr(network, table)
        mask = network.candidate_mask(table)
        ids = frame["id"].to_numpy()
        known |= set(ids[mask])
        decision = np.where(np.isin(ids, list(built)), "open", "closed")
        changes[table] = frame.assign(decision=np.where(mask, decision, "free"))
    options = network.options
    labels = (options["facility"] + "/" + options["option"]).to_numpy()
    known |= set(labels)
    changes["options"] = options.assign(
        decision=np.where(np.isin(labels, list(built)), "open", "closed"))
    unknown = sorted(built - known)
    if unknown:
        raise ValueError(f"not a candidate or option: {', '.join(unknown)}")
    return network.replace(source="compare_investment(plan=...)", **changes)


def as_is(network: Network) -> Network:
    """``network`` with nothing new built, unmet demand allowed (to show the shortfall)."""
    fixed = fix_plan(network, [])
    return fixed if fixed.scenario.allow_unmet else fixed.with_model(allow_unmet=True)


def compare_investment(network: Network, plan: Iterable[str] | None = None, *,
                       removals: bool = True, **options: Any) -> InvestmentComparison:
    """Solve ``network`` as is and with the investment, and say what the investment buys.

    Parameters
    ----------
    network : Network
    plan : iterable of str, optional
        Sites (ids) and options (``FACILITY/OPTION``) to evaluate: built, and nothing else.
        Default: the optimiser's own plan.
    removals : bool
        Also re-solve once per built site or option without it (the others fixed) for
        ``unmet_returned_m3``.
    **options
        Solver options for :func:`o2opt.optimize` (``solver``, ``time_limit_s``, ...).

    Returns
    -------
    InvestmentComparison
    """
    plan_net = network if plan is None else fix_plan(network, plan)
    plan_sol = optimize(plan_net, **options)
    with not_logged():  # shortage warnings: the plan's only
        as_is_sol = optimize(as_is(network), **options)
    if not plan_sol.has_solution:
        empty = pd.DataFrame(columns=["candidate", "kind", "capex", "fixed_cost",
                                      "delivered_m3", "unmet_returned_m3"])
        return InvestmentComparison(as_is_sol, plan_sol, empty)
    sites = _built(plan_sol)
    relaxed = network if network.scenario.allow_unmet else network.with_model(allow_unmet=True)
    built = sites["candidate"].tolist()
    owner = _option_facility(network)
    returned = []
    base = _total_unmet(plan_sol) or 0.0
    for item in built if removals else ():  # an opened site goes with its options
        others = [b for b in built if b != item and owner.get(b) != item]
        with not_logged():
            without = optimize(fix_plan(relaxed, others), **options)
        unmet = _total_unmet(without) if without.has_solution else None
        returned.append(unmet - base if unmet is not None else np.nan)
        log.info("without %s: %s", item, without.status)
    sites["unmet_returned_m3"] = returned if removals else np.nan
    return InvestmentComparison(as_is_sol, plan_sol, sites)


def _option_facility(network: Network) -> dict[str, str]:
    """``FACILITY/OPTION`` label -> facility id, for every option."""
    o = network.options
    return dict(zip(o["facility"] + "/" + o["option"], o["facility"], strict=True))


def _built(solution: Solution) -> pd.DataFrame:
    """The plan's opened sites and chosen options with their delivered m³."""
    net, sites = solution.network, solution.sites
    if "kind" not in sites:  # no investment input: plants only
        sites = sites.assign(kind="plant", capex=np.nan)
    out = sites.loc[sites["opened"].astype(bool),
                    ["candidate", "kind", "capex", "fixed_cost"]].reset_index(drop=True)
    cylinders = solution.deliveries.groupby("source")["m3"].sum()
    bulk = solution.bulk.groupby("producer")["m3"].sum()
    onsite = pd.Series(  # net demand the hospital's new on-site plant covers
        (net.net_demand_m3().sum(axis=1)
         - solution.service.groupby("hospital", sort=False)["demand_m3"].sum().to_numpy()),
        index=net.hospitals["id"].to_numpy())
    delivered = pd.concat([cylinders, bulk, onsite])
    owner = _option_facility(net)
    facility = [owner.get(label, label) for label in out["candidate"]]
    out["delivered_m3"] = delivered.groupby(level=0).sum().reindex(facility).fillna(0.0) \
        .to_numpy()
    return out
