"""Weighted Poisson regression on slot-of-week effects plus a few 0/1 columns, by Newton.

The count model of :class:`~staffing.forecast.CountGLM` has one effect per slot of the
week (a one-hot block of 168 columns for hourly data) and a handful of calendar columns
(holiday, eve, events). A general GLM solver (statsmodels' IRLS) forms and factors the dense
``n x p`` design at every iteration; here the one-hot block is kept as an index, so the
Hessian's slot block is diagonal and Newton's step costs a Schur complement of the few extra
columns: O(n k + k^3) per iteration instead of O(n p^2). It maximises the same weighted
likelihood as ``statsmodels.api.GLM(y, X, family=Poisson(), offset=..., var_weights=...)``
(``tests/test_forecast_poisson.py`` checks it against statsmodels).

An effect the data cannot bound (a slot, or an extra column, whose every observation is zero)
has its maximum-likelihood value at minus infinity; it is returned as :data:`ZERO_EFFECT`
(the mean is then ``exp(-30)``, zero to the forecast).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ZERO_EFFECT", "fit_slot_poisson"]

#: Effect of a slot or column whose observations are all zero (log scale).
ZERO_EFFECT = -30.0
#: Newton stops when no effect moves by more than this (log scale).
TOLERANCE = 1e-9
MAX_ITERATIONS = 100


def fit_slot_poisson(
    counts: np.ndarray,
    slot: np.ndarray,
    n_slots: int,
    extra: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood effects of a weighted Poisson model with slot effects.

    ``log E[counts] = slot_effect[slot] + extra @ extra_effect + offset``, each observation's
    log-likelihood multiplied by its weight.

    Parameters
    ----------
    counts : numpy.ndarray
        Observed counts, shape ``(n,)`` [contacts per interval], non-negative, no NaN (leave
        missing intervals out).
    slot : numpy.ndarray
        Slot of each observation, integers in ``[0, n_slots)``.
    n_slots : int
        Number of slot effects.
    extra : numpy.ndarray, optional
        Further columns, shape ``(n, k)`` (0/1 calendar indicators).
    offset : numpy.ndarray, optional
        Known log-multipliers, shape ``(n,)``.
    weights : numpy.ndarray, optional
        Non-negative weight of each observation (recency), shape ``(n,)``.

    Raises
    ------
    ValueError
        Negative, NaN or infinite counts, slots outside ``[0, n_slots)``, non-finite offsets,
        negative weights, or arrays of different lengths (the message names the first one).

    Returns
    -------
    slot_effect : numpy.ndarray
        Shape ``(n_slots,)`` (log scale); NaN for a slot with no observation (or only zero
        weights), :data:`ZERO_EFFECT` for one whose observations are all zero.
    extra_effect : numpy.ndarray
        Shape ``(k,)`` (log scale).

    Examples
    --------
    >>> import numpy as np
    >>> counts, slot = np.array([2.0, 4.0, 10.0]), np.array([0, 0, 1])
    >>> effect, _ = fit_slot_poisson(counts, slot, 2)
    >>> np.exp(effect).round(6).tolist()  # the slot means
    [3.0, 10.0]
    """
    y = np.asarray(counts, dtype=float)
    slot = np.asarray(slot, dtype=np.intp)
    n = y.size
    z = np.zeros((n, 0)) if extra is None else np.asarray(extra, dtype=float).reshape(n, -1)
    base = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    v = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    _check(y, slot, n_slots, base, v)
    weighted_y = np.bincount(slot, v * y, minlength=n_slots)
    seen = np.bincount(slot, v, minlength=n_slots) > 0
    dead = seen & (weighted_y <= 0)
    a = np.full(n_slots, np.nan)
    a[dead] = ZERO_EFFECT
    live = seen[slot] & ~dead[slot] & (v > 0)
    b = np.zeros(z.shape[1])
    if not live.any():
        return a, b
    y, s, z, base, v = y[live], slot[live], z[live], base[live], v[live]
    # a column that is only ever on in all-zero observations is not bounded either
    active = ((z > 0) & (v * y > 0)[:, None]).any(axis=0)
    b[~active & (np.abs(z).sum(axis=0) > 0)] = ZERO_EFFECT
    base = base + z[:, ~active] @ b[~active]
    z = z[:, active]
    a_live = _start(y, s, base, v, n_slots)
    b_live = np.zeros(z.shape[1])
    a_live, b_live = _newton(y, s, z, base, v, a_live, b_live, n_slots)
    keep = seen & ~dead
    a[keep] = a_live[keep]
    b[active] = b_live
    return a, b


