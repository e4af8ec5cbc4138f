"""Exact, vectorised queueing formulas for contact-centre staffing.

Erlang B and Erlang C (M/M/n) are computed in log space from the Poisson distribution and a
continued fraction, so they neither overflow nor lose relative precision for loads of tens of
thousands of Erlangs. Erlang A (M/M/n+M, callers who abandon after an exponential patience) uses
the closed forms of Garnett, Mandelbaum and Reiman (2002) and Mandelbaum and Zeltyn (2007) with
the birth-death sums evaluated term by term in scaled log space, so that abandonment stays exact
(and non-zero) for thousands of agents.

Every function accepts scalars, array-likes or pandas Series and broadcasts like numpy: a scalar
in gives a Python ``float``/``int`` out, arrays give ``numpy.ndarray``, and a Series gives a
Series with the same index. Units are in the argument names: ``calls`` [contacts per interval],
``interval_minutes`` [min], ``aht_seconds`` [s] (average handle time), ``agents`` [agents],
``target_seconds`` [s], ``patience_seconds`` [s] (mean patience, Erlang A), ``concurrency``
[contacts one agent handles at once].

Missing values and limits: ``NaN`` in the data (``calls``, ``load``, ``aht_seconds``,
``agents``, ``target_seconds``, ``asa_seconds``, ``patience_seconds``) means *missing* and gives
``NaN`` out for that element, except in deferred work, which refuses it. Every other bad value
raises ``ValueError`` naming the argument, the position of its first bad element and the value:
negative or infinite numbers, ``NaN`` in a setting (``interval_minutes``, ``shrinkage``,
``concurrency``, ``min_agents``), and sizes beyond the documented limits
:data:`MAX_LOAD_ERLANGS` (1e6 Erlang), :data:`MAX_COUNT` (1e9 contacts or agents per
interval), :data:`MAX_AHT_SECONDS` and :data:`MAX_PATIENCE_SECONDS` (one day),
:data:`MIN_INTERVAL_MINUTES` to :data:`MAX_INTERVAL_MINUTES` (1 min to one day),
:data:`MAX_CONCURRENCY` (100) and, for Erlang A, :data:`MAX_PATIENCE_ARRIVALS` (1e9 arrivals
during one mean patience). Within them every answer is exact and fast: a service level is
always in [0, 1], and Erlang C never staffs a positive load with fewer agents than the load.

Examples
--------
>>> from staffing import queueing
>>> queueing.required_agents(100, 180, interval_minutes=30, service_level=0.8, target_seconds=20)
14
>>> round(queueing.service_level(100, 180, 14, 20, interval_minutes=30), 4)
0.8884
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from staffing.errors import InfeasibleError

__all__ = [
    "MAX_AHT_SECONDS",
    "MAX_CONCURRENCY",
    "MAX_COUNT",
    "MAX_INTERVAL_MINUTES",
    "MAX_LOAD_ERLANGS",
    "MAX_PATIENCE_ARRIVALS",
    "MAX_PATIENCE_SECONDS",
    "MIN_INTERVAL_MINUTES",
    "abandonment",
    "asa",
    "deferred_agents",
    "deferred_agents_tiers",
    "erlang_a_wait_probability",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load",
    "probability_wait",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "staffing_table",
]

Definition = Literal["offered", "answered", "virtual"]
_DEFINITIONS = ("offered", "answered", "virtual")

# --------------------------------------------------------------------------------------------
# Limits: sizes beyond these are refused up front (ValueError naming the argument).
# --------------------------------------------------------------------------------------------

#: Largest offered load [Erlang] (one million agents busy at once). Erlang C is answered in
#: milliseconds up to it, Erlang A in well under a second at ordinary patience.
MAX_LOAD_ERLANGS = 1e6
#: Largest count per interval [contacts, agents or items]: ``calls``, ``agents``,
#: ``min_agents``, ``initial_backlog``.
MAX_COUNT = 1e9
#: Longest average handle time [s] (one day).
MAX_AHT_SECONDS = 86_400.0
#: Longest mean patience [s] (one day).
MAX_PATIENCE_SECONDS = 86_400.0
#: Shortest interval [min].
MIN_INTERVAL_MINUTES = 1.0
#: Longest interval [min] (one day).
MAX_INTERVAL_MINUTES = 1_440.0
#: Most contacts one agent handles at once [contacts].
MAX_CONCURRENCY = 100
#: Erlang A: most arrivals during one mean patience, ``load * patience_seconds / aht_seconds``
#: [contacts]. The work of the Erlang A sums grows with its square root; beyond it (a load near
#: the maximum with patience a thousand times the handle time) hardly anyone abandons short of
#: overload, and Erlang C (no ``patience_seconds``) is the model to use.
MAX_PATIENCE_ARRIVALS = 1e9


# --------------------------------------------------------------------------------------------
# Containers: scalars, arrays and Series in; the same kind out.
# --------------------------------------------------------------------------------------------


class _Shape:
    """Remember how the inputs came in, to return the result in the same kind of container."""

    def __init__(self, *values: Any) -> None:
        self.index = None
        self.name = None
        self.scalar = True
        for value in values:
            if isinstance(value, pd.Series):
                if self.index is None:
                    self.index = value.index
                self.scalar = False
            elif np.ndim(value) > 0:
                self.scalar = False

    def wrap(self, result: np.ndarray) -> Any:
        if self.index is not None:
            return pd.Series(np.asarray(result).reshape(len(self.index)), index=self.index)
        if self.scalar:
            value = np.asarray(result).reshape(())
            return value.item()
        return np.asarray(result)


def _floats(name: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, got {value!r}") from err
    return array


def _check(name: str, array: np.ndarray, bad: np.ndarray, expected: str) -> None:
    """Raise naming the argument, the position of its first bad element and its value."""
    if not np.any(bad):
        return
    bad = np.asarray(bad)
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    value = float(np.broadcast_to(array, bad.shape)[position])
    where = "" if bad.ndim == 0 or bad.size == 1 else f"[{', '.join(map(str, position))}]"
    raise ValueError(f"{name}{where} must be {expected}, got {value!r}")


def _limit(maximum: float | None) -> str:
    return "finite" if maximum is None else f"at most {maximum:g}"


def _nonnegative(name: str, value: Any, maximum: float | None = None) -> np.ndarray:
    """Values >= 0 (NaN passes: it means missing and gives NaN out)."""
    array = _floats(name, value)
    top = np.inf if maximum is None else maximum
    _check(
        name, array, (array < 0) | (array > top) | np.isinf(array), f">= 0 and {_limit(maximum)}"
    )
    return array


def _positive(name: str, value: Any, maximum: float | None = None) -> np.ndarray:
    """Values > 0 (NaN passes)."""
    array = _floats(name, value)
    top = np.inf if maximum is None else maximum
    _check(
        name, array, (array <= 0) | (array > top) | np.isinf(array), f"> 0 and {_limit(maximum)}"
    )
    return array


def _integers(
    name: str, value: Any, minimum: int, maximum: float = MAX_COUNT, nan: bool = True
) -> np.ndarray:
    """Whole numbers in ``[minimum, maximum]``; NaN passes only with ``nan=True``."""
    array = _floats(name, value)
    missing = np.isnan(array)
    bad = ~missing & ((array < minimum) | (array > maximum) | (array != np.floor(array)))
    expected = f"a whole number from {minimum} to {maximum:g}"
    _check(name, array, bad | (missing & (not nan)), expected)
    return array


def _fraction_open(name: str, value: Any) -> float:
    if not (isinstance(value, int | float) and 0 < value < 1):
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value!r}")
    return float(value)


def _shrinkage(value: Any) -> np.ndarray:
    array = _floats("shrinkage", value)
    _check("shrinkage", array, ~((array >= 0) & (array < 1)), "a fraction in [0, 1)")
    return array


def _interval(value: Any) -> np.ndarray:
    array = _floats("interval_minutes", value)
    inside = (array >= MIN_INTERVAL_MINUTES) & (array <= MAX_INTERVAL_MINUTES)
    expected = f"from {MIN_INTERVAL_MINUTES:g} to {MAX_INTERVAL_MINUTES:g} [min]"
    _check("interval_minutes", array, ~inside, expected)
    return array


def _aht(value: Any) -> np.ndarray:
    return _positive("aht_seconds", value, MAX_AHT_SECONDS)


def _calls(value: Any) -> np.ndarray:
    return _nonnegative("calls", value, MAX_COUNT)


def _patience(value: Any) -> np.ndarray | None:
    return None if value is None else _positive("patience_seconds", value, MAX_PATIENCE_SECONDS)


def _concurrency(value: Any) -> np.ndarray:
    return _integers("concurrency", value, 1, MAX_CONCURRENCY, nan=False)


def _check_load(load: np.ndarray, what: str) -> None:
    _check(
        "load",
        load,
        load > MAX_LOAD_ERLANGS,
        f"at most {MAX_LOAD_ERLANGS:g} Erlang ({what})",
    )


def _check_patience_arrivals(load: np.ndarray, ratio: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        arrivals = load * ratio
    expected = (
        f"at most {MAX_PATIENCE_ARRIVALS:g} for Erlang A (arrivals during one mean patience); "
        "with patience this long against the handle time, use Erlang C (no patience_seconds)"
    )
    _check(
        "load * patience_seconds / aht_seconds",
        arrivals,
        arrivals > MAX_PATIENCE_ARRIVALS,
        expected,
    )


def _definition(value: str) -> str:
    if value not in _DEFINITIONS:
        raise ValueError(f"definition must be one of {', '.join(_DEFINITIONS)}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Erlang B and C in log space.
# --------------------------------------------------------------------------------------------

_CF_ITERATIONS = 400


def _log_b_continued_fraction(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Log Erlang B for a > n + 1 through Legendre's continued fraction of Gamma(n + 1, a).

    ``1 / B(n, a) = Q(n + 1, a) / pmf(n; a) = a F`` with
    ``F = 1 / (b0 - a1 / (b1 - a2 / (b2 - ...)))``, ``b_k = a + 2k - n``, ``a_k = k (k - n - 1)``,
    evaluated by the modified Lentz method.
    """
    s = n + 1.0
    tiny = 1e-300
    b = a + 1.0 - s
    c = np.full_like(a, 1.0 / tiny)
    d = 1.0 / b
    f = d.copy()
    for k in range(1, _CF_ITERATIONS):
        an = -k * (k - s)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        f = f * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return -np.log(a * f)


