"""Shift rules: shift types, breaks, penalties and the rules for named agents.

The rules are pydantic models that reject unknown keys. :func:`load_rules` reads them from a TOML
file and turns every validation problem into a :class:`staffing.errors.ConfigError` that names
the file and the key.

Examples
--------
>>> from staffing.roster.rules import Break, ShiftRules, ShiftType
>>> rules = ShiftRules(
...     interval_minutes=30,
...     shifts=[
...         ShiftType(
...             name="day",
...             length_hours=8,
...             start_earliest="07:00",
...             start_latest="10:00",
...             breaks=[Break(length_minutes=30, earliest_after_minutes=180,
...                           latest_after_minutes=300)],
...         )
...     ],
... )
>>> rules.shifts[0].paid_hours
7.5
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from staffing.errors import ConfigError
from staffing.roster.contracts import Contract

__all__ = [
    "EXAMPLE_RULES_FILE",
    "MAX_COST",
    "WEEKDAYS",
    "AgentRules",
    "Break",
    "Contract",
    "ShiftRules",
    "ShiftType",
    "example_rules",
    "load_rules",
]

#: Name of the example rules file inside ``staffing/data``.
EXAMPLE_RULES_FILE = "example_shifts.toml"

#: Weekday names accepted in ``days`` and ``weekend_days`` (Monday first).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Largest cost per paid hour and largest penalty per agent-interval accepted [currency].
#: The solvers treat coefficients near 1e20 as infinite and lose precision long before; a
#: penalty far above every shift cost already forbids understaffing (or use ``hard_coverage``).
MAX_COST = 1e9


def clock_minutes(text: str) -> int:
    """Minutes after midnight of a local clock time ``"HH:MM"``.

    Parameters
    ----------
    text : str
        Clock time ``"HH:MM"`` with 00 <= HH <= 23 and 00 <= MM <= 59.

    Returns
    -------
    int
        Minutes after local midnight [min].

    Examples
    --------
    >>> clock_minutes("07:30")
    450
    """
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"expected a clock time 'HH:MM', got {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 23 or minutes > 59:
        raise ValueError(f"expected a clock time between 00:00 and 23:59, got {text!r}")
    return 60 * hours + minutes


class _Strict(BaseModel):
    # Numbers must be finite: TOML spells inf and nan, and the solvers cannot take either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Break(_Strict):
    """One break inside a shift; its start is free within a window after the shift start.

    Attributes
    ----------
    length_minutes : int
        Break length [min], a multiple of the interval length.
    earliest_after_minutes, latest_after_minutes : int
        Earliest and latest break *start* after the shift start [min].
    paid : bool
        Whether the break is paid (default ``False``: it lowers the shift's paid hours).
    """

    length_minutes: int = Field(gt=0)
    earliest_after_minutes: int = Field(ge=0)
    latest_after_minutes: int = Field(ge=0)
    paid: bool = False

    @model_validator(mode="after")
    def _window(self) -> Break:
        if self.latest_after_minutes < self.earliest_after_minutes:
            raise ValueError(
                f"latest_after_minutes ({self.latest_after_minutes}) is before "
                f"earliest_after_minutes ({self.earliest_after_minutes})"
            )
        return self


class ShiftType(_Strict):
    """A shift type: its length, the window of start times, its cost and its breaks.

    Attributes
    ----------
    name : str
        Unique name.
    length_hours : float
        Shift length from start to end, breaks included [h] (real elapsed hours).
    start_earliest, start_latest : str
        First and last allowed start, local clock time ``"HH:MM"``.
    start_step_minutes : int or None
        Spacing of allowed starts [min]; default the interval length.
    cost_per_hour : float
        Cost of one paid agent-hour [currency per h], finite, 0 to :data:`MAX_COST`; default 1.
    min_count, max_count : int or None
        Fewest and most agents starting this shift type on one day (per calendar day of the
        start); default no bound.
    days : list of str or None
        Weekdays (``"mon"`` … ``"sun"``) on which the shift may start; default every day.
    breaks : list of Break
        Breaks in time order with disjoint windows.
    """

    name: str = Field(min_length=1)
    length_hours: float = Field(gt=0, le=24)
    start_earliest: str
    start_latest: str
    start_step_minutes: int | None = Field(default=None, gt=0)
    cost_per_hour: float = Field(default=1.0, ge=0, le=MAX_COST)
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    days: list[str] | None = None
    breaks: list[Break] = Field(default_factory=list)

    @field_validator("start_earliest", "start_latest")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_minutes(value)
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        bad = [d for d in value if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown weekday(s) {bad}; expected some of {list(WEEKDAYS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ShiftType:
        if clock_minutes(self.start_latest) < clock_minutes(self.start_earliest):
            raise ValueError(
                f"shift {self.name!r}: start_latest {self.start_latest} is before "
                f"start_earliest {self.start_earliest}"
            )
        if (
            self.min_count is not None
            and self.max_count is not None
            and self.min_count > self.max_count
        ):
            raise ValueError(f"shift {self.name!r}: min_count > max_count")
        length = self.length_minutes
        previous_end = 0
        for k, brk in enumerate(self.breaks):
            if brk.latest_after_minutes + brk.length_minutes > length:
                raise ValueError(
                    f"shift {self.name!r}, break {k + 1}: its window (latest start "
                    f"{brk.latest_after_minutes} min + {brk.length_minutes} min) ends after "
                    f"the shift ({length} min)"
                )
            if brk.earliest_after_minutes < previous_end:
                raise ValueError(
                    f"shift {self.name!r}, break {k + 1}: its window overlaps the previous "
                    "break's window; list breaks in time order with disjoint windows"
                )
            previous_end = brk.latest_after_minutes + brk.length_minutes
        return self

    def start_clocks(self, interval_minutes: int) -> range:
        """Allowed start times [min after local midnight], every ``start_step_minutes``
        (default ``interval_minutes``).

        Examples
        --------
        >>> list(ShiftType(name="s", length_hours=8, start_earliest="07:00",
        ...                start_latest="08:00").start_clocks(30))
        [420, 450, 480]
        """
        return range(
            clock_minutes(self.start_earliest),
            clock_minutes(self.start_latest) + 1,
            self.start_step_minutes or interval_minutes,
        )

    @property
    def length_minutes(self) -> int:
        """Shift length [min]."""
        return round(self.length_hours * 60)

    @property
    def paid_hours(self) -> float:
        """Paid hours of one agent on this shift: length less unpaid breaks [h]."""
        unpaid = sum(b.length_minutes for b in self.breaks if not b.paid)
        return (self.length_minutes - unpaid) / 60

    @property
    def cost(self) -> float:
        """Cost of one agent on this shift: ``cost_per_hour`` × paid hours [currency]."""
        return self.cost_per_hour * self.paid_hours


class AgentRules(_Strict):
    """Rules for assigning shifts to named agents (the second stage).

    Attributes
    ----------
    max_days_per_week : int
        Most working days in each 7-day block of the horizon (default 5).
    max_consecutive_days : int
        Most consecutive working days (default 6).
    min_consecutive_days_off : int
        Each 7-day block holds a run of at least this many consecutive days off (default 0).
    min_rest_hours : float
        Least rest between the end of one shift and the start of the next [h] (default 11).
    weekend_days : list of str
        Days counted as weekend for the fair-share rule (default ``["sat", "sun"]``).
    max_weekend_days : int or None
        Most weekend days any agent works in the horizon (default no bound).
    hours_tolerance : float
        Paid hours per 7-day block may exceed contracted hours by this much [h] (default 0).
    """

    max_days_per_week: int = Field(default=5, ge=1, le=7)
    max_consecutive_days: int = Field(default=6, ge=1)
    min_consecutive_days_off: int = Field(default=0, ge=0, le=7)
    min_rest_hours: float = Field(default=11.0, ge=0)
    weekend_days: list[str] = Field(default_factory=lambda: ["sat", "sun"])
    max_weekend_days: int | None = Field(default=None, ge=0)
    hours_tolerance: float = Field(default=0.0, ge=0)

    @field_validator("weekend_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        bad = [d for d in value if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown weekday(s) {bad}; expected some of {list(WEEKDAYS)}")
        return value


class ShiftRules(_Strict):
    """The complete shift rules of a roster.

    Attributes
    ----------
    interval_minutes : int
        Length of one requirement interval [min]: 15, 30 or 60.
    shifts : list of ShiftType
        Shift types, at least one, with unique names.
    understaffing_per_agent_interval : float
        Penalty for one agent missing in one interval [currency], finite, 0 to
        :data:`MAX_COST` (default 100).
    overstaffing_per_agent_interval : float
        Penalty for one agent too many in one interval [currency], finite, 0 to
        :data:`MAX_COST` (default 0).
    hard_coverage : bool
        Forbid any shortfall (default ``False``).
    cyclic : bool
        Wrap shifts that run past the end of the horizon round to its start (default ``True``:
        a weekly template); with ``False`` only shifts ending inside the horizon are allowed.
    agents : AgentRules
        Rules of the second stage (named agents).
    contracts : list of Contract
        Contract types (weekly lines of work). Empty (default): the roster chooses shifts day
        by day. Given: it chooses weekly lines of work of these contracts, and every shift
        type must belong to at least one contract.
    multi_week : {"independent", "repeat"}
        With contracts and a horizon of several weeks: ``"independent"`` (default) gives each
        week its own lines; ``"repeat"`` works the same lines every week.
    full_time_hours_per_week : float
        Weekly paid hours of one full-time equivalent (FTE) [h] (default 40).
    """

    interval_minutes: int
    shifts: list[ShiftType] = Field(min_length=1)
    understaffing_per_agent_interval: float = Field(default=100.0, ge=0, le=MAX_COST)
    overstaffing_per_agent_interval: float = Field(default=0.0, ge=0, le=MAX_COST)
    hard_coverage: bool = False
    cyclic: bool = True
    agents: AgentRules = Field(default_factory=AgentRules)
    contracts: list[Contract] = Field(default_factory=list)
    multi_week: Literal["independent", "repeat"] = "independent"
    full_time_hours_per_week: float = Field(default=40.0, gt=0, le=168)

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in (15, 30, 60):
            raise ValueError(f"expected 15, 30 or 60 minutes, got {value}")
        return value

    @model_validator(mode="after")
    def _multiples(self) -> ShiftRules:
        step = self.interval_minutes
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise ValueError(f"shift names must be unique, got {names}")
        for shift in self.shifts:
            checks = {
                "length_hours": shift.length_minutes,
                "start_earliest": clock_minutes(shift.start_earliest),
                "start_latest": clock_minutes(shift.start_latest),
                "start_step_minutes": shift.start_step_minutes or step,
            }
            for k, brk in enumerate(shift.breaks):
                checks[f"breaks[{k}].length_minutes"] = brk.length_minutes
                checks[f"breaks[{k}].earliest_after_minutes"] = brk.earliest_after_minutes
                checks[f"breaks[{k}].latest_after_minutes"] = brk.latest_after_minutes
            for key, minutes in checks.items():
                if minutes % step:
                    raise ValueError(
                        f"shift {shift.name!r}: {key} ({minutes} min) is not a multiple of "
                        f"interval_minutes ({step})"
                    )
        self._check_contracts()
        return self

    def _check_contracts(self) -> None:
        if not self.contracts:
            return
        names = [c.name for c in self.contracts]
        if len(set(names)) != len(names):
            raise ValueError(f"contract names must be unique, got {names}")
        by_name = {s.name: s for s in self.shifts}
        used: set[str] = set()
        rest = self.agents.min_rest_hours * 60
        for contract in self.contracts:
            unknown = [n for n in contract.shifts if n not in by_name]
            if unknown:
                raise ValueError(
                    f"contract {contract.name!r}: unknown shift type(s) {unknown}; "
                    f"shifts are {list(by_name)}"
                )
            used.update(contract.shifts)
            if contract.start_band_minutes % self.interval_minutes:
                raise ValueError(
                    f"contract {contract.name!r}: start_band_minutes "
                    f"({contract.start_band_minutes}) is not a multiple of interval_minutes "
                    f"({self.interval_minutes})"
                )
            for name in contract.shifts:
                spec = by_name[name]
                if contract.day_range[1] > 1 and 24 * 60 - spec.length_minutes < rest:
                    raise ValueError(
                        f"contract {contract.name!r}, shift {name!r}: a {spec.length_hours:g}-h "
                        "shift on two days in a row leaves less than agents.min_rest_hours "
                        f"({self.agents.min_rest_hours:g}) between them"
                    )
        unused = [n for n in by_name if n not in used]
        if unused:
            raise ValueError(
                f"shift type(s) {unused} belong to no contract; with contracts every shift type "
                "is worked through a contract's lines (add it to a contract's shifts or remove it)"
            )


def _format_validation(err: ValidationError) -> str:
    parts = []
    for item in err.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}")
        elif item["type"] == "missing":
            parts.append(f"missing key {key!r}")
        else:
            parts.append(f"key {key!r}: {item['msg']}")
    return "; ".join(parts)


def rules_from_dict(data: dict[str, Any], source: str = "rules") -> ShiftRules:
    """Validate a rules mapping, raising :class:`ConfigError` that names ``source`` and the key.

    Parameters
    ----------
    data : dict
        Mapping with the keys of :class:`ShiftRules`.
    source : str
        Name used in error messages (e.g. the file name).

    Returns
    -------
    ShiftRules

    Examples
    --------
    >>> rules_from_dict({"interval_minutes": 15, "shift": []}, "x.toml")
    Traceback (most recent call last):
    ...
    staffing.errors.ConfigError: x.toml: missing key 'shifts'; unknown key 'shift'
    """
    try:
        return ShiftRules.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_format_validation(err)}") from None


def load_rules(path: str | Path) -> ShiftRules:
    """Read shift rules from a TOML file.

    Parameters
    ----------
    path : str or Path
        TOML file (UTF-8, with or without a byte-order mark) with the keys documented in the
        roster guide.

    Returns
    -------
    ShiftRules

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("staffing") / "data" / "example_shifts.toml"
    >>> rules = load_rules(path)
    >>> rules.interval_minutes
    30
    """
    path = Path(str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is not TOML
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such rules file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the rules: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    return rules_from_dict(data, str(path))


def example_rules() -> ShiftRules:
    """The example shift rules shipped with the package (``staffing/data/example_shifts.toml``).

    Returns
    -------
    ShiftRules

    Examples
    --------
    >>> [s.name for s in example_rules().shifts]
    ['early', 'day', 'late', 'part-time']
    """
    path = resources.files("staffing") / "data" / EXAMPLE_RULES_FILE
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return rules_from_dict(data, EXAMPLE_RULES_FILE)
