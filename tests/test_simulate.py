"""Tests of staffing.simulate: known answers from queueing theory, scenarios, properties."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from staffing.errors import ConfigError, DataError
from staffing.simulate import simulate
from staffing.simulate._engine import ABANDONED, ANSWERED, UNSERVED, Agents, run_queue

TZ = "Europe/London"


# --- independent references ------------------------------------------------------------------


def erlang_c_reference(rate: float, aht: float, agents: int, target: float) -> tuple[float, float]:
    """Erlang C service level (offered basis) and ASA [s] from the textbook formulas."""
    load = rate * aht
    b = 1.0
    for k in range(1, agents + 1):  # Erlang B recursion
        b = load * b / (k + load * b)
    c = agents * b / (agents - load * (1 - b))
    drain = agents / aht - rate
    return 1 - c * math.exp(-drain * target), c / drain


def erlang_a_reference(
    rate: float, aht: float, agents: int, patience: float, target: float
) -> tuple[float, float, float]:
    """M/M/n+M service level (offered basis), ASA [s] and abandonment from the birth-death chain.

    A customer arriving to state ``n + m`` (PASTA) has ``m`` customers ahead; each step forward
    happens at rate ``n mu + (customers ahead) theta``, the customer itself abandons at rate
    ``theta``. Absorption probabilities and times come from the tagged customer's small CTMC.
    """
    mu, theta = 1 / aht, 1 / patience
    size = agents + 150
    pi = np.zeros(size + 1)
    pi[0] = 1.0
    for k in range(1, size + 1):
        death = min(k, agents) * mu + max(k - agents, 0) * theta
        pi[k] = pi[k - 1] * rate / death
    pi /= pi.sum()
    ahead = size - agents + 1  # transient states m = 0 .. size - agents
    q = np.zeros((ahead, ahead))
    served = np.zeros(ahead)
    for m in range(ahead):
        q[m, m] = -(agents * mu + m * theta + theta)
        if m == 0:
            served[m] = agents * mu
        else:
            q[m, m - 1] = agents * mu + m * theta
    start = pi[agents:]
    immediate = pi[:agents].sum()
    inv = np.linalg.inv(q)
    p_served_queued = float(start @ (-inv @ served))
    within = float(start @ (inv @ (expm(q * target) - np.eye(ahead)) @ served))
    time_served = float(start @ (inv @ inv @ served))
    answered = immediate + p_served_queued
    return immediate + within, time_served / answered, 1 - answered


def reference_queue(arrivals, handle, patience, periods):
    """Event-by-event simulation: FCFS queue, longest-idle agent, shifts with overruns.

    ``periods[j]`` lists agent j's on-duty ``(start, end)``. Returns outcome and wait arrays.
    """
    n = len(arrivals)
    outcome = np.full(n, UNSERVED)
    wait = np.full(n, np.nan)
    free_at = [0.0] * len(periods)
    events = sorted({*arrivals, *(s for p in periods for s, _ in p)})
    heapq.heapify(events)
    queue: list[int] = []
    next_arrival = 0
    while events:
        t = heapq.heappop(events)
        while events and events[0] == t:
            heapq.heappop(events)
        while next_arrival < n and arrivals[next_arrival] <= t:
            queue.append(next_arrival)
            next_arrival += 1
        for i in [i for i in queue if arrivals[i] + patience[i] < t]:
            queue.remove(i)
            outcome[i], wait[i] = ABANDONED, patience[i]
        while queue:
            idle = []
            for j, spans in enumerate(periods):
                on = [s for s, e in spans if s <= t < e]
                if on and free_at[j] <= t:
                    idle.append((max(free_at[j], on[0]), j))
            if not idle:
                break
            _, j = min(idle)
            i = queue.pop(0)
            outcome[i], wait[i] = ANSWERED, t - arrivals[i]
            free_at[j] = t + handle[i]
            heapq.heappush(events, free_at[j])
    for i in queue:
        if math.isfinite(patience[i]):
            outcome[i], wait[i] = ABANDONED, patience[i]
    return outcome, wait


def _agents(periods) -> Agents:
    starts = [s for p in periods for s, _ in p]
    ends = [e for p in periods for _, e in p]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in periods])]).astype(int)
    return Agents(np.array(starts, float), np.array(ends, float), offsets)


# --- helpers ---------------------------------------------------------------------------------


def grid(periods: int, minutes: int = 60, start: str = "2024-03-04 08:00") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq=f"{minutes}min", tz=TZ)


def one_shift(times: pd.DatetimeIndex, agents: int, extra_hours: float = 3) -> pd.DataFrame:
    """A roster of ``agents`` on one shift covering the grid and ``extra_hours`` beyond it."""
    end = times[-1] + (times[1] - times[0]) + pd.Timedelta(extra_hours, unit="h")
    return pd.DataFrame({"start": [times[0]], "end": [end], "agents": [agents], "breaks": [""]})


def pooled(result, warmup: int, basis: str = "offered") -> dict[str, tuple[float, float, float]]:
    """Per-replication metrics pooled over the intervals after the warm-up; mean and 99% CI."""
    from scipy import stats

    raw = result.replications
    first = raw["interval_start"].min() + warmup * (
        raw["interval_start"].iloc[1] - raw["interval_start"].iloc[0]
    )
    totals = raw[raw["interval_start"] >= first].groupby("replication").sum(numeric_only=True)
    values = {
        "service_level": totals["answered_within_target"] / totals[basis],
        "asa_seconds": totals["wait_answered_seconds"] / totals["answered"],
        "abandonment": totals["abandoned"] / totals["offered"],
    }
    out = {}
    for name, series in values.items():
        x = series.to_numpy(float)
        half = stats.t.ppf(0.995, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        out[name] = (x.mean(), x.mean() - half, x.mean() + half)
    return out


# --- known answers ---------------------------------------------------------------------------

RATE_PER_HOUR, AHT, AGENTS, TARGET = 180.0, 300.0, 17, 20.0


@pytest.fixture(scope="module")
def mmn_run():
    times = grid(12)
    forecast = pd.DataFrame({"interval_start": times, "volume": RATE_PER_HOUR})
    return times, forecast


def test_reference_erlang_c_against_direct_sum_in_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    a, n, aht, t = mpmath.mpf(10), 12, mpmath.mpf(180), mpmath.mpf(20)
    top = a**n / mpmath.factorial(n) * n / (n - a)
    c = top / (sum(a**k / mpmath.factorial(k) for k in range(n)) + top)
    sl, asa = erlang_c_reference(100 / 1800, 180, 12, 20)
    assert sl == pytest.approx(float(1 - c * mpmath.exp(-(n - a) * t / aht)), rel=1e-12)
    assert asa == pytest.approx(float(c * aht / (n - a)), rel=1e-12)


def test_reference_erlang_a_tends_to_erlang_c_with_infinite_patience():
    sl_c, asa_c = erlang_c_reference(RATE_PER_HOUR / 3600, AHT, AGENTS, TARGET)
    sl_a, asa_a, abandon = erlang_a_reference(RATE_PER_HOUR / 3600, AHT, AGENTS, 1e9, TARGET)
    assert sl_a == pytest.approx(sl_c, abs=1e-5)
    assert asa_a == pytest.approx(asa_c, rel=1e-4)
    assert abandon == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("agents", [AGENTS, AGENTS + 1])
def test_mmn_matches_erlang_c(mmn_run, agents):
    times, forecast = mmn_run
    result = simulate(
        one_shift(times, agents), forecast, aht_seconds=AHT, target_seconds=TARGET,
        replications=30, seed=11,
    )  # fmt: skip
    got = pooled(result, warmup=1)
    sl, asa = erlang_c_reference(RATE_PER_HOUR / 3600, AHT, agents, TARGET)
    assert got["service_level"][1] <= sl <= got["service_level"][2]
    assert got["asa_seconds"][1] <= asa <= got["asa_seconds"][2]
    assert got["abandonment"][0] == 0


def test_mmn_test_detects_one_agent_too_many(mmn_run):
    """The comparison has power: simulating 18 agents is rejected against Erlang C for 17."""
    times, forecast = mmn_run
    result = simulate(
        one_shift(times, AGENTS + 1), forecast, aht_seconds=AHT, target_seconds=TARGET,
        replications=30, seed=11,
    )  # fmt: skip
    got = pooled(result, warmup=1)
    sl, asa = erlang_c_reference(RATE_PER_HOUR / 3600, AHT, AGENTS, TARGET)
    assert not got["service_level"][1] <= sl <= got["service_level"][2]
    assert not got["asa_seconds"][1] <= asa <= got["asa_seconds"][2]


def test_mmn_plus_m_matches_erlang_a(mmn_run):
    times, forecast = mmn_run
    agents, patience = 15, 200.0
    result = simulate(
        one_shift(times, agents), forecast, aht_seconds=AHT, target_seconds=TARGET,
        patience_seconds=patience, replications=30, seed=5,
    )  # fmt: skip
    got = pooled(result, warmup=1)
    sl, asa, abandon = erlang_a_reference(RATE_PER_HOUR / 3600, AHT, agents, patience, TARGET)
    assert got["service_level"][1] <= sl <= got["service_level"][2]
    assert got["asa_seconds"][1] <= asa <= got["asa_seconds"][2]
    assert got["abandonment"][1] <= abandon <= got["abandonment"][2]


def test_matches_staffing_queueing(mmn_run):
    from staffing import queueing

    times, forecast = mmn_run
    result = simulate(
        one_shift(times, AGENTS), forecast, aht_seconds=AHT, target_seconds=TARGET,
        replications=30, seed=11,
    )  # fmt: skip
    got = pooled(result, warmup=1)
    sl = float(queueing.service_level(RATE_PER_HOUR, AHT, AGENTS, TARGET, interval_minutes=60))
    asa = float(queueing.asa(RATE_PER_HOUR, AHT, AGENTS, interval_minutes=60))
    assert got["service_level"][1] <= sl <= got["service_level"][2]
    assert got["asa_seconds"][1] <= asa <= got["asa_seconds"][2]


# --- scenarios -------------------------------------------------------------------------------


def test_roster_gap_shows_in_the_right_intervals():
    times = grid(8, minutes=30, start="2024-03-04 09:00")
    forecast = pd.DataFrame({"interval_start": times, "volume": 60.0})
    roster = pd.DataFrame(
        {
            "start": [times[0], times[0] + pd.Timedelta(2, unit="h")],
            "end": [
                times[0] + pd.Timedelta(90, unit="min"),
                times[0] + pd.Timedelta(5, unit="h"),
            ],
            "agents": [14, 14],
            "breaks": ["", ""],
        }
    )  # 10:30-11:00 nobody on duty
    result = simulate(
        roster, forecast, aht_seconds=180, target_seconds=20, patience_seconds=120,
        replications=10, seed=3,
    )  # fmt: skip
    sl = result.intervals.set_index("interval_start")["service_level"]
    gap = times[3]
    assert sl[gap] < 0.1
    assert (sl.drop(gap).iloc[:3] > 0.8).all()
    assert (sl[times[5] :] > 0.8).all()
    assert result.intervals.loc[3, "agents"] == 0
    assert result.intervals.loc[3, "abandonment"] > 0.3


def test_agent_finishes_contact_in_hand_and_break_is_shortened():
    start = pd.Timestamp("2024-03-04 09:00", tz=TZ)
    times = grid(2, start="2024-03-04 09:00")
    forecast = pd.DataFrame({"interval_start": times, "volume": 0.0})
    at = [start + pd.Timedelta(m, unit="min") for m in (55, 61)]
    roster = pd.DataFrame(
        {
            "start": [start],
            "end": [start + pd.Timedelta(2, unit="h")],
            "agents": [1],
            "breaks": [f"{at[0] + pd.Timedelta(5, unit='min'):%Y-%m-%dT%H:%M:%S%z}/"
                       f"{at[0] + pd.Timedelta(20, unit='min'):%Y-%m-%dT%H:%M:%S%z}"],
        }
    )  # fmt: skip  # break 10:00-10:15
    result = simulate(
        roster, forecast, aht_seconds=None, handle_time=[600.0], target_seconds=20,
        arrivals=at, replications=2, seed=0,
    )  # fmt: skip
    raw = result.replications[result.replications["replication"] == 0].set_index("interval_start")
    # 09:55 contact answered at once, ends 10:05 (5 min into the break)
    assert raw.loc[times[0], "answered_within_target"] == 1
    # 10:01 contact waits for the agent to return at 10:15, as scheduled
    assert raw.loc[times[1], "wait_answered_seconds"] == pytest.approx(14 * 60)
    # busy 09:55-10:05 and 10:15-10:25; on duty 09:00-10:00, 10:15-11:00 plus the 5-min overrun
    assert raw.loc[times[0], "busy_seconds"] == pytest.approx(300)
    assert raw.loc[times[1], "busy_seconds"] == pytest.approx(900)
    assert raw.loc[times[1], "working_seconds"] == pytest.approx(45 * 60 + 300)
    assert raw.loc[times[1], "staffed_seconds"] == pytest.approx(45 * 60)


def test_contacts_after_the_last_shift_are_unserved_or_abandon():
    times = grid(2)
    forecast = pd.DataFrame({"interval_start": times, "volume": [0.0, 30.0]})
    staffing = pd.DataFrame({"interval_start": times, "agents": [2, 0]})
    kwargs = {"aht_seconds": 300, "target_seconds": 20, "replications": 3, "seed": 1}
    result = simulate(staffing, forecast, **kwargs)
    last = result.intervals.iloc[1]
    assert last["unserved"] == last["offered"] > 0
    assert last["service_level"] == 0
    assert np.isnan(result.intervals.loc[0, "service_level"])  # nothing offered
    abandoning = simulate(staffing, forecast, patience_seconds=60, **kwargs).intervals.iloc[1]
    assert abandoning["abandoned"] == abandoning["offered"]


def test_interval_staffing_equals_equivalent_roster():
    times = grid(4)
    forecast = pd.DataFrame({"interval_start": times, "volume": 50.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": [5, 5, 3, 3]})
    roster = pd.DataFrame(
        {
            "start": [times[0], times[0]],
            "end": [times[0] + pd.Timedelta(4, unit="h"), times[2]],
            "agents": [3, 2],
            "breaks": ["", ""],
        }
    )
    kwargs = {"aht_seconds": 240, "target_seconds": 30, "replications": 4, "seed": 9}
    a = simulate(staffing, forecast, **kwargs).replications
    b = simulate(roster, forecast, **kwargs).replications
    pd.testing.assert_frame_equal(a, b)


def test_seed_reproducible_and_streams_independent():
    times = grid(3)
    forecast = pd.DataFrame({"interval_start": times, "volume": 40.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": 4})
    kwargs = {"aht_seconds": 300, "target_seconds": 20, "replications": 4}
    a = simulate(staffing, forecast, seed=123, **kwargs)
    b = simulate(staffing, forecast, seed=123, **kwargs)
    c = simulate(staffing, forecast, seed=np.random.default_rng(123), **kwargs)
    d = simulate(staffing, forecast, seed=np.random.default_rng(123), **kwargs)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    pd.testing.assert_frame_equal(c.replications, d.replications)
    assert not a.replications.equals(simulate(staffing, forecast, seed=124, **kwargs).replications)
    offered = a.replications.pivot(index="replication", columns="interval_start", values="offered")
    assert offered.drop_duplicates().shape[0] == 4  # replications differ


def test_answered_basis_and_lognormal_handle_time():
    times = grid(4)
    forecast = pd.DataFrame({"interval_start": times, "volume": 100.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": 9})
    kwargs = {"aht_seconds": 300, "target_seconds": 20, "replications": 5, "seed": 2}
    result = simulate(
        staffing, forecast, handle_time="lognormal", cv=0.6, patience_seconds=90,
        service_level_basis="answered", **kwargs,
    )  # fmt: skip
    raw = result.replications
    expected = raw["answered_within_target"] / raw["answered"]
    np.testing.assert_allclose(raw["service_level"], expected)
    assert result.service_level_basis == "answered"
    overall = result.overall.set_index("metric")
    assert (overall["ci_low"] <= overall["mean"]).all()
    assert (overall["mean"] <= overall["ci_high"]).all()


def test_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = grid(3)
    forecast = pd.DataFrame({"interval_start": times, "volume": 40.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": 4})
    result = simulate(staffing, forecast, aht_seconds=300, target_seconds=20, replications=3)
    _, ax = plt.subplots()
    assert result.plot_service_level(ax=ax, target=0.8) is ax
    assert result.plot_occupancy() is not None
    plt.close("all")


# --- the engine against the slow reference ---------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    contacts=st.integers(0, 40),
    agent_count=st.integers(1, 4),
    abandon=st.booleans(),
)
def test_engine_matches_event_by_event_reference(seed, contacts, agent_count, abandon):
    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.uniform(0, 1000, contacts))
    handle = rng.exponential(60, contacts)
    patience = rng.exponential(50, contacts) if abandon else np.full(contacts, np.inf)
    periods = []
    for _ in range(agent_count):
        cuts = np.sort(rng.uniform(0, 1200, 2 * rng.integers(1, 4)))
        periods.append(list(zip(cuts[0::2].tolist(), cuts[1::2].tolist(), strict=True)))
    run = run_queue(arrivals, handle, patience, _agents(periods))
    outcome, wait = reference_queue(arrivals.tolist(), handle.tolist(), patience.tolist(), periods)
    np.testing.assert_array_equal(run.outcome, outcome)
    np.testing.assert_allclose(run.wait, wait, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 1000), extra=st.integers(1, 3))
def test_more_agents_never_lower_service_level_with_common_random_numbers(seed, extra):
    times = grid(3)
    forecast = pd.DataFrame({"interval_start": times, "volume": 60.0})
    kwargs = {"aht_seconds": 300, "target_seconds": 20, "replications": 2, "seed": seed}
    few = simulate(pd.DataFrame({"interval_start": times, "agents": 4}), forecast, **kwargs)
    many = simulate(
        pd.DataFrame({"interval_start": times, "agents": 4 + extra}), forecast, **kwargs
    )
    sums = [
        r.replications.groupby("replication")["answered_within_target"].sum() for r in (few, many)
    ]
    assert (sums[1] >= sums[0]).all()
    assert (few.replications["offered"] == many.replications["offered"]).all()


# --- bad input -------------------------------------------------------------------------------


def _good():
    times = grid(4)
    return (
        pd.DataFrame({"interval_start": times, "volume": 10.0}),
        pd.DataFrame({"interval_start": times, "agents": 2}),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f, s: (f.assign(volume=[1.0, -2, 1, 1]), s), "finite rate >= 0"),
        (lambda f, s: (f.drop(index=2), s), "without gaps"),
        (lambda f, s: (f, s.drop(index=1)), "no agents given"),
        (
            lambda f, s: (
                f,
                s.assign(interval_start=s["interval_start"] + pd.Timedelta(15, unit="min")),
            ),
            "not on the forecast grid",
        ),
        (lambda f, s: (f, s.assign(agents=[1, -1, 1, 1])), "whole number >= 0"),
        (
            lambda f, s: (f.assign(interval_start=f["interval_start"].dt.tz_localize(None)), s),
            "tz-aware",
        ),
        (lambda f, s: (f.assign(queue=["a", "b", "a", "b"]), s), "choose one"),
        (
            lambda f, s: (
                f,
                pd.DataFrame(
                    {
                        "start": [f["interval_start"][0] + pd.Timedelta(3, unit="D")],
                        "end": [f["interval_start"][0] + pd.Timedelta(3 * 24 + 8, unit="h")],
                        "agents": [3],
                        "breaks": [""],
                    }
                ),
            ),
            "outside the forecast",
        ),
    ],
)
def test_bad_input_names_the_problem(change, message):
    forecast, staffing = change(*_good())
    with pytest.raises(DataError, match=message):
        simulate(staffing, forecast, aht_seconds=300, target_seconds=20, replications=2)


def test_bad_breaks_and_parameters():
    forecast, _ = _good()
    t0 = forecast["interval_start"][0]
    roster = pd.DataFrame(
        {"start": [t0], "end": [t0 + pd.Timedelta(2, unit="h")], "agents": [1], "breaks": ["x/y"]}
    )
    with pytest.raises(DataError, match="row 1"):
        simulate(roster, forecast, aht_seconds=300, target_seconds=20)
    staffing = _good()[1]
    with pytest.raises(ValueError, match="aht_seconds"):
        simulate(staffing, forecast, aht_seconds=-1, target_seconds=20)
    with pytest.raises(ValueError, match="replications"):
        simulate(staffing, forecast, aht_seconds=300, target_seconds=20, replications=0)
    with pytest.raises(ValueError, match="handle_time"):
        simulate(staffing, forecast, aht_seconds=300, target_seconds=20, handle_time="weibull")
    with pytest.raises(ValueError, match="service_level_basis"):
        simulate(staffing, forecast, aht_seconds=300, target_seconds=20, service_level_basis="x")


# --- per-interval targets, bounds in range, occupancy with nobody ----------------------------


def _replay(thresholds, replications: int = 3):
    """One agent, 3 hourly intervals, handle time exactly 600 s, known arrivals.

    Waits [s] by interval of arrival: 09:00 -> 0, 09:05 -> 300, 09:50 -> 0, 09:55 -> 300 (answered
    at 10:00, in the next interval), 10:05 -> 300, 11:00 -> 0, 11:02 -> 480.
    """
    times = grid(3, start="2024-03-04 09:00")
    forecast = pd.DataFrame({"interval_start": times, "volume": 0.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": 1})
    minutes = [0, 5, 50, 55, 65, 120, 122]
    arrivals = [times[0] + pd.Timedelta(m, unit="min") for m in minutes]
    return simulate(
        staffing, forecast, aht_seconds=None, handle_time=[600.0], target_seconds=thresholds,
        arrivals=arrivals, replications=replications, seed=0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("thresholds", "levels", "overall"),
    [
        ([0.0, np.nan, 1e9], [2 / 4, np.nan, 1.0], 4 / 6),
        # the 09:55 contact waits 300 s into the 10:00 interval: judged by 09:00's 300 s, not 0
        ([300.0, 0.0, 0.0], [1.0, 0.0, 1 / 2], 5 / 7),
    ],
)
def test_each_contact_judged_by_the_target_of_its_arrival_interval(thresholds, levels, overall):
    result = _replay(thresholds)
    intervals = result.intervals
    np.testing.assert_array_equal(intervals["target_seconds"], thresholds)
    np.testing.assert_allclose(intervals["service_level"], levels, rtol=0, atol=1e-15)
    assert intervals["offered"].tolist() == [4, 1, 2]  # counts still reported under NaN
    assert intervals["answered"].tolist() == [4, 1, 2]
    np.testing.assert_array_equal(result.target_seconds, thresholds)
    total = result.overall.set_index("metric").loc["service_level"]
    assert total["mean"] == pytest.approx(overall, abs=1e-15)
    # every replication is identical: zero-width bounds, also at exactly 0 and 1
    finite = intervals["service_level"].notna()
    for column in ("service_level_ci_low", "service_level_ci_high"):
        np.testing.assert_array_equal(
            intervals.loc[finite, column], intervals.loc[finite, "service_level"]
        )
    assert total["ci_low"] == total["mean"] == total["ci_high"]
    assert (
        (intervals[["abandonment", "abandonment_ci_low", "abandonment_ci_high"]] == 0).all().all()
    )


def test_answered_basis_leaves_out_intervals_without_target():
    times = grid(2)
    forecast = pd.DataFrame({"interval_start": times, "volume": [40.0, 40.0]})
    staffing = pd.DataFrame({"interval_start": times, "agents": [3, 1]})
    result = simulate(
        staffing, forecast, aht_seconds=300, target_seconds=[20.0, np.nan], patience_seconds=60,
        service_level_basis="answered", replications=4, seed=8,
    )  # fmt: skip
    raw = result.replications
    first = raw[raw["interval_start"] == times[0]]
    expected = first["answered_within_target"] / first["answered"]
    got = result.overall.set_index("metric").loc["service_level", "mean"]
    assert got == pytest.approx(expected.mean(), rel=1e-12)
    assert raw.loc[raw["interval_start"] == times[1], "service_level"].isna().all()


def test_scalar_target_equals_the_same_target_for_every_interval():
    times = grid(5, minutes=30)
    forecast = pd.DataFrame({"interval_start": times, "volume": [30.0, 80, 80, 50, 10]})
    staffing = pd.DataFrame({"interval_start": times, "agents": [2, 8, 6, 0, 3]})
    kwargs = {"aht_seconds": 300, "patience_seconds": 120, "replications": 6, "seed": 4}
    scalar = simulate(staffing, forecast, target_seconds=20, **kwargs)
    array = simulate(staffing, forecast, target_seconds=[20.0] * 5, **kwargs)
    for name in ("intervals", "overall", "replications"):
        pd.testing.assert_frame_equal(
            getattr(scalar, name), getattr(array, name), check_exact=True
        )
    assert scalar.target_seconds == 20.0


@pytest.mark.parametrize(
    "target",
    [[20.0] * 3, [20.0] * 5, [20.0, -1, 20, 20], [20.0, np.inf, 20, 20], [[20.0] * 4], ["a"] * 4],
)
def test_bad_target_array_names_the_parameter(target):
    forecast, staffing = _good()
    with pytest.raises(ValueError, match="target_seconds"):
        simulate(staffing, forecast, aht_seconds=300, target_seconds=target, replications=2)


def test_target_array_refused_for_unsorted_forecast_and_scalar_errors_still_named():
    forecast, staffing = _good()
    shuffled = forecast.iloc[[1, 0, 2, 3]]
    kwargs = {"aht_seconds": 300, "replications": 2}
    with pytest.raises(ConfigError, match=r"target_seconds.*chronological"):
        simulate(staffing, shuffled, target_seconds=[10.0, 20, 30, 40], **kwargs)
    assert len(simulate(staffing, shuffled, target_seconds=20, **kwargs).intervals) == 4
    for bad in (-1.0, np.nan):
        with pytest.raises(ValueError, match="target_seconds"):
            simulate(staffing, forecast, target_seconds=bad, **kwargs)


def test_bounds_are_the_t_interval_clipped_to_the_range():
    from scipy import stats

    times = grid(3)
    forecast = pd.DataFrame({"interval_start": times, "volume": 60.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": [7, 6, 5]})
    result = simulate(
        staffing, forecast, aht_seconds=300, target_seconds=20, patience_seconds=100,
        replications=4, seed=3, confidence=0.99,
    )  # fmt: skip
    raw = result.replications
    clipped = 0
    for metric, (low, high) in {"service_level": (0, 1), "asa_seconds": (0, np.inf),
                                "abandonment": (0, 1), "occupancy": (0, 1)}.items():  # fmt: skip
        x = raw.pivot(index="replication", columns="interval_start", values=metric).to_numpy()
        half = stats.t.ppf(0.995, 3) * x.std(axis=0, ddof=1) / 2
        mean = x.mean(axis=0)
        lo, hi = np.clip(mean - half, low, high), np.clip(mean + half, low, high)
        np.testing.assert_allclose(result.intervals[f"{metric}_ci_low"], lo, rtol=1e-12)
        np.testing.assert_allclose(result.intervals[f"{metric}_ci_high"], hi, rtol=1e-12)
        clipped += int(((mean - half) < low).sum() + ((mean + half) > high).sum())
    assert clipped > 0  # the case exercises the clipping


RANGES = {"service_level": (0, 1), "asa_seconds": (0, np.inf), "abandonment": (0, 1),
          "occupancy": (0, 1)}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    agents=st.lists(st.integers(0, 3), min_size=2, max_size=4),
    volume=st.floats(0, 30),
    replications=st.integers(1, 5),
    confidence=st.floats(0.5, 0.999),
    patience=st.one_of(st.none(), st.floats(10, 600)),
    targets=st.lists(st.one_of(st.just(np.nan), st.floats(0, 120)), min_size=4, max_size=4),
)
def test_bounds_lie_in_range_and_around_the_mean(
    seed, agents, volume, replications, confidence, patience, targets
):
    times = grid(len(agents), minutes=30)
    forecast = pd.DataFrame({"interval_start": times, "volume": volume})
    staffing = pd.DataFrame({"interval_start": times, "agents": agents})
    result = simulate(
        staffing, forecast, aht_seconds=400, target_seconds=targets[: len(agents)],
        patience_seconds=patience, replications=replications, seed=seed, confidence=confidence,
    )  # fmt: skip
    overall = result.overall.set_index("metric")
    for metric, (low, high) in RANGES.items():
        values = result.replications[metric].dropna()
        assert ((values >= low) & (values <= high)).all()
        rows = [
            result.intervals[[metric, f"{metric}_ci_low", f"{metric}_ci_high"]].to_numpy(),
            overall.loc[[metric], ["mean", "ci_low", "ci_high"]].to_numpy(),
        ]
        for mean, lo, hi in np.concatenate(rows):
            if np.isnan(lo):  # fewer than two replications define the metric
                assert np.isnan(hi)
                continue
            assert low <= lo <= mean <= hi <= high


def test_occupancy_undefined_without_agents_and_zero_without_contacts():
    times = grid(3)
    forecast = pd.DataFrame({"interval_start": times, "volume": [0.0, 0.0, 40.0]})
    staffing = pd.DataFrame({"interval_start": times, "agents": [0, 2, 2]})
    result = simulate(staffing, forecast, aht_seconds=300, target_seconds=20, replications=3)
    occupancy = result.intervals["occupancy"]
    assert np.isnan(occupancy[0])  # nobody, nothing to do: undefined
    assert np.isnan(result.intervals.loc[0, "occupancy_ci_low"])
    assert occupancy[1] == 0  # agents on duty, no contact
    assert 0 < occupancy[2] < 1
    raw = result.replications
    assert raw.loc[raw["interval_start"] == times[0], "occupancy"].isna().all()
    assert (raw.loc[raw["interval_start"] == times[1], "occupancy"] == 0).all()


def test_occupancy_undefined_where_only_an_overrun_is_worked():
    """A contact at 09:55 of 600 s: 300 s busy of 3600 on duty, then a 300-s overrun at 10:00
    when nobody is on duty; the overall occupancy leaves that interval out."""
    times = grid(2, start="2024-03-04 09:00")
    forecast = pd.DataFrame({"interval_start": times, "volume": 0.0})
    staffing = pd.DataFrame({"interval_start": times, "agents": [1, 0]})
    result = simulate(
        staffing, forecast, aht_seconds=None, handle_time=[600.0], target_seconds=20,
        arrivals=[times[0] + pd.Timedelta(55, unit="min")], replications=2, seed=0,
    )  # fmt: skip
    raw = result.replications.iloc[:2]
    assert raw["busy_seconds"].tolist() == pytest.approx([300, 300])
    assert raw["working_seconds"].tolist() == pytest.approx([3600, 300])
    assert result.intervals["occupancy"][0] == pytest.approx(300 / 3600)
    assert np.isnan(result.intervals["occupancy"][1])
    occupancy = result.overall.set_index("metric").loc["occupancy"]
    assert occupancy["mean"] == pytest.approx(300 / 3600)
    assert occupancy["ci_low"] == occupancy["ci_high"] == occupancy["mean"]
