"""The from-scratch twin: core.Transformer running MiniLM's weights reproduces transformers."""

from __future__ import annotations

import pytest
import torch

from core.capture import capture
from core.hf.twin import bert_to_core, config_from_bert, load_twin


def test_config_matches_minilm(minilm_scratch):
    cfg = minilm_scratch.model.cfg
    assert (cfg.arch, cfg.norm, cfg.activation, cfg.positional) == ("encoder", "post", "gelu", "learned")
    assert (cfg.d_model, cfg.n_heads, cfg.n_layers, cfg.d_ff, cfg.max_len) == (384, 12, 6, 1536, 512)
    assert cfg.layer_norm_eps == 1e-12 and cfg.type_vocab_size == 2 and cfg.embed_norm
    assert not cfg.scale_embeddings and not cfg.head and minilm_scratch.model.head is None


def test_twin_matches_transformers_hidden_states_and_weights(minilm, minilm_scratch):
    text, pair = "The quick brown fox jumps over the lazy dog.", "Attention is all you need."
    ours, theirs = minilm_scratch.capture(text, pair=pair), minilm.capture(text, pair=pair)
    assert ours.tokens == theirs.tokens and ours.meta["segments"] == theirs.meta["segments"]
    assert ours.meta["attn_implementation"] == "core.attention"
    for i in range(6):
        for name in (f"encoder.{i}.resid_post", f"encoder.{i}.self_attn.weights",
                     f"encoder.{i}.self_attn.scores", f"encoder.{i}.self_attn.output"):
            torch.testing.assert_close(ours[name], theirs[name], atol=1e-4, rtol=0)
    assert set(ours) == set(theirs)


def test_twin_matches_with_padding_in_a_batch(minilm, minilm_folder):
    twin = load_twin(minilm_folder)
    enc = minilm.tokenizer(["The dog ate the cat.", "Hi"], padding=True, return_tensors="pt")
    cap = capture(twin, enc["input_ids"], attention_mask=enc["attention_mask"],
                  token_type_ids=enc["token_type_ids"], names=["*.weights", "*.resid_post"])
    minilm.model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            ref = minilm.model(**enc, output_attentions=True, output_hidden_states=True)
    finally:
        minilm.model.set_attn_implementation("attention_lab")
    real = enc["attention_mask"].bool()
    for i in range(6):
        torch.testing.assert_close(cap[f"encoder.{i}.self_attn.weights"], ref.attentions[i],
                                   atol=1e-4, rtol=0)
        torch.testing.assert_close(cap[f"encoder.{i}.resid_post"][real], ref.hidden_states[i + 1][real],
                                   atol=1e-4, rtol=0)


def test_twin_grads_match_transformers(minilm, minilm_scratch):
    ours = minilm_scratch.capture("The dog ate the cat", grads=True)
    theirs = minilm.capture("The dog ate the cat", grads=True)
    assert ours.meta["objective"] == theirs.meta["objective"]
    for name in ("embed", "encoder.2.self_attn.weights", "encoder.5.resid_post"):
        torch.testing.assert_close(ours.grads[name], theirs.grads[name], atol=1e-4, rtol=1e-3)


def test_position_ablation_changes_attention(minilm_scratch):
    """The point of the twin: positional surgery on real weights (here: zero the position table)."""
    model = minilm_scratch.model
    table = model.embed.learned.table.weight
    base = minilm_scratch.capture("the dog bit the man", names="encoder.0.self_attn.weights")
    saved = table.detach().clone()
    try:
        with torch.no_grad():
            table.zero_()
        ablated = minilm_scratch.capture("the dog bit the man", names="encoder.0.self_attn.weights")
    finally:
        with torch.no_grad():
            table.copy_(saved)
    diff = (base["encoder.0.self_attn.weights"] - ablated["encoder.0.self_attn.weights"]).abs().max()
    assert diff > 1e-2


def test_bad_checkpoints_are_refused():
    with pytest.raises(ValueError, match="model_type"):
        config_from_bert({"model_type": "gpt2"})
    with pytest.raises(ValueError, match="missing"):
        bert_to_core({"embeddings.word_embeddings.weight": torch.zeros(2, 2)}, n_layers=1)
