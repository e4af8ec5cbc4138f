"""The headline numbers of a plan, and each simulated interval judged against its own target.

:func:`summarise` turns a :class:`staffing.plan.Plan` into a JSON-ready dictionary: per queue
and in total the forecast contacts, required and scheduled agent-hours, paid hours and cost,
the solver's status and gap, the targets as planned (one entry per band and tier) and the
simulated service, judged interval by interval against the target that applies there. It reads
only the plan's frames (the target columns of the requirements and the simulation), never the
configuration's channels, so the summary states what the plan computed.

:func:`meets_target` is the one rule for "met": an interval with a service-level target meets it
when the simulated service level reaches the target level; one with an ASA target when the
simulated ASA is within it; an abandonment cap must hold as well. Intervals without contacts are
not judged.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "offered": [10.0, 10.0, 0.0, 8.0],
...     "service_level": [0.85, 0.70, float("nan"), float("nan")],
...     "asa_seconds": [9.0, 30.0, float("nan"), 25.0],
...     "abandonment": [0.01, 0.05, float("nan"), 0.02],
...     "target_service_level": [0.8, 0.8, 0.8, float("nan")],
...     "target_asa_seconds": [float("nan"), float("nan"), float("nan"), 30.0],
...     "target_max_abandonment": [float("nan")] * 4})
>>> meets_target(frame).tolist()
[True, False, <NA>, True]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.summary_sections import (
    assumptions,
    flags,
    forecast_quality,
    local_label,
    risk_summary,
    schedule_summary,
)

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["meets_target", "summarise"]

_TOTALS = (
    "forecast_contacts",
    "required_agent_hours",
    "scheduled_agent_hours",
    "paid_hours",
    "cost",
)
_SOLVER_KEYS = ("status", "objective", "best_bound", "gap", "solve_seconds", "paid_hours", "cost")


def meets_target(frame: pd.DataFrame) -> pd.Series:
    """Whether each simulated interval meets the target that applies to it.

    Parameters
    ----------
    frame : pandas.DataFrame
        Simulated intervals with ``offered`` [contacts], ``service_level`` [fraction],
        ``asa_seconds`` [s], ``abandonment`` [fraction] and the target columns
        ``target_service_level``, ``target_asa_seconds`` and ``target_max_abandonment`` (NaN
        where a target has no such part).

    Returns
    -------
    pandas.Series
        Nullable booleans: ``<NA>`` where nothing was offered or no target applies.
    """

    def column(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.full(len(frame), np.nan)
        return frame[name].to_numpy(dtype=float)

    level, asa, lost = column("service_level"), column("asa_seconds"), column("abandonment")
    goal_level = column("target_service_level")
    goal_asa = column("target_asa_seconds")
    cap = column("target_max_abandonment")
    judged = (column("offered") > 0) & (np.isfinite(goal_level) | np.isfinite(goal_asa))
    with np.errstate(invalid="ignore"):
        ok = np.where(np.isfinite(goal_level), level >= goal_level - 1e-12, True)
        ok &= np.where(np.isfinite(goal_asa), asa <= goal_asa + 1e-9, True)
        ok &= np.where(np.isfinite(cap), lost <= cap + 1e-12, True)
    result = pd.Series(ok, index=frame.index, dtype="boolean")
    result[~judged] = pd.NA
    return result


def summarise(result: Plan) -> dict[str, Any]:
    """Headline numbers of a plan, per queue and in total (JSON-ready).

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    dict
        ``horizon`` (first and last interval, interval length [min], the forecast column staffed
        to, the calendar with the holidays in the horizon), ``queues`` (per queue: forecast
        contacts, the targets as planned per band and tier,
        peak scheduled agents, required and scheduled agent-hours, their ratio, paid hours
        [h], cost, understaffed intervals, solver status and gap, and the simulated service:
        service level and ASA weighted by offered contacts, per band, and the intervals below
        their own target), ``totals`` and ``timings_seconds``.
    """
    forecast = result.forecast
    grid = result.grid
    minutes = grid.interval_minutes if grid is not None else result.config.history.interval_minutes
    queues = {queue: _queue_summary(result, queue) for queue in result.queues}
    totals = {key: round(sum(q.get(key) or 0.0 for q in queues.values()), 3) for key in _TOTALS}
    if len(result.headcount):
        totals["headcount"] = _total_headcount(result.headcount)
    required = totals["required_agent_hours"]
    totals["scheduled_to_required"] = (
        round(totals["scheduled_agent_hours"] / required, 4) if required else None
    )
    if len(result.headcount):
        totals["people"] = int(result.headcount["headcount"].sum())
        totals["fte"] = round(float(result.headcount["fte"].sum()), 4)
    first, last = forecast["interval_start"].min(), forecast["interval_start"].max()
    return {
        "horizon": {
            "first_interval": first.isoformat(),
            "last_interval": last.isoformat(),
            "first_local": local_label(first),
            "last_local": local_label(last),
            "tz": str(first.tz) if first.tz is not None else None,
            "interval_minutes": minutes,
            "staff_to": result.config.service.staff_to,
            "calendar": _calendar(result),
        },
        "queues": queues,
        "totals": totals,
        "assumptions": assumptions(result),
        **({"blending": result.blend.to_summary()} if result.blend is not None else {}),
        "timings_seconds": dict(result.timings),
    }


def _total_headcount(people: pd.DataFrame) -> list[dict[str, Any]]:
    """People and FTE per contract over all queues (a team per queue)."""
    sums = people.groupby("contract", sort=False)[["headcount", "fte", "cost_per_week"]].sum()
    return [
        {
            "contract": str(name),
            "headcount": int(row["headcount"]),
            "fte": round(float(row["fte"]), 4),
            "cost_per_week": round(float(row["cost_per_week"]), 2),
        }
        for name, row in sums.iterrows()
    ]


def _calendar(result: Plan) -> dict[str, Any]:
    """The calendar the plan used, with the holidays that fall in its horizon."""
    calendar = result.config.service.calendar.model_dump(mode="json")
    needed = result.requirements
    if len(needed) and "day_type" in needed.columns:
        local = needed.loc[needed["day_type"] == "holiday", "interval_start"]
        calendar["holidays_in_horizon"] = sorted({str(day) for day in local.dt.date})
    return calendar


def _queue_summary(result: Plan, queue: str) -> dict[str, Any]:
    fc = result.forecast[result.forecast["queue"] == queue]
    needed = result.requirements[result.requirements["queue"] == queue]
    cov = result.coverage[result.coverage["queue"] == queue]
    roster_hours = result.config.roster.interval_minutes / 60.0
    chosen = chosen_models(result.model_selection).get(queue)
    mase = chosen[1] if chosen else None
    out: dict[str, Any] = {
        "forecast_contacts": round(float(fc["volume"].sum()), 1),
        "forecast_model": chosen[0] if chosen else result.config.forecast.model,
        "forecast_validation_mase": round(mase, 4) if mase is not None and mase > 0 else None,
        "target": "; ".join(dict.fromkeys(needed.loc[needed["open"], "target"])),
        "targets": _planned_targets(needed),
        "closed_intervals": int((~needed["open"]).sum()) if len(needed) else 0,
        "peak_scheduled_required": int(cov["required"].max()) if len(cov) else 0,
        "required_agent_hours": round(float(cov["required"].sum()) * roster_hours, 2),
        "scheduled_agent_hours": round(float(cov["scheduled"].sum()) * roster_hours, 2),
        "understaffed_intervals": int((cov["shortfall"] > 0).sum()) if len(cov) else 0,
        "shortfall_agent_intervals": int(cov["shortfall"].sum()) if len(cov) else 0,
    }
    required = out["required_agent_hours"]
    out["scheduled_to_required"] = (
        round(out["scheduled_agent_hours"] / required, 4) if required else None
    )
    solve = result.solver[result.solver["queue"] == queue] if len(result.solver) else None
    if solve is not None and len(solve):
        row = solve.iloc[0].to_dict()
        out.update({key: json_value(row[key]) for key in _SOLVER_KEYS if key in row})
    if len(result.headcount):
        out.update(_lines_summary(result, queue))
    sim = result.simulation
    if len(sim) and queue in set(sim["queue"]):
        out["simulated"] = _simulated_summary(sim[sim["queue"] == queue])
        out["simulated"]["service_level_ci"] = _overall_ci(result, queue, "service_level")
    out["flags"] = flags(result, queue)
    out.update(schedule_summary(result, queue))
    out["forecast_quality"] = forecast_quality(result, queue)
    risk = risk_summary(result, queue)
    if risk is not None:
        out["risk"] = risk
    return out


def _overall_ci(result: Plan, queue: str, metric: str) -> list[float | None] | None:
    """The simulation's 95% confidence interval of an overall metric, across replications."""
    overall = getattr(result, "simulation_overall", None)
    if overall is None or overall.empty:
        return None
    rows = overall[(overall["queue"] == queue) & (overall["metric"] == metric)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return [
        json_value(round(float(row["ci_low"]), 4)),
        json_value(round(float(row["ci_high"]), 4)),
    ]


def _lines_summary(result: Plan, queue: str) -> dict[str, Any]:
    """Headcount per contract and the lines of work, identical lines counted once."""
    people = result.headcount[result.headcount["queue"] == queue]
    headcount = [
        {key: json_value(row[key]) for key in row.index if key != "queue"}
        for _, row in people.iterrows()
    ]
    for row in headcount:
        for key in ("fte", "paid_hours_per_week", "cost_per_week", "share_of_paid_hours"):
            row[key] = round(row[key], 4)
    lines = result.lines[result.lines["queue"] == queue]
    shown = [c for c in lines.columns if c not in ("queue", "line", "fte")]
    grouped = lines.groupby(shown, sort=False, dropna=False).size().reset_index(name="count")
    return {
        "headcount": headcount,
        "lines": int(lines["line"].nunique()),
        "lines_of_work": [
            {key: json_value(value) for key, value in row.items()}
            for row in grouped.to_dict("records")
        ],
    }


def _planned_targets(needed: pd.DataFrame) -> list[dict[str, Any]]:
    """One entry per tier and band of the open intervals: the target and how many intervals."""
    open_rows = needed[needed["open"]]
    out = []
    for (tier, band, target), rows in open_rows.groupby(
        ["tier", "band", "target"], sort=False, dropna=False
    ):
        first = rows.iloc[0]
        entry = {"tier": tier, "band": band, "target": target, "intervals": len(rows)}
        for key in ("service_level", "within_seconds", "asa_seconds", "response_seconds"):
            value = json_value(float(first[f"target_{key}"]))
            if value is not None:
                entry[f"target_{key}"] = value
        out.append(entry)
    return out


def _weighted(values: np.ndarray, weights: np.ndarray) -> float | None:
    ok = np.isfinite(values) & (weights > 0)
    total = weights[ok].sum()
    return round(float(np.sum(values[ok] * weights[ok]) / total), 4) if total else None


def _simulated_summary(sim: pd.DataFrame) -> dict[str, Any]:
    """Offered-weighted simulated service, overall and per band, judged per interval."""
    offered = sim["offered"].to_numpy(dtype=float)
    met = meets_target(sim) if "meets_target" not in sim.columns else sim["meets_target"]
    judged = met.notna().to_numpy()
    out: dict[str, Any] = {
        "service_level": _weighted(sim["service_level"].to_numpy(dtype=float), offered),
        "asa_seconds": _weighted(sim["asa_seconds"].to_numpy(dtype=float), offered),
        "abandonment": _weighted(sim["abandonment"].to_numpy(dtype=float), offered),
        "intervals_with_contacts": int(np.sum(offered > 0)),
        "intervals_judged": int(judged.sum()),
        "intervals_below_target": int((~met[judged].astype(bool)).sum()),
        "bands": {},
    }
    for band, rows in sim[sim["open"].astype(bool)].groupby("band", sort=False):
        own = met[rows.index]
        weights = rows["offered"].to_numpy(dtype=float)
        out["bands"][str(band)] = {
            "target": str(rows["target"].iloc[0]),
            "target_service_level": json_value(float(rows["target_service_level"].iloc[0])),
            "service_level": _weighted(rows["service_level"].to_numpy(dtype=float), weights),
            "intervals_judged": int(own.notna().sum()),
            "intervals_below_target": int((~own[own.notna()].astype(bool)).sum()),
        }
    return out


def chosen_models(selection: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """Queue -> (model, validation MASE) of the selected forecast models, when one was chosen.

    Parameters
    ----------
    selection : pandas.DataFrame
        The forecast's model selection table (``queue``, ``model``, ``mase``, ``selected``).

    Returns
    -------
    dict
        Empty when the model was fixed (no selection ran).
    """
    if selection.empty or not {"queue", "model", "mase", "selected"} <= set(selection.columns):
        return {}
    chosen = selection[selection["selected"].astype(bool)]
    return {row.queue: (row.model, float(row.mase)) for row in chosen.itertuples()}


def json_value(value: Any) -> Any:
    """A plain Python value for JSON: numpy scalars unwrapped, NaN and infinities as None.

    Examples
    --------
    >>> import numpy as np
    >>> json_value(np.float64(0.5)), json_value(float("nan"))
    (0.5, None)
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
