r"""Stage 2: give every agent-shift of a roster to a named agent.

A small binary program: :math:`y_{a,g} = 1` when agent :math:`a` works one of the agents of
shift group :math:`g`. Hard rules: each group gets exactly its number of agents; an agent works
only where available, at most one shift per calendar day, at most ``max_days_per_week`` days in
each 7-day block of the horizon, at most ``max_consecutive_days`` days in a row, has a run of
``min_consecutive_days_off`` days off in each 7-day block, rests ``min_rest_hours`` between
shifts, works at most the contracted weekly hours (plus ``hours_tolerance``) in each 7-day
block, and at most ``max_weekend_days`` weekend days. The objective minimises the hours short
of contract, plus the largest shortfall of any agent in any block (spreading hours), plus
4 × the largest number of weekend days any agent works (fair weekends).

When the rules cannot be met, necessary conditions are checked first (hours per week, agents
available per day and per shift), then each rule is relaxed in turn; the error names the rules
whose relaxation restores feasibility and the agents that would break them.

Examples
--------
>>> from staffing.roster.assign import Agent
>>> Agent(name="Ann", contracted_hours=37.5, unavailable=["sun"]).unavailable
['sun']
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pulp
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from staffing.errors import DataError, InfeasibleError
from staffing.roster.rules import WEEKDAYS, ShiftRules, clock_minutes
from staffing.roster.solver import SolveResult, SolverOptions, solve

__all__ = ["Agent", "AssignmentResult", "assign_agents", "read_agents"]

#: Rules that stage 2 can relax one at a time to diagnose infeasibility.
RULES = (
    "availability",
    "contracted_hours",
    "max_days_per_week",
    "max_consecutive_days",
    "min_consecutive_days_off",
    "min_rest_hours",
    "max_weekend_days",
)


class Agent(BaseModel):
    """A named agent.

    Attributes
    ----------
    name : str
        Unique name.
    contracted_hours : float
        Contracted paid hours per 7-day block [h].
    unavailable : list of str
        Weekdays (``"mon"`` … ``"sun"``) or ISO dates (``"2024-01-03"``) on which the agent
        starts no shift.
    earliest_start, latest_start : str or None
        Window of local clock start times ``"HH:MM"`` the agent accepts (default any).
    contract : str or None
        Contract held (a name in the rules' ``contracts``); with weekly lines of work the agent
        takes only lines of this contract (default any line within the contracted hours).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    contracted_hours: float = Field(ge=0)
    unavailable: list[str] = Field(default_factory=list)
    earliest_start: str | None = None
    latest_start: str | None = None
    contract: str | None = None

    @field_validator("unavailable")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in WEEKDAYS:
                try:
                    dt.date.fromisoformat(item)
                except ValueError:
                    raise ValueError(
                        f"expected a weekday ({', '.join(WEEKDAYS)}) or an ISO date, got {item!r}"
                    ) from None
        return value

    @field_validator("earliest_start", "latest_start")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            clock_minutes(value)
        return value

    def available(self, start: pd.Timestamp) -> bool:
        """Whether the agent can start a shift at ``start`` (local time).

        Examples
        --------
        >>> import pandas as pd
        >>> Agent(name="A", contracted_hours=8, unavailable=["mon"]).available(
        ...     pd.Timestamp("2024-01-01 09:00"))
        False
        """
        day = WEEKDAYS[start.weekday()]
        if day in self.unavailable or start.date().isoformat() in self.unavailable:
            return False
        minute = start.hour * 60 + start.minute
        if self.earliest_start is not None and minute < clock_minutes(self.earliest_start):
            return False
        return not (self.latest_start is not None and minute > clock_minutes(self.latest_start))


def read_agents(source: list[Agent] | pd.DataFrame | str | Path) -> list[Agent]:
    """Read named agents from a list, a frame or a CSV file.

    The CSV has columns ``name, contracted_hours`` [h per week] and optionally ``unavailable``
    (weekdays or ISO dates separated by ``;``), ``earliest_start`` and ``latest_start``
    (``"HH:MM"``) and ``contract``.

    Parameters
    ----------
    source : list of Agent, DataFrame, str or Path

    Returns
    -------
    list of Agent

    Raises
    ------
    DataError
        Missing column, bad value (names the file, row and column) or duplicated name.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": ["Ann", "Bob"], "contracted_hours": [40, 20],
    ...                       "unavailable": ["sat;sun", ""]})
    >>> [a.unavailable for a in read_agents(frame)]
    [['sat', 'sun'], []]
    """
    if isinstance(source, list):
        agents = source
    else:
        name = str(source) if isinstance(source, str | Path) else "agents"
        if isinstance(source, pd.DataFrame):
            frame = source
        else:
            try:
                frame = pd.read_csv(source, dtype=str, keep_default_na=False)
            except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
                raise DataError(f"{name}: cannot read CSV ({err})") from None
        missing = [c for c in ("name", "contracted_hours") if c not in frame.columns]
        if missing:
            raise DataError(f"{name}: missing column(s) {missing}")
        known = {
            "name",
            "contracted_hours",
            "unavailable",
            "earliest_start",
            "latest_start",
            "contract",
        }
        extra = [c for c in frame.columns if c not in known]
        if extra:
            raise DataError(f"{name}: unknown column(s) {extra}; expected some of {sorted(known)}")
        agents = []
        for row, record in enumerate(frame.to_dict("records")):
            data = {k: v for k, v in record.items() if not (pd.isna(v) or v == "")}
            data["name"] = str(data.get("name", ""))
            if "unavailable" in data:
                data["unavailable"] = [d.strip() for d in str(data["unavailable"]).split(";")]
            try:
                agents.append(Agent.model_validate(data))
            except ValidationError as err:
                item = err.errors()[0]
                key = ".".join(str(p) for p in item["loc"])
                raise DataError(f"{name}: row {row + 2}, column {key!r}: {item['msg']}") from None
    names = [a.name for a in agents]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"agents: duplicated name(s) {dup}")
    if not agents:
        raise DataError("agents: no agents given")
    return agents


