"""Simulate rosters of skill groups with the multi-skill engine, and total their cost.

Used by :func:`staffing.blending.compare_blend` for both sides of the comparison, so the
blended and the separate rosters are judged by the same engine, the same volumes and the same
random streams: the separate rosters are skill groups of one channel each.

Examples
--------
>>> from staffing.blend_check import weighted_target
>>> import pandas as pd
>>> weighted_target(pd.DataFrame({"open": [True, True], "volume_staffed": [10.0, 30.0],
...                               "target_service_level": [0.8, 0.6]}))
0.65
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.roster.joint import teams
from staffing.summary import meets_target

if TYPE_CHECKING:
    from staffing.config import PlanConfig
    from staffing.timegrid import TimeGrid

__all__ = ["simulate_rosters", "totals_row", "weighted_target"]

#: Target columns carried from the requirements beside the simulated live intervals.
_TARGETS = ["target_service_level", "target_asa_seconds", "target_max_abandonment"]


def totals_row(name: str, roster: pd.DataFrame, people: pd.DataFrame, config: PlanConfig):
    """Paid hours, cost, headcount and FTE of one side of the comparison.

    Parameters
    ----------
    name : str
        ``"separate"`` or ``"blended"``.
    roster : pandas.DataFrame
        Roster rows (``shift``, ``agents``; ``paid_hours`` and ``cost`` when already priced).
    people : pandas.DataFrame
        Headcount rows (``headcount``, ``fte``), empty without contracts.
    config : PlanConfig

    Returns
    -------
    dict
        ``roster``, ``paid_hours`` [h], ``cost`` [currency], ``headcount`` [people], ``fte``.
    """
    if "paid_hours" not in roster.columns and len(roster):
        from staffing.blending import _row_costs

        roster = roster.assign(**_row_costs(roster, config.roster))
    has = len(people) and "headcount" in people.columns
    return {
        "roster": name,
        "paid_hours": float(roster["paid_hours"].sum()) if len(roster) else 0.0,
        "cost": float(roster["cost"].sum()) if len(roster) else 0.0,
        "headcount": int(people["headcount"].sum()) if has else None,
        "fte": float(people["fte"].sum()) if has else None,
    }


def weighted_target(own: pd.DataFrame) -> float:
    """The planned service level of a channel over the horizon [fraction].

    The mean of each open interval's ``target_service_level`` weighted by its staffed volume
    (NaN when no interval has a service-level target).
    """
    goal = own["target_service_level"].to_numpy(float)
    weight = np.where(own["open"].to_numpy(bool), own["volume_staffed"].to_numpy(float), 0.0)
    judged = np.isfinite(goal) & (weight > 0)
    if not judged.any():
        return math.nan
    return float(np.sum(goal[judged] * weight[judged]) / np.sum(weight[judged]))


def _group_channels(name: str, coverage: pd.DataFrame, config: PlanConfig) -> dict:
    if name == "separate":
        return {str(q): [str(q)] for q in dict.fromkeys(coverage["group"])}
    return config.blending.expanded(list(config.service.channels))


def _productive(
    coverage: pd.DataFrame,
    groups: dict[str, list[str]],
    needed: pd.DataFrame,
    grid: TimeGrid,
) -> pd.DataFrame:
    """Productive agents per group and plan interval.

    A group's exact productive agents are the fewest on duty inside the plan interval times
    one minus its shrinkage (the largest of its channels'). Shrinkage is time off the phones
    spread over the shift, so the whole agents are rounded over time, not interval by interval:
    the groups that share channels (a team) get ``floor(cumulative exact) - floor(previous)``
    agents in each interval (never fewer than the floor of the interval's exact figure, and the
    same total over the horizon), shared among the team's groups by largest remainder. One
    agent at 30% shrinkage is then on contacts 70% of the intervals, not never.
    """
    plan_times = pd.DatetimeIndex(sorted(needed["interval_start"].unique()))
    shrink = needed.groupby(["queue", "interval_start"])["shrinkage"].max()
    exact = {}
    for group, channels in groups.items():
        own = coverage[coverage["group"] == group]
        on = own.set_index("interval_start")["scheduled"]
        floor = pd.DatetimeIndex(grid.floor(on.index.to_series()))
        level = on.groupby(floor).min().reindex(plan_times, fill_value=0).to_numpy(float)
        loss = np.max(
            np.vstack([shrink.loc[c].reindex(plan_times).to_numpy(float) for c in channels]),
            axis=0,
        )
        exact[group] = level * (1.0 - loss)
    agents = {}
    for team in teams(groups):
        values = np.vstack([exact[g] for g in team])
        for g, row in zip(team, _largest_remainder(values), strict=True):
            agents[g] = row
    frames = [
        pd.DataFrame({"interval_start": plan_times, "group": g, "agents": agents[g]})
        for g in groups
    ]
    return pd.concat(frames, ignore_index=True)


def _largest_remainder(values: np.ndarray) -> np.ndarray:
    """Whole agents per row (group) and column (interval) from exact values.

    Each column's total is the team's exact total rounded over time (cumulatively); each row
    gets the floor of its value, and the rest of the column's total goes one by one to the
    rows with the largest remainders (ties: the first row), at most one each.
    """
    cumulative = np.floor(np.cumsum(values.sum(axis=0)) + 1e-9)
    totals = np.diff(cumulative, prepend=0.0)
    base = np.floor(values + 1e-9)
    extra = np.clip(totals - base.sum(axis=0), 0, len(values)).astype(int)
    order = np.argsort(-(values - base), axis=0, kind="stable")
    out = base.astype(int)
    for t in np.flatnonzero(extra > 0):
        out[order[: extra[t], t], t] += 1
    return out


def _inputs(needed: pd.DataFrame, config: PlanConfig) -> tuple[dict, pd.DataFrame, dict, dict]:
    from staffing.blending import _tiers
    from staffing.simulate.blended import SkillChannel

    channels, volumes, targets, masks = {}, [], {}, {}
    for queue, own in needed.groupby("queue", sort=False):
        name = str(queue)
        spec = config.service.channels[name]
        first = own.groupby("interval_start", sort=True).first()
        if spec.kind == "deferred":
            channels[name] = SkillChannel(
                name,
                "deferred",
                spec.aht_seconds,
                tiers=tuple(_tiers(spec)),
                response_clock=spec.response_clock,
            )
            volume = first["volume_staffed"].to_numpy(float)
            masks[name] = first["open"].to_numpy(bool)
        else:
            channels[name] = SkillChannel(
                name,
                "live",
                spec.aht_seconds,
                patience_seconds=spec.patience_seconds,
                concurrency=spec.concurrency,
            )
            volume = np.where(first["open"], first["volume_staffed"], 0.0)
            targets[name] = first["target_within_seconds"].to_numpy(float)
        volumes.append(
            pd.DataFrame({"interval_start": first.index, "channel": name, "volume": volume})
        )
    return channels, pd.concat(volumes, ignore_index=True), targets, masks


def simulate_rosters(
    name: str,
    coverage: pd.DataFrame,
    needed: pd.DataFrame,
    config: PlanConfig,
    grid: TimeGrid,
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Simulate the rosters of skill groups against the plan's volumes.

    Parameters
    ----------
    name : str
        ``"separate"`` (one group per channel, named after it) or ``"blended"`` (the groups
        of ``config.blending``).
    coverage : pandas.DataFrame
        ``group``, ``interval_start`` (roster grid), ``scheduled`` [agents on duty].
    needed : pandas.DataFrame
        The plan's requirements (volumes, shrinkage, targets per interval).
    config : PlanConfig
    grid : TimeGrid

    Returns
    -------
    tuple
        The :class:`staffing.simulate.SkillSimulationResult`, the service table (one row per
        channel or deferred tier) and the occupancy table (one row per group).
    """
    from staffing.simulate.blended import simulate_skills

    groups = _group_channels(name, coverage, config)
    channels, volume, targets, masks = _inputs(needed, config)
    routing = None
    if name == "blended":
        routing = {c: config.blending.route(c, list(channels)) for c in channels}
    settings = config.simulation
    result = simulate_skills(
        _productive(coverage, groups, needed, grid),
        volume,
        groups,
        channels,
        target_seconds=targets,
        routing=routing,
        open_mask=masks,
        handle_time=settings.handle_time,
        cv=settings.handle_time_cv if settings.handle_time == "lognormal" else 1.0,
        replications=settings.replications,
        seed=settings.seed,
        interval_minutes=grid.interval_minutes,
    )
    return result, _service(name, result, needed), _occupancy(name, result)


def _overall(result, scope: str, metric: str) -> tuple[float, float, float]:
    table = result.overall
    row = table[(table["scope"] == scope) & (table["metric"] == metric)]
    if row.empty:
        return math.nan, math.nan, math.nan
    first = row.iloc[0]
    return float(first["mean"]), float(first["ci_low"]), float(first["ci_high"])


def _service(name: str, result, needed: pd.DataFrame) -> pd.DataFrame:
    from staffing.blending import DEFERRED_MET_SHARE

    rows = []
    for queue, own in needed.groupby("queue", sort=False):
        own = own.groupby("interval_start", sort=True).first().reset_index()
        scope = f"live:{queue}"
        if (result.overall["scope"] == scope).any():
            mean, low, high = _overall(result, scope, "service_level")
            lost = _overall(result, scope, "abandonment")[0]
            target = weighted_target(own)
            live = result.live[result.live["channel"] == queue].reset_index(drop=True)
            live = pd.concat([live, own[_TARGETS].reset_index(drop=True)], axis=1)
            met = meets_target(live).dropna()
            rows.append(
                {
                    "roster": name,
                    "channel": str(queue),
                    "tier": "",
                    "metric": "service_level",
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "target": target,
                    "met": bool(mean >= target - 1e-12) if math.isfinite(target) else None,
                    "intervals_met": float(met.mean()) if len(met) else math.nan,
                    "abandonment": lost,
                    "backlog_end": math.nan,
                }
            )
            continue
        deferred = result.deferred[result.deferred["channel"] == queue]
        for row in deferred.itertuples(index=False):
            scope = f"deferred:{queue}/{row.tier}"
            mean, low, high = _overall(result, scope, "share_within_response")
            rows.append(
                {
                    "roster": name,
                    "channel": str(queue),
                    "tier": str(row.tier),
                    "metric": "within_response",
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "target": DEFERRED_MET_SHARE,
                    "met": bool(mean >= DEFERRED_MET_SHARE) if math.isfinite(mean) else None,
                    "intervals_met": math.nan,
                    "abandonment": math.nan,
                    "backlog_end": float(row.outstanding_end),
                }
            )
    return pd.DataFrame(rows)


def _occupancy(name: str, result) -> pd.DataFrame:
    table = result.overall
    part = table[(table["metric"] == "occupancy") & table["scope"].str.startswith("group:")]
    return pd.DataFrame(
        {
            "roster": name,
            "group": part["scope"].str.removeprefix("group:").to_numpy(),
            "occupancy": part["mean"].to_numpy(float),
            "occupancy_ci_low": part["ci_low"].to_numpy(float),
            "occupancy_ci_high": part["ci_high"].to_numpy(float),
        }
    )
