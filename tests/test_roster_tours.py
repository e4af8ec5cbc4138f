"""Weekly lines of work (tours): checked against an explicit model, rule by rule, and as text.

* Tiny instances are solved a second time with an *explicit* set-covering model written here:
  every individual line (days pattern x start time of each day x break placement of each day)
  is one integer variable, and the optimum must equal :func:`build_roster`'s.
* Every tour rule is checked line by line on the output of generated instances.
* Coverage recomputed from the lines table's *text* must equal the roster's coverage (also in
  daylight-saving weeks and with night shifts that wrap round the week).
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.errors import ConfigError, DataError, InfeasibleError, StaffingError
from staffing.roster import SolverOptions, build_roster
from staffing.roster.contracts import Contract, day_patterns, longest_run
from staffing.roster.lines import format_day, headcount, lines_table, parse_day
from staffing.roster.rules import (
    AgentRules,
    Break,
    ShiftRules,
    ShiftType,
    clock_minutes,
    rules_from_dict,
)
from staffing.roster.solver import linear, solve
from staffing.roster.tours import plan_weeks

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXACT = SolverOptions(relative_gap=0.0, time_limit_seconds=120)


# --- requirements ------------------------------------------------------------------------------


def requirements(
    first: str,
    days: int,
    step: int,
    seed: int,
    peak: int = 3,
    *,
    tz: str | None = None,
    day: tuple[int, int] = (7, 19),
    night: bool = True,
    wobble: int = 0,
    flat: bool = False,
) -> pd.DataFrame:
    """Random requirements in a daytime window and (optionally) at night (22:00-02:00).

    The daytime window moves later by 0 to ``wobble`` hours from day to day; with ``flat`` the
    requirement is the same all through one day's window. With ``tz``, the grid is the real
    intervals between local midnights (23- and 25-hour days).
    """
    start = pd.Timestamp(first)
    end = start + pd.Timedelta(days, unit="D")
    if tz is not None:
        start, end = start.tz_localize(tz), end.tz_localize(tz)
    times = pd.date_range(start, end, freq=f"{step}min", inclusive="left")
    rng = np.random.default_rng(seed)
    hour = times.hour + times.minute / 60
    dates = np.array([t.date() for t in times])
    late = {d: int(rng.integers(0, wobble + 1)) for d in sorted(set(dates))}
    shift = np.array([late[d] for d in dates])
    window = (hour >= day[0] + shift) & (hour < day[1] + shift)
    level = {d: int(rng.integers(1, peak + 1)) for d in late}
    noise = rng.integers(0, peak + 1, len(times))
    need = np.where(window, np.array([level[d] for d in dates]) if flat else noise, 0)
    if night:
        need = np.where((hour >= 22) | (hour < 2), rng.integers(0, 2, len(times)), need)
    return pd.DataFrame({"interval_start": times, "required": need.astype(np.int64)})


# --- an explicit model: one variable per individual line ---------------------------------------


def explicit_patterns(contract: Contract, weekdays: list[str], weekend: list[str]) -> list:
    """Working-day patterns written out from the contract's definition (not day_patterns)."""
    if contract.days_per_week is not None:
        low = high = contract.days_per_week
    elif contract.min_days_per_week is None and contract.max_days_per_week is None:
        low = high = 5
    else:
        low, high = contract.min_days_per_week or 1, contract.max_days_per_week or 7
    out = []
    for worked in itertools.product([False, True], repeat=7):
        n = sum(worked)
        if not low <= n <= high:
            continue
        off = [not w for w in worked]
        # one run of days off round the week: exactly one day off is followed by a working day
        starts_of_off_runs = sum(off[d] and not off[(d + 1) % 7] for d in range(7))
        if contract.days_off == "consecutive" and 0 < sum(off) < 7 and starts_of_off_runs != 1:
            continue
        if contract.weekend_day_off and not any(
            o and weekdays[d] in weekend for d, o in enumerate(off)
        ):
            continue
        out.append(tuple(d for d in range(7) if worked[d]))
    return out


