"""The one adapter around PuLP: solver choice, options, typed results and errors.

Two solvers are supported:

* ``"highs"`` (default): HiGHS through :class:`pulp.HiGHS`, which drives the ``highspy``
  library in-process; the best bound and the gap are read from HiGHS itself.
* ``"cbc"``: COIN-OR CBC through :class:`pulp.COIN_CMD`, using a ``cbc`` executable found on
  ``PATH`` (e.g. the Debian package ``coinor-cbc``) or, failing that, the executable that PuLP 3
  bundles, driven through the same non-deprecated class. The best bound and gap are parsed from
  CBC's log.

Examples
--------
>>> import pulp
>>> prob = pulp.LpProblem("tiny", pulp.LpMinimize)
>>> x = prob.add_variable("x", lowBound=0, cat="Integer")
>>> prob += x
>>> prob += x >= 2.5
>>> result = solve(prob, SolverOptions(solver="highs"))
>>> result.status, result.objective
('optimal', 3.0)
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pulp

from staffing.errors import InfeasibleError, SolverError

__all__ = [
    "SOLVERS",
    "SolveResult",
    "SolverOptions",
    "available_solvers",
    "linear",
    "merge_solves",
    "solve",
]

#: Solver names accepted by :class:`SolverOptions`.
SOLVERS = ("highs", "cbc")

#: Largest solver seed accepted (HiGHS takes a seed in [0, 2^31 - 1]).
MAX_SEED = 2**31 - 1
#: Default relative optimality gap of every solve [fraction]: the library, ``staffing roster``
#: and ``[roster.solver]`` of a plan all start from it.
DEFAULT_RELATIVE_GAP = 0.01
#: Default wall-clock limit of a solve [s], shared like :data:`DEFAULT_RELATIVE_GAP`.
DEFAULT_TIME_LIMIT_SECONDS = 60.0
#: Gap [fraction] above which a solve stopped by its time limit is solved once more with
#: :data:`POOR_RETRY_FACTOR` times the time (the better roster is kept, the time is the sum):
#: a limit hit before any good roster was found, as on a busy machine, is not a plan.
POOR_GAP = 0.25
POOR_RETRY_FACTOR = 3.0


@dataclass(frozen=True)
class SolverOptions:
    """Options passed to the solver.

    Attributes
    ----------
    solver : str
        ``"highs"`` (default) or ``"cbc"``.
    time_limit_seconds : float or None
        Wall-clock limit of the solve [s], finite and > 0, or ``None`` for none; default
        :data:`DEFAULT_TIME_LIMIT_SECONDS` (60 s).
    relative_gap : float
        Stop when ``(objective - bound) / abs(objective)`` is at most this [fraction];
        default :data:`DEFAULT_RELATIVE_GAP` (0.01).
    threads : int or None
        Number of solver threads; default the solver's choice.
    seed : int or None
        Random seed of the solver, 0 to :data:`MAX_SEED`; default the solver's own.
    msg : bool
        Show the solver log (default ``False``).
    """

    solver: str = "highs"
    time_limit_seconds: float | None = DEFAULT_TIME_LIMIT_SECONDS
    relative_gap: float = DEFAULT_RELATIVE_GAP
    threads: int | None = None
    seed: int | None = None
    msg: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.solver, str) and self.solver in SOLVERS):
            raise ValueError(f"solver: expected one of {list(SOLVERS)}, got {self.solver!r}")
        limit = self.time_limit_seconds
        if limit is not None and not (_real(limit) and 0 < limit < math.inf):
            raise ValueError(
                f"time_limit_seconds: expected a finite number > 0 [s], got {limit!r}"
            )
        if not (_real(self.relative_gap) and 0 <= self.relative_gap < 1):
            raise ValueError(
                f"relative_gap: expected a number in [0, 1), got {self.relative_gap!r}"
            )
        if self.threads is not None and not (_whole(self.threads) and self.threads >= 1):
            raise ValueError(f"threads: expected a whole number >= 1, got {self.threads!r}")
        if self.seed is not None and not (_whole(self.seed) and 0 <= self.seed <= MAX_SEED):
            raise ValueError(
                f"seed: expected a whole number from 0 to {MAX_SEED}, got {self.seed!r}"
            )
        if not isinstance(self.msg, bool):
            raise ValueError(f"msg: expected true or false, got {self.msg!r}")


def _real(value: Any) -> bool:
    """A real number that is not a bool (NaN fails the range checks that follow)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve.

    Attributes
    ----------
    solver : str
        Solver used.
    status : str
        ``"optimal"`` (within ``relative_gap``) or ``"time limit"`` (stopped with a feasible
        solution).
    objective : float
        Objective of the solution returned [currency].
    best_bound : float or None
        Best lower bound proved [currency]; ``None`` when the solver did not report one.
    gap : float or None
        ``(objective - best_bound) / max(abs(objective), 1e-9)`` [fraction]; ``None``
        without a bound.
    solve_seconds : float
        Wall-clock time of the solve [s].
    variables, integer_variables, constraints, nonzeros : int
        Model size.
    options : SolverOptions
        The options the solve ran with.
    """

    solver: str
    status: str
    objective: float
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    variables: int
    integer_variables: int
    constraints: int
    nonzeros: int
    options: SolverOptions

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        data = asdict(self)
        data["options"] = asdict(self.options)
        return data


def linear(terms: Mapping[pulp.LpVariable, float]) -> pulp.LpAffineExpression:
    """The linear expression ``sum(coefficient * variable)`` of a mapping, built term by term.

    PuLP 3 and PuLP 4 build expressions differently inside (PuLP 4 keeps them in a compiled
    core and no longer accepts a list of pairs in ``LpAffineExpression(...)``); ``lpSum([])``
    and ``addterm`` are kept by both and cost one dictionary or core update per term, about 15x
    faster than ``lpSum(c * v ...)``, which builds an expression per term.

    Parameters
    ----------
    terms : mapping of pulp.LpVariable to float
        Variable -> coefficient.

    Returns
    -------
    pulp.LpAffineExpression

    Examples
    --------
    >>> import pulp
    >>> prob = pulp.LpProblem("t", pulp.LpMinimize)
    >>> x = prob.add_variable("x", lowBound=0)
    >>> y = prob.add_variable("y", lowBound=0)
    >>> expression = linear({x: 2.0, y: -1.0})
    >>> sorted((v.name, c) for v, c in expression.items())
    [('x', 2.0), ('y', -1.0)]
    """
    expression = pulp.lpSum([])
    for variable, coefficient in terms.items():
        expression.addterm(variable, coefficient)
    return expression


def _bundled_cbc() -> str | None:
    try:
        from pulp.apis.coin_api import pulp_cbc_path
    except ImportError:  # pragma: no cover - PuLP 4 bundles no CBC
        return None
    path = os.path.abspath(pulp_cbc_path)
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def cbc_path() -> str | None:
    """Path of a CBC executable: ``cbc`` on ``PATH``, else PuLP's bundled one, else ``None``.

    Examples
    --------
    >>> cbc_path() is None or cbc_path().endswith(("cbc", "cbc.exe"))
    True
    """
    return shutil.which("cbc") or _bundled_cbc()


def available_solvers() -> list[str]:
    """Names of the solvers that can run here, default first.

    Examples
    --------
    >>> "highs" in available_solvers()
    True
    """
    found = []
    if pulp.HiGHS(msg=False).available():
        found.append("highs")
    if cbc_path() is not None:
        found.append("cbc")
    return found


def _model_size(prob: pulp.LpProblem) -> dict[str, int]:
    variables = prob.variables()
    constraints = prob.constraints()
    return {
        "variables": len(variables),
        "integer_variables": sum(v.cat == pulp.LpInteger for v in variables),
        "constraints": len(constraints),
        "nonzeros": sum(len(c) for c in constraints),
    }


#: Figures of a solve that add up over independent models.
_SUMMED = ("solve_seconds", "variables", "integer_variables", "constraints", "nonzeros")


def merge_solves(solves: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The solves of independent models as one (their sum is one roster's objective).

    Parameters
    ----------
    solves : sequence of mapping
        :meth:`SolveResult.to_dict` of each solve (``options`` is not read), at least one.

    Returns
    -------
    dict
        ``solver`` (the first's), ``status`` (``"optimal"`` when every solve is, else
        ``"time limit"``), summed ``objective`` and ``best_bound`` [currency] (``None`` when a
        bound is missing), the ``gap`` of the sums [fraction], and summed solve time [s] and
        model size.

    Examples
    --------
    >>> merged = merge_solves([
    ...     {"solver": "highs", "status": "optimal", "objective": 90.0, "best_bound": 90.0,
    ...      "solve_seconds": 1.0, "variables": 4, "integer_variables": 2, "constraints": 3,
    ...      "nonzeros": 9},
    ...     {"solver": "highs", "status": "time limit", "objective": 10.0, "best_bound": 9.0,
    ...      "solve_seconds": 2.0, "variables": 4, "integer_variables": 2, "constraints": 3,
    ...      "nonzeros": 9}])
    >>> merged["status"], merged["objective"], round(merged["gap"], 3), merged["variables"]
    ('time limit', 100.0, 0.01, 8)
    """
    bounds = [s["best_bound"] for s in solves]
    objective = float(sum(s["objective"] for s in solves))
    bound = None if any(b is None for b in bounds) else float(sum(bounds))
    return {
        "solver": solves[0]["solver"],
        "status": "optimal" if all(s["status"] == "optimal" for s in solves) else "time limit",
        "objective": objective,
        "best_bound": bound,
        "gap": _gap(objective, bound),
        **{key: type(solves[0][key])(sum(s[key] for s in solves)) for key in _SUMMED},
    }


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None or not math.isfinite(bound):
        return None
    return max(0.0, (objective - bound) / max(abs(objective), 1e-9))


