"""AppTest for the 'Inside the blocks' pages: each runs, is in the menu, and a bookmark (query
string) restores its view."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.menu import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("transduction", "anatomy", "decoder", "embeddings")
pytestmark = pytest.mark.slow
DECK = ROOT / "lectures" / "transformers_flashcards.txt"  # the repo copy of the user's deck


def _run(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / f"pages/{page}.py"), default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _titles(at: AppTest) -> list[str]:
    return [c["layout"].get("title", {}).get("text", "") for c in _charts(at)]


def test_pages_in_menu_after_attention_explorer():
    sections = list(SECTIONS)
    assert sections.index("Inside the blocks") == sections.index("Attention explorer") + 1
    assert [p for p, _, _ in SECTIONS["Inside the blocks"]] == [f"pages/{p}.py" for p in PAGES]


def test_transduction_shapes_and_bookmark():
    at = _run("transduction")
    assert "vector→sequence" in _titles(at)[0]
    at = _run("transduction", tshape="sequence→sequence")
    assert _titles(at)[0] == "sequence→sequence, unrolled over 12 steps"
    assert any("context vector" in m.value for m in at.markdown)
    at = _run("transduction", tshape="sequence→vector")
    assert len(_charts(at)) == 2 and _charts(at)[1]["data"][0]["x"] == ["good", "bad"]


def test_anatomy_page_and_bookmark():
    at = _run("anatomy", alayer="3", atok="5")
    titles = _titles(at)
    assert len(titles) == 4 and titles[1] == "Following “cat” through the block"
    steps = _charts(at)[0]["layout"]["yaxis"]["ticktext"]
    assert steps[0].startswith("0. block input") and steps[-1].startswith("7. LayerNorm (after feed-forward)")
    assert any("resid_post" in c.value for c in at.caption)
    assert at.slider(key="alayer").value == 3


def test_decoder_page_reverser_bookmark():
    at = _run("decoder", dkind="reverser", dsrc="one two three")
    out = [m.value for m in at.markdown if m.value.startswith("Output:")]
    assert out and "three two one" in out[0] and "ended with" in out[0]
    cross = _charts(at)[0]
    assert cross["layout"]["xaxis"]["ticktext"] == ["one", "two", "three", "&lt;eos&gt;"]
    at = _run("decoder", dkind="reverser", dsrc="one zebra")
    assert at.warning and "knows only" in at.warning[0].value


def test_embeddings_page_bookmark_and_messages():
    at = _run("embeddings", eword="king")
    near = _charts(at)[1]
    assert "queen" in near["data"][0]["y"]
    at = _run("embeddings", eword="\u2603", ewords=" , ")
    warnings = [w.value for w in at.warning]
    assert any("not in the vocabulary" in w for w in warnings) and any("empty" in w for w in warnings)


def test_deck_quotes_are_verbatim():
    deck = DECK.read_text()
    quotes = ["A multi headed attention layer and a feed forward layer",
              "They are applied to every attention vector"[5:],
              "Maps a word (e.g “dog”) to a vector e.g [0.22, 0.73, 0.87, 0.17,…]",
              "the NEXT French word in the sentence OR the “end of sentence” token",
              "Image is is represented as a vector and the description as a sequence of text",
              "The encoder’s final state"]
    pages = re.sub(r'"\s*\n\s*"', "", "".join((ROOT / f"pages/{p}.py").read_text() for p in PAGES))
    for q in quotes:  # adjacent string literals joined, as Python joins them
        assert q in deck and q in pages
