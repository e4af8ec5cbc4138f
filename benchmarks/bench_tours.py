"""Benchmark of weekly lines of work (tours): model size, build and solve time, gap, headcount.

Cases (hard coverage, ``cost_per_hour = 1`` everywhere, so the objective is the week's paid
agent-hours):

* ``week30``: one week of 30-min intervals (Europe/London, Monday 2024-05-06), open 07:00-22:00,
  peak ``--peak30`` (60) agents, two daytime peaks, Saturday at 60% and Sunday at 45%.
  Full-time: 5 x 9 h (8 paid: one unpaid 60-min lunch starting 3-4.5 h after the start), the
  same start all week (``start_band_minutes = 0``), starts every 30 min 06:00-13:00, two
  consecutive days off. Part-time: one contract with shifts ``pt4`` (4 h, starts hourly
  07:00-18:00) and ``pt6`` (6 h, hourly 07:00-16:00), no break, 3-4 days with any days off and
  16-18 paid h a week (so 4 x 4 h or 3 x 6 h), at most 25% of the paid hours. Two variants:
  ``week30-free`` (part-time ``start_band_minutes = 1440``: a free start each day, narrowed by
  the rest rule) and ``week30-same`` (band 0: the same start every day). Goal: within 0.5% of
  the bound in 60 s on 2 threads.
* ``week15``: one week of 15-min intervals (672), open 07:00-22:00, peak ``--peak15`` (200).
  Contracts: ``ft8`` 5 x 8 h (15-min paid break 1.5-2.5 h and 30-min unpaid lunch 3-5 h after
  the start; 37.5 paid h), starts every 15 min 06:00-14:00, band 60 min; ``ft10`` 4 x 10 h
  (30-min unpaid lunch 4-6 h after the start; 38 paid h), starts 06:00-12:00, band 60; ``pt``
  4-5 days of ``pt4`` (4 h, starts 08:00-18:00) or ``pt5`` (5 h with a 15-min paid break
  1.5-3 h after the start, starts 08:00-17:00), any days off, 16-25 paid h, band 120, at most
  30% of the paid hours. Goal: within 1% of the bound in 120 s on 2 threads.
* ``peer-daily``: the ``week30`` requirements and shift types with no contracts (the daily
  model: shifts chosen day by day, no weekly lines, no part-time cap); the table's last lines
  compare its paid hours with the week30 tours (the price of weekly lines), running
  ``week30-free`` too when it was not asked for.
* ``--weeks N`` (2-4): ``week30-free`` over N weeks (weekly volume x 1.00, 0.92, 1.06, 0.97)
  with ``multi_week = "independent"`` and ``"repeat"``, to show how the model grows.

Each case reports the model size (variables, integer variables, rows, nonzeros), the
``build_model`` and solve time [s], the status, objective, best bound and gap, headcount and
FTE per contract, the part-time share of paid hours and scheduled/required agent-hours.
"goal met" means the gap at the stop is within the case's target (HiGHS may stop on time just
after finding such a solution). Tuning experiments: ``--highs KEY=VALUE`` passes options to
HiGHS (e.g. ``mip_heuristic_effort=0.5``); ``--tweak x-continuous`` makes the daily shift counts
continuous in a model with lines (each is a sum of integer line or start variables, so still
integral); ``--seed`` changes the solver's seed (the week30 results depend on it).

Run::

    python benchmarks/bench_tours.py                          # week30 x2, week15, peer-daily
    python benchmarks/bench_tours.py --case week15 --solver cbc
    python benchmarks/bench_tours.py --weeks 4 --json tours.json
    python benchmarks/bench_tours.py --case week30-same --seed 1 \\
        --highs mip_heuristic_effort=0.5 --tweak x-continuous
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pulp

from staffing.errors import InfeasibleError, SolverError
from staffing.roster import (
    Break,
    ShiftRules,
    ShiftType,
    SolverOptions,
    available_solvers,
    build_roster,
)
from staffing.roster import build as build_module
from staffing.roster.contracts import Contract

FIRST_MONDAY = "2024-05-06"
WEEK_VOLUME = (1.00, 0.92, 1.06, 0.97)
DAY_VOLUME = (1.0, 1.0, 1.0, 1.0, 0.95, 0.60, 0.45)
CASES = ("week30-free", "week30-same", "week15", "peer-daily")


@dataclass(frozen=True)
class Case:
    """One benchmark case: requirements, rules and its goal (gap [fraction] within [s])."""

    name: str
    requirements: pd.DataFrame
    rules: ShiftRules
    gap: float
    time_limit: float


def requirements(interval: int, peak: float, weeks: int = 1) -> pd.DataFrame:
    """Requirements [agents] open 07:00-22:00, peaks at 10:30 and 15:00, lighter weekend."""
    per_day = 24 * 60 // interval
    times = pd.date_range(
        FIRST_MONDAY,
        periods=weeks * 7 * per_day,
        freq=f"{interval}min",
        tz="Europe/London",
    )
    hour = np.asarray(times.hour + times.minute / 60, dtype=float)
    morning = np.exp(-0.5 * ((hour - 10.5) / 1.7) ** 2)
    afternoon = 0.85 * np.exp(-0.5 * ((hour - 15.0) / 2.0) ** 2)
    shape = 0.2 + 0.8 * np.maximum(morning, afternoon)
    open_ = (hour >= 7) & (hour < 22)
    day = np.asarray(DAY_VOLUME)[np.asarray(times.day_of_week)]
    week = np.asarray(WEEK_VOLUME)[np.arange(len(times)) // (7 * per_day)]
    required = np.ceil(peak * shape * day * week * open_ - 1e-9).astype(np.int64)
    return pd.DataFrame({"interval_start": times, "required": required})


def week30_shifts() -> list[ShiftType]:
    """Full-time 9 h with a 60-min unpaid lunch; part-time 4 h and 6 h without breaks."""
    lunch = Break(length_minutes=60, earliest_after_minutes=180, latest_after_minutes=270)
    return [
        ShiftType(name="ft9", length_hours=9, start_earliest="06:00", start_latest="13:00",
                  breaks=[lunch]),
        ShiftType(name="pt4", length_hours=4, start_earliest="07:00", start_latest="18:00",
                  start_step_minutes=60),
        ShiftType(name="pt6", length_hours=6, start_earliest="07:00", start_latest="16:00",
                  start_step_minutes=60),
    ]  # fmt: skip


def week30_rules(pt_band: int | None, multi_week: str = "independent") -> ShiftRules:
    """The week30 rules; ``pt_band=None`` gives the daily model (no contracts)."""
    contracts = []
    if pt_band is not None:
        contracts = [
            Contract(name="full-time", shifts=["ft9"], days_per_week=5),
            Contract(name="part-time", shifts=["pt4", "pt6"], min_days_per_week=3,
                     max_days_per_week=4, days_off="any", start_band_minutes=pt_band,
                     min_paid_hours_per_week=16, max_paid_hours_per_week=18,
                     max_share_of_paid_hours=0.25),
        ]  # fmt: skip
    return ShiftRules(
        interval_minutes=30,
        shifts=week30_shifts(),
        hard_coverage=True,
        contracts=contracts,
        multi_week=multi_week,
    )


def week15_rules() -> ShiftRules:
    """Three contracts on 15-min intervals: 5 x 8 h, 4 x 10 h and part-time 4-5 h."""
    shifts = [
        ShiftType(name="ft8", length_hours=8, start_earliest="06:00", start_latest="14:00",
                  breaks=[Break(length_minutes=15, earliest_after_minutes=90,
                                latest_after_minutes=150, paid=True),
                          Break(length_minutes=30, earliest_after_minutes=180,
                                latest_after_minutes=300)]),
        ShiftType(name="ft10", length_hours=10, start_earliest="06:00", start_latest="12:00",
                  breaks=[Break(length_minutes=30, earliest_after_minutes=240,
                                latest_after_minutes=360)]),
        ShiftType(name="pt4", length_hours=4, start_earliest="08:00", start_latest="18:00"),
        ShiftType(name="pt5", length_hours=5, start_earliest="08:00", start_latest="17:00",
                  breaks=[Break(length_minutes=15, earliest_after_minutes=90,
                                latest_after_minutes=180, paid=True)]),
    ]  # fmt: skip
    contracts = [
        Contract(name="ft8", shifts=["ft8"], days_per_week=5, start_band_minutes=60),
        Contract(name="ft10", shifts=["ft10"], days_per_week=4, start_band_minutes=60),
        Contract(name="pt", shifts=["pt4", "pt5"], min_days_per_week=4, max_days_per_week=5,
                 days_off="any", start_band_minutes=120, min_paid_hours_per_week=16,
                 max_paid_hours_per_week=25, max_share_of_paid_hours=0.30),
    ]  # fmt: skip
    return ShiftRules(interval_minutes=15, shifts=shifts, hard_coverage=True, contracts=contracts)


def make_cases(args: argparse.Namespace) -> list[Case]:
    """The cases asked for on the command line, in order."""
    req30 = requirements(30, args.peak30)
    known = {
        "week30-free": lambda: Case("week30-free", req30, week30_rules(1440), 0.005, 60.0),
        "week30-same": lambda: Case("week30-same", req30, week30_rules(0), 0.005, 60.0),
        "week15": lambda: Case(
            "week15", requirements(15, args.peak15), week15_rules(), 0.01, 120.0
        ),
        "peer-daily": lambda: Case("peer-daily", req30, week30_rules(None), 0.005, 60.0),
    }
    names = list(args.case)
    if "peer-daily" in names and not any(n.startswith("week30") for n in names):
        names.insert(names.index("peer-daily"), "week30-free")
    cases = [known[name]() for name in names]
    if args.weeks:
        req = requirements(30, args.peak30, args.weeks)
        for mode in ("independent", "repeat"):
            cases.append(
                Case(f"week30-free x{args.weeks} {mode}", req, week30_rules(1440, mode),
                     0.005, 60.0 * args.weeks)
            )  # fmt: skip
    return cases


@contextmanager
def highs_options(extra: dict[str, Any]) -> Iterator[None]:
    """Pass ``extra`` options to every HiGHS solve (wraps ``pulp.HiGHS`` for the duration)."""
    original = pulp.HiGHS

    class Tuned(original):  # type: ignore[valid-type, misc]
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **{**extra, **kw})

    pulp.HiGHS = Tuned
    try:
        yield
    finally:
        pulp.HiGHS = original


def continuous_shifts(model: Any) -> None:
    """Tweak: make the shift counts ``x`` continuous in a model with lines (each equals a sum
    of integer line or start variables, so it is integral anyway)."""
    if model.tours is not None:
        for var in model.x.values():
            var.cat = pulp.LpContinuous


TWEAKS: dict[str, Callable[[Any], None]] = {"x-continuous": continuous_shifts}


@contextmanager
def timed_build(probe: dict[str, Any], tweaks: list[str]) -> Iterator[None]:
    """Time ``build_model`` inside :func:`build_roster` (wraps it in its module), apply the
    formulation ``tweaks`` to the model it returns and keep the model in ``probe``."""
    original: Callable = build_module.build_model

    def timed(*a: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        out = original(*a, **kw)
        for name in tweaks:
            TWEAKS[name](out)
        probe["build"] = probe.get("build", 0.0) + time.perf_counter() - started
        probe.setdefault("model", out)
        return out

    build_module.build_model = timed
    try:
        yield
    finally:
        build_module.build_model = original


def model_size(prob: pulp.LpProblem) -> dict[str, int]:
    """Variables, integer variables, rows and nonzeros of a PuLP problem."""
    variables = prob.variables()
    rows = prob.constraints()
    return {
        "variables": len(variables),
        "integer_variables": sum(v.cat == pulp.LpInteger for v in variables),
        "rows": len(rows),
        "nonzeros": sum(len(c) for c in rows),
    }


def run_case(case: Case, args: argparse.Namespace) -> dict[str, Any]:
    """Solve one case through :func:`build_roster` and collect its figures."""
    limit = case.time_limit if args.time_limit is None else args.time_limit
    options = SolverOptions(
        solver=args.solver,
        relative_gap=case.gap if args.gap is None else args.gap,
        threads=args.threads,
        time_limit_seconds=limit,
        seed=args.seed,
        msg=args.msg,
    )
    probe: dict[str, Any] = {}
    row: dict[str, Any] = {
        "case": case.name,
        "solver": args.solver,
        "weeks": len(case.requirements) // (7 * 24 * 60 // case.rules.interval_minutes),
        "goal": f"gap <= {100 * options.relative_gap:g}% in {limit:g} s",
    }
    started = time.perf_counter()
    try:
        with timed_build(probe, args.tweak):
            result = build_roster(case.requirements, case.rules, options)
    except (SolverError, InfeasibleError) as err:
        size = model_size(probe["model"].prob) if "model" in probe else {}
        seconds = time.perf_counter() - started - probe.get("build", 0.0)
        return {**row, "goal_met": False, **size, "build_seconds": probe.get("build"),
                "solve_seconds": seconds, "status": "no solution", "error": str(err)}  # fmt: skip
    r = result.solve
    met = r.gap is not None and r.gap <= options.relative_gap + 1e-9
    return {
        **row,
        "goal_met": bool(met and r.solve_seconds <= limit + 1.0),
        **model_size(probe["model"].prob),
        "build_seconds": probe["build"],
        "solve_seconds": r.solve_seconds,
        "total_seconds": time.perf_counter() - started,
        "status": r.status,
        "objective": r.objective,
        "best_bound": r.best_bound,
        "gap": r.gap,
        **staffing_figures(result, row["weeks"]),
    }


def staffing_figures(result: Any, weeks: int) -> dict[str, Any]:
    """Headcount per contract, part-time share, paid and scheduled/required agent-hours."""
    s = result.summary
    people = [] if result.headcount is None else result.headcount.to_dict("records")
    return {
        "paid_hours_per_week": s.paid_hours / weeks,
        "headcount": people,
        "part_time_share": part_time_share(result, people),
        "scheduled_agent_hours": s.scheduled_agent_hours,
        "required_agent_hours": s.required_agent_hours,
        "ratio": s.ratio,
        "understaffed_intervals": s.understaffed_intervals,
        "lines_table_rows": s.lines,
    }


def part_time_share(result: Any, people: list[dict[str, Any]]) -> float:
    """Share of paid hours on part-time contracts (names ``pt...``/``part...``) or, in the daily
    model, on part-time shift types (``pt4``, ``pt6``) [fraction]."""
    if people:
        return sum(p["share_of_paid_hours"] for p in people if p["contract"].startswith("p"))
    by_name = {s.name: s for s in result.rules.shifts}
    roster = result.roster
    paid = roster["agents"] * roster["shift"].map(lambda n: by_name[n].paid_hours)
    total = float(paid.sum())
    return float(paid[roster["shift"].str.startswith("pt")].sum()) / total if total else 0.0


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def solve_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table: model size, times, status, objective, bound, gap, goal."""
    head = (
        "| case | solver | vars | int vars | rows | nonzeros | build s | solve s | status "
        "| objective | bound | gap | goal |\n|" + " --- |" * 13
    )
    lines = [head]
    for r in rows:
        gap = "n/a" if r.get("gap") is None else f"{100 * r['gap']:.3f}%"
        goal = ("met " if r["goal_met"] else "MISSED ") + f"({r['goal']})"
        size = " | ".join(
            str(r.get(k, "n/a")) for k in ("variables", "integer_variables", "rows", "nonzeros")
        )
        lines.append(
            f"| {r['case']} | {r['solver']} | {size} | {_num(r['build_seconds'], 2)} "
            f"| {r['solve_seconds']:.1f} | {r['status']} | {_num(r.get('objective'))} "
            f"| {_num(r.get('best_bound'))} | {gap} | {goal} |"
        )
    return "\n".join(lines)


