"""Lines of work: read the solved tours back as people's weeks, the lines table and headcount.

Each line of the solution becomes one row per working day in the roster (``line``, ``week``,
``contract``, ``shift``, ``start``, ``end``, ``agents`` = 1, ``breaks``), so coverage is
recomputed from timestamps as for any roster. :func:`lines_table` turns those rows into one row
per line, in the planner's layout (a column per weekday with the shift and its breaks as local
clock times), and :func:`headcount` counts people and FTE per contract.

Examples
--------
>>> format_day(pd.Timestamp("2024-01-01 22:00"), pd.Timestamp("2024-01-02 06:00"),
...            [(pd.Timestamp("2024-01-02 01:00"), pd.Timestamp("2024-01-02 01:30"))])
'22:00-06:00; break 01:00-01:30'
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.roster.contracts import WEEKDAYS
from staffing.roster.model import local_minutes, round_int

if TYPE_CHECKING:
    from staffing.roster.model import RosterModel
    from staffing.roster.rules import ShiftRules

__all__ = [
    "LINE_COLUMNS",
    "format_day",
    "headcount",
    "line_days",
    "lines_table",
    "parse_day",
    "row_costs",
    "row_rates",
]

#: Columns of the per-day roster rows of lines, before the weekday columns of the table.
LINE_COLUMNS = ["line", "week", "contract", "shift", "start", "end", "agents", "breaks"]


def _clock(stamp: pd.Timestamp) -> str:
    """``HH:MM``, with the UTC offset in an hour the clock repeats (``01:30+01:00``)."""
    text = f"{stamp.hour:02d}:{stamp.minute:02d}"
    if stamp.tzinfo is not None:
        naive = stamp.tz_localize(None)
        first = naive.tz_localize(stamp.tz, ambiguous=True, nonexistent="shift_forward")
        second = naive.tz_localize(stamp.tz, ambiguous=False, nonexistent="shift_forward")
        if first != second:
            offset = stamp.strftime("%z")
            text += f"{offset[:3]}:{offset[3:]}"
    return text


def format_day(start: pd.Timestamp, end: pd.Timestamp, breaks: list) -> str:
    """One working day of a line as local clock text: ``"HH:MM-HH:MM; break HH:MM-HH:MM"``.

    A clock time at or before the start's is on the next day (shifts last at most 24 h); one
    in an hour the clock repeats (when summer time ends) carries its UTC offset.

    Parameters
    ----------
    start, end : Timestamp
        Shift start and end (local time).
    breaks : list of (Timestamp, Timestamp)
        Breaks in time order.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.Timestamp("2024-07-01 08:00", tz="Europe/London")
    >>> format_day(t, t + pd.Timedelta(9, unit="h"), [])
    '08:00-17:00'
    """
    parts = [f"{_clock(start)}-{_clock(end)}"]
    parts += [f"break {_clock(a)}-{_clock(b)}" for a, b in breaks]
    return "; ".join(parts)


def _at(date: dt.date, text: str, after: pd.Timestamp | None, tz: Any) -> pd.Timestamp:
    """The first instant at or after ``date`` with clock ``text`` that is after ``after``."""
    for _ in range(3):
        if len(text) > 5:  # "HH:MM+HH:MM": an hour the clock repeats
            stamp = pd.Timestamp(f"{date.isoformat()}T{text}")
            stamp = stamp.tz_convert(tz) if tz is not None else stamp.tz_localize(None)
        else:
            stamp = pd.Timestamp(dt.datetime.combine(date, dt.time(*map(int, text.split(":")))))
            if tz is not None:
                stamp = stamp.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        if after is None or stamp > after:
            return stamp
        date += dt.timedelta(days=1)
    raise ValueError(f"clock time {text!r} is not within a day after {after}")


_SPAN = re.compile(r"^(\d\d:\d\d(?:[+-]\d\d:\d\d)?)-(\d\d:\d\d(?:[+-]\d\d:\d\d)?)$")


def _span_of(part: str, text: str) -> tuple[str, str]:
    match = _SPAN.match(part.strip())
    if match is None:
        raise ValueError(f"expected 'HH:MM-HH:MM' in a day of a line of work, got {text!r}")
    return match.group(1), match.group(2)


def parse_day(
    text: str, date: dt.date, tz: Any = None
) -> tuple[pd.Timestamp, pd.Timestamp, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Read one day cell of the lines table back into timestamps (inverse of
    :func:`format_day`).

    Parameters
    ----------
    text : str
        ``"HH:MM-HH:MM"`` followed by ``"; break HH:MM-HH:MM"`` per break.
    date : datetime.date
        Local date of the start.
    tz : str or tzinfo, optional
        Time zone of the clock times (a repeated hour reads as its first occurrence).

    Returns
    -------
    start, end : Timestamp
    breaks : list of (Timestamp, Timestamp)

    Examples
    --------
    >>> start, end, breaks = parse_day("22:00-06:00; break 01:00-01:30", dt.date(2024, 1, 1))
    >>> str(end), str(breaks[0][0])
    ('2024-01-02 06:00:00', '2024-01-02 01:00:00')
    """
    parts = [p.strip() for p in text.split(";")]
    first, last = _span_of(parts[0], text)
    start = _at(date, first, None, tz)
    end = _at(date, last, start, tz)
    breaks = []
    for part in parts[1:]:
        a, b = _span_of(part.removeprefix("break "), text)
        b_start = _at(date, a, start - pd.Timedelta(1, unit="min"), tz)
        breaks.append((b_start, _at(date, b, b_start, tz)))
    return start, end, breaks


