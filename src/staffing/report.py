"""A self-contained HTML report of a plan: headline numbers and plots embedded as PNG.

The page has no external resources (no scripts, styles or images fetched from anywhere), so it
can be mailed or archived as one file.

Examples
--------
>>> from staffing.report import figure_to_data_uri
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> figure_to_data_uri(fig).startswith("data:image/png;base64,")
True
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from staffing.plan import Plan

__all__ = ["figure_to_data_uri", "render_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: 0.5rem 0; }
.note { color: #555; font-size: 0.9rem; }
"""


def figure_to_data_uri(figure: Figure, dpi: int = 90) -> str:
    """Encode a matplotlib figure as a PNG ``data:`` URI and close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    dpi : int
        Resolution [dots per inch].

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_report(result: Plan) -> str:
    """Render a plan as one self-contained HTML page.

    The page shows the headline numbers, and for each queue the history with the forecast and
    its interval, required against scheduled agents by interval, the roster as a heat map of
    scheduled agents by day and time, and the simulated service level against the target.

    Parameters
    ----------
    result : Plan
        The plan.

    Returns
    -------
    str
        The HTML text.
    """
    import matplotlib

    matplotlib.use("Agg")
    summary = result.summary()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>staffing plan</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Staffing plan</h1>",
        _horizon_text(summary),
        "<h2>Headline numbers</h2>",
        _headline_table(summary),
    ]
    for queue in result.queues:
        parts.append(f'<h2 id="queue-{html.escape(queue)}">{html.escape(queue)}</h2>')
        parts.extend(_queue_figures(result, queue))
    parts.append("</body></html>")
    return "\n".join(parts)


def _horizon_text(summary: dict[str, Any]) -> str:
    horizon = summary["horizon"]
    return (
        f'<p class="note">From {html.escape(horizon["first_interval"])} to '
        f"{html.escape(horizon['last_interval'])}, intervals of {horizon['interval_minutes']} "
        f"minutes, staffed to the forecast column {html.escape(horizon['staff_to'])}.</p>"
    )


_COLUMNS = (
    ("target", "target"),
    ("forecast_contacts", "forecast contacts"),
    ("peak_scheduled_required", "peak agents required"),
    ("required_agent_hours", "required agent-hours"),
    ("scheduled_agent_hours", "scheduled agent-hours"),
    ("scheduled_to_required", "scheduled / required"),
    ("understaffed_intervals", "understaffed intervals"),
    ("status", "solver status"),
    ("gap", "optimality gap"),
    ("simulated_service_level", "simulated service level"),
)


def _headline_table(summary: dict[str, Any]) -> str:
    header = "".join(f"<th>{html.escape(label)}</th>" for _, label in _COLUMNS)
    rows = []
    for queue, numbers in summary["queues"].items():
        simulated = numbers.get("simulated") or {}
        values = dict(numbers, simulated_service_level=simulated.get("service_level"))
        cells = "".join(f"<td>{_format(key, values.get(key))}</td>" for key, _ in _COLUMNS)
        rows.append(f"<tr><td>{html.escape(queue)}</td>{cells}</tr>")
    return f"<table><tr><th>queue</th>{header}</tr>{''.join(rows)}</table>"


def _format(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if key in ("gap", "simulated_service_level") and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _queue_figures(result: Plan, queue: str) -> list[str]:
    import matplotlib.pyplot as plt

    out = []
    drawings = [
        ("forecast", lambda ax: result.plot_forecast(queue, ax=ax), (10, 3.2)),
        ("coverage", lambda ax: result.plot_coverage(queue, ax=ax), (10, 3.2)),
        ("roster", lambda ax: result.plot_roster(queue, ax=ax), (10, 3.0)),
    ]
    simulated = set(result.simulation["queue"]) if len(result.simulation) else set()
    if queue in simulated:
        drawings.append(
            ("service-level", lambda ax: result.plot_service_level(queue, ax=ax), (10, 3.2))
        )
    for name, draw, size in drawings:
        if name in ("coverage", "roster") and not (result.coverage["queue"] == queue).any():
            continue
        figure, ax = plt.subplots(figsize=size, layout="constrained")
        draw(ax)
        uri = figure_to_data_uri(figure)
        out.append(f'<img class="plot" data-plot="{name}" alt="{queue} {name}" src="{uri}">')
    if queue not in simulated:
        out.append(
            '<p class="note">Not simulated: deferred or tiered work is checked by its '
            "backlog model in the requirements.</p>"
        )
    return out
