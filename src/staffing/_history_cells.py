"""Parse the cells of a history table and place its timestamps in a time zone.

Private helpers of :func:`staffing.io.read_history`: queue names, timestamps (with or without a
UTC offset), counts (with their limits), duplicate rows, and the summer-time rules for naive
local times. Each check raises :class:`~staffing.errors.DataError` naming the source, the
column and the first offending row (data rows count from 1, the header excluded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing._history_files import number_text
from staffing.errors import ConfigError, DataError

#: Queue name given to data without a queue column.
ALL_QUEUES = "all"

_MISSING_TEXT = frozenset({"", "na", "nan", "null", "none"})
# A UTC offset at the end of a timestamp: Z, +01, +0100 or +01:00.
_OFFSET_TAIL = re.compile(r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$")
# Shortest text of a timestamp with an offset ("2025-01-06T10Z" has 14 characters); shorter
# text ending like an offset is a date ("2025-01-06" ends in "-06").
_SHORTEST_WITH_OFFSET = 12


@dataclass(frozen=True)
class Columns:
    """Names of the timestamp, count and queue columns of a table (None when absent)."""

    timestamp: str
    count: str | None
    queue: str | None


# ----------------------------------------------------------------------------- rows


def check_zone(tz: str | None) -> None:
    """Raise a ConfigError naming the setting unless ``tz`` is None or a time zone."""
    if tz is None:
        return
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception as err:  # zoneinfo, pytz and dateutil each raise their own errors
        raise ConfigError(
            f"tz (the --tz option, the [history] tz key): unknown time zone {tz!r}; expected "
            "an IANA name such as Europe/London, America/New_York or UTC"
        ) from err


def naive_without_zone(rows: pd.DataFrame, label: str, column: str) -> str:
    """The message for naive timestamps read without a time zone."""
    return (
        f"{label}: column {column!r}, row {int(rows['row'].iloc[0])}: timestamp "
        f"{rows['ts'].iloc[0]} has no UTC offset and no time zone was given; give the zone of "
        "the timestamps (the tz argument, the --tz option or the [history] tz key), such as "
        "Europe/London, or UTC for a source that keeps 24 hours on every day"
    )


def check_times_of_day(rows: pd.DataFrame, label: str, column: str) -> None:
    """Refuse contact data whose timestamps are all at midnight: dates without times.

    Three or more contacts on two or more days, all at midnight to the second, are dates
    (real contact times all land there with a probability below 1e-9).
    """
    stamps = rows["ts"]
    if len(stamps) < 3:
        return
    days = stamps.dt.normalize()
    if bool((stamps == days).all()) and days.nunique() > 1:
        raise DataError(
            f"{label}: column {column!r}: every timestamp is at midnight (row "
            f"{int(rows['row'].iloc[0])}: {stamps.iloc[0]}): the column holds dates without a "
            "time of day, so the contacts cannot be placed in intervals; give the time of each "
            "contact, or counts per interval with a count column"
        )


def parse_rows(
    table: pd.DataFrame,
    label: str,
    columns: Columns,
    queue: str | None,
    fmt: str | None,
    delimiter: str,
    max_count: float,
) -> tuple[pd.DataFrame, bool]:
    """Rows ``row, queue, ts`` (and ``count``, and ``offset`` [minutes] for text with offsets).

    Returns the rows and whether their timestamps are aware (UTC, or their own zone).
    ``max_count`` is the largest count accepted in a row [contacts].
    """
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
    stamps, aware, offsets = parse_timestamps(
        table[columns.timestamp], label, columns.timestamp, fmt, rows["row"]
    )
    rows["ts"] = stamps
    if offsets is not None:
        rows["offset"] = offsets
    if columns.count is not None:
        rows["count"] = parse_counts(
            table[columns.count], label, columns.count, rows["row"], delimiter, max_count
        )
    return rows, aware


def text_of(values: pd.Series) -> pd.Series:
    """Cells as stripped text, ``""`` where missing."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("").str.strip()
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _parse_queues(values: pd.Series, label: str, column: str) -> pd.Series:
    text = text_of(values)
    empty = (text == "").to_numpy()
    if empty.any():
        row = int(np.argmax(empty)) + 1
        raise DataError(f"{label}: column {column!r}, row {row}: empty queue name")
    return text


