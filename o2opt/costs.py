r"""Investment economics: from a capital cost to the fixed cost charged over the horizon.

A site or option priced by ``capex`` (money spent once) with ``lifetime_years`` and
``opex_per_year`` costs, per year, the annuity that repays the capital over its lifetime at
the discount rate :math:`r` plus its running cost; the model charges the share of a year
that the horizon covers:

.. math::

    F = \Big(\mathrm{capex}\cdot\frac{r}{1-(1+r)^{-L}} + \mathrm{opex}\Big)
        \cdot \frac{\mathrm{horizon\_days}}{365}

(:math:`\mathrm{capex}/L` instead of the annuity when :math:`r = 0`). The model uses
these functions itself (:func:`fixed_costs`), so a notebook that calls them gets exactly
the figures the optimiser weighed. See ``docs/model.md``, "Investment economics".

Examples
--------
>>> round(capital_recovery_factor(0.08, 10), 6)
0.149029
>>> round(horizon_cost(400_000, 10, 0.08, horizon_days=30), 2)
4899.6
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from o2opt.network import Network

__all__ = ["DAYS_PER_YEAR", "DEFAULT_LIFETIME_YEARS", "annualised_cost",
           "capital_recovery_factor", "fixed_costs", "horizon_cost",
           "investment_breakdown", "investment_summary"]

#: Days in the year the horizon is a share of.
DAYS_PER_YEAR = 365.0
#: Lifetime of a capex-priced row that gives none.
DEFAULT_LIFETIME_YEARS = 10.0


def capital_recovery_factor(discount_rate: float | np.ndarray,
                            lifetime_years: float | np.ndarray) -> float | np.ndarray:
    """The share of a capital cost repaid each year: ``r / (1 - (1 + r)^-L)`` (``1 / L``
    when ``r = 0``).

    Parameters
    ----------
    discount_rate : float or numpy.ndarray
        Yearly rate ``r >= 0`` (0.08 is 8 %).
    lifetime_years : float or numpy.ndarray
        Lifetime ``L > 0`` in years.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> capital_recovery_factor(0.0, 4)
    0.25
    >>> round(capital_recovery_factor(0.1, 1), 12)
    1.1
    """
    r = np.asarray(discount_rate, dtype=float)
    life = np.asarray(lifetime_years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = r / -np.expm1(-life * np.log1p(r))
    out = np.where(r == 0, 1.0 / life, annuity)
    return float(out) if out.ndim == 0 else out


def annualised_cost(capex: float | np.ndarray, lifetime_years: float | np.ndarray,
                    discount_rate: float, opex_per_year: float | np.ndarray = 0.0
                    ) -> float | np.ndarray:
    """Yearly cost of an investment: ``capex * capital_recovery_factor + opex_per_year``.

    Parameters
    ----------
    capex : float or numpy.ndarray
        Capital cost, money spent once.
    lifetime_years : float or numpy.ndarray
        Years over which the capital is repaid.
    discount_rate : float
        Yearly discount rate.
    opex_per_year : float or numpy.ndarray
        Running cost per year.

    Examples
    --------
    >>> annualised_cost(1000.0, 4, 0.0, opex_per_year=50.0)
    300.0
    """
    out = (np.asarray(capex, dtype=float)
           * capital_recovery_factor(discount_rate, lifetime_years)
           + np.asarray(opex_per_year, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def horizon_cost(capex: float | np.ndarray, lifetime_years: float | np.ndarray,
                 discount_rate: float, horizon_days: float,
                 opex_per_year: float | np.ndarray = 0.0) -> float | np.ndarray:
    """The fixed cost charged over a horizon of ``horizon_days``: the
    :func:`annualised_cost` times ``horizon_days / 365``.

    Examples
    --------
    >>> horizon_cost(3650.0, 10, 0.0, horizon_days=365)
    365.0
    >>> horizon_cost(3650.0, 10, 0.0, horizon_days=1, opex_per_year=365.0)
    2.0
    """
    yearly = annualised_cost(capex, lifetime_years, discount_rate, opex_per_year)
    out = np.asarray(yearly) * (horizon_days / DAYS_PER_YEAR)
    return float(out) if np.ndim(out) == 0 else out


def fixed_costs(frame: pd.DataFrame, discount_rate: float,
                horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a table that can be opened or chosen: the fixed cost over the horizon
    (``fixed_cost`` where given, else :func:`horizon_cost` of its ``capex``), and its
    capex (0 where priced by ``fixed_cost``).

    A table without a ``capex`` column (or rows without one) keeps its ``fixed_cost``
    unchanged; rows with neither cost 0.

    Examples
    --------
    >>> frame = pd.DataFrame({"fixed_cost": [5.0, np.nan], "capex": [np.nan, 3650.0],
    ...                       "lifetime_years": [np.nan, np.nan],
    ...                       "opex_per_year": [np.nan, 0.0]})
    >>> fixed, capex = fixed_costs(frame, 0.0, 365)
    >>> fixed.tolist(), capex.tolist()
    ([5.0, 365.0], [0.0, 3650.0])
    """
    n = len(frame)
    fixed = (frame["fixed_cost"].to_numpy(float) if "fixed_cost" in frame
             else np.full(n, np.nan))
    capex = frame["capex"].to_numpy(float) if "capex" in frame else np.full(n, np.nan)
    priced = np.isfinite(capex)
    if not priced.any():
        return np.nan_to_num(fixed, nan=0.0), np.zeros(n)
    life = _column(frame, "lifetime_years", DEFAULT_LIFETIME_YEARS)
    opex = _column(frame, "opex_per_year", 0.0)
    fixed = fixed.copy()
    fixed[priced] = horizon_cost(capex[priced], life[priced], discount_rate, horizon_days,
                                 opex[priced])
    return np.nan_to_num(fixed, nan=0.0), np.where(priced, capex, 0.0)


