"""Stage 2 of the roster (named agents) and the shift-rules configuration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffing.errors import ConfigError, DataError, InfeasibleError
from staffing.roster import (
    Agent,
    ShiftRules,
    ShiftType,
    SolverOptions,
    assign_agents,
    build_roster,
    example_rules,
    load_rules,
    read_agents,
)
from staffing.roster.rules import rules_from_dict

FIXTURES = Path(__file__).parent / "fixtures"


def day_roster(days: int, per_day: int, hour: int = 9, length: int = 8) -> pd.DataFrame:
    t0 = pd.Timestamp("2024-01-01", tz="Europe/London") + pd.Timedelta(hour, unit="h")
    starts = [t0 + pd.Timedelta(d, unit="D") for d in range(days)]
    return pd.DataFrame(
        {
            "shift": "d",
            "start": starts,
            "end": [s + pd.Timedelta(length, unit="h") for s in starts],
            "agents": per_day,
            "breaks": [[] for _ in starts],
        }
    )


def rules_for(**agent_rules: object) -> ShiftRules:
    base = ShiftRules(
        interval_minutes=60,
        shifts=[ShiftType(name="d", length_hours=8, start_earliest="00:00", start_latest="23:00")],
    )
    return base.model_copy(update={"agents": base.agents.model_copy(update=agent_rules)})


def check_rules(named: pd.DataFrame, rules: ShiftRules, agents: list[Agent]) -> None:
    """Check each agent's shifts against every rule, from the output alone."""
    r = rules.agents
    by_name = {a.name: a for a in agents}
    first = named["start"].min().normalize()
    for name, shifts in named.groupby("agent"):
        shifts = shifts.sort_values("start")
        days = sorted({(s.normalize() - first).days for s in shifts["start"]})
        assert len(days) == len(shifts), f"{name} works twice a day"
        assert len(days) <= r.max_days_per_week
        run = best = 0
        for d in range(7):
            run = run + 1 if d in days else 0
            best = max(best, run)
        assert best <= r.max_consecutive_days
        gaps = shifts["start"].iloc[1:].to_numpy() - shifts["end"].iloc[:-1].to_numpy()
        assert all(g >= pd.Timedelta(r.min_rest_hours, unit="h") for g in gaps)
        assert 8 * len(shifts) <= by_name[name].contracted_hours + r.hours_tolerance
        for s in shifts["start"]:
            assert by_name[name].available(s)


def test_assignment_respects_every_rule() -> None:
    roster = day_roster(7, 3)
    agents = [
        Agent(name=f"a{i}", contracted_hours=40, unavailable=["mon"] if i < 2 else [])
        for i in range(6)
    ]
    rules = rules_for(max_days_per_week=4, max_consecutive_days=3, min_rest_hours=11)
    named, result = assign_agents(roster, agents, rules)
    assert len(named) == 21
    assert (named.groupby("start").size() == 3).all()
    check_rules(named, rules, agents)
    assert sum(result.hours.values()) == pytest.approx(21 * 8)


def test_min_rest_forbids_close_shifts() -> None:
    # a late shift 14:00-22:00 then an early shift 06:00 the next day: only 8 h of rest
    late = day_roster(1, 1, hour=14)
    early = day_roster(2, 1, hour=6).iloc[[1]]
    roster = pd.concat([late, early], ignore_index=True)
    agents = [Agent(name="solo", contracted_hours=140)]
    with pytest.raises(InfeasibleError, match=r"min_rest_hours \(agents: solo\)"):
        assign_agents(roster, agents, rules_for(min_rest_hours=11))
    named, _ = assign_agents(roster, agents, rules_for(min_rest_hours=8))
    assert named["agent"].tolist() == ["solo", "solo"]


def test_consecutive_days_off() -> None:
    roster = day_roster(7, 1)
    agents = [Agent(name=n, contracted_hours=40) for n in ("a", "b")]
    rules = rules_for(max_days_per_week=5, min_consecutive_days_off=2)
    named, _ = assign_agents(roster, agents, rules)
    first = named["start"].min().normalize()
    for _, shifts in named.groupby("agent"):
        worked = {(s.normalize() - first).days for s in shifts["start"]}
        off = [d not in worked for d in range(7)]
        assert any(off[d] and off[(d + 1) % 7] for d in range(7))


def test_weekends_shared_fairly() -> None:
    roster = day_roster(7, 2)  # Monday 1 January 2024: days 5 and 6 are the weekend
    agents = [Agent(name=f"a{i}", contracted_hours=40) for i in range(4)]
    _, result = assign_agents(roster, agents, rules_for(max_days_per_week=5))
    assert max(result.weekend_days.values()) == 1  # 4 weekend shifts over 4 agents


def test_too_few_hours_names_agents() -> None:
    agents = [Agent(name="ann", contracted_hours=16), Agent(name="bob", contracted_hours=16)]
    with pytest.raises(InfeasibleError, match=r"contracted hours of all agents \(ann, bob\)"):
        assign_agents(day_roster(7, 1), agents, rules_for())


