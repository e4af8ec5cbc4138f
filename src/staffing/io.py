"""Read and validate contact history into the tidy schema; write frames with time zones as CSV.

:func:`read_history` turns a table of individual contacts (one timestamp per row) or of interval
counts (timestamp and count) from CSV, Parquet, Excel or pandas into the tidy history frame
``interval_start, queue, volume`` on a complete regular grid, checks it, and reports the gaps it
finds (missing intervals, and runs of zeros in hours that are normally busy) instead of letting
them pass as zero demand. :func:`find_gaps` finds the same gaps in any tidy frame.
:func:`write_frame_csv`, :func:`read_frame_csv` and :func:`floor_to_interval` live in
:mod:`staffing.timegrid` (the tidy schema and its time I/O) and are re-exported here.

Examples
--------
>>> import pandas as pd
>>> from staffing.io import read_history
>>> stamps = pd.date_range("2025-03-03", periods=14 * 24, freq="h")
>>> table = pd.DataFrame({"timestamp": stamps, "calls": 5})
>>> history = read_history(table, tz="Europe/London")
>>> list(history.columns)
['interval_start', 'queue', 'volume']
>>> float(history["volume"].sum())
1680.0
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from staffing._history_cells import (
    ALL_QUEUES,
    Columns,
    check_times_of_day,
    check_zone,
    naive_without_zone,
    parse_rows,
    place_in_zone,
)
from staffing._history_files import read_table
from staffing.errors import DataError
from staffing.timegrid import floor_to_interval, read_frame_csv, write_frame_csv

__all__ = [
    "COUNT_NAMES",
    "GAP_COLUMNS",
    "MAX_COUNT",
    "QUEUE_NAMES",
    "TIMESTAMP_NAMES",
    "Gap",
    "find_gaps",
    "floor_to_interval",
    "read_frame_csv",
    "read_history",
    "write_frame_csv",
]

#: Column names recognised as the timestamp column, in order of preference (any case).
TIMESTAMP_NAMES = ("timestamp", "interval_start", "datetime", "date_time", "time", "start")
#: Column names recognised as the count column (any case); without one, rows are contacts.
COUNT_NAMES = ("count", "volume", "calls", "contacts", "arrivals", "n")
#: Column names recognised as the queue column (any case).
QUEUE_NAMES = ("queue", "channel")
#: Columns of the gap table returned by :func:`find_gaps`.
GAP_COLUMNS = ("queue", "start", "end", "intervals", "reason")
#: Largest count accepted in one row of count data [contacts]; larger values are refused as
#: data errors (an identifier or a total pasted into the count column).
MAX_COUNT = 1e9
#: Interval lengths :func:`read_history` produces [minutes].
INTERVAL_CHOICES = (15, 30, 60)


class Gap(NamedTuple):
    """One gap in a history: a run of intervals whose volume is unknown.

    Attributes
    ----------
    queue : str
        Queue of the gap.
    start : pandas.Timestamp
        Start of the first interval of the gap.
    end : pandas.Timestamp
        End of the last interval of the gap (exclusive).
    intervals : int
        Number of intervals in the gap.
    reason : str
        ``"missing"`` (no data for these intervals) or ``"zero run"`` (zeros where the same
        hour of the week is normally busy).
    """

    queue: str
    start: pd.Timestamp
    end: pd.Timestamp
    intervals: int
    reason: str


def read_history(
    source: str | PathLike[str] | pd.DataFrame | pd.Series,
    *,
    timestamp_column: str | None = None,
    count_column: str | None = None,
    queue_column: str | bool | None = None,
    tz: str | None = None,
    interval_minutes: int = 60,
    sheet_name: str | int | None = None,
    queue: str | None = None,
    min_history_days: float = 14,
    timestamp_format: str | None = None,
    zero_runs: bool | None = None,
    min_expected: float = 20.0,
) -> pd.DataFrame:
    """Read contact history into the tidy frame ``interval_start, queue, volume``.

    The source holds either interval counts (a timestamp and a count column) or individual
    contacts (a timestamp per contact, no count column), optionally with a queue column. Counts
    are summed, and contacts counted, per interval of ``interval_minutes`` on a complete regular
    grid: intervals without contacts are 0, intervals without data are NaN, and the gaps are
    listed in ``frame.attrs["gaps"]`` (a tuple of :class:`Gap`).

    Parameters
    ----------
    source : path or pandas.DataFrame or pandas.Series
        A CSV (``.csv``, ``.tsv``, ``.txt``, each optionally ``.gz``), Parquet (``.parquet``,
        ``.pq``) or Excel (``.xlsx``, ``.xlsm``) file, a DataFrame, or a Series of counts
        indexed by timestamp (or of contact timestamps). See Notes for how CSV text is read.
    timestamp_column : str, optional
        Column holding the interval start or contact time; found among
        :data:`TIMESTAMP_NAMES` when omitted.
    count_column : str, optional
        Column holding contacts per row's interval [contacts]; found among :data:`COUNT_NAMES`
        when omitted. Without one, each row is one contact.
    queue_column : str or bool, optional
        Column naming the queue; found among :data:`QUEUE_NAMES` when omitted. ``False``
        ignores any queue column and pools all rows into queue ``"all"``.
    tz : str, optional
        IANA time zone of the result. Naive timestamps are read as local wall-clock time in
        ``tz`` and need it: without ``tz`` they are refused, the message naming this argument,
        the ``--tz`` option and the ``[history] tz`` key (``"UTC"`` suits a source that keeps
        24 hours on every day). Timestamps with a UTC offset are converted to ``tz``, and kept
        in UTC without it.
    interval_minutes : int
        Length of the output intervals [minutes]: 15, 30 or 60. Counts on a finer grid are
        summed when the interval is a multiple of their step (6-minute counts make 30- or
        60-minute intervals; 7-minute counts make none).
    sheet_name : str or int, optional
        Excel sheet to read [name or 0-based position]; the first sheet by default.
    queue : str, optional
        Keep only this queue.
    min_history_days : float
        Shortest history accepted, per queue [days]; 0 disables the check.
    timestamp_format : str, optional
        :func:`~datetime.datetime.strptime` format of text timestamps (for example
        ``"%d/%m/%Y %H:%M"``); ISO 8601 is expected by default.
    zero_runs : bool, optional
        Treat runs of zeros in busy hours as gaps (see :func:`find_gaps`). By default this is
        done for contact data, whose exports cannot tell "no contacts" from "no data", and not
        for count data, whose zeros are explicit.
    min_expected : float
        A run of zeros is a gap when the slot-of-week medians over the run sum to at least
        this many contacts [contacts].

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` (tz-aware), ``queue`` (str) and ``volume`` [contacts per
        interval] (float, NaN inside gaps), sorted by queue then time. ``attrs["gaps"]`` holds
        the gaps and ``attrs["interval_minutes"]`` the interval length.

    Raises
    ------
    DataError
        If the data cannot be read or fail a check; the message names the file, the column and
        the first offending row (data rows count from 1, the header excluded).
    ConfigError
        If ``tz`` is not a time zone known to pandas.
    FileNotFoundError
        If ``source`` is a path that does not exist.

    Notes
    -----
    *CSV text.* The encoding is taken from a byte-order mark (UTF-8, UTF-16, UTF-32), else
    UTF-8, else Windows-1252 (cp1252, which reads Latin-1 text) when no byte sequence of the
    file is UTF-8 beyond ASCII; UTF-16 without a mark is recognised by its zero bytes. A file
    that mixes UTF-8 and another encoding, or holds bytes of neither, is refused with the
    offset and line of the first bad byte. The delimiter is the one of ``,``, ``;``, tab and
    ``|`` that splits the header and the first lines into the same number of fields.
    Compressed (gzip) files are read whatever their name; a file whose content is another
    format than its extension says is refused, naming the format found.

    *Counts* may be fractions (imputed values such as ``12.5``) and may use a decimal comma
    (``12,5``); thousands separators are refused (``1.234,5``, or ``1,234`` where the comma
    separates thousands by the file's convention) rather than guessed. A blank, ``NA``,
    ``NaN``, ``null`` or ``None`` count is a missing interval (a gap). Counts must be finite,
    at least 0 and at most :data:`MAX_COUNT` (1e9 contacts per row).

    *Duplicates.* Two rows of count data for one queue and interval start are refused even
    when their counts are equal (the message names both rows and says whether the counts
    differ): a repeated export, two unlabelled sources that should be summed and a repeated
    summer-time hour read in the wrong zone cannot be told apart. In contact data every row is
    one contact and equal times are normal.

    *Order.* Rows may come in any order. Only the hour repeated when summer time ends needs
    the order of the file (below); a file in descending time order is read backwards for it,
    and a file in no order is refused once two rows fall into the same repeated hour.

    *UTC offsets* may change within a file (``+01:00`` in summer, ``+00:00`` in winter). A
    queue whose offset changes away and back within a day is refused: no zone does that.

    Naive local times in ``tz``: a time that does not exist (the hour skipped when summer time
    starts) is moved forward to the first valid instant, so its count goes into the next
    interval (a zero count changes nothing). A time that occurs twice (the hour repeated when
    summer time ends) is the first, summer-time occurrence unless the same time appears again:
    in count data the second row with that time is the second occurrence; in contact data the
    rows after time steps backwards inside the repeated hour are. Days with a change have 23 or
    25 hours; an hour a source did not repeat is reported as a missing gap.

    Examples
    --------
    Interval counts with a missing hour:

    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-03-03", periods=14 * 24, freq="h").delete(30)
    >>> table = pd.DataFrame({"timestamp": stamps, "count": 2})
    >>> history = read_history(table, tz="Europe/London")
    >>> len(history), int(history["volume"].isna().sum())
    (336, 1)
    >>> history.attrs["gaps"][0].reason
    'missing'

    Individual contacts counted per 30 minutes:

    >>> calls = pd.DataFrame({"time": ["2025-03-03 09:05",
    ...                           "2025-03-03 09:40", "2025-03-03 09:50"]})
    >>> read_history(calls, tz="UTC", interval_minutes=30, min_history_days=0)["volume"].tolist()
    [1.0, 2.0]
    """
    if interval_minutes not in INTERVAL_CHOICES:
        raise ValueError(f"interval_minutes must be 15, 30 or 60, got {interval_minutes!r}")
    if min_history_days < 0:
        raise ValueError(f"min_history_days must be >= 0, got {min_history_days!r}")
    check_zone(tz)
    loaded = _load(source, sheet_name)
    table, label, forced = loaded.table, loaded.label, loaded.forced
    columns = _pick_columns(
        table,
        label,
        timestamp_column or forced.get("timestamp"),
        count_column or forced.get("count"),
        queue_column,
    )
    rows, aware = parse_rows(
        table, label, columns, queue, timestamp_format, loaded.delimiter, MAX_COUNT
    )
    if not aware and tz is None:
        raise DataError(naive_without_zone(rows, label, columns.timestamp))
    is_count = columns.count is not None
    if not is_count:
        check_times_of_day(rows, label, columns.timestamp)
    rows = place_in_zone(rows, aware, label, columns, tz, table[columns.timestamp])
    if is_count:
        frame = _bin_counts(rows, label, columns, interval_minutes)
    else:
        frame = _bin_contacts(rows, interval_minutes)
    _check_history_length(frame, label, interval_minutes, min_history_days)
    runs = zero_runs if zero_runs is not None else not is_count
    frame.attrs["gaps"] = _mark_gaps(frame, interval_minutes, runs, min_expected)
    frame.attrs["interval_minutes"] = interval_minutes
    return frame


def find_gaps(
    frame: pd.DataFrame,
    *,
    interval_minutes: int | None = None,
    zero_runs: bool = False,
    min_expected: float = 20.0,
) -> pd.DataFrame:
    """List the gaps of a tidy history frame.

    A *missing* gap is a run of intervals that are absent from the regular grid or whose
    ``volume`` is NaN. With ``zero_runs``, a *zero run* is a maximal run of consecutive zero
    intervals whose expected volume, the median volume of the same slot of the week (day of
    week and time of day on the frame's clock) over the whole history, sums over the run to at
    least ``min_expected`` contacts: a Poisson stream with that mean stays silent that long with
    probability :math:`e^{-20} \\approx 2 \\cdot 10^{-9}` at the default, which leaves room for
    the over-dispersion of real counts. The medians include the run itself, so an outage must
    cover fewer than half of the weeks of the history to be found.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy frame with ``interval_start``, ``volume`` and optionally ``queue``.
    interval_minutes : int, optional
        Grid step [minutes]; the smallest step between intervals when omitted.
    zero_runs : bool
        Also report runs of zeros in busy hours.
    min_expected : float
        Expected contacts over a zero run for it to count as a gap [contacts].

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_COLUMNS`: ``queue``, ``start`` (first interval of the gap), ``end``
        (end of its last interval, exclusive), ``intervals`` and ``reason`` (``"missing"`` or
        ``"zero run"``), sorted by queue then start.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-03-03", periods=6, freq="h", tz="Europe/London")
    >>> frame = pd.DataFrame({"interval_start": stamps.delete([2, 3]), "volume": 4.0})
    >>> gaps = find_gaps(frame)
    >>> gaps[["start", "intervals", "reason"]].to_string(index=False)
    '                    start  intervals  reason\\n2025-03-03 02:00:00+00:00          2 missing'
    """
    for name in ("interval_start", "volume"):
        if name not in frame.columns:
            raise ValueError(f"frame: no column {name!r}; columns present: {_listed(frame)}")
    data = frame[["interval_start", "volume"]].copy()
    data["queue"] = frame["queue"].astype(str) if "queue" in frame.columns else ALL_QUEUES
    data["volume"] = data["volume"].astype(float)
    if interval_minutes is None:
        interval_minutes = _typical_step(data)
    grid = _on_grid(data, interval_minutes)
    gaps = _missing_gaps(grid, interval_minutes)
    if zero_runs:
        gaps += _zero_run_gaps(grid, interval_minutes, min_expected)[0]
    gaps.sort(key=lambda gap: (gap.queue, gap.start))
    return _gap_table(gaps)


# ----------------------------------------------------------------------------- loading


class _Source(NamedTuple):
    table: pd.DataFrame
    label: str
    forced: dict[str, str]
    delimiter: str  # column delimiter of CSV text, "" for other sources


def _load(
    source: str | PathLike[str] | pd.DataFrame | pd.Series, sheet_name: str | int | None
) -> _Source:
    forced: dict[str, str] = {}
    delimiter = ""
    if isinstance(source, pd.Series):
        if isinstance(source.index, pd.DatetimeIndex):
            table = pd.DataFrame({"timestamp": source.index, "count": source.to_numpy()})
            forced = {"timestamp": "timestamp", "count": "count"}
        else:
            table = pd.DataFrame({"timestamp": source.to_numpy()})
            forced = {"timestamp": "timestamp"}
        label = "Series"
    elif isinstance(source, pd.DataFrame):
        table = source
        if isinstance(source.index, pd.DatetimeIndex):
            name = str(source.index.name or "timestamp")
            table = source.rename_axis(name).reset_index()
            forced = {"timestamp": name}
        label = "DataFrame"
    elif isinstance(source, str | PathLike):
        table, delimiter = read_table(Path(source), sheet_name)
        label = str(Path(source))
    else:
        raise TypeError(f"source must be a path, DataFrame or Series, got {type(source).__name__}")
    table = table.reset_index(drop=True)
    table.columns = [str(name).strip().lstrip("\ufeff").strip() for name in table.columns]
    if len(table) == 0:
        raise DataError(f"{label}: no data rows")
    return _Source(table, label, forced, delimiter)


def _pick_columns(
    table: pd.DataFrame,
    label: str,
    timestamp: str | None,
    count: str | None,
    queue: str | bool | None,
) -> Columns:
    ts_col = _named(table, label, timestamp, "timestamp_column") or _detect(table, TIMESTAMP_NAMES)
    if ts_col is None:
        raise DataError(
            f"{label}: no timestamp column found (looked for {', '.join(TIMESTAMP_NAMES)}); "
            f"columns present: {_listed(table)}; pass timestamp_column="
        )
    count_col = _named(table, label, count, "count_column") or _detect(table, COUNT_NAMES)
    if queue is False:
        queue_col = None
    elif queue is None or queue is True:
        queue_col = _detect(table, QUEUE_NAMES)
    else:
        queue_col = _named(table, label, queue, "queue_column")
    return Columns(ts_col, count_col, queue_col)


def _named(table: pd.DataFrame, label: str, name: str | None, argument: str) -> str | None:
    if name is None:
        return None
    if name in table.columns:
        return name
    folded = [col for col in table.columns if col.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    raise DataError(f"{label}: no column {name!r} ({argument}); columns present: {_listed(table)}")


def _detect(table: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    lowered = {col.lower(): col for col in reversed(list(table.columns))}
    for name in candidates:
        if name in lowered:
            return lowered[name]
    return None


# ----------------------------------------------------------------------------- binning


def _bin_counts(rows: pd.DataFrame, label: str, columns: Columns, minutes: int) -> pd.DataFrame:
    step = _data_step(rows)
    if step is not None:
        if step > minutes or minutes % step:
            raise DataError(_step_message(label, columns.timestamp, step, minutes))
        start = floor_to_interval(rows["ts"], minutes)
        into = (rows["ts"] - start) / pd.Timedelta(1, unit="min")
        off_grid = np.mod(into.to_numpy(), step) != 0
        if off_grid.any():
            index = int(np.argmax(off_grid))
            raise DataError(
                f"{label}: column {columns.timestamp!r}, row {int(rows['row'].iloc[index])}: "
                f"timestamp {rows['ts'].iloc[index]} is not on the {step:g}-minute grid"
            )
    rows = rows.assign(
        interval_start=floor_to_interval(rows["ts"], minutes), unknown=rows["count"].isna()
    )
    grouped = rows.groupby(["queue", "interval_start"], sort=True)
    binned = grouped.agg(
        total=("count", "sum"), size=("count", "size"), unknown=("unknown", "any")
    ).reset_index()
    per_bin = minutes // step if step is not None else 1
    short = (binned["size"] < per_bin).to_numpy()
    binned["volume"] = binned["total"].where(~binned["unknown"] & ~short)
    binned = binned.loc[_inside_full_edges(short, pd.factorize(binned["queue"])[0])]
    return _on_grid(binned[["queue", "interval_start", "volume"]], minutes)


def _step_message(label: str, column: str, step: float, minutes: int) -> str:
    choices = [f"{m}" for m in INTERVAL_CHOICES if m >= step and m % step == 0]
    if choices:
        fix = f"interval_minutes must be a multiple of {step:g}: {' or '.join(choices)}"
    else:
        fix = (
            f"none of 15, 30 or 60 minutes is a multiple of {step:g}, so the counts cannot be "
            "summed into intervals exactly; export counts per 5, 10, 15, 20, 30 or 60 "
            "minutes, or one row per contact"
        )
    return (
        f"{label}: column {column!r}: the counts are per {step:g} minutes; cannot make "
        f"{minutes}-minute intervals from them ({fix})"
    )


def _inside_full_edges(short: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Drop each queue's leading and trailing intervals that lack some sub-intervals.

    ``short`` marks such intervals in a frame sorted by queue (``codes``) then time; a queue
    whose every interval is short is kept whole.
    """
    position = pd.Series(np.arange(len(short)), dtype=float)
    full = position.where(~short)
    first = full.groupby(codes).transform("min").to_numpy()
    last = full.groupby(codes).transform("max").to_numpy()
    inside = (position.to_numpy() >= first) & (position.to_numpy() <= last)
    return inside | np.isnan(first)


