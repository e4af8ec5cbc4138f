"""``schedule.xlsx``: the roster as a workbook a planner opens in a spreadsheet.

One sheet per queue: the table of shifts or lines of work (:func:`staffing.schedule.shift_table`
or the lines of work) above the day x time grid of scheduled against required agents
(:func:`staffing.schedule.coverage_grid`), short cells light red and closed cells grey. Writing
needs openpyxl (the ``io`` extra); :func:`xlsx_available` says whether it is installed.

Examples
--------
>>> sheet_names(["phone", "chat/web"])
['phone', 'chat_web']
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from staffing.output import replace_file
from staffing.schedule import SHIFT_TABLE_COLUMNS, _local, coverage_grid, shift_table

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = [
    "schedule_sheets",
    "sheet_names",
    "write_schedule",
    "write_schedule_xlsx",
    "xlsx_available",
]

#: Characters Excel refuses in a sheet name.
SHEET_FORBIDDEN = "[]:*?/\\"
INSTALL_IO = 'pip install "staffing[io]"'


def xlsx_available() -> bool:
    """Whether ``schedule.xlsx`` can be written (openpyxl, of the ``io`` extra, installed).

    Examples
    --------
    >>> isinstance(xlsx_available(), bool)
    True
    """
    return importlib.util.find_spec("openpyxl") is not None


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError as err:
        raise ImportError(
            f"writing schedule.xlsx needs openpyxl; install it with: {INSTALL_IO}"
        ) from err
    return openpyxl


def sheet_names(queues: Iterable[str]) -> list[str]:
    """Excel sheet names for queues: at most 31 characters, unique, none of ``[]:*?/\\``.

    Forbidden characters become ``_``; a name Excel reserves (``History``) or an empty one is
    changed; names equal but for case get ``~2``, ``~3``... (Excel ignores case).

    Parameters
    ----------
    queues : iterable of str
        Queue names, in sheet order.

    Returns
    -------
    list of str
        One sheet name per queue.

    Examples
    --------
    >>> sheet_names(["phone", "chat/web", "a" * 40, "A" * 40])
    ['phone', 'chat_web', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA~2']
    """
    out: list[str] = []
    taken: set[str] = set()
    for queue in queues:
        name = "".join("_" if ch in SHEET_FORBIDDEN else ch for ch in str(queue)).strip("'")
        name = name or "queue"
        if name.lower() == "history":
            name += "_"
        base, n = name[:31], 1
        name = base
        while name.lower() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.lower())
        out.append(name)
    return out


def _cell(value: Any) -> Any:
    """A table value as openpyxl takes it (numpy scalars unwrapped, missing values empty)."""
    value = value.item() if isinstance(value, np.generic) else value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, int | float | str | bool) else str(value)


SHORTFALL = "FFC7CE"  # light red: fewer agents scheduled than required
CLOSED = "EDEDED"  # light grey: the queue is closed


def _write_sheet(sheet: Any, queue: str, table: pd.DataFrame, grid: Mapping[str, list]) -> None:
    """Title, table, then the scheduled and the required grid; fills, widths, frozen panes."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    fills = {
        c: PatternFill(start_color=c, end_color=c, fill_type="solid") for c in (SHORTFALL, CLOSED)
    }
    widths: dict[int, int] = {}
    row = 0

    def put(values: Sequence[Any], *, bold: bool = False, measure: bool = True) -> int:
        nonlocal row
        row += 1
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col, value=_cell(value))
            cell.font = Font(bold=bold)
            if measure and value is not None:
                size = len(f"{value:.2f}" if isinstance(value, float) else str(value))
                widths[col] = max(widths.get(col, 0), size)
        return row

    kind = "lines of work" if "line" in table.columns else "shifts"
    put([f"{queue}: {kind}"], bold=True, measure=False)
    put(list(table.columns), bold=True)
    for values in table.itertuples(index=False):
        put(list(values))
    legend = "(red: fewer than required; grey: closed)"
    for name in ("scheduled", "required"):
        row += 1
        put([f"{queue}: {name} agents {legend}"], bold=True, measure=False)
        put(["day", *grid["times"]], bold=True)
        for r, day in enumerate(grid["days"]):
            at = put([day, *grid[name][r]])
            cells = zip(grid["required"][r], grid["scheduled"][r], grid["open"][r], strict=True)
            for c, (required, scheduled, is_open) in enumerate(cells, start=2):
                if required is not None and scheduled is not None and scheduled < required:
                    sheet.cell(row=at, column=c).fill = fills[SHORTFALL]
                elif is_open is False:
                    sheet.cell(row=at, column=c).fill = fills[CLOSED]
    for col, size in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = min(max(size + 2, 6), 48)
    sheet.freeze_panes = "B3"  # the title, the table's header and the first column


