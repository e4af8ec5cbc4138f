"""The centre's calendar: weekend days, public holidays and day types.

One :class:`Calendar` is decided once per plan (``[service.calendar]`` of the configuration)
and every step reads it: the forecast's holiday and eve effects, the requirements' time bands
(``days = ["weekday"]``, ``["holiday"]``), the example generator and the report. All its
methods work on *local wall-clock* times: pass tz-aware time stamps in the centre's zone (or
naive local times), never UTC.

Day types
---------
Every date has one day type: ``"holiday"`` (a public holiday of ``country``/``subdiv`` in the
:mod:`holidays` package, or one of ``extra_holidays``), else ``"weekend"`` (a day named in
``weekend``), else ``"weekday"``. The day before a holiday that is not itself a holiday is an
*eve* (shops close early, volume shifts).

Examples
--------
>>> import pandas as pd
>>> from staffing.calendar import Calendar
>>> calendar = Calendar(weekend=["fri", "sat"], country="IL")
>>> days = pd.date_range("2025-04-11", periods=3, freq="D", tz="Asia/Jerusalem")
>>> calendar.day_types(days).tolist()   # Fri, Sat, Sun (13 April 2025: Passover)
['weekend', 'weekend', 'holiday']
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

__all__ = ["DAY_NAMES", "DAY_TYPES", "Calendar", "holiday_dates"]

#: Day names, Monday first (``pandas`` ``day_of_week`` 0..6).
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The day types of a date, see the module docstring.
DAY_TYPES = ("weekday", "weekend", "holiday")
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@lru_cache(maxsize=256)
def _country_dates(country: str, subdiv: str | None, years: tuple[int, ...]) -> frozenset[date]:
    import holidays as holidays_lib

    try:
        found = holidays_lib.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError as err:
        where = f"country {country!r}" + (f", subdiv {subdiv!r}" if subdiv else "")
        raise ValueError(
            f"no public-holiday calendar for {where} in the holidays package"
        ) from err
    return frozenset(found.keys())


def holiday_dates(country: str, subdiv: str | None, years: Iterable[int]) -> set[date]:
    """Public holidays of a country (and subdivision) in the given years.

    Parameters
    ----------
    country : str
        Country code of the :mod:`holidays` package (``"GB"``, ``"US"``, ``"IL"``).
    subdiv : str, optional
        Subdivision code (``"ENG"``, ``"CA"``).
    years : iterable of int
        Calendar years.

    Returns
    -------
    set of datetime.date

    Raises
    ------
    ValueError
        The holidays package has no calendar for that country or subdivision.

    Examples
    --------
    >>> from datetime import date
    >>> date(2025, 12, 25) in holiday_dates("GB", "ENG", [2025])
    True
    """
    return set(_country_dates(country, subdiv, tuple(sorted(set(years)))))


class Calendar(BaseModel):
    """Day types: which days are the weekend, and which are public holidays.

    Parameters
    ----------
    weekend : list of str
        Weekend day names (default ``["sat", "sun"]``; e.g. ``["fri", "sat"]`` in Israel).
    country, subdiv : str, optional
        Public-holiday calendar of the :mod:`holidays` package (e.g. ``"GB"``, ``"ENG"``).
    extra_holidays : list of date
        Further dates (``YYYY-MM-DD``) treated as holidays (company days, bridge days).

    Examples
    --------
    >>> Calendar(weekend=["fri", "sat"], country="IL").weekend
    ('fri', 'sat')
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    weekend: tuple[DayName, ...] = ("sat", "sun")
    country: str | None = None
    subdiv: str | None = None
    extra_holidays: tuple[date, ...] = ()

    @field_validator("weekend", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(v.lower() if isinstance(v, str) else v for v in value)
        return value

    @model_validator(mode="after")
    def _known_calendar(self) -> Calendar:
        if self.subdiv is not None and self.country is None:
            raise ValueError("subdiv needs country")
        if self.country is not None:
            holiday_dates(self.country, self.subdiv, [2000])
        return self

    def holidays(self, years: Iterable[int]) -> set[date]:
        """Holiday dates in the given years: the country's and ``extra_holidays``.

        Examples
        --------
        >>> sorted(Calendar(extra_holidays=["2025-06-02"]).holidays([2025]))
        [datetime.date(2025, 6, 2)]
        """
        years = set(years)
        dates = {day for day in self.extra_holidays if day.year in years}
        if self.country is not None and years:
            dates |= holiday_dates(self.country, self.subdiv, years)
        return dates

    def describe(self) -> str:
        """The calendar in one line, for reports and notes.

        Examples
        --------
        >>> israel = Calendar(weekend=["fri", "sat"], country="IL", extra_holidays=["2025-06-03"])
        >>> israel.describe()
        'public holidays of IL + 1 extra day; weekend fri, sat'
        >>> Calendar().describe()
        'no public holidays; weekend sat, sun'
        """
        text = "no public holidays"
        if self.country is not None:
            where = self.country if self.subdiv is None else f"{self.country}/{self.subdiv}"
            text = f"public holidays of {where}"
        count = len(self.extra_holidays)
        if count:
            text += f" + {count} extra day{'s' if count != 1 else ''}"
        return f"{text}; weekend {', '.join(self.weekend) if self.weekend else 'none'}"

    def is_holiday(self, local: Any) -> np.ndarray:
        """Whether each local time falls on a holiday (bool array).

        Parameters
        ----------
        local : DatetimeIndex, Series or array of timestamps
            Local wall-clock times (tz-aware in the centre's zone, or naive local).
        """
        days, inverse = _unique_days(local)
        if days.empty:
            return np.zeros(0, dtype=bool)
        dates = _stamps(self.holidays(range(days[0].year, days[-1].year + 1)))
        return np.asarray(days.isin(dates))[inverse] & (inverse >= 0)

    def is_eve(self, local: Any) -> np.ndarray:
        """Whether each local time falls on the day before a holiday, not itself a holiday."""
        days, inverse = _unique_days(local)
        if days.empty:
            return np.zeros(0, dtype=bool)
        dates = _stamps(self.holidays(range(days[0].year, days[-1].year + 2)))
        eve = days.isin(dates - pd.Timedelta(days=1)) & ~days.isin(dates)
        return np.asarray(eve)[inverse] & (inverse >= 0)

    def is_weekend(self, local: Any) -> np.ndarray:
        """Whether each local time falls on a weekend day (holiday or not)."""
        numbers = [DAY_NAMES.index(day) for day in self.weekend]
        return np.isin(_day_of_week(local), numbers)

    def day_types(self, local: Any) -> np.ndarray:
        """``"holiday"``, ``"weekend"`` or ``"weekday"`` for each local time."""
        kinds = np.where(self.is_weekend(local), "weekend", "weekday").astype(object)
        kinds[self.is_holiday(local)] = "holiday"
        return kinds


def _index(local: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(local)


def _unique_days(local: Any) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The distinct local dates (sorted, naive midnights) and each time's position in them."""
    index = _index(local)
    if index.tz is not None:
        index = index.tz_localize(None)
    codes, days = pd.factorize(index.normalize(), sort=True)
    return pd.DatetimeIndex(days), codes


def _stamps(dates: Iterable[date]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(sorted(pd.Timestamp(day) for day in dates))


def _day_of_week(local: Any) -> np.ndarray:
    return np.asarray(_index(local).day_of_week)
