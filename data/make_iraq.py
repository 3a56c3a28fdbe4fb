"""Build the Iraq planning dataset ``data/iraq/`` (loaded by ``o2opt.datasets.load_iraq()``).

Run from the repository root::

    python data/make_iraq.py [OSM_GEOJSON] [OUT_FOLDER]

The defaults are ``data/reference/iraq-osm/gaia_iraq_hospitals.geojson`` and ``data/iraq``.

What is real, derived and illustrative
--------------------------------------
``data/README.md`` states it table by table. In short:

- **Real, cited**: governorate populations (Central Statistical Organization, mid-2018
  estimates), the national bed density (World Bank / WHO), the Ministry of Industry and
  Minerals' oxygen lines in Baghdad (capacities as announced to the Iraqi News Agency,
  26 January 2022), OpenStreetMap hospital points (© OpenStreetMap contributors, ODbL 1.0),
  and the published PSA plant prices used to anchor candidate costs.
- **Derived**: bed targets per governorate (population × bed density), oxygen demand
  (``o2opt.demand.bed_based`` with its cited defaults), m³ figures converted from litres of
  liquid oxygen and from cylinders, daily equivalents of capital costs.
- **Illustrative** (flagged in every row by ``source = "illustrative"`` and in names): the
  generated hospitals that complete the OSM sample to realistic counts, their bed numbers and
  ward mix, on-site plants, private producers, filling stations, candidate sites, every
  location not taken from OSM or a cited source, and all prices other than the anchors.

The output is deterministic: pseudo-random choices come from SHA-256 hashes of
:data:`SEED` and stable keys, not from a random-number generator.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["SEED", "IraqReport", "make_iraq"]

HERE = Path(__file__).resolve().parent
SEED = 20250301
HORIZON_DAYS = 1
CYLINDER_M3 = 6.8  # J cylinder (o2opt.demand.CYLINDER_GAS_L["J"] / 1000)
PSA_M3_DAY_PER_NM3_H = 24.0  # a PSA plant rated in Nm³/h, run 24 h a day


def _load_demo_generator() -> ModuleType:
    """Reuse the OSM reading and classification of ``make_iraq_demo.py``."""
    name = "make_iraq_demo"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "make_iraq_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# 1. Governorates: population (REAL, cited) and capitals.
#    Central Statistical Organization (CSO), Ministry of Planning, Iraq: population estimates
#    for 1 July 2018, total 38,124,182 (CSO statement of 7 July 2019, reported by PUKmedia;
#    governorate figures as tabulated by citypopulation.de, "Iraq: Governorates").
#    Halabja (108,974 in the same table; a governorate split from Sulaymaniyah) is counted
#    with Sulaymaniyah, so the 18 figures below add up to the CSO total.
#    Capital coordinates are approximate town centres (WGS84).
# ---------------------------------------------------------------------------------------------
POPULATION_SOURCE = ("CSO Iraq, population estimate 2018-07-01, via citypopulation.de "
                     "(Iraq: Governorates)")
POPULATION_TOTAL_2018 = 38_124_182
GOVERNORATES: tuple[tuple[str, str, float, float, int], ...] = (
    # governorate, capital, lat, lon, population (2018-07-01 estimate)
    ("Baghdad", "Baghdad", 33.3152, 44.3661, 8_126_755),
    ("Nineveh", "Mosul", 36.3350, 43.1189, 3_729_998),
    ("Basra", "Basra", 30.5085, 47.7804, 2_908_491),
    ("Sulaymaniyah", "Sulaymaniyah", 35.5613, 45.4374, 2_053_305 + 108_974),  # + Halabja
    ("Dhi Qar", "Nasiriyah", 31.0439, 46.2576, 2_095_172),
    ("Babil", "Hillah", 32.4637, 44.4196, 2_065_042),
    ("Erbil", "Erbil", 36.1912, 44.0092, 1_854_778),
    ("Anbar", "Ramadi", 33.4258, 43.2994, 1_771_656),
    ("Diyala", "Baqubah", 33.7466, 44.6436, 1_637_226),
    ("Kirkuk", "Kirkuk", 35.4681, 44.3922, 1_597_876),
    ("Salah al-Din", "Tikrit", 34.6071, 43.6782, 1_595_235),
    ("Najaf", "Najaf", 32.0259, 44.3462, 1_471_592),
    ("Wasit", "Kut", 32.5128, 45.8182, 1_378_723),
    ("Duhok", "Duhok", 36.8669, 42.9503, 1_292_535),
    ("Qadisiyyah", "Diwaniyah", 31.9929, 44.9255, 1_291_048),
    ("Karbala", "Karbala", 32.6160, 44.0249, 1_218_732),
    ("Maysan", "Amarah", 31.8356, 47.1440, 1_112_673),
    ("Muthanna", "Samawah", 31.3099, 45.2803, 814_371),
)

# Hospital beds per 1,000 people: 1.3 (World Bank WDI indicator SH.MED.BEDS.ZS, Iraq, 2021;
# source WHO). Applied uniformly to every governorate: an assumption (beds are in fact
# concentrated in Baghdad and the governorate capitals).
BEDS_PER_1000 = 1.3
# Hospitals per governorate: one per 150,000 people, at least 5 (ASSUMPTION, of the order of
# public-hospital counts: the Kurdistan Region's Ministry of Health reports 83 public
# hospitals for about 5.3 million people, Kurdistan24, 2023).
PEOPLE_PER_HOSPITAL = 150_000
MIN_HOSPITALS = 5

# ---------------------------------------------------------------------------------------------
# 2. Towns (approximate coordinates) used (a) to place generated facilities, (b) as the sites
#    of the approximate governorate boundaries (a Voronoi diagram of these towns, clipped to a
#    rough national outline and merged by governorate), (c) for candidate sites.
# ---------------------------------------------------------------------------------------------
TOWNS: tuple[tuple[str, str, float, float], ...] = (
    # town, governorate, lat, lon — the capital of each governorate first
    ("Baghdad", "Baghdad", 33.3152, 44.3661), ("Abu Ghraib", "Baghdad", 33.2900, 44.0600),
    ("Mahmudiya", "Baghdad", 33.0600, 44.3600), ("Tarmiyah", "Baghdad", 33.6700, 44.3900),
    ("Mada'in", "Baghdad", 33.1000, 44.5800),
    ("Mosul", "Nineveh", 36.3350, 43.1189), ("Tal Afar", "Nineveh", 36.3700, 42.4500),
    ("Sinjar", "Nineveh", 36.3200, 41.8700), ("Qaraqosh", "Nineveh", 36.2700, 43.3800),
    ("Qayyarah", "Nineveh", 35.8000, 43.2900), ("Hatra", "Nineveh", 35.5800, 42.7200),
    ("Ba'aj", "Nineveh", 36.0400, 41.7200),
    ("Basra", "Basra", 30.5085, 47.7804), ("Zubair", "Basra", 30.3900, 47.7000),
    ("Qurna", "Basra", 31.0100, 47.4300), ("Fao", "Basra", 29.9700, 48.4700),
    ("Abu al-Khasib", "Basra", 30.4500, 48.0000),
    ("Sulaymaniyah", "Sulaymaniyah", 35.5613, 45.4374),
    ("Kalar", "Sulaymaniyah", 34.6292, 45.3222), ("Ranya", "Sulaymaniyah", 36.2500, 44.8800),
    ("Halabja", "Sulaymaniyah", 35.1800, 45.9900),
    ("Chamchamal", "Sulaymaniyah", 35.5300, 44.8300),
    ("Darbandikhan", "Sulaymaniyah", 35.1100, 45.6900),
    ("Nasiriyah", "Dhi Qar", 31.0439, 46.2576), ("Shatra", "Dhi Qar", 31.4100, 46.1700),
    ("Rifai", "Dhi Qar", 31.7200, 46.1100), ("Suq al-Shuyukh", "Dhi Qar", 30.8800, 46.4600),
    ("Chibayish", "Dhi Qar", 30.9500, 47.0300),
    ("Hillah", "Babil", 32.4637, 44.4196), ("Musayyib", "Babil", 32.7800, 44.2900),
    ("Hashimiya", "Babil", 32.3700, 44.6500), ("Iskandariya", "Babil", 32.8900, 44.3500),
    ("Erbil", "Erbil", 36.1912, 44.0092), ("Soran", "Erbil", 36.6529, 44.5441),
    ("Koya", "Erbil", 36.0800, 44.6300), ("Shaqlawa", "Erbil", 36.4000, 44.3200),
    ("Makhmur", "Erbil", 35.7800, 43.5800),
    ("Ramadi", "Anbar", 33.4258, 43.2994), ("Fallujah", "Anbar", 33.3500, 43.7800),
    ("Haditha", "Anbar", 34.1397, 42.3781), ("Al-Qa'im", "Anbar", 34.3689, 41.0945),
    ("Hit", "Anbar", 33.6400, 42.8300), ("Rutba", "Anbar", 33.0400, 40.2800),
    ("Anah", "Anbar", 34.4700, 41.9900), ("Nukhayb", "Anbar", 32.0400, 42.2500),
    ("Baqubah", "Diyala", 33.7466, 44.6436), ("Khanaqin", "Diyala", 34.3500, 45.3900),
    ("Muqdadiya", "Diyala", 33.9800, 44.9400), ("Balad Ruz", "Diyala", 33.7000, 45.0800),
    ("Khalis", "Diyala", 33.8100, 44.5300), ("Mandali", "Diyala", 33.7500, 45.5500),
    ("Kirkuk", "Kirkuk", 35.4681, 44.3922), ("Hawija", "Kirkuk", 35.3200, 43.7700),
    ("Dibis", "Kirkuk", 35.6500, 44.0700), ("Daquq", "Kirkuk", 35.1300, 44.4500),
    ("Tikrit", "Salah al-Din", 34.6071, 43.6782), ("Samarra", "Salah al-Din", 34.2000, 43.8700),
    ("Baiji", "Salah al-Din", 34.9300, 43.4900), ("Balad", "Salah al-Din", 34.0100, 44.1500),
    ("Tuz Khurmatu", "Salah al-Din", 34.8900, 44.6300),
    ("Shirqat", "Salah al-Din", 35.5100, 43.2300), ("Dujail", "Salah al-Din", 33.8500, 44.2300),
    ("Najaf", "Najaf", 32.0259, 44.3462), ("Kufa", "Najaf", 32.0300, 44.4000),
    ("Mishkhab", "Najaf", 31.8000, 44.4900), ("Al-Haydariya", "Najaf", 32.3300, 44.2000),
    ("Kut", "Wasit", 32.5128, 45.8182), ("Suwaira", "Wasit", 32.9300, 44.7800),
    ("Numaniya", "Wasit", 32.5600, 45.4000), ("Hay", "Wasit", 32.1700, 46.0400),
    ("Aziziya", "Wasit", 32.9100, 45.0600), ("Badra", "Wasit", 33.1100, 45.9400),
    ("Duhok", "Duhok", 36.8669, 42.9503), ("Zakho", "Duhok", 37.1400, 42.6800),
    ("Amadiya", "Duhok", 37.0900, 43.4900), ("Akre", "Duhok", 36.7400, 43.8900),
    ("Semel", "Duhok", 36.8600, 42.8500),
    ("Diwaniyah", "Qadisiyyah", 31.9929, 44.9255), ("Shamiya", "Qadisiyyah", 31.9636, 44.6003),
    ("Afak", "Qadisiyyah", 32.0600, 45.2500), ("Hamza", "Qadisiyyah", 31.7200, 45.0100),
    ("Ghammas", "Qadisiyyah", 31.7450, 44.6200),
    ("Karbala", "Karbala", 32.6160, 44.0249), ("Hindiya", "Karbala", 32.5400, 44.2300),
    ("Ain al-Tamur", "Karbala", 32.5600, 43.4800),
    ("Amarah", "Maysan", 31.8356, 47.1440), ("Ali al-Gharbi", "Maysan", 32.4600, 46.6900),
    ("Majar al-Kabir", "Maysan", 31.5700, 47.1700), ("Qalat Salih", "Maysan", 31.5100, 47.2800),
    ("Samawah", "Muthanna", 31.3099, 45.2803), ("Rumaitha", "Muthanna", 31.5300, 45.2000),
    ("Khidr", "Muthanna", 31.1900, 45.5400), ("Salman", "Muthanna", 30.5000, 44.5400),
    ("Busaya", "Muthanna", 30.1000, 46.1000),
)

# A rough outline of Iraq (lon, lat), hand-drawn from memory of the border: accurate to some
# 10-30 km, good enough to clip the approximate governorate boundaries. NOT a legal border.
OUTLINE_LON_LAT: tuple[tuple[float, float], ...] = (
    (42.36, 37.11), (42.80, 37.37), (43.30, 37.33), (43.80, 37.23), (44.25, 37.30),
    (44.78, 37.15), (45.00, 36.75), (45.30, 36.45), (45.95, 35.85), (46.15, 35.20),
    (45.95, 35.00), (45.50, 34.40), (45.75, 33.65), (46.15, 33.05), (46.80, 32.60),
    (47.45, 32.15), (47.70, 31.40), (47.70, 31.00), (48.02, 30.46), (48.30, 30.33),
    (48.55, 29.95), (47.95, 29.98), (47.70, 30.10), (47.15, 30.00), (46.55, 29.10),
    (44.72, 29.19), (42.10, 31.10), (40.40, 31.95), (39.20, 32.16), (39.00, 32.33),
    (38.79, 33.37), (40.00, 33.90), (41.00, 34.42), (41.20, 34.78), (41.24, 35.60),
    (41.38, 36.30), (41.85, 36.75), (42.36, 37.11),
)

# ---------------------------------------------------------------------------------------------
# 3. Facilities: size classes and ward mix (ILLUSTRATIVE ASSUMPTIONS).
# ---------------------------------------------------------------------------------------------
# share of a facility's beds by ward type (the rest are general beds)
WARD_MIX: dict[str, dict[str, float]] = {
    "teaching": {"icu": 0.06, "paediatric": 0.12, "theatre": 0.04},
    "hospital": {"icu": 0.04, "paediatric": 0.12, "theatre": 0.02},
    "specialty": {"icu": 0.02, "paediatric": 0.0, "theatre": 0.06},
    "health centre": {"icu": 0.0, "paediatric": 0.0, "theatre": 0.0},
}
WARDS = ("general", "icu", "paediatric", "theatre")
GENERATED_TEACHING_WEIGHT = 4.0  # a generated teaching hospital gets 4× a district's beds
MIN_GENERATED_BEDS = 40
# On-site PSA plant at about 60 % of teaching hospitals (illustrative): 20 Nm³/h.
ONSITE_SHARE_TEACHING = 0.6
ONSITE_NM3_H = 20

# ---------------------------------------------------------------------------------------------
# 4. Supply.
# ---------------------------------------------------------------------------------------------
# REAL (as announced): Ministry of Industry and Minerals, General Company for Electrical and
# Electronic Industries, Baghdad — Iraqi News Agency (INA), "Iraq increases Oxygen production
# due to any higher Omicron cases", 26 January 2022: two liquid-oxygen lines with a
# production capacity of 5,000 litres per day, a third line of 4,000-5,000 litres per day
# being completed, and a gaseous-oxygen line filling 2,000 cylinders ("tanks") per day.
# Read conservatively: 5,000 L/day for lines 1-2 together, 4,000 L/day for line 3, and
# J-size cylinders (the size is not stated). The location is approximate (Al-Waziriya).
MOIM_LAT, MOIM_LON = 33.3800, 44.3900
MOIM_LOX_12_L_DAY = 5000.0
MOIM_LOX_3_L_DAY = 4000.0
MOIM_GAS_CYL_DAY = 2000
LOX_GAS_M3_PER_L = 0.861  # = o2opt.demand.LOX_GAS_M3_PER_L

# ILLUSTRATIVE: the share of each governorate's net need that filling stations located there
# can fill (the rest must come from neighbours, new plants, or go unmet). Chosen to give a
# plausible pattern of gaps (post-conflict Nineveh, Anbar and Salah al-Din; the south), not
# from data.
LOCAL_FILL_SHARE: dict[str, float] = {
    "Baghdad": 1.05, "Nineveh": 0.65, "Basra": 0.75, "Sulaymaniyah": 0.9, "Dhi Qar": 0.7,
    "Babil": 0.85, "Erbil": 1.0, "Anbar": 0.5, "Diyala": 0.6, "Kirkuk": 0.8,
    "Salah al-Din": 0.55, "Najaf": 1.1, "Wasit": 0.6, "Duhok": 0.9, "Qadisiyyah": 0.7,
    "Karbala": 0.9, "Maysan": 0.6, "Muthanna": 0.5,
}
# ILLUSTRATIVE bulk producers (hypothetical private or industrial air-separation plants at
# governorate capitals): capacity in m³/day. With the Ministry's lines they total about 5 %
# more than all filling stations can fill, so bulk supply is not the national bottleneck.
PRIVATE_PRODUCER_SHARE: dict[str, float] = {
    "Basra": 0.22, "Erbil": 0.12, "Sulaymaniyah": 0.10, "Nineveh": 0.10, "Najaf": 0.10,
    "Kirkuk": 0.08, "Dhi Qar": 0.08, "Babil": 0.08, "Karbala": 0.06, "Duhok": 0.06,
}
PRODUCER_COST_PER_M3 = 0.30  # USD, illustrative (liquid or bulk gas at the plant gate)
FILL_COST_PER_CYL = 1.50  # USD per cylinder filled, illustrative

# Candidate PSA plants with a cylinder-filling ramp. Module sizes in Nm³/h: 15, 30 and 60
# (250, 500 and 1,000 L/min, common commercial sizes).
#
# Capital cost anchor (REAL, derived): India's PM CARES Fund allocated INR 137.33 crore for
# the supply and commissioning of 162 PSA plants totalling 154.19 t/day (Prime Minister's
# Office statement, 5 January 2021) plus INR 64.25 crore for 7 years of comprehensive
# maintenance: INR 8.48 million ≈ US$ 115,000 per plant (at INR 73.5 per US$, an assumption)
# for a mean 0.95 t/day ≈ 666 m³/day ≈ 28 Nm³/h, plant only.
# ASSUMPTION: installed in Iraq with shelter, power backup, booster compressor, filling
# manifold and 200 J cylinders, a 30 Nm³/h plant costs US$ 250,000 (≈ 2.2 × the plant-only
# anchor); other sizes scale with (size / 30) ** 0.7; low/high bounds are ×0.6 and ×1.6.
PM_CARES_USD_PER_PLANT = 137.33e7 / 162 / 73.5
CAPEX_30_NM3_H_USD = 250_000.0
CAPEX_EXPONENT = 0.7
CAPEX_RANGE = (0.6, 1.6)
DISCOUNT_RATE = 0.08  # assumption
LIFETIME_YEARS = 10  # = PM CARES' 3-year warranty + 7-year maintenance contract
OM_SHARE = 0.05  # fixed O&M, share of capex a year (PM CARES: ~6.7 % of the plant-only price)
PSA_COST_PER_M3 = 0.20  # USD: ~1.2 kWh/m³ at ~US$0.12/kWh plus consumables (assumption)
# (town, module size in Nm³/h): one module per site, sized to the local gap (illustrative).
# Eighteen sites keep the siting MILP quick to prove optimal (seconds with HiGHS); more sites
# and several sizes at every site make budget-constrained runs much slower to prove.
# At MODULE_OPTION_SITES the candidate is a 30 Nm³/h module and options.csv offers the
# larger sizes instead (see MODULE_UPGRADES_NM3_H).
CANDIDATE_SITES: tuple[tuple[str, int], ...] = (
    ("Mosul", 30), ("Tal Afar", 30), ("Basra", 30), ("Nasiriyah", 30), ("Ramadi", 30),
    ("Haditha", 15), ("Al-Qa'im", 15), ("Rutba", 15), ("Baqubah", 30), ("Khanaqin", 15),
    ("Tikrit", 30), ("Samarra", 15), ("Kirkuk", 30), ("Kut", 30), ("Hay", 15),
    ("Diwaniyah", 30), ("Amarah", 30), ("Samawah", 30),
)

# ---------------------------------------------------------------------------------------------
# 5. Investment options (ILLUSTRATIVE choices; prices as stated on each constant).
# ---------------------------------------------------------------------------------------------
# PSA module sizes (options.csv) at three candidate plants: the candidate is a 30 Nm³/h
# module; option "psa-60" or "psa-120" makes it 60 or 120 Nm³/h instead (at most one option
# per facility). An option adds the capacity and the capex the larger module adds
# (capex_usd(size) - capex_usd(30)), with the same lifetime and O&M share.
MODULE_OPTION_SITES = ("Mosul", "Basra", "Nasiriyah")
MODULE_BASE_NM3_H = 30
MODULE_UPGRADES_NM3_H = (60, 120)
# Candidate filling stations (stations.csv, candidate = true), fed in bulk by the producers:
# an oxygen compressor or cryogenic pump with vaporiser, a 150-cylinder/day filling manifold,
# a bulk tank and a building. ASSUMPTION, no published anchor in these data: US$ 150,000,
# 15 years, O&M 5 % of capex a year. Sited where cylinders must travel far (western Anbar,
# Samarra, Kalar).
CANDIDATE_STATIONS: tuple[str, ...] = ("Haditha", "Samarra", "Kalar")
STATION_CYL_DAY = 150
STATION_CAPEX_USD = 150_000.0
STATION_LIFETIME_YEARS = 15
# A second filling line (options.csv) at the busiest existing illustrative stations: +150
# cylinders/day. ASSUMPTION: US$ 60,000 (a manifold, a compressor and a bay in an existing
# building), 15 years, O&M 5 % of capex a year.
SECOND_LINE_STATIONS: tuple[str, ...] = ("s-nineveh", "s-anbar", "s-salah-al-din", "s-maysan")
SECOND_LINE_CYL_DAY = 150
SECOND_LINE_CAPEX_USD = 60_000.0
# On-site PSA plants (options.csv) at the largest teaching hospitals without one: 20 Nm³/h
# (480 m³/day, raising onsite_m3_day). ASSUMPTION on the PM CARES anchor (hospital plants,
# plant only, ≈ 28 Nm³/h): 1.5 × the anchor for installation in Iraq (shelter, power backup,
# piping to the existing manifold; no filling ramp or cylinders), scaled by (20/28)^0.7.
ONSITE_OPTION_HOSPITALS = 4
ONSITE_OPTION_NM3_H = 20
ONSITE_INSTALL_FACTOR = 1.5
PM_CARES_MEAN_NM3_H = 28.0  # 154.19 t/day / 162 plants ≈ 0.95 t/day ≈ 666 m³/day ≈ 28 Nm³/h

# [model] of scenario.toml (ILLUSTRATIVE prices; US dollars; one day)
MODEL: dict[str, float | int | bool | str] = {
    "horizon_days": HORIZON_DAYS,
    "cylinder_m3": CYLINDER_M3,
    "cost_per_cylinder_km": 0.05,
    "bulk_cost_per_m3_km": 0.002,
    "unmet_penalty_per_m3": 1000.0,
    "allow_unmet": True,
    "circuity": 1.3,
    "max_delivery_km": 250.0,
    "currency": "USD",
    "discount_rate": DISCOUNT_RATE,
    "capital_budget": 1_500_000.0,  # US$ of capital spent on everything opened or chosen
}

IRAQ_BBOX = (29.0, 38.7, 37.4, 48.7)  # lat_min, lon_min, lat_max, lon_max


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _unit(*key: object) -> float:
    """Deterministic pseudo-random number in [0, 1) from :data:`SEED` and ``key``."""
    digest = hashlib.sha256(":".join(map(str, (SEED, *key))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def capex_usd(size_nm3_h: int) -> float:
    """Assumed installed capital cost of a PSA plant with filling ramp, US$."""
    return round(CAPEX_30_NM3_H_USD * (size_nm3_h / 30.0) ** CAPEX_EXPONENT, -2)


def onsite_capex_usd(size_nm3_h: int) -> float:
    """Assumed installed capital cost of an on-site hospital PSA plant (no filling), US$."""
    return round(PM_CARES_USD_PER_PLANT * ONSITE_INSTALL_FACTOR
                 * (size_nm3_h / PM_CARES_MEAN_NM3_H) ** CAPEX_EXPONENT, -2)


def opex_usd(capex: float) -> float:
    """Fixed O&M a year: :data:`OM_SHARE` of the capital cost, US$."""
    return round(capex * OM_SHARE, 2)


def ward_beds(total: int, cls: str) -> dict[str, int]:
    """Split ``total`` beds into ward types by :data:`WARD_MIX` (general takes the rest)."""
    mix = WARD_MIX[cls]
    out = {w: int(round(total * mix.get(w, 0.0))) for w in WARDS if w != "general"}
    out["general"] = total - sum(out.values())
    return {w: out[w] for w in WARDS}


def _fmt(value: object) -> str:
    """A value as the demo generator writes it (one format for both data folders)."""
    return _load_demo_generator()._fmt(value)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a CSV as the demo generator does; returns the number of rows."""
    return _load_demo_generator()._write_csv(path, header, rows)


