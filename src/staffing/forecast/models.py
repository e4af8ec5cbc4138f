"""Point-forecast models on the local wall-clock grid.

Each model takes a regular series of local wall-clock times (NaN = missing data), is fitted with
``fit(wall, context)`` and returns the mean forecast of the next ``steps`` wall-clock intervals
with ``forecast(steps)``. Seasonal periods are counted on the wall clock, so "same hour last
week" is the same local hour and weekday, whatever summer time did in between.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from staffing.forecast._grid import fill_gaps
from staffing.forecast.events import Calendar

#: Names accepted by ``Forecaster(model=...)`` besides ``"auto"``.
MODELS = ("seasonal_naive_week", "seasonal_naive_day", "mstl", "holt_winters", "glm")


#: LOESS jumps of the trend and low-pass smoothers of STL (interpolate between every 10th
#: point): ten times faster on a year of hours, with the same decomposition to three digits.
STL_JUMPS = {"trend_jump": 10, "low_pass_jump": 10}


@dataclass
class Context:
    """What a model needs beyond the series: the slots per day and the calendar."""

    slots_per_day: int
    calendar: Calendar
    notes: list[str] = field(default_factory=list)

    @property
    def slots_per_week(self) -> int:
        return 7 * self.slots_per_day


def make_model(name: str) -> PointModel:
    """Return an unfitted model by name."""
    return {
        "seasonal_naive_week": lambda: SeasonalNaive("week"),
        "seasonal_naive_day": lambda: SeasonalNaive("day"),
        "mstl": MSTLModel,
        "holt_winters": HoltWinters,
        "glm": CountGLM,
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
        y = np.sqrt(fill_gaps(wall, week))
        periods = tuple(p for p in (day, week) if p < len(y) / 2)  # as statsmodels requires
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = MSTL(y, periods=periods, iterate=2, stl_kwargs=STL_JUMPS).fit()
            seasonal = np.asarray(result.seasonal, dtype=float).reshape(len(y), len(periods))
            if week not in periods:
                seasonal = np.column_stack([seasonal, self._slot_means(y, result, seasonal, week)])
                context.notes.append(
                    f"mstl: {len(y) / day:g} days are too few for an STL weekly component "
                    "(more than 14 needed); the weekly pattern is the mean of each slot"
                )
            adjusted = y.to_numpy() - seasonal.sum(axis=1)
            self.ets_ = ExponentialSmoothing(adjusted, initialization_method="estimated").fit()
        _record(caught, context)
        self.day_ = seasonal[-day:, 0]
        self.week_ = seasonal[-week:, 1]
        return self

    @staticmethod
    def _slot_means(y: pd.Series, result: object, seasonal: np.ndarray, week: int) -> np.ndarray:
        rest = y.to_numpy() - np.asarray(result.trend) - seasonal.sum(axis=1)  # type: ignore[attr-defined]
        slot = np.arange(len(rest)) % week
        means = pd.Series(rest).groupby(slot).transform("mean").to_numpy()
        return means - means[-week:].mean()

    def forecast(self, steps: int) -> np.ndarray:
        positions = np.arange(steps)
        seasonal = self.day_[positions % len(self.day_)] + self.week_[positions % len(self.week_)]
        root = self.ets_.forecast(steps) + seasonal
        return np.square(np.maximum(root, 0.0))


class HoltWinters(PointModel):
    """Additive Holt-Winters with a weekly season on the square-root scale.

    With fewer than two weeks to fit (a validation origin on a short history), the level and
    the seasonal terms start from the first week (known initial values) and a note says so.
    """

    def fit(self, wall: pd.Series, context: Context) -> HoltWinters:
        week = context.slots_per_week
        y = np.sqrt(fill_gaps(wall, week)).to_numpy()
        start: dict[str, object] = {"initialization_method": "heuristic"}
        if len(y) < 2 * week:
            level = float(np.mean(y[:week]))
            start = {
                "initialization_method": "known",
                "initial_level": level,
                "initial_seasonal": y[:week] - level,
            }
            context.notes.append(
                f"holt_winters: {len(y) / context.slots_per_day:g} days are fewer than two "
                "weeks; the season starts from the first week"
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.result_ = ExponentialSmoothing(
                y, seasonal="add", seasonal_periods=week, **start
            ).fit()
        _record(caught, context)
        return self

    def forecast(self, steps: int) -> np.ndarray:
        # statsmodels computes an AIC here; a perfect in-sample fit (one week, known start)
        # makes it log(0) and its small-sample correction 0/0: neither affects the forecast.
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.square(np.maximum(self.result_.forecast(steps), 0.0))


class ZeroModel(PointModel):
    """Forecast zero: the model of a history in which every observed value is zero."""

    def fit(self, wall: pd.Series, context: Context) -> ZeroModel:
        return self

    def forecast(self, steps: int) -> np.ndarray:
        return np.zeros(steps)


class CountGLM(PointModel):
    """Poisson regression on slot-of-week, holidays, holiday eves and events.

    log mean = slot-of-week effect (holidays take the slot of the quietest weekday)
    + holiday and eve effects + event effects (+ known event multipliers as an offset),
    fitted by maximum likelihood with observations weighted by recency
    (``half_life_weeks``), which lets the level follow recent weeks. Missing intervals are
    left out of the likelihood.
    """

    def __init__(self, half_life_weeks: float = 8.0) -> None:
        self.half_life_weeks = half_life_weeks

    def fit(self, wall: pd.Series, context: Context) -> CountGLM:
        self.context_ = context
        self.index_ = wall.index
        week = context.slots_per_week
        y = wall.to_numpy(dtype=float)
        slot_means = pd.Series(y).groupby(np.arange(len(y)) % week).mean()
        day_of_slot = wall.index[:week].day_of_week.to_numpy()
        daily = slot_means.groupby(day_of_slot[np.arange(week)]).sum()
        self.quiet_day_ = int(daily.idxmin())
        design = self._design(wall.index)
        offset = context.calendar.offset(wall.index)
        observed = ~np.isnan(y) & ~context.calendar.excluded(wall.index)
        columns = design.columns[design[observed].sum(axis=0).to_numpy() > 0]
        self.columns_ = columns
        age_weeks = (len(y) - 1 - np.arange(len(y))) / week
        weights = 0.5 ** (age_weeks / self.half_life_weeks)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = sm.GLM(
                y[observed],
                design.loc[observed, columns].to_numpy(dtype=float),
                family=sm.families.Poisson(),
                offset=offset[observed],
                var_weights=weights[observed],
            )
            self.result_ = model.fit(maxiter=100)
        _record(caught, context)
        return self

    def _design(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        calendar = self.context_.calendar
        per_day = self.context_.slots_per_day
        slot_of_day = (index.hour * 60 + index.minute) * per_day // 1440
        day = index.day_of_week.to_numpy().copy()
        holiday = calendar.holiday(index)
        day[holiday] = self.quiet_day_
        slot = day * per_day + np.asarray(slot_of_day)
        dummies = pd.get_dummies(pd.Categorical(slot, categories=range(7 * per_day)), prefix="s")
        dummies.index = range(len(index))
        extra = calendar.features(index)
        extra.index = dummies.index
        return pd.concat([dummies.astype(float), extra], axis=1)

    def forecast(self, steps: int) -> np.ndarray:
        step = self.index_.freq
        future = pd.date_range(self.index_[-1] + step, periods=steps, freq=step)
        design = self._design(future)
        missing = [c for c in self.columns_ if c not in design.columns]
        for column in missing:
            design[column] = 0.0
        self._check_unestimated(design)
        x = design[self.columns_].to_numpy(dtype=float)
        linear = x @ self.result_.params + self.context_.calendar.offset(future)
        return np.exp(np.minimum(linear, 50.0))

    def _check_unestimated(self, design: pd.DataFrame) -> None:
        """Note events in the horizon whose effect the history cannot estimate.

        Such an event gets no effect (a rolling-origin backtest meets this whenever an event
        lies after its origin); a ``multiplier`` on the event gives it a known one.
        """
        for column in design.columns:
            unseen = column.startswith("event:") and column not in self.columns_
            if unseen and design[column].to_numpy().any():
                self.context_.notes.append(
                    f"events: {column[6:]!r} falls in the forecast horizon but never in the "
                    "history, so it is forecast without an effect; give it a multiplier"
                )


def _record(caught: list[warnings.WarningMessage], context: Context) -> None:
    for item in caught:
        if issubclass(item.category, ConvergenceWarning | RuntimeWarning | UserWarning):
            context.notes.append(f"{item.category.__name__}: {item.message}")
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
