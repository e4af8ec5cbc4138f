"""Validation quality of the Forecaster: selection table, week-level error, added quantiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.datasets import load_example
from staffing.errors import ConfigError, DataError
from staffing.forecast import Forecaster, _grid
from staffing.forecast.intervals import fit_dispersion_pinball, mid_quantiles, widen_to_coverage
from staffing.forecast.models import Context
from staffing.forecast.quality import (
    LEVEL_NOTE,
    SWITCH_MARGIN,
    add_quantiles,
    candidate_quality,
    choose,
    coverage_pairs,
    level_dispersion,
    window_totals,
)

LEVELS = (0.05, 0.1, 0.5, 0.9, 0.95)
COLUMNS = ["queue", "model", "mase", "bias", "coverage_90", "coverage_80", "dispersion"]
COLUMNS += ["level_dispersion", "origins", "selected"]


def closed_at_night(history: pd.DataFrame) -> pd.DataFrame:
    """The example with no email rows from 01:00 to 05:59: closed slots, forecast as zero."""
    hour = history["interval_start"].dt.hour
    return history[~((history["queue"] == "email") & hour.between(1, 5))]


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return closed_at_night(load_example())


@pytest.fixture(scope="module")
def auto(history):
    model = Forecaster("auto", quantiles=LEVELS).fit(history)
    return model, model.predict(horizon_days=7)


@pytest.fixture(scope="module")
def naive(history):
    model = Forecaster("seasonal_naive_week", quantiles=LEVELS).fit(history)
    return model, model.predict(horizon_days=7)


def hourly(values: np.ndarray) -> pd.Series:
    index = pd.date_range(pd.Timestamp("2025-01-06", tz="UTC"), periods=len(values), freq="h")
    return pd.Series(np.asarray(values, dtype=float), index=index, name="all")


def week_profile() -> np.ndarray:
    hours = np.arange(168)
    return 2.0 + 60.0 * np.exp(-0.5 * (((hours % 24) - 12.0) / 3.0) ** 2)


# ------------------------------------------------------------------- selection table
def test_selection_table_columns_and_ranges(auto):
    model, _ = auto
    table = model.selection_
    assert list(table.columns) == COLUMNS
    assert list(table["model"].unique()) == list(model.candidates)
    assert table[["coverage_80", "coverage_90"]].stack().between(0, 1).all()
    assert (table["coverage_90"] >= table["coverage_80"]).all()
    assert (table["dispersion"] > 0).all()
    assert table["level_dispersion"].between(0, table["dispersion"]).all()
    assert (table["origins"] == 4).all()
    assert table["bias"].abs().lt(0.5).all()


def test_auto_selects_by_mase_and_reports_its_dispersions(auto):
    """The ensemble unless a candidate's MASE is more than SWITCH_MARGIN lower."""
    model, _ = auto
    for queue, rows in model.selection_.groupby("queue"):
        scores = dict(zip(rows["model"], rows["mase"], strict=True))
        best = rows.loc[rows["mase"].idxmin()]
        ensemble = scores["ensemble"]
        expected = best["model"] if best["mase"] < (1 - SWITCH_MARGIN) * ensemble else "ensemble"
        chosen = rows.loc[rows["selected"]].iloc[0]
        assert rows["selected"].sum() == 1
        assert chosen["model"] == expected == model.models_[queue]
        assert model.dispersion_[queue] == chosen["dispersion"]
        assert model.level_dispersion_[queue] == chosen["level_dispersion"]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"glm": 0.80, "ensemble": 0.82, "seasonal_naive_week": 1.0}, "ensemble"),
        ({"glm": 0.70, "ensemble": 0.80}, "glm"),  # 12.5% lower: worth switching
        ({"glm": 0.761, "ensemble": 0.80}, "ensemble"),  # 4.9% lower: noise
        ({"glm": 0.90, "ensemble": np.nan}, "glm"),
        ({"glm": 0.90, "holt_winters": 0.85}, "holt_winters"),  # no ensemble: the smallest
    ],
)
def test_choose_keeps_the_ensemble_unless_clearly_beaten(scores, expected):
    assert choose(scores) == expected


def test_chosen_alpha_and_forecast_equal_a_recomputation(naive, history):
    """The dispersion is fitted as before (pinball on the validation pairs) and the output
    quantiles are the mid-quantiles of that dispersion; level_dispersion from the same windows."""
    model, result = naive
    for queue, fitted in model._fits.items():
        wall = fitted.wall
        origins, horizon = model._validation_origins(fitted.history, wall)
        actual, mean = [], []
        for origin in origins:
            context = Context(fitted.history.slots_per_day, fitted.context.calendar)
            actual.append(wall.iloc[origin : origin + horizon].to_numpy())
            mean.append(model._point(fitted.model_name, wall.iloc[:origin], horizon, context))
        pairs = np.concatenate(actual), np.concatenate(mean)
        alpha = widen_to_coverage(*pairs, LEVELS, fit_dispersion_pinball(*pairs, LEVELS))
        assert model.dispersion_[queue] == alpha
        assert model.level_dispersion_[queue] == level_dispersion(actual, mean, alpha)
        own = result[result["queue"] == queue]
        bounds = mid_quantiles(own["volume"].to_numpy(), alpha, LEVELS)
        local = own.index.tz_localize(None)
        bounds[fitted.zero[_grid.slot_of_week(local, fitted.history.slots_per_day)]] = 0.0
        np.testing.assert_array_equal(own[["q05", "q10", "q50", "q90", "q95"]], bounds)


