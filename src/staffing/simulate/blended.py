"""Multi-skill simulation: skill groups sharing live channels and deferred backlogs.

:func:`simulate_skills` replays a horizon many times with the event loop of
:mod:`staffing.simulate.skills`: agents in skill groups, each group serving an ordered list of
channels; live channels (voice, chat) queue first come, first served and abandon; deferred
channels (e-mail, tickets) keep a backlog across intervals and days, served earliest deadline
first and pre-empted by live contacts. With one group serving one live channel it gives exactly
the result of :func:`staffing.simulate.simulate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from staffing.errors import ConfigError, DataError
from staffing.simulate import core, skills
from staffing.simulate._engine import ABANDONED, ANSWERED, UNSERVED, overlap_by_interval
from staffing.simulate.inputs import Horizon, _agents_from_intervals, horizon_from_forecast
from staffing.simulate.skills import Centre, SkillRun, Work

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["SkillChannel", "SkillSimulationResult", "simulate_skills"]


@dataclass(frozen=True)
class SkillChannel:
    """A contact channel of a multi-skill centre.

    Parameters
    ----------
    name : str
        Channel name, as in the ``channel`` column of the volume.
    kind : {"live", "deferred"}
        ``"live"``: contacts wait in a queue and may abandon (voice, chat); ``"deferred"``:
        items are kept in a backlog and answered by a response deadline (e-mail, tickets).
    aht_seconds : float
        Mean handle time [s], > 0 and at most one day.
    patience_seconds : float, optional
        Live only: mean of an exponential patience [s] (default: nobody abandons).
    concurrency : int, default 1
        Live only: contacts an agent handles at once (chat); each agent is that many slots.
    tiers : tuple of (str, float, float)
        Deferred only: ``(tier name, share of the volume [fraction], response time [s])``;
        shares sum to 1.
    response_clock : {"calendar", "business"}, default "calendar"
        Deferred only: ``"business"`` runs the response clock only while the channel is open.

    Examples
    --------
    >>> SkillChannel("email", "deferred", 480, tiers=(("vip", 0.2, 3600), ("std", 0.8, 86400)))
    ... # doctest: +ELLIPSIS
    SkillChannel(name='email', kind='deferred', aht_seconds=480, ...)
    """

    name: str
    kind: Literal["live", "deferred"]
    aht_seconds: float
    patience_seconds: float | None = None
    concurrency: int = 1
    tiers: tuple[tuple[str, float, float], ...] = ()
    response_clock: Literal["calendar", "business"] = "calendar"

    def __post_init__(self) -> None:
        settings = (self.aht_seconds, self.patience_seconds, self.concurrency, self.tiers)
        problem = skills.channel_problem(self.kind, *settings, self.response_clock)
        if problem:
            raise ConfigError(f"channel {self.name!r}: {problem}")


@dataclass(frozen=True)
class SkillSimulationResult:
    """Service delivered by a multi-skill centre over many replications.

    Attributes
    ----------
    live : pandas.DataFrame
        One row per live channel and interval: ``channel`` and then the columns of
        :attr:`staffing.simulate.SimulationResult.intervals` (``interval_start``, ``agents``
        [mean agents on duty in the groups serving the channel], ``offered``, ``answered``,
        ``abandoned``, ``unserved`` [contacts per interval], ``target_seconds`` [s],
        ``service_level`` [fraction], ``asa_seconds`` [s], ``abandonment`` [fraction],
        ``occupancy`` [fraction of the serving groups' working time, all their work] and each
        metric's ``_ci_low`` / ``_ci_high``).
    deferred : pandas.DataFrame
        One row per deferred channel and tier: replication means of ``arrived``, ``done``
        (completed by the end of the horizon) and ``outstanding_end`` [items], ``judged``
        (items due within the horizon) and ``within_response`` (judged items done by their
        deadline) [items]; ``share_within_response`` [fraction of judged] and
        ``mean_response_seconds`` (arrival to completion of the items done [s]) with CIs.
    backlog : pandas.DataFrame
        ``channel``, ``tier``, ``date`` (local), ``backlog_items`` [items arrived and not done
        at the end of that day, or of the horizon] with ``backlog_items_ci_low`` / ``_ci_high``.
    groups : pandas.DataFrame
        ``group``, ``interval_start``, ``agents`` [mean on duty], ``occupancy`` [fraction of
        working time] with CI, ``live_share`` and ``deferred_share`` [fraction of busy time].
    overall : pandas.DataFrame
        Tidy rows ``scope``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, pooled over the
        horizon within each replication: ``live:<channel>`` (service_level, asa_seconds,
        abandonment, occupancy, as in :func:`staffing.simulate.simulate`),
        ``deferred:<channel>/<tier>`` (share_within_response, mean_response_seconds) and
        ``group:<group>`` (occupancy).
    replications : dict of str to pandas.DataFrame
        Raw per-replication rows: ``"live"`` (per channel and interval, as
        :attr:`staffing.simulate.SimulationResult.replications`), ``"deferred"``,
        ``"backlog"`` and ``"groups"`` (``busy_live_seconds``, ``busy_deferred_seconds`` and
        ``working_seconds`` in slot-seconds, ``staffed_seconds`` in agent-seconds [s]).
    confidence : float
        Confidence level of the Student t intervals [fraction].
    """

    live: pd.DataFrame
    deferred: pd.DataFrame
    backlog: pd.DataFrame
    groups: pd.DataFrame
    overall: pd.DataFrame
    replications: dict[str, pd.DataFrame]
    confidence: float


@dataclass(frozen=True)
class _Setup:
    """Everything that stays the same across replications."""

    horizon: Horizon
    channels: list[SkillChannel]  # every channel, in the order of the mapping
    live: list[int]
    deferred: list[int]
    horizons: list[Horizon]  # per channel, with its volume
    groups: list[str]
    concurrency: np.ndarray  # per group: slots per agent
    staffed: np.ndarray  # groups x intervals [agent-seconds]
    centre: Centre
    thresholds: dict[int, np.ndarray]
    masks: list[np.ndarray]
    windows: tuple[np.ndarray, np.ndarray, np.ndarray]
    handle: list[Callable]
    patience: list[Callable]


def simulate_skills(
    staffing: pd.DataFrame,
    volume: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    channels: Mapping[str, SkillChannel],
    *,
    target_seconds: Mapping[str, ArrayLike] | None = None,
    routing: Mapping[str, Sequence[str]] | None = None,
    open_mask: Mapping[str, ArrayLike] | None = None,
    handle_time: str = "exponential",
    cv: float = 1.0,
    replications: int = 20,
    seed: int | np.random.Generator | None = None,
    interval_minutes: float | None = None,
    confidence: float = 0.95,
) -> SkillSimulationResult:
    """Simulate skill groups serving live and deferred channels, many times over.

    Live and deferred work arrive as Poisson processes with a constant rate within each
    interval. Live contacts go to the longest-idle agent of the first group of their routing
    with one idle, else pre-empt an agent working a deferred item, else wait first come, first
    served and abandon after an exponential patience. A free agent takes the waiting contacts
    of its live channels in its group's priority order, then the deferred item with the
    earliest deadline among its open deferred channels. Agents start work only while on duty
    and finish work in hand past the end of a period (see :mod:`staffing.simulate.skills`).

    Parameters
    ----------
    staffing : pandas.DataFrame
        ``interval_start`` (tz-aware), ``group``, ``agents`` [productive agents on duty, whole
        numbers]; every group and interval of the volume's grid. Agent ``j`` of a group is on
        duty where its level exceeds ``j``.
    volume : pandas.DataFrame
        ``interval_start`` (tz-aware, regular grid), ``channel``, ``volume`` [contacts or
        items per interval]; every channel and interval.
    groups : mapping of str to sequence of str
        Group -> the channels it serves, in its priority order.
    channels : mapping of str to SkillChannel
        Channel name -> its :class:`SkillChannel`.
    target_seconds : mapping of str to float or array_like, optional
        Live channel -> answer-time threshold [s]: one value, or one per interval (NaN: none).
        A channel left out has no threshold (service level NaN).
    routing : mapping of str to sequence of str, optional
        Channel -> the groups serving it in the order they are offered its work (default:
        groups serving fewer channels first, then the order of ``groups``).
    open_mask : mapping of str to array_like of bool, optional
        Deferred channel -> one flag per interval: whether its items may be started then
        (default: always). It also drives the ``"business"`` response clock.
    handle_time : {"exponential", "lognormal"}, default "exponential"
        Handle-time distribution, with each channel's ``aht_seconds`` as mean.
    cv : float, default 1.0
        Coefficient of variation of the lognormal handle time [fraction of the mean].
    replications : int, default 20
        Number of independent replications.
    seed : int or numpy.random.Generator, optional
        Seed; each replication has its own child stream, drawn as in
        :func:`staffing.simulate.simulate` for the live channels (in the order of
        ``channels``); deferred work draws from a child of that stream, so adding deferred
        work leaves the live draws unchanged.
    interval_minutes : float, optional
        Interval length [min] (default: inferred from the grid).
    confidence : float, default 0.95
        Confidence level of the Student t intervals [fraction].

    Returns
    -------
    SkillSimulationResult

    Raises
    ------
    staffing.errors.ConfigError
        For an unknown channel or group in ``groups``, ``volume``, ``routing``,
        ``target_seconds`` or ``open_mask``, a channel no group serves, a group serving no
        channel, or a chat channel (concurrency > 1) sharing a group with another channel.
    staffing.errors.DataError
        For a missing column or interval, a negative volume or a bad agent count, naming it.
    ValueError
        For another parameter out of range.

    Notes
    -----
    A chat group's agents are ``concurrency`` slots each: its occupancy is busy slot time over
    slot working time; ``agents`` counts people. Deferred items still in hand at the end of the
    horizon are finished in the overrun but count as outstanding.

    Examples
    --------
    >>> import pandas as pd
    >>> grid = pd.date_range("2024-03-04 09:00", periods=4, freq="30min", tz="Europe/London")
    >>> volume = pd.concat([
    ...     pd.DataFrame({"interval_start": grid, "channel": "phone", "volume": 60.0}),
    ...     pd.DataFrame({"interval_start": grid, "channel": "email", "volume": 20.0})])
    >>> staffing = pd.concat([pd.DataFrame({"interval_start": grid, "group": g, "agents": n})
    ...                       for g, n in (("phone", 8), ("blend", 4))])
    >>> channels = {
    ...     "phone": SkillChannel("phone", "live", 300, patience_seconds=120),
    ...     "email": SkillChannel("email", "deferred", 600,
    ...                           tiers=(("fast", 0.5, 3600), ("slow", 0.5, 86400)))}
    >>> result = simulate_skills(
    ...     staffing, volume, {"phone": ["phone"], "blend": ["phone", "email"]}, channels,
    ...     target_seconds={"phone": 20}, replications=3, seed=1)
    >>> result.deferred[["channel", "tier"]].values.tolist()
    [['email', 'fast'], ['email', 'slow']]
    >>> result.overall["scope"].unique().tolist()
    ['live:phone', 'deferred:email/fast', 'deferred:email/slow', 'group:phone', 'group:blend']
    """
    core._check_parameters(None, 0.0, cv, replications, confidence)
    if handle_time not in ("exponential", "lognormal"):
        raise ValueError(
            f"handle_time: expected 'exponential' or 'lognormal', got {handle_time!r}"
        )
    setup = _setup(staffing, volume, groups, channels, target_seconds, routing, open_mask,
                   handle_time, cv, interval_minutes)  # fmt: skip
    rows: dict[str, list[pd.DataFrame]] = {"live": [], "deferred": [], "backlog": [], "groups": []}
    for number, rng in enumerate(core._streams(seed, replications)):
        work, tiers = _draw(setup, rng)
        run = skills.run_skills(setup.centre, work)
        for key, frame in _tally(setup, work, tiers, run).items():
            frame.insert(0, "replication", number)
            rows[key].append(frame)
    raw = {key: pd.concat(frames, ignore_index=True) for key, frames in rows.items()}
    if setup.live:
        raw["live"] = core._add_metrics(raw["live"], "offered")
        raw["live"].insert(0, "channel", raw["live"].pop("channel"))
    counts = ["arrived", "done", "outstanding_end", "judged", "within_response"]
    days = {"backlog_items": (0.0, np.inf)}
    return SkillSimulationResult(
        live=_summarise_live(setup, raw["live"], confidence),
        deferred=_summarise(raw["deferred"], ["channel", "tier"], counts, _RESPONSE, confidence),
        backlog=_summarise(raw["backlog"], ["channel", "tier", "date"], [], days, confidence),
        groups=_summarise_groups(setup, raw["groups"], confidence),
        overall=_overall(setup, raw, confidence),
        replications=raw,
        confidence=float(confidence),
    )


# --- set-up ---------------------------------------------------------------------------------


def _setup(staffing, volume, groups, channels, targets, routing, masks, handle, cv, minutes):
    chans = list(channels.values())
    named = all(isinstance(c, SkillChannel) and c.name == k for k, c in channels.items())
    if not chans or not named:
        raise ConfigError("channels: expected each channel's name mapped to its SkillChannel")
    names = [c.name for c in chans]
    group_names = [str(g) for g in groups]
    served = skills.check_groups(groups, names)
    slots = skills.slots_per_agent([c.concurrency for c in chans], served, names, group_names)
    routes = skills.routing_order(routing, names, group_names, served)
    horizon, horizons = _volumes(volume, names, minutes)
    agents, owner, staffed = _staffing(staffing, group_names, horizon, slots)
    live = [c for c, ch in enumerate(chans) if ch.kind == "live"]
    deferred = [c for c, ch in enumerate(chans) if ch.kind == "deferred"]
    open_ = _masks(masks, names, deferred, len(horizon.interval_start))
    windows = skills.open_windows(open_, horizon.interval_seconds, deferred)
    centre = Centre(
        agents=agents,
        agent_group=owner,
        group_live=tuple(tuple(c for c in s if c in live) for s in served),
        group_deferred=tuple(tuple(c for c in s if c in deferred) for s in served),
        routing=tuple(tuple(r) for r in routes),
    )
    return _Setup(
        horizon=horizon, channels=chans, live=live, deferred=deferred, horizons=horizons,
        groups=group_names, concurrency=slots,
        staffed=staffed, centre=centre, thresholds=_targets(targets, names, live, horizon),
        masks=open_, windows=windows,
        handle=[core._handle_sampler(handle, ch.aht_seconds, cv) for ch in chans],
        patience=[core._patience_sampler(ch.patience_seconds) for ch in chans],
    )  # fmt: skip


def _volumes(volume: pd.DataFrame, names: list[str], minutes: float | None):
    """The common interval grid and each channel's volume on it, checked."""
    frame = _columns(volume, ("interval_start", "channel", "volume"), "volume")
    unknown = sorted(set(frame["channel"].astype(str)) - set(names))
    if unknown:
        raise ConfigError(f"volume: unknown channel {unknown[0]!r}; channels are {names}")
    horizons = []
    for name in names:
        rows = frame[(frame["channel"].astype(str) == name).to_numpy()]
        if rows.empty:
            raise DataError(f"volume: no rows for channel {name!r}")
        try:
            horizons.append(horizon_from_forecast(rows, interval_minutes=minutes))
        except DataError as err:
            raise DataError(f"volume, channel {name!r}: {err}") from err
    grid = horizons[0].interval_start
    for h in horizons[1:]:
        grid = grid.union(h.interval_start)
    for name, h in zip(names, horizons, strict=True):
        missing = grid.difference(h.interval_start)
        if len(missing):
            raise DataError(f"volume: channel {name!r} has no row for interval_start {missing[0]}")
        if h.interval_seconds != horizons[0].interval_seconds:
            raise DataError(f"volume: channel {name!r} has intervals of another length")
    return horizons[0], horizons


def _columns(frame: pd.DataFrame, columns: tuple[str, ...], where: str) -> pd.DataFrame:
    frame = frame.reset_index() if "interval_start" not in frame.columns else frame
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)}")
    return frame