def staff_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table: headcount and FTE per contract, part-time share, agent-hours."""
    head = (
        "| case | people | headcount (FTE) per contract | part-time share | paid h/week "
        "| scheduled / required agent-h | short intervals |\n|" + " --- |" * 7
    )
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['case']} | {r['error']} |" + " |" * 5)
            continue
        people = r["headcount"]
        mix = "; ".join(f"{p['contract']} {p['headcount']} ({p['fte']:.2f})" for p in people)
        heads = sum(p["headcount"] for p in people) or "-"
        lines.append(
            f"| {r['case']} | {heads} | {mix or '- (daily model)'} "
            f"| {100 * r['part_time_share']:.1f}% | {r['paid_hours_per_week']:.1f} "
            f"| {r['scheduled_agent_hours']:.1f} / {r['required_agent_hours']:.1f} = "
            f"{r['ratio']:.4f} | {r['understaffed_intervals']} |"
        )
    return "\n".join(lines)


def price_of_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Paid hours of the week30 tours against the daily model (``peer-daily``).

    The price of weekly lines (tours optimum - daily optimum) lies between the tours' bound -
    the daily objective and the tours' objective - the daily bound [paid h/week].
    """
    daily = next((r for r in rows if r["case"] == "peer-daily" and "error" not in r), None)
    if daily is None:
        return []
    out = []
    base, base_bound = daily["objective"], daily["best_bound"]
    for r in rows:
        if not r["case"].startswith("week30") or r["weeks"] != 1 or "error" in r:
            continue
        extra = r["objective"] - base
        low = None if r["best_bound"] is None else r["best_bound"] - base
        high = None if base_bound is None else r["objective"] - base_bound
        out.append(
            f"price of weekly lines, {r['case']}: {r['objective']:.1f} - {base:.1f} (daily, "
            f"part-time {100 * daily['part_time_share']:.1f}%) = {extra:+.1f} paid h/week "
            f"({100 * extra / base:+.2f}%); proven between {_num(low)} and {_num(high)} h"
        )
    return out


