"""Hostile inputs and faults around reading and writing (issue 11, section 2): each ends in
time with exit 0, 1 or 2, never a traceback, and nothing is written on exit 2; results stay
complete or absent, even when the process is killed."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt import atomic
from o2opt.errors import InputError, OutputError
from o2opt.schema import MODEL_KEYS

ROOT = Path(__file__).resolve().parents[1]
TIME_BOUND_S = 30.0
RESULT_FILES = {"summary.json", "deliveries.csv", "bulk.csv", "service.csv", "sites.csv",
                "utilization.csv"}


def o2opt_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m o2opt ARGS`` with this checkout first on the path, within the bound."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "o2opt", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=2 * TIME_BOUND_S)
    assert time.monotonic() - start < TIME_BOUND_S, (args, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture()
def scenario(tmp_path) -> Path:
    return network(horizon_days=3).to_folder(tmp_path / "scenario")


# --------------------------------------------------------------------------- 1. day ranges
@pytest.mark.parametrize("days", ["0-30000000", "0-99999999999999999999"])
def test_a_huge_day_range_in_a_grid_is_refused_at_once(scenario, tmp_path, days):
    proc = o2opt_cli("sweep", str(scenario), "--grid", f"outage:S1={days}", "--out",
                     str(tmp_path / "sweep"))
    assert proc.returncode == 2
    assert "beyond the longest horizon" in proc.stderr
    assert not (tmp_path / "sweep").exists()


def test_a_huge_day_range_in_a_scenario_table_is_refused_at_once(scenario, tmp_path):
    table = tmp_path / "scenarios.csv"
    table.write_text("label,capacity:S1,surge:North\nbig,0.5@0-99999999999,\n")
    proc = o2opt_cli("sweep", str(scenario), "--scenarios", str(table), "--out",
                     str(tmp_path / "sweep"))
    assert proc.returncode == 2
    assert "scenarios.csv, column capacity:S1, line 2: day 99999999999 is beyond" in proc.stderr
    assert not (tmp_path / "sweep").exists()


def test_day_ranges_in_python_are_checked_before_they_are_listed():
    from o2opt.sweeps import Outage, grid

    start = time.monotonic()
    with pytest.raises(ValueError, match="beyond the longest horizon"):
        Outage("P1", range(10**15))
    with pytest.raises(InputError, match="day 3660 is beyond the longest horizon"):
        grid({"outage:P1": ["5-3660"]})
    assert time.monotonic() - start < 1
    assert Outage("P1", range(3)).days == (0, 1, 2)


def test_a_grid_of_too_many_scenarios_is_refused(scenario, tmp_path):
    values = ",".join(str(i) for i in range(100))
    proc = o2opt_cli("sweep", str(scenario), "--grid", f"budget={values}", "--grid",
                     f"max_new_sites={values}", "--grid", f"demand_multiplier={values}",
                     "--out", str(tmp_path / "sweep"))
    assert proc.returncode == 2
    assert "1,000,000 scenarios; at most 100,000" in proc.stderr
    assert not (tmp_path / "sweep").exists()


# --------------------------------------------------------------------------- 2. fleet
def fleet_network(days: int, **model) -> o2opt.Network:
    s = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                      "fill_capacity_cyl_day": [100.0], "fleet_cylinders": [10.0]})
    return network(stations=s, horizon_days=days, **model)


def test_a_turnaround_far_beyond_the_horizon_is_folded_not_looped():
    # steady state: a cylinder away tau days puts tau/D on each of the D days, so 10
    # cylinders carry 10 * D / tau deliveries over the horizon, whatever tau
    tau = 5e5 + 2 * 10.0 / (40 * 8)  # dwell + 10 km each way at 40 km/h, 8 h a day
    start = time.monotonic()
    sol = o2opt.optimize(fleet_network(3, hospital_dwell_days=5e5))
    assert time.monotonic() - start < 10
    assert sol.status == "optimal"
    assert sol.deliveries["cylinders"].sum() == pytest.approx(10 * 3 / tau, rel=1e-6)
    rows = o2opt.model.build(fleet_network(3, hospital_dwell_days=5e5)).row_blocks["fleet"]
    assert rows.stop - rows.start == 3


def test_an_absurd_turnaround_exits_2(scenario, tmp_path):
    stations = pd.read_csv(scenario / "stations.csv")
    stations["fleet_cylinders"] = 10.0
    stations.to_csv(scenario / "stations.csv", index=False)
    (scenario / "scenario.toml").write_text("[model]\nhorizon_days = 3\n"
                                            "hospital_dwell_days = 1e7\n")
    proc = o2opt_cli("solve", str(scenario), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    assert "turnaround" in proc.stderr and "longer than 1e+06 days" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("model", [{"truck_speed_km_h": 1e-6},
                                   {"truck_speed_km_h": 1e-300, "working_hours_day": 1e-10}])
def test_an_absurd_turnaround_is_an_input_error(model):
    start = time.monotonic()
    with pytest.raises(InputError, match="longer than 1e"):
        o2opt.optimize(fleet_network(3, **model))
    assert time.monotonic() - start < 5


def test_a_tanker_turnaround_is_bounded_too():
    from o2opt.model.fleet import check_turnaround

    check_turnaround(np.array([1.0, 1e6]))
    with pytest.raises(InputError, match="tanker_unload_days"):
        check_turnaround(np.array([1.0, np.inf]), "tanker_unload_days")


# --------------------------------------------------------------------------- 4. huge numbers
@pytest.mark.parametrize("key", [k for k, spec in MODEL_KEYS.items()
                                 if spec.kind in ("int", "float")])
def test_a_huge_integer_for_any_numeric_key_is_an_input_error(key):
    from o2opt.validate import check_model

    with pytest.raises(InputError) as info:
        check_model({key: 10**400})
    assert [p.column for p in info.value.problems] == [key]
    with pytest.raises(InputError):
        check_model({key: -(10**400)})


def test_a_huge_toml_integer_exits_2(scenario, tmp_path):
    (scenario / "scenario.toml").write_text("[model]\nbudget = 1" + "0" * 400 + "\n")
    proc = o2opt_cli("solve", str(scenario), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "scenario.toml, key budget, line 2: is far out of range" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("toml", ["horizon_days = 1" + "0" * 80, "budget = 1" + "0" * 400,
                                  "budget = 1" + "0" * 5000, "cylinder_m3 = -1" + "0" * 330])
def test_huge_toml_integers_are_input_errors(scenario, toml):
    (scenario / "scenario.toml").write_text(f"[model]\n{toml}\n")
    with pytest.raises(InputError) as info:
        o2opt.read_network(scenario)
    assert [p.source for p in info.value.problems] == ["scenario.toml"]


# --------------------------------------------------------------------------- 6. odd files
def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


def _loop(path: Path) -> None:
    path.symlink_to(path.name)


def _folder(path: Path) -> None:
    path.mkdir()


def _device(path: Path) -> None:
    path.symlink_to("/dev/null")


@pytest.mark.parametrize("name", ["stations.csv", "scenario.toml"])
@pytest.mark.parametrize("make", [_dangling, _loop, _folder, _device])
def test_an_odd_file_in_place_of_an_optional_one_is_an_input_problem(scenario, name, make):
    path = scenario / name
    if path.exists():
        path.unlink()
    make(path)
    with pytest.raises(InputError) as info:
        o2opt.read_network(scenario)
    assert [p.source for p in info.value.problems] == [name]


def test_only_a_truly_absent_optional_file_is_absent(scenario, tmp_path):
    (scenario / "scenario.toml").unlink()
    (scenario / "stations.csv").unlink()
    _dangling(scenario / "stations.csv")
    proc = o2opt_cli("solve", str(scenario), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "stations.csv: is a symbolic link to" in proc.stderr
    assert not (tmp_path / "out").exists()
    (scenario / "stations.csv").unlink()
    (scenario / "scenario.toml").mkdir()
    proc = o2opt_cli("validate", str(scenario))
    assert proc.returncode == 2 and "scenario.toml: is not a file: it is a folder" in proc.stderr


def test_a_device_as_scenario_table_is_refused(scenario, tmp_path):
    proc = o2opt_cli("sweep", str(scenario), "--scenarios", "/dev/zero", "--out",
                     str(tmp_path / "sweep"))
    assert proc.returncode == 2 and "is not a file: it is a device" in proc.stderr
    assert not (tmp_path / "sweep").exists()


# --------------------------------------------------------------------------- 12. scheduler
def test_a_scheduler_that_is_not_an_address_exits_2(scenario, tmp_path):
    pytest.importorskip("distributed")
    proc = o2opt_cli("sweep", str(scenario), "--grid", "budget=0,1", "--scheduler", "notaurl",
                     "--out", str(tmp_path / "sweep"))
    assert proc.returncode == 2
    assert "--scheduler: must look like tcp://HOST:PORT" in proc.stderr
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("address", ["tcp://host:99999", "http://x:1", "tcp://:8786", ""])
def test_scheduler_addresses_are_checked(address):
    from o2opt.sweeps.cli import _check_address

    with pytest.raises(InputError, match="must look like tcp://HOST:PORT"):
        _check_address(address)
    for good in ("tcp://10.0.0.5:8786", "localhost:8786", "tls://[::1]:8786"):
        _check_address(good)


@pytest.mark.parametrize("error", [OSError(errno.ECONNREFUSED, "refused"),
                                   MemoryError("3 EiB"), ValueError("bad frame")])
def test_any_failure_to_reach_the_scheduler_exits_2(scenario, tmp_path, monkeypatch, capsys,
                                                    error):
    distributed = pytest.importorskip("distributed")

    def client(*args, **kwargs):
        raise error

    monkeypatch.setattr(distributed, "Client", client)
    from o2opt.cli import main

    assert main(["sweep", str(scenario), "--grid", "budget=0,1", "--scheduler",
                 "tcp://127.0.0.1:9", "--out", str(tmp_path / "sweep"), "-q"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not (tmp_path / "sweep").exists()


# --------------------------------------------------------------------------- 5. writing
@pytest.mark.parametrize("command", ["solve", "sweep"])
def test_out_under_a_regular_file_exits_2_before_solving(scenario, tmp_path, command):
    (tmp_path / "file").write_text("x")
    extra = ["--grid", "budget=0,1"] if command == "sweep" else []
    proc = o2opt_cli(command, str(scenario), *extra, "--out", str(tmp_path / "file" / "out"))
    assert proc.returncode == 2
    assert "cannot write the result: cannot create" in proc.stderr
    assert "is not a folder" in proc.stderr
    assert "optimal" not in proc.stdout + proc.stderr  # refused before solving
    assert listing(tmp_path) == ["file", "scenario"]


@pytest.mark.parametrize("link", ["nowhere", "loop"])
def test_out_as_a_dangling_or_looping_symlink_exits_2(scenario, tmp_path, link):
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "nowhere" if link == "nowhere" else out.name)
    proc = o2opt_cli("solve", str(scenario), "--out", str(out))
    assert proc.returncode == 2
    assert "cannot write the result:" in proc.stderr and "symbolic link" in proc.stderr
    assert listing(tmp_path) == ["out", "scenario"] and out.is_symlink()


def test_a_read_only_place_is_refused_before_solving(tmp_path, monkeypatch):
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    with pytest.raises(OutputError, match="Read-only file system"):
        o2opt.solution.check_result_folder(tmp_path / "a" / "out")
    assert listing(tmp_path) == []


def test_a_full_disk_while_writing_is_an_output_error_leaving_nothing(tmp_path, monkeypatch):
    sol = o2opt.optimize(network())
    out = tmp_path / "out"
    sol.to_folder(out)
    before = (out / "summary.json").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "service.csv")

    monkeypatch.setattr("o2opt.solution.write_csv", full)
    with pytest.raises(OutputError, match="No space left on device"):
        sol.to_folder(out)
    assert listing(tmp_path) == ["out"] and (out / "summary.json").read_bytes() == before
    with pytest.raises(OutputError, match="No space left on device"):
        sol.to_folder(tmp_path / "new" / "out")
    assert listing(tmp_path) == ["out"]


def test_a_folder_that_cannot_be_renamed_is_written_inside(tmp_path, monkeypatch):
    # the root of a mount: o2opt writes inside it, summary.json last
    sol = o2opt.optimize(network())
    mount = tmp_path / "mnt"
    mount.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real(p))
    moved = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (moved.append(Path(b).name),
                                                     real_replace(a, b))[1])
    sol.to_folder(mount)
    assert set(listing(mount)) == RESULT_FILES and moved[-1] == "summary.json"
    (mount / "map.png").write_bytes(b"an earlier map")  # an earlier result with a map
    sol.to_folder(mount)
    assert set(listing(mount)) == RESULT_FILES
    assert listing(tmp_path) == ["mnt"]
    (mount / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"):
        sol.to_folder(mount)


def _unshare() -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1k tmpfs "
                            "/mnt"], capture_output=True, timeout=30)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _unshare(), reason="needs a mount namespace "
                                  "(unshare -m and mount) to make real tmpfs mounts")


@needs_mounts
def test_real_mounts_read_only_full_and_a_mount_root(scenario, tmp_path):
    script = tmp_path / "mounts.sh"
    script.write_text(textwrap.dedent(f"""\
        set -u
        cd {tmp_path}
        mkdir ro full root bind
        mount -t tmpfs -o ro,size=64k tmpfs ro
        mount -t tmpfs -o size=8k tmpfs full
        mount -t tmpfs -o size=4m tmpfs root
        mount --bind bind bind
        o2() {{ {sys.executable} -m o2opt solve {scenario} -q --out "$1" >/dev/null 2>"$2"; \
echo $? >> codes; }}
        o2 ro/out err1; o2 ro err2; o2 full/out err3; o2 root err4; o2 root err5; o2 bind err6
        ls -A ro > ls_ro; ls -A full > ls_full; ls -A root > ls_root; ls -A bind > ls_bind
        """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["unshare", "-m", "sh", str(script)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "codes").read_text().split() == ["2", "2", "2", "0", "0", "0"]
    for name in ("err1", "err2", "err3"):
        err = (tmp_path / name).read_text()
        assert "o2opt: cannot write the result:" in err and "Traceback" not in err, err
    assert "Read-only file system" in (tmp_path / "err1").read_text()
    assert "No space left on device" in (tmp_path / "err3").read_text()
    assert (tmp_path / "ls_ro").read_text() == "" == (tmp_path / "ls_full").read_text()
    assert set((tmp_path / "ls_root").read_text().split()) == RESULT_FILES
    assert set((tmp_path / "ls_bind").read_text().split()) == RESULT_FILES  # EBUSY: inside


def test_a_folder_the_kernel_will_not_rename_is_written_inside(tmp_path, monkeypatch):
    # a bind mount looks like any folder until the rename fails with EBUSY
    sol = o2opt.optimize(network())
    out = tmp_path / "out"
    out.mkdir()

    def busy(a, b):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))

    monkeypatch.setattr(atomic, "_exchange", busy)
    sol.to_folder(out)
    sol.to_folder(out)
    assert set(listing(out)) == RESULT_FILES and listing(tmp_path) == ["out"]


# --------------------------------------------------------------------------- 13. replacing
def result_of(folder: Path) -> dict:
    """The summary of a complete result in ``folder`` (asserting it is complete)."""
    names = set(listing(folder))
    assert "summary.json" in names and {"deliveries.csv", "service.csv"} <= names, names
    return json.loads((folder / "summary.json").read_text())


def test_an_earlier_result_is_swapped_atomically(tmp_path, monkeypatch):
    if atomic._renameat2() is None:
        pytest.skip("renameat2 is Linux only; the fallback is tested below")
    out = tmp_path / "out"
    o2opt.optimize(network(horizon_days=2)).to_folder(out)
    sol = o2opt.optimize(network())
    swaps = []
    real = atomic._exchange
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: (swaps.append(Path(b)),
                                                           real(a, b))[1])
    monkeypatch.setattr(os, "replace", lambda *a: pytest.fail("renamed, not swapped"))
    monkeypatch.setattr(os, "rename", lambda *a: pytest.fail("renamed, not swapped"))
    sol.to_folder(out)
    assert swaps == [out] and result_of(out)["horizon_days"] == 1
    assert listing(tmp_path) == ["out"]


def test_a_symlinked_out_is_written_through(tmp_path):
    sol = o2opt.optimize(network())
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "out"
    link.symlink_to(target)
    sol.to_folder(link)
    sol.to_folder(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert set(listing(target)) == RESULT_FILES
    assert listing(tmp_path) == ["out", "target"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_o2opt_are_removed_and_nothing_else(tmp_path):
    sol = o2opt.optimize(network())
    host, dead = atomic._host(), _dead_pid()
    keep = [f".out.o2opt-{host}-{os.getpid()}-live1234.tmp",  # a live writer's
            ".out.abcd1234.tmp",  # an earlier version's, recent
            f".other.o2opt-{host}-{dead}-x.tmp",  # not ours
            ".out.notes", "out.o2opt.tmp"]
    gone = [f".out.o2opt-{host}-{dead}-k3j2h1g0.tmp", f".out.o2opt-{host}-{dead}-zz.old",
            ".out.efgh5678.tmp", ".out.ijkl9012.tmp.old"]
    seed = sol.to_folder(tmp_path / "seed")
    for name in keep + gone:
        shutil.copytree(seed, tmp_path / name)  # an 'old' one is a result moved aside
    shutil.rmtree(seed)
    day_ago = time.time() - atomic.STALE_AFTER_S - 60
    for name in gone[2:]:
        os.utime(tmp_path / name, (day_ago, day_ago))
    sol.to_folder(tmp_path / "out")  # an 'old' folder is restored first, then replaced
    assert set(listing(tmp_path)) == {"out", *keep}
    assert set(listing(tmp_path / "out")) == RESULT_FILES


KILL_BETWEEN_RENAMES = """
import os, signal, sys
from o2opt import atomic
from o2opt.cli import main
atomic._exchange = lambda a, b: False  # a platform without renameat2
real = os.replace
def replace(src, dst):
    real(src, dst)
    if str(dst).endswith(".old"):  # the old result is aside, the new not yet in
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
sys.exit(main(sys.argv[1:]))
"""


def test_a_kill_between_the_two_renames_is_recovered_by_the_next_run(scenario, tmp_path):
    out = tmp_path / "out"
    first = o2opt_cli("solve", str(scenario), "--out", str(out))
    assert first.returncode == 0
    old = result_of(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILL_BETWEEN_RENAMES, "solve", str(scenario),
                           "--out", str(out), "-q"], env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists() and any(n.endswith(".old") for n in listing(tmp_path))
    # the next command puts the old result back (before solving), then replaces it
    again = o2opt_cli("solve", str(scenario), "--out", str(out), "-v")
    assert again.returncode == 0
    assert "restoring" in again.stderr
    assert result_of(out)["objective"] == old["objective"]
    assert listing(tmp_path) == ["out", "scenario"]


def test_results_are_complete_or_absent_under_sigkill(scenario, tmp_path):
    # kill the command at moments spread over its run: the result folder is always either
    # absent (first run) or one complete result, and the next run leaves no temporary
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "o2opt", "solve", str(scenario), "--out", str(out), "-q"]
    start = time.monotonic()
    subprocess.run(command, env=env, timeout=120, check=True)
    full_s = time.monotonic() - start
    rng = np.random.default_rng(11)
    for fraction in rng.uniform(0.5, 1.05, size=3):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(fraction * full_s)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert result_of(out)["status"] == "optimal"
    subprocess.run(command, env=env, timeout=120, check=True)
    result_of(out)
    assert listing(tmp_path) == ["out", "scenario"]
