"""load_model / Model.capture: the packaged MiniLM, local folders, (model, tokenizer) pairs,
bad input and bad names, and SmolLM2 (slow)."""

from __future__ import annotations

import pickle
import socket
from pathlib import Path

import pytest
import torch

from core import load_model
from core.hf.attention import ATTN_IMPLEMENTATION, active_capture, leftover_hooks
from core.load import AVAILABLE, ModelNotFoundError

QUANTITIES = ("q", "k", "v", "scores", "mask", "weights", "vectors", "output")


def check_attention(cap, prefix: str, causal: bool = False) -> None:
    """The contract's relations between scores, mask, weights and vectors, on real numbers."""
    scores, mask, weights = cap[f"{prefix}.scores"], cap[f"{prefix}.mask"], cap[f"{prefix}.weights"]
    assert torch.isfinite(scores).all()
    expected = scores.masked_fill(~mask.expand_as(scores), float("-inf")).softmax(-1)
    torch.testing.assert_close(weights, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(cap[f"{prefix}.vectors"], weights @ cap[f"{prefix}.v"], atol=1e-5, rtol=0)
    if causal:
        assert (weights.triu(1) == 0).all()


# --------------------------------------------------------------------------- MiniLM

def test_minilm_capture_contract(minilm):
    cap = minilm.capture("The dog ate the cat")
    assert cap.tokens == ["[CLS]", "the", "dog", "ate", "the", "cat", "[SEP]"]
    assert cap["encoder.0.self_attn.weights"].shape == (1, 12, 7, 7)
    assert cap["encoder.5.self_attn.q"].shape == (1, 12, 7, 32)
    assert cap["encoder.5.self_attn.output"].shape == (1, 7, 384)
    assert cap["encoder.5.resid_post"].shape == (1, 7, 384)
    assert cap["embed"].shape == cap["pos_embed"].shape == (1, 7, 384)
    for layer in range(6):
        for q in QUANTITIES:
            assert f"encoder.{layer}.self_attn.{q}" in cap
        check_attention(cap, f"encoder.{layer}.self_attn")
    meta = cap.meta
    assert meta["model"] == "minilm" and meta["arch"] == "encoder"
    assert meta["attn_implementation"] == ATTN_IMPLEMENTATION
    assert (meta["n_tokens_original"], meta["n_tokens_kept"], meta["truncated"]) == (7, 7, False)
    assert meta["objective"] is None and len(cap.grads) == 0
    info = minilm.info
    assert (info["n_layers"], info["n_heads"], info["n_kv_heads"], info["d_model"], info["max_len"]) == \
        (6, 12, 12, 384, 512)
    assert info["tokenizer"] == "wordpiece"
    again = pickle.loads(pickle.dumps(cap))
    assert again["encoder.0.self_attn.weights"].equal(cap["encoder.0.self_attn.weights"])


def test_minilm_weights_equal_transformers_eager(minilm):
    text = "Attention Lab shows what a transformer looks at."
    cap = minilm.capture(text)
    enc = minilm.tokenizer(text, return_tensors="pt")
    minilm.model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            ref = minilm.model(**enc, output_attentions=True, output_hidden_states=True)
    finally:
        minilm.model.set_attn_implementation(ATTN_IMPLEMENTATION)
    assert len(ref.attentions) == 6
    for i, expected in enumerate(ref.attentions):
        torch.testing.assert_close(cap[f"encoder.{i}.self_attn.weights"], expected, atol=1e-5, rtol=0)
        torch.testing.assert_close(cap[f"encoder.{i}.resid_post"], ref.hidden_states[i + 1],
                                   atol=1e-5, rtol=0)


def test_sentence_pair_segments_and_mask(minilm):
    cap = minilm.capture("The dog barked.", pair="It was loud.")
    assert cap.tokens == ["[CLS]", "the", "dog", "barked", ".", "[SEP]", "it", "was", "loud", ".", "[SEP]"]
    assert cap.meta["segments"] == [0] * 6 + [1] * 5
    assert cap.meta["pair"] is True
    assert cap["encoder.0.self_attn.mask"].all()  # a pair is one sequence: everything visible
    alone = minilm.capture("The dog barked.")
    assert not torch.allclose(cap["encoder.0.resid_post"][0, :6], alone["encoder.0.resid_post"][0, :6])


def test_word_grouping(minilm):
    cap = minilm.capture("Tokenization is unbelievably fun")
    words, labels = cap.meta["words"], cap.meta["word_labels"]
    assert sorted(i for w in words for i in w) == list(range(len(cap.tokens)))
    assert labels[0] == "[CLS]" and labels[-1] == "[SEP]"
    assert "tokenization" in labels and "unbelievably" in labels
    split = words[labels.index("tokenization")]
    assert len(split) > 1 and cap.meta["raw_tokens"][split[1]].startswith("##")


def test_grads_finite_for_every_float_name(minilm):
    before = leftover_hooks(minilm.model)  # transformers keeps a few hooks of its own
    cap = minilm.capture("The dog ate the cat", grads=True)
    assert "mean-pooled" in cap.meta["objective"]
    floats = {n for n in cap if cap[n].is_floating_point()}
    assert set(cap.grads) == floats and len(floats) == 6 * 7 + 6 + 2
    for name in floats:
        g = cap.grads[name]
        assert g.shape == cap[name].shape and torch.isfinite(g).all(), name
    assert cap.grads["encoder.3.self_attn.weights"].abs().sum() > 0
    assert leftover_hooks(minilm.model) == before and not active_capture()


def test_names_filter(minilm):
    cap = minilm.capture("The dog ate the cat", names="*.weights")
    assert sorted(cap) == [f"encoder.{i}.self_attn.weights" for i in range(6)]
    with pytest.raises(KeyError, match="matches no capture name"):
        minilm.capture("The dog", names="encoder.9.*")


def test_long_input_is_truncated_and_says_so(minilm):
    cap = minilm.capture("word " * 4000, names="encoder.0.self_attn.weights")  # 20,000 characters
    meta = cap.meta
    assert meta["truncated"] is True and meta["n_tokens_kept"] == 512 and meta["n_tokens_original"] == 4002
    assert cap["encoder.0.self_attn.weights"].shape == (1, 12, 512, 512)
    assert cap.tokens[-1] == "[SEP]"


@pytest.mark.parametrize("bad", ["", "   \n\t ", None, 42, ["a list"], "\x00\x01\x02", "x" * 100_001])
def test_bad_text_gives_a_clear_error(minilm, bad):
    with pytest.raises(ValueError, match="text"):
        minilm.capture(bad)


@pytest.mark.parametrize("text", ["I love 🤖 and 🎉!", "مرحبا بالعالم", "שלום עולם",
                                  "tab\there\x00null\x07bell", "naïve café – “quotes”"])
def test_unusual_text_gives_a_correct_capture(minilm, text):
    cap = minilm.capture(text)
    assert len(cap.tokens) >= 3 and all(isinstance(t, str) and t for t in cap.tokens)
    check_attention(cap, "encoder.5.self_attn")


def test_target_on_an_encoder_is_an_error(minilm):
    with pytest.raises(ValueError, match="encoder-decoder"):
        minilm.capture("The dog", target="Le chien")


# --------------------------------------------------------------------------- names

def test_available_lists_the_packaged_models():
    assert {"minilm", "minilm-scratch", "smollm2"} <= set(AVAILABLE)
    assert all(isinstance(v, str) and v for v in AVAILABLE.values())


@pytest.mark.parametrize("name", ["no such model!", "", "./not/a/folder", 3])
def test_unknown_name_lists_valid_names(name):
    with pytest.raises(ModelNotFoundError) as err:
        load_model(name)
    assert "minilm" in str(err.value) and "smollm2" in str(err.value)
    assert isinstance(err.value, LookupError) and isinstance(err.value, ValueError)


def test_offline_hub_id_fails_fast_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def no_network(*args, **kwargs):  # "fast" means: it never even tries the network
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(ModelNotFoundError) as err:
        load_model("attention-lab-tests/definitely-not-cached")
    message = str(err.value)
    assert "attention-lab-tests/definitely-not-cached" in message
    assert "download" in message and "minilm" in message


# --------------------------------------------------------------------------- folders and pairs

def test_local_folder_saved_with_save_pretrained_loads_by_path(tiny_models, tmp_path):
    model, tok = tiny_models("bert")
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = load_model(str(tmp_path))
    assert loaded.info["arch"] == "encoder" and loaded.info["model_class"] == "BertModel"
    cap = loaded.capture("the dog ate the cat")
    enc = tok("the dog ate the cat", return_tensors="pt")
    model.set_attn_implementation("eager")
    with torch.no_grad():
        ref = model(**enc, output_attentions=True)
    torch.testing.assert_close(cap["encoder.1.self_attn.weights"], ref.attentions[1], atol=1e-5, rtol=0)


def test_pickle_only_checkpoint_is_refused_unless_allowed(tiny_models, tmp_path):
    model, tok = tiny_models("bert")
    model.config.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(ValueError, match="pickle"):
        load_model(str(tmp_path))
    loaded = load_model(str(tmp_path), allow_pickle=True)
    torch.testing.assert_close(loaded.model.embeddings.word_embeddings.weight,
                               model.embeddings.word_embeddings.weight)


def test_model_tokenizer_pair_decoder(tiny_models):
    model, tok = tiny_models("llama")
    m = load_model((model, tok))
    assert m.info["arch"] == "decoder" and m.info["n_kv_heads"] == 2 and m.info["n_heads"] == 4
    cap = m.capture("The dog ate the cat.", grads=True)
    assert cap.meta["objective"] == "mean next-token cross-entropy over the input"
    assert cap.meta["raw_tokens"][1].startswith(("The", "T")) and all(t for t in cap.tokens)
    for layer in range(2):
        check_attention(cap, f"decoder.{layer}.self_attn", causal=True)
    assert all(torch.isfinite(g).all() for g in cap.grads.values())


def test_model_tokenizer_pair_encoder_decoder_target(tiny_models):
    model, tok = tiny_models("bart")
    m = load_model((model, tok))
    cap = m.capture("The dog ate the cat.", target="The cat sat.", grads=True)
    n_src, n_tgt = len(cap.tokens), len(cap.target_tokens)
    assert cap.target_tokens[-1] == "</s>" and "cat" in cap.target_tokens
    assert cap["decoder.0.cross_attn.weights"].shape == (1, 4, n_tgt, n_src)
    assert cap["decoder.0.self_attn.weights"].shape == (1, 4, n_tgt, n_tgt)
    check_attention(cap, "decoder.1.self_attn", causal=True)
    check_attention(cap, "decoder.1.cross_attn")
    assert cap.meta["objective"] == "mean next-token cross-entropy over the target"
    assert cap.meta["target_default"] is False
    assert m.capture("The dog.").meta["target_default"] is True


def test_byte_level_tokens_are_cleaned(tiny_models):
    model, tok = tiny_models("gpt2")
    cap = load_model((model, tok)).capture("The dog ate the cat")
    assert cap.tokens[0] == "<s>" and cap.tokens[-1] == "</s>"
    assert "".join(cap.tokens[1:-1]) == "Thedogatethecat"
    assert " ".join(cap.meta["word_labels"][1:-1]) == "The dog ate the cat"


# --------------------------------------------------------------------------- SmolLM2

@pytest.mark.slow
def test_smollm2_loads_from_the_package_and_is_causal(tmp_path_factory):
    cache = tmp_path_factory.mktemp("attention-lab-cache")
    seen = []
    first = load_model("smollm2", cache_dir=cache, progress=lambda f, msg: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    converted = sorted(p.name for p in Path(cache).rglob("*.safetensors"))
    assert converted, "the first load leaves a safetensors copy in the cache"
    seen.clear()
    m = load_model("smollm2", cache_dir=cache)
    assert m.info["source"] == first.info["source"]
    assert seen == [] or seen[0] != 0.0  # no second conversion
    del first
    info = m.info
    assert (info["arch"], info["n_layers"], info["n_heads"], info["n_kv_heads"]) == ("decoder", 30, 9, 3)
    cap = m.capture("The capital of France is", grads=True)
    assert cap.tokens == ["The", "capital", "of", "France", "is"]
    for layer in (0, 15, 29):
        prefix = f"decoder.{layer}.self_attn"
        check_attention(cap, prefix, causal=True)
        k = cap[f"{prefix}.k"]
        assert k.shape == (1, 9, 5, 64) and torch.equal(k[:, 0], k[:, 1]) and torch.equal(k[:, 0], k[:, 2])
    assert all(torch.isfinite(g).all() for g in cap.grads.values())
    enc = m.tokenizer("The capital of France is", return_tensors="pt")
    m.model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            ref = m.model(**enc, output_attentions=True)
    finally:
        m.model.set_attn_implementation(ATTN_IMPLEMENTATION)
    torch.testing.assert_close(cap["decoder.29.self_attn.weights"], ref.attentions[29], atol=1e-5, rtol=0)
    assert m.tokenizer.decode(ref.logits[0, -1].argmax()) == " Paris"
