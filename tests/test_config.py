"""The plan configuration: the shipped example, unknown keys, impossible targets."""

from __future__ import annotations

import tomllib

import pytest

from staffing.config import PlanConfig, load_config
from staffing.datasets import load_example_config
from staffing.errors import ConfigError


@pytest.fixture
def example() -> dict:
    return tomllib.loads(load_example_config())


def test_example_config_is_valid_and_covers_every_section(example):
    config = PlanConfig.from_dict(example, "example_plan.toml")
    assert set(example) == set(PlanConfig.model_fields)
    assert config.service.channels["chat"].concurrency == 2
    assert config.service.channels["email"].kind == "deferred"
    assert [t.name for t in config.service.channels["email"].tiers] == ["P1", "P2", "P3"]
    assert config.roster.solver.solver == "highs"


def test_example_config_sets_every_documented_key(example):
    """Every field of every section model appears in the example (no undocumented keys)."""
    sections = {
        "history": PlanConfig.model_fields["history"].annotation,
        "forecast": PlanConfig.model_fields["forecast"].annotation,
        "simulation": PlanConfig.model_fields["simulation"].annotation,
    }
    # column names are detected; the forecast's own holidays default to [service.calendar];
    # forecast.start_date is shown commented out (it would override first_day)
    optional_columns = {
        "timestamp_column",
        "count_column",
        "queue_column",
        "country",
        "subdiv",
        "start_date",
    }
    for name, model in sections.items():
        missing = set(model.model_fields) - set(example[name]) - optional_columns
        assert not missing, f"[{name}] lacks {missing}"
    roster_keys = set(PlanConfig.model_fields["roster"].annotation.model_fields)
    assert roster_keys <= set(example["roster"])


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda c: c.update(colour="red"), "colour"),
        (lambda c: c["forecast"].update(horizon="7"), "forecast.horizon"),
        (lambda c: c["service"]["channels"]["phone"].update(aht_secs=300), "aht_secs"),
        (lambda c: c["roster"]["solver"].update(solver="gurobi"), "roster.solver.solver"),
        (lambda c: c["simulation"].update(replications=1), "simulation.replications"),
    ],
)
def test_unknown_or_invalid_keys_are_named(example, change, key):
    change(example)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")) as err:
        PlanConfig.from_dict(example, "plan.toml")
    assert str(err.value).startswith("plan.toml")


@pytest.mark.parametrize("target", ["100/0", "100/20", "0/20"])
def test_impossible_service_levels_are_rejected(example, target):
    example["service"]["channels"]["phone"]["target"] = target
    with pytest.raises(ConfigError, match="phone"):
        PlanConfig.from_dict(example, "plan.toml")


def test_load_config_names_the_file(tmp_path):
    bad = tmp_path / "plan.toml"
    bad.write_text("[forecast\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plan\.toml: not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")


def test_events_must_end_after_they_start(example):
    example["forecast"]["events"][0]["end"] = example["forecast"]["events"][0]["start"]
    with pytest.raises(ConfigError, match=r"forecast\.events"):
        PlanConfig.from_dict(example, "plan.toml")