def _check(y: np.ndarray, slot: np.ndarray, n_slots: int, base: np.ndarray, v: np.ndarray) -> None:
    """Refuse inputs the likelihood is not defined for, naming the first offending position."""
    problems = (
        ("counts", y, ~(np.isfinite(y) & (y >= 0)), "finite and >= 0 (leave missing ones out)"),
        ("slot", slot, (slot < 0) | (slot >= n_slots), f"an integer in [0, {n_slots})"),
        ("offset", base, ~np.isfinite(base), "finite"),
        ("weights", v, ~(np.isfinite(v) & (v >= 0)), "finite and >= 0"),
    )
    for name, values, bad, expected in problems:
        if values.shape != y.shape:
            raise ValueError(
                f"fit_slot_poisson: {name} has shape {values.shape}, counts {y.shape}"
            )
        if bad.any():
            first = int(np.argmax(bad))
            value = values[first].item()
            raise ValueError(f"fit_slot_poisson: {name}[{first}] = {value!r}; expected {expected}")


def _start(y: np.ndarray, s: np.ndarray, base: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Slot effects that are exact without extra columns."""
    top = np.bincount(s, v * y, minlength=n)
    bottom = np.bincount(s, v * np.exp(base), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(top > 0, np.log(top / bottom), 0.0)


def _newton(
    y: np.ndarray,
    s: np.ndarray,
    z: np.ndarray,
    base: np.ndarray,
    v: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method with step halving on the weighted Poisson log-likelihood."""
    k = z.shape[1]
    loglik = _loglik(y, s, z, base, v, a, b)
    for _ in range(MAX_ITERATIONS):
        mu = np.exp(a[s] + z @ b + base)
        resid = v * (y - mu)
        curve = v * mu
        grad_a = np.bincount(s, resid, minlength=n)
        d_aa = np.bincount(s, curve, minlength=n)
        d_aa = np.where(d_aa > 0, d_aa, 1.0)
        if k:
            grad_b = z.T @ resid
            h_ab = np.stack([np.bincount(s, curve * z[:, j], minlength=n) for j in range(k)], 1)
            h_bb = (z * curve[:, None]).T @ z
            schur = h_bb - h_ab.T @ (h_ab / d_aa[:, None])
            rhs = grad_b - h_ab.T @ (grad_a / d_aa)
            step_b = np.linalg.lstsq(schur, rhs, rcond=None)[0]
            step_a = (grad_a - h_ab @ step_b) / d_aa
        else:
            step_b, step_a = np.zeros(0), grad_a / d_aa
        scale = 1.0
        for _ in range(30):
            new_a, new_b = a + scale * step_a, b + scale * step_b
            new = _loglik(y, s, z, base, v, new_a, new_b)
            if new >= loglik - 1e-12 * abs(loglik):
                break
            scale /= 2.0
        a, b, loglik = new_a, new_b, new
        largest = max(np.max(np.abs(scale * step_a)), np.max(np.abs(scale * step_b), initial=0))
        if largest < TOLERANCE:
            break
    return a, b


def _loglik(
    y: np.ndarray,
    s: np.ndarray,
    z: np.ndarray,
    base: np.ndarray,
    v: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> float:
    eta = np.minimum(a[s] + z @ b + base, 700.0)
    return float(np.sum(v * (y * eta - np.exp(eta))))
