"""End-to-end tests of ``staffing simulate``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ROSTER = str(FIXTURES / "simulate_roster.csv")
STAFFING = str(FIXTURES / "simulate_staffing.csv")
FORECAST = str(FIXTURES / "simulate_forecast.csv")


def run(*args: str):
    return CliRunner().invoke(main, ["simulate", *args])


def base(out: Path, roster: str = ROSTER) -> list[str]:
    return [roster, "--forecast", FORECAST, "--aht", "300", "--target", "20",
            "--replications", "5", "--seed", "1", "--out", str(out)]  # fmt: skip


def test_roster_end_to_end(tmp_path):
    result = run(*base(tmp_path), "--patience", "120", "--handle-time", "lognormal", "--cv", "0.7")
    assert result.exit_code == 0, result.output
    assert "service_level" in result.output
    intervals = pd.read_csv(tmp_path / "simulation_intervals.csv")
    overall = pd.read_csv(tmp_path / "simulation_overall.csv")
    replications = pd.read_csv(tmp_path / "simulation_replications.csv")
    assert len(intervals) == 6
    assert set(overall["metric"]) == {"service_level", "asa_seconds", "abandonment", "occupancy"}
    assert len(replications) == 30
    # the roster has 8 agents in the first interval, 15 later, 7 + 8 minus a 15-min break
    assert intervals["agents"].tolist() == pytest.approx([8, 15, 15, 11, 15, 15])
    times = pd.to_datetime(intervals["interval_start"], utc=True, format="ISO8601")
    assert times.iloc[0] == pd.Timestamp("2024-03-04T08:00:00Z")


def test_interval_staffing_and_seed_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run(*base(first, STAFFING)).exit_code == 0
    assert run(*base(second, STAFFING)).exit_code == 0
    a = (first / "simulation_intervals.csv").read_text()
    assert a == (second / "simulation_intervals.csv").read_text()
    intervals = pd.read_csv(first / "simulation_intervals.csv")
    # the 09:30 interval has only 7 agents for 80 contacts of 5 min: service collapses there
    assert intervals["service_level"].iloc[3] < intervals["service_level"].iloc[2]


def test_refuses_to_overwrite_without_force(tmp_path):
    assert run(*base(tmp_path)).exit_code == 0
    again = run(*base(tmp_path))
    assert again.exit_code == 2  # a usage error, found before any work
    assert "--force" in again.output
    assert "Traceback" not in again.output
    assert run(*base(tmp_path), "--force").exit_code == 0


def test_bad_input_one_line_nonzero(tmp_path):
    bad = tmp_path / "forecast.csv"
    bad.write_text(
        "interval_start,volume\n2024-03-04T08:00:00+00:00,5\n2024-03-04T08:30:00+00:00,-3\n"
    )
    out = tmp_path / "out"
    result = run(
        ROSTER, "--forecast", str(bad), "--aht", "300", "--target", "20", "--out", str(out)
    )
    assert result.exit_code == 1
    assert "volume" in result.output
    assert "Traceback" not in result.output
    missing = run(str(tmp_path / "nope.csv"), "--forecast", FORECAST, "--aht", "300",
                  "--target", "20", "--out", str(out))  # fmt: skip
    assert missing.exit_code == 1
    assert "nope.csv" in missing.output
    usage = run(ROSTER, "--forecast", FORECAST, "--aht", "300", "--out", str(out))
    assert usage.exit_code == 2
    assert not out.exists()


def test_coverage_and_a_queue_column_are_read(tmp_path):
    staffing = pd.read_csv(STAFFING)
    coverage = tmp_path / "coverage.csv"
    staffing.rename(columns={"agents": "scheduled"}).assign(required=9, shortfall=0).to_csv(
        coverage, index=False
    )
    assert run(*base(tmp_path / "cov", str(coverage))).exit_code == 0
    assert run(*base(tmp_path / "agents", STAFFING)).exit_code == 0
    by_coverage = (tmp_path / "cov" / "simulation_intervals.csv").read_text()
    assert by_coverage == (tmp_path / "agents" / "simulation_intervals.csv").read_text()
    # a plan's roster.csv: one queue column; the forecast's only queue (phone) picks the rows
    roster = pd.read_csv(ROSTER, dtype=str, keep_default_na=False)
    other = roster.assign(queue="chat", agents="40")
    plan_roster = tmp_path / "plan_roster.csv"
    pd.concat([roster.assign(queue="phone"), other]).to_csv(plan_roster, index=False)
    assert run(*base(tmp_path / "plan", str(plan_roster))).exit_code == 0
    assert run(*base(tmp_path / "plain")).exit_code == 0
    by_plan = pd.read_csv(tmp_path / "plan" / "simulation_intervals.csv")
    plain = pd.read_csv(tmp_path / "plain" / "simulation_intervals.csv")
    assert by_plan["agents"].tolist() == plain["agents"].tolist()
    chat = run(*base(tmp_path / "chat", str(plan_roster)), "--queue", "chat")
    assert chat.exit_code == 1
    assert "simulate_forecast.csv: column 'queue' has no queue 'chat'; queues present: phone" in (
        chat.output
    )


def test_offsets_in_every_form_and_a_bad_stamp_named(tmp_path):
    text = Path(FORECAST).read_text().replace("+00:00", "Z", 3).replace("+00:00", "+0000")
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(text)
    out = tmp_path / "out"
    args = [ROSTER, "--forecast", str(forecast), "--aht", "300", "--target", "20", "--seed", "1"]
    assert run(*args, "--replications", "5", "--out", str(out)).exit_code == 0
    assert run(*base(tmp_path / "same")).exit_code == 0
    same = (tmp_path / "same" / "simulation_intervals.csv").read_text()
    assert (out / "simulation_intervals.csv").read_text() == same
    forecast.write_text(text.replace("2024-03-04T09:30:00+0000", "2024-03-04T9:30"))
    result = run(*args, "--out", str(tmp_path / "bad"))
    assert result.exit_code == 1
    assert "forecast.csv: column 'interval_start', row 4" in result.output


def test_help_states_units():
    result = run("--help")
    assert result.exit_code == 0
    for text in ("[s]", "[min]", "Example"):
        assert text in result.output


def test_a_forecast_of_an_unnamed_history_simulates_the_plans_one_queue(tmp_path):
    """`staffing forecast` names a history without queue column "all"; the plan names it after
    its only channel. The roster's single queue is simulated, whatever it is called."""
    forecast = pd.read_csv(FORECAST, dtype=str)
    unnamed = tmp_path / "fc.csv"
    forecast.assign(queue="all").to_csv(unnamed, index=False)
    roster = pd.read_csv(ROSTER, dtype=str, keep_default_na=False)
    named = tmp_path / "roster.csv"
    roster.assign(queue="phone").to_csv(named, index=False)
    args = ["--aht", "300", "--target", "20", "--replications", "5", "--seed", "1"]
    result = run(named.as_posix(), "--forecast", str(unnamed), *args, "--out", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    assert run(*base(tmp_path / "plain")).exit_code == 0
    by_name = pd.read_csv(tmp_path / "a" / "simulation_intervals.csv")
    plain = pd.read_csv(tmp_path / "plain" / "simulation_intervals.csv")
    assert by_name["agents"].tolist() == plain["agents"].tolist()
    two = tmp_path / "two.csv"
    pd.concat([roster.assign(queue="phone"), roster.assign(queue="chat")]).to_csv(two, index=False)
    refused = run(str(two), "--forecast", str(unnamed), *args, "--out", str(tmp_path / "b"))
    assert refused.exit_code == 1
    assert "two.csv: column 'queue' holds 2 queues (chat, phone)" in refused.output
