"""Structure of the attention figures (from-scratch model, no weights needed): trace types, z
shapes, tick labels = tokens, masked cells, HTML escaping, payload size."""

import base64
import json

import numpy as np
import pytest
import torch

from core import Transformer, TransformerConfig, capture
from viz.attention import head_data, head_view, query_breakdown, temperature_whatif, weights_at_temperature
from viz.attention_compare import (
    compare_js,
    compare_view,
    heads_aggregate_view,
    js_figures,
    rollout_view,
    word_view,
)
from viz.attention_lines import lines_view
from viz.attention_overview import (
    capture_stats,
    head_ranking,
    head_stats_figure,
    overview,
    overview_pixels,
    tile_of,
)
from viz.raster import colormap_lut, decode_png, png_bytes
from viz.theme import SEQUENTIAL

TOKENS = ["the", "dog", "the", "<b>hi</b>", "&", "**bold**"]
DTYPES = {"f4": np.float32, "f8": np.float64, "u1": np.uint8, "i1": np.int8, "i2": np.int16,
          "u2": np.uint16, "i4": np.int32, "u4": np.uint32}


def _cap(arch="encoder", n=6, layers=2, heads=4, seed=0, tokens=None):
    torch.manual_seed(seed)
    model = Transformer(TransformerConfig(arch=arch, vocab_size=50, d_model=32, n_heads=heads,
                                          n_layers=layers, d_ff=64, max_len=600))
    ids = torch.randint(0, 50, (1, n), generator=torch.Generator().manual_seed(seed))
    kw = {}
    if arch == "encoder-decoder":
        kw = dict(target_ids=torch.tensor([[5, 6, 7]]), target_tokens=["x", "<i>y", "z"])
    return capture(model, ids, tokens=tokens or (TOKENS if n == len(TOKENS) else None), **kw)


