"""Tests of the multi-skill simulation: exact agreement with the single-skill engine, an exact
continuous-time Markov chain, known answers of the event loop, invariants, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.errors import ConfigError, DataError
from staffing.simulate import SkillChannel, simulate, simulate_skills
from staffing.simulate._engine import ABANDONED, ANSWERED, Agents
from staffing.simulate.skills import Centre, Work, business_due, open_windows, run_skills

TZ = "Europe/London"


def grid(periods: int, freq: str = "30min", start: str = "2024-03-04 08:00") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq=freq, tz=TZ)


def per_group(times: pd.DatetimeIndex, **levels) -> pd.DataFrame:
    return pd.concat(
        [
            pd.DataFrame({"interval_start": times, "group": g, "agents": n})
            for g, n in levels.items()
        ],
        ignore_index=True,
    )


def per_channel(times: pd.DatetimeIndex, **volumes) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"interval_start": times, "channel": c, "volume": v})
         for c, v in volumes.items()],
        ignore_index=True,
    )  # fmt: skip


EMAIL = SkillChannel(
    "email", "deferred", 400.0, tiers=(("fast", 0.3, 1800.0), ("slow", 0.7, 14400.0))
)


# --- 1. one skill is today's engine --------------------------------------------------------


@pytest.mark.parametrize(
    ("handle_time", "patience"),
    list(itertools.product(["exponential", "lognormal"], [None, 150.0])),
)
def test_one_skill_equals_simulate_exactly(handle_time, patience):
    times = grid(16)
    levels = np.array([3, 5, 8, 10, 10, 12, 12, 0, 9, 12, 12, 10, 8, 6, 4, 2])
    volume = np.array([20, 40, 60, 80, 90, 100, 100, 30, 70, 100, 100, 90, 60, 40, 20, 10.0])
    target = np.where(np.arange(16) == 3, np.nan, 20.0)
    kwargs = {"handle_time": handle_time, "cv": 0.6, "replications": 6, "seed": 11}
    expected = simulate(
        pd.DataFrame({"interval_start": times, "agents": levels}),
        pd.DataFrame({"interval_start": times, "volume": volume}),
        aht_seconds=300, target_seconds=target, patience_seconds=patience, **kwargs,
    )  # fmt: skip
    result = simulate_skills(
        per_group(times, team=levels), per_channel(times, phone=volume), {"team": ["phone"]},
        {"phone": SkillChannel("phone", "live", 300, patience_seconds=patience)},
        target_seconds={"phone": target}, **kwargs,
    )  # fmt: skip
    assert (result.live["channel"] == "phone").all()
    pd.testing.assert_frame_equal(
        result.live.drop(columns="channel"), expected.intervals, check_exact=True
    )
    overall = result.overall[result.overall["scope"] == "live:phone"].drop(columns="scope")
    pd.testing.assert_frame_equal(overall.reset_index(drop=True), expected.overall)


def test_chat_slots_equal_simulate_with_agents_doubled():
    """An agent of a concurrency-2 group is two slots with its periods: the same as twice the
    agents in today's engine (slot s of agent j is agent 2j + s there)."""
    times = grid(10)
    levels = np.array([2, 4, 6, 6, 5, 0, 3, 6, 4, 2])
    volume = np.array([30, 60, 90, 90, 80, 10, 50, 90, 60, 30.0])
    expected = simulate(
        pd.DataFrame({"interval_start": times, "agents": 2 * levels}),
        pd.DataFrame({"interval_start": times, "volume": volume}),
        aht_seconds=600, target_seconds=60, patience_seconds=200, replications=4, seed=5,
    )  # fmt: skip
    result = simulate_skills(
        per_group(times, chat=levels), per_channel(times, chat=volume), {"chat": ["chat"]},
        {"chat": SkillChannel("chat", "live", 600, patience_seconds=200, concurrency=2)},
        target_seconds={"chat": 60}, replications=4, seed=5,
    )  # fmt: skip
    live = result.live.drop(columns="channel")
    np.testing.assert_array_equal(live["agents"], levels)
    pd.testing.assert_frame_equal(
        live.drop(columns="agents"), expected.intervals.drop(columns="agents"), check_exact=True
    )


# --- 2. two skills against an exact Markov chain -------------------------------------------

