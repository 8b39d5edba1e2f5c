"""Figures switched in the browser: one drawn figure, plus for every choice of its controls (a
layer and a head, a temperature) the few things that change: per trace the properties that carry
numbers (z, zmin/zmax, customdata, text) and some layout texts (the title, a subplot title).

A figure function that can be switched says what changes with a `Variant` and draws itself from
it, so a swapped figure is that function's own figure. The numbers of every variant travel as one
float32 buffer (little-endian, NaN kept) with a small JSON index saying where each array starts and
its shape; `apply` is the swap the browser does (ui/web/switch.html), in Python for tests.
"""

from __future__ import annotations

import copy
import json
import struct
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Variant:
    """traces: per trace of the figure, in its order, the properties that change ({} for none);
    texts: layout texts by dotted path ("title.text", "annotations.1.text")."""

    traces: list[dict]
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Deck:
    """index: {"entries": {key: {"traces": [[trace index, {property: value}], ...], "texts": {...}}},
    plus what the packer adds}; an array property is {"at": first float, "shape": [...]} in
    `buffer`; scalars and text lists are plain JSON. key: the control indices joined by ","."""

    index: dict
    buffer: bytes

    @property
    def nbytes(self) -> int:
        return len(self.buffer)

    def to_bytes(self) -> bytes:
        """One file the browser reads: a little-endian uint32 n, n bytes of the JSON index, zero
        padding to a multiple of 4, then the float32 buffer (so it starts 4-byte aligned)."""
        index = json.dumps(self.index, separators=(",", ":")).encode()
        pad = -(4 + len(index)) % 4
        return struct.pack("<I", len(index)) + index + b"\0" * pad + self.buffer

    @classmethod
    def from_bytes(cls, data: bytes) -> Deck:
        """The Deck `to_bytes` wrote."""
        (n,) = struct.unpack_from("<I", data)
        start = 4 + n + (-(4 + n) % 4)
        return cls(json.loads(data[4:4 + n]), bytes(data[start:]))


def pack(variants: dict[str, Variant], **extra) -> Deck:
    """Variants by key, packed (see Deck); `extra` goes into the index as it is."""
    chunks: list[np.ndarray] = []
    at = 0
    entries: dict[str, dict] = {}
    for key, variant in variants.items():
        traces = []
        for i, values in enumerate(variant.traces):
            props = {}
            for prop, value in values.items():
                if isinstance(value, np.ndarray):
                    flat = np.ascontiguousarray(value, dtype="<f4").ravel()
                    props[prop] = {"at": at, "shape": list(value.shape)}
                    chunks.append(flat)
                    at += flat.size
                else:
                    props[prop] = value
            if props:
                traces.append([i, props])
        entries[key] = {"traces": traces, "texts": dict(variant.texts)}
    buffer = np.concatenate(chunks).tobytes() if chunks else b""
    return Deck({"entries": entries, **extra}, buffer)


def unpack(deck: Deck, key: str) -> Variant:
    """One entry back as a Variant (arrays are numpy views of the buffer; traces not changed: {})."""
    floats = np.frombuffer(deck.buffer, dtype="<f4")
    entry = deck.index["entries"][key]
    traces: dict[int, dict] = {}
    for i, props in entry["traces"]:
        values = {}
        for prop, value in props.items():
            if isinstance(value, dict) and "at" in value:
                size = int(np.prod(value["shape"]))
                values[prop] = floats[value["at"]:value["at"] + size].reshape(value["shape"])
            else:
                values[prop] = value
        traces[i] = values
    n = max(traces, default=-1) + 1
    return Variant([traces.get(i, {}) for i in range(n)], dict(entry["texts"]))


def set_path(layout: dict, path: str, value) -> None:
    """layout["annotations"][1]["text"] = value for path "annotations.1.text"."""
    *parents, last = path.split(".")
    node = layout
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[last] = value


def apply(figure: dict, deck: Deck, key: str) -> dict:
    """The figure of entry `key` made from `figure` (a dict of the same figure function) the way
    the browser makes it: the entry's trace properties and layout texts replaced."""
    out = copy.deepcopy(figure)
    variant = unpack(deck, key)
    for i, values in enumerate(variant.traces):
        out["data"][i].update(values)
    for path, text in variant.texts.items():
        set_path(out.setdefault("layout", {}), path, text)
    return out
