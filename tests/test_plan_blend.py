"""The plan with skill groups: the joint roster, both simulations, the saving and the files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.plan import plan


def blend_config(**blending):
    config = fast_config(blend=True)
    solver = config.roster.solver.model_copy(update={"time_limit_seconds": 10})
    return config.model_copy(
        update={
            "roster": config.roster.model_copy(update={"solver": solver}),
            "blending": config.blending.model_copy(update=blending),
        }
    )


@pytest.fixture(scope="module")
def blended():
    return plan(load_example(), blend_config())


def test_the_blend_is_compared_with_separate_rosters_by_the_same_simulation(blended):
    blend = blended.blend
    assert list(blend.totals["roster"]) == ["separate", "blended"]
    scopes = set(
        zip(blend.service["roster"], blend.service["channel"], blend.service["tier"], strict=True)
    )
    for side in ("separate", "blended"):
        assert {(side, "phone", ""), (side, "chat", "")} <= scopes
        assert {(side, "email", t) for t in ("P1", "P2", "P3")} <= scopes
    # the separate side's paid hours are the plan's own rosters'
    separate = blend.totals.set_index("roster").loc["separate"]
    assert separate["paid_hours"] == pytest.approx(
        (blended.roster["agents"] * _paid(blended)).sum()
    )
    saving = blend.saving()
    assert saving["paid_hours"] == pytest.approx(
        separate["paid_hours"] - blend.totals.set_index("roster").loc["blended", "paid_hours"]
    )


def _paid(result) -> pd.Series:
    by_name = {s.name: s.paid_hours for s in result.config.roster.shifts}
    return result.roster["shift"].map(by_name)


def test_the_joint_roster_serves_email_only_from_the_blended_group(blended):
    blend = blended.blend
    assert set(blend.roster["group"]) <= {"phone", "chat", "phone+email"}
    work = blend.coverage.groupby("group")["deferred_work"].sum()
    assert work.get("phone", 0.0) == 0.0
    assert work.get("chat", 0.0) == 0.0
    # all the e-mail work due in the horizon is planned (done or late)
    assert blend.deferred["done"].sum() > 0
    # nobody is counted twice: live agents of a group fit in the group's agents on duty
    cov = blend.coverage
    assert (cov["live"] <= cov["scheduled"] + 1e-6).all()


def test_every_simulated_item_is_accounted_for(blended):
    for result in blended.blend.simulated.values():
        table = result.deferred
        assert np.allclose(table["arrived"], table["done"] + table["outstanding_end"])


def test_the_files_summary_and_report_show_the_blend(blended, tmp_path):
    out = blended.write(tmp_path / "out")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    part = summary["blending"]
    assert [row["roster"] for row in part["totals"]] == ["separate", "blended"]
    assert {g["group"] for g in part["groups"]} <= {"phone", "chat", "phone+email"}
    table = pd.read_csv(out / "blend.csv")
    paid = table[(table["metric"] == "paid_hours")].set_index("roster")["mean"]
    assert paid.to_dict() == pytest.approx({r["roster"]: r["paid_hours"] for r in part["totals"]})
    roster = pd.read_csv(out / "blend_roster.csv")
    assert list(roster.columns[:1]) == ["group"]
    assert len(roster) == len(blended.blend.roster)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="blending"' in page
    for row in part["totals"]:
        assert f"{row['paid_hours']:,.1f}" in page


def test_without_the_comparison_only_the_joint_roster_is_built():
    result = plan(load_example(), blend_config(compare_separate=False))
    assert result.roster.empty
    assert result.coverage.empty
    assert list(result.blend.totals["roster"]) == ["blended"]
    assert result.blend.saving() == {}
    assert set(result.blend.service["roster"]) == {"blended"}


def test_a_plan_without_groups_writes_empty_blend_files(tmp_path):
    config = fast_config()
    config = config.model_copy(
        update={"simulation": config.simulation.model_copy(update={"enabled": False})}
    )
    result = plan(load_example(), config)
    assert result.blend is None
    out = result.write(tmp_path / "out")
    assert pd.read_csv(out / "blend.csv").empty
    assert "blending" not in json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_a_tier_no_group_can_reach_in_time_stops_the_cli_with_exit_2(tmp_path):
    from click.testing import CliRunner

    from plan_fixtures import write_plan_inputs
    from staffing.cli import main

    config = blend_config()
    groups = tuple(
        g.model_copy(update={"shifts": ("early",)}) if "email" in g.channels else g
        for g in config.blending.groups
    )
    config = config.model_copy(
        update={"blending": config.blending.model_copy(update={"groups": groups})}
    )
    history, toml = write_plan_inputs(tmp_path, config)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["plan", str(history), "--config", str(toml), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert "service.channels.email.tiers (P1): no group serving 'email'" in result.output
    assert "['phone+email']" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_group_that_is_its_channels_own_team_shares_the_separate_roster(blended):
    blend = blended.blend
    assert blend.solver["reused_groups"] == ["chat"]
    joint = blend.roster[blend.roster["group"] == "chat"].drop(
        columns=["group", "paid_hours", "cost"]
    )
    separate = blended.roster[blended.roster["queue"] == "chat"].drop(columns="queue")
    pd.testing.assert_frame_equal(
        joint.reset_index(drop=True), separate.reset_index(drop=True), check_like=True
    )
    service = blend.service[blend.service["channel"] == "chat"].set_index("roster")["mean"]
    assert service["separate"] == service["blended"]
