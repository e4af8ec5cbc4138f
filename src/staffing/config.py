"""The plan configuration: one validated TOML file from history to simulation.

A plan configuration has five sections (and an optional sixth), each validated by a pydantic
model that rejects unknown keys; every error becomes a :class:`staffing.errors.ConfigError`
that names the file and the key path (``service.channels.phone.target: ...``). See the
configuration reference in the docs for every key with its unit and default, and
:func:`staffing.datasets.load_example_config` for a complete example.

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
``[risk]``
    The risk check (:class:`RiskConfig`): volume drawn from the forecast's distribution, and
    the staff-to-quantile trade-off.
``[blending]`` (optional)
    Skill groups, routing and the deferred-work occupancy cap
    (:class:`staffing.skills.BlendingConfig`): one roster for every channel.

Every number must be finite (TOML's ``inf`` and ``nan`` are refused, naming the key), sizes have
documented limits (see :mod:`staffing.queueing`), and the sections must agree with each other
(:class:`PlanConfig`): a configuration that passes is not refused later for its own sake.

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

import os
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from staffing.calendar import holiday_dates
from staffing.errors import ConfigError, config_error_from_validation
from staffing.roster import ShiftRules
from staffing.roster.solver import DEFAULT_RELATIVE_GAP, DEFAULT_TIME_LIMIT_SECONDS, MAX_SEED
from staffing.simulate.core import MAX_HANDLE_TIME_CV
from staffing.skills import BlendingConfig, check_groups
from staffing.targets import ServiceTargets

__all__ = [
    "MAX_EVENT_MULTIPLIER",
    "MAX_THREADS",
    "EventConfig",
    "ForecastConfig",
    "HistoryConfig",
    "PlanConfig",
    "RiskConfig",
    "RosterConfig",
    "SimulationConfig",
    "SolverConfig",
    "load_config",
]

# Numbers must be finite: TOML spells inf and nan, and neither is a valid setting anywhere.
_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

#: Most solver threads accepted in ``[roster.solver]``.
MAX_THREADS = 256
#: Largest known effect of an event on volume [fraction, 1 = none].
MAX_EVENT_MULTIPLIER = 1000.0


class HistoryConfig(BaseModel):
    """How to read the history file.

    Parameters
    ----------
    tz : str, optional
        IANA time zone of naive timestamps (e.g. ``"Europe/London"``; checked against the
        system's time-zone database); timestamps that carry a UTC offset are converted to it.
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

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("expected an IANA time zone such as 'Europe/London'") from None
        return value


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
        Known effect on volume [fraction, 1 = none], > 0 and at most 1000; estimated from the
        history when absent.
    """

    model_config = _STRICT

    name: str = Field(min_length=1)
    start: datetime
    end: datetime
    kind: Literal["effect", "outage"] = "effect"
    multiplier: float | None = Field(default=None, gt=0, le=MAX_EVENT_MULTIPLIER)

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
        Length of the plan [local calendar days], 1 to 92 (default 7): from the plan's start
        to local midnight (or the same clock time with ``"next"``) that many days later, so a
        day with a summer-time change has 23 or 25 hours.
    first_day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "next"}
        Weekday the plan starts on, at local midnight (``history.tz``) (default ``"mon"``): the
        first such day after the last local date the history covers. A last day that ends
        before midnight is partial and is not planned, so a history ending on Tuesday at 06:00
        with ``"tue"`` starts on the Tuesday a week later. The days between the end of the
        history and the start are forecast but not planned. ``"next"`` starts right after the
        last interval of the history instead.
    start_date : datetime.date, optional
        Local date the plan starts on, at midnight (TOML date such as ``2025-11-10``); overrides
        ``first_day``. It must be after the last date of the history and at most 366 days after
        it, and the plan must end within 366 days of the end of the history (the forecast's
        reach); checked against the history when the plan runs (default: none).
    model : str
        ``"auto"`` (chosen by rolling-origin backtest) or a model name (default ``"auto"``).
    quantiles : list of float
        Quantiles to report, distinct, in (0, 1) (default ``[0.1, 0.5, 0.9]``); each gives a
        forecast column ``q`` + percent (``q10``).
    country, subdiv : str, optional
        Public holidays for the forecast only, replacing those of ``[service.calendar]`` (the
        calendar every step shares, whose weekend and ``extra_holidays`` the forecast also
        uses); leave them out to forecast on the shared calendar. Checked against the holidays
        package.
    events : list of EventConfig
        Promotions, launches and outages in the history or the horizon.
    """

    model_config = _STRICT

    horizon_days: int = Field(default=7, ge=1, le=92)
    first_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "next"] = "mon"
    start_date: date | None = None
    model: str = "auto"
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    country: str | None = None
    subdiv: str | None = None
    events: tuple[EventConfig, ...] = ()

    @field_validator("quantiles")
    @classmethod
    def _quantiles(cls, levels: tuple[float, ...]) -> tuple[float, ...]:
        bad = [q for q in levels if not 0.0 < q < 1.0]
        if bad:
            raise ValueError(f"quantiles must lie in (0, 1), got {bad}")
        if not levels:
            raise ValueError("expected at least one level in (0, 1), got []")
        if len({round(100.0 * q, 6) for q in levels}) != len(levels):
            raise ValueError(f"expected distinct levels, got {list(levels)}")
        return levels

    @field_validator("model")
    @classmethod
    def _known_model(cls, name: str) -> str:
        if name != "auto":
            from staffing.forecast.models import MODELS  # the forecast runs next anyway

            if name not in MODELS:
                raise ValueError(f"expected 'auto' or one of {', '.join(MODELS)}, got {name!r}")
        return name

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str | None) -> str | None:
        if country is not None:
            try:
                holiday_dates(country, None, [2000])
            except ValueError:
                raise ValueError(
                    "expected a country code of the holidays package, e.g. 'GB'"
                ) from None
        return country

    @field_validator("subdiv")
    @classmethod
    def _known_subdiv(cls, subdiv: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if subdiv is not None and country is not None:
            try:
                holiday_dates(country, subdiv, [2000])
            except ValueError:
                raise ValueError(
                    f"expected a subdivision of {country!r} in the holidays package"
                ) from None
        return subdiv

    @property
    def percents(self) -> list[float]:
        """The quantile levels in percent, as the forecast names its columns (``q10``)."""
        return [round(100.0 * q, 6) for q in self.quantiles]


class SolverConfig(BaseModel):
    """Options passed to the integer-programming solver.

    Parameters
    ----------
    solver : {"highs", "cbc"}
        Solver (default ``"highs"``).
    time_limit_seconds : float
        Wall-clock limit per roster [s] (default
        :data:`staffing.roster.solver.DEFAULT_TIME_LIMIT_SECONDS`, 60).
    relative_gap : float
        Stop when within this relative gap of the best bound [fraction] (default
        :data:`staffing.roster.solver.DEFAULT_RELATIVE_GAP`, 0.01).
    threads : int, optional
        Solver threads, 1 to 256 (default: the solver's choice).
    seed : int, optional
        Solver random seed, 0 to 2^31 - 1.
    """

    model_config = _STRICT

    solver: Literal["highs", "cbc"] = "highs"
    time_limit_seconds: float = Field(default=DEFAULT_TIME_LIMIT_SECONDS, gt=0)
    relative_gap: float = Field(default=DEFAULT_RELATIVE_GAP, ge=0, lt=1)
    threads: int | None = Field(default=None, ge=1, le=MAX_THREADS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)


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
        Seed of the random streams, >= 0 (default 1).
    handle_time : {"exponential", "lognormal"}
        Handle-time distribution (default ``"lognormal"``).
    handle_time_cv : float
        Coefficient of variation of a log-normal handle time, > 0 and at most 10
        (:data:`staffing.simulate.core.MAX_HANDLE_TIME_CV`; default 1.0).
    """

    model_config = _STRICT

    enabled: bool = True
    replications: int = Field(default=10, ge=2, le=1000)
    seed: int = Field(default=1, ge=0)
    handle_time: Literal["exponential", "lognormal"] = "lognormal"
    handle_time_cv: float = Field(default=1.0, gt=0, le=MAX_HANDLE_TIME_CV)


class RiskConfig(BaseModel):
    """The risk check: service when volume follows the forecast's predictive distribution.

    Each replication draws the plan's volume from the forecast (a week-level error common to
    every interval and an interval-level error, together the forecast's negative binomial
    distribution; :mod:`staffing.risk`), then simulates the roster against it. The report gives
    the weekly service level's distribution and P(weekly service level >= target), and the
    staff-to-quantile trade-off: the same requirements, roster and risk check staffed to each
    of ``staff_to_levels``.

    Parameters
    ----------
    enabled : bool
        Run the risk check of each live queue (default ``True``; needs ``simulation.enabled``).
    replications : int
        Volume draws, each simulated once [count], 20 to 5,000 (default 200).
    staff_to_levels : tuple of float
        Forecast quantile levels of the trade-off [fraction], each in (0, 1) (default 0.5, 0.7,
        0.8, 0.9); empty for none. The plan's own ``service.staff_to`` is always included and
        its roster reused.
    time_limit_seconds : float, optional
        Solver time limit of each trade-off roster [s] (default: ``roster.solver``'s).
    seed : int, optional
        Seed of the volume draws and their simulation, >= 0 (default: ``simulation.seed``).
    """

    model_config = _STRICT

    enabled: bool = True
    replications: int = Field(default=200, ge=20, le=5000)
    staff_to_levels: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9)
    time_limit_seconds: float | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0)

    @field_validator("staff_to_levels")
    @classmethod
    def _levels(cls, levels: tuple[float, ...]) -> tuple[float, ...]:
        for level in levels:
            if not 0.0 < level < 1.0:
                raise ValueError(f"each level must be in (0, 1), got {level:g}")
        if len(set(levels)) != len(levels):
            raise ValueError(f"levels must differ, got {list(levels)}")
        return tuple(sorted(levels))


class PlanConfig(BaseModel):
    """The whole plan configuration (see the module docstring for the sections).

    Besides each section's own checks, the sections must agree: ``service.staff_to`` names a
    column the forecast makes (``"volume"`` or a ``q`` column of ``forecast.quantiles``), and
    ``roster.interval_minutes`` divides ``history.interval_minutes`` (the roster grid splits the
    plan's intervals), and with ``roster.contracts`` (weekly lines of work) the plan covers whole
    weeks from local midnight. Every problem is found here, before any data is read or forecast.
    """

    model_config = _STRICT

    history: HistoryConfig = Field(default_factory=HistoryConfig)
    forecast: ForecastConfig = Field(default_factory=ForecastConfig)
    service: ServiceTargets
    roster: RosterConfig
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    blending: BlendingConfig | None = None

    @model_validator(mode="after")
    def _sections_agree(self) -> PlanConfig:
        staff_to = self.service.staff_to
        if staff_to != "volume" and float(staff_to[1:]) not in self.forecast.percents:
            columns = ", ".join(["volume"] + [_column(p) for p in self.forecast.percents])
            raise ValueError(
                f"service.staff_to: the forecast has no column {staff_to!r}: "
                f"forecast.quantiles {list(self.forecast.quantiles)} give {columns}; add "
                f"{float(staff_to[1:]) / 100:g} to forecast.quantiles or staff to one of them"
            )
        plan_step, roster_step = self.history.interval_minutes, self.roster.interval_minutes
        if plan_step % roster_step:
            raise ValueError(
                f"roster.interval_minutes: {roster_step} min does not divide the plan's interval "
                f"of {plan_step} min (history.interval_minutes); use a divisor of it"
            )
        if self.roster.contracts and self.forecast.horizon_days % 7:
            raise ValueError(
                f"forecast.horizon_days: roster.contracts make weekly lines of work, which need "
                f"whole weeks; {self.forecast.horizon_days} days is not a multiple of 7"
            )
        if self.roster.contracts and self.forecast.first_day == "next":
            raise ValueError(
                'forecast.first_day: "next" starts the plan mid-day, but roster.contracts make '
                'weekly lines of work from local midnight; choose a weekday (e.g. "mon")'
            )
        if self.blending is not None:
            problems = check_groups(self.blending, dict(self.service.channels), self.roster)
            if problems:
                raise ValueError("; ".join(problems[:3]))
        return self

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
    def from_toml(cls, text: str | os.PathLike, source: str | None = None) -> PlanConfig:
        """Parse and validate TOML text, or read a configuration file given as a path.

        Parameters
        ----------
        text : str or path-like
            The TOML text (a leading byte-order mark is ignored). A :class:`pathlib.Path` (any
            ``os.PathLike``) is read as a file, like :func:`load_config`. A ``str`` is always
            text: one that looks like a file name (``"plan.toml"``) and is not valid TOML is
            refused with a hint to pass the file's text or call :func:`load_config`.
        source : str, optional
            Name put in front of every error message (default: the file, or
            ``"configuration"``).

        Returns
        -------
        PlanConfig

        Raises
        ------
        ConfigError
            Not TOML, or an unknown, missing or invalid key (named with its path).

        Examples
        --------
        >>> PlanConfig.from_toml("service = [", "plan.toml")
        Traceback (most recent call last):
        ...
        staffing.errors.ConfigError: plan.toml: not valid TOML: ...
        >>> PlanConfig.from_toml("my-plan.toml")
        Traceback (most recent call last):
        ...
        staffing.errors.ConfigError: configuration: 'my-plan.toml' is a file name, not TOML \
text: pass the file's text or use load_config('my-plan.toml')
        """
        if isinstance(text, os.PathLike):
            return load_config(text) if source is None else _load(Path(text), source)
        source = "configuration" if source is None else source
        if not isinstance(text, str):
            raise ConfigError(f"{source}: expected TOML text or a path, got {type(text).__name__}")
        text = text.removeprefix("\ufeff")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            name = text.strip()
            if "\n" not in name and name.lower().endswith(".toml"):
                raise ConfigError(
                    f"{source}: {name!r} is a file name, not TOML text: pass the file's text or "
                    f"use load_config({name!r})"
                ) from None
            raise ConfigError(f"{source}: not valid TOML: {err}") from None
        return cls.from_dict(data, source)


def _column(percent: float) -> str:
    """Forecast column of a quantile level in percent (as staffing.forecast.quantile_column)."""
    return f"q0{percent:g}" if percent < 10 else f"q{percent:g}"


def load_config(path: str | os.PathLike) -> PlanConfig:
    """Read and validate a plan configuration file (TOML, UTF-8 with or without a BOM).

    Parameters
    ----------
    path : str or path-like
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
    return _load(path, str(path))


def _load(path: Path, source: str) -> PlanConfig:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{source}: cannot read the configuration: {err}") from None
    return PlanConfig.from_toml(text, source)
