"""Time one replication of a week in a 200-agent centre (about 150,000 contacts).

Compares the event loop of :mod:`staffing.simulate` with SimPy and Ciw on the same scenario
(M/M/n+M, staffing changing every 30 minutes, 5-minute handle time, 3-minute mean patience).
SimPy and Ciw are optional; they are skipped when not installed.

Run: ``python benchmarks/bench_simulate.py [--replications 3] [--skip-libraries]``
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from staffing.simulate import simulate

AHT, PATIENCE, TARGET, WEEKLY_CONTACTS, INTERVAL = 300.0, 180.0, 20.0, 150_000, 1800.0


def scenario() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A week of 30-minute intervals, open 07:00-20:00, square-root staffing (peak ~200)."""
    times = pd.date_range("2024-03-04", periods=7 * 48, freq="30min", tz="Europe/London")
    hour = np.asarray(times.hour + times.minute / 60)
    shape = np.clip(np.sin((hour - 7) / 13 * np.pi), 0, None)
    volume = WEEKLY_CONTACTS * shape / shape.sum()
    load = volume * AHT / INTERVAL
    agents = np.ceil(load + 1.2 * np.sqrt(load)).astype(int)
    forecast = pd.DataFrame({"interval_start": times, "volume": volume})
    return forecast, pd.DataFrame({"interval_start": times, "agents": agents})


def time_staffing(forecast: pd.DataFrame, staffing: pd.DataFrame, replications: int) -> float:
    began = time.perf_counter()
    result = simulate(
        staffing, forecast, aht_seconds=AHT, target_seconds=TARGET, patience_seconds=PATIENCE,
        replications=replications, seed=1,
    )  # fmt: skip
    per_rep = (time.perf_counter() - began) / replications
    print(result.overall.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return per_rep


def time_simpy(forecast: pd.DataFrame, staffing: pd.DataFrame) -> float | None:
    """SimPy: a preemptive-free resource whose capacity follows the staffing per interval."""
    try:
        import simpy
    except ImportError:
        return None
    rng = np.random.default_rng(1)
    counts = rng.poisson(forecast["volume"].to_numpy())
    arrivals = np.sort(np.repeat(np.arange(len(counts)), counts) + rng.random(counts.sum()))
    arrivals *= INTERVAL
    levels = staffing["agents"].to_numpy()
    env = simpy.Environment()
    agents = simpy.PriorityResource(env, capacity=int(levels.max()))
    blockers: list = []
    waits: list[float] = []

    def staffing_process():
        # hold unused capacity with high-priority dummy requests
        for level in levels:
            want = int(levels.max() - level)
            while len(blockers) < want:
                req = agents.request(priority=-1)
                blockers.append(req)
            while len(blockers) > want:
                agents.release(blockers.pop())
            yield env.timeout(INTERVAL)

    def contact(arrival: float, handle: float, patience: float):
        with agents.request(priority=0) as req:
            result = yield req | env.timeout(patience)
            if req in result:
                waits.append(env.now - arrival)
                yield env.timeout(handle)

    def source():
        last = 0.0
        handle = rng.exponential(AHT, len(arrivals))
        patience = rng.exponential(PATIENCE, len(arrivals))
        for i, t in enumerate(arrivals):
            yield env.timeout(t - last)
            last = t
            env.process(contact(t, handle[i], patience[i]))

    began = time.perf_counter()
    env.process(staffing_process())
    env.process(source())
    env.run()
    elapsed = time.perf_counter() - began
    print(f"  simpy: {len(arrivals)} contacts, {len(waits)} answered")
    return elapsed


def time_ciw(forecast: pd.DataFrame, staffing: pd.DataFrame) -> float | None:
    """Ciw: a server schedule per interval and a time-dependent arrival distribution.

    Runs the first day and scales the time by the number of days (the week-long run of this
    set-up stopped generating arrivals after the first day, so it would understate the cost).
    """
    try:
        import ciw
    except ImportError:
        return None
    days = len(forecast) // 48
    volume = forecast["volume"].to_numpy()[:48]
    levels = staffing["agents"].to_numpy()[:48]
    horizon = len(volume) * INTERVAL

    draws = np.random.default_rng(1)

    class PiecewisePoisson(ciw.dists.Distribution):
        def sample(self, t=None, ind=None):
            k = min(int(t // INTERVAL), len(volume) - 1)
            rate = volume[k] / INTERVAL
            return draws.exponential(1 / rate) if rate > 0 else INTERVAL - t % INTERVAL

    schedule = [[int(level), float((k + 1) * INTERVAL)] for k, level in enumerate(levels)]
    network = ciw.create_network(
        arrival_distributions=[PiecewisePoisson()],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT)],
        number_of_servers=[ciw.Schedule(numbers_of_servers=[s[0] for s in schedule],
                                        shift_end_dates=[s[1] for s in schedule],
                                        preemption=False)],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE)],
    )  # fmt: skip
    ciw.seed(1)
    began = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon)
    elapsed = time.perf_counter() - began
    records = sim.get_all_records()
    print(f"  ciw: {len(records)} records in one day, {elapsed:.2f} s; scaled x{days}")
    return elapsed * days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--skip-libraries", action="store_true")
    args = parser.parse_args()
    forecast, staffing = scenario()
    print(
        f"scenario: {len(forecast)} intervals of 30 min, {forecast['volume'].sum():.0f} "
        f"expected contacts, peak {staffing['agents'].max()} agents"
    )
    per_rep = time_staffing(forecast, staffing, args.replications)
    print(f"staffing.simulate (numpy + heapq): {per_rep:.2f} s per replication")
    if args.skip_libraries:
        return
    for name, timer in (("SimPy", time_simpy), ("Ciw", time_ciw)):
        seconds = timer(forecast, staffing)
        shown = "not installed" if seconds is None else f"{seconds:.2f} s per replication"
        print(f"{name}: {shown}")
    print(f"target: <= 5 s per replication ({math.isfinite(per_rep) and per_rep <= 5})")


if __name__ == "__main__":
    main()
