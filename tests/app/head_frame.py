"""The One head component (ui/web/head_view.html) as a browser runs it, in Python, for AppTest:
each run's arguments are read from the component element, payloads merged into a deck, and the
figure on screen is made with viz.head_switch.apply_head, the swap the browser does. A slider
move is what the browser reports: the component's value, then a rerun."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from ui.head_switch import KEY
from viz.head_switch import HeadDeck, apply_head


class HeadFrame:
    """Follow an AppTest's One head component across runs: `render(at)` after every run."""

    def __init__(self) -> None:
        self.deck_id: str | None = None
        self.figure: dict | None = None
        self.shown_label = ""
        self.decks: dict[str, HeadDeck] = {}  # "layer,head" -> the payload that brought it
        self.layers: set[int] = set()
        self.layer = self.head = self.seq = 0
        self.payloads = 0
        self.data_id: str | None = None

    def args(self, at: AppTest) -> dict:
        found = at.get("component_instance")
        assert len(found) == 1, "the page draws one head component"
        proto = found[0].proto
        args = json.loads(proto.json_args)
        for special in proto.special_args:
            args[special.key] = special.bytes
        return args

    def render(self, at: AppTest, ask: bool = True) -> HeadFrame:
        """Take a run's arguments; a frame without this run's deck asks for it (a report, a run),
        as a frame that a page switch remounted does."""
        a = self.args(at)
        if "index" in a and ("figure" in a or a["data_id"] == self.deck_id):
            self.payloads += 1
            if "figure" in a:
                self.deck_id, self.figure = a["data_id"], json.loads(a["figure"])
                self.decks, self.layers = {}, set()
            deck = HeadDeck(a["index"], a["values"])
            self.decks.update({key: deck for key in a["index"]["heads"]})
            self.layers |= {int(x) for x in a["index"]["layers"]}
            if "figure" in a:
                self.shown_label = deck.index["heads"][f"{a['shown'][0]},{a['shown'][1]}"]["label"]
        if a["seq"] >= self.seq:
            self.seq, self.layer, self.head = a["seq"], a["layer"], a["head"]
        self.data_id = a["data_id"]
        if ask and self.deck_id != self.data_id:
            self.report(at)
            return self.render(at, ask=False)
        return self

    def report(self, at: AppTest) -> AppTest:
        self.seq += 1
        at.session_state[KEY] = {"layer": self.layer, "head": self.head, "seq": self.seq,
                                 "have": self.deck_id, "layers": sorted(self.layers)}
        return at.run()

    def view(self) -> dict:
        """The figure on screen, as plotly.js gets it (arrays as plotly serialises them)."""
        assert self.deck_id == self.data_id, "the frame holds no deck for this run"
        deck = self.decks[f"{self.layer},{self.head}"]
        return json.loads(go.Figure(apply_head(self.figure, deck, self.shown_label, self.layer,
                                               self.head)).to_json())

    def move(self, at: AppTest, layer: int, head: int) -> AppTest:
        """Drag a slider: the browser redraws, reports the move, Streamlit reruns."""
        self.layer, self.head = layer, head
        self.render(self.report(at))
        return at
