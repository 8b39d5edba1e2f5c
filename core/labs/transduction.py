"""Sequence transduction with a small real RNN: the three shapes of the deck, unrolled.

One Elman RNN cell h_t = tanh(W_xh x_t + W_hh h_{t-1} + b) (float64, seeded, untrained: the
numbers are real computations of the cell, not trained predictions) run in the deck's three
shapes:

- vector -> sequence (image captioning): an image vector sets h_0; each step emits a word and
  reads the previous one;
- sequence -> vector (sentiment): the cell reads the review word by word; the last state gives
  [p(good), p(bad)] through a softmax;
- sequence -> sequence (translation): an encoder cell reads the source; its final state (the
  context vector) starts a decoder cell that reads <bos> + the target shifted right.

`Unrolled.cells` lists every time step with its hidden state, input and output, in drawing order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

HIDDEN = 4
EMBED = 3
SHAPES = ("vector→sequence", "sequence→vector", "sequence→sequence")
EXAMPLES = {  # the deck's examples (see transformers_flashcards.txt)
    "vector→sequence": {"input": "[image vector]", "output": "a dog runs on grass"},
    "sequence→vector": {"input": "the movie was great", "output": "[good, bad]"},
    "sequence→sequence": {"input": "the dog ate the cat", "output": "le chien a mangé le chat"},
}


@dataclass
class Cell:
    """One unrolled step. group: 'encoder' | 'decoder' | 'rnn'; hidden [HIDDEN]."""

    step: int
    group: str
    hidden: np.ndarray
    input: str | None
    output: str | None


@dataclass
class Unrolled:
    shape: str
    cells: list[Cell]
    result: np.ndarray | None = None  # sequence->vector: [p(good), p(bad)]
    context: np.ndarray | None = None  # sequence->sequence: the encoder's final state
    notes: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> np.ndarray:
        """[steps, HIDDEN] every hidden state, in drawing order."""
        return np.stack([c.hidden for c in self.cells])


class ElmanCell:
    """h_t = tanh(W_xh x_t + W_hh h_{t-1} + b), seeded Gaussian weights (std 1/sqrt(fan-in))."""

    def __init__(self, input_size: int = EMBED, hidden_size: int = HIDDEN, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w_xh = rng.normal(0, input_size ** -0.5, (hidden_size, input_size))
        self.w_hh = rng.normal(0, hidden_size ** -0.5, (hidden_size, hidden_size))
        self.b = rng.normal(0, 0.1, hidden_size)

    def step(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        return np.tanh(self.w_xh @ x + self.w_hh @ h + self.b)

    def run(self, xs: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """xs [T, input] -> hidden states [T, hidden] (h0 default zeros)."""
        h = np.zeros(self.w_hh.shape[0]) if h0 is None else np.asarray(h0, dtype=np.float64)
        out = []
        for x in np.asarray(xs, dtype=np.float64):
            h = self.step(x, h)
            out.append(h)
        return np.stack(out) if out else np.zeros((0, self.w_hh.shape[0]))


def _embed(words: list[str], seed: int = 1) -> np.ndarray:
    """A fixed pseudo-random vector per word (the same word always gets the same vector)."""
    rows = []
    for w in words:
        rng = np.random.default_rng([seed, *w.encode("utf-8")])
        rows.append(rng.normal(0, 1, EMBED))
    return np.stack(rows)


def _words(text: str, what: str) -> list[str]:
    words = text.split()
    if not words:
        raise ValueError(f"the {what} is empty: type a few words")
    if len(words) > 12:
        raise ValueError(f"the {what} has {len(words)} words; the diagram draws at most 12")
    return words


def vector_to_sequence(caption: str = EXAMPLES["vector→sequence"]["output"], seed: int = 0) -> Unrolled:
    words = _words(caption, "caption")
    cell = ElmanCell(seed=seed)
    image = np.random.default_rng(seed + 100).normal(0, 1, HIDDEN)  # stands for a CNN's image vector
    h0 = np.tanh(image)
    hidden = cell.run(_embed(["<bos>", *words[:-1]]), h0)
    cells = [Cell(t, "rnn", hidden[t], "image" if t == 0 else None, w) for t, w in enumerate(words)]
    return Unrolled("vector→sequence", cells,
                    notes=["h₀ = tanh(image vector); step t reads the word of step t−1"])


def sequence_to_vector(review: str = EXAMPLES["sequence→vector"]["input"], seed: int = 0) -> Unrolled:
    words = _words(review, "review")
    cell = ElmanCell(seed=seed)
    hidden = cell.run(_embed(words))
    w_out = np.random.default_rng(seed + 200).normal(0, HIDDEN ** -0.5, (2, HIDDEN))
    logits = w_out @ hidden[-1]
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    cells = [Cell(t, "rnn", hidden[t], w, None) for t, w in enumerate(words)]
    cells[-1].output = f"[{probs[0]:.2f}, {probs[1]:.2f}]"
    return Unrolled("sequence→vector", cells, result=probs,
                    notes=["only the last state is read out: softmax(W h_T) = [p(good), p(bad)]"])


def sequence_to_sequence(source: str = EXAMPLES["sequence→sequence"]["input"],
                         target: str = EXAMPLES["sequence→sequence"]["output"], seed: int = 0) -> Unrolled:
    src, tgt = _words(source, "source"), _words(target, "target")
    encoder, decoder = ElmanCell(seed=seed), ElmanCell(seed=seed + 1)
    enc = encoder.run(_embed(src))
    reads, emits = ["<bos>", *tgt], [*tgt, "<eos>"]  # decoder input = target shifted right
    dec = decoder.run(_embed(reads), enc[-1])
    cells = [Cell(t, "encoder", enc[t], w, None) for t, w in enumerate(src)]
    cells += [Cell(len(src) + t, "decoder", dec[t], r, e) for t, (r, e) in enumerate(zip(reads, emits))]
    return Unrolled("sequence→sequence", cells, context=enc[-1],
                    notes=["the encoder's final state is the context vector: the decoder's h₀"])


def unroll(shape: str, text_in: str | None = None, text_out: str | None = None, seed: int = 0) -> Unrolled:
    """One of SHAPES with the deck's example (or your own words)."""
    ex = EXAMPLES.get(shape)
    if ex is None:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if shape == "vector→sequence":
        return vector_to_sequence(text_out or ex["output"], seed)
    if shape == "sequence→vector":
        return sequence_to_vector(text_in or ex["input"], seed)
    return sequence_to_sequence(text_in or ex["input"], text_out or ex["output"], seed)
