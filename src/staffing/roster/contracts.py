"""Contracts: the weekly lines of work a roster may give people, and the mix of contracts.

A *line of work* is one person's week: the days worked, one shift type worked on each of them,
a start time on each (the same every day, or all inside a start-time band) and the breaks of
each day. A :class:`Contract` says which lines are allowed (days per week, days off, start
band, weekly paid hours) and what they cost; the contract-mix keys bound the headcount and the
share of paid hours of each contract.

Examples
--------
>>> full = Contract(name="full-time", shifts=["day"], days_per_week=5)
>>> len(day_patterns(full, list(WEEKDAYS), ["sat", "sun"]))  # two consecutive days off
7
>>> part = Contract(name="part-time", shifts=["day"], min_days_per_week=3,
...                 max_days_per_week=4, days_off="any")
>>> len(day_patterns(part, list(WEEKDAYS), ["sat", "sun"]))  # C(7,3) + C(7,4)
70
"""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["DAYS_OFF", "Contract", "day_patterns", "longest_run"]

#: Accepted values of :attr:`Contract.days_off`.
DAYS_OFF = ("consecutive", "any")

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Contract(BaseModel):
    """One contract type: the weekly lines of work it allows, their cost and its share.

    Attributes
    ----------
    name : str
        Unique name (e.g. ``"full-time"``).
    shifts : list of str
        Shift types (names in ``[[shifts]]``) a line of this contract may work. One line works
        one shift type on all its days (the same length and break rules every day).
    days_per_week : int or None
        Exact working days per week, 1 to 7. Give it, or ``min_days_per_week`` /
        ``max_days_per_week``; with neither, 5.
    min_days_per_week, max_days_per_week : int or None
        Range of working days per week (defaults 1 and 7 when the other is given).
    days_off : {"consecutive", "any"}
        ``"consecutive"`` (default): the days off of a week form one run, counted round the
        week (the plan week's last and first days count as consecutive, e.g. Sun + Mon);
        ``"any"``: any days off.
    weekend_day_off : bool
        At least one of the weekend days (``agents.weekend_days``) off every week (default
        ``False``).
    start_band_minutes : int
        Every start of a line lies within this many minutes of its earliest start [min];
        default 0 (the same start time on every working day). A multiple of the interval.
        A band wider than 24 h - shift length - ``agents.min_rest_hours`` is narrowed to that,
        so that every line rests between two working days.
    min_paid_hours_per_week, max_paid_hours_per_week : float or None
        Range of a line's weekly paid hours [h] (default no bound).
    cost_per_hour : float or None
        Cost of a paid hour on this contract [currency per h]; default the shift type's
        ``cost_per_hour``.
    cost_per_head : float
        Fixed cost of one line per week [currency], e.g. benefits (default 0).
    min_headcount, max_headcount : int or None
        Fewest and most lines of this contract per week [people] (default no bound).
    min_share_of_paid_hours, max_share_of_paid_hours : float or None
        Share of the week's paid hours (all contracts) on this contract, 0 to 1 (default no
        bound); e.g. ``max_share_of_paid_hours = 0.3`` for "part-time at most 30%".
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(min_length=1)
    shifts: list[str] = Field(min_length=1)
    days_per_week: int | None = Field(default=None, ge=1, le=7)
    min_days_per_week: int | None = Field(default=None, ge=1, le=7)
    max_days_per_week: int | None = Field(default=None, ge=1, le=7)
    days_off: Literal["consecutive", "any"] = "consecutive"
    weekend_day_off: bool = False
    start_band_minutes: int = Field(default=0, ge=0, le=24 * 60)
    min_paid_hours_per_week: float | None = Field(default=None, ge=0, le=168)
    max_paid_hours_per_week: float | None = Field(default=None, gt=0, le=168)
    cost_per_hour: float | None = Field(default=None, ge=0, le=1e9)
    cost_per_head: float = Field(default=0.0, ge=0, le=1e9)
    min_headcount: int | None = Field(default=None, ge=0)
    max_headcount: int | None = Field(default=None, ge=0)
    min_share_of_paid_hours: float | None = Field(default=None, ge=0, le=1)
    max_share_of_paid_hours: float | None = Field(default=None, ge=0, le=1)

    @field_validator("shifts")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"shift names listed twice: {value}")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> Contract:
        exact = self.days_per_week is not None
        if exact and (self.min_days_per_week is not None or self.max_days_per_week is not None):
            raise ValueError(
                f"contract {self.name!r}: give days_per_week or min_days_per_week/"
                "max_days_per_week, not both"
            )
        low, high = self.day_range
        pairs = [
            ("min_days_per_week", "max_days_per_week", low, high),
            (
                "min_paid_hours_per_week",
                "max_paid_hours_per_week",
                self.min_paid_hours_per_week,
                self.max_paid_hours_per_week,
            ),
            ("min_headcount", "max_headcount", self.min_headcount, self.max_headcount),
            (
                "min_share_of_paid_hours",
                "max_share_of_paid_hours",
                self.min_share_of_paid_hours,
                self.max_share_of_paid_hours,
            ),
        ]
        for low_key, high_key, lo, hi in pairs:
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(
                    f"contract {self.name!r}: {low_key} ({lo}) is above {high_key} ({hi})"
                )
        return self

    @property
    def day_range(self) -> tuple[int, int]:
        """Fewest and most working days per week."""
        if self.days_per_week is not None:
            return self.days_per_week, self.days_per_week
        if self.min_days_per_week is None and self.max_days_per_week is None:
            return 5, 5
        return self.min_days_per_week or 1, self.max_days_per_week or 7

    def cost_per_paid_hour(self, shift_cost_per_hour: float) -> float:
        """Cost of a paid hour of a line [currency per h]: the contract's, else the shift's.

        Examples
        --------
        >>> Contract(name="c", shifts=["s"], cost_per_hour=18).cost_per_paid_hour(20.0)
        18.0
        """
        own = self.cost_per_hour
        return float(shift_cost_per_hour if own is None else own)

    def allows_hours(self, hours: float) -> bool:
        """Whether a line of ``hours`` weekly paid hours [h] is allowed.

        Examples
        --------
        >>> Contract(name="c", shifts=["s"], max_paid_hours_per_week=20).allows_hours(24.0)
        False
        """
        low = self.min_paid_hours_per_week
        high = self.max_paid_hours_per_week
        return (low is None or hours >= low - 1e-9) and (high is None or hours <= high + 1e-9)


def longest_run(worked: tuple[bool, ...], cyclic: bool = True) -> int:
    """Longest run of ``True`` in a week, counted round the week when ``cyclic``.

    Examples
    --------
    >>> longest_run((True, False, False, True, True, True, True))
    5
    >>> longest_run((True, False, False, True, True, True, True), cyclic=False)
    4
    """
    if all(worked):
        return len(worked)
    seq = worked + worked if cyclic else worked
    best = run = 0
    for day in seq:
        run = run + 1 if day else 0
        best = max(best, run)
    return min(best, len(worked))


def day_patterns(
    contract: Contract, weekdays: list[str], weekend_days: list[str]
) -> list[tuple[int, ...]]:
    """The working-day patterns of one week that a contract allows.

    Parameters
    ----------
    contract : Contract
    weekdays : list of str
        Weekday names (``"mon"`` … ``"sun"``) of the plan week's seven days, in order.
    weekend_days : list of str
        Days counted as weekend for ``weekend_day_off``.

    Returns
    -------
    list of tuple of int
        Each pattern as the sorted positions (0-6 in the plan week) of its working days.

    Examples
    --------
    >>> c = Contract(name="c", shifts=["s"], days_per_week=6, weekend_day_off=True)
    >>> [[list(WEEKDAYS)[d] for d in range(7) if d not in p] for p in
    ...  day_patterns(c, list(WEEKDAYS), ["sat", "sun"])]
    [['sun'], ['sat']]
    """
    low, high = contract.day_range
    weekend = [weekdays[d] in weekend_days for d in range(7)]
    out = []
    for n in range(low, high + 1):
        for chosen in itertools.combinations(range(7), n):
            worked = tuple(d in chosen for d in range(7))
            off = tuple(not w for w in worked)
            if contract.days_off == "consecutive" and 0 < 7 - n < 7 and longest_run(off) < 7 - n:
                continue
            if contract.weekend_day_off and not any(
                o and w for o, w in zip(off, weekend, strict=True)
            ):
                continue
            out.append(chosen)
    return out


#: Weekday names, Monday first (the same as :data:`staffing.roster.rules.WEEKDAYS`).
WEEKDAYS = _WEEKDAYS
