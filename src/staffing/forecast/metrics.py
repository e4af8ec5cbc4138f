"""Forecast error metrics: MASE, WAPE, bias and interval coverage.

Missing actuals (NaN) are left out of every metric.

Examples
--------
>>> import numpy as np
>>> actual, forecast = np.array([10.0, 0.0, 5.0]), np.array([8.0, 1.0, 5.0])
>>> wape(actual, forecast)
0.2
>>> bias(actual, forecast)
-0.0666...
"""

from __future__ import annotations

import numpy as np

__all__ = ["bias", "coverage", "mase", "naive_scale", "wape"]


def _pairs(actual: np.ndarray, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if y.shape != f.shape:
        raise ValueError(f"actual and forecast differ in shape: {y.shape} vs {f.shape}")
    keep = ~np.isnan(y)
    if not keep.any():
        raise ValueError("actual: no observed values to score")
    return y[keep], f[keep]


def naive_scale(history: np.ndarray, lag: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast ``y[t - lag]``.

    Parameters
    ----------
    history : array_like
        Training values on a regular grid [contacts per interval]; NaN = missing.
    lag : int
        Seasonal lag [intervals], e.g. 168 for hourly data and a weekly season.

    Returns
    -------
    float
        Mean of ``|y[t] - y[t - lag]|`` over the pairs where both are observed
        [contacts per interval].

    Examples
    --------
    >>> naive_scale([1.0, 2.0, 4.0, 1.0], 2)  # (|4 - 1| + |1 - 2|) / 2
    2.0
    """
    y = np.asarray(history, dtype=float)
    if len(y) <= lag:
        raise ValueError(f"history: needs more than lag={lag} values, got {len(y)}")
    diff = np.abs(y[lag:] - y[:-lag])
    diff = diff[~np.isnan(diff)]
    if diff.size == 0 or diff.mean() == 0:
        raise ValueError("history: the seasonal naive in-sample error is zero or undefined")
    return float(diff.mean())


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error: mean ``|actual - forecast|`` divided by ``scale``.

    Examples
    --------
    >>> mase([10.0, 20.0], [12.0, 17.0], scale=2.5)
    1.0
    """
    y, f = _pairs(actual, forecast)
    return float(np.mean(np.abs(y - f)) / scale)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: ``sum |actual - forecast| / sum actual`` [fraction].

    Examples
    --------
    >>> wape([10.0, 30.0], [14.0, 30.0])
    0.1
    """
    y, f = _pairs(actual, forecast)
    total = y.sum()
    if total <= 0:
        raise ValueError("actual: total is zero, WAPE is undefined")
    return float(np.abs(y - f).sum() / total)


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Relative bias ``sum(forecast - actual) / sum actual`` [fraction]; > 0 over-forecasts.

    Examples
    --------
    >>> bias([10.0, 30.0], [14.0, 30.0])
    0.1
    """
    y, f = _pairs(actual, forecast)
    total = y.sum()
    if total <= 0:
        raise ValueError("actual: total is zero, bias is undefined")
    return float((f - y).sum() / total)


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of observed actuals inside ``[lower, upper]``, bounds included [fraction].

    Examples
    --------
    >>> coverage([0.0, 5.0, 9.0, 3.0], [0.0, 1.0, 2.0, 4.0], [2.0, 5.0, 8.0, 6.0])
    0.5
    """
    y, lo = _pairs(actual, lower)
    _, hi = _pairs(actual, upper)
    return float(np.mean((y >= lo) & (y <= hi)))
