"""Scale-out: plan each queue as a task on a Dask cluster.

A plan's queues are independent until the blended roster: each has its own forecast,
requirements, roster, simulation and risk check. :func:`plan_on_cluster` (what
``staffing.plan(history, config, client=client)`` calls) submits one task per queue to a
:class:`dask.distributed.Client` and joins the results into the same :class:`staffing.plan.Plan`
the in-process run gives: the same numbers, in the same order, written to the same files.

How the work is split
---------------------
1. **History**: a frame or file is read and checked here, and each queue's part travels with its
   task. A :class:`QueueSource` (one queue at a time, e.g.
   :class:`staffing.datasets.SyntheticHistory` or :class:`QueueFiles`) is loaded on a worker
   instead, and stays there: this process only sees each queue's last interval.
2. **Horizon**: the plan's days are decided once, here, from every queue's last interval
   (:func:`staffing.horizon.plan_horizon`), and pinned in every task.
3. **One task per queue** runs :func:`staffing.plan.plan_history` with the configuration cut
   down to the queue's channel: forecast, requirements, roster, simulation, risk.
4. **Blending** (``[blending]``) couples the queues, so the joint roster and its simulation run
   here, after the tasks, from their requirements and rosters.

A task whose worker dies is run again on another worker (the scheduler keeps every input it
needs to recompute it; ``distributed.scheduler.allowed-failures`` times, 3 by default). Each
task's messages are replayed through ``progress`` when it ends, with the worker and the seconds
it took; :attr:`staffing.plan.Plan.tasks` keeps those figures.

Examples
--------
>>> from staffing.cluster import connect
>>> with connect() as client:  # no workers asked for: run in this process
...     print(client)
None
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pandas as pd

from staffing.errors import ConfigError

if TYPE_CHECKING:
    from staffing.config import PlanConfig
    from staffing.plan import Plan

__all__ = [
    "RECENT_HISTORY_DAYS",
    "QueueFiles",
    "QueueSource",
    "connect",
    "is_source",
    "load_all",
    "plan_on_cluster",
    "queue_config",
]

Progress = Callable[[str], None]

#: Days of each queue's history a plan keeps when the history came from a :class:`QueueSource`
#: on a cluster (with its first interval): what the report draws and summarises [days].
RECENT_HISTORY_DAYS = 28

#: Frames of :class:`staffing.plan.Plan` joined queue by queue.
_FRAMES = (
    "forecast",
    "model_selection",
    "requirements",
    "roster",
    "coverage",
    "simulation",
    "solver",
    "lines",
    "headcount",
    "simulation_overall",
    "risk",
    "tradeoff",
)

#: Frames whose in-process step goes through the queues in ``service.channels`` order.
_BY_CHANNEL = ("simulation", "simulation_overall", "risk", "tradeoff")


@runtime_checkable
class QueueSource(Protocol):
    """History that loads one queue at a time, where the queue is planned.

    Anything with ``queues`` (the queue names) and ``load(queue)`` returning that queue's tidy
    history (``interval_start`` tz-aware, ``queue``, ``volume`` [contacts per interval]) will do;
    it must pickle, since it travels to the workers. :class:`QueueFiles` and
    :class:`staffing.datasets.SyntheticHistory` are two.
    """

    @property
    def queues(self) -> Sequence[str]: ...

    def load(self, queue: str) -> pd.DataFrame: ...


def is_source(history: object) -> bool:
    """Whether ``history`` is a :class:`QueueSource` (not a frame or a path).

    Examples
    --------
    >>> is_source(QueueFiles({"phone": "phone.csv"})), is_source("history.csv")
    (True, False)
    """
    return isinstance(history, QueueSource) and not isinstance(history, str | Path | pd.DataFrame)


@dataclass(frozen=True)
class QueueFiles:
    """Each queue's history in a file of its own, read by the worker that plans the queue.

    Parameters
    ----------
    files : mapping of str to path
        Queue name to its history file (CSV, Parquet or Excel, read by
        :func:`staffing.io.read_history`).
    options : mapping, optional
        Keyword arguments for :func:`staffing.io.read_history` (``tz``, ``interval_minutes``,
        ``timestamp_column``, ``count_column``...). The queue name is given by the mapping.

    Examples
    --------
    >>> source = QueueFiles({"phone": "phone.csv", "chat": "chat.csv"}, {"tz": "Europe/London"})
    >>> list(source.queues)
    ['phone', 'chat']
    """

    files: Mapping[str, str | Path]
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def queues(self) -> list[str]:
        """The queue names, in the order given."""
        return list(self.files)

    def load(self, queue: str) -> pd.DataFrame:
        """The history of ``queue``, read and validated (errors name its file)."""
        from staffing.io import read_history

        if queue not in self.files:
            raise KeyError(f"no file for queue {queue!r}; queues: {', '.join(self.files)}")
        options = {k: v for k, v in self.options.items() if k != "queue_column"}
        frame = read_history(self.files[queue], queue_column=False, **options)
        return frame.assign(queue=queue)


def load_all(source: QueueSource) -> pd.DataFrame:
    """Every queue of ``source`` in one tidy frame (what an in-process plan reads).

    Examples
    --------
    >>> from staffing.datasets import SyntheticHistory
    >>> load_all(SyntheticHistory(n_queues=2, weeks=3))["queue"].unique().tolist()
    ['q0000-phone', 'q0001-chat']
    """
    frames = [source.load(queue) for queue in source.queues]
    gaps = tuple(gap for frame in frames for gap in frame.attrs.get("gaps") or ())
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["gaps"] = gaps
    return frame


@contextlib.contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client for a run: a local cluster of ``workers`` processes, or a running one.

    Parameters
    ----------
    workers : int, optional
        Start a :class:`dask.distributed.LocalCluster` of this many worker processes (one
        thread each) for the run, closed at the end.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``, as ``dask scheduler`` prints).

    Yields
    ------
    dask.distributed.Client or None
        ``None`` when neither is given: the plan runs in this process.

    Raises
    ------
    staffing.errors.ConfigError
        Both given, a number of workers below 1, or Dask not installed (names the extra).
    OSError
        A scheduler that cannot be reached (names the address).
    """
    if workers is not None and scheduler is not None:
        raise ConfigError("--workers and --scheduler: give one of them, not both")
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: expected a number of worker processes >= 1, got {workers}")
    distributed = _distributed()
    if scheduler is not None:
        try:
            # waits distributed.comm.timeouts.connect (Dask's configuration; 30 s by default)
            client = distributed.Client(scheduler)
        except (OSError, TimeoutError) as err:
            raise OSError(f"--scheduler {scheduler}: cannot reach the scheduler ({err})") from None
        with client:
            yield client
        return
    # ":0": a free port for the dashboard, so several runs (or CI legs) can share a machine
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _distributed() -> Any:
    try:
        import dask.distributed as distributed
    except ImportError:
        raise ConfigError(
            "running on a Dask cluster needs the dask extra: pip install 'staffing[dask]'"
        ) from None
    return distributed


