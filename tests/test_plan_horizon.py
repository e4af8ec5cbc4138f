"""Where the plan starts and ends: ``forecast.first_day``, ``forecast.start_date`` and
:func:`staffing.plan.plan_horizon`, from the function to the command line."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from plan_fixtures import fast_config, write_plan_inputs
from staffing.cli import main
from staffing.config import PlanConfig
from staffing.datasets import load_example, load_example_config
from staffing.errors import ConfigError
from staffing.forecast import Forecaster
from staffing.plan import plan, plan_horizon

TZ = "Europe/London"


def configured(minutes: int = 60, tz: str = TZ, **forecast) -> PlanConfig:
    """The example configuration with other ``[forecast]`` keys, zone and interval."""
    config = fast_config(**forecast)
    history = config.history.model_copy(update={"tz": tz, "interval_minutes": minutes})
    return config.model_copy(update={"history": history})


def stamps_until(last: str, minutes: int = 60, days: int = 21, tz: str = TZ) -> pd.DataFrame:
    """A history whose last interval starts at local time ``last`` (only the stamps matter)."""
    last_stamp = pd.Timestamp(last, tz=tz)
    stamps = pd.date_range(
        end=last_stamp, periods=days * 1440 // minutes, freq=pd.Timedelta(minutes, unit="min")
    )
    return pd.DataFrame({"interval_start": stamps, "queue": "phone", "volume": 1.0})


def shown(stamp: pd.Timestamp) -> str:
    return f"{stamp.tz_convert(TZ):%a %Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- first_day


@pytest.mark.parametrize(
    ("last", "first"),
    [
        ("2025-06-16 23:00", "Mon 2025-06-23 00:00"),  # a complete Monday: the next Monday
        ("2025-06-17 23:00", "Mon 2025-06-23 00:00"),  # Tuesday
        ("2025-06-18 23:00", "Mon 2025-06-23 00:00"),
        ("2025-06-19 23:00", "Mon 2025-06-23 00:00"),
        ("2025-06-20 23:00", "Mon 2025-06-23 00:00"),  # Friday
        ("2025-06-21 23:00", "Mon 2025-06-23 00:00"),
        ("2025-06-22 23:00", "Mon 2025-06-23 00:00"),  # a complete Sunday: the day after
    ],
)
def test_a_plan_starts_on_the_monday_after_the_history(last, first):
    start, end = plan_horizon(stamps_until(last), configured())
    assert shown(start) == first
    assert end - start == pd.Timedelta(7, unit="D")  # no clock change in June
    assert start > stamps_until(last)["interval_start"].max()


@pytest.mark.parametrize(
    ("first_day", "first"),
    [
        ("fri", "Fri 2025-06-27 00:00"),  # strictly after the last date, a Friday
        ("sat", "Sat 2025-06-21 00:00"),
        ("sun", "Sun 2025-06-22 00:00"),
        ("mon", "Mon 2025-06-23 00:00"),
        ("thu", "Thu 2025-06-26 00:00"),
    ],
)
def test_first_day_names_the_weekday_of_the_start(first_day, first):
    start, _ = plan_horizon(stamps_until("2025-06-20 23:00"), configured(first_day=first_day))
    assert shown(start) == first


@pytest.mark.parametrize(
    ("last", "minutes", "first_day", "first"),
    [
        ("2025-06-17 05:00", 60, "tue", "Tue 2025-06-24 00:00"),  # Tuesday ends at 06:00
        ("2025-06-17 05:00", 60, "wed", "Wed 2025-06-18 00:00"),
        ("2025-06-16 11:00", 60, "mon", "Mon 2025-06-23 00:00"),
        ("2025-06-16 23:00", 60, "tue", "Tue 2025-06-17 00:00"),  # Monday ends at midnight
        ("2025-06-17 00:00", 60, "tue", "Tue 2025-06-24 00:00"),  # Tuesday ends at 01:00
        ("2025-06-16 23:30", 30, "tue", "Tue 2025-06-17 00:00"),
        ("2025-06-17 00:00", 30, "tue", "Tue 2025-06-24 00:00"),  # Tuesday ends at 00:30
        ("2025-06-16 23:30", 15, "tue", "Tue 2025-06-17 00:00"),  # Monday ends at 23:45
        ("2025-06-16 23:45", 15, "tue", "Tue 2025-06-17 00:00"),
    ],
)
def test_a_partial_last_day_is_not_planned(last, minutes, first_day, first):
    history = stamps_until(last, minutes)
    start, end = plan_horizon(history, configured(minutes, first_day=first_day))
    assert shown(start) == first
    assert shown(end) == shown(start + pd.Timedelta(7, unit="D"))


def test_next_starts_right_after_the_last_interval():
    history = stamps_until("2025-06-20 13:00")
    start, end = plan_horizon(history, configured(first_day="next", horizon_days=3))
    assert start == history["interval_start"].max() + pd.Timedelta(1, unit="h")
    assert shown(start) == "Fri 2025-06-20 14:00"
    assert shown(end) == "Mon 2025-06-23 14:00"


def test_the_bundled_example_ends_on_a_sunday_and_is_planned_from_the_monday():
    history = load_example()
    config = PlanConfig.from_toml(load_example_config(), "example_plan.toml")
    assert config.forecast.first_day == "mon"
    assert config.forecast.start_date is None
    assert f"{history['interval_start'].max():%a %H:%M}" == "Sun 23:00"
    start, end = plan_horizon(history, config)
    assert (shown(start), shown(end)) == ("Mon 2025-11-10 00:00", "Mon 2025-11-17 00:00")


# -------------------------------------------------------------------------- start_date


def test_start_date_overrides_first_day():
    history = stamps_until("2025-06-20 23:00")
    config = configured(first_day="mon", start_date=datetime.date(2025, 7, 2), horizon_days=2)
    start, end = plan_horizon(history, config)
    assert (shown(start), shown(end)) == ("Wed 2025-07-02 00:00", "Fri 2025-07-04 00:00")
    config = configured(start_date=datetime.date(2025, 6, 21))  # the day after the history
    assert shown(plan_horizon(history, config)[0]) == "Sat 2025-06-21 00:00"


@pytest.mark.parametrize(
    ("last", "date"),
    [
        ("2025-06-20 23:00", datetime.date(2025, 6, 20)),  # the last date itself
        ("2025-06-20 23:00", datetime.date(2025, 6, 1)),  # inside the history
        ("2025-06-20 11:00", datetime.date(2025, 6, 20)),  # the partial last day
    ],
)
def test_a_start_date_not_after_the_history_is_refused(last, date):
    with pytest.raises(ConfigError, match=r"forecast\.start_date") as caught:
        plan_horizon(stamps_until(last), configured(start_date=date))
    assert str(date) in str(caught.value)
    assert "2025-06-20" in str(caught.value)  # the history's last date


def test_a_start_date_too_far_after_the_history_is_refused():
    history = stamps_until("2025-06-20 23:00")
    far = datetime.date(2025, 6, 20) + datetime.timedelta(days=367)
    with pytest.raises(ConfigError, match=r"forecast\.start_date: .* 366 days after it"):
        plan_horizon(history, configured(start_date=far))
    # a plan ending 366 days after the history is reached; one a day later is not
    reached = datetime.date(2025, 6, 20) + datetime.timedelta(days=366 - 6)
    _, end = plan_horizon(history, configured(start_date=reached))
    assert (end.tz_localize(None) - pd.Timestamp("2025-06-21")).days == 366
    with pytest.raises(ConfigError, match=r"forecast\.start_date: .* forecast reaches"):
        plan_horizon(history, configured(start_date=far - datetime.timedelta(days=1)))


def test_start_date_is_read_from_a_toml_date_and_first_day_is_checked():
    text = load_example_config().replace(
        'first_day = "mon"', 'first_day = "sun"\nstart_date = 2025-11-19'
    )
    settings = PlanConfig.from_toml(text, "plan.toml").forecast
    assert (settings.first_day, settings.start_date) == ("sun", datetime.date(2025, 11, 19))
    with pytest.raises(ConfigError, match=r"plan\.toml: forecast\.first_day"):
        PlanConfig.from_toml(load_example_config().replace('"mon"', '"monday"'), "plan.toml")


# -------------------------------------------------------------------------------- DST


def test_a_plan_week_across_the_spring_change_has_167_hourly_intervals():
    start, end = plan_horizon(stamps_until("2025-03-21 23:00"), configured())
    assert (shown(start), shown(end)) == ("Mon 2025-03-24 00:00", "Mon 2025-03-31 00:00")
    assert (end - start) / pd.Timedelta(1, unit="h") == 167
    days = plan_horizon(
        stamps_until("2025-03-21 23:00"), configured(start_date=datetime.date(2025, 3, 30))
    )
    assert shown(days[1]) == "Sun 2025-04-06 00:00"
    assert (days[1] - days[0]) / pd.Timedelta(1, unit="h") == 7 * 24 - 1


def test_only_a_plan_week_holding_the_autumn_change_has_169_hours():
    start, end = plan_horizon(stamps_until("2025-10-24 23:30", 30), configured(30))
    assert (shown(start), shown(end)) == ("Mon 2025-10-27 00:00", "Mon 2025-11-03 00:00")
    # the change (Sunday 26 October) falls in the gap, so this week has 168 hours
    assert (end - start) / pd.Timedelta(1, unit="h") == 168
    start, end = plan_horizon(
        stamps_until("2025-10-24 23:30", 30), configured(30, first_day="sat")
    )
    assert (end - start) / pd.Timedelta(30, unit="min") == 2 * 169


# ------------------------------------------------------------------------- end to end


def phone_history(last: str) -> pd.DataFrame:
    """Four weeks of one busy-by-day phone queue, hourly, in London."""
    frame = stamps_until(last, days=28)
    hours = frame["interval_start"].dt.hour
    rates = np.where((hours >= 8) & (hours < 20), 30, 2)
    return frame.assign(volume=np.random.default_rng(11).poisson(rates).astype(float))


def phone_config(**forecast) -> PlanConfig:
    """The fast example configuration with the phone queue only, without events."""
    config = fast_config(events=[], **forecast)
    service = config.service.model_copy(
        update={"channels": {"phone": config.service.channels["phone"]}}
    )
    return config.model_copy(update={"service": service})


def test_a_plan_from_a_friday_history_starts_on_monday_midnight():
    history = phone_history("2025-03-21 23:00")  # Friday; the clocks go forward on Sunday 30th
    config = phone_config()
    said: list[str] = []
    result = plan(history, config, progress=said.append)
    local = result.forecast["interval_start"].dt.tz_convert(TZ)
    assert f"{local.min():%a %H:%M}" == "Mon 00:00"
    assert f"{local.min():%Y-%m-%d}" == "2025-03-24"
    assert len(result.forecast) == 167
    for frame in (result.requirements, result.coverage, result.simulation):
        assert frame["interval_start"].min() == local.min()
        assert len(frame) == 167
    line = [m for m in said if m.startswith("forecast: plan horizon ")]
    assert line == [
        "forecast: plan horizon Mon 2025-03-24 00:00 to Mon 2025-03-31 00:00 (Europe/London, "
        "7 days; 2 days between the history and the plan are forecast but not planned)"
    ]
    # the planned rows are the forecast's own rows for those times, not shifted ones
    direct = Forecaster(model="seasonal_naive_week", calendar=config.service.calendar)
    direct = direct.fit(history).predict(horizon_days=9).reset_index()
    direct = direct[direct["interval_start"] >= local.min()].reset_index(drop=True)
    assert direct["interval_start"].equals(result.forecast["interval_start"])
    np.testing.assert_allclose(result.forecast["volume"], direct["volume"])


def test_a_bad_start_date_exits_2_naming_the_key(tmp_path):
    config = fast_config(start_date=datetime.date(2025, 11, 1))
    history, toml = write_plan_inputs(tmp_path, config)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["plan", str(history), "--config", str(toml), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert "forecast.start_date" in result.stderr
    assert "2025-11-01" in result.stderr  # the date
    assert "2025-11-09" in result.stderr  # the last date of the history
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (out / "summary.json").exists()