@dataclass(frozen=True)
class AssignmentResult:
    """Outcome of stage 2.

    Attributes
    ----------
    status : str
        Solver status.
    hours : dict
        Agent -> paid hours over the horizon [h].
    weekend_days : dict
        Agent -> weekend days worked.
    short_hours : float
        Hours short of contract, summed over agents and 7-day blocks [h].
    solve : SolveResult
    """

    status: str
    hours: dict[str, float]
    weekend_days: dict[str, int]
    short_hours: float
    solve: SolveResult

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        data = asdict(self)
        data["solve"] = self.solve.to_dict()
        return data


@dataclass
class _Problem:
    groups: pd.DataFrame
    agents: list[Agent]
    rules: ShiftRules
    day: np.ndarray
    days: int
    paid: np.ndarray
    weekend: np.ndarray
    ok: np.ndarray


def _prepare(
    roster: pd.DataFrame, agents: list[Agent], rules: ShiftRules, first: dt.date, days: int
) -> _Problem:
    by_name = {s.name: s for s in rules.shifts}
    day = np.array([(t.date() - first).days for t in roster["start"]])
    paid = roster["shift"].map(lambda n: by_name[n].paid_hours).to_numpy(dtype=float)
    weekend = np.array(
        [WEEKDAYS[t.weekday()] in rules.agents.weekend_days for t in roster["start"]]
    )
    ok = np.array([[a.available(t) for t in roster["start"]] for a in agents], dtype=bool)
    return _Problem(roster.reset_index(drop=True), agents, rules, day, days, paid, weekend, ok)


def _blocks(days: int) -> list[range]:
    return [range(b, min(b + 7, days)) for b in range(0, days, 7)]


