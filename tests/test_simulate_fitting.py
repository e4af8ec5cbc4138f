"""Tests of the handle-time and patience fits on synthetic and real per-call data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffing.simulate import fit_handle_time, fit_patience, kaplan_meier

CALLS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank_1999-02.calls.csv"
)


@pytest.mark.parametrize(
    ("draw", "best", "mean", "cv"),
    [
        (lambda rng: rng.exponential(240, 20000), "exponential", 240, 1.0),
        (
            lambda rng: rng.lognormal(np.log(180), 0.9, 20000),
            "lognormal",
            180 * np.exp(0.405),
            1.12,
        ),
        (lambda rng: rng.gamma(3.0, 60, 20000), "gamma", 180, 1 / np.sqrt(3)),
    ],
)
def test_fit_handle_time_recovers_known_family(draw, best, mean, cv):
    fit = fit_handle_time(draw(np.random.default_rng(4)))
    assert fit.best == best
    row = fit.table.set_index("distribution").loc[best]
    assert row["mean_seconds"] == pytest.approx(mean, rel=0.03)
    assert row["cv"] == pytest.approx(cv, rel=0.05)
    assert list(fit.table["aic"]) == sorted(fit.table["aic"])


def test_fit_handle_time_rejects_nonpositive():
    with pytest.raises(ValueError, match="durations: 1 value"):
        fit_handle_time([10.0, 0.0, 5.0])


def test_fit_patience_censored_exponential_mle():
    rng = np.random.default_rng(2)
    patience = rng.exponential(150, 40000)
    service_wait = rng.exponential(100, 40000)
    waits = np.minimum(patience, service_wait)
    fit = fit_patience(waits, patience < service_wait)
    assert fit.ci_low < 150 < fit.ci_high
    assert fit.ci_high - fit.ci_low < 10
    # the naive mean of the abandoned waits is badly biased low
    assert waits[patience < service_wait].mean() < 0.5 * fit.mean_seconds


def test_kaplan_meier_matches_hand_computation():
    # times 1, 2(event), 2(censored), 3, 4(censored), 5: S(1)=5/6, S(2)=5/6*4/5, S(3)=...*2/3,
    # S(5)=...*0
    km = kaplan_meier(
        np.array([1.0, 2, 2, 3, 4, 5]), np.array([True, True, False, True, False, True])
    )
    expected = np.cumprod([5 / 6, 4 / 5, 2 / 3, 0.0])
    np.testing.assert_allclose(km["survival"], expected)
    assert km["at_risk"].tolist() == [6, 5, 3, 1]


def test_fit_patience_validates():
    with pytest.raises(ValueError, match="no abandonment"):
        fit_patience([1.0, 2.0], np.array([False, False]))
    with pytest.raises(ValueError, match="booleans"):
        fit_patience([1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match="waits"):
        fit_patience([1.0, -2.0], np.array([True, False]))


@pytest.mark.realdata
@pytest.mark.skipif(not CALLS.exists(), reason="real per-call data not present")
def test_fit_on_real_bank_calls():
    calls = pd.read_csv(CALLS)
    served = calls[(calls["outcome"] == "AGENT") & (calls["service_seconds"] > 0)]
    handle = fit_handle_time(served["service_seconds"])
    table = handle.table.set_index("distribution")
    assert table.loc["exponential", "mean_seconds"] == pytest.approx(
        served["service_seconds"].mean()
    )
    assert 150 < handle.mean_seconds < 210  # about three minutes, pooled over all services
    queued = calls[calls["queue_start"].notna() & calls["outcome"].isin(["AGENT", "HANG"])]
    fit = fit_patience(queued["queue_seconds"], (queued["outcome"] == "HANG").to_numpy())
    assert fit.events > 1000
    assert fit.ci_low < fit.mean_seconds < fit.ci_high
    assert 120 < fit.mean_seconds < 1200
    assert fit.survival["survival"].is_monotonic_decreasing