def _log_erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Log of Erlang B for arrays of servers ``n`` (integer-valued) and load ``a`` [Erlang]."""
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    out = np.full(n.shape, np.nan)
    zero = (n == 0) | (a == 0)
    with np.errstate(divide="ignore"):
        out[zero] = np.where(n[zero] == 0, 0.0, -np.inf)
    valid = ~zero & np.isfinite(n) & np.isfinite(a)
    # Deep in the overloaded tail the Poisson cdf loses relative precision: use the fraction.
    tail = valid & (a > n + 1.0 + 4.0 * np.sqrt(n + 1.0))
    body = valid & ~tail
    if np.any(tail):
        out[tail] = _log_b_continued_fraction(n[tail], a[tail])
    if np.any(body):
        nb, ab = n[body], a[body]
        log_pmf = special.xlogy(nb, ab) - ab - special.gammaln(nb + 1.0)
        out[body] = log_pmf - np.log(special.gammaincc(nb + 1.0, ab))
    return out


def _log_erlang_c(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Log probability of waiting in M/M/n; 0 (certain wait) where the queue is unstable."""
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    log_b = _log_erlang_b(n, a)
    b = np.exp(log_b)
    out = np.zeros(n.shape)
    stable = n > a
    with np.errstate(divide="ignore"):
        denominator = n[stable] - a[stable] + a[stable] * b[stable]
        out[stable] = np.log(n[stable]) + log_b[stable] - np.log(denominator)
    out[a == 0] = -np.inf
    out[np.isnan(n) | np.isnan(a)] = np.nan
    return out


