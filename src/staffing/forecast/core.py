"""The :class:`Forecaster` estimator and the :func:`forecast` shortcut."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from threadpoolctl import threadpool_limits

from staffing.calendar import Calendar
from staffing.errors import ConfigError, DataError, NotFittedError
from staffing.forecast import _grid
from staffing.forecast._params import (
    _check_levels,
    _horizon_name,
    _names,
    _number,
    _periods,
    quantile_column,
)
from staffing.forecast.events import CalendarFeatures, Event, as_events
from staffing.forecast.glm import CountGLM, Ensemble
from staffing.forecast.intervals import (
    fit_dispersion_pinball,
    mid_quantiles,
    widen_to_coverage,
)
from staffing.forecast.metrics import mase, naive_scale
from staffing.forecast.models import MODELS, Context, PointModel, ZeroModel, make_model
from staffing.forecast.quality import (
    LEVEL_NOTE,
    choose,
    level_dispersion,
    selection_table,
    window_totals,
)

__all__ = ["Forecaster", "choose", "forecast", "quantile_column"]

#: Models that apply the calendar (holidays, eves, events) themselves.
SELF_CALENDARED = ("glm", "ensemble")


@dataclass
class _QueueFit:
    history: _grid.QueueHistory
    model_name: str
    model: PointModel
    alpha: float
    level_dispersion: float  # variance of the week-level error (see quality.level_dispersion)
    context: Context
    wall: pd.Series  # the wall-clock series the model was fitted on (outages as NaN)
    zero: np.ndarray  # slots of the week forecast as exactly zero (closed or always zero)


class Forecaster:
    """Hourly (or 15/30-minute) contact-volume forecaster with calibrated quantiles.

    Parameters
    ----------
    model : str
        ``"auto"`` (choose by rolling-origin validation on the history) or one of
        ``"seasonal_naive_week"``, ``"seasonal_naive_day"``, ``"mstl"``, ``"holt_winters"``,
        ``"glm"``.
    calendar : staffing.calendar.Calendar, optional
        The centre's calendar, the one the requirements and the report use: its holidays
        (public ones of its ``country``/``subdiv`` and its ``extra_holidays``) and their eves
        are effects of the ``glm`` model. A dict of its fields is accepted too.
    country, subdiv : str, optional
        Shortcut for ``calendar=Calendar(country=..., subdiv=...)``: public-holiday calendar of
        the :mod:`holidays` package (``"IL"``; ``"GB"``, ``"ENG"``). Not together with
        ``calendar``.
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
    tz : str, optional
        IANA time zone of the history (``"Europe/London"``): naive timestamps are read as local
        wall-clock times in it, tz-aware ones converted to it. Required for naive timestamps
        (``"UTC"`` for a source that keeps 24 hours on every day); a naive history without it
        is refused.

    Notes
    -----
    Seasonality runs on the local wall clock (see :mod:`staffing.forecast`). The forecast
    index continues the history's grid in absolute time, so a day on which the clocks go back
    has 25 hours (the repeated hour appears twice, with its two UTC offsets, and both get the
    forecast of that wall-clock hour) and a day on which they go forward 23.

    At least 14 days of observed history are needed. The intervals are calibrated out of
    sample at weekly rolling origins that leave two weeks of training, or one week when the
    history is shorter than 15 days. A slot of the week (e.g. Sunday 03:00) observed at least
    twice and zero every time is forecast as exactly zero with zero-width intervals.

    Missing intervals (NaN volume, or no row at all) are not data: no model learns from them
    (see :mod:`staffing.forecast.models`) and no validation or backtest scores them, and
    ``notes_`` says how many there were. A slot of the week with no data in *any* week (a
    source that exports no rows while the centre is closed, e.g. at night) is read as closed:
    it is forecast as exactly zero, and ``notes_`` lists the closed slots.

    Attributes
    ----------
    models_ : dict of str to str
        Queue to fitted model name.
    selection_ : pandas.DataFrame
        Why each model was chosen: validation scores per queue and candidate over the
        ``origins`` weekly windows (``queue, model, mase, bias, coverage_<P>...,
        dispersion, level_dispersion, origins, selected``; see
        :func:`~staffing.forecast.quality.selection_table`). ``"auto"`` selects the smallest
        MASE; with a fixed model, its own scores only.
    dispersion_ : dict of str to float
        Queue to negative binomial dispersion alpha of the predictive distribution
        [1/contacts].
    level_dispersion_ : dict of str to float
        Queue to the variance of the week-level multiplicative error of the chosen model on
        its validation windows, Poisson noise removed, in ``[0, alpha]`` [dimensionless]
        (see :func:`~staffing.forecast.quality.level_dispersion`).
    calendar_ : staffing.calendar.Calendar
        The calendar the forecast used (from ``calendar`` or ``country``/``subdiv``).
    notes_ : list of str
        Per queue (``"phone: ..."``): the missing intervals left out of the fit, the slots
        read as closed, and warnings raised by the underlying fits (e.g. convergence),
        recorded not raised.

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
        calendar: Calendar | Mapping[str, Any] | None = None,
        country: str | None = None,
        subdiv: str | None = None,
        events: Iterable[Event | Mapping[str, Any]] | None = None,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        validation_weeks: int = 4,
        candidates: Sequence[str] = ("seasonal_naive_week", "glm", "ensemble"),
        half_life_weeks: float = 8.0,
        tz: str | None = None,
    ) -> None:
        self.model = model
        self.calendar = calendar
        self.country = country
        self.subdiv = subdiv
        self.events = events
        self.quantiles = quantiles
        self.validation_weeks = validation_weeks
        self.candidates = candidates
        self.half_life_weeks = half_life_weeks
        self.tz = tz

    # ------------------------------------------------------------------ fitting
    def fit(self, history: pd.DataFrame | pd.Series) -> Forecaster:
        """Validate the history, choose the model if ``"auto"``, fit it and its intervals.

        Parameters
        ----------
        history : pandas.DataFrame or pandas.Series
            Tidy frame (``interval_start`` tz-aware, optional ``queue``, ``volume``
            [contacts per interval], NaN = missing data) or a Series with a tz-aware
            DatetimeIndex. Each queue is fitted separately. Naive timestamps need ``tz``.

        Returns
        -------
        Forecaster
            ``self``.

        Raises
        ------
        staffing.errors.DataError
            Naive timestamps without ``tz``, fewer than 14 days of observed history, negative,
            infinite or non-numeric volumes, duplicate or off-grid times.
        staffing.errors.ConfigError
            An unknown model, time zone, calendar or event field, quantiles outside (0, 1),
            or both ``calendar`` and ``country``/``subdiv``.
        """
        calendar = self._check_parameters()
        with threadpool_limits(limits=1):
            return self._fit(history, calendar)

    def _fit(self, history: pd.DataFrame | pd.Series, calendar: Calendar) -> Forecaster:
        queues = _grid.split_queues(history, tz=self.tz)
        self.tz_ = str(queues[0].absolute.index.tz)
        self.calendar_ = calendar
        self._fits: dict[str, _QueueFit] = {}
        tables, notes = [], []
        for queue in queues:
            fitted, table = self._fit_queue(queue)
            self._fits[queue.queue] = fitted
            tables.append(table)
            found = [*_gap_notes(queue), *fitted.context.notes]
            notes.extend(f"{queue.queue}: {note}" for note in dict.fromkeys(found))
        self.selection_ = pd.concat(tables, ignore_index=True)
        self.models_ = {q: f.model_name for q, f in self._fits.items()}
        self.dispersion_ = {q: f.alpha for q, f in self._fits.items()}
        self.level_dispersion_ = {q: f.level_dispersion for q, f in self._fits.items()}
        self.notes_ = notes
        return self

    def _check_parameters(self) -> Calendar:
        """Check the settings; return the calendar to use."""
        if not isinstance(self.model, str):
            raise ConfigError(f"Forecaster(model=...): expected a model name, got {self.model!r}")
        names = [self.model] if self.model != "auto" else _names(self.candidates)
        for name in names:
            if name not in MODELS:
                raise ConfigError(
                    f"Forecaster(model=...): unknown model {name!r}; expected 'auto' or one of "
                    f"{', '.join(MODELS)}"
                )
        _check_levels(self.quantiles)
        weeks = _number(self.validation_weeks, "Forecaster(validation_weeks=...)")
        if not weeks >= 1 or weeks != int(weeks):
            raise ConfigError(
                f"Forecaster(validation_weeks=...): expected a whole number >= 1, "
                f"got {self.validation_weeks!r}"
            )
        half_life = _number(self.half_life_weeks, "Forecaster(half_life_weeks=...)")
        if not (np.isfinite(half_life) and half_life > 0):
            raise ConfigError(
                f"Forecaster(half_life_weeks=...): expected a number > 0, "
                f"got {self.half_life_weeks!r}"
            )
        _grid.check_zone(self.tz, "Forecaster(tz=...)")
        as_events(self.events)
        return self._resolve_calendar()

    def _resolve_calendar(self) -> Calendar:
        """The calendar given, or one built from ``country``/``subdiv``."""
        shortcut = [k for k in ("country", "subdiv") if getattr(self, k) is not None]
        if self.calendar is not None:
            if shortcut:
                given = ", ".join(f"{k}={getattr(self, k)!r}" for k in shortcut)
                raise ConfigError(
                    f"Forecaster(calendar=..., {given}): give the calendar or "
                    f"{'/'.join(shortcut)}, not both (put them in the calendar)"
                )
            if isinstance(self.calendar, Calendar):
                return self.calendar
            if not isinstance(self.calendar, Mapping):
                raise ConfigError(
                    "Forecaster(calendar=...): expected a staffing.calendar.Calendar or a dict "
                    f"of its fields, got {type(self.calendar).__name__}"
                )
            fields, name = dict(self.calendar), "Forecaster(calendar=...)"
        else:
            fields = {"country": self.country, "subdiv": self.subdiv}
            name = "Forecaster(country=..., subdiv=...)"
        try:
            return Calendar.model_validate(fields)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'calendar'}: {e['msg']}" for e in err.errors()
            )
            raise ConfigError(f"{name}: {problems}") from None

    def _calendar(self, tz: str) -> CalendarFeatures:
        return CalendarFeatures(self.calendar_, self.events, tz=tz)

    def _fit_queue(self, queue: _grid.QueueHistory) -> tuple[_QueueFit, pd.DataFrame]:
        calendar = self._calendar(self.tz_)
        wall = queue.wall.copy()
        wall[calendar.excluded(wall.index)] = np.nan
        names = _names(self.candidates) if self.model == "auto" else [self.model]
        origins, horizon = self._validation_origins(queue, wall)
        errors: dict[str, list[float]] = {name: [] for name in names}
        windows: dict[str, tuple[list, list]] = {name: ([], []) for name in names}
        for origin in origins:
            train, test = wall.iloc[:origin], wall.iloc[origin : origin + horizon]
            context = Context(queue.slots_per_day, calendar)
            fits: dict[str, PointModel] = {}  # shared by the candidates at this origin
            scale = _validation_scale(train.to_numpy(), context.slots_per_week)
            for name in names:
                point = self._point(name, train, len(test), context, fits)
                windows[name][0].append(test.to_numpy())
                windows[name][1].append(point)
                if test.notna().any():
                    errors[name].append(mase(test.to_numpy(), point, scale))
        scores = {n: float(np.mean(e)) if e else np.nan for n, e in errors.items()}
        chosen = choose(scores)
        levels = tuple(float(p) for p in self.quantiles)
        pairs = tuple(map(np.concatenate, windows[chosen]))
        alpha = widen_to_coverage(*pairs, levels, fit_dispersion_pinball(*pairs, levels))
        table = selection_table(queue.queue, scores, windows, levels, chosen, alpha)
        context = Context(queue.slots_per_day, calendar)
        model = self._fit_model(chosen, wall, context)
        level = level_dispersion(*windows[chosen], alpha)
        if window_totals(*windows[chosen])[1].size == 0:
            context.notes.append(LEVEL_NOTE)
        zero = _zero(wall, queue.slots_per_day)
        fitted = _QueueFit(queue, chosen, model, alpha, level, context, wall, zero)
        return fitted, table

    def _validation_origins(
        self, queue: _grid.QueueHistory, wall: pd.Series
    ) -> tuple[list[int], int]:
        """Weekly origins that leave two weeks of training (one week on a short history).

        The validation horizon is a week, or what the history leaves after the training;
        plans whose windows hold no observed value are passed over.
        """
        week, length = 7 * queue.slots_per_day, len(wall)
        observed = wall.notna().to_numpy()
        for minimum in (2 * week, week):
            spare = length - minimum
            if spare < queue.slots_per_day:
                continue
            horizon = min(week, spare)
            count = max(1, min(int(self.validation_weeks), spare // week))
            origins = [length - horizon - k * week for k in range(count)]
            if any(observed[o : o + horizon].any() for o in origins):
                return origins, horizon
        raise DataError(
            f"history (queue {queue.queue!r}): no observed interval in the validation windows "
            f"of the last {min(2, length // week)} week(s), so the prediction intervals cannot "
            "be calibrated; the history ends with a long gap (trim it or fill it)"
        )

    def _fit_model(
        self,
        name: str,
        wall: pd.Series,
        context: Context,
        fits: dict[str, PointModel] | None = None,
    ) -> PointModel:
        """Fit a model; ``fits`` holds models already fitted on the same series to reuse."""
        fits = {} if fits is None else fits
        if name not in fits:
            fits[name] = self._fit_new(name, wall, context, fits)
        return fits[name]

    def _fit_new(
        self, name: str, wall: pd.Series, context: Context, fits: dict[str, PointModel]
    ) -> PointModel:
        if not (wall.fillna(0.0) != 0).any():  # nothing but zeros (and gaps) to learn from
            return ZeroModel().fit(wall, context)
        if name == "glm":
            return CountGLM(self.half_life_weeks).fit(wall, context)
        if name == "ensemble":
            glm = self._fit_model("glm", wall, context, fits)
            return Ensemble(self.half_life_weeks, glm).fit(wall, context)
        offset = np.exp(context.calendar.offset(wall.index))
        adjusted = wall / offset
        estimated = context.calendar.features(wall.index).filter(like="event:")
        if not estimated.empty:
            adjusted[estimated.to_numpy().any(axis=1)] = np.nan
        return make_model(name).fit(adjusted, context)

    def _point(
        self,
        name: str,
        wall: pd.Series,
        steps: int,
        context: Context,
        fits: dict[str, PointModel] | None = None,
    ) -> np.ndarray:
        model = self._fit_model(name, wall, context, fits)
        values = self._forecast_wall(name, model, wall.index, steps, context)
        future = pd.date_range(
            wall.index[-1] + wall.index.freq, periods=steps, freq=wall.index.freq
        )
        zero = _zero(wall, context.slots_per_day)
        values[zero[_grid.slot_of_week(future, context.slots_per_day)]] = 0.0
        return values

    @staticmethod
    def _forecast_wall(
        name: str, model: PointModel, index: pd.DatetimeIndex, steps: int, context: Context
    ) -> np.ndarray:
        values = np.maximum(model.forecast(steps), 0.0)
        if name not in SELF_CALENDARED:
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
            Horizon in absolute time [hours], at most 366 days.
        horizon_days : float, optional
            Horizon in local calendar days [days], at most 366: up to the same local clock
            time that many days later, so a horizon across a summer-time change has 23- or
            25-hour days. Give exactly one of the two; with neither, 14 days.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``interval_start`` (tz-aware, the history's zone, continuing its grid),
            with ``queue``, ``volume`` (mean) [contacts per interval] and one column per
            quantile in increasing order of level (see :func:`quantile_column`).

        Raises
        ------
        staffing.errors.NotFittedError
            Before :meth:`fit`.
        staffing.errors.ConfigError
            A horizon that is not a number in (0, 366 days], ends after 2262-04-11 (the last
            date pandas represents), or an event without ``multiplier`` that falls in the
            horizon but never in the observed history (its effect cannot be estimated).
        """
        return self._predict(horizon_hours, horizon_days, unseen_events="raise")

    def _predict(
        self, horizon_hours: float | None, horizon_days: float | None, unseen_events: str
    ) -> pd.DataFrame:
        if not hasattr(self, "_fits"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(history) first")
        frames = []
        for name, fitted in self._fits.items():
            absolute = fitted.history.absolute
            periods = _periods(absolute, horizon_hours, horizon_days)
            index = _grid.future_index(absolute, periods, _horizon_name(horizon_hours))
            self._check_events(name, fitted, index, unseen_events)
            before = len(fitted.context.notes)
            frames.append(self._predict_queue(name, fitted, index))
            for note in fitted.context.notes[before:]:
                if f"{name}: {note}" not in self.notes_:
                    self.notes_.append(f"{name}: {note}")
        return pd.concat(frames)

    def _check_events(
        self, queue: str, fitted: _QueueFit, index: pd.DatetimeIndex, unseen_events: str
    ) -> None:
        """Refuse (or note) events to estimate that the history never observed."""
        calendar = fitted.context.calendar
        local = index.tz_localize(None)
        observed = fitted.wall.index[fitted.wall.notna().to_numpy()]
        for event in calendar.events:
            if event.kind != "effect" or event.multiplier is not None:
                continue
            ahead = event.active(local, calendar.tz)
            if not ahead.any() or event.active(observed, calendar.tz).any():
                continue
            first = index[int(np.argmax(ahead))]
            message = (
                f"events: {event.name!r} falls in the forecast horizon (from {first}) but never "
                f"in the observed history of queue {queue!r}, so its effect cannot be "
                "estimated; give it a multiplier (e.g. multiplier=1.5 for +50%)"
            )
            if unseen_events == "raise":
                raise ConfigError(message)
            note = f"{message}; forecast without an effect"
            if note not in fitted.context.notes:
                fitted.context.notes.append(note)

    def _predict_queue(
        self, name: str, fitted: _QueueFit, index: pd.DatetimeIndex
    ) -> pd.DataFrame:
        wall_index = fitted.wall.index
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
        # A history that ends in the first occurrence of a repeated hour: the second one
        # reads the wall-clock value just observed for that hour.
        wall_future = pd.concat([fitted.wall.iloc[-1:].dropna(), wall_future])
        point = np.maximum(_grid.from_wall(wall_future, index), 0.0)
        levels = tuple(sorted(float(p) for p in self.quantiles))
        bounds = mid_quantiles(point, fitted.alpha, levels)
        slots = _grid.slot_of_week(index.tz_localize(None), fitted.history.slots_per_day)
        zero = fitted.zero[slots]
        point[zero], bounds[zero] = 0.0, 0.0
        frame = pd.DataFrame({"queue": name, "volume": point}, index=index)
        for column, level in enumerate(levels):
            frame[quantile_column(level)] = bounds[:, column]
        return frame


def _zero(wall: pd.Series, slots_per_day: int) -> np.ndarray:
    """Slots of the week forecast as exactly zero: zero every time seen, or never seen."""
    return _grid.zero_slots(wall, slots_per_day) | _grid.closed_slots(wall, slots_per_day)


def _gap_notes(queue: _grid.QueueHistory) -> list[str]:
    """What the history was missing: the gaps left out of the fit and the closed slots."""
    per_day = queue.slots_per_day
    closed = _grid.closed_slots(queue.wall, per_day)
    notes = []
    missing, gaps = _grid.gap_runs(queue.absolute, closed, per_day)
    if missing:
        notes.append(
            f"{missing} intervals missing ({gaps} gap{'s' if gaps != 1 else ''}), "
            "left out of the fit"
        )
    if closed.any():
        notes.append(
            f"{int(closed.sum())} of {closed.size} slots of the week have no data in any week "
            f"({_grid.describe_slots(closed, per_day)}): read as closed, forecast 0"
        )
    return notes


def _validation_scale(train: np.ndarray, lag: int) -> float:
    # The scale is shared by all candidates at an origin, so when the seasonal naive error is
    # zero (a perfectly periodic history) ranking by plain MAE (scale 1) is equivalent.
    try:
        return naive_scale(train, lag)
    except ValueError:
        return 1.0


def forecast(
    history: pd.DataFrame | pd.Series,
    horizon_days: float = 14,
    *,
    calendar: Calendar | Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Fit a :class:`Forecaster` to ``history`` and forecast ``horizon_days`` ahead.

    Parameters
    ----------
    history : pandas.DataFrame or pandas.Series
        Contact history (see :meth:`Forecaster.fit`).
    horizon_days : float
        Horizon in local calendar days [days].
    calendar : staffing.calendar.Calendar, optional
        The centre's calendar (holidays and their eves); see :class:`Forecaster`.
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
    >>> from staffing.calendar import Calendar
    >>> result = forecast(history, horizon_days=2, model="glm",
    ...                   calendar=Calendar(country="GB", subdiv="ENG"))
    >>> bool((result["q10"] <= result["q90"]).all() and (result["volume"] >= 0).all())
    True
    """
    model = Forecaster(calendar=calendar, **kwargs)
    return model.fit(history).predict(horizon_days=horizon_days)