RATE1, RATE2 = 20 / 3600, 6 / 3600  # arrivals [1/s]
AHT1, AHT2 = 240.0, 420.0
PATIENCE1, PATIENCE2 = 150.0, 400.0


def two_skill_chain(cap: int = 20) -> dict[str, float]:
    """Stationary M/M CTMC: agent A serves channel 1; two agents B serve 1 then 2; channel 1
    is routed to A first; both channels abandon at exponential rates.

    State (a, b1, b2, q1, q2): A busy, B agents busy on 1 and on 2, queue lengths (capped).
    """
    mu1, mu2, th1, th2 = 1 / AHT1, 1 / AHT2, 1 / PATIENCE1, 1 / PATIENCE2
    states = [
        s for s in itertools.product((0, 1), range(3), range(3), range(cap + 1), range(cap + 1))
        if s[1] + s[2] <= 2 and (s[3] == 0 or (s[0] == 1 and s[1] + s[2] == 2))
        and (s[4] == 0 or s[1] + s[2] == 2)
    ]  # fmt: skip
    index = {s: k for k, s in enumerate(states)}
    q = np.zeros((len(states), len(states)))

    def move(s, t, rate):
        if rate > 0 and t in index:
            q[index[s], index[t]] += rate

    for s in states:
        a, b1, b2, q1, q2 = s
        full = b1 + b2 == 2
        if a == 0:
            move(s, (1, b1, b2, q1, q2), RATE1)
        elif not full:
            move(s, (a, b1 + 1, b2, q1, q2), RATE1)
        else:
            move(s, (a, b1, b2, q1 + 1, q2), RATE1)
        move(s, (a, b1, b2 + 1, q1, q2) if not full else (a, b1, b2, q1, q2 + 1), RATE2)
        if a:
            move(s, (a, b1, b2, q1 - 1, q2) if q1 else (0, b1, b2, q1, q2), mu1)
        if q1:  # a B agent freed by either channel takes channel 1 first
            move(s, (a, b1, b2, q1 - 1, q2), b1 * mu1)
            move(s, (a, b1 + 1, b2 - 1, q1 - 1, q2), b2 * mu2)
        elif q2:
            move(s, (a, b1 - 1, b2 + 1, q1, q2 - 1), b1 * mu1)
            move(s, (a, b1, b2, q1, q2 - 1), b2 * mu2)
        else:
            move(s, (a, b1 - 1, b2, q1, q2), b1 * mu1)
            move(s, (a, b1, b2 - 1, q1, q2), b2 * mu2)
        move(s, (a, b1, b2, q1 - 1, q2), q1 * th1)
        move(s, (a, b1, b2, q1, q2 - 1), q2 * th2)
    np.fill_diagonal(q, -q.sum(axis=1))
    system = np.vstack([q.T, np.ones(len(states))])
    rhs = np.zeros(len(states) + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    s = np.array(states, dtype=float)
    assert pi[(s[:, 3] == cap) | (s[:, 4] == cap)].sum() < 1e-12  # truncation is harmless
    return {
        "abandonment_1": th1 * (pi @ s[:, 3]) / RATE1,
        "abandonment_2": th2 * (pi @ s[:, 4]) / RATE2,
        "occupancy_A": pi @ s[:, 0],
        "occupancy_B": (pi @ (s[:, 1] + s[:, 2])) / 2,
    }


def test_two_skills_match_markov_chain():
    exact = two_skill_chain()
    times = grid(72, freq="h", start="2024-03-04 00:00")
    result = simulate_skills(
        per_group(times, A=1, B=2),
        per_channel(times, c1=RATE1 * 3600, c2=RATE2 * 3600),
        {"A": ["c1"], "B": ["c1", "c2"]},
        {"c1": SkillChannel("c1", "live", AHT1, patience_seconds=PATIENCE1),
         "c2": SkillChannel("c2", "live", AHT2, patience_seconds=PATIENCE2)},
        routing={"c1": ["A", "B"]}, replications=30, seed=2024,
    )  # fmt: skip
    live = result.replications["live"].groupby(["channel", "replication"])
    sums = live[["abandoned", "offered"]].sum()
    columns = ["busy_live_seconds", "busy_deferred_seconds", "working_seconds"]
    groups = result.replications["groups"].groupby(["group", "replication"])[columns].sum()
    busy = groups["busy_live_seconds"] + groups["busy_deferred_seconds"]
    simulated = {
        "abandonment_1": (sums["abandoned"] / sums["offered"]).loc["c1"],
        "abandonment_2": (sums["abandoned"] / sums["offered"]).loc["c2"],
        "occupancy_A": (busy / groups["working_seconds"]).loc["A"],
        "occupancy_B": (busy / groups["working_seconds"]).loc["B"],
    }
    for name, values in simulated.items():
        error = values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - exact[name]) < 4 * error, (name, values.mean(), exact[name])
    assert 0.03 < exact["abandonment_1"] < 0.3  # the test exercises queueing on both channels
    assert 0.03 < exact["abandonment_2"] < 0.3


