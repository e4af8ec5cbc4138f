"""Fit handle-time and patience distributions from per-contact records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["HandleTimeFit", "PatienceFit", "fit_handle_time", "fit_patience"]


@dataclass(frozen=True)
class HandleTimeFit:
    """Maximum-likelihood fits of candidate handle-time distributions.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distribution (``exponential``, ``lognormal``, ``gamma``), sorted by AIC:
        ``distribution``, ``mean_seconds`` [s], ``cv`` [fraction], ``params`` (scipy shape and
        scale, location fixed at 0), ``loglik``, ``aic``, ``ks`` (Kolmogorov–Smirnov distance).
    best : str
        The distribution with the lowest AIC.
    mean_seconds : float
        Sample mean [s].
    cv : float
        Sample coefficient of variation [fraction].
    """

    table: pd.DataFrame
    best: str
    mean_seconds: float
    cv: float


@dataclass(frozen=True)
class PatienceFit:
    """Patience estimated from waits of abandoned (event) and served (censored) contacts.

    Attributes
    ----------
    mean_seconds : float
        Exponential maximum-likelihood mean patience with right censoring [s]:
        total wait of everybody divided by the number of abandonments.
    ci_low, ci_high : float
        Confidence interval of ``mean_seconds`` from ``2 T / theta ~ chi2(2 d)`` [s].
    events : int
        Number of abandonments.
    exposure_seconds : float
        Total time spent waiting by all contacts [s].
    survival : pandas.DataFrame
        Kaplan–Meier estimate: ``time_seconds``, ``at_risk``, ``abandoned``, ``survival``
        (probability of still being willing to wait after that time).
    """

    mean_seconds: float
    ci_low: float
    ci_high: float
    events: int
    exposure_seconds: float
    survival: pd.DataFrame


def _durations(values: ArrayLike, name: str, *, positive: bool) -> np.ndarray:
    sample = np.asarray(values, dtype=float).ravel()
    if sample.size < 2:
        raise ValueError(f"{name}: expected at least 2 values [s], got {sample.size}")
    bad = ~np.isfinite(sample) | ((sample <= 0) if positive else (sample < 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        limit = "> 0" if positive else ">= 0"
        raise ValueError(
            f"{name}: {int(bad.sum())} value(s) not finite and {limit}, first at position "
            f"{first}: {sample[first]}"
        )
    return sample


def fit_handle_time(durations: ArrayLike) -> HandleTimeFit:
    """Fit exponential, lognormal and gamma distributions to handle times by maximum likelihood.

    Parameters
    ----------
    durations : array_like
        Observed handle times [s], all finite and > 0.

    Returns
    -------
    HandleTimeFit
        The fits ranked by AIC; ``best`` names the winner. Use its ``mean_seconds`` and ``cv``
        as ``aht_seconds`` and ``cv`` of :func:`staffing.simulate.simulate`.

    Raises
    ------
    ValueError
        When fewer than two values are given or any value is not finite and > 0.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fit = fit_handle_time(rng.lognormal(np.log(200), 0.8, 5000))
    >>> fit.best
    'lognormal'
    >>> round(float(fit.table.set_index("distribution").loc["lognormal", "cv"]), 1)
    0.9
    """
    sample = _durations(durations, "durations", positive=True)
    log = np.log(sample)
    fits = {
        "exponential": (stats.expon, (0.0, sample.mean())),
        "lognormal": (stats.lognorm, (log.std(), 0.0, np.exp(log.mean()))),
        "gamma": (stats.gamma, stats.gamma.fit(sample, floc=0)),
    }
    rows = []
    for name, (family, params) in fits.items():
        frozen = family(*params)
        loglik = float(frozen.logpdf(sample).sum())
        free = len(params) - 1
        rows.append(
            {
                "distribution": name,
                "mean_seconds": float(frozen.mean()),
                "cv": float(frozen.std() / frozen.mean()),
                "params": tuple(float(p) for p in params),
                "loglik": loglik,
                "aic": 2 * free - 2 * loglik,
                "ks": float(stats.kstest(sample, frozen.cdf).statistic),
            }
        )
    table = pd.DataFrame(rows).sort_values("aic", ignore_index=True)
    return HandleTimeFit(
        table=table,
        best=str(table["distribution"].iloc[0]),
        mean_seconds=float(sample.mean()),
        cv=float(sample.std(ddof=1) / sample.mean()),
    )


def fit_patience(waits: ArrayLike, abandoned: ArrayLike, confidence: float = 0.95) -> PatienceFit:
    """Estimate patience from queue waits, treating served contacts as right-censored.

    An abandoned contact reveals its patience (its wait); a served contact only shows that its
    patience exceeded its wait.

    Parameters
    ----------
    waits : array_like
        Time each contact spent in the queue [s], finite and >= 0.
    abandoned : array_like of bool
        True where the contact abandoned, False where it was served.
    confidence : float, default 0.95
        Confidence level of the interval on the mean [fraction].

    Returns
    -------
    PatienceFit

    Raises
    ------
    ValueError
        When lengths differ, a wait is negative or nobody abandoned.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> patience = rng.exponential(120, 20000)
    >>> wait_needed = rng.exponential(60, 20000)
    >>> fit = fit_patience(np.minimum(patience, wait_needed), patience < wait_needed)
    >>> bool(fit.ci_low < 120 < fit.ci_high)
    True
    """
    wait = _durations(waits, "waits", positive=False)
    event = np.asarray(abandoned).ravel()
    if event.shape != wait.shape:
        raise ValueError(f"abandoned: expected {wait.size} flags like waits, got {event.size}")
    if event.dtype != bool:
        raise ValueError(f"abandoned: expected booleans, got dtype {event.dtype}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected a fraction in (0, 1), got {confidence}")
    events = int(event.sum())
    if events == 0:
        raise ValueError("abandoned: no abandonment, so patience cannot be estimated")
    exposure = float(wait.sum())
    alpha = 1 - confidence
    return PatienceFit(
        mean_seconds=exposure / events,
        ci_low=2 * exposure / stats.chi2.ppf(1 - alpha / 2, 2 * events),
        ci_high=2 * exposure / stats.chi2.ppf(alpha / 2, 2 * events),
        events=events,
        exposure_seconds=exposure,
        survival=kaplan_meier(wait, event),
    )


def kaplan_meier(times: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """Kaplan–Meier survival estimate at each distinct event time.

    Parameters
    ----------
    times : numpy.ndarray
        Observed times [s] (event or censoring).
    events : numpy.ndarray of bool
        True for an event, False for a censored observation.

    Returns
    -------
    pandas.DataFrame
        ``time_seconds``, ``at_risk``, ``abandoned``, ``survival``. Censoring at a time counts
        as happening just after the events at that time.

    Examples
    --------
    >>> import numpy as np
    >>> km = kaplan_meier(np.array([1.0, 2, 2, 3]), np.array([True, True, False, True]))
    >>> km["survival"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    order = np.argsort(times, kind="stable")
    t, e = times[order], events[order]
    unique, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e.astype(int), first)
    keep = deaths > 0
    survival = np.cumprod(1 - deaths[keep] / at_risk[keep])
    return pd.DataFrame(
        {
            "time_seconds": unique[keep],
            "at_risk": at_risk[keep],
            "abandoned": deaths[keep],
            "survival": survival,
        }
    )
