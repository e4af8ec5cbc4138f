"""Weekly lines of work through the plan, the CLI and named agents (lines to people)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from plan_fixtures import fast_config, write_plan_inputs
from staffing.cli import main
from staffing.config import PlanConfig
from staffing.datasets import load_example, load_example_config
from staffing.errors import ConfigError
from staffing.plan import plan
from staffing.roster import (
    Agent,
    Break,
    Contract,
    ShiftRules,
    ShiftType,
    SolverOptions,
    assign_lines,
    build_roster,
    example_requirements,
    parse_day,
)


def tour_config(**forecast) -> PlanConfig:
    """The example's contracts with a short solver limit."""
    config = fast_config(tours=True, **forecast)
    solver = config.roster.solver.model_copy(
        update={"time_limit_seconds": 30.0, "relative_gap": 0.05}
    )
    return config.model_copy(
        update={"roster": config.roster.model_copy(update={"solver": solver})}
    )


@pytest.fixture(scope="module")
def tour_plan(example_tours_plan):
    return example_tours_plan  # tour_config(): the session's shared plan


def table_coverage(lines: pd.DataFrame, times: pd.Series, step: int) -> np.ndarray:
    """Agents on duty per interval from the lines table text alone (cyclic week)."""
    first = times.iloc[0].date()
    tz = times.dt.tz
    grid = times.reset_index(drop=True)
    span = grid.iloc[-1] - grid.iloc[0] + pd.Timedelta(step, unit="min")
    width = pd.Timedelta(step, unit="min")
    out = np.zeros(len(grid), dtype=int)
    days = list(lines.columns[-7:])
    for row in lines.to_dict("records"):
        for q, day in enumerate(days):
            if not row[day]:
                continue
            start, end, breaks = parse_day(row[day], first + dt.timedelta(days=q), tz)
            for sign, (a, b) in [(1, (start, end))] + [(-1, br) for br in breaks]:
                on = ((grid >= a) & (grid + width <= b)) | (
                    (grid + span >= a) & (grid + span + width <= b)
                )
                out += sign * on.to_numpy()
    return out


def test_the_example_plans_weekly_lines_and_headcount(tour_plan, tmp_path: Path) -> None:
    assert tour_plan.forecast["interval_start"].iloc[0].day_name() == "Monday"
    assert set(tour_plan.headcount["contract"]) == {"full-time", "part-time"}
    for queue, own in tour_plan.lines.groupby("queue"):
        coverage = tour_plan.coverage[tour_plan.coverage["queue"] == queue]
        lines = own.drop(columns=["queue"])
        scheduled = table_coverage(lines, coverage["interval_start"], 60)
        assert (scheduled == coverage["scheduled"].to_numpy()).all(), queue
        # contract mix of the example: part-time at most 30% of paid hours
        people = tour_plan.headcount[tour_plan.headcount["queue"] == queue]
        part = people.loc[people["contract"] == "part-time", "share_of_paid_hours"].iloc[0]
        assert part <= 0.3 + 1e-9
        full = own[own["contract"] == "full-time"]
        assert (full["days_worked"] == 5).all()
        hc = people.set_index("contract")["headcount"]
        assert hc["full-time"] == len(full)
    summary = tour_plan.summary()
    phone = summary["queues"]["phone"]
    assert phone["lines"] == int((tour_plan.lines["queue"] == "phone").sum())
    assert sum(g["count"] for g in phone["lines_of_work"]) == phone["lines"]
    totals = {row["contract"]: row["headcount"] for row in summary["totals"]["headcount"]}
    assert totals["full-time"] == int(
        tour_plan.headcount.loc[tour_plan.headcount["contract"] == "full-time", "headcount"].sum()
    )
    out = tour_plan.write(tmp_path / "plan")
    written = pd.read_csv(out / "lines.csv", keep_default_na=False)
    assert len(written) == len(tour_plan.lines)
    assert list(written.columns[:4]) == ["queue", "line", "weeks", "contract"]


def test_a_plan_without_contracts_writes_an_empty_lines_file(tmp_path: Path) -> None:
    result = plan(load_example(), fast_config(horizon_days=2))
    assert result.lines.empty
    assert result.headcount.empty
    assert "headcount" not in result.summary()["queues"]["phone"]
    out = result.write(tmp_path / "plan")
    assert pd.read_csv(out / "lines.csv").empty


@pytest.mark.parametrize(
    ("forecast", "key"),
    [({"horizon_days": 10}, "forecast.horizon_days"), ({"first_day": "next"}, "first_day")],
)
def test_contracts_need_whole_weeks_from_midnight(forecast, key) -> None:
    config = PlanConfig.from_toml(load_example_config())
    data = config.model_dump(mode="json", exclude_none=True)
    data["forecast"].update(forecast)
    with pytest.raises(ConfigError, match=key):
        PlanConfig.from_dict(data, "plan.toml")