def _data_step(rows: pd.DataFrame) -> float | None:
    """Most common positive step between distinct timestamps of a queue [minutes]."""
    pairs = rows[["queue", "ts"]].drop_duplicates().sort_values(["queue", "ts"], kind="stable")
    same = pairs["queue"].eq(pairs["queue"].shift()).to_numpy()
    steps = (pairs["ts"].diff() / pd.Timedelta(1, unit="min")).to_numpy(dtype=float)[same]
    steps = steps[steps > 0]
    if len(steps) == 0:
        return None
    values, counts = np.unique(steps, return_counts=True)
    return float(values[np.argmax(counts)])


def _bin_contacts(rows: pd.DataFrame, minutes: int) -> pd.DataFrame:
    starts = floor_to_interval(rows["ts"], minutes)
    counts = rows.groupby([rows["queue"], starts.rename("interval_start")]).size()
    grid = _grid(starts.min(), starts.max(), minutes)
    names = sorted(rows["queue"].unique())
    index = pd.MultiIndex.from_product([names, grid], names=["queue", "interval_start"])
    return pd.DataFrame(
        {
            "interval_start": index.get_level_values("interval_start"),
            "queue": pd.Series(index.get_level_values("queue"), dtype=str),
            "volume": counts.reindex(index, fill_value=0).to_numpy(dtype=float),
        }
    )


