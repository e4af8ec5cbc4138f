"""The plan pipeline end to end on the bundled example, checked step against step."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.plan import OUTPUT_FILES, plan
from staffing.queueing import required_agents


@pytest.fixture(scope="module")
def result():
    return plan(load_example(), fast_config())


def test_forecast_continues_the_history(result):
    last = result.history["interval_start"].max()
    first = result.forecast["interval_start"].min()
    assert first == last + pd.Timedelta(1, unit="h")
    per_queue = result.forecast.groupby("queue").size()
    assert (per_queue == 7 * 24).all()
    assert {"volume", "q10", "q50", "q90"} <= set(result.forecast.columns)


def test_requirements_follow_the_queueing_model(result):
    phone = result.requirements.query("queue == 'phone' and open")
    channel = result.config.service.channels["phone"]
    business = phone[phone["target"].str.startswith("80% in 20 s")]
    expected = required_agents(
        business["volume_staffed"].to_numpy(),
        channel.aht_seconds,
        service_level=0.8,
        target_seconds=20,
        patience_seconds=channel.patience_seconds,
        max_occupancy=channel.max_occupancy,
        shrinkage=channel.shrinkage,
    )
    np.testing.assert_array_equal(business["scheduled"].to_numpy(), expected)


def test_closed_bands_need_nobody(result):
    phone = result.requirements.query("queue == 'phone'")
    local_hour = phone["interval_start"].dt.hour
    assert (phone.loc[local_hour < 7, "scheduled"] == 0).all()


def recompute_coverage(roster: pd.DataFrame, grid: pd.DatetimeIndex) -> np.ndarray:
    """Agents on duty at each interval start, from start/end/breaks alone.

    A cyclic roster may run past the end of the horizon; that part covers the start.
    """
    horizon = grid[-1] + (grid[1] - grid[0]) - grid[0]
    counts = np.zeros(len(grid), dtype=int)
    for row in roster.itertuples():
        breaks = [tuple(map(pd.Timestamp, b.split("/"))) for b in row.breaks.split(";") if b]
        start, end = pd.Timestamp(row.start), pd.Timestamp(row.end)
        for k, t in enumerate(grid):
            for when in (t, t + horizon):
                on = start <= when < end
                if on and not any(b0 <= when < b1 for b0, b1 in breaks):
                    counts[k] += row.agents
    return counts


def test_coverage_recomputed_from_roster_csv_matches(result, tmp_path):
    out = result.write(tmp_path / "plan")
    roster = pd.read_csv(out / "roster.csv", keep_default_na=False)
    coverage = pd.read_csv(out / "coverage.csv")
    coverage["interval_start"] = pd.to_datetime(coverage["interval_start"], utc=True)
    for queue in result.queues:
        own = roster[roster["queue"] == queue]
        cov = coverage[coverage["queue"] == queue]
        if own.empty:
            continue
        grid = pd.DatetimeIndex(cov["interval_start"])
        np.testing.assert_array_equal(recompute_coverage(own, grid), cov["scheduled"].to_numpy())
        shortfall = np.maximum(cov["required"] - cov["scheduled"], 0)
        np.testing.assert_array_equal(shortfall.to_numpy(), cov["shortfall"].to_numpy())
        needed = result.coverage[result.coverage["queue"] == queue]["required"].to_numpy()
        np.testing.assert_array_equal(cov["required"].to_numpy(), needed)


def test_roster_requirement_is_the_queue_total_of_scheduled_agents(result):
    for queue in result.queues:
        needed = (
            result.requirements[result.requirements["queue"] == queue]
            .groupby("interval_start")["scheduled"]
            .sum()
        )
        coverage = result.coverage[result.coverage["queue"] == queue].set_index("interval_start")
        np.testing.assert_array_equal(
            coverage["required"].to_numpy(), needed.reindex(coverage.index).to_numpy()
        )


def test_live_queues_are_simulated_and_deferred_work_is_not(result):
    simulated = set(result.simulation["queue"])
    assert simulated == {"phone", "chat"}
    phone = result.simulation.query("queue == 'phone' and offered > 0")
    assert phone["service_level"].between(0, 1).all()


def test_summary_numbers_agree_with_the_frames(result):
    summary = result.summary()
    phone = summary["queues"]["phone"]
    coverage = result.coverage.query("queue == 'phone'")
    assert phone["required_agent_hours"] == pytest.approx(coverage["required"].sum())
    assert phone["scheduled_agent_hours"] == pytest.approx(coverage["scheduled"].sum())
    assert phone["forecast_contacts"] == pytest.approx(
        result.forecast.query("queue == 'phone'")["volume"].sum(), abs=0.1
    )
    json.dumps(summary)  # JSON-ready


def test_write_creates_every_file_and_refuses_to_overwrite(result, tmp_path):
    out = result.write(tmp_path / "plan")
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    with pytest.raises(FileExistsError, match="--force"):
        result.write(out)
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"keep\.txt"):
        result.write(out, force=True)
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    result.write(out, force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


def test_forecast_csv_has_offsets_and_reads_back(result, tmp_path):
    out = result.write(tmp_path / "plan")
    text = (out / "forecast.csv").read_text().splitlines()
    assert text[0].startswith("interval_start,queue,volume")
    assert text[1].split(",")[0].endswith("+00:00")
    back = pd.read_csv(out / "forecast.csv")
    stamps = pd.to_datetime(back["interval_start"], utc=True)
    expected = result.forecast["interval_start"].dt.tz_convert("UTC").reset_index(drop=True)
    pd.testing.assert_series_equal(stamps, expected, check_names=False)


def test_plots_return_axes(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for draw in (
        result.plot_forecast,
        result.plot_coverage,
        result.plot_roster,
        result.plot_service_level,
    ):
        ax = draw("phone")
        assert ax.has_data()
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="not simulated"):
        result.plot_service_level("email")


def phone_only_config(tz: str, country: str):
    """The fast example configuration with one phone queue in another zone and country."""
    config = fast_config()
    calendar = config.service.calendar.model_copy(update={"country": country, "subdiv": None})
    service = config.service.model_copy(
        update={"channels": {"phone": config.service.channels["phone"]}, "calendar": calendar}
    )
    return config.model_copy(
        update={
            "history": config.history.model_copy(update={"tz": tz}),
            "forecast": config.forecast.model_copy(
                update={"country": country, "subdiv": None, "events": []}
            ),
            "service": service,
        }
    )


def hourly_history(tz: str, end: str, rate_busy: float, rate_quiet: float) -> pd.DataFrame:
    index = pd.date_range(pd.Timestamp(end) - pd.Timedelta(28, unit="D"), end, freq="h", tz=tz)
    busy = (index.hour >= 8) & (index.hour < 20)
    volume = np.random.default_rng(7).poisson(np.where(busy, rate_busy, rate_quiet))
    return pd.DataFrame({"interval_start": index, "queue": "phone", "volume": volume})


@pytest.mark.parametrize(
    ("tz", "country", "change"),
    [("Europe/London", "GB", "2025-10-26"), ("America/New_York", "US", "2025-11-02")],
)
def test_a_plan_week_with_an_autumn_clock_change_has_a_25_hour_day(tz, country, change):
    end = pd.Timestamp(change) - pd.Timedelta(3, unit="D")
    config = phone_only_config(tz, country)
    # the week right after the history (Thursday 01:00), which holds the change
    forecast = config.forecast.model_copy(update={"first_day": "next"})
    result = plan(
        hourly_history(tz, str(end), 30, 2), config.model_copy(update={"forecast": forecast})
    )
    local = result.simulation["interval_start"].dt.tz_convert(tz)
    day = local[local.dt.strftime("%Y-%m-%d") == change]
    assert len(day) == 25
    assert day.dt.hour.value_counts()[1] == 2  # the repeated hour, once per offset
    assert result.simulation["agents"].sum() > 0


def test_an_all_zero_history_plans_nobody():
    history = hourly_history("Europe/London", "2025-06-01", 0, 0)
    result = plan(history, phone_only_config("Europe/London", "GB"))
    assert (result.forecast.filter(regex=r"^(volume|q\d+)$").to_numpy() == 0).all()
    assert (result.requirements["scheduled"] == 0).all()
    assert result.summary()["totals"]["paid_hours"] == 0
