"""Tests of staffing.queueing against independent references and invariants."""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queueing_reference import erlang_a_chain, erlang_b, erlang_c
from staffing import queueing as q
from staffing.errors import InfeasibleError
from staffing.queueing.erlang import _log_erlang_b

# ------------------------------------------------------------------------- known answers


def test_published_example_100_calls_in_30_minutes():
    # 100 calls in 30 min, AHT 180 s = 10 Erlang; 80/20 needs 14 agents (13 give 79.6%).
    assert q.required_agents(100, 180, interval_minutes=30, service_level=0.8,
                             target_seconds=20) == 14  # fmt: skip
    sl = q.service_level(100, 180, 14, 20, interval_minutes=30)
    assert sl == pytest.approx(0.887, abs=0.002)
    assert q.service_level(100, 180, 13, 20, interval_minutes=30) < 0.8


def test_textbook_values_ten_erlangs():
    # Erlang B(10, 10) = 0.2146 and Erlang C(11, 10) = 0.6821 (standard tables).
    assert q.erlang_b(10.0, 10) == pytest.approx(0.214582, abs=1e-6)
    assert q.erlang_c(10.0, 11) == pytest.approx(0.682118, abs=1e-6)


def test_against_mpmath_for_the_example():
    c = erlang_c(14, 10.0)
    assert q.probability_wait(100, 180, 14, interval_minutes=30) == pytest.approx(
        float(c), rel=1e-12)  # fmt: skip
    expected = 1 - c * mp.exp(-mp.mpf(4) * 20 / 180)
    assert q.service_level(100, 180, 14, 20, interval_minutes=30) == pytest.approx(
        float(expected), rel=1e-12)  # fmt: skip
    assert q.asa(100, 180, 14, interval_minutes=30) == pytest.approx(
        float(c * 180 / 4), rel=1e-12)  # fmt: skip


# ------------------------------------------------------------------ high-precision grid

LOADS = [0.01, 0.7, 3.0, 10.0, 99.5, 1000.0, 5000.0, 20000.0]


def _agent_grid(a):
    return sorted({1, 2, 7, int(0.5 * a), int(a), int(a) + 1, int(a + 3 * math.sqrt(a)) + 1,
                   int(1.5 * a) + 2, 25000} - {0})  # fmt: skip


@pytest.mark.parametrize("load", LOADS)
def test_erlang_b_and_c_within_1e9_of_mpmath(load):
    for n in _agent_grid(load):
        ref = erlang_b(n, load)
        got = q.erlang_b(load, n)
        if ref > mp.mpf("1e-300"):
            assert got == pytest.approx(float(ref), rel=1e-9), (load, n)
            if n > load:
                assert q.erlang_c(load, n) == pytest.approx(float(erlang_c(n, load)), rel=1e-9)
        else:
            assert got >= 0
            assert np.isfinite(got)


def test_log_erlang_b_deep_tail_is_exact():
    # B(25000, 0.01) underflows double precision; its logarithm does not.
    with mp.workdps(40):
        ref = 25000 * mp.log(mp.mpf(0.01)) - mp.mpf(0.01) - mp.loggamma(25001)
        ref -= mp.log(mp.gammainc(25001, mp.mpf(0.01), mp.inf, regularized=True))
    got = _log_erlang_b(np.array([25000.0]), np.array([0.01]))[0]
    assert got == pytest.approx(float(ref), rel=1e-12)


def test_unstable_and_empty_systems():
    assert q.erlang_c(10.0, 10) == 1.0
    assert q.service_level(100, 180, 10, 20, interval_minutes=30) == 0.0
    assert q.asa(100, 180, 9, interval_minutes=30) == math.inf
    assert q.occupancy(100, 180, 9, interval_minutes=30) == 1.0
    assert q.erlang_c(0.0, 3) == 0.0
    assert q.service_level(0, 180, 0, 20) == 1.0
    assert q.probability_wait(0, 180, 2) == 0.0
    assert q.required_agents(0, 180, service_level=0.8, target_seconds=20) == 0
    assert q.required_agents(0, 180, service_level=0.8, target_seconds=20, min_agents=2) == 2


