"""Scorecard verdicts agree with the failure demos, in sigma units (issue 10, items 2 and 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.labs.positional_scorecard import MIN_STEP_TO_STD, scorecard

SIGMA = 0.0553  # MiniLM's per-dimension token-embedding spread (what the page uses)


def test_single_sine_is_not_unique_at_the_page_defaults():
    card = scorecard("single_sine", 64, 64, embedding_std=SIGMA)["min_distance"]
    assert card["pair"] == (11, 55)  # sin(11) and sin(55) differ by 2.4e-4
    assert card["relative"] == pytest.approx(abs(np.sin(11) - np.sin(55)) / SIGMA, rel=1e-6)
    assert card["relative"] < 0.005 and card["ok"] is False


def test_stretched_sine_fails_both_distinctness_rows():
    card = scorecard("stretched_sine", 64, 64, embedding_std=SIGMA)
    assert card["min_distance"]["ok"] is False and card["adjacent_delta"]["ok"] is False


def test_sinusoidal_is_distinct_by_several_sigma():
    card = scorecard("sinusoidal", 64, 64, embedding_std=SIGMA)["min_distance"]
    assert card["ok"] is True and card["relative"] > 3 > MIN_STEP_TO_STD


def test_random_learned_table_shift_fit_is_uninformative_not_a_tick():
    card = scorecard("learned", 64, 64, embedding_std=SIGMA)["shift_residual"]
    assert card["informative"] is False and card["ok"] is None
    from viz.positional import _cell

    assert _cell(card).startswith("uninformative")


def test_scale_row_compares_rms_with_sigma_with_and_without_sqrt_d():
    card = scorecard("sinusoidal", 64, 64, embedding_std=SIGMA)["scale"]
    assert card["rms"] == pytest.approx(math.sqrt(0.5), abs=1e-3)  # 0.707 per dimension
    assert card["value"] == pytest.approx(0.7071 / SIGMA, rel=1e-3)  # 12.8 sigma
    assert round(card["value"], 1) == 12.8
    assert card["scaled"] == pytest.approx(card["value"] / 8, rel=1e-9)  # sqrt(64)
    assert card["ok"] is None and card["info"] is True