def _staffing(staffing: pd.DataFrame, names: list[str], horizon: Horizon, slots: np.ndarray):
    """Every slot's on-duty periods, its group, and agent-seconds on duty per group."""
    frame = _columns(staffing, ("interval_start", "group", "agents"), "staffing")
    unknown = sorted(set(frame["group"].astype(str)) - set(names))
    if unknown:
        raise ConfigError(f"staffing: unknown group {unknown[0]!r}; groups are {names}")
    periods = []
    for name in names:
        rows = frame[(frame["group"].astype(str) == name).to_numpy()]
        try:
            periods.append(_agents_from_intervals(rows.reset_index(drop=True), horizon))
        except DataError as err:
            raise DataError(f"staffing, group {name!r}: {err}") from err
    staffed = [overlap_by_interval(p.starts, p.ends, horizon.edges) for p in periods]
    return (*skills.slot_agents(periods, slots), np.array(staffed))


def _targets(targets, names, live, horizon) -> dict[int, np.ndarray]:
    size = len(horizon.interval_start)
    out = {c: np.full(size, np.nan) for c in live}
    grid = pd.DataFrame({"interval_start": horizon.interval_start})
    for key, value in (targets or {}).items():
        if key not in names or names.index(key) not in live:
            raise ConfigError(f"target_seconds: {key!r} is not a live channel")
        if np.ndim(value) == 0 and not (core._number(value) and np.isfinite(value) and value >= 0):
            raise ConfigError(f"target_seconds[{key!r}]: expected a finite target >= 0 [s]")
        try:
            out[names.index(key)] = core._thresholds(value, horizon, grid, None)
        except ConfigError as err:
            raise ConfigError(f"channel {key!r}: {err}") from err
    return out


