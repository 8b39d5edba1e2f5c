"""Aggregate: mean and max over heads, attention rollout across layers, word-level weights."""

import streamlit as st

from ui import state
from ui.explorer import pick_block, pick_layer
from ui.frame import frame, require_capture, show_figure
from viz.attention_compare import heads_aggregate_view, rollout_view, word_view

f = frame("Across heads, layers and words", icon=":material/functions:")
cap = require_capture(f)

cols = st.columns(2)
stack, block = pick_block(cap, container=cols[1])
layer = pick_layer(cap, stack, block, container=cols[0])

st.subheader("All heads of a layer")
st.markdown("The **mean** over heads is still a distribution per row (what the layer does on "
            "average); the **max** shows the strongest head in each cell, so a pattern that only "
            "one head has stays visible.")
show_figure(heads_aggregate_view(cap, layer, stack, block), "heads_mean_max", capture=cap)

st.subheader("Attention rollout")
st.markdown(
    "Weights of one layer mix the *outputs* of the layer below, not the input tokens. **Rollout** "
    "(Abnar & Zuidema 2020) follows the mixing down through the layers: each layer becomes "
    "0.5·I + 0.5·A (the residual connection keeps half of each token), rows are re-normalised, "
    "and the layers are multiplied. Row i then says how much of position i, after that layer, "
    "comes from each input token. It ignores the values and the MLPs: a rough guide, not a proof.")
if block == "self_attn":
    roll_layer = pick_layer(cap, stack, block, key="rollout_layer", label="Rollout through layer", last=True)
    show_figure(rollout_view(cap, roll_layer, stack), "rollout")
else:
    st.caption("Rollout follows self-attention; pick a self-attention block above.")

st.subheader("Words instead of sub-word tokens")
st.markdown("Tokenizers split rare words into pieces (“unbelievably” → un, ##bel, ##ie…). Here "
            "the weight **to** a word is the **sum** over its pieces (attention mass adds up), and "
            "the weight **from** a word is the **mean** over its pieces (each piece is one query), "
            "so every row still sums to 1.")
n_heads = cap[f"{stack}.{layer}.{block}.weights"].shape[1]
word_head = state.selectbox("Heads", [-1, *range(n_heads)], "word_head", default=-1,
                            format_func=lambda h: "mean of all heads" if h == -1 else f"head {h}")
show_figure(word_view(cap, layer, None if word_head == -1 else int(word_head), stack, block), "words")