def _grid(first: pd.Timestamp, last: pd.Timestamp, minutes: int) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq=f"{minutes}min", name="interval_start")


def _on_grid(data: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Each queue's volume on a complete grid from its first to its last interval.

    Intervals absent from ``data`` are NaN; rows off the grid that starts at a queue's first
    interval are dropped.
    """
    data = data.assign(queue=data["queue"].astype(str))
    data = data.sort_values(["queue", "interval_start"], kind="stable", ignore_index=True)
    if len(data) == 0:
        return data[["interval_start", "queue", "volume"]].astype({"volume": float})
    stamps, queues = data["interval_start"], data["queue"]
    repeated = (queues.eq(queues.shift()) & stamps.eq(stamps.shift())).to_numpy()
    if repeated.any():
        index = int(np.argmax(repeated))
        raise ValueError(
            f"frame: duplicate interval_start {stamps.iloc[index]} in queue {queues.iloc[index]!r}"
        )
    codes, names = pd.factorize(queues)
    firsts = stamps.groupby(codes).first()
    since = stamps - stamps.groupby(codes).transform("first")
    position = (since / pd.Timedelta(minutes, unit="min")).to_numpy(dtype=float)
    on = position == np.floor(position)
    steps = position[on].astype(np.int64)
    length = pd.Series(steps).groupby(codes[on]).max().reindex(range(len(names))).to_numpy() + 1
    length = np.nan_to_num(length, nan=1).astype(np.int64)
    offset = np.r_[0, np.cumsum(length)[:-1]]
    volume = np.full(int(length.sum()), np.nan)
    volume[offset[codes[on]] + steps] = data["volume"].to_numpy(dtype=float)[on]
    within = np.arange(len(volume)) - np.repeat(offset, length)
    starts = pd.DatetimeIndex(firsts).repeat(length) + pd.to_timedelta(
        within * minutes, unit="min"
    )
    return pd.DataFrame(
        {
            "interval_start": starts.rename("interval_start"),
            "queue": pd.Series(np.repeat(np.asarray(names, dtype=object), length), dtype=str),
            "volume": volume,
        }
    )


def _typical_step(data: pd.DataFrame) -> int:
    rows = data.rename(columns={"interval_start": "ts"})
    step = _data_step(rows)
    if step is None:
        raise ValueError("frame: cannot infer the interval from fewer than two intervals")
    return int(step)


# ----------------------------------------------------------------------------- checks and gaps


def _check_history_length(frame: pd.DataFrame, label: str, minutes: int, min_days: float) -> None:
    if min_days <= 0:
        return
    wall = frame["interval_start"]
    if isinstance(wall.dtype, pd.DatetimeTZDtype):
        wall = wall.dt.tz_localize(None)  # calendar days: a 23-hour day is still a day
    ends = wall.groupby(frame["queue"], sort=True).agg(["min", "max"])
    span = ends["max"] - ends["min"] + pd.Timedelta(minutes, unit="min")
    days = (span / pd.Timedelta(1, unit="D")).to_numpy(dtype=float)
    short = days < min_days
    if short.any():
        index = int(np.argmax(short))
        name = ends.index[index]
        which = "" if name == ALL_QUEUES else f" for queue {name!r}"
        shown = math.floor(days[index] * 10) / 10  # never rounded up to the minimum
        raise DataError(
            f"{label}: {shown:.1f} days of history{which}; at least {min_days:g} days are "
            "needed (min_history_days)"
        )


def _mark_gaps(
    frame: pd.DataFrame, minutes: int, zero_runs: bool, min_expected: float
) -> tuple[Gap, ...]:
    """The gaps of a history on its grid; zero runs in busy hours become NaN in place."""
    gaps = _missing_gaps(frame, minutes)
    if zero_runs:
        runs, inside = _zero_run_gaps(frame, minutes, min_expected)
        frame.loc[inside, "volume"] = np.nan
        gaps = sorted([*gaps, *runs], key=lambda gap: (gap.queue, gap.start))
    return tuple(gaps)


def _runs(mask: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) of each run of True in ``mask`` within one queue."""
    same = codes[1:] == codes[:-1]
    starts = np.flatnonzero(mask & ~np.r_[False, same & mask[:-1]])
    stops = np.flatnonzero(mask & ~np.r_[same & mask[1:], False]) + 1
    return starts, stops


def _gaps(
    frame: pd.DataFrame, starts: np.ndarray, stops: np.ndarray, minutes: int, reason: str
) -> list[Gap]:
    stamps, queues = frame["interval_start"], frame["queue"]
    step = pd.Timedelta(minutes, unit="min")
    return [
        Gap(str(queues.iloc[a]), stamps.iloc[a], stamps.iloc[b - 1] + step, int(b - a), reason)
        for a, b in zip(starts, stops, strict=True)
    ]


def _missing_gaps(frame: pd.DataFrame, minutes: int) -> list[Gap]:
    codes = pd.factorize(frame["queue"])[0]
    starts, stops = _runs(frame["volume"].isna().to_numpy(), codes)
    return _gaps(frame, starts, stops, minutes, "missing")


def _zero_run_gaps(
    frame: pd.DataFrame, minutes: int, min_expected: float
) -> tuple[list[Gap], np.ndarray]:
    """Zero runs in busy hours, and a mask of the intervals inside them."""
    codes = pd.factorize(frame["queue"])[0]
    stamps, volume = frame["interval_start"], frame["volume"]
    slot = (stamps.dt.day_of_week * 1440 + stamps.dt.hour * 60 + stamps.dt.minute) // minutes
    expected = volume.groupby([codes, slot.to_numpy()]).transform("median").to_numpy()
    starts, stops = _runs((volume == 0).to_numpy(), codes)
    bounds = np.ravel(np.column_stack([starts, stops]))
    if len(bounds):
        sums = np.add.reduceat(np.r_[np.nan_to_num(expected), 0.0], bounds)[::2]
    else:
        sums = np.array([])
    busy = sums >= min_expected
    starts, stops = starts[busy], stops[busy]
    marks = np.zeros(len(frame) + 1, np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, stops, -1)
    return _gaps(frame, starts, stops, minutes, "zero run"), np.cumsum(marks[:-1]) > 0


def _gap_table(gaps: list[Gap]) -> pd.DataFrame:
    table = pd.DataFrame(gaps, columns=list(GAP_COLUMNS))
    return table.astype({"queue": str, "intervals": "int64", "reason": str})


# ----------------------------------------------------------------------------- text


def _listed(table: pd.DataFrame) -> str:
    return ", ".join(str(name) for name in table.columns)
