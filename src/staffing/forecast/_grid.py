"""Input checks and the local wall-clock grid that every model runs on.

Time-zone policy: the history must be tz-aware, or naive with an explicit ``tz``. Models run on
a regular grid of local wall-clock times (see :func:`to_wall`); the forecast index continues the
history's grid in absolute time, so a fall-back day has 25 hours (the repeated hour twice, with
its two UTC offsets) and a spring-forward day 23.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from staffing.calendar import DAY_NAMES
from staffing.errors import ConfigError, DataError

#: Fewest days of observed history a queue needs [days].
MIN_HISTORY_DAYS = 14

#: Longest forecast horizon accepted [days].
MAX_HORIZON_DAYS = 366


@dataclass(frozen=True)
class QueueHistory:
    """One queue's history on its absolute grid and on the local wall-clock grid."""

    queue: str
    absolute: pd.Series  # tz-aware DatetimeIndex with freq, NaN = missing data
    wall: pd.Series  # naive local wall-clock DatetimeIndex with freq, NaN = missing data

    @property
    def step(self) -> pd.Timedelta:
        return pd.Timedelta(self.absolute.index.freq)

    @property
    def slots_per_day(self) -> int:
        return int(pd.Timedelta(1, unit="D") / self.step)


def check_zone(tz: Any, name: str = "tz") -> str | None:
    """Return ``tz`` as a zone name after checking that pandas knows it.

    Examples
    --------
    >>> check_zone("Europe/London")
    'Europe/London'
    >>> check_zone("Mars/Olympus", "Forecaster(tz=...)")
    Traceback (most recent call last):
    ...
    staffing.errors.ConfigError: Forecaster(tz=...): unknown time zone 'Mars/Olympus'; ...
    """
    if tz is None:
        return None
    try:
        stamp = pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # pandas raises several types for unknown zones
        raise ConfigError(
            f"{name}: unknown time zone {tz!r}; expected an IANA name such as "
            "'Europe/London', 'America/New_York' or 'UTC'"
        ) from None
    return str(stamp.tz) if not isinstance(tz, str) else tz


def split_queues(
    history: pd.DataFrame | pd.Series, name: str = "history", tz: str | None = None
) -> list[QueueHistory]:
    """Turn a tidy frame or a Series into one :class:`QueueHistory` per queue.

    Naive timestamps are local wall-clock times of ``tz`` and are refused without it;
    tz-aware ones are converted to ``tz`` when it is given.
    """
    if isinstance(history, pd.Series):
        queue = history.name if isinstance(history.name, str) else "all"
        return [_queue_history(queue, history, name, tz)]
    if not isinstance(history, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a pandas DataFrame or Series, got {type(history).__name__}"
        )
    for column in ("interval_start", "volume"):
        if column not in history.columns:
            raise DataError(
                f"{name}: missing column {column!r}; expected columns "
                f"'interval_start', 'volume' and optionally 'queue', got {list(history.columns)}"
            )
    stamps = history["interval_start"]
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        raise DataError(
            f"{name}: column 'interval_start' must hold timestamps, got {stamps.dtype}"
        )
    if "queue" not in history.columns:
        series = pd.Series(history["volume"].to_numpy(), index=pd.DatetimeIndex(stamps))
        return [_queue_history("all", series, name, tz)]
    queues = history["queue"].astype(str)
    result = []
    for queue in pd.unique(queues):
        part = history[queues == queue]
        series = pd.Series(
            part["volume"].to_numpy(), index=pd.DatetimeIndex(part["interval_start"])
        )
        result.append(_queue_history(str(queue), series, f"{name} (queue {queue!r})", tz))
    return result


def _queue_history(queue: str, series: pd.Series, name: str, tz: str | None) -> QueueHistory:
    index = _zoned(series.index, name, tz)
    values = _counts(series, name)
    if index.has_duplicates:
        row = int(np.flatnonzero(index.duplicated())[0])
        raise DataError(f"{name}: column 'interval_start', row {row}: duplicate time {index[row]}")
    clean = pd.Series(values, index=index).sort_index()
    step = _infer_step(clean.index, name)
    grid = pd.date_range(clean.index[0], clean.index[-1], freq=step, name="interval_start")
    if not clean.index.isin(grid).all():
        row = int(np.flatnonzero(~clean.index.isin(grid))[0])
        raise DataError(
            f"{name}: column 'interval_start', row {row}: {clean.index[row]} is off the "
            f"{step} grid that starts at {grid[0]}"
        )
    absolute = clean.reindex(grid)
    wall = to_wall(absolute)
    _check_length(wall, step, name, index.tz)
    return QueueHistory(queue=queue, absolute=absolute, wall=wall)


