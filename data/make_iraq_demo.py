"""Build the bundled Iraq demo scenario ``data/iraq-demo/`` from OpenStreetMap hospital points.

Run from the repository root::

    python data/make_iraq_demo.py [OSM_GEOJSON] [OUT_FOLDER]

The defaults are ``data/reference/iraq-osm/gaia_iraq_hospitals.geojson`` (in the
repository) and ``data/iraq-demo``.

What is real and what is not
----------------------------
Only the hospital *locations and names* are real: OpenStreetMap points, © OpenStreetMap
contributors, ODbL 1.0. Every other number written here — bed counts, demand, on-site plants,
priorities, producers, filling stations, candidate sites, capacities and costs — is an
illustrative assumption chosen so that the demo is small, solves quickly and shows the
model's features. None of them is a Ministry of Health or Ministry of Industry figure.

The output is deterministic: the only "randomness" (a bed count inside each facility class's
band) comes from a SHA-256 hash of :data:`SEED` and the OSM id, so it does not depend on the
order of the input, on the NumPy version or on the platform.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SEED", "DemoReport", "make_iraq_demo"]

SEED = 20240601
"""Seed mixed into every per-hospital pseudo-random draw."""

EARTH_RADIUS_KM = 6371.0088
CYLINDER_M3 = 6.8  # J-size cylinder
HORIZON_DAYS = 1
PSA_NM3_H_TO_M3_DAY = 24.0  # a PSA plant rated in Nm³/h, run 24 h a day

# ---------------------------------------------------------------------------------------------
# 1. Which OSM points are not hospitals (every name in the file was inspected by hand).
#    Matching is on the lower-cased name; the first rule that matches gives the reason.
# ---------------------------------------------------------------------------------------------
EXCLUDE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # "dentist Dr.khalid" (1037840450), "dental clinic dr.nadir" (1037908152)
    ("dental clinic", ("dentist", "dental", "أسنان")),
    # "صيدلية دار الحياة" = "Dar al-Hayat pharmacy" (1455362332)
    ("pharmacy", ("صيدلية", "pharmacy")),
    # "المستشفى البيطري" = "the veterinary hospital" (2480072096);
    # "مستوصف الصحة الحيوانية" = "animal-health dispensary" (2488247031)
    ("veterinary", ("بيطري", "الحيوانية", "veterinary")),
    # "عيادة"/"عياده" = private (doctor's) clinic: "عيادة عبد الله" (2486242587) and its
    # duplicate "عياده عبد الله" (2486242794) 75 m away, "عيادة حاج فلويحي" (2487948212),
    # "عيادة العمار" (2488441737), "Dr Ammar Clinic-Paradise Center" (2938108044).
    # Outpatient clinics have no inpatient beds, so no planned cylinder demand here.
    ("private outpatient clinic", ("عيادة", "عياده", "clinic")),
)
EXCLUDE_IDS: dict[int, str] = {
    # "Un Building" (south-west Baghdad): by its name a UN building, not a health facility.
    1966367994: "not a health facility (UN building)",
    # "مستوصف جمع حمرين" (typo of مجمع): same dispensary as 2489330417, 25 m away.
    2489330493: "duplicate of osm 2489330417 (same dispensary, 25 m apart)",
    # "مستشفى الموصل" ("Mosul hospital") 40 m from "مستشفى صدام العام" (2488247027): probably
    # the same hospital mapped twice; the point with the more specific name is kept.
    2488247029: "probable duplicate of osm 2488247027 (40 m apart)",
}

# ---------------------------------------------------------------------------------------------
# 2. Facility classes (assumed, illustrative). The first class whose keyword occurs in the
#    lower-cased name wins; a name matching none — including blank names — is "hospital".
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityClass:
    """An assumed size band for a class of facility."""

    name: str
    beds_min: int
    beds_max: int
    priority: int
    keywords: tuple[str, ...]


FACILITY_CLASSES: tuple[FacilityClass, ...] = (
    # Specialised hospitals with little oxygen use: eye, nuclear medicine, leprosy (الجذام).
    FacilityClass("specialty", 30, 80, 1, ("eye", "nuclear", "الجذام")),
    # Primary health centres (المركز الصحي / المركز الأولي / مركز) and dispensaries (مستوصف):
    # a few emergency/observation beds. Checked before "teaching" because one dispensary's
    # name contains الجمهوري.
    FacilityClass("health centre", 4, 10, 1, ("مستوصف", "مركز")),
    # Teaching / general / republican hospitals, the Baghdad college of medicine (Medical City)
    # and the chest-diseases hospital (الصدرية): large, priority 2.
    FacilityClass(
        "teaching", 250, 450, 2,
        ("teaching", "التعليمي", "التع", "العام", "الجمهوري", "كلية الطب", "الصدرية"),
    ),
    # Everything else: a general or private hospital of unknown size.
    FacilityClass("hospital", 50, 200, 1, ()),
)
# Well-known teaching hospitals whose OSM name does not say so.
TEACHING_IDS: dict[int, str] = {
    876891225: "Azadi Teaching Hospital, Duhok",
    1045223122: "Rizgary Teaching Hospital, Erbil",
    1045228779: "Hawler Teaching Hospital, Erbil",
    2202187519: "Al-Kadhimiya Teaching Hospital, Baghdad",
}

# Demand = beds × occupancy × share of occupied beds on oxygen × mean flow (L/min) × 1.44
# (1 L/min for 24 h = 1,440 L = 1.44 m³). All four numbers are assumptions.
OCCUPANCY = 0.80
OXYGEN_SHARE = 0.10
MEAN_FLOW_L_MIN = 6.0
M3_DAY_PER_L_MIN = 1.44

# Illustrative on-site PSA plants: 5 Nm³/h = 120 m³/day at four large hospitals.
ONSITE_M3_DAY: dict[int, float] = {
    94298797: 5 * PSA_NM3_H_TO_M3_DAY,  # Baghdad, college of medicine / Medical City
    100530934: 5 * PSA_NM3_H_TO_M3_DAY,  # Mosul, Al-Jumhuri hospital
    985237288: 5 * PSA_NM3_H_TO_M3_DAY,  # Basra, teaching hospital
    1821569533: 5 * PSA_NM3_H_TO_M3_DAY,  # Hillah, Imam al-Sadiq teaching hospital
}

# ---------------------------------------------------------------------------------------------
# 3. Governorate (region) = governorate of the nearest reference town (great-circle distance).
#    The 18 governorate capitals, plus five secondary towns where the nearest capital is in
#    the wrong governorate for points in this file (e.g. Rawa/Anah are nearer Tikrit than
#    Ramadi). Approximate: points near a boundary may be assigned to the neighbour.
#    Halabja (split from Sulaymaniyah in 2014) is counted with Sulaymaniyah.
# ---------------------------------------------------------------------------------------------
REFERENCE_TOWNS: tuple[tuple[str, str, float, float], ...] = (
    # town, governorate, lat, lon
    ("Baghdad", "Baghdad", 33.3152, 44.3661),
    ("Basra", "Basra", 30.5085, 47.7804),
    ("Mosul", "Nineveh", 36.3350, 43.1189),
    ("Erbil", "Erbil", 36.1912, 44.0092),
    ("Sulaymaniyah", "Sulaymaniyah", 35.5613, 45.4374),
    ("Duhok", "Duhok", 36.8669, 42.9503),
    ("Kirkuk", "Kirkuk", 35.4681, 44.3922),
    ("Baqubah", "Diyala", 33.7466, 44.6436),
    ("Ramadi", "Anbar", 33.4258, 43.2994),
    ("Tikrit", "Salah al-Din", 34.6071, 43.6782),
    ("Hillah", "Babil", 32.4637, 44.4196),
    ("Karbala", "Karbala", 32.6160, 44.0249),
    ("Najaf", "Najaf", 32.0259, 44.3462),
    ("Kut", "Wasit", 32.5128, 45.8182),
    ("Diwaniyah", "Qadisiyyah", 31.9929, 44.9255),
    ("Samawah", "Muthanna", 31.3099, 45.2803),
    ("Nasiriyah", "Dhi Qar", 31.0439, 46.2576),
    ("Amarah", "Maysan", 31.8356, 47.1440),
    # secondary towns
    ("Haditha", "Anbar", 34.1397, 42.3781),
    ("Al-Qa'im", "Anbar", 34.3689, 41.0945),
    ("Shamiya", "Qadisiyyah", 31.9636, 44.6003),
    ("Kalar", "Sulaymaniyah", 34.6292, 45.3222),
    ("Soran", "Erbil", 36.6529, 44.5441),
)

# ---------------------------------------------------------------------------------------------
# 4. Supply side: all illustrative (hypothetical sites and figures, not real plants).
# ---------------------------------------------------------------------------------------------
# id, name, lat, lon, capacity_m3_day, kind, cost_per_m3
PRODUCERS: tuple[tuple[str, str, float, float, float, str, float], ...] = (
    ("p-baghdad-asu", "Baghdad air-separation plant (illustrative)",
     33.2400, 44.3900, 3600.0, "ASU", 0.30),
    ("p-basra-asu", "Basra air-separation plant (illustrative)",
     30.3900, 47.7100, 1500.0, "ASU", 0.30),
    ("p-mosul-psa", "Mosul PSA plant, 30 Nm3/h (illustrative)",
     36.3900, 43.1600, 720.0, "PSA", 0.40),
    ("p-erbil-psa", "Erbil PSA plant, 30 Nm3/h (illustrative)",
     36.1500, 44.0600, 720.0, "PSA", 0.40),
)
# id, name, lat, lon, fill_capacity_cyl_day, fill_cost_per_cyl
# Sized near the demand around each city, except Basra: 150 cylinders (1,020 m³) a day against
# about 1,150 m³ of net demand in Basra and Maysan, so the demo has a shortage to relieve.
STATIONS: tuple[tuple[str, str, float, float, int, float], ...] = (
    ("s-baghdad-karkh", "Baghdad Karkh filling station (illustrative)",
     33.3000, 44.3300, 160, 1.50),
    ("s-baghdad-rusafa", "Baghdad Rusafa filling station (illustrative)",
     33.3500, 44.4300, 160, 1.50),
    ("s-basra", "Basra filling station (illustrative)", 30.5200, 47.8000, 150, 1.50),
    ("s-mosul", "Mosul filling station (illustrative)", 36.3500, 43.1500, 120, 1.50),
    ("s-duhok", "Duhok filling station (illustrative)", 36.8600, 42.9800, 90, 1.50),
    ("s-erbil", "Erbil filling station (illustrative)", 36.1900, 44.0100, 150, 1.50),
    ("s-sulaymaniyah", "Sulaymaniyah filling station (illustrative)",
     35.5600, 45.4300, 35, 1.50),
    ("s-hillah", "Hillah filling station (illustrative)", 32.4700, 44.4200, 50, 1.50),
    ("s-najaf", "Najaf filling station (illustrative)", 32.0300, 44.3500, 50, 1.50),
)

# Candidate PSA plants with a cylinder-filling ramp, in under-served governorates.
# fixed_cost = daily equivalent of capital (annualised with the capital-recovery factor at
# DISCOUNT_RATE over LIFETIME_YEARS) plus fixed O&M (OM_SHARE of capital a year), per day,
# times horizon_days. The capital costs per module size are assumptions.
DISCOUNT_RATE = 0.08
LIFETIME_YEARS = 10
OM_SHARE = 0.05
PSA_CAPEX_BY_NM3_H: dict[int, float] = {10: 300_000.0, 20: 500_000.0, 30: 700_000.0}
CANDIDATE_COST_PER_M3 = 0.25  # electricity and maintenance per m³ of a new PSA plant
# id, name, lat, lon, module size (Nm³/h)
CANDIDATES: tuple[tuple[str, str, float, float, int], ...] = (
    ("c-anbar-haditha", "Haditha candidate PSA site (illustrative)", 34.1397, 42.3781, 10),
    ("c-anbar-ramadi", "Ramadi candidate PSA site (illustrative)", 33.4258, 43.2994, 20),
    ("c-diyala-baqubah", "Baqubah candidate PSA site (illustrative)", 33.7466, 44.6436, 10),
    ("c-wasit-kut", "Kut candidate PSA site (illustrative)", 32.5128, 45.8182, 20),
    ("c-maysan-amarah", "Amarah candidate PSA site (illustrative)", 31.8356, 47.1440, 10),
    ("c-qadisiyyah-diwaniyah", "Diwaniyah candidate PSA site (illustrative)",
     31.9929, 44.9255, 30),
    ("c-sulaymaniyah-kalar", "Kalar candidate PSA site (illustrative)", 34.6292, 45.3222, 10),
)

# [model] of scenario.toml (illustrative). Design of the demo: western Anbar (Rawa, Anah,
# al-Qadisiya, ~280 m³/day) is beyond max_delivery_km of every station, and Basra is short of
# filling capacity. The daily budget (400) buys two 10 Nm³/h sites (2 × 163.59) but not a
# 20 Nm³/h one plus a 10 (436.23), so the optimum opens Haditha and Amarah and leaves the ~40 m³
# that the small Haditha plant cannot cover unmet in western Anbar.
MODEL: dict[str, float | int | bool] = {
    "horizon_days": HORIZON_DAYS,
    "cylinder_m3": CYLINDER_M3,
    "cost_per_cylinder_km": 0.05,
    "bulk_cost_per_m3_km": 0.002,
    "unmet_penalty_per_m3": 1000.0,
    "allow_unmet": True,
    "circuity": 1.3,
    "max_delivery_km": 300.0,
    "budget": 400.0,
}

IRAQ_BBOX = (29.0, 38.7, 37.4, 48.7)  # lat_min, lon_min, lat_max, lon_max (approximate)

HOSPITAL_COLUMNS = (
    "id", "name", "lat", "lon", "region", "demand_m3_day", "onsite_m3_day", "priority",
    "osm_id", "facility_class", "beds_assumed",
)


@dataclass(frozen=True)
class DemoReport:
    """What :func:`make_iraq_demo` wrote: counts and totals (m³/day)."""

    kept: int
    excluded: list[tuple[int, str, str]]  # (osm_id, name, reason)
    demand_m3_day: float  # sum of demand_m3_day over kept hospitals
    net_demand_m3_day: float  # the same, net of on-site plants
    supply_m3_day: float  # producers' capacity
    fill_m3_day: float  # stations' filling capacity times cylinder_m3
    candidate_m3_day: float  # capacity of all candidates together


@dataclass(frozen=True)
class OsmPoint:
    """One point of the OSM GeoJSON."""

    osm_id: int
    name: str
    lat: float
    lon: float


def read_osm_points(osm_path: str | Path) -> list[OsmPoint]:
    """Read the GeoJSON Point features (``properties.osm_id``/``name``), sorted by OSM id."""
    with open(osm_path, encoding="utf-8") as handle:
        collection = json.load(handle)
    points = []
    for feature in collection["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        points.append(OsmPoint(int(props["osm_id"]), (props.get("name") or "").strip(),
                               float(lat), float(lon)))
    return sorted(points, key=lambda p: p.osm_id)


def exclusion_reason(point: OsmPoint) -> str | None:
    """Why ``point`` is not a hospital of the demo, or None when it is kept."""
    if point.osm_id in EXCLUDE_IDS:
        return EXCLUDE_IDS[point.osm_id]
    name = point.name.lower()
    for reason, keywords in EXCLUDE_KEYWORDS:
        if any(word in name for word in keywords):
            return reason
    return None


def facility_class(point: OsmPoint) -> FacilityClass:
    """The assumed size class of a kept point (see :data:`FACILITY_CLASSES`)."""
    if point.osm_id in TEACHING_IDS:
        return next(c for c in FACILITY_CLASSES if c.name == "teaching")
    name = point.name.lower()
    for cls in FACILITY_CLASSES:
        if any(word in name for word in cls.keywords):
            return cls
    return FACILITY_CLASSES[-1]


def _unit(*key: object) -> float:
    """Deterministic pseudo-random number in [0, 1) from :data:`SEED` and ``key``."""
    digest = hashlib.sha256(":".join(map(str, (SEED, *key))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assumed_beds(point: OsmPoint, cls: FacilityClass) -> int:
    """Bed count drawn uniformly (seeded by the OSM id) from the class's band."""
    span = cls.beds_max - cls.beds_min + 1
    return cls.beds_min + int(_unit("beds", point.osm_id) * span)


