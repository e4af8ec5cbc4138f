"""Service targets as planners state them, turned into agents per interval.

A planner states targets per *channel* (queue): "80% of calls answered within 20 seconds in
business hours, 60/60 at night", "chat: 80% within 2 minutes, two chats per agent", "e-mail
answered within 24 hours", priority tiers with their own targets, a deflection share absorbed by
self-service, shrinkage and an occupancy cap. The pydantic models of this module hold those
statements exactly as they are written in the plan's TOML configuration, validate them, and
:func:`requirements` turns a tidy forecast into agents per interval with
:mod:`staffing.queueing`.

Examples
--------
>>> import pandas as pd
>>> from staffing.requirements import Channel, requirements
>>> forecast = pd.DataFrame({
...     "interval_start": pd.date_range("2025-06-02 09:00", periods=2, freq="30min",
...                                     tz="Europe/London"),
...     "queue": "phone", "q50": [100.0, 50.0]})
>>> phone = Channel(aht_seconds=180, target="80/20")
>>> table = requirements(forecast, {"phone": phone}, staff_to="q50")
>>> table[["queue", "volume_staffed", "target", "agents"]]
   queue  volume_staffed         target  agents
0  phone           100.0  80% in 20 s      14
1  phone            50.0  80% in 20 s       8
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from staffing.bands import TARGET_COLUMNS, choose_bands, target_columns, tier_targets
from staffing.calendar import DAY_NAMES, Calendar
from staffing.errors import ConfigError, DataError, InfeasibleError, config_error_from_validation
from staffing.targets import Band, Channel, ServiceTargets, Target, Tier, parse_target
from staffing.timegrid import infer_interval_minutes

# The target models and the calendar moved to staffing.targets and staffing.calendar; they stay
# importable from here for existing code.
__all__ = ["OUTPUT_COLUMNS", "requirements", "total_requirements"]
_MOVED = (DAY_NAMES, Band, Calendar, Channel, ServiceTargets, Target, Tier, parse_target)

#: Columns of :func:`requirements`: the interval, its queue and tier, the target that applies
#: there (:data:`staffing.bands.TARGET_COLUMNS`), volumes, shrinkage, agents and the expected
#: performance at those agents.
OUTPUT_COLUMNS = [
    "interval_start",
    "queue",
    "tier",
    *TARGET_COLUMNS[:3],
    "volume_forecast",
    "volume_staffed",
    *TARGET_COLUMNS[3:],
    "shrinkage",
    "agents",
    "scheduled",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandonment",
]


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------


def requirements(
    forecast: pd.DataFrame,
    channels: ServiceTargets | Mapping[str, Channel | Mapping[str, Any]],
    *,
    staff_to: str | None = None,
    interval_minutes: float | None = None,
    calendar: Calendar | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    weekend: Iterable[str] | None = None,
    extra_holidays: Iterable[date | str] | None = None,
    shrinkage: float | Mapping[str, float] | None = None,
    max_occupancy: float | Mapping[str, float] | None = None,
    deflection: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Agents needed per interval, queue and tier to meet the channels' targets.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Tidy forecast: ``interval_start`` (tz-aware; a column or the index), ``queue`` and the
        column named by ``staff_to`` [contacts per interval]. Bands are resolved on the local
        wall clock of the time stamps, so give them in the centre's time zone.
    channels : ServiceTargets or mapping of str to Channel or dict
        The ``[service]`` settings (:class:`ServiceTargets`: its ``staff_to``, ``calendar`` and
        channels are used), or queue name to its :class:`Channel` (or the dict a TOML table
        gives). Every queue of the forecast needs a channel.
    staff_to : str, optional
        Forecast column to staff to: ``"q50"``, ``"q80"``, ``"q90"``, ... or ``"volume"`` for
        the point forecast. Default: the ``ServiceTargets``' ``staff_to``, else ``"q50"``.
    interval_minutes : float, optional
        Interval length [min]; inferred from the smallest spacing of the time stamps when
        absent.
    calendar : Calendar, optional
        Weekend days and holidays for the bands' day types. Default: the ``ServiceTargets``'
        calendar, else one built from ``country``, ``subdiv``, ``weekend`` and
        ``extra_holidays`` (give either ``calendar`` or those).
    country, subdiv : str, optional
        Public-holiday calendar of the :mod:`holidays` package, e.g. ``"GB"``, ``"ENG"``.
    weekend : iterable of str, optional
        Weekend day names (default ``("sat", "sun")``).
    extra_holidays : iterable of date or str, optional
        Further holiday dates (``YYYY-MM-DD``).
    shrinkage, max_occupancy, deflection : float or mapping of str to float, optional
        What-if overrides [fraction]: when given, they replace the channels' (and bands')
        values, for every queue (a float) or for the queues named (a mapping).

    Returns
    -------
    pandas.DataFrame
        One row per interval, queue and tier (``"all"`` without tiers), columns
        :data:`OUTPUT_COLUMNS`: ``interval_start``, ``queue``, ``tier``, ``band`` (the band
        that applies, ``"default"`` outside every band), ``day_type``, ``open`` (false in
        closed bands), ``volume_forecast`` and ``volume_staffed`` (after the quantile choice,
        deflection and the tier's share) [contacts per interval], the target that applies
        (``target`` as text and its parts ``target_service_level`` [fraction],
        ``target_within_seconds`` [s], ``target_asa_seconds`` [s],
        ``target_max_abandonment`` and ``target_max_occupancy`` [fraction],
        ``target_response_seconds`` [s], NaN where the target has no such part), ``shrinkage``
        [fraction], ``agents`` (productive, on contacts), ``scheduled`` (after shrinkage) and
        the expected ``service_level`` [fraction], ``asa_seconds`` [s], ``occupancy`` and
        ``abandonment`` [fraction] at ``agents``. Performance is NaN where the model defines
        none: closed intervals, and deferred work (sized by its backlog, see
        :func:`staffing.queueing.deferred_agents`).

    Raises
    ------
    staffing.errors.ConfigError
        Invalid channels or calendar (the message names the key), or a queue with no channel.
    staffing.errors.DataError
        Missing columns, naive or duplicated time stamps, negative or missing volumes, or
        volumes beyond the limits of :mod:`staffing.queueing` (the queue and interval named).
    ValueError
        Bad ``staff_to``, ``interval_minutes`` or override values.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-06-06 18:00", periods=4, freq="h", tz="Europe/London")
    >>> forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone",
    ...                          "q50": [300.0, 300.0, 30.0, 30.0]})
    >>> phone = {"aht_seconds": 240, "target": "60/60",
    ...          "bands": [{"days": ["weekday"], "start": "08:00", "end": "20:00",
    ...                     "target": "80/20"}]}
    >>> table = requirements(forecast, {"phone": phone})
    >>> table[["interval_start", "target", "agents", "scheduled"]]
                 interval_start       target  agents  scheduled
    0 2025-06-06 18:00:00+01:00  80% in 20 s      25         25
    1 2025-06-06 19:00:00+01:00  80% in 20 s      25         25
    2 2025-06-06 20:00:00+01:00  60% in 60 s       3          3
    3 2025-06-06 21:00:00+01:00  60% in 60 s       3          3
    """
    config = _validated_channels(channels)
    calendar = _chosen_calendar(channels, calendar, weekend, country, subdiv, extra_holidays)
    if staff_to is None:
        staff_to = channels.staff_to if isinstance(channels, ServiceTargets) else "q50"
    overrides = {
        "shrinkage": _override("shrinkage", shrinkage, upper_open=True),
        "max_occupancy": _override("max_occupancy", max_occupancy, upper_open=False),
        "deflection": _override("deflection", deflection, upper_open=True),
    }
    frame = _tidy_forecast(forecast, staff_to)
    unknown = sorted(set(frame["queue"]) - set(config))
    if unknown:
        raise ConfigError(
            f"channels: no channel for queue {unknown[0]!r} of the forecast "
            f"(channels given: {sorted(config)})"
        )
    minutes = _interval_minutes(frame, interval_minutes)
    parts = []
    for queue, rows in frame.groupby("queue", sort=False):
        pick = {key: _for_queue(value, queue) for key, value in overrides.items()}
        parts += _channel_rows(rows, queue, config[queue], calendar, minutes, pick)
    result = pd.concat(parts, ignore_index=True)
    return result[OUTPUT_COLUMNS]


