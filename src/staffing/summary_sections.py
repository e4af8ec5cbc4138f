"""The report's sections of a plan's summary: flags, assumptions, forecast quality and risk.

Each function takes a :class:`staffing.plan.Plan` and returns a JSON-ready part of
``summary.json`` (see :func:`staffing.summary.summarise`). Like the rest of the summary they read
the plan's frames where the plan decided a fact (the shrinkage, opening and target of each
interval are columns of the requirements; the model chosen is a row of the selection table),
and the configuration only for the inputs themselves (handle time, patience, solver settings).

Examples
--------
>>> import pandas as pd
>>> local_label(pd.Timestamp("2025-11-10 23:00", tz="Europe/London"))
'Mon 10 Nov 2025 23:00 GMT'
>>> local_label(pd.Timestamp("2025-11-10 23:00", tz="Europe/London"), year=False, zone=False)
'Mon 10 Nov 23:00'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = [
    "assumptions",
    "flags",
    "forecast_quality",
    "local_label",
    "risk_summary",
]

#: Unstaffed open intervals listed by name in the summary; the rest are counted.
MAX_LISTED = 50


def local_label(stamp: pd.Timestamp, *, year: bool = True, zone: bool = True) -> str:
    """A timestamp as a planner reads it: ``"Mon 10 Nov 2025 23:00 GMT"`` (local time).

    Parameters
    ----------
    stamp : pandas.Timestamp
        A time-zone aware (or naive) timestamp.
    year, zone : bool
        Show the year and the zone's abbreviation (``GMT``, ``BST``).

    Returns
    -------
    str
    """
    text = stamp.strftime("%a %d %b %Y %H:%M" if year else "%a %d %b %H:%M")
    if zone and stamp.tzinfo is not None:
        text += f" {stamp.strftime('%Z')}"
    return text


def _round(value: Any, digits: int = 4) -> Any:
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


# --------------------------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------------------------


def flags(result: Plan, queue: str) -> dict[str, Any]:
    """Open intervals of a live queue with nobody on contacts, and the shortfall counts.

    An open interval with expected contacts and zero productive agents (the roster's coverage
    times one minus shrinkage, as simulated) abandons or queues every contact: it is listed by
    local time. Deferred queues are not flagged for it (their work waits in the backlog).

    Parameters
    ----------
    result : Plan
        The plan.
    queue : str
        The queue.

    Returns
    -------
    dict
        ``unstaffed_open`` (list of ``interval_start``, ``local``, ``volume`` [contacts],
        ``required`` and ``scheduled`` [agents on the roster, before shrinkage]; at most
        :data:`MAX_LISTED`), ``unstaffed_open_count``,
        ``shortfall_intervals``, ``shortfall_agent_hours`` [agent-hours] and
        ``below_target_intervals`` (simulated intervals below their own target).
    """
    from staffing.plan_steps import productive_agents, scheduled_agents, simulated_queues

    needed = result.requirements[result.requirements["queue"] == queue]
    coverage = result.coverage[result.coverage["queue"] == queue]
    hours = result.config.roster.interval_minutes / 60.0
    out: dict[str, Any] = {
        "unstaffed_open": [],
        "unstaffed_open_count": 0,
        "shortfall_intervals": int((coverage["shortfall"] > 0).sum()) if len(coverage) else 0,
        "shortfall_agent_hours": round(float(coverage["shortfall"].sum()) * hours, 2)
        if len(coverage)
        else 0.0,
        "below_target_intervals": 0,
    }
    sim = result.simulation
    if len(sim) and queue in set(sim["queue"]):
        met = sim.loc[sim["queue"] == queue, "meets_target"]
        out["below_target_intervals"] = int((met == False).sum())  # noqa: E712 (nullable)
    if queue not in simulated_queues(result.config) or needed.empty or result.grid is None:
        return out
    channel = result.config.service.channels[queue]
    own = needed.reset_index(drop=True)
    agents = productive_agents(own, coverage, channel, result.grid)["agents"].to_numpy()
    heads = scheduled_agents(own, coverage, result.grid)
    volume = own["volume_staffed"].to_numpy(dtype=float)
    unstaffed = own["open"].to_numpy(dtype=bool) & (volume > 0) & (agents == 0)
    rows = own.assign(on_roster=heads)[unstaffed]
    out["unstaffed_open_count"] = int(unstaffed.sum())
    out["unstaffed_open"] = [
        {
            "interval_start": row.interval_start.isoformat(),
            "local": local_label(row.interval_start, year=False, zone=False),
            "volume": round(float(row.volume_staffed), 1),
            "required": int(row.scheduled),
            "scheduled": int(row.on_roster),
        }
        for row in rows.head(MAX_LISTED).itertuples()
    ]
    return out


# --------------------------------------------------------------------------------------------
# Assumptions
# --------------------------------------------------------------------------------------------


def assumptions(result: Plan) -> dict[str, Any]:
    """Every input that shaped the plan's numbers, per queue and for the plan.

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    dict
        ``queues`` (per queue: kind, AHT [s], patience [s], concurrency, deflection
        [fraction], occupancy cap [fraction], shrinkage per band [fraction], closed bands, tiers
        and the deferred response clock), ``staff_to``, ``calendar``, ``solver``, ``roster``,
        ``simulation``, ``risk`` and ``forecast``.
    """
    config = result.config
    queues = {queue: _queue_assumptions(result, queue) for queue in result.queues}
    solver = config.roster.solver
    risk = config.risk
    return {
        "queues": queues,
        "staff_to": config.service.staff_to,
        "calendar": config.service.calendar.model_dump(mode="json"),
        "solver": {
            "solver": solver.solver,
            "time_limit_seconds": solver.time_limit_seconds,
            "relative_gap": solver.relative_gap,
        },
        "roster": {
            "interval_minutes": config.roster.interval_minutes,
            "full_time_hours_per_week": config.roster.full_time_hours_per_week,
            "shifts": [shift.name for shift in config.roster.shifts],
            "contracts": [contract.name for contract in config.roster.contracts],
            "understaffing_per_agent_interval": config.roster.understaffing_per_agent_interval,
        },
        "simulation": config.simulation.model_dump(mode="json"),
        "risk": {
            "enabled": risk.enabled,
            "replications": risk.replications,
            "staff_to_levels": list(risk.staff_to_levels),
        },
        "forecast": {
            "model": config.forecast.model,
            "quantiles": list(config.forecast.quantiles),
            "events": [event.name for event in config.forecast.events],
        },
    }


def _queue_assumptions(result: Plan, queue: str) -> dict[str, Any]:
    channel = result.config.service.channels[queue]
    needed = result.requirements[result.requirements["queue"] == queue]
    shrinkage = {
        str(band): round(float(rows["shrinkage"].iloc[0]), 4)
        for band, rows in needed[needed["open"]].groupby("band", sort=False)
    }
    closed_counts = needed[~needed["open"]].groupby("band", sort=False)["interval_start"].nunique()
    closed = []
    for band in channel.bands:
        if band.closed:
            name = band.name or "closed"
            days = ", ".join(band.days)
            count = int(closed_counts.get(name, 0))
            closed.append(f"{name}: {days} {band.start}-{band.end} ({count} intervals)")
    return {
        "kind": channel.kind,
        "aht_seconds": channel.aht_seconds,
        "patience_seconds": channel.patience_seconds,
        "concurrency": channel.concurrency,
        "deflection": channel.deflection,
        "max_occupancy": channel.max_occupancy,
        "shrinkage": shrinkage,
        "closed": closed,
        "tiers": [
            {"name": tier.name, "share": tier.share, "target": tier.target.describe()}
            for tier in channel.tiers
        ],
        "response_clock": channel.response_clock if channel.kind == "deferred" else None,
    }


# --------------------------------------------------------------------------------------------
# Forecast quality
# --------------------------------------------------------------------------------------------

_CANDIDATE_KEYS = ("mase", "bias", "dispersion", "level_dispersion", "origins")


def forecast_quality(result: Plan, queue: str) -> dict[str, Any]:
    """The model chosen for a queue and why: the backtest table, history span, gaps, holidays.

    Parameters
    ----------
    result : Plan
        The plan.
    queue : str
        The queue.

    Returns
    -------
    dict
        ``model``, ``reason``, ``candidates`` (per candidate: ``mase``, ``bias`` [fraction],
        ``coverage_<P>`` [fraction], ``dispersion``, ``level_dispersion``, ``origins``,
        ``selected``), ``coverage_name``, ``history_start``, ``history_end``, ``gaps`` and
        ``holidays_in_history`` (local dates).
    """
    from staffing.summary import json_value

    selection = result.model_selection
    rows = selection[selection["queue"] == queue] if len(selection) else selection
    candidates = []
    coverage_keys = [c for c in rows.columns if str(c).startswith("coverage_")]
    for row in rows.to_dict("records"):
        entry = {"model": str(row["model"]), "selected": bool(row.get("selected", False))}
        for key in (*_CANDIDATE_KEYS, *coverage_keys):
            if key in row:
                value = json_value(row[key])
                entry[key] = round(value, 4) if isinstance(value, float) else value
        candidates.append(entry)
    chosen = next((c for c in candidates if c["selected"]), None)
    history = result.history[result.history["queue"] == queue]
    stamps = pd.DatetimeIndex(history["interval_start"])
    out: dict[str, Any] = {
        "model": chosen["model"] if chosen else result.config.forecast.model,
        "reason": _reason(candidates, chosen, result.config.forecast.model),
        "candidates": candidates,
        "coverage_name": coverage_keys[0] if coverage_keys else None,
        "history_start": stamps.min().isoformat() if len(stamps) else None,
        "history_end": stamps.max().isoformat() if len(stamps) else None,
        "history_days": round((stamps.max() - stamps.min()).total_seconds() / 86400 + 1 / 24, 1)
        if len(stamps)
        else 0,
        "gaps": _gaps(result.history, queue),
        "holidays_in_history": _holidays(result, stamps),
    }
    return out


def _reason(candidates: list[dict[str, Any]], chosen: dict[str, Any] | None, setting: str) -> str:
    if chosen is None:
        return f"model fixed by the configuration ({setting})"
    if setting != "auto" or len(candidates) == 1:
        return f"model fixed by the configuration; validation MASE {chosen.get('mase', 0):.3f}"
    origins = chosen.get("origins")
    over = f" over {origins} weekly origins" if origins else ""
    naive = next((c for c in candidates if c["model"] == "seasonal_naive_week"), None)
    from staffing.forecast.quality import SWITCH_MARGIN

    scored = [c for c in candidates if c.get("mase") is not None and np.isfinite(c["mase"])]
    best = min(scored, key=lambda c: c["mase"], default=chosen)
    if best is not chosen and best["mase"] < chosen["mase"]:
        text = (
            f"{chosen['model']} is kept unless a candidate's validation MASE is more than "
            f"{SWITCH_MARGIN:.0%} lower; best {best['model']} {best['mase']:.3f} against "
            f"{chosen['mase']:.3f} of {len(candidates)} candidates{over}"
        )
    else:
        text = (
            f"lowest validation MASE ({chosen['mase']:.3f}) of {len(candidates)} candidates{over}"
        )
    if naive is not None and naive is not chosen and naive.get("mase"):
        text += (
            f"; the same-hour-last-week naive scores {naive['mase']:.3f} "
            f"({1 - chosen['mase'] / naive['mase']:.0%} lower error)"
        )
    return text


def _gaps(history: pd.DataFrame, queue: str) -> list[dict[str, Any]]:
    out = []
    for gap in history.attrs.get("gaps") or ():
        if gap.queue != queue:
            continue
        out.append(
            {
                "start": pd.Timestamp(gap.start).isoformat(),
                "end": pd.Timestamp(gap.end).isoformat(),
                "intervals": int(gap.intervals),
                "reason": str(gap.reason),
            }
        )
    return out


def _holidays(result: Plan, stamps: pd.DatetimeIndex) -> list[str]:
    if not len(stamps):
        return []
    calendar = result.config.service.calendar
    days = pd.date_range(stamps.min().normalize(), stamps.max().normalize(), freq="D")
    holiday = calendar.is_holiday(days)
    return [str(day.date()) for day, is_holiday in zip(days, holiday, strict=True) if is_holiday]


# --------------------------------------------------------------------------------------------
# Risk
# --------------------------------------------------------------------------------------------


def risk_summary(result: Plan, queue: str) -> dict[str, Any] | None:
    """The risk of a live queue's plan under the forecast's predictive distribution.

    Parameters
    ----------
    result : Plan
        The plan.
    queue : str
        The queue.

    Returns
    -------
    dict or None
        None when the queue was not checked (deferred, or the risk check is off). Else
        ``staff_to`` (the plan's own column), ``replications``, ``target_service_level``
        [fraction, weekly, weighted by expected contacts], ``service_level`` (``mean``, ``p05``,
        ``p25``, ``p50``, ``p75``, ``p95`` [fraction]), ``p_meet`` and ``p_meet_ci`` (Wilson
        95%), ``volume`` (``p05``, ``p50``, ``p95`` [contacts in the plan]), ``dispersion``,
        ``level_dispersion`` and ``tradeoff`` (one row per staff-to level).
    """
    risk = getattr(result, "risk", None)
    tradeoff = getattr(result, "tradeoff", None)
    if risk is None or risk.empty or queue not in set(risk["queue"]):
        return None
    own_level = result.config.service.staff_to
    rows = risk[(risk["queue"] == queue) & (risk["staff_to"] == own_level)]
    if rows.empty:
        return None
    levels = rows["service_level"].to_numpy(dtype=float)
    volume = rows["volume"].to_numpy(dtype=float)
    table = tradeoff[tradeoff["queue"] == queue] if tradeoff is not None else pd.DataFrame()
    own = table[table["staff_to"] == own_level]
    first = own.iloc[0] if len(own) else None
    finite = levels[np.isfinite(levels)]
    quantiles = {
        f"p{round(100 * q):02d}": _round(np.quantile(finite, q)) if len(finite) else None
        for q in (0.05, 0.25, 0.5, 0.75, 0.95)
    }
    return {
        "staff_to": own_level,
        "replications": len(rows),
        "target_service_level": _round(rows["target_service_level"].iloc[0]),
        "service_level": {"mean": _round(np.mean(finite)) if len(finite) else None, **quantiles},
        "p_meet": _round(rows["met"].astype(bool).mean()),
        "p_meet_ci": [_round(first["p_meet_low"]), _round(first["p_meet_high"])]
        if first is not None
        else None,
        "volume": {
            f"p{round(100 * q):02d}": round(float(np.quantile(volume, q)), 1)
            for q in (0.05, 0.5, 0.95)
        },
        "dispersion": _round(first["dispersion"]) if first is not None else None,
        "level_dispersion": _round(first["level_dispersion"]) if first is not None else None,
        "tradeoff": [_tradeoff_row(row) for row in table.to_dict("records")],
    }


_TRADEOFF_KEYS = (
    "staff_to",
    "level",
    "paid_hours",
    "cost",
    "headcount",
    "fte",
    "scheduled_agent_hours",
    "p_meet",
    "service_level_mean",
    "service_level_p05",
    "service_level_p95",
    "gap",
    "reused",
)


def _tradeoff_row(row: dict[str, Any]) -> dict[str, Any]:
    from staffing.summary import json_value

    out = {}
    for key in _TRADEOFF_KEYS:
        value = json_value(row.get(key))
        if isinstance(value, float):
            value = round(value, 4)
        out[key] = value
    out["p_meet_ci"] = [_round(row.get("p_meet_low")), _round(row.get("p_meet_high"))]
    return out


# --------------------------------------------------------------------------------------------
# Schedule
# --------------------------------------------------------------------------------------------


def schedule_summary(result: Plan, queue: str) -> dict[str, Any]:
    """The queue's shifts as a table (daily rosters) and its day x time grid of agents.

    Parameters
    ----------
    result : Plan
        The plan.
    queue : str
        The queue.

    Returns
    -------
    dict
        ``roster_table`` (daily rosters: one row per distinct shift with its days, local start,
        end, breaks and agents; plans with contracts list their lines of work instead) and
        ``grid`` (:func:`staffing.schedule.coverage_grid`); empty when the queue has no roster.
    """
    from staffing.schedule import coverage_grid, shift_table

    coverage = result.coverage[result.coverage["queue"] == queue]
    if coverage.empty or result.grid is None:
        return {}
    out: dict[str, Any] = {}
    roster = result.roster[result.roster["queue"] == queue]
    if not len(result.headcount) and len(roster):
        table = shift_table(roster, result.grid.tz)
        out["roster_table"] = [
            {key: _plain(value) for key, value in row.items() if key != "queue"}
            for row in table.to_dict("records")
        ]
    needed = result.requirements[result.requirements["queue"] == queue]
    out["grid"] = coverage_grid(coverage, needed, result.grid.tz, result.grid.interval_minutes)
    return out


def _plain(value: Any) -> Any:
    from staffing.summary import json_value

    return json_value(value)
