r"""From lines of work to people: give each line to a named agent, and count who is missing.

A small binary program: :math:`z_{a,l} = 1` when agent :math:`a` works line :math:`l`. An agent
takes a line only when it fits: the agent's ``contract`` (when given) is the line's, the line's
weekly paid hours are within the contracted hours (plus ``agents.hours_tolerance``), no working
day is unavailable, every start lies in the agent's start window, and the line has no more days
than ``agents.max_days_per_week``. Each line goes to at most one agent and each agent works at
most one line a week. Across two weeks (``multi_week = "independent"``) an agent's lines must
leave ``agents.min_rest_hours`` between the last shift of one week and the first of the next,
and no run of working days longer than ``agents.max_consecutive_days``; ``max_weekend_days``
bounds the weekend days of the whole horizon.

The objective fills as many lines as possible (1,000 per unfilled line), then gives agents as
many of their contracted hours as possible (1 per hour), then spreads weekends (4 × the most
weekend days of any agent). Lines left unfilled are the hiring need.

Examples
--------
>>> from staffing.roster import Agent, build_roster, example_requirements
>>> from staffing.roster.rules import ShiftRules, ShiftType
>>> from staffing.roster.contracts import Contract
>>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
...     name="d", length_hours=8, start_earliest="06:00", start_latest="15:30")],
...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
>>> agents = [Agent(name=f"A{k}", contracted_hours=40) for k in range(3)]
>>> result = build_roster(example_requirements(peak=2), rules, agents=agents)
>>> filled = result.summary.assignment["filled_lines"]
>>> filled, filled + result.summary.assignment["hiring"][0]["lines"] == len(result.lines)
(3, True)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pulp

from staffing.roster.assign import Agent, read_agents
from staffing.roster.rules import WEEKDAYS, ShiftRules
from staffing.roster.solver import SolveResult, SolverOptions, linear, solve

__all__ = ["LineAssignment", "assign_lines"]

#: Objective weight of one unfilled line [per line]: above any hours an agent could gain.
UNFILLED_WEIGHT = 1000.0


@dataclass(frozen=True)
class LineAssignment:
    """Outcome of giving lines of work to named agents.

    Attributes
    ----------
    status : str
        Solver status.
    filled_lines, unfilled_lines : int
        Lines given to an agent, and lines left for new hires.
    hiring : list of dict
        Per contract: ``contract``, ``lines`` unfilled [people to hire], ``fte`` and
        ``paid_hours_per_week`` [h] of those lines.
    idle_agents : list of str
        Agents given no line.
    hours : dict
        Agent -> paid hours over the horizon [h].
    weekend_days : dict
        Agent -> weekend days worked over the horizon.
    solve : SolveResult
    """

    status: str
    filled_lines: int
    unfilled_lines: int
    hiring: list[dict[str, Any]]
    idle_agents: list[str]
    hours: dict[str, float]
    weekend_days: dict[str, int]
    solve: SolveResult = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        data = asdict(self)
        data["solve"] = self.solve.to_dict()
        return data


@dataclass
class _Line:
    line: int
    contract: str
    weeks: list[int]
    rows: pd.DataFrame
    paid: float
    weekend: int
    lead: int
    trail: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def _runs(worked: list[bool]) -> tuple[int, int]:
    lead = next((k for k, w in enumerate(worked) if not w), len(worked))
    trail = next((k for k, w in enumerate(reversed(worked)) if not w), len(worked))
    return lead, trail


def _lines(roster: pd.DataFrame, rules: ShiftRules, week_start: pd.Timestamp) -> list[_Line]:
    by_name = {s.name: s for s in rules.shifts}
    weekend = set(rules.agents.weekend_days)
    out = []
    for line, rows in roster.groupby("line", sort=True):
        weeks = sorted(int(w) for w in set(rows["week"]))
        first_week = rows[rows["week"] == weeks[0]]
        offset = [
            (s.date() - week_start.date()).days - 7 * (weeks[0] - 1) for s in first_week["start"]
        ]
        worked = [q in offset for q in range(7)]
        lead, trail = _runs(worked)
        starts = list(first_week["start"])
        out.append(
            _Line(
                line=int(line),
                contract=str(rows["contract"].iloc[0]),
                weeks=weeks,
                rows=rows,
                paid=len(first_week) * by_name[rows["shift"].iloc[0]].paid_hours,
                weekend=sum(WEEKDAYS[s.weekday()] in weekend for s in rows["start"]),
                lead=lead,
                trail=trail,
                first=starts[0] if worked[0] else None,
                last=list(first_week["end"])[-1] if worked[6] else None,
            )
        )
    return out


def _fits(agent: Agent, line: _Line, rules: ShiftRules) -> bool:
    if agent.contract is not None and agent.contract != line.contract:
        return False
    if line.paid > agent.contracted_hours + rules.agents.hours_tolerance + 1e-9:
        return False
    if len(line.rows) / len(line.weeks) > rules.agents.max_days_per_week:
        return False
    return all(agent.available(start) for start in line.rows["start"])


def _clash(a: _Line, b: _Line, rules: ShiftRules) -> bool:
    """Whether one person cannot work line ``a`` in a week and line ``b`` in the next."""
    if a.trail + b.lead > rules.agents.max_consecutive_days:
        return True
    if a.last is None or b.first is None:
        return False
    return b.first - a.last < pd.Timedelta(rules.agents.min_rest_hours, unit="h")


def assign_lines(
    roster: pd.DataFrame,
    table: pd.DataFrame,
    agents: list[Agent] | pd.DataFrame | str | Path,
    rules: ShiftRules,
    options: SolverOptions | None = None,
    *,
    horizon_start: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, LineAssignment]:
    """Give each line of work to at most one named agent; unfilled lines are the hiring need.

    Parameters
    ----------
    roster : DataFrame
        Rows of :func:`staffing.roster.lines.line_days` (one per line and working day).
    table : DataFrame
        The lines table (:func:`staffing.roster.lines.lines_table`), for the hiring figures.
    agents : list of Agent, DataFrame, str or Path
        Named agents (see :func:`staffing.roster.assign.read_agents`).
    rules : ShiftRules
    options : SolverOptions, optional
    horizon_start : Timestamp, optional
        First interval of the horizon (its local date starts week 1); default the first start.

    Returns
    -------
    roster : DataFrame
        ``roster`` with an ``agent`` column ("" for an unfilled line).
    result : LineAssignment

    Examples
    --------
    >>> from staffing.roster import Agent, build_roster, example_requirements
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="06:00", start_latest="15:30")],
    ...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
    >>> result = build_roster(example_requirements(peak=2), rules,
    ...                       agents=[Agent(name="Ann", contracted_hours=40, unavailable=["sun"])])
    >>> days = set(result.roster.loc[result.roster["agent"] == "Ann", "start"].dt.day_name())
    >>> len(days), "Sunday" in days
    (5, False)
    """
    options = options or SolverOptions()
    people = read_agents(agents)
    week_start = pd.Timestamp(horizon_start if horizon_start is not None else min(roster["start"]))
    lines = _lines(roster, rules, week_start)
    prob = pulp.LpProblem("lines", pulp.LpMinimize)
    z: dict[tuple[int, int], pulp.LpVariable] = {}
    for a, agent in enumerate(people):
        for n, line in enumerate(lines):
            if _fits(agent, line, rules):
                z[a, n] = prob.add_variable(f"z_{a}_{n}", cat=pulp.LpBinary)
    by_line: dict[int, list] = defaultdict(list)
    by_agent_week: dict[tuple[int, int], list] = defaultdict(list)
    for (a, n), var in z.items():
        by_line[n].append(var)
        for w in lines[n].weeks:
            by_agent_week[(a, w)].append(var)
    for n, variables in by_line.items():
        prob += pulp.lpSum(variables) <= 1, f"line_{n}"
    for (a, w), variables in by_agent_week.items():
        if len(variables) > 1:
            prob += pulp.lpSum(variables) <= 1, f"week_{a}_{w}"
    _cross_weeks(prob, z, lines, len(people), rules)
    weekend_max = prob.add_variable("weekend_max", lowBound=0)
    for a in range(len(people)):
        mine = {var: lines[n].weekend for (b, n), var in z.items() if b == a}
        if not mine:
            continue
        prob += linear({**mine, weekend_max: -1.0}) <= 0, f"weekend_{a}"
        if rules.agents.max_weekend_days is not None:
            prob += linear(mine) <= rules.agents.max_weekend_days, f"max_weekend_{a}"
    gain = {
        var: UNFILLED_WEIGHT + lines[n].paid * len(lines[n].weeks) for (_, n), var in z.items()
    }
    prob += -linear(gain) + 4 * weekend_max
    result = solve(prob, options)
    return _read(roster, table, people, lines, z, result, rules)


def _cross_weeks(
    prob: pulp.LpProblem, z: dict, lines: list[_Line], agents: int, rules: ShiftRules
) -> None:
    """Rest and consecutive days between an agent's lines of two following weeks."""
    weeks = sorted({w for line in lines for w in line.weeks})
    for w in weeks[:-1]:
        before = [n for n, line in enumerate(lines) if line.weeks == [w]]
        after = [n for n, line in enumerate(lines) if line.weeks == [w + 1]]
        bad = [(m, n) for m in before for n in after if _clash(lines[m], lines[n], rules)]
        if not bad:
            continue
        for a in range(agents):
            for m, n in bad:
                if (a, m) in z and (a, n) in z:
                    prob += z[a, m] + z[a, n] <= 1, f"cross_{a}_{m}_{n}"