def queue_config(config: PlanConfig, queue: str) -> PlanConfig:
    """The configuration cut down to one queue's channel, without ``[blending]``.

    What a task plans: every setting of the plan, but only the channel it needs (a task's
    inputs travel to its worker, and a centre of a thousand queues has a thousand channels).

    Examples
    --------
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> list(queue_config(config, "chat").service.channels), queue_config(config, "chat").blending
    (['chat'], None)
    """
    service = config.service
    own = service.model_copy(update={"channels": {queue: service.channels[queue]}})
    return config.model_copy(update={"service": own, "blending": None})


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskResult:
    """What a task sends back: its result (``part``: a queue's plan, a scenario's row), its
    messages, the worker that ran it and the seconds it took."""

    queue: str
    part: Any
    messages: list[str]
    worker: str
    seconds: float


def plan_on_cluster(
    history: pd.DataFrame | str | Path | QueueSource,
    config: PlanConfig,
    client: Any,
    *,
    progress: Progress | None = None,
) -> Plan:
    """Plan every queue as a task on a Dask cluster: the in-process :class:`Plan`, in parallel.

    Parameters
    ----------
    history : pandas.DataFrame, path or QueueSource
        As for :func:`staffing.plan.plan`. A source is loaded queue by queue on the workers,
        and the plan keeps each queue's first interval and last :data:`RECENT_HISTORY_DAYS`
        days of it (all the summary and report read).
    config : PlanConfig
        The plan configuration.
    client : dask.distributed.Client
        The cluster to run on.
    progress : callable, optional
        Called as the history is checked and as each task ends (``"[phone] done on
        tcp://...: 3.1 s (1/3)"``), then with the task's own messages.

    Returns
    -------
    Plan
        As :func:`staffing.plan.plan` returns it, with :attr:`Plan.tasks` filled: one row per
        queue with its worker and seconds per step.

    Raises
    ------
    staffing.errors.ConfigError, staffing.errors.DataError, staffing.errors.InfeasibleError
        As :func:`staffing.plan.plan`; a task's error is raised here unchanged.
    """
    from staffing.horizon import plan_horizon
    from staffing.plan import _step

    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with _step("history", say, timings):
        spread = spread_history(history, config, client, say)
        horizon = plan_horizon(spread.recent, config)
    blending = config.blending
    separate = blending is None or blending.compare_separate
    keep = spread.frame is not None
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            _plan_queue,
            spread.inputs[q],
            queue_config(config, q),
            horizon,
            separate,
            keep,
            key=f"staffing-plan-{q}-{run}",
        ): q
        for q in spread.queues
    }
    say(f"cluster: {len(futures)} queue task(s) submitted to {_describe(client)}")
    parts = dict(gather_tasks(futures, client, say))
    for result in parts.values():
        for step, seconds in result.part.timings.items():
            timings[step] = round(timings.get(step, 0.0) + seconds, 3)
    history_kept = spread.frame if keep else spread.recent
    return _join(parts, spread.queues, config, history_kept, timings, started, say)


