"""End-to-end tests of ``staffing forecast`` (in-process, CliRunner)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffing.cli import main


def write_history(path, queues=("all",), days=21, negative_row=None) -> None:
    rng = np.random.default_rng(0)
    index = pd.date_range("2025-02-03", periods=days * 24, freq="h", tz="Europe/London")
    rate = 1.0 + 30.0 * np.exp(-0.5 * ((index.hour.to_numpy() - 12) / 3.0) ** 2)
    frames = []
    for queue in queues:
        counts = rng.poisson(rate)
        if negative_row is not None:
            counts[negative_row] = -3
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": [t.isoformat() for t in index],
                    "queue": queue,
                    "count": counts,
                }
            )
        )
    table = pd.concat(frames)
    if queues == ("all",):
        table = table.drop(columns="queue")
    table.to_csv(path, index=False)


def run(*args):
    return CliRunner().invoke(main, ["forecast", *map(str, args)])


def test_writes_the_forecast_csv(tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "forecast.csv"
    write_history(history)
    result = run(history, "--horizon-days", 2, "--model", "seasonal_naive_week", "--out", out)
    assert result.exit_code == 0, result.output
    assert "model seasonal_naive_week" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["interval_start", "queue", "volume", "q10", "q50", "q90"]
    assert len(table) == 48
    assert table["interval_start"].iloc[0] == "2025-02-24T00:00:00+00:00"
    assert (table["queue"] == "all").all()
    assert (table["q10"] <= table["q90"]).all()
    assert (table["volume"] >= 0).all()


def test_several_queues_get_a_queue_column_and_queue_selects_one(tmp_path):
    history = tmp_path / "history.csv"
    write_history(history, queues=("chat", "phone"))
    both, one = tmp_path / "both.csv", tmp_path / "one.csv"
    args = ["--horizon-days", 1, "--model", "seasonal_naive_day"]
    assert run(history, *args, "--out", both).exit_code == 0
    assert run(history, *args, "--queue", "phone", "--out", one).exit_code == 0
    table = pd.read_csv(both)
    assert list(table.columns[:2]) == ["interval_start", "queue"]
    assert table.groupby("queue").size().to_dict() == {"chat": 24, "phone": 24}
    assert set(pd.read_csv(one)["queue"]) == {"phone"}


def test_refuses_to_overwrite_without_force(tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "forecast.csv"
    write_history(history)
    out.write_text("keep me")
    args = [history, "--horizon-days", 1, "--model", "seasonal_naive_week", "--out", out]
    refused = run(*args)
    assert refused.exit_code != 0
    assert out.read_text() == "keep me"
    assert run(*args, "--force").exit_code == 0
    assert out.read_text().startswith("interval_start,queue,")


def test_standard_output_is_the_file_text(tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "forecast.csv"
    write_history(history)
    args = [history, "--horizon-days", 1, "--model", "seasonal_naive_week"]
    assert run(*args, "--out", out).exit_code == 0
    printed = run(*args)
    assert printed.exit_code == 0
    assert printed.stdout == out.read_text()


def test_gaps_in_the_history_are_listed_on_standard_error(tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "forecast.csv"
    write_history(history)
    table = pd.read_csv(history)
    # a 48-hour outage on 2025-02-10 (one missing block) and 12 single missing hours
    outage = table["timestamp"].str.startswith(("2025-02-10", "2025-02-11"))
    singles = table.index[24 * 14 + 2 : 24 * 14 + 2 + 24 : 2]
    table.loc[~outage & ~table.index.isin(singles)].to_csv(history, index=False)
    result = run(history, "--horizon-days", 1, "--model", "seasonal_naive_week", "--out", out)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "history: 13 gaps (unknown volume, not counted as zero):"
    assert lines[1] == ("  queue all 2025-02-10 00:00 to 2025-02-12 00:00 (48 intervals, missing)")
    assert lines[2] == "  queue all 2025-02-17 02:00 to 2025-02-17 03:00 (1 interval, missing)"
    assert lines[11] == "  and 3 more"
    assert not any(line.startswith("  queue") for line in lines[12:])
    assert "gap" not in result.stdout


def test_backtest_prints_the_metrics_table(tmp_path):
    history = tmp_path / "history.csv"
    write_history(history, days=28)
    result = run(history, "--backtest", "--model", "glm", "--origins", 2, "--horizon-hours", 24)
    assert result.exit_code == 0, result.output
    for word in ("model", "mase", "wape", "bias", "coverage_80", "glm", "seasonal_naive_week"):
        assert word in result.output


def test_example_runs(tmp_path):
    out = tmp_path / "example.csv"
    result = run("--example", "--queue", "email", "--model", "seasonal_naive_week", "--out", out)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["interval_start"].iloc[0].endswith("+00:00")


@pytest.mark.parametrize(
    ("setup", "code", "needle"),
    [
        ("negative", 1, "count"),
        ("short", 1, "history"),
        ("missing", 1, "nope.csv"),
    ],
)
def test_bad_input_is_one_line_without_traceback(tmp_path, setup, code, needle):
    history = tmp_path / "history.csv"
    if setup == "negative":
        write_history(history, negative_row=30)
    elif setup == "short":
        write_history(history, days=10)
    else:
        history = tmp_path / "nope.csv"
    result = run(history, "--model", "seasonal_naive_week", "--out", tmp_path / "f.csv")
    assert result.exit_code == code
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("staffing: error:")
    assert needle in lines[0]
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(tmp_path):
    assert run().exit_code == 2  # neither HISTORY nor --example
    assert run("--example", "--model", "prophet").exit_code == 2
    assert run("--example", "--quantiles", "a,b").exit_code == 2
