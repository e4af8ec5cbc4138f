"""Forecast accuracy and speed against statsforecast (MSTL + AutoETS), on real and synthetic data.

Run from the repository root (statsforecast is a benchmark-only dependency)::

    pip install statsforecast
    python benchmarks/bench_forecast_accuracy.py [--data ../shared/data] [--models auto,glm]

Accuracy protocol, on the Anonymous Bank hourly calls and its 6-minute file summed to 30
minutes: the last 8 weekly origins; at each one the history before it is written to a CSV and
forecast 168 hours ahead through ``staffing forecast`` (in-process, with ``--tz
Asia/Jerusalem``, once without a holiday calendar and once with ``--country IL``). Reported
per model: MAE over all intervals of the 8 weeks divided by the MAE of the same-interval-last-
week naive on the same intervals (pooled; the per-origin ratios follow), the share of actuals
inside the 80% band (q10-q90) on open intervals (actual > 0; and forecast mean >= 1), and the
number of negative forecasts. statsforecast's MSTL(season_length=[day, week]) with an AutoETS
trend forecaster gets the same origins (80% level).

Speed: fit + 14-day forecast of one year of synthetic hourly history, one thread, per model
and ``auto``, against statsforecast MSTL + AutoETS on the same series in the same run (its
first call, which compiles numba code, is excluded). ``--baseline-src DIR`` also times
``auto`` from another source tree (e.g. a checkout of the previous version) in a subprocess.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

HOURLY = "anonymous_bank_1999h1.hourly.csv"
SIX_MINUTE = "anonymous_bank_1999h1.6min.csv"
ORIGINS = 8
TIMING = """
import time
from threadpoolctl import threadpool_limits
from staffing.datasets import QueueShape, generate_example
from staffing.forecast import Forecaster
year = generate_example("2024-11-04", "2025-11-02", queues={"phone": QueueShape(180.0)})
with threadpool_limits(1):
    Forecaster("seasonal_naive_week").fit(year.iloc[:24 * 21])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        Forecaster("auto", country="GB", subdiv="ENG").fit(year).predict(horizon_days=14)
        times.append(time.perf_counter() - start)
