"""A self-contained HTML report of a plan: headline numbers, targets and embedded plots.

:func:`render_report` takes the plan's summary (:func:`staffing.summary.summarise`) and its
figures (:func:`staffing.plot.plan_figures`) and knows nothing else of the plan: every number
on the page is one of ``summary.json`` or, in the headcount tables, a sum of them (the rows
"all contracts", and the paid hours of all queues per contract). The page has no external
resources (no scripts, styles or images fetched from anywhere), so it can be mailed or archived
as one file.

Examples
--------
>>> summary = {"horizon": {"first_interval": "2025-06-02T00:00:00+01:00",
...                        "last_interval": "2025-06-08T23:00:00+01:00",
...                        "interval_minutes": 60, "staff_to": "q50"},
...            "queues": {"phone": {"target": "80% in 20 s", "targets": []}}}
>>> page = render_report(summary, {})
>>> page.startswith("<!DOCTYPE html>"), "phone" in page
(True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from staffing.plot import figure_to_data_uri
from staffing.report_blend import blend_section

__all__ = ["render_report"]
_MOVED = (figure_to_data_uri,)  # now in staffing.plot, still importable from here

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: 0.5rem 0; }
.note { color: #555; font-size: 0.9rem; }
h3 { margin-top: 1.5rem; }
tr.sum td { font-weight: bold; }
.wide { overflow-x: auto; }
table.lines { font-size: 0.78rem; }
table.lines th, table.lines td { padding: 0.2rem 0.35rem; text-align: left; white-space: nowrap; }
table.lines th { white-space: normal; }
table.lines td.num { text-align: right; }
table.lines th.day, table.lines td.day { text-align: center; }
table.lines td.off { color: #999; }
table.lines .brk { color: #555; }
td.text, th.text { text-align: left; }
"""


