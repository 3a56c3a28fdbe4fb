"""Write ``iraq-roads/major_roads.geojson``: a coarse, hand-made schematic of Iraq's major roads.

**Approximate and illustrative.** This is not surveyed geometry and not OpenStreetMap data.
Every corridor is a polyline drawn by hand through the approximate coordinates of the towns
it is known to connect (the 18 governorate capitals, as in ``make_iraq_demo.py``, plus a few
district towns and junctions). Road classes and speeds are rough assumptions. The network
exists to demonstrate :mod:`o2opt.roads` on the bundled demo scenario; do not use it to plan
real deliveries. See ``iraq-roads/README.md``.

The script is deterministic (no clock, no randomness, no network access) and writes the
GeoJSON with :mod:`json`, so re-running it reproduces the file byte for byte::

    python data/make_iraq_roads.py            # writes data/iraq-roads/major_roads.geojson
    python data/make_iraq_roads.py OUT.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Towns and junctions: name -> (lat, lon), WGS84 degrees, rounded to 4 decimals. Governorate
# capitals and the secondary towns use the coordinates of make_iraq_demo.REFERENCE_TOWNS.
TOWNS: dict[str, tuple[float, float]] = {
    # governorate capitals
    "Baghdad": (33.3152, 44.3661),
    "Basra": (30.5085, 47.7804),
    "Mosul": (36.3350, 43.1189),
    "Erbil": (36.1912, 44.0092),
    "Sulaymaniyah": (35.5613, 45.4374),
    "Duhok": (36.8669, 42.9503),
    "Kirkuk": (35.4681, 44.3922),
    "Baqubah": (33.7466, 44.6436),
    "Ramadi": (33.4258, 43.2994),
    "Tikrit": (34.6071, 43.6782),
    "Hillah": (32.4637, 44.4196),
    "Karbala": (32.6160, 44.0249),
    "Najaf": (32.0259, 44.3462),
    "Kut": (32.5128, 45.8182),
    "Diwaniyah": (31.9929, 44.9255),
    "Samawah": (31.3099, 45.2803),
    "Nasiriyah": (31.0439, 46.2576),
    "Amarah": (31.8356, 47.1440),
    # district towns and junctions (approximate)
    "Haditha": (34.1397, 42.3781),
    "Al-Qa'im": (34.3689, 41.0945),
    "Shamiya": (31.9636, 44.6003),
    "Kalar": (34.6292, 45.3222),
    "Soran": (36.6529, 44.5441),
    "Abu Ghraib": (33.2920, 44.0650),
    "Fallujah": (33.3496, 43.7842),
    "Rutba": (33.0381, 40.2848),
    "Trebil": (32.9300, 39.2900),
    "Hit": (33.6416, 42.8270),
    "Baghdadi": (33.8600, 42.5500),
    "Anah": (34.3719, 41.9849),
    "Rawa": (34.4690, 41.9120),
    "Mahmudiyah": (33.0617, 44.3567),
    "Iskandariya": (32.8930, 44.3530),
    "Musayyib": (32.7786, 44.2901),
    "Kifl": (32.2270, 44.3660),
    "Kufa": (32.0300, 44.4000),
    "Ur junction": (30.9600, 46.5500),
    "Zubayr": (30.3892, 47.7024),
    "Salman Pak": (33.1000, 44.5800),
    "Aziziyah": (32.9090, 45.0640),
    "Ali al-Gharbi": (32.4617, 46.6881),
    "Kumayt": (32.0400, 47.0200),
    "Qalat Salih": (31.5140, 47.2750),
    "Qurnah": (31.0167, 47.4333),
    "Dayr": (30.7500, 47.5900),
    "Hayy": (32.1740, 46.0430),
    "Shatra": (31.4100, 46.1720),
    "Taji": (33.5250, 44.2500),
    "Samarra": (34.1959, 43.8857),
    "Bayji": (34.9290, 43.4930),
    "Qayyarah": (35.8000, 43.2900),
    "Hammam al-Alil": (36.1600, 43.2600),
    "Bartella": (36.3520, 43.3790),
    "Khazir": (36.2940, 43.6350),
    "Tel Kaif": (36.4900, 43.1200),
    "Bardarash": (36.5000, 43.5900),
    "Altun Kupri": (35.7590, 44.1450),
    "Chamchamal": (35.5333, 44.8333),
    "Koya": (36.0850, 44.6280),
    "Dukan": (35.9540, 44.9530),
    "Shaqlawa": (36.4050, 44.3220),
    "Muqdadiyah": (33.9780, 44.9370),
    "Jalawla": (34.2716, 45.1662),
    "Khanaqin": (34.3486, 45.3906),
    "Darbandikhan": (35.1128, 45.6936),
    "Udhaim": (34.3700, 44.5200),
    "Tuz Khurmatu": (34.8856, 44.6326),
}

# Assumed average truck speed by class, km/h (illustrative).
SPEEDS_KM_H = {"motorway": 100.0, "trunk": 80.0, "primary": 65.0, "secondary": 50.0}

# Assumed ratio of road length to the polyline drawn through the towns: straight segments
# between towns 20-100 km apart cut the roads' bends. 1.1 on the plains, more in the mountains.
LENGTH_FACTOR = 1.1
MOUNTAIN_LENGTH_FACTOR = 1.25
MOUNTAIN_CORRIDORS = frozenset({"Erbil - Soran", "Erbil - Sulaymaniyah", "Kalar - Sulaymaniyah",
                                "Kirkuk - Sulaymaniyah", "Khazir - Duhok"})

# Corridors: (name, highway class, towns along it). Each becomes one LineString through the
# towns' coordinates; corridors meet at shared towns, which become graph nodes.
CORRIDORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Baghdad - Basra, western route (Hillah, Diwaniyah, Samawah, Nasiriyah)
    ("Baghdad - Hillah", "trunk", ("Baghdad", "Mahmudiyah", "Iskandariya", "Hillah")),
    ("Hillah - Diwaniyah", "trunk", ("Hillah", "Diwaniyah")),
    ("Diwaniyah - Samawah", "trunk", ("Diwaniyah", "Samawah")),
    ("Samawah - Nasiriyah", "trunk", ("Samawah", "Nasiriyah")),
    ("Nasiriyah - Basra", "trunk", ("Nasiriyah", "Ur junction", "Zubayr", "Basra")),
    # Baghdad - Kut - Amarah - Basra (Tigris route)
    ("Baghdad - Kut", "trunk", ("Baghdad", "Salman Pak", "Aziziyah", "Kut")),
    ("Kut - Amarah", "primary", ("Kut", "Ali al-Gharbi", "Kumayt", "Amarah")),
    ("Amarah - Basra", "primary", ("Amarah", "Qalat Salih", "Qurnah", "Dayr", "Basra")),
    ("Kut - Nasiriyah", "primary", ("Kut", "Hayy", "Shatra", "Nasiriyah")),
    # Middle Euphrates
    ("Iskandariya - Karbala", "primary", ("Iskandariya", "Musayyib", "Karbala")),
    ("Karbala - Najaf", "trunk", ("Karbala", "Najaf")),
    ("Hillah - Najaf", "primary", ("Hillah", "Kifl", "Kufa", "Najaf")),
    ("Kufa - Diwaniyah", "primary", ("Kufa", "Shamiya", "Diwaniyah")),
    # Baghdad - Mosul (Tigris north) and Kurdistan
    ("Baghdad - Tikrit", "trunk", ("Baghdad", "Taji", "Samarra", "Tikrit")),
    ("Tikrit - Mosul", "trunk", ("Tikrit", "Bayji", "Qayyarah", "Hammam al-Alil", "Mosul")),
    ("Mosul - Erbil", "trunk", ("Mosul", "Bartella", "Khazir", "Erbil")),
    ("Mosul - Duhok", "trunk", ("Mosul", "Tel Kaif", "Duhok")),
    ("Khazir - Duhok", "primary", ("Khazir", "Bardarash", "Duhok")),
    ("Erbil - Kirkuk", "trunk", ("Erbil", "Altun Kupri", "Kirkuk")),
    ("Kirkuk - Sulaymaniyah", "trunk", ("Kirkuk", "Chamchamal", "Sulaymaniyah")),
    ("Erbil - Sulaymaniyah", "primary", ("Erbil", "Koya", "Dukan", "Sulaymaniyah")),
    ("Erbil - Soran", "secondary", ("Erbil", "Shaqlawa", "Soran")),
    # Diyala and the east
    ("Baghdad - Baqubah", "trunk", ("Baghdad", "Baqubah")),
    ("Baqubah - Khanaqin", "primary", ("Baqubah", "Muqdadiyah", "Jalawla", "Khanaqin")),
    ("Jalawla - Kalar", "secondary", ("Jalawla", "Kalar")),
    ("Kalar - Sulaymaniyah", "primary", ("Kalar", "Darbandikhan", "Sulaymaniyah")),
    ("Baqubah - Kirkuk", "trunk", ("Baqubah", "Udhaim", "Tuz Khurmatu", "Kirkuk")),
    # Anbar: the western motorway and the Euphrates road
    ("Baghdad - Ramadi", "motorway", ("Baghdad", "Abu Ghraib", "Fallujah", "Ramadi")),
    ("Ramadi - Rutba", "motorway", ("Ramadi", "Rutba")),
    ("Rutba - Trebil", "motorway", ("Rutba", "Trebil")),
    ("Ramadi - Al-Qa'im", "primary", ("Ramadi", "Hit", "Baghdadi", "Haditha", "Anah",
                                      "Al-Qa'im")),
    ("Anah - Rawa", "secondary", ("Anah", "Rawa")),
)

NOTE = ("Approximate schematic of major Iraqi road corridors, drawn by hand through town "
        "coordinates; not surveyed geometry, not OpenStreetMap data. Classes, speeds and "
        "length factors are assumptions. Illustrative only: see README.md.")


def features() -> list[dict]:
    """The GeoJSON features, one LineString per corridor."""
    out = []
    for name, highway, towns in CORRIDORS:
        coords = [[TOWNS[t][1], TOWNS[t][0]] for t in towns]  # GeoJSON order: lon, lat
        out.append({
            "type": "Feature",
            "properties": {
                "name": name, "highway": highway, "speed_km_h": SPEEDS_KM_H[highway],
                "length_factor": (MOUNTAIN_LENGTH_FACTOR if name in MOUNTAIN_CORRIDORS
                                  else LENGTH_FACTOR),
                "via": ", ".join(towns)},
            "geometry": {"type": "LineString", "coordinates": coords},
        })
    return out


def make_iraq_roads(out: str | Path) -> Path:
    """Write the GeoJSON FeatureCollection to ``out`` and return its path."""
    out = Path(out)
    head = {"type": "FeatureCollection", "name": "iraq_major_roads_schematic",
            "description": NOTE}
    # one feature per line: small, readable and diff-friendly
    lines = [json.dumps(f, ensure_ascii=False) for f in features()]
    text = (json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
            + ",\n".join(lines) + "\n]}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    return out


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "iraq-roads" / "major_roads.geojson"
    print(make_iraq_roads(sys.argv[1] if len(sys.argv) > 1 else default))