def row_error(
    bad: np.ndarray, values: pd.Series, label: str, column: str, rows: pd.Series, what: str
) -> None:
    """Raise a DataError naming the first row where ``bad`` holds, and its raw value."""
    if bad.any():
        index = int(np.argmax(bad))
        raise DataError(
            f"{label}: column {column!r}, row {int(rows.iloc[index])}: {what}, "
            f"got {values.iloc[index]!r}"
        )


# ----------------------------------------------------------------------------- timestamps


def parse_timestamps(
    values: pd.Series, label: str, column: str, fmt: str | None, rows: pd.Series | None = None
) -> tuple[pd.Series, bool, np.ndarray | None]:
    """Parse timestamps; aware results are in UTC (or their own zone), naive ones stay naive.

    Returns the timestamps, whether they are aware, and for text with UTC offsets the offset
    of each row [minutes] (None otherwise).
    """
    values = values.reset_index(drop=True)
    if rows is None:
        rows = pd.Series(np.arange(1, len(values) + 1))
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        row_error(values.isna().to_numpy(), values, label, column, rows, "empty timestamp")
        return values, aware, None
    text = text_of(values)
    offsets = None
    if fmt is not None:
        aware = "%z" in fmt or "%Z" in fmt
        stamps = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
    else:
        offsets = offset_minutes(text)
        aware = _check_one_form(text, offsets, label, column, rows)
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        if not aware:
            stamps = stamps.dt.tz_localize(None)
            offsets = None
    hint = "expected ISO 8601 such as 2025-03-30T09:00:00"
    if fmt is not None:
        hint = f"expected format {fmt!r}"
    else:
        hint += " (pass timestamp_format= for other layouts)"
    what = f"cannot parse timestamp; {hint}"
    row_error(stamps.isna().to_numpy(), values, label, column, rows, what)
    return stamps, aware, offsets


def offset_minutes(text: pd.Series) -> np.ndarray:
    """UTC offset written at the end of each timestamp [minutes]; NaN where there is none.

    Examples
    --------
    >>> import pandas as pd
    >>> offset_minutes(pd.Series(["2025-01-06T10:00:00+01:00", "2025-01-06T10:00Z",
    ...                           "2025-01-06T10:00:00-0530", "2025-01-06", "2025-01-06 10:00"]))
    array([  60.,    0., -330.,   nan,   nan])
    """
    codes, tails = pd.factorize(text.str.slice(-6), use_na_sentinel=True)
    table = np.array([_tail_minutes(str(tail)) for tail in tails] + [np.nan], dtype=float)
    minutes = table[codes]  # code -1 (a missing cell) picks the trailing NaN
    short = (text.str.len() < _SHORTEST_WITH_OFFSET).to_numpy(dtype=bool)
    minutes[short] = np.nan
    return minutes


def _tail_minutes(tail: str) -> float:
    match = _OFFSET_TAIL.search(tail)
    if match is None:
        return np.nan
    if match.group(1):
        return 0.0
    size = int(match.group(3)) * 60 + int(match.group(4) or 0)
    return float(-size if match.group(2) == "-" else size)


def _check_one_form(
    text: pd.Series, offsets: np.ndarray, label: str, column: str, rows: pd.Series
) -> bool:
    """Whether the timestamps carry offsets; a DataError when some do and some do not."""
    filled = (text != "").to_numpy(dtype=bool)
    if not filled.any():
        return False
    has = ~np.isnan(offsets)
    first = int(np.argmax(filled))
    aware = bool(has[first])
    mixed = filled & (has != aware)
    if mixed.any():
        index = int(np.argmax(mixed))
        raise DataError(
            f"{label}: column {column!r}, row {int(rows.iloc[index])}: timestamp "
            f"{text.iloc[index]!r} {'has no' if aware else 'has a'} UTC offset, unlike row "
            f"{int(rows.iloc[first])} {text.iloc[first]!r}; use one form throughout"
        )
    return aware


# ----------------------------------------------------------------------------- counts


