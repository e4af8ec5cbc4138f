"""The event loop: a first-come-first-served multi-agent queue with abandonment and shifts.

Time is a float in seconds from the start of the horizon. Every agent owns a sorted list of
non-overlapping on-duty periods ``[start, end)``. An agent may *start* a contact only while on
duty; a contact in hand is always finished, even past the end of the period (the overrun). The
agent's next period then begins when the contact ends or at its scheduled start, whichever is
later: a break is shortened by the overrun, never moved.

Under FCFS the start times of the answered contacts do not decrease in arrival order, so the
contacts can be processed one by one in arrival order with a heap of the agents' next possible
start times (the multi-server Lindley recursion). A contact whose start would come after its
patience runs out abandons and does not take the agent. When several agents are idle, the one
idle longest takes the contact (ties: lowest agent index).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

#: Outcome codes of :func:`run_queue`.
ANSWERED, ABANDONED, UNSERVED = 0, 1, 2


@dataclass(frozen=True)
class Agents:
    """On-duty periods of every agent, stored flat.

    Agent ``j`` owns the periods ``offsets[j]:offsets[j + 1]`` of ``starts`` and ``ends``
    [s from the start of the horizon], sorted and non-overlapping.
    """

    starts: np.ndarray
    ends: np.ndarray
    offsets: np.ndarray

    @property
    def count(self) -> int:
        """Number of agents."""
        return len(self.offsets) - 1


@dataclass(frozen=True)
class QueueRun:
    """What happened to each contact of one replication.

    ``outcome`` holds :data:`ANSWERED`, :data:`ABANDONED` or :data:`UNSERVED` per contact,
    ``wait`` the wait of answered contacts and the time to abandon of abandoned ones [s] (NaN for
    unserved), ``end`` the end of service [s] (NaN unless answered). ``overrun_starts`` and
    ``overrun_ends`` are the stretches agents spent finishing a contact outside their periods.
    """

    outcome: np.ndarray
    wait: np.ndarray
    end: np.ndarray
    overrun_starts: np.ndarray
    overrun_ends: np.ndarray


def run_queue(
    arrivals: np.ndarray, handle: np.ndarray, patience: np.ndarray, agents: Agents
) -> QueueRun:
    """Serve contacts first come, first served by agents who come and go with their periods.

    ``arrivals`` must be sorted [s]; ``handle`` and ``patience`` have one value per contact [s]
    (``inf`` patience: the contact never abandons).
    """
    starts = agents.starts.tolist()
    ends = agents.ends.tolist()
    limit = agents.offsets[1:].tolist()
    pointer = agents.offsets[:-1].tolist()
    heap = [(starts[pointer[j]], j) for j in range(agents.count) if pointer[j] < limit[j]]
    heapq.heapify(heap)
    n = len(arrivals)
    outcome = [UNSERVED] * n
    wait = [math.nan] * n
    end = [math.nan] * n
    over_starts: list[float] = []
    over_ends: list[float] = []
    inf = math.inf
    for i, (arrival, duration, deadline) in enumerate(
        zip(arrivals.tolist(), handle.tolist(), (arrivals + patience).tolist(), strict=True)
    ):
        key, agent = _next_agent(heap, arrival, starts, ends, limit, pointer)
        start = key if key > arrival else arrival
        if start > deadline or start == inf:
            if start > deadline:
                outcome[i] = ABANDONED
                wait[i] = deadline - arrival
            if agent >= 0:
                heapq.heappush(heap, (key, agent))
            continue
        finish = start + duration
        outcome[i] = ANSWERED
        wait[i] = start - arrival
        end[i] = finish
        k = pointer[agent]
        if finish > ends[k]:
            _overrun(finish, k, starts, ends, limit[agent], over_starts, over_ends)
        while k < limit[agent] and ends[k] <= finish:
            k += 1
        pointer[agent] = k
        if k < limit[agent]:
            heapq.heappush(heap, (max(starts[k], finish), agent))
    return QueueRun(
        outcome=np.array(outcome, dtype=np.int8),
        wait=np.array(wait, dtype=float),
        end=np.array(end, dtype=float),
        overrun_starts=np.array(over_starts, dtype=float),
        overrun_ends=np.array(over_ends, dtype=float),
    )


def _next_agent(
    heap: list[tuple[float, int]],
    arrival: float,
    starts: list[float],
    ends: list[float],
    limit: list[int],
    pointer: list[int],
) -> tuple[float, int]:
    """Pop the agent who will take a contact arriving at ``arrival``; return its key and index.

    A key is the moment the agent became (or will become) free and on duty. The agent with the
    smallest key takes the contact: the longest-idle agent when several are idle, else the first
    to become available; ties go to the lowest index. A key is stale when the agent's period went
    off duty before ``arrival``: it is moved to the agent's next period and pushed back. The
    caller pushes the chosen agent back with its next key.
    """
    while heap:
        key, agent = heap[0]
        k = pointer[agent]
        if ends[k] > arrival:
            heapq.heappop(heap)
            return key, agent
        while k < limit[agent] and ends[k] <= arrival:
            k += 1
        pointer[agent] = k
        if k == limit[agent]:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (starts[k], agent))
    return math.inf, -1


def _overrun(
    finish: float,
    k: int,
    starts: list[float],
    ends: list[float],
    limit: int,
    over_starts: list[float],
    over_ends: list[float],
) -> None:
    """Record the parts of ``[ends[k], finish)`` outside the agent's later periods."""
    t = ends[k]
    for m in range(k + 1, limit):
        if starts[m] >= finish:
            break
        if starts[m] > t:
            over_starts.append(t)
            over_ends.append(starts[m])
        t = ends[m]
        if t >= finish:
            return
    if t < finish:
        over_starts.append(t)
        over_ends.append(finish)


def overlap_by_interval(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total length of the segments ``[starts, ends)`` falling in each interval of ``edges`` [s].

    Uses ``F(g) = sum(clip(g - s, 0, e - s))``, the total length before ``g``, at every edge.
    """
    s = np.sort(np.asarray(starts, dtype=float))
    e = np.sort(np.asarray(ends, dtype=float))
    total = _length_before(s, edges) - _length_before(e, edges)
    return np.diff(total)


def _length_before(points: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum of ``max(g - p, 0)`` over ``points`` for each edge ``g``."""
    cumulative = np.concatenate([[0.0], np.cumsum(points)])
    count = np.searchsorted(points, edges, side="left")
    return count * edges - cumulative[count]