# --- 3. deferred work ----------------------------------------------------------------------


def one_agent(periods: list[tuple[float, float]]) -> Agents:
    starts, ends = zip(*periods, strict=True)
    return Agents(np.array(starts), np.array(ends), np.array([0, len(periods)]))


def centre(agents: Agents, groups: list[tuple[tuple[int, ...], tuple[int, ...]]], routing):
    return Centre(
        agents=agents,
        agent_group=np.zeros(agents.count, dtype=int),
        group_live=tuple(g[0] for g in groups),
        group_deferred=tuple(g[1] for g in groups),
        routing=routing,
    )


def work(live=(), items=(), windows=((1, 0.0, 1e9),)) -> Work:
    """``live``: (arrival, handle, deadline) on channel 0; ``items``: (arrival, work, due) on
    channel 1; ``windows``: (channel, open, close)."""
    lv = np.array(live, dtype=float).reshape(-1, 3)
    it = np.array(items, dtype=float).reshape(-1, 3)
    wn = np.array(windows, dtype=float).reshape(-1, 3)
    return Work(
        np.zeros(len(lv), int), lv[:, 0], lv[:, 1], lv[:, 2],
        np.ones(len(it), int), it[:, 0], it[:, 1], it[:, 2],
        wn[:, 0].astype(int), wn[:, 1], wn[:, 2],
    )  # fmt: skip


def test_live_preempts_deferred_and_the_item_resumes():
    """One agent serving [live, deferred]: an item (1000 s) starts at 0; a call at 100 s
    (50 s) interrupts it; the item resumes at 150 s and ends at 1050 s."""
    run = run_skills(
        centre(one_agent([(0.0, 5000.0)]), [((0,), (1,))], ((0,), (0,))),
        work(live=[(100.0, 50.0, np.inf)], items=[(0.0, 1000.0, 2000.0)]),
    )
    assert run.outcome.tolist() == [ANSWERED]
    assert run.wait.tolist() == [0.0]
    assert run.end.tolist() == [150.0]
    assert run.finish.tolist() == [1050.0]
    assert run.preemptions == 1
    assert run.piece_start.tolist() == [0.0, 150.0]
    assert run.piece_end.tolist() == [100.0, 1050.0]


def test_deferred_items_are_served_earliest_deadline_first_after_opening():
    """Items wait while the channel is closed; the agent then serves them by deadline, finishing
    the item in hand past the end of its period; the last item is left."""
    items = [(10.0, 100.0, 900.0), (20.0, 100.0, 500.0), (30.0, 100.0, 700.0), (40, 100, 400)]
    run = run_skills(
        centre(one_agent([(0.0, 1250.0)]), [((), (1,))], ((), (0,))),
        work(items=items, windows=[(1, 1000.0, 5000.0)]),
    )
    assert run.finish[[3, 1, 2]].tolist() == [1100.0, 1200.0, 1300.0]
    assert np.isnan(run.finish[0])
    assert run.left.tolist() == [0]
    assert run.overrun_start.tolist() == [1250.0]
    assert run.overrun_end.tolist() == [1300.0]


def test_live_queue_before_deferred_and_abandonment():
    """A free agent takes waiting calls (skipping one whose patience ran out) before items."""
    run = run_skills(
        centre(one_agent([(0.0, 5000.0)]), [((0,), (1,))], ((0,), (0,))),
        work(
            live=[(0.0, 300.0, np.inf), (10.0, 50.0, 200.0), (20.0, 50.0, 1000.0)],
            items=[(5.0, 100.0, 50.0)],
        ),
    )
    assert run.outcome.tolist() == [ANSWERED, ABANDONED, ANSWERED]
    assert run.wait.tolist() == [0.0, 190.0, 280.0]
    assert run.finish.tolist() == [450.0]