def total_requirements(frame: pd.DataFrame) -> pd.DataFrame:
    """Scheduled agents summed over queues and tiers per interval (the roster's input).

    Parameters
    ----------
    frame : pandas.DataFrame
        The result of :func:`requirements` (columns ``interval_start`` and ``scheduled``).

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` and ``required`` [agents], sorted by time.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2025-06-02 09:00", tz="Europe/London")
    >>> frame = pd.DataFrame({"interval_start": [t, t], "queue": ["phone", "chat"],
    ...                       "scheduled": [14, 5]})
    >>> total_requirements(frame)
                 interval_start  required
    0 2025-06-02 09:00:00+01:00        19
    """
    missing = [name for name in ("interval_start", "scheduled") if name not in frame.columns]
    if missing:
        raise ValueError(f"frame: missing column {missing[0]!r} (expected requirements output)")
    total = frame.groupby("interval_start", sort=True)["scheduled"].sum()
    return total.rename("required").reset_index()


def _validated_channels(channels: Any) -> dict[str, Channel]:
    if isinstance(channels, ServiceTargets):
        return dict(channels.channels)
    if not isinstance(channels, Mapping):
        raise ConfigError(
            f"channels: expected a mapping of queue name to channel, got {channels!r}"
        )
    try:
        return dict(ServiceTargets.model_validate({"channels": dict(channels)}).channels)
    except ValidationError as err:
        raise config_error_from_validation(err) from None


