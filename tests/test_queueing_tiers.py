"""Pooled deferred work of several priority tiers: deadlines met, never worse than separate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from staffing.queueing import deferred_agents, deferred_agents_tiers


def replay_edf(tiers, windows, agents, per_agent):
    """Fluid earliest-deadline-first replay; returns the largest amount served late [items].

    Items of tier k arriving in interval i are workable from i + 1 and due by the end of
    interval i + windows[k] - 1.
    """
    lots = []  # [due interval, remaining items]
    late = 0.0
    size = len(agents)
    for j in range(size):
        capacity = agents[j] * per_agent
        lots.sort(key=lambda lot: lot[0])
        for lot in lots:
            take = min(capacity, lot[1])
            lot[1] -= take
            capacity -= take
        for lot in lots:
            if lot[0] == j and lot[1] > 1e-9:
                late = max(late, lot[1])
        lots = [lot for lot in lots if lot[1] > 1e-9 and lot[0] > j]
        for row, window in zip(tiers, windows, strict=True):
            lots.append([j + window - 1, float(row[j])])
    return late


volumes = st.lists(st.floats(0, 40, allow_nan=False), min_size=12, max_size=48)


@settings(max_examples=60, deadline=None)
@given(
    first=volumes,
    ratio=st.floats(0.0, 5.0),
    windows=st.tuples(st.integers(2, 6), st.integers(2, 12)),
)
# a few billionths of an item once fell due unworked and raised InfeasibleError
@example(first=[0.0] * 11 + [1e-9], ratio=2.0, windows=(2, 2))
def test_every_deadline_of_every_tier_is_met(first, ratio, windows):
    urgent = np.asarray(first)
    routine = urgent[::-1] * ratio
    tiers = np.vstack([urgent, routine])
    agents = deferred_agents_tiers(tiers, 600, [w * 3600 for w in windows])
    assert replay_edf(tiers, windows, agents, per_agent=6.0) <= 1e-6


def test_pooling_needs_fewer_agent_hours_than_separate_teams_on_two_days_of_email():
    hours = np.arange(48) % 24
    day = np.where((hours >= 8) & (hours < 18), 12.0, 1.0)
    shares, responses = (0.1, 0.3, 0.6), (2 * 3600, 8 * 3600, 24 * 3600)
    tiers = np.vstack([day * share for share in shares])
    pooled = deferred_agents_tiers(tiers, 420, responses)
    separate = sum(deferred_agents(row, 420, r) for row, r in zip(tiers, responses, strict=True))
    assert pooled.sum() < 0.8 * separate.sum()
    windows = [r // 3600 for r in responses]
    assert replay_edf(tiers, windows, pooled, per_agent=3600 / 420) <= 1e-6


def test_one_tier_is_exactly_deferred_agents():
    rng = np.random.default_rng(4)
    calls = rng.poisson(12, size=72).astype(float)
    np.testing.assert_array_equal(
        deferred_agents_tiers([calls], 480, [8 * 3600], shrinkage=0.25),
        deferred_agents(calls, 480, 8 * 3600, shrinkage=0.25),
    )


def test_one_agent_fewer_in_a_binding_interval_misses_a_deadline():
    tiers = np.array([[10.0, 10, 10, 10, 0, 0, 0, 0], [20.0, 20, 20, 20, 0, 0, 0, 0]])
    windows = (2, 4)
    agents = deferred_agents_tiers(tiers, 600, [w * 3600 for w in windows])
    for j in np.flatnonzero(agents):
        fewer = agents.copy()
        fewer[j] -= 1
        if replay_edf(tiers, windows, fewer, per_agent=6.0) > 1e-6:
            return
    pytest.fail("no single interval is binding: the staffing is not minimal anywhere")


def test_mismatched_tiers_and_response_times_are_rejected():
    with pytest.raises(ValueError, match="one row per tier"):
        deferred_agents_tiers([[1.0, 2.0]], 600, [7200, 14400])
    with pytest.raises(ValueError, match="at least two intervals"):
        deferred_agents_tiers([[1.0, 2.0], [1.0, 1.0]], 600, [3600, 14400])
