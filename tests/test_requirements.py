"""Tests of staffing.requirements: targets as planners state them -> agents per interval."""

from __future__ import annotations

import math
import tomllib
from datetime import date
from pathlib import Path

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from staffing import queueing
from staffing.datasets import load_example_config
from staffing.errors import ConfigError, DataError, InfeasibleError
from staffing.requirements import (
    Band,
    Channel,
    ServiceTargets,
    Target,
    config_error_from_validation,
    parse_target,
    requirements,
    total_requirements,
)

TZ = "Europe/London"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# --------------------------------------------------------------------------------------------
# An obviously correct reference: Erlang C by its textbook sum, in high precision.
# --------------------------------------------------------------------------------------------


def reference_erlang_c_service_level(calls, aht, minutes, agents, within):
    """P(wait <= within) in M/M/N, from the textbook formula with mpmath factorials."""
    mpmath.mp.dps = 40
    a = mpmath.mpf(calls) * aht / (minutes * 60)
    n = agents
    if n <= a:
        return 0.0
    top = a**n / mpmath.factorial(n) * n / (n - a)
    bottom = sum(a**k / mpmath.factorial(k) for k in range(n)) + top
    wait = top / bottom
    return float(1 - wait * mpmath.exp(-(n - a) * mpmath.mpf(within) / aht))


def reference_agents(calls, aht, minutes, level, within):
    """Smallest N whose Erlang C service level reaches ``level`` (linear search)."""
    if calls == 0:
        return 0
    n = 1
    while reference_erlang_c_service_level(calls, aht, minutes, n, within) < level:
        n += 1
    return n


def hourly(start, periods, volumes, queue="phone", column="q50", tz=TZ):
    stamps = pd.date_range(start, periods=periods, freq="h", tz=tz)
    return pd.DataFrame({"interval_start": stamps, "queue": queue, column: volumes})


# --------------------------------------------------------------------------------------------
# Targets as planners write them
# --------------------------------------------------------------------------------------------


def test_parse_target_planner_string():
    assert parse_target("80/20") == {"service_level": 0.8, "within_seconds": 20.0}
    assert parse_target(" 90% / 300s ") == {"service_level": 0.9, "within_seconds": 300.0}
    with pytest.raises(ValueError, match="X/Y"):
        parse_target("eighty")


def test_target_forms_and_descriptions():
    assert Target.model_validate("80/20") == Target(service_level=0.8, within_seconds=20)
    assert Target(asa_seconds=30, max_occupancy=0.85).describe() == "ASA 30 s, occupancy <= 85%"
    assert Target(response_minutes=90).response_seconds == 5400.0
    assert Target(response_hours=24).is_deferred


def test_known_answer_100_calls_30_min_through_channel():
    """100 calls in 30 minutes, AHT 180 s, 80/20: 14 agents (a standard textbook case)."""
    assert reference_agents(100, 180, 30, 0.8, 20) == 14
    forecast = hourly("2025-06-02 09:00", 1, [100.0])
    table = requirements(
        forecast, {"phone": Channel(aht_seconds=180, target="80/20")}, interval_minutes=30
    )
    assert table["agents"].tolist() == [14]
    assert table["service_level"].iloc[0] == pytest.approx(
        reference_erlang_c_service_level(100, 180, 30, 14, 20), abs=1e-9
    )


def test_flat_target_reproduces_queueing_exactly():
    rng = np.random.default_rng(7)
    volumes = rng.gamma(2.0, 40.0, size=48).round(1)
    volumes[[3, 10]] = 0.0
    forecast = hourly("2025-06-02 00:00", 48, volumes)
    channel = Channel(
        aht_seconds=270, patience_seconds=150, target="80/20", shrinkage=0.3, max_occupancy=0.9
    )
    table = requirements(forecast, {"phone": channel})
    expected = queueing.required_agents(
        volumes,
        270,
        interval_minutes=60,
        service_level=0.8,
        target_seconds=20,
        max_occupancy=0.9,
        shrinkage=0.3,
        patience_seconds=150,
    )
    assert table["scheduled"].tolist() == np.asarray(expected).tolist()
    on_phone = queueing.required_agents(
        volumes,
        270,
        interval_minutes=60,
        service_level=0.8,
        target_seconds=20,
        max_occupancy=0.9,
        patience_seconds=150,
    )
    assert table["agents"].tolist() == np.asarray(on_phone).tolist()
    assert (table["tier"] == "all").all()
    assert (table["target"] == "80% in 20 s").all()


