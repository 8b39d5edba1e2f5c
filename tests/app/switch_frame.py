"""A figure component (ui/web/switch.html) as a browser runs it, in Python, for AppTest: each run's
arguments are read from the component element, the deck's files fetched from the folder Streamlit
serves them from (what the frame does), and the figure on screen is made with viz.switch.apply, the
swap the browser does. A slider move is what the browser reports: the component's value, then a
rerun. Nothing else is ever reported."""

from __future__ import annotations

import gzip
import json

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from ui import switch
from viz.switch import Deck, apply


class SwitchFrame:
    """Follow one component (by key) of an AppTest across runs: `render(at)` after every run."""

    def __init__(self, key: str = "head_switch") -> None:
        self.key = key
        self.deck_id: str | None = None
        self.figure: dict | None = None
        self.decks: dict[str, Deck] = {}  # entry key -> the file that brought it
        self.loaded: set[str] = set()
        self.at: list[int] = []
        self.controls: list[dict] = []
        self.seq = 0
        self.fetches = 0  # deck files fetched (figure.json.gz, chunks, all.bin.gz)
        self.explored: str | None = None  # the deck whose sliders were moved

    def args(self, at: AppTest) -> dict:
        found = [el for el in at.get("component_instance")
                 if json.loads(el.proto.json_args).get("key") == self.key]
        assert len(found) == 1, f"the page draws one component {self.key!r}"
        return json.loads(found[0].proto.json_args)

    def chosen(self, at: AppTest) -> dict:
        """{control name: value} the server shows (its last run)."""
        a = self.args(at)
        return {c["name"]: c["values"][i] for c, i in zip(a["controls"], a["at"], strict=True)}

    def _fetch(self, base: str, name: str) -> None:
        data = gzip.decompress((switch.deck_files().root.parent / base / name).read_bytes())
        self.fetches += 1
        self.loaded.add(name)
        if name == "figure.json.gz":
            self.figure = json.loads(data)
        else:
            deck = Deck.from_bytes(data)
            self.decks.update({key: deck for key in deck.index["entries"]})

    def render(self, at: AppTest) -> SwitchFrame:
        a = self.args(at)
        self.controls = a["controls"]
        if a["data_id"] != self.deck_id:
            self.deck_id, self.figure, self.decks, self.loaded = a["data_id"], None, {}, set()
        if a["seq"] >= self.seq:
            self.seq, self.at = a["seq"], list(a["at"])
        ready = set(a["ready"])
        chunk_of = {key: f"c{i}.bin.gz" for i, keys in enumerate(a["chunks"]) for key in keys}
        if self.figure is None and "figure.json.gz" in ready:
            self._fetch(a["base"], "figure.json.gz")
        if self.entry not in self.decks:
            name = chunk_of[self.entry] if chunk_of[self.entry] in ready else "all.bin.gz"
            if name in ready and name not in self.loaded:
                self._fetch(a["base"], name)
        if self.explored == self.deck_id and "all.bin.gz" in ready and "all.bin.gz" not in self.loaded:
            self._fetch(a["base"], "all.bin.gz")
        return self

    @property
    def entry(self) -> str:
        return ",".join(str(i) for i in self.at)

    def view(self) -> dict:
        """The figure on screen, as plotly.js gets it (arrays as plotly serialises them)."""
        assert self.figure is not None and self.entry in self.decks, "the frame holds no figure for this run"
        return json.loads(go.Figure(apply(self.figure, self.decks[self.entry], self.entry)).to_json())

    def report(self, at: AppTest) -> AppTest:
        self.seq += 1
        at.session_state[self.key] = {"at": self.at, "seq": self.seq,
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