def blended(email_volume: float, seed: int = 3, replications: int = 4, mail: int = 0):
    """Calls (6.7 erlangs) to 6 phone agents, then 4 blended ones; e-mail to the blended ones
    and ``mail`` e-mail agents."""
    times = grid(24, start="2024-03-04 07:00")
    return simulate_skills(
        per_group(times, phone=6, blend=4, mail=mail),
        per_channel(times, phone=40.0, email=email_volume),
        {"phone": ["phone"], "blend": ["phone", "email"], "mail": ["email"]},
        {"phone": SkillChannel("phone", "live", 300, patience_seconds=120), "email": EMAIL},
        target_seconds={"phone": 20}, replications=replications, seed=seed,
    )  # fmt: skip


def test_deferred_load_leaves_live_outcomes_unchanged():
    """Deferred work is pre-empted by live work and draws from its own stream: with constant
    staffing the live outcomes are the same with or without it (blended agents doing e-mail
    are as available to calls as idle ones), while the blended agents get busier."""
    counts = ["offered", "answered", "abandoned", "answered_within_target",
              "wait_answered_seconds"]  # fmt: skip
    without, loaded = blended(0.0), blended(25.0)
    pd.testing.assert_frame_equal(
        without.replications["live"][counts], loaded.replications["live"][counts]
    )
    assert loaded.deferred["arrived"].sum() > 100
    occupancy = {r.scope: r.mean for r in loaded.overall.itertuples() if r.metric == "occupancy"}
    plain = {r.scope: r.mean for r in without.overall.itertuples() if r.metric == "occupancy"}
    assert occupancy["group:blend"] > plain["group:blend"] + 0.2
    assert occupancy["group:phone"] == plain["group:phone"]


def test_ample_capacity_meets_every_deadline():
    result = blended(4.0, replications=3, mail=2)
    raw = result.replications["deferred"]
    assert (raw["within_response"] == raw["judged"]).all()
    assert (raw["judged"] > 0).any()
    assert (result.deferred["share_within_response"] == 1.0).all()


def test_backlog_carries_over_days_and_matches_outstanding():
    times = grid(96, start="2024-03-04 00:00")
    hour = np.asarray(times.hour)
    level = np.where((hour >= 9) & (hour < 17), 2, 0)
    result = simulate_skills(
        per_group(times, mail=level), per_channel(times, email=6.0), {"mail": ["email"]},
        {"email": EMAIL}, replications=3, seed=8,
    )  # fmt: skip
    backlog = result.replications["backlog"]
    assert backlog["date"].nunique() == 2
    last = backlog.groupby(["replication", "tier"], sort=False)["backlog_items"].last()
    deferred = result.replications["deferred"].set_index(["replication", "tier"])
    assert (last == deferred["outstanding_end"]).all()
    assert (backlog["backlog_items"] > 0).all()  # items arriving at night wait for the morning


@settings(max_examples=25, deadline=None)
@given(
    levels=st.lists(st.integers(0, 4), min_size=6, max_size=6),
    email=st.floats(0.0, 30.0),
    phone=st.floats(0.0, 30.0),
    mask=st.lists(st.booleans(), min_size=6, max_size=6),
    clock=st.sampled_from(["calendar", "business"]),
    seed=st.integers(0, 10_000),
)
def test_conservation_and_occupancy_bounds(levels, email, phone, mask, clock, seed):
    times = grid(6)
    channel = SkillChannel("email", "deferred", 500.0, tiers=EMAIL.tiers, response_clock=clock)
    result = simulate_skills(
        per_group(times, phone=np.array(levels), blend=np.array(levels[::-1]), mail=1),
        per_channel(times, phone=phone, email=email),
        {"phone": ["phone"], "blend": ["phone", "email"], "mail": ["email"]},
        {"phone": SkillChannel("phone", "live", 240, patience_seconds=90), "email": channel},
        open_mask={"email": mask}, replications=2, seed=seed,
    )  # fmt: skip
    raw = result.replications["deferred"]
    assert (raw["arrived"] == raw["done"] + raw["outstanding_end"]).all()
    assert (raw["within_response"] <= raw["judged"]).all()
    occupancy = result.replications["groups"]["occupancy"].dropna()
    assert ((occupancy >= 0) & (occupancy <= 1)).all()
    live = result.replications["live"]
    assert (live["offered"] == live["answered"] + live["abandoned"] + live["unserved"]).all()


