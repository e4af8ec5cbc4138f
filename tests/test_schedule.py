"""The planner's schedule: shift table, day x time grid and schedule.xlsx (staffing.schedule)."""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.errors import DataError
from staffing.plan import plan
from staffing.roster.output import coverage_from_roster
from staffing.schedule import coverage_grid, shift_table, weekday_text
from staffing.timegrid import format_breaks
from staffing.workbook import sheet_names, write_schedule, write_schedule_xlsx, xlsx_available

TZ = "Europe/London"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def local(day: str, clock: str, *, first: bool = True) -> pd.Timestamp:
    """A local wall time (the first or second of a repeated one)."""
    return pd.Timestamp(f"{day} {clock}").tz_localize(TZ, ambiguous=first)


def shift(name, start, hours, agents=1, brk=None, queue="phone"):
    """A roster row: ``hours`` of real time from ``start``; ``brk`` = (hours after start, min)."""
    breaks = []
    if brk is not None:
        b = start + pd.Timedelta(int(brk[0] * 60), unit="min")
        breaks = [(b, b + pd.Timedelta(brk[1], unit="min"))]
    end = start + pd.Timedelta(int(hours * 60), unit="min")
    return {"queue": queue, "shift": name, "start": start, "end": end, "agents": agents,
            "breaks": breaks}  # fmt: skip


def week(first: str) -> list[str]:
    return [str(dt.date.fromisoformat(first) + dt.timedelta(days=k)) for k in range(7)]


# ----------------------------------------------------------------------------- days text


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ([0, 1, 2, 3, 4], "Mon-Fri"),
        ([0, 2, 5], "Mon, Wed, Sat"),
        ([5, 6], "Sat, Sun"),
        ([0, 1, 2, 5, 6], "Mon-Wed, Sat, Sun"),
        ([0, 4, 5, 6], "Mon, Fri-Sun"),
        ([3, 3, 4, 5, 6], "Thu-Sun"),
        (range(7), "every day"),
        ([2], "Wed"),
    ],
)
def test_weekday_text(days, text):
    assert weekday_text(days) == text


def test_weekday_text_refuses_bad_numbers():
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
        weekday_text([7])


# ----------------------------------------------------------------------------- shift table


def test_shift_table_known_week():
    days = week("2025-11-10")
    rows = [shift("early", local(d, "07:00"), 8, 2, (4, 30)) for d in days[:5]]
    rows += [shift("early", local(d, "07:00"), 8, 1, (4, 30)) for d in days[5:]]
    rows += [shift("night", local(d, "22:00"), 9, 1, (4, 60)) for d in days]
    rows += [shift("part-time", local(days[k], "09:00"), 4, 3) for k in (0, 5)]
    rows += [shift("part-time", local(days[2], "09:00"), 4, n) for n in (1, 2)]  # adds up
    rows += [shift("late", local(d, "14:00"), 8, 1, (3, 60)) for d in days[3:]]
    table = shift_table(pd.DataFrame(rows[::-1]), TZ)  # input order does not matter
    assert table.to_dict("records") == [
        {"queue": "phone", "shift": "early", "days": "Mon-Fri", "start": "07:00",
         "end": "15:00", "breaks": "11:00-11:30", "count": 2},
        {"queue": "phone", "shift": "early", "days": "Sat, Sun", "start": "07:00",
         "end": "15:00", "breaks": "11:00-11:30", "count": 1},
        {"queue": "phone", "shift": "part-time", "days": "Mon, Wed, Sat", "start": "09:00",
         "end": "13:00", "breaks": "", "count": 3},
        {"queue": "phone", "shift": "late", "days": "Thu-Sun", "start": "14:00",
         "end": "22:00", "breaks": "17:00-18:00", "count": 1},
        {"queue": "phone", "shift": "night", "days": "every day", "start": "22:00",
         "end": "07:00 (+1)", "breaks": "02:00-03:00", "count": 1},
    ]  # fmt: skip


