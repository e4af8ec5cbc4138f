"""A self-contained HTML report of a plan: the planner's page of cost, people, risk and inputs.

:func:`render_report` takes the plan's summary (:func:`staffing.summary.summarise`) and its
figures (:func:`staffing.plot.plan_figures`) and knows nothing else of the plan: every number
on the page is one of ``summary.json`` or a sum of them (the rows "all contracts", the paid
hours of all queues per contract, people and FTE of a queue over its contracts). The page has
no external resources (no scripts, styles or images fetched from anywhere), so it can be
mailed, printed or archived as one file.

The page, top to bottom: the horizon in local time and a table of contents; the headline
(per queue and in total: contacts, paid hours, cost, people and FTE, targets, simulated
service level, P(week meets target), flags) with the list of warnings; one section per queue
(plan numbers, targets, simulated service per band, roster, the day by time grid of scheduled
against required agents, figures); the assumptions; forecast quality; risk; headcount and
lines of work (plans with contracts); blending (plans with skill groups).

Examples
--------
>>> summary = {"horizon": {"first_interval": "2025-06-02T00:00:00+01:00",
...                        "last_interval": "2025-06-08T23:00:00+01:00",
...                        "interval_minutes": 60, "staff_to": "q50"},
...            "queues": {"phone": {"target": "80% in 20 s", "targets": []}}}
>>> page = render_report(summary, {})
>>> page.startswith("<!DOCTYPE html>"), "phone" in page, "Mon 02 Jun 2025 00:00" in page
(True, True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from staffing.plot import figure_to_data_uri
from staffing.report_blend import blend_section
from staffing.report_sections import assumptions_section, headline_section, risk_section
from staffing.report_tables import (
    DASH,
    calendar_text,
    cell,
    esc,
    grid_table,
    local_date,
    local_time,
    number,
    percent,
    queue_numbers,
    roster_table,
    simulated_table,
    table,
    targets_table,
    whole,
)

__all__ = ["MAX_LINES", "render_report"]
_MOVED = (figure_to_data_uri,)  # now in staffing.plot, still importable from here

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto;
  max-width: 1150px; padding: 0 1rem; color: #1f1f1f; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #ccc; padding-bottom: 0.2rem; }
h3 { margin-top: 1.5rem; } h4 { margin: 1rem 0 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; text-align: right;
  vertical-align: top; }
th { background: #f3f3f3; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td { white-space: nowrap; } td.text, td.wrap { white-space: normal; }
table.headline td.text, table.assumptions-queues td.text { min-width: 9rem; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
a { color: #0b57d0; }
.note { color: #4a4a4a; font-size: 0.9rem; }
.horizon { font-size: 1.05rem; margin: 0.2rem 0; }
.wide { overflow-x: auto; max-width: 100%; }
tr.sum td { font-weight: bold; border-top: 2px solid #999; }
tr.flagged td:first-child { border-left: 4px solid #b00020; }
td.flagged { color: #b00020; font-weight: bold; }
ul.flags { color: #b00020; border: 2px solid #b00020; background: #fdecee;
  padding: 0.5rem 0.8rem 0.5rem 2rem; font-weight: 600; }
p.ok { color: #1b5e20; }
nav.toc { background: #f7f7f7; border: 1px solid #ddd; padding: 0.4rem 0.9rem;
  font-size: 0.9rem; }
nav.toc ol { margin: 0.2rem 0; padding-left: 1.3rem; columns: 2; }
tr.own td, tr.selected td { background: #e8f0fe; font-weight: 600; }
table.grid { font-size: 0.74rem; }
table.grid th, table.grid td { padding: 0.12rem 0.25rem; text-align: center; min-width: 1.6rem; }
table.grid th:first-child { white-space: nowrap; text-align: left; }
td.short, .swatch.short { background: #e53935; color: #fff; font-weight: bold; }
td.unstaffed, .swatch.unstaffed { background: #7f0000; color: #fff; font-weight: bold; }
td.closed, .swatch.closed { background: #d5d5d5; color: #555; }
td.none { background: repeating-linear-gradient(45deg, #eee, #eee 3px, #fff 3px, #fff 6px); }
.legend { font-size: 0.82rem; }
.swatch { display: inline-block; min-width: 1.6rem; padding: 0 0.25rem; text-align: center;
  border: 1px solid #ccc; margin: 0 0.2rem 0 0.8rem; }
.swatch:first-child { margin-left: 0; }
p.p-meet { font-size: 1.02rem; }
table.lines { font-size: 0.78rem; }
table.lines th, table.lines td { padding: 0.2rem 0.35rem; text-align: left; white-space: nowrap; }
table.lines th { white-space: normal; }
table.lines td.num { text-align: right; }
table.lines th.day, table.lines td.day { text-align: center; }
table.lines td.off { color: #999; }
table.lines .brk { color: #555; }
@media (max-width: 700px) { body { margin: 0.5rem auto; } nav.toc ol { columns: 1; }
  table { font-size: 0.8rem; } }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .wide { overflow: visible; }
  nav.toc { display: none; }
  h2, h3, h4 { break-after: avoid; }
  tr, img, ul.flags { break-inside: avoid; }
  img { max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_report(
    summary: Mapping[str, Any], figures: Mapping[str, Sequence[tuple[str, str]]]
) -> str:
    """Render a plan's summary and figures as one self-contained HTML page.

    Sections: headline (``id="headline"``, with the flags: open intervals with nobody
    scheduled and intervals short of the required agents), one per queue
    (``id="queue-<name>"``), assumptions (``id="assumptions"``), forecast quality
    (``id="forecast-quality"``), risk (``id="risk"``), and when present headcount and lines of
    work (``id="headcount"``, at most :data:`MAX_LINES` distinct lines per queue) and blending
    (``id="blending"``). Keys an older ``summary.json`` lacks leave their part out or show a
    note. Times are local ("Mon 10 Nov 2025 23:00"); counts are whole, hours have one decimal
    (whole in the headline), money none, percentages one.

    Parameters
    ----------
    summary : mapping
        The plan's summary (:func:`staffing.summary.summarise`, as in ``summary.json``).
    figures : mapping of str to sequence of (str, str)
        Queue -> ``(figure name, PNG data URI)`` (:func:`staffing.plot.plan_figures`); the
        figures ``"risk"`` and ``"tradeoff"`` go to the risk section, the others to the queue's.

    Returns
    -------
    str
        The HTML text.
    """
    lines = lines_section(summary)
    blend = blend_section(summary)
    sections = [
        headline_section(summary),
        *(
            _queue_section(queue, numbers, figures.get(queue, ()))
            for queue, numbers in summary["queues"].items()
        ),
        assumptions_section(summary),
        forecast_quality_section(summary),
        risk_section(summary, figures),
        lines,
        blend,
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Staffing plan</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Staffing plan</h1>",
        horizon_text(summary),
        _contents(summary, bool(lines), bool(blend)),
        *(s for s in sections if s),
        "</body></html>",
    ]
    return "\n".join(parts)


def _interval_words(minutes: Any) -> str:
    if minutes == 60:
        return "hourly intervals"
    if isinstance(minutes, int | float):
        return f"{minutes:g}-minute intervals"
    return "intervals"


def horizon_text(summary: Mapping[str, Any]) -> str:
    """The plan's horizon in local time, its time zone, interval and the column staffed to.

    Examples
    --------
    >>> horizon_text({"horizon": {"first_local": "Mon 10 Nov 2025 00:00 GMT",
    ...     "last_local": "Sun 16 Nov 2025 23:00 GMT", "tz": "Europe/London",
    ...     "interval_minutes": 60, "staff_to": "q50"}})[19:107]
    'Mon 10 Nov 2025 00:00 GMT to Sun 16 Nov 2025 23:00 GMT, Europe/London, hourly intervals.'
    """
    horizon = summary.get("horizon") or {}
    first = horizon.get("first_local") or local_time(horizon.get("first_interval"))
    last = horizon.get("last_local") or local_time(horizon.get("last_interval"))
    where = f", {horizon['tz']}" if horizon.get("tz") else ""
    text = f"{first} to {last}{where}, {_interval_words(horizon.get('interval_minutes'))}"
    staff_to = horizon.get("staff_to")
    column = f" Staffed to the forecast column {esc(staff_to)}." if staff_to else ""
    calendar = horizon.get("calendar")
    note = f'<p class="note" id="calendar">Calendar: {calendar_text(calendar)}.</p>'
    return f'<p class="horizon">{esc(text)}.{column}</p>' + (note if calendar else "")


def _contents(summary: Mapping[str, Any], lines: bool, blend: bool) -> str:
    entries = [("headline", "Headline")]
    entries += [(f"queue-{queue}", f"Queue {queue}") for queue in summary["queues"]]
    entries += [
        ("assumptions", "Assumptions"),
        ("forecast-quality", "Forecast quality"),
        ("risk", "Risk"),
    ]
    if lines:
        entries.append(("headcount", "Headcount and lines of work"))
    if blend:
        entries.append(("blending", "Blended roster"))
    items = "".join(f'<li><a href="#{esc(key)}">{esc(label)}</a></li>' for key, label in entries)
    return f'<nav class="toc"><strong>Contents</strong><ol>{items}</ol></nav>'


def _queue_section(
    queue: str, numbers: Mapping[str, Any], figures: Sequence[tuple[str, str]]
) -> str:
    parts = [f'<h2 id="queue-{esc(queue)}">Queue {esc(queue)}</h2>', queue_numbers(numbers)]
    targets = targets_table(numbers.get("targets") or [])
    if targets:
        parts += ["<h3>Targets as planned</h3>", targets]
    if numbers.get("simulated"):
        parts += ["<h3>Simulated service</h3>", simulated_table(numbers["simulated"])]
    else:
        parts.append(
            '<p class="note">Not simulated: deferred or tiered work is checked by its '
            "backlog model in the requirements.</p>"
        )
    parts.append(roster_table(queue, numbers))
    parts.append(grid_table(queue, numbers))
    for name, uri in figures:
        if name in ("risk", "tradeoff"):
            continue
        parts.append(
            f'<img class="plot" data-plot="{esc(name)}" alt="{esc(queue)} {esc(name)}" '
            f'src="{uri}">'
        )
    return "\n".join(p for p in parts if p)


# --- forecast quality --------------------------------------------------------------------


def _reason(quality: Mapping[str, Any]) -> str:
    """Why the model: the summary's reason after the model's name, or one from the scores."""
    chosen = [c for c in quality.get("candidates") or [] if c.get("selected")]
    model = str(quality.get("model") or (chosen[0]["model"] if chosen else DASH))
    if quality.get("reason"):
        reason = str(quality["reason"])
        return reason if reason.startswith(model) else f"{model}: {reason}"
    if not chosen or chosen[0].get("mase") is None:
        return f"{model}: set in the configuration"
    text = f"{model}: lowest validation MASE {number(chosen[0]['mase'])} of "
    text += f"{len(quality['candidates'])} candidates"
    naive = [c for c in quality["candidates"] if c["model"] == quality.get("naive_model")]
    if naive and naive[0].get("mase") is not None:
        text += f"; {naive[0]['model']} {number(naive[0]['mase'])}"
    return text


def _coverage_key(quality: Mapping[str, Any]) -> tuple[str, str]:
    """The candidates' coverage key and its label: ``coverage_80`` -> "80% band"."""
    name = str(quality.get("coverage_name") or "coverage_80")
    if name.startswith("coverage_"):
        return name, f"{name.removeprefix('coverage_')}% band"
    return "coverage_80", name


