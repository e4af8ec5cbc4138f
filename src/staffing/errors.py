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

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "NotFittedError",
    "SolverError",
    "StaffingError",
    "config_error_from_validation",
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


#: Most problems one configuration error lists before "and N more".
MAX_LISTED_PROBLEMS = 5


def config_error_from_validation(
    err: ValidationError, source_name: str | None = None
) -> ConfigError:
    """Turn a pydantic ``ValidationError`` into one :class:`ConfigError` naming every key.

    Unknown keys are listed first, with the closest known key when one is near (a typo such as
    ``aht_second`` is reported as unknown, not only as the missing ``aht_seconds``); then the
    other problems, up to :data:`MAX_LISTED_PROBLEMS`.

    Parameters
    ----------
    err : pydantic.ValidationError
        The error raised while validating a configuration.
    source_name : str, optional
        File or argument name put in front of the message (e.g. ``"plan.toml"``).

    Returns
    -------
    ConfigError
        Message ``"<source>: <key.path[i].key>: <problem>, got <value>; <next problem>"``.

    Examples
    --------
    >>> from pydantic import BaseModel, ConfigDict, ValidationError
    >>> class Channel(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     aht_seconds: float
    >>> try:
    ...     Channel.model_validate({"aht_second": 180})
    ... except ValidationError as err:
    ...     print(config_error_from_validation(err, "plan.toml"))
    plan.toml: aht_second: unknown key (did you mean 'aht_seconds'?); aht_seconds: missing \
required key
    """
    items = err.errors(include_url=False)
    items.sort(key=lambda item: item["type"] != "extra_forbidden")
    missing = {_key_path(item["loc"]) for item in items if item["type"] == "missing"}
    problems = [_describe_problem(item, missing) for item in items]
    message = "; ".join(problems[:MAX_LISTED_PROBLEMS])
    rest = len(problems) - MAX_LISTED_PROBLEMS
    if rest > 0:
        message += f" (and {rest} more problem{'s' if rest > 1 else ''})"
    if source_name:
        message = f"{source_name}: {message}"
    return ConfigError(message)


def _describe_problem(item: Mapping[str, Any], missing: set[str]) -> str:
    path = _key_path(item["loc"])
    text = str(item["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if item["type"] == "extra_forbidden":
        text = "unknown key" + _near_key(path, missing)
    elif item["type"] == "missing":
        text = "missing required key"
    elif "got " not in text and not isinstance(item.get("input"), dict | list | tuple):
        text += f", got {item.get('input')!r}"
    return f"{path}: {text}" if path else text


def _near_key(path: str, missing: set[str]) -> str:
    """`` (did you mean 'x'?)`` when a missing key of the same table is close to ``path``."""
    head, _, name = path.rpartition(".")
    siblings = [m.rpartition(".")[2] for m in missing if m.rpartition(".")[0] == head]
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _key_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and "[" in part:
            continue  # a pydantic validator tag, not a key
        else:
            path += f".{part}" if path else str(part)
    return path