def erlang_b(load: Any, agents: Any) -> Any:
    """Erlang B: probability that a contact finds all agents busy in a loss system (M/M/n/n).

    Parameters
    ----------
    load : float or array-like
        Offered load [Erlang] = arrival rate x mean handle time, 0 to :data:`MAX_LOAD_ERLANGS`.
    agents : int or array-like
        Number of servers [agents], a whole number from 0 to :data:`MAX_COUNT`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Blocking probability [fraction]; 1 with no agents, 0 with no load and at least one agent.

    Notes
    -----
    Computed as ``pmf(n; a) / cdf(n; a)`` of a Poisson variable in log space, with Legendre's
    continued fraction where the Poisson cdf is tiny, so there are no factorials and no overflow.

    Examples
    --------
    >>> round(erlang_b(10.0, 10), 6)
    0.214582
    >>> erlang_b([0.0, 2.0], [3, 0]).tolist()
    [0.0, 1.0]
    """
    shape = _Shape(load, agents)
    a = _nonnegative("load", load, MAX_LOAD_ERLANGS)
    n = _integers("agents", agents, 0)
    return shape.wrap(np.exp(_log_erlang_b(n, a)))


def erlang_c(load: Any, agents: Any) -> Any:
    """Erlang C: probability that a contact has to wait in an M/M/n queue.

    Parameters
    ----------
    load : float or array-like
        Offered load [Erlang], 0 to :data:`MAX_LOAD_ERLANGS`.
    agents : int or array-like
        Number of agents [agents], a whole number from 0 to :data:`MAX_COUNT`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Probability of waiting [fraction]. An unstable queue (``load >= agents`` with a positive
        load) gives 1; zero load gives 0.

    Examples
    --------
    >>> round(erlang_c(10.0, 11), 6)
    0.682118
    >>> erlang_c([0.0, 12.0], [1, 10]).tolist()
    [0.0, 1.0]
    """
    shape = _Shape(load, agents)
    a = _nonnegative("load", load, MAX_LOAD_ERLANGS)
    n = _integers("agents", agents, 0)
    return shape.wrap(np.exp(_log_erlang_c(n, a)))


