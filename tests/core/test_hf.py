"""The instrumented attention function on tiny random transformers models (no downloads):
parity with transformers' own eager attention, the capture contract, masks, and no leaks."""

from __future__ import annotations

import pytest
import torch

from core.attention import masked_softmax
from core.capture import QUANTITIES, Recorder
from core.hf.attention import (
    ATTN_IMPLEMENTATION,
    active_capture,
    check_names,
    instrument,
    instrumented,
    leftover_hooks,
    split_mask,
)

KINDS = ("bert", "gpt2", "llama", "bart", "t5")


def run(model, layout, grads=False, **inputs):
    """Capture every name of one batched forward pass; returns (tensors, model output)."""
    recorder = Recorder(lambda n: True, grads)
    with instrumented(layout, recorder), torch.no_grad():
        out = model(**inputs, use_cache=False)
    return recorder.tensors, out


def batch(vocab: int, arch: str):
    """Two sequences of 7 tokens, the second right-padded after 5; a 5-token target."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(3, vocab, (2, 7), generator=g)
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, 5:] = 0
    inputs = {"input_ids": ids, "attention_mask": mask}
    if arch == "encoder-decoder":
        inputs["decoder_input_ids"] = torch.randint(3, vocab, (2, 5), generator=g)
    return inputs


@pytest.fixture(scope="module", params=KINDS)
def captured(request, tiny_models):
    model, tok = tiny_models(request.param)
    layout = instrument(model)
    inputs = batch(len(tok), layout.arch)
    tensors, out = run(model, layout, **inputs)
    model.set_attn_implementation("eager")
    with torch.no_grad():
        ref = model(**inputs, use_cache=False, output_attentions=True)
    model.set_attn_implementation(ATTN_IMPLEMENTATION)
    return request.param, model, layout, inputs, tensors, out, ref


def attn_prefixes(tensors):
    return sorted({n.rsplit(".", 1)[0] for n in tensors if n.endswith(".weights")})


def test_layout_names_are_the_contract(captured):
    kind, _model, layout, _inputs, tensors, _out, _ref = captured
    check_names(layout, layout.names)
    assert set(tensors) == set(layout.names)
    expected_arch = {"bert": "encoder", "gpt2": "decoder", "llama": "decoder"}.get(kind, "encoder-decoder")
    assert layout.arch == expected_arch
    stacks = ["decoder"] if expected_arch == "decoder" else ["encoder"]
    if expected_arch == "encoder-decoder":
        stacks.append("decoder")
    for stack in stacks:
        for layer in range(2):
            for q in QUANTITIES:
                assert f"{stack}.{layer}.self_attn.{q}" in tensors
            assert f"{stack}.{layer}.resid_post" in tensors
    if expected_arch == "encoder-decoder":
        assert all(f"decoder.{i}.cross_attn.weights" in tensors for i in range(2))
        assert "decoder.embed" in tensors
    assert "embed" in tensors
    assert ("pos_embed" in tensors) == (kind in ("bert", "gpt2", "bart"))


def test_weights_equal_transformers_eager(captured):
    kind, _model, layout, _inputs, tensors, _out, ref = captured
    if layout.arch == "encoder-decoder":
        pairs = [("encoder.{}.self_attn", ref.encoder_attentions),
                 ("decoder.{}.self_attn", ref.decoder_attentions),
                 ("decoder.{}.cross_attn", ref.cross_attentions)]
    else:
        pairs = [(f"{layout.arch}.{{}}.self_attn", ref.attentions)]
    for pattern, attentions in pairs:
        assert len(attentions) == 2
        for i, expected in enumerate(attentions):
            got = tensors[pattern.format(i) + ".weights"]
            assert got.shape == expected.shape
            torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


def test_plain_forward_matches_eager_outputs(captured):
    """With no capture active the instrumented function still computes the same model."""
    _kind, model, _layout, inputs, _tensors, out, ref = captured
    first = out.logits if hasattr(out, "logits") else out.last_hidden_state
    expected = ref.logits if hasattr(ref, "logits") else ref.last_hidden_state
    torch.testing.assert_close(first, expected, atol=1e-5, rtol=0)
    with torch.no_grad():
        again = model(**inputs, use_cache=False)
    again = again.logits if hasattr(again, "logits") else again.last_hidden_state
    torch.testing.assert_close(again, expected, atol=1e-5, rtol=0)


def test_scores_mask_weights_vectors_are_consistent(captured):
    _kind, _model, _layout, _inputs, tensors, _out, _ref = captured
    for prefix in attn_prefixes(tensors):
        q, k, v = (tensors[f"{prefix}.{x}"] for x in "qkv")
        scores, mask = tensors[f"{prefix}.scores"], tensors[f"{prefix}.mask"]
        weights, vectors = tensors[f"{prefix}.weights"], tensors[f"{prefix}.vectors"]
        assert q.dim() == k.dim() == v.dim() == 4 and q.shape[1] == k.shape[1] == v.shape[1]
        assert mask.dtype == torch.bool
        assert torch.isfinite(scores).all(), f"{prefix}: scores must be finite, before masking"
        expected = scores.masked_fill(~mask.expand_as(scores), float("-inf")).softmax(-1)
        torch.testing.assert_close(weights, expected, atol=1e-6, rtol=0)
        torch.testing.assert_close(masked_softmax(scores, mask), weights, atol=1e-6, rtol=0)
        assert (weights[~mask.expand_as(weights)] == 0).all()
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-5, rtol=0)
        torch.testing.assert_close(vectors, weights @ v, atol=1e-6, rtol=0)


def test_causal_upper_triangle_is_exactly_zero(captured):
    _kind, _model, layout, _inputs, tensors, _out, _ref = captured
    if layout.arch == "encoder":
        w = tensors["encoder.0.self_attn.weights"]
        assert (w[0].triu(1) > 0).any(), "an encoder attends forward too"
        return
    for prefix in attn_prefixes(tensors):
        if prefix.startswith("decoder") and prefix.endswith("self_attn"):
            w = tensors[f"{prefix}.weights"]
            assert (w.triu(1) == 0).all()
            assert (w[0].tril(-1) > 0).any()


def test_padding_keys_get_zero_weight(captured):
    _kind, _model, layout, _inputs, tensors, _out, _ref = captured
    for prefix in attn_prefixes(tensors):
        if prefix.startswith("encoder") or prefix.endswith("cross_attn") or layout.arch == "decoder":
            w = tensors[f"{prefix}.weights"]
            assert (w[1, :, :, 5:] == 0).all(), prefix  # padded source keys
            assert (w[0, :, -1, 5:] > 0).all()  # the unpadded row does attend there
            assert not tensors[f"{prefix}.mask"][1, 0, 0, 5:].any()


def test_cross_attention_shape(captured):
    _kind, _model, layout, _inputs, tensors, _out, _ref = captured
    if layout.arch != "encoder-decoder":
        pytest.skip("encoder-decoder only")
    w = tensors["decoder.1.cross_attn.weights"]
    assert w.shape == (2, 4, 5, 7)  # [batch, heads, tgt, src]
    assert tensors["decoder.1.cross_attn.k"].shape[2] == 7
    assert tensors["decoder.1.cross_attn.output"].shape == (2, 5, 32)


def test_output_is_the_projection_of_the_vectors(captured):
    kind, model, layout, _inputs, tensors, _out, _ref = captured
    for module, name in layout.outputs:
        prefix = name.rsplit(".", 1)[0]
        vectors = tensors[f"{prefix}.vectors"]
        b, h, t, d = vectors.shape
        with torch.no_grad():
            expected = module(vectors.transpose(1, 2).reshape(b, t, h * d))
        torch.testing.assert_close(tensors[name], expected, atol=1e-5, rtol=0)


def test_gqa_keys_are_expanded_to_query_heads(tiny_models):
    model, tok = tiny_models("llama")
    assert model.config.num_key_value_heads < model.config.num_attention_heads
    layout = instrument(model)
    tensors, _ = run(model, layout, **batch(len(tok), "decoder"))
    k, v = tensors["decoder.0.self_attn.k"], tensors["decoder.0.self_attn.v"]
    assert k.shape == v.shape == (2, 4, 7, 8)
    assert torch.equal(k[:, 0], k[:, 1]) and torch.equal(k[:, 2], k[:, 3])  # one KV head per 2 queries
    assert not torch.equal(k[:, 1], k[:, 2])


def test_mask_builder_is_registered_with_the_function():
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    from core.hf.attention import instrumented_attention, register

    register()
    assert AttentionInterface._global_mapping[ATTN_IMPLEMENTATION] is instrumented_attention
    assert AttentionMaskInterface._global_mapping[ATTN_IMPLEMENTATION] is eager_mask


def test_split_mask_keeps_a_bias_and_drops_the_mask():
    additive = torch.tensor([[[[0.0, -1.5, torch.finfo(torch.float32).min, float("-inf"), -10000.0]]]])
    allowed, bias = split_mask(additive)
    assert allowed.tolist() == [[[[True, True, False, False, False]]]]
    assert bias.tolist() == [[[[0.0, -1.5, 0.0, 0.0, 0.0]]]]
    assert split_mask(torch.zeros(1, 1, 2, 2))[1] is None
    assert split_mask(None) == (None, None)


def test_name_filter_records_only_what_is_asked(tiny_models):
    model, tok = tiny_models("gpt2")
    layout = instrument(model)
    recorder = Recorder(lambda n: n.endswith(".weights"), False)
    with instrumented(layout, recorder), torch.no_grad():
        model(**batch(len(tok), "decoder"))
    assert sorted(recorder.tensors) == ["decoder.0.self_attn.weights", "decoder.1.self_attn.weights"]


def test_no_hooks_or_state_left_after_capture_or_error(tiny_models):
    model, tok = tiny_models("bart")
    layout = instrument(model)
    before = leftover_hooks(model)
    run(model, layout, **batch(len(tok), "encoder-decoder"))
    assert leftover_hooks(model) == before and not active_capture()

    class Exploding(Recorder):
        def record(self, name, x):
            if name == "decoder.1.cross_attn.scores":
                raise RuntimeError("boom")
            return super().record(name, x)

    with pytest.raises(RuntimeError, match="boom"):
        with instrumented(layout, Exploding(lambda n: True, False)), torch.no_grad():
            model(**batch(len(tok), "encoder-decoder"))
    assert leftover_hooks(model) == before and not active_capture()


def test_grads_reach_every_float_tensor(tiny_models):
    model, tok = tiny_models("gpt2")
    layout = instrument(model)
    inputs = batch(len(tok), "decoder")
    recorder = Recorder(lambda n: True, True)
    with instrumented(layout, recorder):
        out = model(**inputs, labels=inputs["input_ids"])
        grads = recorder.gradients(out.loss)
    floats = {n for n, t in recorder.tensors.items() if t.is_floating_point()}
    assert set(grads) == floats
    for name, g in grads.items():
        assert g.shape == recorder.tensors[name].shape and torch.isfinite(g).all(), name
    assert grads["decoder.0.self_attn.scores"].abs().sum() > 0