def _build(p: _Problem, skip: frozenset[str]) -> tuple[pulp.LpProblem, dict, dict]:
    rules = p.rules.agents
    prob = pulp.LpProblem("assign", pulp.LpMinimize)
    groups = p.groups
    n_groups = len(groups)
    y: dict[tuple[int, int], pulp.LpVariable] = {}
    for a in range(len(p.agents)):
        for g in range(n_groups):
            if p.ok[a, g] or "availability" in skip:
                y[a, g] = prob.add_variable(
                    f"y_{a}_{g}", lowBound=0, upBound=1, cat=pulp.LpInteger
                )
    for g in range(n_groups):
        prob += (
            pulp.lpSum(y[a, g] for a in range(len(p.agents)) if (a, g) in y)
            == int(groups["agents"].iloc[g]),
            f"staff_{g}",
        )
    start_ns = pd.DatetimeIndex(groups["start"]).as_unit("ns").asi8
    end_ns = pd.DatetimeIndex(groups["end"]).as_unit("ns").asi8
    rest = int(rules.min_rest_hours * 3600 * 10**9) if "min_rest_hours" not in skip else 0
    span = p.days * 86400 * 10**9
    points = sorted(set(start_ns))
    short: dict[tuple[int, int], pulp.LpVariable] = {}
    weekend_max = prob.add_variable("weekend_max", lowBound=0)
    short_max = prob.add_variable("short_max", lowBound=0)
    for a, agent in enumerate(p.agents):
        mine = [g for g in range(n_groups) if (a, g) in y]
        on_day: dict[int, list] = defaultdict(list)
        for g in mine:
            on_day[int(p.day[g])].append(y[a, g])
        work = [pulp.lpSum(on_day.get(d, [])) for d in range(p.days)]
        for d, terms in on_day.items():
            if len(terms) > 1:
                prob += pulp.lpSum(terms) <= 1, f"one_a_day_{a}_{d}"
        for k, pt in enumerate(points):
            clique = [
                y[a, g]
                for g in mine
                if start_ns[g] <= pt < end_ns[g] + rest
                or (p.rules.cyclic and start_ns[g] <= pt + span < end_ns[g] + rest)
            ]
            if len(clique) > 1:
                prob += pulp.lpSum(clique) <= 1, f"rest_{a}_{k}"
        if "max_consecutive_days" not in skip and rules.max_consecutive_days < p.days:
            window = rules.max_consecutive_days + 1
            last = p.days if p.rules.cyclic else p.days - window + 1
            for d in range(max(last, 0)):
                prob += (
                    (
                        pulp.lpSum(work[(d + j) % p.days] for j in range(window))
                        <= rules.max_consecutive_days
                    ),
                    f"consecutive_{a}_{d}",
                )
        for b, block in enumerate(_blocks(p.days)):
            if "max_days_per_week" not in skip:
                prob += (
                    pulp.lpSum(work[d] for d in block) <= rules.max_days_per_week,
                    (f"days_{a}_{b}"),
                )
            hours = pulp.lpSum(p.paid[g] * y[a, g] for g in mine if p.day[g] in block)
            target = agent.contracted_hours * len(block) / 7
            if "contracted_hours" not in skip:
                prob += hours <= target + rules.hours_tolerance, f"hours_{a}_{b}"
            short[a, b] = prob.add_variable(f"short_{a}_{b}", lowBound=0)
            prob += short[a, b] >= target - hours, f"short_{a}_{b}"
            prob += short_max >= short[a, b], f"short_max_{a}_{b}"
            k = rules.min_consecutive_days_off
            if k and "min_consecutive_days_off" not in skip:
                run_starts = [d for d in block if p.rules.cyclic or d + k - 1 <= block[-1]]
                z = [
                    prob.add_variable(
                        f"off_{a}_{b}_{d}", lowBound=0, upBound=1, cat=pulp.LpInteger
                    )
                    for d in run_starts
                ]
                prob += pulp.lpSum(z) >= 1, f"off_{a}_{b}"
                for zv, d in zip(z, run_starts, strict=True):
                    for j in range(k):
                        prob += zv + work[(d + j) % p.days] <= 1, f"off_{a}_{b}_{d}_{j}"
        weekend = pulp.lpSum(y[a, g] for g in mine if p.weekend[g])
        prob += weekend_max >= weekend, f"weekend_{a}"
        if rules.max_weekend_days is not None and "max_weekend_days" not in skip:
            prob += weekend <= rules.max_weekend_days, f"max_weekend_{a}"
    prob += pulp.lpSum(short.values()) + short_max + 4 * weekend_max
    return prob, y, short


