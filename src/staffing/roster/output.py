"""Roster outputs: coverage recomputed from the shifts, the summary, and the files.

Coverage is always recomputed from the roster's timestamps (``start``, ``end`` and ``breaks``),
never read from the model's variables, so ``coverage.csv`` checks what the roster says.

Examples
--------
>>> import pandas as pd
>>> times = pd.date_range("2024-01-01", periods=4, freq="60min")
>>> req = pd.DataFrame({"interval_start": times, "required": [1, 1, 1, 1]})
>>> roster = pd.DataFrame({"shift": ["s"], "start": [times[0]],
...                        "end": [times[0] + pd.Timedelta(3, unit="h")], "agents": [1],
...                        "breaks": [[(times[1], times[1] + pd.Timedelta(1, unit="h"))]]})
>>> coverage_from_roster(roster, req, 60)["scheduled"].tolist()
[1, 0, 1, 0]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from staffing.output import replace_file
from staffing.roster.solver import SolveResult
from staffing.timegrid import format_breaks, format_timestamps, parse_breaks, write_frame_csv

__all__ = [
    "RosterSummary",
    "coverage_from_roster",
    "format_breaks",
    "parse_breaks",
    "roster_to_csv_frame",
    "write_outputs",
]


def _ns(values: Any) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC for aware ones)."""
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns").asi8


def coverage_from_roster(
    roster: pd.DataFrame, requirements: pd.DataFrame, interval_minutes: int, cyclic: bool = True
) -> pd.DataFrame:
    """Agents on duty (not on break) per interval, from the roster's timestamps.

    An agent counts in an interval when on duty for the whole interval. With ``cyclic``, the
    part of a shift that runs past the end of the horizon counts from its start (weekly
    template).

    Parameters
    ----------
    roster : DataFrame
        Columns ``start``, ``end``, ``agents`` [agents] and ``breaks`` (list of
        ``(start, end)`` pairs).
    requirements : DataFrame
        Columns ``interval_start`` and ``required`` [agents].
    interval_minutes : int
        Grid step [min].
    cyclic : bool
        Wrap round the horizon (default ``True``).

    Returns
    -------
    DataFrame
        ``interval_start, required, scheduled, shortfall`` [agents].

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2024-01-01", periods=3, freq="60min")
    >>> req = pd.DataFrame({"interval_start": times, "required": [2, 2, 2]})
    >>> roster = pd.DataFrame({"start": [times[2]], "end": [times[2] + pd.Timedelta(2, unit="h")],
    ...                        "agents": [2], "breaks": [[]]})
    >>> coverage_from_roster(roster, req, 60)["shortfall"].tolist()
    [0, 2, 0]
    """
    grid = _ns(requirements["interval_start"])
    step = np.int64(interval_minutes) * 60 * 10**9
    span = grid[-1] + step - grid[0]
    scheduled = np.zeros(len(grid), dtype=np.int64)

    def on(start: np.int64, end: np.int64) -> np.ndarray:
        mask = (grid >= start) & (grid + step <= end)
        if cyclic:
            mask |= (grid + span >= start) & (grid + span + step <= end)
        return mask

    for row in roster.itertuples(index=False):
        start, end = _ns([row.start, row.end])
        scheduled += row.agents * on(start, end)
        for b_start, b_end in row.breaks:
            bs, be = _ns([b_start, b_end])
            scheduled -= row.agents * on(bs, be)
    required = requirements["required"].to_numpy().astype(np.int64)
    return pd.DataFrame(
        {
            "interval_start": requirements["interval_start"].reset_index(drop=True),
            "required": required,
            "scheduled": scheduled,
            "shortfall": np.maximum(required - scheduled, 0),
        }
    )


def _stamps(values: pd.Series) -> pd.Series:
    """Timestamps as a datetime Series (an object column of Timestamps in one zone too)."""
    values = pd.Series(values).reset_index(drop=True)
    return values if pd.api.types.is_datetime64_any_dtype(values) else pd.to_datetime(values)