def test_erlang_c_agents_match_independent_reference():
    volumes = [0.0, 12.0, 55.5, 140.0, 310.0]
    forecast = hourly("2025-06-02 09:00", len(volumes), volumes)
    table = requirements(forecast, {"phone": {"aht_seconds": 240, "target": "90/15"}})
    assert table["agents"].tolist() == [reference_agents(v, 240, 60, 0.9, 15) for v in volumes]


def test_asa_target_and_chat_concurrency_follow_queueing():
    volumes = np.array([20.0, 80.0, 160.0])
    forecast = hourly("2025-06-02 09:00", 3, volumes, queue="chat")
    chat = Channel(aht_seconds=600, concurrency=2, target={"asa_seconds": 45})
    table = requirements(forecast, {"chat": chat})
    expected = queueing.required_agents(volumes, 600, asa_seconds=45, concurrency=2)
    assert table["agents"].tolist() == np.asarray(expected).tolist()


# --------------------------------------------------------------------------------------------
# Bands and day types
# --------------------------------------------------------------------------------------------


PHONE_BANDS = {
    "aht_seconds": 240,
    "target": "60/60",
    "bands": [
        {"days": ["weekday"], "start": "08:00", "end": "20:00", "target": "80/20"},
        {"days": ["all"], "start": "01:00", "end": "02:00", "target": "50/120"},
    ],
}


@pytest.mark.parametrize(
    ("day", "hours_in_band"),
    [("2025-03-30", 0), ("2025-10-26", 2), ("2025-06-15", 1)],  # spring, fall back, ordinary
)
def test_bands_follow_local_wall_clock_across_dst(day, hours_in_band):
    first = pd.Timestamp(day).tz_localize(TZ)
    stamps = pd.date_range(first, first + pd.Timedelta(1, unit="D"), freq="h", inclusive="left")
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": 40.0})
    table = requirements(forecast, {"phone": PHONE_BANDS})
    assert len(table) == len(stamps)
    assert (table["target"] == "50% in 120 s").sum() == hours_in_band
    # 01:00 local in both the summer-time and the winter-time hour of the fall-back day
    local = [t.strftime("%H:%M") for t in table["interval_start"]]
    in_band = [h for h, tgt in zip(local, table["target"], strict=True) if tgt.startswith("50%")]
    assert set(in_band) <= {"01:00"}


def test_weekday_band_uses_local_time_not_utc():
    # 2025-06-02 is a Monday; 07:00 UTC is 08:00 in London (summer time)
    stamps = pd.DatetimeIndex(
        ["2025-06-02 06:00", "2025-06-02 07:00", "2025-06-02 19:00"], tz="UTC"
    ).tz_convert(TZ)
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": 40.0})
    table = requirements(forecast, {"phone": PHONE_BANDS}, interval_minutes=60)
    assert table["target"].tolist() == ["60% in 60 s", "80% in 20 s", "60% in 60 s"]


