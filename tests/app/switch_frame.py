"""A figure component (ui/web/switch.html) as a browser runs it, in Python, for AppTest: each run's
arguments are read from the component element, payloads merged into a deck, and the figure on
screen is made with viz.switch.apply, the swap the browser does. A slider move is what the browser
reports: the component's value, then a rerun; a frame without the run's deck asks for it, as a
frame that a page switch remounted does."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from viz.switch import Deck, apply


class SwitchFrame:
    """Follow one component (by key) of an AppTest across runs: `render(at)` after every run."""

    def __init__(self, key: str = "head_switch") -> None:
        self.key = key
        self.deck_id: str | None = None
        self.data_id: str | None = None
        self.figure: dict | None = None
        self.decks: dict[str, Deck] = {}  # entry key -> the payload that brought it
        self.at: list[int] = []
        self.controls: list[dict] = []
        self.seq = 0
        self.payloads = 0
        self.explored: str | None = None  # the deck whose sliders were moved

    def args(self, at: AppTest) -> dict:
        found = [el for el in at.get("component_instance")
                 if json.loads(el.proto.json_args).get("key") == self.key]
        assert len(found) == 1, f"the page draws one component {self.key!r}"
        proto = found[0].proto
        args = json.loads(proto.json_args)
        for special in proto.special_args:
            args[special.key] = special.bytes
        return args

    def chosen(self, at: AppTest) -> dict:
        """{control name: value} the server shows (its last run)."""
        a = self.args(at)
        return {c["name"]: c["values"][i] for c, i in zip(a["controls"], a["at"], strict=True)}

    def render(self, at: AppTest, ask: bool = True) -> SwitchFrame:
        a = self.args(at)
        self.controls = a["controls"]
        merged = "index" in a and ("figure" in a or a["data_id"] == self.deck_id)
        if merged:
            self.payloads += 1
            if "figure" in a:
                self.deck_id, self.figure, self.decks = a["data_id"], json.loads(a["figure"]), {}
            deck = Deck(a["index"], a["values"])
            self.decks.update({key: deck for key in a["index"]["entries"]})
        if a["seq"] >= self.seq:
            self.seq, self.at = a["seq"], list(a["at"])
        self.data_id = a["data_id"]
        if ask and self.deck_id != self.data_id:
            self.report(at)
            return self.render(at, ask=False)
        if merged:  # the frame says what it now holds (the server stops sending it)
            self.render(self.report(at), ask=False)
        return self

    @property
    def entry(self) -> str:
        return ",".join(str(i) for i in self.at)

    def view(self) -> dict:
        """The figure on screen, as plotly.js gets it (arrays as plotly serialises them)."""
        assert self.deck_id == self.data_id, "the frame holds no deck for this run"
        return json.loads(go.Figure(apply(self.figure, self.decks[self.entry], self.entry)).to_json())

    def report(self, at: AppTest) -> AppTest:
        self.seq += 1
        chosen = {c["name"]: c["values"][i] for c, i in zip(self.controls, self.at, strict=True)}
        at.session_state[self.key] = {"at": self.at, "chosen": chosen, "seq": self.seq,
                                      "have": self.deck_id, "keys": sorted(self.decks),
                                      "explored": self.explored}
        return at.run()

    def move(self, at: AppTest, **values) -> AppTest:
        """Drag sliders to these values: the browser redraws, reports the move, Streamlit reruns."""
        for i, control in enumerate(self.controls):
            if control["name"] in values:
                self.at[i] = control["values"].index(values[control["name"]])
        self.explored = self.deck_id
        self.render(self.report(at))
        return at

    @property
    def layers(self) -> set[int]:
        """The layers whose heads this frame holds (the One head component)."""
        return {int(key.split(",")[0]) for key in self.decks}
