"""The planner's report: every section from a hand-built summary.json, and the risk plots.

The summary follows the issue 14 schema (horizon in local time, flags, grid, roster table,
forecast quality, risk with its trade-off, assumptions); each test reads the rendered page
back with html.parser and compares what a planner sees with the summary's numbers.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest

from staffing.plot import (
    date_axis,
    plan_figures,
    plot_coverage,
    plot_service_risk,
    plot_tradeoff,
)
from staffing.report import render_report

matplotlib.use("Agg")

DAYS = ["Mon 10 Nov", "Tue 11 Nov"]
TIMES = ["00:00", "06:00", "12:00", "23:00"]


def phone() -> dict:
    """A live queue on a daily roster: one unstaffed open interval, two short ones."""
    return {
        "forecast_contacts": 3792.6,
        "paid_hours": 1234.56,
        "cost": 26543.21,
        "peak_scheduled_required": 14,
        "required_agent_hours": 1100.04,
        "scheduled_agent_hours": 1180.0,
        "scheduled_to_required": 1.0727,
        "understaffed_intervals": 2,
        "status": "optimal",
        "gap": 0.0077,
        "target": "80% in 20 s; 60% in 60 s; 70% in 60 s",
        "targets": [
            {
                "tier": None,
                "band": "day",
                "target": "80% in 20 s",
                "intervals": 90,
                "target_service_level": 0.8,
                "target_within_seconds": 20,
            },
            {
                "tier": None,
                "band": "evening",
                "target": "60% in 60 s",
                "intervals": 28,
                "target_service_level": 0.6,
                "target_within_seconds": 60,
            },
            {
                "tier": None,
                "band": "holiday",
                "target": "70% in 60 s",
                "intervals": 17,
                "target_service_level": 0.7,
                "target_within_seconds": 60,
            },
        ],
        "simulated": {
            "service_level": 0.8623,
            "service_level_ci": [0.8491, 0.8744],
            "asa_seconds": 12.4,
            "abandonment": 0.0213,
            "intervals_judged": 130,
            "intervals_below_target": 7,
            "bands": {
                "day": {
                    "target": "80% in 20 s",
                    "target_service_level": 0.8,
                    "service_level": 0.871,
                    "intervals_judged": 90,
                    "intervals_below_target": 4,
                },
                "evening": {
                    "target": "60% in 60 s",
                    "target_service_level": 0.6,
                    "service_level": 0.755,
                    "intervals_judged": 40,
                    "intervals_below_target": 3,
                },
            },
        },
        "flags": {
            "unstaffed_open": [
                {
                    "interval_start": "2025-11-10T23:00:00+00:00",
                    "local": "Mon 10 Nov 23:00",
                    "volume": 12.4,
                    "required": 3,
                    "scheduled": 1,
                },
            ],
            "unstaffed_open_count": 1,
            "shortfall_intervals": 2,
            "shortfall_agent_hours": 4.0,
            "below_target_intervals": 7,
        },
        "roster_table": [
            {
                "shift": "early",
                "days": "Mon-Fri",
                "start": "07:00",
                "end": "15:00",
                "breaks": "11:00-12:00",
                "count": 6,
            },
            {
                "shift": "late",
                "days": "Mon, Wed",
                "start": "14:00",
                "end": "22:00",
                "breaks": "",
                "count": 4,
            },
        ],
        "grid": {
            "days": DAYS,
            "times": TIMES,
            "required": [[0, 0, 5, 3], [0, 2, 4, None]],
            "scheduled": [[0, 1, 6, 0], [0, 1, 4, None]],
            "open": [[False, False, True, True], [False, True, True, None]],
        },
        "forecast_quality": {
            "model": "glm",
            "reason": "lowest validation MASE (0.839) of 4 candidates over 4 weekly origins",
            "candidates": [
                {
                    "model": "glm",
                    "mase": 0.8391,
                    "bias": 0.0251,
                    "coverage_80": 0.78,
                    "dispersion": 0.0123,
                    "level_dispersion": 0.0031,
                    "selected": True,
                },
                {
                    "model": "seasonal_naive_week",
                    "mase": 1.0,
                    "bias": -0.0402,
                    "coverage_80": 0.7,
                    "dispersion": 0.05,
                    "level_dispersion": 0.01,
                    "selected": False,
                },
            ],
            "naive_model": "seasonal_naive_week",
            "coverage_name": "coverage_80",
            "history_start": "2025-03-03T00:00:00+00:00",
            "history_end": "2025-11-09T23:00:00+00:00",
            "gaps": [
                {
                    "start": "2025-07-01T00:00:00+01:00",
                    "end": "2025-07-01T05:00:00+01:00",
                    "intervals": 6,
                    "reason": "missing rows",
                },
            ],
            "holidays_in_history": ["2025-04-18", "2025-08-25"],
        },
        "risk": {
            "staff_to": "q50",
            "replications": 1000,
            "target_service_level": 0.7812,
            "service_level": {
                "mean": 0.84,
                "p05": 0.7712,
                "p25": 0.82,
                "p50": 0.845,
                "p75": 0.86,
                "p95": 0.8801,
            },
            "p_meet": 0.91,
            "p_meet_ci": [0.8918, 0.9258],
            "volume": {"p05": 3400.2, "p50": 3790.0, "p95": 4210.7},
            "dispersion": 0.0123,
            "level_dispersion": 0.0031,
            "tradeoff": [
                {
                    "staff_to": "q50",
                    "paid_hours": 1234.56,
                    "cost": 26543.21,
                    "headcount": None,
                    "fte": 32.9,
                    "p_meet": 0.91,
                    "p_meet_ci": [0.8918, 0.9258],
                    "service_level_mean": 0.84,
                    "gap": 0.0077,
                    "reused": True,
                },
                {
                    "staff_to": "q90",
                    "paid_hours": 1400.0,
                    "cost": 30100.0,
                    "headcount": None,
                    "fte": 37.3,
                    "p_meet": 0.99,
                    "p_meet_ci": [0.982, 0.995],
                    "service_level_mean": 0.9,
                    "gap": 0.01,
                    "reused": False,
                },
            ],
        },
    }


def email() -> dict:
    """A deferred queue with contracts: no simulation, no risk."""
    return {
        "forecast_contacts": 800.44,
        "paid_hours": 300.0,
        "cost": 6000.0,
        "peak_scheduled_required": 4,
        "targets": [
            {"tier": "P1", "band": "all", "target": "within 2 h", "intervals": 100},
            {"tier": "P2", "band": "all", "target": "within 8 h", "intervals": 100},
        ],
        "headcount": [
            {
                "contract": "full-time",
                "headcount": 6,
                "fte": 5.6,
                "paid_hours_per_week": 210.0,
                "cost_per_week": 4200.0,
                "share_of_paid_hours": 0.7,
            },
            {
                "contract": "part-time",
                "headcount": 5,
                "fte": 2.4,
                "paid_hours_per_week": 90.0,
                "cost_per_week": 1800.0,
                "share_of_paid_hours": 0.3,
            },
        ],
        "lines": 11,
        "lines_of_work": [],
        "flags": {"unstaffed_open": [], "unstaffed_open_count": 0, "shortfall_intervals": 0},
        "forecast_model": "glm",
        "forecast_validation_mase": 0.918,
    }


@pytest.fixture
def summary() -> dict:
    return {
        "horizon": {
            "first_interval": "2025-11-10T00:00:00+00:00",
            "last_interval": "2025-11-16T23:00:00+00:00",
            "first_local": "Mon 10 Nov 2025 00:00 GMT",
            "last_local": "Sun 16 Nov 2025 23:00 GMT",
            "tz": "Europe/London",
            "interval_minutes": 60,
            "staff_to": "q50",
            "calendar": {
                "weekend": ["sat", "sun"],
                "country": "GB",
                "subdiv": "ENG",
                "extra_holidays": [],
                "holidays_in_horizon": ["2025-11-11"],
            },
        },
        "queues": {"phone": phone(), "email": email()},
        "totals": {
            "forecast_contacts": 4593.04,
            "paid_hours": 1534.56,
            "cost": 32543.21,
            "people": 11,
            "fte": 8.0,
        },
        "assumptions": {
            "queues": {
                "phone": {
                    "kind": "live",
                    "aht_seconds": 300,
                    "patience_seconds": 180,
                    "concurrency": 1,
                    "deflection": 0.0,
                    "max_occupancy": 0.88,
                    "shrinkage": {"day": 0.3, "evening": 0.35},
                    "closed": ["night: all 00:00-07:00 (49 intervals)"],
                    "tiers": [],
                    "response_clock": None,
                },
                "email": {
                    "kind": "deferred",
                    "aht_seconds": 420,
                    "patience_seconds": None,
                    "concurrency": 1,
                    "deflection": 0.15,
                    "max_occupancy": 0.95,
                    "shrinkage": {"all": 0.25},
                    "closed": [],
                    "tiers": [{"name": "P1", "share": 0.1, "target": "within 2 h"}],
                    "response_clock": "calendar",
                },
            },
            "staff_to": "q50",
            "calendar": {
                "weekend": ["sat", "sun"],
                "country": "GB",
                "subdiv": "ENG",
                "extra_holidays": [],
                "holidays_in_horizon": ["2025-11-11"],
            },
            "solver": {"solver": "highs", "time_limit_seconds": 60.0, "relative_gap": 0.01},
            "roster": {
                "interval_minutes": 60,
                "full_time_hours_per_week": 37.5,
                "contracts": ["full-time", "part-time"],
                "shifts": ["early", "late"],
            },
            "simulation": {
                "replications": 20,
                "handle_time": "lognormal",
                "handle_time_cv": 0.8,
                "seed": 7,
            },
            "risk": {"replications": 1000, "staff_to_levels": [0.5, 0.7, 0.8, 0.9]},
            "forecast": {
                "model": "auto",
                "quantiles": [0.1, 0.5, 0.9],
                "events": ["autumn promotion"],
            },
        },
    }


class _Page(HTMLParser):
    """Visible text, cells by (table class, data-queue, data-key), tables by class, ids."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: dict[tuple[str, str, str], str] = {}
        self.tables: dict[str, list[list[dict]]] = {}
        self.ids: list[str] = []
        self.links: list[str] = []
        self.items: dict[str, list[str]] = {}
        self._skip = 0
        self._open: list[tuple[str, dict, list[str]]] = []
        self._table: list[list[dict]] | None = None
        self._class = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag == "table":
            self._class = a.get("class", "")
            self._table = self.tables.setdefault(self._class, [])
            self._table.append([])
        if tag == "tr" and self._table is not None:
            self._table[-1].append([])
        if tag in ("td", "th", "li", "p"):
            self._open.append((tag, a, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "table":
            self._table = None
        if tag in ("td", "th", "li", "p") and self._open:
            kind, a, parts = self._open.pop()
            text = " ".join(" ".join(parts).split())
            if kind in ("td", "th"):
                if a.get("data-key") and a.get("data-queue") is not None:
                    self.cells[(self._class, a["data-queue"], a["data-key"])] = text
                if self._table is not None and self._table[-1]:
                    self._table[-1][-1].append({"text": text, **a})
            elif kind == "li":
                self.items.setdefault(a.get("class", ""), []).append(text)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        for _, _, parts in self._open:
            parts.append(data)


def read(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def cells_of(page: str, kind: str) -> dict[tuple[str, str], str]:
    """Cells of the tables of class ``kind`` by (data-queue, data-key)."""
    cells = read(page).cells
    return {(queue, key): text for (cls, queue, key), text in cells.items() if cls == kind}


def visible(page: str) -> str:
    """The page's visible text and the tooltips (title attributes) a reader can hover."""
    parser = read(page)
    titles = re.findall(r'title="([^"]*)"', page)
    return " ".join(" ".join(parser.text + titles).split())


# --- headline -----------------------------------------------------------------------------


def test_headline_cells_show_the_summary_rounded(summary) -> None:
    cells = cells_of(render_report(summary, {}), "headline")
    assert cells[("phone", "forecast_contacts")] == "3,793"
    assert cells[("phone", "paid_hours")] == "1,235"
    assert cells[("phone", "cost")] == "26,543"
    assert cells[("phone", "targets")] == "80/20 day; 60/60 evening; 70/60 holiday"
    assert cells[("phone", "service_level")] == "86.2% (84.9–87.4%)"
    assert cells[("phone", "p_meet")] == "91.0% (89.2–92.6%)"
    assert cells[("phone", "people")] == "–"  # a daily roster has no people count
    assert cells[("phone", "fte")] == "32.9"  # the plan's own row of the trade-off
    assert cells[("phone", "flags")] == "1 unstaffed, 2 short"
    # contracts: people and FTE summed over them; deferred: neither simulated nor risk-checked
    assert cells[("email", "people")] == "11"
    assert cells[("email", "fte")] == "8.0"
    assert cells[("email", "targets")] == "within 2 h P1; within 8 h P2"
    assert cells[("email", "service_level")] == cells[("email", "p_meet")] == "–"
    assert cells[("email", "flags")] == "none"
    assert cells[("all", "forecast_contacts")] == "4,593"
    assert cells[("all", "cost")] == "32,543"
    assert cells[("all", "people")] == "11"
    assert cells[("all", "flags")] == "1 unstaffed, 2 short"


def test_unstaffed_open_intervals_are_flagged_in_red(summary) -> None:
    page = render_report(summary, {})
    items = read(page).items
    assert items["unstaffed"] == [
        "phone: Mon 10 Nov 23:00: 0 agents on contacts (1 scheduled, 3 required) for 12 expected "
        "contacts"
    ]
    assert items["shortfall"] == [
        "phone: 2 intervals scheduled below the required agents, 4.0 agent-hours missing"
    ]
    assert items["below"] == ["phone: 7 intervals below their target in the simulation"]
    assert re.search(r"ul\.flags \{[^}]*color: #b00020", page)  # red


def test_a_cut_list_of_unstaffed_intervals_counts_the_rest(summary) -> None:
    summary["queues"]["phone"]["flags"]["unstaffed_open_count"] = 4
    page = render_report(summary, {})
    assert read(page).items["unstaffed"][1] == (
        "phone: 3 more open intervals with nobody on contacts (see the grid)"
    )
    assert cells_of(page, "headline")[("phone", "flags")] == "4 unstaffed, 2 short"


def test_a_plan_without_flags_says_so(summary) -> None:
    summary["queues"]["phone"]["flags"] = {"unstaffed_open": [], "shortfall_intervals": 0}
    page = render_report(summary, {})
    assert "No flags: every open interval has staff and none is short." in page
    assert 'class="flags"' not in page


# --- whole page ---------------------------------------------------------------------------


def test_every_section_is_linked_from_the_contents(summary) -> None:
    parser = read(render_report(summary, {}))
    for section in (
        "headline",
        "queue-phone",
        "queue-email",
        "assumptions",
        "forecast-quality",
        "risk",
        "headcount",
    ):
        assert section in parser.ids
        assert section in parser.links
    assert set(parser.links) <= set(parser.ids)


def test_the_horizon_is_in_local_time_and_no_iso_stamp_is_visible(summary) -> None:
    page = render_report(summary, {})
    shown = visible(page)
    assert (
        "Mon 10 Nov 2025 00:00 GMT to Sun 16 Nov 2025 23:00 GMT, Europe/London, hourly intervals"
        in shown
    )
    assert "T00:00:00" not in shown
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", shown)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", shown)  # dates too: "Tue 11 Nov 2025"
    assert "holidays in the plan: Tue 11 Nov 2025" in shown


def test_the_horizon_falls_back_to_the_iso_strings(summary) -> None:
    for key in ("first_local", "last_local", "tz"):
        del summary["horizon"][key]
    shown = visible(render_report(summary, {}))
    assert "Mon 10 Nov 2025 00:00 to Sun 16 Nov 2025 23:00, hourly intervals" in shown
    assert "T00:00" not in shown


def test_the_page_fetches_nothing_and_prints(summary) -> None:
    page = render_report(summary, {"phone": [("coverage", "data:image/png;base64,AAAA")]})
    assert "http://" not in page
    assert "https://" not in page
    assert re.findall(r'src="([^"]+)"', page) == ["data:image/png;base64,AAAA"]
    assert "@media print" in page
    assert page.count('<div class="wide">') >= 8


# --- per queue ----------------------------------------------------------------------------


def test_the_grid_marks_shortfall_unstaffed_and_closed_cells(summary) -> None:
    (grid,) = read(render_report(summary, {})).tables["grid"]
    header, monday, tuesday = grid
    assert [c["text"] for c in header] == ["day", "00", "06", "12", "23"]
    assert [c.get("title") for c in header[1:]] == TIMES
    assert [c.get("class") for c in monday[1:]] == ["closed", "closed", None, "unstaffed"]
    assert [c["text"] for c in monday[1:]] == ["", "1", "6", "0/3"]
    assert monday[4]["title"] == "Mon 10 Nov 23:00: 0 scheduled, 3 required; open"
    assert [c.get("class") for c in tuesday[1:]] == ["closed", "short", None, "none"]
    assert tuesday[2]["text"] == "1/2"
    assert tuesday[2]["title"] == "Tue 11 Nov 06:00: 1 scheduled, 2 required"
    page = render_report(summary, {})
    assert re.search(r"td\.short[^{]*\{[^}]*background: #e53935", page)
    assert 'class="legend"' in page


def test_the_daily_roster_and_the_simulated_bands(summary) -> None:
    tables = read(render_report(summary, {})).tables
    (roster,) = tables["roster"]
    assert [c["text"] for c in roster[1]] == [
        "early",
        "Mon-Fri",
        "07:00",
        "15:00",
        "11:00-12:00",
        "6",
    ]
    assert roster[2][4]["text"] == "–"
    (simulated,) = tables["simulated"]
    assert [c["text"] for c in simulated[1]] == ["day", "80% in 20 s", "87.1%", "4 of 90"]
    assert simulated[-1][2]["text"] == "86.2% (84.9–87.4%)"


def test_a_queue_with_contracts_links_to_its_lines_of_work(summary) -> None:
    page = render_report(summary, {})
    assert "Roster: 11 lines of work, shown in" in page
    assert 'href="#lines-email"' in page
    assert 'id="lines-email"' in page


# --- assumptions, forecast quality, risk ----------------------------------------------------


def test_assumptions_list_every_input(summary) -> None:
    page = render_report(summary, {})
    parser = read(page)
    cells = cells_of(page, "assumptions-queues")
    assert cells[("phone", "aht_seconds")] == "300 s"
    assert cells[("email", "patience_seconds")] == "–"
    assert cells[("email", "deflection")] == "15.0%"
    assert cells[("phone", "max_occupancy")] == "88.0%"
    assert cells[("phone", "shrinkage")] == "day 30.0%; evening 35.0%"
    assert cells[("phone", "closed")] == "night: all 00:00-07:00 (49 intervals)"
    assert cells[("email", "tiers")] == "P1 share 10.0% within 2 h"
    assert cells[("email", "response_clock")] == "calendar"
    (plan,) = parser.tables["assumptions-plan"]
    values = {row[0]["text"]: row[1]["text"] for row in plan[1:]}
    assert values["staffed to the forecast column"] == "q50"
    assert values["roster solver"] == (
        "highs, time limit 60 s, stops within a relative gap of 1.00%; "
        "reached: phone optimal, gap 0.77%"
    )
    assert values["risk"] == "replications 1000; staffing levels compared q50, q70, q80, q90"
    assert values["forecast"] == "model auto; quantiles q10, q50, q90; events autumn promotion"
    assert "seed 7" in values["simulation"]
    assert "public holidays of GB/ENG" in values["calendar"]


def test_forecast_quality_says_why_the_model_was_chosen(summary) -> None:
    page = render_report(summary, {})
    parser = read(page)
    assert "glm: lowest validation MASE (0.839) of 4 candidates over 4 weekly origins" in page
    (candidates,) = parser.tables["candidates"]
    assert [c["text"] for c in candidates[0]][:4] == [
        "model",
        "validation MASE",
        "bias",
        "80% band coverage",
    ]
    assert [c["text"] for c in candidates[1]][:4] == ["glm", "0.84", "+2.5%", "78.0%"]
    assert [c["text"] for c in candidates[2]][:4] == [
        "seasonal_naive_week",
        "1.00",
        "-4.0%",
        "70.0%",
    ]
    assert 'class="selected" data-model="glm"' in page
    shown = visible(page)
    assert "History Mon 03 Mar 2025 to Sun 09 Nov 2025" in shown
    assert "holidays in the history: Fri 18 Apr 2025, Mon 25 Aug 2025" in shown
    (gaps,) = parser.tables["gaps"]
    assert [c["text"] for c in gaps[1]] == [
        "Tue 01 Jul 2025 00:00",
        "Tue 01 Jul 2025 05:00",
        "6",
        "missing rows",
    ]
    assert "Model glm (validation MASE 0.92)." in page  # email: an older summary's keys


def test_risk_shows_p_meet_the_spread_and_the_tradeoff(summary) -> None:
    page = render_report(summary, {"phone": [("risk", "data:image/png;base64,RR")]})
    parser = read(page)
    sentence = "P(weekly service level ≥ 78.1%) = 91.0% (89.2–92.6%) over 1,000 replications"
    assert sentence in visible(page)
    cells = cells_of(page, "risk-distribution")
    assert (cells[("phone", "sl_p05")], cells[("phone", "sl_p50")]) == ("77.1%", "84.5%")
    assert cells[("phone", "sl_p95")] == "88.0%"
    assert cells[("phone", "volume_p95")] == "4,211"
    (tradeoff,) = parser.tables["tradeoff"]
    assert [c["text"] for c in tradeoff[1]] == [
        "q50 (this plan)",
        "1,234.6",
        "26,543",
        "–",
        "32.9",
        "91.0% (89.2–92.6%)",
        "84.0%",
        "0.77%",
    ]
    assert tradeoff[2][0]["text"] == "q90"
    assert 'class="own" data-staff-to="q50"' in page
    assert "predictive distribution" in page
    assert "Poisson arrivals" in page
    assert "Deferred work: checked by its backlog model" in page
    # the risk figure sits in the risk section, after its heading
    assert page.index('data-plot="risk"') > page.index('id="risk"')


# --- older summaries ----------------------------------------------------------------------


def test_an_old_summary_without_the_new_keys_still_renders(summary) -> None:
    old = copy.deepcopy(summary)
    del old["assumptions"]
    for key in ("first_local", "last_local", "tz"):
        del old["horizon"][key]
    for numbers in old["queues"].values():
        for key in ("flags", "grid", "roster_table", "forecast_quality", "risk"):
            numbers.pop(key, None)
        numbers.get("simulated", {}).pop("service_level_ci", None)
    old["totals"] = {k: old["totals"][k] for k in ("forecast_contacts", "paid_hours", "cost")}
    page = render_report(old, {})
    parser = read(page)
    for section in ("headline", "assumptions", "forecast-quality", "risk"):
        assert section in parser.ids
    headline = cells_of(page, "headline")
    assert headline[("phone", "service_level")] == "86.2%"
    assert headline[("phone", "flags")] == "–"
    assert headline[("all", "people")] == "–"
    assert "lists no assumptions" in page
    assert "No risk replications in this summary." in page
    assert "grid" not in parser.tables
    assert 'class="flags"' not in page
    assert "T00:00:00" not in visible(page)


def test_a_minimal_summary_renders() -> None:
    page = render_report(
        {
            "horizon": {
                "first_interval": "2025-06-02T00:00:00+01:00",
                "last_interval": "2025-06-08T23:30:00+01:00",
                "interval_minutes": 30,
            },
            "queues": {"chat": {"targets": []}},
        },
        {},
    )
    assert "Mon 02 Jun 2025 00:00 to Sun 08 Jun 2025 23:30, 30-minute intervals" in page


# --- plots --------------------------------------------------------------------------------


def test_coverage_plot_draws_each_shortfall_as_a_solid_red_bar() -> None:
    times = pd.date_range("2025-06-02 08:00", periods=5, freq="h", tz="Europe/London")
    coverage = pd.DataFrame(
        {"interval_start": times, "required": [3, 5, 6, 4, 2], "scheduled": [4, 3, 6, 2, 2]}
    )
    ax = plot_coverage(coverage)
    bars = ax.patches
    assert len(bars) == 2  # one per short interval, a single interval included
    assert [round(b.get_height()) for b in bars] == [2, 2]
    assert [round(b.get_y()) for b in bars] == [3, 2]
    assert all(b.get_alpha() >= 0.6 and b.get_width() > 0 for b in bars)
    assert "shortfall (2 intervals)" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "09:00" in labels  # local time (BST)
    assert "07:00" not in labels  # not UTC
    no_short = plot_coverage(coverage.assign(scheduled=coverage["required"]))
    assert not no_short.patches


def test_date_axis_shows_a_week_without_crowding() -> None:
    import matplotlib.pyplot as plt

    times = pd.date_range("2025-11-10", periods=168, freq="h", tz="Europe/London")
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(times, range(168))
    date_axis(ax, times)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert 4 <= len(labels) <= 10
    assert all(len(label) <= 6 for label in labels)  # "Nov 11", "12:00": concise
    plt.close(fig)


def test_service_risk_histogram_states_p_meet_and_draws_the_target() -> None:
    frame = pd.DataFrame(
        {
            "queue": "phone",
            "staff_to": "q50",
            "service_level": [0.70, 0.79, 0.81, 0.83, 0.85, 0.9],
            "target_service_level": 0.8,
            "met": [False, False, True, True, True, True],
        }
    )
    ax = plot_service_risk(frame)
    assert ax.get_title().endswith("over 6 replications, P(meet) = 66.7%")
    (line,) = ax.get_lines()
    assert line.get_xdata()[0] == pytest.approx(80.0)
    assert sum(p.get_height() for p in ax.patches) == 6
    with pytest.raises(ValueError, match="staff_to"):
        plot_service_risk(pd.concat([frame, frame.assign(staff_to="q90")]), target=0.8)


def test_tradeoff_plot_labels_each_level_and_highlights_the_plan() -> None:
    frame = pd.DataFrame(
        {
            "queue": "phone",
            "staff_to": ["q90", "q50", "q70"],
            "level": [0.9, 0.5, 0.7],
            "cost": [1200.0, 1000.0, 1090.0],
            "p_meet": [0.97, 0.61, 0.8],
            "p_meet_low": [0.95, 0.57, 0.77],
            "p_meet_high": [0.98, 0.65, 0.83],
            "reused": [False, True, False],
        }
    )
    ax = plot_tradeoff(frame)
    assert [t.get_text() for t in ax.texts] == ["q50 (plan)", "q70", "q90"]
    own = [c for c in ax.collections if c.get_label() == "this plan"]
    assert len(own) == 1
    assert own[0].get_offsets().tolist() == [[1000.0, 61.0]]


def fake_plan(with_risk: bool) -> SimpleNamespace:
    """What plan_figures reads of a plan: two queues, one of them live with risk rows."""
    times = pd.date_range("2025-11-10", periods=48, freq="h", tz="Europe/London")
    coverage = pd.concat(
        pd.DataFrame({"queue": q, "interval_start": times, "required": 3, "scheduled": 2})
        for q in ("phone", "email")
    )
    forecast = coverage[["queue", "interval_start"]].assign(volume=10.0)

    def draw(queue, ax):
        ax.plot(times, range(48))
        return ax

    result = SimpleNamespace(
        queues=["phone", "email"],
        forecast=forecast,
        coverage=coverage,
        simulation=pd.DataFrame({"queue": ["phone"]}),
        plot_forecast=draw,
        plot_coverage=draw,
        plot_roster=draw,
        plot_service_level=draw,
        config=SimpleNamespace(service=SimpleNamespace(staff_to="q50")),
    )
    if with_risk:
        result.risk = pd.DataFrame(
            {
                "queue": "phone",
                "staff_to": ["q50"] * 5 + ["q90"] * 5,
                "service_level": [0.7, 0.8, 0.85, 0.9, 0.95] * 2,
                "target_service_level": 0.8,
                "met": [False, True, True, True, True] * 2,
            }
        )
        result.tradeoff = pd.DataFrame(
            {
                "queue": "phone",
                "staff_to": ["q50", "q90"],
                "level": [0.5, 0.9],
                "cost": [10.0, 12.0],
                "p_meet": [0.8, 0.8],
                "reused": [True, False],
            }
        )
    return result


def test_plan_figures_add_risk_and_tradeoff_for_queues_with_risk_rows() -> None:
    figures = plan_figures(fake_plan(with_risk=True))
    assert [name for name, _ in figures["phone"]] == [
        "forecast",
        "coverage",
        "roster",
        "service-level",
        "risk",
        "tradeoff",
    ]
    assert [name for name, _ in figures["email"]] == ["forecast", "coverage", "roster"]
    for name, uri in figures["phone"]:
        assert uri.startswith("data:image/png;base64,")
        assert len(uri) < 120_000, name  # dpi 80: the example's page stays small
    without = plan_figures(fake_plan(with_risk=False))
    assert [name for name, _ in without["phone"]][-1] == "service-level"
