"""Negative binomial predictive distribution: dispersion fit and mid-quantiles.

The predictive distribution of the count in an interval with forecast mean :math:`\\mu` is
negative binomial with variance :math:`\\mu + \\alpha\\mu^2`. The dispersion :math:`\\alpha` is
estimated by maximum likelihood on out-of-sample pairs (actual, forecast mean). Quantiles are
*mid-quantiles* (Ma, Genton & Parzen, 2011): the inverse of the mid-distribution function
:math:`F(k) - \\tfrac12 P(k)` interpolated linearly between integers, so they are continuous in
the level and close to calibrated even for small counts.

Examples
--------
>>> import numpy as np
>>> q = mid_quantiles(np.array([100.0]), 0.01, (0.1, 0.5, 0.9))
>>> bool(q[0, 0] < 100 < q[0, 2])
True
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

__all__ = [
    "MEAN_FLOOR",
    "fit_dispersion",
    "fit_dispersion_pinball",
    "mid_quantiles",
    "nb_log_likelihood",
    "pinball_loss",
    "widen_to_coverage",
]

#: Smallest mean used for the predictive distribution [contacts per interval]; a forecast of
#: exactly zero would otherwise rule out any contact at all. (The Forecaster does rule it out,
#: with zero-width intervals, in slots of the week that were zero every time they were seen.)
MEAN_FLOOR = 0.1
ALPHA_BOUNDS = (1e-6, 20.0)


def nb_log_likelihood(actual: np.ndarray, mean: np.ndarray, alpha: float) -> float:
    """Sum of negative binomial log-probabilities (mean ``mean``, variance mu + alpha mu^2).

    Non-integer counts (e.g. an averaged doubled hour) use the gamma-function extension.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> y, mu, a = np.array([0.0, 3.0, 10.0]), np.array([1.0, 2.5, 8.0]), 0.2
    >>> n = 1 / a
    >>> ref = stats.nbinom.logpmf(y, n, n / (n + mu)).sum()
    >>> bool(np.isclose(nb_log_likelihood(y, mu, a), ref))
    True
    """
    y = np.asarray(actual, dtype=float)
    mu = np.maximum(np.asarray(mean, dtype=float), MEAN_FLOOR)
    n = 1.0 / alpha
    return float(
        np.sum(
            special.gammaln(y + n)
            - special.gammaln(n)
            - special.gammaln(y + 1.0)
            + n * np.log(n / (n + mu))
            + y * np.log(mu / (n + mu))
        )
    )


def fit_dispersion(actual: np.ndarray, mean: np.ndarray) -> float:
    """Maximum-likelihood dispersion alpha of a negative binomial around given means.

    Parameters
    ----------
    actual : array_like
        Observed counts [contacts per interval] (NaN are ignored).
    mean : array_like
        Forecast means for the same intervals [contacts per interval].

    Returns
    -------
    float
        Dispersion alpha [1/contacts], in ``[1e-6, 20]``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> mu = rng.uniform(5, 200, 4000)
    >>> y = rng.negative_binomial(1 / 0.05, 1 / (1 + 0.05 * mu))
    >>> round(fit_dispersion(y, mu), 2)
    0.05
    """
    y = np.asarray(actual, dtype=float)
    mu = np.asarray(mean, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(mu)
    if not keep.any():
        raise ValueError("fit_dispersion: no observed (actual, mean) pairs")
    y, mu = y[keep], mu[keep]
    low, high = np.log(ALPHA_BOUNDS[0]), np.log(ALPHA_BOUNDS[1])
    result = optimize.minimize_scalar(
        lambda log_alpha: -nb_log_likelihood(y, mu, float(np.exp(log_alpha))),
        bounds=(low, high),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def mid_quantiles(mean: np.ndarray, alpha: float, levels: tuple[float, ...]) -> np.ndarray:
    """Mid-quantiles of negative binomial distributions, one row per mean.

    Parameters
    ----------
    mean : array_like
        Means [contacts per interval]; floored at :data:`MEAN_FLOOR`.
    alpha : float
        Dispersion (variance = mean + alpha mean^2).
    levels : tuple of float
        Probabilities in (0, 1).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(mean), len(levels))``, columns in the order of ``levels``, non-negative
        and non-decreasing in the level.

    Examples
    --------
    >>> import numpy as np
    >>> mid_quantiles(np.array([0.0, 50.0]), 1e-6, (0.5,)).round(2)
    array([[ 0.1 ],
           [49.83]])
    """
    order = np.argsort(levels)
    mu = np.maximum(np.asarray(mean, dtype=float), MEAN_FLOOR)[:, None]
    p = np.asarray(levels, dtype=float)[order][None, :]
    n = 1.0 / alpha
    prob = n / (n + mu)
    dist = stats.nbinom(n, prob)
    k = dist.ppf(p)  # smallest k with F(k) >= p
    mid_k = dist.cdf(k) - 0.5 * dist.pmf(k)
    below = mid_k >= p  # bracket [k - 1, k], else [k, k + 1]
    lower = np.where(below, k - 1, k)
    f_low = np.where(lower >= 0, dist.cdf(lower) - 0.5 * dist.pmf(lower), 0.0)
    f_high = dist.cdf(lower + 1) - 0.5 * dist.pmf(lower + 1)
    share = np.clip((p - f_low) / np.maximum(f_high - f_low, 1e-300), 0.0, 1.0)
    quantiles = np.maximum(lower + share, 0.0)
    result = np.empty_like(quantiles)
    result[:, order] = np.maximum.accumulate(quantiles, axis=1)
    return result


def pinball_loss(actual: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...]) -> float:
    """Mean quantile (pinball) loss over intervals and levels [contacts per interval].

    Examples
    --------
    >>> import numpy as np
    >>> pinball_loss(np.array([10.0]), np.array([[8.0, 12.0]]), (0.1, 0.9))
    0.2
    """
    y = np.asarray(actual, dtype=float)[:, None]
    p = np.asarray(levels, dtype=float)[None, :]
    diff = y - quantiles
    return float(np.mean(np.maximum(p * diff, (p - 1.0) * diff)))


def fit_dispersion_pinball(
    actual: np.ndarray, mean: np.ndarray, levels: tuple[float, ...]
) -> float:
    """Dispersion alpha whose mid-quantiles minimise the pinball loss on given pairs.

    Choosing alpha by the loss of the quantiles themselves, rather than by the likelihood,
    keeps a few outlying hours (holidays, outages) from widening every interval.

    Parameters
    ----------
    actual : array_like
        Observed counts [contacts per interval] (NaN are ignored).
    mean : array_like
        Out-of-sample forecast means for the same intervals [contacts per interval].
    levels : tuple of float
        Quantile levels to calibrate (the median alone does not identify alpha; it is
        ignored when other levels are given).

    Returns
    -------
    float
        Dispersion alpha [1/contacts], in ``[1e-6, 20]``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> mu = rng.uniform(20, 200, 3000)
    >>> y = rng.negative_binomial(1 / 0.04, 1 / (1 + 0.04 * mu))
    >>> bool(0.03 < fit_dispersion_pinball(y, mu, (0.1, 0.9)) < 0.05)
    True
    """
    y = np.asarray(actual, dtype=float)
    mu = np.asarray(mean, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(mu)
    if not keep.any():
        raise ValueError("fit_dispersion_pinball: no observed (actual, mean) pairs")
    y, mu = y[keep], mu[keep]
    tails = tuple(p for p in levels if abs(p - 0.5) > 1e-9) or (0.1, 0.9)
    low, high = np.log(ALPHA_BOUNDS[0]), np.log(ALPHA_BOUNDS[1])
    result = optimize.minimize_scalar(
        lambda log_alpha: pinball_loss(
            y, mid_quantiles(mu, float(np.exp(log_alpha)), tails), tails
        ),
        bounds=(low, high),
        method="bounded",
        options={"xatol": 1e-2},
    )
    return float(np.exp(result.x))


#: Intervals whose forecast mean is below this are not counted by :func:`widen_to_coverage`
#: (closed or nearly closed hours) [contacts per interval].
OPEN_MEAN = 1.0


def widen_to_coverage(
    actual: np.ndarray, mean: np.ndarray, levels: tuple[float, ...], alpha: float
) -> float:
    """Smallest dispersion >= ``alpha`` whose outer band covers its nominal share.

    The pinball fit weighs intervals by their volume, so on a series with many quiet hours
    its bands can cover less than nominal where the centre is open. This raises alpha, by
    bisection on its logarithm, until the band between the lowest and the highest level
    covers at least ``max - min`` of the observed values among the intervals with a forecast
    mean of at least :data:`OPEN_MEAN`. It never narrows the bands.

    Parameters
    ----------
    actual, mean : array_like
        Out-of-sample pairs (NaN actuals are ignored) [contacts per interval].
    levels : tuple of float
        Quantile levels; with fewer than two distinct levels ``alpha`` is returned.
    alpha : float
        Starting dispersion, e.g. from :func:`fit_dispersion_pinball` [1/contacts].

    Returns
    -------
    float
        Dispersion [1/contacts], in ``[alpha, 20]``.

    Raises
    ------
    ValueError
        ``alpha`` outside ``[1e-6, 20]``, the range the dispersion fits search.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> mu = rng.uniform(20, 200, 3000)
    >>> y = rng.negative_binomial(1 / 0.04, 1 / (1 + 0.04 * mu))
    >>> bool(0.03 < widen_to_coverage(y, mu, (0.1, 0.9), 0.001) < 0.05)
    True
    """
    if not ALPHA_BOUNDS[0] <= alpha <= ALPHA_BOUNDS[1]:
        raise ValueError(
            f"widen_to_coverage: alpha = {alpha!r}; expected a dispersion in {list(ALPHA_BOUNDS)}"
        )
    y = np.asarray(actual, dtype=float)
    mu = np.asarray(mean, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(mu) & (mu >= OPEN_MEAN)
    low, high = min(levels), max(levels)
    if high <= low or not keep.any():
        return alpha
    y, mu, target = y[keep], mu[keep], high - low

    def covered(a: float) -> float:
        bounds = mid_quantiles(mu, a, (low, high))
        return float(np.mean((y >= bounds[:, 0]) & (y <= bounds[:, 1])))

    if covered(alpha) >= target:
        return alpha
    if covered(ALPHA_BOUNDS[1]) < target:
        return ALPHA_BOUNDS[1]
    lo, hi = np.log(alpha), np.log(ALPHA_BOUNDS[1])
    while hi - lo > 1e-2:
        middle = 0.5 * (lo + hi)
        lo, hi = (middle, hi) if covered(float(np.exp(middle))) < target else (lo, middle)
    return float(np.exp(hi))
