"""Positional encodings at work: order matters, and tiny models trained with each encoding."""

import streamlit as st

from core.labs.deck_quotes import deck_quote
from core.labs.toy_task import TRAIN_LENGTH, TRAINED_KINDS, TrainSettings, accuracy_by_length, chance, train
from core.positional import KINDS, alibi_bias, alibi_slopes
from ui import cache, state
from ui.escape import md
from ui.frame import frame, show_figure
from viz import positional as vp

f = frame("Positional encodings: order and training")

st.subheader("Order matters")
st.markdown("Your deck: *“" + deck_quote("“The dog ate the cat” has a didferneemt meaning from “the cat ate "
                                        "the dog”") + "”* (sic). Run the "
            "**same encoder, same weights** on both sentences and compare each word's attention row and "
            "output, after lining the words up.")
c1, c2, c3 = st.columns([1, 2, 2])
kind = state.selectbox("Encoding", KINDS, "order_kind", default="none", container=c1)
sentence_a = state.text("Sentence A", "order_a", "the dog ate the cat", container=c2)
sentence_b = state.text("Sentence B (same words, new order)", "order_b", "the cat ate the dog", container=c3)
try:
    result = cache.order_matters(kind, sentence_a, sentence_b)
except ValueError as exc:  # no words, or B is not a reordering of A
    result = None
    st.info(md(exc))
if result is not None:
    layer = state.slider("Layer", "order_layer", 0, result.weights_a.shape[0] - 1, 0)
    head = state.slider("Head", "order_head", 0, result.weights_a.shape[1] - 1, 0)
    show_figure(vp.order_matters_figure(result.words_a, result.words_b, result.weights_a[layer, head],
                                 result.weights_b[layer, head], result.output_diff_per_word), key="order_fig")
    m1, m2 = st.columns(2)
    m1.metric("max |A − B|, attention weights", f"{result.weight_diff:.3g}")
    m2.metric("max |A − B|, outputs", f"{result.output_diff:.3g}")
    if kind == "none":
        st.success("Without positions every word gets the same attention row and the same output in both "
                   f"sentences (difference {result.output_diff:.1g}: float64 rounding, i.e. zero). The model "
                   "cannot know who ate whom.")
    else:
        st.info(f"With **{kind}** the same word gets a different row and output: order is visible.")

st.subheader("Trained comparison")
st.markdown(f"One tiny encoder per encoding (2 layers, d_model 32), trained on **previous token**: output "
            f"the word one position to the left, on sequences of {TRAIN_LENGTH} distinct tokens. A model "
            "without positions sees only *which* words are present, so it is right 1 time in N−1. Then "
            "every model is tested on **longer** sequences than it ever saw.")
records = {}
for k in TRAINED_KINDS:
    try:
        records[k] = cache.trained_positional(k)[1]
    except FileNotFoundError as exc:
        st.warning(md(exc))
if records:
    acc = {k: r["accuracy"][str(TRAIN_LENGTH)] for k, r in records.items()}
    show_figure(vp.accuracy_bars(acc, chance(TRAIN_LENGTH), TRAIN_LENGTH), key="tr_acc")
    curves = {k: {int(n): a for n, a in r["accuracy"].items()} for k, r in records.items()}
    lengths = next(iter(curves.values()))
    show_figure(vp.accuracy_vs_length(curves, TRAIN_LENGTH, {n: chance(n) for n in lengths}), key="tr_len")
    st.caption("Learned positions stop at the table's last row: no row, no prediction. ALiBi here is the "
               "symmetric encoder variant (−m·|i−j|): it cannot tell left from right, which caps it near ½.")
if "learned" in records:
    show_figure(vp.similarity_side_by_side(cache.learned_tables()), key="tr_tables")
    st.caption("A learned table has no built-in structure: neighbours end up similar only as far as "
               "training made them. MiniLM's 512-row table learned a band along the diagonal (nearby "
               "positions are similar), which is the one thing it shares with sin/cos: nothing in it "
               "makes the similarity depend on the offset alone, and nothing exists past row 512.")
a, b = st.columns(2)
with a:
    show_figure(vp.head_maps(alibi_bias(4, TRAIN_LENGTH, TRAIN_LENGTH, causal=False).numpy(), signed=True,
                             labels=[f"m=1/{round(1 / s)}" for s in alibi_slopes(4).tolist()],
                             title="ALiBi: score bias per head"), key="tr_alibi")
with b:
    show_figure(vp.rope_scores_figure(cache.rope_scores(32, 16)), key="tr_rope")
st.caption("RoPE's score of one fixed q and k is constant along every diagonal (up to rounding, "
           f"{cache.rope_score_offset_spread(32, 16):.1g}): it depends on n − m only. "
           "Below, the trained models' layer-0 attention weights on one held-out sequence: the line just "
           "left of the diagonal is the previous-token head.")
for k in [x for x in ("rope", "alibi", "sinusoidal") if x in records]:
    show_figure(vp.head_maps(cache.trained_layer0(k), title=f"{k}: trained layer-0 weights"),
                key=f"tr_heads_{k}", export=False)

st.subheader("Retrain one encoding")
r1, r2 = st.columns(2)
retrain_kind = state.selectbox("Encoding to retrain", TRAINED_KINDS, "tr_kind", container=r1)
steps = state.slider("Steps", "tr_steps", 50, 2000, 300, container=r2, step=50)
if st.button("Retrain", key="tr_button"):
    bar = st.progress(0.0, text="training…")

    def report(step: int, total: int, loss: float) -> None:
        bar.progress(step / total, text=f"step {step}/{total}: loss {loss:.3f}")

    model, _ = train(retrain_kind, TrainSettings(steps=steps), progress=report)
    st.session_state["tr_result"] = (retrain_kind, steps, accuracy_by_length(model, n_sequences=256))
if "tr_result" in st.session_state:
    k, s, res = st.session_state["tr_result"]
    shown = {n: (round(x, 3) if x is not None else "no table row") for n, x in res.items()}
    st.write(f"**{k}** after {s} steps, accuracy by length (the shipped weights are unchanged):", shown)
