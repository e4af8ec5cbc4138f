"""Service risk: the service level of a fixed staffing when volume follows the forecast.

The forecast's predictive distribution of the count in an interval is negative binomial with
mean ``mu_t`` and variance ``mu_t + alpha mu_t^2``: Poisson at rate ``mu_t G`` with
``G ~ Gamma(shape 1/alpha, scale alpha)`` (mean 1, variance ``alpha``). The factor is split
into a part common to the whole horizon (the week's level error) and an interval part,
``G_t = W H_t`` with ``W ~ Gamma(1/a_w, a_w)`` and ``H_t ~ Gamma(1/a_i, a_i)`` independent and
``(1 + a_w)(1 + a_i) = 1 + alpha`` (:func:`volume_factors`). Every interval keeps the
forecast's mean and variance, two intervals have correlation ``a_w / alpha`` and the weekly
total carries the level error ``a_w`` measured on validation weeks
(:attr:`staffing.forecast.Forecaster.level_dispersion_`).

:func:`service_risk` draws one factor row per replication, simulates the staffing once with
those volumes (:func:`staffing.simulate.simulate` with ``volume_draws``) and judges each
replication's weekly service level against the weekly target (the planned targets weighted by
expected offered contacts): :class:`ServiceRisk` gives P(meet) with a Wilson interval and the
distribution of the weekly service level.

Examples
--------
>>> from staffing.risk import volume_factors
>>> factors = volume_factors(24, dispersion=0.04, level_dispersion=0.03, replications=4000, seed=1)
>>> factors.shape, bool(abs(factors.mean() - 1) < 0.02)
((4000, 24), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from staffing.errors import ConfigError, DataError
from staffing.simulate.core import _number, _ratio, simulate

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "RISK_FRAME_COLUMNS",
    "ServiceRisk",
    "service_risk",
    "volume_factors",
    "weekly_service",
    "weighted_target",
]

#: Columns of :meth:`ServiceRisk.to_frame`.
RISK_FRAME_COLUMNS = ["replication", "volume", "service_level", "asa_seconds",
                      "target_service_level", "met"]  # fmt: skip
_TOLERANCE = 1e-9  # rounding allowed when a weekly figure is compared with its target
_NEGLIGIBLE = 1e-12  # variance of a factor part below which it is exactly 1
#: Seed word of the factor stream, independent of the simulation's (SeedSequence(seed).spawn).
_FACTOR_STREAM = 0x5249534B
_RAW_COLUMNS = ("replication", "interval_start", "offered", "answered", "target_seconds",
                "answered_within_target", "wait_answered_seconds")  # fmt: skip


@dataclass(frozen=True)
class ServiceRisk:
    """Weekly service of a fixed staffing over replications of the forecast's distribution.

    Attributes
    ----------
    service_level : numpy.ndarray
        Weekly service level of each replication [fraction]: answered within the interval's
        threshold / offered, over the open intervals with a service-level target (NaN when
        none was offered there or there is no such target).
    asa_seconds : numpy.ndarray
        Weekly average speed of answer of each replication [s] (NaN: nothing answered).
    volume : numpy.ndarray
        Contacts offered in the week in each replication [contacts].
    met : numpy.ndarray of bool
        Whether the replication meets the weekly target(s).
    target_service_level : float
        Weekly service-level target [fraction] (NaN: none).
    target_asa_seconds : float
        Weekly ASA target [s] (NaN: none).

    Examples
    --------
    >>> risk = ServiceRisk(service_level=np.array([0.9, 0.7, 0.85, 0.6]),
    ...                    asa_seconds=np.array([5.0, 30, 9, 60]),
    ...                    volume=np.array([980.0, 1100, 1010, 1150]),
    ...                    met=np.array([True, False, True, False]),
    ...                    target_service_level=0.8, target_asa_seconds=float("nan"))
    >>> risk.p_meet
    0.5
    >>> [round(v, 3) for v in risk.p_meet_interval()]
    [0.15, 0.85]
    """

    service_level: np.ndarray
    asa_seconds: np.ndarray
    volume: np.ndarray
    met: np.ndarray
    target_service_level: float
    target_asa_seconds: float

    def __post_init__(self) -> None:
        names = ("service_level", "asa_seconds", "volume", "met")
        arrays = [np.array(getattr(self, n), dtype=bool if n == "met" else float) for n in names]
        sizes = {a.shape for a in arrays}
        if len(sizes) != 1 or arrays[0].ndim != 1 or arrays[0].size == 0:
            raise ValueError(
                f"ServiceRisk: expected {', '.join(names)} as 1-D arrays of one common, "
                f"non-zero length, got shapes {[a.shape for a in arrays]}"
            )
        for name, array in zip(names, arrays, strict=True):
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "target_service_level", float(self.target_service_level))
        object.__setattr__(self, "target_asa_seconds", float(self.target_asa_seconds))

    @property
    def replications(self) -> int:
        """Number of replications [count]."""
        return int(self.met.size)

    @property
    def p_meet(self) -> float:
        """Share of replications that meet the weekly target(s) [fraction]."""
        return float(self.met.mean())

    def p_meet_interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Wilson score interval of :attr:`p_meet`.

        Parameters
        ----------
        confidence : float, default 0.95
            Confidence level [fraction], in (0, 1).

        Returns
        -------
        (float, float)
            Lower and upper bounds [fraction].

        Examples
        --------
        >>> risk = ServiceRisk(np.ones(10), np.zeros(10), np.ones(10), np.ones(10, bool),
        ...                    0.8, float("nan"))
        >>> low, high = risk.p_meet_interval(0.9)
        >>> round(low, 3), high
        (0.787, 1.0)
        """
        if not (isinstance(confidence, int | float) and 0 < confidence < 1):
            raise ValueError(f"confidence: expected a fraction in (0, 1), got {confidence!r}")
        test = stats.binomtest(int(self.met.sum()), self.replications)
        interval = test.proportion_ci(confidence_level=confidence, method="wilson")
        return float(interval.low), float(interval.high)

    def quantiles(self, levels: ArrayLike = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Quantiles of the weekly figures across replications (NaN values left out).

        Parameters
        ----------
        levels : array_like, default (0.05, 0.25, 0.5, 0.75, 0.95)
            Quantile levels [fraction], each in [0, 1].

        Returns
        -------
        pandas.DataFrame
            Index ``level``; columns ``volume`` [contacts], ``service_level`` [fraction] and
            ``asa_seconds`` [s] (NaN where every replication's value is NaN).

        Examples
        --------
        >>> risk = ServiceRisk(np.array([0.7, 0.8, 0.9]), np.array([20.0, 10, 5]),
        ...                    np.array([1100.0, 1000, 900]), np.array([False, True, True]),
        ...                    0.8, float("nan"))
        >>> risk.quantiles([0.5])["service_level"].tolist()
        [0.8]
        """
        q = np.atleast_1d(np.asarray(levels, dtype=float))
        if q.ndim != 1 or q.size == 0 or not np.all((q >= 0) & (q <= 1)):
            raise ValueError(f"levels: expected quantile levels in [0, 1], got {levels!r}")
        columns = {}
        for name in ("volume", "service_level", "asa_seconds"):
            values = getattr(self, name)
            finite = values[np.isfinite(values)]
            columns[name] = np.quantile(finite, q) if finite.size else np.full(q.size, np.nan)
        return pd.DataFrame(columns, index=pd.Index(q, name="level"))

    def to_frame(self) -> pd.DataFrame:
        """One row per replication (columns :data:`RISK_FRAME_COLUMNS`).

        Examples
        --------
        >>> risk = ServiceRisk(np.array([0.9]), np.array([5.0]), np.array([1000.0]),
        ...                    np.array([True]), 0.8, float("nan"))
        >>> risk.to_frame().columns.tolist()
        ['replication', 'volume', 'service_level', 'asa_seconds', 'target_service_level', 'met']
        """
        return pd.DataFrame(
            {
                "replication": np.arange(self.replications),
                "volume": self.volume,
                "service_level": self.service_level,
                "asa_seconds": self.asa_seconds,
                "target_service_level": self.target_service_level,
                "met": self.met,
            }
        )[RISK_FRAME_COLUMNS]


def volume_factors(
    intervals: int,
    dispersion: float,
    level_dispersion: float,
    replications: int = 200,
    seed: int | np.random.Generator | np.random.SeedSequence | None = None,
) -> np.ndarray:
    """Multipliers of the forecast mean: ``G_t = W H_t`` for every replication and interval.

    Parameters
    ----------
    intervals : int
        Number of intervals ``T`` (>= 1).
    dispersion : float
        Negative binomial dispersion ``alpha`` of the forecast [1/contacts], finite, >= 0:
        the variance of each factor.
    level_dispersion : float
        Variance ``a_w`` of the factor ``W`` common to all intervals, finite, >= 0; clipped
        to ``dispersion``. The interval part has variance ``a_i = (1 + alpha)/(1 + a_w) - 1``.
    replications : int, default 200
        Number of rows ``R`` (>= 1).
    seed : int, numpy.random.Generator or numpy.random.SeedSequence, optional
        Random seed or generator.

    Returns
    -------
    numpy.ndarray
        Shape ``(R, T)``, factors >= 0 [dimensionless]: mean 1 and variance ``alpha`` in every
        interval, covariance ``a_w`` between two intervals. A part whose variance is at most
        1e-12 is exactly 1 (``alpha = 0`` gives ones; the gamma sampler fails for a shape
        near the largest float).

    Raises
    ------
    ValueError
        For a parameter out of range (the message names it).

    Examples
    --------
    >>> volume_factors(3, 0.0, 0.0, replications=2, seed=1)
    array([[1., 1., 1.],
           [1., 1., 1.]])
    >>> level_only = volume_factors(3, 0.05, 0.05, replications=2, seed=1)
    >>> bool(np.all(level_only == level_only[:, :1]))  # one factor per replication
    True
    """
    size = _whole("intervals", intervals, 10**7)
    count = _whole("replications", replications, 10**7)
    alpha = _dispersion("dispersion", dispersion)
    week = min(_dispersion("level_dispersion", level_dispersion), alpha)
    rest = (alpha - week) / (1.0 + week)  # (1 + alpha) / (1 + week) - 1, without cancellation
    rng = np.random.default_rng(seed)
    factors = np.ones((count, size))
    if week > _NEGLIGIBLE:
        factors *= rng.gamma(1.0 / week, week, size=(count, 1))
    if rest > _NEGLIGIBLE:
        factors *= rng.gamma(1.0 / rest, rest, size=(count, size))
    return factors


def weekly_service(raw: pd.DataFrame, asa_intervals: ArrayLike | None = None) -> pd.DataFrame:
    """Weekly service of each replication from a simulation's raw per-interval counts.

    Parameters
    ----------
    raw : pandas.DataFrame
        :attr:`staffing.simulate.SimulationResult.replications`: one row per replication and
        interval with ``replication``, ``interval_start``, ``offered``, ``answered``,
        ``target_seconds`` (NaN: no service-level threshold), ``answered_within_target`` and
        ``wait_answered_seconds``.
    asa_intervals : array_like of bool, optional
        One flag per interval in chronological order: the intervals the weekly ASA covers
        (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per replication: ``replication``, ``volume`` (offered in every interval
        [contacts]), ``judged_offered`` (offered in the intervals with a threshold
        [contacts]), ``service_level`` (answered within threshold / judged offered
        [fraction], NaN when none), ``asa_offered``, ``asa_answered`` [contacts] and
        ``asa_seconds`` (total wait / answered over ``asa_intervals`` [s], NaN when none).

    Raises
    ------
    staffing.errors.DataError
        For a missing column or ``asa_intervals`` of the wrong length.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({
    ...     "replication": [0, 0, 1, 1], "interval_start": [0, 1, 0, 1],
    ...     "offered": [10, 20, 10, 30], "answered": [10, 20, 10, 30],
    ...     "target_seconds": [20.0, float("nan"), 20, float("nan")],
    ...     "answered_within_target": [8, 20, 5, 30],
    ...     "wait_answered_seconds": [100.0, 0, 200, 0]})
    >>> weekly_service(raw)[["volume", "service_level", "asa_seconds"]].to_numpy().tolist()
    [[30.0, 0.8, 3.3333333333333335], [40.0, 0.5, 5.0]]
    """
    missing = [c for c in _RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"replications: missing column(s) {', '.join(missing)}")
    rep_codes, reps = pd.factorize(raw["replication"], sort=True)
    time_codes, times = pd.factorize(raw["interval_start"], sort=True)
    in_asa = np.ones(len(times), bool)
    if asa_intervals is not None:
        in_asa = np.asarray(asa_intervals, dtype=bool).ravel()
        if in_asa.size != len(times):
            raise DataError(
                f"asa_intervals: expected one flag per interval ({len(times)}), got {in_asa.size}"
            )
    in_asa = in_asa[time_codes]
    judged = np.isfinite(raw["target_seconds"].to_numpy(float))

    def total(column: str, mask: np.ndarray | None = None) -> np.ndarray:
        values = raw[column].to_numpy(float)
        values = values if mask is None else np.where(mask, values, 0.0)
        return np.bincount(rep_codes, weights=values, minlength=len(reps))

    out = pd.DataFrame({"replication": np.asarray(reps), "volume": total("offered")})
    out["judged_offered"] = total("offered", judged)
    out["service_level"] = _ratio(total("answered_within_target", judged), out["judged_offered"])
    out["asa_offered"] = total("offered", in_asa)
    out["asa_answered"] = total("answered", in_asa)
    out["asa_seconds"] = _ratio(total("wait_answered_seconds", in_asa), out["asa_answered"])
    return out


def weighted_target(levels: ArrayLike, weights: ArrayLike) -> float:
    """The weekly target: per-interval targets weighted by expected offered contacts.

    Parameters
    ----------
    levels : array_like
        Target of each interval (a service level [fraction] or an ASA [s]; NaN: none).
    weights : array_like
        Expected offered contacts of each interval [contacts], finite, >= 0.

    Returns
    -------
    float
        ``sum(w level) / sum(w)`` over the intervals with a target; their plain mean when
        their weights are all 0; NaN when no interval has a target.

    Examples
    --------
    >>> weighted_target([0.8, 0.9, float("nan")], [300.0, 100.0, 50.0])
    0.825
    """
    level = np.asarray(levels, dtype=float).ravel()
    weight = np.asarray(weights, dtype=float).ravel()
    if level.shape != weight.shape or not np.all(np.isfinite(weight) & (weight >= 0)):
        raise DataError(
            "weighted_target: expected one finite weight >= 0 [contacts] per target, got "
            f"{weight.size} weights for {level.size} targets"
        )
    has = np.isfinite(level)
    if not has.any():
        return float("nan")
    if weight[has].sum() <= 0:
        return float(level[has].mean())
    return float(np.average(level[has], weights=weight[has]))


def service_risk(
    agents: pd.DataFrame | ArrayLike,
    mean_volume: ArrayLike,
    *,
    interval_starts: ArrayLike,
    target_service_level: ArrayLike | float | None = None,
    target_within_seconds: ArrayLike | float | None = None,
    target_asa_seconds: ArrayLike | float | None = None,
    open_: ArrayLike | None = None,
    aht_seconds: float,
    patience_seconds: float | ArrayLike | None = None,
    dispersion: float,
    level_dispersion: float,
    replications: int = 200,
    seed: int | np.random.Generator | None = None,
    handle_time: str | ArrayLike = "exponential",
    cv: float = 1.0,
    interval_minutes: float | None = None,
) -> ServiceRisk:
    """Weekly service of a fixed staffing when volume follows the forecast's distribution.

    Draws the factors ``G`` (:func:`volume_factors`), simulates the staffing once with
    ``replications`` replications at volume ``mean_volume * G`` (0 in closed intervals) and
    judges each replication: its weekly service level (:func:`weekly_service`) must reach the
    weekly target (the interval targets weighted by ``mean_volume`` over the open intervals
    with a service-level target, :func:`weighted_target`), and its weekly ASA over the open
    intervals with an ASA target must not exceed their weighted ASA target; both when both
    kinds of target are set. A replication offered no contact in the judged intervals meets
    that target (nothing was missed); one that answered none of the contacts it was offered
    misses the ASA target.

    Parameters
    ----------
    agents : pandas.DataFrame or array_like
        Agents on contacts: a roster or agents per interval, as
        :func:`staffing.simulate.simulate` takes them, or whole agents per interval [agents]
        in the order of ``interval_starts``.
    mean_volume : array_like
        Expected offered contacts per interval [contacts per interval], finite, >= 0
        (deflection already taken off).
    interval_starts : array_like of timestamps
        Start of every interval, tz-aware, increasing on a regular grid.
    target_service_level : array_like or float, optional
        Service-level target of each interval [fraction] in [0, 1] (NaN: none).
    target_within_seconds : array_like or float, optional
        Answer-time threshold of each interval's service level [s], >= 0 (NaN: none).
    target_asa_seconds : array_like or float, optional
        ASA target of each interval [s], >= 0 (NaN: none).
    open_ : array_like of bool, optional
        Open intervals (default: all); closed ones take no contacts and have no target.
    aht_seconds : float
        Mean handle time [s].
    patience_seconds : float or array_like, optional
        Mean exponential patience or observed patience times [s] (default: nobody abandons).
    dispersion, level_dispersion : float
        Forecast dispersion ``alpha`` and week-level dispersion ``a_w`` (see
        :func:`volume_factors`).
    replications : int, default 200
        Replications (one factor row and one simulated week each).
    seed : int or numpy.random.Generator, optional
        Seed. The simulation uses it as :func:`~staffing.simulate.simulate` does and the
        factors an independent stream derived from it, so an equal seed gives equal draws
        (common random numbers when comparing staffings).
    handle_time, cv, interval_minutes
        As in :func:`staffing.simulate.simulate`.

    Returns
    -------
    ServiceRisk

    Raises
    ------
    staffing.errors.DataError
        For per-interval inputs of the wrong length or with bad values (names the interval).
    staffing.errors.ConfigError
        When no open interval has a service-level or ASA target.
    ValueError
        For a parameter out of range.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> starts = pd.date_range("2024-03-04 09:00", periods=8, freq="h", tz="Europe/London")
    >>> risk = service_risk(np.full(8, 10), np.full(8, 100.0), interval_starts=starts,
    ...                     target_service_level=0.8, target_within_seconds=20,
    ...                     aht_seconds=300, dispersion=0.02, level_dispersion=0.01,
    ...                     replications=40, seed=3)
    >>> risk.replications, risk.target_service_level
    (40, 0.8)
    >>> bool(0 < risk.p_meet < 1)
    True
    """
    starts = _interval_starts(interval_starts)
    size = len(starts)
    is_open = _open(open_, size)
    expected = np.where(is_open, _per_interval("mean_volume", mean_volume, starts, False), 0.0)
    levels = _per_interval("target_service_level", target_service_level, starts, True, 1.0)
    within = _per_interval("target_within_seconds", target_within_seconds, starts, True)
    asa = _per_interval("target_asa_seconds", target_asa_seconds, starts, True)
    judged = is_open & np.isfinite(levels) & np.isfinite(within)
    asa_judged = is_open & np.isfinite(asa)
    if not (judged.any() or asa_judged.any()):
        raise ConfigError(
            "service_risk: no open interval has a service-level target (target_service_level "
            "with target_within_seconds) or an ASA target (target_asa_seconds)"
        )
    factor_seed, simulation_seed = _seeds(seed)
    factors = volume_factors(size, dispersion, level_dispersion, replications, factor_seed)
    if not isinstance(agents, pd.DataFrame):
        counts = _per_interval("agents", agents, starts, False)
        agents = pd.DataFrame({"interval_start": starts, "agents": counts})
    result = simulate(
        agents,
        pd.DataFrame({"interval_start": starts, "volume": expected}),
        aht_seconds=aht_seconds,
        target_seconds=np.where(judged, within, np.nan),
        handle_time=handle_time,
        cv=cv,
        patience_seconds=patience_seconds,
        replications=replications,
        seed=simulation_seed,
        interval_minutes=interval_minutes,
        volume_draws=expected * factors,
    )
    weekly = weekly_service(result.replications, asa_judged if asa_judged.any() else None)
    target_level = weighted_target(np.where(judged, levels, np.nan), expected)
    target_asa = weighted_target(np.where(asa_judged, asa, np.nan), expected)
    return ServiceRisk(
        service_level=weekly["service_level"].to_numpy(float),
        asa_seconds=weekly["asa_seconds"].to_numpy(float),
        volume=weekly["volume"].to_numpy(float),
        met=_met(weekly, target_level, target_asa),
        target_service_level=target_level,
        target_asa_seconds=target_asa,
    )


def _met(weekly: pd.DataFrame, target_level: float, target_asa: float) -> np.ndarray:
    """Whether each replication meets the weekly target(s) (see :func:`service_risk`)."""
    met = np.ones(len(weekly), bool)
    if np.isfinite(target_level):
        level = weekly["service_level"].to_numpy(float)
        none = weekly["judged_offered"].to_numpy(float) == 0
        met &= none | (level >= target_level - _TOLERANCE)
    if np.isfinite(target_asa):
        asa = weekly["asa_seconds"].to_numpy(float)
        none = weekly["asa_offered"].to_numpy(float) == 0
        answered = weekly["asa_answered"].to_numpy(float) > 0
        met &= none | (answered & (asa <= target_asa + _TOLERANCE))
    return met


def _seeds(
    seed: int | np.random.Generator | None,
) -> tuple[np.random.Generator, int | np.random.Generator]:
    """The factor stream and the simulation's seed, independent of each other."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(1)[0], seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if not (isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0):
        raise ValueError(f"seed: expected a whole number >= 0 or a Generator, got {seed!r}")
    return np.random.default_rng([int(seed), _FACTOR_STREAM]), int(seed)


def _interval_starts(values: ArrayLike) -> pd.DatetimeIndex:
    try:
        starts = pd.DatetimeIndex(values)
    except (TypeError, ValueError) as err:
        raise DataError(f"interval_starts: expected timestamps: {err}") from err
    if len(starts) == 0 or starts.tz is None:
        raise DataError("interval_starts: expected at least one tz-aware timestamp")
    if not starts.is_monotonic_increasing or starts.has_duplicates:
        raise DataError("interval_starts: expected increasing timestamps without repeats")
    return starts


def _open(values: ArrayLike | None, size: int) -> np.ndarray:
    if values is None:
        return np.ones(size, bool)
    flags = np.asarray(values).ravel()
    if flags.size != size or flags.dtype.kind not in "bui":
        raise DataError(f"open_: expected one bool per interval ({size}), got {flags!r}")
    return flags.astype(bool)


def _per_interval(
    name: str,
    values: ArrayLike | float | None,
    starts: pd.DatetimeIndex,
    missing_ok: bool,
    upper: float = np.inf,
) -> np.ndarray:
    """One finite value in [0, upper] per interval (NaN allowed when ``missing_ok``)."""
    if values is None and missing_ok:
        return np.full(len(starts), np.nan)
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name}: expected numbers: {err}") from err
    array = np.broadcast_to(array, (len(starts),)) if array.ndim == 0 else array.ravel()
    if array.size != len(starts):
        raise DataError(
            f"{name}: expected one value per interval ({len(starts)}), got {array.size}"
        )
    ok = np.isfinite(array) & (array >= 0) & (array <= upper)
    bad = ~(ok | (np.isnan(array) & missing_ok))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        allowed = f"[0, {upper:g}]" + (" or NaN" if missing_ok else "")
        raise DataError(
            f"{name}: interval {first} ({starts[first]}) is {array[first]}; expected {allowed}"
        )
    return np.array(array, dtype=float)


def _whole(name: str, value: object, maximum: int) -> int:
    if not (_number(value) and float(value).is_integer() and 1 <= value <= maximum):
        raise ValueError(f"{name}: expected a whole number from 1 to {maximum}, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _dispersion(name: str, value: object) -> float:
    if not (_number(value) and np.isfinite(value) and value >= 0):
        raise ValueError(f"{name}: expected a finite dispersion >= 0, got {value!r}")
    return float(value)  # type: ignore[arg-type]
