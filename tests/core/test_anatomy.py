"""block_walk follows one layer step by step and lands exactly on the captured resid_post;
the feed-forward layer is position-wise (one token's output ignores every other token)."""

import numpy as np
import pytest
import torch

from core import Transformer, TransformerConfig, load_model
from core.labs.anatomy import block_walk, feed_forward, follow, token_norms
from core.load import ScratchModel

SENTENCE = "The dog ate the cat because it was hungry"
POST = ["LayerNorm (after attention)", "LayerNorm (after feed-forward)"]


@pytest.fixture(scope="module")
def prenorm(wordpiece_tokenizer):
    torch.manual_seed(0)
    cfg = TransformerConfig(arch="encoder", vocab_size=len(wordpiece_tokenizer), d_model=32, n_heads=4,
                            n_layers=3, d_ff=64, max_len=64, norm="pre")
    return ScratchModel("scratch-pre", Transformer(cfg), wordpiece_tokenizer)


@pytest.fixture(scope="module")
def tiny_llama(tiny_models):
    model, tok = tiny_models("llama")
    return load_model((model, tok))


@pytest.mark.parametrize("layer", [0, 3, 5])
def test_walk_reproduces_resid_post_minilm_and_twin(minilm, minilm_scratch, layer):
    for model in (minilm, minilm_scratch):
        walk = block_walk(model, SENTENCE, layer)
        cap = model.capture(SENTENCE, names=[f"encoder.{layer}.resid_post"])
        np.testing.assert_allclose(walk.steps[-1].x, cap[f"encoder.{layer}.resid_post"][0].numpy(), atol=1e-5)
        assert walk.error <= 1e-5 and walk.order == "post"
        assert walk.steps[-1].name == POST[1] and POST[0] in walk.names
        assert all(s.x.shape == (11, 384) for s in walk.steps)
        assert walk.heads.shape == (12, 11, 32)
    if layer == 0:
        assert walk.names[:5] == ["token embedding", "+ positional encoding", "+ segment embedding",
                                  "LayerNorm (embeddings)", "block input"]


def test_twin_and_hf_walks_agree_step_by_step(minilm, minilm_scratch):
    a, b = block_walk(minilm, SENTENCE, 2), block_walk(minilm_scratch, SENTENCE, 2)
    assert a.names == b.names
    for sa, sb in zip(a.steps, b.steps):
        np.testing.assert_allclose(sa.x, sb.x, atol=2e-4)


@pytest.mark.parametrize("layer", [0, 2])
def test_walk_prenorm_scratch(prenorm, layer):
    walk = block_walk(prenorm, SENTENCE, layer)
    cap = prenorm.capture(SENTENCE, names=[f"encoder.{layer}.resid_post"])
    np.testing.assert_allclose(walk.steps[-1].x, cap[f"encoder.{layer}.resid_post"][0].numpy(), atol=1e-5)
    assert walk.order == "pre"
    start = walk.block_start
    assert walk.names[start:] == ["block input", "LayerNorm (before attention)", "concatenated heads",
                                  "output projection W_O", "residual add (attention)",
                                  "LayerNorm (before feed-forward)", "feed-forward",
                                  "residual add (feed-forward)"]
    if layer == 0:  # token embedding x sqrt(d_model) = x sqrt(32)
        assert walk.embed_scale == pytest.approx(32 ** 0.5)
        table = prenorm.model.token.weight.detach().numpy()
        ids = prenorm.tokenizer(SENTENCE)["input_ids"]
        np.testing.assert_allclose(walk.steps[0].x, table[ids] * 32 ** 0.5, rtol=1e-6)


@pytest.mark.parametrize("layer", [0, 1])
def test_walk_llama_style(tiny_llama, layer):
    walk = block_walk(tiny_llama, "The dog ate the cat.", layer)
    assert walk.family == "Llama" and walk.norm_kind == "RMSNorm" and walk.order == "pre"
    assert walk.error <= 1e-5
    assert "+ positional encoding" not in walk.names  # RoPE rotates q and k inside attention
    assert walk.heads.shape[0] == 4  # query heads (K/V heads expanded for GQA)


def test_feed_forward_is_position_wise(minilm):
    walk = block_walk(minilm, SENTENCE, 1)
    x = walk.ffn_in
    full = feed_forward(minilm, 1, x)
    np.testing.assert_allclose(full, walk.step("feed-forward").x, atol=1e-5)
    for i in (2, 5):  # one token alone gives the same output as in the sentence
        np.testing.assert_allclose(feed_forward(minilm, 1, x[i:i + 1])[0], full[i], atol=1e-5)
    scrambled = x.copy()
    scrambled[[0, 1, 3]] = np.random.default_rng(0).normal(0, 1, (3, x.shape[1]))
    np.testing.assert_allclose(feed_forward(minilm, 1, scrambled)[2], full[2], atol=1e-5)
    assert np.abs(feed_forward(minilm, 1, scrambled)[0] - full[0]).max() > 1e-2


def test_follow_and_norms(minilm):
    walk = block_walk(minilm, SENTENCE, 0)
    f = follow(walk, 2)
    assert f["cosine_to_input"][walk.block_start] == pytest.approx(1.0)
    assert len(f["norm"]) == len(walk.steps)
    np.testing.assert_allclose(token_norms(walk)[:, 2], f["norm"], rtol=1e-6)
    # a LayerNorm output (gamma, beta aside) has norm close to gamma-scaled sqrt(d): never the raw sum
    assert f["norm"][walk.names.index("residual add (attention)")] != pytest.approx(f["norm"][-1])


def test_bad_layer_and_unsupported(minilm, tiny_models):
    with pytest.raises(ValueError, match="layer must be 0..5"):
        block_walk(minilm, SENTENCE, 6)
    with pytest.raises(ValueError):
        block_walk(minilm, "", 0)
    with pytest.raises(ValueError, match="layer must be"):
        block_walk(minilm, "hi", -1)
    with pytest.raises(ValueError, match="token must be"):
        follow(block_walk(minilm, "hi", 0), 99)
    model, tok = tiny_models("gpt2")
    with pytest.raises(ValueError, match="does not know the layer type"):
        block_walk(load_model((model, tok)), "The dog", 0)


@pytest.mark.slow
def test_walk_smollm2():
    pytest.importorskip("gguf")
    try:
        model = load_model("smollm2")
    except Exception as err:  # package missing on this machine
        pytest.skip(f"smollm2 unavailable: {err}")
    walk = block_walk(model, "The capital of France is", 29)
    assert walk.error <= 1e-4 * max(1.0, float(np.abs(walk.resid_post).max()))
    assert walk.heads.shape[0] == 9 and walk.norm_kind == "RMSNorm"