def roster_to_csv_frame(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster as written to ``roster.csv`` (ISO 8601 text with offsets).

    Times are written by :func:`staffing.timegrid.format_timestamps` and breaks by
    :func:`staffing.timegrid.format_breaks`, as every staffing file.

    Parameters
    ----------
    roster : DataFrame
        Columns ``shift, start, end, agents, breaks`` and optionally ``agent``.

    Returns
    -------
    DataFrame
        ``start, end, agents, breaks[, agent], shift`` as text.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2024-07-01 08:00", tz="Europe/London")
    >>> frame = pd.DataFrame({"shift": ["s"], "start": [t], "end": [t + pd.Timedelta(8, unit="h")],
    ...                       "agents": [3], "breaks": [[]]})
    >>> [str(v) for v in roster_to_csv_frame(frame).iloc[0]]
    ['2024-07-01T08:00:00+01:00', '2024-07-01T16:00:00+01:00', '3', '', 's']
    """
    out = pd.DataFrame(
        {
            "start": format_timestamps(_stamps(roster["start"])).to_numpy(),
            "end": format_timestamps(_stamps(roster["end"])).to_numpy(),
            "agents": roster["agents"].astype(int).to_numpy(),
            "breaks": [format_breaks(b) for b in roster["breaks"]],
        }
    )
    if "agent" in roster.columns:
        out["agent"] = roster["agent"].to_numpy()
    out["shift"] = roster["shift"].to_numpy()
    for column in ("contract", "week", "line"):  # lines of work lead, as in the frame
        if column in roster.columns:
            out.insert(0, column, roster[column].to_numpy())
    return out


@dataclass(frozen=True)
class RosterSummary:
    """Key figures of a roster.

    Attributes
    ----------
    paid_hours : float
        Paid agent-hours of the roster [h].
    cost : float
        Sum of ``cost_per_hour`` × paid hours [currency].
    scheduled_agent_hours, required_agent_hours : float
        Agent-hours on duty (breaks excluded) and required [h].
    ratio : float
        ``scheduled_agent_hours / required_agent_hours`` (``inf`` when nothing is required).
    understaffed_intervals : int
        Intervals with a shortfall.
    understaffed_agent_intervals : int
        Sum of shortfalls [agent-intervals].
    overstaffed_agent_intervals : int
        Sum of surpluses [agent-intervals].
    shifts, groups : int
        Agent-shifts and distinct shift groups (rows of ``roster.csv`` without named agents).
    solver : dict
        :meth:`SolveResult.to_dict` of stage 1: status, objective, best bound, gap, solve
        time [s] and model size.
    assignment : dict or None
        The stage-2 solve (named agents), when run.
    headcount : list of dict or None
        With contracts: per contract, ``headcount`` [people], ``fte``,
        ``paid_hours_per_week`` [h], ``cost_per_week`` [currency] and ``share_of_paid_hours``.
    lines : int or None
        With contracts: lines of work in the roster.
    """

    paid_hours: float
    cost: float
    scheduled_agent_hours: float
    required_agent_hours: float
    ratio: float
    understaffed_intervals: int
    understaffed_agent_intervals: int
    overstaffed_agent_intervals: int
    shifts: int
    groups: int
    solver: dict[str, Any]
    assignment: dict[str, Any] | None = None
    headcount: list[dict[str, Any]] | None = None
    lines: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return asdict(self)

    def to_text(self) -> str:
        """A short human-readable report."""
        s = self.solver
        gap = "n/a" if s["gap"] is None else f"{100 * s['gap']:.2f}%"
        bound = "n/a" if s["best_bound"] is None else f"{s['best_bound']:.2f}"
        lines = [
            f"shifts: {self.shifts} in {self.groups} groups, paid hours {self.paid_hours:.1f}, "
            f"cost {self.cost:.2f}",
            f"scheduled/required agent-hours: {self.scheduled_agent_hours:.1f} / "
            f"{self.required_agent_hours:.1f} = {self.ratio:.3f}",
            f"understaffed: {self.understaffed_intervals} intervals, "
            f"{self.understaffed_agent_intervals} agent-intervals",
            f"solver {s['solver']}: {s['status']}, objective {s['objective']:.2f}, bound "
            f"{bound}, gap {gap}, {s['solve_seconds']:.2f} s, {s['variables']} variables, "
            f"{s['constraints']} constraints",
        ]
        for row in self.headcount or []:
            lines.append(
                f"contract {row['contract']}: {row['headcount']} people, FTE {row['fte']:.1f}, "
                f"{row['paid_hours_per_week']:.1f} paid h/week "
                f"({100 * row['share_of_paid_hours']:.1f}%), cost/week {row['cost_per_week']:.2f}"
            )
        if self.assignment is not None:
            lines.append(f"named agents: {self.assignment['status']}")
        return "\n".join(lines)


def summarise(
    roster: pd.DataFrame,
    coverage: pd.DataFrame,
    interval_minutes: int,
    result: SolveResult,
    paid_hours: pd.Series,
    cost: pd.Series,
    assignment: dict[str, Any] | None = None,
    headcount: list[dict[str, Any]] | None = None,
    lines: int | None = None,
) -> RosterSummary:
    """Build the :class:`RosterSummary` (internal helper of :func:`build_roster`).

    Examples
    --------
    >>> True
    True
    """
    hours = interval_minutes / 60
    scheduled = float(coverage["scheduled"].sum() * hours)
    required = float(coverage["required"].sum() * hours)
    surplus = np.maximum(coverage["scheduled"] - coverage["required"], 0)
    return RosterSummary(
        paid_hours=float((roster["agents"] * paid_hours).sum()),
        cost=float((roster["agents"] * cost).sum()),
        scheduled_agent_hours=scheduled,
        required_agent_hours=required,
        ratio=scheduled / required if required else float("inf"),
        understaffed_intervals=int((coverage["shortfall"] > 0).sum()),
        understaffed_agent_intervals=int(coverage["shortfall"].sum()),
        overstaffed_agent_intervals=int(surplus.sum()),
        shifts=int(roster["agents"].sum()),
        groups=len(roster),
        solver=result.to_dict(),
        assignment=assignment,
        headcount=headcount,
        lines=lines,
    )


def write_outputs(
    out_dir: str | Path,
    roster: pd.DataFrame,
    coverage: pd.DataFrame,
    summary: RosterSummary,
    *,
    force: bool = False,
    lines: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write ``roster.csv``, ``coverage.csv``, ``summary.json`` (and ``lines.csv``) into
    ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Output folder (created if missing).
    roster, coverage : DataFrame
        As returned by :func:`staffing.roster.build_roster`.
    summary : RosterSummary
    force : bool
        Overwrite existing files (default ``False``: an existing file raises).
    lines : DataFrame, optional
        The lines-of-work table of a roster with contracts, written to ``lines.csv``.

    Returns
    -------
    dict
        File role -> path written.

    Raises
    ------
    FileExistsError
        A file exists and ``force`` is false (nothing is written then).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from staffing.roster import build_roster, example_requirements
    >>> from staffing.roster.rules import example_rules
    >>> result = build_roster(example_requirements(), example_rules())
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = result.write(tmp)
    ...     sorted(p.name for p in paths.values())
    ['coverage.csv', 'roster.csv', 'summary.json']
    """
    out = Path(out_dir)
    paths = {
        "roster": out / "roster.csv",
        "coverage": out / "coverage.csv",
        "summary": out / "summary.json",
    }
    if lines is not None:
        paths["lines"] = out / "lines.csv"
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not force:
        raise FileExistsError(f"{', '.join(existing)} exist(s); use --force to overwrite")
    # each file appears whole or not at all; summary.json, removed first and written last,
    # marks a complete roster
    paths["summary"].unlink(missing_ok=True)
    write_frame_csv(roster_to_csv_frame(roster), paths["roster"], force=True)
    write_frame_csv(coverage.reset_index(drop=True), paths["coverage"], force=True)
    if lines is not None:
        write_frame_csv(lines, paths["lines"], force=True)
    text = json.dumps(summary.to_dict(), indent=2) + "\n"
    replace_file(paths["summary"], lambda tmp: tmp.write_text(text))
    return paths