# --------------------------------------------------------------------------------------------
# Erlang A (M/M/n+M).
# --------------------------------------------------------------------------------------------


#: Entries (intervals x terms) of one block of the Erlang A sums, summed at once.
_BLOCK_ENTRIES = 1 << 17


def _erlang_a_sums(x: np.ndarray, y: np.ndarray, with_wait: bool = False) -> tuple:
    """Birth-death sums of the queue part of Erlang A, summed term by term in scaled log space.

    With ``t_j = y^j / ((x + 1) ... (x + j))`` (``x = n mu / theta``, ``y = lambda / theta``)
    returns ``log S`` with ``S = sum t_j``, ``T / S`` with ``T = sum j t_j`` and, on request,
    ``U / S`` with ``U = sum t_j x / (x + j + 1) H_j``, ``H_j = sum_{i<=j} 1 / (x + i + 1)``.

    Deep in overload (``y - x`` above ten standard deviations) ``S`` and ``T`` have closed
    forms, ``S = e^y y^-x Gamma(x + 1) P(x, y)`` and ``T = (y - x) S + x``, without
    cancellation; otherwise only the terms that matter are summed: the largest is ``t_p`` with
    ``p = max(y - x, 0)``; the window runs from ``p - 10 sqrt(x + p)`` (earlier terms are below
    ``e^-50`` of it) to ``p`` plus a tail of at most ``10 sqrt(x + p)`` terms, so the work grows
    with ``sqrt(y)``, not with ``y``. Where the window starts after ``j = 0`` its first term
    and ``H_j`` come from log-gamma and digamma, and the sums are carried relative to that
    term. Blocks of terms are summed at once for every interval still active.
    """
    peak = np.maximum(np.ceil(y - x), 0.0)
    width = np.sqrt(x + peak + 1.0)
    tail = np.minimum(10.0 * width, 45.0 / np.maximum(1.0 - y / (x + peak + 1.0), 1e-9))
    first = np.maximum(peak - np.ceil(10.0 * width), 0.0)
    last = np.floor(peak + tail + 30.0)
    log_y = np.log(y)
    late = first > 0
    # Deep in overload (the window starts after j = 0) S has a closed form and T = y S - x S + x
    # (from t_j (x + j) = y t_{j-1}) adds two positive terms: no sum needed unless U is asked.
    closed = late & (not with_wait)
    last = np.where(closed, first, last)
    base = np.zeros_like(x)
    h = 1.0 / (x + 1.0)
    if np.any(late):
        xl, fl = x[late], first[late]
        base[late] = fl * log_y[late] - (
            special.gammaln(xl + fl + 1.0) - special.gammaln(xl + 1.0)
        )
        h[late] = special.digamma(xl + fl + 2.0) - special.digamma(xl + 1.0)
    rel = np.zeros_like(x)  # log t_j - base of the last term summed
    scale = np.zeros_like(x)  # the sums are kept divided by exp(base + scale)
    s = np.ones_like(x)
    t = first.copy()
    u = x / (x + first + 1.0) * h if with_wait else None
    done = first.copy()
    active = np.flatnonzero(last > done)
    while active.size:
        size = int(min(4096, max(16, _BLOCK_ENTRIES // active.size)))
        j = done[active, None] + np.arange(1.0, size + 1.0)
        xa = x[active, None]
        log_t = rel[active, None] + np.cumsum(log_y[active, None] - np.log(xa + j), axis=1)
        shifted = np.where(j <= last[active, None], log_t, -np.inf)
        new_scale = np.maximum(scale[active], shifted.max(axis=1))
        factor = np.exp(scale[active] - new_scale)
        weight = np.exp(shifted - new_scale[:, None])
        s[active] = s[active] * factor + weight.sum(axis=1)
        t[active] = t[active] * factor + (j * weight).sum(axis=1)
        if with_wait:
            h_j = h[active, None] + np.cumsum(1.0 / (xa + j + 1.0), axis=1)
            u[active] = u[active] * factor + (weight * xa / (xa + j + 1.0) * h_j).sum(axis=1)
            h[active] = h_j[:, -1]
        rel[active] = log_t[:, -1]
        scale[active] = new_scale
        done[active] += size
        active = active[done[active] < last[active]]
    log_s = base + scale + np.log(s)
    t_over_s = t / s
    if np.any(closed):
        xc, yc = x[closed], y[closed]
        # S = e^y y^-x Gamma(x + 1) P(x, y), with P(x, y) close to 1 here.
        log_s[closed] = (
            np.log(special.gammainc(xc, yc)) + yc - xc * log_y[closed] + special.gammaln(xc + 1.0)
        )
        t_over_s[closed] = yc - xc + xc * np.exp(-log_s[closed])
    return log_s, t_over_s, (u / s if with_wait else None)


class _ErlangA:
    """Erlang A state for arrays of servers n, load a [Erlang] and patience/aht ratio r."""

    def __init__(self, n: np.ndarray, a: np.ndarray, r: np.ndarray, with_wait: bool = False):
        self.n, self.a, self.r = np.broadcast_arrays(n, a, r)
        self.x = self.n * self.r
        self.y = self.a * self.r
        shape = self.n.shape
        self.p_wait = np.full(shape, np.nan)
        self.ab_given_wait = np.full(shape, np.nan)
        self.wait_given_wait = np.full(shape, np.nan)  # E[V; served | W > 0] / patience
        self.log_s = np.full(shape, np.nan)
        ok = np.isfinite(self.n) & np.isfinite(self.a) & np.isfinite(self.r)
        no_load = ok & (self.a == 0)
        no_agent = ok & (self.a > 0) & (self.n == 0)
        self.p_wait[no_load] = 0.0
        self.ab_given_wait[no_load] = 0.0
        self.wait_given_wait[no_load] = 0.0
        self.p_wait[no_agent] = 1.0
        self.ab_given_wait[no_agent] = 1.0
        self.wait_given_wait[no_agent] = 0.0
        self.main = ok & (self.a > 0) & (self.n > 0)
        if np.any(self.main):
            self._fill(with_wait)

    def _fill(self, with_wait: bool) -> None:
        m = self.main
        x, y = self.x[m], self.y[m]
        log_s, t_over_s, u_over_s = _erlang_a_sums(x, y, with_wait)
        log_b = _log_erlang_b(self.n[m], self.a[m])
        # P(W > 0) = B S / (1 - B + B S), written as 1 / (1 + (1 - B) / (B S)).
        log_1mb = np.log1p(-np.exp(np.minimum(log_b, 0.0)))
        with np.errstate(over="ignore"):
            self.p_wait[m] = 1.0 / (1.0 + np.exp(log_1mb - log_b - log_s))
        self.log_s[m] = log_s
        self.ab_given_wait[m] = np.clip(t_over_s / y, 0.0, 1.0)
        if with_wait:
            self.wait_given_wait[m] = u_over_s

    @property
    def abandonment(self) -> np.ndarray:
        return self.p_wait * self.ab_given_wait

    def survival(self, theta_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(V > t | W > 0) and P(served, V > t | W > 0) for theta t = t / patience."""
        theta_t = np.broadcast_to(theta_t, self.n.shape)
        virtual = np.full(self.n.shape, np.nan)
        served = np.full(self.n.shape, np.nan)
        done = ~self.main & ~np.isnan(self.p_wait)
        virtual[done] = 0.0
        served[done] = 0.0
        m = self.main & np.isfinite(theta_t)
        if np.any(m):
            x, y = self.x[m], self.y[m]
            z = y * np.exp(-theta_t[m])
            virtual[m], served[m] = _gamma_ratios(x, y, z)
        return virtual, served


def _gamma_ratios(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P(x, z) / P(x, y)`` and ``(x / y) P(x + 1, z) / P(x, y)`` (regularised lower gamma)."""
    log_den = _log_gammainc(x, y)
    virtual = np.exp(_log_gammainc(x, z) - log_den)
    served = np.exp(np.log(x / y) + _log_gammainc(x + 1.0, z) - log_den)
    return virtual, served


def _log_gammainc(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Log of the regularised lower incomplete gamma P(x, z), exact also where it underflows."""
    with np.errstate(divide="ignore"):
        out = np.log(special.gammainc(x, z))
    deep = ~(out > -600.0) & (z > 0)
    if np.any(deep):
        xd, zd = x[deep], z[deep]
        # P(x, z) = z^x e^-z / Gamma(x + 1) * sum_j z^j / ((x + 1) ... (x + j)), z << x here.
        log_sum = _erlang_a_sums(xd, zd)[0]
        out[deep] = special.xlogy(xd, zd) - zd - special.gammaln(xd + 1.0) + log_sum
    return out


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


def erlang_a_wait_probability(load: Any, agents: Any, patience_ratio: Any) -> Any:
    """Erlang A probability of waiting from the load and the patience-to-handle-time ratio.

    Parameters
    ----------
    load : float or array-like
        Offered load [Erlang], 0 to :data:`MAX_LOAD_ERLANGS`.
    agents : int or array-like
        Servers [agents], whole numbers from 0 to :data:`MAX_COUNT`.
    patience_ratio : float or array-like
        Mean patience over mean handle time [-] (``mu / theta``), > 0, with
        ``load * patience_ratio`` at most :data:`MAX_PATIENCE_ARRIVALS`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        P(wait > 0) [fraction].

    Examples
    --------
    >>> round(erlang_a_wait_probability(10.0, 10, 1.0), 4)
    0.5421
    """
    shape = _Shape(load, agents, patience_ratio)
    a = _nonnegative("load", load, MAX_LOAD_ERLANGS)
    n = _integers("agents", agents, 0)
    r = _positive("patience_ratio", patience_ratio)
    _check_patience_arrivals(*np.broadcast_arrays(a, r))
    return shape.wrap(_ErlangA(*np.broadcast_arrays(n, a, r)).p_wait)


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


# --------------------------------------------------------------------------------------------
# Deferred work.
# --------------------------------------------------------------------------------------------


def deferred_agents(
    calls: Any,
    aht_seconds: float,
    response_seconds: float,
    *,
    interval_minutes: float = 60,
    initial_backlog: float = 0.0,
    shrinkage: float = 0.0,
    open_mask: Any = None,
) -> Any:
    """Agents per interval so that every deferred item (e-mail, ticket) meets its response time.

    Model (all counts are fluid, in items): items arriving during interval ``i`` become
    workable at the end of that interval (from interval ``i + 1``) and are due by
    ``start_i + response_seconds``, i.e. by the end of interval ``d_i = i + K - 1`` with
    ``K = floor(response / interval)``; this is conservative on both sides (earliest possible
    deadline, latest possible availability). The ``initial_backlog`` is workable from interval 0
    and due by the end of interval ``K - 1``. Items are worked first in, first out (which is
    earliest-deadline-first here); one agent on the queue for an interval works
    ``60 interval_minutes / aht_seconds`` items.

    Staffing is *level* rather than last-minute: in each open interval ``j`` the agents are the
    smallest integer that, held constant over the open intervals ``j .. k``, clears all work
    due by ``k``, for every ``k`` in ``j .. j + K``, given the work already done, and never more
    than the work on hand needs:
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
    due = _due_by_interval(arrivals, window) + _backlog_due(backlog, window, size)
    agents = _level_staffing(arrivals, due, backlog, window, is_open, per_agent)
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
) -> np.ndarray:
    """Agents per interval for deferred work of several priority tiers served by one team.

    The model of :func:`deferred_agents`, pooled: items of tier ``k`` arriving in interval
    ``i`` are due by the end of interval ``i + K_k - 1``; the team works the backlog earliest
    deadline first, and in each open interval the agents are the fewest that, held constant,
    clear every item due within the look-ahead (on hand or still to arrive). One team's spare
    capacity serves every tier, which usually needs far fewer agents than staffing each tier
    on its own and adding the results (each tier rounded up to whole agents).

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
    agents = _level_staffing_edf(
        tiers, windows, backlog, _open_mask(open_mask, size), 60.0 * minutes / aht
    )
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


def _level_staffing_edf(tiers, windows, backlog, is_open, per_agent) -> np.ndarray:
    """Level staffing of several tiers worked earliest deadline first.

    ``lots`` holds the items on hand as [due interval, items]; in each open interval the agents
    are the fewest that, held over the open intervals ``j .. k``, clear every item due by
    ``k`` (on hand, or arriving before ``k``) for every ``k`` in the look-ahead, capped by the
    work on hand.
    """
    size = tiers.shape[1]
    lookahead = max(windows)
    lots = [[min(windows) - 1, backlog]] if backlog > 0 else []
    open_cum = np.concatenate([[0], np.cumsum(is_open)])
    agents = np.zeros(size)
    tolerance = 1e-9
    # items the rounding slack of ``tolerance`` agents may leave over the look-ahead
    negligible = max(1e-6, 2 * tolerance * per_agent * lookahead)
    for j in range(size):
        if is_open[j]:
            stop = min(size, j + lookahead + 1)
            need = _due_outstanding(lots, tiers, windows, j, stop)
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
            [j + k - 1, float(row[j])] for row, k in zip(tiers, windows, strict=True) if row[j] > 0
        ]
    return agents


def _due_outstanding(lots, tiers, windows, j, stop) -> np.ndarray:
    """Items due by the end of each interval ``k`` in ``j .. stop - 1`` and not yet worked."""
    horizon = np.arange(j, stop)
    need = np.zeros(len(horizon))
    for due, items in lots:
        need += items * (horizon >= due)
    for row, k in zip(tiers, windows, strict=True):
        for i in np.flatnonzero(row[j:stop] > 0) + j:
            need += row[i] * (horizon >= i + k - 1)
    return need


def _work_earliest_first(lots, capacity: float) -> None:
    for lot in sorted(lots, key=lambda lot: lot[0]):
        take = min(capacity, lot[1])
        lot[1] -= take
        capacity -= take
        if capacity <= 0:
            break


def _due_by_interval(arrivals: np.ndarray, window: int) -> np.ndarray:
    """Items due by the end of each interval: arrivals of ``i`` fall due at ``i + window - 1``."""
    size = arrivals.size
    due = np.zeros(size)
    last = np.arange(size) + window - 1
    inside = last < size
    np.add.at(due, last[inside], arrivals[inside])
    return due


def _backlog_due(backlog: float, window: int, size: int) -> np.ndarray:
    due = np.zeros(size)
    if window - 1 < size:
        due[window - 1] = backlog
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


def _level_staffing(arrivals, due, backlog, window, is_open, per_agent) -> np.ndarray:
    """Level staffing over ``window`` look-ahead given the items ``due`` by each interval."""
    size = arrivals.size
    due_cum = np.cumsum(due)
    open_cum = np.concatenate([[0], np.cumsum(is_open)])
    available = backlog
    done = 0.0
    agents = np.zeros(size)
    tolerance = 1e-9
    for j in range(size):
        if is_open[j]:
            stop = min(size, j + window + 1)
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