def _necessary(p: _Problem) -> None:
    names = [a.name for a in p.agents]
    tol = p.rules.agents.hours_tolerance
    for block in _blocks(p.days):
        in_block = np.isin(p.day, list(block))
        need = float((p.paid * p.groups["agents"].to_numpy())[in_block].sum())
        have = sum(a.contracted_hours * len(block) / 7 + tol for a in p.agents)
        if need > have + 1e-9:
            raise InfeasibleError(
                f"named agents: the roster needs {need:.1f} paid hours in days {block.start + 1}"
                f"-{block.stop} but the contracted hours of all agents ({', '.join(names)}) "
                f"total {have:.1f}; rule in conflict: contracted_hours"
            )
    counts = p.groups["agents"].to_numpy()
    for d in range(p.days):
        on = p.day == d
        need = int(counts[on].sum())
        free = [a.name for a, row in zip(p.agents, p.ok, strict=True) if row[on].any()]
        if need > len(free):
            away = [n for n in names if n not in free]
            raise InfeasibleError(
                f"named agents: day {d + 1} needs {need} agent-shifts but only {len(free)} "
                f"agent(s) are available; unavailable: {', '.join(away)}; rule in conflict: "
                "availability (at most one shift per agent per day)"
            )
    for g in range(len(p.groups)):
        free = int(p.ok[:, g].sum())
        if counts[g] > free:
            start = p.groups["start"].iloc[g].isoformat()
            raise InfeasibleError(
                f"named agents: shift {p.groups['shift'].iloc[g]!r} at {start} needs "
                f"{counts[g]} agents but only {free} are available then; rule in conflict: "
                "availability"
            )


def _longest_run(days: list[int], horizon: int, cyclic: bool) -> int:
    """Longest run of consecutive day numbers in ``days`` (wrapping round when cyclic)."""
    marks = [d in set(days) for d in range(horizon)]
    if cyclic and all(marks):
        return horizon
    seq = marks + marks if cyclic else marks
    best = run = 0
    for mark in seq:
        run = run + 1 if mark else 0
        best = max(best, run)
    return min(best, horizon)


def _violators(p: _Problem, y: dict, rule: str) -> list[str]:
    rules = p.rules.agents
    out = []
    for a, agent in enumerate(p.agents):
        taken = [g for g in range(len(p.groups)) if (a, g) in y and (y[a, g].varValue or 0) > 0.5]
        days = sorted({int(p.day[g]) for g in taken})
        bad = False
        if rule == "availability":
            bad = any(not p.ok[a, g] for g in taken)
        elif rule == "max_days_per_week":
            bad = any(sum(d in b for d in days) > rules.max_days_per_week for b in _blocks(p.days))
        elif rule == "contracted_hours":
            bad = any(
                sum(p.paid[g] for g in taken if p.day[g] in b)
                > agent.contracted_hours * len(b) / 7 + rules.hours_tolerance + 1e-9
                for b in _blocks(p.days)
            )
        elif rule == "max_weekend_days":
            bad = sum(bool(p.weekend[g]) for g in taken) > (rules.max_weekend_days or 0)
        elif rule == "max_consecutive_days":
            bad = _longest_run(days, p.days, p.rules.cyclic) > rules.max_consecutive_days
        elif rule == "min_consecutive_days_off":
            free = [d for d in range(p.days) if d not in days]
            bad = any(
                _longest_run([d for d in free if d in b], p.days, False)
                < rules.min_consecutive_days_off
                for b in _blocks(p.days)
            )
        else:
            spans = sorted((p.groups["start"].iloc[g], p.groups["end"].iloc[g]) for g in taken)
            gap = pd.Timedelta(rules.min_rest_hours, unit="h")
            bad = any(b[0] < a[1] + gap for a, b in itertools.pairwise(spans))
        if bad:
            out.append(agent.name)
    return out


