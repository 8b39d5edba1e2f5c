"""Sequence transduction: the three RNN shapes of the deck, unrolled from a small real RNN."""

import streamlit as st

from core.labs.transduction import EXAMPLES, HIDDEN, unroll
from ui import menu, state
from ui.escape import md
from ui.frame import frame, show_figure
from viz import transduction as vt

f = frame("Sequence transduction", icon=":material/swap_horiz:")
st.markdown(
    "The deck: *Transformers were developed to solve the problem of \\_\\_\\_\\_\\_* → "
    "*sequence transduction*: "
    "*any task that transforms an input sequence to an output sequence*. Before transformers, RNNs did it "
    "(*Feed forward networks with the input spread out over time*), in three shapes. Below, one small real "
    f"RNN cell (h_t = tanh(W_xh x_t + W_hh h_(t−1) + b), {HIDDEN} hidden units, seeded, **untrained**) is "
    "unrolled over the deck's examples: the coloured squares are its real hidden values at each step; the "
    "output words are the task's targets, which a trained model would learn to emit.")
DECK = {
    "vector→sequence": ("*List an example of an RNN vector sequence model* → *Labeling images. Image is is "
                        "represented as a vector and the description as a sequence of text*"),
    "sequence→vector": ("*RNN sequence to vector example* → *Sentiment analysis. Sequence of text (e.g movie "
                        "review) output is a vector [.90, .10] indicating how good or bad the movie was*"),
    "sequence→sequence": "*Example of RNN sequence to sequence transduction* → *Language translation*",
}
shape = state.selectbox("Shape", list(EXAMPLES), "tshape")
ex = EXAMPLES[shape]
c1, c2 = st.columns(2)
text_in = text_out = None
if shape != "vector→sequence":
    text_in = state.text("Input words", f"tin_{shape[:3]}{shape[-3:]}", ex["input"], container=c1)
if shape != "sequence→vector":
    text_out = state.text("Output words", f"tout_{shape[:3]}{shape[-3:]}", ex["output"], container=c2)
st.markdown(f"The deck: {DECK[shape]}.")
try:
    run = unroll(shape, text_in, text_out)
except ValueError as err:
    st.warning(md(str(err)))
    st.stop()
context = max((i for i, c in enumerate(run.cells) if c.group == "encoder"), default=None)
show_figure(vt.unrolled(run.cells, f"{shape}, unrolled over {len(run.cells)} steps", context,
                        "image vector" if shape == "vector→sequence" else None), key="trans_unrolled")
st.caption(" · ".join(run.notes))
if run.result is not None:
    show_figure(vt.readout(["good", "bad"], run.result), key="trans_readout")
    st.caption(f"This untrained cell outputs [{run.result[0]:.2f}, {run.result[1]:.2f}]; training would push "
               "it towards the deck's [.90, .10] for a good review.")
if run.context is not None:
    st.markdown(
        "The **context vector** is the encoder's final state, h = ["
        + ", ".join(f"{v:+.2f}" for v in run.context) + "]: "
        "the deck's *What is a context vector?* → *The encoder’s final state*. Every word of the source "
        "must squeeze through these numbers, and the gradient from the first output back to the first "
        "source word crosses every step in between.")
st.subheader("Why transformers replaced this")
st.markdown(
    "The arrows from step to step are the problem: step t cannot start before step t−1 ends (*Their data "
    "must be processed sequentially*), and gradients shrink or grow at every arrow. Attention connects "
    "every position to every other in one hop.")
links = st.columns(3)
menu.link(links[0], "pages/gradient_flow.py", "Gradient flow: RNN vs LSTM vs attention",
          ":material/trending_down:")
if not menu.link(links[1], "pages/seq2seq.py", "The seq2seq lab: encoder, decoder, attention",
                 ":material/translate:"):
    links[1].caption("The seq2seq lab (encoder, decoder and attention on a trained model) is not "
                     "installed here.")
menu.link(links[2], "pages/decoder.py", "The decoder side, on a transformer",
          ":material/keyboard_double_arrow_right:")
