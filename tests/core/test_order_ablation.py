"""Compare aligns by word, and the position ablation shows order is invisible without positions
(issue 10, item 1)."""

from __future__ import annotations

import numpy as np

from core import load_model
from core.labs.order import align_captures, order_matters, swapped_sentence

A, B = "The dog ate the cat", "The cat ate the dog"


def test_without_positions_the_two_sentences_agree_word_for_word(minilm_scratch):
    nopos = load_model("minilm-scratch-nopos")
    assert float(nopos.model.embed.learned.table.weight.abs().max()) == 0.0
    same = align_captures(nopos.capture(A), nopos.capture(B))
    assert same.words == ["[CLS]", "the", "dog", "ate", "the", "cat", "[SEP]"]
    assert same.perm == [0, 1, 5, 3, 4, 2, 6]
    assert same.max_diff < 1e-5  # float32 rounding: the model cannot tell who ate whom
    with_pos = align_captures(minilm_scratch.capture(A), minilm_scratch.capture(B))
    assert with_pos.max_diff > 0.1


def test_position_by_position_comparison_is_the_wrong_test():
    # a seeded encoder without positions: word-aligned difference is float rounding, while
    # comparing position i of A with position i of B shows a large, meaningless difference
    res = order_matters("none")
    assert res.weight_diff < 1e-12
    wa = res.weights_a
    wb_by_position = wa[:, :, res.perm][:, :, :, res.perm]  # B as computed, in B's own order
    assert np.abs(wa - wb_by_position).max() > 0.05


def test_not_a_reordering_gives_none(minilm):
    assert align_captures(minilm.capture("Cats chase mice"), minilm.capture("Dogs chase cats")) is None


def test_swapped_sentence_makes_the_preset_from_the_sidebar_sentence():
    assert swapped_sentence("The dog ate the cat") == "The cat ate the dog"
    assert swapped_sentence("The dog ate the cat because it was hungry") == \
        "The cat ate the dog because it was hungry"
    assert swapped_sentence("cats chase mice") == "mice chase cats"
    assert swapped_sentence("hello") == "hello"
