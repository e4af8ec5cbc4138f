r"""Stage 1: requirements and the set-covering integer program with implicit break placement.

Time runs on the requirement grid: interval :math:`i = 0, \dots, T-1` starts at the *real*
instant ``interval_start[i]``, so on a daylight-saving day the grid simply has 23 or 25 hours
and an 8-hour shift always covers 8 real hours. Shift starts are local clock times.

Examples
--------
>>> import pandas as pd
>>> from staffing.roster.rules import ShiftRules, ShiftType
>>> times = pd.date_range("2024-01-01", periods=8, freq="60min", tz="Europe/London")
>>> req = pd.DataFrame({"interval_start": times, "required": [1, 1, 2, 2, 2, 2, 1, 1]})
>>> rules = ShiftRules(interval_minutes=60, shifts=[
...     ShiftType(name="s", length_hours=4, start_earliest="00:00", start_latest="04:00")])
>>> model = build_model(read_requirements(req, 60), rules)
>>> len(model.instances)
5
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pulp

from staffing.errors import InfeasibleError
from staffing.roster.inputs import read_requirements, split_intervals
from staffing.roster.rules import WEEKDAYS, ShiftRules
from staffing.roster.solver import linear

if TYPE_CHECKING:
    from staffing.roster.tours import Tours

__all__ = [
    "Prefixed",
    "RosterModel",
    "ShiftInstance",
    "ShiftLayer",
    "build_model",
    "read_requirements",
    "shift_layer",
    "split_intervals",
]


@dataclass(frozen=True)
class ShiftInstance:
    """One allowed shift: a shift type starting at one interval.

    Attributes
    ----------
    shift : int
        Index of the shift type in ``rules.shifts``.
    start : int
        Index of the start interval.
    day : int
        Index of the calendar day (local date) of the start, from 0.
    """

    shift: int
    start: int
    day: int


@dataclass
class RosterModel:
    """The stage-1 integer program and the data needed to read its solution.

    Attributes
    ----------
    prob : pulp.LpProblem
        The PuLP problem.
    requirements : DataFrame
        Validated requirements.
    rules : ShiftRules
        The rules.
    instances : list of ShiftInstance
        The allowed shifts (one integer variable each, in ``x``).
    x : dict
        ``ShiftInstance`` -> agents on it [integer variable].
    breaks : dict
        ``(start, shift types, break number)`` -> {offset [intervals] -> integer variable}:
        agents of the shifts of that start class taking that break at that offset.
    under, over : list
        Shortfall and surplus per interval [agents, continuous].
    tours : Tours or None
        The weekly lines of work (:mod:`staffing.roster.tours`) when the rules have contracts.
    """

    def start(self) -> dict[pulp.LpVariable, float] | None:
        """A feasible solution without staff (every requirement short), or ``None`` when
        coverage is hard or a minimum count or headcount forbids it.

        Examples
        --------
        >>> from staffing.roster import build_model, example_requirements, example_rules
        >>> model = build_model(example_requirements(), example_rules())
        >>> bool(sum(model.start().values()) == example_requirements()["required"].sum())
        True
        """
        rules = self.rules
        if rules.hard_coverage or any(s.min_count for s in rules.shifts):
            return None
        if any(c.min_headcount or c.min_share_of_paid_hours for c in rules.contracts):
            return None
        required = self.requirements["required"].to_numpy()
        return {u: float(r) for u, r in zip(self.under, required, strict=True) if u is not None}

    prob: pulp.LpProblem
    requirements: pd.DataFrame
    rules: ShiftRules
    instances: list[ShiftInstance]
    x: dict[ShiftInstance, pulp.LpVariable]
    breaks: dict[tuple[int, tuple[int, ...], int], dict[int, pulp.LpVariable]]
    under: list[pulp.LpVariable | None]
    over: list[pulp.LpVariable]
    day_of: np.ndarray = field(repr=False)
    tours: Tours | None = None


def _days(times: pd.Series) -> tuple[np.ndarray, list]:
    dates = times.dt.date
    unique = sorted(set(dates))
    index = {d: k for k, d in enumerate(unique)}
    return np.array([index[d] for d in dates]), unique


def shift_instances(requirements: pd.DataFrame, rules: ShiftRules) -> list[ShiftInstance]:
    """Every allowed shift start in the horizon (local clock times, first occurrence).

    A start clock time that does not exist on a day (the hour skipped when summer time starts)
    gives no start that day; one that occurs twice (the hour repeated when it ends) starts at
    its first occurrence.

    Parameters
    ----------
    requirements : DataFrame
        Output of :func:`read_requirements`.
    rules : ShiftRules

    Returns
    -------
    list of ShiftInstance

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> times = pd.date_range("2024-01-01", periods=48, freq="60min")
    >>> req = pd.DataFrame({"interval_start": times, "required": 1})
    >>> rules = ShiftRules(interval_minutes=60, shifts=[
    ...     ShiftType(name="s", length_hours=8, start_earliest="08:00", start_latest="09:00")])
    >>> [(i.start, i.day) for i in shift_instances(req, rules)]
    [(8, 0), (9, 0), (32, 1), (33, 1)]
    """
    times = requirements["interval_start"]
    day_of, dates = _days(times)
    clock = local_minutes(times)
    first: dict[tuple[int, int], int] = {}
    for i in range(len(times)):
        first.setdefault((int(day_of[i]), int(clock[i])), i)
    step = rules.interval_minutes
    horizon = len(times)
    out = []
    for k, shift in enumerate(rules.shifts):
        length = shift.length_minutes // step
        clocks = shift.start_clocks(step)
        for d, date in enumerate(dates):
            if shift.days is not None and WEEKDAYS[date.weekday()] not in shift.days:
                continue
            for minute in clocks:
                start = first.get((d, minute))
                if start is None or (not rules.cyclic and start + length > horizon):
                    continue
                out.append(ShiftInstance(k, start, d))
    return out


def local_minutes(times: pd.Series) -> np.ndarray:
    """Local clock time of each timestamp [min after midnight].

    Examples
    --------
    >>> local_minutes(pd.Series(pd.to_datetime(["2024-01-01 07:30"]))).tolist()
    [450]
    """
    return (times.dt.hour * 60 + times.dt.minute).to_numpy()


def _mandatory_break(rules: ShiftRules, shift: int) -> set[int]:
    """Offsets [intervals] of a shift spent on break whatever the break placement."""
    step = rules.interval_minutes
    always: set[int] = set()
    for brk in rules.shifts[shift].breaks:
        sets = [
            set(range(off // step, (off + brk.length_minutes) // step))
            for off in range(brk.earliest_after_minutes, brk.latest_after_minutes + 1, step)
        ]
        always |= set.intersection(*sets)
    return always


def _describe(times: pd.Series, intervals: list[int], limit: int = 5) -> str:
    shown = ", ".join(times.iloc[i].isoformat() for i in intervals[:limit])
    more = f" and {len(intervals) - limit} more" if len(intervals) > limit else ""
    return f"{len(intervals)} interval(s): {shown}{more}"


def check_coverable(
    requirements: pd.DataFrame, rules: ShiftRules, instances: list[ShiftInstance]
) -> list[int]:
    """Intervals with a positive requirement that no shift can cover (breaks considered).

    Parameters
    ----------
    requirements : DataFrame
    rules : ShiftRules
    instances : list of ShiftInstance

    Returns
    -------
    list of int
        Interval indices.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> times = pd.date_range("2024-01-01", periods=4, freq="60min")
    >>> req = pd.DataFrame({"interval_start": times, "required": 1})
    >>> rules = ShiftRules(interval_minutes=60, cyclic=False, shifts=[
    ...     ShiftType(name="s", length_hours=2, start_earliest="00:00", start_latest="01:00")])
    >>> check_coverable(req, rules, shift_instances(req, rules))
    [3]
    """
    horizon = len(requirements)
    step = rules.interval_minutes
    covered = np.zeros(horizon, dtype=bool)
    for inst in instances:
        shift = rules.shifts[inst.shift]
        skip = _mandatory_break(rules, inst.shift)
        for off in range(shift.length_minutes // step):
            if off not in skip:
                covered[(inst.start + off) % horizon] = True
    need = requirements["required"].to_numpy() > 0
    return [int(i) for i in np.flatnonzero(need & ~covered)]


def build_model(requirements: pd.DataFrame, rules: ShiftRules) -> RosterModel:
    r"""Build the set-covering integer program with implicit break placement.

    Variables: :math:`x_j \in \mathbb{Z}_{\ge 0}` agents on shift instance :math:`j`;
    :math:`w_{c,b,o} \in \mathbb{Z}_{\ge 0}` agents of start class :math:`c` (shifts that start
    at the same interval and have the same break rules) taking break :math:`b` at offset
    :math:`o`; shortfall :math:`u_i \ge 0` (absent with hard coverage) and surplus
    :math:`v_i \ge 0`.

    Parameters
    ----------
    requirements : DataFrame
        Output of :func:`read_requirements`.
    rules : ShiftRules

    Returns
    -------
    RosterModel

    Raises
    ------
    InfeasibleError
        With hard coverage, intervals that no shift can cover, or that the ``max_count`` rules
        cannot staff (named).

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> times = pd.date_range("2024-01-01", periods=4, freq="60min")
    >>> req = pd.DataFrame({"interval_start": times, "required": 1})
    >>> rules = ShiftRules(interval_minutes=60, shifts=[
    ...     ShiftType(name="s", length_hours=2, start_earliest="00:00", start_latest="03:00")])
    >>> model = build_model(req, rules)
    >>> len(model.prob.variables()), len(model.prob.constraints())
    (12, 4)
    """
    req = requirements["required"].to_numpy()
    horizon = len(req)
    if rules.hard_coverage:
        _check_hard(requirements, rules, shift_instances(requirements, rules))
    prob = pulp.LpProblem("roster", pulp.LpMinimize)
    layer = shift_layer(prob, requirements, rules)
    under: list[pulp.LpVariable | None] = []
    over: list[pulp.LpVariable] = []
    for i in range(horizon):
        terms = dict(layer.cover[i])
        over_i = prob.add_variable(f"over_{i}", lowBound=0)
        over.append(over_i)
        terms[over_i] = -1
        under_i = None
        if not rules.hard_coverage:
            under_i = prob.add_variable(f"under_{i}", lowBound=0)
            terms[under_i] = 1
        under.append(under_i)
        prob += linear(terms) == int(req[i]), f"cover_{i}"
    prob += (
        layer.cost
        + rules.understaffing_per_agent_interval * pulp.lpSum(u for u in under if u is not None)
        + rules.overstaffing_per_agent_interval * pulp.lpSum(over)
    )
    return RosterModel(
        prob,
        requirements,
        rules,
        layer.instances,
        layer.x,
        layer.breaks,
        under,
        over,
        layer.day_of,
        layer.tours,
    )


@dataclass
class ShiftLayer:
    """The shifts, breaks (and lines of work) of one team, without coverage rows.

    Attributes
    ----------
    instances : list of ShiftInstance
    x : dict
        ``ShiftInstance`` -> agents on it [integer variable].
    breaks : dict
        As :attr:`RosterModel.breaks`.
    cover : list of dict
        Per interval, variable -> coefficient: the agents of the team on duty (breaks
        excluded) [agents].
    day_of : numpy.ndarray
        Local-day index of every interval.
    tours : Tours or None
        The lines of work when the rules have contracts.
    cost : pulp.LpAffineExpression
        The team's cost [currency]: the lines' cost with contracts, else the shifts'.
    """

    instances: list[ShiftInstance]
    x: dict[ShiftInstance, pulp.LpVariable]
    breaks: dict[tuple[int, tuple[int, ...], int], dict[int, pulp.LpVariable]]
    cover: list[dict[pulp.LpVariable, float]]
    day_of: np.ndarray
    tours: Tours | None
    cost: pulp.LpAffineExpression


class Prefixed:
    """A PuLP problem seen through a name prefix, so that several teams share one problem.

    Variables made with :meth:`add_variable` and rows added with ``+= (row, name)`` get the
    prefix; an expression without a name is added as is.

    Examples
    --------
    >>> prob = pulp.LpProblem("joint", pulp.LpMinimize)
    >>> team = Prefixed(prob, "g1_")
    >>> team.add_variable("x_0", lowBound=0).name
    'g1_x_0'
    """

    def __init__(self, prob: pulp.LpProblem, prefix: str) -> None:
        self.prob, self.prefix = prob, prefix

    def add_variable(self, name: str, **keywords) -> pulp.LpVariable:
        """A new variable named ``prefix + name``."""
        return self.prob.add_variable(self.prefix + name, **keywords)

    def __iadd__(self, other):
        if isinstance(other, tuple):
            row, name = other
            self.prob += row, self.prefix + name
        else:
            self.prob += other
        return self


def shift_layer(
    prob: pulp.LpProblem | Prefixed,
    requirements: pd.DataFrame,
    rules: ShiftRules,
    bound: np.ndarray | None = None,
) -> ShiftLayer:
    """Add one team's shift, break (and line-of-work) variables and rows to ``prob``.

    Parameters
    ----------
    prob : pulp.LpProblem or Prefixed
        The problem (a :class:`Prefixed` view when several teams share it).
    requirements : DataFrame
        Validated requirements (``interval_start``, ``required`` [agents]).
    rules : ShiftRules
    bound : numpy.ndarray, optional
        Agents the team can usefully have on duty per interval, for the shift variables'
        upper bounds of the daily model (default ``required``); ``None`` entries are not
        allowed, pass ``numpy.inf`` for no bound.

    Returns
    -------
    ShiftLayer

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> times = pd.date_range("2024-01-01", periods=4, freq="60min")
    >>> req = pd.DataFrame({"interval_start": times, "required": 1})
    >>> rules = ShiftRules(interval_minutes=60, shifts=[
    ...     ShiftType(name="s", length_hours=2, start_earliest="00:00", start_latest="03:00")])
    >>> layer = shift_layer(pulp.LpProblem("p", pulp.LpMinimize), req, rules)
    >>> len(layer.x), len(layer.cover)
    (4, 4)
    """
    times = requirements["interval_start"]
    req = requirements["required"].to_numpy() if bound is None else np.asarray(bound)
    horizon = len(req)
    step = rules.interval_minutes
    instances = shift_instances(requirements, rules)
    cover: list[dict[pulp.LpVariable, float]] = [defaultdict(float) for _ in range(horizon)]
    x: dict[ShiftInstance, pulp.LpVariable] = {}
    classes: dict[tuple[int, tuple], list[ShiftInstance]] = defaultdict(list)
    for n, inst in enumerate(instances):
        shift = rules.shifts[inst.shift]
        most = None if rules.contracts else _most_agents(rules, inst, req)
        var = prob.add_variable(f"x_{n}", lowBound=0, upBound=most, cat=pulp.LpInteger)
        x[inst] = var
        for off in range(shift.length_minutes // step):
            cover[(inst.start + off) % horizon][var] += 1
        if shift.breaks:
            classes[(inst.start, tuple(shift.breaks))].append(inst)
    breaks = _break_layer(prob, rules, classes, x, cover, horizon)
    day_of, dates = _days(times)
    _add_counts(prob, rules, instances, x)
    tours = None
    if rules.contracts:
        from staffing.roster.tours import add_tours

        tours = add_tours(prob, requirements, rules, x, day_of, dates)
        cost = tours.cost
    else:
        cost = linear({v: rules.shifts[i.shift].cost for i, v in x.items()})
    return ShiftLayer(instances, x, breaks, cover, day_of, tours, cost)


def _break_layer(prob, rules, classes, x, cover, horizon) -> dict:
    """Implicit break placement: per start class and break, agents per offset."""
    step = rules.interval_minutes
    breaks: dict[tuple[int, tuple[int, ...], int], dict[int, pulp.LpVariable]] = {}
    for c, ((start, spec), members) in enumerate(classes.items()):
        shifts = tuple(sorted({m.shift for m in members}))
        for b, brk in enumerate(spec):
            offsets = range(
                brk.earliest_after_minutes // step, brk.latest_after_minutes // step + 1
            )
            placed = {}
            bounds = [x[m].upBound for m in members]  # PuLP 4 reads "no bound" as inf
            most = None if any(b is None or not math.isfinite(b) for b in bounds) else sum(bounds)
            for o in offsets:
                var = prob.add_variable(
                    f"w_{c}_{b}_{o}", lowBound=0, upBound=most, cat=pulp.LpInteger
                )
                placed[o] = var
                for u in range(brk.length_minutes // step):
                    cover[(start + o + u) % horizon][var] -= 1
            breaks[(start, shifts, b)] = placed
            prob += (
                pulp.lpSum(placed.values()) == pulp.lpSum(x[m] for m in members),
                f"break_{c}_{b}",
            )
    return breaks


def _most_agents(rules: ShiftRules, inst: ShiftInstance, req: np.ndarray) -> int | None:
    """An upper bound on the agents of one shift in some optimal roster (daily model).

    With ``P`` placements of the shift's breaks, more than ``P * R`` agents (``R`` the largest
    requirement over the shift's span) put more than ``R`` identical agents somewhere, and one
    can go at no extra cost; ``min_count`` may need more. HiGHS is much faster with the bound
    (integer variables without one slow its reduced-cost fixing).
    """
    shift = rules.shifts[inst.shift]
    step = rules.interval_minutes
    span = (inst.start + np.arange(shift.length_minutes // step)) % len(req)
    placements = 1
    for brk in shift.breaks:
        placements *= (brk.latest_after_minutes - brk.earliest_after_minutes) // step + 1
    most = float(np.max(req[span]))
    if not math.isfinite(most):
        return None
    return max(placements * math.ceil(most - 1e-9), shift.min_count or 0)


def _add_counts(
    prob: pulp.LpProblem,
    rules: ShiftRules,
    instances: list[ShiftInstance],
    x: dict[ShiftInstance, pulp.LpVariable],
) -> None:
    per_day: dict[tuple[int, int], list[pulp.LpVariable]] = defaultdict(list)
    for inst in instances:
        per_day[(inst.shift, inst.day)].append(x[inst])
    for (k, d), variables in per_day.items():
        shift = rules.shifts[k]
        total = pulp.lpSum(variables)
        if shift.max_count is not None:
            prob += total <= shift.max_count, f"max_count_{k}_{d}"
        if shift.min_count:
            prob += total >= shift.min_count, f"min_count_{k}_{d}"


def _check_hard(
    requirements: pd.DataFrame, rules: ShiftRules, instances: list[ShiftInstance]
) -> None:
    times = requirements["interval_start"]
    bad = check_coverable(requirements, rules, instances)
    if bad:
        names = ", ".join(repr(shift.name) for shift in rules.shifts)
        raise InfeasibleError(
            f"hard_coverage: no shift type can cover {_describe(times, bad)}; shifts: start "
            f"windows, days, lengths and breaks of {names} (roster.shifts) leave them open"
        )
    if any(s.max_count is None for s in rules.shifts):
        return
    horizon = len(requirements)
    step = rules.interval_minutes
    cap = np.zeros(horizon)
    for inst in instances:
        shift = rules.shifts[inst.shift]
        for off in range(shift.length_minutes // step):
            cap[(inst.start + off) % horizon] += shift.max_count
    short = [int(i) for i in np.flatnonzero(cap < requirements["required"].to_numpy())]
    if short:
        raise InfeasibleError(
            f"hard_coverage with max_count of every shift type: at most {int(cap[short[0]])} "
            f"agent(s) can be on duty but more are required in {_describe(times, short)}"
        )


def describe_intervals(requirements: pd.DataFrame, intervals: list[int]) -> str:
    """Human-readable list of intervals for error messages.

    Examples
    --------
    >>> import pandas as pd
    >>> req = pd.DataFrame({"interval_start": pd.date_range("2024-01-01", periods=2,
    ...                                                     freq="60min")})
    >>> describe_intervals(req, [1])
    '1 interval(s): 2024-01-01T01:00:00'
    """
    return _describe(requirements["interval_start"], intervals)


def round_int(value: float) -> int:
    """Round a solver value to the nearest integer (solvers return 2.9999999 for 3).

    Examples
    --------
    >>> round_int(2.9999999)
    3
    """
    return math.floor(value + 0.5)
