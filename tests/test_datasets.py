"""The bundled example and its generator."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from staffing.datasets import (
    EXAMPLE_FILE,
    QueueShape,
    generate_example,
    load_example,
    write_example,
)


def test_shipped_file_is_exactly_what_the_generator_writes(tmp_path):
    shipped = resources.files("staffing").joinpath("data", EXAMPLE_FILE).read_bytes()
    fresh = write_example(tmp_path / "example.csv.gz").read_bytes()
    assert gzip.decompress(shipped) == gzip.decompress(fresh)


def test_load_example_schema_and_time_zone():
    history = load_example()
    assert list(history.columns) == ["interval_start", "queue", "volume"]
    assert str(history["interval_start"].dt.tz) == "Europe/London"
    assert history["volume"].ge(0).all()
    assert not history.duplicated(["queue", "interval_start"]).any()


def test_generator_is_reproducible_and_seed_sensitive():
    a = generate_example("2025-06-02", "2025-06-08", seed=1)
    b = generate_example("2025-06-02", "2025-06-08", seed=1)
    c = generate_example("2025-06-02", "2025-06-08", seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a["volume"].equals(c["volume"])


@pytest.mark.parametrize(("day", "hours"), [("2025-03-30", 23), ("2025-10-26", 25)])
def test_summer_time_days_have_23_and_25_hours(day, hours):
    history = load_example()
    phone = history[history["queue"] == "phone"]
    local_days = phone["interval_start"].dt.strftime("%Y-%m-%d")
    assert (local_days == day).sum() == hours


def test_public_holiday_and_promotion_show_in_the_volume():
    phone = load_example().query("queue == 'phone'").set_index("interval_start")["volume"]
    daily = phone.groupby(phone.index.strftime("%Y-%m-%d")).sum()
    # 26 May 2025 is the Spring bank holiday in England (a Monday).
    ordinary_mondays = daily[[d for d in daily.index if pd.Timestamp(d).day_of_week == 0]]
    assert daily["2025-05-26"] < 0.3 * ordinary_mondays.median()
    # The promotion runs 14-16 October 2025 (Tuesday to Thursday) at 1.6 times the volume.
    promo = daily[["2025-10-14", "2025-10-15", "2025-10-16"]].sum()
    week_before = daily[["2025-10-07", "2025-10-08", "2025-10-09"]].sum()
    assert 1.4 < promo / week_before < 1.8


def test_expected_counts_follow_the_documented_rate():
    """Mean counts over many seeds converge to the model's rate for a plain weekday."""
    shape = QueueShape(peak_per_hour=100.0)
    draws = [
        generate_example(
            "2025-06-03",  # a Tuesday with no holiday
            "2025-06-03",
            queues={"q": shape},
            trend_per_year=0.0,
            day_noise=0.0,
            promotion_start=None,
            seed=s,
        )["volume"].to_numpy()
        for s in range(300)
    ]
    mean = np.mean(draws, axis=0)
    expected = 100.0 * shape.hour_shape(np.arange(24)) * shape.weekday_factors[1]
    assert np.allclose(mean, expected, rtol=0.05, atol=0.5)


def test_hour_shape_peaks_at_one_and_never_below_the_floor():
    shape = QueueShape(peak_per_hour=50.0, night_floor=0.02)
    values = shape.hour_shape(np.linspace(0, 23, 500))
    assert values.max() <= 1.0 + 1e-12
    assert values.min() >= 0.02


# ---------------------------------------------------------------------------- SyntheticHistory


def test_synthetic_queues_are_their_own_streams():
    from staffing.datasets import SyntheticHistory

    small = SyntheticHistory(n_queues=3, weeks=2, seed=5)
    large = SyntheticHistory(n_queues=50, weeks=2, seed=5)
    for queue in small.queues:
        pd.testing.assert_frame_equal(small.load(queue), large.load(queue))
    assert not small.load("q0000-phone")["volume"].equals(
        SyntheticHistory(n_queues=3, weeks=2, seed=6).load("q0000-phone")["volume"]
    )


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_synthetic_history_keeps_local_days_across_summer_time(minutes):
    from staffing.datasets import SyntheticHistory

    # 52 weeks to 9 Nov 2025: both changes of 2025 in Europe/London
    source = SyntheticHistory(n_queues=1, weeks=52, interval_minutes=minutes)
    frame = source.load("q0000-phone")
    per_day = frame.groupby(frame["interval_start"].dt.date).size()
    slots = 60 // minutes
    assert per_day[pd.Timestamp("2025-03-30").date()] == 23 * slots
    assert per_day[pd.Timestamp("2025-10-26").date()] == 25 * slots
    assert per_day.drop([pd.Timestamp(d).date() for d in ("2025-03-30", "2025-10-26")]).eq(
        24 * slots).all()  # fmt: skip
    assert len(per_day) == 52 * 7
    assert frame["volume"].ge(0).all()
    assert frame["volume"].sum() > 0
    # counts per hour do not depend on the grain: means agree within noise
    hourly = frame.set_index("interval_start")["volume"].resample("h").sum()
    assert hourly.mean() == pytest.approx(
        SyntheticHistory(n_queues=1, weeks=52).load("q0000-phone")["volume"].mean(), rel=0.05
    )


def test_synthetic_config_gives_each_queue_its_kinds_channel():
    from staffing.datasets import SyntheticHistory

    source = SyntheticHistory(n_queues=5, interval_minutes=30)
    config = source.config()
    assert list(config.service.channels) == source.queues
    assert config.service.channels["q0002-email"].kind == "deferred"
    assert config.service.channels["q0004-chat"].concurrency == 2
    assert config.roster.interval_minutes == 30
    assert config.blending is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_queues": 0}, "n_queues"),
        ({"weeks": 0}, "weeks"),
        ({"interval_minutes": 20}, "interval_minutes"),
    ],
)
def test_synthetic_history_refuses_bad_sizes(kwargs, message):
    from staffing.datasets import SyntheticHistory

    with pytest.raises(ValueError, match=message):
        SyntheticHistory(**kwargs)
    with pytest.raises(KeyError, match="no queue 'phone'"):
        SyntheticHistory(n_queues=2).load("phone")
