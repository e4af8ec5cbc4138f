"""Read and validate contact history into the tidy schema; write frames with time zones as CSV.

:func:`read_history` turns a table of individual contacts (one timestamp per row) or of interval
counts (timestamp and count) from CSV, Parquet, Excel or pandas into the tidy history frame
``interval_start, queue, volume`` on a complete regular grid, checks it, and reports the gaps it
finds (missing intervals, and runs of zeros in hours that are normally busy) instead of letting
them pass as zero demand. :func:`find_gaps` finds the same gaps in any tidy frame.
:func:`write_frame_csv` and :func:`read_frame_csv` write and read frames whose timestamps carry
a time zone, as ISO 8601 text with the UTC offset.

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

import re
import zipfile
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from staffing.errors import DataError

__all__ = [
    "COUNT_NAMES",
    "GAP_COLUMNS",
    "QUEUE_NAMES",
    "TIMESTAMP_NAMES",
    "Gap",
    "find_gaps",
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
#: Queue name given to data without a queue column.
ALL_QUEUES = "all"
#: Interval lengths :func:`read_history` produces [minutes].
INTERVAL_CHOICES = (15, 30, 60)

_MISSING_TEXT = frozenset({"", "na", "nan", "null", "none"})
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"  # matched against the last six characters
_ISO_WITH_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$"
)


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


@dataclass(frozen=True)
class _Columns:
    timestamp: str
    count: str | None
    queue: str | None


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
        A CSV (``.csv``, ``.csv.gz``, ``.txt``), Parquet (``.parquet``, ``.pq``) or Excel
        (``.xlsx``, ``.xlsm``) file, a DataFrame, or a Series of counts indexed by timestamp
        (or of contact timestamps).
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
        ``tz``; timestamps with a UTC offset are converted to it. Without ``tz``, naive data
        stay naive (local clock, no summer-time handling) and data with offsets are kept in UTC.
    interval_minutes : int
        Length of the output intervals [minutes]: 15, 30 or 60.
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
        Columns ``interval_start`` (tz-aware unless the data are naive and ``tz`` is None),
        ``queue`` (str) and ``volume`` [contacts per interval] (float, NaN inside gaps), sorted
        by queue then time. ``attrs["gaps"]`` holds the gaps and ``attrs["interval_minutes"]``
        the interval length.

    Raises
    ------
    DataError
        If the data cannot be read or fail a check; the message names the file, the column and
        the first offending row (data rows count from 1, the header excluded).
    FileNotFoundError
        If ``source`` is a path that does not exist.

    Notes
    -----
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
    table, label, forced = _load(source, sheet_name)
    columns = _pick_columns(
        table,
        label,
        timestamp_column or forced.get("timestamp"),
        count_column or forced.get("count"),
        queue_column,
    )
    rows, aware = _rows(table, label, columns, queue, timestamp_format)
    rows = _place_in_zone(rows, aware, label, columns, tz)
    is_count = columns.count is not None
    if is_count:
        frame = _bin_counts(rows, label, columns, interval_minutes)
    else:
        frame = _bin_contacts(rows, interval_minutes)
    _check_history_length(frame, label, interval_minutes, min_history_days)
    gaps = _missing_gaps(frame, interval_minutes)
    if zero_runs if zero_runs is not None else not is_count:
        runs = _zero_run_gaps(frame, interval_minutes, min_expected)
        for gap in runs:
            inside = (frame["queue"] == gap.queue) & frame["interval_start"].between(
                gap.start, gap.end, inclusive="left"
            )
            frame.loc[inside, "volume"] = np.nan
        gaps = sorted([*gaps, *runs], key=lambda gap: (gap.queue, gap.start))
    frame.attrs["gaps"] = tuple(gaps)
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
        gaps += _zero_run_gaps(grid, interval_minutes, min_expected)
    gaps.sort(key=lambda gap: (gap.queue, gap.start))
    return _gap_table(gaps)


def write_frame_csv(
    frame: pd.DataFrame, path: str | PathLike[str], *, force: bool = False
) -> Path:
    """Write a frame as CSV with timestamps in ISO 8601 with their UTC offset.

    Columns (and a named or datetime index) holding tz-aware timestamps are written as, for
    example, ``2025-03-30T02:00:00+01:00``; naive timestamps without offset. A path ending in
    ``.gz`` is gzip-compressed.

    Parameters
    ----------
    frame : pandas.DataFrame
        Frame to write; a default integer index is not written, any other index is.
    path : str or path-like
        Output file.
    force : bool
        Overwrite ``path`` if it exists.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``force`` is False.

    Examples
    --------
    >>> import pandas as pd, pathlib, tempfile
    >>> stamps = pd.date_range("2025-03-30", periods=3, freq="h", tz="Europe/London")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "volume.csv"
    >>> _ = write_frame_csv(pd.DataFrame({"interval_start": stamps, "volume": [1, 2, 3]}), out)
    >>> print(out.read_text())
    interval_start,volume
    2025-03-30T00:00:00+00:00,1
    2025-03-30T02:00:00+01:00,2
    2025-03-30T03:00:00+01:00,3
    <BLANKLINE>
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path}: file exists; pass force=True to overwrite it")
    out = frame
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None):
        if isinstance(frame.index, pd.DatetimeIndex) and frame.index.name is None:
            out = frame.rename_axis("timestamp")
        out = out.reset_index()
    out = out.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            out[name]
        ):
            out[name] = _iso_text(out[name])
    out.to_csv(path, index=False, lineterminator="\n")
    return path


