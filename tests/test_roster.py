"""Stage 1 of the roster: the set-covering model, checked independently of the model."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffing.errors import DataError, InfeasibleError, SolverError
from staffing.roster import (
    Break,
    ShiftRules,
    ShiftType,
    SolverOptions,
    available_solvers,
    build_roster,
    load_rules,
    read_requirements,
)
from staffing.roster import solver as solver_module

FIXTURES = Path(__file__).parent / "fixtures"
ALL_SOLVERS = ["highs", "cbc"]


@pytest.fixture(params=ALL_SOLVERS)
def solver(request: pytest.FixtureRequest) -> str:
    if request.param not in available_solvers():
        pytest.skip(f"solver {request.param} is not installed")
    return request.param


# --- an independent reference: brute force over agent patterns -------------------------------

TINY_TIMES = pd.date_range("2024-01-01", periods=8, freq="60min")


def tiny_rules(hard: bool = False) -> ShiftRules:
    return ShiftRules(
        interval_minutes=60,
        cyclic=False,
        hard_coverage=hard,
        understaffing_per_agent_interval=25.0,
        overstaffing_per_agent_interval=3.0,
        shifts=[
            ShiftType(
                name="A",
                length_hours=4,
                start_earliest="00:00",
                start_latest="04:00",
                start_step_minutes=120,
                cost_per_hour=10.0,
                breaks=[
                    Break(length_minutes=60, earliest_after_minutes=60, latest_after_minutes=120)
                ],
            ),
            ShiftType(
                name="B",
                length_hours=2,
                start_earliest="00:00",
                start_latest="06:00",
                start_step_minutes=120,
                cost_per_hour=12.0,
            ),
        ],
    )


def tiny_patterns() -> tuple[np.ndarray, np.ndarray]:
    """Coverage rows and costs of every (shift, start, break) an agent can work, by hand."""
    rows, costs = [], []
    for start in (0, 2, 4):  # shift A: 4 h, unpaid 1-h break 1 or 2 h after the start
        for brk in (1, 2):
            row = np.zeros(8)
            row[start : start + 4] = 1
            row[start + brk] = 0
            rows.append(row)
            costs.append(10.0 * 3)
    for start in (0, 2, 4, 6):  # shift B: 2 h, no break
        row = np.zeros(8)
        row[start : start + 2] = 1
        rows.append(row)
        costs.append(12.0 * 2)
    return np.array(rows), np.array(costs)


def brute_force(required: np.ndarray, hard: bool = False) -> float:
    """Least cost over all pattern counts 0..max(required) (more is never optimal)."""
    patterns, costs = tiny_patterns()
    top = int(required.max())
    counts = np.array(list(itertools.product(range(top + 1), repeat=len(costs))), dtype=float)
    cover = counts @ patterns
    under = np.maximum(required - cover, 0).sum(axis=1)
    over = np.maximum(cover - required, 0).sum(axis=1)
    total = counts @ costs + 25.0 * under + 3.0 * over
    if hard:
        total = np.where(under > 0, np.inf, total)
    return float(total.min())


def tiny_requirements(values: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"interval_start": TINY_TIMES, "required": values})


def coverage_by_hand(roster_csv: Path, times: pd.Series, minutes: int) -> np.ndarray:
    """Agents on duty per interval from roster.csv text alone (slow, obviously correct)."""
    span = times.iloc[-1] + pd.Timedelta(minutes, unit="min") - times.iloc[0]
    out = np.zeros(len(times), dtype=int)
    with roster_csv.open() as handle:
        for row in csv.DictReader(handle):
            start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
            pauses = [
                tuple(map(pd.Timestamp, p.split("/"))) for p in row["breaks"].split(";") if p
            ]
            for i, t in enumerate(times):
                for shift_t in (t, t + span):  # a shift may wrap past the end of the week
                    t_end = shift_t + pd.Timedelta(minutes, unit="min")
                    working = start <= shift_t and t_end <= end
                    resting = any(b0 <= shift_t and t_end <= b1 for b0, b1 in pauses)
                    if working and not resting:
                        out[i] += int(row["agents"])
    return out


def hard_instance() -> tuple[pd.DataFrame, ShiftRules]:
    """Two days of quarter-hours, many shift starts and break windows: not solved in 3 s."""
    times = pd.date_range("2024-03-04", periods=2 * 96, freq="15min", tz="Europe/London")
    hour = times.hour + times.minute / 60
    shape = np.exp(-0.5 * ((hour - 10.5) / 1.8) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 15) / 2) ** 2)
    noise = 3 * np.sin(np.arange(len(times)))
    required = np.clip(np.round(47 * shape * (hour >= 6) + noise), 0, None)
    shifts = [
        ShiftType(
            name=f"{h}h",
            length_hours=h,
            start_earliest="06:00",
            start_latest="22:00",
            cost_per_hour=20 + h / 3,
            breaks=[
                Break(
                    length_minutes=30,
                    earliest_after_minutes=120,
                    latest_after_minutes=min(300, 60 * h - 30),
                )
            ],
        )
        for h in (4, 6, 8, 10)
    ]
    rules = ShiftRules(
        interval_minutes=15,
        shifts=shifts,
        understaffing_per_agent_interval=37,
        overstaffing_per_agent_interval=1.3,
    )
    return pd.DataFrame({"interval_start": times, "required": required.astype(int)}), rules


class TestRosterSolvers:
    """Behaviour every solver must show."""

    @pytest.mark.parametrize(
        "values",
        [[1, 2, 2, 1, 2, 2, 1, 1], [0, 1, 1, 0, 0, 2, 2, 0], [2, 2, 2, 2, 2, 2, 2, 2]],
    )
    def test_brute_force_optimum(self, solver: str, values: list[int]) -> None:
        result = build_roster(
            tiny_requirements(values), tiny_rules(), SolverOptions(solver, relative_gap=0.0)
        )
        assert result.solve.status == "optimal"
        assert result.solve.objective == pytest.approx(brute_force(np.array(values)))

    def test_hard_coverage_brute_force(self, solver: str) -> None:
        values = [1, 2, 1, 1, 2, 1, 1, 1]
        result = build_roster(
            tiny_requirements(values), tiny_rules(True), SolverOptions(solver, relative_gap=0.0)
        )
        assert result.coverage["shortfall"].sum() == 0
        assert result.solve.objective == pytest.approx(brute_force(np.array(values), hard=True))

    def test_objective_matches_roster(self, solver: str) -> None:
        values = [1, 2, 2, 1, 2, 2, 1, 1]
        result = build_roster(
            tiny_requirements(values), tiny_rules(), SolverOptions(solver, relative_gap=0.0)
        )
        cov = result.coverage
        surplus = np.maximum(cov["scheduled"] - cov["required"], 0).sum()
        expected = result.summary.cost + 25 * cov["shortfall"].sum() + 3 * surplus
        assert result.solve.objective == pytest.approx(expected)

    def test_files_agree_with_independent_coverage(self, solver: str, tmp_path: Path) -> None:
        rules = load_rules(FIXTURES / "roster_shifts.toml")
        source = FIXTURES / "roster_requirements.csv"
        result = build_roster(source, rules, SolverOptions(solver, relative_gap=0.01))
        result.write(tmp_path)
        req = read_requirements(source, 60)
        by_hand = coverage_by_hand(tmp_path / "roster.csv", req["interval_start"], 60)
        written = pd.read_csv(tmp_path / "coverage.csv")
        np.testing.assert_array_equal(written["scheduled"], by_hand)
        np.testing.assert_array_equal(written["required"], req["required"])
        np.testing.assert_array_equal(
            written["shortfall"], np.maximum(req["required"] - by_hand, 0)
        )
        assert result.summary.understaffed_agent_intervals == written["shortfall"].sum()
        roster = pd.read_csv(tmp_path / "roster.csv", keep_default_na=False)
        assert list(roster.columns[:4]) == ["start", "end", "agents", "breaks"]

    def test_breaks_inside_windows(self, solver: str) -> None:
        rules = load_rules(FIXTURES / "roster_shifts.toml")
        result = build_roster(
            FIXTURES / "roster_requirements.csv", rules, SolverOptions(solver, relative_gap=0.01)
        )
        by_name = {s.name: s for s in rules.shifts}
        for row in result.roster.itertuples():
            spec = by_name[row.shift]
            assert row.end - row.start == pd.Timedelta(spec.length_hours, unit="h")
            assert len(row.breaks) == len(spec.breaks)
            for (b0, b1), brk in zip(row.breaks, spec.breaks, strict=True):
                after = (b0 - row.start) / pd.Timedelta(1, unit="min")
                assert brk.earliest_after_minutes <= after <= brk.latest_after_minutes
                assert b1 - b0 == pd.Timedelta(brk.length_minutes, unit="min")

    def test_max_and_min_count_per_day(self, solver: str) -> None:
        base = load_rules(FIXTURES / "roster_shifts.toml")
        shifts = [
            base.shifts[0].model_copy(update={"max_count": 2}),
            base.shifts[1].model_copy(update={"min_count": 3}),
        ]
        rules = base.model_copy(update={"shifts": shifts})
        result = build_roster(
            FIXTURES / "roster_requirements.csv", rules, SolverOptions(solver, relative_gap=0.01)
        )
        per_day = result.roster.groupby([result.roster["shift"], result.roster["start"].dt.date])[
            "agents"
        ].sum()
        assert per_day.loc["long"].max() <= 2
        assert per_day.loc["short"].min() >= 3
        assert len(per_day.loc["short"]) == 7

    def test_infeasible_max_count_names_intervals(self, solver: str) -> None:
        rules = tiny_rules(hard=True)
        shifts = [s.model_copy(update={"max_count": 1}) for s in rules.shifts]
        rules = rules.model_copy(update={"shifts": shifts})
        with pytest.raises(InfeasibleError, match=r"max_count.*2024-01-01T0"):
            build_roster(
                tiny_requirements([5] * 8), rules, SolverOptions(solver, relative_gap=0.0)
            )

    def test_time_limit_reports_gap(self, solver: str) -> None:
        req, rules = hard_instance()
        options = SolverOptions(solver, time_limit_seconds=3.0, relative_gap=0.0, threads=1)
        try:
            result = build_roster(req, rules, options)
        except SolverError:
            pytest.fail("a feasible roster exists at once (no shifts); the solver must return it")
        assert result.solve.status == "time limit"
        assert result.solve.solve_seconds < 30
        if solver == "highs":
            assert result.solve.gap is not None
            assert result.solve.gap > 0


def test_highs_receives_threads_seed_and_gap() -> None:
    prob = pulp.LpProblem("p", pulp.LpMinimize)
    x = prob.add_variable("x", lowBound=0, cat="Integer")
    prob += x
    prob += x >= 1
    solver_module.solve(
        prob, SolverOptions("highs", threads=1, seed=7, relative_gap=0.03, time_limit_seconds=9.0)
    )
    highs = prob.solverModel
    assert highs.getOptionValue("threads")[1] == 1
    assert highs.getOptionValue("random_seed")[1] == 7
    assert highs.getOptionValue("mip_rel_gap")[1] == pytest.approx(0.03)
    assert highs.getOptionValue("time_limit")[1] == pytest.approx(9.0)


def test_cbc_receives_options(monkeypatch: pytest.MonkeyPatch) -> None:
    if "cbc" not in available_solvers():
        pytest.skip("CBC is not installed")
    seen: dict = {}
    real = pulp.COIN_CMD

    def spy(**kwargs: object) -> pulp.COIN_CMD:
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(pulp, "COIN_CMD", spy)
    prob = pulp.LpProblem("p", pulp.LpMinimize)
    x = prob.add_variable("x", lowBound=0, cat="Integer")
    prob += x
    prob += x >= 1
    result = solver_module.solve(
        prob, SolverOptions("cbc", threads=2, seed=5, relative_gap=0.02, time_limit_seconds=8)
    )
    assert result.objective == 1
    assert seen["threads"] == 2
    assert seen["gapRel"] == 0.02
    assert seen["timeLimit"] == 8
    assert any("randomCbcSeed" in o for o in seen["options"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 2), min_size=8, max_size=8))
def test_random_requirements_match_brute_force(values: list[int]) -> None:
    result = build_roster(
        tiny_requirements(values), tiny_rules(), SolverOptions("highs", relative_gap=0.0)
    )
    assert result.solve.objective == pytest.approx(brute_force(np.array(values)))
    cov = result.coverage
    assert (cov["shortfall"] == np.maximum(cov["required"] - cov["scheduled"], 0)).all()


def test_uncoverable_interval_is_named() -> None:
    rules = tiny_rules(hard=True)
    shifts = [rules.shifts[1].model_copy(update={"start_latest": "02:00"})]
    rules = rules.model_copy(update={"shifts": shifts})
    with pytest.raises(
        InfeasibleError,
        match=r"no shift type can cover 4 interval\(s\): "
        r"2024-01-01T04:00:00.*'B'.*\(roster\.shifts\)",
    ):
        build_roster(tiny_requirements([1] * 8), rules)


def test_soft_coverage_reports_shortfall() -> None:
    rules = tiny_rules().model_copy(update={"understaffing_per_agent_interval": 0.0})
    result = build_roster(tiny_requirements([1] * 8), rules)
    assert result.summary.understaffed_intervals == 8
    assert result.summary.shifts == 0


def test_dst_shifts_last_real_hours() -> None:
    # Spring forward in London on Sunday 31 March 2024: 01:00-01:59 does not exist.
    times = pd.date_range("2024-03-30 00:00", "2024-04-01 23:00", freq="60min", tz="Europe/London")
    req = pd.DataFrame({"interval_start": times, "required": 1})
    rules = ShiftRules(
        interval_minutes=60,
        understaffing_per_agent_interval=1000,
        shifts=[
            ShiftType(
                name="s",
                length_hours=8,
                start_earliest="00:00",
                start_latest="23:00",
                cost_per_hour=1,
            )
        ],
    )
    result = build_roster(req, rules)
    assert len(times) == 71
    assert (result.roster["end"] - result.roster["start"] == pd.Timedelta(8, unit="h")).all()
    assert not (
        (result.roster["start"].dt.hour == 1) & (result.roster["start"].dt.day == 31)
    ).any()
    assert result.coverage["shortfall"].sum() == 0
    # 71 one-agent hours need at least 9 eight-hour shifts
    assert result.summary.shifts == 9


def test_fall_back_day_has_25_hours() -> None:
    times = pd.date_range("2024-10-27 00:00", periods=25, freq="60min", tz="Europe/London")
    req = pd.DataFrame({"interval_start": times, "required": 1})
    rules = ShiftRules(
        interval_minutes=60,
        cyclic=False,
        shifts=[ShiftType(name="s", length_hours=5, start_earliest="00:00", start_latest="23:00")],
    )
    result = build_roster(req, rules)
    assert times.normalize().nunique() == 1
    assert result.coverage["shortfall"].sum() == 0
    assert result.summary.shifts == 5


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"interval_start": TINY_TIMES}), r"missing column\(s\) \['required'\]"),
        (
            pd.DataFrame({"interval_start": TINY_TIMES, "required": [1, 2, "x", 1, 1, 1, 1, 1]}),
            r"column 'required', row 4",
        ),
        (
            pd.DataFrame({"interval_start": TINY_TIMES, "required": [1, -2, 1, 1, 1, 1, 1, 1]}),
            r"column 'required', row 3: expected a number >= 0",
        ),
        (
            pd.DataFrame({"interval_start": TINY_TIMES.delete(3), "required": 1}),
            r"irregular grid at 2024-01-01 04:00:00",
        ),
        (
            pd.DataFrame({"interval_start": TINY_TIMES, "required": 1, "queue": ["a", "b"] * 4}),
            r"several queues \['a', 'b'\]",
        ),
    ],
)
def test_bad_requirements(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_requirements(frame, 60)


def test_wrong_grid_for_rules(tmp_path: Path) -> None:
    path = tmp_path / "req.csv"
    tiny_requirements([1] * 8).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"req.csv: column 'interval_start'.*expected every 30"):
        read_requirements(path, 30)


def test_csv_with_offsets_round_trips() -> None:
    req = read_requirements(FIXTURES / "roster_requirements.csv", 60, tz="Europe/London")
    assert str(req["interval_start"].dt.tz) == "Europe/London"
    assert len(req) == 168


def test_fractional_requirements_round_up() -> None:
    req = read_requirements(tiny_requirements([0.2, 1.0, 1.5, 0, 0, 0, 0, 2.0000000001]), 60)
    assert req["required"].tolist() == [1, 1, 2, 0, 0, 0, 0, 2]


def test_split_intervals_keeps_real_time_steps_across_the_autumn_change():
    from staffing.roster import split_intervals

    hours = pd.date_range("2025-10-26", periods=25, freq="h", tz="Europe/London")
    hourly = pd.DataFrame({"interval_start": hours, "required": np.arange(25)})
    halves = split_intervals(hourly, 60, 30)
    assert len(halves) == 50
    steps = halves["interval_start"].diff().dropna().dt.total_seconds()
    assert (steps == 1800).all()  # one real half-hour apart through the repeated hour
    assert halves["required"].tolist() == np.repeat(np.arange(25), 2).tolist()
    with pytest.raises(ValueError, match="step_minutes: expected a divisor of 60 min"):
        split_intervals(hourly, 60, 45)