def test_unavailable_day_names_agents() -> None:
    agents = [
        Agent(name="ann", contracted_hours=40, unavailable=["tue"]),
        Agent(name="bob", contracted_hours=40, unavailable=["2024-01-02"]),
    ]
    with pytest.raises(InfeasibleError, match=r"day 2 .* unavailable: ann, bob"):
        assign_agents(day_roster(3, 1), agents, rules_for())


def test_max_consecutive_days_diagnosed() -> None:
    agents = [Agent(name="ann", contracted_hours=56)]
    with pytest.raises(InfeasibleError, match=r"max_consecutive_days \(agents: ann\)"):
        assign_agents(
            day_roster(7, 1), agents, rules_for(max_days_per_week=7, max_consecutive_days=6)
        )


def test_build_roster_with_agents_file() -> None:
    rules = load_rules(FIXTURES / "roster_shifts.toml")
    result = build_roster(
        FIXTURES / "roster_requirements.csv",
        rules,
        SolverOptions(relative_gap=0.02),
        agents=FIXTURES / "roster_agents.csv",
    )
    named = result.roster
    assert "agent" in named.columns
    assert (named["agents"] == 1).all()
    agents = read_agents(FIXTURES / "roster_agents.csv")
    by_name = {a.name: a for a in agents}
    paid = {s.name: s.paid_hours for s in rules.shifts}
    for name, shifts in named.groupby("agent"):
        assert shifts["shift"].map(paid).sum() <= by_name[name].contracted_hours + 1e-9
        assert all(by_name[name].available(s) for s in shifts["start"])
    assert result.summary.assignment is not None


def test_read_agents_errors(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("name,contracted_hours,unavailable\nann,40,someday\n")
    with pytest.raises(DataError, match=r"agents.csv: row 2, column 'unavailable'"):
        read_agents(path)
    path.write_text("name,hours\nann,40\n")
    with pytest.raises(DataError, match=r"missing column\(s\) \['contracted_hours'\]"):
        read_agents(path)


# --- rules -----------------------------------------------------------------------------------


def test_example_rules_load() -> None:
    rules = example_rules()
    assert rules.interval_minutes == 30
    assert rules.shifts[0].paid_hours == 7.5


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "shifts.toml"
    text = (
        (FIXTURES / "roster_shifts.toml")
        .read_text()
        .replace("cyclic = true", "cyclic = true\novertime = 3")
    )
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"shifts.toml: unknown key 'overtime'"):
        load_rules(path)
    path.write_text(
        text.replace("overtime = 3", "").replace("paid = false", "paid = false\n  colour = 'red'")
    )
    with pytest.raises(ConfigError, match=r"unknown key 'shifts.0.breaks.0.colour'"):
        load_rules(path)


def shift(**changes: object) -> dict:
    data = {"name": "s", "length_hours": 4, "start_earliest": "08:00", "start_latest": "10:00"}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"interval_minutes": 20, "shifts": [shift()]}, r"interval_minutes.*15, 30 or 60"),
        (
            {"interval_minutes": 60, "shifts": [shift(start_earliest="25:00")]},
            r"start_earliest.*clock time",
        ),
        (
            {"interval_minutes": 60, "shifts": [shift(start_latest="07:00")]},
            r"start_latest 07:00 is before start_earliest",
        ),
        (
            {
                "interval_minutes": 60,
                "shifts": [
                    shift(
                        breaks=[
                            {
                                "length_minutes": 60,
                                "earliest_after_minutes": 120,
                                "latest_after_minutes": 240,
                            }
                        ]
                    )
                ],
            },
            r"break 1: its window .* ends after the shift \(240 min\)",
        ),
        (
            {"interval_minutes": 60, "shifts": [shift(length_hours=4.5)]},
            r"length_hours \(270 min\) is not a multiple of interval_minutes \(60\)",
        ),
        ({"interval_minutes": 60, "shifts": [shift(), shift()]}, r"shift names must be unique"),
        ({"interval_minutes": 60, "shifts": [shift(days=["monday"])]}, r"unknown weekday"),
        ({"interval_minutes": 60, "shifts": []}, r"key 'shifts'"),
    ],
)
def test_invalid_rules(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rules_from_dict(data, "rules.toml")


def test_shift_days_restrict_starts() -> None:
    rules = ShiftRules(
        interval_minutes=60,
        shifts=[
            ShiftType(
                name="wk",
                length_hours=8,
                start_earliest="09:00",
                start_latest="09:00",
                days=["mon", "tue", "wed", "thu", "fri"],
            )
        ],
    )
    times = pd.date_range("2024-01-01", periods=7 * 24, freq="60min")
    req = pd.DataFrame({"interval_start": times, "required": 1})
    result = build_roster(req, rules)
    assert set(result.roster["start"].dt.day_of_week) == {0, 1, 2, 3, 4}
