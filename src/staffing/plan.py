"""The planner's pipeline: history → forecast → requirements → roster → simulation → report.

:func:`plan` runs every step of a :class:`staffing.config.PlanConfig` and returns a frozen
:class:`Plan` holding each step's tidy result; ``staffing plan`` is a thin shell around it, so
the command line and the library give the same numbers.

How the steps join
------------------
1. **History** is read and validated by :func:`staffing.io.read_history` (or taken as a tidy
   frame), one series per queue.
2. **Forecast**: :func:`staffing.forecast.forecast` for ``forecast.horizon_days`` after the end
   of the history, with quantiles.
3. **Requirements**: :func:`staffing.requirements.requirements` turns the quantile named by
   ``service.staff_to`` into productive and scheduled agents per interval, queue and tier.
4. **Roster**: one roster per queue (a team per channel), covering the queue's scheduled agents
   summed over its tiers, built by :func:`staffing.roster.build_roster`. When the roster grid
   is finer than the plan's interval, each requirement is repeated on the finer grid.
5. **Simulation** of each queue answered live (voice and chat, without tiers): the roster's
   coverage times one minus the interval's shrinkage gives the productive agents (times the
   concurrency for chat), which :func:`staffing.simulate.simulate` runs against the staffed
   volume (after the quantile choice and deflection; none in closed bands). Deferred work
   is checked by its backlog model in the requirements step and is not simulated.

Examples
--------
>>> from staffing.plan import plan
>>> from staffing.config import PlanConfig
>>> from staffing.datasets import load_example, load_example_config
>>> config = PlanConfig.from_toml(load_example_config())
>>> config = config.model_copy(update={"forecast": config.forecast.model_copy(
...     update={"model": "seasonal_naive_week", "horizon_days": 2})})
>>> result = plan(load_example(), config)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.errors import ConfigError, DataError
from staffing.io import floor_to_interval
from staffing.output import OUTPUT_FILES, check_output_dir, write_plan

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from staffing.config import PlanConfig

__all__ = ["OUTPUT_FILES", "Plan", "check_output_dir", "plan", "write_plan"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """The result of :func:`plan`: every step's tidy output and the headline numbers.

    Attributes
    ----------
    config : PlanConfig
        The configuration that produced the plan.
    history : pandas.DataFrame
        Validated history (``interval_start``, ``queue``, ``volume`` [contacts per interval]).
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``volume`` and quantile columns [contacts per interval].
    model_selection : pandas.DataFrame
        Backtest scores of the candidate models by queue (empty when the model was fixed).
    requirements : pandas.DataFrame
        Agents per interval, queue and tier (see :func:`staffing.requirements.requirements`).
    roster : pandas.DataFrame
        One row per shift group: ``queue``, ``start``, ``end``, ``agents``, ``breaks``.
    coverage : pandas.DataFrame
        ``queue``, ``interval_start``, ``required``, ``scheduled``, ``shortfall`` [agents].
    simulation : pandas.DataFrame
        Simulated service per interval and queue, with confidence bounds.
    solver : pandas.DataFrame
        One row per queue: solver status, objective, bound, gap, time, model size.
    timings : dict
        Wall time of each step [s].
    """

    config: PlanConfig
    history: pd.DataFrame
    forecast: pd.DataFrame
    model_selection: pd.DataFrame
    requirements: pd.DataFrame
    roster: pd.DataFrame
    coverage: pd.DataFrame
    simulation: pd.DataFrame
    solver: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def queues(self) -> list[str]:
        """Queue names of the plan, in forecast order."""
        return list(dict.fromkeys(self.forecast["queue"]))

    def summary(self) -> dict[str, Any]:
        """Headline numbers: per queue and in total (JSON-ready).

        Returns
        -------
        dict
            ``horizon`` (first and last interval), ``queues`` (per queue: forecast contacts,
            peak scheduled agents, required and scheduled agent-hours, their ratio, paid hours,
            cost, understaffed intervals, solver status and gap, simulated service level with
            its confidence interval and the target), ``totals`` and ``timings_seconds``.
        """
        return _summary(self)

    def plot_forecast(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """History and forecast with its outermost quantile band for one queue."""
        from staffing.forecast.plot import plot_forecast

        queue = queue or self.queues[0]
        part = self.forecast[self.forecast["queue"] == queue].set_index("interval_start")
        return plot_forecast(self.history, part, ax=ax, history_days=21)

    def plot_coverage(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Required against scheduled agents by interval for one queue."""
        from staffing.plot import plot_coverage

        queue = queue or self.queues[0]
        frame = self.coverage[self.coverage["queue"] == queue]
        return plot_coverage(frame, title=f"{queue}: required and scheduled agents", ax=ax)

    def plot_roster(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Scheduled agents of one queue as a day-by-time heat map."""
        from staffing.plot import plot_roster_heatmap

        queue = queue or self.queues[0]
        frame = self.coverage[self.coverage["queue"] == queue]
        return plot_roster_heatmap(frame, title=f"{queue}: scheduled agents", ax=ax)

    def plot_service_level(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Simulated service level by interval for one simulated queue, against its target."""
        from staffing.plot import plot_service_level

        simulated = list(dict.fromkeys(self.simulation["queue"])) if len(self.simulation) else []
        if not simulated:
            raise ValueError("no queue of this plan was simulated")
        queue = queue or simulated[0]
        if queue not in simulated:
            raise ValueError(f"queue {queue!r} was not simulated; simulated: {simulated}")
        frame = self.simulation[self.simulation["queue"] == queue]
        target = _channel_target(self.config, queue)
        level = None if target is None else target.service_level
        return plot_service_level(
            frame, target=level, title=f"{queue}: simulated service level", ax=ax
        )

    def write(self, directory: str | Path, *, force: bool = False) -> Path:
        """Write every output file into ``directory`` (see :func:`write_plan`)."""
        return write_plan(self, directory, force=force)


def plan(
    history: pd.DataFrame | str | Path,
    config: PlanConfig,
    *,
    progress: Progress | None = None,
) -> Plan:
    """Run the whole pipeline: forecast, requirements, rosters and the simulation check.

    Parameters
    ----------
    history : pandas.DataFrame or path
        Tidy history (``interval_start`` tz-aware, ``queue``, ``volume``) or a file for
        :func:`staffing.io.read_history` (read with the ``[history]`` settings).
    config : PlanConfig
        The validated configuration.
    progress : callable, optional
        Called with a short message as each step starts and ends (e.g. ``print``).

    Returns
    -------
    Plan

    Raises
    ------
    staffing.errors.DataError
        Bad history (names the file, column and row).
    staffing.errors.ConfigError
        A queue without a channel, or other configuration problems (names the key).
    staffing.errors.InfeasibleError
        Shift rules that cannot cover the requirements (names the intervals or rules).
    """
    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    with _step("history", say, timings):
        frame = _read_history(history, config)
    with _step("forecast", say, timings):
        forecast_frame, selection, notes = _forecast(frame, config)
        for queue, (model, score) in _chosen_models(selection).items():
            say(f"forecast: {queue}: model {model} (validation MASE {score:.3f})")
        for note in notes:
            say(f"forecast: note: {note}")
    with _step("requirements", say, timings):
        needed = _requirements(forecast_frame, config)
    with _step("roster", say, timings):
        roster, coverage, solver = _rosters(needed, config, say)
    with _step("simulation", say, timings):
        simulation = _simulate(needed, coverage, config, say)
    return Plan(
        config=config,
        history=frame,
        forecast=forecast_frame,
        model_selection=selection,
        requirements=needed,
        roster=roster,
        coverage=coverage,
        simulation=simulation,
        solver=solver,
        timings=timings,
    )


class _step:
    """Time a pipeline step and report its start and end."""

    def __init__(self, name: str, say: Progress, timings: dict[str, float]) -> None:
        self.name, self.say, self.timings = name, say, timings

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        self.say(f"{self.name}: started")

    def __exit__(self, kind: object, *_: object) -> None:
        elapsed = time.perf_counter() - self.started
        self.timings[self.name] = round(elapsed, 3)
        if kind is None:
            self.say(f"{self.name}: done in {elapsed:.1f} s")


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def _read_history(history: pd.DataFrame | str | Path, config: PlanConfig) -> pd.DataFrame:
    from staffing.io import read_history

    settings = config.history
    return read_history(
        history,
        timestamp_column=settings.timestamp_column,
        count_column=settings.count_column,
        queue_column=settings.queue_column,
        tz=settings.tz,
        interval_minutes=settings.interval_minutes,
    )


def _forecast(
    history: pd.DataFrame, config: PlanConfig
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    from staffing.forecast import Forecaster

    settings = config.forecast
    calendar = config.service.calendar
    model = Forecaster(
        model=settings.model,
        country=settings.country or calendar.country,
        subdiv=settings.subdiv or calendar.subdiv,
        events=[event.model_dump() for event in settings.events],
        quantiles=settings.quantiles,
    )
    model.fit(history)
    predicted = model.predict(horizon_days=settings.horizon_days)
    frame = predicted.reset_index() if "interval_start" not in predicted.columns else predicted
    selection = getattr(model, "selection_", None)
    selection = pd.DataFrame() if selection is None else pd.DataFrame(selection).reset_index()
    return frame.reset_index(drop=True), selection, list(getattr(model, "notes_", []))


def _chosen_models(selection: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Queue -> (model, validation MASE) of the selected models, when a selection ran."""
    if selection.empty or not {"queue", "model", "mase", "selected"} <= set(selection.columns):
        return {}
    chosen = selection[selection["selected"].astype(bool)]
    return {row.queue: (row.model, float(row.mase)) for row in chosen.itertuples()}


def _requirements(forecast: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    from staffing.requirements import requirements

    service = config.service
    missing = sorted(set(forecast["queue"]) - set(service.channels))
    if missing:
        raise ConfigError(
            f"service.channels: no channel for queue(s) {missing} of the history; "
            f"channels given: {sorted(service.channels)}"
        )
    queues = list(dict.fromkeys(forecast["queue"]))
    try:
        return requirements(
            forecast,
            {q: service.channels[q] for q in queues},
            staff_to=service.staff_to,
            interval_minutes=config.history.interval_minutes,
            country=service.calendar.country,
            subdiv=service.calendar.subdiv,
            weekend=service.calendar.weekend,
            extra_holidays=service.calendar.extra_holidays,
        )
    except ConfigError as err:  # the requirements name keys from "channels."
        text = str(err)
        raise ConfigError(f"service.{text}" if text.startswith("channels.") else text) from None


def _queue_requirements(needed: pd.DataFrame, queue: str, step_minutes: int) -> pd.DataFrame:
    """Scheduled agents of one queue summed over tiers, on the roster grid."""
    own = needed[needed["queue"] == queue]
    total = own.groupby("interval_start", sort=True)["scheduled"].sum().rename("required")
    plan_step = _grid_minutes(total.index)
    if step_minutes == plan_step:
        return total.reset_index()
    if step_minutes > plan_step or plan_step % step_minutes:
        raise ConfigError(
            f"roster.interval_minutes: {step_minutes} min does not divide the plan's "
            f"interval of {plan_step} min (history.interval_minutes); use a divisor of it"
        )
    parts = plan_step // step_minutes
    starts = np.repeat(total.index.to_numpy(), parts)
    offsets = np.tile(np.arange(parts) * pd.Timedelta(step_minutes, unit="min"), len(total))
    index = pd.DatetimeIndex(starts).tz_localize("UTC").tz_convert(total.index.tz) + offsets
    return pd.DataFrame({"interval_start": index, "required": np.repeat(total.to_numpy(), parts)})


def _grid_minutes(index: pd.DatetimeIndex) -> int:
    if len(index) < 2:
        raise DataError("the forecast has fewer than two intervals; nothing to roster")
    ordered = index.sort_values()
    steps = ordered[1:] - ordered[:-1]
    return int(steps.min().total_seconds() // 60)


def _rosters(
    needed: pd.DataFrame, config: PlanConfig, say: Progress
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from staffing.roster import SolverOptions, build_roster

    rules = config.roster
    options = SolverOptions(
        solver=rules.solver.solver,
        time_limit_seconds=rules.solver.time_limit_seconds,
        relative_gap=rules.solver.relative_gap,
        threads=rules.solver.threads,
        seed=rules.solver.seed,
    )
    shift_rules = _shift_rules(config)
    rosters, coverages, solves = [], [], []
    for queue in dict.fromkeys(needed["queue"]):
        req = _queue_requirements(needed, queue, rules.interval_minutes)
        if req["required"].sum() == 0:
            say(f"roster: {queue}: nothing required")
            continue
        say(f"roster: {queue}: solving ({len(req)} intervals)")
        result = build_roster(req, shift_rules, options=options)
        rosters.append(result.roster.assign(queue=queue))
        coverages.append(result.coverage.assign(queue=queue))
        figures = result.summary.to_dict()
        solve = figures.pop("solver")
        figures.pop("assignment", None)
        solves.append({"queue": queue, **figures, **solve})
        say(f"roster: {queue}: {solve['status']}, gap {_percent(solve['gap'])}")
    roster = _stack(rosters, ["queue", "start", "end", "agents", "breaks"])
    coverage = _stack(coverages, ["queue", "interval_start", "required", "scheduled", "shortfall"])
    return roster, coverage, pd.DataFrame(solves)


def _shift_rules(config: PlanConfig) -> Any:
    from staffing.roster import ShiftRules

    data = config.roster.model_dump(exclude={"solver"})
    return ShiftRules.model_validate(data)


def _stack(frames: list[pd.DataFrame], first: list[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=first)
    frame = pd.concat(frames, ignore_index=True)
    return frame[first + [c for c in frame.columns if c not in first]]


def _percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


def _simulated_queues(config: PlanConfig) -> list[str]:
    return [
        name
        for name, channel in config.service.channels.items()
        if channel.kind in ("voice", "chat") and not channel.tiers
    ]


def _simulate(
    needed: pd.DataFrame, coverage: pd.DataFrame, config: PlanConfig, say: Progress
) -> pd.DataFrame:
    settings = config.simulation
    if not settings.enabled or coverage.empty:
        return pd.DataFrame(columns=["queue", "interval_start"])
    from staffing.simulate import simulate

    frames = []
    for queue in _simulated_queues(config):
        own = needed[(needed["queue"] == queue)]
        if own.empty:
            continue
        channel = config.service.channels[queue]
        staffing = _productive_agents(own, coverage[coverage["queue"] == queue], channel)
        # closed bands take no contacts (they go to voicemail or self-service)
        forecast = pd.DataFrame(
            {
                "interval_start": own["interval_start"].to_numpy(),
                "volume": np.where(own["open"], own["volume_staffed"], 0.0),
            }
        )
        target = _channel_target(config, queue)
        threshold = _threshold_seconds(target)
        say(f"simulation: {queue}: {settings.replications} replications")
        result = simulate(
            staffing,
            forecast,
            aht_seconds=channel.aht_seconds,
            target_seconds=threshold,
            handle_time=settings.handle_time,
            cv=settings.handle_time_cv if settings.handle_time == "lognormal" else 1.0,
            patience_seconds=channel.patience_seconds,
            replications=settings.replications,
            seed=settings.seed,
        )
        frames.append(result.intervals.assign(queue=queue, target_seconds=threshold))
    return _stack(frames, ["queue", "interval_start"])


def _productive_agents(own: pd.DataFrame, coverage: pd.DataFrame, channel: Any) -> pd.DataFrame:
    """Agents on contacts per plan interval: scheduled coverage times (1 - shrinkage)."""
    scheduled = coverage.set_index("interval_start")["scheduled"]
    plan_index = pd.DatetimeIndex(own["interval_start"])
    # the roster grid may be finer: take the fewest agents inside each plan interval
    starts = floor_to_interval(scheduled.index.to_series(), _grid_minutes(plan_index))
    on_grid = scheduled.groupby(pd.DatetimeIndex(starts)).min()
    on_grid = on_grid.reindex(plan_index, fill_value=0).to_numpy()
    shrinkage = own["shrinkage"].to_numpy(dtype=float)
    productive = np.floor(on_grid * (1.0 - shrinkage) + 1e-9).astype(int)
    return pd.DataFrame(
        {"interval_start": plan_index, "agents": productive * int(channel.concurrency)}
    )


def _channel_target(config: PlanConfig, queue: str) -> Any:
    channel = config.service.channels.get(queue)
    return None if channel is None else channel.target


def _threshold_seconds(target: Any) -> float:
    if target is None:
        return 20.0
    if target.within_seconds is not None:
        return float(target.within_seconds)
    if target.asa_seconds is not None:
        return float(target.asa_seconds)
    return 20.0


# --------------------------------------------------------------------------------------------
# Summary and output
# --------------------------------------------------------------------------------------------


def _summary(result: Plan) -> dict[str, Any]:
    forecast = result.forecast
    step_hours = _grid_minutes(pd.DatetimeIndex(forecast["interval_start"].unique())) / 60.0
    queues = {}
    for queue in result.queues:
        queues[queue] = _queue_summary(result, queue, step_hours)
    totals = {
        key: round(sum(q.get(key) or 0.0 for q in queues.values()), 3)
        for key in (
            "forecast_contacts",
            "required_agent_hours",
            "scheduled_agent_hours",
            "paid_hours",
            "cost",
        )
    }
    required = totals["required_agent_hours"]
    totals["scheduled_to_required"] = (
        round(totals["scheduled_agent_hours"] / required, 4) if required else None
    )
    return {
        "horizon": {
            "first_interval": forecast["interval_start"].min().isoformat(),
            "last_interval": forecast["interval_start"].max().isoformat(),
            "interval_minutes": int(step_hours * 60),
            "staff_to": result.config.service.staff_to,
        },
        "queues": queues,
        "totals": totals,
        "timings_seconds": dict(result.timings),
    }


def _queue_summary(result: Plan, queue: str, step_hours: float) -> dict[str, Any]:
    fc = result.forecast[result.forecast["queue"] == queue]
    cov = result.coverage[result.coverage["queue"] == queue]
    roster_hours = _roster_step_hours(cov)
    chosen = _chosen_models(result.model_selection).get(queue)
    out: dict[str, Any] = {
        "forecast_contacts": round(float(fc["volume"].sum()), 1),
        "forecast_model": chosen[0] if chosen else result.config.forecast.model,
        "forecast_validation_mase": round(chosen[1], 4) if chosen else None,
        "target": _describe(result.config, queue),
        "peak_scheduled_required": int(cov["required"].max()) if len(cov) else 0,
        "required_agent_hours": round(float(cov["required"].sum()) * roster_hours, 2),
        "scheduled_agent_hours": round(float(cov["scheduled"].sum()) * roster_hours, 2),
        "understaffed_intervals": int((cov["shortfall"] > 0).sum()) if len(cov) else 0,
        "shortfall_agent_intervals": int(cov["shortfall"].sum()) if len(cov) else 0,
    }
    required = out["required_agent_hours"]
    out["scheduled_to_required"] = (
        round(out["scheduled_agent_hours"] / required, 4) if required else None
    )
    solve = result.solver[result.solver["queue"] == queue] if len(result.solver) else None
    if solve is not None and len(solve):
        row = solve.iloc[0].to_dict()
        for key in (
            "status",
            "objective",
            "best_bound",
            "gap",
            "solve_seconds",
            "paid_hours",
            "cost",
        ):
            if key in row:
                out[key] = _json_value(row[key])
    sim = result.simulation
    if len(sim) and queue in set(sim["queue"]):
        target = _channel_target(result.config, queue)
        level = None if target is None else target.service_level
        out["simulated"] = _simulated_summary(sim[sim["queue"] == queue], level)
    return out


def _roster_step_hours(coverage: pd.DataFrame) -> float:
    if len(coverage) < 2:
        return 1.0
    return _grid_minutes(pd.DatetimeIndex(coverage["interval_start"])) / 60.0


def _simulated_summary(sim: pd.DataFrame, target_level: float | None) -> dict[str, Any]:
    """Offered-weighted simulated service level and ASA over the horizon."""
    offered = sim["offered"].to_numpy(dtype=float)
    level = sim["service_level"].to_numpy(dtype=float)
    asa = sim["asa_seconds"].to_numpy(dtype=float)
    ok = np.isfinite(level) & (offered > 0)
    weight = offered[ok].sum()
    out: dict[str, Any] = {
        "service_level": round(float(np.sum(level[ok] * offered[ok]) / weight), 4)
        if weight
        else None,
        "target_seconds": float(sim["target_seconds"].iloc[0]),
        "target_service_level": target_level,
    }
    answered = ok & np.isfinite(asa)
    out["asa_seconds"] = (
        round(float(np.sum(asa[answered] * offered[answered]) / offered[answered].sum()), 2)
        if answered.any()
        else None
    )
    if target_level is not None:
        out["intervals_below_target"] = int(np.sum(level[ok] < target_level))
        out["intervals_with_contacts"] = int(ok.sum())
    return out


def _describe(config: PlanConfig, queue: str) -> str:
    channel = config.service.channels[queue]
    if channel.tiers:
        return ", ".join(f"{t.name} {t.target.describe()}" for t in channel.tiers)
    return channel.target.describe() if channel.target is not None else ""


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