def _zoned(index: pd.Index, name: str, tz: str | None) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{name}: the index must be a DatetimeIndex")
    if index.tz is not None:
        return index if tz is None else index.tz_convert(tz)
    if tz is None:
        raise DataError(
            f"{name}: column 'interval_start' holds naive timestamps (no time zone); localise "
            "them (e.g. .dt.tz_localize('Europe/London')), read them with "
            "staffing.io.read_history(..., tz=...), or pass the zone as Forecaster(tz=...) "
            "('UTC' for a source that keeps 24 hours on every day)"
        )
    try:
        return index.tz_localize(tz, ambiguous="infer", nonexistent="raise")
    except Exception as err:  # pandas < 3 raises pytz's errors, which are not ValueErrors
        raise DataError(
            f"{name}: cannot place the naive timestamps in {tz} ({err}); read them with "
            "staffing.io.read_history(..., tz=...), which handles the skipped and the "
            "repeated summer-time hour"
        ) from None


def _counts(series: pd.Series, name: str) -> np.ndarray:
    raw = pd.Series(series.to_numpy())
    values = pd.to_numeric(raw, errors="coerce")
    checks = (
        (values.isna() & raw.notna(), "expected a number"),
        (np.isinf(values), "expected a finite count"),
        (values < 0, "expected a non-negative count"),
    )
    for bad, expected in checks:
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{name}: column 'volume', row {row}: {expected}, got {_shown(raw.iloc[row])}"
            )
    return values.to_numpy(dtype=float)


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _check_length(wall: pd.Series, step: pd.Timedelta, name: str, tz: Any) -> None:
    """Refuse less than :data:`MIN_HISTORY_DAYS` local days of observed history.

    Days are counted on the local wall clock: a skipped spring-forward hour is not missing,
    and neither is a slot of the week with no data in any week (the centre is closed then,
    see :func:`closed_slots`).
    """
    slots_per_day = int(pd.Timedelta(1, unit="D") / step)
    seen = wall.notna().to_numpy()
    closed = closed_slots(wall, slots_per_day)[slot_of_week(wall.index, slots_per_day)]
    counted = int((seen | skipped(wall.index, tz) | closed).sum())
    days = counted * step / pd.Timedelta(1, unit="D")
    if days < MIN_HISTORY_DAYS:
        observed = int(seen.sum())
        shown = observed * step / pd.Timedelta(1, unit="D")
        extra = ""
        if (closed & ~seen).any():
            shut = int((closed & ~seen).sum()) * step / pd.Timedelta(1, unit="D")
            extra = f", and {shut:.4g} days in slots of the week with no data in any week"
        raise DataError(
            f"{name}: {shown:.4g} days of observed history ({observed} intervals of "
            f"{step.total_seconds() / 60:g} min{extra}); at least {MIN_HISTORY_DAYS} days are "
            "needed"
        )


def _infer_step(index: pd.DatetimeIndex, name: str) -> pd.Timedelta:
    if len(index) < 2:
        raise DataError(
            f"{name}: {len(index)} interval(s) of history; at least {MIN_HISTORY_DAYS} days "
            "are needed"
        )
    step = pd.Timedelta((index[1:] - index[:-1]).min())
    if step <= pd.Timedelta(0) or pd.Timedelta(1, unit="D") % step != pd.Timedelta(0):
        raise DataError(
            f"{name}: column 'interval_start': interval {step} does not divide a day evenly"
        )
    return step


def skipped(local: pd.DatetimeIndex, tz: Any) -> np.ndarray:
    """Whether each naive local time does not exist in ``tz`` (the spring-forward gap)."""
    if tz is None or len(local) == 0:
        return np.zeros(len(local), dtype=bool)
    zoned = local.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="NaT")
    return np.asarray(zoned.isna())


