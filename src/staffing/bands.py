"""Time bands: the target, opening and shrinkage that apply in each interval of a channel.

A channel's targets (:mod:`staffing.targets`) hold what the planner wrote: a default target, time
bands that override it on some day types and hours, priority tiers. This module decides, once
per queue and interval, which of them applies, on the interval's *local* clock and the day type
of the shared :class:`staffing.calendar.Calendar`, and returns it as plain columns
(:data:`TARGET_COLUMNS`). The requirements carry those columns forward; the simulation, the
summary and the report read them and never go back to the configuration.

Examples
--------
>>> import pandas as pd
>>> from staffing.bands import interval_targets
>>> from staffing.targets import Channel
>>> phone = Channel(aht_seconds=240, target="60/60", bands=[
...     {"name": "day", "days": ["weekday"], "start": "08:00", "end": "20:00",
...      "target": "80/20"}])
>>> stamps = pd.date_range("2025-06-06 19:00", periods=2, freq="h", tz="Europe/London")
>>> table = interval_targets(stamps, phone)
>>> table[["band", "target", "target_service_level", "target_within_seconds"]]
      band       target  target_service_level  target_within_seconds
0      day  80% in 20 s                   0.8                   20.0
1  default  60% in 60 s                   0.6                   60.0
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from staffing.calendar import DAY_NAMES, Calendar
from staffing.targets import Band, Channel, Target

__all__ = [
    "TARGET_COLUMNS",
    "BandChoice",
    "choose_bands",
    "interval_targets",
    "target_columns",
    "tier_targets",
]

#: Per-interval target columns of the requirements, read by the simulation, summary and report:
#: the band that applies (``"default"`` outside every band), its day type, whether the queue is
#: open, the target as text, and its parts (NaN where the target's form has none): service level
#: [fraction] within a threshold [s], average speed of answer [s], caps on abandonment and
#: occupancy [fraction], and the response time of deferred work [s].
TARGET_COLUMNS = [
    "band",
    "day_type",
    "open",
    "target",
    "target_service_level",
    "target_within_seconds",
    "target_asa_seconds",
    "target_max_abandonment",
    "target_max_occupancy",
    "target_response_seconds",
]


def _day_match(days: tuple[str, ...], dow: np.ndarray, holiday: np.ndarray, weekend: np.ndarray):
    match = np.zeros(len(dow), dtype=bool)
    ordinary = ~holiday
    for day in days:
        if day == "all":
            match |= True
        elif day == "holiday":
            match |= holiday
        elif day == "weekday":
            match |= ordinary & ~weekend
        elif day == "weekend":
            match |= ordinary & weekend
        else:
            match |= ordinary & (dow == DAY_NAMES.index(day))
    return match


def _resolve_bands(stamps: pd.DatetimeIndex, bands: tuple[Band, ...], calendar: Calendar, holiday):
    """Index of the first matching band per interval (-1 for none), on the local wall clock."""
    chosen = np.full(len(stamps), -1)
    if not bands:
        return chosen
    minute = np.asarray(stamps.hour * 60 + stamps.minute)
    dow = np.asarray(stamps.day_of_week)
    weekend = np.isin(dow, [DAY_NAMES.index(day) for day in calendar.weekend])
    # Holidays are their own day type only for channels that mention them.
    holiday = holiday & any("holiday" in band.days for band in bands)
    for number, band in enumerate(bands):
        hit = (minute >= band.start_minute) & (minute < band.end_minute)
        hit &= _day_match(band.days, dow, holiday, weekend) & (chosen == -1)
        chosen[hit] = number
    return chosen


class BandChoice(NamedTuple):
    """The band of each interval of one channel (see :func:`choose_bands`).

    Attributes
    ----------
    index : numpy.ndarray
        Position of the band in ``channel.bands`` (-1 outside every band).
    label : numpy.ndarray
        Band name, ``"bands[i]"`` for an unnamed band, ``"default"`` outside every band.
    day_type : numpy.ndarray
        ``"weekday"``, ``"weekend"`` or ``"holiday"`` of the interval's local date.
    open : numpy.ndarray
        False in closed bands.
    shrinkage : numpy.ndarray
        The band's shrinkage, else the channel's [fraction].
    """

    index: np.ndarray
    label: np.ndarray
    day_type: np.ndarray
    open: np.ndarray
    shrinkage: np.ndarray


def choose_bands(stamps: Any, channel: Channel, calendar: Calendar | None = None) -> BandChoice:
    """Decide the band, day type, opening and shrinkage of every interval of a channel.

    An interval belongs to the first band (in the order written) whose days include the day
    type or day name of its *local* date and whose clock range holds its local start time.
    Holidays are their own day type only for channels with a band that names ``"holiday"``;
    elsewhere a holiday counts as the weekday or weekend day it falls on.

    Parameters
    ----------
    stamps : DatetimeIndex or Series
        Interval starts, tz-aware in the centre's zone (or naive local times).
    channel : Channel
        The channel with its bands.
    calendar : Calendar, optional
        Weekend days and holidays (default: Saturday and Sunday, no holidays).

    Returns
    -------
    BandChoice

    Examples
    --------
    >>> import pandas as pd
    >>> phone = Channel(aht_seconds=180, target="80/20", bands=[
    ...     {"days": ["weekend"], "closed": True}])
    >>> stamps = pd.date_range("2025-06-06 12:00", periods=2, freq="D", tz="Europe/London")
    >>> choose_bands(stamps, phone).label.tolist()  # Friday, Saturday
    ['default', 'bands[0]']
    """
    calendar = calendar or Calendar()
    local = pd.DatetimeIndex(stamps)
    holiday = calendar.is_holiday(local)
    day_type = calendar.day_types(local)
    index = _resolve_bands(local, channel.bands, calendar, holiday)
    bands = channel.bands
    labels = [band.name or f"bands[{i}]" for i, band in enumerate(bands)] + ["default"]
    is_open = ~np.array([band.closed for band in bands] + [False])[index]
    own = [channel.shrinkage if band.shrinkage is None else band.shrinkage for band in bands]
    shrinkage = np.array([*own, channel.shrinkage], dtype=float)[index]
    return BandChoice(index, np.array(labels, dtype=object)[index], day_type, is_open, shrinkage)


def tier_targets(channel: Channel, index: np.ndarray) -> list[tuple[str, float, np.ndarray]]:
    """``(tier name, share, target of each interval)`` for every tier of a channel.

    A channel without tiers is one tier ``"all"`` (share 1) whose target is the band's target,
    else the channel's; a tier keeps its own target in every band (bands of a tiered channel
    set only ``closed`` and ``shrinkage``).

    Parameters
    ----------
    channel : Channel
        The channel.
    index : numpy.ndarray
        Band of each interval (:attr:`BandChoice.index`).

    Examples
    --------
    >>> import numpy as np
    >>> phone = Channel(aht_seconds=180, target="60/60", bands=[{"target": "80/20"}])
    >>> [t.describe() for t in tier_targets(phone, np.array([0, -1]))[0][2]]
    ['80% in 20 s', '60% in 60 s']
    """
    if not channel.tiers:
        options = [band.target or channel.target for band in channel.bands] + [channel.target]
        return [("all", 1.0, np.array(options, dtype=object)[index])]
    return [
        (tier.name, tier.share, np.array([tier.target] * len(index), dtype=object))
        for tier in channel.tiers
    ]


def target_columns(targets: Any, channel: Channel) -> dict[str, np.ndarray]:
    """The target parts of each interval as arrays (NaN where a target's form has none).

    Parameters
    ----------
    targets : sequence of Target
        The target of each interval.
    channel : Channel
        Its channel (for the occupancy cap a target does not set itself).

    Returns
    -------
    dict of str to numpy.ndarray
        ``target`` (text) and ``target_service_level`` [fraction], ``target_within_seconds``
        [s], ``target_asa_seconds`` [s], ``target_max_abandonment`` [fraction],
        ``target_max_occupancy`` [fraction], ``target_response_seconds`` [s].

    Examples
    --------
    >>> columns = target_columns([Target(asa_seconds=30)], Channel(aht_seconds=60,
    ...                                                            target="80/20"))
    >>> columns["target_asa_seconds"].tolist(), columns["target_service_level"].tolist()
    ([30.0], [nan])
    """
    unique = {target: _parts(target, channel) for target in set(targets)}
    rows = [unique[target] for target in targets]
    names = ["target", *TARGET_COLUMNS[4:]]
    columns = {
        name: np.array([row[k] for row in rows], dtype=float) for k, name in enumerate(names) if k
    }
    columns["target"] = np.array([row[0] for row in rows], dtype=object)
    return {name: columns[name] for name in names}


def _parts(target: Target, channel: Channel) -> tuple[Any, ...]:
    cap = target.max_occupancy if target.max_occupancy is not None else channel.max_occupancy
    return (
        target.describe(),
        _nan(target.service_level),
        _nan(target.within_seconds),
        _nan(target.asa_seconds),
        _nan(target.max_abandonment),
        _nan(None if target.is_deferred else cap),
        _nan(target.response_seconds),
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def interval_targets(
    stamps: Any, channel: Channel, calendar: Calendar | None = None, tier: str | None = None
) -> pd.DataFrame:
    """The target that applies in each interval of a channel, as :data:`TARGET_COLUMNS`.

    Parameters
    ----------
    stamps : DatetimeIndex or Series
        Interval starts, tz-aware in the centre's zone.
    channel : Channel
        The channel.
    calendar : Calendar, optional
        Weekend days and holidays.
    tier : str, optional
        The tier to describe (required for a channel with tiers).

    Returns
    -------
    pandas.DataFrame
        ``interval_start`` and :data:`TARGET_COLUMNS`, plus ``shrinkage`` [fraction].

    Examples
    --------
    >>> import pandas as pd
    >>> email = Channel(aht_seconds=300, tiers=[
    ...     {"name": "P1", "share": 0.2, "target": {"response_hours": 4}},
    ...     {"name": "P3", "share": 0.8, "target": {"response_hours": 24}}])
    >>> stamps = pd.date_range("2025-06-06 12:00", periods=1, freq="h", tz="Europe/London")
    >>> float(interval_targets(stamps, email, tier="P1")["target_response_seconds"].iloc[0])
    14400.0
    """
    choice = choose_bands(stamps, channel, calendar)
    options = {name: targets for name, _, targets in tier_targets(channel, choice.index)}
    name = tier if tier is not None else "all"
    if name not in options:
        raise ValueError(f"tier: expected one of {sorted(options)}, got {tier!r}")
    return pd.DataFrame(
        {
            "interval_start": pd.DatetimeIndex(stamps),
            "band": choice.label,
            "day_type": choice.day_type,
            "open": choice.open,
            **target_columns(options[name], channel),
            "shrinkage": choice.shrinkage,
        }
    )