print(min(times))
"""


def load(folder: Path, name: str, minutes: int) -> pd.DataFrame:
    """The count file as naive local time, summed to ``minutes``."""
    table = pd.read_csv(folder / name, parse_dates=["timestamp"])
    series = table.set_index("timestamp")["count"].astype(float)
    series = series.resample(f"{minutes}min").sum()
    return series.rename("count").rename_axis("timestamp").reset_index()


def staffing_forecast(train: pd.DataFrame, minutes: int, model: str, country: str | None) -> dict:
    """Forecast 168 hours after ``train`` through ``staffing forecast``; the forecast frame."""
    from click.testing import CliRunner

    from staffing.cli import main

    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "history.csv", Path(folder) / "forecast.csv"
        train.to_csv(source, index=False, date_format="%Y-%m-%dT%H:%M:%S")
        args = ["forecast", str(source), "--tz", "Asia/Jerusalem", "--horizon-days", "7"]
        args += ["--model", model, "--interval-minutes", str(minutes), "--out", str(out)]
        args += ["--country", country] if country else []
        result = CliRunner().invoke(main, args)
        if result.exit_code != 0:
            raise RuntimeError(result.output)
        frame = pd.read_csv(out)
    return {"mean": frame["volume"].to_numpy(), "low": frame["q10"], "high": frame["q90"]}


def statsforecast_forecast(train: pd.DataFrame, minutes: int) -> dict:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    per_day = 1440 // minutes
    frame = pd.DataFrame({"unique_id": "bank", "ds": train["timestamp"], "y": train["count"]})
    model = MSTL(season_length=[per_day, 7 * per_day], trend_forecaster=AutoETS(model="ZZN"))
    result = StatsForecast(models=[model], freq=f"{minutes}min", n_jobs=1).forecast(
        df=frame, h=7 * per_day, level=[80]
    )
    return {
        "mean": result["MSTL"].to_numpy(),
        "low": result["MSTL-lo-80"].to_numpy(),
        "high": result["MSTL-hi-80"].to_numpy(),
    }


def score(series: pd.DataFrame, minutes: int, method, origins: int = ORIGINS) -> dict:
    """Pooled MAE ratio to the weekly naive, coverage and timing over the last ``origins``."""
    week = 7 * 1440 // minutes
    values = series["count"].to_numpy()
    errors, naive_errors, ratios, inside, inside_mu, negative, seconds = [], [], [], [], [], 0, 0.0
    for k in range(origins, 0, -1):
        origin = len(series) - k * week
        actual = values[origin : origin + week]
        start = time.perf_counter()
        result = method(series.iloc[:origin])
        seconds += time.perf_counter() - start
        mean = np.asarray(result["mean"], dtype=float)[:week]
        low = np.asarray(result["low"], dtype=float)[:week]
        high = np.asarray(result["high"], dtype=float)[:week]
        naive = values[origin - week : origin]
        errors.append(np.abs(actual - mean))
        naive_errors.append(np.abs(actual - naive))
        ratios.append(errors[-1].mean() / naive_errors[-1].mean())
        hit = (actual >= low) & (actual <= high)
        inside.append(hit[actual > 0])
        inside_mu.append(hit[mean >= 1])
        negative += int((mean < 0).sum() + (low < 0).sum())
    return {
        "mae_ratio": np.concatenate(errors).mean() / np.concatenate(naive_errors).mean(),
        "coverage_open": np.concatenate(inside).mean(),
        "coverage_mean_ge_1": np.concatenate(inside_mu).mean(),
        "negative": negative,
        "seconds_per_origin": seconds / origins,
        "per_origin": " ".join(f"{r:.2f}" for r in ratios),
    }


def accuracy(folder: Path, models: list[str], peer: bool) -> pd.DataFrame:
    rows = []
    for name, minutes in ((HOURLY, 60), (SIX_MINUTE, 30)):
        series = load(folder, name, minutes)
        label = f"{name.split('.')[1]}→{minutes}min"
        for country in (None, "IL"):
            for model in models:
                result = score(
                    series,
                    minutes,
                    lambda t, m=model, c=country, n=minutes: staffing_forecast(t, n, m, c),
                )
                rows.append(
                    {"series": label, "country": country or "-", "method": model, **result}
                )
                print(rows[-1], flush=True)
        if peer:
            result = score(series, minutes, lambda t, n=minutes: statsforecast_forecast(t, n))
            rows.append({"series": label, "country": "-", "method": "sf MSTL+AutoETS", **result})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def speed(models: list[str], peer: bool) -> pd.DataFrame:
    from staffing.datasets import QueueShape, generate_example
    from staffing.forecast import Forecaster

    year = generate_example("2024-11-04", "2025-11-02", queues={"phone": QueueShape(180.0)})
    rows = []

    def best_of(run, repeats: int = 3) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    Forecaster("seasonal_naive_week").fit(year.iloc[: 24 * 21])  # warm the imports
    for model in models:
        seconds = best_of(
            lambda m=model: (
                Forecaster(m, country="GB", subdiv="ENG").fit(year).predict(horizon_days=14)
            )
        )
        rows.append({"method": model, "seconds": seconds})
    if peer:
        stamps = year["interval_start"].dt.tz_convert("UTC").dt.tz_localize(None)
        train = pd.DataFrame({"timestamp": stamps, "count": year["volume"].to_numpy()})
        statsforecast_forecast(train.iloc[: 24 * 21], 60)  # numba compiles here
        seconds = best_of(lambda: statsforecast_forecast(train, 60))
        rows.append({"method": "sf MSTL+AutoETS", "seconds": seconds})
    table = pd.DataFrame(rows)
    if peer:
        table["ratio_to_statsforecast"] = table["seconds"] / rows[-1]["seconds"]
    return table


def baseline_auto(source: Path) -> float:
    """``auto`` fit + 14-day forecast of the same year with the staffing at ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source / "src")}
    done = subprocess.run([sys.executable, "-c", TIMING], env=env, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared" / "data")
    parser.add_argument("--models", default="auto,ensemble,glm,holt_winters,seasonal_naive_week")
    parser.add_argument("--no-peer", action="store_true", help="skip statsforecast")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--baseline-src", type=Path, help="time auto from this source tree too")
    args = parser.parse_args()
    models = args.models.split(",")
    pd.set_option("display.width", 160)
    with threadpool_limits(limits=1):
        if not args.skip_accuracy and (args.data / HOURLY).exists():
            table = accuracy(args.data, models, not args.no_peer)
            print("\nAccuracy: last 8 weekly origins, 168 h ahead")
            print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        elif not args.skip_accuracy:
            print(f"{args.data / HOURLY} not found: accuracy part skipped")
        print("\nSpeed: fit + 14-day forecast, one year of hourly history, one thread (best of 3)")
        table = speed([*models, "mstl"], not args.no_peer)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
        if args.baseline_src:
            seconds = baseline_auto(args.baseline_src)
            auto = table.set_index("method").loc["auto", "seconds"]
            ratio = seconds / auto
            print(
                f"auto at {args.baseline_src}: {seconds:.2f} s; this tree is {ratio:.1f}x faster"
            )


if __name__ == "__main__":
    main()
