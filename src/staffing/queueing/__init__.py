"""Exact, vectorised queueing formulas for contact-centre staffing.

Erlang B and Erlang C (M/M/n) are computed in log space from the Poisson distribution and a
continued fraction, so they neither overflow nor lose relative precision for loads of tens of
thousands of Erlangs. Erlang A (M/M/n+M, callers who abandon after an exponential patience) uses
the closed forms of Garnett, Mandelbaum and Reiman (2002) and Mandelbaum and Zeltyn (2007) with
the birth-death sums evaluated term by term in scaled log space, so that abandonment stays exact
(and non-zero) for thousands of agents.

Every function accepts scalars, array-likes or pandas Series and broadcasts like numpy: a scalar
in gives a Python ``float``/``int`` out, arrays give ``numpy.ndarray``, and a Series gives a
Series with the same index. Units are in the argument names: ``calls`` [contacts per interval],
``interval_minutes`` [min], ``aht_seconds`` [s] (average handle time), ``agents`` [agents],
``target_seconds`` [s], ``patience_seconds`` [s] (mean patience, Erlang A), ``concurrency``
[contacts one agent handles at once].

Missing values and limits: ``NaN`` in the data (``calls``, ``load``, ``aht_seconds``,
``agents``, ``target_seconds``, ``asa_seconds``, ``patience_seconds``) means *missing* and gives
``NaN`` out for that element, except in deferred work, which refuses it. Every other bad value
raises ``ValueError`` naming the argument, the position of its first bad element and the value:
negative or infinite numbers, ``NaN`` in a setting (``interval_minutes``, ``shrinkage``,
``concurrency``, ``min_agents``), and sizes beyond the documented limits
:data:`MAX_LOAD_ERLANGS` (1e6 Erlang), :data:`MAX_COUNT` (1e9 contacts or agents per
interval), :data:`MAX_AHT_SECONDS` and :data:`MAX_PATIENCE_SECONDS` (one day),
:data:`MIN_INTERVAL_MINUTES` to :data:`MAX_INTERVAL_MINUTES` (1 min to one day),
:data:`MAX_CONCURRENCY` (100) and, for Erlang A, :data:`MAX_PATIENCE_ARRIVALS` (1e9 arrivals
during one mean patience). Within them every answer is exact and fast: a service level is
always in [0, 1], and Erlang C never staffs a positive load with fewer agents than the load.

Every public name is imported from ``staffing.queueing``; the code is laid out in submodules,
each depending only on those above it:

- :mod:`staffing.queueing.limits`: the size limits (``MAX_*``, ``MIN_INTERVAL_MINUTES``) and
  the input checks that enforce them.
- :mod:`staffing.queueing.erlang`: the Erlang B, C and A formulas in terms of the load and the
  servers (:func:`erlang_b`, :func:`erlang_c`, :func:`erlang_a_wait_probability`).
- :mod:`staffing.queueing.measures`: the performance of a staffed queue (:func:`offered_load`,
  :func:`service_level`, :func:`probability_wait`, :func:`asa`, :func:`occupancy`,
  :func:`abandonment`).
- :mod:`staffing.queueing.staffing`: required agents (:func:`required_agents`,
  :func:`staffing_table`) and shrinkage (:func:`scheduled_agents`).
- :mod:`staffing.queueing.deferred`: deferred work (:func:`deferred_agents`,
  :func:`deferred_agents_tiers`, :func:`due_intervals` on the calendar or business clock).

Examples
--------
>>> from staffing import queueing
>>> queueing.required_agents(100, 180, interval_minutes=30, service_level=0.8, target_seconds=20)
14
>>> round(queueing.service_level(100, 180, 14, 20, interval_minutes=30), 4)
0.8884
"""

from __future__ import annotations

from staffing.queueing.deferred import deferred_agents, deferred_agents_tiers, due_intervals
from staffing.queueing.erlang import erlang_a_wait_probability, erlang_b, erlang_c
from staffing.queueing.limits import (
    MAX_AHT_SECONDS,
    MAX_CONCURRENCY,
    MAX_COUNT,
    MAX_INTERVAL_MINUTES,
    MAX_LOAD_ERLANGS,
    MAX_PATIENCE_ARRIVALS,
    MAX_PATIENCE_SECONDS,
    MIN_INTERVAL_MINUTES,
)
from staffing.queueing.measures import Definition as Definition  # service_level's definition
from staffing.queueing.measures import (
    abandonment,
    asa,
    occupancy,
    offered_load,
    probability_wait,
    service_level,
)
from staffing.queueing.staffing import required_agents, scheduled_agents, staffing_table

__all__ = [
    "MAX_AHT_SECONDS",
    "MAX_CONCURRENCY",
    "MAX_COUNT",
    "MAX_INTERVAL_MINUTES",
    "MAX_LOAD_ERLANGS",
    "MAX_PATIENCE_ARRIVALS",
    "MAX_PATIENCE_SECONDS",
    "MIN_INTERVAL_MINUTES",
    "abandonment",
    "asa",
    "deferred_agents",
    "deferred_agents_tiers",
    "due_intervals",
    "erlang_a_wait_probability",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load",
    "probability_wait",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "staffing_table",
]
