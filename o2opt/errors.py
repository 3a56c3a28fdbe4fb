"""Exception classes and the :class:`Problem` record that input validation collects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InputError", "O2optError", "OutputError", "PlausibilityWarning", "Problem",
           "SolverError"]


#: Sources whose ``column`` is a key of ``[model]`` or of the solver options.
_KEY_SOURCES = ("model", "Scenario.replace", "solver options")


class O2optError(Exception):
    """Base class of every error o2opt raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows.

    Parameters
    ----------
    source : str
        The file or table, e.g. ``"hospitals.csv"`` or ``"scenario.toml"``.
    column : str or None
        The column (or TOML key) at fault, if any.
    row : str or None
        Where in the table: ``"line 4 (id H3)"`` for a CSV row, ``"id H3"`` for an
        in-memory table.
    message : str
        What is wrong, in words a planner understands.

    Examples
    --------
    >>> str(Problem("hospitals.csv", "demand_m3_day", "line 3 (id H2)", "must be >= 0, got -5"))
    'hospitals.csv, column demand_m3_day, line 3 (id H2): must be >= 0, got -5'
    """

    source: str
    column: str | None
    row: str | None
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.column:
            is_key = self.source.endswith(".toml") or self.source in _KEY_SOURCES
            kind = "option" if self.column.startswith("--") else "key" if is_key else "column"
            where.append(f"{kind} {self.column}")
        if self.row:
            where.append(self.row)
        return f"{', '.join(where)}: {self.message}"


class InputError(O2optError, ValueError):
    """The input is invalid; :attr:`problems` lists every problem found, not only the first.

    Examples
    --------
    >>> err = InputError([Problem("stations.csv", "id", "line 2", "is empty")])
    >>> err.problems[0].column
    'id'
    >>> print(err)
    1 problem in the input:
      - stations.csv, column id, line 2: is empty
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the input:\n{lines}")


class SolverError(O2optError, RuntimeError):
    """The solver could not be run (not installed, crashed, or an unknown name)."""


class OutputError(O2optError, OSError):
    """A result folder cannot be written without destroying something the user made."""


class PlausibilityWarning(UserWarning):
    """Valid input that is probably wrong (a point far from the others, swapped coordinates,
    a capacity in the wrong unit): see :mod:`o2opt.plausibility`."""
