"""Point-forecast models on the local wall-clock grid.

Each model takes a regular series of local wall-clock times (NaN = missing data), is fitted with
``fit(wall, context)`` and returns the mean forecast of the next ``steps`` wall-clock intervals
with ``forecast(steps)``. Seasonal periods are counted on the wall clock, so "same hour last
week" is the same local hour and weekday, whatever summer time did in between.

Missing intervals are not data, and no model learns from them. The seasonal naive models use
the last *observed* value of a slot and the count regression leaves missing intervals out of
its likelihood. MSTL and Holt-Winters need a complete series: there a missing value is replaced
by the model's own fitted value, refitted until the two agree (it then has no error, so it
pulls neither the level nor the season; at most :data:`IMPUTE_ROUNDS` refits), and the
exponential smoothing states step over it unchanged, as the state-space treatment of missing
observations does. A slot of the week with no data in any week is not missing but closed:
those two models read it as 0, as if the source had exported zeros (it is forecast 0 anyway).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from staffing.forecast._grid import carry_forward, closed_slots, fill_gaps, skipped, slot_of_week
from staffing.forecast.events import CalendarFeatures

#: Names accepted by ``Forecaster(model=...)`` besides ``"auto"``.
MODELS = ("seasonal_naive_week", "seasonal_naive_day", "mstl", "holt_winters", "glm", "ensemble")


#: LOESS jumps of the trend and low-pass smoothers of STL (interpolate between every 10th
#: point): ten times faster on a year of hours, with the same decomposition to three digits.
STL_JUMPS = {"trend_jump": 10, "low_pass_jump": 10}

#: Most refits of MSTL and Holt-Winters that replace the missing values by the model's own
#: fitted values (only on a series with missing values).
IMPUTE_ROUNDS = 3
#: Those refits stop when no replaced value moves by more than this [sqrt(contacts)].
IMPUTE_TOLERANCE = 0.01


@dataclass
class Context:
    """What a model needs beyond the series: the slots per day and the calendar."""

    slots_per_day: int
    calendar: CalendarFeatures
    notes: list[str] = field(default_factory=list)

    @property
    def slots_per_week(self) -> int:
        return 7 * self.slots_per_day


def make_model(name: str) -> PointModel:
    """Return an unfitted model by name."""
    from staffing.forecast.glm import CountGLM, Ensemble

    return {
        "seasonal_naive_week": lambda: SeasonalNaive("week"),
        "seasonal_naive_day": lambda: SeasonalNaive("day"),
        "mstl": MSTLModel,
        "holt_winters": HoltWinters,
        "glm": CountGLM,
        "ensemble": Ensemble,
    }[name]()


class PointModel:
    """Base class: fit on a wall-clock series, forecast the next wall-clock intervals."""

    def fit(self, wall: pd.Series, context: Context) -> PointModel:  # pragma: no cover
        raise NotImplementedError

    def forecast(self, steps: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class SeasonalNaive(PointModel):
    """Repeat the last observed value of the same slot of the day or of the week."""

    def __init__(self, season: str) -> None:
        self.season = season

    def fit(self, wall: pd.Series, context: Context) -> SeasonalNaive:
        self.period_ = context.slots_per_week if self.season == "week" else context.slots_per_day
        values = wall.to_numpy(dtype=float)
        self.start_ = len(values)
        slot = np.arange(len(values)) % self.period_
        frame = pd.DataFrame({"slot": slot, "y": values}).dropna()
        last = frame.groupby("slot")["y"].last().reindex(range(self.period_))
        if last.isna().any() and self.season == "week":
            daily = frame.assign(slot=frame["slot"] % context.slots_per_day)
            by_day = daily.groupby("slot")["y"].last()
            last = last.fillna(
                pd.Series(np.arange(self.period_) % context.slots_per_day).map(by_day)
            )
        self.last_ = last.fillna(0.0).to_numpy()
        return self

    def forecast(self, steps: int) -> np.ndarray:
        slots = (self.start_ + np.arange(steps)) % self.period_
        return self.last_[slots]


class MSTLModel(PointModel):
    """MSTL decomposition (daily and weekly periods); ETS on the seasonally adjusted series.

    The series is modelled on the square-root scale (variance-stabilising for counts); the
    seasonal components are repeated from their last cycle and the seasonally adjusted series is
    forecast by simple exponential smoothing (ETS(A,N,N)). STL needs more than two cycles of a
    period; on a shorter series (two weeks or less) the weekly component is instead the mean of
    each slot of the week of what trend and daily component leave, and a note says so.
    """

    def fit(self, wall: pd.Series, context: Context) -> MSTLModel:
        day, week = context.slots_per_day, context.slots_per_week
        y, missing = start_values(wall, context)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(IMPUTE_ROUNDS if missing.any() else 0):
                seasonal, trend, _ = self._decompose(y, day, week)
                if _replace(y, (trend + seasonal.sum(axis=1)), missing):
                    break
            seasonal, _, short = self._decompose(y, day, week)
            if short:
                context.notes.append(
                    f"mstl: {len(y) / day:g} days are too few for an STL weekly component "
                    "(more than 14 needed); the weekly pattern is the mean of each slot"
                )
            adjusted = y - seasonal.sum(axis=1)
            self.ets_ = ExponentialSmoothing(adjusted, initialization_method="estimated").fit()
        _record(caught, context)
        self.level_ = None
        if missing.any():  # the level steps over the missing values unchanged
            params = self.ets_.params
            adjusted[missing] = np.nan
            self.level_ = smooth_missing(
                adjusted, params["smoothing_level"], 0.0, params["initial_level"], np.zeros(0)
            )[1]
        self.day_ = seasonal[-day:, 0]
        self.week_ = seasonal[-week:, 1]
        return self

    def _decompose(
        self, y: np.ndarray, day: int, week: int
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Seasonal components (daily, weekly), trend, and whether the weekly one is made up."""
        periods = tuple(p for p in (day, week) if p < len(y) / 2)  # as statsmodels requires
        result = MSTL(y, periods=periods, iterate=2, stl_kwargs=STL_JUMPS).fit()
        seasonal = np.asarray(result.seasonal, dtype=float).reshape(len(y), len(periods))
        short = week not in periods
        if short:
            seasonal = np.column_stack([seasonal, self._slot_means(y, result, seasonal, week)])
        return seasonal, np.asarray(result.trend, dtype=float), short

    @staticmethod
    def _slot_means(y: np.ndarray, result: object, seasonal: np.ndarray, week: int) -> np.ndarray:
        rest = y - np.asarray(result.trend) - seasonal.sum(axis=1)  # type: ignore[attr-defined]
        slot = np.arange(len(rest)) % week
        means = pd.Series(rest).groupby(slot).transform("mean").to_numpy()
        return means - means[-week:].mean()

    def forecast(self, steps: int) -> np.ndarray:
        positions = np.arange(steps)
        seasonal = self.day_[positions % len(self.day_)] + self.week_[positions % len(self.week_)]
        level = self.ets_.forecast(steps) if self.level_ is None else np.full(steps, self.level_)
        root = level + seasonal
        return np.square(np.maximum(root, 0.0))


