"""Figures switched in the browser (viz/switch.py, viz/head_switch.py): for every head, the figure
the browser makes by swapping numbers and texts into the first head's figure is exactly
head_view's figure of that head (as plotly.js receives it), and for every temperature the what-if
is temperature_whatif's own figure; the deck's size is known before it is packed."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from core import Transformer, TransformerConfig, capture
from viz.attention import head_data, head_view, temperature_values, temperature_whatif
from viz.head_switch import captured_layers, deck_nbytes, pack_heads
from viz.switch import Deck, apply, pack, unpack


def _cap(arch="encoder", n=7, layers=2, heads=3, mask=None, **extra):
    torch.manual_seed(1)
    model = Transformer(TransformerConfig(arch=arch, vocab_size=40, d_model=24, n_heads=heads,
                                          n_layers=layers, d_ff=48, max_len=600))
    ids = torch.randint(0, 40, (1, n), generator=torch.Generator().manual_seed(2))
    if arch == "encoder-decoder":
        extra = dict(target_ids=torch.tensor([[3, 4, 5, 6]]), target_tokens=["a", "<b>", "c", "d"])
    if mask is not None:
        extra["attention_mask"] = mask
    return capture(model, ids, **extra)


def _json(figure) -> dict:
    return json.loads(go.Figure(figure).to_json())


CASES = {
    "encoder": dict(cap=lambda: _cap(), stack="encoder", block="self_attn"),
    "causal decoder (grey masked cells)": dict(cap=lambda: _cap("decoder"), stack="decoder",
                                               block="self_attn"),
    "padding mask": dict(cap=lambda: _cap(mask=torch.tensor([[1, 1, 1, 1, 1, 0, 0]])), stack="encoder",
                         block="self_attn"),
    "cross-attention (label in the title)": dict(cap=lambda: _cap("encoder-decoder"), stack="decoder",
                                                  block="cross_attn"),
    "pooled 2×2, 60 tokens": dict(cap=lambda: _cap(n=60), stack="encoder", block="self_attn", max_cells=32),
}


@pytest.mark.parametrize("scale", ["absolute", "per row", "log"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_switched_head_is_head_views_figure(case, scale):
    spec = CASES[case]
    cap, stack, block = spec["cap"](), spec["stack"], spec["block"]
    cells = spec.get("max_cells", 256)
    deck = pack_heads(cap, stack, block, scale, max_cells=cells)
    first = head_view(cap, 0, 0, stack, block, scale=scale, max_cells=cells).to_dict()
    n_layers, n_heads = cap.n_layers(stack, block), cap[f"{stack}.0.{block}.weights"].shape[1]
    assert deck.index["layers"] == {str(layer): n_heads for layer in range(n_layers)}
    for layer in range(n_layers):
        for head in range(n_heads):
            swapped = _json(apply(first, deck, f"{layer},{head}"))
            drawn = _json(head_view(cap, layer, head, stack, block, scale=scale, max_cells=cells))
            assert swapped == drawn, (layer, head)
    bound = deck_nbytes(cap, stack, block, scale, cells)
    assert deck.nbytes <= bound <= 2 * deck.nbytes  # two grey layers at most on top


def test_the_deck_carries_float32_with_nan_in_masked_cells_and_real_values():
    cap = _cap("decoder")
    deck = pack_heads(cap, "decoder", "self_attn")
    values = unpack(deck, "1,2").traces
    scores = values[1]["z"]  # trace 0 is the grey layer behind the masked cells
    expected = cap["decoder.1.self_attn.scores"][0, 2].numpy()
    upper = np.triu(np.ones_like(expected, dtype=bool), k=1)
    assert scores.dtype == np.float32 and np.isnan(scores[upper]).all()
    np.testing.assert_array_equal(scores[~upper], expected[~upper])
    assert values[1]["zmax"] == pytest.approx(np.abs(expected[~upper]).max())
    weights = values[3]["z"]
    np.testing.assert_allclose(np.nansum(weights, axis=1), 1.0, atol=1e-6)


def test_only_the_layers_asked_for_and_the_captured_ones():
    cap = _cap(layers=3)
    one = pack_heads(cap, "encoder", "self_attn", layers=[2])
    assert one.index["layers"] == {"2": 3} and set(one.index["entries"]) == {"2,0", "2,1", "2,2"}
    assert 0 < one.nbytes <= deck_nbytes(cap, "encoder", "self_attn", layers=[2])
    one_layer = deck_nbytes(cap, "encoder", "self_attn", layers=[2])
    assert deck_nbytes(cap, "encoder", "self_attn") == 3 * one_layer
    torch.manual_seed(1)
    model = Transformer(TransformerConfig(vocab_size=40, d_model=24, n_heads=3, n_layers=3, d_ff=48))
    partial = capture(model, torch.tensor([[1, 2, 3, 4]]), names=["encoder.1.self_attn.*"])
    assert captured_layers(partial, "encoder", "self_attn") == [1]
    assert pack_heads(partial, "encoder", "self_attn").index["layers"] == {"1": 3}


@pytest.mark.parametrize("case", ["encoder", "causal decoder (grey masked cells)", "pooled 2×2, 60 tokens"])
def test_every_switched_temperature_is_the_what_ifs_figure(case):
    spec = CASES[case]
    cap, cells = spec["cap"](), spec.get("max_cells", 256)
    d = head_data(cap, 1, 2, spec["stack"], spec["block"])
    temperatures = [0.1, 0.5, 1.0, 2.5, 5.0]
    deck = pack({str(i): temperature_values(d, t, cells) for i, t in enumerate(temperatures)})
    first = temperature_whatif(d, temperatures[0], max_cells=cells).to_dict()
    for i, t in enumerate(temperatures):
        assert _json(apply(first, deck, str(i))) == _json(temperature_whatif(d, t, max_cells=cells)), t
    flat = unpack(deck, "4").texts["annotations.1.text"]
    sharp = unpack(deck, "0").texts["annotations.1.text"]
    entropy = [float(text.split("mean entropy ")[1].split(" ")[0]) for text in (sharp, flat)]
    assert entropy[0] < entropy[1]  # T = 5 flattens the rows: more entropy than T = 0.1


def test_a_deck_is_named_by_what_its_capture_shows_never_by_object_id():
    """A capture the cache does not hold (evicted, or one layer) is named by its model, tokens,
    names and values: a freed capture's id can come back for the next sentence's capture, and a
    browser would keep the old sentence's figures (seen in the classroom bench)."""
    from ui.cache import identity

    first = _cap(n=5)
    again = _cap(n=5)
    other = _cap(n=6)
    assert identity(first) == identity(again) and identity(first) != identity(other)
    assert first is not again and not isinstance(identity(first), int)


def test_a_deck_file_reads_back_exactly_and_its_floats_start_aligned():
    cap = _cap("decoder")
    deck = pack_heads(cap, "decoder", "self_attn", layers=[1])
    data = deck.to_bytes()
    (n,) = np.frombuffer(data[:4], dtype="<u4")
    start = len(data) - deck.nbytes
    assert start % 4 == 0 and start >= 4 + n  # JavaScript's Float32Array needs a 4-byte offset
    back = Deck.from_bytes(data)
    assert back.index == deck.index and back.buffer == deck.buffer
    np.testing.assert_array_equal(unpack(back, "1,2").traces[3]["z"], unpack(deck, "1,2").traces[3]["z"])
