"""The report's sections: headline with flags, assumptions and risk.

Each function takes the plan's summary (``summary.json``, :func:`staffing.summary.summarise`)
or one queue's part of it and returns HTML; none reads anything else. Optional keys that an
older ``summary.json`` lacks (``flags``, ``grid``, ``roster_table``, ``risk``...) leave their
cell, table or list out, with a note where the reader would look for it.

Examples
--------
>>> summary = {"queues": {"phone": {"forecast_contacts": 3792.6, "paid_hours": 1200.0,
...            "cost": 24000.0, "targets": [], "flags": {"unstaffed_open": [
...            {"interval_start": "2025-11-10T23:00:00+00:00", "local": "Mon 10 Nov 23:00",
...             "volume": 12.2, "required": 3}], "shortfall_intervals": 1}}},
...            "totals": {"forecast_contacts": 3792.6}}
>>> page = headline_section(summary)
>>> 'data-key="forecast_contacts">3,793<' in page
True
>>> "phone: Mon 10 Nov 23:00: 0 agents on contacts (3 required) for 12 expected contacts" in page
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from staffing.report_tables import (
    DASH,
    calendar_text,
    cell,
    compact_targets,
    esc,
    hours,
    local_time,
    money,
    number,
    percent,
    percent_range,
    table,
    text_of,
    whole,
)

__all__ = [
    "assumptions_section",
    "flag_items",
    "headline_section",
    "risk_section",
]


def _people(numbers: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """People and FTE cells (text, title) of a queue: per contract, else the plan's own row."""
    rows = numbers.get("headcount")
    if rows:
        people = sum(row.get("headcount") or 0 for row in rows)
        fte = sum(row.get("fte") or 0.0 for row in rows)
        split = ", ".join(f"{whole(row.get('headcount'))} {row['contract']}" for row in rows)
        return whole(people), split, number(fte, 1), ""
    own = [r for r in (numbers.get("risk") or {}).get("tradeoff") or [] if r.get("reused")]
    fte = own[0].get("fte") if own else None
    note = "daily roster: no contracts, so no people count"
    return DASH, note, number(fte, 1), "paid hours / full-time hours per week" if own else ""


def _unstaffed(flags: Mapping[str, Any]) -> int:
    """Open intervals with nobody on contacts (the list may be cut; the count is not)."""
    listed = len(flags.get("unstaffed_open") or [])
    return max(listed, flags.get("unstaffed_open_count") or 0)


def _flag_count(flags: Mapping[str, Any]) -> str:
    unstaffed = _unstaffed(flags)
    short = flags.get("shortfall_intervals") or 0
    parts = []
    if unstaffed:
        parts.append(f"{unstaffed:,} unstaffed")
    if short:
        parts.append(f"{short:,} short")
    return ", ".join(parts) if parts else ("none" if flags else DASH)


def _headline_row(queue: str, numbers: Mapping[str, Any]) -> str:
    simulated = numbers.get("simulated") or {}
    risk = numbers.get("risk") or {}
    people, people_title, fte, fte_title = _people(numbers)
    flags = numbers.get("flags") or {}
    level = simulated.get("service_level")
    cells = [
        cell(esc(queue), cls="text"),
        cell(whole(numbers.get("forecast_contacts")), queue=queue, key="forecast_contacts"),
        cell(whole(numbers.get("paid_hours")), queue=queue, key="paid_hours"),
        cell(money(numbers.get("cost")), queue=queue, key="cost"),
        cell(people, queue=queue, key="people", title=people_title),
        cell(fte, queue=queue, key="fte", title=fte_title),
        cell(whole(numbers.get("peak_scheduled_required")), queue=queue, key="peak_agents"),
        cell(
            esc(compact_targets(numbers.get("targets") or []) or numbers.get("target") or DASH),
            queue=queue,
            key="targets",
            cls="text",
        ),
        cell(
            percent_range(level, simulated.get("service_level_ci")) if simulated else DASH,
            queue=queue,
            key="service_level",
            cls="wrap",
            title="" if simulated else "not simulated: checked by its backlog model",
        ),
        cell(
            percent_range(risk.get("p_meet"), risk.get("p_meet_ci")) if risk else DASH,
            queue=queue,
            key="p_meet",
            cls="wrap",
        ),
        cell(
            _flag_count(flags), queue=queue, key="flags", cls="flagged text" if flags else "text"
        ),
    ]
    if _unstaffed(flags) or flags.get("shortfall_intervals"):
        return f'<tr class="flagged">{"".join(cells)}</tr>'
    return "".join(cells)


