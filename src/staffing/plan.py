"""The planner's pipeline: history → forecast → requirements → roster → simulation → report.

:func:`plan` runs every step of a :class:`staffing.config.PlanConfig` and returns a frozen
:class:`Plan` holding each step's tidy result; ``staffing plan`` is a thin shell around it, so
the command line and the library give the same numbers.

How the steps join
------------------
1. **History** is read and validated by :func:`staffing.io.read_history` (or taken as a tidy
   frame), one series per queue.
2. **Forecast**: :func:`staffing.forecast.forecast` with quantiles, from the end of the history
   to the end of the plan; :func:`plan_horizon` decides the plan's days (``forecast.horizon_days``
   from local midnight of ``forecast.first_day`` or ``forecast.start_date``), and only they are
   planned: the days between the history and the plan are forecast but left out.
3. **Requirements**: :func:`staffing.requirements.requirements` turns the quantile named by
   ``service.staff_to`` into productive and scheduled agents per interval, queue and tier.
4. **Roster**: one roster per queue (a team per channel), covering the queue's scheduled agents
   summed over its tiers, built by :func:`staffing.roster.build_roster`. When the roster grid
   is finer than the plan's interval, each requirement is repeated on the finer grid.
5. **Simulation** of each queue answered live (voice and chat, without tiers): the roster's
   coverage times one minus the interval's shrinkage gives the productive agents (times the
   concurrency for chat), which :func:`staffing.simulate.simulate` runs against the staffed
   volume (after the quantile choice and deflection; none in closed bands). Deferred work
   is checked by its backlog model in the requirements step and is not simulated.
6. **Blending** (with ``[blending]``): the joint roster of the skill groups
   (:func:`staffing.blending.blended_roster`) and both rosters checked by the multi-skill
   simulation (:func:`staffing.blending.compare_blend`), in :attr:`Plan.blend`.

Examples
--------
>>> from staffing.plan import plan
>>> from staffing.config import PlanConfig
>>> from staffing.datasets import load_example, load_example_config
>>> config = PlanConfig.from_toml(load_example_config())
>>> config = config.model_copy(update={"forecast": config.forecast.model_copy(
...     update={"model": "seasonal_naive_week", "horizon_days": 2})})
>>> result = plan(load_example(), config)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from staffing.blending import Blend, blended_roster, check_blend, compare_blend
from staffing.errors import ConfigError
from staffing.horizon import forecast_days, history_end, local_days, plan_horizon
from staffing.output import OUTPUT_FILES, check_output_dir, write_plan
from staffing.plan_steps import build_rosters, simulate_live, staffed_requirements
from staffing.summary import chosen_models
from staffing.timegrid import TimeGrid
from staffing.tradeoff import RISK_COLUMNS, TRADEOFF_COLUMNS, risk_and_tradeoff

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from staffing.cluster import QueueSource
    from staffing.config import PlanConfig

__all__ = [
    "OUTPUT_FILES",
    "Plan",
    "check_history",
    "check_output_dir",
    "plan",
    "plan_horizon",
    "write_plan",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """The result of :func:`plan`: every step's tidy output and the headline numbers.

    Attributes
    ----------
    config : PlanConfig
        The configuration that produced the plan.
    history : pandas.DataFrame
        Validated history (``interval_start``, ``queue``, ``volume`` [contacts per interval]).
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``volume`` and quantile columns [contacts per interval].
    model_selection : pandas.DataFrame
        Backtest scores of the candidate models by queue (empty when the model was fixed).
    requirements : pandas.DataFrame
        Agents per interval, queue and tier (see :func:`staffing.requirements.requirements`).
    roster : pandas.DataFrame
        One row per shift group: ``queue``, ``start``, ``end``, ``agents``, ``breaks``; with
        ``roster.contracts``, one row per line of work and working day (``line``, ``week``,
        ``contract`` too).
    coverage : pandas.DataFrame
        ``queue``, ``interval_start``, ``required``, ``scheduled``, ``shortfall`` [agents].
    simulation : pandas.DataFrame
        Simulated service per interval and queue, with confidence bounds.
    solver : pandas.DataFrame
        One row per queue: solver status, objective, bound, gap, time, model size.
    timings : dict
        Wall time of each step [s]; with a Dask client, each step's seconds summed over the
        queues' tasks, and ``wall``, the whole run [s].
    grid : TimeGrid
        The plan's intervals (``history.interval_minutes``) and time zone (``history.tz``),
        decided once and used by every step.
    lines : pandas.DataFrame
        With ``roster.contracts``: one row per queue and line of work
        (:func:`staffing.roster.lines.lines_table`); empty otherwise.
    headcount : pandas.DataFrame
        With ``roster.contracts``: people, FTE, paid hours and cost per queue and contract
        (:func:`staffing.roster.lines.headcount`); empty otherwise.
    simulation_overall : pandas.DataFrame
        The simulation's overall figures per queue: ``queue``, ``metric`` (service level
        [fraction], ASA [s], abandonment, occupancy [fraction]), ``mean`` over replications
        and its 95% confidence bounds ``ci_low``, ``ci_high``.
    risk : pandas.DataFrame
        The risk check of each live queue (``[risk]``; :mod:`staffing.tradeoff`): one row per
        queue, staff-to column and replication, the volume drawn from the forecast's predictive
        distribution [contacts in the plan], the weekly service level [fraction] and ASA [s],
        the weekly target and whether it was met (:data:`staffing.tradeoff.RISK_COLUMNS`).
    tasks : pandas.DataFrame
        With a Dask client (:mod:`staffing.cluster`): one row per queue's task, its ``worker``,
        ``seconds`` [s] and seconds per step; empty in-process.
    tradeoff : pandas.DataFrame
        The staff-to-quantile trade-off: per queue and staff-to column, paid hours [h], cost,
        people and FTE, P(weekly service level >= target) with its 95% interval, and the
        weekly service level's mean and quantiles (:data:`staffing.tradeoff.TRADEOFF_COLUMNS`).
    blend : Blend or None
        With ``[blending]``: the joint roster of the skill groups, and its paid hours, cost
        and simulated service against the separate rosters (:class:`staffing.blending.Blend`).
        With ``blending.compare_separate = false`` the separate rosters are not built and
        ``roster``, ``coverage`` and ``simulation`` are empty.
    """

    config: PlanConfig
    history: pd.DataFrame
    forecast: pd.DataFrame
    model_selection: pd.DataFrame
    requirements: pd.DataFrame
    roster: pd.DataFrame
    coverage: pd.DataFrame
    simulation: pd.DataFrame
    solver: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    grid: TimeGrid | None = None
    lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    headcount: pd.DataFrame = field(default_factory=pd.DataFrame)
    blend: Blend | None = None
    simulation_overall: pd.DataFrame = field(default_factory=pd.DataFrame)
    risk: pd.DataFrame = field(default_factory=pd.DataFrame)
    tradeoff: pd.DataFrame = field(default_factory=pd.DataFrame)
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def queues(self) -> list[str]:
        """Queue names of the plan, in forecast order."""
        return list(dict.fromkeys(self.forecast["queue"]))

    def summary(self) -> dict[str, Any]:
        """Headline numbers: per queue and in total (JSON-ready).

        Returns
        -------
        dict
            ``horizon`` (first and last interval), ``queues`` (per queue: forecast contacts,
            peak scheduled agents, required and scheduled agent-hours, their ratio, paid hours,
            cost, understaffed intervals, solver status and gap, simulated service level with
            its confidence interval and the target), ``totals`` and ``timings_seconds``.
        """
        from staffing.summary import summarise

        return summarise(self)

    def plot_forecast(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """History and forecast with its outermost quantile band for one queue."""
        from staffing.forecast.plot import plot_forecast

        queue = queue or self.queues[0]
        part = self.forecast[self.forecast["queue"] == queue].set_index("interval_start")
        return plot_forecast(self.history, part, ax=ax, history_days=21)

    def plot_coverage(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Required against scheduled agents by interval for one queue."""
        from staffing.plot import plot_coverage

        queue = queue or self.queues[0]
        frame = self.coverage[self.coverage["queue"] == queue]
        return plot_coverage(frame, title=f"{queue}: required and scheduled agents", ax=ax)

    def plot_roster(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Scheduled agents of one queue as a day-by-time heat map."""
        from staffing.plot import plot_roster_heatmap

        queue = queue or self.queues[0]
        frame = self.coverage[self.coverage["queue"] == queue]
        return plot_roster_heatmap(frame, title=f"{queue}: scheduled agents", ax=ax)

    def plot_service_level(self, queue: str | None = None, ax: Axes | None = None) -> Axes:
        """Simulated service level by interval for one simulated queue, against its target."""
        from staffing.plot import plot_service_level

        simulated = list(dict.fromkeys(self.simulation["queue"])) if len(self.simulation) else []
        if not simulated:
            raise ValueError("no queue of this plan was simulated")
        queue = queue or simulated[0]
        if queue not in simulated:
            raise ValueError(f"queue {queue!r} was not simulated; simulated: {simulated}")
        frame = self.simulation[self.simulation["queue"] == queue]
        return plot_service_level(frame, title=f"{queue}: simulated service level", ax=ax)

    def write(self, directory: str | Path, *, force: bool = False) -> Path:
        """Write every output file into ``directory`` (see :func:`write_plan`)."""
        return write_plan(self, directory, force=force)


def plan(
    history: pd.DataFrame | str | Path | QueueSource,
    config: PlanConfig,
    *,
    client: Any = None,
    progress: Progress | None = None,
) -> Plan:
    """Run the whole pipeline: forecast, requirements, rosters and the simulation check.

    Parameters
    ----------
    history : pandas.DataFrame, path or QueueSource
        Tidy history (``interval_start`` tz-aware, ``queue``, ``volume``), a file for
        :func:`staffing.io.read_history` (read with the ``[history]`` settings), or a source
        that loads one queue at a time (:class:`staffing.cluster.QueueSource`, e.g.
        :class:`staffing.datasets.SyntheticHistory`); with a client each queue is then loaded
        on the worker that plans it.
    config : PlanConfig
        The validated configuration.
    client : dask.distributed.Client, optional
        Plan each queue as a task on this Dask cluster (:func:`staffing.cluster.plan_on_cluster`;
        needs the ``dask`` extra). The numbers are those of the in-process run. Default: every
        queue in this process, one after another.
    progress : callable, optional
        Called with a short message as each step starts and ends (e.g. ``print``); with a
        client, as each queue's task ends, followed by that task's own messages.

    Returns
    -------
    Plan

    Raises
    ------
    staffing.errors.DataError
        Bad history (names the file, column and row).
    staffing.errors.ConfigError
        A queue without a channel, or other configuration problems (names the key); checked
        against the history by :func:`check_history` before any forecast is made.
    staffing.errors.InfeasibleError
        Shift rules that cannot cover the requirements (names the intervals or rules).
    """
    if client is not None:
        from staffing.cluster import plan_on_cluster

        return plan_on_cluster(history, config, client, progress=progress)
    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    with _step("history", say, timings):
        frame = _read_history(history, config)
        frame = check_history(frame, config, say)
    return plan_history(frame, config, say, timings)


def plan_history(
    frame: pd.DataFrame,
    config: PlanConfig,
    say: Progress,
    timings: dict[str, float],
    *,
    horizon: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    blend: bool = True,
    separate: bool = True,
) -> Plan:
    """The steps after the history: forecast, requirements, rosters, simulation, risk.

    ``frame`` is a history checked by :func:`check_history`. ``horizon`` pins the plan's
    ``(start, end)`` (a cluster task plans one queue of a longer history); without it
    :func:`plan_horizon` decides. ``blend=False`` leaves ``[blending]`` to the caller, and
    ``separate=False`` skips the separate rosters (``blending.compare_separate = false``).
    """
    with _step("forecast", say, timings):
        forecast_frame, selection, notes = _forecast(frame, config, say, horizon)
        for queue, (model, score) in chosen_models(selection).items():
            say(f"forecast: {queue}: model {model} (validation MASE {score:.3f})")
        for note in notes:
            say(f"forecast: note: {note}")
    return plan_forecast(
        frame, forecast_frame, selection, config, say, timings, blend=blend, separate=separate
    )


def plan_forecast(
    frame: pd.DataFrame,
    forecast_frame: pd.DataFrame,
    selection: pd.DataFrame,
    config: PlanConfig,
    say: Progress,
    timings: dict[str, float],
    *,
    blend: bool = True,
    separate: bool = True,
) -> Plan:
    """The steps after the forecast: requirements, rosters, simulation, risk.

    ``forecast_frame`` and ``selection`` are the plan's forecast and model selection (as
    :attr:`Plan.forecast` and :attr:`Plan.model_selection`); a scenario sweep
    (:func:`staffing.scenarios.scenarios`) reuses one forecast for many configurations.
    """
    grid = TimeGrid(config.history.interval_minutes, config.history.tz)
    with _step("requirements", say, timings):
        needed = staffed_requirements(forecast_frame, config, grid)
    blending = config.blending if blend else None
    blend_result = None
    with _step("roster", say, timings):
        separate = separate and (blending is None or blending.compare_separate)
        kept = needed if separate else needed.iloc[:0]
        if blending is not None:  # fails on the plan's hours before any solve
            check_blend(needed, config, grid)
        roster, coverage, solver, lines, people = build_rosters(kept, config, grid, say)
        teams = {
            "roster": roster,
            "coverage": coverage,
            "lines": lines,
            "headcount": people,
            "solver": solver,
        }
        if blending is not None:
            blend_result = blended_roster(needed, config, grid, say, teams if separate else None)
    with _step("simulation", say, timings):
        simulation, overall = simulate_live(needed, coverage, config, grid, say)
        if blending is not None:
            blend_result = compare_blend(
                blend_result, needed, teams if separate else {}, config, grid, say
            )
    risk, tradeoff = pd.DataFrame(columns=RISK_COLUMNS), pd.DataFrame(columns=TRADEOFF_COLUMNS)
    if config.risk.enabled and config.simulation.enabled and separate:
        with _step("risk", say, timings):
            uncertainty = forecast_uncertainty(selection, config)
            risk, tradeoff = risk_and_tradeoff(
                forecast_frame, needed, teams, uncertainty, config, grid, say
            )
    return Plan(
        config=config,
        history=frame,
        forecast=forecast_frame,
        model_selection=selection,
        requirements=needed,
        roster=roster,
        coverage=coverage,
        simulation=simulation,
        solver=solver,
        timings=timings,
        grid=grid,
        lines=lines,
        headcount=people,
        blend=blend_result,
        simulation_overall=overall,
        risk=risk,
        tradeoff=tradeoff,
    )


def forecast_uncertainty(
    selection: pd.DataFrame, config: PlanConfig
) -> dict[str, tuple[float, float]]:
    """Queue -> (dispersion, level dispersion) of the chosen forecast model.

    Read from the model selection table (``dispersion`` and ``level_dispersion`` of the
    selected row, :attr:`staffing.forecast.Forecaster.selection_`); queues without them are
    left out (their risk is not checked).
    """
    needed = {"queue", "selected", "dispersion", "level_dispersion"}
    if selection.empty or not needed <= set(selection.columns):
        return {}
    chosen = selection[selection["selected"].astype(bool)]
    return {
        str(row.queue): (float(row.dispersion), float(row.level_dispersion))
        for row in chosen.itertuples()
    }


class _step:
    """Time a pipeline step and report its start and end."""

    def __init__(self, name: str, say: Progress, timings: dict[str, float]) -> None:
        self.name, self.say, self.timings = name, say, timings

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        self.say(f"{self.name}: started")

    def __exit__(self, kind: object, *_: object) -> None:
        elapsed = time.perf_counter() - self.started
        self.timings[self.name] = round(elapsed, 3)
        if kind is None:
            self.say(f"{self.name}: done in {elapsed:.1f} s")


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def _read_history(
    history: pd.DataFrame | str | Path | QueueSource, config: PlanConfig
) -> pd.DataFrame:
    from staffing.cluster import is_source, load_all
    from staffing.io import read_history

    if is_source(history):
        history = load_all(history)

    settings = config.history
    return read_history(
        history,
        timestamp_column=settings.timestamp_column,
        count_column=settings.count_column,
        queue_column=settings.queue_column,
        tz=settings.tz,
        interval_minutes=settings.interval_minutes,
    )


def check_history(
    history: pd.DataFrame, config: PlanConfig, progress: Progress | None = None
) -> pd.DataFrame:
    """Check a read history against the plan configuration before any expensive step.

    Every queue of the history needs a channel in ``[service.channels]``. A history with a
    single unnamed queue (no queue column: read as queue ``"all"``) is planned as the one
    channel of the configuration when it has exactly one. Channels without history are left
    out of the plan (reported through ``progress``), and so are the gaps of the history
    (``history.attrs["gaps"]``, intervals without data, which the forecast leaves out of its
    fit).

    Parameters
    ----------
    history : pandas.DataFrame
        Tidy history from :func:`staffing.io.read_history` (``interval_start``, ``queue``,
        ``volume`` [contacts per interval]).
    config : PlanConfig
        The plan configuration.
    progress : callable, optional
        Called with one line per note.

    Returns
    -------
    pandas.DataFrame
        The history, with the unnamed queue renamed to its channel where that applies.

    Raises
    ------
    staffing.errors.ConfigError
        A queue of the history without a channel, naming the key to add or change.

    Examples
    --------
    >>> import pandas as pd
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> config = PlanConfig.from_toml(load_example_config())
    >>> service = config.service.model_copy(
    ...     update={"channels": {"phone": config.service.channels["phone"]}})
    >>> config = config.model_copy(update={"service": service})
    >>> stamps = pd.date_range("2025-06-02", periods=3, freq="h", tz="Europe/London")
    >>> history = pd.DataFrame({"interval_start": stamps, "queue": "all", "volume": 5.0})
    >>> check_history(history, config, print)["queue"].unique().tolist()
    history: one unnamed queue, planned as channel 'phone' (the only one in service.channels)
    ['phone']
    """
    from staffing.io import ALL_QUEUES

    say = progress or (lambda _message: None)
    channels = list(config.service.channels)
    queues = list(dict.fromkeys(history["queue"].astype(str)))
    if queues == [ALL_QUEUES] and ALL_QUEUES not in channels:
        if len(channels) != 1:
            raise ConfigError(
                "service.channels: the history has one unnamed queue (no queue column) but "
                f"service.channels has {len(channels)} channels ({', '.join(channels)}): keep "
                "only the channel this history belongs to, or give the history a queue column "
                "(history.queue_column) whose values name the channels"
            )
        say(
            f"history: one unnamed queue, planned as channel {channels[0]!r} (the only one in "
            "service.channels)"
        )
        attrs = dict(history.attrs)
        history = history.assign(queue=channels[0])
        gaps = tuple(gap._replace(queue=channels[0]) for gap in attrs.get("gaps") or ())
        history.attrs.update(attrs, gaps=gaps)
        queues = channels
    missing = [queue for queue in queues if queue not in channels]
    if missing:
        raise ConfigError(
            f"service.channels: no channel for queue(s) {', '.join(map(repr, missing))} of the "
            f"history (channels given: {', '.join(channels)}); add "
            f"[service.channels.{missing[0]}] or rename the queue"
        )
    unused = [name for name in channels if name not in queues]
    if unused:
        say(f"history: no history for channel(s) {', '.join(unused)}; not planned")
    _say_gaps(history, say)
    return history


def _say_gaps(history: pd.DataFrame, say: Progress, most: int = 10) -> None:
    gaps = history.attrs.get("gaps") or ()
    if not gaps:
        return
    lost = sum(gap.intervals for gap in gaps)
    say(f"history: {len(gaps)} gap(s), {lost} intervals without data, left out of the forecast")
    for gap in list(gaps)[:most]:
        say(
            f"history: gap: queue {gap.queue}, {gap.start:%Y-%m-%d %H:%M} to "
            f"{gap.end:%Y-%m-%d %H:%M} ({gap.intervals} intervals, {gap.reason})"
        )
    if len(gaps) > most:
        say(f"history: gap: and {len(gaps) - most} more")


def forecast_calendar(config: PlanConfig) -> Any:
    """The calendar of the plan's forecast: ``[service.calendar]``, the one every step shares.

    ``forecast.country`` / ``forecast.subdiv``, when given, replace its public holidays for the
    forecast only (weekend and ``extra_holidays`` stay).

    Examples
    --------
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> forecast_calendar(PlanConfig.from_toml(load_example_config())).country
    'GB'
    """
    calendar = config.service.calendar
    settings = config.forecast
    if settings.country is None:
        return calendar
    return calendar.model_copy(update={"country": settings.country, "subdiv": settings.subdiv})


def _forecast(
    history: pd.DataFrame,
    config: PlanConfig,
    say: Progress | None = None,
    horizon: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Forecast from the end of each queue's history to the end of the plan; keep the plan."""
    from staffing.forecast import Forecaster

    settings = config.forecast
    start, end = horizon if horizon is not None else plan_horizon(history, config)
    gap = local_days(history_end(history, config), start)
    (say or (lambda _message: None))(
        f"forecast: plan horizon {start:%a %Y-%m-%d %H:%M} to {end:%a %Y-%m-%d %H:%M} "
        f"({start.tz}, {settings.horizon_days} days; {gap:.4g} days between the history and "
        "the plan are forecast but not planned)"
    )
    model = Forecaster(
        model=settings.model,
        calendar=forecast_calendar(config),
        events=[event.model_dump() for event in settings.events],
        quantiles=settings.quantiles,
    )
    model.fit(history)
    # each queue is forecast from its own end, far enough to reach the end of the plan
    predicted = model.predict(horizon_days=forecast_days(history, config, end))
    frame = predicted.reset_index() if "interval_start" not in predicted.columns else predicted
    frame = frame[(frame["interval_start"] >= start) & (frame["interval_start"] < end)]
    selection = getattr(model, "selection_", None)
    selection = pd.DataFrame() if selection is None else pd.DataFrame(selection)
    selection = selection.reset_index(drop=isinstance(selection.index, pd.RangeIndex))
    return frame.reset_index(drop=True), selection, list(getattr(model, "notes_", []))
