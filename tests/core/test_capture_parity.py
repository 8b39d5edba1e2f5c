"""One capture path: our core.Transformer gives the same capture whether it is recorded from
token ids (`core.capture`) or from text through load_model's interface (`Model.capture`), for
every architecture; Hugging Face captures carry the same meta keys and mask shapes."""

from __future__ import annotations

import pytest
import torch

from core import PRESETS, Transformer, capture, load_model
from core.capture import META_KEYS
from core.hf.wrappers import ScratchModel
from core.rng import seeded

TEXT = "The dog ate the cat."
TARGET = "A cat sat on the mat."


def tiny(arch: str, vocab: int) -> Transformer:
    preset = {"encoder": "tiny-encoder", "decoder": "tiny-decoder", "encoder-decoder": "tiny-seq2seq"}[arch]
    with seeded(0):
        return Transformer(PRESETS[preset].replace(vocab_size=vocab, max_len=64))


def ids_of(tokenizer, text: str) -> torch.Tensor:
    return tokenizer(text, return_tensors="pt")["input_ids"]


def assert_same_capture(a, b) -> None:
    """Equal names, tensors (bit for bit), gradients, mask shapes and meta keys."""
    assert set(a) == set(b)
    for name in a:
        assert a[name].shape == b[name].shape, name
        assert torch.equal(a[name], b[name]), name
    assert set(a.grads) == set(b.grads)
    for name in a.grads:
        assert torch.equal(a.grads[name], b.grads[name]), name
    assert set(a.meta) == set(b.meta) == set(META_KEYS)
    assert a.meta["objective"] == b.meta["objective"]


@pytest.mark.parametrize("arch", ["encoder", "decoder"])
def test_text_and_ids_give_the_same_capture(arch, bpe_tokenizer):
    model = tiny(arch, len(bpe_tokenizer))
    wrapped = load_model((model, bpe_tokenizer))
    assert isinstance(wrapped, ScratchModel) and wrapped.arch == arch
    ids = ids_of(bpe_tokenizer, TEXT)
    n = ids.shape[1]
    from_ids = capture(model, ids, grads=True)
    from_text = wrapped.capture(TEXT, grads=True)
    assert_same_capture(from_ids, from_text)
    stack = "decoder" if arch == "decoder" else "encoder"
    for layer in range(2):
        mask = from_text[f"{stack}.{layer}.self_attn.mask"]
        assert mask.shape == (1, 1, n, n)
        assert bool(mask.all()) is (arch == "encoder")
        if arch == "decoder":
            assert torch.equal(mask[0, 0], torch.ones(n, n, dtype=torch.bool).tril())
    assert from_text.tokens[0] == "<s>" and from_ids.tokens[0] == str(int(ids[0, 0]))
    assert from_text.meta["objective"] == ("mean next-token cross-entropy over the input" if arch == "decoder"
                                           else from_ids.meta["objective"])


def test_encoder_decoder_with_a_target_through_load_model(bpe_tokenizer):
    model = tiny("encoder-decoder", len(bpe_tokenizer))
    wrapped = load_model((model, bpe_tokenizer))
    source, target = ids_of(bpe_tokenizer, TEXT), ids_of(bpe_tokenizer, TARGET)
    s, t = source.shape[1], target.shape[1]
    from_ids = capture(model, source, target, grads=True)
    from_text = wrapped.capture(TEXT, target=TARGET, grads=True)
    assert_same_capture(from_ids, from_text)
    assert from_text["decoder.1.cross_attn.weights"].shape == (1, 4, t, s)
    assert from_text["encoder.0.self_attn.mask"].shape == (1, 1, s, s)
    assert from_text["decoder.0.self_attn.mask"].shape == (1, 1, t, t)
    assert from_text["decoder.0.cross_attn.mask"].shape == (1, 1, t, s)
    assert from_text.target_tokens[0] == "<s>" and len(from_text.target_tokens) == t
    assert from_text.meta["objective"] == "mean next-token cross-entropy over the target"
    assert from_text.meta["target_default"] is False
    # without a target the decoder reads the text itself, and says so
    echo = wrapped.capture(TEXT)
    assert echo.meta["target_default"] is True and echo.target_tokens == echo.tokens
    torch.testing.assert_close(echo["decoder.0.cross_attn.weights"].sum(-1), torch.ones(1, 4, s))


def test_text_capture_of_a_pretrained_twin_matches_its_ids_capture(minilm_scratch):
    enc = minilm_scratch.tokenizer(TEXT, return_tensors="pt")
    from_ids = capture(minilm_scratch.model, enc["input_ids"], attention_mask=enc["attention_mask"],
                       token_type_ids=enc["token_type_ids"], names="encoder.*", grads=True)
    from_text = minilm_scratch.capture(TEXT, names="encoder.*", grads=True)
    assert_same_capture(from_ids, from_text)


def test_hugging_face_and_scratch_captures_share_meta_keys_and_mask_shapes(minilm, minilm_scratch,
                                                                            tiny_models):
    hf, ours = minilm.capture(TEXT), minilm_scratch.capture(TEXT)
    assert set(hf) == set(ours)
    assert set(hf.meta) == set(ours.meta) == set(META_KEYS)
    for name in hf:
        if name.endswith(".mask"):
            assert hf[name].shape == ours[name].shape == (1, 1, 8, 8), name
            assert torch.equal(hf[name], ours[name]), name
    for kind in ("gpt2", "bart"):
        model, tok = tiny_models(kind)
        cap = load_model((model, tok)).capture(TEXT, grads=True)
        assert set(cap.meta) == set(META_KEYS), kind
        for name in cap:
            if name.endswith(".mask"):
                assert cap[name].dim() == 4 and cap[name].shape[1] == 1, name