def _column(frame: pd.DataFrame, name: str, default: float) -> np.ndarray:
    values = frame[name].to_numpy(float) if name in frame else np.full(len(frame), np.nan)
    return np.where(np.isnan(values), default, values)


#: (table, kind) of every table whose rows can be opened or chosen, in the order of sites.csv.
_TABLES = (("candidates", "plant"), ("producers", "producer"), ("stations", "station"),
           ("options", "option"))


def investment_breakdown(network: Network, built: Iterable[str] | None = None
                         ) -> pd.DataFrame:
    """The fixed cost of every candidate and option, step by step, as the model charges it.

    Parameters
    ----------
    network : Network
    built : iterable of str, optional
        Only these ids (candidates of every table) and ``FACILITY/OPTION`` labels, in
        ``sites.csv`` order. Default: every candidate and option.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``id``, ``kind`` (``plant``, ``producer``, ``station``,
        ``option``), ``priced_by`` (``capex`` or ``fixed_cost``), ``capex``,
        ``lifetime_years``, ``discount_rate``, ``capital_recovery_factor``,
        ``annuity_per_year`` (capex × factor), ``opex_per_year``,
        ``annualised_cost_per_year`` (annuity + opex), ``horizon_days``, ``fixed_cost``
        (annualised × horizon_days / 365: what the plan is charged) and ``explanation``
        (the same in words, with the scenario's currency). Rows priced by ``fixed_cost``
        have no capex figures; their ``annualised_cost_per_year`` is the fixed cost scaled
        back to a year.

    Examples
    --------
    >>> import o2opt
    >>> h = pd.DataFrame({"id": ["H"], "lat": [0.0], "lon": [0.0], "demand_m3_day": [1.0]})
    >>> c = pd.DataFrame({"id": ["C"], "lat": [0.0], "lon": [0.0], "capacity_m3_day": [1.0],
    ...                   "capex": [3650.0], "lifetime_years": [10], "opex_per_year": [0.0]})
    >>> net = o2opt.from_frames(h, candidates=c, model={"discount_rate": 0.0,
    ...                                                 "currency": "USD"})
    >>> print(investment_breakdown(net).loc[0, "explanation"])  # doctest: +NORMALIZE_WHITESPACE
    capex 3,650.00 USD repaid over 10 years at 0.00 % a year: 365.00 USD a year
    (capital recovery factor 0.100000) + opex 0.00 USD a year = 365.00 USD a year;
    × 1/365 of a year (horizon of 1 day) = 1.00 USD charged in this plan
    """
    sc = network.scenario
    days, rate = sc.horizon_days, sc.discount_rate
    frames = []
    for table, kind in _TABLES:
        frame = getattr(network, table)
        if table == "options":
            ids = (frame["facility"].astype(str) + "/" + frame["option"].astype(str)).to_numpy()
            mask = np.ones(len(frame), dtype=bool)
        else:
            ids, mask = frame["id"].astype(str).to_numpy(), network.candidate_mask(table)
        fixed, capex = network.fixed_costs(table)
        priced = (np.isfinite(frame["capex"].to_numpy(float)) if "capex" in frame
                  else np.zeros(len(frame), dtype=bool))
        life = _column(frame, "lifetime_years", DEFAULT_LIFETIME_YEARS)
        opex = _column(frame, "opex_per_year", 0.0)
        crf = np.asarray(capital_recovery_factor(rate, life), dtype=float)
        frames.append(pd.DataFrame({
            "id": ids, "kind": kind, "priced_by": np.where(priced, "capex", "fixed_cost"),
            "capex": np.where(priced, capex, np.nan),
            "lifetime_years": np.where(priced, life, np.nan),
            "discount_rate": np.where(priced, rate, np.nan),
            "capital_recovery_factor": np.where(priced, crf, np.nan),
            "annuity_per_year": np.where(priced, capex * crf, np.nan),
            "opex_per_year": np.where(priced, opex, np.nan),
            "annualised_cost_per_year": fixed * DAYS_PER_YEAR / days,
            "horizon_days": days, "fixed_cost": fixed,
        })[mask])
    out = pd.concat(frames, ignore_index=True)
    if built is not None:
        wanted = list(dict.fromkeys(str(b) for b in built))
        out = out[out["id"].isin(wanted)].reset_index(drop=True)
    unit = f" {sc.currency}" if sc.currency else ""
    out["explanation"] = [_explain(r, unit) for r in out.itertuples()]
    return out


