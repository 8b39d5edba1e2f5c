"""Every head of a capture for the head view, packed (viz/switch.py) so that a browser can switch
layer and head without asking the server: head_view's figure for the head on screen, plus for
every (layer, head) what changes from head to head (viz.attention.head_values: z, zmin/zmax,
customdata, row-sum text, the title). viz.switch.apply is the swap, checked against head_view.
"""

from __future__ import annotations

from core.capture import Capture
from viz.attention import head_data, head_values
from viz.head_pooling import MAX_CELLS, display_factor
from viz.switch import Deck, Variant, pack


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
               max_cells: int = MAX_CELLS, layers: list[int] | None = None) -> Deck:
    """head_values of every captured head of (stack, block) (or of `layers`), packed
    (viz/switch.Deck) under keys "layer,head"; the index's "layers" gives each layer's head count."""
    variants: dict[str, Variant] = {}
    n_heads_of: dict[str, int] = {}
    for layer in captured_layers(cap, stack, block) if layers is None else layers:
        n_heads = int(cap[f"{stack}.{layer}.{block}.weights"].shape[1])
        n_heads_of[str(layer)] = n_heads
        for head in range(n_heads):
            d = head_data(cap, layer, head, stack, block)
            variants[f"{layer},{head}"] = head_values(d, scale, max_cells)
    return pack(variants, layers=n_heads_of)
