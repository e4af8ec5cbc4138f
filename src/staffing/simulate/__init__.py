"""Discrete-event simulation of a roster against a forecast.

:func:`simulate` replays a day or a week many times: Poisson arrivals from the forecast (or real
timestamps), first-come-first-served queueing, agents who come and go with their shifts and
breaks, optional abandonment; it reports service level, ASA, abandonment and occupancy per
interval and overall, with confidence intervals across replications. :func:`fit_handle_time`
and :func:`fit_patience` estimate the distributions to feed it from per-contact records.

Examples
--------
>>> import pandas as pd
>>> from staffing.simulate import simulate
>>> grid = pd.date_range("2024-03-04 08:00", periods=8, freq="h", tz="Europe/London")
>>> forecast = pd.DataFrame({"interval_start": grid, "volume": 100.0})
>>> staffing = pd.DataFrame({"interval_start": grid, "agents": 11})
>>> result = simulate(staffing, forecast, aht_seconds=300, target_seconds=20,
...                   patience_seconds=180, replications=5, seed=7)
>>> result.intervals.columns[:8].tolist()  # doctest: +NORMALIZE_WHITESPACE
['interval_start', 'agents', 'offered', 'answered', 'abandoned', 'unserved', 'target_seconds',
 'service_level']
"""

from __future__ import annotations

from staffing.simulate.blended import SkillChannel, SkillSimulationResult, simulate_skills
from staffing.simulate.core import SimulationResult, simulate
from staffing.simulate.fitting import (
    HandleTimeFit,
    PatienceFit,
    fit_handle_time,
    fit_patience,
    kaplan_meier,
)
from staffing.simulate.inputs import read_forecast, read_staffing

__all__ = [
    "HandleTimeFit",
    "PatienceFit",
    "SimulationResult",
    "SkillChannel",
    "SkillSimulationResult",
    "fit_handle_time",
    "fit_patience",
    "kaplan_meier",
    "read_forecast",
    "read_staffing",
    "simulate",
    "simulate_skills",
]