def _total_row(summary: Mapping[str, Any]) -> str:
    totals = summary.get("totals") or {}
    queues = summary["queues"]
    people = totals.get("people")
    if people is None and totals.get("headcount"):
        people = sum(row.get("headcount") or 0 for row in totals["headcount"])
    fte = totals.get("fte")
    if fte is None and totals.get("headcount"):
        fte = sum(row.get("fte") or 0.0 for row in totals["headcount"])
    unstaffed = sum(_unstaffed(n.get("flags") or {}) for n in queues.values())
    short = sum((n.get("flags") or {}).get("shortfall_intervals") or 0 for n in queues.values())
    any_flags = any(n.get("flags") for n in queues.values())
    flags = {"unstaffed_open_count": unstaffed, "shortfall_intervals": short}
    cells = [
        cell("all queues", cls="text"),
        cell(whole(totals.get("forecast_contacts")), queue="all", key="forecast_contacts"),
        cell(whole(totals.get("paid_hours")), queue="all", key="paid_hours"),
        cell(money(totals.get("cost")), queue="all", key="cost"),
        cell(whole(people), queue="all", key="people"),
        cell(number(fte, 1), queue="all", key="fte"),
        cell(DASH),
        cell(DASH),
        cell(DASH),
        cell(DASH),
        cell(_flag_count(flags) if any_flags else DASH, queue="all", key="flags"),
    ]
    return f'<tr class="sum">{"".join(cells)}</tr>'


_HEADLINE = (
    "queue",
    "contacts",
    "paid hours",
    "cost",
    "people",
    "FTE",
    "peak agents",
    "targets as planned",
    "simulated service level (95% interval)",
    "P(week meets target)",
    "flags",
)


def flag_items(summary: Mapping[str, Any]) -> list[str]:
    """The warnings of the plan as HTML list items: unstaffed open intervals, then shortfalls.

    Parameters
    ----------
    summary : mapping
        The plan's summary; reads ``queues[q]["flags"]`` (``unstaffed_open`` with ``local``,
        ``volume`` [contacts] and ``required`` [agents], ``unstaffed_open_count``,
        ``shortfall_intervals``, ``shortfall_agent_hours`` [agent-hours],
        ``below_target_intervals``).

    Returns
    -------
    list of str
        ``<li>`` elements (class ``unstaffed``, ``shortfall`` or ``below``); empty without flags.

    Examples
    --------
    >>> flag_items({"queues": {"chat": {"flags": {"shortfall_intervals": 2}}}})[0][40:]
    'chat: 2 intervals scheduled below the required agents</li>'
    """
    items = []
    for queue, numbers in summary["queues"].items():
        flags = numbers.get("flags") or {}
        for gap in flags.get("unstaffed_open") or []:
            when = gap.get("local") or local_time(gap.get("interval_start"), year=False)
            roster = [
                f"{whole(gap[key])} {key}" for key in ("scheduled", "required") if key in gap
            ]
            need = f" ({', '.join(roster)})" if roster else ""
            items.append(
                f'<li class="unstaffed" data-queue="{esc(queue)}">{esc(queue)}: {esc(when)}: '
                f"0 agents on contacts{need} for {whole(gap.get('volume'))} expected "
                "contacts</li>"
            )
        more = _unstaffed(flags) - len(flags.get("unstaffed_open") or [])
        if more > 0:
            items.append(
                f'<li class="unstaffed" data-queue="{esc(queue)}">{esc(queue)}: {more:,} more '
                "open intervals with nobody on contacts (see the grid)</li>"
            )
    for queue, numbers in summary["queues"].items():
        flags = numbers.get("flags") or {}
        short = flags.get("shortfall_intervals") or 0
        if short:
            extra = flags.get("shortfall_agent_hours")
            hours_text = f", {hours(extra)} agent-hours missing" if extra else ""
            items.append(
                f'<li class="shortfall" data-queue="{esc(queue)}">{esc(queue)}: {short:,} '
                f"interval{'s' if short != 1 else ''} scheduled below the required agents"
                f"{hours_text}</li>"
            )
        below = flags.get("below_target_intervals") or 0
        if below:
            items.append(
                f'<li class="below" data-queue="{esc(queue)}">{esc(queue)}: {below:,} '
                f"interval{'s' if below != 1 else ''} below their target in the simulation</li>"
            )
    return items


