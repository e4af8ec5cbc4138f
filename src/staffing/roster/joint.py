r"""One roster for every channel: skill groups, live requirements and deferred work together.

Each skill group is a team with its own shifts, breaks and lines of work
(:func:`staffing.roster.model.shift_layer`), all in one integer program. Let
:math:`A_{g,t}` be the agents of group :math:`g` on duty in interval :math:`t` (breaks
excluded) and :math:`s_{g,t}` its shrinkage, the largest of its channels' in that interval, so
that :math:`(1 - s_{g,t}) A_{g,t}` agents are productive.

**Live channels** (voice, chat) keep their per-interval requirement :math:`R_{c,t}`
[scheduled agents, the requirement a separate roster of the channel covers]. Capacity *split
variables* :math:`y_{g,c,t} \ge 0` give the agents of group :math:`g` on duty for channel
:math:`c`:

.. math::

    \sum_{g \ni c} y_{g,c,t} + u_{c,t} \ge R_{c,t}, \qquad
    \sum_{c \in g} y_{g,c,t} \le A_{g,t},

so an agent is never counted twice; by the max-flow min-cut theorem this is the same as the
pooled bounds :math:`\sum_{g \cap S \ne \emptyset} A_{g,t} \ge \sum_{c \in S} R_{c,t}`
over every subset :math:`S` of channels (Hall's condition), which would need :math:`2^C` rows
(the fluid multi-skill staffing of Harrison & Zeevi, 2005; the split form as in Bhulai, Koole &
Pot, 2008). The shortfall :math:`u_{c,t}` [agents] is priced as in the separate roster (absent
with ``hard_coverage``), so with one group per channel the model is the separate rosters.

**Deferred work** (e-mail, tickets) is not a requirement but work
[agent-intervals: items × handle time / interval]: the work of tier :math:`k` that arrives in
interval :math:`i` is workable from :math:`r_i` (the next interval) and due by the end of
:math:`d_i` (its response time, on the calendar or the channel's business clock). Cumulative
work done :math:`W_{k,t}` obeys :math:`W_{k,t} \le \text{ready}_k(t)` (nothing is done before
it arrives) and :math:`W_{k,t} + \ell_{k,t} \ge \text{due}_k(t)` (everything due is done;
the late work :math:`\ell` is priced per interval it is late, absent with ``hard_coverage``).
Within one tier release order is deadline order, so these cumulative bounds are exact for a
fluid schedule (Horn, 1974); tiers share the capacity. The work done is
:math:`\sum_k (W_{k,t} - W_{k,t-1}) = \sum_{g \ni e} v_{g,e,t}` and fills the time live
contacts leave idle, up to the occupancy cap :math:`\rho`:

.. math::

    \sum_{c \in g} \frac{a_{c,t}}{R_{c,t}} \, y_{g,c,t} + \sum_{e \in g} v_{g,e,t}
    \le \rho \, (1 - s_{g,t}) A_{g,t},

with :math:`a_{c,t}` the live offered load [erlangs] (so :math:`a/R` is the busy time of one
scheduled live agent). Live work pre-empts deferred work, so the live service is that of the live
requirement; the multi-skill simulation (:func:`staffing.simulate.simulate_skills`) checks
both.

Examples
--------
>>> from staffing.roster.joint import JointDemand
>>> JointDemand.__name__
'JointDemand'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pulp

from staffing.errors import ConfigError, InfeasibleError
from staffing.roster.joint_output import (
    _concat,
    _deferred_result,
    _group_coverage,
    _live_result,
    _merged,
    _model_view,
)
from staffing.roster.model import (
    Prefixed,
    RosterModel,
    ShiftLayer,
    check_coverable,
    describe_intervals,
    shift_layer,
)
from staffing.roster.rules import ShiftRules
from staffing.roster.solver import SolveResult, SolverOptions, linear, solve

__all__ = [
    "JointDemand",
    "JointGroup",
    "JointRoster",
    "build_joint_roster",
    "check_reach",
    "teams",
]


@dataclass(frozen=True)
class JointGroup:
    """A skill group as the joint model sees it.

    Attributes
    ----------
    name : str
    channels : tuple of str
        Channels it serves.
    rules : ShiftRules
        Its shift types (and contracts), costs including the group's premium.
    min_headcount, max_headcount : int or None
        People per week (with contracts).
    """

    name: str
    channels: tuple[str, ...]
    rules: ShiftRules
    min_headcount: int | None = None
    max_headcount: int | None = None


@dataclass(frozen=True)
class JointDemand:
    """What the channels need, on the roster grid.

    Attributes
    ----------
    times : pandas.Series
        ``interval_start`` of every roster interval (tz-aware).
    live : pandas.DataFrame
        One row per live channel and interval: ``channel``, ``interval_start``, ``required``
        (scheduled agents required, shrinkage included), ``load`` (offered load [erlangs of
        agent time]) and ``shrinkage`` [fraction].
    deferred : pandas.DataFrame
        One row per deferred channel, tier and arrival interval with work: ``channel``,
        ``tier``, ``work`` [agent-intervals], ``ready`` (first interval it may be worked) and
        ``due`` (interval by whose end it is due; beyond the horizon: not forced).
    deferred_open : dict
        Deferred channel -> bool per interval (work may be done) and its ``shrinkage`` under
        the key ``(channel, "shrinkage")``.
    """

    times: pd.Series
    live: pd.DataFrame
    deferred: pd.DataFrame
    deferred_open: dict[Any, np.ndarray]


@dataclass(frozen=True)
class JointRoster:
    """The solved joint roster.

    Attributes
    ----------
    models : dict
        Group -> :class:`RosterModel` view of its part of the solution (for the roster readers).
    coverage : pandas.DataFrame
        Per group and interval: ``group``, ``interval_start``, ``scheduled`` [agents on duty],
        ``productive`` [agents], ``live`` [agents on duty for live channels] and
        ``deferred_work`` [agent-intervals of deferred work done].
    live : pandas.DataFrame
        Per live channel and interval: ``channel``, ``interval_start``, ``required``,
        ``allocated`` and ``shortfall`` [scheduled agents].
    deferred : pandas.DataFrame
        Per deferred channel, tier and interval: ``channel``, ``tier``, ``interval_start``,
        ``done`` [agent-intervals], ``late`` [agent-intervals overdue at the interval's end].
    solve : SolveResult
    """

    models: dict[str, RosterModel]
    coverage: pd.DataFrame
    live: pd.DataFrame
    deferred: pd.DataFrame
    solve: SolveResult


def build_joint_roster(
    demand: JointDemand,
    groups: list[JointGroup],
    rules: ShiftRules,
    *,
    max_occupancy: float = 0.95,
    late_work_penalty: float | None = None,
    options: SolverOptions | None = None,
) -> JointRoster:
    """Solve one roster for every skill group, covering live channels and deferred work.

    Parameters
    ----------
    demand : JointDemand
        Live requirements and deferred work on the grid of ``rules.interval_minutes``.
    groups : list of JointGroup
    rules : ShiftRules
        Shared settings: ``interval_minutes``, ``understaffing_per_agent_interval`` (also the
        price of an agent-interval of deferred work one interval late), ``hard_coverage``.
    max_occupancy : float
        Cap on live load plus deferred work per productive agent of a group serving deferred
        work [fraction].
    late_work_penalty : float, optional
        Price of one agent-interval of deferred work one interval late [currency] (default
        ``rules.understaffing_per_agent_interval``); ignored with ``hard_coverage``.
    options : SolverOptions, optional

    Returns
    -------
    JointRoster

    Raises
    ------
    ConfigError
        A deferred tier whose items no group can work before their deadline (names tier and
        times).
    InfeasibleError
        Hard coverage that the groups cannot meet.

    Notes
    -----
    Groups that share no channel, directly or through other groups, make independent
    rosters: each such set is solved as its own model, with the full time limit.

    Examples
    --------
    See :func:`staffing.blending.blended_roster`, which prepares the demand from a plan.
    """
    options = options or SolverOptions()
    late = late_work_penalty
    if late is None:
        late = rules.understaffing_per_agent_interval
    check_reach(demand, groups, rules)
    parts = [
        _solve_part(_part_demand(demand, team), team, rules, max_occupancy, late, options)
        for team in _components(groups)
    ]
    models: dict[str, RosterModel] = {}
    for part in parts:
        models.update(part.models)
    return JointRoster(
        models={g.name: models[g.name] for g in groups},
        coverage=_concat([p.coverage for p in parts]),
        live=_concat([p.live for p in parts]),
        deferred=_concat([p.deferred for p in parts]),
        solve=_merged([p.solve for p in parts]),
    )


def teams(channels: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Groups joined by the channels they share, directly or through other groups.

    Each team is an independent roster (and pools its agents in the simulation).

    Parameters
    ----------
    channels : mapping
        Group -> the channels it serves.

    Returns
    -------
    list of list of str
        The teams, each in the order of ``channels``, ordered by their first group.

    Examples
    --------
    >>> teams({"chat": ["chat"], "phone": ["phone"], "blend": ["phone", "email"]})
    [['chat'], ['phone', 'blend']]
    """
    joined: list[tuple[set[str], list[str]]] = []
    for group, served in channels.items():
        mine = set(served)
        linked = [t for t in joined if t[0] & mine]
        for team in linked:
            joined.remove(team)
            mine |= team[0]
        joined.append((mine, [g for t in linked for g in t[1]] + [group]))
    order = {g: n for n, g in enumerate(channels)}
    return sorted(
        (sorted(members, key=order.__getitem__) for _, members in joined),
        key=lambda team: order[team[0]],
    )


def _components(groups: list[JointGroup]) -> list[list[JointGroup]]:
    """The groups of each team (:func:`teams`): independent rosters."""
    by_name = {g.name: g for g in groups}
    return [[by_name[g] for g in team] for team in teams({g.name: g.channels for g in groups})]


def _part_demand(demand: JointDemand, team: list[JointGroup]) -> JointDemand:
    channels = {c for g in team for c in g.channels}
    keep_open = {
        k: v
        for k, v in demand.deferred_open.items()
        if (k[0] if isinstance(k, tuple) else k) in channels
    }
    return JointDemand(
        times=demand.times,
        live=demand.live[demand.live["channel"].isin(channels)],
        deferred=demand.deferred[demand.deferred["channel"].isin(channels)],
        deferred_open=keep_open,
    )


def _solve_part(
    demand: JointDemand,
    groups: list[JointGroup],
    rules: ShiftRules,
    max_occupancy: float,
    late: float,
    options: SolverOptions,
) -> JointRoster:
    """The joint model of groups that share channels (see :func:`build_joint_roster`)."""
    times = demand.times.reset_index(drop=True)
    horizon = len(times)
    prob = pulp.LpProblem("joint_roster", pulp.LpMinimize)
    frame = pd.DataFrame({"interval_start": times, "required": 0})
    live = _live_table(demand, times)
    layers: dict[str, ShiftLayer] = {}
    shrink: dict[str, np.ndarray] = {}
    for n, group in enumerate(groups):
        bound = _group_bound(group, live, demand, horizon)
        layers[group.name] = shift_layer(Prefixed(prob, f"g{n}_"), frame, group.rules, bound)
        shrink[group.name] = _group_shrinkage(group, live, demand, horizon)
    penalty = rules.understaffing_per_agent_interval
    objective: dict[pulp.LpVariable, float] = {}
    for group in groups:
        for var, coef in layers[group.name].cost.items():
            objective[var] = objective.get(var, 0.0) + coef
        _headcount_rows(prob, group, layers[group.name])
    split = _live_rows(prob, live, groups, penalty, rules.hard_coverage, objective)
    work, tiers = _deferred_rows(prob, demand, groups, horizon, late, rules, objective)
    _capacity_rows(prob, groups, layers, shrink, live, split, work, max_occupancy)
    prob += linear(objective)
    try:
        result = solve(prob, options)
    except InfeasibleError:
        raise InfeasibleError(
            "hard_coverage: the skill groups cannot cover every live requirement and deferred "
            "deadline together; check each group's shifts, contracts and headcount limits, or "
            "turn hard_coverage off to see the shortfall"
        ) from None
    models = {g.name: _model_view(prob, frame, g.rules, layers[g.name]) for g in groups}
    return JointRoster(
        models=models,
        coverage=_group_coverage(groups, layers, shrink, split, work, times),
        live=_live_result(live, split, times),
        deferred=_deferred_result(tiers, times),
        solve=result,
    )


def _live_table(demand: JointDemand, times: pd.Series) -> dict[str, pd.DataFrame]:
    out = {}
    for channel, part in demand.live.groupby("channel", sort=False):
        part = part.set_index("interval_start").reindex(pd.DatetimeIndex(times))
        out[str(channel)] = pd.DataFrame(
            {
                "required": part["required"].fillna(0.0).to_numpy(float),
                "load": part["load"].fillna(0.0).to_numpy(float),
                "shrinkage": part["shrinkage"].fillna(0.0).to_numpy(float),
            }
        )
    return out


def _group_bound(group, live, demand, horizon) -> np.ndarray:
    """Agents the group can usefully have on duty: its live channels' needs, unbounded with
    deferred work (which can move in time)."""
    if any(c in demand.deferred_open for c in group.channels):
        return np.full(horizon, np.inf)
    total = np.zeros(horizon)
    for channel in group.channels:
        if channel in live:
            table = live[channel]
            total += table["required"].to_numpy()
    return np.ceil(total - 1e-9)


def _group_shrinkage(group, live, demand, horizon) -> np.ndarray:
    values = [np.zeros(horizon)]
    for channel in group.channels:
        if channel in live:
            values.append(live[channel]["shrinkage"].to_numpy())
        elif (channel, "shrinkage") in demand.deferred_open:
            values.append(demand.deferred_open[(channel, "shrinkage")])
    return np.max(np.vstack(values), axis=0)


def _reach(group: JointGroup, times: pd.Series) -> np.ndarray:
    """Intervals where some shift of the group can be on duty (outside fixed breaks)."""
    from staffing.roster.model import shift_instances

    frame = pd.DataFrame({"interval_start": times, "required": 1})
    open_ = check_coverable(frame, group.rules, shift_instances(frame, group.rules))
    mask = np.ones(len(times), dtype=bool)
    mask[open_] = False
    return mask


def check_reach(demand: JointDemand, groups: list[JointGroup], rules: ShiftRules) -> None:
    """Check that the groups can be on duty where the channels need them.

    Every deferred item must have an interval, between its arrival and its deadline, in which
    a group serving its channel can be on duty (outside fixed breaks) while the channel is
    open; with ``rules.hard_coverage``, every interval with a live requirement must be one in
    which a group serving the channel can be on duty.

    Parameters
    ----------
    demand : JointDemand
    groups : list of JointGroup
    rules : ShiftRules

    Raises
    ------
    ConfigError
        A deferred tier that cannot be reached in time (names tier, groups and times).
    InfeasibleError
        With hard coverage, a live channel that cannot be covered (names the intervals).

    Examples
    --------
    See :func:`staffing.blending.check_blend`.
    """
    times = demand.times.reset_index(drop=True)
    reach = {g.name: _reach(g, times) for g in groups}

    def able(channel: str) -> np.ndarray:
        """Intervals some group serving ``channel`` can be on duty in."""
        mask = np.zeros(len(times), dtype=bool)
        for g in groups:
            if channel in g.channels:
                mask |= reach[g.name]
        return mask

    _check_deferred_reach(demand, groups, times, able)
    if rules.hard_coverage:
        _check_live_reach(_live_table(demand, times), times, able)


def _check_deferred_reach(demand: JointDemand, groups: list[JointGroup], times, able) -> None:
    """Every deferred item must have an interval, before its deadline, that a group serving
    its channel can be on duty in while the channel is open."""
    horizon = len(times)
    for (channel, tier), part in demand.deferred.groupby(["channel", "tier"], sort=False):
        can = able(channel) & demand.deferred_open[channel]
        count = np.concatenate([[0], np.cumsum(can)])
        bad = []
        for ready, due, work in part[["ready", "due", "work"]].itertuples(index=False):
            if work <= 0 or due >= horizon:
                continue
            if ready > due or count[due + 1] - count[min(ready, horizon)] == 0:
                bad.append(int(ready) - 1)
        if bad:
            serving = [g.name for g in groups if channel in g.channels]
            raise ConfigError(
                f"service.channels.{channel}.tiers ({tier}): no group serving {channel!r} "
                f"(blending.groups {serving}) can work items arriving in "
                f"{describe_intervals(pd.DataFrame({'interval_start': times}), bad)} before "
                "their response time runs out; give a serving group shifts then, open the "
                "channel, or loosen the tier's target"
            )


def _check_live_reach(live, times: pd.Series, able) -> None:
    frame = pd.DataFrame({"interval_start": times})
    for channel, table in live.items():
        need = table["required"].to_numpy() > 0
        bad = [int(i) for i in np.flatnonzero(need & ~able(channel))]
        if bad:
            raise InfeasibleError(
                f"hard_coverage: no group serving {channel!r} can be on duty in "
                f"{describe_intervals(frame, bad)}"
            )


def _headcount_rows(prob, group: JointGroup, layer: ShiftLayer) -> None:
    if layer.tours is None:
        return
    weeks: dict[int, list] = defaultdict(list)
    for key, var in layer.tours.t.items():
        weeks[key.week].append(var)
    for week, lines in weeks.items():
        total = pulp.lpSum(lines)
        tag = f"{group.name}_{week}".replace(" ", "_")
        if group.max_headcount is not None:
            prob += total <= group.max_headcount, f"group_max_headcount_{tag}"
        if group.min_headcount is not None:
            prob += total >= group.min_headcount, f"group_min_headcount_{tag}"


def _live_rows(prob, live, groups, penalty, hard, objective) -> dict:
    """Split variables y[g, c, t] and the live coverage rows."""
    split: dict[tuple[str, str, int], pulp.LpVariable] = {}
    for c, (channel, table) in enumerate(live.items()):
        need = table["required"].to_numpy()
        serving = [g for g in groups if channel in g.channels]
        for t in np.flatnonzero(need > 0):
            row: dict[pulp.LpVariable, float] = {}
            for n, g in enumerate(serving):
                var = prob.add_variable(f"y_{c}_{n}_{t}", lowBound=0)
                split[(g.name, channel, int(t))] = var
                row[var] = 1.0
            if not hard:
                short = prob.add_variable(f"short_{c}_{t}", lowBound=0)
                row[short] = 1.0
                objective[short] = penalty
            prob += linear(row) >= float(need[t]), f"live_{c}_{t}"
    return split


def _deferred_rows(prob, demand, groups, horizon, penalty, rules, objective):
    """Cumulative work per tier and the work variables v[g, e, t] of the groups."""
    work: dict[tuple[str, str, int], pulp.LpVariable] = {}
    tiers: dict[tuple[str, str], dict[str, Any]] = {}
    channels = list(dict.fromkeys(demand.deferred["channel"]))
    for e, channel in enumerate(channels):
        is_open = demand.deferred_open[channel]
        serving = [g for g in groups if channel in g.channels]
        done_terms: list[dict[pulp.LpVariable, float]] = [{} for _ in range(horizon)]
        own = demand.deferred[demand.deferred["channel"] == channel]
        for k, (tier, part) in enumerate(own.groupby("tier", sort=False)):
            ready = _cumulative(part, "ready", horizon)
            due = _cumulative(part, "due", horizon)
            done, late = [], []
            previous = None
            for t in range(horizon):
                low = 0.0 if not rules.hard_coverage else due[t]
                var = prob.add_variable(
                    f"W_{e}_{k}_{t}", lowBound=min(low, ready[t]), upBound=ready[t]
                )
                done.append(var)
                if not rules.hard_coverage and due[t] > 1e-12:
                    slack = prob.add_variable(f"late_{e}_{k}_{t}", lowBound=0)
                    late.append(slack)
                    objective[slack] = penalty
                    prob += var + slack >= due[t], f"due_{e}_{k}_{t}"
                else:
                    late.append(None)
                step = {var: 1.0} if previous is None else {var: 1.0, previous: -1.0}
                prob += linear(step) >= 0, f"order_{e}_{k}_{t}"
                for v, coef in step.items():
                    done_terms[t][v] = done_terms[t].get(v, 0.0) + coef
                previous = var
            tiers[(channel, str(tier))] = {"done": done, "late": late}
        for t in range(horizon):
            row = dict(done_terms[t])
            if is_open[t]:
                for n, g in enumerate(serving):
                    var = prob.add_variable(f"v_{e}_{n}_{t}", lowBound=0)
                    work[(g.name, channel, t)] = var
                    row[var] = -1.0
            prob += linear(row) == 0, f"work_{e}_{t}"
    return work, tiers


def _cumulative(part: pd.DataFrame, column: str, horizon: int) -> np.ndarray:
    """Work [agent-intervals] with ``column`` at or before each interval."""
    index = part[column].to_numpy(int)
    inside = index < horizon
    per = np.bincount(
        index[inside], weights=part["work"].to_numpy(float)[inside], minlength=horizon
    )
    return np.cumsum(per)


def _capacity_rows(prob, groups, layers, shrink, live, split, work, rho) -> None:
    for n, g in enumerate(groups):
        keep = 1.0 - shrink[g.name]
        cover = layers[g.name].cover
        deferred = any(key[0] == g.name for key in work)
        for t in range(len(keep)):
            ys = {split[(g.name, c, t)]: live[c] for c in g.channels if (g.name, c, t) in split}
            vs = [work[(g.name, c, t)] for c in g.channels if (g.name, c, t) in work]
            if not ys and not vs:
                continue
            if ys:
                row = dict.fromkeys(ys, 1.0)
                for var, coef in cover[t].items():
                    row[var] = row.get(var, 0.0) - coef
                prob += linear(row) <= 0, f"live_cap_{n}_{t}"
            if deferred:
                row = {}
                for var, table in ys.items():
                    need = table["required"].iloc[t]
                    row[var] = float(table["load"].iloc[t] / need) if need > 0 else 0.0
                for var in vs:
                    row[var] = 1.0
                for var, coef in cover[t].items():
                    row[var] = row.get(var, 0.0) - rho * keep[t] * coef
                prob += linear(row) <= 0, f"busy_cap_{n}_{t}"