# ---------------------------------------------------------------------------------------------
# boundaries
# ---------------------------------------------------------------------------------------------
def governorate_polygons() -> dict[str, object]:
    """Approximate governorate polygons (shapely), keyed by governorate.

    A Voronoi diagram of :data:`TOWNS` in longitude/latitude, clipped to
    :data:`OUTLINE_LON_LAT` and merged by governorate. Approximate: each town claims the
    land nearer to it than to any other town.
    """
    import shapely
    from shapely.geometry import MultiPoint, Polygon

    outline = Polygon(OUTLINE_LON_LAT)
    points = MultiPoint([(lon, lat) for _, _, lat, lon in TOWNS])
    cells = shapely.voronoi_polygons(points, extend_to=outline.buffer(2.0))
    by_gov: dict[str, list[object]] = {}
    for cell in shapely.get_parts(cells):
        # the town whose cell this is
        town = next(t for t in TOWNS if cell.contains(shapely.Point(t[3], t[2])))
        by_gov.setdefault(town[1], []).append(cell.intersection(outline))
    return {gov: shapely.union_all(parts).simplify(0.005) for gov, parts in by_gov.items()}


def _region_of(lon: float, lat: float, polygons: dict[str, object]) -> str:
    import shapely

    point = shapely.Point(lon, lat)
    for gov, poly in polygons.items():
        if poly.covers(point):  # type: ignore[attr-defined]
            return gov
    # outside the rough outline: nearest polygon
    return min(polygons, key=lambda g: polygons[g].distance(point))  # type: ignore[attr-defined]


