"""Hostile input to the queueing API, the simulation parameters and ``staffing erlang``.

Implausible sizes are refused up front, bad values name the argument and the first bad
element, loads up to the documented maximum are answered exactly and fast, and the invariants
hold over wide ranges (hypothesis): service levels in [0, 1], no silent NaN, Erlang C never
below the load. Calls that used to hang run under :func:`deadline`, so a hang is a failure.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import signal
import time
from fractions import Fraction

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from queueing_reference import erlang_b, erlang_c
from staffing import queueing as q
from staffing.cli import main
from staffing.requirements import Channel, requirements
from staffing.simulate import simulate


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise TimeoutError in the block after ``seconds`` of wall-clock time."""

    def expire(*_args):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _calls(load: float, aht: float, minutes: float = 60.0) -> float:
    return load * 60.0 * minutes / aht


# ------------------------------------------------------------------- scheduled agents


def test_scheduled_agents_is_exact_near_a_billion():
    # 999_999_999 / 0.7 = 1_428_571_427.14...: the old relative epsilon gave 1_428_571_426.
    assert q.scheduled_agents(999_999_999, 0.3) == 1_428_571_428
    assert q.scheduled_agents(14, 0.3) == 20  # 14 / 0.7 is 20, not 21
    assert q.scheduled_agents(9, 0.1) == 10
    assert q.scheduled_agents(1_000_000_000, 0.1234567890123456) == 1_140_845_069


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 10**9), digits=st.integers(0, 9999))
def test_scheduled_agents_is_the_exact_ceiling(n, digits):
    exact = math.ceil(Fraction(n) / (1 - Fraction(digits, 10_000)))
    assert q.scheduled_agents(n, digits / 10_000) == exact
    both = q.scheduled_agents(np.array([n, 0]), np.array([digits / 10_000, 0.5]))
    assert both.tolist() == [exact, 0]


# ------------------------------------------------------------- a million Erlangs, fast


def test_erlang_c_at_a_million_erlangs_is_exact_and_fast():
    load, aht = 1e6, 180.0
    calls = _calls(load, aht)
    started = time.perf_counter()
    n = q.required_agents(calls, aht, service_level=0.8, target_seconds=20)
    assert time.perf_counter() - started < 1.0

    def sl(m):
        return 1 - erlang_c(m, load) * mp.exp(-(m - mp.mpf(load)) * 20 / aht)

    assert sl(n) >= 0.8 > sl(n - 1)
    assert q.service_level(calls, aht, n, 20) == pytest.approx(float(sl(n)), rel=1e-9)
    assert q.erlang_b(load, n) == pytest.approx(float(erlang_b(n, load)), rel=1e-8)


def _erlang_a_reference(n: int, load: float, ratio: float) -> tuple[mp.mpf, mp.mpf]:
    """P(wait) and P(abandon) of Erlang A summing every birth-death term from 0 (mpmath)."""
    with mp.workdps(30):
        x, y = n * mp.mpf(ratio), load * mp.mpf(ratio)
        peak = max(int(y - x), 0)
        total, weighted, term = mp.mpf(1), mp.mpf(0), mp.mpf(1)
        for j in range(1, peak + int(20 * mp.sqrt(x + peak + 1)) + 100):
            term = term * y / (x + j)
            total += term
            weighted += j * term
        b = erlang_b(n, load, 30)
        p_wait = b * total / (1 - b + b * total)
        return p_wait, p_wait * weighted / (y * total)


@pytest.mark.parametrize(
    ("n", "load"), [(1_000_500, 1e6), (90_000, 1e5)], ids=["critical-1e6", "overloaded-1e5"]
)
def test_erlang_a_at_huge_loads_is_exact(n, load):
    aht, ratio = 180.0, 2 / 3
    calls, kw = _calls(load, aht), {"patience_seconds": ratio * aht}
    p_wait, p_abandon = _erlang_a_reference(n, load, ratio)
    with deadline(5):
        assert q.probability_wait(calls, aht, n, **kw) == pytest.approx(float(p_wait), rel=1e-8)
        assert q.abandonment(calls, aht, n, **kw) == pytest.approx(float(p_abandon), rel=1e-8)