def read_frame_csv(
    path: str | PathLike[str], tz: str | None = None, *, datetime_columns: list[str] | None = None
) -> pd.DataFrame:
    """Read a CSV written by :func:`write_frame_csv`, restoring its time zones.

    Columns whose values are all ISO 8601 timestamps with a UTC offset are parsed (with
    ``utc=True``, so a column spanning a summer-time change parses) and converted to ``tz``
    (kept in UTC without ``tz``). Columns in ``datetime_columns`` are parsed in any case;
    values there without an offset stay naive.

    Parameters
    ----------
    path : str or path-like
        CSV file (``.gz`` accepted).
    tz : str, optional
        IANA time zone of the timestamps in the result.
    datetime_columns : list of str, optional
        Columns to parse as timestamps in addition to those detected.

    Returns
    -------
    pandas.DataFrame
        The frame, timestamps tz-aware.

    Examples
    --------
    >>> import pandas as pd, pathlib, tempfile
    >>> stamps = pd.date_range("2025-10-26", periods=3, freq="h", tz="Europe/London")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "volume.csv"
    >>> _ = write_frame_csv(pd.DataFrame({"interval_start": stamps, "volume": 1.5}), out)
    >>> back = read_frame_csv(out, "Europe/London")
    >>> back["interval_start"].equals(pd.Series(stamps, name="interval_start"))
    True
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, float_precision="round_trip")
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{path}: the file is empty") from err
    wanted = set(datetime_columns or ())
    unknown = sorted(wanted - set(frame.columns))
    if unknown:
        raise DataError(f"{path}: no column {unknown[0]!r}; columns present: {_listed(frame)}")
    for name in frame.columns:
        text = frame[name]
        detected = pd.api.types.is_string_dtype(text) and bool(
            text.dropna().astype(str).str.match(_ISO_WITH_OFFSET).all() and text.notna().any()
        )
        if detected or name in wanted:
            stamps, aware = _parse_timestamps(text, str(path), name, None)
            if aware and tz is not None:
                stamps = stamps.dt.tz_convert(tz)
            frame[name] = stamps
    return frame


# ----------------------------------------------------------------------------- loading


def _load(
    source: str | PathLike[str] | pd.DataFrame | pd.Series, sheet_name: str | int | None
) -> tuple[pd.DataFrame, str, dict[str, str]]:
    forced: dict[str, str] = {}
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
        table, label = _read_file(Path(source), sheet_name)
    else:
        raise TypeError(f"source must be a path, DataFrame or Series, got {type(source).__name__}")
    table = table.reset_index(drop=True)
    table.columns = [str(name).strip() for name in table.columns]
    if len(table) == 0:
        raise DataError(f"{label}: no data rows")
    return table, label, forced


def _read_file(path: Path, sheet_name: str | int | None) -> tuple[pd.DataFrame, str]:
    label = str(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected a file")
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt", ".txt.gz")):
        return _read_csv(path), label
    if name.endswith((".parquet", ".pq")):
        _require("pyarrow", path)
        try:
            return pd.read_parquet(path), label
        except (OSError, ValueError) as err:
            raise DataError(f"{path}: cannot read as Parquet: {_first_line(err)}") from err
    if name.endswith((".xlsx", ".xlsm")):
        _require("openpyxl", path)
        try:
            return pd.read_excel(path, sheet_name=sheet_name or 0), label
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise DataError(f"{path}: cannot read as Excel: {_first_line(err)}") from err
    raise DataError(f"{path}: unsupported file type; expected .csv, .csv.gz, .parquet or .xlsx")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{path}: the file is empty") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason})") from err
    except pd.errors.ParserError as err:
        raise DataError(f"{path}: cannot parse as CSV: {_first_line(err)}") from err
    except (OSError, EOFError) as err:
        raise DataError(f"{path}: cannot read: {_first_line(err)}") from err


def _require(module: str, path: Path) -> None:
    try:
        __import__(module)
    except ImportError as err:
        raise DataError(
            f"{path}: reading this file type needs {module}; "
            'install it with: pip install "staffing[io]"'
        ) from err


def _pick_columns(
    table: pd.DataFrame,
    label: str,
    timestamp: str | None,
    count: str | None,
    queue: str | bool | None,
) -> _Columns:
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
    return _Columns(ts_col, count_col, queue_col)


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


# ----------------------------------------------------------------------------- parsing


def _rows(
    table: pd.DataFrame,
    label: str,
    columns: _Columns,
    queue: str | None,
    fmt: str | None,
) -> tuple[pd.DataFrame, bool]:
    rows = pd.DataFrame({"row": np.arange(1, len(table) + 1)})
    if columns.queue is None:
        rows["queue"] = ALL_QUEUES
    else:
        rows["queue"] = _parse_queues(table[columns.queue], label, columns.queue)
    if queue is not None:
        present = sorted(rows["queue"].unique())
        if queue not in present:
            where = f"queues present: {', '.join(present)}"
            if columns.queue is None:
                where = "the data have no queue column (pass queue_column=)"
            raise DataError(f"{label}: no queue {queue!r}; {where}")
        keep = (rows["queue"] == queue).to_numpy()
        rows = rows.loc[keep].reset_index(drop=True)
        table = table.loc[keep].reset_index(drop=True)
    stamps, aware = _parse_timestamps(
        table[columns.timestamp], label, columns.timestamp, fmt, rows["row"]
    )
    rows["ts"] = stamps
    if columns.count is not None:
        rows["count"] = _parse_counts(table[columns.count], label, columns.count, rows["row"])
    return rows, aware


def _parse_queues(values: pd.Series, label: str, column: str) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    empty = (text == "").to_numpy()
    if empty.any():
        row = int(np.argmax(empty)) + 1
        raise DataError(f"{label}: column {column!r}, row {row}: empty queue name")
    return text


def _parse_timestamps(
    values: pd.Series, label: str, column: str, fmt: str | None, rows: pd.Series | None = None
) -> tuple[pd.Series, bool]:
    """Parse timestamps; aware results are in UTC (or their own zone), naive ones stay naive."""
    values = values.reset_index(drop=True)
    if rows is None:
        rows = pd.Series(np.arange(1, len(values) + 1))
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        _row_error(values.isna().to_numpy(), values, label, column, rows, "empty timestamp")
        return values, aware
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    if fmt is not None:
        aware = "%z" in fmt or "%Z" in fmt
        stamps = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
    else:
        offset = text.str[-6:].str.contains(_OFFSET).to_numpy()
        aware = bool(offset[0])
        mixed = offset != offset[0]
        if mixed.any():
            index = int(np.argmax(mixed))
            raise DataError(
                f"{label}: column {column!r}, row {int(rows.iloc[index])}: timestamp "
                f"{text.iloc[index]!r} {'has no' if aware else 'has a'} UTC offset, unlike row "
                f"{int(rows.iloc[0])} {text.iloc[0]!r}; use one form throughout"
            )
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        if not aware:
            stamps = stamps.dt.tz_localize(None)
    hint = "expected ISO 8601 such as 2025-03-30T09:00:00"
    if fmt is not None:
        hint = f"expected format {fmt!r}"
    else:
        hint += " (pass timestamp_format= for other layouts)"
    what = f"cannot parse timestamp; {hint}"
    _row_error(stamps.isna().to_numpy(), values, label, column, rows, what)
    return stamps, aware


def _parse_counts(values: pd.Series, label: str, column: str, rows: pd.Series) -> np.ndarray:
    values = values.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
        missing = text.str.lower().isin(_MISSING_TEXT).to_numpy()
        numbers = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(numbers) & ~missing
        _row_error(bad, values, label, column, rows, "expected a number of contacts")
    else:
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    _row_error(np.isinf(numbers), values, label, column, rows, "count is infinite")
    _row_error(numbers < 0, values, label, column, rows, "count is negative")
    return numbers


def _row_error(
    bad: np.ndarray, values: pd.Series, label: str, column: str, rows: pd.Series, what: str
) -> None:
    if bad.any():
        index = int(np.argmax(bad))
        raise DataError(
            f"{label}: column {column!r}, row {int(rows.iloc[index])}: {what}, "
            f"got {values.iloc[index]!r}"
        )


# ----------------------------------------------------------------------------- time zones


def _place_in_zone(
    rows: pd.DataFrame, aware: bool, label: str, columns: _Columns, tz: str | None
) -> pd.DataFrame:
    stamps = rows["ts"]
    if aware:
        if tz is not None:
            rows["ts"] = stamps.dt.tz_convert(tz)
        _check_duplicates(rows, label, columns, allowed=None)
        return rows
    if tz is None:
        _check_duplicates(rows, label, columns, allowed=None)
        return rows
    summer = stamps.dt.tz_localize(tz, ambiguous=np.ones(len(rows), bool), nonexistent="NaT")
    winter = stamps.dt.tz_localize(tz, ambiguous=np.zeros(len(rows), bool), nonexistent="NaT")
    doubled = (summer != winter).to_numpy() & summer.notna().to_numpy()
    _check_duplicates(rows, label, columns, allowed=np.where(doubled, 2, 1))
    second = np.zeros(len(rows), bool)
    if doubled.any():
        second[doubled] = _second_pass(rows.loc[doubled], columns.count is not None)
    rows["ts"] = stamps.dt.tz_localize(tz, ambiguous=~second, nonexistent="shift_forward")
    return rows


def _second_pass(rows: pd.DataFrame, is_count: bool) -> np.ndarray:
    """Mark rows in the second occurrence of a repeated hour (rows in file order)."""
    if is_count:
        return (rows.groupby(["queue", "ts"], sort=False).cumcount() > 0).to_numpy()
    day = rows["ts"].dt.normalize()
    keys = [rows["queue"], day]
    previous = rows["ts"].groupby(keys, sort=False).cummax()
    previous = previous.groupby(keys, sort=False).shift()
    stepped_back = (rows["ts"] < previous).astype(int)
    return (stepped_back.groupby(keys, sort=False).cummax() > 0).to_numpy()


def _check_duplicates(
    rows: pd.DataFrame, label: str, columns: _Columns, allowed: np.ndarray | None
) -> None:
    if columns.count is None:
        return
    seen = rows.groupby(["queue", "ts"], sort=False).cumcount().to_numpy()
    bad = seen >= (1 if allowed is None else allowed)
    if bad.any():
        index = int(np.argmax(bad))
        same = (rows["queue"] == rows["queue"].iloc[index]) & (
            rows["ts"] == rows["ts"].iloc[index]
        )
        first = int(rows.loc[same, "row"].iloc[0])
        where = "" if columns.queue is None else f" in queue {rows['queue'].iloc[index]!r}"
        raise DataError(
            f"{label}: column {columns.timestamp!r}, row {int(rows['row'].iloc[index])}: "
            f"duplicate timestamp {rows['ts'].iloc[index]}{where} (also in row {first})"
        )


def _floor(stamps: pd.Series, minutes: int) -> pd.Series:
    """Floor to the interval on the local wall clock (the offset of each instant is kept)."""
    freq = f"{minutes}min"
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return stamps.dt.floor(freq)
    wall = stamps.dt.tz_localize(None)
    offset = wall - stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    floored = (wall.dt.floor(freq) - offset).dt.tz_localize("UTC")
    return floored.dt.tz_convert(stamps.dt.tz)


# ----------------------------------------------------------------------------- binning


def _bin_counts(rows: pd.DataFrame, label: str, columns: _Columns, minutes: int) -> pd.DataFrame:
    step = _data_step(rows)
    if step is not None:
        if step > minutes or minutes % step:
            raise DataError(
                f"{label}: column {columns.timestamp!r}: the counts are per {step:g} minutes; "
                f"cannot make {minutes}-minute intervals from them (interval_minutes must be "
                f"a multiple of {step:g})"
            )
        start = _floor(rows["ts"], minutes)
        into = (rows["ts"] - start) / pd.Timedelta(1, unit="min")
        off_grid = np.mod(into.to_numpy(), step) != 0
        if off_grid.any():
            index = int(np.argmax(off_grid))
            raise DataError(
                f"{label}: column {columns.timestamp!r}, row {int(rows['row'].iloc[index])}: "
                f"timestamp {rows['ts'].iloc[index]} is not on the {step:g}-minute grid"
            )
    rows = rows.assign(interval_start=_floor(rows["ts"], minutes), unknown=rows["count"].isna())
    grouped = rows.groupby(["queue", "interval_start"], sort=True)
    binned = grouped.agg(
        total=("count", "sum"), size=("count", "size"), unknown=("unknown", "any")
    ).reset_index()
    per_bin = minutes // step if step is not None else 1
    binned["short"] = binned["size"] < per_bin
    binned["volume"] = binned["total"].where(~binned["unknown"] & ~binned["short"])
    parts = [_trim_short_edges(group) for _, group in binned.groupby("queue", sort=True)]
    return _on_grid(_concat(parts)[["queue", "interval_start", "volume"]], minutes)


def _trim_short_edges(group: pd.DataFrame) -> pd.DataFrame:
    """Drop leading and trailing intervals that hold only part of their sub-intervals."""
    full = np.flatnonzero(~group["short"].to_numpy())
    if len(full) == 0:
        return group
    return group.iloc[full[0] : full[-1] + 1]


def _data_step(rows: pd.DataFrame) -> float | None:
    """Most common positive step between distinct timestamps of a queue [minutes]."""
    diffs = []
    for _, stamps in rows.groupby("queue")["ts"]:
        unique = stamps.drop_duplicates().sort_values()
        step = (unique.diff().dropna() / pd.Timedelta(1, unit="min")).to_numpy()
        diffs.append(step[step > 0])
    pooled = np.concatenate(diffs) if diffs else np.array([])
    if len(pooled) == 0:
        return None
    values, counts = np.unique(pooled, return_counts=True)
    return float(values[np.argmax(counts)])


def _bin_contacts(rows: pd.DataFrame, minutes: int) -> pd.DataFrame:
    rows = rows.assign(interval_start=_floor(rows["ts"], minutes))
    counts = rows.groupby(["queue", "interval_start"]).size().rename("volume").reset_index()
    counts["volume"] = counts["volume"].astype(float)
    first, last = counts["interval_start"].min(), counts["interval_start"].max()
    grid = _grid(first, last, minutes)
    parts = []
    for name, group in counts.groupby("queue", sort=True):
        volume = group.set_index("interval_start")["volume"].reindex(grid, fill_value=0.0)
        parts.append(_tidy(grid, name, volume.to_numpy()))
    return _concat(parts)


def _grid(first: pd.Timestamp, last: pd.Timestamp, minutes: int) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq=f"{minutes}min", name="interval_start")


def _on_grid(data: pd.DataFrame, minutes: int) -> pd.DataFrame:
    parts = []
    for name, group in data.groupby("queue", sort=True):
        group = group.sort_values("interval_start")
        if group["interval_start"].duplicated().any():
            stamp = group.loc[group["interval_start"].duplicated(), "interval_start"].iloc[0]
            raise ValueError(f"frame: duplicate interval_start {stamp} in queue {name!r}")
        grid = _grid(group["interval_start"].iloc[0], group["interval_start"].iloc[-1], minutes)
        volume = group.set_index("interval_start")["volume"].reindex(grid)
        parts.append(_tidy(grid, str(name), volume.to_numpy(dtype=float)))
    return _concat(parts)


def _tidy(grid: pd.DatetimeIndex, queue: str, volume: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": grid,
            "queue": pd.Series([queue] * len(grid), dtype=str),
            "volume": volume,
        }
    )


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)


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
    for name, group in frame.groupby("queue", sort=True):
        wall = group["interval_start"]
        if isinstance(wall.dtype, pd.DatetimeTZDtype):
            wall = wall.dt.tz_localize(None)  # calendar days: a 23-hour day is still a day
        span = wall.iloc[-1] - wall.iloc[0]
        days = (span + pd.Timedelta(minutes, unit="min")) / pd.Timedelta(1, unit="D")
        if days < min_days:
            which = "" if name == ALL_QUEUES else f" for queue {name!r}"
            raise DataError(
                f"{label}: {days:.1f} days of history{which}; at least {min_days:g} days are "
                "needed (min_history_days)"
            )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and stop (exclusive) of each run of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _missing_gaps(frame: pd.DataFrame, minutes: int) -> list[Gap]:
    gaps = []
    for name, group in frame.groupby("queue", sort=True):
        stamps = group["interval_start"]
        for start, stop in _runs(group["volume"].isna().to_numpy()):
            gaps.append(_gap(str(name), stamps, start, stop, minutes, "missing"))
    return gaps


def _zero_run_gaps(frame: pd.DataFrame, minutes: int, min_expected: float) -> list[Gap]:
    gaps = []
    for name, group in frame.groupby("queue", sort=True):
        stamps = group["interval_start"]
        slot = (stamps.dt.day_of_week * 1440 + stamps.dt.hour * 60 + stamps.dt.minute) // minutes
        expected = group["volume"].groupby(slot.to_numpy()).transform("median").to_numpy()
        for start, stop in _runs((group["volume"] == 0).to_numpy()):
            if np.nansum(expected[start:stop]) >= min_expected:
                gaps.append(_gap(str(name), stamps, start, stop, minutes, "zero run"))
    return gaps


def _gap(queue: str, stamps: pd.Series, start: int, stop: int, minutes: int, reason: str) -> Gap:
    end = stamps.iloc[stop - 1] + pd.Timedelta(minutes, unit="min")
    return Gap(queue, stamps.iloc[start], end, int(stop - start), reason)


def _gap_table(gaps: list[Gap]) -> pd.DataFrame:
    table = pd.DataFrame(gaps, columns=list(GAP_COLUMNS))
    return table.astype({"queue": str, "intervals": "int64", "reason": str})


# ----------------------------------------------------------------------------- text


def _iso_text(stamps: pd.Series) -> pd.Series:
    """ISO 8601 text with the UTC offset (``+01:00``) for aware stamps; without for naive."""
    fine = bool(((stamps.dt.microsecond != 0) | (stamps.dt.nanosecond != 0)).any())
    layout = "%Y-%m-%dT%H:%M:%S.%f" if fine else "%Y-%m-%dT%H:%M:%S"
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return stamps.dt.strftime(layout).where(stamps.notna(), "")
    wall = stamps.dt.tz_localize(None)
    minutes = (wall - stamps.dt.tz_convert("UTC").dt.tz_localize(None)) / pd.Timedelta(
        1, unit="min"
    )
    minutes = minutes.fillna(0).astype(int)
    sign = np.where(minutes < 0, "-", "+")
    size = minutes.abs()
    offset = (
        pd.Series(sign, index=stamps.index)
        + (size // 60).astype(str).str.zfill(2)
        + ":"
        + (size % 60).astype(str).str.zfill(2)
    )
    return (wall.dt.strftime(layout) + offset).where(stamps.notna(), "")


def _listed(table: pd.DataFrame) -> str:
    return ", ".join(str(name) for name in table.columns)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
