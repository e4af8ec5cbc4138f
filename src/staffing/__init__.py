"""staffing: contact-centre workforce planning.

Forecast hourly inquiry volume, turn it into agents per interval with Erlang C and Erlang A,
build shift rosters with an integer program, and check them by simulation.

The most used names are available from the top-level package and are imported on first use,
so ``import staffing`` stays light:

==========================  ==================================================================
``staffing.plan``           the whole pipeline (:func:`staffing.plan.plan`), a function
``staffing.scenarios``      what-if sweeps across queues (:func:`staffing.scenarios.scenarios`)
``staffing.PlanConfig``     the plan configuration (:mod:`staffing.config`)
``staffing.read_history``   read and validate history (:mod:`staffing.io`)
``staffing.Forecaster``     forecasting models (:mod:`staffing.forecast`)
``staffing.required_agents``  Erlang C / A staffing (:mod:`staffing.queueing`)
``staffing.Channel``        targets as planners state them (:mod:`staffing.targets`)
``staffing.Calendar``       weekend days and holidays of every step (:mod:`staffing.calendar`)
``staffing.build_roster``   the roster integer program (:mod:`staffing.roster`)
``staffing.simulate``       discrete-event check of a roster (a subpackage)
``staffing.service_risk``   service under the forecast's uncertainty (:mod:`staffing.risk`)
``staffing.shift_table``    the roster as a table of shifts (:mod:`staffing.schedule`)
==========================  ==================================================================

Examples
--------
>>> import staffing
>>> staffing.__version__
'0.1.0'
>>> int(staffing.required_agents(100, 180, interval_minutes=30, service_level=0.8,
...                              target_seconds=20))
14
"""

from __future__ import annotations

import importlib
from typing import Any

from staffing.errors import (
    ConfigError,
    DataError,
    InfeasibleError,
    NotFittedError,
    SolverError,
    StaffingError,
)

__version__ = "0.1.0"

#: Public name -> module that defines it (imported on first access).
_LAZY = {
    "load_example": "staffing.datasets",
    "generate_example": "staffing.datasets",
    "SyntheticHistory": "staffing.datasets",
    "QueueFiles": "staffing.cluster",
    "Sweep": "staffing.scenarios",
    "read_history": "staffing.io",
    "find_gaps": "staffing.io",
    "Forecaster": "staffing.forecast",
    "backtest": "staffing.forecast",
    "erlang_b": "staffing.queueing",
    "erlang_c": "staffing.queueing",
    "service_level": "staffing.queueing",
    "asa": "staffing.queueing",
    "occupancy": "staffing.queueing",
    "abandonment": "staffing.queueing",
    "required_agents": "staffing.queueing",
    "staffing_table": "staffing.queueing",
    "deferred_agents": "staffing.queueing",
    "Channel": "staffing.targets",
    "Target": "staffing.targets",
    "ServiceTargets": "staffing.targets",
    "Calendar": "staffing.calendar",
    "ShiftRules": "staffing.roster",
    "Contract": "staffing.roster",
    "SolverOptions": "staffing.roster",
    "build_roster": "staffing.roster",
    "load_rules": "staffing.roster",
    "PlanConfig": "staffing.config",
    "load_config": "staffing.config",
    "BlendingConfig": "staffing.skills",
    "SkillGroup": "staffing.skills",
    "Blend": "staffing.blending",
    "build_joint_roster": "staffing.roster",
    "simulate": "staffing.simulate",
    "simulate_skills": "staffing.simulate",
    "SkillChannel": "staffing.simulate",
    "service_risk": "staffing.risk",
    "ServiceRisk": "staffing.risk",
    "RiskConfig": "staffing.config",
    "shift_table": "staffing.schedule",
    "write_schedule_xlsx": "staffing.workbook",
}

# ``staffing.plan`` is the pipeline function, not its module: import the module first (which
# binds the name to it), then rebind the name; ``from staffing.plan import Plan`` still works.
from staffing import plan as _plan_module  # noqa: E402

plan = _plan_module.plan
Plan = _plan_module.Plan

# ``staffing.scenarios`` likewise is the sweep function (its module stays importable by name).
from staffing import scenarios as _scenarios_module  # noqa: E402

scenarios = _scenarios_module.scenarios

__all__ = [
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "NotFittedError",
    "SolverError",
    "Plan",
    "StaffingError",
    "__version__",
    "plan",
    "scenarios",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'staffing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
