"""Home: what the lab shows, and where each flashcard's figure lives."""

import streamlit as st

from ui.frame import frame

f = frame("Attention Lab", icon="🔍")
st.markdown(
    "See inside transformers: type a sentence in the sidebar and follow it from attention "
    "**scores** (q·kᵀ/√d) to **weights** (softmax) to **vectors** (weights·V), in a real "
    "pretrained model that runs offline, or in our own from-scratch transformer."
)
