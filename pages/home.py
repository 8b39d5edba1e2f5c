"""Home: what the lab shows, and which page answers each of the deck's flashcards."""

import streamlit as st

from ui.frame import frame
from ui.menu import link

f = frame("Attention Lab", icon=":material/search:")
st.markdown(
    "See inside transformers. Type a sentence in the sidebar and follow it from attention "
    "**scores** (q·kᵀ/√d) to **weights** (softmax) to **vectors** (weights·V), in a real "
    "pretrained model that runs offline (MiniLM, SmolLM2), in our own from-scratch transformer "
    "running the same weights, or in any Hugging Face model you have. Every figure exports to "
    "PNG, SVG and offline HTML; every view has a URL you can bookmark; the projector switch in the "
    "sidebar makes everything readable from the back of a lecture hall."
)

START = [
    ("pages/overview.py", "All heads", "every layer × head at once; click one to open it"),
    ("pages/head.py", "One head", "scores → weights → vectors, one query step by step"),
    ("pages/compare.py", "Compare", "“the dog ate the cat” vs “the cat ate the dog”"),
    ("pages/positional_lab.py", "Encoding lab", "sin/cos vs sigmoid vs learned, with numbers"),
    ("pages/gradient_flow.py", "Gradient flow", "why RNN gradients vanish and attention's do not"),
]
cols = st.columns(len(START))
for col, (path, label, text) in zip(cols, START, strict=True):
    with col.container(border=True):
        link(st, path, f"**{label}**")
        st.caption(text)

st.subheader("Your flashcards, answered live")
CARDS = [
    ("Why do transformers need positional encoding? (“the dog ate the cat” vs “the cat ate the dog”)",
     "pages/compare.py", "pages/positional_trained.py"),
    ("Positional embedding requirements: same identifier at any length; bounded values",
     "pages/positional_lab.py", None),
    ("Why sin/cos and not a sigmoid? Why not a single sine, or a very stretched sine?",
     "pages/positional_lab.py", None),
    ("The AIAYN formula, and why Fourier analysis explains it", "pages/positional_lab.py", None),
    ("Does sin/cos work for images?", "pages/positional_lab.py", None),
    ("Attention scores vs attention weights vs attention vectors", "pages/head.py", None),
    ("For each word, how relevant is every other word?", "pages/overview.py", "pages/lines.py"),
    ("What does the attention layer of an encoder block output?", "pages/head.py", "pages/aggregate.py"),
    ("Why the Jacobian of softmax rather than a gradient?", "pages/softmax_jacobian.py", None),
    ("Downsides of RNNs; vanishing and exploding gradients; truncated backprop; LSTMs",
     "pages/gradient_flow.py", None),
    ("LSTMs, RNNs and GPUs; complexity, parallel operations, path length",
     "pages/attention_cost.py", None),
]
for question, page, extra in CARDS:
    row = st.columns([3, 1, 1])
    row[0].markdown(question)
    link(row[1], page, "open")
    if extra:
        link(row[2], extra, "also")
