"""staffing: contact-centre workforce planning.

Forecast hourly inquiry volume, turn it into agents per interval with Erlang C and Erlang A,
build shift rosters with an integer program, and check them by simulation.

Examples
--------
>>> import staffing
>>> staffing.__version__
'0.1.0'
"""

from __future__ import annotations

from staffing import datasets, errors
from staffing.errors import (
    ConfigError,
    DataError,
    InfeasibleError,
    NotFittedError,
    SolverError,
    StaffingError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "NotFittedError",
    "SolverError",
    "StaffingError",
    "__version__",
    "datasets",
    "errors",
]
