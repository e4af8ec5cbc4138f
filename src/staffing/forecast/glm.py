"""The count regression (``glm``) and the ``ensemble`` built on it.

:class:`CountGLM` is a Poisson regression on slot-of-week effects and calendar columns,
weighted by recency. Two steps make it robust to what contact histories hold:

* **Unusual days** (a holiday the calendar does not list, an outage that was not declared, a
  one-off surge) are found after a first fit. Each day's total is compared with the model's,
  and a day whose log ratio lies more than :data:`OUTLIER_MADS` robust standard deviations from
  the median day (and more than :data:`OUTLIER_FLOOR` away) is left out of the refit. Such days
  would otherwise drag the slot effects for weeks. A note lists them.
* **Level**: recency weighting follows a level shift slowly. The ratio of the actual to the
  fitted volume over the last :data:`RELEVEL_DAYS` usual days measures where the level stands
  now. The ``glm`` forecast moves :data:`RELEVEL_SHARE` of the way to it (a damped local
  level on the daily totals).

:class:`Ensemble` is the median, interval by interval, of three forecasts with different
memories. They are the regression without the level step (long memory), the regression moved
all the way to the recent level (one week), and the same slot last week (that week alone,
with holidays and unusual days skipped). No single member wins every week. The median takes
the middle one, so it follows a real shift that two of them see and ignores a member that
is alone in being wrong. (See ``benchmarks/bench_forecast_accuracy.py`` for the evidence.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.forecast.models import Context, PointModel, SeasonalNaive
from staffing.forecast.poisson import ZERO_EFFECT, fit_slot_poisson

__all__ = ["CountGLM", "Ensemble"]

#: A day is unusual when its log ratio of actual to fitted total is this many robust standard
#: deviations (1.4826 MAD) from the median day's.
OUTLIER_MADS = 5.0
#: ... and at least this far from it [log units] (a series that fits every day very well has
#: a tiny MAD).
OUTLIER_FLOOR = 0.1
#: Days whose fitted total is below this are not judged (too few contacts to tell) [contacts].
MIN_DAY_TOTAL = 20.0
#: Usual days (after the last one) that measure the current level [days].
RELEVEL_DAYS = 7
#: Share of the way (on the log scale) the ``glm`` forecast moves to the recent level.
RELEVEL_SHARE = 0.5


class CountGLM(PointModel):
    """Poisson regression on slot-of-week, holidays, holiday eves and events.

    log mean = slot-of-week effect (holidays take the slot of the quietest day with data)
    + holiday and eve effects + event effects (+ known event multipliers as an offset),
    fitted by maximum likelihood (:func:`~staffing.forecast.fit_slot_poisson`) with
    observations weighted by recency (``half_life_weeks``). Missing intervals and unusual
    days are left out of the likelihood; the forecast moves ``relevel_share`` of the way to
    the level of the last :data:`RELEVEL_DAYS` usual days (see the module notes).

    Parameters
    ----------
    half_life_weeks : float
        An observation this many weeks old counts half [weeks].
    relevel_share : float
        Share of the recent level step applied to the forecast, in [0, 1].

    Attributes
    ----------
    unusual_days_ : pandas.DatetimeIndex
        Local days left out of the refit.
    level_ : float
        Log ratio of actual to fitted volume over the last usual days [log units].

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from staffing.forecast.events import CalendarFeatures
    >>> from staffing.forecast.models import Context
    >>> index = pd.date_range("2025-01-06", periods=4 * 168, freq="h")
    >>> wall = pd.Series(np.tile(np.r_[np.full(120, 20.0), np.full(48, 5.0)], 4), index=index)
    >>> model = CountGLM().fit(wall, Context(24, CalendarFeatures()))
    >>> model.forecast(168)[[0, 150]].round(6).tolist()
    [20.0, 5.0]
    """

    def __init__(self, half_life_weeks: float = 8.0, relevel_share: float = RELEVEL_SHARE) -> None:
        self.half_life_weeks = half_life_weeks
        self.relevel_share = relevel_share

    def fit(self, wall: pd.Series, context: Context) -> CountGLM:
        self.context_ = context
        self.index_ = wall.index
        week = context.slots_per_week
        y = wall.to_numpy(dtype=float)
        slot_means = pd.Series(y).groupby(np.arange(len(y)) % week).mean()
        day_of_slot = wall.index[:week].day_of_week.to_numpy()
        daily = slot_means.groupby(day_of_slot[np.arange(week)]).sum(min_count=1)
        # the quietest day with data: a day without any (closed) has no slots to lend
        self.quiet_day_ = int(daily.idxmin())
        slot, extra = self._design(wall.index)
        offset = context.calendar.offset(wall.index)
        observed = ~np.isnan(y) & ~context.calendar.excluded(wall.index)
        self.columns_ = extra.columns[extra[observed].sum(axis=0).to_numpy() > 0]
        weights = recency_weights(len(y), week, self.half_life_weeks)
        design = (slot, extra[self.columns_].to_numpy(dtype=float), offset, weights)
        self._solve(y, observed, *design)
        days = self._day_totals(wall, observed)
        self.unusual_days_ = _unusual(days)
        if self.unusual_days_.size:  # refit without them; the level is read off the refit
            usual = ~np.isin(wall.index.normalize(), self.unusual_days_)
            self._solve(y, observed & usual, *design)
            context.notes.append(_unusual_note(self.unusual_days_))
            days = self._day_totals(wall, observed).drop(self.unusual_days_, errors="ignore")
        self.level_ = _recent_level(days)
        return self

    def _solve(
        self,
        y: np.ndarray,
        keep: np.ndarray,
        slot: np.ndarray,
        extra: np.ndarray,
        offset: np.ndarray,
        weights: np.ndarray,
    ) -> None:
        week = self.context_.slots_per_week
        self.slot_effect_, self.extra_effect_ = fit_slot_poisson(
            y[keep], slot[keep], week, extra[keep], offset[keep], weights[keep]
        )

    def _design(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, pd.DataFrame]:
        """Slot of the week of each interval (holidays moved to the quiet day), extra columns."""
        calendar = self.context_.calendar
        per_day = self.context_.slots_per_day
        slot_of_day = (index.hour * 60 + index.minute) * per_day // 1440
        day = index.day_of_week.to_numpy().copy()
        day[calendar.holiday(index)] = self.quiet_day_
        slot = day * per_day + np.asarray(slot_of_day)
        extra = calendar.features(index)
        extra.index = range(len(index))
        return slot.astype(np.intp), extra

    def mean(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Fitted mean at wall-clock times, without the level step [contacts per interval]."""
        slot, extra = self._design(index)
        effect = np.nan_to_num(self.slot_effect_[slot], nan=ZERO_EFFECT)
        x = extra.reindex(columns=self.columns_, fill_value=0.0).to_numpy(dtype=float)
        linear = effect + x @ self.extra_effect_ + self.context_.calendar.offset(index)
        return np.exp(np.minimum(linear, 50.0))

    def _day_totals(self, wall: pd.Series, observed: np.ndarray) -> pd.DataFrame:
        """Actual and fitted totals per local day with enough expected contacts."""
        frame = pd.DataFrame(
            {"actual": wall.to_numpy(dtype=float), "fitted": self.mean(wall.index)},
            index=wall.index.normalize(),
        )[observed]
        days = frame.groupby(level=0).sum()
        return days[days["fitted"] >= MIN_DAY_TOTAL]

    def future_index(self, steps: int) -> pd.DatetimeIndex:
        step = self.index_.freq
        return pd.date_range(self.index_[-1] + step, periods=steps, freq=step)

    def forecast(self, steps: int, share: float | None = None) -> np.ndarray:
        """Mean of the next ``steps`` intervals, ``share`` (default ``relevel_share``) of the
        way to the recent level [contacts per interval]."""
        future = self.future_index(steps)
        self._check_unestimated(future)
        share = self.relevel_share if share is None else share
        return self.mean(future) * np.exp(share * self.level_)

    def _check_unestimated(self, future: pd.DatetimeIndex) -> None:
        """Note events in the horizon whose effect the history cannot estimate.

        Such an event gets no effect (a rolling-origin backtest meets this whenever an event
        lies after its origin); a ``multiplier`` on the event gives it a known one.
        """
        design = self.context_.calendar.features(future)
        for column in design.columns:
            unseen = column.startswith("event:") and column not in self.columns_
            if unseen and design[column].to_numpy().any():
                self.context_.notes.append(
                    f"events: {column[6:]!r} falls in the forecast horizon but never in the "
                    "history, so it is forecast without an effect; give it a multiplier"
                )