def test_erlang_a_at_a_million_erlangs_is_fast_and_meets_the_target():
    aht, kw = 180.0, {"patience_seconds": 120.0}
    calls = _calls(1e6, aht)
    started = time.perf_counter()
    with deadline(10):  # it took 99 s
        n = q.required_agents(calls, aht, service_level=0.8, target_seconds=20, **kw)
    assert time.perf_counter() - started < 2.0
    assert (
        q.service_level(calls, aht, n, 20, **kw)
        >= 0.8
        > q.service_level(calls, aht, n - 1, 20, **kw)
    )


def test_max_abandonment_at_a_large_load_is_fast_and_tight():
    stamps = pd.date_range("2025-06-02 09:00", periods=2, freq="h", tz="Europe/London")
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": [1e6, 2e5]})
    target = {"service_level": 0.5, "within_seconds": 60, "max_abandonment": 0.01}
    phone = Channel(aht_seconds=180, patience_seconds=120, target=target)
    with deadline(20):  # one agent at a time took minutes
        table = requirements(forecast, {"phone": phone})
    kw = {"patience_seconds": 120, "interval_minutes": 60}
    for calls, agents in zip(forecast["q50"], table["agents"], strict=True):
        assert q.abandonment(calls, 180, agents, **kw) <= 0.01
        assert q.abandonment(calls, 180, agents - 1, **kw) > 0.01


# ------------------------------------------------------------------ refused, by name


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: q.service_level([10, -1, 5], 180, 3, 20), "calls[1]"),
        (lambda: q.service_level(10, [180, np.inf], 3, 20), "aht_seconds[1]"),
        (lambda: q.service_level(1e12, 180, 3, 20), "calls"),
        (lambda: q.service_level(10, 1e9, 3, 20), "aht_seconds"),
        (lambda: q.service_level(10, 180, 3, 20, patience_seconds=1e9), "patience_seconds"),
        (lambda: q.service_level(10, 180, 1e12, 20), "agents"),
        (lambda: q.service_level(10, 180, 3, 20, interval_minutes=1e-300), "interval_minutes"),
        (lambda: q.service_level(10, 180, 3, 20, interval_minutes=np.nan), "interval_minutes"),
        (lambda: q.service_level(10, 180, 3, 20, concurrency=np.nan), "concurrency"),
        (lambda: q.service_level(10, 180, 3, 20, concurrency=10**6), "concurrency"),
        (lambda: q.required_agents(2e8, 180, asa_seconds=20), "load"),
        (lambda: q.required_agents(1e9, 3600, asa_seconds=20, interval_minutes=1440), "load"),
        (
            lambda: q.required_agents(_calls(1e6, 10), 10, asa_seconds=1, patience_seconds=86400),
            "patience_seconds / aht_seconds",
        ),
        (
            lambda: q.required_agents(
                10, 180, service_level=0.8, target_seconds=20, min_agents=[0, np.nan]
            ),
            "min_agents[1]",
        ),
        (
            lambda: q.required_agents(
                [10, 20], 180, service_level=0.8, target_seconds=20, shrinkage=[0.1, np.nan]
            ),
            "shrinkage[1]",
        ),
        (lambda: q.scheduled_agents([3, np.nan], 0.3), "agents[1]"),
        (lambda: q.scheduled_agents(3, np.nan), "shrinkage"),
        (lambda: q.erlang_b([1.0, 2e6], 3), "load[1]"),
        (lambda: q.erlang_c(5.0, [[1, 2], [3, np.inf]]), "agents[1, 1]"),
        (lambda: q.erlang_a_wait_probability(1e6, 10, 1e4), "patience_seconds / aht_seconds"),
        (lambda: q.deferred_agents([1, np.nan, 2], 600, 7200), "calls[1]"),
        (lambda: q.deferred_agents([1, 2, 3], np.nan, 7200), "aht_seconds"),
        (
            lambda: q.deferred_agents([1, 2, 3], 600, 7200, initial_backlog=np.nan),
            "initial_backlog",
        ),
        (lambda: q.deferred_agents([1e9, 0, 0], 600, 7200), "load"),
        (lambda: q.deferred_agents_tiers([[1, 2, 3]], 600, [np.nan]), "response_seconds"),
    ],
)
def test_bad_values_are_refused_naming_the_argument_and_element(call, words):
    with deadline(5), pytest.raises(ValueError, match=re.escape(words)):
        call()


