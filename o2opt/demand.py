"""Oxygen need from the data an analyst has: beds, patients, cylinders used, epidemic curves.

Every function returns oxygen as **m³ of gas per day** (docs/model.md, "Units") and records how
the figure was made: the tables it returns carry ``demand_method`` (``bed-based``,
``patient-based``, ``consumption-based``, ``surge-exponential``, ``surge-sir``) and
``demand_params`` (the parameters used, as compact JSON), so a number in a report can be
traced back to its assumptions. :func:`with_demand` puts an estimate into a
:class:`~o2opt.network.Network`.

Methods (the formulas and the source of every default are in ``docs/demand.md``):

- :func:`bed_based`: beds by ward type × occupancy × share of patients on oxygen ×
  flow (L/min) × 1,440 min ÷ 1,000 → m³/day.
- :func:`patient_based` and :func:`patients_on_oxygen`: patients by severity, as in WHO's
  COVID-19 Essential Supplies Forecasting Tool (ESFT): 40/40/15/5 % mild, moderate, severe,
  critical; severe patients at 10 L/min and critical at 30 L/min for their days on oxygen.
- :func:`consumption_based`: cylinders used per day by size (D, E, F, G, J) → m³/day, with
  an optional correction for demand suppressed by shortages.
- :func:`exponential_curve`, :func:`sir_curve` and :func:`surge_table`: a daily demand
  table (the ``demand.csv`` of docs/input.md) from an epidemic-curve scenario.
- Unit helpers: :func:`l_min_to_m3_day`, :func:`nm3_h_to_m3_day`, :func:`liquid_l_to_m3`,
  :func:`kg_to_m3`,
  :func:`cylinders_to_m3` and their inverses.

Examples
--------
One severe COVID-19 patient at the ESFT flow of 10 L/min needs 14.4 m³ a day, and a
J cylinder holds 6.8 m³:

>>> from o2opt import demand
>>> demand.patient_based({"severe": 1})
14.4
>>> demand.cylinders_to_m3(1, "J")
6.8
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from o2opt.network import Network

__all__ = [
    "CYLINDER_GAS_L",
    "ESFT_DAYS_ON_OXYGEN",
    "ESFT_FLOW_L_MIN",
    "ESFT_SEVERITY_MIX",
    "LOX_GAS_M3_PER_L",
    "M3_DAY_PER_L_MIN",
    "O2_KG_PER_M3",
    "SOURCES",
    "WARDS",
    "Ward",
    "bed_based",
    "consumption_based",
    "cylinders_to_m3",
    "exponential_curve",
    "kg_to_m3",
    "l_min_to_m3_day",
    "liquid_l_to_m3",
    "nm3_h_to_m3_day",
    "m3_day_to_l_min",
    "m3_day_to_nm3_h",
    "m3_to_cylinders",
    "m3_to_kg",
    "m3_to_liquid_l",
    "patient_based",
    "patients_on_oxygen",
    "sir_curve",
    "surge_table",
    "with_demand",
]

Number = TypeVar("Number", float, np.ndarray, pd.Series)

#: Short references for every default below; ``docs/demand.md`` gives them in full.
SOURCES: Mapping[str, str] = MappingProxyType({
    "ESFT": "WHO, COVID-19 Essential Supplies Forecasting Tool (ESFT): overview of the "
            "structure, methodology and assumptions used, interim guidance, 25 August 2020 "
            "(WHO/2019-nCoV/Tools/Essential_forecasting/Overview/2020.1)",
    "WHO-O2-sources": "WHO, Oxygen sources and distribution for COVID-19 treatment centres, "
                      "interim guidance, 4 April 2020 (WHO/2019-nCoV/Oxygen_sources/2020.1): "
                      "severe patients 10 L/min, critical patients 30 L/min",
    "WHO-clinical": "WHO, Clinical management of COVID-19, interim guidance, 27 May 2020 "
                    "(WHO/2019-nCoV/clinical/2020.5): 40 % mild, 40 % moderate, 15 % severe, "
                    "5 % critical",
    "WHO-UNICEF-2019": "WHO and UNICEF, Technical specifications and guidance for oxygen "
                       "therapy devices, WHO Medical device technical series, 2019: "
                       "cylinder sizes and gas content",
    "WHO-children-2016": "WHO, Oxygen therapy for children: a manual for health workers, 2016: "
                         "0.5-1 L/min for neonates, 1-2 L/min for older children by nasal "
                         "prongs",
    "BTS-2017": "O'Driscoll BR et al., BTS guideline for oxygen use in healthcare and "
                "emergency settings, Thorax 2017;72(Suppl 1):i1-i90: about 14-15 % of "
                "hospital inpatients use oxygen at any time (BTS national audits); nasal "
                "cannulae 1-6 L/min, simple face masks 5-10 L/min",
    "Subhi-2009": "Subhi R et al., The prevalence of hypoxaemia among ill children in "
                  "developing countries: a systematic review, Lancet Infect Dis "
                  "2009;9:219-227: median 13.3 % of children with pneumonia are hypoxaemic",
    "Rees-2020": "Rees EM et al., COVID-19 length of hospital stay: a systematic review and "
                 "data synthesis, BMC Medicine 2020;18:270: median stay 5 (IQR 3-9) days "
                 "outside China, 14 (10-19) in China; ICU 7 (4-11) and 8 (5-13) days",
    "MODEL": "o2opt model contract (docs/model.md, Units): 1 L liquid oxygen = 0.86 m3 gas, "
             "1 m3 = 1.43 kg",
    "CGA": "Compressed Gas Association / industrial-gas data sheets: liquid-to-gas expansion "
           "ratio of oxygen 1:861 (boiling point to 21 degC, 1 atm); gas density 1.429 kg/m3 "
           "at 0 degC, 101.325 kPa",
    "OCC-suppressed": "Open Critical Care, Oxygen FAQ 'How do I know how much oxygen my "
                      "facility is using?': current consumption may grossly underestimate "
                      "need where supply is inadequate",
    "assumption": "o2opt planning assumption (no single published default); see "
                  "docs/demand.md for the reasoning and the nearest published figures",
})

# --------------------------------------------------------------------------- units
MIN_PER_DAY = 1440
L_PER_M3 = 1000.0
#: m³ of gas per day delivered by a flow of 1 L/min: 1,440 min × 1 L ÷ 1,000 L/m³.
M3_DAY_PER_L_MIN = MIN_PER_DAY / L_PER_M3
#: m³ of gas (21 °C, 1 atm) from 1 L of liquid oxygen: expansion ratio 1:861 (CGA);
#: docs/model.md rounds it to 0.86.
LOX_GAS_M3_PER_L = 0.861
#: kg per m³ of oxygen gas at 0 °C and 101.325 kPa (CGA); docs/model.md rounds it to 1.43.
#: Note that this density and :data:`LOX_GAS_M3_PER_L` refer to different temperatures
#: (0 °C and 21 °C), as docs/model.md's two figures do: converting liquid litres via kg gives
#: about 7 % less gas than converting them directly. Keep one route per study.
O2_KG_PER_M3 = 1.429
#: Gas content (litres of oxygen at about 1 atm) of full medical cylinders by size letter,
#: in the lettering used by BOC and by WHO-UNICEF (2019). US (CGA) letters differ: a US
#: "D" holds about 415 L and a US "H" about 6,900 L.
CYLINDER_GAS_L: Mapping[str, float] = MappingProxyType(
    {"D": 340.0, "E": 680.0, "F": 1360.0, "G": 3400.0, "J": 6800.0})


def l_min_to_m3_day(flow_l_min: Number) -> Number:
    """A continuous flow in L/min as m³ per day (× 1,440 min ÷ 1,000 L/m³).

    Examples
    --------
    >>> l_min_to_m3_day(10.0)
    14.4
    """
    return flow_l_min * MIN_PER_DAY / L_PER_M3


def m3_day_to_l_min(m3_day: Number) -> Number:
    """m³ per day as a continuous flow in L/min (inverse of :func:`l_min_to_m3_day`).

    Examples
    --------
    >>> m3_day_to_l_min(43.2)
    30.0
    """
    return m3_day * L_PER_M3 / MIN_PER_DAY


def nm3_h_to_m3_day(flow_nm3_h: Number, *, hours_per_day: float = 24.0) -> Number:
    """A plant rating in Nm³/h (normal m³ per hour, as PSA plants are sold) as m³ per day.

    o2opt counts gas in m³ at about 1 atm and takes one Nm³ as one m³ (the bundled data do
    the same): the rating × the hours the plant runs each day (24 by default; lower it for
    maintenance or power cuts).

    Examples
    --------
    >>> nm3_h_to_m3_day(30.0)
    720.0
    >>> nm3_h_to_m3_day(30.0, hours_per_day=20)
    600.0
    """
    if not 0 < hours_per_day <= 24:
        raise ValueError(f"hours_per_day must be in (0, 24], got {hours_per_day}")
    return flow_nm3_h * hours_per_day


def m3_day_to_nm3_h(m3_day: Number, *, hours_per_day: float = 24.0) -> Number:
    """m³ per day as the plant rating in Nm³/h that supplies it running ``hours_per_day``
    hours a day (inverse of :func:`nm3_h_to_m3_day`).

    Examples
    --------
    >>> m3_day_to_nm3_h(666.0)
    27.75
    """
    if not 0 < hours_per_day <= 24:
        raise ValueError(f"hours_per_day must be in (0, 24], got {hours_per_day}")
    return m3_day / hours_per_day


def liquid_l_to_m3(litres: Number) -> Number:
    """Litres of liquid oxygen as m³ of gas (× :data:`LOX_GAS_M3_PER_L` = 0.861).

    Examples
    --------
    >>> round(liquid_l_to_m3(5000.0), 1)  # 5,000 L of liquid oxygen a day
    4305.0
    """
    return litres * LOX_GAS_M3_PER_L


def m3_to_liquid_l(m3: Number) -> Number:
    """m³ of gas as litres of liquid oxygen (inverse of :func:`liquid_l_to_m3`).

    Examples
    --------
    >>> round(m3_to_liquid_l(861.0), 6)
    1000.0
    """
    return m3 / LOX_GAS_M3_PER_L


def kg_to_m3(kg: Number) -> Number:
    """kg of oxygen (liquid or gas) as m³ of gas at 0 °C (÷ :data:`O2_KG_PER_M3` = 1.429).

    Examples
    --------
    >>> round(kg_to_m3(1000.0), 1)  # one tonne
    699.8
    """
    return kg / O2_KG_PER_M3


def m3_to_kg(m3: Number) -> Number:
    """m³ of oxygen gas as kg (× :data:`O2_KG_PER_M3`).

    Examples
    --------
    >>> m3_to_kg(1.0)
    1.429
    """
    return m3 * O2_KG_PER_M3


def _cylinder_l(size: str) -> float:
    try:
        return CYLINDER_GAS_L[size.upper()]
    except KeyError:
        raise ValueError(f"unknown cylinder size {size!r}; "
                         f"known: {', '.join(CYLINDER_GAS_L)}") from None


def cylinders_to_m3(count: Number, size: str = "J") -> Number:
    """Full cylinders of a size (D, E, F, G or J) as m³ of gas.

    Examples
    --------
    >>> cylinders_to_m3(1, "J"), cylinders_to_m3(10, "E")
    (6.8, 6.8)
    """
    return count * _cylinder_l(size) / 1000.0


def m3_to_cylinders(m3: Number, size: str = "J") -> Number:
    """m³ of gas as a (fractional) number of full cylinders of ``size``.

    Examples
    --------
    >>> m3_to_cylinders(14.4, "J")  # a severe patient's day, in J cylinders
    2.1176470588235294
    """
    return m3 * 1000.0 / _cylinder_l(size)


def _params_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- bed-based
@dataclass(frozen=True)
class Ward:
    """Planning assumptions for one ward type.

    Attributes
    ----------
    occupancy : float
        Share of beds occupied (0-1).
    share_on_oxygen : float
        Share of occupied beds whose patient receives oxygen at any time (0-1).
    flow_l_min : float
        Mean flow to a patient on oxygen, L/min.
    source : str
        Where the three numbers come from (keys of :data:`SOURCES`).
    """

    occupancy: float
    share_on_oxygen: float
    flow_l_min: float
    source: str

    def __post_init__(self) -> None:
        for name in ("occupancy", "share_on_oxygen"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if not (self.flow_l_min >= 0.0 and math.isfinite(self.flow_l_min)):
            raise ValueError(f"flow_l_min must be finite and >= 0, got {self.flow_l_min}")

    @property
    def m3_day_per_bed(self) -> float:
        """occupancy × share on oxygen × flow × 1.44: m³ per bed per day."""
        return self.occupancy * self.share_on_oxygen * l_min_to_m3_day(self.flow_l_min)


#: Default ward assumptions for :func:`bed_based` (see docs/demand.md for the reasoning).
WARDS: Mapping[str, Ward] = MappingProxyType({
    # adult general (medical/surgical) wards: ~15 % of inpatients on oxygen (BTS audits),
    # 5 L/min between nasal cannula (1-6) and simple mask (5-10 L/min) flows (BTS-2017).
    "general": Ward(0.80, 0.15, 5.0, "occupancy: assumption; share and flow: BTS-2017"),
    # intensive care: most patients on oxygen or ventilated; 10 L/min is the WHO flow for a
    # severe COVID-19 patient, below the 30 L/min of a critical one (WHO-O2-sources).
    "icu": Ward(0.80, 0.80, 10.0, "occupancy and share: assumption; flow: WHO-O2-sources"),
    # neonatal and paediatric wards: 1 L/min by nasal prongs (WHO-children-2016); share as
    # for general wards, near the 13 % hypoxaemia prevalence of childhood pneumonia.
    "paediatric": Ward(0.80, 0.15, 1.0,
                       "occupancy: assumption; share: Subhi-2009 (rounded up); "
                       "flow: WHO-children-2016"),
    # operating theatres and recovery: every patient receives oxygen while there; the
    # table is in use 40 % of the day; 5 L/min fresh gas / recovery mask flow (BTS-2017).
    "theatre": Ward(0.40, 1.0, 5.0, "occupancy and share: assumption; flow: BTS-2017"),
})


def bed_based(beds: pd.DataFrame | Mapping[str, float],
              wards: Mapping[str, Ward] | None = None, *,
              prefix: str = "beds_", impute: str | float | None = None) -> pd.DataFrame:
    """Oxygen need from beds by ward type.

    ``demand = Σ_ward beds[ward] × occupancy × share_on_oxygen × flow_l_min × 1,440 / 1,000``
    in m³/day.

    Parameters
    ----------
    beds : DataFrame or mapping
        One row per facility with a column ``beds_<ward>`` for each ward type used (e.g.
        ``beds_general``, ``beds_icu``, ``beds_paediatric``, ``beds_theatre``), or a mapping
        ``{ward: beds}`` for one facility. A missing ward column means no beds of that type.
    wards : mapping of str to :class:`Ward`, optional
        The assumptions; :data:`WARDS` by default. Columns for wards not in ``wards`` are an
        error, so that no beds are silently ignored.
    prefix : str
        Prefix of the bed columns.
    impute : {"zero", "median"} or float, optional
        What to use for a missing (empty, NaN) bed count. By default a missing count is an
        error that names the rows, never a silent zero. ``"zero"`` (the ward does not exist
        there), ``"median"`` (the ward column's median over the facilities that report it)
        or a number make the choice explicit; it is recorded in ``demand_params``
        (``imputed``: per ward, the method and the number of rows filled) and in the
        ``beds_imputed`` column (the wards filled in each row).

    Returns
    -------
    DataFrame
        Same index as ``beds``: ``demand_<ward>_m3_day`` for each ward, ``demand_m3_day``
        (their sum), ``demand_method`` (``"bed-based"``) and ``demand_params`` (JSON of the
        ward assumptions used).

    Examples
    --------
    One ICU bed: 0.8 × 0.8 × 10 L/min × 1.44 = 9.216 m³/day; ten general beds:
    10 × 0.8 × 0.15 × 5 × 1.44 = 8.64 m³/day.

    >>> out = bed_based({"general": 10, "icu": 1})
    >>> round(float(out["demand_m3_day"].iloc[0]), 3)
    17.856
    >>> out["demand_method"].iloc[0]
    'bed-based'
    """
    wards = WARDS if wards is None else wards
    if isinstance(beds, Mapping):
        frame = pd.DataFrame({f"{prefix}{k}": [float(v)] for k, v in beds.items()})
    else:
        frame = beds
    ward_cols = [c for c in frame.columns if str(c).startswith(prefix)]
    unknown = sorted(str(c)[len(prefix):] for c in ward_cols
                     if str(c)[len(prefix):] not in wards and str(c) != f"{prefix}total")
    if unknown:
        raise ValueError(f"no ward assumptions for {unknown}; known wards: {sorted(wards)}")
    if impute is not None and not (impute in ("zero", "median") or (
            isinstance(impute, int | float) and not isinstance(impute, bool)
            and math.isfinite(impute) and impute >= 0)):
        raise ValueError(f"impute must be 'zero', 'median' or a count >= 0, got {impute!r}")
    out = pd.DataFrame(index=frame.index)
    total = pd.Series(0.0, index=frame.index)
    used: dict[str, dict[str, Any]] = {}
    imputed: dict[str, dict[str, Any]] = {}
    filled = pd.Series("", index=frame.index, dtype=object)
    for name, ward in wards.items():
        col = f"{prefix}{name}"
        if col not in frame.columns:
            continue
        count = pd.to_numeric(frame[col], errors="raise").astype(float)
        missing = count.isna()
        if missing.any():
            if impute is None:
                rows = [str(r) for r in frame.index[missing.to_numpy()][:10]]
                more = f" and {int(missing.sum()) - 10} more" if missing.sum() > 10 else ""
                raise ValueError(
                    f"{col} is missing for row {', '.join(rows)}{more}: give the count, or "
                    "bed_based(..., impute='zero' | 'median' | number) to fill it explicitly")
            if impute == "median" and missing.all():
                raise ValueError(f"{col}: no row reports it, so impute='median' has no value")
            value = (0.0 if impute == "zero" else float(count.median()) if impute == "median"
                     else float(impute))
            count = count.fillna(value)
            imputed[name] = {"method": impute if isinstance(impute, str) else "value",
                             "value": value, "rows": int(missing.sum())}
            filled = filled.where(~missing, filled + np.where(filled == "", "", ";") + name)
        if (count < 0).any():
            raise ValueError(f"{col} has negative bed counts")
        part = count * ward.m3_day_per_bed
        out[f"demand_{name}_m3_day"] = part
        total = total + part
        used[name] = {k: v for k, v in asdict(ward).items() if k != "source"}
    out["demand_m3_day"] = total
    out["demand_method"] = "bed-based"
    params: dict[str, Any] = {"wards": used}
    if imputed:
        params["imputed"] = imputed
        out["beds_imputed"] = filled
    out["demand_params"] = _params_json(params)
    return out


# --------------------------------------------------------------------------- patient-based
#: Severity mix of symptomatic COVID-19 cases (WHO-clinical; used by the ESFT).
ESFT_SEVERITY_MIX: Mapping[str, float] = MappingProxyType(
    {"mild": 0.40, "moderate": 0.40, "severe": 0.15, "critical": 0.05})
#: Oxygen flow by severity in L/min (WHO-O2-sources; used by the ESFT). Mild and moderate
#: patients receive no oxygen.
ESFT_FLOW_L_MIN: Mapping[str, float] = MappingProxyType(
    {"mild": 0.0, "moderate": 0.0, "severe": 10.0, "critical": 30.0})
#: Days on oxygen per patient by severity: an assumption (the ESFT lets users set lengths of
#: stay); 8 and 10 days lie inside the ranges synthesised by Rees-2020.
ESFT_DAYS_ON_OXYGEN: Mapping[str, int] = MappingProxyType(
    {"mild": 0, "moderate": 0, "severe": 8, "critical": 10})


def patient_based(patients: Mapping[str, float] | pd.DataFrame,
                  flow_l_min: Mapping[str, float] | None = None) -> float | pd.DataFrame:
    """Oxygen need of the patients present now, by severity (ESFT flows).

    ``demand = Σ_severity patients × flow_l_min[severity] × 1.44`` m³/day.

    Parameters
    ----------
    patients : mapping or DataFrame
        ``{severity: patients}`` (returns a float), or a DataFrame with one column per
        severity (returns a DataFrame with ``demand_m3_day``, ``demand_method`` and
        ``demand_params``).
    flow_l_min : mapping, optional
        Flow by severity; :data:`ESFT_FLOW_L_MIN` by default.

    Examples
    --------
    >>> patient_based({"severe": 1})
    14.4
    >>> patient_based({"severe": 10, "critical": 2, "moderate": 30})
    230.4
    """
    flows = ESFT_FLOW_L_MIN if flow_l_min is None else flow_l_min
    if isinstance(patients, Mapping):
        unknown = sorted(set(patients) - set(flows))
        if unknown:
            raise ValueError(f"no flow for severities {unknown}; known: {sorted(flows)}")
        value = sum(float(n) * l_min_to_m3_day(float(flows[s])) for s, n in patients.items())
        return round(value, 9)
    unknown = sorted(set(map(str, patients.columns)) - set(flows))
    if unknown:
        raise ValueError(f"no flow for severities {unknown}; known: {sorted(flows)}")
    total = sum((patients[s].astype(float) * l_min_to_m3_day(float(flows[s]))
                 for s in patients.columns), pd.Series(0.0, index=patients.index))
    return pd.DataFrame({"demand_m3_day": total, "demand_method": "patient-based",
                         "demand_params": _params_json({"flow_l_min": dict(flows)})},
                        index=patients.index)


def patients_on_oxygen(new_patients: Sequence[float] | np.ndarray, *,
                       severity_mix: Mapping[str, float] | None = None,
                       flow_l_min: Mapping[str, float] | None = None,
                       days_on_oxygen: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Daily oxygen need from new symptomatic patients per day (the ESFT's patient flow).

    New patients are split by ``severity_mix``; a patient of severity *s* admitted on day
    *a* receives ``flow_l_min[s]`` on days *a* … *a* + ``days_on_oxygen[s]`` − 1.

    Parameters
    ----------
    new_patients : sequence of float
        New symptomatic patients on each day 0, 1, …
    severity_mix, flow_l_min, days_on_oxygen : mapping, optional
        Defaults :data:`ESFT_SEVERITY_MIX`, :data:`ESFT_FLOW_L_MIN`,
        :data:`ESFT_DAYS_ON_OXYGEN`.

    Returns
    -------
    DataFrame
        One row per day: ``day``, ``new_patients``, ``on_oxygen_<severity>`` for each
        severity with a flow, ``demand_m3`` (that day's oxygen), ``demand_method``
        (``"patient-based"``) and ``demand_params``.

    Examples
    --------
    100 new patients on day 0 only: 15 severe patients at 10 L/min and 5 critical at
    30 L/min, so 15 × 14.4 + 5 × 43.2 = 432 m³ a day while both groups are on oxygen
    (8 days), then 216 m³ for the critical patients' last 2 days.

    >>> out = patients_on_oxygen([100] + [0] * 10)
    >>> out["demand_m3"].round(6).tolist()
    [432.0, 432.0, 432.0, 432.0, 432.0, 432.0, 432.0, 432.0, 216.0, 216.0, 0.0]
    """
    mix = ESFT_SEVERITY_MIX if severity_mix is None else severity_mix
    flows = ESFT_FLOW_L_MIN if flow_l_min is None else flow_l_min
    days = ESFT_DAYS_ON_OXYGEN if days_on_oxygen is None else days_on_oxygen
    if abs(sum(mix.values()) - 1.0) > 1e-9:
        raise ValueError(f"severity_mix must sum to 1, got {sum(mix.values())}")
    new = np.asarray(new_patients, dtype=float)
    if new.ndim != 1 or (new < 0).any() or not np.isfinite(new).all():
        raise ValueError("new_patients must be a 1-D sequence of finite values >= 0")
    out = pd.DataFrame({"day": np.arange(len(new)), "new_patients": new})
    demand = np.zeros(len(new))
    for severity, share in mix.items():
        flow = float(flows.get(severity, 0.0))
        length = int(days.get(severity, 0))
        if flow <= 0 or length <= 0 or share <= 0:
            continue
        # patients of this severity on oxygen on day t: admissions on days t-length+1 .. t
        on = np.convolve(new * share, np.ones(length))[: len(new)]
        out[f"on_oxygen_{severity}"] = on
        demand += on * l_min_to_m3_day(flow)
    out["demand_m3"] = demand
    out["demand_method"] = "patient-based"
    out["demand_params"] = _params_json({"severity_mix": dict(mix), "flow_l_min": dict(flows),
                                         "days_on_oxygen": dict(days)})
    return out


# --------------------------------------------------------------------------- consumption
def consumption_based(cylinders_per_day: pd.DataFrame | Mapping[str, float], *,
                      suppressed_share: float | str = 0.0,
                      sizes: Mapping[str, float] | None = None,
                      prefix: str = "cylinders_") -> pd.DataFrame:
    """Oxygen need from the cylinders a facility uses per day, by size.

    ``consumption = Σ_size cylinders[size] × gas_litres[size] / 1,000`` m³/day, and
    ``demand = consumption / (1 − suppressed_share)``: where shortages ration oxygen, the
    cylinders used understate the need (OCC-suppressed). ``suppressed_share`` is the share
    of the true need that went unserved (0 = no correction).

    Parameters
    ----------
    cylinders_per_day : DataFrame or mapping
        Columns ``cylinders_<size>`` (e.g. ``cylinders_J``, ``cylinders_E``), or a mapping
        ``{size: cylinders per day}`` for one facility.
    suppressed_share : float or str
        A share in [0, 1), or the name of a column holding one per row.
    sizes : mapping, optional
        Gas litres per cylinder size; :data:`CYLINDER_GAS_L` by default.

    Returns
    -------
    DataFrame
        ``consumption_m3_day``, ``demand_m3_day``, ``demand_method``
        (``"consumption-based"``) and ``demand_params``.

    Examples
    --------
    Ten J cylinders a day are 68 m³; if a fifth of the need went unserved, the need is
    68 / 0.8 = 85 m³/day.

    >>> out = consumption_based({"J": 10}, suppressed_share=0.2)
    >>> float(out["consumption_m3_day"].iloc[0]), round(float(out["demand_m3_day"].iloc[0]), 6)
    (68.0, 85.0)
    """
    gas = CYLINDER_GAS_L if sizes is None else sizes
    if isinstance(cylinders_per_day, Mapping):
        frame = pd.DataFrame({f"{prefix}{k.upper()}": [float(v)]
                              for k, v in cylinders_per_day.items()})
    else:
        frame = cylinders_per_day
    cols = [c for c in frame.columns if str(c).startswith(prefix)]
    unknown = sorted(str(c)[len(prefix):] for c in cols if str(c)[len(prefix):] not in gas)
    if unknown:
        raise ValueError(f"unknown cylinder sizes {unknown}; known: {sorted(gas)}")
    if not cols:
        raise ValueError(f"no cylinder columns (expected e.g. {prefix}J)")
    consumption = sum((pd.to_numeric(frame[c]).fillna(0.0).astype(float)
                       * gas[str(c)[len(prefix):]] / 1000.0 for c in cols),
                      pd.Series(0.0, index=frame.index))
    if isinstance(suppressed_share, str):
        share = pd.to_numeric(frame[suppressed_share]).fillna(0.0).astype(float)
    else:
        share = pd.Series(float(suppressed_share), index=frame.index)
    if ((share < 0) | (share >= 1)).any():
        raise ValueError("suppressed_share must be in [0, 1)")
    return pd.DataFrame({
        "consumption_m3_day": consumption,
        "demand_m3_day": consumption / (1.0 - share),
        "demand_method": "consumption-based",
        "demand_params": _params_json({
            "gas_litres": {str(c)[len(prefix):]: gas[str(c)[len(prefix):]] for c in cols},
            "suppressed_share": suppressed_share}),
    }, index=frame.index)


# --------------------------------------------------------------------------- surge curves
def exponential_curve(horizon_days: int, *, start: float, doubling_days: float,
                      peak_day: int, halving_days: float | None = None) -> np.ndarray:
    """New cases per day rising exponentially to a peak, then falling.

    ``cases[t] = start · 2^(t / doubling_days)`` up to ``peak_day``, then
    ``cases[peak_day] · 2^(−(t − peak_day) / halving_days)``: the ESFT's simple exponential
    growth option with a turning point.

    Parameters
    ----------
    horizon_days : int
        Number of days.
    start : float
        New cases on day 0.
    doubling_days : float
        Doubling time while cases grow.
    peak_day : int
        Day of the peak.
    halving_days : float, optional
        Halving time after the peak (default: ``doubling_days``, a symmetric wave).

    Examples
    --------
    >>> exponential_curve(7, start=100, doubling_days=2, peak_day=4).round(1).tolist()
    [100.0, 141.4, 200.0, 282.8, 400.0, 282.8, 200.0]
    """
    if horizon_days < 1 or doubling_days <= 0 or start < 0:
        raise ValueError("need horizon_days >= 1, doubling_days > 0 and start >= 0")
    halving = doubling_days if halving_days is None else halving_days
    if halving <= 0:
        raise ValueError("halving_days must be > 0")
    t = np.arange(horizon_days, dtype=float)
    rise = start * np.power(2.0, np.minimum(t, peak_day) / doubling_days)
    return rise * np.power(2.0, -np.maximum(t - peak_day, 0.0) / halving)


def sir_curve(horizon_days: int, *, population: float, r0: float, infectious_days: float,
              initial_infected: float, symptomatic_share: float = 1.0,
              steps_per_day: int = 24) -> np.ndarray:
    """New (symptomatic) cases per day from an SIR epidemic (the ESFT's SIR option).

    ``dS/dt = −β S I / N``, ``dI/dt = β S I / N − γ I`` with ``γ = 1 / infectious_days``
    and ``β = r0 · γ``, integrated with ``steps_per_day`` Euler steps a day. New cases on
    day *t* are the infections during that day times ``symptomatic_share``.

    Examples
    --------
    With R0 = 2 about 80 % of the population is eventually infected (final-size equation):

    >>> cases = sir_curve(365, population=1e6, r0=2.0, infectious_days=5,
    ...                   initial_infected=10)
    >>> round(float(cases.sum()) / 1e6, 2)
    0.8
    """
    if population <= 0 or r0 < 0 or infectious_days <= 0 or steps_per_day < 1:
        raise ValueError("need population > 0, r0 >= 0, infectious_days > 0")
    if not 0 <= initial_infected <= population or not 0 <= symptomatic_share <= 1:
        raise ValueError("need 0 <= initial_infected <= population and 0 <= share <= 1")
    gamma = 1.0 / infectious_days
    beta = r0 * gamma
    dt = 1.0 / steps_per_day
    s, i = population - initial_infected, float(initial_infected)
    cases = np.zeros(horizon_days)
    for day in range(horizon_days):
        new_today = 0.0
        for _ in range(steps_per_day):
            infections = min(s, beta * s * i / population * dt)
            s, i = s - infections, i + infections - gamma * i * dt
            new_today += infections
        cases[day] = new_today * symptomatic_share
    return cases


def surge_table(hospitals: pd.DataFrame, new_cases: Sequence[float] | np.ndarray | pd.DataFrame,
                *, weight: str = "beds_total", region: str = "region",
                baseline: str | None = "demand_m3_day", method: str = "surge",
                curve_params: Mapping[str, Any] | None = None,
                severity_mix: Mapping[str, float] | None = None,
                flow_l_min: Mapping[str, float] | None = None,
                days_on_oxygen: Mapping[str, int] | None = None) -> pd.DataFrame:
    """A daily demand table (``demand.csv``) from an epidemic curve.

    New cases are turned into oxygen by :func:`patients_on_oxygen` (ESFT defaults) and
    shared among hospitals in proportion to ``weight`` (e.g. beds): nationally when
    ``new_cases`` is a sequence, within each region when it is a DataFrame with one column
    per region (index: day). Each hospital's ``baseline`` demand (its everyday need) is
    added on every day.

    Parameters
    ----------
    hospitals : DataFrame
        Needs ``id``, the ``weight`` column, ``region`` (for per-region curves) and
        ``baseline`` (unless ``baseline`` is None).
    new_cases : sequence or DataFrame
        New symptomatic cases per day, national or by region.
    weight : str
        Column used to share each curve's oxygen among hospitals (``None``-safe: a hospital
        with weight 0 gets no surge).
    method : str
        Recorded in ``demand_method`` (e.g. ``"surge-exponential"``, ``"surge-sir"``).
    curve_params : mapping, optional
        Parameters of the curve, recorded in ``demand_params``.

    Returns
    -------
    DataFrame
        ``hospital``, ``day``, ``demand_m3`` (= ``baseline_m3`` + ``surge_m3``),
        ``baseline_m3``, ``surge_m3``, ``demand_method``, ``demand_params``; every hospital
        appears on every day.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"id": ["A", "B"], "beds_total": [300, 100],
    ...                   "demand_m3_day": [100.0, 20.0]})
    >>> t = surge_table(h, [100, 0], curve_params={"note": "one day of 100 cases"})
    >>> t[["hospital", "day", "demand_m3"]].round(1).values.tolist()
    [['A', 0, 424.0], ['A', 1, 424.0], ['B', 0, 128.0], ['B', 1, 128.0]]
    """
    ids = hospitals["id"].astype(str).to_numpy()
    w = pd.to_numeric(hospitals[weight]).fillna(0.0).to_numpy(dtype=float)
    if (w < 0).any():
        raise ValueError(f"{weight} has negative values")
    on_oxygen = functools.partial(patients_on_oxygen, severity_mix=severity_mix,
                                  flow_l_min=flow_l_min, days_on_oxygen=days_on_oxygen)
    if isinstance(new_cases, pd.DataFrame):
        n_days = len(new_cases)
        surge = np.zeros((len(ids), n_days))
        regions = hospitals[region].astype(str).to_numpy()
        unknown = sorted(set(map(str, new_cases.columns)) - set(regions))
        if unknown:
            raise ValueError(f"curves for regions with no hospitals: {unknown}")
        for col in new_cases.columns:
            m3 = on_oxygen(new_cases[col].to_numpy())["demand_m3"].to_numpy()
            mask = regions == str(col)
            total = w[mask].sum()
            if total > 0:
                surge[mask] = np.outer(w[mask] / total, m3)
        params_cases: Any = {str(c): "per-region curve" for c in new_cases.columns}
    else:
        m3 = on_oxygen(new_cases)["demand_m3"].to_numpy()
        n_days = len(m3)
        total = w.sum()
        surge = np.outer(w / total, m3) if total > 0 else np.zeros((len(ids), n_days))
        params_cases = "national curve"
    base = (np.zeros(len(ids)) if baseline is None
            else pd.to_numeric(hospitals[baseline]).fillna(0.0).to_numpy(dtype=float))
    base2 = np.repeat(base[:, None], n_days, axis=1)
    params = {
        "curve": dict(curve_params or {}), "cases": params_cases, "weight": weight,
        "baseline": baseline,
        "severity_mix": dict(ESFT_SEVERITY_MIX if severity_mix is None else severity_mix),
        "flow_l_min": dict(ESFT_FLOW_L_MIN if flow_l_min is None else flow_l_min),
        "days_on_oxygen": dict(ESFT_DAYS_ON_OXYGEN if days_on_oxygen is None
                               else days_on_oxygen),
    }
    return pd.DataFrame({
        "hospital": np.repeat(ids, n_days),
        "day": np.tile(np.arange(n_days), len(ids)),
        "demand_m3": (base2 + surge).ravel(),
        "baseline_m3": base2.ravel(),
        "surge_m3": surge.ravel(),
        "demand_method": method,
        "demand_params": _params_json(params),
    })


# --------------------------------------------------------------------------- into a Network
def with_demand(network: Network, *, demand_m3_day: pd.Series | pd.DataFrame | None = None,
                daily: pd.DataFrame | None = None,
                horizon_days: int | None = None) -> Network:
    """A new, validated network with demand replaced by an estimate.

    Parameters
    ----------
    network : Network
        The network to copy (its other tables and ``[model]`` parameters are kept).
    demand_m3_day : Series or DataFrame, optional
        New daily demand per hospital, aligned with ``network.hospitals`` rows (a Series
        indexed by hospital id is also accepted). A DataFrame from :func:`bed_based` etc.
        also brings its ``demand_method`` and ``demand_params`` columns into the hospitals
        table, so reports can show how demand was estimated.
    daily : DataFrame, optional
        A demand table (``hospital``, ``day``, ``demand_m3``, e.g. from
        :func:`surge_table`); it becomes the network's ``demand`` table.
    horizon_days : int, optional
        Defaults to the number of days in ``daily`` (else unchanged).

    Examples
    --------
    >>> import pandas as pd, o2opt
    >>> net = o2opt.from_frames(hospitals=pd.DataFrame(
    ...     {"id": ["H1"], "lat": [33.3], "lon": [44.4], "demand_m3_day": [50.0]}))
    >>> est = bed_based(pd.DataFrame({"beds_icu": [10]}))
    >>> round(float(with_demand(net, demand_m3_day=est).hospitals["demand_m3_day"][0]), 2)
    92.16
    """
    from o2opt.io import from_frames

    hospitals = network.hospitals.copy()
    if demand_m3_day is not None:
        frame = (demand_m3_day if isinstance(demand_m3_day, pd.DataFrame)
                 else pd.DataFrame({"demand_m3_day": demand_m3_day}))
        frame = _align(frame, hospitals)
        hospitals["demand_m3_day"] = frame["demand_m3_day"].to_numpy(dtype=float)
        for col in ("demand_method", "demand_params"):
            if col in frame:
                hospitals[col] = frame[col].to_numpy()
    model = network.scenario.as_dict(skip_none=True)
    demand = network.demand
    if daily is not None:
        demand = daily
        if horizon_days is None:
            horizon_days = int(pd.to_numeric(daily["day"]).max()) + 1 if len(daily) else 1
    if horizon_days is not None:
        model["horizon_days"] = int(horizon_days)
    tables = network.tables()
    return from_frames(hospitals, producers=tables["producers"], stations=tables["stations"],
                       candidates=tables["candidates"], routes=tables["routes"],
                       demand=demand, availability=tables.get("availability"), model=model)


def _align(frame: pd.DataFrame, hospitals: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` in the order of ``hospitals``: by hospital id when ``frame`` is
    indexed by ids, else by position."""
    ids = hospitals["id"].astype(str)
    index = frame.index.astype(str)
    if len(frame) and index.isin(ids).all() and not frame.index.equals(hospitals.index):
        missing = sorted(set(ids) - set(index))
        if missing:
            raise ValueError(f"no demand for hospitals {missing[:5]}")
        return frame.set_axis(index).loc[pd.Index(ids)]
    if len(frame) != len(hospitals):
        raise ValueError(f"demand has {len(frame)} rows for {len(hospitals)} hospitals; "
                         "index it by hospital id or give one row per hospital")
    return frame