def test_shift_table_paid_hours_breaks_as_text_and_errors():
    row = shift("night", local("2025-11-10", "22:00"), 9, 2, (4, 60))
    text = pd.DataFrame([{**row, "breaks": format_breaks(row["breaks"])}])  # as roster.csv
    table = shift_table(text, TZ, paid_hours={"night": 8.0})
    assert table[["breaks", "count", "paid_hours"]].values.tolist() == [["02:00-03:00", 2, 8.0]]
    with pytest.raises(DataError, match="shift 'night' has no paid hours"):
        shift_table(text, TZ, paid_hours={"day": 8.0})
    with pytest.raises(DataError, match="missing column\\(s\\) agents"):
        shift_table(text.drop(columns="agents"), TZ)
    backwards = text.assign(end=text["start"])
    with pytest.raises(DataError, match="row 1: 'end' is not after 'start'"):
        shift_table(backwards, TZ)
    assert shift_table(text.iloc[:0], TZ).columns.tolist() == [
        "queue", "shift", "days", "start", "end", "breaks", "count"
    ]  # fmt: skip


def test_shift_table_lists_dates_when_not_every_week():
    mondays = [local("2025-11-10", "07:00"), local("2025-11-17", "07:00")]
    rows = [shift("early", t, 8) for t in mondays] + [shift("late", mondays[0], 8)]
    dates = [dt.date(2025, 11, 10) + dt.timedelta(days=k) for k in range(14)]
    table = shift_table(pd.DataFrame(rows), TZ, dates=dates)
    assert table.set_index("shift")["days"].to_dict() == {"early": "Mon", "late": "Mon 10 Nov"}


def test_shift_table_spring_dst_week_is_local():
    """Sun 30 Mar 2025 has 23 hours: 07:00 stays 07:00 and the night before ends at 08:00."""
    days = week("2025-03-24")
    rows = [shift("early", local(d, "07:00"), 8) for d in days]
    rows += [shift("night", local(d, "22:00"), 9) for d in days]
    table = shift_table(pd.DataFrame(rows), TZ)
    assert table[["shift", "days", "start", "end"]].values.tolist() == [
        ["early", "every day", "07:00", "15:00"],
        ["night", "Mon-Fri, Sun", "22:00", "07:00 (+1)"],
        ["night", "Sat", "22:00", "08:00 (+1)"],
    ]


def test_shift_table_autumn_repeated_hour_carries_offset():
    """Sun 26 Oct 2025: 01:00 occurs twice (BST, then GMT)."""
    rows = [
        shift("a", local("2025-10-26", "01:00", first=True), 4),
        shift("b", local("2025-10-26", "01:00", first=False), 4),
        shift("c", local("2025-10-26", "00:00"), 8, brk=(1, 30)),
    ]
    table = shift_table(pd.DataFrame(rows), TZ).set_index("shift")
    assert table.loc["a", ["start", "end"]].tolist() == ["01:00+01:00", "04:00"]
    assert table.loc["b", ["start", "end"]].tolist() == ["01:00+00:00", "05:00"]
    assert table.loc["c", ["start", "end", "breaks"]].tolist() == [
        "00:00", "07:00", "01:00+01:00-01:30+01:00"
    ]  # fmt: skip
    assert table.index.tolist() == ["c", "a", "b"]  # by start: the second 01:00 last


# ----------------------------------------------------------------------------- grid


def coverage_frame(first: str, periods: int, minutes: int = 60) -> pd.DataFrame:
    """Coverage with distinct numbers in every interval, from local midnight of ``first``."""
    start = pd.Timestamp(first).tz_localize(TZ)
    stamps = pd.date_range(start.tz_convert("UTC"), periods=periods, freq=f"{minutes}min")
    rng = np.random.default_rng(periods)
    return pd.DataFrame(
        {
            "queue": "phone",
            "interval_start": stamps.tz_convert(TZ),
            "required": rng.integers(0, 9, periods),
            "scheduled": np.arange(periods),
        }
    )


def chronological(grid: dict, name: str) -> list[int]:
    """Cells day by day, column by column, skipping the missing ones."""
    return [v for row in grid[name] for v in row if v is not None]


