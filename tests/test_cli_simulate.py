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


def test_help_states_units():
    result = run("--help")
    assert result.exit_code == 0
    for text in ("[s]", "[min]", "Example"):
        assert text in result.output
