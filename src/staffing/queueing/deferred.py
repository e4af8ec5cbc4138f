"""Deferred work (e-mail, tickets): agents per interval so every item meets its response time.

Items are worked first in, first out (earliest deadline first across priority tiers), with
level staffing over the response-time window; see :func:`~staffing.queueing.deferred_agents`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import InfeasibleError
from staffing.queueing.limits import (
    MAX_COUNT,
    _aht,
    _calls,
    _check,
    _check_load,
    _interval,
    _nonnegative,
    _positive,
    _Shape,
    _shrinkage,
)
from staffing.queueing.staffing import _schedule

__all__ = ["deferred_agents", "deferred_agents_tiers", "due_intervals"]

_CLOCKS = ("calendar", "business")

# --------------------------------------------------------------------------------------------
# Deferred work.
# --------------------------------------------------------------------------------------------


def due_intervals(
    size: int, window: int, open_mask: Any = None, clock: str = "calendar"
) -> np.ndarray:
    """The interval by whose end the items arriving in each interval are due.

    An item arriving in interval ``i`` is taken as arriving at its start (the earliest, hence
    strictest, deadline). On the ``"calendar"`` clock a response time of ``window`` intervals
    makes it due by the end of interval ``i + window - 1``. On the ``"business"`` clock the
    response time runs only in open intervals: the item is due by the end of the
    ``window``-th open interval at or after ``i`` (``i`` itself counts when open). Past the
    end of the horizon the clock runs continuously, so an index ``>= size`` means "due after
    the horizon" (not forced by a plan of ``size`` intervals).

    Parameters
    ----------
    size : int
        Number of intervals [intervals], >= 0.
    window : int
        Response time in whole intervals [intervals], >= 1 (``floor(response / interval)``).
    open_mask : array-like of bool, optional
        ``True`` where the channel is open, length ``size``; default always open. Used by the
        ``"business"`` clock only.
    clock : {"calendar", "business"}, default "calendar"
        The clock the response time runs on.

    Returns
    -------
    numpy.ndarray
        Due interval index of each arrival interval ``0 .. size - 1`` [interval index],
        int64, non-decreasing, each at least ``i + window - 1``.

    Raises
    ------
    ValueError
        For a negative ``size``, a ``window`` below 1, an unknown ``clock`` or an
        ``open_mask`` that is not a boolean array of length ``size``.

    Examples
    --------
    Open in intervals 0, 1, 4 and 5, a response time of two intervals:

    >>> shut = [True, True, False, False, True, True]
    >>> due_intervals(6, 2, shut).tolist()
    [1, 2, 3, 4, 5, 6]
    >>> due_intervals(6, 2, shut, "business").tolist()
    [1, 4, 5, 5, 5, 6]
    """
    size = _whole("size", size, 0)
    window = _whole("window", window, 1)
    start = np.arange(size, dtype=np.int64)
    if _clock(clock) == "calendar":
        return start + (window - 1)
    is_open = _open_mask(open_mask, size)
    open_through = np.cumsum(is_open, dtype=np.int64)  # open intervals in 0 .. k
    goal = open_through - is_open + window  # open count that ends each item's clock
    due = np.searchsorted(open_through, goal, side="left").astype(np.int64)
    total = int(open_through[-1]) if size else 0
    after = goal > total  # the clock runs out after the horizon, one interval at a time
    due[after] = size - 1 + goal[after] - total
    return due


def deferred_agents(
    calls: Any,
    aht_seconds: float,
    response_seconds: float,
    *,
    interval_minutes: float = 60,
    initial_backlog: float = 0.0,
    shrinkage: float = 0.0,
    open_mask: Any = None,
    response_clock: str = "calendar",
) -> Any:
    """Agents per interval so that every deferred item (e-mail, ticket) meets its response time.

    Model (all counts are fluid, in items): items arriving during interval ``i`` become
    workable at the end of that interval (from interval ``i + 1``) and are due by
    ``start_i + response_seconds``, i.e. by the end of interval ``d_i = i + K - 1`` with
    ``K = floor(response / interval)``; this is conservative on both sides (earliest possible
    deadline, latest possible availability). On the business clock ``d_i`` is instead the
    ``K``-th open interval at or after ``i`` (see :func:`due_intervals`). The
    ``initial_backlog`` is workable from interval 0 and due by the end of interval ``d_0``.
    Items are worked first in, first out (which is earliest-deadline-first here); one agent on
    the queue for an interval works ``60 interval_minutes / aht_seconds`` items.

    Staffing is *level* rather than last-minute: in each open interval ``j`` the agents are the
    smallest integer that, held constant over the open intervals ``j .. k``, clears all work
    due by ``k``, for every ``k`` in ``j .. j + L`` with the look-ahead ``L = max_i(d_i - i) + 1``
    (``K`` on the calendar clock), given the work already done, and never more than the work on
    hand needs:
    ``n_j = ceil(min(max_k (D(k) - W(j - 1)) / open(j..k), B_j) / c)`` where ``D(k)`` is the work
    due by the end of ``k`` [items], ``W`` the work done so far, ``B_j`` the backlog on hand and
    ``c`` the items one agent works per interval. The case ``k = j`` guarantees every deadline;
    one agent fewer, held over the same window, misses one. Items due after the last interval
    are not forced.

    Parameters
    ----------
    calls : array-like or pandas.Series
        Items arriving per interval [items per interval], 0 to :data:`MAX_COUNT` (no NaN),
        one entry per interval; the work ``calls * aht_seconds / (60 * interval_minutes)`` is
        at most :data:`MAX_LOAD_ERLANGS`.
    aht_seconds : float
        Handle time per item [s], > 0 and at most one day.
    response_seconds : float
        Response-time target [s]; at least two intervals long.
    interval_minutes : float, default 60
        Interval length [min], from :data:`MIN_INTERVAL_MINUTES` to
        :data:`MAX_INTERVAL_MINUTES` (1 min to one day).
    initial_backlog : float, default 0
        Items waiting at the start of the first interval [items], 0 to :data:`MAX_COUNT`.
    shrinkage : float, default 0
        Fraction of paid time unavailable [fraction] in [0, 1); with shrinkage the result is the
        scheduled agents ``ceil(n / (1 - shrinkage))``.
    open_mask : array-like of bool, optional
        ``True`` where agents may work; closed intervals get 0 agents. Default: always open.
    response_clock : {"calendar", "business"}, default "calendar"
        ``"business"`` runs the response time only in the open intervals of ``open_mask``.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Agents per interval [agents], integers, in the container type of ``calls``.

    Raises
    ------
    ValueError
        For an invalid argument.
    staffing.errors.InfeasibleError
        When work falls due with no open interval to do it in.

    Examples
    --------
    >>> deferred_agents([60, 0, 0, 0], 600, 3 * 3600).tolist()
    [0, 5, 5, 0]

    Closed in intervals 2 and 3, a three-hour response on the business clock is due by the
    end of interval 4; on the calendar clock it must be met by the end of interval 2:

    >>> shut = [True, True, False, False, True, True]
    >>> deferred_agents([60, 0, 0, 0, 0, 0], 600, 3 * 3600, open_mask=shut,
    ...                 response_clock="business").tolist()
    [0, 5, 0, 0, 5, 0]
    >>> deferred_agents([60, 0, 0, 0, 0, 0], 600, 3 * 3600, open_mask=shut).tolist()
    [0, 10, 0, 0, 0, 0]
    """
    shape = _Shape(calls)
    arrivals, aht, minutes, backlog = _deferred_inputs(
        calls, aht_seconds, interval_minutes, initial_backlog
    )
    response = _scalar(_positive("response_seconds", response_seconds), "response_seconds")
    s = _shrinkage(shrinkage)
    window = math.floor(response / (60.0 * minutes) + 1e-9)
    if window < 2:
        raise ValueError(
            f"response_seconds must cover at least two intervals of {minutes:g} min "
            f"(items are workable from the next interval), got {response:g}"
        )
    size = arrivals.size
    window = min(window, size + 1)  # a deadline after the horizon is not forced either way
    is_open = _open_mask(open_mask, size)
    per_agent = 60.0 * minutes / aht
    due_at = due_intervals(size, window, is_open, _clock(response_clock, "response_clock"))
    due = _due_by_interval(arrivals, due_at) + _backlog_due(backlog, due_at)
    agents = _level_staffing(arrivals, due, backlog, _lookahead(due_at), is_open, per_agent)
    return shape.wrap(_schedule(agents, s) if np.any(s > 0) else agents.astype(np.int64))


def deferred_agents_tiers(
    calls: Any,
    aht_seconds: float,
    response_seconds: Any,
    *,
    interval_minutes: float = 60,
    initial_backlog: float = 0.0,
    shrinkage: float = 0.0,
    open_mask: Any = None,
    response_clock: str = "calendar",
) -> np.ndarray:
    """Agents per interval for deferred work of several priority tiers served by one team.

    The model of :func:`deferred_agents`, pooled: items of tier ``k`` arriving in interval
    ``i`` are due by the end of interval ``i + K_k - 1`` (on the business clock, the
    ``K_k``-th open interval at or after ``i``; see :func:`due_intervals`); the team works the
    backlog earliest deadline first, and in each open interval the agents are the fewest that,
    held constant, clear every item due within the look-ahead (on hand or still to arrive).
    One team's spare capacity serves every tier, which usually needs far fewer agents than
    staffing each tier on its own and adding the results (each tier rounded up to whole
    agents).

    Parameters
    ----------
    calls : array-like, shape (tiers, intervals)
        Items arriving per interval for each tier [items per interval], as in
        :func:`deferred_agents`.
    aht_seconds : float
        Handle time per item [s], > 0 and at most one day (the same for every tier).
    response_seconds : sequence of float
        Response-time target of each tier [s]; each at least two intervals long.
    interval_minutes : float, default 60
        Interval length [min], from :data:`MIN_INTERVAL_MINUTES` to
        :data:`MAX_INTERVAL_MINUTES` (1 min to one day).
    initial_backlog : float, default 0
        Items waiting at the start [items], due within the tightest response time.
    shrinkage : float, default 0
        Fraction of paid time unavailable [fraction] in [0, 1); with shrinkage the result is the
        scheduled agents ``ceil(n / (1 - shrinkage))``.
    open_mask : array-like of bool, optional
        ``True`` where agents may work; default always open.
    response_clock : {"calendar", "business"}, default "calendar"
        ``"business"`` runs every tier's response time only in the open intervals.

    Returns
    -------
    numpy.ndarray
        Agents per interval [agents], integers.

    Raises
    ------
    ValueError
        For an invalid argument, or tiers and response times of different lengths.
    staffing.errors.InfeasibleError
        When work falls due with no open interval to do it in.

    Examples
    --------
    >>> pooled = deferred_agents_tiers([[6, 6, 6, 6, 0, 0], [30, 30, 30, 30, 0, 0]], 600,
    ...                                [2 * 3600, 4 * 3600])
    >>> pooled.tolist()
    [0, 4, 4, 4, 4, 3]
    >>> separate = (deferred_agents([6, 6, 6, 6, 0, 0], 600, 2 * 3600)
    ...             + deferred_agents([30, 30, 30, 30, 0, 0], 600, 4 * 3600))
    >>> int(separate.sum()) >= int(pooled.sum())
    True
    """
    tiers = np.atleast_2d(np.asarray(calls, dtype=float))
    responses = np.atleast_1d(np.asarray(response_seconds, dtype=float))
    if tiers.ndim != 2 or len(responses) != tiers.shape[0]:
        raise ValueError(
            f"calls must have one row per tier ({len(responses)} response times), "
            f"got shape {tiers.shape}"
        )
    _, aht, minutes, backlog = _deferred_inputs(
        tiers, aht_seconds, interval_minutes, initial_backlog
    )
    bad = ~(responses > 0) | np.isinf(responses)
    _check("response_seconds", responses, bad, "> 0 and finite")
    s = _shrinkage(shrinkage)
    windows = [math.floor(float(r) / (60.0 * minutes) + 1e-9) for r in responses]
    if min(windows) < 2:
        raise ValueError(
            f"every response_seconds must cover at least two intervals of {minutes:g} min "
            f"(items are workable from the next interval), got {responses.tolist()}"
        )
    size = tiers.shape[1]
    windows = [min(window, size + 1) for window in windows]  # as in deferred_agents
    is_open = _open_mask(open_mask, size)
    clock = _clock(response_clock, "response_clock")
    dues = np.array([due_intervals(size, window, is_open, clock) for window in windows])
    agents = _level_staffing_edf(tiers, dues, backlog, is_open, 60.0 * minutes / aht)
    return _schedule(agents, s) if np.any(s > 0) else agents.astype(np.int64)


def _scalar(array: np.ndarray, name: str) -> float:
    if array.size != 1 or np.isnan(array).any():
        raise ValueError(f"{name} must be one number (not NaN), got {array.tolist()!r}")
    return float(array.reshape(()))


def _deferred_inputs(calls, aht_seconds, interval_minutes, initial_backlog) -> tuple:
    """Validated arrivals (no NaN), handle time, interval and backlog of deferred work."""
    arrivals = _calls(calls)
    _check("calls", arrivals, np.isnan(arrivals), "a number (no NaN) for deferred work")
    aht = _scalar(_aht(aht_seconds), "aht_seconds")
    minutes = _scalar(_interval(interval_minutes), "interval_minutes")
    backlog = _scalar(
        _nonnegative("initial_backlog", initial_backlog, MAX_COUNT), "initial_backlog"
    )
    _check_load(arrivals * aht / (60.0 * minutes), "calls x aht_seconds / (60 x interval_minutes)")
    return arrivals.reshape(-1) if arrivals.ndim < 2 else arrivals, aht, minutes, backlog


def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _clock(clock: Any, name: str = "clock") -> str:
    if not isinstance(clock, str) or clock not in _CLOCKS:
        raise ValueError(f"{name} must be 'calendar' or 'business', got {clock!r}")
    return clock


def _lookahead(due_at: np.ndarray) -> int:
    """Intervals to look ahead: the longest span ``due - arrival`` plus one (``K`` on the
    calendar clock)."""
    span = due_at - np.arange(due_at.shape[-1])
    return int(np.max(span, initial=0)) + 1


def _level_staffing_edf(tiers, dues, backlog, is_open, per_agent) -> np.ndarray:
    """Level staffing of several tiers worked earliest deadline first.

    ``lots`` holds the items on hand as [due interval, items]; in each open interval the agents
    are the fewest that, held over the open intervals ``j .. k``, clear every item due by
    ``k`` (on hand, or arriving before ``k``) for every ``k`` in the look-ahead, capped by the
    work on hand.
    """
    size = tiers.shape[1]
    lookahead = _lookahead(dues)
    lots = [[int(dues[:, 0].min()), backlog]] if backlog > 0 and size else []
    open_cum = np.concatenate([[0], np.cumsum(is_open)])
    agents = np.zeros(size)
    tolerance = 1e-9
    # items the rounding slack of ``tolerance`` agents may leave over the look-ahead
    negligible = max(1e-6, 2 * tolerance * per_agent * lookahead)
    for j in range(size):
        if is_open[j]:
            stop = min(size, j + lookahead + 1)
            need = _due_outstanding(lots, tiers, dues, j, stop)
            slots = open_cum[j + 1 : stop + 1] - open_cum[j]
            rate = np.max(need / slots) if np.any(need > tolerance) else 0.0
            on_hand = sum(items for _, items in lots)
            agents[j] = max(0.0, math.ceil(min(rate, on_hand) / per_agent - tolerance))
            _work_earliest_first(lots, agents[j] * per_agent)
        late = sum(items for due, items in lots if due <= j)
        if late > negligible:
            raise InfeasibleError(
                f"deferred work due by interval {j} cannot be done: no open interval is left "
                f"before its deadline ({late:.6g} items outstanding)"
            )
        lots = [lot for lot in lots if lot[1] > tolerance]
        lots += [
            [int(due[j]), float(row[j])]
            for row, due in zip(tiers, dues, strict=True)
            if row[j] > 0
        ]
    return agents


def _due_outstanding(lots, tiers, dues, j, stop) -> np.ndarray:
    """Items due by the end of each interval ``k`` in ``j .. stop - 1`` and not yet worked."""
    horizon = np.arange(j, stop)
    need = np.zeros(len(horizon))
    for due, items in lots:
        need += items * (horizon >= due)
    for row, due in zip(tiers, dues, strict=True):
        for i in np.flatnonzero(row[j:stop] > 0) + j:
            need += row[i] * (horizon >= due[i])
    return need


def _work_earliest_first(lots, capacity: float) -> None:
    for lot in sorted(lots, key=lambda lot: lot[0]):
        take = min(capacity, lot[1])
        lot[1] -= take
        capacity -= take
        if capacity <= 0:
            break


def _due_by_interval(arrivals: np.ndarray, due_at: np.ndarray) -> np.ndarray:
    """Items due by the end of each interval: arrivals of ``i`` fall due at ``due_at[i]``."""
    due = np.zeros(arrivals.size)
    inside = due_at < arrivals.size
    np.add.at(due, due_at[inside], arrivals[inside])
    return due


def _backlog_due(backlog: float, due_at: np.ndarray) -> np.ndarray:
    """The initial backlog falls due with the arrivals of interval 0."""
    due = np.zeros(due_at.size)
    if due_at.size and due_at[0] < due_at.size:
        due[due_at[0]] = backlog
    return due


def _open_mask(open_mask: Any, size: int) -> np.ndarray:
    if open_mask is None:
        return np.ones(size, bool)
    mask = np.asarray(open_mask.to_numpy() if isinstance(open_mask, pd.Series) else open_mask)
    if mask.shape != (size,) or mask.dtype != bool:
        raise ValueError(
            f"open_mask must be a boolean array of length {size}, got shape {mask.shape} "
            f"and dtype {mask.dtype}"
        )
    return mask


def _level_staffing(arrivals, due, backlog, lookahead, is_open, per_agent) -> np.ndarray:
    """Level staffing over ``lookahead`` intervals given the items ``due`` by each interval."""
    size = arrivals.size
    due_cum = np.cumsum(due)
    open_cum = np.concatenate([[0], np.cumsum(is_open)])
    available = backlog
    done = 0.0
    agents = np.zeros(size)
    tolerance = 1e-9
    for j in range(size):
        if is_open[j]:
            stop = min(size, j + lookahead + 1)
            need = due_cum[j:stop] - done
            slots = open_cum[j + 1 : stop + 1] - open_cum[j]
            rate = np.max(need / slots) if np.any(need > tolerance) else 0.0
            on_hand = available - done
            agents[j] = max(0.0, math.ceil(min(rate, on_hand) / per_agent - tolerance))
            work = min(agents[j] * per_agent, available - done)
            done += work
        elif due_cum[j] - done > tolerance * max(1.0, due_cum[j]):
            raise InfeasibleError(
                f"deferred work due by interval {j} cannot be done: no open interval is left "
                f"before its deadline ({due_cum[j] - done:.6g} items outstanding)"
            )
        available += arrivals[j]
    return agents
