"""The tidy schema and the time I/O that every ``staffing`` file shares.

**Schema.** Every tidy frame has a ``queue`` column (:data:`QUEUE`, text) and a tz-aware
``interval_start`` column (:data:`INTERVAL_START`): the instant each interval starts, on the
centre's local clock. Intervals follow a regular grid in real time, so a day when summer time
starts has 23 hourly intervals and a day when it ends 25 (the repeated hour twice, with its two
UTC offsets). Rosters add ``start`` and ``end`` (tz-aware) and ``breaks`` (text, see
:func:`format_breaks`). Forecasts, requirements, rosters, coverage and simulation results are
written and read in this schema by every command, so each command reads the files the others
write.

**Times in files.** Timestamps are written as ISO 8601 with their UTC offset,
``2025-03-30T02:00:00+01:00`` (:func:`write_frame_csv`, :func:`format_timestamps`); naive
timestamps (a forecast of local times without a zone) are written without one. Readers
(:func:`read_frame_csv`, :func:`parse_breaks`) also accept offsets written ``+0100`` and ``Z``,
and name the file, column and row (data rows count from 1, the header excluded) of a stamp they
cannot parse. Timestamps are read back in the file's offset when a column has only one, in UTC
when it has several (offsets alone do not name a zone), or converted to a given ``tz``.

**Grid.** :func:`floor_to_interval` floors times to their interval on the local clock,
:func:`infer_interval_minutes` finds a grid's step, and :class:`TimeGrid` bundles the step and
the zone for code that makes or floors many timestamps on one grid.

Examples
--------
>>> import pandas as pd, pathlib, tempfile
>>> grid = TimeGrid(60, "Europe/London")
>>> stamps = grid.index("2025-03-30 00:00", periods=3)
>>> frame = pd.DataFrame({INTERVAL_START: stamps, QUEUE: "phone", "volume": [4.0, 5.0, 6.0]})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "forecast.csv"
>>> print(write_frame_csv(frame, out).read_text())
interval_start,queue,volume
2025-03-30T00:00:00+00:00,phone,4.0
2025-03-30T02:00:00+01:00,phone,5.0
2025-03-30T03:00:00+01:00,phone,6.0
<BLANKLINE>
>>> back = read_frame_csv(out, "Europe/London")
>>> back[INTERVAL_START].equals(frame[INTERVAL_START])
True
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from staffing._compat import CSV_EXACT_FLOATS
from staffing._history_cells import check_zone, offset_text, parse_timestamps
from staffing.errors import DataError
from staffing.output import replace_file

__all__ = [
    "INTERVAL_START",
    "QUEUE",
    "TIME_COLUMNS",
    "TimeGrid",
    "floor_to_interval",
    "format_breaks",
    "format_timestamps",
    "frame_csv_text",
    "infer_interval_minutes",
    "parse_breaks",
    "pick_queue",
    "read_frame_csv",
    "write_frame_csv",
]

#: Column of the start of each interval (tz-aware) in every tidy frame.
INTERVAL_START = "interval_start"
#: Column of the queue name (text) in every tidy frame.
QUEUE = "queue"
#: Columns that :func:`read_frame_csv` always parses as timestamps when a file has them.
TIME_COLUMNS = (INTERVAL_START, "start", "end")

# Text that is one ISO 8601 timestamp with a UTC offset (Z, +01:00 or +0100).
_ISO_WITH_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$"
)


# ----------------------------------------------------------------------------- the grid


def floor_to_interval(stamps: pd.Series, minutes: int) -> pd.Series:
    """Floor times to the start of their interval on the local wall clock.

    Unlike ``Series.dt.floor`` on tz-aware times, this never has to guess an offset: each
    instant keeps its own UTC offset, so the repeated hour of an autumn clock change floors
    to the right one of its two occurrences.

    Parameters
    ----------
    stamps : pandas.Series
        Times, tz-aware or naive.
    minutes : int
        Interval length [minutes].

    Returns
    -------
    pandas.Series
        Interval starts, in the zone of ``stamps``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2025-10-26 00:40Z", "2025-10-26 01:40Z"]))
    >>> local = t.dt.tz_convert("Europe/London")
    >>> [str(s) for s in floor_to_interval(local, 60)]
    ['2025-10-26 01:00:00+01:00', '2025-10-26 01:00:00+00:00']
    """
    step = pd.Timedelta(minutes, unit="min")
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return stamps.dt.floor(step)
    wall = stamps.dt.tz_localize(None)
    offset = wall - stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    floored = (wall.dt.floor(step) - offset).dt.tz_localize("UTC")
    return floored.dt.tz_convert(stamps.dt.tz)


def pick_queue(
    frame: pd.DataFrame, queue: str | None, where: str, *, how: str = "--queue"
) -> pd.DataFrame:
    """The rows of one queue of a tidy file, or the file when it holds a single queue.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with an optional ``queue`` column.
    queue : str, optional
        The queue asked for; ignored when the file has no ``queue`` column.
    where : str
        The file, named in the errors.
    how : str
        How the caller chooses a queue, named in the error (default ``"--queue"``).

    Returns
    -------
    pandas.DataFrame
        The queue's rows, renumbered from 0.

    Raises
    ------
    DataError
        Several queues and none chosen, or a queue the file does not hold (the queues listed).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"queue": ["chat", "phone"], "required": [2, 5]})
    >>> pick_queue(frame, "phone", "needed.csv")["required"].tolist()
    [5]
    """
    if QUEUE not in frame.columns:
        return frame
    names = sorted(frame[QUEUE].dropna().astype(str).unique())
    if queue is not None:
        if queue not in names:
            raise DataError(
                f"{where}: column 'queue' has no queue {queue!r}; queues present: "
                f"{', '.join(names)}"
            )
        return frame[frame[QUEUE].astype(str) == queue].reset_index(drop=True)
    if len(names) > 1:
        raise DataError(
            f"{where}: column 'queue' holds {len(names)} queues ({', '.join(names)}); choose "
            f"one with {how}"
        )
    return frame


def infer_interval_minutes(
    stamps: pd.Series | pd.Index | Iterable[pd.Timestamp],
    queues: pd.Series | pd.Index | Iterable[str] | None = None,
    *,
    where: str = "interval_start",
) -> float:
    """The interval length of a grid: the smallest positive step between its starts.

    Steps are taken between the distinct, sorted starts of each queue (a queue's last interval
    and the next queue's first are not a step), so a gap in the data does not change the
    result, nor do several queues on one grid.

    Parameters
    ----------
    stamps : pandas.Series, pandas.Index or sequence of Timestamp
        Interval starts, tz-aware or naive.
    queues : pandas.Series, pandas.Index or sequence of str, optional
        Queue of each start; all starts are one queue when omitted.
    where : str
        What the stamps are (a file and column), named in the error.

    Returns
    -------
    float
        Interval length [minutes].

    Raises
    ------
    DataError
        When no queue has two distinct starts, so there is no step to measure.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-10-26", periods=4, freq="30min", tz="Europe/London")
    >>> infer_interval_minutes(stamps.delete(1))
    30.0
    >>> infer_interval_minutes([stamps[0], stamps[0], stamps[2]], ["a", "b", "a"])
    60.0
    """
    times = pd.DatetimeIndex(stamps)
    frame = pd.DataFrame(
        {"queue": "" if queues is None else np.asarray(list(queues), dtype=object), "t": times}
    )
    frame = frame.dropna().drop_duplicates().sort_values(["queue", "t"], kind="stable")
    same = frame["queue"].eq(frame["queue"].shift()).to_numpy()
    steps = (frame["t"].diff() / pd.Timedelta(1, unit="min")).to_numpy(dtype=float)[same]
    steps = steps[steps > 0]
    if len(steps) == 0:
        raise DataError(
            f"{where}: cannot infer the interval length: no queue has two distinct interval "
            "starts; give the interval length (interval_minutes)"
        )
    return float(steps.min())


@dataclass(frozen=True)
class TimeGrid:
    """A regular grid of intervals in a time zone: make and floor its interval starts.

    A plan makes one from its settings and passes it along, so that every step floors and
    extends times the same way. Steps are real time: on the local clock a day when summer
    time starts has 23 hourly intervals, a day when it ends 25.

    Parameters
    ----------
    interval_minutes : int
        Interval length [minutes], > 0.
    tz : str, optional
        IANA time zone of the interval starts; None keeps the zone of the times given (or
        naive times naive).

    Examples
    --------
    >>> import pandas as pd
    >>> grid = TimeGrid(60, "Europe/London")
    >>> starts = grid.index("2025-10-26 00:00", periods=3)
    >>> [s.isoformat() for s in starts]
    ['2025-10-26T00:00:00+01:00', '2025-10-26T01:00:00+01:00', '2025-10-26T01:00:00+00:00']
    >>> grid.floor(pd.Series(starts + pd.Timedelta(20, unit="min"))).equals(pd.Series(starts))
    True
    """

    interval_minutes: int
    tz: str | None = None

    def __post_init__(self) -> None:
        minutes = self.interval_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int | np.integer) or minutes <= 0:
            raise ValueError(f"interval_minutes: expected a whole number > 0, got {minutes!r}")
        check_zone(self.tz)

    @property
    def step(self) -> pd.Timedelta:
        """Interval length as a :class:`pandas.Timedelta`."""
        return pd.Timedelta(int(self.interval_minutes), unit="min")

    def floor(self, stamps: pd.Series | pd.DatetimeIndex) -> pd.Series | pd.DatetimeIndex:
        """Start of the interval holding each time (see :func:`floor_to_interval`).

        Aware times are converted to ``tz`` first (when set); naive times are floored as they
        are. Returns the same kind (Series or DatetimeIndex) as given.
        """
        series = (
            stamps.to_series(index=range(len(stamps)))
            if isinstance(stamps, pd.DatetimeIndex)
            else stamps
        )
        if self.tz is not None and isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert(self.tz)
        floored = floor_to_interval(series, int(self.interval_minutes))
        if isinstance(stamps, pd.DatetimeIndex):
            return pd.DatetimeIndex(floored, name=stamps.name)
        return floored

    def index(self, first: pd.Timestamp | str, periods: int) -> pd.DatetimeIndex:
        """``periods`` interval starts from ``first``, one step of real time apart.

        A naive ``first`` is a wall-clock time in ``tz`` (refused when it does not exist or
        occurs twice there); an aware one is converted to ``tz``.
        """
        start = pd.Timestamp(first)
        if start.tz is None and self.tz is not None:
            try:
                start = start.tz_localize(self.tz, ambiguous="raise", nonexistent="raise")
            except Exception as err:  # pandas 2.2 raises pytz errors, not ValueError
                raise ValueError(
                    f"first: {start} does not exist or occurs twice in {self.tz}; give it "
                    f"with its UTC offset ({err})"
                ) from None
        elif start.tz is not None and self.tz is not None:
            start = start.tz_convert(self.tz)
        if start.tz is None:
            return pd.date_range(start, periods=periods, freq=self.step, name=INTERVAL_START)
        utc = pd.date_range(
            start.tz_convert("UTC"), periods=periods, freq=self.step, name=INTERVAL_START
        )
        return utc.tz_convert(start.tz)


# ----------------------------------------------------------------------------- writing


def format_timestamps(stamps: pd.Series | pd.Index) -> pd.Series:
    """Timestamps as ISO 8601 text, with the UTC offset (``+01:00``) when they are aware.

    Fractions of a second are written only when some stamp has them; missing stamps become
    empty text.

    Parameters
    ----------
    stamps : pandas.Series or pandas.DatetimeIndex
        Timestamps, tz-aware or naive.

    Returns
    -------
    pandas.Series
        Text, one per stamp.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-03-30", periods=2, freq="90min", tz="Europe/London")
    >>> format_timestamps(stamps).tolist()
    ['2025-03-30T00:00:00+00:00', '2025-03-30T02:30:00+01:00']
    """
    if isinstance(stamps, pd.Index):
        stamps = stamps.to_series(index=range(len(stamps)))
    if not pd.api.types.is_datetime64_any_dtype(stamps):
        stamps = pd.to_datetime(stamps)
    fine = bool(((stamps.dt.microsecond != 0) | (stamps.dt.nanosecond != 0)).any())
    layout = "%Y-%m-%dT%H:%M:%S.%f" if fine else "%Y-%m-%dT%H:%M:%S"
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return stamps.dt.strftime(layout).where(stamps.notna(), "").astype(object)
    wall = stamps.dt.tz_localize(None)
    minutes = (wall - stamps.dt.tz_convert("UTC").dt.tz_localize(None)) / pd.Timedelta(
        1, unit="min"
    )
    minutes = minutes.fillna(0).round().astype(int)
    sign = np.where(minutes < 0, "-", "+")
    size = minutes.abs()
    offset = (
        pd.Series(sign, index=stamps.index)
        + (size // 60).astype(str).str.zfill(2)
        + ":"
        + (size % 60).astype(str).str.zfill(2)
    )
    return (wall.dt.strftime(layout) + offset).where(stamps.notna(), "").astype(object)


def format_breaks(breaks: Iterable[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """Breaks as ``start/end;start/end`` in ISO 8601 with offsets (empty text when none).

    Parameters
    ----------
    breaks : sequence of (Timestamp, Timestamp)
        Start and end of each break.

    Returns
    -------
    str
        The ``breaks`` cell of a roster file.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2024-01-01 10:00", tz="Europe/London")
    >>> format_breaks([(t, t + pd.Timedelta(30, unit="min"))])
    '2024-01-01T10:00:00+00:00/2024-01-01T10:30:00+00:00'
    """
    return ";".join(
        f"{pd.Timestamp(s).isoformat()}/{pd.Timestamp(e).isoformat()}" for s, e in breaks
    )


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a non-default index as columns and timestamps as ISO 8601 text."""
    out = frame
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None):
        if isinstance(frame.index, pd.DatetimeIndex) and frame.index.name is None:
            out = frame.rename_axis(INTERVAL_START)
        out = out.reset_index()
    out = out.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = format_timestamps(out[name])
    return out


