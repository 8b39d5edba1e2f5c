"""Pretrained encoder-decoders through the seq2seq page's path: tiny random BART and T5 saved
with save_pretrained, loaded by folder with core.load_model, cross-attention captured."""

from __future__ import annotations

import numpy as np
import pytest

from core import load_model
from core.labs.seq2seq.pretrained import pretrained_view


@pytest.fixture(params=["bart", "t5"])
def folder(request, tiny_models, tmp_path):
    model, tok = tiny_models(request.param)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    return tmp_path


def test_cross_attention_of_a_given_target(folder):
    model = load_model(str(folder))
    view = pretrained_view(model, "The dog ate the cat.", "Attention is all you need.")
    assert not view.generated and view.target_text == "Attention is all you need."
    layers, heads, t, s = view.weights.shape
    assert (layers, heads) == (2, 4)
    assert (t, s) == (len(view.target), len(view.source))
    np.testing.assert_allclose(view.weights.sum(-1), 1.0, atol=1e-5)  # each row a distribution over source


def test_generated_target_is_captured(folder):
    model = load_model(str(folder))
    view = pretrained_view(model, "The cat sat on the mat.", None, max_new_tokens=6)
    assert view.generated and view.target_text.strip()
    assert view.weights.shape[2] == len(view.target) and view.weights.shape[3] == len(view.source)


def test_encoder_only_model_is_refused_clearly(tiny_models):
    model = load_model(tiny_models("bert"))
    with pytest.raises(ValueError, match="needs an encoder-decoder"):
        pretrained_view(model, "The dog ate the cat.", "x")


def test_empty_source_is_refused(folder):
    with pytest.raises(ValueError, match="type a source sentence"):
        pretrained_view(load_model(str(folder)), "  ", "x")
