"""Scale-out: the plan of many queues in-process against a Dask cluster, and the driver's memory.

Run from the repository root (needs the dask extra: ``pip install -e ".[dask]"``)::

    python benchmarks/bench_scale.py --queues 100 --weeks 52 --workers 2
    python benchmarks/bench_scale.py --memory --queues 1000 --weeks 52 --workers 2

**Speed** (the default): :class:`staffing.datasets.SyntheticHistory` queues (phone, chat and
e-mail in turn, a year of hourly history each) planned with the example configuration's
settings per channel kind, the per-day roster model (no ``roster.contracts``, so no solve stops
at a time limit and both runs plan the same rosters) and the risk check at the plan's own
staff-to level and q90. The same plan runs in this process, then on a local cluster of
``--workers`` processes (one thread each), in one run; the script checks that both give the
same rosters and reports the ratio of wall times and each task's seconds per step. With ``T``
the sum of the task seconds and ``D`` the rest of the cluster run (history, horizon, joining,
waiting for the last task), ``N`` workers take about ``D + T / N``.

**Ceiling** (``--split``): the same queues planned in-process by ``--workers`` plain Python
processes side by side, each with its share of the queues, no Dask: the speed-up the machine
itself allows for independent work (on a shared two-core machine, two busy processes each run
slower than one alone).

**Memory** (``--memory``): a scheduler and ``--workers`` worker processes are started from the
command line (``dask scheduler``, ``dask worker``), as the how-to does, and this process plans
``--queues`` synthetic queues on them from a source the workers load queue by queue, with a
lighter plan (the ``glm`` forecast, two replications, no risk check). Reported: the peak
resident memory of this process (``ru_maxrss``) against a run of 10 queues, and what the
histories alone would take here.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from staffing.config import PlanConfig
from staffing.datasets import SyntheticHistory, load_example_config
from staffing.plan import plan


def speed_config(source: SyntheticHistory) -> PlanConfig:
    base = PlanConfig.from_toml(load_example_config())
    base = base.model_copy(
        update={
            "roster": base.roster.model_copy(update={"contracts": []}),
            "risk": base.risk.model_copy(update={"staff_to_levels": (0.9,)}),
        }
    )
    return source.config(base)


def memory_config(source: SyntheticHistory) -> PlanConfig:
    config = speed_config(source)
    return config.model_copy(
        update={
            "forecast": config.forecast.model_copy(update={"model": "glm"}),
            "simulation": config.simulation.model_copy(update={"replications": 2}),
            "risk": config.risk.model_copy(update={"enabled": False}),
        }
    )


def speed(queues: int, weeks: int, workers: int, interval: int) -> None:
    from staffing.cluster import connect

    source = SyntheticHistory(n_queues=queues, weeks=weeks, interval_minutes=interval)
    config = speed_config(source)
    print(f"{queues} queues x {weeks} weeks at {interval} min; {workers} workers")
    started = time.perf_counter()
    here = plan(source, config)
    in_process = time.perf_counter() - started
    print(f"in-process: {in_process:.1f} s  steps {here.timings}")
    with connect(workers=workers) as client:
        started = time.perf_counter()
        there = plan(source, config, client=client)
        on_cluster = time.perf_counter() - started
    pd.testing.assert_frame_equal(here.coverage, there.coverage)
    pd.testing.assert_frame_equal(here.tradeoff, there.tradeoff)
    tasks = there.tasks
    total = tasks["seconds"].sum()
    rest = on_cluster - total / workers
    print(f"cluster:    {on_cluster:.1f} s  ({workers} workers; same coverage and trade-off)")
    print(f"speed-up:   {in_process / on_cluster:.2f}x")
    seconds = tasks["seconds"]
    print(f"tasks:      {len(tasks)}, sum T = {total:.1f} s, mean {seconds.mean():.2f} s,")
    print(f"            median {seconds.median():.2f} s, max {seconds.max():.2f} s")
    steps = [c for c in tasks.columns if c.endswith("_seconds")]
    print("per step (mean s over tasks): " + ", ".join(
        f"{c.removesuffix('_seconds')} {tasks[c].mean():.2f}" for c in steps))  # fmt: skip
    kinds = tasks["queue"].str.split("-").str[1]
    print("per kind (mean s): " + ", ".join(
        f"{k} {v:.2f}" for k, v in tasks.groupby(kinds)["seconds"].mean().items()))  # fmt: skip
    print(f"rest D = wall - T/N = {rest:.1f} s; extrapolated: " + ", ".join(
        f"{n} workers {rest + total / n:.0f} s" for n in (4, 8, 16, 32)))  # fmt: skip


@dataclass(frozen=True)
class Share:
    """Every ``parts``-th queue of a synthetic source, from queue ``part`` on."""

    source: SyntheticHistory
    part: int
    parts: int

    @property
    def queues(self) -> list[str]:
        return self.source.queues[self.part :: self.parts]

    def load(self, queue: str) -> pd.DataFrame:
        return self.source.load(queue)


def split(queues: int, weeks: int, workers: int, interval: int) -> None:
    started = time.perf_counter()
    children = [
        subprocess.Popen([sys.executable, __file__, "--share", f"{part}/{workers}", "--queues",
                          str(queues), "--weeks", str(weeks), "--interval", str(interval)])
        for part in range(workers)
    ]  # fmt: skip
    for child in children:
        if child.wait() != 0:
            raise SystemExit("a share failed")
    wall = time.perf_counter() - started
    print(f"{workers} plain processes side by side, {queues} queues in all: {wall:.1f} s")


def share(spec: str, queues: int, weeks: int, interval: int) -> None:
    part, parts = (int(x) for x in spec.split("/"))
    source = SyntheticHistory(n_queues=queues, weeks=weeks, interval_minutes=interval)
    started = time.perf_counter()
    plan(Share(source, part, parts), speed_config(source))
    print(f"  share {spec}: {time.perf_counter() - started:.1f} s", flush=True)


def memory(queues: int, weeks: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scheduler_file = Path(tmp) / "scheduler.json"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        procs = [subprocess.Popen(
            ["dask", "scheduler", "--port", "0", "--dashboard-address", ":0",
             "--scheduler-file", str(scheduler_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]  # fmt: skip
        try:
            while not scheduler_file.exists():
                time.sleep(0.2)
            procs.append(subprocess.Popen(
                ["dask", "worker", "--scheduler-file", str(scheduler_file), "--nworkers",
                 str(workers), "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))  # fmt: skip
            for count in (10, queues):
                child = [sys.executable, __file__, "--driver", str(scheduler_file),
                         "--queues", str(count), "--weeks", str(weeks),
                         "--workers", str(workers)]  # fmt: skip
                subprocess.run(child, check=True)
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=60)


def driver(scheduler_file: str, queues: int, weeks: int, workers: int) -> None:
    from dask.distributed import Client

    source = SyntheticHistory(n_queues=queues, weeks=weeks)
    config = memory_config(source)
    with Client(scheduler_file=scheduler_file) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter()
        result = plan(source, config, client=client)
        wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    one = source.load(source.queues[0])
    history_mib = one.memory_usage(deep=True).sum() * queues / 2**20
    kept = sum(
        getattr(result, name).memory_usage(deep=True).sum()
        for name in ("forecast", "requirements", "coverage", "simulation", "roster", "history")
    )
    print(
        f"{queues} queues: driver peak RSS {peak_mib:.0f} MiB; the histories alone would be "
        f"{history_mib:.0f} MiB here; the plan it returns holds {kept / 2**20:.0f} MiB "
        f"(forecast, requirements, coverage, simulation, roster, recent history); {wall:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=int, default=60, choices=(15, 30, 60))
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--split", action="store_true")
    parser.add_argument("--driver", help=argparse.SUPPRESS)
    parser.add_argument("--share", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        driver(args.driver, args.queues, args.weeks, args.workers)
    elif args.share:
        share(args.share, args.queues, args.weeks, args.interval)
    elif args.split:
        split(args.queues, args.weeks, args.workers, args.interval)
    elif args.memory:
        memory(args.queues, args.weeks, args.workers)
    else:
        speed(args.queues, args.weeks, args.workers, args.interval)


if __name__ == "__main__":
    main()
