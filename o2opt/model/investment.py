r"""Investment blocks (docs/model.md, "Investment"): candidate producers and stations,
capacity options.

Off unless the input gives them (:attr:`o2opt.network.Network.has_investment`). Binaries
:math:`y_p` (candidate producer), :math:`y_s` (candidate station) and :math:`z_o` (option
:math:`o` of facility :math:`f(o)`, adding :math:`E_o`) enter the canonical rows:

.. math::

    \sum_s q_{pst} &\le a_{pt}\big(Q_p\,y_p + \textstyle\sum_{o\in O_p} E_o z_o\big)\\
    \sum_h n_{sht} &\le a_{st}\big(K_s\,y_s + \textstyle\sum_{o\in O_s} E_o z_o\big)\\
    v\sum_h n_{cht} &\le a_{ct}\big(Q_c\,y_c + \textstyle\sum_{o\in O_c} E_o z_o\big),\quad
    \sum_h n_{cht} \le a_{ct}\big(K_c\,y_c + \textstyle\sum_{o\in O_c} (E_o/v)\, z_o\big)\\
    v\sum_f n_{fht} + u_{ht} + \textstyle\sum_{o\in O_h} \min(E_o, d_{ht})\, z_o &\ge d_{ht}\\
    \textstyle\sum_{o\in O_f} z_o &\le y_f \ \text{(candidate } f\text{)},\ \le 1 \text{ otherwise}

(a facility that is not a candidate has :math:`y = 1`). Since at most one option of a
hospital is chosen, :math:`\sum_o \min(E_o, d_{ht}) z_o = \min(E z, d_{ht})`: the demand
row asks exactly for the net demand :math:`\max(0, d_{ht} - E z)` left after the on-site
plant. Strong linking (:data:`DISAGGREGATED_LINKS`: by default on exactly when unmet
demand is allowed):
:math:`n_{sht} \le \bar n_{sht} y_s` on every arc of a candidate station and
:math:`q_{pst} \le \bar q_{pst} y_p` on every bulk arc of a candidate producer
(:math:`\bar q` the smaller of the producer's and the station's largest daily capacity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from o2opt.model import storage, tankers
from o2opt.model.blocks import Block, Bulk, Cylinders, Sites, Unmet

if TYPE_CHECKING:
    from o2opt.model.builder import Context
    from o2opt.network import Network

__all__ = ["DISAGGREGATED_LINKS", "OPTION_KINDS", "Investment", "add_columns", "add_cover_rows",
           "add_rows", "decision_bounds", "links_on", "max_extra", "option_targets"]

#: Add the strong links n <= n_bar y_s and q <= q_bar y_p of candidate stations and
#: producers: ``True``, ``False``, or ``None`` (the default) for on exactly when unmet
#: demand is allowed. Both ways measured: with unmet demand forbidden (the two-stage CFLP
#: set of Fernandes et al. 2014) they make the root LP of 25,000 extra rows 5-10x slower and,
#: within 120 s, leave 10-15 % gaps where the aggregate capacity rows with the cover rows
#: (:func:`add_cover_rows`) prove optimality as fast or faster (``benchmarks/README_tscflp.md``);
#: with unmet demand allowed (the national investment case at half size, 14 days) they
#: tighten the LP relaxation enough to prove the optimum in 14 s instead of 269 s
#: (``benchmarks/README_perf.md``, section 7b). The strong link of candidate plants
#: (``candidate_link`` in the builder) is always kept: it pays on OR-Library's CFLP.
DISAGGREGATED_LINKS: bool | None = None


def links_on(network: Network) -> bool:
    """Whether the strong links of candidate stations and producers are built
    (:data:`DISAGGREGATED_LINKS`)."""
    if DISAGGREGATED_LINKS is not None:
        return DISAGGREGATED_LINKS
    return network.scenario.allow_unmet

#: What an option adds to, by the table its facility is in.
OPTION_KINDS = ("producers", "stations", "candidates", "hospitals")


@dataclass(frozen=True, eq=False)
class Investment(Block):
    """Candidate producers ``yp`` and stations ``ys`` and capacity options ``o`` (binaries
    shared by every day), their strong links and the one-option-per-facility rows."""

    name: ClassVar[str] = "investment"
    columns: ClassVar[tuple[str, ...]] = ("yp", "ys", "o")
    row_names: ClassVar[tuple[str, ...]] = ("station_link", "producer_link", "option_choice")
    couples_days: ClassVar[bool] = True

    yp: np.ndarray
    ys: np.ndarray
    o: np.ndarray
    yp_facility: np.ndarray  # per column: the candidate's row in producers / stations
    yp_of: np.ndarray  # per producer / station: its column (-1)
    ys_facility: np.ndarray
    ys_of: np.ndarray
    o_kind: np.ndarray  # per option: its facility's table (OPTION_KINDS) and row there
    o_pos: np.ndarray


def option_targets(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Per option: the kind of its facility (index into :data:`OPTION_KINDS`) and the
    facility's position in that table."""
    facility = network.options["facility"].to_numpy()
    kind = np.full(len(facility), -1, dtype=np.int64)
    pos = np.full(len(facility), -1, dtype=np.int64)
    for k, name in enumerate(OPTION_KINDS):
        at = pd.Index(getattr(network, name)["id"]).get_indexer(facility)
        found = at >= 0
        kind[found], pos[found] = k, at[found]
    return kind, pos