def test_public_holiday_band_and_weekend_days():
    # Monday 26 May 2025 is the spring bank holiday in England; Friday 30 May is ordinary
    phone = {
        "aht_seconds": 240,
        "target": "60/60",
        "bands": [
            {"days": ["holiday"], "target": "70/60"},
            {"days": ["weekday"], "start": "08:00", "end": "20:00", "target": "80/20"},
            {"days": ["weekend"], "start": "08:00", "end": "20:00", "target": "75/30"},
        ],
    }
    stamps = pd.DatetimeIndex(
        ["2025-05-26 10:00", "2025-05-27 10:00", "2025-05-30 10:00", "2025-05-31 10:00"],
        tz=TZ,
    )
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": 40.0})
    table = requirements(
        forecast, {"phone": phone}, country="GB", subdiv="ENG", interval_minutes=60
    )
    assert table["target"].tolist() == ["70% in 60 s", "80% in 20 s", "80% in 20 s", "75% in 30 s"]
    # without the holiday calendar the bank holiday is an ordinary Monday
    plain = requirements(forecast, {"phone": phone}, interval_minutes=60)
    assert plain["target"].iloc[0] == "80% in 20 s"
    # an extra holiday date, and a Friday-Saturday weekend
    other = requirements(
        forecast,
        {"phone": phone},
        interval_minutes=60,
        weekend=("fri", "sat"),
        extra_holidays=[date(2025, 5, 27)],
    )
    assert other["target"].tolist() == ["80% in 20 s", "70% in 60 s", "75% in 30 s", "75% in 30 s"]


def test_holiday_is_ordinary_day_when_no_band_names_it():
    phone = {
        "aht_seconds": 240,
        "target": "60/60",
        "bands": [{"days": ["mon"], "start": "08:00", "end": "20:00", "target": "80/20"}],
    }
    forecast = hourly("2025-05-26 10:00", 1, [40.0])
    table = requirements(
        forecast, {"phone": phone}, country="GB", subdiv="ENG", interval_minutes=60
    )
    assert table["target"].tolist() == ["80% in 20 s"]


def test_first_matching_band_wins():
    phone = {
        "aht_seconds": 240,
        "target": "60/60",
        "bands": [
            {"days": ["mon"], "start": "09:00", "end": "10:00", "target": "90/10"},
            {"days": ["weekday"], "start": "08:00", "end": "20:00", "target": "80/20"},
        ],
    }
    forecast = hourly("2025-06-02 08:00", 3, [40.0, 40.0, 40.0])
    table = requirements(forecast, {"phone": phone})
    assert table["target"].tolist() == ["80% in 20 s", "90% in 10 s", "80% in 20 s"]


def test_closed_band_has_no_staff_and_no_performance():
    phone = {
        "aht_seconds": 240,
        "target": "80/20",
        "bands": [{"start": "00:00", "end": "07:00", "closed": True}],
    }
    forecast = hourly("2025-06-02 05:00", 4, [5.0, 5.0, 40.0, 40.0])
    table = requirements(forecast, {"phone": phone})
    assert table["open"].tolist() == [False, False, True, True]
    assert table["scheduled"].tolist()[:2] == [0, 0]
    assert table["service_level"].iloc[:2].isna().all()
    assert (table["agents"].iloc[2:] > 0).all()


# --------------------------------------------------------------------------------------------
# Tiers, deflection, shrinkage, quantiles
# --------------------------------------------------------------------------------------------


def test_tiers_split_volume_exactly_and_are_staffed_separately():
    tiers = [
        {"name": "P1", "share": 0.1, "target": {"service_level": 0.9, "within_seconds": 300}},
        {"name": "P2", "share": 0.3, "target": {"service_level": 0.8, "within_seconds": 900}},
        {"name": "P3", "share": 0.6, "target": "80/3600"},
    ]
    volumes = np.array([30.0, 120.0, 75.5])
    forecast = hourly("2025-06-02 09:00", 3, volumes, queue="tickets")
    table = requirements(forecast, {"tickets": {"aht_seconds": 600, "tiers": tiers}})
    assert table["tier"].unique().tolist() == ["P1", "P2", "P3"]
    by_time = table.groupby("interval_start")["volume_staffed"].sum().to_numpy()
    np.testing.assert_allclose(by_time, volumes, rtol=1e-12)
    for tier in tiers:
        rows = table[table["tier"] == tier["name"]]
        np.testing.assert_allclose(rows["volume_staffed"], volumes * tier["share"], rtol=1e-12)
        target = Target.model_validate(tier["target"])
        expected = queueing.required_agents(
            volumes * tier["share"],
            600,
            service_level=target.service_level,
            target_seconds=target.within_seconds,
        )
        assert rows["agents"].tolist() == np.asarray(expected).tolist()
    total = total_requirements(table)
    assert (
        total["required"].tolist() == table.groupby("interval_start")["scheduled"].sum().tolist()
    )


