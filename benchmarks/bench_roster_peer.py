"""Benchmark: staffing's plain (daily) shift scheduling against the open peer pyworkforce.

The case is one week of half-hourly requirements (336 intervals, the contact-centre shape of
:func:`staffing.roster.example_requirements`: zero from 00:00 to 06:00, two daytime peaks,
weekend at 60%) covered at least cost with hard coverage by two shift types:

* ``8h``: starts every 30 min from 06:00 to 15:30, one unpaid 30-min break starting 3-5 h after
  the start (5 positions), 7.5 paid hours;
* ``4h``: starts every 30 min from 06:00 to 19:30, one unpaid 30-min break starting 1.5-2.5 h
  after the start (3 positions, 3.5 paid hours), or no break with ``--short-break none``
  (4 paid hours).

Cost = paid hours x ``--cost-per-hour`` (default 20, so every shift costs a whole number, as
CP-SAT needs integer coefficients). Every shift ends by 23:30 on its start day, so the week is
seven independent days: pyworkforce's model (one coverage row per day, no shift across
midnight) and staffing's (one horizon of 336 intervals, ``cyclic=False``; with no shift crossing
the end of the week, ``cyclic=True`` would give the same model) are the same problem.

* pyworkforce (``MinRequiredResources``) gets every break position as its own shift (its
  coverage matrices) and CP-SAT solves it to optimality. ``max_shift_concurrency`` is the peak
  requirement (an optimal solution never staffs one shift above it: removing an agent from such
  a shift keeps every interval covered and lowers the cost) and ``max_period_concurrency`` is
  the number of shifts times that (never binding). pyworkforce 0.5.1 stores
  ``num_search_workers`` as an attribute CP-SAT never reads, so the benchmark sets
  ``solver.parameters.num_workers`` itself to ``--threads``.
* staffing gets the same case through :func:`staffing.roster.build_roster` with
  ``hard_coverage=True`` (implicit break placement: one variable per shift start plus one per
  break position of each start) and ``SolverOptions(relative_gap=0, threads=--threads)``.

staffing and pyworkforce must prove one optimum (the script stops otherwise; "proven" means
status optimal and a gap of at most 1e-9). Each method runs ``--repeat`` times, alternating, and
the table shows medians. staffing's time is :func:`~staffing.roster.build_roster` end to end,
split by wrapping the functions it calls: ``read_requirements``, ``build_model`` (PuLP model
construction), ``solve`` (the adapter: PuLP's transfer to HiGHS, the HiGHS run, the read-back;
``highs_run`` is HiGHS's own run time) and ``extraction`` (the rest: ``_groups``,
``coverage_from_roster``, ``summarise``).

``--prototype`` adds rows for staffing with changes patched in (benchmark only, same answer
checked, rosters may be other optima of equal cost):

* ``bounds``: finite upper bounds on the shift and break variables (:func:`add_bounds`); HiGHS
  otherwise spends most of its root node on reduced-cost fixing of unbounded integers;
* ``split``: the independent blocks of the problem (here the seven days) solved one by one
  (:func:`split_solve`); HiGHS does not decompose by itself.

Run (pyworkforce is imported only here; without it the peer row is skipped)::

    pip install pyworkforce            # pulls ortools
    python benchmarks/bench_roster_peer.py          # peak 20, 4-h break window, 7 repeats
    python benchmarks/bench_roster_peer.py --peak 10 20 40 --short-break none --repeat 5 \\
        --prototype bounds --prototype split --prototype bounds+split
    python benchmarks/bench_roster_peer.py --profile 25     # cProfile of staffing's path
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pulp

from staffing.roster import (
    Break,
    ShiftRules,
    ShiftType,
    SolverOptions,
    build_roster,
    example_requirements,
)
from staffing.roster import build as build_module

STEP = 30
PERIODS = 24 * 60 // STEP


def rules(short_break: bool, cost_per_hour: float) -> ShiftRules:
    """The two shift types of the case, hard coverage, no wrap round the week."""
    short = (
        [Break(length_minutes=30, earliest_after_minutes=90, latest_after_minutes=150)]
        if short_break
        else []
    )
    shifts = [
        ShiftType(
            name="8h",
            length_hours=8,
            start_earliest="06:00",
            start_latest="15:30",
            cost_per_hour=cost_per_hour,
            breaks=[
                Break(length_minutes=30, earliest_after_minutes=180, latest_after_minutes=300)
            ],
        ),
        ShiftType(
            name="4h",
            length_hours=4,
            start_earliest="06:00",
            start_latest="19:30",
            cost_per_hour=cost_per_hour,
            breaks=short,
        ),
    ]
    return ShiftRules(interval_minutes=STEP, shifts=shifts, hard_coverage=True, cyclic=False)


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return (60 * int(hours) + int(minutes)) // STEP


def coverage_matrices(shift_rules: ShiftRules) -> tuple[dict[str, list[int]], dict[str, int]]:
    """pyworkforce's input: one 0/1 row of a day per (shift type, start, break position)."""
    coverage: dict[str, list[int]] = {}
    costs: dict[str, int] = {}
    for shift in shift_rules.shifts:
        length = shift.length_minutes // STEP
        cost = shift.cost
        if cost != round(cost):
            raise SystemExit(f"shift {shift.name}: cost {cost} is not whole (CP-SAT needs it)")
        brk = shift.breaks[0] if shift.breaks else None
        offsets = (
            [None]
            if brk is None
            else range(brk.earliest_after_minutes // STEP, brk.latest_after_minutes // STEP + 1)
        )
        for start in range(_clock(shift.start_earliest), _clock(shift.start_latest) + 1):
            if start + length > PERIODS:
                raise SystemExit(f"shift {shift.name} at {start} crosses midnight")
            for off in offsets:
                row = [0] * PERIODS
                for p in range(start, start + length):
                    row[p] = 1
                if brk is not None:
                    for p in range(start + off, start + off + brk.length_minutes // STEP):
                        row[p] = 0
                name = f"{shift.name}_{start}_{'none' if off is None else off}"
                coverage[name] = row
                costs[name] = round(cost)
    return coverage, costs


def run_peer(req: pd.DataFrame, shift_rules: ShiftRules, threads: int) -> dict[str, Any]:
    """Solve with pyworkforce's MinRequiredResources (CP-SAT); times in seconds."""
    from pyworkforce.scheduling import MinRequiredResources

    started = time.perf_counter()
    days = req["required"].to_numpy().reshape(-1, PERIODS)
    coverage, costs = coverage_matrices(shift_rules)
    peak = int(days.max())
    scheduler = MinRequiredResources(
        num_days=len(days),
        periods=PERIODS,
        shifts_coverage=coverage,
        required_resources=days.tolist(),
        max_period_concurrency=max(1, peak * len(coverage)),
        max_shift_concurrency=max(1, peak),
        cost_dict=costs,
        max_search_time=600.0,
        num_search_workers=threads,
    )
    scheduler.solver.parameters.num_workers = threads
    built = time.perf_counter()
    solution = scheduler.solve()
    done = time.perf_counter()
    return {
        "objective": float(solution["cost"]),
        "optimal": solution["status"] == "OPTIMAL",
        "total": done - started,
        "cp_sat": scheduler.solver.WallTime(),
        "setup": built - started,
    }


class _Timers:
    """Wall time of the functions build_roster calls, by wrapping them in its module."""

    NAMES = ("read_requirements", "build_model", "solve")

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.saved = {name: getattr(build_module, name) for name in self.NAMES}
        self.highs: Any = None

    def __enter__(self) -> _Timers:
        for name, function in self.saved.items():
            setattr(build_module, name, self._timed(name, function))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, function in self.saved.items():
            setattr(build_module, name, function)

    def _timed(self, name: str, function: Callable) -> Callable:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            out = function(*args, **kwargs)
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            if name == "solve":
                self.highs = getattr(args[0], "solverModel", None)
            return out

        return timed


def run_staffing(req: pd.DataFrame, shift_rules: ShiftRules, options: SolverOptions) -> dict:
    """build_roster's stage 1, timed phase by phase; extraction is the rest of build_roster."""
    with _Timers() as timers:
        started = time.perf_counter()
        result = build_roster(req, shift_rules, options)
        total = time.perf_counter() - started
    seconds = timers.seconds
    highs = timers.highs
    run = highs.getRunTime() if hasattr(highs, "getRunTime") else float("nan")
    return {
        "objective": result.solve.objective,
        "optimal": result.solve.status == "optimal" and (result.solve.gap or 0.0) <= 1e-9,
        "total": total,
        **seconds,
        "highs_run": run,
        "extraction": total - sum(seconds.values()),
        "shortfall": result.summary.understaffed_agent_intervals,
        "size": (result.solve.variables, result.solve.constraints, result.solve.nonzeros),
        "roster": result.roster,
    }


# --- prototypes of changes to model.py and solver.py (benchmark only, by monkeypatching) ---


def add_bounds(model: Any) -> None:
    """Valid upper bounds on the shift and break variables of a plain (no contracts) model.

    An optimal roster never puts more than ``R`` agents on one explicit shift (start and break
    positions), ``R`` the largest requirement over the shift's span: one agent fewer keeps
    every interval it works at or above its requirement, at no higher cost. So
    ``x <= max(P * R, min_count)`` with ``P`` the number of break placements of the shift, and
    a break variable is at most the sum of its start class's bounds.
    """
    shift_rules = model.rules
    req = model.requirements["required"].to_numpy()
    step = shift_rules.interval_minutes
    bound: dict[Any, int] = {}
    by_start: dict[int, list] = {}
    for inst, var in model.x.items():
        shift = shift_rules.shifts[inst.shift]
        span = (inst.start + np.arange(shift.length_minutes // step)) % len(req)
        placements = math.prod(
            b.latest_after_minutes // step - b.earliest_after_minutes // step + 1
            for b in shift.breaks
        )
        bound[inst] = max(placements * int(req[span].max()), shift.min_count or 0)
        var.upBound = bound[inst]
        by_start.setdefault(inst.start, []).append(inst)
    for (start, shifts, _), placed in model.breaks.items():
        cap = sum(bound[i] for i in by_start[start] if i.shift in shifts)
        for var in placed.values():
            var.upBound = cap


def bounded(build_model: Callable) -> Callable:
    """``build_model`` followed by :func:`add_bounds` (plain models only)."""

    def build(requirements: pd.DataFrame, shift_rules: ShiftRules) -> Any:
        model = build_model(requirements, shift_rules)
        if getattr(model, "tours", None) is None:
            add_bounds(model)
        return model

    return build


def _arrays(prob: Any) -> tuple[list, np.ndarray, np.ndarray, Any, np.ndarray, np.ndarray]:
    """Columns, costs, integrality, CSR matrix and row bounds of a PuLP 3 problem."""
    from scipy import sparse

    variables = prob.variables()
    index = {v: k for k, v in enumerate(variables)}
    cost = np.array([prob.objective.get(v, 0.0) for v in variables])
    integer = np.array([v.cat == "Integer" for v in variables])
    rows, cols, values, lower, upper = [], [], [], [], []
    for r, con in enumerate(prob.constraints()):
        for v, a in con.items():
            rows.append(r)
            cols.append(index[v])
            values.append(a)
        lb, ub = con.getLb(), con.getUb()
        lower.append(-np.inf if lb is None else lb)
        upper.append(np.inf if ub is None else ub)
    shape = (len(lower), len(variables))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=shape)
    return variables, cost, integer, matrix, np.array(lower), np.array(upper)


def _solve_block(block: dict, options: SolverOptions, limit: float | None) -> Any:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", options.relative_gap)
    if options.threads is not None:
        h.setOptionValue("threads", options.threads)
    if options.seed is not None:
        h.setOptionValue("random_seed", options.seed)
    if limit is not None:
        h.setOptionValue("time_limit", max(limit, 1e-3))
    n = len(block["cost"])
    h.addVars(n, block["lb"], block["ub"])
    h.changeColsCost(n, np.arange(n, dtype=np.int32), block["cost"])
    ints = np.flatnonzero(block["integer"]).astype(np.int32)
    if len(ints):
        h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), dtype=np.uint8))
    m = block["matrix"]
    h.addRows(len(block["rl"]), block["rl"], block["ru"], m.nnz, m.indptr[:-1], m.indices, m.data)
    h.run()
    return h