# ------------------------------------------------------------------------------ Erlang A

ERLANG_A_CASES = [(5, 4.0, 1.0, 0.3), (10, 10.0, 0.5, 0.2), (3, 6.0, 2.0, 1.0), (8, 5.0, 0.8, 0.1)]


@pytest.mark.parametrize(("n", "load", "ratio", "t"), ERLANG_A_CASES)
def test_erlang_a_against_brute_force_chain(n, load, ratio, t):
    ref = erlang_a_chain(n, load, ratio, t, terms=90, dps=60)
    aht = 100.0
    patience = ratio * aht
    kw = {"interval_minutes": 60, "patience_seconds": patience}
    calls = load * 3600 / aht
    assert q.probability_wait(calls, aht, n, **kw) == pytest.approx(float(ref["p_wait"]), 1e-10)
    aband = q.abandonment(calls, aht, n, **kw)
    assert aband == pytest.approx(float(ref["abandonment"]), rel=1e-10)
    for definition in ("offered", "virtual"):
        got = q.service_level(calls, aht, n, t * patience, definition=definition, **kw)
        assert got == pytest.approx(float(ref[definition]), rel=1e-10), definition
    answered = q.service_level(calls, aht, n, t * patience, definition="answered", **kw)
    assert answered == pytest.approx(float(ref["offered"] / (1 - ref["abandonment"])), 1e-10)
    wait = q.asa(calls, aht, n, **kw)
    assert wait == pytest.approx(float(ref["wait_served"] * patience / (1 - ref["abandonment"])),
                                 rel=1e-9)  # fmt: skip


def _erlang_a_closed_form(n, load, ratio):
    """P(wait) and P(abandon) by the Garnett-Mandelbaum-Reiman closed form in mpmath."""
    with mp.workdps(60):
        x, y = n * mp.mpf(ratio), load * mp.mpf(ratio)
        s = x * mp.exp(y) * y ** (-x) * mp.gammainc(x, 0, y)  # A(x, y)
        b = erlang_b(n, load, 60)
        p_wait = b * s / (1 - b + b * s)
        p_ab_wait = 1 / (s * load / n) + 1 - n / mp.mpf(load)
        return p_wait, p_wait * p_ab_wait


@pytest.mark.parametrize(("n", "load", "ratio"),
                         [(2000, 1950.0, 2.0), (5000, 4990.0, 20.0), (3000, 3300.0, 0.5),
                          (1200, 1000.0, 5.0)])  # fmt: skip
def test_erlang_a_exact_at_large_centres(n, load, ratio):
    p_wait, p_ab = _erlang_a_closed_form(n, load, ratio)
    aht = 300.0
    calls = load * 3600 / aht
    kw = {"patience_seconds": ratio * aht}
    assert q.probability_wait(calls, aht, n, **kw) == pytest.approx(float(p_wait), rel=1e-9)
    got = q.abandonment(calls, aht, n, **kw)
    assert got > 0
    assert got == pytest.approx(float(p_ab), rel=1e-8)


def test_erlang_a_tends_to_erlang_c_with_patience():
    # Patience is capped at MAX_PATIENCE_SECONDS (one day): approach Erlang C up to there.
    kw = {"interval_minutes": 30}
    c = q.service_level(100, 180, 14, 20, **kw)
    c_asa = q.asa(100, 180, 14, **kw)
    patience = [900, 3600, 14400, q.MAX_PATIENCE_SECONDS]
    gaps = [abs(q.service_level(100, 180, 14, 20, patience_seconds=p, **kw) - c) for p in patience]
    asa_gaps = [abs(q.asa(100, 180, 14, patience_seconds=p, **kw) / c_asa - 1) for p in patience]
    assert gaps == sorted(gaps, reverse=True)
    assert asa_gaps == sorted(asa_gaps, reverse=True)
    assert gaps[-1] < 3e-4
    assert asa_gaps[-1] < 1e-2