def _masks(masks, names, deferred, size) -> list[np.ndarray]:
    out = [np.ones(size, dtype=bool) for _ in names]
    for key, value in (masks or {}).items():
        if key not in names or names.index(key) not in deferred:
            raise ConfigError(f"open_mask: {key!r} is not a deferred channel")
        flags = np.asarray(value)
        if flags.shape != (size,) or not np.isin(flags, [0, 1]).all():
            raise ConfigError(
                f"open_mask[{key!r}]: expected one True/False per interval ({size}), got "
                f"shape {flags.shape}"
            )
        out[names.index(key)] = flags.astype(bool)
    return out


# --- one replication ------------------------------------------------------------------------


def _draw(setup: _Setup, rng: np.random.Generator) -> tuple[Work, np.ndarray]:
    """Live draws as :func:`staffing.simulate.simulate`; deferred ones from a child stream."""
    live, items = [], []
    for c in setup.live:
        times = core._poisson_arrivals(setup.horizons[c], rng)
        handle = setup.handle[c](rng, len(times))
        patience = setup.patience[c](rng, len(times))
        live.append((np.full(len(times), c), times, handle, times + patience))
    child = rng.spawn(1)[0] if setup.deferred else rng
    for c in setup.deferred:
        channel, seconds = setup.channels[c], setup.horizon.interval_seconds
        times = core._poisson_arrivals(setup.horizons[c], child)
        shares = np.cumsum([t[1] for t in channel.tiers])[:-1]
        tier = np.searchsorted(shares, child.random(len(times)), side="right")
        work = setup.handle[c](child, len(times))
        response = np.array([t[2] for t in channel.tiers], dtype=float)[tier]
        business = channel.response_clock == "business"
        due = skills.business_due(times, response, setup.masks[c], seconds) if business else None
        items.append(
            (np.full(len(times), c), times, work, times + response if due is None else due, tier)
        )
    live_parts = [np.concatenate([p[k] for p in live] + [[]]) for k in range(4)]
    item_parts = [np.concatenate([p[k] for p in items] + [[]]) for k in range(5)]
    work = Work(
        live_parts[0].astype(int), *live_parts[1:], item_parts[0].astype(int), *item_parts[1:4],
        *setup.windows,
    )  # fmt: skip
    return work, item_parts[4].astype(int)


