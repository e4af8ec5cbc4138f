"""``staffing plan`` end to end, its report opened in headless Chromium and read back.

The example plan with weekly lines of work and the risk check is written by the command line;
Chromium loads ``report.html`` (offline) and dumps the page it rendered. Each section is then
compared with ``summary.json`` written beside it: the headline's cost, paid hours, people and
FTE; each band's target; the flags; the headcount per contract; the chosen forecast model; the
risk's P(meet) and its trade-off; and every embedded image must decode in the browser.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from plan_fixtures import chromium_dump, fast_config, write_plan_inputs
from staffing.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"
)


class Page(HTMLParser):
    """Text of the cells and paragraphs that carry ``data-queue`` / ``data-key`` attributes,
    the rows' own attributes, the flags and the images' decode marks."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str | None, str | None, str | None], str] = {}
        self.rows: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []
        self.flags: list[str] = []
        self.paragraphs: dict[str, str] = {}
        self._open: list[tuple[str, tuple, list[str]]] = []
        self._row: dict[str, str | None] = {}
        self._table: str | None = None
        self._texts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("class")
        elif tag == "tr":
            self._row = {**a, "table": self._table, "cells": []}
            self.rows.append(self._row)
        elif tag == "img":
            self.images.append(a)
        if tag in ("td", "th") and self._row:
            self._texts = []
        if tag in ("td", "li", "p") and (
            a.get("data-key") or tag == "li" or "p-meet" in (a.get("class") or "")
        ):
            key = (a.get("data-queue"), a.get("data-key"), self._row.get("data-staff-to"))
            kind = "flag" if tag == "li" else ("p" if tag == "p" else "cell")
            self._open.append((kind, key, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._texts is not None:
            self._row["cells"].append(" ".join("".join(self._texts).split()))
            self._texts = None
        if tag in ("td", "li", "p") and self._open:
            kind, key, text = self._open.pop()
            joined = " ".join("".join(text).split())
            if kind == "flag":
                self.flags.append(joined)
            elif kind == "p":
                self.paragraphs[key[0]] = joined
            else:
                self.cells[key] = joined

    def handle_data(self, data: str) -> None:
        if self._texts is not None:
            self._texts.append(data)
        for _, _, text in self._open:
            text.append(data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[dict, Page, Path]:
    """The plan written by ``staffing plan``, its summary.json and the page Chromium rendered."""
    root = tmp_path_factory.mktemp("report-browser")
    config = fast_config(tours=True, risk=True)
    # a feasible set of lines within the limits on a busy machine: a 5% gap is plenty here
    solver = config.roster.solver.model_copy(
        update={"time_limit_seconds": 30.0, "relative_gap": 0.05}
    )
    config = config.model_copy(
        update={
            "roster": config.roster.model_copy(update={"solver": solver}),
            # the trade-off's own rosters are tested in test_plan_risk and test_report: here
            # the plan's level alone (its roster reused) keeps the run short
            "risk": config.risk.model_copy(update={"staff_to_levels": (0.5,)}),
        }
    )
    history, plan_toml = write_plan_inputs(root, config)
    out = root / "out"
    done = CliRunner().invoke(
        main, ["plan", str(history), "--config", str(plan_toml), "--out", str(out), "--quiet"]
    )
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "report.html").read_text(encoding="utf-8")
    dumped = chromium_dump(CHROMIUM, page, root, timeout=180)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    parsed = Page()
    parsed.feed(dumped.stdout)
    return summary, parsed, out


def whole(value: float) -> str:
    return f"{value:,.0f}"


def test_every_image_decodes_and_each_live_queue_has_its_risk_plots(rendered) -> None:
    summary, page, _ = rendered
    assert page.images, "no images in the report"
    assert all(img.get("data-decoded") == "true" for img in page.images), [
        img.get("alt") for img in page.images if img.get("data-decoded") != "true"
    ]
    assert all(img["src"].startswith("data:image/png;base64,") for img in page.images)
    alts = {img.get("alt") for img in page.images}
    live = [q for q, n in summary["queues"].items() if n.get("risk")]
    assert live == ["chat", "phone"]
    for queue in live:
        assert {f"{queue} risk", f"{queue} tradeoff", f"{queue} service-level"} <= alts


def test_headline_cost_paid_hours_people_and_fte_match_the_summary(rendered) -> None:
    summary, page, _ = rendered
    for queue, numbers in summary["queues"].items():
        cell = {key: page.cells[(queue, key, None)] for key in ("cost", "paid_hours", "people")}
        assert cell["cost"] == whole(numbers["cost"]), queue
        assert cell["paid_hours"] == whole(numbers["paid_hours"]), queue
        people = sum(row["headcount"] for row in numbers["headcount"])
        assert cell["people"] == whole(people), queue
        fte = sum(row["fte"] for row in numbers["headcount"])
        assert page.cells[(queue, "fte", None)] == f"{fte:,.1f}", queue
        assert page.cells[(queue, "forecast_contacts", None)] == whole(
            numbers["forecast_contacts"]
        )
    totals = summary["totals"]
    assert page.cells[("all", "cost", None)] == whole(totals["cost"])
    assert page.cells[("all", "paid_hours", None)] == whole(totals["paid_hours"])
    assert page.cells[("all", "people", None)] == whole(totals["people"])
    assert totals["people"] == sum(row["headcount"] for row in totals["headcount"])
    assert totals["cost"] == pytest.approx(sum(n["cost"] for n in summary["queues"].values()))


def test_each_band_and_tier_target_is_shown_as_planned(rendered) -> None:
    summary, page, _ = rendered
    phone = summary["queues"]["phone"]["targets"]
    assert {t["band"] for t in phone} >= {"default", "evening"}
    tables = [r for r in page.rows if r.get("table") == "targets" and r.get("data-band")]
    for queue, numbers in summary["queues"].items():
        headline = page.cells[(queue, "targets", None)]
        bands = {t["band"] for t in numbers["targets"]}
        for target in numbers["targets"]:
            level = target.get("target_service_level")
            if level is not None:  # "80/20 evening": level / seconds, then the band
                short = f"{100 * level:g}/{target['target_within_seconds']:g}"
                short += f" {target['band']}" if len(bands) > 1 else ""
            else:
                short = target["target"]
            assert short in headline, (queue, target, headline)
            shown = [
                r["cells"]
                for r in tables
                if r["data-band"] == str(target["band"]) and r["data-tier"] == str(target["tier"])
            ]
            # tier, band, target as planned, open intervals: one row in the queue's table
            expected = [
                str(target["tier"]),
                str(target["band"]),
                target["target"],
                whole(target["intervals"]),
            ]
            assert expected in shown, (queue, target, shown)


def test_flags_list_every_shortfall_and_unstaffed_interval(rendered) -> None:
    summary, page, _ = rendered
    expected = 0
    for queue, numbers in summary["queues"].items():
        flags = numbers["flags"]
        short = flags["shortfall_intervals"]
        cell = page.cells[(queue, "flags", None)]
        if short:
            assert f"{short:,} short" in cell, (queue, cell)
            assert any(
                item.startswith(f"{queue}: {short:,} interval") and "below the required" in item
                for item in page.flags
            ), (queue, page.flags)
            expected += 1
        unstaffed = flags["unstaffed_open_count"]
        if unstaffed:
            assert f"{unstaffed:,} unstaffed" in cell
            expected += 1
        if not short and not unstaffed:
            assert cell == "none", (queue, cell)
        if flags["below_target_intervals"]:
            expected += 1
    assert len(page.flags) >= expected


def test_headcount_per_contract_matches_the_summary(rendered) -> None:
    summary, page, out = rendered
    rows = [r for r in page.rows if r.get("table") == "headcount" and r.get("data-contract")]
    assert rows
    lines = (out / "lines.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) - 1 == summary["totals"]["people"]  # one row per person's line
    html_text = (out / "report.html").read_text(encoding="utf-8")
    for queue, numbers in summary["queues"].items():
        for contract in numbers["headcount"]:
            pattern = (
                rf'data-scope="{queue}">.*?data-contract="{re.escape(contract["contract"])}">'
                rf"<td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>"
            )
            match = re.search(pattern, html_text, flags=re.S)
            assert match is not None, (queue, contract)
            assert match.group(1) == whole(contract["headcount"])


def test_forecast_quality_names_the_chosen_model(rendered) -> None:
    summary, page, _ = rendered
    selected = [
        r
        for r in page.rows
        if r.get("table") == "candidates" and "selected" in (r.get("class") or "")
    ]
    assert sorted(r["data-model"] for r in selected) == sorted(
        n["forecast_quality"]["model"] for n in summary["queues"].values()
    )
    for numbers in summary["queues"].values():
        assert numbers["forecast_quality"]["model"] == numbers["forecast_model"]


def test_risk_p_meet_and_tradeoff_match_the_summary(rendered) -> None:
    summary, page, _ = rendered
    for queue, numbers in summary["queues"].items():
        risk = numbers.get("risk")
        if not risk:
            assert queue not in page.paragraphs
            continue
        low, high = risk["p_meet_ci"]
        shown = f"{100 * risk['p_meet']:.1f}% ({100 * low:.1f}–{100 * high:.1f}%)"
        assert shown in page.paragraphs[queue]
        assert f"staffed to {risk['staff_to']}" in page.paragraphs[queue]
        labels = [row["staff_to"] for row in risk["tradeoff"]]
        assert labels == ["q50"]
        for row in risk["tradeoff"]:
            assert page.cells[(queue, "cost", row["staff_to"])] == whole(row["cost"])
            assert page.cells[(queue, "p_meet", row["staff_to"])].startswith(
                f"{100 * row['p_meet']:.1f}%"
            )
        # the plan's own row is its roster, reused
        (q50,) = risk["tradeoff"]
        assert q50["reused"]
        assert q50["cost"] == pytest.approx(numbers["cost"])
