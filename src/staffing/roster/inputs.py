"""Reading agent requirements for a roster: the CSV or frame, validated on a regular grid.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"interval_start": pd.date_range("2024-01-01", periods=2, freq="h"),
...                       "required": [0.2, 3]})
>>> read_requirements(frame, 60)["required"].tolist()
[1, 3]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from staffing._compat import CSV_EXACT_FLOATS
from staffing.errors import DataError

__all__ = ["read_requirements", "split_intervals"]

_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


def _parse_times(values: pd.Series, source: str, tz: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        times = values
    else:
        text = values.astype(str).str.strip()
        with_offset = text.str.contains(_HAS_OFFSET)
        if with_offset.any() and not with_offset.all():
            row = int(np.flatnonzero(~with_offset.to_numpy())[0])
            raise DataError(
                f"{source}: column 'interval_start', row {row + 2}: some timestamps carry a UTC "
                "offset and others do not"
            )
        try:
            if with_offset.all():
                times = pd.to_datetime(text, utc=True, format="ISO8601")
                offsets = text.str.extract(_OFFSET)[0].unique()
                if tz is None and len(offsets) == 1:
                    tz = pd.Timestamp(text.iloc[0]).tzinfo
                elif tz is None:
                    raise DataError(
                        f"{source}: column 'interval_start' carries several UTC offsets "
                        f"({', '.join(map(str, offsets[:3]))}); give the time zone (tz=...)"
                    )
            else:
                times = pd.to_datetime(text, format="ISO8601")
        except (ValueError, TypeError) as err:
            raise DataError(
                f"{source}: column 'interval_start': expected ISO 8601 timestamps ({err})"
            ) from None
    if tz is not None:
        if times.dt.tz is None:
            try:
                times = times.dt.tz_localize(tz, ambiguous="raise", nonexistent="raise")
            except (ValueError, TypeError) as err:
                raise DataError(
                    f"{source}: column 'interval_start': cannot localise to {tz} ({err})"
                ) from None
        else:
            times = times.dt.tz_convert(tz)
    return times


def read_requirements(
    source: pd.DataFrame | str | Path,
    interval_minutes: int,
    *,
    queue: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Read and validate agent requirements on a regular grid.

    Parameters
    ----------
    source : DataFrame, str or Path
        Frame or CSV file with columns ``interval_start`` and ``required`` [agents], and
        optionally ``queue``.
    interval_minutes : int
        Expected grid step [min].
    queue : str, optional
        Queue to keep when a ``queue`` column holds several queues (otherwise an error: the
        roster serves one pool of agents, so requirements of different queues are not summed
        silently).
    tz : str, optional
        Time zone: localises naive timestamps, converts aware ones. CSV timestamps with a
        single UTC offset keep that fixed offset when ``tz`` is not given.

    Returns
    -------
    DataFrame
        Columns ``interval_start`` and ``required`` (integer [agents]; fractional values are
        rounded up), sorted, on a regular grid.

    Raises
    ------
    DataError
        Missing columns, bad or duplicated timestamps, irregular grid, or a non-numeric,
        negative or missing requirement; the message names the file, column and row.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"interval_start": pd.date_range("2024-01-01", periods=3,
    ...                                                       freq="30min"),
    ...                       "required": [1.2, 0, 3]})
    >>> read_requirements(frame, 30)["required"].tolist()
    [2, 0, 3]
    """
    name = str(source) if isinstance(source, str | Path) else "requirements"
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).copy()
    else:
        try:
            frame = pd.read_csv(source, dtype={"interval_start": str}, **CSV_EXACT_FLOATS)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise DataError(f"{name}: cannot read CSV ({err})") from None
    missing = [c for c in ("interval_start", "required") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name}: missing column(s) {missing}; expected 'interval_start' and 'required'"
        )
    if "queue" in frame.columns:
        queues = sorted(frame["queue"].astype(str).unique())
        if queue is not None:
            if queue not in queues:
                raise DataError(f"{name}: column 'queue' has no queue {queue!r} (has {queues})")
            frame = frame[frame["queue"].astype(str) == queue].reset_index(drop=True)
        elif len(queues) > 1:
            raise DataError(
                f"{name}: column 'queue' holds several queues {queues}; choose one (queue=...)"
            )
    required = pd.to_numeric(frame["required"], errors="coerce")
    bad = required.isna() | ~np.isfinite(required) | (required < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{name}: column 'required', row {row + 2}: expected a number >= 0, got "
            f"{frame['required'].iloc[row]!r}"
        )
    times = _parse_times(frame["interval_start"], name, tz)
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataError(f"{name}: column 'interval_start', row {row + 2}: missing timestamp")
    out = pd.DataFrame({"interval_start": times, "required": np.ceil(required - 1e-9)})
    out["required"] = out["required"].clip(lower=0).astype(np.int64)
    out = out.sort_values("interval_start", kind="stable").reset_index(drop=True)
    if len(out) < 2:
        raise DataError(f"{name}: expected at least two intervals, got {len(out)}")
    steps = out["interval_start"].diff().dt.total_seconds().iloc[1:] / 60
    wrong = steps != interval_minutes
    if wrong.any():
        k = int(np.flatnonzero(wrong.to_numpy())[0]) + 1
        what = "duplicated" if steps.iloc[k - 1] == 0 else "irregular"
        raise DataError(
            f"{name}: column 'interval_start': {what} grid at {out['interval_start'].iloc[k]} "
            f"({steps.iloc[k - 1]:g} min after the previous row; expected every "
            f"{interval_minutes} min as in the rules' interval_minutes)"
        )
    return out


def split_intervals(frame: pd.DataFrame, interval_minutes: int, step_minutes: int) -> pd.DataFrame:
    """Requirements on a grid of ``interval_minutes`` repeated onto a finer roster grid.

    Each interval's requirement holds in every one of its ``interval_minutes / step_minutes``
    parts, which start one step of real time apart (so a DST day keeps 23 or 25 hours).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``interval_start`` and ``required`` [agents], one row per interval.
    interval_minutes : int
        Interval of ``frame`` [min].
    step_minutes : int
        The roster grid [min]; divides ``interval_minutes``.

    Returns
    -------
    pandas.DataFrame
        ``interval_start`` and ``required`` on the finer grid.

    Raises
    ------
    ValueError
        ``step_minutes`` does not divide ``interval_minutes``.

    Examples
    --------
    >>> import pandas as pd
    >>> hourly = pd.DataFrame({"interval_start": pd.date_range(
    ...     "2025-06-02 09:00", periods=2, freq="h", tz="Europe/London"), "required": [3, 5]})
    >>> split_intervals(hourly, 60, 30)["required"].tolist()
    [3, 3, 5, 5]
    """
    if step_minutes <= 0 or interval_minutes % step_minutes:
        raise ValueError(
            f"step_minutes: expected a divisor of {interval_minutes} min, got {step_minutes!r}"
        )
    parts = interval_minutes // step_minutes
    starts = pd.DatetimeIndex(frame["interval_start"]).repeat(parts)
    offsets = pd.to_timedelta(np.tile(np.arange(parts) * step_minutes, len(frame)), unit="min")
    return pd.DataFrame(
        {
            "interval_start": starts + offsets,
            "required": np.repeat(frame["required"].to_numpy(), parts),
        }
    )
