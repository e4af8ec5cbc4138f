"""``staffing erlang``: agents needed for one interval, with the table around the answer."""

from __future__ import annotations

import json
import math
import re

import click
import numpy as np

from staffing.cli._types import Number
from staffing.queueing import (
    MAX_AHT_SECONDS,
    MAX_CONCURRENCY,
    MAX_COUNT,
    MAX_INTERVAL_MINUTES,
    MAX_LOAD_ERLANGS,
    MAX_PATIENCE_ARRIVALS,
    MAX_PATIENCE_SECONDS,
    MIN_INTERVAL_MINUTES,
)

__all__ = ["MAX_ROWS", "erlang"]

#: Most table rows on each side of the answer (``--rows``).
MAX_ROWS = 10_000

_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def _parse_target(text: str | None) -> tuple[float | None, float | None]:
    if text is None:
        return None, None
    match = _TARGET.match(text)
    if match is None:
        raise click.BadParameter(
            f"target must be PERCENT/SECONDS such as 80/20, got {text!r}", param_hint="--target"
        )
    percent, seconds = float(match.group(1)), float(match.group(2))
    if not 0 < percent < 100:
        raise click.BadParameter(
            f"target percentage must be in (0, 100), got {text!r}", param_hint="--target"
        )
    if not math.isfinite(seconds):
        raise click.BadParameter(
            f"target seconds must be finite, got {text!r}", param_hint="--target"
        )
    return percent / 100.0, seconds


def _check_sizes(
    calls: float, aht: float, interval_minutes: float, patience: float | None
) -> float:
    """The offered load [Erlang], refused (naming the options) beyond the library's limits."""
    load = calls * aht / (60.0 * interval_minutes)
    if load > MAX_LOAD_ERLANGS:
        raise click.UsageError(
            f"--calls x --aht / (60 x --interval-minutes) is a load of {load:g} Erlang; "
            f"at most {MAX_LOAD_ERLANGS:g} is accepted"
        )
    if patience is not None and load * patience / aht > MAX_PATIENCE_ARRIVALS:
        raise click.UsageError(
            f"--patience {patience:g} s is {patience / aht:g} times --aht at a load of "
            f"{load:g} Erlang ({load * patience / aht:g} arrivals per mean patience, at most "
            f"{MAX_PATIENCE_ARRIVALS:g}); leave --patience out (Erlang C)"
        )
    return load


@click.command(name="erlang")
@click.option(
    "--calls",
    type=Number(0, MAX_COUNT),
    required=True,
    help=f"Contacts arriving in the interval [contacts per interval], 0 to {MAX_COUNT:g}. "
    "Required.",
)
@click.option(
    "--interval-minutes",
    type=Number(MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES),
    default=60.0,
    show_default=True,
    help=f"Interval length [min], {MIN_INTERVAL_MINUTES:g} to {MAX_INTERVAL_MINUTES:g}.",
)
@click.option(
    "--aht",
    type=Number(0, MAX_AHT_SECONDS, low_open=True),
    required=True,
    help=f"Average handle time [s], at most {MAX_AHT_SECONDS:g}. Required. The load "
    f"calls x aht / (60 x interval) is at most {MAX_LOAD_ERLANGS:g} Erlang.",
)
@click.option(
    "--target",
    default=None,
    help="Service-level target PERCENT/SECONDS, e.g. 80/20 = 80% answered within "
    "20 s (fraction of offered contacts). Default: none.",
)
@click.option(
    "--asa",
    type=Number(0, low_open=True),
    default=None,
    help="Maximum average speed of answer [s]. Default: none.",
)
@click.option(
    "--max-occupancy",
    type=Number(0, 1, low_open=True),
    default=None,
    help="Occupancy cap [fraction, e.g. 0.85]. Default: none.",
)
@click.option(
    "--shrinkage",
    type=Number(0, 1, high_open=True),
    default=0.0,
    show_default=True,
    help="Fraction of paid time unavailable [fraction].",
)
@click.option(
    "--patience",
    type=Number(0, MAX_PATIENCE_SECONDS, low_open=True),
    default=None,
    help=f"Mean patience [s], at most {MAX_PATIENCE_SECONDS:g}: use Erlang A with "
    "abandonment. Default: Erlang C.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, MAX_CONCURRENCY),
    default=1,
    show_default=True,
    help="Contacts one agent handles at once (chat) [contacts].",
)
@click.option(
    "--rows",
    type=click.IntRange(0, MAX_ROWS),
    default=3,
    show_default=True,
    help=f"Rows of the table on each side of the answer [agents], at most {MAX_ROWS}.",
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
    load = _check_sizes(calls, aht, interval_minutes, patience)
    common = {"interval_minutes": interval_minutes, "patience_seconds": patience,
              "concurrency": concurrency}  # fmt: skip
    table = queueing.staffing_table(
        calls, aht, service_level=service_level, target_seconds=target_seconds,
        asa_seconds=asa, max_occupancy=max_occupancy, shrinkage=shrinkage, **common,
    )  # fmt: skip
    agents, scheduled = int(table["agents"].iloc[0]), int(table["scheduled"].iloc[0])
    around = np.arange(max(agents - rows, 0), agents + rows + 1)
    seconds = 0.0 if target_seconds is None else target_seconds
    columns = {
        "agents": around.tolist(),
        "service_level": queueing.service_level(calls, aht, around, seconds, **common),
        "asa_seconds": queueing.asa(calls, aht, around, **common),
        "occupancy": queueing.occupancy(calls, aht, around, **common),
    }
    if patience is not None:
        columns["abandonment"] = queueing.abandonment(calls, aht, around, **common)
    rows_out = [
        {
            key: (value if key == "agents" else float(value))
            for key, value in zip(columns, row, strict=True)
        }
        for row in zip(*columns.values(), strict=True)
    ]
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
