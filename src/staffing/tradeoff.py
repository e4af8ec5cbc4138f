"""The plan's risk check and the staff-to-quantile trade-off.

For each live queue (voice and chat without tiers) the roster is simulated against volume drawn
from the forecast's predictive distribution (:func:`staffing.risk.service_risk`): the weekly
service level's distribution and the probability that it reaches the weekly target. The
trade-off repeats the plan's own steps (:mod:`staffing.plan_steps`: requirements, roster,
productive agents) at each level of ``risk.staff_to_levels`` and checks each roster the same
way, with the same random draws, so the rows differ only by the staffing: paid hours and cost
against P(meet). The plan's own staff-to column reuses the plan's roster.

Examples
--------
>>> from staffing.tradeoff import staff_to_labels
>>> from staffing.config import PlanConfig
>>> from staffing.datasets import load_example_config
>>> staff_to_labels(PlanConfig.from_toml(load_example_config()))
['q50', 'q70', 'q80', 'q90']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.plan_steps import (
    build_rosters,
    productive_agents,
    simulated_queues,
    staffed_requirements,
)

if TYPE_CHECKING:
    from staffing.config import PlanConfig
    from staffing.timegrid import TimeGrid

__all__ = [
    "MAX_TRADEOFF_GAP",
    "RISK_COLUMNS",
    "TRADEOFF_COLUMNS",
    "risk_and_tradeoff",
    "staff_to_labels",
]

#: Columns of :attr:`staffing.plan.Plan.risk` (one row per queue, staff-to level, replication).
RISK_COLUMNS = [
    "queue",
    "staff_to",
    "replication",
    "volume",
    "service_level",
    "asa_seconds",
    "target_service_level",
    "met",
]
#: Largest optimality gap of a trade-off roster [fraction]: a solve left further from its bound
#: (say a time limit hit before any good roster was found) is retried once with three times the
#: time, then left out of the trade-off rather than compared as if it were a plan.
MAX_TRADEOFF_GAP = 0.10
#: Columns of :attr:`staffing.plan.Plan.tradeoff` (one row per queue and staff-to level).
TRADEOFF_COLUMNS = [
    "queue",
    "staff_to",
    "level",
    "paid_hours",
    "cost",
    "headcount",
    "fte",
    "scheduled_agent_hours",
    "p_meet",
    "p_meet_low",
    "p_meet_high",
    "service_level_mean",
    "service_level_p05",
    "service_level_p50",
    "service_level_p95",
    "target_service_level",
    "gap",
    "dispersion",
    "level_dispersion",
    "reused",
]


def staff_to_labels(config: PlanConfig) -> list[str]:
    """The forecast columns of the trade-off: the plan's own and ``risk.staff_to_levels``.

    Ordered by level, the mean (``"volume"``) first when the plan staffs to it.
    """
    from staffing.forecast.core import quantile_column

    labels = {quantile_column(level): level for level in config.risk.staff_to_levels}
    own = config.service.staff_to
    if own != "volume":
        labels[own] = float(own[1:]) / 100.0
    ordered = sorted(labels, key=labels.get)
    return (["volume"] if own == "volume" else []) + ordered


def risk_and_tradeoff(
    forecast: pd.DataFrame,
    needed: pd.DataFrame,
    teams: dict[str, pd.DataFrame],
    uncertainty: dict[str, tuple[float, float]],
    config: PlanConfig,
    grid: TimeGrid,
    say: Callable[[str], None],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The risk of each live queue's roster and the staff-to-quantile trade-off.

    Parameters
    ----------
    forecast : pandas.DataFrame
        The plan's forecast (``interval_start``, ``queue``, ``volume`` and quantile columns
        [contacts per interval]).
    needed : pandas.DataFrame
        The plan's requirements.
    teams : dict of str to pandas.DataFrame
        The plan's separate rosters: ``coverage``, ``solver`` and ``headcount`` frames.
    uncertainty : dict of str to (float, float)
        Queue -> (dispersion, level dispersion) of the forecast (:mod:`staffing.risk`).
    config : PlanConfig
        The plan configuration (``[risk]``).
    grid : TimeGrid
        The plan's intervals.
    say : callable
        Progress messages.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The replications (:data:`RISK_COLUMNS`) and the trade-off (:data:`TRADEOFF_COLUMNS`).
    """
    settings = config.risk
    empty = pd.DataFrame(columns=RISK_COLUMNS), pd.DataFrame(columns=TRADEOFF_COLUMNS)
    coverage = teams.get("coverage")
    if not settings.enabled or not config.simulation.enabled or coverage is None:
        return empty
    queues = [
        q
        for q in simulated_queues(config)
        if q in set(needed["queue"]) and q in set(coverage["queue"]) and q in uncertainty
    ]
    if not queues:
        return empty
    labels = staff_to_labels(config)
    forecast = _with_levels(forecast, labels, uncertainty)
    risks, rows = [], []
    for queue in queues:
        for label in labels:
            roster = _roster_at(label, queue, forecast, needed, teams, config, grid, say)
            if roster is None:
                continue
            frame, row = _check(queue, label, roster, forecast, needed, uncertainty, config, grid)
            risks.append(frame)
            rows.append(row)
            say(
                f"risk: {queue}: staffed to {label}: paid {row['paid_hours']:,.0f} h, "
                f"P(weekly service level >= target) {row['p_meet']:.0%}"
            )
    if not rows:
        return empty
    return (
        pd.concat(risks, ignore_index=True)[RISK_COLUMNS],
        pd.DataFrame(rows)[TRADEOFF_COLUMNS],
    )


