"""The One head figure with its Layer and Head sliders in the browser (ui/web/head_view.html).

A slider change there swaps the numbers of the new head into the drawn figure at once (no server
round trip: Streamlit's own slider waits about 0.1 s before it even sends a change, and a rerun
then rebuilds and redraws the figure) and reports the move; the next run mirrors it in the URL
and redraws what depends on the head (the query breakdown, the temperature what-if).

The deck (viz/head_switch.pack_heads: every captured head's numbers) is sent once per capture,
scale and theme, the layer on screen first: the component says which deck and layers it holds
in every report, and a frame that has none (a page switch remounts it) asks. Past DECK_BUDGET
bytes only the layer on screen is sent, and a layer change waits for the server.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

from core.capture import Capture
from core.hf.sources import cache_root
from ui import cache
from viz.head_switch import captured_layers, deck_nbytes, pack_heads

KEY = "head_switch"
_APPLIED, _SENT = "_head_switch_seq", "_head_switch_sent"
DECK_BUDGET = int(float(os.environ.get("ATTENTION_LAB_HEAD_DECK_MB", "24")) * 2**20)
_HTML = Path(__file__).with_name("web") / "head_view.html"


def _web_folder() -> Path:
    """A folder Streamlit serves the component from: our page and plotly.js (the plotly.min.js
    of the installed plotly package, so the figure JSON and the drawing library match), made
    once per version of both, offline."""
    js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    html = _HTML.read_bytes()
    digest = hashlib.sha256(html + plotly.__version__.encode()).hexdigest()[:12]
    folder = cache_root() / "web" / f"head_view-{digest}"
    if not (folder / "index.html").exists():
        tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(js, tmp / "plotly.min.js")
        (tmp / "index.html").write_bytes(html)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


@functools.cache
def _component():
    return components.declare_component("head_view", path=str(_web_folder()))


def reported_move() -> tuple[int, int] | None:
    """(layer, head) the user picked in the browser since the last run, or None."""
    value = st.session_state.get(KEY) or {}
    seq = int(value.get("seq", 0) or 0)
    if seq <= st.session_state.get(_APPLIED, 0):
        return None
    st.session_state[_APPLIED] = seq
    return int(value["layer"]), int(value["head"])


def show(cap: Capture, stack: str, block: str, scale: str, layer: int, head: int, n_layers: int,
         figure: Callable[[], go.Figure], theme: str) -> None:
    """Draw the switchable head view of (layer, head). figure(): head_view of that head, named and
    themed as shown (built only when a new deck starts). theme: what else changes the drawn
    figure (projector mode, model name).

    What the browser holds comes from its last report (`have`: the deck id, `layers`) plus what
    this session sent since that report. A frame without the layer on screen gets that layer
    first (with the figure when it holds nothing of this deck): a new sentence is drawn after
    about 2 MB at 128 tokens rather than 12. Its next report brings the other layers, when the
    whole deck fits DECK_BUDGET; past it, each layer comes when it is picked."""
    value = st.session_state.get(KEY) or {}
    deck_key = (cache.capture_cache().key_of(cap) or id(cap), stack, block, scale, theme)
    data_id = hashlib.sha256(repr(deck_key).encode()).hexdigest()[:16]
    seq = int(value.get("seq", 0) or 0)
    held = set(value.get("layers") or []) if value.get("have") == data_id else set()
    sent_id, sent_seq, sent_layers = st.session_state.get(_SENT) or (None, None, ())
    if (sent_id, sent_seq) == (data_id, seq):  # sent after the browser's last report
        held |= set(sent_layers)
    everything = captured_layers(cap, stack, block)
    fits = deck_nbytes(cap, stack, block, scale) <= DECK_BUDGET
    args = dict(data_id=data_id, layer=layer, head=head, n_layers=n_layers,
                more=len(everything) if fits else 0, seq=st.session_state.get(_APPLIED, 0),
                present=theme.startswith("present"))
    if layer not in held:
        send = [layer]
    else:
        send = [x for x in everything if x not in held] if fits else []
    if send:
        deck = pack_heads(cap, stack, block, scale, layers=send)
        args.update(index=deck.index, values=deck.buffer)
        if not held:
            args.update(figure=figure().to_json(), shown=[layer, head])
        st.session_state[_SENT] = (data_id, seq, tuple(sorted(held | set(send))))
    _component()(key=KEY, default=None, **args)
