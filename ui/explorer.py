"""Widgets shared by the attention-explorer pages (head, overview, lines, compare, aggregate):
block / layer / head pickers mirrored in the URL, cached per-head statistics, click handling."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from core.capture import Capture
from core.labs.deck_quotes import deck_quote
from ui import cache, state
from viz.attention import block_choices

VECTOR_DEFINITION = (
    "**Our one definition.** The *attention vector* of a head at a query position is "
    "**Z = weights · V**: the weighted average of the value rows, one d_head-long vector per query "
    "and per head, before the heads are concatenated and multiplied by W_O. We call these the "
    "**vectors**. The phrase is overloaded elsewhere: Luong et al. (2015) and the TensorFlow NMT "
    "tutorial use *attention vector* for tanh(W_c[c; h]) (context combined with the decoder "
    "state); many tutorials use it for the context vector c = Σ α·h; the Illustrated Transformer "
    "calls the encoder's K and V *attention vectors*. Your deck means yet another thing: *“"
    + deck_quote("A vector representing how much the ith word in a sentence [or I guess string of words] "
                 "is relevant to the other words in that same sentence")
    + "”*: that is one **row of weights** (softmax(S)[i], summing to 1), what the weights panel "
    "shows row by row, not Z.")


def block_label(pair: tuple[str, str]) -> str:
    stack, block = pair
    return f"{stack} {'self-attention' if block == 'self_attn' else 'cross-attention'}"


def pick_block(cap: Capture, container=None) -> tuple[str, str]:
    """A (stack, block) picker, shown only when the model has more than one (encoder-decoder).
    Mirrored in the URL as `block` ("encoder.self_attn", "decoder.cross_attn", ...)."""
    pairs = block_choices(cap)
    if len(pairs) == 1:
        return pairs[0]
    names = [f"{s}.{b}" for s, b in pairs]
    choice = state.selectbox("Attention block", names, "block", default=names[0], container=container,
                             format_func=lambda n: block_label(tuple(n.split("."))))
    stack, block = choice.split(".")
    return stack, block


def pick_layer(cap: Capture | None, stack: str, block: str, container=None, key: str = "layer",
               label: str = "Layer", last: bool = False, n_layers: int | None = None) -> int:
    """A layer slider mirrored in the URL as `key` (default the first layer, or the last).
    n_layers: given when the layer is picked before the capture (a capture of one layer)."""
    n_layers = n_layers or cap.n_layers(stack, block)
    return int(state.slider(label, key, 0, n_layers - 1, n_layers - 1 if last else 0, container=container))


def pick_head(cap: Capture | None, stack: str, block: str, layer: int, container=None,
              n_heads: int | None = None, default: int = 0) -> int:
    n_heads = n_heads or cap[f"{stack}.{layer}.{block}.weights"].shape[1]
    return int(state.slider("Head", "head", 0, n_heads - 1, min(default, n_heads - 1), container=container))


def pick_token(tokens: Sequence[str], key: str, label: str, default: int = 0, allow_all: bool = False,
               container=None) -> int | None:
    """A token picker (positions, labelled 'i: token'); -1 means 'all' when allow_all."""
    options = ([-1] if allow_all else []) + list(range(len(tokens)))
    default = default if default in options else options[0]
    choice = state.selectbox(label, options, key, default=default, container=container,
                             format_func=lambda i: "all tokens" if i == -1 else f"{i}: {tokens[i]}")
    return None if choice == -1 else int(choice)


@st.cache_data(show_spinner=False, max_entries=32)
def head_stats(model_name: str, text: str, stack: str, block: str) -> dict[str, np.ndarray]:
    """Per-head statistics of a cached capture (computed once per model, text and block)."""
    from viz.attention_overview import capture_stats

    return capture_stats(cache.get_capture(model_name, text, names=("*.weights",)), stack, block)


def clicked(selection, key: str) -> list[dict]:
    """The points of a chart selection that are new since the last run (so a remembered
    selection does not fire twice, e.g. after coming back to the page)."""
    points = list(getattr(getattr(selection, "selection", None), "points", None) or [])
    seen = f"_clicked_{key}"
    if not points:
        st.session_state.pop(seen, None)
        return []
    if st.session_state.get(seen) == points:
        return []
    st.session_state[seen] = points
    return points


def open_clicked_head(points: list[dict]) -> None:
    """Open the head page on the first clicked point that carries (layer, head) customdata."""
    for point in points:
        if point.get("customdata"):
            open_head(*point["customdata"][:2])


def open_head(layer: int, head: int) -> None:
    """Open the head page on (layer, head)."""
    state.set_value("layer", int(layer))
    state.set_value("head", int(head))
    st.switch_page("pages/head.py")
