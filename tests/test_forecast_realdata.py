"""Targets on the real Anonymous Bank call data (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffing.forecast import backtest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank_1999h1.hourly.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATA.exists(), reason="real data folder absent"),
]


@pytest.fixture(scope="module")
def bank() -> pd.Series:
    table = pd.read_csv(DATA)
    stamps = pd.to_datetime(table["timestamp"]).dt.tz_localize("Asia/Jerusalem", nonexistent="NaT")
    keep = stamps.notna().to_numpy()
    return pd.Series(
        table["count"].to_numpy(dtype=float)[keep], index=pd.DatetimeIndex(stamps[keep])
    )


def test_glm_beats_the_baselines_with_calibrated_intervals(bank):
    models = ("seasonal_naive_week", "holt_winters", "mstl", "glm")
    result = backtest(bank, models=models, n_origins=8, country="IL")
    summary = result.attrs["summary"].set_index("model")
    assert (summary["origins"] == 8).all()
    naive = summary.loc["seasonal_naive_week", "mase"]
    best_plain = summary.loc[["holt_winters", "mstl"], "mase"].min()
    glm = summary.loc["glm"]
    assert glm["mase"] <= 0.9 * naive
    assert glm["mase"] <= best_plain
    assert 0.75 <= glm["coverage_80"] <= 0.85
