"""Tests of staffing.risk and simulate(volume_draws=...): Monte-Carlo validation, known
answers, properties and errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from staffing.errors import ConfigError, DataError
from staffing.queueing import service_level
from staffing.risk import (
    RISK_FRAME_COLUMNS,
    ServiceRisk,
    service_risk,
    volume_factors,
    weekly_service,
    weighted_target,
)
from staffing.simulate import simulate

TZ = "Europe/London"
# The validation scenario: one day of 24 one-hour intervals, 20 agents, Erlang C (no
# abandonment), 250 contacts an hour of 4 minutes, 80% within 20 s. The weekly service level
# crosses 80% near volume factor 0.97, so P(meet) is moderate with level-only uncertainty.
HOURS, AGENTS, RATE, AHT, THRESHOLD, GOAL = 24, 20, 250.0, 240.0, 20.0, 0.8
ALPHA = 0.04  # sd 0.2 of the level factor


def hourly(periods: int = HOURS) -> pd.DatetimeIndex:
    return pd.date_range("2024-03-04", periods=periods, freq="h", tz=TZ)


def weekly_level(raw: pd.DataFrame) -> np.ndarray:
    """Weekly service level per replication, straight from simulate's raw counts."""
    judged = raw[raw["target_seconds"].notna()]
    sums = judged.groupby("replication")[["answered_within_target", "offered"]].sum()
    return (sums["answered_within_target"] / sums["offered"]).to_numpy(float)


def risk_of(agents=AGENTS, rate=RATE, alpha=ALPHA, level=ALPHA, replications=800, seed=5):
    return service_risk(
        np.full(HOURS, agents),
        np.full(HOURS, rate),
        interval_starts=hourly(),
        target_service_level=GOAL,
        target_within_seconds=THRESHOLD,
        aht_seconds=AHT,
        dispersion=alpha,
        level_dispersion=level,
        replications=replications,
        seed=seed,
    )


@pytest.fixture(scope="module")
def level_only() -> ServiceRisk:
    return risk_of()


# --- simulate(volume_draws=...) --------------------------------------------------------------


def small_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    grid = pd.date_range("2024-03-04 09:00", periods=6, freq="30min", tz=TZ)
    forecast = pd.DataFrame({"interval_start": grid, "volume": [40.0, 60, 80, 80, 60, 40]})
    return pd.DataFrame({"interval_start": grid, "agents": [6, 8, 10, 10, 8, 6]}), forecast


def test_draws_equal_to_the_forecast_give_the_same_result() -> None:
    staffing, forecast = small_case()
    common = {"aht_seconds": 240, "target_seconds": 20, "patience_seconds": 120, "seed": 11}
    plain = simulate(staffing, forecast, replications=5, **common)
    draws = np.tile(forecast["volume"].to_numpy(), (5, 1))
    drawn = simulate(staffing, forecast, replications=5, volume_draws=draws, **common)
    pd.testing.assert_frame_equal(plain.replications, drawn.replications)
    pd.testing.assert_frame_equal(plain.intervals, drawn.intervals)
    pd.testing.assert_frame_equal(plain.overall, drawn.overall)


def test_each_replication_draws_at_its_own_row() -> None:
    staffing, forecast = small_case()
    draws = np.zeros((3, 6))
    draws[1] = 1000.0
    draws[2, 3] = 500.0
    result = simulate(
        staffing, forecast, aht_seconds=240, target_seconds=20, replications=3, seed=2,
        volume_draws=draws,
    )  # fmt: skip
    offered = result.replications.pivot(
        index="replication", columns="interval_start", values="offered"
    ).to_numpy()
    assert (offered[0] == 0).all()
    assert (np.abs(offered[1] - 1000) < 5 * math.sqrt(1000)).all()
    assert offered[2, 3] > 400
    assert offered[2, [0, 1, 2, 4, 5]].sum() == 0


@pytest.mark.parametrize(
    ("draws", "match"),
    [
        (np.ones((2, 6)), r"volume_draws: expected shape \(3, 6\)"),
        (np.ones(6), r"volume_draws: expected shape"),
        (np.where(np.eye(3, 6) > 0, -1.0, 1.0), r"volume_draws: row 0.*column 0.*-1"),
        (np.full((3, 6), np.nan), r"volume_draws: row 0.*nan"),
        (np.full((3, 6), np.inf), r"volume_draws: row 0.*inf"),
        ([["a"] * 6] * 3, r"volume_draws: expected numbers"),
    ],
)
def test_bad_volume_draws(draws, match) -> None:
    staffing, forecast = small_case()
    with pytest.raises(DataError, match=match):
        simulate(staffing, forecast, aht_seconds=240, target_seconds=20, replications=3,
                 volume_draws=draws)  # fmt: skip


