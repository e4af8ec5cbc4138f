"""The plan's per-queue steps: staffed requirements, one roster per queue, the live simulation.

:func:`staffing.plan.plan` runs them in order; the risk check (:mod:`staffing.tradeoff`) runs
the same steps again at other staff-to quantiles, so a trade-off row is computed by exactly the
code that made the plan.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.bands import TARGET_COLUMNS
from staffing.errors import ConfigError
from staffing.summary import meets_target
from staffing.timegrid import TimeGrid

if TYPE_CHECKING:
    from collections.abc import Callable

    from staffing.config import PlanConfig

    Progress = Callable[[str], None]

__all__ = [
    "build_rosters",
    "productive_agents",
    "queue_requirements",
    "shift_rules",
    "simulate_live",
    "simulated_queues",
    "stack",
    "staffed_requirements",
]


def staffed_requirements(
    forecast: pd.DataFrame, config: PlanConfig, grid: TimeGrid
) -> pd.DataFrame:
    """Agents per interval, queue and tier for the forecast's queues, staffed to
    ``service.staff_to`` (:func:`staffing.requirements.requirements`); errors name the
    ``service.`` key."""
    from staffing.requirements import requirements

    service = config.service
    queues = list(dict.fromkeys(forecast["queue"]))
    own = service.model_copy(update={"channels": {q: service.channels[q] for q in queues}})
    try:
        return requirements(forecast, own, interval_minutes=grid.interval_minutes)
    except ConfigError as err:  # the requirements name keys from "channels."
        text = str(err)
        raise ConfigError(f"service.{text}" if text.startswith("channels.") else text) from None


def queue_requirements(
    needed: pd.DataFrame, queue: str, plan_step: int, step_minutes: int
) -> pd.DataFrame:
    """Scheduled agents of one queue summed over tiers, on the roster grid."""
    from staffing.roster.model import split_intervals

    own = needed[needed["queue"] == queue]
    total = own.groupby("interval_start", sort=True)["scheduled"].sum().rename("required")
    if step_minutes == plan_step:
        return total.reset_index()
    return split_intervals(total.reset_index(), plan_step, step_minutes)


def build_rosters(
    needed: pd.DataFrame, config: PlanConfig, grid: TimeGrid, say: Progress
) -> tuple[pd.DataFrame, ...]:
    """One roster per queue: roster, coverage, solver figures, lines and headcount frames."""
    from staffing.roster import SolverOptions, build_roster

    rules = config.roster
    options = SolverOptions(**rules.solver.model_dump())
    rules_of_shifts = shift_rules(config)
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in ("roster", "coverage", "lines", "hc")}
    solves = []
    for queue in dict.fromkeys(needed["queue"]):
        req = queue_requirements(needed, queue, grid.interval_minutes, rules.interval_minutes)
        if req["required"].sum() == 0:
            say(f"roster: {queue}: nothing required")
            continue
        say(f"roster: {queue}: solving ({len(req)} intervals)")
        result = build_roster(req, rules_of_shifts, options=options)
        parts["roster"].append(result.roster.assign(queue=queue))
        parts["coverage"].append(result.coverage.assign(queue=queue))
        if result.lines is not None:
            parts["lines"].append(result.lines.assign(queue=queue))
            parts["hc"].append(result.headcount.assign(queue=queue))
        figures = result.summary.to_dict()
        solve = figures.pop("solver")
        figures.pop("assignment", None)
        solves.append({"queue": queue, **figures, **solve})
        say(f"roster: {queue}: {solve['status']}, gap {percent(solve['gap'])}")
        if result.summary.shifts == 0:
            say(
                f"roster: {queue}: warning: nobody is scheduled (the solver found no roster "
                f"within its time limit of {options.time_limit_seconds} s, or staffing costs "
                "more than the shortfall penalty); raise roster.solver.time_limit_seconds or "
                "roster.understaffing_per_agent_interval"
            )
        for row in figures.get("headcount") or []:
            say(
                f"roster: {queue}: {row['contract']}: {row['headcount']} people, "
                f"FTE {row['fte']:.1f}"
            )
    return (
        stack(parts["roster"], ["queue", "start", "end", "agents", "breaks"]),
        stack(
            parts["coverage"], ["queue", "interval_start", "required", "scheduled", "shortfall"]
        ),
        pd.DataFrame(solves),
        stack(parts["lines"], ["queue", "line"]) if parts["lines"] else pd.DataFrame(),
        stack(parts["hc"], ["queue", "contract"]) if parts["hc"] else pd.DataFrame(),
    )


def shift_rules(config: PlanConfig) -> Any:
    """The roster section as :class:`staffing.roster.ShiftRules` (without the solver)."""
    from staffing.roster import ShiftRules

    data = config.roster.model_dump(exclude={"solver"})
    return ShiftRules.model_validate(data)


def stack(frames: list[pd.DataFrame], first: list[str]) -> pd.DataFrame:
    """Frames concatenated with ``first`` columns first (a header alone when empty)."""
    if not frames:
        return pd.DataFrame(columns=first)
    kept = [f for f in frames if not f.empty]  # empty parts would only blur the dtypes
    if not kept:
        columns = list(dict.fromkeys(c for f in frames for c in f.columns))
        return pd.DataFrame(columns=first + [c for c in columns if c not in first])
    frame = pd.concat(kept, ignore_index=True)
    return frame[first + [c for c in frame.columns if c not in first]]


def percent(value: float | None) -> str:
    """A fraction as ``"1.23%"``; ``"n/a"`` when missing."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


