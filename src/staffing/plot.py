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

import base64
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from staffing.plan import Plan

__all__ = [
    "figure_to_data_uri",
    "plan_figures",
    "plot_coverage",
    "plot_roster_heatmap",
    "plot_service_level",
]


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
        ``interval_start``, ``service_level`` and optionally ``service_level_ci_low``,
        ``service_level_ci_high`` and ``target_service_level`` [fraction].
    target : float, optional
        One target service level for every interval [fraction], drawn as a line. Without it,
        a ``target_service_level`` column of the frame (the target planned for each interval,
        by band) is drawn as a step line.
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
    elif "target_service_level" in simulation.columns:
        planned = simulation["target_service_level"].to_numpy(dtype=float)
        ax.step(t, planned, where="post", color="black", ls="--", lw=1.0,
                label="target (per band)")  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("service level")
    ax.set_title(title or "simulated service level")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def figure_to_data_uri(figure: Figure, dpi: int = 90) -> str:
    """Encode a matplotlib figure as a PNG ``data:`` URI and close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    dpi : int
        Resolution [dots per inch].

    Returns
    -------
    str
        ``data:image/png;base64,...``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> figure_to_data_uri(fig).startswith("data:image/png;base64,")
    True
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plan_figures(result: Plan) -> dict[str, list[tuple[str, str]]]:
    """The report's figures of a plan as PNG data URIs, per queue.

    For each queue: the history with the forecast and its interval, required against
    scheduled agents, the roster heat map, and, for simulated queues, the simulated service
    level against the target planned for each interval.

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    dict of str to list of (str, str)
        Queue -> ``(figure name, data URI)`` in report order; names are ``"forecast"``,
        ``"coverage"``, ``"roster"`` and ``"service-level"``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    simulated = set(result.simulation["queue"]) if len(result.simulation) else set()
    figures = {}
    for queue in result.queues:
        rostered = bool((result.coverage["queue"] == queue).any())
        drawings = [("forecast", result.plot_forecast, (10, 3.2))]
        if rostered:
            drawings += [
                ("coverage", result.plot_coverage, (10, 3.2)),
                ("roster", result.plot_roster, (10, 3.0)),
            ]
        if queue in simulated:
            drawings.append(("service-level", result.plot_service_level, (10, 3.2)))
        figures[queue] = []
        for name, draw, size in drawings:
            figure, ax = plt.subplots(figsize=size, layout="constrained")
            draw(queue, ax=ax)
            figures[queue].append((name, figure_to_data_uri(figure)))
    return figures