def render_report(
    summary: Mapping[str, Any], figures: Mapping[str, Sequence[tuple[str, str]]]
) -> str:
    """Render a plan's summary and figures as one self-contained HTML page.

    The page shows the headline numbers, and for each queue the targets as planned (one row
    per tier and band), the simulated service per band against that band's own target, and the
    queue's figures. A plan with contracts (weekly lines of work) ends with a "Headcount and
    lines of work" section: people, FTE, paid hours and cost per contract over all queues and
    per queue, and each queue's distinct lines of work with their count (at most
    :data:`MAX_LINES` per queue; the rest are counted in a note and are all in ``lines.csv``).

    Parameters
    ----------
    summary : mapping
        The plan's summary (:func:`staffing.summary.summarise`, as in ``summary.json``).
    figures : mapping of str to sequence of (str, str)
        Queue -> ``(figure name, PNG data URI)`` (:func:`staffing.plot.plan_figures`).

    Returns
    -------
    str
        The HTML text.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>staffing plan</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Staffing plan</h1>",
        _horizon_text(summary),
        "<h2>Headline numbers</h2>",
        _headline_table(summary),
    ]
    lines_section = _lines_section(summary)
    if summary.get("blending"):
        parts.append(
            '<p class="note">The blended roster of skill groups against separate rosters: '
            '<a href="#blending">below</a>.</p>'
        )
    if lines_section:
        parts.append(
            '<p class="note">Headcount per contract and the weekly lines of work: '
            '<a href="#headcount">below</a>.</p>'
        )
    for queue, numbers in summary["queues"].items():
        parts.append(f'<h2 id="queue-{html.escape(queue)}">{html.escape(queue)}</h2>')
        parts.append(_targets_table(numbers.get("targets") or []))
        if numbers.get("simulated"):
            parts.append(_bands_table(numbers["simulated"]))
        for name, uri in figures.get(queue, ()):
            label = html.escape(f"{queue} {name}")
            parts.append(
                f'<img class="plot" data-plot="{html.escape(name)}" alt="{label}" src="{uri}">'
            )
        if not numbers.get("simulated"):
            parts.append(
                '<p class="note">Not simulated: deferred or tiered work is checked by its '
                "backlog model in the requirements.</p>"
            )
    parts.append(lines_section)
    parts.append(blend_section(summary))
    parts.append("</body></html>")
    return "\n".join(parts)


def _targets_table(targets: Sequence[Mapping[str, Any]]) -> str:
    if not targets:
        return ""
    rows = "".join(
        f'<tr data-band="{html.escape(str(t["band"]))}" data-tier="{html.escape(str(t["tier"]))}">'
        f"<td>{html.escape(str(t['tier']))}</td><td>{html.escape(str(t['band']))}</td>"
        f"<td>{html.escape(str(t['target']))}</td><td>{t['intervals']:,}</td></tr>"
        for t in targets
    )
    return (
        '<table class="targets"><tr><th>tier</th><th>band</th><th>target as planned</th>'
        f"<th>open intervals</th></tr>{rows}</table>"
    )


def _bands_table(simulated: Mapping[str, Any]) -> str:
    rows = []
    for band, numbers in (simulated.get("bands") or {}).items():
        rows.append(
            f'<tr data-band="{html.escape(band)}"><td>{html.escape(band)}</td>'
            f"<td>{html.escape(str(numbers['target']))}</td>"
            f"<td>{_format('simulated_service_level', numbers.get('service_level'))}</td>"
            f"<td>{numbers['intervals_below_target']:,} of {numbers['intervals_judged']:,}</td>"
            "</tr>"
        )
    return (
        '<table class="simulated"><tr><th>band</th><th>target</th><th>simulated service level'
        "</th><th>intervals below their target</th></tr>" + "".join(rows) + "</table>"
    )


def _horizon_text(summary: dict[str, Any]) -> str:
    horizon = summary["horizon"]
    return (
        f'<p class="note">From {html.escape(horizon["first_interval"])} to '
        f"{html.escape(horizon['last_interval'])}, intervals of {horizon['interval_minutes']} "
        f"minutes, staffed to the forecast column {html.escape(horizon['staff_to'])}.</p>"
        + _calendar_text(horizon.get("calendar"))
    )


def _calendar_text(calendar: Mapping[str, Any] | None) -> str:
    """The calendar every step used: weekend, holiday source and the holidays in the horizon."""
    if not calendar:
        return ""
    weekend = ", ".join(calendar.get("weekend") or []) or "none"
    country = calendar.get("country")
    source = "no public holidays"
    if country:
        source = f"public holidays of {country}" + (
            f"/{calendar['subdiv']}" if calendar.get("subdiv") else ""
        )
    extra = calendar.get("extra_holidays") or []
    if extra:
        source += f" and {len(extra)} extra date{'s' if len(extra) > 1 else ''}"
    found = calendar.get("holidays_in_horizon") or []
    dates = ", ".join(found) if found else "none"
    return (
        f'<p class="note" id="calendar">Calendar: weekend {html.escape(weekend)}; '
        f"{html.escape(source)}; holidays in the plan: {html.escape(dates)}.</p>"
    )


_COLUMNS = (
    ("target", "target"),
    ("forecast_contacts", "forecast contacts"),
    ("peak_scheduled_required", "peak agents required"),
    ("required_agent_hours", "required agent-hours"),
    ("scheduled_agent_hours", "scheduled agent-hours"),
    ("scheduled_to_required", "scheduled / required"),
    ("understaffed_intervals", "understaffed intervals"),
    ("status", "solver status"),
    ("gap", "optimality gap"),
    ("simulated_service_level", "simulated service level"),
)


def _headline_table(summary: dict[str, Any]) -> str:
    header = "".join(f"<th>{html.escape(label)}</th>" for _, label in _COLUMNS)
    rows = []
    for queue, numbers in summary["queues"].items():
        simulated = numbers.get("simulated") or {}
        values = dict(numbers, simulated_service_level=simulated.get("service_level"))
        cells = "".join(f"<td>{_format(key, values.get(key))}</td>" for key, _ in _COLUMNS)
        rows.append(f"<tr><td>{html.escape(queue)}</td>{cells}</tr>")
    return f"<table><tr><th>queue</th>{header}</tr>{''.join(rows)}</table>"


def _format(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if key in ("gap", "simulated_service_level") and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


MAX_LINES = 40
"""Distinct lines of work shown per queue; the rest are counted in a note (all in lines.csv)."""

_LINE_KEYS = ("weeks", "contract", "shift", "days", "days_worked", "paid_hours", "count")


def _lines_section(summary: Mapping[str, Any]) -> str:
    """Headcount per contract (all queues, then each queue) and each queue's lines of work.

    Empty when the plan has no contracts (the daily roster: no ``headcount`` in the summary).
    """
    queues = {q: n for q, n in summary["queues"].items() if n.get("headcount") is not None}
    if not queues:
        return ""
    parts = [
        '<h2 id="headcount">Headcount and lines of work</h2>',
        '<p class="note">People per contract (each works one line of work; the busiest week '
        "counts), FTE = paid hours per week / full-time hours per week, and each queue's lines "
        "of work: identical lines are shown once with their count; lines.csv has one row per "
        "line.</p>",
    ]
    totals = (summary.get("totals") or {}).get("headcount")
    if totals:
        parts.append("<h3>All queues</h3>")
        parts.append(_headcount_table(_total_rows(totals, queues), "all"))
    for queue, numbers in queues.items():
        parts.append(f'<h3 id="lines-{html.escape(queue)}">{html.escape(queue)}</h3>')
        parts.append(_headcount_table(numbers["headcount"], queue))
        parts.append(_lines_table(numbers))
    return "\n".join(parts)


def _total_rows(
    totals: Sequence[Mapping[str, Any]], queues: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The plan's headcount per contract, with paid hours summed over the queues if absent."""
    paid: dict[str, float] = {}
    for numbers in queues.values():
        for row in numbers["headcount"]:
            paid[row["contract"]] = paid.get(row["contract"], 0.0) + row["paid_hours_per_week"]
    everything = sum(paid.values())
    return [
        {
            "paid_hours_per_week": paid.get(row["contract"]),
            "share_of_paid_hours": (
                paid[row["contract"]] / everything
                if everything and row["contract"] in paid
                else None
            ),
            **row,
        }
        for row in totals
    ]


