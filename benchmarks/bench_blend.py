"""Benchmark of blending: the bundled example with a phone+email group against separate rosters.

Every case runs :func:`staffing.plan.plan` on the bundled example history with the bundled
configuration (weekly lines of work, two skill groups: ``chat``, which is the chat roster itself,
and ``phone+email`` with a premium of ``--premium`` per paid hour), changing one thing:

* ``example``: as shipped;
* ``email xK``: the e-mail history multiplied by K (``--email-scale``, default 1, 3, 6): as
  e-mail grows past the idle time of the phone queue, blending saves less of it;
* ``premium P``: the blended group's premium [currency per paid hour] (``--premiums``).

Each case reports, for the separate rosters and for the blended roster, paid hours [h per week],
cost, people and FTE, and the simulated service of every channel and e-mail tier (the same
engine, volumes and random streams for both: live contacts pre-empt deferred work); then the
saving and the joint model's status, gap and solve time. ``--time-limit`` is the solver's limit
per roster [s] (default 60: the issue's goal is within 1% in 60 s).

Run::

    python benchmarks/bench_blend.py                     # the example only
    python benchmarks/bench_blend.py --email-scale 1 3 6 --premiums 0 2 4
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from staffing.config import PlanConfig
from staffing.datasets import load_example, load_example_config
from staffing.plan import plan


def config_for(time_limit: float, premium: float, replications: int) -> PlanConfig:
    config = PlanConfig.from_toml(load_example_config())
    solver = config.roster.solver.model_copy(update={"time_limit_seconds": time_limit})
    groups = tuple(
        g.model_copy(update={"cost_per_hour_premium": premium}) if len(g.channels) > 1 else g
        for g in config.blending.groups
    )
    return config.model_copy(
        update={
            "roster": config.roster.model_copy(update={"solver": solver}),
            "blending": config.blending.model_copy(update={"groups": groups}),
            "simulation": config.simulation.model_copy(update={"replications": replications}),
        }
    )


def run(name: str, history: pd.DataFrame, config: PlanConfig) -> None:
    started = time.perf_counter()
    result = plan(history, config)
    seconds = time.perf_counter() - started
    blend = result.blend
    print(f"\n== {name} (plan {seconds:.0f} s)")
    print(blend.totals.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    service = blend.service[["roster", "channel", "tier", "mean", "ci_low", "ci_high", "target"]]
    print(service.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(blend.occupancy.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    saving = blend.saving()
    solver = blend.solver
    print(
        f"saving: {saving['paid_hours']:,.1f} paid h ({saving['paid_hours_share']:.1%}), "
        f"cost {saving['cost']:,.0f} ({saving['cost_share']:.1%}); all targets met: "
        f"separate {bool(blend.service[blend.service.roster == 'separate'].met.all())}, "
        f"blended {bool(blend.service[blend.service.roster == 'blended'].met.all())}"
    )
    print(
        f"joint model: {solver['status']}, gap {100 * solver['gap']:.2f}%, "
        f"{solver['solve_seconds']:.1f} s, {solver['variables']} variables "
        f"({solver['integer_variables']} integer), {solver['constraints']} rows"
    )
    separate = result.solver
    print(
        "separate rosters: "
        + ", ".join(
            f"{row.queue} {row.status} {100 * row.gap:.2f}% {row.solve_seconds:.1f} s"
            for row in separate.itertuples()
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--premium", type=float, default=1.0)
    parser.add_argument("--email-scale", type=float, nargs="*", default=[1.0])
    parser.add_argument("--premiums", type=float, nargs="*", default=[])
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    history = load_example()
    for scale in args.email_scale:
        frame = history.copy()
        email = frame["queue"] == "email"
        frame.loc[email, "volume"] = frame.loc[email, "volume"] * scale
        name = "example" if scale == 1 else f"email x{scale:g}"
        run(name, frame, config_for(args.time_limit, args.premium, args.replications))
    for premium in args.premiums:
        run(
            f"premium {premium:g}",
            history,
            config_for(args.time_limit, premium, args.replications),
        )


if __name__ == "__main__":
    main()