def assign_agents(
    roster: pd.DataFrame,
    agents: list[Agent] | pd.DataFrame | str | Path,
    rules: ShiftRules,
    options: SolverOptions | None = None,
    *,
    horizon_start: pd.Timestamp | None = None,
    horizon_days: int | None = None,
) -> tuple[pd.DataFrame, AssignmentResult]:
    """Assign every agent-shift of a stage-1 roster to a named agent.

    Parameters
    ----------
    roster : DataFrame
        Stage-1 roster: ``shift, start, end, agents, breaks``.
    agents : list of Agent, DataFrame, str or Path
        Named agents (see :func:`read_agents`).
    rules : ShiftRules
        Rules; ``rules.agents`` holds the stage-2 rules.
    options : SolverOptions, optional
    horizon_start : Timestamp, optional
        First day of the horizon (default the day of the earliest shift).
    horizon_days : int, optional
        Days in the horizon (default up to the day of the latest shift start).

    Returns
    -------
    roster : DataFrame
        One row per agent-shift: ``shift, start, end, agents`` (1), ``breaks``, ``agent``.
    result : AssignmentResult

    Raises
    ------
    InfeasibleError
        The rules cannot be met; the message names the rules and agents in conflict.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> rules = ShiftRules(interval_minutes=60, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="09:00", start_latest="09:00")])
    >>> t = pd.Timestamp("2024-01-01 09:00")
    >>> hours = pd.Timedelta(1, unit="h")
    >>> roster = pd.DataFrame({"shift": ["d", "d"], "start": [t, t + 24 * hours],
    ...                        "end": [t + 8 * hours, t + 32 * hours],
    ...                        "agents": [1, 1], "breaks": [[], []]})
    >>> agents = [Agent(name="Ann", contracted_hours=40, unavailable=["tue"]),
    ...           Agent(name="Bob", contracted_hours=40)]
    >>> named, _ = assign_agents(roster, agents, rules, horizon_days=7)
    >>> named["agent"].tolist()
    ['Ann', 'Bob']
    """
    options = options or SolverOptions()
    agent_list = read_agents(agents)
    roster = roster[roster["agents"] > 0].reset_index(drop=True)
    first = (horizon_start or min(roster["start"])).date()
    if horizon_days is None:
        horizon_days = max((t.date() - first).days for t in roster["start"]) + 1
    p = _prepare(roster, agent_list, rules, first, horizon_days)
    _necessary(p)
    prob, y, short = _build(p, frozenset())
    try:
        result = solve(prob, options)
    except InfeasibleError:
        raise InfeasibleError(_diagnose(p, options)) from None
    rows = []
    for (a, g), var in y.items():
        if (var.varValue or 0) > 0.5:
            row = p.groups.iloc[g].to_dict()
            row.update(agents=1, agent=p.agents[a].name)
            rows.append(row)
    named = pd.DataFrame(rows).sort_values(["start", "shift", "agent"]).reset_index(drop=True)
    hours = {a.name: 0.0 for a in p.agents}
    weekend = dict.fromkeys(hours, 0)
    by_name = {s.name: s for s in rules.shifts}
    for row in named.itertuples(index=False):
        hours[row.agent] += by_name[row.shift].paid_hours
        weekend[row.agent] += WEEKDAYS[row.start.weekday()] in rules.agents.weekend_days
    total_short = float(sum(v.varValue or 0.0 for v in short.values()))
    return named, AssignmentResult(result.status, hours, weekend, total_short, result)


def _diagnose(p: _Problem, options: SolverOptions) -> str:
    culprits = []
    for rule in RULES:
        prob, y, _ = _build(p, frozenset({rule}))
        try:
            solve(prob, options)
        except InfeasibleError:
            continue
        names = _violators(p, y, rule)
        culprits.append(f"{rule} (agents: {', '.join(names) or 'any'})")
    if not culprits:
        return (
            "named agents: the rules cannot be met together and relaxing any single rule does "
            f"not help; rules involved: {', '.join(RULES)}"
        )
    return (
        "named agents: the rules cannot be met; relaxing any one of these restores a "
        f"solution: {'; '.join(culprits)}"
    )
