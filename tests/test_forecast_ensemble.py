"""The robust count regression (unusual days, level step) and the median ensemble."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.forecast import Forecaster
from staffing.forecast.glm import RELEVEL_DAYS
from staffing.forecast.metrics import coverage


def week_profile(per_day: int = 24, scale: float = 60.0) -> np.ndarray:
    slots = np.arange(7 * per_day)
    hour = (slots % per_day) * 24.0 / per_day
    day = np.exp(-0.5 * ((hour - 12.0) / 3.5) ** 2)
    weekday = np.where(slots // per_day < 5, 1.0, 0.35)
    return 0.3 + scale * day * weekday


def series(values: np.ndarray, per_day: int = 24, start: str = "2025-01-06") -> pd.Series:
    freq = f"{1440 // per_day}min"
    index = pd.date_range(pd.Timestamp(start, tz="UTC"), periods=len(values), freq=freq)
    return pd.Series(np.asarray(values, dtype=float), index=index, name="all")


def poisson_weeks(weeks: int, seed: int, level: np.ndarray | None = None) -> np.ndarray:
    mean = np.tile(week_profile(), weeks)
    if level is not None:
        mean = mean * level
    return np.random.default_rng(seed).poisson(mean).astype(float)


def test_an_unlisted_holiday_is_left_out_as_if_it_were_missing():
    values = poisson_weeks(8, seed=4)
    quiet = slice(5 * 168 + 48, 5 * 168 + 72)  # Wednesday of week 6: a holiday nobody listed
    values[quiet] = np.round(values[quiet] * 0.1)
    fitted = Forecaster("glm").fit(series(values))
    notes = [n for n in fitted.notes_ if "unusual day" in n]
    assert notes == [
        "all: glm: 1 unusual day (total far from the model's) left out of the fit: 2025-02-12"
    ]
    gap = values.copy()
    gap[quiet] = np.nan
    expected = Forecaster("glm").fit(series(gap)).predict(horizon_hours=168)
    result = fitted.predict(horizon_hours=168)
    np.testing.assert_allclose(result["volume"], expected["volume"], rtol=1e-9)
    # without the step the Wednesday would be pulled down by an eighth of its weight
    wednesday = np.tile(week_profile(), 1)[48:72].sum()
    assert abs(result["volume"].iloc[48:72].sum() / wednesday - 1) < 0.05


def test_the_level_step_is_the_recent_ratio_of_actual_to_fitted_volume():
    level = np.repeat(np.r_[np.ones(7 * 6), np.full(14, 1.3)], 24)  # +30% over two weeks
    values = poisson_weeks(8, seed=5, level=level)
    fitted = Forecaster("glm").fit(series(values))
    regression = fitted._fits["all"].model
    history = series(values)
    days = (
        pd.DataFrame(
            {"actual": values, "fitted": regression.mean(history.index.tz_localize(None))},
            index=history.index.normalize(),
        )
        .groupby(level=0)
        .sum()
    )
    recent = days.iloc[-RELEVEL_DAYS:]
    assert regression.level_ == pytest.approx(
        np.log(recent["actual"].sum() / recent["fitted"].sum())
    )
    truth = 1.3 * week_profile().sum()
    stays = regression.forecast(168, share=0.0).sum()
    follows = fitted.predict(horizon_hours=168)["volume"].sum()
    assert stays < follows < truth  # half-way (RELEVEL_SHARE) on the log scale
    assert follows == pytest.approx(stays * np.exp(regression.relevel_share * regression.level_))


def test_ensemble_is_the_median_of_its_three_members():
    values = poisson_weeks(6, seed=6)
    fitted = Forecaster("ensemble").fit(series(values))
    regression = fitted._fits["all"].model.glm_
    members = np.vstack(
        [regression.forecast(168, share=0.0), regression.forecast(168, share=1.0), values[-168:]]
    )
    result = fitted.predict(horizon_hours=168)["volume"].to_numpy()
    zero = fitted._fits["all"].zero
    np.testing.assert_allclose(result[~zero], np.median(members, axis=0)[~zero], rtol=1e-9)


@pytest.mark.parametrize("per_day", [48, 96])
def test_sub_hourly_forecast_keeps_its_grid_and_calibrated_band(per_day):
    rng = np.random.default_rng(per_day)
    mean = np.tile(week_profile(per_day, scale=60.0 * 24 / per_day), 10)
    alpha = 0.02
    values = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean)).astype(float)
    history = series(values, per_day)
    week = 7 * per_day
    result = Forecaster("auto").fit(history.iloc[:-week]).predict(horizon_hours=168)
    assert len(result) == week
    assert result.index.freq == pd.Timedelta(minutes=1440 // per_day)
    actual = values[-week:]
    open_ = result["volume"].to_numpy() >= 1
    share = coverage(
        actual[open_], result["q10"].to_numpy()[open_], result["q90"].to_numpy()[open_]
    )
    assert 0.7 <= share <= 0.9
