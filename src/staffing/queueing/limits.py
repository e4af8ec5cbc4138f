"""Size limits of the queueing formulas and the input checks that enforce them.

Every check raises ``ValueError`` naming the argument, the position of its first bad element
and the value; ``NaN`` passes where it means *missing* (see :mod:`staffing.queueing`). The
inputs' container (scalar, array or Series) is remembered so that every function returns its
result in the same kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MAX_AHT_SECONDS",
    "MAX_CONCURRENCY",
    "MAX_COUNT",
    "MAX_INTERVAL_MINUTES",
    "MAX_LOAD_ERLANGS",
    "MAX_PATIENCE_ARRIVALS",
    "MAX_PATIENCE_SECONDS",
    "MIN_INTERVAL_MINUTES",
]

# --------------------------------------------------------------------------------------------
# Limits: sizes beyond these are refused up front (ValueError naming the argument).
# --------------------------------------------------------------------------------------------

#: Largest offered load [Erlang] (one million agents busy at once). Erlang C is answered in
#: milliseconds up to it, Erlang A in well under a second at ordinary patience.
MAX_LOAD_ERLANGS = 1e6
#: Largest count per interval [contacts, agents or items]: ``calls``, ``agents``,
#: ``min_agents``, ``initial_backlog``.
MAX_COUNT = 1e9
#: Longest average handle time [s] (one day).
MAX_AHT_SECONDS = 86_400.0
#: Longest mean patience [s] (one day).
MAX_PATIENCE_SECONDS = 86_400.0
#: Shortest interval [min].
MIN_INTERVAL_MINUTES = 1.0
#: Longest interval [min] (one day).
MAX_INTERVAL_MINUTES = 1_440.0
#: Most contacts one agent handles at once [contacts].
MAX_CONCURRENCY = 100
#: Erlang A: most arrivals during one mean patience, ``load * patience_seconds / aht_seconds``
#: [contacts]. The work of the Erlang A sums grows with its square root; beyond it (a load near
#: the maximum with patience a thousand times the handle time) hardly anyone abandons short of
#: overload, and Erlang C (no ``patience_seconds``) is the model to use.
MAX_PATIENCE_ARRIVALS = 1e9


# --------------------------------------------------------------------------------------------
# Containers: scalars, arrays and Series in; the same kind out.
# --------------------------------------------------------------------------------------------


class _Shape:
    """Remember how the inputs came in, to return the result in the same kind of container."""

    def __init__(self, *values: Any) -> None:
        self.index = None
        self.name = None
        self.scalar = True
        for value in values:
            if isinstance(value, pd.Series):
                if self.index is None:
                    self.index = value.index
                self.scalar = False
            elif np.ndim(value) > 0:
                self.scalar = False

    def wrap(self, result: np.ndarray) -> Any:
        if self.index is not None:
            return pd.Series(np.asarray(result).reshape(len(self.index)), index=self.index)
        if self.scalar:
            value = np.asarray(result).reshape(())
            return value.item()
        return np.asarray(result)


def _floats(name: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, got {value!r}") from err
    return array


def _check(name: str, array: np.ndarray, bad: np.ndarray, expected: str) -> None:
    """Raise naming the argument, the position of its first bad element and its value."""
    if not np.any(bad):
        return
    bad = np.asarray(bad)
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    value = float(np.broadcast_to(array, bad.shape)[position])
    where = "" if bad.ndim == 0 or bad.size == 1 else f"[{', '.join(map(str, position))}]"
    raise ValueError(f"{name}{where} must be {expected}, got {value!r}")


def _limit(maximum: float | None) -> str:
    return "finite" if maximum is None else f"at most {maximum:g}"


def _nonnegative(name: str, value: Any, maximum: float | None = None) -> np.ndarray:
    """Values >= 0 (NaN passes: it means missing and gives NaN out)."""
    array = _floats(name, value)
    top = np.inf if maximum is None else maximum
    _check(
        name, array, (array < 0) | (array > top) | np.isinf(array), f">= 0 and {_limit(maximum)}"
    )
    return array


def _positive(name: str, value: Any, maximum: float | None = None) -> np.ndarray:
    """Values > 0 (NaN passes)."""
    array = _floats(name, value)
    top = np.inf if maximum is None else maximum
    _check(
        name, array, (array <= 0) | (array > top) | np.isinf(array), f"> 0 and {_limit(maximum)}"
    )
    return array


def _integers(
    name: str, value: Any, minimum: int, maximum: float = MAX_COUNT, nan: bool = True
) -> np.ndarray:
    """Whole numbers in ``[minimum, maximum]``; NaN passes only with ``nan=True``."""
    array = _floats(name, value)
    missing = np.isnan(array)
    bad = ~missing & ((array < minimum) | (array > maximum) | (array != np.floor(array)))
    expected = f"a whole number from {minimum} to {maximum:g}"
    _check(name, array, bad | (missing & (not nan)), expected)
    return array


def _fraction_open(name: str, value: Any) -> float:
    if not (isinstance(value, int | float) and 0 < value < 1):
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value!r}")
    return float(value)


def _shrinkage(value: Any) -> np.ndarray:
    array = _floats("shrinkage", value)
    _check("shrinkage", array, ~((array >= 0) & (array < 1)), "a fraction in [0, 1)")
    return array


def _interval(value: Any) -> np.ndarray:
    array = _floats("interval_minutes", value)
    inside = (array >= MIN_INTERVAL_MINUTES) & (array <= MAX_INTERVAL_MINUTES)
    expected = f"from {MIN_INTERVAL_MINUTES:g} to {MAX_INTERVAL_MINUTES:g} [min]"
    _check("interval_minutes", array, ~inside, expected)
    return array


def _aht(value: Any) -> np.ndarray:
    return _positive("aht_seconds", value, MAX_AHT_SECONDS)


def _calls(value: Any) -> np.ndarray:
    return _nonnegative("calls", value, MAX_COUNT)


def _patience(value: Any) -> np.ndarray | None:
    return None if value is None else _positive("patience_seconds", value, MAX_PATIENCE_SECONDS)


def _concurrency(value: Any) -> np.ndarray:
    return _integers("concurrency", value, 1, MAX_CONCURRENCY, nan=False)


def _check_load(load: np.ndarray, what: str) -> None:
    _check(
        "load",
        load,
        load > MAX_LOAD_ERLANGS,
        f"at most {MAX_LOAD_ERLANGS:g} Erlang ({what})",
    )


def _check_patience_arrivals(load: np.ndarray, ratio: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        arrivals = load * ratio
    expected = (
        f"at most {MAX_PATIENCE_ARRIVALS:g} for Erlang A (arrivals during one mean patience); "
        "with patience this long against the handle time, use Erlang C (no patience_seconds)"
    )
    _check(
        "load * patience_seconds / aht_seconds",
        arrivals,
        arrivals > MAX_PATIENCE_ARRIVALS,
        expected,
    )