def _geojson(polygons: dict[str, object], rows: list[dict[str, object]]) -> str:
    import shapely

    features = []
    for row in rows:
        geom = json.loads(shapely.to_geojson(
            shapely.set_precision(polygons[str(row["governorate"])], 1e-4)))
        features.append({"type": "Feature", "properties": row, "geometry": geom})
    collection = {
        "type": "FeatureCollection",
        "name": "iraq_governorates_approximate",
        "note": ("APPROXIMATE boundaries: Voronoi cells of towns clipped to a rough national "
                 "outline (data/make_iraq.py). Not official boundaries."),
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


# ---------------------------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IraqReport:
    """What :func:`make_iraq` wrote."""

    hospitals: int
    hospitals_osm: int
    beds: int
    demand_m3_day: float
    onsite_m3_day: float
    producers_m3_day: float
    fill_m3_day: float
    candidates: int
    region_changes: list[tuple[int, str, str]]  # OSM points whose governorate differs from
    # the demo's nearest-town rule: (osm_id, demo region, this region)


HOSPITAL_COLUMNS = (
    "id", "name", "lat", "lon", "region", "demand_m3_day", "onsite_m3_day", "priority",
    "source", "osm_id", "facility_class", "town", "beds_total",
    *(f"beds_{w}" for w in WARDS), "demand_method", "demand_params",
)


def make_iraq(osm_path: str | Path, out_folder: str | Path) -> IraqReport:
    """Write the Iraq dataset to ``out_folder`` from the OSM GeoJSON ``osm_path``."""
    import pandas as pd

    from o2opt import demand

    demo = _load_demo_generator()
    out = Path(out_folder)
    out.mkdir(parents=True, exist_ok=True)
    polygons = governorate_polygons()
    towns = {t[0]: t for t in TOWNS}
    gov_index = {g[0]: g for g in GOVERNORATES}

    # ---- OSM hospitals (REAL locations and names; assumed beds as in the demo)
    rows: list[dict[str, object]] = []
    changes: list[tuple[int, str, str]] = []
    for point in demo.read_osm_points(osm_path):
        if demo.exclusion_reason(point) is not None:
            continue
        cls = demo.facility_class(point)
        lat, lon = round(point.lat, 6), round(point.lon, 6)
        region = _region_of(lon, lat, polygons)
        if region != demo.governorate(lat, lon):
            changes.append((point.osm_id, demo.governorate(lat, lon), region))
        rows.append({
            "id": f"osm-{point.osm_id}",
            "name": point.name or f"unnamed hospital (OSM {point.osm_id})",
            "lat": lat, "lon": lon, "region": region, "priority": cls.priority,
            "source": "osm", "osm_id": point.osm_id, "facility_class": cls.name, "town": "",
            "beds_total": demo.assumed_beds(point, cls),
        })

    # ---- generated hospitals (ILLUSTRATIVE) to reach the target count and beds
    gov_rows = []
    for gov, capital, lat, lon, population in GOVERNORATES:
        beds_target = int(round(population * BEDS_PER_1000 / 1000.0))
        count_target = max(MIN_HOSPITALS, int(round(population / PEOPLE_PER_HOSPITAL)))
        osm_here = [r for r in rows if r["region"] == gov]
        osm_hospitals = [r for r in osm_here if r["facility_class"] != "health centre"]
        n_new = max(0, count_target - len(osm_hospitals))
        has_teaching = any(r["facility_class"] == "teaching" for r in osm_here)
        gov_towns = [t for t in TOWNS if t[1] == gov]
        new_classes = (["hospital"] * n_new if has_teaching or n_new == 0
                       else ["teaching"] + ["hospital"] * (n_new - 1))
        # sites: capital for the teaching hospital, then alternate capital / other towns
        others = gov_towns[1:]
        sites = []
        for k in range(n_new):
            if new_classes[k] == "teaching" or not others or k % 2 == 0:
                sites.append(gov_towns[0])
            else:
                sites.append(others[(k // 2) % len(others)])
        remaining = beds_target - sum(int(r["beds_total"]) for r in osm_here)  # type: ignore[arg-type]
        weights = [(GENERATED_TEACHING_WEIGHT if c == "teaching" else 1.0)
                   * (0.6 + 0.8 * _unit("size", gov, k)) for k, c in enumerate(new_classes)]
        scale = max(remaining, 0) / sum(weights) if weights else 0.0
        beds = [max(MIN_GENERATED_BEDS, int(round(w * scale))) for w in weights]
        if beds and remaining > 0:  # land exactly on the target with the largest one
            beds[beds.index(max(beds))] += remaining - sum(beds)
        for k, (cls, town, n_beds) in enumerate(zip(new_classes, sites, beds, strict=True)):
            angle = 2 * math.pi * _unit("angle", gov, k)
            radius = (0.035 if town[0] == capital else 0.015) * math.sqrt(_unit("r", gov, k))
            label = "teaching hospital" if cls == "teaching" else "general hospital"
            rows.append({
                "id": f"gen-{_slug(gov)}-{k + 1:02d}",
                "name": f"Illustrative {label} {k + 1}, {town[0]} (generated)",
                "lat": round(town[2] + radius * math.sin(angle), 5),
                "lon": round(town[3] + radius * math.cos(angle), 5),
                "region": gov, "priority": 2 if cls == "teaching" else 1,
                "source": "illustrative", "osm_id": "", "facility_class": cls,
                "town": town[0], "beds_total": n_beds,
            })
        gov_rows.append({"governorate": gov, "capital": capital, "lat": lat, "lon": lon,
                         "population_2018": population, "beds_target": beds_target,
                         "hospitals_target": count_target})

    # ---- wards, demand (DERIVED with o2opt.demand), on-site plants (ILLUSTRATIVE)
    for r in rows:
        r.update({f"beds_{w}": n for w, n in
                  ward_beds(int(r["beds_total"]), str(r["facility_class"])).items()})  # type: ignore[arg-type]
    frame = pd.DataFrame(rows)
    est = demand.bed_based(frame[[f"beds_{w}" for w in WARDS]])
    frame["demand_m3_day"] = est["demand_m3_day"].round(1)
    frame["demand_method"] = est["demand_method"]
    frame["demand_params"] = est["demand_params"]
    onsite = [
        float(ONSITE_NM3_H * PSA_M3_DAY_PER_NM3_H)
        if cls == "teaching" and _unit("onsite", hid) < ONSITE_SHARE_TEACHING else 0.0
        for hid, cls in zip(frame["id"], frame["facility_class"], strict=True)
    ]
    frame["onsite_m3_day"] = onsite
    order = {g[0]: i for i, g in enumerate(GOVERNORATES)}
    frame["_g"] = frame["region"].map(order)
    frame["_src"] = (frame["source"] != "osm").astype(int)
    frame = frame.sort_values(["_g", "_src", "id"], kind="stable").drop(columns=["_g", "_src"])
    for _, r in frame.iterrows():
        if not (IRAQ_BBOX[0] <= r["lat"] <= IRAQ_BBOX[2]
                and IRAQ_BBOX[1] <= r["lon"] <= IRAQ_BBOX[3]):
            raise ValueError(f"{r['id']} at ({r['lat']}, {r['lon']}) is outside Iraq")
    _write_csv(out / "hospitals.csv", HOSPITAL_COLUMNS,
               frame[list(HOSPITAL_COLUMNS)].itertuples(index=False, name=None))

    net_need = (frame["demand_m3_day"] - frame["onsite_m3_day"]).clip(lower=0)
    need_by_gov = net_need.groupby(frame["region"]).sum()

    # ---- producers and stations
    stations: list[tuple[object, ...]] = []
    station_cols = ("id", "name", "lat", "lon", "fill_capacity_cyl_day", "fill_cost_per_cyl",
                    "region", "source")
    stations.append(("s-moim-baghdad-gas",
                     "Ministry of Industry and Minerals gaseous-oxygen filling line, Baghdad",
                     MOIM_LAT, MOIM_LON, MOIM_GAS_CYL_DAY, FILL_COST_PER_CYL, "Baghdad",
                     "real (INA 2022-01-26); location approximate"))
    for gov, capital, lat, lon, _ in GOVERNORATES:
        cylinders = need_by_gov.get(gov, 0.0) * LOCAL_FILL_SHARE[gov] / CYLINDER_M3
        if gov == "Baghdad":
            cylinders -= MOIM_GAS_CYL_DAY
            # the rest of Baghdad's filling is split over two illustrative stations
            half = int(math.ceil(max(cylinders, 0) / 2 / 10.0) * 10)
            if half == 0:  # the Ministry's line covers Baghdad on its own
                continue
            stations.append(("s-baghdad-karkh", "Baghdad Karkh filling station (illustrative)",
                             33.3000, 44.3300, half, FILL_COST_PER_CYL, gov, "illustrative"))
            stations.append(("s-baghdad-rusafa",
                             "Baghdad Rusafa filling station (illustrative)",
                             33.3500, 44.4400, half, FILL_COST_PER_CYL, gov, "illustrative"))
            continue
        cyl = int(math.ceil(max(cylinders, 0) / 10.0) * 10)
        stations.append((f"s-{_slug(gov)}", f"{capital} filling station (illustrative)",
                         round(lat + 0.01, 4), round(lon + 0.01, 4), cyl, FILL_COST_PER_CYL,
                         gov, "illustrative"))
    fill_m3 = sum(float(s[4]) for s in stations) * CYLINDER_M3  # type: ignore[arg-type]
    # existing stations: not candidates, no investment columns
    stations = [(*s, False, "", "", "") for s in stations]
    for town_name in CANDIDATE_STATIONS:
        _, gov, lat, lon = towns[town_name]
        stations.append((
            f"s-{_slug(town_name)}-new", f"{town_name} filling station (candidate)",
            round(lat - 0.005, 4), round(lon + 0.005, 4), STATION_CYL_DAY, FILL_COST_PER_CYL,
            gov, "illustrative site and cost", True, STATION_CAPEX_USD, STATION_LIFETIME_YEARS,
            opex_usd(STATION_CAPEX_USD)))
    _write_csv(out / "stations.csv",
               (*station_cols, "candidate", "capex", "lifetime_years", "opex_per_year"),
               stations)

    producer_cols = ("id", "name", "lat", "lon", "capacity_m3_day", "kind", "cost_per_m3",
                     "region", "source", "capacity_note")
    producers: list[tuple[object, ...]] = [
        ("p-moim-lox-1-2", "Ministry of Industry and Minerals liquid-oxygen lines 1-2, Baghdad",
         MOIM_LAT, MOIM_LON, round(MOIM_LOX_12_L_DAY * LOX_GAS_M3_PER_L, 1), "LOX",
         PRODUCER_COST_PER_M3, "Baghdad", "real (INA 2022-01-26); location approximate",
         "5,000 L liquid/day x 0.861 m3/L"),
        ("p-moim-lox-3", "Ministry of Industry and Minerals liquid-oxygen line 3, Baghdad",
         MOIM_LAT, MOIM_LON, round(MOIM_LOX_3_L_DAY * LOX_GAS_M3_PER_L, 1), "LOX",
         PRODUCER_COST_PER_M3, "Baghdad", "real (INA 2022-01-26); location approximate",
         "4,000 L liquid/day (lower end of 4,000-5,000) x 0.861 m3/L"),
        ("p-moim-gas", "Ministry of Industry and Minerals gaseous-oxygen line, Baghdad",
         MOIM_LAT, MOIM_LON, float(MOIM_GAS_CYL_DAY * CYLINDER_M3), "gas",
         PRODUCER_COST_PER_M3, "Baghdad", "real (INA 2022-01-26); location approximate",
         "2,000 cylinders/day x 6.8 m3 (J size assumed)"),
    ]
    moim_m3 = sum(float(p[4]) for p in producers)  # type: ignore[arg-type]
    private_total = max(0.0, 1.05 * fill_m3 - moim_m3)
    for gov, share in PRIVATE_PRODUCER_SHARE.items():
        _, capital, lat, lon, _ = gov_index[gov]
        producers.append((
            f"p-{_slug(gov)}-asu", f"{capital} oxygen plant (illustrative)",
            round(lat - 0.02, 4), round(lon - 0.02, 4),
            float(round(private_total * share / sum(PRIVATE_PRODUCER_SHARE.values()), -1)),
            "ASU", PRODUCER_COST_PER_M3, gov, "illustrative", "sized to the filling stations"))
    _write_csv(out / "producers.csv", producer_cols, producers)

    # ---- candidates (capital costs; the model annualises them, see o2opt.costs)
    cand_cols = ("id", "name", "lat", "lon", "capacity_m3_day", "kind", "cost_per_m3",
                 "fill_capacity_cyl_day", "module_nm3_h", "capex", "lifetime_years",
                 "opex_per_year", "capex_low", "capex_high", "region", "source")
    candidates = []
    options: list[tuple[object, ...]] = []
    for town_name, size in CANDIDATE_SITES:
        _, gov, lat, lon = towns[town_name]
        capacity = size * PSA_M3_DAY_PER_NM3_H
        capex = capex_usd(size)
        cid = f"c-{_slug(town_name)}-{size}"
        candidates.append((
            cid, f"{town_name} PSA plant {size} Nm3/h (candidate)",
            round(lat + 0.005, 4), round(lon - 0.005, 4), capacity, "PSA", PSA_COST_PER_M3,
            int(math.ceil(capacity / CYLINDER_M3 / 10.0) * 10), size, capex, LIFETIME_YEARS,
            opex_usd(capex), round(capex * CAPEX_RANGE[0], -2),
            round(capex * CAPEX_RANGE[1], -2), gov,
            "illustrative site; cost anchored on PM CARES 2021"))
        if town_name in MODULE_OPTION_SITES:
            for bigger in MODULE_UPGRADES_NM3_H:
                extra = capex_usd(bigger) - capex
                options.append((
                    cid, f"psa-{bigger}", (bigger - size) * PSA_M3_DAY_PER_NM3_H, extra,
                    LIFETIME_YEARS, opex_usd(extra),
                    f"a {bigger} Nm3/h module instead of {size}: capex difference "
                    "(illustrative, PM CARES anchor)"))
    _write_csv(out / "candidates.csv", cand_cols, candidates)

    # ---- options: second filling lines, on-site PSA plants (ILLUSTRATIVE)
    for sid in SECOND_LINE_STATIONS:
        options.append((sid, "second-line", SECOND_LINE_CYL_DAY, SECOND_LINE_CAPEX_USD,
                        STATION_LIFETIME_YEARS, opex_usd(SECOND_LINE_CAPEX_USD),
                        "second filling line (illustrative cost)"))
    teaching = frame[(frame["facility_class"] == "teaching") & (frame["onsite_m3_day"] == 0)]
    largest = teaching.sort_values(["demand_m3_day", "id"], ascending=[False, True],
                                   kind="stable").head(ONSITE_OPTION_HOSPITALS)
    onsite_capex = onsite_capex_usd(ONSITE_OPTION_NM3_H)
    for hid in largest["id"]:
        options.append((hid, f"onsite-psa-{ONSITE_OPTION_NM3_H}",
                        float(ONSITE_OPTION_NM3_H * PSA_M3_DAY_PER_NM3_H), onsite_capex,
                        LIFETIME_YEARS, opex_usd(onsite_capex),
                        "on-site PSA plant (illustrative, PM CARES anchor)"))
    _write_csv(out / "options.csv", ("facility", "option", "extra_capacity", "capex",
                                     "lifetime_years", "opex_per_year", "note"), options)

    # ---- scenario.toml
    lines = [
        "# Iraq planning dataset written by data/make_iraq.py; see data/README.md.",
        "# Hospital points partly (c) OpenStreetMap contributors, ODbL 1.0.",
        "# Prices are ILLUSTRATIVE assumptions in US dollars. Capital costs (capex) are",
        "# annualised at discount_rate over each row's lifetime_years, plus opex_per_year, and",
        "# charged pro rata to horizon_days; capital_budget bounds the capex spent.",
        "",
        "[model]",
    ]
    lines += [f"{key} = {json.dumps(value) if isinstance(value, str) else _fmt(value)}"
              for key, value in MODEL.items()]
    (out / "scenario.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # ---- governorates: table and approximate boundaries
    for g in gov_rows:
        here = frame[frame["region"] == g["governorate"]]
        g.update({
            "hospitals": len(here), "hospitals_osm": int((here["source"] == "osm").sum()),
            "beds_total": int(here["beds_total"].sum()),
            "demand_m3_day": round(float(here["demand_m3_day"].sum()), 1),
            "onsite_m3_day": round(float(here["onsite_m3_day"].sum()), 1),
            "local_fill_share": LOCAL_FILL_SHARE[str(g["governorate"])],
            "population_source": POPULATION_SOURCE,
        })
    gov_cols = ("governorate", "capital", "lat", "lon", "population_2018", "beds_target",
                "hospitals_target", "hospitals", "hospitals_osm", "beds_total", "demand_m3_day",
                "onsite_m3_day", "local_fill_share", "population_source")
    _write_csv(out / "governorates.csv", gov_cols, ([g[c] for c in gov_cols] for g in gov_rows))
    (out / "governorates.geojson").write_text(
        _geojson(polygons, [{c: g[c] for c in gov_cols[:5]} for g in gov_rows]),
        encoding="utf-8")

    if sum(g["population_2018"] for g in gov_rows) != POPULATION_TOTAL_2018:  # type: ignore[misc]
        raise ValueError("governorate populations do not add up to the CSO total")
    ids = ([str(i) for i in frame["id"]] + [str(p[0]) for p in producers]
           + [str(s[0]) for s in stations] + [str(c[0]) for c in candidates])
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate facility ids")
    return IraqReport(
        hospitals=len(frame), hospitals_osm=int((frame["source"] == "osm").sum()),
        beds=int(frame["beds_total"].sum()),
        demand_m3_day=round(float(frame["demand_m3_day"].sum()), 1),
        onsite_m3_day=round(float(frame["onsite_m3_day"].sum()), 1),
        producers_m3_day=round(sum(float(p[4]) for p in producers), 1),  # type: ignore[arg-type]
        fill_m3_day=round(fill_m3, 1), candidates=len(candidates), region_changes=changes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python data/make_iraq.py [OSM_GEOJSON] [OUT]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    repo = HERE.parent
    osm = Path(args[0]) if args else (
        repo / "data" / "reference" / "iraq-osm" / "gaia_iraq_hospitals.geojson")
    out = Path(args[1]) if len(args) > 1 else repo / "data" / "iraq"
    r = make_iraq(osm, out)
    print(f"wrote {out}: {r.hospitals} hospitals ({r.hospitals_osm} from OSM), {r.beds} beds; "
          f"demand {r.demand_m3_day} m3/day (on-site {r.onsite_m3_day}); producers "
          f"{r.producers_m3_day}, filling {r.fill_m3_day} m3/day; {r.candidates} candidates")
    for osm_id, before, after in r.region_changes:
        print(f"  region differs from the demo's nearest-town rule: OSM {osm_id} "
              f"{before} -> {after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