def _with_levels(
    forecast: pd.DataFrame, labels: list[str], uncertainty: dict[str, tuple[float, float]]
) -> pd.DataFrame:
    """The forecast with a column for every trade-off level (the forecaster's own quantiles)."""
    from staffing.forecast.quality import add_quantiles

    missing = [label for label in labels if label != "volume" and label not in forecast.columns]
    if not missing:
        return forecast
    dispersion = {queue: pair[0] for queue, pair in uncertainty.items()}
    levels = [float(label[1:]) / 100.0 for label in missing]
    known = forecast[forecast["queue"].isin(list(dispersion))]
    return add_quantiles(known, dispersion, levels)


def _roster_at(
    label: str,
    queue: str,
    forecast: pd.DataFrame,
    needed: pd.DataFrame,
    teams: dict[str, pd.DataFrame],
    config: PlanConfig,
    grid: TimeGrid,
    say: Callable[[str], None],
) -> dict[str, Any] | None:
    """Requirements, coverage and roster figures of one queue staffed to ``label``."""
    if label == config.service.staff_to:
        own = needed[needed["queue"] == queue]
        coverage = teams["coverage"][teams["coverage"]["queue"] == queue]
        solver = teams["solver"][teams["solver"]["queue"] == queue]
        people = teams.get("headcount")
        people = people[people["queue"] == queue] if people is not None and len(people) else None
        return _figures(own, coverage, solver, people, reused=True)
    settings = config.risk
    solver_settings = config.roster.solver
    if settings.time_limit_seconds is not None:
        solver_settings = solver_settings.model_copy(
            update={"time_limit_seconds": settings.time_limit_seconds}
        )
    variant = config.model_copy(
        update={
            "service": config.service.model_copy(update={"staff_to": label}),
            "roster": config.roster.model_copy(update={"solver": solver_settings}),
        }
    )
    own_forecast = forecast[forecast["queue"] == queue].reset_index(drop=True)
    own = staffed_requirements(own_forecast, variant, grid)
    say(f"risk: {queue}: roster staffed to {label}")
    limit = variant.roster.solver.time_limit_seconds
    for attempt in range(2):  # a poor solve gets one more try with three times the time
        _, coverage, solver, _, people = build_rosters(own, variant, grid, lambda _m: None)
        if coverage.empty:
            return None
        gap = float(solver.iloc[0].get("gap", np.nan)) if len(solver) else np.nan
        if np.isfinite(gap) and gap <= MAX_TRADEOFF_GAP:
            return _figures(own, coverage, solver, people if len(people) else None, reused=False)
        if attempt == 0:
            limit *= 3
            say(f"risk: {queue}: {label}: gap {gap:.0%} at the time limit; again for {limit:g} s")
            longer = variant.roster.solver.model_copy(update={"time_limit_seconds": limit})
            roster = variant.roster.model_copy(update={"solver": longer})
            variant = variant.model_copy(update={"roster": roster})
    say(
        f"risk: {queue}: {label} left out of the trade-off: no roster within a "
        f"{MAX_TRADEOFF_GAP:.0%} gap in {limit:g} s (raise risk.time_limit_seconds)"
    )
    return None


