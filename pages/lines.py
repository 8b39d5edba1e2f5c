"""Lines: BertViz-style token-to-token weights for one layer, one colour per head."""

import streamlit as st

from ui import state
from ui.explorer import clicked, pick_block, pick_layer, pick_token
from ui.frame import frame, intro, require_capture, show_figure
from viz.attention import block_tokens
from viz.attention_lines import lines_view

f = frame("Lines: who looks at whom", icon=":material/timeline:")
intro(
    "Query tokens on the left, key tokens on the right. Each line is one head's **weight** from a "
    "query to a key: the stronger the weight, the thicker and darker the line (weights below 0.05 "
    "are not drawn). One colour per head: click a head in the legend to hide or show it, "
    "double-click to show it alone. Pick a token (or click one) to keep only its lines: the "
    "classic “it → animal” picture of the Illustrated Transformer.")

cap = require_capture(f)

cols = st.columns(4)
stack, block = pick_block(cap, container=cols[3])
layer = pick_layer(cap, stack, block, container=cols[0])
q_tokens, k_tokens = block_tokens(cap, stack, block)
direction = state.selectbox("Lines", ["from", "to"], "direction", default="from", container=cols[2],
                            format_func=lambda d: "from the token (as query)" if d == "from"
                            else "to the token (as key)")
tokens = q_tokens if direction == "from" else k_tokens
token = pick_token(tokens, "token", "Token", default=-1, allow_all=True, container=cols[1])
if len(q_tokens) > 64 and token is None:
    st.caption("Long input: only the strongest lines are drawn; pick a token to see all of its lines.")

fig = lines_view(cap, layer, stack, block, token=token, direction=direction)
points = clicked(show_figure(fig, "lines", capture=cap, on_select="rerun"), "lines")
for point in points:
    side, position = (point.get("customdata") or [None, None])[:2]
    if side in ("query", "key"):
        state.set_value("direction", "from" if side == "query" else "to")
        state.set_value("token", int(position))
        st.rerun()
