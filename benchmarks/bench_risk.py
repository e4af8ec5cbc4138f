"""Time the risk check of a week against plain simulation with as many replications.

A week of 168 one-hour intervals, open 08:00-20:00 every day, about 4,000 contacts of 5
minutes, staffed by Erlang C to 80% within 20 s, 3-minute mean patience. The risk check
(:func:`staffing.risk.service_risk`) draws volume factors with dispersion 0.04 (level 0.02)
and runs the simulation once with them; plain simulation uses the forecast mean.

Run: ``python benchmarks/bench_risk.py [--replications 200] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from staffing.queueing import required_agents
from staffing.risk import service_risk
from staffing.simulate import simulate

AHT, PATIENCE, THRESHOLD, GOAL, WEEKLY_CONTACTS = 300.0, 180.0, 20.0, 0.8, 4_000
DISPERSION, LEVEL_DISPERSION = 0.04, 0.02


def scenario() -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    """Interval starts, open flags, expected contacts and agents per interval."""
    starts = pd.date_range("2024-03-04", periods=168, freq="h", tz="Europe/London")
    hour = np.asarray(starts.hour, dtype=float)
    is_open = (hour >= 8) & (hour < 20)
    shape = np.where(is_open, np.sin((hour + 0.5 - 8) / 12 * np.pi), 0.0)
    volume = WEEKLY_CONTACTS * shape / shape.sum()
    agents = required_agents(
        volume, AHT, interval_minutes=60, service_level=GOAL, target_seconds=THRESHOLD
    )
    return starts, is_open, volume, np.where(is_open, agents, 0).astype(int)


def best_of(repeats: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    starts, is_open, volume, agents = scenario()
    staffing = pd.DataFrame({"interval_start": starts, "agents": agents})
    forecast = pd.DataFrame({"interval_start": starts, "volume": volume})
    thresholds = np.where(is_open, THRESHOLD, np.nan)
    print(f"week: {len(starts)} intervals, {volume.sum():,.0f} contacts expected, "
          f"{agents.sum():,} agent-hours, {args.replications} replications")  # fmt: skip

    plain_time, plain = best_of(args.repeats, lambda: simulate(
        staffing, forecast, aht_seconds=AHT, target_seconds=thresholds,
        patience_seconds=PATIENCE, replications=args.replications, seed=1,
    ))  # fmt: skip
    risk_time, risk = best_of(args.repeats, lambda: service_risk(
        agents, volume, interval_starts=starts, target_service_level=GOAL,
        target_within_seconds=THRESHOLD, open_=is_open, aht_seconds=AHT,
        patience_seconds=PATIENCE, dispersion=DISPERSION, level_dispersion=LEVEL_DISPERSION,
        replications=args.replications, seed=1,
    ))  # fmt: skip

    overall = plain.overall.set_index("metric")["mean"]
    low, high = risk.p_meet_interval()
    table = risk.quantiles([0.05, 0.5, 0.95])
    print(f"plain simulate: {plain_time:6.2f} s ({1e3 * plain_time / args.replications:.1f} ms "
          f"per replication); service level {overall['service_level']:.3f}")  # fmt: skip
    print(f"service_risk:   {risk_time:6.2f} s ({1e3 * risk_time / args.replications:.1f} ms "
          f"per replication); P(meet) {risk.p_meet:.2f} [{low:.2f}, {high:.2f}], "
          f"weekly service level p05/p50/p95 "
          f"{'/'.join(f'{v:.3f}' for v in table['service_level'])}")  # fmt: skip
    print(f"ratio service_risk / simulate: {risk_time / plain_time:.2f}")


if __name__ == "__main__":
    main()
