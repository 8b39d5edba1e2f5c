"""Every head of a capture for the head view, packed so that a browser can switch layer and head
without asking the server: head_view's figure for the head on screen, plus for every (layer, head)
the numbers that change from head to head (viz.attention.head_values: z, zmin/zmax, customdata,
row-sum text) and the head's label for the title.

The numbers travel as one float32 buffer (little-endian, NaN for masked cells) with a small JSON
index that says where each array starts and its shape. `apply_head` is the swap the browser does
(ui/web/head_view.html), written in Python so tests can check that a swapped figure is exactly
head_view's figure of that head.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from core.capture import Capture
from viz.attention import head_data, head_values
from viz.head_pooling import MAX_CELLS, display_factor


@dataclass(frozen=True)
class HeadDeck:
    """index: {"heads": {"L,H": {"label": str, "traces": [[trace index, {property: value}], ...]}},
    "layers": {"L": n_heads}}; an array property is {"at": first float, "shape": [rows, cols]} in
    `buffer` (or [n] for a 1-D array); scalars and text lists are plain JSON."""

    index: dict
    buffer: bytes

    @property
    def nbytes(self) -> int:
        return len(self.buffer)


def captured_layers(cap: Capture, stack: str, block: str) -> list[int]:
    """The layers of (stack, block) whose weights the capture holds (all, or one past the memory
    guard, which captures only the layer on screen)."""
    return [layer for _, layer, _ in cap.blocks(stack, block) if f"{stack}.{layer}.{block}.weights" in cap]


def deck_nbytes(cap: Capture, stack: str, block: str = "self_attn", scale: str = "absolute",
                max_cells: int = MAX_CELLS, layers: list[int] | None = None) -> int:
    """An upper bound of pack_heads' buffer size (exact but for the two grey layers of masked
    cells, counted always), from shapes alone: nothing is pooled or copied."""
    total = 0
    for layer in captured_layers(cap, stack, block) if layers is None else layers:
        _, n_heads, n_q, n_k = cap[f"{stack}.{layer}.{block}.weights"].shape
        f = display_factor(n_q, n_k, max_cells)
        rows, cols = -(-n_q // f), -(-n_k // f)
        per_head = rows * cols * (5 if scale != "absolute" else 4)  # scores, weights, 2 grey, customdata
        v = cap[f"{stack}.{layer}.{block}.v"] if f"{stack}.{layer}.{block}.v" in cap else None
        if v is not None and f"{stack}.{layer}.{block}.vectors" in cap:
            per_head += (-(-v.shape[2] // f) + rows) * v.shape[-1]
        total += 4 * n_heads * per_head
    return total


def pack_heads(cap: Capture, stack: str, block: str = "self_attn", scale: str = "absolute",
               max_cells: int = MAX_CELLS, layers: list[int] | None = None) -> HeadDeck:
    """head_values of every captured head of (stack, block) (or of `layers`), packed (HeadDeck)."""
    chunks: list[np.ndarray] = []
    at = 0
    heads: dict[str, dict] = {}
    n_heads_of: dict[str, int] = {}
    for layer in captured_layers(cap, stack, block) if layers is None else layers:
        n_heads = int(cap[f"{stack}.{layer}.{block}.weights"].shape[1])
        n_heads_of[str(layer)] = n_heads
        for head in range(n_heads):
            d = head_data(cap, layer, head, stack, block)
            traces = []
            for i, values in enumerate(head_values(d, scale, max_cells)):
                props = {}
                for prop, value in values.items():
                    if isinstance(value, np.ndarray):
                        flat = np.ascontiguousarray(value, dtype="<f4").ravel()
                        props[prop] = {"at": at, "shape": list(value.shape)}
                        chunks.append(flat)
                        at += flat.size
                    else:
                        props[prop] = value
                traces.append([i, props])
            heads[f"{layer},{head}"] = {"label": d.label, "traces": traces}
    buffer = np.concatenate(chunks).tobytes() if chunks else b""
    return HeadDeck({"heads": heads, "layers": n_heads_of}, buffer)


def head_arrays(deck: HeadDeck, layer: int, head: int) -> list[tuple[int, dict]]:
    """[(trace index, {property: value})] of one head, arrays as numpy views of the buffer."""
    floats = np.frombuffer(deck.buffer, dtype="<f4")
    out = []
    for i, props in deck.index["heads"][f"{layer},{head}"]["traces"]:
        values = {}
        for prop, value in props.items():
            if isinstance(value, dict) and "at" in value:
                size = int(np.prod(value["shape"]))
                values[prop] = floats[value["at"]:value["at"] + size].reshape(value["shape"])
            else:
                values[prop] = value
        out.append((i, values))
    return out


def apply_head(figure: dict, deck: HeadDeck, shown_label: str, layer: int, head: int) -> dict:
    """The figure of (layer, head) made from `figure` (a head_view figure as a dict, of the head
    labelled `shown_label`) the way the browser makes it: each trace's numbers replaced, and the
    first occurrence of the shown head's label in the title replaced by the new head's label."""
    out = copy.deepcopy(figure)
    for i, values in head_arrays(deck, layer, head):
        out["data"][i].update(values)
    title = out.get("layout", {}).get("title", {})
    if title.get("text"):
        title["text"] = title["text"].replace(shown_label, deck.index["heads"][f"{layer},{head}"]["label"], 1)
    return out
