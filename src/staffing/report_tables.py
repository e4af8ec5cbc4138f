"""The HTML report's formatting and per-queue tables: numbers, local times, targets, grid.

Every number on the report's page goes through one of these functions, so the page rounds the
same way everywhere: contacts and agents whole, hours to one decimal (or whole in the
headline), money without decimals, fractions as percentages with one decimal. Missing values
(``None``, NaN) show as an en dash. Times come from ``summary.json`` as ISO 8601 strings with
their UTC offset; they are shown as the local wall-clock time they carry ("Mon 10 Nov 2025
00:00"), never as the raw string.

Examples
--------
>>> whole(3792.6), hours(12.345), money(1234567.8), percent(0.8623)
('3,793', '12.3', '1,234,568', '86.2%')
>>> local_time("2025-11-10T23:00:00+00:00"), local_date("2025-08-25")
('Mon 10 Nov 2025 23:00', 'Mon 25 Aug 2025')
>>> percent_range(0.862, [0.849, 0.874])
'86.2% (84.9–87.4%)'
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

__all__ = [
    "DASH",
    "calendar_text",
    "cell",
    "compact_targets",
    "esc",
    "grid_table",
    "hours",
    "local_date",
    "local_time",
    "money",
    "number",
    "percent",
    "percent_range",
    "queue_numbers",
    "roster_table",
    "simulated_table",
    "table",
    "targets_table",
    "text_of",
    "whole",
]

DASH = "–"
"""Shown where a value is missing."""


def esc(value: Any) -> str:
    """HTML-escaped text of a value (``str(value)``).

    Examples
    --------
    >>> esc("<b>temp</b>")
    '&lt;b&gt;temp&lt;/b&gt;'
    """
    return html.escape(str(value))


def _missing(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, float) and not math.isfinite(value)


def whole(value: Any) -> str:
    """A count rounded to a whole number with thousands separators ("3,793").

    Examples
    --------
    >>> whole(3792.6), whole(None)
    ('3,793', '–')
    """
    if _missing(value) or not isinstance(value, int | float):
        return DASH if _missing(value) else esc(value)
    return f"{round(value):,}"


def hours(value: Any, digits: int = 1) -> str:
    """Hours [h] with ``digits`` decimals and thousands separators ("1,234.5").

    Examples
    --------
    >>> hours(1234.56), hours(float("nan"))
    ('1,234.6', '–')
    """
    if _missing(value) or not isinstance(value, int | float):
        return DASH if _missing(value) else esc(value)
    return f"{value:,.{digits}f}"


def money(value: Any) -> str:
    """An amount of money without decimals ("12,346"); the plan's currency has no symbol.

    Examples
    --------
    >>> money(12345.6)
    '12,346'
    """
    return whole(value)


def number(value: Any, digits: int = 2) -> str:
    """A plain number with ``digits`` decimals ("0.84").

    Examples
    --------
    >>> number(0.8391)
    '0.84'
    """
    return hours(value, digits)


def percent(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage ("86.2%").

    Examples
    --------
    >>> percent(0.8623), percent(0.0077, 2)
    ('86.2%', '0.77%')
    """
    if _missing(value) or not isinstance(value, int | float):
        return DASH if _missing(value) else esc(value)
    return f"{100 * value:.{digits}f}%"


def percent_range(value: Any, interval: Sequence[Any] | None) -> str:
    """A fraction with its interval: "86.2% (84.9–87.4%)"; the value alone without one.

    Examples
    --------
    >>> percent_range(0.64, [0.5714, 0.7033]), percent_range(0.64, None)
    ('64.0% (57.1–70.3%)', '64.0%')
    """
    shown = percent(value)
    if not interval or len(interval) != 2 or any(_missing(v) for v in interval):
        return shown
    low, high = interval
    return f"{shown} ({100 * low:.1f}{DASH}{100 * high:.1f}%)"


def _parse(text: str) -> datetime | date | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def local_time(value: Any, *, year: bool = True) -> str:
    """An ISO 8601 timestamp as its local wall-clock time: "Mon 10 Nov 2025 23:00".

    The offset of the string is the local one (``summary.json`` writes local times), so the
    wall-clock time is shown as written. A string that is not a timestamp is shown escaped.
    """
    if _missing(value):
        return DASH
    moment = _parse(str(value))
    if moment is None:
        return esc(value)
    if not isinstance(moment, datetime):
        return local_date(moment, year=year)
    form = "%a %d %b %Y %H:%M" if year else "%a %d %b %H:%M"
    return moment.strftime(form)


def local_date(value: Any, *, year: bool = True) -> str:
    """An ISO 8601 date (or the date of a timestamp) as "Mon 25 Aug 2025".

    Examples
    --------
    >>> local_date("2025-03-03T00:00:00+00:00")
    'Mon 03 Mar 2025'
    """
    if _missing(value):
        return DASH
    moment = value if isinstance(value, date) else _parse(str(value))
    if moment is None:
        return esc(value)
    return moment.strftime("%a %d %b %Y" if year else "%a %d %b")


