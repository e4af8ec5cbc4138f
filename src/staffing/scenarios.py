"""What-if sweeps: the plan's steps for a grid of configuration changes, queue by queue.

A planner asks what a chatbot taking 10% more contacts, a handle time 10% longer or staffing to
q80 instead of q50 would cost, and what service it would give. :func:`scenarios` runs the plan's
own steps (:func:`staffing.plan.plan_forecast`: requirements, roster, simulation and, with
``[risk]``, the chance of meeting the weekly target) for every scenario of a grid and every
queue, and returns one tidy row per scenario and queue.

The grid
--------
(:mod:`staffing.scenario_grid`) Keys are dotted paths into the configuration (``service.staff_to``,
``service.channels.phone.aht_seconds``, ``roster.solver.relative_gap``); ``*`` stands for every
key at its level (``service.channels.*.deflection``). Values replace the setting, or change a
number relative to it: ``"x1.1"`` multiplies it, ``"+10%"`` / ``"-10%"`` add or take 10%. A
mapping of keys to lists of values sweeps every combination; a list of mappings gives the
scenarios one by one (a key a scenario leaves out keeps the base setting).

What is reused
--------------
A scenario changes the forecast only through ``[history]``, ``[forecast]`` or the calendar, so
each queue is forecast once per distinct value of those, and every other scenario reuses it.
Staffing to a quantile the forecast does not carry (``staff_to = "q70"`` with quantiles 0.1,
0.5, 0.9) adds that column from the chosen model's own predictive distribution
(:func:`staffing.forecast.quality.add_quantiles`), as the plan's risk trade-off does, instead
of forecasting again. All scenarios share the simulation's seed, so their differences are not
noise of the draws (common random numbers).

A sweep compares each queue's own roster: ``[blending]`` is left out, and the risk check runs at
the scenario's own staff-to level only (no trade-off rosters).

Examples
--------
>>> from staffing.scenarios import expand_grid
>>> expand_grid({"service.staff_to": ["q50", "q90"], "service.channels.*.deflection": [0, 0.2]})
   scenario service.staff_to  service.channels.*.deflection
0         0              q50                              0.0
1         1              q50                              0.2
2         2              q90                              0.0
3         3              q90                              0.2
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.cluster import queue_config
from staffing.errors import ConfigError
from staffing.scenario_grid import (
    GridLike,
    _forecast_key,
    _scenario,
    _settings,
    apply_overrides,
    expand_grid,
    load_grid,
    scenario_config,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from staffing.cluster import QueueSource
    from staffing.config import PlanConfig

__all__ = [
    "RESULT_COLUMNS",
    "Sweep",
    "apply_overrides",
    "expand_grid",
    "load_grid",
    "scenario_config",
    "scenarios",
]

Progress = Callable[[str], None]

#: Columns of :attr:`Sweep.table` after ``scenario``, the grid's keys and ``queue``.
RESULT_COLUMNS = (
    "forecast_contacts",
    "staffed_contacts",
    "required_agent_hours",
    "scheduled_agent_hours",
    "paid_hours",
    "cost",
    "people",
    "fte",
    "service_level",
    "service_level_ci_low",
    "service_level_ci_high",
    "target_service_level",
    "meets_target",
    "asa_seconds",
    "abandonment",
    "p_meet",
    "status",
    "gap",
    "forecast",
)

# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """The result of :func:`scenarios`.

    Attributes
    ----------
    config : PlanConfig
        The base configuration.
    scenarios : pandas.DataFrame
        One row per scenario: ``scenario`` and the value of each key of the grid.
    table : pandas.DataFrame
        One row per scenario and queue: ``scenario``, the grid's keys, ``queue``, then
        :data:`RESULT_COLUMNS`: forecast and staffed contacts in the plan [contacts], required
        and scheduled agent-hours [h], paid hours [h], cost [currency], people and FTE
        (people only with ``roster.contracts``), the simulated service level [fraction] with
        its 95% interval and the weekly target it is judged against (live queues), whether it
        meets it, ASA [s], abandonment [fraction], P(weekly service level >= target) under the
        forecast's uncertainty (with ``[risk]``), solver status and gap, and which forecast the
        scenario used (``forecast``, 0, 1...: equal numbers share one).
    forecasts : int
        Distinct forecasts made per queue (the rest were reused).
    timings : dict
        ``wall`` [s], ``forecast`` and ``scenarios`` [s summed over tasks], ``tasks``.
    """

    config: PlanConfig
    scenarios: pd.DataFrame
    table: pd.DataFrame
    forecasts: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """The grid's keys (the columns that define a scenario)."""
        return [c for c in self.scenarios.columns if c != "scenario"]

    def totals(self) -> pd.DataFrame:
        """One row per scenario: its keys, the sums over queues and the service over them.

        ``service_level`` is the simulated service level of the live queues weighted by their
        staffed contacts, ``meets_all`` whether every simulated queue meets its weekly target,
        and ``p_meet_min`` the lowest chance of meeting it over the queues.

        Examples
        --------
        >>> import pandas as pd
        >>> table = pd.DataFrame({"scenario": [0, 0], "queue": ["a", "b"], "paid_hours": [
        ...     10.0, 5.0], "cost": [200.0, 90.0], "people": [None, None], "fte": [0.3, 0.1],
        ...     "required_agent_hours": [9.0, 5.0], "staffed_contacts": [100.0, 300.0],
        ...     "service_level": [0.9, 0.7], "meets_target": [True, False],
        ...     "p_meet": [None, None]})
        >>> totals = Sweep(None, pd.DataFrame({"scenario": [0]}), table, 1).totals()
        >>> totals[["paid_hours", "cost", "fte", "service_level", "meets_all"]].round(3)
           paid_hours   cost  fte  service_level  meets_all
        0        15.0  290.0  0.4           0.75      False
        """
        rows = []
        for scenario, part in self.table.groupby("scenario", sort=True):
            live = part[part["service_level"].notna()]
            weight = live["staffed_contacts"].to_numpy(float)
            level = live["service_level"].to_numpy(float)
            people = pd.to_numeric(part["people"], errors="coerce")
            met = live["meets_target"].dropna().astype(bool)
            rows.append(
                {
                    "scenario": scenario,
                    "paid_hours": part["paid_hours"].sum(),
                    "cost": part["cost"].sum(),
                    "people": people.sum() if people.notna().any() else math.nan,
                    "fte": part["fte"].sum(),
                    "required_agent_hours": part["required_agent_hours"].sum(),
                    "service_level": float(np.sum(weight * level) / np.sum(weight))
                    if len(live) and np.sum(weight) > 0
                    else math.nan,
                    "meets_all": bool(met.all()) if len(met) else None,
                    "p_meet_min": pd.to_numeric(part["p_meet"], errors="coerce").min(),
                }
            )
        frame = pd.DataFrame(rows)
        return self.scenarios.merge(frame, on="scenario", how="right")

    def plot(
        self,
        x: str = "cost",
        y: str = "service_level",
        hue: str | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Each scenario as a point, ``x`` against ``y`` of :meth:`totals`, coloured by ``hue``.

        ``hue`` defaults to the first key of the grid with more than one value. The cheapest
        scenario meeting every simulated target is ringed.
        """
        from staffing.plot import plot_scenarios

        totals = self.totals()
        if hue is None:
            varied = [k for k in self.keys if totals[k].nunique(dropna=False) > 1]
            hue = varied[0] if varied else None
        return plot_scenarios(totals, x=x, y=y, hue=hue, ax=ax)

    def write(self, path: str | Path, *, force: bool = False) -> Path:
        """Write :attr:`table` as CSV to ``path``; an existing file only with ``force``."""
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path}: exists; give force=True (--force) to replace it")
        self.table.to_csv(path, index=False)
        return path


def scenarios(
    history: pd.DataFrame | str | Path | QueueSource,
    config: PlanConfig,
    grid: GridLike,
    *,
    client: Any = None,
    progress: Progress | None = None,
) -> Sweep:
    """Run the plan's steps for every scenario of ``grid`` and every queue.

    Parameters
    ----------
    history : pandas.DataFrame, path or QueueSource
        As for :func:`staffing.plan.plan`.
    config : PlanConfig
        The base configuration every scenario changes.
    grid : mapping, sequence of mappings or pandas.DataFrame
        The scenarios (:func:`expand_grid`; keys and values as the module describes).
    client : dask.distributed.Client, optional
        Run the forecasts (one per queue and distinct forecast) and the scenarios (one task per
        scenario and queue) on this cluster; only the rows come back. Default: in-process.
    progress : callable, optional
        Called with a line per forecast and per finished task.

    Returns
    -------
    Sweep

    Raises
    ------
    staffing.errors.ConfigError
        A grid key that names no setting or a value that makes the configuration invalid
        (naming the scenario and key), before any forecast is made.

    Examples
    --------
    >>> from staffing.datasets import load_example, load_example_config
    >>> from staffing.config import PlanConfig
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> sweep = scenarios(load_example(), config, {"service.staff_to": ["q50", "q90"]})
    ... # doctest: +SKIP
    >>> sweep.totals()[["service.staff_to", "paid_hours", "service_level"]]  # doctest: +SKIP
    """
    from staffing.cluster import spread_history
    from staffing.horizon import plan_horizon

    say = progress or (lambda _message: None)
    started = time.perf_counter()
    table = expand_grid(grid)
    keys = [c for c in table.columns if c != "scenario"]
    read_once = [k for k in keys if k.split(".")[0] in ("history", "*")]
    if read_once:
        raise ConfigError(
            f"grid: {read_once[0]}: the history is read once for the whole sweep, with the base "
            "[history] settings; sweep [forecast], [service], [roster], [simulation] or [risk] "
            "keys, or run one sweep per history setting"
        )
    settings = [_settings(row, keys) for row in table.to_dict("records")]
    made = [_scenario(config, values) for values in settings]
    variants: dict[str, int] = {}
    variant_of = [variants.setdefault(_forecast_key(c, q), len(variants)) for c, q in made]
    say(f"scenarios: {len(table)} scenario(s), {len(variants)} distinct forecast(s) per queue")
    spread = spread_history(history, config, client, say)
    forecast_configs = {}
    for (cfg, quantiles), variant in zip(made, variant_of, strict=True):
        if variant not in forecast_configs:
            own = cfg.model_copy(
                update={"forecast": cfg.forecast.model_copy(update={"quantiles": quantiles})}
            )
            forecast_configs[variant] = (own, plan_horizon(spread.recent, own))
    jobs = [
        (q, int(row["scenario"]), variant_of[i], made[i][0], {k: row[k] for k in keys})
        for i, row in enumerate(table.to_dict("records"))
        for q in spread.queues
    ]
    run = _run_on_cluster if client is not None else _run_here
    rows, timings = run(spread, forecast_configs, jobs, client, say)
    order = {q: i for i, q in enumerate(spread.queues)}
    result = pd.DataFrame(rows).sort_values(
        ["scenario", "queue"], key=lambda c: c.map(order) if c.name == "queue" else c
    )
    result = result.reset_index(drop=True)
    timings["wall"] = round(time.perf_counter() - started, 3)
    return Sweep(config, table, result, len(variants), timings)


def _run_here(
    spread: Any, forecast_configs: dict, jobs: list, client: Any, say: Progress
) -> tuple[list[dict], dict[str, float]]:
    """Forecast each queue once per variant, then every scenario, in this process."""
    rows, timings = [], {"forecast": 0.0, "scenarios": 0.0, "tasks": len(jobs)}
    forecasts: dict[tuple[str, int], Any] = {}
    for queue, scenario, variant, cfg, values in jobs:
        if (queue, variant) not in forecasts:
            own, horizon = forecast_configs[variant]
            done = _forecast_queue(spread.inputs[queue], queue_config(own, queue), horizon)
            forecasts[queue, variant] = done
            timings["forecast"] += done.seconds
            say(f"[{queue}] forecast {variant}: {done.seconds:.1f} s")
        recent = spread.recent_of(queue)
        done = _scenario_queue(recent, forecasts[queue, variant], queue_config(cfg, queue))
        rows.append(_row(scenario, values, queue, variant, done.part))
        timings["scenarios"] += done.seconds
        say(f"[scenario {scenario}, {queue}] done: {done.seconds:.1f} s ({len(rows)}/{len(jobs)})")
    return rows, timings


def _run_on_cluster(
    spread: Any, forecast_configs: dict, jobs: list, client: Any, say: Progress
) -> tuple[list[dict], dict[str, float]]:
    """The forecasts as tasks, each scenario as a task on its forecast; rows come back."""
    from staffing.cluster import gather_tasks

    run = uuid.uuid4().hex[:8]
    forecasts = {}
    for queue, _, variant, _, _ in jobs:
        if (queue, variant) not in forecasts:
            own, horizon = forecast_configs[variant]
            forecasts[queue, variant] = client.submit(
                _forecast_queue,
                spread.inputs[queue],
                queue_config(own, queue),
                horizon,
                key=f"staffing-forecast-{queue}-{variant}-{run}",
            )
    # the recent history is all a scenario's summary reads; it travels with the task
    recent = {queue: spread.recent_of(queue) for queue in spread.queues}
    futures, meta = {}, {}
    for queue, scenario, variant, cfg, values in jobs:
        label = f"scenario {scenario}, {queue}"
        future = client.submit(
            _scenario_queue,
            recent[queue],
            forecasts[queue, variant],
            queue_config(cfg, queue),
            key=f"staffing-scenario-{scenario}-{queue}-{run}",
        )
        futures[future], meta[label] = label, (scenario, values, queue, variant)
    say(f"cluster: {len(forecasts)} forecast and {len(futures)} scenario task(s) submitted")
    rows, timings = [], {"scenarios": 0.0, "tasks": len(futures)}
    for label, done in gather_tasks(futures, client, say):
        scenario, values, queue, variant = meta[label]
        rows.append(_row(scenario, values, queue, variant, done.part))
        timings["scenarios"] += done.seconds
    return rows, timings


def _forecast_queue(
    history: pd.DataFrame, config: PlanConfig, horizon: tuple[pd.Timestamp, pd.Timestamp]
) -> Any:
    """One queue's forecast for the plan's days, and its model selection (a task)."""
    from staffing.cluster import TaskResult, worker_address
    from staffing.plan import _forecast

    started = time.perf_counter()
    messages: list[str] = []
    forecast, selection, notes = _forecast(history, config, messages.append, horizon)
    queue = next(iter(config.service.channels))
    seconds = time.perf_counter() - started
    return TaskResult(queue, (forecast, selection), messages + notes, worker_address(), seconds)


def _scenario_queue(history: pd.DataFrame, forecast: Any, config: PlanConfig) -> Any:
    """One scenario of one queue: the plan's steps after the forecast, summarised (a task).

    ``forecast`` is the :class:`staffing.cluster.TaskResult` of :func:`_forecast_queue`.
    """
    from staffing.cluster import TaskResult, worker_address
    from staffing.forecast.quality import add_quantiles
    from staffing.plan import forecast_uncertainty, plan_forecast

    started = time.perf_counter()
    frame, selection = forecast.part
    queue = next(iter(config.service.channels))
    staff_to = config.service.staff_to
    if staff_to != "volume" and staff_to not in frame.columns:
        dispersion = forecast_uncertainty(selection, config)
        if queue not in dispersion:
            raise ConfigError(
                f"service.staff_to: {staff_to!r} is not a column of the forecast of {queue!r} "
                "and its model gives no predictive distribution to add it from; add the level "
                "to forecast.quantiles"
            )
        frame = add_quantiles(frame, {queue: dispersion[queue][0]}, [float(staff_to[1:]) / 100])
    part = plan_forecast(history, frame, selection, config, lambda _m: None, {}, blend=False)
    figures = _figures(part, queue)
    return TaskResult(queue, figures, [], worker_address(), time.perf_counter() - started)


def _figures(part: Any, queue: str) -> dict[str, Any]:
    """The row of one scenario and queue, from the plan's own summary."""
    from staffing.blend_check import weighted_target

    numbers = part.summary()["queues"][queue]
    own = part.requirements[part.requirements["queue"] == queue]
    staffed = float(np.where(own["open"], own["volume_staffed"], 0.0).sum())
    simulated = numbers.get("simulated") or {}
    level = simulated.get("service_level")
    low, high = simulated.get("service_level_ci") or (None, None)
    target = weighted_target(own.groupby("interval_start", sort=True).first()) if level else None
    risk = numbers.get("risk") or {}
    headcount = numbers.get("headcount") or []
    people = sum(row["headcount"] for row in headcount) if headcount else None
    fte = sum(row["fte"] for row in headcount) if headcount else None
    if fte is None and numbers.get("paid_hours") is not None:
        weeks = part.config.forecast.horizon_days / 7.0  # the plan's length [weeks]
        fte = numbers["paid_hours"] / part.config.roster.full_time_hours_per_week / weeks
    return {
        "forecast_contacts": numbers.get("forecast_contacts"),
        "staffed_contacts": staffed,
        "required_agent_hours": numbers.get("required_agent_hours"),
        "scheduled_agent_hours": numbers.get("scheduled_agent_hours"),
        "paid_hours": numbers.get("paid_hours"),
        "cost": numbers.get("cost"),
        "people": people,
        "fte": fte,
        "service_level": level,
        "service_level_ci_low": low,
        "service_level_ci_high": high,
        "target_service_level": target,
        "meets_target": None if level is None or target is None else bool(level >= target),
        "asa_seconds": simulated.get("asa_seconds"),
        "abandonment": simulated.get("abandonment"),
        "p_meet": risk.get("p_meet"),
        "status": numbers.get("status"),
        "gap": numbers.get("gap"),
    }


def _row(
    scenario: int, values: dict[str, Any], queue: str, variant: int, figures: dict[str, Any]
) -> dict[str, Any]:
    return {"scenario": scenario, **values, "queue": queue, **figures, "forecast": variant}
