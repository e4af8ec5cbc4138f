"""A self-contained HTML report of a plan: headline numbers, targets and embedded plots.

:func:`render_report` takes the plan's summary (:func:`staffing.summary.summarise`) and its
figures (:func:`staffing.plot.plan_figures`) and knows nothing else of the plan: every number
on the page is one of ``summary.json``. The page has no external resources (no scripts, styles
or images fetched from anywhere), so it can be mailed or archived as one file.

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
"""


def render_report(
    summary: Mapping[str, Any], figures: Mapping[str, Sequence[tuple[str, str]]]
) -> str:
    """Render a plan's summary and figures as one self-contained HTML page.

    The page shows the headline numbers, and for each queue the targets as planned (one row
    per tier and band), the simulated service per band against that band's own target, and the
    queue's figures.

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
