"""A 200-scenario what-if sweep of the bundled example: wall time and the tidy result.

Run from the repository root (``--workers`` needs the dask extra)::

    python benchmarks/bench_scenarios.py --workers 2 --out sweep-example

The grid: chatbot deflection of every channel 0, 5, ... 45% (10 values) x handle time of every
channel -10%, -5%, +0%, +5%, +10% (5) x staff-to q50, q60, q70, q80 (4) = 200 scenarios of the
three queues of the bundled example (600 scenario tasks), with the example configuration's
settings and the per-day roster model (``roster.contracts`` left out: every roster solves to
its gap rather than to a time limit, so a scenario's numbers do not depend on the machine's
speed). Each queue is forecast once (none of the keys changes the forecast); staffing to q60,
q70 and q80 adds those columns from the forecast's predictive distribution. Writes
``scenarios.csv`` and ``scenarios.png`` into ``--out`` and prints the wall time, the task
seconds and, per deflection, the cheapest scenario meeting every simulated target.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.config import PlanConfig
from staffing.datasets import load_example, load_example_config
from staffing.scenarios import scenarios

GRID = {
    "service.channels.*.deflection": [round(float(x), 2) for x in np.arange(0.0, 0.5, 0.05)],
    "service.channels.*.aht_seconds": ["-10%", "-5%", "+0%", "+5%", "+10%"],
    "service.staff_to": ["q50", "q60", "q70", "q80"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("sweep-example"))
    args = parser.parse_args()
    from staffing.cluster import connect

    config = PlanConfig.from_toml(load_example_config())
    config = config.model_copy(
        update={"roster": config.roster.model_copy(update={"contracts": []})}
    )
    history = load_example()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with connect(workers=args.workers) as client:
        sweep = scenarios(history, config, GRID, client=client)
    wall = time.perf_counter() - started
    sweep.write(args.out / "scenarios.csv", force=True)
    import matplotlib

    matplotlib.use("Agg")
    ax = sweep.plot()
    ax.figure.savefig(args.out / "scenarios.png", dpi=120)
    where = f"{args.workers} workers" if args.workers else "in-process"
    table = sweep.table
    print(
        f"{len(sweep.scenarios)} scenarios x {table['queue'].nunique()} queues = {len(table)} "
        f"rows in {wall:.0f} s ({where}); {sweep.forecasts} forecast per queue; task seconds "
        f"{sweep.timings['scenarios']:.0f} (mean {sweep.timings['scenarios'] / len(table):.2f})"
    )
    pd.set_option("display.width", 160)
    print(table.head(6).to_string())
    totals = sweep.totals()
    met = totals[totals["meets_all"].astype("boolean").fillna(False).astype(bool)]
    keys = list(GRID)
    best = met.loc[met.groupby(keys[0])["cost"].idxmin()]
    print("cheapest scenario meeting every simulated target, per deflection:")
    print(best[[*keys, "paid_hours", "cost", "fte", "service_level", "p_meet_min"]].to_string())


if __name__ == "__main__":
    main()
