"""AppTest: the gradient-flow, softmax-Jacobian and attention-cost pages render by default and after
each of their own widgets moves; assertions read the plotted data back from the chart specs."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.labs.gradients import gradient_by_distance

TIMEOUT = 180
PAGES = Path(__file__).resolve().parents[2] / "pages"


def _decode(values):
    """Plotly serialises numpy arrays as {'dtype', 'bdata'}; lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        return flat.reshape([int(x) for x in str(shape).split(",")]) if shape else flat
    return np.asarray(values)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def ok(runnable) -> AppTest:
    """Run an AppTest (or a widget's .run(), which reruns its AppTest); fail on any exception."""
    at = runnable.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def gradient_page() -> AppTest:
    return ok(AppTest.from_file(str(PAGES / "gradient_flow.py"), default_timeout=TIMEOUT))


def test_gradient_flow_default(gradient_page):
    specs = charts(gradient_page)
    assert len(specs) == 5  # the pretrained model's charts wait behind a toggle (no model load)
    curves = specs[0]
    assert curves["layout"]["yaxis"]["type"] == "log"
    names = [t["name"] for t in curves["data"]]
    assert names[:4] == ["vanilla RNN", "LSTM", "GRU", "Transformer (attention)"]
    rnn = _decode(trace(curves, "vanilla RNN")["y"])
    assert len(rnn) == 100
    np.testing.assert_allclose(rnn, gradient_by_distance("rnn", 100, 64, spectral_radius=1.0), rtol=1e-12)
    attn = _decode(trace(curves, "Transformer (attention)")["y"])
    assert attn[1:].min() > 0.05 * attn[1:].max()  # flat: one hop to every position
    assert any("Pascanu" in m.value and "γ = 1" in m.value for m in gradient_page.markdown)
    cliff = specs[1]
    assert cliff["layout"]["yaxis"]["type"] == "log"
    assert [t["name"] for t in cliff["data"]] == ["loss L(w)", "unclipped descent",
                                                  "clipped descent (‖g‖ ≤ 10)"]
    texts = [a["text"] for a in cliff["layout"]["annotations"]]
    assert "cliff" in texts and any(t.startswith("unclipped step") for t in texts)
    layers = specs[2]
    assert layers["layout"]["title"]["text"] == "residual + LayerNorm, step 0"
    assert [t["name"] for t in layers["data"]] == ["embeddings", "attention", "MLP"]
    ok(gradient_page.toggle(key="pretrained").set_value(True))
    heads = charts(gradient_page)[6]
    assert [t["type"] for t in heads["data"]] == ["heatmap"] * 8
    assert heads["layout"]["annotations"][0]["text"] == "L0H0 weights"


