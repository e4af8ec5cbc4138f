"""Wall time and peak memory of :func:`staffing.io.read_history` on ~100 MB history files.

Run from the repository root::

    python benchmarks/bench_history_large.py [--mb 100] [--keep DIR]

Writes two synthetic CSV files of about ``--mb`` megabytes each (in a temporary folder unless
``--keep`` names one):

* ``contacts.csv``: one row per contact (``timestamp,queue,outcome,wait_seconds``), about 2.7
  million rows at 100 MB over one year in 20 queues, naive local time read with
  ``tz="Europe/London"`` (so both summer-time changes are localised);
* ``counts.csv``: hourly counts (``timestamp,queue,count``) of 300 queues over one year with
  UTC offsets, about 2.6 million rows at 100 MB, converted to Europe/London;
* ``counts_500q.csv``: 500 queues of hourly counts over 15 days (the "many queues" case).

Each file is read once in a fresh child process, which prints the wall time of
``read_history`` and the peak resident memory of the process (``VmHWM``) before and after
the read, so the figures exclude the generation of the file. Run it on an idle machine: the
wall time is that of one read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = """
import json, sys, time
import pandas as pd
from staffing.io import read_history

def peak_kb():  # VmHWM: this process's peak resident set (ru_maxrss survives exec on Linux)
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))

before = peak_kb()
start = time.perf_counter()
history = read_history(sys.argv[1], **json.loads(sys.argv[2]))
seconds = time.perf_counter() - start
after = peak_kb()
print(json.dumps({"seconds": seconds, "rss_before_kb": before, "rss_peak_kb": after,
                  "rows_out": len(history), "queues": int(history["queue"].nunique()),
                  "volume": float(history["volume"].sum()),
                  "gaps": len(history.attrs["gaps"])}))
"""


def write_contacts(path: Path, megabytes: float, seed: int = 1) -> int:
    """One row per contact over 2024, 20 queues; returns the number of rows written."""
    rng = np.random.default_rng(seed)
    rows = int(megabytes * 1e6 / 37)  # about 37 bytes a row
    seconds = np.sort(rng.integers(0, 366 * 86400, rows))
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s")
    queues = np.array([f"queue_{i:02d}" for i in range(20)])
    frame = pd.DataFrame(
        {
            "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S"),
            "queue": queues[rng.integers(0, len(queues), rows)],
            "outcome": np.where(rng.random(rows) < 0.9, "AGENT", "HANG"),
            "wait_seconds": rng.integers(0, 600, rows),
        }
    )
    frame.to_csv(path, index=False)
    return rows


def write_counts(path: Path, queues: int, days: int, seed: int = 2) -> int:
    """Hourly counts with UTC offsets, ``queues`` queues; returns the number of rows written."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2024-01-01", periods=days * 24, freq="h", tz="Europe/London")
    text = pd.Series(hours).map(lambda t: t.isoformat()).to_numpy()
    frame = pd.DataFrame(
        {
            "timestamp": np.tile(text, queues),
            "queue": np.repeat([f"q{i:03d}" for i in range(queues)], len(hours)),
            "count": rng.poisson(30, queues * len(hours)),
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def measure(path: Path, options: dict) -> dict:
    """Read ``path`` in a fresh interpreter and return its figures."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), json.dumps(options)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def count_rows(path: Path) -> int:
    """Data rows of a CSV file (lines minus the header)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of each big file [MB]")
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the files here and reuse them if present"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        cases = [
            ("contacts", folder / "contacts.csv", {"tz": "Europe/London"}),
            ("counts, 300 queues", folder / "counts.csv", {"tz": "Europe/London"}),
            ("counts, 500 queues x 15 days", folder / "counts_500q.csv", {}),
        ]
        writers = [
            lambda path: write_contacts(path, args.mb),
            lambda path: write_counts(path, queues=int(300 * args.mb / 100), days=366),
            lambda path: write_counts(path, queues=500, days=15),
        ]
        start = time.perf_counter()
        for (_, path, _), write in zip(cases, writers, strict=True):
            if not path.exists():
                write(path)
        print(f"files ready in {time.perf_counter() - start:.1f} s (in {folder})")
        print(
            f"{'input':30} {'MB':>7} {'rows in':>11} {'rows out':>10} {'gaps':>5} "
            f"{'wall s':>7} {'peak MB':>8} {'+MB':>7}"
        )
        for label, path, options in cases:
            figures = measure(path, options)
            size = path.stat().st_size / 1e6
            peak = figures["rss_peak_kb"] / 1024
            extra = (figures["rss_peak_kb"] - figures["rss_before_kb"]) / 1024
            print(
                f"{label:30} {size:>7.1f} {count_rows(path):>11,} {figures['rows_out']:>10,} "
                f"{figures['gaps']:>5} {figures['seconds']:>7.2f} {peak:>8.0f} {extra:>7.0f}"
            )


if __name__ == "__main__":
    main()
