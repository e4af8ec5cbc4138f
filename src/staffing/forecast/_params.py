"""Checks of the Forecaster's settings and of a forecast horizon."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import ConfigError
from staffing.forecast import _grid


def quantile_column(level: float) -> str:
    """Column name of a quantile: ``q`` + the percentage, integer part on two digits.

    Examples
    --------
    >>> [quantile_column(p) for p in (0.1, 0.5, 0.9, 0.05, 0.975, 0.025)]
    ['q10', 'q50', 'q90', 'q05', 'q97.5', 'q02.5']
    """
    percent = round(100.0 * float(level), 6)
    text = f"{percent:g}"
    return f"q0{text}" if percent < 10 else f"q{text}"


def _names(candidates: Any) -> list[str]:
    if isinstance(candidates, str):
        return [candidates]
    try:
        names = list(candidates)
    except TypeError:
        raise ConfigError(
            f"Forecaster(candidates=...): expected a list of model names, got {candidates!r}"
        ) from None
    if not names:
        raise ConfigError("Forecaster(candidates=...): expected at least one model name")
    return names


def _number(value: Any, name: str) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None


def _check_levels(quantiles: Any) -> None:
    name = "Forecaster(quantiles=...)"
    if isinstance(quantiles, str) or not isinstance(quantiles, Iterable):
        raise ConfigError(
            f"{name}: expected a list of probabilities strictly between 0 and 1 "
            f"(e.g. (0.1, 0.5, 0.9)), got {quantiles!r}"
        )
    levels = [_number(p, name) for p in quantiles]
    if not levels or any(not 0.0 < p < 1.0 for p in levels):
        raise ConfigError(
            f"{name}: expected probabilities strictly between 0 and 1 (e.g. 0.1, 0.5, 0.9), "
            f"got {list(quantiles)}"
        )
    if len({quantile_column(p) for p in levels}) != len(levels):
        raise ConfigError(f"{name}: duplicate levels in {list(quantiles)}")


def _horizon_name(horizon_hours: float | None) -> str:
    return (
        "predict(horizon_hours=...)" if horizon_hours is not None else "predict(horizon_days=...)"
    )


def _periods(absolute: pd.Series, horizon_hours: float | None, horizon_days: float | None) -> int:
    """Number of intervals of the horizon, after checking it."""
    step = pd.Timedelta(absolute.index.freq)
    if horizon_hours is not None and horizon_days is not None:
        raise ConfigError("predict: give horizon_hours or horizon_days, not both")
    start = absolute.index[-1] + step
    if horizon_hours is not None:
        hours = _grid.check_horizon(horizon_hours, "predict(horizon_hours=...)", 1 / 24)
        return max(1, int(np.ceil(pd.Timedelta(hours, unit="h") / step)))
    name = "predict(horizon_days=...)"
    days = 14.0 if horizon_days is None else _grid.check_horizon(horizon_days, name, 1.0)
    end = _grid.horizon_end(start, days, name)
    return max(1, int(np.ceil((end - start) / step)))
