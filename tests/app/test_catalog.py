"""The catalogue of views: every page's figures, real deep links, suggestions by meaning (MiniLM)."""

import json
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from ui import catalog_figures_seq2seq as cs
from ui.catalog import VIEWS, Context, by_name, deep_link, suggest
from ui.catalog_labs import LAB_ENTRIES
from ui.lecture import EXAMPLE_LINKS, LinksError, coverage_summary, example, links_json, parse_links, plan
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
        "seq2seq",
        "transduction",
        "anatomy",
        "decoder",
        "embeddings",
    }
    assert {v.url_path for v in VIEWS} == figure_pages


def _sources_of(page: str) -> str:
    """A page's source and that of the ui modules it imports (where its mirrored widgets may live)."""
    text = (ROOT / page).read_text(encoding="utf-8")
    modules = set(re.findall(r"^from ui\.(\w+) import", text, re.M))
    for names in re.findall(r"^from ui import ([\w, ]+)", text, re.M):
        modules.update(n.strip().split(" as ")[0] for n in names.split(","))
    return text + "".join((ROOT / f"ui/{m}.py").read_text(encoding="utf-8") for m in sorted(modules))


def test_deep_link_params_are_url_keys_the_page_mirrors():
    for view in VIEWS:
        source = _sources_of(view.page)
        for key in view.params:
            quoted = f"[\"']{re.escape(key)}[\"']"
            widget = re.search(rf"state\.\w+\(.{{0,200}}?{quoted}", source, re.S)  # state.slider(..., "key"
            helper = re.search(rf"key: str = {quoted}|set_value\({quoted}", source)  # ui.explorer's pickers
            assert widget or helper, f"{view.name}: {key!r} is not a URL key of {view.page}"


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
    # vanishing gradients, the path length between long-range dependencies, or the seq2seq lab's
    # dilution (a GRU's accuracy and gradient against sentence length): all answer it
    (
        "Why do recurrent nets struggle to learn from words far back in a long text?",
        {"gradient_flow", "attention_cost", "seq2seq"},
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


# Cards on the topics of the seq2seq lab and the "Inside the blocks" pages, in other words than the
# deck's: a view of the topic (its pages, or the named views) is among the top 3 suggestions.
NEW_TOPICS = [
    ("Why does a single fixed-size vector between encoder and decoder hurt long sentences?", {"seq2seq"}),
    ("Which input words does each translated word come from?", {"s2s.alignment", "s2s.cross_row"}),
    ("When does the decoder stop generating words?", {"s2s.eos_step", "decoder.generation"}),
    (
        "If the RNN encoder reads the sentence in both directions, what does the decoder get?",
        {"s2s.bicontext_vector"},
    ),
    ("What does the feed-forward sublayer do to each token?", {"anatomy"}),
    ("What steps make up one encoder layer of a transformer?", {"anatomy"}),
    ("How close are word vectors of similar words?", {"embeddings"}),
    ("Which words are nearest to cat in the embedding table?", {"emb.nearest"}),
    ("How does a network turn a photo into a sentence describing it?", {"transduction.vec2seq"}),
    ("How can an RNN classify whether a review is positive or negative?", {"transduction"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("card, topic", NEW_TOPICS)
def test_suggest_finds_the_new_labs_in_the_top_3(card, topic):
    found = suggest(card, k=3)
    ranked = [(v.name, round(s, 3)) for v, s in found]
    assert any(v.url_path in topic or v.name in topic for v, _ in found), ranked


LAB_VIEWS = [entry[0] for entry in LAB_ENTRIES]
LINKED = {v.name for s in example()[1] for v in s.views}


@pytest.mark.slow
@pytest.mark.parametrize("name", LAB_VIEWS)
def test_every_new_view_draws(name):
    fig = by_name(name).draw(CTX)
    assert isinstance(fig, go.Figure) and len(fig.data) >= 1
    if name in LINKED:  # presented from the example deck: fits 1280x720 below the card's question
        assert fig.layout.height and fig.layout.height <= 600


@pytest.mark.slow
def test_new_views_show_the_labs_numbers():
    from core.labs.seq2seq.translate import load

    tr = load("attention").translate(cs.S2S_SENTENCE)
    eos = by_name("s2s.eos_step").draw(CTX)
    assert tr.steps[-1].token == "<eos>"
    assert eos.layout.title.text == f"Step {len(tr.steps)}: next-word probabilities"
    assert eos.data[0].y[0] == "&lt;eos&gt;" and eos.data[0].x[0] == pytest.approx(tr.steps[-1].prob)
    alignment = by_name("s2s.alignment").draw(CTX)
    assert np.allclose(np.asarray(alignment.data[0].z, dtype=float).sum(1), 1, atol=1e-4)  # rows: weights
    readout = by_name("transduction.readout").draw(CTX)
    assert list(readout.data[0].x) == ["good", "bad"] and sum(readout.data[0].y) == pytest.approx(1)
    nearest = set(by_name("emb.nearest").draw(CTX).data[0].y)
    assert nearest & {"dogs", "puppy"}
    other = Context(sentence="Cats chase mice", _model=CTX.cap() and CTX._model)
    follow = by_name("anatomy.follow").draw(other)
    assert "chase" in follow.layout.title.text  # token 2 of [CLS] cats chase mice [SEP]: the sidebar sentence


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
    raw = json.loads(EXAMPLE_LINKS.read_text(encoding="utf-8"))["cards"]
    for entry in raw:  # every link names a view of the catalogue
        assert all(by_name(name) for name in entry.get("views", [])), entry["question"]
    without = {s.card.question: s.reason for s in slides if not s.views}
    assert set(without) == {"AIAYN", "Desiderata definition"}
    assert all(r.startswith("nothing to draw: ") for r in without.values())
    # the cards of the new labs are answered by their pages' views
    topics = {
        "glove": "embeddings",
        "embedding space": "embeddings",
        "context vector": "seq2seq",
        "seq2seq": "seq2seq",
        "encoder block is composed": "anatomy",
        "feed forward layer": "anatomy",
        "vector sequence model": "transduction",
        "sequence to vector": "transduction",
        "what is sequence transduction": "transduction",
    }
    for s in slides:
        for words, page in topics.items():
            if words in s.card.text.lower():
                assert page in {v.url_path for v in s.views}, (s.card.question, page)
    decoder = next(s for s in slides if s.card.question.startswith("What does the decoder take"))
    assert decoder.views[0].name == "s2s.eos_step"  # "... OR the end of sentence token"
    again = parse_links(links_json("transformers_flashcards.txt", slides))
    assert [s.views for s in plan(deck, again)] == [s.views for s in slides]


def test_readme_states_the_computed_coverage():
    from scripts.make_coverage_figure import readme_with

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    summary = coverage_summary(example()[1])
    assert summary.startswith("53 of the 55 cards are answered by a live figure.")
    assert readme_with(summary, readme) == readme, "run python scripts/make_coverage_figure.py"


def test_bad_links_files_are_refused_with_the_reason():
    with pytest.raises(LinksError, match="unknown view 'pages.nowhere'"):
        parse_links('{"cards": [{"question": "Q?", "views": ["pages.nowhere"]}]}')
    with pytest.raises(LinksError, match="not a links file"):
        parse_links("not json")
    assert EXAMPLE_LINKS.exists()
