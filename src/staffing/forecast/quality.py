"""Forecast quality on the validation windows, the week-level error, and extra quantiles.

The :class:`~staffing.forecast.Forecaster` scores each candidate model at weekly rolling
origins at the end of the history (its *validation windows*). Besides the MASE that chooses
the model, :func:`candidate_quality` gives the relative bias, the coverage of the central
bands and the dispersion of each candidate, and :func:`level_dispersion` the variance of the
week-level error that the risk engine shares across all the intervals of a week.
:func:`add_quantiles` adds quantile columns to a forecast, computed as the Forecaster does.

Examples
--------
>>> import numpy as np
>>> actual = [np.array([600.0, 600.0]), np.array([400.0, 400.0])]
>>> mean = [np.array([500.0, 500.0]), np.array([500.0, 500.0])]
>>> round(level_dispersion(actual, mean, dispersion=0.5), 4)  # 0.04 - 1/1000
0.039
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from staffing.errors import ConfigError, DataError
from staffing.forecast.intervals import fit_dispersion_pinball, mid_quantiles
from staffing.forecast.metrics import bias, coverage

__all__ = [
    "LEVEL_NOTE",
    "PREFERRED",
    "SWITCH_MARGIN",
    "add_quantiles",
    "candidate_quality",
    "choose",
    "coverage_pairs",
    "level_dispersion",
    "selection_table",
    "window_totals",
]

#: Note of a queue whose validation windows give no week-level error (``Forecaster.notes_``).
LEVEL_NOTE = (
    "no validation window with a positive forecast, so the week-level error is not measured: "
    "level dispersion set to the whole dispersion alpha (cautious)"
)

_QUANTILE_COLUMN = re.compile(r"^q\d+(\.\d+)?$")


def coverage_pairs(levels: Sequence[float]) -> list[tuple[str, float, float]]:
    """The central bands of a set of quantile levels: pairs symmetric around the median.

    Parameters
    ----------
    levels : sequence of float
        Quantile levels in (0, 1) [fraction].

    Returns
    -------
    list of (str, float, float)
        ``(column, low, high)`` per band, narrowest last; the column is ``coverage_<P>`` with
        ``P`` the nominal coverage in percent (as in :func:`~staffing.forecast.backtest`).

    Examples
    --------
    >>> coverage_pairs((0.05, 0.1, 0.5, 0.9, 0.95, 0.3))
    [('coverage_90', 0.05, 0.95), ('coverage_80', 0.1, 0.9)]
    """
    values = [float(p) for p in levels]
    pairs = []
    for low in sorted(p for p in values if p < 0.5):
        high = [p for p in values if abs(p - (1.0 - low)) < 1e-9]
        if high:
            pairs.append((f"coverage_{round(100 * (high[0] - low), 6):g}", low, high[0]))
    return pairs


def window_totals(
    actual_windows: Sequence[np.ndarray], mean_windows: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Actual and forecast totals of each usable validation window.

    Parameters
    ----------
    actual_windows : sequence of array_like
        Observed counts of each window [contacts per interval]; NaN = missing.
    mean_windows : sequence of array_like
        Forecast means of the same intervals [contacts per interval].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A_k`` and ``F_k`` [contacts per window]: sums over the intervals where both the
        actual and the mean are known, for the windows with ``F_k > 0`` (others are dropped).

    Raises
    ------
    staffing.errors.DataError
        A window whose actuals and means differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> window_totals([np.array([3.0, np.nan]), np.array([1.0])],
    ...               [np.array([2.0, 9.0]), np.array([0.0])])
    (array([3.]), array([2.]))
    """
    if len(actual_windows) != len(mean_windows):
        raise DataError(
            f"validation windows: {len(actual_windows)} of actuals but {len(mean_windows)} "
            "of forecast means"
        )
    totals_a, totals_f = [], []
    for k, (actual, mean) in enumerate(zip(actual_windows, mean_windows, strict=True)):
        y, mu = np.asarray(actual, dtype=float), np.asarray(mean, dtype=float)
        if y.shape != mu.shape:
            raise DataError(
                f"validation window {k}: {y.shape} actuals but {mu.shape} forecast means"
            )
        keep = ~np.isnan(y) & ~np.isnan(mu)
        total = float(mu[keep].sum())
        if total > 0:
            totals_a.append(float(y[keep].sum()))
            totals_f.append(total)
    return np.array(totals_a), np.array(totals_f)


