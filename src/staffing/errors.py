"""Exceptions raised by :mod:`staffing`.

Every error the library raises on purpose derives from :class:`StaffingError`, so a caller can
catch them all at once. Each class carries the exit status the command-line interface uses for
it: ``1`` for bad data or a plan that cannot be met, ``2`` for a usage or configuration error.

Examples
--------
>>> from staffing.errors import DataError
>>> try:
...     raise DataError("history.csv: column 'count', row 7: expected a number, got 'abc'")
... except ValueError as err:  # data errors are also ValueErrors
...     print(err)
history.csv: column 'count', row 7: expected a number, got 'abc'
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "NotFittedError",
    "SolverError",
    "StaffingError",
]


class StaffingError(Exception):
    """Base class of every error :mod:`staffing` raises on purpose."""

    #: Exit status of the ``staffing`` command for this error.
    exit_code: int = 1


class DataError(StaffingError, ValueError):
    """Input data is unreadable or invalid (names the file, column and first bad row)."""

    exit_code = 1


class ConfigError(StaffingError, ValueError):
    """A configuration key or parameter is unknown or out of range (names the key)."""

    exit_code = 2


class InfeasibleError(StaffingError):
    """The requested plan cannot be met: the message names the intervals or rules in conflict."""

    exit_code = 1


class SolverError(StaffingError):
    """The optimisation solver failed, or stopped without any feasible solution."""

    exit_code = 1


class NotFittedError(StaffingError, AttributeError):
    """A model was asked to predict before :meth:`fit` was called."""

    exit_code = 1