class Ensemble(PointModel):
    """Median of the regression (no level step), the regression at the recent level, and the
    same slot last week (holidays, outages and unusual days skipped).

    Parameters
    ----------
    half_life_weeks : float
        Recency weighting of the regression [weeks].
    glm : CountGLM, optional
        A regression already fitted on the same series, to reuse.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from staffing.forecast.events import CalendarFeatures
    >>> from staffing.forecast.models import Context
    >>> index = pd.date_range("2025-01-06", periods=4 * 168, freq="h")
    >>> wall = pd.Series(np.tile(np.r_[np.full(120, 20.0), np.full(48, 5.0)], 4), index=index)
    >>> Ensemble().fit(wall, Context(24, CalendarFeatures())).forecast(2).round(6).tolist()
    [20.0, 20.0]
    """

    def __init__(self, half_life_weeks: float = 8.0, glm: CountGLM | None = None) -> None:
        self.half_life_weeks = half_life_weeks
        self.glm = glm

    def fit(self, wall: pd.Series, context: Context) -> Ensemble:
        glm = self.glm
        if glm is None:
            glm = CountGLM(self.half_life_weeks).fit(wall, context)
        self.glm_ = glm
        calendar = context.calendar
        usual = wall.where(~np.isin(wall.index.normalize(), glm.unusual_days_))
        skip = calendar.holiday(usual.index) | calendar.excluded(usual.index)
        events = calendar.features(usual.index).filter(like="event:")
        if not events.empty:
            skip |= events.to_numpy().any(axis=1)
        usual = usual.where(~skip) / np.exp(calendar.offset(usual.index))
        self.naive_ = SeasonalNaive("week").fit(usual, context)
        return self

    def forecast(self, steps: int) -> np.ndarray:
        glm = self.glm_
        future = glm.future_index(steps)
        naive = self.naive_.forecast(steps) * np.exp(glm.context_.calendar.offset(future))
        # the calendar's holidays and eves are the regression's to forecast: the last week
        # has nothing to say about them
        special = glm.context_.calendar.features(future).to_numpy().any(axis=1)
        long_memory = glm.forecast(steps, share=0.0)
        naive[special] = long_memory[special]
        members = np.vstack([long_memory, long_memory * np.exp(glm.level_), naive])
        return np.median(members, axis=0)