def text_of(value: Any) -> str:
    """Plain text of a setting: lists joined by "; ", mappings as "key value" pairs.

    Examples
    --------
    >>> text_of({"shifts": ["early", "late"], "seed": 1, "enabled": True})
    'shifts early; late; seed 1; enabled yes'
    """
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{key} {text_of(item)}" for key, item in value.items()) or DASH
    if isinstance(value, list | tuple):
        return "; ".join(text_of(item) for item in value) or "none"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def cell(
    text: str,
    *,
    key: str | None = None,
    queue: str | None = None,
    title: str | None = None,
    cls: str | None = None,
    tag: str = "td",
) -> str:
    """One table cell; ``text`` is HTML already escaped, the attributes are escaped here.

    Examples
    --------
    >>> cell("3,793", queue="phone", key="forecast_contacts")
    '<td data-queue="phone" data-key="forecast_contacts">3,793</td>'
    """
    attrs = ""
    if cls:
        attrs += f' class="{esc(cls)}"'
    if queue is not None:
        attrs += f' data-queue="{esc(queue)}"'
    if key is not None:
        attrs += f' data-key="{esc(key)}"'
    if title:
        attrs += f' title="{esc(title)}"'
    return f"<{tag}{attrs}>{text}</{tag}>"


def table(
    header: Iterable[str],
    rows: Iterable[str],
    *,
    cls: str,
    left: Iterable[int] = (0,),
    wide: bool = True,
    attrs: str = "",
) -> str:
    """A table of class ``cls`` with a header row of escaped labels and ready row HTML.

    ``rows`` are ``<td>`` strings of one row each (without ``<tr>``) or whole ``<tr>``
    elements; the headers of the columns ``left`` (text) are left-aligned, the others right
    (numbers). With ``wide`` the table scrolls sideways in a ``div.wide`` on narrow pages.

    Examples
    --------
    >>> table(["queue", "contacts"], ["<td>phone</td><td>3</td>"], cls="t", wide=False)[:33]
    '<table class="t"><thead><tr><th c'
    """
    left = set(left)
    head = "".join(
        f'<th class="text">{esc(label)}</th>' if i in left else f"<th>{esc(label)}</th>"
        for i, label in enumerate(header)
    )
    body = "".join(row if row.startswith("<tr") else f"<tr>{row}</tr>" for row in rows)
    text = f'<table class="{esc(cls)}"{attrs}><thead><tr>{head}</tr></thead>'
    text += f"<tbody>{body}</tbody></table>"
    return f'<div class="wide">{text}</div>' if wide else text


def compact_targets(targets: Sequence[Mapping[str, Any]]) -> str:
    """The targets as planned in a few words: "80/20 day; 60/60 evening; 70/60 holiday".

    A service-level target shows as level/seconds, any other as its text; each is followed by
    its band (unless the queue has one default band) and its tier (unless "all" or already
    named in the target's text).

    Examples
    --------
    >>> compact_targets([{"tier": None, "band": "day", "target": "80% in 20 s",
    ...                   "target_service_level": 0.8, "target_within_seconds": 20},
    ...                  {"tier": "all", "band": "evening", "target": "60% in 60 s",
    ...                   "target_service_level": 0.6, "target_within_seconds": 60}])
    '80/20 day; 60/60 evening'
    >>> compact_targets([{"tier": "P1+P2", "band": "default",
    ...                   "target": "P1 response 2 h; P2 response 8 h"}])
    'P1 response 2 h; P2 response 8 h'
    """
    bands = {t.get("band") for t in targets}
    pieces = []
    for target in targets:
        level = target.get("target_service_level")
        within = target.get("target_within_seconds")
        short = str(target.get("target", DASH))
        if isinstance(level, int | float) and isinstance(within, int | float):
            short = f"{100 * level:g}/{within:g}"
        band, tier = target.get("band"), target.get("tier")
        scope = []
        if band not in (None, "") and not (band in ("all", "default") and len(bands) == 1):
            scope.append(str(band))
        if tier not in (None, "", "all") and not all(
            name in short for name in str(tier).split("+")
        ):
            scope.append(str(tier))
        pieces.append(" ".join([short, *scope]))
    return "; ".join(dict.fromkeys(pieces))


