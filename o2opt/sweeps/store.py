"""The sweep store: one JSON file per finished scenario, written atomically.

Layout of a store folder::

    meta.json           format, the base network's fingerprint, o2opt version
    <scenario id>.json  the record of one finished scenario (see :mod:`o2opt.sweeps.run`)

Every file is written to a temporary file in the same folder, flushed to disk and renamed
into place, so a reader (or a sweep started again after SIGKILL) sees either the whole
record or none. A store belongs to one base network: opening it for another raises
:class:`~o2opt.errors.OutputError` rather than mixing results.

Examples
--------
>>> import tempfile
>>> store = Store.open(tempfile.mkdtemp() + "/store", "abc123")
>>> store.put({"scenario": "0123456789abcdef", "status": "optimal", "objective": 1.5})
>>> store.get("0123456789abcdef")["objective"]
1.5
>>> sorted(store.ids())
['0123456789abcdef']
>>> Store.open(store.path, "another network")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
o2opt.errors.OutputError: ... holds the sweep results of another base network ...
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o2opt.errors import OutputError

__all__ = ["Store", "write_atomic"]

log = logging.getLogger(__name__)

FORMAT = "o2opt-sweep-store"
_ID = re.compile(r"^[0-9a-f]{16}$")
_STALE_TMP_S = 3600.0  # temporary files older than this are leftovers of a killed write


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed to
    disk (``fsync``) and renamed into place: ``path`` holds the old or the new content,
    never a part."""
    path = Path(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    encoding = None if mode == "wb" else "utf-8"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class Store:
    """A folder of finished scenario records (see the module docstring).

    Use :meth:`open`, which creates the folder or checks that it belongs to the network.
    """

    path: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str], fingerprint: str) -> Store:
        """Create the store at ``path`` or reopen it, checking the network fingerprint.

        Raises
        ------
        OutputError
            ``path`` is not a folder, holds files that are not a sweep store, or holds the
            store of another base network.
        """
        path = Path(path).absolute()
        meta_file = path / "meta.json"
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path} exists and is not a folder")
        if meta_file.is_file():
            try:
                meta = json.loads(meta_file.read_text("utf-8"))
            except (OSError, ValueError) as e:
                raise OutputError(f"{meta_file} cannot be read: {e}") from None
            if meta.get("format") != FORMAT:
                raise OutputError(f"{path} is not an o2opt sweep store")
            if meta.get("network") != fingerprint:
                raise OutputError(
                    f"{path} holds the sweep results of another base network (fingerprint "
                    f"{meta.get('network')}, this one is {fingerprint}); use another folder "
                    "or delete it")
        else:
            if path.is_dir() and any(p for p in path.iterdir() if not p.name.startswith(".")):
                raise OutputError(f"{path} is not empty and is not an o2opt sweep store; "
                                  "choose another folder or empty it")
            from o2opt import __version__

            path.mkdir(parents=True, exist_ok=True)
            meta = {"format": FORMAT, "version": 1, "network": fingerprint,
                    "o2opt_version": __version__}
            write_atomic(meta_file, json.dumps(meta, indent=2) + "\n")
        store = cls(path)
        store._remove_stale_tmp()
        return store

    def _file(self, scenario: str) -> Path:
        if not _ID.match(scenario):
            raise ValueError(f"not a scenario id: {scenario!r}")
        return self.path / f"{scenario}.json"

    def put(self, record: dict[str, Any]) -> None:
        """Write ``record`` (JSON data with a ``scenario`` id) atomically."""
        text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False)
        write_atomic(self._file(record["scenario"]), text + "\n")

    def get(self, scenario: str) -> dict[str, Any] | None:
        """The record of ``scenario``, or ``None`` if it has not finished."""
        file = self._file(scenario)
        try:
            return json.loads(file.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:  # not written by put(); treat as unfinished
            log.warning("ignoring unreadable record %s: %s", file, e)
            return None

    def ids(self) -> Iterator[str]:
        """The ids of the finished scenarios."""
        for p in self.path.glob("*.json"):
            if _ID.match(p.stem):
                yield p.stem

    def _remove_stale_tmp(self) -> None:
        now = time.time()
        for p in self.path.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > _STALE_TMP_S:
                    p.unlink()