def demand_m3_day(beds: int) -> float:
    """Illustrative daily demand: beds × occupancy × O2 share × L/min × 1.44, to 0.1 m³."""
    return round(beds * OCCUPANCY * OXYGEN_SHARE * MEAN_FLOW_L_MIN * M3_DAY_PER_L_MIN, 1)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def governorate(lat: float, lon: float) -> str:
    """Governorate of the nearest town in :data:`REFERENCE_TOWNS` (approximate)."""
    town = min(REFERENCE_TOWNS, key=lambda t: haversine_km(lat, lon, t[2], t[3]))
    return town[1]


def daily_fixed_cost(capex: float) -> float:
    """Capital annualised over the lifetime plus fixed O&M, per day, times the horizon."""
    rate, years = DISCOUNT_RATE, LIFETIME_YEARS
    crf = rate * (1 + rate) ** years / ((1 + rate) ** years - 1)
    return round(capex * (crf + OM_SHARE) / 365.0 * HORIZON_DAYS, 2)


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_fmt(v) for v in row])
            count += 1
    return count


def _write_toml(path: Path) -> None:
    lines = [
        "# Illustrative Iraq demo scenario written by data/make_iraq_demo.py; see data/README.md.",
        "# Hospital points: (c) OpenStreetMap contributors, ODbL 1.0.",
        "# Every number below is an assumption, not a Ministry figure. Money: US dollars.",
        "",
        "[model]",
    ]
    lines += [f"{key} = {_fmt(value)}" for key, value in MODEL.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_iraq_demo(osm_path: str | Path, out_folder: str | Path) -> DemoReport:
    """Write the demo scenario folder ``out_folder`` from the OSM GeoJSON ``osm_path``.

    Creates the folder if needed and overwrites hospitals.csv, producers.csv, stations.csv,
    candidates.csv and scenario.toml in it. Returns a :class:`DemoReport`.
    """
    out = Path(out_folder)
    out.mkdir(parents=True, exist_ok=True)
    points = read_osm_points(osm_path)

    hospitals: list[tuple[object, ...]] = []
    excluded: list[tuple[int, str, str]] = []
    demand = net = 0.0
    for point in points:
        reason = exclusion_reason(point)
        if reason is not None:
            excluded.append((point.osm_id, point.name, reason))
            continue
        cls = facility_class(point)
        beds = assumed_beds(point, cls)
        lat, lon = round(point.lat, 6), round(point.lon, 6)
        if not (IRAQ_BBOX[0] <= lat <= IRAQ_BBOX[2] and IRAQ_BBOX[1] <= lon <= IRAQ_BBOX[3]):
            raise ValueError(f"OSM {point.osm_id} at ({lat}, {lon}) is outside Iraq")
        need, onsite = demand_m3_day(beds), ONSITE_M3_DAY.get(point.osm_id, 0.0)
        demand, net = demand + need, net + max(0.0, need - onsite)
        hospitals.append((
            f"osm-{point.osm_id}",
            point.name or f"unnamed hospital (OSM {point.osm_id})",
            lat, lon, governorate(lat, lon), need, onsite, cls.priority, point.osm_id,
            cls.name, beds,
        ))
    _write_csv(out / "hospitals.csv", HOSPITAL_COLUMNS, hospitals)

    _write_csv(out / "producers.csv",
               ("id", "name", "lat", "lon", "capacity_m3_day", "kind", "cost_per_m3"),
               PRODUCERS)
    _write_csv(out / "stations.csv",
               ("id", "name", "lat", "lon", "fill_capacity_cyl_day", "fill_cost_per_cyl"),
               STATIONS)

    candidates = []
    for cid, name, lat, lon, size in CANDIDATES:
        capacity = size * PSA_NM3_H_TO_M3_DAY
        # a filling ramp sized for the plant's output, rounded up to 10 cylinders a day
        fill = int(math.ceil(capacity / CYLINDER_M3 / 10.0) * 10)
        candidates.append((cid, name, lat, lon, capacity,
                           daily_fixed_cost(PSA_CAPEX_BY_NM3_H[size]), "PSA",
                           CANDIDATE_COST_PER_M3, fill, size))
    _write_csv(out / "candidates.csv",
               ("id", "name", "lat", "lon", "capacity_m3_day", "fixed_cost", "kind",
                "cost_per_m3", "fill_capacity_cyl_day", "module_nm3_h"),
               candidates)
    _write_toml(out / "scenario.toml")

    ids = ([h[0] for h in hospitals] + [p[0] for p in PRODUCERS] + [s[0] for s in STATIONS]
           + [c[0] for c in candidates])
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate facility ids")

    return DemoReport(
        kept=len(hospitals),
        excluded=excluded,
        demand_m3_day=round(demand, 1),
        net_demand_m3_day=round(net, 1),
        supply_m3_day=sum(p[4] for p in PRODUCERS),
        fill_m3_day=round(sum(s[4] for s in STATIONS) * CYLINDER_M3, 1),
        candidate_m3_day=sum(size * PSA_NM3_H_TO_M3_DAY for *_, size in CANDIDATES),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python data/make_iraq_demo.py [OSM_GEOJSON] [OUT]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    repo = Path(__file__).resolve().parents[1]
    osm = Path(args[0]) if args else (
        repo / "data" / "reference" / "iraq-osm" / "gaia_iraq_hospitals.geojson")
    out = Path(args[1]) if len(args) > 1 else repo / "data" / "iraq-demo"
    r = make_iraq_demo(osm, out)
    print(
        f"wrote {out}: {r.kept} hospitals kept, {len(r.excluded)} excluded; demand "
        f"{r.demand_m3_day} m3/day ({r.net_demand_m3_day} net of on-site plants); producers "
        f"{r.supply_m3_day}, station filling {r.fill_m3_day}, "
        f"candidates {r.candidate_m3_day} m3/day"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