_HEADCOUNT_COLUMNS = (
    ("headcount", "people", "{:,}"),
    ("fte", "FTE", "{:,.1f}"),
    ("paid_hours_per_week", "paid hours / week", "{:,.1f}"),
    ("share_of_paid_hours", "share of paid hours", "{:.1%}"),
    ("cost_per_week", "cost / week", "{:,.0f}"),
)


def _headcount_table(rows: Sequence[Mapping[str, Any]], scope: str) -> str:
    """One row per contract, and a row of sums when there are several contracts."""
    body = [
        f'<tr data-contract="{html.escape(str(row["contract"]))}">'
        f"<td>{html.escape(str(row['contract']))}</td>{_headcount_cells(row)}</tr>"
        for row in rows
    ]
    if len(rows) > 1:
        sums: dict[str, Any] = {}
        for key, _, _ in _HEADCOUNT_COLUMNS:
            values = [row.get(key) for row in rows]
            sums[key] = None if None in values else sum(values)
        body.append(f'<tr class="sum"><td>all contracts</td>{_headcount_cells(sums)}</tr>')
    header = "".join(f"<th>{label}</th>" for _, label, _ in _HEADCOUNT_COLUMNS)
    return (
        f'<table class="headcount" data-scope="{html.escape(scope)}"><tr><th>contract</th>'
        f"{header}</tr>{''.join(body)}</table>"
    )


def _headcount_cells(row: Mapping[str, Any]) -> str:
    cells = []
    for key, _, form in _HEADCOUNT_COLUMNS:
        value = row.get(key)
        text = "–" if value is None else form.format(value)
        cells.append(f'<td data-key="{key}">{text}</td>')
    return "".join(cells)


def _lines_table(numbers: Mapping[str, Any]) -> str:
    """The queue's distinct lines of work (at most :data:`MAX_LINES`), each with its count."""
    lines = numbers.get("lines_of_work") or []
    if not lines:
        return '<p class="note">No lines of work.</p>'
    days = [key for key in lines[0] if key not in _LINE_KEYS]
    with_weeks = len({str(line.get("weeks")) for line in lines}) > 1
    header = "<th>count</th>" + ("<th>weeks</th>" if with_weeks else "")
    header += "<th>contract</th><th>shift</th><th>days</th>"
    header += "".join(f'<th class="day">{html.escape(day)}</th>' for day in days)
    header += "<th>paid hours</th>"
    rows = [_line_row(line, days, with_weeks) for line in lines[:MAX_LINES]]
    total = numbers.get("lines", sum(line["count"] for line in lines))
    note = (
        f'<p class="note">{total:,} lines of work, {len(lines):,} distinct. A working day shows '
        "its hours and below them its breaks in brackets; paid hours are per week.</p>"
    )
    rest = lines[MAX_LINES:]
    if rest:
        people = sum(line["count"] for line in rest)
        note += (
            f'<p class="note more">{len(rest):,} more distinct lines ({people:,} people) are not '
            "shown; the full table is in lines.csv.</p>"
        )
    table = f'<table class="lines"><tr>{header}</tr>{"".join(rows)}</table>'
    return f'{note}<div class="wide">{table}</div>'


def _line_row(line: Mapping[str, Any], days: Sequence[str], with_weeks: bool) -> str:
    cells = [f'<td class="num" data-key="count">{line["count"]:,}</td>']
    if with_weeks:
        cells.append(f"<td>{html.escape(str(line['weeks']))}</td>")
    for key in ("contract", "shift", "days"):
        cells.append(f"<td>{html.escape(str(line[key]))}</td>")
    for day in days:
        cells.append(_day_cell(day, line.get(day) or ""))
    cells.append(f'<td class="num" data-key="paid_hours">{line["paid_hours"]:,.1f}</td>')
    return f"<tr>{''.join(cells)}</tr>"


def _day_cell(day: str, text: str) -> str:
    """A working day as its hours and below them its breaks in brackets; ``off`` on a day off.

    The cell's title holds the text as in ``lines.csv`` ("HH:MM-HH:MM; break HH:MM-HH:MM").
    """
    if not text:
        return f'<td class="day off" data-day="{html.escape(day)}">off</td>'
    hours, *breaks = str(text).split("; ")
    shown = html.escape(hours) + "".join(
        f'<br><span class="brk">({html.escape(part.removeprefix("break "))})</span>'
        for part in breaks
    )
    return (
        f'<td class="day" data-day="{html.escape(day)}" title="{html.escape(str(text))}">'
        f"{shown}</td>"
    )