def write_schedule(path: str | Path, sheets: Mapping[str, tuple[pd.DataFrame, Mapping]]) -> Path:
    """Write ``schedule.xlsx``: per queue a sheet with its shift table and its day x time grid.

    Each sheet holds, from the top: a title, the table (shifts, or lines of work when it has a
    ``line`` column), then after a blank row the grid of scheduled agents and after another
    the grid of required agents (rows days, columns times of day, as :func:`coverage_grid`),
    each under a title row and a header row of times. Grid cells with fewer agents scheduled
    than required are filled light red in both grids, closed intervals light grey. The title,
    the table's header and the first column are frozen.

    Parameters
    ----------
    path : str or path-like
        The workbook to write (replaced whole, or left as it was on error).
    sheets : mapping
        Queue -> (table, grid): the table as shown and the queue's :func:`coverage_grid`.
        Sheets are named by :func:`sheet_names`, in this order.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImportError
        openpyxl is missing (install the ``io`` extra: ``pip install "staffing[io]"``).

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd
    >>> grid = {"days": ["Mon 10 Nov"], "times": ["08:00"], "required": [[2]],
    ...         "scheduled": [[1]], "open": [[True]]}
    >>> table = pd.DataFrame({"shift": ["early"], "days": ["Mon"], "count": [1]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "schedule.xlsx"
    >>> with pd.ExcelFile(write_schedule(out, {"phone": (table, grid)})) as book:
    ...     book.sheet_names
    ['phone']
    """
    openpyxl = _openpyxl()
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (queue, (table, grid)) in zip(sheet_names(sheets), sheets.items(), strict=True):
        _write_sheet(book.create_sheet(title=name), queue, table, grid)
    if not book.worksheets:
        book.create_sheet(title="schedule")
    return replace_file(path, lambda tmp: book.save(tmp))


def schedule_sheets(plan: Plan) -> dict[str, tuple[pd.DataFrame, dict[str, list]]]:
    """Queue -> (table, grid) of a plan, as :func:`write_schedule` takes them.

    The table is :func:`shift_table` (with paid hours per agent's shift [h]) for a daily
    roster, or the queue's rows of :attr:`Plan.lines` for lines of work.
    """
    from staffing.plan_steps import shift_rules
    from staffing.timegrid import TimeGrid

    history = plan.config.history
    plan_grid = plan.grid or TimeGrid(history.interval_minutes, history.tz)
    tz, minutes = plan_grid.tz, plan_grid.interval_minutes
    paid = {s.name: s.paid_hours for s in shift_rules(plan.config).shifts}
    needed = plan.requirements
    dates = sorted({s.date() for s in _local(needed["interval_start"], tz)}) or None
    out = {}
    for queue in plan.queues:
        if len(plan.lines):
            table = _of(plan.lines, queue)
        elif _of(plan.roster, queue).empty:  # no roster of its own (e.g. blended only)
            table = pd.DataFrame(columns=SHIFT_TABLE_COLUMNS)
        else:
            table = shift_table(_of(plan.roster, queue), tz, paid_hours=paid, dates=dates)
        grid = coverage_grid(_of(plan.coverage, queue), _of(needed, queue), tz, minutes)
        out[queue] = (table.drop(columns="queue", errors="ignore").reset_index(drop=True), grid)
    return out


def _of(frame: pd.DataFrame, queue: str) -> pd.DataFrame:
    """The rows of one queue (a frame without a ``queue`` column as it is)."""
    return frame[frame["queue"] == queue] if "queue" in frame.columns else frame


def write_schedule_xlsx(plan: Plan, path: str | Path) -> Path:
    """Write a plan's ``schedule.xlsx``: one sheet per queue (see :func:`write_schedule`).

    Parameters
    ----------
    plan : staffing.plan.Plan
        The plan.
    path : str or path-like
        The workbook to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImportError
        openpyxl is missing (``pip install "staffing[io]"``).

    Examples
    --------
    >>> from staffing.plan import plan
    >>> result = plan(history, config)  # doctest: +SKIP
    >>> write_schedule_xlsx(result, "out/schedule.xlsx")  # doctest: +SKIP
    """
    _openpyxl()
    return write_schedule(path, schedule_sheets(plan))