def to_wall(absolute: pd.Series) -> pd.Series:
    """Map a series on an absolute grid to a regular grid of local wall-clock times.

    The doubled hour of a fall-back day is averaged; the skipped hour of a spring-forward day
    becomes NaN, a placeholder that the models fill but do not count as missing data.
    """
    step = pd.Timedelta(absolute.index.freq)
    local = absolute.index.tz_localize(None)
    wall = absolute.groupby(local).mean()
    grid = pd.date_range(local.min(), local.max(), freq=step)
    return wall.reindex(grid)


def horizon_end(start: pd.Timestamp, horizon_days: float, what: str) -> pd.Timestamp:
    """The instant ``horizon_days`` local calendar days after ``start`` (same clock time).

    A clock time that falls in a repeated hour takes its first occurrence; one that falls in
    a skipped hour moves forward to the first valid instant.
    """
    try:
        end_local = start.tz_localize(None) + pd.Timedelta(horizon_days, unit="D")
        return end_local.tz_localize(start.tz, ambiguous=True, nonexistent="shift_forward")
    except (OverflowError, pd.errors.OutOfBoundsDatetime, pd.errors.OutOfBoundsTimedelta):
        raise ConfigError(_past_limit(what, start)) from None


def _past_limit(what: str, start: pd.Timestamp) -> str:
    return (
        f"{what}: the horizon from {start} would end after {pd.Timestamp.max.date()}, the last "
        "date pandas can represent; shorten the horizon"
    )


def future_index(absolute: pd.Series, periods: int, what: str) -> pd.DatetimeIndex:
    """The next ``periods`` intervals after the history, in absolute time, in its zone.

    Around a fall-back the repeated hour appears twice (two UTC offsets); around a
    spring-forward the skipped hour does not appear.
    """
    step = pd.Timedelta(absolute.index.freq)
    start = absolute.index[-1] + step
    last_ns = start.value + (periods - 1) * step.value  # compared in int, so no overflow
    if last_ns > pd.Timestamp.max.as_unit("ns").value:
        raise ConfigError(_past_limit(what, start))
    return pd.date_range(start, periods=periods, freq=step, name="interval_start")