class HoltWinters(PointModel):
    """Additive Holt-Winters with a weekly season on the square-root scale.

    With fewer than two weeks to fit (a validation origin on a short history), the level and
    the seasonal terms start from the first week (known initial values) and a note says so.
    """

    def fit(self, wall: pd.Series, context: Context) -> HoltWinters:
        week = context.slots_per_week
        y, missing = start_values(wall, context)
        root = np.where(missing, np.nan, y)
        if len(y) < 2 * week:
            context.notes.append(
                f"holt_winters: {len(y) / context.slots_per_day:g} days are fewer than two "
                "weeks; the season starts from the first week"
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(IMPUTE_ROUNDS if missing.any() else 0):
                predicted = smooth_missing(root, *self._states(self._fit(y, week)))[0]
                if _replace(y, predicted, missing):
                    break
            self.result_ = self._fit(y, week)
        _record(caught, context)
        self.state_ = None
        if missing.any():  # the states step over the missing values unchanged
            _, level, seasons = smooth_missing(root, *self._states(self.result_))
            self.state_ = (level, seasons)
        return self

    @staticmethod
    def _fit(y: np.ndarray, week: int) -> object:
        start: dict[str, object] = {"initialization_method": "heuristic"}
        if len(y) < 2 * week:
            level = float(np.mean(y[:week]))
            start = {
                "initialization_method": "known",
                "initial_level": level,
                "initial_seasonal": y[:week] - level,
            }
        return ExponentialSmoothing(y, seasonal="add", seasonal_periods=week, **start).fit()

    @staticmethod
    def _states(result: object) -> tuple[float, float, float, np.ndarray]:
        params = result.params  # type: ignore[attr-defined]
        return (
            params["smoothing_level"],
            params["smoothing_seasonal"],
            params["initial_level"],
            np.asarray(params["initial_seasons"], dtype=float),
        )

    def forecast(self, steps: int) -> np.ndarray:
        if self.state_ is not None:
            level, seasons = self.state_
            return np.square(np.maximum(level + seasons[np.arange(steps) % len(seasons)], 0.0))
        # statsmodels computes an AIC here; a perfect in-sample fit (one week, known start)
        # makes it log(0) and its small-sample correction 0/0: neither affects the forecast.
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.square(np.maximum(self.result_.forecast(steps), 0.0))


def start_values(wall: pd.Series, context: Context) -> tuple[np.ndarray, np.ndarray]:
    """Square roots of the series, completed to start a fit from, and where data are missing.

    A missing value starts as the last observed value of its slot of the week. Two kinds of
    empty interval are not missing data: the skipped hour of a spring-forward day (it never
    existed) keeps the placeholder of :func:`~staffing.forecast._grid.fill_gaps`, and a slot
    of the week with no data in any week (the centre is closed then, and forecast 0) is 0.
    """
    week = context.slots_per_week
    y = np.sqrt(np.array(fill_gaps(wall, week), dtype=float))
    closed = closed_slots(wall, context.slots_per_day)[
        slot_of_week(wall.index, context.slots_per_day)
    ]
    y[closed] = 0.0
    missing = wall.isna().to_numpy() & ~skipped(wall.index, context.calendar.tz) & ~closed
    if missing.any():
        y[missing] = np.sqrt(carry_forward(wall, week).to_numpy(dtype=float)[missing])
    return y, missing


def _replace(y: np.ndarray, fitted: np.ndarray, missing: np.ndarray) -> bool:
    """Put the fitted values in place of the missing ones; whether they had settled."""
    change = np.max(np.abs(y[missing] - fitted[missing]))
    y[missing] = fitted[missing]
    return bool(change < IMPUTE_TOLERANCE)


def smooth_missing(
    y: np.ndarray, alpha: float, gamma: float, level: float, seasons: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """Additive exponential smoothing (level and season) that steps over missing values.

    The recursions of statsmodels' ``ExponentialSmoothing`` (no trend, additive season of
    period ``len(seasons)``, or none when it is empty), where a missing value (NaN) has zero
    error: the level and its season carry on unchanged.

    Parameters
    ----------
    y : numpy.ndarray
        Series, NaN = missing.
    alpha, gamma : float
        Smoothing of the level and of the season.
    level : float
        Initial level.
    seasons : numpy.ndarray
        Initial seasonal terms of the first ``m`` times (empty for no season).

    Returns
    -------
    predicted : numpy.ndarray
        One-step predictions of each value.
    level : float
        Level after the last value.
    seasons : numpy.ndarray
        Seasonal terms of the next ``m`` times, as statsmodels forecasts them (the last one
        is the term before its last update).

    Examples
    --------
    >>> import numpy as np
    >>> predicted, level, _ = smooth_missing(np.array([2.0, np.nan, 4.0]), 0.5, 0.0, 0.0,
    ...                                      np.zeros(0))
    >>> predicted.tolist(), level
    ([0.0, 1.0, 1.0], 2.5)
    """
    m = len(seasons)
    season = [float(v) for v in seasons] + [0.0] * len(y)
    predicted = np.empty(len(y))
    level, alpha, gamma = float(level), float(alpha), float(gamma)
    for t, value in enumerate(y.tolist()):
        base = season[t] if m else 0.0
        guess = level + base
        predicted[t] = guess
        error = 0.0 if math.isnan(value) else value - guess
        if m:
            season[t + m] = base + gamma * error
        level += alpha * error
    n = len(y)
    ahead = np.asarray(season[n : n + m - 1] + season[n - 1 : n], dtype=float) if m else seasons
    return predicted, level, ahead


class ZeroModel(PointModel):
    """Forecast zero: the model of a history in which every observed value is zero."""

    def fit(self, wall: pd.Series, context: Context) -> ZeroModel:
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.zeros(steps)


def _record(caught: list[warnings.WarningMessage], context: Context) -> None:
    for item in caught:
        if issubclass(item.category, ConvergenceWarning | RuntimeWarning | UserWarning):
            context.notes.append(f"{item.category.__name__}: {item.message}")
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
