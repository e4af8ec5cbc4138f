"""The roster as a planner reads it: a table of shifts and a day x time grid of agents.

:func:`shift_table` groups a daily roster's rows into one row per distinct shift (its local
start, end and breaks, and the agents on it each day) with the weekdays it is worked, e.g.
``"Mon-Fri"``. :func:`coverage_grid` lays a queue's scheduled and required agents out as rows of
local days and columns of local times of day, JSON-ready.
:func:`staffing.workbook.write_schedule_xlsx` writes both into ``schedule.xlsx``, one sheet per
queue (openpyxl, the ``io`` extra).

Local time
----------
Every time is on the local clock of the plan's zone. A day when summer time starts lacks some
clock times (``None`` in the grid); a day when it ends has some twice. The second occurrence
of a repeated time is a column of its own, marked with a star (``"01:00*"``), placed after the
first occurrences in the order of that day; on every other day it is ``None``. Nothing is summed
or dropped, so the grid's cells hold every interval once. In the shift table a clock time
that occurs twice that day carries its UTC offset (``"01:30+01:00"``), as in the lines of work
(:func:`staffing.roster.lines.format_day`).

Examples
--------
>>> import pandas as pd
>>> t = pd.Timestamp("2025-11-10 07:00", tz="Europe/London")
>>> hours = lambda n: pd.Timedelta(n, unit="h")
>>> roster = pd.DataFrame({"shift": "early", "agents": 2, "breaks": [[]] * 5,
...     "start": [t + hours(24 * d) for d in range(5)],
...     "end": [t + hours(24 * d + 8) for d in range(5)]})
>>> shift_table(roster, "Europe/London").to_dict("records")
[{'shift': 'early', 'days': 'Mon-Fri', 'start': '07:00', 'end': '15:00', 'breaks': '', 'count': 2}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import DataError
from staffing.timegrid import floor_to_interval, parse_breaks

__all__ = [
    "SHIFT_TABLE_COLUMNS",
    "coverage_grid",
    "shift_table",
    "weekday_text",
]

#: Columns of :func:`shift_table` (``queue`` first when the roster has one; ``paid_hours``
#: last when paid hours are given).
SHIFT_TABLE_COLUMNS = ["shift", "days", "start", "end", "breaks", "count"]

DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# ----------------------------------------------------------------------------- local clock


def _local(values: Any, tz: str | None) -> pd.DatetimeIndex:
    """Timestamps as a DatetimeIndex in ``tz`` (aware ones converted; naive ones kept)."""
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(values).reset_index(drop=True)))
    if tz is not None and index.tz is not None:
        index = index.tz_convert(tz)
    return index.as_unit("ns")


def _repeated(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(wall time occurs twice that day, this is its second occurrence) for each stamp."""
    n = len(index)
    if index.tz is None or n == 0:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    wall = index.tz_localize(None)
    first = wall.tz_localize(index.tz, ambiguous=np.ones(n, dtype=bool)).asi8
    second = wall.tz_localize(index.tz, ambiguous=np.zeros(n, dtype=bool)).asi8
    return first != second, index.asi8 != np.minimum(first, second)


def _clocks(index: pd.DatetimeIndex) -> list[str]:
    """``HH:MM``, with the UTC offset where the clock shows the time twice that day."""
    twice, _ = _repeated(index)
    out = []
    for stamp, both in zip(index, twice, strict=True):
        text = f"{stamp.hour:02d}:{stamp.minute:02d}"
        if both:
            offset = stamp.strftime("%z")
            text += f"{offset[:3]}:{offset[3:]}"
        out.append(text)
    return out


