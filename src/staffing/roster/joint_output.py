"""Reading the joint roster's solution back: coverage per group, allocation per channel.

Helpers of :mod:`staffing.roster.joint`; see there for the model.

Examples
--------
>>> _value(None)
0.0
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from staffing.roster.model import RosterModel, ShiftLayer
from staffing.roster.solver import SolveResult, merge_solves

__all__: list[str] = []


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _merged(results: list[SolveResult]) -> SolveResult:
    """One solve result for the independent parts (:func:`merge_solves`)."""
    merged = merge_solves([asdict(r) for r in results])
    return SolveResult(**merged, options=results[0].options)


def _model_view(prob, frame, rules, layer: ShiftLayer) -> RosterModel:
    return RosterModel(
        prob,
        frame,
        rules,
        layer.instances,
        layer.x,
        layer.breaks,
        [None] * len(frame),
        [],
        layer.day_of,
        layer.tours,
    )


def _value(var) -> float:
    return float(var.varValue or 0.0) if var is not None else 0.0


def _group_coverage(groups, layers, shrink, split, work, times) -> pd.DataFrame:
    rows = []
    for g in groups:
        cover = layers[g.name].cover
        on = np.array([sum(c * _value(v) for v, c in cover[t].items()) for t in range(len(times))])
        on = np.round(on).astype(int)
        live = np.zeros(len(times))
        done = np.zeros(len(times))
        for (name, _c, t), var in split.items():
            if name == g.name:
                live[t] += _value(var)
        for (name, _c, t), var in work.items():
            if name == g.name:
                done[t] += _value(var)
        rows.append(
            pd.DataFrame(
                {
                    "group": g.name,
                    "interval_start": times.to_numpy(),
                    "scheduled": on,
                    "productive": on * (1.0 - shrink[g.name]),
                    "live": live,
                    "deferred_work": done,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _live_result(live, split, times) -> pd.DataFrame:
    rows = []
    for channel, table in live.items():
        allocated = np.zeros(len(times))
        for (_g, c, t), var in split.items():
            if c == channel:
                allocated[t] += _value(var)
        need = table["required"].to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "interval_start": times.to_numpy(),
                    "required": need,
                    "allocated": allocated,
                    "shortfall": np.maximum(need - allocated, 0.0).round(9),
                }
            )
        )
    columns = ["channel", "interval_start", "required", "allocated", "shortfall"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def _deferred_result(tiers, times) -> pd.DataFrame:
    rows = []
    for (channel, tier), parts in tiers.items():
        cumulative = np.array([_value(v) for v in parts["done"]])
        rows.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "tier": tier,
                    "interval_start": times.to_numpy(),
                    "done": np.diff(cumulative, prepend=0.0),
                    "late": np.array([_value(v) for v in parts["late"]]),
                }
            )
        )
    columns = ["channel", "tier", "interval_start", "done", "late"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