_CLASS_SELECTED = ' class="selected"'


def _candidates_table(quality: Mapping[str, Any], queue: str) -> str:
    rows = []
    key, band = _coverage_key(quality)
    for c in quality.get("candidates") or []:
        bias = c.get("bias")
        signed = (
            percent(bias)
            if not isinstance(bias, int | float) or bias <= 0
            else "+" + percent(bias)
        )
        chosen = bool(c.get("selected"))
        rows.append(
            f'<tr{_CLASS_SELECTED if chosen else ""} data-model="{esc(c.get("model"))}">'
            + cell(esc(c.get("model")), cls="text")
            + cell(number(c.get("mase")), queue=queue, key="mase")
            + cell(signed, queue=queue, key="bias")
            + cell(percent(c.get(key)), queue=queue, key=key)
            + cell(number(c.get("dispersion"), 3), queue=queue, key="dispersion")
            + cell(number(c.get("level_dispersion"), 4), queue=queue, key="level_dispersion")
            + cell("selected" if chosen else "", cls="text")
            + "</tr>"
        )
    if not rows:
        return ""
    header = ("model", "validation MASE", "bias", f"{band} coverage", "dispersion",
              "level dispersion", "")  # fmt: skip
    return table(header, rows, cls="candidates")


def _history_text(quality: Mapping[str, Any]) -> str:
    start, end = quality.get("history_start"), quality.get("history_end")
    text = f"History {local_date(start)} to {local_date(end)}" if start or end else ""
    gaps = quality.get("gaps") or []
    days = [local_date(d) for d in quality.get("holidays_in_history") or []]
    text += f"; {len(gaps) or 'no'} gap{'s' if len(gaps) != 1 else ''} in the data"
    text += f"; holidays in the history: {', '.join(days) if days else 'none'}."
    return f'<p class="note">{esc(text.lstrip("; "))}</p>'


