"""AppTest: Compare uses the sidebar sentence, aligns by word, names the model and shows the
position ablation (issue 10, items 1 and 11)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "compare.py")


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def title(chart: dict) -> str:
    return chart["layout"]["title"]["text"]


def test_compare_uses_the_sidebar_sentence_and_the_ablation_agrees_word_for_word():
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.query_params["s"] = "The dog ate the cat"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "B: The cat ate the dog" in at.text[0].value
    figs = charts(at)
    assert title(figs[0]).startswith("minilm · L0H0: A vs B, word by word")
    assert figs[0]["layout"]["meta"]["max_diff"] > 0.01  # L0H0 of minilm: 0.030
    shown = {title(c).split(" · ")[0]: c["layout"]["meta"]["max_diff"] for c in figs
             if "word by word" in title(c) and not title(c).startswith("minilm ·")}
    assert set(shown) == {"minilm-scratch", "minilm-scratch-nopos"}
    # the head shown (L0H0): the twin equals minilm (0.030); without positions, float32 rounding only
    assert shown["minilm-scratch-nopos"] < 1e-5 < 0.01 < shown["minilm-scratch"]
    # over all heads: 8e-7 without positions, 0.99995 with them
    overall = {m.label.split(":")[0]: float(m.value) for m in at.metric}
    assert overall["minilm-scratch-nopos"] < 1e-5 < 0.5 < overall["minilm-scratch"]


def test_own_sentence_is_compared_not_the_preset():
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.query_params["s"] = "Cats chase small mice today"
    at.run()
    assert not at.exception
    assert at.text[0].value == "A: Cats chase small mice today\nB: Cats today small mice chase"
    assert "today" in charts(at)[0]["layout"]["xaxis"]["ticktext"]
