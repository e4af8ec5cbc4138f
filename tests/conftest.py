"""Fixtures shared by several test modules (plans are costly: each is built once a session)."""

from __future__ import annotations

import pytest

from plan_fixtures import fast_config
from staffing.datasets import load_example
from staffing.plan import Plan, plan


@pytest.fixture(scope="session")
def example_tours_plan() -> Plan:
    """The example with its two contracts (weekly lines of work), read-only for the tests.

    HiGHS may find no feasible set of lines within 5 or even 10 s on a busy machine; a 5% gap
    (the tests need no optimum) ends most solves well before the 30 s limit.
    """
    config = fast_config(tours=True)
    solver = config.roster.solver.model_copy(
        update={"time_limit_seconds": 30.0, "relative_gap": 0.05}
    )
    config = config.model_copy(
        update={"roster": config.roster.model_copy(update={"solver": solver})}
    )
    return plan(load_example(), config)


@pytest.fixture(scope="session")
def dask_client():
    """A local Dask cluster of two worker processes, one thread each (``--workers 2``)."""
    pytest.importorskip("dask.distributed")
    from staffing.cluster import connect

    with connect(workers=2) as client:
        yield client
