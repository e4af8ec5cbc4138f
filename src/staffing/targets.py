"""Service targets as planners state them: the ``[service]`` schema of the plan configuration.

A planner states targets per *channel* (queue): "80% of calls answered within 20 seconds in
business hours, 60/60 at night", "chat: 80% within 2 minutes, two chats per agent", "e-mail
answered within 24 hours", priority tiers with their own targets, a deflection share absorbed by
self-service, shrinkage and an occupancy cap. The pydantic models of this module hold those
statements exactly as the ``[service]`` section of the plan configuration writes them and
validate them (:class:`Target`, :class:`Band`, :class:`Tier`, :class:`Channel`,
:class:`ServiceTargets`).

The target that applies in each interval is decided once, from these statements and the shared
:class:`staffing.calendar.Calendar`, by :mod:`staffing.bands`.

Examples
--------
>>> phone = Channel(aht_seconds=240, target="60/60", bands=[
...     {"name": "day", "days": ["weekday"], "start": "08:00", "end": "20:00",
...      "target": "80/20"}])
>>> [band.target.describe() for band in phone.bands], phone.target.describe()
(['80% in 20 s'], '60% in 60 s')
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from staffing.calendar import Calendar
from staffing.queueing import MAX_AHT_SECONDS, MAX_CONCURRENCY, MAX_PATIENCE_SECONDS

__all__ = [
    "Band",
    "Channel",
    "ServiceTargets",
    "Target",
    "Tier",
    "parse_target",
]

DayType = Literal[
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekday", "weekend", "holiday", "all"
]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]
_PLANNER_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
# Numbers must be finite: TOML spells inf and nan, and neither is a valid setting anywhere.
_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
    name : str, optional
        Label of the band in the requirements, simulation and report (default ``"bands[i]"``,
        its position in the channel's list).
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

    name: str | None = Field(default=None, min_length=1)
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
    response_clock : {"calendar", "business"}
        Deferred work only: the clock its response times run on; default ``"calendar"``.
        ``"business"`` runs it only while the channel is open (bands with ``closed = true``
        stop it): with e-mail worked 08:00-20:00, an item arriving at 18:00 with a 4-hour
        response is due by 10:00 the next day.
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
    >>> Channel(aht_seconds=300, target={"response_hours": 24}, response_clock="business").kind
    'deferred'
    """

    model_config = _FROZEN

    aht_seconds: float = Field(gt=0.0, le=MAX_AHT_SECONDS)
    patience_seconds: float | None = Field(default=None, gt=0.0, le=MAX_PATIENCE_SECONDS)
    concurrency: int = Field(default=1, ge=1, le=MAX_CONCURRENCY)
    kind: Literal["voice", "chat", "deferred"] | None = None
    response_clock: Literal["calendar", "business"] = "calendar"
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
        if self.kind in ("voice", "chat") and self.response_clock != "calendar":
            raise ValueError(
                f"response_clock {self.response_clock!r} applies to deferred work; kind is "
                f"{self.kind!r} (use kind = 'deferred', or leave response_clock out)"
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