def parse_counts(
    values: pd.Series,
    label: str,
    column: str,
    rows: pd.Series,
    delimiter: str = "",
    max_count: float = np.inf,
) -> np.ndarray:
    """Counts [contacts] as floats, NaN where missing; checks the limits.

    Text may use a decimal comma (see :func:`staffing._history_files.number_text`); ``""``,
    ``NA``, ``NaN``, ``null`` and ``None`` (any case) are missing. A count must be finite, at
    least 0 and at most ``max_count``; fractions are kept.
    """
    values = values.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        text = text_of(values)
        plain, position, what = number_text(text, delimiter)
        if position is not None:
            bad = np.zeros(len(text), bool)
            bad[position] = True
            row_error(bad, values, label, column, rows, what)
        numbers = _to_float(plain)
        unread = np.flatnonzero(np.isnan(numbers))
        missing = text.iloc[unread].str.lower().isin(_MISSING_TEXT).to_numpy(dtype=bool)
        bad = np.zeros(len(text), bool)
        bad[unread[~missing]] = True
        row_error(bad, values, label, column, rows, "expected a number of contacts")
    else:
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    row_error(np.isinf(numbers), values, label, column, rows, "count is infinite")
    row_error(numbers < 0, values, label, column, rows, "count is negative")
    limit = f"count above the limit of {max_count:,.0f} contacts per row"
    row_error(numbers > max_count, values, label, column, rows, limit)
    return numbers