def level_dispersion(
    actual_windows: Sequence[np.ndarray],
    mean_windows: Sequence[np.ndarray],
    dispersion: float,
) -> float:
    """Variance of the week-level multiplicative forecast error, Poisson noise removed.

    For each validation window k (one week at a rolling origin), ``A_k`` is the sum of the
    observed actuals and ``F_k`` the sum of the forecast means on the same intervals. If the
    week's arrivals are Poisson at rate ``F_k * W`` with a level factor ``W`` of mean 1 and
    variance ``a_w`` common to the week, then ``E[(A_k / F_k - 1)^2] = a_w + 1 / F_k``, so

    ``a_w = max(0, mean_k (A_k / F_k - 1)^2 - mean_k 1 / F_k)``,

    clipped to ``[0, dispersion]``: the week-level factor cannot carry more variance than the
    whole per-interval dispersion it is split from (``(1 + a_w)(1 + a_i) = 1 + alpha``).

    Parameters
    ----------
    actual_windows : sequence of array_like
        Observed counts of each window [contacts per interval]; NaN = missing (left out).
    mean_windows : sequence of array_like
        Out-of-sample forecast means of the same intervals [contacts per interval].
    dispersion : float
        The interval dispersion alpha of the same forecasts [1/contacts], ``>= 0``.

    Returns
    -------
    float
        ``a_w`` [dimensionless: variance of the ratio weekly actual / weekly forecast], in
        ``[0, dispersion]``. Windows with ``F_k <= 0`` are skipped; with no usable window the
        result is ``dispersion`` (cautious: the whole interval error is treated as common to
        the week).

    Raises
    ------
    staffing.errors.DataError
        A dispersion that is not a finite number >= 0, or windows of different lengths.

    Notes
    -----
    The bias of the forecast counts as level error (the mean square is about 1, not about the
    mean ratio): a model that is 10% low every week has ``a_w`` near 0.01. The interval part
    of the error also adds ``(1 + a_w) a_i sum(mu^2) / F^2`` to the mean square, about
    ``a_i / n`` for ``n`` similar intervals; it is not removed, which errs on the cautious
    side (a slightly larger ``a_w``). With four windows the estimate is rough.

    Examples
    --------
    >>> import numpy as np
    >>> mean = [np.full(10, 100.0)] * 2  # F_k = 1000
    >>> actual = [np.full(10, 120.0), np.full(10, 80.0)]  # ratios 1.2 and 0.8
    >>> round(level_dispersion(actual, mean, dispersion=0.05), 6)  # 0.04 - 0.001
    0.039
    >>> level_dispersion(actual, mean, dispersion=0.01)  # clipped to the dispersion
    0.01
    >>> level_dispersion([np.array([np.nan])], [np.array([5.0])], dispersion=0.02)
    0.02
    """
    alpha = float(dispersion)
    if not (np.isfinite(alpha) and alpha >= 0):
        raise DataError(f"level_dispersion: expected a dispersion >= 0, got {dispersion!r}")
    totals, means = window_totals(actual_windows, mean_windows)
    if means.size == 0:
        return alpha
    excess = np.mean((totals / means - 1.0) ** 2) - np.mean(1.0 / means)
    return float(min(max(excess, 0.0), alpha))


def candidate_quality(
    actual_windows: Sequence[np.ndarray],
    mean_windows: Sequence[np.ndarray],
    levels: Sequence[float],
    dispersion: float | None = None,
) -> dict[str, float]:
    """Bias, band coverage, dispersion and level dispersion of one model's validation forecasts.

    Parameters
    ----------
    actual_windows : sequence of array_like
        Observed counts of each validation window [contacts per interval]; NaN = missing.
    mean_windows : sequence of array_like
        The model's out-of-sample forecast means of the same intervals [contacts per interval].
    levels : sequence of float
        The configured quantile levels [fraction].
    dispersion : float, optional
        The model's dispersion alpha if already fitted; else fitted here with
        :func:`~staffing.forecast.intervals.fit_dispersion_pinball` on all the windows.

    Returns
    -------
    dict of str to float
        ``bias`` (``sum(mean - actual) / sum(actual)`` over the observed intervals [fraction],
        > 0 over-forecasts), ``coverage_<P>`` per central band of ``levels`` (share of
        observed intervals inside the mid-quantile band of the model's own dispersion
        [fraction]), ``dispersion`` [1/contacts] and ``level_dispersion`` (see
        :func:`level_dispersion`). A value that is undefined (no observed interval, zero
        actual total) is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> mean = [np.full(168, 50.0) for _ in range(4)]
    >>> actual = [rng.poisson(m).astype(float) for m in mean]
    >>> quality = candidate_quality(actual, mean, (0.1, 0.5, 0.9))
    >>> sorted(quality)
    ['bias', 'coverage_80', 'dispersion', 'level_dispersion']
    >>> bool(0.7 < quality["coverage_80"] < 0.9 and abs(quality["bias"]) < 0.02)
    True
    """
    y = np.concatenate([np.asarray(a, dtype=float) for a in actual_windows])
    mu = np.concatenate([np.asarray(m, dtype=float) for m in mean_windows])
    keep = ~np.isnan(y) & ~np.isnan(mu)
    pairs = coverage_pairs(levels)
    alpha = dispersion
    if alpha is None:
        alpha = _or_nan(fit_dispersion_pinball, y, mu, tuple(float(p) for p in levels))
    result = {"bias": _or_nan(bias, y[keep], mu[keep])}
    result.update({column: np.nan for column, _, _ in pairs})
    result.update({"dispersion": float(alpha), "level_dispersion": np.nan})
    if not (keep.any() and np.isfinite(alpha)):
        return result
    if pairs:
        tails = tuple(p for _, low, high in pairs for p in (low, high))
        band = mid_quantiles(mu[keep], float(alpha), tails)
        for j, (column, _, _) in enumerate(pairs):
            result[column] = coverage(y[keep], band[:, 2 * j], band[:, 2 * j + 1])
    result["level_dispersion"] = level_dispersion(actual_windows, mean_windows, float(alpha))
    return result


