"""Read and check the inputs of a simulation: forecast, roster or staffing per interval.

A *forecast* has a tz-aware ``interval_start`` (column or index) on a regular grid without gaps
and a ``volume`` column [contacts per interval]. *Staffing* is either a roster (one row per
shift: ``start``, ``end``, ``agents``, ``breaks`` as written by :mod:`staffing.roster`) or agents
per interval (``interval_start``, ``agents``). Both are turned into on-duty periods per agent.
Files are read with :func:`staffing.timegrid.read_frame_csv`, so every file the other commands
write (``staffing forecast``, ``staffing roster``, a plan's directory) is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from staffing.errors import DataError
from staffing.simulate._engine import Agents
from staffing.timegrid import (
    INTERVAL_START,
    infer_interval_minutes,
    parse_breaks,
    pick_queue,
    read_frame_csv,
)

__all__ = ["Horizon", "read_forecast", "read_staffing"]

ROSTER_COLUMNS = ("start", "end", "agents")
INTERVAL_COLUMNS = ("interval_start", "agents")
_CHOOSE = "queue= (the --queue option)"  # how a caller of this module picks a queue


@dataclass(frozen=True)
class Horizon:
    """The interval grid of a simulation.

    Parameters
    ----------
    interval_start : pandas.DatetimeIndex
        Start of every interval, tz-aware, regular and without gaps.
    interval_seconds : float
        Length of one interval [s].
    volume : numpy.ndarray
        Expected contacts per interval [contacts per interval].
    queue : str or None
        The queue simulated, when the forecast names one.
    """

    interval_start: pd.DatetimeIndex
    interval_seconds: float
    volume: np.ndarray
    queue: str | None = None

    @property
    def edges(self) -> np.ndarray:
        """Interval boundaries [s from the start of the horizon], one more than intervals."""
        return np.arange(len(self.interval_start) + 1) * self.interval_seconds

    def seconds(self, times: pd.DatetimeIndex | pd.Series) -> np.ndarray:
        """Convert tz-aware timestamps into seconds from the start of the horizon [s]."""
        delta = pd.DatetimeIndex(times) - self.interval_start[0]
        return np.asarray(delta.total_seconds(), dtype=float)


def read_forecast(
    path: str | Path | IO[str], tz: str | None = None, queue: str | None = None
) -> pd.DataFrame:
    """Read a forecast CSV: ``staffing forecast`` output or a plan's ``forecast.csv``.

    Parameters
    ----------
    path : str, pathlib.Path or text stream
        CSV file with columns ``interval_start`` (ISO 8601 with UTC offset) and ``volume``
        [contacts per interval], optionally ``queue`` and quantile columns (``q10``, ``q50``,
        ``q90``...). A ``timestamp`` column with offsets (forecast files written before the
        tidy schema) is read as ``interval_start``.
    tz : str, optional
        Time zone to convert the timestamps to (default: the file's UTC offset when it has
        one, else UTC; see :func:`staffing.timegrid.read_frame_csv`).
    queue : str, optional
        Keep the rows of this queue when the file has a ``queue`` column (required when that
        column holds several queues, as a plan's forecast.csv does).

    Returns
    -------
    pandas.DataFrame
        The file with ``interval_start`` parsed as tz-aware timestamps.

    Raises
    ------
    staffing.errors.DataError
        When the file cannot be read, lacks ``interval_start``, holds a bad timestamp (the
        message names the file, column and row), or holds several queues and ``queue`` does
        not pick one of them.

    Examples
    --------
    >>> import io
    >>> text = "interval_start,volume\\n2024-03-04T09:00:00+00:00,10\\n"
    >>> frame = read_forecast(io.StringIO(text), tz="Europe/London")
    >>> frame["interval_start"].iloc[0]
    Timestamp('2024-03-04 09:00:00+0000', tz='Europe/London')
    """
    frame = read_frame_csv(path, tz)
    legacy = frame.get("timestamp")
    old = legacy is not None and pd.api.types.is_datetime64_any_dtype(legacy)
    if INTERVAL_START not in frame.columns and old:
        frame = frame.rename(columns={"timestamp": INTERVAL_START})
    _require_columns(frame, (INTERVAL_START,), _name(path))
    return pick_queue(frame, queue, _name(path), how=_CHOOSE)


def read_staffing(
    path: str | Path | IO[str], tz: str | None = None, queue: str | None = None
) -> pd.DataFrame:
    """Read a roster CSV or a CSV of agents per interval.

    Accepted files: a roster (``start, end, agents, breaks``, as ``staffing roster`` writes
    ``roster.csv``, or a plan's ``roster.csv`` with a ``queue`` column), agents per interval
    (``interval_start, agents``) and coverage (``interval_start, scheduled``, as
    ``coverage.csv`` of ``staffing roster`` or of a plan: the scheduled agents are the agents).

    Parameters
    ----------
    path : str, pathlib.Path or text stream
        CSV file. Timestamps are ISO 8601 with a UTC offset; ``breaks`` holds
        semicolon-separated ``start/end`` pairs (empty when none).
    tz : str, optional
        Time zone to convert the timestamps to (default: the file's UTC offset when it has
        one, else UTC).
    queue : str, optional
        Keep the rows of this queue when the file has a ``queue`` column (required when that
        column holds several queues).

    Returns
    -------
    pandas.DataFrame
        A roster (``start``, ``end`` tz-aware, ``agents``, ``breaks`` text) or agents per
        interval (``interval_start``, ``agents``).

    Raises
    ------
    staffing.errors.DataError
        When the file cannot be read, has none of the layouts, or holds several queues and
        ``queue`` does not pick one of them.

    Examples
    --------
    >>> import io
    >>> text = (
    ...     "start,end,agents,breaks\\n"
    ...     "2024-03-04T09:00:00+00:00,2024-03-04T17:00:00+00:00,3,"
    ...     "2024-03-04T12:00:00+00:00/2024-03-04T12:30:00+00:00\\n"
    ... )
    >>> roster = read_staffing(io.StringIO(text))
    >>> int(roster.loc[0, "agents"]), roster.loc[0, "breaks"]
    (3, '2024-03-04T12:00:00+00:00/2024-03-04T12:30:00+00:00')
    """
    name = _name(path)
    frame = pick_queue(read_frame_csv(path, tz), queue, name, how=_CHOOSE)
    if all(c in frame.columns for c in ROSTER_COLUMNS):
        if "breaks" not in frame.columns:
            frame["breaks"] = ""
        frame["breaks"] = frame["breaks"].fillna("").astype(str)
        return frame
    if "tier" in frame.columns:
        raise DataError(
            f"{name}: one row per queue, tier and interval (a plan's requirements.csv?); "
            "simulate a roster (roster.csv) or its coverage (coverage.csv)"
        )
    if "agents" not in frame.columns and "scheduled" in frame.columns:
        frame = frame.rename(columns={"scheduled": "agents"})
    if all(c in frame.columns for c in INTERVAL_COLUMNS):
        return frame
    raise DataError(
        f"{name}: expected roster columns {', '.join(ROSTER_COLUMNS)} (and breaks), staffing "
        f"columns {', '.join(INTERVAL_COLUMNS)} or coverage columns interval_start, scheduled; "
        f"found {', '.join(map(str, frame.columns))}"
    )


def _name(path: object) -> str:
    return str(path) if isinstance(path, (str, Path)) else "<stream>"


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: missing column(s) {', '.join(missing)}; found "
            f"{', '.join(map(str, frame.columns))}"
        )


def horizon_from_forecast(
    forecast: pd.DataFrame,
    *,
    interval_minutes: float | None = None,
    volume_column: str = "volume",
    queue: str | None = None,
) -> Horizon:
    """Check a forecast frame and return its :class:`Horizon`."""
    frame = forecast.reset_index() if "interval_start" not in forecast.columns else forecast
    _require_columns(frame, ("interval_start", volume_column), "forecast")
    frame, queue = _one_queue(frame, queue)
    times = _aware(frame["interval_start"], "forecast", "interval_start")
    order = np.argsort(times.asi8, kind="stable")
    times = times[order]
    volume = pd.to_numeric(frame[volume_column].iloc[order], errors="coerce").to_numpy(float)
    if times.has_duplicates:
        raise DataError(f"forecast: interval_start {times[times.duplicated()][0]} appears twice")
    _check_volume(volume, times, volume_column)
    seconds = _grid_seconds(times, interval_minutes, "forecast")
    return Horizon(pd.DatetimeIndex(times), seconds, volume, queue)


def _one_queue(frame: pd.DataFrame, queue: str | None) -> tuple[pd.DataFrame, str | None]:
    if "queue" not in frame.columns:
        return frame, queue
    names = sorted(frame["queue"].astype(str).unique())
    if queue is None:
        if len(names) > 1:
            raise DataError(
                f"forecast: column 'queue' holds {len(names)} queues ({', '.join(names)}); "
                "choose one with queue= (the --queue option)"
            )
        return frame, names[0] if names else None
    if queue not in names:
        raise DataError(f"forecast: queue {queue!r} not found; queues are {', '.join(names)}")
    return frame[frame["queue"].astype(str) == queue], queue


def _aware(values: pd.Series | pd.Index, where: str, column: str) -> pd.DatetimeIndex:
    try:
        times = pd.DatetimeIndex(values)
    except (TypeError, ValueError) as err:
        raise DataError(f"{where}: column {column!r}: expected timestamps: {err}") from err
    if times.tz is None:
        raise DataError(
            f"{where}: column {column!r}: expected tz-aware timestamps, got naive ones"
        )
    if times.hasnans:
        row = int(np.flatnonzero(times.isna())[0])
        raise DataError(f"{where}: column {column!r}, row {row + 1}: missing timestamp")
    return times


def _check_volume(volume: np.ndarray, times: pd.DatetimeIndex, column: str) -> None:
    bad = ~np.isfinite(volume) | (volume < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"forecast: column {column!r} at interval_start {times[first]}: expected a "
            f"finite rate >= 0 [contacts per interval], got {volume[first]}"
        )


def _grid_seconds(times: pd.DatetimeIndex, interval_minutes: float | None, where: str) -> float:
    steps = np.asarray((times[1:] - times[:-1]).total_seconds(), dtype=float)
    if interval_minutes is not None:
        if not interval_minutes > 0:
            raise ValueError(
                f"interval_minutes: expected a length > 0 [min], got {interval_minutes}"
            )
        seconds = float(interval_minutes) * 60.0
    else:
        seconds = infer_interval_minutes(times, where=where) * 60.0
    off = np.flatnonzero(np.abs(steps - seconds) > 1e-6)
    if len(off):
        raise DataError(
            f"{where}: intervals must follow a regular {seconds / 60:g}-minute grid without gaps; "
            f"{times[off[0]]} is followed by {times[off[0] + 1]}"
        )
    return seconds


def agents_from_staffing(staffing: pd.DataFrame, horizon: Horizon) -> Agents:
    """Turn a roster frame or a staffing-per-interval frame into on-duty periods per agent."""
    frame = (
        staffing.reset_index() if "interval_start" in (staffing.index.names or []) else staffing
    )
    if all(c in frame.columns for c in ROSTER_COLUMNS):
        return _agents_from_roster(frame, horizon)
    if all(c in frame.columns for c in INTERVAL_COLUMNS):
        return _agents_from_intervals(frame, horizon)
    raise DataError(
        f"staffing: expected roster columns {', '.join(ROSTER_COLUMNS)} or staffing columns "
        f"{', '.join(INTERVAL_COLUMNS)}; found {', '.join(map(str, frame.columns))}"
    )


def _agent_counts(values: pd.Series, where: str, label: pd.Series) -> np.ndarray:
    counts = pd.to_numeric(values, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: column 'agents', row {first + 1} ({label.iloc[first]}): expected a whole "
            f"number >= 0, got {values.iloc[first]!r}"
        )
    return counts.astype(int)


def _agents_from_intervals(frame: pd.DataFrame, horizon: Horizon) -> Agents:
    times = _aware(frame["interval_start"], "staffing", "interval_start")
    counts = _agent_counts(frame["agents"].reset_index(drop=True), "staffing", pd.Series(times))
    if times.has_duplicates:
        raise DataError(f"staffing: interval_start {times[times.duplicated()][0]} appears twice")
    position = horizon.seconds(times) / horizon.interval_seconds
    index = np.round(position).astype(int)
    off_grid = np.abs(position - index) > 1e-9
    outside = (index < 0) | (index >= len(horizon.interval_start))
    for mask, what in ((off_grid, "is not on the forecast grid"), (outside, "is outside")):
        if mask.any():
            raise DataError(
                f"staffing: interval_start {times[np.flatnonzero(mask)[0]]} {what} of the "
                f"forecast ({horizon.interval_start[0]} to {horizon.interval_start[-1]}, "
                f"{horizon.interval_seconds / 60:g}-minute intervals)"
            )
    level = np.full(len(horizon.interval_start), -1)
    level[index] = counts
    if (level < 0).any():
        missing = horizon.interval_start[np.flatnonzero(level < 0)[0]]
        raise DataError(f"staffing: no agents given for forecast interval_start {missing}")
    return _periods_from_levels(level, horizon.interval_seconds)


def _periods_from_levels(level: np.ndarray, seconds: float) -> Agents:
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    sizes = []
    for j in range(1, int(level.max(initial=0)) + 1):
        on = np.concatenate([[0], (level >= j).astype(int), [0]])
        change = np.diff(on)
        starts.append(np.flatnonzero(change == 1) * seconds)
        ends.append(np.flatnonzero(change == -1) * seconds)
        sizes.append(len(starts[-1]))
    return _pack(starts, ends, sizes)


def _pack(starts: list[np.ndarray], ends: list[np.ndarray], sizes: list[int]) -> Agents:
    offsets = np.concatenate([[0], np.cumsum(sizes, dtype=int)]).astype(int)
    flat_starts = np.concatenate(starts) if starts else np.zeros(0)
    flat_ends = np.concatenate(ends) if ends else np.zeros(0)
    return Agents(flat_starts.astype(float), flat_ends.astype(float), offsets)


def _agents_from_roster(frame: pd.DataFrame, horizon: Horizon) -> Agents:
    frame = frame.reset_index(drop=True)
    start = _aware(frame["start"], "roster", "start")
    end = _aware(frame["end"], "roster", "end")
    counts = _agent_counts(frame["agents"], "roster", pd.Series(start))
    breaks = frame["breaks"] if "breaks" in frame.columns else pd.Series([""] * len(frame))
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    sizes: list[int] = []
    horizon_end = horizon.edges[-1]
    touches = False
    for row in range(len(frame)):
        if counts[row] == 0:
            continue
        periods = _shift_periods(row, start[row], end[row], breaks.iloc[row], horizon)
        touches = touches or bool(((periods[0] < horizon_end) & (periods[1] > 0)).any())
        periods = _clip(periods)
        for _ in range(counts[row]):
            starts.append(periods[0])
            ends.append(periods[1])
            sizes.append(len(periods[0]))
    if len(frame) and counts.sum() > 0 and not touches:
        raise DataError(
            f"roster: shifts run from {start.min()} to {end.max()}, outside the forecast "
            f"({horizon.interval_start[0]} to "
            f"{horizon.interval_start[-1] + pd.Timedelta(horizon.interval_seconds, unit='s')})"
        )
    return _pack(starts, ends, sizes)


def _clip(periods: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Drop periods over before the horizon and start the others no earlier than 0."""
    keep = periods[1] > 0
    return np.maximum(periods[0][keep], 0.0), periods[1][keep]


def _shift_periods(
    row: int, start: pd.Timestamp, end: pd.Timestamp, breaks: object, horizon: Horizon
) -> tuple[np.ndarray, np.ndarray]:
    where = f"roster, row {row + 1} (shift {start} to {end})"
    if end <= start:
        raise DataError(f"{where}: column 'end' must be after 'start'")
    pairs = parse_breaks(breaks, where)
    if any(stamp.tz is None for pair in pairs for stamp in pair):
        raise DataError(f"{where}: column 'breaks': {breaks!r} lacks a UTC offset")
    cuts = [(a.tz_convert(start.tz), b.tz_convert(start.tz)) for a, b in pairs]
    edges = [start]
    for b_start, b_end in cuts:
        if b_start < edges[-1] or b_end > end or b_end <= b_start:
            raise DataError(
                f"{where}: break {b_start.isoformat()}/{b_end.isoformat()} must lie inside the "
                "shift, end after it starts and not overlap another break"
            )
        edges += [b_start, b_end]
    edges.append(end)
    seconds = horizon.seconds(pd.DatetimeIndex(edges))
    lo, hi = seconds[0::2], seconds[1::2]
    keep = hi > lo
    return lo[keep], hi[keep]
