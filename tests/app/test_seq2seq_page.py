"""AppTest: the seq2seq page renders on the shipped models, steps a decode, reads bad input
safely, and shows a tiny pretrained encoder-decoder's cross-attention."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.labs.seq2seq.translate import load

PAGE = str(Path(__file__).resolve().parents[2] / "pages/seq2seq.py")
TIMEOUT = 300


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _array(z) -> np.ndarray:
    """A Plotly array from the figure JSON (plain list or typed {'dtype', 'bdata', 'shape'})."""
    if isinstance(z, dict):
        flat = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return flat.reshape([int(x) for x in str(z["shape"]).split(",")])
    return np.asarray(z, dtype=float)


def _titles(at: AppTest) -> str:
    return " ".join(str(c["layout"].get("title", {}).get("text", "")) for c in _charts(at))


def _run(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def page() -> AppTest:
    return _run()


def test_default_page_draws_every_tab(page):
    titles = _titles(page)
    for expected in ("next-word probabilities", "Cross-attention", "At initialisation", "After training",
                     "What the decoder receives", "Training curves"):
        assert expected in titles
    tr = load("attention").translate("the small girl does not see the red car of the dog")
    assert page.code[0].value.split() == tr.words
    assert any("held-out" in m.label for m in page.metric)


def test_next_and_previous_step_move_the_decode(page):
    page.button(key="s2s_next").click().run()
    assert page.session_state["s2s_step"] == 2
    assert "Step 2:" in _titles(page)
    page.button(key="s2s_prev").click().run()
    page.button(key="s2s_prev").click().run()  # stays at the first step
    assert page.session_state["s2s_step"] == 1


@pytest.mark.parametrize("text, shown", [
    ("", "Type an English sentence"),
    ("the redd car sees a dgo", "nearby: red"),
    (" ".join(["the dog runs and"] * 50) + " the cat runs", "at most 60"),
])
def test_bad_input_gets_a_clear_message(text, shown):
    at = _run(s2s_text=text)
    assert shown in " ".join(w.value for w in at.warning).replace("\\", "")  # markdown escapes
    assert not _charts(at)


def test_punctuation_and_mixed_case_translate_like_clean_text():
    at = _run(s2s_text="The RED car, sees a Dog!", s2s_model="transformer")
    assert not at.warning
    assert at.code[0].value.split() == load("transformer").translate("the red car sees a dog").words


def test_context_model_has_no_attention_to_align():
    at = _run(s2s_model="context", s2s_text="a black cat eats the cake")
    assert any("has no attention" in i.value for i in at.info)


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory) -> Path:
    """A tiny random BART with a word-level tokenizer, saved like a downloaded checkpoint."""
    import torch
    import transformers as tf
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = "the a red car cat dog sees runs small girl does not".split()
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, **{w: i + 4 for i, w in enumerate(words)}}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = tf.PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                     pad_token="<pad>", unk_token="<unk>")
    torch.manual_seed(0)
    model = tf.BartForConditionalGeneration(tf.BartConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=24, decoder_ffn_dim=24, max_position_embeddings=64,
        bos_token_id=0, pad_token_id=1, eos_token_id=2, decoder_start_token_id=2))
    folder = tmp_path_factory.mktemp("tiny-bart")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_pretrained_encoder_decoder_cross_attention(tiny_bart, monkeypatch):
    from transformers import AutoTokenizer

    # custom folders must lie inside the allowed roots (ui/policy.py): allow pytest's temp folder
    monkeypatch.setenv("ATTENTION_LAB_MODEL_ROOTS", str(tiny_bart.parent))
    at = _run(s2s_hf=str(tiny_bart), s2s_hf_target="the dog runs")
    fig = next(c for c in _charts(at)
               if "Cross-attention, layer 1" in str(c["layout"].get("title", {}).get("text")))
    tok = AutoTokenizer.from_pretrained(tiny_bart)
    n_src = len(tok("the small girl does not see the red car of the dog")["input_ids"])
    n_tgt = 1 + len(tok(text_target="the dog runs")["input_ids"])  # decoder start token first
    z = _array(fig["data"][0]["z"])
    assert z.shape == (n_tgt, n_src)
    assert np.allclose(z.sum(1), 1, atol=1e-5)  # mean of heads: still a distribution per row


def test_pretrained_bad_name_is_a_message_not_a_crash():
    at = _run(s2s_hf="/no/such/folder")
    assert any("Could not show this model" in e.value for e in at.error)
