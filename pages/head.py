"""Head: one head from scores to weights to vectors, one query row, and a temperature what-if."""

import streamlit as st

from ui import cache, state
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



def pick_view():
    """(capture, stack, block, layer, head). While a capture of every name fits the memory
    guard, one capture serves every layer and head; past it, the layer is picked first and
    only that layer is captured (the frame says so)."""
    cols = st.columns(3)
    if cache.full_capture_fits(f.model_name, f.sentence):
        cap = require_capture(f)
        stack, block = pick_block(cap, container=cols[2])
        layer = pick_layer(cap, stack, block, container=cols[0])
        return cap, stack, block, layer, pick_head(cap, stack, block, layer, container=cols[1])
    model = f.model()
    stack, block = ("decoder" if model.arch == "decoder" else "encoder"), "self_attn"
    layer = pick_layer(None, stack, block, container=cols[0], n_layers=int(model.info["n_layers"]))
    head = pick_head(None, stack, block, layer, container=cols[1], n_heads=int(model.info["n_heads"]))
    return require_capture(f, names=(f"{stack}.{layer}.{block}.*",)), stack, block, layer, head


@st.fragment
def head_section() -> None:
    """A layer or head change reruns only this fragment (no sidebar, no model)."""
    cap, stack, block, layer, head = pick_view()
    data = head_data(cap, layer, head, stack, block)
    show_figure(head_view(data), "head_view", capture=cap)

    st.subheader("One query, step by step")
    st.markdown("Pick a query token: its row of scores, the weights the softmax makes of them, and "
                "how much each key's value contributes to the vector: ‖α·v‖ = α × ‖v‖.")
    query_section(data)

    st.subheader("What if: temperature")
    st.markdown("The model always uses T = 1. Dividing the scores by **T > 1** flattens every row "
                "(entropy rises towards log n); **T < 1** sharpens it towards the largest score. The "
                "winning key never changes: the argmax of a row is the same for every T. Scaling by "
                "1/√d_head is such a temperature, built in.")
    temperature_section(data)
    state.publish()


@st.fragment
def query_section(data) -> None:
    """A query change redraws only the query figure."""
    default_query = data.q_tokens.index("it") if "it" in data.q_tokens else min(1, len(data.q_tokens) - 1)
    query = pick_token(data.q_tokens, "query", "Query token", default=default_query)
    show_figure(query_breakdown(data, query), "query_row")
    state.publish()


@st.fragment
def temperature_section(data) -> None:
    """A temperature change redraws only the what-if figure."""
    temperature = state.slider("Temperature T (what-if)", "T", 0.1, 5.0, 1.0, step=0.1)
    show_figure(temperature_whatif(data, float(temperature)), "temperature")
    state.publish()


head_section()
state.publish()
