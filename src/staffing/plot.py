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
    "date_axis",
    "figure_to_data_uri",
    "plan_figures",
    "plot_coverage",
    "plot_roster_heatmap",
    "plot_scenarios",
    "plot_service_level",
    "plot_service_risk",
    "plot_tradeoff",
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
    short = (coverage["scheduled"] < coverage["required"]).to_numpy()
    if short.any():
        ax.bar(
            t[short],
            (coverage["required"] - coverage["scheduled"]).to_numpy()[short],
            bottom=coverage["scheduled"].to_numpy()[short],
            width=_step_days(t),
            align="edge",
            color="#d32f2f",
            alpha=0.85,
            lw=0,
            label=f"shortfall ({int(short.sum())} interval{'s' if short.sum() > 1 else ''})",
        )
    ax.set_ylabel("agents")
    _headroom(ax)
    ax.set_title(title or "required and scheduled agents")
    ax.legend(loc="upper left", fontsize="small", ncols=3)
    date_axis(ax, t)
    return ax


def _headroom(ax: Axes, share: float = 0.3) -> None:
    """From zero to the data's top plus ``share`` of it: room for a one-line legend."""
    top = ax.dataLim.y1 if ax.dataLim.y1 > 0 else 1.0
    ax.set_ylim(0, top * (1 + share))


def _step_days(times: pd.Series) -> float:
    """The interval length of a time column [days] (the smallest step; one hour if unknown)."""
    steps = pd.Series(pd.DatetimeIndex(times)).diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    step = steps.min() if len(steps) else pd.Timedelta(1, unit="h")
    return step / pd.Timedelta(1, unit="D")


def date_axis(ax: Axes, times: pd.Series | pd.DatetimeIndex | None = None) -> Axes:
    """Concise, non-overlapping date labels on the x axis, in the data's own time zone.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes whose x axis holds times.
    times : pandas.Series or pandas.DatetimeIndex, optional
        The times drawn; their time zone (if any) is the one the labels show.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> t = pd.date_range("2025-11-10", periods=168, freq="h", tz="Europe/London")
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot(t, range(168))
    >>> type(date_axis(ax, t).xaxis.get_major_formatter()).__name__
    'ConciseDateFormatter'
    """
    import matplotlib.dates as mdates

    tz = None
    if times is not None:
        tz = pd.DatetimeIndex(times).tz
    locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
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
    ax.plot(t, simulation["service_level"], color="tab:purple", lw=1.0, label="simulated")
    if target is not None:
        ax.axhline(target, color="black", ls="--", lw=1.0, label=f"target {target:.0%}")
    elif "target_service_level" in simulation.columns:
        planned = simulation["target_service_level"].to_numpy(dtype=float)
        ax.step(t, planned, where="post", color="black", ls="--", lw=1.0,
                label="target (per band)")  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("service level")
    ax.set_title(title or "simulated service level")
    ax.legend(loc="lower left", fontsize="small", ncols=3)
    date_axis(ax, t)
    return ax


def _one(frame: pd.DataFrame, column: str, what: str) -> str | None:
    if column not in frame.columns:
        return None
    values = list(dict.fromkeys(frame[column].astype(str)))
    if len(values) > 1:
        raise ValueError(f"{what}: rows of one {column} expected, got {values}")
    return values[0] if values else None


