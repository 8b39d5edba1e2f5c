"""The catalogue of views: every page's figures, real deep links, suggestions by meaning (MiniLM)."""

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from ui.catalog import VIEWS, Context, by_name, deep_link, suggest
from ui.lecture import EXAMPLE_LINKS, LinksError, example, links_json, parse_links, plan
from ui.menu import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
EXPLORER = {"overview", "head", "lines", "compare", "aggregate"}


def test_every_view_names_a_page_of_the_menu_and_names_are_unique():
    pages = {path for entries in SECTIONS.values() for path, _, _ in entries}
    assert len({v.name for v in VIEWS}) == len(VIEWS)
    for view in VIEWS:
        assert view.page in pages and (ROOT / view.page).exists(), view.name
        assert view.description and view.title
    figure_pages = {
        "overview",
        "head",
        "lines",
        "compare",
        "aggregate",
        "positional_lab",
        "positional_trained",
        "gradient_flow",
        "softmax_jacobian",
        "attention_cost",
    }
    assert {v.url_path for v in VIEWS} == figure_pages


def test_deep_link_carries_the_view_and_the_sentence():
    head = by_name("head.view")
    assert (
        deep_link(head, "http://10.0.0.5:8501/", "The cat sat")
        == "http://10.0.0.5:8501/head?layer=0&head=0&s=The+cat+sat"
    )
    assert deep_link(by_name("pe.matrix"), "", "ignored") == "/positional_lab"
    with pytest.raises(KeyError, match="no view 'nope'"):
        by_name("nope")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "head.view",
        "compare.rank",
        "pe.scorecard",
        "order.matters",
        "grad.cliff",
        "sm.jacobian",
        "cost.steps",
        "trained.length",
    ],
)
def test_views_draw_the_pages_figure(name):
    fig = by_name(name).draw(CTX)
    assert isinstance(fig, go.Figure) and len(fig.data) >= 1


CTX = Context()


@pytest.mark.slow
def test_a_sentence_view_follows_the_sentence():
    fig = by_name("head.view").draw(Context(sentence="Cats chase mice", _model=CTX.cap() and CTX._model))
    assert list(fig.layout.xaxis.ticktext) == ["[CLS]", "cats", "chase", "mice", "[SEP]"]


# Cards in other words than the deck's, each with the pages that answer its topic.
PARAPHRASES = [
    (
        "Why does a model need to be told where each word sits in the sentence?",
        {"positional_lab", "positional_trained"},
    ),
    ("Why can't one sine wave on its own encode the position?", {"positional_lab"}),
    # vanishing gradients, or the path length between long-range dependencies: both answer it
    (
        "Why do recurrent nets struggle to learn from words far back in a long text?",
        {"gradient_flow", "attention_cost"},
    ),
    ("How is the derivative of softmax a matrix rather than a vector?", {"softmax_jacobian"}),
    ("Why must the scores be scaled by the square root of the key size?", {"softmax_jacobian"}),
    (
        "How does the work of self-attention grow with the length of the input compared with an RNN?",
        {"attention_cost"},
    ),
    ("Which other words does each word pay attention to?", EXPLORER),
]


@pytest.mark.slow
@pytest.mark.parametrize("card, pages", PARAPHRASES)
def test_suggest_finds_views_of_the_cards_topic(card, pages):
    found = suggest(card, k=3)
    assert len(found) == 3
    assert found[0][0].url_path in pages, [(v.name, round(s, 3)) for v, s in found]
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True) and -1 <= scores[-1] <= scores[0] <= 1


@pytest.mark.slow
def test_sentence_vectors_are_unit_length_and_paraphrases_are_close():
    from core.labs.sentence_vectors import embed

    v = embed(["The cat sits outside", "The feline rests outdoors", "Stock prices fell sharply today"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2] + 0.3
    padded = embed(
        ["The cat sits outside", "a much longer sentence that forces padding of the first one here"]
    )
    assert np.allclose(padded[0], v[0], atol=1e-5)  # padding tokens do not enter the mean
    assert suggest("   ") == []


def test_example_links_cover_every_card_and_never_invent_a_page():
    deck, slides = example()
    assert len(slides) == len(deck.cards) == 55
    assert all(s.views or s.reason.startswith(("no figure yet: ", "nothing to draw: ")) for s in slides)
    future = ("seq2seq", "context vector", "encoder", "decoder", "glove", "embedding space", "feed forward")
    for s in slides:
        text = s.card.text.lower()
        if any(word in text for word in ("glove", "context vector", "seq2seq")):
            assert not s.views and s.reason.startswith("no figure yet"), s.card.question
    assert any(w in s.reason.lower() for s in slides for w in future)
    again = parse_links(links_json("transformers_flashcards.txt", slides))
    assert [s.views for s in plan(deck, again)] == [s.views for s in slides]


def test_bad_links_files_are_refused_with_the_reason():
    with pytest.raises(LinksError, match="unknown view 'pages.nowhere'"):
        parse_links('{"cards": [{"question": "Q?", "views": ["pages.nowhere"]}]}')
    with pytest.raises(LinksError, match="not a links file"):
        parse_links("not json")
    assert EXAMPLE_LINKS.exists()
