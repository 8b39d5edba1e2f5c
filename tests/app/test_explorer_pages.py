"""AppTest for the attention-explorer pages with the real packaged MiniLM (offline).

Each page is run from its own file, which is also what AppTest does after `switch_page` (see
ENVIRONMENT.md): every page draws the shared frame itself, so these tests hold either way."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.switch_frame import SwitchFrame
from ui import switch
from ui.frame import CUSTOM

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("head", "overview", "lines", "compare", "aggregate")
PAGES = {name: str(ROOT / f"pages/{name}.py") for name in NAMES}
pytestmark = pytest.mark.slow


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _run(page: str, **query) -> AppTest:
    at = AppTest.from_file(PAGES[page], default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ticks(chart: dict, axis: str = "xaxis") -> list[str]:
    return chart["layout"][axis]["ticktext"]


def _first_z(chart: dict) -> str:
    return json.dumps(next(t["z"] for t in chart["data"] if t["type"] == "heatmap"))


@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_runs_in_default_state(page_name):
    at = _run(page_name)
    assert not at.error, [e.value for e in at.error]
    assert len(_charts(at)) >= 1


def test_head_page_new_sentence_changes_tokens_and_head_changes_data():
    at = _run("head")
    frame = SwitchFrame().render(at)
    first = frame.view()
    assert _ticks(first)[:3] == ["[CLS]", "the", "dog"]
    assert first["layout"]["title"]["text"].startswith("minilm · L0H2")  # the most focused head of L0
    at.text_area(key="s").set_value("Cats chase mice").run()
    assert not at.exception
    assert _ticks(frame.render(at).view()) == ["[CLS]", "cats", "chase", "mice", "[SEP]"]
    before = _first_z(frame.view())
    frame.move(at, layer=0, head=5)  # the Head slider, in the browser
    assert not at.exception
    chart = frame.view()
    assert chart["layout"]["title"]["text"].startswith("minilm · L0H5") and _first_z(chart) != before
    assert at.query_params["head"] == ["5"] or at.query_params["head"] == "5"
    # the run the move started redraws what depends on the head
    assert _charts(at)[0]["layout"]["title"]["text"].startswith("L0H5, query")


def test_head_deck_comes_layer_first_then_the_rest_once():
    """A new sentence writes the figure and the layer on screen (drawn at once); the first slider
    move writes and brings the other layers; then nothing more is fetched until the deck changes.
    The frame never reports anything but a move."""
    at = _run("head")
    frame = SwitchFrame().render(at)
    folder = switch.deck_files().folder(frame.deck_id)
    assert sorted(p.name for p in folder.iterdir()) == ["c0.bin.gz", "figure.json.gz"]
    assert frame.layers == {0} and frame.fetches == 2
    at.selectbox(key="query").set_value(2).run()  # a run nobody moved a slider for: nothing more
    assert frame.render(at).fetches == 2 and len(list(folder.iterdir())) == 2
    frame.move(at, layer=0, head=3)  # drawn from the frame's layer; the move brings the rest
    assert "all.bin.gz" in {p.name for p in folder.iterdir()}
    assert frame.layers == set(range(6)) and frame.fetches == 3
    frame.move(at, layer=4, head=7)  # a layer the browser now holds: drawn there, nothing fetched
    assert frame.fetches == 3 and frame.view()["layout"]["title"]["text"].startswith("minilm · L4H7")
    at.selectbox(key="query").set_value(3).run()  # a run the component did not start
    assert frame.render(at).fetches == 3
    at.selectbox(key="wscale").set_value("log").run()  # a new deck: other numbers on screen
    assert frame.render(at).fetches == 5 and frame.layers == {4}
    written = switch.deck_files().folder(frame.deck_id).iterdir()
    assert sorted(p.name for p in written) == ["c4.bin.gz", "figure.json.gz"]
    assert frame.view()["data"][1]["zmax"] == 0.0  # log10 of the weight, up to 1


def test_head_page_opens_from_url_and_html_tokens_are_text():
    at = _run("head", layer="2", head="7", s="<b>hi</b> **bold**")
    view = SwitchFrame().render(at).view()
    assert view["layout"]["title"]["text"].startswith("minilm · L2H7")
    ticks = _ticks(view)
    assert "&lt;" in ticks and "&gt;" in ticks and "*" in ticks
    assert not any("<b>" in t or t == "<" for t in ticks)


def test_overview_and_lines_follow_the_sentence():
    at = _run("overview")
    assert "11 tokens" in _charts(at)[0]["layout"]["title"]["text"]
    assert len(_charts(at)[0]["data"][0]["customdata"]) == 72  # 6 layers x 12 heads, one target each
    at.text_area(key="s").set_value("A short one").run()
    assert not at.exception and "5 tokens" in _charts(at)[0]["layout"]["title"]["text"]
    lines = _run("lines")
    tokens = next(t for t in _charts(lines)[0]["data"] if t.get("mode") == "markers+text")["text"]
    assert tokens[:3] == ["[CLS]", "the", "dog"]
    lines.text_area(key="s").set_value("Cats chase mice").run()
    tokens = next(t for t in _charts(lines)[0]["data"] if t.get("mode") == "markers+text")["text"]
    assert tokens == ["[CLS]", "cats", "chase", "mice", "[SEP]"]


def test_compare_preset_then_own_sentences_and_heads():
    at = _run("compare")
    first = _charts(at)[0]
    # B = the sidebar sentence with "dog" and "cat" swapped: compared word by word
    assert _ticks(first, "xaxis3")[1:4] == ["the", "dog", "ate"]
    assert len(_charts(at)) == 5  # A|B|A-B, JS grid, ranking, the two ablation figures
    before = _first_z(first)
    at.slider(key="head").set_value(4).run()
    assert _first_z(_charts(at)[0]) != before
    at.text_area(key="s").set_value("Cats chase mice").run()
    at.text_input(key="s2").set_value("Dogs chase cats").run()
    assert not at.exception
    assert _ticks(_charts(at)[0])[1] == "cats" and _ticks(_charts(at)[0], "xaxis2")[1] == "dogs"
    at.text_input(key="s2").set_value("Dogs do not chase cats at all").run()
    assert not at.exception and at.warning  # different lengths: a notice, no A-B


def test_aggregate_follows_the_sentence():
    at = _run("aggregate")
    at.text_area(key="s").set_value("Unbelievably tokenized").run()
    charts = _charts(at)
    assert _ticks(charts[0])[1:3] == ["un", "##bel"]  # sub-word markers kept on token axes
    words = charts[-1]
    assert "unbelievably" in _ticks(words)


@pytest.mark.parametrize("page_name", list(PAGES))
def test_empty_sentence_gives_a_hint(page_name):
    at = _run(page_name)
    at.text_area(key="s").set_value("   ").run()
    assert not at.exception
    if page_name != "compare":  # compare shows its preset pair while the second sentence is empty
        assert any("Type a sentence" in i.value for i in at.info)
        assert not _charts(at)


def test_unknown_model_shows_error_and_keeps_working():
    at = _run("head")
    at.selectbox(key="model").set_value(CUSTOM).run()
    at.text_input(key="model_path").set_value("no-such-org/no-such-model-xyz").run()
    assert not at.exception
    shown = re.sub(r"\\(.)", r"\1", at.error[0].value) if at.error else ""  # as markdown renders it
    assert "no-such-org/no-such-model-xyz" in shown
    assert _charts(at), "the page keeps working with the last model that loaded"
    assert _ticks(SwitchFrame().render(at).view())[0] == "[CLS]"


def test_text_past_the_context_is_cut_with_a_notice_and_odd_unicode_is_fine():
    at = _run("head")
    long_text = " ".join(["attention"] * 700)  # MiniLM reads at most 512 tokens
    at.text_area(key="s").set_value(long_text).run()
    assert not at.exception
    assert any("only the first 512" in w.value for w in at.warning)
    assert len(SwitchFrame().render(at).view()["layout"]["yaxis"]["categoryarray"]) <= 512
    at.text_area(key="s").set_value("مرحبا 🙂 naïve\u200b café \x07 ok").run()
    assert not at.exception and not at.error
    assert _charts(at)


def test_head_page_pools_a_long_text_and_says_how():
    """~400 MiniLM tokens: drawn pooled 2×2 (at most 256 cells a side), said on the page and in
    the titles; the JSON of the head figure stays well under the unpooled size."""
    words = ("The old lighthouse keeper climbed the stairs every evening before the storm arrived. "
             * 30).split()
    at = _run("head", s=" ".join(words[:400]))
    n_tokens = len(_charts(at)[0]["data"][0]["x"])  # the query breakdown: one bar per key, unpooled
    assert 256 < n_tokens <= 512
    head_view = SwitchFrame().render(at).view()
    what_if = SwitchFrame("temperature_switch").render(at).view()
    assert "pooled 2×2: hover shows token ranges" in head_view["layout"]["title"]["text"]
    assert "pooled 2×2" in what_if["layout"]["title"]["text"]
    assert len(json.dumps(head_view)) < 1_500_000
    captions = " ".join(c.value for c in at.caption)
    assert f"{n_tokens} tokens, pooled 2×2 for display" in captions
    assert "every row still sums to 1" in captions


def test_a_temperature_moved_in_the_browser_keeps_its_url_spelling():
    """The browser's JSON writes T = 3.0 as 3; the URL keeps the slider's own value, 3.0, so a
    bookmark reopens it (a "3" would be refused as not one of the temperatures)."""
    at = _run("head")
    frame = SwitchFrame("temperature_switch").render(at)
    frame.move(at, T=3.0)
    assert not at.exception and at.query_params["T"] in ("3.0", ["3.0"])
    assert frame.chosen(at) == {"T": 3.0}
