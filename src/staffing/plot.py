"""Plots of a plan: requirements against schedule, roster heat map, simulated service level.

The forecast plot lives with the forecasting models (:func:`staffing.forecast.plot_forecast`).

Every function takes ``ax=None`` (a new figure when absent), draws on it and returns the Axes;
none shows or saves a figure. matplotlib is imported only when a plot is drawn.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from staffing.plot import plot_coverage
>>> grid = pd.date_range("2025-06-02 08:00", periods=4, freq="h", tz="Europe/London")
>>> coverage = pd.DataFrame({"interval_start": grid, "required": [3, 5, 6, 4],
...                          "scheduled": [4, 5, 5, 4]})
>>> ax = plot_coverage(coverage)
>>> ax.get_ylabel()
'agents'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_coverage", "plot_roster_heatmap", "plot_service_level"]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (10, 3.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_coverage(
    coverage: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Required against scheduled agents by interval, shortfalls shaded.

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``interval_start``, ``required`` and ``scheduled`` [agents].
    title : str, optional
        Title of the plot.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    t = coverage["interval_start"]
    ax.step(t, coverage["required"], where="post", color="black", lw=1.0, label="required")
    ax.step(t, coverage["scheduled"], where="post", color="tab:green", lw=1.0, label="scheduled")
    short = coverage["scheduled"] < coverage["required"]
    ax.fill_between(
        t,
        coverage["scheduled"],
        coverage["required"],
        where=short.to_numpy(),
        step="post",
        color="tab:red",
        alpha=0.4,
        label="shortfall",
    )
    ax.set_ylabel("agents")
    ax.set_title(title or "required and scheduled agents")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_roster_heatmap(
    coverage: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Scheduled agents as a heat map: local day (rows) by local time of day (columns).

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``interval_start`` (tz-aware) and ``scheduled`` [agents].
    title : str, optional
        Title of the plot.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(10, 3.0))
    t = pd.DatetimeIndex(coverage["interval_start"])
    table = pd.DataFrame(
        {
            "day": t.strftime("%a %d %b"),
            "order": t.normalize().tz_localize(None) if t.tz is not None else t.normalize(),
            "clock": t.strftime("%H:%M"),
            "scheduled": coverage["scheduled"].to_numpy(),
        }
    )
    grid = table.pivot_table(index=["order", "day"], columns="clock", values="scheduled")
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(grid.index)), [day for _, day in grid.index])
    step = max(1, len(grid.columns) // 12)
    ax.set_xticks(range(0, len(grid.columns), step), list(grid.columns)[::step])
    ax.figure.colorbar(image, ax=ax, label="scheduled agents")
    ax.set_title(title or "scheduled agents by day and time")
    return ax


def plot_service_level(
    simulation: pd.DataFrame,
    *,
    target: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Simulated service level by interval with its confidence band, against the target.

    Parameters
    ----------
    simulation : pandas.DataFrame
        ``interval_start``, ``service_level`` and optionally ``service_level_ci_low`` and
        ``service_level_ci_high`` [fraction].
    target : float, optional
        Target service level [fraction], drawn as a line.
    title : str, optional
        Title of the plot.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    t = simulation["interval_start"]
    if {"service_level_ci_low", "service_level_ci_high"} <= set(simulation.columns):
        ax.fill_between(
            t,
            np.clip(simulation["service_level_ci_low"], 0, 1),
            np.clip(simulation["service_level_ci_high"], 0, 1),
            color="tab:purple",
            alpha=0.25,
            label="confidence interval",
        )
    ax.plot(
        t,
        simulation["service_level"],
        color="tab:purple",
        lw=1.0,
        marker=".",
        ms=3,
        label="simulated",
    )
    if target is not None:
        ax.axhline(target, color="black", ls="--", lw=1.0, label=f"target {target:.0%}")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("service level")
    ax.set_title(title or "simulated service level")
    ax.legend(loc="lower left", fontsize="small")
    return ax
