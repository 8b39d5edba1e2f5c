"""Compare: two sentences through the same model and head; A − B and the heads that change most."""

import streamlit as st

from ui.explorer import pick_block, pick_head, pick_layer
from ui.frame import frame, show_figure
from viz.attention_compare import compare_js, compare_view, js_figures

PRESET = ("The dog ate the cat", "The cat ate the dog")

f = frame("Compare two sentences", icon="⚖️")
st.markdown(
    "The same model and head read sentence **A** and sentence **B**. Where the two have the same "
    "number of tokens, position i of A is compared with position i of B: the **A − B** map is red "
    "where A's weights are larger and blue where B's are. The heads are then ranked by how much "
    "their weights change, measured per query row by the **Jensen-Shannon divergence** "
    "(0 = the same distribution, log 2 ≈ 0.69 = no overlap), averaged over rows.")

if f.sentence_b.strip():
    text_a, text_b = f.sentence, f.sentence_b
else:
    text_a, text_b = PRESET
    st.info(f"Showing the preset: A = “{text_a}”, B = “{text_b}”. Type a second sentence in the "
            "sidebar to compare the sidebar sentence with it.", icon="💡")

cap_a = f.capture(text_a)
cap_b = f.capture(text_b) if cap_a is not None else None
if cap_a is None or cap_b is None:
    st.stop()

cols = st.columns(3)
stack, block = pick_block(cap_a, container=cols[2])
layer = pick_layer(cap_a, stack, block, container=cols[0])
head = pick_head(cap_a, stack, block, layer, container=cols[1])
show_figure(compare_view(cap_a, cap_b, layer, head, stack, block), "compare", capture=cap_a)

js = compare_js(cap_a, cap_b, stack, block)
if js is None:
    st.warning(f"A has {len(cap_a.tokens)} tokens and B has {len(cap_b.tokens)}: they do not line up "
               "position by position, so there is no A − B map and no ranking. Try sentences with the "
               "same number of words, like the preset.")
else:
    grid, bars = js_figures(js)
    left, right = st.columns([3, 2])
    with left:
        show_figure(grid, "compare_js")
    with right:
        show_figure(bars, "compare_rank")