def test_deflection_scales_volume_and_what_if_overrides():
    volumes = np.array([100.0, 60.0])
    forecast = hourly("2025-06-02 09:00", 2, volumes, queue="chat")
    chat = Channel(aht_seconds=480, concurrency=2, target="80/120", deflection=0.15)
    table = requirements(forecast, {"chat": chat})
    np.testing.assert_allclose(table["volume_staffed"], volumes * 0.85)
    np.testing.assert_allclose(table["volume_forecast"], volumes)
    expected = queueing.required_agents(
        volumes * 0.85, 480, service_level=0.8, target_seconds=120, concurrency=2
    )
    assert table["agents"].tolist() == np.asarray(expected).tolist()
    what_if = requirements(forecast, {"chat": chat}, deflection={"chat": 0.4})
    np.testing.assert_allclose(what_if["volume_staffed"], volumes * 0.6)
    assert (what_if["agents"] <= table["agents"]).all()


def test_shrinkage_by_band_and_override():
    phone = {
        "aht_seconds": 240,
        "target": "80/20",
        "shrinkage": 0.3,
        "bands": [{"start": "20:00", "end": "24:00", "shrinkage": 0.45}],
    }
    volumes = np.array([90.0, 90.0])
    forecast = hourly("2025-06-02 19:00", 2, volumes)
    table = requirements(forecast, {"phone": phone})
    assert table["shrinkage"].tolist() == [0.3, 0.45]
    for row, shrink in zip(table.itertuples(), [0.3, 0.45], strict=True):
        expected = queueing.required_agents(
            90.0, 240, service_level=0.8, target_seconds=20, shrinkage=shrink
        )
        assert row.scheduled == int(np.asarray(expected))
        assert row.scheduled >= math.ceil(row.agents / (1 - shrink) - 1e-9)
    flat = requirements(forecast, {"phone": phone}, shrinkage=0.1)
    assert flat["shrinkage"].tolist() == [0.1, 0.1]


def test_occupancy_cap_override_binds():
    forecast = hourly("2025-06-02 09:00", 1, [500.0])
    phone = {"aht_seconds": 300, "target": "50/600"}
    loose = requirements(forecast, {"phone": phone}, interval_minutes=60)
    capped = requirements(forecast, {"phone": phone}, max_occupancy=0.7, interval_minutes=60)
    load = 500 * 300 / 3600
    assert capped["agents"].iloc[0] == math.ceil(load / 0.7)
    assert capped["agents"].iloc[0] > loose["agents"].iloc[0]
    assert capped["target"].iloc[0] == "50% in 600 s, occupancy <= 70%"


def test_quantile_choice_is_monotone():
    rng = np.random.default_rng(3)
    q50 = rng.gamma(3.0, 30.0, size=24)
    forecast = hourly("2025-06-02 00:00", 24, q50)
    forecast["q90"] = q50 * rng.uniform(1.0, 1.6, size=24)
    forecast["volume"] = q50
    channels = {"phone": {"aht_seconds": 240, "target": "80/20", "shrinkage": 0.3}}
    low = requirements(forecast, channels, staff_to="q50")
    high = requirements(forecast, channels, staff_to="q90")
    assert (high["scheduled"] >= low["scheduled"]).all()
    assert (high["scheduled"] > low["scheduled"]).any()
    np.testing.assert_allclose(high["volume_staffed"], forecast["q90"])
    with pytest.raises(ValueError, match=r"staff_to: forecast has no column 'q80'"):
        requirements(forecast, channels, staff_to="q80")