def frame_csv_text(frame: pd.DataFrame) -> str:
    """The CSV text :func:`write_frame_csv` writes, as a string (for standard output).

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-10-26", periods=2, freq="h", tz="Europe/London")
    >>> print(frame_csv_text(pd.DataFrame({"volume": [1, 2]}, index=stamps)), end="")
    interval_start,volume
    2025-10-26T00:00:00+01:00,1
    2025-10-26T01:00:00+01:00,2
    """
    return _csv_ready(frame).to_csv(index=False, lineterminator="\n")


def write_frame_csv(
    frame: pd.DataFrame, path: str | PathLike[str], *, force: bool = False
) -> Path:
    """Write a frame as CSV with timestamps in ISO 8601 with their UTC offset.

    Columns (and a named or datetime index) holding tz-aware timestamps are written as, for
    example, ``2025-03-30T02:00:00+01:00``; naive timestamps without offset. An unnamed
    DatetimeIndex is written as the column ``interval_start``. A path ending in ``.gz`` is
    gzip-compressed.

    Parameters
    ----------
    frame : pandas.DataFrame
        Frame to write; a default integer index is not written, any other index is.
    path : str or path-like
        Output file; missing parent folders are created. The file appears complete or not at
        all (written beside it, then renamed; see :func:`staffing.output.replace_file`).
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
    out = _csv_ready(frame)
    return replace_file(path, lambda tmp: out.to_csv(tmp, index=False, lineterminator="\n"))


# ----------------------------------------------------------------------------- reading


def read_frame_csv(
    path: str | PathLike[str] | IO[str],
    tz: str | None = None,
    *,
    datetime_columns: list[str] | None = None,
    zone_option: str | None = None,
) -> pd.DataFrame:
    """Read a CSV written by :func:`write_frame_csv` (or any command), restoring its times.

    Parsed as timestamps: the columns of :data:`TIME_COLUMNS` and of ``datetime_columns``
    (a bad or empty stamp there is an error naming the file, column and row), and any other
    column whose every value is an ISO 8601 timestamp with a UTC offset. Offsets may be written
    ``+01:00``, ``+0100`` or ``Z``; a column is either all with offsets or all without. A
    column with offsets is converted to ``tz``; without ``tz`` it keeps the file's offset when
    it has only one (``UTC+01:00`` for a summer week) and is in UTC when it has several.
    Values without an offset stay naive. ``queue`` and ``breaks`` are read as text.

    Parameters
    ----------
    path : str, path-like or text stream
        CSV file (``.gz`` accepted).
    tz : str, optional
        IANA time zone of the timestamps in the result.
    datetime_columns : list of str, optional
        Further columns to parse as timestamps; each must exist.
    zone_option : str, optional
        The option or argument that gives ``tz`` (for example ``"--tz"``). When given and
        ``tz`` is None, a column with several UTC offsets is refused, the message asking for
        this option: local clock times (shift starts, days) need the zone, which offsets alone
        do not name.

    Returns
    -------
    pandas.DataFrame
        The frame, timestamps parsed.

    Raises
    ------
    DataError
        If the file is empty or not CSV, a named column is missing, a stamp cannot be parsed,
        or (with ``zone_option``) a column has several offsets and no ``tz`` is given.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import io
    >>> text = "interval_start,queue,volume\\n2025-10-26T01:00:00+0100,1,2.5\\n"
    >>> frame = read_frame_csv(io.StringIO(text))
    >>> frame["interval_start"].iloc[0], frame["queue"].iloc[0]
    (Timestamp('2025-10-26 01:00:00+0100', tz='UTC+01:00'), '1')
    >>> read_frame_csv(io.StringIO(text), "Europe/London")["interval_start"].iloc[0]
    Timestamp('2025-10-26 01:00:00+0100', tz='Europe/London')
    """
    label = str(path) if isinstance(path, str | PathLike) else "<stream>"
    if isinstance(path, str | PathLike) and not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file")
    check_zone(tz)
    try:
        frame = pd.read_csv(path, dtype={QUEUE: str, "breaks": str}, **CSV_EXACT_FLOATS)
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{label}: the file is empty") from err
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{label}: cannot read the file as CSV: {err}") from err
    wanted = set(datetime_columns or ())
    unknown = sorted(wanted - set(frame.columns))
    if unknown:
        raise DataError(
            f"{label}: no column {unknown[0]!r}; columns present: {_listed(frame.columns)}"
        )
    for name in frame.columns:
        if name in wanted or name in TIME_COLUMNS or _all_stamps(frame[name]):
            frame[name] = _parse_column(frame[name], label, str(name), tz, zone_option)
    return frame


def _all_stamps(values: pd.Series) -> bool:
    if not pd.api.types.is_string_dtype(values) or not values.notna().any():
        return False
    return bool(values.dropna().astype(str).str.strip().str.match(_ISO_WITH_OFFSET).all())


def _parse_column(
    values: pd.Series, label: str, column: str, tz: str | None, zone_option: str | None
) -> pd.Series:
    stamps, aware, offsets = parse_timestamps(values, label, column, None)
    if not aware:
        return stamps
    if tz is not None:
        return stamps.dt.tz_convert(tz)
    found = np.unique(offsets[np.isfinite(offsets)]) if offsets is not None else np.array([])
    if len(found) == 1:
        return stamps.dt.tz_convert(dt.timezone(dt.timedelta(minutes=float(found[0]))))
    if len(found) > 1 and zone_option is not None:
        shown = ", ".join(offset_text(m) for m in found[:4])
        raise DataError(
            f"{label}: column {column!r}: the timestamps carry several UTC offsets ({shown}), "
            f"as across a summer-time change; give the time zone with {zone_option} (for "
            "example Europe/London) so that local clock times are known"
        )
    return stamps.dt.tz_convert("UTC")


def parse_breaks(text: object, where: str = "breaks") -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Inverse of :func:`format_breaks`: ``start/end;start/end`` to sorted pairs of times.

    An empty or missing cell gives no breaks. Offsets may be written ``+01:00``, ``+0100`` or
    ``Z``; a cell is either all with offsets or all without.

    Parameters
    ----------
    text : str or float
        The ``breaks`` cell (NaN for an empty CSV cell).
    where : str
        The file and row, named in an error.

    Returns
    -------
    list of (Timestamp, Timestamp)
        Start and end of each break, sorted.

    Raises
    ------
    DataError
        When a pair is not two ISO 8601 times separated by ``/``.

    Examples
    --------
    >>> parse_breaks("2024-01-01T10:00:00+00:00/2024-01-01T10:30:00+00:00")[0][1].minute
    30
    >>> parse_breaks("2024-01-01T10:00:00Z/2024-01-01T11:00:00+0100")[0][1].isoformat()
    '2024-01-01T11:00:00+01:00'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    pairs = []
    for part in str(text).split(";"):
        pieces = part.strip().split("/")
        pair = tuple(_one_stamp(piece, part, where) for piece in pieces)
        if len(pair) != 2:
            raise DataError(_breaks_message(where, part))
        pairs.append(pair)
    if len({stamp.tz is None for pair in pairs for stamp in pair}) > 1:
        raise DataError(
            f"{where}: column 'breaks': {text!r} mixes times with and without a UTC offset"
        )
    return sorted(pairs)  # type: ignore[arg-type]


def _one_stamp(piece: str, part: str, where: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(piece.strip())
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT or not piece.strip():
        raise DataError(_breaks_message(where, part))
    return stamp


def _breaks_message(where: str, part: str) -> str:
    return (
        f"{where}: column 'breaks': expected ISO 8601 'start/end' pairs separated by ';', "
        f"got {part!r}"
    )


def _listed(names: Iterable[object]) -> str:
    return ", ".join(str(name) for name in names)
