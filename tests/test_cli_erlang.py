"""End-to-end tests of ``staffing erlang``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from staffing.cli import main

EXAMPLE = ["erlang", "--calls", "100", "--interval-minutes", "30", "--aht", "180",
           "--target", "80/20"]  # fmt: skip


def test_example_prints_the_answer_and_a_table():
    result = CliRunner().invoke(main, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "Agents needed on the queue: 14" in result.output
    assert "88.8%" in result.output
    assert "79.6%" in result.output


def test_json_with_shrinkage_and_patience():
    result = CliRunner().invoke(main, [*EXAMPLE, "--shrinkage", "0.3", "--json"])
    data = json.loads(result.output)
    assert data["agents"] == 14
    assert data["scheduled"] == 20
    row = next(r for r in data["table"] if r["agents"] == 14)
    assert row["service_level"] == pytest.approx(0.88835, abs=1e-5)
    result = CliRunner().invoke(main, [*EXAMPLE, "--patience", "120", "--json"])
    data = json.loads(result.output)
    assert data["model"] == "erlang_a"
    assert "abandonment" in data["table"][0]


@pytest.mark.parametrize("target", ["80/x", "120/20", "80"])
def test_bad_target_is_one_line_exit_2(target):
    result = CliRunner().invoke(main, ["erlang", "--calls", "100", "--aht", "180",
                                       "--target", target])  # fmt: skip
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "target" in result.output or "PERCENT" in result.output


def test_no_target_and_negative_calls_exit_2():
    assert CliRunner().invoke(main, ["erlang", "--calls", "100", "--aht", "180"]).exit_code == 2
    result = CliRunner().invoke(main, ["erlang", "--calls", "-5", "--aht", "180",
                                       "--target", "80/20"])  # fmt: skip
    assert result.exit_code == 2