def calendar_text(calendar: Mapping[str, Any] | None) -> str:
    """The calendar: weekend, holiday source and the holidays in the plan (readable dates).

    Examples
    --------
    >>> calendar_text({"weekend": ["sat", "sun"], "country": "GB",
    ...                "holidays_in_horizon": ["2025-12-25"]})
    'weekend sat, sun; public holidays of GB; holidays in the plan: Thu 25 Dec 2025'
    """
    if not calendar:
        return DASH
    weekend = ", ".join(calendar.get("weekend") or []) or "none"
    country = calendar.get("country")
    source = "no public holidays"
    if country:
        subdiv = calendar.get("subdiv")
        source = f"public holidays of {country}" + (f"/{subdiv}" if subdiv else "")
    extra = calendar.get("extra_holidays") or []
    if extra:
        source += f" and {len(extra)} extra date{'s' if len(extra) > 1 else ''}"
    found = [local_date(day) for day in calendar.get("holidays_in_horizon") or []]
    return (
        f"weekend {esc(weekend)}; {esc(source)}; holidays in the plan: "
        f"{esc(', '.join(found) or 'none')}"
    )


# --- per queue: plan numbers, targets, simulated service, roster and grid --------------


def queue_numbers(numbers: Mapping[str, Any]) -> str:
    """One paragraph: required against scheduled agent-hours, peak agents and the solver.

    Examples
    --------
    >>> queue_numbers({"required_agent_hours": 10.0, "scheduled_agent_hours": 11.0,
    ...                "scheduled_to_required": 1.1, "peak_scheduled_required": 3})[24:86]
    'Required 10.0 agent-hours, scheduled 11.0 (110.0% of required)'
    """
    required = numbers.get("required_agent_hours")
    scheduled = numbers.get("scheduled_agent_hours")
    if required is None and scheduled is None:
        return ""
    ratio = numbers.get("scheduled_to_required")
    text = f"Required {hours(required)} agent-hours, scheduled {hours(scheduled)}"
    text += f" ({percent(ratio)} of required)" if ratio is not None else ""
    text += f"; peak {whole(numbers.get('peak_scheduled_required'))} agents required"
    short = numbers.get("understaffed_intervals")
    if short is not None:
        text += f"; {short:,} interval{'s' if short != 1 else ''} understaffed"
    if numbers.get("status") is not None:
        text += (
            f". Solver: {esc(numbers['status'])}, optimality gap {percent(numbers.get('gap'), 2)}"
        )
    return f'<p class="note numbers">{text}.</p>'


def targets_table(targets: Sequence[Mapping[str, Any]]) -> str:
    """The targets as planned: one row per tier and band, with its open intervals.

    Examples
    --------
    >>> 'data-band="day"' in targets_table([{"tier": None, "band": "day",
    ...                                      "target": "80% in 20 s", "intervals": 90}])
    True
    """
    if not targets:
        return ""
    rows = [
        f'<tr data-band="{esc(t.get("band"))}" data-tier="{esc(t.get("tier"))}">'
        f'<td class="text">{esc(t.get("tier") or DASH)}</td><td class="text">'
        f'{esc(t.get("band"))}</td><td class="text">{esc(t.get("target"))}</td>'
        f"<td>{whole(t.get('intervals'))}</td></tr>"
        for t in targets
    ]
    header = ("tier", "band", "target as planned", "open intervals")
    return table(header, rows, cls="targets", left=(0, 1, 2))


def simulated_table(simulated: Mapping[str, Any]) -> str:
    """Simulated service per band against that band's target, and over the plan.

    Examples
    --------
    >>> "86.2% (84.9–87.4%)" in simulated_table({"service_level": 0.8623,
    ...                                          "service_level_ci": [0.8491, 0.8744]})
    True
    """
    rows = []
    for band, numbers in (simulated.get("bands") or {}).items():
        rows.append(
            f'<tr data-band="{esc(band)}"><td class="text">{esc(band)}</td>'
            f'<td class="text">{esc(numbers.get("target"))}</td>'
            f"<td>{percent(numbers.get('service_level'))}</td>"
            f"<td>{whole(numbers.get('intervals_below_target'))} of "
            f"{whole(numbers.get('intervals_judged'))}</td></tr>"
        )
    overall = percent_range(simulated.get("service_level"), simulated.get("service_level_ci"))
    rows.append(
        '<tr class="sum" data-band="all"><td class="text">all open intervals</td>'
        f"<td>{DASH}</td><td>{overall}"
        f"</td><td>{whole(simulated.get('intervals_below_target'))} of "
        f"{whole(simulated.get('intervals_judged'))}</td></tr>"
    )
    header = ("band", "target", "simulated service level", "intervals below their target")
    asa = simulated.get("asa_seconds")
    lost = simulated.get("abandonment")
    note = (
        f'<p class="note">Average speed of answer {whole(asa)} s, abandonment {percent(lost)} '
        "(weighted by offered contacts; the interval in brackets is 95% over replications).</p>"
    )
    return table(header, rows, cls="simulated", left=(0, 1)) + note