def test_grid_autumn_week_has_starred_repeated_hour():
    coverage = coverage_frame("2025-10-20", 7 * 24 + 1)  # Sun 26 Oct has 25 hours
    grid = coverage_grid(coverage, None, TZ, 60)
    assert grid["days"] == ["Mon 20 Oct", "Tue 21 Oct", "Wed 22 Oct", "Thu 23 Oct",
                            "Fri 24 Oct", "Sat 25 Oct", "Sun 26 Oct"]  # fmt: skip
    assert grid["times"][:4] == ["00:00", "01:00", "01:00*", "02:00"]
    assert len(grid["times"]) == 25
    star = grid["times"].index("01:00*")
    assert [row[star] for row in grid["scheduled"][:6]] == [None] * 6
    sunday = grid["scheduled"][6]
    assert sunday[1:4] == [145, 146, 147]  # 01:00 BST, 01:00 GMT, 02:00 GMT
    assert chronological(grid, "scheduled") == coverage["scheduled"].tolist()
    assert chronological(grid, "required") == coverage["required"].tolist()
    assert sum(chronological(grid, "scheduled")) == coverage["scheduled"].sum()
    assert all(v is None for row in grid["open"] for v in row)


def test_grid_spring_week_has_no_0100_on_sunday():
    coverage = coverage_frame("2025-03-24", 7 * 24 - 1)  # Sun 30 Mar has 23 hours
    grid = coverage_grid(coverage, None, TZ, 60)
    assert len(grid["times"]) == 24
    assert grid["times"][1] == "01:00"
    assert grid["scheduled"][6][:3] == [144, None, 145]
    assert grid["required"][6][1] is None
    assert chronological(grid, "scheduled") == coverage["scheduled"].tolist()


def test_grid_autumn_half_hours_keep_the_day_order():
    coverage = coverage_frame("2025-10-26", 50, minutes=30)
    grid = coverage_grid(coverage, None, TZ, 30)
    assert grid["times"][2:7] == ["01:00", "01:30", "01:00*", "01:30*", "02:00"]
    assert grid["scheduled"] == [list(range(50))]


def test_grid_finer_coverage_takes_fewest_scheduled_and_most_required():
    stamps = pd.date_range("2025-11-10 08:00", periods=8, freq="15min", tz=TZ)
    coverage = pd.DataFrame({"interval_start": stamps, "required": [2, 2, 3, 2, 1, 1, 1, 1],
                             "scheduled": [3, 1, 4, 4, 2, 2, 0, 2]})  # fmt: skip
    grid = coverage_grid(coverage, None, TZ, 60)
    assert grid["times"] == ["08:00", "09:00"]
    assert grid["required"] == [[3, 1]]
    assert grid["scheduled"] == [[1, 0]]


def test_grid_open_any_tier_and_requirements_without_coverage():
    stamps = pd.date_range("2025-11-10 06:00", periods=3, freq="60min", tz=TZ)
    needed = pd.DataFrame(
        {
            "interval_start": list(stamps) * 2,
            "queue": "phone",
            "tier": ["a"] * 3 + ["b"] * 3,
            "open": [False, True, True, False, False, True],
            "scheduled": [0, 2, 3, 0, 1, 4],
        }
    )
    coverage = pd.DataFrame({"interval_start": stamps[:2], "required": [0, 3],
                             "scheduled": [0, 2]})  # fmt: skip
    grid = coverage_grid(coverage, needed, TZ, 60)
    assert grid["open"] == [[False, True, True]]
    assert grid["required"] == [[0, 3, 7]]  # the last from the tiers, summed
    assert grid["scheduled"] == [[0, 2, 0]]  # nothing rostered there
    nothing = coverage_grid(coverage.iloc[:0], needed, TZ, 60)
    assert nothing["required"] == [[0, 3, 7]]
    assert nothing["scheduled"] == [[0, 0, 0]]


def test_grid_refuses_several_queues_and_missing_columns():
    coverage = coverage_frame("2025-11-10", 4)
    two = pd.concat([coverage, coverage.assign(queue="chat")])
    with pytest.raises(DataError, match="2 queues \\(chat, phone\\)"):
        coverage_grid(two, None, TZ, 60)
    with pytest.raises(DataError, match="coverage: missing column\\(s\\) scheduled"):
        coverage_grid(coverage.drop(columns="scheduled"), None, TZ, 60)


# ----------------------------------------------------------------------------- workbook


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["phone", "a[b]:c*d?e/f\\g", "x" * 40, "X" * 40, "History", "'", "P"])
    assert names[:2] == ["phone", "a_b__c_d_e_f_g"]
    assert names[2] == "x" * 31
    assert names[3] == "X" * 29 + "~2"
    assert names[4:] == ["History_", "queue", "P"]
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)