def explicit_lines(req: pd.DataFrame, rules: ShiftRules) -> list[dict]:
    """Every individual line of the rules on a naive grid starting at midnight."""
    step = rules.interval_minutes
    horizon = len(req)
    per_day = 24 * 60 // step
    weeks = horizon // (7 * per_day)
    first = req["interval_start"].iloc[0]
    weekdays = [DAYS[(first.weekday() + q) % 7] for q in range(7)]
    repeat = rules.multi_week == "repeat"
    by_name = {s.name: s for s in rules.shifts}
    rest = rules.agents.min_rest_hours * 60
    lines = []
    for c, contract in enumerate(rules.contracts):
        for name in contract.shifts:
            spec = by_name[name]
            starts = range(
                clock_minutes(spec.start_earliest),
                clock_minutes(spec.start_latest) + 1,
                spec.start_step_minutes or step,
            )
            band = contract.start_band_minutes
            # documented: the band is narrowed so that every line rests between working days
            if contract.day_range[1] > 1:
                band = min(band, 24 * 60 - spec.length_minutes - rest)
            offsets = [
                range(b.earliest_after_minutes // step, b.latest_after_minutes // step + 1)
                for b in spec.breaks
            ]
            options = [(s, o) for s in starts for o in itertools.product(*offsets)]
            rate = spec.cost_per_hour if contract.cost_per_hour is None else contract.cost_per_hour
            for pattern in explicit_patterns(contract, weekdays, rules.agents.weekend_days):
                paid = len(pattern) * spec.paid_hours
                low_h = contract.min_paid_hours_per_week
                high_h = contract.max_paid_hours_per_week
                if (low_h is not None and paid < low_h - 1e-9) or (
                    high_h is not None and paid > high_h + 1e-9
                ):
                    continue
                if spec.days is not None and any(weekdays[q] not in spec.days for q in pattern):
                    continue
                for choice in itertools.product(options, repeat=len(pattern)):
                    clocks = [s for s, _ in choice]
                    if max(clocks) - min(clocks) > band:
                        continue
                    for group in [None] if repeat else range(weeks):
                        vector = np.zeros(horizon)
                        for w in range(weeks) if repeat else [group]:
                            for q, (s, offs) in zip(pattern, choice, strict=True):
                                t0 = (7 * w + q) * per_day + s // step
                                for u in range(spec.length_minutes // step):
                                    vector[(t0 + u) % horizon] += 1
                                for brk, off in zip(spec.breaks, offs, strict=True):
                                    for u in range(brk.length_minutes // step):
                                        vector[(t0 + off + u) % horizon] -= 1
                        cost = (paid * rate + contract.cost_per_head) * (weeks if repeat else 1)
                        lines.append(
                            {
                                "contract": c,
                                "group": group,
                                "paid": paid,
                                "cost": cost,
                                "cover": vector,
                            }
                        )
    return lines


def explicit_optimum(req: pd.DataFrame, rules: ShiftRules) -> float:
    """Optimum of the explicit set-covering model with the contract mix, by HiGHS."""
    lines = explicit_lines(req, rules)
    horizon = len(req)
    prob = pulp.LpProblem("explicit", pulp.LpMinimize)
    n = [prob.add_variable(f"n{j}", lowBound=0, cat="Integer") for j in range(len(lines))]
    over = [prob.add_variable(f"v{i}", lowBound=0) for i in range(horizon)]
    under = [prob.add_variable(f"u{i}", lowBound=0) for i in range(horizon)]
    cover = np.array([line["cover"] for line in lines]).reshape(len(lines), horizon)
    required = req["required"].to_numpy()
    for i in range(horizon):
        terms = {n[j]: float(cover[j, i]) for j in np.flatnonzero(cover[:, i])}
        terms[over[i]] = -1.0
        if not rules.hard_coverage:
            terms[under[i]] = 1.0
        prob += linear(terms) == int(required[i])
    groups = {line["group"] for line in lines}
    for g in groups:
        total = {n[j]: line["paid"] for j, line in enumerate(lines) if line["group"] == g}
        for c, contract in enumerate(rules.contracts):
            own = [
                j for j, line in enumerate(lines) if line["group"] == g and line["contract"] == c
            ]
            heads = pulp.lpSum(n[j] for j in own)
            hours = pulp.lpSum(lines[j]["paid"] * n[j] for j in own)
            everyone = linear(total)
            if contract.min_headcount is not None:
                prob += heads >= contract.min_headcount
            if contract.max_headcount is not None:
                prob += heads <= contract.max_headcount
            if contract.max_share_of_paid_hours is not None:
                prob += hours <= contract.max_share_of_paid_hours * everyone
            if contract.min_share_of_paid_hours is not None:
                prob += hours >= contract.min_share_of_paid_hours * everyone
    prob += (
        pulp.lpSum(line["cost"] * n[j] for j, line in enumerate(lines))
        + rules.overstaffing_per_agent_interval * pulp.lpSum(over)
        + (
            0
            if rules.hard_coverage
            else rules.understaffing_per_agent_interval * pulp.lpSum(under)
        )
    )
    # through the library's solver adapter, which reads PuLP 3 and PuLP 4 alike
    result = solve(prob, SolverOptions(relative_gap=0.0, time_limit_seconds=None))
    assert result.status == "optimal"
    return result.objective


def output_objective(result) -> tuple[float, float]:
    """The objective recomputed from the output: (line costs, coverage penalties)."""
    rules = result.rules
    shifts = {s.name: s for s in rules.shifts}
    contracts = {c.name: c for c in rules.contracts}
    cost = 0.0
    for _key, rows in result.roster.groupby(["line", "week"]):
        contract = contracts[rows["contract"].iloc[0]]
        spec = shifts[rows["shift"].iloc[0]]
        rate = spec.cost_per_hour if contract.cost_per_hour is None else contract.cost_per_hour
        cost += len(rows) * spec.paid_hours * rate + contract.cost_per_head
    cov = result.coverage
    over = np.maximum(cov["scheduled"] - cov["required"], 0).sum()
    penalties = rules.understaffing_per_agent_interval * float(cov["shortfall"].sum())
    return cost, penalties + rules.overstaffing_per_agent_interval * float(over)


DAY8 = ShiftType(name="d", length_hours=8, start_earliest="07:00", start_latest="09:00")
DAY8_BREAK = ShiftType(
    name="d",
    length_hours=8,
    start_earliest="07:00",
    start_latest="09:00",
    breaks=[Break(length_minutes=60, earliest_after_minutes=180, latest_after_minutes=240)],
)
PART4 = ShiftType(
    name="p",
    length_hours=4,
    start_earliest="10:00",
    start_latest="14:00",
    start_step_minutes=120,
    cost_per_hour=1.1,
)
NIGHT = ShiftType(
    name="n", length_hours=8, start_earliest="22:00", start_latest="22:00", cost_per_hour=1.5
)


def tiny(shifts, contracts, **extra) -> ShiftRules:
    return ShiftRules(
        interval_minutes=60,
        shifts=shifts,
        contracts=contracts,
        understaffing_per_agent_interval=5.0,
        overstaffing_per_agent_interval=0.5,
        **extra,
    )


TINY_CASES = {
    # the same start every day: 3 starts x 7 days-off patterns
    "band 0": (
        "2024-01-01",
        7,
        tiny([DAY8], [Contract(name="ft", shifts=["d"], days_per_week=5)]),
    ),
    # starts 07:00-09:00 within 1 h of each other, every combination
    "band 60": (
        "2024-01-01",
        7,
        tiny([DAY8], [Contract(name="ft", shifts=["d"], days_per_week=5, start_band_minutes=60)]),
    ),
    # any start every day (band 120) and a break at one of two times each day
    "band 120 and breaks": (
        "2024-01-01",
        7,
        tiny(
            [DAY8_BREAK],
            [Contract(name="ft", shifts=["d"], days_per_week=3, start_band_minutes=120)],
        ),
    ),
    # band 10 h narrowed to 24 h - 8 h - 16 h rest = 0 (one start a week); hard coverage
    "hard, wide band": (
        "2024-01-01",
        7,
        tiny(
            [DAY8],
            [
                Contract(
                    name="ft",
                    shifts=["d"],
                    min_days_per_week=3,
                    max_days_per_week=4,
                    start_band_minutes=600,
                )
            ],
            hard_coverage=True,
            agents=AgentRules(min_rest_hours=16),
        ),
    ),
    # two weeks, the same lines in both (cost counted twice); weeks need different staff
    "repeat": (
        "2024-01-01",
        14,
        tiny(
            [DAY8, PART4],
            [
                Contract(name="ft", shifts=["d"], days_per_week=5),
                Contract(name="pt", shifts=["p"], days_per_week=3, days_off="any"),
            ],
            multi_week="repeat",
        ),
    ),
    # two independent weeks
    "independent": (
        "2024-01-01",
        14,
        tiny(
            [DAY8, PART4],
            [
                Contract(name="ft", shifts=["d"], days_per_week=5),
                Contract(
                    name="pt",
                    shifts=["p"],
                    days_per_week=3,
                    days_off="any",
                    max_share_of_paid_hours=0.2,
                ),
            ],
        ),
    ),
    # a plan week from Thursday: weekend day off, night shift wrapping round the week, the mix
    "contract mix": (
        "2024-01-04",
        7,
        tiny(
            [DAY8, PART4, NIGHT],
            [
                Contract(
                    name="ft",
                    shifts=["d", "n"],
                    days_per_week=5,
                    weekend_day_off=True,
                    cost_per_head=5.0,
                    min_headcount=2,
                    max_headcount=5,
                ),
                Contract(
                    name="pt",
                    shifts=["p", "d"],
                    min_days_per_week=2,
                    max_days_per_week=3,
                    days_off="any",
                    cost_per_hour=0.8,
                    max_share_of_paid_hours=0.25,
                    max_headcount=3,
                ),
                Contract(
                    name="flex",
                    shifts=["p"],
                    days_per_week=4,
                    cost_per_head=2.0,
                    min_share_of_paid_hours=0.05,
                ),
            ],
            agents=AgentRules(weekend_days=["sat", "sun"]),
        ),
    ),
}


@pytest.mark.parametrize("case", list(TINY_CASES))
def test_optimum_equals_explicit_model(case: str) -> None:
    first, days, rules = TINY_CASES[case]
    req = requirements(
        first,
        days,
        60,
        seed=len(case) + 3,
        day=(8, 15),
        wobble=2,
        flat=True,
        night=case == "contract mix",
    )
    result = build_roster(req, rules, EXACT)
    expected = explicit_optimum(req, rules)
    assert result.solve.status == "optimal"
    assert result.solve.objective == pytest.approx(expected, abs=1e-4)
    # the roster returned is worth what the solver says, and the summary's cost is its lines'
    cost, penalties = output_objective(result)
    assert cost + penalties == pytest.approx(result.solve.objective, abs=1e-4)
    assert result.summary.cost == pytest.approx(cost, abs=1e-6)
    assert result.headcount["cost_per_week"].sum() * days / 7 == pytest.approx(cost, abs=1e-6)


# --- every tour rule, line by line, on generated instances --------------------------------------


def own_coverage(days: list[tuple], grid: pd.Series, step: int, cyclic: bool = True) -> np.ndarray:
    """Agents on duty per interval from (start, end, breaks) of line-days, in real time."""
    ns = np.array([pd.Timestamp(t).value for t in grid], dtype=np.int64)
    width = step * 60 * 10**9
    span = ns[-1] + width - ns[0]
    out = np.zeros(len(ns), dtype=np.int64)

    def on(a: pd.Timestamp, b: pd.Timestamp) -> np.ndarray:
        a, b = pd.Timestamp(a).value, pd.Timestamp(b).value
        hit = (ns >= a) & (ns + width <= b)
        if cyclic:
            hit |= (ns + span >= a) & (ns + span + width <= b)
        return hit.astype(np.int64)

    for start, end, breaks in days:
        out += on(start, end)
        for b_start, b_end in breaks:
            out -= on(b_start, b_end)
    return out


def check_rules(result, req: pd.DataFrame) -> None:
    """Assert every tour rule on the lines of a solved roster."""
    rules = result.rules
    roster = result.roster
    shifts = {s.name: s for s in rules.shifts}
    contracts = {c.name: c for c in rules.contracts}
    step = rules.interval_minutes
    first = req["interval_start"].iloc[0].date()
    weeks = ((req["interval_start"].iloc[-1].date() - first).days + 1) // 7
    weekdays = [DAYS[(first + dt.timedelta(days=q)).weekday()] for q in range(7)]
    rest = pd.Timedelta(rules.agents.min_rest_hours, unit="h")
    assert list(roster.columns) == [
        "line",
        "week",
        "contract",
        "shift",
        "start",
        "end",
        "agents",
        "breaks",
    ]
    assert (roster["agents"] == 1).all()
    position = np.array([(s.date() - first).days for s in roster["start"]])
    assert ((position // 7 + 1) == roster["week"].to_numpy()).all()
    roster = roster.assign(day=position % 7, date=[s.date() for s in roster["start"]])
    # one shift per line per day, one shift type and one contract per line
    assert not roster.duplicated(["line", "date"]).any()
    assert (roster.groupby("line")[["shift", "contract"]].nunique() == 1).all().all()
    for line, rows in roster.groupby("line"):
        contract = contracts[rows["contract"].iloc[0]]
        spec = shifts[rows["shift"].iloc[0]]
        assert spec.name in contract.shifts
        low, high = contract.day_range
        if rules.multi_week == "independent":
            assert rows["week"].nunique() == 1, f"line {line} spans weeks"
        else:
            assert rows["week"].nunique() == weeks, f"repeat line {line} misses a week"
        for _week, own in rows.groupby("week"):
            worked = set(own["day"])
            assert low <= len(worked) <= high
            if rules.multi_week == "repeat":
                assert worked == set(rows[rows["week"] == 1]["day"])
            off = [q not in worked for q in range(7)]
            if contract.days_off == "consecutive" and 0 < sum(off) < 7:
                # one run round the week: one day off followed by a working day
                assert sum(off[q] and not off[(q + 1) % 7] for q in range(7)) == 1, worked
            if contract.weekend_day_off:
                weekend = rules.agents.weekend_days
                assert any(o and weekdays[q] in weekend for q, o in enumerate(off)), worked
            paid = len(worked) * spec.paid_hours
            assert contract.min_paid_hours_per_week is None or (
                paid >= contract.min_paid_hours_per_week - 1e-9
            )
            assert contract.max_paid_hours_per_week is None or (
                paid <= contract.max_paid_hours_per_week + 1e-9
            )
        # start band on the local clock (narrowed so that the line rests between days)
        clocks = [s.hour * 60 + s.minute for s in rows["start"]]
        band = contract.start_band_minutes
        if high > 1:
            band = min(band, 24 * 60 - spec.length_minutes - rest.total_seconds() / 60)
        assert max(clocks) - min(clocks) <= band, (line, clocks, band)
        allowed = range(
            clock_minutes(spec.start_earliest),
            clock_minutes(spec.start_latest) + 1,
            spec.start_step_minutes or step,
        )
        assert set(clocks) <= set(allowed)
        # shift length and breaks in their windows (real elapsed minutes)
        for row in rows.itertuples():
            assert row.end - row.start == pd.Timedelta(spec.length_minutes, unit="min")
            assert len(row.breaks) == len(spec.breaks)
            for brk, (b_start, b_end) in zip(spec.breaks, row.breaks, strict=True):
                after = (b_start - row.start) / pd.Timedelta(1, unit="min")
                assert brk.earliest_after_minutes <= after <= brk.latest_after_minutes
                assert b_end - b_start == pd.Timedelta(brk.length_minutes, unit="min")
        # rest between consecutive working days (round the horizon for a weekly template)
        ordered = rows.sort_values("start")
        starts, ends = list(ordered["start"]), list(ordered["end"])
        gaps = [b - a for a, b in zip(ends[:-1], starts[1:], strict=True)]
        if rules.cyclic and (weeks == 1 or rules.multi_week == "repeat") and len(starts) > 1:
            horizon = pd.Timedelta(7 * weeks, unit="D")
            gaps.append(starts[0] + horizon - ends[-1])
        assert all(g >= rest for g in gaps), (line, gaps)
    # the contract mix, every week
    paid = roster["shift"].map(lambda n: shifts[n].paid_hours)
    for _week, own in roster.assign(paid=paid).groupby("week"):
        total = own["paid"].sum()
        for contract in rules.contracts:
            mine = own[own["contract"] == contract.name]
            heads = mine["line"].nunique()
            assert contract.min_headcount is None or heads >= contract.min_headcount
            assert contract.max_headcount is None or heads <= contract.max_headcount
            hours = mine["paid"].sum()
            if contract.max_share_of_paid_hours is not None:
                assert hours <= contract.max_share_of_paid_hours * total + 1e-6
            if contract.min_share_of_paid_hours is not None:
                assert hours >= contract.min_share_of_paid_hours * total - 1e-6
    # the lines table agrees with the line-days, and coverage with the line-days
    # a repeated line whose times differ between weeks has a row per week (same days)
    table = result.lines.drop_duplicates("line").set_index("line")
    assert sorted(table.index) == sorted(roster["line"].unique())
    week1 = roster[roster["week"] == roster.groupby("line")["week"].transform("min")]
    days_worked = week1.groupby("line").size()
    assert (table.loc[days_worked.index, "days_worked"] == days_worked).all()
    for _line, row in table.iterrows():
        assert row["paid_hours"] == pytest.approx(
            row["days_worked"] * shifts[row["shift"]].paid_hours
        )
    assert list(table.columns[-7:]) == weekdays
    days = list(zip(roster["start"], roster["end"], roster["breaks"], strict=True))
    expected = own_coverage(days, req["interval_start"], step, rules.cyclic)
    assert (result.coverage["scheduled"].to_numpy() == expected).all()


@st.composite
def medium_instances(draw) -> tuple[pd.DataFrame, ShiftRules]:
    """An hourly horizon of one or two weeks from any weekday, 2-3 shift types, 1-2 contracts."""
    weeks = draw(st.sampled_from([1, 1, 2]))
    first = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))
    rest = draw(st.sampled_from([8.0, 11.0, 12.0]))
    weekend = draw(st.sampled_from([["sat", "sun"], ["sun"], ["fri", "sat"]]))
    length = draw(st.sampled_from([6, 8, 9]))
    earliest = draw(st.integers(6, 8))
    breaks = []
    if length >= 8 and draw(st.booleans()):
        breaks = [
            Break(
                length_minutes=60,
                earliest_after_minutes=180,
                latest_after_minutes=180 + 60 * draw(st.integers(0, 2)),
            )
        ]
    day = ShiftType(
        name="d",
        length_hours=length,
        start_earliest=f"{earliest:02d}:00",
        start_latest=f"{earliest + draw(st.integers(0, 4)):02d}:00",
        breaks=breaks,
    )
    shifts = [day]
    full_shifts = ["d"]
    if draw(st.booleans()):
        shifts.append(
            ShiftType(
                name="n",
                length_hours=8,
                start_earliest="21:00",
                start_latest="23:00",
                cost_per_hour=1.3,
            )
        )
        full_shifts.append("n")
    paid = min(s.paid_hours for s in shifts if s.name in full_shifts)
    if draw(st.booleans()):
        days = {"days_per_week": draw(st.integers(4, 6))}
        low = high = days["days_per_week"]
    else:
        low = draw(st.integers(3, 5))
        high = draw(st.integers(low, 6))
        days = {"min_days_per_week": low, "max_days_per_week": high}
    hours = draw(st.sampled_from(["none", "min", "max"]))
    min_heads = draw(st.sampled_from([None, 1, 2]))
    full = Contract(
        name="full",
        shifts=full_shifts,
        **days,
        days_off=draw(st.sampled_from(["consecutive", "any"])),
        weekend_day_off=draw(st.booleans()),
        start_band_minutes=draw(st.sampled_from([0, 60, 120, 600])),
        min_paid_hours_per_week=high * paid - 1 if hours == "min" else None,
        max_paid_hours_per_week=low * max(s.paid_hours for s in shifts) + 1
        if hours == "max"
        else None,
        cost_per_head=draw(st.sampled_from([0.0, 5.0])),
        min_headcount=min_heads,
        max_headcount=draw(st.sampled_from([None, 8, 12])),
        min_share_of_paid_hours=draw(st.sampled_from([None, 0.3, 0.6])),
    )
    contracts = [full]
    if draw(st.booleans()):
        shifts.append(
            ShiftType(
                name="p",
                length_hours=4,
                start_earliest="10:00",
                start_latest="14:00",
                cost_per_hour=1.0,
            )
        )
        low_p = draw(st.integers(2, 3))
        contracts.append(
            Contract(
                name="part",
                shifts=["p"] + (["d"] if draw(st.booleans()) else []),
                min_days_per_week=low_p,
                max_days_per_week=draw(st.integers(low_p, 4)),
                days_off=draw(st.sampled_from(["consecutive", "any"])),
                weekend_day_off=draw(st.booleans()),
                start_band_minutes=draw(st.sampled_from([0, 120])),
                cost_per_hour=0.9,
                max_share_of_paid_hours=draw(st.sampled_from([None, 0.2, 0.5])),
                max_headcount=draw(st.sampled_from([None, 0, 3])),
            )
        )
    rules = ShiftRules(
        interval_minutes=60,
        shifts=shifts,
        contracts=contracts,
        multi_week=draw(st.sampled_from(["independent", "repeat"])),
        understaffing_per_agent_interval=draw(st.sampled_from([3.0, 20.0])),
        overstaffing_per_agent_interval=0.2,
        agents=AgentRules(min_rest_hours=rest, weekend_days=weekend),
    )
    req = requirements(
        str(first),
        7 * weeks,
        60,
        seed=draw(st.integers(0, 10**6)),
        peak=draw(st.integers(1, 4)),
        wobble=2,
    )
    return req, rules


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(medium_instances())
def test_every_tour_rule_holds_line_by_line(instance) -> None:
    req, rules = instance
    result = build_roster(req, rules, SolverOptions(time_limit_seconds=30))
    check_rules(result, req)


# --- coverage recomputed from the lines table's text --------------------------------------------


def table_weeks(text: str) -> list[int]:
    """Weeks of a line as written in the table: "2", "1-4" or "1,3"."""
    out: list[int] = []
    for part in str(text).split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def table_coverage(result, req: pd.DataFrame) -> np.ndarray:
    """Agents on duty per interval, read from the lines table's day cells only."""
    times = req["interval_start"]
    tz = times.dt.tz
    first = times.iloc[0].date()
    day_columns = list(result.lines.columns[-7:])
    assert day_columns == [DAYS[(first + dt.timedelta(days=q)).weekday()] for q in range(7)]
    days = []
    for row in result.lines.to_dict("records"):
        for week in table_weeks(row["weeks"]):
            for q, column in enumerate(day_columns):
                if row[column]:
                    date = first + dt.timedelta(days=7 * (week - 1) + q)
                    days.append(parse_day(row[column], date, tz))
    return own_coverage(days, times, result.rules.interval_minutes, result.rules.cyclic)


def dst_rules(step: int, hard: bool, weeks_mode: str = "independent") -> ShiftRules:
    """A day shift and a night shift that crosses midnight (and wraps round the week)."""
    return ShiftRules(
        interval_minutes=step,
        hard_coverage=hard,
        multi_week=weeks_mode,
        understaffing_per_agent_interval=20.0,
        overstaffing_per_agent_interval=0.1,
        shifts=[
            ShiftType(
                name="d",
                length_hours=9,
                start_earliest="06:00",
                start_latest="10:00",
                start_step_minutes=60,
                breaks=[
                    Break(length_minutes=60, earliest_after_minutes=180, latest_after_minutes=270)
                ],
            ),
            ShiftType(
                name="n",
                length_hours=8,
                start_earliest="21:00",
                start_latest="23:00",
                start_step_minutes=60,
                cost_per_hour=1.2,
                breaks=[
                    Break(length_minutes=30, earliest_after_minutes=180, latest_after_minutes=300)
                ],
            ),
        ],
        contracts=[
            Contract(name="ft", shifts=["d"], days_per_week=5, start_band_minutes=60),
            Contract(
                name="nights",
                shifts=["n"],
                min_days_per_week=3,
                max_days_per_week=4,
                days_off="any",
                start_band_minutes=120,
            ),
        ],
    )


TABLE_CASES = {
    "spring forward, 15 min": ("2024-03-25", 7, 15, "Europe/London"),
    "clocks back, 30 min": ("2024-10-21", 7, 30, "Europe/London"),
    "two weeks round clocks back": ("2024-10-21", 14, 30, "Europe/London"),
    "plain week from Wednesday": ("2024-01-03", 7, 30, None),
}


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_coverage_from_the_lines_table_text(case: str, hard: bool) -> None:
    first, days, step, tz = TABLE_CASES[case]
    req = requirements(first, days, step, seed=days + step, peak=2, tz=tz)
    # someone on the last night: a night shift runs past the horizon and wraps round the week
    req.loc[req.index[-4:], "required"] = 1
    req.loc[req.index[:4], "required"] = 1
    result = build_roster(req, dst_rules(step, hard))
    scheduled = result.coverage["scheduled"].to_numpy()
    horizon_end = req["interval_start"].iloc[-1] + pd.Timedelta(step, unit="min")
    assert (result.roster["end"] > horizon_end).any()
    assert scheduled[0] > 0
    if hard:
        assert (result.coverage["shortfall"] == 0).all()
    check_rules(result, req)
    assert (table_coverage(result, req) == scheduled).all()


def test_coverage_from_the_lines_table_text_repeat_weeks() -> None:
    """With multi_week = "repeat" each line covers weeks 1 and 2 once: one row "1-2" when both
    weeks are alike, rows "1" and "2" when its start times or breaks differ; the text is right."""
    req = requirements("2024-01-01", 14, 30, seed=5, peak=3, wobble=2, flat=True)
    result = build_roster(req, dst_rules(30, False, "repeat"))
    for _line, rows in result.lines.groupby("line"):
        assert sorted(rows["weeks"]) in (["1-2"], ["1", "2"])
        assert rows["days"].nunique() == 1
    scheduled = result.coverage["scheduled"].to_numpy()
    assert (table_coverage(result, req) == scheduled).all()


@pytest.mark.parametrize(
    ("date", "start"),
    [
        (dt.date(2024, 10, 26), "21:00"),  # clocks go back at 02:00 BST on Sunday 27 October
        (dt.date(2024, 10, 27), "00:30"),
        (dt.date(2024, 3, 30), "21:00"),  # clocks go forward at 01:00 GMT on Sunday 31 March
    ],
)
def test_day_cell_text_reads_back_in_dst_nights(date: dt.date, start: str) -> None:
    """format_day then parse_day gives back an 8-h night shift with a 30-min break wherever the
    break is, unless the text itself is ambiguous (a break inside the repeated hour reads the
    same at either occurrence: "break 01:00-01:30")."""
    tz = "Europe/London"
    t0 = pd.Timestamp(f"{date} {start}").tz_localize(tz)
    end = t0 + pd.Timedelta(8, unit="h")
    cells = {}
    for offset in range(60, 450, 30):
        b0 = t0 + pd.Timedelta(offset, unit="min")
        breaks = [(b0, b0 + pd.Timedelta(30, unit="min"))]
        cells.setdefault(format_day(t0, end, breaks), []).append(breaks)
    ambiguous = [text for text, days in cells.items() if len(days) > 1]
    assert len(ambiguous) <= 2, ambiguous
    for text, days in cells.items():
        if len(days) == 1:
            assert parse_day(text, date, tz) == (t0, end, days[0]), text


def test_lines_rest_between_days_across_spring_forward() -> None:
    """The start band is narrowed to 24 h - length - rest on the clock, but Saturday 30 March
    2024 to Sunday is 23 real hours in London: a line may then rest an hour too little."""
    times = pd.date_range(
        pd.Timestamp("2024-03-25", tz="Europe/London"),
        pd.Timestamp("2024-04-01", tz="Europe/London"),
        freq="60min",
        inclusive="left",
    )
    local = times.tz_localize(None)
    need = ((local >= "2024-03-30 10:00") & (local < "2024-03-30 19:00")) | (
        (local >= "2024-03-31 06:00") & (local < "2024-03-31 15:00")
    )
    req = pd.DataFrame({"interval_start": times, "required": need.astype(int)})
    rules = ShiftRules(
        interval_minutes=60,
        shifts=[ShiftType(name="d", length_hours=9, start_earliest="06:00", start_latest="10:00")],
        contracts=[Contract(name="c", shifts=["d"], days_per_week=2, start_band_minutes=240)],
    )
    result = build_roster(req, rules, EXACT)
    check_rules(result, req)


# --- known answers: days-off patterns and headcount ---------------------------------------------


def contract(**terms) -> Contract:
    return Contract(name="c", shifts=["s"], **terms)


@pytest.mark.parametrize(
    ("terms", "count"),
    [
        ({"days_per_week": 5}, 7),  # the two days off side by side, Sun + Mon counted
        ({"days_per_week": 6}, 7),
        ({"days_per_week": 6, "days_off": "any"}, 7),
        ({"days_per_week": 7}, 1),
        ({"days_per_week": 1}, 7),
        ({"days_per_week": 4, "days_off": "any"}, 35),
        ({"days_per_week": 5, "days_off": "any"}, 21),
        ({"min_days_per_week": 3, "max_days_per_week": 4}, 14),
        ({"min_days_per_week": 3, "max_days_per_week": 4, "days_off": "any"}, 70),
        ({"min_days_per_week": 1, "days_off": "any"}, 127),
        # a weekend day off: (fri sat), (sat sun), (sun mon) of the 7 pairs
        ({"days_per_week": 5, "weekend_day_off": True}, 3),
        # 21 pairs less the 10 that miss both sat and sun
        ({"days_per_week": 5, "days_off": "any", "weekend_day_off": True}, 11),
        ({"days_per_week": 6, "weekend_day_off": True}, 2),
        ({"days_per_week": 7, "weekend_day_off": True}, 0),
    ],
)
def test_day_patterns_known_counts(terms: dict, count: int) -> None:
    patterns = day_patterns(contract(**terms), list(DAYS), ["sat", "sun"])
    assert len(patterns) == count
    assert len(set(patterns)) == count


def test_day_patterns_follow_the_plan_week_and_weekend_days() -> None:
    thursday_first = [DAYS[(3 + q) % 7] for q in range(7)]
    five = day_patterns(contract(days_per_week=5), thursday_first, ["sat", "sun"])
    # the plan week's last and first days (wed, thu) count as consecutive days off
    assert (1, 2, 3, 4, 5) in five
    assert len(five) == 7
    weekend = day_patterns(
        contract(days_per_week=5, weekend_day_off=True), thursday_first, ["sat", "sun"]
    )
    off = [{thursday_first[d] for d in range(7) if d not in p} for p in weekend]
    assert sorted(map(sorted, off)) == [["fri", "sat"], ["mon", "sun"], ["sat", "sun"]]
    only_friday = day_patterns(
        contract(days_per_week=6, weekend_day_off=True), list(DAYS), ["fri"]
    )
    assert only_friday == [(0, 1, 2, 3, 5, 6)]


@pytest.mark.parametrize("low", range(1, 8))
@pytest.mark.parametrize("days_off", ["consecutive", "any"])
@pytest.mark.parametrize("weekend", [["sat", "sun"], ["mon"], ["wed", "fri"]])
def test_day_patterns_equal_a_plain_enumeration(low: int, days_off: str, weekend: list) -> None:
    for high in range(low, 8):
        for off in (False, True):
            terms = contract(
                min_days_per_week=low,
                max_days_per_week=high,
                days_off=days_off,
                weekend_day_off=off,
            )
            got = day_patterns(terms, list(DAYS), weekend)
            assert sorted(got) == sorted(explicit_patterns(terms, list(DAYS), weekend))


def test_longest_run_known_answers() -> None:
    assert longest_run((True,) * 7) == 7
    assert longest_run((False,) * 7) == 0
    assert longest_run((True, False, False, False, False, False, True)) == 2
    assert longest_run((True, False, False, False, False, False, True), cyclic=False) == 1
    assert longest_run((False, True, True, False, True, True, True)) == 3


def test_headcount_fte_is_paid_hours_over_full_time_hours() -> None:
    rules = ShiftRules(
        interval_minutes=60,
        full_time_hours_per_week=37.5,
        shifts=[
            ShiftType(
                name="d",
                length_hours=8,
                start_earliest="08:00",
                start_latest="08:00",
                breaks=[
                    Break(
                        length_minutes=60,
                        earliest_after_minutes=240,
                        latest_after_minutes=240,
                        paid=False,
                    )
                ],
                cost_per_hour=2.0,
            ),
            ShiftType(name="p", length_hours=4, start_earliest="12:00", start_latest="12:00"),
        ],
        contracts=[
            Contract(name="ft", shifts=["d"], days_per_week=5, cost_per_head=10.0),
            Contract(name="pt", shifts=["p"], days_per_week=3, days_off="any", cost_per_hour=1.5),
            Contract(name="unused", shifts=["p"], days_per_week=2),
        ],
    )
    monday = pd.Timestamp("2024-01-01 08:00")
    rows = []

    def line(number: int, week: int, name: str, shift: str, days: list[int]) -> None:
        start = monday + pd.Timedelta(7 * (week - 1), unit="D")
        hours = 8 if shift == "d" else 4
        for d in days:
            t0 = (
                start
                + pd.Timedelta(d, unit="D")
                + pd.Timedelta(4 if shift == "p" else 0, unit="h")
            )
            rows.append((number, week, name, shift, t0, t0 + pd.Timedelta(hours, unit="h"), 1, []))

    line(1, 1, "ft", "d", [0, 1, 2, 3, 4])  # 5 x 7 h = 35 h
    line(2, 1, "ft", "d", [2, 3, 4, 5, 6])
    line(3, 1, "pt", "p", [0, 2, 4])  # 12 h
    line(4, 2, "ft", "d", [0, 1, 2, 3, 4])
    roster = pd.DataFrame(
        rows, columns=["line", "week", "contract", "shift", "start", "end", "agents", "breaks"]
    )
    table = headcount(roster, rules).set_index("contract")
    # two weeks: ft works 70 h then 35 h, pt 12 h then nothing
    assert table.loc["ft", "headcount"] == 2
    assert table.loc["ft", "paid_hours_per_week"] == pytest.approx(52.5)
    assert table.loc["ft", "fte"] == pytest.approx(52.5 / 37.5)
    assert table.loc["ft", "cost_per_week"] == pytest.approx(52.5 * 2.0 + 1.5 * 10.0)
    assert table.loc["pt", "fte"] == pytest.approx(6 / 37.5)
    assert table.loc["pt", "cost_per_week"] == pytest.approx(6 * 1.5)
    assert table.loc["pt", "share_of_paid_hours"] == pytest.approx(6 / 58.5)
    assert table.loc["unused", ["headcount", "fte"]].tolist() == [0, 0.0]
    lines = lines_table(roster, rules, list(DAYS)).set_index("line")
    assert lines["paid_hours"].tolist() == [35.0, 35.0, 12.0, 35.0]
    assert lines["fte"].tolist() == pytest.approx([35 / 37.5, 35 / 37.5, 12 / 37.5, 35 / 37.5])
    assert lines.loc[2, "days"] == "wed thu fri sat sun"
    assert lines.loc[3, "fri"] == "12:00-16:00"
    assert lines.loc[3, "thu"] == ""


def test_headcount_of_a_solved_roster_matches_its_lines() -> None:
    req = requirements("2024-01-01", 7, 60, seed=11, peak=4, night=False)
    rules = ShiftRules(
        interval_minutes=60,
        full_time_hours_per_week=36.0,
        shifts=[DAY8, PART4],
        contracts=[
            Contract(name="ft", shifts=["d"], days_per_week=5),
            Contract(name="pt", shifts=["p"], days_per_week=3, days_off="any"),
        ],
    )
    result = build_roster(req, rules)
    people = result.headcount.set_index("contract")
    for name, own in result.lines.groupby("contract"):
        assert people.loc[name, "headcount"] == len(own)
        assert people.loc[name, "fte"] == pytest.approx(own["paid_hours"].sum() / 36.0)
        assert (own["fte"] == own["paid_hours"] / 36.0).all()
    assert people["fte"].sum() * 36.0 == pytest.approx(result.summary.paid_hours)


# --- bad input ----------------------------------------------------------------------------------


def rules_dict(contracts: list[dict], shifts: list[dict] | None = None, **extra) -> dict:
    day = {"name": "d", "length_hours": 8, "start_earliest": "06:00", "start_latest": "08:00"}
    return {"interval_minutes": 60, "shifts": shifts or [day], "contracts": contracts, **extra}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (rules_dict([{"name": "ft", "shifts": ["x"]}]), ["'ft'", "unknown shift", "'x'"]),
        (
            rules_dict(
                [{"name": "ft", "shifts": ["d"]}],
                shifts=[
                    {
                        "name": "d",
                        "length_hours": 8,
                        "start_earliest": "06:00",
                        "start_latest": "08:00",
                    },
                    {
                        "name": "e",
                        "length_hours": 6,
                        "start_earliest": "16:00",
                        "start_latest": "16:00",
                    },
                ],
            ),
            ["'e'", "no contract"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "start_band_minutes": 30}]),
            ["'ft'", "start_band_minutes", "30", "interval_minutes"],
        ),
        (
            rules_dict(
                [{"name": "ft", "shifts": ["d"], "min_days_per_week": 5, "max_days_per_week": 3}]
            ),
            ["contracts.0", "min_days_per_week", "max_days_per_week"],
        ),
        (
            rules_dict(
                [
                    {
                        "name": "ft",
                        "shifts": ["d"],
                        "min_paid_hours_per_week": 30,
                        "max_paid_hours_per_week": 20,
                    }
                ]
            ),
            ["contracts.0", "min_paid_hours_per_week", "max_paid_hours_per_week"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "min_headcount": 4, "max_headcount": 2}]),
            ["contracts.0", "min_headcount", "max_headcount"],
        ),
        (
            rules_dict(
                [
                    {
                        "name": "ft",
                        "shifts": ["d"],
                        "min_share_of_paid_hours": 0.6,
                        "max_share_of_paid_hours": 0.4,
                    }
                ]
            ),
            ["contracts.0", "min_share_of_paid_hours", "max_share_of_paid_hours"],
        ),
        (
            rules_dict(
                [{"name": "ft", "shifts": ["d"], "days_per_week": 5, "max_days_per_week": 6}]
            ),
            ["'ft'", "days_per_week", "not both"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"]}, {"name": "ft", "shifts": ["d"]}]),
            ["unique", "ft"],
        ),
        (rules_dict([{"name": "ft", "shifts": ["d", "d"]}]), ["contracts.0", "twice"]),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "days_off": "weekends"}]),
            ["contracts.0.days_off"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "days_per_week": 8}]),
            ["contracts.0.days_per_week"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "max_share_of_paid_hours": 1.5}]),
            ["contracts.0.max_share_of_paid_hours"],
        ),
        (
            rules_dict([{"name": "ft", "shifts": ["d"], "headcount": 3}]),
            ["unknown key", "contracts.0.headcount"],
        ),
        (rules_dict([{"name": "ft", "shifts": ["d"]}], multi_week="rotate"), ["multi_week"]),
        (
            rules_dict(
                [{"name": "ft", "shifts": ["d"]}],
                shifts=[
                    {
                        "name": "d",
                        "length_hours": 14,
                        "start_earliest": "06:00",
                        "start_latest": "08:00",
                    }
                ],
            ),
            ["'ft'", "'d'", "min_rest_hours"],
        ),
    ],
)
def test_bad_contract_rules_raise_config_error_naming_the_key(data: dict, words: list) -> None:
    with pytest.raises(ConfigError) as err:
        rules_from_dict(data, "shifts.toml")
    message = str(err.value)
    assert message.startswith("shifts.toml: ")
    for word in words:
        assert word in message, (word, message)