def roster_table(queue: str, numbers: Mapping[str, Any]) -> str:
    """The queue's daily roster (shift, days, hours, breaks, agents per day), or a link to its
    lines of work when it has contracts (``headcount``); ``""`` when it has neither.

    Examples
    --------
    >>> "agents per day" in roster_table("phone", {"roster_table": [{"shift": "early",
    ...     "days": "Mon-Fri", "start": "07:00", "end": "15:00", "breaks": "", "count": 6}]})
    True
    """
    rows = numbers.get("roster_table") or []
    if not rows and numbers.get("headcount"):
        return (
            f'<p class="note">Roster: {whole(numbers.get("lines"))} lines of work, shown in '
            f'<a href="#lines-{esc(queue)}">Headcount and lines of work</a>.</p>'
        )
    if not rows:
        return ""
    body = [
        f'<td class="text">{esc(r.get("shift"))}</td><td class="text">{esc(r.get("days"))}</td>'
        f'<td class="text">{esc(r.get("start"))}</td><td class="text">{esc(r.get("end"))}</td>'
        f'<td class="text">{esc(r.get("breaks") or DASH)}</td>'
        f'<td data-key="count">{whole(r.get("count"))}</td>'
        for r in rows
    ]
    header = ("shift", "days", "start", "end", "breaks", "agents per day")
    return "<h3>Roster</h3>" + table(header, body, cls="roster", left=range(5))


_LEGEND = (
    '<p class="legend"><span class="swatch">12</span> scheduled agents, enough '
    '<span class="swatch short">3/5</span> short: scheduled/required '
    '<span class="swatch unstaffed">0/3</span> open with nobody scheduled '
    '<span class="swatch closed">&nbsp;</span> closed</p>'
)


def _grid_cell(day: str, time: str, required: Any, scheduled: Any, is_open: Any, bare) -> str:
    if required is None and scheduled is None:
        return '<td class="none" title="no such interval (clock change)"></td>'
    required = required or 0
    scheduled = scheduled or 0
    title = f"{day} {time}: {scheduled:,} scheduled, {required:,} required"
    if is_open is False:
        shown = f"{scheduled:,}" if scheduled else ""
        return f'<td class="closed" title="{esc(title)}; closed">{shown}</td>'
    if f"{day} {time}" in bare:
        return f'<td class="unstaffed" title="{esc(title)}; open">{scheduled}/{required}</td>'
    if scheduled < required:
        return f'<td class="short" title="{esc(title)}">{scheduled:,}/{required:,}</td>'
    return f'<td title="{esc(title)}">{scheduled:,}</td>'


def grid_table(queue: str, numbers: Mapping[str, Any]) -> str:
    """The day by time-of-day grid of scheduled against required agents (local time).

    Each cell shows the scheduled agents, its title the required ones too. Cells short of the
    required agents show "scheduled/required" on red (class ``short``), open intervals
    flagged with nobody on contacts on dark red (``unstaffed``), closed ones are grey
    (``closed``) and clock times a day does not have (summer time) hatched (``none``).

    Examples
    --------
    >>> grid = {"days": ["Mon 10 Nov"], "times": ["09:00"], "required": [[3]],
    ...         "scheduled": [[2]], "open": [[True]]}
    >>> '<td class="short" title="Mon 10 Nov 09:00: 2 scheduled, 3 required">2/3</td>' in (
    ...     grid_table("phone", {"grid": grid}))
    True
    """
    grid = numbers.get("grid")
    if not grid or not grid.get("days"):
        return ""
    times = grid.get("times") or []
    bare = {gap.get("local") for gap in (numbers.get("flags") or {}).get("unstaffed_open") or []}
    hourly = all(len(t) >= 5 and t[2:5] == ":00" for t in times)
    head = '<th class="text">day</th>' + "".join(
        f'<th title="{esc(t)}">{esc(t[:2] + t[5:])}</th>' if hourly else f"<th>{esc(t)}</th>"
        for t in times
    )
    rows = []
    for i, day in enumerate(grid["days"]):
        cells = [
            _grid_cell(
                day,
                time,
                _at(grid.get("required"), i, j),
                _at(grid.get("scheduled"), i, j),
                _at(grid.get("open"), i, j),
                bare,
            )
            for j, time in enumerate(times)
        ]
        rows.append(f'<tr><th class="text">{esc(day)}</th>{"".join(cells)}</tr>')
    body = f'<table class="grid" data-queue="{esc(queue)}"><thead><tr>{head}</tr></thead>'
    body += f"<tbody>{''.join(rows)}</tbody></table>"
    what = "hour (local time; 09 = 09:00-10:00)" if hourly else "time (local)"
    return f'<h3>Agents by day and {what}</h3><div class="wide">{body}</div>{_LEGEND}'


def _at(rows: Any, i: int, j: int) -> Any:
    try:
        return rows[i][j]
    except (TypeError, IndexError):
        return None
