"""A 300-word paragraph (~370 MiniLM tokens) stays readable (issue 10, item 9)."""

from __future__ import annotations

import numpy as np
import pytest

from core.labs.attention_stats import most_focused_head, row_entropy
from viz.attention import head_data, head_view, scaled_weights
from viz.attention_lines import lines_view
from viz.theme import LABEL_PX

SENTENCES = ["The old lighthouse keeper climbed the stairs every evening before the storm arrived.",
             "Children in the village believed that his lamp could guide ships home from anywhere.",
             "Nobody remembered when the keeper first came, or why he never left the rocky island.",
             "Some said he waited for a letter; others insisted the sea had simply refused him."]


def paragraph(words: int = 300) -> str:
    pool = " ".join(SENTENCES * 20).split()
    return " ".join(pool[:words])


@pytest.fixture(scope="module")
def long_capture():
    from core import load_model

    cap = load_model("minilm").capture(paragraph())
    assert 320 <= len(cap.tokens) <= 400  # 333 tokens
    return cap


def printed(axis) -> list[str]:
    return [t for t in axis.ticktext if t]


def test_head_view_prints_only_the_labels_that_fit(long_capture):
    fig = head_view(head_data(long_capture, 0, 0))
    rows_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert len(printed(fig.layout.yaxis)) * LABEL_PX <= rows_px
    x0, x1 = fig.layout.xaxis.domain
    assert len(printed(fig.layout.xaxis)) * LABEL_PX <= 1200 * (x1 - x0) < 48 * LABEL_PX  # was 48 labels


def test_lines_labels_are_thinned_to_the_pixels(long_capture):
    fig = lines_view(long_capture, 0)
    every = fig.layout.meta["label_every"]
    assert every > 1
    tokens = next(t for t in fig.data if t.name == "query tokens")
    shown = [i for i, text in enumerate(tokens.text) if text]
    px_per_token = (fig.layout.height - 150) / len(long_capture.tokens)
    assert min(np.diff(shown)) * px_per_token >= LABEL_PX
    assert [c[2] for c in tokens.customdata][5] == long_capture.tokens[5]  # hover keeps every token


def test_one_head_opens_on_a_focused_head(long_capture):
    w = long_capture["encoder.0.self_attn.weights"][0].numpy()
    h = most_focused_head(w)
    entropy = row_entropy(w).mean(-1)
    assert entropy[h] == entropy.min() and entropy[h] < entropy[0]


def test_per_row_and_log_scales_show_structure(long_capture):
    w = head_data(long_capture, 0, 0).weights
    per_row, _, lo, hi = scaled_weights(w, "per row")
    assert np.allclose(per_row.max(-1), 1.0) and (lo, hi) == (0.0, 1.0)
    log, title, lo, hi = scaled_weights(w, "log")
    assert (lo, hi) == (-4.0, 0.0) and title.startswith("log")
    assert np.ptp(log) > 2  # orders of magnitude of texture where the absolute scale is one dark colour
    fig = head_view(head_data(long_capture, 0, 0), scale="log")
    weights_trace = [t for t in fig.data if t.type == "heatmap"][1]
    assert weights_trace.zmin == -4.0 and "customdata" in weights_trace.hovertemplate
    with pytest.raises(ValueError):
        scaled_weights(w, "loud")
