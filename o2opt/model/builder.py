r"""Build the canonical model of docs/model.md as a sparse :class:`LinearModel`.

Every block of variables and constraints is made with numpy from the arc tables, so the
cost of building grows with the number of non-zeros, not with Python loops over them.
:func:`build` runs :data:`COLUMN_STEPS`, then :data:`ROW_STEPS`; each extension lives in
its own module (:mod:`~o2opt.model.investment`, :mod:`~o2opt.model.sourcing`,
:mod:`~o2opt.model.storage`, :mod:`~o2opt.model.trucks`, :mod:`~o2opt.model.tankers`,
:mod:`~o2opt.model.fleet`, :mod:`~o2opt.model.equity`) and adds nothing unless its input
switches it on. Each step records what it built as a block (:mod:`o2opt.model.blocks`): a
frozen dataclass with its column and row blocks, its typed index arrays, whether it
couples days and the day of each of its columns; the steps read each other's blocks by
type (``ctx.get(Bulk).q_p``), and :func:`o2opt.decompose.split_days` cuts the model into
days only when no built block couples days.

How to add a block (``docs/architecture.md`` has the details): in a new module, declare a
frozen dataclass deriving from :class:`~o2opt.model.blocks.Block` (``name``, ``columns``,
``row_names``, ``couples_days``, a field per column block, typed index arrays,
``column_day()``); write ``add_columns(ctx)`` (``ctx.columns.add(...)``, then
``ctx.put(block)``) and ``add_rows(ctx)`` (``ctx.get(OtherBlock)``, ``ctx.rows.add(...)``);
add the two functions to :data:`COLUMN_STEPS` and :data:`ROW_STEPS`; test the block by
hand and, if it does not couple days, day by day against whole. A column or row block
that belongs to no block makes :func:`build` fail.

Canonical formulation (sets, data and variables as in ``docs/model.md``):

.. math::

    \min \sum_{h,t} \pi\,w_h\,u_{ht}
       + \sum_{(f,h)\in A,\,t} c_{fh}\,n_{fht}
       + \sum_{(p,s),\,t} c_{ps}\,q_{pst} + \sum_c F_c\,y_c

subject to, for every day :math:`t`,

.. math::

    v\sum_f n_{fht} + u_{ht} &\ge d_{ht}        && \forall h:\ d_{ht} > 0\\
    \sum_h n_{sht} &\le K_s                        && \forall s\\
    v\sum_h n_{sht} - \sum_p q_{pst} &\le 0        && \forall s\\
    \sum_s q_{pst} &\le Q_p                        && \forall p\\
    v\sum_h n_{cht} - Q_c\,y_c &\le 0              && \forall c\\
    \sum_h n_{cht} - K_c\,y_c &\le 0               && \forall c,\ K_c < \infty\\
    n_{cht} - \bar n_{cht}\,y_c &\le 0             && \forall (c,h)\in A

with :math:`0 \le n_{fht} \le \bar n_{fht}`, where :math:`\bar n_{fht}` is the number of
cylinders that covers :math:`d_{ht}` (no optimal plan sends more, as costs are
non-negative), capped by the filling point's own capacity. The last row is the strong
(disaggregated) linking of facility location: it makes the LP relaxation tight. Variables
exist only for arcs and days with positive net demand.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

import numpy as np

from o2opt.geo import Arcs, build_arcs
from o2opt.model import equity, fleet, investment, sourcing, storage, tankers, trucks
from o2opt.model.blocks import Block, Bulk, Cover, Cylinders, IndexView, Limits, Sites, Unmet
from o2opt.model.matrix import Columns, LinearModel, Rows
from o2opt.network import Network, Scenario

__all__ = ["COLUMN_STEPS", "ROW_STEPS", "Context", "LinearModel", "build"]

B = TypeVar("B", bound=Block)

_EPS = 1e-9
#: ``shortage_sharing = "even"``: each segment is this share of the net demand, and its
#: penalty is the hospital's penalty times its weight.
SEGMENT_SHARE = 0.25
SEGMENT_WEIGHTS = np.array([1.0, 2.0, 4.0, 8.0])


@dataclass(eq=False)
class Context:
    """What the steps of :func:`build` share: the data, the cylinder-column index, the
    column and row collectors, and the blocks built so far (:meth:`put`, :meth:`get`)."""

    network: Network
    arcs: Arcs
    d: np.ndarray  # net demand (hospitals x days), m3
    active: np.ndarray  # hospital-days that may receive cylinders
    n_arc: np.ndarray  # cylinder column -> arc, day, hospital, filling point
    n_day: np.ndarray
    n_h: np.ndarray
    n_f: np.ndarray
    columns: Columns = field(default_factory=Columns)
    rows: Rows = field(default_factory=Rows)
    blocks: dict[type[Block], Block] = field(default_factory=dict)

    def put(self, block: B) -> B:
        """Record ``block`` (replacing the block of the same type: a row step gives the
        block its row index arrays with :func:`dataclasses.replace`)."""
        self.blocks[type(block)] = block
        return block

    def get(self, kind: type[B]) -> B:
        """The block of type ``kind`` (KeyError when its step has not run)."""
        block = self.blocks[kind]
        assert isinstance(block, kind)
        return block

    def find(self, kind: type[B]) -> B | None:
        """The block of type ``kind``, or ``None`` when it was not built."""
        block = self.blocks.get(kind)
        return block if isinstance(block, kind) else None

    def finish(self) -> tuple[Block, ...]:
        """Every block with its column and row ranges, in step order; checks that each
        column and row block belongs to exactly one block and that a block's own column
        and row blocks lie next to each other."""
        out: list[Block] = []
        seen_cols = seen_rows = 0
        keys: set[str] = set()
        for block in self.blocks.values():
            cols = _span(self.columns.blocks, block.columns, block)
            rows = _span(self.rows.blocks, block.row_names, block)
            seen_cols += cols.stop - cols.start
            seen_rows += rows.stop - rows.start
            mine = set(block.index())
            if mine & keys:
                raise RuntimeError(f"index arrays {sorted(mine & keys)} of block "
                                   f"{block.name!r} are also another block's")
            keys |= mine
            out.append(replace(block, cols=cols, rows=rows))
        if seen_cols != self.columns.count or seen_rows != self.rows.count:
            raise RuntimeError("a column or row block belongs to no block: declare it in "
                               "a Block's columns or row_names")
        return tuple(out)

    @property
    def sc(self) -> Scenario:
        return self.network.scenario

    @property
    def n_days(self) -> int:
        return self.network.scenario.horizon_days

    @property
    def n_stations(self) -> int:
        return len(self.network.stations)

    @cached_property
    def is_cand(self) -> np.ndarray:
        """Which cylinder columns leave from a candidate site."""
        return self.n_f >= self.n_stations

    @cached_property
    def at_station(self) -> np.ndarray | slice:
        """Which cylinder columns leave from a station: an index that selects them (all of
        them, as a view and not a copy, when no column leaves from a candidate)."""
        return ~self.is_cand if self.is_cand.any() else slice(None)

    def per_filler(self, column: str) -> np.ndarray:
        """A stations column followed by the same candidates column (filling points)."""
        return np.concatenate([self.network.stations[column].to_numpy(float),
                               self.network.candidates[column].to_numpy(float)])

    def factor(self) -> np.ndarray:
        """Available share of capacity per filling point and day (availability)."""
        return np.concatenate([self.network.capacity_factor("stations"),
                               self.network.capacity_factor("candidates")])


def build(network: Network, arcs: Arcs | None = None) -> LinearModel:
    """Build the model of ``network`` (docs/model.md plus switched-on extensions).

    Parameters
    ----------
    network : Network
    arcs : Arcs, optional
        Precomputed arcs (from :func:`o2opt.geo.build_arcs`).

    Examples
    --------
    >>> import o2opt
    >>> lm = build(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> lm.num_col > 0, lm.is_mip
    (True, True)
    """
    arcs = arcs if arcs is not None else build_arcs(network)
    d = network.net_demand_m3()
    # hospital-days that can take deliveries: positive demand, or a stock to fill
    active = (d > 0) | (storage.stock_capacity(network)[:, None] > 0)
    arc_h = arcs.cylinder["hospital_pos"].to_numpy()
    n_arc, n_day = np.nonzero(active[arc_h])
    ctx = Context(network, arcs, d, active, n_arc.astype(np.int64, copy=False),
                  n_day.astype(np.int64, copy=False), arc_h[n_arc],
                  arcs.cylinder["source_pos"].to_numpy()[n_arc])
    for step in (*COLUMN_STEPS, *ROW_STEPS):
        _current(step)(ctx)
    blocks = ctx.finish()

    cols, rows = ctx.columns.arrays(), ctx.rows.arrays()
    bulk, unmet = ctx.get(Bulk), ctx.get(Unmet)
    return LinearModel(
        network=network, arcs=arcs, net_demand_m3=d, **cols, **rows,
        n_arc=ctx.n_arc, n_day=ctx.n_day, q_arc=bulk.q_arc, q_day=bulk.q_day,
        u_hospital=unmet.u_h, u_day=unmet.u_day, y_candidate=ctx.get(Sites).y_cand,
        z_arc=ctx.get(sourcing.SingleSource).z_arc,
        index=IndexView(blocks),
        model_blocks=blocks,
    )


def _current(step: Callable[[Context], None]) -> Callable[[Context], None]:
    """``step`` as its module now names it: a step replaced in its module (a test's
    ``monkeypatch.setattr(o2opt.model.investment, "add_cover_rows", ...)``) is run instead."""
    module = sys.modules.get(step.__module__)
    current = getattr(module, step.__qualname__, step) if "." not in step.__qualname__ \
        else step
    return current if callable(current) else step


def _span(ranges: dict[str, slice], names: tuple[str, ...], block: Block) -> slice:
    """The range of ``block``'s column or row blocks ``names`` (those added)."""
    mine = [ranges[name] for name in names
            if name in ranges and ranges[name].stop > ranges[name].start]
    if not mine:
        return slice(0, 0)
    start, stop = min(r.start for r in mine), max(r.stop for r in mine)
    if sum(r.stop - r.start for r in mine) != stop - start:
        raise RuntimeError(f"the blocks {list(names)} of block {block.name!r} are not "
                           "next to each other")
    return slice(start, stop)


def dense_unique(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for integer keys in ``[0, size)``, by
    counting instead of sorting (linear in ``len(keys) + size``).

    Examples
    --------
    >>> unique, inverse = dense_unique(np.array([4, 1, 4, 2]), 6)
    >>> unique.tolist(), inverse.tolist()
    ([1, 2, 4], [2, 0, 2, 1])
    """
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    unique = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return unique.astype(np.int64), rank[keys].astype(np.int64)


# --------------------------------------------------------------------------- columns
def _cylinder_columns(ctx: Context) -> None:
    """n[f,h,t] cylinders, bounded by what covers the day's demand (plus any stock room)
    and by the filling point's own capacity that day."""
    sc, net = ctx.sc, ctx.network
    cyl_m3 = sc.cylinder_m3
    cand = net.candidates
    own_cap_cyl = np.concatenate([
        net.stations["fill_capacity_cyl_day"].to_numpy(float),
        np.minimum(cand["capacity_m3_day"].to_numpy(float) / cyl_m3,
                   cand["fill_capacity_cyl_day"].to_numpy(float)),
    ])
    if len(net.options):  # capacity options raise a filling point's own capacity
        own_cap_cyl += np.concatenate([investment.max_extra(net, "stations"),
                                       investment.max_extra(net, "candidates") / cyl_m3])
    # (one pass over the 1.5 million columns of a national model costs ~6 ms: skip the
    # ones that cannot change anything)
    cover = ctx.d[ctx.n_h, ctx.n_day]
    stock = storage.stock_capacity(net)
    if stock.any():
        cover += stock[ctx.n_h]
    cover /= cyl_m3
    own = (own_cap_cyl[:, None] * ctx.factor()).ravel()[ctx.n_f * ctx.n_days + ctx.n_day]
    if sc.integer_cylinders:
        cover, own = np.ceil(cover - _EPS), np.floor(own + _EPS)
    fill_cost = np.concatenate([net.stations["fill_cost_per_cyl"].to_numpy(float),
                                np.zeros(len(cand))])
    prod_cost = np.concatenate([np.zeros(ctx.n_stations),
                                cyl_m3 * cand["cost_per_m3"].to_numpy(float)])
    n_upper = np.minimum(cover, own, out=cover)
    n = ctx.columns.add(
        "n", len(ctx.n_arc), upper=n_upper, integer=sc.integer_cylinders,
        transport=ctx.arcs.cylinder["transport_per_cyl"].to_numpy()[ctx.n_arc],
        filling=fill_cost[ctx.n_f] if fill_cost.any() else 0.0,
        production=prod_cost[ctx.n_f] if prod_cost.any() else 0.0)
    ctx.put(Cylinders(n, ctx.n_arc, ctx.n_day, ctx.n_h, ctx.n_f, n_upper))


def _bulk_columns(ctx: Context) -> None:
    """q[p,s,t] m3, only for stations that deliver cylinders on day t."""
    n_days, at_station = ctx.n_days, ctx.at_station
    st_keys, st_row_of_n = dense_unique(ctx.n_f[at_station] * n_days + ctx.n_day[at_station],
                                        ctx.n_stations * n_days)
    st_s, st_t = np.divmod(st_keys, n_days)
    bulk = ctx.arcs.bulk
    # one column per station-day row and bulk arc into that station (arcs in their order)
    arc_s = bulk["station_pos"].to_numpy()
    by_station = np.argsort(arc_s, kind="stable")
    count = np.bincount(arc_s, minlength=ctx.n_stations)
    per_row = count[st_s]
    q_row = np.repeat(np.arange(len(st_keys)), per_row)
    within = np.arange(len(q_row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    q_arc = by_station[np.repeat(np.cumsum(count)[st_s] - per_row, per_row) + within]
    q_arc = q_arc.astype(np.int64, copy=False)
    q_p = bulk["producer_pos"].to_numpy()[q_arc].astype(np.int64)
    p_cost = ctx.network.producers["cost_per_m3"].to_numpy(float)
    q = ctx.columns.add("q", len(q_arc), transport=bulk["transport_per_m3"].to_numpy()[q_arc],
                        production=p_cost[q_p])
    ctx.put(Bulk(q, q_arc=q_arc, q_day=st_t[q_row].astype(np.int64), q_p=q_p,
                 q_station_row=q_row, st_s=st_s, st_t=st_t,
                 st_row_of_n=st_row_of_n.astype(np.int64)))


def _unmet_columns(ctx: Context) -> None:
    """u[h,t] m3 unmet, when allowed, up to the share the equity extension leaves open
    (``shortage_sharing = "even"``: four segment columns per hospital-day)."""
    sc = ctx.sc
    if sc.allow_unmet:
        u_h, u_day = np.nonzero(ctx.d > 0)
    else:
        u_h = u_day = np.empty(0, dtype=np.int64)
    priority = ctx.network.hospitals["priority"].to_numpy(float)
    open_share = 1.0 - equity.service_share(ctx.network)[u_h]  # share that may go unmet
    penalty = sc.unmet_penalty_per_m3 * priority[u_h]
    if sc.shortage_sharing == "even":
        # four segments of d (0-25 %, ..., 75-100 %) at penalty x 1, 2, 4, 8: convex, so
        # they fill in order; each within what min_service_share leaves open
        k = np.arange(len(SEGMENT_WEIGHTS))
        rate = np.clip(open_share[:, None] - SEGMENT_SHARE * k, 0.0, SEGMENT_SHARE).ravel()
        u_h, u_day = np.repeat(u_h, len(k)), np.repeat(u_day, len(k))
        penalty = (penalty[:, None] * SEGMENT_WEIGHTS).ravel()
    else:
        rate = open_share
    u = ctx.columns.add("u", len(u_h), upper=rate * ctx.d[u_h, u_day], unmet_penalty=penalty)
    ctx.put(Unmet(u, u_h=u_h.astype(np.int64), u_day=u_day.astype(np.int64),
                  u_upper_rate=rate))


def _site_columns(ctx: Context) -> None:
    """y[c] binary, for candidates with at least one delivery arc (or forced open)."""
    net = ctx.network
    cands = net.candidates
    y_cand = np.unique(ctx.n_f[ctx.is_cand] - ctx.n_stations).astype(np.int64)
    fixed, _ = net.fixed_costs("candidates")
    lower: float | np.ndarray
    upper: float | np.ndarray
    if net.has_investment:
        forced = np.flatnonzero(cands["decision"].to_numpy() == "open")
        y_cand = np.union1d(y_cand, forced).astype(np.int64)
        lower, upper = investment.decision_bounds(cands, y_cand)
    else:
        lower, upper = 0.0, 1.0
    y = ctx.columns.add("y", len(y_cand), lower=lower, upper=upper, integer=True,
                        fixed=fixed[y_cand])
    y_of_cand = np.full(len(cands), -1, dtype=np.int64)
    y_of_cand[y_cand] = y
    ctx.put(Sites(y, y_cand=y_cand, y_of_cand=y_of_cand))


# --------------------------------------------------------------------------- rows
def _demand_rows(ctx: Context) -> None:
    """cylinder_m3 * sum_f n[f,h,t] + u[h,t] >= d[h,t] for every active hospital-day."""
    dem_h, dem_t = np.nonzero(ctx.active)
    row_of = np.full(ctx.d.size, -1, dtype=np.int64)
    row_of[dem_h * ctx.n_days + dem_t] = np.arange(len(dem_h))
    cyl, unmet = ctx.get(Cylinders), ctx.get(Unmet)
    ctx.rows.add("demand", len(dem_h), ctx.d[dem_h, dem_t], np.inf, [
        (row_of[ctx.n_h * ctx.n_days + ctx.n_day], cyl.n, ctx.sc.cylinder_m3),
        (row_of[unmet.u_h * ctx.n_days + unmet.u_day], unmet.u, 1.0),
    ])
    ctx.put(replace(cyl, demand_row_of=row_of))  # by hospital * n_days + day


def _station_rows(ctx: Context) -> None:
    """Per station-day: fills <= fill capacity; cylinder_m3 * fills <= bulk received."""
    bulk = ctx.get(Bulk)
    st_s, st_t, st_row_of_n = bulk.st_s, bulk.st_t, bulk.st_row_of_n
    station_n = ctx.get(Cylinders).n[ctx.at_station]
    cap = ctx.network.stations["fill_capacity_cyl_day"].to_numpy(float)[st_s]
    finite = np.isfinite(cap)
    fill_row = np.cumsum(finite) - 1  # position among the finite rows
    ctx.put(replace(bulk, station_fill_row=np.where(finite, fill_row, -1)))
    has_row = finite[st_row_of_n]
    ctx.rows.add("station_fill", int(finite.sum()), -np.inf,
                 cap[finite] * ctx.factor()[st_s[finite], st_t[finite]],
                 [(fill_row[st_row_of_n[has_row]], station_n[has_row], 1.0)])
    ctx.rows.add("station_supply", len(st_s), -np.inf, 0.0, [
        (st_row_of_n, station_n, ctx.sc.cylinder_m3),
        (bulk.q_station_row, bulk.q, -1.0),
    ])


def _producer_rows(ctx: Context) -> None:
    """Per producer-day: sum_s q <= capacity (producers with a tank: see storage)."""
    bulk = ctx.get(Bulk)
    q_p, q_day = bulk.q_p, bulk.q_day
    plain = ~storage.has_tank(ctx.network)[q_p]
    keys, row_of_q = dense_unique(q_p[plain] * ctx.n_days + q_day[plain],
                                  len(ctx.network.producers) * ctx.n_days)
    p, t = np.divmod(keys, ctx.n_days)
    ctx.put(replace(bulk, producer_row_p=p, producer_row_t=t))
    cap = ctx.network.producers["capacity_m3_day"].to_numpy(float)
    ctx.rows.add("producer", len(keys), -np.inf,
                 cap[p] * ctx.network.capacity_factor("producers")[p, t],
                 [(row_of_q, bulk.q[plain], 1.0)])


def _candidate_rows(ctx: Context) -> None:
    """Per candidate-day: production and filling only when opened, and the strong
    linking n[c,h,t] <= upper * y[c] of every candidate arc."""
    cands, n_days = ctx.network.candidates, ctx.n_days
    is_cand = ctx.is_cand
    c_of_n = ctx.n_f[is_cand] - ctx.n_stations
    keys, row_of_n = dense_unique(c_of_n * n_days + ctx.n_day[is_cand], len(cands) * n_days)
    c, t = np.divmod(keys, n_days)
    sites, cyl = ctx.get(Sites), ctx.get(Cylinders)
    available = ctx.factor()[ctx.n_stations + c, t]
    y_col = sites.y_of_cand[c]
    cand_n = cyl.n[is_cand]
    ctx.rows.add("candidate_capacity", len(keys), -np.inf, 0.0, [
        (row_of_n, cand_n, ctx.sc.cylinder_m3),
        (np.arange(len(keys)), y_col,
         -cands["capacity_m3_day"].to_numpy(float)[c] * available),
    ])
    fill_cap = cands["fill_capacity_cyl_day"].to_numpy(float)[c]
    finite = np.isfinite(fill_cap)
    fill_cap = np.where(finite, fill_cap, 0.0) * available
    fill_row = np.cumsum(finite) - 1
    ctx.put(replace(sites, cand_row_c=c, cand_row_t=t,
                    cand_fill_row=np.where(finite, fill_row, -1)))
    has_row = finite[row_of_n]
    ctx.rows.add("candidate_fill", int(finite.sum()), -np.inf, 0.0, [
        (fill_row[row_of_n[has_row]], cand_n[has_row], 1.0),
        (np.arange(int(finite.sum())), y_col[finite], -fill_cap[finite]),
    ])
    upper = cyl.n_upper[is_cand]
    link = np.flatnonzero(upper > 0)
    ctx.rows.add("candidate_link", len(link), -np.inf, 0.0, [
        (np.arange(len(link)), cand_n[link], 1.0),
        (np.arange(len(link)), sites.y_of_cand[c_of_n[link]], -upper[link]),
    ])


def _site_limit_rows(ctx: Context) -> None:
    """The budget on fixed costs, the limit on the number of opened sites (options do not
    count there) and the capital budget on capex."""
    sc = ctx.sc
    ctx.put(Limits())
    y, fixed, capex, is_site = investment.limit_terms(ctx)
    if not len(y):
        return
    if sc.budget is not None:
        ctx.rows.add("budget", 1, -np.inf, sc.budget, [(np.zeros(len(y)), y, fixed)])
    if sc.max_new_sites is not None:
        sites = y[is_site]
        ctx.rows.add("max_new_sites", 1, -np.inf, float(sc.max_new_sites),
                     [(np.zeros(len(sites)), sites, 1.0)])
    if sc.capital_budget is not None:
        ctx.rows.add("capital_budget", 1, -np.inf, sc.capital_budget,
                     [(np.zeros(len(y)), y, capex)])


def _capacity_cover_rows(ctx: Context) -> None:
    r"""Per day, the opened candidates (and, when allowed, unmet demand) must make up what
    existing supply cannot:

    .. math::

        \sum_c \min\big(a_{ct} Q_c,\ a_{ct} v K_c,\ v \sum_h \bar n_{cht}\big)\, y_c
        + \sum_h u_{ht} \ge \sum_h d_{ht} - E_t,
        \qquad E_t = \min\Big(v \sum_s a_{st} K_s,\ \sum_p a_{pt} Q_p\Big)

    (the :math:`u` term only when unmet demand is allowed). Only when no stock or LOX tank
    feeds the demand rows. The row is the sum of the model's own demand, filling and
    capacity rows, so it removes no plan and leaves the LP bound unchanged; written out as
    one row, it is a knapsack row over the binaries (with unmet demand, a mixed one) that
    HiGHS's cut and presolve machinery can use. On OR-Library capb and capc at capacity
    5,000 it cut the time to a proven optimum 15× and 3× (``docs/model.md``, "What o2opt
    builds", item 7).
    """
    sites, sc, net = ctx.get(Sites), ctx.sc, ctx.network
    y = sites.y
    ctx.put(Cover())
    # (options add capacity the row does not count: it is left out with them; unmet demand
    # enters the row, so it stays valid when unmet demand is allowed)
    if not len(y) or investment.fed_otherwise(ctx):
        return
    cyl_m3 = sc.cylinder_m3
    demand = np.where(ctx.d > 0, ctx.d, 0.0).sum(axis=0)
    station_m3 = cyl_m3 * (net.stations["fill_capacity_cyl_day"].to_numpy(float)[:, None]
                           * net.capacity_factor("stations")).sum(axis=0)
    producers = net.producers["capacity_m3_day"].to_numpy(float)[:, None]
    produced = (producers * net.capacity_factor("producers")).sum(axis=0)
    if storage.has_tank(net).any():  # a tank can release more than a day's production
        produced = np.full(ctx.n_days, np.inf)
    need = demand - np.minimum(station_m3, produced)
    days = np.flatnonzero(need > 0)
    if not len(days):
        return
    y_cand, is_cand, cyl = sites.y_cand, ctx.is_cand, ctx.get(Cylinders)
    cands = net.candidates
    own = np.minimum(cands["capacity_m3_day"].to_numpy(float),
                     cyl_m3 * cands["fill_capacity_cyl_day"].to_numpy(float))
    reach = np.zeros((len(cands), ctx.n_days))  # all it could bring its hospitals (n <= upper)
    np.add.at(reach, (ctx.n_f[is_cand] - ctx.n_stations, ctx.n_day[is_cand]),
              cyl_m3 * cyl.n_upper[is_cand])
    cap = np.minimum(own[:, None] * net.capacity_factor("candidates"), reach)[y_cand]
    rows = np.repeat(np.arange(len(days)), len(y))
    entries = [(rows, np.tile(y, len(days)), cap[:, days].T.ravel())]
    unmet = ctx.get(Unmet)
    u_day = unmet.u_day
    if len(u_day):  # unmet demand allowed: every u of a covered day, coefficient 1
        row_of_day = np.full(ctx.n_days, -1, dtype=np.int64)
        row_of_day[days] = np.arange(len(days))
        on_row = row_of_day[u_day] >= 0
        entries.append((row_of_day[u_day[on_row]], unmet.u[on_row], 1.0))
    ctx.rows.add("capacity_cover", len(days), need[days], np.inf, entries)


#: The steps of :func:`build`, in order: every block's columns, then every block's rows
#: (a row step may add terms to rows of earlier blocks: storage and tankers to ``demand``).
COLUMN_STEPS: tuple[Callable[[Context], None], ...] = (
    _cylinder_columns, _bulk_columns, _unmet_columns, _site_columns,
    investment.add_columns, sourcing.add_columns, storage.add_columns, trucks.add_columns,
    tankers.add_columns,
)
ROW_STEPS: tuple[Callable[[Context], None], ...] = (
    _demand_rows, _station_rows, _producer_rows, _candidate_rows, investment.add_rows,
    storage.add_rows, tankers.add_rows, fleet.add_rows, trucks.add_rows, sourcing.add_rows,
    equity.add_rows, _site_limit_rows, _capacity_cover_rows, investment.add_cover_rows,
)
