"""Every file one command writes is read by the commands that read that kind of file.

Through the command line (in process): ``staffing forecast`` and ``staffing plan`` write
forecasts, ``staffing roster`` reads a hand-made requirements file and a plan's
requirements.csv, and ``staffing simulate`` reads each kind of forecast with each kind of
roster, coverage and agents-per-interval file. The weeks forecast hold the Europe/London
summer-time changes (a 23-hour and a 25-hour day): the timestamps must come back as the same
instants with the same offsets, text for text.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import tomli_w
from click.testing import CliRunner

from plan_fixtures import fast_config
from staffing.cli import main
from staffing.datasets import load_example
from staffing.timegrid import read_frame_csv

LONDON = "Europe/London"
FORECAST_COLUMNS = ["interval_start", "queue", "volume", "q10", "q50", "q90"]

#: Hourly shift rules without wrap-around, so that a roster simulated as shifts has at least
#: the agents its coverage counts in every interval.
RULES = """
interval_minutes = 60
understaffing_per_agent_interval = 40
overstaffing_per_agent_interval = 1
hard_coverage = false
cyclic = false

[[shifts]]
name = "day"
length_hours = 8
start_earliest = "06:00"
start_latest = "14:00"
cost_per_hour = 20
  [[shifts.breaks]]
  length_minutes = 60
  earliest_after_minutes = 180
  latest_after_minutes = 300
  paid = false

[[shifts]]
name = "short"
length_hours = 4
start_earliest = "00:00"
start_latest = "20:00"
cost_per_hour = 18
"""


def run(*args: object) -> str:
    """Run ``staffing ARGS``; fail the test unless it succeeds; return its output."""
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


def refused(*args: object) -> str:
    """Run ``staffing ARGS``, which must fail with one error line; return that line."""
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("staffing: error: ")
    return lines[0]


def text_of(path: Path, column: str = "interval_start") -> list[str]:
    """The column's cells exactly as written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)[column].tolist()


def write_history(path: Path, first: str, last: str) -> Path:
    """The bundled example history from ``first`` to ``last`` (London days), with offsets."""
    history = load_example()
    day = history["interval_start"].dt.strftime("%Y-%m-%d")
    part = history[(day >= first) & (day <= last)]
    stamps = part["interval_start"].map(pd.Timestamp.isoformat)
    part.assign(interval_start=stamps).to_csv(path, index=False)
    return path


def forecast(root: Path, history: Path, name: str) -> Path:
    out = root / name
    run("forecast", history, "--tz", LONDON, "--queue", "phone", "--model", "seasonal_naive_week",
        "--horizon-days", 7, "--quantiles", "0.1,0.5,0.9", "--out", out)  # fmt: skip
    return out


def hand_made_requirements(forecast_csv: Path, out: Path) -> Path:
    """``interval_start, required``: the forecast's stamps as text, a crude staffing rule."""
    table = pd.read_csv(forecast_csv, dtype={"interval_start": str})
    required = np.ceil(table["volume"] / 8).astype(int)
    pd.DataFrame({"interval_start": table["interval_start"], "required": required}).to_csv(
        out, index=False
    )
    return out


def roster(root: Path, requirements: Path, name: str, *extra: object) -> Path:
    out = root / name
    run("roster", requirements, "--rules", root / "rules.toml", "--tz", LONDON, "--out", out,
        "--gap", "0.05", "--time-limit", "20", "--threads", "1", *extra)  # fmt: skip
    return out


def simulate(root: Path, staffing: Path, forecast_csv: Path, name: str, *extra: object) -> Path:
    out = root / name
    run("simulate", staffing, "--forecast", forecast_csv, "--aht", "300", "--target", "20",
        "--replications", "2", "--seed", "1", "--out", out, *extra)  # fmt: skip
    return out / "simulation_intervals.csv"


