"""``staffing roster``: requirements and shift rules in, roster, coverage and summary out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from staffing.cli._types import Number, check_out
from staffing.errors import DataError
from staffing.roster.solver import DEFAULT_RELATIVE_GAP, DEFAULT_TIME_LIMIT_SECONDS, SOLVERS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_requirements_file", "roster"]


@click.command(name="roster")
@click.argument("requirements", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Shift rules TOML file (see the roster guide). Default: the bundled "
    "example rules with --example, otherwise required.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder for roster.csv, coverage.csv and summary.json (created).",
)
@click.option(
    "--agents",
    "agents_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of named agents (name, contracted_hours [h per week], unavailable, "
    "earliest_start, latest_start, contract). Default: no named agents.",
)
@click.option(
    "--example",
    is_flag=True,
    help="Use the bundled example week of requirements (and example rules unless "
    "--rules is given). Default: off.",
)
@click.option(
    "--queue",
    default=None,
    help="Queue to roster when REQUIREMENTS holds several (a plan's requirements.csv). "
    "Default: the only queue.",
)
@click.option(
    "--tz",
    default=None,
    help="Time zone of the requirements, e.g. Europe/London: localises naive timestamps and "
    "converts those with offsets. Needed when the offsets change within the file (summer "
    "time). Default: the file's UTC offset.",
)
@click.option(
    "--time-limit",
    type=Number(0, low_open=True),
    default=DEFAULT_TIME_LIMIT_SECONDS,
    show_default=True,
    help="Solver time limit [s].",
)
@click.option(
    "--gap",
    type=Number(0, 1, high_open=True),
    default=DEFAULT_RELATIVE_GAP,
    show_default=True,
    help="Relative optimality gap at which the solver stops [fraction].",
)
@click.option(
    "--solver",
    type=click.Choice(SOLVERS),
    default="highs",
    show_default=True,
    help="MIP solver: HiGHS (highspy) or CBC (cbc executable).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Solver threads [count]. Default: the solver's choice.",
)
@click.option("--seed", type=int, default=None, help="Solver random seed. Default: the solver's.")
@click.option("--force", is_flag=True, help="Overwrite existing output files. Default: off.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as JSON instead of text. Default: off.",
)
def roster(
    requirements: Path | None,
    rules_path: Path | None,
    out_dir: Path,
    agents_path: Path | None,
    example: bool,
    queue: str | None,
    tz: str | None,
    time_limit: float | None,
    gap: float,
    solver: str,
    threads: int | None,
    seed: int | None,
    force: bool,
    as_json: bool,
) -> None:
    """Build a least-cost roster of shifts with breaks from agent requirements.

    REQUIREMENTS is a CSV with columns interval_start,required [agents], or a plan's
    requirements.csv (interval_start,queue,tier,scheduled,...: scheduled agents are summed
    over tiers; --queue picks the queue). Requirements on a coarser grid than the rules'
    interval_minutes (hourly for 30-minute rules) are repeated onto it. Writes roster.csv,
    coverage.csv and summary.json into --out and prints the summary. With [[contracts]] in the
    rules the roster is made of weekly lines of work: lines.csv (one row per line) is written
    too, the summary gives headcount and FTE per contract, and --agents fills the lines with
    people (the lines left over are the hiring need).

    \b
    Examples:
      staffing roster --example --out roster-example
      staffing roster required.csv --rules shifts.toml --out roster --time-limit 60 --gap 0.01
      staffing roster plan/requirements.csv --queue phone --tz Europe/London \\
          --rules shifts.toml --out roster-phone
    """
    from staffing.roster import (
        SolverOptions,
        build_roster,
        example_requirements,
        example_rules,
        load_rules,
    )

    if example == (requirements is not None):
        raise click.UsageError("give either REQUIREMENTS or --example")
    if rules_path is None and not example:
        raise click.UsageError("missing option '--rules'")
    rules = load_rules(rules_path) if rules_path is not None else example_rules()
    files = ("roster.csv", "coverage.csv", "summary.json")
    check_out(out_dir, force=force, files=files + (("lines.csv",) if rules.contracts else ()))
    options = SolverOptions(
        solver=solver, time_limit_seconds=time_limit, relative_gap=gap, threads=threads, seed=seed
    )
    if example:
        result = build_roster(example_requirements(), rules, options, agents=agents_path, tz=tz)
    else:
        assert requirements is not None
        needed = read_requirements_file(requirements, rules.interval_minutes, queue, tz)
        try:
            result = build_roster(needed, rules, options, agents=agents_path, tz=tz)
        except DataError as err:  # the library names a frame "requirements"; name the file
            text = str(err)
            if text.startswith("requirements:"):
                raise DataError(f"{requirements}:{text.removeprefix('requirements:')}") from None
            raise
    paths = result.write(out_dir, force=force)
    if as_json:
        click.echo(json.dumps(result.summary.to_dict(), indent=2))
    else:
        click.echo(result.summary.to_text())
        click.echo(f"written: {', '.join(str(p) for p in paths.values())}")


def read_requirements_file(
    path: Path, interval_minutes: int, queue: str | None, tz: str | None
) -> pd.DataFrame:
    """Agents required per interval from any requirements file the commands write.

    Reads ``interval_start, required`` (a hand-made file, or a ``coverage.csv``) or a plan's
    ``requirements.csv`` (``interval_start, queue, tier, scheduled, ...``: ``scheduled`` summed
    over tiers), keeps one queue, and repeats requirements on a coarser grid that is a
    multiple of ``interval_minutes`` [min] onto that grid.

    Parameters
    ----------
    path : pathlib.Path
        The REQUIREMENTS file.
    interval_minutes : int
        The rules' interval length [min].
    queue : str, optional
        Queue to keep (the ``--queue`` option); needed when the file holds several.
    tz : str, optional
        Time zone (the ``--tz`` option); needed when the file's UTC offsets change.

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` and ``required`` [agents], sorted by time.

    Raises
    ------
    DataError
        Naming the file, column and row (data rows from 1; the line in the file is one more).
    """
    import numpy as np
    import pandas as pd

    from staffing.roster.model import split_intervals
    from staffing.timegrid import (
        INTERVAL_START,
        QUEUE,
        infer_interval_minutes,
        pick_queue,
        read_frame_csv,
    )

    frame = read_frame_csv(path, tz, zone_option="--tz")
    column = "required" if "required" in frame.columns else "scheduled"
    missing = [name for name in (INTERVAL_START, column) if name not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; expected interval_start and "
            "required (or a plan's requirements.csv with scheduled); columns present: "
            f"{', '.join(map(str, frame.columns))}"
        )
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (values.isna() | ~np.isfinite(values) | (values < 0)).to_numpy()
    if bad.any():
        row = int(np.argmax(bad)) + 1
        raise DataError(
            f"{path}: column {column!r}, row {row} (line {row + 1}): expected a number of "
            f"agents >= 0, got {frame[column].iloc[row - 1]!r}"
        )
    if queue is not None and QUEUE not in frame.columns:
        raise DataError(f"{path}: --queue {queue} given, but the file has no queue column")
    frame = pick_queue(frame.assign(**{column: values}), queue, str(path))
    needed = frame.groupby(INTERVAL_START, sort=True)[column].sum().rename("required")
    if column == "required" and len(needed) < len(frame):
        needed = frame[[INTERVAL_START, column]]  # duplicates: let the library name them
        return needed.rename(columns={column: "required"})
    needed = needed.reset_index()
    if len(needed) < 2:
        return needed
    step = infer_interval_minutes(needed[INTERVAL_START], where=f"{path}: column 'interval_start'")
    parts = step / interval_minutes
    if parts <= 1 or parts != int(parts):
        return needed
    return split_intervals(needed, int(step), interval_minutes)
