"""Tests of staffing.calendar: known holidays, weekends, eves, local dates, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.calendar import DAY_NAMES, DAY_TYPES, Calendar, holiday_dates

ENGLAND = Calendar(country="GB", subdiv="ENG")


def days(first: str, count: int, tz: str | None = None) -> pd.DatetimeIndex:
    """``count`` local noons from ``first`` (noon: the same local date in any reading)."""
    return pd.date_range(f"{first} 12:00", periods=count, freq="D", tz=tz)


# ----------------------------------------------------------------------- known answers
def test_english_christmas_2027_has_substitute_days():
    # 25 Dec 2027 is a Saturday and 26 Dec a Sunday: the bank holidays move to Mon 27, Tue 28.
    index = days("2027-12-23", 7, "Europe/London")  # Thu 23 .. Wed 29
    assert ENGLAND.day_types(index).tolist() == [
        "weekday",
        "weekday",  # Fri 24: Christmas Eve is not a bank holiday
        "holiday",
        "holiday",
        "holiday",
        "holiday",
        "weekday",
    ]
    assert ENGLAND.is_eve(index).tolist() == [False, True, False, False, False, False, False]
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= ENGLAND.holidays([2027])


def test_israeli_weekend_is_friday_and_saturday():
    israel = Calendar(weekend=["Fri", "SAT"], country="IL")
    assert israel.weekend == ("fri", "sat")
    index = days("2025-05-30", 4, "Asia/Jerusalem")  # Fri, Sat, Sun, Mon 2 June (Shavuot)
    assert israel.is_weekend(index).tolist() == [True, True, False, False]
    assert israel.day_types(index).tolist() == ["weekend", "weekend", "weekday", "holiday"]
    assert israel.is_eve(index).tolist() == [False, False, True, False]
    # the default weekend is Saturday and Sunday
    assert Calendar().day_types(index).tolist() == ["weekday", "weekend", "weekend", "weekday"]


def test_extra_holidays_are_holidays_with_eves():
    calendar = Calendar(extra_holidays=["2025-06-03", "2026-01-02"])
    assert calendar.holidays([2025]) == {date(2025, 6, 3)}
    assert calendar.holidays([2024]) == set()
    index = days("2025-06-02", 3)  # Mon, Tue (extra), Wed
    assert calendar.day_types(index).tolist() == ["weekday", "holiday", "weekday"]
    assert calendar.is_eve(index).tolist() == [True, False, False]
    # an eve across the new year: 1 January 2026 is the day before an extra holiday
    assert calendar.is_eve(days("2026-01-01", 1)).tolist() == [True]
    # added to a country's holidays, not instead of them
    both = Calendar(country="GB", subdiv="ENG", extra_holidays=["2025-12-24"])
    index = days("2025-12-23", 3, "Europe/London")
    assert both.day_types(index).tolist() == ["weekday", "holiday", "holiday"]
    assert both.is_eve(index).tolist() == [True, False, False]


def test_an_eve_is_never_itself_a_holiday():
    # 25 Dec is the day before Boxing Day but a holiday itself
    index = days("2025-12-24", 3, "Europe/London")
    assert ENGLAND.is_eve(index).tolist() == [True, False, False]


def test_day_types_are_read_on_the_local_date_of_aware_stamps_on_summer_time_days():
    london = "Europe/London"
    # The whole 23-hour day of 30 March 2025 (clocks go forward at 01:00 GMT), from 00:30 GMT.
    spring = pd.date_range(pd.Timestamp("2025-03-30 00:30", tz=london), periods=23, freq="h")
    assert spring[1].hour == 2  # 01:30 does not exist
    company_day = Calendar(extra_holidays=["2025-03-30"])
    assert (company_day.day_types(spring) == "holiday").all()
    before = pd.DatetimeIndex([pd.Timestamp("2025-03-29 23:30", tz=london)])
    assert company_day.day_types(before).tolist() == ["weekend"]
    assert company_day.is_eve(before).tolist() == [True]
    # 00:30 BST on Monday 26 May 2025 (a bank holiday) is 23:30 UTC on Sunday 25 May.
    stamp = pd.Timestamp("2025-05-26 00:30", tz=london)
    assert ENGLAND.day_types(pd.DatetimeIndex([stamp])).tolist() == ["holiday"]
    assert ENGLAND.day_types(pd.DatetimeIndex([stamp.tz_convert("UTC")])).tolist() == ["weekend"]
    # 00:30 BST on Sunday 26 October 2025 (clocks go back) is 23:30 UTC on Saturday.
    autumn = pd.Series([pd.Timestamp("2025-10-26 00:30", tz=london)])
    fri_sat = Calendar(weekend=["fri", "sat"])
    assert fri_sat.day_types(autumn).tolist() == ["weekday"]
    assert fri_sat.day_types(autumn.dt.tz_convert("UTC")).tolist() == ["weekend"]
    # naive stamps are read as local wall-clock times
    assert ENGLAND.day_types(pd.DatetimeIndex(["2025-05-26 00:30"])).tolist() == ["holiday"]


def test_empty_input_gives_empty_arrays():
    empty = pd.DatetimeIndex([], tz="Europe/London")
    for method in (ENGLAND.is_holiday, ENGLAND.is_eve, ENGLAND.is_weekend, ENGLAND.day_types):
        assert len(method(empty)) == 0


def test_bad_calendars_are_refused():
    with pytest.raises(ValueError, match="no public-holiday calendar for country 'XX'"):
        Calendar(country="XX")
    with pytest.raises(ValueError, match="subdiv 'ZZZ'"):
        Calendar(country="GB", subdiv="ZZZ")
    with pytest.raises(ValueError, match="subdiv needs country"):
        Calendar(subdiv="ENG")
    with pytest.raises(ValueError, match="weekend"):
        Calendar(weekend=["someday"])
    with pytest.raises(ValueError, match="extra_holidays"):
        Calendar(extra_holidays=["soon"])


def test_holiday_dates_returns_a_fresh_set_each_time():
    first = holiday_dates("GB", "ENG", [2025])
    first.add(date(2025, 7, 4))
    assert date(2025, 7, 4) not in holiday_dates("GB", "ENG", [2025])


def test_describe():
    assert ENGLAND.describe() == "public holidays of GB/ENG; weekend sat, sun"
    assert Calendar(weekend=[], extra_holidays=["2025-01-02", "2025-01-03"]).describe() == (
        "no public holidays + 2 extra days; weekend none"
    )


# --------------------------------------------------------------------------- properties
ZONES = [None, "UTC", "Europe/London", "Asia/Jerusalem", "America/New_York", "Pacific/Auckland"]


@settings(max_examples=60, deadline=None)
@given(
    weekend=st.lists(st.sampled_from(DAY_NAMES), unique=True, max_size=3),
    country=st.sampled_from([None, ("GB", "ENG"), ("IL", None), ("US", "CA")]),
    extra=st.lists(st.dates(date(2023, 1, 1), date(2027, 12, 31)), max_size=5),
    instants=st.lists(
        st.integers(0, 5 * 365 * 24 * 60), min_size=1, max_size=40
    ),  # minutes after 2023-01-01 00:00 UTC
    tz=st.sampled_from(ZONES),
)
def test_day_types_are_consistent_with_the_predicates(weekend, country, extra, instants, tz):
    code, subdiv = country if country else (None, None)
    calendar = Calendar(weekend=weekend, country=code, subdiv=subdiv, extra_holidays=extra)
    stamps = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(instants, unit="min")
    stamps = pd.DatetimeIndex(stamps)
    stamps = stamps.tz_localize(None) if tz is None else stamps.tz_convert(tz)
    kinds = calendar.day_types(stamps)
    holiday = calendar.is_holiday(stamps)
    weekend_days = calendar.is_weekend(stamps)
    assert set(kinds) <= set(DAY_TYPES)
    np.testing.assert_array_equal(kinds == "holiday", holiday)
    np.testing.assert_array_equal(kinds == "weekend", weekend_days & ~holiday)
    # against a plain reading, one stamp at a time, on its local date
    local = [stamp.date() for stamp in stamps]
    dates = calendar.holidays(range(2022, 2030))
    assert holiday.tolist() == [day in dates for day in local]
    assert weekend_days.tolist() == [DAY_NAMES[day.weekday()] in weekend for day in local]
    eve = [day + timedelta(days=1) in dates and day not in dates for day in local]
    assert calendar.is_eve(stamps).tolist() == eve