def _to_float(text: pd.Series) -> np.ndarray:
    """Numbers written in text, NaN where the text is not one.

    pyarrow casts a column of plain numbers some fifty times faster than
    :func:`pandas.to_numeric`, which reads the columns pyarrow refuses as a whole.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        pa = None
    if pa is not None:
        cells = pa.array(text)
        try:
            cells = pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.string()), cells)
            return pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
            pass
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# ----------------------------------------------------------------------------- time zones


def place_in_zone(
    rows: pd.DataFrame,
    aware: bool,
    label: str,
    columns: Columns,
    tz: str | None,
    raw: pd.Series,
) -> pd.DataFrame:
    """Convert aware timestamps to ``tz``, or localise naive ones in it; check duplicates.

    ``raw`` is the timestamp column as read (indexed by data row - 1), quoted in messages.
    """
    stamps = rows["ts"]
    if aware:
        if "offset" in rows.columns:
            _check_offset_runs(rows, label, columns.timestamp, raw)
        if tz is not None:
            rows["ts"] = stamps.dt.tz_convert(tz)
        check_duplicates(rows, label, columns, None, raw)
        return rows
    if tz is None:  # naive wall-clock times kept as they are
        check_duplicates(rows, label, columns, None, raw)
        return rows
    summer = stamps.dt.tz_localize(tz, ambiguous=np.ones(len(rows), bool), nonexistent="NaT")
    winter = stamps.dt.tz_localize(tz, ambiguous=np.zeros(len(rows), bool), nonexistent="NaT")
    doubled = (summer != winter).to_numpy() & summer.notna().to_numpy()
    check_duplicates(rows, label, columns, np.where(doubled, 2, 1), raw)
    second = np.zeros(len(rows), bool)
    if doubled.any():
        second[doubled] = _second_occurrences(rows, doubled, label, columns, tz)
    rows["ts"] = stamps.dt.tz_localize(tz, ambiguous=~second, nonexistent="shift_forward")
    return rows


def _second_occurrences(
    rows: pd.DataFrame, doubled: np.ndarray, label: str, columns: Columns, tz: str
) -> np.ndarray:
    """Which rows of a repeated hour are its second occurrence, by the order of the file.

    A file in descending time order is read backwards. In a file in no time order, the
    occurrences cannot be told apart once two rows fall in the same repeated hour.
    """
    is_count = columns.count is not None
    order = _time_order(rows, doubled)
    inside = rows.loc[doubled]
    if order == "descending":
        return _second_pass(inside.iloc[::-1], is_count)[::-1]
    if order == "unsorted":
        keys = [inside["queue"], inside["ts"] if is_count else inside["ts"].dt.normalize()]
        several = inside.groupby(keys, sort=False)["row"].transform("size").to_numpy() > 1
        if several.any():
            index = int(np.argmax(several))
            raise DataError(
                f"{label}: column {columns.timestamp!r}, row {int(inside['row'].iloc[index])}: "
                f"{inside['ts'].iloc[index]} falls in the hour that occurs twice when summer "
                f"time ends in {tz}, and the rows are not in time order, so its first and "
                "second occurrence cannot be told apart; sort the rows by time, or write the "
                "timestamps with their UTC offset"
            )
    return _second_pass(inside, is_count)


def _time_order(rows: pd.DataFrame, doubled: np.ndarray) -> str:
    """``ascending``, ``descending`` or ``unsorted``: the order of each queue's times in the
    file, outside the repeated hours (where times step back by design)."""
    outside = rows.loc[~doubled, ["queue", "ts"]]
    steps = outside["ts"].groupby(outside["queue"], sort=False).diff()
    seconds = (steps / pd.Timedelta(1, unit="s")).to_numpy(dtype=float)
    forward, backward = bool((seconds > 0).any()), bool((seconds < 0).any())
    if backward and not forward:
        return "descending"
    return "unsorted" if backward else "ascending"


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


def _check_offset_runs(rows: pd.DataFrame, label: str, column: str, raw: pd.Series) -> None:
    """Refuse UTC offsets that switch away and back within a day in a queue.

    A zone changes its offset a few times a year at most, so in a queue's rows sorted by time,
    a run of rows with one offset that starts and ends less than a day after the rows with
    another offset around it is a data error (a row stamped in another zone, say).
    """
    offsets = rows["offset"].to_numpy(dtype=float)
    if len(offsets) < 3 or np.all(offsets == offsets[0]):
        return
    queues = pd.factorize(rows["queue"])[0]
    stamps = rows["ts"]
    instants = ((stamps - stamps.min()) / pd.Timedelta(1, unit="s")).to_numpy(dtype=float)
    order = np.lexsort((instants, queues))
    offsets, queues, instants = offsets[order], queues[order], instants[order]
    starts = np.flatnonzero(
        np.r_[True, (offsets[1:] != offsets[:-1]) | (queues[1:] != queues[:-1])]
    )
    if len(starts) < 3:
        return
    ends = np.r_[starts[1:], len(offsets)] - 1  # last row of each run
    inner = (queues[starts[1:-1]] == queues[starts[:-2]]) & (
        queues[starts[1:-1]] == queues[starts[2:]]
    )
    around = instants[starts[2:]] - instants[ends[:-2]]
    brief = inner & (around < 86_400)
    if brief.any():
        run = int(np.argmax(brief)) + 1
        here, before = order[starts[run]], order[ends[run - 1]]
        row, row_before = int(rows["row"].iloc[here]), int(rows["row"].iloc[before])
        offset = offset_text(offsets[starts[run]])
        raise DataError(
            f"{label}: column {column!r}, row {row}: UTC offset {offset} of {raw.iloc[row - 1]!r}"
            f" differs from row {row_before} "
            f"{raw.iloc[row_before - 1]!r} and changes back within a day; a zone does not "
            "change its offset so often: the offsets are inconsistent"
        )


def offset_text(minutes: float) -> str:
    """A UTC offset in minutes as ``+HH:MM``."""
    size = abs(int(minutes))
    return f"{'-' if minutes < 0 else '+'}{size // 60:02d}:{size % 60:02d}"


def check_duplicates(
    rows: pd.DataFrame,
    label: str,
    columns: Columns,
    allowed: np.ndarray | None,
    raw: pd.Series,
) -> None:
    """Refuse a second row for one queue and interval start in count data.

    ``allowed`` gives the rows each timestamp may have (2 in a repeated hour); 1 by default.
    Repeated rows are refused even with equal counts: a repeated export, two unlabelled
    sources, or a repeated summer-time hour read without its zone cannot be told apart.
    """
    if columns.count is None:
        return
    seen = rows.groupby(["queue", "ts"], sort=False).cumcount().to_numpy()
    bad = seen >= (1 if allowed is None else allowed)
    if not bad.any():
        return
    index = int(np.argmax(bad))
    stamp, queue = rows["ts"].iloc[index], rows["queue"].iloc[index]
    same = ((rows["queue"] == queue) & (rows["ts"] == stamp)).to_numpy()
    first = int(np.argmax(same))
    row, row_first = int(rows["row"].iloc[index]), int(rows["row"].iloc[first])
    where = "" if columns.queue is None else f" in queue {queue!r}"
    count, count_first = rows["count"].iloc[index], rows["count"].iloc[first]
    if count == count_first or (np.isnan(count) and np.isnan(count_first)):
        detail = f"with the same count ({count:g}); remove the repeated row"
    else:
        detail = f"with a different count ({count:g} against {count_first:g})"
    text, text_first = raw.iloc[row - 1], raw.iloc[row_first - 1]
    if str(text).strip() != str(text_first).strip():
        detail += f"; {text!r} and {text_first!r} are the same instant"
    raise DataError(
        f"{label}: column {columns.timestamp!r}, row {row}: duplicate timestamp {stamp}{where} "
        f"(also in row {row_first}), {detail}"
    )