def day_label(day: dt.date) -> str:
    """``"Mon 10 Nov"`` (English names, whatever the locale)."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


# ----------------------------------------------------------------------------- shift table


def weekday_text(days: Iterable[int]) -> str:
    """Weekdays (0 = Monday) as a planner writes them: runs of three or more as a range.

    Parameters
    ----------
    days : iterable of int
        Weekday numbers, 0 (Monday) to 6 (Sunday); repeats are ignored.

    Returns
    -------
    str
        ``"every day"`` for all seven, else the days from Monday on, e.g. ``"Mon-Fri"``,
        ``"Mon, Wed, Sat"``, ``"Mon-Wed, Sat, Sun"``. A run is not wrapped round the week
        (Friday to Monday is ``"Mon, Fri-Sun"``).

    Examples
    --------
    >>> weekday_text([0, 1, 2, 3, 4]), weekday_text([0, 2, 5]), weekday_text(range(7))
    ('Mon-Fri', 'Mon, Wed, Sat', 'every day')
    """
    chosen = sorted(set(days))
    if any(not 0 <= d <= 6 for d in chosen):
        raise ValueError(f"weekdays: expected numbers 0 (Monday) to 6 (Sunday), got {chosen}")
    if len(chosen) == 7:
        return "every day"
    runs: list[list[int]] = []
    for d in chosen:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts += [DAY_NAMES[d] for d in run]
    return ", ".join(parts)


def _days_text(dates: set[dt.date], horizon: Sequence[dt.date]) -> str:
    """Weekday text when the dates are every date of those weekdays in the horizon; else the
    dates themselves (``"Mon 10 Nov, Mon 17 Nov"``)."""
    weekdays = {d.weekday() for d in dates}
    if dates == {d for d in horizon if d.weekday() in weekdays}:
        return weekday_text(weekdays)
    return ", ".join(day_label(d) for d in sorted(dates))


def _default_horizon(dates: Iterable[dt.date]) -> list[dt.date]:
    """Whole weeks from the first date, up to and including the last."""
    dates = sorted(dates)
    weeks = -(-((dates[-1] - dates[0]).days + 1) // 7)
    return [dates[0] + dt.timedelta(days=k) for k in range(7 * weeks)]


def _break_text(value: Any, row: int, tz: str | None) -> str:
    """A row's breaks (pairs, or the text of ``roster.csv``) as local ``HH:MM-HH:MM, ...``."""
    if isinstance(value, str):
        value = parse_breaks(value, where=f"roster: column 'breaks', row {row + 1}")
    if value is None or (isinstance(value, float) and np.isnan(value)) or not len(value):
        return ""
    starts = _clocks(_local([a for a, _ in value], tz))
    ends = _clocks(_local([b for _, b in value], tz))
    return ", ".join(f"{a}-{b}" for a, b in zip(starts, ends, strict=True))


def _shift_rows(roster: pd.DataFrame, tz: str | None) -> pd.DataFrame:
    """One row per roster row: local date, clock texts, sort keys and agents."""
    start, end = _local(roster["start"], tz), _local(roster["end"], tz)
    if (end <= start).any():
        row = int(np.flatnonzero(end <= start)[0]) + 1
        raise DataError(f"roster: row {row}: 'end' is not after 'start'")
    days_on = (end.normalize().tz_localize(None) - start.normalize().tz_localize(None)).days
    breaks = [_break_text(value, row, tz) for row, value in enumerate(roster["breaks"])]
    _, late = _repeated(start)
    minutes = start.hour * 60 + start.minute
    return pd.DataFrame(
        {
            "queue": roster["queue"].astype(str).to_numpy() if "queue" in roster else "",
            "shift": roster["shift"].astype(str).to_numpy(),
            "date": [d.date() for d in start],
            "start": _clocks(start),
            "end": [
                c + (f" (+{n})" if n else "") for c, n in zip(_clocks(end), days_on, strict=True)
            ],
            "breaks": breaks,
            "agents": roster["agents"].astype(int).to_numpy(),
            "start_key": np.asarray(minutes, dtype=float) + 0.5 * late,
            "end_key": np.asarray((end - start).total_seconds(), dtype=float),
        }
    )