def test_volume_draws_need_a_chronological_forecast_and_no_replay() -> None:
    staffing, forecast = small_case()
    shuffled = forecast.iloc[::-1]
    with pytest.raises(DataError, match=r"volume_draws: .*chronological"):
        simulate(staffing, shuffled, aht_seconds=240, target_seconds=20, replications=1,
                 volume_draws=np.ones((1, 6)))  # fmt: skip
    arrivals = [forecast["interval_start"].iloc[0] + pd.Timedelta(5, unit="min")]
    with pytest.raises(ValueError, match="volume_draws: cannot be combined with arrivals"):
        simulate(staffing, forecast, aht_seconds=240, target_seconds=20, replications=1,
                 arrivals=arrivals, volume_draws=np.ones((1, 6)))  # fmt: skip


# --- volume factors ---------------------------------------------------------------------------


def test_zero_dispersion_gives_ones_and_level_only_gives_one_factor_per_row() -> None:
    assert (volume_factors(5, 0.0, 0.0, 7, seed=1) == 1).all()
    rows = volume_factors(5, 0.1, 0.1, 400, seed=1)
    assert (rows == rows[:, :1]).all()
    assert rows[:, 0].std() > 0.2  # sd sqrt(0.1) = 0.32: really drawn
    # a level dispersion above the dispersion is clipped to it: the same draws
    assert (volume_factors(5, 0.1, 0.5, 400, seed=1) == rows).all()
    # interval-only: independent columns
    columns = volume_factors(2, 0.1, 0.0, 20_000, seed=3)
    assert abs(np.corrcoef(columns.T)[0, 1]) < 0.03


def within_sigmas(sample: np.ndarray, expected: float, sigmas: float = 5.0) -> bool:
    """The sample mean within ``sigmas`` standard errors of ``expected`` (and float rounding)."""
    error = sigmas * sample.std(ddof=1) / math.sqrt(sample.size)
    return abs(sample.mean() - expected) <= error + 1e-12


@settings(max_examples=25, deadline=None)
@given(
    alpha=st.floats(0.0, 0.5),
    share=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_factors_have_mean_one_variance_alpha_and_weekly_covariance(alpha, share, seed) -> None:
    size, count = 6, 20_000
    week = alpha * share
    factors = volume_factors(size, alpha, week, count, seed=seed)
    assert factors.shape == (count, size)
    assert (factors >= 0).all()
    column = factors[:, 0]
    if alpha == 0:
        assert (factors == 1).all()
        return
    assert within_sigmas(column, 1.0)
    assert within_sigmas((column - 1.0) ** 2, alpha)
    # the weekly total: T alpha + T (T - 1) a_w, i.e. correlation a_w / alpha between intervals
    total = factors.sum(axis=1)
    assert within_sigmas((total - size) ** 2, size * alpha + size * (size - 1) * week)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0, 0.1, 0.1, 10), "intervals"),
        ((3, -0.1, 0.0, 10), "dispersion"),
        ((3, float("nan"), 0.0, 10), "dispersion"),
        ((3, 0.1, float("inf"), 10), "level_dispersion"),
        ((3, 0.1, 0.0, 0), "replications"),
        ((3, 0.1, 0.0, 2.5), "replications"),
        ((3, 0.1, 0.0, 10**8), "replications"),
    ],
)
def test_bad_factor_parameters(args, match) -> None:
    with pytest.raises(ValueError, match=match):
        volume_factors(*args)


# --- weekly figures ---------------------------------------------------------------------------


