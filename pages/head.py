"""Head: one head from scores to weights to vectors, one query row, and a temperature what-if."""

import streamlit as st

from ui import state
from ui.explorer import VECTOR_DEFINITION, pick_block, pick_head, pick_layer, pick_token
from ui.frame import frame, require_capture, show_figure
from viz.attention import head_data, head_view, query_breakdown, temperature_whatif

f = frame("One head: scores → weights → vectors", icon="🎯")
st.markdown(
    "Each head turns every token into a **query** q, a **key** k and a **value** v. "
    "The **scores** S = q·kᵀ/√d_head say how well each query matches each key (any real "
    "number; grey cells are masked: they get −∞ before the softmax). The **weights** "
    "A = softmax(S) turn each row into a distribution over keys (≥ 0, sums to 1). The "
    "**vectors** Z = A·V blend the value rows with those weights: each row of Z lies inside "
    "the range of V's rows. Weights show where a head looks, not why a model decides: "
    "attention is not an explanation by itself (Jain & Wallace 2019).")
with st.expander("What we mean by “attention vector”"):
    st.markdown(VECTOR_DEFINITION)

cap = require_capture(f)

cols = st.columns(3)
stack, block = pick_block(cap, container=cols[2])
layer = pick_layer(cap, stack, block, container=cols[0])
head = pick_head(cap, stack, block, layer, container=cols[1])
data = head_data(cap, layer, head, stack, block)

show_figure(head_view(data), "head_view", capture=cap)

st.subheader("One query, step by step")
st.markdown("Pick a query token: its row of scores, the weights the softmax makes of them, and "
            "how much each key's value contributes to the vector: ‖α·v‖ = α × ‖v‖.")
default_query = data.q_tokens.index("it") if "it" in data.q_tokens else min(1, len(data.q_tokens) - 1)
query = pick_token(data.q_tokens, "query", "Query token", default=default_query)
show_figure(query_breakdown(data, query), "query_row")

st.subheader("What if: temperature")
st.markdown("The model always uses T = 1. Dividing the scores by **T > 1** flattens every row "
            "(entropy rises towards log n); **T < 1** sharpens it towards the largest score. The "
            "winning key never changes: the argmax of a row is the same for every T. Scaling by "
            "1/√d_head is such a temperature, built in.")
temperature = state.slider("Temperature T (what-if)", "T", 0.1, 5.0, 1.0, step=0.1)
show_figure(temperature_whatif(data, float(temperature)), "temperature")