def test_erlang_a_definitions_are_ordered():
    kw = {"interval_minutes": 30, "patience_seconds": 60}
    offered = q.service_level(100, 180, 10, 20, **kw)
    answered = q.service_level(100, 180, 10, 20, definition="answered", **kw)
    virtual = q.service_level(100, 180, 10, 20, definition="virtual", **kw)
    assert 0 < offered < answered <= 1
    assert offered < virtual < 1


# ------------------------------------------------------------------ containers and input


def test_containers_scalar_array_series_nan():
    assert isinstance(q.erlang_c(10.0, 12), float)
    arr = q.service_level(np.array([100, 50]), 180, 14, 20, interval_minutes=30)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (2,)
    idx = pd.date_range("2025-01-06 09:00", periods=3, freq="30min", tz="Europe/London")
    series = pd.Series([100.0, np.nan, 50.0], index=idx)
    out = q.service_level(series, 180, 14, 20, interval_minutes=30)
    assert isinstance(out, pd.Series)
    assert out.index.equals(idx)
    assert np.isnan(out.iloc[1])
    assert out.iloc[0] == pytest.approx(arr[0])
    req = q.required_agents(series, 180, interval_minutes=30, service_level=0.8,
                            target_seconds=20)  # fmt: skip
    assert req.index.equals(idx)
    assert np.isnan(req.iloc[1])
    assert req.iloc[0] == 14
    table = q.staffing_table(series, 180, interval_minutes=30, service_level=0.8,
                             target_seconds=20)  # fmt: skip
    assert list(table.columns) == ["agents", "scheduled", "service_level", "asa_seconds",
                                   "occupancy", "abandonment"]  # fmt: skip
    assert table.index.equals(idx)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: q.service_level(-1, 180, 3, 20), "calls"),
        (lambda: q.service_level(10, 0, 3, 20), "aht_seconds"),
        (lambda: q.service_level(10, 180, 2.5, 20), "agents"),
        (lambda: q.service_level(10, 180, 3, 20, interval_minutes=0), "interval_minutes"),
        (lambda: q.service_level(10, 180, 3, 20, concurrency=0), "concurrency"),
        (lambda: q.service_level(10, 180, 3, 20, definition="x"), "definition"),
        (lambda: q.required_agents(10, 180, service_level=1.2, target_seconds=20),
         "service_level"),
        (lambda: q.required_agents(10, 180, service_level=0.8, target_seconds=20,
                                   shrinkage=1.0), "shrinkage"),
        (lambda: q.required_agents(10, 180), "target"),
        (lambda: q.required_agents(10, 180, max_occupancy=1.5), "max_occupancy"),
    ],
)  # fmt: skip
def test_invalid_input_names_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------- required agents


def _brute_required(calls, aht, minutes, sl, t, asa=None, occ=None, patience=None, k=1):
    load = calls * aht / (60 * minutes)
    start = int(load / k) if patience is None else 0  # below the load Erlang C is unstable
    for n in range(start, 5000):
        kw = {"interval_minutes": minutes, "patience_seconds": patience, "concurrency": k}
        ok = True
        if sl is not None:
            ok &= q.service_level(calls, aht, n, t, **kw) >= sl
        if asa is not None:
            ok &= q.asa(calls, aht, n, **kw) <= asa
        if occ is not None:
            ok &= q.occupancy(calls, aht, n, **kw) <= occ + 1e-12
        if ok:
            return n
    raise AssertionError("no answer")


def test_required_agents_equals_brute_force_on_a_grid():
    rng = np.random.default_rng(7)
    calls = rng.uniform(0.5, 3000, 40)
    aht = rng.uniform(60, 900, 40)
    got = q.required_agents(calls, aht, service_level=0.8, target_seconds=20, asa_seconds=30,
                            max_occupancy=0.9)  # fmt: skip
    for i in range(40):
        assert got[i] == _brute_required(calls[i], aht[i], 60, 0.8, 20, 30, 0.9), i