def test_interval_start_as_index_and_multiple_queues():
    forecast = pd.concat(
        [
            hourly("2025-06-02 09:00", 2, [50.0, 70.0]),
            hourly("2025-06-02 09:00", 2, [10.0, 20.0], queue="chat"),
        ]
    )
    channels = {
        "phone": {"aht_seconds": 240, "target": "80/20"},
        "chat": {"aht_seconds": 480, "concurrency": 2, "target": "80/120"},
    }
    by_column = requirements(forecast, channels)
    by_index = requirements(forecast.set_index("interval_start"), channels)
    pd.testing.assert_frame_equal(by_column, by_index)
    total = total_requirements(by_column)
    assert total["required"].tolist() == [
        by_column.loc[by_column["interval_start"] == t, "scheduled"].sum()
        for t in total["interval_start"]
    ]


# --------------------------------------------------------------------------------------------
# Deferred work
# --------------------------------------------------------------------------------------------


def replay_deferred(volumes, agents, aht, minutes):
    """FIFO fluid replay; items of interval i are workable from interval i + 1.

    Returns the number of the interval by whose end each interval's arrivals are all answered
    (``inf`` when some are left at the end of the horizon).
    """
    per_agent = minutes * 60.0 / aht
    waiting: list[list[float]] = []  # [arrival interval, items left]
    finished = {}
    for i, (items, staff) in enumerate(zip(volumes, agents, strict=True)):
        capacity = staff * per_agent
        while waiting and capacity > 1e-9:
            take = min(capacity, waiting[0][1])
            waiting[0][1] -= take
            capacity -= take
            if waiting[0][1] <= 1e-9:
                finished[waiting.pop(0)[0]] = i
        if items > 0:
            waiting.append([i, float(items)])
        else:
            finished[i] = i
    for cohort, _ in waiting:
        finished[cohort] = math.inf
    return finished


@pytest.mark.parametrize("closed_at_night", [False, True])
def test_deferred_channel_meets_deadlines_in_replay(closed_at_night):
    rng = np.random.default_rng(11)
    hours, response_hours = 96, 24
    volumes = rng.poisson(25.0, size=hours).astype(float)
    forecast = hourly("2025-06-02 00:00", hours, volumes, queue="email")
    bands = [{"start": "00:00", "end": "07:00", "closed": True}] if closed_at_night else []
    email = {
        "aht_seconds": 420,
        "target": {"response_hours": response_hours},
        "shrinkage": 0.25,
        "bands": bands,
    }
    table = requirements(forecast, {"email": email})
    assert (table["agents"][~table["open"]] == 0).all()
    assert (table["open"].sum() == hours * 17 / 24) if closed_at_night else table["open"].all()
    finished = replay_deferred(volumes, table["agents"].to_numpy(), 420, 60)
    for cohort, done in finished.items():
        deadline = cohort + response_hours - 1  # due by the end of this interval
        if deadline < hours:
            assert done <= deadline, (cohort, done, deadline)
    expected = queueing.scheduled_agents(table["agents"].to_numpy(), 0.25)
    assert table["scheduled"].tolist() == np.asarray(expected).tolist()


def test_deferred_errors_name_the_key():
    forecast = hourly("2025-06-02 00:00", 48, np.full(48, 10.0), queue="email")
    email = {
        "aht_seconds": 420,
        "target": {"response_hours": 4},
        "bands": [{"start": "00:00", "end": "07:00", "closed": True}],
    }
    with pytest.raises(InfeasibleError, match=r"^channels\.email\.target: "):
        requirements(forecast, {"email": email})
    short = {
        "aht_seconds": 420,
        "kind": "deferred",
        "tiers": [
            {"name": "P1", "share": 0.5, "target": {"response_minutes": 60}},
            {"name": "P2", "share": 0.5, "target": {"response_hours": 8}},
        ],
    }
    with pytest.raises(ConfigError, match=r"^channels\.email\.tiers\[0\]\.target: .*two"):
        requirements(forecast, {"email": short})