def recency_weights(length: int, week: int, half_life_weeks: float) -> np.ndarray:
    """Weight of each of ``length`` intervals: 1/2 per ``half_life_weeks`` of age [weeks]."""
    age_weeks = (length - 1 - np.arange(length)) / week
    return 0.5 ** (age_weeks / half_life_weeks)


def _unusual(days: pd.DataFrame) -> pd.DatetimeIndex:
    """Days whose log ratio of actual to fitted total lies far from the median day's."""
    ratio = np.log((days["actual"] + 0.5) / (days["fitted"] + 0.5))
    if ratio.size < 7:
        return pd.DatetimeIndex([])
    middle = float(np.median(ratio))
    spread = 1.4826 * float(np.median(np.abs(ratio - middle)))
    far = np.abs(ratio - middle) > max(OUTLIER_MADS * spread, OUTLIER_FLOOR)
    return pd.DatetimeIndex(ratio.index[far.to_numpy()])


def _recent_level(days: pd.DataFrame) -> float:
    """Log ratio of actual to fitted volume over the last usual days (0 with too few)."""
    recent = days.iloc[-RELEVEL_DAYS:]
    if len(recent) < min(RELEVEL_DAYS, 3):
        return 0.0
    return float(np.log(recent["actual"].sum() / recent["fitted"].sum()))


def _unusual_note(days: pd.DatetimeIndex) -> str:
    shown = ", ".join(day.strftime("%Y-%m-%d") for day in days[:8])
    more = f" and {len(days) - 8} more" if len(days) > 8 else ""
    return (
        f"glm: {len(days)} unusual day{'s' if len(days) != 1 else ''} (total far from the "
        f"model's) left out of the fit: {shown}{more}"
    )
