"""A one-line progress display for long solves (``optimize(net, progress=True)``).

The line is rewritten in place on standard error (``\\r``), which terminals and Jupyter
notebooks both show as one updating line; it ends with a newline when the solve is done.
By default (``progress=None``) it is on only when someone is watching: standard error is a
terminal, or the code runs in a Jupyter kernel. Scripts, services and CI logs stay quiet
(the same steps are logged at INFO level on the ``o2opt`` logger).

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> line = ProgressLine(out, min_interval_s=0)
>>> line.stage("solving")
>>> line.update(3, 4)
>>> line.close()
>>> out.getvalue().split("\\r")[-1].startswith("o2opt: solving: 3/4 day blocks")
True
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["ProgressLine", "interactive", "progress_line"]


def interactive() -> bool:
    """True when standard error is a terminal or the code runs in a Jupyter kernel."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stream
        pass
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class ProgressLine:
    """Stage name, blocks solved (of how many, once known) and elapsed seconds, on one line.

    Thread-safe: the day blocks of a decomposed solve report from worker threads. Redraws
    at most every ``min_interval_s`` seconds, except at the start and end of a stage.
    """

    def __init__(self, stream: TextIO | None = None, *, min_interval_s: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._start = time.perf_counter()
        self._label = ""
        self._done = 0
        self._total: int | None = None
        self._drawn = -float("inf")
        self._width = 0

    def stage(self, label: str) -> None:
        """Start a stage (a solver run): its counts start from zero."""
        with self._lock:
            self._label, self._done, self._total = label, 0, None
            self._draw(force=True)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` blocks of the stage solved, of ``total`` (None: not known yet)."""
        with self._lock:
            self._done = max(self._done, done)
            self._total = total if total is not None else self._total
            self._draw(force=total is not None and done >= total)

    def close(self) -> None:
        """End the line."""
        with self._lock:
            self._draw(force=True)
            self._write("\n")

    def _draw(self, force: bool) -> None:
        now = time.perf_counter()
        if not force and now - self._drawn < self.min_interval_s:
            return
        self._drawn = now
        if self._total:
            share = 100 * self._done / self._total
            count = f": {self._done}/{self._total} day blocks ({share:.0f} %)"
        elif self._done:
            count = f": {self._done} day blocks"
        else:
            count = ""
        text = f"o2opt: {self._label}{count}, {now - self._start:.1f} s"
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self._write("\r" + text + " " * pad)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed stream: progress is never worth a failure
            pass


def progress_line(progress: bool | None) -> ProgressLine | None:
    """The display for ``optimize(progress=...)``: ``None`` means :func:`interactive`."""
    on = interactive() if progress is None else bool(progress)
    return ProgressLine() if on else None
