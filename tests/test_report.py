"""The HTML report: self-contained, every plot present, and it renders in a browser."""

from __future__ import annotations

import copy
import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from plan_fixtures import chromium_dump, fast_config
from staffing.datasets import load_example
from staffing.plan import plan
from staffing.plot import plan_figures
from staffing.report import render_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page() -> str:
    result = plan(load_example(), fast_config(horizon_days=2, risk=True))
    return render_report(result.summary(), plan_figures(result))


def expected_plots() -> list[str]:
    plots = []
    for queue in ("chat", "email", "phone"):
        plots += [f"{queue} forecast", f"{queue} coverage", f"{queue} roster"]
        if queue != "email":
            plots += [f"{queue} service-level", f"{queue} risk", f"{queue} tradeoff"]
    return plots


def test_page_embeds_every_plot_and_fetches_nothing(page):
    alts = re.findall(r'<img class="plot" data-plot="[a-z-]+" alt="([^"]+)"', page)
    assert sorted(alts) == sorted(expected_plots())
    sources = re.findall(r'src="([^"]+)"', page)
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "http://" not in page
    assert "https://" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_page_renders_in_headless_chromium(page, tmp_path):
    """Chromium loads the page and decodes every embedded plot to a non-empty image."""
    done = chromium_dump(CHROMIUM, page, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    decoded = re.findall(r'alt="([^"]+)"[^>]*data-decoded="(true|false)"', done.stdout)
    assert sorted(alt for alt, ok in decoded if ok == "true") == sorted(expected_plots())
    assert '<h2 id="headline">Headline</h2>' in done.stdout


# --- headcount and lines of work (plans with contracts) -------------------------------------


class _Tables(HTMLParser):
    """The page's tables: (attributes, rows of cells); a cell is its title if it has one, else
    its text pieces joined by "; "."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[dict[str, str | None], list[list[str]]]] = []
        self.cell: list[str] | None = None
        self.title: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append((dict(attrs), []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self.cell = []
            self.title = dict(attrs).get("title")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][1][-1].append(self.title or "; ".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and data.strip():
            self.cell.append(data.strip())


def tables_of(page: str, kind: str) -> dict[str, list[dict[str, str]]]:
    """Tables of class ``kind`` by data-scope (headcount) or in page order, rows as dicts."""
    parser = _Tables()
    parser.feed(page)
    out = {}
    for attrs, rows in parser.tables:
        if attrs.get("class") == kind:
            key = attrs.get("data-scope") or str(len(out))
            out[key] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return out


def line(contract: str, shift: str, wed: str, count: int, paid: float = 35.0) -> dict:
    days = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "")
    return {
        "weeks": "1",
        "contract": contract,
        "shift": shift,
        "days": "wed",
        "days_worked": 1,
        "paid_hours": paid,
        **days,
        "wed": wed,
        "count": count,
    }


@pytest.fixture(scope="module")
def lines_summary() -> dict:
    phone_lines = [
        line("full-time", "early", "07:00-15:00; break 11:00-12:00", 4),
        line("<b>temp</b>", "late", "14:00-22:00", 1, paid=7.5),
    ]
    chat_lines = [line("full-time", f"s{i}", f"{i % 24:02d}:00-23:59", 2) for i in range(45)]
    return {
        "horizon": {
            "first_interval": "2025-06-02T00:00:00+01:00",
            "last_interval": "2025-06-08T23:00:00+01:00",
            "interval_minutes": 60,
            "staff_to": "q50",
        },
        "queues": {
            "phone": {
                "target": "80% in 20 s",
                "targets": [],
                "headcount": [
                    {
                        "contract": "full-time",
                        "headcount": 4,
                        "fte": 3.8667,
                        "paid_hours_per_week": 140.0,
                        "cost_per_week": 12345.6,
                        "share_of_paid_hours": 0.9492,
                    },
                    {
                        "contract": "<b>temp</b>",
                        "headcount": 1,
                        "fte": 0.2,
                        "paid_hours_per_week": 7.5,
                        "cost_per_week": 150.0,
                        "share_of_paid_hours": 0.0508,
                    },
                ],
                "lines": 5,
                "lines_of_work": phone_lines,
            },
            "chat": {
                "target": "80% in 60 s",
                "targets": [],
                "headcount": [
                    {
                        "contract": "full-time",
                        "headcount": 90,
                        "fte": 87.5,
                        "paid_hours_per_week": 3150.0,
                        "cost_per_week": 1234567.0,
                        "share_of_paid_hours": 1.0,
                    }
                ],
                "lines": 90,
                "lines_of_work": chat_lines,
            },
        },
        "totals": {
            "headcount": [
                {
                    "contract": "full-time",
                    "headcount": 94,
                    "fte": 91.3667,
                    "cost_per_week": 1246912.6,
                },
                {"contract": "<b>temp</b>", "headcount": 1, "fte": 0.2, "cost_per_week": 150.0},
            ]
        },
    }


def test_headcount_tables_show_people_fte_hours_share_and_cost(lines_summary) -> None:
    page = render_report(lines_summary, {})
    assert page.count('<h2 id="headcount">Headcount and lines of work</h2>') == 1
    assert "<b>temp</b>" not in page
    assert "&lt;b&gt;temp&lt;/b&gt;" in page
    headcount = tables_of(page, "headcount")
    assert list(headcount) == ["all", "phone", "chat"]
    phone = headcount["phone"]
    assert phone[0] == {
        "contract": "full-time",
        "people": "4",
        "FTE": "3.9",
        "paid hours / week": "140.0",
        "share of paid hours": "94.9%",
        "cost / week": "12,346",
    }
    assert phone[2] == {  # the sum of the two contracts
        "contract": "all contracts",
        "people": "5",
        "FTE": "4.1",
        "paid hours / week": "147.5",
        "share of paid hours": "100.0%",
        "cost / week": "12,496",
    }
    assert [row["contract"] for row in headcount["chat"]] == ["full-time"]  # one contract: no sum
    # all queues: people, FTE and cost from the totals; paid hours summed over the queues
    full, temp, both = headcount["all"]
    assert (full["people"], full["FTE"], full["cost / week"]) == ("94", "91.4", "1,246,913")
    assert full["paid hours / week"] == "3,290.0"
    assert full["share of paid hours"] == f"{3290 / 3297.5:.1%}"
    assert (temp["contract"], temp["people"], temp["share of paid hours"]) == (
        "<b>temp</b>",
        "1",
        f"{7.5 / 3297.5:.1%}",
    )
    assert (both["people"], both["cost / week"]) == ("95", "1,247,063")


def test_lines_tables_show_each_distinct_line_once_and_cut_long_lists(lines_summary) -> None:
    from staffing.report import MAX_LINES

    page = render_report(lines_summary, {})
    phone, chat = tables_of(page, "lines").values()
    assert phone[0]["count"] == "4"
    assert phone[0]["wed"] == "07:00-15:00; break 11:00-12:00"  # the title: as in lines.csv
    shown = '">07:00-15:00<br><span class="brk">(11:00-12:00)</span></td>'  # break below
    assert page.count(shown) == 1
    assert phone[0]["mon"] == "off"
    assert (phone[1]["contract"], phone[1]["wed"], phone[1]["paid hours"]) == (
        "<b>temp</b>",
        "14:00-22:00",
        "7.5",
    )
    assert list(phone[0]) == [
        "count", "contract", "shift", "days",
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "paid hours",
    ]  # fmt: skip
    assert "5 lines of work, 2 distinct" in page
    assert len(chat) == MAX_LINES == 40
    assert [row["shift"] for row in chat] == [f"s{i}" for i in range(40)]
    assert "90 lines of work, 45 distinct" in page
    assert (
        "5 more distinct lines (10 people) are not shown; the full table is in lines.csv" in page
    )
    assert page.count('class="note more"') == 1  # the phone queue is shown whole


def test_lines_table_names_the_weeks_when_lines_differ_between_weeks(lines_summary) -> None:
    summary = copy.deepcopy(lines_summary)
    summary["queues"]["phone"]["lines_of_work"][1]["weeks"] = "2"
    phone = tables_of(render_report(summary, {}), "lines")["0"]
    assert [row["weeks"] for row in phone] == ["1", "2"]
    assert "weeks" not in tables_of(render_report(lines_summary, {}), "lines")["0"][0]


def test_a_daily_roster_has_no_headcount_section(page, lines_summary) -> None:
    plain = copy.deepcopy(lines_summary)
    for numbers in plain["queues"].values():
        for key in ("headcount", "lines", "lines_of_work"):
            del numbers[key]
    del plain["totals"]["headcount"]
    for text in (page, render_report(plain, {})):
        assert "Headcount and lines of work" not in text
        assert 'id="headcount"' not in text
        assert not tables_of(text, "headcount")
        assert not tables_of(text, "lines")


@pytest.fixture(scope="module")
def tour_report(example_tours_plan) -> tuple[dict, str]:
    """The example with its two contracts, summary.json read back, and its report."""
    summary = json.loads(json.dumps(example_tours_plan.summary()))
    return summary, render_report(summary, {})


def expected_headcount(row: dict) -> dict:
    return {
        "contract": row["contract"],
        "people": f"{row['headcount']:,}",
        "FTE": f"{row['fte']:,.1f}",
        "paid hours / week": f"{row['paid_hours_per_week']:,.1f}",
        "share of paid hours": f"{row['share_of_paid_hours']:.1%}",
        "cost / week": f"{row['cost_per_week']:,.0f}",
    }


def test_the_example_with_contracts_reports_summary_headcount(tour_report) -> None:
    summary, page = tour_report
    headcount = tables_of(page, "headcount")
    assert list(headcount) == ["all", *summary["queues"]]
    for queue, numbers in summary["queues"].items():
        shown = headcount[queue]
        assert shown[: len(numbers["headcount"])] == [
            expected_headcount(row) for row in numbers["headcount"]
        ]
        assert shown[-1]["people"] == f"{sum(r['headcount'] for r in numbers['headcount']):,}"
    totals = summary["totals"]["headcount"]
    shown = {row["contract"]: row for row in headcount["all"]}
    assert {row["contract"] for row in totals} == {"full-time", "part-time"}
    for row in totals:
        own = shown[row["contract"]]
        assert own["people"] == f"{row['headcount']:,}"
        assert own["FTE"] == f"{row['fte']:,.1f}"
        assert own["cost / week"] == f"{row['cost_per_week']:,.0f}"
        per_queue = [
            r["headcount"]
            for numbers in summary["queues"].values()
            for r in numbers["headcount"]
            if r["contract"] == row["contract"]
        ]
        assert row["headcount"] == sum(per_queue)


def test_the_example_lines_tables_add_up_to_the_lines(tour_report) -> None:
    summary, page = tour_report
    lines = tables_of(page, "lines")
    for (queue, numbers), shown in zip(summary["queues"].items(), lines.values(), strict=True):
        distinct = numbers["lines_of_work"]
        assert len(shown) == min(len(distinct), 40), queue
        counts = [int(row["count"]) for row in shown]
        assert counts == [line["count"] for line in distinct[:40]]
        hidden = sum(line["count"] for line in distinct[40:])
        assert (
            sum(counts) + hidden
            == numbers["lines"]
            == sum(r["headcount"] for r in numbers["headcount"])
        )
        assert f"{numbers['lines']:,} lines of work, {len(distinct):,} distinct" in page
        for row, line in zip(shown, distinct, strict=False):
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
                assert row[day] == (line[day] or "off"), (queue, day)