def test_auto_forecast_equals_the_chosen_model_fitted_alone(auto, history):
    model, result = auto
    queue = "chat"
    alone = Forecaster(model.models_[queue], quantiles=LEVELS)
    alone.fit(history[history["queue"] == queue])
    assert alone.dispersion_ == {queue: model.dispersion_[queue]}
    pd.testing.assert_frame_equal(
        alone.predict(horizon_days=7),
        result[result["queue"] == queue],
        check_exact=True,
        check_freq=False,
    )


def test_bias_sign_of_a_model_that_over_or_under_forecasts():
    rng = np.random.default_rng(5)
    weeks = np.tile(week_profile(), 5)
    for factor, sign in ((0.5, 1.0), (2.0, -1.0)):  # the last week drops / doubles
        rate = weeks.copy()
        rate[-168:] *= factor
        history = hourly(rng.poisson(rate))
        model = Forecaster("seasonal_naive_week", validation_weeks=3).fit(history)
        row = model.selection_.iloc[0]
        # windows: weeks 3, 4 unbiased; week 5 forecast from week 4 (total W) -> ~W(1 - factor)
        expected = (1.0 - factor) / (2.0 + factor)
        assert np.sign(row["bias"]) == sign
        assert row["bias"] == pytest.approx(expected, abs=0.03)


def test_candidate_quality_by_hand():
    actual = [np.array([10.0, 20.0, np.nan]), np.array([30.0, 40.0])]
    mean = [np.array([12.0, 24.0, 99.0]), np.array([45.0, 60.0])]  # NaN actual skipped
    quality = candidate_quality(actual, mean, (0.1, 0.5, 0.9), dispersion=1e-6)
    assert quality["bias"] == pytest.approx((141.0 - 100.0) / 100.0)
    # near-Poisson 80% bands (mean -+ 1.28 sd) hold 10 and 20, not 30 (2.2 sd low) nor 40
    assert quality["coverage_80"] == pytest.approx(0.5)
    assert quality["dispersion"] == 1e-6
    assert list(quality) == ["bias", "coverage_80", "dispersion", "level_dispersion"]


def test_coverage_of_a_calibrated_negative_binomial_is_near_nominal():
    rng = np.random.default_rng(0)
    mean = [rng.uniform(20, 200, 500) for _ in range(8)]
    actual = [rng.negative_binomial(1 / 0.05, 1 / (1 + 0.05 * m)).astype(float) for m in mean]
    quality = candidate_quality(actual, mean, LEVELS)
    assert quality["coverage_80"] == pytest.approx(0.8, abs=0.03)
    assert quality["coverage_90"] == pytest.approx(0.9, abs=0.03)
    assert quality["dispersion"] == pytest.approx(0.05, rel=0.2)


def test_coverage_pairs_names():
    assert coverage_pairs((0.1, 0.5, 0.9)) == [("coverage_80", 0.1, 0.9)]
    assert coverage_pairs((0.025, 0.975, 0.25, 0.5)) == [("coverage_95", 0.025, 0.975)]
    assert coverage_pairs((0.5, 0.9)) == []


# ------------------------------------------------------------------ level dispersion
def test_level_dispersion_known_answers():
    mean = [np.full(10, 100.0)] * 2  # F = 1000 per window
    actual = [np.full(10, 120.0), np.full(10, 80.0)]  # ratios 1.2, 0.8
    assert level_dispersion(actual, mean, 0.05) == pytest.approx(0.04 - 0.001)
    assert level_dispersion(actual, mean, 0.01) == 0.01  # clipped to alpha
    exact = [np.full(10, 100.0)] * 2  # ratio 1: pure Poisson would give 1/F > 0
    assert level_dispersion(exact, mean, 0.05) == 0.0
    # ratios 1.5 and 1.0 on F = 200 and 400: mean(0.25, 0) - mean(1/200, 1/400)
    windows = [np.array([150.0, 150.0]), np.array([200.0, 200.0])]
    means = [np.array([100.0, 100.0]), np.array([200.0, 200.0])]
    assert level_dispersion(windows, means, 1.0) == pytest.approx(0.125 - 0.00375)


def test_level_dispersion_skips_missing_intervals_and_empty_windows():
    actual = [np.array([120.0, np.nan]), np.array([5.0, 5.0]), np.array([np.nan])]
    mean = [np.array([100.0, 900.0]), np.array([0.0, 0.0]), np.array([50.0])]
    totals, forecasts = window_totals(actual, mean)
    np.testing.assert_array_equal(totals, [120.0])
    np.testing.assert_array_equal(forecasts, [100.0])
    assert level_dispersion(actual, mean, 0.5) == pytest.approx(0.04 - 0.01)
    assert level_dispersion([np.array([3.0])], [np.array([0.0])], 0.2) == 0.2  # none usable


