"""``staffing erlang``: agents needed for one interval, with the table around the answer."""

from __future__ import annotations

import json
import re

import click
import numpy as np

__all__ = ["erlang"]

_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def _parse_target(text: str | None) -> tuple[float | None, float | None]:
    if text is None:
        return None, None
    match = _TARGET.match(text)
    if match is None:
        raise click.BadParameter(f"target must be PERCENT/SECONDS such as 80/20, got {text!r}")
    percent, seconds = float(match.group(1)), float(match.group(2))
    if not 0 < percent < 100:
        raise click.BadParameter(f"target percentage must be in (0, 100), got {text!r}")
    return percent / 100.0, seconds


@click.command(name="erlang")
@click.option(
    "--calls",
    type=click.FloatRange(min=0),
    required=True,
    help="Contacts arriving in the interval [contacts per interval]. Required.",
)
@click.option(
    "--interval-minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Interval length [min].",
)
@click.option(
    "--aht",
    type=click.FloatRange(min=0, min_open=True),
    required=True,
    help="Average handle time [s]. Required.",
)
@click.option(
    "--target",
    default=None,
    help="Service-level target PERCENT/SECONDS, e.g. 80/20 = 80% answered within "
    "20 s (fraction of offered contacts). Default: none.",
)
@click.option(
    "--asa",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Maximum average speed of answer [s]. Default: none.",
)
@click.option(
    "--max-occupancy",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Occupancy cap [fraction, e.g. 0.85]. Default: none.",
)
@click.option(
    "--shrinkage",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    help="Fraction of paid time unavailable [fraction].",
)
@click.option(
    "--patience",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Mean patience [s]: use Erlang A with abandonment. Default: Erlang C.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Contacts one agent handles at once (chat) [contacts].",
)
@click.option(
    "--rows",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Rows of the table on each side of the answer [agents].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def erlang(calls, interval_minutes, aht, target, asa, max_occupancy, shrinkage, patience,
           concurrency, rows, as_json) -> None:  # fmt: skip
    """Agents needed to answer CALLS contacts in one interval to a target (Erlang C or A).

    \b
    Example:
      staffing erlang --calls 100 --interval-minutes 30 --aht 180 --target 80/20
      staffing erlang --calls 100 --interval-minutes 30 --aht 180 --target 80/20 \\
          --patience 120 --shrinkage 0.3 --json
    """
    from staffing import queueing

    service_level, target_seconds = _parse_target(target)
    common = {"interval_minutes": interval_minutes, "patience_seconds": patience,
              "concurrency": concurrency}  # fmt: skip
    table = queueing.staffing_table(
        calls, aht, service_level=service_level, target_seconds=target_seconds,
        asa_seconds=asa, max_occupancy=max_occupancy, shrinkage=shrinkage, **common,
    )  # fmt: skip
    agents, scheduled = int(table["agents"].iloc[0]), int(table["scheduled"].iloc[0])
    around = np.arange(max(agents - rows, 0), agents + rows + 1)
    seconds = 0.0 if target_seconds is None else target_seconds
    rows_out = []
    for n, sl, speed, occ in zip(
        around.tolist(),
        queueing.service_level(calls, aht, around, seconds, **common),
        queueing.asa(calls, aht, around, **common),
        queueing.occupancy(calls, aht, around, **common),
        strict=True,
    ):
        row = {"agents": n, "service_level": float(sl), "asa_seconds": float(speed),
               "occupancy": float(occ)}  # fmt: skip
        if patience is not None:
            row["abandonment"] = float(
                queueing.abandonment(calls, aht, n, patience_seconds=patience,
                                     interval_minutes=interval_minutes, concurrency=concurrency)
            )  # fmt: skip
        rows_out.append(row)
    load = queueing.offered_load(calls, aht, interval_minutes=interval_minutes)
    if as_json:
        result = {"load_erlangs": load, "agents": agents, "scheduled": scheduled,
                  "model": "erlang_a" if patience is not None else "erlang_c",
                  "service_level_target_seconds": target_seconds, "table": rows_out}  # fmt: skip
        click.echo(json.dumps(_finite(result), indent=2))
        return
    _print_text(load, agents, scheduled, shrinkage, target, seconds, rows_out)


def _finite(value):
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _print_text(load, agents, scheduled, shrinkage, target, seconds, rows_out) -> None:
    click.echo(f"Offered load: {load:.3f} Erlang")
    click.echo(f"Agents needed on the queue: {agents}")
    click.echo(f"Agents to schedule (shrinkage {shrinkage:.0%}): {scheduled}")
    header = f"{'agents':>6}  {f'SL {seconds:g}s':>9}  {'ASA [s]':>9}  {'occupancy':>9}"
    with_abandon = "abandonment" in rows_out[0]
    if with_abandon:
        header += f"  {'abandon':>8}"
    click.echo(header)
    for row in rows_out:
        mark = " <" if row["agents"] == agents else ""
        line = (f"{row['agents']:>6}  {row['service_level']:>9.1%}  "
                f"{row['asa_seconds']:>9.1f}  {row['occupancy']:>9.1%}")  # fmt: skip
        if with_abandon:
            line += f"  {row['abandonment']:>8.1%}"
        click.echo(line + mark)
