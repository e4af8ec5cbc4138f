"""Public holidays, holiday eves and user-declared events as regression features.

The holiday dates come from the centre's :class:`staffing.calendar.Calendar` (its country's
public holidays and its ``extra_holidays``), the one calendar that the forecast, the
requirements, the example generator and the report share.

Examples
--------
>>> import pandas as pd
>>> from staffing.calendar import Calendar
>>> from staffing.forecast.events import CalendarFeatures, Event
>>> features = CalendarFeatures(Calendar(country="GB", subdiv="ENG"))
>>> index = pd.date_range("2025-12-24 10:00", periods=3, freq="D")
>>> features.holiday(index).tolist()
[False, True, True]
>>> sale = Event("sale", "2025-11-28", "2025-11-29", multiplier=1.5)
>>> float(CalendarFeatures(events=[sale]).offset(pd.DatetimeIndex(["2025-11-28 09:00"]))[0])
0.405...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from staffing.calendar import Calendar
from staffing.errors import ConfigError
from staffing.forecast._grid import check_zone

__all__ = ["CalendarFeatures", "Event"]

#: Local clock hour that splits a holiday eve into a morning and an afternoon effect [hours].
EVE_SPLIT_HOUR = 12


@dataclass(frozen=True)
class Event:
    """A dated event with its own effect on volume: a promotion, a launch or an outage.

    Parameters
    ----------
    name : str
        Name of the event; events sharing a name share one estimated effect.
    start, end : str or pandas.Timestamp
        First instant and end (exclusive) of the event in local wall-clock time of the
        history's zone (a tz-aware value is converted to that zone).
    kind : {"effect", "outage"}
        ``"effect"`` multiplies volume; ``"outage"`` marks intervals whose recorded volume is
        not demand (they are left out of fitting, like gaps).
    multiplier : float, optional
        Known multiplicative effect on volume [fraction, 1 = none]. Without it the effect is
        estimated by the count regression from the event's occurrences in the history, and an
        event that falls in the forecast horizon but never in the observed history makes
        :meth:`~staffing.forecast.Forecaster.predict` raise a ConfigError asking for one.

    Raises
    ------
    staffing.errors.ConfigError
        An unreadable bound, an end not after the start, one bound with a UTC offset and the
        other without, or a multiplier that is not a finite number > 0 (names the event).

    Examples
    --------
    >>> Event("launch", "2025-06-02", "2025-06-05", multiplier=1.3).multiplier
    1.3
    """

    name: str
    start: Any
    end: Any
    kind: Literal["effect", "outage"] = "effect"
    multiplier: float | None = None

    def __post_init__(self) -> None:
        label = f"events: {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"events: name must be a non-empty string, got {self.name!r}")
        if self.kind not in ("effect", "outage"):
            raise ConfigError(f"{label}: kind must be 'effect' or 'outage', got {self.kind!r}")
        if self.multiplier is not None:
            _check_multiplier(self.multiplier, label)
        start, end = _stamp(self.start, f"{label}: start"), _stamp(self.end, f"{label}: end")
        if (start.tz is None) != (end.tz is None):
            raise ConfigError(
                f"{label}: start {self.start!r} and end {self.end!r} mix a UTC offset with a "
                "local time without one; give both with an offset or both as local wall-clock "
                "times of the history's zone"
            )
        if end <= start:
            raise ConfigError(
                f"{label}: end {self.end!r} must be after start {self.start!r} (end is exclusive)"
            )

    def active(self, local: pd.DatetimeIndex, tz: str | None = None) -> np.ndarray:
        """Whether each naive local wall-clock time (of zone ``tz``) falls in ``[start, end)``."""
        start, end = _naive(self.start, tz), _naive(self.end, tz)
        return np.asarray((local >= start) & (local < end))


def _check_multiplier(value: Any, label: str) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and number > 0):
        raise ConfigError(
            f"{label}: multiplier must be a finite number > 0 (1 = no effect), got {value!r}"
        )


def _stamp(value: Any, label: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise ConfigError(
            f"{label}: expected a date or timestamp, got {value!r} ({err})"
        ) from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise ConfigError(f"{label}: expected a date or timestamp, got {value!r}")
    return stamp


def _naive(value: Any, tz: str | None = None) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tz is not None:
        stamp = stamp.tz_convert(tz).tz_localize(None) if tz else stamp.tz_localize(None)
    return stamp


def as_events(events: Iterable[Event | Mapping[str, Any]] | None) -> tuple[Event, ...]:
    """Accept events as :class:`Event` objects or as dicts of its fields."""
    if events is None:
        return ()
    if isinstance(events, Event | Mapping | str):
        raise ConfigError("events: expected a list of events, got a single one")
    result = []
    for item in events:
        if isinstance(item, Event):
            result.append(item)
        elif isinstance(item, Mapping):
            unknown = set(item) - {"name", "start", "end", "kind", "multiplier"}
            if unknown:
                raise ConfigError(f"events: unknown field(s) {sorted(unknown)} in {dict(item)}")
            missing = [key for key in ("name", "start", "end") if key not in item]
            if missing:
                raise ConfigError(f"events: missing field(s) {missing} in {dict(item)}")
            result.append(Event(**item))
        else:
            raise ConfigError(f"events: expected Event or dict, got {type(item).__name__}")
    return tuple(result)


class CalendarFeatures:
    """Holiday, eve and event features on naive local wall-clock times.

    Parameters
    ----------
    calendar : staffing.calendar.Calendar, optional
        The centre's calendar: its holidays (public ones of its country and its
        ``extra_holidays``) give the holiday and eve features. ``None`` for no holidays.
    events : iterable of Event or dict, optional
        User-declared events.
    tz : str, optional
        Zone of the local times; tz-aware event bounds are converted to it.
    """

    def __init__(
        self,
        calendar: Calendar | None = None,
        events: Iterable[Event | Mapping[str, Any]] | None = None,
        tz: str | None = None,
    ) -> None:
        self.tz = check_zone(tz, "tz")
        self.calendar = Calendar() if calendar is None else calendar
        self.events = as_events(events)

    def holiday(self, local: pd.DatetimeIndex) -> np.ndarray:
        """Whether each local time falls on a holiday of the calendar."""
        return self.calendar.is_holiday(local)

    def eve(self, local: pd.DatetimeIndex) -> np.ndarray:
        """Whether each local time falls on the day before a holiday (not itself a holiday)."""
        return self.calendar.is_eve(local)

    def features(self, local: pd.DatetimeIndex) -> pd.DataFrame:
        """0/1 columns: holiday, eve morning, eve afternoon, one per estimated event name."""
        eve = self.eve(local)
        afternoon = np.asarray(local.hour >= EVE_SPLIT_HOUR)
        columns = {
            "holiday": self.holiday(local),
            "eve_morning": eve & ~afternoon,
            "eve_afternoon": eve & afternoon,
        }
        for event in self.events:
            if event.kind == "effect" and event.multiplier is None:
                key = f"event:{event.name}"
                columns[key] = columns.get(key, False) | event.active(local, self.tz)
        return pd.DataFrame(columns).astype(float)

    def offset(self, local: pd.DatetimeIndex) -> np.ndarray:
        """Sum of the log multipliers of the events with a known effect [log units]."""
        total = np.zeros(len(local))
        for event in self.events:
            if event.kind == "effect" and event.multiplier is not None:
                total += np.log(event.multiplier) * event.active(local, self.tz)
        return total

    def excluded(self, local: pd.DatetimeIndex) -> np.ndarray:
        """Whether each local time falls in an outage (its volume is not demand)."""
        mask = np.zeros(len(local), dtype=bool)
        for event in self.events:
            if event.kind == "outage":
                mask |= event.active(local, self.tz)
        return mask