def read_grid(frame: pd.DataFrame, name: str) -> tuple[list[str], list[str], list[list]]:
    """Days, times and values of the block titled '... {name} agents' of a read-back sheet."""
    top = int(np.flatnonzero(frame[0].astype(str).str.contains(f": {name} agents"))[0])
    times = [str(t) for t in frame.iloc[top + 1, 1:].dropna()]
    end = top + 2
    while end < len(frame) and pd.notna(frame.iloc[end, 0]):
        end += 1
    body = frame.iloc[top + 2 : end, : len(times) + 1]
    values = [[None if pd.isna(v) else int(v) for v in row[1:]] for row in body.values]
    return body[0].tolist(), times, values


def test_write_schedule_reads_back(tmp_path):
    coverage = coverage_frame("2025-10-26", 25).assign(required=3)  # the 25-hour day
    needed = coverage.assign(open=coverage["interval_start"].dt.hour >= 8, tier="all")
    needed = needed.assign(scheduled=needed["required"])
    grid = coverage_grid(coverage, needed, TZ, 60)
    table = pd.DataFrame({"shift": ["early"], "days": ["Sun"], "start": ["07:00"], "count": [3]})
    path = write_schedule(
        tmp_path / "schedule.xlsx", {"phone": (table, grid), "a/b": (table, grid)}
    )
    sheets = pd.read_excel(path, sheet_name=None, header=None)
    assert list(sheets) == ["phone", "a_b"]
    frame = sheets["phone"]
    assert frame.iloc[0, 0] == "phone: shifts"
    assert frame.iloc[1, :4].tolist() == ["shift", "days", "start", "count"]
    assert frame.iloc[2, :4].tolist() == ["early", "Sun", "07:00", 3]
    for name in ("scheduled", "required"):
        days, times, values = read_grid(frame, name)
        assert (days, times, values) == (grid["days"], grid["times"], grid[name])
    sheet = openpyxl.load_workbook(path)["phone"]
    assert sheet.freeze_panes == "B3"
    assert sheet.column_dimensions["A"].width >= len("Sun 26 Oct")
    top = 1 + int(np.flatnonzero(frame[0].astype(str).str.contains("scheduled agents"))[0])
    for block in (top, top + 4):  # the scheduled grid, then the required one
        colours = [sheet.cell(row=block + 2, column=c).fill.start_color.rgb[-6:]
                   for c in range(2, 27)]  # fmt: skip
        # scheduled 0, 1, 2 < 3 required; closed before 08:00 (00:00 to 07:00, 01:00 twice)
        assert colours == ["FFC7CE"] * 3 + ["EDEDED"] * 6 + ["000000"] * 16


def test_write_schedule_without_openpyxl_names_the_extra(tmp_path, monkeypatch):
    assert xlsx_available()
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now fails
    with pytest.raises(ImportError, match='pip install "staffing\\[io\\]"'):
        write_schedule(tmp_path / "s.xlsx", {})
    assert not (tmp_path / "s.xlsx").exists()


# ----------------------------------------------------------------------------- real plans


def quick(config, **roster):
    """No risk check (not used here); roster settings changed."""
    update = {"roster": config.roster.model_copy(update=roster)}
    if hasattr(config, "risk"):
        update["risk"] = config.risk.model_copy(update={"enabled": False})
    return config.model_copy(update=update)


@pytest.fixture(scope="module")
def daily_plan():
    """The daily roster on a 30-minute grid under the plan's hours."""
    return plan(load_example(), quick(fast_config(), interval_minutes=30))


@pytest.fixture(scope="module")
def tours_plan(example_tours_plan):
    return example_tours_plan


def weekdays_of(text: str) -> list[int]:
    """The weekdays of a one-week ``days`` text ("Mon-Wed, Sat", "every day")."""
    days: list[int] = []
    for part in text.replace("every day", "Mon-Sun").split(", "):
        ends = [DAYS.index(p) for p in part.split("-")]
        days += list(range(ends[0], ends[-1] + 1))
    return days