def shift_table(
    roster: pd.DataFrame,
    tz: str | None = None,
    *,
    paid_hours: Mapping[str, float] | None = None,
    dates: Sequence[dt.date] | None = None,
) -> pd.DataFrame:
    """The distinct shifts of a daily roster, with the weekdays each is worked.

    Rows worked alike (same queue, shift, local start, end and breaks, and the same agents
    that day) are one row; the days they start on are listed as weekdays. Rows alike on one
    day are added up first.

    Parameters
    ----------
    roster : pandas.DataFrame
        Roster rows: ``shift``, ``start``, ``end`` (tz-aware), ``agents`` [agents] and
        ``breaks`` (list of ``(start, end)`` pairs, or the text of ``roster.csv``); optionally
        ``queue``. Lines of work (``line``, ``contract``) are read the same way.
    tz : str, optional
        Zone of the local clock (default: the zone of ``start``).
    paid_hours : mapping, optional
        Shift name -> paid hours of one agent's shift [h]; adds the ``paid_hours`` column.
    dates : sequence of datetime.date, optional
        The plan's local days. Default: whole weeks from the first start's date. Weekdays are
        written (``"Mon-Fri"``) when a row is worked on every date of those weekdays in these
        days; otherwise its dates are listed (``"Mon 10 Nov, Mon 17 Nov"``).

    Returns
    -------
    pandas.DataFrame
        ``[queue,] shift, days, start, end, breaks, count[, paid_hours]``: ``start`` and
        ``end`` local ``"HH:MM"`` (``"07:00 (+1)"`` when the shift ends on a later day; a
        time the clock shows twice that day carries its offset, ``"01:30+01:00"``), ``breaks``
        local ``"HH:MM-HH:MM"`` joined by ``", "``, ``count`` the agents on the shift each of
        those days [agents]. Sorted by queue (in order of appearance), start, shift and end.

    Raises
    ------
    staffing.errors.DataError
        A missing column, an end not after its start, or a shift without paid hours.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2025-11-10 22:00", tz="Europe/London")
    >>> b = t + pd.Timedelta(4, unit="h")
    >>> night = pd.DataFrame({"shift": ["night"], "start": [t], "agents": [3],
    ...     "end": [t + pd.Timedelta(9, unit="h")],
    ...     "breaks": [[(b, b + pd.Timedelta(1, unit="h"))]]})
    >>> row = shift_table(night, paid_hours={"night": 8.0}).iloc[0]
    >>> row["days"], row["start"], row["end"], row["breaks"], int(row["count"])
    ('Mon', '22:00', '07:00 (+1)', '02:00-03:00', 3)
    """
    needed = ["shift", "start", "end", "agents", "breaks"]
    missing = [c for c in needed if c not in roster.columns]
    if missing:
        raise DataError(
            f"roster: missing column(s) {', '.join(missing)}; expected {', '.join(needed)}"
        )
    lead = ["queue"] if "queue" in roster.columns else []
    columns = lead + SHIFT_TABLE_COLUMNS + (["paid_hours"] if paid_hours is not None else [])
    if roster.empty:
        return pd.DataFrame(columns=columns)
    rows = _shift_rows(roster.reset_index(drop=True), tz)
    same_day = ["queue", "shift", "date", "start", "end", "breaks", "start_key", "end_key"]
    rows = rows.groupby(same_day, sort=False)["agents"].sum().reset_index()
    horizon = list(dates) if dates is not None else _default_horizon(rows["date"])
    order = {q: k for k, q in enumerate(dict.fromkeys(rows["queue"]))}
    alike = ["queue", "shift", "start", "end", "breaks", "agents", "start_key", "end_key"]
    out = []
    for key, group in rows.groupby(alike, sort=False):
        entry = dict(zip(alike, key, strict=True))
        entry["days"] = _days_text(set(group["date"]), horizon)
        entry["first"] = min(group["date"])
        entry["count"] = int(entry.pop("agents"))
        if paid_hours is not None:
            entry["paid_hours"] = _paid(paid_hours, entry["shift"])
        out.append(entry)
    table = pd.DataFrame(out)
    table["order"] = table["queue"].map(order)
    table = table.sort_values(
        ["order", "start_key", "shift", "end_key", "breaks", "first"], kind="stable"
    )
    return table[columns].reset_index(drop=True)


def _paid(paid_hours: Mapping[str, float], shift: str) -> float:
    if shift not in paid_hours:
        raise DataError(
            f"roster: shift {shift!r} has no paid hours; known shifts: "
            f"{', '.join(map(str, paid_hours)) or 'none'}"
        )
    return float(paid_hours[shift])


# ----------------------------------------------------------------------------- grid


def _floored(frame: pd.DataFrame, tz: str | None, minutes: int) -> pd.DataFrame:
    """``key`` (plan interval, UTC ns), ``stamp`` (its local start) and ``instant`` of each row."""
    stamps = pd.Series(_local(frame["interval_start"], tz))
    starts = floor_to_interval(stamps, minutes)
    return pd.DataFrame(
        {
            "key": pd.DatetimeIndex(starts).asi8,
            "stamp": starts.to_numpy(),
            "instant": pd.DatetimeIndex(stamps).asi8,
        }
    )


def _on_plan_grid(
    coverage: pd.DataFrame, requirements: pd.DataFrame | None, tz: str | None, minutes: int
) -> pd.DataFrame:
    """Per plan interval (index UTC ns): local ``stamp``, ``required``, ``scheduled``, ``open``."""
    cov = _floored(coverage, tz, minutes).assign(
        required=coverage["required"].to_numpy(dtype=np.int64),
        scheduled=coverage["scheduled"].to_numpy(dtype=np.int64),
    )
    table = cov.groupby("key").agg(
        stamp=("stamp", "first"), required=("required", "max"), scheduled=("scheduled", "min")
    )
    if requirements is None or requirements.empty:
        return table.assign(open=None)
    req = _floored(requirements, tz, minutes).assign(
        needed=requirements["scheduled"].to_numpy(dtype=np.int64),
        open=requirements["open"].to_numpy(dtype=bool),
    )
    # tiers of one interval add up; of finer intervals inside a plan interval the most counts
    tiers = req.groupby(["key", "instant"]).agg(
        at=("stamp", "first"), needed=("needed", "sum"), open=("open", "any")
    )
    per_key = tiers.groupby(level="key").agg(
        at=("at", "first"), needed=("needed", "max"), open=("open", "any")
    )
    table = table.join(per_key, how="outer").sort_index()
    return table.assign(
        stamp=table["stamp"].where(table["stamp"].notna(), table["at"]),
        required=table["required"].where(table["required"].notna(), table["needed"]),
        scheduled=table["scheduled"].fillna(0),
    )