def _or_nan(function: Callable[..., float], *args: object) -> float:
    """``function(*args)``, or NaN when it is undefined (raises a ValueError)."""
    try:
        return float(function(*args))
    except ValueError:
        return float("nan")


def selection_table(
    queue: str,
    scores: Mapping[str, float],
    windows: Mapping[str, tuple[Sequence[np.ndarray], Sequence[np.ndarray]]],
    levels: Sequence[float],
    chosen: str,
    alpha: float,
) -> pd.DataFrame:
    """The Forecaster's validation table of one queue: why its model was chosen.

    Parameters
    ----------
    queue : str
        Queue name.
    scores : mapping of str to float
        Candidate model to its MASE over the validation windows, in the order of the table.
    windows : mapping of str to (list of array, list of array)
        Candidate to its actuals and forecast means per validation window
        [contacts per interval].
    levels : sequence of float
        The configured quantile levels [fraction].
    chosen : str
        The selected candidate.
    alpha : float
        The chosen candidate's dispersion (the others' are fitted here) [1/contacts].

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``queue, model, mase, bias, coverage_<P>..., dispersion,
        level_dispersion, origins, selected`` (see :func:`candidate_quality`; ``origins`` is
        the number of validation windows).

    Examples
    --------
    >>> import numpy as np
    >>> actual = [np.array([10.0, 12.0]), np.array([9.0, 11.0])]
    >>> windows = {"a": (actual, [np.full(2, 10.0)] * 2), "b": (actual, [np.full(2, 20.0)] * 2)}
    >>> table = selection_table("phone", {"a": 0.5, "b": 2.0}, windows, (0.1, 0.9), "a", 0.01)
    >>> list(table.columns[3:])
    ['bias', 'coverage_80', 'dispersion', 'level_dispersion', 'origins', 'selected']
    >>> table[["model", "bias", "dispersion", "origins", "selected"]].values.tolist()
    [['a', -0.0476..., 0.01, 2, True], ['b', 0.904..., ..., 2, False]]
    """
    rows = []
    for name, score in scores.items():
        given = alpha if name == chosen else None
        quality = candidate_quality(*windows[name], levels, dispersion=given)
        origins = len(windows[name][0])
        row = {"queue": queue, "model": name, "mase": score, **quality}
        rows.append({**row, "origins": origins, "selected": name == chosen})
    return pd.DataFrame(rows)


