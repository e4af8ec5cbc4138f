"""``staffing scenarios``: a what-if sweep of the plan across queues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from staffing.cli._types import check_out, cluster_options
from staffing.errors import ConfigError

__all__ = ["scenarios"]


@click.command(name="scenarios")
@click.argument("history", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Plan configuration (TOML). Default with --example: the bundled example configuration.",
)
@click.option("--example", is_flag=True, help="Sweep the bundled example history.")
@click.option(
    "--grid",
    "grid_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenarios (TOML): a [grid] table of keys to lists of values (every combination) "
    "and/or [[scenarios]] tables (one scenario each).",
)
@click.option(
    "--vary",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Sweep a setting over values, e.g. 'service.channels.*.deflection=0,0.1,0.2' or "
    "'service.channels.phone.aht_seconds=-10%,+0%,+10%'; repeat for more keys (every "
    "combination, also with --grid's [grid]).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file for the tidy result: one row per scenario and queue.",
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG file for the cost against service level of every scenario. Default: none.",
)
@click.option("--force", is_flag=True, help="Overwrite --out and --plot. Default: off.")
@cluster_options
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the totals per scenario as JSON.")
def scenarios(
    history: Path | None,
    config_path: Path | None,
    example: bool,
    grid_path: Path | None,
    vary: tuple[str, ...],
    out_path: Path,
    plot_path: Path | None,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Run the plan for every scenario of a grid and every queue: cost, people, service.

    Each queue is forecast once per distinct forecast setting; every scenario then sizes,
    rosters and simulates it (staffing.scenarios.scenarios).

    \b
    Examples:
      staffing scenarios --example --vary 'service.staff_to=q50,q70,q90' --out sweep.csv
      staffing scenarios calls.csv --config plan.toml --grid grid.toml --out sweep.csv \\
          --plot sweep.png --workers 4

    Exit status: 0 success; 1 bad data or a file that cannot be written; 2 usage or
    configuration error (a grid key that names no setting, a value it cannot take).
    """
    from staffing.cli.plan import load_plan_config
    from staffing.cluster import connect
    from staffing.scenarios import expand_grid
    from staffing.scenarios import scenarios as run_sweep

    data, config = load_plan_config(history, config_path, example)
    grid = read_grid(grid_path, vary)
    expand_grid(grid)  # a bad grid fails before any work
    check_out(out_path, force=force)
    if plot_path is not None:
        if plot_path.suffix.lower() != ".png":
            raise click.UsageError(f"--plot {plot_path}: expected a .png file")
        check_out(plot_path, force=force)
    say = None if quiet else (lambda message: click.echo(f"staffing: {message}", err=True))
    with connect(workers, scheduler) as client:
        sweep = run_sweep(data, config, grid, client=client, progress=say)
    sweep.write(out_path, force=force)
    if plot_path is not None:
        _write_plot(sweep, plot_path)
    totals = sweep.totals()
    if as_json:
        click.echo(totals.to_json(orient="records", indent=2))
        return
    click.echo(
        f"{len(totals)} scenario(s) x {sweep.table['queue'].nunique()} queue(s) written to "
        f"{out_path} in {sweep.timings['wall']:.0f} s ({sweep.forecasts} forecast(s) per queue)"
    )
    click.echo(_best(totals, sweep.keys))


def read_grid(path: Path | None, vary: tuple[str, ...]) -> Any:
    """The grid of ``--grid`` and ``--vary``: a mapping of keys to values or a list of scenarios.

    Examples
    --------
    >>> read_grid(None, ("service.staff_to=q50,q90", "roster.solver.relative_gap=0.01"))
    {'service.staff_to': ['q50', 'q90'], 'roster.solver.relative_gap': [0.01]}
    """
    from staffing.scenarios import load_grid

    combos: dict[str, list[Any]] = {}
    listed: list[dict[str, Any]] = []
    if path is not None:
        try:
            combos, listed = load_grid(path)
        except ConfigError as err:
            raise click.UsageError(f"--grid {err}") from None
    for item in vary:
        key, sep, text = item.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise click.UsageError(f"--vary {item!r}: expected KEY=V1,V2,...")
        combos[key.strip()] = [_value(v) for v in text.split(",")]
    if listed and combos:
        return [{**row, **dict(zip(combos, combo, strict=True))}
                for row in listed for combo in _product(combos)]  # fmt: skip
    if listed:
        return listed
    if not combos:
        raise click.UsageError("give the scenarios with --grid FILE or --vary KEY=V1,V2,...")
    return combos


def _product(combos: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
    import itertools

    return list(itertools.product(*combos.values()))


def _value(text: str) -> Any:
    """A --vary value: a number where it reads as one, else the text (``q70``, ``+10%``)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _write_plot(sweep: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = sweep.plot()
    ax.figure.savefig(path, dpi=120)
    plt.close(ax.figure)


def _best(totals: Any, keys: list[str]) -> str:
    """The cheapest scenario meeting every simulated target, in one line."""
    met = totals[totals["meets_all"].astype("boolean").fillna(False).astype(bool)]
    if met.empty:
        return "  no scenario meets every simulated target"
    row = met.loc[met["cost"].idxmin()]
    settings = ", ".join(f"{key} = {json.dumps(row[key], default=str)}" for key in keys)
    return (
        f"  cheapest meeting every simulated target: scenario {row['scenario']} ({settings}): "
        f"paid {row['paid_hours']:,.0f} h, cost {row['cost']:,.0f}, service level "
        f"{100 * row['service_level']:.1f}%"
    )
