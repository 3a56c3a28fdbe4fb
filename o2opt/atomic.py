"""Write a folder so that it is complete or absent, and check first that it can be written.

:func:`atomic_folder` writes into a temporary folder beside the destination and puts it in
place in one step; :func:`check_writable` tries the same before long work (a solve), so
that an unwritable destination is reported at once rather than after it.

The rules (``docs/model.md``, "Writing the result folder", says what a user can rely on):

- **Symbolic links.** A destination that is a symbolic link to a folder is written into
  the link's target (the link stays); a dangling link or a loop is an
  :class:`~o2opt.errors.OutputError`.
- **Replacing.** A destination that is missing, an empty folder, or a folder that
  ``replace(dest)`` accepts is replaced; anything else is refused before writing.
- **Swapping.** An existing folder is swapped with the new one by ``renameat2(2)`` with
  ``RENAME_EXCHANGE`` where the platform has it (Linux), so that at every instant the
  destination holds the old or the new folder, never neither; the old one is then removed.
  Elsewhere the old folder is renamed aside (``.NAME.o2opt-…old``) and the new one in;
  a kill between the two is recovered by the next write, which renames the old folder back
  before it starts.
- **Folders that cannot be renamed** (the root of a mount, or an existing folder in a
  parent o2opt cannot write) are written *inside*: the files go to a temporary folder in
  the destination and are renamed one by one into it, ``summary.json`` (or the last file)
  removed first and put in last. Each file is then whole, and a folder with
  ``summary.json`` holds one complete result.
- **Leftovers.** Temporary folders are named ``.NAME.o2opt-HOST-PID-RANDOM.tmp`` (and
  ``….old``), HOST a short hash of the host name and PID the writing process. Before each
  write o2opt removes those of the same destination whose process is gone (same host) or
  that are older than :data:`STALE_AFTER_S` (any host), and the ``.NAME.XXXXXXXX.tmp``
  folders of earlier o2opt versions older than that. Nothing else is ever removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from o2opt.errors import OutputError

__all__ = ["STALE_AFTER_S", "atomic_folder", "check_writable", "is_temporary",
           "resolve_destination"]

log = logging.getLogger(__name__)

#: Temporary folders of o2opt older than this (seconds) are removed whoever made them.
STALE_AFTER_S = 24 * 3600.0
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}
_CANNOT_RENAME = {errno.EBUSY, errno.EXDEV, errno.EACCES, errno.EPERM, errno.EROFS}
_OURS = re.compile(r"\.(?P<dest>.*)\.o2opt-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[a-z0-9_]+"
                   r"\.(?:tmp|old)", re.DOTALL)
_LEGACY = re.compile(r"\.(?P<dest>.*)\.[a-z0-9_]{8}\.tmp(?:\.old)?", re.DOTALL)  # mkdtemp's


def is_temporary(name: str, dest_name: str | None = None) -> bool:
    """Whether ``name`` is one of o2opt's temporary folders (of ``dest_name`` if given).

    Examples
    --------
    >>> is_temporary(".out.o2opt-0123abcd-42-k2j4_x9a.tmp", "out")
    True
    >>> is_temporary(".out.o2opt-0123abcd-42-k2j4_x9a.tmp", "other")
    False
    >>> is_temporary("notes.tmp")
    False
    """
    match = _match(name, dest_name)
    return match is not None and match[0] == "ours"


def resolve_destination(dest: str | os.PathLike[str]) -> Path:
    """The absolute folder to write for ``dest``: a symbolic link is replaced by its target.

    Raises
    ------
    OutputError
        ``dest`` is a dangling symbolic link or a loop of them.
    """
    path = Path(os.path.abspath(dest))
    if not os.path.islink(path):
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError as e:
        target = _readlink(path)
        if e.errno == errno.ELOOP:
            raise OutputError(f"{path} is a symbolic link that loops ({target})") from None
        raise OutputError(f"{path} is a symbolic link to {target}, which does not exist"
                          ) from None


def check_writable(dest: str | os.PathLike[str], *,
                   replace: Callable[[Path], bool] = lambda _: False) -> Path:
    """Raise :class:`~o2opt.errors.OutputError` unless a folder can be written to ``dest``
    as :func:`atomic_folder` would; return the folder it would write. Leaves nothing behind.

    Call it before long work: it refuses a destination that is not a folder, a folder
    holding anything ``replace`` does not accept, a parent that is a file, and a parent
    (or folder) where no temporary folder can be created (read-only, no permission, full).
    """
    dest = resolve_destination(dest)
    _recover(dest)
    _check_destination(dest, replace)
    created = _make_parents(dest)
    try:
        tmp, _ = _temporary(dest)
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        _remove_created(created)
    return dest


@contextlib.contextmanager
def atomic_folder(dest: str | os.PathLike[str], *,
                  replace: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield a temporary folder; on success, put it in place of ``dest`` (module docstring).

    ``dest`` may be missing or empty. A non-empty ``dest`` is replaced only when
    ``replace(dest)`` is true; otherwise :class:`OutputError` is raised *before* anything
    is written. On an exception inside the block the temporary folder (and any parent
    folder created for it) is removed and ``dest`` is untouched; an :class:`OSError`
    (a full or read-only disk) becomes an :class:`OutputError` naming ``dest``.
    """
    dest = resolve_destination(dest)
    _recover(dest)
    _check_destination(dest, replace)
    created = _make_parents(dest)
    done = False
    tmp: Path | None = None
    try:
        tmp, inside = _temporary(dest)
        _remove_stale(dest.parent, dest.name)
        if inside:
            _remove_stale(dest, dest.name)
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if inside:
            _move_files_in(tmp, dest)
        else:
            _swap_in(tmp, dest)
        done = True
    except OutputError:
        raise
    except OSError as e:
        raise OutputError(f"{dest}: {e.strerror or e}" + (f" ({e.filename})" if e.filename
                                                          else "")) from e
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not done:
            _remove_created(created)