def simulated_queues(config: PlanConfig) -> list[str]:
    """Channels answered live (voice and chat without tiers): the simulated ones."""
    return [
        name
        for name, channel in config.service.channels.items()
        if channel.kind in ("voice", "chat") and not channel.tiers
    ]


#: Columns of the requirements that the simulation carries beside its results: the band, day
#: type, opening and target of each interval, less the parts a live queue has no use for.
_TARGET_CARRIED = tuple(
    c for c in TARGET_COLUMNS if c not in ("target_max_occupancy", "target_response_seconds")
)


def simulate_live(
    needed: pd.DataFrame, coverage: pd.DataFrame, config: PlanConfig, grid: TimeGrid, say: Progress
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate each live queue, judging every interval against its own planned target.

    Returns the simulated intervals (with the target of each and whether it was met) and the
    overall figures per queue (``queue, metric, mean, ci_low, ci_high``, as
    :attr:`staffing.simulate.SimulationResult.overall`).
    """
    settings = config.simulation
    overall_columns = ["queue", "metric", "mean", "ci_low", "ci_high"]
    if not settings.enabled or coverage.empty:
        return pd.DataFrame(columns=["queue", "interval_start"]), pd.DataFrame(
            columns=overall_columns
        )
    from staffing.simulate import simulate

    frames, overall = [], []
    for queue in simulated_queues(config):
        own = needed[(needed["queue"] == queue)].reset_index(drop=True)
        if own.empty:
            continue
        channel = config.service.channels[queue]
        staffing = productive_agents(own, coverage[coverage["queue"] == queue], channel, grid)
        # closed bands take no contacts (they go to voicemail or self-service)
        forecast = pd.DataFrame(
            {
                "interval_start": own["interval_start"].to_numpy(),
                "volume": np.where(own["open"], own["volume_staffed"], 0.0),
            }
        )
        say(f"simulation: {queue}: {settings.replications} replications")
        result = simulate(
            staffing,
            forecast,
            aht_seconds=channel.aht_seconds,
            target_seconds=own["target_within_seconds"].to_numpy(dtype=float),
            interval_minutes=grid.interval_minutes,
            handle_time=settings.handle_time,
            cv=settings.handle_time_cv if settings.handle_time == "lognormal" else 1.0,
            patience_seconds=channel.patience_seconds,
            replications=settings.replications,
            seed=settings.seed,
        )
        frames.append(with_targets(result.intervals, own, queue))
        overall.append(result.overall.assign(queue=queue))
    return stack(frames, ["queue", "interval_start"]), stack(overall, overall_columns)


def with_targets(intervals: pd.DataFrame, own: pd.DataFrame, queue: str) -> pd.DataFrame:
    """The simulated intervals beside the target planned for each, and whether it was met."""
    targets = own[["interval_start", *_TARGET_CARRIED]]
    frame = intervals.drop(columns=[c for c in _TARGET_CARRIED if c in intervals.columns])
    frame = frame.merge(targets, on="interval_start", how="left", validate="one_to_one")
    frame.insert(0, "queue", queue)
    frame["meets_target"] = meets_target(frame)
    return frame


def scheduled_agents(own: pd.DataFrame, coverage: pd.DataFrame, grid: TimeGrid) -> np.ndarray:
    """Scheduled agents per plan interval [agents]: the fewest inside it when the roster grid
    is finer, 0 where the roster has none."""
    plan_index = pd.DatetimeIndex(own["interval_start"])
    if coverage.empty:  # no roster for the queue
        return np.zeros(len(plan_index), dtype=int)
    scheduled = coverage.set_index("interval_start")["scheduled"]
    starts = grid.floor(scheduled.index.to_series())
    on_grid = scheduled.groupby(pd.DatetimeIndex(starts)).min()
    return on_grid.reindex(plan_index, fill_value=0).to_numpy().astype(int)


def productive_agents(
    own: pd.DataFrame, coverage: pd.DataFrame, channel: Any, grid: TimeGrid
) -> pd.DataFrame:
    """Agents on contacts per plan interval: scheduled coverage times (1 - shrinkage)."""
    on_grid = scheduled_agents(own, coverage, grid)
    shrinkage = own["shrinkage"].to_numpy(dtype=float)
    productive = np.floor(on_grid * (1.0 - shrinkage) + 1e-9).astype(int)
    return pd.DataFrame(
        {
            "interval_start": pd.DatetimeIndex(own["interval_start"]),
            "agents": productive * int(channel.concurrency),
        }
    )
