"""Plots of a forecast and of a backtest (matplotlib, imported lazily)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_backtest", "plot_forecast"]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 4))
    return ax


def plot_backtest(result: pd.DataFrame, metric: str = "mase", ax: Axes | None = None) -> Axes:
    """One line per model: a backtest metric at each origin.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`~staffing.forecast.backtest` (one queue, or the first is shown).
    metric : str
        Column to plot (``"mase"``, ``"wape"``, ``"bias"``, ``"coverage_80"``...).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> table = pd.DataFrame({"queue": "all", "model": ["a", "a", "b", "b"],
    ...                       "origin": [1, 2, 1, 2], "mase": [1.0, 0.9, 0.7, 0.8]})
    >>> plot_backtest(table).get_ylabel()
    'mase'
    """
    if metric not in result.columns:
        raise ValueError(f"metric: no column {metric!r} in the backtest result")
    ax = _axes(ax)
    queue = result["queue"].iloc[0]
    part = result[result["queue"] == queue]
    for model, rows in part.groupby("model", sort=False):
        ax.plot(
            rows["origin"], rows[metric], marker="o", label=f"{model} ({rows[metric].mean():.3g})"
        )
    ax.set_xlabel("forecast origin")
    ax.set_ylabel(metric)
    ax.set_title(f"{queue}: backtest {metric} by origin (mean in legend)")
    ax.legend(fontsize="small")
    return ax


def plot_forecast(
    history: pd.DataFrame | pd.Series,
    forecast: pd.DataFrame,
    ax: Axes | None = None,
    *,
    history_days: float = 14,
) -> Axes:
    """Recent history, the forecast and its outermost quantile band, for one queue.

    Parameters
    ----------
    history : pandas.DataFrame or pandas.Series
        Tidy history (``interval_start``, ``volume``) or a Series; the forecast's first queue
        is shown.
    forecast : pandas.DataFrame
        Output of :meth:`~staffing.forecast.Forecaster.predict`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.
    history_days : float
        Days of history shown before the forecast [days].

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from staffing.datasets import load_example
    >>> from staffing.forecast import forecast
    >>> history = load_example().query("queue == 'email'")
    >>> result = forecast(history, horizon_days=2, model="seasonal_naive_week")
    >>> plot_forecast(history, result).get_title()
    'email: history and forecast'
    """
    ax = _axes(ax)
    queue = forecast["queue"].iloc[0]
    part = forecast[forecast["queue"] == queue]
    if isinstance(history, pd.Series):
        past = history
    else:
        rows = history if "queue" not in history.columns else history[history["queue"] == queue]
        past = pd.Series(rows["volume"].to_numpy(), index=pd.DatetimeIndex(rows["interval_start"]))
    past = past[past.index >= part.index[0] - pd.Timedelta(history_days, unit="D")]
    ax.plot(past.index, past.to_numpy(), color="0.3", lw=0.8, label="history")
    bands = sorted(
        (c for c in part.columns if re.fullmatch(r"q\d+(\.\d+)?", str(c))),
        key=lambda c: float(c[1:]),
    )
    if len(bands) >= 2:
        low, high = bands[0], bands[-1]
        ax.fill_between(part.index, part[low], part[high], alpha=0.3, label=f"{low}–{high}")
    ax.plot(part.index, part["volume"], color="tab:blue", lw=1.0, label="forecast")
    ax.set_ylabel("volume [contacts per interval]")
    ax.set_title(f"{queue}: history and forecast")
    ax.legend(fontsize="small")
    return ax
