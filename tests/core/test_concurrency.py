"""Streamlit sessions share one loaded model: captures from several threads must not mix."""

from concurrent.futures import ThreadPoolExecutor

import torch

from core import PRESETS, Transformer, capture, load_model

SENTENCES = ["The dog ate the cat", "A much longer sentence with quite a few more words in it today",
             "Hi", "Attention is all you need, they said, and then they needed more"]


def test_threads_capturing_one_scratch_model_get_their_own_tensors():
    torch.manual_seed(0)
    model = Transformer(PRESETS["tiny-decoder"])
    lengths = [3, 17, 5, 29]

    def run(i: int):
        n = lengths[i % 4]
        cap = capture(model, torch.arange(n) % 50, grads=(i % 2 == 0))
        return n, cap

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(40)))
    for n, cap in results:
        for name, tensor in cap.items():
            if name.endswith((".weights", ".scores")):
                assert tensor.shape[-2:] == (n, n), name
            elif name.endswith(("resid_post", ".output", "embed")):
                assert tensor.shape[1] == n, name
        if cap.grads:
            assert all(g.shape == cap[name].shape for name, g in cap.grads.items())


def test_threads_capturing_minilm_get_their_own_tensors(minilm):
    expected = {s: minilm.capture(s) for s in SENTENCES}

    def run(i: int):
        s = SENTENCES[i % len(SENTENCES)]
        return s, minilm.capture(s)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(24)))
    for s, cap in results:
        assert set(cap) == set(expected[s])
        for name in cap:
            torch.testing.assert_close(cap[name], expected[s][name], rtol=0, atol=1e-5, msg=name)


def test_half_precision_checkpoints_are_captured_in_float32(tiny_models, tmp_path):
    model, tok = tiny_models("bert")
    model.to(torch.bfloat16).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    m = load_model(str(tmp_path))
    cap = m.capture("The dog ate the cat")
    assert all(t.dtype in (torch.float32, torch.bool) for t in cap.values())
    w = cap["encoder.0.self_attn.weights"]
    torch.testing.assert_close(w.sum(-1), torch.ones_like(w.sum(-1)))
    w.numpy()  # figures convert to numpy: bf16 would raise here
