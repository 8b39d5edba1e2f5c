"""The four shipped seq2seq models: recorded scores reproduce, attention aligns with the truth,
the transformer speaks the capture contract, translate() reads bad input safely."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core import capture
from core.labs.seq2seq import probes
from core.labs.seq2seq.alignment import agreement_on
from core.labs.seq2seq.data import BUCKETS, bucket_label, held_out, make_batch
from core.labs.seq2seq.grammar import translate as reference
from core.labs.seq2seq.models import KINDS, VOCAB
from core.labs.seq2seq.train import MODEL_DIR, TrainSettings, evaluate, initial_model, train
from core.labs.seq2seq.translate import InputError, load

LONG = [bucket_label(b) for b in BUCKETS if b[0] >= 18]
DILUTION_GAP = 0.5  # attention minus context, exact match at 18+ words (measured 0.85)


@pytest.fixture(scope="module")
def models():
    return {k: load(k) for k in KINDS}


def test_weights_are_safetensors_and_small():
    files = sorted(MODEL_DIR.glob("*"))
    assert {f.suffix for f in files} == {".safetensors", ".json"}
    assert sum(f.stat().st_size for f in files) < 5e6


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_models_reproduce_their_recorded_held_out_scores(models, kind):
    recorded = models[kind].record["scores"]
    torch.set_num_threads(1)
    scores = evaluate(models[kind].net, held_out())
    assert scores["n"] == {bucket_label(b): 50 for b in BUCKETS}
    for metric in ("exact", "token"):
        for bucket, value in recorded[metric].items():
            assert scores[metric][bucket] == pytest.approx(value, abs=1e-9), (kind, metric, bucket)


def test_all_four_had_the_same_budget_and_hidden_size(models):
    settings = {tuple(sorted(m.record["settings"].items())) for m in models.values()}
    assert len(settings) == 1
    widths = {m.net.hidden if k != "transformer" else m.net.model.cfg.d_model for k, m in models.items()}
    assert widths == {64}


def test_dilution_context_falls_behind_attention_on_long_sentences(models):
    exact = {k: np.mean([m.record["scores"]["exact"][b] for b in LONG]) for k, m in models.items()}
    token = {k: np.mean([m.record["scores"]["token"][b] for b in LONG]) for k, m in models.items()}
    assert exact["attention"] - exact["context"] >= DILUTION_GAP
    assert token["attention"] > token["bicontext"] > token["context"]
    short = bucket_label(BUCKETS[0])
    ctx = models["context"].record["scores"]["token"]
    assert ctx[short] - np.mean([ctx[b] for b in LONG]) >= 0.05  # context itself loses with length


def test_attention_argmax_agrees_with_the_true_alignment_on_most_words(models):
    recorded = models["attention"].record["alignment"]
    measured = agreement_on(models["attention"].net, held_out())
    assert measured["agreement"] == pytest.approx(recorded["agreement"], abs=1e-9)
    assert measured["agreement"] > 0.5 and measured["words"] == recorded["words"]
    assert models["context"].record["alignment"] is None


def test_transformer_capture_has_the_contract_names(models):
    net = models["transformer"].net.model
    b = make_batch([reference("the red car does not see a small dog")])
    cap = capture(net, b.src, target_ids=b.tgt_in)
    heads, tgt, src = net.cfg.n_heads, b.tgt_in.shape[1], b.src.shape[1]
    for i in range(net.cfg.n_layers):
        cross = cap[f"decoder.{i}.cross_attn.weights"]
        assert cross.shape == (1, heads, tgt, src)
        torch.testing.assert_close(cross.sum(-1), torch.ones(1, heads, tgt))
        self_w = cap[f"decoder.{i}.self_attn.weights"]
        assert self_w.shape == (1, heads, tgt, tgt) and torch.all(self_w.triu(1) == 0)  # causal
        assert cap[f"encoder.{i}.self_attn.weights"].shape == (1, heads, src, src)


def test_translate_gives_steps_probabilities_and_attention(models):
    text = "The red car, does NOT see a small dog!"
    for kind, m in models.items():
        tr = m.translate(text)
        assert tr.source == ["the", "red", "car", "does", "not", "see", "a", "small", "dog"]
        assert tr.reference.target == ("la", "voiture", "rouge", "ne", "voit", "pas", "un", "chien", "petit")
        assert len(tr.steps) == len(tr.target) and tr.stopped == (tr.target[-1] == "<eos>")
        for step in tr.steps:
            probs = [p for _, p in step.top]
            assert len(step.top) == 5 and probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
            assert step.token == step.top[0][0] and 0 <= step.eos_prob <= 1
        if kind in ("context", "bicontext"):
            assert tr.cross_attention is None and tr.context.shape == (64,)
        else:
            assert tr.cross_attention.shape == (len(tr.target), len(tr.source))
            np.testing.assert_allclose(tr.cross_attention.sum(-1), 1.0, atol=1e-5)
        assert m.translate(" ".join(tr.source)).words == tr.words  # punctuation and case do not matter


def test_greedy_translate_matches_the_batched_evaluation(models):
    pair = held_out()[120]
    tr = models["attention"].translate(" ".join(pair.source))
    from core.labs.seq2seq.train import greedy

    batched = greedy(models["attention"].net, make_batch([pair]))[0]
    assert tr.words == [VOCAB[i] for i in batched]


def test_bicontext_context_is_both_directions_final_states(models):
    net = models["bicontext"].net
    b = make_batch([reference("the dog sees a red car of the boy")])
    states, context = net.encode(b.src, b.src_mask)
    half = net.hidden // 2
    torch.testing.assert_close(context[0, :half], states[0, -1, :half])  # forward: after the last word
    torch.testing.assert_close(context[0, half:], states[0, 0, half:])  # backward: after the first word


@pytest.mark.parametrize("text, match", [
    ("", "Type an English sentence"), ("   ?! ", "Type an English sentence"),
    ("the redd carr sees a dgo", "redd” \\(nearby: red\\).*dgo” \\(nearby: dog"),
    (" ".join(["the cat sees a dog and"] * 40), "at most 60"),
    ("le chat <b>dort</b>", "Not in the grammar"),
])
def test_bad_input_gets_a_clear_message(models, text, match):
    with pytest.raises(InputError, match=match):
        models["context"].translate(text)


def test_known_words_outside_the_grammar_still_translate_without_reference(models):
    tr = models["attention"].translate("dog the sees")
    assert tr.reference is None and "expected" in tr.grammar_note and tr.steps


def test_before_training_the_first_step_gradient_is_diluted_without_attention():
    """The architecture alone (the initial weights training starts from), 25-word sentences."""
    g = {k: probes.gradient_profile(initial_model(k), 25, n=10) for k in KINDS}
    assert g["context"][0] < 1e-3 * g["context"][-1]  # n recurrent steps from word 1 to the decoder
    assert np.all(np.diff(np.log(g["context"][5:])) > 0)  # and shrinking with every step back
    ends = min(g["bicontext"][0], g["bicontext"][-1])
    assert g["bicontext"][12] < 0.05 * ends  # bidirectional: the middle is farthest from both finals
    for kind in ("attention", "transformer"):  # one hop to every word
        assert g[kind].min() > 0.1 * g[kind].max(), kind


def test_training_is_deterministic_per_seed():
    a, losses_a, _ = train("context", TrainSettings(steps=3, batch=8))
    b, losses_b, _ = train("context", TrainSettings(steps=3, batch=8))
    assert losses_a == losses_b
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), name


def test_missing_weights_name_the_script(tmp_path: Path):
    from core.labs.seq2seq.train import load_trained

    with pytest.raises(FileNotFoundError, match="train_seq2seq.py"):
        load_trained("context", tmp_path)
