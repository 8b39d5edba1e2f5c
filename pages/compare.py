"""Compare: two sentences through the same model and head, word by word when B reorders A's
words; the position ablation (minilm-scratch with and without its position embeddings)."""

import streamlit as st

from core.labs.attention_stats import js_per_head
from core.labs.order import align_captures, swapped_sentence
from ui import cache, state
from ui.explorer import pick_block, pick_head, pick_layer
from ui.frame import frame, intro, show_figure
from viz.attention import head_data
from viz.attention_compare import compare_js, compare_view, compare_words_view, js_figures

ABLATION = ("minilm-scratch", "minilm-scratch-nopos")

f = frame("Compare two sentences", icon=":material/compare_arrows:")
intro(
    "The same model and head read sentence **A** and sentence **B**. When B uses A's words in another "
    "order (“the dog ate the cat” / “the cat ate the dog”), each **word** of A is compared with the "
    "same word in B, wherever it stands: that is the only fair test of whether the model sees order. "
    "Comparing position i of A with position i of B would show a difference even for a model with no "
    "positions at all, just because different words stand there. Otherwise (different words, same "
    "number of tokens) positions are compared, and the figure says so. Heads are ranked by how much "
    "their weights change, per query row by the **Jensen-Shannon divergence** (0 = the same "
    "distribution, log 2 ≈ 0.69 = no overlap), averaged over rows.")

text_a = f.sentence
if f.sentence_b.strip():
    text_b = f.sentence_b
else:
    text_b = swapped_sentence(text_a)
    st.info("No second sentence in the sidebar: B is your sentence with words 2 and 5 swapped (first and "
            "last when it is shorter). Type a second sentence in the sidebar to choose B.",
            icon=":material/lightbulb:")
st.text(f"A: {text_a}\nB: {text_b}")

cap_a = f.capture(text_a)
cap_b = f.capture(text_b) if cap_a is not None else None
if cap_a is None or cap_b is None:
    st.stop()

cols = st.columns(3)
stack, block = pick_block(cap_a, container=cols[2])
layer = pick_layer(cap_a, stack, block, container=cols[0])
head = pick_head(cap_a, stack, block, layer, container=cols[1])
label = head_data(cap_a, layer, head, stack, block).label
aligned = align_captures(cap_a, cap_b, stack, block) if block == "self_attn" else None

if aligned is not None:
    fig = compare_words_view(aligned.words, aligned.weights_a[layer, head], aligned.weights_b[layer, head],
                             f"{label}: A vs B, word by word")
    show_figure(fig, "compare", capture=cap_a)
    js = js_per_head(aligned.weights_a, aligned.weights_b)
else:
    show_figure(compare_view(cap_a, cap_b, layer, head, stack, block), "compare", capture=cap_a)
    js = compare_js(cap_a, cap_b, stack, block)
    st.caption("B is not A's words reordered, so tokens are compared **position by position**: a "
               "difference here mixes different words with different positions.")

if js is None:
    st.warning(f"A has {len(cap_a.tokens)} tokens and B has {len(cap_b.tokens)}: they do not line up "
               "word by word or position by position, so there is no A − B map and no ranking. Try B = "
               "A's words in another order.")
else:
    grid, bars = js_figures(js)
    left, right = st.columns([3, 2])
    with left:
        show_figure(grid, "compare_js", model=f.model_name)
    with right:
        show_figure(bars, "compare_rank", model=f.model_name)

st.subheader("The ablation: the same model without its position embeddings")
if aligned is None:
    st.caption("Needs B to be A's words in another order.")
elif state.toggle("Run minilm-scratch with and without position embeddings", "ablation", True):
    st.markdown(
        "**minilm-scratch** is MiniLM's weights in our own transformer; **minilm-scratch-nopos** is the same "
        "model with its position table set to zero. Without positions, self-attention cannot tell the "
        "two sentences apart: every word gets the same weights in A and B, up to float32 rounding.")
    results = {}
    for name in ABLATION:
        try:
            results[name] = align_captures(cache.get_capture(name, text_a), cache.get_capture(name, text_b))
        except Exception as exc:  # the packaged MiniLM is missing: say so, keep the page
            st.error(f"Could not run {name}: {type(exc).__name__}")
            break
    if len(results) == len(ABLATION):
        # side by side on a laptop; one under the other on a projector (three panels need the width)
        columns = [st.container() for _ in ABLATION] if f.presentation else st.columns(len(ABLATION))
        for col, (name, res) in zip(columns, results.items(), strict=True):
            with col:
                head_here = min(head, res.weights_a.shape[1] - 1)
                layer_here = min(layer, res.weights_a.shape[0] - 1)
                fig = compare_words_view(res.words, res.weights_a[layer_here, head_here],
                                         res.weights_b[layer_here, head_here],
                                         f"L{layer_here}H{head_here}: word by word")
                show_figure(fig, f"ablation-{name}", model=name)
                st.metric(f"{name}: max |A − B| over all heads", f"{res.max_diff:.2g}")