def test_weekly_service_by_hand() -> None:
    raw = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1, 1],
            "interval_start": [0, 1, 2, 0, 1, 2],
            "offered": [10, 20, 5, 0, 0, 4],
            "answered": [10, 18, 5, 0, 0, 0],
            "target_seconds": [20.0, 20.0, np.nan, 20.0, 20.0, np.nan],
            "answered_within_target": [9, 12, 5, 0, 0, 0],
            "wait_answered_seconds": [50.0, 400.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    out = weekly_service(raw, asa_intervals=[True, True, False])
    assert out["volume"].tolist() == [35, 4]
    assert out["service_level"].iloc[0] == pytest.approx(21 / 30)
    assert np.isnan(out["service_level"].iloc[1])  # nothing offered where judged
    assert out["asa_seconds"].iloc[0] == pytest.approx(450 / 28)
    assert np.isnan(out["asa_seconds"].iloc[1])
    with pytest.raises(DataError, match="asa_intervals"):
        weekly_service(raw, asa_intervals=[True])
    with pytest.raises(DataError, match="offered"):
        weekly_service(raw.drop(columns="offered"))


def test_weighted_target() -> None:
    assert weighted_target([0.8, 0.9], [300.0, 100.0]) == pytest.approx(0.825)
    assert weighted_target([0.8, 0.9], [0.0, 0.0]) == pytest.approx(0.85)
    assert math.isnan(weighted_target([np.nan, np.nan], [1.0, 1.0]))
    with pytest.raises(DataError, match="weight"):
        weighted_target([0.8], [-1.0])


# --- Monte-Carlo validation (the "Done means") ----------------------------------------


def test_p_meet_matches_a_direct_monte_carlo(level_only: ServiceRisk) -> None:
    """Level-only uncertainty: G is one Gamma(1/alpha, alpha) per replication. An independent
    Monte-Carlo draws G with its own generator, simulates one replication at volume RATE * G
    with plain ``simulate`` and counts the meets. Both estimate the same probability; they
    must agree within four standard errors of their difference. (Poisson noise alone gives
    P(meet) about 0.12 here, an interval-only split about 0.01: both are caught.)"""
    draws = 500
    rng = np.random.default_rng(20240304)
    factors = rng.gamma(1 / ALPHA, ALPHA, size=draws)
    staffing = pd.DataFrame({"interval_start": hourly(), "agents": AGENTS})
    meets = 0
    for k, g in enumerate(factors):
        forecast = pd.DataFrame({"interval_start": hourly(), "volume": RATE * g})
        raw = simulate(
            staffing, forecast, aht_seconds=AHT, target_seconds=THRESHOLD, replications=1,
            seed=1000 + k,
        ).replications  # fmt: skip
        meets += int(weekly_level(raw)[0] >= GOAL)
    direct = meets / draws
    p = level_only.p_meet
    pooled = (meets + p * level_only.replications) / (draws + level_only.replications)
    se = math.sqrt(pooled * (1 - pooled) * (1 / draws + 1 / level_only.replications))
    assert abs(p - direct) <= 4 * se, (p, direct, se)
    assert 0.25 < p < 0.65  # the scenario is informative


def test_p_meet_near_the_gamma_cdf_at_the_erlang_c_crossing(level_only: ServiceRisk) -> None:
    """Known answer: with one-hour intervals and constant agents the simulated day is close to
    steady state, so the weekly service level is about the Erlang C service level at load
    RATE * G, which falls through the goal at one factor g*. Then P(meet) = P(G <= g*), the
    gamma cdf. Tolerance: 4 binomial standard errors (800 replications: 0.07) plus 0.02 for
    what the steady state leaves out (the empty start and the spread of the simulated service
    level around Erlang C, about 0.04, i.e. 0.02 in G, small beside G's sd of 0.2)."""

    def erlang(g: float) -> float:
        return float(service_level(RATE * g, AHT, AGENTS, THRESHOLD, interval_minutes=60))

    g_star = optimize.brentq(lambda g: erlang(g) - GOAL, 0.5, 1.5)
    expected = stats.gamma.cdf(g_star, 1 / ALPHA, scale=ALPHA)
    se = math.sqrt(expected * (1 - expected) / level_only.replications)
    assert abs(level_only.p_meet - expected) <= 4 * se + 0.02, (level_only.p_meet, expected)
    # and the distribution of the weekly level follows the factor: low volume, high level
    order = np.argsort(level_only.volume)
    low, high = order[:200], order[-200:]
    assert level_only.service_level[low].mean() > level_only.service_level[high].mean() + 0.2


def test_zero_dispersion_is_plain_simulation() -> None:
    risk = risk_of(alpha=0.0, level=0.0, replications=30, seed=9)
    raw = simulate(
        pd.DataFrame({"interval_start": hourly(), "agents": AGENTS}),
        pd.DataFrame({"interval_start": hourly(), "volume": RATE}),
        aht_seconds=AHT, target_seconds=THRESHOLD, replications=30, seed=9,
    ).replications  # fmt: skip
    levels = weekly_level(raw)
    np.testing.assert_array_equal(risk.service_level, levels)
    assert risk.target_service_level == pytest.approx(GOAL)
    assert risk.p_meet == pytest.approx(np.mean(levels >= GOAL))
    np.testing.assert_array_equal(risk.volume, raw.groupby("replication")["offered"].sum())


def test_same_seed_same_draws_and_more_agents_serve_better() -> None:
    """Common random numbers: the factors and arrivals depend on the seed, not the staffing;
    with first come, first served and the same contacts, more agents never wait longer."""
    few = risk_of(agents=19, replications=40, seed=3)
    again = risk_of(agents=19, replications=40, seed=3)
    many = risk_of(agents=22, replications=40, seed=3)
    pd.testing.assert_frame_equal(few.to_frame(), again.to_frame())
    np.testing.assert_array_equal(few.volume, many.volume)
    assert (many.service_level >= few.service_level).all()
    assert many.p_meet >= few.p_meet
    other = risk_of(agents=19, replications=40, seed=4)
    assert not np.array_equal(few.volume, other.volume)


# --- targets ----------------------------------------------------------------------------------


def test_weekly_target_is_weighted_by_expected_offered_over_open_intervals() -> None:
    size = 8
    starts = hourly(size)
    levels = np.array([0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.5, np.nan])
    volume = np.array([50.0, 50, 100, 100, 200, 200, 300, 300])
    is_open = np.array([True] * 6 + [False, True])
    risk = service_risk(
        np.full(size, 12), volume, interval_starts=starts, target_service_level=levels,
        target_within_seconds=30.0, open_=is_open, aht_seconds=180, dispersion=0.02,
        level_dispersion=0.01, replications=20, seed=1,
    )  # fmt: skip
    assert risk.target_service_level == pytest.approx((0.9 * 100 + 0.8 * 200 + 0.7 * 400) / 700)
    assert math.isnan(risk.target_asa_seconds)
    # nothing arrives in the closed interval, so every replication's volume comes from the rest
    assert risk.volume.mean() < 1.3 * volume[is_open].sum()


def test_asa_targets_and_both_targets() -> None:
    common = {
        "interval_starts": hourly(),
        "aht_seconds": AHT,
        "dispersion": ALPHA,
        "level_dispersion": ALPHA / 2,
        "replications": 60,
        "seed": 2,
    }
    agents, rate = np.full(HOURS, AGENTS), np.full(HOURS, RATE)
    asa_only = service_risk(agents, rate, target_asa_seconds=15.0, **common)
    assert asa_only.target_asa_seconds == pytest.approx(15.0)
    assert math.isnan(asa_only.target_service_level)
    assert np.isnan(asa_only.service_level).all()
    np.testing.assert_array_equal(asa_only.met, asa_only.asa_seconds <= 15.0)
    assert 0 < asa_only.p_meet < 1
    both = service_risk(
        agents, rate, target_service_level=GOAL, target_within_seconds=THRESHOLD,
        target_asa_seconds=15.0, **common,
    )  # fmt: skip
    np.testing.assert_array_equal(both.asa_seconds, asa_only.asa_seconds)
    expected = (both.service_level >= GOAL - 1e-9) & (both.asa_seconds <= 15.0)
    np.testing.assert_array_equal(both.met, expected)


def test_result_frame_and_quantiles(level_only: ServiceRisk) -> None:
    frame = level_only.to_frame()
    assert frame.columns.tolist() == RISK_FRAME_COLUMNS
    assert frame["replication"].tolist() == list(range(800))
    assert frame["met"].mean() == level_only.p_meet
    table = level_only.quantiles([0.05, 0.5, 0.95])
    assert table.index.tolist() == [0.05, 0.5, 0.95]
    assert table["service_level"].is_monotonic_increasing
    assert table.loc[0.5, "volume"] == pytest.approx(np.median(level_only.volume))
    # weekly volume: mean RATE * HOURS, sd about RATE * HOURS * sqrt(alpha) = 1200
    assert abs(level_only.volume.mean() - RATE * HOURS) < 4 * 1200 / math.sqrt(800)
    assert level_only.volume.std() == pytest.approx(RATE * HOURS * math.sqrt(ALPHA), rel=0.15)


# --- properties of ServiceRisk ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    met=st.lists(st.booleans(), min_size=1, max_size=300),
    confidence=st.floats(0.5, 0.999),
)
def test_p_meet_is_a_share_inside_its_wilson_interval(met, confidence) -> None:
    size = len(met)
    risk = ServiceRisk(np.full(size, 0.8), np.full(size, 10.0), np.full(size, 100.0),
                       np.array(met), 0.8, np.nan)  # fmt: skip
    p = risk.p_meet
    assert 0 <= p <= 1
    assert p == pytest.approx(sum(met) / size)
    low, high = risk.p_meet_interval(confidence)
    assert 0 <= low <= p + 1e-12
    assert p - 1e-12 <= high <= 1
    wider_low, wider_high = risk.p_meet_interval(min(confidence + 0.0005, 0.9995))
    assert wider_low <= low + 1e-12
    assert wider_high >= high - 1e-12