def array(value) -> np.ndarray:
    """A plotly JSON array (list or {'dtype', 'bdata', 'shape'} typed array) as numpy."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=DTYPES[value["dtype"]])
        shape = value.get("shape")
        return out.reshape([int(s) for s in str(shape).split(",")]) if shape else out
    return np.array(value, dtype=float)


def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def test_head_view_structure_tokens_and_values():
    cap = _cap()
    fig = _spec(head_view(cap, 1, 2))
    heatmaps = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 4  # scores, weights, V, vectors (no mask layer: encoder, no padding)
    n = len(TOKENS)
    assert array(heatmaps[0]["z"]).shape == (n, n) and array(heatmaps[1]["z"]).shape == (n, n)
    assert array(heatmaps[2]["z"]).shape == (n, 8) and array(heatmaps[3]["z"]).shape == (n, 8)
    assert np.allclose(array(heatmaps[1]["z"]), cap["encoder.1.self_attn.weights"][0, 2].numpy(), atol=1e-6)
    assert heatmaps[0]["zmid"] == 0 and heatmaps[1]["zmin"] == 0 and heatmaps[1]["zmax"] == 1
    escaped = ["the", "dog", "the", "&lt;b&gt;hi&lt;/b&gt;", "&amp;", "**bold**"]
    assert fig["layout"]["xaxis"]["ticktext"] == escaped and fig["layout"]["yaxis"]["ticktext"] == escaped
    assert fig["layout"]["xaxis"]["tickvals"] == list(range(n))  # numeric axis: 'the' twice stays twice
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"
    sums = next(t for t in fig["data"] if t["type"] == "scatter")
    assert sums["text"] == ["Σ 1.00"] * n
    assert "<b>hi" not in json.dumps(heatmaps[1]["text"])  # hover text escaped too


def test_causal_mask_is_drawn_as_mask_not_numbers():
    cap = _cap("decoder")
    fig = _spec(head_view(cap, 0, 1))
    masked_layer, scores = fig["data"][0], fig["data"][1]
    assert masked_layer["name"] == "masked" and scores["name"] == "scores"
    grey, z = array(masked_layer["z"]), array(scores["z"])
    upper = np.triu(np.ones_like(z, dtype=bool), 1)
    assert np.all(np.isnan(z[upper])) and np.all(np.isfinite(z[~upper]))
    assert np.all(grey[upper] == 1) and np.all(np.isnan(grey[~upper]))


def test_query_breakdown_and_temperature():
    cap = _cap("decoder")
    d = head_data(cap, 1, 0)
    fig = _spec(query_breakdown(d, 3))
    assert [t["type"] for t in fig["data"]] == ["bar", "bar", "bar"]
    weights = array(fig["data"][1]["y"])
    assert weights.sum() == pytest.approx(1.0, abs=1e-5) and np.all(weights[4:] == 0)
    contrib = array(fig["data"][2]["y"])
    assert np.allclose(contrib, d.weights[3] * np.linalg.norm(d.v, axis=-1), atol=1e-5)
    assert fig["data"][0]["text"][4] == "masked"
    with pytest.raises(ValueError):
        query_breakdown(d, 99)
    whatif = temperature_whatif(d, 2.0)
    assert "what if" in whatif.layout.title.text.lower()
    assert np.allclose(weights_at_temperature(d.scores, d.mask, 1.0), d.weights, atol=1e-5)
    hot = weights_at_temperature(d.scores, d.mask, 100.0)
    assert np.allclose(hot[-1], 1 / d.weights.shape[1], atol=1e-2)  # T -> inf: uniform over allowed


def test_cross_attention_axes():
    cap = _cap("encoder-decoder")
    fig = _spec(head_view(cap, 0, 0, "decoder", "cross_attn"))
    scores = next(t for t in fig["data"] if t["name"] == "scores")
    assert array(scores["z"]).shape == (3, len(TOKENS))
    assert fig["layout"]["yaxis"]["ticktext"] == ["x", "&lt;i&gt;y", "z"]
    assert fig["layout"]["xaxis"]["ticktext"][3] == "&lt;b&gt;hi&lt;/b&gt;"
    assert lines_view(cap, 1, "decoder", "cross_attn").data
    assert word_view(cap, 0, None, "decoder", "cross_attn").data


def test_overview_is_one_image_with_click_targets():
    cap = _cap(layers=2, heads=4)
    fig = overview(cap)
    spec = _spec(fig)
    assert [t["type"] for t in spec["data"]] == ["scatter"]  # no heatmap trace: clicks stay selectable
    targets = spec["data"][0]
    assert targets["customdata"] == [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3]]
    assert "L1H1" in targets["text"][5] and "entropy" in targets["text"][5]
    assert spec["layout"]["hoverdistance"] == -1
    meta = spec["layout"]["meta"]
    step_y, step_x = meta["tile"]
    assert tile_of(1 * step_x + 2, 1 * step_y + 3, meta["tile"]) == (1, 1)
    rgb = decode_png(spec["layout"]["images"][0]["source"].encode())
    up = meta["upsample"]
    n = len(TOKENS)
    assert rgb.shape == ((2 * step_y - (step_y - n)) * up, (4 * step_x - (step_x - n)) * up, 3)
    tile = rgb[step_y * up:(step_y + n) * up:up, step_x * up:(step_x + n) * up:up]  # L1H1
    pixels, _ = overview_pixels(cap.stacked("weights").numpy())
    assert np.array_equal(tile, colormap_lut(SEQUENTIAL)[pixels[1, 1]])
    w = cap["encoder.1.self_attn.weights"][0, 1].numpy()
    assert np.abs(pixels[1, 1] / 255 - w).max() <= 0.5 / 255 + 1e-6
    assert spec["layout"]["xaxis"]["ticktext"] == ["H0", "H1", "H2", "H3"]
    assert spec["layout"]["yaxis"]["ticktext"] == ["L0", "L1"]
    yr = spec["layout"]["yaxis"]["range"]
    assert yr[0] > yr[1]  # reversed: layer 0 and query 0 on top


def test_png_round_trip():
    rgb = (np.arange(5 * 7 * 3) % 256).astype(np.uint8).reshape(5, 7, 3)
    assert np.array_equal(decode_png(png_bytes(rgb)), rgb)
    assert png_bytes(rgb).startswith(b"\x89PNG")


@pytest.mark.parametrize("n,limit_mb", [(128, 2.0), (512, 5.0)])
def test_overview_payload_is_small_at_minilm_size(n, limit_mb):
    from core.capture import Capture

    w = torch.softmax(torch.randn(6, 12, n, n), -1)
    cap = Capture({f"encoder.{i}.self_attn.weights": w[i][None] for i in range(6)},
                  [f"t{i}" for i in range(n)])
    fig = overview(cap)
    size_mb = len(fig.to_json()) / 1e6
    assert size_mb <= limit_mb, size_mb
    assert fig.layout.meta["tile"][0] <= 64 + 6  # pooled to the tile size (plus the gap)


def test_stats_and_ranking_figures():
    cap = _cap()
    stats = capture_stats(cap)
    fig = _spec(head_stats_figure(stats, "entropy"))
    assert [t["type"] for t in fig["data"]] == ["scatter"]  # no heatmap trace: cells stay clickable
    cells = fig["data"][0]
    assert cells["customdata"][5] == [1, 1] and cells["text"][5] == f"{stats['entropy'][1, 1]:.2f}"
    rgb = decode_png(fig["layout"]["images"][0]["source"].encode())
    up = rgb.shape[0] // 2
    assert rgb.shape == (2 * up, 4 * up, 3)
    z = stats["entropy"]
    brightest = np.unravel_index(np.nanargmax(z), z.shape)  # top of the scale: viridis yellow
    assert np.array_equal(rgb[brightest[0] * up, brightest[1] * up], colormap_lut(SEQUENTIAL)[255])
    bars = _spec(head_ranking(stats, "entropy", top=3))
    assert len(bars["data"][0]["y"]) == 3 and bars["data"][0]["y"][0].startswith("L")
    assert len(bars["data"][0]["customdata"][0]) == 2


def test_lines_one_colour_per_head_and_token_filter():
    cap = _cap()
    fig = lines_view(cap, 0)
    spec = _spec(fig)
    legend = [t for t in spec["data"] if t.get("showlegend") is not False and t["mode"] == "lines"]
    assert [t["name"] for t in legend] == ["L0H0", "L0H1", "L0H2", "L0H3"]
    assert len({t["line"]["color"] for t in legend}) == 4
    text = [t for t in spec["data"] if t["mode"] == "markers+text"]
    assert text[0]["text"] == ["the", "dog", "the", "&lt;b&gt;hi&lt;/b&gt;", "&amp;", "**bold**"]
    filtered = lines_view(cap, 0, token=1)
    ys = [array(t.y) for t in filtered.data if t.mode == "lines" and t.showlegend is False]
    starts = np.concatenate([y[0::3] for y in ys])
    assert np.allclose(starts, starts[0])  # every line leaves the picked query token
    hidden = lines_view(cap, 0, heads=[1])
    assert {t.visible for t in hidden.data if t.legendgroup == "h0"} == {"legendonly"}


def test_compare_difference_and_js():
    a, b = _cap(seed=0), _cap(seed=0, tokens=["the", "cat", "the", "<b>hi</b>", "&", "**bold**"])
    fig = _spec(compare_view(a, b, 0, 1))
    diff = [t for t in fig["data"] if t["name"] == "difference"]
    assert len(diff) == 1 and diff[0]["zmid"] == 0
    assert np.allclose(array(diff[0]["z"]), 0)  # same ids -> same weights
    assert fig["layout"]["xaxis3"]["ticktext"][1] == "dog/cat"
    js = compare_js(a, b)
    assert js.shape == (2, 4) and np.allclose(js, 0, atol=1e-6)
    grid, bars = js_figures(js)
    assert grid.data[0].type == "scatter" and grid.layout.images and bars.data[0].type == "bar"
    short = _cap(n=4, seed=1)
    assert compare_js(a, short) is None
    assert len([t for t in compare_view(a, short, 0, 0).data if t.name == "difference"]) == 0


def test_aggregate_figures():
    cap = _cap("decoder")
    agg = _spec(heads_aggregate_view(cap, 1))
    values = [t for t in agg["data"] if t["name"] == "weights"]
    assert len(values) == 2 and array(values[0]["z"]).shape == (6, 6)
    roll = rollout_view(cap)
    z = array(roll.data[-1].z)
    assert np.allclose(np.nansum(z, -1), 1.0, atol=1e-5)
    words = _cap()
    words._meta["words"] = [[0], [1, 2], [3], [4, 5]]
    wv = word_view(words, 0)
    assert list(wv.layout.xaxis.ticktext) == ["the", "dogthe", "&lt;b&gt;hi&lt;/b&gt;", "&amp;**bold**"]
    assert np.allclose(array(wv.data[-1].z).sum(-1), 1.0, atol=1e-5)
