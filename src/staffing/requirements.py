"""Service targets as planners state them, turned into agents per interval.

A planner states targets per *channel* (queue): "80% of calls answered within 20 seconds in
business hours, 60/60 at night", "chat: 80% within 2 minutes, two chats per agent", "e-mail
answered within 24 hours", priority tiers with their own targets, a deflection share absorbed by
self-service, shrinkage and an occupancy cap. The pydantic models of this module hold those
statements exactly as they are written in the plan's TOML configuration, validate them, and
:func:`requirements` turns a tidy forecast into agents per interval with
:mod:`staffing.queueing`.

Examples
--------
>>> import pandas as pd
>>> from staffing.requirements import Channel, requirements
>>> forecast = pd.DataFrame({
...     "interval_start": pd.date_range("2025-06-02 09:00", periods=2, freq="30min",
...                                     tz="Europe/London"),
...     "queue": "phone", "q50": [100.0, 50.0]})
>>> phone = Channel(aht_seconds=180, target="80/20")
>>> table = requirements(forecast, {"phone": phone}, staff_to="q50")
>>> table[["queue", "volume_staffed", "target", "agents"]]
   queue  volume_staffed         target  agents
0  phone           100.0  80% in 20 s      14
1  phone            50.0  80% in 20 s       8
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from staffing.errors import ConfigError, DataError, InfeasibleError
from staffing.queueing import MAX_AHT_SECONDS, MAX_CONCURRENCY, MAX_PATIENCE_SECONDS

__all__ = [
    "DAY_NAMES",
    "Band",
    "Calendar",
    "Channel",
    "ServiceTargets",
    "Target",
    "Tier",
    "config_error_from_validation",
    "parse_target",
    "requirements",
    "total_requirements",
]

#: Day names a band may list, Monday first.
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = ("weekday", "weekend", "holiday", "all")
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DayType = Literal[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekday", "weekend", "holiday", "all"
]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]
_PLANNER_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
# Numbers must be finite: TOML spells inf and nan, and neither is a valid setting anywhere.
_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

OUTPUT_COLUMNS = [
    "interval_start",
    "queue",
    "tier",
    "open",
    "volume_forecast",
    "volume_staffed",
    "target",
    "shrinkage",
    "agents",
    "scheduled",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandonment",
]


# --------------------------------------------------------------------------------------------
# Targets and configuration models
# --------------------------------------------------------------------------------------------


def parse_target(text: str) -> dict[str, float]:
    """Parse a planner's ``"X/Y"`` service-level string (X% answered within Y seconds).

    Parameters
    ----------
    text : str
        ``"80/20"``, ``"80%/20s"`` or ``"90/300"`` [percent / seconds].

    Returns
    -------
    dict
        ``{"service_level": X / 100 [fraction], "within_seconds": Y [s]}``.

    Raises
    ------
    ValueError
        If the text is not of the form ``X/Y`` with X in (0, 100).

    Examples
    --------
    >>> parse_target("80/20")
    {'service_level': 0.8, 'within_seconds': 20.0}
    """
    match = _PLANNER_TARGET.match(text)
    if match is None:
        raise ValueError(
            f"expected a service level as 'X/Y' (X% answered within Y seconds), got {text!r}"
        )
    percent, seconds = float(match.group(1)), float(match.group(2))
    if not 0.0 < percent < 100.0:
        raise ValueError(f"service level must be above 0% and below 100%, got {text!r}")
    return {"service_level": percent / 100.0, "within_seconds": seconds}


class Target(BaseModel):
    """One service target, as a planner states it.

    Exactly one of three forms: a service level (``service_level`` answered within
    ``within_seconds``; the string ``"80/20"`` is accepted for the whole target), an average
    speed of answer (``asa_seconds``), or, for deferred work such as e-mail and tickets, a
    response time (``response_hours`` or ``response_minutes``). Optional caps apply on top.

    Parameters
    ----------
    service_level : float, optional
        Fraction of contacts answered within ``within_seconds`` [fraction, 0 < x < 1].
    within_seconds : float, optional
        Service-level threshold [s, >= 0]; 0 asks for that fraction answered without waiting
        (``"80/0"``: 80% never queue).
    asa_seconds : float, optional
        Average speed of answer, the mean wait of all contacts [s, > 0].
    response_hours, response_minutes : float, optional
        Every deferred item answered within this time of its arrival [h or min, > 0].
    max_occupancy : float, optional
        Cap on agent occupancy [fraction, 0 < x <= 1]; overrides the channel's cap.
    max_abandonment : float, optional
        Cap on the abandoned fraction [fraction, 0 < x < 1]; needs the channel's
        ``patience_seconds`` (Erlang A).

    Examples
    --------
    >>> Target.model_validate("80/20").describe()
    '80% in 20 s'
    >>> Target(asa_seconds=30).describe()
    'ASA 30 s'
    >>> Target(response_hours=24).response_seconds
    86400.0
    """

    model_config = _FROZEN

    service_level: float | None = Field(default=None, gt=0.0, lt=1.0)
    within_seconds: float | None = Field(default=None, ge=0.0)
    asa_seconds: float | None = Field(default=None, gt=0.0)
    response_hours: float | None = Field(default=None, gt=0.0)
    response_minutes: float | None = Field(default=None, gt=0.0)
    max_occupancy: float | None = Field(default=None, gt=0.0, le=1.0)
    max_abandonment: float | None = Field(default=None, gt=0.0, lt=1.0)

    @model_validator(mode="before")
    @classmethod
    def _from_planner_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return parse_target(data)
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Target:
        forms = [
            name
            for name, given in (
                (
                    "service_level",
                    self.service_level is not None or self.within_seconds is not None,
                ),
                ("asa_seconds", self.asa_seconds is not None),
                ("response_hours", self.response_hours is not None),
                ("response_minutes", self.response_minutes is not None),
            )
            if given
        ]
        if len(forms) != 1:
            raise ValueError(
                "expected exactly one of service_level + within_seconds, asa_seconds, "
                f"response_hours or response_minutes, got {forms or 'none'}"
            )
        if forms == ["service_level"] and (
            self.service_level is None or self.within_seconds is None
        ):
            raise ValueError("service_level and within_seconds must be given together")
        if self.is_deferred and (self.max_abandonment or self.max_occupancy) is not None:
            raise ValueError(
                "max_abandonment and max_occupancy apply to queued contacts, "
                "not to response_* targets"
            )
        return self

    @property
    def is_deferred(self) -> bool:
        """True for a response-time target (deferred work: e-mail, tickets)."""
        return self.response_hours is not None or self.response_minutes is not None

    @property
    def response_seconds(self) -> float | None:
        """The response time of a deferred target [s], ``None`` for other forms."""
        if self.response_hours is not None:
            return self.response_hours * 3600.0
        if self.response_minutes is not None:
            return self.response_minutes * 60.0
        return None

    def describe(self) -> str:
        """A short text such as ``'80% in 20 s'``, ``'ASA 30 s'`` or ``'response 24 h'``."""
        if self.service_level is not None:
            text = f"{_g(100 * self.service_level)}% in {_g(self.within_seconds)} s"
        elif self.asa_seconds is not None:
            text = f"ASA {_g(self.asa_seconds)} s"
        elif self.response_hours is not None:
            text = f"response {_g(self.response_hours)} h"
        else:
            text = f"response {_g(self.response_minutes)} min"
        if self.max_occupancy is not None:
            text += f", occupancy <= {_g(100 * self.max_occupancy)}%"
        if self.max_abandonment is not None:
            text += f", abandonment <= {_g(100 * self.max_abandonment)}%"
        return text


def _g(value: float | None) -> str:
    return f"{value:g}"


def _minutes_of_day(text: str, *, allow_24: bool) -> int:
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"expected HH:MM, got {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if allow_24 and (hours, minutes) == (24, 0):
        return 24 * 60
    if hours > 23 or minutes > 59:
        raise ValueError(f"expected HH:MM, got {text!r}")
    return hours * 60 + minutes


class Band(BaseModel):
    """A time-of-day band on some day types, overriding the channel's target or shrinkage.

    An interval belongs to a band when its *local* start time ``t`` satisfies
    ``start <= t < end`` and its local date's day type is listed in ``days``. Bands are tried in
    the order written and the first match wins; intervals matching no band use the channel's
    defaults.

    Parameters
    ----------
    days : list of str
        Any of ``"mon"`` .. ``"sun"``, ``"weekday"``, ``"weekend"``, ``"holiday"``, ``"all"``.
    start, end : str
        Local clock ``"HH:MM"``; ``end`` may be ``"24:00"``; ``start < end`` (split a band that
        crosses midnight into two). Defaults ``"00:00"`` and ``"24:00"``.
    target : Target or str, optional
        The target in this band (``"80/20"`` accepted).
    shrinkage : float, optional
        Shrinkage in this band [fraction, 0 <= x < 1].
    closed : bool
        ``true`` means no service and no staff in this band (default ``false``).

    Examples
    --------
    >>> band = Band(days=["weekday"], start="08:00", end="20:00", target="80/20")
    >>> band.start_minute, band.end_minute
    (480, 1200)
    """

    model_config = _FROZEN

    days: tuple[DayType, ...] = ("all",)
    start: str = "00:00"
    end: str = "24:00"
    target: Target | None = None
    shrinkage: Fraction | None = None
    closed: bool = False

    @field_validator("days", mode="before")
    @classmethod
    def _lower_days(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(v.lower() if isinstance(v, str) else v for v in value)
        return value

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("expected at least one day name")
        return value

    @field_validator("start")
    @classmethod
    def _check_start(cls, value: str) -> str:
        _minutes_of_day(value, allow_24=False)
        return value

    @field_validator("end")
    @classmethod
    def _check_end(cls, value: str) -> str:
        _minutes_of_day(value, allow_24=True)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.start_minute >= self.end_minute:
            raise ValueError(
                f"start {self.start!r} must be before end {self.end!r} "
                "(split a band that crosses midnight into two bands)"
            )
        if self.closed and (self.target is not None or self.shrinkage is not None):
            raise ValueError("a closed band takes no target or shrinkage")
        return self

    @property
    def start_minute(self) -> int:
        """Start as minutes after local midnight."""
        return _minutes_of_day(self.start, allow_24=False)

    @property
    def end_minute(self) -> int:
        """End as minutes after local midnight (1440 for ``"24:00"``)."""
        return _minutes_of_day(self.end, allow_24=True)


class Tier(BaseModel):
    """A priority tier of a channel: its share of the channel's volume and its own target.

    Parameters
    ----------
    name : str
        Tier name, e.g. ``"P1"``.
    share : float
        Fraction of the channel's volume in this tier [fraction, 0 < x <= 1]; the shares of a
        channel sum to 1.
    target : Target or str
        The tier's target.

    Examples
    --------
    >>> Tier(name="P1", share=0.1, target={"service_level": 0.9, "within_seconds": 300}).target
    Target(service_level=0.9, within_seconds=300.0, ...)
    """

    model_config = _FROZEN

    name: str = Field(min_length=1)
    share: float = Field(gt=0.0, le=1.0)
    target: Target


class Channel(BaseModel):
    """A channel (queue) with its handling time, customer behaviour and service targets.

    Parameters
    ----------
    aht_seconds : float
        Average handling time per contact [s, 0 < x <= 86400] (per chat session for chat).
    patience_seconds : float, optional
        Mean customer patience [s, 0 < x <= 86400]; when given, queues are sized with Erlang A
        (abandonment) instead of Erlang C.
    concurrency : int
        Contacts one agent handles at once (chat) [contacts, 1 <= x <= 100]; default 1.
    kind : {"voice", "chat", "deferred"}, optional
        Inferred when absent: ``"deferred"`` for a response-time target, ``"chat"`` when
        ``concurrency > 1``, otherwise ``"voice"``.
    target : Target or str, optional
        Default target (``"80/20"`` accepted); required unless ``tiers`` are given.
    bands : list of Band
        Time-of-day / day-type overrides; first match wins.
    tiers : list of Tier
        Priority tiers. Tiers answered live are staffed as their own sub-queues and the agents
        summed; deferred tiers (all with response times) are worked by one team earliest
        deadline first (:func:`staffing.queueing.deferred_agents_tiers`), reported as one row
        per interval whose ``tier`` joins the tier names.
    deflection : float
        Fraction of the volume absorbed by self-service or a chatbot [fraction, 0 <= x < 1];
        default 0.
    shrinkage : float
        Fraction of paid time not available for contacts [fraction, 0 <= x < 1]; default 0;
        a band's ``shrinkage`` overrides it.
    max_occupancy : float, optional
        Cap on occupancy [fraction, 0 < x <= 1]; a target's own cap takes precedence.

    Examples
    --------
    >>> chat = Channel(aht_seconds=600, concurrency=2, target="80/120")
    >>> chat.kind
    'chat'
    >>> Channel(aht_seconds=300, target={"response_hours": 24}).kind
    'deferred'
    """

    model_config = _FROZEN

    aht_seconds: float = Field(gt=0.0, le=MAX_AHT_SECONDS)
    patience_seconds: float | None = Field(default=None, gt=0.0, le=MAX_PATIENCE_SECONDS)
    concurrency: int = Field(default=1, ge=1, le=MAX_CONCURRENCY)
    kind: Literal["voice", "chat", "deferred"] | None = None
    target: Target | None = None
    bands: tuple[Band, ...] = ()
    tiers: tuple[Tier, ...] = ()
    deflection: Fraction = 0.0
    shrinkage: Fraction = 0.0
    max_occupancy: float | None = Field(default=None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> Channel:
        if self.tiers:
            self._check_tiers()
        elif self.target is None:
            raise ValueError("expected a target (or tiers, each with its target)")
        if self.kind is None:
            object.__setattr__(self, "kind", self._inferred_kind())
        self._check_kind()
        self._check_bands()
        if self.patience_seconds is None and any(
            t.max_abandonment is not None for t in self.all_targets()
        ):
            raise ValueError("max_abandonment needs patience_seconds (Erlang A)")
        return self

    @field_validator("tiers")
    @classmethod
    def _tier_shares(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        names = [tier.name for tier in tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"tier names must be unique, got {names}")
        total = math.fsum(tier.share for tier in tiers)
        if tiers and abs(total - 1.0) > 1e-9:
            raise ValueError(f"tier shares must sum to 1, got {total:g}")
        return tiers

    def _check_tiers(self) -> None:
        if self.target is not None:
            raise ValueError("give either target or tiers (each tier carries its target)")
        if any(band.target is not None for band in self.bands):
            raise ValueError("bands of a tiered channel may set only closed and shrinkage")

    def _inferred_kind(self) -> str:
        if self.target is not None and self.target.is_deferred:
            return "deferred"
        if self.tiers and all(tier.target.is_deferred for tier in self.tiers):
            return "deferred"
        return "chat" if self.concurrency > 1 else "voice"

    def _check_kind(self) -> None:
        deferred = [t for t in self.all_targets() if t.is_deferred]
        if self.kind == "voice" and self.concurrency != 1:
            raise ValueError("kind 'voice' takes concurrency = 1 (use kind = 'chat')")
        if self.kind in ("voice", "chat") and deferred:
            raise ValueError(
                f"response_* targets apply to deferred work; kind is {self.kind!r} "
                "(use kind = 'deferred')"
            )
        if self.kind == "deferred" and self.target is not None and not self.target.is_deferred:
            raise ValueError("kind 'deferred' needs a response_hours or response_minutes target")

    def _check_bands(self) -> None:
        if self.target is None:
            return
        for band in self.bands:
            if band.target is not None and band.target.is_deferred != self.target.is_deferred:
                raise ValueError(
                    "a band's target must have the same form as the channel's target "
                    "(response_* for deferred work, a service level or ASA otherwise)"
                )

    def all_targets(self) -> list[Target]:
        """Every target of the channel: default, bands' and tiers'."""
        targets = [self.target] if self.target is not None else []
        targets += [band.target for band in self.bands if band.target is not None]
        targets += [tier.target for tier in self.tiers]
        return targets


class Calendar(BaseModel):
    """Day types: which days are the weekend, and which are public holidays.

    Parameters
    ----------
    weekend : list of str
        Weekend day names (default ``["sat", "sun"]``; e.g. ``["fri", "sat"]`` in Israel).
    country, subdiv : str, optional
        Public-holiday calendar of the :mod:`holidays` package (e.g. ``"GB"``, ``"ENG"``).
    extra_holidays : list of date
        Further dates (``YYYY-MM-DD``) treated as holidays.

    Examples
    --------
    >>> Calendar(weekend=["fri", "sat"], country="IL").weekend
    ('fri', 'sat')
    """

    model_config = _FROZEN

    weekend: tuple[DayName, ...] = ("sat", "sun")
    country: str | None = None
    subdiv: str | None = None
    extra_holidays: tuple[date, ...] = ()

    @field_validator("weekend", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(v.lower() if isinstance(v, str) else v for v in value)
        return value

    @model_validator(mode="after")
    def _known_calendar(self) -> Calendar:
        if self.subdiv is not None and self.country is None:
            raise ValueError("subdiv needs country")
        if self.country is not None:
            _holiday_dates(self.country, self.subdiv, [2000])
        return self


class ServiceTargets(BaseModel):
    """The service part of a plan configuration: calendar, quantile and channels.

    Parameters
    ----------
    staff_to : str
        Forecast column to staff to (``"q50"``, ``"q80"``, ``"q90"`` or ``"volume"``).
    calendar : Calendar
        Weekend days and public holidays.
    channels : dict of str to Channel
        Queue name to its channel.

    Examples
    --------
    >>> config = ServiceTargets.model_validate(
    ...     {"channels": {"phone": {"aht_seconds": 180, "target": "80/20"}}})
    >>> config.channels["phone"].target.service_level
    0.8
    """

    model_config = _FROZEN

    staff_to: str = Field(default="q50", pattern=r"^(volume|q\d{1,2})$")
    calendar: Calendar = Calendar()
    channels: dict[str, Channel] = Field(min_length=1)


# --------------------------------------------------------------------------------------------
# Validation errors -> ConfigError naming the key
# --------------------------------------------------------------------------------------------


def config_error_from_validation(
    err: ValidationError, source_name: str | None = None
) -> ConfigError:
    """Turn a pydantic ``ValidationError`` into a one-line :class:`ConfigError` naming the key.

    Parameters
    ----------
    err : pydantic.ValidationError
        The error raised while validating a configuration.
    source_name : str, optional
        File or argument name put in front of the key path (e.g. ``"plan.toml"``).

    Returns
    -------
    ConfigError
        Message ``"<source>: <key.path[i].key>: <problem>, got <value>"`` for the first
        problem, with the number of further problems.

    Examples
    --------
    >>> from pydantic import ValidationError
    >>> try:
    ...     ServiceTargets.model_validate({"channels": {"phone": {
    ...         "aht_seconds": 180, "target": "80/20",
    ...         "bands": [{"start": "08:00"}, {"start": "25:00"}]}}})
    ... except ValidationError as err:
    ...     print(config_error_from_validation(err, "plan.toml"))
    plan.toml: channels.phone.bands[1].start: expected HH:MM, got '25:00'
    """
    problems = [_describe_problem(item) for item in err.errors(include_url=False)]
    message = problems[0]
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    if source_name:
        message = f"{source_name}: {message}"
    return ConfigError(message)


def _describe_problem(item: Mapping[str, Any]) -> str:
    path = _key_path(item["loc"])
    text = str(item["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if item["type"] == "extra_forbidden":
        text = "unknown key"
    elif item["type"] == "missing":
        text = "missing required key"
    elif "got " not in text and not isinstance(item.get("input"), dict | list | tuple):
        text += f", got {item.get('input')!r}"
    return f"{path}: {text}" if path else text


def _key_path(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and "[" in part:
            continue  # a pydantic validator tag, not a key
        else:
            path += f".{part}" if path else str(part)
    return path


# --------------------------------------------------------------------------------------------
# Calendar: day types and bands
# --------------------------------------------------------------------------------------------


def _holiday_dates(country: str, subdiv: str | None, years: Iterable[int]) -> set[date]:
    import holidays as holidays_lib

    try:
        calendar = holidays_lib.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError as err:
        where = f"country {country!r}" + (f", subdiv {subdiv!r}" if subdiv else "")
        raise ValueError(
            f"no public-holiday calendar for {where} in the holidays package"
        ) from err
    return set(calendar.keys())


def _holiday_mask(stamps: pd.Series, calendar: Calendar) -> np.ndarray:
    days = stamps.dt.date
    dates = set(calendar.extra_holidays)
    if calendar.country is not None:
        years = range(min(days).year, max(days).year + 1)
        dates |= _holiday_dates(calendar.country, calendar.subdiv, years)
    return days.isin(dates).to_numpy()


def _day_match(days: tuple[str, ...], dow: np.ndarray, holiday: np.ndarray, weekend: np.ndarray):
    match = np.zeros(len(dow), dtype=bool)
    ordinary = ~holiday
    for day in days:
        if day == "all":
            match |= True
        elif day == "holiday":
            match |= holiday
        elif day == "weekday":
            match |= ordinary & ~weekend
        elif day == "weekend":
            match |= ordinary & weekend
        else:
            match |= ordinary & (dow == DAY_NAMES.index(day))
    return match


def _resolve_bands(stamps: pd.Series, bands: tuple[Band, ...], calendar: Calendar, holiday):
    """Index of the first matching band per interval (-1 for none), on the local wall clock."""
    chosen = np.full(len(stamps), -1)
    if not bands:
        return chosen
    minute = (stamps.dt.hour * 60 + stamps.dt.minute).to_numpy()
    dow = stamps.dt.day_of_week.to_numpy()
    weekend = np.isin(dow, [DAY_NAMES.index(day) for day in calendar.weekend])
    # Holidays are their own day type only for channels that mention them.
    holiday = holiday & any("holiday" in band.days for band in bands)
    for number, band in enumerate(bands):
        hit = (minute >= band.start_minute) & (minute < band.end_minute)
        hit &= _day_match(band.days, dow, holiday, weekend) & (chosen == -1)
        chosen[hit] = number
    return chosen


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------


def requirements(
    forecast: pd.DataFrame,
    channels: Mapping[str, Channel | Mapping[str, Any]],
    *,
    staff_to: str = "q50",
    interval_minutes: float | None = None,
    country: str | None = None,
    subdiv: str | None = None,
    weekend: Iterable[str] = ("sat", "sun"),
    extra_holidays: Iterable[date | str] = (),
    shrinkage: float | Mapping[str, float] | None = None,
    max_occupancy: float | Mapping[str, float] | None = None,
    deflection: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Agents needed per interval, queue and tier to meet the channels' targets.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Tidy forecast: ``interval_start`` (tz-aware; a column or the index), ``queue`` and the
        column named by ``staff_to`` [contacts per interval]. Bands are resolved on the local
        wall clock of the time stamps, so give them in the centre's time zone.
    channels : mapping of str to Channel or dict
        Queue name to its :class:`Channel` (or the dict a TOML table gives); every queue of the
        forecast needs one.
    staff_to : str
        Forecast column to staff to: ``"q50"`` (default), ``"q80"``, ``"q90"``, ... or
        ``"volume"`` for the point forecast.
    interval_minutes : float, optional
        Interval length [min]; inferred from the smallest spacing of the time stamps when
        absent.
    country, subdiv : str, optional
        Public-holiday calendar of the :mod:`holidays` package, e.g. ``"GB"``, ``"ENG"``.
    weekend : iterable of str
        Weekend day names (default ``("sat", "sun")``).
    extra_holidays : iterable of date or str
        Further holiday dates (``YYYY-MM-DD``).
    shrinkage, max_occupancy, deflection : float or mapping of str to float, optional
        What-if overrides [fraction]: when given, they replace the channels' (and bands')
        values, for every queue (a float) or for the queues named (a mapping).

    Returns
    -------
    pandas.DataFrame
        One row per interval, queue and tier (``"all"`` without tiers), columns
        ``interval_start``, ``queue``, ``tier``, ``open`` (false in closed bands),
        ``volume_forecast`` and ``volume_staffed`` (after the quantile choice, deflection and
        the tier's share) [contacts per interval], ``target`` (text), ``shrinkage``
        [fraction], ``agents`` (productive, on contacts), ``scheduled`` (after shrinkage) and
        the expected ``service_level`` [fraction], ``asa_seconds`` [s], ``occupancy`` and
        ``abandonment`` [fraction] at ``agents``. Performance is NaN where the model defines
        none: closed intervals, and deferred work (sized by its backlog, see
        :func:`staffing.queueing.deferred_agents`).

    Raises
    ------
    staffing.errors.ConfigError
        Invalid channels or calendar (the message names the key), or a queue with no channel.
    staffing.errors.DataError
        Missing columns, naive or duplicated time stamps, negative or missing volumes, or
        volumes beyond the limits of :mod:`staffing.queueing` (the queue and interval named).
    ValueError
        Bad ``staff_to``, ``interval_minutes`` or override values.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.date_range("2025-06-06 18:00", periods=4, freq="h", tz="Europe/London")
    >>> forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone",
    ...                          "q50": [300.0, 300.0, 30.0, 30.0]})
    >>> phone = {"aht_seconds": 240, "target": "60/60",
    ...          "bands": [{"days": ["weekday"], "start": "08:00", "end": "20:00",
    ...                     "target": "80/20"}]}
    >>> table = requirements(forecast, {"phone": phone})
    >>> table[["interval_start", "target", "agents", "scheduled"]]
                 interval_start       target  agents  scheduled
    0 2025-06-06 18:00:00+01:00  80% in 20 s      25         25
    1 2025-06-06 19:00:00+01:00  80% in 20 s      25         25
    2 2025-06-06 20:00:00+01:00  60% in 60 s       3          3
    3 2025-06-06 21:00:00+01:00  60% in 60 s       3          3
    """
    config = _validated_channels(channels)
    calendar = _validated_calendar(weekend, country, subdiv, extra_holidays)
    overrides = {
        "shrinkage": _override("shrinkage", shrinkage, upper_open=True),
        "max_occupancy": _override("max_occupancy", max_occupancy, upper_open=False),
        "deflection": _override("deflection", deflection, upper_open=True),
    }
    frame = _tidy_forecast(forecast, staff_to)
    unknown = sorted(set(frame["queue"]) - set(config))
    if unknown:
        raise ConfigError(
            f"channels: no channel for queue {unknown[0]!r} of the forecast "
            f"(channels given: {sorted(config)})"
        )
    minutes = _interval_minutes(frame, interval_minutes)
    holiday = _holiday_mask(frame["interval_start"], calendar)
    parts = []
    for queue, rows in frame.groupby("queue", sort=False):
        pick = {key: _for_queue(value, queue) for key, value in overrides.items()}
        parts += _channel_rows(
            rows, holiday[rows.index], queue, config[queue], calendar, minutes, pick
        )
    result = pd.concat(parts, ignore_index=True)
    return result[OUTPUT_COLUMNS]


