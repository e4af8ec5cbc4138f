"""Input checks and the local wall-clock grid that every model runs on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffing.errors import DataError

MIN_HISTORY_DAYS = 14


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


def split_queues(history: pd.DataFrame | pd.Series, name: str = "history") -> list[QueueHistory]:
    """Turn a tidy frame or a Series into one :class:`QueueHistory` per queue."""
    if isinstance(history, pd.Series):
        queue = history.name if isinstance(history.name, str) else "all"
        return [_queue_history(queue, history, name)]
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
    queues = history["queue"].astype(str) if "queue" in history.columns else None
    if queues is None:
        series = pd.Series(history["volume"].to_numpy(), index=pd.DatetimeIndex(stamps))
        return [_queue_history("all", series, name)]
    result = []
    for queue in pd.unique(queues):
        part = history[queues == queue]
        series = pd.Series(
            part["volume"].to_numpy(), index=pd.DatetimeIndex(part["interval_start"])
        )
        result.append(_queue_history(str(queue), series, f"{name} (queue {queue!r})"))
    return result


def _queue_history(queue: str, series: pd.Series, name: str) -> QueueHistory:
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{name}: the index must be a DatetimeIndex")
    if index.tz is None:  # naive wall-clock times: no summer time, read as UTC
        index = index.tz_localize("UTC")
    values = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce")
    bad = values.isna() & pd.Series(series.to_numpy()).notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{name}: column 'volume', row {row}: expected a number, got {series.iloc[row]!r}"
        )
    if (values < 0).any():
        row = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise DataError(
            f"{name}: column 'volume', row {row}: expected a non-negative count, "
            f"got {values.iloc[row]}"
        )
    if index.has_duplicates:
        row = int(np.flatnonzero(index.duplicated())[0])
        raise DataError(f"{name}: column 'interval_start', row {row}: duplicate time {index[row]}")
    clean = pd.Series(values.to_numpy(dtype=float), index=index).sort_index()
    step = _infer_step(clean.index, name)
    grid = pd.date_range(clean.index[0], clean.index[-1], freq=step, name="interval_start")
    if not clean.index.isin(grid).all():
        row = int(np.flatnonzero(~clean.index.isin(grid))[0])
        raise DataError(
            f"{name}: column 'interval_start', row {row}: {clean.index[row]} is off the "
            f"{step} grid that starts at {grid[0]}"
        )
    absolute = clean.reindex(grid)
    observed = absolute.notna().sum()
    if observed * step < pd.Timedelta(MIN_HISTORY_DAYS, unit="D"):
        raise DataError(
            f"{name}: {observed} observed intervals of {step}; at least {MIN_HISTORY_DAYS} "
            "days of history are needed"
        )
    return QueueHistory(queue=queue, absolute=absolute, wall=to_wall(absolute))


def _infer_step(index: pd.DatetimeIndex, name: str) -> pd.Timedelta:
    if len(index) < 2:
        raise DataError(f"{name}: at least {MIN_HISTORY_DAYS} days of history are needed")
    step = pd.Timedelta((index[1:] - index[:-1]).min())
    if step <= pd.Timedelta(0) or pd.Timedelta(1, unit="D") % step != pd.Timedelta(0):
        raise DataError(
            f"{name}: column 'interval_start': interval {step} does not divide a day evenly"
        )
    return step


def to_wall(absolute: pd.Series) -> pd.Series:
    """Map a series on an absolute grid to a regular grid of local wall-clock times.

    The doubled hour of a fall-back day is averaged; the skipped hour of a spring-forward day
    becomes missing (NaN), to be filled like any other gap.
    """
    step = pd.Timedelta(absolute.index.freq)
    local = absolute.index.tz_localize(None)
    wall = absolute.groupby(local).mean()
    grid = pd.date_range(local.min(), local.max(), freq=step)
    return wall.reindex(grid)


def future_index(absolute: pd.Series, periods: int) -> pd.DatetimeIndex:
    """The next ``periods`` intervals after the history, in absolute time, in its zone."""
    step = pd.Timedelta(absolute.index.freq)
    return pd.date_range(
        absolute.index[-1] + step, periods=periods, freq=step, name="interval_start"
    )


def from_wall(wall_forecast: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    """Read a wall-clock forecast at the local times of an absolute index.

    Both hours of a fall-back day read the same wall-clock value (each is a full interval).
    """
    local = index.tz_localize(None)
    return wall_forecast.reindex(local, method="bfill").to_numpy(dtype=float)


def fill_gaps(wall: pd.Series, season: int) -> pd.Series:
    """Fill missing values by the median of the same slot of the season, then by interpolation."""
    if not wall.isna().any():
        return wall
    slot = np.arange(len(wall)) % season
    medians = wall.groupby(slot).transform("median")
    filled = wall.fillna(medians)
    return filled.interpolate(limit_direction="both").fillna(0.0)