def parse_args() -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add(
        "--case",
        nargs="*",
        choices=CASES,
        default=None,
        help="cases to run (default all four; with --weeks, none)",
    )
    add(
        "--weeks",
        type=int,
        choices=[2, 3, 4],
        default=None,
        help="also run week30-free over N weeks, independent and repeat",
    )
    add("--solver", default="highs", choices=available_solvers())
    add("--threads", type=int, default=2)
    add(
        "--time-limit",
        type=float,
        default=None,
        help="[s]; default each case's goal (60 s, 120 s, 60 s per week)",
    )
    add(
        "--gap",
        type=float,
        default=None,
        help="relative gap [fraction]; default each case's goal (0.005, 0.01)",
    )
    add("--peak30", type=float, default=60.0, help="week30 peak [agents]")
    add("--peak15", type=float, default=200.0, help="week15 peak [agents]")
    add(
        "--highs",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra HiGHS options (values read as JSON, else text)",
    )
    add(
        "--tweak",
        nargs="*",
        choices=sorted(TWEAKS),
        default=[],
        help="formulation tweaks applied inside the benchmark",
    )
    add("--seed", type=int, default=0, help="solver random seed")
    add("--msg", action="store_true", help="show the solver log")
    add("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()
    if args.case is None:
        args.case = [] if args.weeks else list(CASES)
    return args  # fmt: skip


def write_json(path: Path, args: argparse.Namespace, extra: dict, rows: list[dict]) -> None:
    """The figures of every case with the settings and versions they ran with."""
    meta = {
        "solver": args.solver,
        "threads": args.threads,
        "seed": args.seed,
        "highs_options": extra,
        "tweaks": args.tweak,
        "python": platform.python_version(),
        "pulp": pulp.__version__,
        "highspy": importlib.metadata.version("highspy"),
    }
    path.write_text(json.dumps({"meta": meta, "cases": rows}, indent=2) + "\n")


def main() -> None:
    """Run each case, print the tables and write the JSON."""
    args = parse_args()
    extra = dict(_option(text) for text in args.highs)
    rows = []
    with highs_options(extra):
        for case in make_cases(args):
            rows.append(run_case(case, args))
            row = rows[-1]
            print(
                f"done {case.name}: {row['status']} in {row['solve_seconds']:.1f} s",
                flush=True,
            )
    print()
    print(
        f"{args.solver}, {args.threads} threads, seed {args.seed}"
        + (f", HiGHS options {extra}" if extra else "")
        + (f", tweaks {args.tweak}" if args.tweak else "")
    )
    print()
    print(solve_table(rows))
    print()
    print(staff_table(rows))
    for line in price_of_lines(rows):
        print(line)
    if args.json:
        write_json(args.json, args, extra, rows)
        print(f"wrote {args.json}")


def _option(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


if __name__ == "__main__":
    main()
