"""Run a scenario set on any :class:`concurrent.futures.Executor`, losing nothing.

The driver (the process that calls :func:`sweep`) ships each scenario to a worker as a
:class:`Task` of plain data — the base network's tables as lists, the scenario spec as a
dict — and gets a plain-data record back (:func:`run_task`). Nothing else crosses the wire:
no PuLP or HiGHS object, no open file. Workers need o2opt installed, not the driver's disk.

Only the driver writes the store (:class:`~o2opt.sweeps.store.Store`), one atomic file per
finished scenario, as soon as its record arrives. So:

- a sweep started again skips every scenario already in the store;
- a sweep killed at any moment (SIGKILL included) and started again ends with the same
  results as an uninterrupted one (records are whole or absent, and solves are
  deterministic);
- a scenario whose solve raises is recorded with its error (``status = "error"``) and the
  sweep goes on; it is not retried when the sweep is started again unless
  ``retry_failed=True``;
- a scenario whose *worker* fails (process killed, Dask ``KilledWorker``, a broken pool)
  is submitted again, up to ``max_attempts`` times; the default local pool is restarted
  when one of its processes dies. Such a failure is never stored, so a later run retries
  it. Dask reschedules the tasks of a dead worker on the others by itself.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import math
import multiprocessing
import os
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from o2opt.network import Network
from o2opt.schema import MODEL_KEYS
from o2opt.solution import COST_PARTS
from o2opt.solve import available_cores
from o2opt.sweeps.scenarios import ScenarioSpec, apply_scenario, check_scenarios
from o2opt.sweeps.store import Store

__all__ = [
    "RESULT_COLUMNS",
    "POOL_START_S",
    "SweepProgress",
    "Task",
    "close_default_pool",
    "local_executor",
    "network_fingerprint",
    "network_payload",
    "parameter_columns",
    "read_results",
    "results_frame",
    "run_task",
    "sweep",
]

log = logging.getLogger(__name__)

#: Columns of :func:`sweep`'s result after ``scenario``, ``label`` and the parameters.
RESULT_COLUMNS = (
    "status", "objective", *(f"cost_{p}" for p in COST_PARTS), "demand_m3", "delivered_m3",
    "unmet_m3", "n_opened", "opened", "mip_gap", "error", "seconds", "worker",
)


# --------------------------------------------------------------------------- plain data
def network_payload(network: Network) -> dict[str, Any]:
    """The network as plain data: ``{"tables": {name: {column: list}}, "model": {...}}``.

    Examples
    --------
    >>> import o2opt
    >>> p = network_payload(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> sorted(p), p["tables"]["producers"]["id"][0]
    (['model', 'tables'], 'p-baghdad-asu')
    """
    tables = {name: {str(c): frame[c].tolist() for c in frame.columns}
              for name, frame in network.tables().items() if len(frame)}
    return {"tables": tables, "model": network.scenario.as_dict(skip_none=True)}


def network_fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload as canonical JSON: equal networks, equal fingerprints."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_NETWORKS: dict[str, Network] = {}  # per worker process: base networks already rebuilt
_NETWORKS_LOCK = threading.Lock()


def _network(payload: dict[str, Any], fingerprint: str) -> Network:
    """The base network of ``payload``, rebuilt (and validated) once per process."""
    with _NETWORKS_LOCK:
        cached = _NETWORKS.get(fingerprint)
    if cached is not None:
        return cached
    from o2opt.io import from_frames

    frames = {name: pd.DataFrame(columns) for name, columns in payload["tables"].items()}
    network = from_frames(frames.pop("hospitals"), model=payload["model"],
                          **frames)  # type: ignore[arg-type]  # tables only, never columns=
    with _NETWORKS_LOCK:
        if len(_NETWORKS) >= 4:
            _NETWORKS.pop(next(iter(_NETWORKS)))
        _NETWORKS[fingerprint] = network
    return network


@dataclass(frozen=True)
class Task:
    """One scenario to solve, as plain data (what a worker receives).

    ``attempt`` counts submissions, so that a resubmitted task is a new task for
    executors that cache by content (Dask's ``pure`` keys).
    """

    scenario: str
    spec: dict[str, Any]
    network: dict[str, Any] = field(repr=False)
    fingerprint: str
    attempt: int = 0

    def __dask_tokenize__(self) -> tuple[str, str, str, int]:  # cheap Dask key
        return ("o2opt-sweep-task", self.fingerprint, self.scenario, self.attempt)


def _finite(value: Any) -> Any:
    """JSON-safe: non-finite floats become ``None``; numpy scalars become Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def run_task(task: Task, network: Any = None) -> dict[str, Any]:
    """Solve one scenario; never raises for a problem of the scenario itself.

    Returns the record stored for it: ``scenario``, ``label``, ``spec``, ``status``,
    ``objective``, ``mip_gap``, ``cost`` (the five parts), ``demand_m3``,
    ``delivered_m3``, ``unmet_m3``, ``opened``, ``message``, ``error`` (``None``, or
    ``"Type: message"`` with ``error_kind = "scenario"`` and the ``traceback``),
    ``seconds`` (wall time of apply + build + solve), ``worker`` (``host:pid``).

    With fixed sites (``spec.sites``) the plan's fixed costs are added to ``cost.fixed``
    and ``objective``, and ``opened`` is the plan (see
    :func:`~o2opt.sweeps.scenarios.apply_scenario`).

    ``network`` is the base network's payload when it travels apart from the task (sent to
    every Dask worker once); by default it is ``task.network``.
    """
    from o2opt import __version__
    from o2opt.pipeline import optimize

    start = time.perf_counter()
    spec = ScenarioSpec.from_dict(task.spec)
    record: dict[str, Any] = {
        "scenario": task.scenario, "label": spec.label, "spec": task.spec,
        "worker": f"{socket.gethostname()}:{os.getpid()}", "o2opt_version": __version__,
        "error": None,
    }
    try:
        base = _network(network if network is not None else task.network, task.fingerprint)
        solution = optimize(apply_scenario(base, spec), progress=False)
        s = solution.summary()
        record.update({k: s[k] for k in ("status", "objective", "mip_gap", "cost",
                                         "demand_m3", "delivered_m3", "unmet_m3", "opened",
                                         "message")})
        if spec.sites is not None and solution.has_solution:
            fixed = pd.Series(base.fixed_costs("candidates")[0],  # capex: over the horizon
                              index=base.candidates["id"])
            investment = float(fixed.loc[list(spec.sites)].sum()) if spec.sites else 0.0
            record["cost"] = {**record["cost"], "fixed": investment}
            record["objective"] = float(sum(record["cost"].values()))
            record["opened"] = list(spec.sites)
    except Exception as e:  # recorded, the sweep goes on
        log.debug("scenario %s failed", task.scenario, exc_info=True)
        record.update({"status": "error", "error": f"{type(e).__name__}: {e}",
                       "error_kind": "scenario", "traceback": traceback.format_exc()})
    record["seconds"] = round(time.perf_counter() - start, 4)
    return _finite(record)


def _worker_error(spec: ScenarioSpec, error: BaseException, attempts: int) -> dict[str, Any]:
    return {"scenario": spec.id, "label": spec.label, "spec": spec.to_dict(),
            "status": "error", "error_kind": "worker", "seconds": None, "worker": None,
            "error": f"{type(error).__name__}: {error} (worker failed {attempts} time(s))"}


# --------------------------------------------------------------------------- executors
def _watch_driver(alive: Connection) -> None:
    """Pool worker initialiser: exit as soon as the driver is gone (even SIGKILLed),
    instead of idling forever. ``alive`` is the read end of a pipe whose only write end
    is held by the driver; the kernel closes it when the driver dies, so reading returns.
    (Watching the parent pid would not do: under ``forkserver`` the parent is the fork
    server, which itself lives as long as any worker does.)"""

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            alive.recv_bytes()  # nothing is ever sent: returns at end of file
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="o2opt-watch-driver").start()


def local_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """The default executor: a process pool with ``workers`` processes (default: one per
    CPU), started with ``forkserver`` where available (``spawn`` elsewhere), so that no
    thread state of the caller is forked.

    Examples
    --------
    >>> with local_executor(1) as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["o2opt.sweeps.run"])
    alive_r, alive_w = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(max_workers=workers or available_cores(), mp_context=context,
                               initializer=_watch_driver, initargs=(alive_r,))
    pool._o2opt_driver_alive = (alive_r, alive_w)  # type: ignore[attr-defined]  # pool's life
    return pool


#: Seconds a new local pool costs before its first result (processes started, o2opt
#: imported in each; benchmarks/sweep_overhead.py). A default sweep solves in this process
#: while the work left, spread over the pool, would not save more than that.
POOL_START_S = 2.0
_POOL: dict[str, ProcessPoolExecutor] = {}  # the default pool, kept from sweep to sweep
_POOL_LOCK = threading.Lock()


def _default_pool(start: bool) -> ProcessPoolExecutor | None:
    """The default pool kept between sweeps (started now if ``start``), or None."""
    with _POOL_LOCK:
        pool = _POOL.get("pool")
        if pool is not None and (getattr(pool, "_broken", False)
                                 or getattr(pool, "_shutdown_thread", False)):
            _POOL.pop("pool")
            pool = None
        if pool is None and start:
            pool = _POOL["pool"] = local_executor(None)
        return pool


def close_default_pool() -> None:
    """Shut down the worker processes that default sweeps keep between calls (also done
    when Python exits)."""
    with _POOL_LOCK:
        pool = _POOL.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(close_default_pool)


def _forget_pool(pool: Executor) -> None:
    with _POOL_LOCK:
        if _POOL.get("pool") is pool:
            _POOL.pop("pool")


def _broadcast(executor: Executor, payload: dict[str, Any]) -> Any:
    """On a Dask executor, the network payload scattered to every worker (a Dask future
    that tasks receive as an argument); ``None`` elsewhere, where it travels with each task.
    """
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    scatter = getattr(client, "scatter", None)
    if scatter is None:
        return None
    try:
        return scatter([payload], broadcast=True, hash=False)[0]  # one object, not per key
    except Exception as e:  # the sweep still works, sending the network with each task
        log.warning("could not send the network to the Dask workers once (%s: %s); "
                    "it goes with every task", type(e).__name__, e)
        return None


def _parallelism(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once, as far as it says (else the core count)."""
    n = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    if n is None and client is not None:
        with contextlib.suppress(Exception):
            n = sum(client.nthreads().values())
    return max(1, int(n or available_cores()))


def _stop(executor: Executor) -> None:
    """Shut a pool we own down now: queued tasks cancelled, running ones terminated."""
    executor.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


# --------------------------------------------------------------------------- progress
@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands; passed to the ``progress`` callback of :func:`sweep`.

    ``done`` and ``failed`` count every finished scenario, those found in the store
    (``from_store`` of them) included; ``remaining = total - done - failed``. ``eta_s``
    extrapolates this run's pace (``None`` until a scenario has finished).
    """

    total: int
    done: int
    failed: int
    from_store: int
    running: int
    elapsed_s: float
    eta_s: float | None
    last: dict[str, Any] | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed


# --------------------------------------------------------------------------- sweep
def sweep(network: Network, scenarios: Iterable[ScenarioSpec] | pd.DataFrame, *,
          executor: Executor | None = None, store: str | os.PathLike[str] | None = None,
          workers: int | None = None, retry_failed: bool = False, max_attempts: int = 3,
          progress: Callable[[SweepProgress], None] | None = None) -> pd.DataFrame:
    """Solve every scenario of a set and return one tidy row per scenario.

    Parameters
    ----------
    network : Network
        The base network.
    scenarios : iterable of ScenarioSpec, or DataFrame
        The scenario set (see :mod:`o2opt.sweeps.scenarios`: :func:`grid`,
        :func:`read_scenarios`); a DataFrame is read with :func:`scenarios_from_frame`.
    executor : concurrent.futures.Executor, optional
        Where to solve: any executor, e.g. ``dask_client.get_executor()``. An executor you
        pass is left running. Default: with ``workers`` given, a local process pool of
        that many processes, shut down at the end. Without it, small work stays in this
        process: scenarios are solved here one by one while the time left (their mean
        time × those left) is too short for a pool to pay for its start
        (:data:`POOL_START_S`); past that, a pool of one process per CPU starts for the
        rest and is kept for later sweeps (:func:`close_default_pool`; it is reused at
        once by the next default sweep).
    store : path, optional
        Folder of finished scenarios (:class:`~o2opt.sweeps.store.Store`): finished ones
        are read instead of solved, new ones written as they finish.
    workers : int, optional
        Size of a local pool started for this sweep alone.
    retry_failed : bool
        Solve again the scenarios stored with an error.
    max_attempts : int
        Submissions of a scenario whose worker fails before it is given up (recorded as
        ``error``, not stored).
    progress : callable, optional
        Called with a :class:`SweepProgress` at the start and after every scenario.

    Returns
    -------
    DataFrame
        One row per scenario, in the order given: ``scenario`` (id), ``label``, the
        parameters (every ``[model]`` key some scenario sets, with its effective value;
        event and ``sites`` columns as in a scenario table), ``weight`` if any differs
        from 1, then :data:`RESULT_COLUMNS`: ``status`` (``optimal``, ``feasible``,
        ``infeasible``, ``no_solution`` or ``error``), ``objective``, ``cost_<part>``,
        ``demand_m3``, ``delivered_m3``, ``unmet_m3``, ``n_opened``, ``opened``
        (``;``-joined ids), ``mip_gap``, ``error``, ``seconds``, ``worker``.

    Raises
    ------
    InputError
        A scenario does not fit the network (unknown facility, day beyond the horizon,
        bad ``[model]`` value, the same scenario twice), before anything is solved.
    OutputError
        ``store`` is not a sweep store, or belongs to another base network.

    Examples
    --------
    >>> import o2opt
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from o2opt.sweeps import grid
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> with ThreadPoolExecutor(2) as ex:
    ...     df = sweep(net, grid({"budget": [0, 400]}), executor=ex)
    >>> df[["label", "budget", "status", "n_opened"]]
            label  budget   status  n_opened
    0    budget=0     0.0  optimal         0
    1  budget=400   400.0  optimal         2
    """
    from o2opt.sweeps.scenarios import scenarios_from_frame

    specs = (scenarios_from_frame(scenarios, network) if isinstance(scenarios, pd.DataFrame)
             else list(scenarios))
    check_scenarios(network, specs)
    if max_attempts < 1:
        raise ValueError("max_attempts must be >= 1")
    payload = network_payload(network)
    fingerprint = network_fingerprint(payload)
    st = Store.open(store, fingerprint) if store is not None else None
    records: dict[str, dict[str, Any]] = {}
    if st is not None:
        for spec in specs:
            record = st.get(spec.id)
            if record is not None and (record.get("error") is None or not retry_failed):
                records[spec.id] = record
    todo = [s for s in specs if s.id not in records]
    log.info("sweep: %d scenario(s), %d already in the store, %d to solve", len(specs),
             len(records), len(todo))
    if todo:
        _run(todo, payload, fingerprint, records, st, executor, workers, max_attempts,
             progress, len(specs))
    elif progress is not None:
        progress(_progress(len(specs), records, len(records), 0, time.perf_counter(), 0, None))
    return results_frame(network, specs, records)


def _progress(total: int, records: dict[str, dict[str, Any]], from_store: int, running: int,
              start: float, finished_now: int, last: dict[str, Any] | None) -> SweepProgress:
    failed = sum(1 for r in records.values() if r.get("error") is not None)
    done = len(records) - failed
    elapsed = time.perf_counter() - start
    remaining = total - len(records)
    eta = elapsed / finished_now * remaining if finished_now else None
    return SweepProgress(total, done, failed, from_store, running, elapsed, eta, last)


def _run(todo: Sequence[ScenarioSpec], payload: dict[str, Any], fingerprint: str,
         records: dict[str, dict[str, Any]], store: Store | None, executor: Executor | None,
         workers: int | None, max_attempts: int,
         progress: Callable[[SweepProgress], None] | None, total: int) -> None:
    own = executor is None
    shared_pool = own and workers is None  # the default: in this process, then a kept pool
    start = time.perf_counter()
    from_store = len(records)
    finished_now = 0
    queue = deque(todo)
    attempts: dict[str, int] = {}
    in_flight: dict[Future[dict[str, Any]], ScenarioSpec] = {}

    def report(last: dict[str, Any] | None) -> None:
        if progress is not None:
            progress(_progress(total, records, from_store, len(in_flight), start,
                               finished_now, last))

    def finish(record: dict[str, Any]) -> None:
        nonlocal finished_now
        if store is not None and record.get("error_kind") != "worker":
            store.put(record)
        records[record["scenario"]] = record
        finished_now += 1
        if record.get("error"):
            log.warning("scenario %s (%s) failed: %s", record["scenario"], record["label"],
                        record["error"])
        else:
            log.debug("scenario %s (%s): %s", record["scenario"], record["label"],
                      record["status"])
        report(record)

    report(None)
    if shared_pool and _default_pool(start=False) is None:
        _solve_here(queue, payload, fingerprint, finish)
        if not queue:
            return
    ex: Executor
    if executor is not None:
        ex = executor
    else:
        pool = _default_pool(start=True) if shared_pool else None
        ex = pool if pool is not None else local_executor(workers)
    broken = False
    window, window_at = 2 * _parallelism(ex), time.monotonic()
    shared = _broadcast(ex, payload)  # on Dask: the network goes to each worker once

    def worker_failed(spec: ScenarioSpec, error: BaseException) -> None:
        n = attempts.get(spec.id, 0) + 1
        attempts[spec.id] = n
        if n < max_attempts:
            log.warning("scenario %s (%s): worker failed (%s: %s); submitting it again",
                        spec.id, spec.label, type(error).__name__, error)
            queue.appendleft(spec)
        else:
            finish(_worker_error(spec, error, n))

    try:
        while queue or in_flight:
            if own and broken and not in_flight:
                log.warning("a worker process died; starting a new pool")
                _stop(ex)
                _forget_pool(ex)
                pool = _default_pool(start=True) if shared_pool else None
                ex, broken = (pool if pool is not None else local_executor(workers)), False
            if time.monotonic() - window_at > 10.0:
                window, window_at = 2 * _parallelism(ex), time.monotonic()
            while queue and not broken and len(in_flight) < window:
                spec = queue[0]
                suspect = attempts.get(spec.id, 0) >= 2  # its worker died twice: run it alone
                if suspect and in_flight:
                    break
                task = Task(spec.id, spec.to_dict(), payload if shared is None else {},
                            fingerprint, attempts.get(spec.id, 0))
                try:
                    future = (ex.submit(run_task, task) if shared is None
                              else ex.submit(run_task, task, shared))
                except (BrokenExecutor, RuntimeError) as e:
                    if own:
                        broken = True
                        break
                    log.error("the executor cannot take more work (%s: %s)",
                              type(e).__name__, e)
                    while queue:
                        lost = queue.popleft()
                        finish(_worker_error(lost, e, attempts.get(lost.id, 0)))
                    break
                queue.popleft()
                in_flight[future] = spec
                if suspect:
                    break
            if not in_flight:
                continue
            done, _ = wait(in_flight, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                spec = in_flight.pop(future)
                try:
                    record = future.result()
                except BrokenExecutor as e:
                    broken = broken or own
                    worker_failed(spec, e)
                except BaseException as e:  # KilledWorker, CancelledError, lost connection
                    if isinstance(e, KeyboardInterrupt | SystemExit):
                        raise
                    worker_failed(spec, e)
                else:
                    finish(record)
    except BaseException:
        for future in in_flight:
            future.cancel()
        if own:
            _stop(ex)
            _forget_pool(ex)
        raise
    if own and not shared_pool:
        ex.shutdown(wait=True)


def _solve_here(queue: deque[ScenarioSpec], payload: dict[str, Any], fingerprint: str,
                finish: Callable[[dict[str, Any]], None]) -> None:
    """Solve scenarios from ``queue`` in this process while the rest would not be done
    sooner by a new pool (:data:`POOL_START_S`); leave the others in ``queue``."""
    cores = available_cores()
    spent, n = 0.0, 0
    while queue:
        if n and spent / n * len(queue) * (1 - 1 / cores) > POOL_START_S:
            log.info("sweep: %d scenario(s) solved in this process (%.2f s each); starting "
                     "worker processes for the other %d", n, spent / n, len(queue))
            return
        spec = queue.popleft()
        t = time.perf_counter()
        finish(run_task(Task(spec.id, spec.to_dict(), payload, fingerprint, 0)))
        spent += time.perf_counter() - t
        n += 1
    log.info("sweep: every scenario solved in this process (%.2f s each)",
             spent / max(n, 1))


# --------------------------------------------------------------------------- results
def _model_column(network: Network, spec: ScenarioSpec, key: str) -> Any:
    value = spec.model[key] if key in spec.model else getattr(network.scenario, key, None)
    return np.nan if value is None else value


def results_frame(network: Network, specs: Sequence[ScenarioSpec],
                  records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The tidy table of :func:`sweep` from the records of ``specs`` (see there)."""
    params: dict[str, None] = {}
    for spec in specs:
        params.update(dict.fromkeys(spec.cells()))
    rows = []
    for spec in specs:
        r = records.get(spec.id, {})
        cells = spec.cells()
        row: dict[str, Any] = {"scenario": spec.id, "label": spec.label}
        for col in params:
            row[col] = (_model_column(network, spec, col) if col in MODEL_KEYS
                        else cells.get(col, ""))
        row["weight"] = spec.weight
        cost = r.get("cost") or {}
        opened = r.get("opened") or []
        row.update({
            "status": r.get("status", "error"),
            "objective": r.get("objective"),
            **{f"cost_{p}": cost.get(p) for p in COST_PARTS},
            "demand_m3": r.get("demand_m3"), "delivered_m3": r.get("delivered_m3"),
            "unmet_m3": r.get("unmet_m3"), "n_opened": len(opened),
            "opened": ";".join(opened), "mip_gap": r.get("mip_gap"),
            "error": r.get("error") or "", "seconds": r.get("seconds"),
            "worker": r.get("worker") or "",
        })
        rows.append(row)
    columns = ["scenario", "label", *params, "weight", *RESULT_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    if (frame["weight"] == 1.0).all():
        frame = frame.drop(columns="weight")
    floats = ["objective", *(f"cost_{p}" for p in COST_PARTS), "demand_m3", "delivered_m3",
              "unmet_m3", "mip_gap", "seconds"]
    frame[floats] = frame[floats].astype(float)
    frame["n_opened"] = frame["n_opened"].astype(np.int64)
    return frame


def parameter_columns(results: pd.DataFrame) -> list[str]:
    """The parameter columns of a :func:`sweep` result (also after a CSV round trip): the
    columns between ``label`` and ``status``, ``weight`` excepted.

    Examples
    --------
    >>> parameter_columns(pd.DataFrame(columns=["scenario", "label", "budget",
    ...                                         "outage:P1", "status", "objective"]))
    ['budget', 'outage:P1']
    """
    cols = list(results.columns)
    inner = cols[cols.index("label") + 1:cols.index("status")]
    return [c for c in inner if c != "weight"]


def read_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``sweep.csv`` written by ``o2opt sweep`` back into the :func:`sweep` shape
    (event and id columns as text, empty cells as ``""``)."""
    header = pd.read_csv(Path(path), nrows=0).columns
    text = [c for c in header if c in ("scenario", "label", "opened", "error", "worker",
                                       "sites") or ":" in c]
    frame = pd.read_csv(Path(path), dtype=dict.fromkeys(text, str))
    frame[text] = frame[text].fillna("")
    return frame

