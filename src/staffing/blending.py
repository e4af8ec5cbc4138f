"""The blended plan: one roster for every channel, checked by a multi-skill simulation.

With a ``[blending]`` section, :func:`staffing.plan.plan` also builds the joint roster of the
skill groups (:func:`blended_roster`, the model of :mod:`staffing.roster.joint`) from the same
requirements as the separate rosters, simulates both with the same multi-skill engine
(:func:`staffing.simulate.simulate_skills`: live before deferred, deferred items in a backlog
across intervals and days, earliest deadline first) and compares their paid hours, cost and
service (:class:`Blend`).

How the requirements become the joint model's demand (all on the roster grid):

* a live channel needs its scheduled agents (``scheduled`` summed over tiers, the separate
  roster's requirement) and brings its offered load ``volume_staffed * aht / interval`` (over
  ``concurrency`` for chat) [erlangs];
* a deferred channel brings work: each tier's share of ``volume_staffed`` times the handle time
  [agent-intervals], workable from the next interval and due by the end of the interval in
  which its response time runs out, on the calendar or the channel's business clock
  (:func:`staffing.queueing.due_intervals`, as :func:`staffing.queueing.deferred_agents`), and
  may be worked while the channel is open.

Examples
--------
>>> from staffing.blending import DEFERRED_MET_SHARE
>>> DEFERRED_MET_SHARE
0.95
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from staffing.config import PlanConfig
    from staffing.roster.joint import JointDemand, JointGroup
    from staffing.timegrid import TimeGrid

__all__ = [
    "DEFERRED_MET_SHARE",
    "Blend",
    "blend_demand",
    "blend_tables",
    "blended_roster",
    "check_blend",
    "compare_blend",
]

#: A deferred tier counts as meeting its target when at least this share of the items due in
#: the horizon is answered within the response time in the simulation [fraction].
DEFERRED_MET_SHARE = 0.95

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Blend:
    """The blended roster and its comparison with separate rosters.

    Attributes
    ----------
    roster : pandas.DataFrame
        The joint roster, one row per shift group (or line and working day with contracts),
        with ``group`` first.
    lines : pandas.DataFrame
        With contracts: one row per group and line of work; empty otherwise.
    headcount : pandas.DataFrame
        With contracts: people, FTE, paid hours and cost per group and contract.
    coverage : pandas.DataFrame
        Per group and roster interval: ``scheduled`` [agents on duty], ``productive``,
        ``live`` [agents on duty for live channels], ``deferred_work`` [agent-intervals].
    allocation : pandas.DataFrame
        Per live channel and roster interval: ``required``, ``allocated``, ``shortfall``
        [scheduled agents].
    deferred : pandas.DataFrame
        Per deferred channel, tier and roster interval: planned ``done`` and ``late`` work
        [agent-intervals].
    solver : dict
        Status, objective, bound, gap, time [s] and size of the joint model.
    totals : pandas.DataFrame
        One row per roster (``roster``: ``"separate"``, ``"blended"``): ``paid_hours`` [h per
        horizon], ``cost`` [currency], ``headcount`` [people] and ``fte``.
    service : pandas.DataFrame
        One row per roster and channel (and deferred tier), from the multi-skill simulation:
        ``metric`` (``service_level`` or ``within_response``), ``mean``, ``ci_low``,
        ``ci_high``, ``target`` (the volume-weighted planned service level, or
        :data:`DEFERRED_MET_SHARE`), ``met``, ``abandonment`` [fraction] and
        ``backlog_end`` [items outstanding at the end of the horizon].
    occupancy : pandas.DataFrame
        One row per roster and group: simulated ``occupancy`` [fraction of productive time].
    simulated : dict
        Roster name -> :class:`staffing.simulate.SkillSimulationResult`.
    """

    roster: pd.DataFrame
    lines: pd.DataFrame
    headcount: pd.DataFrame
    coverage: pd.DataFrame
    allocation: pd.DataFrame
    deferred: pd.DataFrame
    solver: dict[str, Any]
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    service: pd.DataFrame = field(default_factory=pd.DataFrame)
    occupancy: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulated: dict[str, Any] = field(default_factory=dict)

    def to_summary(self) -> dict[str, Any]:
        """JSON-ready figures for ``summary.json``: groups, solver, totals, saving, service.

        Returns
        -------
        dict
            ``groups`` (per group: paid hours [h], cost, people, FTE), ``solver``, ``totals``
            (per roster), ``saving`` (:meth:`saving`), ``service`` (rows of ``service``) and
            ``occupancy`` (rows of ``occupancy``).
        """
        groups = []
        for name, part in self.roster.groupby("group", sort=False):
            row = {
                "group": str(name),
                "paid_hours": round(float(part["paid_hours"].sum()), 2),
                "cost": round(float(part["cost"].sum()), 2),
            }
            if len(self.headcount):
                own = self.headcount[self.headcount["group"] == name]
                row["headcount"] = int(own["headcount"].sum())
                row["fte"] = round(float(own["fte"].sum()), 3)
            groups.append(row)
        solver = {k: v for k, v in self.solver.items() if k != "options"}
        return {
            "groups": groups,
            "solver": solver,
            "totals": _records(self.totals),
            "saving": {k: round(v, 4) for k, v in self.saving().items()},
            "service": _records(self.service),
            "occupancy": _records(self.occupancy),
        }

    def table(self) -> pd.DataFrame:
        """The comparison as one tidy frame (``blend.csv``): ``roster``, ``channel``,
        ``tier``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``target``, ``met``; the
        totals as metrics ``paid_hours`` [h], ``cost``, ``headcount`` and ``fte`` of channel
        ``"all"``."""
        rows = []
        for row in self.totals.to_dict("records"):
            for key in ("paid_hours", "cost", "headcount", "fte"):
                rows.append(
                    {
                        "roster": row["roster"],
                        "channel": "all",
                        "tier": "",
                        "metric": key,
                        "mean": row[key],
                    }
                )
        service = self.service.drop(
            columns=["intervals_met", "abandonment", "backlog_end"], errors="ignore"
        )
        frame = pd.concat([pd.DataFrame(rows), service], ignore_index=True)
        columns = [
            "roster",
            "channel",
            "tier",
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "target",
            "met",
        ]
        return frame.reindex(columns=columns)

    def saving(self) -> dict[str, float]:
        """Paid hours and cost saved by the blended roster against separate rosters.

        Returns
        -------
        dict
            ``paid_hours`` [h], ``cost`` [currency] and their shares of the separate
            rosters' (``paid_hours_share``, ``cost_share`` [fraction]); empty without both.
        """
        table = self.totals.set_index("roster") if len(self.totals) else None
        if table is None or not {"separate", "blended"} <= set(table.index):
            return {}
        out = {}
        for key in ("paid_hours", "cost"):
            before, after = table.loc["separate", key], table.loc["blended", key]
            out[key] = float(before - after)
            out[f"{key}_share"] = float((before - after) / before) if before else math.nan
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def blend_demand(needed: pd.DataFrame, config: PlanConfig, grid: TimeGrid) -> JointDemand:
    """The joint model's demand from the plan's requirements, on the roster grid.

    Parameters
    ----------
    needed : pandas.DataFrame
        The plan's requirements (:func:`staffing.requirements.requirements`).
    config : PlanConfig
    grid : TimeGrid
        The plan's grid.

    Returns
    -------
    JointDemand
    """
    from staffing.queueing.deferred import due_intervals
    from staffing.roster.joint import JointDemand

    step = config.roster.interval_minutes
    parts = grid.interval_minutes // step
    seconds = 60.0 * step
    times = pd.Series(_fine_times(needed, grid.interval_minutes, step))
    live_rows, work_rows, open_ = [], [], {}
    for queue, own in needed.groupby("queue", sort=False):
        channel = config.service.channels[str(queue)]
        first = own.groupby("interval_start", sort=True).agg(
            required=("scheduled", "sum"),
            volume=("volume_staffed", "first"),
            shrinkage=("shrinkage", "first"),
            is_open=("open", "first"),
        )
        if channel.kind != "deferred":
            # closed bands take no live contacts (voicemail, self-service)
            volume = np.where(first["is_open"], first["volume"], 0.0) / parts
            load = volume * channel.aht_seconds / seconds / channel.concurrency
            live_rows.append(
                pd.DataFrame(
                    {
                        "channel": str(queue),
                        "interval_start": times,
                        "required": np.repeat(first["required"].to_numpy(float), parts),
                        "load": np.repeat(load, parts),
                        "shrinkage": np.repeat(first["shrinkage"].to_numpy(float), parts),
                    }
                )
            )
            continue
        open_[str(queue)] = np.repeat(first["is_open"].to_numpy(bool), parts)
        open_[(str(queue), "shrinkage")] = np.repeat(first["shrinkage"].to_numpy(float), parts)
        # e-mail arrives while the channel is closed too; it waits for the opening
        arrivals = np.repeat(first["volume"].to_numpy(float) / parts, parts)
        for tier, share, response in _tiers(channel):
            window = math.floor(response / seconds + 1e-9)
            index = np.arange(len(arrivals))
            due = due_intervals(len(arrivals), window, open_[str(queue)], channel.response_clock)
            work_rows.append(
                pd.DataFrame(
                    {
                        "channel": str(queue),
                        "tier": tier,
                        "work": arrivals * share * channel.aht_seconds / seconds,
                        "ready": index + 1,
                        "due": due,
                    }
                )
            )
    live = pd.concat(live_rows, ignore_index=True) if live_rows else _empty_live()
    work = pd.concat(work_rows, ignore_index=True) if work_rows else _empty_work()
    return JointDemand(times=times, live=live, deferred=work, deferred_open=open_)


def _fine_times(needed: pd.DataFrame, plan_step: int, step: int) -> pd.DatetimeIndex:
    starts = pd.DatetimeIndex(sorted(needed["interval_start"].unique()))
    parts = plan_step // step
    offsets = pd.to_timedelta(np.tile(np.arange(parts) * step, len(starts)), unit="min")
    return pd.DatetimeIndex(np.repeat(starts, parts) + offsets)


def _tiers(channel) -> list[tuple[str, float, float]]:
    if channel.tiers:
        return [(t.name, t.share, t.target.response_seconds) for t in channel.tiers]
    return [("all", 1.0, channel.target.response_seconds)]


def _empty_live() -> pd.DataFrame:
    return pd.DataFrame(columns=["channel", "interval_start", "required", "load", "shrinkage"])


def _empty_work() -> pd.DataFrame:
    return pd.DataFrame(columns=["channel", "tier", "work", "ready", "due"])


def joint_groups(config: PlanConfig) -> list[JointGroup]:
    """The skill groups of the configuration with their own shift rules.

    A group's rules keep the roster's contracts (or shift types) it names, with its
    ``cost_per_hour_premium`` added to every hourly rate.
    """
    from staffing.roster.joint import JointGroup
    from staffing.roster.rules import ShiftRules

    blend = config.blending
    channels = list(config.service.channels)
    served = blend.expanded(channels)
    base = config.roster.model_dump(exclude={"solver"})
    groups = []
    for group in blend.groups:
        data = dict(base)
        premium = group.cost_per_hour_premium
        data["shifts"] = [
            {**s, "cost_per_hour": s["cost_per_hour"] + premium} for s in base["shifts"]
        ]
        if group.contracts is not None:
            data["contracts"] = [c for c in base["contracts"] if c["name"] in group.contracts]
        if group.shifts is not None:
            data["shifts"] = [s for s in data["shifts"] if s["name"] in group.shifts]
        if data["contracts"]:
            used = {name for c in data["contracts"] for name in c["shifts"]}
            data["shifts"] = [s for s in data["shifts"] if s["name"] in used]
            data["contracts"] = [
                {**c, "cost_per_hour": c["cost_per_hour"] + premium}
                if c.get("cost_per_hour") is not None
                else c
                for c in data["contracts"]
            ]
        groups.append(
            JointGroup(
                name=group.name,
                channels=tuple(served[group.name]),
                rules=ShiftRules.model_validate(data),
                min_headcount=group.min_headcount,
                max_headcount=group.max_headcount,
            )
        )
    return groups


def check_blend(needed: pd.DataFrame, config: PlanConfig, grid: TimeGrid) -> None:
    """Check the skill groups against the plan's intervals, before any roster is solved.

    Raises
    ------
    ConfigError
        A deferred tier whose items no serving group can work before their deadline.
    InfeasibleError
        With ``hard_coverage``, live intervals no serving group can be on duty in.
    """
    from staffing.roster.joint import check_reach

    check_reach(blend_demand(needed, config, grid), joint_groups(config), config.roster)


def blended_roster(
    needed: pd.DataFrame,
    config: PlanConfig,
    grid: TimeGrid,
    say: Progress,
    separate: dict[str, pd.DataFrame] | None = None,
) -> Blend:
    """Solve the joint roster of the skill groups and read it back as rosters and lines.

    A group that alone serves one live channel, with the roster's own shifts, contracts and
    costs, is that channel's separate roster (the joint model of such a group is the separate
    model, see :mod:`staffing.roster.joint`): when ``separate`` holds that roster it is taken
    as is rather than solved again, so both sides of the comparison share it.

    Parameters
    ----------
    needed : pandas.DataFrame
        The plan's requirements.
    config : PlanConfig
        With ``blending``.
    grid : TimeGrid
    say : callable
        Progress messages.
    separate : dict, optional
        The separate rosters' ``roster``, ``coverage``, ``lines``, ``headcount`` and
        ``solver`` frames (``queue`` column).

    Returns
    -------
    Blend
        Without the comparison (see :func:`compare_blend`).
    """
    from staffing.blend_reuse import reusable, reused_parts
    from staffing.roster import SolverOptions
    from staffing.roster.joint import build_joint_roster
    from staffing.roster.solver import POOR_GAP

    demand = blend_demand(needed, config, grid)
    groups = joint_groups(config)
    rules = config.roster
    kept = reusable(groups, config, separate)
    solved = [g for g in groups if g.name not in kept]
    parts: dict[str, list] = {k: [] for k in ("roster", "lines", "heads", "cov", "alloc")}
    solves = []
    if solved:
        options = SolverOptions(**rules.solver.model_dump())
        names = ", ".join(g.name for g in solved)
        say(f"roster: blended: solving skill groups {names} ({len(demand.times)} intervals)")
        joint = build_joint_roster(
            demand,
            solved,
            rules,
            max_occupancy=config.blending.max_occupancy,
            late_work_penalty=config.blending.late_work_per_agent_interval,
            options=options,
        )
        solves.append(joint.solve.to_dict())
        roster, lines, people = _read_groups(joint, solved, rules)
        parts["roster"].append(roster)
        parts["lines"].append(lines)
        parts["heads"].append(people)
        parts["cov"].append(joint.coverage)
        parts["alloc"].append(joint.live)
        deferred = joint.deferred
    else:
        deferred = pd.DataFrame(columns=["channel", "tier", "interval_start", "done", "late"])
    if kept:
        say(f"roster: blended: skill groups {', '.join(kept)} work their channel's own roster")
        reused = reused_parts(kept, separate, demand, config)
        for key in parts:
            parts[key].append(reused[key])
        solves += reused["solves"]
    solve = _merged_solves(solves, list(kept))
    say(f"roster: blended: {solve['status']}, gap {_percent(solve['gap'])}")
    if solve["gap"] is not None and solve["gap"] > POOR_GAP:
        say(
            f"roster: blended: warning: {_percent(solve['gap'])} from the best bound, so the "
            "saving against separate rosters is not reliable; raise "
            "roster.solver.time_limit_seconds"
        )
    order = {g.name: n for n, g in enumerate(groups)}
    return Blend(
        roster=_ordered(parts["roster"], order),
        lines=_ordered(parts["lines"], order),
        headcount=_ordered(parts["heads"], order),
        coverage=_ordered(parts["cov"], order),
        allocation=_concat(parts["alloc"]),
        deferred=deferred,
        solver=solve,
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _ordered(frames: list[pd.DataFrame], order: dict[str, int]) -> pd.DataFrame:
    """Frames of several groups in the order of the groups (stable within a group)."""
    frame = _concat(frames)
    if frame.empty:
        return frame
    rank = frame["group"].map(order)
    return frame.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def _merged_solves(solves: list[dict[str, Any]], reused: list[str]) -> dict[str, Any]:
    """The solves behind the blended roster as one (:func:`~staffing.roster.solver.merge_solves`),
    with the groups that reused a separate roster."""
    from staffing.roster.solver import merge_solves

    if not solves:  # every group reused a roster with nothing to solve
        return {"solver": None, "status": "optimal", "objective": 0.0, "best_bound": 0.0,
                "gap": 0.0, "solve_seconds": 0.0, "variables": 0, "integer_variables": 0,
                "constraints": 0, "nonzeros": 0, "reused_groups": reused}  # fmt: skip
    return {**merge_solves(solves), "reused_groups": reused}


def _percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


def _read_groups(joint, groups, rules) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from staffing.roster.build import _groups
    from staffing.roster.lines import headcount, line_days, lines_table

    rosters, tables, people = [], [], []
    for group in groups:
        model = joint.models[group.name]
        if model.tours is not None:
            roster = line_days(model)
            tables.append(
                lines_table(roster, group.rules, model.tours.weekdays).assign(group=group.name)
            )
            people.append(headcount(roster, group.rules).assign(group=group.name))
        else:
            roster = _groups(model)
        rates = _row_costs(roster, group.rules)
        rosters.append(roster.assign(group=group.name, **rates))
    roster = _first(pd.concat(rosters, ignore_index=True), "group")
    lines = _first(pd.concat(tables, ignore_index=True), "group") if tables else pd.DataFrame()
    heads = _first(pd.concat(people, ignore_index=True), "group") if people else pd.DataFrame()
    return roster, lines, heads


def _row_costs(roster: pd.DataFrame, rules) -> dict[str, pd.Series]:
    """Paid hours and cost of every roster row, its agents included
    (:func:`staffing.roster.lines.row_costs` times ``agents``)."""
    from staffing.roster.lines import row_costs

    paid, cost = row_costs(roster, rules)
    return {"paid_hours": paid * roster["agents"], "cost": cost * roster["agents"]}


def _first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[[column] + [c for c in frame.columns if c != column]]


def compare_blend(
    blend: Blend,
    needed: pd.DataFrame,
    separate: dict[str, pd.DataFrame],
    config: PlanConfig,
    grid: TimeGrid,
    say: Progress,
) -> Blend:
    """Simulate the blended roster (and the separate rosters) with the same engine.

    Parameters
    ----------
    blend : Blend
        From :func:`blended_roster`.
    needed : pandas.DataFrame
        The plan's requirements.
    separate : dict
        The separate rosters' ``roster``, ``coverage`` and ``headcount`` frames (``queue``
        column), or empty when ``compare_separate`` is off.
    config : PlanConfig
    grid : TimeGrid
    say : callable

    Returns
    -------
    Blend
        With ``totals``, ``service``, ``occupancy`` and ``simulated``.
    """
    from staffing.blend_check import simulate_rosters, totals_row

    rows, service, occupancy, simulated = [], [], [], {}
    runs = [("blended", blend.coverage, blend.roster, blend.headcount)]
    if separate:
        coverage = separate["coverage"].rename(columns={"queue": "group"})
        runs.insert(0, ("separate", coverage, separate["roster"], separate["headcount"]))
    for name, coverage, roster, people in runs:
        rows.append(totals_row(name, roster, people, config))
        if not config.simulation.enabled:
            continue
        say(f"simulation: {name} rosters: {config.simulation.replications} replications")
        result, table, occ = simulate_rosters(name, coverage, needed, config, grid)
        simulated[name] = result
        service.append(table)
        occupancy.append(occ)
    return Blend(
        **{k: getattr(blend, k) for k in _BASE},
        totals=pd.DataFrame(rows),
        service=pd.concat(service, ignore_index=True) if service else pd.DataFrame(),
        occupancy=pd.concat(occupancy, ignore_index=True) if occupancy else pd.DataFrame(),
        simulated=simulated,
    )


_BASE = ("roster", "lines", "headcount", "coverage", "allocation", "deferred", "solver")


def blend_tables(blend: Blend | None) -> dict[str, pd.DataFrame]:
    """The plan's blending files by name, as frames (headers only without skill groups).

    ``blend.csv`` is :meth:`Blend.table`, ``blend_roster.csv`` the joint roster (``group``
    first, in the layout of ``roster.csv`` once written) and ``blend_lines.csv`` its lines of
    work.

    Parameters
    ----------
    blend : Blend or None

    Returns
    -------
    dict
        File name -> frame.

    Examples
    --------
    >>> sorted(blend_tables(None))
    ['blend.csv', 'blend_lines.csv', 'blend_roster.csv']
    """
    lines = pd.DataFrame(columns=_LINE_HEADER)
    if blend is None:
        table = pd.DataFrame(columns=["roster", "channel", "tier", "metric", "mean"])
        roster = pd.DataFrame(columns=["group", "start", "end", "agents", "breaks", "shift"])
    else:
        table, roster = blend.table(), blend.roster
        lines = blend.lines if len(blend.lines) else lines
    return {"blend.csv": table, "blend_roster.csv": roster, "blend_lines.csv": lines}


_LINE_HEADER = ["group", "line", "weeks", "contract", "shift", "days"]
