"""``staffing plan``: history to roster in one command."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from staffing.cli._types import cluster_options

__all__ = ["plan"]


@click.command(name="plan")
@click.argument("history", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Plan configuration (TOML). Default with --example: the bundled example configuration.",
)
@click.option(
    "--example",
    is_flag=True,
    help="Plan the bundled example history (staffing.datasets.load_example()).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory for forecast.csv, requirements.csv, roster.csv, coverage.csv, "
    "simulation.csv, summary.json and report.html; created with missing parents. Must be new, "
    "empty or a previous plan; not a symbolic link.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace a previous plan in --out. A directory holding any other file is never "
    "replaced. Default: off.",
)
@cluster_options
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def plan(
    history: Path | None,
    config_path: Path | None,
    example: bool,
    out_dir: Path,
    force: bool,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Forecast, staff, roster and simulate: from HISTORY to a plan in --out.

    HISTORY is a file of contacts (one timestamp per row) or of interval counts (CSV, Parquet
    or Excel), read with the [history] settings of the configuration.

    \b
    Examples:
      staffing plan --example --out plan-example
      staffing plan calls.csv --config plan.toml --out plan-2025-w46 --quiet
      staffing plan calls.csv --config plan.toml --out plan-2025-w46 --workers 4

    Exit status: 0 success; 1 bad data, a plan that cannot be met, another staffing run
    writing --out, or a file that cannot be written; 2 usage or configuration error, including
    an --out that cannot be used.
    """
    from staffing.cluster import connect
    from staffing.plan import plan as run_plan

    data, config = load_plan_config(history, config_path, example)
    _check_output(out_dir, force)
    say = None if quiet else (lambda message: click.echo(f"staffing: {message}", err=True))
    with contextlib.ExitStack() as claimed:
        _claim_output(claimed, out_dir, force)
        client = claimed.enter_context(connect(workers, scheduler))
        result = run_plan(data, config, client=client, progress=say)
        result.write(out_dir, force=force)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        click.echo(_headline(summary, out_dir))


def load_plan_config(
    history: Path | None, config_path: Path | None, example: bool
) -> tuple[object, object]:
    """The history (or the example's) and the configuration, as ``plan`` and ``scenarios``
    take them; usage errors for a wrong combination."""
    from staffing.config import PlanConfig, load_config
    from staffing.datasets import load_example, load_example_config

    if example == (history is not None):
        raise click.UsageError("give either HISTORY or --example (one of them)")
    if history is None and config_path is None:
        config = PlanConfig.from_toml(load_example_config(), "example_plan.toml")
    elif config_path is None:
        raise click.UsageError("HISTORY needs --config (a plan configuration file)")
    else:
        config = load_config(config_path)
    return (load_example() if example else history), config


def _check_output(out_dir: Path, force: bool) -> None:
    """Fail before any work, as a usage error, if --out would lose files or can never work."""
    from staffing.output import check_output_dir

    try:
        check_output_dir(out_dir, force=force)
    except OSError as err:
        raise click.UsageError(f"--out {err}") from None


def _claim_output(stack: contextlib.ExitStack, out_dir: Path, force: bool) -> None:
    """Lock --out for this run until the plan is written; fail (exit 1) if another run has it."""
    from staffing.output import claim_output_dir

    try:
        stack.enter_context(claim_output_dir(out_dir, force=force))
    except OSError as err:
        raise click.ClickException(f"--out {err}") from None


def _headline(summary: dict, out_dir: Path) -> str:
    horizon = summary["horizon"]
    lines = [
        f"plan written to {out_dir}/ ({horizon.get('first_local', horizon['first_interval'])} "
        f"to {horizon.get('last_local', horizon['last_interval'])})"
    ]
    for queue, numbers in summary["queues"].items():
        simulated = (numbers.get("simulated") or {}).get("service_level")
        sim_text = "" if simulated is None else f", simulated SL {100 * simulated:.1f}%"
        ratio = numbers.get("scheduled_to_required")
        ratio_text = "" if ratio is None else f", scheduled/required {ratio:.3f}"
        lines.append(
            f"  {queue}: {numbers['forecast_contacts']:,.0f} contacts, target "
            f"{numbers['target']}, peak {numbers['peak_scheduled_required']} agents"
            f"{ratio_text}{sim_text}"
        )
        lines += _queue_extra(queue, numbers)
    totals = summary["totals"]
    lines.append(
        f"  total: {totals['scheduled_agent_hours']:,.0f} scheduled agent-hours for "
        f"{totals['required_agent_hours']:,.0f} required"
    )
    lines += _blend_lines(summary.get("blending"))
    return "\n".join(lines)


def _queue_extra(queue: str, numbers: dict) -> list[str]:
    """Cost, P(meet) and the warnings of one queue (unstaffed open intervals)."""
    lines = []
    risk = numbers.get("risk")
    if numbers.get("cost") is not None:
        text = f"    paid {numbers.get('paid_hours') or 0:,.0f} h, cost {numbers['cost']:,.0f}"
        if risk and risk.get("p_meet") is not None:
            text += (
                f"; P(weekly service level >= target {100 * risk['target_service_level']:.1f}%)"
                f" {100 * risk['p_meet']:.0f}% under the forecast's uncertainty"
            )
        lines.append(text)
    flags = numbers.get("flags") or {}
    unstaffed = flags.get("unstaffed_open") or []
    if unstaffed:
        shown = ", ".join(item["local"] for item in unstaffed[:5])
        more = flags.get("unstaffed_open_count", len(unstaffed)) - min(5, len(unstaffed))
        lines.append(
            f"    warning: {queue}: open with nobody on contacts at {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    return lines


def _blend_lines(blend: dict | None) -> list[str]:
    """The blended roster against separate rosters, in two lines."""
    if not blend:
        return []
    totals = {row["roster"]: row for row in blend["totals"]}
    mine = totals["blended"]
    lines = [f"  blended ({len(blend['groups'])} skill groups): {mine['paid_hours']:,.0f} paid h"]
    saving = blend.get("saving")
    if saving:
        lines[0] += (
            f" vs {totals['separate']['paid_hours']:,.0f} separate: saves "
            f"{saving['paid_hours']:,.0f} paid h ({100 * saving['paid_hours_share']:.1f}%), "
            f"cost {saving['cost']:,.0f} ({100 * saving['cost_share']:.1f}%)"
        )
    missed = [
        f"{row['roster']} {row['channel']}{' ' + row['tier'] if row['tier'] else ''}"
        for row in blend["service"]
        if row.get("met") is False
    ]
    if blend["service"]:
        lines.append(
            "  simulated targets: "
            + ("all met" if not missed else "missed by " + ", ".join(missed))
        )
    return lines
