"""Forecast benchmark: accuracy and calibration on real data, and speed on a synthetic year.

Run from the repository root::

    python benchmarks/bench_forecast.py [--origins 10] [--data ../shared/data]

Prints (1) the rolling-origin backtest table (168-hour horizon, weekly origins) of every model
on the Anonymous Bank hourly calls when the data folder exists, with the MASE ratio of the
best model to the weekly seasonal naive, and (2) the time to fit and forecast 14 days on one
year of synthetic hourly history, per model, on one thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from staffing.datasets import QueueShape, generate_example
from staffing.forecast import Forecaster, backtest
from staffing.forecast.backtest import DEFAULT_MODELS

DATA_FILE = "anonymous_bank_1999h1.hourly.csv"


def load_bank(folder: Path) -> pd.Series:
    """Hourly calls, naive local time read as Asia/Jerusalem (the skipped DST hour dropped)."""
    table = pd.read_csv(folder / DATA_FILE)
    stamps = pd.to_datetime(table["timestamp"]).dt.tz_localize("Asia/Jerusalem", nonexistent="NaT")
    keep = stamps.notna().to_numpy()
    return pd.Series(
        table["count"].to_numpy(dtype=float)[keep],
        index=pd.DatetimeIndex(stamps[keep]),
        name="bank",
    )


def accuracy(folder: Path, origins: int) -> None:
    history = load_bank(folder)
    start = time.perf_counter()
    result = backtest(history, models=(*DEFAULT_MODELS, "auto"), n_origins=origins, country="IL")
    elapsed = time.perf_counter() - start
    summary = result.attrs["summary"]
    pd.set_option("display.width", 120)
    print(f"Anonymous Bank 1999 H1, {origins} weekly origins, 168-hour horizon, country=IL")
    print(summary.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    naive = summary.set_index("model").loc["seasonal_naive_week", "mase"]
    for model in ("glm", "auto"):
        ratio = summary.set_index("model").loc[model, "mase"] / naive
        print(f"{model}: MASE / seasonal_naive_week MASE = {ratio:.3f}")
    print(f"backtest time: {elapsed:.1f} s\n")


def speed() -> None:
    year = generate_example("2024-11-04", "2025-11-02", queues={"phone": QueueShape(180.0)})
    print(f"fit + 14-day forecast, one year of hourly history ({len(year)} hours), one thread")
    for model in (*DEFAULT_MODELS, "auto"):
        start = time.perf_counter()
        Forecaster(model, country="GB", subdiv="ENG").fit(year).predict(horizon_days=14)
        print(f"  {model:<20} {time.perf_counter() - start:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=10)
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared" / "data")
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        if (args.data / DATA_FILE).exists():
            accuracy(args.data, args.origins)
        else:
            print(f"{args.data / DATA_FILE} not found: accuracy part skipped\n")
        speed()


if __name__ == "__main__":
    main()