def test_missing_values_give_nan_where_documented_and_never_hang():
    with deadline(5):  # a NaN ASA target used to step up forever
        assert np.isnan(q.required_agents(100, 180, asa_seconds=np.nan))
        got = q.required_agents([100, np.nan, 50], 180, asa_seconds=[20, 20, np.nan])
    assert got[0] == q.required_agents(100, 180, asa_seconds=20)
    assert np.isnan(got[1:]).all()
    table = q.staffing_table([100, 50], 180, service_level=0.8, target_seconds=[20, np.nan])
    assert np.isnan(table["scheduled"].iloc[1])
    assert table["agents"].iloc[0] == q.required_agents(
        100, 180, service_level=0.8, target_seconds=20
    )


def test_far_deadlines_are_not_an_overflow():
    # a response time far beyond the horizon forces nothing (it raised OverflowError)
    assert q.deferred_agents([10, 0, 0], 600, 1e300).tolist() == [0, 0, 0]
    pooled = q.deferred_agents_tiers([[10, 0, 0, 0], [5, 0, 0, 0]], 600, [7200, 1e300])
    assert pooled.tolist() == q.deferred_agents([10, 0, 0, 0], 600, 7200).tolist()


# ---------------------------------------------------------------- invariants, wide ranges


@st.composite
def erlang_c_cases(draw):
    """A load from 1e-9 to just under the maximum, handle times from a millisecond to a day."""
    load = draw(st.one_of(st.floats(1e-9, 1.0), st.floats(1.0, 0.999 * q.MAX_LOAD_ERLANGS)))
    aht = draw(st.one_of(st.floats(1e-3, 10.0), st.floats(10.0, q.MAX_AHT_SECONDS)))
    minutes = draw(st.sampled_from([1.0, 15.0, 60.0, 1440.0]))
    calls = _calls(load, aht, minutes)
    assume(calls <= q.MAX_COUNT)
    return calls, aht, minutes, calls * aht / (60.0 * minutes)


@settings(max_examples=80, deadline=None)
@given(case=erlang_c_cases(), sl=st.floats(0.01, 0.999), t=st.floats(0, 1e5))
def test_erlang_c_staffs_above_the_load_and_meets_the_target(case, sl, t):
    calls, aht, minutes, load = case
    kw = {"interval_minutes": minutes}
    n = q.required_agents(calls, aht, service_level=sl, target_seconds=t, **kw)
    assert n > load
    achieved = q.service_level(calls, aht, n, t, **kw)
    assert 0.0 <= achieved <= 1.0
    assert achieved >= sl
    if n - 1 > load:
        assert q.service_level(calls, aht, n - 1, t, **kw) < sl
    for agents in {0, int(load), n, 2 * n + 10}:
        value = q.service_level(calls, aht, agents, t, **kw)
        assert 0.0 <= value <= 1.0
        assert 0.0 <= q.probability_wait(calls, aht, agents, **kw) <= 1.0
        assert q.asa(calls, aht, agents, **kw) >= 0.0  # inf when unstable, never NaN
        assert 0.0 <= q.occupancy(calls, aht, max(agents, 1), **kw) <= 1.0


@st.composite
def erlang_a_cases(draw):
    calls, aht, minutes, load = draw(erlang_c_cases())
    patience = draw(st.floats(1e-3, q.MAX_PATIENCE_SECONDS))
    assume(load * patience / aht <= 1e8)  # keep the run short; the limit itself is 1e9
    return calls, aht, minutes, load, patience


