r"""Weekly tours inside the roster's integer program: lines of work linked to the daily shifts.

The formulation is an *implicit tour* model in the spirit of Jacobs & Brusco (1996, start-time
bands) and Çezik, Günlük & Luss (2001, daily shift models linked by days-off patterns), on top
of the daily set-covering model with implicit breaks (Aykin 1996) of
:mod:`staffing.roster.model`:

* :math:`t_{c,k,b,p,w} \in \mathbb{Z}_{\ge 0}`: lines of contract :math:`c` working shift type
  :math:`k` with every start in band :math:`b` (clock times :math:`[b, b + \beta_c]`) on the
  days of pattern :math:`p` in week :math:`w`;
* :math:`y_{c,k,b,j} \in \mathbb{Z}_{\ge 0}`: of those lines, the ones starting shift
  :math:`j` (one day, one start) — only when the band holds several start times; with
  :math:`\beta_c = 0` (the same start every day) the lines feed the shift directly;
* linking, for every contract, shift type, band and day :math:`d` (of week :math:`w`):
  :math:`\sum_{j \in b,\ \mathrm{day}(j) = d} y_{c,k,b,j} = \sum_{p \ni d} t_{c,k,b,p,w}`,
  and for every shift :math:`x_j = \sum_{c,b} y_{c,k,b,j}`.

Any integer solution splits into individual lines (each line of band :math:`b` takes, on each
of its days, one of the starts counted that day), so every tour rule holds line by line:
working days per week, days off, the weekend day off and the weekly paid hours are properties
of the pattern and shift type, and the start band of :math:`b`. Breaks stay implicit per start
class, as in the daily model.

Examples
--------
>>> from staffing.roster import build_roster, example_requirements
>>> from staffing.roster.rules import ShiftRules, ShiftType
>>> from staffing.roster.contracts import Contract
>>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
...     name="day", length_hours=8, start_earliest="06:00", start_latest="15:30")],
...     contracts=[Contract(name="full-time", shifts=["day"], days_per_week=5)])
>>> result = build_roster(example_requirements(peak=6), rules)
>>> sorted(set(result.lines["days_worked"]))
[5]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from staffing.errors import ConfigError, DataError
from staffing.roster.contracts import WEEKDAYS, day_patterns
from staffing.roster.model import local_minutes, round_int
from staffing.roster.rules import ShiftRules
from staffing.roster.solver import linear

__all__ = ["TourKey", "Tours", "add_tours", "plan_weeks"]


@dataclass(frozen=True, order=True)
class TourKey:
    """One kind of line: contract, shift type, start band, working days and week.

    Attributes
    ----------
    contract, shift : int
        Indices in ``rules.contracts`` and ``rules.shifts``.
    band : int
        Earliest start of the band, local clock [min after midnight].
    pattern : tuple of int
        Working days as positions 0-6 in the plan week; empty for lines whose days off are
        free, counted per weekday in :attr:`Tours.days` instead.
    week : int
        Week index from 0; ``-1`` for lines repeated every week (``multi_week = "repeat"``).
    """

    contract: int
    shift: int
    band: int
    pattern: tuple[int, ...]
    week: int


@dataclass
class Tours:
    """The tour layer of a roster model and what is needed to read lines back.

    Attributes
    ----------
    t : dict
        :class:`TourKey` -> lines [integer variable].
    y : dict
        ``(contract, shift, band, week, instance)`` -> lines of that band starting that shift
        instance [integer variable]; only for bands with several start times.
    weeks : int
        Weeks in the horizon.
    weekdays : list of str
        Weekday names of the plan week's seven days, in order.
    band_members : dict
        ``(contract, shift, band)`` -> the start clocks of the band [min].
    cost : pulp.LpAffineExpression
        Cost of all lines over the horizon [currency].
    days : dict
        ``(contract, shift, band, week)`` -> lines working each day of the plan week
        [integer variables], for lines whose days off are free (their :class:`TourKey` has an
        empty ``pattern``).
    """

    t: dict[TourKey, pulp.LpVariable]
    y: dict[tuple, pulp.LpVariable]
    weeks: int
    weekdays: list[str]
    band_members: dict[tuple[int, int, int], tuple[int, ...]]
    cost: pulp.LpAffineExpression
    days: dict[tuple, list] = field(default_factory=dict)

    def count(self, key: TourKey) -> int:
        """Lines of one kind in the solution."""
        return round_int(self.t[key].varValue or 0.0)

    def patterns(self, key: TourKey) -> list[tuple[int, ...]]:
        """The working days of each line of one kind in the solution.

        Lines whose days off are free are split by :func:`balanced_patterns` from the lines
        working each weekday.
        """
        if key.pattern:
            return [key.pattern] * self.count(key)
        counted = self.days[(key.contract, key.shift, key.band, key.week)]
        per_day = [round_int(v.varValue or 0.0) for v in counted]
        return balanced_patterns(self.count(key), per_day)


def balanced_patterns(lines: int, per_day: list[int]) -> list[tuple[int, ...]]:
    """Split ``lines`` lines into working-day patterns with ``per_day[d]`` lines on day ``d``.

    Busiest days first, each day goes to the lines with the fewest days so far, so the lines'
    day counts differ by at most one (Gale-Ryser construction).

    Parameters
    ----------
    lines : int
        Number of lines.
    per_day : list of int
        Lines working each day of the week, each at most ``lines``.

    Returns
    -------
    list of tuple of int
        One sorted tuple of working days per line.

    Examples
    --------
    >>> balanced_patterns(3, [3, 2, 2, 1, 1, 0, 0])
    [(0, 1, 2), (0, 1, 3), (0, 2, 4)]
    """
    if any(n > lines for n in per_day):
        raise ValueError(f"a day has more working lines than there are lines ({lines})")
    worked: list[list[int]] = [[] for _ in range(lines)]
    for day in sorted(range(len(per_day)), key=lambda d: (-per_day[d], d)):
        chosen = sorted(range(lines), key=lambda n: (len(worked[n]), n))[: per_day[day]]
        for n in chosen:
            worked[n].append(day)
    return [tuple(sorted(days)) for days in worked]


def plan_weeks(dates: list, source: str = "requirements") -> int:
    """Whole weeks covered by the local dates of a horizon.

    Parameters
    ----------
    dates : list of datetime.date
        The sorted distinct local dates of the horizon.
    source : str
        Name used in the error message.

    Returns
    -------
    int
        Number of weeks.

    Raises
    ------
    DataError
        The dates do not cover whole weeks from the first date.

    Examples
    --------
    >>> import datetime as dt
    >>> plan_weeks([dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(14)])
    2
    """
    span = (dates[-1] - dates[0]).days + 1
    if span % 7:
        raise DataError(
            f"{source}: weekly lines of work (contracts) need whole weeks, but the horizon "
            f"covers {span} local day(s) from {dates[0]} to {dates[-1]}; plan whole weeks "
            "starting at midnight (forecast.horizon_days a multiple of 7, forecast.first_day)"
        )
    return span // 7


def _bands(
    rules: ShiftRules, contract: int, shift: int, day_minutes: int = 24 * 60
) -> list[tuple[int, tuple[int, ...]]]:
    """Start bands of a contract on a shift type: (earliest start, start clocks) [min].

    ``day_minutes`` is the shortest real day of the horizon [min] (1,380 on the day summer
    time starts): a band leaves ``agents.min_rest_hours`` between working days even then.
    """
    spec = rules.shifts[shift]
    clocks = list(spec.start_clocks(rules.interval_minutes))
    terms = rules.contracts[contract]
    width = terms.start_band_minutes
    if terms.day_range[1] > 1:  # lines rest agents.min_rest_hours between working days
        rest = round(rules.agents.min_rest_hours * 60)
        width = max(0, min(width, day_minutes - spec.length_minutes - rest))
    out: list[tuple[int, tuple[int, ...]]] = []
    for anchor in clocks:
        members = tuple(c for c in clocks if anchor <= c <= anchor + width)
        if out and members[-1] == out[-1][1][-1]:
            break  # later bands hold no start the previous one lacks
        out.append((anchor, members))
    return out


def _patterns(rules: ShiftRules, contract: int, shift: int, weekdays: list[str]) -> list:
    spec = rules.shifts[shift]
    terms = rules.contracts[contract]
    out = []
    for pattern in day_patterns(terms, weekdays, rules.agents.weekend_days):
        if not terms.allows_hours(len(pattern) * spec.paid_hours):
            continue
        if spec.days is not None and any(weekdays[q] not in spec.days for q in pattern):
            continue
        out.append(pattern)
    return out


def line_cost(rules: ShiftRules, key: TourKey) -> float:
    """Cost of one line for one week [currency]: paid hours × rate + cost per head.

    Parameters
    ----------
    rules : ShiftRules
    key : TourKey
        A line listed by pattern (its working days are ``key.pattern``).

    Returns
    -------
    float
        [currency per week].

    Examples
    --------
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=60, shifts=[ShiftType(name="d", length_hours=8,
    ...     start_earliest="08:00", start_latest="08:00", cost_per_hour=20)],
    ...     contracts=[Contract(name="ft", shifts=["d"], cost_per_head=50)])
    >>> line_cost(rules, TourKey(0, 0, 480, (0, 1, 2, 3, 4), 0))  # 5 x 8 h x 20 + 50
    850.0
    """
    paid = len(key.pattern) * rules.shifts[key.shift].paid_hours
    head = rules.contracts[key.contract].cost_per_head
    rate = rules.contracts[key.contract].cost_per_paid_hour(rules.shifts[key.shift].cost_per_hour)
    return paid * rate + head


def add_tours(
    prob: pulp.LpProblem,
    requirements: pd.DataFrame,
    rules: ShiftRules,
    x: dict,
    day_of: np.ndarray,
    dates: list,
) -> Tours:
    """Add the tour layer to a roster model: lines, linking rows and the contract mix.

    Parameters
    ----------
    prob : pulp.LpProblem
        The daily model; the shift variables ``x`` are linked to the lines.
    requirements : DataFrame
        Validated requirements (``interval_start``).
    rules : ShiftRules
        Rules with ``contracts``.
    x : dict
        Shift instance -> agents on it [integer variable].
    day_of : numpy.ndarray
        Local-day index of every interval.
    dates : list of datetime.date
        The horizon's local dates.

    Returns
    -------
    Tours
        With ``cost`` to put in the objective instead of the shifts' own cost.

    Examples
    --------
    >>> from staffing.roster import build_model, example_requirements
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> from staffing.roster.contracts import Contract
    >>> rules = ShiftRules(interval_minutes=30, shifts=[ShiftType(
    ...     name="d", length_hours=8, start_earliest="07:00", start_latest="07:00")],
    ...     contracts=[Contract(name="ft", shifts=["d"], days_per_week=5)])
    >>> len(build_model(example_requirements(), rules).tours.t)  # 7 days-off patterns
    7
    """
    weeks = plan_weeks(dates)
    weekdays = [WEEKDAYS[dates[q].weekday()] for q in range(7)]
    times = requirements["interval_start"]
    clock = local_minutes(times)
    by_day: dict[tuple[int, int], list[tuple[int, object]]] = defaultdict(list)
    for inst in x:
        by_day[(inst.shift, inst.day)].append((int(clock[inst.start]), inst))
    layer = _Layer(prob, rules, weeks, by_day)
    for c, contract in enumerate(rules.contracts):
        usable = 0
        for name in contract.shifts:
            k = next(i for i, s in enumerate(rules.shifts) if s.name == name)
            counts = _implicit_days(rules, c, k)
            patterns = [] if counts else _patterns(rules, c, k, weekdays)
            if not counts and not patterns:
                continue
            usable += 1
            for band, clocks in _bands(rules, c, k, _shortest_day(dates, times.dt.tz)):
                layer.members[(c, k, band)] = clocks
                for g in layer.groups:
                    if counts:
                        layer.add_counted(c, k, band, g, counts)
                    else:
                        layer.add_patterns(c, k, band, g, patterns)
        if not usable:
            raise ConfigError(_no_line(rules, c))
    for inst, var in x.items():
        terms = layer.supply.get(inst)
        if not terms:
            var.upBound = 0
            continue
        row = dict(terms)
        row[var] = row.get(var, 0.0) - 1.0
        prob += linear(row) == 0, f"link_x_{inst.start}_{inst.shift}"
    _add_mix(prob, rules, layer.groups, layer.hours, layer.heads)
    return Tours(layer.t, layer.y, weeks, weekdays, layer.members, linear(layer.cost), layer.days)


def _no_line(rules: ShiftRules, contract: int) -> str:
    terms = rules.contracts[contract]
    low, high = terms.day_range
    hours = ", ".join(
        f"{s.name} {s.paid_hours:g} h" for s in rules.shifts if s.name in terms.shifts
    )
    return (
        f"contracts[{contract}] ({terms.name!r}): no weekly line of work meets its rules: "
        f"{low}-{high} days a week of one shift type (paid hours per day: {hours}), "
        f"days_off {terms.days_off!r}, weekend_day_off {terms.weekend_day_off}, weekly paid "
        f"hours {terms.min_paid_hours_per_week}-{terms.max_paid_hours_per_week}, and the "
        "shift types' days; widen one of them"
    )


def _shortest_day(dates: list, tz: object) -> int:
    """Real minutes of the shortest local day among ``dates`` (23 h when summer time starts)."""
    if tz is None:
        return 24 * 60
    midnights = pd.DatetimeIndex([pd.Timestamp(d) for d in dates]).append(
        pd.DatetimeIndex([pd.Timestamp(dates[-1]) + pd.Timedelta(1, unit="D")])
    )
    local = midnights.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return int((local[1:] - local[:-1]).total_seconds().min() // 60)


def _implicit_days(rules: ShiftRules, contract: int, shift: int) -> tuple[int, int] | None:
    """Fewest and most days of a line whose days off are free, or ``None`` for patterns.

    With ``days_off = "any"`` and no weekend day off, N lines working ``n_d`` of them on day
    ``d`` split into lines of ``lo``-``hi`` days each exactly when ``n_d <= N`` and
    ``lo * N <= sum(n_d) <= hi * N`` (a 0-1 matrix with these column sums and balanced row
    sums exists: Gale 1957, Ryser 1957), so the model counts days instead of listing patterns.
    """
    terms = rules.contracts[contract]
    spec = rules.shifts[shift]
    if terms.days_off != "any" or terms.weekend_day_off:
        return None
    low, high = terms.day_range
    allowed = [n for n in range(low, high + 1) if terms.allows_hours(n * spec.paid_hours)]
    if not allowed or allowed != list(range(allowed[0], allowed[-1] + 1)):
        return None  # no line fits, or a gap in the day counts: list the patterns
    return allowed[0], allowed[-1]


class _Layer:
    """The tour variables and rows being built, with what is needed to link and price them."""

    def __init__(self, prob: pulp.LpProblem, rules: ShiftRules, weeks: int, by_day: dict):
        self.prob, self.rules, self.weeks, self.by_day = prob, rules, weeks, by_day
        self.repeat = rules.multi_week == "repeat"
        self.groups = [-1] if self.repeat else list(range(weeks))
        self.t: dict[TourKey, pulp.LpVariable] = {}
        self.y: dict[tuple, pulp.LpVariable] = {}
        self.days: dict[tuple, list[pulp.LpVariable | None]] = {}
        self.supply: dict[object, dict[pulp.LpVariable, float]] = defaultdict(dict)
        self.members: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self.hours: dict[tuple[int, int], dict[pulp.LpVariable, float]] = defaultdict(dict)
        self.heads: dict[tuple[int, int], list[pulp.LpVariable]] = defaultdict(list)
        self.cost: dict[pulp.LpVariable, float] = {}
        self.made = 0  # variables made, for unique names

    def _integer(self, prefix: str) -> pulp.LpVariable:
        self.made += 1
        return self.prob.add_variable(f"{prefix}_{self.made}", lowBound=0, cat=pulp.LpInteger)

    def _weeks_of(self, group: int) -> list[int]:
        return list(range(self.weeks)) if self.repeat else [group]

    def add_patterns(self, c: int, k: int, band: int, group: int, patterns: list) -> None:
        """Lines listed by working-day pattern (days off in one run, weekend day off...)."""
        scale = self.weeks if self.repeat else 1
        paid = self.rules.shifts[k].paid_hours
        working: list[dict[pulp.LpVariable, float]] = [{} for _ in range(7)]
        for pattern in patterns:
            key = TourKey(c, k, band, pattern, group)
            var = self._integer("t")
            self.t[key] = var
            self.hours[(c, group)][var] = len(pattern) * paid
            self.heads[(c, group)].append(var)
            self.cost[var] = line_cost(self.rules, key) * scale
            for q in pattern:
                working[q][var] = 1.0
        for w in self._weeks_of(group):
            self._link(c, k, band, w, working)

    def add_counted(self, c: int, k: int, band: int, group: int, counts: tuple[int, int]) -> None:
        """Lines counted by working days per weekday, when their days off are free."""
        scale = self.weeks if self.repeat else 1
        terms = self.rules.contracts[c]
        paid = self.rules.shifts[k].paid_hours
        lines = self._integer("t")
        self.t[TourKey(c, k, band, (), group)] = lines
        self.heads[(c, group)].append(lines)
        self.cost[lines] = terms.cost_per_head * scale
        rate = terms.cost_per_paid_hour(self.rules.shifts[k].cost_per_hour)
        day_vars: list[pulp.LpVariable | None] = []
        working: list[dict[pulp.LpVariable, float]] = []
        for _ in range(7):
            n = self._integer("n")
            day_vars.append(n)
            working.append({n: 1.0})
            self.hours[(c, group)][n] = paid
            self.cost[n] = paid * rate * scale
            self.prob += n - lines <= 0, f"n_le_lines_{n.name}"
        self.days[(c, k, band, group)] = day_vars
        total = pulp.lpSum(day_vars)
        low, high = counts
        self.prob += total - low * lines >= 0, f"days_low_{lines.name}"
        self.prob += total - high * lines <= 0, f"days_high_{lines.name}"
        for w in self._weeks_of(group):
            self._link(c, k, band, w, working)

    def _link(self, c: int, k: int, band: int, week: int, working: list[dict]) -> None:
        """Link the lines of one band to the shifts they start on each day of one week."""
        clocks = self.members[(c, k, band)]
        for q in range(7):
            if not working[q]:
                continue
            starts = [i for clk, i in self.by_day.get((k, 7 * week + q), []) if clk in clocks]
            name = f"{c}_{k}_{band}_{week}_{q}"
            if not starts:  # no start that day (a skipped hour, or the shift's days)
                self.prob += linear(working[q]) == 0, f"no_start_{name}"
            elif len(clocks) == 1:
                for var in working[q]:
                    self.supply[starts[0]][var] = self.supply[starts[0]].get(var, 0.0) + 1.0
            else:
                row = dict.fromkeys(working[q], -1.0)
                for inst in starts:
                    var = self._integer("y")
                    self.y[(c, k, band, week, inst)] = var
                    self.supply[inst][var] = 1.0
                    row[var] = 1.0
                self.prob += linear(row) == 0, f"band_{name}"


def _add_mix(
    prob: pulp.LpProblem, rules: ShiftRules, groups: list[int], hours: dict, heads: dict
) -> None:
    """Headcount and paid-hour share of each contract, every week."""
    for g in groups:
        total: dict[pulp.LpVariable, float] = {}
        for c in range(len(rules.contracts)):
            total.update(hours[(c, g)])
        for c, contract in enumerate(rules.contracts):
            count = pulp.lpSum(heads[(c, g)])
            if contract.min_headcount is not None:
                prob += count >= contract.min_headcount, f"min_headcount_{c}_{g}"
            if contract.max_headcount is not None:
                prob += count <= contract.max_headcount, f"max_headcount_{c}_{g}"
            own = hours[(c, g)]
            for share, sense, label in (
                (contract.max_share_of_paid_hours, 1, "max_share"),
                (contract.min_share_of_paid_hours, -1, "min_share"),
            ):
                if share is None:
                    continue
                # own <= share * total  (or >=), as one row: own - share * total <= 0
                row = {var: -share * coef for var, coef in total.items()}
                for var, coef in own.items():
                    row[var] = row[var] + coef
                expression = linear({v: sense * a for v, a in row.items()})
                prob += expression <= 0, f"{label}_{c}_{g}"
