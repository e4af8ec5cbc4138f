"""Time :func:`staffing.io.read_history` on synthetic history and, when present, the real data.

Run from the repository root::

    python benchmarks/bench_io.py

Prints, for each input, its size, the best wall time of three reads and the rate in rows per
second. The synthetic files are written to a temporary folder and removed afterwards.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffing.io import read_history, write_frame_csv

REAL = Path(__file__).resolve().parents[2] / "shared" / "data"


def best_of(repeats: int, call) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic(folder: Path) -> list[tuple[str, Path, dict]]:
    rng = np.random.default_rng(1)
    hours = pd.date_range("2024-01-01", "2025-01-01", freq="h", inclusive="left")
    hourly = pd.DataFrame(
        {
            "timestamp": np.tile(hours.strftime("%Y-%m-%dT%H:%M:%S"), 3),
            "queue": np.repeat(["phone", "chat", "email"], len(hours)),
            "count": rng.poisson(40, 3 * len(hours)),
        }
    )
    hourly.to_csv(folder / "hourly.csv", index=False)
    quarters = pd.date_range("2024-01-01", "2025-01-01", freq="15min", inclusive="left")
    pd.DataFrame(
        {
            "timestamp": quarters.strftime("%Y-%m-%dT%H:%M:%S"),
            "count": rng.poisson(10, len(quarters)),
        }
    ).to_csv(folder / "quarter.csv", index=False)
    seconds = np.sort(rng.integers(0, 366 * 86400, 1_000_000))
    events = pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s")
    pd.DataFrame({"timestamp": events.strftime("%Y-%m-%dT%H:%M:%S")}).to_csv(
        folder / "events.csv", index=False
    )
    local = pd.DataFrame(
        {"interval_start": hours.tz_localize("UTC").tz_convert("Europe/London"), "volume": 1.0}
    )
    write_frame_csv(local, folder / "aware.csv")
    return [
        ("1 year hourly, 3 queues (naive)", folder / "hourly.csv", {"tz": "Europe/London"}),
        ("1 year 15-min -> hourly", folder / "quarter.csv", {"tz": "Europe/London"}),
        (
            "1 year 15-min -> 15-min",
            folder / "quarter.csv",
            {"tz": "Europe/London", "interval_minutes": 15},
        ),
        ("1,000,000 contacts -> hourly", folder / "events.csv", {"tz": "Europe/London"}),
        ("1 year hourly with offsets", folder / "aware.csv", {"tz": "Europe/London"}),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        cases = synthetic(Path(name))
        if REAL.is_dir():
            cases += [
                ("real hourly 1999H1", REAL / "anonymous_bank_1999h1.hourly.csv", {}),
                ("real 6-min 1999H1 -> hourly", REAL / "anonymous_bank_1999h1.6min.csv", {}),
                ("real calls Feb 1999 -> hourly", REAL / "anonymous_bank_1999-02.calls.csv", {}),
            ]
        print(
            f"{'input':34} {'rows in':>10} {'rows out':>9} {'gaps':>5} "
            f"{'best s':>8} {'rows/s':>10}"
        )
        for label, path, options in cases:
            options = {"tz": "Asia/Jerusalem", **options} if "real" in label else options
            rows_in = sum(1 for _ in path.open()) - 1
            result = read_history(path, **options)
            seconds = best_of(3, lambda path=path, options=options: read_history(path, **options))
            print(
                f"{label:34} {rows_in:>10,} {len(result):>9,} {len(result.attrs['gaps']):>5} "
                f"{seconds:>8.3f} {rows_in / seconds:>10,.0f}"
            )


if __name__ == "__main__":
    main()