def test_required_agents_first_stable_count_can_be_the_answer():
    # a = 9.9: 10 agents are the first stable count; a generous target is met there.
    calls = 9.9 * 3600 / 300
    assert q.service_level(calls, 300, 10, 3600) >= 0.5
    assert q.required_agents(calls, 300, service_level=0.5, target_seconds=3600) == 10


def test_required_agents_erlang_a_and_concurrency_equal_brute_force():
    for calls, patience in [(100, 60.0), (400, 300.0), (30, 30.0)]:
        got = q.required_agents(calls, 180, interval_minutes=30, service_level=0.8,
                                target_seconds=20, patience_seconds=patience)  # fmt: skip
        assert got == _brute_required(calls, 180, 30, 0.8, 20, patience=patience)
    got = q.required_agents(300, 600, interval_minutes=30, service_level=0.8,
                            target_seconds=60, concurrency=3)  # fmt: skip
    assert got == _brute_required(300, 600, 30, 0.8, 60, k=3)
    servers = q.required_agents(300, 600, interval_minutes=30, service_level=0.8,
                                target_seconds=60)  # fmt: skip
    assert got == math.ceil(servers / 3)


def test_shrinkage_gives_scheduled_and_table_gives_both():
    table = q.staffing_table([100.0], 180, interval_minutes=30, service_level=0.8,
                             target_seconds=20, shrinkage=0.3)  # fmt: skip
    assert table["agents"].iloc[0] == 14
    assert table["scheduled"].iloc[0] == 20
    assert q.scheduled_agents(14, 0.3) == 20
    assert q.scheduled_agents(15, 0.3) == 22


# ------------------------------------------------------------------- hypothesis invariants

loads = st.floats(0.05, 400)
ahts = st.floats(30, 900)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, t=st.floats(0, 120), extra=st.integers(0, 30))
def test_service_level_rises_with_agents_and_target(load, aht, t, extra):
    calls = load * 3600 / aht
    n = int(load) + 1 + extra
    base = q.service_level(calls, aht, n, t)
    assert q.service_level(calls, aht, n + 1, t) >= base - 1e-12
    assert q.service_level(calls, aht, n, t + 10) >= base - 1e-12
    assert q.service_level(calls * 1.1, aht, n, t) <= base + 1e-12


@settings(max_examples=40, deadline=None)
@given(load=loads, aht=ahts, sl=st.floats(0.05, 0.99), t=st.floats(0, 120))
def test_required_agents_is_the_smallest_meeting_the_target(load, aht, sl, t):
    calls = load * 3600 / aht
    n = q.required_agents(calls, aht, service_level=sl, target_seconds=t)
    assert q.service_level(calls, aht, n, t) >= sl
    assert n == 0 or q.service_level(calls, aht, n - 1, t) < sl
    assert q.required_agents(calls * 1.2, aht, service_level=sl, target_seconds=t) >= n


@settings(max_examples=25, deadline=None)
@given(load=st.floats(0.5, 60), ratio=st.floats(0.2, 20), extra=st.integers(-3, 10))
def test_erlang_a_abandonment_falls_with_agents(load, ratio, extra):
    n = max(1, int(load) + extra)
    kw = {"patience_seconds": ratio * 100}
    calls = load * 36
    first = q.abandonment(calls, 100, n, **kw)
    assert 0 < first < 1
    assert q.abandonment(calls, 100, n + 1, **kw) <= first


@settings(max_examples=25, deadline=None)
@given(calls=st.lists(st.floats(0, 2000), min_size=1, max_size=8))
def test_scalar_and_vector_paths_agree(calls):
    vector = q.required_agents(np.array(calls), 240, service_level=0.8, target_seconds=20)
    scalar = [q.required_agents(c, 240, service_level=0.8, target_seconds=20) for c in calls]
    assert vector.tolist() == scalar


