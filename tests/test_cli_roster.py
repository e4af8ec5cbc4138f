"""The ``staffing roster`` command, end to end and in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from staffing.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> object:
    return CliRunner().invoke(main, ["roster", *args])


def test_roster_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        str(FIXTURES / "roster_requirements.csv"),
        "--rules",
        str(FIXTURES / "roster_shifts.toml"),
        "--out",
        str(out),
        "--gap",
        "0.02",
        "--threads",
        "1",
        "--seed",
        "3",
    )
    assert result.exit_code == 0, result.output
    assert "scheduled/required agent-hours" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["solver"]["options"]["threads"] == 1
    assert summary["solver"]["options"]["seed"] == 3
    assert summary["solver"]["status"] in ("optimal", "time limit")
    coverage = pd.read_csv(out / "coverage.csv")
    assert list(coverage.columns) == ["interval_start", "required", "scheduled", "shortfall"]
    assert summary["understaffed_agent_intervals"] == coverage["shortfall"].sum()
    roster = pd.read_csv(out / "roster.csv", keep_default_na=False)
    assert roster["agents"].sum() == summary["shifts"]


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    args = ["--example", "--out", str(tmp_path), "--json"]
    first = run(*args)
    assert first.exit_code == 0
    assert json.loads(first.output)["solver"]["solver"] == "highs"
    again = run(*args)
    assert again.exit_code == 2  # a usage error, found before any work
    assert "--out" in again.output
    assert "exists; use --force" in again.output
    assert run(*args, "--force").exit_code == 0


def test_with_named_agents(tmp_path: Path) -> None:
    result = run(
        str(FIXTURES / "roster_requirements.csv"),
        "--rules",
        str(FIXTURES / "roster_shifts.toml"),
        "--agents",
        str(FIXTURES / "roster_agents.csv"),
        "--out",
        str(tmp_path),
        "--gap",
        "0.02",
    )
    assert result.exit_code == 0, result.output
    roster = pd.read_csv(tmp_path / "roster.csv", keep_default_na=False)
    assert list(roster.columns[:5]) == ["start", "end", "agents", "breaks", "agent"]


def test_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("interval_minutes = 60\nshifts = []\ncolour = 1\n")
    result = run(
        str(FIXTURES / "roster_requirements.csv"),
        "--rules",
        str(bad),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 2
    assert "unknown key 'colour'" in result.output
    assert "Traceback" not in result.output
    req = tmp_path / "req.csv"
    req.write_text("interval_start,required\n2024-01-01T00:00,1\n2024-01-01T01:00,x\n")
    result = run(
        str(req), "--rules", str(FIXTURES / "roster_shifts.toml"), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 1
    assert "column 'required', row 3" in result.output
    assert run("--out", str(tmp_path / "o")).exit_code == 2
    assert run(str(req), "--out", str(tmp_path / "o")).exit_code == 2


def test_help_states_units() -> None:
    result = CliRunner().invoke(main, ["roster", "--help"])
    assert result.exit_code == 0
    assert "[s]" in result.output
    assert "[fraction]" in result.output
