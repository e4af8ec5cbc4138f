"""The scenarios of a sweep: a grid of configuration changes, and each scenario's configuration.

Keys are dotted paths into the configuration (``service.staff_to``,
``service.channels.phone.aht_seconds``, ``roster.solver.relative_gap``); ``*`` stands for every
key at its level (``service.channels.*.deflection``). Values replace the setting, or change a
number relative to it: ``"x1.1"`` multiplies it, ``"+10%"`` / ``"-10%"`` add or take 10%. A
mapping of keys to lists of values sweeps every combination; a list of mappings gives the
scenarios one by one (a key a scenario leaves out keeps the base setting).
:func:`staffing.scenarios.scenarios` runs them.

Examples
--------
>>> from staffing.scenario_grid import expand_grid
>>> expand_grid({"service.staff_to": ["q50", "q90"], "service.channels.*.deflection": [0, 0.2]})
   scenario service.staff_to  service.channels.*.deflection
0         0              q50                              0.0
1         1              q50                              0.2
2         2              q90                              0.0
3         3              q90                              0.2
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pydantic

from staffing.errors import ConfigError

if TYPE_CHECKING:
    from staffing.config import PlanConfig

__all__ = [
    "GridLike",
    "apply_overrides",
    "expand_grid",
    "load_grid",
    "scenario_config",
]

GridLike = Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | pd.DataFrame

_RELATIVE = re.compile(r"^\s*(?:x\s*(?P<factor>[0-9.]+)|(?P<percent>[+-]\s*[0-9.]+)\s*%)\s*$")


# --------------------------------------------------------------------------------------------
# The grid
# --------------------------------------------------------------------------------------------


def expand_grid(grid: GridLike) -> pd.DataFrame:
    """The scenarios of a grid, one row each: ``scenario`` (0, 1, ...) and one column per key.

    Parameters
    ----------
    grid : mapping, sequence of mappings or pandas.DataFrame
        Keys to lists of values (every combination, the last key varying fastest), a list of
        scenarios (each a mapping of keys to values), or a frame with one row per scenario.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    staffing.errors.ConfigError
        An empty grid, a key that is not a dotted path, or a key without values.

    Examples
    --------
    >>> expand_grid([{"service.staff_to": "q50"}, {"service.staff_to": "q90"}])
       scenario service.staff_to
    0         0              q50
    1         1              q90
    """
    if isinstance(grid, pd.DataFrame):
        rows = grid.to_dict("records")
    elif isinstance(grid, Mapping):
        if not grid:
            raise ConfigError("grid: no scenarios (give at least one key with values)")
        keys = list(grid)
        for key in keys:
            values = grid[key]
            if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
                raise ConfigError(f"grid: {key!r}: expected a non-empty list of values")
        rows = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    else:
        rows = [dict(row) for row in grid]
    if not rows:
        raise ConfigError("grid: no scenarios (give at least one key with values)")
    for row in rows:
        for key in row:
            if not isinstance(key, str) or not re.fullmatch(r"[\w*+-]+(\.[\w*+-]+)+", key):
                raise ConfigError(
                    f"grid: {key!r}: expected a dotted configuration path such as "
                    "'service.staff_to' or 'service.channels.*.deflection'"
                )
    frame = pd.DataFrame(rows)
    frame.insert(0, "scenario", range(len(frame)))
    return frame


def load_grid(path: str | Path) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    """Read a grid file (TOML): its ``[grid]`` table and its ``[[scenarios]]`` tables.

    Returns
    -------
    combos : dict
        ``[grid]``: keys to lists of values (every combination).
    listed : list of dict
        ``[[scenarios]]``: one mapping of keys to values per scenario (crossed with ``combos``
        when both are given).

    Raises
    ------
    staffing.errors.ConfigError
        Not TOML, or neither table, naming the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grid.toml"
    >>> _ = path.write_text('[grid]\\n"service.staff_to" = ["q50", "q90"]\\n')
    >>> load_grid(path)
    ({'service.staff_to': ['q50', 'q90']}, [])
    """
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    unknown = sorted(set(data) - {"grid", "scenarios"})
    if unknown or not data:
        raise ConfigError(
            f"{path}: expected a [grid] table and/or [[scenarios]] tables"
            + (f", got {', '.join(unknown)}" if unknown else "")
        )
    combos = {}
    for key, values in (data.get("grid") or {}).items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: [grid] {key}: expected a list of values")
        combos[key] = values
    listed = data.get("scenarios") or []
    if not isinstance(listed, list) or not all(isinstance(row, dict) for row in listed):
        raise ConfigError(f"{path}: scenarios: expected [[scenarios]] tables")
    return combos, [dict(row) for row in listed]


def apply_overrides(data: dict[str, Any], key: str, value: Any) -> int:
    """Set ``key`` (a dotted path, ``*`` for every key at a level) to ``value`` in ``data``.

    ``"x1.1"``, ``"+10%"`` and ``"-10%"`` change a number relative to its current value;
    settings that are not set (``None``) are left alone by a relative change.

    Returns
    -------
    int
        How many settings were changed.

    Raises
    ------
    staffing.errors.ConfigError
        A path that names no setting, or a relative change of a setting that is not a number.

    Examples
    --------
    >>> data = {"service": {"channels": {"a": {"aht": 300}, "b": {"aht": 200}}}}
    >>> apply_overrides(data, "service.channels.*.aht", "+10%"), data["service"]["channels"]
    (2, {'a': {'aht': 330.0}, 'b': {'aht': 220.0}})
    """
    parts = key.split(".")
    changed = 0
    for parent, name in _targets(data, parts, key):
        changed += _set(parent, name, value, key)
    if not changed:
        raise ConfigError(f"grid: {key}: no setting to change ({value!r} is relative)")
    return changed


def _targets(data: Any, parts: list[str], key: str) -> list[tuple[dict, str]]:
    """The (mapping, name) pairs a dotted path with wildcards names."""
    nodes: list[Any] = [data]
    for depth, part in enumerate(parts[:-1]):
        following = []
        for node in nodes:
            if not isinstance(node, dict):
                continue
            names = list(node) if part == "*" else [part]
            following += [node[n] for n in names if isinstance(node.get(n), dict)]
        if not following:
            where = ".".join(parts[: depth + 1])
            raise ConfigError(f"grid: {key}: no section {where!r} in the configuration")
        nodes = following
    last = parts[-1]
    pairs = []
    for node in nodes:
        names = list(node) if last == "*" else [last]
        for name in names:
            if name not in node:
                raise ConfigError(f"grid: {key}: unknown setting {name!r}")
            pairs.append((node, name))
    return pairs


def _set(parent: dict, name: str, value: Any, key: str) -> int:
    match = _RELATIVE.match(value) if isinstance(value, str) else None
    if match is None:
        parent[name] = value
        return 1
    current = parent[name]
    if current is None:
        return 0
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ConfigError(
            f"grid: {key}: {value!r} changes a number, but the setting is {current!r}"
        )
    try:
        factor = (
            float(match["factor"])
            if match["factor"] is not None
            else 1.0 + float(match["percent"].replace(" ", "")) / 100.0
        )
    except ValueError:
        raise ConfigError(f"grid: {key}: cannot read {value!r} as a relative change") from None
    parent[name] = current * factor
    return 1


def scenario_config(config: PlanConfig, overrides: Mapping[str, Any]) -> PlanConfig:
    """The configuration of one scenario, validated, as the sweep runs it.

    The overrides are applied in order (:func:`apply_overrides`); ``[blending]`` is left out
    and ``risk.staff_to_levels`` emptied (a sweep checks each scenario at its own staff-to
    level). A ``service.staff_to`` quantile the forecast does not carry is added to
    ``forecast.quantiles`` so the configuration validates; the sweep adds its column from the
    forecast's predictive distribution instead of forecasting again.

    Raises
    ------
    staffing.errors.ConfigError
        An override that names no setting or makes the configuration invalid, naming the key.

    Examples
    --------
    >>> from staffing.config import PlanConfig
    >>> from staffing.datasets import load_example_config
    >>> base = PlanConfig.from_toml(load_example_config())
    >>> config = scenario_config(base, {"service.staff_to": "q70"})
    >>> config.service.staff_to, config.forecast.quantiles, config.blending
    ('q70', (0.1, 0.5, 0.7, 0.9), None)
    """
    return _scenario(config, overrides)[0]


def _scenario(
    config: PlanConfig, overrides: Mapping[str, Any]
) -> tuple[PlanConfig, tuple[float, ...]]:
    """The scenario's configuration and the quantiles its forecast is made with."""
    from staffing.config import PlanConfig

    data = config.model_dump()
    for key, value in overrides.items():
        apply_overrides(data, key, _plain(value))
    data["blending"] = None
    data["risk"]["staff_to_levels"] = ()
    forecast_quantiles = tuple(data["forecast"]["quantiles"])
    staff_to = data["service"].get("staff_to")
    if isinstance(staff_to, str) and re.fullmatch(r"q\d+(\.\d+)?", staff_to):
        level = round(float(staff_to[1:]) / 100.0, 6)
        if not any(math.isclose(level, q) for q in data["forecast"]["quantiles"]):
            data["forecast"]["quantiles"] = tuple(sorted({*data["forecast"]["quantiles"], level}))
    try:
        return PlanConfig.model_validate(data), forecast_quantiles
    except pydantic.ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        shown = ", ".join(f"{k} = {v!r}" for k, v in overrides.items())
        raise ConfigError(f"scenario ({shown}): {where}: {first['msg']}") from None
    except ConfigError as err:
        shown = ", ".join(f"{k} = {v!r}" for k, v in overrides.items())
        raise ConfigError(f"scenario ({shown}): {err}") from None


def _settings(row: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    """A scenario's overrides: the keys it gives (an empty cell keeps the base setting)."""
    return {k: row[k] for k in keys if not (np.ndim(row[k]) == 0 and pd.isna(row[k]))}


def _plain(value: Any) -> Any:
    """numpy scalars (from a frame of scenarios) as Python values."""
    return value.item() if isinstance(value, np.generic) else value


def _forecast_key(config: PlanConfig, base_quantiles: tuple[float, ...]) -> str:
    """What a scenario's forecast depends on: history, forecast and calendar settings."""
    forecast = config.forecast.model_dump(mode="json")
    forecast["quantiles"] = list(base_quantiles)
    parts = {
        "history": config.history.model_dump(mode="json"),
        "forecast": forecast,
        "calendar": config.service.calendar.model_dump(mode="json"),
    }
    return json.dumps(parts, sort_keys=True, default=str)


# --------------------------------------------------------------------------------------------
# The sweep
