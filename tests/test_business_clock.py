"""Deferred work whose response time runs on a business-hours clock (only while open)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.errors import ConfigError, InfeasibleError
from staffing.queueing.deferred import deferred_agents, deferred_agents_tiers, due_intervals
from staffing.requirements import requirements

TZ = "Europe/London"
NIGHT = [
    {"start": "00:00", "end": "08:00", "closed": True},
    {"start": "20:00", "end": "24:00", "closed": True},
]


def open_08_to_20(hours: int) -> np.ndarray:
    """Open 08:00-20:00 every day, hourly intervals from midnight."""
    clock = np.arange(hours) % 24
    return (clock >= 8) & (clock < 20)


def slow_due(window: int, is_open: np.ndarray) -> list[int]:
    """Business-clock due intervals, walking the clock hour by hour (continuous past the end)."""
    size, dues = len(is_open), []
    for i in range(size):
        k, counted = i, 0
        while True:
            counted += 1 if k >= size or is_open[k] else 0
            if counted == window:
                break
            k += 1
        dues.append(k)
    return dues


def email_hours(hours: int, seed: int) -> np.ndarray:
    """E-mail arrives around the clock, busier in the day."""
    rng = np.random.default_rng(seed)
    clock = np.arange(hours) % 24
    return rng.poisson(np.where((clock >= 8) & (clock < 20), 30.0, 8.0)).astype(float)


def fluid_shortfall(arrivals, agents, per_agent, dues) -> float:
    """Largest (work due by the end of j) - (work done by the end of j), FIFO fluid replay.

    Items arriving in interval i are workable from i + 1 and due by the end of ``dues[i]``.
    """
    size = len(arrivals)
    due = np.zeros(size)
    for i, d in enumerate(dues):
        if d < size:
            due[d] += arrivals[i]
    done, worst = 0.0, -np.inf
    for j in range(size):
        workable = arrivals[:j].sum()  # arrived in 0 .. j - 1
        done = min(done + agents[j] * per_agent, workable)
        worst = max(worst, due[: j + 1].sum() - done)
    return worst


# --------------------------------------------------------------------------------------------
# due_intervals
# --------------------------------------------------------------------------------------------


def test_due_intervals_known_answers_open_08_to_20():
    is_open = open_08_to_20(48)
    due = due_intervals(48, 4, is_open, "business")
    assert due[18] == 24 + 9  # 18:00, 19:00, then 08:00, 09:00 next day: due end of 09:00
    assert due[3] == 11  # arrives closed at 03:00: 08:00 .. 11:00, due end of 11:00
    assert due[8] == 11  # open on arrival: 08:00 counts
    assert due[21] == 24 + 11  # 21:00 closed: next day 08:00 .. 11:00
    assert due[42] == 49  # 18:00 on the last day: 18, 19, then the clock runs past the end
    calendar = due_intervals(48, 4, is_open)
    assert calendar[18] == 21
    assert calendar.tolist() == list(range(3, 51))
    assert due.tolist() == slow_due(4, is_open)
    assert due.dtype == np.int64


def test_due_intervals_edges_and_errors():
    assert due_intervals(0, 3, np.zeros(0, bool), "business").tolist() == []
    # never open: the clock starts after the horizon (intervals 3, 4), the same for every item
    assert due_intervals(3, 2, np.zeros(3, bool), "business").tolist() == [4, 4, 4]
    assert due_intervals(3, 1, None, "business").tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="clock must be 'calendar' or 'business'"):
        due_intervals(3, 2, None, "wall")
    with pytest.raises(ValueError, match="window must be a whole number >= 1"):
        due_intervals(3, 0)
    with pytest.raises(ValueError, match="size must be a whole number >= 0"):
        due_intervals(-1, 2)
    with pytest.raises(ValueError, match="open_mask must be a boolean array of length 3"):
        due_intervals(3, 2, [1, 0, 1], "business")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 200), st.integers(1, 300))
def test_business_equals_calendar_when_always_open(size, window):
    calendar = due_intervals(size, window)
    assert calendar.tolist() == list(range(window - 1, window - 1 + size))
    for mask in (None, np.ones(size, bool)):
        np.testing.assert_array_equal(due_intervals(size, window, mask, "business"), calendar)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=80), st.integers(1, 30))
def test_business_due_is_the_window_th_open_interval(mask, window):
    is_open = np.array(mask)
    due = due_intervals(len(mask), window, is_open, "business")
    assert due.tolist() == slow_due(window, is_open)
    assert (np.diff(due) >= 0).all()
    assert (due >= np.arange(len(mask)) + window - 1).all()  # never sooner than the calendar
    inside = due < len(mask)
    assert is_open[due[inside]].all()


# --------------------------------------------------------------------------------------------
# deferred_agents on the business clock
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "response_hours", "seed"), [(72, 4, 1), (96, 24, 2)])
def test_business_clock_staffs_only_open_hours_and_meets_every_deadline(
    hours, response_hours, seed
):
    arrivals, is_open = email_hours(hours, seed), open_08_to_20(hours)
    aht = 420
    agents = deferred_agents(
        arrivals, aht, response_hours * 3600, open_mask=is_open, response_clock="business"
    )
    assert (agents[~is_open] == 0).all()
    assert agents[is_open].sum() > 0
    dues = slow_due(response_hours, is_open)
    assert fluid_shortfall(arrivals, agents, 3600 / aht, dues) <= 1e-6
    # the same team one agent short where it peaks misses some deadline
    fewer = agents.copy()
    fewer[np.argmax(fewer)] -= 1
    assert fluid_shortfall(arrivals, fewer, 3600 / aht, dues) > 1e-6


def test_business_clock_is_feasible_where_the_calendar_is_not():
    arrivals, is_open = email_hours(48, 3), open_08_to_20(48)
    with pytest.raises(InfeasibleError):
        deferred_agents(arrivals, 420, 4 * 3600, open_mask=is_open)
    agents = deferred_agents(arrivals, 420, 4 * 3600, open_mask=is_open, response_clock="business")
    assert (agents[~is_open] == 0).all()


def test_business_clock_equals_calendar_when_always_open():
    arrivals = email_hours(72, 4)
    calendar = deferred_agents(arrivals, 420, 6 * 3600, initial_backlog=50.0)
    business = deferred_agents(
        arrivals, 420, 6 * 3600, initial_backlog=50.0, response_clock="business"
    )
    np.testing.assert_array_equal(business, calendar)
    tiers = np.vstack([arrivals * 0.2, arrivals * 0.8])
    responses = [3 * 3600, 12 * 3600]
    np.testing.assert_array_equal(
        deferred_agents_tiers(tiers, 420, responses, response_clock="business"),
        deferred_agents_tiers(tiers, 420, responses),
    )


def test_business_clock_tiers_meet_every_deadline_earliest_first():
    hours, aht = 72, 420
    arrivals, is_open = email_hours(hours, 5), open_08_to_20(hours)
    tiers = [(0.2, 4), (0.8, 24)]
    calls = np.vstack([arrivals * share for share, _ in tiers])
    agents = deferred_agents_tiers(
        calls, aht, [h * 3600 for _, h in tiers], open_mask=is_open, response_clock="business"
    )
    assert (agents[~is_open] == 0).all()
    dues = [slow_due(h, is_open) for _, h in tiers]
    lots, late, per_agent = [], 0.0, 3600 / aht
    for j in range(hours):
        capacity = agents[j] * per_agent
        for lot in sorted(lots):
            take = min(capacity, lot[1])
            lot[1] -= take
            capacity -= take
        late = max([late] + [items for due, items in lots if due <= j])
        lots = [lot for lot in lots if lot[1] > 1e-9]
        lots += [[due[j], row[j]] for row, due in zip(calls, dues, strict=True)]
    assert late <= 1e-6


def test_response_clock_argument_is_checked():
    with pytest.raises(ValueError, match="response_clock must be 'calendar' or 'business'"):
        deferred_agents([10, 0, 0], 600, 2 * 3600, response_clock="Business")
    with pytest.raises(ValueError, match="response_clock must be 'calendar' or 'business'"):
        deferred_agents_tiers([[10, 0, 0]], 600, [2 * 3600], response_clock=None)


# --------------------------------------------------------------------------------------------
# requirements() end to end
# --------------------------------------------------------------------------------------------


def email_forecast(hours: int, seed: int) -> pd.DataFrame:
    stamps = pd.date_range("2025-06-02 00:00", periods=hours, freq="h", tz=TZ)
    return pd.DataFrame(
        {"interval_start": stamps, "queue": "email", "q50": email_hours(hours, seed)}
    )


@pytest.mark.parametrize(
    "channel",
    [
        {"aht_seconds": 420, "target": {"response_hours": 16}, "bands": NIGHT},
        {
            "aht_seconds": 420,
            "kind": "deferred",
            "bands": NIGHT,
            "tiers": [
                {"name": "P1", "share": 0.2, "target": {"response_hours": 14}},
                {"name": "P3", "share": 0.8, "target": {"response_hours": 24}},
            ],
        },
    ],
)
def test_requirements_business_clock_needs_no_more_agent_hours(channel):
    forecast = email_forecast(96, 6)
    calendar = requirements(forecast, {"email": channel})
    business = requirements(forecast, {"email": {**channel, "response_clock": "business"}})
    assert business["open"].tolist() == calendar["open"].tolist()
    assert (business["agents"][~business["open"]] == 0).all()
    assert business["open"].sum() == 96 // 2
    assert 0 < business["agents"].sum() <= calendar["agents"].sum()
    assert business["agents"].sum() < calendar["agents"].sum()  # a 12-hour day: much later dues


def test_requirements_business_clock_short_response_with_night_closed():
    forecast = email_forecast(48, 7)
    channel = {"aht_seconds": 420, "target": {"response_hours": 4}, "bands": NIGHT}
    with pytest.raises(InfeasibleError, match=r"^channels\.email\.target: "):
        requirements(forecast, {"email": channel})
    table = requirements(forecast, {"email": {**channel, "response_clock": "business"}})
    is_open = table["open"].to_numpy()
    agents = table["agents"].to_numpy()
    dues = slow_due(4, is_open)
    assert fluid_shortfall(forecast["q50"].to_numpy(), agents, 3600 / 420, dues) <= 1e-6


@pytest.mark.parametrize(
    ("channel", "kind"),
    [
        ({"aht_seconds": 240, "target": "80/20"}, "voice"),
        ({"aht_seconds": 600, "concurrency": 2, "target": "80/60"}, "chat"),
    ],
)
def test_business_clock_on_a_live_channel_is_a_config_error(channel, kind):
    stamps = pd.date_range("2025-06-02 09:00", periods=2, freq="h", tz=TZ)
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": [10.0, 10.0]})
    with pytest.raises(ConfigError) as caught:
        requirements(forecast, {"phone": {**channel, "response_clock": "business"}})
    message = str(caught.value)
    assert message.startswith("channels.phone:"), message
    assert "response_clock 'business' applies to deferred work" in message
    assert f"kind is '{kind}'" in message
    with pytest.raises(ConfigError, match=r"channels\.phone\.response_clock"):
        requirements(forecast, {"phone": {**channel, "response_clock": "wall"}})


def test_a_deferred_channels_occupancy_cap_stretches_each_items_agent_time():
    import pandas as pd

    from staffing.queueing import deferred_agents
    from staffing.requirements import requirements
    from staffing.targets import Channel

    times = pd.date_range("2025-06-02", periods=12, freq="60min", tz="Europe/London")
    forecast = pd.DataFrame({"interval_start": times, "queue": "email", "q50": 40.0})
    capped = Channel(aht_seconds=540, target={"response_hours": 4}, max_occupancy=0.9)
    table = requirements(forecast, {"email": capped}, staff_to="q50")
    # 540 s at 90% occupancy is 600 s of agent time per item
    expected = deferred_agents(np.full(12, 40.0), 600, 4 * 3600)
    assert table["agents"].tolist() == expected.tolist()
    free = requirements(
        forecast, {"email": capped.model_copy(update={"max_occupancy": None})}, staff_to="q50"
    )
    assert table["agents"].sum() > free["agents"].sum()
