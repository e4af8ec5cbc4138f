"""``staffing plan`` end to end, in process, and its error contract."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from plan_fixtures import fast_config, write_plan_inputs
from staffing.cli import main
from staffing.datasets import load_example
from staffing.plan import OUTPUT_FILES, plan


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A history file and a fast plan configuration on disk."""
    root = tmp_path_factory.mktemp("cli-plan")
    write_plan_inputs(root, fast_config())
    return root


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_plan_from_a_file_matches_the_library(workspace):
    out = workspace / "out"
    result = run(
        "plan",
        str(workspace / "history.csv"),
        "--config",
        str(workspace / "plan.toml"),
        "--out",
        str(out),
        "--quiet",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    printed = json.loads(result.stdout)
    written = json.loads((out / "summary.json").read_text())
    assert printed["queues"] == written["queues"]
    library = plan(load_example(), fast_config()).summary()
    for queue, numbers in library["queues"].items():
        for key in ("forecast_contacts", "required_agent_hours", "scheduled_agent_hours"):
            assert written["queues"][queue][key] == pytest.approx(numbers[key]), (queue, key)


def test_existing_output_is_kept_without_force(workspace):
    out = workspace / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    result = run(
        "plan",
        str(workspace / "history.csv"),
        "--config",
        str(workspace / "plan.toml"),
        "--out",
        str(out),
    )
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert (out / "mine.txt").read_text() == "keep me"


def _set_phone_target(data: dict, target: str) -> dict:
    data["service"]["channels"]["phone"]["target"] = target
    return data


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: {**d, "extra": {"x": 1}}, "extra"),
        (lambda d: _set_phone_target(d, "100/0"), "phone"),
        (lambda d: _set_phone_target(d, "80/-5"), "phone"),
    ],
    ids=["unknown-key", "impossible-target", "negative-seconds"],
)
def test_bad_configuration_exits_2_with_one_line(workspace, tmp_path, edit, words):
    config = tmp_path / "bad.toml"
    data = tomllib.loads((workspace / "plan.toml").read_text(encoding="utf-8"))
    config.write_text(tomli_w.dumps(edit(data)), encoding="utf-8")
    result = run(
        "plan",
        str(workspace / "history.csv"),
        "--config",
        str(config),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 2
    assert words in result.stderr
    assert str(config) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("interval_start,queue,volume\nnot-a-time,phone,3\n", "interval_start"),
        ("interval_start,queue,volume\n2025-03-03T00:00:00+00:00,phone,-3\n", "negative"),
    ],
    ids=["unparsable", "negative"],
)
def test_bad_history_exits_1_naming_the_file(workspace, tmp_path, rows, words):
    history = tmp_path / "history.csv"
    history.write_text(rows, encoding="utf-8")
    result = run(
        "plan",
        str(history),
        "--config",
        str(workspace / "plan.toml"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 1
    assert "history.csv" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_history_and_example_are_exclusive(workspace, tmp_path):
    result = run("plan", str(workspace / "history.csv"), "--example", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "either HISTORY or --example" in result.stderr


def test_help_has_an_example():
    result = run("plan", "--help")
    assert result.exit_code == 0
    assert "staffing plan --example --out plan-example" in result.output
