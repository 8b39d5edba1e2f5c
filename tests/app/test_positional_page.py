"""AppTest: the positional-encoding pages render, for every encoding, and order matters."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.positional import KINDS

ROOT = Path(__file__).resolve().parents[2]
LAB, TRAINED = str(ROOT / "pages/positional_lab.py"), str(ROOT / "pages/positional_trained.py")


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _run(path: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_lab_renders_by_default():
    at = _run(LAB)
    assert not at.error
    charts = _charts(at)
    assert len(charts) >= 15
    table = next(c for c in charts if c["data"][0]["type"] == "table")
    assert table["data"][0]["header"]["values"][1:] == ["sinusoidal", "sigmoid", "single_sine",
                                                         "stretched_sine", "learned"]


def test_lab_renders_every_encoding():
    at = AppTest.from_file(LAB, default_timeout=90).run()
    at.multiselect(key="pe_kinds").set_value(list(KINDS)).run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(c for c in _charts(at) if c["data"][0]["type"] == "table")
    assert table["data"][0]["header"]["values"][1:] == list(KINDS)
    for kind in ("alibi", "rope", "none"):
        at.selectbox(key="pe_focus").set_value(kind).run()
        assert not at.exception, (kind, [e.value for e in at.exception])


def test_lab_failure_demo_widgets():
    at = AppTest.from_file(LAB, default_timeout=90).run()
    at.slider(key="pe_level").set_value(0.5).run()
    at.selectbox(key="pe_stretch").set_value(100).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "takes the value 0.50" in captions


@pytest.fixture(scope="module")
def trained() -> AppTest:
    return _run(TRAINED)


def test_trained_page_renders(trained):
    titles = " ".join(str(c["layout"].get("title", {}).get("text", "")) for c in _charts(trained))
    assert "accuracy" in titles.lower() and "ALiBi" in titles and "RoPE" in titles
    metrics = {m.label: m.value for m in trained.metric}
    assert float(metrics["max |A − B|, outputs"]) < 1e-12  # default encoding: none


@pytest.mark.parametrize("kind", ["sinusoidal", "rope", "alibi", "learned", "binary", "none"])
def test_order_matters_per_encoding(trained, kind):
    trained.selectbox(key="order_kind").set_value(kind).run()
    assert not trained.exception, [e.value for e in trained.exception]
    diff = float({m.label: m.value for m in trained.metric}["max |A − B|, outputs"])
    if kind == "none":
        assert diff < 1e-12
    elif kind == "sinusoidal":
        assert diff > 1e-3


def test_retrain_button_runs_with_progress(trained):
    trained.selectbox(key="tr_kind").set_value("sinusoidal")
    trained.slider(key="tr_steps").set_value(50)
    trained.button(key="tr_button").click().run()
    assert not trained.exception
    assert any("after 50 steps" in m.value for m in trained.markdown)


def test_empty_sentence_is_explained_not_a_traceback(trained):
    trained.text_input(key="order_a").set_value("   ").run()
    assert not trained.exception, [e.value for e in trained.exception]
    assert any("at least one word" in i.value for i in trained.info)
    assert any(c.get("layout", {}).get("title") for c in _charts(trained))  # the rest still renders
    trained.text_input(key="order_a").set_value("the dog ate the cat").run()
    assert not trained.exception and not any("at least one word" in i.value for i in trained.info)
