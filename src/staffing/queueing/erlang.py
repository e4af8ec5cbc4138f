"""Erlang B, C and A as functions of the load [Erlang] and the number of servers.

Erlang B and C are computed in log space from the Poisson distribution and Legendre's continued
fraction; Erlang A (M/M/n+M) from the birth-death sums of Garnett, Mandelbaum and Reiman
(2002), summed term by term in scaled log space. The contact-centre measures built on them
(service level, ASA, ...) are in :mod:`staffing.queueing.measures`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from staffing.queueing.limits import (
    MAX_LOAD_ERLANGS,
    _check_patience_arrivals,
    _integers,
    _nonnegative,
    _positive,
    _Shape,
)

__all__ = ["erlang_a_wait_probability", "erlang_b", "erlang_c"]

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