def _chosen_calendar(channels, calendar, weekend, country, subdiv, extra_holidays) -> Calendar:
    pieces = {
        "weekend": weekend,
        "country": country,
        "subdiv": subdiv,
        "extra_holidays": extra_holidays,
    }
    given = {key: value for key, value in pieces.items() if value is not None}
    if calendar is not None and given:
        raise ValueError(f"give either calendar or {', '.join(given)}, not both")
    if calendar is not None:
        if not isinstance(calendar, Calendar):
            raise ConfigError(f"calendar: expected a staffing.calendar.Calendar, got {calendar!r}")
        return calendar
    if not given and isinstance(channels, ServiceTargets):
        return channels.calendar
    data = {key: list(v) if key == "extra_holidays" else v for key, v in given.items()}
    if isinstance(data.get("weekend"), Iterable) and not isinstance(data["weekend"], str):
        data["weekend"] = list(data["weekend"])
    try:
        return Calendar.model_validate(data)
    except ValidationError as err:
        raise config_error_from_validation(err) from None


def _override(name: str, value: Any, *, upper_open: bool) -> float | dict[str, float] | None:
    if value is None:
        return None
    items = value.items() if isinstance(value, Mapping) else [(None, value)]
    checked = {}
    for queue, number in items:
        label = name if queue is None else f"{name}[{queue!r}]"
        ok = isinstance(number, int | float) and (
            (0.0 <= number < 1.0) if upper_open else (0.0 < number <= 1.0)
        )
        if not ok:
            interval = "0 <= x < 1" if upper_open else "0 < x <= 1"
            raise ValueError(f"{label}: expected a fraction with {interval}, got {number!r}")
        checked[queue] = float(number)
    return checked.get(None, checked)


def _for_queue(value: float | dict[str, float] | None, queue: str) -> float | None:
    if isinstance(value, dict):
        return value.get(queue)
    return value