def _gaps_table(gaps: Sequence[Mapping[str, Any]]) -> str:
    if not gaps:
        return ""
    rows = [
        cell(esc(local_time(g.get("start"))), cls="text")
        + cell(esc(local_time(g.get("end"))), cls="text")
        + cell(whole(g.get("intervals")))
        + cell(esc(g.get("reason") or DASH), cls="text")
        for g in gaps
    ]
    return table(("from", "to", "intervals", "reason"), rows, cls="gaps", left=(0, 1, 3))


def forecast_quality_section(summary: Mapping[str, Any]) -> str:
    """Per queue: the model chosen and why, the candidates' scores and the history used.

    Parameters
    ----------
    summary : mapping
        The plan's summary; reads ``queues[q]["forecast_quality"]`` (``model``, ``reason``,
        ``candidates`` with ``mase``, ``bias`` and coverage [fraction], ``dispersion``,
        ``level_dispersion``, ``selected``; ``coverage_name``, ``history_start``,
        ``history_end``, ``gaps``, ``holidays_in_history``), else ``forecast_model`` and
        ``forecast_validation_mase``.

    Returns
    -------
    str
        HTML: ``<h2 id="forecast-quality">`` and per queue the reason, the candidates table
        (class ``candidates``, the chosen row of class ``selected``), the history and its gaps.

    Examples
    --------
    >>> page = forecast_quality_section({"queues": {"phone": {"forecast_model": "glm",
    ...     "forecast_validation_mase": 0.918}}})
    >>> "Model glm (validation MASE 0.92)." in page
    True
    """
    parts = ['<h2 id="forecast-quality">Forecast quality</h2>']
    for queue, numbers in summary["queues"].items():
        parts.append(f'<h3 id="quality-{esc(queue)}">{esc(queue)}</h3>')
        quality = numbers.get("forecast_quality")
        if not quality:
            model = numbers.get("forecast_model") or DASH
            mase = numbers.get("forecast_validation_mase")
            score = f" (validation MASE {number(mase)})" if mase is not None else ""
            parts.append(f'<p class="note">Model {esc(model)}{score}.</p>')
            continue
        parts.append(f'<p class="reason" data-queue="{esc(queue)}">{esc(_reason(quality))}</p>')
        parts.append(_candidates_table(quality, queue))
        parts.append(_history_text(quality))
        parts.append(_gaps_table(quality.get("gaps") or []))
    parts.append(
        '<p class="note">MASE: mean absolute error over the validation weeks divided by that of '
        "the seasonal naive forecast in the history (below 1 beats it); bias: (forecast − "
        "actual) / actual; coverage: share of actual counts inside the band (80% when the "
        "band is right); dispersion: the negative binomial's alpha (variance = mean + "
        "alpha × mean²); level dispersion: the part shared by every interval of a week.</p>"
    )
    return "\n".join(p for p in parts if p)


# --- headcount and lines of work (plans with contracts) -------------------------------


MAX_LINES = 40
"""Distinct lines of work shown per queue; the rest are counted in a note (all in lines.csv)."""

_LINE_KEYS = ("weeks", "contract", "shift", "days", "days_worked", "paid_hours", "count")


def lines_section(summary: Mapping[str, Any]) -> str:
    """Headcount per contract (all queues, then each queue) and each queue's lines of work.

    Empty when the plan has no contracts (the daily roster: no ``headcount`` in the summary).

    Examples
    --------
    >>> lines_section({"queues": {"phone": {}}})
    ''
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
