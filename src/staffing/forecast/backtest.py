"""Rolling-origin backtest of the forecasting models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import ConfigError, DataError
from staffing.forecast import _grid
from staffing.forecast.core import Forecaster, quantile_column
from staffing.forecast.metrics import bias, coverage, mase, naive_scale, wape

__all__ = ["backtest", "backtest_summary"]

DEFAULT_MODELS = ("seasonal_naive_week", "seasonal_naive_day", "mstl", "holt_winters", "glm")


def backtest(
    history: pd.DataFrame | pd.Series,
    *,
    models: Sequence[str] = DEFAULT_MODELS,
    horizon_hours: float = 168,
    step_hours: float = 168,
    n_origins: int = 4,
    **kwargs: Any,
) -> pd.DataFrame:
    """Score models by rolling-origin evaluation on the history itself.

    The last origin leaves exactly ``horizon_hours`` of history after it; earlier origins are
    ``step_hours`` apart. At each origin every model is fitted on the history before it (its
    intervals calibrated on that part alone) and forecasts ``horizon_hours`` ahead.

    Parameters
    ----------
    history : pandas.DataFrame or pandas.Series
        Contact history (see :meth:`Forecaster.fit`); each queue is scored separately.
    models : sequence of str
        Models to compare (names of :data:`~staffing.forecast.MODELS`, or ``"auto"``).
    horizon_hours : float
        Forecast horizon at each origin [hours].
    step_hours : float
        Spacing of the origins [hours].
    n_origins : int
        Number of origins.
    **kwargs
        Passed to :class:`Forecaster` (``calendar``, ``country``, ``events``, ``quantiles``...).

    Returns
    -------
    pandas.DataFrame
        One row per queue, model and origin: ``queue, model, origin`` (tz-aware),
        ``intervals`` (observed intervals scored: missing ones are not scored), ``mase``
        (mean absolute error divided by the in-sample mean absolute error of the
        same-hour-last-week forecast on the training part, see
        :func:`~staffing.forecast.naive_scale`), ``wape``, ``bias`` [fraction], and
        ``coverage_<P>`` [fraction] for each pair of quantiles symmetric around the median
        (``coverage_80`` for ``q10``-``q90``). The mean over origins per
        queue and model is in ``result.attrs["summary"]`` (see :func:`backtest_summary`).
        A metric that is undefined at an origin (MASE of a history whose seasonal naive error
        is zero, WAPE and bias of an all-zero horizon) is NaN.

    Raises
    ------
    staffing.errors.DataError
        Not enough history for the origins (each needs 14 days before it).
    staffing.errors.ConfigError
        A bad model name, horizon, step or number of origins.

    Notes
    -----
    An event without ``multiplier`` that falls after an origin but never before it gets no
    effect at that origin (noted, not raised as :meth:`Forecaster.predict` does).

    Examples
    --------
    >>> from staffing.datasets import load_example
    >>> history = load_example().query("queue == 'email'")
    >>> result = backtest(history, models=["seasonal_naive_week", "seasonal_naive_day"],
    ...                   n_origins=2)
    >>> result.shape
    (4, 8)
    >>> sorted(result.attrs["summary"]["model"])  # the summary is sorted by MASE
    ['seasonal_naive_day', 'seasonal_naive_week']
    """
    if isinstance(n_origins, bool) or not isinstance(n_origins, int | np.integer) or n_origins < 1:
        raise ConfigError(
            f"backtest(n_origins=...): expected a whole number >= 1, got {n_origins!r}"
        )
    horizon_hours = _grid.check_horizon(horizon_hours, "backtest(horizon_hours=...)", 1 / 24)
    step_hours = _grid.check_horizon(step_hours, "backtest(step_hours=...)", 1 / 24)
    if isinstance(models, str):
        models = [models]
    Forecaster(**kwargs)._check_parameters()
    levels = tuple(float(p) for p in kwargs.get("quantiles", (0.1, 0.5, 0.9)))
    rows = []
    for queue in _grid.split_queues(history, tz=kwargs.get("tz")):
        series = queue.absolute.rename(queue.queue)
        for origin in _origins(series, horizon_hours, step_hours, int(n_origins)):
            train = series[series.index < origin]
            test = series[series.index >= origin].iloc[: _steps(series, horizon_hours)]
            if test.isna().all():
                continue
            scale = _scale(_grid.to_wall(train).to_numpy(), 7 * queue.slots_per_day)
            for name in models:
                model = Forecaster(name, **kwargs).fit(train)
                # An event after the origin but not before it has no estimated effect here,
                # as the docs say: noted, not raised.
                result = model._predict(horizon_hours, None, unseen_events="note")
                rows.append(_score(queue.queue, name, origin, test, result, scale, levels))
    table = pd.DataFrame(rows)
    table.attrs["summary"] = backtest_summary(table)
    return table


def _steps(series: pd.Series, hours: float) -> int:
    return int(np.ceil(pd.Timedelta(hours, unit="h") / pd.Timedelta(series.index.freq)))


def _origins(series: pd.Series, horizon: float, step: float, count: int) -> list[pd.Timestamp]:
    """Origins ``step`` hours apart, the last ``horizon`` hours before the end of the history.

    The first must leave :data:`~staffing.forecast._grid.MIN_HISTORY_DAYS` local days before it.
    """
    end = series.index[-1] + series.index.freq
    last = end - pd.Timedelta(horizon, unit="h")
    days = _grid.MIN_HISTORY_DAYS
    first_allowed = series.index[0].tz_localize(None) + pd.Timedelta(days, unit="D")
    room = (last.tz_localize(None) - first_allowed) / pd.Timedelta(step, unit="h")
    allowed = int(np.floor(room)) + 1 if room >= 0 else 0
    if count > allowed:
        raise DataError(
            f"history (queue {series.name!r}): {count} origins {step:g} hours apart with a "
            f"{horizon:g}-hour horizon need {days} days of history before the first origin; "
            f"the history from {series.index[0]} to {series.index[-1]} allows {allowed}"
        )
    return [last - k * pd.Timedelta(step, unit="h") for k in range(count)][::-1]


def _scale(train: np.ndarray, lag: int) -> float:
    """The MASE scale, NaN when the seasonal naive error is zero (MASE is then undefined)."""
    try:
        return naive_scale(train, lag)
    except ValueError:
        return float("nan")


def _defined(metric: Any, *args: Any) -> float:
    """A metric, or NaN when it is undefined (e.g. WAPE of an all-zero week)."""
    try:
        return float(metric(*args))
    except ValueError:
        return float("nan")


def _score(
    queue: str,
    model: str,
    origin: pd.Timestamp,
    test: pd.Series,
    result: pd.DataFrame,
    scale: float,
    levels: tuple[float, ...],
) -> dict[str, Any]:
    actual = test.to_numpy()
    point = result["volume"].reindex(test.index).to_numpy()
    row: dict[str, Any] = {
        "queue": queue,
        "model": model,
        "origin": origin,
        "intervals": int(np.sum(~np.isnan(actual))),
        "mase": mase(actual, point, scale),
        "wape": _defined(wape, actual, point),
        "bias": _defined(bias, actual, point),
    }
    for low in sorted(p for p in levels if p < 0.5):
        high = round(1.0 - low, 12)
        match = [p for p in levels if abs(p - high) < 1e-9]
        if match:
            lower = result[quantile_column(low)].reindex(test.index).to_numpy()
            upper = result[quantile_column(match[0])].reindex(test.index).to_numpy()
            key = f"coverage_{round(100 * (high - low), 6):g}"
            row[key] = coverage(actual, lower, upper)
    return row


def backtest_summary(result: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric over the origins, per queue and model, best MASE first.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`backtest`.

    Returns
    -------
    pandas.DataFrame
        ``queue, model, origins`` and the mean of every metric column.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"queue": "all", "model": ["a", "a", "b"], "origin": [1, 2, 1],
    ...                       "intervals": 168, "mase": [1.0, 2.0, 0.5], "wape": 0.1,
    ...                       "bias": 0.0})
    >>> backtest_summary(table)[["model", "origins", "mase"]].to_dict("list")
    {'model': ['b', 'a'], 'origins': [1, 2], 'mase': [0.5, 1.5]}
    """
    metrics = [c for c in result.columns if c not in ("queue", "model", "origin", "intervals")]
    grouped = result.groupby(["queue", "model"], sort=False)
    summary = grouped[metrics].mean()
    summary.insert(0, "origins", grouped.size())
    return summary.reset_index().sort_values(["queue", "mase"], ignore_index=True)
