"""Head: one head from scores to weights to vectors, one query row, and a temperature what-if."""

import streamlit as st

from core.labs.attention_stats import most_focused_head
from ui import cache, state, switch
from ui.explorer import VECTOR_DEFINITION, pick_block, pick_token
from ui.frame import as_shown, export_buttons, frame, intro, require_capture, show_figure
from viz.attention import (
    WEIGHT_SCALES,
    head_data,
    head_view,
    query_breakdown,
    temperature_values,
    temperature_whatif,
)
from viz.head_pooling import MAX_CELLS, display_factor
from viz.head_switch import captured_layers, deck_nbytes, pack_heads
from viz.switch import pack
from viz.theme import head_label

f = frame("One head: scores → weights → vectors", icon=":material/center_focus_strong:")
intro(
    "Each head turns every token into a **query** q, a **key** k and a **value** v. "
    "The **scores** S = q·kᵀ/√d_head say how well each query matches each key (any real "
    "number; grey cells are masked: they get −∞ before the softmax). The **weights** "
    "A = softmax(S) turn each row into a distribution over keys (≥ 0, sums to 1). The "
    "**vectors** Z = A·V blend the value rows with those weights: each row of Z lies inside "
    "the range of V's rows. Weights show where a head looks, not why a model decides: "
    "attention is not an explanation by itself (Jain & Wallace 2019).")
with st.expander("What we mean by “attention vector”"):
    st.markdown(VECTOR_DEFINITION)


HEAD_SWITCH, T_SWITCH = "head_switch", "temperature_switch"
TEMPERATURES = [round(0.1 * i, 1) for i in range(1, 51)]  # the what-if slider: 0.1 to 5.0


def pick_view(top):
    """(capture, stack, block, layer, head, n_layers, focused). Layer and head are picked in the
    browser (ui/switch.py) and mirrored in the URL. While a capture of every name fits the
    memory guard, one capture serves every layer and head; past it, only the layer on screen is
    captured (the frame says so). A layer opens on its most focused head (lowest mean entropy)."""
    switch.follow(HEAD_SWITCH)
    if cache.full_capture_fits(f.model_name, f.sentence):
        cap = require_capture(f)
        stack, block = pick_block(cap, container=top)
        n_layers = cap.n_layers(stack, block)
        layer = state.integer("layer", 0, n_layers - 1, 0, container=top)
    else:
        model = f.model()
        stack, block = ("decoder" if model.arch == "decoder" else "encoder"), "self_attn"
        n_layers = int(model.info["n_layers"])
        layer = state.integer("layer", 0, n_layers - 1, 0, container=top)
        cap = require_capture(f, names=(f"{stack}.{layer}.{block}.*",))
    weights = cap[f"{stack}.{layer}.{block}.weights"][0]
    focused = most_focused_head(weights)
    head = state.integer("head", 0, int(weights.shape[0]) - 1, focused, container=top)
    return cap, stack, block, layer, head, n_layers, focused


def head_switch(cap, stack: str, block: str, scale: str, layer: int, head: int, n_layers: int,
                figure) -> None:
    """The head view with its Layer and Head sliders in the browser, which gets every captured
    head's numbers (the layer on screen first)."""
    heads = {x: int(cap[f"{stack}.{x}.{block}.weights"].shape[1]) for x in captured_layers(cap, stack, block)}
    present = state.value("present", False)

    def build(keys: list[str]):
        picked = sorted({int(k.split(",")[0]) for k in keys})
        return switch.shown_texts(pack_heads(cap, stack, block, scale, layers=picked), cap.meta.get("model"))

    controls = [switch.Control("layer", "Layer", range(n_layers)),
                switch.Control("head", "Head", range(heads[layer]))]
    deck = switch.deck_id(cache.identity(cap), stack, block, scale, present)
    switch.show(HEAD_SWITCH, controls, [layer, head], deck,
                [[f"{x},{h}" for h in range(n)] for x, n in heads.items()], build, figure,
                fits=deck_nbytes(cap, stack, block, scale) <= switch.DECK_BUDGET)


