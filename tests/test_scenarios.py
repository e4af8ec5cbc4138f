"""Scenario sweeps: the grid, the overrides, and rows equal to the plans they stand for."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.errors import ConfigError
from staffing.plan import plan
from staffing.scenarios import (
    RESULT_COLUMNS,
    apply_overrides,
    expand_grid,
    scenario_config,
    scenarios,
)


@pytest.fixture(scope="module")
def history():
    return load_example()


@pytest.fixture(scope="module")
def sweep(history):
    """Three staff-to levels (q70 is not a forecast column) by two handle times."""
    grid = {"service.staff_to": ["q50", "q70", "q90"], "service.channels.*.aht_seconds": [
        "+0%", "x1.1"]}  # fmt: skip
    return scenarios(history, fast_config(risk=True, horizon_days=3), grid)


# ---------------------------------------------------------------------------- the grid


def test_expand_grid_is_every_combination_last_key_fastest():
    frame = expand_grid({"a.x": [1, 2], "b.y": ["p", "q", "r"]})
    assert frame["scenario"].tolist() == list(range(6))
    assert list(zip(frame["a.x"], frame["b.y"], strict=True)) == [
        (1, "p"), (1, "q"), (1, "r"), (2, "p"), (2, "q"), (2, "r")]  # fmt: skip


@settings(deadline=None)  # builds a frame: slow on a busy machine, and not what is tested
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_expand_grid_size_is_the_product_of_the_value_counts(sizes):
    grid = {f"k{i}.v": list(range(n)) for i, n in enumerate(sizes)}
    frame = expand_grid(grid)
    expected = 1
    for n in sizes:
        expected *= n
    assert len(frame) == expected
    assert not frame.drop(columns="scenario").duplicated().any()


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({}, "no scenarios"),
        ({"service.staff_to": []}, "non-empty list"),
        ({"service.staff_to": "q50"}, "non-empty list"),
        ({"staff_to": ["q50"]}, "dotted configuration path"),
        ([], "no scenarios"),
    ],
)
def test_expand_grid_refuses_what_it_cannot_use(grid, message):
    with pytest.raises(ConfigError, match=message):
        expand_grid(grid)


def test_relative_and_wildcard_overrides():
    data = {"s": {"c": {"a": {"aht": 300, "p": None}, "b": {"aht": 200, "p": 60.0}}}}
    assert apply_overrides(data, "s.c.*.aht", "-10%") == 2
    assert data["s"]["c"]["a"]["aht"] == pytest.approx(270.0)
    assert data["s"]["c"]["b"]["aht"] == pytest.approx(180.0)
    assert apply_overrides(data, "s.c.*.p", "x2") == 1  # an unset patience stays unset
    assert data["s"]["c"]["a"]["p"] is None
    assert data["s"]["c"]["b"]["p"] == 120.0
    assert apply_overrides(data, "s.c.a.aht", 100) == 1
    assert data["s"]["c"]["a"]["aht"] == 100


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("service.channels.fax.aht_seconds", 1, "no section 'service.channels.fax'"),
        ("service.channels.phone.aht", 1, "unknown setting 'aht'"),
        ("service.staff_to", "+10%", "changes a number"),
        ("service.channels.chat.patience_seconds", "x2", "no setting to change"),
    ],
)
def test_overrides_that_name_no_setting_are_refused(key, value, message):
    with pytest.raises(ConfigError, match=message):
        scenario_config(fast_config(), {key: value})


def test_history_keys_are_refused_before_any_work(history):
    with pytest.raises(ConfigError, match=r"grid: history\.interval_minutes: the history is read"):
        scenarios(history, fast_config(), {"history.interval_minutes": [30, 60]})


def test_an_invalid_value_names_the_scenario_and_the_key():
    with pytest.raises(ConfigError, match=r"deflection = 1\.5.*deflection"):
        scenario_config(fast_config(), {"service.channels.*.deflection": 1.5})


def test_scenario_config_adds_a_missing_staff_to_level_and_drops_blending():
    config = scenario_config(fast_config(blend=True, risk=True), {"service.staff_to": "q80"})
    assert config.service.staff_to == "q80"
    assert 0.8 in config.forecast.quantiles
    assert config.blending is None
    assert config.risk.staff_to_levels == ()


# ---------------------------------------------------------------------------- the sweep


def test_the_table_is_tidy_scenario_by_queue(sweep):
    keys = ["service.staff_to", "service.channels.*.aht_seconds"]
    assert list(sweep.table.columns) == ["scenario", *keys, "queue", *RESULT_COLUMNS]
    assert len(sweep.table) == 6 * 3
    assert sweep.table.groupby("scenario")["queue"].apply(list).map(tuple).nunique() == 1
    assert sweep.forecasts == 1  # neither key changes the forecast: made once per queue
    assert (sweep.table["forecast"] == 0).all()
    live = sweep.table[sweep.table["queue"] != "email"]
    assert live["service_level"].between(0, 1).all()
    assert live["p_meet"].between(0, 1).all()
    assert sweep.table.loc[sweep.table["queue"] == "email", "service_level"].isna().all()


def test_a_scenario_row_is_the_plan_of_its_configuration(history, sweep):
    for staff_to in ("q50", "q90"):
        overrides = {"service.staff_to": staff_to, "service.channels.*.aht_seconds": "x1.1"}
        config = scenario_config(fast_config(risk=True, horizon_days=3), overrides)
        result = plan(history, config)
        summary = result.summary()["queues"]
        rows = sweep.table[
            (sweep.table["service.staff_to"] == staff_to)
            & (sweep.table["service.channels.*.aht_seconds"] == "x1.1")
        ].set_index("queue")
        for queue, numbers in summary.items():
            assert rows.loc[queue, "paid_hours"] == numbers["paid_hours"]
            assert rows.loc[queue, "cost"] == numbers["cost"]
            simulated = (numbers.get("simulated") or {}).get("service_level")
            if simulated is not None:
                assert rows.loc[queue, "service_level"] == simulated
                assert rows.loc[queue, "p_meet"] == numbers["risk"]["p_meet"]


def test_a_quantile_the_forecast_lacks_matches_the_plans_trade_off(history, sweep):
    # the plan's risk trade-off staffs to q70 from the same predictive distribution
    config = fast_config(risk=True, horizon_days=3)
    config = config.model_copy(
        update={"risk": config.risk.model_copy(update={"staff_to_levels": (0.5, 0.7)})}
    )
    tradeoff = plan(history, config).tradeoff.set_index(["queue", "staff_to"])
    rows = sweep.table[
        (sweep.table["service.staff_to"] == "q70")
        & (sweep.table["service.channels.*.aht_seconds"] == "+0%")
    ].set_index("queue")
    for queue in ("phone", "chat"):
        assert rows.loc[queue, "paid_hours"] == tradeoff.loc[(queue, "q70"), "paid_hours"]
        assert rows.loc[queue, "p_meet"] == tradeoff.loc[(queue, "q70"), "p_meet"]


def test_more_staff_costs_more(sweep):
    totals = sweep.totals().set_index(["service.staff_to", "service.channels.*.aht_seconds"])
    for aht in ("+0%", "x1.1"):
        costs = [totals.loc[(q, aht), "cost"] for q in ("q50", "q70", "q90")]
        assert costs == sorted(costs)
    for staff_to in ("q50", "q70", "q90"):
        assert totals.loc[(staff_to, "x1.1"), "paid_hours"] > totals.loc[
            (staff_to, "+0%"), "paid_hours"]  # fmt: skip


def test_a_forecast_setting_makes_a_second_forecast(history):
    grid = {"forecast.model": ["seasonal_naive_week", "glm"], "service.staff_to": ["q50", "q90"]}
    sweep = scenarios(history, fast_config(horizon_days=2), grid)
    assert sweep.forecasts == 2
    by_model = sweep.table.groupby("forecast.model")["forecast"].unique()
    assert sorted(len(v) for v in by_model) == [1, 1]
    assert by_model["glm"][0] != by_model["seasonal_naive_week"][0]
    contacts = sweep.table.groupby(["forecast.model", "queue"])["forecast_contacts"].nunique()
    assert (contacts == 1).all()


def test_totals_weight_service_by_staffed_contacts(sweep):
    totals = sweep.totals().set_index("scenario")
    for scenario, part in sweep.table.groupby("scenario"):
        live = part.dropna(subset=["service_level"])
        weighted = (live["service_level"] * live["staffed_contacts"]).sum()
        assert totals.loc[scenario, "service_level"] == pytest.approx(
            weighted / live["staffed_contacts"].sum()
        )
        assert totals.loc[scenario, "paid_hours"] == part["paid_hours"].sum()
        assert totals.loc[scenario, "meets_all"] == bool(live["meets_target"].all())


def test_plot_draws_every_scenario(sweep):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = sweep.plot()
    points = sum(len(c.get_offsets()) for c in ax.collections)
    assert points >= len(sweep.scenarios)
    assert ax.get_xlabel() == "cost"
    plt.close(ax.figure)


def test_write_never_overwrites_without_force(sweep, tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError, match="force"):
        sweep.write(path)
    assert path.read_text(encoding="utf-8") == "keep me"
    sweep.write(path, force=True)
    assert len(pd.read_csv(path)) == len(sweep.table)


def test_cluster_sweep_equals_in_process(history, dask_client):
    grid = [{"service.staff_to": "q50"}, {"service.channels.*.deflection": 0.3}]
    expected = scenarios(history, fast_config(horizon_days=2), grid)
    actual = scenarios(history, fast_config(horizon_days=2), grid, client=dask_client)
    pd.testing.assert_frame_equal(expected.table, actual.table)
    assert expected.table["service.staff_to"].isna().tolist() == [False] * 3 + [True] * 3
