"""Benchmark of the stage-1 roster model: model size, solve time, gap and agent-hours ratio.

One week of quarter-hours (96 a day) with a contact-centre shape (night trough, two daytime
peaks, lighter weekend); shift lengths 4/6/8/10 h starting every 15 minutes from 06:00 to 22:00;
one unpaid 30-minute break 2–5 h after the start (2–3.5 h for the 4-hour shift, so that the
break ends inside the shift). Shifts running past the end of the week wrap round (cyclic).

Run::

    python benchmarks/bench_roster.py                 # peaks 200 and 50, HiGHS, 2 threads
    python benchmarks/bench_roster.py --solver cbc --peak 50
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from staffing.roster import (
    Break,
    ShiftRules,
    ShiftType,
    SolverOptions,
    available_solvers,
    build_roster,
)


def requirements(peak: float) -> pd.DataFrame:
    """One week of quarter-hourly requirements [agents] peaking at about ``peak``."""
    times = pd.date_range("2024-03-04", periods=7 * 96, freq="15min", tz="Europe/London")
    hour = times.hour + times.minute / 60
    day = np.exp(-0.5 * ((hour - 10.5) / 1.8) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 15.5) / 2) ** 2)
    evening = 0.35 / (1 + np.exp((hour - 21.0) / 0.7))
    night = 0.04
    shape = night + np.maximum(day, evening) * (hour >= 6)
    weekend = np.where(times.day_of_week >= 5, 0.55, 1.0)
    weekly = shape * weekend
    required = np.round(peak * weekly / weekly.max()).astype(int)
    return pd.DataFrame({"interval_start": times, "required": required})


def rules() -> ShiftRules:
    """Shift lengths 4/6/8/10 h every 15 min from 06:00 to 22:00, one unpaid 30-min break."""
    shifts = []
    for hours in (4, 6, 8, 10):
        latest = 210 if hours == 4 else 300
        shifts.append(
            ShiftType(
                name=f"{hours}h",
                length_hours=hours,
                start_earliest="06:00",
                start_latest="22:00",
                start_step_minutes=15,
                cost_per_hour=20.0,
                breaks=[
                    Break(
                        length_minutes=30,
                        earliest_after_minutes=120,
                        latest_after_minutes=latest,
                        paid=False,
                    )
                ],
            )
        )
    return ShiftRules(
        interval_minutes=15,
        shifts=shifts,
        understaffing_per_agent_interval=40.0,
        overstaffing_per_agent_interval=0.0,
    )


def main() -> None:
    """Parse arguments, solve each instance and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peak", type=float, nargs="*", default=[200.0, 50.0])
    parser.add_argument("--solver", default="highs", choices=available_solvers())
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--gap", type=float, default=0.01)
    args = parser.parse_args()
    for peak in args.peak:
        req = requirements(peak)
        options = SolverOptions(
            solver=args.solver,
            time_limit_seconds=args.time_limit,
            relative_gap=args.gap,
            threads=args.threads,
            seed=0,
        )
        result = build_roster(req, rules(), options)
        s, r = result.summary, result.solve
        gap = "n/a" if r.gap is None else f"{100 * r.gap:.3f}%"
        print(f"peak {peak:g} agents ({args.solver}, {args.threads} threads):")
        print(
            f"  model: {r.variables} variables ({r.integer_variables} integer), "
            f"{r.constraints} constraints, {r.nonzeros} nonzeros"
        )
        print(
            f"  status {r.status}, time {r.solve_seconds:.1f} s, objective {r.objective:.1f}, "
            f"bound {r.best_bound}, gap {gap}"
        )
        print(
            f"  shifts {s.shifts}, paid hours {s.paid_hours:.1f}, scheduled/required "
            f"agent-hours {s.ratio:.4f}, understaffed intervals {s.understaffed_intervals} "
            f"({s.understaffed_agent_intervals} agent-intervals)"
        )


if __name__ == "__main__":
    main()
