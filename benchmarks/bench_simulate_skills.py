"""Time one replication of a week in a 200-agent, three-channel centre.

Channels: phone (300 s handle time, 180 s mean patience), chat (600 s, concurrency 2) and
e-mail (480 s, three response tiers, arriving around the clock, answered 07:00-20:00).
Groups: phone, chat, phone+email (blended: e-mail pre-empted by calls) and email; peak about
200 agents. Prints the time per replication of :func:`staffing.simulate.simulate_skills` and,
as a ratio, that of :func:`staffing.simulate.simulate` of the phone channel alone (phone and
blended agents) timed in the same run: the machine is shared, so the ratio is what counts.

Run: ``python benchmarks/bench_simulate_skills.py [--replications 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from staffing.simulate import simulate
from staffing.simulate.blended import SkillChannel, simulate_skills

INTERVAL = 1800.0
PEAK_AGENTS = {"phone": 90, "chat": 40, "phone_email": 40, "email": 30}
GROUPS = {
    "phone": ["phone"],
    "chat": ["chat"],
    "phone_email": ["phone", "email"],
    "email": ["email"],
}
CHANNELS = {
    "phone": SkillChannel("phone", "live", 300.0, patience_seconds=180.0),
    "chat": SkillChannel("chat", "live", 600.0, patience_seconds=300.0, concurrency=2),
    "email": SkillChannel(
        "email",
        "deferred",
        480.0,
        tiers=(("vip", 0.1, 3600.0), ("priority", 0.3, 4 * 3600.0), ("standard", 0.6, 86400.0)),
    ),
}


def scenario() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Staffing per group and volume per channel over a week of 30-minute intervals."""
    times = pd.date_range("2024-03-04", periods=7 * 48, freq="30min", tz="Europe/London")
    hour = np.asarray(times.hour + times.minute / 60)
    shape = np.clip(np.sin((hour - 7) / 13 * np.pi), 0, None)
    open_ = (hour >= 7) & (hour < 20)
    staff = {g: np.where(open_, np.ceil(peak * np.maximum(shape, 0.25)), 0).astype(int)
             for g, peak in PEAK_AGENTS.items()}  # fmt: skip
    phone_load = 0.9 * (staff["phone"] + 0.6 * staff["phone_email"])
    volume = {
        "phone": phone_load * INTERVAL / 300.0,
        "chat": 0.85 * 2 * staff["chat"] * INTERVAL / 600.0,
        "email": np.full(len(times), 0.8 * (30 + 16) * 13 * 3600 / 480.0 / 48),
    }
    staffing = pd.concat(
        [
            pd.DataFrame({"interval_start": times, "group": g, "agents": n})
            for g, n in staff.items()
        ]
    )
    frame = pd.concat(
        [pd.DataFrame({"interval_start": times, "channel": c, "volume": v})
         for c, v in volume.items()]
    )  # fmt: skip
    return staffing, frame, open_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    staffing, volume, open_ = scenario()
    totals = volume.groupby("channel")["volume"].sum().round().to_dict()
    peak = staffing.groupby("interval_start")["agents"].sum().max()
    print(f"scenario: 336 intervals of 30 min, peak {peak} agents, expected volume {totals}")
    began = time.perf_counter()
    result = simulate_skills(
        staffing, volume, GROUPS, CHANNELS, target_seconds={"phone": 20.0, "chat": 60.0},
        open_mask={"email": open_}, replications=args.replications, seed=1,
    )  # fmt: skip
    skills = (time.perf_counter() - began) / args.replications
    print(result.overall.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    phone = staffing[staffing["group"].isin(["phone", "phone_email"])]
    phone = phone.groupby("interval_start", as_index=False)["agents"].sum()
    forecast = volume[volume["channel"] == "phone"].drop(columns="channel")
    began = time.perf_counter()
    simulate(
        phone, forecast, aht_seconds=300.0, target_seconds=20.0, patience_seconds=180.0,
        replications=args.replications, seed=1,
    )  # fmt: skip
    single = (time.perf_counter() - began) / args.replications
    print(f"simulate_skills: {skills:.2f} s per replication (goal <= 3 s)")
    print(f"simulate (phone alone): {single:.2f} s per replication")
    print(f"ratio skills / phone alone: {skills / single:.1f}")


if __name__ == "__main__":
    main()