@settings(max_examples=40, deadline=None)
@given(case=erlang_a_cases(), sl=st.floats(0.05, 0.99), t=st.floats(0, 600))
def test_erlang_a_measures_are_fractions_and_the_answer_meets_the_target(case, sl, t):
    calls, aht, minutes, load, patience = case
    kw = {"interval_minutes": minutes, "patience_seconds": patience}
    with deadline(20):
        n = q.required_agents(calls, aht, service_level=sl, target_seconds=t, **kw)
        assert q.service_level(calls, aht, n, t, **kw) >= sl
        for agents in {1, max(int(load) // 2, 1), n, 2 * n + 10}:
            for definition in ("offered", "answered", "virtual"):
                value = q.service_level(calls, aht, agents, t, definition=definition, **kw)
                assert 0.0 <= value <= 1.0, definition
            assert 0.0 <= q.probability_wait(calls, aht, agents, **kw) <= 1.0
            assert 0.0 <= q.abandonment(calls, aht, agents, **kw) <= 1.0
            assert q.asa(calls, aht, agents, **kw) >= 0.0


# ------------------------------------------------------------------- simulation parameters


def _tiny_simulation(**kw):
    grid = pd.date_range("2024-03-04 09:00", periods=2, freq="30min", tz="Europe/London")
    forecast = pd.DataFrame({"interval_start": grid, "volume": [20.0, 20.0]})
    staffing = pd.DataFrame({"interval_start": grid, "agents": [5, 5]})
    options = {"aht_seconds": 300, "target_seconds": 20, "replications": 2, "seed": 1, **kw}
    return simulate(staffing, forecast, **options)


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"handle_time": "lognormal", "cv": 1e6}, "cv"),
        ({"handle_time": "lognormal", "cv": math.nan}, "cv"),
        ({"aht_seconds": 1e9}, "aht_seconds"),
        ({"patience_seconds": 1e9}, "patience_seconds"),
        ({"replications": 10**9}, "replications"),
        ({"target_seconds": math.inf}, "target_seconds"),
    ],
)
def test_simulation_parameters_are_bounded(options, word):
    with deadline(10), pytest.raises(ValueError, match=rf"^{word}:"):
        _tiny_simulation(**options)


def test_lognormal_at_the_largest_cv_is_finite():
    result = _tiny_simulation(handle_time="lognormal", cv=10.0)
    assert np.isfinite(result.intervals["offered"]).all()


# ------------------------------------------------------------------------ staffing erlang


def _erlang(*args: str):
    with deadline(20):
        return CliRunner().invoke(main, ["erlang", *args])


BASE_ARGS = {"--calls": "100", "--aht": "180", "--target": "80/20"}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--calls", "nan"),
        ("--calls", "inf"),
        ("--calls", "-5"),
        ("--calls", "1e12"),
        ("--aht", "1e9"),
        ("--aht", "nan"),
        ("--interval-minutes", "1e-300"),
        ("--interval-minutes", "nan"),
        ("--patience", "1e9"),
        ("--patience", "nan"),
        ("--asa", "inf"),
        ("--shrinkage", "nan"),
        ("--max-occupancy", "nan"),
        ("--rows", "100000000"),
        ("--concurrency", "1000"),
    ],
)
def test_erlang_refuses_hostile_options_in_one_line(option, value):
    args = {**BASE_ARGS, option: value}
    result = _erlang(*[part for pair in args.items() for part in pair])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert option in lines[0]
    assert "Traceback" not in result.output


def test_erlang_names_the_options_of_a_load_beyond_the_limit():
    result = _erlang("--calls", "1e9", "--aht", "3600", "--target", "80/20")
    assert result.exit_code == 2
    assert all(option in result.stderr for option in ("--calls", "--aht"))
    result = _erlang("--calls", "1e9", "--aht", "1", "--patience", "86400", "--target", "80/20")
    assert result.exit_code == 2
    assert "--patience" in result.stderr


def test_erlang_large_table_and_load_within_limits():
    result = _erlang("--calls", "2e7", "--aht", "180", "--target", "80/20", "--rows", "50",
                     "--patience", "120", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["load_erlangs"] == pytest.approx(1e6)
    assert len(data["table"]) == 101
    assert all(0 <= row["service_level"] <= 1 for row in data["table"])