def _instance_lookup(model: RosterModel) -> dict[tuple[int, int, int], Any]:
    times = model.requirements["interval_start"]
    clock = local_minutes(times)
    return {(i.shift, i.day, int(clock[i.start])): i for i in model.instances}


def _starts(model: RosterModel) -> dict[tuple, list]:
    """(contract, shift, band, week, day) -> shift instances started that day, one per line."""
    out: dict[tuple, list] = defaultdict(list)
    for (c, k, band, week, inst), var in sorted(
        model.tours.y.items(), key=lambda kv: (kv[0][:4], kv[0][4].start)
    ):
        out[(c, k, band, week, inst.day)] += [inst] * round_int(var.varValue or 0.0)
    return out


def line_days(model: RosterModel) -> pd.DataFrame:
    """The solved lines of a roster model, one row per line and working day.

    Lines are numbered from 1, week by week; a line of ``multi_week = "repeat"`` keeps its
    number in every week.

    Parameters
    ----------
    model : RosterModel
        A solved model with tours.

    Returns
    -------
    DataFrame
        :data:`LINE_COLUMNS`: ``line``, ``week`` (from 1), ``contract``, ``shift``, ``start``,
        ``end``, ``agents`` (1) and ``breaks`` (list of ``(start, end)``).

    Examples
    --------
    >>> from staffing.roster import build_roster, example_requirements
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="06:00", start_latest="15:30")],
    ...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
    >>> result = build_roster(example_requirements(peak=4), rules)
    >>> result.roster.groupby("line").size().unique().tolist()
    [5]
    """
    tours, rules = model.tours, model.rules
    times = model.requirements["interval_start"]
    lookup = _instance_lookup(model)
    starts = _starts(model)
    members: dict[tuple, list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    order = sorted(tours.t, key=lambda k: (k.week, k.contract, k.band, k.shift, k.pattern))
    line = 0
    for key in order:
        for pattern in tours.patterns(key):
            line += 1
            members[(key.contract, key.shift, key.band, key.week)].append((line, pattern))
    worked: list[tuple[int, int, int, Any]] = []  # line, week, contract, instance
    for (c, k, band, group), lines in members.items():
        clocks = tours.band_members[(c, k, band)]
        for w in range(tours.weeks) if group == -1 else [group]:
            for q in range(7):
                workers = [lid for lid, pattern in lines if q in pattern]
                if not workers:
                    continue
                if len(clocks) == 1:
                    day = [lookup[(k, 7 * w + q, clocks[0])]] * len(workers)
                else:
                    day = starts[(c, k, band, w, 7 * w + q)]
                worked += [(lid, w, c, inst) for lid, inst in zip(workers, day, strict=True)]
    offsets = _break_offsets(model, worked)
    step = pd.Timedelta(rules.interval_minutes, unit="min")
    rows = []
    for n, (lid, w, c, inst) in enumerate(worked):
        spec = rules.shifts[inst.shift]
        t0 = times.iloc[inst.start]
        breaks = [
            (t0 + o * step, t0 + o * step + pd.Timedelta(b.length_minutes, unit="min"))
            for o, b in zip(offsets.get(n, []), spec.breaks, strict=True)
        ]
        end = t0 + pd.Timedelta(spec.length_minutes, unit="min")
        rows.append((lid, w + 1, rules.contracts[c].name, spec.name, t0, end, 1, breaks))
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    return frame.sort_values(["line", "start"], kind="stable").reset_index(drop=True)


def _break_offsets(model: RosterModel, worked: list) -> dict[int, list[int]]:
    """Give each worked line-day one placement of each of its breaks, from the break counts."""
    class_of = {}
    for start, shifts, _b in model.breaks:
        for k in shifts:
            class_of[(start, k)] = (start, shifts)
    by_class: dict[tuple, list[int]] = defaultdict(list)
    for n, (_lid, _w, _c, inst) in enumerate(worked):
        if (inst.start, inst.shift) in class_of:
            by_class[class_of[(inst.start, inst.shift)]].append(n)
    out: dict[int, list[int]] = defaultdict(list)
    for (start, shifts), rows in by_class.items():
        rows.sort(key=lambda n: worked[n][0])
        b = 0
        while (start, shifts, b) in model.breaks:
            placed = model.breaks[(start, shifts, b)]
            spread = [o for o, v in sorted(placed.items()) for _ in range(round_int(v.varValue))]
            for n, offset in zip(rows, spread, strict=True):
                out[n].append(offset)
            b += 1
    return out


def lines_table(roster: pd.DataFrame, rules: ShiftRules, weekdays: list[str]) -> pd.DataFrame:
    """One row per line of work: contract, days, the shift of each weekday and weekly hours.

    Parameters
    ----------
    roster : DataFrame
        Rows of :func:`line_days` (or ``roster.csv`` of a roster with contracts, read back).
    rules : ShiftRules
    weekdays : list of str
        Weekday names of the plan week's days, in order (the table's day columns).

    Returns
    -------
    DataFrame
        ``line, weeks, contract, shift, days, days_worked, paid_hours, fte`` and one column per
        weekday holding :func:`format_day` text ("" on a day off). ``weeks`` lists the weeks
        (from 1) the line is worked, e.g. ``"1"`` or ``"1-4"``; ``paid_hours`` is per week [h];
        ``fte`` = ``paid_hours / full_time_hours_per_week``. A line of ``multi_week =
        "repeat"`` keeps its days and start band every week; when its start times or breaks
        differ between weeks it has one row per week.

    Examples
    --------
    >>> from staffing.roster import build_roster, example_requirements
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="06:00", start_latest="15:30")],
    ...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
    >>> table = build_roster(example_requirements(peak=4), rules).lines
    >>> table[["contract", "days_worked", "paid_hours"]].iloc[0].astype(str).tolist()
    ['ft', '5', '40.0']
    """
    by_name = {s.name: s for s in rules.shifts}
    rows = []
    for line, own in roster.groupby("line", sort=True):
        by_week = {}
        for week, rows_of_week in own.groupby("week", sort=True):
            cells = dict.fromkeys(weekdays, "")
            for row in rows_of_week.itertuples(index=False):
                cells[WEEKDAYS[row.start.weekday()]] = format_day(row.start, row.end, row.breaks)
            by_week[int(week)] = (cells, rows_of_week)
        weeks = sorted(by_week)
        same = all(by_week[w][0] == by_week[weeks[0]][0] for w in weeks)
        # a line worked alike every week is one row; one whose times differ, a row per week
        for group in [weeks] if same else [[w] for w in weeks]:
            cells, first = by_week[group[0]]
            paid = len(first) * by_name[first["shift"].iloc[0]].paid_hours
            rows.append(
                {
                    "line": int(line),
                    "weeks": _span(group),
                    "contract": first["contract"].iloc[0],
                    "shift": first["shift"].iloc[0],
                    "days": " ".join(d for d in weekdays if cells[d]),
                    "days_worked": len(first),
                    "paid_hours": paid,
                    "fte": paid / rules.full_time_hours_per_week,
                    **cells,
                }
            )
    columns = ["line", "weeks", "contract", "shift", "days", "days_worked", "paid_hours", "fte"]
    return pd.DataFrame(rows, columns=columns + list(weekdays))


def _span(weeks: list[int]) -> str:
    if len(weeks) > 1 and weeks == list(range(weeks[0], weeks[-1] + 1)):
        return f"{weeks[0]}-{weeks[-1]}"
    return ",".join(str(w) for w in weeks)


def headcount(roster: pd.DataFrame, rules: ShiftRules) -> pd.DataFrame:
    """People, FTE, paid hours and cost per contract and week, from the lines.

    Parameters
    ----------
    roster : DataFrame
        Rows of :func:`line_days`.
    rules : ShiftRules

    Returns
    -------
    DataFrame
        One row per contract (in ``rules.contracts`` order, unused ones with zeros):
        ``contract, headcount`` (lines in the busiest week [people]), ``fte`` (mean weekly paid
        hours / ``full_time_hours_per_week``), ``paid_hours_per_week`` [h], ``cost_per_week``
        [currency] and ``share_of_paid_hours`` [fraction].

    Examples
    --------
    >>> from staffing.roster import build_roster, example_requirements
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="06:00", start_latest="15:30")],
    ...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
    >>> people = build_roster(example_requirements(peak=4), rules).headcount
    >>> bool((people["fte"] == people["headcount"]).all())  # 40-h lines: one FTE each
    True
    """
    by_name = {s.name: s for s in rules.shifts}
    weeks = max(int(roster["week"].max()), 1) if len(roster) else 1
    paid = roster["shift"].map(lambda n: by_name[n].paid_hours)
    frame = roster.assign(paid=paid.to_numpy(), cost=paid.to_numpy() * row_rates(roster, rules))
    total_paid = float(frame["paid"].sum()) / weeks
    rows = []
    for contract in rules.contracts:
        own = frame[frame["contract"] == contract.name]
        per_week = own.groupby("week")["line"].nunique()
        lines = float(per_week.sum()) / weeks
        hours = float(own["paid"].sum()) / weeks
        rows.append(
            {
                "contract": contract.name,
                "headcount": int(per_week.max()) if len(per_week) else 0,
                "fte": hours / rules.full_time_hours_per_week,
                "paid_hours_per_week": hours,
                "cost_per_week": float(own["cost"].sum()) / weeks + lines * contract.cost_per_head,
                "share_of_paid_hours": hours / total_paid if total_paid else 0.0,
            }
        )
    return pd.DataFrame(rows)


def row_costs(roster: pd.DataFrame, rules: ShiftRules) -> tuple[pd.Series, pd.Series]:
    """Paid hours [h] and cost [currency] of one agent of each roster row.

    A row of a shift group costs its shift type's ``cost_per_hour`` times its paid hours. A
    row of a line of work (a ``contract`` column) costs the contract's rate
    (:func:`row_rates`) times its paid hours plus the contract's ``cost_per_head`` shared over
    the line's working days of that week; lines are told apart by ``line`` and ``week`` within
    each ``group`` or ``queue`` when the roster has one.

    Parameters
    ----------
    roster : DataFrame
        Roster rows (``shift``; with lines also ``contract``, ``line`` and ``week``).
    rules : ShiftRules

    Returns
    -------
    tuple of pandas.Series
        Paid hours and cost per agent of each row (multiply by ``agents`` for the row).

    Examples
    --------
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> rules = ShiftRules(interval_minutes=60, shifts=[ShiftType(name="d", length_hours=8,
    ...     start_earliest="08:00", start_latest="08:00", cost_per_hour=20)])
    >>> paid, cost = row_costs(pd.DataFrame({"shift": ["d"]}), rules)
    >>> float(paid.iloc[0]), float(cost.iloc[0])
    (8.0, 160.0)
    """
    by_name = {s.name: s for s in rules.shifts}
    paid = roster["shift"].map(lambda n: by_name[n].paid_hours).astype(float)
    if "contract" not in roster.columns or roster.empty:
        return paid, roster["shift"].map(lambda n: by_name[n].cost).astype(float)
    contracts = {c.name: c for c in rules.contracts}
    keys = [c for c in ("group", "queue") if c in roster.columns] + ["line", "week"]
    days = roster.groupby(keys)["line"].transform("size")
    head = roster["contract"].map(lambda c: contracts[c].cost_per_head) / days
    return paid, paid * row_rates(roster, rules) + head


def row_rates(roster: pd.DataFrame, rules: ShiftRules) -> np.ndarray:
    """Cost of a paid hour on each row of a roster of lines [currency per h].

    Parameters
    ----------
    roster : DataFrame
        Rows of :func:`line_days` (``contract`` and ``shift`` names).
    rules : ShiftRules

    Returns
    -------
    numpy.ndarray
        :meth:`Contract.cost_per_paid_hour` of each row's contract and shift type.

    Examples
    --------
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=60, shifts=[ShiftType(name="d", length_hours=8,
    ...     start_earliest="08:00", start_latest="08:00", cost_per_hour=20)],
    ...     contracts=[Contract(name="ft", shifts=["d"]),
    ...                Contract(name="pt", shifts=["d"], cost_per_hour=15)])
    >>> row_rates(pd.DataFrame({"contract": ["ft", "pt"], "shift": ["d", "d"]}), rules).tolist()
    [20.0, 15.0]
    """
    shifts = {s.name: s.cost_per_hour for s in rules.shifts}
    contracts = {c.name: c for c in rules.contracts}
    pairs = zip(roster["contract"], roster["shift"], strict=True)
    return np.array([contracts[c].cost_per_paid_hour(shifts[s]) for c, s in pairs], dtype=float)