def _tidy_forecast(forecast: pd.DataFrame, staff_to: str) -> pd.DataFrame:
    if not isinstance(forecast, pd.DataFrame):
        raise DataError(f"forecast: expected a pandas DataFrame, got {type(forecast).__name__}")
    frame = forecast
    if "interval_start" not in frame.columns:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise DataError("forecast: missing column 'interval_start' (a column or the index)")
        frame = frame.rename_axis("interval_start").reset_index()
    for column in ("queue", staff_to):
        if column not in frame.columns:
            if column == staff_to:
                options = [c for c in frame.columns if re.fullmatch(r"q\d+|volume", str(c))]
                raise ValueError(
                    f"staff_to: forecast has no column {staff_to!r} (available: {options})"
                )
            raise DataError(f"forecast: missing column {column!r}")
    stamps = frame["interval_start"]
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise DataError(
            "forecast: column 'interval_start' must hold tz-aware time stamps "
            f"(localise them to the centre's time zone), got dtype {stamps.dtype}"
        )
    volume = pd.to_numeric(frame[staff_to], errors="coerce").astype(float)
    bad = volume.isna() | (volume < 0) | ~np.isfinite(volume)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"forecast: column {staff_to!r}, row {row}: expected a finite volume >= 0, "
            f"got {frame[staff_to].iloc[row]!r}"
        )
    tidy = pd.DataFrame(
        {"interval_start": stamps.to_numpy(), "queue": frame["queue"].astype(str).to_numpy()}
    )
    tidy["interval_start"] = pd.Series(stamps.to_numpy(), dtype=stamps.dtype)
    tidy["volume_forecast"] = volume.to_numpy()
    duplicated = tidy.duplicated(["queue", "interval_start"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(
            f"forecast: row {row}: duplicated interval_start {tidy['interval_start'].iloc[row]} "
            f"for queue {tidy['queue'].iloc[row]!r}"
        )
    return tidy.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _interval_minutes(frame: pd.DataFrame, interval_minutes: float | None) -> float:
    if interval_minutes is not None:
        if not (isinstance(interval_minutes, int | float) and interval_minutes > 0):
            raise ValueError(f"interval_minutes: expected a number > 0, got {interval_minutes!r}")
        return float(interval_minutes)
    return infer_interval_minutes(
        frame["interval_start"], frame["queue"], where="forecast: interval_start"
    )


def _channel_rows(rows, queue, channel, calendar, minutes, pick) -> list[pd.DataFrame]:
    stamps = rows["interval_start"].reset_index(drop=True)
    choice = choose_bands(stamps, channel, calendar)
    is_open, shrink = choice.open, choice.shrinkage
    if pick["shrinkage"] is not None:
        shrink = np.full(len(stamps), pick["shrinkage"])
    deflection = channel.deflection if pick["deflection"] is None else pick["deflection"]
    forecast = rows["volume_forecast"].to_numpy()
    staffed = forecast * (1.0 - deflection)
    _check_sizes(stamps, staffed, channel, minutes, queue)
    where = {"interval_start": stamps, "queue": queue}
    days = {"band": choice.label, "day_type": choice.day_type, "open": is_open}
    if channel.tiers and all(tier.target.is_deferred for tier in channel.tiers):
        numbers = _pooled_deferred(staffed, shrink, is_open, channel, minutes, queue)
        tiers = "+".join(tier.name for tier in channel.tiers)
        volumes = {"volume_forecast": forecast, "volume_staffed": staffed}
        targets = _closed(_pooled_target_columns(channel, len(stamps)), is_open)
        return [pd.DataFrame({**where, "tier": tiers, **days, **volumes, **targets,
                              "shrinkage": shrink, **numbers})]  # fmt: skip
    parts = []
    for name, share, targets in tier_targets(channel, choice.index):
        if pick["max_occupancy"] is not None:
            targets = _with_cap(targets, pick["max_occupancy"])
        calls = staffed * share
        if targets[0].is_deferred:
            numbers = _deferred_block(
                calls, targets, shrink, is_open, channel, minutes, queue, name
            )
        else:
            numbers = _queued_block(calls, targets, shrink, is_open, channel, minutes)
        volumes = {"volume_forecast": forecast * share, "volume_staffed": calls}
        columns = _closed(target_columns(targets, channel), is_open)
        parts.append(pd.DataFrame({**where, "tier": name, **days, **volumes, **columns,
                                   "shrinkage": shrink, **numbers}))  # fmt: skip
    return parts


def _closed(columns: dict[str, np.ndarray], is_open: np.ndarray) -> dict[str, np.ndarray]:
    """No target in closed intervals: ``target`` reads "closed", its parts are NaN."""
    out = {name: values.copy() for name, values in columns.items()}
    for name, values in out.items():
        values[~is_open] = "closed" if name == "target" else np.nan
    return out


def _pooled_target_columns(channel: Channel, size: int) -> dict[str, Any]:
    """Target columns of deferred tiers worked as one team: the strictest response time."""
    columns = target_columns([tier.target for tier in channel.tiers], channel)
    strictest = int(np.argmin(columns["target_response_seconds"]))
    out = {name: np.full(size, values[strictest]) for name, values in columns.items()}
    out["target"] = np.full(
        size, "; ".join(f"{t.name} {t.target.describe()}" for t in channel.tiers), dtype=object
    )
    return out


def _check_sizes(stamps, staffed, channel, minutes, queue) -> None:
    """Refuse, naming the queue and interval, a forecast beyond the queueing limits."""
    from staffing import queueing

    load = staffed * channel.aht_seconds / (60.0 * minutes)
    checks = [
        (staffed > queueing.MAX_COUNT, f"{queueing.MAX_COUNT:g} contacts per interval"),
        (load > queueing.MAX_LOAD_ERLANGS, f"a load of {queueing.MAX_LOAD_ERLANGS:g} Erlang"),
    ]
    if channel.patience_seconds is not None and channel.kind != "deferred":
        arrivals = load * channel.patience_seconds / channel.aht_seconds
        limit = f"{queueing.MAX_PATIENCE_ARRIVALS:g} arrivals per mean patience (Erlang A)"
        checks.append((arrivals > queueing.MAX_PATIENCE_ARRIVALS, limit))
    for bad, limit in checks:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"forecast: queue {queue!r}, interval {stamps.iloc[row]}: {staffed[row]:g} "
                f"contacts to staff (aht_seconds {channel.aht_seconds:g}, {minutes:g}-minute "
                f"intervals) exceed {limit}"
            )


def _with_cap(targets: np.ndarray, cap: float) -> np.ndarray:
    capped = {t: t.model_copy(update={"max_occupancy": cap}) for t in set(targets)}
    return np.array([capped[t] for t in targets], dtype=object)


def _groups(targets: np.ndarray, shrink: np.ndarray, is_open: np.ndarray):
    """Indices of open intervals grouped by (target, shrinkage)."""
    groups: dict[tuple[Target, float], list[int]] = {}
    for i in np.flatnonzero(is_open):
        groups.setdefault((targets[i], float(shrink[i])), []).append(i)
    return [(key, np.asarray(index)) for key, index in groups.items()]


def _empty_numbers(size: int) -> dict[str, np.ndarray]:
    numbers = {
        "agents": np.zeros(size, dtype=np.int64),
        "scheduled": np.zeros(size, dtype=np.int64),
    }
    for column in ("service_level", "asa_seconds", "occupancy", "abandonment"):
        numbers[column] = np.full(size, np.nan)
    return numbers


def _queue_keywords(target: Target, channel: Channel) -> dict[str, Any]:
    cap = target.max_occupancy if target.max_occupancy is not None else channel.max_occupancy
    return {
        "service_level": target.service_level,
        "target_seconds": target.within_seconds,
        "asa_seconds": target.asa_seconds,
        "max_occupancy": cap,
        "patience_seconds": channel.patience_seconds,
        "concurrency": channel.concurrency,
    }


def _queued_block(calls, targets, shrink, is_open, channel, minutes) -> dict[str, np.ndarray]:
    from staffing import queueing

    numbers = _empty_numbers(len(calls))
    for (target, shrinkage), index in _groups(targets, shrink, is_open):
        keywords = {**_queue_keywords(target, channel), "shrinkage": shrinkage}
        table = queueing.staffing_table(
            calls[index], channel.aht_seconds, interval_minutes=minutes, **keywords
        )
        if target.max_abandonment is not None:
            table = _meet_abandonment(table, calls[index], target, channel, minutes, keywords)
        if target.service_level is not None:
            # no contacts: every (no) contact is answered in time
            table.loc[calls[index] == 0, "service_level"] = 1.0
        for column, values in numbers.items():
            values[index] = table[column].to_numpy()
    return numbers


def _meet_abandonment(table, calls, target, channel, minutes, keywords) -> pd.DataFrame:
    """Re-solve with enough agents that at most ``target.max_abandonment`` abandon.

    Abandonment falls as agents are added: from the answer for the other targets, step up by
    1, 2, 4, ... agents until the cap is met, then bisect back to the fewest that meet it.
    """
    from staffing import queueing

    model = {
        "interval_minutes": minutes,
        "patience_seconds": channel.patience_seconds,
        "concurrency": channel.concurrency,
    }

    def meets(index: np.ndarray, agents: np.ndarray) -> np.ndarray:
        lost = queueing.abandonment(calls[index], channel.aht_seconds, agents, **model)
        return np.asarray(lost) <= target.max_abandonment

    high = table["agents"].to_numpy().astype(np.int64)
    low = high - 1  # below the answer for the other targets: never chosen
    step = np.ones_like(high)
    short = np.flatnonzero(~meets(np.arange(len(high)), high))
    while short.size:
        low[short] = high[short]
        high[short] += step[short]
        step[short] *= 2
        short = short[~meets(short, high[short])]
    wide = np.flatnonzero(high - low > 1)
    while wide.size:
        middle = (low[wide] + high[wide]) // 2
        good = meets(wide, middle)
        high[wide[good]] = middle[good]
        low[wide[~good]] = middle[~good]
        wide = wide[high[wide] - low[wide] > 1]
    return queueing.staffing_table(
        calls, channel.aht_seconds, interval_minutes=minutes, min_agents=high, **keywords
    )


def _busy_seconds(channel: Channel) -> float:
    """Agent time one deferred item takes [s]: its handle time over the occupancy cap, so that
    agents work at most ``max_occupancy`` of their productive time (all of it without a cap)."""
    return channel.aht_seconds / (channel.max_occupancy or 1.0)


def _pooled_deferred(staffed, shrink, is_open, channel, minutes, queue) -> dict[str, np.ndarray]:
    """One team works every deferred tier earliest deadline first (one row per interval)."""
    from staffing import queueing

    responses = []
    for k, tier in enumerate(channel.tiers):
        response = tier.target.response_seconds
        if response < 2 * 60.0 * minutes - 1e-9:
            raise ConfigError(
                f"channels.{queue}.tiers[{k}].target: a response time of {response:g} s is "
                f"shorter than two intervals of {minutes:g} min (items are workable from the "
                "next interval); state a target this short as a service level "
                "(service_level + within_seconds) instead"
            )
        responses.append(response)
    calls = np.vstack([staffed * tier.share for tier in channel.tiers])
    try:
        agents = queueing.deferred_agents_tiers(
            calls,
            _busy_seconds(channel),
            responses,
            interval_minutes=minutes,
            open_mask=is_open,
            response_clock=channel.response_clock,
        )
    except InfeasibleError as err:
        raise InfeasibleError(f"channels.{queue}.tiers: {err}") from None
    numbers = _empty_numbers(len(staffed))
    numbers["agents"] = np.asarray(agents, dtype=np.int64)
    numbers["scheduled"] = np.asarray(queueing.scheduled_agents(numbers["agents"], shrink))
    return numbers


def _deferred_block(calls, targets, shrink, is_open, channel, minutes, queue, name):
    from staffing import queueing

    names = [tier.name for tier in channel.tiers]
    where = f"channels.{queue}." + (f"tiers[{names.index(name)}].target" if names else "target")
    responses = {target.response_seconds for target in targets}
    if len(responses) > 1:
        raise ConfigError(
            f"{where}: deferred work takes one response time per queue and tier, "
            f"got {sorted(responses)} s across bands"
        )
    response = responses.pop()
    if response < 2 * 60.0 * minutes - 1e-9:
        raise ConfigError(
            f"{where}: a response time of {response:g} s is shorter than two intervals of "
            f"{minutes:g} min (items are workable from the next interval); state a target this "
            "short as a service level (service_level + within_seconds) instead"
        )
    try:
        agents = queueing.deferred_agents(
            calls,
            _busy_seconds(channel),
            response,
            interval_minutes=minutes,
            open_mask=is_open,
            response_clock=channel.response_clock,
        )
    except InfeasibleError as err:
        raise InfeasibleError(f"{where}: {err}") from None
    numbers = _empty_numbers(len(calls))
    numbers["agents"] = np.asarray(agents, dtype=np.int64)
    numbers["scheduled"] = np.asarray(queueing.scheduled_agents(numbers["agents"], shrink))
    return numbers
