"""The :class:`Forecaster` estimator and the :func:`forecast` shortcut."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from staffing.errors import ConfigError, DataError, NotFittedError
from staffing.forecast import _grid
from staffing.forecast.events import Calendar, Event, as_events
from staffing.forecast.intervals import fit_dispersion_pinball, mid_quantiles
from staffing.forecast.metrics import mase, naive_scale
from staffing.forecast.models import MODELS, Context, PointModel, make_model

__all__ = ["Forecaster", "forecast", "quantile_column"]


def quantile_column(level: float) -> str:
    """Column name of a quantile: ``q`` + the percentage, integer part on two digits.

    Examples
    --------
    >>> [quantile_column(p) for p in (0.1, 0.5, 0.9, 0.05, 0.975, 0.025)]
    ['q10', 'q50', 'q90', 'q05', 'q97.5', 'q02.5']
    """
    percent = round(100.0 * float(level), 6)
    text = f"{percent:g}"
    return f"q0{text}" if percent < 10 else f"q{text}"


@dataclass
class _QueueFit:
    history: _grid.QueueHistory
    model_name: str
    model: PointModel
    alpha: float
    context: Context


class Forecaster:
    """Hourly (or 15/30-minute) contact-volume forecaster with calibrated quantiles.

    Parameters
    ----------
    model : str
        ``"auto"`` (choose by rolling-origin validation on the history) or one of
        ``"seasonal_naive_week"``, ``"seasonal_naive_day"``, ``"mstl"``, ``"holt_winters"``,
        ``"glm"``.
    country, subdiv : str, optional
        Public-holiday calendar of the :mod:`holidays` package (``"IL"``; ``"GB"``, ``"ENG"``),
        used by the ``glm`` model.
    events : iterable of Event or dict, optional
        Promotions, launches and outages (see :class:`~staffing.forecast.Event`).
    quantiles : sequence of float
        Probabilities of the quantile columns, in (0, 1) [fraction].
    validation_weeks : int
        Number of weekly rolling origins at the end of the history used to estimate the
        interval dispersion out of sample (and to choose the model when ``model="auto"``).
    candidates : sequence of str
        Models compared when ``model="auto"``.
    half_life_weeks : float
        Recency weighting of the ``glm`` model: an observation this many weeks old counts half
        [weeks].

    Attributes
    ----------
    models_ : dict of str to str
        Queue to fitted model name.
    selection_ : pandas.DataFrame
        Validation scores per queue and candidate (``queue, model, mase, selected``); with a
        fixed model, its own scores only.
    dispersion_ : dict of str to float
        Queue to negative binomial dispersion alpha of the predictive distribution.
    notes_ : list of str
        Warnings raised by the underlying fits (e.g. convergence), recorded not raised.

    Examples
    --------
    >>> from staffing.datasets import load_example
    >>> history = load_example().query("queue == 'email'")
    >>> model = Forecaster("seasonal_naive_week").fit(history)
    >>> result = model.predict(horizon_days=7)
    >>> list(result.columns)
    ['queue', 'volume', 'q10', 'q50', 'q90']
    >>> len(result)
    168
    """

    def __init__(
        self,
        model: str = "auto",
        *,
        country: str | None = None,
        subdiv: str | None = None,
        events: Iterable[Event | Mapping[str, Any]] | None = None,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        validation_weeks: int = 4,
        candidates: Sequence[str] = ("seasonal_naive_week", "mstl", "holt_winters", "glm"),
        half_life_weeks: float = 8.0,
    ) -> None:
        self.model = model
        self.country = country
        self.subdiv = subdiv
        self.events = events
        self.quantiles = quantiles
        self.validation_weeks = validation_weeks
        self.candidates = candidates
        self.half_life_weeks = half_life_weeks

    # ------------------------------------------------------------------ fitting
    def fit(self, history: pd.DataFrame | pd.Series) -> Forecaster:
        """Validate the history, choose the model if ``"auto"``, fit it and its intervals.

        Parameters
        ----------
        history : pandas.DataFrame or pandas.Series
            Tidy frame (``interval_start`` tz-aware, optional ``queue``, ``volume``
            [contacts per interval], NaN = missing data) or a Series with a tz-aware
            DatetimeIndex. Each queue is fitted separately.

        Returns
        -------
        Forecaster
            ``self``.
        """
        self._check_parameters()
        with threadpool_limits(limits=1):
            return self._fit(history)

    def _fit(self, history: pd.DataFrame | pd.Series) -> Forecaster:
        queues = _grid.split_queues(history)
        self.tz_ = str(queues[0].absolute.index.tz)
        self._naive = _is_naive(history)
        self._fits: dict[str, _QueueFit] = {}
        tables, notes = [], []
        for queue in queues:
            fitted, table = self._fit_queue(queue)
            self._fits[queue.queue] = fitted
            tables.append(table)
            notes.extend(f"{queue.queue}: {note}" for note in fitted.context.notes)
        self.selection_ = pd.concat(tables, ignore_index=True)
        self.models_ = {q: f.model_name for q, f in self._fits.items()}
        self.dispersion_ = {q: f.alpha for q, f in self._fits.items()}
        self.notes_ = notes
        return self

    def _check_parameters(self) -> None:
        names = [self.model] if self.model != "auto" else list(self.candidates)
        for name in names:
            if name not in MODELS:
                raise ConfigError(
                    f"model: unknown model {name!r}; expected 'auto' or one of {', '.join(MODELS)}"
                )
        levels = list(self.quantiles)
        if not levels or any(not 0.0 < float(p) < 1.0 for p in levels):
            raise ConfigError(f"quantiles: expected probabilities in (0, 1), got {levels}")
        if len({quantile_column(p) for p in levels}) != len(levels):
            raise ConfigError(f"quantiles: duplicate levels in {levels}")
        if int(self.validation_weeks) < 1:
            raise ConfigError(f"validation_weeks: expected >= 1, got {self.validation_weeks}")
        if not self.half_life_weeks > 0:
            raise ConfigError(f"half_life_weeks: expected > 0, got {self.half_life_weeks}")
        as_events(self.events)

    def _calendar(self, tz: str) -> Calendar:
        return Calendar(self.country, self.subdiv, self.events, tz=tz)

    def _fit_queue(self, queue: _grid.QueueHistory) -> tuple[_QueueFit, pd.DataFrame]:
        calendar = self._calendar(self.tz_)
        wall = queue.wall.copy()
        wall[calendar.excluded(wall.index)] = np.nan
        names = list(self.candidates) if self.model == "auto" else [self.model]
        origins, horizon = self._validation_origins(queue, len(wall))
        scores, pairs = {}, {}
        for name in names:
            actual, mean, errors = [], [], []
            for origin in origins:
                train, test = wall.iloc[:origin], wall.iloc[origin : origin + horizon]
                context = Context(queue.slots_per_day, calendar)
                point = self._point(name, train, len(test), context)
                actual.append(test.to_numpy())
                mean.append(point)
                scale = _validation_scale(train.to_numpy(), context.slots_per_week)
                if test.notna().any():
                    errors.append(mase(test.to_numpy(), point, scale))
            scores[name] = float(np.mean(errors)) if errors else np.nan
            pairs[name] = (np.concatenate(actual), np.concatenate(mean))
        chosen = min(names, key=lambda n: np.inf if np.isnan(scores[n]) else scores[n])
        levels = tuple(float(p) for p in self.quantiles)
        alpha = fit_dispersion_pinball(*pairs[chosen], levels)
        context = Context(queue.slots_per_day, calendar)
        model = self._fit_model(chosen, wall, context)
        table = pd.DataFrame(
            {
                "queue": queue.queue,
                "model": names,
                "mase": [scores[n] for n in names],
                "selected": [n == chosen for n in names],
            }
        )
        return _QueueFit(queue, chosen, model, alpha, context), table

    def _validation_origins(self, queue: _grid.QueueHistory, length: int) -> tuple[list, int]:
        week = 7 * queue.slots_per_day
        minimum = 2 * week
        spare = length - minimum
        if spare < queue.slots_per_day:
            raise DataError(
                f"history (queue {queue.queue!r}): {length} intervals; at least 15 days are "
                "needed to calibrate the intervals out of sample"
            )
        horizon = min(week, spare)
        count = max(1, min(int(self.validation_weeks), spare // week))
        return [length - horizon - k * week for k in range(count)], horizon

    def _fit_model(self, name: str, wall: pd.Series, context: Context) -> PointModel:
        if name == "glm":
            from staffing.forecast.models import CountGLM

            return CountGLM(self.half_life_weeks).fit(wall, context)
        offset = np.exp(context.calendar.offset(wall.index))
        adjusted = wall / offset
        estimated = context.calendar.features(wall.index).filter(like="event:")
        if not estimated.empty:
            adjusted[estimated.to_numpy().any(axis=1)] = np.nan
        return make_model(name).fit(adjusted, context)

    def _point(self, name: str, wall: pd.Series, steps: int, context: Context) -> np.ndarray:
        model = self._fit_model(name, wall, context)
        return self._forecast_wall(name, model, wall.index, steps, context)

    @staticmethod
    def _forecast_wall(
        name: str, model: PointModel, index: pd.DatetimeIndex, steps: int, context: Context
    ) -> np.ndarray:
        values = np.maximum(model.forecast(steps), 0.0)
        if name != "glm":
            future = pd.date_range(index[-1] + index.freq, periods=steps, freq=index.freq)
            values = values * np.exp(context.calendar.offset(future))
        return values

    # --------------------------------------------------------------- predicting
    def predict(
        self, horizon_hours: float | None = None, horizon_days: float | None = None
    ) -> pd.DataFrame:
        """Forecast the intervals after the end of the history.

        Parameters
        ----------
        horizon_hours : float, optional
            Horizon in absolute time [hours].
        horizon_days : float, optional
            Horizon in local calendar days [days]: up to the same local clock time that many
            days later, so a horizon across a summer-time change has 23- or 25-hour days.
            Give exactly one of the two; with neither, 14 days.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``interval_start`` (tz-aware, the history's zone, continuing its grid),
            with ``queue``, ``volume`` (mean) [contacts per interval] and one column per
            quantile in increasing order of level (see :func:`quantile_column`).
        """
        if not hasattr(self, "_fits"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(history) first")
        frames = []
        for name, fitted in self._fits.items():
            before = len(fitted.context.notes)
            frames.append(self._predict_queue(name, fitted, horizon_hours, horizon_days))
            for note in fitted.context.notes[before:]:
                if f"{name}: {note}" not in self.notes_:
                    self.notes_.append(f"{name}: {note}")
        result = pd.concat(frames)
        if self._naive:
            result.index = result.index.tz_localize(None)
        return result

    def _predict_queue(
        self,
        name: str,
        fitted: _QueueFit,
        horizon_hours: float | None,
        horizon_days: float | None,
    ) -> pd.DataFrame:
        absolute = fitted.history.absolute
        index = _grid.future_index(absolute, _periods(absolute, horizon_hours, horizon_days))
        wall_index = fitted.history.wall.index
        last_local = index[-1].tz_localize(None)
        steps = max(1, int((last_local - wall_index[-1]) / wall_index.freq))
        wall_values = self._forecast_wall(
            fitted.model_name, fitted.model, wall_index, steps, fitted.context
        )
        wall_future = pd.Series(
            wall_values,
            index=pd.date_range(
                wall_index[-1] + wall_index.freq, periods=steps, freq=wall_index.freq
            ),
        )
        point = np.maximum(_grid.from_wall(wall_future, index), 0.0)
        levels = tuple(sorted(float(p) for p in self.quantiles))
        bounds = mid_quantiles(point, fitted.alpha, levels)
        frame = pd.DataFrame({"queue": name, "volume": point}, index=index)
        for column, level in enumerate(levels):
            frame[quantile_column(level)] = bounds[:, column]
        return frame


def _validation_scale(train: np.ndarray, lag: int) -> float:
    # The scale is shared by all candidates at an origin, so when the seasonal naive error is
    # zero (a perfectly periodic history) ranking by plain MAE (scale 1) is equivalent.
    try:
        return naive_scale(train, lag)
    except ValueError:
        return 1.0


def _is_naive(history: pd.DataFrame | pd.Series) -> bool:
    if isinstance(history, pd.Series):
        return getattr(history.index, "tz", "naive") is None
    return getattr(history["interval_start"].dt, "tz", "naive") is None


def _periods(absolute: pd.Series, horizon_hours: float | None, horizon_days: float | None) -> int:
    step = pd.Timedelta(absolute.index.freq)
    if horizon_hours is not None and horizon_days is not None:
        raise ValueError("give horizon_hours or horizon_days, not both")
    if horizon_hours is None and horizon_days is None:
        horizon_days = 14
    if horizon_hours is not None:
        if not horizon_hours > 0:
            raise ValueError(f"horizon_hours: expected > 0, got {horizon_hours}")
        return max(1, int(np.ceil(pd.Timedelta(horizon_hours, unit="h") / step)))
    if not horizon_days > 0:
        raise ValueError(f"horizon_days: expected > 0, got {horizon_days}")
    tz = absolute.index.tz
    start = absolute.index[-1] + step
    end_local = start.tz_localize(None) + pd.Timedelta(horizon_days, unit="D")
    end = end_local.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return max(1, int(np.ceil((end - start) / step)))


def forecast(
    history: pd.DataFrame | pd.Series,
    horizon_days: float = 14,
    **kwargs: Any,
) -> pd.DataFrame:
    """Fit a :class:`Forecaster` to ``history`` and forecast ``horizon_days`` ahead.

    Parameters
    ----------
    history : pandas.DataFrame or pandas.Series
        Contact history (see :meth:`Forecaster.fit`).
    horizon_days : float
        Horizon in local calendar days [days].
    **kwargs
        Passed to :class:`Forecaster` (``model``, ``country``, ``events``, ``quantiles``...).

    Returns
    -------
    pandas.DataFrame
        See :meth:`Forecaster.predict`.

    Examples
    --------
    >>> from staffing.datasets import load_example
    >>> history = load_example().query("queue == 'chat'")
    >>> result = forecast(history, horizon_days=2, model="glm", country="GB", subdiv="ENG")
    >>> bool((result["q10"] <= result["q90"]).all() and (result["volume"] >= 0).all())
    True
    """
    return Forecaster(**kwargs).fit(history).predict(horizon_days=horizon_days)
