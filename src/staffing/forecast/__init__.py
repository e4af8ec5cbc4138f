"""Forecast contact volume per interval, with holidays, events and calibrated quantiles.

Seasonality is read on the local wall clock of the history's zone: "same hour last week" is
the same local hour on the same weekday, across summer-time changes. The forecast index
follows the real clock: it continues the history's grid in absolute time, so the day the
clocks go back has 25 hours (the repeated hour twice, with its two UTC offsets, both given the
forecast of that wall-clock hour) and the day they go forward 23.

The history must be tz-aware, or naive with ``Forecaster(tz=...)``; it needs at least 14 days
of observed data. Missing intervals (NaN, or no row) are never read as zero nor as a filled-in
value: they are left out of every fit and every score, and ``Forecaster.notes_`` counts them.
A slot of the week observed at least twice and zero every time, or never observed at all (a
centre that exports no rows while closed), is forecast as exactly zero, with zero-width
intervals.

Holidays and their eves come from the centre's :class:`staffing.calendar.Calendar`
(``Forecaster(calendar=...)``), the calendar that the requirements and the report use too.

Examples
--------
>>> from staffing.datasets import load_example
>>> from staffing.forecast import forecast
>>> result = forecast(load_example().query("queue == 'phone'"), horizon_days=1,
...                   model="seasonal_naive_week")
>>> result.index[0].isoformat()
'2025-11-10T00:00:00+00:00'
"""

from __future__ import annotations

from staffing.forecast.backtest import backtest, backtest_summary
from staffing.forecast.core import Forecaster, choose, forecast, quantile_column
from staffing.forecast.events import Event
from staffing.forecast.glm import CountGLM, Ensemble
from staffing.forecast.intervals import widen_to_coverage
from staffing.forecast.metrics import bias, coverage, mase, naive_scale, wape
from staffing.forecast.models import MODELS
from staffing.forecast.plot import plot_backtest, plot_forecast
from staffing.forecast.poisson import fit_slot_poisson
from staffing.forecast.quality import add_quantiles, level_dispersion

__all__ = [
    "MODELS",
    "CountGLM",
    "Ensemble",
    "Event",
    "Forecaster",
    "add_quantiles",
    "backtest",
    "backtest_summary",
    "bias",
    "choose",
    "coverage",
    "fit_slot_poisson",
    "forecast",
    "level_dispersion",
    "mase",
    "naive_scale",
    "plot_backtest",
    "plot_forecast",
    "quantile_column",
    "wape",
    "widen_to_coverage",
]
