"""Figures of the block anatomy and embedding pages, as a projector shows them."""

import numpy as np
import plotly.graph_objects as go

from viz import anatomy as va
from viz import embeddings as ve
from viz.grid import column_domains, even_domains, row_layout
from viz.theme import presentation

TOKENS = ["[CLS]", "the", "dog", "ate", "the", "cat", "because", "it", "was", "hungry", "[SEP]"]


def test_step_norms_colour_is_log_and_the_hover_and_cells_give_the_norms():
    norms = np.array([[1.4, 2.0, 3.1] * 3 + [1.0, 1.0], [210.0, 12.0, 9.96] * 3 + [50.0, 7.0]])
    fig = va.step_norms(["embedding", "feed-forward"], ["11 × 384"] * 2, TOKENS, norms)
    heat = fig.data[0]
    np.testing.assert_allclose(np.asarray(heat.z), np.log10(norms), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(heat.customdata), norms)
    assert list(heat.text[1][:3]) == ["210", "12", "10"]  # three characters at most (9.96 -> "10")
    assert "1" in heat.colorbar.ticktext and "100" in heat.colorbar.ticktext  # labelled in norms
    long = va.step_norms(["a"], ["40 × 384"], [f"t{i}" for i in range(40)], np.ones((1, 40)))
    assert long.data[0].text is None  # numbers would not fit 40 cells: the hover keeps them


def test_pca_labels_do_not_cover_each_other_where_there_is_room():
    # "embeddings" and "bewildered" at almost the same point (the projector screenshot's overlap)
    xy = np.array([[0.10, -0.01], [0.11, 0.0], [-0.5, -0.3], [-0.45, -0.28], [0.8, 0.8]])
    words = ["embeddings", "bewildered", "kitten", "puppy", "bus"]
    spots = ve.label_positions(xy[:, 0], xy[:, 1], words)
    assert spots[0] != spots[1] and spots[2] != spots[3]
    fig = ve.pca_map(words, xy, np.array([0.2, 0.1]))
    assert list(fig.data[0].textposition) == spots


def test_vector_values_print_numbers_only_where_they_fit():
    v = np.linspace(-1, 1, 384)
    assert ve.vector_values("dog", v).data[0].text is None  # 16 bars: the hover and caption give them
    assert len(ve.vector_values("dog", v, n=6).data[0].text) == 6


def test_grid_layout_matches_make_subplots_and_titles_sit_over_their_panels():
    from plotly.subplots import make_subplots

    ref = make_subplots(rows=1, cols=3, subplot_titles=["a", "b", "c"], horizontal_spacing=0.05).layout
    ours = row_layout(even_domains(3, 0.05), ["a", "b", "c"])
    for i, key in enumerate(("xaxis", "xaxis2", "xaxis3")):
        np.testing.assert_allclose(ours[key]["domain"], ref[key].domain)
        assert ours["annotations"][i]["x"] == sum(ref[key].domain) / 2 == ref.annotations[i].x
    domains = column_domains([1, 2], [0.1])
    assert domains[0] == (0.0, 0.3) and np.isclose(domains[1][0], 0.4) and np.isclose(domains[1][1], 1.0)
    fig = go.Figure(layout=row_layout(domains, ["left", "right"]))
    assert presentation(fig).layout.annotations[1].x == 0.7  # the projector keeps them centred


def test_fixed_margins_hold_the_longest_label_and_turn_automargin_off():
    from viz.grid import CHAR_PX, fixed_margins

    tokens = ["[CLS]", "extraordinarily", "dog"]
    layout = row_layout([(0.0, 0.45), (0.55, 1.0)], ["a", "b"])
    layout["yaxis"].update(ticktext=tokens, tickvals=[0, 1, 2], title=dict(text="query"))
    layout["yaxis2"].update(ticktext=tokens, tickvals=[0, 1, 2])  # a panel in the middle: not the margin
    layout["xaxis"].update(ticktext=tokens, tickvals=[0, 1, 2], tickangle=-60)
    fixed_margins(layout, font_px=13, bottom_extra=62)
    assert all(layout[k]["automargin"] is False for k in ("xaxis", "yaxis", "xaxis2", "yaxis2"))
    label = len("extraordinarily") * CHAR_PX * 13
    assert label + 12 < layout["margin"]["l"] < label + 12 + 40  # the label and the title, no more
    assert layout["margin"]["b"] > label * 0.86 + 62  # the label at 60 degrees and the colour bar
