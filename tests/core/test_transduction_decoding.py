"""The small RNN behind the transduction diagrams, and the decoder-side computations."""

import numpy as np
import pytest
import torch

from core import load_model
from core.labs.decoding import eos_ids, generate, next_tokens, seq2seq_generate
from core.labs.toy_reverser import BOS, EOS, VOCAB, encode_words, load_reverser
from core.labs.transduction import HIDDEN, ElmanCell, _embed, sequence_to_sequence, sequence_to_vector, unroll


def test_elman_cell_matches_torch_rnn():
    cell = ElmanCell(seed=3)
    xs = np.random.default_rng(1).normal(0, 1, (7, 3))
    rnn = torch.nn.RNN(3, HIDDEN, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(cell.w_xh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(cell.w_hh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(cell.b))
        rnn.bias_hh_l0.zero_()
        ref, _ = rnn(torch.from_numpy(xs)[None])
    np.testing.assert_allclose(cell.run(xs), ref[0].numpy(), atol=1e-12)


def test_three_shapes():
    s2v = sequence_to_vector("the movie was great")
    assert len(s2v.cells) == 4 and s2v.result.sum() == pytest.approx(1.0)
    assert [c.output for c in s2v.cells[:-1]] == [None] * 3
    # the vector depends on every word: change the first one
    assert not np.allclose(sequence_to_vector("a movie was great").result, s2v.result)
    s2s = sequence_to_sequence("the dog ate the cat", "le chien a mangé le chat")
    enc = [c for c in s2s.cells if c.group == "encoder"]
    dec = [c for c in s2s.cells if c.group == "decoder"]
    assert len(enc) == 5 and len(dec) == 7
    np.testing.assert_allclose(s2s.context, enc[-1].hidden)
    assert dec[0].input == "<bos>" and dec[-1].output == "<eos>"
    assert [c.input for c in dec[1:]] == [c.output for c in dec[:-1]]  # the shifted input
    cell = ElmanCell(seed=1)
    np.testing.assert_allclose(dec[0].hidden, cell.step(_embed(["<bos>"])[0], s2s.context), atol=1e-12)
    v2s = unroll("vector→sequence")
    assert v2s.cells[0].input == "image" and [c.output for c in v2s.cells] == "a dog runs on grass".split()
    with pytest.raises(ValueError, match="empty"):
        unroll("sequence→vector", "   ")
    with pytest.raises(ValueError, match="shape must be"):
        unroll("tree→graph")


def test_reverser_decodes_to_eos_with_cross_attention():
    model = load_reverser()
    gen = seq2seq_generate(model, encode_words("one two red cat") + [EOS], BOS, EOS, vocab=VOCAB)
    assert [s.token for s in gen.steps] == ["cat", "red", "two", "one", "<eos>"] and gen.stopped == "eos"
    cross = gen.steps[0].cross_attention  # [layers, heads, source]
    assert cross.shape == (2, 4, 5)
    np.testing.assert_allclose(cross.sum(-1), 1, atol=1e-5)
    assert gen.steps[2].self_attention.shape[-1] == 3  # <bos> + two outputs so far
    with pytest.raises(ValueError, match="knows only"):
        encode_words("one zebra")


def test_tiny_llama_next_tokens_and_generation(tiny_models):
    model, tok = tiny_models("llama")
    m = load_model((model, tok))
    text = "The dog ate the cat."
    table = next_tokens(m, text, k=5)
    ids = tok(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        probs = torch.softmax(model(ids).logits[0].double(), -1)
    np.testing.assert_allclose(table.top_probs[:, 0], probs.max(-1).values.numpy(), rtol=1e-5)
    np.testing.assert_allclose(table.target_probs[:-1], probs[torch.arange(ids.shape[1] - 1), ids[0, 1:]],
                               rtol=1e-5)
    assert table.mask.shape == (ids.shape[1],) * 2 and not table.mask[0, 1] and table.mask[1, 0]
    gen = generate(m, text, max_new=4)
    assert 1 <= len(gen.steps) <= 4 and gen.stopped in ("eos", "max_new")
    first = gen.steps[0]
    assert first.token_id == int(probs[-1].argmax())
    assert first.self_attention.shape == (2, 4, ids.shape[1])
    np.testing.assert_allclose(first.self_attention.sum(-1), 1, atol=1e-5)
    assert eos_ids(m) == {2}
    with pytest.raises(ValueError, match="causal decoder"):
        next_tokens(load_model("minilm"), text)


@pytest.mark.slow
def test_smollm2_answers_paris_and_stops_at_eos():
    pytest.importorskip("gguf")
    try:
        model = load_model("smollm2")
    except Exception as err:
        pytest.skip(f"smollm2 unavailable: {err}")
    table = next_tokens(model, "The capital of France is")
    assert table.top_tokens[-1][0].strip() == "Paris"
    gen = generate(model, "What is the capital of France? Answer in one word.", max_new=12, chat=True)
    assert gen.stopped == "eos" and gen.steps[-1].token_id in eos_ids(model)
