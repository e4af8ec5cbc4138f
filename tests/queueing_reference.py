"""Slow, obviously correct high-precision references for the queueing tests (mpmath)."""

from __future__ import annotations

import mpmath as mp


def erlang_b(n: int, a: float, dps: int = 50) -> mp.mpf:
    """Erlang B as pmf(n) / cdf(n) of a Poisson(a) variable, at high precision."""
    with mp.workdps(dps):
        a = mp.mpf(a)
        if n == 0:
            return mp.mpf(1)
        if a == 0:
            return mp.mpf(0)
        log_pmf = n * mp.log(a) - a - mp.loggamma(n + 1)
        cdf = mp.gammainc(n + 1, a, mp.inf, regularized=True)
        return +mp.exp(log_pmf) / cdf


def erlang_c(n: int, a: float, dps: int = 50) -> mp.mpf:
    """Erlang C from Erlang B; 1 when unstable."""
    with mp.workdps(dps):
        if n <= a:
            return mp.mpf(1)
        b = erlang_b(n, a, dps)
        return n * b / (n - a * (1 - b))


def erlang_a_chain(n: int, a: float, ratio: float, t: float, terms: int = 400, dps: int = 80):
    """Erlang A by brute force over the birth-death chain, times in units of the mean patience.

    ``ratio`` = mean patience / mean handle time; ``t`` = target / mean patience. Returns
    P(wait), P(abandon), offered service level, virtual service level and
    E[wait; answered] / patience, with the chain truncated after ``terms`` queue states and the
    wait of a contact with ``j`` ahead taken as a hypoexponential variable.
    """
    with mp.workdps(dps):
        a, r, t = mp.mpf(a), mp.mpf(ratio), mp.mpf(t)
        x, y = n * r, a * r
        weights = [a**k / mp.factorial(k) for k in range(n + 1)]
        queue = [weights[-1]]
        for j in range(1, terms):
            queue.append(queue[-1] * y / (x + j))
        total = mp.fsum(weights[:-1]) + mp.fsum(queue)
        p_wait = mp.fsum(queue) / total
        abandon = mp.mpf(0)
        served_late = mp.mpf(0)
        virtual_late = mp.mpf(0)
        wait_served = mp.mpf(0)
        for j, weight in enumerate(queue):
            p = weight / total
            rates = [x + i for i in range(j + 1)]  # in units of theta
            abandon += p * (1 - x / (x + j + 1))
            wait_served += p * (x / (x + j + 1)) * mp.fsum(1 / (x + i + 1) for i in range(j + 1))
            coeffs = []
            for i, ri in enumerate(rates):
                c = mp.mpf(1)
                for k, rk in enumerate(rates):
                    if k != i:
                        c *= rk / (rk - ri)
                coeffs.append(c)
            virtual_late += p * mp.fsum(
                c * mp.exp(-ri * t) for c, ri in zip(coeffs, rates, strict=False)
            )
            served_late += p * mp.fsum(
                c * ri / (ri + 1) * mp.exp(-(ri + 1) * t)
                for c, ri in zip(coeffs, rates, strict=False)
            )
        served_in_time = (1 - p_wait) + (p_wait - abandon - served_late)
        return {
            "p_wait": p_wait,
            "abandonment": abandon,
            "offered": served_in_time,
            "virtual": 1 - virtual_late,
            "wait_served": wait_served,
        }
