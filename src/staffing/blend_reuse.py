"""Skill groups whose roster is a channel's separate roster, taken as is.

A group that alone serves one live channel, with the roster's own shift types, contracts and
costs, has the same integer program in the joint model as the channel's separate roster (a test
checks that the objectives agree). :func:`staffing.blending.blended_roster` takes that roster
from the separate rosters instead of solving it again: the plan is faster, and both sides of
the comparison share it, so the saving measures the blend alone.

Examples
--------
>>> reusable([], None, None)
{}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from staffing.config import PlanConfig
    from staffing.roster.joint import JointDemand, JointGroup

__all__ = ["reusable", "reused_parts"]


def reusable(
    groups: list[JointGroup], config: PlanConfig | None, separate: dict | None
) -> dict[str, str]:
    """Groups whose roster is their channel's separate roster: group -> channel.

    Parameters
    ----------
    groups : list of JointGroup
    config : PlanConfig
    separate : dict or None
        The separate rosters' frames (none: nothing is reused).

    Returns
    -------
    dict
    """
    if not separate or config is None:
        return {}
    specs = {g.name: g for g in config.blending.groups}
    served: dict[str, int] = {}
    for group in groups:
        for channel in group.channels:
            served[channel] = served.get(channel, 0) + 1
    out = {}
    for group in groups:
        spec = specs[group.name]
        plain = (
            spec.cost_per_hour_premium == 0
            and spec.contracts is None
            and spec.shifts is None
            and spec.min_headcount is None
            and spec.max_headcount is None
        )
        if len(group.channels) != 1 or not plain:
            continue
        channel = group.channels[0]
        if config.service.channels[channel].kind == "deferred" or served[channel] > 1:
            continue
        out[group.name] = channel
    return out


def _own(frame: pd.DataFrame | None, channel: str, group: str) -> pd.DataFrame:
    """The rows of one queue, with ``group`` in place of ``queue``."""
    if frame is None or frame.empty or "queue" not in frame.columns:
        return pd.DataFrame()
    part = frame[frame["queue"] == channel].drop(columns="queue")
    part.insert(0, "group", group)
    return part.reset_index(drop=True)


def reused_parts(
    kept: dict[str, str], separate: dict, demand: JointDemand, config: PlanConfig
) -> dict[str, Any]:
    """Roster, lines, headcount, coverage, allocation and solves of the reused groups.

    Parameters
    ----------
    kept : dict
        Group -> channel (:func:`reusable`).
    separate : dict
        The separate rosters' ``roster``, ``coverage``, ``lines``, ``headcount`` and
        ``solver`` frames.
    demand : JointDemand
        The joint demand (for each channel's shrinkage per interval).
    config : PlanConfig

    Returns
    -------
    dict
        ``roster``, ``lines``, ``heads``, ``cov``, ``alloc`` (frames) and ``solves`` (list of
        solve dicts).
    """
    from staffing.blending import _concat, _row_costs

    out: dict[str, list] = {k: [] for k in ("roster", "lines", "heads", "cov", "alloc")}
    solves = []
    for group, channel in kept.items():
        roster = _own(separate.get("roster"), channel, group)
        if len(roster):
            out["roster"].append(roster.assign(**_row_costs(roster, config.roster)))
        out["lines"].append(_own(separate.get("lines"), channel, group))
        out["heads"].append(_own(separate.get("headcount"), channel, group))
        coverage = _own(separate.get("coverage"), channel, group)
        if len(coverage):
            out["cov"].append(_coverage(coverage, demand, channel))
            out["alloc"].append(_allocation(coverage, channel))
        solver = separate.get("solver")
        if solver is not None and len(solver) and "queue" in solver.columns:
            rows = solver[solver["queue"] == channel].to_dict("records")
            solves += [_solve_row(row) for row in rows]
    result: dict[str, Any] = {key: _concat(frames) for key, frames in out.items()}
    result["solves"] = solves
    return result


def _coverage(coverage: pd.DataFrame, demand: JointDemand, channel: str) -> pd.DataFrame:
    live = demand.live[demand.live["channel"] == channel].set_index("interval_start")
    times = pd.DatetimeIndex(coverage["interval_start"])
    shrink = live["shrinkage"].reindex(times).fillna(0.0).to_numpy(float)
    scheduled = coverage["scheduled"].to_numpy()
    required = coverage["required"].to_numpy(float)
    return pd.DataFrame(
        {
            "group": coverage["group"].to_numpy(),
            "interval_start": coverage["interval_start"].to_numpy(),
            "scheduled": scheduled,
            "productive": scheduled * (1.0 - shrink),
            "live": np.minimum(scheduled, required),
            "deferred_work": 0.0,
        }
    )


def _allocation(coverage: pd.DataFrame, channel: str) -> pd.DataFrame:
    required = coverage["required"].to_numpy(float)
    allocated = np.minimum(coverage["scheduled"].to_numpy(float), required)
    return pd.DataFrame(
        {
            "channel": channel,
            "interval_start": coverage["interval_start"].to_numpy(),
            "required": required,
            "allocated": allocated,
            "shortfall": required - allocated,
        }
    )


def _solve_row(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "solver",
        "status",
        "objective",
        "best_bound",
        "gap",
        "solve_seconds",
        "variables",
        "integer_variables",
        "constraints",
        "nonzeros",
    )
    out = {key: row.get(key) for key in keys}
    bound = out["best_bound"]
    out["best_bound"] = None if bound is None or pd.isna(bound) else float(bound)
    for key in keys[6:]:
        out[key] = int(out[key])
    out["solve_seconds"] = float(row.get("solve_seconds") or 0.0)
    return out
