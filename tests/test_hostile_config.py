"""Hostile plan configurations: refused before any work, one line naming the key, or accepted.

Every configuration is written to a TOML file (the fast example with one key changed) and run
through ``staffing plan --example --config F --out D`` in process. A refused configuration must
exit 2 with one line on stderr naming the file and the key, without a traceback, without
creating D and without starting the pipeline: the pipeline is replaced by a function that fails,
so a configuration error found only after forecasting fails these tests.
"""

from __future__ import annotations

import copy
import importlib
import math
import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from click.testing import CliRunner

from plan_fixtures import fast_config
from queueing_reference import erlang_c
from staffing.cli import main
from staffing.config import PlanConfig, load_config
from staffing.datasets import load_example_config
from staffing.errors import ConfigError
from staffing.requirements import Channel, requirements
from staffing.roster.rules import ShiftRules, rules_from_dict
from staffing.roster.solver import SolverOptions

BASE = fast_config().model_dump(mode="json", exclude_none=True)


@pytest.fixture(autouse=True)
def no_pipeline(monkeypatch):
    """Configuration errors come before any work: running the pipeline fails the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the pipeline ran: the configuration error came too late")

    monkeypatch.setattr(importlib.import_module("staffing.plan"), "plan", refuse)


def _plan(tmp_path: Path, text: str):
    config = tmp_path / "plan.toml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["plan", "--example", "--config", str(config), "--out", str(out), "--quiet"]
    return CliRunner().invoke(main, args), config, out


def _assert_refused(tmp_path: Path, text: str, *words: str) -> str:
    result, config, out = _plan(tmp_path, text)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(config) in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert not out.exists()
    return lines[0]


def _set(path: tuple, value) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


PHONE = ("service", "channels", "phone")
CHAT = ("service", "channels", "chat")
EARLY = ("roster", "shifts", 0)

# Each was accepted, hung, ended in a traceback or was found only after forecasting.
DEFECTS = {
    "aht-1e9": (_set((*PHONE, "aht_seconds"), 1e9), "service.channels.phone.aht_seconds"),
    "patience-1e9": (
        _set((*PHONE, "patience_seconds"), 1e9),
        "service.channels.phone.patience_seconds",
    ),
    "concurrency-1000": (_set((*CHAT, "concurrency"), 1000), "service.channels.chat.concurrency"),
    "cost-inf": (_set((*EARLY, "cost_per_hour"), math.inf), "roster.shifts[0].cost_per_hour"),
    "cost-1e12": (_set((*EARLY, "cost_per_hour"), 1e12), "roster.shifts[0].cost_per_hour"),
    "understaffing-inf": (
        _set(("roster", "understaffing_per_agent_interval"), math.inf),
        "roster.understaffing_per_agent_interval",
    ),
    "time-limit-inf": (
        _set(("roster", "solver", "time_limit_seconds"), math.inf),
        "roster.solver.time_limit_seconds",
    ),
    "solver-seed-negative": (_set(("roster", "solver", "seed"), -1), "roster.solver.seed"),
    "staff-to-missing-quantile": (_set(("service", "staff_to"), "q80"), "service.staff_to"),
    "unknown-time-zone": (_set(("history", "tz"), "Mars/Olympus"), "history.tz"),
    "roster-grid-coarser-than-plan": (
        _set(("history", "interval_minutes"), 30),
        "roster.interval_minutes",
    ),
    "unknown-model": (_set(("forecast", "model"), "prophet"), "forecast.model"),
    "duplicate-quantiles": (_set(("forecast", "quantiles"), [0.5, 0.5]), "forecast.quantiles"),
    "unknown-country": (_set(("forecast", "country"), "Narnia"), "forecast.country"),
    "event-multiplier-inf": (
        _set(("forecast", "events", 0, "multiplier"), math.inf),
        "forecast.events[0].multiplier",
    ),
    "handle-time-cv-1e6": (
        _set(("simulation", "handle_time_cv"), 1e6),
        "simulation.handle_time_cv",
    ),
    "simulation-seed-negative": (_set(("simulation", "seed"), -1), "simulation.seed"),
}


@pytest.mark.parametrize("case", DEFECTS)
def test_defective_configuration_is_refused_before_any_work(tmp_path, case):
    edit, key = DEFECTS[case]
    data = copy.deepcopy(BASE)
    edit(data)
    _assert_refused(tmp_path, tomli_w.dumps(data), key)


def test_staff_to_message_names_both_keys(tmp_path):
    data = copy.deepcopy(BASE)
    _set(("service", "staff_to"), "q80")(data)
    line = _assert_refused(tmp_path, tomli_w.dumps(data), "service.staff_to")
    assert "forecast.quantiles" in line
    assert "q10, q50, q90" in line


# The rest of the class list was already refused, naming the key (quantile-1.5 as
# "forecast: quantiles"): pinned so that it stays so.
CLASS_LIST = {
    "aht-0": (_set((*PHONE, "aht_seconds"), 0), "service.channels.phone.aht_seconds"),
    "aht-negative": (_set((*PHONE, "aht_seconds"), -5), "service.channels.phone.aht_seconds"),
    "aht-nan": (_set((*PHONE, "aht_seconds"), math.nan), "service.channels.phone.aht_seconds"),
    "patience-nan": (
        _set((*PHONE, "patience_seconds"), math.nan),
        "service.channels.phone.patience_seconds",
    ),
    "understaffing-nan": (
        _set(("roster", "understaffing_per_agent_interval"), math.nan),
        "roster.understaffing_per_agent_interval",
    ),
    "overstaffing-nan": (
        _set(("roster", "overstaffing_per_agent_interval"), math.nan),
        "roster.overstaffing_per_agent_interval",
    ),
    "service-level-0": (_set((*PHONE, "target"), "0/20"), "service.channels.phone.target"),
    "service-level-100": (_set((*PHONE, "target"), "100/20"), "service.channels.phone.target"),
    "service-level-1": (
        _set((*PHONE, "target"), {"service_level": 1.0, "within_seconds": 20}),
        "service.channels.phone.target.service_level",
    ),
    "shrinkage-1": (_set((*PHONE, "shrinkage"), 1.0), "service.channels.phone.shrinkage"),
    "occupancy-cap-0": (
        _set((*PHONE, "max_occupancy"), 0),
        "service.channels.phone.max_occupancy",
    ),
    "concurrency-0": (_set((*CHAT, "concurrency"), 0), "service.channels.chat.concurrency"),
    "deflection-1": (_set((*CHAT, "deflection"), 1.0), "service.channels.chat.deflection"),
    "tier-shares-not-1": (
        _set(("service", "channels", "email", "tiers", 2, "share"), 0.5),
        "service.channels.email.tiers",
    ),
    "band-ends-before-start": (
        _set((*PHONE, "bands", 1, "end"), "19:00"),
        "service.channels.phone.bands[1]",
    ),
    "shift-longer-than-24h": (_set((*EARLY, "length_hours"), 25), "roster.shifts[0].length_hours"),
    "break-longer-than-shift": (
        _set((*EARLY, "breaks", 0, "length_minutes"), 600),
        "roster.shifts[0]",
    ),
    "break-outside-shift": (
        _set(
            (*EARLY, "breaks", 0),
            {"length_minutes": 60, "earliest_after_minutes": 540, "latest_after_minutes": 540},
        ),
        "roster.shifts[0]",
    ),
    "time-limit-0": (
        _set(("roster", "solver", "time_limit_seconds"), 0),
        "roster.solver.time_limit_seconds",
    ),
    "unknown-solver": (_set(("roster", "solver", "solver"), "gurobi"), "roster.solver.solver"),
    "gap-1": (_set(("roster", "solver", "relative_gap"), 1.0), "roster.solver.relative_gap"),
    "horizon-0": (_set(("forecast", "horizon_days"), 0), "forecast.horizon_days"),
    "horizon-10000": (_set(("forecast", "horizon_days"), 10_000), "forecast.horizon_days"),
    "quantile-1.5": (_set(("forecast", "quantiles"), [0.1, 1.5]), "forecast.quantiles"),
    "event-ends-before-start": (
        _set(("forecast", "events", 0, "end"), "2025-10-13T00:00:00"),
        "forecast.events[0]",
    ),
}


@pytest.mark.parametrize("case", CLASS_LIST)
def test_configuration_class_list_is_refused_by_key(tmp_path, case):
    edit, key = CLASS_LIST[case]
    data = copy.deepcopy(BASE)
    edit(data)
    _assert_refused(tmp_path, tomli_w.dumps(data), key)


# ------------------------------------------------------------------- inf and nan anywhere


def _numeric_leaves(node, path=()):
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _numeric_leaves(value, (*path, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _numeric_leaves(value, (*path, k))


def _key_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


LEAVES = list(_numeric_leaves(BASE))


def test_every_number_of_the_example_is_visited():
    assert len(LEAVES) > 30
    assert ("roster", "shifts", 0, "cost_per_hour") in LEAVES


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize("path", LEAVES, ids=_key_path)
def test_inf_and_nan_anywhere_name_the_file_and_key(path, value):
    data = copy.deepcopy(BASE)
    _set(path, value)(data)
    text = tomli_w.dumps(data)
    with pytest.raises(ConfigError) as err:
        PlanConfig.from_toml(text, "plan.toml")
    message = str(err.value)
    assert message.startswith("plan.toml: ")
    key = _key_path(path)
    # a list of numbers (quantiles) is named by the list
    assert key in message or _key_path(path[:-1]) in message, message


def test_inf_through_the_cli_is_one_line(tmp_path):
    data = copy.deepcopy(BASE)
    _set((*PHONE, "aht_seconds"), math.inf)(data)
    text = tomli_w.dumps(data)
    assert "aht_seconds = inf" in text
    _assert_refused(tmp_path, text, "service.channels.phone.aht_seconds", "finite")


# --------------------------------------------------------------------- reading the file


def test_a_byte_order_mark_is_not_an_error(tmp_path):
    text = tomli_w.dumps(BASE)
    path = tmp_path / "plan.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_config(path) == PlanConfig.from_toml(text)
    assert PlanConfig.from_toml("\ufeff" + text) == load_config(path)


def test_from_toml_reads_a_path_and_refuses_a_file_name_as_text(tmp_path, monkeypatch):
    path = tmp_path / "plan.toml"
    path.write_text(load_example_config(), encoding="utf-8")
    assert PlanConfig.from_toml(path) == load_config(path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"'plan\.toml' is a file name.*load_config"):
        PlanConfig.from_toml("plan.toml")


# --------------------------------------------------------------- accepted, and correct


def test_zero_second_target_is_answered_without_waiting():
    """ "80/0" is a valid target: 80% answered at once, i.e. P(wait) = C(n, a) <= 0.2."""
    data = copy.deepcopy(BASE)
    _set((*PHONE, "target"), "80/0")(data)
    config = PlanConfig.from_toml(tomli_w.dumps(data))
    assert config.service.channels["phone"].target.within_seconds == 0
    stamps = pd.date_range("2025-06-02 09:00", periods=2, freq="30min", tz="Europe/London")
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "phone", "q50": [100.0, 30.0]})
    phone = Channel(aht_seconds=180, target="80/0")
    table = requirements(forecast, {"phone": phone})
    for load, agents, sl in zip([10.0, 3.0], table["agents"], table["service_level"], strict=True):
        expected = next(n for n in range(int(load) + 1, 100) if 1 - erlang_c(n, load) >= 0.8)
        assert agents == expected
        assert sl == pytest.approx(float(1 - erlang_c(agents, load)), rel=1e-12)


def test_shift_rules_refuse_infinite_costs_by_key():
    data = tomllib.loads(load_example_config())["roster"]
    data.pop("solver")
    data["shifts"][1]["cost_per_hour"] = math.inf
    with pytest.raises(ConfigError, match=r"shifts\.1\.cost_per_hour.*finite"):
        rules_from_dict(data, "shifts.toml")
    data["shifts"][1]["cost_per_hour"] = 20.0
    data["understaffing_per_agent_interval"] = math.nan
    with pytest.raises(ConfigError, match="understaffing_per_agent_interval"):
        rules_from_dict(data, "shifts.toml")
    assert isinstance(
        rules_from_dict({**data, "understaffing_per_agent_interval": 60}), ShiftRules
    )


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"time_limit_seconds": math.inf}, "time_limit_seconds"),
        ({"time_limit_seconds": math.nan}, "time_limit_seconds"),
        ({"relative_gap": math.nan}, "relative_gap"),
        ({"threads": 2.5}, "threads"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**40}, "seed"),
        ({"solver": "gurobi"}, "solver"),
        ({"msg": "yes"}, "msg"),
    ],
)
def test_solver_options_refuse_bad_values_by_name(options, key):
    with pytest.raises(ValueError, match=rf"^{key}:"):
        SolverOptions(**options)


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [
        ("simulate", "--cv", "nan"),
        ("simulate", "--cv", "11"),
        ("simulate", "--aht", "inf"),
        ("simulate", "--patience", "nan"),
        ("simulate", "--target", "-1"),
        ("roster", "--time-limit", "inf"),
        ("roster", "--gap", "nan"),
    ],
)
def test_numeric_options_of_other_commands_name_the_option(command, option, value, tmp_path):
    """nan, inf and out-of-range numbers stop at the option, before any file is read."""
    missing = str(tmp_path / "absent.csv")
    extra = {
        "simulate": ["--forecast", missing, "--aht", "300", "--target", "20", "--out", "o"],
        "roster": ["--rules", missing, "--out", "o"],
    }[command]
    args = [command, missing, *extra, option, value]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert option in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
