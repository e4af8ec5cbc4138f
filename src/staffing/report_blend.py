"""The report's section on blending: the joint roster of skill groups against separate rosters.

Every number comes from the ``blending`` part of ``summary.json``
(:meth:`staffing.blending.Blend.to_summary`).

Examples
--------
>>> blend_section({})
''
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["blend_section"]


def blend_section(summary: Mapping[str, Any]) -> str:
    """HTML of the blending section, or ``""`` when the plan has no skill groups.

    Parameters
    ----------
    summary : mapping
        The plan's summary.

    Returns
    -------
    str
    """
    blend = summary.get("blending")
    if not blend:
        return ""
    parts = [
        '<h2 id="blending">Blended roster: skill groups</h2>',
        '<p class="note">One roster for every channel: live contacts first, deferred work in '
        "the time they leave idle. Both rosters below are checked by the same multi-skill "
        "simulation (same volumes and random streams).</p>",
        _totals_table(blend.get("totals") or []),
        _saving_text(blend.get("saving") or {}),
        _service_table(blend.get("service") or []),
        _groups_table(blend.get("groups") or [], blend.get("occupancy") or []),
        _solver_text(blend.get("solver") or {}),
    ]
    return "\n".join(p for p in parts if p)


def _number(value: Any, form: str) -> str:
    if value is None:
        return "–"
    return form.format(value)


def _totals_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    body = "".join(
        f'<tr data-roster="{html.escape(str(r["roster"]))}"><td>{html.escape(str(r["roster"]))}'
        f"</td><td>{_number(r.get('paid_hours'), '{:,.1f}')}</td>"
        f"<td>{_number(r.get('cost'), '{:,.0f}')}</td>"
        f"<td>{_number(r.get('headcount'), '{:,}')}</td>"
        f"<td>{_number(r.get('fte'), '{:,.1f}')}</td></tr>"
        for r in rows
    )
    return (
        '<table class="blend-totals"><tr><th>roster</th><th>paid hours</th><th>cost</th>'
        f"<th>people</th><th>FTE</th></tr>{body}</table>"
    )


def _saving_text(saving: Mapping[str, Any]) -> str:
    if not saving:
        return ""
    return (
        f'<p class="saving">Blending saves {saving["paid_hours"]:,.1f} paid hours '
        f"({saving['paid_hours_share']:.1%}) and {saving['cost']:,.0f} in cost "
        f"({saving['cost_share']:.1%}) against separate rosters.</p>"
    )


def _service_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return ""
    body = []
    for r in rows:
        what = "service level" if r["metric"] == "service_level" else "within response time"
        scope = r["channel"] + (f" {r['tier']}" if r.get("tier") else "")
        met = {True: "yes", False: "no"}.get(r.get("met"), "–")
        body.append(
            f'<tr data-roster="{html.escape(str(r["roster"]))}" '
            f'data-channel="{html.escape(scope)}"><td>{html.escape(str(r["roster"]))}</td>'
            f'<td class="text">{html.escape(scope)}</td><td class="text">{what}</td>'
            f"<td>{_number(r.get('mean'), '{:.1%}')}</td>"
            f"<td>{_number(r.get('ci_low'), '{:.1%}')} – {_number(r.get('ci_high'), '{:.1%}')}"
            f"</td><td>{_number(r.get('target'), '{:.1%}')}</td><td>{met}</td>"
            f"<td>{_number(r.get('backlog_end'), '{:,.1f}')}</td></tr>"
        )
    return (
        '<table class="blend-service"><tr><th>roster</th><th class="text">channel</th>'
        '<th class="text">measure</th>'
        "<th>simulated</th><th>95% interval</th><th>target</th><th>met</th>"
        f"<th>backlog at end [items]</th></tr>{''.join(body)}</table>"
    )


def _groups_table(groups: Sequence[Mapping[str, Any]], occupancy) -> str:
    if not groups:
        return ""
    busy = {o["group"]: o.get("occupancy") for o in occupancy if o.get("roster") == "blended"}
    body = "".join(
        f"<tr><td>{html.escape(g['group'])}</td><td>{_number(g.get('paid_hours'), '{:,.1f}')}"
        f"</td><td>{_number(g.get('cost'), '{:,.0f}')}</td>"
        f"<td>{_number(g.get('headcount'), '{:,}')}</td>"
        f"<td>{_number(busy.get(g['group']), '{:.1%}')}</td></tr>"
        for g in groups
    )
    return (
        '<table class="blend-groups"><tr><th>skill group</th><th>paid hours</th><th>cost</th>'
        f"<th>people</th><th>simulated occupancy</th></tr>{body}</table>"
    )


def _solver_text(solver: Mapping[str, Any]) -> str:
    if not solver:
        return ""
    gap = solver.get("gap")
    shown = "n/a" if gap is None else f"{100 * gap:.2f}%"
    return (
        f'<p class="note">Joint model: {solver.get("status")}, gap {shown}, '
        f"{solver.get('solve_seconds', 0):.1f} s, {solver.get('variables')} variables.</p>"
    )
