"""Replicated simulation of a roster against a forecast, and its result object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from staffing.errors import ConfigError, DataError
from staffing.queueing import MAX_AHT_SECONDS, MAX_PATIENCE_SECONDS
from staffing.simulate._engine import ABANDONED, ANSWERED, UNSERVED, overlap_by_interval, run_queue
from staffing.simulate.inputs import Horizon, agents_from_staffing, horizon_from_forecast

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike

__all__ = ["MAX_HANDLE_TIME_CV", "MAX_REPLICATIONS", "SimulationResult", "simulate"]

#: Largest coefficient of variation of a log-normal handle time [fraction of the mean]. Beyond
#: it almost every contact is far shorter than the mean and a few are enormously long, so a
#: finite run says nothing about the mean (at 1e6, every simulated contact is answered at once).
MAX_HANDLE_TIME_CV = 10.0
#: Most replications of one simulation [count].
MAX_REPLICATIONS = 10_000

Basis = Literal["offered", "answered"]
#: Range of each metric: its confidence bounds are clipped to it.
RANGES = {
    "service_level": (0.0, 1.0),
    "asa_seconds": (0.0, np.inf),
    "abandonment": (0.0, 1.0),
    "occupancy": (0.0, 1.0),
}
METRICS = tuple(RANGES)
COUNTS = ("offered", "answered", "abandoned", "unserved")


@dataclass(frozen=True)
class SimulationResult:
    """Service delivered by a roster, interval by interval, over many replications.

    Attributes
    ----------
    intervals : pandas.DataFrame
        One row per interval: ``interval_start``, ``agents`` (mean agents on duty), the
        replication means of ``offered``, ``answered``, ``abandoned``, ``unserved``
        [contacts per interval], ``target_seconds`` (the answer-time threshold of the interval
        [s], NaN: none), and for each metric ``service_level`` [fraction], ``asa_seconds``
        [s], ``abandonment`` [fraction of offered] and ``occupancy`` [fraction of working
        time] the mean across replications with ``<metric>_ci_low`` and ``<metric>_ci_high``
        (Student t interval at ``confidence``; bounds are clipped to the metric's range).
    overall : pandas.DataFrame
        One row per metric (``metric``, ``mean``, ``ci_low``, ``ci_high``), pooled over the
        horizon within each replication, then averaged across replications.
    replications : pandas.DataFrame
        Raw per-replication, per-interval counts and metrics, with ``target_seconds``.
    target_seconds : float or numpy.ndarray
        Answer-time threshold of the service level [s], as given: one value, or one per
        interval (NaN: no threshold in that interval).
    service_level_basis : {"offered", "answered"}
        Denominator of the service level.
    confidence : float
        Confidence level of the intervals [fraction].
    """

    intervals: pd.DataFrame
    overall: pd.DataFrame
    replications: pd.DataFrame
    target_seconds: float | np.ndarray
    service_level_basis: str
    confidence: float

    def plot_service_level(self, ax: Axes | None = None, target: float | None = None) -> Axes:
        """Plot the service level per interval with its confidence band.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).
        target : float, optional
            Service-level goal drawn as a horizontal line [fraction], e.g. ``0.8``.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> result = simulate(_example_staffing(), _example_forecast(), aht_seconds=300,
        ...                   target_seconds=20, replications=3, seed=1)
        >>> ax = result.plot_service_level(target=0.8)
        >>> ax.get_ylabel()
        'service level [fraction]'
        """
        if np.ndim(self.target_seconds) == 0:
            label = f"service level within {self.target_seconds:g} s"
        else:
            label = "service level within each interval's target"
        ax = self._band(ax, "service_level", label)
        if target is not None:
            ax.axhline(target, color="black", linestyle="--", linewidth=1, label="target")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("service level [fraction]")
        ax.legend(loc="lower right")
        return ax

    def plot_occupancy(self, ax: Axes | None = None) -> Axes:
        """Plot agent occupancy per interval with its confidence band.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> result = simulate(_example_staffing(), _example_forecast(), aht_seconds=300,
        ...                   target_seconds=20, replications=3, seed=1)
        >>> result.plot_occupancy().get_ylabel()
        'occupancy [fraction]'
        """
        ax = self._band(ax, "occupancy", "occupancy")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("occupancy [fraction]")
        ax.legend(loc="lower right")
        return ax

    def _band(self, ax: Axes | None, metric: str, label: str) -> Axes:
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(9, 3.5))
        frame = self.intervals
        x = frame["interval_start"]
        ax.step(x, frame[metric], where="post", label=label)
        ax.fill_between(
            x,
            frame[f"{metric}_ci_low"],
            frame[f"{metric}_ci_high"],
            step="post",
            alpha=0.3,
            label=f"{self.confidence:.0%} CI",
        )
        ax.set_xlabel("interval start")
        return ax


def simulate(
    staffing: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    aht_seconds: float | None,
    target_seconds: float | ArrayLike,
    handle_time: str | ArrayLike = "exponential",
    cv: float = 1.0,
    patience_seconds: float | ArrayLike | None = None,
    arrivals: Sequence[pd.Timestamp] | pd.DatetimeIndex | None = None,
    replications: int = 20,
    seed: int | np.random.Generator | None = None,
    interval_minutes: float | None = None,
    volume_column: str = "volume",
    queue: str | None = None,
    service_level_basis: Basis = "offered",
    confidence: float = 0.95,
    volume_draws: ArrayLike | None = None,
) -> SimulationResult:
    """Simulate a roster (or agents per interval) against a forecast, many times over.

    Contacts arrive as a non-homogeneous Poisson process with a constant rate within each
    forecast interval (or at the given ``arrivals`` timestamps), queue first come, first served,
    and are answered by the agents on duty; an agent finishes the contact in hand before a break
    or the end of a shift, and the break is shortened by the overrun. Statistics are attributed to
    the interval in which a contact arrived; occupancy to the interval in which the work is done.
    A contact is answered in time when its wait is at most the ``target_seconds`` of the
    interval it arrived in.

    Parameters
    ----------
    staffing : pandas.DataFrame
        Either a roster (``start``, ``end`` [tz-aware], ``agents`` [agents on the shift], and
        ``breaks``: ``start/end`` ISO 8601 pairs separated by ``;``) or agents per interval
        (``interval_start``, ``agents``) on the forecast's grid.
    forecast : pandas.DataFrame
        ``interval_start`` (tz-aware column or index) on a regular grid without gaps, and
        ``volume_column`` [contacts per interval]; an optional ``queue`` column.
    aht_seconds : float or None
        Mean handle time [s], > 0 and at most one day
        (:data:`staffing.queueing.MAX_AHT_SECONDS`); ``None`` only when ``handle_time`` is a
        sample of durations.
    target_seconds : float or array_like
        Answer-time threshold of the service level [s]: one value for every interval, finite
        and >= 0; or one value per forecast interval in chronological order (the rows of
        ``result.intervals``), each finite and >= 0 or NaN. NaN means no threshold in that
        interval: its service level is NaN (counts are still reported) and the overall service
        level leaves it out.
    handle_time : {"exponential", "lognormal"} or array_like, default "exponential"
        Handle-time distribution, or observed durations [s] to resample from.
    cv : float, default 1.0
        Coefficient of variation of the lognormal handle time [fraction of the mean], > 0 and
        at most :data:`MAX_HANDLE_TIME_CV` (10).
    patience_seconds : float or array_like, optional
        Mean of an exponential patience [s] (> 0, at most one day), or observed patience times
        [s] to resample from. Default: nobody abandons.
    arrivals : sequence of pandas.Timestamp, optional
        Replay these contact arrival times (tz-aware, inside the forecast horizon) instead of
        drawing them; then only handle and patience times vary between replications.
    replications : int, default 20
        Number of independent replications, 1 to :data:`MAX_REPLICATIONS`.
    seed : int or numpy.random.Generator, optional
        Seed; each replication draws from its own child stream (``SeedSequence.spawn``).
    interval_minutes : float, optional
        Interval length [min] (default: inferred from the forecast grid).
    volume_column : str, default "volume"
        Forecast column holding the expected contacts per interval (e.g. ``"q90"``).
    queue : str, optional
        Queue to simulate when the forecast holds several.
    service_level_basis : {"offered", "answered"}, default "offered"
        ``"offered"``: answered within target / offered (abandoned and unserved contacts count
        as missing the target); ``"answered"``: answered within target / answered. Overall:
        the same ratio summed over the intervals with a threshold.
    confidence : float, default 0.95
        Confidence level of the Student t intervals across replications [fraction]; bounds
        are clipped to the metric's range ([0, 1] for fractions, >= 0 for ASA [s]).
    volume_draws : array_like, optional
        Expected contacts per interval for each replication [contacts per interval], shape
        (``replications``, forecast intervals), columns in chronological order, finite and
        >= 0: replication ``r`` draws its Poisson arrivals at row ``r`` instead of
        ``volume_column``, which then only sets the grid (volume drawn from a predictive
        distribution: :func:`staffing.risk.service_risk`). Rows equal to the forecast give
        the same result as omitting it.

    Returns
    -------
    SimulationResult

    Raises
    ------
    staffing.errors.DataError
        For a bad roster, forecast or ``volume_draws`` (gaps, misaligned intervals, negative
        rates, wrong shape), naming where.
    staffing.errors.ConfigError
        For a bad ``target_seconds`` (a negative value, not one per interval, or an array
        with a forecast whose rows are not in chronological order).
    ValueError
        For another parameter out of range.

    Notes
    -----
    Contacts still waiting when no agent will come on duty again are counted as ``unserved``
    (offered, neither answered nor abandoned); with a patience distribution they abandon instead.
    Ratios are NaN in an interval where they are undefined (e.g. no contact offered).
    Occupancy is busy time / working time (on duty plus overruns); it is NaN in an interval
    with no agent on duty (``agents`` 0), even when a contact started earlier is finished there,
    and the overall occupancy pools only the intervals with agents on duty.

    Examples
    --------
    >>> import pandas as pd
    >>> grid = pd.date_range("2024-03-04 09:00", periods=4, freq="30min", tz="Europe/London")
    >>> forecast = pd.DataFrame({"interval_start": grid, "volume": [60.0, 90, 90, 60]})
    >>> staffing = pd.DataFrame({"interval_start": grid, "agents": [12, 17, 17, 12]})
    >>> result = simulate(staffing, forecast, aht_seconds=300, target_seconds=20,
    ...                   replications=10, seed=42)
    >>> list(result.overall["metric"])
    ['service_level', 'asa_seconds', 'abandonment', 'occupancy']
    >>> bool(0.5 < result.overall.set_index("metric").loc["service_level", "mean"] <= 1)
    True

    One threshold per interval: 20 s, then none at 10:00, then 60 s.

    >>> per_interval = simulate(staffing, forecast, aht_seconds=300,
    ...                         target_seconds=[20, 20, float("nan"), 60], replications=10,
    ...                         seed=42)
    >>> per_interval.intervals["target_seconds"].tolist()
    [20.0, 20.0, nan, 60.0]
    >>> bool(per_interval.intervals["service_level"].isna().iloc[2])
    True
    """
    _check_parameters(aht_seconds, target_seconds, cv, replications, confidence)
    if service_level_basis not in ("offered", "answered"):
        raise ValueError(
            f"service_level_basis: expected 'offered' or 'answered', got {service_level_basis!r}"
        )
    horizon = horizon_from_forecast(
        forecast, interval_minutes=interval_minutes, volume_column=volume_column, queue=queue
    )
    thresholds = _thresholds(target_seconds, horizon, forecast, queue)
    agents = agents_from_staffing(staffing, horizon)
    handle = _handle_sampler(handle_time, aht_seconds, cv)
    patience = _patience_sampler(patience_seconds)
    replay = None if arrivals is None else _replay_seconds(arrivals, horizon)
    draws = _volume_draws(volume_draws, replications, horizon, forecast, queue, replay)
    staffed = overlap_by_interval(agents.starts, agents.ends, horizon.edges)
    rows = []
    for number, rng in enumerate(_streams(seed, replications)):
        volume = None if draws is None else draws[number]
        times = replay if replay is not None else _poisson_arrivals(horizon, rng, volume)
        run = run_queue(times, handle(rng, len(times)), patience(rng, len(times)), agents)
        frame = _tally(times, run, horizon, staffed, thresholds)
        frame.insert(0, "replication", number)
        rows.append(frame)
    raw = _add_metrics(pd.concat(rows, ignore_index=True), service_level_basis)
    return SimulationResult(
        intervals=_summarise_intervals(raw, horizon, staffed, confidence),
        overall=_summarise_overall(raw, service_level_basis, confidence),
        replications=raw,
        target_seconds=thresholds.copy() if np.ndim(target_seconds) else float(thresholds[0]),
        service_level_basis=service_level_basis,
        confidence=float(confidence),
    )


def _check_parameters(
    aht: float | None, target: float | ArrayLike, cv: float, replications: int, confidence: float
) -> None:
    if aht is not None and not (_number(aht) and 0 < aht <= MAX_AHT_SECONDS):
        raise ValueError(
            f"aht_seconds: expected a mean handle time > 0 and at most {MAX_AHT_SECONDS:g} [s], "
            f"got {aht!r}"
        )
    if np.ndim(target) == 0 and not (_number(target) and np.isfinite(target) and target >= 0):
        raise ConfigError(f"target_seconds: expected a finite target >= 0 [s], got {target!r}")
    if not (_number(cv) and 0 < cv <= MAX_HANDLE_TIME_CV):
        raise ValueError(
            f"cv: expected a coefficient of variation > 0 and at most {MAX_HANDLE_TIME_CV:g}, "
            f"got {cv!r}"
        )
    whole = _number(replications) and float(replications).is_integer()
    if not (whole and 1 <= replications <= MAX_REPLICATIONS):
        raise ValueError(
            f"replications: expected a whole number from 1 to {MAX_REPLICATIONS}, "
            f"got {replications!r}"
        )
    if not (_number(confidence) and 0 < confidence < 1):
        raise ValueError(f"confidence: expected a fraction in (0, 1), got {confidence!r}")


def _thresholds(
    target: float | ArrayLike, horizon: Horizon, forecast: pd.DataFrame, queue: str | None
) -> np.ndarray:
    """One answer-time threshold per interval [s] (NaN: none), checked."""
    size = len(horizon.interval_start)
    if np.ndim(target) == 0:
        return np.full(size, float(target))  # type: ignore[arg-type]
    try:
        values = np.array(target, dtype=float)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"target_seconds: expected numbers [s]: {err}") from err
    if values.shape != (size,):
        raise ConfigError(
            f"target_seconds: expected one threshold per forecast interval ({size}), "
            f"got shape {values.shape}"
        )
    bad = ~(np.isnan(values) | (np.isfinite(values) & (values >= 0)))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"target_seconds: value {first} (interval {horizon.interval_start[first]}) is "
            f"{values[first]}; expected a finite threshold >= 0 [s] or NaN"
        )
    _require_chronological(forecast, queue, "target_seconds", ConfigError)
    return values


def _volume_draws(
    draws: ArrayLike | None,
    replications: int,
    horizon: Horizon,
    forecast: pd.DataFrame,
    queue: str | None,
    replay: np.ndarray | None,
) -> np.ndarray | None:
    """Expected contacts per replication and interval, checked (None: the forecast's)."""
    if draws is None:
        return None
    if replay is not None:
        raise ValueError("volume_draws: cannot be combined with arrivals (replayed contacts)")
    try:
        values = np.array(draws, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"volume_draws: expected numbers [contacts per interval]: {err}") from err
    shape = (int(replications), len(horizon.interval_start))
    if values.shape != shape:
        raise DataError(
            f"volume_draws: expected shape {shape} (replications, intervals), got {values.shape}"
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"volume_draws: row {row} (replication), column {col} (interval "
            f"{horizon.interval_start[col]}) is {values[row, col]}; expected a finite rate "
            ">= 0 [contacts per interval]"
        )
    _require_chronological(forecast, queue, "volume_draws", DataError)
    return values


def _require_chronological(
    forecast: pd.DataFrame, queue: str | None, name: str, error: type[Exception]
) -> None:
    """Per-interval values of ``name`` need the forecast rows of the queue in time order."""
    frame = forecast if "interval_start" in forecast.columns else forecast.reset_index()
    if queue is not None and "queue" in frame.columns:
        frame = frame[frame["queue"].astype(str) == queue]
    if not pd.DatetimeIndex(frame["interval_start"]).is_monotonic_increasing:
        raise error(
            f"{name}: the forecast's intervals are not in chronological order, so the values "
            "cannot be matched to them; sort the forecast by interval_start"
        )


def _number(value: object) -> bool:
    """A real number (NaN and infinity fail every range check that follows)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _streams(seed: int | np.random.Generator | None, count: int) -> list[np.random.Generator]:
    if isinstance(seed, np.random.Generator):
        return seed.spawn(count)
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(count)]


def _positive_sample(values: ArrayLike, name: str) -> np.ndarray:
    sample = np.asarray(values, dtype=float).ravel()
    if sample.size == 0:
        raise ValueError(f"{name}: expected a non-empty sample of durations [s]")
    bad = ~np.isfinite(sample) | (sample < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: value {first} is {sample[first]}; expected finite and >= 0 [s]")
    return sample


def _handle_sampler(kind: str | ArrayLike, aht: float | None, cv: float):
    if isinstance(kind, str):
        if aht is None:
            raise ValueError(f"aht_seconds: required with handle_time={kind!r}")
        if kind == "exponential":
            return lambda rng, n: rng.exponential(aht, n)
        if kind == "lognormal":
            sigma = np.sqrt(np.log1p(cv**2))
            mu = np.log(aht) - sigma**2 / 2
            return lambda rng, n: rng.lognormal(mu, sigma, n)
        raise ValueError(
            f"handle_time: expected 'exponential', 'lognormal' or a sample of durations, "
            f"got {kind!r}"
        )
    if aht is not None:
        raise ValueError("aht_seconds: must be None when handle_time is a sample of durations")
    sample = _positive_sample(kind, "handle_time")
    return lambda rng, n: rng.choice(sample, n)


def _patience_sampler(patience: float | ArrayLike | None):
    if patience is None:
        return lambda rng, n: np.full(n, np.inf)
    if np.ndim(patience) == 0:
        mean = float(patience)  # type: ignore[arg-type]
        if not (np.isfinite(mean) and 0 < mean <= MAX_PATIENCE_SECONDS):
            raise ValueError(
                "patience_seconds: expected a mean patience > 0 and at most "
                f"{MAX_PATIENCE_SECONDS:g} [s], got {mean}"
            )
        return lambda rng, n: rng.exponential(mean, n)
    sample = _positive_sample(patience, "patience_seconds")
    return lambda rng, n: rng.choice(sample, n)


def _poisson_arrivals(
    horizon: Horizon, rng: np.random.Generator, volume: np.ndarray | None = None
) -> np.ndarray:
    """Poisson counts per interval (at ``volume``, default the forecast's), then uniform times
    within it (exact for piecewise rates)."""
    counts = rng.poisson(horizon.volume if volume is None else volume)
    index = np.repeat(np.arange(len(counts)), counts)
    times = (index + rng.random(index.size)) * horizon.interval_seconds
    return np.sort(times)


def _replay_seconds(arrivals: Sequence[pd.Timestamp] | pd.DatetimeIndex, horizon: Horizon):
    times = pd.DatetimeIndex(arrivals)
    if times.tz is None:
        raise DataError("arrivals: expected tz-aware timestamps, got naive ones")
    seconds = np.sort(horizon.seconds(times))
    outside = (seconds < 0) | (seconds >= horizon.edges[-1])
    if outside.any():
        raise DataError(
            f"arrivals: {int(outside.sum())} timestamp(s) outside the forecast horizon "
            f"{horizon.interval_start[0]} + {len(horizon.interval_start)} intervals"
        )
    return seconds


def _tally(
    times: np.ndarray, run, horizon: Horizon, staffed: np.ndarray, thresholds: np.ndarray
) -> pd.DataFrame:
    """Count per interval of arrival; busy and working time per interval of the work.

    A contact is within target when its wait is at most the threshold of its interval of
    arrival (never when that threshold is NaN).
    """
    size = len(horizon.interval_start)
    index = np.minimum((times // horizon.interval_seconds).astype(int), size - 1)
    answered = run.outcome == ANSWERED
    abandoned = run.outcome == ABANDONED
    in_time = run.wait <= thresholds[index]

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(index[mask], weights=w, minlength=size)

    busy = overlap_by_interval(
        times[answered] + run.wait[answered], run.end[answered], horizon.edges
    )
    overrun = overlap_by_interval(run.overrun_starts, run.overrun_ends, horizon.edges)
    return pd.DataFrame(
        {
            "interval_start": horizon.interval_start,
            "offered": np.bincount(index, minlength=size),
            "answered": count(answered).astype(int),
            "abandoned": count(abandoned).astype(int),
            "unserved": count(run.outcome == UNSERVED).astype(int),
            "target_seconds": thresholds,
            "answered_within_target": count(answered & in_time).astype(int),
            "abandoned_within_target": count(abandoned & in_time).astype(int),
            "wait_answered_seconds": count(answered, run.wait),
            "busy_seconds": busy,
            "working_seconds": staffed + overrun,
            "staffed_seconds": staffed,
        }
    )


def _ratio(top: np.ndarray | pd.Series, bottom: np.ndarray | pd.Series) -> np.ndarray:
    top = np.asarray(top, dtype=float)
    bottom = np.asarray(bottom, dtype=float)
    out = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out


def _metrics(frame: pd.DataFrame, basis: str) -> dict[str, np.ndarray]:
    """Metrics of per-interval rows, or of totals whose basis and times cover only the
    intervals where the metric is defined (``judged_basis``, ``staffed_busy``,
    ``staffed_working``)."""
    occupancy = _ratio(frame["staffed_busy"], frame["staffed_working"])
    return {
        "service_level": _ratio(frame["answered_within_target"], frame["judged_basis"]),
        "asa_seconds": _ratio(frame["wait_answered_seconds"], frame["answered"]),
        "abandonment": _ratio(frame["abandoned"], frame["offered"]),
        # busy <= working; only rounding in the overlaps could take the ratio past 1
        "occupancy": np.clip(occupancy, 0.0, 1.0),
    }


def _defined_parts(raw: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Zero the service-level basis where no threshold applies and the times where no agent is
    on duty, so that those intervals give NaN ratios and drop out of the overall sums."""
    judged = np.isfinite(raw["target_seconds"].to_numpy(float))
    staffed = raw["staffed_seconds"].to_numpy(float) > 0
    return pd.DataFrame(
        {
            "replication": raw["replication"],
            "judged_basis": np.where(judged, raw[basis], 0),
            "staffed_busy": np.where(staffed, raw["busy_seconds"], 0.0),
            "staffed_working": np.where(staffed, raw["working_seconds"], 0.0),
        }
    )


def _add_metrics(raw: pd.DataFrame, basis: str) -> pd.DataFrame:
    parts = _defined_parts(raw, basis).drop(columns="replication")
    return raw.assign(**_metrics(pd.concat([raw, parts], axis=1), basis))


def _mean_ci(
    values: np.ndarray, confidence: float, bounds: tuple[float, float]
) -> tuple[float, float, float]:
    """Mean and Student t interval of the finite values (NaN bounds below two values).

    The interval is clipped to ``bounds``, the range of the metric.
    """
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1)
    half /= np.sqrt(values.size)
    low, high = bounds
    return mean, float(np.clip(mean - half, low, high)), float(np.clip(mean + half, low, high))


def _summarise_intervals(
    raw: pd.DataFrame, horizon: Horizon, staffed: np.ndarray, confidence: float
) -> pd.DataFrame:
    size = len(horizon.interval_start)
    out = pd.DataFrame({"interval_start": horizon.interval_start})
    if horizon.queue is not None:
        out["queue"] = horizon.queue
    out["agents"] = staffed / horizon.interval_seconds
    for name in COUNTS:
        out[name] = raw[name].to_numpy(float).reshape(-1, size).mean(axis=0)
    out["target_seconds"] = raw["target_seconds"].to_numpy(float)[:size]
    for metric in METRICS:
        table = raw[metric].to_numpy(float).reshape(-1, size)
        summary = np.array(
            [_mean_ci(table[:, k], confidence, RANGES[metric]) for k in range(size)]
        )
        out[metric] = summary[:, 0]
        out[f"{metric}_ci_low"] = summary[:, 1]
        out[f"{metric}_ci_high"] = summary[:, 2]
    return out


def _summarise_overall(raw: pd.DataFrame, basis: str, confidence: float) -> pd.DataFrame:
    counts = raw.drop(columns=["interval_start", "target_seconds"]).groupby("replication").sum()
    defined = _defined_parts(raw, basis).groupby("replication").sum()
    metrics = _metrics(pd.concat([counts, defined], axis=1), basis)
    rows = [(name, *_mean_ci(metrics[name], confidence, RANGES[name])) for name in METRICS]
    return pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high"])


def _example_forecast() -> pd.DataFrame:
    grid = pd.date_range("2024-03-04 09:00", periods=4, freq="30min", tz="Europe/London")
    return pd.DataFrame({"interval_start": grid, "volume": [60.0, 90, 90, 60]})


def _example_staffing() -> pd.DataFrame:
    grid = _example_forecast()["interval_start"]
    return pd.DataFrame({"interval_start": grid, "agents": [12, 17, 17, 12]})