def _columns(labels: list[tuple[dt.date, str, int, bool]]) -> list[str]:
    """Times of day in clock order; each second occurrence right after its predecessor on the
    day it occurs (``01:00, 01:30, 01:00*, 01:30*, 02:00``)."""
    plain = sorted({(m, t) for _, t, m, late in labels if not late})
    columns = [t for _, t in plain]
    by_day: dict[dt.date, list[str]] = {}
    for day, text, _, _ in labels:  # labels are in time order
        by_day.setdefault(day, []).append(text)
    for texts in by_day.values():
        for k, text in enumerate(texts):
            if text in columns:
                continue
            at = columns.index(texts[k - 1]) + 1 if k else 0
            columns.insert(at, text)
    return columns


def coverage_grid(
    coverage: pd.DataFrame,
    requirements: pd.DataFrame | None,
    tz: str | None,
    interval_minutes: int,
) -> dict[str, list]:
    """One queue's scheduled and required agents as a grid of local days by times of day.

    Parameters
    ----------
    coverage : pandas.DataFrame
        The queue's ``interval_start``, ``required`` and ``scheduled`` [agents]
        (:attr:`staffing.plan.Plan.coverage`), on the plan's grid or a finer roster grid.
        Inside each plan interval the fewest scheduled and the most required agents are
        shown (the interval is covered only as well as its worst part).
    requirements : pandas.DataFrame or None
        The queue's requirements (``interval_start``, ``tier``, ``open``, ``scheduled``):
        ``open`` when any tier is open. Intervals without coverage show these scheduled
        agents summed over tiers as required, and 0 scheduled. None: ``open`` is all ``None``.
    tz : str or None
        Zone of the local clock (None: the zone of the stamps).
    interval_minutes : int
        The plan's interval [min].

    Returns
    -------
    dict
        ``days`` (``"Mon 10 Nov"``, one per local date), ``times`` (``"HH:MM"``; a second
        occurrence of a clock time, when summer time ends, is ``"HH:MM*"``), and
        ``required``, ``scheduled`` (int) and ``open`` (bool) as lists of rows (days) of
        columns (times), ``None`` where a day has no such interval (a clock time skipped
        when summer time starts, the other days' starred times, or outside the plan).

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-11-10 08:00", periods=3, freq="30min", tz="Europe/London")
    >>> coverage = pd.DataFrame({"interval_start": stamps, "required": [2, 3, 1],
    ...                          "scheduled": [3, 2, 1]})
    >>> grid = coverage_grid(coverage, None, "Europe/London", 60)
    >>> grid["days"], grid["times"], grid["required"], grid["scheduled"]
    (['Mon 10 Nov'], ['08:00', '09:00'], [[3, 1]], [[2, 1]])
    """
    if isinstance(interval_minutes, bool) or int(interval_minutes) != interval_minutes:
        raise ValueError(f"interval_minutes: expected a whole number, got {interval_minutes!r}")
    _need(coverage, ["interval_start", "required", "scheduled"], "coverage")
    if requirements is not None:
        _need(requirements, ["interval_start", "open", "scheduled"], "requirements")
    table = _on_plan_grid(coverage, requirements, tz, int(interval_minutes))
    stamps = _local(table["stamp"], tz)
    _, late = _repeated(stamps)
    labels = [
        (s.date(), f"{s.hour:02d}:{s.minute:02d}" + ("*" if x else ""), s.hour * 60 + s.minute, x)
        for s, x in zip(stamps, late, strict=True)
    ]
    days = sorted({day for day, *_ in labels})
    times = _columns(labels)
    row_of = {day: k for k, day in enumerate(days)}
    col_of = {text: k for k, text in enumerate(times)}
    out: dict[str, list] = {"days": [day_label(d) for d in days], "times": times}
    for name in ("required", "scheduled", "open"):
        out[name] = [[None] * len(times) for _ in days]
    values = zip(labels, table["required"], table["scheduled"], table["open"], strict=True)
    for (day, text, _, _), required, scheduled, is_open in values:
        r, c = row_of[day], col_of[text]
        out["required"][r][c] = None if pd.isna(required) else int(required)
        out["scheduled"][r][c] = int(scheduled)
        out["open"][r][c] = None if is_open is None or pd.isna(is_open) else bool(is_open)
    return out


def _need(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    """Refuse a frame without ``columns`` or with several queues (one queue's grid)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )
    queues = sorted(frame["queue"].astype(str).unique()) if "queue" in frame.columns else []
    if len(queues) > 1:
        raise DataError(
            f"{name}: column 'queue' holds {len(queues)} queues ({', '.join(queues)}); "
            "give one queue's rows"
        )
