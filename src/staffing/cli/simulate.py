"""``staffing simulate``: check a roster against a forecast by discrete-event simulation."""

from __future__ import annotations

from pathlib import Path

import click

from staffing._history_cells import ALL_QUEUES
from staffing.cli._types import Number, check_out
from staffing.queueing import (
    MAX_AHT_SECONDS,
    MAX_INTERVAL_MINUTES,
    MAX_PATIENCE_SECONDS,
    MIN_INTERVAL_MINUTES,
)
from staffing.simulate.core import MAX_HANDLE_TIME_CV, MAX_REPLICATIONS

__all__ = ["simulate"]

INTERVALS_FILE = "simulation_intervals.csv"
OVERALL_FILE = "simulation_overall.csv"
REPLICATIONS_FILE = "simulation_replications.csv"


@click.command(name="simulate")
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--forecast",
    "forecast_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Forecast CSV: interval_start (ISO 8601 with UTC offset), volume [contacts per "
    "interval], optionally queue and quantiles: the output of 'staffing forecast' or a plan's "
    "forecast.csv. Required.",
)
@click.option(
    "--aht", type=Number(0, MAX_AHT_SECONDS, low_open=True), required=True,
    help=f"Mean handle time [s], at most {MAX_AHT_SECONDS:g}. Required.",
)  # fmt: skip
@click.option(
    "--target",
    type=Number(0),
    required=True,
    help="Answer-time target of the service level [s].",
)
@click.option(
    "--replications", type=click.IntRange(1, MAX_REPLICATIONS), default=20, show_default=True,
    help="Number of independent replications.",
)  # fmt: skip
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (created if missing). Required.")  # fmt: skip
@click.option(
    "--patience", type=Number(0, MAX_PATIENCE_SECONDS, low_open=True), default=None,
    help=f"Mean patience of an exponential abandonment model [s], at most "
    f"{MAX_PATIENCE_SECONDS:g}. Default: no abandonment.",
)  # fmt: skip
@click.option(
    "--handle-time", type=click.Choice(["exponential", "lognormal"]), default="exponential",
    show_default=True, help="Handle-time distribution with mean --aht.",
)  # fmt: skip
@click.option(
    "--cv", type=Number(0, MAX_HANDLE_TIME_CV, low_open=True), default=1.0, show_default=True,
    help=f"Coefficient of variation of a lognormal handle time [fraction of the mean], at most "
    f"{MAX_HANDLE_TIME_CV:g}.",
)  # fmt: skip
@click.option("--seed", type=int, default=None, help="Random seed [integer]. Default: random.")
@click.option(
    "--interval-minutes", type=Number(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES), default=None,
    help="Interval length [min]. Default: inferred from the forecast grid.",
)  # fmt: skip
@click.option(
    "--queue", default=None,
    help="Queue to simulate when the forecast or ROSTER holds several (a plan's files). "
    "Default: the forecast's only queue.",
)  # fmt: skip
@click.option(
    "--column", default="volume", show_default=True,
    help="Forecast column with the expected contacts per interval (e.g. q90).",
)  # fmt: skip
@click.option(
    "--basis", type=click.Choice(["offered", "answered"]), default="offered", show_default=True,
    help="Service-level denominator: offered (abandoned count as missed) or answered contacts.",
)  # fmt: skip
@click.option(
    "--tz", default=None,
    help="Time zone of the output timestamps (e.g. Europe/London). Default: the forecast "
    "file's UTC offset, or UTC when it has several.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def simulate(
    roster: Path,
    forecast_path: Path,
    aht: float,
    target: float,
    replications: int,
    out_dir: Path,
    patience: float | None,
    handle_time: str,
    cv: float,
    seed: int | None,
    interval_minutes: float | None,
    queue: str | None,
    column: str,
    basis: str,
    tz: str | None,
    force: bool,
) -> None:
    """Simulate ROSTER against a forecast and report service level, ASA, abandonment, occupancy.

    ROSTER is a roster CSV (start, end, agents, breaks: roster.csv of 'staffing roster' or of
    a plan, whose queue column --queue filters), agents per interval (interval_start, agents)
    or coverage (interval_start, scheduled: coverage.csv of 'staffing roster' or of a plan).
    Writes simulation_intervals.csv, simulation_overall.csv and simulation_replications.csv
    to --out and prints the overall summary.

    \b
    Example:
      staffing simulate roster.csv --forecast forecast.csv --aht 300 --target 20 \\
          --replications 20 --patience 120 --seed 1 --out sim
    """
    from staffing.io import write_frame_csv
    from staffing.simulate import read_forecast, read_staffing
    from staffing.simulate import simulate as run

    names = (INTERVALS_FILE, OVERALL_FILE, REPLICATIONS_FILE)
    check_out(out_dir, force=force, files=names)
    paths = [out_dir / name for name in names]
    forecast = read_forecast(forecast_path, tz=tz, queue=queue)
    if queue is None and "queue" in forecast.columns:
        names = forecast["queue"].dropna().unique()
        queue = str(names[0]) if len(names) == 1 else None
    # a forecast of an unnamed history (queue "all") names no queue of the roster
    roster_queue = None if queue == ALL_QUEUES else queue
    result = run(
        read_staffing(roster, tz=tz, queue=roster_queue),
        forecast,
        aht_seconds=aht,
        target_seconds=target,
        handle_time=handle_time,
        cv=cv,
        patience_seconds=patience,
        replications=replications,
        seed=seed,
        interval_minutes=interval_minutes,
        volume_column=column,
        queue=queue,
        service_level_basis=basis,  # type: ignore[arg-type]
    )
    frames = (result.intervals, result.overall, result.replications)
    for path, frame in zip(paths, frames, strict=True):
        write_frame_csv(frame, path, force=True)
    click.echo(f"overall over {replications} replications ({result.confidence:.0%} CI):")
    click.echo(result.overall.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    click.echo(f"wrote {', '.join(str(p) for p in paths)}")