def add_quantiles(
    forecast: pd.DataFrame, dispersion: Mapping[str, float], levels: Sequence[float]
) -> pd.DataFrame:
    """Add quantile columns to a forecast, computed exactly as the Forecaster computes them.

    Each new column holds the negative binomial mid-quantiles of the interval's ``volume``
    with the queue's dispersion (:func:`~staffing.forecast.intervals.mid_quantiles`). The
    intervals forecast as exactly zero (``volume`` 0 and every existing quantile column 0:
    slots of the week that are closed or always zero) stay 0.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Columns ``queue``, ``volume`` [contacts per interval] and possibly quantile columns
        (``q10``, ``q50``...; see :func:`~staffing.forecast.quantile_column`); indexed by
        ``interval_start`` or with it as a column (any index is kept).
    dispersion : mapping of str to float
        Queue to dispersion alpha [1/contacts], e.g. ``Forecaster.dispersion_``.
    levels : sequence of float
        Quantile levels to add, in (0, 1) [fraction]; an existing column of the same name is
        recomputed.

    Returns
    -------
    pandas.DataFrame
        A copy of ``forecast`` with the other columns first, in their order, then all the
        quantile columns in increasing order of level.

    Raises
    ------
    staffing.errors.DataError
        A missing ``queue`` or ``volume`` column, or a volume that is negative, infinite or
        not a number.
    staffing.errors.ConfigError
        A level outside (0, 1), or a queue with no dispersion > 0 in ``dispersion``.

    Notes
    -----
    Without any existing quantile column, every interval with ``volume`` 0 is taken as a
    zero slot.

    Examples
    --------
    >>> from staffing.datasets import load_example
    >>> from staffing.forecast import Forecaster
    >>> model = Forecaster("seasonal_naive_week").fit(load_example().query("queue == 'chat'"))
    >>> result = add_quantiles(model.predict(horizon_days=7), model.dispersion_, (0.7, 0.8))
    >>> list(result.columns)
    ['queue', 'volume', 'q10', 'q50', 'q70', 'q80', 'q90']
    >>> bool((result["q50"] <= result["q70"]).all() and (result["q80"] <= result["q90"]).all())
    True
    """
    from staffing.forecast.core import quantile_column  # core imports this module

    wanted = _check_levels(levels)
    for column in ("queue", "volume"):
        if column not in forecast.columns:
            raise DataError(f"forecast: missing column {column!r}")
    volume = pd.to_numeric(forecast["volume"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(volume) | (volume < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"forecast: column 'volume', row {row}: expected a number >= 0, "
            f"got {forecast['volume'].iloc[row]!r}"
        )
    existing = [c for c in forecast.columns if _QUANTILE_COLUMN.match(str(c))]
    zero = (volume == 0) & (forecast[existing].to_numpy(dtype=float) == 0).all(axis=1)
    queues = forecast["queue"].to_numpy()
    new = np.zeros((len(forecast), len(wanted)))
    for queue in pd.unique(queues):
        rows = queues == queue
        new[rows] = mid_quantiles(volume[rows], _alpha(dispersion, queue), wanted)
    new[zero] = 0.0
    result = forecast.copy()
    for j, level in enumerate(wanted):
        result[quantile_column(level)] = new[:, j]
    quantiles = [c for c in result.columns if _QUANTILE_COLUMN.match(str(c))]
    quantiles.sort(key=lambda c: float(str(c)[1:]))
    others = [c for c in result.columns if c not in quantiles]
    return result[others + quantiles]


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """The levels as sorted floats, after checking they are in (0, 1)."""
    try:
        values = [float(p) for p in levels]
    except (TypeError, ValueError):
        raise ConfigError(
            f"add_quantiles(levels=...): expected probabilities in (0, 1), got {levels!r}"
        ) from None
    if not values or not all(0.0 < p < 1.0 for p in values):
        raise ConfigError(
            f"add_quantiles(levels=...): expected probabilities in (0, 1), got {list(levels)}"
        )
    return tuple(sorted(set(values)))


def _alpha(dispersion: Mapping[str, float], queue: object) -> float:
    """The dispersion of a queue, checked."""
    if queue not in dispersion:
        raise ConfigError(
            f"add_quantiles(dispersion=...): no dispersion for queue {queue!r} "
            f"(have {', '.join(map(repr, dispersion)) or 'none'})"
        )
    value = dispersion[queue]
    try:
        alpha = float(value)
    except (TypeError, ValueError):
        alpha = float("nan")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ConfigError(
            f"add_quantiles(dispersion=...): queue {queue!r}: expected a number > 0, got {value!r}"
        )
    return alpha


#: The model ``"auto"`` keeps unless another candidate's validation MASE is lower by more
#: than :data:`SWITCH_MARGIN` (a fraction of the ensemble's): on four validation weeks a
#: smaller difference is mostly noise, and the ensemble is the safer bet.
PREFERRED = "ensemble"
SWITCH_MARGIN = 0.05


def choose(scores: Mapping[str, float]) -> str:
    """The model ``"auto"`` picks from validation MASE per candidate.

    The smallest MASE wins, except that :data:`PREFERRED` (when a candidate) is kept unless
    the winner's MASE is lower by more than :data:`SWITCH_MARGIN` of its own.

    Parameters
    ----------
    scores : mapping of str to float
        Model name to mean validation MASE [dimensionless]; NaN for a model that could not
        be scored (it is never chosen over a scored one).

    Returns
    -------
    str
        The chosen model name.

    Raises
    ------
    ValueError
        No scores at all.

    Examples
    --------
    >>> choose({"glm": 0.80, "ensemble": 0.82})
    'ensemble'
    >>> choose({"glm": 0.70, "ensemble": 0.82, "holt_winters": float("nan")})
    'glm'
    """
    if not scores:
        raise ValueError("choose(scores): expected the validation MASE of at least one model")
    ranked = {n: (np.inf if np.isnan(v) else v) for n, v in scores.items()}
    best = min(ranked, key=ranked.__getitem__)
    preferred = ranked.get(PREFERRED, np.inf)
    if np.isfinite(preferred) and ranked[best] >= (1.0 - SWITCH_MARGIN) * preferred:
        return PREFERRED
    return best