def max_extra(network: Network, kind: str) -> np.ndarray:
    """Per facility of ``kind``: the largest ``extra_capacity`` among its options (0
    without)."""
    out = np.zeros(len(getattr(network, kind)))
    if len(network.options):
        k, pos = option_targets(network)
        mine = k == OPTION_KINDS.index(kind)
        np.maximum.at(out, pos[mine], network.options["extra_capacity"].to_numpy(float)[mine])
    return out


def decision_bounds(frame: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the binaries of ``rows`` of ``frame`` from ``decision``:
    ``open`` fixes 1, ``closed`` fixes 0."""
    decision = frame["decision"].to_numpy()[rows]
    return ((decision == "open").astype(float),
            np.where(decision == "closed", 0.0, 1.0))


def add_columns(ctx: Context) -> None:
    """Binaries ``yp`` (candidate producers), ``ys`` (candidate stations) and ``o``
    (options); nothing without investment input."""
    net = ctx.network
    if not net.has_investment:
        return
    found: dict[str, np.ndarray] = {}
    for kind, name in (("producers", "yp"), ("stations", "ys")):
        frame = getattr(net, kind)
        rows = np.flatnonzero(net.candidate_mask(kind))
        fixed, _ = net.fixed_costs(kind)
        lower, upper = decision_bounds(frame, rows)
        cols = ctx.columns.add(name, len(rows), lower=lower, upper=upper, integer=True,
                               fixed=fixed[rows])
        of = np.full(len(frame), -1, dtype=np.int64)
        of[rows] = cols
        found.update({name: cols, f"{name}_facility": rows.astype(np.int64), f"{name}_of": of})
    o_kind, o_pos = option_targets(net)
    o_lower, o_upper = decision_bounds(net.options, np.arange(len(o_kind)))
    plant = o_kind == OPTION_KINDS.index("candidates")
    plant[plant] = ctx.get(Sites).y_of_cand[o_pos[plant]] < 0
    o_upper[plant] = 0.0  # an option of a plant that cannot be opened
    o_fixed, _ = net.fixed_costs("options")
    o = ctx.columns.add("o", len(o_kind), lower=np.minimum(o_lower, o_upper), upper=o_upper,
                        integer=True, fixed=o_fixed)
    ctx.put(Investment(yp=found["yp"], ys=found["ys"], o=o, yp_facility=found["yp_facility"],
                       yp_of=found["yp_of"], ys_facility=found["ys_facility"],
                       ys_of=found["ys_of"], o_kind=o_kind, o_pos=o_pos))


def fed_otherwise(ctx: Context) -> bool:
    """Whether anything but delivered cylinders (and unmet demand) meets demand or adds
    capacity: hospital stock, vaporised tanker oxygen or a capacity option."""
    stock, lox = ctx.find(storage.Storage), ctx.find(tankers.Tankers)
    options = ctx.find(Investment)
    return bool((stock is not None and len(stock.s)) or (lox is not None and len(lox.v))
                or (options is not None and len(options.o)))



def _site_of(ctx: Context, kind: int, pos: np.ndarray) -> np.ndarray:
    """The opening binary's column of facilities ``pos`` of ``OPTION_KINDS[kind]`` (-1 for
    a facility that is not a candidate)."""
    name = OPTION_KINDS[kind]
    if name == "candidates":
        return ctx.get(Sites).y_of_cand[pos]
    if name == "hospitals":
        return np.full(len(pos), -1, dtype=np.int64)
    inv = ctx.get(Investment)
    return (inv.yp_of if name == "producers" else inv.ys_of)[pos]


def add_rows(ctx: Context) -> None:
    """Candidate producers and stations in their capacity rows, options in the rows of
    their facility, strong linking, and one option per facility (of an opened one)."""
    if ctx.find(Investment) is None:
        return
    _candidate_stations(ctx)
    _candidate_producers(ctx)
    _options(ctx)


def _candidate_stations(ctx: Context) -> None:
    ys_of, bulk = ctx.get(Investment).ys_of, ctx.get(Bulk)
    st_s, st_t = bulk.st_s, bulk.st_t
    net = ctx.network
    at = np.flatnonzero(ys_of[st_s] >= 0)  # station-day rows of candidate stations
    if len(at):
        cap = (net.stations["fill_capacity_cyl_day"].to_numpy(float)[st_s[at]]
               * net.capacity_factor("stations")[st_s[at], st_t[at]])
        assert bulk.station_fill_row is not None
        fill_row = bulk.station_fill_row[at]
        ctx.rows.extend("station_fill", [(fill_row, ys_of[st_s[at]], -cap)])
        ctx.rows.shift_upper("station_fill", fill_row, -cap)
    if not links_on(ctx.network):
        return
    n_s = ctx.n_f[ctx.at_station] if len(ys_of) else np.empty(0, dtype=np.int64)
    cyl = ctx.get(Cylinders)
    station_n = cyl.n[ctx.at_station]
    upper = cyl.n_upper[ctx.at_station]
    link = np.flatnonzero((ys_of[n_s] >= 0) & (upper > 0)) if len(n_s) else n_s
    ctx.rows.add("station_link", len(link), -np.inf, 0.0, [
        (np.arange(len(link)), station_n[link], 1.0),
        (np.arange(len(link)), ys_of[n_s[link]], -upper[link]),
    ])


def _candidate_producers(ctx: Context) -> None:
    yp_of, bulk, net = ctx.get(Investment).yp_of, ctx.get(Bulk), ctx.network
    p, t = bulk.producer_row_p, bulk.producer_row_t
    assert p is not None and t is not None
    at = np.flatnonzero(yp_of[p] >= 0)
    factor = net.capacity_factor("producers")
    cap_p = net.producers["capacity_m3_day"].to_numpy(float)
    if len(at):
        cap = cap_p[p[at]] * factor[p[at], t[at]]
        ctx.rows.extend("producer", [(at, yp_of[p[at]], -cap)])
        ctx.rows.shift_upper("producer", at, -cap)
    if not links_on(ctx.network):
        return
    # strong linking on the bulk arcs of candidate producers: q <= q_bar * y
    q_p, q_day = bulk.q_p, bulk.q_day
    link = np.flatnonzero(yp_of[q_p] >= 0)
    q_s = bulk.st_s[bulk.q_station_row[link]]
    most_p = (cap_p + max_extra(net, "producers"))[q_p[link]] * factor[q_p[link], q_day[link]]
    station_cap = (net.stations["fill_capacity_cyl_day"].to_numpy(float)
                   + max_extra(net, "stations"))
    most_s = (ctx.sc.cylinder_m3 * station_cap[q_s]
              * net.capacity_factor("stations")[q_s, q_day[link]])
    q_bar = np.minimum(most_p, most_s)
    link, q_bar = link[q_bar > 0], q_bar[q_bar > 0]
    ctx.rows.add("producer_link", len(link), -np.inf, 0.0, [
        (np.arange(len(link)), bulk.q[link], 1.0),
        (np.arange(len(link)), yp_of[q_p[link]], -q_bar),
    ])


def _options(ctx: Context) -> None:
    inv = ctx.get(Investment)
    o, kind, pos = inv.o, inv.o_kind, inv.o_pos
    if not len(o):
        return
    net, v = ctx.network, ctx.sc.cylinder_m3
    bulk, sites = ctx.get(Bulk), ctx.get(Sites)
    demand_row_of = ctx.get(Cylinders).demand_row_of
    assert demand_row_of is not None and bulk.producer_row_p is not None
    assert sites.cand_row_c is not None
    extra = net.options["extra_capacity"].to_numpy(float)
    n_days = ctx.n_days
    for k, name in enumerate(OPTION_KINDS):
        mine = np.flatnonzero(kind == k)
        if not len(mine):
            continue
        if name == "hospitals":
            d = ctx.d[pos[mine]]  # options x days
            oi, t = np.nonzero(d > 0)
            rows = demand_row_of[pos[mine][oi] * n_days + t]
            ctx.rows.extend("demand", [(rows, o[mine][oi], np.minimum(extra[mine][oi],
                                                                      d[oi, t]))])
            continue
        keys: list[tuple[str, Any, Any, Any, float]]
        if name == "producers":
            keys = [("producer", bulk.producer_row_p, bulk.producer_row_t,
                     np.arange(len(bulk.producer_row_p)), 1.0)]
        elif name == "stations":
            keys = [("station_fill", bulk.st_s, bulk.st_t, bulk.station_fill_row, 1.0)]
        else:
            keys = [("candidate_capacity", sites.cand_row_c, sites.cand_row_t,
                     np.arange(len(sites.cand_row_c)), 1.0),
                    ("candidate_fill", sites.cand_row_c, sites.cand_row_t,
                     sites.cand_fill_row, 1.0 / v)]
        factor = net.capacity_factor(name)
        for block, fac, day, row, scale in keys:
            # pair every option with every row of its facility
            by_fac = pd.Series(np.arange(len(fac))).groupby(fac).indices
            pairs = [(j, r) for j in mine for r in by_fac.get(pos[j], ())]
            if not pairs:
                continue
            oj, rr = np.array(pairs, dtype=np.int64).T
            keep = row[rr] >= 0
            oj, rr = oj[keep], rr[keep]
            ctx.rows.extend(block, [(row[rr], o[oj],
                                     -scale * extra[oj] * factor[fac[rr], day[rr]])])
    # one option per facility, of an opened candidate only: sum_o z_o <= y_f (or 1)
    key = kind * (1 + max(len(net.hospitals), len(net.producers), len(net.stations),
                          len(net.candidates))) + pos
    groups, row_of = np.unique(key, return_inverse=True)
    first = np.zeros(len(groups), dtype=np.int64)
    first[row_of[::-1]] = np.arange(len(key))[::-1]
    site = np.array([_site_of(ctx, int(kind[j]), pos[j:j + 1])[0] for j in first],
                    dtype=np.int64)
    count = np.bincount(row_of, minlength=len(groups))
    need = (site >= 0) | (count > 1)
    row_local = np.cumsum(need) - 1
    has = need[row_of]
    linked = np.flatnonzero(need & (site >= 0))
    ctx.rows.add("option_choice", int(need.sum()), -np.inf,
                 np.where(site[need] >= 0, 0.0, 1.0), [
                     (row_local[row_of[has]], o[has], 1.0),
                     (row_local[linked], site[linked], -1.0),
                 ])


def add_cover_rows(ctx: Context) -> None:
    r"""Per day, opened candidate stations and producers must be able to fill and produce
    what existing ones cannot:

    .. math::

        \sum_{c} \bar Q_{ct}\, y_c + \sum_{s\ \text{cand.}} v K_s a_{st}\, y_s
        &\ge \sum_h d_{ht} - \sum_{s\ \text{existing}} v K_s a_{st}\\
        \sum_{c} \bar Q_{ct}\, y_c + \sum_{p\ \text{cand.}} Q_p a_{pt}\, y_p
        &\ge \sum_h d_{ht} - \sum_{p\ \text{existing}} Q_p a_{pt}

    with :math:`\bar Q_{ct} = a_{ct}\min(Q_c, v K_c)` what candidate plant :math:`c` can
    deliver itself. Only when unmet demand is not allowed and nothing but cylinder deliveries
    meets demand (no stock, tanker or option); the producer row also not when a producer has
    a tank (it can release more than a day's production). Every row is implied by the
    demand, filling, supply and capacity rows, so no plan is removed; as one knapsack row over
    the binaries HiGHS's cuts and presolve can use it. On the two-stage CFLP set of Fernandes
    et al. (2014) it cut the time to a proven optimum about 2× (``benchmarks/README_tscflp.md``).
    """
    sc, net, inv = ctx.sc, ctx.network, ctx.find(Investment)
    if (inv is None or sc.allow_unmet or len(ctx.get(Unmet).u) or fed_otherwise(ctx)):
        return
    v = sc.cylinder_m3
    demand = np.where(ctx.d > 0, ctx.d, 0.0).sum(axis=0)
    sites = ctx.get(Sites)
    cands, y_cand = net.candidates, sites.y_cand
    own = np.minimum(cands["capacity_m3_day"].to_numpy(float),
                     v * cands["fill_capacity_cyl_day"].to_numpy(float))
    plant_cap = (own[:, None] * net.capacity_factor("candidates"))[y_cand]  # (y, days)
    sides = [("ys", inv.ys, inv.ys_facility, "stations",
              v * net.stations["fill_capacity_cyl_day"].to_numpy(float))]
    if not storage.has_tank(net).any():
        sides.append(("yp", inv.yp, inv.yp_facility, "producers",
                      net.producers["capacity_m3_day"].to_numpy(float)))
    for name, binaries, facility, kind, capacity in sides:
        cap = capacity[:, None] * net.capacity_factor(kind)  # (facilities, days)
        is_cand = net.candidate_mask(kind)
        need = demand - cap[~is_cand].sum(axis=0)
        days = np.flatnonzero(need > 0)
        cols = np.concatenate([sites.y, binaries])
        if not len(days) or not len(cols):
            continue
        coef = np.concatenate([plant_cap, cap[facility]])[:, days]
        ctx.rows.add(f"{name}_cover", len(days), need[days], np.inf,
                     [(np.repeat(np.arange(len(days)), len(cols)), np.tile(cols, len(days)),
                       coef.T.ravel())])


def limit_terms(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every opening and option binary with its fixed cost over the horizon, its capex,
    and whether it counts as a new site (options do not)."""
    net, plants, inv = ctx.network, ctx.get(Sites), ctx.find(Investment)
    y_cand = plants.y_cand
    fixed, capex = net.fixed_costs("candidates")
    cols, fixes, capexes, sites = [plants.y], [fixed[y_cand]], [capex[y_cand]], [True]
    if inv is not None:
        for kind, binaries, rows in (("producers", inv.yp, inv.yp_facility),
                                     ("stations", inv.ys, inv.ys_facility),
                                     ("options", inv.o, slice(None))):
            fixed, capex = net.fixed_costs(kind)
            cols.append(binaries)
            fixes.append(fixed[rows])
            capexes.append(capex[rows])
            sites.append(kind != "options")
    is_site = np.concatenate([np.full(len(c), s) for c, s in zip(cols, sites, strict=True)])
    return (np.concatenate(cols), np.concatenate(fixes), np.concatenate(capexes),
            is_site)