def roster_from_table(table: pd.DataFrame, first: dt.date) -> pd.DataFrame:
    """Roster rows rebuilt from the shift table's text alone (a week, no DST)."""

    def at(day: dt.date, clock: str) -> pd.Timestamp:
        return pd.Timestamp(f"{day} {clock[:5]}").tz_localize(TZ)

    rows = []
    for row in table.to_dict("records"):
        for d in weekdays_of(row["days"]):
            day = first + dt.timedelta(days=d)
            start = at(day, row["start"])
            end = at(day + dt.timedelta(days=int("(+1)" in row["end"])), row["end"])
            breaks = []
            for part in filter(None, row["breaks"].split(", ")):
                b0, b1 = (at(day, c) for c in part.split("-"))
                b0 += pd.Timedelta(1, unit="D") if b0 < start else pd.Timedelta(0)
                b1 += pd.Timedelta(1, unit="D") if b1 <= b0 else pd.Timedelta(0)
                breaks.append((b0, b1))
            rows.append({"start": start, "end": end, "agents": row["count"], "breaks": breaks})
    return pd.DataFrame(rows, columns=["start", "end", "agents", "breaks"])


def test_daily_plan_table_rebuilds_coverage_and_xlsx_round_trips(daily_plan, tmp_path):
    result = daily_plan
    path = write_schedule_xlsx(result, tmp_path / "schedule.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, header=None)
    assert list(sheets) == result.queues
    first = result.coverage["interval_start"].min().date()
    for queue in result.queues:
        roster = result.roster[result.roster["queue"] == queue]
        coverage = result.coverage[result.coverage["queue"] == queue]
        table = shift_table(roster, TZ)
        # the table's text alone gives back the roster's coverage, interval by interval
        rebuilt = coverage_from_roster(roster_from_table(table, first), coverage, 30)
        assert rebuilt["scheduled"].tolist() == coverage["scheduled"].tolist()
        # the grid: per hour, the fewer scheduled of its two half-hours, the most required
        needed = result.requirements[result.requirements["queue"] == queue]
        grid = coverage_grid(coverage, needed, TZ, 60)
        hourly = coverage.groupby(coverage["interval_start"].dt.floor("h"))
        assert chronological(grid, "scheduled") == hourly["scheduled"].min().tolist()
        assert chronological(grid, "required") == hourly["required"].max().tolist()
        frame = sheets[queue]
        header = ["shift", "days", "start", "end", "breaks", "count", "paid_hours"]
        assert frame.iloc[1].dropna().tolist() == header
        assert pd.isna(frame.iloc[2 + len(table), 0])  # the table ends, then a blank row
        assert frame.iloc[2 : 2 + len(table), 1].tolist() == table["days"].tolist()
        assert frame.iloc[2 : 2 + len(table), 5].astype(int).tolist() == table["count"].tolist()
        for name in ("scheduled", "required"):
            assert read_grid(frame, name) == (grid["days"], grid["times"], grid[name])


def test_tours_plan_sheets_hold_the_lines(tours_plan, tmp_path):
    result = tours_plan
    assert len(result.lines)
    path = write_schedule_xlsx(result, tmp_path / "schedule.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, header=None)
    assert list(sheets) == result.queues
    for queue in result.queues:
        lines = result.lines[result.lines["queue"] == queue].drop(columns="queue")
        frame = sheets[queue]
        assert frame.iloc[0, 0] == f"{queue}: lines of work"
        header = frame.iloc[1].dropna().tolist()
        assert header == lines.columns.tolist()
        body = frame.iloc[2 : 2 + len(lines), : len(header)].set_axis(header, axis=1)
        assert body["line"].astype(int).tolist() == lines["line"].tolist()
        for day in ("mon", "sun"):
            assert body[day].fillna("").tolist() == lines[day].tolist()
        coverage = result.coverage[result.coverage["queue"] == queue]
        needed = result.requirements[result.requirements["queue"] == queue]
        grid = coverage_grid(coverage, needed, TZ, 60)
        assert sum(chronological(grid, "scheduled")) == coverage["scheduled"].sum()
        for name in ("scheduled", "required"):
            assert read_grid(frame, name) == (grid["days"], grid["times"], grid[name])
        # the shift table of lines of work counts every line-day once
        roster = result.roster[result.roster["queue"] == queue]
        table = shift_table(roster, TZ)
        days = table["days"].map(lambda text: len(weekdays_of(text)))
        worked = int((table["count"] * days).sum())
        assert worked == roster["agents"].sum() == len(roster)