def test_max_abandonment_adds_agents_until_met():
    volumes = np.array([60.0, 200.0, 400.0])
    forecast = hourly("2025-06-02 09:00", 3, volumes)
    base = {"aht_seconds": 300, "patience_seconds": 60}
    loose = requirements(forecast, {"phone": {**base, "target": "50/60"}})
    strict = requirements(
        forecast,
        {
            "phone": {
                **base,
                "target": {"service_level": 0.5, "within_seconds": 60, "max_abandonment": 0.01},
            }
        },
    )
    assert (strict["abandonment"] <= 0.01).all()
    assert (strict["agents"] >= loose["agents"]).all()
    fewer = queueing.abandonment(
        volumes, 300, strict["agents"].to_numpy() - 1, patience_seconds=60
    )
    assert (np.asarray(fewer) > 0.01).any()
    check = queueing.service_level(
        volumes, 300, strict["agents"].to_numpy(), 60, patience_seconds=60
    )
    np.testing.assert_allclose(strict["service_level"], check, rtol=1e-12)


def test_deferred_tiers_are_pooled_and_meet_every_deadline():
    volumes = np.where((np.arange(48) % 24 >= 8) & (np.arange(48) % 24 < 18), 30.0, 2.0)
    forecast = hourly("2025-06-02 00:00", 48, volumes, queue="email")
    tiers = [("P1", 0.1, 2), ("P2", 0.3, 4), ("P3", 0.6, 24)]
    email = {
        "aht_seconds": 420,
        "kind": "deferred",
        "tiers": [
            {"name": name, "share": share, "target": {"response_hours": hours}}
            for name, share, hours in tiers
        ],
    }
    table = requirements(forecast, {"email": email})
    assert len(table) == 48
    assert (table["tier"] == "P1+P2+P3").all()
    np.testing.assert_allclose(table["volume_staffed"], volumes)
    assert table["target"].iloc[0] == "P1 response 2 h; P2 response 4 h; P3 response 24 h"
    assert table["service_level"].isna().all()
    # replay: one team works every tier's items earliest deadline first
    per_agent = 3600 / 420
    lots, late = [], 0.0
    for j, agents in enumerate(table["agents"].to_numpy()):
        capacity = agents * per_agent
        for lot in sorted(lots):
            take = min(capacity, lot[1])
            lot[1] -= take
            capacity -= take
        late = max([late] + [items for due, items in lots if due <= j])
        lots = [lot for lot in lots if lot[1] > 1e-9]
        lots += [[j + hours - 1, volumes[j] * share] for _, share, hours in tiers]
    assert late <= 1e-6
    separate = sum(
        queueing.deferred_agents(volumes * share, 420, hours * 3600) for _, share, hours in tiers
    )
    assert table["agents"].sum() < separate.sum()


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    volume=st.floats(0.0, 400.0, allow_subnormal=False),
    extra=st.floats(0.0, 200.0, allow_subnormal=False),
    aht=st.floats(60.0, 900.0),
    level=st.floats(0.5, 0.95),
    within=st.floats(5.0, 120.0),
)
def test_more_volume_never_fewer_agents(volume, extra, aht, level, within):
    forecast = hourly("2025-06-02 09:00", 2, [volume, volume + extra])
    channel = {
        "phone": {"aht_seconds": aht, "target": {"service_level": level, "within_seconds": within}}
    }
    table = requirements(forecast, channel)
    assert table["agents"].iloc[1] >= table["agents"].iloc[0]
    assert table["scheduled"].iloc[1] >= table["scheduled"].iloc[0]
    met = table["service_level"].dropna()
    assert (met >= level - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(
    volume=st.floats(1.0, 400.0),
    aht=st.floats(60.0, 900.0),
    level=st.floats(0.3, 0.9),
    step=st.floats(0.0, 0.09),
    patience=st.one_of(st.none(), st.floats(30.0, 600.0)),
)
def test_higher_service_level_never_fewer_agents(volume, aht, level, step, patience):
    forecast = hourly("2025-06-02 09:00", 1, [volume])

    def agents(sl):
        channel = {
            "aht_seconds": aht,
            "patience_seconds": patience,
            "target": {"service_level": sl, "within_seconds": 20},
        }
        table = requirements(forecast, {"phone": channel}, interval_minutes=60)
        return table["agents"].iloc[0]

    assert agents(level + step) >= agents(level)


# --------------------------------------------------------------------------------------------
# Configuration errors name the key
# --------------------------------------------------------------------------------------------


BASE = {"aht_seconds": 240, "target": "80/20"}


@pytest.mark.parametrize(
    ("channel", "key", "words"),
    [
        ({"aht_seconds": 240, "target": "100/0"}, "channels.phone.target", "below 100%"),
        (
            {"aht_seconds": 240, "target": {"service_level": 1.0, "within_seconds": 20}},
            "channels.phone.target.service_level",
            "less than 1",
        ),
        (
            {"aht_seconds": 240, "target": {"service_level": 0.8, "within_seconds": -5}},
            "channels.phone.target.within_seconds",
            "-5",
        ),
        (
            {"aht_seconds": 240, "target": {"service_level": 0.8}},
            "channels.phone.target",
            "together",
        ),
        (
            {"aht_seconds": 240, "target": {"asa_seconds": 20, "response_hours": 2}},
            "channels.phone.target",
            "exactly one",
        ),
        (
            {**BASE, "bands": [{"start": "08:00"}, {"start": "25:00"}]},
            "channels.phone.bands[1].start",
            "expected HH:MM, got '25:00'",
        ),
        (
            {**BASE, "bands": [{"days": ["mon", "funday"]}]},
            "channels.phone.bands[0].days[1]",
            "funday",
        ),
        (
            {**BASE, "bands": [{"start": "20:00", "end": "06:00"}]},
            "channels.phone.bands[0]",
            "crosses midnight",
        ),
        (
            {
                "aht_seconds": 240,
                "tiers": [
                    {"name": "P1", "share": 0.5, "target": "80/20"},
                    {"name": "P2", "share": 0.4, "target": "80/60"},
                ],
            },
            "channels.phone.tiers",
            "sum to 1",
        ),
        ({**BASE, "colour": "red"}, "channels.phone.colour", "unknown key"),
        ({"target": "80/20"}, "channels.phone.aht_seconds", "missing"),
        ({"aht_seconds": 240}, "channels.phone", "expected a target"),
        ({**BASE, "deflection": 1.0}, "channels.phone.deflection", "less than 1"),
        ({**BASE, "kind": "voice", "concurrency": 2}, "channels.phone", "concurrency"),
        (
            {"aht_seconds": 240, "target": {"response_hours": 4}, "kind": "voice"},
            "channels.phone",
            "deferred",
        ),
        (
            {
                "aht_seconds": 240,
                "target": {"service_level": 0.8, "within_seconds": 20, "max_abandonment": 0.05},
            },
            "channels.phone",
            "patience_seconds",
        ),
    ],
)
def test_config_errors_name_the_key(channel, key, words):
    forecast = hourly("2025-06-02 09:00", 2, [10.0, 10.0])
    with pytest.raises(ConfigError) as caught:
        requirements(forecast, {"phone": channel})
    message = str(caught.value)
    assert message.startswith(key + ":"), message
    assert words in message
    assert "\n" not in message


def test_config_error_helper_names_source():
    with pytest.raises(ValidationError) as caught:
        ServiceTargets.model_validate({"channels": {"phone": {**BASE, "shrinkage": 1.5}}})
    error = config_error_from_validation(caught.value, "plan.toml")
    assert isinstance(error, ConfigError)
    assert str(error).startswith("plan.toml: channels.phone.shrinkage: ")
    assert error.exit_code == 2


def test_calendar_errors():
    forecast = hourly("2025-06-02 09:00", 2, [10.0, 10.0])
    with pytest.raises(ConfigError, match=r"^weekend\[0\]: .*'saturday'"):
        requirements(forecast, {"phone": BASE}, weekend=["saturday"])
    with pytest.raises(ConfigError, match="country 'XX'"):
        requirements(forecast, {"phone": BASE}, country="XX")


def test_data_and_argument_errors():
    forecast = hourly("2025-06-02 09:00", 2, [10.0, 10.0])
    with pytest.raises(ConfigError, match="no channel for queue 'phone'"):
        requirements(forecast, {"chat": BASE})
    naive = forecast.assign(interval_start=forecast["interval_start"].dt.tz_localize(None))
    with pytest.raises(DataError, match="tz-aware"):
        requirements(naive, {"phone": BASE})
    with pytest.raises(DataError, match=r"column 'q50', row 1"):
        requirements(forecast.assign(q50=[1.0, -2.0]), {"phone": BASE})
    with pytest.raises(DataError, match="duplicated"):
        requirements(pd.concat([forecast, forecast]), {"phone": BASE})
    with pytest.raises(DataError, match="'queue'"):
        requirements(forecast.drop(columns="queue"), {"phone": BASE})
    with pytest.raises(ValueError, match=r"shrinkage: expected a fraction"):
        requirements(forecast, {"phone": BASE}, shrinkage=1.2)
    with pytest.raises(ValueError, match="interval_minutes"):
        requirements(forecast.iloc[:1], {"phone": BASE})
    with pytest.raises(ValueError, match="missing column 'scheduled'"):
        total_requirements(forecast)


def test_band_model_properties():
    band = Band(days="weekend", start="20:00", end="24:00")
    assert (band.days, band.start_minute, band.end_minute) == (("weekend",), 1200, 1440)


# --------------------------------------------------------------------------------------------
# The shipped example configuration and the real data
# --------------------------------------------------------------------------------------------


def test_example_plan_service_section_validates_and_runs():
    service = ServiceTargets.model_validate(tomllib.loads(load_example_config())["service"])
    first = pd.Timestamp("2025-11-10").tz_localize(TZ)
    stamps = pd.date_range(first, periods=96, freq="30min")  # P1 e-mail: 60 min = 2 intervals
    forecast = pd.concat(
        [
            pd.DataFrame({"interval_start": stamps, "queue": q, "q50": 20.0})
            for q in service.channels
        ]
    )
    cal = service.calendar
    table = requirements(
        forecast,
        service,
        staff_to=service.staff_to,
        country=cal.country,
        subdiv=cal.subdiv,
        weekend=cal.weekend,
    )
    assert set(table["queue"]) == set(service.channels)
    assert (total_requirements(table)["required"] >= 0).all()


@pytest.mark.realdata
@pytest.mark.skipif(not DATA.exists(), reason="real data folder absent")
def test_real_bank_data_weekend_and_holidays():
    raw = pd.read_csv(DATA / "anonymous_bank_1999h1.hourly.csv")
    stamps = pd.to_datetime(raw["timestamp"]).dt.tz_localize(
        "Asia/Jerusalem", nonexistent="shift_forward", ambiguous="NaT"
    )
    frame = pd.DataFrame({"interval_start": stamps, "queue": "phone", "volume": raw["count"]})
    frame = frame.dropna().drop_duplicates(["interval_start"])
    week = (frame["interval_start"] >= pd.Timestamp("1999-03-28", tz="Asia/Jerusalem")) & (
        frame["interval_start"] < pd.Timestamp("1999-04-05", tz="Asia/Jerusalem")
    )
    frame = frame[week]
    phone = {
        "aht_seconds": 200,
        "target": "60/60",
        "bands": [
            {"days": ["holiday"], "closed": True},
            {"days": ["weekday"], "start": "07:00", "end": "24:00", "target": "80/20"},
        ],
    }
    table = requirements(
        frame,
        {"phone": phone},
        staff_to="volume",
        country="IL",
        weekend=("fri", "sat"),
        interval_minutes=60,
    )
    day = table["interval_start"].dt.date
    assert not table.loc[day == date(1999, 4, 1), "open"].any()  # Pesach
    assert table.loc[day == date(1999, 3, 30), "target"].str.startswith("80%").sum() == 17
    assert table.loc[day == date(1999, 4, 2), "target"].str.startswith("60%").all()  # Friday