def check_horizon(value: Any, name: str, unit_days: float) -> float:
    """A horizon as a float in ``(0, MAX_HORIZON_DAYS]`` days, or a ConfigError naming it."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    limit = MAX_HORIZON_DAYS / unit_days
    if not math.isfinite(number) or not 0 < number <= limit:
        raise ConfigError(
            f"{name}: expected a number in (0, {limit:g}] ({MAX_HORIZON_DAYS} days at most), "
            f"got {value!r}"
        )
    return number


def from_wall(wall_forecast: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    """Read a wall-clock forecast at the local times of an absolute index.

    Both intervals of a fall-back day's repeated hour read the same wall-clock value (each is
    a full interval of real time).
    """
    local = index.tz_localize(None)
    return wall_forecast.reindex(local, method="bfill").to_numpy(dtype=float)


def fill_gaps(wall: pd.Series, season: int) -> pd.Series:
    """Fill missing values by the median of the same slot of the season, then by interpolation.

    The placeholder of a skipped spring-forward hour, which never existed. Missing data are
    not filled this way (see :func:`carry_forward`).
    """
    if not wall.isna().any():
        return wall
    slot = np.arange(len(wall)) % season
    medians = wall.groupby(slot).transform("median")
    filled = wall.fillna(medians)
    return filled.interpolate(limit_direction="both").fillna(0.0)


def carry_forward(wall: pd.Series, season: int) -> pd.Series:
    """Fill missing values by the last observed value of the same slot of the season.

    Before the first observation of a slot, the next one; a slot never observed is
    interpolated in time. Only a starting point: the models that need a complete series
    replace these values by their own fitted values before the final fit (see
    :mod:`staffing.forecast.models`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> carry_forward(pd.Series([1.0, 2.0, np.nan, 4.0, np.nan, np.nan]), 2).tolist()
    [1.0, 2.0, 1.0, 4.0, 1.0, 4.0]
    """
    if not wall.isna().any():
        return wall
    groups = wall.groupby(np.arange(len(wall)) % season)
    filled = wall.fillna(groups.ffill()).fillna(groups.bfill())
    return filled.interpolate(limit_direction="both").fillna(0.0)


def slot_of_week(local: pd.DatetimeIndex, slots_per_day: int) -> np.ndarray:
    """Slot of the week of each naive local time: weekday x slot of the day (Monday 00:00 = 0)."""
    minutes = np.asarray(local.hour * 60 + local.minute)
    return np.asarray(local.day_of_week) * slots_per_day + minutes * slots_per_day // 1440


def zero_slots(wall: pd.Series, slots_per_day: int) -> np.ndarray:
    """Slots of the week observed at least twice in ``wall`` and zero every time.

    Returns a boolean array of length ``7 * slots_per_day``. Such slots (a closed night) are
    forecast as exactly zero with zero-width intervals.
    """
    values = wall.to_numpy(dtype=float)
    slots = slot_of_week(wall.index, slots_per_day)
    seen = ~np.isnan(values)
    size = 7 * slots_per_day
    observed = np.bincount(slots[seen], minlength=size)
    nonzero = np.bincount(slots[seen & (values != 0)], minlength=size)
    return (observed >= 2) & (nonzero == 0)


def closed_slots(wall: pd.Series, slots_per_day: int) -> np.ndarray:
    """Slots of the week with no data in any week of ``wall``: the centre is closed then.

    Returns a boolean array of length ``7 * slots_per_day``. A source that exports no rows
    while the centre is closed (nights, Sundays) leaves these slots missing in every week;
    they are forecast as exactly zero, not as demand.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> index = pd.date_range("2025-01-06", periods=14 * 24, freq="h")
    >>> wall = pd.Series(np.where(index.hour < 8, np.nan, 5.0), index=index)
    >>> closed = closed_slots(wall, 24)
    >>> int(closed.sum()), bool(closed[:8].all()), bool(closed[8])
    (56, True, False)
    """
    slots = slot_of_week(wall.index, slots_per_day)
    seen = wall.notna().to_numpy()
    observed = np.bincount(slots[seen], minlength=7 * slots_per_day)
    return observed == 0


def gap_runs(absolute: pd.Series, closed: np.ndarray, slots_per_day: int) -> tuple[int, int]:
    """Missing intervals and gaps (runs of them) of a history, outside the closed slots.

    Closed slots neither count as missing nor split a gap: two missing days either side of a
    closed night are one gap.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> index = pd.date_range("2025-01-06", periods=21 * 24, freq="h", tz="UTC")
    >>> history = pd.Series(1.0, index=index)
    >>> history.iloc[30:40] = np.nan
    >>> history.iloc[100:102] = np.nan
    >>> gap_runs(history, np.zeros(168, dtype=bool), 24)
    (12, 2)
    """
    local = absolute.index.tz_localize(None)
    open_ = ~closed[slot_of_week(local, slots_per_day)]
    missing = absolute.isna().to_numpy()[open_]
    starts = missing & ~np.r_[False, missing[:-1]]
    return int(missing.sum()), int(starts.sum())


def describe_slots(mask: np.ndarray, slots_per_day: int) -> str:
    """Slots of the week as clock ranges by day, e.g. ``"every day 00:00-08:00, 20:00-24:00"``.

    Examples
    --------
    >>> import numpy as np
    >>> week = np.zeros(7 * 24, dtype=bool)
    >>> week[[h for d in range(7) for h in range(d * 24, d * 24 + 6)]] = True
    >>> describe_slots(week, 24)
    'every day 00:00-06:00'
    >>> week[6 * 24 :] = True
    >>> describe_slots(week, 24)
    'Mon-Sat 00:00-06:00; Sun 00:00-24:00'
    """
    days = mask.reshape(7, slots_per_day)
    texts = [_clock_ranges(day, slots_per_day) for day in days]
    names = [day.title() for day in DAY_NAMES]
    if len(set(texts)) == 1:
        return f"every day {texts[0]}"
    parts, first = [], 0
    for day in range(1, 8):
        if day == 7 or texts[day] != texts[first]:
            if texts[first]:
                label = names[first] if day - 1 == first else f"{names[first]}-{names[day - 1]}"
                parts.append(f"{label} {texts[first]}")
            first = day
    return "; ".join(parts)


def _clock_ranges(day: np.ndarray, slots_per_day: int) -> str:
    minutes = 1440 // slots_per_day
    edges = np.flatnonzero(np.diff(np.r_[0, day.astype(int), 0]))
    pairs = zip(edges[::2], edges[1::2], strict=True)
    return ", ".join(f"{_clock(a * minutes)}-{_clock(b * minutes)}" for a, b in pairs)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