# --------------------------------------------------------------------------- checks
def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _check_destination(dest: Path, replace: Callable[[Path], bool]) -> None:
    try:
        st = os.stat(dest)
    except (FileNotFoundError, NotADirectoryError):  # a file among the parents: see below
        return
    except OSError as e:
        raise OutputError(f"{dest}: {e.strerror}") from None
    import stat

    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{dest} exists and is not a folder")
    try:
        names = [n for n in os.listdir(dest) if not is_temporary(n)]
    except OSError as e:
        raise OutputError(f"{dest}: {e.strerror}") from None
    if names and not replace(dest):
        raise OutputError(f"{dest} is not empty and does not hold an o2opt result; "
                          "choose another folder or empty it")


def _make_parents(dest: Path) -> list[Path]:
    """Create the missing parents of ``dest``; return those created (outermost first)."""
    missing: list[Path] = []
    for parent in dest.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise OutputError(f"cannot create {dest}: {parent} is not a folder")
            break
        missing.append(parent)
    created: list[Path] = []
    for parent in reversed(missing):
        try:
            parent.mkdir()
        except FileExistsError:
            continue
        except OSError as e:
            _remove_created(created)
            raise OutputError(f"cannot create {parent}: {e.strerror}") from None
        created.append(parent)
    return created


def _remove_created(created: list[Path]) -> None:
    for parent in reversed(created):
        with contextlib.suppress(OSError):
            parent.rmdir()  # only if still empty


def _temporary(dest: Path) -> tuple[Path, bool]:
    """A new temporary folder for ``dest`` and whether it lies inside ``dest`` (a folder
    that cannot be renamed: a mount's root, or one in a parent that cannot be written)."""
    prefix = f".{dest.name}.o2opt-{_host()}-{os.getpid()}-"
    is_dir = dest.is_dir()
    if not (is_dir and os.path.ismount(dest)):
        try:
            return Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=dest.parent)), False
        except OSError as e:
            if not is_dir or e.errno not in _CANNOT_RENAME:
                raise OutputError(f"cannot write in {dest.parent}: {e.strerror}") from None
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=dest)), True
    except OSError as e:
        raise OutputError(f"cannot write in {dest}: {e.strerror}") from None