def _tally(setup: _Setup, work: Work, tiers: np.ndarray, run: SkillRun) -> dict[str, pd.DataFrame]:
    """Per-interval rows of each live channel and group, per-tier rows of deferred work."""
    h = setup.horizon
    times = skills.group_times(run, work, setup.centre.agent_group, len(setup.groups), h.edges)
    working = setup.concurrency[:, None] * setup.staffed + times[2]
    live = [_live_frame(setup, c, work, run, times, working) for c in setup.live]
    staffed = setup.staffed > 0
    busy = np.where(staffed, times[0] + times[1], 0.0)
    occupancy = np.clip(core._ratio(busy, np.where(staffed, working, 0.0)), 0.0, 1.0)
    groups = [
        pd.DataFrame({
            "group": name, "interval_start": h.interval_start,
            "busy_live_seconds": times[0][g], "busy_deferred_seconds": times[1][g],
            "working_seconds": working[g], "staffed_seconds": setup.staffed[g],
            "occupancy": occupancy[g],
        })
        for g, name in enumerate(setup.groups)
    ]  # fmt: skip
    deferred, backlog = _deferred_frames(setup, work, tiers, run)
    return {
        "live": pd.concat(live, ignore_index=True) if live else pd.DataFrame(),
        "deferred": deferred,
        "backlog": backlog,
        "groups": pd.concat(groups, ignore_index=True),
    }