def test_the_cli_refuses_partial_weeks_with_contracts(tmp_path: Path) -> None:
    config = tour_config()
    history, toml = write_plan_inputs(tmp_path, config)
    text = toml.read_text().replace("horizon_days = 7", "horizon_days = 3")
    toml.write_text(text)
    result = CliRunner().invoke(
        main, ["plan", str(history), "--config", str(toml), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "forecast.horizon_days" in result.output
    assert "Traceback" not in result.output


RULES_TOML = """
interval_minutes = 60
hard_coverage = true
full_time_hours_per_week = 40

[[shifts]]
name = "day"
length_hours = 9
start_earliest = "06:00"
start_latest = "13:00"
  [[shifts.breaks]]
  length_minutes = 60
  earliest_after_minutes = 180
  latest_after_minutes = 300

[[shifts]]
name = "short"
length_hours = 4
start_earliest = "08:00"
start_latest = "20:00"

[[contracts]]
name = "full-time"
shifts = ["day"]
days_per_week = 5
start_band_minutes = 60

[[contracts]]
name = "part-time"
shifts = ["short"]
min_days_per_week = 3
max_days_per_week = 4
days_off = "any"
max_share_of_paid_hours = 0.3
"""


def test_staffing_roster_writes_lines_and_fills_them_with_people(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES_TOML)
    req = example_requirements(peak=6)
    req = req[req["interval_start"].dt.minute == 0].reset_index(drop=True)
    req_path = tmp_path / "required.csv"
    req.assign(interval_start=req["interval_start"].map(pd.Timestamp.isoformat)).to_csv(
        req_path, index=False
    )
    agents = tmp_path / "agents.csv"
    agents.write_text(
        "name,contracted_hours,unavailable,contract\n"
        "Ann,40,sun,full-time\nBob,40,,full-time\nCy,16,,part-time\nDee,40,sat;sun,\n"
    )
    out = tmp_path / "out"
    args = [str(req_path), "--rules", str(rules), "--out", str(out), "--agents", str(agents)]
    result = CliRunner().invoke(main, ["roster", *args, "--gap", "0.02"])
    assert result.exit_code == 0, result.output
    assert "contract full-time:" in result.output
    summary = json.loads((out / "summary.json").read_text())
    lines = pd.read_csv(out / "lines.csv", keep_default_na=False)
    roster = pd.read_csv(out / "roster.csv", keep_default_na=False)
    assert summary["lines"] == len(lines)
    hired = {row["contract"]: row["lines"] for row in summary["assignment"]["hiring"]}
    assert summary["assignment"]["filled_lines"] + sum(hired.values()) == len(lines)
    assert summary["assignment"]["filled_lines"] == 4  # every agent fits some line
    held = roster[roster["agent"] != ""].groupby("agent")
    for name, rows in held:
        assert rows["line"].nunique() == 1
        contract = rows["contract"].iloc[0]
        if name in ("Ann", "Bob"):
            assert contract == "full-time"
        if name == "Cy":
            assert contract == "part-time"
    days = {n: set(pd.to_datetime(r["start"], utc=True).dt.day_name()) for n, r in held}
    # Ann is off on Sundays, Dee at weekends (local and UTC days agree in London in winter)
    assert "Sunday" not in days["Ann"]
    assert not {"Saturday", "Sunday"} & days["Dee"]


def small_rules(**update) -> ShiftRules:
    shift = ShiftType(
        name="d",
        length_hours=8,
        start_earliest="08:00",
        start_latest="08:00",
        breaks=[Break(length_minutes=60, earliest_after_minutes=180, latest_after_minutes=240)],
    )
    data = {
        "interval_minutes": 60,
        "shifts": [shift],
        "contracts": [Contract(name="ft", shifts=["d"], days_per_week=5)],
        **update,
    }
    return ShiftRules(**data)


def weeks_of_requirements(weeks: int) -> pd.DataFrame:
    times = pd.date_range("2024-01-01", periods=weeks * 7 * 24, freq="h", tz="Europe/London")
    on = (times.hour >= 8) & (times.hour < 16)
    return pd.DataFrame({"interval_start": times, "required": np.where(on, 2, 0)})


def test_lines_go_only_to_agents_they_fit_and_the_rest_is_the_hiring_need() -> None:
    rules = small_rules()
    result = build_roster(weeks_of_requirements(1), rules)
    lines = result.lines
    agents = [
        Agent(name="wrong-contract", contracted_hours=40, contract="pt"),
        Agent(name="too-few-hours", contracted_hours=20),
        Agent(
            name="never",
            contracted_hours=40,
            unavailable=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        ),
        Agent(name="ok", contracted_hours=40),
    ]
    named, outcome = assign_lines(
        result.roster, lines, agents, rules, SolverOptions(), horizon_start=None
    )
    assert set(named.loc[named["agent"] != "", "agent"]) == {"ok"}
    assert outcome.filled_lines == 1
    assert outcome.unfilled_lines == len(lines) - 1
    assert outcome.hiring[0]["lines"] == len(lines) - 1
    assert outcome.hiring[0]["fte"] == pytest.approx((len(lines) - 1) * 35 / 40)
    assert sorted(outcome.idle_agents) == ["never", "too-few-hours", "wrong-contract"]


def test_two_independent_weeks_leave_rest_and_no_long_runs_across_the_boundary() -> None:
    """One agent, lines of two weeks: the pair chosen never works more than 6 days in a row."""
    rules = small_rules(agents={"max_consecutive_days": 6, "min_rest_hours": 11})
    result = build_roster(weeks_of_requirements(2), rules)
    agents = [Agent(name=f"A{k}", contracted_hours=40) for k in range(4)]
    named, outcome = assign_lines(result.roster, result.lines, agents, rules)
    for _name, rows in named[named["agent"] != ""].groupby("agent"):
        dates = sorted({s.date() for s in rows["start"]})
        run = best = 1
        for a, b in itertools.pairwise(dates):
            run = run + 1 if (b - a).days == 1 else 1
            best = max(best, run)
        assert best <= 6
        assert rows["week"].nunique() == len(set(rows["week"]))
    assert outcome.filled_lines == 8  # four agents, two weeks