# --- 4. helpers and bad input --------------------------------------------------------------


def test_business_clock_known_answers():
    mask = np.array([True, False, True, True, False])
    arrival = np.array([50.0, 150.0, 0.0, 250.0, 399.5, 450.0])
    response = np.array([100.0, 30.0, 300.0, 10.0, 1.0, 20.0])
    # 50 + 50 s open in intervals 0 and 2; closed arrival waits for 200 s; 300 s of open time
    # ends at the end of interval 3; past the horizon (500 s) the clock runs continuously, also
    # for the half second left when the last open interval ends
    np.testing.assert_allclose(
        business_due(arrival, response, mask, 100.0), [250.0, 230.0, 400.0, 260.0, 500.5, 520.0]
    )
    np.testing.assert_allclose(
        business_due(arrival, response, np.ones(5, bool), 100.0), arrival + response
    )


def test_open_windows():
    channel, starts, ends = open_windows([np.array([False, True, True, False, True])], 60.0, [0])
    assert channel.tolist() == [0, 0]
    assert starts.tolist() == [60.0, 240.0]
    assert ends.tolist() == [180.0, 300.0]


def bad(**changes):
    times = grid(4)
    args = {
        "staffing": per_group(times, phone=3, blend=2),
        "volume": per_channel(times, phone=20.0, email=5.0),
        "groups": {"phone": ["phone"], "blend": ["phone", "email"]},
        "channels": {"phone": SkillChannel("phone", "live", 300), "email": EMAIL},
    }
    args.update(changes)
    return simulate_skills(**args, replications=2, seed=1)


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"groups": {"phone": ["phone"], "blend": ["phone", "fax"]}}, ConfigError, "'fax'"),
        ({"groups": {"phone": ["phone"], "blend": []}}, ConfigError, "'blend' serves no"),
        ({"groups": {"phone": ["phone"], "blend": ["phone"]}}, ConfigError, "channel 'email'"),
        ({"volume": per_channel(grid(4), phone=20.0, email=5.0, fax=1.0)}, ConfigError, "'fax'"),
        ({"volume": per_channel(grid(4), phone=20.0, email=-5.0)}, DataError, ">= 0"),
        ({"volume": per_channel(grid(4), phone=20.0, email=5.0).drop(index=7)}, DataError,
         "'email' has no row"),
        ({"volume": per_channel(grid(4), phone=20.0, email=5.0).drop(index=5)}, DataError,
         "channel 'email': forecast: intervals must follow a regular"),
        ({"staffing": per_group(grid(4), phone=3, blend=2).drop(index=1)}, DataError,
         "group 'phone'"),
        ({"staffing": per_group(grid(4), phone=3, blend=2, night=1)}, ConfigError, "'night'"),
        ({"routing": {"fax": ["phone"]}}, ConfigError, "'fax'"),
        ({"routing": {"phone": ["phone"]}}, ConfigError, "routing['phone']"),
        ({"channels": {"phone": SkillChannel("phone", "live", 300, concurrency=2),
                       "email": EMAIL}}, ConfigError, "group 'blend' serves channel 'phone'"),
        ({"open_mask": {"phone": [True] * 4}}, ConfigError, "'phone' is not a deferred"),
        ({"open_mask": {"email": [True] * 3}}, ConfigError, "open_mask['email']"),
    ],
)  # fmt: skip
def test_bad_input_is_named(changes, error, words):
    with pytest.raises(error, match=None) as info:
        bad(**changes)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "fax"}, "kind"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"tiers": (("a", 0.5, 60.0), ("b", 0.4, 60.0))}, "sum to 1"),
        ({"tiers": (("a", 1.0, -1.0),)}, "response_seconds"),
        ({"tiers": ()}, "at least one tier"),
        ({"patience_seconds": 60.0}, "live channels only"),
    ],
)
def test_bad_channel_is_named(kwargs, words):
    spec = {"name": "email", "kind": "deferred", "aht_seconds": 300.0,
            "tiers": (("a", 1.0, 60.0),)} | kwargs  # fmt: skip
    with pytest.raises(ConfigError, match="channel 'email'") as info:
        SkillChannel(**spec)
    assert words in str(info.value)