def plot_service_risk(
    risk_frame: pd.DataFrame, target: float | None = None, ax: Axes | None = None
) -> Axes:
    """Histogram of the weekly service level over risk replications, against the target.

    Parameters
    ----------
    risk_frame : pandas.DataFrame
        Rows of one queue and one staffing level (``Plan.risk``): ``service_level`` [fraction]
        per replication and optionally ``met`` (bool), ``target_service_level`` [fraction],
        ``queue`` and ``staff_to``.
    target : float, optional
        The weekly target service level [fraction]; default the frame's
        ``target_service_level``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
        Its title gives P(meet): the share of replications that meet the target (``met``, or
        a service level at or above ``target``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> frame = pd.DataFrame({"queue": "phone", "staff_to": "q50",
    ...                       "service_level": [0.78, 0.82, 0.85, 0.9]})
    >>> plot_service_risk(frame, target=0.8).get_title()
    'phone (q50): weekly service level over 4 replications, P(meet) = 75.0%'
    """
    queue = _one(risk_frame, "queue", "risk_frame")
    level = _one(risk_frame, "staff_to", "risk_frame")
    levels = risk_frame["service_level"].to_numpy(dtype=float)
    ok = np.isfinite(levels)
    if target is None and "target_service_level" in risk_frame.columns:
        target = float(np.nanmean(risk_frame["target_service_level"].to_numpy(dtype=float)))
    if "met" in risk_frame.columns:
        meets = risk_frame["met"].to_numpy(dtype=bool)
    else:
        meets = levels >= (target if target is not None else np.inf) - 1e-12
    ax = _axes(ax, figsize=(7, 3.0))
    bins = min(30, max(5, int(np.sqrt(ok.sum())) + 1))
    ax.hist(100 * levels[ok], bins=bins, color="tab:blue", alpha=0.75, label="replications")
    if target is not None:
        ax.axvline(100 * target, color="#d32f2f", lw=2, ls="--", label=f"target {target:.1%}")
    share = float(meets.mean()) if len(meets) else float("nan")
    scope = " ".join(filter(None, [queue, f"({level})" if level else None]))
    ax.set_title(
        f"{scope + ': ' if scope else ''}weekly service level over {int(ok.sum())} "
        f"replications, P(meet) = {share:.1%}"
    )
    ax.set_xlabel("weekly service level [%]")
    ax.set_ylabel("replications")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_tradeoff(tradeoff_frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Cost against P(week meets target) per staffing level, the plan's own highlighted.

    Parameters
    ----------
    tradeoff_frame : pandas.DataFrame
        Rows of one queue (``Plan.tradeoff``): ``staff_to``, ``cost``, ``p_meet`` [fraction],
        optionally ``p_meet_low``/``p_meet_high`` (drawn as error bars), ``level`` (the order)
        and ``reused`` (True on the plan's own roster).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> frame = pd.DataFrame({"queue": "phone", "staff_to": ["q50", "q90"], "level": [0.5, 0.9],
    ...                       "cost": [1000.0, 1200.0], "p_meet": [0.6, 0.95],
    ...                       "reused": [True, False]})
    >>> [t.get_text() for t in plot_tradeoff(frame).texts]
    ['q50 (plan)', 'q90']
    """
    queue = _one(tradeoff_frame, "queue", "tradeoff_frame")
    order = "level" if "level" in tradeoff_frame.columns else "cost"
    rows = tradeoff_frame.sort_values(order, kind="stable")
    cost = rows["cost"].to_numpy(dtype=float)
    p_meet = 100 * rows["p_meet"].to_numpy(dtype=float)
    own = (
        rows["reused"].to_numpy(dtype=bool)
        if "reused" in rows.columns
        else np.zeros(len(rows), bool)
    )
    ax = _axes(ax, figsize=(7, 3.0))
    ax.plot(cost, p_meet, color="0.5", lw=1.0, zorder=1)
    if {"p_meet_low", "p_meet_high"} <= set(rows.columns):
        low = 100 * rows["p_meet_low"].to_numpy(dtype=float)
        high = 100 * rows["p_meet_high"].to_numpy(dtype=float)
        ax.errorbar(cost, p_meet, yerr=np.vstack([p_meet - low, high - p_meet]), fmt="none",
                    ecolor="0.4", capsize=3, lw=1.0, zorder=2)  # fmt: skip
    ax.scatter(cost[~own], p_meet[~own], color="tab:blue", s=30, zorder=3, label="staffed to")
    if own.any():
        ax.scatter(cost[own], p_meet[own], color="#d32f2f", s=70, marker="D", zorder=4,
                   label="this plan")  # fmt: skip
    for x, y, name, mine in zip(cost, p_meet, rows["staff_to"].astype(str), own, strict=True):
        ax.annotate(f"{name} (plan)" if mine else name, (x, y), xytext=(5, -12),
                    textcoords="offset points", fontsize="small")  # fmt: skip
    ax.set_ylim(0, 105)
    ax.set_xlabel("cost of the plan")
    ax.set_ylabel("P(week meets target) [%]")
    ax.set_title(f"{queue + ': ' if queue else ''}cost against the chance of meeting the target")
    ax.legend(loc="lower right", fontsize="small")
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


FIGURE_DPI = 80
"""Resolution of the report's figures [dots per inch]; keeps the example's page under 3 MB."""


def plan_figures(result: Plan) -> dict[str, list[tuple[str, str]]]:
    """The report's figures of a plan as PNG data URIs, per queue.

    For each queue: the history with the forecast and its interval, required against
    scheduled agents, the roster heat map, and, for simulated queues, the simulated service
    level against the target planned for each interval; for queues with risk replications
    (``Plan.risk``, ``Plan.tradeoff`` when present and with rows of the queue), the weekly
    service level over the replications and the cost against P(meet) per staffing level.

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    dict of str to list of (str, str)
        Queue -> ``(figure name, data URI)`` in report order; names are ``"forecast"``,
        ``"coverage"``, ``"roster"``, ``"service-level"``, ``"risk"`` and ``"tradeoff"``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    simulated = set(result.simulation["queue"]) if len(result.simulation) else set()
    figures = {}
    for queue in result.queues:
        rostered = bool((result.coverage["queue"] == queue).any())
        drawings = [("forecast", _forecast_drawing(result), (10, 3.0))]
        if rostered:
            drawings += [
                ("coverage", result.plot_coverage, (10, 3.0)),
                ("roster", result.plot_roster, (10, 2.8)),
            ]
        if queue in simulated:
            drawings.append(("service-level", result.plot_service_level, (10, 3.0)))
        drawings += _risk_drawings(result, queue)
        figures[queue] = []
        for name, draw, size in drawings:
            figure, ax = plt.subplots(figsize=size, layout="constrained")
            draw(queue, ax=ax)
            figures[queue].append((name, figure_to_data_uri(figure, dpi=FIGURE_DPI)))
    return figures


