"""``staffing roster``: requirements and shift rules in, roster, coverage and summary out."""

from __future__ import annotations

import json
from pathlib import Path

import click

from staffing.cli._types import Number, check_out
from staffing.roster.solver import SOLVERS


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
    "earliest_start, latest_start). Default: no named agents.",
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
    help="Queue to keep when the requirements hold several "
    "queues. Default: none (one queue expected).",
)
@click.option(
    "--tz",
    default=None,
    help="Time zone of naive timestamps, e.g. Europe/London. Default: keep timestamps as given.",
)
@click.option(
    "--time-limit",
    type=Number(0, low_open=True),
    default=None,
    help="Solver time limit [s]. Default: none.",
)
@click.option(
    "--gap",
    type=Number(0, 1, high_open=True),
    default=0.005,
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

    REQUIREMENTS is a CSV with columns interval_start,required [agents] on the grid of the
    rules' interval_minutes. Writes roster.csv, coverage.csv and summary.json into --out and
    prints the summary.

    \b
    Examples:
      staffing roster --example --out roster-example
      staffing roster required.csv --rules shifts.toml --out roster --time-limit 60 --gap 0.01
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
    check_out(out_dir, force=force, files=("roster.csv", "coverage.csv", "summary.json"))
    rules = load_rules(rules_path) if rules_path is not None else example_rules()
    source = example_requirements() if example else requirements
    options = SolverOptions(
        solver=solver, time_limit_seconds=time_limit, relative_gap=gap, threads=threads, seed=seed
    )
    result = build_roster(source, rules, options, agents=agents_path, queue=queue, tz=tz)
    result.write(out_dir, force=force)
    if as_json:
        click.echo(json.dumps(result.summary.to_dict(), indent=2))
    else:
        click.echo(result.summary.to_text())
        click.echo(
            f"written: {out_dir / 'roster.csv'}, {out_dir / 'coverage.csv'}, "
            f"{out_dir / 'summary.json'}"
        )
