"""``staffing forecast``: forecast contact volume from a history file, or backtest the models."""

from __future__ import annotations

from pathlib import Path

import click

from staffing.cli._types import check_out

__all__ = ["forecast"]

#: Longest horizon [days]; staffing.forecast._grid.MAX_HORIZON_DAYS, repeated here so that
#: ``staffing --help`` does not import statsmodels (a test keeps the two equal).
MAX_HORIZON_DAYS = 366

MODEL_CHOICES = (
    "auto",
    "seasonal_naive_week",
    "seasonal_naive_day",
    "mstl",
    "holt_winters",
    "glm",
    "ensemble",
)


def _quantiles(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated probabilities such as 0.1,0.5,0.9, got {text!r}",
            param_hint="'--quantiles'",
        ) from None
    return levels


@click.command(name="forecast")
@click.argument("history", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--example", is_flag=True, help="Use the bundled example history instead of HISTORY."
)
@click.option(
    "--horizon-days",
    type=click.FloatRange(min=0, min_open=True, max=MAX_HORIZON_DAYS),
    default=14.0,
    show_default=True,
    help=f"Forecast horizon in local calendar days [days], at most {MAX_HORIZON_DAYS}.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output CSV: the forecast (interval_start,queue,volume,q10,q50,q90; ISO 8601 with "
    "UTC offset, as a plan's forecast.csv), or with --backtest the per-origin metrics. "
    "Default: forecast CSV on standard output.",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists. Default: off.")
@click.option("--queue", default=None, help="Forecast only this queue. Default: every queue.")
@click.option(
    "--model",
    type=click.Choice(MODEL_CHOICES),
    default="auto",
    show_default=True,
    help="Model; 'auto' picks the best by rolling-origin validation on the history.",
)
@click.option(
    "--country",
    default=None,
    help="Public-holiday calendar of the 'holidays' package, e.g. IL or GB. Default: none.",
)
@click.option("--subdiv", default=None, help="Holiday subdivision, e.g. ENG. Default: none.")
@click.option(
    "--tz",
    default=None,
    help="IANA time zone of naive timestamps in HISTORY, e.g. Asia/Jerusalem. "
    "Default: offsets in the file (kept in UTC), else naive local time without summer time "
    "(every day 24 hours; the forecast is then written without offsets).",
)
@click.option(
    "--interval-minutes",
    type=click.Choice(["15", "30", "60"]),
    default="60",
    show_default=True,
    help="Interval length [minutes].",
)
@click.option(
    "--quantiles",
    default="0.1,0.5,0.9",
    show_default=True,
    help="Quantile levels [fraction], comma-separated; columns are named q10, q05, q97.5...",
)
@click.option("--backtest", "run_backtest", is_flag=True, help="Print backtest metrics instead.")
@click.option(
    "--origins",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Backtest: number of weekly rolling origins.",
)
@click.option(
    "--horizon-hours",
    type=click.FloatRange(min=0, min_open=True, max=24 * MAX_HORIZON_DAYS),
    default=168.0,
    show_default=True,
    help="Backtest: horizon at each origin [hours] (origins are one week apart).",
)
def forecast(
    history: Path | None,
    example: bool,
    horizon_days: float,
    out: Path | None,
    force: bool,
    queue: str | None,
    model: str,
    country: str | None,
    subdiv: str | None,
    tz: str | None,
    interval_minutes: str,
    quantiles: str,
    run_backtest: bool,
    origins: int,
    horizon_hours: float,
) -> None:
    """Forecast hourly contact volume from HISTORY (CSV, Parquet or Excel).

    Writes one row per queue and interval with the mean forecast (volume) and its quantiles,
    the file `staffing simulate --forecast` reads, and reports the model used with its
    validation MASE and the gaps found in the history (on standard error). With --backtest,
    prints the per-model MASE, WAPE, bias and interval coverage over rolling origins.

    \b
    Examples:
      staffing forecast calls.csv --tz Asia/Jerusalem --country IL --out forecast.csv
      staffing forecast --example --queue phone --horizon-days 7 --out phone.csv
      staffing forecast calls.csv --tz Asia/Jerusalem --country IL --backtest --origins 8
    """
    from staffing import io, timegrid
    from staffing.datasets import load_example
    from staffing.forecast import Forecaster, backtest
    from staffing.forecast._grid import check_zone

    if example == (history is not None):
        raise click.UsageError("give either HISTORY or --example")
    if out is not None:
        check_out(out, force=force)
    levels = _quantiles(quantiles)
    check_zone(tz, "--tz")
    minutes = int(interval_minutes)
    source = load_example() if example else history
    frame = io.read_history(source, tz=tz, interval_minutes=minutes, queue=queue)
    _report_gaps(frame.attrs.get("gaps", ()))
    # Naive times without --tz are local times without summer time, as the help says: they
    # are forecast on a UTC clock (24 hours every day) and written back without an offset.
    naive = frame["interval_start"].dt.tz is None
    settings = {"country": country, "subdiv": subdiv, "quantiles": levels}
    settings["tz"] = "UTC" if naive else None
    if run_backtest:
        models = _backtest_models(model)
        table = backtest(
            frame, models=models, horizon_hours=horizon_hours, n_origins=origins, **settings
        )
        summary = table.attrs["summary"]
        if naive:
            table["origin"] = table["origin"].dt.tz_localize(None)
        click.echo(summary.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        if out is not None:
            io.write_frame_csv(table, out, force=force)
        return
    fitted = Forecaster(model, **settings).fit(frame)
    result = fitted.predict(horizon_days=horizon_days)
    if naive:
        result.index = result.index.tz_localize(None)
    _report_choice(fitted)
    table = result.rename_axis(timegrid.INTERVAL_START).reset_index()
    first = [timegrid.INTERVAL_START, timegrid.QUEUE]
    table = table[first + [c for c in table.columns if c not in first]]
    if out is None:
        click.echo(timegrid.frame_csv_text(table), nl=False)
    else:
        io.write_frame_csv(table, out, force=force)
        click.echo(f"wrote {len(table)} rows to {out}", err=True)


def _backtest_models(model: str) -> tuple[str, ...]:
    from staffing.forecast.backtest import DEFAULT_MODELS

    if model == "auto":
        return DEFAULT_MODELS
    return tuple(dict.fromkeys(("seasonal_naive_week", model)))


def _report_choice(fitted: object) -> None:
    selection = fitted.selection_  # type: ignore[attr-defined]
    for queue, rows in selection.groupby("queue", sort=False):
        chosen = rows.loc[rows["selected"], "model"].iloc[0]
        scores = ", ".join(
            f"{m} {s:.3f}" for m, s in zip(rows["model"], rows["mase"], strict=True)
        )
        click.echo(f"{queue}: model {chosen} (validation MASE: {scores})", err=True)


#: Most gaps listed one per line on standard error; the rest are counted.
MAX_GAP_LINES = 10


def _report_gaps(gaps: tuple) -> None:
    """List the history's gaps (unknown volume, not zero) on standard error."""
    if not gaps:
        return
    noun = "gap" if len(gaps) == 1 else "gaps"
    click.echo(f"history: {len(gaps)} {noun} (unknown volume, not counted as zero):", err=True)
    for gap in gaps[:MAX_GAP_LINES]:
        size = "interval" if gap.intervals == 1 else "intervals"
        click.echo(
            f"  queue {gap.queue} {gap.start:%Y-%m-%d %H:%M} to {gap.end:%Y-%m-%d %H:%M} "
            f"({gap.intervals} {size}, {gap.reason})",
            err=True,
        )
    if len(gaps) > MAX_GAP_LINES:
        click.echo(f"  and {len(gaps) - MAX_GAP_LINES} more", err=True)