def total_requirements(frame: pd.DataFrame) -> pd.DataFrame:
    """Scheduled agents summed over queues and tiers per interval (the roster's input).

    Parameters
    ----------
    frame : pandas.DataFrame
        The result of :func:`requirements` (columns ``interval_start`` and ``scheduled``).

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` and ``required`` [agents], sorted by time.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2025-06-02 09:00", tz="Europe/London")
    >>> frame = pd.DataFrame({"interval_start": [t, t], "queue": ["phone", "chat"],
    ...                       "scheduled": [14, 5]})
    >>> total_requirements(frame)
                 interval_start  required
    0 2025-06-02 09:00:00+01:00        19
    """
    missing = [name for name in ("interval_start", "scheduled") if name not in frame.columns]
    if missing:
        raise ValueError(f"frame: missing column {missing[0]!r} (expected requirements output)")
    total = frame.groupby("interval_start", sort=True)["scheduled"].sum()
    return total.rename("required").reset_index()


def _validated_channels(channels: Any) -> dict[str, Channel]:
    if isinstance(channels, ServiceTargets):
        return dict(channels.channels)
    if not isinstance(channels, Mapping):
        raise ConfigError(
            f"channels: expected a mapping of queue name to channel, got {channels!r}"
        )
    try:
        return dict(ServiceTargets.model_validate({"channels": dict(channels)}).channels)
    except ValidationError as err:
        raise config_error_from_validation(err) from None