def test_gradient_flow_after_each_widget(gradient_page):
    at = gradient_page
    ok(at.slider(key="len").set_value(20))
    assert len(_decode(trace(charts(at)[0], "vanilla RNN")["y"])) == 20
    ok(at.slider(key="rho").set_value(0.5))
    rnn = _decode(trace(charts(at)[0], "vanilla RNN")["y"])
    np.testing.assert_allclose(rnn, gradient_by_distance("rnn", 20, 64, spectral_radius=0.5), rtol=1e-12)
    assert any("vanishing is **guaranteed**" in m.value for m in at.markdown)
    ok(at.selectbox(key="act").set_value("sigmoid"))
    assert any("γ = 0.25" in m.value for m in at.markdown)
    before = _decode(trace(charts(at)[0], "LSTM cell path Π f_t")["y"])[-1]
    ok(at.slider(key="fbias").set_value(5.0))
    assert _decode(trace(charts(at)[0], "LSTM cell path Π f_t")["y"])[-1] > 10 * before
    ok(at.slider(key="clip_t").set_value(2.0))
    clipped = trace(charts(at)[1], "clipped descent (‖g‖ ≤ 2)")
    steps = np.abs(np.diff(_decode(clipped["x"])))
    assert steps.max() <= 0.03 * 2.0 * (1 + 1e-9)  # lr · τ
    unclipped = _decode(trace(charts(at)[1], "unclipped descent")["x"])
    assert np.abs(np.diff(unclipped)).max() > 10 * steps.max()
    ok(at.toggle(key="clip").set_value(False))
    assert [t["name"] for t in charts(at)[1]["data"]] == ["loss L(w)", "unclipped descent"]
    assert at.slider(key="clip_t").disabled
    ok(at.toggle(key="clip").set_value(True))
    assert len(charts(at)[1]["data"]) == 3
    ok(at.selectbox(key="variant").set_value("neither"))
    ok(at.slider(key="step").set_value(59))
    layers = charts(at)[2]
    assert layers["layout"]["title"]["text"] == "neither, step 59"
    attention = _decode(trace(layers, "attention")["y"])
    assert attention[0] < 1e-2 * attention[-1]  # without residuals the first layers starve
    ok(at.slider(key="glayer").set_value(5))
    ok(at.selectbox(key="gheads").set_value("heads 4–7"))
    assert charts(at)[6]["layout"]["annotations"][0]["text"] == "L5H4 weights"


def test_softmax_page_default_and_widgets():
    at = ok(AppTest.from_file(str(PAGES / "softmax_jacobian.py"), default_timeout=TIMEOUT))
    specs = charts(at)
    assert len(specs) == 6
    jac = _decode(specs[2]["data"][0]["z"])
    assert jac.shape == (4, 4)
    np.testing.assert_allclose(jac.sum(1), 0, atol=1e-12)
    np.testing.assert_allclose(jac, jac.T)
    ok(at.text_input(key="logits").set_value("10, 0, 0, 0"))
    jac = _decode(charts(at)[2]["data"][0]["z"])
    assert np.abs(jac).max() == pytest.approx(1.4e-4, rel=0.05)
    ok(at.slider(key="temp").set_value(2.0))
    probs = _decode(charts(at)[0]["data"][0]["y"])
    assert probs[0] == pytest.approx(np.exp(5) / (np.exp(5) + 3))
    ok(at.slider(key="dk").set_value(128))
    ok(at.slider(key="nkeys").set_value(20))
    sat = charts(at)[5]
    assert sat["data"][0]["y"][0] > sat["data"][1]["y"][0]  # unscaled max weight > scaled
    ok(at.text_input(key="logits").set_value("not numbers"))
    assert at.warning and _decode(charts(at)[2]["data"][0]["z"]).shape == (4, 4)
    ok(at.text_input(key="logits").set_value("1, nan, 2"))
    assert at.warning and np.isfinite(_decode(charts(at)[2]["data"][0]["z"])).all()


def test_cost_page_default_and_widgets():
    at = ok(AppTest.from_file(str(PAGES / "attention_cost.py"), default_timeout=TIMEOUT))
    specs = charts(at)
    assert len(specs) == 6
    assert specs[0]["data"][0]["type"] == "table"
    assert specs[1]["layout"]["shapes"][0]["x0"] == 256
    ok(at.selectbox(key="d").set_value(64))
    ok(at.selectbox(key="maxn").set_value(256))
    timing = charts(at)[2]
    assert _decode(timing["data"][0]["x"]).max() == 256
    assert [t["name"] for t in timing["data"]] == ["self-attention", "recurrent (RNN)", "recurrent (LSTM)",
                                                  "convolution"]
    ok(at.slider(key="ngraph").set_value(6))
    ok(at.slider(key="width").set_value(5))
    graphs = charts(at)[4]
    titles = [a["text"] for a in graphs["layout"]["annotations"]]
    assert titles[0].endswith("longest path 5 hops") and titles[2].endswith("longest path 1 hop")
    assert titles[3].endswith("longest path 3 hops")  # band of radius 2 over 6 positions
