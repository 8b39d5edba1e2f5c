"""Inside a block: one sentence followed through every step of one layer, with real weights."""

import numpy as np
import streamlit as st

from core.labs.anatomy import block_walk, feed_forward, follow, token_norms
from ui import state
from ui.cache import get_model
from ui.escape import md
from ui.frame import frame, show_figure
from viz import anatomy as va

f = frame("Inside a block", icon=":material/account_tree:")
st.markdown(
    "The deck: *At a high level The encoder block is composed of what?* → *A multi headed attention layer "
    "and a feed forward layer*. Here is every step between them for the sidebar sentence, computed from "
    "the chosen layer's own weights. The last step is checked against the model's own output for the "
    "layer (the difference is printed below the first figure).")
model = f.model()
if model is None:
    st.stop()
n_layers = int(model.info.get("n_layers") or 1)
c1, c2 = st.columns([1, 2])
layer = state.slider("Layer", "alayer", 0, n_layers - 1, 0, container=c1)


@st.cache_data(show_spinner="Walking through the block…", max_entries=16)
def walk_of(name: str, text: str, layer: int):
    return block_walk(get_model(name), text, layer)


if not f.sentence.strip():
    st.info("Type a sentence in the sidebar.")
    st.stop()
try:
    walk = walk_of(f.model_name, f.sentence, layer)
except ValueError as err:
    st.error(str(err).replace("*", "\\*").replace("_", "\\_"))
    st.stop()
tokens = walk.tokens
labels = [f"{i}: {t}" for i, t in enumerate(tokens)]
token = state.selectbox("Follow the token", list(range(len(tokens))), "atok", default=min(2, len(tokens) - 1),
                        container=c2, format_func=lambda i: labels[i])

order = ("**post-norm** (the paper's order: sublayer, residual add, then LayerNorm)" if walk.order == "post"
         else f"**pre-norm** ({walk.norm_kind} *before* each sublayer, residual add after; the stack's last "
              f"{walk.norm_kind} comes after the final layer)")
st.markdown(f"{md(model.name)} is a {walk.family} model: {order}.")
shapes = [" × ".join(map(str, s.x.shape)) for s in walk.steps]
norms = token_norms(walk)
show_figure(va.step_norms(walk.names, shapes, tokens, norms), key="anatomy_steps")
st.caption(f"Every step is one vector per token: {len(tokens)} × {walk.steps[-1].x.shape[1]}. "
           f"Colour: ‖x‖ on a log scale, from {norms.min():.2g} to {norms.max():.3g}. "
           f"Largest difference between the last step and the captured {walk.stack}.{layer}.resid_post: "
           f"{walk.error:.1e}. " + ("Token embeddings are multiplied by √d_model = "
                                    f"{walk.embed_scale:.3g}. " if walk.embed_scale != 1.0 else
                                    "This model does not multiply its token embeddings by √d_model. ")
           + ("" if layer == 0 else "Embedding steps belong to layer 0: pick layer 0 to see them."))
for s in walk.steps:
    st.markdown(f"- **{s.name}**: `{s.formula}`")

st.subheader("One token through the block")
path = follow(walk, token)
show_figure(va.follow_token(walk.names, [s.part for s in walk.steps], path["norm"], path["cosine_to_input"],
                            tokens[token]), key="anatomy_follow")
last = path["cosine_to_input"][-1]
st.caption(f"After the whole layer, “{md(tokens[token])}” keeps cosine {last:.3f} with its input: "
           "the residual connections carry the input through and each sublayer adds to it.")

st.subheader("What the attention layer outputs")
W_O = walk.step("output projection W_O").x
show_figure(va.heads_to_output(walk.heads[:, token], W_O[token], tokens[token]), key="anatomy_heads")
n_heads, _, d_head = walk.heads.shape
st.markdown(
    "The deck says the attention layer outputs *Attention vectors. A vector representing how much the ith "
    "word in an English sentence is relevant to the other words in that same English sentence*. Precisely: "
    f"each of the {n_heads} heads outputs, per token, a weighted sum of value vectors (weights @ v, "
    f"{d_head} numbers); the layer concatenates them and multiplies by W_O. *How relevant* each word is "
    "lives in the attention **weights**; the vectors are what gets mixed using them.")

st.subheader("The feed-forward layer: the same weights at every position")
other = (token + 1) % len(tokens)
pair = [token, other]
alone = np.stack([feed_forward(model, layer, walk.ffn_in[i:i + 1], walk.stack)[0] for i in pair])
in_sentence = walk.step("feed-forward").x[pair]
show_figure(va.ffn_position_check(alone, in_sentence, [tokens[i] for i in pair]), key="anatomy_ffn")
st.markdown(
    f"FFN(x) = {walk.ffn_formula}, with one weight matrix pair shared by all positions. Applied to "
    f"“{tokens[token]}” and “{tokens[other]}” *alone*, it gives the same outputs as inside the sentence "
    f"(largest difference {np.abs(alone - in_sentence).max():.1e}): no token sees another here, all mixing "
    f"between tokens happens in attention. Hidden width {walk.ffn_hidden.shape[1]} = "
    f"{walk.ffn_hidden.shape[1] / walk.ffn_in.shape[1]:.3g} × d_model.\n\n"
    "The deck says the feed-forward layers *are applied to every attention vector* and *convert the "
    "attention vector into a form that is digestible by the next encoder or decoder block*. What they "
    "read is not the raw per-head attention vectors: it is the concatenated, W_O-projected head outputs "
    "**added to the residual stream** (and normalised) — one d_model vector per position.")
