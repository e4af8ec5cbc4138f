"""Skill groups: which agents serve which channels, and how contacts are routed to them.

A *skill group* is a team whose people all hold the same skills: ``phone``, ``chat``,
``phone+email``, ``all``. The plan's ``[blending]`` section lists the groups with the channels
each serves, in the group's order of priority (a live channel always comes before deferred
work, whatever the order), the contracts or shift types its people work, a premium for the
extra skills and headcount limits; ``routing`` may give, per channel, the groups that take its
contacts first. With groups configured, ``staffing plan`` builds one roster for every channel
(:func:`staffing.roster.joint.build_joint_roster`) and checks it by a multi-skill simulation.

Examples
--------
>>> blend = BlendingConfig(groups=[
...     {"name": "phone", "channels": ["phone"]},
...     {"name": "phone+email", "channels": ["phone", "email"]}])
>>> blend.serving("email")
['phone+email']
>>> blend.route("phone")
['phone', 'phone+email']
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from staffing.roster.rules import ShiftRules
    from staffing.targets import Channel

__all__ = ["DEFAULT_BLEND_OCCUPANCY", "BlendingConfig", "SkillGroup", "check_groups"]

#: Default cap on the occupancy of an agent who fills idle time with deferred work [fraction]
#: (a common default of workforce-management suites).
DEFAULT_BLEND_OCCUPANCY = 0.95

_STRICT = ConfigDict(extra="forbid", frozen=True)


class SkillGroup(BaseModel):
    """A team of agents with the same skills.

    Parameters
    ----------
    name : str
        Group name, e.g. ``"phone+email"``.
    channels : list of str
        Channels the group serves, in its order of priority (``["all"]``: every channel, in
        the order of ``service.channels``). Live contacts always come before deferred work.
    contracts : list of str, optional
        Names of ``roster.contracts`` its people work (default: all of them).
    shifts : list of str, optional
        Without contracts: the shift types its people work (default: all of them).
    cost_per_hour_premium : float
        Extra pay for the group's skills [currency per paid hour, >= 0]; default 0.
    min_headcount, max_headcount : int, optional
        People of the group per week [people] (needs ``roster.contracts``).

    Examples
    --------
    >>> SkillGroup(name="all", channels=["all"]).channels
    ('all',)
    """

    model_config = _STRICT

    name: str = Field(min_length=1)
    channels: tuple[str, ...] = Field(min_length=1)
    contracts: tuple[str, ...] | None = None
    shifts: tuple[str, ...] | None = None
    cost_per_hour_premium: float = Field(default=0.0, ge=0.0, le=1e6)
    min_headcount: int | None = Field(default=None, ge=0)
    max_headcount: int | None = Field(default=None, ge=0)

    @field_validator("channels")
    @classmethod
    def _unique(cls, channels: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(channels)) != len(channels):
            raise ValueError(f"channels must be unique, got {list(channels)}")
        if "all" in channels and len(channels) > 1:
            raise ValueError('"all" stands alone: it already names every channel')
        return channels

    @model_validator(mode="after")
    def _limits(self) -> SkillGroup:
        low, high = self.min_headcount, self.max_headcount
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_headcount {low} is above max_headcount {high}")
        if self.contracts is not None and self.shifts is not None:
            raise ValueError("give contracts or shifts, not both (a contract names its shifts)")
        return self


class BlendingConfig(BaseModel):
    """The ``[blending]`` section: skill groups, routing and the deferred-work cap.

    Parameters
    ----------
    groups : list of SkillGroup
        The teams; every channel must be served by at least one.
    routing : dict, optional
        Channel -> groups in the order they take its contacts (default: groups with fewer
        channels first, then in the order listed, so specialists are busy before the blended).
    max_occupancy : float
        Cap on the busy share of an agent's productive time when deferred work fills the
        time live contacts leave idle [fraction, 0.5 to 1]; default 0.95.
    late_work_per_agent_interval : float
        Price of one agent-interval of deferred work left one interval past its deadline in
        the joint roster [currency] (default 1000: far above any shift's cost, so work is late
        only where no roster could do it in time; lower it to trade deadlines for cost).
        Ignored with ``roster.hard_coverage`` (deadlines are then hard).
    compare_separate : bool
        Also build one roster per channel (the plan's ``roster``), simulate both with the same
        engine and report the saving (default ``True``).

    Examples
    --------
    >>> BlendingConfig(groups=[{"name": "a", "channels": ["phone"]}]).max_occupancy
    0.95
    """

    model_config = _STRICT

    groups: tuple[SkillGroup, ...] = Field(min_length=1)
    routing: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    max_occupancy: float = Field(default=DEFAULT_BLEND_OCCUPANCY, ge=0.5, le=1.0)
    late_work_per_agent_interval: float = Field(default=1000.0, ge=0.0, le=1e7)
    compare_separate: bool = True

    @field_validator("groups")
    @classmethod
    def _names(cls, groups: tuple[SkillGroup, ...]) -> tuple[SkillGroup, ...]:
        names = [g.name for g in groups]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"group names must be unique; repeated: {twice}")
        return groups

    def expanded(self, channels: list[str]) -> dict[str, list[str]]:
        """Group -> the channels it serves, ``"all"`` expanded to ``channels`` (in order)."""
        return {
            g.name: list(channels) if g.channels == ("all",) else list(g.channels)
            for g in self.groups
        }

    def serving(self, channel: str, channels: list[str] | None = None) -> list[str]:
        """Groups that serve ``channel``, in the order listed."""
        every = channels or [c for g in self.groups for c in g.channels if c != "all"]
        return [g for g, served in self.expanded(every).items() if channel in served]

    def route(self, channel: str, channels: list[str] | None = None) -> list[str]:
        """Groups in the order they take ``channel``'s contacts (see ``routing``)."""
        if channel in self.routing:
            return list(self.routing[channel])
        every = channels or [c for g in self.groups for c in g.channels if c != "all"]
        served = self.expanded(every)
        order = [g.name for g in self.groups]
        mine = [g for g in order if channel in served[g]]
        return sorted(mine, key=lambda g: (len(served[g]), order.index(g)))


def check_groups(
    blend: BlendingConfig, channels: dict[str, Channel], rules: ShiftRules
) -> list[str]:
    """Problems of the groups against the channels and the shift rules (messages name keys).

    Checks: every group names known channels, contracts and shift types; every channel is
    served by some group; a routing list names only groups that serve its channel; the
    groups' priorities between live channels do not form a cycle; a chat channel with
    ``concurrency > 1`` is served only by groups of its own; headcount limits come with
    contracts.

    Parameters
    ----------
    blend : BlendingConfig
    channels : dict
        ``service.channels``.
    rules : ShiftRules
        ``roster`` (its shift types and contracts).

    Returns
    -------
    list of str
        One message per problem (empty: none).

    Examples
    --------
    >>> from staffing.targets import Channel
    >>> from staffing.roster.rules import ShiftRules, ShiftType
    >>> rules = ShiftRules(interval_minutes=60, shifts=[ShiftType(name="d", length_hours=8,
    ...     start_earliest="08:00", start_latest="08:00")])
    >>> blend = BlendingConfig(groups=[{"name": "p", "channels": ["phone"]}])
    >>> check_groups(blend, {"phone": Channel(aht_seconds=300, target="80/20"),
    ...     "email": Channel(aht_seconds=300, target={"response_hours": 24})}, rules)
    ["service.channels.email: no group of blending.groups serves it; add it to a group's channels"]
    """
    names = list(channels)
    served = blend.expanded(names)
    problems = []
    for k, group in enumerate(blend.groups):
        problems += _group_problems(k, group, served[group.name], channels, rules)
    for channel in names:
        if not any(channel in s for s in served.values()):
            problems.append(
                f"service.channels.{channel}: no group of blending.groups serves it; add it to "
                "a group's channels"
            )
    problems += _routing_problems(blend, served, names)
    problems += _cycle_problems(blend, served, channels)
    return problems


def _group_problems(k: int, group: SkillGroup, served, channels, rules) -> list[str]:
    where = f"blending.groups[{k}] ({group.name!r})"
    out = []
    unknown = [c for c in served if c not in channels]
    if unknown:
        out.append(f"{where}.channels: unknown channel(s) {unknown}; known: {list(channels)}")
    contracts = [c.name for c in rules.contracts]
    if group.contracts is not None:
        if not rules.contracts:
            out.append(f"{where}.contracts: the roster has no contracts (roster.contracts)")
        missing = [c for c in group.contracts if c not in contracts]
        if missing and rules.contracts:
            out.append(f"{where}.contracts: unknown contract(s) {missing}; known: {contracts}")
    if group.shifts is not None:
        if rules.contracts:
            out.append(f"{where}.shifts: with roster.contracts, list the group's contracts")
        known = [s.name for s in rules.shifts]
        missing = [s for s in group.shifts if s not in known]
        if missing:
            out.append(f"{where}.shifts: unknown shift type(s) {missing}; known: {known}")
    limits = group.min_headcount is not None or group.max_headcount is not None
    if limits and not rules.contracts:
        out.append(f"{where}: min_headcount/max_headcount count people, which needs contracts")
    for name in served:
        channel = channels.get(name)
        if channel is not None and channel.concurrency > 1 and len(served) > 1:
            out.append(
                f"{where}: channel {name!r} has concurrency {channel.concurrency}; a group "
                "serving concurrent chats serves that channel alone"
            )
    return out


def _routing_problems(blend: BlendingConfig, served, names: list[str]) -> list[str]:
    out = []
    for channel, order in blend.routing.items():
        where = f"blending.routing.{channel}"
        if channel not in names:
            out.append(f"{where}: unknown channel; known: {names}")
            continue
        serving = [g for g, s in served.items() if channel in s]
        wrong = [g for g in order if g not in serving]
        if wrong:
            out.append(f"{where}: group(s) {wrong} do not serve {channel!r}; serving: {serving}")
        if set(order) != set(serving) - set(wrong) or len(set(order)) != len(order):
            missing = [g for g in serving if g not in order]
            if missing or len(set(order)) != len(order):
                out.append(
                    f"{where}: list each group serving {channel!r} once; missing: {missing}"
                )
    return out


def _cycle_problems(blend: BlendingConfig, served, channels: dict[str, Any]) -> list[str]:
    """Live channels' priorities, pooled over the groups, must order them without a cycle."""
    before: dict[str, set[str]] = defaultdict(set)
    said: dict[tuple[str, str], str] = {}
    for group, order in served.items():
        live = [c for c in order if c in channels and channels[c].kind != "deferred"]
        for i, high in enumerate(live):
            for low in live[i + 1 :]:
                before[high].add(low)
                said.setdefault((high, low), group)
    for (high, low), group in said.items():
        if high in _reachable(before, low):
            other = said.get((low, high)) or _path_group(said, low, high)
            return [
                f"blending.groups: priority cycle between channels {high!r} and {low!r}: group "
                f"{group!r} puts {high!r} first, group {other!r} puts {low!r} first; order "
                "the channels the same way in every group"
            ]
    return []


def _reachable(before: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for nxt in before.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _path_group(said: dict[tuple[str, str], str], low: str, high: str) -> str:
    return next((g for (a, _b), g in said.items() if a == low), "?")
