"""The plan on a Dask cluster: the same plan as in-process, and it survives a lost worker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading

import numpy as np
import pandas as pd
import pytest

from plan_fixtures import fast_config
from staffing.cluster import QueueFiles, connect, is_source, load_all, queue_config
from staffing.datasets import SyntheticHistory, load_example
from staffing.errors import ConfigError
from staffing.plan import plan

distributed = pytest.importorskip("dask.distributed")

#: Frames of a plan compared between runs (``solver`` without its wall time).
FRAMES = (
    "forecast",
    "model_selection",
    "requirements",
    "roster",
    "coverage",
    "simulation",
    "lines",
    "headcount",
    "simulation_overall",
    "risk",
    "tradeoff",
)


@pytest.fixture
def client(dask_client):
    return dask_client


def without_timings(value):
    """A summary without the wall times that differ between any two runs."""
    if isinstance(value, dict):
        return {
            k: without_timings(v)
            for k, v in value.items()
            if k not in ("timings_seconds", "solve_seconds")
        }
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def assert_same_plan(expected, actual, *, history=True):
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), obj=name)
    solver = [c for c in expected.solver.columns if c != "solve_seconds"]
    pd.testing.assert_frame_equal(expected.solver[solver], actual.solver[solver], obj="solver")
    if history:
        pd.testing.assert_frame_equal(expected.history, actual.history, obj="history")
    left = json.dumps(without_timings(expected.summary()), sort_keys=True, default=str)
    right = json.dumps(without_timings(actual.summary()), sort_keys=True, default=str)
    assert left == right


def uneven_example():
    """The example with e-mail's history ending a day before the others' (own horizons)."""
    history = load_example()
    cut = history["interval_start"].max() - pd.Timedelta(1, unit="D")
    return history[(history["queue"] != "email") | (history["interval_start"] <= cut)]


def test_cluster_plan_equals_in_process_plan_and_files(client, tmp_path):
    config = fast_config(blend=True, horizon_days=2)
    history = uneven_example()
    expected = plan(history, config)
    messages = []
    actual = plan(history, config, client=client, progress=messages.append)
    assert_same_plan(expected, actual)
    pd.testing.assert_frame_equal(expected.blend.totals, actual.blend.totals)
    pd.testing.assert_frame_equal(expected.blend.service, actual.blend.service)
    # one task per queue, each run on a worker of the cluster
    workers = set(client.scheduler_info()["workers"])
    assert sorted(actual.tasks["queue"]) == ["chat", "email", "phone"]
    assert set(actual.tasks["worker"]) <= workers
    assert (actual.tasks["seconds"] > 0).all()
    assert any(m.startswith("[phone] done on tcp://") for m in messages)
    assert any(m.startswith("[chat] roster: chat:") for m in messages)
    # the same files, byte for byte, but for the wall times in the summary and the report
    expected.write(tmp_path / "here")
    actual.write(tmp_path / "there")
    names = sorted(p.name for p in (tmp_path / "here").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "there").iterdir())
    for name in names:
        if name.endswith(".csv"):
            here, there = (tmp_path / d / name for d in ("here", "there"))
            assert here.read_bytes() == there.read_bytes(), name


def test_source_is_loaded_on_the_workers_and_planned_alike(client):
    source = SyntheticHistory(n_queues=4, weeks=8, interval_minutes=30, seed=7)
    config = source.config(fast_config(risk=True, horizon_days=3))
    expected = plan(source, config)
    actual = plan(source, config, client=client)
    assert_same_plan(expected, actual, history=False)

    # the driver holds only each queue's first interval and its last 28 days
    def span(history):
        stamps = history.groupby("queue")["interval_start"]
        return stamps.max() - stamps.min()

    # the first interval is kept, so the span is the whole history's
    pd.testing.assert_series_equal(span(actual.history), span(expected.history))
    assert len(actual.history) < len(expected.history) * 0.6
    kept = actual.history.merge(expected.history, on=["interval_start", "queue"], how="left")
    np.testing.assert_array_equal(kept["volume_x"], kept["volume_y"])


def test_a_killed_worker_is_replaced_and_the_plan_is_unchanged(client):
    source = SyntheticHistory(n_queues=6, weeks=6, seed=3)
    config = source.config(fast_config(horizon_days=3))
    expected = plan(source, config)
    killed: dict[str, object] = {}
    lock = threading.Lock()

    def kill_busy_worker(message: str) -> None:
        # at the first finished task, kill (SIGKILL) a worker that is running another one
        if killed or " done on " not in message:
            return
        with lock:
            busy = {w: keys for w, keys in client.processing().items() if keys}
            if not busy:
                return
            address, keys = next(iter(busy.items()))
            pid = client.run(os.getpid, workers=[address])[address]
            killed.update(address=address, keys=[str(k) for k in keys], pid=pid)
            os.kill(pid, signal.SIGKILL)

    actual = plan(source, config, client=client, progress=kill_busy_worker)
    assert killed, "no task was running when the first one ended"
    assert_same_plan(expected, actual, history=False)
    # the tasks the dead worker held were run again elsewhere
    lost = [q for q in actual.tasks["queue"] if any(f"-plan-{q}-" in k for k in killed["keys"])]
    assert lost
    again = actual.tasks.set_index("queue").loc[lost, "worker"]
    assert (again != killed["address"]).all()
    # the nanny restarts the worker; on a busy machine that may take a while, and the next
    # tests run on whichever workers are up
    with contextlib.suppress(TimeoutError):
        client.wait_for_workers(2, timeout=180)


def test_queue_files_load_each_queue_from_its_own_file(client, tmp_path):
    history = load_example()
    files = {}
    for queue, part in history.groupby("queue"):
        files[queue] = tmp_path / f"{queue}.csv"
        part.drop(columns="queue").assign(
            interval_start=part["interval_start"].map(pd.Timestamp.isoformat)
        ).to_csv(files[queue], index=False)
    source = QueueFiles(files, {"tz": "Europe/London"})
    assert is_source(source)
    assert not is_source(history)
    assert not is_source(str(files["chat"]))
    pd.testing.assert_frame_equal(
        load_all(source).sort_values(["queue", "interval_start"], ignore_index=True),
        history.sort_values(["queue", "interval_start"], ignore_index=True),
        check_dtype=False,
    )
    config = fast_config(horizon_days=2)
    actual = plan(source, config, client=client)
    expected = plan(history, config)
    pd.testing.assert_frame_equal(expected.coverage, actual.coverage)


def test_a_source_queue_without_channel_fails_before_any_task(client):
    source = SyntheticHistory(n_queues=2, weeks=4)
    config = fast_config()  # channels phone, chat, email: none of the source's
    with pytest.raises(ConfigError, match=r"service\.channels: no channel for queue\(s\) "):
        plan(source, config, client=client)


def test_a_task_error_reaches_the_caller_unchanged(client):
    config = fast_config()
    config = config.model_copy(
        update={"forecast": config.forecast.model_copy(update={"start_date": "2020-01-06"})}
    )
    with pytest.raises(ConfigError, match=r"forecast\.start_date"):
        plan(load_example(), config, client=client)


def test_queue_config_keeps_one_channel_and_no_blending():
    config = fast_config(blend=True)
    own = queue_config(config, "phone")
    assert list(own.service.channels) == ["phone"]
    assert own.blending is None
    assert own.roster == config.roster
    assert own.forecast == config.forecast


def test_connect_refuses_both_or_no_workers():
    with pytest.raises(ConfigError, match="give one of them"), connect(2, "tcp://x:1"):
        pass
    with pytest.raises(ConfigError, match=">= 1"), connect(0):
        pass
    with connect() as nothing:
        assert nothing is None
