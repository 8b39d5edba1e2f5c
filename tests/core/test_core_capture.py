"""Transformer + capture: the naming contract, masks, gradients, hooks that never leak."""

import pickle

import pytest
import torch

from core import PRESETS, Capture, Transformer, TransformerConfig, capture
from core.hooks import hook_points

QUANTITIES = {"q", "k", "v", "scores", "mask", "weights", "vectors", "output"}


def model(preset: str, **changes) -> Transformer:
    torch.manual_seed(0)
    return Transformer(PRESETS[preset].replace(**changes))


def ids(n: int, seed: int = 0, vocab: int = 50) -> torch.Tensor:
    return torch.randint(0, vocab, (1, n), generator=torch.Generator().manual_seed(seed))


def no_hooks_left(m: torch.nn.Module) -> bool:
    """No module hook and no HookPoint still recording (captures tap HookPoint.record)."""
    points = list(hook_points(m).values())
    return len(points) > 0 and all(p.record is None for p in points) and \
        all(not mod._forward_hooks and not mod._backward_hooks for mod in m.modules())


def test_encoder_capture_has_every_contract_name_and_shape():
    m = model("tiny-encoder")
    cap = capture(m, ids(7))
    for layer in range(2):
        names = {n.split(".")[-1] for n in cap if n.startswith(f"encoder.{layer}.self_attn.")}
        assert names == QUANTITIES
        assert cap[f"encoder.{layer}.self_attn.q"].shape == (1, 4, 7, 8)
        assert cap[f"encoder.{layer}.self_attn.scores"].shape == (1, 4, 7, 7)
        assert cap[f"encoder.{layer}.self_attn.vectors"].shape == (1, 4, 7, 8)
        assert cap[f"encoder.{layer}.self_attn.output"].shape == (1, 7, 32)
        assert cap[f"encoder.{layer}.resid_post"].shape == (1, 7, 32)
    assert cap["embed"].shape == (1, 7, 32) and cap["pos_embed"].shape == (1, 7, 32)
    assert not any(n.startswith("decoder") for n in cap)
    w = cap["encoder.1.self_attn.weights"]
    torch.testing.assert_close(w.sum(-1), torch.ones(1, 4, 7))
    torch.testing.assert_close(w @ cap["encoder.1.self_attn.v"], cap["encoder.1.self_attn.vectors"])


def test_capture_equals_the_plain_forward_and_restores_training_mode():
    m = model("tiny-encoder", dropout=0.1)
    m.train()
    x = ids(6)
    cap = capture(m, x)
    assert m.training
    m.eval()
    with torch.no_grad():
        hidden = m(x).hidden
    torch.testing.assert_close(cap["encoder.1.resid_post"], hidden)


def test_decoder_is_causal_with_an_exactly_zero_upper_triangle():
    cap = capture(model("tiny-decoder"), ids(9))
    assert not any(n.startswith("encoder") for n in cap)
    for layer in range(2):
        w = cap[f"decoder.{layer}.self_attn.weights"]
        assert torch.triu(w, diagonal=1).abs().max().item() == 0.0
        assert torch.isfinite(cap[f"decoder.{layer}.self_attn.scores"]).all()


def test_decoder_output_at_a_position_ignores_later_tokens():
    m = model("tiny-decoder")
    a, b = ids(8, seed=1), ids(8, seed=1).clone()
    b[0, 5:] = (b[0, 5:] + 1) % 50
    with torch.no_grad():
        ha, hb = m(a).hidden, m(b).hidden
    torch.testing.assert_close(ha[:, :5], hb[:, :5])
    assert (ha[:, 5:] - hb[:, 5:]).abs().max() > 1e-4


def test_encoder_decoder_cross_attention_is_target_by_source():
    cap = capture(model("tiny-seq2seq"), ids(7), target_ids=ids(4, seed=2))
    assert cap["decoder.0.cross_attn.weights"].shape == (1, 4, 4, 7)
    assert cap["decoder.1.cross_attn.scores"].shape == (1, 4, 4, 7)
    assert cap["decoder.0.self_attn.weights"].shape == (1, 4, 4, 4)
    assert cap["encoder.0.self_attn.weights"].shape == (1, 4, 7, 7)
    assert "decoder.embed" in cap and cap.target_tokens == [str(int(i)) for i in ids(4, seed=2)[0]]
    assert torch.triu(cap["decoder.0.self_attn.weights"], 1).abs().max() == 0
    with pytest.raises(ValueError, match="target_ids"):
        model("tiny-seq2seq")(ids(5))


