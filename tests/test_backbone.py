"""One backbone: the grid, the calendar and the targets decided once and carried forward.

Each test pins one way the steps used to disagree: the simulation judged every interval against
the channel's default target, ``requirements`` dropped the calendar and ``staff_to`` of a
``ServiceTargets``, an unnamed single queue only fitted ``[service.channels.all]``, and a typo'd
key was reported only as the missing key.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from plan_fixtures import fast_config, write_plan_inputs
from staffing.calendar import Calendar
from staffing.cli import main
from staffing.config import PlanConfig
from staffing.datasets import load_example
from staffing.errors import ConfigError
from staffing.plan import check_history, plan
from staffing.requirements import requirements
from staffing.targets import ServiceTargets

TZ = "Europe/London"
PLAN_MODULE = importlib.import_module("staffing.plan")  # staffing.plan is also the function


def banded_config() -> PlanConfig:
    """The fast example configuration: phone bands (holiday, evening, night), email tiers."""
    return fast_config(horizon_days=3)


def expected_phone_band(local: pd.Timestamp, holidays: set) -> tuple[str, float, float]:
    """The phone band of the example configuration, derived independently of the code."""
    if local.date() in holidays:
        return "holiday", 0.7, 60.0
    if local.hour >= 20:
        return "evening", 0.6, 60.0
    return "default", 0.8, 20.0


@pytest.fixture(scope="module")
def banded_plan(tmp_path_factory) -> Path:
    """``staffing plan`` run on the example with its bands and tiers, written to disk."""
    root = tmp_path_factory.mktemp("banded")
    history, config = write_plan_inputs(root, banded_config())
    args = ["plan", str(history), "--config", str(config)]
    result = CliRunner().invoke(main, [*args, "--out", str(root / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    return root / "out"


def test_the_simulation_judges_each_interval_by_its_own_band(banded_plan):
    sim = pd.read_csv(banded_plan / "simulation.csv")
    phone = sim[sim["queue"] == "phone"].reset_index(drop=True)
    local = pd.to_datetime(phone["interval_start"], utc=True).dt.tz_convert(TZ)
    holidays = Calendar(country="GB", subdiv="ENG").holidays({2025, 2026})
    expected = [expected_phone_band(t, holidays) for t in local]
    open_rows = phone["open"].astype(bool).to_numpy()
    night = (local.dt.hour < 7).to_numpy() & np.array([e[0] != "holiday" for e in expected])
    assert (~open_rows == night).all()  # the closed night
    assert (phone.loc[~open_rows, "target"] == "closed").all()
    assert phone.loc[~open_rows, "target_service_level"].isna().all()
    for column, k in (("band", 0), ("target_service_level", 1), ("target_within_seconds", 2)):
        want = [e[k] for e, o in zip(expected, open_rows, strict=True) if o]
        assert phone.loc[open_rows, column].tolist() == want, column
    evening = open_rows & (local.dt.hour >= 20).to_numpy()
    assert evening.sum() >= 3 * 4 - 1
    assert (phone.loc[evening, "target_seconds"] == 60.0).all()
    # "met" is the interval's own target, not the channel's default 80/20
    judged = phone["meets_target"].notna() & (phone["offered"] > 0)
    own = phone.loc[judged, "service_level"] >= phone.loc[judged, "target_service_level"] - 1e-12
    assert (phone.loc[judged, "meets_target"].astype(bool) == own).all()


def test_summary_and_report_show_each_bands_target(banded_plan):
    summary = json.loads((banded_plan / "summary.json").read_text())
    phone = summary["queues"]["phone"]
    planned = {entry["band"]: entry["target"] for entry in phone["targets"]}
    assert planned == {"default": "80% in 20 s", "evening": "60% in 60 s"} or planned == {
        "default": "80% in 20 s",
        "evening": "60% in 60 s",
        "holiday": "70% in 60 s",
    }
    bands = phone["simulated"]["bands"]
    assert bands["evening"]["target"] == "60% in 60 s"
    assert bands["evening"]["target_service_level"] == 0.6
    assert (
        sum(b["intervals_below_target"] for b in bands.values())
        == (phone["simulated"]["intervals_below_target"])
    )
    email = {entry["tier"]: entry["target"] for entry in summary["queues"]["email"]["targets"]}
    assert email == {"P1+P2+P3": "P1 response 2 h; P2 response 8 h; P3 response 24 h"}
    page = (banded_plan / "report.html").read_text(encoding="utf-8")
    calendar = summary["horizon"]["calendar"]
    assert calendar["country"] == "GB"
    assert calendar["weekend"] == ["sat", "sun"]
    assert "Calendar: weekend sat, sun; public holidays of GB/ENG;" in page
    row = re.search(
        r'<tr data-band="evening"><td class="text">evening</td><td class="text">([^<]+)</td>', page
    )
    assert row is not None
    assert row.group(1) == "60% in 60 s"


def forecast_frame(start: str, days: int, volume: float = 100.0) -> pd.DataFrame:
    stamps = pd.date_range(start, periods=24 * days, freq="h", tz="Asia/Jerusalem")
    return pd.DataFrame(
        {
            "interval_start": stamps,
            "queue": "phone",
            "q50": volume,
            "q90": 2 * volume,
        }
    )


def test_requirements_honour_the_calendar_and_staff_to_of_service_targets():
    service = ServiceTargets.model_validate(
        {
            "staff_to": "q90",
            "calendar": {"weekend": ["fri", "sat"]},
            "channels": {
                "phone": {
                    "aht_seconds": 180,
                    "target": "80/20",
                    "bands": [{"name": "weekend", "days": ["weekend"], "closed": True}],
                }
            },
        }
    )
    # 2025-06-05 is a Thursday: Thu open, Fri and Sat closed, Sun open
    table = requirements(forecast_frame("2025-06-05", 4), service)
    local = table["interval_start"].dt.tz_convert("Asia/Jerusalem")
    closed = local.dt.day_name().isin(["Friday", "Saturday"]).to_numpy()
    assert (table["open"].to_numpy() == ~closed).all()
    assert (table.loc[closed, "band"] == "weekend").all()
    assert (table["volume_staffed"] == 200.0).all()  # q90, not q50
    # an explicit keyword still overrides the ServiceTargets' choice
    table = requirements(forecast_frame("2025-06-05", 4), service, staff_to="q50")
    assert (table["volume_staffed"] == 100.0).all()


def test_requirements_refuse_a_calendar_given_twice():
    service = ServiceTargets.model_validate(
        {"channels": {"phone": {"aht_seconds": 180, "target": "80/20"}}}
    )
    with pytest.raises(ValueError, match="either calendar or country"):
        requirements(forecast_frame("2025-06-05", 1), service, calendar=Calendar(), country="GB")


def one_channel_config() -> PlanConfig:
    config = fast_config(horizon_days=2)
    service = config.service.model_copy(
        update={"channels": {"phone": config.service.channels["phone"]}}
    )
    return config.model_copy(update={"service": service})


def unnamed_history() -> pd.DataFrame:
    history = load_example()
    phone = history[history["queue"] == "phone"]
    return phone.assign(queue="all").reset_index(drop=True)


def test_an_unnamed_single_queue_is_planned_as_the_only_channel():
    said: list[str] = []
    result = plan(unnamed_history(), one_channel_config(), progress=said.append)
    assert result.queues == ["phone"]
    assert any("planned as channel 'phone'" in line for line in said)
    assert set(result.simulation["queue"]) == {"phone"}


def test_an_unnamed_queue_with_several_channels_fails_before_the_forecast(monkeypatch):
    def no_forecast(*_args, **_kwargs):
        raise AssertionError("the forecast ran before the configuration was checked")

    monkeypatch.setattr(PLAN_MODULE, "_forecast", no_forecast)
    with pytest.raises(ConfigError, match=r"service\.channels: the history has one unnamed"):
        plan(unnamed_history(), fast_config(horizon_days=2))


def test_a_queue_without_a_channel_fails_before_the_forecast(monkeypatch):
    monkeypatch.setattr(PLAN_MODULE, "_forecast", lambda *a, **k: pytest.fail("forecast ran"))
    history = unnamed_history().assign(queue="sales")
    with pytest.raises(ConfigError, match=r"\[service\.channels\.sales\]"):
        plan(history, one_channel_config())


def test_gaps_of_the_history_are_reported():
    history = load_example()
    phone = history[history["queue"] == "phone"].reset_index(drop=True)
    stamps = phone["interval_start"].dt.tz_convert(TZ)
    gone = (stamps >= pd.Timestamp("2025-09-01", tz=TZ)) & (
        stamps < pd.Timestamp("2025-09-03", tz=TZ)
    )
    from staffing.io import read_history

    frame = read_history(phone[~gone.to_numpy()], tz=TZ)
    said: list[str] = []
    check_history(frame, one_channel_config(), said.append)
    assert any("1 gap(s), 48 intervals without data" in line for line in said), said
    assert any("2025-09-01 00:00 to 2025-09-03 00:00" in line for line in said), said


def test_naive_history_without_a_zone_names_the_history_tz_key(tmp_path, monkeypatch):
    monkeypatch.setattr(PLAN_MODULE, "_forecast", lambda *a, **k: pytest.fail("forecast ran"))
    stamps = pd.date_range("2025-01-06", periods=24 * 21, freq="h")
    path = tmp_path / "naive.csv"
    pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M"), "count": 3}).to_csv(
        path, index=False
    )
    config = one_channel_config()
    config = config.model_copy(update={"history": config.history.model_copy(update={"tz": None})})
    with pytest.raises(ValueError, match=r"\[history\] tz"):
        plan(path, config)


def test_a_typo_reports_the_unknown_key_and_the_close_match():
    data = one_channel_config().model_dump(mode="json", exclude_none=True)
    phone = data["service"]["channels"]["phone"]
    phone["aht_second"] = phone.pop("aht_seconds")
    with pytest.raises(ConfigError) as caught:
        PlanConfig.from_dict(data, "plan.toml")
    message = str(caught.value)
    assert "service.channels.phone.aht_second: unknown key (did you mean 'aht_seconds'?)" in (
        message
    )
    assert "service.channels.phone.aht_seconds: missing required key" in message
    assert message.index("unknown key") < message.index("missing required key")


def test_band_targets_flow_into_requirements_columns():
    config = banded_config()
    stamps = pd.date_range("2025-12-24 18:00", periods=8, freq="h", tz=TZ)  # into Christmas
    frame = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": 40.0})
    own = config.service.model_copy(
        update={"channels": {"phone": config.service.channels["phone"]}}
    )
    table = requirements(frame, own)
    # the holiday band comes first in the example, so it also opens Christmas night
    assert table["band"].tolist() == ["default", "default", "evening", "evening", "evening",
                                      "evening", "holiday", "holiday"]  # fmt: skip
    assert table["day_type"].tolist()[-3:] == ["weekday", "holiday", "holiday"]
    assert table["open"].all()
    assert table.loc[2, "target_within_seconds"] == 60.0
    assert table.loc[7, "target_service_level"] == 0.7
    assert table.loc[0, "target_max_occupancy"] == pytest.approx(0.88)


def test_the_summary_names_the_holidays_of_the_plan_and_their_band():
    stamps = pd.date_range("2025-11-23", "2025-12-22 23:00", freq="h", tz=TZ)
    busy = (stamps.hour >= 8) & (stamps.hour < 20)
    volume = np.random.default_rng(3).poisson(np.where(busy, 30, 2))
    history = pd.DataFrame({"interval_start": stamps, "queue": "phone", "volume": volume})
    config = one_channel_config()
    config = config.model_copy(
        update={
            "forecast": config.forecast.model_copy(
                update={"horizon_days": 5, "first_day": "next"}  # from Tue 23 Dec
            )
        }
    )
    result = plan(history, config)
    summary = result.summary()
    assert summary["horizon"]["calendar"]["holidays_in_horizon"] == ["2025-12-25", "2025-12-26"]
    christmas = result.requirements["interval_start"].dt.strftime("%m-%d").isin(["12-25", "12-26"])
    assert (result.requirements.loc[christmas, "band"] == "holiday").all()
    assert (result.requirements.loc[~christmas, "band"] != "holiday").all()
