"""Tests of staffing.forecast: known answers, properties, calendar, intervals and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from staffing.errors import ConfigError, DataError, NotFittedError
from staffing.forecast import (
    Event,
    Forecaster,
    backtest,
    bias,
    coverage,
    forecast,
    mase,
    naive_scale,
    plot_backtest,
    plot_forecast,
    quantile_column,
    wape,
)
from staffing.forecast.intervals import fit_dispersion_pinball, mid_quantiles


def hourly(values, start="2025-01-06", tz="UTC", name="all") -> pd.Series:
    index = pd.date_range(pd.Timestamp(start, tz=tz), periods=len(values), freq="h")
    return pd.Series(np.asarray(values, dtype=float), index=index, name=name)


def poisson_week_profile(scale: float = 40.0) -> np.ndarray:
    hours = np.arange(168)
    day = np.exp(-0.5 * (((hours % 24) - 12.0) / 3.0) ** 2)
    weekday = np.where(hours // 24 < 5, 1.0, 0.3)
    return 0.5 + scale * day * weekday


# ----------------------------------------------------------------------------- metrics
def test_metrics_by_hand():
    actual = np.array([10.0, 0.0, 4.0, np.nan])
    point = np.array([12.0, 1.0, 1.0, 99.0])
    assert wape(actual, point) == pytest.approx((2 + 1 + 3) / 14)
    assert bias(actual, point) == pytest.approx((2 + 1 - 3) / 14)
    assert mase(actual, point, scale=2.0) == pytest.approx(2.0 / 2.0)
    assert coverage(actual, [10.0, 0.0, 5.0, 0.0], [11.0, 0.0, 6.0, 0.0]) == pytest.approx(2 / 3)


def test_naive_scale_by_hand_skips_missing_pairs():
    y = [1.0, 5.0, 2.0, np.nan, 7.0, 2.0]
    # lag 2 pairs: (2-1)=1, (nan), (7-2)=5, (2-nan) -> mean of 1 and 5
    assert naive_scale(y, 2) == pytest.approx(3.0)


def test_mase_is_one_for_the_naive_forecast_of_a_repeating_signal_with_one_change():
    week = np.arange(168, dtype=float)
    history = np.concatenate([week, week + 1.0])  # naive in-sample error: 1 every hour
    assert naive_scale(history, 168) == pytest.approx(1.0)
    assert mase(week + 2.0, week + 1.0, naive_scale(history, 168)) == pytest.approx(1.0)


# ------------------------------------------------------------------- seasonal naive
def test_seasonal_naive_week_repeats_last_week():
    values = np.arange(3 * 168, dtype=float)
    result = Forecaster("seasonal_naive_week").fit(hourly(values)).predict(horizon_hours=336)
    expected = np.tile(values[-168:], 2)
    np.testing.assert_allclose(result["volume"].to_numpy(), expected)


def test_seasonal_naive_day_repeats_last_day():
    values = np.arange(15 * 24 + 5, dtype=float)
    result = Forecaster("seasonal_naive_day").fit(hourly(values)).predict(horizon_hours=30)
    last_day = values[-24:]
    np.testing.assert_allclose(
        result["volume"].to_numpy(), np.concatenate([last_day, last_day[:6]])
    )


def test_seasonal_naive_skips_missing_week_instead_of_learning_zeros():
    values = np.tile(np.arange(168, dtype=float) + 1.0, 4)
    values[-168:] = np.nan  # the last week is a gap
    result = Forecaster("seasonal_naive_week").fit(hourly(values)).predict(horizon_hours=168)
    np.testing.assert_allclose(result["volume"].to_numpy(), np.arange(168) + 1.0)


# --------------------------------------------------------------- time zones and DST
def london_history(last_day: str, weeks: int = 3) -> pd.Series:
    end = pd.Timestamp(last_day) + pd.Timedelta(1, unit="D")
    start = end - pd.Timedelta(weeks, unit="W")
    index = pd.date_range(
        start.tz_localize("Europe/London"),
        end.tz_localize("Europe/London"),
        freq="h",
        inclusive="left",
    )
    local_hour = index.hour.to_numpy()
    local_day = index.day_of_week.to_numpy()
    return pd.Series(100.0 * local_day + local_hour, index=index, name="phone")


@pytest.mark.parametrize(
    ("last_day", "change_day", "hours"),
    [("2025-10-25", "2025-10-26", 25), ("2025-03-29", "2025-03-30", 23)],
)
def test_forecast_index_continues_the_grid_across_dst(last_day, change_day, hours):
    history = london_history(last_day)
    result = Forecaster("seasonal_naive_week").fit(history).predict(horizon_days=3)
    index = result.index
    assert str(index.tz) == "Europe/London"
    assert index[0] == history.index[-1] + pd.Timedelta(1, unit="h")
    assert (np.diff(index.asi8) == np.diff(index.asi8)[0]).all()
    per_day = pd.Series(1, index=index).groupby(index.date).size()
    assert per_day[pd.Timestamp(change_day).date()] == hours
    assert len(per_day) == 3


def test_seasonal_naive_follows_the_local_wall_clock_across_dst():
    # Value = 100 * weekday + local hour, so the wall-clock seasonal naive must reproduce the
    # formula exactly after the clocks go back, which an absolute 168-hour lag would not.
    history = london_history("2025-10-25")
    result = Forecaster("seasonal_naive_week").fit(history).predict(horizon_days=3)
    expected = 100.0 * result.index.day_of_week + result.index.hour
    np.testing.assert_allclose(result["volume"].to_numpy(), expected.to_numpy())


# ------------------------------------------------------------------- properties
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4, unique=True).filter(
        lambda v: len({quantile_column(p) for p in v}) == len(v)
    ),
    model=st.sampled_from(["seasonal_naive_week", "seasonal_naive_day"]),
)
def test_forecasts_are_non_negative_with_ordered_quantiles(seed, levels, model):
    rng = np.random.default_rng(seed)
    values = rng.poisson(rng.uniform(0, 30) * rng.random(16 * 24)).astype(float)
    values[rng.random(values.size) < 0.05] = np.nan
    result = Forecaster(model, quantiles=levels).fit(hourly(values)).predict(horizon_hours=50)
    columns = [quantile_column(p) for p in sorted(levels)]
    block = result[["volume", *columns]].to_numpy()
    assert np.isfinite(block).all()
    assert (block >= 0).all()
    assert (np.diff(result[columns].to_numpy(), axis=1) >= -1e-12).all()


@settings(max_examples=40, deadline=None)
@given(
    mean=st.floats(0.0, 500.0),
    alpha=st.floats(1e-4, 2.0),
    levels=st.lists(st.floats(0.02, 0.98), min_size=2, max_size=5, unique=True),
)
def test_mid_quantiles_match_a_slow_reference(mean, alpha, levels):
    levels = tuple(sorted(levels))
    fast = mid_quantiles(np.array([mean]), alpha, levels)[0]
    np.testing.assert_allclose(
        fast, [slow_mid_quantile(mean, alpha, p) for p in levels], atol=1e-6
    )


def slow_mid_quantile(mean: float, alpha: float, level: float) -> float:
    """Invert the piecewise-linear mid-distribution function by walking over k = 0, 1, ..."""
    mu = max(mean, 0.1)
    n = 1.0 / alpha
    dist = stats.nbinom(n, n / (n + mu))
    previous_x, previous_f = -1.0, 0.0
    k = 0
    while True:
        f = dist.cdf(k) - 0.5 * dist.pmf(k)
        if f >= level:
            x = previous_x + (level - previous_f) / (f - previous_f) * (k - previous_x)
            return max(x, 0.0)
        previous_x, previous_f = float(k), f
        k += 1


def test_quantile_column_names():
    assert [quantile_column(p) for p in (0.1, 0.5, 0.9, 0.05, 0.975)] == [
        "q10",
        "q50",
        "q90",
        "q05",
        "q97.5",
    ]


# ------------------------------------------------------- calibration against the truth
def test_glm_interval_coverage_matches_a_known_poisson_truth():
    rng = np.random.default_rng(7)
    rate = np.tile(poisson_week_profile(), 10)
    history = hourly(rng.poisson(rate).astype(float))
    model = Forecaster("glm", half_life_weeks=1000.0).fit(history)
    result = model.predict(horizon_hours=168)
    truth = poisson_week_profile()
    assert wape(truth, result["volume"].to_numpy()) < 0.1
    draws = rng.poisson(truth, size=(400, 168))
    covered = (draws >= result["q10"].to_numpy()) & (draws <= result["q90"].to_numpy())
    # The same counting rule applied to the true distribution's own mid-quantiles:
    exact = mid_quantiles(truth, 1e-6, (0.1, 0.9))
    ideal = (draws >= exact[:, 0]) & (draws <= exact[:, 1])
    assert covered.mean() == pytest.approx(ideal.mean(), abs=0.04)
    assert model.dispersion_["all"] < 0.02


def test_pinball_dispersion_recovers_a_negative_binomial_truth():
    rng = np.random.default_rng(3)
    mu = rng.uniform(20.0, 150.0, 5000)
    alpha = 0.08
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    assert fit_dispersion_pinball(y, mu, (0.1, 0.9)) == pytest.approx(alpha, rel=0.2)


# ------------------------------------------------------------- calendar and events
def test_glm_lowers_an_unseen_public_holiday_to_the_quietest_day():
    rng = np.random.default_rng(11)
    history = hourly(
        rng.poisson(np.tile(poisson_week_profile(), 4)), start="2025-11-24", tz="Europe/London"
    )
    model = Forecaster("glm", country="GB", subdiv="ENG").fit(history)
    result = model.predict(horizon_days=7)  # 22-28 Dec; Thursday 25 Dec is a holiday
    daily = result["volume"].groupby(result.index.date).sum()
    christmas = daily[pd.Timestamp("2025-12-25").date()]
    weekday = daily[pd.Timestamp("2025-12-23").date()]
    assert christmas < 0.5 * weekday


def test_event_with_a_known_multiplier_scales_the_forecast():
    rng = np.random.default_rng(5)
    history = hourly(rng.poisson(np.tile(poisson_week_profile(), 3)))
    event = {
        "name": "promo",
        "start": "2025-01-28 00:00",
        "end": "2025-01-29 00:00",
        "multiplier": 2.0,
    }
    plain = Forecaster("glm").fit(history).predict(horizon_hours=48)
    boosted = Forecaster("glm", events=[event]).fit(history).predict(horizon_hours=48)
    on = (boosted.index >= pd.Timestamp("2025-01-28", tz="UTC")) & (
        boosted.index < pd.Timestamp("2025-01-29", tz="UTC")
    )
    expected = plain["volume"] * np.where(on, 2.0, 1.0)  # slots zero in every week stay zero
    np.testing.assert_allclose(boosted["volume"], expected, rtol=1e-9)
    assert (plain.loc[on, "volume"] > 0).sum() > 12


def test_outage_is_not_learned_as_zero_demand():
    values = np.tile(poisson_week_profile(), 4).round()
    values[-168:] = 0.0  # recorded zeros during an outage
    outage = Event("outage", "2025-01-27", "2025-02-03", kind="outage")
    history = hourly(values)
    result = (
        Forecaster("seasonal_naive_week", events=[outage]).fit(history).predict(horizon_hours=168)
    )
    np.testing.assert_allclose(result["volume"].to_numpy(), values[:168])


def test_event_in_the_horizon_without_history_or_multiplier_raises_asking_for_one():
    # Deliberate change (issue 10): this used to forecast without an effect and add a note;
    # the docs promise that predict raises, and now it does.
    history = hourly(np.tile(poisson_week_profile(), 3).round())
    event = Event("launch", "2025-01-28", "2025-01-29")
    model = Forecaster("glm", events=[event]).fit(history)
    with pytest.raises(ConfigError, match=r"'launch'.*give it a multiplier"):
        model.predict(horizon_hours=72)


# ------------------------------------------------------------- lifecycle and errors
def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        Forecaster().predict(horizon_days=1)


def test_auto_reports_its_choice_and_scores():
    rng = np.random.default_rng(2)
    history = hourly(rng.poisson(np.tile(poisson_week_profile(), 5)))
    model = Forecaster("auto", candidates=("seasonal_naive_week", "glm")).fit(history)
    table = model.selection_
    assert list(table["model"]) == ["seasonal_naive_week", "glm"]
    assert table["selected"].sum() == 1
    assert model.models_["all"] == table.loc[table["mase"].idxmin(), "model"] == "glm"


def test_several_queues_are_forecast_separately():
    rng = np.random.default_rng(4)
    a = hourly(rng.poisson(np.tile(poisson_week_profile(), 3)))
    frame = pd.concat(
        [
            pd.DataFrame({"interval_start": a.index, "queue": "a", "volume": a.to_numpy()}),
            pd.DataFrame({"interval_start": a.index, "queue": "b", "volume": 2 * a.to_numpy()}),
        ]
    )
    result = forecast(frame, horizon_days=1, model="seasonal_naive_week")
    assert result.groupby("queue").size().to_dict() == {"a": 24, "b": 24}
    np.testing.assert_allclose(
        result.loc[result["queue"] == "b", "volume"],
        2 * result.loc[result["queue"] == "a", "volume"],
    )


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (np.r_[np.ones(400), -1.0], "row 400"),
        (np.ones(13 * 24), "14 days"),
    ],
    ids=["negative", "short"],
)
def test_bad_history_is_a_data_error(values, match):
    with pytest.raises(DataError, match=match):
        Forecaster("seasonal_naive_week").fit(hourly(values))


def test_duplicate_timestamps_are_a_data_error():
    series = hourly(np.ones(400))
    series = pd.concat([series, series.iloc[[5]]])
    with pytest.raises(DataError, match="duplicate"):
        Forecaster("seasonal_naive_week").fit(series)


def test_unknown_model_and_bad_quantiles_are_config_errors():
    series = hourly(np.ones(400))
    with pytest.raises(ConfigError, match="model"):
        Forecaster("prophet").fit(series)
    with pytest.raises(ConfigError, match="quantiles"):
        Forecaster(quantiles=(0.1, 1.5)).fit(series)


# ------------------------------------------------------------------ backtest and plots
def test_backtest_shape_and_summary():
    rng = np.random.default_rng(9)
    history = hourly(rng.poisson(np.tile(poisson_week_profile(), 5)))
    models = ["seasonal_naive_week", "seasonal_naive_day"]
    result = backtest(history, models=models, n_origins=3, horizon_hours=48, step_hours=24)
    assert len(result) == 6
    assert list(result.columns) == [
        "queue",
        "model",
        "origin",
        "intervals",
        "mase",
        "wape",
        "bias",
        "coverage_80",
    ]
    assert (result["intervals"] == 48).all()
    assert result["origin"].iloc[-1] == history.index[-1] + pd.Timedelta(1 - 48, unit="h")
    summary = result.attrs["summary"]
    assert set(summary["model"]) == set(models)
    assert (summary["origins"] == 3).all()


def test_backtest_mase_matches_a_hand_computation():
    rng = np.random.default_rng(1)
    values = rng.poisson(np.tile(poisson_week_profile(), 4)).astype(float)
    history = hourly(values)
    result = backtest(history, models=["seasonal_naive_week"], n_origins=1)
    train, test = values[:-168], values[-168:]
    scale = np.mean(np.abs(train[168:] - train[:-168]))
    expected = np.mean(np.abs(test - train[-168:])) / scale
    assert result["mase"].iloc[0] == pytest.approx(expected)


def test_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = hourly(np.tile(poisson_week_profile(), 3).round())
    result = Forecaster("seasonal_naive_week").fit(history).predict(horizon_hours=24)
    ax = plot_forecast(history, result)
    assert ax.get_ylabel().startswith("volume")
    table = pd.DataFrame(
        {"queue": "all", "model": ["a", "b"], "origin": [1, 1], "mase": [1.0, 0.5]}
    )
    assert plot_backtest(table).get_ylabel() == "mase"
    plt.close("all")
