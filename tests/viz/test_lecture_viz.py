"""Lecture export: one offline HTML (plotly.js once, user text escaped), slide PNGs, handout, coverage."""

import io

import plotly.graph_objects as go
from PIL import Image

from viz.lecture import SlideContent, coverage_figure, export_summary, handout_html, lecture_html, slide_png


def _slides() -> list[SlideContent]:
    fig = go.Figure(go.Heatmap(z=[[0.1, 0.9], [0.5, 0.5]]))
    return [
        SlideContent(
            1,
            "What is <b>attention</b>?",
            ["A weighting </script><script>alert(1)</script>"],
            ["[aside]"],
            [("One head", fig), ("Again", fig)],
        ),
        SlideContent(2, "GloVe", ["Word vectors"], reason="no figure yet: the Embedding space page"),
    ]


def test_lecture_html_embeds_plotly_once_and_escapes_the_deck():
    page = lecture_html("Deck & co", _slides())
    summary = export_summary(page)
    assert summary["plotly_js_copies"] == 1 and summary["figures"] == 2
    body = page.split("</head>", 1)[1]  # everything but plotly.js itself
    assert "cdn.plot.ly" not in body and "https://" not in body
    assert "What is &lt;b&gt;attention&lt;/b&gt;?" in page
    assert "<script>alert(1)" not in page
    assert "no figure yet: the Embedding space page" in page
    assert page.count("<section class='slide'") == 2


def test_handout_has_no_script_and_every_answer_open():
    page = handout_html("Deck", _slides(), {1: [b"\x89PNG fake"]})
    assert "<script" not in page and page.count("<details open>") == 2
    assert "data:image/png;base64," in page


def test_slide_png_is_a_slide_sized_image():
    png = slide_png(_slides()[1], None, size=(800, 450), total=2)
    assert Image.open(io.BytesIO(png)).size == (800, 450)


def test_coverage_figure_counts():
    fig = coverage_figure(30, {"no figure yet: a page": 20, "nothing to draw: a word": 5})
    assert list(fig.data[0].x) == [30, 20, 5]
    assert fig.layout.title.text == "Deck coverage: 30 of 55 cards with a figure"
