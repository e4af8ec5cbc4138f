"""The event loop of the multi-skill simulation: skill groups, live queues, deferred backlogs.

Time is a float in seconds from the start of the horizon. Agents (or, for a chat group, the
slots of its agents) belong to skill groups; a group serves an ordered list of channels. Live
contacts (voice, chat) wait first come, first served in their channel's queue and abandon when
their patience runs out before an agent starts them. Deferred items (e-mail, tickets) wait in
their channel's backlog and are served earliest deadline first, only while the channel is open.

On-duty rules are those of :func:`staffing.simulate._engine.run_queue`: an agent may *start*
work only while on duty; work in hand is finished past the end of a period (the overrun), and
the next period starts at its scheduled start or when the work ends, whichever is later.
Routing:

* A live arrival goes to the longest-idle agent (ties: lowest index) of the first group of its
  routing with an idle agent. With no agent idle, it pre-empts an on-duty agent of a serving
  group (same order) working a deferred item: the agent who started that item last. The item
  goes back to its backlog with its remaining work and deadline (preemptive resume: any agent
  may finish it). Else the contact joins its channel's queue.
* An agent who becomes free (end of work, start of a period) takes the first waiting contact of
  its live channels in the group's priority order; else the deferred item with the earliest
  deadline among its open deferred channels; else it becomes idle.
* A deferred item arriving (or pre-empted, or waiting when its channel opens) goes at once to
  the longest-idle agent of its serving groups in routing order.

Events: a pre-sorted timeline (period ends and starts, channels closing and opening, arrivals;
at equal times in that order, then by agent or channel) merged with a heap of work completions
(first at equal times). Abandonment is lazy: an agent drops contacts whose patience ran out.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from staffing.errors import ConfigError
from staffing.queueing import MAX_AHT_SECONDS, MAX_PATIENCE_SECONDS
from staffing.simulate import _engine
from staffing.simulate._engine import Agents, _overrun, overlap_by_interval

ANSWERED, ABANDONED, UNSERVED = _engine.ANSWERED, _engine.ABANDONED, _engine.UNSERVED

__all__ = ["Centre", "SkillRun", "Work", "business_due", "open_windows", "run_skills"]

# timeline kinds, in their order at equal times
_OFF, _CLOSE, _ON, _OPEN, _LIVE, _DEFERRED = range(6)
# agent states
_AWAY, _IDLE, _BUSY_LIVE, _BUSY_DEFERRED = range(4)


@dataclass(frozen=True)
class Centre:
    """Who serves what.

    ``agents`` holds the on-duty periods of every agent (one entry per slot for a chat group)
    [s]; ``agent_group`` the group index of each. ``group_live[g]`` and ``group_deferred[g]``
    are the live and deferred channel indices group ``g`` serves, in its priority order;
    ``routing[c]`` the groups serving channel ``c`` in the order they are offered its work.
    """

    agents: Agents
    agent_group: np.ndarray
    group_live: tuple[tuple[int, ...], ...]
    group_deferred: tuple[tuple[int, ...], ...]
    routing: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Work:
    """The work of one replication [s from the start of the horizon].

    Live contacts: ``live_channel``, ``live_arrival``, ``live_handle`` and ``live_deadline``
    (arrival + patience; ``inf``: never abandons). Deferred items: ``item_channel``,
    ``item_arrival``, ``item_work`` and ``item_due`` (its response deadline). ``open_channel``,
    ``open_starts`` and ``open_ends``: windows in which deferred channels may be started.
    """

    live_channel: np.ndarray
    live_arrival: np.ndarray
    live_handle: np.ndarray
    live_deadline: np.ndarray
    item_channel: np.ndarray
    item_arrival: np.ndarray
    item_work: np.ndarray
    item_due: np.ndarray
    open_channel: np.ndarray
    open_starts: np.ndarray
    open_ends: np.ndarray


@dataclass(frozen=True)
class SkillRun:
    """What happened in one replication.

    Live contacts: ``outcome`` (:data:`ANSWERED`, :data:`ABANDONED`, :data:`UNSERVED`),
    ``wait`` (until answer or abandonment [s], NaN if unserved), ``end`` of service [s] (NaN
    unless answered) and ``agent`` (-1 unless answered). Deferred items: ``finish`` [s] (NaN
    unless completed) and ``left``, the items still in a backlog at the end of the run.
    ``piece_*``: every stretch of deferred work (an item is split by pre-emption).
    ``overrun_*``: stretches agents spent finishing work outside their periods.
    ``preemptions``: live contacts that interrupted a deferred item.
    """

    outcome: np.ndarray
    wait: np.ndarray
    end: np.ndarray
    agent: np.ndarray
    finish: np.ndarray
    left: np.ndarray
    piece_start: np.ndarray
    piece_end: np.ndarray
    piece_agent: np.ndarray
    piece_item: np.ndarray
    overrun_start: np.ndarray
    overrun_end: np.ndarray
    overrun_agent: np.ndarray
    preemptions: int


def run_skills(centre: Centre, work: Work) -> SkillRun:
    """Run one replication of the multi-skill centre (see the module docstring for the rules)."""
    return _Loop(centre, work).run()


def open_windows(
    masks: list[np.ndarray], interval_seconds: float, channels: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Channel, start and end [s] of each run of consecutive open intervals of the boolean
    masks of ``channels``.

    Examples
    --------
    >>> open_windows([np.array([True, True, False, True])], 60.0, [0])
    (array([0, 0]), array([  0., 180.]), array([120., 240.]))
    """
    flags = [np.diff(np.concatenate([[0], np.asarray(masks[c], int), [0]])) for c in channels]
    owner = [np.full(np.count_nonzero(f == 1), c) for c, f in zip(channels, flags, strict=True)]
    starts = [np.flatnonzero(f == 1) * float(interval_seconds) for f in flags]
    ends = [np.flatnonzero(f == -1) * float(interval_seconds) for f in flags]
    return (
        np.concatenate([*owner, np.zeros(0, dtype=int)]),
        np.concatenate([*starts, np.zeros(0)]),
        np.concatenate([*ends, np.zeros(0)]),
    )