@st.fragment
def head_section() -> None:
    """A layer or head change is drawn in the browser at once; the run it then starts (only this
    fragment: no sidebar, no model) mirrors the URL and redraws the sections below."""
    top = st.columns(2)
    cap, stack, block, layer, head, n_layers, focused = pick_view(top[1])
    scale = state.selectbox("Weights colour scale", list(WEIGHT_SCALES), "wscale", default="absolute",
                            container=top[0],
                            help="per row: each row divided by its maximum; log: log10 of the weight. "
                            "Both show structure in long inputs, where every weight is small.")
    model = cap.meta.get("model")

    def figure():
        return as_shown(head_view(cap, layer, head, stack, block, scale=scale), model)

    head_switch(cap, stack, block, scale, layer, head, n_layers, figure)
    export_buttons(figure, "head_view", cap)
    data = head_data(cap, layer, head, stack, block)
    factor = display_factor(len(data.q_tokens), len(data.k_tokens))
    if factor > 1:
        st.caption(f"{len(data.q_tokens)} tokens, pooled {factor}×{factor} for display (at most {MAX_CELLS} "
                   f"cells a side): a **weights** cell is the weight a block of {factor} queries gives a "
                   f"block of {factor} keys, summed over the keys and averaged over the queries, so every "
                   "row still sums to 1; a **scores** cell is the mean of its allowed scores; **V** and "
                   "**vectors** rows are block means. Hover a cell for its token ranges; the query "
                   "breakdown below shows every key unpooled.")
    if len(data.q_tokens) > 64:
        st.caption(f"{len(data.q_tokens)} tokens: only the labels that fit are printed; hover a cell for "
                   f"its tokens. A layer opens on its most focused head (lowest mean entropy): here "
                   f"{head_label(layer, focused)}.")

    st.subheader("One query, step by step")
    st.markdown("Pick a query token: its row of scores, the weights the softmax makes of them, and "
                "how much each key's value contributes to the vector: ‖α·v‖ = α × ‖v‖.")
    query_section(data)

    st.subheader("What if: temperature")
    st.markdown("The model always uses T = 1. Dividing the scores by **T > 1** flattens every row "
                "(entropy rises towards log n); **T < 1** sharpens it towards the largest score. The "
                "winning key never changes: the argmax of a row is the same for every T. Scaling by "
                "1/√d_head is such a temperature, built in.")
    temperature_section(data, (cache.identity(cap), stack, block, layer, head))


@st.fragment
def query_section(data) -> None:
    """A query change redraws only the query figure."""
    default_query = data.q_tokens.index("it") if "it" in data.q_tokens else min(1, len(data.q_tokens) - 1)
    query = pick_token(data.q_tokens, "query", "Query token", default=default_query)
    show_figure(query_breakdown(data, query), "query_row")


@st.fragment
def temperature_section(data, identity) -> None:
    """A temperature is picked in the browser, which gets this head's what-if at every T (the one
    on screen first). identity: what the head's data come from (capture, stack, block, layer, head)."""
    switch.follow(T_SWITCH)
    temperature = state.option("T", TEMPERATURES, 1.0)
    model, present = f.model_name, state.value("present", False)

    def figure():
        return as_shown(temperature_whatif(data, temperature), model)

    def build(keys: list[str]):
        variants = {k: temperature_values(data, TEMPERATURES[int(k)]) for k in keys}
        return switch.shown_texts(pack(variants), model)

    cells = len(data.q_tokens) * len(data.k_tokens)
    switch.show(T_SWITCH, [switch.Control("T", "Temperature T (what-if)", TEMPERATURES)],
                [TEMPERATURES.index(temperature)], switch.deck_id(identity, present),
                [[str(i)] for i in range(len(TEMPERATURES))], build, figure,
                fits=4 * cells * len(TEMPERATURES) <= switch.DECK_BUDGET)
    export_buttons(figure, "temperature", model=model)


head_section()