def _forecast_drawing(result: Plan):
    """The plan's forecast plot with concise local date labels."""

    def draw(queue: str, ax: Axes) -> Axes:
        result.plot_forecast(queue, ax=ax)
        times = result.forecast.loc[result.forecast["queue"] == queue, "interval_start"]
        _headroom(ax, 0.25)
        if ax.get_legend() is not None:
            ax.legend(loc="upper left", fontsize="small", ncols=3)
        return date_axis(ax, times)

    return draw


def _frame_of(result: Plan, name: str, queue: str) -> pd.DataFrame | None:
    frame = getattr(result, name, None)
    if not isinstance(frame, pd.DataFrame) or frame.empty or "queue" not in frame.columns:
        return None
    rows = frame[frame["queue"] == queue]
    return rows if len(rows) else None


def _risk_drawings(result: Plan, queue: str) -> list:
    """The risk and trade-off figures of a queue, when the plan has rows of it."""
    risk = _frame_of(result, "risk", queue)
    tradeoff = _frame_of(result, "tradeoff", queue)
    drawings = []
    if risk is not None:
        own = None
        if tradeoff is not None and "reused" in tradeoff.columns:
            mine = tradeoff.loc[tradeoff["reused"].astype(bool), "staff_to"]
            own = str(mine.iloc[0]) if len(mine) else None
        own = own or str(result.config.service.staff_to)
        if "staff_to" in risk.columns:
            levels = risk["staff_to"].astype(str)
            risk = risk[levels == (own if (levels == own).any() else levels.iloc[0])]
        drawings.append(
            ("risk", lambda _q, ax, rows=risk: plot_service_risk(rows, ax=ax), (7, 2.8))
        )
    if tradeoff is not None:
        drawings.append(
            ("tradeoff", lambda _q, ax, rows=tradeoff: plot_tradeoff(rows, ax=ax), (7, 2.8))
        )
    return drawings


def plot_scenarios(
    totals: pd.DataFrame,
    *,
    x: str = "cost",
    y: str = "service_level",
    hue: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A scenario sweep: one point per scenario, ``x`` against ``y``, coloured by ``hue``.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per scenario (:meth:`staffing.scenarios.Sweep.totals`) with columns ``x``,
        ``y``, ``hue`` and optionally ``meets_all`` (the cheapest scenario meeting every target,
        by ``cost``, is ringed).
    x, y : str
        Columns on the axes (e.g. ``cost`` [currency], ``paid_hours`` [h], ``service_level``
        [fraction]).
    hue : str, optional
        Column whose values colour the points (a grid key).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> totals = pd.DataFrame({"cost": [100.0, 120.0], "service_level": [0.78, 0.86],
    ...                        "staff_to": ["q50", "q70"], "meets_all": [False, True]})
    >>> plot_scenarios(totals, hue="staff_to").get_xlabel()
    'cost'
    """
    from matplotlib.ticker import PercentFormatter

    ax = _axes(ax, figsize=(8.5, 4.5))
    for column in (x, y, *([hue] if hue else [])):
        if column not in totals.columns:
            raise ValueError(f"plot_scenarios: no column {column!r}; have {list(totals.columns)}")
    groups = totals.groupby(hue, sort=True, dropna=False) if hue else [(None, totals)]
    for value, part in groups:
        ax.scatter(part[x], part[y], s=22, alpha=0.8, label=None if hue is None else str(value))
    if "meets_all" in totals.columns and "cost" in totals.columns:
        met = totals[totals["meets_all"].astype("boolean").fillna(False).astype(bool)]
        if len(met):
            best = met.loc[met["cost"].idxmin()]
            ax.scatter([best[x]], [best[y]], s=160, facecolors="none", edgecolors="black",
                       label="cheapest meeting\nevery target")  # fmt: skip
    if y in ("service_level", "p_meet_min"):
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{len(totals)} scenarios")
    if hue is not None or "meets_all" in totals.columns:
        ax.legend(title=hue, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return ax
