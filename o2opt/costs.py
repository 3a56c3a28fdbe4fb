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

import numpy as np
import pandas as pd

__all__ = ["DAYS_PER_YEAR", "DEFAULT_LIFETIME_YEARS", "annualised_cost",
           "capital_recovery_factor", "fixed_costs", "horizon_cost"]

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
