"""Performance of a staffed queue: offered load, service level, ASA, occupancy, abandonment.

Each measure takes contacts, handle time and agents per interval, and uses Erlang C, or Erlang A
when ``patience_seconds`` is given (formulas in :mod:`staffing.queueing.erlang`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from staffing.queueing.erlang import _ErlangA, _log_erlang_c
from staffing.queueing.limits import (
    _aht,
    _calls,
    _check_load,
    _check_patience_arrivals,
    _concurrency,
    _floats,
    _integers,
    _interval,
    _nonnegative,
    _patience,
    _Shape,
)

__all__ = [
    "abandonment",
    "asa",
    "occupancy",
    "offered_load",
    "probability_wait",
    "service_level",
]

Definition = Literal["offered", "answered", "virtual"]
_DEFINITIONS = ("offered", "answered", "virtual")


def _definition(value: str) -> str:
    if value not in _DEFINITIONS:
        raise ValueError(f"definition must be one of {', '.join(_DEFINITIONS)}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Public performance measures.
# --------------------------------------------------------------------------------------------


def offered_load(calls: Any, aht_seconds: Any, *, interval_minutes: Any = 60) -> Any:
    """Offered load: the mean number of contacts in service if nobody waited.

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

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Load [Erlang] = ``calls * aht_seconds / (60 * interval_minutes)``.

    Examples
    --------
    >>> offered_load(100, 180, interval_minutes=30)
    10.0
    """
    shape = _Shape(calls, aht_seconds, interval_minutes)
    return shape.wrap(_load(calls, aht_seconds, interval_minutes))


def _load(calls: Any, aht_seconds: Any, interval_minutes: Any) -> np.ndarray:
    c = _calls(calls)
    h = _aht(aht_seconds)
    minutes = _interval(interval_minutes)
    load = c * h / (60.0 * minutes)
    _check_load(load, "calls x aht_seconds / (60 x interval_minutes)")
    return load


class _Model:
    """Validated inputs of a performance measure, broadcast to one shape."""

    def __init__(
        self, calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency, *extra
    ):
        self.shape = _Shape(calls, aht_seconds, agents, patience_seconds, concurrency, *extra)
        load = _load(calls, aht_seconds, interval_minutes)
        agents_ = _integers("agents", agents, 0)
        k = _concurrency(concurrency)
        aht = _aht(aht_seconds)
        patience = _patience(patience_seconds)
        extra_arrays = [_floats("target_seconds", v) for v in extra]
        arrays = [load, agents_ * k, aht, k, *extra_arrays]
        arrays += [] if patience is None else [patience]
        arrays = np.broadcast_arrays(*[np.asarray(v, float) for v in arrays])
        self.a, self.servers, self.aht, self.k = (np.array(v) for v in arrays[:4])
        self.extra = [np.array(v) for v in arrays[4 : 4 + len(extra)]]
        self.patience = None if patience is None else np.array(arrays[-1])
        if self.patience is not None:
            _check_patience_arrivals(self.a, self.patience / self.aht)

    def erlang_a(self, with_wait: bool = False) -> _ErlangA:
        """The Erlang A state, computed once (a state with the wait serves both requests)."""
        cache = self.__dict__.setdefault("_erlang_a", {})
        if True not in cache and with_wait not in cache:
            cache[with_wait] = _ErlangA(self.servers, self.a, self.patience / self.aht, with_wait)
        return cache.get(True) or cache[with_wait]


def _erlang_c_service_level(a, servers, aht, target) -> np.ndarray:
    log_c = _log_erlang_c(servers, a)
    with np.errstate(invalid="ignore", over="ignore"):
        decay = np.where(servers > a, (servers - a) * target / aht, 0.0)
        sl = -np.expm1(log_c - decay)
    sl = np.where((servers <= a) & (a > 0), 0.0, sl)
    return np.where(np.isnan(a) | np.isnan(servers) | np.isnan(target), np.nan, sl)


def _service_level(model: _Model, target: np.ndarray, definition: str) -> np.ndarray:
    """The service level, clipped to [0, 1] against rounding (NaN stays NaN)."""
    if model.patience is None:
        value = _erlang_c_service_level(model.a, model.servers, model.aht, target)
        return np.clip(value, 0.0, 1.0)
    state = model.erlang_a()
    virtual, served = state.survival(target / model.patience)
    p = state.p_wait
    if definition == "virtual":
        return np.clip(1.0 - p * virtual, 0.0, 1.0)
    answered_after_wait = (1.0 - state.ab_given_wait) - served
    offered = 1.0 - p + p * np.maximum(answered_after_wait, 0.0)
    if definition == "answered":
        with np.errstate(invalid="ignore", divide="ignore"):
            offered = np.where(state.abandonment >= 1.0, 0.0, offered / (1.0 - state.abandonment))
    return np.clip(offered, 0.0, 1.0)


def service_level(
    calls: Any,
    aht_seconds: Any,
    agents: Any,
    target_seconds: Any,
    *,
    interval_minutes: Any = 60,
    patience_seconds: Any = None,
    concurrency: Any = 1,
    definition: Definition = "offered",
) -> Any:
    """Fraction of contacts answered within ``target_seconds``.

    Without ``patience_seconds`` this is Erlang C (M/M/n): ``1 - C exp(-(n - a) t / aht)``, and
    the three definitions coincide. With ``patience_seconds`` it is Erlang A (M/M/n+M).

    Parameters
    ----------
    calls : float or array-like
        Arrivals per interval [contacts per interval], 0 to :data:`MAX_COUNT`; the load
        ``calls * aht_seconds / (60 * interval_minutes)`` is at most :data:`MAX_LOAD_ERLANGS`.
    aht_seconds : float or array-like
        Average handle time [s], > 0 and at most one day (per contact; for chat, the handle
        time of one chat while the agent works ``concurrency`` of them).
    agents : int or array-like
        Agents on the queue [agents], whole numbers from 0 to :data:`MAX_COUNT`.
    target_seconds : float or array-like
        Answer-time target [s], >= 0; 0 means answered without waiting (``1 - P(wait)``).
    interval_minutes : float, default 60
        Interval length [min], 1 min to one day.
    patience_seconds : float or array-like, optional
        Mean patience before abandoning [s] (exponential), > 0 and at most
        :data:`MAX_PATIENCE_SECONDS` (one day), with ``load * patience_seconds / aht_seconds``
        at most :data:`MAX_PATIENCE_ARRIVALS`; ``None`` (default) for Erlang C.
    concurrency : int, default 1
        Contacts one agent handles at once (chat), 1 to :data:`MAX_CONCURRENCY`; the queue
        has ``agents * concurrency`` servers.
    definition : {"offered", "answered", "virtual"}, default "offered"
        ``"offered"``: contacts answered within the target over all offered contacts (abandoned
        contacts count in the denominator, whenever they abandon, and never in the numerator).
        ``"answered"``: over answered contacts only (abandoned contacts are excluded).
        ``"virtual"``: probability that an infinitely patient contact would wait at most the
        target (the offered wait).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Service level [fraction]; 0 for an unstable Erlang C queue, 1 with no contacts.

    Examples
    --------
    >>> round(service_level(100, 180, 14, 20, interval_minutes=30), 4)
    0.8884
    >>> round(service_level(100, 180, 11, 20, interval_minutes=30, patience_seconds=120), 4)
    0.7422
    >>> service_level(100, 180, 10, 20, interval_minutes=30)
    0.0
    """
    definition = _definition(definition)
    _nonnegative("target_seconds", target_seconds)
    model = _Model(
        calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency, target_seconds
    )
    return model.shape.wrap(_service_level(model, model.extra[0], definition))


def probability_wait(
    calls: Any,
    aht_seconds: Any,
    agents: Any,
    *,
    interval_minutes: Any = 60,
    patience_seconds: Any = None,
    concurrency: Any = 1,
) -> Any:
    """Probability that an arriving contact has to wait (Erlang C, or Erlang A with patience).

    Parameters
    ----------
    calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency
        As in :func:`service_level`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        P(wait > 0) [fraction]; 1 for an unstable Erlang C queue, 0 with no contacts.

    Examples
    --------
    >>> round(probability_wait(100, 180, 14, interval_minutes=30), 4)
    0.1741
    """
    model = _Model(calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency)
    if model.patience is None:
        return model.shape.wrap(np.exp(_log_erlang_c(model.servers, model.a)))
    return model.shape.wrap(model.erlang_a().p_wait)


def _asa(model: _Model) -> np.ndarray:
    if model.patience is None:
        log_c = _log_erlang_c(model.servers, model.a)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.exp(log_c) * model.aht / (model.servers - model.a)
        value = np.where(model.a == 0, 0.0, value)
        return np.where((model.servers <= model.a) & (model.a > 0), np.inf, value)
    state = model.erlang_a(with_wait=True)
    served = 1.0 - state.abandonment
    with np.errstate(divide="ignore", invalid="ignore"):
        value = state.p_wait * state.wait_given_wait * model.patience / served
    return np.where(served == 0, np.nan, value)


def asa(
    calls: Any,
    aht_seconds: Any,
    agents: Any,
    *,
    interval_minutes: Any = 60,
    patience_seconds: Any = None,
    concurrency: Any = 1,
) -> Any:
    """Average speed of answer: the mean wait of answered contacts, zero waits included.

    Parameters
    ----------
    calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency
        As in :func:`service_level`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ASA [s]. Erlang C: ``C aht / (n - a)``, infinite for an unstable queue. Erlang A: mean
        wait of the contacts that are answered; ``NaN`` with no agents (nobody is answered).

    Examples
    --------
    >>> round(asa(100, 180, 14, interval_minutes=30), 2)
    7.83
    >>> asa(100, 180, 10, interval_minutes=30)
    inf
    """
    model = _Model(calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency)
    return model.shape.wrap(_asa(model))


def _occupancy(model: _Model) -> np.ndarray:
    carried = model.a
    if model.patience is not None:
        carried = model.a * (1.0 - model.erlang_a().abandonment)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.minimum(carried / model.servers, 1.0)
    return np.where(carried == 0, 0.0, np.where(model.servers == 0, np.nan, value))


def occupancy(
    calls: Any,
    aht_seconds: Any,
    agents: Any,
    *,
    interval_minutes: Any = 60,
    patience_seconds: Any = None,
    concurrency: Any = 1,
) -> Any:
    """Occupancy: the fraction of agent time (chat slots for chat) spent handling contacts.

    Parameters
    ----------
    calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency
        As in :func:`service_level`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Occupancy [fraction]: ``a / n`` for Erlang C (capped at 1 when unstable),
        ``a (1 - P(abandon)) / n`` for Erlang A; 0 with no contacts, ``NaN`` with contacts but no
        agents.

    Examples
    --------
    >>> round(occupancy(100, 180, 14, interval_minutes=30), 4)
    0.7143
    """
    model = _Model(calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency)
    return model.shape.wrap(_occupancy(model))


def abandonment(
    calls: Any,
    aht_seconds: Any,
    agents: Any,
    *,
    patience_seconds: Any,
    interval_minutes: Any = 60,
    concurrency: Any = 1,
) -> Any:
    """Erlang A probability that a contact abandons before being answered.

    Parameters
    ----------
    calls, aht_seconds, agents, interval_minutes, concurrency
        As in :func:`service_level`.
    patience_seconds : float or array-like
        Mean patience [s] (exponential), > 0 and at most one day.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        P(abandon) [fraction] = ``P(W > 0) * T / (y S)`` with the birth-death sums of
        Garnett, Mandelbaum and Reiman (2002); 1 with no agents, 0 with no contacts.

    Examples
    --------
    >>> round(abandonment(100, 180, 11, interval_minutes=30, patience_seconds=120), 4)
    0.0942
    >>> abandonment(2000, 180, 120, interval_minutes=60, patience_seconds=3600) > 0
    True
    """
    if patience_seconds is None:
        raise ValueError("patience_seconds must be given (> 0) for abandonment, got None")
    model = _Model(calls, aht_seconds, agents, interval_minutes, patience_seconds, concurrency)
    return model.shape.wrap(model.erlang_a().abandonment)
