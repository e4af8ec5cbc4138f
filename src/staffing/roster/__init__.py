"""Rosters: shift rules, the set-covering integer program, and assignment to named agents.

Stage 1 (:func:`build_roster`) chooses how many agents start each shift type at each allowed
time, and when they take their breaks, at least cost; stage 2 (:func:`assign_agents`, run by
:func:`build_roster` when ``agents`` are given) gives every agent-shift to a named agent.

With contracts (:class:`Contract`) stage 1 chooses weekly lines of work instead (the days,
start and breaks of one person's week, :mod:`staffing.roster.tours`), reports headcount and FTE
per contract (:func:`headcount`, :func:`lines_table`), and stage 2 fills the lines with named
agents (:func:`assign_lines`); the lines left over are the hiring need.

Examples
--------
>>> from staffing.roster import build_roster, example_requirements, example_rules
>>> result = build_roster(example_requirements(), example_rules())
>>> list(result.roster.columns)
['shift', 'start', 'end', 'agents', 'breaks']
"""

from __future__ import annotations

from staffing.roster.assign import Agent, AssignmentResult, assign_agents, read_agents
from staffing.roster.build import RosterResult, build_roster, example_requirements
from staffing.roster.contracts import Contract, day_patterns
from staffing.roster.joint import JointDemand, JointGroup, JointRoster, build_joint_roster
from staffing.roster.lines import format_day, headcount, lines_table, parse_day
from staffing.roster.model import build_model, read_requirements, split_intervals
from staffing.roster.output import RosterSummary, coverage_from_roster, write_outputs
from staffing.roster.people import LineAssignment, assign_lines
from staffing.roster.rules import (
    AgentRules,
    Break,
    ShiftRules,
    ShiftType,
    example_rules,
    load_rules,
)
from staffing.roster.solver import SolveResult, SolverOptions, available_solvers, solve

__all__ = [
    "Agent",
    "AgentRules",
    "AssignmentResult",
    "Break",
    "Contract",
    "JointDemand",
    "JointGroup",
    "JointRoster",
    "LineAssignment",
    "RosterResult",
    "RosterSummary",
    "ShiftRules",
    "ShiftType",
    "SolveResult",
    "SolverOptions",
    "assign_agents",
    "assign_lines",
    "available_solvers",
    "build_joint_roster",
    "build_model",
    "build_roster",
    "coverage_from_roster",
    "day_patterns",
    "example_requirements",
    "example_rules",
    "format_day",
    "headcount",
    "lines_table",
    "load_rules",
    "parse_day",
    "read_agents",
    "read_requirements",
    "solve",
    "split_intervals",
    "write_outputs",
]
