"""The joint roster of skill groups: known answers, properties and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.errors import ConfigError
from staffing.roster import build_roster
from staffing.roster.joint import JointDemand, JointGroup, build_joint_roster
from staffing.roster.rules import ShiftRules, ShiftType
from staffing.roster.solver import SolverOptions

TIMES = pd.Series(pd.date_range("2024-01-01", periods=8, freq="60min", tz="Europe/London"))
EXACT = SolverOptions(time_limit_seconds=30, relative_gap=0.0)


def rules(*, hard: bool = True, length: float = 2, earliest="00:00", latest="07:00", cost=1.0):
    shift = ShiftType(
        name="s",
        length_hours=length,
        start_earliest=earliest,
        start_latest=latest,
        cost_per_hour=cost,
    )
    return ShiftRules(
        interval_minutes=60,
        shifts=[shift],
        hard_coverage=hard,
        cyclic=False,
        understaffing_per_agent_interval=50.0,
    )


def live(channel: str, required, load=None, shrinkage: float = 0.0) -> pd.DataFrame:
    required = np.asarray(required, dtype=float)
    load = required * 0.5 if load is None else np.asarray(load, dtype=float)
    return pd.DataFrame(
        {
            "channel": channel,
            "interval_start": TIMES,
            "required": required,
            "load": load,
            "shrinkage": shrinkage,
        }
    )


def no_work() -> pd.DataFrame:
    return pd.DataFrame(columns=["channel", "tier", "work", "ready", "due"])


def work(rows: list[tuple[str, str, float, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["channel", "tier", "work", "ready", "due"])


def demand(live_frames, deferred=None, open_=None) -> JointDemand:
    frame = pd.concat(live_frames, ignore_index=True) if live_frames else live("x", [0] * 8)[:0]
    return JointDemand(TIMES, frame, no_work() if deferred is None else deferred, open_ or {})


def group(name, channels, shift_rules=None) -> JointGroup:
    return JointGroup(name=name, channels=tuple(channels), rules=shift_rules or rules())


@pytest.mark.parametrize("shrinkage", [0.0, 0.3])
def test_one_group_per_channel_costs_what_the_separate_roster_costs(shrinkage):
    need = [0, 2, 3, 3, 1, 0, 2, 2]
    frame = pd.DataFrame({"interval_start": TIMES, "required": need})
    for hard in (True, False):
        shift_rules = rules(hard=hard, cost=30.0)
        separate = build_roster(frame, shift_rules, options=EXACT)
        joint = build_joint_roster(
            demand([live("phone", need, shrinkage=shrinkage)]),
            [group("phone", ["phone"], shift_rules)],
            shift_rules,
            options=EXACT,
        )
        assert joint.solve.objective == pytest.approx(separate.solve.objective)


def test_a_blended_agent_is_never_counted_twice():
    # two channels need 2 agents each in every interval; one group serves both
    joint = build_joint_roster(
        demand([live("phone", [2] * 8), live("chat", [2] * 8)]),
        [group("both", ["phone", "chat"])],
        rules(),
        options=EXACT,
    )
    assert (joint.coverage["scheduled"] >= 4).all()
    # 4 agents x 8 hours of 2-hour shifts at 1 per hour
    assert joint.solve.objective == pytest.approx(32.0)
    allocated = joint.live.groupby("interval_start")["allocated"].sum()
    assert (allocated <= joint.coverage.set_index("interval_start")["productive"] + 1e-6).all()


def test_deferred_work_alone_costs_its_hours_at_the_occupancy_cap():
    # one agent-interval of e-mail arrives in interval 0, workable from 1, due by 3
    items = work([("email", "all", 1.0, 1, 3)])
    joint = build_joint_roster(
        demand([], items, {"email": np.ones(8, bool), ("email", "shrinkage"): np.zeros(8)}),
        [group("email", ["email"], rules(length=1))],
        rules(),
        max_occupancy=0.95,
        options=EXACT,
    )
    # one agent cannot do 1.0 in one hour at 95%: two agent-hours
    assert joint.solve.objective == pytest.approx(2.0)
    done = joint.deferred["done"].to_numpy()
    assert done[:1].sum() == pytest.approx(0.0)
    assert done[1:4].sum() == pytest.approx(1.0)


def test_deferred_work_fills_the_valleys_of_a_live_queue_for_free():
    # phone: 2 agents needed, 1 erlang offered in each interval: 1 agent-hour idle per hour
    phone = live("phone", [2] * 8, load=[1.0] * 8)
    items = work([("email", "P3", 0.8, t + 1, 7) for t in range(6)])
    masks = {"email": np.ones(8, bool), ("email", "shrinkage"): np.zeros(8)}
    alone = build_joint_roster(
        demand([phone]), [group("phone", ["phone"])], rules(), options=EXACT
    )
    blended = build_joint_roster(
        demand([phone], items, masks),
        [group("phone+email", ["phone", "email"])],
        rules(),
        options=EXACT,
    )
    assert blended.solve.objective == pytest.approx(alone.solve.objective)
    assert blended.deferred["done"].sum() == pytest.approx(4.8)
    separate = build_joint_roster(
        demand([phone], items, masks),
        [group("phone", ["phone"]), group("email", ["email"], rules(length=1))],
        rules(),
        options=EXACT,
    )
    assert separate.solve.objective > blended.solve.objective + 1


@settings(max_examples=15, deadline=None)
@given(
    arrivals=st.lists(st.floats(0, 2), min_size=5, max_size=5),
    response=st.integers(2, 4),
)
def test_deferred_work_is_done_after_it_arrives_and_by_its_deadline(arrivals, response):
    rows = [("email", "all", a, t + 1, t + response - 1) for t, a in enumerate(arrivals)]
    masks = {"email": np.ones(8, bool), ("email", "shrinkage"): np.zeros(8)}
    joint = build_joint_roster(
        demand([], work(rows), masks),
        [group("email", ["email"], rules(length=1))],
        rules(),
        options=EXACT,
    )
    done = np.cumsum(joint.deferred["done"].to_numpy())
    ready = np.zeros(8)
    due = np.zeros(8)
    for _, _, a, r, d in rows:
        ready[r:] += a
        if d < 8:
            due[d:] += a
    assert (done <= ready + 1e-6).all()
    assert (done >= due - 1e-6).all()
    capacity = 0.95 * joint.coverage["scheduled"].to_numpy()
    assert (joint.deferred["done"].to_numpy() <= capacity + 1e-6).all()


def test_soft_coverage_prices_late_deferred_work():
    # an agent-hour costs 200, an agent-interval of work one interval late 50: one agent-hour
    # does 0.95 of the work; the last 0.05 stays late from interval 2 (due) to the end of the
    # horizon (6 intervals: 0.3 x 50 = 15), cheaper than a second agent-hour
    items = work([("email", "P1", 1.0, 1, 2)])
    masks = {"email": np.ones(8, bool), ("email", "shrinkage"): np.zeros(8)}
    dear = rules(hard=False, length=1, cost=200.0)
    joint = build_joint_roster(
        demand([], items, masks), [group("email", ["email"], dear)], dear, options=EXACT
    )
    assert joint.deferred["late"].sum() == pytest.approx(0.3)
    assert joint.solve.objective == pytest.approx(215.0)
    assert joint.coverage["scheduled"].sum() == 1


def test_a_tier_no_group_can_reach_in_time_is_named():
    items = work([("email", "P1", 1.0, 1, 2)])
    masks = {"email": np.ones(8, bool), ("email", "shrinkage"): np.zeros(8)}
    late = rules(length=2, earliest="04:00", latest="06:00")
    with pytest.raises(ConfigError, match=r"email\.tiers \(P1\).*'email'"):
        build_joint_roster(
            demand([], items, masks), [group("e", ["email"], late)], late, options=EXACT
        )


def test_groups_that_share_no_channel_are_solved_apart_with_the_same_result():
    phone, chat = live("phone", [0, 2, 3, 3, 1, 0, 2, 2]), live("chat", [1, 1, 2, 2, 2, 1, 0, 0])
    apart = build_joint_roster(
        demand([phone, chat]),
        [group("phone", ["phone"]), group("chat", ["chat"])],
        rules(),
        options=EXACT,
    )
    one = build_joint_roster(demand([phone]), [group("phone", ["phone"])], rules(), options=EXACT)
    two = build_joint_roster(demand([chat]), [group("chat", ["chat"])], rules(), options=EXACT)
    assert apart.solve.objective == pytest.approx(one.solve.objective + two.solve.objective)
    assert list(apart.models) == ["phone", "chat"]