# --------------------------------------------------------------------------- deferred work


def _replay(arrivals, agents, aht, response, minutes, backlog=0.0):
    """FIFO replay: return the items still outstanding after their deadline, per batch."""
    per_agent = 60 * minutes / aht
    window = math.floor(response / (60 * minutes) + 1e-9)
    queue = [[backlog, window - 1]] if backlog else []  # [items, last interval to finish]
    late = []
    for j, n in enumerate(agents):
        capacity = n * per_agent
        while queue and capacity > 0:
            take = min(capacity, queue[0][0])
            queue[0][0] -= take
            capacity -= take
            if queue[0][0] <= 1e-9:
                queue.pop(0)
        late += [batch for batch in queue if batch[1] == j and batch[0] > 1e-7]
        queue = [batch for batch in queue if batch[1] != j]
        if arrivals[j] > 0:
            queue.append([arrivals[j], j + window - 1])
    return late


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deferred_meets_every_deadline_and_is_tight(seed):
    rng = np.random.default_rng(seed)
    arrivals = rng.poisson(40, 96).astype(float) * (np.arange(96) % 24 >= 8)
    aht, response, minutes = 420.0, 6 * 3600.0, 60.0
    agents = q.deferred_agents(arrivals, aht, response, interval_minutes=minutes,
                               initial_backlog=25.0)  # fmt: skip
    assert _replay(arrivals, agents, aht, response, minutes, 25.0) == []
    for j in np.flatnonzero(agents > 0)[:30]:
        fewer = agents.copy()
        fewer[j:] = agents[j] - 1
        assert _replay(arrivals, fewer, aht, response, minutes, 25.0), j


def test_deferred_respects_closed_intervals_and_series():
    idx = pd.date_range("2025-01-06", periods=48, freq="h", tz="Europe/London")
    arrivals = pd.Series(10.0, index=idx)
    is_open = (idx.hour >= 8) & (idx.hour < 20)
    agents = q.deferred_agents(arrivals, 600, 24 * 3600, open_mask=is_open, shrinkage=0.2)
    assert isinstance(agents, pd.Series)
    assert agents.index.equals(idx)
    assert (agents[~is_open] == 0).all()
    on_queue = q.deferred_agents(arrivals, 600, 24 * 3600, open_mask=is_open)
    assert _replay(arrivals.to_numpy(), on_queue.to_numpy(), 600, 24 * 3600, 60) == []


def test_deferred_infeasible_and_invalid():
    with pytest.raises(InfeasibleError, match="interval"):
        q.deferred_agents([10.0, 0, 0, 0], 600, 3 * 3600, open_mask=np.zeros(4, bool))
    with pytest.raises(ValueError, match="response_seconds"):
        q.deferred_agents([10.0], 600, 3600)
    with pytest.raises(ValueError, match="calls"):
        q.deferred_agents([-1.0, 2.0], 600, 7200)


# -------------------------------------------------------------------------- package layout

SUBMODULES = ("limits", "erlang", "measures", "staffing", "deferred")


def test_package_reexports_every_submodule_name():
    names = []
    for name in SUBMODULES:
        module = importlib.import_module(f"staffing.queueing.{name}")
        for public in module.__all__:
            assert getattr(q, public) is getattr(module, public), (name, public)
        names += module.__all__
    assert sorted(names) == sorted(q.__all__)


def test_api_page_documents_every_public_name_with_its_value():
    # docs/api/queueing.md lists the names by hand (autodoc cannot find the comments of the
    # limits under staffing.queueing, where they are re-exported), so it must follow the code.
    page = (Path(__file__).parents[1] / "docs" / "api" / "queueing.md").read_text()
    values = dict(re.findall(r"\.\. data:: (\w+)\n   :value: (\S+)", page))
    functions = re.findall(r"\.\. autofunction:: (\w+)", page)
    assert sorted([*values, *functions]) == sorted(q.__all__)
    for name, value in values.items():
        assert float(value) == getattr(q, name), name
