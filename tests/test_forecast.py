"""Tests of staffing.forecast: known answers, properties, calendar, intervals and errors."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from staffing.calendar import Calendar
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
from staffing.forecast.events import CalendarFeatures
from staffing.forecast.intervals import fit_dispersion_pinball, mid_quantiles
from staffing.forecast.models import HoltWinters, smooth_missing
from staffing.io import read_history

FAST_MODEL = "seasonal_naive_week"


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


def test_country_is_a_shortcut_for_the_shared_calendar():
    rng = np.random.default_rng(11)
    history = hourly(
        rng.poisson(np.tile(poisson_week_profile(), 4)), start="2025-11-24", tz="Europe/London"
    )
    calendar = Calendar(country="GB", subdiv="ENG")
    by_country = Forecaster("glm", country="GB", subdiv="ENG").fit(history)
    by_calendar = Forecaster("glm", calendar=calendar).fit(history)
    assert by_country.calendar_ == calendar
    assert by_calendar.calendar_ is calendar
    pd.testing.assert_frame_equal(
        by_country.predict(horizon_days=7), by_calendar.predict(horizon_days=7)
    )
    as_dict = forecast(history, 2, model="glm", calendar={"country": "GB", "subdiv": "ENG"})
    pd.testing.assert_frame_equal(as_dict, by_calendar.predict(horizon_days=2))
    assert Forecaster(FAST_MODEL).fit(history).calendar_ == Calendar()


def test_holiday_features_are_the_holidays_package_days_and_their_eves():
    """The shared calendar gives the forecast the holidays it always had for a country."""
    import holidays

    index = pd.date_range("2024-01-01", "2026-12-31 23:00", freq="h")
    features = CalendarFeatures(Calendar(country="GB", subdiv="ENG")).features(index)
    days = set(holidays.country_holidays("GB", subdiv="ENG", years=range(2024, 2028)))
    holiday = np.asarray(pd.Index(index.date).isin(days))
    tomorrow = pd.Index((index.normalize() + pd.Timedelta(1, unit="D")).date)
    eve = np.asarray(tomorrow.isin(days)) & ~holiday
    assert holiday.sum() == 25 * 24  # 8 + 8 + 9 days (a substitute day in 2026)
    assert eve.sum() > 0
    np.testing.assert_array_equal(features["holiday"], holiday)
    np.testing.assert_array_equal(features["eve_morning"], eve & (index.hour < 12))
    np.testing.assert_array_equal(features["eve_afternoon"], eve & (index.hour >= 12))


def test_calendar_together_with_country_is_refused_naming_both():
    history = hourly(np.ones(400))
    with pytest.raises(ConfigError, match=r"calendar=\.\.\., country='GB'"):
        Forecaster(calendar=Calendar(), country="GB").fit(history)
    with pytest.raises(ValueError, match=r"calendar=\.\.\., country='GB', subdiv='ENG'"):
        forecast(history, calendar=Calendar(), country="GB", subdiv="ENG")
    with pytest.raises(ConfigError, match=r"Forecaster\(country=\.\.\., subdiv=\.\.\.\).*'XX'"):
        Forecaster(country="XX").fit(history)
    with pytest.raises(ConfigError, match=r"Forecaster\(calendar=\.\.\.\).*weekend"):
        Forecaster(calendar={"weekend": ["someday"]}).fit(history)


def test_extra_holidays_are_holidays_for_the_forecast():
    # Company days off, quiet in the history, and one more in the horizon: Wednesday 19 Feb.
    rng = np.random.default_rng(8)
    rate = np.tile(poisson_week_profile(), 6)  # Mon 6 Jan .. Sun 16 Feb 2025
    past = ["2025-01-15", "2025-01-23", "2025-02-04", "2025-02-13"]
    index = hourly(rate).index
    off = np.asarray(pd.Index(index.date).isin([date.fromisoformat(d) for d in past]))
    history = hourly(rng.poisson(np.where(off, 0.1 * rate, rate)))
    calendar = Calendar(extra_holidays=[*past, "2025-02-19"])
    result = Forecaster("glm", calendar=calendar).fit(history).predict(horizon_days=7)
    daily = result["volume"].groupby(result.index.date).sum()
    assert daily[date(2025, 2, 19)] < 0.2 * daily[date(2025, 2, 18)]
    plain = Forecaster("glm").fit(history).predict(horizon_days=7)
    daily = plain["volume"].groupby(plain.index.date).sum()
    assert daily[date(2025, 2, 19)] > 0.8 * daily[date(2025, 2, 18)]


def test_a_centre_closed_on_sundays_forecasts_a_holiday_like_its_quietest_open_day():
    rng = np.random.default_rng(11)
    history = hourly(
        rng.poisson(np.tile(poisson_week_profile(), 4)), start="2025-11-24", tz="Europe/London"
    )
    history = history[history.index.day_of_week != 6]  # no rows on Sundays
    fitted = Forecaster("glm", country="GB", subdiv="ENG").fit(history)
    result = fitted.predict(horizon_days=7)  # Sun 21 - Sat 27 Dec; Thu 25 Dec is a holiday
    daily = result["volume"].groupby(result.index.date).sum()
    assert daily[date(2025, 12, 21)] == 0.0  # Sunday: closed
    assert daily[date(2025, 12, 25)] == pytest.approx(daily[date(2025, 12, 27)], rel=1e-9)
    assert any("any week (Sun 00:00-24:00)" in note for note in fitted.notes_)


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


# ------------------------------------------------------------------------ missing data
def level_step_history(seed: int = 1) -> pd.Series:
    """Seven weeks whose level doubles from the fourth on."""
    rng = np.random.default_rng(seed)
    level = np.repeat([1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0], 168)
    return hourly(rng.poisson(np.tile(poisson_week_profile(), 7) * level))


@pytest.mark.parametrize(
    ("model", "tolerance"),
    [("seasonal_naive_week", 1e-12), ("glm", 1e-9), ("holt_winters", 1e-6), ("mstl", 0.1)],
)
def test_a_missing_week_is_left_out_as_if_the_history_ended_before_it(model, tolerance):
    full = level_step_history()
    gap = full.copy()
    gap.iloc[-168:] = np.nan  # the last week has no data
    fitted = Forecaster(model).fit(gap)
    result = fitted.predict(horizon_hours=168)["volume"].to_numpy()
    before = Forecaster(model).fit(full.iloc[:-168]).predict(horizon_hours=336)
    reference = before["volume"].to_numpy()[168:]  # the same week, from the data before the gap
    assert wape(reference, result) <= tolerance
    assert "all: 168 intervals missing (1 gap), left out of the fit" in fitted.notes_
    # The test tells: filling the week (the old slot medians, or zeros) misses the tolerance.
    # (The count regression finds a week of zeros unusual and leaves those days out itself.)
    slot = np.arange(len(gap)) % 168
    for filled in (gap.fillna(gap.groupby(slot).transform("median")), gap.fillna(0.0)):
        other_fit = Forecaster(model).fit(filled)
        other = other_fit.predict(horizon_hours=168)["volume"].to_numpy()
        if model == "glm" and not filled.iloc[-168:].any():
            assert any("7 unusual days" in note for note in other_fit.notes_)
            continue
        assert wape(reference, other) > tolerance


def test_glm_fits_only_the_observed_weeks_of_a_history_with_a_missing_week():
    values = np.random.default_rng(3).poisson(np.tile(poisson_week_profile(), 6)).astype(float)
    values[2 * 168 : 3 * 168] = np.nan
    history = hourly(values)
    # Without recency weighting the Poisson regression on slot of the week alone forecasts each
    # slot's mean over the five observed weeks (before the step to the recent level).
    fitted = Forecaster("glm", half_life_weeks=1e9).fit(history)
    result = fitted.predict(horizon_hours=168)
    expected = np.nanmean(values.reshape(6, 168), axis=0)
    regression = fitted._fits["all"].model
    np.testing.assert_allclose(regression.forecast(168, share=0.0), expected, rtol=1e-6, atol=1e-9)
    step = np.exp(regression.relevel_share * regression.level_)
    np.testing.assert_allclose(result["volume"], expected * step, rtol=1e-6, atol=1e-9)
    # rows absent from the frame are the same missing intervals as rows with NaN
    dropped = Forecaster("glm", half_life_weeks=1e9).fit(history.dropna())
    pd.testing.assert_frame_equal(dropped.predict(horizon_hours=168), result)
    assert dropped.notes_[0] == "all: 168 intervals missing (1 gap), left out of the fit"


def test_missing_aware_smoothing_is_statsmodels_holt_winters_on_complete_data():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.sqrt(np.tile(poisson_week_profile(), 3)[: 3 * 168 - 5]) + np.linspace(0, 1, 499)
    result = ExponentialSmoothing(
        y, seasonal="add", seasonal_periods=168, initialization_method="heuristic"
    ).fit()
    predicted, level, seasons = smooth_missing(y, *HoltWinters._states(result))
    np.testing.assert_allclose(predicted, result.fittedvalues, atol=1e-10)
    np.testing.assert_allclose(level + seasons[np.arange(400) % 168], result.forecast(400))
    # a missing value has zero error: the states carry over it unchanged
    gap = y.copy()
    gap[-1] = np.nan
    _, level_gap, seasons_gap = smooth_missing(gap, *HoltWinters._states(result))
    _, level_cut, seasons_cut = smooth_missing(y[:-1], *HoltWinters._states(result))
    assert level_gap == level_cut
    np.testing.assert_array_equal(seasons_gap[:-2], seasons_cut[1:-1])


def nights_absent(drop_day: str | None = None) -> pd.DataFrame:
    """Three weeks of 15-minute counts from a centre open 08:00-20:00 that exports no rows
    while closed, read by read_history (the nights come out as missing)."""
    stamps = pd.date_range("2025-03-03", "2025-03-24", freq="15min", inclusive="left")
    stamps = stamps[(stamps.hour >= 8) & (stamps.hour < 20)]
    if drop_day is not None:
        stamps = stamps[stamps.normalize() != pd.Timestamp(drop_day)]
    clock = stamps.hour + stamps.minute / 60
    rate = 5.0 + 20.0 * np.exp(-0.5 * ((clock - 13.0) / 3.0) ** 2)
    counts = np.random.default_rng(0).poisson(rate)
    table = pd.DataFrame({"timestamp": stamps, "count": counts})
    return read_history(table, tz="Europe/London", interval_minutes=15)


@pytest.mark.parametrize("model", ["glm", "holt_winters", "mstl"])
def test_a_centre_closed_at_night_is_forecast_closed_at_night(model):
    history = nights_absent()
    assert history["volume"].isna().sum() == 20 * 12 * 4  # the 20 nights inside the grid
    fitted = Forecaster(model).fit(history)  # 10.5 days of data, and closed nights
    result = fitted.predict(horizon_days=2)
    night = (result.index.hour < 8) | (result.index.hour >= 20)
    assert (result.loc[night, ["volume", "q10", "q50", "q90"]].to_numpy() == 0.0).all()
    assert (result.loc[~night, "volume"] > 2.0).all()
    assert (
        "all: 336 of 672 slots of the week have no data in any week "
        "(every day 00:00-08:00, 20:00-24:00): read as closed, forecast 0"
    ) in fitted.notes_
    assert not any("missing" in note for note in fitted.notes_)  # closed is not a gap


def test_a_missing_day_of_a_centre_closed_at_night_is_one_gap():
    fitted = Forecaster(FAST_MODEL).fit(nights_absent(drop_day="2025-03-12"))
    assert fitted.notes_[0] == "all: 48 intervals missing (1 gap), left out of the fit"
    result = fitted.predict(horizon_days=7)
    wednesday = result[result.index.day_of_week == 2]
    assert (wednesday.between_time("08:00", "19:45")["volume"] > 2.0).all()


def test_backtest_scores_only_observed_intervals():
    rng = np.random.default_rng(1)
    values = rng.poisson(np.tile(poisson_week_profile(), 4)).astype(float)
    values[-100:-40] = np.nan
    result = backtest(hourly(values), models=[FAST_MODEL], n_origins=1)
    train, test = values[:-168], values[-168:]
    seen = ~np.isnan(test)
    scale = np.mean(np.abs(train[168:] - train[:-168]))
    expected = np.mean(np.abs(test[seen] - train[-168:][seen])) / scale
    assert result["intervals"].iloc[0] == seen.sum() == 108
    assert result["mase"].iloc[0] == pytest.approx(expected)


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