@dataclass(frozen=True)
class Spread:
    """A history split by queue: each queue's part here, or a future on the worker holding it.

    Attributes
    ----------
    queues : list of str
        The queues, in the order an in-process plan gives them.
    inputs : dict
        Queue -> its checked history (a frame, or a Dask future when loaded on a worker).
    frame : pandas.DataFrame or None
        The whole checked history when it was read here; ``None`` when loaded on workers.
    recent : pandas.DataFrame
        The whole history, or each queue's first interval and last
        :data:`RECENT_HISTORY_DAYS` days when loaded on workers (with the gaps in ``attrs``).
    """

    queues: list[str]
    inputs: dict[str, Any]
    frame: pd.DataFrame | None
    recent: pd.DataFrame

    def recent_of(self, queue: str) -> pd.DataFrame:
        """One queue's first interval and last :data:`RECENT_HISTORY_DAYS` days, its gaps in
        ``attrs``."""
        own = self.recent[self.recent["queue"] == queue].reset_index(drop=True)
        own.attrs["gaps"] = _gaps_of(self.recent, queue)
        return _recent(own)


def spread_history(
    history: pd.DataFrame | str | Path | QueueSource,
    config: PlanConfig,
    client: Any,
    say: Progress,
) -> Spread:
    """Read and check the history, split by queue; a source is loaded on the workers.

    Without a client (or for a frame or file) the history is read and checked here by
    :func:`staffing.plan.check_history`, exactly as an in-process plan reads it.
    """
    from staffing.plan import _read_history, _say_gaps, check_history

    if client is None or not is_source(history):
        frame = check_history(_read_history(history, config), config, say)
        queues = list(dict.fromkeys(frame["queue"].astype(str)))
        inputs = {}
        for q in queues:
            inputs[q] = frame[frame["queue"] == q].reset_index(drop=True)
            inputs[q].attrs["gaps"] = _gaps_of(frame, q)
        return Spread(queues, inputs, frame, frame)
    queues, inputs = _load_on_workers(history, config, client)
    recents = client.gather([client.submit(_recent, inputs[q], pure=False) for q in queues])
    recent = pd.concat(recents, ignore_index=True)
    recent.attrs["gaps"] = tuple(gap for part in recents for gap in part.attrs["gaps"])
    _say_gaps(recent, say)
    return Spread(queues, inputs, None, recent)


def _load_on_workers(
    source: QueueSource, config: PlanConfig, client: Any
) -> tuple[list[str], dict[str, Any]]:
    """Each queue's history loaded by a task: a future that stays on its worker."""
    from staffing.io import ALL_QUEUES

    queues = sorted(str(q) for q in source.queues)  # the order read_history gives
    if not queues:
        raise ConfigError("history: the source has no queues")
    missing = [q for q in queues if q not in config.service.channels or q == ALL_QUEUES]
    if missing:
        raise ConfigError(
            f"service.channels: no channel for queue(s) {', '.join(map(repr, missing))} of the "
            f"history source; add [service.channels.{missing[0]}] or rename the queue"
        )
    run = uuid.uuid4().hex[:8]
    inputs = {
        q: client.submit(_load_queue, source, q, config, key=f"staffing-history-{q}-{run}")
        for q in queues
    }
    return queues, inputs


def _load_queue(source: QueueSource, queue: str, config: PlanConfig) -> pd.DataFrame:
    """One queue's history, loaded and validated on a worker."""
    from staffing.plan import _read_history

    frame = _read_history(source.load(queue), config)
    found = set(frame["queue"].astype(str))
    if found != {queue}:
        raise ConfigError(f"history: loading queue {queue!r} gave queue(s) {sorted(found)}")
    return frame


def _gaps_of(frame: pd.DataFrame, queue: str) -> tuple:
    return tuple(gap for gap in frame.attrs.get("gaps") or () if gap.queue == queue)