_BANNER_SHOWN = False


def _silence_highs_banner() -> None:
    """Create the first ``highspy.Highs`` with stdout closed: it prints a banner once a process."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    _BANNER_SHOWN = True
    import highspy

    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        return
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _run(prob: pulp.LpProblem, solver: Any) -> tuple[str, bool]:
    """Solve and return (PuLP's status name in lower case, whether a solution came back).

    PuLP 4 returns an ``LpSolveStats`` (``status`` an ``LpSolveStatus``, ``has_solution``);
    PuLP 3 returns a status number and keeps ``status`` and ``sol_status`` on the problem.
    """
    returned = prob.solve(solver)
    if hasattr(returned, "has_solution"):  # PuLP 4
        return pulp.LpSolveStatus(returned.status).name.lower(), bool(returned.has_solution)
    found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    return pulp.LpStatus[prob.status].lower(), found


def _solve_highs(prob: pulp.LpProblem, options: SolverOptions) -> tuple[str, float | None, bool]:
    if not options.msg:
        _silence_highs_banner()
    params: dict[str, Any] = {}
    if options.seed is not None:
        params["random_seed"] = int(options.seed)
    solver = pulp.HiGHS(
        msg=options.msg,
        gapRel=options.relative_gap,
        threads=options.threads,
        timeLimit=options.time_limit_seconds,
        **params,
    )
    if options.threads is not None:
        # HiGHS keeps one thread pool per process; a new thread count needs a fresh pool.
        import highspy

        highspy.Highs.resetGlobalScheduler(True)
    pulp_status, found = _run(prob, solver)
    highs = prob.solverModel
    model_status = highs.modelStatusToString(highs.getModelStatus()).lower()
    info = highs.getInfo()
    bound = info.mip_dual_bound if prob.isMIP() else info.objective_function_value
    if "time limit" in model_status:
        return "time limit", bound, found
    if "infeasible" in model_status or pulp_status == "infeasible":
        return "infeasible", None, False
    return model_status, bound, found


_CBC_BOUND = re.compile(r"^(?:Lower bound|Best possible):\s*(-?[\d.eE+]+)", re.MULTILINE)


def _solve_cbc(prob: pulp.LpProblem, options: SolverOptions) -> tuple[str, float | None, bool]:
    path = cbc_path()
    if path is None:
        raise SolverError("solver 'cbc': no CBC executable on PATH (install coinor-cbc)")
    extra = [] if options.seed is None else [f"randomCbcSeed {int(options.seed) + 1}"]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        solver = pulp.COIN_CMD(
            path=path,
            msg=options.msg,
            gapRel=options.relative_gap,
            threads=options.threads,
            timeLimit=options.time_limit_seconds,
            options=extra,
            logPath=str(log),
        )
        pulp_status, found = _run(prob, solver)
        text = log.read_text(errors="replace") if log.exists() else ""
    match = _CBC_BOUND.search(text)
    bound = float(match.group(1)) if match else None
    stopped = "stopped on time" in text.lower()
    if pulp_status == "infeasible":
        return "infeasible", None, False
    if stopped:
        return "time limit", bound, found
    if "Optimal solution found" in text:
        return "optimal", bound, found
    return pulp_status, bound, found


def solve(
    prob: pulp.LpProblem,
    options: SolverOptions | None = None,
    start: Mapping[pulp.LpVariable, float] | None = None,
) -> SolveResult:
    """Solve a PuLP problem and return a typed result, or raise a specific error.

    Parameters
    ----------
    prob : pulp.LpProblem
        A minimisation problem.
    options : SolverOptions, optional
        Solver and its options; default HiGHS with default options.
    start : mapping of pulp.LpVariable to float, optional
        A feasible solution (variables left out are 0): returned, with status
        ``"time limit"``, when the solver stops without finding one of its own. (It is not
        passed to HiGHS as a MIP start: HiGHS 1.16 can take a start for optimal in its
        presolved space, with a wrong objective.)

    A solve stopped by its time limit with a gap above :data:`POOR_GAP` is solved once more
    with :data:`POOR_RETRY_FACTOR` times the limit, as is one that found no solution at all;
    the better of the two is returned, with the time of both.

    Returns
    -------
    SolveResult

    Raises
    ------
    InfeasibleError
        The problem has no feasible solution (callers add what the constraints mean).
    SolverError
        The solver stopped without any feasible solution, or failed.

    Examples
    --------
    >>> import pulp
    >>> prob = pulp.LpProblem("cover", pulp.LpMinimize)
    >>> x = prob.add_variable("x", lowBound=0, upBound=1, cat="Integer")
    >>> prob += x
    >>> prob += x >= 2
    >>> solve(prob)
    Traceback (most recent call last):
    ...
    staffing.errors.InfeasibleError: the model is infeasible (solver highs)
    """
    options = options or SolverOptions()
    try:
        first = _solve_once(prob, options, start)
    except SolverError:
        if not _retried(options):
            raise
        return _solve_once(prob, _longer(options), start)
    if not (_retried(options) and first.gap is not None and first.gap > POOR_GAP):
        return first
    # a time limit hit with a poor roster (on a busy machine, say): once more, with more time
    kept = {v.name: v.varValue for v in prob.variables()}
    again = _solve_once(prob, _longer(options), start)
    seconds = first.solve_seconds + again.solve_seconds
    if again.objective <= first.objective:
        return dataclasses.replace(again, solve_seconds=seconds)
    for variable in prob.variables():  # the first roster stays
        variable.varValue = kept[variable.name]
    return dataclasses.replace(first, solve_seconds=seconds)


def _retried(options: SolverOptions) -> bool:
    return options.time_limit_seconds is not None and POOR_RETRY_FACTOR > 1


def _longer(options: SolverOptions) -> SolverOptions:
    limit = options.time_limit_seconds * POOR_RETRY_FACTOR
    return dataclasses.replace(options, time_limit_seconds=limit)


def _solve_once(
    prob: pulp.LpProblem,
    options: SolverOptions,
    start: Mapping[pulp.LpVariable, float] | None,
) -> SolveResult:
    """One solve within the options' time limit (see :func:`solve`)."""
    size = _model_size(prob)
    started = time.perf_counter()
    try:
        if options.solver == "highs":
            status, bound, has_solution = _solve_highs(prob, options)
        else:
            status, bound, has_solution = _solve_cbc(prob, options)
    except pulp.PulpSolverError as err:
        raise SolverError(f"solver {options.solver} failed: {err}") from None
    seconds = time.perf_counter() - started
    if status == "infeasible":
        raise InfeasibleError(f"the model is infeasible (solver {options.solver})")
    if not has_solution and start is not None:
        for variable in prob.variables():
            variable.varValue = float(start.get(variable, 0.0))
        has_solution, status = True, "time limit"
    if not has_solution:
        raise SolverError(
            f"solver {options.solver} stopped ({status}) after {seconds:.1f} s without a "
            "feasible solution; raise the time limit"
        )
    objective = float(pulp.value(prob.objective) or 0.0)
    if status == "optimal" and bound is None:
        bound = objective
    if status not in ("optimal", "time limit"):
        status = "time limit" if options.time_limit_seconds else status
    return SolveResult(
        solver=options.solver,
        status=status,
        objective=objective,
        best_bound=bound,
        gap=_gap(objective, bound),
        solve_seconds=seconds,
        options=options,
        **size,
    )
