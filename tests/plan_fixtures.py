"""A fast variant of the example plan, shared by the plan, report and CLI tests."""

from __future__ import annotations

from pathlib import Path

from staffing.config import PlanConfig
from staffing.datasets import load_example_config


def fast_config(
    *, tours: bool = False, blend: bool = False, risk: bool = False, **forecast
) -> PlanConfig:
    """The example configuration with a fixed forecast model and few replications.

    Without ``tours`` the roster is the daily model (no ``roster.contracts``): the weekly lines
    of work are tested on their own (tests/test_roster_tours.py, tests/test_plan_tours.py).
    Without ``blend`` the example's skill groups are dropped (separate rosters only); they are
    tested in tests/test_plan_blend.py. Without ``risk`` the risk check and its trade-off are
    off; with it they run with 40 replications, two staff-to levels (q50, q90) and 5 s per
    trade-off roster.
    """
    config = PlanConfig.from_toml(load_example_config(), "example_plan.toml")
    settings = {"model": "seasonal_naive_week", "horizon_days": 7, **forecast}
    roster = config.roster if tours else config.roster.model_copy(update={"contracts": []})
    return config.model_copy(
        update={
            "forecast": config.forecast.model_copy(update=settings),
            "simulation": config.simulation.model_copy(update={"replications": 3}),
            "roster": roster,
            "blending": config.blending if blend else None,
            "risk": config.risk.model_copy(
                update={
                    "enabled": risk,
                    "replications": 40,
                    "staff_to_levels": (0.5, 0.9),
                    "time_limit_seconds": 5.0,
                }
            ),
        }
    )


def write_plan_inputs(root: Path, config: PlanConfig) -> tuple[Path, Path]:
    """The example history as a CSV with offsets and ``config`` as TOML, written into ``root``."""
    import pandas as pd
    import tomli_w

    from staffing.datasets import load_example

    history = load_example()
    history.assign(interval_start=history["interval_start"].map(pd.Timestamp.isoformat)).to_csv(
        root / "history.csv", index=False
    )
    data = config.model_dump(mode="json", exclude_none=True)
    (root / "plan.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    return root / "history.csv", root / "plan.toml"


def chromium_dump(chromium: str, page: str, root: Path, timeout: float = 120):
    """``page`` rendered by headless Chromium, offline: the completed process, whose stdout is
    the DOM after load; each ``<img>`` carries ``data-decoded="true"`` when it decoded to a
    non-empty image. ``root`` holds the probed file and a fresh browser profile."""
    import subprocess

    probe = (
        "<script>window.addEventListener('load', () => { for (const img of document.images) "
        "{ img.setAttribute('data-decoded', String(img.complete && img.naturalWidth > 0)); } "
        "});</script>"
    )
    file = root / "probed.html"
    file.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={root / 'profile'}", "--virtual-time-budget=5000",
             "--dump-dom"]  # fmt: skip
    return subprocess.run(
        [chromium, *flags, file.as_uri()],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