def business_due(
    arrival: np.ndarray, response: np.ndarray, mask: np.ndarray, interval_seconds: float
) -> np.ndarray:
    """Deadlines [s] when the response clock runs only in the open intervals of ``mask``.

    The deadline is the first moment at which the open time elapsed since ``arrival`` reaches
    ``response`` [s]. Past the end of the horizon the clock runs continuously (such deadlines
    fall after the horizon, so their items are not judged).

    Examples
    --------
    Intervals of 100 s: open, closed, open. An item arriving at 50 s with 100 s to answer
    uses 50 s of the first interval and 50 s of the third.

    >>> business_due(np.array([50.0, 150.0]), np.array([100.0, 30.0]),
    ...              np.array([True, False, True]), 100.0)
    array([250., 230.])
    """
    arrival = np.asarray(arrival, dtype=float)
    open_ = np.asarray(mask, dtype=bool)
    length = float(interval_seconds)
    cumulative = np.concatenate([[0.0], np.cumsum(open_ * length)])
    size = len(open_)
    k = np.clip((arrival // length).astype(int), 0, size - 1)
    inside = np.clip(arrival - k * length, 0.0, length)
    target = cumulative[k] + open_[k] * inside + np.asarray(response, dtype=float)
    j = np.clip(np.searchsorted(cumulative, target, side="left") - 1, 0, size - 1)
    inside_horizon = j * length + target - cumulative[j]
    due = np.where(
        target > cumulative[-1], size * length + target - cumulative[-1], inside_horizon
    )
    return np.maximum(due, arrival)


def channel_problem(
    kind: str, aht: float, patience: float | None, concurrency: int, tiers: tuple, clock: str
) -> str | None:
    """What is wrong with a channel's settings (see ``SkillChannel``), or None."""
    live = kind == "live"
    whole = isinstance(concurrency, int | np.integer) and not isinstance(concurrency, bool)
    problems = [
        (kind in ("live", "deferred"), f"kind: expected 'live' or 'deferred', got {kind!r}"),
        (_number(aht) and 0 < aht <= MAX_AHT_SECONDS,
         f"aht_seconds: expected > 0 and at most {MAX_AHT_SECONDS:g} [s], got {aht!r}"),
        (patience is None or (_number(patience) and 0 < patience <= MAX_PATIENCE_SECONDS),
         f"patience_seconds: expected > 0 and at most {MAX_PATIENCE_SECONDS:g} [s] or None"),
        (whole and concurrency >= 1, f"concurrency: expected a whole number >= 1, got "
                                     f"{concurrency!r}"),
        (clock in ("calendar", "business"), "response_clock: expected 'calendar' or 'business'"),
        (live or (patience is None and concurrency == 1),
         "patience_seconds and concurrency apply to live channels only"),
        (not (live and tiers), "tiers apply to deferred channels only"),
        (live or len(tiers) > 0, "tiers: a deferred channel needs at least one tier"),
    ]  # fmt: skip
    for tier in () if live else tiers:
        shape = isinstance(tier, tuple | list) and len(tier) == 3
        ok = shape and _number(tier[1]) and 0 < tier[1] <= 1 and _number(tier[2]) and tier[2] > 0
        problems.append((ok and tier[2] < np.inf, f"tiers: expected (name, share in (0, 1], "
                         f"response_seconds > 0), got {tier!r}"))  # fmt: skip
    for ok, message in problems:
        if not ok:
            return message
    names, total = [str(t[0]) for t in tiers], sum(float(t[1]) for t in tiers)
    if len(set(names)) < len(names):
        return f"tiers: names must differ, got {names}"
    return (
        None if live or abs(total - 1) <= 1e-9 else f"tiers: shares must sum to 1, got {total:g}"
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def check_groups(groups: Mapping[str, Sequence[str]], names: list[str]) -> list[list[int]]:
    """Indices of the channels each group serves, in its priority order (checked)."""
    if not groups:
        raise ConfigError("groups: expected at least one group")
    served = []
    for group, chans in groups.items():
        chans = [chans] if isinstance(chans, str) else list(chans)
        if not chans:
            raise ConfigError(f"groups: group {group!r} serves no channel")
        unknown = [c for c in chans if c not in names]
        if unknown:
            raise ConfigError(
                f"groups: group {group!r} serves unknown channel {unknown[0]!r}; channels are "
                f"{', '.join(names)}"
            )
        if len(set(chans)) < len(chans):
            raise ConfigError(f"groups: group {group!r} lists a channel twice: {chans}")
        served.append([names.index(c) for c in chans])
    for c, name in enumerate(names):
        if not any(c in s for s in served):
            raise ConfigError(f"groups: no group serves channel {name!r}")
    return served


def slots_per_agent(
    concurrency: list[int], served: list[list[int]], names: list[str], groups: list[str]
) -> np.ndarray:
    """Slots per agent of each group: a channel's concurrency in groups serving it alone."""
    slots = np.ones(len(served), dtype=int)
    for g, chans in enumerate(served):
        for c in chans:
            if concurrency[c] > 1 and len(chans) > 1:
                raise ConfigError(
                    f"groups: group {groups[g]!r} serves channel {names[c]!r} (concurrency "
                    f"{concurrency[c]}) and other channels; a channel with concurrency > 1 "
                    "must be served by groups that serve it alone"
                )
            slots[g] = concurrency[c]
    return slots


def routing_order(
    routing: Mapping[str, Sequence[str]] | None,
    names: list[str],
    groups: list[str],
    served: list[list[int]],
) -> list[list[int]]:
    """Groups serving each channel in the order offered its work (default: fewest channels
    first, then the order of the groups)."""
    serving = [[g for g, s in enumerate(served) if c in s] for c in range(len(names))]
    routes = [sorted(gs, key=lambda g: (len(served[g]), g)) for gs in serving]
    for key, order in (routing or {}).items():
        if key not in names:
            raise ConfigError(f"routing: unknown channel {key!r}; channels are {', '.join(names)}")
        order = [order] if isinstance(order, str) else list(order)
        c = names.index(key)
        expected = sorted(groups[g] for g in serving[c])
        if sorted(order) != expected:
            raise ConfigError(
                f"routing[{key!r}]: expected each group serving {key!r} once "
                f"({', '.join(expected)}), got {order}"
            )
        routes[c] = [groups.index(g) for g in order]
    return routes


def slot_agents(periods: list[Agents], slots: np.ndarray) -> tuple[Agents, np.ndarray]:
    """Every group's agents as slots (``slots[g]`` per agent) in one :class:`Agents`; each
    slot's group index."""
    starts, ends, owner = [], [], []
    for g, agents in enumerate(periods):
        for j in range(agents.count):
            lo, hi = agents.offsets[j], agents.offsets[j + 1]
            starts += [agents.starts[lo:hi]] * int(slots[g])
            ends += [agents.ends[lo:hi]] * int(slots[g])
            owner += [g] * int(slots[g])
    sizes = [len(s) for s in starts]
    offsets = np.concatenate([[0], np.cumsum(sizes, dtype=int)]).astype(int)
    flat = Agents(np.concatenate([*starts, []]), np.concatenate([*ends, []]), offsets)
    return flat, np.array(owner, dtype=int)


def group_times(
    run: SkillRun, work: Work, agent_group: np.ndarray, groups: int, edges: np.ndarray
) -> np.ndarray:
    """Busy time on live work, on deferred work and overrun time of each group per interval.

    Returns an array ``(3, groups, intervals)`` [slot-seconds]. A live contact is busy from
    ``arrival + wait`` to ``end``, as in :func:`staffing.simulate.core._tally`.
    """
    answered = run.outcome == ANSWERED
    owner = np.full(len(answered), -1)
    owner[answered] = agent_group[run.agent[answered]]
    start = work.live_arrival + run.wait
    piece_owner, over_owner = agent_group[run.piece_agent], agent_group[run.overrun_agent]
    out = np.zeros((3, groups, len(edges) - 1))
    for g in range(groups):
        live, piece, over = owner == g, piece_owner == g, over_owner == g
        out[0, g] = overlap_by_interval(start[live], run.end[live], edges)
        out[1, g] = overlap_by_interval(run.piece_start[piece], run.piece_end[piece], edges)
        out[2, g] = overlap_by_interval(run.overrun_start[over], run.overrun_end[over], edges)
    return out


class _Loop:
    """State of one run; each handler is one kind of event."""

    def __init__(self, centre: Centre, work: Work) -> None:
        agents = centre.agents
        count = agents.count
        self.centre = centre
        self.work = work
        self.starts = agents.starts.tolist()
        self.ends = agents.ends.tolist()
        self.limit = agents.offsets[1:].tolist()
        self.group = np.asarray(centre.agent_group, dtype=int).tolist()
        self.glive = centre.group_live
        self.gdeferred = centre.group_deferred
        self.routing = centre.routing
        self.state, self.token, self.on = [_AWAY] * count, [0] * count, [False] * count
        self.job, self.job_start, self.job_end = [-1] * count, [0.0] * count, [0.0] * count
        self.job_period, self.period = [0] * count, [0] * count
        groups = len(centre.group_live)
        self.idle: list[deque] = [deque() for _ in range(groups)]
        self.deferring: list[dict[int, None]] = [{} for _ in range(groups)]
        channels = len(centre.routing)
        self.queue: list[deque] = [deque() for _ in range(channels)]
        self.backlog: list[list[tuple[float, int]]] = [[] for _ in range(channels)]
        self.open = [False] * channels
        self.heap: list[tuple[float, int, int]] = []
        self.arrival = work.live_arrival.tolist()
        self.handle = work.live_handle.tolist()
        self.deadline = work.live_deadline.tolist()
        n = len(self.arrival)
        self.outcome, self.served_by = [UNSERVED] * n, [-1] * n
        self.wait, self.end = [math.nan] * n, [math.nan] * n
        self.remaining = work.item_work.tolist()
        self.due = work.item_due.tolist()
        self.item_channel = work.item_channel.tolist()
        self.finish = [math.nan] * len(self.due)
        self.pieces: tuple[list[float], list[float], list[int], list[int]] = ([], [], [], [])
        self.overruns: tuple[list[float], list[float], list[int]] = ([], [], [])
        self.preemptions = 0

    def timeline(self) -> tuple[list[float], list[int], list[int], list[int]]:
        """Everything known in advance, sorted by time, kind, agent or channel, index."""
        agents, work = self.centre.agents, self.work
        owner = np.repeat(np.arange(agents.count), np.diff(agents.offsets))
        period = np.arange(len(agents.starts))
        parts = [
            (agents.ends, _OFF, owner, period),
            (work.open_ends, _CLOSE, work.open_channel, np.zeros(len(work.open_ends), int)),
            (agents.starts, _ON, owner, period),
            (work.open_starts, _OPEN, work.open_channel, np.zeros(len(work.open_starts), int)),
            (work.live_arrival, _LIVE, work.live_channel, np.arange(len(work.live_arrival))),
            (work.item_arrival, _DEFERRED, work.item_channel, np.arange(len(work.item_arrival))),
        ]
        time = np.concatenate([np.asarray(p[0], dtype=float) for p in parts])
        kind = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
        who = np.concatenate([np.asarray(p[2], dtype=int) for p in parts])
        index = np.concatenate([np.asarray(p[3], dtype=int) for p in parts])
        order = np.lexsort((index, who, kind, time))
        return (
            time[order].tolist(),
            kind[order].tolist(),
            who[order].tolist(),
            index[order].tolist(),
        )

    def run(self) -> SkillRun:
        times, kinds, who, index = self.timeline()
        heap = self.heap
        token = self.token
        n = len(times)
        i = 0
        while i < n or heap:
            if heap and (i == n or heap[0][0] <= times[i]):
                t, agent, tk = heapq.heappop(heap)
                if tk == token[agent]:
                    self.complete(agent, t)
                continue
            t, kind, x, y = times[i], kinds[i], who[i], index[i]
            i += 1
            if kind == _LIVE:
                self.live(x, y, t)
            elif kind == _DEFERRED:
                self.deferred(x, y, t)
            elif kind == _ON:
                self.duty_on(x, y, t)
            elif kind == _OFF:
                self.duty_off(x)
            elif kind == _OPEN:
                self.open[x] = True
                self.dispatch(x, t)
            else:
                self.open[x] = False
        return self.result()

    # --- agents ---------------------------------------------------------------------------

    def duty_on(self, agent: int, k: int, t: float) -> None:
        self.on[agent] = True
        self.period[agent] = k
        state = self.state[agent]
        if state == _AWAY:
            self.free(agent, t)
        elif state == _BUSY_DEFERRED:
            self.deferring[self.group[agent]][agent] = None

    def duty_off(self, agent: int) -> None:
        self.on[agent] = False
        state = self.state[agent]
        if state == _IDLE:
            self.state[agent] = _AWAY
            self.token[agent] += 1
        elif state == _BUSY_DEFERRED:
            self.deferring[self.group[agent]].pop(agent, None)

    def complete(self, agent: int, t: float) -> None:
        """The agent's work ends at ``t``: record it, then find the next work or rest."""
        if self.state[agent] == _BUSY_DEFERRED:
            item = self.job[agent]
            self.finish[item] = t
            self.record_piece(agent, item, t)
            self.deferring[self.group[agent]].pop(agent, None)
        k = self.job_period[agent]
        if t > self.ends[k]:
            self.record_overrun(agent, k, t)
        if self.on[agent] and t < self.ends[self.period[agent]]:
            self.free(agent, t)
        else:
            self.state[agent] = _AWAY
            self.token[agent] += 1

    def free(self, agent: int, t: float) -> None:
        """An on-duty agent without work at ``t``: live first, then deferred, else idle."""
        g = self.group[agent]
        deadline = self.deadline
        for channel in self.glive[g]:
            queue = self.queue[channel]
            while queue:
                contact = queue.popleft()
                if deadline[contact] < t:
                    self.outcome[contact] = ABANDONED
                    self.wait[contact] = deadline[contact] - self.arrival[contact]
                    continue
                self.start_live(agent, contact, t)
                return
        best = None
        for channel in self.gdeferred[g]:
            backlog = self.backlog[channel]
            if backlog and self.open[channel] and (best is None or backlog[0] < best[0]):
                best = backlog
        if best is not None:
            self.start_deferred(agent, heapq.heappop(best)[1], t)
            return
        self.state[agent] = _IDLE
        self.token[agent] += 1
        self.idle[g].append((agent, self.token[agent]))

    def start_live(self, agent: int, contact: int, t: float) -> None:
        finish = t + self.handle[contact]
        self.outcome[contact] = ANSWERED
        self.wait[contact] = t - self.arrival[contact]
        self.end[contact] = finish
        self.served_by[contact] = agent
        self.begin(agent, _BUSY_LIVE, contact, t, finish)

    def start_deferred(self, agent: int, item: int, t: float) -> None:
        self.begin(agent, _BUSY_DEFERRED, item, t, t + self.remaining[item])
        self.deferring[self.group[agent]][agent] = None

    def begin(self, agent: int, state: int, job: int, t: float, finish: float) -> None:
        self.state[agent] = state
        self.job[agent] = job
        self.job_start[agent] = t
        self.job_end[agent] = finish
        self.job_period[agent] = self.period[agent]
        self.token[agent] += 1
        heapq.heappush(self.heap, (finish, agent, self.token[agent]))

    def take_idle(self, g: int) -> int:
        """Pop the longest-idle agent of group ``g`` (-1 when none), dropping stale entries."""
        idle, token = self.idle[g], self.token
        while idle:
            agent, tk = idle.popleft()
            if tk == token[agent]:
                return agent
        return -1

    # --- work -----------------------------------------------------------------------------

    def live(self, channel: int, contact: int, t: float) -> None:
        route = self.routing[channel]
        for g in route:
            agent = self.take_idle(g)
            if agent >= 0:
                self.start_live(agent, contact, t)
                return
        for g in route:
            deferring = self.deferring[g]
            if deferring:
                agent = next(reversed(deferring))
                item = self.preempt(agent, t)
                self.start_live(agent, contact, t)
                self.dispatch(self.item_channel[item], t)
                return
        self.queue[channel].append(contact)

    def preempt(self, agent: int, t: float) -> int:
        """Interrupt the agent's deferred item at ``t``; put it back with its remaining work."""
        item = self.job[agent]
        self.remaining[item] = self.job_end[agent] - t
        self.record_piece(agent, item, t)
        self.deferring[self.group[agent]].pop(agent)
        heapq.heappush(self.backlog[self.item_channel[item]], (self.due[item], item))
        self.preemptions += 1
        return item

    def deferred(self, channel: int, item: int, t: float) -> None:
        heapq.heappush(self.backlog[channel], (self.due[item], item))
        self.dispatch(channel, t)

    def dispatch(self, channel: int, t: float) -> None:
        """Give waiting items of an open channel to idle agents of its groups, in order."""
        backlog = self.backlog[channel]
        for g in self.routing[channel] if self.open[channel] else ():
            while backlog:
                agent = self.take_idle(g)
                if agent < 0:
                    break
                self.free(agent, t)
            if not backlog:
                return

    # --- records --------------------------------------------------------------------------

    def record_piece(self, agent: int, item: int, t: float) -> None:
        for values, value in zip(
            self.pieces, (self.job_start[agent], t, agent, item), strict=True
        ):
            values.append(value)

    def record_overrun(self, agent: int, k: int, t: float) -> None:
        starts, ends, agents = self.overruns
        before = len(starts)
        _overrun(t, k, self.starts, self.ends, self.limit[agent], starts, ends)
        agents.extend([agent] * (len(starts) - before))

    def result(self) -> SkillRun:
        for queue in self.queue:
            for contact in queue:
                if self.outcome[contact] == UNSERVED and self.deadline[contact] < math.inf:
                    self.outcome[contact] = ABANDONED
                    self.wait[contact] = self.deadline[contact] - self.arrival[contact]
        left = [item for backlog in self.backlog for _, item in backlog]
        return SkillRun(
            outcome=np.array(self.outcome, dtype=np.int8),
            wait=np.array(self.wait, dtype=float),
            end=np.array(self.end, dtype=float),
            agent=np.array(self.served_by, dtype=int),
            finish=np.array(self.finish, dtype=float),
            left=np.array(left, dtype=int),
            piece_start=np.array(self.pieces[0], dtype=float),
            piece_end=np.array(self.pieces[1], dtype=float),
            piece_agent=np.array(self.pieces[2], dtype=int),
            piece_item=np.array(self.pieces[3], dtype=int),
            overrun_start=np.array(self.overruns[0], dtype=float),
            overrun_end=np.array(self.overruns[1], dtype=float),
            overrun_agent=np.array(self.overruns[2], dtype=int),
            preemptions=self.preemptions,
        )