# --------------------------------------------------------------------------- moving in
def _swap_in(tmp: Path, dest: Path) -> None:
    """Put ``tmp`` in place of ``dest`` (missing or a folder) and remove the old folder."""
    if not os.path.lexists(dest):
        os.rename(tmp, dest)
        return
    try:
        swapped = _exchange(tmp, dest)
    except OSError as e:
        if e.errno not in _CANNOT_RENAME:
            raise
        _copy_in(tmp, dest)  # e.g. a bind mount, which only the kernel knows
        return
    if swapped:  # tmp now holds the old folder, removed by the caller
        return
    try:
        os.rename(tmp, dest)  # atomic onto an empty folder
        return
    except OSError as e:
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            if e.errno in _CANNOT_RENAME:
                _copy_in(tmp, dest)
                return
            raise
    old = tmp.with_name(tmp.name[: -len(".tmp")] + ".old")
    os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except BaseException:
        os.replace(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _copy_in(tmp: Path, dest: Path) -> None:
    """Write ``tmp``'s files inside ``dest`` (which cannot be renamed)."""
    inner, _ = _temporary_inside(dest)
    try:
        for path in tmp.iterdir():
            shutil.copy2(path, inner / path.name)
        _move_files_in(inner, dest)
    finally:
        shutil.rmtree(inner, ignore_errors=True)


def _temporary_inside(dest: Path) -> tuple[Path, bool]:
    prefix = f".{dest.name}.o2opt-{_host()}-{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=dest)), True


def _move_files_in(tmp: Path, dest: Path) -> None:
    """Rename the files of ``tmp`` (a folder inside ``dest``) into ``dest``: the old
    ``summary.json`` (else the last file) goes first, the new one comes last, and old files
    the new result lacks are removed (``_check_destination`` accepted them all)."""
    new = sorted(p.name for p in tmp.iterdir())
    last = "summary.json" if "summary.json" in new else (new[-1] if new else None)
    if last is not None:
        with contextlib.suppress(FileNotFoundError):
            (dest / last).unlink()
    for name in new:
        if name != last:
            os.replace(tmp / name, dest / name)
    for path in dest.iterdir():
        if path.name not in new and not is_temporary(path.name):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    if last is not None:
        os.replace(tmp / last, dest / last)


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc >= 2.28
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` atomically; False where the platform cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(b))


# --------------------------------------------------------------------------- leftovers
@functools.cache
def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode(), usedforsecurity=False).hexdigest()[:8]


def _match(name: str, dest_name: str | None) -> tuple[str, str, int] | None:
    """``("ours", host, pid)`` or ``("legacy", "", 0)`` for a temporary folder's name."""
    if m := _OURS.fullmatch(name):
        return ("ours", m["host"], int(m["pid"])) if dest_name in (None, m["dest"]) else None
    if dest_name is not None and (m := _LEGACY.fullmatch(name)) and m["dest"] == dest_name:
        return "legacy", "", 0
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, someone else's
    return True


def _stale(path: Path, kind: str, host: str, pid: int) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return False
    old = time.time() - st.st_mtime > STALE_AFTER_S
    if kind == "ours" and host == _host():
        return old or not _alive(pid)
    return old


def _leftovers(folder: Path, dest_name: str, *, any_legacy: bool = False
               ) -> list[tuple[Path, str]]:
    """The stale temporary folders of ``dest_name`` in ``folder``, with their suffix
    (``any_legacy``: every folder of an earlier version, whatever its age)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    out = []
    for name in names:
        match = _match(name, dest_name)
        if match is None:
            continue
        if _stale(folder / name, *match) or (any_legacy and match[0] == "legacy"
                                             and (folder / name).is_dir()):
            out.append((folder / name, "old" if name.endswith(".old") else "tmp"))
    return out


def _remove_stale(folder: Path, dest_name: str) -> None:
    for path, _ in _leftovers(folder, dest_name):
        log.info("removing %s, left by an o2opt write that did not finish", path)
        shutil.rmtree(path, ignore_errors=True)


def _recover(dest: Path) -> None:
    """Rename back an old folder that a killed write had moved aside (``dest`` missing)."""
    if os.path.lexists(dest):
        return
    old = [path for path, kind in _leftovers(dest.parent, dest.name, any_legacy=True)
           if kind == "old"]
    if old:
        newest = max(old, key=lambda p: p.stat().st_mtime)
        log.warning("restoring %s from %s, moved aside by an o2opt write that was killed",
                    dest, newest)
        with contextlib.suppress(OSError):
            os.rename(newest, dest)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