def _read(
    roster: pd.DataFrame,
    table: pd.DataFrame,
    people: list[Agent],
    lines: list[_Line],
    z: dict,
    result: SolveResult,
    rules: ShiftRules,
) -> tuple[pd.DataFrame, LineAssignment]:
    holder = {}
    for (a, n), var in z.items():
        if (var.varValue or 0.0) > 0.5:
            holder[lines[n].line] = people[a].name
    named = roster.assign(agent=roster["line"].map(holder).fillna("").astype(str))
    hours = {a.name: 0.0 for a in people}
    weekend = dict.fromkeys(hours, 0)
    for line in lines:
        if line.line in holder:
            hours[holder[line.line]] += line.paid * len(line.weeks)
            weekend[holder[line.line]] += line.weekend
    open_lines = table[~table["line"].isin(list(holder))].drop_duplicates("line")
    hiring = []
    for contract in rules.contracts:
        own = open_lines[open_lines["contract"] == contract.name]
        hiring.append(
            {
                "contract": contract.name,
                "lines": len(own),
                "fte": float(own["fte"].sum()),
                "paid_hours_per_week": float(own["paid_hours"].sum()),
            }
        )
    busy = set(holder.values())
    assignment = LineAssignment(
        status=result.status,
        filled_lines=len(holder),
        unfilled_lines=len(lines) - len(holder),
        hiring=hiring,
        idle_agents=[a.name for a in people if a.name not in busy],
        hours=hours,
        weekend_days=weekend,
        solve=result,
    )
    return named, assignment