def investment_summary(network: Network, built: Iterable[str]) -> dict[str, Any]:
    """What ``summary.json`` says about the investment: the economics, totals and one
    entry per built item of :func:`investment_breakdown` (JSON-ready: missing figures are
    ``None``).

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> investment_summary(net, [])["items"]
    []
    """
    sc = network.scenario
    table = investment_breakdown(network, built)
    items = [{k: (None if isinstance(v, float) and math.isnan(v) else
                  v.item() if isinstance(v, np.generic) else v)
              for k, v in row.items()} for row in table.to_dict("records")]
    return {
        "discount_rate": sc.discount_rate,
        "horizon_days": sc.horizon_days,
        "horizon_share_of_year": sc.horizon_days / DAYS_PER_YEAR,
        "capital_budget": sc.capital_budget,
        "capex": float(table["capex"].fillna(0.0).sum()),
        "annualised_cost_per_year": float(table["annualised_cost_per_year"].sum()),
        "fixed_cost": float(table["fixed_cost"].sum()),
        "formula": ("fixed_cost = (capex * r / (1 - (1 + r)^-lifetime_years) + opex_per_year)"
                    " * horizon_days / 365 (capex / lifetime_years when r = 0)"),
        "items": items,
    }


def _money(value: float, unit: str) -> str:
    return f"{value:,.2f}{unit}"


def _explain(row: Any, unit: str) -> str:
    days = int(row.horizon_days)
    scale = (f"× {days}/365 of a year (horizon of {days} day{'s' if days != 1 else ''}) = "
             f"{_money(row.fixed_cost, unit)} charged in this plan")
    if row.priced_by != "capex":
        return (f"fixed cost given: {_money(row.fixed_cost, unit)} over the horizon "
                f"(= {_money(row.annualised_cost_per_year, unit)} a year)")
    return (f"capex {_money(row.capex, unit)} repaid over {row.lifetime_years:g} years at "
            f"{100 * row.discount_rate:.2f} % a year: {_money(row.annuity_per_year, unit)} a "
            f"year (capital recovery factor {row.capital_recovery_factor:.6f}) + opex "
            f"{_money(row.opex_per_year, unit)} a year = "
            f"{_money(row.annualised_cost_per_year, unit)} a year; {scale}")
