"""Bundled data: the small Iraq demo scenario and the Iraq planning dataset.

- :func:`demo_folder`: a small scenario on 73 real OpenStreetMap hospital points with
  illustrative demand and supply (``data/iraq-demo``).
- :func:`load_iraq` / :func:`iraq_folder`: a national-scale Iraq scenario (``data/iraq``):
  the 18 governorates with published population figures, the OpenStreetMap points completed
  with generated, clearly flagged illustrative hospitals to realistic counts and bed totals,
  the Ministry of Industry and Minerals' oxygen lines in Baghdad, illustrative producers and
  filling stations, and candidate PSA plants with costs anchored on published prices.
- :func:`iraq_governorates`: the governorates as a GeoDataFrame with **approximate**
  boundaries (for maps).

Hospital locations and names from OpenStreetMap are © OpenStreetMap contributors, ODbL 1.0.
What is real, derived and illustrative is stated table by table in ``data/README.md``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from o2opt.network import Network

__all__ = ["OSM_CREDIT", "demo_folder", "iraq_folder", "iraq_governorates", "load_iraq"]

#: Attribution to show with maps of the bundled data.
OSM_CREDIT = "Hospital locations partly © OpenStreetMap contributors (ODbL)"


def _bundled(name: str) -> Path:
    packaged = Path(str(resources.files("o2opt"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[1] / "data" / name
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(f"the bundled data {name!r} is not installed "
                            f"(expected o2opt/_data/{name})")


def demo_folder() -> Path:
    """Path of the bundled demo scenario folder (``data/iraq-demo`` in the repository).

    Examples
    --------
    >>> (demo_folder() / "hospitals.csv").is_file()
    True
    """
    return _bundled("iraq-demo")


def iraq_folder() -> Path:
    """Path of the bundled Iraq planning scenario (``data/iraq`` in the repository).

    Besides the scenario tables it holds ``governorates.csv`` (population and totals) and
    ``governorates.geojson`` (approximate boundaries), which o2opt's reader ignores.

    Examples
    --------
    >>> sorted(p.name for p in iraq_folder().glob("*.csv"))[:3]
    ['candidates.csv', 'governorates.csv', 'hospitals.csv']
    """
    return _bundled("iraq")


def load_iraq(**model: Any) -> Network:
    """The Iraq planning scenario as a validated :class:`~o2opt.network.Network`.

    Hospitals carry their beds by ward type (``beds_general``, ``beds_icu``,
    ``beds_paediatric``, ``beds_theatre``), ``source`` (``osm`` or ``illustrative``) and the
    ``demand_method``/``demand_params`` of the bed-based estimate of ``demand_m3_day``.

    Parameters
    ----------
    **model
        ``[model]`` parameters to change (e.g. ``budget=None``, ``demand_multiplier=1.5``).

    Examples
    --------
    >>> net = load_iraq()
    >>> net.hospitals["region"].nunique(), int(net.hospitals["beds_total"].sum())
    (18, 49560)
    >>> load_iraq(budget=None).scenario.budget is None
    True
    """
    from o2opt.io import read_network

    network = read_network(iraq_folder())
    # o2opt keeps unknown columns as text; make the dataset's numeric extras numbers
    network = network.replace(
        hospitals=_numeric(network.hospitals, _IRAQ_NUMERIC["hospitals"]),
        producers=_numeric(network.producers, _IRAQ_NUMERIC["producers"]),
        candidates=_numeric(network.candidates, _IRAQ_NUMERIC["candidates"]),
        source="load_iraq")
    return network.with_model(**model) if model else network


_IRAQ_NUMERIC = {
    "hospitals": ("beds_total", "beds_general", "beds_icu", "beds_paediatric", "beds_theatre"),
    "producers": (),
    "candidates": ("module_nm3_h", "capex_usd", "capex_usd_low", "capex_usd_high"),
}


def _numeric(frame: Any, columns: tuple[str, ...]) -> Any:
    import pandas as pd

    out = frame.copy()
    for col in columns:
        if col in out:
            out[col] = pd.to_numeric(out[col])
    return out


def iraq_governorates() -> gpd.GeoDataFrame:
    """The 18 governorates: population (CSO 2018 estimate), capital, dataset totals and an
    **approximate** boundary polygon (Voronoi cells of towns clipped to a rough outline).

    The frame's ``attrs["label"]`` and ``attrs["outline_label"]`` say the boundaries are
    approximate; maps use them in their legend. The command line and the report draw them
    under the maps of the bundled demo and Iraq scenarios.

    Examples
    --------
    >>> gov = iraq_governorates()
    >>> len(gov), int(gov["population_2018"].sum())
    (18, 38124182)
    """
    import geopandas as gpd
    import pandas as pd

    folder = iraq_folder()
    shapes = gpd.read_file(folder / "governorates.geojson")[["governorate", "geometry"]]
    table = pd.read_csv(folder / "governorates.csv")
    out = gpd.GeoDataFrame(table.merge(shapes, on="governorate", how="left"),
                           geometry="geometry", crs="EPSG:4326")
    out = out.rename(columns={"governorate": "name"})
    out.attrs["label"] = "governorate boundaries (approximate)"
    out.attrs["outline_label"] = "Iraq (approximate outline)"
    return out
