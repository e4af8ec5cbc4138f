"""The plan configuration: one validated TOML file from history to simulation.

A plan configuration has five sections, each validated by a pydantic model that rejects unknown
keys; every error becomes a :class:`staffing.errors.ConfigError` that names the file and the key
path (``service.channels.phone.target: ...``). See the configuration reference in the docs for
every key with its unit and default, and :func:`staffing.datasets.load_example_config` for a
complete example.

``[history]``
    How to read the history file: time zone, interval, column names.
``[forecast]``
    Horizon, model, quantiles, holidays and events.
``[service]``
    Which forecast quantile to staff to, the calendar and the channels with their targets
    (:class:`staffing.requirements.ServiceTargets`).
``[roster]``
    Shift rules (:class:`staffing.roster.ShiftRules`) and ``[roster.solver]`` options.
``[simulation]``
    Replications, seed and handle-time distribution of the simulation check.

Examples
--------
>>> from staffing.config import PlanConfig
>>> from staffing.datasets import load_example_config
>>> config = PlanConfig.from_toml(load_example_config(), source="example_plan.toml")
>>> sorted(config.service.channels)
['chat', 'email', 'phone']
>>> config.forecast.horizon_days
7
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from staffing.errors import ConfigError
from staffing.requirements import ServiceTargets, config_error_from_validation
from staffing.roster import ShiftRules

__all__ = [
    "EventConfig",
    "ForecastConfig",
    "HistoryConfig",
    "PlanConfig",
    "RosterConfig",
    "SimulationConfig",
    "SolverConfig",
    "load_config",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class HistoryConfig(BaseModel):
    """How to read the history file.

    Parameters
    ----------
    tz : str, optional
        IANA time zone of naive timestamps (e.g. ``"Europe/London"``); timestamps that carry a
        UTC offset are converted to it.
    interval_minutes : int
        Interval of the plan [minutes]: 15, 30 or 60 (default 60).
    timestamp_column, count_column, queue_column : str, optional
        Column names, detected from common names when absent. Without a count column each row
        is one contact.
    """

    model_config = _STRICT

    tz: str | None = None
    interval_minutes: Literal[15, 30, 60] = 60
    timestamp_column: str | None = None
    count_column: str | None = None
    queue_column: str | None = None


class EventConfig(BaseModel):
    """A special day or period with its own effect on volume (a promotion, an outage).

    Parameters
    ----------
    name : str
        Label of the event; events with the same name share one effect.
    start, end : datetime
        Local start and end of the event (ISO 8601; ``end`` exclusive).
    kind : {"effect", "outage"}
        ``"effect"`` (default) multiplies volume; ``"outage"`` marks intervals whose recorded
        volume is not demand, left out of fitting.
    multiplier : float, optional
        Known effect on volume [fraction, 1 = none]; estimated from the history when absent.
    """

    model_config = _STRICT

    name: str = Field(min_length=1)
    start: datetime
    end: datetime
    kind: Literal["effect", "outage"] = "effect"
    multiplier: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> EventConfig:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class ForecastConfig(BaseModel):
    """The forecast section.

    Parameters
    ----------
    horizon_days : int
        Days to forecast and plan after the end of the history [days] (default 7).
    model : str
        ``"auto"`` (chosen by rolling-origin backtest) or a model name (default ``"auto"``).
    quantiles : list of float
        Quantiles to report, in (0, 1) (default ``[0.1, 0.5, 0.9]``).
    country, subdiv : str, optional
        Public-holiday calendar for the forecast (defaults to the service calendar's).
    events : list of EventConfig
        Promotions, launches and outages in the history or the horizon.
    """

    model_config = _STRICT

    horizon_days: int = Field(default=7, ge=1, le=92)
    model: str = "auto"
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    country: str | None = None
    subdiv: str | None = None
    events: tuple[EventConfig, ...] = ()

    @model_validator(mode="after")
    def _quantiles(self) -> ForecastConfig:
        bad = [q for q in self.quantiles if not 0.0 < q < 1.0]
        if bad:
            raise ValueError(f"quantiles must lie in (0, 1), got {bad}")
        return self


class SolverConfig(BaseModel):
    """Options passed to the integer-programming solver.

    Parameters
    ----------
    solver : {"highs", "cbc"}
        Solver (default ``"highs"``).
    time_limit_seconds : float
        Wall-clock limit per roster [s] (default 60).
    relative_gap : float
        Stop when within this relative gap of the best bound [fraction] (default 0.01).
    threads : int, optional
        Solver threads (default: the solver's choice).
    seed : int, optional
        Solver random seed.
    """

    model_config = _STRICT

    solver: Literal["highs", "cbc"] = "highs"
    time_limit_seconds: float = Field(default=60.0, gt=0)
    relative_gap: float = Field(default=0.01, ge=0, lt=1)
    threads: int | None = Field(default=None, ge=1)
    seed: int | None = None


class RosterConfig(ShiftRules):
    """Shift rules (every key of :class:`staffing.roster.ShiftRules`) plus ``[roster.solver]``.

    One roster is built per queue (a team per channel); its requirements are the scheduled
    agents of that queue, repeated onto a finer grid when ``interval_minutes`` is shorter than
    the plan's interval.
    """

    solver: SolverConfig = Field(default_factory=SolverConfig)


class SimulationConfig(BaseModel):
    """The simulation check.

    Parameters
    ----------
    enabled : bool
        Run the simulation (default ``True``).
    replications : int
        Independent replications [count] (default 10).
    seed : int
        Seed of the random streams (default 1).
    handle_time : {"exponential", "lognormal"}
        Handle-time distribution (default ``"lognormal"``).
    handle_time_cv : float
        Coefficient of variation of a log-normal handle time (default 1.0).
    """

    model_config = _STRICT

    enabled: bool = True
    replications: int = Field(default=10, ge=2, le=1000)
    seed: int = 1
    handle_time: Literal["exponential", "lognormal"] = "lognormal"
    handle_time_cv: float = Field(default=1.0, gt=0)


class PlanConfig(BaseModel):
    """The whole plan configuration (see the module docstring for the sections)."""

    model_config = _STRICT

    history: HistoryConfig = Field(default_factory=HistoryConfig)
    forecast: ForecastConfig = Field(default_factory=ForecastConfig)
    service: ServiceTargets
    roster: RosterConfig
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "configuration") -> PlanConfig:
        """Validate a mapping, raising :class:`ConfigError` naming ``source`` and the key.

        Examples
        --------
        >>> PlanConfig.from_dict({"service": {}, "roster": {}, "colour": "red"}, "plan.toml")
        Traceback (most recent call last):
        ...
        staffing.errors.ConfigError: plan.toml: ...
        """
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise config_error_from_validation(err, source) from None

    @classmethod
    def from_toml(cls, text: str, source: str = "configuration") -> PlanConfig:
        """Parse and validate TOML text.

        Examples
        --------
        >>> PlanConfig.from_toml("service = [", "plan.toml")
        Traceback (most recent call last):
        ...
        staffing.errors.ConfigError: plan.toml: not valid TOML: ...
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{source}: not valid TOML: {err}") from None
        return cls.from_dict(data, source)


def load_config(path: str | Path) -> PlanConfig:
    """Read and validate a plan configuration file (TOML).

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    PlanConfig
        The validated configuration.

    Raises
    ------
    ConfigError
        The file is missing, not TOML, or has an unknown, missing or invalid key (named).

    Examples
    --------
    >>> load_config("no-such-plan.toml")
    Traceback (most recent call last):
    ...
    staffing.errors.ConfigError: no-such-plan.toml: no such configuration file
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the configuration: {err}") from None
    return PlanConfig.from_toml(text, str(path))
