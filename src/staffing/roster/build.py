"""Build a roster: requirements and rules in, shifts with breaks (and named agents) out.

Examples
--------
>>> from staffing.roster import build_roster, example_requirements
>>> from staffing.roster.rules import example_rules
>>> result = build_roster(example_requirements(), example_rules())
>>> result.solve.status
'optimal'
>>> bool((result.coverage["scheduled"] >= 0).all())
True
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.errors import InfeasibleError
from staffing.roster.lines import row_costs
from staffing.roster.model import (
    RosterModel,
    build_model,
    describe_intervals,
    read_requirements,
    round_int,
)
from staffing.roster.output import RosterSummary, coverage_from_roster, summarise, write_outputs
from staffing.roster.rules import ShiftRules
from staffing.roster.solver import SolveResult, SolverOptions, solve

__all__ = ["RosterResult", "build_roster", "example_requirements"]


@dataclass(frozen=True)
class RosterResult:
    """A solved roster.

    Attributes
    ----------
    roster : DataFrame
        One row per shift group: ``shift, start, end, agents, breaks`` (``breaks`` a list of
        ``(start, end)`` timestamps), plus ``agent`` when named agents were assigned (then one
        row per agent-shift and ``agents`` is 1).
    coverage : DataFrame
        ``interval_start, required, scheduled, shortfall`` [agents], recomputed from ``roster``.
    summary : RosterSummary
        With contracts, one row per line and working day, with ``line``, ``week`` and
        ``contract`` first.
    coverage : DataFrame
        ``interval_start, required, scheduled, shortfall`` [agents], recomputed from ``roster``.
    summary : RosterSummary
    solve : SolveResult
        The stage-1 solve.
    rules : ShiftRules
    lines : DataFrame or None
        With contracts: one row per line of work (:func:`staffing.roster.lines.lines_table`).
    headcount : DataFrame or None
        With contracts: people, FTE, paid hours and cost per contract
        (:func:`staffing.roster.lines.headcount`).
    """

    roster: pd.DataFrame
    coverage: pd.DataFrame
    summary: RosterSummary
    solve: SolveResult
    rules: ShiftRules
    lines: pd.DataFrame | None = None
    headcount: pd.DataFrame | None = None

    def write(self, out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
        """Write ``roster.csv``, ``coverage.csv``, ``summary.json`` and, with contracts,
        ``lines.csv`` (see :func:`staffing.roster.output.write_outputs`)."""
        return write_outputs(
            out_dir, self.roster, self.coverage, self.summary, force=force, lines=self.lines
        )


def example_requirements(weeks: int = 1, peak: float = 20.0) -> pd.DataFrame:
    """A synthetic week of half-hourly requirements (Europe/London) with a contact-centre shape.

    Zero at night (00:00–06:00), two daytime peaks (about 10:30 and 15:00), weekends at 60%.

    Parameters
    ----------
    weeks : int
        Number of weeks from Monday 2024-01-01.
    peak : float
        Weekday peak [agents].

    Returns
    -------
    DataFrame
        ``interval_start, required`` [agents, integer].

    Examples
    --------
    >>> req = example_requirements()
    >>> len(req), int(req["required"].max())
    (336, 20)
    """
    times = pd.date_range(
        "2024-01-01", periods=weeks * 7 * 48, freq="30min", tz="Europe/London", name=None
    )
    hour = times.hour + times.minute / 60
    shape = 0.25 + 0.75 * np.maximum(
        np.exp(-0.5 * ((hour - 10.5) / 1.6) ** 2), 0.85 * np.exp(-0.5 * ((hour - 15) / 2.2) ** 2)
    )
    shape = np.where((hour >= 6) & (hour < 23.5), shape, 0.0)
    weekend = np.where(times.day_of_week >= 5, 0.6, 1.0)
    required = np.ceil(peak * shape * weekend / max(shape.max(), 1e-9) - 1e-9).astype(np.int64)
    return pd.DataFrame({"interval_start": times, "required": required})


def _groups(model: RosterModel) -> pd.DataFrame:
    rules = model.rules
    times = model.requirements["interval_start"]
    step = rules.interval_minutes
    counts: Counter[tuple[int, int, tuple[int, ...]]] = Counter()
    for inst, var in model.x.items():
        n = round_int(var.varValue or 0.0)
        if n > 0 and not rules.shifts[inst.shift].breaks:
            counts[(inst.shift, inst.start, ())] += n
    for start, shifts, first in model.breaks:
        if first > 0:
            continue
        members = sorted(
            (i for i in model.instances if i.start == start and i.shift in shifts),
            key=lambda i: i.shift,
        )
        agents = [m.shift for m in members for _ in range(round_int(model.x[m].varValue or 0))]
        n_breaks = len(rules.shifts[shifts[0]].breaks)
        placements = []
        for b in range(n_breaks):
            placed = model.breaks[(start, shifts, b)]
            offsets = [o for o, v in sorted(placed.items()) for _ in range(round_int(v.varValue))]
            placements.append(offsets)
        for j, shift in enumerate(agents):
            counts[(shift, start, tuple(p[j] for p in placements))] += 1
    rows = []
    for (shift, start, offsets), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0])):
        spec = rules.shifts[shift]
        t0 = times.iloc[start]
        breaks = [
            (
                t0 + pd.Timedelta(o * step, unit="min"),
                t0 + pd.Timedelta(o * step + b.length_minutes, unit="min"),
            )
            for o, b in zip(offsets, spec.breaks, strict=True)
        ]
        rows.append(
            {
                "shift": spec.name,
                "start": t0,
                "end": t0 + pd.Timedelta(spec.length_minutes, unit="min"),
                "agents": n,
                "breaks": breaks,
            }
        )
    return pd.DataFrame(rows, columns=["shift", "start", "end", "agents", "breaks"])


#: Contract keys that bound the mix, relaxed one at a time to explain an infeasible roster.
_MIX_KEYS = (
    "min_headcount",
    "max_headcount",
    "min_share_of_paid_hours",
    "max_share_of_paid_hours",
)


def _diagnose_hard(requirements: pd.DataFrame, rules: ShiftRules, options: SolverOptions) -> str:
    soft = rules.model_copy(
        update={"hard_coverage": False, "understaffing_per_agent_interval": 1e6}
    )
    model = build_model(requirements, soft)
    try:
        solve(model.prob, options)
    except InfeasibleError:
        return _diagnose_mix(requirements, soft, options)
    short = [i for i, u in enumerate(model.under) if u is not None and (u.varValue or 0) > 0.5]
    bounded = [s.name for s in rules.shifts if s.max_count is not None or s.min_count]
    limits = [
        f"contract {c.name!r} {key} = {getattr(c, key)}"
        for c in rules.contracts
        for key in _MIX_KEYS[1:]
        if getattr(c, key) is not None
    ]
    parts = [f"the min_count/max_count of shift type(s) {bounded}"] if bounded else []
    if limits:
        parts.append(f"the contract mix ({', '.join(limits)})")
    if rules.contracts:
        parts.append("the contracts' lines (days, start bands, weekly hours)")
    return (
        f"hard_coverage cannot be met in {describe_intervals(requirements, short)}; rules in "
        f"conflict: hard_coverage and {' and '.join(parts) or 'the shift types'}"
    )


def _diagnose_mix(requirements: pd.DataFrame, rules: ShiftRules, options: SolverOptions) -> str:
    """Name the contract-mix keys whose relaxation alone makes the roster feasible."""
    culprits = []
    for c, contract in enumerate(rules.contracts):
        for key in _MIX_KEYS:
            if getattr(contract, key) is None:
                continue
            contracts = list(rules.contracts)
            contracts[c] = contract.model_copy(update={key: None})
            relaxed = rules.model_copy(update={"contracts": contracts})
            try:
                solve(build_model(requirements, relaxed).prob, options)
            except InfeasibleError:
                continue
            culprits.append(f"contracts[{c}] ({contract.name!r}).{key} = {getattr(contract, key)}")
    if culprits:
        return (
            "the contract mix cannot be met whatever the coverage; dropping any one of these "
            f"rules would allow it: {'; '.join(culprits)}"
        )
    keys = [
        f"{c.name}.{key}"
        for c in rules.contracts
        for key in _MIX_KEYS
        if getattr(c, key) is not None
    ]
    return (
        "the contract mix cannot be met whatever the coverage; the rules in conflict are "
        f"among {', '.join(keys) or 'the contracts and shift counts'} (no single one explains it)"
    )


def build_roster(
    requirements: pd.DataFrame | str | Path,
    rules: ShiftRules,
    options: SolverOptions | None = None,
    *,
    agents: Any = None,
    queue: str | None = None,
    tz: str | None = None,
) -> RosterResult:
    """Solve the roster: shift counts and break times (stage 1), then named agents (stage 2).

    Parameters
    ----------
    requirements : DataFrame, str or Path
        ``interval_start, required`` [agents] on the grid of ``rules.interval_minutes`` (see
        :func:`staffing.roster.model.read_requirements`).
    rules : ShiftRules
    options : SolverOptions, optional
        Solver and options (default HiGHS).
    agents : list of Agent, DataFrame, str or Path, optional
        Named agents (see :func:`staffing.roster.assign.read_agents`); when given, each
        agent-shift is assigned to one agent.
    queue, tz : str, optional
        Passed to :func:`~staffing.roster.model.read_requirements`.

    Returns
    -------
    RosterResult

    Raises
    ------
    DataError
        Invalid requirements.
    InfeasibleError
        Hard coverage or agent rules that cannot be met (the message names the intervals,
        agents or rules).
    SolverError
        The solver stopped without a feasible solution.

    Examples
    --------
    >>> from staffing.roster import build_roster, example_requirements
    >>> from staffing.roster.rules import example_rules
    >>> result = build_roster(example_requirements(), example_rules())
    >>> result.summary.understaffed_agent_intervals >= 0
    True
    """
    options = options or SolverOptions()
    req = read_requirements(requirements, rules.interval_minutes, queue=queue, tz=tz)
    model = build_model(req, rules)
    try:
        result = solve(model.prob, options, start=model.start())
    except InfeasibleError:
        raise InfeasibleError(_diagnose_hard(req, rules, options)) from None
    if model.tours is not None:
        return _with_lines(model, req, result, options, agents)
    roster = _groups(model)
    coverage = coverage_from_roster(roster, req, rules.interval_minutes, rules.cyclic)
    paid, cost = row_costs(roster, rules)
    assignment = None
    if agents is not None:
        from staffing.roster.assign import assign_agents

        first = req["interval_start"].iloc[0]
        days = req["interval_start"].dt.date.nunique()
        roster, assign_result = assign_agents(
            roster, agents, rules, options, horizon_start=first, horizon_days=days
        )
        assignment = assign_result.to_dict()
        paid, cost = row_costs(roster, rules)
    summary = summarise(
        roster, coverage, rules.interval_minutes, result, paid, cost, assignment=assignment
    )
    return RosterResult(roster, coverage, summary, result, rules)


def _with_lines(
    model: RosterModel,
    req: pd.DataFrame,
    result: SolveResult,
    options: SolverOptions,
    agents: Any,
) -> RosterResult:
    """The result of a roster of weekly lines of work (rules with contracts)."""
    from staffing.roster.lines import headcount, line_days, lines_table

    rules = model.rules
    roster = line_days(model)
    coverage = coverage_from_roster(roster, req, rules.interval_minutes, rules.cyclic)
    table = lines_table(roster, rules, model.tours.weekdays)
    people = headcount(roster, rules)
    assignment = None
    if agents is not None:
        from staffing.roster.people import assign_lines

        first = req["interval_start"].iloc[0]
        roster, assign_result = assign_lines(
            roster, table, agents, rules, options, horizon_start=first
        )
        assignment = assign_result.to_dict()
    paid, cost = row_costs(roster, rules)
    summary = summarise(
        roster,
        coverage,
        rules.interval_minutes,
        result,
        paid,
        cost,
        assignment=assignment,
        headcount=people.to_dict("records"),
        lines=int(table["line"].nunique()),
    )
    return RosterResult(roster, coverage, summary, result, rules, table, people)