def test_a_horizon_of_part_weeks_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"10 local day\(s\) from 2024-01-01 to 2024-01-10"):
        plan_weeks([dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(10)])
    assert plan_weeks([dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(21)]) == 3
    req = requirements("2024-01-01", 8, 60, seed=1)
    rules = tiny([DAY8], [Contract(name="ft", shifts=["d"])])
    with pytest.raises(DataError, match="whole weeks"):
        build_roster(req, rules)
    # a week that starts mid-day covers 8 local dates
    late = requirements("2024-01-01", 8, 60, seed=1).iloc[12 : 12 + 168]
    with pytest.raises(DataError, match="8 local day"):
        build_roster(late, rules)


def test_hard_coverage_beyond_the_contract_mix_names_intervals_and_contracts() -> None:
    req = requirements("2024-01-01", 7, 60, seed=2, peak=3, day=(9, 15), night=False)
    req.loc[req["required"] > 0, "required"] = 2
    rules = tiny([DAY8], [Contract(name="ft", shifts=["d"], max_headcount=1)], hard_coverage=True)
    with pytest.raises(InfeasibleError) as err:
        build_roster(req, rules)
    message = str(err.value)
    assert "interval(s): 2024-01-01T09:00:00" in message
    # the rule in conflict is the contract's max_headcount, not a shift type's max_count
    assert "'ft'" in message, message
    assert "max_headcount" in message, message


def test_a_contract_mix_that_cannot_be_met_says_which_contract() -> None:
    req = requirements("2024-01-01", 7, 60, seed=3, night=False)
    rules = tiny(
        [DAY8],
        [
            Contract(name="ft", shifts=["d"], min_headcount=2, max_share_of_paid_hours=0.0),
            Contract(name="pt", shifts=["d"], days_per_week=3, days_off="any"),
        ],
    )
    with pytest.raises(InfeasibleError) as err:
        build_roster(req, rules)
    message = str(err.value)
    assert "'ft'" in message, message
    assert "min_headcount" in message, message
    assert "max_share_of_paid_hours" in message, message


def test_a_contract_that_allows_no_line_is_an_error() -> None:
    """Five 8-h days are 40 h: a 50-h minimum leaves the contract no line at all."""
    req = requirements("2024-01-01", 7, 60, seed=4, night=False)
    rules = tiny([DAY8], [Contract(name="ft", shifts=["d"], min_paid_hours_per_week=50)])
    with pytest.raises(StaffingError, match="'ft'"):
        build_roster(req, rules)
