"""Overview: every layer x head at once, per-head statistics and a ranking; click to open a head."""

import streamlit as st

from core.labs.attention_stats import HEAD_STATS
from ui import state
from ui.explorer import clicked, head_stats, open_clicked_head, pick_block
from ui.frame import frame, intro, require_capture, show_figure
from viz.attention_overview import STAT_TITLES, head_ranking, head_stats_figure, overview

f = frame("Overview: every head at once", icon=":material/grid_view:")
intro(
    "Each tile is one head's **weights** (query tokens top to bottom, key tokens left to right), "
    "rows are layers, columns are heads. Long inputs are pooled (the brightest cell of each "
    "block is kept), since a thumbnail cannot show more cells than it has pixels. "
    "Hover a tile for its statistics; **click a tile to open that head**.")


@st.fragment
def overview_section(stack: str, block: str) -> None:
    """A colour-scale change reruns only this fragment: the overview is redrawn, nothing else
    (no sidebar, no statistics figures); the capture and the statistics are cache hits."""
    cap = require_capture(f, names=("*.weights",))  # capture by need: the overview draws only weights
    contrast = state.segmented("Colour scale", ["absolute", "per head"], "contrast", default="absolute",
                               help="per head: each tile scaled to its own maximum, so diffuse heads "
                               "show their pattern too")
    stats = head_stats(f.model_name, f.sentence, stack, block)
    fig = overview(cap, stack, block, contrast=contrast, stats=stats)
    open_clicked_head(clicked(show_figure(fig, "overview", capture=cap, on_select="rerun"), "overview"))



@st.fragment
def statistics_section(stack: str, block: str) -> None:
    """A statistic change reruns only this fragment: the statistics figure and the ranking."""
    st.subheader("Per-head statistics")
    stat = state.segmented("Statistic", list(HEAD_STATS), "stat", default="entropy",
                           format_func=lambda s: STAT_TITLES[s])
    stats = head_stats(f.model_name, f.sentence, stack, block)
    st.caption(f"**{STAT_TITLES[stat]}**: {HEAD_STATS[stat]}. Click a cell or a bar to open that head.")
    left, right = st.columns([3, 2])
    with left:
        points = clicked(show_figure(head_stats_figure(stats, stat), "stats", on_select="rerun"), "stats")
    with right:
        lowest_first = stat in ("entropy", "distance")
        ranking = head_ranking(stats, stat, top=12, descending=not lowest_first)
        points += clicked(show_figure(ranking, "ranking", on_select="rerun"), "ranking")
    open_clicked_head(points)


# The block picker (encoder-decoder models only) changes both sections: it stays outside them.
stack, block = pick_block(require_capture(f, names=("*.weights",)), container=st.columns(3)[2])
overview_section(stack, block)
statistics_section(stack, block)