def _recent(history: pd.DataFrame) -> pd.DataFrame:
    """A queue's first interval and its last :data:`RECENT_HISTORY_DAYS` days."""
    stamps = history["interval_start"]
    since = stamps.max() - pd.Timedelta(RECENT_HISTORY_DAYS, unit="D")
    part = history[(stamps >= since) | (stamps == stamps.min())].reset_index(drop=True)
    part.attrs["gaps"] = tuple(history.attrs.get("gaps") or ())
    return part


def _plan_queue(
    history: pd.DataFrame,
    config: PlanConfig,
    horizon: tuple[pd.Timestamp, pd.Timestamp],
    separate: bool,
    keep_history: bool,
) -> TaskResult:
    """A queue's task: the plan's steps after the history, on a worker."""
    from staffing.plan import plan_history

    started = time.perf_counter()
    messages: list[str] = []
    part = plan_history(
        history, config, messages.append, {}, horizon=horizon, blend=False, separate=separate
    )
    if not keep_history:
        part = replace(part, history=_recent(history))
    queue = next(iter(config.service.channels))
    return TaskResult(queue, part, messages, worker_address(), time.perf_counter() - started)


def worker_address() -> str:
    """The address of the Dask worker running this code; ``"local"`` outside one."""
    try:
        from dask.distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def gather_tasks(
    futures: dict[Any, str], client: Any, say: Progress
) -> Iterator[tuple[str, TaskResult]]:
    """Each task's label and :class:`TaskResult` as it ends, its messages replayed through ``say``.

    The futures are released as they are read, so this process holds only what it keeps; on
    an error (or an interrupt) the tasks not yet run are cancelled.
    """
    distributed = _distributed()
    count = 0
    try:
        for future in distributed.as_completed(list(futures)):
            result = future.result()
            count += 1
            say(
                f"[{futures[future]}] done on {result.worker}: {result.seconds:.1f} s "
                f"({count}/{len(futures)})"
            )
            for message in result.messages:
                say(f"[{futures[future]}] {message}")
            label = futures[future]
            future.release()
            yield label, result
    except BaseException:
        client.cancel(list(futures))
        raise


def _join(
    parts: dict[str, TaskResult],
    queues: list[str],
    config: PlanConfig,
    history: pd.DataFrame,
    timings: dict[str, float],
    started: float,
    say: Progress,
) -> Plan:
    """The queues' parts as one plan, in the in-process order; blending run here."""
    from staffing.plan import Plan, _step

    ordered = [parts[q].part for q in queues]
    # the simulation and risk steps go through the channels in the configuration's order
    by_channel = [parts[q].part for q in config.service.channels if q in parts]
    frames = {}
    for name in _FRAMES:  # as the in-process steps stack them: empty parts left out
        pieces = [getattr(p, name) for p in (by_channel if name in _BY_CHANNEL else ordered)]
        kept = [f for f in pieces if not f.empty]
        frames[name] = pd.concat(kept, ignore_index=True) if kept else pieces[0]
    tasks = pd.DataFrame(
        [
            {"queue": q, "worker": parts[q].worker, "seconds": round(parts[q].seconds, 3)}
            | {f"{step}_seconds": s for step, s in parts[q].part.timings.items()}
            for q in queues
        ]
    )
    result = Plan(
        config=config,
        history=history,
        grid=ordered[0].grid,
        timings=timings,
        tasks=tasks,
        **frames,
    )
    if config.blending is not None:
        result = _blend(result, config, say, timings, _step)
    timings["wall"] = round(time.perf_counter() - started, 3)
    return result


def _blend(result: Plan, config: PlanConfig, say: Progress, timings: dict, step: Any) -> Plan:
    """The joint roster of the skill groups and its simulation, from the joined queues."""
    from staffing.blending import blended_roster, check_blend, compare_blend

    separate = config.blending.compare_separate
    teams = {
        "roster": result.roster,
        "coverage": result.coverage,
        "lines": result.lines,
        "headcount": result.headcount,
        "solver": result.solver,
    }
    needed, grid = result.requirements, result.grid
    with step("blending", say, timings):
        check_blend(needed, config, grid)
        blend = blended_roster(needed, config, grid, say, teams if separate else None)
        blend = compare_blend(blend, needed, teams if separate else {}, config, grid, say)
    return replace(result, blend=blend)


def _describe(client: Any) -> str:
    try:
        workers = client.scheduler_info().get("workers", {})
    except Exception:
        return "the cluster"
    threads = sum(int(info.get("nthreads", 1)) for info in workers.values())
    return f"{len(workers)} worker(s), {threads} thread(s)"
