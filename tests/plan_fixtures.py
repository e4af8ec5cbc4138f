"""A fast variant of the example plan, shared by the plan, report and CLI tests."""

from __future__ import annotations

from staffing.config import PlanConfig
from staffing.datasets import load_example_config


def fast_config(**forecast) -> PlanConfig:
    """The example configuration with a fixed forecast model and few replications."""
    config = PlanConfig.from_toml(load_example_config(), "example_plan.toml")
    settings = {"model": "seasonal_naive_week", "horizon_days": 7, **forecast}
    return config.model_copy(
        update={
            "forecast": config.forecast.model_copy(update=settings),
            "simulation": config.simulation.model_copy(update={"replications": 3}),
        }
    )