def _live_frame(setup, c, work, run, times, working) -> pd.DataFrame:
    """The rows of :func:`staffing.simulate.core._tally` for one live channel."""
    h, serving = setup.horizon, sorted(setup.centre.routing[c])
    rows = work.live_channel == c
    arrival, outcome, wait = work.live_arrival[rows], run.outcome[rows], run.wait[rows]
    size = len(h.interval_start)
    index = np.minimum((arrival // h.interval_seconds).astype(int), size - 1)
    thresholds = setup.thresholds[c]
    answered, abandoned = outcome == ANSWERED, outcome == ABANDONED
    in_time = wait <= thresholds[index]

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(index[mask], weights=w, minlength=size)

    return pd.DataFrame(
        {
            "channel": setup.channels[c].name,
            "interval_start": h.interval_start,
            "offered": np.bincount(index, minlength=size),
            "answered": count(answered).astype(int),
            "abandoned": count(abandoned).astype(int),
            "unserved": count(outcome == UNSERVED).astype(int),
            "target_seconds": thresholds,
            "answered_within_target": count(answered & in_time).astype(int),
            "abandoned_within_target": count(abandoned & in_time).astype(int),
            "wait_answered_seconds": count(answered, wait),
            "busy_seconds": sum(times[0][g] + times[1][g] for g in serving),
            "working_seconds": sum(working[g] for g in serving),
            "staffed_seconds": sum(setup.staffed[g] for g in serving),
        }
    )


def _deferred_frames(setup, work, tiers, run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per tier: counts of items and the backlog at the end of each local day."""
    h, finish = setup.horizon, run.finish
    end = h.edges[-1]
    outstanding = finish > end
    outstanding[run.left] = True
    done, judged = finish <= end, work.item_due <= end
    flags = {
        "arrived": np.ones(len(finish), dtype=bool), "done": done,
        "outstanding_end": outstanding, "judged": judged,
        "within_response": judged & (finish <= work.item_due),
    }  # fmt: skip
    response = np.where(done, finish - work.item_arrival, 0.0)
    dates = pd.Index(h.interval_start.date)
    last = np.flatnonzero(np.append(dates[1:] != dates[:-1], True))
    rows, backlog = [], []
    for c in setup.deferred:
        name = setup.channels[c].name
        for k, tier in enumerate(setup.channels[c].tiers):
            m = (work.item_channel == c) & (tiers == k)
            counts = {key: int(flag[m].sum()) for key, flag in flags.items()}
            rows.append({"channel": name, "tier": tier[0], **counts,
                         "response_seconds": float(response[m].sum())})  # fmt: skip
            arrived = np.searchsorted(np.sort(work.item_arrival[m]), h.edges[last + 1])
            gone = np.searchsorted(np.sort(finish[m]), h.edges[last + 1], side="right")
            backlog.append(pd.DataFrame({"channel": name, "tier": tier[0], "date": dates[last],
                                         "backlog_items": arrived - gone}))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["channel", "tier", *flags, "response_seconds"])
    frame["share_within_response"] = core._ratio(frame["within_response"], frame["judged"])
    frame["mean_response_seconds"] = core._ratio(frame["response_seconds"], frame["done"])
    empty = pd.DataFrame(columns=["channel", "tier", "date", "backlog_items"])
    return frame, pd.concat(backlog, ignore_index=True) if backlog else empty


# --- summaries ------------------------------------------------------------------------------


def _summarise_live(setup: _Setup, raw: pd.DataFrame, confidence: float) -> pd.DataFrame:
    frames = []
    for c in setup.live:
        name = setup.channels[c].name
        part = raw[raw["channel"] == name].drop(columns="channel").reset_index(drop=True)
        staffed = sum(setup.staffed[g] for g in sorted(setup.centre.routing[c]))
        frame = core._summarise_intervals(part, setup.horizon, staffed, confidence)
        frame.insert(0, "channel", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


_RESPONSE = {"share_within_response": (0.0, 1.0), "mean_response_seconds": (0.0, np.inf)}


def _summarise(raw: pd.DataFrame, keys: list[str], means: list[str], metrics: dict,
               confidence: float) -> pd.DataFrame:  # fmt: skip
    """Per cell (``keys``): replication means of ``means``, mean and CI of each metric.

    ``raw`` holds the same cells in the same order for every replication.
    """
    out = raw.groupby(keys, sort=False)[means].mean().reset_index()
    for metric, bounds in metrics.items():
        values = raw[metric].to_numpy(float)
        table = values.reshape(-1, len(out)) if len(out) else values.reshape(0, 0)
        summary = [core._mean_ci(column, confidence, bounds) for column in table.T]
        out[[metric, f"{metric}_ci_low", f"{metric}_ci_high"]] = np.array(summary).reshape(-1, 3)
    return out


def _summarise_groups(setup: _Setup, raw: pd.DataFrame, confidence: float) -> pd.DataFrame:
    busy = ["busy_live_seconds", "busy_deferred_seconds"]
    out = _summarise(raw, ["group", "interval_start"], [*busy, "staffed_seconds"],
                     {"occupancy": (0.0, 1.0)}, confidence)  # fmt: skip
    live, deferred = out.pop(busy[0]).to_numpy(), out.pop(busy[1]).to_numpy()
    out.insert(2, "agents", out.pop("staffed_seconds") / setup.horizon.interval_seconds)
    out["live_share"] = core._ratio(live, live + deferred)
    out["deferred_share"] = core._ratio(deferred, live + deferred)
    return out


def _overall(setup: _Setup, raw: dict[str, pd.DataFrame], confidence: float) -> pd.DataFrame:
    rows = []
    for c in setup.live:
        name = setup.channels[c].name
        part = raw["live"][raw["live"]["channel"] == name].drop(columns="channel")
        for row in core._summarise_overall(part, "offered", confidence).itertuples(index=False):
            rows.append((f"live:{name}", *row))
    for (channel, tier), part in raw["deferred"].groupby(["channel", "tier"], sort=False):
        for metric, bounds in _RESPONSE.items():
            summary = core._mean_ci(part[metric].to_numpy(float), confidence, bounds)
            rows.append((f"deferred:{channel}/{tier}", metric, *summary))
    groups = raw["groups"]
    size = len(setup.horizon.interval_start)
    for name in setup.groups:
        part = groups[groups["group"] == name]
        staffed = part["staffed_seconds"].to_numpy(float).reshape(-1, size) > 0
        busy = part["busy_live_seconds"].to_numpy(float) + part["busy_deferred_seconds"]
        working = part["working_seconds"].to_numpy(float).reshape(-1, size)
        busy = np.where(staffed, np.asarray(busy, float).reshape(-1, size), 0.0).sum(axis=1)
        occupancy = np.clip(core._ratio(busy, np.where(staffed, working, 0.0).sum(1)), 0, 1)
        summary = core._mean_ci(occupancy, confidence, (0.0, 1.0))
        rows.append((f"group:{name}", "occupancy", *summary))
    return pd.DataFrame(rows, columns=["scope", "metric", "mean", "ci_low", "ci_high"])
