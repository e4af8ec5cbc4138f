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
    assert "req.csv: column 'required', row 2 (line 3)" in result.output
    assert run("--out", str(tmp_path / "o")).exit_code == 2
    assert run(str(req), "--out", str(tmp_path / "o")).exit_code == 2


def plan_like_requirements(path: Path) -> pd.DataFrame:
    """A plan's requirements.csv layout: two queues, the second with two tiers."""
    fixture = pd.read_csv(FIXTURES / "roster_requirements.csv", dtype={"interval_start": str})
    rows = []
    for queue, tiers in (("chat", ["all"]), ("email", ["P1", "P2"])):
        for share, tier in enumerate(tiers, start=1):
            rows.append(
                fixture.assign(
                    queue=queue, tier=tier, open=True, agents=0,
                    scheduled=fixture["required"] * share // 2 if queue == "email"
                    else fixture["required"],
                ).drop(columns="required")
            )  # fmt: skip
    frame = pd.concat(rows, ignore_index=True)
    frame.to_csv(path, index=False)
    return frame


def test_a_plans_requirements_are_summed_over_tiers_of_the_chosen_queue(tmp_path: Path) -> None:
    source = tmp_path / "requirements.csv"
    frame = plan_like_requirements(source)
    rules = str(FIXTURES / "roster_shifts.toml")
    several = run(str(source), "--rules", rules, "--out", str(tmp_path / "none"))
    assert several.exit_code == 1
    assert "requirements.csv: column 'queue' holds 2 queues (chat, email); choose one with " \
        "--queue" in several.output  # fmt: skip
    result = run(str(source), "--queue", "email", "--rules", rules, "--out", str(tmp_path / "e"))
    assert result.exit_code == 0, result.output
    coverage = pd.read_csv(tmp_path / "e" / "coverage.csv", dtype={"interval_start": str})
    email = frame[frame["queue"] == "email"].groupby("interval_start", sort=True)["scheduled"]
    assert coverage["required"].tolist() == email.sum().tolist()
    assert (email.sum() > email.max()).any()  # both tiers count
    assert coverage["interval_start"].tolist() == email.sum().index.tolist()
    missing = run(str(source), "--queue", "sms", "--rules", rules, "--out", str(tmp_path / "s"))
    assert "has no queue 'sms'; queues present: chat, email" in missing.output


def test_hourly_requirements_are_repeated_onto_a_30_minute_grid(tmp_path: Path) -> None:
    rules = tmp_path / "half.toml"
    text = (FIXTURES / "roster_shifts.toml").read_text()
    rules.write_text(text.replace("interval_minutes = 60", "interval_minutes = 30"))
    result = run(
        str(FIXTURES / "roster_requirements.csv"), "--rules", str(rules), "--out",
        str(tmp_path / "o"), "--gap", "0.05",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    coverage = pd.read_csv(tmp_path / "o" / "coverage.csv")
    hourly = pd.read_csv(FIXTURES / "roster_requirements.csv")
    assert len(coverage) == 2 * len(hourly)
    assert coverage["required"].tolist() == hourly["required"].repeat(2).tolist()
    assert coverage["interval_start"].iloc[1] == "2024-01-01T00:30:00+00:00"


def test_a_bad_scheduled_cell_and_a_queue_without_queues_are_named(tmp_path: Path) -> None:
    source = tmp_path / "requirements.csv"
    frame = plan_like_requirements(source)
    frame["scheduled"] = frame["scheduled"].astype(object)
    frame.loc[4, "scheduled"] = "many"
    frame.to_csv(source, index=False)
    rules = str(FIXTURES / "roster_shifts.toml")
    result = run(str(source), "--queue", "chat", "--rules", rules, "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "requirements.csv: column 'scheduled', row 5 (line 6)" in result.output
    assert "'many'" in result.output
    result = run(
        str(FIXTURES / "roster_requirements.csv"), "--queue", "chat", "--rules", rules,
        "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "--queue chat given, but the file has no queue column" in result.output


def test_help_states_units() -> None:
    result = CliRunner().invoke(main, ["roster", "--help"])
    assert result.exit_code == 0
    assert "[s]" in result.output
    assert "[fraction]" in result.output