@pytest.fixture(scope="module")
def autumn(tmp_path_factory) -> SimpleNamespace:
    """Everything written for the week of 2025-10-20, whose Sunday has 25 hours."""
    root = tmp_path_factory.mktemp("autumn")
    (root / "rules.toml").write_text(RULES)
    config = fast_config().model_dump(mode="json", exclude_none=True)
    config["roster"]["solver"]["relative_gap"] = 0.05
    (root / "plan.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    history = write_history(root / "history.csv", "2025-09-01", "2025-10-19")
    run("plan", history, "--config", root / "plan.toml", "--out", root / "plan", "--quiet")
    fc = forecast(root, history, "forecast.csv")
    required = hand_made_requirements(fc, root / "required.csv")
    hand = roster(root, required, "roster-hand")
    from_plan = roster(root, root / "plan" / "requirements.csv", "roster-plan", "--queue", "phone")
    coverage = pd.read_csv(hand / "coverage.csv", dtype={"interval_start": str})
    agents = root / "agents.csv"
    coverage.rename(columns={"scheduled": "agents"})[["interval_start", "agents"]].to_csv(
        agents, index=False
    )
    return SimpleNamespace(
        root=root, plan=root / "plan", forecast=fc, required=required, hand=hand,
        from_plan=from_plan, agents=agents,
    )  # fmt: skip


def local_hours_per_day(stamps: pd.Series) -> dict[str, int]:
    return stamps.dt.strftime("%Y-%m-%d").value_counts().sort_index().to_dict()


# ----------------------------------------------------------------------------- forecast


def test_the_forecast_file_has_the_plan_schema_and_a_25_hour_day(autumn):
    lines = autumn.forecast.read_text().splitlines()
    assert lines[0] == ",".join(FORECAST_COLUMNS)
    assert lines[0] == (autumn.plan / "forecast.csv").read_text().splitlines()[0]
    stamps = text_of(autumn.forecast)
    change = stamps.index("2025-10-26T01:00:00+01:00")
    assert stamps[change + 1] == "2025-10-26T01:00:00+00:00"  # the repeated hour, twice
    assert stamps[0] == "2025-10-20T00:00:00+01:00"
    assert stamps[-1] == "2025-10-26T23:00:00+00:00"
    back = read_frame_csv(autumn.forecast, LONDON)
    assert local_hours_per_day(back["interval_start"])["2025-10-26"] == 25
    assert len(back) == 7 * 24 + 1
    assert (back["interval_start"].diff().dropna() == pd.Timedelta(1, unit="h")).all()
    plan = pd.read_csv(autumn.plan / "forecast.csv", dtype=str)
    assert plan.loc[plan["queue"] == "phone", "interval_start"].tolist() == stamps


# ----------------------------------------------------------------------------- roster


def test_roster_from_a_hand_made_file_keeps_its_timestamps(autumn):
    coverage = pd.read_csv(autumn.hand / "coverage.csv", dtype={"interval_start": str})
    required = pd.read_csv(autumn.required, dtype={"interval_start": str})
    assert coverage["interval_start"].tolist() == required["interval_start"].tolist()
    assert coverage["required"].tolist() == required["required"].tolist()
    shifts = read_frame_csv(autumn.hand / "roster.csv", LONDON)
    # shift starts are London clock hours, in summer and in winter time alike
    assert (shifts["start"].dt.minute == 0).all()
    assert shifts["start"].dt.hour.between(0, 20).all()
    winter = shifts[shifts["start"] >= pd.Timestamp("2025-10-26 02:00", tz=LONDON)]
    assert len(winter) > 0
    assert all(text.endswith("+00:00") for text in text_of(autumn.hand / "roster.csv", "start")
               if text >= "2025-10-26T02")  # fmt: skip


def test_roster_from_a_plan_sums_the_tiers_of_the_queue(autumn):
    plan = pd.read_csv(autumn.plan / "requirements.csv", dtype={"interval_start": str})
    phone = plan[plan["queue"] == "phone"]
    expected = phone.groupby("interval_start", sort=False)["scheduled"].sum()
    coverage = pd.read_csv(autumn.from_plan / "coverage.csv", dtype={"interval_start": str})
    assert coverage["interval_start"].tolist() == expected.index.tolist()
    assert coverage["required"].tolist() == expected.tolist()
    planned = pd.read_csv(autumn.plan / "coverage.csv", dtype={"interval_start": str})
    planned = planned[planned["queue"] == "phone"]
    assert planned["required"].tolist() == coverage["required"].tolist()
    rules = autumn.root / "rules.toml"
    line = refused("roster", autumn.plan / "requirements.csv", "--rules", rules, "--tz", LONDON,
                   "--out", autumn.root / "x")  # fmt: skip
    assert "requirements.csv: column 'queue' holds 3 queues (chat, email, phone)" in line
    assert "--queue" in line
    line = refused("roster", autumn.plan / "requirements.csv", "--queue", "phone", "--rules",
                   rules, "--out", autumn.root / "x")  # fmt: skip
    assert "several UTC offsets (+00:00, +01:00)" in line
    assert "--tz" in line


# ----------------------------------------------------------------------------- simulate


FORECASTS = {"forecast command": "forecast", "plan forecast.csv": "plan_forecast"}
STAFFING = {
    "roster command roster.csv": "hand_roster",
    "plan roster.csv": "plan_roster",
    "roster command coverage.csv": "hand_coverage",
    "plan coverage.csv": "plan_coverage",
    "agents per interval": "agents",
}


def path_of(autumn: SimpleNamespace, kind: str) -> Path:
    return {
        "forecast": autumn.forecast,
        "plan_forecast": autumn.plan / "forecast.csv",
        "hand_roster": autumn.hand / "roster.csv",
        "plan_roster": autumn.plan / "roster.csv",
        "hand_coverage": autumn.hand / "coverage.csv",
        "plan_coverage": autumn.plan / "coverage.csv",
        "agents": autumn.agents,
    }[kind]


@pytest.mark.parametrize("staffing", list(STAFFING))
@pytest.mark.parametrize("source", list(FORECASTS))
def test_simulate_reads_every_forecast_with_every_staffing_file(autumn, source, staffing):
    forecast_csv = path_of(autumn, FORECASTS[source])
    staffing_csv = path_of(autumn, STAFFING[staffing])
    name = f"sim-{FORECASTS[source]}-{STAFFING[staffing]}"
    extra = ["--tz", LONDON]
    if source == "plan forecast.csv":
        extra += ["--queue", "phone"]  # the plan's files hold three queues
    intervals = simulate(autumn.root, staffing_csv, forecast_csv, name, *extra)
    assert text_of(intervals) == text_of(autumn.forecast)  # same instants, same offsets
    agents = pd.read_csv(intervals)["agents"].to_numpy()
    hand = pd.read_csv(autumn.hand / "coverage.csv")["scheduled"].to_numpy()
    planned = pd.read_csv(autumn.plan / "coverage.csv")
    planned = planned.loc[planned["queue"] == "phone", "scheduled"].to_numpy()
    assert hand.sum() > 0
    if STAFFING[staffing] in ("hand_roster", "hand_coverage", "agents"):
        # shifts and breaks on whole hours, no wrap-around: the shifts give the coverage
        np.testing.assert_array_equal(agents, hand)
    elif STAFFING[staffing] == "plan_coverage":
        np.testing.assert_array_equal(agents, planned)
    else:
        # the plan's roster wraps the last night into the first hours of its coverage;
        # simulated as shifts, that part is missing there and nowhere else
        assert (agents <= planned).all()
        np.testing.assert_array_equal(agents[12:], planned[12:])


def test_simulate_picks_a_quantile_column_of_the_plan_forecast(autumn):
    forecast_csv = autumn.plan / "forecast.csv"
    intervals = simulate(autumn.root, autumn.agents, forecast_csv, "sim-q90",
                         "--queue", "phone", "--column", "q90")  # fmt: skip
    plan = pd.read_csv(forecast_csv)
    expected = 2 * plan.loc[plan["queue"] == "phone", "q90"].sum()  # two replications
    offered = 2 * pd.read_csv(intervals)["offered"].sum()
    assert abs(offered - expected) < 5 * math.sqrt(expected)
    assert expected > 2 * plan.loc[plan["queue"] == "phone", "volume"].sum() + 5 * math.sqrt(
        expected
    )


def test_simulate_without_tz_writes_the_same_instants_in_utc(autumn):
    intervals = simulate(autumn.root, autumn.hand / "roster.csv", autumn.forecast, "sim-utc")
    written = text_of(intervals)
    assert all(text.endswith("+00:00") for text in written)
    expected = read_frame_csv(autumn.forecast)["interval_start"]
    assert read_frame_csv(intervals)["interval_start"].equals(expected)


def test_simulate_names_the_queues_to_choose_from(autumn):
    args = ["--aht", "300", "--target", "20", "--out", autumn.root / "sim-x"]
    line = refused("simulate", autumn.plan / "roster.csv", "--forecast",
                   autumn.plan / "forecast.csv", *args)  # fmt: skip
    assert "holds 3 queues (chat, email, phone)" in line
    assert "--queue" in line
    line = refused("simulate", autumn.plan / "roster.csv", "--forecast", autumn.forecast,
                   "--queue", "sms", *args)  # fmt: skip
    assert "forecast.csv: column 'queue' has no queue 'sms'; queues present: phone" in line
    hand_roster = autumn.hand / "roster.csv"
    line = refused("simulate", hand_roster, "--forecast", autumn.forecast, "--queue", "sms",
                   *args)  # fmt: skip
    assert "forecast.csv: column 'queue' has no queue 'sms'" in line
    # a forecast without a queue column cannot pick one of the plan roster's queues
    line = refused("simulate", autumn.plan / "roster.csv", "--forecast", autumn.required, *args)
    assert "roster.csv: column 'queue' holds 3 queues (chat, email, phone)" in line


# ----------------------------------------------------------------------------- spring, example


def test_spring_week_with_a_23_hour_day_round_trips(tmp_path):
    (tmp_path / "rules.toml").write_text(RULES)
    history = write_history(tmp_path / "history.csv", "2025-03-03", "2025-03-23")
    fc = forecast(tmp_path, history, "forecast.csv")
    stamps = text_of(fc)
    assert len(stamps) == 7 * 24 - 1
    change = stamps.index("2025-03-30T00:00:00+00:00")
    assert stamps[change + 1] == "2025-03-30T02:00:00+01:00"  # 01:00 does not exist
    required = hand_made_requirements(fc, tmp_path / "required.csv")
    out = roster(tmp_path, required, "roster")
    assert text_of(out / "coverage.csv") == stamps
    intervals = simulate(tmp_path, out / "roster.csv", fc, "sim", "--tz", LONDON)
    assert text_of(intervals) == stamps
    back = read_frame_csv(intervals, LONDON)
    assert local_hours_per_day(back["interval_start"])["2025-03-30"] == 23


def test_example_plan_files_feed_roster_and_simulate(tmp_path):
    (tmp_path / "rules.toml").write_text(RULES)
    config = fast_config().model_dump(mode="json", exclude_none=True)
    (tmp_path / "plan.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    plan = tmp_path / "plan"
    run("plan", "--example", "--config", tmp_path / "plan.toml", "--out", plan, "--quiet")
    # a winter week: one offset, so no --tz is needed
    out = tmp_path / "roster"
    run("roster", plan / "requirements.csv", "--queue", "chat", "--rules",
        tmp_path / "rules.toml", "--out", out, "--gap", "0.05")  # fmt: skip
    chat = pd.read_csv(plan / "forecast.csv", dtype=str).query("queue == 'chat'")
    assert text_of(out / "coverage.csv") == chat["interval_start"].tolist()
    intervals = simulate(tmp_path, plan / "roster.csv", plan / "forecast.csv", "sim",
                         "--queue", "chat")  # fmt: skip
    assert text_of(intervals) == chat["interval_start"].tolist()
    intervals = simulate(tmp_path, out / "roster.csv", plan / "forecast.csv", "sim2",
                         "--queue", "chat", "--column", "q50")  # fmt: skip
    assert text_of(intervals) == chat["interval_start"].tolist()