def test_padding_mask_zeroes_attention_to_padding():
    m = model("tiny-encoder")
    x = ids(6)
    pad = torch.tensor([[1, 1, 1, 1, 0, 0]])
    cap = capture(m, x, attention_mask=pad)
    w = cap["encoder.0.self_attn.weights"]
    assert (w[..., 4:] == 0).all()
    torch.testing.assert_close(w.sum(-1), torch.ones(1, 4, 6))
    # the real tokens see exactly what they see without the padding
    with torch.no_grad():
        short = m(x[:, :4]).hidden
    torch.testing.assert_close(cap["encoder.1.resid_post"][:, :4], short, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("positional, equivariant", [("none", True), ("sinusoidal", False),
                                                     ("learned", False), ("rope", False),
                                                     ("alibi", False)])
def test_without_positions_the_encoder_is_permutation_equivariant(positional, equivariant):
    m = model("tiny-encoder", positional=positional)
    x = ids(6, seed=3)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    a, b = capture(m, x), capture(m, x[:, perm])
    wa, wb = a["encoder.1.self_attn.weights"][0], b["encoder.1.self_attn.weights"][0]
    permuted = wa[:, perm][:, :, perm]  # P W P^T
    out_a, out_b = a["encoder.1.resid_post"][0][perm], b["encoder.1.resid_post"][0]
    if equivariant:
        torch.testing.assert_close(wb, permuted, rtol=0, atol=1e-6)
        torch.testing.assert_close(out_b, out_a, rtol=0, atol=1e-5)
    else:
        assert (wb - permuted).abs().max() > 1e-3


def test_rope_scores_depend_only_on_the_offset():
    torch.manual_seed(0)
    m = model("tiny-decoder", positional="rope")
    tok = torch.full((1, 20), 7)  # same token everywhere: content is identical
    s = capture(m, tok)["decoder.0.self_attn.scores"][0]
    torch.testing.assert_close(s[:, 10, 7], s[:, 15, 12], rtol=0, atol=1e-5)
    torch.testing.assert_close(s[:, 5, 5], s[:, 19, 19], rtol=0, atol=1e-5)


def test_alibi_biases_scores_by_distance_with_the_paper_slopes():
    m = model("tiny-decoder", positional="alibi", n_heads=8, d_model=32)
    plain = model("tiny-decoder", positional="none", n_heads=8, d_model=32)
    plain.load_state_dict(m.state_dict())
    x = ids(6)
    diff = capture(m, x)["decoder.0.self_attn.scores"] - capture(plain, x)["decoder.0.self_attn.scores"]
    slopes = torch.tensor([2.0 ** -(i + 1) for i in range(8)])
    expected = -slopes[:, None, None] * (torch.arange(6)[:, None] - torch.arange(6)[None]).clamp(min=0)
    torch.testing.assert_close(diff[0], expected, rtol=0, atol=1e-5)


def test_gradients_are_finite_with_every_float_name_and_shape():
    for preset in PRESETS:
        m = model(preset)
        target = ids(5, seed=4) if preset == "tiny-seq2seq" else None
        cap = capture(m, ids(6), target_ids=target, grads=True)
        floats = {n for n in cap if cap[n].is_floating_point()}
        assert set(cap.grads) == floats and floats
        for name in floats:
            assert cap.grads[name].shape == cap[name].shape, name
            assert torch.isfinite(cap.grads[name]).all(), name
        assert cap.grads["embed"].abs().sum() > 0
        assert "cross-entropy" in cap.meta["objective"]
        assert all(p.grad is None for p in m.parameters())  # capture never touches param grads
        assert no_hooks_left(m)


def test_gradient_of_the_weights_matches_autograd_by_hand():
    m = model("tiny-decoder")
    x = ids(5)
    cap = capture(m, x, grads=True)
    # recompute the same objective with a hand-made hook
    store = {}
    point = hook_points(m)["decoder.1.self_attn.weights"]
    handle = point.register_forward_hook(lambda _m, _i, out: store.setdefault("w", out))
    try:
        logits = m(x).logits
        loss = torch.nn.functional.cross_entropy(logits[0, :-1], x[0, 1:])
        (grad,) = torch.autograd.grad(loss, store["w"])
    finally:
        handle.remove()
    torch.testing.assert_close(cap.grads["decoder.1.self_attn.weights"], grad)


def test_names_filter_keeps_memory_small():
    m = model("tiny-encoder")
    cap = capture(m, ids(6), names=["*.weights", "embed"])
    assert set(cap) == {"encoder.0.self_attn.weights", "encoder.1.self_attn.weights", "embed"}
    with pytest.raises(KeyError, match="matches no capture name"):
        capture(m, ids(6), names=["encoder.9.*"])
    assert no_hooks_left(m)


def test_capture_is_read_only_pickles_and_lists_names_when_missing():
    cap = capture(model("tiny-encoder"), ids(5), tokens=list("abcde"))
    with pytest.raises(TypeError):
        cap["x"] = torch.zeros(1)
    with pytest.raises(KeyError, match="available .*encoder.0.self_attn.weights"):
        cap["encoder.0.self_attn.attn"]
    with pytest.raises(KeyError, match="no gradients were captured"):
        cap.grads["embed"]
    with pytest.raises(TypeError):
        cap.meta["model"] = "x"
    back = pickle.loads(pickle.dumps(cap))
    assert isinstance(back, Capture) and back.tokens == list("abcde")
    torch.testing.assert_close(back["encoder.0.self_attn.weights"], cap["encoder.0.self_attn.weights"])
    assert cap.stacked("weights").shape == (2, 4, 5, 5)
    assert cap.blocks() == [("encoder", 0, "self_attn"), ("encoder", 1, "self_attn")]


def test_hooks_are_removed_even_when_the_forward_pass_raises():
    m = model("tiny-encoder")
    point = hook_points(m)["encoder.1.self_attn.scores"]
    boom = point.register_forward_pre_hook(lambda *_: (_ for _ in ()).throw(RuntimeError("boom")))
    try:
        with pytest.raises(RuntimeError, match="boom"):
            capture(m, ids(4))
    finally:
        boom.remove()
    assert no_hooks_left(m)


@pytest.mark.parametrize("bad, message", [
    (torch.tensor([[1, 2, 99]]), "token id 99, outside the vocabulary 0..49"),
    (torch.tensor([[-1, 2]]), "outside the vocabulary"),
    (torch.zeros(1, 0, dtype=torch.long), "empty"),
    (torch.zeros(1, 40, dtype=torch.long), "at most max_len=32"),
    (torch.tensor([[0.5, 1.0]]), "integer token ids"),
    (torch.zeros(1, 2, 3, dtype=torch.long), "shape"),
])
def test_bad_input_is_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        capture(model("tiny-encoder"), bad)


def test_learned_positions_cannot_extrapolate():
    m = model("tiny-encoder", positional="learned", max_len=8)
    with pytest.raises(ValueError, match="max_len=8"):
        m(ids(9))
    with pytest.raises(ValueError, match="learned encodings cannot extrapolate"):
        m.embed.learned(9)


def test_pre_and_post_norm_both_train_a_step():
    for norm in ("pre", "post"):
        m = model("tiny-decoder", norm=norm)
        opt = torch.optim.Adam(m.parameters(), lr=1e-2)
        x = ids(10)
        losses = []
        for _ in range(20):
            logits = m(x).logits
            loss = torch.nn.functional.cross_entropy(logits[0, :-1], x[0, 1:])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.5 * losses[0], norm


def test_tied_head_shares_the_embedding_matrix_and_config_round_trips():
    m = model("tiny-decoder")
    assert m.head.weight is m.token.weight
    assert TransformerConfig(**m.cfg.to_dict()) == m.cfg


def test_a_model_without_a_head_gets_the_pooled_norm_objective():
    m = model("tiny-encoder", head=False)
    cap = capture(m, ids(6), grads=True)
    assert "mean-pooled" in cap.meta["objective"]
    assert torch.isfinite(cap.grads["encoder.1.resid_post"]).all()
    # d/dh of 0.5*||mean h||^2 = mean h / T at every position
    h = cap["encoder.1.resid_post"]
    torch.testing.assert_close(cap.grads["encoder.1.resid_post"][0], (h[0].mean(0) / 6).expand(6, -1))
