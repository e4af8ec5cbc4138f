"""``staffing plan --workers`` / ``--scheduler`` and ``staffing scenarios`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from plan_fixtures import fast_config, write_plan_inputs
from staffing.cli import main

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli-scale")
    write_plan_inputs(root, fast_config(horizon_days=2))
    return root


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def plan_args(workspace: Path, out: Path, *extra: str) -> list[str]:
    return ["plan", str(workspace / "history.csv"), "--config", str(workspace / "plan.toml"),
            "--out", str(out), "--quiet", *extra]  # fmt: skip


def test_plan_on_a_running_cluster_writes_the_files_of_the_in_process_plan(workspace, dask_client):
    here, there = workspace / "here", workspace / "there"
    assert run(*plan_args(workspace, here)).exit_code == 0
    address = dask_client.scheduler.address
    result = run(*plan_args(workspace, there, "--scheduler", address, "--json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["queues"].keys() == {"phone", "chat", "email"}
    csvs = sorted(p.name for p in here.glob("*.csv"))
    assert csvs == sorted(p.name for p in there.glob("*.csv"))
    for name in csvs:
        assert (here / name).read_bytes() == (there / name).read_bytes(), name


def test_workers_start_a_local_cluster_of_that_many_processes(workspace, monkeypatch):
    import contextlib

    import staffing.cluster

    asked = []

    @contextlib.contextmanager
    def fake_connect(workers=None, scheduler=None):
        asked.append((workers, scheduler))
        yield None  # then plan in-process

    monkeypatch.setattr(staffing.cluster, "connect", fake_connect)
    out = workspace / "local"
    assert run(*plan_args(workspace, out, "--workers", "3")).exit_code == 0
    assert asked == [(3, None)]
    assert (out / "coverage.csv").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--workers", "0"), "--workers"),
        (("--workers", "2", "--scheduler", "tcp://127.0.0.1:1"), "give one of them"),
    ],
)
def test_cluster_options_are_checked_before_any_work(workspace, extra, message):
    out = workspace / "never"
    result = run(*plan_args(workspace, out, *extra))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_an_unreachable_scheduler_is_one_line_naming_it(workspace):
    import dask

    out = workspace / "nowhere"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = run(*plan_args(workspace, out, "--scheduler", "tcp://127.0.0.1:9"))
    assert result.exit_code == 1
    assert "--scheduler tcp://127.0.0.1:9: cannot reach the scheduler" in result.output
    assert "Traceback" not in result.output


def test_scenarios_writes_the_table_and_the_plot(workspace, dask_client):
    grid = workspace / "grid.toml"
    grid.write_text('[grid]\n"service.staff_to" = ["q50", "q90"]\n', encoding="utf-8")
    out, png = workspace / "sweep.csv", workspace / "sweep.png"
    result = run("scenarios", str(workspace / "history.csv"), "--config",
                 str(workspace / "plan.toml"), "--grid", str(grid), "--vary",
                 "service.channels.*.deflection=0,0.3", "--out", str(out), "--plot", str(png),
                 "--quiet", "--scheduler", dask_client.scheduler.address)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 scenario(s) x 3 queue(s)" in result.output
    table = pd.read_csv(out)
    assert len(table) == 4 * 3
    assert {"service.staff_to", "service.channels.*.deflection", "paid_hours", "cost"} <= set(
        table.columns
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a chatbot answering 30% more needs fewer paid hours at every staff-to level
    hours = table.groupby(["service.staff_to", "service.channels.*.deflection"])[
        "paid_hours"].sum()  # fmt: skip
    assert hours[("q50", 0.3)] < hours[("q50", 0.0)]
    assert hours[("q90", 0.3)] < hours[("q90", 0.0)]


def test_scenarios_keeps_an_existing_file_without_force(workspace):
    out = workspace / "taken.csv"
    out.write_text("keep me", encoding="utf-8")
    result = run("scenarios", "--example", "--vary", "service.staff_to=q50", "--out", str(out))
    assert result.exit_code == 2
    assert "--out" in result.output
    assert out.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vary", "service.staf_to=q50"), "unknown setting 'staf_to'"),
        (("--vary", "service.staff_to"), "expected KEY=V1,V2"),
        ((), "give the scenarios with --grid FILE or --vary"),
        (("--vary", "service.channels.*.deflection=2"), "deflection"),
    ],
)
def test_scenarios_bad_grid_is_a_usage_error(workspace, args, message):
    out = workspace / "bad.csv"
    result = run("scenarios", "--example", *args, "--out", str(out), "--quiet")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_grid_file_errors_name_the_file(workspace):
    grid = workspace / "broken.toml"
    grid.write_text("[grid\n", encoding="utf-8")
    result = run("scenarios", "--example", "--grid", str(grid), "--out", str(workspace / "x.csv"))
    assert result.exit_code == 2
    assert f"--grid {grid}: not valid TOML" in result.output
    grid.write_text('[sweep]\n"a.b" = [1]\n', encoding="utf-8")
    result = run("scenarios", "--example", "--grid", str(grid), "--out", str(workspace / "x.csv"))
    assert result.exit_code == 2
    assert "expected a [grid] table" in result.output
