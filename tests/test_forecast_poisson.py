"""The structured Poisson solver against statsmodels' GLM (the slow, obviously correct one)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.forecast.poisson import ZERO_EFFECT, fit_slot_poisson


def reference(y, slot, n_slots, extra, offset, weights):
    design = np.column_stack([np.eye(n_slots)[slot], extra])
    model = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset, var_weights=weights)
    params = model.fit(tol=1e-12, maxiter=200).params
    return params[:n_slots], params[n_slots:]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels_with_weights_offset_and_calendar_columns(seed):
    rng = np.random.default_rng(seed)
    n, n_slots = 24 * 7 * 6, 24 * 7
    slot = np.arange(n) % n_slots
    extra = (rng.random((n, 3)) < 0.05).astype(float)
    offset = np.log(rng.choice([1.0, 1.5], n, p=[0.9, 0.1]))
    weights = 0.5 ** ((n - 1 - np.arange(n)) / n_slots / 2.0)
    mean = np.exp(rng.normal(2.0, 1.0, n_slots)[slot] + extra @ [-0.7, 0.4, 0.1] + offset)
    y = rng.poisson(mean).astype(float)
    effect, columns = fit_slot_poisson(y, slot, n_slots, extra, offset, weights)
    want_effect, want_columns = reference(y, slot, n_slots, extra, offset, weights)
    bounded = effect > ZERO_EFFECT  # statsmodels drifts towards -inf on all-zero slots
    np.testing.assert_allclose(effect[bounded], want_effect[bounded], atol=1e-7)
    np.testing.assert_allclose(columns, want_columns, atol=1e-7)
    assert np.all(want_effect[~bounded] < -15)


def test_all_zero_slot_and_column_are_zero_effects_and_unseen_slot_is_nan():
    y = np.array([0.0, 0.0, 3.0, 5.0, 4.0, 0.0])
    slot = np.array([0, 0, 1, 1, 2, 2])
    extra = np.array([[0.0], [0.0], [0.0], [0.0], [0.0], [1.0]])
    effect, column = fit_slot_poisson(y, slot, 4, extra)
    assert effect[0] == ZERO_EFFECT
    assert np.isnan(effect[3])
    assert column[0] == ZERO_EFFECT
    np.testing.assert_allclose(np.exp(effect[1:3]), [4.0, 4.0])


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 50), min_size=6, max_size=60),
    n_slots=st.integers(1, 5),
    half_life=st.floats(0.5, 50.0),
)
def test_without_columns_each_slot_is_its_weighted_mean(counts, n_slots, half_life):
    y = np.asarray(counts, dtype=float)
    slot = np.arange(y.size) % n_slots
    weights = 0.5 ** ((y.size - 1 - np.arange(y.size)) / half_life)
    effect, _ = fit_slot_poisson(y, slot, n_slots, weights=weights)
    top = np.bincount(slot, weights * y, minlength=n_slots)
    bottom = np.bincount(slot, weights, minlength=n_slots)
    positive = top > 0
    np.testing.assert_allclose(np.exp(effect[positive]), (top / bottom)[positive], rtol=1e-9)
    assert np.all(effect[~positive] == ZERO_EFFECT)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"counts": [1.0, np.nan, 2.0]}, r"counts\[1\] = nan; expected finite and >= 0"),
        ({"counts": [1.0, 2.0, -1.0]}, r"counts\[2\] = -1.0"),
        ({"slot": [0, 2, 1]}, r"slot\[1\] = 2; expected an integer in \[0, 2\)"),
        ({"weights": [1.0, -0.5, 1.0]}, r"weights\[1\] = -0.5"),
        ({"offset": [0.0, 0.0, np.inf]}, r"offset\[2\] = inf; expected finite"),
        ({"weights": [1.0, 1.0]}, r"weights has shape \(2,\), counts \(3,\)"),
    ],
)
def test_bad_input_names_the_array_and_the_first_offending_position(change, message):
    arguments = {"counts": [1.0, 2.0, 3.0], "slot": [0, 1, 1], "offset": None, "weights": None}
    arguments.update({k: np.asarray(v) for k, v in change.items()})
    with pytest.raises(ValueError, match=message):
        fit_slot_poisson(
            arguments["counts"],
            arguments["slot"],
            2,
            None,
            arguments["offset"],
            arguments["weights"],
        )