def headline_section(summary: Mapping[str, Any]) -> str:
    """Headline: per queue and in total cost, people, targets, service, risk and flags.

    Parameters
    ----------
    summary : mapping
        The plan's summary; reads per queue ``forecast_contacts``, ``paid_hours`` [h],
        ``cost``, ``headcount`` (people and FTE per contract), ``peak_scheduled_required``,
        ``targets``, ``simulated.service_level`` and ``service_level_ci``, ``risk.p_meet`` and
        ``p_meet_ci``, ``flags``; and ``totals``.

    Returns
    -------
    str
        HTML: ``<h2 id="headline">``, the table (class ``headline``; cells with ``data-queue``
        and ``data-key``; queue ``all`` is the total row) and the ``ul.flags`` warnings.

    Examples
    --------
    See the module's example.
    """
    rows = [_headline_row(q, n) for q, n in summary["queues"].items()]
    rows.append(_total_row(summary))
    parts = [
        '<h2 id="headline">Headline</h2>',
        table(_HEADLINE, rows, cls="headline", left=(0, 7)),
        '<p class="note">Contacts: forecast in the plan; paid hours and cost: the roster; '
        "people and FTE: per contract (daily rosters have no people count); P(week meets "
        'target): see <a href="#risk">Risk</a>.</p>',
    ]
    items = flag_items(summary)
    if items:
        parts.append('<h3 id="flags">Flags</h3>')
        parts.append(f'<ul class="flags">{"".join(items)}</ul>')
    elif any(n.get("flags") is not None for n in summary["queues"].values()):
        parts.append(
            '<p class="ok">No flags: every open interval has staff and none is short.</p>'
        )
    return "\n".join(parts)


# --- assumptions -------------------------------------------------------------------------

_QUEUE_SETTINGS = (
    ("kind", "kind", lambda v: esc(v)),
    ("aht_seconds", "average handle time", lambda v: f"{whole(v)} s"),
    ("patience_seconds", "mean patience", lambda v: f"{whole(v)} s"),
    ("concurrency", "concurrency (contacts per agent)", lambda v: whole(v)),
    ("deflection", "deflection (self-service)", lambda v: percent(v)),
    ("max_occupancy", "occupancy cap", lambda v: percent(v)),
    ("shrinkage", "shrinkage", lambda v: _shares(v)),
    ("closed", "closed hours", lambda v: esc(text_of(v or "none"))),
    ("tiers", "tiers", lambda v: esc(_tiers(v))),
    ("response_clock", "response clock", lambda v: esc(v)),
)


def _shares(value: Any) -> str:
    """Shrinkage: one fraction, or a fraction per band ("day 30.0%; evening 35.0%")."""
    if isinstance(value, Mapping):
        return esc("; ".join(f"{band} {percent(share)}" for band, share in value.items()))
    return percent(value)


def _tiers(tiers: Any) -> str:
    if not tiers:
        return "none"
    if isinstance(tiers, list | tuple) and all(isinstance(t, Mapping) for t in tiers):
        return "; ".join(
            " ".join(
                text_of(t[k]) if k != "share" else f"share {percent(t[k])}"
                for k in t
                if t[k] is not None
            )
            for t in tiers
        )
    return text_of(tiers)


