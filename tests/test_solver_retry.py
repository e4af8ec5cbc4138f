"""A solve stopped by its time limit with a poor roster is tried once more with more time."""

from __future__ import annotations

import pulp
import pytest

from staffing.errors import SolverError
from staffing.roster import solver as solver_module
from staffing.roster.solver import POOR_GAP, POOR_RETRY_FACTOR, SolverOptions, solve


def problem() -> tuple[pulp.LpProblem, pulp.LpVariable]:
    prob = pulp.LpProblem("cover", pulp.LpMinimize)
    x = prob.add_variable("x", lowBound=0, upBound=10, cat="Integer")
    prob += x
    prob += x >= 2
    return prob, x


def scripted(monkeypatch, *first_results):
    """The HiGHS call answers ``first_results`` in turn (value of x, status, bound, found),
    then solves for real; returns the list of time limits it was called with."""
    real = solver_module._solve_highs
    limits: list[float | None] = []

    def fake(prob, options):
        limits.append(options.time_limit_seconds)
        if len(limits) <= len(first_results):
            value, status, bound, found = first_results[len(limits) - 1]
            for variable in prob.variables():
                variable.varValue = value
            return status, bound, found
        return real(prob, options)

    monkeypatch.setattr(solver_module, "_solve_highs", fake)
    return limits


def test_a_poor_time_limited_solve_is_solved_again_with_more_time(monkeypatch) -> None:
    limits = scripted(monkeypatch, (10.0, "time limit", 2.0, True))  # gap 0.8
    prob, x = problem()
    result = solve(prob, SolverOptions(time_limit_seconds=2.0))
    assert limits == [2.0, 2.0 * POOR_RETRY_FACTOR]
    assert result.status == "optimal"
    assert result.objective == pytest.approx(2.0)
    assert x.varValue == pytest.approx(2.0)


def test_a_time_limited_solve_within_the_poor_gap_is_kept(monkeypatch) -> None:
    value = 2.0 / (1 - POOR_GAP / 2)  # gap half the poor gap
    limits = scripted(monkeypatch, (value, "time limit", 2.0, True))
    prob, x = problem()
    result = solve(prob, SolverOptions(time_limit_seconds=2.0))
    assert limits == [2.0]
    assert result.status == "time limit"
    assert result.gap == pytest.approx(POOR_GAP / 2)
    assert x.varValue == pytest.approx(value)


def test_a_worse_second_solve_keeps_the_first_roster(monkeypatch) -> None:
    scripted(monkeypatch, (6.0, "time limit", 2.0, True), (9.0, "time limit", 2.0, True))
    prob, x = problem()
    result = solve(prob, SolverOptions(time_limit_seconds=1.0))
    assert result.objective == pytest.approx(6.0)
    assert x.varValue == pytest.approx(6.0)  # the variables hold the kept roster


def test_no_solution_twice_is_an_error_naming_the_time_limit(monkeypatch) -> None:
    limits = scripted(
        monkeypatch, (None, "time limit", None, False), (None, "time limit", None, False)
    )
    prob, _ = problem()
    with pytest.raises(SolverError, match="without a feasible solution; raise the time limit"):
        solve(prob, SolverOptions(time_limit_seconds=1.0))
    assert limits == [1.0, POOR_RETRY_FACTOR]


def test_without_a_time_limit_nothing_is_retried(monkeypatch) -> None:
    limits = scripted(monkeypatch, (10.0, "not solved", 2.0, True))
    prob, _ = problem()
    result = solve(prob, SolverOptions(time_limit_seconds=None))
    assert limits == [None]
    assert result.objective == pytest.approx(10.0)