def test_level_dispersion_recovers_a_simulated_weekly_factor():
    rng = np.random.default_rng(3)
    a_w, forecast = 0.01, 5000.0
    level = rng.gamma(1 / a_w, a_w, 4000)
    actual = [np.array([float(rng.poisson(forecast * w))]) for w in level]
    mean = [np.array([forecast])] * len(actual)
    assert level_dispersion(actual, mean, 0.05) == pytest.approx(a_w, rel=0.1)


def test_level_dispersion_refuses_bad_input():
    with pytest.raises(DataError, match="dispersion"):
        level_dispersion([np.ones(2)], [np.ones(2)], -0.1)
    with pytest.raises(DataError, match="window 0"):
        level_dispersion([np.ones(2)], [np.ones(3)], 0.1)


def test_all_zero_history_notes_the_cautious_level_dispersion():
    model = Forecaster("seasonal_naive_week").fit(hourly(np.zeros(21 * 24)))
    assert model.level_dispersion_["all"] == model.dispersion_["all"]
    assert f"all: {LEVEL_NOTE}" in model.notes_


# --------------------------------------------------------------------- add_quantiles
@pytest.mark.parametrize("fit", ["naive", "auto"])
def test_add_quantiles_reproduces_the_forecasters_columns(fit, request):
    model, result = request.getfixturevalue(fit)
    closed = result[(result["queue"] == "email") & (result.index.hour == 3)]
    assert len(closed) == 7
    assert (closed[["volume", "q05", "q95"]] == 0).all().all()
    again = add_quantiles(result, model.dispersion_, LEVELS)
    pd.testing.assert_index_equal(again.index, result.index)
    assert list(again.columns) == list(result.columns)
    numbers = ["volume", "q05", "q10", "q50", "q90", "q95"]
    np.testing.assert_allclose(again[numbers], result[numbers], rtol=1e-12, atol=0)
    tails = add_quantiles(result.drop(columns=["q05", "q95"]), model.dispersion_, (0.95, 0.05))
    pd.testing.assert_frame_equal(tails, result, check_exact=False, rtol=1e-12, atol=0)


def test_add_quantiles_new_levels_with_interval_start_as_a_column(naive):
    model, result = naive
    frame = result.reset_index()
    added = add_quantiles(frame, model.dispersion_, (0.7, 0.8))
    order = ["interval_start", "queue", "volume", "q05", "q10", "q50", "q70", "q80", "q90"]
    assert list(added.columns) == [*order, "q95"]
    assert (added["q50"] <= added["q70"]).all()
    assert (added["q70"] <= added["q80"]).all()
    assert (added["q80"] <= added["q90"]).all()
    zero = (frame[["volume", "q05", "q10", "q50", "q90", "q95"]] == 0).all(axis=1)
    assert zero.sum() == 35  # the email queue's closed night slots
    assert (added.loc[zero, ["q70", "q80"]] == 0).all().all()
    # a zero forecast outside the zero slots keeps its (positive) quantiles
    assert (added.loc[(frame["volume"] == 0) & ~zero, "q80"] > 0).all()
    assert ((frame["volume"] == 0) & ~zero).any()


def test_add_quantiles_refuses_bad_input(naive):
    model, result = naive
    with pytest.raises(ConfigError, match="'email'"):
        add_quantiles(result, {"phone": 0.1, "chat": 0.1}, (0.8,))
    with pytest.raises(ConfigError, match="levels"):
        add_quantiles(result, model.dispersion_, (1.2,))
    bad = result.copy()
    bad.iloc[3, bad.columns.get_loc("volume")] = -1.0
    with pytest.raises(DataError, match="row 3"):
        add_quantiles(bad, model.dispersion_, (0.8,))
    with pytest.raises(DataError, match="'queue'"):
        add_quantiles(result.drop(columns="queue"), model.dispersion_, (0.8,))


def test_choose_and_widen_to_coverage_refuse_what_they_cannot_use():
    with pytest.raises(ValueError, match="at least one model"):
        choose({})
    with pytest.raises(
        ValueError, match=r"alpha = -0.1; expected a dispersion in \[1e-06, 20.0\]"
    ):
        widen_to_coverage(np.ones(3), np.ones(3), (0.1, 0.9), -0.1)


def test_widen_to_coverage_reaches_the_nominal_band_and_never_narrows():
    rng = np.random.default_rng(7)
    mean = rng.uniform(5, 150, 4000)
    actual = rng.negative_binomial(1 / 0.05, 1 / (1 + 0.05 * mean)).astype(float)
    narrow = widen_to_coverage(actual, mean, (0.1, 0.9), 1e-4)
    bounds = mid_quantiles(mean, narrow, (0.1, 0.9))
    assert np.mean((actual >= bounds[:, 0]) & (actual <= bounds[:, 1])) >= 0.8
    assert widen_to_coverage(actual, mean, (0.1, 0.9), 0.5) == 0.5  # already wide enough