def _queue_settings(queues: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per setting, one column per queue; settings not listed above follow them."""
    names = list(queues)
    known = [key for key, _, _ in _QUEUE_SETTINGS]
    extra = [k for q in queues.values() for k in q if k not in known]
    settings = list(_QUEUE_SETTINGS) + [
        (key, key.replace("_", " "), lambda v: esc(text_of(v))) for key in dict.fromkeys(extra)
    ]
    rows = []
    for key, label, form in settings:
        if all(queues[q].get(key) is None for q in names):
            continue
        cells = "".join(
            cell(
                DASH if queues[q].get(key) is None else form(queues[q][key]),
                queue=q,
                key=key,
                cls="text",
            )
            for q in names
        )
        rows.append(f'<td class="text">{esc(label)}</td>{cells}')
    return table(["setting", *names], rows, cls="assumptions-queues", left=range(len(names) + 1))


def _solver_text(solver: Mapping[str, Any], queues: Mapping[str, Mapping[str, Any]]) -> str:
    text = esc(solver.get("solver") or "solver")
    if solver.get("time_limit_seconds") is not None:
        text += f", time limit {number(solver['time_limit_seconds'], 0)} s"
    if solver.get("relative_gap") is not None:
        text += f", stops within a relative gap of {percent(solver['relative_gap'], 2)}"
    reached = [
        f"{esc(q)} {esc(n['status'])}, gap {percent(n.get('gap'), 2)}"
        for q, n in queues.items()
        if n.get("status") is not None
    ]
    if reached:
        text += "; reached: " + "; ".join(reached)
    return text


def _settings_text(settings: Mapping[str, Any] | None, labels: Mapping[str, str]) -> str:
    if not settings:
        return DASH
    return esc(
        "; ".join(
            f"{labels.get(key, key.replace('_', ' '))} {text_of(value)}"
            for key, value in settings.items()
        )
    )


_LABELS = {
    "interval_minutes": "interval [min]",
    "full_time_hours_per_week": "full-time hours per week",
    "handle_time_cv": "handle-time CV",
    "handle_time": "handle-time distribution",
    "staff_to_levels": "staffing levels compared",
    "time_limit_seconds": "time limit [s]",
}


def _level(value: Any) -> str:
    """A staffing level as its forecast column: 0.8 -> "q80"; names stay as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"q{100 * value:g}"
    return str(value)


def assumptions_section(summary: Mapping[str, Any]) -> str:
    """Every input that shaped the numbers (``summary["assumptions"]``).

    Parameters
    ----------
    summary : mapping
        The plan's summary; reads ``assumptions`` (``queues``, ``staff_to``, ``calendar``,
        ``solver``, ``roster``, ``simulation``, ``risk``, ``forecast``), the solver ``status``
        and ``gap`` of each queue, and ``horizon`` when the assumptions are absent.

    Returns
    -------
    str
        HTML: ``<h2 id="assumptions">``, one table of settings per queue (class
        ``assumptions-queues``) and one of the plan's inputs (class ``assumptions-plan``).

    Examples
    --------
    >>> page = assumptions_section({"queues": {}, "assumptions": {"staff_to": "q80",
    ...     "risk": {"replications": 200, "staff_to_levels": [0.5, 0.9]}}})
    >>> "q80" in page, "staffing levels compared q50, q90" in page
    (True, True)
    """
    given = summary.get("assumptions") or {}
    horizon = summary.get("horizon") or {}
    parts = ['<h2 id="assumptions">Assumptions</h2>']
    if not given:
        parts.append(
            '<p class="note">This summary lists no assumptions (written by an older version); '
            "the calendar and the forecast column staffed to are below.</p>"
        )
    if given.get("queues"):
        parts.append("<h3>Per queue</h3>")
        parts.append(_queue_settings(given["queues"]))
    risk = dict(given.get("risk") or {})
    if risk.get("staff_to_levels"):
        risk["staff_to_levels"] = ", ".join(_level(v) for v in risk["staff_to_levels"])
    forecast = dict(given.get("forecast") or {})
    if forecast.get("quantiles"):
        forecast["quantiles"] = ", ".join(f"q{100 * q:g}" for q in forecast["quantiles"])
    staff_to = given.get("staff_to") or horizon.get("staff_to") or DASH
    solver = given.get("solver")
    rows = [
        ("staff_to", "staffed to the forecast column", esc(staff_to)),
        ("calendar", "calendar", calendar_text(given.get("calendar") or horizon.get("calendar"))),
        ("solver", "roster solver", _solver_text(solver, summary["queues"]) if solver else DASH),
        ("roster", "roster", _settings_text(given.get("roster"), _LABELS)),
        ("simulation", "simulation", _settings_text(given.get("simulation"), _LABELS)),
        ("risk", "risk", _settings_text(risk, _LABELS)),
        ("forecast", "forecast", _settings_text(forecast, _LABELS)),
    ]  # fmt: skip
    body = [
        f'<td class="text">{esc(label)}</td>{cell(text, key=key, cls="text")}'
        for key, label, text in rows
        if text != DASH or key in ("staff_to", "calendar")
    ]
    parts.append("<h3>Plan</h3>")
    parts.append(table(["input", "value"], body, cls="assumptions-plan", left=(0, 1)))
    return "\n".join(parts)


# --- risk --------------------------------------------------------------------------------

_RISK_NOTE = (
    '<p class="note">Each replication draws a week of contacts from the forecast\'s predictive '
    "distribution (negative binomial: dispersion {alpha}): first a level common to the whole "
    "week (level dispersion {level}), then each interval's own deviation, then Poisson "
    "arrivals; the roster as planned answers them in the simulation. The weekly service level "
    "is answered within the threshold over offered contacts of the open intervals; the week "
    "meets the target when it reaches the target levels weighted by expected contacts "
    "({target}). P(meet) is the share of replications that meet it, with a 95% interval.</p>"
)


def _distribution_table(risk: Mapping[str, Any], queue: str) -> str:
    levels = risk.get("service_level") or {}
    volume = risk.get("volume") or {}
    keys = ("mean", "p05", "p25", "p50", "p75", "p95")
    rows = [
        cell("weekly service level", cls="text")
        + "".join(cell(percent(levels.get(k)), queue=queue, key=f"sl_{k}") for k in keys),
        cell("weekly contacts", cls="text")
        + "".join(cell(whole(volume.get(k)), queue=queue, key=f"volume_{k}") for k in keys),
    ]
    return table(["over replications", *keys], rows, cls="risk-distribution")


_CLASS_OWN = ' class="own"'


def _tradeoff_table(risk: Mapping[str, Any], queue: str) -> str:
    rows = []
    for r in risk.get("tradeoff") or []:
        own = bool(r.get("reused"))
        level = str(r.get("staff_to"))
        rows.append(
            f'<tr{_CLASS_OWN if own else ""} data-staff-to="{esc(level)}">'
            + cell(esc(level) + (" (this plan)" if own else ""), cls="text")
            + cell(hours(r.get("paid_hours")), queue=queue, key="paid_hours")
            + cell(money(r.get("cost")), queue=queue, key="cost")
            + cell(whole(r.get("headcount")), queue=queue, key="headcount")
            + cell(number(r.get("fte"), 1), queue=queue, key="fte")
            + cell(percent_range(r.get("p_meet"), r.get("p_meet_ci")), queue=queue, key="p_meet")
            + cell(percent(r.get("service_level_mean")), queue=queue, key="service_level_mean")
            + cell(percent(r.get("gap"), 2), queue=queue, key="gap")
            + "</tr>"
        )
    if not rows:
        return ""
    header = ("staffed to", "paid hours", "cost", "people", "FTE", "P(meet) (95% interval)",
              "mean service level", "solver gap")  # fmt: skip
    return "<h4>Staffing level against risk</h4>" + table(header, rows, cls="tradeoff")


def _figures(queue: str, figures: Sequence[tuple[str, str]], names: Sequence[str]) -> str:
    return "".join(
        f'<img class="plot" data-plot="{esc(name)}" alt="{esc(queue)} {esc(name)}" src="{uri}">'
        for name, uri in figures
        if name in names
    )


def risk_section(
    summary: Mapping[str, Any], figures: Mapping[str, Sequence[tuple[str, str]]]
) -> str:
    """Per live queue: P(week meets target), the weekly service-level spread, the trade-off.

    Parameters
    ----------
    summary : mapping
        The plan's summary; reads ``queues[q]["risk"]`` (``staff_to``, ``replications``,
        ``target_service_level`` [fraction], ``service_level`` quantiles, ``volume``
        quantiles [contacts], ``p_meet``, ``p_meet_ci``, ``dispersion``, ``level_dispersion``,
        ``tradeoff`` rows) and ``simulated`` (absent: deferred work).
    figures : mapping of str to sequence of (str, str)
        Queue -> ``(name, PNG data URI)``; the ``"risk"`` and ``"tradeoff"`` figures are shown.

    Returns
    -------
    str
        HTML: ``<h2 id="risk">`` and per queue the P(meet) sentence, the spread (class
        ``risk-distribution``), the trade-off (class ``tradeoff``, the plan's own row of class
        ``own``) and what the replications draw; a note for deferred queues.

    Examples
    --------
    >>> page = risk_section({"queues": {"email": {}}}, {})
    >>> "checked by its backlog model" in page
    True
    """
    parts = ['<h2 id="risk">Risk</h2>']
    for queue, numbers in summary["queues"].items():
        risk = numbers.get("risk")
        parts.append(f'<h3 id="risk-{esc(queue)}">{esc(queue)}</h3>')
        if not risk:
            why = (
                "Deferred work: checked by its backlog model in the requirements, not by "
                "replications."
                if not numbers.get("simulated")
                else "No risk replications in this summary."
            )
            parts.append(f'<p class="note">{why}</p>')
            continue
        target = risk.get("target_service_level")
        goal = percent(target) if target is not None else esc(risk.get("target") or DASH)
        parts.append(
            f'<p class="p-meet" data-queue="{esc(queue)}">P(weekly service level ≥ {goal}) = '
            f"<strong>{percent_range(risk.get('p_meet'), risk.get('p_meet_ci'))}</strong> over "
            f"{whole(risk.get('replications'))} replications of the roster staffed to "
            f"{esc(risk.get('staff_to') or DASH)}.</p>"
        )
        parts.append(_distribution_table(risk, queue))
        parts.append(_figures(queue, figures.get(queue, ()), ("risk",)))
        parts.append(_tradeoff_table(risk, queue))
        parts.append(_figures(queue, figures.get(queue, ()), ("tradeoff",)))
        parts.append(
            _RISK_NOTE.format(
                alpha=number(risk.get("dispersion"), 3),
                level=number(risk.get("level_dispersion"), 4),
                target=esc(risk.get("target") or goal),
            )
        )
    return "\n".join(p for p in parts if p)
