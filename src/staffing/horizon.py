"""The plan's horizon: which days a plan covers, decided once from the history and the config.

A plan starts at local midnight of a configured weekday (``forecast.first_day``, default
Monday) or date (``forecast.start_date``) after the history, not wherever the history happens
to end, and lasts ``forecast.horizon_days`` local calendar days.

Examples
--------
>>> import pandas as pd
>>> from staffing.config import PlanConfig
>>> from staffing.datasets import load_example_config
>>> config = PlanConfig.from_toml(load_example_config())
>>> stamps = pd.date_range("2025-06-02", "2025-06-20 23:00", freq="h", tz="Europe/London")
>>> history = pd.DataFrame({"interval_start": stamps, "queue": "phone", "volume": 5.0})
>>> plan_horizon(history, config)[0].day_name()
'Monday'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from staffing.errors import ConfigError, DataError

if TYPE_CHECKING:
    from staffing.config import PlanConfig

__all__ = ["forecast_days", "history_end", "local_days", "plan_horizon"]


def plan_horizon(history: pd.DataFrame, config: PlanConfig) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first instant of the plan and the instant it ends (exclusive), after the history.

    The plan starts at local midnight (``history.tz``) of the first ``forecast.first_day``
    after the last local date the history covers (a last day that ends before midnight is
    partial and is not planned), or of ``forecast.start_date``, or right after the last
    interval with ``first_day = "next"``. It lasts ``forecast.horizon_days`` local calendar
    days (23- or 25-hour days at a summer-time change).

    Parameters
    ----------
    history : pandas.DataFrame
        Tidy history with tz-aware ``interval_start`` (the start of each interval).
    config : PlanConfig
        The plan configuration (``[history]`` zone and interval [minutes], ``[forecast]``).

    Returns
    -------
    start, end : pandas.Timestamp
        tz-aware, in the history's zone; the plan covers ``start <= interval_start < end``.

    Raises
    ------
    staffing.errors.ConfigError
        A ``forecast.start_date`` on or before the last date of the history or more than 366
        days after it, or a plan ending more than 366 days after the history (the forecast's
        reach), naming the key and the dates.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> stamps = pd.date_range("2025-06-02", "2025-06-20 23:00", freq="h", tz="Europe/London")
    >>> history = pd.DataFrame({"interval_start": stamps, "queue": "phone", "volume": 5.0})
    >>> start, end = plan_horizon(history, config)  # the history ends on a Friday
    >>> print(f"{start:%a %Y-%m-%d %H:%M} to {end:%a %Y-%m-%d %H:%M}")
    Mon 2025-06-23 00:00 to Mon 2025-06-30 00:00
    """
    from staffing.calendar import DAY_NAMES
    from staffing.forecast._grid import horizon_end

    settings = config.forecast
    after = history_end(history, config)
    # the last local date the history covers, fully or in part: a partial day is not planned
    last_date = (after.tz_localize(None) - pd.Timedelta(1, unit="ns")).normalize()
    if settings.start_date is not None:
        first = _checked_start_date(pd.Timestamp(settings.start_date), last_date)
    elif settings.first_day == "next":
        first = None
    else:
        candidate = last_date + pd.Timedelta(1, unit="D")
        ahead = (DAY_NAMES.index(settings.first_day) - candidate.weekday()) % 7
        first = candidate + pd.Timedelta(ahead, unit="D")
    if first is None:
        start = after
    else:
        start = first.tz_localize(after.tz, ambiguous=True, nonexistent="shift_forward")
    end = horizon_end(start, settings.horizon_days, "forecast.horizon_days")
    forecast_days(history, config, end)
    return start, end


def history_end(history: pd.DataFrame, config: PlanConfig, earliest: bool = False) -> pd.Timestamp:
    """End of the history's last interval (of the queue ending first), in the plan's zone.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> stamps = pd.date_range("2025-06-02", periods=3, freq="h", tz="Europe/London")
    >>> str(history_end(pd.DataFrame({"interval_start": stamps}), config))
    '2025-06-02 03:00:00+01:00'
    """
    stamps = history["interval_start"]
    if pd.DatetimeIndex(stamps).tz is None:
        raise DataError(
            "history: column 'interval_start' holds naive timestamps; read the history with "
            "staffing.io.read_history(..., tz=...)"
        )
    queues = earliest and "queue" in history.columns
    last = stamps.groupby(history["queue"]).max().min() if queues else stamps.max()
    step = pd.Timedelta(config.history.interval_minutes, unit="min")
    return (last + step).tz_convert(config.history.tz or last.tz)


def forecast_days(history: pd.DataFrame, config: PlanConfig, end: pd.Timestamp) -> int:
    """Local days every queue's forecast needs to reach ``end`` [days], at most 366.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> stamps = pd.date_range("2025-06-02", periods=24, freq="h", tz="Europe/London")
    >>> history = pd.DataFrame({"interval_start": stamps, "queue": "phone"})
    >>> forecast_days(history, config, pd.Timestamp("2025-06-10", tz="Europe/London"))
    7
    """
    from staffing.forecast._grid import MAX_HORIZON_DAYS

    after = history_end(history, config, earliest=True)
    days = max(1, math.ceil(local_days(after, end)))
    if days > MAX_HORIZON_DAYS:
        key = "start_date" if config.forecast.start_date is not None else "horizon_days"
        raise ConfigError(
            f"forecast.{key}: the plan would end on {end:%Y-%m-%d %H:%M}, {days} days after "
            f"the end of the history ({after:%Y-%m-%d %H:%M}); the forecast reaches at most "
            f"{MAX_HORIZON_DAYS} days: choose an earlier start_date or fewer horizon_days"
        )
    return days


def _checked_start_date(first: pd.Timestamp, last_date: pd.Timestamp) -> pd.Timestamp:
    from staffing.forecast._grid import MAX_HORIZON_DAYS

    days = (first - last_date) / pd.Timedelta(1, unit="D")
    if not 0 < days <= MAX_HORIZON_DAYS:
        raise ConfigError(
            f"forecast.start_date: {first.date()} must be after the last date of the history "
            f"({last_date.date()}) and at most {MAX_HORIZON_DAYS} days after it"
        )
    return first


def local_days(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Local calendar days from ``start`` to ``end`` [days].

    Examples
    --------
    >>> import pandas as pd
    >>> local_days(pd.Timestamp("2024-03-30", tz="Europe/London"),
    ...            pd.Timestamp("2024-04-01", tz="Europe/London"))  # 47 real hours
    2.0
    """
    return (end.tz_localize(None) - start.tz_localize(None)) / pd.Timedelta(1, unit="D")