def test_wilson_interval_known_value() -> None:
    # 40 of 50 at 95%: Wilson (0.6696, 0.8875) (e.g. statsmodels proportion_confint)
    met = np.array([True] * 40 + [False] * 10)
    risk = ServiceRisk(np.ones(50), np.ones(50), np.ones(50), met, 0.8, np.nan)
    low, high = risk.p_meet_interval()
    assert (low, high) == pytest.approx((0.6696, 0.8875), abs=1e-4)


# --- errors -----------------------------------------------------------------------------------


def good_arguments() -> dict:
    return {
        "agents": np.full(4, 5),
        "mean_volume": np.full(4, 50.0),
        "interval_starts": hourly(4),
        "target_service_level": 0.8,
        "target_within_seconds": 20.0,
        "aht_seconds": 180.0,
        "dispersion": 0.02,
        "level_dispersion": 0.01,
        "replications": 3,
        "seed": 1,
    }


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"mean_volume": np.full(3, 50.0)}, DataError, r"mean_volume: expected one value .*\(4\)"),
        ({"mean_volume": [50.0, np.nan, 50, 50]}, DataError, r"mean_volume: interval 1 .*nan"),
        ({"mean_volume": [50.0, -1, 50, 50]}, DataError, r"mean_volume: interval 1"),
        ({"target_service_level": 1.5}, DataError, r"target_service_level: interval 0 .*1\.5"),
        ({"target_within_seconds": -5.0}, DataError, "target_within_seconds"),
        ({"target_asa_seconds": [10.0, 10.0]}, DataError, "target_asa_seconds"),
        ({"agents": [5, 5]}, DataError, "agents: expected one value"),
        ({"agents": [5, 5.5, 5, 5]}, DataError, "agents"),
        ({"open_": [True, False]}, DataError, "open_"),
        ({"interval_starts": hourly(4).tz_localize(None)}, DataError, "tz-aware"),
        ({"interval_starts": hourly(4)[::-1]}, DataError, "interval_starts: expected increasing"),
        ({"target_service_level": np.nan}, ConfigError, "no open interval has"),
        ({"open_": np.zeros(4, bool)}, ConfigError, "no open interval has"),
        ({"dispersion": -0.1}, ValueError, "dispersion"),
        ({"level_dispersion": np.nan}, ValueError, "level_dispersion"),
        ({"replications": 0}, ValueError, "replications"),
        ({"seed": -1}, ValueError, "seed"),
        ({"aht_seconds": 0.0}, ValueError, "aht_seconds"),
    ],
)
def test_bad_parameters(change, error, match) -> None:
    arguments = good_arguments() | change
    agents = arguments.pop("agents")
    volume = arguments.pop("mean_volume")
    with pytest.raises(error, match=match):
        service_risk(agents, volume, **arguments)


def test_service_risk_accepts_a_staffing_frame() -> None:
    arguments = good_arguments()
    agents = arguments.pop("agents")
    volume = arguments.pop("mean_volume")
    frame = pd.DataFrame({"interval_start": hourly(4), "agents": agents})
    by_array = service_risk(agents, volume, **arguments)
    by_frame = service_risk(frame, volume, **arguments)
    pd.testing.assert_frame_equal(by_array.to_frame(), by_frame.to_frame())