def _validated_calendar(weekend, country, subdiv, extra_holidays) -> Calendar:
    data = {
        "weekend": list(weekend) if not isinstance(weekend, str) else [weekend],
        "country": country,
        "subdiv": subdiv,
        "extra_holidays": list(extra_holidays),
    }
    try:
        return Calendar.model_validate(data)
    except ValidationError as err:
        raise config_error_from_validation(err) from None


def _override(name: str, value: Any, *, upper_open: bool) -> float | dict[str, float] | None:
    if value is None:
        return None
    items = value.items() if isinstance(value, Mapping) else [(None, value)]
    checked = {}
    for queue, number in items:
        label = name if queue is None else f"{name}[{queue!r}]"
        ok = isinstance(number, int | float) and (
            (0.0 <= number < 1.0) if upper_open else (0.0 < number <= 1.0)
        )
        if not ok:
            interval = "0 <= x < 1" if upper_open else "0 < x <= 1"
            raise ValueError(f"{label}: expected a fraction with {interval}, got {number!r}")
        checked[queue] = float(number)
    return checked.get(None, checked)


def _for_queue(value: float | dict[str, float] | None, queue: str) -> float | None:
    if isinstance(value, dict):
        return value.get(queue)
    return value


def _tidy_forecast(forecast: pd.DataFrame, staff_to: str) -> pd.DataFrame:
    if not isinstance(forecast, pd.DataFrame):
        raise DataError(f"forecast: expected a pandas DataFrame, got {type(forecast).__name__}")
    frame = forecast
    if "interval_start" not in frame.columns:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise DataError("forecast: missing column 'interval_start' (a column or the index)")
        frame = frame.rename_axis("interval_start").reset_index()
    for column in ("queue", staff_to):
        if column not in frame.columns:
            if column == staff_to:
                options = [c for c in frame.columns if re.fullmatch(r"q\d+|volume", str(c))]
                raise ValueError(
                    f"staff_to: forecast has no column {staff_to!r} (available: {options})"
                )
            raise DataError(f"forecast: missing column {column!r}")
    stamps = frame["interval_start"]
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise DataError(
            "forecast: column 'interval_start' must hold tz-aware time stamps "
            f"(localise them to the centre's time zone), got dtype {stamps.dtype}"
        )
    volume = pd.to_numeric(frame[staff_to], errors="coerce").astype(float)
    bad = volume.isna() | (volume < 0) | ~np.isfinite(volume)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"forecast: column {staff_to!r}, row {row}: expected a finite volume >= 0, "
            f"got {frame[staff_to].iloc[row]!r}"
        )
    tidy = pd.DataFrame(
        {"interval_start": stamps.to_numpy(), "queue": frame["queue"].astype(str).to_numpy()}
    )
    tidy["interval_start"] = pd.Series(stamps.to_numpy(), dtype=stamps.dtype)
    tidy["volume_forecast"] = volume.to_numpy()
    duplicated = tidy.duplicated(["queue", "interval_start"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(
            f"forecast: row {row}: duplicated interval_start {tidy['interval_start'].iloc[row]} "
            f"for queue {tidy['queue'].iloc[row]!r}"
        )
    return tidy.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _interval_minutes(frame: pd.DataFrame, interval_minutes: float | None) -> float:
    if interval_minutes is not None:
        if not (isinstance(interval_minutes, int | float) and interval_minutes > 0):
            raise ValueError(f"interval_minutes: expected a number > 0, got {interval_minutes!r}")
        return float(interval_minutes)
    steps = frame.groupby("queue", sort=False)["interval_start"].diff().dropna()
    if steps.empty:
        raise ValueError(
            "interval_minutes: cannot infer the interval length from a single interval per "
            "queue; pass interval_minutes"
        )
    return steps.min().total_seconds() / 60.0


def _channel_rows(rows, holiday, queue, channel, calendar, minutes, pick) -> list[pd.DataFrame]:
    stamps = rows["interval_start"].reset_index(drop=True)
    chosen = _resolve_bands(stamps, channel.bands, calendar, holiday)
    is_open = ~np.array([band.closed for band in channel.bands] + [False])[chosen]
    band_shrinkage = [band.shrinkage for band in channel.bands] + [None]
    shrink = np.array([channel.shrinkage if s is None else s for s in band_shrinkage])[chosen]
    if pick["shrinkage"] is not None:
        shrink = np.full(len(stamps), pick["shrinkage"])
    deflection = channel.deflection if pick["deflection"] is None else pick["deflection"]
    forecast = rows["volume_forecast"].to_numpy()
    staffed = forecast * (1.0 - deflection)
    _check_sizes(stamps, staffed, channel, minutes, queue)
    if channel.tiers and all(tier.target.is_deferred for tier in channel.tiers):
        return [
            _pooled_deferred_rows(
                stamps, forecast, staffed, shrink, is_open, channel, minutes, queue
            )
        ]
    parts = []
    for name, share, targets in _tier_targets(channel, chosen):
        if pick["max_occupancy"] is not None:
            targets = _with_cap(targets, pick["max_occupancy"])
        calls = staffed * share
        if targets[0].is_deferred:
            numbers = _deferred_block(
                calls, targets, shrink, is_open, channel, minutes, queue, name
            )
        else:
            numbers = _queued_block(calls, targets, shrink, is_open, channel, minutes)
        part = pd.DataFrame(
            {
                "interval_start": stamps,
                "queue": queue,
                "tier": name,
                "open": is_open,
                "volume_forecast": forecast * share,
                "volume_staffed": calls,
                "target": [target.describe() for target in targets],
                "shrinkage": shrink,
                **numbers,
            }
        )
        parts.append(part)
    return parts


def _check_sizes(stamps, staffed, channel, minutes, queue) -> None:
    """Refuse, naming the queue and interval, a forecast beyond the queueing limits."""
    from staffing import queueing

    load = staffed * channel.aht_seconds / (60.0 * minutes)
    checks = [
        (staffed > queueing.MAX_COUNT, f"{queueing.MAX_COUNT:g} contacts per interval"),
        (load > queueing.MAX_LOAD_ERLANGS, f"a load of {queueing.MAX_LOAD_ERLANGS:g} Erlang"),
    ]
    if channel.patience_seconds is not None and channel.kind != "deferred":
        arrivals = load * channel.patience_seconds / channel.aht_seconds
        limit = f"{queueing.MAX_PATIENCE_ARRIVALS:g} arrivals per mean patience (Erlang A)"
        checks.append((arrivals > queueing.MAX_PATIENCE_ARRIVALS, limit))
    for bad, limit in checks:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"forecast: queue {queue!r}, interval {stamps.iloc[row]}: {staffed[row]:g} "
                f"contacts to staff (aht_seconds {channel.aht_seconds:g}, {minutes:g}-minute "
                f"intervals) exceed {limit}"
            )


def _tier_targets(channel: Channel, chosen: np.ndarray):
    """(tier name, share, per-interval targets) for each tier of the channel."""
    if not channel.tiers:
        options = [band.target or channel.target for band in channel.bands] + [channel.target]
        return [("all", 1.0, np.array(options, dtype=object)[chosen])]
    return [
        (tier.name, tier.share, np.array([tier.target] * len(chosen), dtype=object))
        for tier in channel.tiers
    ]


def _with_cap(targets: np.ndarray, cap: float) -> np.ndarray:
    capped = {t: t.model_copy(update={"max_occupancy": cap}) for t in set(targets)}
    return np.array([capped[t] for t in targets], dtype=object)


def _groups(targets: np.ndarray, shrink: np.ndarray, is_open: np.ndarray):
    """Indices of open intervals grouped by (target, shrinkage)."""
    groups: dict[tuple[Target, float], list[int]] = {}
    for i in np.flatnonzero(is_open):
        groups.setdefault((targets[i], float(shrink[i])), []).append(i)
    return [(key, np.asarray(index)) for key, index in groups.items()]


def _empty_numbers(size: int) -> dict[str, np.ndarray]:
    numbers = {
        "agents": np.zeros(size, dtype=np.int64),
        "scheduled": np.zeros(size, dtype=np.int64),
    }
    for column in ("service_level", "asa_seconds", "occupancy", "abandonment"):
        numbers[column] = np.full(size, np.nan)
    return numbers


def _queue_keywords(target: Target, channel: Channel) -> dict[str, Any]:
    cap = target.max_occupancy if target.max_occupancy is not None else channel.max_occupancy
    return {
        "service_level": target.service_level,
        "target_seconds": target.within_seconds,
        "asa_seconds": target.asa_seconds,
        "max_occupancy": cap,
        "patience_seconds": channel.patience_seconds,
        "concurrency": channel.concurrency,
    }


def _queued_block(calls, targets, shrink, is_open, channel, minutes) -> dict[str, np.ndarray]:
    from staffing import queueing

    numbers = _empty_numbers(len(calls))
    for (target, shrinkage), index in _groups(targets, shrink, is_open):
        keywords = {**_queue_keywords(target, channel), "shrinkage": shrinkage}
        table = queueing.staffing_table(
            calls[index], channel.aht_seconds, interval_minutes=minutes, **keywords
        )
        if target.max_abandonment is not None:
            table = _meet_abandonment(table, calls[index], target, channel, minutes, keywords)
        if target.service_level is not None:
            # no contacts: every (no) contact is answered in time
            table.loc[calls[index] == 0, "service_level"] = 1.0
        for column, values in numbers.items():
            values[index] = table[column].to_numpy()
    return numbers


def _meet_abandonment(table, calls, target, channel, minutes, keywords) -> pd.DataFrame:
    """Re-solve with enough agents that at most ``target.max_abandonment`` abandon.

    Abandonment falls as agents are added: from the answer for the other targets, step up by
    1, 2, 4, ... agents until the cap is met, then bisect back to the fewest that meet it.
    """
    from staffing import queueing

    model = {
        "interval_minutes": minutes,
        "patience_seconds": channel.patience_seconds,
        "concurrency": channel.concurrency,
    }

    def meets(index: np.ndarray, agents: np.ndarray) -> np.ndarray:
        lost = queueing.abandonment(calls[index], channel.aht_seconds, agents, **model)
        return np.asarray(lost) <= target.max_abandonment

    high = table["agents"].to_numpy().astype(np.int64)
    low = high - 1  # below the answer for the other targets: never chosen
    step = np.ones_like(high)
    short = np.flatnonzero(~meets(np.arange(len(high)), high))
    while short.size:
        low[short] = high[short]
        high[short] += step[short]
        step[short] *= 2
        short = short[~meets(short, high[short])]
    wide = np.flatnonzero(high - low > 1)
    while wide.size:
        middle = (low[wide] + high[wide]) // 2
        good = meets(wide, middle)
        high[wide[good]] = middle[good]
        low[wide[~good]] = middle[~good]
        wide = wide[high[wide] - low[wide] > 1]
    return queueing.staffing_table(
        calls, channel.aht_seconds, interval_minutes=minutes, min_agents=high, **keywords
    )


def _pooled_deferred_rows(stamps, forecast, staffed, shrink, is_open, channel, minutes, queue):
    """One team works every deferred tier earliest deadline first (one row per interval)."""
    from staffing import queueing

    responses = []
    for k, tier in enumerate(channel.tiers):
        response = tier.target.response_seconds
        if response < 2 * 60.0 * minutes - 1e-9:
            raise ConfigError(
                f"channels.{queue}.tiers[{k}].target: a response time of {response:g} s is "
                f"shorter than two intervals of {minutes:g} min (items are workable from the "
                "next interval); state a target this short as a service level "
                "(service_level + within_seconds) instead"
            )
        responses.append(response)
    calls = np.vstack([staffed * tier.share for tier in channel.tiers])
    try:
        agents = queueing.deferred_agents_tiers(
            calls, channel.aht_seconds, responses, interval_minutes=minutes, open_mask=is_open
        )
    except InfeasibleError as err:
        raise InfeasibleError(f"channels.{queue}.tiers: {err}") from None
    numbers = _empty_numbers(len(staffed))
    numbers["agents"] = np.asarray(agents, dtype=np.int64)
    numbers["scheduled"] = np.asarray(queueing.scheduled_agents(numbers["agents"], shrink))
    described = "; ".join(f"{t.name} {t.target.describe()}" for t in channel.tiers)
    return pd.DataFrame(
        {
            "interval_start": stamps,
            "queue": queue,
            "tier": "+".join(tier.name for tier in channel.tiers),
            "open": is_open,
            "volume_forecast": forecast,
            "volume_staffed": staffed,
            "target": described,
            "shrinkage": shrink,
            **numbers,
        }
    )


def _deferred_block(calls, targets, shrink, is_open, channel, minutes, queue, name):
    from staffing import queueing

    names = [tier.name for tier in channel.tiers]
    where = f"channels.{queue}." + (f"tiers[{names.index(name)}].target" if names else "target")
    responses = {target.response_seconds for target in targets}
    if len(responses) > 1:
        raise ConfigError(
            f"{where}: deferred work takes one response time per queue and tier, "
            f"got {sorted(responses)} s across bands"
        )
    response = responses.pop()
    if response < 2 * 60.0 * minutes - 1e-9:
        raise ConfigError(
            f"{where}: a response time of {response:g} s is shorter than two intervals of "
            f"{minutes:g} min (items are workable from the next interval); state a target this "
            "short as a service level (service_level + within_seconds) instead"
        )
    try:
        agents = queueing.deferred_agents(
            calls, channel.aht_seconds, response, interval_minutes=minutes, open_mask=is_open
        )
    except InfeasibleError as err:
        raise InfeasibleError(f"{where}: {err}") from None
    numbers = _empty_numbers(len(calls))
    numbers["agents"] = np.asarray(agents, dtype=np.int64)
    numbers["scheduled"] = np.asarray(queueing.scheduled_agents(numbers["agents"], shrink))
    return numbers