def _figures(
    own: pd.DataFrame,
    coverage: pd.DataFrame,
    solver: pd.DataFrame,
    people: pd.DataFrame | None,
    *,
    reused: bool,
) -> dict[str, Any]:
    first = solver.iloc[0] if len(solver) else {}
    return {
        "requirements": own.reset_index(drop=True),
        "coverage": coverage,
        "paid_hours": float(first.get("paid_hours", np.nan)),
        "cost": float(first.get("cost", np.nan)),
        "gap": float(first.get("gap", np.nan)),
        "headcount": float(people["headcount"].sum()) if people is not None else np.nan,
        "fte": float(people["fte"].sum()) if people is not None else np.nan,
        "reused": reused,
    }


def _check(
    queue: str,
    label: str,
    roster: dict[str, Any],
    forecast: pd.DataFrame,
    needed: pd.DataFrame,
    uncertainty: dict[str, tuple[float, float]],
    config: PlanConfig,
    grid: TimeGrid,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One roster simulated against the forecast's predictive distribution."""
    from staffing.risk import service_risk

    channel = config.service.channels[queue]
    own = needed[needed["queue"] == queue].reset_index(drop=True)
    mean = (
        forecast[forecast["queue"] == queue]
        .set_index("interval_start")["volume"]
        .reindex(pd.DatetimeIndex(own["interval_start"]))
        .to_numpy(dtype=float)
    )
    is_open = own["open"].to_numpy(dtype=bool)
    offered = np.where(is_open, mean * (1.0 - channel.deflection), 0.0)
    agents = productive_agents(own, roster["coverage"], channel, grid)
    dispersion, level_dispersion = uncertainty[queue]
    settings = config.simulation
    risk = service_risk(
        agents,
        offered,
        interval_starts=own["interval_start"],
        target_service_level=own["target_service_level"].to_numpy(dtype=float),
        target_within_seconds=own["target_within_seconds"].to_numpy(dtype=float),
        target_asa_seconds=own["target_asa_seconds"].to_numpy(dtype=float),
        open_=is_open,
        aht_seconds=channel.aht_seconds,
        patience_seconds=channel.patience_seconds,
        dispersion=dispersion,
        level_dispersion=level_dispersion,
        replications=config.risk.replications,
        seed=config.risk.seed if config.risk.seed is not None else settings.seed,
        handle_time=settings.handle_time,
        cv=settings.handle_time_cv if settings.handle_time == "lognormal" else 1.0,
        interval_minutes=grid.interval_minutes,
    )
    frame = risk.to_frame().assign(queue=queue, staff_to=label)
    low, high = risk.p_meet_interval()
    levels = frame["service_level"].to_numpy(dtype=float)
    finite = levels[np.isfinite(levels)]

    def quantile(q: float) -> float:
        return float(np.quantile(finite, q)) if len(finite) else np.nan

    hours = config.roster.interval_minutes / 60.0
    row = {
        "queue": queue,
        "staff_to": label,
        "level": np.nan if label == "volume" else float(label[1:]) / 100.0,
        "paid_hours": roster["paid_hours"],
        "cost": roster["cost"],
        "headcount": roster["headcount"],
        "fte": roster["fte"],
        "scheduled_agent_hours": float(roster["coverage"]["scheduled"].sum()) * hours,
        "p_meet": float(risk.p_meet),
        "p_meet_low": float(low),
        "p_meet_high": float(high),
        "service_level_mean": float(np.mean(finite)) if len(finite) else np.nan,
        "service_level_p05": quantile(0.05),
        "service_level_p50": quantile(0.5),
        "service_level_p95": quantile(0.95),
        "target_service_level": float(risk.target_service_level),
        "gap": roster["gap"],
        "dispersion": dispersion,
        "level_dispersion": level_dispersion,
        "reused": roster["reused"],
    }
    return frame, row
