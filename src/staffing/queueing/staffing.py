"""Required agents: the fewest agents meeting service-level, ASA and occupancy targets.

Erlang C is searched from the square-root staffing guess, moving with the Erlang B
recurrences; Erlang A by exponential search and bisection on the exact measures of
:mod:`staffing.queueing.measures`. :func:`~staffing.queueing.scheduled_agents` adds shrinkage.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from staffing.queueing.limits import (
    _aht,
    _check_patience_arrivals,
    _concurrency,
    _fraction_open,
    _integers,
    _interval,
    _nonnegative,
    _patience,
    _positive,
    _Shape,
    _shrinkage,
)
from staffing.queueing.measures import _asa, _load, _Model, _occupancy, _service_level

__all__ = ["required_agents", "scheduled_agents", "staffing_table"]

# --------------------------------------------------------------------------------------------
# Required agents.
# --------------------------------------------------------------------------------------------


def scheduled_agents(agents: Any, shrinkage: Any) -> Any:
    """Agents to schedule so that ``agents`` remain after shrinkage.

    Parameters
    ----------
    agents : int or array-like
        Agents needed on the queue [agents], whole numbers from 0 to :data:`MAX_COUNT`.
    shrinkage : float or array-like
        Fraction of paid time not available for contacts (breaks, training, absence) [fraction]
        in [0, 1).

    Returns
    -------
    int, numpy.ndarray or pandas.Series
        ``ceil(agents / (1 - shrinkage))`` [agents], integers, computed exactly: each shrinkage
        is read as the shortest decimal that gives it back (``0.3`` is 3/10, not the binary
        fraction just below it) and the ceiling is taken in integer arithmetic, so the result is
        never below ``agents / (1 - shrinkage)`` and never one above it, at any size.

    Examples
    --------
    >>> scheduled_agents(14, 0.3)
    20
    >>> scheduled_agents(999_999_999, 0.3)
    1428571428
    """
    shape = _Shape(agents, shrinkage)
    n = _integers("agents", agents, 0, nan=False)
    s = _shrinkage(shrinkage)
    return shape.wrap(_schedule(n, s))


def _schedule(n: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``ceil(n / (1 - s))`` in exact integer arithmetic, ``s`` read as its shortest decimal."""
    n, s = np.broadcast_arrays(np.asarray(n, float), np.asarray(s, float))
    counts = n.astype(np.int64).reshape(-1)
    values, inverse = np.unique(s.reshape(-1), return_inverse=True)
    fractions = [Fraction(repr(float(value))) for value in values]
    scale = [f.denominator for f in fractions]  # 1 - s = keep / scale
    keep = [f.denominator - f.numerator for f in fractions]
    if max(scale, default=1) * int(counts.max(initial=0)) < 2**62:
        top = counts * np.array(scale, np.int64)[inverse]
        result = -(-top // np.array(keep, np.int64)[inverse])
    else:  # Python integers: no overflow at any size
        top = counts.astype(object) * np.array(scale, object)[inverse]
        result = (-(-top // np.array(keep, object)[inverse])).astype(np.int64)
    return result.reshape(n.shape)


class _Targets:
    """Validated targets of required_agents."""

    def __init__(self, service_level, target_seconds, asa_seconds, max_occupancy, min_agents):
        if (service_level is None) != (target_seconds is None):
            raise ValueError(
                "service_level and target_seconds must be given together, got "
                f"service_level={service_level!r}, target_seconds={target_seconds!r}"
            )
        self.sl = None if service_level is None else _fraction_open("service_level", service_level)
        self.t = None if target_seconds is None else _nonnegative("target_seconds", target_seconds)
        self.asa = None if asa_seconds is None else _positive("asa_seconds", asa_seconds)
        if max_occupancy is not None and not (
            isinstance(max_occupancy, int | float) and 0 < max_occupancy <= 1
        ):
            raise ValueError(f"max_occupancy must be a fraction in (0, 1], got {max_occupancy!r}")
        self.occ = max_occupancy
        self.min_agents = _integers("min_agents", min_agents, 0, nan=False)
        if self.sl is None and self.asa is None and self.occ is None:
            raise ValueError(
                "give at least one target: service_level with target_seconds, asa_seconds "
                "or max_occupancy"
            )


def _meets(a, servers, aht, patience, targets: _Targets, index: np.ndarray) -> np.ndarray:
    """Exact check of every target for the intervals ``index`` of the targets' arrays."""
    model = _Model.__new__(_Model)
    model.a, model.servers, model.aht = a, servers, aht
    model.k = np.ones_like(a)
    model.patience = patience
    ok = np.ones(a.shape, bool)
    if targets.occ is not None:
        ok &= _occupancy(model) <= targets.occ + 1e-12
    if targets.sl is not None:
        ok &= _service_level(model, targets.t[index], "offered") >= targets.sl
    if targets.asa is not None:
        ok &= _asa(model) <= targets.asa[index]
    return ok


def _lower_bound(a: np.ndarray, targets: _Targets, erlang_c: bool) -> np.ndarray:
    """A number of servers at or below the answer: stability and the occupancy cap."""
    if not erlang_c:
        return np.zeros_like(a)
    low = np.floor(a) + 1.0
    if targets.occ is not None:
        low = np.maximum(low, np.ceil(a / targets.occ * (1 - 1e-12)))
    return low


def _halfin_whitt_beta(
    feasible: Callable[[np.ndarray, np.ndarray], np.ndarray], tau: np.ndarray
) -> np.ndarray:
    """Smallest beta in [0, 8] with ``feasible(beta, tau)``, on a grid of tau, interpolated."""
    grid = np.geomspace(1e-4, 1e4, 241)
    low, high = np.zeros_like(grid), np.full_like(grid, 8.0)
    for _ in range(50):
        mid = 0.5 * (low + high)
        good = feasible(mid, grid)
        low = np.where(good, low, mid)
        high = np.where(good, mid, high)
    return np.interp(np.log(np.maximum(tau, 1e-300)), np.log(grid), high)


def _halfin_whitt_wait(beta: np.ndarray) -> np.ndarray:
    """Halfin-Whitt approximation of Erlang C with ``n = a + beta sqrt(a)``."""
    ratio = special.ndtr(beta) * np.sqrt(2 * np.pi) * np.exp(0.5 * beta * beta)
    return 1.0 / (1.0 + beta * ratio)


def _sqrt_staffing_guess(a: np.ndarray, aht: np.ndarray, targets: _Targets) -> np.ndarray:
    """Square-root staffing guess ``a + beta sqrt(a)`` with the Halfin-Whitt approximation.

    The guess is usually within one agent of the answer; the exact search corrects it.
    """
    root = np.sqrt(a)
    beta = np.zeros_like(a)
    if targets.sl is not None:
        # C(beta) exp(-beta tau) <= 1 - SL with tau = sqrt(a) t / aht.
        goal = math.log1p(-targets.sl)

        def sl_met(b: np.ndarray, tau: np.ndarray) -> np.ndarray:
            return np.log(_halfin_whitt_wait(b)) - b * tau <= goal

        beta = np.maximum(beta, _halfin_whitt_beta(sl_met, targets.t * root / aht))
    if targets.asa is not None:
        # C(beta) aht / (beta sqrt(a)) <= asa, i.e. beta / C(beta) >= aht / (sqrt(a) asa).
        def asa_met(b: np.ndarray, tau: np.ndarray) -> np.ndarray:
            return b / _halfin_whitt_wait(b) >= tau

        beta = np.maximum(beta, _halfin_whitt_beta(asa_met, aht / (root * targets.asa)))
    return np.floor(a + beta * root)


def _erlang_b_stable(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for ``n > a > 0``, where the Poisson cdf is at least about one half."""
    log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
    return np.exp(log_pmf) / special.gammaincc(n + 1.0, a)


def _search_erlang_c(a, aht, targets: _Targets, low: np.ndarray) -> np.ndarray:
    """Smallest integer servers >= low meeting the targets, Erlang C, vectorised.

    Starts from the square-root staffing guess, evaluates Erlang B exactly once there and moves
    with the recurrences ``B(n + 1) = a B / (n + 1 + a B)`` and
    ``B(n - 1) = n B / (a (1 - B))``.
    """
    n = np.maximum(_sqrt_staffing_guess(a, aht, targets), low)
    b = _erlang_b_stable(n, a)
    t = None if targets.t is None else np.broadcast_to(targets.t, a.shape)
    asa_limit = None if targets.asa is None else np.broadcast_to(targets.asa, a.shape)

    def meets(idx, n_, b_):
        a_ = a[idx]
        stable = n_ > a_
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(stable, n_ * b_ / (n_ - a_ + a_ * b_), 1.0)
            ok = stable | (a_ == 0)
            if targets.occ is not None:
                ok &= a_ <= targets.occ * n_ * (1 + 1e-12)
            if t is not None:
                decay = (n_ - a_) * t[idx] / aht[idx]
                ok &= stable & (1.0 - c * np.exp(-decay) >= targets.sl)
            if asa_limit is not None:
                ok &= stable & (c * aht[idx] / (n_ - a_) <= asa_limit[idx])
        return ok

    ok = meets(np.arange(a.size), n, b)
    # Step down while the agent count below still meets every target.
    idx = np.flatnonzero(ok & (n > low))
    while idx.size:
        n_i, b_i, a_i = n[idx], b[idx], a[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            b_down = np.where(n_i - 1 == 0, 1.0, n_i * b_i / (a_i * (1.0 - b_i)))
        good = meets(idx, n_i - 1, b_down)
        idx = idx[good]
        n[idx] -= 1
        b[idx] = b_down[good]
        idx = idx[n[idx] > low[idx]]
    # Step up until every target is met.
    idx = np.flatnonzero(~ok)
    while idx.size:
        n_i, b_i, a_i = n[idx] + 1, b[idx], a[idx]
        b_up = a_i * b_i / (n_i + a_i * b_i)
        n[idx] = n_i
        b[idx] = b_up
        idx = idx[~meets(idx, n_i, b_up)]
    return n


def _search_generic(a, aht, patience, targets: _Targets, low: np.ndarray) -> np.ndarray:
    """Smallest servers >= low meeting the targets by exact evaluation (Erlang A path)."""
    n = np.maximum(low, 1.0)
    # Exponential search for an upper bound, then bisection, all vectorised.
    high = np.maximum(n, np.ceil(a + 3.0 * np.sqrt(a) + 3.0))
    ok_high = _meets(a, high, aht, patience, targets, np.arange(a.size))
    while not np.all(ok_high):
        bad = ~ok_high
        high[bad] = np.ceil(high[bad] * 1.5 + 1.0)
        sub = np.flatnonzero(bad)
        ok_high[sub] = _meets(a[sub], high[sub], aht[sub], patience[sub], targets, sub)
    lo = n - 1.0  # infeasible or below the floor
    while np.any(high - lo > 1):
        sub = np.flatnonzero(high - lo > 1)
        mid = np.floor((lo[sub] + high[sub]) / 2.0)
        good = _meets(a[sub], mid, aht[sub], patience[sub], targets, sub)
        high[sub[good]] = mid[good]
        lo[sub[~good]] = mid[~good]
    return high


def _required_servers(a, aht, patience, targets: _Targets) -> np.ndarray:
    servers = np.zeros_like(a)
    positive = np.flatnonzero(a > 0)
    if not positive.size:
        return servers
    sub_targets = _subset_targets(targets, positive, a.shape)
    if patience is None and positive.size == a.size:
        return _search_erlang_c(a, aht, sub_targets, _lower_bound(a, sub_targets, True))
    low = _lower_bound(a[positive], sub_targets, patience is None)
    if patience is None:
        servers[positive] = _search_erlang_c(a[positive], aht[positive], sub_targets, low)
    else:
        servers[positive] = _search_generic(
            a[positive], aht[positive], patience[positive], sub_targets, low
        )
    return servers


def _subset_targets(targets: _Targets, index: np.ndarray, shape: tuple) -> _Targets:
    sub = _Targets.__new__(_Targets)
    sub.sl, sub.occ, sub.min_agents = targets.sl, targets.occ, targets.min_agents
    sub.t = None if targets.t is None else np.broadcast_to(targets.t, shape)[index]
    sub.asa = None if targets.asa is None else np.broadcast_to(targets.asa, shape)[index]
    return sub


def _solve(calls, aht_seconds, interval_minutes, targets, patience_seconds, concurrency):
    a = _load(calls, aht_seconds, interval_minutes)
    aht = _aht(aht_seconds)
    patience = _patience(patience_seconds)
    k = _concurrency(concurrency)
    optional = {"t": targets.t, "asa": targets.asa, "patience": patience}
    given = {key: value for key, value in optional.items() if value is not None}
    arrays = np.broadcast_arrays(a, aht, k, targets.min_agents, *given.values())
    shape = arrays[0].shape
    a_f, aht_f, k_f, min_f, *rest = (np.array(v, float).reshape(-1) for v in arrays)
    flat = dict(zip(given, rest, strict=True))
    # NaN (missing) calls, handle time, targets or patience give NaN; solve a stand-in there.
    nan = np.isnan(a_f) | np.isnan(aht_f)
    for value in rest:
        nan |= np.isnan(value)
    p_f = flat.get("patience")
    if p_f is not None:
        _check_patience_arrivals(a_f, p_f / aht_f)
        p_f = np.where(nan, 1.0, p_f)
    targets.t = None if "t" not in flat else np.where(nan, 0.0, flat["t"])
    targets.asa = None if "asa" not in flat else np.where(nan, 1.0, flat["asa"])
    a_f, aht_f = np.where(nan, 0.0, a_f), np.where(nan, 1.0, aht_f)
    servers = _required_servers(a_f, aht_f, p_f, targets)
    # n agents provide n * k servers and the requirement is monotone, so ceil is exact.
    agents = np.maximum(np.ceil(servers / k_f - 1e-12), min_f)
    return agents.reshape(shape), nan.reshape(shape)


def required_agents(
    calls: Any,
    aht_seconds: Any,
    *,
    interval_minutes: Any = 60,
    service_level: float | None = None,
    target_seconds: Any = None,
    asa_seconds: Any = None,
    max_occupancy: float | None = None,
    shrinkage: Any = 0.0,
    patience_seconds: Any = None,
    concurrency: Any = 1,
    min_agents: Any = 0,
) -> Any:
    """The smallest integer number of agents meeting every target given.

    Parameters
    ----------
    calls : float or array-like
        Arrivals per interval [contacts per interval], 0 to :data:`MAX_COUNT`; the load
        ``calls * aht_seconds / (60 * interval_minutes)`` is at most :data:`MAX_LOAD_ERLANGS`.
    aht_seconds : float or array-like
        Average handle time [s], > 0 and at most :data:`MAX_AHT_SECONDS` (one day).
    interval_minutes : float, default 60
        Interval length [min], from :data:`MIN_INTERVAL_MINUTES` to
        :data:`MAX_INTERVAL_MINUTES` (1 min to one day).
    service_level : float, optional
        Service-level target [fraction] in (0, 1): that fraction of offered contacts answered
        within ``target_seconds`` (the ``"offered"`` definition of :func:`service_level`).
    target_seconds : float or array-like, optional
        Answer-time target [s], >= 0, given together with ``service_level``; 0 asks that
        fraction to be answered without waiting.
    asa_seconds : float or array-like, optional
        Maximum average speed of answer [s].
    max_occupancy : float, optional
        Occupancy cap [fraction] in (0, 1].
    shrinkage : float or array-like, default 0
        Fraction of paid time unavailable [fraction] in [0, 1). With shrinkage the result is
        the number to schedule, ``ceil(n / (1 - shrinkage))``; :func:`staffing_table` gives both.
    patience_seconds : float or array-like, optional
        Mean patience [s]: use Erlang A instead of Erlang C (limits as in
        :func:`service_level`).
    concurrency : int, default 1
        Contacts one agent handles at once (chat), 1 to :data:`MAX_CONCURRENCY`.
    min_agents : int or array-like, default 0
        Minimum agents on the queue [agents], applied before shrinkage; whole numbers up to
        :data:`MAX_COUNT`, never NaN.

    Returns
    -------
    int, numpy.ndarray or pandas.Series
        Agents [agents], integers (scheduled agents when ``shrinkage > 0``). ``NaN`` (missing)
        in ``calls``, ``aht_seconds``, ``target_seconds``, ``asa_seconds`` or
        ``patience_seconds`` gives ``NaN`` there (the result is then a float array). No contacts
        give ``min_agents``. Under Erlang C a positive load always gets more servers
        (``agents * concurrency``) than the load [Erlang].

    Raises
    ------
    ValueError
        For an invalid argument or one beyond the module's limits, named with the position and
        value of its first bad element, or when no target is given.

    Examples
    --------
    >>> required_agents(100, 180, interval_minutes=30, service_level=0.8, target_seconds=20)
    14
    >>> required_agents(100, 180, interval_minutes=30, service_level=0.8, target_seconds=20,
    ...                 shrinkage=0.3)
    20
    >>> required_agents([0, 50, 100], 180, interval_minutes=30, asa_seconds=30).tolist()
    [0, 7, 13]
    """
    table = _required(
        calls, aht_seconds, interval_minutes, service_level, target_seconds, asa_seconds,
        max_occupancy, shrinkage, patience_seconds, concurrency, min_agents,
    )  # fmt: skip
    _agents, scheduled, nan, shape = table
    values = scheduled
    if np.any(nan):
        values = np.where(nan, np.nan, values.astype(float))
    return shape.wrap(values)


def _required(
    calls, aht_seconds, interval_minutes, service_level, target_seconds, asa_seconds,
    max_occupancy, shrinkage, patience_seconds, concurrency, min_agents,
):  # fmt: skip
    shape = _Shape(
        calls, aht_seconds, interval_minutes, target_seconds, asa_seconds, shrinkage,
        patience_seconds, concurrency, min_agents,
    )  # fmt: skip
    targets = _Targets(service_level, target_seconds, asa_seconds, max_occupancy, min_agents)
    _interval(interval_minutes)
    s = _shrinkage(shrinkage)
    agents, nan = _solve(
        calls, aht_seconds, interval_minutes, targets, patience_seconds, concurrency
    )
    agents, nan, s = (np.array(v) for v in np.broadcast_arrays(agents, nan, s))
    scheduled = _schedule(np.where(nan, 0.0, agents), s)
    return agents.astype(np.int64), scheduled, nan, shape


def staffing_table(
    calls: Any,
    aht_seconds: Any,
    *,
    interval_minutes: Any = 60,
    service_level: float | None = None,
    target_seconds: Any = None,
    asa_seconds: Any = None,
    max_occupancy: float | None = None,
    shrinkage: Any = 0.0,
    patience_seconds: Any = None,
    concurrency: Any = 1,
    min_agents: Any = 0,
) -> pd.DataFrame:
    """Required agents with the performance they achieve, one row per interval.

    Takes the same arguments as :func:`required_agents`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``calls`` (a Series keeps its index, otherwise a RangeIndex), with columns
        ``agents`` (on the queue) [agents], ``scheduled`` (after shrinkage) [agents],
        ``service_level`` (offered definition; ``NaN`` without a service-level target)
        [fraction], ``asa_seconds`` [s], ``occupancy`` [fraction] and ``abandonment``
        [fraction] (``NaN`` without ``patience_seconds``).

    Examples
    --------
    >>> staffing_table([100, 50], 180, interval_minutes=30, service_level=0.8,
    ...                target_seconds=20, shrinkage=0.3).round(3)
       agents  scheduled  service_level  asa_seconds  occupancy  abandonment
    0      14         20          0.888        7.836      0.714          NaN
    1       8         12          0.880       10.036      0.625          NaN
    """
    agents, scheduled, nan, shape = _required(
        calls, aht_seconds, interval_minutes, service_level, target_seconds, asa_seconds,
        max_occupancy, shrinkage, patience_seconds, concurrency, min_agents,
    )  # fmt: skip
    agents_f = np.where(nan, np.nan, agents.astype(float))
    on_queue = np.where(nan, 0, agents)
    model = _Model(calls, aht_seconds, on_queue, interval_minutes, patience_seconds, concurrency)
    columns: dict[str, Any] = {}
    columns["agents"] = agents_f if np.any(nan) else agents
    columns["scheduled"] = np.where(nan, np.nan, scheduled) if np.any(nan) else scheduled
    if service_level is not None:
        t = np.broadcast_to(_nonnegative("target_seconds", target_seconds), model.a.shape)
        sl = _service_level(model, t, "offered")
    else:
        sl = np.full(model.a.shape, np.nan)
    columns["service_level"] = sl
    columns["asa_seconds"] = _asa(model)
    columns["occupancy"] = _occupancy(model)
    if model.patience is None:
        columns["abandonment"] = np.full(model.a.shape, np.nan)
    else:
        columns["abandonment"] = model.erlang_a().abandonment
    size = int(np.prod(agents.shape)) if agents.ndim else 1
    frame = {}
    for key, value in columns.items():
        value = np.broadcast_to(np.asarray(value), agents.shape).reshape(size)
        if key not in ("agents", "scheduled"):
            value = np.where(nan.reshape(size), np.nan, value)
        frame[key] = value
    index = shape.index if shape.index is not None else pd.RangeIndex(size)
    return pd.DataFrame(frame, index=index)
