"""The plan's risk check and trade-off: wiring, summary, outputs, and a direct Monte-Carlo.

The direct Monte-Carlo rebuilds the phone queue's risk from the plan's own files alone
(coverage, requirements, forecast, the chosen model's dispersion pair): it draws each week's
volume factors with its own generator, simulates one replication per draw with plain
:func:`staffing.simulate.simulate`, and judges the weekly service level against the weekly
target weighted by expected contacts. P(meet) in ``summary.json`` must agree with it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.plan import OUTPUT_FILES, plan, write_plan
from staffing.simulate import simulate
from staffing.tradeoff import RISK_COLUMNS, TRADEOFF_COLUMNS

REPLICATIONS = 300


@pytest.fixture(scope="module")
def planned():
    config = fast_config(risk=True, horizon_days=2)
    config = config.model_copy(
        update={
            "risk": config.risk.model_copy(
                update={"replications": REPLICATIONS, "staff_to_levels": (0.5,)}
            )
        }
    )
    return plan(load_example(), config)


def test_risk_and_tradeoff_frames_cover_each_live_queue(planned) -> None:
    assert list(planned.risk.columns) == RISK_COLUMNS
    assert list(planned.tradeoff.columns) == TRADEOFF_COLUMNS
    assert sorted(set(planned.risk["queue"])) == ["chat", "phone"]  # e-mail is deferred
    assert set(planned.risk["staff_to"]) == {"q50"}
    counts = planned.risk.groupby("queue").size()
    assert (counts == REPLICATIONS).all()
    for row in planned.tradeoff.itertuples():
        mine = planned.risk[planned.risk["queue"] == row.queue]
        assert row.p_meet == pytest.approx(mine["met"].mean())
        assert row.p_meet_low <= row.p_meet <= row.p_meet_high
        assert row.reused  # staffed to the plan's own column: its roster, not a new one
        solver = planned.solver.set_index("queue").loc[row.queue]
        assert row.cost == pytest.approx(solver["cost"])
        assert row.paid_hours == pytest.approx(solver["paid_hours"])


def test_summary_risk_is_the_tradeoff_row_of_the_plan(planned) -> None:
    summary = json.loads(json.dumps(planned.summary()))
    for queue in ("chat", "phone"):
        risk = summary["queues"][queue]["risk"]
        row = planned.tradeoff[planned.tradeoff["queue"] == queue].iloc[0]
        assert risk["p_meet"] == pytest.approx(row["p_meet"], abs=1e-4)
        assert risk["replications"] == REPLICATIONS
        levels = planned.risk[planned.risk["queue"] == queue]["service_level"]
        assert risk["service_level"]["p50"] == pytest.approx(levels.median(), abs=1e-4)
    assert summary["queues"]["email"].get("risk") in (None, {})


def test_the_plan_writes_risk_tradeoff_and_schedule(planned, tmp_path) -> None:
    pytest.importorskip("openpyxl")
    out = write_plan(planned, tmp_path / "plan")
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    risk = pd.read_csv(out / "risk.csv")
    assert list(risk.columns) == RISK_COLUMNS
    assert len(risk) == len(planned.risk)
    tradeoff = pd.read_csv(out / "tradeoff.csv")
    assert tradeoff["p_meet"].tolist() == pytest.approx(planned.tradeoff["p_meet"].tolist())


def test_without_risk_the_frames_are_empty_with_their_columns() -> None:
    result = plan(load_example(), fast_config(horizon_days=1))
    assert result.risk.empty
    assert list(result.risk.columns) == RISK_COLUMNS
    assert list(result.tradeoff.columns) == TRADEOFF_COLUMNS
    assert "risk" not in result.timings


def test_p_meet_agrees_with_a_direct_monte_carlo_of_the_plan(planned) -> None:
    """Phone: Erlang A with patience, two bands (80/20 and 60/60 in the evening), closed nights."""
    queue = "phone"
    config = planned.config
    channel = config.service.channels[queue]
    need = planned.requirements[planned.requirements["queue"] == queue].reset_index(drop=True)
    stamps = pd.DatetimeIndex(need["interval_start"])
    coverage = planned.coverage[planned.coverage["queue"] == queue].set_index("interval_start")
    scheduled = coverage["scheduled"].reindex(stamps, fill_value=0).to_numpy(float)
    agents = np.floor(scheduled * (1 - need["shrinkage"].to_numpy(float)) + 1e-9).astype(int)
    mean = (
        planned.forecast[planned.forecast["queue"] == queue]
        .set_index("interval_start")["volume"]
        .reindex(stamps)
        .to_numpy(float)
    )
    is_open = need["open"].to_numpy(bool)
    offered = np.where(is_open, mean, 0.0)
    goal = need["target_service_level"].to_numpy(float)
    within = need["target_within_seconds"].to_numpy(float)
    judged = is_open & np.isfinite(goal)
    weekly_goal = float((goal[judged] * offered[judged]).sum() / offered[judged].sum())

    chosen = planned.model_selection
    chosen = chosen[(chosen["queue"] == queue) & chosen["selected"].astype(bool)].iloc[0]
    alpha, level = float(chosen["dispersion"]), float(chosen["level_dispersion"])
    within_week = (1 + alpha) / (1 + level) - 1  # the interval part of the dispersion
    rng = np.random.default_rng(7)
    staffing = pd.DataFrame({"interval_start": stamps, "agents": agents})
    meets = 0
    for k in range(REPLICATIONS):
        week = rng.gamma(1 / level, level) if level > 0 else 1.0
        own = rng.gamma(1 / within_week, within_week, len(stamps)) if within_week > 0 else 1.0
        forecast = pd.DataFrame({"interval_start": stamps, "volume": offered * week * own})
        raw = simulate(
            staffing,
            forecast,
            aht_seconds=channel.aht_seconds,
            target_seconds=np.where(judged, within, np.nan),
            patience_seconds=channel.patience_seconds,
            handle_time=config.simulation.handle_time,
            cv=config.simulation.handle_time_cv,
            interval_minutes=60,
            replications=1,
            seed=10_000 + k,
        ).replications
        rows = raw[raw["target_seconds"].notna()]
        level_k = rows["answered_within_target"].sum() / rows["offered"].sum()
        meets += int(level_k >= weekly_goal - 1e-9)
    direct = meets / REPLICATIONS
    row = planned.tradeoff[planned.tradeoff["queue"] == queue].iloc[0]
    assert row["target_service_level"] == pytest.approx(weekly_goal, abs=1e-9)
    pooled = (direct + row["p_meet"]) / 2
    se = math.sqrt(max(pooled * (1 - pooled), 0.01) * 2 / REPLICATIONS)
    assert abs(row["p_meet"] - direct) <= 4 * se, (row["p_meet"], direct, se)


def test_a_tradeoff_roster_far_from_optimal_is_retried_then_left_out(monkeypatch) -> None:
    """A trade-off solve that ends far from its bound (a time limit hit before any good roster)
    is solved again with three times the time, then left out rather than compared."""
    import staffing.tradeoff as tradeoff

    real = tradeoff.build_rosters
    limits = []

    def poor(own, variant, grid, say):
        limits.append(variant.roster.solver.time_limit_seconds)
        rosters = list(real(own, variant, grid, say))
        rosters[2] = rosters[2].assign(gap=0.67)  # the solver frame
        return tuple(rosters)

    monkeypatch.setattr(tradeoff, "build_rosters", poor)
    config = fast_config(risk=True, horizon_days=1)
    config = config.model_copy(
        update={"service": config.service.model_copy(update={"staff_to": "q50"})}
    )
    messages = []
    result = plan(load_example(), config, progress=messages.append)
    assert set(result.tradeoff["staff_to"]) == {"q50"}  # q90 left out, the plan's own kept
    assert limits == [5.0, 15.0] * 2  # chat and phone: each tried twice
    assert any("q90 left out of the trade-off" in m for m in messages), messages