def split_solve(prob: Any, options: SolverOptions | None = None) -> Any:
    """Solve the independent blocks of a problem (connected components) one by one in HiGHS.

    The components of the row-column graph share no row, so the sum of their optima is the
    optimum; all continuous-only components go into one LP. Same options as
    :func:`staffing.roster.solver.solve`; the relative gap holds per block, so overall too.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    from staffing.errors import InfeasibleError
    from staffing.roster.solver import SolveResult, _gap, _model_size

    options = options or SolverOptions()
    size = _model_size(prob)
    started = time.perf_counter()
    variables, cost, integer, matrix, rl, ru = _arrays(prob)
    m, n = matrix.shape
    graph = sparse.bmat([[None, matrix], [matrix.T, None]])
    _, label = connected_components(graph, directed=False)
    row_label, col_label = label[:m], label[m:]
    has_int = {c: integer[col_label == c].any() for c in np.unique(col_label)}
    col_label = np.array([c if has_int[c] else -1 for c in col_label])
    row_label = np.array([c if has_int.get(c, False) else -1 for c in row_label])
    lb = np.array([-np.inf if v.lowBound is None else v.lowBound for v in variables], float)
    ub = np.array([np.inf if v.upBound is None else v.upBound for v in variables], float)
    values = np.zeros(n)
    bound, optimal = 0.0, True
    for c in np.unique(col_label):
        cols, rows = np.flatnonzero(col_label == c), np.flatnonzero(row_label == c)
        block = {
            "cost": cost[cols], "integer": integer[cols], "lb": lb[cols], "ub": ub[cols],
            "matrix": matrix[rows][:, cols].tocsr(), "rl": rl[rows], "ru": ru[rows],
        }  # fmt: skip
        limit = options.time_limit_seconds
        limit = None if limit is None else limit - (time.perf_counter() - started)
        h = _solve_block(block, options, limit)
        status = h.modelStatusToString(h.getModelStatus()).lower()
        if "infeasible" in status:
            raise InfeasibleError(f"the model is infeasible (solver {options.solver})")
        optimal &= status == "optimal"
        info = h.getInfo()
        bound += info.mip_dual_bound if block["integer"].any() else info.objective_function_value
        values[cols] = np.array(h.getSolution().col_value)
    for v, value in zip(variables, values, strict=True):
        v.varValue = float(value)
    objective = float(pulp.value(prob.objective) or 0.0)
    return SolveResult(
        solver="highs",
        status="optimal" if optimal else "time limit",
        objective=objective,
        best_bound=bound,
        gap=_gap(objective, bound),
        solve_seconds=time.perf_counter() - started,
        options=options,
        **size,
    )


PROTOTYPES = {"bounds": ("build_model", bounded), "split": ("solve", lambda _: split_solve)}


def patched(names: list[str]) -> Any:
    """Context manager: build_roster runs with the named prototypes patched in."""
    saved = {PROTOTYPES[n][0]: getattr(build_module, PROTOTYPES[n][0]) for n in names}

    class Patch:
        def __enter__(self) -> None:
            for n in names:
                target, make = PROTOTYPES[n]
                setattr(build_module, target, make(saved[target]))

        def __exit__(self, *exc: object) -> None:
            for target, function in saved.items():
                setattr(build_module, target, function)

    return Patch()


# --- the comparison ---


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _verdict(runs: list[dict]) -> tuple[str, str]:
    """Objective(s) and whether every run proved its optimum (gap at most 1e-9)."""
    objectives = sorted({round(r["objective"], 6) for r in runs})
    proven = sum(r["optimal"] for r in runs)
    shown = "/".join(f"{o:.1f}" for o in objectives)
    return shown, "yes" if proven == len(runs) else f"{proven}/{len(runs)}"


def _check(runs: dict[str, list[dict]]) -> None:
    """Stop unless staffing and the peer prove one optimum; warn on prototypes that do not."""
    base = runs["staffing"] + runs.get("pyworkforce", [])
    if len({round(r["objective"], 6) for r in base}) != 1 or not all(r["optimal"] for r in base):
        found = {k: _verdict(rs) for k, rs in runs.items()}
        raise SystemExit(f"staffing and pyworkforce disagree (objective, proven): {found}")
    if any(r.get("shortfall") for rs in runs.values() for r in rs):
        raise SystemExit("a staffing roster leaves an interval short")
    rosters = [r["roster"] for r in runs["staffing"]]
    if not all(r.equals(rosters[0]) for r in rosters):
        raise SystemExit("staffing's roster differs from one run to the next")
    for name, rs in runs.items():
        if _verdict(rs) != _verdict(base):
            print(f"WARNING: {name} gives {_verdict(rs)} (objective, proven) ")


def compare(peak: float, args: argparse.Namespace, peer: bool) -> None:
    """Solve one case ``--repeat`` times with each method (alternating); print the table."""
    req = example_requirements(peak=peak)
    shift_rules = rules(args.short_break == "window", args.cost_per_hour)
    options = SolverOptions(relative_gap=0.0, threads=args.threads, time_limit_seconds=600.0)
    variants = {"staffing": []} | {f"staffing + {'+'.join(p)}": p for p in args.prototype}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    if peer:
        runs["pyworkforce"] = []
    for _ in range(args.repeat):
        for name, names in variants.items():
            with patched(names):
                runs[name].append(run_staffing(req, shift_rules, options))
        if peer:
            runs["pyworkforce"].append(run_peer(req, shift_rules, args.threads))
    v, c, nz = runs["staffing"][0]["size"]
    shifts = len(coverage_matrices(shift_rules)[0])
    print(
        f"\npeak {peak:g} agents, 4-h break {args.short_break}, {args.threads} threads, median "
        f"of {args.repeat}; staffing: {v} variables, {c} constraints, {nz} nonzeros; "
        f"pyworkforce: {shifts} shifts a day x 7 days"
    )
    _check(runs)
    print(f"{'method':<36}{'objective':>11}{'optimal':>9}{'wall s':>9}")
    lines: list[tuple[str, str, str, float]] = []
    for name in variants:
        lines.append((name, *_verdict(runs[name]), _median(runs[name], "total")))
        for key in ("read_requirements", "build_model", "solve", "highs_run", "extraction"):
            if name == "staffing" or key in ("build_model", "solve"):
                indent = "    " if key == "highs_run" else "  "
                lines.append((indent + key, "", "", _median(runs[name], key)))
    if peer:
        peer_runs = runs["pyworkforce"]
        lines.append(
            ("pyworkforce MinRequiredResources", *_verdict(peer_runs), _median(peer_runs, "total"))
        )
        lines.append(("  coverage matrices + init", "", "", _median(peer_runs, "setup")))
        lines.append(("  CP-SAT (solver.WallTime)", "", "", _median(peer_runs, "cp_sat")))
    for name, objective, proven, seconds in lines:
        print(f"{name:<36}{objective:>11}{proven:>9}{seconds:>9.3f}")
    if not peer:
        print("pyworkforce is not installed (pip install pyworkforce): its row is skipped")
        return
    base = _median(runs["pyworkforce"], "total")
    for name in variants:
        print(f"ratio {name} / pyworkforce (medians): {_median(runs[name], 'total') / base:.2f}")


def profile(peak: float, args: argparse.Namespace, top: int) -> None:
    """cProfile of staffing's stage 1 (after one warm-up run), by cumulative and own time."""
    req = example_requirements(peak=peak)
    shift_rules = rules(args.short_break == "window", args.cost_per_hour)
    options = SolverOptions(relative_gap=0.0, threads=args.threads, time_limit_seconds=600.0)
    run_staffing(req, shift_rules, options)
    profiler = cProfile.Profile()
    profiler.enable()
    run_staffing(req, shift_rules, options)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _prototype_names(text: str) -> list[str]:
    names = text.split("+")
    unknown = [n for n in names if n not in PROTOTYPES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; expected {sorted(PROTOTYPES)}")
    return names


def main() -> None:
    """Parse arguments and print the comparison (or the profile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peak", type=float, nargs="*", default=[20.0], help="[agents]")
    parser.add_argument("--short-break", choices=["window", "none"], default="window")
    parser.add_argument("--cost-per-hour", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", type=int, metavar="N", help="print the top N of cProfile")
    parser.add_argument(
        "--prototype",
        action="append",
        default=[],
        type=_prototype_names,
        help="also run staffing with prototypes patched in: bounds, split or bounds+split "
        "(repeatable)",
    )
    args = parser.parse_args()
    if args.profile:
        profile(args.peak[0], args, args.profile)
        return
    try:
        import pyworkforce  # noqa: F401
    except ImportError:
        peer = False
    else:
        peer = True
    for peak in args.peak:
        compare(peak, args, peer)


if __name__ == "__main__":
    main()
