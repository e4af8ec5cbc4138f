"""Time :func:`staffing.requirements.requirements` on a realistic planning horizon.

Run with ``python benchmarks/bench_requirements.py``. Prints the wall time per call for the
bundled example's three queues (phone with bands and Erlang A, chat with concurrency, e-mail
as deferred work with three priority tiers) over horizons of one to eight weeks of hourly
intervals, and the agents summed over the horizon.
"""

from __future__ import annotations

import time

import pandas as pd

from staffing.datasets import load_example
from staffing.requirements import requirements, total_requirements

CHANNELS = {
    "phone": {
        "aht_seconds": 300,
        "patience_seconds": 180,
        "target": "80/20",
        "shrinkage": 0.3,
        "max_occupancy": 0.88,
        "bands": [
            {"days": ["holiday"], "target": "70/60"},
            {"days": ["all"], "start": "20:00", "end": "24:00", "target": "60/60"},
            {"days": ["all"], "start": "00:00", "end": "07:00", "closed": True},
        ],
    },
    "chat": {
        "aht_seconds": 480,
        "concurrency": 2,
        "target": "80/120",
        "deflection": 0.15,
        "shrinkage": 0.3,
    },
    "email": {
        "aht_seconds": 420,
        "kind": "deferred",
        "shrinkage": 0.25,
        "tiers": [
            {"name": "P1", "share": 0.1, "target": {"response_hours": 2}},
            {"name": "P2", "share": 0.3, "target": {"response_hours": 4}},
            {"name": "P3", "share": 0.6, "target": {"response_hours": 24}},
        ],
    },
}


def main() -> None:
    history = load_example().rename(columns={"volume": "q50"})
    start = history["interval_start"].min()
    print(f"{'weeks':>5} {'rows in':>8} {'rows out':>9} {'seconds':>8} {'agent-hours':>12}")
    for weeks in (1, 2, 4, 8):
        end = start + pd.Timedelta(weeks, unit="W")
        forecast = history[history["interval_start"] < end]
        best = float("inf")
        for _ in range(3):
            begin = time.perf_counter()
            table = requirements(forecast, CHANNELS, country="GB", subdiv="ENG")
            best = min(best, time.perf_counter() - begin)
        hours = int(total_requirements(table)["required"].sum())
        print(f"{weeks:>5} {len(forecast):>8} {len(table):>9} {best:>8.3f} {hours:>12}")


if __name__ == "__main__":
    main()
